/* DVR settings under Xvfb with the real dialog: the editor's name error
 * follows what is typed, an HTTP 404 is said in words, dock rows show the
 * camera names Test connection found, a dock map import lists the rows it
 * could not use until dismissed, and the editor says where the password
 * goes (DC_KEYRING=off here: the private file) before and after Save.
 *
 * DC_SETTINGS_SCREENSHOTS=DIR saves editor.png and import.png there. */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-app-settings.h"
#include "dc-dock-map-report.h"
#include "dc-dvr-settings-window.h"
#include "dc-window.h"
#include "dvr/dc-config.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

static gboolean
not_testing (gpointer data)
{
  return !dc_dvr_settings_window_is_testing (data);
}

static gboolean
place_known (gpointer data)
{
  return dc_dvr_settings_window_get_password_place (data) != NULL;
}

static void
assert_prefix (const char *text, const char *prefix)
{
  if (text == NULL || !g_str_has_prefix (text, prefix))
    g_error ("“%s” does not start with “%s”", text ? text : "(null)", prefix);
}

static void
assert_contains (const char *text, const char *part)
{
  if (text == NULL || strstr (text, part) == NULL)
    g_error ("“%s” does not contain “%s”", text ? text : "(null)", part);
}

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

/* As the keyboard does (the button must be shown and sensitive): it
 * shows pressed, then "clicked". */
static void
press_widget (GtkWidget *button)
{
  gboolean clicked = FALSE;
  gulong id;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  id = g_signal_connect (button, "clicked", G_CALLBACK (on_clicked), &clicked);
  g_assert_true (gtk_widget_activate (button));
  g_assert_true (dc_test_wait_until (is_true, &clicked, 5000));
  g_signal_handler_disconnect (button, id);
}

static void
press (DcDvrSettingsWindow *dlg, const char *name)
{
  press_widget (dc_dvr_settings_window_get_button (dlg, name));
  g_assert_true (dc_test_wait_until (not_testing, dlg, 30000));
}

static void
screenshot (GtkWidget *window, const char *name)
{
  const char *dir = g_getenv ("DC_SETTINGS_SCREENSHOTS");
  g_autofree char *path = NULL;
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w, h;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, name, NULL);
  dc_test_pump (600);
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

static DcWindow *
open_window (DcConfig *config)
{
  DcWindow *win = dc_window_new (NULL);

  gtk_window_present (GTK_WINDOW (win));
  if (config)
    dc_window_set_config (win, config, FALSE);
  return win;
}

static void
close_all (DcDvrSettingsWindow *dlg, DcWindow *win)
{
  gtk_window_destroy (GTK_WINDOW (dlg));
  dc_window_shutdown (win);
  gtk_window_destroy (GTK_WINDOW (win));
  dc_test_pump (50);
}

static void
set_field (DcDvrSettingsWindow *dlg, const char *field, const char *text)
{
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, field), text);
}

/* The red "Give the recorder a name …" goes away as soon as the name is
 * valid, and shows the new reason while it is not. */
static void
test_name_error_clears (void)
{
  DcWindow *win = open_window (NULL);
  DcDvrSettingsWindow *dlg = dc_dvr_settings_window_new (win);

  gtk_window_present (GTK_WINDOW (dlg));
  dc_dvr_settings_window_edit (dlg, NULL);
  set_field (dlg, "url", "127.0.0.1");
  g_assert_null (dc_dvr_settings_window_get_editor_error (dlg));
  press_widget (dc_dvr_settings_window_get_button (dlg, "save"));
  assert_prefix (dc_dvr_settings_window_get_editor_error (dlg), "Give the recorder a name");

  set_field (dlg, "name", "[north");   /* still wrong: still said */
  assert_prefix (dc_dvr_settings_window_get_editor_error (dlg), "Give the recorder a name");
  set_field (dlg, "name", "north");
  g_assert_null (dc_dvr_settings_window_get_editor_error (dlg));

  /* another field's error follows it too */
  set_field (dlg, "user", "");
  press_widget (dc_dvr_settings_window_get_button (dlg, "save"));
  assert_prefix (dc_dvr_settings_window_get_editor_error (dlg), "Type the user name");
  set_field (dlg, "user", "admin");
  g_assert_null (dc_dvr_settings_window_get_editor_error (dlg));

  /* Test connection's own form error goes away the same way */
  set_field (dlg, "name", "");
  press (dlg, "test");
  assert_prefix (dc_dvr_settings_window_get_test_result (dlg), "Give the recorder a name");
  set_field (dlg, "name", "north");
  g_assert_cmpstr (dc_dvr_settings_window_get_test_result (dlg), ==,
                   "Signs in to the recorder and lists its channels.");
  close_all (dlg, win);
}

