/* dc-download-worker.c: what a worker thread does with one job.
 *
 * A worker owns one DcDvrSession (one libcurl handle) of its recorder and
 * takes that recorder's jobs one at a time, so `max-downloads` workers mean
 * at most that many transfers on the recorder.  It never touches the
 * owner's objects: it changes job state under the engine lock and pushes
 * events.
 */
#define G_LOG_DOMAIN "dc-download-worker"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "download/dc-download-budget.h"
#include "download/dc-download-evidence.h"
#include "download/dc-download-job.h"
#include "media/dc-media.h"
#include "util/dc-file-util.h"

/* A by-time window for a picture: the device cuts at whole seconds; 5 s
 * after the scan is plenty to reach the frame and is what the transfer may
 * cost at most (the decoder stops reading once past the scan time). */
#define PICTURE_WINDOW_AFTER_US (5 * G_USEC_PER_SEC)


static DcDownloader *
owner_of (DcWorker *worker)
{
  return worker->runner->owner;
}

static void
set_state (DcWorker *worker, DcJob *job, DcJobState state)
{
  DcDownloader *self = owner_of (worker);

  g_mutex_lock (&self->lock);
  if (job->state != state)
    dc_downloader_set_job_state (self, job, state);
  g_mutex_unlock (&self->lock);
}

static void
on_progress (guint64 done, guint64 total, gpointer user_data)
{
  DcJobContext *ctx = user_data;
  DcDownloader *self = owner_of (ctx->worker);
  gint64 now = g_get_monotonic_time ();

  if (now - ctx->last_report_us < 100 * 1000 && (total == 0 || done < total))
    return;
  ctx->last_report_us = now;

  g_mutex_lock (&self->lock);
  ctx->job->bytes_done = ctx->base_done + done;
  ctx->job->bytes_total = total ? ctx->base_done + total : 0;
  if (now - ctx->speed_mark_us >= 500 * 1000)
    {
      if (ctx->speed_mark_us != 0)
        ctx->job->bytes_per_s = (double) (ctx->job->bytes_done - ctx->speed_mark_bytes) * G_USEC_PER_SEC
                                / (double) (now - ctx->speed_mark_us);
      ctx->speed_mark_us = now;
      ctx->speed_mark_bytes = ctx->job->bytes_done;
    }
  if (ctx->job->state == DC_JOB_DOWNLOADING)
    dc_downloader_emit_job (self, ctx->job);
  g_mutex_unlock (&self->lock);
}

char *
dc_job_format_hms (gint64 pc_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (pc_us / G_USEC_PER_SEC);
  return dt ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("?");
}

gint64
dc_job_floor_second (gint64 us)
{
  return us - (((us % G_USEC_PER_SEC) + G_USEC_PER_SEC) % G_USEC_PER_SEC);
}

static gboolean
file_is_complete (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);
  /* Only committed files carry the final name, so any non-empty one is whole. */
  return info != NULL && g_file_info_get_size (info) > 0;
}

static void
no_recording_error (DcWorker *worker, DcJob *job, gint64 from_us, gint64 to_us, GError **error)
{
  g_autofree char *from = dc_job_format_hms (from_us);
  g_autofree char *to = dc_job_format_hms (to_us);

  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_NO_RECORDING,
               _("No recording at dock %s between %s and %s (DVR %s, channel %u)"),
               job->request->dock ? job->request->dock : "?", from, to,
               worker->runner->name, job->request->channel);
}

/* Probes the recorder once for all its workers. */
static gboolean
ensure_probed (DcWorker *worker, DcJob *job, GError **error)
{
  DcDvrRunner *runner = worker->runner;
  DcDownloader *self = runner->owner;
  const DcDvrInfo *info;
  gboolean ok = TRUE;

  if (dc_dvr_session_get_info (worker->session) != NULL)
    return TRUE;

  g_mutex_lock (&runner->probe_lock);
  g_mutex_lock (&self->lock);
  info = runner->info;
  g_mutex_unlock (&self->lock);
  if (info != NULL)
    {
      dc_dvr_session_set_info (worker->session, info);
    }
  else
    {
      set_state (worker, job, DC_JOB_CONNECTING);
      g_mutex_lock (&self->lock);
      dc_downloader_emit_dvr (self, runner, DC_DVR_STATE_CONNECTING);
      g_mutex_unlock (&self->lock);

      info = dc_dvr_session_probe (worker->session, error);
      ok = info != NULL;
      if (ok)
        {
          dc_log_printf (runner->log, "signed in: model=%s channels=%u clock-offset=%+" G_GINT64_FORMAT
                         "s time-mode=%s by-time=%s",
                         info->model ? info->model : "?", info->n_channels, info->clock_offset_s,
                         dc_dvr_time_mode_to_string (info->time_mode),
                         info->download_by_time ? "yes" : "no");
          g_mutex_lock (&self->lock);
          runner->info = g_new0 (DcDvrInfo, 1);
          runner->info->model = g_strdup (info->model);
          runner->info->serial = g_strdup (info->serial);
          runner->info->firmware = g_strdup (info->firmware);
          runner->info->device_type = g_strdup (info->device_type);
          runner->info->n_channels = info->n_channels;
          runner->info->channel_names = g_strdupv (info->channel_names);
          runner->info->clock_offset_s = info->clock_offset_s;
          runner->info->time_mode = info->time_mode;
          runner->info->download_by_time = info->download_by_time;
          dc_downloader_emit_dvr (self, runner, DC_DVR_STATE_SIGNED_IN);
          g_mutex_unlock (&self->lock);
        }
    }
  g_mutex_unlock (&runner->probe_lock);
  return ok;
}

