/* bench-download: the download engine against simulated recorders on
 * 127.0.0.1, each figure next to a baseline measured in the same run.
 *
 *   1. one large download (>= 1 GiB): Dockclip / `curl --digest`
 *      throughput, CPU seconds per GiB of both;
 *   2. 8 recorders x 4 clip jobs: wall time against the ideal (bytes /
 *      loopback throughput from 1); the engine's CPU overhead: its CPU
 *      beyond the same clips made on plain threads without it;
 *   3. 64 concurrent transfers (8 recorders x 8): peak RSS, and the
 *      engine's overhead as in 2 (% of one core);
 *   4. 200 waybills in picture mode from a by-time recorder and from a
 *      whole-file recorder: pictures/s and bytes fetched per picture
 *      against the budget (5 s of video after the scan + one GOP);
 *   5. "a day" at recorder speed: 8 recorders answering after 300 ms and
 *      serving 12 MB/s, 5,000 waybills over 10 hours, pictures only, one
 *      download at a time: wall time, requests and bytes per picture,
 *      against the naive plan (a search and a download per waybill).
 *      --day-waybills=N --day-hours=H run it scaled; --day-plan=dockclip
 *      or naive runs one plan; --day-naive-sample=N runs the naive plan on
 *      every Nth waybill and projects it (said so in the output).
 *
 * Linux only (getrusage, /proc/self/status): it measures, it ships nowhere.
 * Usage: bench-download [--quick] [--only=large|many|pictures|day]
 *                       [--day-waybills=5000] [--day-hours=10]
 *                       [--day-plan=both|dockclip|naive] [--day-naive-sample=N]
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dc-test-sim.h"
#include "dc-test-util.h"
#include "download/dc-downloader.h"
#include "dvr/dc-dvr.h"
#include "media/dc-media.h"

static gboolean quick;

typedef struct
{
  double wall_s;
  double cpu_s;       /* this process */
  double child_cpu_s; /* waited-for children (curl) */
} Span;

static double
tv_s (struct timeval tv)
{
  return (double) tv.tv_sec + (double) tv.tv_usec / 1e6;
}

static void
span_begin (Span *s)
{
  struct rusage self, children;

  getrusage (RUSAGE_SELF, &self);
  getrusage (RUSAGE_CHILDREN, &children);
  s->wall_s = (double) g_get_monotonic_time () / 1e6;
  s->cpu_s = tv_s (self.ru_utime) + tv_s (self.ru_stime);
  s->child_cpu_s = tv_s (children.ru_utime) + tv_s (children.ru_stime);
}

static void
span_end (Span *s)
{
  struct rusage self, children;

  getrusage (RUSAGE_SELF, &self);
  getrusage (RUSAGE_CHILDREN, &children);
  s->wall_s = (double) g_get_monotonic_time () / 1e6 - s->wall_s;
  s->cpu_s = tv_s (self.ru_utime) + tv_s (self.ru_stime) - s->cpu_s;
  s->child_cpu_s = tv_s (children.ru_utime) + tv_s (children.ru_stime) - s->child_cpu_s;
}

static long
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (p = strstr (status, "VmHWM:")) == NULL)
    return -1;
  return strtol (p + 6, NULL, 10);
}

/* Resets VmHWM so a phase's peak is its own (Linux >= 4.0); the memory
 * an earlier phase freed goes back to the system first, or the reset
 * would start from it. */
static void
reset_peak_rss (void)
{
  FILE *f;

  malloc_trim (0);
  /* in place: g_file_set_contents() would write a new file beside it */
  f = fopen ("/proc/self/clear_refs", "w");
  if (f != NULL)
    {
      fputs ("5", f);
      fclose (f);
    }
}

static DcTestSim *
start_sim (const char *brand, const char *const *args)
{
  g_autoptr(GError) error = NULL;
  DcTestSim *sim = dc_test_sim_start (brand, args, &error);

  if (sim == NULL)
    g_error ("simulator: %s", error->message);
  return sim;
}

