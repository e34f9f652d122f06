/* soak: many jobs across 8 simulated recorders (both brands, whole-file and
 * by-time) with ~10% injected faults of every kind, against the same run
 * without faults.  Counts completed, failed-with-reason, lost (never final:
 * must be 0) and corrupt (a finished picture not showing the scan's frame,
 * or a clip of the wrong length: must be 0); peak concurrent download
 * requests per recorder (never above its max-downloads), open Dahua finders
 * at the end (0), peak RSS and wall time.  Prints ONE summary line; exits 1
 * when lost, corrupt, over-max, open finders or a failure without a reason
 * is not 0.
 *
 *   soak [--jobs 2000] [--fault-rate 0.10] [--clip-every 20] [--seed 7] [--no-baseline]
 */
#define G_LOG_DOMAIN "soak"

#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "dc-test-util.h"
#include "rel-common.h"

#define N_DVRS 8
#define N_CHANNELS 4
#define CLIP_PRE_S 4
#define CLIP_POST_S 4

static int opt_jobs = 2000;
static double opt_fault_rate = 0.10;
static int opt_clip_every = 20;
static int opt_seed = 7;
static gboolean opt_no_baseline = FALSE;
static int opt_timeout_s = 3600;
static gboolean opt_keep = FALSE;

typedef struct
{
  char         waybill[32];
  guint        dvr;
  guint        channel;
  gint64       scan_us;
  DcOutputMode mode;
} SoakJob;

typedef struct
{
  guint   done, failed, failed_no_reason, cancelled, lost, corrupt;
  guint   over_max;
  gint64  finders_open;
  gint64  faults_injected;
  gint64  wall_us;
  GString *peaks;
  GString *first_corrupt;
  GString *reasons;   /* a few distinct failure reasons */
} SoakResult;

static guint
dvr_max_downloads (guint k)
{
  return 1 + k % 3;   /* 1, 2, 3, 1, 2, 3, 1, 2 */
}

static const char *
dvr_brand (guint k)
{
  return k % 2 == 0 ? "hikvision" : "dahua";
}

static const char *
dvr_by_time (guint k)
{
  return (k / 2) % 2 == 0 ? "yes" : "no";
}

static guint64
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  /* Linux; elsewhere the figure is reported as 0. */
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  p = strstr (status, "VmHWM:");
  return p ? g_ascii_strtoull (p + 6, NULL, 10) : 0;
}

static char *
fault_spec (double rate)
{
  /* seven kinds, equal shares of @rate */
  double r = rate / 7.0;
  return g_strdup_printf ("drop:%.4f,stall:%.4f:3,busy:%.4f,error200:%.4f,badxml:%.4f,"
                          "truncpage:%.4f,short:%.4f", r, r, r, r, r, r, r);
}

static gint64
stats_member (JsonObject *stats, const char *name)
{
  return stats && json_object_has_member (stats, name) ? json_object_get_int_member (stats, name) : -1;
}

