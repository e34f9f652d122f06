/* dc-esheet-xlsx.c: the first (or a chosen) worksheet of an XLSX, read
 * with libzip and a streaming GMarkup parser fed in chunks straight from
 * zip_fread(): a 100 MB sheet never sits in memory as a DOM. */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "esheet/dc-esheet-private.h"

#define CHUNK 65536
#define MAX_COLUMNS 16384       /* XFD, Excel's last column */

static inline const char *
local_name (const char *name)
{
  /* "x:row" from some writers; plain "row" is the common case. */
  for (const char *p = name; *p; p++)
    if (*p == ':')
      return local_name (p + 1);
  return name;
}

/* Cheap element-name tests for the per-cell callbacks. */
static inline gboolean
is_name (const char *el, const char *want)
{
  return el[0] == want[0] && strcmp (el, want) == 0;
}

/* @name is @want (one letter), with or without a namespace prefix. */
static inline gboolean
attr_is (const char *name, char want)
{
  if (name[0] == want && name[1] == '\0')
    return TRUE;
  name = local_name (name);
  return name[0] == want && name[1] == '\0';
}

/* Digits only, up to 9 of them: the common case of strtoull. */
static inline gboolean
small_uint (const char *s, guint *out)
{
  guint v = 0, i;
  for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
    {
      if (i == 9)
        return FALSE;
      v = v * 10 + (s[i] - '0');
    }
  if (i == 0 || s[i] != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

/* A decimal such as "45964.5869097222" or "-12" with at most 15 digits:
 * the digits are an exact double, so is 10^k, and one IEEE division
 * rounds correctly, which is what strtod returns too.  FALSE: use
 * g_ascii_strtod(). */
static inline gboolean
simple_decimal (const char *s, gsize len, double *out)
{
  static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                  1e11, 1e12, 1e13, 1e14, 1e15 };
  const char *p = s, *end = s + len;
  gint64 m = 0;
  guint digits = 0, frac = 0;
  gboolean neg = FALSE, dot = FALSE;

  if (p < end && *p == '-')
    {
      neg = TRUE;
      p++;
    }
  for (; p < end; p++)
    {
      if (*p >= '0' && *p <= '9')
        {
          /* past 15 digits: not exact, and m would overflow (fuzz-esheet-xlsx) */
          if (++digits > 15)
            return FALSE;
          m = m * 10 + (*p - '0');
          frac += dot;
        }
      else if (*p == '.' && !dot)
        dot = TRUE;
      else
        return FALSE;
    }
  if (digits == 0 || (dot && frac == 0))
    return FALSE;
  *out = (neg ? -(double) m : (double) m) / pow10[frac];
  return TRUE;
}

static const char *
attr (const char **names, const char **values, const char *want)
{
  for (guint i = 0; names[i]; i++)
    if (strcmp (local_name (names[i]), want) == 0)
      return values[i];
  return NULL;
}

/* ---- blanking attributes nobody reads -------------------------------------
 *
 * GMarkup's cost is per attribute (each name and value becomes a
 * GString), and LibreOffice writes seven attributes on every <row> and a
 * style on every <c>; we read only r (and t on cells).  Before a chunk
 * goes to GMarkup, the other attributes of <row> and <c> are overwritten
 * with spaces in place: the same length, so the line and character of
 * any XML error stay those of the file.  Only attributes whose names and
 * values GMarkup would accept anyway (ASCII name, printable ASCII value
 * without '&' or '<') are blanked, and only in tags that parse completely,
 * so a broken file is reported exactly as before.  Comments and CDATA
 * pass untouched. */

enum { TRIM_MARKUP, TRIM_COMMENT, TRIM_CDATA, TRIM_PI };

/* Writers repeat the same attributes on every row and every cell of a
 * column: what follows the r="..." of the last few tags, and what it
 * became, so a repeat is one compare and one copy. */
#define TRIM_CACHE 4
#define TRIM_CACHE_LEN 256

typedef struct
{
  guint len;                       /* 0 = empty */
  guint n_r;                       /* r attributes in the tail */
  char  before[TRIM_CACHE_LEN];
  char  after[TRIM_CACHE_LEN];
} TrimTail;

typedef struct
{
  int      mode;
  TrimTail tails[2][TRIM_CACHE];   /* [is_cell][slot] */
  guint    next[2];
  /* following rows and columns (see r_is_implied) */
  gboolean track;
  guint    last_row;
  int      next_col;
} AttrTrim;

#define TRIM_MAX_TAG 4096
#define TRIM_BAD ((char *) 1)

static inline gboolean
xml_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline gboolean
xml_ascii_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == ':' || c == '-' || c == '.';
}

/* @s is just after "<row" or "<c".  Returns the end of the tag after
 * blanking, NULL when the tag does not end before @end, TRIM_BAD when it
 * is not a tag we dare touch (left as it is). */