static DcConfig *
config_for (GPtrArray *sims, const char *brand, guint max_downloads)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  DcConfig *config;

  for (guint i = 0; i < sims->len; i++)
    g_string_append_printf (text, "[dvr r%u]\nbrand=%s\nurl=%s\nuser=admin\npassword=secret\n"
                            "max-downloads=%u\n\n", i, brand,
                            dc_test_sim_get_url (g_ptr_array_index (sims, i)), max_downloads);
  config = dc_config_load_from_data (text->str, -1, &error);
  if (config == NULL)
    g_error ("config: %s", error->message);
  return config;
}

typedef struct
{
  GMainLoop *loop;
  guint      done, failed;
  gint64     longest_gap_us;
  gint64     last_us;
} RunState;

static void
on_event (DcDownloader *d, const DcDownloadEvent *e, gpointer user_data)
{
  RunState *st = user_data;

  if (e->kind == DC_EVENT_JOB && e->state == DC_JOB_DONE)
    st->done++;
  else if (e->kind == DC_EVENT_JOB && e->state == DC_JOB_FAILED)
    {
      st->failed++;
      g_printerr ("  job %u failed: %s\n", e->job_id, e->message);
    }
  else if (e->kind == DC_EVENT_IDLE)
    g_main_loop_quit (st->loop);
}

/* Measures how long the main loop goes without running (a 1 ms timer). */
static gboolean
on_tick (gpointer user_data)
{
  RunState *st = user_data;
  gint64 now = g_get_monotonic_time ();

  if (st->last_us != 0)
    st->longest_gap_us = MAX (st->longest_gap_us, now - st->last_us);
  st->last_us = now;
  return G_SOURCE_CONTINUE;
}

static RunState
run_jobs (DcConfig *config, GPtrArray *requests, const char *out, gboolean check_first)
{
  DcDownloaderOptions options;
  g_autofree char *logs = g_build_filename (out, "logs", NULL);
  RunState st = { 0 };
  DcDownloader *d;
  guint tick;

  dc_downloader_options_init (&options);
  options.out_dir = (char *) out;
  options.log_dir = logs;
  options.check_first = check_first;
  options.retry_base_us = 200 * 1000;
  d = dc_downloader_new (config, &options);
  st.loop = g_main_loop_new (NULL, FALSE);
  dc_downloader_attach (d, NULL, on_event, &st);
  for (guint i = 0; i < requests->len; i++)
    dc_downloader_add (d, g_ptr_array_index (requests, i), NULL);
  tick = g_timeout_add (1, on_tick, &st);
  g_main_loop_run (st.loop);
  g_source_remove (tick);
  dc_downloader_free (d);
  g_main_loop_unref (st.loop);
  return st;
}

static gint64
scan_at (int minutes_ago, int second)
{
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  return (now_s - now_s % 60 - (gint64) minutes_ago * 60 + second) * G_USEC_PER_SEC;
}

static gint64
sims_bytes_sent (GPtrArray *sims)
{
  gint64 total = 0;
  for (guint i = 0; i < sims->len; i++)
    total += dc_test_sim_get_stat (g_ptr_array_index (sims, i), "bytes_sent");
  return total;
}

/* ------------------------------------------------------------------ */

static double curl_cpu_per_gib;
static double loopback_bytes_per_s;

