/* Pictures and clips out of recorder-like streams made at test time:
 * every frame shows its own index, so each check reads the frame back. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "dc-test-util.h"
#include "media-fixtures.h"
#include "media/dc-media.h"

#define T0          ((gint64) 1795000000 * G_USEC_PER_SEC)  /* PC time of frame 0 */
#define N_FRAMES    500                                     /* 20 s */

static char *tmpdir;
static char *hik_path;    /* IMKH + MPEG-PS */
static char *mp4_path;
static char *dav_path;
static char *seg1_path;   /* frames 0..299 */
static char *seg2_path;   /* frames 200..499 */

typedef enum { SRC_SEEK, SRC_NO_SEEK, SRC_SEEK_FAILS, SRC_NO_SIZE } SrcKind;

static void expect_picture_error (DcByteSource *src, const char *hint, gint64 target_us,
                                  GQuark domain, int code);

static DcByteSource *
open_source (const char *path, SrcKind kind)
{
  g_autoptr(GError) error = NULL;
  DcByteSource *file = dc_byte_source_new_for_file (path, &error);

  g_assert_no_error (error);
  if (kind == SRC_NO_SEEK)
    return fx_source_wrap (file, FX_SOURCE_NO_SEEK, 0, 0, 0);
  if (kind == SRC_SEEK_FAILS)
    return fx_source_wrap (file, FX_SOURCE_SEEK_FAILS, 0, 0, 0);
  if (kind == SRC_NO_SIZE)
    return fx_source_wrap (file, FX_SOURCE_NO_SIZE, 0, 0, 0);
  return file;
}

static gint64
file_size (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  g_assert_nonnull (info);
  return g_file_info_get_size (info);
}

/* Extracts the picture at @target_us and returns the frame index it shows. */
static int
picture_index (const char *path, const char *hint, SrcKind kind, gint64 target_us,
               DcPictureResult *res)
{
  g_autoptr(DcByteSource) src = open_source (path, kind);
  g_autoptr(GError) error = NULL;
  g_autofree char *jpg = g_build_filename (tmpdir, "pic.jpg", NULL);
  DcPictureResult local;
  int w = 0, h = 0, index;

  if (res == NULL)
    res = &local;
  memset (res, 0, sizeof *res);
  dc_media_extract_picture (src, hint, T0, target_us, NULL, jpg, res, &error);
  g_assert_no_error (error);
  index = fx_jpeg_frame_index (jpg, &w, &h);
  g_assert_cmpint (w, ==, FX_WIDTH);
  g_assert_cmpint (h, ==, FX_HEIGHT);
  g_assert_cmpint (res->width, ==, FX_WIDTH);
  g_assert_cmpint (res->height, ==, FX_HEIGHT);
  /* The reported time is the time of the frame written. */
  g_assert_cmpint (res->frame_us, ==, T0 + (gint64) index * FX_FRAME_US);
  return index;
}

static void
check_targets (const char *path, const char *hint, SrcKind kind)
{
  /* { target in µs after frame 0, expected frame } */
  static const struct { gint64 at; int frame; } cases[] = {
    { 0, 0 },                                   /* first frame */
    { 50 * FX_FRAME_US, 50 },                   /* a keyframe */
    { 137 * FX_FRAME_US + 15000, 137 },         /* mid-GOP, just after a frame */
    { 137 * FX_FRAME_US + 25000, 138 },         /* mid-GOP, nearer the next */
    { 200 * FX_FRAME_US - 1000, 200 },          /* just before a keyframe */
    { 412 * FX_FRAME_US, 412 },                 /* late, mid-GOP */
    { 499 * FX_FRAME_US, 499 },                 /* last frame */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int got = picture_index (path, hint, kind, T0 + cases[i].at, NULL);

      if (got != cases[i].frame)
        g_error ("%s (%s, source %d): target +%" G_GINT64_FORMAT " us gave frame %d, want %d",
                 path, hint ? hint : "probe", kind, cases[i].at, got, cases[i].frame);
    }
}

static void
test_picture_ps_seekable (void)
{
  check_targets (hik_path, "mpeg", SRC_SEEK);
}

static void
test_picture_ps_forward (void)
{
  check_targets (hik_path, "mpeg", SRC_NO_SEEK);
}

static void
test_picture_ps_probe (void)
{
  /* No hint: probing must get past the IMKH header. */
  g_assert_cmpint (picture_index (hik_path, NULL, SRC_NO_SEEK, T0 + 77 * FX_FRAME_US, NULL),
                   ==, 77);
  g_assert_cmpint (picture_index (hik_path, NULL, SRC_SEEK, T0 + 377 * FX_FRAME_US, NULL),
                   ==, 377);
}

