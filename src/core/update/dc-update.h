/* dc-update.h: "is there a newer Dockclip?"  One GET of a small manifest
 * (JSON or key file: version, download page, release notes).  Nothing is
 * downloaded or run besides the manifest: the operator follows the link.
 *
 * JSON:      {"version": "0.2.0", "url": "https://…", "notes": "…"}
 * Key file:  [update]
 *            version=0.2.0
 *            url=https://…
 *            notes=…
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DC_UPDATE_ERROR (dc_update_error_quark ())
GQuark dc_update_error_quark (void);

typedef enum
{
  DC_UPDATE_ERROR_URL,       /* not https (http only to a loopback address) */
  DC_UPDATE_ERROR_NETWORK,   /* no answer, timeout, HTTP status not 200 */
  DC_UPDATE_ERROR_TOO_BIG,   /* larger than DC_UPDATE_MAX_MANIFEST */
  DC_UPDATE_ERROR_PARSE,     /* neither a valid JSON nor key-file manifest */
  DC_UPDATE_ERROR_REDIRECT,  /* a 3xx: never followed (another host, plain http...) */
} DcUpdateError;

#define DC_UPDATE_MAX_MANIFEST (64 * 1024)
#define DC_UPDATE_DEFAULT_TIMEOUT_MS 2000

typedef struct
{
  char *version;   /* "1.2.3" */
  char *url;       /* the download page (https) */
  char *notes;     /* release notes, plain text; may be "" */
  gboolean link_insecure;  /* @url is plain http://: show it, but say it is not secure */
} DcUpdateInfo;

void          dc_update_info_free (DcUpdateInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcUpdateInfo, dc_update_info_free)

/* Strict: every required key present, version made of 1–4 dot-separated
 * numbers, url http(s). */
DcUpdateInfo *dc_update_parse_manifest (const char *data, gsize len, GError **error);

/* <0, 0, >0 like strcmp, numerically per component ("0.10" > "0.9");
 * missing components count as 0. */
int           dc_update_compare_versions (const char *a, const char *b);

/* TRUE when @url may be fetched: https, or http to 127.0.0.1 / ::1 /
 * localhost (tests). */
gboolean      dc_update_url_is_allowed (const char *url, GError **error);

/* Blocking: call from a worker thread.  @timeout_ms 0 = default (2 s):
 * the whole fetch, a slow body included.  At most DC_UPDATE_MAX_MANIFEST
 * bytes are read (a larger Content-Length is refused before the body);
 * redirects are never followed (DC_UPDATE_ERROR_REDIRECT names where one
 * points). */
DcUpdateInfo *dc_update_fetch (const char *url, guint timeout_ms, GError **error);

/* Runs dc_update_fetch() in a GTask thread.  The result is the manifest
 * whatever its version: compare with PACKAGE_VERSION yourself. */
void          dc_update_check_async  (const char *url, guint timeout_ms,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
DcUpdateInfo *dc_update_check_finish (GAsyncResult *result, GError **error);

G_END_DECLS
