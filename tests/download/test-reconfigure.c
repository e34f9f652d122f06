/* The engine's plan against the simulator over 127.0.0.1:
 *
 * - New settings during a run (dc_downloader_set_config): jobs that have
 *   not started go to the recorder's new address and follow their dock to
 *   its new channel or recorder; the job running finishes on the old
 *   settings; a
 *   recorder removed fails its queued jobs with a sentence saying so and
 *   takes no new ones.
 * - Searches shared per channel: waybills spread over hours of one
 *   channel cost one search, not one per waybill or per hour.
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dc-test-sim.h"
#include "dc-test-timecode.h"
#include "dc-test-util.h"
#include "download/dc-downloader.h"

typedef struct
{
  char        *dir;
  char        *out;
  GPtrArray   *sims;      /* DcTestSim* */
  GHashTable  *final;     /* job id -> DcDownloadEvent* */
  GHashTable  *started;   /* job ids seen searching or downloading */
  gboolean     idle;
  GMainLoop   *loop;
  guint        wait_for;  /* quit the loop once this job has started (0: idle) */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = dc_test_mkdtemp ();
  f->out = g_build_filename (f->dir, "out", NULL);
  f->sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  f->final = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) dc_download_event_free);
  f->started = g_hash_table_new (NULL, NULL);
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->sims);
  g_hash_table_unref (f->final);
  g_hash_table_unref (f->started);
  g_main_loop_unref (f->loop);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->out);
}

static DcTestSim *
start_sim (Fixture *f, const char *brand, const char *const *args)
{
  g_autoptr(GError) error = NULL;
  DcTestSim *sim = dc_test_sim_start (brand, args, &error);

  g_assert_no_error (error);
  g_ptr_array_add (f->sims, sim);
  return sim;
}

static DcConfig *
config_from (const char *text)
{
  g_autoptr(GError) error = NULL;
  DcConfig *config = dc_config_load_from_data (text, -1, &error);

  g_assert_no_error (error);
  return config;
}

static char *
dvr_group (const char *name, DcTestSim *sim, guint max_downloads)
{
  return g_strdup_printf ("[dvr %s]\nbrand=hikvision\nurl=%s\nuser=admin\npassword=secret\n"
                          "max-downloads=%u\n\n", name, dc_test_sim_get_url (sim), max_downloads);
}

