/* bench-app: the GUI at scale, on the real widgets under Xvfb.
 *
 * 1. A 1,000,000-row e-sheet in the table: time to show it, to filter, to
 *    sort, to build the by-dock view, to select all (--rows N to change).
 * 2. 64 transfers at once (4 simulated recorders x 16) while the window
 *    shows progress: the longest main-loop stall, measured by a 2 ms
 *    timer that records the gap between its runs.
 *
 * Usage: bench-app [--quick] [--rows N]   (needs a display and $DC_DVR_SIM)
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dc-window.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* CPU time of the calling thread (the main loop's), when the system can
 * tell: separates "the main loop was busy" from "the machine was busy". */
static gint64
thread_cpu_us (void)
{
#ifdef CLOCK_THREAD_CPUTIME_ID
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
    return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
#endif
  return 0;
}

/* CPU time of this process: the machine may be shared, wall time is not
 * the whole story. */
static double
cpu_ms (void)
{
  return (double) clock () * 1000.0 / CLOCKS_PER_SEC;
}

static void
pump (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* Iterates until nothing is pending: the frame after a change is drawn. */
static double
settle (void)
{
  gint64 t0 = g_get_monotonic_time ();

  for (int idle = 0; idle < 3;)
    idle = g_main_context_iteration (NULL, FALSE) ? 0 : idle + 1;
  return ms_since (t0);
}

static GBytes *
make_csv (guint rows, guint n_docks, gint64 base_s, double step_s)
{
  GString *s = g_string_sized_new ((gsize) rows * 40);

  g_string_append (s, "运单号,月台,扫描时间\n");
  for (guint i = 0; i < rows; i++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (base_s + (gint64) (i * step_s));
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
      g_string_append_printf (s, "SF%010u,D%02u,%s\n", 1000000u + i, i % n_docks + 1, ts);
    }
  return g_string_free_to_bytes (s);
}

static void
bench_table (DcWindow *win, guint rows)
{
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = dc_esheet_new ();
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;
  GtkColumnView *cv = dc_esheet_view_get_order_view (view);
  g_autoptr(GtkColumnViewColumn) time_col = g_list_model_get_item (gtk_column_view_get_columns (cv), 2);
  gint64 t0;
  double t_show, t_frame;

  csv = make_csv (rows, 40, g_get_real_time () / G_USEC_PER_SEC - 86400, 0.05);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  t0 = g_get_monotonic_time ();
  if (!dc_esheet_import_bytes (esheet, "bench.csv", csv, &options, &error))
    g_error ("import: %s", error->message);
  printf ("rows                     %u\n", rows);
  printf ("import (core)            %8.1f ms\n", ms_since (t0));

  {
    g_autoptr(DcWaybillModel) model = dc_waybill_model_new ();
    g_autoptr(DcDockModel) docks = dc_dock_model_new ();
    double c0 = cpu_ms ();

    dc_waybill_model_set_esheet (model, esheet);
    printf ("model alone: index       %8.1f ms cpu\n", cpu_ms () - c0);
    c0 = cpu_ms ();
    dc_waybill_model_set_filter (model, "SF00010");
    printf ("model alone: filter      %8.1f ms cpu -> %u\n", cpu_ms () - c0,
            g_list_model_get_n_items (G_LIST_MODEL (model)));
    c0 = cpu_ms ();
    dc_waybill_model_set_filter (model, "");
    dc_waybill_model_set_sort (model, DC_WAYBILL_SORT_TIME, TRUE);
    printf ("model alone: sort time   %8.1f ms cpu\n", cpu_ms () - c0);
    c0 = cpu_ms ();
    dc_waybill_model_set_sort (model, DC_WAYBILL_SORT_WAYBILL, FALSE);
    printf ("model alone: sort number %8.1f ms cpu\n", cpu_ms () - c0);
    c0 = cpu_ms ();
    dc_dock_model_set_esheet (docks, esheet, NULL);
    printf ("model alone: by dock     %8.1f ms cpu\n", cpu_ms () - c0);
  }

  t0 = g_get_monotonic_time ();
  dc_esheet_view_add_esheet (view, esheet);
  dc_esheet_view_flush_counts (view);
  t_show = ms_since (t0);
  t_frame = settle ();
  printf ("show in table            %8.1f ms (+ %.1f ms to the drawn frame)\n", t_show, t_frame);

  t0 = g_get_monotonic_time ();
  dc_esheet_view_set_search (view, "SF00010");
  dc_esheet_view_flush_counts (view);
  printf ("filter \"SF00010\"         %8.1f ms -> %u rows\n", ms_since (t0),
          g_list_model_get_n_items (G_LIST_MODEL (dc_esheet_view_get_order_selection (view))));
  settle ();
  t0 = g_get_monotonic_time ();
  dc_esheet_view_set_search (view, "");
  dc_esheet_view_flush_counts (view);
  printf ("clear filter             %8.1f ms\n", ms_since (t0));
  settle ();

  t0 = g_get_monotonic_time ();
  gtk_column_view_sort_by_column (cv, time_col, GTK_SORT_DESCENDING);
  printf ("sort by scan time (desc) %8.1f ms\n", ms_since (t0));
  settle ();

  t0 = g_get_monotonic_time ();
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (view));
  printf ("select all               %8.1f ms\n", ms_since (t0));
  settle ();

  t0 = g_get_monotonic_time ();
  dc_esheet_view_show_by_dock (view, TRUE);
  dc_esheet_view_refresh (view);
  dc_esheet_view_flush_counts (view);
  printf ("by-dock view (40 docks)  %8.1f ms\n", ms_since (t0));
  printf ("drawn                    %8.1f ms\n", settle ());
  dc_esheet_view_show_by_dock (view, FALSE);
}