static void
bench_large (const char *dir)
{
  guint64 size = quick ? (256u << 20) : (1u << 30);
  g_autofree char *size_arg = g_strdup_printf ("%" G_GUINT64_FORMAT, size);
  const char *args[] = { "--bulk-segment-bytes", size_arg, NULL };
  g_autoptr(DcTestSim) sim = start_sim ("dahua", args);
  g_autoptr(GPtrArray) sims = g_ptr_array_new ();
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDvrSession) session = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *netrc = g_build_filename (dir, "netrc", NULL);
  g_autofree char *url = NULL;
  g_autofree guint8 *buf = g_malloc (256 * 1024);
  const DcDvrSegment *seg;
  Span ours, theirs;
  guint64 got = 0;
  gssize n;
  int status;

  g_ptr_array_add (sims, sim);
  config = config_for (sims, "dahua", 1);
  session = dc_dvr_session_new (g_ptr_array_index (dc_config_get_dvrs (config), 0), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dc_dvr_session_probe (session, &error));
  segments = dc_dvr_session_search (session, 1, scan_at (60, 0), scan_at (59, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segments->len, >, 0);
  seg = g_ptr_array_index (segments, 0);
  dc_dvr_session_release (session);

  /* Dockclip: the same pull reader the engine uses, bytes discarded */
  span_begin (&ours);
  {
    g_autoptr(DcByteSource) src = dc_dvr_session_open_segment (session, seg, &error);
    g_assert_no_error (error);
    while ((n = dc_byte_source_read (src, buf, 256 * 1024, &error)) > 0)
      got += (guint64) n;
    g_assert_no_error (error);
  }
  span_end (&ours);
  g_assert_cmpuint (got, ==, size);

  /* curl's command line on the same file; the password through a netrc
   * file, never on a command line */
  g_assert_true (g_file_set_contents_full (netrc, "machine 127.0.0.1 login admin password secret\n",
                                           -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  url = g_strdup_printf ("%s/cgi-bin/RPC_Loadfile%s", dc_test_sim_get_url (sim), seg->uri);
  {
    const char *argv[] = { "curl", "-s", "-g", "--digest", "--netrc-file", netrc, "-o", "/dev/null",
                           url, NULL };
    span_begin (&theirs);
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                                 NULL, &status, &error));
    span_end (&theirs);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  curl_cpu_per_gib = theirs.child_cpu_s / ((double) size / (1 << 30));
  loopback_bytes_per_s = (double) size / theirs.wall_s;
  printf ("1. large download, %.0f MiB: dockclip %.0f MiB/s, curl %.0f MiB/s, ratio %.2f (target >= 0.90); "
          "CPU per GiB: dockclip %.2f s, curl %.2f s\n",
          (double) size / (1 << 20), (double) size / ours.wall_s / (1 << 20),
          (double) size / theirs.wall_s / (1 << 20), theirs.wall_s / ours.wall_s,
          ours.cpu_s / ((double) size / (1 << 30)), curl_cpu_per_gib);
}

/* ---- the same clips without the engine -------------------------- */

/* What every clip job needs done whatever runs it: sign in, search, fetch
 * the segments to disk, remux the window.  Run on plain threads (as many
 * per recorder as the engine runs), with no queue, events, progress,
 * logs, retries or main loop: the engine's CPU beyond this is its own. */
typedef struct
{
  const DcDvrConfig *dvr;
  GPtrArray         *requests;   /* this recorder's */
  gint               next;       /* atomic: index of the next request */
  const char        *out;
  gint               failed;     /* atomic */
} DirectDvr;

static gboolean
direct_save (DcByteSource *src, const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error);
  g_autofree guint8 *buf = g_malloc (64 * 1024);
  gssize n;

  if (out == NULL)
    return FALSE;
  while ((n = dc_byte_source_read (src, buf, 64 * 1024, error)) > 0)
    if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buf, (gsize) n, NULL, NULL, error))
      return FALSE;
  return n == 0 && g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

static gboolean
direct_clip (DcDvrSession *session, const DcDownloadRequest *req, const char *out, GError **error)
{
  gint64 from = req->scan_us - req->pre_us, to = req->scan_us + req->post_us;
  g_autoptr(GPtrArray) segments = dc_dvr_session_search (session, req->channel, from, to, error);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) inputs = g_array_new (FALSE, TRUE, sizeof (DcMediaInput));
  g_autofree char *mp4 = g_strdup_printf ("%s/%s.mp4", out, req->waybill);
  gboolean ok = segments != NULL;

  for (guint i = 0; ok && i < segments->len; i++)
    {
      const DcDvrSegment *seg = g_ptr_array_index (segments, i);
      g_autoptr(DcByteSource) src = dc_dvr_session_open_segment (session, seg, error);
      char *path = g_strdup_printf ("%s/%s.%u.raw", out, req->waybill, i);
      DcMediaInput input = { path, seg->container, seg->start_us };

      g_ptr_array_add (paths, path);
      ok = src != NULL && direct_save (src, path, error);
      g_array_append_val (inputs, input);
    }
  if (ok)
    {
      /* one remux per core at a time, as the engine does */
      static GMutex lock;
      static GCond cond;
      static guint running;

      g_mutex_lock (&lock);
      while (running >= MAX (g_get_num_processors (), 1))
        g_cond_wait (&cond, &lock);
      running++;
      g_mutex_unlock (&lock);
      ok = dc_media_write_clip ((const DcMediaInput *) inputs->data, inputs->len, from, to, mp4,
                                NULL, error);
      g_mutex_lock (&lock);
      running--;
      g_cond_signal (&cond);
      g_mutex_unlock (&lock);
    }
  for (guint i = 0; i < paths->len; i++)
    g_remove (g_ptr_array_index (paths, i));
  g_remove (mp4);
  return ok;
}

