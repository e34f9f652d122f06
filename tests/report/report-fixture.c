/* report-fixture.c: see report-fixture.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "pictures/dc-jpeg.h"
#include "pictures/dc-marks.h"
#include "report/dc-evidence-record.h"
#include "report-fixture.h"

const Pic report_pics[6] = {
  { "SF1000000001.jpg", 320, 240, "2026-11-03 14:00:00", "ok" },
  { "SF1000000002.jpg", 640, 480, "2026-11-03 14:01:00", "ok" },
  { "SF1000000003.jpg", 320, 240, "2026-11-03 14:02:00", "changed" },
  { "SF1000000004.jpg", 640, 480, "2026-11-03 14:03:00", "none" },
  { "SF1000000005.jpg", 320, 240, "2026-11-03 14:04:00", "damaged" },
  { "SF1000000001_143005.jpg", 320, 240, "2026-11-03 14:30:05", "ok" },
};

static GBytes *
make_jpeg (int width,
           int height,
           int seed)
{
  g_autoptr(DcImage) image = dc_image_new (width, height, 3);
  g_autoptr(GError) error = NULL;
  GBytes *jpeg;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->pixels + (gsize) y * image->stride + (gsize) x * 3;

        /* a grey-blue field: no red anywhere, so a red mark is ours */
        p[0] = (guint8) (60 + (x + seed * 13) % 40);
        p[1] = (guint8) (90 + (y + seed * 7) % 50);
        p[2] = (guint8) (150 + (x + y) % 60);
      }
  jpeg = dc_jpeg_encode (image, 90, FALSE, &error);
  g_assert_no_error (error);
  return jpeg;
}

static char *
iso_utc (const char *local_scan,
         const char *fraction)
{
  int y, mo, d, h, mi, s;
  g_autoptr(GDateTime) local = NULL, utc = NULL;
  g_autofree char *base = NULL;

  g_assert_cmpint (sscanf (local_scan, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s), ==, 6);
  local = g_date_time_new_local (y, mo, d, h, mi, s);
  utc = g_date_time_to_utc (local);
  base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s%sZ", base, fraction);
}

static void
write_file (const char *path,
            const void *data,
            gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autofree char *evidence_dir = NULL;
  g_autoptr(DcMarkIndex) marks = NULL;
  g_autoptr(GError) error = NULL;
  const char *csv =
    "运单号,月台,扫描时间\n"
    "SF1000000001,月台A01,2026-11-03 14:00:00\n"
    "SF1000000002,月台A01,2026-11-03 14:01:00\n"
    "SF1000000003,北区B02,2026-11-03 14:02:00\n"
    "SF1000000004,北区B02,2026-11-03 14:03:00\n"
    "SF1000000005,月台A01,2026-11-03 14:04:00\n"
    "YT2000000009,月台C03,2026-11-03 14:05:00\n"
    "SF1000000001,北区B02,2026-11-03 14:30:05\n";
  DcMark rect, plain;

  (void) data;
  fx->dir = dc_test_mkdtemp ();
  fx->out = g_build_filename (fx->dir, "out", NULL);
  fx->pictures = g_build_filename (fx->out, BATCH, NULL);
  fx->esheet = g_build_filename (fx->dir, ESHEET_NAME, NULL);
  evidence_dir = g_build_filename (fx->pictures, DC_EVIDENCE_DIR_NAME, NULL);
  g_assert_cmpint (g_mkdir_with_parents (evidence_dir, 0700), ==, 0);
  write_file (fx->esheet, csv, strlen (csv));

  for (guint i = 0; i < G_N_ELEMENTS (report_pics); i++)
    {
      g_autoptr(GBytes) jpeg = make_jpeg (report_pics[i].width, report_pics[i].height, (int) i);
      g_autofree char *path = g_build_filename (fx->pictures, report_pics[i].file, NULL);
      g_autofree char *record = dc_evidence_record_path (fx->pictures, report_pics[i].file);
      g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, jpeg);
      g_autofree char *frame = iso_utc (report_pics[i].scan, ".100");
      g_autofree char *scan = iso_utc (report_pics[i].scan, "");
      g_autofree char *waybill = g_strndup (report_pics[i].file, 12);
      g_autofree char *json = NULL;

      write_file (path, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
      if (strcmp (report_pics[i].record, "none") == 0)
        continue;
      if (strcmp (report_pics[i].record, "damaged") == 0)
        {
          const char *cut = "{\"file\": \"SF1000000005.jpg\", \"frame_";

          write_file (record, cut, strlen (cut));
          continue;
        }
      json = g_strdup_printf ("{\"file\": \"%s\", \"kind\": \"picture\", \"status\": \"done\", \"note\": \"\","
                              " \"waybill\": \"%s\", \"dock\": \"月台A01\", \"scan_time\": \"%s\","
                              " \"recorder\": \"北门录像机\", \"brand\": \"hikvision\", \"model\": \"DS-7608NI-K2\","
                              " \"channel\": 3, \"channel_name\": \"月台A01 摄像头\", \"clock_offset_s\": %s,"
                              " \"frame_time\": \"%s\", \"sha256\": \"%s\","
                              " \"downloaded_at\": \"2026-11-03T15:00:00+08:00\"}",
                              report_pics[i].file, waybill, scan, i == 1 ? "84" : "83", frame,
                              strcmp (report_pics[i].record, "changed") == 0
                                ? "0000000000000000000000000000000000000000000000000000000000000000" : sha);
      write_file (record, json, strlen (json));
    }

  /* SF1000000002: a red rectangle with no marked copy yet (the report
   * draws it); SF1000000003: a plain mark. */
  marks = dc_mark_index_new (fx->pictures);
  dc_mark_init (&rect, DC_MARK_SHAPE_RECTANGLE, 100, 80, 200, 150, DC_MARK_COLOUR_RED, 8);
  dc_mark_init (&plain, DC_MARK_SHAPE_NONE, 0, 0, 0, 0, DC_MARK_COLOUR_RED, 1);
  dc_mark_index_set (marks, "SF1000000002.jpg", &rect);
  dc_mark_index_set (marks, "SF1000000003.jpg", &plain);
  g_assert_true (dc_mark_index_save (marks, &error));
  g_assert_no_error (error);
}

void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  (void) data;
  dc_test_rmdir (fx->dir);
  g_free (fx->dir);
  g_free (fx->out);
  g_free (fx->pictures);
  g_free (fx->esheet);
}

