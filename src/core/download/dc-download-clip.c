/* dc-download-clip.c: the clip step of a job: [scan − pre, scan + post]
 * as one MP4, verified against what the recorder really sent.
 *
 * A recorder that downloads by time may stop at the end of the recording
 * file the window starts in (status 200, a well-formed but short stream).
 * So every piece received is measured (the span its frames cover, from the
 * media itself), and what is still missing is asked for again from where
 * the piece ended — the next recording file — until the window is covered.
 * Pieces are joined by time (the remuxer never writes a frame twice).
 *
 * The outcome is one of: the whole window (<stem>.mp4, done); part of it
 * because the recorder's search has no recording for the rest
 * (<stem>.partial.mp4, with the covered span in words); or an error when
 * the recorder holds more than it sent (retried).
 */
#define G_LOG_DOMAIN "dc-download-worker"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "download/dc-download-evidence.h"
#include "download/dc-download-job.h"
#include "util/dc-file-util.h"

/* A span ends "at the window's end" within this: frame boundaries and a
 * device that cuts at whole seconds. */
#define COVER_TOLERANCE_US (250 * 1000)
/* Recording files one window may need (10-minute files: 1 or 2; short
 * event files: more), and so by-time requests per clip at most. */
#define MAX_PIECES 16

typedef struct
{
  DcJobContext *ctx;
  const char   *dir;
  const char   *stem;
  const char   *part;     /* the clip being made */
  gint64        from, to; /* its window */
  GPtrArray    *paths;    /* char*: the raw pieces, deleted at the end */
  GArray       *inputs;   /* DcMediaInput */
  GPtrArray    *segs;     /* const DcDvrSegment* of each input (whole files), or NULL */
  /* The last remux: the clip at part, and what each input held. */
  DcClipResult      result;
  DcMediaInputSpan *spans;
  gboolean      remuxed;   /* of every input so far */
  gboolean      clip_made; /* FALSE: no input had any video */
} Pieces;

static const DcDvrSegment *
segment_starting_after (GPtrArray *segments, gint64 t_us, gint64 before_us)
{
  for (guint i = 0; segments != NULL && i < segments->len; i++)
    {
      const DcDvrSegment *seg = g_ptr_array_index (segments, i);

      if (seg->start_us > t_us && seg->start_us < before_us)
        return seg;
    }
  return NULL;
}

/* TRUE when the search lists a recording in [from, to). */
static gboolean
search_has_recording (GPtrArray *segments, gint64 from_us, gint64 to_us)
{
  for (guint i = 0; segments != NULL && i < segments->len; i++)
    {
      const DcDvrSegment *seg = g_ptr_array_index (segments, i);

      if (seg->start_us < to_us && seg->end_us > from_us)
        return TRUE;
    }
  return FALSE;
}

static char *
pieces_next_path (Pieces *p)
{
  char *path = g_strdup_printf ("%s%s%s.%u.part", p->dir, G_DIR_SEPARATOR_S, p->stem,
                                p->paths->len);

  g_ptr_array_add (p->paths, path);
  return path;
}

/* A piece the recorder sent; it may hold no video (the remux skips it). */
static void
pieces_add (Pieces *p, const char *path, const char *hint, gint64 start_us,
            const DcDvrSegment *seg)
{
  DcMediaInput input = { path, hint, start_us, TRUE };

  g_array_append_val (p->inputs, input);
  g_ptr_array_add (p->segs, (gpointer) seg);
  p->remuxed = FALSE;
}

/* Remuxes every piece into the clip, measuring each on the way: the
 * pieces are read once, by the remux that has to read them anyway.
 * FALSE with an error when the remux fails for another reason than "no
 * piece holds any video" (then clip_made is FALSE). */
