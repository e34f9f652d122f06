/* dc-esheet-csv.c: RFC 4180 CSV in UTF-8 (with or without BOM), UTF-16
 * with BOM, or GBK/GB18030 (what Chinese Excel writes as "CSV"); comma,
 * semicolon or tab separated; CRLF, LF or CR line ends.  A big file is
 * read in two threads (parse_all), and the encoding is decided as the
 * rows are read (check_record). */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "esheet/dc-esheet-private.h"

/* The encoding is decided over the whole file: an export whose first rows
 * are ASCII can have GBK docks a megabyte further down.  The fast path
 * runs this per record (check_record), the plain code over the whole
 * text, ahead of the parse.  ASCII is skipped
 * eight bytes at a time and only the runs of high bytes are validated
 * (a UTF-8 sequence is high bytes only, so a run holds whole characters):
 * a few ms on 40 MB, where g_utf8_validate() over all of it costs as much
 * as parsing.  Returns TRUE when all of it is UTF-8; else *multibyte_first
 * says whether real UTF-8 characters came before the first bad byte. */
static gboolean
scan_utf8 (const char *data, gsize len, gboolean *multibyte_first)
{
  const char *p = data, *end = data + len;

  *multibyte_first = FALSE;
  while (p < end)
    {
      const char *q;

      while (end - p >= 32 && !((dc_swar_load (p) | dc_swar_load (p + 8) | dc_swar_load (p + 16) |
                                 dc_swar_load (p + 24)) & DC_SWAR_HIGHS))
        p += 32;
      while (end - p >= 8 && !(dc_swar_load (p) & DC_SWAR_HIGHS))
        p += 8;
      while (p < end && !((guchar) *p & 0x80))
        p++;
      if (p >= end)
        break;
      for (q = p; q < end && ((guchar) *q & 0x80); q++)
        ;
      if (!g_utf8_validate (p, q - p, NULL))
        return FALSE;
      *multibyte_first = TRUE;
      p = q;
    }
  return TRUE;
}

static char
detect_separator (const char *data, gsize len)
{
  const char *p = data, *end = data + MIN (len, (gsize) 64 * 1024);
  guint counts[3] = { 0, 0, 0 };
  gboolean quoted = FALSE;
  guint lines = 0;

  for (; p < end && lines < 30; p++)
    {
      char c = *p;
      if (c == '"')
        quoted = !quoted;
      else if (quoted)
        continue;
      else if (c == ',')
        counts[0]++;
      else if (c == ';')
        counts[1]++;
      else if (c == '\t')
        counts[2]++;
      else if (c == '\n')
        lines++;
    }
  if (counts[1] > counts[0] && counts[1] >= counts[2])
    return ';';
  if (counts[2] > counts[0] && counts[2] > counts[1])
    return '\t';
  return ',';
}

static gboolean
looks_binary (const char *data, gsize len)
{
  return memchr (data, '\0', MIN (len, (gsize) 4096)) != NULL;
}

typedef struct
{
  guint cell;       /* a cell whose text was unquoted into scratch */
  guint offset;     /* where in scratch */
} CellFix;

/* The parse state of one thread: the row's cells and the text of quoted
 * cells that had to be unquoted. */
typedef struct
{
  const char *end;
  char        sep;
  guint64     sep_word;
  guint8      stop[256];
  DcCell     *cells;
  CellFix    *fixes;
  guint       cap;
  GString    *scratch;
  /* The UTF-8 check fused into the parse (see check_record): rows with
   * a cell that is not plain ASCII are validated before they are handed
   * on.  @stop_on_invalid: the second thread, which cannot decide. */
  gboolean    check_utf8;
  gboolean    may_be_gb18030;   /* no BOM, no encoding given */
  gboolean    stop_on_invalid;
  gboolean    multibyte_seen;
  gboolean   *needs_validation;
  const char *name;
  const char **encoding_used;
  char       *converted;        /* the rest of the text from GB18030 */
} Parser;

static void
parser_init (Parser *ps, const char *end, char sep)
{
  memset (ps, 0, sizeof *ps);
  ps->end = end;
  ps->sep = sep;
  ps->sep_word = DC_SWAR_BYTE (sep);
  memset (ps->stop, 0, sizeof ps->stop);
  ps->stop[(guchar) sep] = ps->stop['\n'] = ps->stop['\r'] = 1;
  ps->cap = 64;
  ps->cells = g_new (DcCell, ps->cap);
  ps->fixes = g_new (CellFix, ps->cap);
  ps->scratch = g_string_sized_new (256);
}

