/* DVR settings, HTTPS recorder with its own (self-signed) certificate:
 * trust on first use with the real dialog under Xvfb.
 *
 * The "https simulator" is the plain-HTTP dockclip-dvr-sim behind a small
 * TLS front in this process (GTlsServerConnection, a certificate made by
 * `openssl req`): the dialog signs in to a real simulated recorder over
 * https.  The front counts the requests that got through the handshake.
 *
 * Set DC_PIN_SCREENSHOT=/path.png to save the dialog with the fingerprint
 * shown. */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-app-settings.h"
#include "dc-dvr-settings-window.h"
#include "dc-window.h"
#include "dvr/dc-config.h"
#include "dvr/dc-dvr.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

/* A well-formed pin of some other key. */
#define OTHER_PIN "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

typedef struct
{
  char            *dir;
  GTlsCertificate *cert;
  char            *openssl_pin;   /* the pin as openssl computes it */
  DcTestSim       *sim;
  GSocketListener *listener;
  GCancellable    *stop;
  GThread         *thread;
  guint16          port;
  char            *url;
  gint             requests;      /* atomic: connections that sent bytes after the handshake */
  gint             live;          /* atomic: connection threads running */
} Https;

typedef struct
{
  Https             *https;
  GSocketConnection *conn;
} Conn;

static gboolean
run (const char *cmdline, char **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (cmdline, out, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("%s: %s", cmdline, error ? error->message : err ? err : "");
      return FALSE;
    }
  return TRUE;
}

static void
splice_done (GObject *source, GAsyncResult *result, gpointer loop)
{
  g_io_stream_splice_finish (result, NULL);
  g_main_loop_quit (loop);
}

/* One client: TLS handshake, then everything both ways to the simulator. */
static gpointer
conn_thread (gpointer data)
{
  Conn *c = data;
  Https *h = c->https;
  g_autoptr(GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (c->conn), h->cert, NULL);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) plain = NULL;
  char buf[4096];
  gssize n;

  if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), h->stop, NULL))
    goto out;   /* the client refused the certificate */
  n = g_input_stream_read (g_io_stream_get_input_stream (tls), buf, sizeof buf, h->stop, NULL);
  if (n <= 0)
    goto out;   /* a handshake only (a look at the certificate, or a refused pin) */
  g_atomic_int_inc (&h->requests);
  plain = g_socket_client_connect_to_host (client, "127.0.0.1", dc_test_sim_get_port (h->sim),
                                           h->stop, NULL);
  if (plain == NULL ||
      !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (plain)), buf,
                                  (gsize) n, NULL, h->stop, NULL))
    goto out;
  {
    GMainContext *ctx = g_main_context_new ();
    GMainLoop *loop = g_main_loop_new (ctx, FALSE);

    g_main_context_push_thread_default (ctx);
    g_io_stream_splice_async (tls, G_IO_STREAM (plain),
                              G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                              G_PRIORITY_DEFAULT, h->stop, splice_done, loop);
    g_main_loop_run (loop);
    g_main_context_pop_thread_default (ctx);
    g_main_loop_unref (loop);
    g_main_context_unref (ctx);
  }
out:
  g_object_unref (c->conn);
  g_free (c);
  g_atomic_int_dec_and_test (&h->live);
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  Https *h = data;

  for (;;)
    {
      GSocketConnection *conn = g_socket_listener_accept (h->listener, NULL, h->stop, NULL);
      Conn *c;

      if (conn == NULL)
        break;
      c = g_new0 (Conn, 1);
      c->https = h;
      c->conn = conn;
      g_atomic_int_inc (&h->live);
      g_thread_unref (g_thread_new ("https-conn", conn_thread, c));
    }
  return NULL;
}

