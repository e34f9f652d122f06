#define G_LOG_DOMAIN "dc-media"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <libavutil/avstring.h>

#include "media/dc-media-private.h"

/* Small reads keep the "stop once the decoder passed the target" promise
 * tight on a live transfer; 32 KiB is well above libavformat's needs. */
#define DC_MEDIA_IO_BUFFER 32768

G_DEFINE_QUARK (dc-media-error-quark, dc_media_error)

static void
dc_media_av_log (void *avcl, int level, const char *fmt, va_list vl)
{
  char line[1024];
  int print_prefix = 1;

  /* libav chatter about damaged recorder streams is routine: keep only
   * errors, and only in the debug log, never on the operator's terminal. */
  if (level > AV_LOG_ERROR)
    return;
  av_log_format_line2 (avcl, level, fmt, vl, line, sizeof line, &print_prefix);
  g_debug ("libav: %s", g_strchomp (line));
}

static void
dc_media_init_once (void)
{
  static gsize inited = 0;

  if (g_once_init_enter (&inited))
    {
      av_log_set_callback (dc_media_av_log);
      g_once_init_leave (&inited, 1);
    }
}

static gboolean
has_box_type (const guint8 *buf, gssize len, const char *type)
{
  for (gssize i = 4; i + 4 <= len; i++)
    if (memcmp (buf + i, type, 4) == 0)
      return TRUE;
  return FALSE;
}

/* A fragmented MP4 (a recorder's file written as it records: moov, then
 * moof+mdat per second) on a seekable source makes libavformat read every
 * fragment while opening, to index them: the whole file, through skips
 * too short to seek.  Read forward instead and stop past the scan, as
 * for a recorder that ignores Range.  The moov is small and at the start,
 * so the first read shows it. */
static void
check_fragmented (DcMediaDemux *demux, const uint8_t *buf, gssize n)
{
  if (demux->opening == NULL || demux->fragmented || demux->source->position != (guint64) n)
    return;
  if (n >= 8 && memcmp (buf + 4, "ftyp", 4) == 0 && has_box_type (buf, n, "moov") &&
      has_box_type (buf, n, "mvex"))
    {
      g_debug ("fragmented MP4: reading forward only");
      demux->fragmented = TRUE;
      demux->avio->seekable = 0;
    }
}

static int
dc_media_io_read (void *opaque, uint8_t *buf, int size)
{
  DcMediaDemux *demux = opaque;
  g_autoptr(GError) local_error = NULL;
  gssize n;

  /* The source's first error is final: do not ask a cancelled or dropped
   * transfer again because a demuxer tries to resync. */
  if (demux->source_error != NULL)
    return AVERROR (EIO);
  if (demux->in_seek && demux->seek_broken)
    return AVERROR_EOF;
  n = dc_byte_source_read (demux->source, buf, (gsize) size, &local_error);
  if (n < 0)
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_SOURCE,
                             _("The video stream could not be read"));
      demux->source_error = g_steal_pointer (&local_error);
      return AVERROR (EIO);
    }
  if (n == 0)
    return AVERROR_EOF;
  check_fragmented (demux, buf, n);
  return (int) n;
}

/* After a failed seek the source should still be where it was; if it went
 * back to the start (a server that restarts the transfer), skip forward. */
static gboolean
dc_media_io_resync (DcMediaDemux *demux, guint64 expected)
{
  guint8 scratch[16384];

  while (demux->source->position < expected)
    {
      g_autoptr(GError) local_error = NULL;
      gsize want = MIN (sizeof scratch, expected - demux->source->position);
      gssize n = dc_byte_source_read (demux->source, scratch, want, &local_error);

      if (n <= 0)
        {
          if (local_error != NULL)
            demux->source_error = g_steal_pointer (&local_error);
          return FALSE;
        }
    }
  return demux->source->position == expected;
}

static gboolean
size_hidden (DcMediaDemux *demux)
{
  const AVFormatContext *fmt = demux->fmt != NULL ? demux->fmt : demux->opening;

  if (!demux->hide_size)
    return FALSE;
  /* An MP4 whose index follows its media data: without the size the mov
   * demuxer reads through the media data instead of seeking over it. */
  return fmt == NULL || fmt->iformat == NULL || strstr (fmt->iformat->name, "mov") == NULL;
}

