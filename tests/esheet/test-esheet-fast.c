/* test-esheet-fast: the importer's fast paths (word-at-a-time CSV
 * scanning, the cached "YYYY-MM-DD HH:MM:SS" parser, the small-value
 * intern cache, XLSX attribute blanking, number parsing without strtod)
 * give exactly what the plain code gives (dc_esheet_fast_paths = FALSE),
 * on inputs made to hit their edges. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <zip.h>

#include "dc-test-util.h"
#include "esheet/dc-esheet.h"
#include "esheet/dc-esheet-private.h"

static char *tmp_dir;

/* Everything an import produced, as text. */
static char *
snapshot (DcEsheet *sheet, gboolean ok, const GError *error)
{
  GString *s = g_string_new (NULL);
  GPtrArray *rejects;

  if (!ok)
    {
      g_string_append_printf (s, "error %s %d: %s\n", g_quark_to_string (error->domain),
                              error->code, error->message);
    }
  g_string_append_printf (s, "header %u encoding %s rows %u rejected %u extras %u\n",
                          dc_esheet_get_header_row (sheet),
                          dc_esheet_get_encoding (sheet) ? dc_esheet_get_encoding (sheet) : "-",
                          dc_esheet_get_n_rows (sheet), dc_esheet_get_n_rejected (sheet),
                          dc_esheet_get_n_extras (sheet));
  for (guint r = 0; r < dc_esheet_get_n_rows (sheet); r++)
    {
      g_string_append_printf (s, "%u [%s] [%s] %" G_GINT64_FORMAT, dc_esheet_get_row_source (sheet, r),
                              dc_esheet_get_row_waybill (sheet, r), dc_esheet_get_row_dock (sheet, r),
                              dc_esheet_get_row_time (sheet, r));
      for (guint e = 0; e < dc_esheet_get_n_extras (sheet); e++)
        g_string_append_printf (s, " [%s]", dc_esheet_get_row_extra (sheet, r, e));
      g_string_append_c (s, '\n');
    }
  rejects = dc_esheet_get_rejects (sheet);
  for (guint i = 0; i < rejects->len; i++)
    {
      const DcEsheetReject *rj = g_ptr_array_index (rejects, i);
      g_string_append_printf (s, "reject %u [%s] %s\n", rj->row, rj->column, rj->reason);
    }
  return g_string_free (s, FALSE);
}

static char *
import_once (const char *name, const char *data, gsize len, gboolean fast)
{
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  DcEsheetImportOptions options;
  gboolean ok;

  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  dc_esheet_fast_paths = fast;
  ok = dc_esheet_import_bytes (sheet, name, bytes, &options, &error);
  dc_esheet_fast_paths = TRUE;
  return snapshot (sheet, ok, error);
}

/* Imports @data both ways, asserts the same outcome and returns it. */
static char *
same_both_ways (const char *name, const char *data, gsize len)
{
  g_autofree char *slow = import_once (name, data, len, FALSE);
  char *fast = import_once (name, data, len, TRUE);

  if (g_strcmp0 (fast, slow) != 0)
    g_test_message ("fast:\n%s\nslow:\n%s", fast, slow);
  g_assert_cmpstr (fast, ==, slow);
  return fast;
}

/* ---- CSV -------------------------------------------------------------- */

static const char *const tricky_cells[] = {
  "", "A", "A01", "A1 ", " A1", "\xe3\x80\x80" "A1", "SF0000000001", "SF00000001", "SF000001",
  "1234567", "12345678", "123456789", "123456789012345", "1234567890123456",
  "12345678901234567", "x\ty", "\ty", "y\t", "\x01" "abc", "abc\x0b", "月台3", "A\x80",
  "\xff" "abc", "abcdefg\xff", "abcdefgh\xff", "abc\xe3\x80", "=\"0012\"", "'0012",
  "1.2E+15", "dock;semi", "op", "op1", "operator-name-longer-than-sixteen", "\"quoted\"",
  "\"a\"\"b\"", "\"line\nbreak\"", "\"line\r\nbreak\"", "\"x\"tail",
};

