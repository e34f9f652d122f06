/* dc-esheet-import.c: from reader rows to model rows.  Finds the header
 * (not necessarily the first row), applies an explicit or remembered
 * column mapping, converts waybills, docks and times, and lists every
 * rejected row with its reason. */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <sys/mman.h>
#endif

#include "esheet/dc-esheet-private.h"

#define HEADER_SEARCH_ROWS 50
#define MAX_EXTRAS 4

enum { F_WAYBILL, F_DOCK, F_TIME, F_DATE, F_OPERATOR, F_SITE, N_FIELDS };

static const char *field_keys[N_FIELDS] = { "waybill", "dock", "time", "date", "operator", "site" };

/* Normalized (see dc_esheet_normalize_header), best first. */
static const char *const synonyms[N_FIELDS][16] = {
  [F_WAYBILL] = { "运单号", "快递单号", "运单编号", "面单号", "单号", "运单", "订单号",
                  "waybill", "waybillno", "waybillnumber", "trackingno", "trackingnumber",
                  "orderno", "ordernumber", "awb", NULL },
  [F_DOCK] = { "月台号", "月台", "道口号", "道口", "格口号", "格口", "装车口", "装卸口",
               "dock", "dockno", "gate", "door", NULL },
  [F_TIME] = { "扫描时间", "操作时间", "扫描日期时间", "时间", "scantime", "scandatetime",
               "operationtime", "datetime", "time", "timestamp", NULL },
  [F_DATE] = { "扫描日期", "操作日期", "日期", "scandate", "date", NULL },
  [F_OPERATOR] = { "操作员", "操作人", "扫描员", "扫描人", "员工", "operator", "scanner",
                   "user", NULL },
  [F_SITE] = { "网点", "站点", "场地", "分拨中心", "中心", "site", "station", "branch", "hub",
               NULL },
};

char *
dc_esheet_normalize_header (const char *text, gsize len)
{
  GString *out = g_string_sized_new (len);
  const char *p = text, *end = text + len;

  if (!g_utf8_validate (text, len, NULL))
    return g_string_free (out, FALSE);
  while (p < end)
    {
      gunichar c = g_utf8_get_char (p);
      p = g_utf8_next_char (p);
      if (c >= 0xFF01 && c <= 0xFF5E)   /* full-width ASCII */
        c -= 0xFEE0;
      if (c == 0x3000 || g_unichar_isspace (c) || (c < 128 && g_ascii_ispunct (c)) ||
          c == 0xFEFF || c == 0x3001 || c == 0x3002 || c == 0x3010 || c == 0x3011)
        continue;
      if (c < 128)
        g_string_append_c (out, g_ascii_tolower ((char) c));
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* 1000+ exact, 500+ contained, 0 none. */
static int
match_score (const char *norm, int field)
{
  int best = 0;
  for (int i = 0; synonyms[field][i]; i++)
    {
      const char *syn = synonyms[field][i];
      if (strcmp (norm, syn) == 0)
        return 1000 - i;
      if (best == 0 && g_utf8_strlen (syn, -1) >= 2 && strstr (norm, syn) != NULL &&
          strlen (norm) <= strlen (syn) + 12)
        best = 500 - i;
    }
  return best;
}

typedef struct
{
  DcEsheet                    *self;
  const char                  *name;
  const DcEsheetImportOptions *options;
  DcEsheetMapping             *mapping;       /* explicit or remembered; NULL = detect */
  gboolean                     mapping_is_remembered;
  GKeyFile                    *store;
  char                        *store_path;

  gboolean     found;
  gboolean     letters_only;
  guint        header_row;
  guint        rows_seen;
  int          col[N_FIELDS];
  char        *label[N_FIELDS];
  GPtrArray   *header;            /* original header texts (char*) */
  GPtrArray   *previous;          /* the last row before the data (letters-only mode) */
  guint        previous_row;
  GPtrArray   *extra_cols;        /* GINT_TO_POINTER */

  gboolean     date1904;
  gboolean     needs_validation;
  DcTimeCache *cache;
  const char  *time_format;
  GString     *waybill;       /* formatted numbers */
  GString     *dock;
  const char  *waybill_text;  /* the value to store: into the cell or into waybill */
  gsize        waybill_len;
  const char  *dock_text;
  gsize        dock_len;
  guint        n_good;
  /* the first rejected row, for the message when no row is usable */
  guint        first_row;
  int          first_field;
  char        *first_text;
} Import;

static char *
cell_dup (const DcCell *cell)
{
  if (cell->kind == DC_CELL_EMPTY || cell->text == NULL)
    return g_strdup ("");
  return g_strndup (cell->text, cell->len);
}

static char *
header_hash (GPtrArray *texts)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autofree char *sum = NULL;

  for (guint i = 0; i < texts->len; i++)
    {
      const char *t = g_ptr_array_index (texts, i);
      g_autofree char *norm = dc_esheet_normalize_header (t, strlen (t));
      g_string_append (joined, norm);
      g_string_append_c (joined, '\t');
    }
  while (joined->len > 0 && joined->str[joined->len - 1] == '\t')
    g_string_truncate (joined, joined->len - 1);
  if (joined->len == 0)
    return NULL;
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, joined->str, joined->len);
  return g_strdup_printf ("layout %.16s", sum);
}