static void
parser_clear (Parser *ps)
{
  g_free (ps->converted);
  g_free (ps->cells);
  g_free (ps->fixes);
  g_string_free (ps->scratch, TRUE);
}

typedef enum
{
  PARSE_END,         /* the end of the text */
  PARSE_BOUNDARY,    /* at the first record that starts at or after @boundary */
  PARSE_MAX_ROWS,    /* @max_rows records were read */
  PARSE_STOPPED,     /* the row function returned FALSE */
  PARSE_CANCELLED,   /* *cancel was set */
  PARSE_NOT_UTF8,    /* *pos is a record that is not UTF-8, and nothing before it had
                      * a UTF-8 character: the text is GB18030 (or, in the second
                      * thread, the first thread must decide) */
  PARSE_FAILED,      /* @error is set */
} ParseResult;

/* The whole-file encoding decision, made record by record as the parse
 * goes (the text is read once instead of twice, which was a third of
 * the time of a big import).  It gives what scan_utf8() over the whole
 * file gives: a run of high bytes never crosses a record's end (a line
 * break), so the runs of the records are the runs of the file; until
 * the first record that is not UTF-8, every byte was ASCII or UTF-8.
 * Returns FALSE when the record must not be handed on. */
static gboolean
check_record (Parser *ps, const char *start, const char *end)
{
  gboolean multibyte;

  if (scan_utf8 (start, end - start, &multibyte))
    {
      ps->multibyte_seen |= multibyte;
      return TRUE;
    }
  if (ps->stop_on_invalid || (ps->may_be_gb18030 && !ps->multibyte_seen && !multibyte))
    return FALSE;
  /* UTF-8 text with bad bytes: read as UTF-8, and the importer refuses
   * the rows whose cells are not UTF-8 (from here on; the rows before
   * were all valid). */
  *ps->needs_validation = TRUE;
  ps->check_utf8 = FALSE;
  return TRUE;
}

/* Reads records from *pos (the start of a record) on, numbering them
 * from *row; *pos and *row follow. */