static char *
blank_tag_attributes (char *s, char *end, gboolean is_cell, guint *n_r)
{
  struct { char *start; gsize len; } blank[24];
  guint n_blank = 0;

  *n_r = 0;

  for (;;)
    {
      char *name, *value, *close;
      const char *local;
      gsize name_len;
      gboolean ok;

      if (s < end && !xml_space (*s) && *s != '>' && *s != '/')
        return TRIM_BAD;   /* GMarkup wants a space between attributes */
      while (s < end && xml_space (*s))
        s++;
      if (s >= end)
        return NULL;
      if (*s == '>' || *s == '/')
        {
          if (*s == '/' && (s + 1 >= end || s[1] != '>'))
            return s + 1 >= end ? NULL : TRIM_BAD;
          for (guint i = 0; i < n_blank; i++)
            memset (blank[i].start, ' ', blank[i].len);
          return s + (*s == '/' ? 2 : 1);
        }
      name = s;
      if (!g_ascii_isalpha (*s) && *s != '_')
        return TRIM_BAD;
      while (s < end && xml_ascii_name_char (*s))
        s++;
      if (s >= end)
        return NULL;
      name_len = s - name;
      while (s < end && xml_space (*s))
        s++;
      if (s >= end)
        return NULL;
      if (*s != '=')
        return TRIM_BAD;
      s++;
      while (s < end && xml_space (*s))
        s++;
      if (s >= end)
        return NULL;
      if (*s != '"' && *s != '\'')
        return TRIM_BAD;
      value = s + 1;
      close = memchr (value, *s, end - value);
      if (close == NULL)
        return NULL;
      ok = TRUE;
      for (const char *v = value; v < close; v++)
        {
          if (*v == '<')
            return TRIM_BAD;
          ok &= *v >= 0x20 && *v < 0x7F && *v != '&';
        }
      s = close + 1;
      /* the local name, as attr() matches it */
      local = name;
      for (const char *c = name; c < name + name_len; c++)
        if (*c == ':')
          local = c + 1;
      if (name + name_len - local == 1 && (*local == 'r' || (is_cell && *local == 't')))
        {
          ok = FALSE;   /* read by sheet_start */
          *n_r += *local == 'r';
        }
      if (ok)
        {
          if (n_blank == G_N_ELEMENTS (blank))
            return TRIM_BAD;
          blank[n_blank].start = name;
          blank[n_blank].len = s - name;
          n_blank++;
        }
    }
}

/* The r attribute of a <row> or <c> that says what its position says
 * anyway (row = the previous row + 1, column = the one after the
 * previous cell) is blanked too: sheet_start() then computes the same
 * number.  For that the trimmer follows rows and columns exactly as
 * sheet_start() does, and gives up for the rest of the sheet (keeps every
 * r) at anything it cannot follow: a prefixed <x:row>/<x:c>, a DOCTYPE, a
 * tag it leaves alone, an r that is not the first attribute or not plain
 * digits. */
static gboolean
r_is_implied (AttrTrim *st, const char *v, gsize len, gboolean plain, gboolean is_cell)
{
  if (is_cell)
    {
      /* as sheet_start(): 1 to 3 leading letters make the column */
      guint i = 0;
      int col = 0;

      while (i < len && i < 7 && g_ascii_isalpha (v[i]))
        {
          if (i < 3)
            col = col * 26 + (g_ascii_toupper (v[i]) - 'A' + 1);
          i++;
        }
      col = (i >= 1 && i <= 3) ? col - 1 : st->next_col;
      if (col == st->next_col && plain)
        {
          st->next_col = col + 1;
          return TRUE;
        }
      st->next_col = col + 1;
      return FALSE;
    }
  else
    {
      guint n = 0;

      st->next_col = 0;
      if (len == 0 || len > 9)
        {
          st->track = FALSE;
          return FALSE;
        }
      for (gsize k = 0; k < len; k++)
        {
          if (v[k] < '0' || v[k] > '9')
            {
              st->track = FALSE;
              return FALSE;
            }
          n = n * 10 + (v[k] - '0');
        }
      if (n == 0)
        {
          st->track = FALSE;
          return FALSE;
        }
      if (n == st->last_row + 1)
        {
          st->last_row = n;
          return TRUE;
        }
      st->last_row = n;
      return FALSE;
    }
}

/* blank_tag_attributes() with the cache of tails: @s is after the tag
 * name.  The tail starts after a leading r="..." (whose value changes from
 * row to row); the same bytes always blank the same way. */
static char *
trim_tag (AttrTrim *st, char *s, char *end, gboolean is_cell)
{
  char *tail = s, *after = NULL, *r_value = NULL;
  TrimTail *t;
  guint n_r = 0;
  gboolean r_plain = TRUE;

  if (end - s >= 4 && s[0] == ' ' && s[1] == 'r' && s[2] == '=' && (s[3] == '"' || s[3] == '\''))
    {
      /* the value, up to 32 bytes; plain: printable ASCII without & */
      const char *v = s + 4, *v_end = MIN (end, s + 4 + 32);
      for (; v < v_end && *v != s[3]; v++)
        r_plain &= *v >= 0x20 && *v < 0x7F && *v != '&';
      if (v < v_end)
        {
          tail = (char *) v + 1;
          r_value = s + 4;
        }
    }
  for (guint i = 0; i < TRIM_CACHE; i++)
    {
      t = &st->tails[is_cell][i];
      if (t->len && (gsize) (end - tail) >= t->len && tail[0] == t->before[0] &&
          tail[t->len - 1] == t->before[t->len - 1] && memcmp (tail, t->before, t->len) == 0)
        {
          memcpy (tail, t->after, t->len);
          after = tail + t->len;
          n_r = t->n_r;
          break;
        }
    }
  if (after == NULL)
    {
      /* A miss: remember the tail as it was, scan, and keep both when the
       * tag ended within what was remembered.  (A '<' in the r value would
       * have made the scan leave the tag alone, but it is an XML error at
       * the same place either way.) */
      t = &st->tails[is_cell][st->next[is_cell]];
      t->len = 0;
      memcpy (t->before, tail, MIN (end - tail, TRIM_CACHE_LEN));
      after = blank_tag_attributes (s, end, is_cell, &n_r);
      if (after == NULL)
        return NULL;   /* comes again with more bytes: nothing followed yet */
      if (r_value != NULL)
        n_r--;   /* the leading one */
      if (after == TRIM_BAD)
        {
          st->track = FALSE;
          return TRIM_BAD;
        }
      if (after > tail && after - tail <= TRIM_CACHE_LEN)
        {
          t->len = after - tail;
          t->n_r = n_r;
          memcpy (t->after, tail, t->len);
          st->next[is_cell] = (st->next[is_cell] + 1) % TRIM_CACHE;
        }
    }
  if (r_value == NULL || n_r > 0)
    st->track = FALSE;   /* which r counts is not ours to follow */
  else if (st->track && r_is_implied (st, r_value, tail - 1 - r_value, r_plain, is_cell))
    memset (s + 1, ' ', tail - (s + 1));
  return after;
}

