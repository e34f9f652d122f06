/* Verified results (issue 11) and bounded transfers (issues 16, 17): the
 * engine against the simulator over 127.0.0.1.
 *
 * - A by-time recorder that stops at the end of a recording file gives
 *   whole clips for windows that cross a file boundary (both brands, with
 *   a clock offset): the clip's own frames are checked, camera and time.
 * - Where the recorder truly has no recording, the job ends PARTIAL with
 *   the covered span in words, as <stem>.partial.mp4; a later complete
 *   run writes <stem>.mp4 and removes the partial clip.
 * - Every finished file has its evidence record.
 * - A recorder that sends for ever (video or garbage) is stopped with a
 *   reason, and no file is left.
 * - Reasons name the real cause: drops are counted.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dc-test-sim.h"
#include "dc-test-timecode.h"
#include "dc-test-util.h"
#include "download/dc-download-evidence.h"
#include "download/dc-downloader.h"
#include "media/dc-media.h"

#define SIM_FPS 10
#define OFFSET_S 137

typedef struct
{
  char        *dir;
  char        *out;
  GPtrArray   *sims;
  GString     *config;
  GHashTable  *final;
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
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->sims);
  g_string_free (f->config, TRUE);
  g_hash_table_unref (f->final);
  g_main_loop_unref (f->loop);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->out);
}

static DcTestSim *
add_sim (Fixture *f, const char *name, const char *brand, const char *const *args)
{
  g_autoptr(GError) error = NULL;
  DcTestSim *sim = dc_test_sim_start (brand, args, &error);

  g_assert_no_error (error);
  g_ptr_array_add (f->sims, sim);
  g_string_append_printf (f->config,
                          "[dvr %s]\nbrand=%s\nurl=%s\nuser=admin\npassword=secret\n"
                          "max-downloads=1\ntime-mode=auto\n\n",
                          name, brand, dc_test_sim_get_url (sim));
  return sim;
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
make_downloader (Fixture *f, DcConfig *config, guint64 max_bytes_per_s)
{
  DcDownloaderOptions options;
  g_autofree char *logs = g_build_filename (f->dir, "logs", NULL);

  dc_downloader_options_init (&options);
  options.out_dir = f->out;
  options.log_dir = logs;
  options.retry_base_us = 50 * 1000;
  options.retry_max_us = 200 * 1000;
  options.max_attempts = 4;
  options.stall_timeout_s = 2;
  if (max_bytes_per_s > 0)
    options.max_bytes_per_s = max_bytes_per_s;
  return dc_downloader_new (config, &options);
}

static void
on_event (DcDownloader *d, const DcDownloadEvent *event, gpointer user_data)
{
  Fixture *f = user_data;

  if (event->kind == DC_EVENT_JOB && dc_job_state_is_final (event->state))
    g_hash_table_replace (f->final, GUINT_TO_POINTER (event->job_id), dc_download_event_copy (event));
  else if (event->kind == DC_EVENT_JOB)
    g_hash_table_remove (f->final, GUINT_TO_POINTER (event->job_id));
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

static void
run_until_idle (Fixture *f, guint timeout_s)
{
  f->idle = FALSE;
  f->timeout_id = g_timeout_add_seconds (timeout_s, on_timeout, f);
  g_main_loop_run (f->loop);
  if (f->timeout_id)
    g_source_remove (f->timeout_id);
  g_assert_true (f->idle);
}

static const DcDownloadEvent *
final_of (Fixture *f, guint id)
{
  const DcDownloadEvent *e = g_hash_table_lookup (f->final, GUINT_TO_POINTER (id));

  g_assert_nonnull (e);
  if (e->message)
    g_test_message ("job %u: %s: %s", id, dc_job_state_to_string (e->state), e->message);
  return e;
}

static guint
add_job (DcDownloader *d, const char *waybill, guint channel, gint64 scan_us, DcOutputMode mode)
{
  g_autoptr(DcDownloadRequest) req = dc_download_request_new (waybill, "A01", "north", channel, scan_us);
  g_autoptr(GError) error = NULL;
  guint id;

  req->mode = mode;
  req->pre_us = 5 * G_USEC_PER_SEC;
  req->post_us = 5 * G_USEC_PER_SEC;
  g_free (req->batch);
  req->batch = g_strdup ("sheet-1");
  id = dc_downloader_add (d, req, &error);
  g_assert_no_error (error);
  return id;
}

/* Recorder wall seconds (its clock's digits read as UTC) at PC instant. */
static gint64
wall_seconds (gint64 pc_us, gint64 offset_s)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (pc_us / G_USEC_PER_SEC);

  return g_date_time_to_unix (local) + g_date_time_get_utc_offset (local) / G_USEC_PER_SEC + offset_s;
}

