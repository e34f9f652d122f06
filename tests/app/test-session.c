/* DcSession without any window: it is plain GObject.  A run against a
 * simulated recorder with a pause in the middle (never "done" while work
 * waits), waybills at unmapped docks (final jobs of the run, counted as
 * missing and grouped by cause), and a restart: a new session reading the
 * output folder knows what is done and Download missing fetches exactly
 * the rest. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "dc-session.h"
#include "pictures/dc-marks.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

#define N_MAPPED 8
#define N_UNMAPPED 2

typedef struct
{
  DcTestSim *sim;
  char      *dir;
  char      *out;
  GBytes    *csv;
  guint      n_finished;
} Fixture;

static DcConfig *
make_config (Fixture *f)
{
  DcConfig *config = dc_config_new ();
  DcDvrConfig cfg = { 0 };

  cfg.name = (char *) "north";
  cfg.brand = DC_DVR_BRAND_HIKVISION;
  cfg.url = (char *) dc_test_sim_get_url (f->sim);
  cfg.user = (char *) "admin";
  cfg.password = (char *) "secret";
  cfg.max_downloads = 1;
  cfg.download_by_time = -1;
  dc_config_set_dvr (config, &cfg);
  dc_config_set_dock (config, "A01", "north", 1);
  dc_config_set_dock (config, "A02", "north", 2);
  return config;
}

static void
fixture_start (Fixture *f)
{
  const char *args[] = { "--max-downloads", "1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new ("运单号,月台,扫描时间\n");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  f->sim = dc_test_sim_start ("hikvision", args, &error);
  g_assert_no_error (error);
  for (guint k = 0; k < N_MAPPED + N_UNMAPPED; k++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (now - 2400 + k * 60);
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
      g_string_append_printf (csv, "SF%010u,%s,%s\n", 100 + k,
                              k >= N_MAPPED ? "Z09" : k % 2 ? "A02" : "A01", ts);
    }
  f->csv = g_string_free_to_bytes (g_steal_pointer (&csv));
  f->dir = dc_test_mkdtemp ();
  f->out = g_build_filename (f->dir, "out", NULL);
}

static void
fixture_stop (Fixture *f)
{
  dc_test_sim_stop (f->sim);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->out);
  g_bytes_unref (f->csv);
}

static DcEsheet *
load_sheet (Fixture *f)
{
  DcEsheet *esheet = dc_esheet_new ();
  DcEsheetImportOptions options;
  g_autoptr(GError) error = NULL;

  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_true (dc_esheet_import_bytes (esheet, "day.csv", f->csv, &options, &error));
  g_assert_no_error (error);
  return esheet;
}

static DcSession *
new_session (Fixture *f)
{
  DcSession *session = dc_session_new ();

  g_object_set (session, "output-dir", f->out, "mode", "picture", NULL);
  g_assert_true (dc_session_set_config (session, make_config (f), FALSE, NULL));
  return session;
}

static void
on_finished (DcSession *session, Fixture *f)
{
  f->n_finished++;
}

static gboolean
is_idle (gpointer data)
{
  return !dc_session_is_busy (data);
}

/* No job of a recorder is running, for half a second on end. */
static gboolean
recorder_settled (DcSession *session, const char *dvr, gint64 *since)
{
  DcRecorderStatus st;

  dc_session_get_recorder_status (session, dvr, &st);
  if (st.counts.n[DC_RUN_RUNNING] > 0 || st.counts.n[DC_RUN_RETRY_WAIT] > 0)
    {
      *since = 0;
      return FALSE;
    }
  if (*since == 0)
    *since = g_get_monotonic_time ();
  return g_get_monotonic_time () - *since > 500000;
}

static gboolean
north_settled (gpointer data)
{
  static gint64 since;
  return recorder_settled (data, "north", &since);
}

static gboolean
south_settled (gpointer data)
{
  static gint64 since;
  return recorder_settled (data, "south", &since);
}