static int64_t
dc_media_io_seek (void *opaque, int64_t offset, int whence)
{
  DcMediaDemux *demux = opaque;
  DcByteSource *source = demux->source;
  g_autoptr(GError) local_error = NULL;
  guint64 before = source->position;
  gint64 target;

  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE)
    return source->size >= 0 && !size_hidden (demux) ? source->size : AVERROR (ENOSYS);
  if (demux->source_error != NULL || demux->seek_broken || demux->fragmented ||
      !dc_byte_source_can_seek (source))
    return AVERROR (ENOSYS);

  switch (whence)
    {
    case SEEK_SET:
      target = offset;
      break;
    case SEEK_CUR:
      target = (gint64) source->position + offset;
      break;
    case SEEK_END:
      /* avio_size() falls back to SEEK_END: withhold that too. */
      if (source->size < 0 || size_hidden (demux))
        return AVERROR (ENOSYS);
      target = source->size + offset;
      break;
    default:
      return AVERROR (EINVAL);
    }
  if (target < 0)
    return AVERROR (EINVAL);

  if (!dc_byte_source_seek (source, (guint64) target, &local_error))
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          /* The recorder was busy, dropped or stalled on the new request:
           * that error, as it is, decides the retry (a busy recorder is
           * not one that "stopped honouring byte ranges"). */
          demux->source_error = g_steal_pointer (&local_error);
          return AVERROR (EIO);
        }
      /* A recorder that ignores Range: keep going forward-only instead of
       * failing the picture. */
      g_debug ("seek to %" G_GINT64_FORMAT " failed (%s), reading forward only",
               target, local_error->message);
      demux->seek_broken = TRUE;
      if (demux->avio != NULL)
        demux->avio->seekable = 0;
      if (source->position != before && !dc_media_io_resync (demux, before))
        {
          if (demux->source_error == NULL)
            demux->source_error = g_error_new (DC_MEDIA_ERROR, DC_MEDIA_ERROR_SOURCE,
                                               _("The video stream moved after a failed seek"));
          return AVERROR (EIO);
        }
      return AVERROR (ENOSYS);
    }
  return target;
}

static gboolean
dc_media_sniff_is_media_kind (const char *kind)
{
  return kind != NULL && (g_str_equal (kind, "imkh") || g_str_equal (kind, "mpeg") ||
                          g_str_equal (kind, "mp4") || g_str_equal (kind, "dhav") ||
                          g_str_equal (kind, "mpegts"));
}

static const AVInputFormat *
dc_media_find_format (const char *hint)
{
  if (hint == NULL || *hint == '\0')
    return NULL;
  /* Our own sniff kinds and the usual short names map to demuxers. */
  if (g_str_equal (hint, "imkh") || g_str_equal (hint, "ps"))
    hint = "mpeg";
  else if (g_str_equal (hint, "mp4") || g_str_equal (hint, "mov"))
    hint = "mov,mp4,m4a,3gp,3g2,mj2";
  else if (g_str_equal (hint, "dav"))
    hint = "dhav";
  return av_find_input_format (hint);
}

void
dc_media_demux_set_error (DcMediaDemux *demux,
                          GError      **error,
                          DcMediaError  code,
                          int           averr,
                          const char   *what)
{
  char buf[AV_ERROR_MAX_STRING_SIZE] = "";

  if (demux != NULL && demux->source_error != NULL)
    {
      g_propagate_error (error, g_error_copy (demux->source_error));
      return;
    }
  if (averr != 0)
    av_make_error_string (buf, sizeof buf, averr);
  if (averr == AVERROR (ENOMEM))
    g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, "%s: %s", what, buf);
  else if (averr != 0)
    g_set_error (error, DC_MEDIA_ERROR, code, "%s (%s)", what, buf);
  else
    g_set_error_literal (error, DC_MEDIA_ERROR, code, what);
}

void
dc_media_demux_free (DcMediaDemux *demux)
{
  if (demux == NULL)
    return;
  avformat_close_input (&demux->fmt);
  g_clear_pointer (&demux->sniff, dc_byte_source_free);
  if (demux->avio != NULL)
    av_freep (&demux->avio->buffer);
  avio_context_free (&demux->avio);
  g_clear_error (&demux->source_error);
  g_free (demux);
}

