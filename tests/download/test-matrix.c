/* The firmware matrix (issue 11 §4): picture + clip jobs against every
 * simulator profile, each a behaviour of real recorders, with a clock
 * offset and clip windows that cross a recording-file boundary on a
 * recorder that cuts by-time downloads there.  Every result is checked
 * from its own pixels: the camera (the time code carries the channel), the
 * picture's frame time, and the clip's span (every frame, none twice).
 *
 *   test-matrix                  every cell
 *   test-matrix -p /matrix/amcrest
 *
 * hik-basic-only is a cell of its own: no evidence can be had, the job
 * must fail saying the recorder offers only Basic sign-in (not "wrong
 * password"), and no password may be sent to it.
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "dc-test-sim.h"
#include "dc-test-timecode.h"
#include "dc-test-util.h"
#include "download/dc-downloader.h"
#include "media/dc-media.h"

#define SIM_FPS 10
#define OFFSET_S (-83)
#define OFFSET_ARG "-83"

typedef struct
{
  const char *profile;
  const char *brand;
  guint       channel;    /* the camera asked for (the dock's) */
} Cell;

/* Each profile asks for a camera that is not the first, so a channel base
 * mistake shows as another camera's picture. */
static const Cell cells[] = {
  { "hik-file-cut",         "hikvision", 3 },
  { "hik-strict-v1",        "hikvision", 2 },
  { "hik-v2-only",          "hikvision", 2 },
  { "hik-dvr-analog",       "hikvision", 2 },
  { "hik-camera",           "hikvision", 1 },
  { "dahua-file-cut",       "dahua",     3 },
  { "dahua-zero-based",     "dahua",     2 },
  { "dahua-one-based",      "dahua",     2 },
  { "amcrest",              "dahua",     2 },
  { "dahua-unpadded-clock", "dahua",     2 },
};

typedef struct
{
  GHashTable *final;
  GMainLoop  *loop;
  gboolean    idle;
} Run;

