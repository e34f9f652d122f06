#define G_LOG_DOMAIN "dc-media"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <libswscale/swscale.h>
#include <turbojpeg.h>

#include "media/dc-media-private.h"

/* Below this distance from the stream start, reading forward costs less
 * than a seek (a new HTTP Range request) plus a GOP of pre-roll. */
#define DC_MEDIA_SEEK_MIN_US     (3 * G_USEC_PER_SEC)
/* First guess of a recorder's keyframe interval when the demuxer has no
 * index (PS): seek this far before the target, doubling on a miss. */
#define DC_MEDIA_GOP_GUESS_US    (2 * G_USEC_PER_SEC)
#define DC_MEDIA_SEEK_ATTEMPTS   5
#define DC_MEDIA_PROBE_BYTES     (2 * 1024 * 1024)
/* Damaged frames are routine in recorder streams; give up only when
 * nothing at all decodes. */
#define DC_MEDIA_MAX_DECODE_ERRORS 200
/* Packets to skip looking for a keyframe: 10 s at 25 fps. */
#define DC_MEDIA_MAX_KEY_WAIT    250

typedef enum
{
  DECODE_FOUND,
  DECODE_KEY_TOO_LATE,   /* the first keyframe after a seek is past the target */
  DECODE_NO_FRAME,
  DECODE_FAILED,
} DecodeStatus;

typedef struct
{
  DcMediaDemux   *demux;
  AVCodecContext *dec;
  AVPacket       *pkt;
  AVFrame        *frame;
  AVFrame        *prev;        /* the last decoded frame before the target */
  gboolean        have_prev;
  gint64          prev_us;
  gint64          last_ts;     /* to extrapolate frames without timestamps */
  gint64          stream_start_us;
  gint64          stream_end_us;   /* 0 unknown */
  gint64          target_us;
  /* Result */
  AVFrame        *best;
  gint64          best_us;
  guint           decode_errors;
  guint           frames_decoded;
} Picker;

static gint64
picker_frame_time (Picker *p, AVFrame *frame)
{
  DcMediaDemux *demux = p->demux;
  gint64 ts = frame->best_effort_timestamp;

  if (ts == AV_NOPTS_VALUE)
    ts = frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->pkt_dts;
  if (ts == AV_NOPTS_VALUE && p->last_ts != AV_NOPTS_VALUE)
    ts = p->last_ts + av_rescale_q (demux->frame_dur_us, AV_TIME_BASE_Q,
                                    demux->video->time_base);
  if (ts == AV_NOPTS_VALUE)
    ts = demux->first_pts;
  p->last_ts = ts;
  return dc_media_demux_time_us (demux, p->stream_start_us, ts);
}

/* Takes the decoded frames; TRUE once one at or past the target came out. */
static gboolean
picker_receive (Picker *p)
{
  while (avcodec_receive_frame (p->dec, p->frame) == 0)
    {
      gint64 t = picker_frame_time (p, p->frame);

      p->frames_decoded++;
      if (t >= p->target_us)
        {
          /* Nearest of this frame and the one before it; a tie goes to
           * the earlier frame (it was on screen at the target). */
          if (p->have_prev && p->target_us - p->prev_us <= t - p->target_us)
            {
              av_frame_move_ref (p->best, p->prev);
              p->best_us = p->prev_us;
            }
          else
            {
              av_frame_move_ref (p->best, p->frame);
              p->best_us = t;
            }
          av_frame_unref (p->frame);
          return TRUE;
        }
      av_frame_unref (p->prev);
      av_frame_move_ref (p->prev, p->frame);
      p->have_prev = TRUE;
      p->prev_us = t;
    }
  return FALSE;
}

/* @after_seek: the demuxer was positioned before the target; a first
 * keyframe past the target means the seek landed too late. */
