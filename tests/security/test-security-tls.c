/* HTTPS recorders: certificates verified by default, trust on first use
 * by pinning the public key the operator confirmed, and the one-time look
 * at the certificate that sends nothing but a TLS handshake.
 *
 * The "recorder" is a small GTlsServerConnection server on 127.0.0.1 with
 * a self-signed certificate made by `openssl req` in a temporary folder;
 * it answers every request with 200 "ok" and counts the requests that
 * reached it (after the handshake). */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "dvr/dc-config.h"
#include "dvr/dc-dvr.h"
#include "dvr/dc-http.h"

typedef struct
{
  char              *dir;
  GTlsCertificate   *cert;
  GThread           *thread;
  GSocketListener   *listener;
  GCancellable      *stop;
  guint16            port;
  char              *url;
  char              *expected_pin;   /* computed by openssl */
  gint               handshakes;     /* atomic: completed TLS handshakes */
  gint               requests;       /* atomic: HTTP requests received */
} Server;

static gboolean
run (const char *cmdline, char **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (cmdline, out, &err, &status, &error))
    {
      g_test_message ("%s: %s", cmdline, error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("%s: %s", cmdline, err ? err : "");
      return FALSE;
    }
  return TRUE;
}

static void
serve_one (Server *s, GSocketConnection *conn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (conn), s->cert, &error);
  GInputStream *in;
  GOutputStream *out;
  char buf[4096];
  gsize have = 0;
  static const char answer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

  if (tls == NULL)
    return;
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), s->stop, &error))
    return;   /* the client refused our certificate: expected in some tests */
  g_atomic_int_inc (&s->handshakes);
  in = g_io_stream_get_input_stream (tls);
  out = g_io_stream_get_output_stream (tls);
  while (have < sizeof buf - 1)
    {
      gssize n = g_input_stream_read (in, buf + have, sizeof buf - 1 - have, s->stop, NULL);
      if (n <= 0)
        return;   /* closed without a request */
      have += (gsize) n;
      buf[have] = '\0';
      if (strstr (buf, "\r\n\r\n") != NULL)
        break;
    }
  g_atomic_int_inc (&s->requests);
  g_output_stream_write_all (out, answer, strlen (answer), NULL, s->stop, NULL);
  g_io_stream_close (tls, NULL, NULL);
}

static gpointer
server_thread (gpointer data)
{
  Server *s = data;

  for (;;)
    {
      g_autoptr(GSocketConnection) conn =
        g_socket_listener_accept (s->listener, NULL, s->stop, NULL);
      if (conn == NULL)
        break;
      serve_one (s, conn);
    }
  return NULL;
}

