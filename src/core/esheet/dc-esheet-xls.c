/* dc-esheet-xls.c: Excel 97-2003 and 5/95 (BIFF8/BIFF5) sheets through
 * dc-xls-biff.c, run in the dockclip-xls-reader helper, and the format
 * sniffing that picks a reader. */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "esheet/dc-esheet-private.h"
#include "esheet/dc-xls-biff.h"

int
dc_esheet_column_from_letters (const char *text)
{
  int col = 0;
  guint i;

  if (text == NULL || text[0] == '\0')
    return -1;
  for (i = 0; text[i]; i++)
    {
      char c = g_ascii_toupper (text[i]);
      if (c < 'A' || c > 'Z' || i >= 3)
        return -1;
      col = col * 26 + (c - 'A' + 1);
    }
  return col - 1;
}

char *
dc_esheet_column_to_letters (guint column)
{
  char buf[8];
  int i = sizeof buf - 1;

  buf[i] = '\0';
  column++;
  while (column > 0 && i > 0)
    {
      guint rem = (column - 1) % 26;
      buf[--i] = 'A' + rem;
      column = (column - 1) / 26;
    }
  return g_strdup (buf + i);
}

/* ---- from a DcXlsSheet to rows ------------------------------------------- */

/* Why a sheet cannot be read, in words; FALSE with *error set. */
static gboolean
status_error (const char *name, const DcXlsSheet *xs, int asked, GError **error)
{
  switch (xs->status)
    {
    case DC_XLS_OK:
      return TRUE;
    case DC_XLS_ENCRYPTED:
    case DC_XLS_ENCRYPTED_OOXML:
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is protected with a password: open it in Excel and save it without one."),
                   name);
      return FALSE;
    case DC_XLS_NOT_OLE2:
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is not an Excel 97-2003 (.xls) file. Open it in Excel and save it as .xlsx."),
                   name);
      return FALSE;
    case DC_XLS_NO_WORKBOOK:
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is an Office file but holds no Excel workbook (a Word or other document?)."),
                   name);
      return FALSE;
    case DC_XLS_OLD_BIFF:
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s was saved by Excel 4.0 or older, which Dockclip does not read: open it in Excel or LibreOffice and save it as .xlsx."),
                   name);
      return FALSE;
    case DC_XLS_NO_SHEET:
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET,
                   _("%s has %u sheet(s); there is no sheet %d."), name, xs->n_sheets,
                   MAX (asked, 0) + 1);
      return FALSE;
    case DC_XLS_NOT_WORKSHEET:
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET,
                   _("Sheet %d of %s is a chart or macro sheet, not a table: choose another sheet."),
                   xs->sheet + 1, name);
      return FALSE;
    case DC_XLS_DAMAGED:
    default:
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is a damaged XLS file: its sheet could not be read to the end. Open it in Excel and save it as .xlsx."),
                   name);
      return FALSE;
    }
}

/* Numbers get the text Excel's General format shows (15 significant
 * digits), so a dock stored as 2.01 reads "2.01", as on the XLSX path. */
static gboolean
emit_rows (const char *name, DcXlsSheet *xs, DcRowFunc func, gpointer user_data, GError **error)
{
  DcCell cells[DC_XLS_MAX_COLUMNS];
  char numbers[DC_XLS_MAX_COLUMNS][32];
  guint i = 0, n = xs->cells->len;

  while (i < n)
    {
      guint32 row = g_array_index (xs->cells, DcXlsCell, i).row;
      guint n_cells = 0;

      for (; i < n && g_array_index (xs->cells, DcXlsCell, i).row == row; i++)
        {
          const DcXlsCell *x = &g_array_index (xs->cells, DcXlsCell, i);
          DcCell *cell;

          while (n_cells <= x->col)
            {
              memset (&cells[n_cells], 0, sizeof (DcCell));
              cells[n_cells].kind = DC_CELL_EMPTY;
              n_cells++;
            }
          cell = &cells[x->col];
          if (x->kind == DC_XLS_CELL_TEXT)
            {
              cell->kind = DC_CELL_TEXT;
              cell->text = xs->text->str + x->text_offset;
              cell->len = x->text_len;
            }
          else
            {
              cell->kind = x->kind == DC_XLS_CELL_BOOL ? DC_CELL_BOOL : DC_CELL_NUMBER;
              cell->number = x->number;
              g_ascii_formatd (numbers[x->col], sizeof numbers[0], "%.15g", x->number);
              cell->text = numbers[x->col];
              cell->len = strlen (numbers[x->col]);
              cell->plain = TRUE;
            }
        }
      if (!func (row + 1, cells, n_cells, user_data, error))
        return error == NULL || *error == NULL;
    }
  return TRUE;
}

