/* The session's status as the window shows it, under Xvfb with real
 * widgets and a real application: a paused recorder says Paused and
 * nothing says done; Preferences opened and closed mid-run change nothing
 * in the panel; a recorder that goes away mid-run says so on its card;
 * mapping a dock updates the table; quitting mid-run asks, and the
 * restarted app offers the e-sheet, shows what is done and fetches only
 * the rest; 80 failures keep the layout and the Download missing button. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dc-application.h"
#include "dc-cell.h"
#include "dc-preferences-window.h"
#include "dc-window.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

#define N_WAYBILLS 12

typedef struct
{
  guint          n_mapped;       /* waybills at mapped docks (N_WAYBILLS) */
  DcApplication *app;
  DcWindow      *win;
  DcTestSim     *sim;
  char          *dir;
  char          *sheet;
} Fixture;

static gboolean
imports_done (gpointer data)
{
  return dc_window_get_n_pending_imports (data) == 0 &&
         dc_esheet_view_get_n_esheets (dc_window_get_esheet_view (data)) > 0;
}

static DcApplication *
new_app (void)
{
  DcApplication *app = dc_application_new ();
  g_autoptr(GError) error = NULL;
  static guint serial;
  g_autofree char *id = g_strdup_printf ("%s.Test%u", APPLICATION_ID, ++serial);

  /* one bus name per app: an app of an earlier test may still hold its own */
  g_application_set_application_id (G_APPLICATION (app), id);
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  return app;
}

static DcConfig *
make_config (Fixture *f, gboolean map_z09)
{
  DcConfig *config = dc_config_new ();
  DcDvrConfig cfg = { 0 };

  cfg.name = (char *) "north";
  cfg.brand = DC_DVR_BRAND_HIKVISION;
  cfg.url = (char *) (f->sim ? dc_test_sim_get_url (f->sim) : "http://127.0.0.1:9");
  cfg.user = (char *) "admin";
  cfg.password = (char *) "secret";
  cfg.max_downloads = 1;
  cfg.download_by_time = -1;
  dc_config_set_dvr (config, &cfg);
  dc_config_set_dock (config, "A01", "north", 1);
  dc_config_set_dock (config, "A02", "north", 2);
  if (map_z09)
    dc_config_set_dock (config, "Z09", "north", 3);
  return config;
}

/* @unmapped waybills at dock Z09 after the mapped ones. */
static void
write_sheet (Fixture *f, guint n_unmapped)
{
  g_autoptr(GString) csv = g_string_new ("运单号,月台,扫描时间\n");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  guint n = f->n_mapped ? f->n_mapped : N_WAYBILLS;

  for (guint k = 0; k < n + n_unmapped; k++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (now - 2400 + k * 60);
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
      g_string_append_printf (csv, "SF%010u,%s,%s\n", 100 + k,
                              k >= n ? "Z09" : k % 2 ? "A02" : "A01", ts);
    }
  f->sheet = g_build_filename (f->dir, "day.csv", NULL);
  g_assert_true (g_file_set_contents (f->sheet, csv->str, (gssize) csv->len, NULL));
}

static void
open_window (Fixture *f)
{
  f->win = dc_window_new (f->app);
  gtk_window_set_default_size (GTK_WINDOW (f->win), 1366, 768);
  gtk_window_present (GTK_WINDOW (f->win));
}

static void
open_sheet (Fixture *f)
{
  g_autoptr(GFile) file = g_file_new_for_path (f->sheet);

  dc_window_open_file (f->win, file);
  g_assert_true (dc_test_wait_until (imports_done, f->win, 10000));
  dc_test_pump (50);
}

static void
fixture_start (Fixture *f, gboolean with_sim, guint n_unmapped)
{
  g_autofree char *out = NULL;

  if (with_sim)
    {
      const char *args[] = { "--max-downloads", "1", NULL };
      g_autoptr(GError) error = NULL;

      f->sim = dc_test_sim_start ("hikvision", args, &error);
      g_assert_no_error (error);
    }
  f->dir = dc_test_mkdtemp ();
  out = g_build_filename (f->dir, "out", NULL);
  write_sheet (f, n_unmapped);
  f->app = new_app ();
  /* the session's settings are GSettings: the next app sees them too */
  g_object_set (dc_application_get_session (f->app), "output-dir", out, "mode", "picture", NULL);
  open_window (f);
  dc_window_set_config (f->win, make_config (f, FALSE), TRUE);
  open_sheet (f);
}

