/* test-report.c: the evidence report read back with poppler's tools, not
 * with our own code: the page count for 2 and 4 pictures a page, the text
 * (waybills, Chinese dock and e-sheet names, frame times, "—" where no
 * record says), the images and their sizes, the mark drawn into the
 * marked picture, and the errors, cancellation and the command line. */
#define G_LOG_DOMAIN "test-report"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "pictures/dc-jpeg.h"
#include "pictures/dc-mark-burn.h"
#include "pictures/dc-marks.h"
#include "report/dc-evidence-record.h"
#include "report/dc-report.h"
#include "report-fixture.h"

/* Runs a poppler tool; its standard output. */
static char *
run_tool (const char *const *argv)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return g_steal_pointer (&out);
}

static int
pdf_pages (const char *pdf)
{
  g_autofree char *info = run_tool ((const char *const[]) { "pdfinfo", pdf, NULL });
  const char *p = strstr (info, "\nPages:");

  g_assert_nonnull (p);
  return atoi (p + strlen ("\nPages:"));
}

/* pdftotext's text with runs of white space made one space, page by page. */
static char **
pdf_text_pages (const char *pdf)
{
  g_autofree char *text = run_tool ((const char *const[]) { "pdftotext", "-enc", "UTF-8", pdf, "-", NULL });
  g_autoptr(GRegex) space = g_regex_new ("[ \t\n]+", 0, 0, NULL);
  g_autofree char *flat = g_regex_replace_literal (space, text, -1, 0, " ", 0, NULL);

  return g_strsplit (flat, "\f", -1);
}

