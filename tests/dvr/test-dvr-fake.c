/* Driver behaviour the simulator does not show, against a scripted HTTP
 * server on 127.0.0.1: ISAPI version-1.0 and repeated-page paging, GET
 * download refused then POST, a Basic-only server (never answered with
 * credentials), a server that advertises but ignores Range, and the Dahua
 * channel base probe. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "dc-test-util.h"
#include "dvr/dc-dvr.h"
#include "dvr/dc-dvr-parse.h"

typedef struct
{
  char    *method;
  char    *path;
  char    *headers;
  char    *body;
} Request;

/* Every test starts from a recorder never seen before. */
static char *state_root;
static guint state_serial;

static char *state_dir;

static void
fresh_state (void)
{
  g_free (state_dir);
  state_dir = g_strdup_printf ("%s/%u", state_root, ++state_serial);
  dc_dvr_set_state_dir (state_dir);
}

/* As if Dockclip started again: what was learned comes from the files. */
static void
restart (void)
{
  dc_dvr_set_state_dir (state_dir);
}

typedef char *(*Handler) (const Request *req, gpointer user_data);

typedef struct
{
  GSocketService *service;
  guint16         port;
  Handler         handler;
  gpointer        data;
  gboolean        digest;   /* challenge requests without credentials */
  GMutex          lock;
  GPtrArray      *log;     /* "METHOD PATH\nheaders\n\nbody" */
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;
} Fake;

static gboolean
on_run (GThreadedSocketService *service G_GNUC_UNUSED, GSocketConnection *conn,
        GObject *source G_GNUC_UNUSED, gpointer user_data)
{
  Fake *f = user_data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autoptr(GDataInputStream) din = g_data_input_stream_new (in);

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (din), FALSE);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (din, NULL, NULL, NULL);
      g_autoptr(GString) headers = g_string_new (NULL);
      g_auto(GStrv) parts = NULL;
      g_autofree char *resp = NULL;
      gsize content_length = 0;
      Request req = { 0 };

      if (line == NULL)
        break;
      g_strchomp (line);
      parts = g_strsplit (line, " ", 3);
      if (g_strv_length (parts) < 2)
        break;
      for (;;)
        {
          g_autofree char *h = g_data_input_stream_read_line (din, NULL, NULL, NULL);
          if (h == NULL)
            return TRUE;
          g_strchomp (h);
          if (*h == '\0')
            break;
          g_string_append_printf (headers, "%s\n", h);
          if (g_ascii_strncasecmp (h, "Content-Length:", 15) == 0)
            content_length = strtoul (h + 15, NULL, 10);
        }
      req.method = parts[0];
      req.path = parts[1];
      req.headers = headers->str;
      req.body = g_malloc0 (content_length + 1);
      if (content_length > 0 &&
          !g_input_stream_read_all (G_INPUT_STREAM (din), req.body, content_length, NULL, NULL, NULL))
        {
          g_free (req.body);
          break;
        }
      if (!f->digest || strstr (req.headers, "Authorization: Digest") != NULL)
        {
          g_mutex_lock (&f->lock);
          g_ptr_array_add (f->log, g_strdup_printf ("%s %s\n%s\n%s", req.method, req.path, req.headers, req.body));
          g_mutex_unlock (&f->lock);
        }
      if (f->digest && strstr (req.headers, "Authorization: Digest") == NULL)
        resp = g_strdup ("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                         "WWW-Authenticate: Digest realm=\"fake\", qop=\"auth\", nonce=\"abc\", "
                         "opaque=\"\", algorithm=\"MD5\"\r\n\r\n");
      else
        resp = f->handler (&req, f->data);
      g_free (req.body);
      if (!g_output_stream_write_all (out, resp, strlen (resp), NULL, NULL, NULL))
        break;
    }
  return TRUE;
}

static Fake *
fake_start (Handler handler, gpointer data)
{
  Fake *f = g_new0 (Fake, 1);
  g_autoptr(GError) error = NULL;

  fresh_state ();
  f->handler = handler;
  f->data = data;
  f->digest = TRUE;
  f->log = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&f->lock);
  /* The service accepts from its own thread's main loop: the test thread
   * blocks in libcurl. */
  f->context = g_main_context_new ();
  f->loop = g_main_loop_new (f->context, FALSE);
  g_main_context_push_thread_default (f->context);
  f->service = g_threaded_socket_service_new (4);
  {
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocketAddress) effective = NULL;
    g_socket_listener_add_address (G_SOCKET_LISTENER (f->service), addr, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
    g_assert_no_error (error);
    f->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  }
  g_signal_connect (f->service, "run", G_CALLBACK (on_run), f);
  g_socket_service_start (f->service);
  g_main_context_pop_thread_default (f->context);
  f->thread = g_thread_new ("fake-http", (GThreadFunc) (void (*) (void)) g_main_loop_run, f->loop);
  return f;
}

static gboolean
quit_loop (gpointer user_data)
{
  Fake *f = user_data;
  g_socket_service_stop (f->service);
  g_socket_listener_close (G_SOCKET_LISTENER (f->service));
  g_main_loop_quit (f->loop);
  return G_SOURCE_REMOVE;
}

static void
fake_stop (Fake *f)
{
  g_main_context_invoke (f->context, quit_loop, f);
  g_thread_join (f->thread);
  g_object_unref (f->service);
  g_main_loop_unref (f->loop);
  g_main_context_unref (f->context);
  g_ptr_array_unref (f->log);
  g_mutex_clear (&f->lock);
  g_free (f);
}

static char *
http_response (int status, const char *extra_headers, const char *body, gsize body_len)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_string_append_printf (s, "HTTP/1.1 %d X\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n%s\r\n", status, body_len,
                          extra_headers ? extra_headers : "");
  g_string_append_len (s, body, (gssize) body_len);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static DcDvrSession *