static gboolean
read_xls_in_process (const char *name, const guint8 *data, gsize len, int sheet, DcRowFunc func,
                     gpointer user_data, gboolean *date1904, GError **error)
{
  g_autoptr(DcXlsSheet) xs = dc_xls_read_sheet (data, len, sheet);

  *date1904 = xs->date1904;
  if (!status_error (name, xs, sheet, error))
    return FALSE;
  return emit_rows (name, xs, func, user_data, error);
}


/* ---- the reader in a process of its own ------------------------------------
 * Every size in an .xls comes from the file, so the sheet is read by the
 * helper dockclip-xls-reader when it is found, and a crash there is only
 * an error message.  Its output: "DCXLS2", u8 status, u32 sheets, u32
 * sheet, u8 date1904, u8 biff, and when the status is OK u32 cells, u32
 * text bytes, the text, the DcXlsCell array (native layout: the same
 * build on the same machine); then 'E'. */

static char *
find_reader (void)
{
  const char *env = g_getenv ("DC_XLS_READER");
#ifdef G_OS_WIN32
#define EXE_SUFFIX ".exe"
#else
#define EXE_SUFFIX ""
#endif
  const char *candidates[] = {
#ifdef DC_BUILD_ROOT
    DC_BUILD_ROOT "/src/core/esheet/dockclip-xls-reader" EXE_SUFFIX,
#endif
#ifdef DC_LIBEXECDIR
    DC_LIBEXECDIR "/dockclip-xls-reader" EXE_SUFFIX,
#endif
#ifdef DC_BINDIR
    DC_BINDIR "/dockclip-xls-reader" EXE_SUFFIX,
#endif
    NULL
  };

  if (env != NULL)
    return env[0] && strcmp (env, "in-process") != 0 ? g_strdup (env) : NULL;
  for (guint i = 0; candidates[i]; i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_EXECUTABLE))
      return g_strdup (candidates[i]);
  return g_find_program_in_path ("dockclip-xls-reader");
}

static gboolean
take (const guint8 **p, const guint8 *end, void *out, gsize n)
{
  if ((gsize) (end - *p) < n)
    return FALSE;
  memcpy (out, *p, n);
  *p += n;
  return TRUE;
}

