/* bench-report.c: the evidence report of 500 pictures (target: within
 * 30 s on the project's 2-core machine).
 *
 * Makes an e-sheet of N waybills with one 1920x1080 JPEG each (as a
 * 1080p recorder's picture; noisy content so each is ~200 KB, like a real
 * one), an evidence record per picture and every tenth picture marked
 * (half of those with their marked copy, half without, so the report
 * draws those marks itself).  Then times dc_report_write() for 4 and 2
 * pictures a page, against a baseline measured in the same run: the same
 * files read, hashed (SHA-256) and decoded at full size without any PDF,
 * the floor any report of these pictures pays.
 *
 *   bench-report [N]   (default 500)
 */
#define G_LOG_DOMAIN "bench-report"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "pictures/dc-jpeg.h"
#include "pictures/dc-mark-burn.h"
#include "pictures/dc-marks.h"
#include "report/dc-evidence-record.h"
#include "report/dc-report.h"

#define W 1920
#define H 1080

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) || !(p = strstr (status, "VmHWM:")))
    return -1;
  return atol (p + strlen ("VmHWM:"));
}

static GBytes *
make_picture (guint seed)
{
  g_autoptr(DcImage) image = dc_image_new (W, H, 3);
  g_autoptr(GError) error = NULL;
  guint32 x32 = seed * 2654435761u + 1;
  GBytes *jpeg;

  for (int y = 0; y < H; y++)
    {
      guint8 *row = image->pixels + (gsize) y * image->stride;

      for (int x = 0; x < W; x++)
        {
          x32 ^= x32 << 13;
          x32 ^= x32 >> 17;
          x32 ^= x32 << 5;
          row[x * 3] = (guint8) (90 + (x / 8 + seed) % 60 + (x32 & 15));
          row[x * 3 + 1] = (guint8) (100 + (y / 8) % 50 + ((x32 >> 4) & 15));
          row[x * 3 + 2] = (guint8) (110 + ((x + y) / 16) % 40 + ((x32 >> 8) & 15));
        }
    }
  jpeg = dc_jpeg_encode (image, 85, FALSE, &error);
  g_assert_no_error (error);
  return jpeg;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 500;
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *pictures = g_build_filename (dir, "out", "bench", NULL);
  g_autofree char *records = g_build_filename (pictures, DC_EVIDENCE_DIR_NAME, NULL);
  g_autofree char *esheet = g_build_filename (dir, "bench.csv", NULL);
  g_autoptr(GString) csv = g_string_new ("waybill,dock,scan time\n");
  g_autoptr(DcMarkIndex) marks = NULL;
  g_autoptr(GError) error = NULL;
  gsize total_bytes = 0;
  gint64 t0;
  double c0, baseline_s, baseline_cpu;

  g_setenv ("TZ", "UTC", TRUE);
  g_mkdir_with_parents (records, 0700);
  marks = dc_mark_index_new (pictures);
  printf ("making %u pictures of %dx%d…\n", n, W, H);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) jpeg = make_picture (i);
      g_autofree char *name = g_strdup_printf ("SF%010u.jpg", 1000000 + i);
      g_autofree char *path = g_build_filename (pictures, name, NULL);
      g_autofree char *record = dc_evidence_record_path (pictures, name);
      g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, jpeg);
      g_autofree char *json = NULL;
      int minute = (int) (i / 60), second = (int) (i % 60);

      g_string_append_printf (csv, "SF%010u,月台A%02u,2026-11-03 %02d:%02d:%02d\n", 1000000 + i, i % 12 + 1,
                              8 + minute / 60, minute % 60, second);
      g_file_set_contents (path, g_bytes_get_data (jpeg, NULL), (gssize) g_bytes_get_size (jpeg), &error);
      g_assert_no_error (error);
      total_bytes += g_bytes_get_size (jpeg);
      json = g_strdup_printf ("{\"file\":\"%s\",\"kind\":\"picture\",\"status\":\"done\",\"recorder\":\"north\","
                              "\"brand\":\"hikvision\",\"channel\":%u,\"clock_offset_s\":83,"
                              "\"frame_time\":\"2026-11-03T%02d:%02d:%02d.040Z\",\"sha256\":\"%s\"}",
                              name, i % 12 + 1, 8 + minute / 60, minute % 60, second, sha);
      g_file_set_contents (record, json, -1, &error);
      g_assert_no_error (error);
      if (i % 10 == 0)
        {
          DcMark mark;

          dc_mark_init (&mark, DC_MARK_SHAPE_RECTANGLE, 600, 300, 500, 400, DC_MARK_COLOUR_RED, 6);
          dc_mark_index_set (marks, name, &mark);
          if (i % 20 == 0)
            {
              g_autofree char *burned = dc_mark_burned_path (pictures, name);

              g_assert_true (dc_picture_burn_mark (path, &mark, burned, DC_BURN_QUALITY, NULL, &error));
            }
        }
    }
  g_assert_true (dc_mark_index_save (marks, &error));
  g_file_set_contents (esheet, csv->str, (gssize) csv->len, &error);
  g_assert_no_error (error);
  printf ("%u pictures, %.1f MB (%.0f KB each)\n", n, total_bytes / 1e6, total_bytes / 1e3 / n);

  /* Baseline: read, hash and decode every picture, no PDF. */
  t0 = g_get_monotonic_time ();
  c0 = cpu_seconds ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("SF%010u.jpg", 1000000 + i);
      g_autofree char *path = g_build_filename (pictures, name, NULL);
      g_autofree char *data = NULL;
      g_autofree char *sha = NULL;
      g_autoptr(DcImage) image = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
      image = dc_jpeg_decode ((const guint8 *) data, len, 1, 1, FALSE, &error);
      g_assert_no_error (error);
    }
  baseline_s = (g_get_monotonic_time () - t0) / 1e6;
  baseline_cpu = cpu_seconds () - c0;
  printf ("baseline (read + SHA-256 + full decode, no PDF): %.2f s wall, %.2f s CPU\n", baseline_s, baseline_cpu);

  for (guint per_page = 4; per_page >= 2; per_page -= 2)
    {
      g_autofree char *pdf = g_strdup_printf ("%s/report-%u.pdf", dir, per_page);
      DcReportOptions options;
      DcReportSummary summary;
      GStatBuf st;
      double wall, cpu;

      dc_report_options_init (&options);
      options.per_page = per_page;
      options.mapping_store = "";
      t0 = g_get_monotonic_time ();
      c0 = cpu_seconds ();
      g_assert_true (dc_report_write (esheet, pictures, &options, pdf, &summary, NULL, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      wall = (g_get_monotonic_time () - t0) / 1e6;
      cpu = cpu_seconds () - c0;
      g_stat (pdf, &st);
      printf ("report, %u a page: %u pictures, %u pages, %.1f MB PDF: %.2f s wall (target 30 s), %.2f s CPU, "
              "%.1f ms per picture; %.2fx the baseline's CPU\n",
              per_page, summary.n_pictures, summary.n_pages, st.st_size / 1e6, wall, cpu, wall * 1000 / n,
              cpu / MAX (baseline_cpu, 1e-3));
      if (summary.n_pictures != n)
        g_error ("the report has %u pictures, not %u", summary.n_pictures, n);
    }
  printf ("peak RSS %.0f MB\n", peak_rss_kb () / 1024.0);
  dc_test_rmdir (dir);
  return 0;
}