static void
test_picture_ps_seek_fails (void)
{
  /* A server that turns out not to honour Range: same frames, read forward. */
  DcPictureResult res;

  g_assert_cmpint (picture_index (hik_path, "mpeg", SRC_SEEK_FAILS, T0 + 333 * FX_FRAME_US, &res),
                   ==, 333);
  g_assert_cmpint (picture_index (hik_path, "mpeg", SRC_SEEK_FAILS, T0 + 12 * FX_FRAME_US, &res),
                   ==, 12);
  /* Seekable but no size (no Content-Length): PS reads forward, MP4 seeks. */
  g_assert_cmpint (picture_index (hik_path, "mpeg", SRC_NO_SIZE, T0 + 345 * FX_FRAME_US, &res),
                   ==, 345);
  g_assert_cmpint (picture_index (mp4_path, "mp4", SRC_NO_SIZE, T0 + 345 * FX_FRAME_US, &res),
                   ==, 345);
  g_assert_cmpint (picture_index (dav_path, "dhav", SRC_NO_SIZE, T0 + 345 * FX_FRAME_US, &res),
                   ==, 345);
}

static void
test_picture_seek_breaks (void)
{
  /* Range honoured for the first request only: never a wrong frame; the
   * caller gets a SOURCE error it can retry on. */
  g_autoptr(GError) error = NULL;
  DcByteSource *file = dc_byte_source_new_for_file (hik_path, &error);
  g_autoptr(DcByteSource) src = fx_source_wrap (file, FX_SOURCE_SEEK_BREAKS, 1, 0, 0);

  expect_picture_error (src, "mpeg", T0 + 400 * FX_FRAME_US, DC_MEDIA_ERROR, DC_MEDIA_ERROR_SOURCE);
}

static void
test_picture_mp4 (void)
{
  check_targets (mp4_path, "mp4", SRC_SEEK);
  g_assert_cmpint (picture_index (mp4_path, NULL, SRC_SEEK, T0 + 263 * FX_FRAME_US, NULL), ==, 263);
}

static void
test_picture_dhav (void)
{
  check_targets (dav_path, "dhav", SRC_SEEK);
  check_targets (dav_path, NULL, SRC_NO_SEEK);
}

static void
test_picture_forward_stops_early (void)
{
  DcPictureResult res;
  gint64 size = file_size (hik_path);

  g_assert_cmpint (picture_index (hik_path, "mpeg", SRC_NO_SEEK, T0 + 30 * FX_FRAME_US, &res),
                   ==, 30);
  g_test_message ("forward, target 1.2 s: read %" G_GUINT64_FORMAT " of %" G_GINT64_FORMAT,
                  res.bytes_read, size);
  /* 1.2 s of a 20 s stream plus probing: far below the whole stream. */
  g_assert_cmpuint (res.bytes_read, <, (guint64) size / 5);
  g_assert_cmpuint (res.bytes_read, >, 0);
}

static void
test_picture_seek_reads_less (void)
{
  DcPictureResult seek_res, fwd_res;
  gint64 size = file_size (hik_path);

  g_assert_cmpint (picture_index (hik_path, "mpeg", SRC_SEEK, T0 + 470 * FX_FRAME_US, &seek_res),
                   ==, 470);
  g_assert_cmpint (picture_index (hik_path, "mpeg", SRC_NO_SEEK, T0 + 470 * FX_FRAME_US, &fwd_res),
                   ==, 470);
  g_test_message ("target 18.8 s: seek read %" G_GUINT64_FORMAT ", forward %" G_GUINT64_FORMAT
                  " of %" G_GINT64_FORMAT, seek_res.bytes_read, fwd_res.bytes_read, size);
  g_assert_cmpuint (fwd_res.bytes_read, >, (guint64) size * 8 / 10);
  g_assert_cmpuint (seek_res.bytes_read, <, (guint64) size / 3);

  g_assert_cmpint (picture_index (mp4_path, "mp4", SRC_SEEK, T0 + 470 * FX_FRAME_US, &seek_res),
                   ==, 470);
  g_assert_cmpuint (seek_res.bytes_read, <, (guint64) file_size (mp4_path) / 3);
}

static void
expect_picture_error (DcByteSource *src, const char *hint, gint64 target_us,
                      GQuark domain, int code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *jpg = g_build_filename (tmpdir, "err.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (jpg);
  DcPictureResult res = { 0 };

  g_file_delete (file, NULL, NULL);
  g_assert_false (dc_media_extract_picture (src, hint, T0, target_us, NULL, jpg, &res, &error));
  g_assert_error (error, domain, code);
  g_assert_false (g_file_query_exists (file, NULL));
}

static void
test_picture_past_end (void)
{
  for (int kind = SRC_SEEK; kind <= SRC_NO_SEEK; kind++)
    {
      g_autoptr(DcByteSource) a = open_source (hik_path, kind);
      g_autoptr(DcByteSource) b = open_source (hik_path, kind);
      g_autoptr(DcByteSource) c = open_source (mp4_path, kind == SRC_SEEK ? SRC_SEEK : SRC_SEEK);

      expect_picture_error (a, "mpeg", T0 + 25 * G_USEC_PER_SEC, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME);
      /* Before the first frame by more than a frame: not this recording. */
      expect_picture_error (b, "mpeg", T0 - G_USEC_PER_SEC, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME);
      expect_picture_error (c, "mp4", T0 + 21 * G_USEC_PER_SEC, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME);
    }
}

static DcByteSource *
bytes_source (const void *data, gsize len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);

  return dc_byte_source_new_for_bytes (bytes);
}

