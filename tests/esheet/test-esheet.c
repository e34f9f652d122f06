/* Tests of the e-sheet importer and model: committed samples (GBK with a
 * title row, BOM + semicolons, quoted newlines, fixed letters, a dock
 * list) and XLSX/XLS files made at test time by openpyxl and LibreOffice
 * (tests/esheet/make-fixtures.py). */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "dc-test-util.h"
#include "esheet/dc-esheet.h"
#include "esheet/dc-esheet-private.h"

static char *fixtures;        /* generated XLSX/XLS, NULL when python3/openpyxl failed */
static gboolean have_lo;      /* LibreOffice made the .xls files */
static char *store_dir;       /* remembered mappings for these tests */

static gint64
local_us (int y, int mo, int d, int h, int mi, int s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_local (y, mo, d, h, mi, s);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static DcEsheet *
import_ok (const char *path, const DcEsheetMapping *mapping)
{
  DcEsheet *sheet = dc_esheet_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *store = g_build_filename (store_dir, "mappings.ini", NULL);
  DcEsheetImportOptions options;

  dc_esheet_import_options_init (&options);
  options.mapping = mapping;
  options.mapping_store = store;
  g_assert_true (dc_esheet_import_file (sheet, path, &options, &error));
  g_assert_no_error (error);
  return sheet;
}

static DcEsheet *
import_data (const char *name)
{
  g_autofree char *path = dc_test_data_path (name);
  return import_ok (path, NULL);
}

static const DcEsheetReject *
reject_at (DcEsheet *sheet, guint i)
{
  GPtrArray *rejects = dc_esheet_get_rejects (sheet);
  g_assert_cmpuint (i, <, rejects->len);
  return g_ptr_array_index (rejects, i);
}

static int
row_of (DcEsheet *sheet, const char *waybill, guint nth)
{
  for (guint r = 0; r < dc_esheet_get_n_rows (sheet); r++)
    if (strcmp (dc_esheet_get_row_waybill (sheet, r), waybill) == 0 && nth-- == 0)
      return r;
  return -1;
}

/* ---- CSV ------------------------------------------------------------------- */

static void
test_csv_gbk_title (void)
{
  g_autoptr(DcEsheet) sheet = import_data ("esheet/gbk-title.csv");
  int r;

  g_assert_cmpstr (dc_esheet_get_encoding (sheet), ==, "GB18030");
  g_assert_cmpuint (dc_esheet_get_header_row (sheet), ==, 4);
  g_assert_cmpstr (dc_esheet_get_batch (sheet), ==, "gbk-title");
  g_assert_cmpstr (dc_esheet_get_column_label (sheet, "waybill"), ==, "运单号 (B)");
  g_assert_cmpstr (dc_esheet_get_column_label (sheet, "dock"), ==, "月台 (C)");
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 4);
  g_assert_cmpuint (dc_esheet_get_n_waybills (sheet), ==, 3);
  g_assert_cmpuint (dc_esheet_get_n_duplicates (sheet), ==, 1);
  g_assert_cmpuint (dc_esheet_get_n_docks (sheet), ==, 3);

  r = row_of (sheet, "SF1234567890", 0);
  g_assert_cmpint (r, >=, 0);
  g_assert_cmpstr (dc_esheet_get_row_dock (sheet, r), ==, "A01");
  g_assert_cmpint (dc_esheet_get_row_time (sheet, r), ==, local_us (2025, 11, 3, 14, 5, 9));
  g_assert_cmpuint (dc_esheet_get_row_source (sheet, r), ==, 5);
  g_assert_true (dc_esheet_get_row_flags (sheet, r) & DC_ESHEET_ROW_DUPLICATE);
  g_assert_cmpuint (dc_esheet_get_n_extras (sheet), ==, 1);
  g_assert_cmpstr (dc_esheet_get_extra_name (sheet, 0), ==, "操作员");
  g_assert_cmpstr (dc_esheet_get_row_extra (sheet, r, 0), ==, "张三");

  r = row_of (sheet, "SF1234567890", 1);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, r), ==, local_us (2025, 11, 3, 15, 5, 9));
  r = row_of (sheet, "773012345678901", 0);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, r), ==, local_us (2025, 11, 3, 14, 5, 0));

  /* Empty waybill, bad time, empty dock, Excel-rounded waybill. */
  g_assert_cmpuint (dc_esheet_get_n_rejected (sheet), ==, 4);
  g_assert_cmpuint (reject_at (sheet, 0)->row, ==, 7);
  g_assert_cmpstr (reject_at (sheet, 0)->column, ==, "运单号 (B)");
  g_assert_cmpuint (reject_at (sheet, 1)->row, ==, 8);
  g_assert_cmpstr (reject_at (sheet, 1)->column, ==, "扫描时间 (D)");
  g_assert_nonnull (strstr (reject_at (sheet, 1)->reason, "下班后"));
  g_assert_cmpuint (reject_at (sheet, 2)->row, ==, 10);
  g_assert_cmpstr (reject_at (sheet, 2)->column, ==, "月台 (C)");
  g_assert_cmpuint (reject_at (sheet, 3)->row, ==, 11);
  g_assert_nonnull (strstr (reject_at (sheet, 3)->reason, "1.23457E+15"));
}