static gint direct_finished;

static gpointer
direct_thread (gpointer data)
{
  DirectDvr *dvr = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcDvrSession) session = dc_dvr_session_new (dvr->dvr, NULL, &error);
  gint i;

  if (session == NULL || dc_dvr_session_probe (session, &error) == NULL)
    g_error ("direct: %s", error->message);
  while ((i = g_atomic_int_add (&dvr->next, 1)) < (gint) dvr->requests->len)
    if (!direct_clip (session, g_ptr_array_index (dvr->requests, i), dvr->out, &error))
      {
        g_printerr ("  direct clip failed: %s\n", error->message);
        g_clear_error (&error);
        g_atomic_int_inc (&dvr->failed);
      }
  dc_dvr_session_release (session);
  g_atomic_int_inc (&direct_finished);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Returns the number of failed clips. */
static guint
run_direct (DcConfig *config, GPtrArray *requests, guint threads_per_dvr, const char *out)
{
  GPtrArray *dvrs = dc_config_get_dvrs (config);
  g_autofree DirectDvr *state = g_new0 (DirectDvr, dvrs->len);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  guint failed = 0;

  g_atomic_int_set (&direct_finished, 0);
  g_mkdir_with_parents (out, 0700);
  for (guint d = 0; d < dvrs->len; d++)
    {
      const DcDvrConfig *cfg = g_ptr_array_index (dvrs, d);

      state[d].dvr = cfg;
      state[d].out = out;
      state[d].requests = g_ptr_array_new ();
      for (guint i = 0; i < requests->len; i++)
        {
          DcDownloadRequest *req = g_ptr_array_index (requests, i);
          if (g_str_equal (req->dvr, cfg->name))
            g_ptr_array_add (state[d].requests, req);
        }
      for (guint t = 0; t < threads_per_dvr; t++)
        g_ptr_array_add (threads, g_thread_new ("direct", direct_thread, &state[d]));
    }
  /* the main loop ticks as during the engine's run (1 ms timer) */
  {
    RunState st = { 0 };
    guint tick = g_timeout_add (1, on_tick, &st);

    while ((guint) g_atomic_int_get (&direct_finished) < threads->len)
      g_main_context_iteration (NULL, TRUE);
    g_source_remove (tick);
  }
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  for (guint d = 0; d < dvrs->len; d++)
    {
      failed += (guint) state[d].failed;
      g_ptr_array_unref (state[d].requests);
    }
  return failed;
}

/* 8 recorders with real video padded to @gop_bytes per second, whole
 * files, @per_dvr clip jobs each on @max_downloads concurrent transfers. */