static void
on_event (DcDownloader *d, const DcDownloadEvent *event, gpointer user_data)
{
  Fixture *f = user_data;

  if (event->kind == DC_EVENT_JOB && dc_job_state_is_final (event->state))
    g_hash_table_replace (f->final, GUINT_TO_POINTER (event->job_id), dc_download_event_copy (event));
  else if (event->kind == DC_EVENT_JOB &&
           (event->state == DC_JOB_SEARCHING || event->state == DC_JOB_DOWNLOADING))
    {
      g_hash_table_add (f->started, GUINT_TO_POINTER (event->job_id));
      if (f->wait_for == event->job_id)
        g_main_loop_quit (f->loop);
    }
  else if (event->kind == DC_EVENT_IDLE)
    {
      f->idle = TRUE;
      if (f->wait_for == 0)
        g_main_loop_quit (f->loop);
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
run_loop (Fixture *f, guint timeout_s)
{
  guint id = g_timeout_add_seconds (timeout_s, on_timeout, f->loop);

  g_main_loop_run (f->loop);
  g_source_remove (id);
}

static DcDownloader *
make_downloader (Fixture *f, DcConfig *config)
{
  DcDownloaderOptions options;
  g_autofree char *logs = g_build_filename (f->dir, "logs", NULL);
  DcDownloader *d;

  dc_downloader_options_init (&options);
  options.out_dir = f->out;
  options.log_dir = logs;
  options.retry_base_us = 50 * 1000;
  options.retry_max_us = 200 * 1000;
  options.stall_timeout_s = 5;
  d = dc_downloader_new (config, &options);
  dc_downloader_attach (d, NULL, on_event, f);
  return d;
}

/* A scan whole minutes ago (well inside the recordings), at @second. */
static gint64
scan_time (int minutes_ago, int second)
{
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;

  return (now_s - now_s % 60 - (gint64) minutes_ago * 60 + second) * G_USEC_PER_SEC;
}

static guint
add_picture (DcDownloader *d, const char *waybill, const char *dock, const char *dvr,
             guint channel, gint64 scan_us)
{
  g_autoptr(DcDownloadRequest) req = dc_download_request_new (waybill, dock, dvr, channel, scan_us);
  g_autoptr(GError) error = NULL;
  guint id = dc_downloader_add (d, req, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  return id;
}

static const DcDownloadEvent *
final_of (Fixture *f, guint id)
{
  const DcDownloadEvent *e = g_hash_table_lookup (f->final, GUINT_TO_POINTER (id));

  g_assert_nonnull (e);
  return e;
}

/* Downloads the recorder served, not counting the ones it refused as
 * busy (a transfer the engine closed that it has not noticed yet). */
static gint64
downloads_served (DcTestSim *sim)
{
  return dc_test_sim_get_requests (sim, "/ISAPI/ContentMgmt/download") -
         dc_test_sim_get_stat (sim, "busy_refusals");
}

static guint
picture_channel (const DcDownloadEvent *e)
{
  guint channel = 0;
  gint64 frames = 0;
  int fps = 0;

  g_assert_nonnull (e->picture_path);
  g_assert_true (dc_test_timecode_read_jpeg_file (e->picture_path, &channel, &frames, &fps, NULL));
  return channel;
}

/* r1 moves to another address, dock A01 to channel 3, r2 is removed, r3
 * is added -- while r1's first job runs. */
static void
test_new_settings (Fixture *f, gconstpointer data)
{
  /* slow enough that the first jobs are still running when the settings
   * change, even under a sanitizer on a busy machine */
  static const char *const slow[] = { "--latency-ms", "400", NULL };
  DcTestSim *old_r1 = start_sim (f, "hikvision", slow);
  DcTestSim *new_r1 = start_sim (f, "hikvision", NULL);
  DcTestSim *r2 = start_sim (f, "hikvision", slow);
  DcTestSim *r3 = start_sim (f, "hikvision", NULL);
  g_autofree char *g_old_r1 = dvr_group ("r1", old_r1, 1);
  g_autofree char *g_new_r1 = dvr_group ("r1", new_r1, 2);
  g_autofree char *g_r2 = dvr_group ("r2", r2, 1);
  g_autofree char *g_r3 = dvr_group ("r3", r3, 1);
  g_autofree char *text1 = g_strconcat (g_old_r1, g_r2, "[dock A01]\ndvr=r1\nchannel=1\n\n",
                                        "[dock B01]\ndvr=r2\nchannel=2\n\n", NULL);
  g_autofree char *text2 = g_strconcat (g_new_r1, g_r3, "[dock A01]\ndvr=r1\nchannel=3\n\n",
                                        "[dock B01]\ndvr=r3\nchannel=2\n\n", NULL);
  g_autoptr(DcConfig) config1 = config_from (text1);
  g_autoptr(DcConfig) config2 = config_from (text2);
  g_autoptr(DcDownloader) d = make_downloader (f, config1);
  g_autoptr(GError) error = NULL;
  guint r1_jobs[4], r2_jobs[3], b01_job;

  for (guint i = 0; i < G_N_ELEMENTS (r1_jobs); i++)
    {
      g_autofree char *waybill = g_strdup_printf ("R1-%u", i);

      r1_jobs[i] = add_picture (d, waybill, "A01", "r1", 1, scan_time (40 + (int) i, 17));
    }
  for (guint i = 0; i < G_N_ELEMENTS (r2_jobs); i++)
    {
      g_autofree char *waybill = g_strdup_printf ("R2-%u", i);

      r2_jobs[i] = add_picture (d, waybill, NULL, "r2", 2, scan_time (50 + (int) i, 23));
    }
  /* dock B01 is on r2 now and moves to r3, which the new settings add */
  b01_job = add_picture (d, "B01-0", "B01", "r2", 2, scan_time (55, 29));

  /* Once r1's and r2's first jobs run, the operator saves new settings. */
  f->wait_for = r1_jobs[0];
  run_loop (f, 20);
  g_assert_true (g_hash_table_contains (f->started, GUINT_TO_POINTER (r1_jobs[0])));
  f->wait_for = r2_jobs[0];
  if (!g_hash_table_contains (f->started, GUINT_TO_POINTER (r2_jobs[0])))
    run_loop (f, 20);
  g_assert_true (g_hash_table_contains (f->started, GUINT_TO_POINTER (r2_jobs[0])));
  dc_downloader_set_config (d, config2);

  /* A removed recorder takes no new job; an added one does. */
  {
    g_autoptr(DcDownloadRequest) req = dc_download_request_new ("R2-late", NULL, "r2", 1,
                                                                scan_time (45, 5));

    g_assert_cmpuint (dc_downloader_add (d, req, &error), ==, 0);
    g_assert_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR);
    g_clear_error (&error);
  }
  add_picture (d, "R3-0", NULL, "r3", 4, scan_time (44, 9));

  f->wait_for = 0;
  f->idle = FALSE;
  run_loop (f, 60);
  g_assert_true (f->idle);

  /* r1: the running job on the old recorder and channel, the rest on the
   * new address and on the dock's new channel. */
  g_assert_cmpint (final_of (f, r1_jobs[0])->state, ==, DC_JOB_DONE);
  g_assert_cmpuint (picture_channel (final_of (f, r1_jobs[0])), ==, 1);
  for (guint i = 1; i < G_N_ELEMENTS (r1_jobs); i++)
    {
      const DcDownloadEvent *e = final_of (f, r1_jobs[i]);

      g_assert_cmpint (e->state, ==, DC_JOB_DONE);
      g_assert_cmpuint (picture_channel (e), ==, 3);
      g_assert_cmpuint (dc_downloader_get_request (d, r1_jobs[i])->channel, ==, 3);
    }
  g_assert_cmpint (downloads_served (old_r1), ==, 1);
  g_assert_cmpint (downloads_served (new_r1), ==, 3);

  /* r2: the running job finished; the queued ones failed, saying why. */
  g_assert_cmpint (final_of (f, r2_jobs[0])->state, ==, DC_JOB_DONE);
  for (guint i = 1; i < G_N_ELEMENTS (r2_jobs); i++)
    {
      const DcDownloadEvent *e = final_of (f, r2_jobs[i]);
      g_autofree char *waybill = g_strdup_printf ("R2-%u", i);

      g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
      g_assert_error (e->error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR);
      g_assert_nonnull (strstr (e->message, "removed from the DVR settings"));
      g_assert_nonnull (strstr (e->message, waybill));
      g_assert_true (e->picture_path == NULL || !g_file_test (e->picture_path, G_FILE_TEST_EXISTS));
    }
  g_assert_cmpint (downloads_served (r2), ==, 1);

  /* Retried after the removal: fails again, no request. */
  dc_downloader_retry (d, r2_jobs[1]);
  f->idle = FALSE;
  run_loop (f, 20);
  g_assert_cmpint (final_of (f, r2_jobs[1])->state, ==, DC_JOB_FAILED);
  g_assert_cmpint (downloads_served (r2), ==, 1);

  /* r3, added mid-run: its own job and the one whose dock moved to it
   * (docks are followed before r2's queued jobs fail) */
  g_assert_cmpint (final_of (f, b01_job)->state, ==, DC_JOB_DONE);
  g_assert_cmpuint (picture_channel (final_of (f, b01_job)), ==, 2);
  g_assert_cmpstr (dc_downloader_get_request (d, b01_job)->dvr, ==, "r3");
  g_assert_cmpint (downloads_served (r3), ==, 2);
}

/* A recorder whose password was wrong: saving the right one lets its
 * queued jobs run (a refused password is not remembered across it). */
static void
test_password_fixed (Fixture *f, gconstpointer data)
{
  DcTestSim *sim = start_sim (f, "hikvision", NULL);
  g_autofree char *good = dvr_group ("r1", sim, 1);
  g_autofree char *bad = g_strdup_printf ("[dvr r1]\nbrand=hikvision\nurl=%s\nuser=admin\n"
                                          "password=wrong\n\n", dc_test_sim_get_url (sim));
  g_autoptr(DcConfig) config1 = config_from (bad);
  g_autoptr(DcConfig) config2 = config_from (good);
  g_autoptr(DcDownloader) d = make_downloader (f, config1);
  guint a = add_picture (d, "PW-0", NULL, "r1", 1, scan_time (30, 11));
  guint b;

  run_loop (f, 30);
  g_assert_true (f->idle);
  g_assert_cmpint (final_of (f, a)->state, ==, DC_JOB_FAILED);
  dc_downloader_set_config (d, config2);
  b = add_picture (d, "PW-1", NULL, "r1", 1, scan_time (31, 13));
  f->idle = FALSE;
  run_loop (f, 30);
  g_assert_true (f->idle);
  g_assert_cmpint (final_of (f, b)->state, ==, DC_JOB_DONE);
  dc_downloader_retry (d, a);
  f->idle = FALSE;
  run_loop (f, 30);
  g_assert_cmpint (final_of (f, a)->state, ==, DC_JOB_DONE);
}

/* Waybills over three past hours of one channel: one search. */
static void
test_shared_searches (Fixture *f, gconstpointer data)
{
  DcTestSim *sim = start_sim (f, "hikvision", NULL);
  g_autofree char *group = dvr_group ("r1", sim, 1);
  g_autoptr(DcConfig) config = config_from (group);
  g_autoptr(DcDownloader) d = make_downloader (f, config);
  guint ids[6];

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *waybill = g_strdup_printf ("SH-%u", i);

      /* from 4 h to 1.5 h ago, oldest first as an e-sheet lists them */
      ids[i] = add_picture (d, waybill, NULL, "r1", 2, scan_time (240 - (int) i * 30, 7));
    }
  run_loop (f, 60);
  g_assert_true (f->idle);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_assert_cmpint (final_of (f, ids[i])->state, ==, DC_JOB_DONE);
      g_assert_cmpuint (picture_channel (final_of (f, ids[i])), ==, 2);
    }
  g_assert_cmpint (dc_test_sim_get_requests (sim, "/ISAPI/ContentMgmt/search"), ==, 1);
  g_assert_cmpint (downloads_served (sim), ==, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/download/reconfigure/new-settings", test_new_settings);
  ADD ("/download/reconfigure/password-fixed", test_password_fixed);
  ADD ("/download/plan/shared-searches", test_shared_searches);
  return g_test_run ();
}
