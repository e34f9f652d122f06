/* dc-esheet-private.h: what the readers, the importer and the model share.
 *
 * A reader turns a file into rows of cells and calls a DcRowFunc per
 * row; it knows nothing about waybills.  The importer finds the header,
 * converts the cells and appends rows to the model. */
#pragma once

#include <string.h>

#include "esheet/dc-esheet.h"

G_BEGIN_DECLS

/* TRUE (the default): the fast paths of the readers and the importer.
 * FALSE: the plain, byte-by-byte code they must agree with; only the
 * tests set it, to compare the two on tricky inputs. */
extern gboolean dc_esheet_fast_paths;

/* How many big CSV reads used the second thread's rows, and how many
 * threw them away (its start was inside a quoted cell): for the tests. */
extern guint dc_esheet_csv_joined;
extern guint dc_esheet_csv_discarded;
/* From this size on a CSV is read in two threads (4 MiB; the tests
 * lower it to keep their files small). */
extern gsize dc_esheet_csv_parallel_min;

/* Word-at-a-time byte search ("SWAR"), portable C: eight bytes per step
 * instead of one.  A match mask has the high bit set in each byte equal
 * to the pattern; bits above the first true match may be false
 * positives, so only the lowest set bit is used.  Words are read in
 * little-endian order so the lowest bit is the earliest byte. */
#define DC_SWAR_ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define DC_SWAR_HIGHS G_GUINT64_CONSTANT (0x8080808080808080)
#define DC_SWAR_BYTE(c) (DC_SWAR_ONES * (guchar) (c))

static inline guint64
dc_swar_load (const char *p)
{
  guint64 w;
  memcpy (&w, p, sizeof w);
  return GUINT64_FROM_LE (w);
}

/* High bit set in the bytes of @w equal to the byte repeated in @pattern. */
static inline guint64
dc_swar_eq (guint64 w, guint64 pattern)
{
  guint64 x = w ^ pattern;
  return (x - DC_SWAR_ONES) & ~x & DC_SWAR_HIGHS;
}

/* Index (0..7) of the first matching byte of a non-zero mask. */
static inline guint
dc_swar_first (guint64 mask)
{
#if defined(__GNUC__) || defined(__clang__)
  return (guint) __builtin_ctzll (mask) >> 3;
#else
  guint i = 0;
  while (!(mask & 0x80))
    {
      mask >>= 8;
      i++;
    }
  return i;
#endif
}

/* TRUE when @text is plain ASCII without NUL, line breaks or CR: most
 * cells are, and they need no UTF-8 check and no special handling. */
static inline gboolean
dc_text_is_plain_ascii (const char *text, gsize len, gboolean allow_breaks)
{
  const char *p = text, *end = text + len;
  guint64 any = 0, bad = 0;

  if (len >= 8)
    {
      /* whole words, the last one overlapping the one before */
      for (;; p += 8)
        {
          guint64 w;
          if (end - p < 8)
            p = end - 8;
          w = dc_swar_load (p);
          any |= w;
          bad |= dc_swar_eq (w, 0);
          if (!allow_breaks)
            bad |= dc_swar_eq (w, DC_SWAR_BYTE ('\n')) | dc_swar_eq (w, DC_SWAR_BYTE ('\r'));
          if (p + 8 == end)
            break;
        }
      return !(any & DC_SWAR_HIGHS) && !bad;
    }
  for (; p < end; p++)
    {
      guchar c = *p;
      any |= c;
      bad |= c == 0 || (!allow_breaks && (c == '\n' || c == '\r'));
    }
  return !(any & DC_SWAR_HIGHS) && !bad;
}

typedef enum
{
  DC_CELL_EMPTY,
  DC_CELL_TEXT,
  DC_CELL_NUMBER,     /* @number is the value; @text (if any) is how the file wrote it */
  DC_CELL_BOOL,
} DcCellKind;

typedef struct
{
  const char *text;   /* not NUL-terminated; valid during the callback only */
  guint       len;
  guint8      kind;
  guint8      plain;  /* TRUE: known to be ASCII without NUL, CR or LF (so no
                       * check is needed); FALSE: unknown */
  double      number;
} DcCell;

/* @row is 1-based as a spreadsheet shows it.  Return FALSE to stop
 * reading (with *error set when it is an error). */
typedef gboolean (*DcRowFunc) (guint row, const DcCell *cells, guint n_cells,
                               gpointer user_data, GError **error);

/* A reader may read a big file in two threads (the CSV reader does):
 * once @ready says the consumer knows its columns, @fork makes a second
 * consumer for the rows of the second part (@bytes long), which get
 * @row_func in another thread, numbered from 1.  When those rows turn
 * out to be the file's, @join adds them after the @row_offset rows of
 * the first part (in the first thread, after the second has finished);
 * otherwise @discard drops them and the first thread reads them itself. */
typedef struct
{
  gboolean  (*ready)   (gpointer user_data);
  gpointer  (*fork)    (gpointer user_data, gsize bytes);
  DcRowFunc   row_func;
  void      (*join)    (gpointer user_data, gpointer forked, guint row_offset);
  void      (*discard) (gpointer user_data, gpointer forked);
} DcRowFork;

/* @encoding: NULL = detect; *encoding_used: "UTF-8", "UTF-8 (BOM)", "GB18030"...
 * *needs_validation is TRUE when only the start of a UTF-8 file was
 * validated (the caller validates the strings it keeps). */