static gint64
wall_frames (gint64 pc_us, gint64 offset_s)
{
  return wall_seconds (pc_us, offset_s) * SIM_FPS + (pc_us % G_USEC_PER_SEC) * SIM_FPS / G_USEC_PER_SEC;
}

/* A scan about @minutes_ago whose recorder time is @into_file seconds
 * after a 10-minute recording file boundary. */
static gint64
scan_near_boundary (int minutes_ago, int into_file)
{
  gint64 t = g_get_real_time () / G_USEC_PER_SEC - (gint64) minutes_ago * 60;
  gint64 wall = wall_seconds (t * G_USEC_PER_SEC, OFFSET_S);

  return (t - wall % 600 + into_file) * G_USEC_PER_SEC;
}

static char *
wall_text (gint64 pc_us, gint64 offset_s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (wall_seconds (pc_us, offset_s));

  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
}

/* The clip's own frames: all of channel @channel, consecutive (none
 * missing, none twice), from the keyframe at or before the window's start
 * to its end. */
static void
assert_clip_frames (const char *path, guint channel, gint64 from_us, gint64 to_us)
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
      g_assert_cmpuint (c->channel, ==, channel);
      if (i > 0)
        g_assert_cmpint (c->wall_frames, ==, g_array_index (codes, DcTestTimecode, i - 1).wall_frames + 1);
    }
  first = &g_array_index (codes, DcTestTimecode, 0);
  last = &g_array_index (codes, DcTestTimecode, codes->len - 1);
  g_assert_cmpint (first->wall_frames, <=, wall_frames (from_us, OFFSET_S));
  g_assert_cmpint (first->wall_frames, >, wall_frames (from_us, OFFSET_S) - SIM_FPS);
  g_assert_cmpint (last->wall_frames, >=, wall_frames (to_us, OFFSET_S) - 1);
  g_assert_cmpint (last->wall_frames, <, wall_frames (to_us, OFFSET_S) + 1);
}

static JsonObject *
read_evidence (const char *file)
{
  g_autofree char *path = dc_evidence_path_for (file);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
#ifdef G_OS_UNIX
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
#endif
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gint64
evidence_time (JsonObject *ev, const char *member)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (json_object_get_string_member (ev, member), NULL);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static void
assert_evidence (const char *file, const char *kind, const char *status, guint channel,
                 gint64 scan_us)
{
  g_autoptr(JsonObject) ev = read_evidence (file);
  g_autofree char *base = g_path_get_basename (file);
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  gsize len;
  static const char *const keys[] = {
    "file", "kind", "status", "note", "waybill", "dock", "scan_time", "recorder", "brand",
    "model", "channel", "channel_name", "clock_offset_s", "sha256", "downloaded_at",
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (ev, keys[i]));
  g_assert_cmpstr (json_object_get_string_member (ev, "file"), ==, base);
  g_assert_cmpstr (json_object_get_string_member (ev, "kind"), ==, kind);
  g_assert_cmpstr (json_object_get_string_member (ev, "status"), ==, status);
  g_assert_cmpstr (json_object_get_string_member (ev, "recorder"), ==, "north");
  g_assert_cmpstr (json_object_get_string_member (ev, "dock"), ==, "A01");
  g_assert_cmpint (json_object_get_int_member (ev, "channel"), ==, channel);
  g_assert_cmpint (json_object_get_int_member (ev, "clock_offset_s"), >=, OFFSET_S - 2);
  g_assert_cmpint (json_object_get_int_member (ev, "clock_offset_s"), <=, OFFSET_S + 2);
  g_assert_cmpint (evidence_time (ev, "scan_time"), ==, scan_us);
  g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpstr (json_object_get_string_member (ev, "sha256"), ==, sha);
  if (g_str_equal (kind, "picture"))
    g_assert_cmpint (ABS (evidence_time (ev, "frame_time") - scan_us), <=, G_USEC_PER_SEC / SIM_FPS);
  else
    {
      g_assert_cmpint (evidence_time (ev, "span_start"), <=, scan_us - 5 * G_USEC_PER_SEC);
      g_assert_cmpint (evidence_time (ev, "span_end"), >, evidence_time (ev, "span_start"));
    }
  if (g_str_equal (status, "partial"))
    g_assert_nonnull (strstr (json_object_get_string_member (ev, "note"), "no recording"));
  else
    g_assert_cmpstr (json_object_get_string_member (ev, "note"), ==, "");
}

/* No file under a final or part name but those listed. */
static void
assert_only_files (const char *dir, const char *const *names)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    if (!g_str_equal (name, ".evidence") && !g_strv_contains (names, name))
      g_error ("unexpected file %s in %s", name, dir);
}

