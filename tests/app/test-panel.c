/* The downloader panel under load, with real widgets under Xvfb: engine
 * events are applied a few milliseconds' worth per main-loop iteration
 * and progress reports merged, new jobs join the list a few dozen rows per
 * iteration, and the counts are kept as the events are applied.  These tests check that what the panel says (totals, busy,
 * per-recorder cards, e-sheet status) always agrees with its jobs, that
 * the run ends once, after the last job event, and that stopping mid-run
 * adds up. */
#include "config.h"

#include <adwaita.h>

#include "dc-app-settings.h"
#include "dc-window.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

typedef struct
{
  DcWindow  *win;
  DcTestSim *sims[2];
  char      *dir;
  guint      n_finished;     /* "run-finished" emissions */
  gboolean   final_at_finish;/* every job final when it came */
  guint      n_mismatch;     /* iterations where the counts disagreed */
  guint      n_checks;
  guint      n_staged;       /* iterations where new rows were still joining the list */
} Fixture;

static const char *const dvr_names[] = { "north", "south" };

static void
fixture_start (Fixture *f, guint n_waybills)
{
  const char *args[] = { "--max-downloads", "8", "--channels", "4", NULL };
  const char *brands[] = { "hikvision", "dahua" };
  g_autoptr(GError) error = NULL;
  DcConfig *config = dc_config_new ();
  g_autoptr(GString) csv = g_string_new ("运单号,月台,扫描时间\n");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < 2; i++)
    {
      DcDvrConfig cfg = { 0 };

      f->sims[i] = dc_test_sim_start (brands[i], args, &error);
      g_assert_no_error (error);
      cfg.name = (char *) dvr_names[i];
      dc_dvr_brand_from_string (brands[i], &cfg.brand);
      cfg.url = (char *) dc_test_sim_get_url (f->sims[i]);
      cfg.user = (char *) "admin";
      cfg.password = (char *) "secret";
      cfg.max_downloads = 8;
      cfg.download_by_time = -1;
      dc_config_set_dvr (config, &cfg);
      for (guint c = 0; c < 4; c++)
        {
          g_autofree char *dock = g_strdup_printf ("D%u%u", i, c);
          dc_config_set_dock (config, dock, dvr_names[i], c + 1);
        }
    }
  /* scans between 40 and 20 minutes ago over the eight docks */
  for (guint k = 0; k < n_waybills; k++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (now - 2400 + k * 1200 / n_waybills);
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
      g_string_append_printf (csv, "SF%010u,D%u%u,%s\n", 7000 + k, k % 2, (k / 2) % 4, ts);
    }
  f->dir = dc_test_mkdtemp ();
  path = g_build_filename (f->dir, "run.csv", NULL);
  g_assert_true (g_file_set_contents (path, csv->str, (gssize) csv->len, NULL));

  f->win = dc_window_new (NULL);
  gtk_window_present (GTK_WINDOW (f->win));
  {
    DcAppSettings *settings = dc_window_get_settings (f->win);
    g_free (settings->output_dir);
    settings->output_dir = g_build_filename (f->dir, "out", NULL);
    dc_window_settings_changed (f->win);
  }
  dc_window_set_config (f->win, config, FALSE);
  file = g_file_new_for_path (path);
  dc_window_open_file (f->win, file);
}

static void
fixture_stop (Fixture *f)
{
  dc_window_shutdown (f->win);
  gtk_window_destroy (GTK_WINDOW (f->win));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < 2; i++)
    dc_test_sim_stop (f->sims[i]);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
}

static gboolean
imports_done (gpointer data)
{
  return dc_window_get_n_pending_imports (data) == 0 &&
         dc_esheet_view_get_n_esheets (dc_window_get_esheet_view (data)) > 0;
}

/* The totals recounted from the jobs themselves. */
static void
recount (DcDownloaderPanel *panel, guint *done, guint *failed, guint *total, guint *final)
{
  GListModel *jobs = dc_downloader_panel_get_jobs (panel);

  *done = *failed = *final = 0;
  *total = g_list_model_get_n_items (jobs);
  for (guint i = 0; i < *total; i++)
    {
      g_autoptr(DcJobItem) job = g_list_model_get_item (jobs, i);
      DcJobState st = dc_job_item_get_state (job);

      *done += st == DC_JOB_DONE;
      *failed += st == DC_JOB_FAILED || st == DC_JOB_CANCELLED;
      *final += dc_job_state_is_final (st);
    }
}

static void
check_counts (Fixture *f)
{
  DcDownloaderPanel *panel = dc_window_get_panel (f->win);
  guint done, failed, total, d, fl, t, final;

  dc_downloader_panel_get_totals (panel, &done, &failed, &total);
  recount (panel, &d, &fl, &t, &final);
  f->n_checks++;
  if (t < total)
    {
      /* a big batch joins the list a few dozen rows per iteration */
      f->n_staged++;
      return;
    }
  if (done != d || failed != fl || total != t ||
      dc_downloader_panel_is_busy (panel) != (final < t))
    {
      g_printerr ("counts: panel %u/%u/%u, jobs %u/%u/%u (final %u)\n", done, failed, total, d, fl, t, final);
      f->n_mismatch++;
    }
}

static void
on_run_finished (DcSession *session, Fixture *f)
{
  DcDownloaderPanel *panel = dc_window_get_panel (f->win);
  guint d, fl, t, final;

  recount (panel, &d, &fl, &t, &final);
  f->n_finished++;
  f->final_at_finish = final == t;
}

