/* dc-keyring.h: where DVR passwords live, and how evidence stays private.
 *
 * Passwords go to the desktop keyring (Secret Service, through libsecret)
 * when one runs on the session bus; otherwise the config file keeps them
 * and must be 0600 (dc-config.c refuses a readable one).  Every keyring
 * call is bounded in time: with no session bus or no Secret Service the
 * calls fail at once, and a service that does not answer (a locked
 * keyring waiting for a prompt nobody sees) is given up after a few
 * seconds, after which the keyring is not asked again by this process.
 *
 * DC_KEYRING=off in the environment turns the keyring off (tests, headless
 * servers, fuzzers).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Modes of every file and folder the core creates for evidence (pictures,
 * clips, their .part files, logs): private to the operator's account.
 * On Windows the profile folder's ACLs do this job. */
#define DC_FILE_MODE 0600
#define DC_DIR_MODE  0700

#define DC_KEYRING_ERROR (dc_keyring_error_quark ())
GQuark dc_keyring_error_quark (void);

typedef enum
{
  DC_KEYRING_ERROR_UNAVAILABLE,  /* no session bus / no Secret Service / turned off */
  DC_KEYRING_ERROR_TIMEOUT,      /* the service did not answer in time */
  DC_KEYRING_ERROR_FAILED,       /* the service answered an error (locked, refused...) */
  DC_KEYRING_ERROR_LOCKED,       /* the default keyring is locked: storing would prompt */
  DC_KEYRING_ERROR_NO_KEYRING,   /* no default keyring yet: storing would prompt to create one */
} DcKeyringError;

/* The libsecret schema name; attributes "url" and "user". */
#define DC_KEYRING_SCHEMA_NAME "io.github.dockclip.Dvr"

/* TRUE when a Secret Service is (or can be started) on the session bus and
 * the keyring is not turned off.  Fast: no D-Bus round trip after the
 * first call, and never starts a bus. */
gboolean  dc_keyring_is_available         (void);
/* Process-wide switch (also DC_KEYRING=off).  Turning it on again does not
 * undo a timeout seen earlier. */
void      dc_keyring_set_enabled          (gboolean enabled);
/* Upper bound for one keyring call (default 5000 ms). */
void      dc_keyring_set_timeout          (guint timeout_ms);

/* Whether a password can go to the keyring now without any prompt: a
 * Secret Service runs and its default collection exists and is unlocked.
 * FALSE with DC_KEYRING_ERROR_UNAVAILABLE / _LOCKED / _NO_KEYRING /
 * _TIMEOUT (a translated sentence saying why) otherwise: the password
 * then stays in the private (0600) config file.  Asks the service each
 * time (the operator may unlock the keyring meanwhile); bounded by the
 * timeout.  Call it from a worker in a GUI. */
gboolean  dc_keyring_can_store            (GError **error);

/* The password stored for (@url, @user), to be freed with
 * dc_secret_free(); NULL without an error when nothing is stored. */
char     *dc_keyring_lookup_dvr_password  (const char *url, const char *user, GError **error);
/* @dvr_name only labels the item ("Dockclip recorder “north”").  Never
 * prompts: fails as dc_keyring_can_store() does when the default keyring
 * is locked or missing (a Secret Service would otherwise ask the operator
 * to unlock it, or to "choose a password for the new keyring"). */
gboolean  dc_keyring_store_dvr_password   (const char *url, const char *user,
                                           const char *dvr_name, const char *password,
                                           GError **error);
/* "Forget the password": TRUE also when nothing was stored. */
gboolean  dc_keyring_clear_dvr_password   (const char *url, const char *user, GError **error);

/* No core dumps (and no ptrace by other processes of the same user) for a
 * process that holds recorder passwords in memory.  Linux only; a no-op
 * elsewhere.  Call it first thing in main(). */
void      dc_secrets_protect_process      (void);

/* Creates (or truncates) @path as an empty DC_FILE_MODE file, for writers
 * that open the file by name themselves (libavformat's avio_open creates
 * with 0666 & ~umask; it keeps the mode of a file that exists). */
gboolean  dc_private_file_prepare         (const char *path, GError **error);

G_END_DECLS