/* The recorder refused a by-time download although it did not say so at
 * probe (Dahua has no capability query): remember it for every worker. */
static void
mark_whole_files_only (DcWorker *worker)
{
  DcDvrRunner *runner = worker->runner;
  DcDownloader *self = runner->owner;
  const DcDvrInfo *current = dc_dvr_session_get_info (worker->session);
  DcDvrInfo copy = *current;

  dc_log_printf (runner->log, "the recorder refused a download by time: whole files from now on");
  copy.download_by_time = FALSE;
  dc_dvr_session_set_info (worker->session, &copy);
  g_mutex_lock (&self->lock);
  if (runner->info != NULL)
    runner->info->download_by_time = FALSE;
  g_mutex_unlock (&self->lock);
}

#define HOUR_US ((gint64) 3600 * G_USEC_PER_SEC)
/* How far one shared search reaches: a warehouse day of waybills on one
 * channel is one search (a Dahua search is five requests of a few hundred
 * milliseconds each, a Hikvision page holds 40 files), and 12 hours of
 * even one-minute event files stay well under the 5,000 recordings a
 * search may hold. */
#define SHARED_SPAN_MAX_US (12 * HOUR_US)
/* A span is shared only once it is over, with a margin for the
 * recorder's clock and a file still being closed: its recordings are
 * final. */
#define SHARED_SPAN_SETTLED_US ((gint64) 10 * 60 * G_USEC_PER_SEC)

/* A shared search: what the recorder has on one channel in [from, to). */
typedef struct
{
  guint      channel;
  gint64     from_us, to_us;
  GPtrArray *segments;   /* DcDvrSegment* */
} SharedSearch;

void
dc_shared_search_free (gpointer data)
{
  SharedSearch *search = data;

  g_ptr_array_unref (search->segments);
  g_free (search);
}

/* The segments of @all that overlap [from, to), copied. */
static GPtrArray *
segments_within (GPtrArray *all, gint64 from, gint64 to)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_segment_free);

  for (guint i = 0; i < all->len; i++)
    {
      const DcDvrSegment *seg = g_ptr_array_index (all, i);

      if (seg->start_us < to && seg->end_us > from)
        g_ptr_array_add (out, dc_dvr_segment_copy (seg));
    }
  return out;
}

/* The window a request's search must cover (as run_job sets it). */
static void
request_window (const DcDownloadRequest *req, gint64 *from, gint64 *to)
{
  gboolean clip = (req->mode & DC_OUTPUT_CLIP) != 0;

  *from = clip ? req->scan_us - req->pre_us : req->scan_us;
  *to = clip ? req->scan_us + req->post_us : req->scan_us + G_USEC_PER_SEC;
}

/* Called with the lock held: the span to search for [from, to) so that
 * the waybills still queued on this channel after it are answered by the
 * same search -- [from, the end of the last such window), at most
 * SHARED_SPAN_MAX_US and only what is settled. */
static void
shared_span_for (DcDvrRunner *runner, guint channel, gint64 from, gint64 to, gint64 settled,
                 gint64 *span_from, gint64 *span_to)
{
  gint64 lo = dc_job_floor_second (from);
  gint64 hi = to;

  for (GList *l = runner->queue.head; l != NULL; l = l->next)
    {
      DcJob *job = l->data;
      gint64 jf, jt;

      if (job->request->channel != channel)
        continue;
      request_window (job->request, &jf, &jt);
      if (jf >= lo && jt <= settled && jt <= lo + SHARED_SPAN_MAX_US)
        hi = MAX (hi, jt);
    }
  *span_from = lo;
  *span_to = dc_job_floor_second (hi + G_USEC_PER_SEC - 1);
}

/* Searches [from, to); a settled window is answered from one search that
 * also covers the later waybills queued on the channel, made once for all
 * of them. */
static GPtrArray *
search_shared (DcJobContext *ctx, gint64 from, gint64 to, GError **error)
{
  DcWorker *worker = ctx->worker;
  DcDvrRunner *runner = worker->runner;
  DcDownloader *self = runner->owner;
  guint channel = ctx->job->request->channel;
  gint64 settled = g_get_real_time () - SHARED_SPAN_SETTLED_US;
  SharedSearch *found = NULL;
  gint64 span_from, span_to;
  GPtrArray *all;
  GPtrArray *within;

  if (!self->options.share_searches || to > settled)
    {
      all = dc_dvr_session_search (worker->session, channel, from, to, error);
      dc_dvr_session_release (worker->session);
      return all;
    }
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < runner->searches->len && found == NULL; i++)
    {
      SharedSearch *s = g_ptr_array_index (runner->searches, i);

      if (s->channel == channel && s->from_us <= from && to <= s->to_us)
        found = s;
    }
  if (found != NULL)
    {
      within = segments_within (found->segments, from, to);
      g_mutex_unlock (&self->lock);
      return within;
    }
  shared_span_for (runner, channel, from, to, settled, &span_from, &span_to);
  g_mutex_unlock (&self->lock);

  all = dc_dvr_session_search (worker->session, channel, span_from, span_to, error);
  dc_dvr_session_release (worker->session);
  if (all == NULL)
    return NULL;
  {
    g_autofree char *at = dc_job_format_hms (span_from);
    g_autofree char *until = dc_job_format_hms (span_to);

    dc_log_printf (runner->log, "search channel %u, %s-%s: %u segment(s), shared", channel, at,
                   until, all->len);
  }
  within = segments_within (all, from, to);
  found = g_new0 (SharedSearch, 1);
  found->channel = channel;
  found->from_us = span_from;
  found->to_us = span_to;
  found->segments = all;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (runner->searches, found);
  g_mutex_unlock (&self->lock);
  return within;
}

