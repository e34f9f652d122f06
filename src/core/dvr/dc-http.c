#define G_LOG_DOMAIN "dc-http"

#include "config.h"

#include <string.h>

#include <curl/curl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "dvr/dc-dvr-parse.h"
#include "dvr/dc-http.h"
#include "util/dc-file-util.h"
#include "util/dc-text.h"

#define CONNECT_TIMEOUT_S  8
#define LOW_SPEED_LIMIT    1024
#define DEFAULT_STALL_S    30
/* Bounded per-transfer buffer: the transfer is paused when the reader
 * lags.  Small so that 64 concurrent transfers stay within the RSS goal. */
#define STREAM_BUFFER      (128 * 1024)   /* a power of two: GArray's own size */
#define ERROR_BODY_MAX     (64 * 1024)
/* All the header lines of one request (its 401 challenge included): a
 * recorder sends a few hundred bytes; libcurl alone would hold up to
 * 100 KiB per line and report more as "Out of memory". */
#define HEADERS_MAX        (64 * 1024)
/* Longest device text quoted in a message (a status string, a Location). */
#define QUOTE_MAX          160
#define POLL_MS            100
/* A Range request after a seek asks for a bounded window, doubling while
 * the reader keeps reading on: a seek that only peeks (libavformat's
 * timestamp search, a picture's one GOP) does not pull a whole segment's
 * worth into socket buffers, and a long read costs only a few requests.
 * Past the last size the request is open-ended. */
#define RANGE_WINDOW_FIRST (64 * 1024)
#define RANGE_WINDOW_LAST  (8 * 1024 * 1024)

typedef enum { XFER_COLLECT, XFER_STREAM } XferMode;

typedef struct
{
  XferMode    mode;
  gboolean    active;      /* the easy handle is in the multi handle */
  gboolean    done;
  CURLcode    result;
  gboolean    paused;
  gboolean    got_body;    /* the final response's body started */
  gboolean    too_big;
  gsize       max_answer;  /* XFER_COLLECT: the most the answer may hold */
  gsize       header_bytes; /* every header line of this transfer */
  gboolean    headers_too_big;
  guint       n_stale;     /* digest challenges with stale=true in this transfer */
  gboolean    stale_loop;  /* a second one: stopped */
  gboolean    offers_digest; /* of the current response's WWW-Authenticate */
  gboolean    offers_basic;
  char       *location;    /* of the current response, cut to QUOTE_MAX */
  long        status;
  gint64      content_length;  /* of the final response, -1 unknown */
  gboolean    accept_ranges;   /* of the current response */
  gint64      range_total; /* "Content-Range: bytes a-b/TOTAL", -1 unknown */
  guint64     range_len;   /* bytes asked for with "Range: a-b", 0 open-ended */
  GByteArray *buf;
  gsize       buf_pos;     /* consumed bytes at the head of buf */
  /* While a reader waits on an empty buffer: its own buffer, filled
   * straight from libcurl's (one copy less per byte). */
  guint8     *direct;
  gsize       direct_len;
  gsize       direct_got;
  guint64     received;    /* body bytes of this transfer */
  guint64     offset_base; /* stream offset where this transfer starts (Range) */
  guint64     expected_total;  /* for progress: 0 unknown */
  curl_off_t  last_progress;
  gint64      start_us;
  gint64      last_data_us; /* monotonic: last bytes from the server */
  gboolean    stalled;
  char       *method;
  char       *path;
  struct curl_slist *headers;
} Xfer;

struct _DcHttp
{
  CURL        *easy;
  CURLM       *multi;
  char        *base_url;
  char        *label;
  char        *host;
  gboolean     https;
  gboolean     pinned;       /* trust = the operator-confirmed key (TOFU) */
  DcLog       *log;
  guint        stall_s;
  gint         cancelled;    /* atomic */
  gboolean     uncancellable; /* cleanup requests run to the end */
  gboolean     auth_failed;
  GError      *auth_error;
  DcDvrProgressFunc progress_func;
  gpointer     progress_data;
  long         last_status;
  char        *last_sub_status;
  char        *last_location; /* of the last answer: a 3xx is explained with it */
  gpointer     stream;       /* the open HttpSource, if any */
  gboolean     sparse_reads; /* the next stream is read in Range windows from its start */
  char         errbuf[CURL_ERROR_SIZE]; /* libcurl's own words, for the log only */
  Xfer         x;
};

static gsize
buffered (Xfer *x)
{
  return x->buf->len - x->buf_pos;
}

/* ------------------------------------------------------------------ */
/* curl callbacks                                                      */

static size_t
on_header (char *data, size_t size, size_t nmemb, void *user_data)
{
  DcHttp *self = user_data;
  gsize n = size * nmemb;
  g_autofree char *line = NULL;

  self->x.last_data_us = g_get_monotonic_time ();
  self->x.header_bytes += n;
  if (self->x.header_bytes > HEADERS_MAX)
    {
      self->x.headers_too_big = TRUE;
      return 0;   /* aborts: CURLE_WRITE_ERROR */
    }
  line = g_strndup (data, n);
  g_strchomp (line);
  if (g_str_has_prefix (line, "HTTP/"))
    {
      /* A new response (the 401 before the authenticated one, a 100...). */
      self->x.accept_ranges = FALSE;
      self->x.range_total = -1;
      self->x.got_body = FALSE;
      self->x.offers_digest = FALSE;
      self->x.offers_basic = FALSE;
      g_clear_pointer (&self->x.location, g_free);
    }
  else if (g_ascii_strncasecmp (line, "WWW-Authenticate:", 17) == 0)
    {
      const char *v = line + 17;

      while (*v == ' ' || *v == '\t')
        v++;
      if (g_ascii_strncasecmp (v, "Digest", 6) == 0)
        {
          g_autofree char *lower = g_ascii_strdown (v, -1);

          self->x.offers_digest = TRUE;
          /* libcurl answers every stale=true with a fresh nonce, without
           * end: a device that says it for ever got 1,336 requests in a
           * second.  One fresh nonce is what stale means; a second stale
           * in the same request is a broken device. */
          if (strstr (lower, "stale=true") != NULL || strstr (lower, "stale=\"true\"") != NULL)
            {
              if (++self->x.n_stale > 1)
                {
                  self->x.stale_loop = TRUE;
                  return 0;
                }
            }
        }
      else if (g_ascii_strncasecmp (v, "Basic", 5) == 0)
        self->x.offers_basic = TRUE;
    }
  else if (g_ascii_strncasecmp (line, "Location:", 9) == 0)
    {
      g_free (self->x.location);
      self->x.location = dc_text_escape_controls (g_strstrip (line + 9), -1, QUOTE_MAX);
    }
  else if (g_ascii_strncasecmp (line, "Accept-Ranges:", 14) == 0)
    self->x.accept_ranges = strstr (line + 14, "bytes") != NULL;
  else if (g_ascii_strncasecmp (line, "Content-Range:", 14) == 0)
    {
      char *slash = strrchr (line, '/');
      guint64 total = 0;

      self->x.accept_ranges = TRUE;
      if (slash != NULL && g_ascii_string_to_unsigned (g_strstrip (slash + 1), 10, 1,
                                                       G_MAXINT64, &total, NULL))
        self->x.range_total = (gint64) total;
    }
  return n;
}

