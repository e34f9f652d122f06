/* bench-media: picture extraction (time, bytes read against the stream
 * size; seekable against forward-only) and clip remux throughput against
 * `ffmpeg -c copy` on the same input, measured in the same run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>

#include "dc-test-util.h"
#include "media-fixtures.h"
#include "media/dc-media.h"

#define T0 ((gint64) 1795000000 * G_USEC_PER_SEC)

static gint64
file_size (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);
  return info ? g_file_info_get_size (info) : -1;
}

static void
bench_pictures (const char *path, const char *label, int n_frames, gboolean forward,
                const char *dir)
{
  const double fractions[] = { 0.05, 0.5, 0.95 };
  gint64 size = file_size (path);
  g_autofree char *jpg = g_build_filename (dir, "bench.jpg", NULL);

  printf ("\n%s: %.1f MB, %d frames (%.0f s)\n", label, size / 1e6, n_frames,
          n_frames / (double) FX_FPS);
  printf ("  %-12s %-8s %10s %12s %10s\n", "source", "target", "ms", "bytes read", "of stream");
  for (int seekable = 1; seekable >= (forward ? 0 : 1); seekable--)
    for (gsize i = 0; i < G_N_ELEMENTS (fractions); i++)
      {
        g_autoptr(GError) error = NULL;
        DcByteSource *file = dc_byte_source_new_for_file (path, &error);
        g_autoptr(DcByteSource) src = seekable ? file
                                               : fx_source_wrap (file, FX_SOURCE_NO_SEEK, 0, 0, 0);
        int frame = (int) (fractions[i] * (n_frames - 1));
        DcPictureResult res = { 0 };
        gint64 t = g_get_monotonic_time ();

        if (!dc_media_extract_picture (src, NULL, T0, T0 + (gint64) frame * FX_FRAME_US,
                                       NULL, jpg, &res, &error))
          g_error ("picture failed: %s", error->message);
        t = g_get_monotonic_time () - t;
        printf ("  %-12s %5.1f s %10.1f %12" G_GUINT64_FORMAT " %9.1f%%\n",
                seekable ? "seekable" : "forward-only", frame / (double) FX_FPS,
                t / 1000.0, res.bytes_read, 100.0 * res.bytes_read / size);
      }
}

static double
run_ffmpeg_copy (const char *in, const char *out)
{
  const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", in, "-map", "0:v",
                         "-c", "copy", "-movflags", "+faststart", out, NULL };
  g_autoptr(GError) error = NULL;
  int status;
  gint64 t = g_get_monotonic_time ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("ffmpeg: %s", error->message);
  return (g_get_monotonic_time () - t) / 1e6;
}

static void
bench_clip (const char *path, const char *label, int n_frames, const char *dir)
{
  g_autofree char *ours = g_build_filename (dir, "ours.mp4", NULL);
  g_autofree char *theirs = g_build_filename (dir, "ffmpeg.mp4", NULL);
  DcMediaInput input = { path, NULL, T0 };
  double mb = file_size (path) / 1e6, best_ours = G_MAXDOUBLE, best_ff = G_MAXDOUBLE;

  /* Best of 3 each, interleaved, so both see the same cache and load. */
  for (int round = 0; round < 3; round++)
    {
      g_autoptr(GError) error = NULL;
      DcClipResult res;
      gint64 t = g_get_monotonic_time ();

      if (!dc_media_write_clip (&input, 1, T0, T0 + (gint64) n_frames * FX_FRAME_US,
                                ours, &res, &error))
        g_error ("clip failed: %s", error->message);
      best_ours = MIN (best_ours, (g_get_monotonic_time () - t) / 1e6);
      if (res.n_frames != (guint) n_frames)
        g_error ("clip has %u frames, want %d", res.n_frames, n_frames);
      best_ff = MIN (best_ff, run_ffmpeg_copy (path, theirs));
    }
  printf ("\nclip remux of the whole %s (%.1f MB):\n", label, mb);
  printf ("  dockclip        %7.3f s  %8.1f MB/s\n", best_ours, mb / best_ours);
  printf ("  ffmpeg -c copy  %7.3f s  %8.1f MB/s  (includes process start)\n",
          best_ff, mb / best_ff);
  printf ("  ratio dockclip/ffmpeg throughput: %.2f\n", best_ff / best_ours);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *ps = g_build_filename (dir, "plain.ps", NULL);
  g_autofree char *hik = g_build_filename (dir, "hik.ps", NULL);
  g_autofree char *mp4 = g_build_filename (dir, "dahua.mp4", NULL);
  int seconds = argc > 1 ? atoi (argv[1]) : 60;
  int n_frames = seconds * FX_FPS;

  printf ("making a %d s 1280x720 H.264 stream (keyframe every second)...\n", seconds);
  fflush (stdout);
  if (!fx_make_stream_sized (ps, "mpeg", 0, n_frames, 3, 1280, 720, &error) ||
      !fx_prepend_imkh (ps, hik, &error) ||
      !fx_make_stream_sized (mp4, "mp4", 0, n_frames, 3, 1280, 720, &error))
    g_error ("cannot make the stream: %s", error->message);

  bench_pictures (hik, "Hikvision PS (IMKH)", n_frames, TRUE, dir);
  /* ffmpeg writes moov last: such an MP4 can only be read with seeks. */
  bench_pictures (mp4, "MP4 (moov at the end: seekable only)", n_frames, FALSE, dir);
  bench_clip (hik, "Hikvision PS", n_frames, dir);
  bench_clip (mp4, "MP4", n_frames, dir);

  dc_test_rmdir (dir);
  return 0;
}