static void
test_csv_bom_semicolon (void)
{
  g_autoptr(DcEsheet) sheet = import_data ("esheet/utf8-bom-semicolon.csv");
  gint64 instant = local_us (2025, 11, 3, 6, 5, 9);   /* placeholder, replaced below */
  g_autoptr(GDateTime) utc = g_date_time_new_utc (2025, 11, 3, 6, 5, 9);

  instant = g_date_time_to_unix (utc) * G_USEC_PER_SEC;
  g_assert_cmpstr (dc_esheet_get_encoding (sheet), ==, "UTF-8 (BOM)");
  g_assert_cmpuint (dc_esheet_get_header_row (sheet), ==, 1);
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 4);
  g_assert_cmpuint (dc_esheet_get_n_rejected (sheet), ==, 0);
  /* +08:00 and Z are instants, whatever this PC's zone. */
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 0), ==, instant);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 1), ==, instant + 1 * G_USEC_PER_SEC);
  /* epoch milliseconds */
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 2), ==, G_GINT64_CONSTANT (1762149911000) * 1000);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 3), ==, local_us (2025, 11, 3, 14, 5, 12));
  g_assert_cmpstr (dc_esheet_get_row_dock (sheet, 2), ==, "G2");
  g_assert_cmpstr (dc_esheet_get_extra_name (sheet, 0), ==, "Site");
  g_assert_cmpstr (dc_esheet_get_row_extra (sheet, 3, 0), ==, "Guangzhou");
}

static void
test_csv_quoted (void)
{
  g_autoptr(DcEsheet) sheet = import_data ("esheet/quoted-newlines.csv");

  g_assert_cmpstr (dc_esheet_get_encoding (sheet), ==, "UTF-8");
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 4);
  g_assert_cmpstr (dc_esheet_get_row_waybill (sheet, 0), ==, "SF1");
  g_assert_cmpstr (dc_esheet_get_row_extra (sheet, 0, 0), ==, "line one\r\nline two");
  g_assert_cmpstr (dc_esheet_get_row_waybill (sheet, 1), ==, "SF \"2\"");
  g_assert_cmpstr (dc_esheet_get_row_extra (sheet, 1, 0), ==, "a, b");
  g_assert_cmpstr (dc_esheet_get_row_dock (sheet, 2), ==, "A,02");
  /* Rows count records as a spreadsheet shows them, not lines. */
  g_assert_cmpuint (dc_esheet_get_row_source (sheet, 2), ==, 4);
  g_assert_cmpuint (dc_esheet_get_row_source (sheet, 3), ==, 6);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 3), ==, local_us (2025, 11, 3, 14, 5, 12));
}

static void
test_mapping_letters (void)
{
  g_autofree char *path = dc_test_data_path ("esheet/letters.csv");
  g_autoptr(DcEsheetMapping) m = dc_esheet_mapping_new ();
  g_autoptr(DcEsheet) sheet = NULL;
  g_autoptr(DcEsheet) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEsheet) fail = dc_esheet_new ();
  DcEsheetImportOptions options;

  /* Without a mapping: no header. */
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_false (dc_esheet_import_file (fail, path, &options, &error));
  g_assert_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_HEADER);
  g_assert_nonnull (strstr (error->message, "letters.csv"));
  g_clear_error (&error);

  m->waybill = g_strdup ("A");
  m->dock = g_strdup ("c");
  m->time = g_strdup ("E");
  m->time_format = g_strdup ("%Y%m%d%H%M%S");
  sheet = import_ok (path, m);
  g_assert_cmpuint (dc_esheet_get_header_row (sheet), ==, 1);
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 2);
  g_assert_cmpstr (dc_esheet_get_row_dock (sheet, 0), ==, "B07");
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 1), ==, local_us (2025, 11, 3, 14, 6, 9));
  /* "2025110314" does not fit the format: rejected, not read as epoch seconds. */
  g_assert_cmpuint (dc_esheet_get_n_rejected (sheet), ==, 1);
  g_assert_cmpuint (reject_at (sheet, 0)->row, ==, 4);
  g_assert_cmpstr (reject_at (sheet, 0)->column, ==, "col5 (E)");

  /* Remembered for this layout: the same header needs no mapping now. */
  again = import_ok (path, NULL);
  g_assert_cmpuint (dc_esheet_get_n_rows (again), ==, 2);
  g_assert_cmpstr (dc_esheet_get_mapping (again)->time_format, ==, "%Y%m%d%H%M%S");
}

static void
test_mapping_names (void)
{
  g_autofree char *path = dc_test_data_path ("esheet/gbk-title.csv");
  g_autoptr(DcEsheetMapping) m = dc_esheet_mapping_new ();
  g_autoptr(DcEsheetMapping) bad = dc_esheet_mapping_new ();
  g_autoptr(DcEsheet) sheet = NULL;
  g_autoptr(DcEsheet) fail = dc_esheet_new ();
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;

  /* 序号 as the waybill column, by header name. */
  m->waybill = g_strdup ("序号");
  sheet = import_ok (path, m);
  g_assert_cmpstr (dc_esheet_get_column_label (sheet, "waybill"), ==, "序号 (A)");
  g_assert_cmpstr (dc_esheet_get_row_waybill (sheet, 0), ==, "1");

  bad->waybill = g_strdup ("没有这一列");
  dc_esheet_import_options_init (&options);
  options.mapping = bad;
  options.mapping_store = "";
  g_assert_false (dc_esheet_import_file (fail, path, &options, &error));
  g_assert_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_MAPPING);
}