static void
bench_many (const char *dir, guint per_dvr, guint max_downloads, const char *title)
{
  g_autofree char *max_arg = g_strdup_printf ("%u", max_downloads);
  /* a cache big enough for every segment: the timed run measures the
   * engine, not the simulators' video encoder (a warm-up run fills it) */
  const char *args[] = { "--download-by-time", "no", "--gop-bytes", quick ? "50000" : "150000",
                         "--max-downloads", max_arg, "--channels", "8", "--cache-mb", "1024", NULL };
  g_autoptr(GPtrArray) sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_download_request_free);
  g_autoptr(DcConfig) config = NULL;
  g_autofree char *out = g_build_filename (dir, title, NULL);
  g_autofree char *warm = g_strconcat (out, "-warm-up", NULL);
  RunState st;
  Span span, direct;
  double bytes, ideal_s, engine_cpu_pct;
  long rss, direct_rss;

  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (sims, start_sim (i % 2 ? "dahua" : "hikvision", args));
  config = config_for (sims, "hikvision", max_downloads);
  /* config_for names one brand: fix the odd ones */
  for (guint i = 1; i < 8; i += 2)
    {
      DcDvrConfig cfg = *(const DcDvrConfig *) g_ptr_array_index (dc_config_get_dvrs (config), i);
      cfg.brand = DC_DVR_BRAND_DAHUA;
      dc_config_set_dvr (config, &cfg);
    }
  for (guint i = 0; i < 8 * per_dvr; i++)
    {
      g_autofree char *dvr = g_strdup_printf ("r%u", i % 8);
      g_autofree char *waybill = g_strdup_printf ("BENCH%04u", i);
      DcDownloadRequest *req = dc_download_request_new (waybill, "A01", dvr, 1 + (i / 8) % 8,
                                                        scan_at (30 + (int) (i / 8) * 11, 30));
      req->mode = DC_OUTPUT_CLIP;
      req->pre_us = req->post_us = 10 * G_USEC_PER_SEC;
      g_ptr_array_add (requests, req);
    }

  run_jobs (config, requests, warm, TRUE);
  bytes = (double) sims_bytes_sent (sims);
  reset_peak_rss ();
  span_begin (&span);
  st = run_jobs (config, requests, out, TRUE);
  span_end (&span);
  rss = peak_rss_kib ();
  bytes = (double) sims_bytes_sent (sims) - bytes;

  /* the baseline: the same clips on plain threads, no engine */
  {
    g_autofree char *direct_out = g_strconcat (out, "-direct", NULL);
    double direct_bytes = (double) sims_bytes_sent (sims);
    guint direct_failed;

    reset_peak_rss ();
    span_begin (&direct);
    direct_failed = run_direct (config, requests, max_downloads, direct_out);
    span_end (&direct);
    direct_rss = peak_rss_kib ();
    direct_bytes = (double) sims_bytes_sent (sims) - direct_bytes;
    if (direct_failed > 0 || direct_bytes < bytes * 0.99 || direct_bytes > bytes * 1.01)
      printf ("   (baseline: %u clips failed, %.0f MiB moved: not comparable)\n", direct_failed,
              direct_bytes / (1 << 20));
    dc_test_rmdir (direct_out);
  }

  ideal_s = bytes / loopback_bytes_per_s;
  /* CPU the engine's machinery costs (queue, events, progress, logs,
   * retries bookkeeping, .part commits, the main loop draining events):
   * this process's CPU beyond the same clips made without it */
  engine_cpu_pct = 100.0 * (span.cpu_s - direct.cpu_s) / span.wall_s;
  printf ("%s: %u jobs (%u done, %u failed), %.0f MiB in %.2f s; ideal %.2f s (ratio %.2f); "
          "CPU %.2f s (%.1f%% of a core); peak RSS %.1f MiB; longest main-loop stall %.1f ms\n"
          "   same clips on plain threads, no engine: %.2f s, CPU %.2f s, peak RSS %.1f MiB -> "
          "engine overhead %.2f s CPU = %.1f%% of one core (target < 5%%), wall ratio %.2f, "
          "RSS ratio %.2f\n",
          title, requests->len, st.done, st.failed, bytes / (1 << 20), span.wall_s, ideal_s,
          span.wall_s / ideal_s, span.cpu_s, 100.0 * span.cpu_s / span.wall_s,
          (double) rss / 1024, (double) st.longest_gap_us / 1000,
          direct.wall_s, direct.cpu_s, (double) direct_rss / 1024,
          span.cpu_s - direct.cpu_s, engine_cpu_pct, span.wall_s / direct.wall_s,
          (double) rss / (double) MAX (direct_rss, 1));
}

