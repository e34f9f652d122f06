/* test-sim-video.c: the simulator's video generator on its own — encoder
 * reuse is byte-identical to fresh encoders, chunks have their fixed size,
 * the time code strip survives JPEG, the dock scene moves its parcels and
 * its caption, and how fast a frame renders and a segment encodes. */
#define G_LOG_DOMAIN "test-sim-video"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <turbojpeg.h>

#include "dc-sim-video.h"
#include "dc-test-timecode.h"
#include "dc-test-util.h"

#define BASE 1762178400   /* 2025-11-03 14:00:00 as wall seconds */

static DcSimVideo *
new_video (gsize cache)
{
  g_autoptr(GError) error = NULL;
  DcSimVideo *video = dc_sim_video_new (320, 240, 10, 20000, cache, &error);

  g_assert_no_error (error);
  return video;
}

static void
test_reuse_is_deterministic (void)
{
  DcSimVideo *reused = new_video (0);
  DcSimVideo *fresh = new_video (0);

  dc_sim_video_set_reuse_encoders (fresh, FALSE);
  /* Out of order and across channels, as concurrent downloads ask. */
  for (int i = 0; i < 12; i++)
    {
      gint64 sec = BASE + (i * 7) % 12;
      guint channel = 1 + i % 3;
      DcSimGop *a = dc_sim_video_get_gop (reused, channel, sec);
      DcSimGop *b = dc_sim_video_get_gop (fresh, channel, sec);

      g_assert_cmpint (a->n_frames, ==, 10);
      g_assert_cmpmem (a->data, a->len, b->data, b->len);
      g_assert_cmpmem (a->frame_off, sizeof (gsize) * 11, b->frame_off, sizeof (gsize) * 11);
      /* SPS, PPS then an IDR slice open every second. */
      g_assert_cmpmem (a->data, 4, "\0\0\0\1", 4);
      g_assert_cmpint (a->data[4] & 0x1F, ==, 7);
      dc_sim_gop_unref (a);
      dc_sim_gop_unref (b);
    }
  dc_sim_video_free (reused);
  dc_sim_video_free (fresh);
}

static void
test_chunk_sizes (void)
{
  DcSimVideo *video = new_video (8 << 20);
  g_autoptr(GBytes) init = dc_sim_video_mp4_init (video, 600);

  g_assert_cmpuint (g_bytes_get_size (init), ==, dc_sim_video_mp4_init_size (video));
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (init, NULL) + 4, 4, "ftyp", 4);
  g_assert_cmpmem (dc_sim_imkh_header (), 4, "IMKH", 4);
  for (int i = 0; i < 5; i++)
    {
      g_autoptr(GBytes) ps = dc_sim_video_ps_chunk (video, 2, BASE + i);
      g_autoptr(GBytes) again = dc_sim_video_ps_chunk (video, 2, BASE + i);
      g_autoptr(GBytes) frag = dc_sim_video_mp4_fragment (video, 2, BASE + i, BASE);
      const guint8 *p = g_bytes_get_data (ps, NULL);

      g_assert_cmpuint (g_bytes_get_size (ps), ==, 20000);
      g_assert_cmpuint (g_bytes_get_size (frag), ==, 20000);
      g_assert_true (g_bytes_equal (ps, again));
      /* Each second starts with a pack header. */
      g_assert_cmpmem (p, 4, "\0\0\1\xBA", 4);
      g_assert_cmpmem ((const guint8 *) g_bytes_get_data (frag, NULL) + 4, 4, "moof", 4);
    }
  dc_sim_video_free (video);
}

static void
yuv_to_rgb (const guint8 *y, const guint8 *u, const guint8 *v, int w, int h, guint8 *rgb)
{
  for (int row = 0; row < h; row++)
    for (int col = 0; col < w; col++)
      {
        int Y = y[row * w + col] - 16, U = u[(row / 2) * (w / 2) + col / 2] - 128, V = v[(row / 2) * (w / 2) + col / 2] - 128;
        int r = (298 * Y + 409 * V + 128) >> 8, g = (298 * Y - 100 * U - 208 * V + 128) >> 8, b = (298 * Y + 516 * U + 128) >> 8;
        guint8 *p = rgb + ((gsize) row * w + col) * 3;

        p[0] = (guint8) CLAMP (r, 0, 255);
        p[1] = (guint8) CLAMP (g, 0, 255);
        p[2] = (guint8) CLAMP (b, 0, 255);
      }
}