static void
note_body_start (DcHttp *self)
{
  curl_off_t cl = -1;

  self->x.got_body = TRUE;
  curl_easy_getinfo (self->easy, CURLINFO_RESPONSE_CODE, &self->x.status);
  if (curl_easy_getinfo (self->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) != CURLE_OK)
    cl = -1;
  self->x.content_length = cl;
}

static void
count_received (DcHttp *self, gsize n)
{
  self->x.received += n;
  self->x.last_data_us = g_get_monotonic_time ();
  if (self->stream != NULL)
    ((DcByteSource *) self->stream)->bytes_transferred += n;
}

static size_t
on_write (char *data, size_t size, size_t nmemb, void *user_data)
{
  DcHttp *self = user_data;
  Xfer *x = &self->x;
  gsize n = size * nmemb;

  if (!x->got_body)
    note_body_start (self);
  if (x->mode == XFER_COLLECT)
    {
      /* Refused as soon as the size is known: a Content-Length past the
       * cap is never waited for. */
      if (x->buf->len + n > x->max_answer ||
          (x->content_length > 0 && (guint64) x->content_length > x->max_answer))
        {
          x->too_big = TRUE;
          return 0;
        }
    }
  else
    {
      if (buffered (x) > 0 && buffered (x) + n > STREAM_BUFFER)
        {
          x->paused = TRUE;
          return CURL_WRITEFUNC_PAUSE;
        }
      if (x->direct != NULL && buffered (x) == 0 && x->direct_got < x->direct_len)
        {
          gsize m = MIN (n, x->direct_len - x->direct_got);

          memcpy (x->direct + x->direct_got, data, m);
          x->direct_got += m;
          data += m;
          n -= m;
          count_received (self, m);
          if (n == 0)
            return size * nmemb;
        }
      /* Compact only when the end is reached, so the array never grows
       * past STREAM_BUFFER (GArray would double it: 64 transfers each
       * holding 512 KiB).  The reader usually keeps up: little to move. */
      if (x->buf_pos > 0 && (buffered (x) == 0 || x->buf->len + n > STREAM_BUFFER))
        {
          g_byte_array_remove_range (x->buf, 0, (guint) x->buf_pos);
          x->buf_pos = 0;
        }
    }
  g_byte_array_append (x->buf, (const guint8 *) data, (guint) n);
  count_received (self, n);
  return size * nmemb;
}

