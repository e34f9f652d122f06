#define G_LOG_DOMAIN "dc-media"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "media/dc-media-private.h"
#include "util/dc-keyring.h"

/* Output time base: fine enough for any recorder frame rate, and what
 * MPEG-PS uses, so PS timestamps map without rounding. */
static const AVRational out_tb = { 1, 90000 };

enum { OUT_VIDEO, OUT_AUDIO, N_OUT };

#define DC_MEDIA_AUDIO_LOOKAHEAD_US (2 * G_USEC_PER_SEC)

typedef struct
{
  const char          *mp4_path;
  gint64               from_us, to_us;
  const AVOutputFormat *ofmt;
  AVFormatContext     *out;
  AVStream            *ost[N_OUT];
  /* Packets since the last keyframe before from_us (stream_index is
   * OUT_VIDEO or OUT_AUDIO, times in µs of the PC clock), written once the
   * clip starts. */
  GPtrArray           *preroll;
  AVCodecParameters   *video_par;      /* of the input the clip starts in */
  AVCodecParameters   *audio_par;      /* NULL: no audio MP4 can carry */
  gboolean             started;
  gboolean             video_done;     /* video reached to_us */
  gboolean             done;
  /* Overlapping segments hold the same frames: the last instant taken per
   * stream, so that none is written twice. */
  gboolean             have_taken[N_OUT];
  gint64               last_taken_us[N_OUT];
  gint64               base_us;        /* PC time of the clip's first frame */
  gint64               last_out_dts[N_OUT];
  gboolean             have_out[N_OUT];
  gint64               end_us;
  guint                n_frames;
} Clip;

static void
packet_free (gpointer data)
{
  AVPacket *pkt = data;

  av_packet_free (&pkt);
}

static AVStream *
clip_add_stream (Clip *clip, const AVCodecParameters *par)
{
  AVStream *st = avformat_new_stream (clip->out, NULL);

  if (st == NULL || avcodec_parameters_copy (st->codecpar, par) < 0)
    return NULL;
  /* The recorder's tag (if any) belongs to its container, not to MP4. */
  st->codecpar->codec_tag = 0;
  st->time_base = par->codec_type == AVMEDIA_TYPE_AUDIO && par->sample_rate > 0
                  ? (AVRational) { 1, par->sample_rate } : out_tb;
  return st;
}

static gboolean
clip_open_output (Clip *clip, GError **error)
{
  g_autoptr(AVDictionary) opts = NULL;
  int ret;

  ret = avformat_alloc_output_context2 (&clip->out, clip->ofmt, NULL, clip->mp4_path);
  if (ret < 0 || clip->out == NULL)
    {
      dc_media_demux_set_error (NULL, error, DC_MEDIA_ERROR_ENCODE, ret,
                                _("Cannot create the clip"));
      return FALSE;
    }
  clip->ost[OUT_VIDEO] = clip_add_stream (clip, clip->video_par);
  if (clip->audio_par != NULL)
    clip->ost[OUT_AUDIO] = clip_add_stream (clip, clip->audio_par);
  if (clip->ost[OUT_VIDEO] == NULL || (clip->audio_par != NULL && clip->ost[OUT_AUDIO] == NULL))
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_ENCODE, "out of memory");
      return FALSE;
    }

  /* avio_open creates with 0666 & ~umask but keeps the mode of a file
   * that exists: create it private (DC_FILE_MODE) first. */
  if (!dc_private_file_prepare (clip->mp4_path, error))
    return FALSE;
  ret = avio_open (&clip->out->pb, clip->mp4_path, AVIO_FLAG_WRITE);
  if (ret < 0)
    {
      char buf[AV_ERROR_MAX_STRING_SIZE];

      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, _("Cannot write %s (%s)"),
                   clip->mp4_path, av_make_error_string (buf, sizeof buf, ret));
      return FALSE;
    }
  /* moov first, so a player can start before the whole file is there. */
  av_dict_set (&opts, "movflags", "+faststart", 0);
  ret = avformat_write_header (clip->out, &opts);
  if (ret < 0)
    {
      dc_media_demux_set_error (NULL, error, DC_MEDIA_ERROR_ENCODE, ret,
                                _("The video cannot be stored in an MP4 clip"));
      return FALSE;
    }
  return TRUE;
}

