#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libavformat/avformat.h>
#include <turbojpeg.h>

#include "media-fixtures.h"

gboolean
fx_make_stream (const char *path, const char *ffmpeg_format, int first_index,
                int n_frames, int noise, GError **error)
{
  return fx_make_stream_sized (path, ffmpeg_format, first_index, n_frames, noise,
                               FX_WIDTH, FX_HEIGHT, error);
}

static gboolean
make_stream (const char *path, const char *ffmpeg_format, int first_index, int n_frames,
             int noise, int width, int height, const char *audio_codec, GError **error);

gboolean
fx_make_stream_sized (const char *path, const char *ffmpeg_format, int first_index,
                      int n_frames, int noise, int width, int height, GError **error)
{
  return make_stream (path, ffmpeg_format, first_index, n_frames, noise, width, height,
                      NULL, error);
}

gboolean
fx_make_stream_with_audio (const char *path, const char *ffmpeg_format,
                           int n_frames, const char *audio_codec, GError **error)
{
  return make_stream (path, ffmpeg_format, 0, n_frames, 5, FX_WIDTH, FX_HEIGHT,
                      audio_codec, error);
}

static gboolean
make_stream (const char *path, const char *ffmpeg_format, int first_index, int n_frames,
             int noise, int width, int height, const char *audio_codec, GError **error)
{
  g_autofree char *graph = NULL;
  g_autofree char *duration = g_strdup_printf ("%d", n_frames);
  g_autofree char *err_out = NULL;
  int status = 0;

  /* Top 64 rows: bit b of the frame index as a 32-pixel black/white block;
   * below: moving test pattern plus noise, so the stream has real size. */
  graph = g_strdup_printf (
    "color=c=black:s=%dx64:r=%d,"
    "geq=lum='if(mod(floor((N+%d)/pow(2,floor(X/32))),2),235,16)':cb=128:cr=128[top];"
    "testsrc2=s=%dx%d:r=%d,noise=alls=%d:allf=t[bot];[top][bot]vstack",
    width, FX_FPS, first_index, width, height - 64, FX_FPS, noise);
  g_autofree char *seconds = g_strdup_printf ("%.3f", n_frames / (double) FX_FPS);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *video_args[] = {
    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0",
    "-x264-params", "repeat-headers=1", "-pix_fmt", "yuv420p",
  };
  char **argv;

  g_ptr_array_add (args, "ffmpeg");
  g_ptr_array_add (args, "-nostdin");
  g_ptr_array_add (args, "-v");
  g_ptr_array_add (args, "error");
  g_ptr_array_add (args, "-y");
  g_ptr_array_add (args, "-f");
  g_ptr_array_add (args, "lavfi");
  g_ptr_array_add (args, "-i");
  g_ptr_array_add (args, graph);
  if (audio_codec != NULL)
    {
      g_ptr_array_add (args, "-f");
      g_ptr_array_add (args, "lavfi");
      g_ptr_array_add (args, "-i");
      g_ptr_array_add (args, "sine=frequency=440:sample_rate=48000");
      g_ptr_array_add (args, "-c:a");
      g_ptr_array_add (args, (char *) audio_codec);
      g_ptr_array_add (args, "-t");
      g_ptr_array_add (args, seconds);
    }
  g_ptr_array_add (args, "-frames:v");
  g_ptr_array_add (args, duration);
  for (gsize i = 0; i < G_N_ELEMENTS (video_args); i++)
    g_ptr_array_add (args, (char *) video_args[i]);
  g_ptr_array_add (args, "-f");
  g_ptr_array_add (args, (char *) ffmpeg_format);
  g_ptr_array_add (args, (char *) path);
  g_ptr_array_add (args, NULL);
  argv = (char **) args->pdata;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err_out, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "ffmpeg: %s: ", err_out);
      return FALSE;
    }
  return TRUE;
}

gboolean
fx_prepend_imkh (const char *ps_path, const char *out_path, GError **error)
{
  /* Layout as a DS-7600 NVR sends it: magic, version, system format,
   * video codec 0x0100 (H.264)... padded to 40 bytes. */
  static const guint8 imkh[40] = {
    'I', 'M', 'K', 'H', 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01,
    0x21, 0x72, 0x01, 0x10, 0x40, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (!g_file_get_contents (ps_path, &data, &len, error))
    return FALSE;
  g_byte_array_append (out, imkh, sizeof imkh);
  g_byte_array_append (out, (guint8 *) data, len);
  return g_file_set_contents (out_path, (char *) out->data, out->len, error);
}

static void
put_le32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (a, b, 4);
}

