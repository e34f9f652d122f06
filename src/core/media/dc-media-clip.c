#define G_LOG_DOMAIN "dc-media"

#include "config.h"

#include <stdlib.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "media/dc-media-private.h"

/* Output time base: fine enough for any recorder frame rate, and what
 * MPEG-PS uses, so PS timestamps map without rounding. */
static const AVRational out_tb = { 1, 90000 };

typedef struct
{
  const char          *mp4_path;
  gint64               from_us, to_us;
  AVFormatContext     *out;
  AVStream            *ost;
  gboolean             header_written;
  /* Packets since the last keyframe before from_us, times in µs of the
   * PC clock; written once the clip starts. */
  GPtrArray           *preroll;
  AVCodecParameters   *preroll_par;   /* parameters of the preroll's input */
  gboolean             started;
  gboolean             done;
  gboolean             have_taken;
  gint64               last_taken_dts_us;   /* dedup across overlapping inputs */
  gint64               base_us;             /* PC time of the clip's first frame */
  gint64               last_out_dts;
  gint64               end_us;
  guint                n_frames;
} Clip;

static void
packet_free (gpointer data)
{
  AVPacket *pkt = data;

  av_packet_free (&pkt);
}

static gboolean
clip_open_output (Clip *clip, GError **error)
{
  g_autoptr(AVDictionary) opts = NULL;
  int ret;

  ret = avformat_alloc_output_context2 (&clip->out, NULL, "mp4", clip->mp4_path);
  if (ret < 0 || clip->out == NULL)
    {
      dc_media_demux_set_error (NULL, error, DC_MEDIA_ERROR_ENCODE, ret,
                                _("Cannot create the clip"));
      return FALSE;
    }
  clip->ost = avformat_new_stream (clip->out, NULL);
  if (clip->ost == NULL ||
      avcodec_parameters_copy (clip->ost->codecpar, clip->preroll_par) < 0)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_ENCODE, "out of memory");
      return FALSE;
    }
  /* The recorder's tag (if any) belongs to its container, not to MP4. */
  clip->ost->codecpar->codec_tag = 0;
  clip->ost->time_base = out_tb;

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
  clip->header_written = TRUE;
  return TRUE;
}