session_for (Fake *f, DcDvrBrand brand)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  DcDvrConfig cfg = { (char *) "fake", brand, url, (char *) "admin", (char *) "pw", 1, DC_DVR_TIME_LOCAL, -1 };
  DcDvrInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  DcDvrSession *s = dc_dvr_session_new (&cfg, NULL, &error);

  g_assert_no_error (error);
  info.n_channels = 4;
  info.time_mode = DC_DVR_TIME_UTC;   /* wire digits = UTC: easy to script */
  info.download_by_time = TRUE;
  dc_dvr_session_set_info (s, &info);
  dc_dvr_session_set_stall_timeout (s, 3);
  return s;
}

/* ---- ISAPI paging ---- */

static char *
match_xml (const char *start, const char *end)
{
  gint64 a, b;
  g_autofree char *as = NULL, *bs = NULL;
  g_assert_true (dc_wire_time_parse (start, &a, NULL));
  g_assert_true (dc_wire_time_parse (end, &b, NULL));
  as = dc_wire_time_format_isapi_uri (a);
  bs = dc_wire_time_format_isapi_uri (b);
  return g_strdup_printf ("<searchMatchItem><trackID>101</trackID><timeSpan><startTime>%s</startTime>"
                          "<endTime>%s</endTime></timeSpan><mediaSegmentDescriptor><playbackURI>"
                          "rtsp://10.0.0.1/Streaming/tracks/101/?starttime=%s&amp;endtime=%s&amp;name=n%s"
                          "&amp;size=100</playbackURI></mediaSegmentDescriptor></searchMatchItem>",
                          start, end, as, bs, as);
}

/* Segments every 10 min from 10:00 to 11:00; the device answers at most 2
 * per page, starting at the request's startTime (time paging) and, when
 * @honour_position, skipping searchResultPostion items. */
typedef struct
{
  const char *version;
  gboolean    honour_position;
} PagingMode;

static char *
paging_handler (const Request *req, gpointer user_data)
{
  const PagingMode *mode = user_data;
  static const char *const starts[] = { "2025-11-03T10:00:00Z", "2025-11-03T10:10:00Z", "2025-11-03T10:20:00Z",
                                        "2025-11-03T10:30:00Z", "2025-11-03T10:40:00Z", "2025-11-03T10:50:00Z",
                                        "2025-11-03T11:00:00Z" };
  g_autoptr(DcXmlNode) doc = dc_xml_parse (req->body, -1, NULL);
  DcXmlNode *span = dc_xml_node_find (doc, "timeSpan");
  gint64 from = 0;
  guint pos = (guint) atoi (dc_xml_node_text (dc_xml_node_find (doc, "searchResultPostion")));
  g_autoptr(GString) items = g_string_new (NULL);
  g_autofree char *body = NULL;
  guint first = G_MAXUINT, n = 0;
  gboolean more;

  g_assert_cmpstr (req->method, ==, "POST");
  g_assert_cmpstr (req->path, ==, "/ISAPI/ContentMgmt/search");
  g_assert_nonnull (strstr (req->headers, "Content-Type: application/xml"));
  g_assert_cmpstr (dc_xml_node_text (dc_xml_node_find (doc, "trackID")), ==, "101");
  g_assert_true (dc_wire_time_parse (dc_xml_node_child_text (span, "startTime"), &from, NULL));
  for (guint i = 0; i < 6; i++)
    {
      gint64 end;
      dc_wire_time_parse (starts[i + 1], &end, NULL);
      if (end > from && first == G_MAXUINT)
        first = i;
    }
  if (first == G_MAXUINT)
    first = 6;
  if (mode->honour_position)
    first += pos;
  for (guint i = first; i < 6 && n < 2; i++, n++)
    {
      g_autofree char *m = match_xml (starts[i], starts[i + 1]);
      g_string_append (items, m);
    }
  more = first + n < 6;
  body = g_strdup_printf ("<?xml version=\"1.0\"?><CMSearchResult version=\"%s\"><searchID>x</searchID>"
                          "<responseStatusStrg>%s</responseStatusStrg><numOfMatches>%u</numOfMatches>"
                          "<matchList>%s</matchList></CMSearchResult>",
                          mode->version, n == 0 ? "NO MATCHES" : more ? "MORE" : "OK", n, items->str);
  return http_response (200, "Content-Type: application/xml\r\n", body, strlen (body));
}

static void
check_paged (const PagingMode *mode, guint min_requests)
{
  Fake *f = fake_start (paging_handler, (gpointer) mode);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = NULL;
  gint64 from, to;

  dc_wire_time_parse ("2025-11-03 10:00:00", &from, NULL);
  dc_wire_time_parse ("2025-11-03 11:00:00", &to, NULL);
  segs = dc_dvr_session_search (s, 1, from * G_USEC_PER_SEC, to * G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 6);
  for (guint i = 0; i < segs->len; i++)
    {
      DcDvrSegment *seg = g_ptr_array_index (segs, i);
      g_assert_cmpint (seg->start_us, ==, (from + 600 * (gint64) i) * G_USEC_PER_SEC);
      g_assert_cmpint (seg->end_us - seg->start_us, ==, 600 * G_USEC_PER_SEC);
      g_assert_cmpuint (seg->size, ==, 100);
    }
  g_assert_cmpuint (f->log->len, >=, min_requests);
  g_assert_cmpuint (f->log->len, <=, 8);
  fake_stop (f);
}

static void
test_paging (void)
{
  PagingMode position = { "2.0", TRUE };
  PagingMode v1 = { "1.0", FALSE };
  PagingMode ignoring = { "2.0", FALSE };

  check_paged (&position, 3);
  check_paged (&v1, 3);        /* version 1.0: time paging from the start */
  check_paged (&ignoring, 4);  /* the repeated page is noticed, then time paging */
}

/* ---- GET refused, then POST; Basic only; Range ignored ---- */

