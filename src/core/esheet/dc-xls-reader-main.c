/* dockclip-xls-reader FILE SHEET: runs FreeXL in a process of its own and
 * writes the cells of one worksheet to stdout in a small binary format
 * (see dc-esheet-xls.c).  FreeXL 1.0.6 (Debian 12) has memory errors on
 * damaged files (found by fuzzing): a crash here is an error message in
 * Dockclip, not a crash of Dockclip. */
#include "config.h"

#include <freexl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#ifdef G_OS_WIN32
#include <fcntl.h>
#include <io.h>
#endif
#if defined(__linux__)
#include <sys/resource.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define DC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DC_SANITIZED 1
#endif
#endif

/* freexl trusts sizes in the file: a damaged sheet can make it ask for
 * gigabytes (found by fuzzing).  Cap this helper's memory so such a file
 * fails fast here, and the app says "damaged file".  Not under ASan,
 * whose shadow memory needs a huge address space. */
static void
limit_memory (void)
{
#if defined(__linux__) && !defined(DC_SANITIZED)
  struct rlimit limit = { 1024ul * 1024 * 1024, 1024ul * 1024 * 1024 };
  setrlimit (RLIMIT_AS, &limit);
#endif
}

static void
put (const void *data, gsize len)
{
  fwrite (data, 1, len, stdout);
}

int
main (int argc, char **argv)
{
  const void *handle = NULL;
  unsigned int n_sheets = 0, mode = 0, n_rows = 0;
  unsigned short n_cols = 0;
  guint64 sheet;
  guint8 tag;
  guint32 u;
  int rc;

  if (argc != 3)
    {
      fprintf (stderr, "usage: dockclip-xls-reader FILE SHEET\n");
      return 64;
    }
  limit_memory ();
#ifdef G_OS_WIN32
  _setmode (_fileno (stdout), _O_BINARY);
#endif
  sheet = g_ascii_strtoull (argv[2], NULL, 10);
  rc = freexl_open (argv[1], &handle);
  if (rc != FREEXL_OK)
    {
      fprintf (stderr, "%d\n", rc);
      return 2;
    }
  if (freexl_get_info (handle, FREEXL_BIFF_SHEET_COUNT, &n_sheets) != FREEXL_OK)
    n_sheets = 0;
  if (freexl_get_info (handle, FREEXL_BIFF_DATEMODE, &mode) != FREEXL_OK)
    mode = FREEXL_BIFF_DATEMODE_1900;
  if (sheet >= n_sheets || sheet > G_MAXUINT16 ||
      freexl_select_active_worksheet (handle, (unsigned short) sheet) != FREEXL_OK ||
      freexl_worksheet_dimensions (handle, &n_rows, &n_cols) != FREEXL_OK)
    {
      fprintf (stderr, "%u\n", n_sheets);
      freexl_close (handle);
      return 3;
    }
  put ("DCXLS1", 6);
  tag = mode == FREEXL_BIFF_DATEMODE_1904;
  put (&tag, 1);
  for (unsigned int r = 0; r < n_rows; r++)
    {
      tag = 'R';
      put (&tag, 1);
      u = r + 1;
      put (&u, 4);
      u = n_cols;
      put (&u, 4);
      for (unsigned short c = 0; c < n_cols; c++)
        {
          FreeXL_CellValue v;
          double d;

          if (freexl_get_cell_value (handle, r, c, &v) != FREEXL_OK)
            v.type = FREEXL_CELL_NULL;
          switch (v.type)
            {
            case FREEXL_CELL_INT:
            case FREEXL_CELL_DOUBLE:
              tag = 'N';
              d = v.type == FREEXL_CELL_INT ? v.value.int_value : v.value.double_value;
              put (&tag, 1);
              put (&d, 8);
              break;
            case FREEXL_CELL_TEXT:
            case FREEXL_CELL_SST_TEXT:
            case FREEXL_CELL_DATE:
            case FREEXL_CELL_DATETIME:
            case FREEXL_CELL_TIME:
              if (v.value.text_value && v.value.text_value[0])
                {
                  tag = 'T';
                  u = (guint32) strlen (v.value.text_value);
                  put (&tag, 1);
                  put (&u, 4);
                  put (v.value.text_value, u);
                  break;
                }
              G_GNUC_FALLTHROUGH;
            default:
              tag = '0';
              put (&tag, 1);
              break;
            }
        }
    }
  tag = 'E';
  put (&tag, 1);
  freexl_close (handle);
  return fflush (stdout) == 0 ? 0 : 1;
}