static const char *const tricky_times[] = {
  "2025-11-03 14:05:09", "2025-11-03 14:05:10", "2025-11-03 14:59:59", "2025-11-03 15:00:00",
  "2025-11-03T14:05:09", "2025-11-04 00:00:00", "2025-11-03 14:05:60", "2025-11-03 14:60:09",
  "2025-11-03 24:00:00", "2025-11-03 14:5:09", "2025-13-03 14:05:09", "2025-02-29 10:00:00",
  "2024-02-29 10:00:00", "2025-11-03 14:05:0x", "2025-11-03 14:05:09 ", " 2025-11-03 14:05:09",
  "2025/11/03 14:05:09", "2025-11-03 14:05", "2025-03-30 02:30:00", "2025-03-30 01:59:59",
  "2025-03-30 03:00:00", "2025-10-26 02:30:00", "2025-10-26 01:30:00", "2025-10-26 03:30:00",
  "1899-12-31 10:00:00", "2025-11-03 14:05:09+08:00", "1762149909", "45964.5869",
  "2025-11-03 1\xff:05:09", "",
};

/* @bom: a UTF-8 BOM, so that bad bytes are checked per cell; without it,
 * only valid UTF-8 (else the whole file would be GB18030 or refused). */
static char *
random_csv (GRand *rand, gboolean bom, gsize *len_out)
{
  static const char seps[] = { ',', '\t', ';' };
  static const char *const ends[] = { "\n", "\r\n", "\r" };
  GString *s = g_string_new (NULL);
  char sep = seps[g_rand_int_range (rand, 0, 3)];
  const char *eol = ends[g_rand_int_range (rand, 0, 3)];
  guint rows = g_rand_int_range (rand, 50, 400);

  if (bom)
    g_string_append (s, "\xEF\xBB\xBF");

  if (g_rand_boolean (rand))
    g_string_append_printf (s, "运单号%c月台%c扫描时间%c操作员%s", sep, sep, sep, eol);
  else
    g_string_append_printf (s, "waybill%cdock%cscan time%coperator%s", sep, sep, sep, eol);
  for (guint r = 0; r < rows; r++)
    {
      const char *cols[4];
      /* mostly good rows, so the caches and the fast paths are used */
      gboolean plain = g_rand_int_range (rand, 0, 3) > 0;

      cols[0] = plain ? "SF0000000001" : tricky_cells[g_rand_int_range (rand, 0, G_N_ELEMENTS (tricky_cells))];
      cols[1] = plain ? (r % 2 ? "A01" : "B2") : tricky_cells[g_rand_int_range (rand, 0, G_N_ELEMENTS (tricky_cells))];
      cols[2] = plain && r % 5 ? tricky_times[r % 6] : tricky_times[g_rand_int_range (rand, 0, G_N_ELEMENTS (tricky_times))];
      cols[3] = tricky_cells[g_rand_int_range (rand, 0, G_N_ELEMENTS (tricky_cells))];
      for (guint c = 0; c < 4; c++)
        {
          const char *v = cols[c];
          if (!bom && !g_utf8_validate (v, -1, NULL))
            v = "bad";
          if (c)
            g_string_append_c (s, sep);
          /* a NUL inside a cell, but not in the first 4 KiB (that makes
           * the file "binary") */
          if (bom && s->len > 5000 && g_rand_int_range (rand, 0, 50) == 0)
            {
              g_string_append (s, "ab");
              g_string_append_c (s, '\0');
              g_string_append (s, "cd");
            }
          else if (v[0] != '"' && g_rand_int_range (rand, 0, 10) == 0)
            g_string_append_printf (s, "\"%s\"", v);
          else
            g_string_append (s, v);
        }
      if (r + 1 < rows || g_rand_boolean (rand))
        g_string_append (s, eol);
    }
  *len_out = s->len;
  return g_string_free (s, FALSE);
}

static void
test_csv_random (void)
{
  g_autofree char *saved_tz = g_strdup (g_getenv ("TZ"));
  guint total_rows = 0;

  /* a zone with summer time, for the hour cache */
  g_setenv ("TZ", "Europe/Berlin", TRUE);
  for (guint seed = 1; seed <= 40; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      gsize len;
      g_autofree char *csv = random_csv (rand, seed % 3 != 0, &len);
      g_autofree char *name = g_strdup_printf ("random-%u.csv", seed);
      g_autofree char *result = same_both_ways (name, csv, len);
      guint rows = 0;

      sscanf (strstr (result, "rows "), "rows %u", &rows);
      total_rows += rows;
    }
  /* not vacuous: most rows are good ones */
  g_assert_cmpuint (total_rows, >, 4000);
  if (saved_tz)
    g_setenv ("TZ", saved_tz, TRUE);
  else
    g_unsetenv ("TZ");
}

/* Cells of every length up to 20 with an odd byte at every position, in
 * every column, so that each lands at each place of an 8-byte word. */