typedef struct
{
  gint64  last;
  gint64  max_gap;
  gint64  max_gap_at;
  gint64  max_gap_cpu;    /* main-thread CPU used during the longest gap */
  gint64  last_cpu;
  gint64  max_busy;       /* longest main-thread CPU between two ticks */
  gint64  start;
  GArray *gaps;
  guint   peak_active;
  DcDownloaderPanel *panel;
} Probe;

static gboolean
probe_tick (gpointer data)
{
  Probe *p = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  GListModel *jobs = dc_downloader_panel_get_jobs (p->panel);
  guint active = 0;

  if (p->last)
    {
      gint64 gap = now - p->last;
      if (gap > p->max_gap)
        p->max_gap = gap, p->max_gap_at = now - p->start, p->max_gap_cpu = cpu - p->last_cpu;
      p->max_busy = MAX (p->max_busy, cpu - p->last_cpu);
      g_array_append_val (p->gaps, gap);
    }
  p->last = now;
  p->last_cpu = cpu;
  /* every 50th tick: how many transfers run right now */
  if (p->gaps->len % 50 == 0)
    {
      for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
        {
          g_autoptr(DcJobItem) job = g_list_model_get_item (jobs, i);
          DcJobState st = dc_job_item_get_state (job);
          active += st == DC_JOB_DOWNLOADING || st == DC_JOB_SEARCHING || st == DC_JOB_PROCESSING ||
                    st == DC_JOB_CONNECTING;
        }
      p->peak_active = MAX (p->peak_active, active);
    }
  return G_SOURCE_CONTINUE;
}

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
bench_transfers (DcWindow *win, guint jobs)
{
  const char *brands[] = { "hikvision", "dahua", "hikvision", "dahua" };
  const char *args[] = { "--max-downloads", "16", "--channels", "4", NULL };
  DcTestSim *sims[4] = { NULL };
  DcConfig *config = dc_config_new ();
  g_autoptr(DcEsheet) esheet = dc_esheet_new ();
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;
  DcEsheetView *view = dc_window_get_esheet_view (win);
  DcDownloaderPanel *panel = dc_window_get_panel (win);
  Probe probe = { 0 };
  guint tick, done = 0, failed = 0, total = 0;
  gint64 t0;
  g_autofree char *out_dir = NULL;
  double c0;

  for (guint i = 0; i < 4; i++)
    {
      DcDvrConfig cfg = { 0 };
      g_autofree char *name = g_strdup_printf ("dvr%u", i + 1);

      sims[i] = dc_test_sim_start (brands[i], args, &error);
      if (sims[i] == NULL)
        g_error ("simulator: %s", error->message);
      cfg.name = name;
      dc_dvr_brand_from_string (brands[i], &cfg.brand);
      cfg.url = (char *) dc_test_sim_get_url (sims[i]);
      cfg.user = (char *) "admin";
      cfg.password = (char *) "secret";
      cfg.max_downloads = 16;
      cfg.download_by_time = -1;
      dc_config_set_dvr (config, &cfg);
      for (guint c = 0; c < 4; c++)
        {
          g_autofree char *dock = g_strdup_printf ("D%02u", i * 4 + c + 1);
          dc_config_set_dock (config, dock, name, c + 1);
        }
    }
  dc_window_set_config (win, config, FALSE);
  {
    /* a fresh output folder: files already there would be skipped */
    DcAppSettings *settings = dc_window_get_settings (win);
    g_free (settings->output_dir);
    settings->output_dir = g_dir_make_tmp ("dc-bench-app-XXXXXX", NULL);
    out_dir = g_strdup (settings->output_dir);
    dc_window_settings_changed (win);
  }

  /* scans between 60 and 20 minutes ago, spread over the 16 docks */
  csv = make_csv (jobs, 16, g_get_real_time () / G_USEC_PER_SEC - 3600, 2400.0 / jobs);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  if (!dc_esheet_import_bytes (esheet, "transfers.csv", csv, &options, &error))
    g_error ("import: %s", error->message);
  dc_esheet_view_add_esheet (view, esheet);
  settle ();
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (view));
  dc_downloader_panel_set_mode (panel, DC_OUTPUT_BOTH);

  probe.gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.panel = panel;
  tick = g_timeout_add_full (G_PRIORITY_HIGH, 2, probe_tick, &probe, NULL);
  t0 = g_get_monotonic_time ();
  probe.start = t0;
  c0 = cpu_ms ();
  if (dc_window_download (win, NULL) == 0)
    g_error ("nothing queued: %s", dc_window_get_last_message (win));
  while (ms_since (t0) < 300000)
    {
      g_main_context_iteration (NULL, TRUE);
      dc_downloader_panel_get_totals (panel, &done, &failed, &total);
      if (total > 0 && done + failed == total && !dc_downloader_panel_is_busy (panel))
        break;
    }
  g_source_remove (tick);
  g_array_sort (probe.gaps, cmp_i64);
  printf ("transfers                %u jobs (picture + clip), %u done, %u failed, %.1f s\n",
          total, done, failed, ms_since (t0) / 1000.0);
  printf ("peak running at once     %u\n", probe.peak_active);
  if (probe.gaps->len > 0)
    {
      gint64 p99 = g_array_index (probe.gaps, gint64, probe.gaps->len * 99 / 100);
      gint64 p50 = g_array_index (probe.gaps, gint64, probe.gaps->len / 2);
      printf ("main loop, 2 ms timer    longest gap %.1f ms (at %.1f s), p99 %.1f ms, median %.1f ms "
              "over %u ticks; cpu %.0f ms\n",
              probe.max_gap / 1000.0, probe.max_gap_at / 1e6, p99 / 1000.0, p50 / 1000.0,
              probe.gaps->len, cpu_ms () - c0);
      printf ("main thread busy         longest %.1f ms of CPU between two ticks; during the "
              "longest gap it ran %.1f ms (the rest: waiting for a CPU)\n",
              probe.max_busy / 1000.0, probe.max_gap_cpu / 1000.0);
    }
  g_array_unref (probe.gaps);
  dc_window_shutdown (win);
  for (guint i = 0; i < 4; i++)
    dc_test_sim_stop (sims[i]);
  dc_test_rmdir (out_dir);
}

int
main (int argc, char **argv)
{
  guint rows = 1000000, jobs = 256;
  DcWindow *win;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--quick"))
        rows = 100000, jobs = 96;
      else if (g_str_equal (argv[i], "--rows") && i + 1 < argc)
        rows = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    }
  if (!gtk_init_check ())
    {
      printf ("bench-app: no display, skipped (run under xvfb-run)\n");
      return 0;
    }
  adw_init ();
  win = dc_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), 1366, 768);
  gtk_window_present (GTK_WINDOW (win));
  pump (300);

  bench_table (win, rows);
  if (g_getenv ("DC_DVR_SIM"))
    bench_transfers (win, jobs);
  else
    printf ("transfers: skipped ($DC_DVR_SIM not set)\n");
  gtk_window_destroy (GTK_WINDOW (win));
  return 0;
}