static int
on_xferinfo (void *user_data, curl_off_t dltotal, curl_off_t dlnow,
             curl_off_t ultotal G_GNUC_UNUSED, curl_off_t ulnow G_GNUC_UNUSED)
{
  DcHttp *self = user_data;

  if (g_atomic_int_get (&self->cancelled) && !self->uncancellable)
    return 1;   /* aborts the transfer: CURLE_ABORTED_BY_CALLBACK */
  if (self->x.mode == XFER_STREAM && self->progress_func != NULL && dlnow != self->x.last_progress)
    {
      guint64 total = self->x.expected_total;
      self->x.last_progress = dlnow;
      if (total == 0 && dltotal > 0)
        total = self->x.offset_base + (guint64) dltotal;
      self->progress_func (self->x.offset_base + (guint64) dlnow, total, self->progress_data);
    }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Session object                                                      */

DcHttp *
dc_http_new (const char *base_url, const char *user, const char *password,
             const char *dvr_name, DcLog *log, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  DcHttp *self;
  gsize len;

  uri = base_url ? g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("DVR “%s”: the address “%s” is not an http:// or https:// URL"),
                   dvr_name ? dvr_name : "", base_url ? base_url : "");
      return NULL;
    }

  self = g_new0 (DcHttp, 1);
  self->base_url = g_strdup (base_url);
  len = strlen (self->base_url);
  while (len > 0 && self->base_url[len - 1] == '/')
    self->base_url[--len] = '\0';
  self->host = g_strdup (g_uri_get_host (uri));
  self->https = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0;
  self->label = g_strdup_printf (_("DVR “%s” (%s)"), dvr_name ? dvr_name : "", self->host);
  self->log = log ? dc_log_ref (log) : NULL;
  self->stall_s = DEFAULT_STALL_S;
  self->x.buf = g_byte_array_sized_new (STREAM_BUFFER);

  self->easy = curl_easy_init ();
  self->multi = curl_multi_init ();
  if (self->easy == NULL || self->multi == NULL)
    {
      g_set_error_literal (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                           _("Dockclip cannot start its network library (libcurl); restart "
                             "Dockclip, and reinstall it if this repeats"));
      dc_http_free (self);
      return NULL;
    }
  curl_easy_setopt (self->easy, CURLOPT_NOSIGNAL, 1L);
  /* Digest only: CURLAUTH_ANY could fall back to Basic and send the
   * password in clear text over plain HTTP. */
  curl_easy_setopt (self->easy, CURLOPT_HTTPAUTH, (long) CURLAUTH_DIGEST);
  curl_easy_setopt (self->easy, CURLOPT_USERNAME, user ? user : "");
  curl_easy_setopt (self->easy, CURLOPT_PASSWORD, password ? password : "");
  curl_easy_setopt (self->easy, CURLOPT_FAILONERROR, 0L);   /* read error bodies */
  curl_easy_setopt (self->easy, CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT_S);
  /* No redirect is ever followed (to another host or scheme least of
   * all): the credentials and the evidence stay with the configured
   * address.  A 3xx comes back as an answer and is explained in words. */
  curl_easy_setopt (self->easy, CURLOPT_FOLLOWLOCATION, 0L);
  /* (not CURLOPT_MAXREDIRS 0: libcurl counts the signed request after a
   * digest challenge against it) */
  curl_easy_setopt (self->easy, CURLOPT_ERRORBUFFER, self->errbuf);
  curl_easy_setopt (self->easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (self->easy, CURLOPT_WRITEDATA, self);
  curl_easy_setopt (self->easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (self->easy, CURLOPT_HEADERDATA, self);
  curl_easy_setopt (self->easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (self->easy, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
  curl_easy_setopt (self->easy, CURLOPT_XFERINFODATA, self);
  curl_easy_setopt (self->easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (self->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (self->easy, CURLOPT_USERAGENT, "Dockclip/" PACKAGE_VERSION);
  /* libcurl's defaults, said out loud: HTTPS is verified against the CA
   * store and the host name unless the operator pinned a key. */
  curl_easy_setopt (self->easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (self->easy, CURLOPT_SSL_VERIFYHOST, 2L);
  return self;
}

DcHttp *
dc_http_new_for_config (const DcDvrConfig *cfg, DcLog *log, GError **error)
{
  DcHttp *self;

  g_return_val_if_fail (cfg != NULL, NULL);
  self = dc_http_new (cfg->url, cfg->user, cfg->password, cfg->name, log, error);
  if (self != NULL && cfg->tls_pin != NULL && *cfg->tls_pin != '\0' &&
      !dc_http_set_tls_pin (self, cfg->tls_pin, error))
    g_clear_pointer (&self, dc_http_free);
  return self;
}

gboolean
dc_http_set_tls_pin (DcHttp *self, const char *pin, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (pin == NULL || *pin == '\0')
    {
      self->pinned = FALSE;
      curl_easy_setopt (self->easy, CURLOPT_PINNEDPUBLICKEY, NULL);
      curl_easy_setopt (self->easy, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt (self->easy, CURLOPT_SSL_VERIFYHOST, 2L);
      return TRUE;
    }
  if (!self->https)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("%s: a certificate pin needs an https:// address"), self->label);
      return FALSE;
    }
  if (!dc_dvr_tls_pin_is_valid (pin))
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("%s: the certificate pin is not of the form sha256//BASE64"), self->label);
      return FALSE;
    }
  /* The pin replaces the CA check for this host only: a self-signed
   * recorder certificate has no CA and usually names no host, and the key
   * the operator confirmed is a stronger statement than either.  libcurl
   * checks the pinned key on every new connection whatever VERIFYPEER is. */
  if (curl_easy_setopt (self->easy, CURLOPT_PINNEDPUBLICKEY, pin) != CURLE_OK)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("%s: this libcurl cannot check certificate pins"), self->label);
      return FALSE;
    }
  curl_easy_setopt (self->easy, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt (self->easy, CURLOPT_SSL_VERIFYHOST, 0L);
  self->pinned = TRUE;
  return TRUE;
}

static void xfer_stop (DcHttp *self);

void
dc_http_free (DcHttp *self)
{
  if (self == NULL)
    return;
  if (self->stream != NULL)
    g_critical ("a DVR download stream outlives its session");
  xfer_stop (self);
  if (self->multi)
    curl_multi_cleanup (self->multi);
  if (self->easy)
    {
      /* Drop libcurl's copies of the credentials first.  libcurl frees
       * them without wiping (nothing reachable from here can), so this
       * only shortens their life; no core dumps is the real guard. */
      curl_easy_setopt (self->easy, CURLOPT_USERNAME, NULL);
      curl_easy_setopt (self->easy, CURLOPT_PASSWORD, NULL);
      curl_easy_reset (self->easy);
      curl_easy_cleanup (self->easy);
    }
  g_byte_array_unref (self->x.buf);
  g_clear_pointer (&self->log, dc_log_unref);
  g_clear_error (&self->auth_error);
  g_free (self->last_sub_status);
  g_free (self->last_location);
  g_free (self->base_url);
  g_free (self->label);
  g_free (self->host);
  g_free (self);
}

void
dc_http_set_stall_timeout (DcHttp *self, guint seconds)
{
  self->stall_s = MAX (seconds, 1);
}

void
dc_http_cancel (DcHttp *self)
{
  g_atomic_int_set (&self->cancelled, 1);
  curl_multi_wakeup (self->multi);
}

void
dc_http_reset_cancel (DcHttp *self)
{
  g_atomic_int_set (&self->cancelled, 0);
}

gboolean
dc_http_is_cancelled (DcHttp *self)
{
  return g_atomic_int_get (&self->cancelled) != 0;
}

void
dc_http_set_progress_func (DcHttp *self, DcDvrProgressFunc func, gpointer user_data)
{
  self->progress_func = func;
  self->progress_data = user_data;
}

DcLog *
dc_http_get_log (DcHttp *self)
{
  return self->log;
}

const char *
dc_http_get_label (DcHttp *self)
{
  return self->label;
}

const char *
dc_http_get_host (DcHttp *self)
{
  return self->host;
}

long
dc_http_get_last_status (DcHttp *self)
{
  return self->last_status;
}

const char *
dc_http_get_last_sub_status (DcHttp *self)
{
  return self->last_sub_status;
}

void
dc_http_response_clear (DcHttpResponse *resp)
{
  g_clear_pointer (&resp->body, g_bytes_unref);
  resp->status = 0;
}

/* ------------------------------------------------------------------ */
/* Transfers                                                           */

static void
log_line (DcHttp *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
log_line (DcHttp *self, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("%s: %s", self->host, msg);
  if (self->log != NULL)
    dc_log_printf (self->log, "%s", msg);
}

/* Only the path and query go to the log: never a URL with credentials. */
static const char *
short_path (const char *path)
{
  return path;
}

static void
xfer_stop (DcHttp *self)
{
  Xfer *x = &self->x;

  if (x->active)
    {
      curl_multi_remove_handle (self->multi, self->easy);
      x->active = FALSE;
    }
  g_clear_pointer (&x->headers, curl_slist_free_all);
  g_clear_pointer (&x->method, g_free);
  g_clear_pointer (&x->path, g_free);
  g_clear_pointer (&x->location, g_free);
}

static gboolean
refuse_if_locked (DcHttp *self, GError **error)
{
  if (self->auth_failed)
    {
      /* Never a second try with the same credentials: recorders lock the
       * account for ~30 minutes after a few bad logins. */
      g_propagate_error (error, g_error_copy (self->auth_error));
      return FALSE;
    }
  if (dc_http_is_cancelled (self) && !self->uncancellable)
    {
      g_set_error_literal (error, DC_DVR_ERROR, DC_DVR_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  return TRUE;
}

void
dc_http_set_sparse_reads (DcHttp *self, gboolean sparse)
{
  self->sparse_reads = sparse;
}

void
dc_http_set_uncancellable (DcHttp *self, gboolean uncancellable)
{
  self->uncancellable = uncancellable;
}

static gboolean
xfer_start (DcHttp *self, XferMode mode, const char *method, const char *path,
            const char *body, const char *content_type, guint64 range_from,
            guint64 range_len, gsize max_answer, GError **error)
{
  Xfer *x = &self->x;
  g_autofree char *url = NULL;
  char range[64];
  CURLMcode mc;

  xfer_stop (self);
  if (x->buf->len > STREAM_BUFFER)
    {
      /* a big XML answer was collected: do not keep its memory */
      g_byte_array_unref (x->buf);
      x->buf = g_byte_array_sized_new (STREAM_BUFFER);
    }
  x->mode = mode;
  x->done = FALSE;
  x->result = CURLE_OK;
  x->paused = FALSE;
  x->got_body = FALSE;
  x->too_big = FALSE;
  x->max_answer = max_answer;
  x->header_bytes = 0;
  x->headers_too_big = FALSE;
  x->n_stale = 0;
  x->stale_loop = FALSE;
  x->offers_digest = FALSE;
  x->offers_basic = FALSE;
  self->errbuf[0] = '\0';
  x->status = 0;
  x->content_length = -1;
  x->accept_ranges = FALSE;
  x->range_total = -1;
  x->range_len = range_len;
  g_byte_array_set_size (x->buf, 0);
  x->buf_pos = 0;
  x->received = 0;
  x->offset_base = range_from;
  x->last_progress = -1;
  x->start_us = g_get_real_time ();
  x->last_data_us = g_get_monotonic_time ();
  x->stalled = FALSE;
  x->method = g_strdup (method);
  x->path = g_strdup (path);

  url = g_strconcat (self->base_url, path, NULL);
  curl_easy_setopt (self->easy, CURLOPT_URL, url);
  curl_easy_setopt (self->easy, CURLOPT_LOW_SPEED_LIMIT, (long) LOW_SPEED_LIMIT);
  curl_easy_setopt (self->easy, CURLOPT_LOW_SPEED_TIME, (long) self->stall_s);
  if (body != NULL)
    {
      /* COPYPOSTFIELDS: libcurl may resend it after the digest 401. */
      curl_easy_setopt (self->easy, CURLOPT_POSTFIELDSIZE, (long) strlen (body));
      curl_easy_setopt (self->easy, CURLOPT_COPYPOSTFIELDS, body);
      /* "GET" with a body is what the ISAPI download expects. */
      curl_easy_setopt (self->easy, CURLOPT_CUSTOMREQUEST,
                        g_strcmp0 (method, "POST") == 0 ? NULL : method);
      {
        g_autofree char *ct = g_strdup_printf ("Content-Type: %s",
                                               content_type ? content_type : "application/xml");
        x->headers = curl_slist_append (x->headers, ct);
        /* No 100-continue round trip for a few hundred bytes. */
        x->headers = curl_slist_append (x->headers, "Expect:");
      }
    }
  else
    {
      curl_easy_setopt (self->easy, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt (self->easy, CURLOPT_CUSTOMREQUEST,
                        g_strcmp0 (method, "GET") == 0 ? NULL : method);
    }
  /* As a header, not CURLOPT_RANGE: libcurl only sends that for plain
   * GETs, and the ISAPI download is a GET with a body. */
  if (range_len > 0)
    {
      g_snprintf (range, sizeof range, "Range: bytes=%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
                  range_from, range_from + range_len - 1);
      x->headers = curl_slist_append (x->headers, range);
    }
  else if (range_from > 0)
    {
      g_snprintf (range, sizeof range, "Range: bytes=%" G_GUINT64_FORMAT "-", range_from);
      x->headers = curl_slist_append (x->headers, range);
    }
  curl_easy_setopt (self->easy, CURLOPT_HTTPHEADER, x->headers);

  mc = curl_multi_add_handle (self->multi, self->easy);
  if (mc != CURLM_OK)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG, "libcurl: %s", curl_multi_strerror (mc));
      return FALSE;
    }
  x->active = TRUE;
  return TRUE;
}

/* Runs the multi handle once, then waits up to POLL_MS for activity.
 * Sets x->done when the transfer finished (any result). */
static void
xfer_step (DcHttp *self, gsize want)
{
  Xfer *x = &self->x;
  int running = 0, queued = 0;
  CURLMsg *msg;

  if (!x->active || x->done)
    return;
  curl_multi_perform (self->multi, &running);
  while ((msg = curl_multi_info_read (self->multi, &queued)) != NULL)
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == self->easy)
      {
        x->done = TRUE;
        x->result = msg->data.result;
      }
  if (!x->done && !x->got_body)
    curl_easy_getinfo (self->easy, CURLINFO_RESPONSE_CODE, &x->status);
  if (x->done)
    {
      if (!x->got_body)
        note_body_start (self);
      return;
    }
  if (dc_http_is_cancelled (self) && !self->uncancellable)
    {
      /* The progress callback aborts too; this covers a transfer that is
       * waiting on a silent socket. */
      x->done = TRUE;
      x->result = CURLE_ABORTED_BY_CALLBACK;
      return;
    }
  /* libcurl's low-speed check averages over several seconds, so after a
   * fast start it notices silence late; this one is exact once the server
   * has answered (connecting is bounded by the connect timeout). */
  if (x->status > 0 && !x->paused &&
      g_get_monotonic_time () - x->last_data_us > (gint64) self->stall_s * G_USEC_PER_SEC)
    {
      x->done = TRUE;
      x->stalled = TRUE;
      x->result = CURLE_OPERATION_TIMEDOUT;
      return;
    }
  /* Wait for the socket only when more is needed and can come: a paused
   * transfer has no socket in the poll set. */
  if (buffered (x) + x->direct_got < want && !x->paused)
    curl_multi_poll (self->multi, NULL, 0, POLL_MS, NULL);
}

/* A session that must send nothing more (wrong password, a device that
 * only offers Basic, a stale-nonce loop): every later request gets @error. */
static void
lock_session (DcHttp *self, GError *error)
{
  self->auth_failed = TRUE;
  g_clear_error (&self->auth_error);
  self->auth_error = error;
}

/* Turns a finished transfer's libcurl result into a GError: one sentence
 * in the operator's words, naming the recorder and what to do.  libcurl's
 * own English ("Couldn't connect to server") goes to the log only. */
static gboolean
xfer_result_error (DcHttp *self, GError **error)
{
  Xfer *x = &self->x;
  curl_off_t connect_us = 0;

  switch (x->result)
    {
    case CURLE_OK:
      return TRUE;
    case CURLE_ABORTED_BY_CALLBACK:
      g_set_error_literal (error, DC_DVR_ERROR, DC_DVR_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    case CURLE_COULDNT_RESOLVE_HOST:
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE,
                   _("%s cannot be found: this network does not know the name in its address; "
                     "check the address in the DVR settings"), self->label);
      return FALSE;
    case CURLE_COULDNT_CONNECT:
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE,
                   _("%s cannot be reached: nothing accepts connections at its address; check "
                     "that it is on and connected and that the address and port are its web "
                     "port"), self->label);
      return FALSE;
    case CURLE_OPERATION_TIMEDOUT:
      /* The request went out (pretransfer time is set, also on a reused
       * connection, whose connect time is 0): silence after that is a
       * stall.  Otherwise the connect timeout ran out. */
      curl_easy_getinfo (self->easy, CURLINFO_PRETRANSFER_TIME_T, &connect_us);
      if (x->stalled || connect_us > 0 || x->status > 0)
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_STALLED,
                     _("%s stopped sending data for %u s"), self->label, self->stall_s);
      else
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE,
                     _("%s did not answer within %d s; check that it is on and the address is right"),
                     self->label, CONNECT_TIMEOUT_S);
      return FALSE;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      if (self->pinned)
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                     _("%s: the HTTPS certificate could not be checked against the confirmed "
                       "fingerprint; confirm the recorder's fingerprint again in its settings"),
                     self->label);
      else
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                     _("%s: the HTTPS certificate is not trusted. If the recorder uses its "
                       "own (self-signed) certificate, confirm its fingerprint in the recorder's "
                       "settings to trust it"), self->label);
      return FALSE;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("%s: the HTTPS certificate is not the one confirmed for this recorder. "
                     "Nothing was sent. If the recorder's certificate was replaced, confirm the "
                     "new fingerprint in its settings; otherwise another device may be answering "
                     "at this address"), self->label);
      return FALSE;
    case CURLE_SSL_CONNECT_ERROR:
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE,
                   _("The secure (HTTPS) connection to %s could not be set up; check that its "
                     "address uses the recorder's HTTPS port, or use http://"), self->label);
      return FALSE;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("%s does not answer like a web server; check that the port in its address "
                     "is the recorder's web (HTTP) port, not its SDK port"), self->label);
      return FALSE;
    case CURLE_OUT_OF_MEMORY:
      /* What libcurl 7.88 reports (without a word in its error buffer)
       * for one header line over 100 KiB, after the status line came. */
      if (x->status <= 0 || x->received > 0)
        break;
      G_GNUC_FALLTHROUGH;
    case CURLE_WRITE_ERROR:
      if (x->stale_loop)
        {
          lock_session (self, g_error_new (DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
                                           _("%s refused a fresh sign-in as outdated (digest "
                                             "“stale”) twice in a row; restart the recorder and "
                                             "check its clock"), self->label));
          g_propagate_error (error, g_error_copy (self->auth_error));
          return FALSE;
        }
      if (x->headers_too_big || x->result == CURLE_OUT_OF_MEMORY)
        {
          g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                       _("%s sent header lines longer than a recorder ever sends (over %d KiB); "
                         "check that the address is the recorder's"), self->label,
                       HEADERS_MAX / 1024);
          return FALSE;
        }
      if (x->too_big)
        {
          g_autofree char *cap = g_format_size (x->max_answer);

          g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                       _("%s sent an answer larger than %s, far more than a recorder sends; "
                         "it may be faulty"), self->label, cap);
          return FALSE;
        }
      break;
    case CURLE_BAD_CONTENT_ENCODING:
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("%s sent compressed data that cannot be unpacked"), self->label);
      return FALSE;
    case CURLE_AUTH_ERROR:
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
                   _("%s asks for a sign-in Dockclip cannot give (its digest challenge is "
                     "malformed); check the recorder's firmware"), self->label);
      return FALSE;
    default:
      break;
    }
  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DROPPED,
               _("The connection to %s was lost; if this repeats, check the network between "
                 "this computer and the recorder"), self->label);
  return FALSE;
}