/* Blanks what it can in @buf and returns how many bytes may be parsed now;
 * the rest (a tag cut by the chunk end) comes again with the next chunk. */
static gsize
trim_attributes (AttrTrim *st, char *buf, gsize len, gboolean at_eof)
{
  char *p = buf, *end = buf + len;

  while (p < end)
    {
      char *q, *after;
      gsize avail;

      if (st->mode != TRIM_MARKUP)
        {
          /* the end of a comment, CDATA or processing instruction */
          char c = st->mode == TRIM_COMMENT ? '-' : st->mode == TRIM_CDATA ? ']' : '?';
          guint n = st->mode == TRIM_PI ? 1 : 2;
          for (q = memchr (p, '>', end - p); q; q = memchr (q + 1, '>', end - q - 1))
            if ((guint) (q - p) >= n && q[-1] == c && (n == 1 || q[-2] == c))
              break;
          if (q == NULL)
            return at_eof || end - p <= 2 ? len : (gsize) (end - 2 - buf);
          st->mode = TRIM_MARKUP;
          p = q + 1;
          continue;
        }
      q = memchr (p, '<', end - p);
      if (q == NULL)
        return len;
      p = q;
      avail = end - p;
      if (avail < 10 && !at_eof)
        return p - buf;
      if (avail >= 2 && p[1] == '/')
        {
          p += 2;   /* an end tag: nothing to follow */
          continue;
        }
      if (avail >= 4 && memcmp (p, "<!--", 4) == 0)
        {
          st->mode = TRIM_COMMENT;
          p += 4;
          continue;
        }
      if (avail >= 9 && memcmp (p, "<![CDATA[", 9) == 0)
        {
          st->mode = TRIM_CDATA;
          p += 9;
          continue;
        }
      if (avail >= 2 && p[1] == '?')
        {
          st->mode = TRIM_PI;
          p += 2;
          continue;
        }
      if (avail >= 5 && memcmp (p, "<row", 4) == 0 && xml_space (p[4]))
        after = trim_tag (st, p + 4, end, FALSE);
      else if (avail >= 3 && p[1] == 'c' && xml_space (p[2]))
        after = trim_tag (st, p + 2, end, TRUE);
      else
        {
          /* Any other tag: only follow what sheet_start() would see. */
          if (avail >= 2 && p[1] == '!')
            st->track = FALSE;   /* a DOCTYPE: not followed */
          else if (st->track && avail >= 3 && p[1] == 'v' && p[2] == '>')
            ;   /* <v>, the most common tag */
          else if (st->track && avail >= 2)
            {
              const char *n = p + 1, *local = n;
              while (n < end && xml_ascii_name_char (*n))
                {
                  if (*n == ':')
                    local = n + 1;
                  n++;
                }
              if (n >= end && !at_eof && avail < TRIM_MAX_TAG)
                return p - buf;
              if (n - local == 3 && memcmp (local, "row", 3) == 0)
                {
                  if (local != p + 1)
                    st->track = FALSE;
                  else
                    {
                      /* <row> or <row/> without attributes */
                      st->last_row++;
                      st->next_col = 0;
                    }
                }
              else if (n - local == 1 && *local == 'c')
                {
                  if (local != p + 1)
                    st->track = FALSE;
                  else
                    st->next_col++;
                }
            }
          after = TRIM_BAD;
        }
      if (after == NULL && !at_eof && avail < TRIM_MAX_TAG)
        return p - buf;
      if (after == NULL)
        st->track = FALSE;
      p = (after == NULL || after == TRIM_BAD) ? p + 1 : after;
    }
  return len;
}

char *
dc_esheet_xlsx_trim (const char *xml, gsize len, gsize chunk)
{
  AttrTrim *trimmer = g_new0 (AttrTrim, 1);
  GString *out = g_string_new (NULL);
  char *buf = g_malloc (chunk + TRIM_MAX_TAG);
  gsize have = 0, pos = 0;

  g_assert (chunk > 0 && chunk <= CHUNK);
  trimmer->mode = TRIM_MARKUP;
  trimmer->track = TRUE;
  for (;;)
    {
      gsize n = MIN (chunk, len - pos), total, ready;

      memcpy (buf + have, xml + pos, n);
      pos += n;
      total = have + n;
      ready = trim_attributes (trimmer, buf, total, n == 0);
      g_string_append_len (out, buf, ready);
      have = total - ready;
      memmove (buf, buf + ready, have);
      if (n == 0)
        break;
    }
  g_free (buf);
  g_free (trimmer);
  return g_string_free (out, FALSE);
}

/* Some writers store part names with backslashes ("xl\workbook.xml"). */
static zip_int64_t
locate (zip_t *zip, const char *entry)
{
  zip_int64_t index = zip_name_locate (zip, entry, ZIP_FL_NOCASE);
  zip_int64_t n;

  if (index >= 0)
    return index;
  n = zip_get_num_entries (zip, 0);
  for (zip_int64_t i = 0; i < n; i++)
    {
      const char *name = zip_get_name (zip, i, 0);
      gsize k;
      if (name == NULL)
        continue;
      for (k = 0; name[k] && entry[k]; k++)
        {
          char a = name[k] == '\\' ? '/' : g_ascii_tolower (name[k]);
          if (a != g_ascii_tolower (entry[k]))
            break;
        }
      if (name[k] == '\0' && entry[k] == '\0')
        return i;
    }
  return -1;
}