/* ---- time forms ---------------------------------------------------------------- */

static void
test_time_forms (void)
{
  static const struct { const char *text; int y, mo, d, h, mi, s; } ok[] = {
    { "2025-11-03 14:05:09", 2025, 11, 3, 14, 5, 9 },
    { "2025/11/3 14:05", 2025, 11, 3, 14, 5, 0 },
    { "2025年11月3日 14:05:09", 2025, 11, 3, 14, 5, 9 },
    { "2025年11月3日14时05分09秒", 2025, 11, 3, 14, 5, 9 },
    { "2025.11.03 14:05:09.250", 2025, 11, 3, 14, 5, 9 },
    { "  2025-11-03T14:05:09  ", 2025, 11, 3, 14, 5, 9 },
    { "11/3/2025 2:05:09 PM", 2025, 11, 3, 14, 5, 9 },
    { "2025-11-03 下午2:05:09", 2025, 11, 3, 14, 5, 9 },
    { "20251103140509", 2025, 11, 3, 14, 5, 9 },
    { "45964.5869097222", 2025, 11, 3, 14, 5, 9 },
  };
  static const char *bad[] = { "", "tomorrow", "2025-13-03 14:05", "2025-02-30 10:00", "2025-11-03 25:00",
                                "14:05:09 2025", "2025-11-03 14:05:09 +99:00", "9999999999999999999" };
  g_autoptr(DcTimeCache) cache = dc_time_cache_new ();
  DcTimeParts parts;
  DcTimeParsed what;
  gint64 us;

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      what = dc_time_parse_text (ok[i].text, strlen (ok[i].text), NULL, FALSE, &parts);
      g_assert_true ((what & (DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME)) ==
                     (DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME));
      g_assert_true (dc_time_parts_to_us (cache, what, &parts, &us));
      g_assert_cmpint (us / G_USEC_PER_SEC, ==,
                       local_us (ok[i].y, ok[i].mo, ok[i].d, ok[i].h, ok[i].mi, ok[i].s) / G_USEC_PER_SEC);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      what = dc_time_parse_text (bad[i], strlen (bad[i]), NULL, FALSE, &parts);
      g_assert_false (what != DC_TIME_PARSED_NONE && dc_time_parts_to_us (cache, what, &parts, &us));
    }
  /* Time only, date only. */
  g_assert_cmpint (dc_time_parse_text ("14:05", 5, NULL, FALSE, &parts), ==, DC_TIME_PARSED_TIME);
  g_assert_cmpint (dc_time_parse_text ("2025-11-03", 10, NULL, FALSE, &parts), ==, DC_TIME_PARSED_DATE);
  /* Excel serials: 1900 and 1904 systems give the same day for their own serials. */
  what = dc_time_parse_number (45964.0, FALSE, &parts);
  g_assert_cmpint (parts.y * 10000 + parts.mo * 100 + parts.d, ==, 20251103);
  what = dc_time_parse_number (45964.0 - 1462, TRUE, &parts);
  g_assert_cmpint (parts.y * 10000 + parts.mo * 100 + parts.d, ==, 20251103);
  /* Around Excel's fake 1900-02-29 (serial 60). */
  what = dc_time_parse_number (59.0, FALSE, &parts);
  g_assert_cmpint (parts.y * 10000 + parts.mo * 100 + parts.d, ==, 19000228);
  what = dc_time_parse_number (61.0, FALSE, &parts);
  g_assert_cmpint (parts.y * 10000 + parts.mo * 100 + parts.d, ==, 19000301);
  (void) what;
}

/* ---- XLSX / XLS made by openpyxl and LibreOffice ---------------------------------- */

static char *
fixture (const char *name)
{
  return g_build_filename (fixtures, name, NULL);
}

static void
check_numbers (const char *name, const char *damaged)
{
  g_autofree char *path = fixture (name);
  g_autoptr(DcEsheet) sheet = NULL;
  int r;

  /* made at build time by make-fixtures.py (tools/install-deps --test
   * installs what it needs): a missing fixture is a failure, not a skip */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("fixture %s was not generated (python3-openpyxl or LibreOffice missing)", path);
  sheet = import_ok (path, NULL);
  g_assert_cmpuint (dc_esheet_get_header_row (sheet), ==, 3);
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 5);
  g_assert_cmpuint (dc_esheet_get_n_waybills (sheet), ==, 4);
  /* Numbers printed exactly, never 1.23E+11. */
  r = row_of (sheet, "123456789012", 0);
  g_assert_cmpint (r, ==, 0);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, r), ==, local_us (2025, 11, 3, 14, 5, 9));
  g_assert_cmpstr (dc_esheet_get_row_extra (sheet, r, 0), ==, "张三");
  g_assert_cmpint (row_of (sheet, "773012345678901", 0), ==, 1);
  r = row_of (sheet, "SF1234567890", 0);
  g_assert_cmpstr (dc_esheet_get_row_dock (sheet, r), ==, "7");
  g_assert_cmpint (dc_esheet_get_row_time (sheet, r), ==, local_us (2025, 11, 3, 15, 5, 9));
  /* Row 8 is missing from the sheet: row numbers follow the file. */
  r = row_of (sheet, "JD0001", 0);
  g_assert_cmpuint (dc_esheet_get_row_source (sheet, r), ==, 9);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, r), ==, local_us (2025, 11, 3, 16, 5, 9));
  g_assert_cmpuint (dc_esheet_get_n_rejected (sheet), ==, 1);
  g_assert_cmpuint (reject_at (sheet, 0)->row, ==, 6);
  g_assert_nonnull (strstr (reject_at (sheet, 0)->reason, damaged));
}