static void
bench_pictures (const char *dir, const char *by_time)
{
  const char *args[] = { "--download-by-time", by_time, "--gop-bytes", "60000", "--channels", "4", NULL };
  g_autoptr(GPtrArray) sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_download_request_free);
  g_autoptr(DcConfig) config = NULL;
  g_autofree char *out = g_build_filename (dir, by_time[0] == 'y' ? "pic-by-time" : "pic-whole", NULL);
  guint n = quick ? 50 : 200;
  RunState st;
  Span span;
  double bytes;

  g_ptr_array_add (sims, start_sim ("hikvision", args));
  config = config_for (sims, "hikvision", 1);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *waybill = g_strdup_printf ("PIC%04u", i);
      /* spread over the last 20 hours, at odd seconds of the minute */
      g_ptr_array_add (requests, dc_download_request_new (waybill, "A01", "r0", 1 + i % 4,
                                                          scan_at (20 + (int) i * 5, (int) (i * 7) % 60)));
    }
  span_begin (&span);
  st = run_jobs (config, requests, out, TRUE);
  span_end (&span);
  bytes = (double) sims_bytes_sent (sims);
  printf ("4. %u pictures, %s: %u done, %.1f pictures/s, %.0f KiB fetched per picture; budget "
          "(5 s after the scan + one GOP) %.0f KiB: %.2f of budget\n",
          n, by_time[0] == 'y' ? "recorder cuts by time" : "whole files only (Range)", st.done,
          st.done / span.wall_s, bytes / n / 1024, 6 * 60000.0 / 1024,
          bytes / n / (6 * 60000.0));
}

/* ------------------------------------------------------------------ */
/* 5. "A day" at recorder speed                                          */

/* Every request the simulators answered; @by_kind (may be NULL) gets the
 * count per endpoint. */
static gint64
sims_requests (GPtrArray *sims, GHashTable *by_kind)
{
  gint64 total = 0;

  for (guint i = 0; i < sims->len; i++)
    {
      g_autoptr(JsonObject) stats = dc_test_sim_get_stats (g_ptr_array_index (sims, i));
      JsonObject *requests = stats ? json_object_get_object_member (stats, "requests") : NULL;
      g_autoptr(GList) members = requests ? json_object_get_members (requests) : NULL;

      for (GList *l = members; l != NULL; l = l->next)
        {
          gint64 n = json_object_get_int_member (requests, l->data);

          total += n;
          if (by_kind != NULL)
            g_hash_table_insert (by_kind, g_strdup (l->data),
                                 GSIZE_TO_POINTER (GPOINTER_TO_SIZE (g_hash_table_lookup (by_kind, l->data)) + (gsize) n));
        }
    }
  return total;
}

static int day_waybills = 5000;
static int day_hours = 10;
static const char *day_plan = "both";      /* both | dockclip | naive */
static int day_naive_sample;               /* > 0: the naive plan on every Nth waybill only */

typedef struct
{
  double wall_s;
  guint  n;            /* waybills run */
  guint  done, failed;
  double requests, bytes;
  char  *kinds;        /* requests per picture by endpoint, in words */
} DayResult;

/* 8 recorders (4 Hikvision, 4 Dahua, by time) answering each request after
 * 300 ms and serving 12 MB/s per transfer, one download at a time;
 * @n waybills spread over @hours, pictures only. */