static void
log_done (DcHttp *self, const char *what)
{
  Xfer *x = &self->x;
  g_autofree char *detail = NULL;

  /* The log keeps libcurl's words too: they help whoever reads it. */
  if (x->result != CURLE_OK)
    detail = g_strdup_printf (", %s [%s%s%s]", what ? what : curl_easy_strerror (x->result),
                              curl_easy_strerror (x->result), self->errbuf[0] ? ": " : "",
                              self->errbuf);
  log_line (self, "%s %s -> %ld, %" G_GUINT64_FORMAT " bytes, %" G_GINT64_FORMAT " ms%s",
            x->method ? x->method : "?", short_path (x->path ? x->path : ""), x->status,
            x->received, (g_get_real_time () - x->start_us) / 1000, detail ? detail : "");
}

static gboolean
check_auth (DcHttp *self, GError **error)
{
  if (self->x.status != 401)
    return TRUE;
  if (self->x.offers_basic && !self->x.offers_digest)
    {
      /* libcurl sent no password (Digest only): this is no failed login
       * and says nothing about the password; the device must change. */
      lock_session (self, g_error_new (DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                                       _("%s offers only Basic sign-in, which sends the password "
                                         "unprotected: turn on Digest in its network settings"),
                                       self->label));
      log_line (self, "401: the recorder offers only Basic authentication; no password was sent");
    }
  else
    {
      lock_session (self, g_error_new (DC_DVR_ERROR, DC_DVR_ERROR_AUTH,
                                       _("%s rejected the user or password"), self->label));
      log_line (self, "401: wrong user or password; no more requests to this recorder in this session");
    }
  g_propagate_error (error, g_error_copy (self->auth_error));
  return FALSE;
}

