/* The update-manifest check against a local HTTP server: a newer version,
 * the same version, garbage, no answer, too big, not found, and URLs that
 * must be refused. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "update/dc-update.h"

static gint stopping;
static gint followed;        /* requests that only a followed redirect would make */
static gint64 streamed;      /* body bytes the lazy answers sent (atomic via lock) */
static GMutex streamed_lock;
static guint16 port;

/* Writes @unit again and again (at most 1 GiB, or until the client hangs
 * up), pausing @pause_us between writes: a body that is never held in
 * memory, however large it claims to be. */
static void
stream_body (GOutputStream *out, const char *head, const char *unit, gulong pause_us)
{
  g_autofree char *chunk = NULL;
  gsize unit_len = strlen (unit), chunk_len;
  guint64 sent = 0;

  if (!g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL))
    return;
  chunk = pause_us > 0 ? g_strdup (unit) : g_strnfill (64 * 1024, unit[0]);
  chunk_len = pause_us > 0 ? unit_len : 64 * 1024;
  while (sent < ((guint64) 1 << 30) && !g_atomic_int_get (&stopping))
    {
      if (!g_output_stream_write_all (out, chunk, chunk_len, NULL, NULL, NULL))
        return;
      sent += chunk_len;
      g_mutex_lock (&streamed_lock);
      streamed += (gint64) chunk_len;
      g_mutex_unlock (&streamed_lock);
      if (pause_us > 0)
        g_usleep (pause_us);
    }
}

static gint64
get_streamed (void)
{
  gint64 n;

  g_mutex_lock (&streamed_lock);
  n = streamed;
  streamed = 0;
  g_mutex_unlock (&streamed_lock);
  return n;
}