gboolean
dc_job_ensure_segments (DcJobContext *ctx, GPtrArray **segments, GError **error)
{
  DcWorker *worker = ctx->worker;
  DcJob *job = ctx->job;
  gint64 from = ctx->search_from;
  gint64 to = ctx->search_to;

  if (*segments != NULL)
    return TRUE;
  set_state (worker, job, DC_JOB_SEARCHING);
  *segments = search_shared (ctx, from, to, error);
  if (*segments == NULL)
    return FALSE;
  dc_log_printf (worker->runner->log, "search channel %u for %s: %u segment(s)",
                 job->request->channel, job->request->waybill, (*segments)->len);
  if ((*segments)->len == 0)
    {
      no_recording_error (worker, job, from, to, error);
      return FALSE;
    }
  set_state (worker, job, DC_JOB_DOWNLOADING);
  return TRUE;
}

/* A clip to remux on the downloader's media pool; the transfer thread
 * that asks waits for it (the task lives on that thread's stack). */
typedef struct
{
  DcJob              *job;
  const DcMediaInput *inputs;
  guint               n_inputs;
  gint64              from_us, to_us;
  const char         *part;
  DcClipResult       *result;
  DcMediaInputSpan   *spans;
  gboolean            ok;
  GError             *error;
  gboolean            done;     /* under the downloader's lock */
} ClipTask;

void
dc_downloader_media_task_run (gpointer data, gpointer user_data)
{
  ClipTask *task = data;
  DcDownloader *self = user_data;
  gboolean skip;

  g_mutex_lock (&self->lock);
  skip = task->job->cancel_requested || self->quitting;
  g_mutex_unlock (&self->lock);
  if (skip)
    g_set_error_literal (&task->error, DC_DVR_ERROR, DC_DVR_ERROR_CANCELLED, _("Cancelled"));
  else
    task->ok = dc_media_write_clip_measured (task->inputs, task->n_inputs, task->from_us,
                                             task->to_us, task->part, task->result, task->spans,
                                             &task->error);
  g_mutex_lock (&self->lock);
  task->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gboolean
remux_on_media_pool (DcWorker *worker, DcJob *job, const DcMediaInput *inputs, guint n_inputs,
                     gint64 from_us, gint64 to_us, const char *part, DcClipResult *result,
                     DcMediaInputSpan *spans, GError **error)
{
  DcDownloader *self = owner_of (worker);
  ClipTask task = { job, inputs, n_inputs, from_us, to_us, part, result, spans, FALSE, NULL,
                    FALSE };

  g_thread_pool_push (self->media_pool, &task, NULL);
  g_mutex_lock (&self->lock);
  while (!task.done)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  if (!task.ok)
    g_propagate_error (error, task.error);
  return task.ok;
}

void
dc_job_set_state (DcJobContext *ctx, DcJobState state)
{
  set_state (ctx->worker, ctx->job, state);
}

void
dc_job_mark_whole_files_only (DcJobContext *ctx)
{
  mark_whole_files_only (ctx->worker);
}

void
dc_job_no_recording_error (DcJobContext *ctx, gint64 from_us, gint64 to_us, GError **error)
{
  no_recording_error (ctx->worker, ctx->job, from_us, to_us, error);
}

gboolean
dc_job_remux (DcJobContext *ctx, const DcMediaInput *inputs, guint n_inputs,
              gint64 from_us, gint64 to_us, const char *part, DcClipResult *result,
              DcMediaInputSpan *spans, GError **error)
{
  return remux_on_media_pool (ctx->worker, ctx->job, inputs, n_inputs, from_us, to_us, part,
                              result, spans, error);
}

DcByteSource *
dc_job_bound_source (DcJobContext *ctx, DcByteSource *source, gint64 duration_us,
                     guint64 known_size, const char *what_kind)
{
  DcDownloader *self = owner_of (ctx->worker);
  guint64 max = dc_budget_for_window (duration_us, self->options.max_bytes_per_s, known_size);
  g_autofree char *what = g_strdup_printf (_("the %s of waybill %s (%.0f s)"), what_kind,
                                           ctx->job->request->waybill,
                                           (double) duration_us / G_USEC_PER_SEC);

  return dc_budget_source_new (source, max, ctx->worker->runner->name, what);
}

gboolean
dc_job_write_evidence (DcJobContext *ctx, const char *file, const char *data_path,
                       gboolean is_clip, gint64 t0_us, gint64 t1_us, GError **error)
{
  DcEvidence ev = { 0 };

  ev.file = file;
  ev.data_path = data_path;
  ev.is_clip = is_clip;
  ev.partial = is_clip && ctx->partial_note != NULL;
  ev.note = ctx->partial_note;
  ev.request = ctx->job->request;
  ev.dvr = ctx->worker->runner->config;
  ev.info = dc_dvr_session_get_info (ctx->worker->session);
  ev.frame_us = t0_us;
  ev.span_start_us = t0_us;
  ev.span_end_us = t1_us;
  return dc_evidence_write (&ev, error);
}

/* Copies a whole byte source into @path (a .part file). */
gboolean
dc_job_save_source (DcByteSource *source, const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autofree guint8 *buf = g_malloc (64 * 1024);
  gssize n;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                        NULL, error);
  if (out == NULL)
    return FALSE;
  /* Errors of the recorder's side come back as they are (DC_DVR_ERROR);
   * the local file's errors (disk full...) stay G_IO_ERROR and name it. */
  while ((n = dc_byte_source_read (source, buf, 64 * 1024, error)) > 0)
    {
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buf, (gsize) n, NULL, NULL, error))
        return FALSE;
    }
  if (n < 0)
    return FALSE;
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