/* ------------------------------------------------------------------ */

static void
run_file_cut (Fixture *f, const char *profile, const char *brand)
{
  const char *args[] = { "--profile", profile, "--clock-offset", G_STRINGIFY (OFFSET_S),
                         "--fps", "10", "--channels", "4", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  /* 2 s and 8 s after a file boundary: [scan − 5 s, scan + 5 s) crosses it */
  gint64 scans[2] = { scan_near_boundary (40, 2), scan_near_boundary (70, 598) };
  guint ids[2];
  DcTestSim *sim;

  sim = add_sim (f, "north", brand, args);
  config = load_config (f);
  d = make_downloader (f, config, 0);
  dc_downloader_attach (d, NULL, on_event, f);
  ids[0] = add_job (d, "SF0001", 2, scans[0], DC_OUTPUT_BOTH);
  ids[1] = add_job (d, "SF0002", 3, scans[1], DC_OUTPUT_CLIP);
  run_until_idle (f, 90);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const DcDownloadEvent *e = final_of (f, ids[i]);
      guint channel = i == 0 ? 2 : 3;
      gint64 duration = 0;
      guint n_frames = 0;

      g_assert_cmpint (e->state, ==, DC_JOB_DONE);
      g_assert_true (g_str_has_suffix (e->clip_path, ".mp4"));
      g_assert_false (g_str_has_suffix (e->clip_path, ".partial.mp4"));
      g_assert_true (dc_media_probe_file (e->clip_path, &duration, &n_frames, NULL, NULL, NULL));
      g_assert_cmpint (duration, >=, 10 * G_USEC_PER_SEC - 200000);
      g_assert_cmpint (duration, <=, 11 * G_USEC_PER_SEC + 200000);
      assert_clip_frames (e->clip_path, channel, scans[i] - 5 * G_USEC_PER_SEC,
                          scans[i] + 5 * G_USEC_PER_SEC);
      assert_evidence (e->clip_path, "clip", "done", channel, scans[i]);
    }
  {
    const DcDownloadEvent *e = final_of (f, ids[0]);
    guint channel = 0;
    gint64 frames = 0;

    g_assert_true (dc_test_timecode_read_jpeg_file (e->picture_path, &channel, &frames, NULL, NULL));
    g_assert_cmpuint (channel, ==, 2);
    g_assert_cmpint (frames, ==, wall_frames (scans[0], OFFSET_S));
    assert_evidence (e->picture_path, "picture", "done", 2, scans[0]);
  }
  /* each clip took two by-time requests at least: the file cut them */
  g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_by_time"), >=, 5);
}

static void
test_file_cut_hikvision (Fixture *f, gconstpointer data)
{
  run_file_cut (f, "hik-file-cut", "hikvision");
}

static void
test_file_cut_dahua (Fixture *f, gconstpointer data)
{
  run_file_cut (f, "dahua-file-cut", "dahua");
}