static gboolean
stream_entry (zip_t *zip, const char *entry, const char *name, const GMarkupParser *parser,
              gpointer user_data, gboolean required, gboolean trim, GError **error)
{
  g_autoptr(GMarkupParseContext) ctx = NULL;
  g_autofree char *buf = NULL;
  zip_int64_t index = locate (zip, entry);
  zip_file_t *zf;
  zip_int64_t n;
  gboolean ok = TRUE;
  AttrTrim trimmer = { .mode = TRIM_MARKUP, .track = TRUE };
  gsize have = 0;
  gboolean first = TRUE;

  if (index < 0)
    {
      if (!required)
        return TRUE;
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is not a valid XLSX file: it has no %s. Open it in Excel and save it again."),
                   name, entry);
      return FALSE;
    }
  zf = zip_fopen_index (zip, index, 0);
  if (zf == NULL)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is damaged: cannot open %s in it (%s)."), name, entry,
                   zip_strerror (zip));
      return FALSE;
    }
  /* CDATA is text (some generators wrap every string in it). */
  ctx = g_markup_parse_context_new (parser, G_MARKUP_PREFIX_ERROR_POSITION |
                                    G_MARKUP_TREAT_CDATA_AS_TEXT, user_data, NULL);
  /* Room for a chunk after what a cut tag left over (< TRIM_MAX_TAG). */
  buf = g_malloc (CHUNK + TRIM_MAX_TAG);
  for (;;)
    {
      gsize total, ready;

      n = zip_fread (zf, buf + have, CHUNK);
      if (n < 0)
        break;
      total = have + n;
      if (first && total >= 3 && memcmp (buf, "\xEF\xBB\xBF", 3) == 0)
        {
          /* A UTF-8 byte-order mark (.NET / Open XML SDK writers): GMarkup
           * refuses it before the first element. */
          memmove (buf, buf + 3, total - 3);
          total -= 3;
        }
      if (total >= 3 || n == 0)
        first = FALSE;
      ready = trim && dc_esheet_fast_paths ? trim_attributes (&trimmer, buf, total, n == 0) : total;
      if (ready > 0 && !g_markup_parse_context_parse (ctx, buf, ready, error))
        {
          ok = FALSE;
          break;
        }
      have = total - ready;
      memmove (buf, buf + ready, have);
      if (n == 0)
        break;
    }
  if (ok && n < 0)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is damaged: %s cannot be decompressed (%s)."), name, entry,
                   zip_file_strerror (zf));
      ok = FALSE;
    }
  if (ok && !g_markup_parse_context_end_parse (ctx, error))
    ok = FALSE;
  zip_fclose (zf);
  if (!ok && *error && (*error)->domain != DC_ESHEET_ERROR)
    {
      /* A markup error, or our own stop (G_MARKUP_ERROR_INVALID_CONTENT is
       * never used to stop: see row_end). */
      g_autofree char *msg = g_strdup ((*error)->message);
      g_clear_error (error);
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is damaged: %s is not valid XML (%s)."), name, entry, msg);
    }
  return ok;
}

/* ---- workbook.xml and its rels ---------------------------------------- */

#define NS_MAIN        "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_MAIN_STRICT "http://purl.oclc.org/ooxml/spreadsheetml/main"

typedef struct
{
  char *prefix;             /* "" for the default namespace */
  char *uri;
  guint depth;              /* the element that declared it */
} NsDecl;

typedef struct
{
  GPtrArray *sheet_ids;     /* r:id of each <sheet>, in order */
  GPtrArray *sheet_names;
  gboolean   date1904;
  GHashTable *rels;         /* Id -> Target */
  GHashTable *rel_types;    /* Id -> Type */
  char      *shared_target;
  char      *office_document;   /* from _rels/.rels */
  GArray    *ns;            /* NsDecl, innermost last */
  guint      depth;
} Workbook;

static void
ns_decl_clear (gpointer p)
{
  NsDecl *d = p;
  g_free (d->prefix);
  g_free (d->uri);
}

/* The namespace URI of @element's prefix, or NULL when undeclared. */
static const char *
ns_lookup (Workbook *wb, const char *element)
{
  const char *colon = strchr (element, ':');
  gsize plen = colon ? (gsize) (colon - element) : 0;

  for (guint i = wb->ns->len; i-- > 0;)
    {
      NsDecl *d = &g_array_index (wb->ns, NsDecl, i);
      if (strlen (d->prefix) == plen && strncmp (d->prefix, element, plen) == 0)
        return d->uri;
    }
  return NULL;
}

/* Excel 2013 and later write <x15:workbookPr> in an extension further
 * down: matching local names alone let it reset date1904.  Only elements
 * of the SpreadsheetML main namespace (transitional or strict) count. */
static gboolean
in_main_ns (Workbook *wb, const char *element)
{
  const char *uri = ns_lookup (wb, element);
  return uri && (strcmp (uri, NS_MAIN) == 0 || strcmp (uri, NS_MAIN_STRICT) == 0);
}

static void
workbook_start (GMarkupParseContext *ctx, const char *element, const char **names,
                const char **values, gpointer user_data, GError **error)
{
  Workbook *wb = user_data;
  const char *el = local_name (element);

  wb->depth++;
  for (guint i = 0; names[i]; i++)
    if (strcmp (names[i], "xmlns") == 0 || g_str_has_prefix (names[i], "xmlns:"))
      {
        NsDecl d = { g_strdup (names[i][5] ? names[i] + 6 : ""), g_strdup (values[i]), wb->depth };
        g_array_append_val (wb->ns, d);
      }

  if (strcmp (el, "sheet") == 0 && in_main_ns (wb, element))
    {
      const char *id = attr (names, values, "id");
      const char *nm = attr (names, values, "name");
      g_ptr_array_add (wb->sheet_ids, g_strdup (id ? id : ""));
      g_ptr_array_add (wb->sheet_names, g_strdup (nm ? nm : ""));
    }
  else if (strcmp (el, "workbookPr") == 0 && in_main_ns (wb, element))
    {
      const char *v = attr (names, values, "date1904");
      wb->date1904 = v && (strcmp (v, "1") == 0 || strcmp (v, "true") == 0);
    }
  else if (strcmp (el, "Relationship") == 0)
    {
      const char *id = attr (names, values, "Id");
      const char *target = attr (names, values, "Target");
      const char *type = attr (names, values, "Type");
      if (id && target)
        g_hash_table_replace (wb->rels, g_strdup (id), g_strdup (target));
      if (id && type)
        g_hash_table_replace (wb->rel_types, g_strdup (id), g_strdup (type));
      if (target && type && g_str_has_suffix (type, "/sharedStrings"))
        {
          g_free (wb->shared_target);
          wb->shared_target = g_strdup (target);
        }
      if (target && type && g_str_has_suffix (type, "/officeDocument") &&
          wb->office_document == NULL)
        wb->office_document = g_strdup (target);
    }
}