static gboolean
on_run (GThreadedSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  char buf[2048];
  gssize n = g_input_stream_read (in, buf, sizeof buf - 1, NULL, NULL);
  g_autofree char *body = NULL;
  g_autofree char *reply = NULL;
  const char *status = "200 OK";

  if (n <= 0)
    return TRUE;
  buf[n] = '\0';
  if (g_str_has_prefix (buf, "GET /new "))
    body = g_strdup ("{\"version\": \"99.1.0\", \"url\": \"https://example.org/dockclip\", "
                     "\"notes\": \"Faster downloads\"}");
  else if (g_str_has_prefix (buf, "GET /same "))
    body = g_strdup ("[update]\nversion=" PACKAGE_VERSION "\nurl=https://example.org/dockclip\n");
  else if (g_str_has_prefix (buf, "GET /garbage "))
    body = g_strdup ("<html><body>Router login</body></html>");
  else if (g_str_has_prefix (buf, "GET /bad-version "))
    body = g_strdup ("{\"version\": \"latest\", \"url\": \"https://example.org/\"}");
  else if (g_str_has_prefix (buf, "GET /big "))
    {
      body = g_malloc (100 * 1024 + 1);
      memset (body, 'x', 100 * 1024);
      body[100 * 1024] = '\0';
    }
  else if (g_str_has_prefix (buf, "GET /redirect-host ") || g_str_has_prefix (buf, "GET /redirect-http "))
    {
      /* another host name for this machine, or plain http after https:
       * never asked for, since redirects are not followed */
      g_autofree char *moved = g_strdup_printf (
        "HTTP/1.1 302 Found\r\nLocation: http://%s:%u/followed\r\nContent-Length: 0\r\n"
        "Connection: close\r\n\r\n", g_str_has_prefix (buf, "GET /redirect-host ") ? "localhost" : "127.0.0.1",
        port);
      g_output_stream_write_all (out, moved, strlen (moved), NULL, NULL, NULL);
      return TRUE;
    }
  else if (g_str_has_prefix (buf, "GET /followed "))
    {
      g_atomic_int_inc (&followed);
      body = g_strdup ("{\"version\": \"99.9\", \"url\": \"https://example.org/\"}");
    }
  else if (g_str_has_prefix (buf, "GET /gigabyte "))
    {
      stream_body (out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Content-Length: 1073741824\r\n\r\n", "{", 0);
      return TRUE;
    }
  else if (g_str_has_prefix (buf, "GET /endless "))
    {
      stream_body (out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Connection: close\r\n\r\n", " ", 0);
      return TRUE;
    }
  else if (g_str_has_prefix (buf, "GET /slow "))
    {
      /* a valid manifest, one byte every 100 ms */
      stream_body (out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Content-Length: 4000\r\n\r\n", " ", 100000);
      return TRUE;
    }
  else if (g_str_has_prefix (buf, "GET /http-link "))
    body = g_strdup ("{\"version\": \"99.1.0\", \"url\": \"http://example.org/dockclip\"}");
  else if (g_str_has_prefix (buf, "GET /silent "))
    {
      /* Accept, then never answer. */
      for (int i = 0; i < 300 && !g_atomic_int_get (&stopping); i++)
        g_usleep (10000);
      return TRUE;
    }
  else
    {
      status = "404 Not Found";
      body = g_strdup ("not found");
    }
  reply = g_strdup_printf ("HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n%s", status, strlen (body), body);
  g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
  return TRUE;
}

static GSocketService *service;

static char *
url_for (const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
}

static void
test_newer (void)
{
  g_autofree char *url = url_for ("/new");
  g_autoptr(GError) error = NULL;
  g_autoptr(DcUpdateInfo) info = dc_update_fetch (url, 2000, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (info->version, ==, "99.1.0");
  g_assert_cmpstr (info->url, ==, "https://example.org/dockclip");
  g_assert_cmpstr (info->notes, ==, "Faster downloads");
  g_assert_cmpint (dc_update_compare_versions (info->version, PACKAGE_VERSION), >, 0);
}

static void
test_same (void)
{
  g_autofree char *url = url_for ("/same");
  g_autoptr(GError) error = NULL;
  g_autoptr(DcUpdateInfo) info = dc_update_fetch (url, 2000, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (info->version, ==, PACKAGE_VERSION);
  g_assert_cmpstr (info->notes, ==, "");
  g_assert_cmpint (dc_update_compare_versions (info->version, PACKAGE_VERSION), ==, 0);
}

static void
test_garbage (void)
{
  const char *paths[] = { "/garbage", "/bad-version" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = url_for (paths[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(DcUpdateInfo) info = dc_update_fetch (url, 2000, &error);

      g_assert_null (info);
      g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE);
    }
}

static void
test_no_answer (void)
{
  g_autofree char *url = url_for ("/silent");
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(DcUpdateInfo) info = dc_update_fetch (url, 400, &error);
  gint64 took = g_get_monotonic_time () - start;

  g_assert_null (info);
  g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK);
  g_assert_cmpint (took, <, 1500000);
}

static void
test_too_big_and_404 (void)
{
  g_autofree char *big = url_for ("/big");
  g_autofree char *missing = url_for ("/missing");
  g_autoptr(GError) error = NULL;
  g_autoptr(DcUpdateInfo) info = dc_update_fetch (big, 2000, &error);

  g_assert_null (info);
  g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_TOO_BIG);
  g_clear_error (&error);
  info = dc_update_fetch (missing, 2000, &error);
  g_assert_null (info);
  g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK);
}

static void
async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  DcUpdateInfo **out = data;
  g_autoptr(GError) error = NULL;

  *out = dc_update_check_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autofree char *url = url_for ("/new");
  DcUpdateInfo *info = NULL;

  dc_update_check_async (url, 2000, NULL, async_done, &info);
  while (info == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (info->version, ==, "99.1.0");
  dc_update_info_free (info);
}

/* Redirects are never followed, to another host or to plain http: the
 * error says where it pointed. */
static void
test_redirects (void)
{
  const char *paths[] = { "/redirect-host", "/redirect-http" };
  const char *where[] = { "http://localhost:", "http://127.0.0.1:" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = url_for (paths[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(DcUpdateInfo) info = dc_update_fetch (url, 2000, &error);

      g_assert_null (info);
      g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_REDIRECT);
      g_assert_nonnull (strstr (error->message, where[i]));
    }
  g_assert_cmpint (g_atomic_int_get (&followed), ==, 0);
}

/* A 1 GB answer (announced, or endless) is refused at 64 KiB; a slow one
 * at the time limit: never more time or memory than the README says. */
static void
test_big_and_slow_bodies (void)
{
  const char *paths[] = { "/gigabyte", "/endless" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = url_for (paths[i]);
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(DcUpdateInfo) info = dc_update_fetch (url, 2000, &error);

      g_assert_null (info);
      g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_TOO_BIG);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
      /* what the server got out before the client hung up: socket buffers' worth */
      g_usleep (50000);
      g_assert_cmpint (get_streamed (), <, 16 * 1024 * 1024);
    }
  {
    g_autofree char *url = url_for ("/slow");
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();
    g_autoptr(DcUpdateInfo) info = dc_update_fetch (url, 600, &error);
    gint64 took = g_get_monotonic_time () - start;

    g_assert_null (info);
    g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK);
    g_assert_nonnull (strstr (error->message, "within 0.6 s"));
    g_assert_cmpint (took, >=, 500 * 1000);
    g_assert_cmpint (took, <, 1500 * 1000);
    get_streamed ();
  }
}

/* A plain-http download page is shown, and said to be not secure. */
static void
test_insecure_link (void)
{
  g_autofree char *http = url_for ("/http-link");
  g_autofree char *https = url_for ("/new");
  g_autoptr(DcUpdateInfo) a = dc_update_fetch (http, 2000, NULL);
  g_autoptr(DcUpdateInfo) b = dc_update_fetch (https, 2000, NULL);
  const char *bad[] = {
    "{\"version\": \"1.2\", \"url\": \"https://exa mple.org/\"}",
    "{\"version\": \"1.2\", \"url\": \"https://example.org/\\u001b[2J\"}",
    "{\"version\": \"1.2\", \"url\": \"https:///nohost\"}",
  };

  g_assert_nonnull (a);
  g_assert_cmpstr (a->url, ==, "http://example.org/dockclip");
  g_assert_true (a->link_insecure);
  g_assert_nonnull (b);
  g_assert_false (b->link_insecure);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DcUpdateInfo) info = dc_update_parse_manifest (bad[i], strlen (bad[i]), &error);

      g_assert_null (info);
      g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE);
    }
}

