#define G_LOG_DOMAIN "dc-test-timecode"

#include "config.h"

#include <stdio.h>

#include <gio/gio.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
#include <turbojpeg.h>

#include "../../tools/dvr-sim/dc-sim-timecode.h"
#include "dc-test-timecode.h"

gboolean
dc_test_timecode_read (const guint8 *rgb,
                       int           width,
                       int           height,
                       int           stride,
                       guint        *channel,
                       gint64       *wall_frames,
                       int          *fps)
{
  guint8 bits[DC_SIM_TC_BITS];
  double cw = (double) width / DC_SIM_TC_GRID_COLS;
  double ch = (double) height / DC_SIM_TC_GRID_ROWS;

  g_return_val_if_fail (rgb != NULL, FALSE);
  if (width < DC_SIM_TC_GRID_COLS * 2 || height < DC_SIM_TC_GRID_ROWS * 2)
    return FALSE;

  for (int i = 0; i < DC_SIM_TC_BITS; i++)
    {
      /* Average the middle half of the cell: edges blur under H.264/JPEG. */
      double x0 = (DC_SIM_TC_COL0 + i % DC_SIM_TC_COLS) * cw;
      double y0 = (DC_SIM_TC_ROW0 + i / DC_SIM_TC_COLS) * ch;
      int xa = (int) (x0 + cw / 4), xb = MAX (xa + 1, (int) (x0 + cw * 3 / 4));
      int ya = (int) (y0 + ch / 4), yb = MAX (ya + 1, (int) (y0 + ch * 3 / 4));
      guint64 sum = 0, n = 0;

      for (int y = ya; y < yb && y < height; y++)
        for (int x = xa; x < xb && x < width; x++)
          {
            const guint8 *p = rgb + (gsize) y * stride + (gsize) x * 3;
            sum += (guint64) (p[0] * 299 + p[1] * 587 + p[2] * 114);
            n++;
          }
      bits[i] = n > 0 && sum / n > 128 * 1000;
    }
  return dc_sim_tc_decode_bits (bits, channel, wall_frames, fps);
}

gboolean
dc_test_timecode_read_jpeg_file (const char  *path,
                                 guint       *channel,
                                 gint64      *wall_frames,
                                 int         *fps,
                                 GError     **error)
{
  g_autofree char *data = NULL;
  g_autofree guint8 *rgb = NULL;
  gsize len = 0;
  tjhandle tj;
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  gboolean ok;

  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  tj = tjInitDecompress ();
  if (tjDecompressHeader3 (tj, (const guchar *) data, len, &width, &height, &subsamp, &colorspace) != 0
      || width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a JPEG: %s", path, tjGetErrorStr2 (tj));
      tjDestroy (tj);
      return FALSE;
    }
  rgb = g_malloc ((gsize) width * height * 3);
  if (tjDecompress2 (tj, (const guchar *) data, len, rgb, width, width * 3, height, TJPF_RGB, 0) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "cannot decode %s: %s", path, tjGetErrorStr2 (tj));
      tjDestroy (tj);
      return FALSE;
    }
  tjDestroy (tj);
  ok = dc_test_timecode_read (rgb, width, height, width * 3, channel, wall_frames, fps);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no simulator time code in %s", path);
  return ok;
}

GArray *
dc_test_timecode_read_video_file (const char  *path,
                                  guint        max_frames,
                                  GError     **error)
{
  AVFormatContext *fmt = NULL;
  AVCodecContext *dec = NULL;
  const AVCodec *codec = NULL;
  AVPacket *pkt = NULL;
  AVFrame *frame = NULL;
  struct SwsContext *sws = NULL;
  guint8 *rgb = NULL;
  int rgb_w = 0, rgb_h = 0;
  int stream;
  GArray *out = NULL;
  gboolean flushing = FALSE;

  if (avformat_open_input (&fmt, path, NULL, NULL) < 0 || avformat_find_stream_info (fmt, NULL) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "libavformat cannot read %s", path);
      goto done;
    }
  stream = av_find_best_stream (fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream < 0 || codec == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no video stream in %s", path);
      goto done;
    }
  dec = avcodec_alloc_context3 (codec);
  avcodec_parameters_to_context (dec, fmt->streams[stream]->codecpar);
  dec->thread_count = 1;
  if (avcodec_open2 (dec, codec, NULL) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open the decoder for %s", path);
      goto done;
    }
  pkt = av_packet_alloc ();
  frame = av_frame_alloc ();
  out = g_array_new (FALSE, TRUE, sizeof (DcTestTimecode));

  while (max_frames == 0 || out->len < max_frames)
    {
      int ret;

      if (!flushing)
        {
          ret = av_read_frame (fmt, pkt);
          if (ret < 0)
            {
              flushing = TRUE;
              avcodec_send_packet (dec, NULL);
            }
          else
            {
              if (pkt->stream_index == stream)
                avcodec_send_packet (dec, pkt);
              av_packet_unref (pkt);
            }
        }
      while ((ret = avcodec_receive_frame (dec, frame)) == 0)
        {
          DcTestTimecode tc = { 0 };

          if (frame->width != rgb_w || frame->height != rgb_h)
            {
              sws_freeContext (sws);
              g_free (rgb);
              rgb_w = frame->width;
              rgb_h = frame->height;
              rgb = g_malloc ((gsize) rgb_w * rgb_h * 3);
              sws = sws_getContext (rgb_w, rgb_h, frame->format, rgb_w, rgb_h, AV_PIX_FMT_RGB24,
                                    SWS_POINT, NULL, NULL, NULL);
            }
          {
            guint8 *dst[4] = { rgb, NULL, NULL, NULL };
            int dst_stride[4] = { rgb_w * 3, 0, 0, 0 };

            sws_scale (sws, (const guint8 *const *) frame->data, frame->linesize, 0, rgb_h, dst, dst_stride);
          }
          tc.valid = dc_test_timecode_read (rgb, rgb_w, rgb_h, rgb_w * 3, &tc.channel, &tc.wall_frames, &tc.fps);
          g_array_append_val (out, tc);
          av_frame_unref (frame);
          if (max_frames != 0 && out->len >= max_frames)
            break;
        }
      if (flushing && ret == AVERROR_EOF)
        break;
    }

done:
  sws_freeContext (sws);
  g_free (rgb);
  av_frame_free (&frame);
  av_packet_free (&pkt);
  avcodec_free_context (&dec);
  avformat_close_input (&fmt);
  return out;
}

gint64
dc_test_timecode_wall_seconds (const char *text)
{
  int y, mo, d, h, mi, s;
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL || sscanf (text, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
    return -1;
  dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  return dt ? g_date_time_to_unix (dt) : -1;
}