gboolean dc_esheet_read_csv  (const char *name, const char *data, gsize len, const char *encoding,
                              DcRowFunc func, gpointer user_data, const DcRowFork *fork,
                              const char **encoding_used, gboolean *needs_validation,
                              GError **error);
gboolean dc_esheet_read_xlsx (const char *name, GBytes *bytes, int sheet,
                              DcRowFunc func, gpointer user_data,
                              gboolean *date1904, GError **error);
/* @path may be NULL, then @bytes go through a temporary file (freexl
 * only opens paths). */
gboolean dc_esheet_read_xls  (const char *name, const char *path, GBytes *bytes, int sheet,
                              DcRowFunc func, gpointer user_data,
                              gboolean *date1904, GError **error);

/* What the XLSX reader hands GMarkup for a sheet's @xml read @chunk bytes
 * at a time (attributes nobody reads blanked): for the tests. */
char    *dc_esheet_xlsx_trim (const char *xml, gsize len, gsize chunk);

/* "A" -> 0, "AB" -> 27; -1 when not a column letter. */
int      dc_esheet_column_from_letters (const char *text);
char    *dc_esheet_column_to_letters   (guint column);

/* Time parsing (dc-esheet-time.c).  Local times are this PC's zone. */
typedef struct _DcTimeCache DcTimeCache;
DcTimeCache *dc_time_cache_new  (void);
void         dc_time_cache_free (DcTimeCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcTimeCache, dc_time_cache_free)
/* Local wall clock -> unix µs, cached per hour (time zone changes fall on
 * whole hours in every zone this tool is used in). */
gboolean dc_time_local_to_us (DcTimeCache *cache, int y, int mo, int d, int h, int mi, int s,
                              int usec, gint64 *out_us);
/* The common "YYYY-MM-DD HH:MM:SS" (or with a T) as local time, straight
 * to unix µs, remembering the last date and hour so consecutive rows cost
 * a 13-byte compare.  The same result as dc_time_parse_text() followed by
 * dc_time_parts_to_us(); FALSE only means "not this exact form, use the
 * general parser" (which also decides what is an error). */
gboolean dc_time_parse_local_fast (DcTimeCache *cache, const char *text, gsize len,
                                   gint64 *out_us);

typedef enum
{
  DC_TIME_PARSED_NONE     = 0,
  DC_TIME_PARSED_DATE     = 1 << 0,
  DC_TIME_PARSED_TIME     = 1 << 1,
  DC_TIME_PARSED_INSTANT  = 1 << 2,   /* absolute: epoch or ISO with offset; @out_us is set */
} DcTimeParsed;

typedef struct
{
  int y, mo, d, h, mi, s, usec;
  gint64 us;          /* for INSTANT */
} DcTimeParts;

/* Parses a text cell: "2025-11-03 14:05:09", "2025/11/3 14:05",
 * "2025年11月3日 14:05:09", ISO 8601 with Z/offset, epoch ms/s,
 * 20251103140509, a bare date, a bare time, an Excel serial written as
 * text.  @format (may be NULL) is tried first. */
DcTimeParsed dc_time_parse_text   (const char *text, gsize len, const char *format,
                                   gboolean date1904, DcTimeParts *out);
/* A numeric cell: Excel serial (date and/or time) or epoch ms/s. */
DcTimeParsed dc_time_parse_number (double value, gboolean date1904, DcTimeParts *out);
/* Resolves parsed parts into µs: INSTANT as is, DATE|TIME as local time. */
gboolean     dc_time_parts_to_us  (DcTimeCache *cache, DcTimeParsed what, const DcTimeParts *parts,
                                   gint64 *out_us);

/* The model side of the importer (dc-esheet.c). */
void     dc_esheet_begin_import (DcEsheet *self, const char *name, gsize size_hint);
void     dc_esheet_set_extra_names (DcEsheet *self, char **names);
void     dc_esheet_append_row   (DcEsheet *self, const char *waybill, gsize waybill_len,
                                 const char *dock, gsize dock_len, gint64 time_us, guint source_row,
                                 const char * const *extras, const gsize *extra_lens);
void     dc_esheet_add_reject   (DcEsheet *self, guint row, const char *column, char *reason);
void     dc_esheet_set_import_info (DcEsheet *self, DcEsheetFormat format, const char *encoding,
                                    guint header_row, GHashTable *labels,
                                    const DcEsheetMapping *mapping);
void     dc_esheet_end_import   (DcEsheet *self);
/* Moves the rows and rejects of @other (imported with the same columns
 * and extras) to the end of @self, their source rows shifted by
 * @row_offset; @other is left empty. */
void     dc_esheet_absorb       (DcEsheet *self, DcEsheet *other, guint row_offset);

/* Header matching shared with the dock-map import: lower-cases, drops
 * spaces, punctuation and full-width forms.  Returns a new string. */
char    *dc_esheet_normalize_header (const char *text, gsize len);

/* Runs the right reader for @bytes (or @path) into @func (used by the
 * dock map import too).  *format_out and *date1904 are set. */
gboolean dc_esheet_read_any (const char *name, const char *path, GBytes *bytes,
                             const DcEsheetImportOptions *options, DcRowFunc func, gpointer user_data,
                             const DcRowFork *fork, DcEsheetFormat *format_out, const char **encoding_used,
                             gboolean *needs_validation, gboolean *date1904, GError **error);

G_END_DECLS
