/* dc-screenshots: drives the real main window through each state (empty,
 * demo loaded, by dock, downloading, one recorder paused, the quit
 * question, run finished, pictures, DVR settings,
 * preferences, splash) and saves a PNG of each.  Run by tools/screenshots
 * under Xvfb.  Usage: dc-screenshots OUTPUT-DIR */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "dc-application.h"
#include "dc-dvr-settings-window.h"
#include "dc-preferences-window.h"
#include "dc-splash-window.h"
#include "dc-window.h"
#include "dc-test-util.h"

static const char *out_dir;

static void
shoot (GtkWidget *window, const char *name)
{
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_strdup_printf ("%s/%s.png", out_dir, name);
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
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("cannot write %s", path);
  g_print ("%s (%dx%d)\n", path, w, h);
  g_object_unref (paintable);
}

static gboolean
imports_done (gpointer data)
{
  return dc_window_get_n_pending_imports (data) == 0 &&
         dc_esheet_view_get_n_esheets (dc_window_get_esheet_view (data)) > 0;
}

static gboolean
some_progress (gpointer data)
{
  guint done, failed, total;

  dc_downloader_panel_get_totals (dc_window_get_panel (data), &done, &failed, &total);
  return total > 0 && done >= 3;
}

static gboolean
run_finished (gpointer data)
{
  DcDownloaderPanel *panel = dc_window_get_panel (data);
  guint done, failed, total;

  dc_downloader_panel_get_totals (panel, &done, &failed, &total);
  return total > 0 && done + failed == total && !dc_downloader_panel_is_busy (panel);
}

static void
activate (GApplication *app, gpointer data)
{
  DcWindow *win;
  DcEsheetView *view;
  GtkWidget *dialog;
  GtkWidget *splash;

  splash = GTK_WIDGET (dc_splash_window_new (GTK_APPLICATION (app)));
  gtk_window_present (GTK_WINDOW (splash));
  shoot (splash, "splash");
  gtk_window_destroy (GTK_WINDOW (splash));

  win = dc_window_new (DC_APPLICATION (app));
  gtk_window_set_default_size (GTK_WINDOW (win), 1366, 768);
  gtk_window_present (GTK_WINDOW (win));
  shoot (GTK_WIDGET (win), "empty");

  dc_window_start_demo (win);
  if (!dc_test_wait_until (imports_done, win, 20000))
    g_error ("demo did not start: %s", dc_window_get_last_message (win));
  dc_test_pump (6500);   /* let the demo toast go */
  view = dc_window_get_esheet_view (win);
  shoot (GTK_WIDGET (win), "demo-loaded");

  dc_esheet_view_show_by_dock (view, TRUE);
  shoot (GTK_WIDGET (win), "by-dock");
  dc_esheet_view_show_by_dock (view, FALSE);

  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (view));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.download-all", NULL);
  /* one recorder paused at once (the demo is quick): its card says so,
   * nothing says done while the other downloads */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.pause-dvr", "s", "demo-hikvision");
  dc_test_wait_until (some_progress, win, 30000);
  shoot (GTK_WIDGET (win), "downloading");
  /* Quit mid-run asks first */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  dc_test_pump (500);
  if (dc_window_get_quit_dialog (win))
    {
      shoot (dc_window_get_quit_dialog (win), "quit-question");
      adw_message_dialog_response (ADW_MESSAGE_DIALOG (dc_window_get_quit_dialog (win)), "cancel");
    }
  gtk_widget_activate_action (GTK_WIDGET (win), "win.pause-dvr", "s", "demo-hikvision");
  dc_test_wait_until (run_finished, win, 120000);
  dc_test_pump (7000);
  shoot (GTK_WIDGET (win), "finished");

  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-pictures", NULL);
  dc_test_pump (2500);   /* thumbnails load in workers */
  shoot (GTK_WIDGET (win), "pictures");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-esheet", NULL);

  dialog = GTK_WIDGET (dc_dvr_settings_window_new (win));
  gtk_window_present (GTK_WINDOW (dialog));
  shoot (dialog, "dvr-settings");
  dc_dvr_settings_window_edit (DC_DVR_SETTINGS_WINDOW (dialog), "demo-hikvision");
  dc_dvr_settings_window_test_connection (DC_DVR_SETTINGS_WINDOW (dialog));
  dc_test_pump (1500);
  shoot (dialog, "dvr-editor");
  gtk_window_destroy (GTK_WINDOW (dialog));

  dialog = GTK_WIDGET (dc_preferences_window_new (DC_APPLICATION (app), GTK_WINDOW (win)));
  gtk_window_present (GTK_WINDOW (dialog));
  shoot (dialog, "preferences");
  gtk_window_destroy (GTK_WINDOW (dialog));

  dc_window_shutdown (win);
  gtk_window_destroy (GTK_WINDOW (win));
  /* the class handler would open the normal start-up windows */
  g_signal_stop_emission_by_name (app, "activate");
  g_application_quit (app);
}

int
main (int argc, char **argv)
{
  g_autoptr(DcApplication) app = NULL;

  if (argc < 2)
    {
      g_printerr ("usage: %s OUTPUT-DIR\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  g_mkdir_with_parents (out_dir, 0755);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dc_application_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = dc_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  return g_application_run (G_APPLICATION (app), 1, argv);
}