static void
test_picture_bad_input (void)
{
  static const char xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ResponseStatus version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">\n"
    "<requestURL>/ISAPI/ContentMgmt/download</requestURL>\n<statusCode>2</statusCode>\n"
    "<statusString>Device Busy</statusString>\n<subStatusCode>deviceBusy</subStatusCode>\n"
    "</ResponseStatus>\n";
  g_autofree guint8 *garbage = g_malloc (256 * 1024);
  g_autofree char *data = NULL;
  gsize len;
  GRand *rand = g_rand_new_with_seed (42);

  for (gsize i = 0; i < 256 * 1024; i++)
    garbage[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);

  {
    g_autoptr(DcByteSource) s1 = bytes_source (xml, strlen (xml));
    g_autoptr(DcByteSource) s2 = bytes_source (garbage, 256 * 1024);
    g_autoptr(DcByteSource) s3 = bytes_source (garbage, 256 * 1024);
    g_autofree char *empty = g_build_filename (tmpdir, "empty.ps", NULL);
    g_autoptr(DcByteSource) s4 = NULL;

    g_assert_true (g_file_set_contents (empty, "", 0, NULL));
    s4 = open_source (empty, SRC_NO_SEEK);

    expect_picture_error (s1, NULL, T0, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
    expect_picture_error (s2, NULL, T0, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
    expect_picture_error (s3, "mpeg", T0, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
    expect_picture_error (s4, "mpeg", T0, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
  }

  g_assert_true (g_file_get_contents (hik_path, &data, &len, NULL));
  {
    /* A segment still being written: the later frames are missing. */
    g_autoptr(DcByteSource) cut = bytes_source (data, len / 4);
    g_autoptr(DcByteSource) tiny = bytes_source (data, 600);
    g_autoptr(DcByteSource) ok = bytes_source (data, len / 4);
    g_autofree char *jpg = g_build_filename (tmpdir, "cut.jpg", NULL);
    g_autoptr(GError) error = NULL;
    DcPictureResult res;

    expect_picture_error (cut, "mpeg", T0 + 15 * G_USEC_PER_SEC, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME);
    expect_picture_error (tiny, "mpeg", T0, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
    /* ...while its early frames are still good. */
    g_assert_true (dc_media_extract_picture (ok, "mpeg", T0, T0 + 40 * FX_FRAME_US, NULL,
                                             jpg, &res, &error));
    g_assert_no_error (error);
    g_assert_cmpint (fx_jpeg_frame_index (jpg, NULL, NULL), ==, 40);
  }
  {
    /* Half of the stream corrupted in the middle: no crash, an answer or
     * a clean error. */
    g_autofree guint8 *bad = g_memdup2 (data, len);
    g_autoptr(GError) error = NULL;
    g_autofree char *jpg = g_build_filename (tmpdir, "bad.jpg", NULL);
    g_autoptr(DcByteSource) src = NULL;

    memcpy (bad + len / 4, garbage, MIN (len / 2, 256 * 1024));
    src = bytes_source (bad, len);
    if (!dc_media_extract_picture (src, "mpeg", T0, T0 + 10 * G_USEC_PER_SEC, NULL, jpg, NULL, &error))
      g_assert_true (error->domain == DC_MEDIA_ERROR);
  }
}

static void
test_picture_mid_gop_start (void)
{
  /* A download that starts mid-GOP (by-time windows do): the frames before
   * the first keyframe cannot be decoded and must never be the picture. */
  g_autofree char *data = NULL;
  g_autofree char *jpg = g_build_filename (tmpdir, "midgop.jpg", NULL);
  gsize len, off;
  int first = -1;

  g_assert_true (g_file_get_contents (hik_path, &data, &len, NULL));
  off = len / 10 + 777;
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(DcByteSource) src = bytes_source (data + off, len - off);
      g_autoptr(GError) error = NULL;
      DcPictureResult res;
      gint64 target = T0 + i * 5 * G_USEC_PER_SEC;
      int index;

      g_assert_true (dc_media_extract_picture (src, "mpeg", T0, target, NULL, jpg, &res, &error));
      g_assert_no_error (error);
      index = fx_jpeg_frame_index (jpg, NULL, NULL);
      g_test_message ("mid-GOP start: target +%d s gave frame %d at +%" G_GINT64_FORMAT " us",
                      i * 5, index, res.frame_us - T0);
      g_assert_cmpint (index, >=, 0);
      if (i == 0)
        {
          /* The first keyframe, less than a GOP after the stream start. */
          g_assert_cmpint (index % FX_FPS, ==, 0);
          g_assert_cmpint (res.frame_us - T0, <, G_USEC_PER_SEC);
          g_assert_cmpint (res.frame_us - T0, >, 0);
          first = index - (int) ((res.frame_us - T0) / FX_FRAME_US);
        }
      else
        g_assert_cmpint (index, ==, first + 5 * FX_FPS);
    }
}

static void
test_picture_source_errors (void)
{
  /* The DVR layer's own errors reach the caller unchanged (retry policy). */
  static const struct { GQuark (*domain) (void); int code; } errs[] = {
    { g_io_error_quark, G_IO_ERROR_CANCELLED },
    { g_io_error_quark, G_IO_ERROR_CONNECTION_CLOSED },
    { g_io_error_quark, G_IO_ERROR_BUSY },
  };
  const guint64 limits[] = { 0, 1000, 200 * 1024 };

  for (gsize i = 0; i < G_N_ELEMENTS (errs); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (limits); j++)
      {
        g_autoptr(GError) error = NULL;
        DcByteSource *file = dc_byte_source_new_for_file (hik_path, &error);
        g_autoptr(DcByteSource) src = fx_source_wrap (file, FX_SOURCE_FAIL_AFTER, limits[j],
                                                      errs[i].domain (), errs[i].code);

        expect_picture_error (src, "mpeg", T0 + 15 * G_USEC_PER_SEC, errs[i].domain (), errs[i].code);
      }
}

static void
test_picture_overlay (void)
{
  g_autofree char *plain = g_build_filename (tmpdir, "plain.jpg", NULL);
  g_autofree char *text = g_build_filename (tmpdir, "text.jpg", NULL);
  DcPictureOptions with = { 90, "SF1234567890 A01 2026-11-23 10:00:00", 0 };
  DcPictureOptions without = { 90, NULL, 0 };
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *a = NULL;
  g_autofree guint8 *b = NULL;
  int w, h, changed_inside = 0, max_outside = 0;

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(DcByteSource) src = open_source (hik_path, SRC_SEEK);

      g_assert_true (dc_media_extract_picture (src, "mpeg", T0, T0 + 100 * FX_FRAME_US,
                                               i ? &with : &without, i ? text : plain,
                                               NULL, &error));
      g_assert_no_error (error);
    }
  a = fx_jpeg_decode_rgb (plain, &w, &h);
  b = fx_jpeg_decode_rgb (text, NULL, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        {
          gsize o = ((gsize) y * w + x) * 3 + c;
          int d = ABS ((int) a[o] - (int) b[o]);

          /* The box is at most 13 px high and ~220 px wide at 240 lines;
           * 16 px of slack for JPEG blocks that straddle its edge. */
          if (y >= h - 13 && x < 200)
            changed_inside += d > 16;
          else if (y < h - 13 - 16 || x >= 240)
            max_outside = MAX (max_outside, d);
        }
  g_test_message ("overlay: %d changed inside, max diff outside %d", changed_inside, max_outside);
  g_assert_cmpint (changed_inside, >, 200 * 13 / 2);
  g_assert_cmpint (max_outside, <=, 1);
  /* Top-left blocks still read as the frame index. */
  g_assert_cmpint (fx_jpeg_frame_index (text, NULL, NULL), ==, 100);
}

/* Decodes every frame of @path; returns the frame indexes shown. */
static GArray *
decode_all (const char *path, gboolean *first_is_key)
{
  AVFormatContext *fmt = NULL;
  AVCodecContext *dec;
  AVPacket *pkt = av_packet_alloc ();
  AVFrame *frame = av_frame_alloc ();
  GArray *indexes = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean first = TRUE;
  int vidx, ret;

  g_assert_cmpint (avformat_open_input (&fmt, path, NULL, NULL), ==, 0);
  g_assert_cmpint (avformat_find_stream_info (fmt, NULL), >=, 0);
  vidx = av_find_best_stream (fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  g_assert_cmpint (vidx, >=, 0);
  dec = avcodec_alloc_context3 (avcodec_find_decoder (fmt->streams[vidx]->codecpar->codec_id));
  avcodec_parameters_to_context (dec, fmt->streams[vidx]->codecpar);
  dec->err_recognition = AV_EF_EXPLODE;
  g_assert_cmpint (avcodec_open2 (dec, NULL, NULL), ==, 0);
  for (;;)
    {
      ret = av_read_frame (fmt, pkt);
      if (ret >= 0 && pkt->stream_index != vidx)
        {
          av_packet_unref (pkt);
          continue;
        }
      if (ret >= 0 && first)
        {
          *first_is_key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
          first = FALSE;
        }
      g_assert_cmpint (avcodec_send_packet (dec, ret >= 0 ? pkt : NULL), ==, 0);
      av_packet_unref (pkt);
      while (avcodec_receive_frame (dec, frame) == 0)
        {
          int index = fx_luma_frame_index (frame->data[0], frame->linesize[0]);

          g_assert_false (frame->decode_error_flags);
          g_array_append_val (indexes, index);
        }
      if (ret < 0)
        break;
    }
  avcodec_free_context (&dec);
  avformat_close_input (&fmt);
  av_frame_free (&frame);
  av_packet_free (&pkt);
  return indexes;
}

static void
test_clip_overlap (void)
{
  DcMediaInput inputs[] = {
    /* Given out of order on purpose. */
    { seg2_path, NULL, T0 + 200 * FX_FRAME_US },
    { seg1_path, "mpeg", T0 },
  };
  g_autofree char *out = g_build_filename (tmpdir, "clip.mp4", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) idx = NULL;
  g_autofree char *data = NULL;
  DcClipResult res = { 0 };
  gint64 duration = 0;
  guint n_frames = 0;
  gboolean key = FALSE;
  int w, h;
  gsize len;
  char *moov, *mdat;

  /* 10.5 s .. 14.5 s: from the keyframe at 10 s (frame 250) up to frame
   * 362, across the 8..12 s overlap of the two segments. */
  g_assert_true (dc_media_write_clip (inputs, 2, T0 + 10500000, T0 + 14500000, out, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpint (res.first_frame_us, ==, T0 + 250 * FX_FRAME_US);
  g_assert_cmpuint (res.n_frames, ==, 113);
  g_assert_cmpint (ABS (res.duration_us - 113 * FX_FRAME_US), <=, FX_FRAME_US);

  idx = decode_all (out, &key);
  g_assert_true (key);
  g_assert_cmpuint (idx->len, ==, 113);
  for (guint i = 0; i < idx->len; i++)
    g_assert_cmpint (g_array_index (idx, int, i), ==, 250 + (int) i);

  g_assert_true (dc_media_probe_file (out, &duration, &n_frames, &w, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_frames, ==, 113);
  g_assert_cmpint (ABS (duration - 113 * FX_FRAME_US), <=, FX_FRAME_US);
  g_assert_cmpint (w, ==, FX_WIDTH);
  g_assert_cmpint (h, ==, FX_HEIGHT);

  /* +faststart: the index comes before the media data. */
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  moov = memmem (data, len, "moov", 4);
  mdat = memmem (data, len, "mdat", 4);
  g_assert_nonnull (moov);
  g_assert_nonnull (mdat);
  g_assert_true (moov < mdat);

  /* And the ffmpeg CLI plays it without a complaint. */
  {
    const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-", NULL };
    g_autofree char *err_out = NULL;
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                                 NULL, NULL, NULL, &err_out, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (err_out, ==, "");
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
}

static void
test_clip_formats (void)
{
  /* The same window out of each container: same frames. */
  const char *paths[] = { hik_path, mp4_path, dav_path };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      DcMediaInput input = { paths[i], NULL, T0 };
      g_autofree char *out = g_build_filename (tmpdir, "fmt.mp4", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) idx = NULL;
      DcClipResult res = { 0 };
      gboolean key = FALSE;

      g_assert_true (dc_media_write_clip (&input, 1, T0 + 2 * G_USEC_PER_SEC,
                                          T0 + 3 * G_USEC_PER_SEC, out, &res, &error));
      g_assert_no_error (error);
      g_assert_cmpint (res.first_frame_us, ==, T0 + 50 * FX_FRAME_US);
      idx = decode_all (out, &key);
      g_assert_true (key);
      g_assert_cmpuint (idx->len, ==, 25);
      g_assert_cmpuint (res.n_frames, ==, 25);
      for (guint k = 0; k < idx->len; k++)
        g_assert_cmpint (g_array_index (idx, int, k), ==, 50 + (int) k);
    }
}

/* Duration in µs of the first stream of @type in @path, from its packets. */
static gint64
stream_span_us (const char *path, enum AVMediaType type, int *codec_id)
{
  AVFormatContext *fmt = NULL;
  AVPacket *pkt = av_packet_alloc ();
  gint64 first = AV_NOPTS_VALUE, end = 0;
  int idx;

  g_assert_cmpint (avformat_open_input (&fmt, path, NULL, NULL), ==, 0);
  g_assert_cmpint (avformat_find_stream_info (fmt, NULL), >=, 0);
  idx = av_find_best_stream (fmt, type, -1, -1, NULL, 0);
  if (idx < 0)
    {
      avformat_close_input (&fmt);
      av_packet_free (&pkt);
      return -1;
    }
  *codec_id = fmt->streams[idx]->codecpar->codec_id;
  while (av_read_frame (fmt, pkt) >= 0)
    {
      if (pkt->stream_index == idx)
        {
          if (first == AV_NOPTS_VALUE)
            first = pkt->pts;
          end = MAX (end, pkt->pts + pkt->duration);
        }
      av_packet_unref (pkt);
    }
  end = av_rescale_q (end - first, fmt->streams[idx]->time_base, AV_TIME_BASE_Q);
  avformat_close_input (&fmt);
  av_packet_free (&pkt);
  return end;
}

static void
test_clip_audio (void)
{
  /* Audio MP4 can carry is copied along, in step with the video; the
   * video frames stay exact. */
  static const struct { const char *format, *codec; int id; } cases[] = {
    { "mp4", "aac", AV_CODEC_ID_AAC },
    { "mpeg", "mp2", AV_CODEC_ID_MP2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *in = g_build_filename (tmpdir, "av-in", NULL);
      g_autofree char *out = g_build_filename (tmpdir, "av.mp4", NULL);
      DcMediaInput input = { in, NULL, T0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) idx = NULL;
      DcClipResult res = { 0 };
      gboolean key = FALSE;
      gint64 video_us, audio_us;
      int vcodec = 0, acodec = 0;

      if (!fx_make_stream_with_audio (in, cases[i].format, 150, cases[i].codec, &error))
        g_error ("%s", error->message);
      g_assert_true (dc_media_write_clip (&input, 1, T0 + 2300000, T0 + 4 * G_USEC_PER_SEC,
                                          out, &res, &error));
      g_assert_no_error (error);
      g_assert_cmpint (res.first_frame_us, ==, T0 + 2 * G_USEC_PER_SEC);
      g_assert_cmpuint (res.n_frames, ==, 50);
      idx = decode_all (out, &key);
      g_assert_true (key);
      g_assert_cmpuint (idx->len, ==, 50);
      g_assert_cmpint (g_array_index (idx, int, 0), ==, 50);
      g_assert_cmpint (g_array_index (idx, int, 49), ==, 99);

      video_us = stream_span_us (out, AVMEDIA_TYPE_VIDEO, &vcodec);
      audio_us = stream_span_us (out, AVMEDIA_TYPE_AUDIO, &acodec);
      g_test_message ("%s audio: video %" G_GINT64_FORMAT " us, audio %" G_GINT64_FORMAT " us",
                      cases[i].codec, video_us, audio_us);
      g_assert_cmpint (vcodec, ==, AV_CODEC_ID_H264);
      /* MP4 stores MPEG-1 audio as one object type: layer II reads back
       * as "mp3", which decodes it. */
      if (cases[i].id == AV_CODEC_ID_MP2)
        g_assert_true (acodec == AV_CODEC_ID_MP2 || acodec == AV_CODEC_ID_MP3);
      else
        g_assert_cmpint (acodec, ==, cases[i].id);
      g_assert_cmpint (ABS (audio_us - video_us), <, 100000);
    }
}

static void
test_clip_errors (void)
{
  DcMediaInput input = { seg1_path, "mpeg", T0 };
  DcMediaInput garbage = { NULL, NULL, T0 };
  g_autofree char *out = g_build_filename (tmpdir, "none.mp4", NULL);
  g_autofree char *xml = g_build_filename (tmpdir, "error.xml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (out);
  g_autoptr(GError) error = NULL;

  g_assert_false (dc_media_write_clip (&input, 1, T0 + 30 * G_USEC_PER_SEC,
                                       T0 + 40 * G_USEC_PER_SEC, out, NULL, &error));
  g_assert_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME);
  g_assert_false (g_file_query_exists (file, NULL));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (xml, "<?xml version=\"1.0\"?><ResponseStatus/>", -1, NULL));
  garbage.path = xml;
  g_assert_false (dc_media_write_clip (&garbage, 1, T0, T0 + G_USEC_PER_SEC, out, NULL, &error));
  g_assert_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
  g_assert_false (g_file_query_exists (file, NULL));
}

/* The remux measures each input on the way (the clip step relies on it
 * instead of a pass of its own): frames and span read, whether it reached
 * the input's end, inputs it never needed, and a recorder's piece that
 * holds no video skipped instead of failing the clip. */
static void
test_clip_measured (void)
{
  g_autofree char *xml = g_build_filename (tmpdir, "piece-error.xml", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "measured.mp4", NULL);
  g_autoptr(GError) error = NULL;
  DcMediaInputSpan spans[3];
  DcClipResult res = { 0 };

  g_assert_true (g_file_set_contents (xml, "<?xml version=\"1.0\"?><ResponseStatus/>", -1, NULL));
  {
    DcMediaInput inputs[] = {
      { seg2_path, NULL, T0 + 200 * FX_FRAME_US, TRUE },
      { xml, NULL, T0 + 100 * FX_FRAME_US, TRUE },
      { seg1_path, "mpeg", T0, TRUE },
    };

    /* 2 s .. 14 s: seg1 (frames 0..299, 0..12 s) is read to its end,
     * seg2 (8..20 s) only up to the window's end; the error body covers
     * nothing. */
    g_assert_true (dc_media_write_clip_measured (inputs, 3, T0 + 2 * G_USEC_PER_SEC,
                                                 T0 + 14 * G_USEC_PER_SEC, out, &res, spans,
                                                 &error));
    g_assert_no_error (error);
    g_assert_cmpint (res.first_frame_us, ==, T0 + 50 * FX_FRAME_US);
    g_assert_true (spans[2].read);
    g_assert_true (spans[2].to_end);
    g_assert_cmpuint (spans[2].n_frames, ==, 300);
    g_assert_cmpint (spans[2].first_us, ==, T0);
    g_assert_cmpint (spans[2].end_us, ==, T0 + 300 * FX_FRAME_US);
    g_assert_cmpint (spans[2].largest_gap_us, ==, 0);
    g_assert_true (spans[1].read);
    g_assert_cmpuint (spans[1].n_frames, ==, 0);
    g_assert_true (spans[0].read);
    g_assert_false (spans[0].to_end);
    g_assert_cmpint (spans[0].first_us, ==, T0 + 200 * FX_FRAME_US);
    g_assert_cmpint (spans[0].end_us, >=, T0 + 14 * G_USEC_PER_SEC);
    g_assert_cmpint (spans[0].end_us, <, T0 + 15 * G_USEC_PER_SEC);

    /* 1 s .. 3 s: done inside seg1; seg2 is never opened. */
    g_assert_true (dc_media_write_clip_measured (inputs, 3, T0 + G_USEC_PER_SEC,
                                                 T0 + 3 * G_USEC_PER_SEC, out, &res, spans, &error));
    g_assert_no_error (error);
    g_assert_false (spans[2].to_end);
    g_assert_false (spans[0].read);
    g_assert_cmpuint (spans[0].n_frames, ==, 0);
  }
  {
    /* Only pieces without video: NO_FRAME, nothing written, spans say so;
     * the same piece not marked may_be_empty fails as before. */
    DcMediaInput only_xml = { xml, NULL, T0, TRUE };
    g_autoptr(GFile) file = g_file_new_for_path (out);

    g_assert_true (g_file_delete (file, NULL, NULL));
    g_assert_false (dc_media_write_clip_measured (&only_xml, 1, T0, T0 + G_USEC_PER_SEC, out, &res,
                                                  spans, &error));
    g_assert_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME);
    g_clear_error (&error);
    g_assert_true (spans[0].read);
    g_assert_cmpuint (spans[0].n_frames, ==, 0);
    g_assert_false (g_file_query_exists (file, NULL));
    only_xml.may_be_empty = FALSE;
    g_assert_false (dc_media_write_clip_measured (&only_xml, 1, T0, T0 + G_USEC_PER_SEC, out, &res,
                                                  spans, &error));
    g_assert_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
  }
}

static void
test_probe (void)
{
  g_autoptr(GError) error = NULL;
  gint64 duration = 0;
  guint n = 0;
  int w = 0, h = 0;

  g_assert_true (dc_media_probe_file (hik_path, &duration, &n, &w, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, N_FRAMES);
  g_assert_cmpint (duration, ==, N_FRAMES * FX_FRAME_US);
  g_assert_cmpint (w, ==, FX_WIDTH);
  g_assert_cmpint (h, ==, FX_HEIGHT);
  g_assert_true (dc_media_probe_file (dav_path, &duration, &n, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, N_FRAMES);
}

static void
test_sniff (void)
{
  static const struct { const char *data; gsize len; gboolean media; const char *kind; } cases[] = {
    { "IMKH\x01\x01\x00\x00", 8, TRUE, "imkh" },
    { "\x00\x00\x01\xba\x44\x00", 6, TRUE, "mpeg" },
    { "\x00\x00\x00\x20" "ftypisom", 12, TRUE, "mp4" },
    { "DHAV\xfd\x00\x00\x00", 8, TRUE, "dhav" },
    { "DAHUA\x00\x00\x00", 8, TRUE, "dhav" },
    { "<?xml version=\"1.0\"?><ResponseStatus>", 38, FALSE, "xml" },
    { "\xef\xbb\xbf  <html>", 12, FALSE, "xml" },
    { "Error: file not found\r\n", 23, FALSE, "text" },
    { "\x01\x02\x03\xff", 4, FALSE, "unknown" },
    { "", 0, FALSE, "unknown" },
    { "IMK", 3, FALSE, "text" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *kind = NULL;

      g_assert_cmpint (dc_media_sniff_is_media ((const guint8 *) cases[i].data, cases[i].len, &kind),
                       ==, cases[i].media);
      g_assert_cmpstr (kind, ==, cases[i].kind);
    }
  g_assert_false (dc_media_sniff_is_media (NULL, 0, NULL));

  /* The fixtures themselves. */
  {
    const char *paths[] = { hik_path, mp4_path, dav_path, seg1_path };
    const char *kinds[] = { "imkh", "mp4", "dhav", "mpeg" };

    for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
      {
        g_autofree char *data = NULL;
        gsize len;
        const char *kind;

        g_assert_true (g_file_get_contents (paths[i], &data, &len, NULL));
        g_assert_true (dc_media_sniff_is_media ((guint8 *) data, MIN (len, 64), &kind));
        g_assert_cmpstr (kind, ==, kinds[i]);
      }
  }
}

/* Issue 11: the recorder's word for the container is not trusted (Amcrest
 * says Type=dav for MP4 files): the first bytes decide. */
static void
test_picture_container_from_bytes (void)
{
  g_assert_cmpint (picture_index (mp4_path, "dhav", SRC_SEEK, T0 + 263 * FX_FRAME_US, NULL), ==, 263);
  g_assert_cmpint (picture_index (mp4_path, "dav", SRC_NO_SIZE, T0 + 100 * FX_FRAME_US, NULL), ==, 100);
  g_assert_cmpint (picture_index (hik_path, "mp4", SRC_NO_SEEK, T0 + 77 * FX_FRAME_US, NULL), ==, 77);
  g_assert_cmpint (picture_index (dav_path, "mp4", SRC_SEEK, T0 + 345 * FX_FRAME_US, NULL), ==, 345);
}

/* A gap in the recording (timestamps jump from 2 s to 10 s): the frame
 * nearest a scan at 6 s is 4 s away, more than one GOP: no picture. */
static void
test_picture_frame_far_from_scan (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = g_build_filename (tmpdir, "gap-a.ps", NULL);
  g_autofree char *b = g_build_filename (tmpdir, "gap-b.ps", NULL);
  g_autofree char *gap = g_build_filename (tmpdir, "gap.ps", NULL);
  g_autofree char *da = NULL, *db = NULL;
  gsize la, lb;
  GString *both;

  g_assert_true (fx_make_stream (a, "mpeg", 0, 50, 5, &error));
  g_assert_true (fx_make_stream (b, "mpeg", 250, 50, 5, &error));
  {
    /* frame 250 at 10 s, as it would be in one recording */
    g_autofree char *b10 = g_strconcat (b, ".10", NULL);
    const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", b, "-c", "copy",
                           "-output_ts_offset", "10", "-f", "mpeg", b10, NULL };
    int status = 0;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, &error));
    g_assert_true (g_file_get_contents (b10, &db, &lb, NULL));
  }
  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  both = g_string_new_len (da, (gssize) la);
  g_string_append_len (both, db, (gssize) lb);
  g_assert_true (g_file_set_contents (gap, both->str, (gssize) both->len, NULL));
  g_string_free (both, TRUE);

  /* Frames before the gap are still found... */
  g_assert_cmpint (picture_index (gap, "mpeg", SRC_NO_SEEK, T0 + 40 * FX_FRAME_US, NULL), ==, 40);
  /* ...the middle of it is not a picture of anything. */
  {
    g_autoptr(DcByteSource) src = open_source (gap, SRC_NO_SEEK);

    expect_picture_error (src, "mpeg", T0 + 150 * FX_FRAME_US, DC_MEDIA_ERROR, DC_MEDIA_ERROR_NO_FRAME);
  }
}

/* Issue 16: a 16,000-pixel-wide frame is refused before it is decoded. */
static void
test_picture_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wide = g_build_filename (tmpdir, "wide.ps", NULL);
  g_autofree char *jpg = g_build_filename (tmpdir, "wide.jpg", NULL);
  g_autoptr(DcByteSource) src = NULL;
  DcPictureResult res = { 0 };

  g_assert_true (fx_make_stream_sized (wide, "mpeg", 0, 5, 0, 16000, 128, &error));
  src = open_source (wide, SRC_NO_SEEK);
  g_assert_false (dc_media_extract_picture (src, "mpeg", T0, T0 + FX_FRAME_US, NULL, jpg, &res, &error));
  g_assert_error (error, DC_MEDIA_ERROR, DC_MEDIA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "16000"));
  g_assert_false (g_file_test (jpg, G_FILE_TEST_EXISTS));
}

static void
make_fixtures (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ps = g_build_filename (tmpdir, "plain.ps", NULL);

  hik_path = g_build_filename (tmpdir, "hik.ps", NULL);
  mp4_path = g_build_filename (tmpdir, "dahua.mp4", NULL);
  dav_path = g_build_filename (tmpdir, "dahua.dav", NULL);
  seg1_path = g_build_filename (tmpdir, "seg1.ps", NULL);
  seg2_path = g_build_filename (tmpdir, "seg2.ps", NULL);

  if (!fx_make_stream (ps, "mpeg", 0, N_FRAMES, 20, &error) ||
      !fx_prepend_imkh (ps, hik_path, &error) ||
      !fx_make_stream (mp4_path, "mp4", 0, N_FRAMES, 20, &error) ||
      !fx_write_dhav (ps, dav_path, &error) ||
      !fx_make_stream (seg1_path, "mpeg", 0, 300, 5, &error) ||
      !fx_make_stream (seg2_path, "mpeg", 200, 300, 5, &error))
    g_error ("cannot make the test streams: %s", error->message);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = dc_test_mkdtemp ();
  make_fixtures ();

  g_test_add_func ("/media/sniff", test_sniff);
  g_test_add_func ("/media/probe", test_probe);
  g_test_add_func ("/media/picture/ps-seekable", test_picture_ps_seekable);
  g_test_add_func ("/media/picture/ps-forward-only", test_picture_ps_forward);
  g_test_add_func ("/media/picture/ps-probe-imkh", test_picture_ps_probe);
  g_test_add_func ("/media/picture/ps-seek-fails", test_picture_ps_seek_fails);
  g_test_add_func ("/media/picture/ps-seek-breaks", test_picture_seek_breaks);
  g_test_add_func ("/media/picture/mp4", test_picture_mp4);
  g_test_add_func ("/media/picture/dhav", test_picture_dhav);
  g_test_add_func ("/media/picture/forward-stops-early", test_picture_forward_stops_early);
  g_test_add_func ("/media/picture/seek-reads-less", test_picture_seek_reads_less);
  g_test_add_func ("/media/picture/past-end", test_picture_past_end);
  g_test_add_func ("/media/picture/bad-input", test_picture_bad_input);
  g_test_add_func ("/media/picture/mid-gop-start", test_picture_mid_gop_start);
  g_test_add_func ("/media/picture/source-errors", test_picture_source_errors);
  g_test_add_func ("/media/picture/overlay", test_picture_overlay);
  g_test_add_func ("/media/picture/container-from-bytes", test_picture_container_from_bytes);
  g_test_add_func ("/media/picture/frame-far-from-scan", test_picture_frame_far_from_scan);
  g_test_add_func ("/media/picture/too-large", test_picture_too_large);
  g_test_add_func ("/media/clip/overlapping-segments", test_clip_overlap);
  g_test_add_func ("/media/clip/formats", test_clip_formats);
  g_test_add_func ("/media/clip/audio", test_clip_audio);
  g_test_add_func ("/media/clip/errors", test_clip_errors);
  g_test_add_func ("/media/clip/measured", test_clip_measured);

  ret = g_test_run ();
  dc_test_rmdir (tmpdir);
  g_free (tmpdir);
  g_free (hik_path);
  g_free (mp4_path);
  g_free (dav_path);
  g_free (seg1_path);
  g_free (seg2_path);
  return ret;
}