/* The first pack's SCR in a PS chunk (90 kHz, 33 bits). */
static guint64
ps_chunk_scr (GBytes *chunk)
{
  const guint8 *p = g_bytes_get_data (chunk, NULL);

  g_assert_cmpuint (g_bytes_get_size (chunk), >, 14);
  g_assert_true (p[0] == 0 && p[1] == 0 && p[2] == 1 && p[3] == 0xBA);
  return ((guint64) ((p[4] >> 3) & 7) << 30) | ((guint64) (p[4] & 3) << 28) | ((guint64) p[5] << 20) |
         ((guint64) ((p[6] >> 3) & 0x1F) << 15) | ((guint64) (p[6] & 3) << 13) | ((guint64) p[7] << 5) |
         (p[8] >> 3);
}

/* A recording's PS clock runs on across midnight: a by-time clip from
 * 23:59:55 to 00:00:05 is one stream, not two that look like a cut (the
 * clock was the time of day, and restarted at 00:00). */
static void
test_ps_clock_across_midnight (void)
{
  DcSimVideo *video = new_video (8 * 1024 * 1024);
  gint64 midnight = BASE - BASE % 86400 + 86400;
  guint64 before, after;

  dc_sim_video_set_pts_epoch (video, midnight - 3600);
  {
    g_autoptr(GBytes) a = dc_sim_video_ps_chunk (video, 1, midnight - 1);
    g_autoptr(GBytes) b = dc_sim_video_ps_chunk (video, 1, midnight);

    before = ps_chunk_scr (a);
    after = ps_chunk_scr (b);
  }
  g_assert_cmpuint (after, ==, before + 90000);
  dc_sim_video_free (video);
}