/* @pkt has pts/dts/duration in µs of the PC clock. */
static gboolean
clip_write (Clip *clip, AVPacket *pkt, GError **error)
{
  int kind = pkt->stream_index;
  gint64 pts_us = pkt->pts, dts_us = pkt->dts, dur_us = pkt->duration;
  AVStream *st;
  int ret;

  if (clip->out == NULL)
    {
      g_assert (kind == OUT_VIDEO);
      clip->base_us = pts_us;
      if (!clip_open_output (clip, error))
        return FALSE;
    }
  st = clip->ost[kind];
  if (st == NULL || pts_us < clip->base_us)
    return TRUE;   /* audio before the first frame, or no audio track */

  pkt->stream_index = st->index;
  pkt->pts = av_rescale_q (pts_us - clip->base_us, AV_TIME_BASE_Q, st->time_base);
  pkt->dts = av_rescale_q (dts_us - clip->base_us, AV_TIME_BASE_Q, st->time_base);
  pkt->duration = av_rescale_q (dur_us, AV_TIME_BASE_Q, st->time_base);
  pkt->time_base = st->time_base;
  /* Joined segments may disagree by a tick: the muxer needs strictly
   * increasing dts. */
  if (clip->have_out[kind] && pkt->dts <= clip->last_out_dts[kind])
    pkt->dts = clip->last_out_dts[kind] + 1;
  if (pkt->pts < pkt->dts)
    pkt->pts = pkt->dts;
  clip->last_out_dts[kind] = pkt->dts;
  clip->have_out[kind] = TRUE;
  if (kind == OUT_VIDEO)
    {
      clip->end_us = MAX (clip->end_us, pts_us + dur_us);
      clip->n_frames++;
    }
  pkt->pos = -1;

  ret = av_interleaved_write_frame (clip->out, pkt);
  if (ret < 0)
    {
      char buf[AV_ERROR_MAX_STRING_SIZE];

      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, _("Cannot write %s (%s)"),
                   clip->mp4_path, av_make_error_string (buf, sizeof buf, ret));
      return FALSE;
    }
  return TRUE;
}

/* A new start keyframe at @key_us: drop what came before it, except audio
 * of its time that the container stored ahead of the video. */
static void
clip_reset_preroll (Clip *clip, const AVCodecParameters *par, gint64 key_us)
{
  guint i = 0;

  while (i < clip->preroll->len)
    {
      AVPacket *old = g_ptr_array_index (clip->preroll, i);

      if (old->stream_index == OUT_AUDIO && old->pts >= key_us)
        i++;
      else
        g_ptr_array_remove_index (clip->preroll, i);
    }
  avcodec_parameters_free (&clip->video_par);
  clip->video_par = avcodec_parameters_alloc ();
  avcodec_parameters_copy (clip->video_par, par);
}