static char *
download_handler (const Request *req, gpointer user_data G_GNUC_UNUSED)
{
  static const char deny[] = "<?xml version=\"1.0\"?><ResponseStatus version=\"2.0\"><statusCode>4</statusCode>"
                             "<statusString>Invalid Operation</statusString>"
                             "<subStatusCode>methodNotAllowed</subStatusCode></ResponseStatus>";
  g_autofree char *media = g_malloc (1048576);
  char *resp;

  g_assert_cmpstr (req->path, ==, "/ISAPI/ContentMgmt/download");
  /* The playbackURI comes back verbatim, XML-escaped. */
  g_assert_nonnull (strstr (req->body, "<playbackURI>rtsp://10.9.9.9:90/Streaming/tracks/101/?starttime="
                                       "20251103T100000Z&amp;endtime=20251103T101000Z&amp;name=abc&amp;size=1048576"
                                       "</playbackURI>"));
  if (g_str_equal (req->method, "GET"))
    return http_response (405, "Content-Type: application/xml\r\n", deny, strlen (deny));
  memset (media, 0x42, 1048576);
  memcpy (media, "IMKH", 4);
  /* Advertises ranges but always answers from the start. */
  resp = http_response (200, "Accept-Ranges: bytes\r\n", media, 1048576);
  return resp;
}

