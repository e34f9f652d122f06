/* Integration tests of the download engine against the DVR simulator over
 * 127.0.0.1: pictures at the right frame, clips of the right length, both
 * brands, faults, wrong passwords, a dead recorder, concurrency limits,
 * finder handles, cancel and quit. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dc-test-sim.h"
#include "dc-test-timecode.h"
#include "dc-test-util.h"
#include "download/dc-downloader.h"
#include "media/dc-media.h"
#include "util/dc-log.h"

#define SIM_FPS 10

typedef struct
{
  char        *dir;
  char        *out;
  GPtrArray   *sims;      /* DcTestSim* */
  GString     *config;
  GHashTable  *final;     /* job id -> DcDownloadEvent* (last JOB event) */
  GHashTable  *dvr_states;/* dvr name -> last DcDvrState */
  gboolean     idle;
  GMainLoop   *loop;
  guint        timeout_id;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = dc_test_mkdtemp ();
  f->out = g_build_filename (f->dir, "out", NULL);
  f->sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  f->config = g_string_new (NULL);
  f->final = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) dc_download_event_free);
  f->dvr_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->sims);
  g_string_free (f->config, TRUE);
  g_hash_table_unref (f->final);
  g_hash_table_unref (f->dvr_states);
  g_main_loop_unref (f->loop);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->out);
}

/* Starts a simulator and adds it to the config as [dvr NAME]. */
static DcTestSim *
add_sim (Fixture *f, const char *name, const char *brand, guint max_downloads,
         const char *password, const char *const *args)
{
  g_autoptr(GError) error = NULL;
  DcTestSim *sim = dc_test_sim_start (brand, args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sim);
  g_ptr_array_add (f->sims, sim);
  g_string_append_printf (f->config,
                          "[dvr %s]\nbrand=%s\nurl=%s\nuser=admin\npassword=%s\nmax-downloads=%u\n"
                          "time-mode=auto\n\n",
                          name, brand, dc_test_sim_get_url (sim), password ? password : "secret",
                          max_downloads);
  return sim;
}

static void
add_dock (Fixture *f, const char *dock, const char *dvr, guint channel)
{
  g_string_append_printf (f->config, "[dock %s]\ndvr=%s\nchannel=%u\n\n", dock, dvr, channel);
}