static gboolean
clip_take_video (Clip *clip, AVPacket *pkt, const AVCodecParameters *par, GError **error)
{
  gboolean key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;

  if (!clip->started)
    {
      gboolean have_key = clip->video_par != NULL;

      /* The latest keyframe at or before from_us is the clip's start; one
       * after it starts the clip only if the recording has none before. */
      if (key && (pkt->pts <= clip->from_us || !have_key))
        clip_reset_preroll (clip, par, pkt->pts);
      else if (!have_key)
        return TRUE;   /* nothing decodable before the first keyframe */

      if (pkt->pts < clip->from_us)
        {
          g_ptr_array_add (clip->preroll, av_packet_clone (pkt));
          return TRUE;
        }
      clip->started = TRUE;
      g_ptr_array_add (clip->preroll, av_packet_clone (pkt));
      /* Video first: the keyframe sets the clip's time zero; the muxer
       * interleaves the streams by time. */
      for (int kind = OUT_VIDEO; kind < N_OUT; kind++)
        for (guint i = 0; i < clip->preroll->len; i++)
          {
            AVPacket *p = g_ptr_array_index (clip->preroll, i);

            if (p->stream_index == kind && p->pts < clip->to_us && !clip_write (clip, p, error))
              return FALSE;
          }
      g_ptr_array_set_size (clip->preroll, 0);
      return TRUE;
    }
  /* Reordered frames (B-frames) past the end are left out. */
  if (pkt->pts >= clip->to_us)
    return TRUE;
  return clip_write (clip, pkt, error);
}

static gboolean
clip_take_audio (Clip *clip, AVPacket *pkt, GError **error)
{
  if (pkt->pts >= clip->to_us)
    return TRUE;
  if (!clip->started)
    {
      g_ptr_array_add (clip->preroll, av_packet_clone (pkt));
      return TRUE;
    }
  return clip_write (clip, pkt, error);
}

/* The input's audio stream if the clip carries it, else -1. */
static int
clip_find_audio (Clip *clip, DcMediaDemux *demux)
{
  int idx = av_find_best_stream (demux->fmt, AVMEDIA_TYPE_AUDIO, -1, demux->video_index, NULL, 0);
  AVCodecParameters *par;

  if (idx < 0)
    return -1;
  par = demux->fmt->streams[idx]->codecpar;
  if (clip->audio_par == NULL && clip->out == NULL)
    {
      /* G.711, what most recorders record, has no MP4 mapping: such a
       * clip is video only (re-encoding audio is out of scope). */
      if (avformat_query_codec (clip->ofmt, par->codec_id, FF_COMPLIANCE_NORMAL) != 1 ||
          par->sample_rate <= 0)
        {
          g_debug ("audio %s cannot go into MP4, clip without sound",
                   avcodec_get_name (par->codec_id));
          return -1;
        }
      clip->audio_par = avcodec_parameters_alloc ();
      avcodec_parameters_copy (clip->audio_par, par);
    }
  if (clip->audio_par == NULL || clip->audio_par->codec_id != par->codec_id ||
      clip->audio_par->sample_rate != par->sample_rate)
    return -1;
  return idx;
}

/* Notes a video frame of the input in its span. */
static void
span_add_frame (DcMediaInputSpan *span, gint64 pts_us, gint64 dts_us, gint64 dur_us,
                gint64 *last_dts_us)
{
  if (span->n_frames == 0)
    {
      span->first_us = pts_us;
      span->end_us = pts_us + dur_us;
    }
  else
    {
      span->first_us = MIN (span->first_us, pts_us);
      span->end_us = MAX (span->end_us, pts_us + dur_us);
      if (dts_us - *last_dts_us - dur_us > span->largest_gap_us)
        span->largest_gap_us = dts_us - *last_dts_us - dur_us;
    }
  *last_dts_us = dts_us;
  span->n_frames++;
}