/* @pkt has pts/dts/duration in µs of the PC clock. */
static gboolean
clip_write (Clip *clip, AVPacket *pkt, GError **error)
{
  gint64 pts_us = pkt->pts, dts_us = pkt->dts, dur_us = pkt->duration;
  int ret;

  if (clip->out == NULL)
    {
      clip->base_us = pts_us;
      if (!clip_open_output (clip, error))
        return FALSE;
    }
  pkt->stream_index = clip->ost->index;
  pkt->pts = av_rescale_q (pts_us - clip->base_us, AV_TIME_BASE_Q, clip->ost->time_base);
  pkt->dts = av_rescale_q (dts_us - clip->base_us, AV_TIME_BASE_Q, clip->ost->time_base);
  pkt->duration = av_rescale_q (dur_us, AV_TIME_BASE_Q, clip->ost->time_base);
  /* Joined segments may disagree by a tick: the muxer needs strictly
   * increasing dts. */
  if (clip->n_frames > 0 && pkt->dts <= clip->last_out_dts)
    pkt->dts = clip->last_out_dts + 1;
  if (pkt->pts < pkt->dts)
    pkt->pts = pkt->dts;
  clip->last_out_dts = pkt->dts;
  clip->end_us = MAX (clip->end_us, pts_us + dur_us);
  clip->n_frames++;
  pkt->pos = -1;

  ret = av_write_frame (clip->out, pkt);
  if (ret < 0)
    {
      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, _("Cannot write %s"),
                   clip->mp4_path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
clip_take (Clip *clip, AVPacket *pkt, AVCodecParameters *par, GError **error)
{
  gboolean key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;

  if (!clip->started)
    {
      /* A keyframe at or before from_us starts a new candidate start. */
      if (key && pkt->pts <= clip->from_us)
        {
          g_ptr_array_set_size (clip->preroll, 0);
          avcodec_parameters_free (&clip->preroll_par);
          clip->preroll_par = avcodec_parameters_alloc ();
          avcodec_parameters_copy (clip->preroll_par, par);
        }
      if (clip->preroll->len == 0 && !key)
        return TRUE;   /* nothing decodable before the first keyframe */
      if (clip->preroll->len == 0 && clip->preroll_par == NULL)
        {
          /* The recording starts after from_us with this keyframe. */
          clip->preroll_par = avcodec_parameters_alloc ();
          avcodec_parameters_copy (clip->preroll_par, par);
        }
      if (pkt->pts < clip->from_us)
        {
          g_ptr_array_add (clip->preroll, av_packet_clone (pkt));
          return TRUE;
        }
      clip->started = TRUE;
      for (guint i = 0; i < clip->preroll->len; i++)
        if (!clip_write (clip, g_ptr_array_index (clip->preroll, i), error))
          return FALSE;
      g_ptr_array_set_size (clip->preroll, 0);
    }
  /* Reordered frames (B-frames) past the end are left out. */
  if (pkt->pts >= clip->to_us)
    return TRUE;
  return clip_write (clip, pkt, error);
}

static gboolean
clip_read_input (Clip *clip, const DcMediaInput *input, GError **error)
{
  g_autoptr(DcByteSource) source = NULL;
  g_autoptr(DcMediaDemux) demux = NULL;
  g_autoptr(AVPacket) pkt = NULL;
  AVRational tb;
  gint64 last_dts = AV_NOPTS_VALUE;
  int ret;

  source = dc_byte_source_new_for_file (input->path, error);
  if (source == NULL)
    return FALSE;
  demux = dc_media_demux_open (source, input->format_hint, 0, error);
  if (demux == NULL)
    {
      g_prefix_error (error, "%s: ", input->path);
      return FALSE;
    }
  tb = demux->video->time_base;
  pkt = av_packet_alloc ();

  while ((ret = av_read_frame (demux->fmt, pkt)) >= 0 || ret == AVERROR (EAGAIN))
    {
      gint64 pts, dts, dts_us, dur_us;

      if (ret < 0)
        continue;
      if (pkt->stream_index != demux->video_index)
        {
          av_packet_unref (pkt);
          continue;
        }
      pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pts;
      if (dts == AV_NOPTS_VALUE && last_dts != AV_NOPTS_VALUE)
        pts = dts = last_dts + av_rescale_q (demux->frame_dur_us, AV_TIME_BASE_Q, tb);
      if (dts == AV_NOPTS_VALUE)
        {
          av_packet_unref (pkt);
          continue;
        }
      last_dts = dts;
      if (demux->first_pts == AV_NOPTS_VALUE)
        demux->first_pts = pts;

      dts_us = dc_media_demux_time_us (demux, input->start_us, dts);
      if (dts_us >= clip->to_us)
        {
          clip->done = TRUE;
          av_packet_unref (pkt);
          break;
        }
      dur_us = pkt->duration > 0 ? av_rescale_q (pkt->duration, tb, AV_TIME_BASE_Q)
                                 : demux->frame_dur_us;
      /* Overlapping segments hold the same frames: take each instant once
       * (half a frame of slack for clocks that disagree by a tick). */
      if (clip->have_taken && dts_us <= clip->last_taken_dts_us + dur_us / 2)
        {
          av_packet_unref (pkt);
          continue;
        }

      pkt->pts = dc_media_demux_time_us (demux, input->start_us, pts);
      pkt->dts = dts_us;
      pkt->duration = dur_us;
      pkt->time_base = AV_TIME_BASE_Q;
      clip->have_taken = TRUE;
      clip->last_taken_dts_us = dts_us;
      if (!clip_take (clip, pkt, demux->video->codecpar, error))
        return FALSE;
      av_packet_unref (pkt);
    }
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
  g_autofree const DcMediaInput **sorted = NULL;
  Clip clip = { 0 };
  gboolean ok = TRUE;
  guint i;

  g_return_val_if_fail (inputs != NULL || n_inputs == 0, FALSE);
  g_return_val_if_fail (mp4_path != NULL, FALSE);

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
  clip.preroll = g_ptr_array_new_with_free_func (packet_free);

  for (i = 0; ok && i < n_inputs && !clip.done; i++)
    ok = clip_read_input (&clip, sorted[i], error);

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
  avcodec_parameters_free (&clip.preroll_par);
  g_ptr_array_unref (clip.preroll);

  if (ok && result != NULL)
    {
      result->first_frame_us = clip.base_us;
      result->duration_us = clip.end_us - clip.base_us;
      result->n_frames = clip.n_frames;
    }
  return ok;
}