static gboolean
pieces_remux (Pieces *p, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint frames = 0;
  gboolean ok;

  g_free (p->spans);
  p->spans = g_new0 (DcMediaInputSpan, MAX (p->inputs->len, 1));
  memset (&p->result, 0, sizeof p->result);
  dc_job_set_state (p->ctx, DC_JOB_PROCESSING);
  ok = dc_job_remux (p->ctx, (const DcMediaInput *) (gpointer) p->inputs->data, p->inputs->len,
                     p->from, p->to, p->part, &p->result, p->spans, &local_error);
  dc_job_set_state (p->ctx, DC_JOB_DOWNLOADING);
  p->remuxed = TRUE;
  p->clip_made = ok;
  for (guint i = 0; i < p->inputs->len; i++)
    frames += p->spans[i].n_frames;
  if (!ok && frames == 0 && g_error_matches (local_error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME))
    return TRUE;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

/* The span input @i covers from its start (0: none), as the last remux
 * saw it; reaching past the window's end when the remux stopped there. */
static gint64
pieces_covered (Pieces *p, guint i)
{
  const DcMediaInputSpan *span = &p->spans[i];
  gint64 start = g_array_index (p->inputs, DcMediaInput, i).start_us;

  if (span->n_frames == 0)
    return 0;
  return MAX (span->end_us - start, 0);
}

/* The span a downloaded piece covers, from its own frames (a piece after
 * the first of a window the recorder cut: rare, and small). */
static gint64
measure_piece (Pieces *p, const char *path, const char *hint)
{
  g_autoptr(GError) local_error = NULL;
  gint64 duration = 0;
  guint frames = 0;

  if (!dc_media_measure_file (path, hint, &duration, &frames, NULL, NULL, &local_error))
    {
      /* An empty or undecodable piece covers nothing; the coverage check
       * decides what that means. */
      dc_log_printf (p->ctx->worker->runner->log, "clip %s: piece %s holds no video (%s)",
                     p->ctx->job->request->waybill, path, local_error->message);
      return 0;
    }
  return frames > 0 ? duration : 0;
}

/* Downloads [from, to) by time, piece after piece, from where the last
 * piece really ended.  Returns FALSE with NOT_SUPPORTED when the device
 * refused the first by-time request (the caller goes whole-file). */
static gboolean
fetch_by_time (Pieces *p, GPtrArray **segments, gint64 from, gint64 to, GError **error)
{
  DcJobContext *ctx = p->ctx;
  DcDvrSession *session = ctx->worker->session;
  const DcDownloadRequest *req = ctx->job->request;
  gint64 end = dc_job_floor_second (to) + G_USEC_PER_SEC;
  gint64 cursor = from;

  for (guint n = 0; cursor < to - COVER_TOLERANCE_US; n++)
    {
      const DcDvrSegment *seg = dc_job_segment_covering (*segments, cursor);
      g_autoptr(DcByteSource) source = NULL;
      g_autoptr(GError) local_error = NULL;
      gint64 start, covered;
      char *path;

      if (n >= MAX_PIECES)
        {
          g_set_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT,
                       _("DVR %s needed more than %d requests for one clip window"),
                       ctx->worker->runner->name, MAX_PIECES);
          return FALSE;
        }
      if (*segments != NULL && seg == NULL)
        {
          /* Nothing recorded at the cursor: go on at the next recording
           * in the window, if any (the gap is the search's word). */
          seg = segment_starting_after (*segments, cursor, to);
          if (seg == NULL)
            return TRUE;
          cursor = seg->start_us;
        }
      /* The device starts at a whole second's keyframe, or where its
       * recording file starts if that is later. */
      start = dc_job_floor_second (cursor);
      if (seg != NULL && seg->start_us > start)
        start = seg->start_us;

      source = dc_dvr_session_open_window (session, req->channel, seg, start, end, &local_error);
      if (source == NULL)
        {
          if (n == 0 && g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_NO_RECORDING) && n > 0)
            {
              /* The device has nothing more from the cursor; the search
               * decides whether that is the truth. */
              if (!dc_job_ensure_segments (ctx, segments, error))
                return FALSE;
              if (!search_has_recording (*segments, cursor + COVER_TOLERANCE_US, to))
                return TRUE;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      source = dc_job_bound_source (ctx, g_steal_pointer (&source), end - start, 0,
                                    _("clip window"));
      path = pieces_next_path (p);
      if (!dc_job_save_source (source, path, error))
        {
          ctx->base_done += source->bytes_transferred;
          return FALSE;
        }
      ctx->base_done += source->bytes_transferred;
      if (n == 0)
        {
          /* Most windows come whole in one piece: its remux is the clip,
           * and measures the piece on the way. */
          pieces_add (p, path, seg ? seg->container : NULL, start, NULL);
          if (!pieces_remux (p, error))
            return FALSE;
          covered = pieces_covered (p, 0);
        }
      else
        {
          /* The recorder cut the window: measure this piece, remux all
           * of them at the end. */
          covered = measure_piece (p, path, seg ? seg->container : NULL);
          if (covered > 0)
            pieces_add (p, path, seg ? seg->container : NULL, start, NULL);
        }
      dc_log_printf (ctx->worker->runner->log,
                     "clip %s: piece %u asked %.1f s from %+.1f s, got %.1f s",
                     req->waybill, n, (double) (end - start) / G_USEC_PER_SEC,
                     (double) (start - from) / G_USEC_PER_SEC, (double) covered / G_USEC_PER_SEC);
      if (start + covered > cursor + COVER_TOLERANCE_US)
        {
          cursor = start + covered;
          continue;
        }

      /* No progress: the recorder sent nothing new from the cursor.  Its
       * search says whether there is more to have. */
      if (!dc_job_ensure_segments (ctx, segments, error))
        return FALSE;
      if (!search_has_recording (*segments, cursor + COVER_TOLERANCE_US, to))
        return TRUE;
      seg = dc_job_segment_covering (*segments, cursor + COVER_TOLERANCE_US);
      if (seg == NULL)
        {
          /* a gap, then more recording: the loop goes on from there */
          seg = segment_starting_after (*segments, cursor, to);
          cursor = seg->start_us;
          continue;
        }
      {
        g_autofree char *at = dc_job_format_hms (cursor);
        g_autofree char *until = dc_job_format_hms (MIN (seg->end_us, to));

        g_set_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT,
                     _("DVR %s sent no video after %s although its search lists a recording "
                       "until %s"),
                     ctx->worker->runner->name, at, until);
      }
      return FALSE;
    }
  return TRUE;
}