DcMediaDemux *
dc_media_demux_open (DcByteSource *source,
                     const char   *format_hint,
                     gint64        probe_bytes,
                     GError      **error)
{
  g_autoptr(DcMediaDemux) demux = g_new0 (DcMediaDemux, 1);
  const AVInputFormat *ifmt = NULL;
  const char *sniffed = NULL;
  AVFormatContext *fmt;
  guint8 *buffer;
  AVRational rate;
  int ret;

  g_return_val_if_fail (source != NULL, NULL);
  dc_media_init_once ();

  demux->video_index = -1;
  demux->first_pts = AV_NOPTS_VALUE;

  /* The first bytes decide the container; the recorder's word for it
   * (@format_hint, e.g. Dahua's Type=dav on an .mp4) only when they say
   * nothing. */
  demux->sniff = dc_media_sniff_source_new (source, &sniffed, error);
  if (demux->sniff == NULL)
    return NULL;
  demux->source = demux->sniff;
  if (dc_media_sniff_is_media_kind (sniffed))
    {
      ifmt = dc_media_find_format (sniffed);
      if (format_hint != NULL && ifmt != dc_media_find_format (format_hint))
        g_debug ("the recorder says \"%s\", the bytes say \"%s\": using the bytes",
                 format_hint, sniffed);
    }
  else if (format_hint != NULL && (ifmt = dc_media_find_format (format_hint)) == NULL)
    g_debug ("unknown format hint \"%s\", probing", format_hint);

  buffer = av_malloc (DC_MEDIA_IO_BUFFER);
  if (buffer == NULL)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, "out of memory");
      return NULL;
    }
  demux->avio = avio_alloc_context (buffer, DC_MEDIA_IO_BUFFER, 0, demux,
                                    dc_media_io_read, NULL,
                                    dc_byte_source_can_seek (source) ? dc_media_io_seek : NULL);
  if (demux->avio == NULL)
    {
      av_free (buffer);
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, "out of memory");
      return NULL;
    }
  if (!dc_byte_source_can_seek (source))
    demux->avio->seekable = 0;

  fmt = avformat_alloc_context ();
  if (fmt == NULL)
    {
      g_set_error_literal (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_IO, "out of memory");
      return NULL;
    }
  fmt->pb = demux->avio;
  fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  fmt->skip_estimate_duration_from_pts = 1;
  if (probe_bytes > 0)
    {
      fmt->probesize = probe_bytes;
      fmt->format_probesize = (int) MIN (probe_bytes, G_MAXINT);
    }

  demux->hide_size = TRUE;
  demux->opening = fmt;
  ret = avformat_open_input (&fmt, NULL, ifmt, NULL);
  demux->opening = NULL;
  if (ret < 0)
    {
      /* avformat_open_input() frees the context on failure. */
      dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_FORMAT, ret,
                                _("The download is not a video stream this program can read"));
      return NULL;
    }
  demux->fmt = fmt;

  if (probe_bytes > 0)
    fmt->max_analyze_duration = AV_TIME_BASE / 2;
  {
    /* The decoders libavformat runs to learn the streams must not be made
     * to allocate a frame of a device's absurd size either. */
    AVDictionary **opts = g_new0 (AVDictionary *, MAX (fmt->nb_streams, 1));
    unsigned int n = fmt->nb_streams;

    for (unsigned int i = 0; i < n; i++)
      av_dict_set_int (&opts[i], "max_pixels", (int64_t) DC_MEDIA_MAX_DIMENSION * DC_MEDIA_MAX_DIMENSION, 0);
    ret = avformat_find_stream_info (fmt, opts);
    for (unsigned int i = 0; i < n; i++)
      av_dict_free (&opts[i]);
    g_free (opts);
  }
  demux->hide_size = FALSE;
  if (ret < 0)
    {
      dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_FORMAT, ret,
                                _("The download is not a video stream this program can read"));
      return NULL;
    }
  if (demux->source_error != NULL)
    {
      g_propagate_error (error, g_error_copy (demux->source_error));
      return NULL;
    }

  ret = av_find_best_stream (fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  if (ret < 0 || fmt->streams[ret]->codecpar->codec_id == AV_CODEC_ID_NONE)
    {
      dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_FORMAT, 0,
                                _("The download has no video in it"));
      return NULL;
    }
  if (fmt->streams[ret]->codecpar->width > DC_MEDIA_MAX_DIMENSION ||
      fmt->streams[ret]->codecpar->height > DC_MEDIA_MAX_DIMENSION)
    {
      g_set_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT,
                   _("The recorder sent video of %d×%d pixels, more than any camera "
                     "records (at most %d×%d)"),
                   fmt->streams[ret]->codecpar->width, fmt->streams[ret]->codecpar->height,
                   DC_MEDIA_MAX_DIMENSION, DC_MEDIA_MAX_DIMENSION);
      return NULL;
    }
  demux->video_index = ret;
  demux->video = fmt->streams[ret];
  demux->first_pts = demux->video->start_time;

  rate = av_guess_frame_rate (fmt, demux->video, NULL);
  if (rate.num > 0 && rate.den > 0 && av_q2d (rate) >= 1.0 && av_q2d (rate) <= 240.0)
    demux->frame_dur_us = av_rescale (AV_TIME_BASE, rate.den, rate.num);
  else
    demux->frame_dur_us = 40000; /* 25 fps, what most recorders record */

  return g_steal_pointer (&demux);
}