static void
test_xlsx_numbers (void)
{
  check_numbers ("numbers.xlsx", "1234567890123456");
}

static void
test_xlsx_libreoffice (void)
{
  check_numbers ("lo/numbers.xlsx", "more than 15 digits");
}

static void
test_xls_numbers (void)
{
  check_numbers ("lo/numbers.xls", "more than 15 digits");
}

/* FreeXL runs in dockclip-xls-reader: its failure is an error, not a crash. */
static void
test_xls_isolated (void)
{
  g_autofree char *path = fixture ("lo/numbers.xls");
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;

  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test ("/bin/false", G_FILE_TEST_IS_EXECUTABLE));
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_setenv ("DC_XLS_READER", "/bin/false", TRUE);
  g_assert_false (dc_esheet_import_file (sheet, path, &options, &error));
  g_assert_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "numbers.xls"));
  g_clear_error (&error);
  /* In-process FreeXL still works when asked for. */
  g_setenv ("DC_XLS_READER", "in-process", TRUE);
  g_assert_true (dc_esheet_import_file (sheet, path, &options, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 5);
  g_unsetenv ("DC_XLS_READER");
  /* And the helper is what the other tests use. */
  g_assert_true (g_file_test (DC_BUILD_ROOT "/src/core/esheet/dockclip-xls-reader", G_FILE_TEST_IS_EXECUTABLE));
}

static void
check_1904 (const char *name)
{
  g_autofree char *path = fixture (name);
  g_autoptr(DcEsheet) sheet = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("fixture %s was not generated (python3-openpyxl or LibreOffice missing)", path);
  sheet = import_ok (path, NULL);
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 2);
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 0), ==, local_us (2025, 11, 3, 14, 5, 9));
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 1), ==, local_us (2025, 11, 3, 14, 5, 10));
}

static void
test_xlsx_1904 (void)
{
  check_1904 ("date1904.xlsx");
}

static void
test_xls_1904 (void)
{
  check_1904 ("lo/date1904.xls");
}

static void
check_two_columns (const char *name)
{
  g_autofree char *path = fixture (name);
  g_autoptr(DcEsheet) sheet = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("fixture %s was not generated (python3-openpyxl or LibreOffice missing)", path);
  sheet = import_ok (path, NULL);
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 2);
  g_assert_cmpstr (dc_esheet_get_column_label (sheet, "date"), ==, "扫描日期 (C)");
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 0), ==, local_us (2025, 11, 3, 14, 5, 9));
  g_assert_cmpint (dc_esheet_get_row_time (sheet, 1), ==, local_us (2025, 11, 3, 14, 5, 10));
  g_assert_cmpuint (reject_at (sheet, 0)->row, ==, 4);
  g_assert_cmpstr (reject_at (sheet, 0)->column, ==, "时间 (D)");
}

static void
test_xlsx_two_columns (void)
{
  check_two_columns ("two-columns.xlsx");
}

static void
test_xls_two_columns (void)
{
  check_two_columns ("lo/two-columns.xls");
}

static void
test_xlsx_sheet_choice (void)
{
  g_autofree char *path = fixture ("two-sheets.xlsx");
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("fixture %s was not generated (python3-openpyxl or LibreOffice missing)", path);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_false (dc_esheet_import_file (sheet, path, &options, &error));
  g_assert_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_HEADER);
  g_clear_error (&error);
  options.sheet = 1;
  g_assert_true (dc_esheet_import_file (sheet, path, &options, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (dc_esheet_get_row_waybill (sheet, 0), ==, "ZT0001");
  g_assert_cmpstr (dc_esheet_get_row_dock (sheet, 0), ==, "G01");
  options.sheet = 5;
  g_assert_false (dc_esheet_import_file (sheet, path, &options, &error));
  g_assert_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET);
}

/* ---- bad input ------------------------------------------------------------------ */

static void
expect_error (const char *name, const char *data, gsize len, int code)
{
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;

  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_false (dc_esheet_import_bytes (sheet, name, bytes, &options, &error));
  g_assert_error (error, DC_ESHEET_ERROR, code);
  g_assert_nonnull (strstr (error->message, name));
}