static ParseResult
parse_records (Parser *ps, const char **pos, guint *row, const char *boundary, guint max_rows,
               const gint *cancel, DcRowFunc func, gpointer user_data, GError **error)
{
  const char *p = *pos, *end = ps->end;
  const char sep = ps->sep;
  const guint64 sep_word = ps->sep_word;
  const guint8 *stop = ps->stop;
  GString *scratch = ps->scratch;
  guint n_cells, n_rows = 0;
  ParseResult result = PARSE_END;

  while (p < end)
    {
      DcCell *cells;
      guint n_fixes = 0;
      const char *record = p;
      gboolean all_plain = TRUE;

      if (boundary && p >= boundary)
        {
          result = PARSE_BOUNDARY;
          break;
        }
      if (n_rows == max_rows)
        {
          result = PARSE_MAX_ROWS;
          break;
        }
      if (cancel && (n_rows & 4095) == 0 && g_atomic_int_get (cancel))
        {
          result = PARSE_CANCELLED;
          break;
        }
      n_cells = 0;
      if (scratch->len)
        g_string_truncate (scratch, 0);

      for (;;)
        {
          DcCell *cell;

          if (G_UNLIKELY (n_cells == ps->cap))
            {
              ps->cap *= 2;
              ps->cells = g_renew (DcCell, ps->cells, ps->cap);
              ps->fixes = g_renew (CellFix, ps->fixes, ps->cap);
            }
          cell = &ps->cells[n_cells];
          cell->number = 0;

          if (G_UNLIKELY (p < end && *p == '"'))
            {
              /* Quoted: up to the closing quote, "" is one quote; any
               * text after the closing quote is kept (lenient). */
              const char *start = ++p;
              gboolean doubled = FALSE;

              while (p < end)
                {
                  const char *q = memchr (p, '"', end - p);
                  if (q == NULL)
                    {
                      p = end;
                      break;
                    }
                  if (q + 1 < end && q[1] == '"')
                    {
                      doubled = TRUE;
                      p = q + 2;
                      continue;
                    }
                  p = q;
                  break;
                }
              cell->plain = FALSE;
              if (!doubled && (p >= end || p + 1 >= end || p[1] == sep || p[1] == '\n' || p[1] == '\r'))
                {
                  cell->text = start;
                  cell->len = p - start;
                  if (p < end)
                    p++;
                }
              else
                {
                  const char *s;
                  guint offset = scratch->len;

                  for (s = start; s < p; s++)
                    {
                      g_string_append_c (scratch, *s);
                      if (*s == '"' && s + 1 < p && s[1] == '"')
                        s++;
                    }
                  if (p < end)
                    p++;
                  while (p < end && *p != sep && *p != '\n' && *p != '\r')
                    g_string_append_c (scratch, *p++);
                  cell->text = NULL;   /* set once the row is complete (scratch may move) */
                  cell->len = scratch->len - offset;
                  ps->fixes[n_fixes].cell = n_cells;
                  ps->fixes[n_fixes].offset = offset;
                  n_fixes++;
                }
            }
          else
            {
              const char *start = p;
              guint64 seen = 0;
              gboolean control = FALSE;

              /* Eight bytes a step to the separator or a line end: a
               * byte equal to the separator or below 14 (where \n and \r
               * are) stops the word loop; other control bytes go on. */
              for (;;)
                {
                  if (G_UNLIKELY (!dc_esheet_fast_paths))
                    {
                      while (p < end && !stop[(guchar) *p])
                        p++;
                      control = TRUE;   /* nothing known */
                      break;
                    }
                  while (end - p >= 8)
                    {
                      guint64 w = dc_swar_load (p);
                      guint64 m = dc_swar_eq (w, sep_word) |
                                  ((w - DC_SWAR_BYTE (14)) & ~w & DC_SWAR_HIGHS);
                      /* For cell->plain: the high bits of the cell's
                       * bytes (only those before the stop).  NUL is
                       * below 14, so it stops the loop like a control
                       * byte and marks the cell below. */
                      if (m)
                        {
                          seen |= w & ((m & -m) - 1);
                          p += dc_swar_first (m);
                          break;
                        }
                      seen |= w;
                      p += 8;
                    }
                  if (end - p < 8)
                    {
                      while (p < end && !stop[(guchar) *p])
                        {
                          control |= (guchar) *p < 14;
                          seen |= (guchar) *p++;
                        }
                      break;
                    }
                  if (G_LIKELY (stop[(guchar) *p]))
                    break;
                  control = TRUE;   /* a byte below 14 (NUL, tab...): let the importer look */
                  p++;
                }
              cell->text = start;
              cell->len = p - start;
              /* Unquoted, so no CR or LF inside; @seen covers it all. */
              cell->plain = !(seen & DC_SWAR_HIGHS) && !control;
            }
          cell->kind = cell->len == 0 ? DC_CELL_EMPTY : DC_CELL_TEXT;
          all_plain &= cell->plain;
          n_cells++;

          if (p < end && *p == sep)
            {
              p++;
              continue;
            }
          if (p < end && *p == '\r')
            p++;
          if (p < end && *p == '\n')
            p++;
          break;
        }

      if (G_UNLIKELY (!all_plain) && ps->check_utf8 && !check_record (ps, record, p))
        {
          *pos = record;
          return PARSE_NOT_UTF8;
        }
      cells = ps->cells;
      for (guint i = 0; i < n_fixes; i++)
        cells[ps->fixes[i].cell].text = scratch->str + ps->fixes[i].offset;

      n_rows++;
      if (!func (*row, cells, n_cells, user_data, error))
        {
          (*row)++;
          *pos = p;
          return PARSE_STOPPED;
        }
      (*row)++;
    }
  *pos = p;
  return result;
}

/* Two threads for a big file: the second reads the records from the
 * first line start after the middle while the first reads up to there.
 * That line start is a record start only if it is not inside a quoted
 * cell, which only the first thread can know: when it arrives exactly
 * there, the second thread's rows are used; when it steps over it (the
 * line break was inside quotes), they are thrown away and the first
 * thread reads on.  Either way the rows are those of one sequential
 * read. */
guint dc_esheet_csv_joined;
guint dc_esheet_csv_discarded;

gsize dc_esheet_csv_parallel_min = 4 * 1024 * 1024;
#define READY_MAX_ROWS 64

typedef struct
{
  Parser         parser;
  const char    *pos;
  guint          row;
  gint           cancel;
  const DcRowFork *fork;
  gpointer       forked;
  ParseResult    result;
  GError        *error;
} Second;

static gpointer
second_main (gpointer data)
{
  Second *sc = data;

  sc->result = parse_records (&sc->parser, &sc->pos, &sc->row, NULL, G_MAXUINT, &sc->cancel,
                              sc->fork->row_func, sc->forked, &sc->error);
  return NULL;
}