static void
run_soak (const SoakJob *jobs, guint n_jobs, double fault_rate, const char *dir, SoakResult *res)
{
  g_autofree char *out = g_build_filename (dir, fault_rate > 0 ? "out-faults" : "out-clean", NULL);
  g_autofree char *logs = g_build_filename (dir, "logs", NULL);
  g_autoptr(GPtrArray) sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(DcConfig) cfg = NULL;
  g_autoptr(DcDownloader) d = NULL;
  g_autofree char *faults = fault_spec (fault_rate);
  g_autofree guint *ids = g_new0 (guint, n_jobs);
  DcDownloaderOptions options;
  RelEvents ev;
  gint64 t0;

  memset (res, 0, sizeof *res);
  res->peaks = g_string_new (NULL);
  res->first_corrupt = g_string_new (NULL);
  res->reasons = g_string_new (NULL);

  for (guint k = 0; k < N_DVRS; k++)
    {
      g_autofree char *name = g_strdup_printf ("dvr%u", k);
      g_autofree char *seed = g_strdup_printf ("%d", opt_seed + (int) k);
      const char *args[] = { "--download-by-time", dvr_by_time (k), "--channels", "4",
                             "--cache-mb", "24", "--seed", seed,
                             fault_rate > 0 ? "--faults" : NULL, faults, NULL };

      rel_add_sim (config, sims, name, dvr_brand (k), dvr_max_downloads (k), args);
      for (guint ch = 1; ch <= N_CHANNELS; ch++)
        {
          g_autofree char *dock = g_strdup_printf ("D%u-%u", k, ch);
          rel_add_dock (config, dock, name, ch);
        }
    }
  cfg = rel_load_config (dir, config, NULL);

  dc_downloader_options_init (&options);
  options.out_dir = out;
  options.log_dir = logs;
  options.retry_base_us = 200 * 1000;   /* short, so the run ends in minutes */
  options.retry_max_us = 1600 * 1000;
  options.max_attempts = 6;
  options.stall_timeout_s = 2;
  d = dc_downloader_new (cfg, &options);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n_jobs; i++)
    {
      const SoakJob *j = &jobs[i];
      g_autofree char *dvr = g_strdup_printf ("dvr%u", j->dvr);
      g_autofree char *dock = g_strdup_printf ("D%u-%u", j->dvr, j->channel);
      g_autoptr(DcDownloadRequest) req = dc_download_request_new (j->waybill, dock, dvr, j->channel,
                                                                  j->scan_us);
      g_autoptr(GError) error = NULL;

      req->mode = j->mode;
      req->pre_us = CLIP_PRE_S * G_USEC_PER_SEC;
      req->post_us = CLIP_POST_S * G_USEC_PER_SEC;
      g_free (req->batch);
      req->batch = g_strdup ("soak");
      ids[i] = dc_downloader_add (d, req, &error);
      g_assert_no_error (error);
    }

  rel_events_init (&ev);
  rel_drain (d, &ev, (guint) opt_timeout_s, NULL);
  res->wall_us = g_get_monotonic_time () - t0;
  /* Let a connection the engine just closed reach the simulators before
   * their counters are read. */
  g_usleep (G_USEC_PER_SEC);

  for (guint i = 0; i < n_jobs; i++)
    {
      const DcDownloadEvent *e = g_hash_table_lookup (ev.final, GUINT_TO_POINTER (ids[i]));
      g_autofree char *why = NULL;
      gboolean ok = TRUE;

      if (e == NULL)
        {
          res->lost++;
          continue;
        }
      switch (e->state)
        {
        case DC_JOB_DONE:
          res->done++;
          if (jobs[i].mode & DC_OUTPUT_PICTURE)
            ok = rel_picture_is_correct (e->picture_path, jobs[i].channel, jobs[i].scan_us, &why);
          if (ok && (jobs[i].mode & DC_OUTPUT_CLIP))
            ok = rel_clip_is_correct (e->clip_path, CLIP_PRE_S * G_USEC_PER_SEC,
                                      CLIP_POST_S * G_USEC_PER_SEC, &why);
          if (!ok)
            {
              res->corrupt++;
              if (res->first_corrupt->len == 0)
                g_string_append_printf (res->first_corrupt, "dvr%u(%s,by-time=%s): %s", jobs[i].dvr,
                                        dvr_brand (jobs[i].dvr), dvr_by_time (jobs[i].dvr), why);
            }
          break;
        case DC_JOB_FAILED:
          res->failed++;
          if (e->message == NULL || *e->message == '\0')
            res->failed_no_reason++;
          else if (res->reasons->len < 600 && strstr (res->reasons->str, e->message) == NULL)
            g_string_append_printf (res->reasons, "  dvr%u: %s\n", jobs[i].dvr, e->message);
          break;
        case DC_JOB_CANCELLED:
          res->cancelled++;
          break;
        default:
          res->lost++;
          break;
        }
    }

  for (guint k = 0; k < N_DVRS; k++)
    {
      g_autoptr(JsonObject) stats = dc_test_sim_get_stats (g_ptr_array_index (sims, k));
      /* Transfers the recorder served at once.  Its count of requests
       * ("peak_download_requests") can pass the limit for an instant: a
       * transfer the engine has closed (a picture stops reading early) is
       * still counted until the recorder notices the closed connection,
       * and the newcomer is answered "busy" — which the engine retries.
       * The engine's own limit is structural: max-downloads workers, one
       * transfer each. */
      gint64 peak = stats_member (stats, "peak_concurrent_downloads");
      JsonObject *f = stats && json_object_has_member (stats, "faults")
                      ? json_object_get_object_member (stats, "faults") : NULL;

      g_string_append_printf (res->peaks, "%s%" G_GINT64_FORMAT "/%u", k ? "," : "", peak,
                              dvr_max_downloads (k));
      if (peak < 0 || peak > (gint64) dvr_max_downloads (k))
        res->over_max++;
      if (g_str_equal (dvr_brand (k), "dahua"))
        {
          gint64 open = stats_member (stats, "finders_open");
          res->finders_open += MAX (open, 0);
          if (open != 0)
            g_string_append_printf (res->peaks, "(%" G_GINT64_FORMAT " finders open)", open);
        }
      if (f != NULL)
        {
          g_autoptr(GList) members = json_object_get_members (f);
          for (GList *l = members; l; l = l->next)
            res->faults_injected += json_object_get_int_member (f, l->data);
        }
    }
  rel_events_clear (&ev);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs, "Jobs in each run (2000)", "N" },
    { "fault-rate", 0, 0, G_OPTION_ARG_DOUBLE, &opt_fault_rate, "Fault probability per request (0.10)", "P" },
    { "clip-every", 0, 0, G_OPTION_ARG_INT, &opt_clip_every, "One job in N also makes a clip (20)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Seed of the jobs and the faults (7)", "S" },
    { "no-baseline", 0, 0, G_OPTION_ARG_NONE, &opt_no_baseline, "Skip the run without faults", NULL },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Keep the output and logs folder", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout_s, "Give up waiting after S seconds (3600)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— soak the download engine under faults");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree SoakJob *jobs = NULL;
  g_autoptr(GRand) rand = NULL;
  SoakResult faulty, clean = { 0 };
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || opt_jobs < 1 || opt_clip_every < 0 ||
      opt_fault_rate < 0 || opt_fault_rate > 0.7)
    {
      fprintf (stderr, "soak: %s\n", error ? error->message : "bad --jobs / --clip-every / --fault-rate");
      return 2;
    }
  if (g_getenv ("DC_DVR_SIM") == NULL)
    {
      fprintf (stderr, "soak: set DC_DVR_SIM to dockclip-dvr-sim (tests/soak/run does)\n");
      return 2;
    }

  /* The same jobs for both runs: scans spread over the last 20 hours of
   * the simulators' recordings, on every channel of every recorder. */
  rand = g_rand_new_with_seed ((guint32) opt_seed);
  jobs = g_new0 (SoakJob, opt_jobs);
  for (int i = 0; i < opt_jobs; i++)
    {
      SoakJob *j = &jobs[i];
      g_snprintf (j->waybill, sizeof j->waybill, "SK%08d", i + 1);
      j->dvr = (guint) i % N_DVRS;
      j->channel = 1 + (guint) g_rand_int_range (rand, 0, N_CHANNELS);
      j->scan_us = rel_scan_time (5 + g_rand_int_range (rand, 0, 20 * 60), g_rand_int_range (rand, 0, 60));
      j->mode = opt_clip_every > 0 && i % opt_clip_every == opt_clip_every - 1
                ? DC_OUTPUT_BOTH : DC_OUTPUT_PICTURE;
    }

  dir = dc_test_mkdtemp ();
  if (!opt_no_baseline)
    run_soak (jobs, (guint) opt_jobs, 0, dir, &clean);
  run_soak (jobs, (guint) opt_jobs, opt_fault_rate, dir, &faulty);

  if (faulty.reasons->len > 0)
    fprintf (stderr, "failure reasons (first of each):\n%s", faulty.reasons->str);
  if (faulty.first_corrupt->len > 0)
    fprintf (stderr, "first corrupt: %s\n", faulty.first_corrupt->str);
  if (!opt_no_baseline && (clean.done != (guint) opt_jobs || clean.corrupt > 0))
    fprintf (stderr, "baseline (no faults): done %u/%d, failed %u, lost %u, corrupt %u%s%s\n%s",
             clean.done, opt_jobs, clean.failed, clean.lost, clean.corrupt,
             clean.first_corrupt->len ? ": " : "", clean.first_corrupt->str, clean.reasons->str);
  if (!opt_no_baseline)
    fprintf (stderr, "baseline (no faults): peak/max=[%s] dahua-finders-open=%" G_GINT64_FORMAT
             " wall=%.1fs\n", clean.peaks->str, clean.finders_open, clean.wall_us / 1e6);

  ok = faulty.lost == 0 && faulty.corrupt == 0 && faulty.over_max == 0 && faulty.finders_open == 0 &&
       faulty.failed_no_reason == 0 &&
       (opt_no_baseline || (clean.lost == 0 && clean.corrupt == 0 && clean.over_max == 0 &&
                            clean.finders_open == 0));
  printf ("soak: jobs=%d dvrs=%d fault-rate=%.0f%% faults-injected=%" G_GINT64_FORMAT
          " completed=%u failed-with-reason=%u failed-without=%u cancelled=%u lost=%u corrupt=%u"
          " peak/max=[%s] over-max=%u dahua-finders-open=%" G_GINT64_FORMAT
          " peak-rss=%.1fMiB wall=%.1fs",
          opt_jobs, N_DVRS, opt_fault_rate * 100, faulty.faults_injected, faulty.done,
          faulty.failed - faulty.failed_no_reason, faulty.failed_no_reason, faulty.cancelled,
          faulty.lost, faulty.corrupt, faulty.peaks->str, faulty.over_max, faulty.finders_open,
          peak_rss_kib () / 1024.0, faulty.wall_us / 1e6);
  if (!opt_no_baseline)
    printf (" no-fault-wall=%.1fs ratio=%.2f no-fault-completed=%u",
            clean.wall_us / 1e6, (double) faulty.wall_us / MAX (clean.wall_us, 1), clean.done);
  printf (" %s\n", ok ? "PASS" : "FAIL");

  if (opt_keep)
    fprintf (stderr, "kept %s\n", dir);
  else
    dc_test_rmdir (dir);
  for (SoakResult *r = &clean; r != NULL; r = r == &clean ? &faulty : NULL)
    if (r->peaks)
      {
        g_string_free (r->peaks, TRUE);
        g_string_free (r->first_corrupt, TRUE);
        g_string_free (r->reasons, TRUE);
      }
  return ok ? 0 : 1;
}