static void
workbook_end (GMarkupParseContext *ctx, const char *element, gpointer user_data, GError **error)
{
  Workbook *wb = user_data;

  while (wb->ns->len > 0 && g_array_index (wb->ns, NsDecl, wb->ns->len - 1).depth == wb->depth)
    g_array_set_size (wb->ns, wb->ns->len - 1);
  wb->depth--;
}

/* A part name from a relationship @target, relative to the folder of the
 * part @base ("xl/workbook.xml" -> "xl/"), or absolute with a leading /.
 * ".." steps up; the result never leaves the package. */
static char *
resolve_target (const char *base, const char *target)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) steps = NULL;
  GString *out;

  if (target[0] != '/' && base)
    {
      const char *slash = strrchr (base, '/');
      if (slash)
        {
          g_auto(GStrv) dirs = g_strsplit (base, "/", -1);
          for (guint i = 0; dirs[i] && dirs[i + 1]; i++)
            if (dirs[i][0])
              g_ptr_array_add (parts, g_strdup (dirs[i]));
        }
    }
  steps = g_strsplit (target, "/", -1);
  for (guint i = 0; steps[i]; i++)
    {
      if (steps[i][0] == '\0' || strcmp (steps[i], ".") == 0)
        continue;
      if (strcmp (steps[i], "..") == 0)
        {
          if (parts->len > 0)
            g_ptr_array_remove_index (parts, parts->len - 1);
          continue;
        }
      g_ptr_array_add (parts, g_strdup (steps[i]));
    }
  out = g_string_new (NULL);
  for (guint i = 0; i < parts->len; i++)
    {
      if (i)
        g_string_append_c (out, '/');
      g_string_append (out, g_ptr_array_index (parts, i));
    }
  return g_string_free (out, FALSE);
}

/* "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels" */
static char *
rels_of (const char *part)
{
  const char *slash = strrchr (part, '/');
  if (slash == NULL)
    return g_strconcat ("_rels/", part, ".rels", NULL);
  return g_strdup_printf ("%.*s/_rels/%s.rels", (int) (slash - part), part, slash + 1);
}

/* ---- shared strings ------------------------------------------------------ */

typedef struct
{
  GStringChunk *chunk;
  GPtrArray    *strings;    /* const char* into chunk */
  GArray       *lens;       /* guint32 per string */
  GString      *current;
  gboolean      in_si, in_t;
  int           phonetic;   /* inside <rPh>: the reading, not the text */
} Shared;

static void
shared_start (GMarkupParseContext *ctx, const char *element, const char **names,
              const char **values, gpointer user_data, GError **error)
{
  Shared *sh = user_data;
  const char *el = local_name (element);

  if (strcmp (el, "si") == 0)
    {
      sh->in_si = TRUE;
      g_string_truncate (sh->current, 0);
    }
  else if (strcmp (el, "rPh") == 0)
    sh->phonetic++;
  else if (strcmp (el, "t") == 0 && sh->in_si && sh->phonetic == 0)
    sh->in_t = TRUE;
}

static void
shared_end (GMarkupParseContext *ctx, const char *element, gpointer user_data, GError **error)
{
  Shared *sh = user_data;
  const char *el = local_name (element);

  if (strcmp (el, "si") == 0)
    {
      guint32 len = sh->current->len;
      g_ptr_array_add (sh->strings, g_string_chunk_insert_len (sh->chunk, sh->current->str,
                                                               sh->current->len));
      /* what strlen() would say: a NUL (&#0; is not XML, but) ends it */
      len = strlen (g_ptr_array_index (sh->strings, sh->strings->len - 1));
      g_array_append_val (sh->lens, len);
      sh->in_si = FALSE;
    }
  else if (strcmp (el, "rPh") == 0)
    sh->phonetic--;
  else if (strcmp (el, "t") == 0)
    sh->in_t = FALSE;
}

static void
shared_text (GMarkupParseContext *ctx, const char *text, gsize len, gpointer user_data,
             GError **error)
{
  Shared *sh = user_data;
  if (sh->in_t)
    g_string_append_len (sh->current, text, len);
}

/* ---- the sheet ------------------------------------------------------------ */

enum { CELL_NUMBER, CELL_SHARED, CELL_STRING, CELL_BOOL, CELL_INLINE };

static int
cell_type (const char *t)
{
  if (t == NULL || (t[0] == 'n' && t[1] == '\0'))
    return CELL_NUMBER;
  if (t[0] == 's' && t[1] == '\0')
    return CELL_SHARED;
  if (t[0] == 'b' && t[1] == '\0')
    return CELL_BOOL;
  if (strcmp (t, "inlineStr") == 0)
    return CELL_INLINE;
  return CELL_STRING;   /* str, d (ISO date), e (error) */
}

typedef struct
{
  const char *name;
  Shared     *shared;
  DcRowFunc   func;
  gpointer    user_data;
  DcCell     *cells;        /* text set when the row ends (text may move) */
  guint      *offsets;      /* per cell: offset in text, or NO_OFFSET when
                             * cells[].text points to a shared string */
  guint       n_cells;
  guint       cap_cells;
  GString    *text;         /* the row's cell texts */
  GString    *value;        /* the current <v> */
  GString    *inline_text;  /* the current <is><t>...</t></is> */
  guint       row;          /* 1-based */
  int         col;          /* 0-based, current cell */
  int         next_col;
  int         type;         /* CELL_* */
  gboolean    in_row, in_cell, in_value, in_is_t;
  int         phonetic;
  int         ext;          /* inside <extLst>: extensions, not cells */
  gboolean    stopped;      /* the callback asked to stop */
  GError     *stop_error;
} Sheet;