static void
test_post_retry_and_range_ignored (void)
{
  Fake *f = fake_start (download_handler, NULL);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
  g_autoptr(GError) error = NULL;
  DcDvrSegment seg = { 1, 0, 600, 1048576,
                       (char *) "rtsp://10.9.9.9:90/Streaming/tracks/101/?starttime=20251103T100000Z"
                                "&endtime=20251103T101000Z&name=abc&size=1048576", (char *) "mpeg", FALSE };
  DcByteSource *src;
  guint8 buf[65536];
  gssize n, total = 0;

  src = dc_dvr_session_open_segment (s, &seg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->log->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (f->log, 0), "GET "));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (f->log, 1), "POST "));
  n = dc_byte_source_read (src, buf, 100, &error);
  g_assert_cmpint (n, >, 0);
  total += n;
  g_assert_cmpmem (buf, 4, "IMKH", 4);
  /* Seek past what is buffered: the restart comes back 200 from byte 0,
   * so the seek fails and the stream stays where it was. */
  if (dc_byte_source_can_seek (src))
    {
      g_assert_false (dc_byte_source_seek (src, 900000, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  g_assert_cmpuint (src->position, ==, (guint64) total);
  while ((n = dc_byte_source_read (src, buf, sizeof buf, &error)) > 0)
    total += n;
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 1048576);
  dc_byte_source_free (src);
  fake_stop (f);
}

static char *
basic_handler (const Request *req, gpointer user_data G_GNUC_UNUSED)
{
  /* Never credentials in clear text, whatever the server asks for. */
  g_assert_null (strstr (req->headers, "Authorization"));
  return http_response (401, "WWW-Authenticate: Basic realm=\"x\"\r\n", "", 0);
}

static void
test_basic_refused (void)
{
  Fake *f = fake_start (basic_handler, NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  DcDvrConfig cfg = { (char *) "basic", DC_DVR_BRAND_HIKVISION, url, (char *) "admin", (char *) "pw", 1,
                      DC_DVR_TIME_AUTO, -1 };
  g_autoptr(GError) error = NULL;
  DcDvrSession *s = dc_dvr_session_new (&cfg, NULL, &error);

  f->digest = FALSE;
  g_assert_null (dc_dvr_session_probe (s, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH);
  g_assert_cmpuint (f->log->len, ==, 1);
  dc_dvr_session_free (s);
  fake_stop (f);
}

/* ---- Dahua: a recorder whose mediaFileFind channels are 0-based ---- */

static char *
dahua_handler (const Request *req, gpointer user_data)
{
  int *channel_queried = user_data;
  const char *body = "OK\r\n";
  g_autofree char *owned = NULL;

  if (strstr (req->path, "factory.create"))
    body = "result=77\r\n";
  else if (strstr (req->path, "action=findFile"))
    {
      const char *c = strstr (req->path, "condition.Channel=");
      *channel_queried = atoi (c + 18);
      /* No fractions, space as %20. */
      const char *t = strstr (req->path, "condition.StartTime=");
      g_assert_nonnull (t);
      g_assert_cmpuint (strcspn (t, "&"), ==, strlen ("condition.StartTime=2025-11-03%2010:00:00"));
      g_assert_nonnull (strstr (t, "%20"));
    }
  else if (strstr (req->path, "findNextFile"))
    {
      if (*channel_queried == 0)
        body = owned = g_strdup ("found=1\r\nitems[0].Channel=0\r\nitems[0].StartTime=2025-11-03 10:00:00\r\n"
                                 "items[0].EndTime=2025-11-03 10:10:00\r\n"
                                 "items[0].FilePath=/mnt/dvr/x/10.00.00-10.10.00[R][0@0][0].dav\r\n"
                                 "items[0].Length=10\r\nitems[0].Type=dav\r\n");
      else
        body = "found=0\r\n";
    }
  return http_response (200, NULL, body, strlen (body));
}

static guint
count_requests (Fake *f, const char *needle)
{
  guint n = 0;
  for (guint i = 0; i < f->log->len; i++)
    if (strstr (g_ptr_array_index (f->log, i), needle))
      n++;
  return n;
}

static void
test_dahua_channel_base (void)
{
  int queried = -1;
  Fake *f = fake_start (dahua_handler, &queried);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_DAHUA);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = NULL;
  gint64 from;

  dc_wire_time_parse ("2025-11-03 10:00:00", &from, NULL);
  segs = dc_dvr_session_search (s, 1, from * G_USEC_PER_SEC, (from + 600) * G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 1);
  g_assert_cmpstr (((DcDvrSegment *) g_ptr_array_index (segs, 0))->container, ==, "dhav");
  g_assert_cmpuint (((DcDvrSegment *) g_ptr_array_index (segs, 0))->channel, ==, 1);
  /* Learned from channel 0 (answered: one camera) and channel 4, the last
   * (not answered), then the search itself: three finders, each destroyed. */
  g_assert_cmpuint (count_requests (f, "action=destroy&object=77"), ==, 3);
  g_assert_cmpuint (count_requests (f, "condition.Channel=4"), ==, 1);
  /* Remembered: the next search asks channel 0 directly. */
  g_clear_pointer (&segs, g_ptr_array_unref);
  segs = dc_dvr_session_search (s, 1, from * G_USEC_PER_SEC, (from + 600) * G_USEC_PER_SEC, &error);
  g_assert_cmpuint (segs->len, ==, 1);
  g_assert_cmpint (queried, ==, 0);
  g_assert_cmpuint (count_requests (f, "action=findFile"), ==, 4);
  fake_stop (f);
}

/* ---- Hikvision firmware that wants one request shape ---- */

typedef struct
{
  gboolean    strict;           /* only the strict version="1.0" form, else 400 badXmlContent */
  gboolean    v2_only;          /* only version="2.0", else 400 badXmlContent */
  gboolean    ignore_unknown;   /* forms it cannot read get NO MATCHES, not an error */
  gboolean    strict_download;  /* the download body must be the strict form */
  const char *items;            /* the matchList */
} HikFake;

static const char bad_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ResponseStatus version=\"1.0\" "
                              "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><requestURL>/ISAPI/ContentMgmt/search"
                              "</requestURL><statusCode>6</statusCode><statusString>Invalid XML Content</statusString>"
                              "<subStatusCode>badXmlContent</subStatusCode></ResponseStatus>";

static gboolean
is_strict_search (const char *body)
{
  const char *id = strstr (body, "<searchID>");
  return strstr (body, "<?xml") == NULL && strstr (body, "xmlns") == NULL &&
         strstr (body, "<trackList>") != NULL && strstr (body, "<trackIDList>") == NULL &&
         strstr (body, "<CMSearchDescription version=\"1.0\">") != NULL && id != NULL &&
         id[strlen ("<searchID>")] == '{' && strstr (body, "}</searchID>") != NULL;
}

static char *
hik_fake_handler (const Request *req, gpointer user_data)
{
  const HikFake *h = user_data;

  if (g_str_equal (req->path, "/ISAPI/ContentMgmt/search"))
    {
      gboolean strict = is_strict_search (req->body);
      gboolean v2 = strstr (req->body, "<CMSearchDescription version=\"2.0\"") != NULL;
      g_autofree char *body = NULL;

      if ((h->strict && !strict) || (h->v2_only && !v2))
        {
          if (h->ignore_unknown)
            body = g_strdup ("<CMSearchResult version=\"2.0\"><responseStatusStrg>NO MATCHES</responseStatusStrg>"
                             "<numOfMatches>0</numOfMatches><matchList/></CMSearchResult>");
          else
            return http_response (400, "Content-Type: application/xml\r\n", bad_xml, strlen (bad_xml));
        }
      else
        body = g_strdup_printf ("<CMSearchResult version=\"2.0\"><responseStatusStrg>OK</responseStatusStrg>"
                                "<matchList>%s</matchList></CMSearchResult>", h->items);
      return http_response (200, "Content-Type: application/xml\r\n", body, strlen (body));
    }
  if (g_str_equal (req->path, "/ISAPI/ContentMgmt/download"))
    {
      static const char media[] = "IMKH\x01\x02\x00\x00\x00\x00\x01\xba media bytes";
      gboolean strict = strstr (req->body, "<?xml") == NULL && strstr (req->body, "xmlns") == NULL &&
                        g_str_has_prefix (req->body, "<downloadRequest version=\"1.0\">");
      if (h->strict_download && !strict)
        return http_response (400, "Content-Type: application/xml\r\n", bad_xml, strlen (bad_xml));
      return http_response (200, "Content-Type: Opaque/data\r\n", media, sizeof media - 1);
    }
  return http_response (404, NULL, "", 0);
}

#define HIK_ITEM(track, uri_track, start, end) \
  "<searchMatchItem><trackID>" track "</trackID><timeSpan><startTime>2025-11-03T" start "Z</startTime>" \
  "<endTime>2025-11-03T" end "Z</endTime></timeSpan><mediaSegmentDescriptor><playbackURI>" \
  "rtsp://10.0.0.1/Streaming/tracks/" uri_track "/?starttime=20251103T100000Z&amp;endtime=20251103T101000Z" \
  "&amp;name=x&amp;size=10</playbackURI></mediaSegmentDescriptor></searchMatchItem>"

static GPtrArray *
search_10h (DcDvrSession *s, guint channel, GError **error)
{
  gint64 from;
  dc_wire_time_parse ("2025-11-03 10:00:00", &from, NULL);
  return dc_dvr_session_search (s, channel, from * G_USEC_PER_SEC, (from + 3600) * G_USEC_PER_SEC, error);
}

static void
test_hik_strict_search (void)
{
  HikFake h = { .strict = TRUE, .items = HIK_ITEM ("101", "101", "10:00:00", "10:10:00") };
  Fake *f = fake_start (hik_fake_handler, &h);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = NULL;
  g_autofree char *file = NULL, *saved = NULL;

  {
    g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
    segs = search_10h (s, 1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (segs->len, ==, 1);
    /* The 2.0 form was refused, the strict one answered. */
    g_assert_cmpuint (f->log->len, ==, 2);
    g_assert_nonnull (strstr (g_ptr_array_index (f->log, 1), "<trackList>"));
  }
  /* Kept across runs, per recorder address. */
  file = g_strdup_printf ("%s/127.0.0.1_%u.ini", state_dir, f->port);
  g_assert_true (g_file_get_contents (file, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "search-shape=strict-v1"));
  restart ();
  {
    g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
    g_clear_pointer (&segs, g_ptr_array_unref);
    segs = search_10h (s, 1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (segs->len, ==, 1);
    g_assert_cmpuint (f->log->len, ==, 3);   /* straight to the strict form */
    g_assert_true (is_strict_search (strchr (g_ptr_array_index (f->log, 2), '<')));
  }
  fake_stop (f);
}

static void
test_hik_v2_only_relearns (void)
{
  HikFake h = { .v2_only = TRUE, .items = HIK_ITEM ("101", "101", "10:00:00", "10:10:00") };
  Fake *f = fake_start (hik_fake_handler, &h);
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = NULL;
  g_autofree char *file = g_strdup_printf ("%s/127.0.0.1_%u.ini", state_dir, f->port);
  g_autofree char *saved = NULL;

  /* An earlier run remembered the strict form (another firmware since). */
  g_assert_cmpint (g_mkdir_with_parents (state_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "[hikvision]\nsearch-shape=strict-v1\n", -1, NULL));
  restart ();
  s = session_for (f, DC_DVR_BRAND_HIKVISION);
  segs = search_10h (s, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 1);
  g_assert_cmpuint (f->log->len, ==, 2);
  g_assert_true (g_file_get_contents (file, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "search-shape=v2"));
  fake_stop (f);
}

static void
test_hik_empty_contradicted (void)
{
  /* Firmware that answers NO MATCHES to a form it cannot read: the empty
   * answer of an untried form is checked against the other forms. */
  HikFake h = { .strict = TRUE, .ignore_unknown = TRUE,
                .items = HIK_ITEM ("101", "101", "10:00:00", "10:10:00") };
  Fake *f = fake_start (hik_fake_handler, &h);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = search_10h (s, 1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 1);
  g_clear_pointer (&segs, g_ptr_array_unref);
  /* Remembered: an empty answer in the known form is believed. */
  h.items = "";
  segs = search_10h (s, 1, &error);
  g_assert_cmpuint (segs->len, ==, 0);
  g_assert_cmpuint (f->log->len, ==, 3);
  fake_stop (f);
}

static void
test_hik_download_shapes (void)
{
  HikFake h = { .strict_download = TRUE, .items = "" };
  Fake *f = fake_start (hik_fake_handler, &h);
  g_autoptr(GError) error = NULL;
  DcDvrSegment seg = { 1, 0, 600, 0, (char *) "rtsp://10.0.0.1/Streaming/tracks/101/?starttime=20251103T100000Z"
                                               "&endtime=20251103T101000Z&name=x&size=21", (char *) "mpeg", FALSE };
  g_autofree char *file = NULL, *saved = NULL;

  {
    g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
    DcByteSource *src = dc_dvr_session_open_segment (s, &seg, &error);
    g_assert_no_error (error);
    dc_byte_source_free (src);
    g_assert_cmpuint (f->log->len, ==, 2);
  }
  file = g_strdup_printf ("%s/127.0.0.1_%u.ini", state_dir, f->port);
  g_assert_true (g_file_get_contents (file, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "download-shape=strict"));
  restart ();
  {
    g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
    DcByteSource *src = dc_dvr_session_open_segment (s, &seg, &error);
    g_assert_no_error (error);
    dc_byte_source_free (src);
    g_assert_cmpuint (f->log->len, ==, 3);
  }
  fake_stop (f);
}

static void
test_hik_other_camera (void)
{
  HikFake h = { .items = HIK_ITEM ("201", "201", "10:00:00", "10:10:00") };
  Fake *f = fake_start (hik_fake_handler, &h);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = search_10h (s, 1, &error);

  /* Only another camera's recordings: an error, never used. */
  g_assert_null (segs);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
  g_assert_nonnull (strstr (error->message, "another camera"));
  g_clear_error (&error);

  /* Mixed: the element and the URI must both say channel 1, main stream. */
  h.items = HIK_ITEM ("101", "101", "10:00:00", "10:10:00")
            HIK_ITEM ("101", "201", "10:10:00", "10:20:00")
            HIK_ITEM ("103", "103", "10:20:00", "10:30:00")
            HIK_ITEM ("120", "120", "10:30:00", "10:40:00")
            HIK_ITEM ("x", "101", "10:40:00", "10:50:00");
  segs = search_10h (s, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 1);
  g_assert_nonnull (strstr (((DcDvrSegment *) g_ptr_array_index (segs, 0))->uri, "tracks/101/"));
  fake_stop (f);
}

static void
test_hik_item_without_uri (void)
{
  HikFake h = { .items = "<searchMatchItem><trackID>101</trackID><timeSpan><startTime>2025-11-03T10:00:00Z</startTime>"
                         "<endTime>2025-11-03T10:10:00Z</endTime></timeSpan></searchMatchItem>"
                         "<searchMatchItem><trackID>101</trackID><mediaSegmentDescriptor><playbackURI>"
                         "rtsp://10.0.0.1/Streaming/tracks/101/?name=y</playbackURI></mediaSegmentDescriptor>"
                         "</searchMatchItem>" };
  Fake *f = fake_start (hik_fake_handler, &h);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_HIKVISION);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = search_10h (s, 1, &error);
  DcDvrSegment *seg;
  DcDvrInfo info = { 0 };

  /* A device that cuts by time: the item is usable by its time span. */
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 1);
  seg = g_ptr_array_index (segs, 0);
  g_assert_nonnull (strstr (seg->uri, "/Streaming/tracks/101/?starttime=20251103T100000Z&endtime=20251103T101000Z"));
  g_clear_pointer (&segs, g_ptr_array_unref);
  /* One that serves whole files only: nothing names the file, skipped. */
  info.n_channels = 4;
  info.time_mode = DC_DVR_TIME_UTC;
  info.download_by_time = FALSE;
  dc_dvr_session_set_info (s, &info);
  segs = search_10h (s, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 0);
  fake_stop (f);
}

/* ---- Probes of real firmware and of hostile answers ---- */

typedef struct
{
  const char *device_info;
  int         proxy_status;   /* 200 or 403 */
  const char *proxy;
  int         inputs_status;
  const char *inputs;
  char       *time;           /* <Time> document */
} HikProbe;

static char *
hik_probe_handler (const Request *req, gpointer user_data)
{
  const HikProbe *p = user_data;
  static const char forbidden[] = "<ResponseStatus><statusCode>4</statusCode><statusString>Invalid Operation"
                                  "</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>";
  const char *body = NULL;
  int status = 200;

  if (g_str_equal (req->path, "/ISAPI/System/deviceInfo"))
    body = p->device_info;
  else if (g_str_equal (req->path, "/ISAPI/ContentMgmt/InputProxy/channels"))
    status = p->proxy_status, body = status == 200 ? p->proxy : forbidden;
  else if (g_str_equal (req->path, "/ISAPI/System/Video/inputs/channels"))
    status = p->inputs_status, body = status == 200 ? p->inputs : forbidden;
  else if (g_str_equal (req->path, "/ISAPI/System/time"))
    body = p->time;
  if (body == NULL)
    return http_response (404, NULL, "", 0);
  return http_response (status, "Content-Type: application/xml\r\n", body, strlen (body));
}

static DcDvrSession *
unprobed_session_for (Fake *f, DcDvrBrand brand)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  DcDvrConfig cfg = { (char *) "fake", brand, url, (char *) "admin", (char *) "pw", 1, DC_DVR_TIME_LOCAL, 0 };
  g_autoptr(GError) error = NULL;
  DcDvrSession *s = dc_dvr_session_new (&cfg, NULL, &error);

  g_assert_no_error (error);
  dc_dvr_session_set_stall_timeout (s, 3);
  return s;
}

static char *
hik_time_at (gint64 unix_s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_s);
  g_autofree char *digits = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("<Time version=\"2.0\"><localTime>%s+08:00</localTime>"
                          "<timeZone>CST-8:00:00\n  DST01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00</timeZone></Time>",
                          digits);
}

