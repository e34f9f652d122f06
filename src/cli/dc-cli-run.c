/* dc-cli-run.c: runs a list of download requests through the engine with
 * a progress line on a terminal, and reports what is missing and why.
 * Shared by `download` and `demo`. */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#ifdef G_OS_UNIX
#include <glib-unix.h>
#include <unistd.h>
#else
#include <io.h>
#define isatty _isatty
#define fileno _fileno
#endif

#include "dc-cli-run.h"
#include "dc-cli-util.h"

typedef struct
{
  DcDownloader *downloader;
  GMainLoop    *loop;
  GHashTable   *last;       /* job id -> DcDownloadEvent* (its latest state) */
  guint         n_jobs;
  guint         n_done;
  guint         n_failed;
  guint         n_partial;   /* counted with the missing: a clip short of its window */
  guint         n_cancelled;
  double        speed;
  gboolean      tty;
  gboolean      interrupted;
  gint64        last_draw_us;
} Run;

static void
recount (Run *run)
{
  GHashTableIter iter;
  DcDownloadEvent *e;

  run->n_done = run->n_failed = run->n_partial = run->n_cancelled = 0;
  run->speed = 0;
  g_hash_table_iter_init (&iter, run->last);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    {
      run->n_done += e->state == DC_JOB_DONE;
      run->n_failed += e->state == DC_JOB_FAILED;
      run->n_partial += e->state == DC_JOB_PARTIAL;
      run->n_cancelled += e->state == DC_JOB_CANCELLED;
      if (e->state == DC_JOB_DOWNLOADING)
        run->speed += e->bytes_per_s;
    }
}

static void
draw_progress (Run *run, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (!run->tty || (!force && now - run->last_draw_us < 200 * 1000))
    return;
  run->last_draw_us = now;
  fprintf (stderr, "\r\033[K");
  fprintf (stderr, _("[%u/%u] done %u · partial %u · failed %u · %.1f MB/s"),
           run->n_done + run->n_failed + run->n_partial + run->n_cancelled, run->n_jobs,
           run->n_done, run->n_partial, run->n_failed, run->speed / 1e6);
  fflush (stderr);
}

static void
on_event (DcDownloader *d, const DcDownloadEvent *event, gpointer user_data)
{
  Run *run = user_data;

  switch (event->kind)
    {
    case DC_EVENT_JOB:
      g_hash_table_replace (run->last, GUINT_TO_POINTER (event->job_id), dc_download_event_copy (event));
      if (event->state == DC_JOB_RETRY_WAIT && event->message && run->tty)
        {
          fprintf (stderr, "\r\033[K%s\n", event->message);
        }
      recount (run);
      draw_progress (run, dc_job_state_is_final (event->state));
      break;
    case DC_EVENT_DVR:
      if (run->tty && event->dvr_state == DC_DVR_STATE_SIGNED_IN)
        {
          fprintf (stderr, "\r\033[K");
          g_autofree char *offset = g_strdup_printf ("%+" G_GINT64_FORMAT, event->clock_offset_s);
          fprintf (stderr, _("DVR %s signed in (%s), clock offset %s s\n"),
                   event->dvr, event->dvr_model ? event->dvr_model : "?", offset);
        }
      break;
    case DC_EVENT_IDLE:
      g_main_loop_quit (run->loop);
      break;
    default:
      break;
    }
}

#ifdef G_OS_UNIX
static gboolean
on_interrupt (gpointer user_data)
{
  Run *run = user_data;

  if (run->interrupted)
    return G_SOURCE_CONTINUE;
  run->interrupted = TRUE;
  fprintf (stderr, "\n%s\n", _("Stopping: cancelling the downloads…"));
  dc_downloader_cancel_dvr (run->downloader, NULL);
  return G_SOURCE_CONTINUE;
}
#endif