static void
sheet_start (GMarkupParseContext *ctx, const char *element, const char **names,
             const char **values, gpointer user_data, GError **error)
{
  Sheet *sh = user_data;
  const char *el = local_name (element);

  if (G_UNLIKELY (el[0] == 'e' && is_name (el, "extLst")))
    sh->ext++;
  if (G_UNLIKELY (sh->ext > 0))
    return;
  if (is_name (el, "row"))
    {
      const char *r = NULL;
      guint64 n = 0;
      guint small;

      for (guint i = 0; names[i]; i++)
        if (dc_esheet_fast_paths ? attr_is (names[i], 'r') : strcmp (local_name (names[i]), "r") == 0)
          {
            r = values[i];
            break;
          }
      if (r && dc_esheet_fast_paths && small_uint (r, &small))
        n = small;
      else if (r)
        n = g_ascii_strtoull (r, NULL, 10);
      sh->row = (n > 0 && n < G_MAXUINT) ? (guint) n : sh->row + 1;
      sh->in_row = TRUE;
      sh->next_col = 0;
      sh->n_cells = 0;
      g_string_truncate (sh->text, 0);
    }
  else if (is_name (el, "c"))
    {
      const char *r = NULL, *t = NULL;
      int col = sh->next_col;

      /* the first r and the first t, as attr() would find them */
      for (guint i = 0; names[i] && dc_esheet_fast_paths; i++)
        {
          if (r == NULL && attr_is (names[i], 'r'))
            r = values[i];
          else if (t == NULL && attr_is (names[i], 't'))
            t = values[i];
        }
      if (!dc_esheet_fast_paths)
        {
          r = attr (names, values, "r");
          t = attr (names, values, "t");
        }
      if (r && !dc_esheet_fast_paths)
        {
          char letters[8];
          guint i = 0;
          while (g_ascii_isalpha (r[i]) && i < sizeof letters - 1)
            {
              letters[i] = r[i];
              i++;
            }
          letters[i] = '\0';
          col = i > 0 ? dc_esheet_column_from_letters (letters) : -1;
          if (col < 0)
            col = sh->next_col;
        }
      else if (r)
        {
          /* As dc_esheet_column_from_letters() on the leading letters
           * (at most 7 looked at): 1 to 3 letters make a column. */
          guint i = 0;
          int letters_col = 0;
          while (i < 7 && g_ascii_isalpha (r[i]))
            {
              if (i < 3)
                letters_col = letters_col * 26 + (g_ascii_toupper (r[i]) - 'A' + 1);
              i++;
            }
          if (i >= 1 && i <= 3)
            col = letters_col - 1;
        }
      if (col >= MAX_COLUMNS)
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                       "cell %s is beyond column XFD", r);
          return;
        }
      sh->col = col;
      sh->next_col = col + 1;
      sh->type = cell_type (t);
      sh->in_cell = TRUE;
      g_string_truncate (sh->value, 0);
      g_string_truncate (sh->inline_text, 0);
    }
  else if (sh->in_cell && is_name (el, "v"))
    sh->in_value = TRUE;
  else if (sh->in_cell && is_name (el, "rPh"))
    sh->phonetic++;
  else if (sh->in_cell && is_name (el, "t") && sh->phonetic == 0)
    sh->in_is_t = TRUE;
}

#define NO_OFFSET G_MAXUINT

static void
sheet_add_cell (Sheet *sh, const DcCell *cell, guint offset)
{
  if (sh->n_cells == sh->cap_cells)
    {
      sh->cap_cells = MAX (16, sh->cap_cells * 2);
      sh->cells = g_renew (DcCell, sh->cells, sh->cap_cells);
      sh->offsets = g_renew (guint, sh->offsets, sh->cap_cells);
    }
  sh->cells[sh->n_cells] = *cell;
  sh->offsets[sh->n_cells] = offset;
  sh->n_cells++;
}

static void
sheet_put_cell (Sheet *sh)
{
  DcCell cell = { NULL, 0, DC_CELL_EMPTY, 0 };
  const char *v = sh->value->str;
  guint offset = sh->text->len;
  const char *text = NULL;
  gsize len = 0;

  /* An inline string is its <is> text, whatever <v> a writer added
   * (both glued together was wrong); a cell with only <is> is text too. */
  if (sh->type == CELL_INLINE || (sh->value->len == 0 && sh->inline_text->len > 0))
    {
      text = sh->inline_text->str;
      len = sh->inline_text->len;
      cell.kind = DC_CELL_TEXT;
      if (len == 0 && sh->value->len > 0)
        {
          text = v;
          len = sh->value->len;
        }
    }
  else if (sh->type == CELL_SHARED)
    {
      guint64 idx;
      guint small;
      char *endp;

      if (dc_esheet_fast_paths && small_uint (v, &small))
        {
          idx = small;
          endp = (char *) v + 1;
        }
      else
        idx = g_ascii_strtoull (v, &endp, 10);
      if (endp != v && idx < sh->shared->strings->len)
        {
          text = g_ptr_array_index (sh->shared->strings, idx);
          len = g_array_index (sh->shared->lens, guint32, idx);
          cell.kind = DC_CELL_TEXT;
          /* the shared string stays put: no copy */
          cell.text = text;
          offset = NO_OFFSET;
        }
    }
  else if (sh->type == CELL_STRING)
    {
      text = v;
      len = sh->value->len;
      cell.kind = DC_CELL_TEXT;
    }
  else if (sh->type == CELL_BOOL)
    {
      text = v;
      len = sh->value->len;
      cell.kind = DC_CELL_BOOL;
      cell.number = g_ascii_strtod (v, NULL);
    }
  else if (sh->value->len > 0)
    {
      char *endp;
      text = v;
      len = sh->value->len;
      if (dc_esheet_fast_paths && simple_decimal (v, len, &cell.number))
        cell.kind = DC_CELL_NUMBER;
      else
        {
          cell.number = g_ascii_strtod (v, &endp);
          cell.kind = endp != v ? DC_CELL_NUMBER : DC_CELL_TEXT;
        }
    }
  if (len == 0)
    cell.kind = DC_CELL_EMPTY;

  if (offset != NO_OFFSET)
    g_string_append_len (sh->text, text ? text : "", len);
  if (len == 0)
    {
      cell.text = NULL;   /* as before: "" at the row's text */
      offset = sh->text->len;
    }
  cell.len = len;
  while ((int) sh->n_cells < sh->col)
    {
      DcCell empty = { NULL, 0, DC_CELL_EMPTY, 0 };
      sheet_add_cell (sh, &empty, sh->text->len);
    }
  if ((int) sh->n_cells == sh->col)
    sheet_add_cell (sh, &cell, offset);
  else
    {
      /* A cell given twice, or out of order: the later one wins. */
      sh->cells[sh->col] = cell;
      sh->offsets[sh->col] = offset;
    }
}