static DayResult
run_day (const char *dir, const char *name, gboolean share, int every)
{
  static const char *const args[] = { "--latency-ms", "300", "--rate", "12MB/s", "--channels", "4",
                                      "--max-downloads", "1", NULL };
  g_autoptr(GPtrArray) sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_download_request_free);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autofree char *out = g_build_filename (dir, name, NULL);
  g_autofree char *logs = g_build_filename (out, "logs", NULL);
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  /* the day ends half an hour ago: every hour of it is over */
  gint64 day_end_s = now_s - now_s % 3600 - 1800;
  gint64 day_start_s = day_end_s - (gint64) day_hours * 3600;
  DcDownloaderOptions options;
  DcDownloader *d;
  RunState st = { 0 };
  DayResult r = { 0 };
  Span span;

  for (guint i = 0; i < 8; i++)
    {
      DcTestSim *sim = start_sim (i % 2 == 0 ? "hikvision" : "dahua", args);

      g_ptr_array_add (sims, sim);
      g_string_append_printf (text, "[dvr r%u]\nbrand=%s\nurl=%s\nuser=admin\npassword=secret\n"
                              "max-downloads=1\n\n", i, i % 2 == 0 ? "hikvision" : "dahua",
                              dc_test_sim_get_url (sim));
    }
  config = dc_config_load_from_data (text->str, -1, &error);
  if (config == NULL)
    g_error ("config: %s", error->message);
  for (int i = 0; i < day_waybills; i++)
    {
      g_autofree char *waybill = g_strdup_printf ("DAY%05d", i);
      g_autofree char *dvr = g_strdup_printf ("r%d", i % 8);
      gint64 scan_us;

      /* a sample takes whole rounds of the 8 recorders: each brand and
       * recorder in its share (the naive plan shares nothing, so which
       * channel does not matter) */
      if ((i / 8) % every != 0)
        continue;
      /* evenly over the day, at odd fractions of a second */
      scan_us = day_start_s * G_USEC_PER_SEC
                + (gint64) ((double) i / day_waybills * day_hours * 3600 * G_USEC_PER_SEC)
                + (i * 7919 % 1000) * 1000;

      g_ptr_array_add (requests, dc_download_request_new (waybill, "A01", dvr, 1 + (i / 8) % 4, scan_us));
    }

  dc_downloader_options_init (&options);
  options.out_dir = out;
  options.log_dir = logs;
  options.share_searches = share;
  options.retry_base_us = 500 * 1000;
  d = dc_downloader_new (config, &options);
  st.loop = g_main_loop_new (NULL, FALSE);
  dc_downloader_attach (d, NULL, on_event, &st);
  span_begin (&span);
  for (guint i = 0; i < requests->len; i++)
    dc_downloader_add (d, g_ptr_array_index (requests, i), NULL);
  g_main_loop_run (st.loop);
  span_end (&span);
  dc_downloader_free (d);
  g_main_loop_unref (st.loop);

  r.wall_s = span.wall_s;
  r.n = requests->len;
  r.done = st.done;
  r.failed = st.failed;
  {
    g_autoptr(GHashTable) by_kind = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GList) kinds = NULL;
    GString *words = g_string_new (NULL);

    r.requests = (double) sims_requests (sims, by_kind);
    kinds = g_list_sort (g_hash_table_get_keys (by_kind), (GCompareFunc) g_strcmp0);
    for (GList *l = kinds; l != NULL; l = l->next)
      g_string_append_printf (words, "%s%s %.2f", words->len ? ", " : "", (char *) l->data,
                              (double) GPOINTER_TO_SIZE (g_hash_table_lookup (by_kind, l->data)) / r.n);
    r.kinds = g_string_free (words, FALSE);
  }
  r.bytes = (double) sims_bytes_sent (sims);
  /* DC_BENCH_KEEP_DAY=DIR keeps the run's pictures and per-recorder logs
   * there, to see where the time went */
  if (g_getenv ("DC_BENCH_KEEP_DAY") != NULL)
    {
      g_autofree char *keep = g_build_filename (g_getenv ("DC_BENCH_KEEP_DAY"), name, NULL);

      g_mkdir_with_parents (g_getenv ("DC_BENCH_KEEP_DAY"), 0700);
      if (g_rename (out, keep) != 0)
        g_printerr ("cannot keep %s as %s\n", out, keep);
    }
  dc_test_rmdir (out);
  return r;
}

static void
print_day (const char *title, const DayResult *r)
{
  printf ("   %s: %u waybills in %.0f s, %u done, %u failed; %.2f requests and %.0f KiB per picture; "
          "%.2f s per picture per recorder\n      requests per picture by kind: %s\n",
          title, r->n, r->wall_s, r->done, r->failed, r->requests / r->n, r->bytes / r->n / 1024,
          r->wall_s * 8 / r->n, r->kinds);
}