static void
test_bad_input (void)
{
  static const char zip_junk[] = "PK\x03\x04garbage that is not a zip at all";
  static const char ole_junk[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not really BIFF";
  static const char binary[] = "\x01\x02\x00\x00\xff\xfe\x00";
  static const char all_bad[] = "运单号,月台,扫描时间\n,A01,2025-11-03 14:05:09\nSF1,A01,never\n";
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (dc_esheet_import_file (sheet, "/nonexistent/e-sheet.xlsx", NULL, &error));
  g_assert_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_READ);
  g_assert_nonnull (strstr (error->message, "/nonexistent/e-sheet.xlsx"));

  expect_error ("junk.xlsx", zip_junk, sizeof zip_junk - 1, DC_ESHEET_ERROR_FORMAT);
  expect_error ("junk.xls", ole_junk, sizeof ole_junk - 1, DC_ESHEET_ERROR_FORMAT);
  expect_error ("binary.csv", binary, sizeof binary - 1, DC_ESHEET_ERROR_FORMAT);
  expect_error ("empty.csv", "", 0, DC_ESHEET_ERROR_NO_HEADER);
  expect_error ("words.csv", "hello,world\n1,2\n", 16, DC_ESHEET_ERROR_NO_HEADER);
  expect_error ("all-bad.csv", all_bad, sizeof all_bad - 1, DC_ESHEET_ERROR_NO_ROWS);
  /* The rejects of a failed import are still listed. */
  {
    g_autoptr(DcEsheet) s2 = dc_esheet_new ();
    g_autoptr(GBytes) bytes = g_bytes_new_static (all_bad, sizeof all_bad - 1);
    g_autoptr(GError) e2 = NULL;
    DcEsheetImportOptions options;
    dc_esheet_import_options_init (&options);
    options.mapping_store = "";
    g_assert_false (dc_esheet_import_bytes (s2, "all-bad.csv", bytes, &options, &e2));
    g_assert_cmpuint (dc_esheet_get_n_rejected (s2), ==, 2);
    g_assert_nonnull (strstr (e2->message, "row 2"));
  }
  /* An unterminated quote swallows the rest, it never hangs. */
  expect_error ("quote.csv", "运单号,月台,扫描时间\n\"SF1,A01,2025-11-03 14:05:09\n", 47, DC_ESHEET_ERROR_NO_ROWS);
}

/* ---- model ---------------------------------------------------------------------- */

static DcEsheet *
model_sheet (void)
{
  GString *csv = g_string_new ("运单号,月台,扫描时间\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheet *sheet = dc_esheet_new ();
  DcEsheetImportOptions options;

  /* A01: 20 waybills over the day; A02: 3; B01: 2 (W0 also at A02 and B01). */
  for (int i = 0; i < 20; i++)
    g_string_append_printf (csv, "W%02d,A01,2025-11-03 %02d:%02d:00\n", i, 8 + i / 2, (i % 2) * 30);
  g_string_append (csv, "W00,A02,2025-11-03 18:00:00\nX1,A02,2025-11-03 09:00:00\nX2,A02,2025-11-03 10:00:00\n");
  g_string_append (csv, "W00,B01,2025-11-03 19:00:00\nY1,B01,2025-11-03 11:00:00\n");
  bytes = g_string_free_to_bytes (csv);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_true (dc_esheet_import_bytes (sheet, "/some/where/batch-7.csv", bytes, &options, &error));
  g_assert_no_error (error);
  return sheet;
}

/* By dock, one dock's scans of a waybill can be selected alone: the
 * waybill is then partly selected, and counts as one to download. */
static void
test_partly_selected (void)
{
  g_autoptr(DcEsheet) sheet = model_sheet ();
  int w0 = dc_esheet_find_waybill (sheet, "W00");
  DcEsheetWaybillItem it;
  guint a02_row = G_MAXUINT;

  g_assert_cmpint (w0, >=, 0);
  dc_esheet_get_waybill_item (sheet, (guint) w0, &it);
  g_assert_cmpuint (it.n_scans, ==, 3);
  g_assert_false (it.any_selected);
  for (guint k = 0; k < it.n_scans; k++)
    if (g_str_equal (dc_esheet_get_row_dock (sheet, it.rows[k]), "A02"))
      a02_row = it.rows[k];
  g_assert_cmpuint (a02_row, !=, G_MAXUINT);
  dc_esheet_set_row_selected (sheet, a02_row, TRUE);
  dc_esheet_get_waybill_item (sheet, (guint) w0, &it);
  g_assert_false (it.selected);
  g_assert_true (it.any_selected);
  dc_esheet_set_waybill_selected (sheet, (guint) w0, TRUE);
  dc_esheet_get_waybill_item (sheet, (guint) w0, &it);
  g_assert_true (it.selected);
  g_assert_true (it.any_selected);
}

static DcConfig *
model_config (void)
{
  DcConfig *config = dc_config_new ();
  DcDvrConfig dvr = { 0 };

  dvr.name = (char *) "north";
  dvr.brand = DC_DVR_BRAND_HIKVISION;
  dvr.url = (char *) "http://127.0.0.1:8080";
  dvr.user = (char *) "admin";
  dvr.password = (char *) "x";
  dvr.max_downloads = 1;
  dvr.download_by_time = -1;
  dc_config_set_dvr (config, &dvr);
  dc_config_set_dock (config, "A01", "north", 1);
  dc_config_set_dock (config, "A02", "north", 2);
  return config;
}

static void
on_changed (DcEsheet *sheet, guint *count)
{
  (*count)++;
}

static void
test_model_views (void)
{
  g_autoptr(DcEsheet) sheet = model_sheet ();
  g_autoptr(DcConfig) config = model_config ();
  DcEsheetWaybillItem wi;
  DcEsheetDockItem di;
  int w0, b01;

  g_assert_cmpstr (dc_esheet_get_batch (sheet), ==, "batch-7");
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 25);
  g_assert_cmpuint (dc_esheet_get_n_waybills (sheet), ==, 23);
  g_assert_cmpuint (dc_esheet_get_n_docks (sheet), ==, 3);
  g_assert_cmpuint (dc_esheet_get_n_duplicates (sheet), ==, 1);

  w0 = dc_esheet_find_waybill (sheet, "W00");
  g_assert_cmpint (w0, ==, 0);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "nope"), ==, -1);
  dc_esheet_get_waybill_item (sheet, w0, &wi);
  g_assert_cmpstr (wi.waybill, ==, "W00");
  g_assert_cmpuint (wi.n_scans, ==, 3);
  g_assert_cmpuint (wi.n_docks, ==, 3);
  g_assert_cmpint (wi.first_us, ==, local_us (2025, 11, 3, 8, 0, 0));
  g_assert_cmpint (wi.last_us, ==, local_us (2025, 11, 3, 19, 0, 0));

  dc_esheet_get_dock_item (sheet, 0, config, &di);
  g_assert_cmpstr (di.dock, ==, "A01");
  g_assert_cmpuint (di.n_waybills, ==, 20);
  g_assert_true (di.mapped);
  g_assert_cmpstr (di.dvr, ==, "north");
  g_assert_cmpuint (di.channel, ==, 1);
  b01 = dc_esheet_find_dock (sheet, "B01");
  g_assert_cmpint (b01, ==, 2);
  dc_esheet_get_dock_item (sheet, b01, config, &di);
  g_assert_false (di.mapped);
  g_assert_cmpuint (di.n_waybills, ==, 2);
  g_assert_cmpint (di.first_us, ==, local_us (2025, 11, 3, 11, 0, 0));
  g_assert_cmpint (di.last_us, ==, local_us (2025, 11, 3, 19, 0, 0));
}