static void
print_json (Run *run)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, run->n_jobs);
  json_builder_set_member_name (b, "done");
  json_builder_add_int_value (b, run->n_done);
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, run->n_failed + run->n_cancelled);
  json_builder_set_member_name (b, "jobs");
  json_builder_begin_array (b);
  for (guint id = 1; id <= run->n_jobs; id++)
    {
      const DcDownloadRequest *req = dc_downloader_get_request (run->downloader, id);
      const DcDownloadEvent *e = g_hash_table_lookup (run->last, GUINT_TO_POINTER (id));
      g_autofree char *when = dc_cli_format_local_time (req->scan_us);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "waybill");
      json_builder_add_string_value (b, req->waybill);
      json_builder_set_member_name (b, "dock");
      json_builder_add_string_value (b, req->dock);
      json_builder_set_member_name (b, "dvr");
      json_builder_add_string_value (b, req->dvr);
      json_builder_set_member_name (b, "channel");
      json_builder_add_int_value (b, req->channel);
      json_builder_set_member_name (b, "scan_time");
      json_builder_add_string_value (b, when);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, e ? dc_job_state_to_string (e->state) : "queued");
      json_builder_set_member_name (b, "attempts");
      json_builder_add_int_value (b, e ? e->attempt : 0);
      json_builder_set_member_name (b, "skipped");
      json_builder_add_boolean_value (b, e ? e->skipped : FALSE);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, e ? e->message : NULL);
      json_builder_set_member_name (b, "picture");
      json_builder_add_string_value (b, e && e->state == DC_JOB_DONE ? e->picture_path : NULL);
      json_builder_set_member_name (b, "clip");
      json_builder_add_string_value (b, e && e->state == DC_JOB_DONE ? e->clip_path : NULL);
      /* A partial clip is not evidence of the whole window: its own member. */
      json_builder_set_member_name (b, "partial_clip");
      json_builder_add_string_value (b, e && e->state == DC_JOB_PARTIAL ? e->clip_path : NULL);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  dc_cli_print_json (b);
}

int
dc_cli_run_downloads (DcConfig *config, GPtrArray *requests,
                      const DcDownloaderOptions *options, gboolean json)
{
  Run run = { 0 };
  g_autoptr(GError) error = NULL;
  int status;
#ifdef G_OS_UNIX
  guint sigint_id, sigterm_id;
#endif

  run.downloader = dc_downloader_new (config, options);
  run.loop = g_main_loop_new (NULL, FALSE);
  run.last = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) dc_download_event_free);
  run.tty = !json && isatty (fileno (stderr));

  dc_downloader_attach (run.downloader, NULL, on_event, &run);
  for (guint i = 0; i < requests->len; i++)
    {
      const DcDownloadRequest *req = g_ptr_array_index (requests, i);

      if (dc_downloader_add (run.downloader, req, &error) == 0)
        {
          fprintf (stderr, "%s\n", error->message);
          g_clear_error (&error);
          continue;
        }
      run.n_jobs++;
    }
#ifdef G_OS_UNIX
  sigint_id = g_unix_signal_add (SIGINT, on_interrupt, &run);
  sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, &run);
#endif
  if (run.n_jobs > 0)
    g_main_loop_run (run.loop);
#ifdef G_OS_UNIX
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
#endif
  recount (&run);
  draw_progress (&run, TRUE);
  if (run.tty)
    fprintf (stderr, "\n");

  if (json)
    print_json (&run);
  else
    {
      for (guint id = 1; id <= run.n_jobs; id++)
        {
          const DcDownloadRequest *req = dc_downloader_get_request (run.downloader, id);
          const DcDownloadEvent *e = g_hash_table_lookup (run.last, GUINT_TO_POINTER (id));

          if (e != NULL && e->state == DC_JOB_DONE)
            continue;
          /* one line per missing waybill: waybill, DVR, reason */
          printf ("%s\t%s\t%s\n", req->waybill, req->dvr,
                  e && e->message ? e->message
                  : e && e->state == DC_JOB_CANCELLED ? _("cancelled") : _("not downloaded"));
        }
      printf (_("%u of %u waybills done, %u missing (%u of them partial).\n"), run.n_done,
              run.n_jobs, run.n_jobs - run.n_done, run.n_partial);
    }

  status = run.n_done == run.n_jobs && (guint) requests->len == run.n_jobs ? 0 : 1;
  if (run.interrupted)
    status = 130;
  dc_downloader_free (run.downloader);
  g_hash_table_unref (run.last);
  g_main_loop_unref (run.loop);
  return status;
}