static Https *
https_start (void)
{
  Https *h = g_new0 (Https, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL, *key = NULL, *cmd = NULL, *b64 = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  h->dir = dc_test_mkdtemp ();
  cert = g_build_filename (h->dir, "cert.pem", NULL);
  key = g_build_filename (h->dir, "key.pem", NULL);
  cmd = g_strdup_printf ("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                         "-nodes -days 2 -subj /CN=DS-7608NXI-gate/O=Dockclip-Test "
                         "-keyout %s -out %s", key, cert);
  if (!run (cmd, NULL))
    {
      dc_test_rmdir (h->dir);
      g_free (h->dir);
      g_free (h);
      return NULL;
    }
  g_free (cmd);
  cmd = g_strdup_printf ("sh -c 'openssl x509 -in %s -pubkey -noout | openssl pkey -pubin "
                         "-outform der | openssl dgst -sha256 -binary | openssl base64 -A'", cert);
  g_assert_true (run (cmd, &b64));
  h->openssl_pin = g_strconcat ("sha256//", g_strstrip (b64), NULL);
  h->cert = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);

  h->sim = dc_test_sim_start ("hikvision", NULL, &error);
  g_assert_no_error (error);
  h->listener = g_socket_listener_new ();
  g_assert_true (g_socket_listener_add_address (h->listener, addr, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  h->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  h->url = g_strdup_printf ("https://127.0.0.1:%u", h->port);
  h->stop = g_cancellable_new ();
  h->thread = g_thread_new ("https-accept", accept_thread, h);
  /* The first TLS handshake of the process sets up the TLS library on
   * both sides, slow on a loaded machine: done here, not in a dialog
   * test with its 8 s connect timeout. */
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *pin = NULL;
      g_autoptr(GError) warm_error = NULL;

      if (dc_dvr_fetch_certificate_pin (h->url, &pin, NULL, &warm_error))
        break;
      g_test_message ("warming up the TLS front: %s", warm_error->message);
    }
  return h;
}

static void
https_stop (Https *h)
{
  if (h == NULL)
    return;
  g_cancellable_cancel (h->stop);
  g_thread_join (h->thread);
  while (g_atomic_int_get (&h->live) > 0)
    g_usleep (1000);
  g_socket_listener_close (h->listener);
  g_object_unref (h->listener);
  g_object_unref (h->stop);
  g_object_unref (h->cert);
  dc_test_sim_stop (h->sim);
  dc_test_rmdir (h->dir);
  g_free (h->dir);
  g_free (h->url);
  g_free (h->openssl_pin);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Https, https_stop)

static gboolean
not_testing (gpointer data)
{
  return !dc_dvr_settings_window_is_testing (data);
}

static void
assert_prefix (const char *text, const char *prefix)
{
  if (text == NULL || !g_str_has_prefix (text, prefix))
    g_error ("“%s” does not start with “%s”", text ? text : "(null)", prefix);
}

/* Presses a button of the editor as a click does (it must be shown and
 * sensitive), then waits for the worker it started. */
static void
on_clicked (GtkButton *button, gboolean *clicked)
{
  *clicked = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
press (DcDvrSettingsWindow *dlg, const char *name)
{
  GtkWidget *button = dc_dvr_settings_window_get_button (dlg, name);
  gboolean clicked = FALSE;
  gulong id;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  /* as the keyboard does: the button shows pressed, then "clicked" */
  id = g_signal_connect (button, "clicked", G_CALLBACK (on_clicked), &clicked);
  g_assert_true (gtk_widget_activate (button));
  if (!dc_test_wait_until (is_true, &clicked, 5000))
    g_error ("%s: no click", name);
  g_signal_handler_disconnect (button, id);
  g_assert_true (dc_test_wait_until (not_testing, dlg, 30000));
}

static void
screenshot (GtkWidget *window, const char *path)
{
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w, h;

  dc_test_pump (400);
  w = gtk_widget_get_width (window);
  h = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
}

static Https *
https_or_skip (void)
{
  Https *h;

  /* glib-networking and openssl come with tools/install-deps: without
   * them the TLS checks must fail, not pass unseen */
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    g_error ("no GIO TLS backend (install glib-networking: tools/install-deps)");
  h = https_start ();
  if (h == NULL)
    g_error ("openssl could not make a test certificate (tools/install-deps --test)");
  return h;
}

static void
close_all (DcDvrSettingsWindow *dlg, DcWindow *win)
{
  gtk_window_destroy (GTK_WINDOW (dlg));
  dc_window_shutdown (win);
  gtk_window_destroy (GTK_WINDOW (win));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Test connection meets the self-signed certificate: the fingerprint
 * appears, the operator trusts it, the connection works, Save stores
 * tls-pin=. */
static void
test_trust_on_first_use (void)
{
  g_autoptr(Https) h = https_or_skip ();
  DcWindow *win;
  DcDvrSettingsWindow *dlg;
  g_autofree char *path = dc_app_settings_config_path ();
  g_autofree char *core_pin = NULL, *subject = NULL, *contents = NULL, *line = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) loaded = NULL;
  const char *details;

  if (h == NULL)
    return;
  dc_dvr_fetch_certificate_pin (h->url, &core_pin, &subject, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (core_pin, ==, h->openssl_pin);

  g_remove (path);
  win = dc_window_new (NULL);
  gtk_window_present (GTK_WINDOW (win));
  dlg = dc_dvr_settings_window_new (win);
  gtk_window_present (GTK_WINDOW (dlg));
  dc_dvr_settings_window_edit (dlg, NULL);
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "name"), "gate");
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "url"), h->url);
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "password"), "secret");
  assert_prefix (dc_dvr_settings_window_get_certificate_state (dlg), "No certificate trusted yet.");
  g_assert_null (dc_dvr_settings_window_get_certificate_details (dlg));
  g_assert_false (gtk_widget_get_visible (dc_dvr_settings_window_get_button (dlg, "trust-certificate")));

  /* Test connection: refused on the certificate, which is shown. */
  press (dlg, "test");
  assert_prefix (dc_dvr_settings_window_get_test_result (dlg), "The recorder uses its own (self-signed) certificate.");
  g_assert_cmpint (g_atomic_int_get (&h->requests), ==, 0);   /* nothing sent, no password */
  details = dc_dvr_settings_window_get_certificate_details (dlg);
  g_assert_nonnull (details);
  g_assert_nonnull (strstr (details, core_pin));
  g_assert_nonnull (strstr (details, "DS-7608NXI-gate"));
  g_assert_nonnull (strstr (details, "Compare it with the fingerprint"));
  if (g_getenv ("DC_PIN_SCREENSHOT"))
    screenshot (GTK_WIDGET (dlg), g_getenv ("DC_PIN_SCREENSHOT"));

  /* Trust it: the row says so, the button goes away; the connection works. */
  press (dlg, "trust-certificate");
  line = g_strdup_printf ("Trusted certificate %s", core_pin);
  g_assert_cmpstr (dc_dvr_settings_window_get_certificate_state (dlg), ==, line);
  g_assert_false (gtk_widget_get_visible (dc_dvr_settings_window_get_button (dlg, "trust-certificate")));
  press (dlg, "test");
  assert_prefix (dc_dvr_settings_window_get_test_result (dlg), "Connected");
  g_assert_cmpint (g_atomic_int_get (&h->requests), >, 0);

  /* Check certificate again: the same, "This is the trusted certificate." */
  press (dlg, "check-certificate");
  g_assert_nonnull (strstr (dc_dvr_settings_window_get_certificate_details (dlg),
                            "This is the trusted certificate."));

  /* Save: the key file has the pin the core computes. */
  press (dlg, "save");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_free (line);
  line = g_strdup_printf ("\ntls-pin=%s\n", core_pin);
  g_assert_nonnull (strstr (contents, line));
  loaded = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dc_config_get_dvr (loaded, "gate")->tls_pin, ==, core_pin);

  /* Editing again (once the editor has slid away) starts from the stored pin. */
  dc_test_pump (600);
  dc_dvr_settings_window_edit (dlg, "gate");
  g_free (line);
  line = g_strdup_printf ("Trusted certificate %s", core_pin);
  g_assert_cmpstr (dc_dvr_settings_window_get_certificate_state (dlg), ==, line);
  close_all (dlg, win);
}