static void
test_csv_word_edges (void)
{
  static const char odd[] = { '\0', '\t', ' ', '\x80', '\xff', '"', '\x0b', ';' };
  GString *s = g_string_new ("\xEF\xBB\xBFwaybill,dock,time,operator\n");
  g_autofree char *result = NULL;

  /* 4 KiB of good rows first (a NUL there would make it "binary") */
  for (guint r = 0; r < 120; r++)
    g_string_append_printf (s, "W%07u,D%u,2025-11-03 10:%02u:00,op%u\n", r, r % 3, r % 60, r % 4);
  for (guint len = 1; len <= 20; len++)
    for (guint pos = 0; pos < len; pos++)
      for (guint o = 0; o < G_N_ELEMENTS (odd); o++)
        {
          char cell[32];
          memset (cell, 'x', len);
          cell[pos] = odd[o];
          for (guint col = 0; col < 4; col++)
            {
              for (guint c = 0; c < 4; c++)
                {
                  if (c)
                    g_string_append_c (s, ',');
                  if (c == col && col != 2)
                    g_string_append_len (s, cell, len);
                  else if (c == 0)
                    g_string_append (s, "W1");
                  else if (c == 1)
                    g_string_append (s, "D1");
                  else if (c == 2)
                    g_string_append (s, col == 2 ? "2025-11-03 10:00:0\x80" : "2025-11-03 10:00:00");
                  else
                    g_string_append (s, "op");
                }
              g_string_append_c (s, '\n');
            }
        }
  /* the last row without a line end, shorter than a word */
  g_string_append (s, "W9,D\x80,2025-11-03 10:00:00,o\xff");
  result = same_both_ways ("edges.csv", s->str, s->len);
  g_assert_nonnull (strstr (result, "rows "));
  g_assert_null (strstr (result, "rows 0 "));
  g_string_free (s, TRUE);
}

/* The cached time parser against GDateTime, across hours, days and the
 * summer-time changes, and invalid texts right after valid ones that
 * share their date and hour. */
static void
test_time_cache (void)
{
  g_autofree char *saved_tz = g_strdup (g_getenv ("TZ"));
  static const char *const texts[] = {
    "2025-11-03 14:05:09", "2025-11-03 14:06:00", "2025-11-03 14:61:00", "2025-11-03 14:05:60",
    "2025-11-03 14:0x:00", "2025-11-03 15:00:00", "2025-11-03 14:59:59", "2025-03-30 01:59:59",
    "2025-03-30 03:00:00", "2025-03-30 02:30:00", "2025-10-26 01:59:59", "2025-10-26 02:30:00",
    "2025-10-26 03:00:00", "2025-02-29 00:00:00", "2025-11-03T14:05:09", "2025-11-03 14:05:09",
  };
  g_autoptr(DcTimeCache) fast_cache = NULL;
  g_autoptr(DcTimeCache) slow_cache = NULL;
  guint good = 0;

  g_setenv ("TZ", "Europe/Berlin", TRUE);
  fast_cache = dc_time_cache_new ();
  slow_cache = dc_time_cache_new ();
  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        const char *t = texts[(i * (round + 1)) % G_N_ELEMENTS (texts)];
        DcTimeParts parts;
        DcTimeParsed what = dc_time_parse_text (t, strlen (t), NULL, FALSE, &parts);
        gint64 fast_us = 0, slow_us = 0;
        gboolean fast_ok = dc_time_parse_local_fast (fast_cache, t, strlen (t), &fast_us);
        gboolean slow_ok = what != DC_TIME_PARSED_NONE &&
                           dc_time_parts_to_us (slow_cache, what, &parts, &slow_us);

        /* the fast parser declines what the general one rejects */
        if (fast_ok)
          {
            g_autoptr(GDateTime) dt = NULL;
            g_assert_true (slow_ok);
            g_assert_cmpint (fast_us, ==, slow_us);
            dt = g_date_time_new_local (parts.y, parts.mo, parts.d, parts.h, parts.mi, parts.s);
            /* (02:xx on 2025-03-30 does not exist in Berlin: the hour
             * cache and GDateTime differ there, as before the fast path) */
            if (parts.s < 60 && strncmp (t, "2025-03-30 02", 13) != 0)
              g_assert_cmpint (fast_us, ==, g_date_time_to_unix (dt) * G_USEC_PER_SEC);
            good++;
          }
        else
          g_assert_false (slow_ok && strlen (t) == 19 && t[4] == '-' && t[13] == ':');
      }
  g_assert_cmpuint (good, >, 20);
  /* spring forward: 02:30 does not exist; it is an hour after 01:30 here */
  {
    gint64 a, b;
    g_assert_true (dc_time_parse_local_fast (fast_cache, "2025-03-30 01:30:00", 19, &a));
    g_assert_true (dc_time_parse_local_fast (fast_cache, "2025-03-30 03:30:00", 19, &b));
    g_assert_cmpint (b - a, ==, G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  }
  if (saved_tz)
    g_setenv ("TZ", saved_tz, TRUE);
  else
    g_unsetenv ("TZ");
}