static void
test_hik_probe_firmware (void)
{
  g_autofree char *dvr_info = NULL, *proxy_empty = NULL, *inputs = NULL;
  HikProbe p = { "<DeviceInfo><model>iDS-7204HUHI-M1/S</model><deviceType>DVR</deviceType><serialNumber>X1</serialNumber></DeviceInfo>",
                 200, NULL, 200, NULL, NULL };
  Fake *f;
  gsize len;

  {
    g_autofree char *path = dc_test_data_path ("dvr/hik-inputproxy-empty-dvr.xml");
    g_assert_true (g_file_get_contents (path, &proxy_empty, &len, NULL));
    g_free (path);
    path = dc_test_data_path ("dvr/hik-video-inputs-dvr.xml");
    g_assert_true (g_file_get_contents (path, &inputs, &len, NULL));
  }
  p.proxy = proxy_empty;
  p.inputs = inputs;
  p.time = hik_time_at (g_get_real_time () / G_USEC_PER_SEC);
  f = fake_start (hik_probe_handler, &p);
  {
    /* A hybrid DVR: analogue channels only under Video/inputs. */
    g_autoptr(DcDvrSession) s = unprobed_session_for (f, DC_DVR_BRAND_HIKVISION);
    g_autoptr(GError) error = NULL;
    const DcDvrInfo *info = dc_dvr_session_probe (s, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (info->n_channels, ==, 4);
    g_assert_cmpstr (info->channel_names[2], ==, "Dock A03");
    g_assert_cmpint (ABS (info->clock_offset_s), <=, 2);
  }
  {
    /* A camera: 403 to InputProxy, its own input under Video/inputs. */
    g_autoptr(DcDvrSession) s = unprobed_session_for (f, DC_DVR_BRAND_HIKVISION);
    g_autoptr(GError) error = NULL;
    const DcDvrInfo *info;
    p.proxy_status = 403;
    p.inputs = "<VideoInputChannelList version=\"2.0\"><VideoInputChannel version=\"2.0\" "
               "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><id>1</id><name>yard</name>"
               "</VideoInputChannel></VideoInputChannelList>";
    info = dc_dvr_session_probe (s, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (info->n_channels, ==, 1);
  }
  {
    /* A clock in year 0001: not drift, a dead clock.  Not used. */
    g_autoptr(DcDvrSession) s = unprobed_session_for (f, DC_DVR_BRAND_HIKVISION);
    g_autoptr(GError) error = NULL;
    g_free (p.time);
    p.time = g_strdup ("<Time><localTime>0001-01-01T00:00:00</localTime></Time>");
    g_assert_null (dc_dvr_session_probe (s, &error));
    g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
    g_assert_nonnull (strstr (error->message, "years: fix it on the recorder"));
    g_clear_error (&error);
    g_free (p.time);
    p.time = hik_time_at (g_get_real_time () / G_USEC_PER_SEC + 3 * 365 * 24 * 3600);
    g_assert_null (dc_dvr_session_probe (s, &error));
    g_assert_nonnull (strstr (error->message, "wrong by 3 years"));
  }
  {
    /* Hostile channel ids: nothing is sized by them. */
    g_autoptr(DcDvrSession) s = unprobed_session_for (f, DC_DVR_BRAND_HIKVISION);
    g_autoptr(GError) error = NULL;
    const DcDvrInfo *info;
    g_free (p.time);
    p.time = hik_time_at (g_get_real_time () / G_USEC_PER_SEC);
    p.proxy_status = 200;
    p.proxy = "<InputProxyChannelList><InputProxyChannel><id>4294967295</id></InputProxyChannel>"
              "<InputProxyChannel><id>4294967294</id></InputProxyChannel></InputProxyChannelList>";
    p.inputs_status = 403;
    info = dc_dvr_session_probe (s, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (info->n_channels, ==, 0);
  }
  {
    /* A 100,000-level device info, never closed: a clear error. */
    g_autoptr(DcDvrSession) s = unprobed_session_for (f, DC_DVR_BRAND_HIKVISION);
    g_autoptr(GError) error = NULL;
    GString *deep = g_string_new ("<DeviceInfo>");
    for (guint i = 0; i < 100000; i++)
      g_string_append (deep, "<a>");
    p.device_info = deep->str;
    g_assert_null (dc_dvr_session_probe (s, &error));
    g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
    g_string_free (deep, TRUE);
  }
  g_free (p.time);
  fake_stop (f);
}

/* ---- Dahua channel numbering, learned from facts ---- */

typedef struct
{
  int      query_base;    /* condition.Channel of camera c is c - 1 + this */
  int      report_base;   /* items[].Channel of camera c is c - 1 + this */
  gboolean nnn_paths;     /* FilePath has the /00c/ folder */
  int      only_camera;   /* > 0: every query answers this camera (a broken device) */
  gboolean dav_on_mp4;    /* Type=dav on .mp4 files */
  char    *clock;         /* getCurrentTime's result= */
  int      camera;        /* the camera of the current finder, 0 none */
  gboolean served;
  gboolean with_picture;  /* a .jpg among the files */
} DahuaFake;

static char *
dahua_fake_handler (const Request *req, gpointer user_data)
{
  DahuaFake *d = user_data;
  g_autofree char *owned = NULL;
  const char *body = "OK\r\n";

  if (strstr (req->path, "factory.create"))
    body = "result=9\r\n";
  else if (strstr (req->path, "action=findFile"))
    {
      int q = atoi (strstr (req->path, "condition.Channel=") + 18);
      d->camera = d->only_camera > 0 ? d->only_camera : q + 1 - d->query_base;
      d->served = FALSE;
      if (d->camera < 1 || d->camera > 4)
        body = "Error\r\nBad Request!\r\n";
    }
  else if (strstr (req->path, "findNextFile"))
    {
      if (d->served || d->camera < 1 || d->camera > 4)
        body = "found=0\r\n";
      else
        {
          GString *s = g_string_new ("found=2\r\n");
          const char *ext = d->dav_on_mp4 ? "mp4" : "dav";
          for (int i = 0; i < 2; i++)
            {
              g_autofree char *folder = d->nnn_paths ? g_strdup_printf ("%03d", d->camera)
                                                     : g_strdup_printf ("%d", d->camera - 1);
              g_string_append_printf (s, "items[%d].Channel=%d\r\nitems[%d].StartTime=2025-11-03 10:%02d:00\r\n"
                                      "items[%d].EndTime=2025-11-03 10:%02d:00\r\n"
                                      "items[%d].FilePath=/mnt/dvr/2025-11-03/%s/dav/10/10.%02d.00-10.%02d.00[R][0@0][0].%s\r\n"
                                      "items[%d].Type=dav\r\nitems[%d].Length=1000\r\n",
                                      i, d->camera - 1 + d->report_base, i, i * 10, i, i * 10 + 10, i, folder,
                                      i * 10, i * 10 + 10, ext, i, i);
            }
          if (d->with_picture)
            g_string_append_printf (s, "items[2].Channel=%d\r\nitems[2].StartTime=2025-11-03 10:05:00\r\n"
                                    "items[2].EndTime=2025-11-03 10:05:00\r\nitems[2].Type=jpg\r\n"
                                    "items[2].FilePath=/mnt/dvr/2025-11-03/%03d/jpg/10/05/00[M][0@0][0].jpg\r\n",
                                    d->camera - 1 + d->report_base, d->camera);
          body = owned = g_string_free (s, FALSE);
          d->served = TRUE;
        }
    }
  else if (strstr (req->path, "getDeviceType"))
    body = "type=DHI-NVR4104HS\r\n";
  else if (strstr (req->path, "getSerialNo"))
    body = "sn=4B0123\r\n";
  else if (strstr (req->path, "getSoftwareVersion"))
    body = "version=4.001.0000000.3,build:2023-01-01\r\n";
  else if (strstr (req->path, "ChannelTitle"))
    body = "table.ChannelTitle[0].Name=A01\r\ntable.ChannelTitle[1].Name=A02\r\n"
           "table.ChannelTitle[2].Name=A03\r\ntable.ChannelTitle[3].Name=A04\r\n";
  else if (strstr (req->path, "getCurrentTime"))
    body = owned = g_strdup_printf ("result=%s\r\n", d->clock);
  return http_response (200, NULL, body, strlen (body));
}

static GPtrArray *
dahua_search_ok (Fake *f, DcDvrSession *s, guint channel)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *segs = search_10h (s, channel, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 2);
  for (guint i = 0; i < segs->len; i++)
    g_assert_cmpuint (((DcDvrSegment *) g_ptr_array_index (segs, i))->channel, ==, channel);
  (void) f;
  return segs;
}

static void
test_dahua_bases (void)
{
  /* query base, report base, paths: every combination seen, and the
   * camera each search returns is the one asked. */
  static const struct { int qb, rb; gboolean nnn; } cases[] = {
    { 0, 0, TRUE },    /* Amcrest / 0-based NVR with /00N/ folders */
    { 0, 0, FALSE },   /* 0-based, no folder to read */
    { 1, 0, FALSE },   /* asked 1-based, answers 0-based (NVR captures) */
    { 1, 1, TRUE },    /* the spec's own numbering */
    { 1, 1, FALSE },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      DahuaFake d = { cases[k].qb, cases[k].rb, cases[k].nnn, 0, FALSE, NULL, 0, FALSE };
      Fake *f = fake_start (dahua_fake_handler, &d);
      g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_DAHUA);
      g_autoptr(GPtrArray) segs = dahua_search_ok (f, s, 2);
      DcDvrSegment *seg = g_ptr_array_index (segs, 0);
      guint finds = count_requests (f, "action=findFile");

      if (cases[k].nnn)
        g_assert_nonnull (strstr (seg->uri, "/002/"));
      else
        {
          g_autofree char *folder = g_strdup_printf ("/%d/", 1);
          g_assert_nonnull (strstr (seg->uri, folder));
        }
      /* Remembered for the next run: one findFile per search from then on. */
      restart ();
      {
        g_autoptr(DcDvrSession) s2 = session_for (f, DC_DVR_BRAND_DAHUA);
        g_autoptr(GPtrArray) again = dahua_search_ok (f, s2, 3);
        g_assert_cmpuint (count_requests (f, "action=findFile"), ==, finds + 1);
      }
      fake_stop (f);
    }
}

static void
test_dahua_wrong_camera (void)
{
  DahuaFake d = { 1, 1, TRUE, 3, FALSE, NULL, 0, FALSE };
  Fake *f = fake_start (dahua_fake_handler, &d);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_DAHUA);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = search_10h (s, 1, &error);

  g_assert_null (segs);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
  g_assert_nonnull (strstr (error->message, "another camera"));
  fake_stop (f);
}