static DecodeStatus
picker_run (Picker *p, gboolean after_seek, GError **error)
{
  DcMediaDemux *demux = p->demux;
  /* Frames decoded before the first keyframe (a download that starts
   * mid-GOP) are grey smears, not evidence: skip to the keyframe. */
  gboolean wait_for_key = TRUE;
  guint skipped = 0;
  int ret;

  p->have_prev = FALSE;
  p->last_ts = AV_NOPTS_VALUE;
  av_frame_unref (p->prev);

  for (;;)
    {
      ret = av_read_frame (demux->fmt, p->pkt);
      if (demux->source_error != NULL)
        {
          dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_IO, ret, NULL);
          return DECODE_FAILED;
        }
      if (ret == AVERROR (EAGAIN))
        continue;
      if (ret < 0)
        break;
      if (p->pkt->stream_index != demux->video_index)
        {
          av_packet_unref (p->pkt);
          continue;
        }
      if (demux->first_pts == AV_NOPTS_VALUE)
        demux->first_pts = p->pkt->pts != AV_NOPTS_VALUE ? p->pkt->pts : p->pkt->dts;

      if (wait_for_key)
        {
          gint64 ts = p->pkt->pts != AV_NOPTS_VALUE ? p->pkt->pts : p->pkt->dts;

          /* ...unless the demuxer never flags keyframes for this codec. */
          if (!(p->pkt->flags & AV_PKT_FLAG_KEY) && ++skipped <= DC_MEDIA_MAX_KEY_WAIT)
            {
              av_packet_unref (p->pkt);
              continue;
            }
          wait_for_key = FALSE;
          if (after_seek && ts != AV_NOPTS_VALUE && ts > demux->first_pts &&
              dc_media_demux_time_us (demux, p->stream_start_us, ts) > p->target_us)
            {
              av_packet_unref (p->pkt);
              return DECODE_KEY_TOO_LATE;
            }
        }

      ret = avcodec_send_packet (p->dec, p->pkt);
      av_packet_unref (p->pkt);
      if (ret < 0 && ret != AVERROR (EAGAIN) &&
          ++p->decode_errors > DC_MEDIA_MAX_DECODE_ERRORS && p->frames_decoded == 0)
        {
          dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_DECODE, ret,
                                    _("The video in the download could not be decoded"));
          return DECODE_FAILED;
        }
      if (picker_receive (p))
        return DECODE_FOUND;
    }

  /* End of the stream: the decoder still holds delayed frames. */
  avcodec_send_packet (p->dec, NULL);
  if (picker_receive (p))
    return DECODE_FOUND;
  /* The target is within the last frame's time on screen. */
  if (p->have_prev && p->target_us - p->prev_us <= demux->frame_dur_us)
    {
      av_frame_move_ref (p->best, p->prev);
      p->best_us = p->prev_us;
      return DECODE_FOUND;
    }
  if (ret != AVERROR_EOF && p->frames_decoded == 0)
    {
      /* An MP4 whose index (moov) follows the media data cannot be read
       * front to back: the demuxer needs to go back for the frames. */
      if (!(demux->avio->seekable & AVIO_SEEKABLE_NORMAL) &&
          strstr (demux->fmt->iformat->name, "mov") != NULL)
        dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_FORMAT, ret,
                                  _("This MP4 file keeps its index at the end and cannot be "
                                    "read while downloading; download the whole file first"));
      else
        dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_FORMAT, ret,
                                  _("The video stream is damaged"));
      return DECODE_FAILED;
    }
  return DECODE_NO_FRAME;
}

static gboolean
picker_probe_seek (Picker *p)
{
  AVIOContext *pb = p->demux->avio;
  gint64 size = avio_size (pb);

  /* Without a size the PS search cannot bisect (and would drop what the
   * demuxer buffered); MP4 seeks by its index and needs none. */
  if (size <= 0)
    return strstr (p->demux->fmt->iformat->name, "mov") != NULL;
  /* The search reads the end first anyway; start there. */
  return avio_seek (pb, size - 1, SEEK_SET) >= 0;
}

/* Seeks so that decoding starts at the keyframe before the target, or
 * reads forward when the source turns out not to seek. */