/* Downloads every recording file of [from, to) whole; the remux
 * measures them (check_whole_files). */
static gboolean
fetch_whole_files (Pieces *p, GPtrArray **segments, gint64 from, gint64 to, GError **error)
{
  DcJobContext *ctx = p->ctx;

  if (!dc_job_ensure_segments (ctx, segments, error))
    return FALSE;
  for (guint i = 0; i < (*segments)->len; i++)
    {
      const DcDvrSegment *seg = g_ptr_array_index (*segments, i);
      g_autoptr(DcByteSource) source = NULL;
      char *path;

      if (seg->end_us <= from || seg->start_us >= to)
        continue;
      source = dc_dvr_session_open_segment (ctx->worker->session, seg, error);
      if (source == NULL)
        return FALSE;
      source = dc_job_bound_source (ctx, g_steal_pointer (&source), seg->end_us - seg->start_us,
                                    seg->size, _("recording file"));
      path = pieces_next_path (p);
      if (!dc_job_save_source (source, path, error))
        {
          ctx->base_done += source->bytes_transferred;
          return FALSE;
        }
      ctx->base_done += source->bytes_transferred;
      pieces_add (p, path, seg->container, seg->start_us, seg);
    }
  return TRUE;
}

/* After the remux: a whole file that ends sooner than the search says,
 * where the window needs it, is a transfer that fell short, not the
 * recording.  A file the remux did not need to reach is not judged. */