/* The first line start after the middle of [data, end), or NULL. */
static const char *
middle_line_start (const char *data, const char *end)
{
  const char *mid = data + (end - data) / 2;
  const char *nl = memchr (mid, '\n', end - mid);

  return nl && nl + 1 < end ? nl + 1 : NULL;
}

/* The text is GB18030 after all: its start up to *p was ASCII, which
 * GB18030 leaves as it is, so converting the rest is converting it all. */
static gboolean
switch_to_gb18030 (Parser *ps, const char **p, GError **error)
{
  g_autoptr(GError) local = NULL;
  gsize out_len = 0;
  char *converted = g_convert (*p, ps->end - *p, "UTF-8", "GB18030", NULL, &out_len, &local);

  if (converted == NULL)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_ENCODING,
                   _("%s is neither UTF-8 nor %s text (%s). Save it again as “CSV UTF-8” or give its encoding with --encoding."),
                   ps->name, "GB18030", local->message);
      return FALSE;
    }
  g_free (ps->converted);
  ps->converted = converted;
  ps->end = converted + out_len;
  *p = converted;
  ps->check_utf8 = FALSE;
  *ps->encoding_used = g_intern_string ("GB18030");
  return TRUE;
}

/* parse_records() that converts the rest when the text turns out to be
 * GB18030. */
static ParseResult
parse_on (Parser *ps, const char **p, guint *row, const char *boundary, guint max_rows,
          DcRowFunc func, gpointer user_data, GError **error)
{
  ParseResult r = parse_records (ps, p, row, boundary, max_rows, NULL, func, user_data, error);

  if (r != PARSE_NOT_UTF8)
    return r;
  if (!switch_to_gb18030 (ps, p, error))
    return PARSE_FAILED;
  return parse_records (ps, p, row, NULL, max_rows, NULL, func, user_data, error);
}

static gboolean
parse_result_ok (ParseResult r, GError **error)
{
  if (r == PARSE_FAILED)
    return FALSE;
  return r != PARSE_STOPPED || error == NULL || *error == NULL;
}

static gboolean
parse_all (Parser *ps, const char *data, const DcRowFork *fork,
           DcRowFunc func, gpointer user_data, GError **error)
{
  const char *p = data, *split = NULL;
  guint row = 1;
  ParseResult r;
  Second *sc;
  GThread *thread;

  if (fork && dc_esheet_fast_paths && (gsize) (ps->end - data) >= dc_esheet_csv_parallel_min)
    split = middle_line_start (data, ps->end);
  if (split)
    {
      /* Header first: the second thread needs to know the columns. */
      for (guint i = 0; i < READY_MAX_ROWS && p < split && !fork->ready (user_data); i++)
        {
          r = parse_records (ps, &p, &row, NULL, 1, NULL, func, user_data, error);
          if (r == PARSE_STOPPED)
            return parse_result_ok (r, error);
          if (r == PARSE_NOT_UTF8)
            {
              if (!switch_to_gb18030 (ps, &p, error))
                return FALSE;
              split = NULL;
              break;
            }
        }
      if (split && (p >= split || !fork->ready (user_data)))
        split = NULL;
    }
  if (split == NULL)
    return parse_result_ok (parse_on (ps, &p, &row, NULL, G_MAXUINT, func, user_data, error), error);

  sc = g_new0 (Second, 1);
  parser_init (&sc->parser, ps->end, ps->sep);
  sc->parser.check_utf8 = ps->check_utf8;
  sc->parser.stop_on_invalid = TRUE;
  sc->pos = split;
  sc->row = 1;
  sc->fork = fork;
  sc->forked = fork->fork (user_data, ps->end - split);
  thread = g_thread_new ("dc-esheet-csv", second_main, sc);

  r = parse_records (ps, &p, &row, split, G_MAXUINT, NULL, func, user_data, error);
  if (r == PARSE_BOUNDARY && p == split)
    {
      g_thread_join (thread);
      if (sc->result == PARSE_STOPPED && sc->error)
        {
          g_propagate_error (error, g_steal_pointer (&sc->error));
          fork->discard (user_data, sc->forked);
          r = PARSE_FAILED;
        }
      else if (sc->result == PARSE_NOT_UTF8)
        {
          /* only the first thread can decide what that means */
          fork->discard (user_data, sc->forked);
          dc_esheet_csv_discarded++;
          r = parse_on (ps, &p, &row, NULL, G_MAXUINT, func, user_data, error);
        }
      else
        {
          fork->join (user_data, sc->forked, row - 1);
          r = PARSE_END;
          dc_esheet_csv_joined++;
        }
    }
  else
    {
      g_atomic_int_set (&sc->cancel, 1);
      g_thread_join (thread);
      g_clear_error (&sc->error);
      fork->discard (user_data, sc->forked);
      dc_esheet_csv_discarded++;
      if (r == PARSE_NOT_UTF8)
        r = switch_to_gb18030 (ps, &p, error) ? PARSE_BOUNDARY : PARSE_FAILED;
      if (r == PARSE_BOUNDARY)
        r = parse_on (ps, &p, &row, NULL, G_MAXUINT, func, user_data, error);
    }
  parser_clear (&sc->parser);
  g_free (sc);
  return parse_result_ok (r, error);
}