static gboolean
clip_read_input (Clip *clip, const DcMediaInput *input, DcMediaInputSpan *span, GError **error)
{
  g_autoptr(DcByteSource) source = NULL;
  g_autoptr(DcMediaDemux) demux = NULL;
  g_autoptr(AVPacket) pkt = NULL;
  g_autoptr(GError) open_error = NULL;
  gint64 last_dts = AV_NOPTS_VALUE;
  gint64 last_span_dts_us = 0;
  int audio_index;
  int ret;

  span->read = TRUE;
  source = dc_byte_source_new_for_file (input->path, error);
  if (source == NULL)
    return FALSE;
  demux = dc_media_demux_open (source, input->format_hint, 0, &open_error);
  if (demux == NULL)
    {
      /* A recorder's piece that is not media covers nothing: the caller
       * judges what that means from the spans. */
      if (input->may_be_empty && open_error->domain == DC_MEDIA_ERROR)
        {
          g_debug ("%s holds no video (%s), skipped", input->path, open_error->message);
          span->to_end = TRUE;
          return TRUE;
        }
      g_propagate_prefixed_error (error, g_steal_pointer (&open_error), "%s: ", input->path);
      return FALSE;
    }
  audio_index = clip_find_audio (clip, demux);
  pkt = av_packet_alloc ();

  while ((ret = av_read_frame (demux->fmt, pkt)) >= 0 || ret == AVERROR (EAGAIN))
    {
      AVRational tb;
      gint64 pts, dts, pts_us, dts_us, dur_us;
      int kind;

      if (ret < 0)
        continue;
      if (pkt->stream_index == demux->video_index)
        kind = OUT_VIDEO;
      else if (pkt->stream_index == audio_index && audio_index >= 0)
        kind = OUT_AUDIO;
      else
        {
          av_packet_unref (pkt);
          continue;
        }
      tb = demux->fmt->streams[pkt->stream_index]->time_base;

      pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pts;
      if (kind == OUT_VIDEO)
        {
          if (dts == AV_NOPTS_VALUE && last_dts != AV_NOPTS_VALUE)
            pts = dts = last_dts + av_rescale_q (demux->frame_dur_us, AV_TIME_BASE_Q, tb);
          if (dts != AV_NOPTS_VALUE)
            last_dts = dts;
          if (demux->first_pts == AV_NOPTS_VALUE)
            demux->first_pts = pts;
        }
      if (dts == AV_NOPTS_VALUE || demux->first_pts == AV_NOPTS_VALUE)
        {
          av_packet_unref (pkt);
          continue;
        }

      /* Audio shares the video's clock (PS SCR, MP4 timeline): anchor both
       * on the video's first frame. */
      pts_us = input->start_us + av_rescale_q (pts, tb, AV_TIME_BASE_Q)
               - av_rescale_q (demux->first_pts, demux->video->time_base, AV_TIME_BASE_Q);
      dts_us = pts_us + av_rescale_q (dts - pts, tb, AV_TIME_BASE_Q);
      dur_us = pkt->duration > 0 ? av_rescale_q (pkt->duration, tb, AV_TIME_BASE_Q)
               : kind == OUT_VIDEO ? demux->frame_dur_us : 0;
      if (kind == OUT_VIDEO)
        span_add_frame (span, pts_us, dts_us, dur_us, &last_span_dts_us);
      if (kind == OUT_VIDEO && dts_us >= clip->to_us)
        clip->video_done = TRUE;
      /* Containers store audio a little ahead of or behind the video: go
       * on past the video's end until the audio is complete too. */
      if (clip->video_done &&
          (audio_index < 0 || (kind == OUT_AUDIO && dts_us >= clip->to_us) ||
           (kind == OUT_VIDEO && dts_us >= clip->to_us + DC_MEDIA_AUDIO_LOOKAHEAD_US)))
        {
          clip->done = TRUE;
          av_packet_unref (pkt);
          break;
        }
      if (kind == OUT_VIDEO && clip->video_done)
        {
          av_packet_unref (pkt);
          continue;
        }
      /* Half a frame of slack for segment clocks that disagree by a tick. */
      if (clip->have_taken[kind] && dts_us <= clip->last_taken_us[kind] + dur_us / 2)
        {
          av_packet_unref (pkt);
          continue;
        }

      pkt->pts = pts_us;
      pkt->dts = dts_us;
      pkt->duration = dur_us;
      pkt->time_base = AV_TIME_BASE_Q;
      pkt->stream_index = kind;
      clip->have_taken[kind] = TRUE;
      clip->last_taken_us[kind] = dts_us;
      if (kind == OUT_VIDEO ? !clip_take_video (clip, pkt, demux->video->codecpar, error)
                            : !clip_take_audio (clip, pkt, error))
        return FALSE;
      av_packet_unref (pkt);
    }
  /* Ended by the file (its end, or data the demuxer cannot go past), not
   * by the clip's window. */
  span->to_end = !clip->done;
  if (demux->source_error != NULL)
    {
      dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_IO, ret, NULL);
      g_prefix_error (error, "%s: ", input->path);
      return FALSE;
    }
  return TRUE;
}