const DcDvrSegment *
dc_job_segment_covering (GPtrArray *segments, gint64 t_us)
{
  for (guint i = 0; segments != NULL && i < segments->len; i++)
    {
      const DcDvrSegment *seg = g_ptr_array_index (segments, i);
      if (seg->start_us <= t_us && t_us < seg->end_us)
        return seg;
    }
  return NULL;
}

static char *
overlay_text_for (const DcDownloadRequest *req)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (req->scan_us / G_USEC_PER_SEC);
  g_autofree char *when = dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("");
  return g_strdup_printf ("%s %s %s", req->waybill, req->dock ? req->dock : "", when);
}

static gboolean
make_picture (DcJobContext *ctx, GPtrArray **segments, const char *final_path, GError **error)
{
  DcWorker *worker = ctx->worker;
  DcJob *job = ctx->job;
  const DcDownloadRequest *req = job->request;
  const DcDvrInfo *info = dc_dvr_session_get_info (worker->session);
  const DcDvrSegment *seg = dc_job_segment_covering (*segments, req->scan_us);
  g_autoptr(DcByteSource) source = NULL;
  g_autofree char *part = dc_part_path_for (final_path);
  g_autofree char *overlay = NULL;
  DcPictureOptions options = { 90, NULL, 0 };
  DcPictureResult result = { 0 };
  g_autoptr(GError) local_error = NULL;
  gint64 stream_start = 0;
  gboolean whole_file = FALSE;
  gboolean ok;

  if (*segments != NULL && seg == NULL)
    {
      no_recording_error (worker, job, req->scan_us, req->scan_us, error);
      return FALSE;
    }

  set_state (worker, job, DC_JOB_DOWNLOADING);
  if (info->download_by_time)
    {
      g_autoptr(GError) window_error = NULL;

      stream_start = dc_job_floor_second (req->scan_us);
      source = dc_dvr_session_open_window (worker->session, req->channel, seg, stream_start,
                                           stream_start + PICTURE_WINDOW_AFTER_US, &window_error);
      if (source == NULL && !g_error_matches (window_error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED))
        {
          g_propagate_error (error, g_steal_pointer (&window_error));
          return FALSE;
        }
      if (source == NULL)
        mark_whole_files_only (worker);
      else
        source = dc_job_bound_source (ctx, source, PICTURE_WINDOW_AFTER_US + G_USEC_PER_SEC, 0,
                                      _("picture window"));
    }
  if (source == NULL)
    {
      /* a whole-file recorder: the file holding the scan, from a search */
      if (!dc_job_ensure_segments (ctx, segments, error))
        return FALSE;
      seg = dc_job_segment_covering (*segments, req->scan_us);
      if (seg == NULL)
        {
          no_recording_error (worker, job, req->scan_us, req->scan_us, error);
          return FALSE;
        }
      stream_start = seg->start_us;
      options.stream_end_us = seg->end_us;
      whole_file = TRUE;
      source = dc_dvr_session_open_segment_full (worker->session, seg, DC_DVR_OPEN_SPARSE, error);
      if (source == NULL)
        return FALSE;
      /* Read forward (no Range), the file up to the scan and a little
       * after is what the frame can cost. */
      source = dc_job_bound_source (ctx, source, req->scan_us - seg->start_us + PICTURE_WINDOW_AFTER_US
                                    + G_USEC_PER_SEC, seg->size, _("picture window"));
    }

  if (worker->runner->owner->options.overlay)
    options.overlay_text = overlay = overlay_text_for (req);

  ok = dc_media_extract_picture (source, seg ? seg->container : NULL, stream_start, req->scan_us,
                                 &options, part, &result, &local_error);
  ctx->base_done += source->bytes_transferred;
  if (!ok && whole_file && g_error_matches (local_error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT))
    {
      /* An MP4 whose index is at its end cannot be read as it streams in
       * from a recorder that ignores Range: fetch the file, then read it. */
      g_autofree char *raw = g_strconcat (part, ".raw.part", NULL);
      g_autoptr(DcByteSource) file_source = NULL;

      dc_log_printf (worker->runner->log, "picture %s: %s; reading the whole file instead",
                     req->waybill, local_error->message);
      g_clear_error (&local_error);
      g_clear_pointer (&source, dc_byte_source_free);
      source = dc_dvr_session_open_segment (worker->session, seg, &local_error);
      if (source != NULL)
        source = dc_job_bound_source (ctx, source, seg->end_us - seg->start_us, seg->size,
                                      _("recording file"));
      if (source != NULL && dc_job_save_source (source, raw, &local_error))
        {
          ctx->base_done += source->bytes_transferred;
          file_source = dc_byte_source_new_for_file (raw, &local_error);
          if (file_source != NULL)
            ok = dc_media_extract_picture (file_source, seg->container, stream_start, req->scan_us,
                                           &options, part, &result, &local_error);
        }
      {
        g_autoptr(GFile) f = g_file_new_for_path (raw);
        g_file_delete (f, NULL, NULL);
      }
    }
  if (!ok && g_error_matches (local_error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME))
    {
      /* What was received has no frame at the scan.  Whether the recorder
       * has one is for its search to say: "no recording" only then;
       * otherwise the transfer came back short of what it holds. */
      g_autoptr(GError) search_error = NULL;

      if (!dc_job_ensure_segments (ctx, segments, &search_error))
        {
          if (g_error_matches (search_error, DC_DVR_ERROR, DC_DVR_ERROR_NO_RECORDING))
            g_clear_error (&local_error), local_error = g_steal_pointer (&search_error);
        }
      else if (dc_job_segment_covering (*segments, req->scan_us) == NULL)
        {
          g_clear_error (&local_error);
          no_recording_error (worker, job, req->scan_us, req->scan_us, &local_error);
        }
      else
        {
          g_autofree char *at = dc_job_format_hms (req->scan_us);
          g_autofree char *why = g_strdup (local_error->message);

          g_clear_error (&local_error);
          g_set_error (&local_error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT,
                       _("DVR %s sent video without the frame at %s although its search lists a "
                         "recording then (%s)"),
                       worker->runner->name, at, why);
        }
    }
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  dc_log_printf (worker->runner->log, "picture %s: %s, %" G_GUINT64_FORMAT " bytes fetched, frame at %+"
                 G_GINT64_FORMAT " ms from the scan",
                 req->waybill, ok ? "ok" : "failed", ctx->base_done,
                 ok ? (result.frame_us - req->scan_us) / 1000 : 0);
  /* The record first: a file under its final name always has one. */
  if (ok)
    ok = dc_job_write_evidence (ctx, final_path, part, FALSE, result.frame_us, 0, error);
  if (ok)
    {
      ok = dc_commit_part_file (part, final_path, -1, error);
      if (!ok)
        dc_evidence_remove (final_path);
    }
  if (!ok)
    {
      g_autoptr(GFile) f = g_file_new_for_path (part);
      g_file_delete (f, NULL, NULL);
    }
  return ok;
}