static DcConfig *
load_config (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "dockclip.conf", NULL);
  g_autoptr(GError) error = NULL;
  DcConfig *config;

  g_assert_true (g_file_set_contents_full (path, f->config->str, -1,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
  config = dc_config_load (path, &error);
  g_assert_no_error (error);
  return config;
}

static DcDownloader *
make_downloader_with_retry (Fixture *f, DcConfig *config, gboolean check_first,
                            gint64 retry_base_us, gint64 retry_max_us)
{
  DcDownloaderOptions options;
  g_autofree char *logs = g_build_filename (f->dir, "logs", NULL);

  dc_downloader_options_init (&options);
  options.out_dir = f->out;
  options.log_dir = logs;
  options.check_first = check_first;
  options.retry_base_us = retry_base_us;
  options.retry_max_us = retry_max_us;
  options.max_attempts = 6;
  options.stall_timeout_s = 2;
  return dc_downloader_new (config, &options);
}

static DcDownloader *
make_downloader (Fixture *f, DcConfig *config, gboolean check_first)
{
  return make_downloader_with_retry (f, config, check_first, 50 * 1000, 200 * 1000);
}

static void
on_event (DcDownloader *d, const DcDownloadEvent *event, gpointer user_data)
{
  Fixture *f = user_data;

  if (event->kind == DC_EVENT_JOB && dc_job_state_is_final (event->state))
    {
      g_hash_table_replace (f->final, GUINT_TO_POINTER (event->job_id),
                            dc_download_event_copy (event));
    }
  else if (event->kind == DC_EVENT_JOB)
    {
      g_hash_table_remove (f->final, GUINT_TO_POINTER (event->job_id));
    }
  else if (event->kind == DC_EVENT_DVR)
    {
      g_hash_table_replace (f->dvr_states, g_strdup (event->dvr), GINT_TO_POINTER (event->dvr_state));
    }
  else if (event->kind == DC_EVENT_IDLE)
    {
      f->idle = TRUE;
      g_main_loop_quit (f->loop);
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  Fixture *f = user_data;
  f->timeout_id = 0;
  g_main_loop_quit (f->loop);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until the engine says every job is final. */
static void
run_until_idle (Fixture *f, DcDownloader *d, guint timeout_s)
{
  f->idle = FALSE;
  f->timeout_id = g_timeout_add_seconds (timeout_s, on_timeout, f);
  g_main_loop_run (f->loop);
  if (f->timeout_id)
    g_source_remove (f->timeout_id);
  g_assert_true (f->idle);
  /* "idle" means the run has ended: every job is final by then */
  for (guint id = 1; id <= dc_downloader_get_n_jobs (d); id++)
    g_assert_true (g_hash_table_contains (f->final, GUINT_TO_POINTER (id)));
}

static const DcDownloadEvent *
final_of (Fixture *f, guint id)
{
  const DcDownloadEvent *e = g_hash_table_lookup (f->final, GUINT_TO_POINTER (id));
  g_assert_nonnull (e);
  return e;
}

/* A scan instant (this PC's clock) well inside the simulator's recordings:
 * whole minutes ago, plus a few seconds, never near "now". */
static gint64
scan_time (int minutes_ago, int second)
{
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  gint64 base = now_s - now_s % 60 - (gint64) minutes_ago * 60;
  return (base + second) * G_USEC_PER_SEC;
}

/* The recorder wall-clock frame number the simulator stamps on the frame
 * shown at PC instant @pc_us on a recorder whose clock is @offset_s ahead. */
static gint64
expected_wall_frames (gint64 pc_us, gint64 offset_s)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (pc_us / G_USEC_PER_SEC);
  gint64 wall = g_date_time_to_unix (local) + g_date_time_get_utc_offset (local) / G_USEC_PER_SEC;
  return (wall + offset_s) * SIM_FPS + (pc_us % G_USEC_PER_SEC) * SIM_FPS / G_USEC_PER_SEC;
}

static void
assert_picture_shows (const char *path, guint channel, gint64 pc_us, gint64 offset_s)
{
  guint got_channel = 0;
  gint64 frames = 0;
  int fps = 0;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (dc_test_timecode_read_jpeg_file (path, &got_channel, &frames, &fps, NULL));
  g_assert_cmpuint (got_channel, ==, channel);
  g_assert_cmpint (fps, ==, SIM_FPS);
  g_assert_cmpint (frames, ==, expected_wall_frames (pc_us, offset_s));
}

static guint
add_job (DcDownloader *d, const char *waybill, const char *dock, const char *dvr, guint channel,
         gint64 scan_us, DcOutputMode mode)
{
  g_autoptr(DcDownloadRequest) req = dc_download_request_new (waybill, dock, dvr, channel, scan_us);
  g_autoptr(GError) error = NULL;
  guint id;

  req->mode = mode;
  req->pre_us = 5 * G_USEC_PER_SEC;
  req->post_us = 5 * G_USEC_PER_SEC;
  g_free (req->batch);
  req->batch = g_strdup ("sheet-1");
  id = dc_downloader_add (d, req, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  return id;
}

static gint64
stats_int (DcTestSim *sim, const char *member)
{
  g_autoptr(JsonObject) stats = dc_test_sim_get_stats (sim);
  g_assert_nonnull (stats);
  return json_object_get_int_member (stats, member);
}

/* ------------------------------------------------------------------ */

static void
run_pictures (Fixture *f, const char *brand, const char *by_time, gboolean check_first)
{
  const char *args[] = { "--clock-offset", "137", "--download-by-time", by_time,
                         "--channels", "4", "--fps", "10", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  guint ids[4];
  gint64 scans[4] = { scan_time (30, 7), scan_time (47, 33), scan_time (95, 0), scan_time (121, 59) };

  add_sim (f, "north", brand, 1, NULL, args);
  add_dock (f, "A01", "north", 2);
  config = load_config (f);
  d = make_downloader (f, config, check_first);
  dc_downloader_attach (d, NULL, on_event, f);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *waybill = g_strdup_printf ("SF10000%u", i);
      ids[i] = add_job (d, waybill, "A01", "north", 2, scans[i], DC_OUTPUT_PICTURE);
    }
  run_until_idle (f, d, 150);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const DcDownloadEvent *e = final_of (f, ids[i]);
      if (e->state != DC_JOB_DONE)
        g_test_message ("job %u: %s", ids[i], e->message);
      g_assert_cmpint (e->state, ==, DC_JOB_DONE);
      g_assert_true (g_str_has_suffix (e->picture_path, ".jpg"));
      g_assert_true (strstr (e->picture_path, "sheet-1") != NULL);
      assert_picture_shows (e->picture_path, 2, scans[i], 137);
    }
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (f->dvr_states, "north")), ==, DC_DVR_STATE_DONE);
  if (g_str_equal (brand, "dahua"))
    g_assert_cmpint (stats_int (g_ptr_array_index (f->sims, 0), "finders_open"), ==, 0);
  {
    /* Fetch only what is needed (the video here is 20,000 bytes/s; a
     * 10-minute file is 12 MB).  Cut by time or a file with Range: a few
     * seconds of video plus the file's head and a few 64 KiB windows.  A
     * fragmented MP4 is read forward from its start and the transfer stops
     * just past the scan. */
    gint64 sent = stats_int (g_ptr_array_index (f->sims, 0), "bytes_sent");
    guint64 budget = 0;

    for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
      {
        gint64 into_file_s = expected_wall_frames (scans[i], 137) / SIM_FPS % 600;

        if (g_str_equal (brand, "dahua") && g_str_equal (by_time, "no"))
          budget += (guint64) (into_file_s + 6) * 20000 + 2 * 1024 * 1024;  /* + socket buffers */
        else
          budget += 6 * 20000 + 3 * 64 * 1024;
      }
    g_test_message ("%s, by time %s: %" G_GINT64_FORMAT " bytes sent, budget %" G_GUINT64_FORMAT,
                    brand, by_time, sent, budget);
    g_assert_cmpuint ((guint64) sent, <=, budget);
  }
}