static GPtrArray *
row_texts (const DcCell *cells, guint n)
{
  GPtrArray *texts = g_ptr_array_new_full (n, g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (texts, cell_dup (&cells[i]));
  return texts;
}

static const char *
field_spec (const DcEsheetMapping *m, int field)
{
  if (m == NULL)
    return NULL;
  switch (field)
    {
    case F_WAYBILL: return m->waybill;
    case F_DOCK: return m->dock;
    case F_TIME: return m->time;
    case F_DATE: return m->date;
    default: return NULL;
    }
}

/* Resolves a spec against a header row: an exact (normalized) header name
 * first, then a column letter.  -1 when neither. */
static int
resolve_spec (const char *spec, GPtrArray *texts, gboolean *by_name)
{
  g_autofree char *want = dc_esheet_normalize_header (spec, strlen (spec));
  *by_name = FALSE;
  if (texts && want[0])
    for (guint i = 0; i < texts->len; i++)
      {
        const char *t = g_ptr_array_index (texts, i);
        g_autofree char *norm = dc_esheet_normalize_header (t, strlen (t));
        if (strcmp (norm, want) == 0)
          {
            *by_name = TRUE;
            return i;
          }
      }
  return dc_esheet_column_from_letters (spec);
}

static gboolean
spec_is_letters (const char *spec)
{
  return spec && dc_esheet_column_from_letters (spec) >= 0;
}

static void
set_labels (Import *im, GPtrArray *texts)
{
  for (int f = 0; f < N_FIELDS; f++)
    {
      g_autofree char *letters = NULL;
      const char *head;

      g_clear_pointer (&im->label[f], g_free);
      if (im->col[f] < 0)
        continue;
      letters = dc_esheet_column_to_letters (im->col[f]);
      head = texts && (guint) im->col[f] < texts->len ? g_ptr_array_index (texts, im->col[f]) : "";
      im->label[f] = head[0] ? g_strdup_printf ("%s (%s)", head, letters) : g_strdup (letters);
    }
}

static void
find_extras (Import *im, GPtrArray *texts)
{
  g_ptr_array_set_size (im->extra_cols, 0);
  if (texts == NULL)
    return;
  for (guint i = 0; i < texts->len && im->extra_cols->len < MAX_EXTRAS; i++)
    {
      const char *t = g_ptr_array_index (texts, i);
      g_autofree char *norm = dc_esheet_normalize_header (t, strlen (t));
      gboolean used = FALSE;

      for (int f = 0; f < F_OPERATOR; f++)
        used |= im->col[f] == (int) i;
      if (!used && norm[0] && (match_score (norm, F_OPERATOR) || match_score (norm, F_SITE)))
        g_ptr_array_add (im->extra_cols, GINT_TO_POINTER (i));
    }
}

/* Synonym detection on one row; fills im->col for fields not already set. */
static gboolean
detect_auto (Import *im, GPtrArray *texts, const int *fixed)
{
  int best_col[N_FIELDS], best_score[N_FIELDS];
  g_autofree char **norms = g_new0 (char *, texts->len + 1);

  for (int f = 0; f < N_FIELDS; f++)
    {
      best_col[f] = fixed[f];
      best_score[f] = fixed[f] >= 0 ? G_MAXINT : 0;
    }
  for (guint i = 0; i < texts->len; i++)
    {
      const char *t = g_ptr_array_index (texts, i);
      norms[i] = dc_esheet_normalize_header (t, strlen (t));
    }
  /* Each column serves the field it matches best; each field takes its
   * best column. */
  for (guint i = 0; i < texts->len; i++)
    {
      int top_field = -1, top = 0;
      gboolean taken = FALSE;
      for (int f = 0; f < F_OPERATOR; f++)
        taken |= fixed[f] == (int) i;
      if (taken || norms[i][0] == '\0')
        continue;
      for (int f = 0; f < F_OPERATOR; f++)
        {
          int s = match_score (norms[i], f);
          if (s > top)
            {
              top = s;
              top_field = f;
            }
        }
      if (top_field >= 0 && fixed[top_field] < 0 && top > best_score[top_field])
        {
          best_score[top_field] = top;
          best_col[top_field] = i;
        }
    }
  for (guint i = 0; i < texts->len; i++)
    g_free (norms[i]);

  /* One date-and-time column called 日期 is the time column. */
  if (best_col[F_TIME] < 0 && best_col[F_DATE] >= 0)
    {
      best_col[F_TIME] = best_col[F_DATE];
      best_col[F_DATE] = -1;
    }
  if (best_col[F_WAYBILL] < 0 || best_col[F_DOCK] < 0 || best_col[F_TIME] < 0)
    return FALSE;
  for (int f = 0; f < F_OPERATOR; f++)
    im->col[f] = best_col[f];
  return TRUE;
}

/* Tries @texts as the header row.  Returns TRUE when it is one. */
static gboolean
try_header (Import *im, GPtrArray *texts, gboolean accept_letters)
{
  int fixed[N_FIELDS];
  const DcEsheetMapping *m = im->mapping;
  gboolean any_name = FALSE, all_given = TRUE;

  for (int f = 0; f < N_FIELDS; f++)
    fixed[f] = -1;
  if (m)
    for (int f = 0; f < F_OPERATOR; f++)
      {
        const char *spec = field_spec (m, f);
        gboolean by_name;
        if (spec == NULL || spec[0] == '\0')
          {
            if (f != F_DATE)
              all_given = FALSE;
            continue;
          }
        fixed[f] = resolve_spec (spec, texts, &by_name);
        if (!by_name && !spec_is_letters (spec))
          return FALSE;   /* a header name that is not in this row */
        any_name |= by_name;
      }
  if (m && all_given)
    {
      /* Letters only: the data finds the start (see on_row), unless this
       * row is known to be the header of a remembered layout. */
      if (!any_name && !accept_letters)
        return FALSE;
      for (int f = 0; f < F_OPERATOR; f++)
        im->col[f] = fixed[f];
      return TRUE;
    }
  return detect_auto (im, texts, fixed);
}

static void
reject (Import *im, guint row, int field, char *reason)
{
  if (im->first_text == NULL)
    {
      im->first_row = row;
      im->first_field = field;
      im->first_text = g_strdup (reason);
    }
  dc_esheet_add_reject (im->self, row, im->label[field] ? im->label[field] : "", reason);
}

static const DcCell empty_cell = { NULL, 0, DC_CELL_EMPTY, 0 };

static const DcCell *
get_cell (const DcCell *cells, guint n, int col)
{
  if (col < 0 || (guint) col >= n)
    return &empty_cell;
  return &cells[col];
}

/* ASCII blanks, and the lead bytes of U+3000 and a BOM (and 0x80, the
 * last byte of U+3000) */
static const guint8 maybe_space_table[256] = {
  [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, [0xE3] = 1, [0xEF] = 1, [0x80] = 1,
};

static inline gboolean
maybe_space (guchar c)
{
  return maybe_space_table[c];
}

static void trim_slow (const char **text, gsize *len);

static inline void
trim (const char **text, gsize *len)
{
  if (*len == 0 || (!maybe_space ((*text)[0]) && !maybe_space ((*text)[*len - 1])))
    return;
  trim_slow (text, len);
}

static void
trim_slow (const char **text, gsize *len)
{
  const char *s = *text, *e = *text + *len;

  for (;;)
    {
      if (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
      else if (e - s >= 3 && memcmp (s, "\xE3\x80\x80", 3) == 0)
        s += 3;
      else if (e - s >= 3 && memcmp (s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
      else
        break;
    }
  for (;;)
    {
      if (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
      else if (e - s >= 3 && memcmp (e - 3, "\xE3\x80\x80", 3) == 0)
        e -= 3;
      else
        break;
    }
  *text = s;
  *len = e - s;
}

static gboolean
looks_scientific (const char *t, gsize len)
{
  gsize i = 0;
  gboolean mantissa = FALSE;
  while (i < len && (g_ascii_isdigit (t[i]) || t[i] == '.'))
    {
      mantissa = TRUE;
      i++;
    }
  if (!mantissa || i >= len || (t[i] != 'E' && t[i] != 'e'))
    return FALSE;
  i++;
  if (i < len && (t[i] == '+' || t[i] == '-'))
    i++;
  if (i >= len)
    return FALSE;
  while (i < len && g_ascii_isdigit (t[i]))
    i++;
  return i == len;
}

/* One pass over a short value: line breaks, NULs, and whether it needs a
 * UTF-8 check at all (pure ASCII does not). */
static gboolean
check_text (Import *im, const char *t, gsize len, char **reason, gboolean is_dock)
{
  guchar any = 0;
  gboolean bad = len > 200;

  if (!bad && dc_esheet_fast_paths && dc_text_is_plain_ascii (t, len, FALSE))
    return TRUE;   /* the common case, a word at a time */
  for (gsize i = 0; i < len && !bad; i++)
    {
      guchar c = t[i];
      any |= c;
      bad = c == '\n' || c == '\r' || c == '\0';
    }
  if (bad)
    {
      *reason = g_strdup (is_dock ? _("the dock name is too long or spans several lines.")
                                  : _("the waybill number is too long or spans several lines."));
      return FALSE;
    }
  if ((any & 0x80) && im->needs_validation && !g_utf8_validate (t, len, NULL))
    {
      *reason = g_strdup (is_dock ? _("the dock is not valid UTF-8 text (mixed encodings?).")
                                  : _("the waybill is not valid UTF-8 text (mixed encodings?)."));
      return FALSE;
    }
  return TRUE;
}

/* The waybill as text, exactly; FALSE with *reason when unusable. */
static gboolean
convert_waybill (Import *im, const DcCell *cell, char **reason)
{
  const char *t = cell->text;
  gsize len = cell->len;

  if (cell->kind == DC_CELL_NUMBER)
    {
      double v = cell->number;
      if (!isfinite (v) || v < 0 || v != floor (v))
        {
          *reason = g_strdup_printf (_("“%.*s” is not a waybill number."), (int) MIN (len, 64), t ? t : "");
          return FALSE;
        }
      if (v >= 1e15)
        {
          *reason = g_strdup_printf (_("waybill %.17g has more than 15 digits and was stored as a number, so Excel already changed its last digits. Export the column as text."), v);
          return FALSE;
        }
      g_string_printf (im->waybill, "%.0f", v);
      im->waybill_text = im->waybill->str;
      im->waybill_len = im->waybill->len;
      return TRUE;
    }
  if (cell->kind == DC_CELL_BOOL)
    {
      *reason = g_strdup (_("a TRUE/FALSE value is not a waybill number."));
      return FALSE;
    }
  if (t)
    trim (&t, &len);
  /* ="0123" (the CSV trick that keeps leading zeros) and a leading ' */
  if (len >= 3 && t[0] == '=' && t[1] == '"' && t[len - 1] == '"')
    {
      t += 2;
      len -= 3;
    }
  else if (len >= 1 && t[0] == '\'')
    {
      t++;
      len--;
    }
  if (t)
    trim (&t, &len);
  if (len == 0)
    {
      *reason = g_strdup (_("the waybill number is empty."));
      return FALSE;
    }
  if (looks_scientific (t, len))
    {
      *reason = g_strdup_printf (_("waybill “%.*s” was turned into a rounded number by Excel; the real number is lost. Export the column as text."),
                                 (int) MIN (len, 64), t);
      return FALSE;
    }
  if (!(cell->plain && len <= 200) && !check_text (im, t, len, reason, FALSE))
    return FALSE;
  im->waybill_text = t;
  im->waybill_len = len;
  return TRUE;
}

static gboolean
convert_dock (Import *im, const DcCell *cell, char **reason)
{
  const char *t = cell->text;
  gsize len = cell->len;

  if (cell->kind == DC_CELL_NUMBER && isfinite (cell->number) && cell->number == floor (cell->number) &&
      fabs (cell->number) < 1e15)
    {
      g_string_printf (im->dock, "%.0f", cell->number);
      im->dock_text = im->dock->str;
      im->dock_len = im->dock->len;
      return TRUE;
    }
  if (cell->kind == DC_CELL_NUMBER && isfinite (cell->number))
    {
      /* As Excel shows it (15 significant digits): an XLSX may store the
       * dock 2.01 as 2.0099999999999998, an XLS stores only the double. */
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_assign (im->dock, g_ascii_formatd (buf, sizeof buf, "%.15g", cell->number));
      im->dock_text = im->dock->str;
      im->dock_len = im->dock->len;
      return TRUE;
    }
  if (t)
    trim (&t, &len);
  if (len == 0 || cell->kind == DC_CELL_EMPTY)
    {
      *reason = g_strdup (_("the dock is empty."));
      return FALSE;
    }
  if (!(cell->plain && len <= 200) && !check_text (im, t, len, reason, TRUE))
    return FALSE;
  im->dock_text = t;
  im->dock_len = len;
  return TRUE;
}

static DcTimeParsed
parse_cell_time (Import *im, const DcCell *cell, DcTimeParts *parts)
{
  memset (parts, 0, sizeof *parts);
  if (cell->kind == DC_CELL_NUMBER)
    return dc_time_parse_number (cell->number, im->date1904, parts);
  if (cell->kind == DC_CELL_TEXT && cell->text)
    return dc_time_parse_text (cell->text, cell->len, im->time_format, im->date1904, parts);
  return DC_TIME_PARSED_NONE;
}

static gboolean
convert_time (Import *im, const DcCell *tcell, const DcCell *dcell, gint64 *out_us, int *bad_field,
              char **reason)
{
  DcTimeParts parts, dparts;
  DcTimeParsed what;

  *bad_field = F_TIME;
  if (dc_esheet_fast_paths && tcell->kind == DC_CELL_TEXT && tcell->text &&
      (im->time_format == NULL || !*im->time_format) &&
      dc_time_parse_local_fast (im->cache, tcell->text, tcell->len, out_us))
    return TRUE;
  what = parse_cell_time (im, tcell, &parts);
  if (what == DC_TIME_PARSED_NONE)
    {
      if (tcell->kind == DC_CELL_EMPTY)
        *reason = g_strdup (_("the scan time is empty."));
      else
        *reason = g_strdup_printf (_("“%.*s” is not a scan time (expected e.g. 2025-11-03 14:05:09)."),
                                   (int) MIN (tcell->len, 64), tcell->text ? tcell->text : "");
      return FALSE;
    }
  if (!(what & DC_TIME_PARSED_INSTANT) && !(what & DC_TIME_PARSED_DATE) && im->col[F_DATE] >= 0)
    {
      DcTimeParsed dw = parse_cell_time (im, dcell, &dparts);
      if (!(dw & DC_TIME_PARSED_DATE))
        {
          *bad_field = F_DATE;
          *reason = g_strdup_printf (_("“%.*s” is not a date (expected e.g. 2025-11-03)."),
                                     (int) MIN (dcell->len, 64), dcell->text ? dcell->text : "");
          return FALSE;
        }
      parts.y = dparts.y;
      parts.mo = dparts.mo;
      parts.d = dparts.d;
      what |= DC_TIME_PARSED_DATE;
    }
  if (!(what & DC_TIME_PARSED_TIME))
    {
      *reason = g_strdup_printf (_("“%.*s” has a date but no time of day."),
                                 (int) MIN (tcell->len, 64), tcell->text ? tcell->text : "");
      return FALSE;
    }
  if (!(what & DC_TIME_PARSED_DATE) && !(what & DC_TIME_PARSED_INSTANT))
    {
      *reason = g_strdup_printf (_("“%.*s” has a time of day but no date, and there is no date column."),
                                 (int) MIN (tcell->len, 64), tcell->text ? tcell->text : "");
      return FALSE;
    }
  if (!dc_time_parts_to_us (im->cache, what, &parts, out_us))
    {
      *reason = g_strdup_printf (_("“%.*s” is not a valid date and time."),
                                 (int) MIN (tcell->len, 64), tcell->text ? tcell->text : "");
      return FALSE;
    }
  return TRUE;
}

static void
import_data_row (Import *im, guint row, const DcCell *cells, guint n)
{
  const DcCell *wc = get_cell (cells, n, im->col[F_WAYBILL]);
  const DcCell *dc = get_cell (cells, n, im->col[F_DOCK]);
  const DcCell *tc = get_cell (cells, n, im->col[F_TIME]);
  const DcCell *datec = get_cell (cells, n, im->col[F_DATE]);
  const char *extras[MAX_EXTRAS];
  gsize extra_lens[MAX_EXTRAS];
  char *reason = NULL;
  gint64 us;
  int bad_field;

  if (wc->kind == DC_CELL_EMPTY && dc->kind == DC_CELL_EMPTY && tc->kind == DC_CELL_EMPTY)
    return;   /* a blank row */
  if (!convert_waybill (im, wc, &reason))
    {
      reject (im, row, F_WAYBILL, reason);
      return;
    }
  if (!convert_dock (im, dc, &reason))
    {
      reject (im, row, F_DOCK, reason);
      return;
    }
  if (!convert_time (im, tc, datec, &us, &bad_field, &reason))
    {
      reject (im, row, bad_field, reason);
      return;
    }
  for (guint e = 0; e < im->extra_cols->len; e++)
    {
      const DcCell *c = get_cell (cells, n, GPOINTER_TO_INT (g_ptr_array_index (im->extra_cols, e)));
      const char *t = c->text ? c->text : "";
      gsize len = c->kind == DC_CELL_EMPTY ? 0 : c->len;
      trim (&t, &len);
      if (len > 200 || (im->needs_validation && !c->plain &&
                        !(dc_esheet_fast_paths && dc_text_is_plain_ascii (t, len, TRUE)) &&
                        !g_utf8_validate (t, len, NULL)))
        len = 0;
      extras[e] = t;
      extra_lens[e] = len;
    }
  dc_esheet_append_row (im->self, im->waybill_text, im->waybill_len, im->dock_text, im->dock_len,
                        us, row, extras, extra_lens);
  im->n_good++;
}

static void
header_found (Import *im, guint row, GPtrArray *texts)
{
  im->found = TRUE;
  im->header_row = row;
  if (texts)
    {
      g_clear_pointer (&im->header, g_ptr_array_unref);
      im->header = g_ptr_array_ref (texts);
    }
  set_labels (im, texts);
  find_extras (im, texts);
  if (im->extra_cols->len > 0)
    {
      g_auto(GStrv) names = g_new0 (char *, im->extra_cols->len + 1);
      for (guint e = 0; e < im->extra_cols->len; e++)
        names[e] = g_strdup (g_ptr_array_index (texts, GPOINTER_TO_INT (g_ptr_array_index (im->extra_cols, e))));
      dc_esheet_set_extra_names (im->self, names);
    }
}

static gboolean
load_remembered (Import *im, GPtrArray *texts)
{
  g_autofree char *group = NULL;
  DcEsheetMapping *m;

  if (im->store == NULL || im->options->mapping != NULL)
    return FALSE;
  group = header_hash (texts);
  if (group == NULL || !g_key_file_has_group (im->store, group))
    return FALSE;
  m = dc_esheet_mapping_new ();
  m->waybill = g_key_file_get_string (im->store, group, "waybill", NULL);
  m->dock = g_key_file_get_string (im->store, group, "dock", NULL);
  m->time = g_key_file_get_string (im->store, group, "time", NULL);
  m->date = g_key_file_get_string (im->store, group, "date", NULL);
  m->time_format = g_key_file_get_string (im->store, group, "time-format", NULL);
  dc_esheet_mapping_free (im->mapping);
  im->mapping = m;
  im->mapping_is_remembered = TRUE;
  im->time_format = m->time_format;
  if (try_header (im, texts, TRUE))
    return TRUE;
  /* Stale entry: back to detection. */
  g_clear_pointer (&im->mapping, dc_esheet_mapping_free);
  im->mapping_is_remembered = FALSE;
  im->time_format = NULL;
  for (int f = 0; f < N_FIELDS; f++)
    im->col[f] = -1;
  return FALSE;
}

static gboolean
on_row (guint row, const DcCell *cells, guint n, gpointer user_data, GError **error)
{
  Import *im = user_data;

  if (!im->found)
    {
      g_autoptr(GPtrArray) texts = NULL;

      if (im->rows_seen++ >= HEADER_SEARCH_ROWS)
        return FALSE;    /* no header: reported by the caller */
      texts = row_texts (cells, n);
      if (im->letters_only)
        {
          const DcCell *tc = get_cell (cells, n, im->col[F_TIME]);
          DcTimeParts parts;
          if (parse_cell_time (im, tc, &parts) != DC_TIME_PARSED_NONE)
            {
              header_found (im, im->previous ? im->previous_row : 0, im->previous);
              import_data_row (im, row, cells, n);
              return TRUE;
            }
          gboolean blank = TRUE;
          for (guint i = 0; i < texts->len; i++)
            blank &= ((char *) g_ptr_array_index (texts, i))[0] == '\0';
          if (!blank)
            {
              g_clear_pointer (&im->previous, g_ptr_array_unref);
              im->previous = g_ptr_array_ref (texts);
              im->previous_row = row;
            }
          return TRUE;
        }
      if (load_remembered (im, texts) || try_header (im, texts, FALSE))
        header_found (im, row, texts);
      return TRUE;
    }
  import_data_row (im, row, cells, n);
  return TRUE;
}

/* ---- the second thread of a big CSV (see DcRowFork) ---- */

static gboolean
fork_ready (gpointer user_data)
{
  Import *im = user_data;
  return im->found;
}

/* A consumer for the second part: the same columns and settings, its own
 * model, caches and buffers. */
static gpointer
fork_import (gpointer user_data, gsize bytes)
{
  Import *im = user_data;
  Import *b = g_new0 (Import, 1);

  *b = *im;
  b->self = dc_esheet_new ();
  dc_esheet_begin_import (b->self, im->name, bytes);
  if (im->extra_cols->len > 0)
    {
      g_auto(GStrv) names = g_new0 (char *, im->extra_cols->len + 1);
      for (guint e = 0; e < im->extra_cols->len; e++)
        names[e] = g_strdup (dc_esheet_get_extra_name (im->self, e));
      dc_esheet_set_extra_names (b->self, names);
    }
  b->cache = dc_time_cache_new ();
  b->waybill = g_string_sized_new (64);
  b->dock = g_string_sized_new (64);
  b->n_good = 0;
  b->first_text = NULL;
  /* label[], mapping, extra_cols, header: borrowed, read-only */
  return b;
}

static void
fork_free (Import *b)
{
  g_object_unref (b->self);
  dc_time_cache_free (b->cache);
  g_string_free (b->waybill, TRUE);
  g_string_free (b->dock, TRUE);
  g_free (b->first_text);
  g_free (b);
}

static void
fork_join (gpointer user_data, gpointer forked, guint row_offset)
{
  Import *im = user_data, *b = forked;

  dc_esheet_absorb (im->self, b->self, row_offset);
  im->n_good += b->n_good;
  if (im->first_text == NULL && b->first_text)
    {
      im->first_row = b->first_row + row_offset;
      im->first_field = b->first_field;
      im->first_text = g_steal_pointer (&b->first_text);
    }
  fork_free (b);
}

static void
fork_discard (gpointer user_data, gpointer forked)
{
  fork_free (forked);
}

static const DcRowFork import_fork = {
  fork_ready, fork_import, on_row, fork_join, fork_discard,
};

static void
remember_mapping (Import *im)
{
  g_autofree char *group = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;
  const DcEsheetMapping *m = im->options->mapping;
  gsize len;

  if (m == NULL || im->store_path == NULL || im->header == NULL)
    return;
  group = header_hash (im->header);
  if (group == NULL)
    return;
  if (im->store == NULL)
    im->store = g_key_file_new ();
  g_key_file_remove_group (im->store, group, NULL);
#define PUT(key, val) if (val) g_key_file_set_string (im->store, group, key, val)
  PUT ("waybill", m->waybill);
  PUT ("dock", m->dock);
  PUT ("time", m->time);
  PUT ("date", m->date);
  PUT ("time-format", m->time_format);
#undef PUT
  {
    g_autoptr(GString) hdr = g_string_new (NULL);
    for (guint i = 0; i < im->header->len; i++)
      g_string_append_printf (hdr, "%s%s", i ? "," : "", (char *) g_ptr_array_index (im->header, i));
    g_key_file_set_string (im->store, group, "header", hdr->str);
  }
  data = g_key_file_to_data (im->store, &len, NULL);
  dir = g_path_get_dirname (im->store_path);
  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents (im->store_path, data, len, &error))
    g_warning ("Cannot remember the column mapping in %s: %s", im->store_path,
               error ? error->message : g_strerror (errno));
}

static char *
no_header_message (const char *name)
{
  return g_strdup_printf (_("No header row found in the first %d rows of %s. The sheet needs a waybill column (运单号, 快递单号, waybill…), a dock column (月台, 道口, dock…) and a scan time column (扫描时间, 时间, scan time…). Name them with --waybill, --dock and --time (a header name or a column letter such as AB)."),
                          HEADER_SEARCH_ROWS, name);
}

static gboolean
import_internal (DcEsheet *self, const char *name, const char *path, GBytes *bytes,
                           const DcEsheetImportOptions *options, GError **error)
{
  DcEsheetImportOptions defaults;
  Import im = { 0 };
  g_autoptr(GHashTable) labels = NULL;
  DcEsheetFormat format = DC_ESHEET_FORMAT_AUTO;
  const char *encoding = NULL;
  gboolean ok;
  g_autoptr(GError) local = NULL;

  if (options == NULL)
    {
      dc_esheet_import_options_init (&defaults);
      options = &defaults;
    }
  im.self = self;
  im.name = name;
  im.options = options;
  im.mapping = options->mapping ? dc_esheet_mapping_copy (options->mapping) : NULL;
  im.time_format = im.mapping ? im.mapping->time_format : NULL;
  im.extra_cols = g_ptr_array_new ();
  im.cache = dc_time_cache_new ();
  im.waybill = g_string_sized_new (64);
  im.dock = g_string_sized_new (64);
  for (int f = 0; f < N_FIELDS; f++)
    im.col[f] = -1;

  if (options->mapping_store == NULL)
    im.store_path = g_build_filename (g_get_user_config_dir (), "dockclip", "mappings.ini", NULL);
  else if (options->mapping_store[0])
    im.store_path = g_strdup (options->mapping_store);
  if (im.store_path)
    {
      im.store = g_key_file_new ();
      if (!g_key_file_load_from_file (im.store, im.store_path, G_KEY_FILE_NONE, NULL))
        g_clear_pointer (&im.store, g_key_file_unref);
    }

  if (im.mapping)
    {
      gboolean letters = TRUE;
      for (int f = 0; f < F_OPERATOR; f++)
        {
          const char *spec = field_spec (im.mapping, f);
          if (f == F_DATE && spec == NULL)
            continue;
          letters &= spec_is_letters (spec);
        }
      if (letters)
        {
          im.letters_only = TRUE;
          for (int f = 0; f < F_OPERATOR; f++)
            {
              const char *spec = field_spec (im.mapping, f);
              im.col[f] = spec ? dc_esheet_column_from_letters (spec) : -1;
            }
        }
    }

  dc_esheet_begin_import (self, name, g_bytes_get_size (bytes));
  ok = dc_esheet_read_any (name, path, bytes, options, on_row, &im, &import_fork, &format, &encoding,
                           &im.needs_validation, &im.date1904, &local);
  if (!ok && g_error_matches (local, DC_ESHEET_ERROR, DC_ESHEET_ERROR_ENCODING))
    {
      /* Nothing of a text that cannot be decoded is kept: the CSV reader
       * may have read its ASCII start before it met the bytes that decide. */
      dc_esheet_begin_import (self, name, 0);
      im.found = FALSE;
      im.header_row = 0;
      encoding = NULL;
      for (int f = 0; f < N_FIELDS; f++)
        g_clear_pointer (&im.label[f], g_free);
    }
  if (ok && !im.found)
    {
      ok = FALSE;
      if (im.mapping && !im.letters_only && !im.mapping_is_remembered)
        g_set_error (&local, DC_ESHEET_ERROR, DC_ESHEET_ERROR_MAPPING,
                     _("The columns given (%s%s%s%s%s) are not all in a header row of %s."),
                     im.mapping->waybill ? im.mapping->waybill : "", im.mapping->dock ? ", " : "",
                     im.mapping->dock ? im.mapping->dock : "", im.mapping->time ? ", " : "",
                     im.mapping->time ? im.mapping->time : "", name);
      else if (im.letters_only)
        g_set_error (&local, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_ROWS,
                     _("No row of %s has a scan time in column %s."), name, im.mapping->time);
      else
        {
          g_autofree char *msg = no_header_message (name);
          g_set_error_literal (&local, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_HEADER, msg);
        }
    }
  if (ok && im.n_good == 0)
    {
      g_autofree char *first = NULL;

      if (im.first_text)
        first = g_strdup_printf (_("row %u, column %s: %s"), im.first_row,
                                 im.label[im.first_field] ? im.label[im.first_field] : "?",
                                 im.first_text);
      ok = FALSE;
      g_set_error (&local, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_ROWS,
                   _("%s has no usable row (header in row %u). %s"), name, im.header_row,
                   first ? first : _("There are no rows under the header."));
    }

  labels = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (int f = 0; f < N_FIELDS; f++)
    if (im.label[f])
      g_hash_table_insert (labels, (gpointer) field_keys[f], g_steal_pointer (&im.label[f]));
  if (im.mapping == NULL && im.found)
    {
      /* What detection chose, as header names: shown and reusable. */
      im.mapping = dc_esheet_mapping_new ();
      for (int f = 0; f < F_OPERATOR; f++)
        {
          char *letters = im.col[f] >= 0 ? dc_esheet_column_to_letters (im.col[f]) : NULL;
          switch (f)
            {
            case F_WAYBILL: im.mapping->waybill = letters; break;
            case F_DOCK: im.mapping->dock = letters; break;
            case F_TIME: im.mapping->time = letters; break;
            case F_DATE: im.mapping->date = letters; break;
            default: g_free (letters); break;
            }
        }
    }
  dc_esheet_set_import_info (self, format, encoding, im.header_row, labels, im.mapping);
  dc_esheet_end_import (self);
  if (ok && !im.mapping_is_remembered)
    remember_mapping (&im);

  dc_esheet_mapping_free (im.mapping);
  g_clear_pointer (&im.store, g_key_file_unref);
  g_free (im.store_path);
  g_clear_pointer (&im.header, g_ptr_array_unref);
  g_clear_pointer (&im.previous, g_ptr_array_unref);
  g_ptr_array_unref (im.extra_cols);
  dc_time_cache_free (im.cache);
  g_string_free (im.waybill, TRUE);
  g_string_free (im.dock, TRUE);
  g_free (im.first_text);
  for (int f = 0; f < N_FIELDS; f++)
    g_free (im.label[f]);

  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

gboolean
dc_esheet_import_file (DcEsheet *self, const char *path, const DcEsheetImportOptions *options,
                       GError **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (DC_IS_ESHEET (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_READ,
                   _("Cannot open the e-sheet %s: %s"), path, local->message);
      return FALSE;
    }
#if defined(G_OS_UNIX) && defined(MADV_POPULATE_READ)
  /* The whole file is read: map it in one call rather than a page fault
   * per 64 KiB (a tenth of the kernel time of a 40 MB CSV).  Nothing
   * happens where the kernel does not know the advice. */
  if (g_mapped_file_get_length (mapped) >= 1024 * 1024)
    madvise (g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped),
             MADV_POPULATE_READ);
#endif
  bytes = g_mapped_file_get_bytes (mapped);
  return import_internal (self, path, path, bytes, options, error);
}

void
dc_esheet_import_options_init (DcEsheetImportOptions *options)
{
  memset (options, 0, sizeof *options);
  options->format = DC_ESHEET_FORMAT_AUTO;
  options->sheet = -1;
}

DcEsheetMapping *
dc_esheet_mapping_new (void)
{
  return g_new0 (DcEsheetMapping, 1);
}

DcEsheetMapping *
dc_esheet_mapping_copy (const DcEsheetMapping *m)
{
  DcEsheetMapping *copy;
  if (m == NULL)
    return NULL;
  copy = dc_esheet_mapping_new ();
  copy->waybill = g_strdup (m->waybill);
  copy->dock = g_strdup (m->dock);
  copy->time = g_strdup (m->time);
  copy->date = g_strdup (m->date);
  copy->time_format = g_strdup (m->time_format);
  return copy;
}

void
dc_esheet_mapping_free (DcEsheetMapping *m)
{
  if (m == NULL)
    return;
  g_free (m->waybill);
  g_free (m->dock);
  g_free (m->time);
  g_free (m->date);
  g_free (m->time_format);
  g_free (m);
}

gboolean
dc_esheet_import_bytes (DcEsheet *self, const char *name, GBytes *bytes,
                        const DcEsheetImportOptions *options, GError **error)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), FALSE);
  g_return_val_if_fail (name != NULL && bytes != NULL, FALSE);
  return import_internal (self, name, NULL, bytes, options, error);
}