gboolean
dc_esheet_read_csv (const char *name, const char *data, gsize len, const char *encoding,
                    DcRowFunc func, gpointer user_data, const DcRowFork *fork,
                    const char **encoding_used, gboolean *needs_validation,
                    GError **error)
{
  g_autofree char *converted = NULL;
  Parser ps;
  gboolean ok, fused = FALSE, may_be_gb18030 = FALSE;

  *needs_validation = FALSE;
  if (len >= 2 && (((guchar) data[0] == 0xFF && (guchar) data[1] == 0xFE) ||
                   ((guchar) data[0] == 0xFE && (guchar) data[1] == 0xFF)))
    {
      const char *from = (guchar) data[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
      gsize out_len = 0;
      converted = g_convert (data + 2, len - 2, "UTF-8", from, NULL, &out_len, NULL);
      if (converted == NULL)
        {
          g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_ENCODING,
                       _("%s starts like a UTF-16 text but cannot be decoded. Save it again as “CSV UTF-8”."),
                       name);
          return FALSE;
        }
      data = converted;
      len = out_len;
      *encoding_used = "UTF-16";
    }
  else if (looks_binary (data, len))
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is not a CSV, XLSX or XLS file. Export the e-sheet from Excel as .xlsx or .csv."),
                   name);
      return FALSE;
    }
  else if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      gboolean multibyte;
      data += 3;
      len -= 3;
      *encoding_used = "UTF-8 (BOM)";
      /* invalid bytes after a BOM: mixed encodings, the rows say so */
      if (dc_esheet_fast_paths)
        fused = TRUE;   /* checked as the rows are read */
      else
        *needs_validation = !scan_utf8 (data, len, &multibyte);
    }
  else
    {
      const char *enc = encoding;
      gboolean valid = FALSE, multibyte = FALSE;

      if (enc == NULL && dc_esheet_fast_paths)
        {
          /* decided as the rows are read (check_record) */
          fused = may_be_gb18030 = valid = TRUE;
          enc = "UTF-8";
        }
      else if (enc == NULL)
        {
          /* ASCII and then GBK: GBK.  UTF-8 characters and then invalid
           * bytes: a file of mixed encodings, read as UTF-8 so that only
           * the bad rows are refused (decoding it as GB18030 would turn
           * its UTF-8 text into other Chinese characters, silently). */
          valid = scan_utf8 (data, len, &multibyte);
          enc = valid || multibyte ? "UTF-8" : "GB18030";
        }
      if (g_ascii_strcasecmp (enc, "UTF-8") == 0 || g_ascii_strcasecmp (enc, "UTF8") == 0)
        {
          *encoding_used = "UTF-8";
          *needs_validation = encoding != NULL || !valid;
        }
      else
        {
          g_autoptr(GError) local = NULL;
          gsize out_len = 0;

          /* GB18030 is a superset of GBK and GB2312. */
          if (g_ascii_strcasecmp (enc, "GBK") == 0 || g_ascii_strcasecmp (enc, "GB2312") == 0)
            enc = "GB18030";
          converted = g_convert (data, len, "UTF-8", enc, NULL, &out_len, &local);
          if (converted == NULL)
            {
              g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_ENCODING,
                           _("%s is neither UTF-8 nor %s text (%s). Save it again as “CSV UTF-8” or give its encoding with --encoding."),
                           name, enc, local->message);
              return FALSE;
            }
          data = converted;
          len = out_len;
          *encoding_used = g_intern_string (enc);
        }
    }

  parser_init (&ps, data + len, detect_separator (data, len));
  ps.check_utf8 = fused;
  ps.may_be_gb18030 = may_be_gb18030;
  ps.needs_validation = needs_validation;
  ps.name = name;
  ps.encoding_used = encoding_used;
  ok = parse_all (&ps, data, fork, func, user_data, error);
  parser_clear (&ps);
  return ok;
}