static void
close_app (Fixture *f)
{
  if (f->win)
    {
      dc_window_shutdown (f->win);
      gtk_window_destroy (GTK_WINDOW (f->win));
      f->win = NULL;
    }
  dc_test_pump (50);
  g_clear_object (&f->app);
}

static void
fixture_stop (Fixture *f)
{
  close_app (f);
  dc_test_sim_stop (f->sim);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->sheet);
  /* the next test starts with no e-sheet to reopen */
  {
    g_autoptr(GSettings) s = g_settings_new (APPLICATION_ID);
    g_settings_reset (s, "open-esheets");
  }
}

/* A label or table cell anywhere under @root whose text is @text. */
static GtkWidget *
find_text (GtkWidget *root, const char *text, gboolean prefix)
{
  const char *t = NULL;

  if (!gtk_widget_get_visible (root))
    return NULL;
  if (GTK_IS_LABEL (root))
    t = gtk_label_get_text (GTK_LABEL (root));
  else if (DC_IS_CELL (root))
    t = dc_cell_get_text (DC_CELL (root));
  /* prefix: "All " finds "All 12 downloads done." but not a filter "All " */
  if (t && (prefix ? g_str_has_prefix (t, text) && strstr (t, "done") : g_str_equal (t, text)))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_text (c, text, prefix);
      if (found)
        return found;
    }
  return NULL;
}

static const char *
card_text (Fixture *f)
{
  return dc_dvr_card_get_state_text (dc_downloader_panel_get_card (dc_window_get_panel (f->win), "north"));
}

static gboolean
north_paused (gpointer data)
{
  Fixture *f = data;
  DcRecorderStatus st;

  dc_session_get_recorder_status (dc_window_get_session (f->win), "north", &st);
  dc_test_pump (20);
  /* the engine marks the queued jobs paused too */
  return st.counts.n[DC_RUN_RUNNING] == 0 && st.counts.n[DC_RUN_QUEUED] == 0 && st.counts.n[DC_RUN_PAUSED] > 0 &&
         g_strcmp0 (card_text (f), "Paused") == 0;
}

static gboolean
run_over (gpointer data)
{
  Fixture *f = data;
  return !dc_session_is_busy (dc_window_get_session (f->win));
}

static gboolean
some_done (gpointer data)
{
  Fixture *f = data;
  DcRunCounts c;

  dc_session_get_run_counts (dc_window_get_session (f->win), &c);
  return c.n[DC_RUN_DONE] >= 2;
}

static void
test_pause_and_preferences (void)
{
  Fixture f = { 0 };
  DcDownloaderPanel *panel;
  g_autofree char *total = NULL, *title = NULL;
  guint rows;
  GtkWindow *prefs;

  fixture_start (&f, TRUE, 0);
  panel = dc_window_get_panel (f.win);
  gtk_widget_activate_action (GTK_WIDGET (f.win), "win.download-all", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f.win), "win.pause-dvr", "s", "north");
  g_assert_true (dc_test_wait_until (north_paused, &f, 20000));
  dc_test_pump (300);

  /* paused: the card says so and nothing says done */
  g_assert_cmpstr (card_text (&f), ==, "Paused");
  g_assert_null (find_text (GTK_WIDGET (f.win), "Done", FALSE));
  g_assert_null (find_text (GTK_WIDGET (f.win), "All ", TRUE));
  g_assert_true (dc_session_is_busy (dc_window_get_session (f.win)));

  /* Preferences opened and closed mid-run: the panel does not change */
  total = g_strdup (dc_downloader_panel_get_total_text (panel));
  title = g_strdup (dc_downloader_panel_get_result_title (panel));
  rows = g_list_model_get_n_items (dc_downloader_panel_get_jobs (panel));
  g_assert_cmpuint (rows, ==, N_WAYBILLS);
  prefs = GTK_WINDOW (dc_preferences_window_new (f.app, GTK_WINDOW (f.win)));
  gtk_window_present (prefs);
  dc_test_pump (200);
  gtk_window_close (prefs);
  dc_test_pump (300);
  g_assert_cmpstr (dc_downloader_panel_get_total_text (panel), ==, total);
  g_assert_cmpstr (dc_downloader_panel_get_result_title (panel), ==, title);
  g_assert_cmpuint (g_list_model_get_n_items (dc_downloader_panel_get_jobs (panel)), ==, rows);
  g_assert_cmpstr (card_text (&f), ==, "Paused");
  g_assert_true (dc_session_is_busy (dc_window_get_session (f.win)));

  /* resumed, the run ends done */
  gtk_widget_activate_action (GTK_WIDGET (f.win), "win.pause-dvr", "s", "north");
  g_assert_true (dc_test_wait_until (run_over, &f, 60000));
  dc_test_pump (300);
  g_assert_cmpstr (card_text (&f), ==, "Done");
  g_assert_cmpstr (dc_downloader_panel_get_result_title (panel), ==, "All 12 downloads done.");
  fixture_stop (&f);
}