static DecodeStatus
picker_seek_and_run (Picker *p, GError **error)
{
  DcMediaDemux *demux = p->demux;
  gboolean indexed = strstr (demux->fmt->iformat->name, "mov") != NULL;
  gint64 margin = indexed ? 0 : DC_MEDIA_GOP_GUESS_US;
  int attempt;

  /* One real seek before libavformat's search: a recorder that ignores
   * Range is found out here, with the demuxer's buffered packets intact,
   * and we simply go on reading forward. */
  if (!picker_probe_seek (p))
    return picker_run (p, FALSE, error);
  if (!indexed && p->stream_end_us > p->stream_start_us && avio_size (demux->avio) > 0)
    {
      /* Bounds for libavformat's timestamp search (it interpolates between
       * index entries): without an end entry it first reads backwards from
       * the end of the file, over HTTP, to find the last timestamp. */
      gint64 end_ts = demux->first_pts + av_rescale_q (p->stream_end_us - p->stream_start_us,
                                                       AV_TIME_BASE_Q, demux->video->time_base);

      av_add_index_entry (demux->video, 0, demux->first_pts, 0, 0, AVINDEX_KEYFRAME);
      av_add_index_entry (demux->video, avio_size (demux->avio), end_ts, 0, 0, AVINDEX_KEYFRAME);
    }

  for (attempt = 0; attempt < DC_MEDIA_SEEK_ATTEMPTS; attempt++)
    {
      gint64 rel_us = MAX (p->target_us - p->stream_start_us - margin, 0);
      gint64 ts = demux->first_pts + av_rescale_q (rel_us, AV_TIME_BASE_Q,
                                                   demux->video->time_base);
      DecodeStatus status;
      int ret;

      demux->in_seek = TRUE;
      ret = avformat_seek_file (demux->fmt, demux->video_index, INT64_MIN, ts, ts, 0);
      demux->in_seek = FALSE;
      if (demux->source_error != NULL)
        {
          dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_IO, ret, NULL);
          return DECODE_FAILED;
        }
      if (demux->seek_broken)
        {
          /* Range worked, then stopped: where the stream stands is
           * unknown.  The caller retries (without seeking). */
          g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_SOURCE,
                               _("The recorder stopped honouring byte ranges during the download"));
          return DECODE_FAILED;
        }
      if (ret < 0)
        {
          g_debug ("seek to %" G_GINT64_FORMAT " us failed, reading forward", rel_us);
          break;
        }
      avcodec_flush_buffers (p->dec);
      status = picker_run (p, rel_us > 0, error);
      if (status != DECODE_KEY_TOO_LATE)
        return status;
      if (demux->seek_broken)
        break;
      margin = margin * 2 + DC_MEDIA_GOP_GUESS_US;
    }

  /* Forward from wherever the demuxer is now; a source that can still
   * seek goes back to the start first. */
  if (!demux->seek_broken)
    avformat_seek_file (demux->fmt, demux->video_index, INT64_MIN,
                        demux->first_pts, demux->first_pts, 0);
  avcodec_flush_buffers (p->dec);
  return picker_run (p, FALSE, error);
}

static gboolean
write_jpeg (AVFrame *frame, const DcPictureOptions *options,
            const char *jpeg_path, GError **error)
{
  struct SwsContext *sws;
  g_autofree guint8 *rgb = NULL;
  unsigned char *jpeg = NULL;
  unsigned long jpeg_size = 0;
  g_autoptr(GFile) file = NULL;
  int quality = options != NULL && options->quality > 0 ? MIN (options->quality, 100) : 90;
  int stride = frame->width * 3;
  guint8 *dst[4] = { NULL };
  int dst_stride[4] = { stride, 0, 0, 0 };
  tjhandle tj;
  gboolean ok;

  sws = sws_getContext (frame->width, frame->height, frame->format,
                        frame->width, frame->height, AV_PIX_FMT_RGB24,
                        SWS_BILINEAR, NULL, NULL, NULL);
  if (sws == NULL)
    {
      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_ENCODE,
                   _("Cannot convert the video frame (pixel format %d)"), frame->format);
      return FALSE;
    }
  rgb = g_malloc ((gsize) stride * frame->height);
  dst[0] = rgb;
  sws_scale (sws, (const uint8_t * const *) frame->data, frame->linesize,
             0, frame->height, dst, dst_stride);
  sws_freeContext (sws);

  if (options != NULL && options->overlay_text != NULL && *options->overlay_text != '\0')
    dc_media_draw_overlay (rgb, frame->width, frame->height, stride, options->overlay_text);

  tj = tjInitCompress ();
  if (tj == NULL)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_ENCODE, tjGetErrorStr ());
      return FALSE;
    }
  if (tjCompress2 (tj, rgb, frame->width, stride, frame->height, TJPF_RGB,
                   &jpeg, &jpeg_size, TJSAMP_420, quality, 0) != 0)
    {
      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_ENCODE,
                   _("Cannot encode the picture: %s"), tjGetErrorStr2 (tj));
      tjFree (jpeg);
      tjDestroy (tj);
      return FALSE;
    }
  tjDestroy (tj);

  file = g_file_new_for_path (jpeg_path);
  /* Evidence is private (DC_FILE_MODE): a new file, not an old one's mode. */
  ok = g_file_replace_contents (file, (const char *) jpeg, jpeg_size, NULL, FALSE,
                                G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                NULL, NULL, error);
  tjFree (jpeg);
  return ok;
}