static void
test_dahua_pictures_ignored (void)
{
  DahuaFake d = { 1, 1, TRUE, 0, FALSE, NULL, 0, FALSE, TRUE };
  Fake *f = fake_start (dahua_fake_handler, &d);
  g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_DAHUA);
  g_autoptr(GPtrArray) segs = dahua_search_ok (f, s, 2);   /* 2 videos, the .jpg left out */

  for (guint i = 0; i < segs->len; i++)
    g_assert_false (g_str_has_suffix (((DcDvrSegment *) g_ptr_array_index (segs, i))->uri, ".jpg"));
  fake_stop (f);
}

static void
test_dahua_relearns (void)
{
  /* An earlier run learned "from 1"; the device at that address now
   * counts from 0 (a replaced NVR): its answer names another camera, the
   * base is learned again, and the right camera comes back. */
  DahuaFake d = { 0, 0, TRUE, 0, FALSE, NULL, 0, FALSE };
  Fake *f = fake_start (dahua_fake_handler, &d);
  g_autofree char *file = g_strdup_printf ("%s/127.0.0.1_%u.ini", state_dir, f->port);
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GPtrArray) segs = NULL;

  g_assert_cmpint (g_mkdir_with_parents (state_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "[dahua]\nquery-base=1\nreport-base=1\n", -1, NULL));
  restart ();
  s = session_for (f, DC_DVR_BRAND_DAHUA);
  segs = dahua_search_ok (f, s, 2);
  g_assert_nonnull (strstr (((DcDvrSegment *) g_ptr_array_index (segs, 0))->uri, "/002/"));
  fake_stop (f);
}