static void
remember_status (DcHttp *self, long status, const guint8 *data, gsize len)
{
  DcIsapiStatus st;

  self->last_status = status;
  g_clear_pointer (&self->last_sub_status, g_free);
  g_free (self->last_location);
  self->last_location = g_strdup (self->x.location);
  if (len > 0 && dc_isapi_parse_response_status ((const char *) data, (gssize) len, &st))
    {
      self->last_sub_status = g_steal_pointer (&st.sub_status_code);
      dc_isapi_status_clear (&st);
    }
}

gboolean
dc_http_request (DcHttp *self, const char *method, const char *path, const char *body,
                 const char *content_type, DcHttpResponse *out, GError **error)
{
  return dc_http_request_bounded (self, method, path, body, content_type, DC_HTTP_ANSWER_MAX,
                                  out, error);
}

gboolean
dc_http_request_bounded (DcHttp *self, const char *method, const char *path, const char *body,
                         const char *content_type, gsize max_bytes, DcHttpResponse *out,
                         GError **error)
{
  Xfer *x = &self->x;
  gboolean ok;

  memset (out, 0, sizeof *out);
  if (!refuse_if_locked (self, error))
    return FALSE;
  if (self->stream != NULL)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   "%s: request while a download is open on the same session", self->label);
      return FALSE;
    }
  if (!xfer_start (self, XFER_COLLECT, method, path, body, content_type, 0, 0,
                   max_bytes > 0 ? MIN (max_bytes, DC_HTTP_ANSWER_MAX) : DC_HTTP_ANSWER_MAX, error))
    return FALSE;
  while (!x->done)
    xfer_step (self, G_MAXSIZE);
  {
    g_autoptr(GError) local_error = NULL;

    /* The log gets the reason in words next to libcurl's. */
    ok = xfer_result_error (self, &local_error);
    log_done (self, local_error ? local_error->message : NULL);
    if (!ok)
      g_propagate_error (error, g_steal_pointer (&local_error));
  }
  ok = ok && check_auth (self, error);
  if (ok)
    {
      out->status = x->status;
      out->body = g_bytes_new (x->buf->data, x->buf->len);
      out->start_us = x->start_us;
      out->elapsed_us = g_get_real_time () - x->start_us;
      remember_status (self, x->status, x->buf->data, x->buf->len);
    }
  g_byte_array_set_size (x->buf, 0);
  xfer_stop (self);
  return ok;
}

/* A redirect is never followed: say where it points and what to do. */
static void
set_redirect_error (DcHttp *self, long status, GError **error)
{
  const char *location = self->last_location;

  if (location != NULL && *location != '\0')
    g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
                 _("%s sends its requests on to “%s” (HTTP %ld), and Dockclip does not follow "
                   "redirects; if that is the recorder, enter that address in the DVR settings"),
                 self->label, location, status);
  else
    g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
                 _("%s sends its requests on elsewhere (HTTP %ld), and Dockclip does not follow "
                   "redirects; check the address in the DVR settings"), self->label, status);
}

static gboolean
error_from_body (DcHttp *self, long status, const char *data, gsize len, GError **error)
{
  DcIsapiStatus st;
  g_autofree char *detail = NULL;

  if (status >= 300 && status < 400)
    {
      set_redirect_error (self, status, error);
      return FALSE;
    }
  if (len > 0 && dc_isapi_parse_response_status (data, (gssize) len, &st))
    {
      gboolean ok = FALSE;
      /* The device's own words, made safe to print (no ESC, no newline). */
      g_autofree char *status_string = st.status_string ? dc_text_escape_controls (st.status_string, -1, QUOTE_MAX) : NULL;
      g_autofree char *sub_status = st.sub_status_code ? dc_text_escape_controls (st.sub_status_code, -1, QUOTE_MAX) : NULL;

      if (st.status_code == 2 || g_strcmp0 (st.sub_status_code, "deviceBusy") == 0)
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BUSY,
                     _("%s is busy (%s); will try again later"), self->label,
                     status_string ? status_string : "deviceBusy");
      else if (g_strcmp0 (st.sub_status_code, "notSupport") == 0)
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED,
                     _("%s does not support this request (%s)"), self->label,
                     status_string ? status_string : "notSupport");
      else if (st.status_code == 1 && status < 300)
        ok = TRUE;   /* "OK" */
      else
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
                     _("%s answered an error: %s (%s, HTTP %ld)"), self->label,
                     status_string ? status_string : "?",
                     sub_status ? sub_status : "?", status);
      dc_isapi_status_clear (&st);
      return ok;
    }
  if (len > 0 && dc_dahua_is_error (data, (gssize) len, &detail))
    {
      g_autofree char *safe = dc_text_escape_controls (detail ? detail : "Error", -1, QUOTE_MAX);

      g_set_error (error, DC_DVR_ERROR, status == 503 ? DC_DVR_ERROR_BUSY : DC_DVR_ERROR_DEVICE,
                   _("%s answered an error: %s (HTTP %ld)"), self->label, safe, status);
      return FALSE;
    }
  if (status == 503)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BUSY,
                   _("%s is busy (HTTP 503); will try again later"), self->label);
      return FALSE;
    }
  if (status >= 300 || status < 200)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE, _("%s answered HTTP %ld"),
                   self->label, status);
      return FALSE;
    }
  return TRUE;
}