static gboolean
card_says_retry (gpointer data)
{
  dc_test_pump (20);
  return g_str_has_prefix (card_text (data), "Waiting to retry:");
}

static void
test_recorder_goes_offline (void)
{
  Fixture f = { .n_mapped = 60 };

  fixture_start (&f, TRUE, 0);
  gtk_widget_activate_action (GTK_WIDGET (f.win), "win.download-all", NULL);
  g_assert_true (dc_test_wait_until (some_done, &f, 30000));
  /* mid-run: the recorder is not done */
  g_assert_true (dc_session_is_busy (dc_window_get_session (f.win)));
  g_assert_cmpstr (card_text (&f), !=, "Done");
  dc_test_sim_stop (g_steal_pointer (&f.sim));
  /* the card says what is wrong, in words, not "Downloading…" */
  g_assert_true (dc_test_wait_until (card_says_retry, &f, 30000));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (find_text (GTK_WIDGET (f.win), card_text (&f), FALSE)),
                                           "error"));
  /* finished jobs say Done; the recorder and the run do not */
  g_assert_null (find_text (GTK_WIDGET (f.win), "All ", TRUE));
  g_assert_true (dc_session_is_busy (dc_window_get_session (f.win)));
  fixture_stop (&f);
}

static void
test_map_dock_updates_table (void)
{
  Fixture f = { 0 };

  fixture_start (&f, FALSE, 3);
  g_assert_nonnull (find_text (GTK_WIDGET (f.win), "Dock not mapped", FALSE));
  /* what the DVR settings window does when a dock is mapped */
  dc_window_set_config (f.win, make_config (&f, TRUE), TRUE);
  dc_test_pump (200);
  g_assert_null (find_text (GTK_WIDGET (f.win), "Dock not mapped", FALSE));
  g_assert_nonnull (find_text (GTK_WIDGET (f.win), "Not started", FALSE));
  fixture_stop (&f);
}

static gboolean
quit_dialog_shown (gpointer data)
{
  Fixture *f = data;
  return dc_window_get_quit_dialog (f->win) != NULL;
}

