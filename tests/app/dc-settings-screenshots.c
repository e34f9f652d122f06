/* Not a test: screenshots of the DVR settings (the recorder editor after
 * Test connection, with where the password goes; the dock map import
 * result; dock rows with camera names) for looking at them in each
 * language.  tools/settings-screenshots runs it under Xvfb.
 * Usage: dc-settings-screenshots OUTPUT-DIR  (LANGUAGE and DC_LOCALEDIR
 * choose the translation). */
#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "dc-application.h"
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
shoot (GtkWidget *window, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w, h;

  dc_test_pump (800);
  w = gtk_widget_get_width (window);
  h = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("cannot write %s", path);
  g_print ("%s\n", path);
  g_object_unref (paintable);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = NULL;
  g_autofree char *map = NULL;
  g_autoptr(GFile) map_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcTestSim) sim = NULL;
  const char *lang = g_getenv ("LANGUAGE");
  g_autofree char *want_lang = g_strdup (lang);
  DcConfig *config;
  DcDvrConfig cfg = { 0 };
  DcWindow *win;
  DcDvrSettingsWindow *dlg;

  if (argc < 2)
    {
      g_printerr ("usage: %s OUTPUT-DIR\n", argv[0]);
      return 2;
    }
  g_mkdir_with_parents (argv[1], 0755);
  tmp = dc_test_private_xdg_dirs ();   /* sets LANGUAGE=C: put the wanted one back */
  if (want_lang)
    g_setenv ("LANGUAGE", want_lang, TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("DC_LOCALEDIR") ? g_getenv ("DC_LOCALEDIR")
                                                             : dc_application_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (!gtk_init_check ())
    return 77;
  adw_init ();

  sim = dc_test_sim_start ("hikvision", NULL, &error);
  if (sim == NULL)
    g_error ("%s", error->message);
  config = dc_config_new ();
  cfg.name = (char *) "north";
  cfg.brand = DC_DVR_BRAND_HIKVISION;
  cfg.url = (char *) dc_test_sim_get_url (sim);
  cfg.user = (char *) "admin";
  cfg.password = (char *) "secret";
  cfg.max_downloads = 1;
  cfg.download_by_time = -1;
  dc_config_set_dvr (config, &cfg);
  dc_config_set_dock (config, "A01", "north", 3);
  dc_config_set_dock (config, "A02", "north", 4);
  win = dc_window_new (NULL);
  gtk_window_present (GTK_WINDOW (win));
  dc_window_set_config (win, config, FALSE);

  dlg = dc_dvr_settings_window_new (win);
  gtk_window_set_default_size (GTK_WINDOW (dlg), 640, 760);
  gtk_window_present (GTK_WINDOW (dlg));

  /* the editor: Test connection done, where the password goes said */
  dc_dvr_settings_window_edit (dlg, "north");
  dc_dvr_settings_window_test_connection (dlg);
  dc_test_wait_until (not_testing, dlg, 30000);
  dc_test_wait_until (place_known, dlg, 10000);
  shoot (GTK_WIDGET (dlg), argv[1], "settings-editor.png");

  /* a name that is not allowed: the red line */
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "name"), "[north]");
  gtk_widget_activate (dc_dvr_settings_window_get_button (dlg, "save"));
  dc_test_pump (600);
  shoot (GTK_WIDGET (dlg), argv[1], "settings-editor-error.png");
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (dlg));

  /* a dock map with two rows that cannot be used */
  map = g_build_filename (tmp, "docks.csv", NULL);
  g_file_set_contents (map,
                       "月台号,设备厂商,IP,通道序号,端口,用户名,密码\n"
                       "C01,海康,127.0.0.1,1,80,admin,x\n"
                       "C02,海康,127.0.0.1,2,8000,admin,x\n"
                       "S01,Sony,127.0.0.9,1,80,admin,x\n"
                       "D01,大华,127.0.0.2,zero,80,admin,x\n", -1, NULL);
  map_file = g_file_new_for_path (map);
  dc_dvr_settings_window_import_dock_map (dlg, map_file);
  shoot (GTK_WIDGET (dlg), argv[1], "settings-import.png");

  gtk_window_destroy (GTK_WINDOW (dlg));
  dc_window_shutdown (win);
  gtk_window_destroy (GTK_WINDOW (win));
  dc_test_pump (100);
  dc_test_rmdir (tmp);
  return 0;
}
