/* dc-esheet-xls.c: Excel 97-2003 (BIFF) sheets through freexl, and the
 * format sniffing that picks a reader. */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <freexl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "esheet/dc-esheet-private.h"

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

static gboolean
read_xls_path (const char *name, const char *path, int sheet, DcRowFunc func,
               gpointer user_data, gboolean *date1904, GError **error)
{
  const void *handle = NULL;
  unsigned int n_sheets = 0, mode = 0, n_rows = 0;
  unsigned short n_cols = 0;
  g_autoptr(GArray) cells = g_array_new (FALSE, TRUE, sizeof (DcCell));
  g_autofree char *numbers = NULL;
  int rc;

  rc = freexl_open (path, &handle);
  if (rc != FREEXL_OK)
    {
      if (handle)
        freexl_close (handle);
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is not a readable XLS (Excel 97-2003) file (FreeXL error %d). Open it in Excel and save it as .xlsx."),
                   name, rc);
      return FALSE;
    }
  if (freexl_get_info (handle, FREEXL_BIFF_SHEET_COUNT, &n_sheets) != FREEXL_OK)
    n_sheets = 0;
  if (freexl_get_info (handle, FREEXL_BIFF_DATEMODE, &mode) == FREEXL_OK)
    *date1904 = mode == FREEXL_BIFF_DATEMODE_1904;
  if (sheet < 0)
    sheet = 0;
  if ((unsigned) sheet >= n_sheets || sheet > G_MAXUINT16 ||
      freexl_select_active_worksheet (handle, (unsigned short) sheet) != FREEXL_OK ||
      freexl_worksheet_dimensions (handle, &n_rows, &n_cols) != FREEXL_OK)
    {
      freexl_close (handle);
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET,
                   _("%s has %u sheet(s); there is no sheet %d."), name, n_sheets, sheet + 1);
      return FALSE;
    }

  g_array_set_size (cells, n_cols);
  numbers = g_malloc0 ((gsize) MAX (n_cols, 1) * 32);
  for (unsigned int r = 0; r < n_rows; r++)
    {
      for (unsigned short c = 0; c < n_cols; c++)
        {
          FreeXL_CellValue v;
          DcCell *cell = &g_array_index (cells, DcCell, c);
          char *num = numbers + (gsize) c * 32;

          memset (cell, 0, sizeof *cell);
          cell->kind = DC_CELL_EMPTY;
          if (freexl_get_cell_value (handle, r, c, &v) != FREEXL_OK)
            continue;
          switch (v.type)
            {
            case FREEXL_CELL_INT:
              cell->kind = DC_CELL_NUMBER;
              cell->number = v.value.int_value;
              g_snprintf (num, 32, "%d", v.value.int_value);
              cell->text = num;
              cell->len = strlen (num);
              break;
            case FREEXL_CELL_DOUBLE:
              cell->kind = DC_CELL_NUMBER;
              cell->number = v.value.double_value;
              g_ascii_formatd (num, 32, "%.17g", v.value.double_value);
              cell->text = num;
              cell->len = strlen (num);
              break;
            case FREEXL_CELL_TEXT:
            case FREEXL_CELL_SST_TEXT:
            case FREEXL_CELL_DATE:
            case FREEXL_CELL_DATETIME:
            case FREEXL_CELL_TIME:
              if (v.value.text_value && v.value.text_value[0])
                {
                  cell->kind = DC_CELL_TEXT;
                  cell->text = v.value.text_value;
                  cell->len = strlen (v.value.text_value);
                }
              break;
            default:
              break;
            }
        }
      if (!func (r + 1, (const DcCell *) cells->data, cells->len, user_data, error))
        {
          freexl_close (handle);
          return error == NULL || *error == NULL;
        }
    }
  freexl_close (handle);
  return TRUE;
}