static void
on_event (DcDownloader *d, const DcDownloadEvent *event, gpointer user_data)
{
  Run *run = user_data;

  if (event->kind == DC_EVENT_JOB && dc_job_state_is_final (event->state))
    g_hash_table_replace (run->final, GUINT_TO_POINTER (event->job_id), dc_download_event_copy (event));
  else if (event->kind == DC_EVENT_IDLE)
    {
      run->idle = TRUE;
      g_main_loop_quit (run->loop);
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  g_main_loop_quit (((Run *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

static gint64
wall_seconds (gint64 pc_us)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (pc_us / G_USEC_PER_SEC);

  return g_date_time_to_unix (local) + g_date_time_get_utc_offset (local) / G_USEC_PER_SEC + OFFSET_S;
}

static gint64
wall_frames (gint64 pc_us)
{
  return wall_seconds (pc_us) * SIM_FPS + (pc_us % G_USEC_PER_SEC) * SIM_FPS / G_USEC_PER_SEC;
}

/* A scan about @minutes_ago, @into_file seconds (recorder clock) after a
 * 10-minute file boundary, plus a fraction of a second. */
static gint64
scan_near_boundary (int minutes_ago, int into_file, gint64 fraction_us)
{
  gint64 t = g_get_real_time () / G_USEC_PER_SEC - (gint64) minutes_ago * 60;
  gint64 wall = wall_seconds (t * G_USEC_PER_SEC);

  return (t - wall % 600 + into_file) * G_USEC_PER_SEC + fraction_us;
}

static void
check_clip (const Cell *cell, const char *path, gint64 from_us, gint64 to_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) codes = dc_test_timecode_read_video_file (path, 0, &error);
  const DcTestTimecode *first, *last;

  g_assert_no_error (error);
  g_assert_cmpuint (codes->len, >, 0);
  for (guint i = 0; i < codes->len; i++)
    {
      const DcTestTimecode *c = &g_array_index (codes, DcTestTimecode, i);

      g_assert_true (c->valid);
      if (c->channel != cell->channel)
        g_error ("%s: clip frame %u is of camera %u, not %u", cell->profile, i, c->channel,
                 cell->channel);
      if (i > 0 && c->wall_frames != g_array_index (codes, DcTestTimecode, i - 1).wall_frames + 1)
        g_error ("%s: clip frames %u and %u are not consecutive", cell->profile, i - 1, i);
    }
  first = &g_array_index (codes, DcTestTimecode, 0);
  last = &g_array_index (codes, DcTestTimecode, codes->len - 1);
  /* from the keyframe at or before the window's start to its end */
  g_assert_cmpint (first->wall_frames, <=, wall_frames (from_us));
  g_assert_cmpint (first->wall_frames, >, wall_frames (from_us) - SIM_FPS);
  g_assert_cmpint (last->wall_frames, >=, wall_frames (to_us) - 1);
  g_assert_cmpint (last->wall_frames, <=, wall_frames (to_us));
}

static void
test_cell (gconstpointer data)
{
  const Cell *cell = data;
  const char *args[] = { "--profile", cell->profile, "--clock-offset", OFFSET_ARG,
                         "--fps", "10", "--channels", "4", "--by-time-cut", "yes", NULL };
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *conf_path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *logs = g_build_filename (dir, "logs", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcTestSim) sim = dc_test_sim_start (cell->brand, args, &error);
  g_autofree char *conf = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  DcDownloaderOptions options;
  /* a picture in the middle of a file, a clip across a boundary, and
   * both of a scan 1 s before a boundary */
  gint64 scans[3] = {
    scan_near_boundary (31, 217, 400000),
    scan_near_boundary (52, 2, 0),
    scan_near_boundary (75, 599, 300000),
  };
  DcOutputMode modes[3] = { DC_OUTPUT_PICTURE, DC_OUTPUT_CLIP, DC_OUTPUT_BOTH };
  Run run = { 0 };

  g_assert_no_error (error);
  conf = g_strdup_printf ("[dvr north]\nbrand=%s\nurl=%s\nuser=admin\npassword=secret\n"
                          "max-downloads=1\ntime-mode=auto\n",
                          cell->brand, dc_test_sim_get_url (sim));
  g_assert_true (g_file_set_contents_full (conf_path, conf, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
  config = dc_config_load (conf_path, &error);
  g_assert_no_error (error);
  dc_downloader_options_init (&options);
  options.out_dir = out;
  options.log_dir = logs;
  options.retry_base_us = 50 * 1000;
  options.retry_max_us = 200 * 1000;
  options.stall_timeout_s = 3;
  d = dc_downloader_new (config, &options);
  run.final = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) dc_download_event_free);
  run.loop = g_main_loop_new (NULL, FALSE);
  dc_downloader_attach (d, NULL, on_event, &run);

  for (guint i = 0; i < G_N_ELEMENTS (scans); i++)
    {
      g_autofree char *waybill = g_strdup_printf ("MX%u", i);
      g_autoptr(DcDownloadRequest) req = dc_download_request_new (waybill, "A01", "north",
                                                                  cell->channel, scans[i]);

      req->mode = modes[i];
      req->pre_us = 5 * G_USEC_PER_SEC;
      req->post_us = 5 * G_USEC_PER_SEC;
      g_assert_cmpuint (dc_downloader_add (d, req, &error), ==, i + 1);
      g_assert_no_error (error);
    }
  g_timeout_add_seconds (60, on_timeout, &run);
  g_main_loop_run (run.loop);
  g_assert_true (run.idle);

  for (guint i = 0; i < G_N_ELEMENTS (scans); i++)
    {
      const DcDownloadEvent *e = g_hash_table_lookup (run.final, GUINT_TO_POINTER (i + 1));

      g_assert_nonnull (e);
      if (e->state != DC_JOB_DONE)
        g_error ("%s: job %u %s: %s", cell->profile, i + 1, dc_job_state_to_string (e->state),
                 e->message ? e->message : "");
      if (modes[i] & DC_OUTPUT_PICTURE)
        {
          guint channel = 0;
          gint64 frames = 0;

          g_assert_true (dc_test_timecode_read_jpeg_file (e->picture_path, &channel, &frames, NULL, &error));
          g_assert_no_error (error);
          if (channel != cell->channel)
            g_error ("%s: the picture is of camera %u, not %u", cell->profile, channel, cell->channel);
          g_assert_cmpint (frames, ==, wall_frames (scans[i]));
        }
      if (modes[i] & DC_OUTPUT_CLIP)
        check_clip (cell, e->clip_path, scans[i] - 5 * G_USEC_PER_SEC, scans[i] + 5 * G_USEC_PER_SEC);
    }
  g_hash_table_unref (run.final);
  g_main_loop_unref (run.loop);
  dc_downloader_free (g_steal_pointer (&d));
  dc_test_rmdir (dir);
}

/* A recorder that offers only Basic sign-in: every job fails with that
 * reason, and the recorder never sees a password (no failed login). */
static void
test_basic_only (void)
{
  const char *args[] = { "--profile", "hik-basic-only", NULL };
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *conf_path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *logs = g_build_filename (dir, "logs", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcTestSim) sim = dc_test_sim_start ("hikvision", args, &error);
  g_autofree char *conf = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  g_autoptr(DcDownloadRequest) req = NULL;
  DcDownloaderOptions options;
  const DcDownloadEvent *e;
  Run run = { 0 };

  g_assert_no_error (error);
  conf = g_strdup_printf ("[dvr north]\nbrand=hikvision\nurl=%s\nuser=admin\npassword=secret\n",
                          dc_test_sim_get_url (sim));
  g_assert_true (g_file_set_contents_full (conf_path, conf, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
  config = dc_config_load (conf_path, &error);
  g_assert_no_error (error);
  dc_downloader_options_init (&options);
  options.out_dir = out;
  options.log_dir = logs;
  options.retry_base_us = 50 * 1000;
  options.retry_max_us = 200 * 1000;
  d = dc_downloader_new (config, &options);
  run.final = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) dc_download_event_free);
  run.loop = g_main_loop_new (NULL, FALSE);
  dc_downloader_attach (d, NULL, on_event, &run);
  req = dc_download_request_new ("MXB", "A01", "north", 1, g_get_real_time () - 20 * 60 * G_USEC_PER_SEC);
  g_assert_cmpuint (dc_downloader_add (d, req, &error), ==, 1);
  g_assert_no_error (error);
  g_timeout_add_seconds (60, on_timeout, &run);
  g_main_loop_run (run.loop);
  g_assert_true (run.idle);

  e = g_hash_table_lookup (run.final, GUINT_TO_POINTER (1));
  g_assert_nonnull (e);
  g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
  g_assert_nonnull (e->message);
  g_test_message ("%s", e->message);
  g_assert_nonnull (strstr (e->message, "Basic"));
  g_assert_null (strstr (e->message, "password was rejected"));
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), ==, 0);
  g_assert_true (e->picture_path == NULL || !g_file_test (e->picture_path, G_FILE_TEST_EXISTS));

  g_hash_table_unref (run.final);
  g_main_loop_unref (run.loop);
  dc_downloader_free (g_steal_pointer (&d));
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
    {
      g_autofree char *path = g_strdup_printf ("/matrix/%s", cells[i].profile);

      g_test_add_data_func (path, &cells[i], test_cell);
    }
  g_test_add_func ("/matrix/hik-basic-only", test_basic_only);
  return g_test_run ();
}