static Server *
server_start (void)
{
  Server *s = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL, *key = NULL, *cmd = NULL, *pin_b64 = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  s->dir = dc_test_mkdtemp ();
  cert = g_build_filename (s->dir, "cert.pem", NULL);
  key = g_build_filename (s->dir, "key.pem", NULL);
  cmd = g_strdup_printf ("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                         "-nodes -days 2 -subj /CN=dvr-selfsigned/O=Dockclip-Test "
                         "-keyout %s -out %s", key, cert);
  if (!run (cmd, NULL))
    {
      dc_test_rmdir (s->dir);
      g_free (s->dir);
      g_free (s);
      return NULL;
    }
  /* The pin as curl documents it: sha256 of the DER public key, base64. */
  g_free (cmd);
  cmd = g_strdup_printf ("sh -c 'openssl x509 -in %s -pubkey -noout | openssl pkey -pubin "
                         "-outform der | openssl dgst -sha256 -binary | openssl base64 -A'", cert);
  g_assert_true (run (cmd, &pin_b64));
  s->expected_pin = g_strconcat ("sha256//", g_strstrip (pin_b64), NULL);

  s->cert = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  s->listener = g_socket_listener_new ();
  g_assert_true (g_socket_listener_add_address (s->listener, addr, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  s->url = g_strdup_printf ("https://127.0.0.1:%u", s->port);
  s->stop = g_cancellable_new ();
  s->thread = g_thread_new ("tls-server", server_thread, s);
  return s;
}

static void
server_stop (Server *s)
{
  if (s == NULL)
    return;
  g_cancellable_cancel (s->stop);
  g_thread_join (s->thread);
  g_socket_listener_close (s->listener);
  g_object_unref (s->listener);
  g_object_unref (s->stop);
  g_object_unref (s->cert);
  dc_test_rmdir (s->dir);
  g_free (s->dir);
  g_free (s->url);
  g_free (s->expected_pin);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_stop)

static Server *
server_or_skip (void)
{
  Server *s;

  /* glib-networking and openssl come with tools/install-deps: without
   * them the TLS checks must fail, not pass unseen */
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    g_error ("no GIO TLS backend (install glib-networking: tools/install-deps)");
  s = server_start ();
  if (s == NULL)
    g_error ("openssl could not make a test certificate (tools/install-deps --test)");
  return s;
}

/* One request through the DVR HTTP layer, as a session does it. */
static gboolean
request (Server *s, const char *pin, DcHttpResponse *resp, GError **error)
{
  DcDvrConfig cfg = { 0 };
  DcHttp *http;
  gboolean ok;

  cfg.name = (char *) "dock-gate";
  cfg.url = s->url;
  cfg.user = (char *) "admin";
  cfg.password = (char *) "Zq9-secret";
  cfg.tls_pin = (char *) pin;
  http = dc_http_new_for_config (&cfg, NULL, error);
  if (http == NULL)
    return FALSE;
  ok = dc_http_request (http, "GET", "/ISAPI/System/deviceInfo", NULL, NULL, resp, error);
  dc_http_free (http);
  return ok;
}

static void
test_fetch_pin (void)
{
  g_autoptr(Server) s = server_or_skip ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL, *subject = NULL;

  if (s == NULL)
    return;
  g_assert_true (dc_dvr_fetch_certificate_pin (s->url, &pin, &subject, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, s->expected_pin);
  g_assert_true (dc_dvr_tls_pin_is_valid (pin));
  g_assert_nonnull (subject);
  g_assert_nonnull (strstr (subject, "dvr-selfsigned"));
  /* A TLS handshake and nothing else: no HTTP request, no credentials. */
  g_assert_cmpint (g_atomic_int_get (&s->requests), ==, 0);

  /* Not https: nothing to fetch, clear message. */
  g_clear_pointer (&pin, g_free);
  g_assert_false (dc_dvr_fetch_certificate_pin ("http://127.0.0.1:1", &pin, NULL, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "https://"));
  g_assert_null (pin);
}

static void
test_unpinned_refused (void)
{
  g_autoptr(Server) s = server_or_skip ();
  g_autoptr(GError) error = NULL;
  DcHttpResponse resp = { 0 };

  if (s == NULL)
    return;
  /* Verified by default: a self-signed recorder is refused... */
  g_assert_false (request (s, NULL, &resp, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG);
  g_assert_false (dc_dvr_error_is_retryable (error));
  /* ...with a message naming the recorder and what to do. */
  g_assert_nonnull (strstr (error->message, "dock-gate"));
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_nonnull (strstr (error->message, "not trusted"));
  g_assert_nonnull (strstr (error->message, "fingerprint"));
  g_assert_null (strstr (error->message, "Zq9-secret"));
  g_assert_cmpint (g_atomic_int_get (&s->requests), ==, 0);
}

static void
test_pinned_works (void)
{
  g_autoptr(Server) s = server_or_skip ();
  g_autoptr(GError) error = NULL;
  DcHttpResponse resp = { 0 };

  if (s == NULL)
    return;
  g_assert_true (request (s, s->expected_pin, &resp, &error));
  g_assert_no_error (error);
  g_assert_cmpint (resp.status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (resp.body, NULL), g_bytes_get_size (resp.body), "ok", 2);
  g_assert_cmpint (g_atomic_int_get (&s->requests), ==, 1);
  dc_http_response_clear (&resp);
}

static void
test_wrong_pin_refused (void)
{
  g_autoptr(Server) s = server_or_skip ();
  g_autoptr(GError) error = NULL;
  DcHttpResponse resp = { 0 };
  /* A well-formed pin of another key. */
  const char *other = "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

  if (s == NULL)
    return;
  g_assert_true (dc_dvr_tls_pin_is_valid (other));
  g_assert_false (request (s, other, &resp, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "dock-gate"));
  g_assert_nonnull (strstr (error->message, "not the one confirmed"));
  /* Refused during the handshake: the request (with its credentials)
   * never left. */
  g_assert_cmpint (g_atomic_int_get (&s->requests), ==, 0);
}

static void
test_pin_config (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = NULL;
  g_autoptr(DcConfig) again = NULL;
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "dockclip.conf", NULL);
  const char *pin = "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  g_autofree char *good = g_strdup_printf ("[dvr gate]\nbrand=hikvision\nurl=https://10.0.0.5\n"
                                           "user=admin\ntls-pin=%s\n", pin);
  DcHttp *http;
  DcDvrConfig plain = { 0 };

  cfg = dc_config_load_from_data (good, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dc_config_get_dvr (cfg, "gate")->tls_pin, ==, pin);
  g_assert_true (dc_config_save (cfg, path, &error));
  again = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dc_config_get_dvr (again, "gate")->tls_pin, ==, pin);

  /* A pin on plain http would protect nothing: refused, named. */
  g_assert_null (dc_config_load_from_data ("[dvr gate]\nbrand=dahua\nurl=http://10.0.0.5\nuser=u\n"
                                           "tls-pin=sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                                           -1, &error));
  g_assert_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "tls-pin"));
  g_assert_nonnull (strstr (error->message, "https"));
  g_clear_error (&error);
  for (guint i = 0; i < 4; i++)
    {
      static const char *const bad[] = { "sha1//abc=", "sha256//short=", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                                         "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF!=" };
      g_autofree char *text = g_strdup_printf ("[dvr gate]\nbrand=dahua\nurl=https://10.0.0.5\nuser=u\n"
                                               "tls-pin=%s\n", bad[i]);
      g_assert_null (dc_config_load_from_data (text, -1, &error));
      g_assert_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "[dvr gate]"));
      g_clear_error (&error);
      g_assert_false (dc_dvr_tls_pin_is_valid (bad[i]));
    }

  /* The HTTP layer says the same to a caller that skips the config. */
  plain.name = (char *) "gate";
  plain.url = (char *) "http://10.0.0.5";
  plain.user = (char *) "u";
  plain.tls_pin = (char *) pin;
  http = dc_http_new_for_config (&plain, NULL, &error);
  g_assert_null (http);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG);
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("DC_KEYRING", "off", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/security/tls/fetch-pin", test_fetch_pin);
  g_test_add_func ("/security/tls/unpinned-refused", test_unpinned_refused);
  g_test_add_func ("/security/tls/pinned-works", test_pinned_works);
  g_test_add_func ("/security/tls/wrong-pin-refused", test_wrong_pin_refused);
  g_test_add_func ("/security/tls/pin-config", test_pin_config);
  return g_test_run ();
}
