/* dc-log.h: one log file per recorder, named by its address
 * (<logs>/192.168.1.64.log), with every request, status and retry.
 * Thread-safe: several workers of one DVR share a DcLog.
 * Never give it a password or an Authorization header: dc_log_printf()
 * also masks "password=..." and "Authorization:" values as a last guard.
 * Every call writes exactly one line: control characters in the message
 * (newline, CR, ESC, ...) are written as visible escapes (dc-text.h).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DcLog DcLog;

/* Opens (appends to) <dir>/<host>.log, creating @dir 0700 and the file
 * 0600.  @host is sanitised for use as a file name ("::1" -> "__1"). */
DcLog    *dc_log_open      (const char *dir, const char *host, GError **error);
DcLog    *dc_log_ref       (DcLog *self);
void      dc_log_unref     (DcLog *self);
void      dc_log_printf    (DcLog *self, const char *format, ...) G_GNUC_PRINTF (2, 3);
const char *dc_log_get_path (DcLog *self);

/* The log name of a recorder at @url: its IP or host ("192.168.1.64"),
 * with the port when it is not the scheme's default, since several
 * recorders behind one address differ by port ("127.0.0.1_8081"). */
char     *dc_log_name_for_url (const char *url);

/* The default folder: g_get_user_state_dir()/dockclip/logs (GLib 2.72+). */
char     *dc_log_default_dir (void);

/* Replaces the value of any password=, passwd=, pwd= or Authorization:
 * with "***".  Returns a new string. */
char     *dc_log_redact    (const char *line);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcLog, dc_log_unref)

G_END_DECLS