static void
test_timecode_jpeg (void)
{
  const int w = 320, h = 240;
  g_autofree guint8 *y = g_malloc (w * h), *u = g_malloc (w * h / 4), *v = g_malloc (w * h / 4);
  g_autofree guint8 *rgb = g_malloc (w * h * 3), *big = g_malloc (w * h * 12);
  g_autofree char *dir = dc_test_mkdtemp ();
  gint64 frames = (gint64) (BASE + 4321) * 10 + 7;
  guint channel = 0;
  gint64 wall = 0;
  int fps = 0;

  dc_sim_video_render_frame (w, h, y, w, u, v, w / 2, 9, frames, 10);
  yuv_to_rgb (y, u, v, w, h, rgb);
  g_assert_true (dc_test_timecode_read (rgb, w, h, w * 3, &channel, &wall, &fps));
  g_assert_cmpuint (channel, ==, 9);
  g_assert_cmpint (wall, ==, frames);
  g_assert_cmpint (fps, ==, 10);

  /* Twice the size (a product may scale), through JPEG at quality 75. */
  for (int row = 0; row < 2 * h; row++)
    for (int col = 0; col < 2 * w; col++)
      memcpy (big + ((gsize) row * 2 * w + col) * 3, rgb + ((gsize) (row / 2) * w + col / 2) * 3, 3);
  {
    tjhandle tj = tjInitCompress ();
    unsigned char *jpeg = NULL;
    unsigned long jpeg_len = 0;
    g_autofree char *path = g_build_filename (dir, "frame.jpg", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (tjCompress2 (tj, big, 2 * w, 2 * w * 3, 2 * h, TJPF_RGB, &jpeg, &jpeg_len, TJSAMP_420, 75, 0), ==, 0);
    g_file_set_contents (path, (const char *) jpeg, (gssize) jpeg_len, &error);
    g_assert_no_error (error);
    tjFree (jpeg);
    tjDestroy (tj);
    channel = 0;
    wall = 0;
    g_assert_true (dc_test_timecode_read_jpeg_file (path, &channel, &wall, &fps, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (channel, ==, 9);
    g_assert_cmpint (wall, ==, frames);
  }

  /* A corrupted code is refused, not misread: the strip's second row of
   * cells all white. */
  memset (rgb + (gsize) 8 * w * 3, 255, (gsize) 8 * w * 3);
  g_assert_false (dc_test_timecode_read (rgb, w, h, w * 3, &channel, &wall, &fps));
  dc_test_rmdir (dir);
}

/* Mean luma of a box of the rendered frame (reference 320 x 240 pixels). */
static int
mean_luma (const guint8 *y, int w, int x0, int y0, int x1, int y1)
{
  gint64 sum = 0;

  for (int row = y0; row < y1; row++)
    for (int col = x0; col < x1; col++)
      sum += y[row * w + col];
  return (int) (sum / ((x1 - x0) * (y1 - y0)));
}

static int
count_diff (const guint8 *a, const guint8 *b, int w, int x0, int y0, int x1, int y1)
{
  int n = 0;

  for (int row = y0; row < y1; row++)
    for (int col = x0; col < x1; col++)
      n += a[row * w + col] != b[row * w + col];
  return n;
}

static void
test_scene (void)
{
  const int w = 320, h = 240;
  g_autofree guint8 *y0 = g_malloc (w * h), *y5 = g_malloc (w * h), *y10 = g_malloc (w * h);
  g_autofree guint8 *again = g_malloc (w * h);
  g_autofree guint8 *u = g_malloc (w * h / 4), *v = g_malloc (w * h / 4);
  gint64 frames = (gint64) BASE * 10;

  dc_sim_video_render_frame (w, h, y0, w, u, v, w / 2, 3, frames, 10);
  dc_sim_video_render_frame (w, h, y5, w, u, v, w / 2, 3, frames + 5, 10);
  dc_sim_video_render_frame (w, h, y10, w, u, v, w / 2, 3, frames + 10, 10);
  dc_sim_video_render_frame (w, h, again, w, u, v, w / 2, 3, frames, 10);
  g_assert_cmpmem (y0, w * h, again, w * h);

  /* On a second's first frame a parcel (bright cardboard or a white
   * mailer) stands under the scanner, not the dark belt; half a second
   * later the gap between two parcels is there. */
  g_assert_cmpint (mean_luma (y0, w, 140, 140, 156, 160), >, 100);
  g_assert_cmpint (mean_luma (y5, w, 140, 152, 156, 164), <, 60);
  /* The parcels moved, the wall did not. */
  g_assert_cmpint (count_diff (y0, y5, w, 0, 140, w, 170), >, 2000);
  g_assert_cmpint (count_diff (y0, y5, w, 200, 60, w, 100), ==, 0);
  /* The caption's seconds digit changes with the second, and only there. */
  g_assert_cmpint (count_diff (y0, y10, w, 0, 24, 150, 40), >, 5);
  g_assert_cmpint (count_diff (y0, y10, w, 0, 24, 120, 40), ==, 0);
  /* Under the strip the bar is dark. */
  g_assert_cmpint (mean_luma (y0, w, 0, 0, 32, 24), <, 40);
}

static void
test_render_speed (void)
{
  const int w = 320, h = 240, n = 500;
  g_autofree guint8 *y = g_malloc (w * h), *u = g_malloc (w * h / 4), *v = g_malloc (w * h / 4);
  gint64 t0;
  double us;

  t0 = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    dc_sim_video_render_frame (w, h, y, w, u, v, w / 2, 1 + i % 4, (gint64) BASE * 10 + i, 10);
  us = (double) (g_get_monotonic_time () - t0) / n;
  g_test_message ("rendered %d frames of 320x240: %.1f us per frame", n, us);
  /* Far above what it takes (tens of microseconds): only a runaway fails. */
  g_assert_cmpfloat (us, <, 20000);
}

static void
test_encode_speed (void)
{
  DcSimVideo *video = new_video (64 << 20);
  gint64 t0 = g_get_monotonic_time ();
  double seconds;

  /* One minute of one channel, as a download reads it (with prefetch). */
  for (int i = 0; i < 60; i++)
    {
      g_autoptr(GBytes) chunk = NULL;

      for (int j = 1; j < 4; j++)
        dc_sim_video_prefetch (video, 1, BASE + i + j);
      chunk = dc_sim_video_ps_chunk (video, 1, BASE + i);
    }
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_test_message ("encoded 60 s of 320x240@10 in %.3f s: %.2f s per 10-minute segment", seconds, seconds * 10);
  g_assert_cmpfloat (seconds, <, 60);
  dc_sim_video_free (video);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/video/reuse-is-deterministic", test_reuse_is_deterministic);
  g_test_add_func ("/sim/video/chunk-sizes", test_chunk_sizes);
  g_test_add_func ("/sim/video/ps-clock-across-midnight", test_ps_clock_across_midnight);
  g_test_add_func ("/sim/video/timecode-jpeg", test_timecode_jpeg);
  g_test_add_func ("/sim/video/scene", test_scene);
  g_test_add_func ("/sim/video/render-speed", test_render_speed);
  g_test_add_func ("/sim/video/encode-speed", test_encode_speed);
  return g_test_run ();
}
