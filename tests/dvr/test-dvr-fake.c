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

static void
fresh_state (void)
{
  g_autofree char *dir = g_strdup_printf ("%s/%u", state_root, ++state_serial);
  dc_dvr_set_state_dir (dir);
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
  return g_test_run ();
}