static gboolean
check_whole_files (Pieces *p, gint64 to, GError **error)
{
  for (guint i = 0; i < p->inputs->len; i++)
    {
      const DcDvrSegment *seg = g_ptr_array_index (p->segs, i);
      const DcMediaInputSpan *span = &p->spans[i];
      gint64 ends = seg != NULL ? seg->start_us + pieces_covered (p, i) : 0;

      if (seg == NULL || !span->read || !span->to_end || seg->still_writing ||
          ends >= MIN (seg->end_us, to) - COVER_TOLERANCE_US)
        continue;
      {
        g_autofree char *at = dc_job_format_hms (ends);
        g_autofree char *until = dc_job_format_hms (MIN (seg->end_us, to));

        g_set_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT,
                     _("DVR %s sent a recording file that ends at %s although its search "
                       "lists it until %s"),
                     p->ctx->worker->runner->name, at, until);
        return FALSE;
      }
    }
  return TRUE;
}

/* The covered span against the window: NULL when complete, else the
 * reason in words when the search confirms the gaps; an error when the
 * recorder holds more than it sent. */
static gboolean
judge_coverage (DcJobContext *ctx, GPtrArray **segments, gint64 from, gint64 to,
                gint64 span_start, gint64 span_end, char **note, GError **error)
{
  gboolean head = span_start > from + COVER_TOLERANCE_US;
  gboolean tail = span_end < to - COVER_TOLERANCE_US;
  g_autofree char *s0 = dc_job_format_hms (span_start);
  g_autofree char *s1 = dc_job_format_hms (span_end);
  const char *dvr = ctx->worker->runner->name;

  *note = NULL;
  if (!head && !tail)
    return TRUE;
  if (!dc_job_ensure_segments (ctx, segments, error))
    return FALSE;
  if ((head && search_has_recording (*segments, from, span_start - COVER_TOLERANCE_US)) ||
      (tail && search_has_recording (*segments, span_end + COVER_TOLERANCE_US, to)))
    {
      g_set_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT,
                   _("DVR %s sent only %s–%s of the clip window although its search lists "
                     "more recording in it"), dvr, s0, s1);
      return FALSE;
    }
  if (head && tail)
    *note = g_strdup_printf (_("clip covers %s–%s; the recorder has no recording before %s "
                               "or after %s"), s0, s1, s0, s1);
  else if (head)
    *note = g_strdup_printf (_("clip covers %s–%s; the recorder has no recording before %s"),
                             s0, s1, s0);
  else
    *note = g_strdup_printf (_("clip covers %s–%s; the recorder has no recording after %s"),
                             s0, s1, s1);
  return TRUE;
}

static void
delete_file (const char *path)
{
  g_autoptr(GFile) f = g_file_new_for_path (path);

  g_file_delete (f, NULL, NULL);
}

/* <dir>/<stem>.partial.mp4 for <dir>/<stem>.mp4 */
static char *
partial_path_for (const char *final_path)
{
  g_autofree char *base = g_strndup (final_path, strlen (final_path) - strlen (".mp4"));

  return g_strconcat (base, ".partial.mp4", NULL);
}