static void
sheet_end (GMarkupParseContext *ctx, const char *element, gpointer user_data, GError **error)
{
  Sheet *sh = user_data;
  const char *el = local_name (element);

  if (G_UNLIKELY (sh->ext > 0))
    {
      if (is_name (el, "extLst"))
        sh->ext--;
      return;
    }
  if (is_name (el, "row") && sh->in_row)
    {
      sh->in_row = FALSE;
      for (guint i = 0; i < sh->n_cells; i++)
        if (sh->offsets[i] != NO_OFFSET)
          sh->cells[i].text = sh->text->str + sh->offsets[i];
      if (!sh->func (sh->row, sh->cells, sh->n_cells, sh->user_data,
                     &sh->stop_error))
        {
          /* Stop the parser; the caller tells our stop from bad XML. */
          sh->stopped = TRUE;
          g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "stopped");
        }
    }
  else if (is_name (el, "c") && sh->in_cell)
    {
      sh->in_cell = FALSE;
      if (sh->in_row)
        sheet_put_cell (sh);
    }
  else if (is_name (el, "v"))
    sh->in_value = FALSE;
  else if (is_name (el, "rPh"))
    sh->phonetic--;
  else if (is_name (el, "t"))
    sh->in_is_t = FALSE;
}

static void
sheet_text (GMarkupParseContext *ctx, const char *text, gsize len, gpointer user_data,
            GError **error)
{
  Sheet *sh = user_data;
  if (sh->in_value)
    g_string_append_len (sh->value, text, len);
  else if (sh->in_is_t)
    g_string_append_len (sh->inline_text, text, len);
}

/* A Numbers document saved as a bundle inside the zip
 * ("Name.numbers/Index.zip", as SheetJS's Attendance.numbers). */
static gboolean
iwork_bundle (zip_t *zip)
{
  zip_int64_t n = zip_get_num_entries (zip, 0);

  for (zip_int64_t i = 0; i < n && i < 4096; i++)
    {
      const char *entry = zip_get_name (zip, i, 0);
      if (entry && (g_str_has_suffix (entry, "/Index.zip") || g_str_has_suffix (entry, "/Index/Document.iwa")))
        return TRUE;
    }
  return FALSE;
}

/* Other zip-based spreadsheets, named as such rather than "damaged" or
 * "not a valid XLSX": an Excel binary workbook (.xlsb, its parts are not
 * XML), an OpenDocument spreadsheet, an Apple Numbers file.  FALSE with
 * @error set when @zip is one of them. */
static gboolean
other_zip_format (zip_t *zip, const char *name, const char *workbook_entry, GError **error)
{
  zip_int64_t index;

  if (g_str_has_suffix (workbook_entry, ".bin") || locate (zip, "xl/workbook.bin") >= 0)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is an Excel binary workbook (.xlsb), which Dockclip does not read. Save it in Excel as “Excel Workbook (.xlsx)”."),
                   name);
      return FALSE;
    }
  if (locate (zip, workbook_entry) >= 0)
    return TRUE;
  index = locate (zip, "mimetype");
  if (index >= 0)
    {
      char buf[64] = "";
      zip_file_t *zf = zip_fopen_index (zip, index, 0);
      if (zf)
        {
          zip_int64_t n = zip_fread (zf, buf, sizeof buf - 1);
          buf[MAX (n, 0)] = '\0';
          zip_fclose (zf);
        }
      if (g_str_has_prefix (buf, "application/vnd.oasis.opendocument"))
        {
          g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                       _("%s is an OpenDocument file (.ods), which Dockclip does not read. Save it as .xlsx (in LibreOffice: File ▸ Save As ▸ Excel 2007-365)."),
                       name);
          return FALSE;
        }
    }
  if (locate (zip, "Index/Document.iwa") >= 0 || iwork_bundle (zip))
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is an Apple Numbers, Pages or Keynote file, which Dockclip does not read. Export it from Numbers as Excel (.xlsx)."),
                   name);
      return FALSE;
    }
  return TRUE;
}