static void
test_pause_unmapped_restart (void)
{
  Fixture f = { 0 };
  g_autoptr(DcSession) session = NULL;
  g_autoptr(DcSession) again = NULL;
  g_autoptr(DcEsheet) esheet = NULL;
  g_autoptr(DcEsheet) reopened = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *folder = NULL;
  DcRunCounts c;
  DcStatusTone tone;
  guint n_removed = 0;

  fixture_start (&f);
  session = new_session (&f);
  g_signal_connect (session, "run-finished", G_CALLBACK (on_finished), &f);
  esheet = load_sheet (&f);
  dc_session_add_esheet (session, esheet, NULL);

  /* nothing selected: every waybill, the unmapped ones as final jobs */
  g_assert_cmpuint (dc_session_download (session, esheet, NULL, &error), ==, N_MAPPED + N_UNMAPPED);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (dc_session_get_jobs (session)), ==, N_MAPPED + N_UNMAPPED);
  dc_session_get_run_counts (session, &c);
  g_assert_cmpuint (c.n[DC_RUN_FAILED], ==, N_UNMAPPED);
  g_assert_true (dc_session_is_busy (session));

  /* Pause north at once: the engine goes idle with work still queued */
  dc_session_pause (session, "north");
  g_assert_true (dc_test_wait_until (north_settled, session, 20000));
  text = dc_session_dup_recorder_text (session, "north", &tone);
  g_assert_cmpstr (text, ==, "Paused");
  g_clear_pointer (&text, g_free);
  dc_session_get_run_counts (session, &c);
  g_assert_cmpuint (c.n[DC_RUN_DONE], <, N_MAPPED);
  g_assert_true (dc_session_is_busy (session));
  g_assert_cmpuint (f.n_finished, ==, 0);
  text = dc_session_dup_run_text (session, &tone);
  g_assert_null (strstr (text, "All"));
  g_assert_cmpint (tone, !=, DC_STATUS_TONE_SUCCESS);
  g_clear_pointer (&text, g_free);

  /* Resume: the run ends once, with the unmapped ones missing */
  dc_session_resume (session, "north");
  g_assert_true (dc_test_wait_until (is_idle, session, 60000));
  dc_test_pump (50);
  g_assert_cmpuint (f.n_finished, ==, 1);
  dc_session_get_run_counts (session, &c);
  g_assert_cmpuint (c.n[DC_RUN_DONE], ==, N_MAPPED);
  g_assert_cmpuint (c.n[DC_RUN_FAILED], ==, N_UNMAPPED);
  text = dc_session_dup_recorder_text (session, "north", &tone);
  g_assert_cmpstr (text, ==, "Done");
  g_assert_cmpint (tone, ==, DC_STATUS_TONE_SUCCESS);
  g_clear_pointer (&text, g_free);
  text = dc_session_dup_run_text (session, &tone);
  g_assert_cmpstr (text, ==, "2 of 10 downloads missing:");
  g_assert_cmpint (tone, ==, DC_STATUS_TONE_ERROR);
  g_clear_pointer (&text, g_free);
  groups = dc_session_dup_missing_groups (session);
  g_assert_cmpuint (groups->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (groups, 0), ==, "2 — dock not mapped to a recorder (DVR settings)");
  g_clear_object (&session);

  /* Restart: three pictures are lost from the folder meanwhile */
  folder = g_build_filename (f.out, "day", NULL);
  for (guint k = 0; k < 3; k++)
    {
      g_autofree char *name = g_strdup_printf ("SF%010u.jpg", 100 + k);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      n_removed += g_unlink (path) == 0;
    }
  g_assert_cmpuint (n_removed, ==, 3);
  /* and two were judged in review and pruned: the sidecar says so (as
   * dc_picture_folder_prune_unmarked() writes it) and they are gone */
  {
    g_autoptr(DcMarkIndex) marks = dc_mark_index_load (folder, &error);

    g_assert_no_error (error);
    for (guint k = 3; k < 5; k++)
      {
        g_autofree char *name = g_strdup_printf ("SF%010u.jpg", 100 + k);
        g_autofree char *path = g_build_filename (folder, name, NULL);

        g_assert_cmpint (g_unlink (path), ==, 0);
        dc_mark_index_set_pruned (marks, name, TRUE);
      }
    g_assert_true (dc_mark_index_save (marks, &error));
    g_assert_no_error (error);
  }
  again = new_session (&f);
  g_signal_connect (again, "run-finished", G_CALLBACK (on_finished), &f);
  reopened = load_sheet (&f);
  dc_session_add_esheet (again, reopened, NULL);
  text = dc_session_dup_waybill_status (again, reopened, "SF0000000103", "A02", &tone);
  g_assert_cmpstr (text, ==, "Removed in review");
  g_clear_pointer (&text, g_free);
  text = dc_session_dup_waybill_status (again, reopened, "SF0000000105", "A02", &tone);
  g_assert_cmpstr (text, ==, "Done (already there)");
  g_assert_cmpint (tone, ==, DC_STATUS_TONE_SUCCESS);
  g_clear_pointer (&text, g_free);
  text = dc_session_dup_waybill_status (again, reopened, "SF0000000100", "A01", &tone);
  g_assert_cmpstr (text, ==, "Not started");
  g_clear_pointer (&text, g_free);
  text = dc_session_dup_waybill_status (again, reopened, "SF0000000108", "Z09", &tone);
  g_assert_cmpstr (text, ==, "Dock not mapped");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (dc_session_count_missing (again), ==, 3 + N_UNMAPPED);

  /* Download missing fetches exactly the rest */
  g_assert_cmpuint (dc_session_download_missing (again), ==, 3 + N_UNMAPPED);
  g_assert_cmpuint (g_list_model_get_n_items (dc_session_get_jobs (again)), ==, 3 + N_UNMAPPED);
  g_assert_true (dc_test_wait_until (is_idle, again, 60000));
  dc_session_get_run_counts (again, &c);
  g_assert_cmpuint (c.n[DC_RUN_DONE], ==, 3);
  g_assert_cmpuint (c.n[DC_RUN_FAILED], ==, N_UNMAPPED);
  for (guint k = 0; k < N_MAPPED; k++)
    {
      g_autofree char *name = g_strdup_printf ("SF%010u.jpg", 100 + k);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      /* the two pruned in review are not fetched again */
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR) == (k < 3 || k >= 5));
    }
  dc_session_shutdown (again);
  fixture_stop (&f);
}