/* Runs one attempt of @job.  Returns TRUE when its files are in place. */
static gboolean
run_job (DcWorker *worker, DcJob *job, char **partial_note, GError **error)
{
  DcDownloader *self = owner_of (worker);
  const DcDownloadRequest *req = job->request;
  g_autofree char *batch = dc_sanitize_file_name (req->batch ? req->batch : "dockclip");
  g_autofree char *stem = dc_sanitize_file_name (req->file_stem ? req->file_stem : req->waybill);
  g_autofree char *dir = g_build_filename (self->options.out_dir, batch, NULL);
  g_autofree char *jpg_name = g_strconcat (stem, ".jpg", NULL);
  g_autofree char *mp4_name = g_strconcat (stem, ".mp4", NULL);
  g_autofree char *jpg = g_build_filename (dir, jpg_name, NULL);
  g_autofree char *mp4 = g_build_filename (dir, mp4_name, NULL);
  gboolean want_picture = (req->mode & DC_OUTPUT_PICTURE) && !file_is_complete (jpg);
  gboolean want_clip = (req->mode & DC_OUTPUT_CLIP) && !file_is_complete (mp4);
  g_autoptr(GPtrArray) segments = NULL;
  DcJobContext ctx = { worker, job, 0, 0, 0, 0, 0, 0, NULL };
  gboolean ok;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&job->picture_path, g_free);
  g_clear_pointer (&job->clip_path, g_free);
  if (req->mode & DC_OUTPUT_PICTURE)
    job->picture_path = g_strdup (jpg);
  if (req->mode & DC_OUTPUT_CLIP)
    job->clip_path = g_strdup (mp4);
  job->skipped = !want_picture && !want_clip;
  g_mutex_unlock (&self->lock);

  if (job->skipped)
    return TRUE;

  if (!dc_ensure_private_dir (dir, error))
    {
      g_prefix_error (error, _("Cannot write the output folder: "));
      return FALSE;
    }
  if (!ensure_probed (worker, job, error))
    return FALSE;
  dc_dvr_session_set_progress_func (worker->session, on_progress, &ctx);

  /* "Check before download": make sure a recording exists.  A recorder
   * that only serves whole files is searched anyway (that is how it names
   * them), later, by the picture or clip step. */
  ctx.search_from = want_clip ? req->scan_us - req->pre_us : req->scan_us;
  ctx.search_to = want_clip ? req->scan_us + req->post_us : req->scan_us + G_USEC_PER_SEC;
  if (self->options.check_first && !dc_job_ensure_segments (&ctx, &segments, error))
    return FALSE;

  g_mutex_lock (&self->lock);
  dc_downloader_emit_dvr (self, worker->runner, DC_DVR_STATE_DOWNLOADING);
  g_mutex_unlock (&self->lock);

  if (want_picture && !make_picture (&ctx, &segments, jpg, error))
    return FALSE;
  ok = !want_clip || dc_job_make_clip (&ctx, &segments, dir, mp4, error);
  *partial_note = g_steal_pointer (&ctx.partial_note);
  return ok;
}

