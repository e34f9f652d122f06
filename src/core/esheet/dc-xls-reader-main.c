/* dockclip-xls-reader FILE SHEET: reads one worksheet of an Excel 97-2003
 * or Excel 5/95 file (dc-xls-biff.c) in a process of its own and writes
 * its cells to stdout in the small binary format dc-esheet-xls.c reads
 * back.  Every size in an .xls comes from the file: should a damaged one
 * still find a flaw, a crash here is an error message in Dockclip, never
 * a crash of Dockclip. */
#include "config.h"

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

#include "esheet/dc-xls-biff.h"

#if defined(__SANITIZE_ADDRESS__)
#define DC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DC_SANITIZED 1
#endif
#endif

/* A cap on this helper's memory, so that a file that asks for too much
 * fails fast here.  Not under ASan, whose shadow memory needs a huge
 * address space. */
static void
limit_memory (void)
{
#if defined(__linux__) && !defined(DC_SANITIZED)
  struct rlimit limit = { 2048ul * 1024 * 1024, 2048ul * 1024 * 1024 };
  setrlimit (RLIMIT_AS, &limit);
#endif
}

static void
put (const void *data, gsize len)
{
  if (len > 0)   /* an empty sheet has no cell array at all */
    fwrite (data, 1, len, stdout);
}

static void
put_u32 (guint32 v)
{
  put (&v, 4);
}

static void
put_u8 (guint8 v)
{
  put (&v, 1);
}

int
main (int argc, char **argv)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcXlsSheet) sheet = NULL;
  gint64 index;

  if (argc != 3)
    {
      fprintf (stderr, "usage: dockclip-xls-reader FILE SHEET\n");
      return 64;
    }
  limit_memory ();
#ifdef G_OS_WIN32
  _setmode (_fileno (stdout), _O_BINARY);
#endif
  index = g_ascii_strtoll (argv[2], NULL, 10);
  file = g_mapped_file_new (argv[1], FALSE, &error);
  if (file == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  sheet = dc_xls_read_sheet ((const guint8 *) g_mapped_file_get_contents (file),
                             g_mapped_file_get_length (file),
                             index < 0 || index > G_MAXINT ? -1 : (int) index);
  put ("DCXLS2", 6);
  put_u8 (sheet->status);
  put_u32 (sheet->n_sheets);
  put_u32 ((guint32) sheet->sheet);
  put_u8 (sheet->date1904);
  put_u8 (sheet->biff);
  if (sheet->status == DC_XLS_OK)
    {
      put_u32 (sheet->cells->len);
      put_u32 (sheet->text->len);
      put (sheet->text->str, sheet->text->len);
      put (sheet->cells->data, (gsize) sheet->cells->len * sizeof (DcXlsCell));
    }
  put ("E", 1);
  return fflush (stdout) == 0 ? 0 : 1;
}