static void
test_dahua_container_and_clock (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  DahuaFake d = { 1, 1, TRUE, 0, TRUE, NULL, 0, FALSE };
  Fake *f;

  d.clock = g_strdup_printf ("%d-%d-%d %d:%02d:%02d", g_date_time_get_year (now), g_date_time_get_month (now),
                             g_date_time_get_day_of_month (now), g_date_time_get_hour (now),
                             g_date_time_get_minute (now), g_date_time_get_second (now));
  f = fake_start (dahua_fake_handler, &d);
  {
    /* Type=dav on .mp4 paths: unknown, the bytes decide. */
    g_autoptr(DcDvrSession) s = session_for (f, DC_DVR_BRAND_DAHUA);
    g_autoptr(GPtrArray) segs = dahua_search_ok (f, s, 1);
    g_assert_null (((DcDvrSegment *) g_ptr_array_index (segs, 0))->container);
  }
  {
    /* The vendor's unpadded clock is read. */
    g_autoptr(DcDvrSession) s = unprobed_session_for (f, DC_DVR_BRAND_DAHUA);
    g_autoptr(GError) error = NULL;
    const DcDvrInfo *info = dc_dvr_session_probe (s, &error);
    g_assert_no_error (error);
    g_assert_cmpint (ABS (info->clock_offset_s), <=, 2);
    g_assert_cmpuint (info->n_channels, ==, 4);
  }
  {
    /* The vendor's own example date, 2011: years off, not used. */
    g_autoptr(DcDvrSession) s = unprobed_session_for (f, DC_DVR_BRAND_DAHUA);
    g_autoptr(GError) error = NULL;
    g_free (d.clock);
    d.clock = g_strdup ("2011-7-3 21:02:32");
    g_assert_null (dc_dvr_session_probe (s, &error));
    g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
    g_assert_nonnull (strstr (error->message, "years: fix it on the recorder"));
  }
  g_free (d.clock);
  fake_stop (f);
}

