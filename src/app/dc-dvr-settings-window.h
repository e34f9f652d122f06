/* dc-dvr-settings-window.h: add/edit/remove recorders (with "Test
 * connection" and, for https, trusting the recorder's certificate), import the dock map spreadsheet, map docks to recorder
 * channels.  Every change is applied to the window's configuration and
 * saved to the key file (not while the demo runs). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef struct _DcWindow DcWindow;
typedef struct _DcDockMapReport DcDockMapReport;

#define DC_TYPE_DVR_SETTINGS_WINDOW (dc_dvr_settings_window_get_type ())
G_DECLARE_FINAL_TYPE (DcDvrSettingsWindow, dc_dvr_settings_window, DC, DVR_SETTINGS_WINDOW,
                      AdwPreferencesWindow)

DcDvrSettingsWindow *dc_dvr_settings_window_new (DcWindow *window);
/* Opens the editor for @name (NULL: a new recorder). */
void        dc_dvr_settings_window_edit       (DcDvrSettingsWindow *self, const char *name);
/* The editor's fields, for tests and accessibility tools. */
GtkEditable *dc_dvr_settings_window_get_field (DcDvrSettingsWindow *self, const char *field);
/* The editor's Save button: validates, applies and saves. */
gboolean    dc_dvr_settings_window_save_editor (DcDvrSettingsWindow *self, GError **error);
/* Runs "Test connection" for the editor's fields; the result appears in
 * the editor (and in dc_dvr_settings_window_get_test_result()). */
void        dc_dvr_settings_window_test_connection (DcDvrSettingsWindow *self);
const char *dc_dvr_settings_window_get_test_result (DcDvrSettingsWindow *self);
/* TRUE while "Test connection" or "Check certificate" waits for the recorder. */
gboolean    dc_dvr_settings_window_is_testing (DcDvrSettingsWindow *self);
/* The editor's buttons by name: "test", "save", "check-certificate",
 * "trust-certificate" (for tests: they press the real widgets). */
GtkWidget  *dc_dvr_settings_window_get_button (DcDvrSettingsWindow *self, const char *name);
/* https:// only: looks at the recorder's certificate in a worker (a TLS
 * handshake, nothing sent) and shows its subject and fingerprint, with
 * "Trust this certificate"; Save stores the trusted one as tls-pin=. */
void        dc_dvr_settings_window_check_certificate (DcDvrSettingsWindow *self);
/* The certificate row's line: "Trusted certificate sha256//…", "Certificate
 * changed since it was trusted!", or why there is none. */
const char *dc_dvr_settings_window_get_certificate_state (DcDvrSettingsWindow *self);
/* Subject and fingerprint of the certificate last checked, NULL if hidden. */
const char *dc_dvr_settings_window_get_certificate_details (DcDvrSettingsWindow *self);

/* The editor's red line under the fields, NULL when hidden: it follows
 * what is typed and goes away once the fields are valid. */
const char *dc_dvr_settings_window_get_editor_error (DcDvrSettingsWindow *self);
/* Where passwords go, a sentence shown in the editor before Save ("…
 * saved in the desktop keyring", or the private file and why); NULL
 * while the keyring is being asked. */
const char *dc_dvr_settings_window_get_password_place (DcDvrSettingsWindow *self);
/* After Save: where the password really went, read back from the file. */
const char *dc_dvr_settings_window_get_save_note (DcDvrSettingsWindow *self);
/* The channel shown for @dock ("3 · Dock cam 3" once Test connection
 * named the recorder's cameras), NULL when the dock has no row. */
const char *dc_dvr_settings_window_get_dock_channel_text (DcDvrSettingsWindow *self,
                                                          const char *dock);
/* Imports the dock map spreadsheet @file (the Import button's file) and
 * shows the result list, which stays until dismissed. */
void        dc_dvr_settings_window_import_dock_map (DcDvrSettingsWindow *self, GFile *file);
DcDockMapReport *dc_dvr_settings_window_get_import_report (DcDvrSettingsWindow *self);

G_END_DECLS