/* ------------------------------------------------------------------ */
/* Outcome → state                                                     */

/* Errors that may go away but are more likely to be the truth: the
 * device's own error status (statusCode 3 "Device Error": retry twice, as
 * the ISAPI notes advise) and a recording that ends before the scan (a
 * segment still being written, or truncated on the wire).  A few tries. */
#define FEW_ATTEMPTS 3

static gboolean
error_is_worth_a_few_tries (const GError *error)
{
  return g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE) ||
         g_error_matches (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME) ||
         g_error_matches (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT);
}

/* The transfer broke off: the connection dropped or stalled mid-file, or
 * the recorder sent less than it holds.  Counted, so the final reason
 * says how often. */
static gboolean
error_is_cut_short (const GError *error)
{
  return g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_DROPPED) ||
         g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_TRUNCATED) ||
         g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_STALLED) ||
         g_error_matches (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_SOURCE) ||
         g_error_matches (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT);
}

static gboolean
error_is_retryable (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error_is_worth_a_few_tries (error))
    return TRUE;
  if (error->domain == DC_DVR_ERROR)
    return dc_dvr_error_is_retryable (error);
  if (error->domain == DC_DOWNLOAD_ERROR)
    return FALSE;
  if (error->domain == DC_MEDIA_ERROR)
    return error->code == DC_MEDIA_ERROR_FORMAT || error->code == DC_MEDIA_ERROR_DECODE ||
           error->code == DC_MEDIA_ERROR_SOURCE;
  return FALSE;
}

/* A failure of this PC's side: writing the output (disk full, no right to
 * write the folder) — not the recorder's fault, and no retry helps. */
static gboolean
error_is_local_file (const GError *error)
{
  return error != NULL &&
         (error->domain == G_IO_ERROR ||
          g_error_matches (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO) ||
          g_error_matches (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_OUTPUT));
}

static char *
operator_message (DcDvrRunner *runner, DcJob *job, const GError *error, int retry_in_s)
{
  const char *dvr = runner->name;
  g_autofree char *host = dc_dvr_config_get_host (runner->config);
  const char *file = job->picture_path ? job->picture_path : job->clip_path;

  if (error_is_local_file (error))
    {
      g_autofree char *folder = file ? g_path_get_dirname (file) : g_strdup ("?");
      return g_strdup_printf (_("Cannot write the file of waybill %s in %s: %s. Free some disk "
                                "space or choose another output folder."),
                              job->request->waybill, folder, error->message);
    }

  if (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH))
    return g_strdup_printf (_("DVR %s (%s) rejected the user or password. Check them in the DVR "
                              "settings; Dockclip does not retry, so the recorder does not lock "
                              "the account."), dvr, host);
  if (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_BUSY))
    return retry_in_s > 0
           ? g_strdup_printf (_("DVR %s is busy; retrying in %d s"), dvr, retry_in_s)
           : g_strdup_printf (_("DVR %s stayed busy: %s"), dvr, error->message);
  /* The driver's text repeats the recorder and carries libcurl's English:
   * it goes to the log, the operator gets one sentence. */
  if (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE))
    return retry_in_s > 0
           ? g_strdup_printf (_("DVR %s (%s) cannot be reached; retrying in %d s"), dvr, host, retry_in_s)
           : g_strdup_printf (_("DVR %s (%s) cannot be reached: check that it is switched on and "
                                "connected, and that its address in the DVR settings is right."),
                              dvr, host);
  /* The error names the recorder and the waybill's window once each:
   * one sentence with what to do. */
  if (g_error_matches (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_TOO_BIG))
    return g_strdup_printf (_("%s: check the recorder's firmware, then use Download missing."),
                            error->message);
  if (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_NO_RECORDING))
    return g_strdup (error->message);
  if (retry_in_s > 0 && (error->domain == DC_DVR_ERROR || error->domain == DC_DOWNLOAD_ERROR) &&
      strstr (error->message, dvr) != NULL)
    return g_strdup_printf (_("%s; retrying in %d s"), error->message, retry_in_s);
  if (retry_in_s > 0)
    return g_strdup_printf (_("Download from DVR %s was interrupted (%s); retrying in %d s"),
                            dvr, error->message, retry_in_s);
  /* the drivers' messages already name the recorder */
  if ((error->domain == DC_DVR_ERROR || error->domain == DC_DOWNLOAD_ERROR) &&
      strstr (error->message, dvr) != NULL)
    return g_strdup (error->message);
  return g_strdup_printf (_("DVR %s: %s"), dvr, error->message);
}

