/* dc-http.h: the HTTP layer of a DVR session (internal to src/core/dvr).
 *
 * One CURL easy handle per session, reused for every request so the
 * digest nonce and the connection are kept, always driven through one
 * curl multi handle so that a cancel from another thread (an atomic flag
 * plus curl_multi_wakeup) stops any transfer within a fraction of a
 * second.  Digest only: Basic is never offered, not even after a 401.
 */
#pragma once

#include <glib.h>

#include "dvr/dc-dvr.h"
#include "util/dc-byte-source.h"
#include "util/dc-log.h"

G_BEGIN_DECLS

typedef struct _DcHttp DcHttp;

DcHttp   *dc_http_new              (const char *base_url, const char *user, const char *password,
                                    const char *dvr_name, DcLog *log, GError **error);
/* dc_http_new() with everything @cfg says, the TLS pin included. */
DcHttp   *dc_http_new_for_config   (const DcDvrConfig *cfg, DcLog *log, GError **error);
void      dc_http_free             (DcHttp *self);
/* Trust on first use for an https:// recorder: @pin ("sha256//BASE64" of
 * the public key, as dc_dvr_fetch_certificate_pin() returns it) is what is
 * trusted instead of the CA store, for this session's host only.  NULL
 * goes back to CA verification.  Fails (DC_DVR_ERROR_CONFIG) for a
 * malformed pin or an http:// session. */
gboolean  dc_http_set_tls_pin      (DcHttp *self, const char *pin, GError **error);
void      dc_http_set_stall_timeout (DcHttp *self, guint seconds);
void      dc_http_cancel           (DcHttp *self);
void      dc_http_reset_cancel     (DcHttp *self);
gboolean  dc_http_is_cancelled     (DcHttp *self);
/* While set, requests ignore cancel (device-side cleanup that must run,
 * such as destroying a Dahua finder; each is bounded by the timeouts). */
void      dc_http_set_uncancellable (DcHttp *self, gboolean uncancellable);
/* The streams opened next will be read in small pieces at a few places
 * (a picture out of a whole file): ask for the start in a bounded Range
 * window too, so the recorder does not push the whole file into socket
 * buffers before the reader seeks away.  Harmless where Range is ignored. */
void      dc_http_set_sparse_reads (DcHttp *self, gboolean sparse);
void      dc_http_set_progress_func (DcHttp *self, DcDvrProgressFunc func, gpointer user_data);
DcLog    *dc_http_get_log          (DcHttp *self);
/* "DVR “north” (192.168.1.64)" for messages. */
const char *dc_http_get_label      (DcHttp *self);
/* Host part of the base URL. */
const char *dc_http_get_host       (DcHttp *self);

typedef struct
{
  long    status;
  GBytes *body;
  gint64  elapsed_us;   /* request start to end (round trip for small answers) */
  gint64  start_us;     /* g_get_real_time () when sent */
} DcHttpResponse;

void      dc_http_response_clear   (DcHttpResponse *resp);

/* The most one XML or key=value answer may hold: a recorder's largest
 * (a channel list of a few hundred cameras, a search page) is well under
 * 1 MiB.  Anything larger is refused (DC_DVR_ERROR_BAD_RESPONSE) before it
 * is all in memory: at once when Content-Length says so. */
#define DC_HTTP_ANSWER_MAX (4 * 1024 * 1024)

/* A small request whose answer is kept in memory (at most
 * DC_HTTP_ANSWER_MAX).  @method "GET", "POST" or "GET" with a body (@body
 * non-NULL).  Fails only for transport errors, cancel, an answer over the
 * cap, and 401 (DC_DVR_ERROR_AUTH for a wrong password; DC_DVR_ERROR_CONFIG
 * when the device offers only Basic sign-in, and no password is sent),
 * after which the session refuses every request; likewise after a device
 * answers a fresh digest nonce with "stale" again (DC_DVR_ERROR_DEVICE).
 * Other statuses come back in @out.  Redirects are never followed. */
gboolean  dc_http_request          (DcHttp *self, const char *method, const char *path,
                                    const char *body, const char *content_type,
                                    DcHttpResponse *out, GError **error);
/* The same with a smaller cap (e.g. a search page); 0 or more than
 * DC_HTTP_ANSWER_MAX means DC_HTTP_ANSWER_MAX. */
gboolean  dc_http_request_bounded  (DcHttp *self, const char *method, const char *path,
                                    const char *body, const char *content_type,
                                    gsize max_bytes, DcHttpResponse *out, GError **error);

/* Maps a non-2xx status or an error document (ISAPI ResponseStatus, Dahua
 * "Error" page) to a GError: BUSY for 503 / statusCode 2 / deviceBusy,
 * NOT_SUPPORTED for notSupport, DEVICE otherwise (a 3xx names where it
 * points).  Device text in the message has its control characters
 * escaped.  TRUE when @resp is fine. */
gboolean  dc_http_check_response   (DcHttp *self, const DcHttpResponse *resp, GError **error);

/* Status and ISAPI subStatusCode of the last answer (for the POST retry). */
long        dc_http_get_last_status     (DcHttp *self);
const char *dc_http_get_last_sub_status (DcHttp *self);

/* A streamed download as a pull source.  Returns once the status and the
 * first bytes are in: an error status or an error body (even with 200)
 * fails here.  @expected_size (0 unknown) is checked at the end together
 * with Content-Length (DC_DVR_ERROR_TRUNCATED).  The source borrows the
 * session: free it before the session. */
DcByteSource *dc_http_open_stream  (DcHttp *self, const char *method, const char *path,
                                    const char *body, const char *content_type,
                                    guint64 expected_size, GError **error);

/* TRUE when @data starts like recorded media (IMKH, MPEG-PS pack, ftyp, DHAV). */
gboolean  dc_http_sniff_media      (const guint8 *data, gsize len);

G_END_DECLS