static void
test_model_operations (void)
{
  g_autoptr(DcEsheet) sheet = model_sheet ();
  g_autoptr(DcConfig) config = model_config ();
  guint changed = 0;
  DcEsheetDockItem di;
  DcEsheetWaybillItem wi;

  g_signal_connect (sheet, "changed", G_CALLBACK (on_changed), &changed);
  dc_esheet_select_all (sheet, TRUE);
  g_assert_cmpuint (dc_esheet_get_n_selected (sheet), ==, 25);
  g_assert_cmpuint (changed, ==, 1);
  dc_esheet_invert_selection (sheet);
  g_assert_cmpuint (dc_esheet_get_n_selected (sheet), ==, 0);

  /* Selecting a dock selects its scans; delete selected docks. */
  dc_esheet_set_dock_selected (sheet, dc_esheet_find_dock (sheet, "B01"), TRUE);
  dc_esheet_get_dock_item (sheet, dc_esheet_find_dock (sheet, "B01"), NULL, &di);
  g_assert_true (di.selected);
  g_assert_cmpuint (dc_esheet_get_n_selected (sheet), ==, 2);
  g_assert_cmpuint (dc_esheet_delete_selected_docks (sheet), ==, 2);
  g_assert_cmpuint (dc_esheet_get_n_docks (sheet), ==, 2);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "Y1"), ==, -1);

  /* Delete selected waybills: all scans of W00 go, at every dock. */
  dc_esheet_set_waybill_selected (sheet, dc_esheet_find_waybill (sheet, "W00"), TRUE);
  dc_esheet_get_waybill_item (sheet, dc_esheet_find_waybill (sheet, "W00"), &wi);
  g_assert_true (wi.selected);
  g_assert_cmpuint (dc_esheet_delete_selected_waybills (sheet), ==, 2);
  g_assert_cmpuint (dc_esheet_get_n_rows (sheet), ==, 21);
  g_assert_cmpuint (dc_esheet_get_n_duplicates (sheet), ==, 0);
  g_assert_cmpuint (dc_esheet_get_n_selected (sheet), ==, 0);

  /* Keep 5 at A01 (19 left: W01..W19 by time): ranks floor((2i+1)*19/10)
   * = 1, 5, 9, 13, 17 -> W02, W06, W10, W14, W18. */
  dc_esheet_set_dock_selected (sheet, dc_esheet_find_dock (sheet, "A01"), TRUE);
  g_assert_cmpuint (dc_esheet_keep_per_dock (sheet, 5), ==, 14);
  dc_esheet_get_dock_item (sheet, dc_esheet_find_dock (sheet, "A01"), NULL, &di);
  g_assert_cmpuint (di.n_waybills, ==, 5);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "W02"), >=, 0);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "W06"), >=, 0);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "W10"), >=, 0);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "W14"), >=, 0);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "W18"), >=, 0);
  g_assert_cmpint (dc_esheet_find_waybill (sheet, "W01"), ==, -1);
  /* A02 was not selected: untouched. */
  dc_esheet_get_dock_item (sheet, dc_esheet_find_dock (sheet, "A02"), NULL, &di);
  g_assert_cmpuint (di.n_waybills, ==, 2);

  /* Drop unmapped docks. */
  {
    g_autoptr(DcEsheet) other = model_sheet ();
    g_assert_cmpuint (dc_esheet_drop_unmapped_docks (other, config), ==, 2);
    g_assert_cmpint (dc_esheet_find_dock (other, "B01"), ==, -1);
    g_assert_cmpuint (dc_esheet_get_n_docks (other), ==, 2);
  }
  g_assert_cmpuint (changed, >=, 6);
}