static void
test_pictures_hikvision_by_time (Fixture *f, gconstpointer data)
{
  run_pictures (f, "hikvision", "yes", TRUE);
}

static void
test_pictures_hikvision_whole_segments (Fixture *f, gconstpointer data)
{
  run_pictures (f, "hikvision", "no", TRUE);
}

static void
test_pictures_hikvision_no_check (Fixture *f, gconstpointer data)
{
  run_pictures (f, "hikvision", "yes", FALSE);
}

static void
test_pictures_dahua_whole_segments (Fixture *f, gconstpointer data)
{
  run_pictures (f, "dahua", "no", TRUE);
}

static void
test_pictures_dahua_by_time (Fixture *f, gconstpointer data)
{
  run_pictures (f, "dahua", "yes", TRUE);
}

static void
run_clips (Fixture *f, const char *brand, const char *by_time, int second)
{
  const char *args[] = { "--download-by-time", by_time, "--fps", "10", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  /* the second scan crosses a 10-minute segment boundary */
  gint64 scans[2] = { scan_time (33, second), scan_time (40, 2) };
  guint ids[2];

  if (scan_time (40, 2) / G_USEC_PER_SEC % 600 > 5)
    {
      /* align the second scan 2 s after a 10-minute boundary (recorder wall
       * clock = this PC's, no offset here) */
      gint64 t = scans[1] / G_USEC_PER_SEC;
      g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (t);
      gint64 wall = t + g_date_time_get_utc_offset (local) / G_USEC_PER_SEC;
      scans[1] = (t - (wall % 600) + 2) * G_USEC_PER_SEC;
    }
  add_sim (f, "south", brand, 1, NULL, args);
  add_dock (f, "B07", "south", 1);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  dc_downloader_attach (d, NULL, on_event, f);
  ids[0] = add_job (d, "JD0001", "B07", "south", 1, scans[0], DC_OUTPUT_BOTH);
  ids[1] = add_job (d, "JD0002", "B07", "south", 1, scans[1], DC_OUTPUT_CLIP);
  run_until_idle (f, d, 150);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const DcDownloadEvent *e = final_of (f, ids[i]);
      g_autoptr(GError) error = NULL;
      gint64 duration = 0;
      guint n_frames = 0;
      int w = 0, h = 0;

      if (e->state != DC_JOB_DONE)
        g_test_message ("job %u: %s", ids[i], e->message);
      g_assert_cmpint (e->state, ==, DC_JOB_DONE);
      g_assert_nonnull (e->clip_path);
      g_assert_true (dc_media_probe_file (e->clip_path, &duration, &n_frames, &w, &h, &error));
      g_assert_no_error (error);
      /* [scan - 5 s, scan + 5 s), starting at the keyframe at or before it */
      g_assert_cmpint (duration, >=, 10 * G_USEC_PER_SEC - 200000);
      g_assert_cmpint (duration, <=, 11 * G_USEC_PER_SEC + 200000);
      g_assert_cmpuint (n_frames, >=, 100);
      g_assert_cmpuint (n_frames, <=, 111);
    }
  assert_picture_shows (final_of (f, ids[0])->picture_path, 1, scans[0], 0);
}