gboolean
dc_esheet_read_xlsx (const char *name, GBytes *bytes, int sheet,
                     DcRowFunc func, gpointer user_data,
                     gboolean *date1904, GError **error)
{
  static const GMarkupParser workbook_parser = { workbook_start, workbook_end, NULL, NULL, NULL };
  static const GMarkupParser shared_parser = { shared_start, shared_end, shared_text, NULL, NULL };
  static const GMarkupParser sheet_parser = { sheet_start, sheet_end, sheet_text, NULL, NULL };
  zip_error_t zerr;
  zip_source_t *src;
  zip_t *zip;
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  Workbook wb = { 0 };
  Shared shared = { 0 };
  Sheet sh = { 0 };
  g_autofree char *sheet_entry = NULL;
  g_autofree char *shared_entry = NULL;
  g_autofree char *workbook_entry = NULL;
  g_autofree char *workbook_rels = NULL;
  gboolean ok = FALSE;

  zip_error_init (&zerr);
  src = zip_source_buffer_create (data, len, 0, &zerr);
  if (src == NULL || (zip = zip_open_from_source (src, ZIP_RDONLY, &zerr)) == NULL)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_FORMAT,
                   _("%s is not a valid XLSX file (%s). Open it in Excel and save it again."),
                   name, zip_error_strerror (&zerr));
      if (src)
        zip_source_free (src);
      zip_error_fini (&zerr);
      return FALSE;
    }
  zip_error_fini (&zerr);

  wb.sheet_ids = g_ptr_array_new_with_free_func (g_free);
  wb.sheet_names = g_ptr_array_new_with_free_func (g_free);
  wb.rels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  wb.rel_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  wb.ns = g_array_new (FALSE, FALSE, sizeof (NsDecl));
  g_array_set_clear_func (wb.ns, ns_decl_clear);
  shared.chunk = g_string_chunk_new (64 * 1024);
  shared.strings = g_ptr_array_new ();
  shared.lens = g_array_new (FALSE, FALSE, sizeof (guint32));
  shared.current = g_string_new (NULL);

  /* The workbook part is the package's officeDocument, usually but not
   * always xl/workbook.xml. */
  {
    /* A damaged _rels/.rels costs only the search: xl/workbook.xml is
     * where every writer puts the workbook anyway. */
    g_autoptr(GError) rels_error = NULL;
    if (!stream_entry (zip, "_rels/.rels", name, &workbook_parser, &wb, FALSE, FALSE, &rels_error))
      g_debug ("%s", rels_error->message);
  }
  workbook_entry = resolve_target (NULL, wb.office_document ? wb.office_document
                                                             : "xl/workbook.xml");
  if (locate (zip, workbook_entry) < 0)
    {
      g_free (workbook_entry);
      workbook_entry = g_strdup ("xl/workbook.xml");
    }
  if (!other_zip_format (zip, name, workbook_entry, error))
    goto out;
  g_hash_table_remove_all (wb.rels);
  g_hash_table_remove_all (wb.rel_types);
  g_array_set_size (wb.ns, 0);
  wb.depth = 0;
  g_clear_pointer (&wb.shared_target, g_free);
  workbook_rels = rels_of (workbook_entry);
  if (!stream_entry (zip, workbook_entry, name, &workbook_parser, &wb, TRUE, FALSE, error) ||
      !stream_entry (zip, workbook_rels, name, &workbook_parser, &wb, FALSE, FALSE, error))
    goto out;
  *date1904 = wb.date1904;

  if (sheet < 0)
    {
      /* The first worksheet: a chart sheet (or dialog/macro sheet) placed
       * first holds no cells. */
      sheet = 0;
      for (guint i = 0; i < wb.sheet_ids->len; i++)
        {
          const char *type = g_hash_table_lookup (wb.rel_types, g_ptr_array_index (wb.sheet_ids, i));
          if (type == NULL || g_str_has_suffix (type, "/worksheet"))
            {
              sheet = i;
              break;
            }
        }
    }
  if ((guint) sheet >= MAX (wb.sheet_ids->len, 1))
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET,
                   _("%s has %u sheet(s); there is no sheet %d."), name,
                   wb.sheet_ids->len, sheet + 1);
      goto out;
    }
  if (sheet < (int) wb.sheet_ids->len)
    {
      const char *id = g_ptr_array_index (wb.sheet_ids, sheet);
      const char *target = g_hash_table_lookup (wb.rels, id);
      const char *type = g_hash_table_lookup (wb.rel_types, id);
      if (type && !g_str_has_suffix (type, "/worksheet"))
        {
          g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET,
                       _("Sheet %d of %s (“%s”) is a chart or macro sheet, not a table: choose another sheet."),
                       sheet + 1, name, (const char *) g_ptr_array_index (wb.sheet_names, sheet));
          goto out;
        }
      if (target)
        sheet_entry = resolve_target (workbook_entry, target);
    }
  if (sheet_entry == NULL)
    sheet_entry = g_strdup_printf ("xl/worksheets/sheet%d.xml", sheet + 1);
  shared_entry = resolve_target (workbook_entry, wb.shared_target ? wb.shared_target
                                                                  : "sharedStrings.xml");

  if (!stream_entry (zip, shared_entry, name, &shared_parser, &shared, FALSE, FALSE, error))
    goto out;

  sh.name = name;
  sh.shared = &shared;
  sh.func = func;
  sh.user_data = user_data;
  sh.text = g_string_sized_new (1024);
  sh.value = g_string_sized_new (64);
  sh.inline_text = g_string_sized_new (64);
  ok = stream_entry (zip, sheet_entry, name, &sheet_parser, &sh, TRUE, TRUE, error);
  if (sh.stopped)
    {
      g_clear_error (error);
      if (sh.stop_error)
        {
          g_propagate_error (error, sh.stop_error);
          sh.stop_error = NULL;
          ok = FALSE;
        }
      else
        ok = TRUE;
    }
  g_free (sh.cells);
  g_free (sh.offsets);
  g_string_free (sh.text, TRUE);
  g_string_free (sh.value, TRUE);
  g_string_free (sh.inline_text, TRUE);

out:
  zip_discard (zip);
  g_ptr_array_unref (wb.sheet_ids);
  g_ptr_array_unref (wb.sheet_names);
  g_hash_table_unref (wb.rels);
  g_hash_table_unref (wb.rel_types);
  g_array_unref (wb.ns);
  g_free (wb.shared_target);
  g_free (wb.office_document);
  g_string_chunk_free (shared.chunk);
  g_ptr_array_unref (shared.strings);
  g_array_unref (shared.lens);
  g_string_free (shared.current, TRUE);
  return ok;
}