/* Iterates until the run is over, checking the counts every iteration. */
static gboolean
run_until_finished (Fixture *f, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (f->n_finished == 0)
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
      check_counts (f);
    }
  /* a little longer: nothing more may come */
  for (int i = 0; i < 100; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static guint want_listed;

/* The job list shows at least want_listed rows. */
static gboolean
jobs_listed (gpointer panel)
{
  return g_list_model_get_n_items (dc_downloader_panel_get_jobs (panel)) >= want_listed;
}

static void
test_many_jobs_counts (void)
{
  Fixture f = { 0 };
  DcDownloaderPanel *panel;
  DcEsheetView *view;
  guint done, failed, total;

  fixture_start (&f, 48);
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (!imports_done (f.win) && g_get_monotonic_time () < end)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    g_assert_true (imports_done (f.win));
  }
  panel = dc_window_get_panel (f.win);
  view = dc_window_get_esheet_view (f.win);
  g_signal_connect (dc_window_get_session (f.win), "run-finished", G_CALLBACK (on_run_finished), &f);
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (view));
  dc_downloader_panel_set_mode (panel, DC_OUTPUT_PICTURE);
  g_assert_cmpuint (dc_window_download (f.win, NULL), ==, 48);
  /* queued: counted at once, busy */
  dc_downloader_panel_get_totals (panel, &done, &failed, &total);
  g_assert_cmpuint (total, ==, 48);
  g_assert_cmpuint (done + failed, ==, 0);
  g_assert_true (dc_downloader_panel_is_busy (panel));
  /* rows join the list a few per frame, within a few frames */
  want_listed = 1;
  /* a loaded machine (or ASan) may take seconds for the first frames */
  g_assert_true (dc_test_wait_until (jobs_listed, panel, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (dc_downloader_panel_get_jobs (panel)), <, 48);

  g_assert_true (run_until_finished (&f, 180000));
  g_assert_cmpuint (f.n_mismatch, ==, 0);
  g_assert_cmpuint (f.n_checks, >, 10);
  g_test_message ("%u of %u checks while rows were still joining the list", f.n_staged, f.n_checks);
  want_listed = 48;
  g_assert_true (dc_test_wait_until (jobs_listed, panel, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (dc_downloader_panel_get_jobs (panel)), ==, 48);
  g_assert_cmpuint (f.n_finished, ==, 1);
  g_assert_true (f.final_at_finish);
  dc_downloader_panel_get_totals (panel, &done, &failed, &total);
  g_assert_cmpuint (done, ==, 48);
  g_assert_cmpuint (failed, ==, 0);
  g_assert_false (dc_downloader_panel_is_busy (panel));
  /* every job: "Done", progress full, in the e-sheet's status column too */
  for (guint i = 0; i < total; i++)
    {
      g_autoptr(DcJobItem) job = g_list_model_get_item (dc_downloader_panel_get_jobs (panel), i);
      g_autofree char *status = dc_esheet_view_dup_status (view, dc_job_item_get_request (job)->waybill);

      g_assert_cmpint (dc_job_item_get_state (job), ==, DC_JOB_DONE);
      g_assert_cmpfloat (dc_job_item_get_fraction (job), ==, 1.0);
      g_assert_cmpstr (status, ==, "Done");
    }
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (dc_dvr_card_get_state_text (dc_downloader_panel_get_card (panel, dvr_names[i])),
                     ==, "Done");
  fixture_stop (&f);
}

static gboolean
some_done (gpointer data)
{
  guint done;

  dc_downloader_panel_get_totals (dc_window_get_panel (data), &done, NULL, NULL);
  return done >= 4;
}

/* Stop all in the middle: every job ends done or stopped, the counts add
 * up, the run ends once. */
static GtkWidget *
find_label (GtkWidget *root, const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_stop_all_counts (void)
{
  Fixture f = { 0 };
  DcDownloaderPanel *panel;
  DcEsheetView *view;
  guint done, failed, total;
  gint64 end;

  fixture_start (&f, 64);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!imports_done (f.win) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  panel = dc_window_get_panel (f.win);
  view = dc_window_get_esheet_view (f.win);
  g_signal_connect (dc_window_get_session (f.win), "run-finished", G_CALLBACK (on_run_finished), &f);
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (view));
  dc_downloader_panel_set_mode (panel, DC_OUTPUT_BOTH);
  g_assert_cmpuint (dc_window_download (f.win, NULL), ==, 64);
  end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!some_done (f.win) && g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
      check_counts (&f);
    }
  g_assert_true (some_done (f.win));
  gtk_widget_activate_action (GTK_WIDGET (f.win), "win.stop-all", NULL);
  g_assert_true (run_until_finished (&f, 60000));
  g_assert_cmpuint (f.n_mismatch, ==, 0);
  g_assert_cmpuint (f.n_finished, ==, 1);
  g_assert_true (f.final_at_finish);
  dc_downloader_panel_get_totals (panel, &done, &failed, &total);
  g_assert_cmpuint (total, ==, 64);
  /* rows still joining (a few per frame) all get there */
  want_listed = 64;
  g_assert_true (dc_test_wait_until (jobs_listed, panel, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (dc_downloader_panel_get_jobs (panel)), ==, 64);
  g_assert_cmpuint (done + failed, ==, 64);
  g_assert_cmpuint (done, >=, 4);
  g_assert_cmpuint (failed, >, 0);
  g_assert_false (dc_downloader_panel_is_busy (panel));
  {
    /* the run's summary names as many missing as the totals count */
    g_autofree char *want = g_strdup_printf ("%u of 64 downloads missing:", failed);
    g_assert_nonnull (find_label (GTK_WIDGET (panel), want));
  }
  fixture_stop (&f);
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

  g_test_add_func ("/app/panel/many-jobs-counts", test_many_jobs_counts);
  g_test_add_func ("/app/panel/stop-all-counts", test_stop_all_counts);
  status = g_test_run ();
  dc_test_rmdir (tmp);
  return status;
}