/* Called with the lock held. */
static void
fail_queued_jobs_of (DcDownloader *self, DcDvrRunner *runner)
{
  GList *l = runner->queue.head;

  while (l != NULL)
    {
      DcJob *job = l->data;
      GList *next = l->next;

      g_queue_delete_link (&runner->queue, l);
      g_free (job->message);
      job->message = g_strdup (runner->message);
      g_clear_error (&job->error);
      g_set_error_literal (&job->error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH, runner->message);
      dc_downloader_set_job_state (self, job, DC_JOB_FAILED);
      l = next;
    }
}

/* Called with the lock held. */
static void
finish_job (DcDownloader *self, DcWorker *worker, DcJob *job, gboolean ok, GError *error,
            char *partial_note)
{
  DcDvrRunner *runner = worker->runner;
  g_autofree char *note = partial_note;
  gboolean busy;
  int tries, limit;

  job->worker = NULL;
  g_clear_error (&job->error);
  g_clear_pointer (&job->message, g_free);

  if (ok && note != NULL)
    {
      /* Final, but not done: the recorder has no recording for part of the
       * window.  The message is the covered span in words. */
      job->bytes_per_s = 0;
      job->message = g_strdup_printf (_("Waybill %s (DVR %s): %s"), job->request->waybill,
                                      runner->name, note);
      dc_downloader_set_job_state (self, job, DC_JOB_PARTIAL);
      g_clear_error (&error);
      return;
    }
  if (ok)
    {
      job->bytes_per_s = 0;
      job->n_dropped = 0;
      dc_downloader_set_job_state (self, job, DC_JOB_DONE);
      g_clear_error (&error);
      return;
    }
  if (job->cancel_requested || self->quitting)
    {
      dc_downloader_set_job_state (self, job, DC_JOB_CANCELLED);
      g_clear_error (&error);
      return;
    }
  if (job->pause_requested)
    {
      job->pause_requested = FALSE;
      dc_downloader_set_job_state (self, job, DC_JOB_PAUSED);
      g_clear_error (&error);
      return;
    }

  if (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH))
    {
      runner->auth_failed = TRUE;
      g_free (runner->message);
      runner->message = operator_message (runner, job, error, 0);
      dc_log_printf (runner->log, "stopped: wrong user or password (no retry)");
      job->message = g_strdup (runner->message);
      job->error = error;
      dc_downloader_set_job_state (self, job, DC_JOB_FAILED);
      dc_downloader_emit_dvr (self, runner, DC_DVR_STATE_FAILED);
      fail_queued_jobs_of (self, runner);
      return;
    }

  /* A busy recorder is serving someone else (often our own transfer that
   * it has not noticed is gone): waiting is not a failed try, so busy
   * answers have their own, longer budget instead of using up attempts. */
  if (error_is_cut_short (error))
    job->n_dropped++;
  busy = g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_BUSY);
  if (busy)
    {
      job->attempt--;
      job->busy_waits++;
    }
  else
    job->busy_waits = 0;
  tries = busy ? job->busy_waits : job->attempt;
  limit = busy ? 4 * self->options.max_attempts : self->options.max_attempts;
  if (error_is_worth_a_few_tries (error))
    limit = MIN (limit, FEW_ATTEMPTS);

  if (error_is_retryable (error) && tries < limit)
    {
      gint64 delay = self->options.retry_base_us;

      for (int i = 1; i < tries && delay < self->options.retry_max_us; i++)
        delay *= 2;
      delay = MIN (delay, self->options.retry_max_us);
      job->not_before_us = g_get_monotonic_time () + delay;
      job->message = operator_message (runner, job, error, (int) ((delay + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
      dc_log_printf (runner->log, "job %s attempt %d failed (%s); retry in %.1f s",
                     job->request->waybill, job->attempt, error->message,
                     (double) delay / G_USEC_PER_SEC);
      job->error = error;
      g_queue_push_tail (&runner->queue, job);
      dc_downloader_set_job_state (self, job, DC_JOB_RETRY_WAIT);
      return;
    }

  job->message = operator_message (runner, job, error, 0);
  if (error_is_retryable (error) && error_is_cut_short (error))
    {
      g_autofree char *last = job->message;
      g_autofree char *host = dc_dvr_config_get_host (runner->config);

      /* The cause is the broken transfers, not what the last broken one
       * happened to look like. */
      job->message = g_strdup_printf (ngettext ("DVR %s (%s): the connection dropped mid-file "
                                                "%u time for waybill %s. Check the network to the "
                                                "recorder, then use Download missing.",
                                                "DVR %s (%s): the connection dropped mid-file "
                                                "%u times for waybill %s. Check the network to the "
                                                "recorder, then use Download missing.",
                                                job->n_dropped),
                                      runner->name, host, job->n_dropped,
                                      job->request->waybill);
      dc_log_printf (runner->log, "job %s: last error: %s", job->request->waybill, last);
    }
  else if (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE))
    ;  /* "cannot be reached", said once */
  else if (error_is_retryable (error))
    {
      g_autofree char *last = job->message;
      job->message = g_strdup_printf (ngettext ("Gave up after %d attempt: %s",
                                                "Gave up after %d attempts: %s",
                                                tries),
                                      tries, last);
    }
  dc_log_printf (runner->log, "job %s failed: %s", job->request->waybill,
                 error ? error->message : "?");
  job->error = error;
  dc_downloader_set_job_state (self, job, DC_JOB_FAILED);
}

/* Called with the lock held: the next job this worker may start now, or
 * NULL and the time to wake up for a job waiting on a retry delay. */
static DcJob *
next_job (DcDvrRunner *runner, gint64 *wake_at)
{
  gint64 now = g_get_monotonic_time ();

  *wake_at = G_MAXINT64;
  for (GList *l = runner->queue.head; l != NULL; l = l->next)
    {
      DcJob *job = l->data;

      if (job->not_before_us <= now)
        {
          g_queue_delete_link (&runner->queue, l);
          return job;
        }
      *wake_at = MIN (*wake_at, job->not_before_us);
    }
  return NULL;
}

gpointer
dc_downloader_worker_main (gpointer data)
{
  DcWorker *worker = data;
  DcDvrRunner *runner = worker->runner;
  DcDownloader *self = runner->owner;
  g_autoptr(GError) session_error = NULL;
  DcDvrSession *session;

  g_mutex_lock (&self->lock);
  if (runner->log == NULL)
    {
      g_autofree char *name = dc_log_name_for_url (runner->config->url);
      g_autoptr(GError) log_error = NULL;

      runner->log = dc_log_open (self->options.log_dir, name,
                                 &log_error);
      if (runner->log == NULL)
        g_warning ("No log file for DVR %s: %s", runner->name, log_error->message);
    }
  g_mutex_unlock (&self->lock);

  g_mutex_lock (&self->lock);
  while (!self->quitting)
    {
      gint64 wake_at;
      /* max-downloads lowered by new settings: the workers past it wait */
      DcJob *job = worker->index < MAX (runner->config->max_downloads, 1) || runner->removed
                   ? next_job (runner, &wake_at) : (wake_at = G_MAXINT64, NULL);
      GError *error = NULL;
      char *partial_note;
      gboolean ok;

      if (job != NULL && !runner->removed &&
          (worker->config_serial != runner->config_serial ||
           (worker->session == NULL && session_error == NULL)))
        {
          /* The first job, or new settings since this worker's session
           * was made (dc_downloader_set_config): a session with them.
           * The config stays alive (old ones are kept by the runner). */
          const DcDvrConfig *cfg = runner->config;
          guint serial = runner->config_serial;

          /* The job is this worker's from here: nothing moves or drops
           * it while the lock is let go (a cancel is seen below). */
          job->worker = worker;
          session = worker->session;
          worker->session = NULL;
          g_mutex_unlock (&self->lock);
          g_clear_pointer (&session, dc_dvr_session_free);
          g_clear_error (&session_error);
          session = dc_dvr_session_new (cfg, runner->log, &session_error);
          if (session != NULL)
            dc_dvr_session_set_stall_timeout (session, self->options.stall_timeout_s);
          g_mutex_lock (&self->lock);
          worker->session = session;
          worker->config_serial = serial;
          if (job->cancel_requested || job->pause_requested || self->quitting)
            {
              finish_job (self, worker, job, FALSE, NULL, NULL);
              continue;
            }
        }
      session = worker->session;

      if (job == NULL)
        {
          if (wake_at == G_MAXINT64)
            g_cond_wait (&self->cond, &self->lock);
          else
            g_cond_wait_until (&self->cond, &self->lock, wake_at);
          continue;
        }

      job->worker = worker;
      job->attempt++;
      job->cancel_requested = FALSE;
      job->bytes_per_s = 0;
      if (session != NULL)
        dc_dvr_session_reset_cancel (session);

      if (runner->removed)
        {
          /* Queued again (retried) after its recorder left the settings. */
          finish_job (self, worker, job, FALSE, dc_downloader_removed_error (job), NULL);
          continue;
        }
      if (session == NULL || runner->auth_failed)
        {
          /* No request at all: a wrong password stays wrong until the
           * operator retries, and a bad config stays bad. */
          if (session == NULL)
            error = g_error_copy (session_error);
          else
            error = g_error_new_literal (DC_DVR_ERROR, DC_DVR_ERROR_AUTH, runner->message);
          finish_job (self, worker, job, FALSE, error, NULL);
          continue;
        }

      g_mutex_unlock (&self->lock);
      partial_note = NULL;
      ok = run_job (worker, job, &partial_note, &error);
      dc_dvr_session_set_progress_func (session, NULL, NULL);
      /* Whatever happened, free the device-side handles (Dahua finders). */
      dc_dvr_session_release (session);
      g_mutex_lock (&self->lock);

      finish_job (self, worker, job, ok, error, partial_note);
    }
  session = worker->session;
  worker->session = NULL;
  g_mutex_unlock (&self->lock);

  if (session != NULL)
    dc_dvr_session_free (session);
  return NULL;
}