/* The helper's output back into a DcXlsSheet, every field checked. */
static DcXlsSheet *
decode_reader_output (GBytes *out)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (out, &len);
  const guint8 *end = p + len;
  g_autoptr(DcXlsSheet) xs = g_new0 (DcXlsSheet, 1);
  guint8 status, d1904, biff;
  guint32 n_sheets, sheet, n_cells, text_len;

  xs->cells = g_array_new (FALSE, FALSE, sizeof (DcXlsCell));
  xs->text = g_string_new (NULL);
  if (len < 6 || memcmp (p, "DCXLS2", 6) != 0)
    return NULL;
  p += 6;
  if (!take (&p, end, &status, 1) || !take (&p, end, &n_sheets, 4) || !take (&p, end, &sheet, 4) ||
      !take (&p, end, &d1904, 1) || !take (&p, end, &biff, 1) || status > DC_XLS_DAMAGED)
    return NULL;
  xs->status = status;
  xs->n_sheets = n_sheets;
  xs->sheet = (int) sheet;
  xs->date1904 = d1904 != 0;
  xs->biff = biff;
  if (status == DC_XLS_OK)
    {
      if (!take (&p, end, &n_cells, 4) || !take (&p, end, &text_len, 4) ||
          (gsize) (end - p) < text_len)
        return NULL;
      g_string_append_len (xs->text, (const char *) p, text_len);
      p += text_len;
      if ((gsize) (end - p) / sizeof (DcXlsCell) < n_cells)
        return NULL;
      g_array_set_size (xs->cells, n_cells);
      if (n_cells > 0)   /* an empty sheet: no array to copy into */
        memcpy (xs->cells->data, p, (gsize) n_cells * sizeof (DcXlsCell));
      p += (gsize) n_cells * sizeof (DcXlsCell);
      for (guint i = 0; i < n_cells; i++)
        {
          const DcXlsCell *c = &g_array_index (xs->cells, DcXlsCell, i);
          const DcXlsCell *prev = i ? c - 1 : NULL;
          if (c->col >= DC_XLS_MAX_COLUMNS ||
              (c->kind == DC_XLS_CELL_TEXT && (c->text_offset > text_len ||
                                               c->text_len > text_len - c->text_offset)) ||
              (prev && (prev->row > c->row || (prev->row == c->row && prev->col >= c->col))))
            return NULL;
        }
    }
  if (p >= end || *p != 'E')
    return NULL;
  return g_steal_pointer (&xs);
}

/* FALSE with *ran = FALSE when there is no helper. */
static gboolean
read_xls_isolated (const char *name, const char *path, int sheet, DcRowFunc func,
                   gpointer user_data, gboolean *date1904, gboolean *ran, GError **error)
{
  g_autofree char *reader = find_reader ();
  g_autofree char *sheet_arg = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(DcXlsSheet) xs = NULL;

  *ran = FALSE;
  if (reader == NULL)
    return FALSE;
  sheet_arg = g_strdup_printf ("%d", sheet);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &local,
                           reader, path, sheet_arg, NULL);
  if (proc == NULL || !g_subprocess_communicate (proc, NULL, NULL, &out, NULL, &local))
    {
      g_debug ("XLS reader %s unusable (%s), reading in-process", reader, local->message);
      return FALSE;
    }
  *ran = TRUE;
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 2)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s cannot be opened by the XLS reader. Check that the file is still there and readable."),
                   name);
      return FALSE;
    }
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0 ||
      (xs = decode_reader_output (out)) == NULL)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is a damaged XLS file: the XLS reader stopped on it. Open it in Excel and save it as .xlsx."),
                   name);
      return FALSE;
    }
  *date1904 = xs->date1904;
  if (!status_error (name, xs, sheet, error))
    return FALSE;
  return emit_rows (name, xs, func, user_data, error);
}

