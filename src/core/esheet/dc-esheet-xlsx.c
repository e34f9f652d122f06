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

static const char *
attr (const char **names, const char **values, const char *want)
{
  for (guint i = 0; names[i]; i++)
    if (strcmp (local_name (names[i]), want) == 0)
      return values[i];
  return NULL;
}

static gboolean
stream_entry (zip_t *zip, const char *entry, const char *name, const GMarkupParser *parser,
              gpointer user_data, gboolean required, GError **error)
{
  g_autoptr(GMarkupParseContext) ctx = NULL;
  g_autofree char *buf = NULL;
  zip_int64_t index = zip_name_locate (zip, entry, ZIP_FL_NOCASE);
  zip_file_t *zf;
  zip_int64_t n;
  gboolean ok = TRUE;

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
  ctx = g_markup_parse_context_new (parser, G_MARKUP_PREFIX_ERROR_POSITION, user_data, NULL);
  buf = g_malloc (CHUNK);
  while ((n = zip_fread (zf, buf, CHUNK)) > 0)
    if (!g_markup_parse_context_parse (ctx, buf, n, error))
      {
        ok = FALSE;
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

typedef struct
{
  GPtrArray *sheet_ids;     /* r:id of each <sheet>, in order */
  GPtrArray *sheet_names;
  gboolean   date1904;
  GHashTable *rels;         /* Id -> Target */
  char      *shared_target;
} Workbook;

static void
workbook_start (GMarkupParseContext *ctx, const char *element, const char **names,
                const char **values, gpointer user_data, GError **error)
{
  Workbook *wb = user_data;
  const char *el = local_name (element);

  if (strcmp (el, "sheet") == 0)
    {
      const char *id = attr (names, values, "id");
      const char *nm = attr (names, values, "name");
      g_ptr_array_add (wb->sheet_ids, g_strdup (id ? id : ""));
      g_ptr_array_add (wb->sheet_names, g_strdup (nm ? nm : ""));
    }
  else if (strcmp (el, "workbookPr") == 0)
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
      if (target && type && g_str_has_suffix (type, "/sharedStrings"))
        {
          g_free (wb->shared_target);
          wb->shared_target = g_strdup (target);
        }
    }
}

static char *
resolve_target (const char *target)
{
  if (target[0] == '/')
    return g_strdup (target + 1);
  if (g_str_has_prefix (target, "xl/"))
    return g_strdup (target);
  return g_strconcat ("xl/", target, NULL);
}

/* ---- shared strings ------------------------------------------------------ */

typedef struct
{
  GStringChunk *chunk;
  GPtrArray    *strings;    /* const char* into chunk */
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
      g_ptr_array_add (sh->strings, g_string_chunk_insert_len (sh->chunk, sh->current->str,
                                                               sh->current->len));
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

enum { CELL_NUMBER, CELL_SHARED, CELL_STRING, CELL_BOOL };

static int
cell_type (const char *t)
{
  if (t == NULL || strcmp (t, "n") == 0)
    return CELL_NUMBER;
  if (strcmp (t, "s") == 0)
    return CELL_SHARED;
  if (strcmp (t, "b") == 0)
    return CELL_BOOL;
  return CELL_STRING;   /* inlineStr, str, d (ISO date), e (error) */
}

typedef struct
{
  const char *name;
  Shared     *shared;
  DcRowFunc   func;
  gpointer    user_data;
  GArray     *cells;        /* DcCell, text == NULL until the row ends */
  GArray     *offsets;      /* guint per cell: offset in text */
  GString    *text;         /* the row's cell texts */
  GString    *value;        /* the current <v>/<t> */
  guint       row;          /* 1-based */
  int         col;          /* 0-based, current cell */
  int         next_col;
  int         type;         /* CELL_* */
  gboolean    in_row, in_cell, in_value, in_is_t;
  int         phonetic;
  gboolean    stopped;      /* the callback asked to stop */
  GError     *stop_error;
} Sheet;

static void
sheet_start (GMarkupParseContext *ctx, const char *element, const char **names,
             const char **values, gpointer user_data, GError **error)
{
  Sheet *sh = user_data;
  const char *el = local_name (element);

  if (is_name (el, "row"))
    {
      const char *r = attr (names, values, "r");
      guint64 n = r ? g_ascii_strtoull (r, NULL, 10) : 0;
      sh->row = (n > 0 && n < G_MAXUINT) ? (guint) n : sh->row + 1;
      sh->in_row = TRUE;
      sh->next_col = 0;
      g_array_set_size (sh->cells, 0);
      g_array_set_size (sh->offsets, 0);
      g_string_truncate (sh->text, 0);
    }
  else if (is_name (el, "c"))
    {
      const char *r = attr (names, values, "r");
      const char *t = attr (names, values, "t");
      int col = sh->next_col;

      if (r)
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
    }
  else if (sh->in_cell && is_name (el, "v"))
    sh->in_value = TRUE;
  else if (sh->in_cell && is_name (el, "rPh"))
    sh->phonetic++;
  else if (sh->in_cell && is_name (el, "t") && sh->phonetic == 0)
    sh->in_is_t = TRUE;
}

static void
sheet_put_cell (Sheet *sh)
{
  DcCell cell = { NULL, 0, DC_CELL_EMPTY, 0 };
  const char *v = sh->value->str;
  guint offset = sh->text->len;
  const char *text = NULL;
  gsize len = 0;

  if (sh->type == CELL_SHARED)
    {
      guint64 idx;
      char *endp;
      idx = g_ascii_strtoull (v, &endp, 10);
      if (endp != v && idx < sh->shared->strings->len)
        {
          text = g_ptr_array_index (sh->shared->strings, idx);
          len = strlen (text);
          cell.kind = DC_CELL_TEXT;
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
      cell.number = g_ascii_strtod (v, &endp);
      cell.kind = endp != v ? DC_CELL_NUMBER : DC_CELL_TEXT;
    }
  if (len == 0)
    cell.kind = DC_CELL_EMPTY;

  g_string_append_len (sh->text, text ? text : "", len);
  cell.len = len;
  while ((int) sh->cells->len < sh->col)
    {
      DcCell empty = { NULL, 0, DC_CELL_EMPTY, 0 };
      guint o = sh->text->len;
      g_array_append_val (sh->cells, empty);
      g_array_append_val (sh->offsets, o);
    }
  if ((int) sh->cells->len == sh->col)
    {
      g_array_append_val (sh->cells, cell);
      g_array_append_val (sh->offsets, offset);
    }
  else
    {
      /* A cell given twice, or out of order: the later one wins. */
      g_array_index (sh->cells, DcCell, sh->col) = cell;
      g_array_index (sh->offsets, guint, sh->col) = offset;
    }
}

static void
sheet_end (GMarkupParseContext *ctx, const char *element, gpointer user_data, GError **error)
{
  Sheet *sh = user_data;
  const char *el = local_name (element);

  if (is_name (el, "row") && sh->in_row)
    {
      sh->in_row = FALSE;
      for (guint i = 0; i < sh->cells->len; i++)
        g_array_index (sh->cells, DcCell, i).text = sh->text->str + g_array_index (sh->offsets, guint, i);
      if (!sh->func (sh->row, (const DcCell *) sh->cells->data, sh->cells->len, sh->user_data,
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
  if (sh->in_value || sh->in_is_t)
    g_string_append_len (sh->value, text, len);
}

gboolean
dc_esheet_read_xlsx (const char *name, GBytes *bytes, int sheet,
                     DcRowFunc func, gpointer user_data,
                     gboolean *date1904, GError **error)
{
  static const GMarkupParser workbook_parser = { workbook_start, NULL, NULL, NULL, NULL };
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
  shared.chunk = g_string_chunk_new (64 * 1024);
  shared.strings = g_ptr_array_new ();
  shared.current = g_string_new (NULL);

  if (!stream_entry (zip, "xl/workbook.xml", name, &workbook_parser, &wb, TRUE, error) ||
      !stream_entry (zip, "xl/_rels/workbook.xml.rels", name, &workbook_parser, &wb, FALSE, error))
    goto out;
  *date1904 = wb.date1904;

  if (sheet < 0)
    sheet = 0;
  if ((guint) sheet >= MAX (wb.sheet_ids->len, 1))
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_SHEET,
                   _("%s has %u sheet(s); there is no sheet %d."), name,
                   wb.sheet_ids->len, sheet + 1);
      goto out;
    }
  if (sheet < (int) wb.sheet_ids->len)
    {
      const char *target = g_hash_table_lookup (wb.rels, g_ptr_array_index (wb.sheet_ids, sheet));
      if (target)
        sheet_entry = resolve_target (target);
    }
  if (sheet_entry == NULL)
    sheet_entry = g_strdup_printf ("xl/worksheets/sheet%d.xml", sheet + 1);
  shared_entry = resolve_target (wb.shared_target ? wb.shared_target : "sharedStrings.xml");

  if (!stream_entry (zip, shared_entry, name, &shared_parser, &shared, FALSE, error))
    goto out;

  sh.name = name;
  sh.shared = &shared;
  sh.func = func;
  sh.user_data = user_data;
  sh.cells = g_array_new (FALSE, TRUE, sizeof (DcCell));
  sh.offsets = g_array_new (FALSE, TRUE, sizeof (guint));
  sh.text = g_string_sized_new (1024);
  sh.value = g_string_sized_new (64);
  ok = stream_entry (zip, sheet_entry, name, &sheet_parser, &sh, TRUE, error);
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
  g_array_unref (sh.cells);
  g_array_unref (sh.offsets);
  g_string_free (sh.text, TRUE);
  g_string_free (sh.value, TRUE);

out:
  zip_discard (zip);
  g_ptr_array_unref (wb.sheet_ids);
  g_ptr_array_unref (wb.sheet_names);
  g_hash_table_unref (wb.rels);
  g_free (wb.shared_target);
  g_string_chunk_free (shared.chunk);
  g_ptr_array_unref (shared.strings);
  g_string_free (shared.current, TRUE);
  return ok;
}