gboolean
dc_http_check_response (DcHttp *self, const DcHttpResponse *resp, GError **error)
{
  gsize len = 0;
  const char *data = resp->body ? g_bytes_get_data (resp->body, &len) : NULL;
  return error_from_body (self, resp->status, data, len, error);
}

gboolean
dc_http_sniff_media (const guint8 *d, gsize len)
{
  if (len >= 4 && memcmp (d, "IMKH", 4) == 0)
    return TRUE;
  if (len >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 1 && d[3] == 0xBA)
    return TRUE;
  if (len >= 8 && memcmp (d + 4, "ftyp", 4) == 0)
    return TRUE;
  if (len >= 4 && memcmp (d, "DHAV", 4) == 0)
    return TRUE;
  if (len >= 5 && memcmp (d, "DAHUA", 5) == 0)
    return TRUE;
  return FALSE;
}

/* Looks like a text answer (XML, JSON or a Dahua key=value page) rather
 * than media. */
static gboolean
sniff_text (const guint8 *d, gsize len)
{
  gsize i = 0;
  while (i < len && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n' || d[i] == '\t'))
    i++;
  if (i >= len)
    return len > 0;
  if (d[i] == '<' || d[i] == '{')
    return TRUE;
  if (len - i >= 5 && g_ascii_strncasecmp ((const char *) d + i, "Error", 5) == 0)
    return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* The streaming source                                                */

typedef struct
{
  DcByteSource parent;
  DcHttp      *http;
  char        *method;
  char        *path;
  char        *body;
  char        *content_type;
  guint64      expected_size;
  gboolean     range_ok;
  gboolean     at_end;     /* finished cleanly (EOF) */
  GError      *error;      /* sticky */
} HttpSource;

static void
source_fail (HttpSource *s, GError *error)
{
  if (s->error == NULL)
    s->error = error;
  else
    g_error_free (error);
}

/* Drives the transfer until @want bytes are buffered or it ends. */
static void
fill (HttpSource *s, gsize want)
{
  DcHttp *h = s->http;
  Xfer *x = &h->x;

  while (!x->done && buffered (x) + x->direct_got < want)
    {
      if (x->paused)
        {
          x->paused = FALSE;
          x->last_data_us = g_get_monotonic_time ();
          curl_easy_pause (h->easy, CURLPAUSE_CONT);
          if (x->paused)
            return;   /* still full: the reader must consume first */
        }
      xfer_step (h, want);
    }
}

/* Called once the transfer is done and the buffer drained. */
static gboolean
finish (HttpSource *s, GError **error)
{
  DcHttp *h = s->http;
  Xfer *x = &h->x;
  g_autoptr(GError) local_error = NULL;
  guint64 total = x->offset_base + x->received;

  if (!xfer_result_error (h, &local_error))
    {
      log_done (h, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  log_done (h, NULL);
  if (x->content_length >= 0 && x->received < (guint64) x->content_length)
    {
      /* numbers formatted apart: xgettext cannot see through G_GINT64_FORMAT */
      g_autofree char *got = g_strdup_printf ("%" G_GUINT64_FORMAT, x->received);
      g_autofree char *want = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) x->content_length);

      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_TRUNCATED, _("%s sent %s of %s bytes"),
                   h->label, got, want);
      return FALSE;
    }
  if (s->expected_size > 0 && total < s->expected_size)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GUINT64_FORMAT, total);
      g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT, s->expected_size);

      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_TRUNCATED,
                   _("%s sent %s of the %s bytes of the recording (still being written?)"),
                   h->label, got, want);
      return FALSE;
    }
  s->at_end = TRUE;
  return TRUE;
}

static gboolean source_window_ended (HttpSource *s);
static gboolean source_next_window (HttpSource *s, GError **error);

static gssize
source_read (DcByteSource *self, guint8 *buf, gsize len, GError **error)
{
  HttpSource *s = (HttpSource *) self;
  DcHttp *h = s->http;
  Xfer *x = &h->x;
  gsize n;

  if (len == 0)
    return 0;
  while (s->error == NULL)
    {
      if (buffered (x) > 0)
        {
          n = MIN (len, buffered (x));
          memcpy (buf, x->buf->data + x->buf_pos, n);
          x->buf_pos += n;
          return (gssize) n;
        }
      if (s->at_end)
        return 0;
      if (x->done && source_window_ended (s))
        {
          GError *e = NULL;
          if (!source_next_window (s, &e))
            source_fail (s, e);
          continue;
        }
      if (x->done)
        {
          GError *e = NULL;
          if (!finish (s, &e))
            source_fail (s, e);
          xfer_stop (h);
          continue;
        }
      x->direct = buf;
      x->direct_len = len;
      x->direct_got = 0;
      fill (s, 1);
      n = x->direct_got;
      x->direct = NULL;
      x->direct_got = 0;
      if (n > 0)
        return (gssize) n;
    }
  g_propagate_error (error, g_error_copy (s->error));
  return -1;
}

/* Starts (or restarts at @offset) the transfer and waits for the first
 * bytes; maps error statuses and error bodies. */
static gboolean
source_start (HttpSource *s, guint64 offset, guint64 window, GError **error)
{
  DcHttp *h = s->http;
  Xfer *x = &h->x;

  if (!xfer_start (h, XFER_STREAM, s->method, s->path, s->body, s->content_type, offset,
                   window, 0, error))
    return FALSE;
  x->expected_total = s->expected_size;
  fill (s, 8);
  if (x->done && x->result != CURLE_OK && buffered (x) == 0)
    {
      GError *e = NULL;
      xfer_result_error (h, &e);
      log_done (h, e->message);
      g_propagate_error (error, e);
      xfer_stop (h);
      return FALSE;
    }
  if (!check_auth (h, error))
    {
      log_done (h, NULL);
      xfer_stop (h);
      return FALSE;
    }
  if (x->status == 416 && offset > 0)
    {
      /* Seek to the very end: an empty rest. */
      log_done (h, NULL);
      xfer_stop (h);
      x->done = TRUE;
      g_byte_array_set_size (x->buf, 0);
      x->buf_pos = 0;
      s->at_end = TRUE;
      return TRUE;
    }
  /* Sniffed only where a file starts: a window in the middle of the
   * video may well begin with '<'. */
  if (x->status < 200 || x->status >= 300 ||
      ((offset == 0 || x->status != 206) && buffered (x) > 0 &&
       !dc_http_sniff_media (x->buf->data + x->buf_pos, buffered (x)) &&
       sniff_text (x->buf->data + x->buf_pos, buffered (x))))
    {
      /* An error answer, sometimes with 200: read it whole (bounded). */
      while (!x->done && buffered (x) < ERROR_BODY_MAX)
        fill (s, buffered (x) + 1);
      log_done (h, "error body");
      remember_status (h, x->status, x->buf->data + x->buf_pos, buffered (x));
      if (error_from_body (h, x->status, (const char *) x->buf->data + x->buf_pos, buffered (x), error))
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                     _("%s sent a text answer instead of the recording"), h->label);
      xfer_stop (h);
      return FALSE;
    }
  remember_status (h, x->status, NULL, 0);
  if (x->done && buffered (x) == 0 && x->result == CURLE_OK && offset == 0)
    {
      log_done (h, NULL);
      xfer_stop (h);
      g_set_error (error, DC_DVR_ERROR, s->expected_size > 0 ? DC_DVR_ERROR_TRUNCATED : DC_DVR_ERROR_BAD_RESPONSE,
                   _("%s sent an empty recording"), h->label);
      return FALSE;
    }
  if (offset > 0 || window > 0)
    {
      g_autofree char *to = window > 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT, offset + window - 1)
                                       : g_strdup ("");

      log_line (h, "%s %s -> %ld, streaming bytes %" G_GUINT64_FORMAT "-%s%s", s->method,
                short_path (s->path), x->status, offset, to,
                x->status == 206 ? "" : " (range ignored)");
    }
  else
    log_line (h, "%s %s -> %ld, streaming", s->method, short_path (s->path), x->status);
  return TRUE;
}