gboolean
dc_esheet_read_xls (const char *name, const char *path, GBytes *bytes, int sheet,
                    DcRowFunc func, gpointer user_data,
                    gboolean *date1904, GError **error)
{
  g_autofree char *tmp = NULL;
  g_autofree char *reader = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gboolean ok;
  gboolean ran;
  int fd;

  if (path)
    {
      ok = read_xls_isolated (name, path, sheet, func, user_data, date1904, &ran, error);
      return ran ? ok : read_xls_in_process (name, data, len, sheet, func, user_data, date1904, error);
    }
  reader = find_reader ();
  if (reader == NULL)
    return read_xls_in_process (name, data, len, sheet, func, user_data, date1904, error);

  fd = g_file_open_tmp ("dockclip-XXXXXX.xls", &tmp, error);
  if (fd < 0)
    return FALSE;
  g_close (fd, NULL);
  if (!g_file_set_contents (tmp, (const char *) data, len, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  ok = read_xls_isolated (name, tmp, sheet, func, user_data, date1904, &ran, error);
  if (!ran)
    ok = read_xls_in_process (name, data, len, sheet, func, user_data, date1904, error);
  g_unlink (tmp);
  return ok;
}

/* Markup that is not a CSV although it often carries a spreadsheet's name:
 * Excel's "XML Spreadsheet 2003", a flat OpenDocument file, and the
 * HTML tables many systems export as ".xls".  NULL when @data does not
 * start with such markup (after a BOM and blanks). */
static const char *
markup_message (const char *data, gsize len)
{
  gsize n = MIN (len, (gsize) 64 * 1024), i = 0;
  g_autofree char *head = NULL;

  if (n >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < n && g_ascii_isspace (data[i]))
    i++;
  if (i >= n || data[i] != '<')
    return NULL;
  head = g_ascii_strdown (data + i, n - i);
  if (strstr (head, "urn:schemas-microsoft-com:office:spreadsheet") || strstr (head, "<workbook"))
    return N_("%s is an Excel “XML Spreadsheet 2003” file, which Dockclip does not read. Save it in Excel as “Excel Workbook (.xlsx)”.");
  if (strstr (head, "urn:oasis:names:tc:opendocument"))
    return N_("%s is a flat OpenDocument file (.fods), which Dockclip does not read. Save it as .xlsx (in LibreOffice: File ▸ Save As ▸ Excel 2007-365).");
  if (strstr (head, "<html") || strstr (head, "<!doctype html") || strstr (head, "<table"))
    return N_("%s is a web page (HTML), not a spreadsheet, although it may carry a spreadsheet's name. Open it in Excel and save it as “Excel Workbook (.xlsx)”.");
  if (g_str_has_prefix (head, "<?xml"))
    return N_("%s is an XML file, not a CSV, XLSX or XLS spreadsheet. Export the e-sheet from Excel as .xlsx or .csv.");
  return NULL;
}

gboolean
dc_esheet_read_any (const char *name, const char *path, GBytes *bytes,
                    const DcEsheetImportOptions *options, DcRowFunc func, gpointer user_data,
                    const DcRowFork *fork, DcEsheetFormat *format_out, const char **encoding_used,
                    gboolean *needs_validation, gboolean *date1904, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  DcEsheetFormat format = options->format;

  *encoding_used = NULL;
  *needs_validation = FALSE;
  *date1904 = FALSE;
  /* The first bytes decide, not the extension: "CSV" files are often
   * renamed .xls and the other way round. */
  if (format == DC_ESHEET_FORMAT_AUTO)
    {
      if (len >= 4 && memcmp (data, "PK\x03\x04", 4) == 0)
        format = DC_ESHEET_FORMAT_XLSX;
      else if ((len >= 8 && memcmp (data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) ||
               dc_xls_is_bare_biff ((const guint8 *) data, len))
        format = DC_ESHEET_FORMAT_XLS;
      else
        format = DC_ESHEET_FORMAT_CSV;
    }
  *format_out = format;
  if (len == 0)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_HEADER,
                   _("%s is empty."), name);
      return FALSE;
    }
  switch (format)
    {
    case DC_ESHEET_FORMAT_XLSX:
      return dc_esheet_read_xlsx (name, bytes, options->sheet, func, user_data, date1904, error);
    case DC_ESHEET_FORMAT_XLS:
      return dc_esheet_read_xls (name, path, bytes, options->sheet, func, user_data, date1904, error);
    case DC_ESHEET_FORMAT_CSV:
    case DC_ESHEET_FORMAT_AUTO:
    default:
      if (options->format == DC_ESHEET_FORMAT_AUTO)
        {
          const char *markup = markup_message (data, len);
          if (markup)
            {
              g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT, _(markup), name);
              return FALSE;
            }
        }
      return dc_esheet_read_csv (name, data, len, options->encoding, func, user_data, fork,
                                 encoding_used, needs_validation, error);
    }
}