static void
test_clips_hikvision (Fixture *f, gconstpointer data)
{
  run_clips (f, "hikvision", "no", 20);
}

static void
test_clips_hikvision_by_time (Fixture *f, gconstpointer data)
{
  run_clips (f, "hikvision", "yes", 20);
}

static void
test_clips_dahua (Fixture *f, gconstpointer data)
{
  run_clips (f, "dahua", "no", 20);
}

static void
test_wrong_password_and_dead_dvr (Fixture *f, gconstpointer data)
{
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  g_autoptr(GSocketListener) dead = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  DcTestSim *bad;
  guint16 dead_port;
  guint wrong[3], down, good;

  bad = add_sim (f, "north", "hikvision", 1, "not-the-password", NULL);
  add_sim (f, "south", "dahua", 1, NULL, NULL);
  /* a port nobody listens on: bind, note, close */
  dead_port = g_socket_listener_add_any_inet_port (dead, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (dead);
  g_string_append_printf (f->config, "[dvr gone]\nbrand=hikvision\nurl=http://127.0.0.1:%u\n"
                          "user=admin\npassword=secret\n\n", dead_port);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  dc_downloader_attach (d, NULL, on_event, f);
  for (guint i = 0; i < 3; i++)
    wrong[i] = add_job (d, "YT1", "A01", "north", 1, scan_time (20 + i, 5), DC_OUTPUT_PICTURE);
  down = add_job (d, "YT2", "C01", "gone", 1, scan_time (20, 5), DC_OUTPUT_PICTURE);
  good = add_job (d, "YT3", "B01", "south", 1, scan_time (20, 5), DC_OUTPUT_PICTURE);
  run_until_idle (f, d, 150);

  for (guint i = 0; i < 3; i++)
    {
      const DcDownloadEvent *e = final_of (f, wrong[i]);
      g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
      g_assert_error (e->error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH);
      g_assert_nonnull (strstr (e->message, "north"));
      g_assert_nonnull (strstr (e->message, "password"));
    }
  /* one sign-in attempt for three jobs: no retry storm into a lockout */
  g_assert_cmpint (stats_int (bad, "auth_failures"), >=, 1);
  g_assert_cmpint (stats_int (bad, "auth_failures"), <=, 2);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (f->dvr_states, "north")), ==, DC_DVR_STATE_FAILED);

  g_assert_cmpint (final_of (f, down)->state, ==, DC_JOB_FAILED);
  g_assert_error (final_of (f, down)->error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE);
  g_assert_cmpint (final_of (f, down)->attempt, ==, 6);
  g_assert_cmpint (final_of (f, good)->state, ==, DC_JOB_DONE);

  /* the log of the failing recorder is named by its address and holds no password */
  {
    g_autofree char *name = dc_log_name_for_url (dc_test_sim_get_url (bad));
    g_autofree char *file = g_strconcat (name, ".log", NULL);
    g_autofree char *log = g_build_filename (f->dir, "logs", file, NULL);
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
    g_assert_null (strstr (text, "not-the-password"));
    g_assert_null (strstr (text, "secret"));
    g_assert_null (strstr (text, "Authorization"));
  }
}