static void
bench_day (const char *dir)
{
  DayResult naive = { 0 }, ours = { 0 };
  double scale = 5000.0 / day_waybills;
  gboolean run_naive = !g_str_equal (day_plan, "dockclip");
  gboolean run_ours = !g_str_equal (day_plan, "naive");
  int every = MAX (day_naive_sample, 1);

  printf ("5. a day at recorder speed: 8 recorders (300 ms per answer, 12 MB/s, one download at a "
          "time), %d waybills over %d h, pictures only\n", day_waybills, day_hours);
  if (run_ours)
    {
      ours = run_day (dir, "day-shared", TRUE, 1);
      print_day ("Dockclip (shared searches per channel and span)", &ours);
      if (day_waybills != 5000)
        printf ("   projected to 5,000 waybills (same waybills per channel and hour when "
                "--day-hours scales with them): %.1f min (goal < 10 min)\n",
                ours.wall_s * scale / 60);
      else
        printf ("   %.1f min for the day (goal < 10 min), %.2f pictures/s per recorder\n",
                ours.wall_s / 60, ours.done / ours.wall_s / 8);
    }
  if (run_naive)
    {
      /* The naive plan's time per picture does not depend on the others
       * (a search and a download each), so a sample of every Nth waybill
       * projects it. */
      naive = run_day (dir, "day-naive", FALSE, every);
      print_day (every > 1 ? "naive plan (search + download per waybill), a sample"
                           : "naive plan (search + download per waybill)", &naive);
      printf ("   naive plan for all %d waybills: %.1f min%s\n", day_waybills,
              naive.wall_s * day_waybills / naive.n / 60,
              every > 1 ? " (projected from the sample: its time per waybill times all)" : "");
      if (day_waybills != 5000)
        printf ("   naive plan projected to 5,000 waybills: %.1f min\n",
                naive.wall_s * day_waybills / naive.n * scale / 60);
    }
  if (run_ours && run_naive)
    printf ("   Dockclip takes %.2fx the naive plan's time\n",
            ours.wall_s / MAX (naive.wall_s * day_waybills / naive.n, 0.001));
  g_free (ours.kinds);
  g_free (naive.kinds);
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = dc_test_mkdtemp ();

  const char *only = NULL;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--quick"))
        quick = TRUE;
      else if (g_str_has_prefix (argv[i], "--only="))
        only = argv[i] + 7;   /* large | many | pictures | day */
      else if (g_str_has_prefix (argv[i], "--day-waybills="))
        day_waybills = MAX (8, atoi (argv[i] + 15));
      else if (g_str_has_prefix (argv[i], "--day-hours="))
        day_hours = CLAMP (atoi (argv[i] + 12), 1, 20);
      else if (g_str_has_prefix (argv[i], "--day-plan="))
        day_plan = argv[i] + 11;   /* both | dockclip | naive */
      else if (g_str_has_prefix (argv[i], "--day-naive-sample="))
        day_naive_sample = atoi (argv[i] + 19);
    }
  if (g_getenv ("DC_DVR_SIM") == NULL)
    g_setenv ("DC_DVR_SIM", DC_BUILD_ROOT "/tools/dvr-sim/dockclip-dvr-sim", TRUE);
  setvbuf (stdout, NULL, _IOLBF, 0);
  printf ("bench-download%s (2 cores; simulators and this process share them)\n",
          quick ? " --quick" : "");

  if (only == NULL || g_str_equal (only, "large") || g_str_equal (only, "many"))
    bench_large (dir);
  if (only == NULL || g_str_equal (only, "many"))
    {
      bench_many (dir, 4, 1, "2. 8 recorders x 4 clip jobs");
      bench_many (dir, 8, 8, "3. 64 concurrent transfers (8 recorders x 8)");
    }
  if (only == NULL || g_str_equal (only, "pictures"))
    {
      bench_pictures (dir, "yes");
      bench_pictures (dir, "no");
    }
  if (only == NULL || g_str_equal (only, "day"))
    bench_day (dir);
  dc_test_rmdir (dir);
  return 0;
}