/* A web server that answers 404 to everything (a wrong port, a router's
 * page): on the main context, as the dialog's worker talks to it. */
static gboolean
answer_404 (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  static const char reply[] = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
                              "Content-Length: 9\r\nConnection: close\r\n\r\nNot Found";
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  char buf[4096];

  g_input_stream_read (in, buf, sizeof buf, NULL, NULL);   /* the request head */
  g_output_stream_write_all (out, reply, sizeof reply - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  (*(int *) data)++;
  return TRUE;
}

static void
test_http_404_in_words (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) want = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) got = NULL;
  g_autofree char *url = NULL, *expect = NULL;
  DcWindow *win;
  DcDvrSettingsWindow *dlg;
  int served = 0;
  guint16 port;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), want, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &got, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (got));
  g_signal_connect (service, "incoming", G_CALLBACK (answer_404), &served);
  g_socket_service_start (service);
  url = g_strdup_printf ("http://127.0.0.1:%u", port);

  win = open_window (NULL);
  dlg = dc_dvr_settings_window_new (win);
  gtk_window_present (GTK_WINDOW (dlg));
  dc_dvr_settings_window_edit (dlg, NULL);
  set_field (dlg, "name", "gate");
  set_field (dlg, "url", url);
  set_field (dlg, "password", "secret");
  press (dlg, "test");
  g_assert_cmpint (served, >, 0);
  expect = g_strdup_printf ("Nothing at %s answers as a Hikvision recorder (HTTP 404, page not found): "
                            "check the address and the brand, and that the port is the recorder’s "
                            "web port (usually 80), not its SDK port 8000 or 37777.", url);
  g_assert_cmpstr (dc_dvr_settings_window_get_test_result (dlg), ==, expect);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  close_all (dlg, win);
}

static DcConfig *
config_with (const char *dvr, const char *url, const char *dock, guint channel)
{
  DcConfig *config = dc_config_new ();
  DcDvrConfig cfg = { 0 };

  cfg.name = (char *) dvr;
  cfg.brand = DC_DVR_BRAND_HIKVISION;
  cfg.url = (char *) url;
  cfg.user = (char *) "admin";
  cfg.password = (char *) "secret";
  cfg.max_downloads = 1;
  cfg.download_by_time = -1;
  dc_config_set_dvr (config, &cfg);
  if (dock)
    dc_config_set_dock (config, dock, dvr, channel);
  return config;
}

/* Dock rows: a bare channel number until Test connection names the
 * cameras, then "3 · Dock camera 03"; stepping shows the next name. */
static void
test_channel_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DcTestSim) sim = dc_test_sim_start ("hikvision", NULL, &error);
  DcWindow *win;
  DcDvrSettingsWindow *dlg;

  g_assert_no_error (error);
  win = open_window (config_with ("north", dc_test_sim_get_url (sim), "A01", 3));
  dlg = dc_dvr_settings_window_new (win);
  gtk_window_present (GTK_WINDOW (dlg));
  g_assert_cmpstr (dc_dvr_settings_window_get_dock_channel_text (dlg, "A01"), ==, "3");

  dc_dvr_settings_window_edit (dlg, "north");
  press (dlg, "test");
  assert_prefix (dc_dvr_settings_window_get_test_result (dlg), "Connected");
  assert_contains (dc_dvr_settings_window_get_test_result (dlg), "\n3: Dock camera 03");
  g_assert_cmpstr (dc_dvr_settings_window_get_dock_channel_text (dlg, "A01"), ==, "3 · Dock camera 03");
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (dlg));
  screenshot (GTK_WIDGET (dlg), "channels.png");

  /* another dialog later: the names are still known */
  gtk_window_destroy (GTK_WINDOW (dlg));
  dlg = dc_dvr_settings_window_new (win);
  gtk_window_present (GTK_WINDOW (dlg));
  g_assert_cmpstr (dc_dvr_settings_window_get_dock_channel_text (dlg, "A01"), ==, "3 · Dock camera 03");
  close_all (dlg, win);
}