static void
test_brand_list (void)
{
  guint n = 0;
  const DcDvrBrandInfo *list = dc_dvr_brand_list (&n);
  DcDvrBrand b;

  g_assert_cmpuint (n, ==, 2);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (dc_dvr_brand_from_string (list[i].id, &b));
      g_assert_cmpint (b, ==, list[i].brand);
      g_assert_cmpstr (dc_dvr_brand_to_string (b), ==, list[i].id);
      g_assert_nonnull (dc_dvr_brand_display_name (b));
    }
  g_assert_cmpstr (list[0].display_name, ==, "Hikvision");
  g_assert_cmpstr (list[1].display_name, ==, "Dahua");
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = NULL;

  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  tmp = dc_test_private_xdg_dirs ();
  state_root = g_build_filename (tmp, "recorders", NULL);
  g_test_add_func ("/dvr/fake/isapi-paging", test_paging);
  g_test_add_func ("/dvr/fake/post-retry-range-ignored", test_post_retry_and_range_ignored);
  g_test_add_func ("/dvr/fake/basic-refused", test_basic_refused);
  g_test_add_func ("/dvr/fake/dahua-channel-base", test_dahua_channel_base);
  g_test_add_func ("/dvr/fake/hik/strict-search-remembered", test_hik_strict_search);
  g_test_add_func ("/dvr/fake/hik/v2-only-relearns", test_hik_v2_only_relearns);
  g_test_add_func ("/dvr/fake/hik/empty-contradicted", test_hik_empty_contradicted);
  g_test_add_func ("/dvr/fake/hik/download-shapes", test_hik_download_shapes);
  g_test_add_func ("/dvr/fake/hik/other-camera", test_hik_other_camera);
  g_test_add_func ("/dvr/fake/hik/item-without-uri", test_hik_item_without_uri);
  g_test_add_func ("/dvr/fake/hik/probe-firmware-and-hostile", test_hik_probe_firmware);
  g_test_add_func ("/dvr/fake/dahua/bases", test_dahua_bases);
  g_test_add_func ("/dvr/fake/dahua/wrong-camera", test_dahua_wrong_camera);
  g_test_add_func ("/dvr/fake/dahua/relearns", test_dahua_relearns);
  g_test_add_func ("/dvr/fake/dahua/pictures-ignored", test_dahua_pictures_ignored);
  g_test_add_func ("/dvr/fake/dahua/container-and-clock", test_dahua_container_and_clock);
  g_test_add_func ("/dvr/fake/brand-list", test_brand_list);
  return g_test_run ();
}