/* The south recorder's jobs that the removal stopped: each says why, and
 * no later word of the engine ("stopped") replaces the reason. */
static guint
count_removed_jobs (DcSession *session)
{
  GListModel *jobs = dc_session_get_jobs (session);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(DcJobItem) item = g_list_model_get_item (jobs, i);
      g_autofree char *text = dc_job_item_dup_status_text (item);

      if (g_strcmp0 (dc_job_item_get_request (item)->dvr, "south") != 0 ||
          dc_job_item_get_state (item) == DC_JOB_DONE)
        continue;
      g_assert_cmpint (dc_job_item_get_state (item), ==, DC_JOB_FAILED);
      g_assert_cmpstr (dc_job_item_get_message (item), ==,
                       "recorder “south” was removed from the DVR settings");
      g_assert_cmpstr (text, ==, "Failed: recorder “south” was removed from the DVR settings");
      n++;
    }
  return n;
}

/* The config with a second recorder "south" (the same simulator under
 * another name); @a02_dvr films dock A02 on its channel 2. */
static DcConfig *
make_config_with_south (Fixture *f, const char *a02_dvr)
{
  DcConfig *config = make_config (f);
  DcDvrConfig south = *dc_config_get_dvr (config, "north");

  south.name = (char *) "south";
  dc_config_set_dvr (config, &south);
  dc_config_set_dock (config, "A02", a02_dvr, 2);
  return config;
}

/* The DVR settings change mid-run: a recorder is deleted while its jobs
 * wait.  They become missing with that reason (not "stopped", not
 * queued for ever), the other recorder finishes its run, and the run's
 * summary and the missing list say so. */
static void
test_recorder_removed_mid_run (void)
{
  Fixture f = { 0 };
  g_autoptr(DcSession) session = NULL;
  g_autoptr(DcEsheet) esheet = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expect = NULL;
  DcRunCounts c;
  guint n_removed;

  fixture_start (&f);
  session = new_session (&f);
  g_assert_true (dc_session_set_config (session, make_config_with_south (&f, "south"), FALSE, NULL));
  esheet = load_sheet (&f);
  dc_session_add_esheet (session, esheet, NULL);
  g_assert_cmpuint (dc_session_download (session, esheet, NULL, &error), ==, N_MAPPED + N_UNMAPPED);
  g_assert_no_error (error);
  dc_session_pause (session, "south");
  g_assert_true (dc_test_wait_until (south_settled, session, 20000));

  /* south goes from the settings while its jobs wait */
  g_assert_true (dc_session_set_config (session, make_config (&f), FALSE, NULL));
  n_removed = count_removed_jobs (session);
  g_assert_cmpuint (n_removed, >=, 1);
  g_assert_cmpuint (n_removed, <=, N_MAPPED / 2);

  g_assert_true (dc_test_wait_until (is_idle, session, 60000));
  dc_test_pump (200);
  g_assert_cmpuint (count_removed_jobs (session), ==, n_removed);
  dc_session_get_run_counts (session, &c);
  g_assert_cmpuint (c.n[DC_RUN_DONE], ==, N_MAPPED - n_removed);
  g_assert_cmpuint (c.n[DC_RUN_FAILED], ==, N_UNMAPPED + n_removed);
  text = dc_session_dup_recorder_text (session, "north", NULL);
  g_assert_cmpstr (text, ==, "Done");
  g_clear_pointer (&text, g_free);
  text = dc_session_dup_run_text (session, NULL);
  expect = g_strdup_printf ("%u of %u downloads missing:", N_UNMAPPED + n_removed,
                            N_MAPPED + N_UNMAPPED);
  g_assert_cmpstr (text, ==, expect);
  g_clear_pointer (&expect, g_free);
  groups = dc_session_dup_missing_groups (session);
  expect = g_strdup_printf ("%u — recorder “south” was removed from the DVR settings", n_removed);
  g_assert_true (g_ptr_array_find_with_equal_func (groups, expect, g_str_equal, NULL));
  dc_session_shutdown (session);
  fixture_stop (&f);
}