gboolean
fx_write_dhav (const char *in_path, const char *out_path, GError **error)
{
  AVFormatContext *in = NULL;
  AVPacket *pkt = av_packet_alloc ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint32 frame_number = 0;
  int vidx;
  gboolean ok = FALSE;

  if (avformat_open_input (&in, in_path, NULL, NULL) < 0 ||
      avformat_find_stream_info (in, NULL) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read %s", in_path);
      goto out;
    }
  vidx = av_find_best_stream (in, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  while (av_read_frame (in, pkt) >= 0)
    {
      /* Frame time on a 2026-11-23 12:00:00 wall clock, in ms. */
      guint32 ms = frame_number * (1000 / FX_FPS);
      guint32 sec = ms / 1000;
      guint32 date = (26u << 26) | (11u << 22) | (23u << 17) | (12u << 12)
                     | ((sec / 60) << 6) | (sec % 60);
      guint32 frame_len = 24 + 8 + (guint32) pkt->size + 8;
      guint8 head[8] = { (pkt->flags & AV_PKT_FLAG_KEY) ? 0xFD : 0xFC, 0, 0, 0 };
      guint8 tail[8] = { ms & 0xff, (ms >> 8) & 0xff, 8, 0,
                         0x80, 0, FX_WIDTH / 8, FX_HEIGHT / 8 };
      guint8 ext2[4] = { 0x81, 0, 0x02, FX_FPS };

      if (pkt->stream_index != vidx)
        {
          av_packet_unref (pkt);
          continue;
        }
      g_byte_array_append (out, (const guint8 *) "DHAV", 4);
      g_byte_array_append (out, head, 4);
      put_le32 (out, frame_number);
      put_le32 (out, frame_len);
      put_le32 (out, date);
      g_byte_array_append (out, tail, 8);
      g_byte_array_append (out, ext2, 4);
      g_byte_array_append (out, pkt->data, pkt->size);
      g_byte_array_append (out, (const guint8 *) "dhav", 4);
      put_le32 (out, frame_len);
      frame_number++;
      av_packet_unref (pkt);
    }
  ok = g_file_set_contents (out_path, (char *) out->data, out->len, error);
out:
  av_packet_free (&pkt);
  avformat_close_input (&in);
  return ok;
}

int
fx_luma_frame_index (const guint8 *y, int stride)
{
  int index = 0, b;

  for (b = 0; b < FX_BITS; b++)
    {
      /* Average a 8x8 patch in the middle of the block. */
      int sum = 0, dx, dy;

      for (dy = 28; dy < 36; dy++)
        for (dx = 12; dx < 20; dx++)
          sum += y[dy * stride + b * 32 + dx];
      sum /= 64;
      if (sum > 200)
        index |= 1 << b;
      else if (sum > 50)
        return -1;  /* neither black nor white: not one of our frames */
    }
  return index;
}

static guint8 *
jpeg_decode (const char *jpeg_path, int pf, int bpp, int *width, int *height)
{
  g_autofree char *data = NULL;
  gsize len;
  tjhandle tj;
  int w, h, sub, cs;
  guint8 *pixels;

  if (!g_file_get_contents (jpeg_path, &data, &len, NULL))
    return NULL;
  tj = tjInitDecompress ();
  if (tjDecompressHeader3 (tj, (guint8 *) data, len, &w, &h, &sub, &cs) != 0)
    {
      tjDestroy (tj);
      return NULL;
    }
  pixels = g_malloc ((gsize) w * h * bpp);
  if (tjDecompress2 (tj, (guint8 *) data, len, pixels, w, w * bpp, h, pf, 0) != 0)
    g_clear_pointer (&pixels, g_free);
  tjDestroy (tj);
  if (width)
    *width = w;
  if (height)
    *height = h;
  return pixels;
}

guint8 *
fx_jpeg_decode_rgb (const char *jpeg_path, int *width, int *height)
{
  return jpeg_decode (jpeg_path, TJPF_RGB, 3, width, height);
}

int
fx_jpeg_frame_index (const char *jpeg_path, int *width, int *height)
{
  int w = 0, h = 0, index;
  guint8 *gray = jpeg_decode (jpeg_path, TJPF_GRAY, 1, &w, &h);

  if (gray == NULL)
    return -1;
  index = fx_luma_frame_index (gray, w);
  g_free (gray);
  if (width)
    *width = w;
  if (height)
    *height = h;
  return index;
}

typedef struct
{
  DcByteSource  parent;
  DcByteSource *inner;
  FxSourceMode  mode;
  guint64       limit;
  GQuark        domain;
  int           code;
  guint64       seeks;
} FxSource;

static gssize
fx_source_read (DcByteSource *self, guint8 *buf, gsize len, GError **error)
{
  FxSource *fs = (FxSource *) self;
  gssize n;

  if (fs->mode == FX_SOURCE_FAIL_AFTER)
    {
      if (self->position >= fs->limit)
        {
          g_set_error (error, fs->domain, fs->code, "transfer failed at %" G_GUINT64_FORMAT,
                       self->position);
          return -1;
        }
      len = MIN (len, fs->limit - self->position);
    }
  n = dc_byte_source_read (fs->inner, buf, len, error);
  if (n > 0)
    self->bytes_transferred += (guint64) n;
  return n;
}

static gboolean
fx_source_seek (DcByteSource *self, guint64 offset, GError **error)
{
  FxSource *fs = (FxSource *) self;

  if (fs->mode == FX_SOURCE_SEEK_FAILS ||
      (fs->mode == FX_SOURCE_SEEK_BREAKS && fs->seeks++ >= fs->limit))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "server ignored Range");
      return FALSE;
    }
  return dc_byte_source_seek (fs->inner, offset, error);
}

static void
fx_source_finalize (DcByteSource *self)
{
  FxSource *fs = (FxSource *) self;

  dc_byte_source_free (fs->inner);
  g_free (fs);
}

static const DcByteSourceClass fx_no_seek_class = {
  fx_source_read, NULL, fx_source_finalize
};
static const DcByteSourceClass fx_seek_class = {
  fx_source_read, fx_source_seek, fx_source_finalize
};

DcByteSource *
fx_source_wrap (DcByteSource *inner, FxSourceMode mode, guint64 limit,
                GQuark error_domain, int error_code)
{
  FxSource *fs = g_new0 (FxSource, 1);

  fs->parent.klass = mode == FX_SOURCE_NO_SEEK ? &fx_no_seek_class : &fx_seek_class;
  fs->parent.size = mode == FX_SOURCE_NO_SEEK || mode == FX_SOURCE_NO_SIZE ? -1 : inner->size;
  fs->inner = inner;
  fs->mode = mode;
  fs->limit = limit;
  fs->domain = error_domain;
  fs->code = error_code;
  return &fs->parent;
}