static void
write_report (Fixture          *fx,
              DcReportOptions  *options,
              const char       *name,
              DcReportSummary  *summary,
              GPtrArray        *warnings,
              char            **pdf_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = g_build_filename (fx->dir, name, NULL);

  options->mapping_store = "";
  g_assert_true (dc_report_write (fx->esheet, fx->pictures, options, pdf, summary, warnings,
                                  NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  *pdf_out = g_steal_pointer (&pdf);
}

static void
test_pages_and_text (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *pdf2 = NULL, *pdf4 = NULL;
  g_auto(GStrv) pages = NULL;
  g_autofree char *all = NULL;
  DcReportOptions options;
  DcReportSummary summary;
  GStatBuf st;

  (void) data;
  dc_report_options_init (&options);
  options.per_page = 4;
  write_report (fx, &options, "four.pdf", &summary, NULL, &pdf4);
  /* 6 pictures: the cover and 2 pages of 4 */
  g_assert_cmpint (pdf_pages (pdf4), ==, 3);
  g_assert_cmpuint (summary.n_pages, ==, 3);
  g_assert_cmpuint (summary.n_pictures, ==, 6);
  g_assert_cmpuint (summary.n_waybills, ==, 5);
  g_assert_cmpuint (summary.n_marked, ==, 2);
  g_assert_cmpuint (summary.n_missing, ==, 1);
  g_assert_cmpint (g_stat (pdf4, &st), ==, 0);
#ifndef G_OS_WIN32
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
#endif

  options.per_page = 2;
  write_report (fx, &options, "two.pdf", &summary, warnings, &pdf2);
  g_assert_cmpint (pdf_pages (pdf2), ==, 4);

  pages = pdf_text_pages (pdf2);
  all = g_strjoinv (" ", pages);
  g_test_message ("cover: %s", pages[0]);
  /* The cover: the Chinese e-sheet name, counts, the recorder with its
   * offsets as measured (83 and 84 s), the scan without a picture. */
  g_assert_nonnull (strstr (pages[0], ESHEET_NAME));
  g_assert_nonnull (strstr (pages[0], "5 in this report (of 6 in the e-sheet)"));
  g_assert_nonnull (strstr (pages[0], "6, of which 2 marked"));
  g_assert_nonnull (strstr (pages[0], "北门录像机 (hikvision DS-7608NI-K2) — clock offset +83 s to +84 s"));
  g_assert_nonnull (strstr (pages[0], "YT2000000009 (月台C03, 2026-11-03 14:05:00)"));
  g_assert_nonnull (strstr (pages[0], PACKAGE_VERSION));
  /* Every waybill with a picture, and the Chinese dock names. */
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *waybill = g_strdup_printf ("SF100000000%u", i);

      g_assert_nonnull (strstr (all, waybill));
    }
  g_assert_nonnull (strstr (all, "Dock 月台A01"));
  g_assert_nonnull (strstr (all, "Dock 北区B02"));
  g_assert_nonnull (strstr (all, "Channel 3 “月台A01 摄像头”"));

  /* Page 2 holds SF1000000001's two scans, in scan order. */
  g_assert_nonnull (strstr (pages[1], "SF1000000001 Dock 月台A01 Scan time 2026-11-03 14:00:00"));
  g_assert_nonnull (strstr (pages[1], "Frame time 2026-11-03 14:00:00.100 (+0.10 s from the scan)"));
  g_assert_nonnull (strstr (pages[1], "SF1000000001 Dock 北区B02 Scan time 2026-11-03 14:30:05"));
  g_assert_nonnull (strstr (pages[1], "File SF1000000001_143005.jpg"));
  g_assert_nonnull (strstr (pages[1], "matches the record made at download"));
  /* Page 3: the marked copy and the changed file. */
  g_assert_nonnull (strstr (pages[2], "Mark marked with a rectangle"));
  g_assert_nonnull (strstr (pages[2], "(mark drawn by the report"));
  g_assert_nonnull (strstr (pages[2], "Mark marked (no shape)"));
  g_assert_nonnull (strstr (pages[2], "differs from the record made at download"));
  /* Page 4: no record and a damaged one: no frame time is invented. */
  {
    const char *no_record = strstr (pages[3], "SF1000000004");
    const char *damaged = strstr (pages[3], "SF1000000005");

    g_assert_nonnull (no_record);
    g_assert_nonnull (damaged);
    g_assert_nonnull (strstr (no_record, "Recorder — Channel — Frame time —"));
    g_assert_nonnull (strstr (damaged, "Recorder — Channel — Frame time —"));
    g_assert_null (strstr (pages[3], "from the scan"));
    g_assert_nonnull (strstr (pages[3], "no download record"));
  }
  /* The SHA-256s are the files' own. */
  for (guint i = 0; i < G_N_ELEMENTS (report_pics); i++)
    {
      g_autofree char *path = g_build_filename (fx->pictures, report_pics[i].file, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *sha = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
      g_assert_nonnull (strstr (all, sha));
    }
  /* What did not stop the report is said. */
  {
    gboolean damaged = FALSE, changed = FALSE, missing = FALSE;

    for (guint i = 0; i < warnings->len; i++)
      {
        const char *w = g_ptr_array_index (warnings, i);

        damaged |= strstr (w, "SF1000000005.jpg.json") != NULL && strstr (w, "damaged") != NULL;
        changed |= strstr (w, "SF1000000003.jpg") != NULL && strstr (w, "no longer matches") != NULL;
        missing |= strstr (w, "YT2000000009") != NULL;
      }
    g_assert_true (damaged && changed && missing);
  }
}

typedef struct
{
  int page;
  int width;
  int height;
  char enc[16];
} ImageRow;

static GArray *
pdf_images (const char *pdf)
{
  g_autofree char *list = run_tool ((const char *const[]) { "pdfimages", "-list", pdf, NULL });
  g_auto(GStrv) lines = g_strsplit (list, "\n", -1);
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (ImageRow));

  for (guint i = 2; lines[i] != NULL; i++)
    {
      ImageRow row = { 0 };
      int num;
      char type[16], color[16];

      if (sscanf (lines[i], "%d %d %15s %d %d %15s %*d %*d %15s", &row.page, &num, type, &row.width,
                  &row.height, color, row.enc) == 7)
        g_array_append_val (rows, row);
    }
  return rows;
}

static void
test_images (Fixture       *fx,
             gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autofree char *extract = NULL;
  g_autofree char *prefix = NULL;
  DcReportOptions options;
  DcReportSummary summary;
  int n320 = 0, n640 = 0;

  (void) data;
  dc_report_options_init (&options);
  write_report (fx, &options, "four.pdf", &summary, NULL, &pdf);
  rows = pdf_images (pdf);
  g_assert_cmpuint (rows->len, ==, 6);
  for (guint i = 0; i < rows->len; i++)
    {
      const ImageRow *row = &g_array_index (rows, ImageRow, i);

      /* JPEG as downloaded, at its own size; the first 4 on page 2. */
      g_assert_cmpstr (row->enc, ==, "jpeg");
      g_assert_cmpint (row->page, ==, i < 4 ? 2 : 3);
      n320 += row->width == 320 && row->height == 240;
      n640 += row->width == 640 && row->height == 480;
    }
  g_assert_cmpint (n320, ==, 4);
  g_assert_cmpint (n640, ==, 2);

  /* The third picture is SF1000000002 with its red rectangle drawn in;
   * the original has no red at all and is unchanged on disk. */
  extract = g_build_filename (fx->dir, "img", NULL);
  g_assert_cmpint (g_mkdir (extract, 0700), ==, 0);
  prefix = g_build_filename (extract, "p", NULL);
  g_free (run_tool ((const char *const[]) { "pdfimages", "-j", "-f", "2", "-l", "2", pdf, prefix, NULL }));
  {
    g_autofree char *third = g_build_filename (extract, "p-002.jpg", NULL);
    g_autofree char *contents = NULL;
    g_autoptr(DcImage) image = NULL;
    g_autoptr(GError) error = NULL;
    gsize len;
    const guint8 *edge, *inside;

    g_assert_true (g_file_get_contents (third, &contents, &len, &error));
    image = dc_jpeg_decode ((const guint8 *) contents, len, 1, 1, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpint (image->width, ==, 640);
    /* on the rectangle's left edge (x 100..107), and inside it */
    edge = image->pixels + (gsize) 150 * image->stride + 103 * 3;
    inside = image->pixels + (gsize) 150 * image->stride + 200 * 3;
    g_assert_cmpint (edge[0], >, 180);
    g_assert_cmpint (edge[1], <, 80);
    g_assert_cmpint (inside[0], <, 120);
  }
  {
    g_autofree char *burned = dc_mark_burned_path (fx->pictures, "SF1000000002.jpg");

    /* the report drew the mark in memory: it writes nothing beside the pictures */
    g_assert_false (g_file_test (burned, G_FILE_TEST_EXISTS));
  }
}

static void
test_selections (Fixture       *fx,
                 gconstpointer  data)
{
  g_autofree char *pdf = NULL, *pdf2 = NULL;
  g_auto(GStrv) pages = NULL;
  g_autofree char *all = NULL;
  const char *only[] = { "SF1000000001", NULL };
  DcReportOptions options;
  DcReportSummary summary;

  (void) data;
  dc_report_options_init (&options);
  options.marked_only = TRUE;
  options.per_page = 2;
  write_report (fx, &options, "marked.pdf", &summary, NULL, &pdf);
  g_assert_cmpint (pdf_pages (pdf), ==, 2);
  g_assert_cmpuint (summary.n_pictures, ==, 2);
  pages = pdf_text_pages (pdf);
  all = g_strjoinv (" ", pages);
  g_assert_nonnull (strstr (all, "SF1000000002"));
  g_assert_nonnull (strstr (all, "SF1000000003"));
  g_assert_null (strstr (all, "SF1000000004"));

  dc_report_options_init (&options);
  options.waybills = only;
  write_report (fx, &options, "one.pdf", &summary, NULL, &pdf2);
  g_assert_cmpint (pdf_pages (pdf2), ==, 2);
  g_assert_cmpuint (summary.n_pictures, ==, 2);
  g_assert_cmpuint (summary.n_waybills, ==, 1);
  g_assert_cmpuint (summary.n_missing, ==, 0);
}

static void
cancel_after_first_row (guint    done,
                    guint    total,
                    gpointer user_data)
{
  g_assert_cmpuint (total, ==, 6);
  /* after the first row: the rest must not be written */
  g_assert_cmpuint (done, <, total);
  g_cancellable_cancel (user_data);
}

static void
test_errors (Fixture       *fx,
             gconstpointer  data)
{
  g_autofree char *pdf = g_build_filename (fx->dir, "r.pdf", NULL);
  g_autofree char *nowhere = g_build_filename (fx->dir, "no-such-folder", "r.pdf", NULL);
  g_autofree char *empty = g_build_filename (fx->dir, "empty", NULL);
  g_autofree char *part = g_strconcat (pdf, ".part", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const char *unknown[] = { "SF1000000001", "SF9999999999", NULL };
  DcReportOptions options;
  GError *error = NULL;

  (void) data;
  dc_report_options_init (&options);
  options.mapping_store = "";

  options.waybills = unknown;
  g_assert_false (dc_report_write (fx->esheet, fx->pictures, &options, pdf, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_UNKNOWN_WAYBILL);
  g_assert_nonnull (strstr (error->message, "SF9999999999"));
  g_clear_error (&error);
  options.waybills = NULL;

  g_assert_false (dc_report_write (fx->esheet, empty, &options, pdf, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_FOLDER);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  g_assert_false (dc_report_write (fx->esheet, empty, &options, pdf, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_NO_PICTURES);
  g_clear_error (&error);

  options.per_page = 3;
  g_assert_false (dc_report_write (fx->esheet, fx->pictures, &options, pdf, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_OPTIONS);
  g_clear_error (&error);
  options.per_page = 4;

  g_assert_false (dc_report_write (fx->esheet, fx->pictures, &options, nowhere, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_clear_error (&error);

  /* Cancelled half-way: no report and no .part is left. */
  g_assert_false (dc_report_write (fx->esheet, fx->pictures, &options, pdf, NULL, NULL,
                                   cancel_after_first_row, cancellable, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static int
run_cli (const char *const *args,
         char              **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("DC_TEST_CLI"));
  g_ptr_array_add (argv, "report");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, 0, NULL, NULL, out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("dockclip-cli report: %s%s", out ? *out : "", err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (Fixture       *fx,
          gconstpointer  data)
{
  g_autofree char *pdf = g_build_filename (fx->dir, "cli.pdf", NULL);
  g_autofree char *out = NULL;

  (void) data;
  g_assert_nonnull (g_getenv ("DC_TEST_CLI"));
  g_assert_cmpint (run_cli ((const char *const[]) { "--esheet", fx->esheet, "--out", fx->out, NULL }, NULL), ==, 2);
  g_assert_cmpint (run_cli ((const char *const[]) { "--esheet", fx->esheet, "--out", fx->out, "--pdf", pdf,
                                                   "--per-page", "3", NULL }, NULL), ==, 2);
  g_assert_cmpint (run_cli ((const char *const[]) { "--esheet", fx->esheet, "--out", fx->out, "--pdf", pdf,
                                                   "--waybill", "NOPE", NULL }, NULL), ==, 2);
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  g_assert_cmpint (run_cli ((const char *const[]) { "--esheet", fx->esheet, "--out", fx->out, "--pdf", pdf,
                                                   "--per-page", "2", "--marked-only", NULL }, &out), ==, 0);
  g_assert_cmpint (pdf_pages (pdf), ==, 2);
  g_assert_nonnull (strstr (out, "2 pictures of 2 waybills (2 marked)"));
}

int
main (int   argc,
      char *argv[])
{
  /* The scan times are this PC's local time: pin the zone. */
  g_setenv ("TZ", "Asia/Shanghai", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/report/pages-and-text", Fixture, NULL, fixture_set_up, test_pages_and_text, fixture_tear_down);
  g_test_add ("/report/images", Fixture, NULL, fixture_set_up, test_images, fixture_tear_down);
  g_test_add ("/report/selections", Fixture, NULL, fixture_set_up, test_selections, fixture_tear_down);
  g_test_add ("/report/errors", Fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
  g_test_add ("/report/cli", Fixture, NULL, fixture_set_up, test_cli, fixture_tear_down);
  return g_test_run ();
}