static char *
write_dock_map (const char *dir)
{
  char *path = g_build_filename (dir, "docks.csv", NULL);
  const char *text =
    "月台号,设备厂商,IP,通道序号,端口,用户名,密码\n"
    "A01,海康,127.0.0.1,1,80,admin,x\n"
    "A02,海康,127.0.0.1,2,80,admin,x\n"
    "S01,Sony,127.0.0.9,1,80,admin,x\n"
    "B01,大华,127.0.0.2,zero,80,admin,x\n";

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* The import result lists each row it could not use, and stays until
 * the operator dismisses it. */
static void
test_import_report (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = write_dock_map (dir);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_auto(GStrv) lines = NULL;
  DcWindow *win = open_window (dc_config_new ());
  DcDvrSettingsWindow *dlg = dc_dvr_settings_window_new (win);
  DcDockMapReport *report = dc_dvr_settings_window_get_import_report (dlg);
  DcConfig *config;

  gtk_window_present (GTK_WINDOW (dlg));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (report)));
  dc_dvr_settings_window_import_dock_map (dlg, file);
  lines = dc_dock_map_report_get_lines (report);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "Imported 2 docks from docks.csv: 2 rows could not be used; they are listed below.");
  g_assert_cmpstr (lines[1], ==, "Row 4 skipped: Brand “Sony” (dock S01) is not supported: Dockclip knows 大华/Dahua and 海康/Hikvision.");
  g_assert_cmpstr (lines[2], ==, "Row 5 skipped: Channel “zero” of dock B01 is not a number from 1 to 512.");
  /* the config has the good rows only */
  config = dc_window_get_config (win);
  g_assert_nonnull (dc_config_lookup_dock (config, "A02"));
  g_assert_null (dc_config_lookup_dock (config, "S01"));
  g_assert_null (dc_config_lookup_dock (config, "B01"));
  g_assert_null (dc_config_get_dvr (config, "127.0.0.9"));
  screenshot (GTK_WIDGET (dlg), "import.png");

  /* still there well after a toast would have gone */
  dc_test_pump (2000);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (report)));
  press_widget (dc_dock_map_report_get_dismiss_button (report));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (report)));
  g_strfreev (lines);
  lines = dc_dock_map_report_get_lines (report);
  g_assert_cmpuint (g_strv_length (lines), ==, 0);

  /* a file that cannot be used at all changes nothing and says why */
  g_assert_true (g_file_set_contents (path, "a,b\n1,2\n", -1, NULL));
  dc_dvr_settings_window_import_dock_map (dlg, file);
  g_strfreev (lines);
  lines = dc_dock_map_report_get_lines (report);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  assert_prefix (lines[0], "Nothing was imported: No header row found in ");
  g_assert_cmpuint (dc_config_get_docks (dc_window_get_config (win))->len, ==, 2);
  close_all (dlg, win);
  dc_test_rmdir (dir);
}

/* No keyring (DC_KEYRING=off, as on a server or a desktop without one):
 * the editor says before Save that the password goes to the private
 * file, and after Save where it went; the file is 0600. */
static void
test_password_place (void)
{
  g_autofree char *path = dc_app_settings_config_path ();
  g_autofree char *contents = NULL, *expect = NULL;
  DcWindow *win;
  DcDvrSettingsWindow *dlg;
  GStatBuf st;

  g_assert_cmpstr (g_getenv ("DC_KEYRING"), ==, "off");
  g_remove (path);
  win = open_window (NULL);
  dlg = dc_dvr_settings_window_new (win);
  gtk_window_present (GTK_WINDOW (dlg));
  dc_dvr_settings_window_edit (dlg, NULL);
  g_assert_true (dc_test_wait_until (place_known, dlg, 10000));
  assert_prefix (dc_dvr_settings_window_get_password_place (dlg),
                 "No desktop keyring is running. Passwords are saved in ");
  expect = g_strdup_printf ("%s, which only you can read.", path);   /* the private XDG dirs are not under ~ */
  assert_contains (dc_dvr_settings_window_get_password_place (dlg), expect);
  set_field (dlg, "name", "north");
  set_field (dlg, "url", "127.0.0.1");
  set_field (dlg, "password", "Zq9 secret");
  screenshot (GTK_WIDGET (dlg), "editor.png");
  press (dlg, "save");
  assert_prefix (dc_dvr_settings_window_get_save_note (dlg), "Recorder “north” saved; its password is in ");
  assert_contains (dc_dvr_settings_window_get_save_note (dlg), expect);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  assert_contains (contents, "password=Zq9 secret");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
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

  g_test_add_func ("/app/dvr-settings/name-error-clears", test_name_error_clears);
  g_test_add_func ("/app/dvr-settings/http-404-in-words", test_http_404_in_words);
  g_test_add_func ("/app/dvr-settings/channel-names", test_channel_names);
  g_test_add_func ("/app/dvr-settings/import-report", test_import_report);
  g_test_add_func ("/app/dvr-settings/password-place", test_password_place);
  status = g_test_run ();
  dc_test_rmdir (tmp);
  return status;
}