gboolean
dc_job_make_clip (DcJobContext *ctx, GPtrArray **segments, const char *dir,
                  const char *final_path, GError **error)
{
  DcWorker *worker = ctx->worker;
  DcJob *job = ctx->job;
  DcDownloader *self = worker->runner->owner;
  const DcDownloadRequest *req = job->request;
  const DcDvrInfo *info = dc_dvr_session_get_info (worker->session);
  gint64 from = req->scan_us - req->pre_us;
  gint64 to = req->scan_us + req->post_us;
  g_autofree char *part = dc_part_path_for (final_path);
  g_autofree char *partial = partial_path_for (final_path);
  /* The recorder's raw pieces sit beside the clip as <stem>.mp4.<n>.part
   * while it is made: the .part suffix says "not evidence yet", and a
   * killed run's leftovers are cleaned like any other part file. */
  g_autofree char *stem = g_path_get_basename (final_path);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) inputs = g_array_new (FALSE, TRUE, sizeof (DcMediaInput));
  g_autoptr(GPtrArray) segs = g_ptr_array_new ();
  Pieces p = { ctx, dir, stem, part, from, to, paths, inputs, segs, { 0 }, NULL, FALSE, FALSE };
  g_autoptr(GError) local_error = NULL;
  const DcClipResult *result = &p.result;
  const char *target = final_path;
  gboolean whole_files = !info->download_by_time;
  gboolean ok = TRUE;

  dc_job_set_state (ctx, DC_JOB_DOWNLOADING);
  g_clear_pointer (&ctx->partial_note, g_free);
  if (!whole_files)
    {
      ok = fetch_by_time (&p, segments, from, to, &local_error);
      if (!ok && g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED))
        {
          dc_job_mark_whole_files_only (ctx);
          g_clear_error (&local_error);
          whole_files = TRUE;
        }
    }
  if (whole_files)
    ok = fetch_whole_files (&p, segments, from, to, &local_error);

  /* The pieces are measured by the remux (the clip is made and each
   * piece's span read in one pass); a by-time window that came whole is
   * already remuxed. */
  if (ok && inputs->len > 0 && !p.remuxed)
    ok = pieces_remux (&p, &local_error);
  if (ok && whole_files && inputs->len > 0)
    ok = check_whole_files (&p, to, &local_error);
  if (ok && !p.clip_made)
    {
      /* Nothing at all: the search says whether that is the truth. */
      if (dc_job_ensure_segments (ctx, segments, &local_error))
        {
          if (search_has_recording (*segments, from, to))
            g_set_error (&local_error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_SHORT,
                         _("DVR %s sent no video for the clip window although its search lists "
                           "a recording in it"), worker->runner->name);
          else
            dc_job_no_recording_error (ctx, from, to, &local_error);
        }
      ok = FALSE;
    }
  if (ok)
    {
      for (guint i = 0; i < inputs->len; i++)
        if (p.spans[i].largest_gap_us > G_USEC_PER_SEC)
          dc_log_printf (worker->runner->log, "clip %s: piece %u has a gap of %.1f s in its video",
                         req->waybill, i, (double) p.spans[i].largest_gap_us / G_USEC_PER_SEC);
      dc_job_set_state (ctx, DC_JOB_PROCESSING);
      ok = judge_coverage (ctx, segments, from, to, result->first_frame_us,
                           result->first_frame_us + result->duration_us, &ctx->partial_note,
                           &local_error);
    }
  if (ok && ctx->partial_note != NULL)
    target = partial;
  /* The record first: a file under its final name always has one. */
  if (ok)
    ok = dc_job_write_evidence (ctx, target, part, TRUE, result->first_frame_us,
                                result->first_frame_us + result->duration_us, &local_error);
  if (ok)
    {
      ok = dc_commit_part_file (part, target, -1, &local_error);
      if (!ok)
        dc_evidence_remove (target);
    }
  if (ok && target == final_path)
    {
      /* A complete clip replaces an earlier partial one. */
      delete_file (partial);
      dc_evidence_remove (partial);
    }
  if (ok && target == partial)
    {
      g_mutex_lock (&self->lock);
      g_free (job->clip_path);
      job->clip_path = g_strdup (partial);
      g_mutex_unlock (&self->lock);
    }
  dc_log_printf (worker->runner->log, "clip %s: %s, %u piece(s), %.1f s of %.1f s%s%s",
                 req->waybill, !ok ? "failed" : ctx->partial_note ? "partial" : "ok",
                 inputs->len, (double) result->duration_us / G_USEC_PER_SEC,
                 (double) (to - from) / G_USEC_PER_SEC,
                 ok && ctx->partial_note ? ": " : "", ok && ctx->partial_note ? ctx->partial_note : "");

  for (guint i = 0; i < paths->len; i++)
    delete_file (g_ptr_array_index (paths, i));
  g_free (p.spans);
  if (!ok)
    {
      delete_file (part);
      g_clear_pointer (&ctx->partial_note, g_free);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return ok;
}