static void
test_plan (void)
{
  g_autoptr(DcEsheet) sheet = model_sheet ();
  g_autoptr(DcConfig) config = model_config ();
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(GPtrArray) reqs = NULL;
  DcEsheetPlanOptions options;
  gboolean saw_first = FALSE, saw_later = FALSE;

  dc_esheet_plan_options_init (&options);
  options.mode = DC_OUTPUT_BOTH;
  options.pre_us = 10 * G_USEC_PER_SEC;
  reqs = dc_esheet_plan (sheet, config, &options, &unmapped);
  /* B01 is not mapped: its 2 scans are left out and it is named. */
  g_assert_cmpuint (reqs->len, ==, 23);
  g_assert_cmpuint (unmapped->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (unmapped, 0), ==, "B01");
  for (guint i = 0; i < reqs->len; i++)
    {
      DcDownloadRequest *r = g_ptr_array_index (reqs, i);
      g_assert_cmpstr (r->batch, ==, "batch-7");
      g_assert_cmpstr (r->dvr, ==, "north");
      g_assert_cmpint (r->pre_us, ==, 10 * G_USEC_PER_SEC);
      g_assert_cmpint (r->mode, ==, DC_OUTPUT_BOTH);
      if (i > 0)
        g_assert_cmpint (r->scan_us, >=, ((DcDownloadRequest *) g_ptr_array_index (reqs, i - 1))->scan_us);
      if (strcmp (r->waybill, "W00") == 0 && strcmp (r->dock, "A01") == 0)
        {
          g_assert_cmpstr (r->file_stem, ==, "W00");
          g_assert_cmpuint (r->channel, ==, 1);
          saw_first = TRUE;
        }
      if (strcmp (r->waybill, "W00") == 0 && strcmp (r->dock, "A02") == 0)
        {
          g_assert_cmpstr (r->file_stem, ==, "W00_180000");
          g_assert_cmpuint (r->channel, ==, 2);
          saw_later = TRUE;
        }
    }
  g_assert_true (saw_first && saw_later);

  /* Selected rows only. */
  g_clear_pointer (&reqs, g_ptr_array_unref);
  options.selected_only = TRUE;
  dc_esheet_set_waybill_selected (sheet, dc_esheet_find_waybill (sheet, "X1"), TRUE);
  reqs = dc_esheet_plan (sheet, config, &options, NULL);
  g_assert_cmpuint (reqs->len, ==, 1);
  g_assert_cmpstr (((DcDownloadRequest *) g_ptr_array_index (reqs, 0))->file_stem, ==, "X1");
}

