/* dc-window.h: the main window: e-sheet table, downloader panel, picture
 * page, update banner, demo, drag and drop of e-sheets. */
#pragma once

#include <adwaita.h>

#include "update/dc-update.h"

#include "dc-downloader-panel.h"
#include "dc-esheet-view.h"
#include "dc-session.h"

G_BEGIN_DECLS

typedef struct _DcApplication DcApplication;

#define DC_TYPE_WINDOW (dc_window_get_type ())
G_DECLARE_FINAL_TYPE (DcWindow, dc_window, DC, WINDOW, AdwApplicationWindow)

/* The window shows the application's session; without an application
 * (tests) it makes one of its own, with the default config file. */
DcWindow          *dc_window_new          (DcApplication *app);
DcSession         *dc_window_get_session  (DcWindow *self);
/* Quit (Ctrl+Q, the menu): TRUE when nothing runs; otherwise asks like
 * closing the window does (and quits if the operator says so). */
gboolean           dc_window_request_quit (DcWindow *self);
/* The question asked before stopping a run, while it is shown (tests). */
GtkWidget         *dc_window_get_quit_dialog (DcWindow *self);
/* A non-modal banner with the release notes and a link. */
void               dc_window_show_update  (DcWindow *self, const DcUpdateInfo *info);
gboolean           dc_window_update_is_shown (DcWindow *self);
void               dc_window_start_demo   (DcWindow *self);
/* Imports in a worker; the table appears when it is read. */
void               dc_window_open_file    (DcWindow *self, GFile *file);
/* Cancels and joins every download worker and stops the demo recorders. */
void               dc_window_shutdown     (DcWindow *self);
DcConfig          *dc_window_get_config   (DcWindow *self);
/* Replaces the session's DVR/dock configuration (takes ownership) and
 * saves it when @save; the panel, cards and table follow. */
void               dc_window_set_config   (DcWindow *self, DcConfig *config, gboolean save);
DcEsheetView      *dc_window_get_esheet_view (DcWindow *self);
DcDownloaderPanel *dc_window_get_panel    (DcWindow *self);
/* The picture grid (a DcPicturePage). */
GtkWidget         *dc_window_get_picture_page (DcWindow *self);
/* "win.download-dvr" for @dvr (NULL = every recorder); returns the number
 * of jobs queued. */
guint              dc_window_download     (DcWindow *self, const char *dvr);
/* Imports still running (tests wait for 0). */
guint              dc_window_get_n_pending_imports (DcWindow *self);
gboolean           dc_window_is_demo_running (DcWindow *self);
/* The last toast's text (tests). */
const char        *dc_window_get_last_message (DcWindow *self);
/* The session's settings; call dc_window_settings_changed() after
 * changing them directly. */
DcAppSettings     *dc_window_get_settings (DcWindow *self);
void               dc_window_settings_changed (DcWindow *self);

G_END_DECLS