static void
test_no_recording (Fixture *f, gconstpointer data)
{
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  guint id;

  add_sim (f, "north", "hikvision", 1, NULL, NULL);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  dc_downloader_attach (d, NULL, on_event, f);
  /* three days ago: the simulator records the last 24 hours only */
  id = add_job (d, "SF404", "A03", "north", 1, scan_time (3 * 24 * 60, 9), DC_OUTPUT_PICTURE);
  run_until_idle (f, d, 30);
  g_assert_cmpint (final_of (f, id)->state, ==, DC_JOB_FAILED);
  g_assert_error (final_of (f, id)->error, DC_DVR_ERROR, DC_DVR_ERROR_NO_RECORDING);
  g_assert_nonnull (strstr (final_of (f, id)->message, "No recording at dock A03"));
  g_assert_cmpint (final_of (f, id)->attempt, ==, 1);
}

static void
test_faults_recover (Fixture *f, gconstpointer data)
{
  const char *hik_args[] = { "--faults", "drop:0.25,busy:0.2,error200:0.1,short:0.1,badxml:0.1,truncpage:0.1",
                             "--seed", "7", "--download-by-time", "no", NULL };
  const char *dahua_args[] = { "--faults", "drop:0.25,busy:0.2,short:0.15", "--seed", "11", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  guint ids[8];
  gint64 scans[8];

  add_sim (f, "north", "hikvision", 1, NULL, hik_args);
  add_sim (f, "south", "dahua", 1, NULL, dahua_args);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  dc_downloader_attach (d, NULL, on_event, f);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *waybill = g_strdup_printf ("ZT%u", i);
      scans[i] = scan_time (15 + 7 * (int) i, 11);
      ids[i] = add_job (d, waybill, "A01", i % 2 ? "south" : "north", 1, scans[i], DC_OUTPUT_PICTURE);
    }
  guint n_done = 0;

  run_until_idle (f, d, 120);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const DcDownloadEvent *e = final_of (f, ids[i]);
      n_done += e->state == DC_JOB_DONE;
      /* every job either made a correct picture or says why; none is lost */
      if (e->state == DC_JOB_DONE)
        assert_picture_shows (e->picture_path, 1, scans[i], 0);
      else
        {
          g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
          g_assert_nonnull (e->message);
          g_assert_false (g_file_test (e->picture_path, G_FILE_TEST_EXISTS));
        }
    }
  /* six attempts against these fault rates: nearly all get through */
  g_assert_cmpuint (n_done, >=, 6);
  g_assert_cmpint (stats_int (g_ptr_array_index (f->sims, 1), "finders_open"), ==, 0);
}