static void
test_dock_map (void)
{
  g_autofree char *path = dc_test_data_path ("esheet/dock-map.csv");
  g_autoptr(DcConfig) config = dc_config_new ();
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const DcDvrConfig *dvr;
  const DcDockMap *map;
  guint port_notes = 0;

  g_assert_true (dc_esheet_import_dock_map (path, config, notes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dc_config_get_docks (config)->len, ==, 4);
  g_assert_cmpuint (dc_config_get_dvrs (config)->len, ==, 3);
  map = dc_config_lookup_dock (config, "A02");
  g_assert_nonnull (map);
  g_assert_cmpstr (map->dvr, ==, "192.168.1.64");
  g_assert_cmpuint (map->channel, ==, 2);
  dvr = dc_config_get_dvr (config, "192.168.1.64");
  g_assert_cmpint (dvr->brand, ==, DC_DVR_BRAND_HIKVISION);
  g_assert_cmpstr (dvr->url, ==, "http://192.168.1.64");
  g_assert_cmpstr (dvr->password, ==, "hk12345");
  dvr = dc_config_get_dvr (config, "192.168.1.108");
  g_assert_cmpint (dvr->brand, ==, DC_DVR_BRAND_DAHUA);
  g_assert_cmpstr (dvr->url, ==, "http://192.168.1.108");
  dvr = dc_config_get_dvr (config, "192.168.1.109-8080");
  g_assert_nonnull (dvr);
  g_assert_cmpstr (dvr->url, ==, "http://192.168.1.109:8080");
  /* Notes: 8000 and 37777 replaced (once per DVR), 索尼 and "zero" skipped. */
  for (guint i = 0; i < notes->len; i++)
    port_notes += strstr (g_ptr_array_index (notes, i), "SDK") != NULL;
  g_assert_cmpuint (port_notes, ==, 2);
  g_assert_cmpuint (notes->len, ==, 4);
  g_assert_null (dc_config_lookup_dock (config, "D01"));
}

/* A 200,000-row sheet: grouping stays linear and correct. */
static void
test_large (void)
{
  GString *csv = g_string_sized_new (200000 * 40);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;
  DcEsheetWaybillItem wi;
  gint64 t0;

  g_string_append (csv, "运单号,月台,扫描时间\n");
  for (int i = 0; i < 200000; i++)
    g_string_append_printf (csv, "SF%010d,A%02d,2025-11-03 %02d:%02d:%02d\n", i % 150000, i % 40,
                            (i / 3600) % 24, (i / 60) % 60, i % 60);
  bytes = g_string_free_to_bytes (csv);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_true (dc_esheet_import_bytes (sheet, "large.csv", bytes, &options, &error));
  t0 = g_get_monotonic_time ();
  g_assert_cmpuint (dc_esheet_get_n_waybills (sheet), ==, 150000);
  g_test_message ("grouping 200k rows: %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - t0) / 1000);
  g_assert_cmpuint (dc_esheet_get_n_docks (sheet), ==, 40);
  g_assert_cmpuint (dc_esheet_get_n_duplicates (sheet), ==, 50000);
  dc_esheet_get_waybill_item (sheet, dc_esheet_find_waybill (sheet, "SF0000000007"), &wi);
  g_assert_cmpuint (wi.n_scans, ==, 2);
  g_assert_cmpuint (dc_esheet_get_row_source (sheet, wi.rows[1]), ==, 150007 + 2);
}

/* XLS files on which libFuzzer broke Debian's freexl (a stack underflow;
 * a 4 GB allocation): read through the helper process they are a clean
 * error naming the file, and the test process lives on. */
static void
test_xls_known_crashes (void)
{
  static const char *const names[] = { "xls-freexl-iconv-stack-underflow",
                                       "xls-freexl-huge-alloc" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (DC_SOURCE_ROOT, "tests", "fuzz", "known-crashes",
                                                names[i], NULL);
      g_autoptr(DcEsheet) esheet = dc_esheet_new ();
      g_autoptr(GError) error = NULL;
      DcEsheetImportOptions options;

      dc_esheet_import_options_init (&options);
      options.format = DC_ESHEET_FORMAT_XLS;
      options.mapping_store = "";
      g_assert_false (dc_esheet_import_file (esheet, path, &options, &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == DC_ESHEET_ERROR);
      g_assert_nonnull (strstr (error->message, names[i]));
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *script = NULL;
  int status = 1, rc;

  /* Fixed zone so "local" is the same everywhere (the expectations are
   * computed with GDateTime anyway). */
  g_setenv ("TZ", "Asia/Shanghai", TRUE);
  g_test_init (&argc, &argv, NULL);

  store_dir = dc_test_mkdtemp ();
  fixtures = dc_test_mkdtemp ();
  script = g_build_filename (DC_SOURCE_ROOT, "tests", "esheet", "make-fixtures.py", NULL);
  {
    const char *args[] = { "/usr/bin/python3", script, fixtures, NULL };
    g_autoptr(GError) error = NULL;
    if (!g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error) ||
        !g_spawn_check_wait_status (status, &error))
      g_printerr ("# fixtures not generated: %s\n", error ? error->message : "?");
  }
  have_lo = g_file_test (fixtures, G_FILE_TEST_IS_DIR);

  g_test_add_func ("/esheet/csv/gbk-title-row", test_csv_gbk_title);
  g_test_add_func ("/esheet/xls/known-freexl-crashes", test_xls_known_crashes);
  g_test_add_func ("/esheet/csv/utf8-bom-semicolon", test_csv_bom_semicolon);
  g_test_add_func ("/esheet/csv/quoted-newlines", test_csv_quoted);
  g_test_add_func ("/esheet/mapping/letters-remembered", test_mapping_letters);
  g_test_add_func ("/esheet/mapping/names", test_mapping_names);
  g_test_add_func ("/esheet/time/forms", test_time_forms);
  g_test_add_func ("/esheet/xlsx/numbers", test_xlsx_numbers);
  g_test_add_func ("/esheet/xlsx/libreoffice", test_xlsx_libreoffice);
  g_test_add_func ("/esheet/xlsx/date1904", test_xlsx_1904);
  g_test_add_func ("/esheet/xlsx/two-columns", test_xlsx_two_columns);
  g_test_add_func ("/esheet/xlsx/sheet-choice", test_xlsx_sheet_choice);
  g_test_add_func ("/esheet/xls/numbers", test_xls_numbers);
  g_test_add_func ("/esheet/xls/date1904", test_xls_1904);
  g_test_add_func ("/esheet/xls/two-columns", test_xls_two_columns);
  g_test_add_func ("/esheet/xls/isolated", test_xls_isolated);
  g_test_add_func ("/esheet/errors", test_bad_input);
  g_test_add_func ("/esheet/model/views", test_model_views);
  g_test_add_func ("/esheet/model/operations", test_model_operations);
  g_test_add_func ("/esheet/partly-selected", test_partly_selected);
  g_test_add_func ("/esheet/plan", test_plan);
  g_test_add_func ("/esheet/dock-map", test_dock_map);
  g_test_add_func ("/esheet/large", test_large);

  rc = g_test_run ();
  dc_test_rmdir (fixtures);
  dc_test_rmdir (store_dir);
  g_free (fixtures);
  g_free (store_dir);
  (void) have_lo;
  return rc;
}