static void
test_partial_then_complete (Fixture *f, gconstpointer data)
{
  gint64 scan = scan_near_boundary (50, 300);
  g_autofree char *record_to = wall_text (scan + 2 * G_USEC_PER_SEC, OFFSET_S);
  const char *args[] = { "--profile", "hik-file-cut", "--clock-offset", G_STRINGIFY (OFFSET_S),
                         "--fps", "10", "--record-to", record_to, NULL };
  g_autofree char *batch = g_build_filename (f->out, "sheet-1", NULL);
  g_autofree char *mp4 = g_build_filename (batch, "SF0100.mp4", NULL);
  g_autofree char *partial = g_build_filename (batch, "SF0100.partial.mp4", NULL);
  const char *const partial_only[] = { "SF0100.partial.mp4", NULL };
  const char *const mp4_only[] = { "SF0100.mp4", NULL };
  g_autofree char *partial_evidence = dc_evidence_path_for (partial);

  {
    g_autoptr(DcConfig) config = NULL;
    g_autoptr(DcDownloader) d = NULL;
    const DcDownloadEvent *e;
    gint64 duration = 0;
    guint id;

    add_sim (f, "north", "hikvision", args);
    config = load_config (f);
    d = make_downloader (f, config, 0);
    dc_downloader_attach (d, NULL, on_event, f);
    id = add_job (d, "SF0100", 1, scan, DC_OUTPUT_CLIP);
    run_until_idle (f, 60);

    e = final_of (f, id);
    g_assert_cmpint (e->state, ==, DC_JOB_PARTIAL);
    g_assert_true (dc_job_state_is_final (DC_JOB_PARTIAL));
    g_assert_nonnull (strstr (e->message, "no recording after"));
    g_assert_nonnull (strstr (e->message, "clip covers"));
    g_assert_cmpstr (e->clip_path, ==, partial);
    g_assert_false (g_file_test (mp4, G_FILE_TEST_EXISTS));
    g_assert_true (dc_media_probe_file (partial, &duration, NULL, NULL, NULL, NULL));
    g_assert_cmpint (duration, >=, 7 * G_USEC_PER_SEC - 200000);
    g_assert_cmpint (duration, <=, 8 * G_USEC_PER_SEC + 200000);
    assert_clip_frames (partial, 1, scan - 5 * G_USEC_PER_SEC, scan + 2 * G_USEC_PER_SEC);
    assert_evidence (partial, "clip", "partial", 1, scan);
    assert_only_files (batch, partial_only);

    /* "Download missing" takes partial jobs too; the recorder still has
     * nothing more, so it stays partial. */
    g_assert_cmpuint (dc_downloader_retry_failed (d), ==, 1);
    run_until_idle (f, 60);
    g_assert_cmpint (final_of (f, id)->state, ==, DC_JOB_PARTIAL);
    assert_only_files (batch, partial_only);
  }
  {
    /* The recording turns up (another recorder answering for "north"):
     * the complete clip takes the final name, the partial one goes. */
    const char *full_args[] = { "--profile", "hik-file-cut", "--clock-offset", G_STRINGIFY (OFFSET_S),
                                "--fps", "10", NULL };
    g_autoptr(DcConfig) config = NULL;
    g_autoptr(DcDownloader) d = NULL;
    guint id;

    g_string_truncate (f->config, 0);
    g_hash_table_remove_all (f->final);
    add_sim (f, "north", "hikvision", full_args);
    config = load_config (f);
    d = make_downloader (f, config, 0);
    dc_downloader_attach (d, NULL, on_event, f);
    id = add_job (d, "SF0100", 1, scan, DC_OUTPUT_CLIP);
    run_until_idle (f, 60);
    g_assert_cmpint (final_of (f, id)->state, ==, DC_JOB_DONE);
    g_assert_cmpstr (final_of (f, id)->clip_path, ==, mp4);
    assert_clip_frames (mp4, 1, scan - 5 * G_USEC_PER_SEC, scan + 5 * G_USEC_PER_SEC);
    assert_evidence (mp4, "clip", "done", 1, scan);
    assert_only_files (batch, mp4_only);
    g_assert_false (g_file_test (partial_evidence, G_FILE_TEST_EXISTS));
  }
}

/* A recorder that never stops sending: stopped at the window's budget
 * with the reason, no file left, few bytes. */