/* A dock moved to another recorder mid-run: its waybills that had not
 * started are fetched from the new one and counted there, at once. */
static void
test_dock_moved_mid_run (void)
{
  Fixture f = { 0 };
  g_autoptr(DcSession) session = NULL;
  g_autoptr(DcEsheet) esheet = NULL;
  g_autoptr(GError) error = NULL;
  DcRecorderStatus st_south, st_north;
  DcRunCounts c;
  guint south_before, north_before;

  fixture_start (&f);
  session = new_session (&f);
  g_assert_true (dc_session_set_config (session, make_config_with_south (&f, "south"), FALSE, NULL));
  esheet = load_sheet (&f);
  dc_session_add_esheet (session, esheet, NULL);
  dc_session_pause (session, "south");
  g_assert_cmpuint (dc_session_download (session, esheet, NULL, &error), ==, N_MAPPED + N_UNMAPPED);
  g_assert_no_error (error);
  g_assert_true (dc_test_wait_until (south_settled, session, 20000));
  dc_session_get_recorder_status (session, "south", &st_south);
  dc_session_get_recorder_status (session, "north", &st_north);
  south_before = st_south.counts.total;
  north_before = st_north.counts.total;
  g_assert_cmpuint (south_before, ==, N_MAPPED / 2);

  /* A02 now filmed by north's channel 2; south stays in the settings */
  g_assert_true (dc_session_set_config (session, make_config_with_south (&f, "north"), FALSE, NULL));
  dc_session_get_recorder_status (session, "south", &st_south);
  dc_session_get_recorder_status (session, "north", &st_north);
  g_assert_cmpuint (st_south.counts.total, ==, 0);
  g_assert_cmpuint (st_north.counts.total, ==, north_before + south_before);

  g_assert_true (dc_test_wait_until (is_idle, session, 60000));
  dc_session_get_run_counts (session, &c);
  g_assert_cmpuint (c.n[DC_RUN_DONE], ==, N_MAPPED);
  g_assert_cmpuint (c.n[DC_RUN_FAILED], ==, N_UNMAPPED);
  dc_session_shutdown (session);
  fixture_stop (&f);
}

/* The settings are properties (the application binds them to
 * GSettings); the demo's folder wins while the demo runs. */
static void
test_settings_properties (void)
{
  g_autoptr(DcSession) session = dc_session_new ();
  g_autofree char *shown = NULL;
  g_autofree char *home_out = g_build_filename (g_get_home_dir (), "Dockclip", NULL);
  g_autofree char *mode = NULL;
  int pre = 0;

  g_object_set (session, "output-dir", home_out, "pre-seconds", 12, "mode", "both", NULL);
  g_object_get (session, "pre-seconds", &pre, "mode", &mode, NULL);
  g_assert_cmpint (pre, ==, 12);
  g_assert_cmpstr (mode, ==, "both");
  g_assert_cmpint (dc_session_get_mode (session), ==, DC_OUTPUT_BOTH);
  shown = dc_session_dup_out_dir_display (session);
  g_assert_cmpstr (shown, ==, "~/Dockclip");
  dc_session_set_demo (session, "/tmp/demo-out");
  g_assert_cmpstr (dc_session_get_out_dir (session), ==, "/tmp/demo-out");
  /* "" is the default folder, never an empty path */
  g_object_set (session, "output-dir", "", NULL);
  g_assert_true (dc_session_get_settings (session)->output_dir[0] != '\0');
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = NULL;

  g_test_init (&argc, &argv, NULL);
  xdg = dc_test_private_xdg_dirs ();
  g_test_add_func ("/session/pause-unmapped-restart", test_pause_unmapped_restart);
  g_test_add_func ("/session/settings-properties", test_settings_properties);
  g_test_add_func ("/session/recorder-removed-mid-run", test_recorder_removed_mid_run);
  g_test_add_func ("/session/dock-moved-mid-run", test_dock_moved_mid_run);
  return g_test_run ();
}