gboolean
dc_media_extract_picture (DcByteSource           *source,
                          const char             *format_hint,
                          gint64                  stream_start_us,
                          gint64                  target_us,
                          const DcPictureOptions *options,
                          const char             *jpeg_path,
                          DcPictureResult        *result,
                          GError                **error)
{
  g_autoptr(DcMediaDemux) demux = NULL;
  g_autoptr(AVCodecContext) dec = NULL;
  g_autoptr(AVPacket) pkt = NULL;
  g_autoptr(AVFrame) frame = NULL;
  g_autoptr(AVFrame) prev = NULL;
  g_autoptr(AVFrame) best = NULL;
  const AVCodec *codec;
  DecodeStatus status;
  Picker p = { 0 };
  int ret;

  g_return_val_if_fail (source != NULL, FALSE);
  g_return_val_if_fail (jpeg_path != NULL, FALSE);

  demux = dc_media_demux_open (source, format_hint, DC_MEDIA_PROBE_BYTES, error);
  if (demux == NULL)
    return FALSE;

  codec = avcodec_find_decoder (demux->video->codecpar->codec_id);
  dec = codec != NULL ? avcodec_alloc_context3 (codec) : NULL;
  if (dec == NULL || avcodec_parameters_to_context (dec, demux->video->codecpar) < 0)
    {
      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_DECODE,
                   _("No decoder for the video codec %s"),
                   avcodec_get_name (demux->video->codecpar->codec_id));
      return FALSE;
    }
  /* Frame threads delay output by a frame per thread, and so more bytes
   * of a live transfer before we can stop; slices do not. */
  dec->thread_type = FF_THREAD_SLICE;
  dec->thread_count = 0;
  dec->pkt_timebase = demux->video->time_base;
  dec->max_pixels = (int64_t) DC_MEDIA_MAX_DIMENSION * DC_MEDIA_MAX_DIMENSION;
  ret = avcodec_open2 (dec, codec, NULL);
  if (ret < 0)
    {
      dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_DECODE, ret,
                                _("The video decoder could not be started"));
      return FALSE;
    }

  pkt = av_packet_alloc ();
  frame = av_frame_alloc ();
  prev = av_frame_alloc ();
  best = av_frame_alloc ();
  p.demux = demux;
  p.dec = dec;
  p.pkt = pkt;
  p.frame = frame;
  p.prev = prev;
  p.best = best;
  p.stream_start_us = stream_start_us;
  p.stream_end_us = options != NULL ? options->stream_end_us : 0;
  p.target_us = target_us;

  if (dc_byte_source_can_seek (source) && !demux->seek_broken && !demux->fragmented &&
      demux->first_pts != AV_NOPTS_VALUE &&
      target_us - stream_start_us > DC_MEDIA_SEEK_MIN_US)
    status = picker_seek_and_run (&p, error);
  else
    status = picker_run (&p, FALSE, error);

  if (status == DECODE_FAILED)
    return FALSE;
  if (status == DECODE_NO_FRAME || status == DECODE_KEY_TOO_LATE)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME,
                           _("The recording ends before the scan time"));
      return FALSE;
    }
  /* A target in frames that cannot be decoded (the stream starts mid-GOP)
   * gets the first keyframe: the caller sees how far off in frame_us. */
  if (target_us < stream_start_us - demux->frame_dur_us)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME,
                           _("The recording starts after the scan time"));
      return FALSE;
    }

  /* The frame is evidence only if it is the scan's: a gap in the
   * recording (or timestamps that jump) can make the nearest frame the
   * stream has one from long before or after. */
  if (ABS (p.best_us - target_us) > MAX (DC_MEDIA_GOP_GUESS_US, 2 * demux->frame_dur_us))
    {
      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME,
                   _("The nearest frame the recorder sent is %.1f s from the scan time, more "
                     "than one group of pictures"),
                   (double) ABS (p.best_us - target_us) / G_USEC_PER_SEC);
      return FALSE;
    }
  if (best->width > DC_MEDIA_MAX_DIMENSION || best->height > DC_MEDIA_MAX_DIMENSION)
    {
      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT,
                   _("The recorder sent video of %d×%d pixels, more than any camera "
                     "records (at most %d×%d)"),
                   best->width, best->height, DC_MEDIA_MAX_DIMENSION, DC_MEDIA_MAX_DIMENSION);
      return FALSE;
    }

  if (!write_jpeg (best, options, jpeg_path, error))
    return FALSE;

  if (result != NULL)
    {
      result->frame_us = p.best_us;
      result->bytes_read = source->bytes_transferred;
      result->width = best->width;
      result->height = best->height;
    }
  return TRUE;
}
