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

gboolean
dc_esheet_read_xls (const char *name, const char *path, GBytes *bytes, int sheet,
                    DcRowFunc func, gpointer user_data,
                    gboolean *date1904, GError **error)
{
  g_autofree char *tmp = NULL;
  gsize len = 0;
  const char *data;
  gboolean ok;
  int fd;

  if (path)
    return read_xls_path (name, path, sheet, func, user_data, date1904, error);

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
