/* dc-xls-biff.h: one worksheet of an Excel 97-2003 (BIFF8) or Excel 5/95
 * (BIFF5) workbook, read from the OLE2 compound file in memory.
 *
 * Only what an e-sheet needs: the raw value of every cell (numbers as
 * the IEEE double Excel stores, the cached result of formulas, shared and
 * inline strings), the 1900/1904 date system, and why a file cannot be
 * read (password, not a workbook, damaged).  Formats are not read: the
 * XLSX reader does not read them either, and the importer converts a
 * number in a time column the same way on both paths, whatever its
 * format (an Excel serial; a whole number of 14 or 8 digits as its
 * digits, as the same text in a CSV).
 *
 * Plain GLib, no GObject: the dockclip-xls-reader helper links it alone. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DC_XLS_OK,
  DC_XLS_NOT_OLE2,        /* not a compound file at all */
  DC_XLS_NO_WORKBOOK,     /* a compound file without a Workbook/Book stream */
  DC_XLS_ENCRYPTED,       /* FILEPASS: protected with a password */
  DC_XLS_ENCRYPTED_OOXML, /* an .xlsx saved with a password (EncryptedPackage) */
  DC_XLS_OLD_BIFF,        /* BIFF2-4: Excel 2.x-4.0 */
  DC_XLS_NO_SHEET,        /* the asked sheet does not exist */
  DC_XLS_NOT_WORKSHEET,   /* the asked sheet is a chart or macro sheet */
  DC_XLS_DAMAGED,         /* the container or the records are broken */
} DcXlsStatus;

typedef enum
{
  DC_XLS_CELL_NUMBER = 'N',
  DC_XLS_CELL_TEXT   = 'T',
  DC_XLS_CELL_BOOL   = 'B',
} DcXlsCellKind;

typedef struct
{
  guint32 row;            /* 0-based */
  guint32 col;
  guint32 seq;            /* record order: the later of two cells wins */
  guint8  kind;           /* DcXlsCellKind */
  double  number;         /* NUMBER and BOOL */
  guint32 text_offset;    /* TEXT: UTF-8 in DcXlsSheet.text */
  guint32 text_len;
} DcXlsCell;

typedef struct
{
  DcXlsStatus status;
  guint       n_sheets;   /* all sheets (BOUNDSHEET records) */
  int         sheet;      /* the 0-based sheet read */
  guint       biff;       /* 5 or 8 */
  gboolean    date1904;
  GArray     *cells;      /* DcXlsCell, sorted by row then column, one per place */
  GString    *text;
} DcXlsSheet;

/* Maximum number of columns read: Excel 97-2003 has 256 (A..IV). */
#define DC_XLS_MAX_COLUMNS 256

/* @sheet: 0-based, or -1 for the first worksheet.  Never NULL. */
DcXlsSheet *dc_xls_read_sheet (const guint8 *data, gsize len, int sheet);
void        dc_xls_sheet_free (DcXlsSheet *sheet);
/* TRUE when @data starts with a BIFF BOF record outside any container
 * (what Excel 2.x to 4.0 saved). */
gboolean    dc_xls_is_bare_biff (const guint8 *data, gsize len);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcXlsSheet, dc_xls_sheet_free)

/* The OLE2 compound-file layer, for the tests: the stream @name (ASCII,
 * case-insensitive) or NULL. */
GBytes     *dc_xls_cfb_read_stream (const guint8 *data, gsize len, const char *name,
                                    gboolean *is_cfb);

G_END_DECLS