/* ---- XLSX ------------------------------------------------------------- */

static const char workbook_xml[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
  "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
  "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
  "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels_xml[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
  "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
  "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
  "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
  "</Relationships>";
static const char shared_xml[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
  "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
  "<si><t>运单号</t></si><si><t>月台</t></si><si><t>扫描时间</t></si><si><t>操作员</t></si>"
  "<si><t>SF0001</t></si><si><t>A01</t></si><si><t>op1</t></si><si><t>2025-11-03 14:05:09</t></si>"
  "</sst>";

static GBytes *
make_xlsx (const char *sheet_xml)
{
  g_autofree char *path = g_build_filename (tmp_dir, "t.xlsx", NULL);
  char *data = NULL;
  gsize len = 0;
  int zerr = 0;
  zip_t *zip = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  const char *names[] = { "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
                          "xl/worksheets/sheet1.xml" };
  const char *texts[] = { workbook_xml, rels_xml, shared_xml, sheet_xml };

  g_assert_nonnull (zip);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      zip_source_t *src = zip_source_buffer (zip, texts[i], strlen (texts[i]), 0);
      g_assert_nonnull (src);
      g_assert_cmpint (zip_file_add (zip, names[i], src, ZIP_FL_OVERWRITE), >=, 0);
    }
  g_assert_cmpint (zip_close (zip), ==, 0);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

#define SHEET_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
#define SHEET_TAIL "</sheetData></worksheet>"
#define LO_ROW " customFormat=\"false\" ht=\"15\" hidden=\"false\" customHeight=\"false\" outlineLevel=\"0\" collapsed=\"false\""
#define HEADER_ROW "<row r=\"1\"" LO_ROW "><c r=\"A1\" s=\"1\" t=\"s\"><v>0</v></c><c r=\"B1\" s=\"1\" t=\"s\"><v>1</v></c><c r=\"C1\" s=\"1\" t=\"s\"><v>2</v></c><c r=\"D1\" s=\"1\" t=\"s\"><v>3</v></c></row>"

static char *
xlsx_both_ways (const char *body)
{
  g_autofree char *xml = g_strconcat (SHEET_HEAD, HEADER_ROW, body, SHEET_TAIL, NULL);
  g_autoptr(GBytes) bytes = make_xlsx (xml);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return same_both_ways ("t.xlsx", data, len);
}

static void
test_xlsx_cases (void)
{
  /* each: a sheet body after the header row, and a text the result must hold */
  static const char *const cases[][2] = {
    /* LibreOffice style, in order */
    { "<row r=\"2\"" LO_ROW "><c r=\"A2\" s=\"0\" t=\"s\"><v>4</v></c><c r=\"B2\" s=\"0\" t=\"s\"><v>5</v></c>"
      "<c r=\"C2\" s=\"2\" t=\"n\"><v>45964.5869097222</v></c><c r=\"D2\" s=\"0\" t=\"s\"><v>6</v></c></row>"
      "<row r=\"3\"" LO_ROW "><c r=\"A3\" s=\"0\" t=\"s\"><v>4</v></c><c r=\"B3\" s=\"0\" t=\"s\"><v>5</v></c>"
      "<c r=\"C3\" s=\"2\"><v>45964.5</v></c><c r=\"D3\" s=\"0\" t=\"s\"><v>6</v></c></row>",
      "3 [SF0001] [A01]" },
    /* gaps: a row and a column skipped, cells out of order, a cell twice */
    { "<row r=\"5\"><c r=\"A5\" t=\"s\"><v>4</v></c><c r=\"C5\" t=\"s\"><v>7</v></c><c r=\"B5\" t=\"s\"><v>5</v></c></row>"
      "<row r=\"6\"><c r=\"B6\" t=\"s\"><v>5</v></c><c r=\"A6\" t=\"s\"><v>4</v></c><c r=\"A6\"><v>12</v></c><c r=\"C6\"><v>45964.25</v></c></row>",
      "6 [12] [A01]" },
    /* rows and cells without r, empty and self-closing ones */
    { "<row><c t=\"s\"><v>4</v></c><c t=\"s\"><v>5</v></c><c><v>45964.75</v></c></row>"
      "<row r=\"3\" ht=\"15\"><c/><c r=\"B3\" t=\"s\"><v>5</v></c><c r=\"C3\"><v>45964.75</v></c></row>"
      "<row/><row r=\"5\" ht=\"15\"><c r=\"A5\" t=\"s\"><v>4</v></c><c t=\"s\"><v>5</v></c><c r=\"C5\" s=\"1\"><v>45964.75</v></c></row>",
      "5 [SF0001] [A01]" },
    /* prefixed elements: the trimmer stops following, r is then kept */
    { "<x:row r=\"2\" ht=\"15\"><x:c r=\"A2\" t=\"s\"><x:v>4</x:v></x:c><x:c r=\"B2\" t=\"s\"><x:v>5</x:v></x:c><x:c r=\"C2\"><x:v>45964.5</x:v></x:c></x:row>"
      "<row r=\"3\" ht=\"15\"><c r=\"B3\" s=\"1\" t=\"s\"><v>5</v></c><c r=\"A3\" t=\"s\"><v>4</v></c><c r=\"C3\" s=\"1\"><v>45964.5</v></c></row>"
      "<row r=\"4\" ht=\"15\"><c r=\"A4\" s=\"1\" t=\"s\"><v>4</v></c><c r=\"B4\" s=\"1\" t=\"s\"><v>5</v></c><c r=\"C4\" s=\"1\"><v>45964.5</v></c></row>",
      "4 [SF0001] [A01]" },
    /* comments, a processing instruction and CDATA holding tag-like text */
    { "<!-- <row r=\"9\" ht=\"1\"><c r=\"Z9\" s=\"1\"> -->"
      "<?pi <row r=\"7\" ht=\"1\"> <c r=\"Q7\" s=\"3\">?>"
      "<row r=\"2\" ht=\"15\"><c r=\"A2\" s=\"1\" t=\"inlineStr\"><is><t><![CDATA[<c r=\"A1\" s=\"1\">]]></t></is></c>"
      "<c r=\"B2\" s=\"1\" t=\"s\"><v>5</v></c><c r=\"C2\" s=\"1\"><v>45964.5</v></c></row>"
      "<row r=\"3\" ht=\"15\"><c r=\"A3\" s=\"1\" t=\"s\"><v>4</v></c><c r=\"B3\" s=\"1\" t=\"s\"><v>5</v></c><c r=\"C3\" s=\"1\"><v>45964.5</v></c></row>",
      "3 [SF0001] [A01]" },
    /* r not first, r twice, spaces around =, a line break, single quotes,
     * entities and non-ASCII in attributes, explicit t="n" */
    { "<row r=\"2\" ht=\"15\"><c s=\"1\" r=\"B2\" t=\"s\"><v>5</v></c><c r=\"A2\" t=\"s\"><v>4</v></c><c r=\"C2\"><v>45964.5</v></c></row>"
      "<row r=\"3\" ht=\"15\"><c r=\"A3\" s=\"1\" r=\"B3\" t=\"s\"><v>4</v></c><c r=\"C3\" t=\"s\"><v>5</v></c><c r=\"D3\"><v>45964.5</v></c></row>"
      "<row r = \"4\" ht=\"15\"><c r = \"A4\" t=\"s\"><v>4</v></c><c\nr=\"B4\"\ns=\"1\" t=\"s\"><v>5</v></c><c r='C4' s='1'><v>45964.5</v></c></row>"
      "<row r=\"5\" ht=\"&amp;\" x=\"月\"><c r=\"A5\" s=\"&#49;\" t=\"s\"><v>4</v></c><c r=\"B5\" t=\"s\"><v>5</v></c><c r=\"C5\" t=\"n\"><v>45964.5</v></c></row>"
      "<row r=\"6\" ht=\"15\"><c r=\"A6\" t=\"s\"><v>4</v></c><c r=\"B6\" t=\"s\"><v>5</v></c><c r=\"C6\" t=\"str\"><v>2025-11-03 14:05:09</v></c></row>",
      "6 [SF0001] [A01]" },
    /* numbers the fast path takes and those it leaves to strtod */
    { "<row r=\"2\"><c r=\"A2\"><v>1234567</v></c><c r=\"B2\"><v>7</v></c><c r=\"C2\"><v>45964.5869097222</v></c></row>"
      "<row r=\"3\"><c r=\"A3\"><v>123456789012345</v></c><c r=\"B3\"><v>-0</v></c><c r=\"C3\"><v>.5</v></c></row>"
      "<row r=\"4\"><c r=\"A4\"><v>1234567890123456</v></c><c r=\"B4\"><v>1.</v></c><c r=\"C4\"><v>4.5964586909722224E4</v></c></row>"
      "<row r=\"5\"><c r=\"A5\"><v>00012</v></c><c r=\"B5\"><v> 12</v></c><c r=\"C5\"><v>45964.58690972222</v></c></row>"
      "<row r=\"6\"><c r=\"A6\"><v>12.5</v></c><c r=\"B6\"><v>0x10</v></c><c r=\"C6\"><v>1762149909</v></c></row>"
      "<row r=\"7\"><c r=\"A7\"><v>-5</v></c><c r=\"B7\"><v>inf</v></c><c r=\"C7\"><v>nan</v></c></row>"
      "<row r=\"8\"><c r=\"A8\" t=\"s\"><v>4 </v></c><c r=\"B8\" t=\"s\"><v>+5</v></c><c r=\"C8\"><v>1762149909000</v></c></row>"
      "<row r=\"9\"><c r=\"A9\" t=\"s\"><v>99</v></c><c r=\"B9\" t=\"s\"><v>5</v></c><c r=\"C9\"><v>45964</v></c></row>",
      "2 [1234567] [7]" },
    /* broken XML: the same error, at the same place */
    { "<row r=\"2\" ht=\"15\"><c r=\"A2\" s=\"1\" t=\"s\"><v>4</v></c><c r=\"B2\" s=\"<\"><v>5</v></c></row>",
      "error " },
    { "<row r=\"2\" ht=\"15\"><c r=\"A2\" s=\"1\" t=\"s\"><v>4</v></c><c r=\"B2\" s=\"1\" t=\"s\"><v>5</v></c><c r=\"C2\" s=\"1\"><v>45964.5</v></c></row>"
      "<row r=\"3\" ht=\"15\"><c r=\"A3\" s=\"1\" t=\"s\"><v>4</v></c><c r=\"B3\" s=\"1\" s2=><v>5</v></c></row>",
      "error " },
    { "<row r=\"2\" ht=\"15\"><c r=\"A2\" s=\"1\" t=\"s\"><v>4</v></c><c r=\"B2\" s=\"1\" t=\"s\"><v>5</v></c><c r=\"C2\" s=\"1\"><v>45964.5</v>",
      "error " },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = xlsx_both_ways (cases[i][0]);
      if (strstr (result, cases[i][1]) == NULL)
        g_test_message ("case %u:\n%s", i, result);
      g_assert_nonnull (strstr (result, cases[i][1]));
    }
}

/* A sheet over several 64 KiB chunks, so that tags are cut at chunk ends,
 * with attributes that vary (cache misses) and r left out here and there. */
static void
test_xlsx_chunks (void)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree char *result = NULL;

  for (guint r = 2; r < 3000; r++)
    {
      gboolean skip = g_rand_int_range (rand, 0, 40) == 0;
      if (skip)
        r++;
      g_string_append_printf (body, "<row r=\"%u\" ht=\"%u\" customHeight=\"%s\">", r,
                              g_rand_int_range (rand, 10, 13), g_rand_boolean (rand) ? "true" : "false");
      g_string_append_printf (body, "<c r=\"A%u\" s=\"%d\" t=\"s\"><v>4</v></c>", r, g_rand_int_range (rand, 0, 3));
      if (g_rand_int_range (rand, 0, 10))
        g_string_append_printf (body, "<c r=\"B%u\" s=\"1\" t=\"s\"><v>5</v></c>", r);
      else
        g_string_append (body, "<c s=\"1\" t=\"s\"><v>5</v></c>");
      g_string_append_printf (body, "<c r=\"C%u\" s=\"2\"><v>%.10f</v></c>", r, 45964.5 + r / 86400.0);
      g_string_append_printf (body, "<c r=\"%s%u\" t=\"s\"><v>6</v></c></row>",
                              g_rand_int_range (rand, 0, 8) ? "D" : "E", r);
    }
  result = xlsx_both_ways (body->str);
  g_assert_nonnull (strstr (result, "rows 29"));   /* about 2,9xx rows */
}

static char *
squeeze_blanks (const char *s)
{
  GString *out = g_string_new (NULL);
  for (; *s; s++)
    if (*s != ' ' || out->len == 0 || out->str[out->len - 1] != ' ')
      g_string_append_c (out, *s);
  return g_string_free (out, FALSE);
}

/* What GMarkup is given: blanked in place (same length), the same however
 * the bytes are cut into chunks, and r kept wherever it says something. */
static void
test_xlsx_trim (void)
{
  static const char xml[] =
    "<?xml version=\"1.0\"?><sheetData>"
    "<row r=\"1\" spans=\"1:3\" ht=\"15\"><c r=\"A1\" s=\"1\" t=\"s\"><v>0</v></c><c r=\"C1\" s=\"1\"><v>1</v></c></row>"
    "<row r=\"3\" ht=\"15\"><c r=\"A3\" s=\"1\" t=\"s\"><v>0</v></c><c r=\"B3\" s=\"1\" t=\"n\"><v>1</v></c></row>"
    "<!-- <row r=\"4\" ht=\"1\"> --><row r=\"4\" ht=\"15\"><c r=\"A4\" s=\"&amp;\"/></row>"
    "</sheetData>";
  /* (runs of blanks shown as one) */
  static const char expected[] =
    "<?xml version=\"1.0\"?><sheetData>"
    "<row ><c t=\"s\"><v>0</v></c><c r=\"C1\" ><v>1</v></c></row>"
    "<row r=\"3\" ><c t=\"s\"><v>0</v></c><c t=\"n\"><v>1</v></c></row>"
    "<!-- <row r=\"4\" ht=\"1\"> --><row ><c s=\"&amp;\"/></row>"
    "</sheetData>";
  g_autofree char *whole = dc_esheet_xlsx_trim (xml, strlen (xml), 65536);

  g_autofree char *squeezed = squeeze_blanks (whole);

  g_assert_cmpuint (strlen (whole), ==, strlen (xml));
  g_assert_cmpstr (squeezed, ==, expected);
  for (gsize chunk = 1; chunk < sizeof xml; chunk++)
    {
      g_autofree char *cut = dc_esheet_xlsx_trim (xml, strlen (xml), chunk);
      g_assert_cmpstr (cut, ==, whole);
    }
}

/* A big CSV (4 MiB; 256 KiB here) is read by two threads, the second
 * from the first line start after the middle: the same rows, rejects and messages as
 * one thread (the plain code), also when that line start is inside a
 * quoted cell, and when the first rejected row is in the second part. */
static void
test_csv_two_threads (void)
{
  const gsize target = 600 * 1024;

  dc_esheet_csv_parallel_min = 256 * 1024;
  for (guint variant = 0; variant < 5; variant++)
    {
      g_autoptr(GString) s = g_string_new ("运单号,月台,扫描时间,操作员\n");
      const char *eol = variant == 2 ? "\r\n" : "\n";
      guint joined = dc_esheet_csv_joined, discarded = dc_esheet_csv_discarded;
      g_autofree char *name = g_strdup_printf ("two-threads-%u.csv", variant);
      g_autofree char *result = NULL;
      gboolean quoted_middle = variant == 1;

      for (guint i = 0; s->len < target; i++)
        {
          gboolean second = s->len > target / 2;
          gsize row_start;
          gboolean bad = variant == 3 || (variant == 4 && second) ||
                         (variant != 4 && i % 997 == 5) || (variant == 2 && second && i % 13 == 0);

          if (quoted_middle && s->len > target / 2 - 3000)
            {
              /* a quoted cell of 6000 bytes with line breaks around the middle */
              g_string_append_printf (s, "SF%09u,A%02u,2025-11-03 10:00:00,\"", i, i % 40);
              for (guint k = 0; k < 120; k++)
                g_string_append (s, "line of a note\"\" in quotes,\nwith breaks. ");
              g_string_append_printf (s, "\"%s", eol);
              quoted_middle = FALSE;
              continue;
            }
          if (variant == 4 && !second)
            {
              g_string_append_printf (s, ",,%s", eol);   /* blank rows: no reject */
              continue;
            }
          row_start = s->len;
          g_string_append_printf (s, "SF%09u,%s%02u,2025-11-%02u %02u:%02u:%02u,%s%s",
                                  (i * 7919) % 100000, i % 7 ? "A" : "月台", i % 40,
                                  3 + i % 2, i / 3600 % 24, i / 60 % 60, i % 60,
                                  bad ? "\"x,\"\"y\"" : "op", eol);
          if (bad)
            {
              /* turn this row's time into a bad one */
              char *t = strstr (s->str + row_start, "2025-11-");
              t[5] = '1';
              t[6] = '9';
            }
        }
      result = same_both_ways (name, s->str, s->len);
      if (variant == 1)
        {
          g_assert_cmpuint (dc_esheet_csv_discarded, ==, discarded + 1);
          g_assert_cmpuint (dc_esheet_csv_joined, ==, joined);
        }
      else
        {
          g_assert_cmpuint (dc_esheet_csv_joined, ==, joined + 1);
          g_assert_cmpuint (dc_esheet_csv_discarded, ==, discarded);
        }
      if (variant == 3 || variant == 4)
        g_assert_nonnull (strstr (result, "has no usable row"));
      else
        {
          guint rows = 0, rejected = 0;
          g_assert_cmpint (sscanf (strstr (result, "rows "), "rows %u rejected %u", &rows, &rejected), ==, 2);
          g_assert_cmpuint (rows, >, 8000);
          g_assert_cmpuint (rejected, >, 10);
        }
    }
  dc_esheet_csv_parallel_min = 4 * 1024 * 1024;
}

/* The UTF-8 check fused into the parse gives the whole-file decision of
 * the plain code: ASCII and then GBK is GB18030 (the rows before the
 * first GBK one included), UTF-8 characters and then bad bytes is UTF-8
 * with those rows refused, a byte neither encoding has is an error;
 * small files and big ones (two threads), the odd row in either half. */
static void
test_csv_encodings (void)
{
  static const char gbk_dock[] = "\xd4\xc2\xcc\xa8"; /* 月台 in GBK */
  static const char utf8_dock[] = "月台";
  const gsize sizes[] = { 20000, 600 * 1024 };

  dc_esheet_csv_parallel_min = 256 * 1024;
  for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
    for (guint variant = 0; variant < 8; variant++)
      {
        /* 0: GBK in the first quarter; 1: GBK in the last quarter;
         * 2: UTF-8 early, GBK late; 3: GBK header (row 1); 4: a byte
         * neither encoding has, late; 5: all ASCII; 6: UTF-8 only;
         * 7: GBK in a quoted cell in the first quarter */
        g_autoptr(GString) s = g_string_new (variant == 3 ? "\xd4\xcb\xb5\xa5\xba\xc5,\xd4\xc2\xcc\xa8,\xc9\xa8\xc3\xe8\xca\xb1\xbc\xe4\n"
                                                          : "waybill,dock,scan time\n");
        g_autofree char *name = g_strdup_printf ("encoding-%u-%u.csv", z, variant);
        g_autofree char *result = NULL;
        gsize target = sizes[z];
        gboolean placed = FALSE;

        for (guint i = 0; s->len < target; i++)
          {
            gboolean early = s->len > target / 8 && s->len < target / 4;
            gboolean late = s->len > target * 3 / 4;
            const char *dock = "A";

            if (!placed && ((variant == 0 || variant == 7) && early))
              dock = variant == 7 ? "\"x\xd4\xc2\xcc\xa8\"" : gbk_dock, placed = TRUE;
            else if (!placed && (variant == 1 || variant == 2 || variant == 4) && late)
              dock = variant == 4 ? "\x80x" : gbk_dock, placed = TRUE;
            else if ((variant == 2 && early) || variant == 6)
              dock = utf8_dock;
            else if (variant == 3 && i % 50 == 7)
              dock = gbk_dock;
            g_string_append_printf (s, "SF%09u,%s%u,2025-11-03 %02u:%02u:%02u\n", i, dock, i % 9,
                                    i / 3600 % 24, i / 60 % 60, i % 60);
          }
        result = same_both_ways (name, s->str, s->len);
        if (variant == 4)
          g_assert_nonnull (strstr (result, "neither UTF-8 nor GB18030"));
        else
          g_assert_nonnull (strstr (result, variant == 0 || variant == 1 || variant == 3 || variant == 7
                                            ? "encoding GB18030" : "encoding UTF-8"));
        if (variant == 2)
          g_assert_nonnull (strstr (result, "not valid UTF-8"));
      }
  dc_esheet_csv_parallel_min = 4 * 1024 * 1024;
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = dc_test_mkdtemp ();
  g_test_add_func ("/esheet/fast/csv-random", test_csv_random);
  g_test_add_func ("/esheet/fast/csv-word-edges", test_csv_word_edges);
  g_test_add_func ("/esheet/fast/csv-two-threads", test_csv_two_threads);
  g_test_add_func ("/esheet/fast/csv-encodings", test_csv_encodings);
  g_test_add_func ("/esheet/fast/time-cache", test_time_cache);
  g_test_add_func ("/esheet/fast/xlsx-cases", test_xlsx_cases);
  g_test_add_func ("/esheet/fast/xlsx-chunks", test_xlsx_chunks);
  g_test_add_func ("/esheet/fast/xlsx-trim", test_xlsx_trim);
  ret = g_test_run ();
  dc_test_rmdir (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