/* (Re)starts the transfer at @offset.  The transfer just closed may still
 * count against a recorder's download slots: a short bounded retry on
 * "busy" (8 tries, 1.8 s in all). */
static gboolean
source_restart (HttpSource *s, guint64 offset, guint64 window, GError **error)
{
  DcHttp *h = s->http;
  g_autoptr(GError) local_error = NULL;

  for (guint attempt = 0; !source_start (s, offset, window, &local_error); attempt++)
    {
      if (attempt < 8 && g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_BUSY) &&
          !dc_http_is_cancelled (h))
        {
          log_line (h, "busy (a transfer just closed?), quick retry %u", attempt + 1);
          g_clear_error (&local_error);
          g_usleep (50000 * (attempt + 1));
          continue;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* A bounded Range answer ended where it was asked to, and the recording
 * goes on: the reader wants the next window, not the end of the file. */
static gboolean
source_window_ended (HttpSource *s)
{
  Xfer *x = &s->http->x;
  gint64 size;

  if (x->range_len == 0 || x->status != 206 || x->result != CURLE_OK || x->received == 0)
    return FALSE;
  if (x->content_length >= 0 && x->received < (guint64) x->content_length)
    return FALSE;   /* cut short: finish() says so */
  size = x->range_total >= 0 ? x->range_total
         : s->expected_size > 0 ? (gint64) s->expected_size : s->parent.size;
  if (size >= 0)
    return x->offset_base + x->received < (guint64) size;
  return x->received >= x->range_len;   /* size unknown: ask on; 416 ends it */
}

static gboolean
source_next_window (HttpSource *s, GError **error)
{
  DcHttp *h = s->http;
  Xfer *x = &h->x;
  guint64 next = x->offset_base + x->received;
  guint64 window = x->range_len * 2 > RANGE_WINDOW_LAST ? 0 : x->range_len * 2;

  log_done (h, NULL);
  if (!source_restart (s, next, window, error))
    return FALSE;
  if (x->status == 206 || x->status == 416)
    return TRUE;
  /* 200 from the start again: the position is lost mid-read. */
  xfer_stop (h);
  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DROPPED,
               _("%s stopped honouring byte ranges during the download"), h->label);
  return FALSE;
}

/* Stream offset where the running transfer's body ends; -1 unknown. */
static gint64
transfer_end (Xfer *x)
{
  if (x->content_length >= 0)
    return (gint64) x->offset_base + x->content_length;
  if (x->range_len > 0 && x->status == 206)
    return (gint64) (x->offset_base + x->range_len);
  return -1;
}

/* Throws away up to @skip bytes of the running transfer; returns how many
 * went (fewer when it ended). */
static guint64
discard (HttpSource *s, guint64 skip)
{
  Xfer *x = &s->http->x;
  guint64 gone = 0;

  while (gone < skip)
    {
      gsize n;

      if (buffered (x) == 0)
        {
          if (x->done)
            break;
          fill (s, 1);
          continue;
        }
      n = (gsize) MIN ((guint64) buffered (x), skip - gone);
      x->buf_pos += n;
      gone += n;
    }
  return gone;
}

static gboolean
source_seek (DcByteSource *self, guint64 offset, GError **error)
{
  HttpSource *s = (HttpSource *) self;
  DcHttp *h = s->http;
  Xfer *x = &h->x;
  guint64 before = self->position;
  g_autoptr(GError) local_error = NULL;

  if (s->error != NULL)
    {
      g_propagate_error (error, g_error_copy (s->error));
      return FALSE;
    }
  if (offset == before)
    return TRUE;
  if (offset > before && offset - before <= buffered (x))
    {
      x->buf_pos += offset - before;
      return TRUE;
    }
  if (!s->range_ok)
    {
      /* the byte source's contract: "cannot seek" is G_IO_ERROR_NOT_SUPPORTED */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s does not serve byte ranges"), h->label);
      return FALSE;
    }
  if (x->active && !x->done)
    {
      gint64 end = transfer_end (x);
      guint64 arrived = x->offset_base + x->received;

      /* Reading on is cheaper than a new request for a short hop forward,
       * and finishing a window keeps the connection (and the recorder's
       * download slot) instead of dropping both. */
      if (end > 0 && offset > before && offset < (guint64) end && offset - before <= RANGE_WINDOW_FIRST &&
          discard (s, offset - before) == offset - before)
        return TRUE;
      if (end > 0 && x->range_len > 0 && arrived <= (guint64) end &&
          (guint64) end - arrived <= RANGE_WINDOW_FIRST)
        discard (s, G_MAXUINT64);
      if (!x->done)
        x->result = CURLE_ABORTED_BY_CALLBACK;
    }
  if (x->active)
    log_done (h, x->done ? NULL : "closed by the reader (seek)");
  if (!source_restart (s, offset, RANGE_WINDOW_FIRST, &local_error))
    {
      source_fail (s, g_error_copy (local_error));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  s->at_end = s->at_end && x->status == 416;
  if (x->status == 206 || x->status == 416 || offset == 0)
    return TRUE;   /* offset 0 is a plain restart: 200 is right */

  /* The server ignored Range and restarted from 0: put the stream back
   * where the reader was and say seeking does not work. */
  s->range_ok = FALSE;
  x->offset_base = 0;
  if (discard (s, before) < before)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DROPPED,
                   _("%s ended the recording early"), h->label);
      source_fail (s, g_error_copy (*error));
      return FALSE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("%s ignores byte ranges"), h->label);
  return FALSE;
}

static void
source_finalize (DcByteSource *self)
{
  HttpSource *s = (HttpSource *) self;
  DcHttp *h = s->http;

  if (h->x.active)
    {
      if (!h->x.done)
        {
          h->x.result = CURLE_ABORTED_BY_CALLBACK;
          log_done (h, "closed by the reader");
        }
      xfer_stop (h);
    }
  g_byte_array_set_size (h->x.buf, 0);
  h->x.buf_pos = 0;
  if (h->stream == s)
    h->stream = NULL;
  g_clear_error (&s->error);
  g_free (s->method);
  g_free (s->path);
  g_free (s->body);
  g_free (s->content_type);
  g_free (s);
}

static const DcByteSourceClass http_source_class = { source_read, source_seek, source_finalize };
static const DcByteSourceClass http_source_noseek_class = { source_read, NULL, source_finalize };