static void
test_refused_urls (void)
{
  const char *refused[] = { "http://example.org/update.json", "ftp://127.0.0.1/x", "file:///etc/passwd",
                            "", "not a url", "http://127.0.0.2.example.org/" };
  const char *allowed[] = { "https://example.org/update.json", "http://127.0.0.1:8080/u",
                            "http://localhost/u", "http://[::1]:1/u" };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DcUpdateInfo) info = NULL;

      g_assert_false (dc_update_url_is_allowed (refused[i], &error));
      g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_URL);
      g_clear_error (&error);
      info = dc_update_fetch (refused[i], 200, &error);
      g_assert_null (info);
      g_assert_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_URL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    g_assert_true (dc_update_url_is_allowed (allowed[i], NULL));
}

static void
test_parse_and_compare (void)
{
  const char *bad[] = {
    "{}", "{\"version\": 2, \"url\": \"https://x\"}", "{\"version\": \"1.2\"}",
    "{\"version\": \"1.2\", \"url\": \"javascript:alert(1)\"}", "[update]\nversion=1..2\nurl=https://x\n",
    "[update]\nversion=1.2.3.4.5\nurl=https://x\n", "[", "\xff\xfe", "[other]\nversion=1\n",
  };
  g_autoptr(DcUpdateInfo) ok = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DcUpdateInfo) info = dc_update_parse_manifest (bad[i], strlen (bad[i]), &error);
      g_assert_null (info);
      g_assert_nonnull (error);
    }
  {
    const char *good = "  {\"version\":\"0.10\",\"url\":\"https://x/\"}";
    ok = dc_update_parse_manifest (good, strlen (good), NULL);
  }
  g_assert_nonnull (ok);
  g_assert_cmpint (dc_update_compare_versions ("0.10", "0.9"), >, 0);
  g_assert_cmpint (dc_update_compare_versions ("1.0", "1.0.0"), ==, 0);
  g_assert_cmpint (dc_update_compare_versions ("1.2.3", "1.2.4"), <, 0);
  g_assert_cmpint (dc_update_compare_versions ("2", "10"), <, 0);
}

static GMainContext *server_context;
static GMainLoop *server_loop;
static GMutex ready_lock;
static GCond ready_cond;

/* The service accepts on its own thread's main context: the tests block
 * in libcurl on the main thread. */
static gpointer
server_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_main_context_push_thread_default (server_context);
  service = g_threaded_socket_service_new (8);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error))
    g_error ("listen: %s", error->message);
  g_signal_connect (service, "run", G_CALLBACK (on_run), NULL);
  g_socket_service_start (service);
  g_mutex_lock (&ready_lock);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_cond_signal (&ready_cond);
  g_mutex_unlock (&ready_lock);
  g_main_loop_run (server_loop);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_clear_object (&service);
  g_main_context_pop_thread_default (server_context);
  return NULL;
}

static gboolean
quit_server (gpointer data)
{
  g_main_loop_quit (server_loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  GThread *thread;
  int status;

  g_test_init (&argc, &argv, NULL);
  server_context = g_main_context_new ();
  server_loop = g_main_loop_new (server_context, FALSE);
  g_mutex_lock (&ready_lock);
  thread = g_thread_new ("http", server_thread, NULL);
  while (port == 0)
    g_cond_wait (&ready_cond, &ready_lock);
  g_mutex_unlock (&ready_lock);

  g_test_add_func ("/update/newer", test_newer);
  g_test_add_func ("/update/same", test_same);
  g_test_add_func ("/update/garbage", test_garbage);
  g_test_add_func ("/update/no-answer", test_no_answer);
  g_test_add_func ("/update/too-big-and-404", test_too_big_and_404);
  g_test_add_func ("/update/async", test_async);
  g_test_add_func ("/update/refused-urls", test_refused_urls);
  g_test_add_func ("/update/parse-and-compare", test_parse_and_compare);
  g_test_add_func ("/update/redirects", test_redirects);
  g_test_add_func ("/update/big-and-slow-bodies", test_big_and_slow_bodies);
  g_test_add_func ("/update/insecure-link", test_insecure_link);
  status = g_test_run ();

  g_atomic_int_set (&stopping, 1);
  g_main_context_invoke (server_context, quit_server, NULL);
  g_thread_join (thread);
  g_main_loop_unref (server_loop);
  g_main_context_unref (server_context);
  return status;
}