/* ---- FreeXL in a process of its own ------------------------------------------
 * FreeXL 1.0.6 has memory errors on damaged files (fuzzing found stack
 * buffer underflows in its charset conversion), so when the helper
 * dockclip-xls-reader is available the sheet is read there and a crash is
 * only an error message.  Its output: "DCXLS1", one byte date1904, then
 * per row 'R' u32 row u32 n_cells and per cell 'N' double | 'T' u32 len
 * bytes | '0', and 'E' at the end (native byte order: same machine). */

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
decode_reader_output (const char *name, GBytes *out, DcRowFunc func, gpointer user_data,
                      gboolean *date1904, GError **error)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (out, &len);
  const guint8 *end = p + len;
  g_autofree DcCell *cells = NULL;
  guint cap = 0;

  if (len < 7 || memcmp (p, "DCXLS1", 6) != 0)
    goto bad;
  *date1904 = p[6] != 0;
  p += 7;
  while (p < end)
    {
      guint32 row, n;
      guint8 tag = *p++;

      if (tag == 'E')
        return TRUE;
      if (tag != 'R' || end - p < 8)
        goto bad;
      memcpy (&row, p, 4);
      memcpy (&n, p + 4, 4);
      p += 8;
      if (n > 65536)
        goto bad;
      if (n > cap)
        {
          cap = n;
          cells = g_renew (DcCell, cells, cap);
        }
      for (guint32 i = 0; i < n; i++)
        {
          DcCell *cell = &cells[i];
          memset (cell, 0, sizeof *cell);
          cell->kind = DC_CELL_EMPTY;
          if (p >= end)
            goto bad;
          tag = *p++;
          if (tag == 'N')
            {
              if (end - p < 8)
                goto bad;
              memcpy (&cell->number, p, 8);
              p += 8;
              cell->kind = DC_CELL_NUMBER;
            }
          else if (tag == 'T')
            {
              guint32 tl;
              if (end - p < 4)
                goto bad;
              memcpy (&tl, p, 4);
              p += 4;
              if ((gsize) (end - p) < tl)
                goto bad;
              cell->kind = tl ? DC_CELL_TEXT : DC_CELL_EMPTY;
              cell->text = (const char *) p;
              cell->len = tl;
              p += tl;
            }
          else if (tag != '0')
            goto bad;
        }
      if (!func (row, cells, n, user_data, error))
        return error == NULL || *error == NULL;
    }
bad:
  g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
               _("%s is a damaged XLS file: the XLS reader could not read it to the end. Open it in Excel and save it as .xlsx."),
               name);
  return FALSE;
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
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) local = NULL;

  *ran = FALSE;
  if (reader == NULL)
    return FALSE;
  sheet_arg = g_strdup_printf ("%d", MAX (sheet, 0));
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &local,
                           reader, path, sheet_arg, NULL);
  if (proc == NULL || !g_subprocess_communicate (proc, NULL, NULL, &out, &err, &local))
    {
      g_debug ("XLS reader %s unusable (%s), reading in-process", reader, local->message);
      return FALSE;
    }
  *ran = TRUE;
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return decode_reader_output (name, out, func, user_data, date1904, error);
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 3)
    {
      gsize elen = 0;
      const char *edata = err ? g_bytes_get_data (err, &elen) : NULL;
      g_autofree char *count = g_strndup (edata ? edata : "0", edata ? MIN (elen, 16) : 1);
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET,
                   _("%s has %u sheet(s); there is no sheet %d."), name,
                   (guint) g_ascii_strtoull (count, NULL, 10), sheet + 1);
      return FALSE;
    }
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 2)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is not a readable XLS (Excel 97-2003) file. Open it in Excel and save it as .xlsx."),
                   name);
      return FALSE;
    }
  g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
               _("%s is a damaged XLS file: the XLS reader stopped on it. Open it in Excel and save it as .xlsx."),
               name);
  return FALSE;
}

gboolean
dc_esheet_read_xls (const char *name, const char *path, GBytes *bytes, int sheet,
                    DcRowFunc func, gpointer user_data,
                    gboolean *date1904, GError **error)
{
  g_autofree char *tmp = NULL;
  gsize len = 0;
  const char *data;
  gboolean ok;
  gboolean ran;
  int fd;

  if (path)
    {
      ok = read_xls_isolated (name, path, sheet, func, user_data, date1904, &ran, error);
      return ran ? ok : read_xls_path (name, path, sheet, func, user_data, date1904, error);
    }

  data = g_bytes_get_data (bytes, &len);
  fd = g_file_open_tmp ("dockclip-XXXXXX.xls", &tmp, error);
  if (fd < 0)
    return FALSE;
  g_close (fd, NULL);
  if (!g_file_set_contents (tmp, data, len, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  ok = read_xls_isolated (name, tmp, sheet, func, user_data, date1904, &ran, error);
  if (!ran)
    ok = read_xls_path (name, tmp, sheet, func, user_data, date1904, error);
  g_unlink (tmp);
  return ok;
}

gboolean
dc_esheet_read_any (const char *name, const char *path, GBytes *bytes,
                    const DcEsheetImportOptions *options, DcRowFunc func, gpointer user_data,
                    DcEsheetFormat *format_out, const char **encoding_used,
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
      else if (len >= 8 && memcmp (data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
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
      return dc_esheet_read_csv (name, data, len, options->encoding, func, user_data,
                                 encoding_used, needs_validation, error);
    }
}