DcByteSource *
dc_http_open_stream (DcHttp *self, const char *method, const char *path, const char *body,
                     const char *content_type, guint64 expected_size, GError **error)
{
  HttpSource *s;
  Xfer *x = &self->x;

  if (!refuse_if_locked (self, error))
    return NULL;
  if (self->stream != NULL)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   "%s: a second download on the same session", self->label);
      return NULL;
    }
  s = g_new0 (HttpSource, 1);
  s->parent.klass = &http_source_class;
  s->parent.size = -1;
  s->http = self;
  s->method = g_strdup (method);
  s->path = g_strdup (path);
  s->body = g_strdup (body);
  s->content_type = g_strdup (content_type);
  s->expected_size = expected_size;
  self->stream = s;

  /* A transfer this PC closed a moment ago (a picture stops reading once
   * it has its frame) still holds a download slot on many recorders: a
   * "busy" now is most likely that, and gone within a second, so a few
   * quick tries before the engine's long busy backoff (seconds). */
  if (!source_restart (s, 0, self->sparse_reads ? RANGE_WINDOW_FIRST : 0, error))
    {
      dc_byte_source_free (&s->parent);
      return NULL;
    }
  s->range_ok = x->accept_ranges;
  if (!s->range_ok)
    s->parent.klass = &http_source_noseek_class;
  if (expected_size > 0)
    s->parent.size = (gint64) expected_size;
  else if (x->status == 206)
    s->parent.size = x->range_total;   /* the window's length is not the file's */
  else if (x->content_length >= 0)
    s->parent.size = x->content_length;
  return &s->parent;
}

/* ------------------------------------------------------------------ */
/* Trust on first use                                                  */

/* One DER element at *@p (not past @end): its whole encoding is
 * [*elem, *p after the call), its content [*content, +*len). */
static gboolean
der_next (const guint8 **p, const guint8 *end, guint8 *tag, const guint8 **elem,
          const guint8 **content, gsize *len)
{
  const guint8 *q = *p;
  gsize n;

  if (end - q < 2)
    return FALSE;
  *elem = q;
  *tag = *q++;
  n = *q++;
  if (n & 0x80)
    {
      guint bytes = n & 0x7f;
      if (bytes == 0 || bytes > 4 || (gsize) (end - q) < bytes)
        return FALSE;
      n = 0;
      while (bytes-- > 0)
        n = (n << 8) | *q++;
    }
  if ((gsize) (end - q) < n)
    return FALSE;
  *content = q;
  *len = n;
  *p = q + n;
  return TRUE;
}

/* The SubjectPublicKeyInfo of an X.509 certificate (RFC 5280 4.1): what
 * libcurl's CURLOPT_PINNEDPUBLICKEY hashes. */
static gboolean
der_find_spki (const guint8 *der, gsize der_len, const guint8 **spki, gsize *spki_len)
{
  const guint8 *p = der, *end = der + der_len, *elem, *content;
  gsize len;
  guint8 tag;

  /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... } ... } */
  if (!der_next (&p, end, &tag, &elem, &content, &len) || tag != 0x30)
    return FALSE;
  p = content;
  end = content + len;
  if (!der_next (&p, end, &tag, &elem, &content, &len) || tag != 0x30)
    return FALSE;
  p = content;
  end = content + len;
  /* [0] version (optional), serialNumber, signature, issuer, validity,
   * subject, then subjectPublicKeyInfo. */
  if (!der_next (&p, end, &tag, &elem, &content, &len))
    return FALSE;
  if (tag == 0xa0 && !der_next (&p, end, &tag, &elem, &content, &len))
    return FALSE;
  for (guint i = 0; i < 5; i++)
    if (!der_next (&p, end, &tag, &elem, &content, &len))
      return FALSE;
  if (tag != 0x30)
    return FALSE;
  *spki = elem;
  *spki_len = (gsize) (p - elem);
  return TRUE;
}

/* "sha256//BASE64" of the public key in a PEM certificate, or NULL. */
static char *
pin_from_pem (const char *pem)
{
  const char *begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  const char *stop;
  g_autoptr(GString) b64 = g_string_new (NULL);
  g_autofree guchar *der = NULL;
  g_autofree char *digest = NULL;
  const guint8 *spki;
  gsize der_len = 0, spki_len = 0;
  guint8 sum[32];
  gsize sum_len = sizeof sum;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  if (begin == NULL)
    return NULL;
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  stop = strstr (begin, "-----END CERTIFICATE-----");
  if (stop == NULL)
    return NULL;
  for (const char *c = begin; c < stop; c++)
    if (g_ascii_isalnum (*c) || *c == '+' || *c == '/' || *c == '=')
      g_string_append_c (b64, *c);
  if (b64->len == 0 || b64->len % 4 != 0)
    return NULL;
  der = g_base64_decode (b64->str, &der_len);
  if (der == NULL || !der_find_spki (der, der_len, &spki, &spki_len))
    return NULL;
  g_checksum_update (checksum, spki, (gssize) spki_len);
  g_checksum_get_digest (checksum, sum, &sum_len);
  digest = g_base64_encode (sum, sum_len);
  return g_strconcat ("sha256//", digest, NULL);
}

gboolean
dc_dvr_fetch_certificate_pin (const char *url, char **pin, char **subject, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *found_pin = NULL;
  g_autofree char *found_subject = NULL;
  struct curl_certinfo *certs = NULL;
  CURL *easy;
  CURLcode rc;

  g_return_val_if_fail (pin != NULL, FALSE);
  uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("The address “%s” is not an https:// URL: only HTTPS recorders have a "
                     "certificate to confirm"), url ? url : "");
      return FALSE;
    }
  easy = curl_easy_init ();
  if (easy == NULL)
    {
      g_set_error_literal (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG, "libcurl could not start");
      return FALSE;
    }
  curl_easy_setopt (easy, CURLOPT_URL, url);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "https");
  /* TCP + TLS handshake and nothing else: no HTTP request, so no
   * credentials can go to a device that is not yet trusted. */
  curl_easy_setopt (easy, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt (easy, CURLOPT_CERTINFO, 1L);
  /* Unverified for this one look only: the operator verifies the answer. */
  curl_easy_setopt (easy, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt (easy, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT_S);
  curl_easy_setopt (easy, CURLOPT_TIMEOUT, (long) (2 * CONNECT_TIMEOUT_S));
  rc = curl_easy_perform (easy);
  if (rc == CURLE_OK && curl_easy_getinfo (easy, CURLINFO_CERTINFO, &certs) == CURLE_OK &&
      certs != NULL && certs->num_of_certs > 0)
    {
      for (struct curl_slist *l = certs->certinfo[0]; l != NULL; l = l->next)
        {
          if (found_subject == NULL && g_str_has_prefix (l->data, "Subject:"))
            found_subject = g_strstrip (g_strdup (l->data + strlen ("Subject:")));
          else if (found_pin == NULL && g_str_has_prefix (l->data, "Cert:"))
            found_pin = pin_from_pem (l->data + strlen ("Cert:"));
        }
    }
  curl_easy_cleanup (easy);
  if (rc != CURLE_OK)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE,
                   _("Cannot read the HTTPS certificate of %s (%s); check that the recorder is "
                     "on and the address is right"), g_uri_get_host (uri), curl_easy_strerror (rc));
      return FALSE;
    }
  if (found_pin == NULL)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("%s sent no certificate that Dockclip can read"), g_uri_get_host (uri));
      return FALSE;
    }
  *pin = g_steal_pointer (&found_pin);
  if (subject != NULL)
    *subject = g_steal_pointer (&found_subject);
  return TRUE;
}