gint64
dc_media_demux_time_us (DcMediaDemux *demux, gint64 stream_start_us, gint64 ts)
{
  return stream_start_us + av_rescale_q (ts - demux->first_pts,
                                         demux->video->time_base, AV_TIME_BASE_Q);
}

gboolean
dc_media_sniff_is_media (const guint8 *data, gsize len, const char **kind)
{
  const char *k = "unknown";
  gboolean media = FALSE;
  gsize i = 0;

  if (data == NULL)
    len = 0;

  if (len >= 4 && memcmp (data, "IMKH", 4) == 0)
    k = "imkh", media = TRUE;
  else if (len >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 1 && data[3] == 0xBA)
    k = "mpeg", media = TRUE;
  else if (len >= 8 && memcmp (data + 4, "ftyp", 4) == 0)
    k = "mp4", media = TRUE;
  else if (len >= 4 && (memcmp (data, "DHAV", 4) == 0 ||
                        (len >= 5 && memcmp (data, "DAHUA", 5) == 0)))
    k = "dhav", media = TRUE;
  else if (len >= 189 && data[0] == 0x47 && data[188] == 0x47)
    k = "mpegts", media = TRUE;
  else
    {
      /* Error bodies: XML (ResponseStatus), HTML or plain text, possibly
       * after a BOM or white space. */
      if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
        i = 3;
      while (i < len && g_ascii_isspace (data[i]))
        i++;
      if (i < len && data[i] == '<')
        k = "xml";
      else if (len > 0)
        {
          gsize j, printable = 0, n = MIN (len, 256);

          for (j = 0; j < n; j++)
            if (g_ascii_isprint (data[j]) || g_ascii_isspace (data[j]))
              printable++;
          if (printable == n)
            k = "text";
        }
    }
  if (kind != NULL)
    *kind = k;
  return media;
}

gboolean
dc_media_probe_file (const char *path, gint64 *duration_us, guint *n_frames,
                     int *width, int *height, GError **error)
{
  return dc_media_measure_file (path, NULL, duration_us, n_frames, width, height, error);
}

gboolean
dc_media_measure_file (const char *path, const char *format_hint, gint64 *duration_us,
                       guint *n_frames, int *width, int *height, GError **error)
{
  g_autoptr(DcByteSource) source = NULL;
  g_autoptr(DcMediaDemux) demux = NULL;
  g_autoptr(AVPacket) pkt = NULL;
  gint64 min_ts = G_MAXINT64, max_end = G_MININT64;
  guint frames = 0;
  int ret;

  g_return_val_if_fail (path != NULL, FALSE);

  source = dc_byte_source_new_for_file (path, error);
  if (source == NULL)
    return FALSE;
  demux = dc_media_demux_open (source, format_hint, 0, error);
  if (demux == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  pkt = av_packet_alloc ();
  while ((ret = av_read_frame (demux->fmt, pkt)) >= 0)
    {
      if (pkt->stream_index == demux->video_index)
        {
          gint64 ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;

          frames++;
          if (ts != AV_NOPTS_VALUE)
            {
              gint64 end = ts + MAX (pkt->duration, 0);

              if (pkt->duration <= 0)
                end += av_rescale_q (demux->frame_dur_us, AV_TIME_BASE_Q,
                                     demux->video->time_base);
              min_ts = MIN (min_ts, ts);
              max_end = MAX (max_end, end);
            }
        }
      av_packet_unref (pkt);
    }
  if (demux->source_error != NULL || (ret != AVERROR_EOF && frames == 0))
    {
      dc_media_demux_set_error (demux, error, DC_MEDIA_ERROR_FORMAT, ret, path);
      return FALSE;
    }
  if (duration_us != NULL)
    *duration_us = frames > 0 && max_end > min_ts
                   ? av_rescale_q (max_end - min_ts, demux->video->time_base, AV_TIME_BASE_Q)
                   : 0;
  if (n_frames != NULL)
    *n_frames = frames;
  if (width != NULL)
    *width = demux->video->codecpar->width;
  if (height != NULL)
    *height = demux->video->codecpar->height;
  return TRUE;
}