static void
test_stall_recovers (Fixture *f, gconstpointer data)
{
  /* 40% of the bodies stop for 4 s: the engine's 2 s stall timeout notices,
   * retries, and every picture still comes out right */
  const char *args[] = { "--faults", "stall:0.4:4", "--seed", "3", "--download-by-time", "yes", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  gint64 scans[3] = { scan_time (31, 5), scan_time (44, 6), scan_time (58, 7) };
  guint ids[3];
  int retried = 0;

  add_sim (f, "north", "hikvision", 1, NULL, args);
  config = load_config (f);
  /* Like a real recorder, the simulator holds a stalled download's slot
   * until its stall ends and answers deviceBusy meanwhile: the backoff
   * (1, 2, 4, 4 s) has to outlast that. */
  d = make_downloader_with_retry (f, config, TRUE, G_USEC_PER_SEC, 4 * G_USEC_PER_SEC);
  dc_downloader_attach (d, NULL, on_event, f);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *waybill = g_strdup_printf ("ST%u", i);
      /* clips read their whole window: a picture may stop before the stall */
      ids[i] = add_job (d, waybill, "A01", "north", 1, scans[i], DC_OUTPUT_BOTH);
    }
  run_until_idle (f, d, 150);
  for (guint i = 0; i < 3; i++)
    {
      const DcDownloadEvent *e = final_of (f, ids[i]);
      g_assert_cmpint (e->state, ==, DC_JOB_DONE);
      assert_picture_shows (e->picture_path, 1, scans[i], 0);
      retried += e->attempt > 1;
    }
  {
    g_autoptr(JsonObject) stats = dc_test_sim_get_stats (g_ptr_array_index (f->sims, 0));
    JsonObject *faults = json_object_get_object_member (stats, "faults");
    /* the seed makes the simulator stall at least once, and each stall
     * cost an attempt */
    g_assert_cmpint (json_object_get_int_member (faults, "stall"), >=, 1);
    g_assert_cmpint (retried, >=, 1);
  }
}

static void
test_concurrency_limit (Fixture *f, gconstpointer data)
{
  /* by-time clips: short transfers, so eight of them overlap a lot */
  const char *args[] = { "--max-downloads", "2", "--download-by-time", "yes", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  DcTestSim *sim;

  sim = add_sim (f, "north", "hikvision", 2, NULL, args);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  dc_downloader_attach (d, NULL, on_event, f);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *waybill = g_strdup_printf ("C%u", i);
      add_job (d, waybill, "A01", "north", 1 + i % 4, scan_time (20 + (int) i, 3), DC_OUTPUT_CLIP);
    }
  run_until_idle (f, d, 120);
  for (guint i = 1; i <= 8; i++)
    g_assert_cmpint (final_of (f, i)->state, ==, DC_JOB_DONE);
  g_assert_cmpint (stats_int (sim, "peak_concurrent_downloads"), <=, 2);
  g_assert_cmpint (stats_int (sim, "peak_concurrent_downloads"), >=, 1);
}

static void
test_skip_existing (Fixture *f, gconstpointer data)
{
  g_autoptr(DcConfig) config = NULL;
  DcTestSim *sim;
  gint64 before;

  sim = add_sim (f, "north", "dahua", 1, NULL, NULL);
  config = load_config (f);
  for (int round = 0; round < 2; round++)
    {
      g_autoptr(DcDownloader) d = make_downloader (f, config, TRUE);

      g_hash_table_remove_all (f->final);   /* job ids start at 1 again */
      dc_downloader_attach (d, NULL, on_event, f);
      /* the simulator is done with round 0's transfers (a picture closes
       * its transfer once it has the frame) */
      for (guint i = 0; i < 100 && stats_int (sim, "downloads_active") > 0; i++)
        g_usleep (50000);
      before = stats_int (sim, "bytes_sent");
      add_job (d, "SF1", "A01", "north", 1, scan_time (25, 1), DC_OUTPUT_PICTURE);
      add_job (d, "SF2", "A01", "north", 1, scan_time (26, 1), DC_OUTPUT_PICTURE);
      run_until_idle (f, d, 150);
      g_assert_cmpint (final_of (f, 1)->state, ==, DC_JOB_DONE);
      g_assert_cmpint (final_of (f, 2)->state, ==, DC_JOB_DONE);
      g_assert_cmpint (final_of (f, 1)->skipped, ==, round == 1);
      if (round == 1)
        g_assert_cmpint (stats_int (sim, "bytes_sent"), ==, before);
    }
}