static void
test_quit_and_restart (void)
{
  Fixture f = { .n_mapped = 40 };
  DcRunCounts c;
  guint n_done, n_rest;
  DcDownloaderPanel *panel;
  g_autofree char *status = NULL;

  fixture_start (&f, TRUE, 0);
  gtk_widget_activate_action (GTK_WIDGET (f.win), "win.download-all", NULL);
  g_assert_true (dc_test_wait_until (some_done, &f, 30000));

  /* Ctrl+Q mid-run asks first, like closing the window */
  g_action_group_activate_action (G_ACTION_GROUP (f.app), "quit", NULL);
  g_assert_true (dc_test_wait_until (quit_dialog_shown, &f, 5000));
  g_assert_true (dc_session_is_busy (dc_window_get_session (f.win)));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dc_window_get_quit_dialog (f.win)), "stop");
  dc_test_pump (100);
  dc_session_get_run_counts (dc_application_get_session (f.app), &c);
  n_done = c.n[DC_RUN_DONE];
  g_assert_cmpuint (n_done, >=, 2);
  g_assert_cmpuint (n_done, <, f.n_mapped);
  close_app (&f);
  /* the truth is the folder: a transfer may have landed as it stopped */
  {
    g_autofree char *folder = g_build_filename (f.dir, "out", "day", NULL);
    g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
    const char *name;
    guint n_files = 0;

    while (dir && (name = g_dir_read_name (dir)) != NULL)
      n_files += g_str_has_suffix (name, ".jpg");
    g_assert_cmpuint (n_files, >=, n_done);
    n_rest = f.n_mapped - n_files;
  }

  /* restart: the e-sheet comes back with what is on disk */
  f.app = new_app ();
  open_window (&f);
  g_assert_true (dc_test_wait_until (imports_done, f.win, 10000));
  dc_test_pump (300);
  panel = dc_window_get_panel (f.win);
  status = dc_esheet_view_dup_status (dc_window_get_esheet_view (f.win), "SF0000000100");
  g_assert_cmpstr (status, ==, "Done (already there)");
  g_assert_true (gtk_widget_get_visible (dc_downloader_panel_get_missing_button (panel)));
  g_assert_nonnull (strstr (dc_downloader_panel_get_result_title (panel), "earlier session"));

  /* Download missing fetches only the rest */
  gtk_widget_activate_action (GTK_WIDGET (panel), "dl.retry-failed", NULL);
  dc_session_get_run_counts (dc_window_get_session (f.win), &c);
  g_assert_cmpuint (c.total, ==, n_rest);
  g_assert_true (dc_test_wait_until (run_over, &f, 60000));
  dc_test_pump (300);
  dc_session_get_run_counts (dc_window_get_session (f.win), &c);
  g_assert_cmpuint (c.n[DC_RUN_DONE], ==, n_rest);
  {
    g_autofree char *want = n_rest == 1 ? g_strdup ("All 1 download done.")
                                        : g_strdup_printf ("All %u downloads done.", n_rest);
    g_assert_cmpstr (dc_downloader_panel_get_result_title (panel), ==, want);
  }
  fixture_stop (&f);
}

/* 80 waybills whose docks name 80 recorders nobody set up: 80 causes. */
static void
test_many_failures_layout (void)
{
  Fixture f = { 0 };
  DcConfig *config;
  DcDownloaderPanel *panel;
  GtkWidget *button;
  graphene_rect_t bounds;
  g_autoptr(GString) csv = g_string_new ("运单号,月台,扫描时间\n");
  g_autoptr(GFile) file = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  int height;

  fixture_start (&f, FALSE, 0);
  config = make_config (&f, FALSE);
  for (guint k = 0; k < 80; k++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (now - 2400 + k * 10);
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
      g_autofree char *dock = g_strdup_printf ("G%02u", k);
      g_autofree char *ghost = g_strdup_printf ("ghost-%02u", k);

      g_string_append_printf (csv, "JD%010u,%s,%s\n", 500 + k, dock, ts);
      dc_config_set_dock (config, dock, ghost, 1);
    }
  dc_window_set_config (f.win, config, FALSE);
  g_assert_true (g_file_set_contents (f.sheet, csv->str, (gssize) csv->len, NULL));
  file = g_file_new_for_path (f.sheet);
  dc_window_open_file (f.win, file);
  dc_test_pump (500);
  g_assert_cmpuint (dc_window_download (f.win, NULL), ==, 80);
  dc_test_pump (500);

  panel = dc_window_get_panel (f.win);
  g_assert_cmpstr (dc_downloader_panel_get_result_title (panel), ==, "80 of 80 downloads missing:");
  {
    g_auto(GStrv) lines = g_strsplit (dc_downloader_panel_get_result_reasons (panel), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 80);
  }
  button = dc_downloader_panel_get_missing_button (panel);
  height = gtk_widget_get_height (GTK_WIDGET (f.win));
  g_assert_cmpint (height, <=, 768);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_compute_bounds (button, GTK_WIDGET (f.win), &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, height);
  g_assert_cmpint (gtk_widget_get_height (button), >, 0);
  fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = dc_test_private_xdg_dirs ();
  int status;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  g_test_add_func ("/session-gui/pause-and-preferences", test_pause_and_preferences);
  g_test_add_func ("/session-gui/recorder-goes-offline", test_recorder_goes_offline);
  g_test_add_func ("/session-gui/map-dock-updates-table", test_map_dock_updates_table);
  g_test_add_func ("/session-gui/quit-and-restart", test_quit_and_restart);
  g_test_add_func ("/session-gui/many-failures-layout", test_many_failures_layout);
  status = g_test_run ();
  dc_test_rmdir (tmp);
  return status;
}