static int
compare_inputs (const void *a, const void *b)
{
  const DcMediaInput *ia = *(const DcMediaInput * const *) a;
  const DcMediaInput *ib = *(const DcMediaInput * const *) b;

  return ia->start_us < ib->start_us ? -1 : ia->start_us > ib->start_us;
}

gboolean
dc_media_write_clip (const DcMediaInput *inputs,
                     guint               n_inputs,
                     gint64              from_us,
                     gint64              to_us,
                     const char         *mp4_path,
                     DcClipResult       *result,
                     GError            **error)
{
  return dc_media_write_clip_measured (inputs, n_inputs, from_us, to_us, mp4_path, result, NULL,
                                       error);
}

gboolean
dc_media_write_clip_measured (const DcMediaInput *inputs,
                              guint               n_inputs,
                              gint64              from_us,
                              gint64              to_us,
                              const char         *mp4_path,
                              DcClipResult       *result,
                              DcMediaInputSpan   *spans,
                              GError            **error)
{
  g_autofree const DcMediaInput **sorted = NULL;
  g_autofree DcMediaInputSpan *own_spans = NULL;
  Clip clip = { 0 };
  gboolean ok = TRUE;
  guint i;

  g_return_val_if_fail (inputs != NULL || n_inputs == 0, FALSE);
  g_return_val_if_fail (mp4_path != NULL, FALSE);

  if (spans != NULL && n_inputs > 0)
    memset (spans, 0, n_inputs * sizeof *spans);
  if (to_us <= from_us || n_inputs == 0)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME,
                           _("The clip window is empty"));
      return FALSE;
    }

  sorted = g_new (const DcMediaInput *, n_inputs);
  for (i = 0; i < n_inputs; i++)
    sorted[i] = &inputs[i];
  qsort (sorted, n_inputs, sizeof *sorted, compare_inputs);

  clip.mp4_path = mp4_path;
  clip.from_us = from_us;
  clip.to_us = to_us;
  clip.ofmt = av_guess_format ("mp4", NULL, NULL);
  clip.preroll = g_ptr_array_new_with_free_func (packet_free);

  if (spans == NULL)
    spans = own_spans = g_new0 (DcMediaInputSpan, n_inputs);
  /* sorted[i] points into @inputs: its index there is its span's */
  for (i = 0; ok && i < n_inputs && !clip.done; i++)
    ok = clip_read_input (&clip, sorted[i], &spans[sorted[i] - inputs], error);

  if (ok && clip.n_frames == 0)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME,
                           _("The recordings hold no video in the clip window"));
      ok = FALSE;
    }
  if (ok)
    {
      int ret = av_write_trailer (clip.out);

      if (ret < 0)
        {
          g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, _("Cannot write %s"),
                       mp4_path);
          ok = FALSE;
        }
    }

  if (clip.out != NULL)
    {
      avio_closep (&clip.out->pb);
      avformat_free_context (clip.out);
      if (!ok)
        {
          g_autoptr(GFile) file = g_file_new_for_path (mp4_path);

          g_file_delete (file, NULL, NULL);
        }
    }
  avcodec_parameters_free (&clip.video_par);
  avcodec_parameters_free (&clip.audio_par);
  g_ptr_array_unref (clip.preroll);

  if (ok && result != NULL)
    {
      result->first_frame_us = clip.base_us;
      result->duration_us = clip.end_us - clip.base_us;
      result->n_frames = clip.n_frames;
    }
  return ok;
}