/* A job added after the previous one ended, before its "idle" was read:
 * that idle is not the end of the run (the command line would have quit
 * with the new job still running). */
static void
test_idle_only_at_the_end (Fixture *f, gconstpointer data)
{
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  guint first, second, first_final = 0, second_final = 0;
  gboolean idle = FALSE;
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  add_sim (f, "north", "hikvision", 1, NULL, NULL);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  first = add_job (d, "SF1", "A01", "north", 1, scan_time (25, 1), DC_OUTPUT_PICTURE);
  while (first_final == 0 && g_get_monotonic_time () < end)
    {
      g_autoptr(DcDownloadEvent) e = dc_downloader_timed_pop_event (d, 100000);
      if (e != NULL && e->kind == DC_EVENT_JOB && e->job_id == first && dc_job_state_is_final (e->state))
        first_final = e->state;
    }
  g_assert_cmpint (first_final, ==, DC_JOB_DONE);
  /* the first job's idle is queued by now (pushed with its final state);
   * the second job is done too before anything is read: still one idle,
   * the last event */
  second = add_job (d, "SF2", "A01", "north", 1, scan_time (26, 1), DC_OUTPUT_PICTURE);
  g_usleep (2 * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    {
      g_autoptr(DcDownloadEvent) e = dc_downloader_timed_pop_event (d, 1000000);
      if (e == NULL)
        break;
      g_assert_false (idle);   /* nothing after the idle, and only one */
      if (e->kind == DC_EVENT_IDLE)
        idle = TRUE;
      else if (e->kind == DC_EVENT_JOB && e->job_id == second && dc_job_state_is_final (e->state))
        second_final = e->state;
    }
  g_assert_true (idle);
  g_assert_cmpint (second_final, ==, DC_JOB_DONE);   /* before the idle */
}

static void
test_quit_during_transfers (Fixture *f, gconstpointer data)
{
  /* slow transfers: every body stalls, so 16 jobs are mid-transfer when we quit */
  const char *args[] = { "--faults", "stall:1.0:20", "--max-downloads", "16",
                         "--download-by-time", "no", NULL };
  g_autoptr(DcConfig) config = NULL;
  DcDownloader *d;
  gint64 t0, elapsed;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *batch = NULL;
  const char *name;

  add_sim (f, "north", "hikvision", 8, NULL, args);
  add_sim (f, "south", "dahua", 8, NULL, args);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  for (guint i = 0; i < 16; i++)
    {
      g_autofree char *waybill = g_strdup_printf ("Q%u", i);
      add_job (d, waybill, "A01", i % 2 ? "south" : "north", 1, scan_time (20 + (int) i, 4), DC_OUTPUT_CLIP);
    }
  /* let the transfers start */
  {
    gint64 until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
    guint downloading = 0;
    while (g_get_monotonic_time () < until && downloading < 8)
      {
        g_autoptr(DcDownloadEvent) e = dc_downloader_timed_pop_event (d, 100000);
        if (e && e->kind == DC_EVENT_JOB && e->state == DC_JOB_DOWNLOADING)
          downloading++;
      }
    g_assert_cmpuint (downloading, >=, 8);
  }
  t0 = g_get_monotonic_time ();
  dc_downloader_free (d);
  elapsed = g_get_monotonic_time () - t0;
  g_test_message ("quit with 16 transfers took %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_cmpint (elapsed, <, 1 * G_USEC_PER_SEC);

  /* nothing that is not complete carries a final name */
  batch = g_build_filename (f->out, "sheet-1", NULL);
  dir = g_dir_open (batch, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_suffix (name, ".mp4"));
}

static void
test_cancel_and_pause (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--faults", "stall:1.0:30", "--download-by-time", "no", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  DcTestSim *sim;
  guint a, b, c;

  sim = add_sim (f, "south", "dahua", 1, NULL, args);
  config = load_config (f);
  d = make_downloader (f, config, TRUE);
  a = add_job (d, "P1", "A01", "south", 1, scan_time (20, 4), DC_OUTPUT_CLIP);
  b = add_job (d, "P2", "A01", "south", 1, scan_time (21, 4), DC_OUTPUT_CLIP);
  c = add_job (d, "P3", "A01", "south", 1, scan_time (22, 4), DC_OUTPUT_CLIP);
  /* wait for the first to be downloading */
  for (;;)
    {
      g_autoptr(DcDownloadEvent) e = dc_downloader_timed_pop_event (d, 5 * G_USEC_PER_SEC);
      g_assert_nonnull (e);
      if (e->kind == DC_EVENT_JOB && e->job_id == a && e->state == DC_JOB_DOWNLOADING)
        break;
    }
  dc_downloader_pause (d, c);       /* queued → paused at once */
  dc_downloader_cancel (d, a);      /* running → cancelled within a second */
  dc_downloader_cancel (d, b);
  {
    gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
    gboolean a_cancelled = FALSE, c_paused = FALSE;
    while (g_get_monotonic_time () < until && !(a_cancelled && c_paused))
      {
        g_autoptr(DcDownloadEvent) e = dc_downloader_timed_pop_event (d, 100000);
        if (e && e->kind == DC_EVENT_JOB && e->job_id == a && e->state == DC_JOB_CANCELLED)
          a_cancelled = TRUE;
        if (e && e->kind == DC_EVENT_JOB && e->job_id == c && e->state == DC_JOB_PAUSED)
          c_paused = TRUE;
      }
    g_assert_true (a_cancelled);
    g_assert_true (c_paused);
  }
  dc_downloader_shutdown (d);
  g_assert_cmpint (stats_int (sim, "finders_open"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DC_DVR_SIM") == NULL)
    {
      g_printerr ("DC_DVR_SIM is not set: run through meson test\n");
      return 1;
    }
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/download/picture/hikvision-by-time", test_pictures_hikvision_by_time);
  ADD ("/download/picture/hikvision-whole-segments", test_pictures_hikvision_whole_segments);
  ADD ("/download/picture/hikvision-no-check", test_pictures_hikvision_no_check);
  ADD ("/download/picture/dahua-whole-segments", test_pictures_dahua_whole_segments);
  ADD ("/download/picture/dahua-by-time", test_pictures_dahua_by_time);
  ADD ("/download/clip/hikvision", test_clips_hikvision);
  ADD ("/download/clip/hikvision-by-time", test_clips_hikvision_by_time);
  ADD ("/download/clip/dahua", test_clips_dahua);
  ADD ("/download/errors/wrong-password-and-dead-dvr", test_wrong_password_and_dead_dvr);
  ADD ("/download/errors/no-recording", test_no_recording);
  ADD ("/download/errors/faults-recover", test_faults_recover);
  ADD ("/download/errors/stall-recovers", test_stall_recovers);
  ADD ("/download/limits/concurrency", test_concurrency_limit);
  ADD ("/download/skip-existing", test_skip_existing);
  ADD ("/download/idle-only-at-the-end", test_idle_only_at_the_end);
  ADD ("/download/control/cancel-and-pause", test_cancel_and_pause);
  ADD ("/download/control/quit-during-transfers", test_quit_during_transfers);
  return g_test_run ();
}