static void
run_endless (Fixture *f, const char *fault, DcOutputMode mode)
{
  const char *args[] = { "--clock-offset", G_STRINGIFY (OFFSET_S), "--fps", "10",
                         "--faults", fault, NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  g_autofree char *batch = g_build_filename (f->out, "sheet-1", NULL);
  const char *const nothing[] = { NULL };
  const DcDownloadEvent *e;
  DcTestSim *sim;
  guint id;

  sim = add_sim (f, "north", "hikvision", args);
  config = load_config (f);
  /* 100 kB/s of window: an 11 s clip may cost 4 MiB + 1.1 MB */
  d = make_downloader (f, config, 100 * 1000);
  dc_downloader_attach (d, NULL, on_event, f);
  id = add_job (d, "SF0200", 1, scan_near_boundary (30, 300), mode);
  run_until_idle (f, 60);
  e = final_of (f, id);
  g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
  if (mode == DC_OUTPUT_CLIP)
    {
      g_assert_error (e->error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_TOO_BIG);
      g_assert_nonnull (strstr (e->message, "far more video"));
      /* One sentence naming the recorder and the waybill once each. */
      g_assert_true (g_str_has_prefix (e->message, "DVR north sent far more video"));
      g_assert_null (strstr (e->message + 1, "DVR north"));
      g_assert_null (strstr (strstr (e->message, "SF0200") + 1, "SF0200"));
      g_assert_null (strstr (e->message, "The recorder sent"));
      g_assert_true (g_str_has_suffix (e->message, "then use Download missing."));
    }
  g_assert_null (strstr (e->message, "no recording"));
  assert_only_files (batch, nothing);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "bytes_sent"), <, 4 * 8 * 1024 * 1024);
}

static void
test_endless_video (Fixture *f, gconstpointer data)
{
  run_endless (f, "endless:1", DC_OUTPUT_CLIP);
}

static void
test_endless_garbage (Fixture *f, gconstpointer data)
{
  run_endless (f, "garbage:1", DC_OUTPUT_CLIP);
}

static void
test_endless_garbage_picture (Fixture *f, gconstpointer data)
{
  run_endless (f, "garbage:1", DC_OUTPUT_PICTURE);
}

/* Every transfer dropped mid-file: the reason says so and how often, not
 * "the recording ends before the scan time". */
static void
test_reason_drops (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--fps", "10", "--download-by-time", "no", "--faults", "drop:1", NULL };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  const DcDownloadEvent *e;
  guint id;

  add_sim (f, "north", "hikvision", args);
  config = load_config (f);
  d = make_downloader (f, config, 0);
  dc_downloader_attach (d, NULL, on_event, f);
  id = add_job (d, "SF0300", 1, scan_near_boundary (30, 500), DC_OUTPUT_CLIP);
  run_until_idle (f, 60);
  e = final_of (f, id);
  g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
  g_assert_nonnull (strstr (e->message, "dropped mid-file 4 times"));
  g_assert_nonnull (strstr (e->message, "north"));
  g_assert_null (strstr (e->message, "recording ends"));
  g_assert_null (strstr (e->message, "no recording"));
}

/* A recorder that is not there: "cannot be reached", said once. */
static void
test_reason_unreachable (Fixture *f, gconstpointer data)
{
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  const DcDownloadEvent *e;
  const char *first;
  guint16 port;
  guint id;

  /* a port that was free a moment ago */
  port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_socket_listener_close (listener);
  g_string_append_printf (f->config,
                          "[dvr north]\nbrand=hikvision\nurl=http://127.0.0.1:%u\nuser=admin\n"
                          "password=secret\n\n", port);
  config = load_config (f);
  d = make_downloader (f, config, 0);
  dc_downloader_attach (d, NULL, on_event, f);
  id = add_job (d, "SF0400", 1, scan_near_boundary (30, 100), DC_OUTPUT_PICTURE);
  run_until_idle (f, 60);
  e = final_of (f, id);
  g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
  first = strstr (e->message, "cannot be reached");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "cannot be reached"));
  g_assert_null (strstr (e->message, "recording"));
  g_assert_null (strstr (e->message, "Couldn't"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/download/coverage/file-cut/hikvision", test_file_cut_hikvision);
  ADD ("/download/coverage/file-cut/dahua", test_file_cut_dahua);
  ADD ("/download/coverage/partial-then-complete", test_partial_then_complete);
  ADD ("/download/bounds/endless-video", test_endless_video);
  ADD ("/download/bounds/endless-garbage", test_endless_garbage);
  ADD ("/download/bounds/endless-garbage-picture", test_endless_garbage_picture);
  ADD ("/download/reasons/drops", test_reason_drops);
  ADD ("/download/reasons/unreachable", test_reason_unreachable);
  return g_test_run ();
}