/* A stored pin that is not the recorder's key: the connection is refused
 * before anything is sent, and the dialog says the certificate changed. */
static void
test_changed_certificate (void)
{
  g_autoptr(Https) h = https_or_skip ();
  DcWindow *win;
  DcDvrSettingsWindow *dlg;
  DcConfig *config;
  DcDvrConfig cfg = { 0 };
  GtkWidget *row;

  if (h == NULL)
    return;
  win = dc_window_new (NULL);
  gtk_window_present (GTK_WINDOW (win));
  config = dc_config_new ();
  cfg.name = (char *) "gate";
  cfg.brand = DC_DVR_BRAND_HIKVISION;
  cfg.url = h->url;
  cfg.user = (char *) "admin";
  cfg.password = (char *) "secret";
  cfg.max_downloads = 1;
  cfg.download_by_time = -1;
  cfg.tls_pin = (char *) OTHER_PIN;
  dc_config_set_dvr (config, &cfg);
  dc_window_set_config (win, config, FALSE);

  dlg = dc_dvr_settings_window_new (win);
  gtk_window_present (GTK_WINDOW (dlg));
  dc_dvr_settings_window_edit (dlg, "gate");
  g_assert_cmpstr (dc_dvr_settings_window_get_certificate_state (dlg), ==,
                   "Trusted certificate " OTHER_PIN);

  press (dlg, "test");
  assert_prefix (dc_dvr_settings_window_get_test_result (dlg), "Certificate changed since it was trusted!");
  g_assert_cmpstr (dc_dvr_settings_window_get_certificate_state (dlg), ==,
                   "Certificate changed since it was trusted!");
  row = gtk_widget_get_ancestor (dc_dvr_settings_window_get_button (dlg, "check-certificate"),
                                 ADW_TYPE_ACTION_ROW);
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_cmpint (g_atomic_int_get (&h->requests), ==, 0);   /* nothing reached the recorder */
  /* the new certificate is shown, for the operator to compare and trust */
  g_assert_nonnull (strstr (dc_dvr_settings_window_get_certificate_details (dlg), h->openssl_pin));
  g_assert_true (gtk_widget_get_visible (dc_dvr_settings_window_get_button (dlg, "trust-certificate")));

  /* Plain http: nothing to pin, the certificate row cannot be used. */
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "url"),
                         dc_test_sim_get_url (h->sim));
  g_assert_false (gtk_widget_is_sensitive (dc_dvr_settings_window_get_button (dlg, "check-certificate")));
  g_assert_false (gtk_widget_get_visible (dc_dvr_settings_window_get_button (dlg, "trust-certificate")));
  g_assert_null (dc_dvr_settings_window_get_certificate_details (dlg));
  assert_prefix (dc_dvr_settings_window_get_certificate_state (dlg), "Only for https:// addresses");
  press (dlg, "test");
  assert_prefix (dc_dvr_settings_window_get_test_result (dlg), "Connected");
  close_all (dlg, win);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = dc_test_private_xdg_dirs ();
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_message ("no display");
      return 77;
    }
  adw_init ();

  g_test_add_func ("/app/dvr-pin/trust-on-first-use", test_trust_on_first_use);
  g_test_add_func ("/app/dvr-pin/changed-certificate", test_changed_certificate);
  status = g_test_run ();
  dc_test_rmdir (tmp);
  return status;
}
