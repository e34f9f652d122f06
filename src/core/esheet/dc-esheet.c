/* dc-esheet.c: the e-sheet model.  Rows are a struct of arrays; waybills
 * live in a string arena, docks and extra values are interned.  The two
 * views (by order, by dock) are rebuilt lazily after a change with a
 * purpose-built hash (1,000,000 rows group in well under 300 ms). */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <sys/mman.h>
#endif

#include "esheet/dc-esheet-private.h"
#include "util/dc-file-util.h"

#define MAX_EXTRAS 4
#define MAX_STORED_REJECTS 10000
#define ARENA_FIRST_BLOCK (64 * 1024)
#define ARENA_MAX_BLOCK (4 * 1024 * 1024)

G_DEFINE_QUARK (dc-esheet-error-quark, dc_esheet_error)

gboolean dc_esheet_fast_paths = TRUE;

/* ---- interning ------------------------------------------------------------ */

/* Docks and extra values repeat on every row: an open-addressing table on
 * (bytes, length) avoids copying each cell into a C string to look it up. */
typedef struct
{
  GPtrArray    *names;    /* id -> const char* (in chunk) */
  GArray       *hashes;   /* id -> guint32 */
  GArray       *lens;     /* id -> guint32 */
  guint32      *slots;    /* id + 1, 0 = empty */
  guint32       mask;
  GStringChunk *chunk;
  /* Values of up to 8 bytes (docks such as "A01", operators) are looked
   * up by their bytes as one word first: a direct-mapped cache in front
   * of the table, so the usual row costs no hashing loop and no memcmp. */
  struct
  {
    guint64 word;
    guint32 len;          /* G_MAXUINT32 = empty */
    guint32 id;
  } small[256];
} Pool;

static inline guint32
hash_bytes (const char *s, gsize len)
{
  guint32 h = 2166136261u;
  for (gsize i = 0; i < len; i++)
    h = (h ^ (guchar) s[i]) * 16777619u;
  return h;
}

static void
pool_init (Pool *p)
{
  p->names = g_ptr_array_new ();
  p->hashes = g_array_new (FALSE, FALSE, sizeof (guint32));
  p->lens = g_array_new (FALSE, FALSE, sizeof (guint32));
  p->mask = 63;
  p->slots = g_new0 (guint32, p->mask + 1);
  p->chunk = g_string_chunk_new (4096);
  for (guint i = 0; i < G_N_ELEMENTS (p->small); i++)
    p->small[i].len = G_MAXUINT32;
}

static void
pool_clear (Pool *p)
{
  g_clear_pointer (&p->names, g_ptr_array_unref);
  g_clear_pointer (&p->hashes, g_array_unref);
  g_clear_pointer (&p->lens, g_array_unref);
  g_clear_pointer (&p->slots, g_free);
  g_clear_pointer (&p->chunk, g_string_chunk_free);
}

static void
pool_rehash (Pool *p)
{
  guint32 mask = p->mask * 2 + 1;
  guint32 *slots = g_new0 (guint32, mask + 1);

  for (guint id = 0; id < p->names->len; id++)
    {
      guint32 i = g_array_index (p->hashes, guint32, id) & mask;
      while (slots[i])
        i = (i + 1) & mask;
      slots[i] = id + 1;
    }
  g_free (p->slots);
  p->slots = slots;
  p->mask = mask;
}

static guint32 pool_intern_slow (Pool *p, const char *s, gsize len);

G_ALWAYS_INLINE static inline guint32
pool_intern (Pool *p, const char *s, gsize len)
{
  guint64 word;
  guint32 id, lo, hi;
  guint k;

  if (len > 8 || len == 0 || !dc_esheet_fast_paths)
    return pool_intern_slow (p, s, len);
  /* The bytes as one little-endian word, without reading past them: two
   * overlapping 4-byte loads, or first/middle/last byte (with the length
   * in the key, both are one-to-one). */
  if (len >= 4)
    {
      memcpy (&lo, s, 4);
      memcpy (&hi, s + len - 4, 4);
      word = GUINT32_FROM_LE (lo) | ((guint64) GUINT32_FROM_LE (hi) << (8 * (len - 4)));
      /* a NUL inside a cell ends the value: the slow path sees to that */
      if (dc_swar_eq (word | ~(G_MAXUINT64 >> (64 - 8 * len)), 0))
        return pool_intern_slow (p, s, len);
    }
  else
    {
      word = (guchar) s[0] | (guint) (guchar) s[len / 2] << 8 | (guint) (guchar) s[len - 1] << 16;
      if (!s[0] || !s[len / 2] || !s[len - 1])
        return pool_intern_slow (p, s, len);
    }
  k = (guint) (((word ^ len) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 56);
  if (p->small[k].len == len && p->small[k].word == word)
    return p->small[k].id;
  id = pool_intern_slow (p, s, len);
  p->small[k].word = word;
  p->small[k].len = (guint32) len;
  p->small[k].id = id;
  return id;
}

static guint32
pool_intern_slow (Pool *p, const char *s, gsize len)
{
  guint32 h, i, id;

  len = strnlen (s, len);   /* a NUL inside a cell ends the value */
  h = hash_bytes (s, len);
  for (i = h & p->mask; p->slots[i]; i = (i + 1) & p->mask)
    {
      id = p->slots[i] - 1;
      if (g_array_index (p->hashes, guint32, id) == h && g_array_index (p->lens, guint32, id) == len &&
          memcmp (g_ptr_array_index (p->names, id), s, len) == 0)
        return id;
    }
  id = p->names->len;
  g_ptr_array_add (p->names, g_string_chunk_insert_len (p->chunk, s, len));
  g_array_append_val (p->hashes, h);
  {
    guint32 l = (guint32) len;
    g_array_append_val (p->lens, l);
  }
  p->slots[i] = id + 1;
  if (p->names->len * 2 > p->mask)
    pool_rehash (p);
  return id;
}

/* id of @s, or -1 */
static int
pool_find (Pool *p, const char *s)
{
  gsize len = strlen (s);
  guint32 h = hash_bytes (s, len);
  for (guint32 i = h & p->mask; p->slots[i]; i = (i + 1) & p->mask)
    {
      guint32 id = p->slots[i] - 1;
      if (g_array_index (p->hashes, guint32, id) == h && strcmp (g_ptr_array_index (p->names, id), s) == 0)
        return id;
    }
  return -1;
}

/* ---- the object ----------------------------------------------------------- */

typedef struct
{
  guint32 dock;
  guint   n_waybills;
  guint   n_scans;
  gint64  first_us;
  gint64  last_us;
} DockItem;

struct _DcEsheet
{
  GObject          parent_instance;

  char            *file_name;
  char            *batch;
  DcEsheetFormat   format;
  const char      *encoding;
  guint            header_row;
  GHashTable      *labels;
  DcEsheetMapping *mapping;
  GPtrArray       *rejects;
  guint            n_rejected;

  /* rows */
  guint            n_rows;
  guint            cap;
  const char     **waybill;
  gint64          *time;
  guint32         *dock;
  guint32         *source;
  guint8          *flags;
  guint32         *extra[MAX_EXTRAS];
  guint            n_extras;
  char            *extra_names[MAX_EXTRAS];
  GStringChunk    *arena;           /* long waybills */
  GPtrArray       *absorbed_arenas; /* GStringChunk* of absorbed models (waybills point there) */
  GPtrArray       *arena_blocks;    /* the short waybills, bump-allocated */
  gsize            arena_block_size;
  char            *arena_pos;       /* free space in the last block */
  char            *arena_end;
  Pool             docks;
  Pool             extras;
  guint            n_selected;
  GArray          *dock_selected;   /* guint per dock id */

  /* views, valid while views_valid */
  gboolean         views_valid;
  guint32         *row_wb;          /* row -> waybill index */
  guint            n_wb;
  guint32         *wb_start;        /* n_wb + 1 */
  guint32         *wb_rows;         /* rows grouped by waybill, by time inside */
  guint64         *slots;           /* open addressing: hash << 32 | (waybill index + 1) */
  guint32          mask;
  guint            n_duplicates;
  GArray          *dock_items;      /* DockItem, natural name order */
  GArray          *dock_view_index; /* dock id -> view index or -1 */
};

G_DEFINE_FINAL_TYPE (DcEsheet, dc_esheet, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
clear_views (DcEsheet *self)
{
  self->views_valid = FALSE;
  g_clear_pointer (&self->row_wb, g_free);
  g_clear_pointer (&self->wb_start, g_free);
  g_clear_pointer (&self->wb_rows, g_free);
  g_clear_pointer (&self->slots, g_free);
  self->n_wb = 0;
  self->n_duplicates = 0;
  if (self->dock_items)
    g_array_set_size (self->dock_items, 0);
  if (self->dock_view_index)
    g_array_set_size (self->dock_view_index, 0);
}

static void
reject_free (gpointer data)
{
  DcEsheetReject *r = data;
  g_free (r->column);
  g_free (r->reason);
  g_free (r);
}

static void
clear_all (DcEsheet *self)
{
  clear_views (self);
  g_clear_pointer (&self->file_name, g_free);
  g_clear_pointer (&self->batch, g_free);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->mapping, dc_esheet_mapping_free);
  g_ptr_array_set_size (self->rejects, 0);
  self->n_rejected = 0;
  self->encoding = NULL;
  self->header_row = 0;
  g_clear_pointer (&self->waybill, g_aligned_free);
  g_clear_pointer (&self->time, g_aligned_free);
  g_clear_pointer (&self->dock, g_aligned_free);
  g_clear_pointer (&self->source, g_aligned_free);
  g_clear_pointer (&self->flags, g_aligned_free);
  for (guint e = 0; e < MAX_EXTRAS; e++)
    {
      g_clear_pointer (&self->extra[e], g_aligned_free);
      g_clear_pointer (&self->extra_names[e], g_free);
    }
  self->n_extras = 0;
  self->n_rows = self->cap = 0;
  g_clear_pointer (&self->arena, g_string_chunk_free);
  g_ptr_array_set_size (self->absorbed_arenas, 0);
  g_ptr_array_set_size (self->arena_blocks, 0);
  self->arena_block_size = ARENA_FIRST_BLOCK;
  self->arena_pos = self->arena_end = NULL;
  pool_clear (&self->docks);
  pool_clear (&self->extras);
  pool_init (&self->docks);
  pool_init (&self->extras);
  self->arena = g_string_chunk_new (1024 * 1024);
  self->n_selected = 0;
  g_array_set_size (self->dock_selected, 0);
}

static void
dc_esheet_finalize (GObject *object)
{
  DcEsheet *self = DC_ESHEET (object);

  clear_all (self);
  pool_clear (&self->docks);
  pool_clear (&self->extras);
  g_clear_pointer (&self->arena, g_string_chunk_free);
  g_ptr_array_unref (self->rejects);
  g_ptr_array_unref (self->absorbed_arenas);
  g_ptr_array_unref (self->arena_blocks);
  g_array_unref (self->dock_selected);
  g_array_unref (self->dock_items);
  g_array_unref (self->dock_view_index);
  G_OBJECT_CLASS (dc_esheet_parent_class)->finalize (object);
}

static void
dc_esheet_class_init (DcEsheetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dc_esheet_finalize;

  /**
   * DcEsheet::changed:
   *
   * Rows were imported, removed or (de)selected: re-read the counts and
   * the views.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dc_esheet_init (DcEsheet *self)
{
  self->rejects = g_ptr_array_new_with_free_func (reject_free);
  self->absorbed_arenas = g_ptr_array_new_with_free_func ((GDestroyNotify) g_string_chunk_free);
  self->arena_blocks = g_ptr_array_new_with_free_func (g_aligned_free);
  self->arena_block_size = ARENA_FIRST_BLOCK;
  self->dock_selected = g_array_new (FALSE, TRUE, sizeof (guint));
  self->dock_items = g_array_new (FALSE, TRUE, sizeof (DockItem));
  self->dock_view_index = g_array_new (FALSE, TRUE, sizeof (int));
  pool_init (&self->docks);
  pool_init (&self->extras);
  self->arena = g_string_chunk_new (1024 * 1024);
}

DcEsheet *
dc_esheet_new (void)
{
  return g_object_new (DC_TYPE_ESHEET, NULL);
}

static void
emit_changed (DcEsheet *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- import side ----------------------------------------------------------- */

/* The row arrays of a big sheet are tens of megabytes touched once, in
 * order.  With 4 KiB pages that is a page fault per 4 KiB, and on a
 * virtual machine the faults were 40 % of a 1,000,000-row CSV import:
 * big arrays start on a 2 MiB boundary and ask for transparent huge
 * pages (Linux; elsewhere nothing happens). */
#define HUGE_PAGE ((gsize) 2 * 1024 * 1024)

static void
advise_huge (gpointer mem, gsize bytes)
{
#if defined(G_OS_UNIX) && defined(MADV_HUGEPAGE)
  guintptr start = ((guintptr) mem + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  guintptr end = ((guintptr) mem + bytes) & ~(HUGE_PAGE - 1);

  if (end > start)
    madvise ((void *) start, end - start, MADV_HUGEPAGE);
#else
  (void) mem;
  (void) bytes;
#endif
}

/* Like g_renew() for the row arrays (freed with g_aligned_free()). */
static gpointer
renew_rows (gpointer mem, gsize old_bytes, gsize bytes, gboolean zero)
{
  gsize align = bytes >= HUGE_PAGE ? HUGE_PAGE : 64;
  gpointer fresh = g_aligned_alloc (1, MAX (bytes, 1), align);

  if (old_bytes)
    memcpy (fresh, mem, MIN (old_bytes, bytes));
  if (zero && bytes > old_bytes)
    memset ((char *) fresh + old_bytes, 0, bytes - old_bytes);
  g_aligned_free (mem);
  advise_huge (fresh, bytes);
  return fresh;
}

static void
grow (DcEsheet *self, guint want)
{
  guint cap = MAX (want, self->cap * 2), old = self->cap;

  self->waybill = renew_rows (self->waybill, old * sizeof (const char *), cap * sizeof (const char *), FALSE);
  self->time = renew_rows (self->time, old * sizeof (gint64), cap * sizeof (gint64), FALSE);
  self->dock = renew_rows (self->dock, old * sizeof (guint32), cap * sizeof (guint32), FALSE);
  self->source = renew_rows (self->source, old * sizeof (guint32), cap * sizeof (guint32), FALSE);
  self->flags = renew_rows (self->flags, old, cap, FALSE);
  for (guint e = 0; e < self->n_extras; e++)
    self->extra[e] = renew_rows (self->extra[e], old * sizeof (guint32), cap * sizeof (guint32), FALSE);
  self->cap = cap;
}

void
dc_esheet_begin_import (DcEsheet *self, const char *name, gsize size_hint)
{
  g_autofree char *base = g_path_get_basename (name);
  char *dot;

  clear_all (self);
  self->file_name = g_strdup (name);
  dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  self->batch = g_strdup (base);
  /* Big arrays come from mmap and cost RSS only once touched, so a
   * generous first guess (a CSV row is rarely under 16 bytes) saves
   * the copies of growing a million rows. */
  grow (self, (guint) MIN (size_hint / 16 + 64, (gsize) G_MAXUINT32 / 2));
}

void
dc_esheet_set_extra_names (DcEsheet *self, char **names)
{
  for (guint e = 0; names[e] && e < MAX_EXTRAS; e++)
    {
      g_free (self->extra_names[e]);
      self->extra_names[e] = g_strdup (names[e]);
      if (self->extra[e] == NULL)
        self->extra[e] = renew_rows (NULL, 0, MAX (self->cap, 1) * sizeof (guint32), FALSE);
      self->n_extras = MAX (self->n_extras, e + 1);
    }
}

void
dc_esheet_append_row (DcEsheet *self, const char *waybill, gsize waybill_len,
                      const char *dock, gsize dock_len, gint64 time_us, guint source_row,
                      const char * const *extras, const gsize *extra_lens)
{
  guint i = self->n_rows;

  if (i == self->cap)
    grow (self, i + 1);
  /* Waybills are short: bump-allocate them in blocks that double up to
   * 4 MiB (huge pages, as the row arrays) rather than a library call
   * per row; a long one goes to the string chunk. */
  if (G_UNLIKELY ((gsize) (self->arena_end - self->arena_pos) <= waybill_len))
    {
      if (waybill_len >= ARENA_FIRST_BLOCK / 4)
        {
          self->waybill[i] = g_string_chunk_insert_len (self->arena, waybill, waybill_len);
          goto stored;
        }
      self->arena_pos = g_aligned_alloc (1, self->arena_block_size,
                                         self->arena_block_size >= HUGE_PAGE ? HUGE_PAGE : 64);
      advise_huge (self->arena_pos, self->arena_block_size);
      g_ptr_array_add (self->arena_blocks, self->arena_pos);
      self->arena_end = self->arena_pos + self->arena_block_size;
      self->arena_block_size = MIN (self->arena_block_size * 2, ARENA_MAX_BLOCK);
    }
  memcpy (self->arena_pos, waybill, waybill_len);
  self->arena_pos[waybill_len] = '\0';
  self->waybill[i] = self->arena_pos;
  self->arena_pos += waybill_len + 1;
stored:
  self->dock[i] = pool_intern (&self->docks, dock, dock_len);
  self->time[i] = time_us;
  self->source[i] = source_row;
  self->flags[i] = 0;
  for (guint e = 0; e < self->n_extras; e++)
    self->extra[e][i] = pool_intern (&self->extras, extras[e], extra_lens[e]);
  self->n_rows++;
}

void
dc_esheet_add_reject (DcEsheet *self, guint row, const char *column, char *reason)
{
  self->n_rejected++;
  if (self->rejects->len < MAX_STORED_REJECTS)
    {
      DcEsheetReject *r = g_new0 (DcEsheetReject, 1);
      r->row = row;
      r->column = g_strdup (column);
      r->reason = reason;
      g_ptr_array_add (self->rejects, r);
    }
  else
    g_free (reason);
}

void
dc_esheet_set_import_info (DcEsheet *self, DcEsheetFormat format, const char *encoding,
                           guint header_row, GHashTable *labels, const DcEsheetMapping *mapping)
{
  self->format = format;
  self->encoding = encoding;
  self->header_row = header_row;
  g_clear_pointer (&self->labels, g_hash_table_unref);
  self->labels = labels ? g_hash_table_ref (labels) : NULL;
  g_clear_pointer (&self->mapping, dc_esheet_mapping_free);
  self->mapping = dc_esheet_mapping_copy (mapping);
}

void
dc_esheet_absorb (DcEsheet *self, DcEsheet *other, guint row_offset)
{
  guint n = other->n_rows, base = self->n_rows;
  g_autofree guint32 *dock_map = NULL;
  g_autofree guint32 *extra_map = NULL;

  if (base + n > self->cap)
    grow (self, base + n);
  /* the same names get this model's ids */
  dock_map = g_new (guint32, MAX (other->docks.names->len, 1));
  for (guint id = 0; id < other->docks.names->len; id++)
    dock_map[id] = pool_intern_slow (&self->docks, g_ptr_array_index (other->docks.names, id),
                                     g_array_index (other->docks.lens, guint32, id));
  extra_map = g_new (guint32, MAX (other->extras.names->len, 1));
  for (guint id = 0; id < other->extras.names->len; id++)
    extra_map[id] = pool_intern_slow (&self->extras, g_ptr_array_index (other->extras.names, id),
                                      g_array_index (other->extras.lens, guint32, id));

  memcpy (self->waybill + base, other->waybill, n * sizeof (const char *));
  memcpy (self->time + base, other->time, n * sizeof (gint64));
  memcpy (self->flags + base, other->flags, n);
  for (guint i = 0; i < n; i++)
    {
      self->dock[base + i] = dock_map[other->dock[i]];
      self->source[base + i] = other->source[i] + row_offset;
    }
  for (guint e = 0; e < MIN (self->n_extras, other->n_extras); e++)
    for (guint i = 0; i < n; i++)
      self->extra[e][base + i] = extra_map[other->extra[e][i]];
  self->n_rows += n;
  other->n_rows = 0;

  /* the waybills stay where they are: keep their memory */
  g_ptr_array_add (self->absorbed_arenas, g_steal_pointer (&other->arena));
  {
    gsize len;
    gpointer *arenas = g_ptr_array_steal (other->absorbed_arenas, &len);
    for (gsize i = 0; i < len; i++)
      g_ptr_array_add (self->absorbed_arenas, arenas[i]);
    g_free (arenas);
    arenas = g_ptr_array_steal (other->arena_blocks, &len);
    for (gsize i = 0; i < len; i++)
      g_ptr_array_add (self->arena_blocks, arenas[i]);
    g_free (arenas);
  }
  other->arena = g_string_chunk_new (64);
  other->arena_pos = other->arena_end = NULL;

  {
    gsize len;
    gpointer *rejects = g_ptr_array_steal (other->rejects, &len);
    for (gsize i = 0; i < len; i++)
      {
        DcEsheetReject *r = rejects[i];
        r->row += row_offset;
        if (self->rejects->len < MAX_STORED_REJECTS)
          g_ptr_array_add (self->rejects, r);
        else
          reject_free (r);
      }
    g_free (rejects);
  }
  self->n_rejected += other->n_rejected;
  other->n_rejected = 0;
}

void
dc_esheet_end_import (DcEsheet *self)
{
  g_array_set_size (self->dock_selected, self->docks.names->len);
  clear_views (self);
  emit_changed (self);
}

/* ---- getters ------------------------------------------------------------- */

const char *
dc_esheet_get_file_name (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  return self->file_name;
}

const char *
dc_esheet_get_batch (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  return self->batch;
}

DcEsheetFormat
dc_esheet_get_format (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), DC_ESHEET_FORMAT_AUTO);
  return self->format;
}

const char *
dc_esheet_get_encoding (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  return self->encoding;
}

guint
dc_esheet_get_header_row (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  return self->header_row;
}

const char *
dc_esheet_get_column_label (DcEsheet *self, const char *field)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  return self->labels ? g_hash_table_lookup (self->labels, field) : NULL;
}

const DcEsheetMapping *
dc_esheet_get_mapping (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  return self->mapping;
}

GPtrArray *
dc_esheet_get_rejects (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  return self->rejects;
}

guint
dc_esheet_get_n_rejected (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  return self->n_rejected;
}

guint
dc_esheet_get_n_rows (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  return self->n_rows;
}

#define CHECK_ROW(self, row, val) \
  g_return_val_if_fail (DC_IS_ESHEET (self), val); \
  g_return_val_if_fail ((row) < (self)->n_rows, val)

const char *
dc_esheet_get_row_waybill (DcEsheet *self, guint row)
{
  CHECK_ROW (self, row, NULL);
  return self->waybill[row];
}

const char *
dc_esheet_get_row_dock (DcEsheet *self, guint row)
{
  CHECK_ROW (self, row, NULL);
  return g_ptr_array_index (self->docks.names, self->dock[row]);
}

gint64
dc_esheet_get_row_time (DcEsheet *self, guint row)
{
  CHECK_ROW (self, row, 0);
  return self->time[row];
}

guint
dc_esheet_get_row_source (DcEsheet *self, guint row)
{
  CHECK_ROW (self, row, 0);
  return self->source[row];
}

static void ensure_views (DcEsheet *self);

DcEsheetRowFlags
dc_esheet_get_row_flags (DcEsheet *self, guint row)
{
  CHECK_ROW (self, row, 0);
  ensure_views (self);   /* duplicates are marked by the grouping */
  return self->flags[row];
}

guint
dc_esheet_get_n_extras (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  return self->n_extras;
}

const char *
dc_esheet_get_extra_name (DcEsheet *self, guint extra)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  g_return_val_if_fail (extra < self->n_extras, NULL);
  return self->extra_names[extra];
}

const char *
dc_esheet_get_row_extra (DcEsheet *self, guint row, guint extra)
{
  CHECK_ROW (self, row, NULL);
  g_return_val_if_fail (extra < self->n_extras, NULL);
  return g_ptr_array_index (self->extras.names, self->extra[extra][row]);
}

/* ---- views ---------------------------------------------------------------- */

static inline guint32
hash_str (const char *s)
{
  guint32 h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (guchar) *s) * 16777619u;
  return h;
}

static void
sort_group_by_time (DcEsheet *self, guint32 *rows, guint n)
{
  /* Groups are small (a waybill has a few scans): insertion sort, stable. */
  for (guint i = 1; i < n; i++)
    {
      guint32 r = rows[i];
      gint64 t = self->time[r];
      guint j = i;
      while (j > 0 && self->time[rows[j - 1]] > t)
        {
          rows[j] = rows[j - 1];
          j--;
        }
      rows[j] = r;
    }
}

typedef struct
{
  guint32 dock;
  char   *key;
} DockSortKey;

static int
compare_dock_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (((const DockSortKey *) a)->key, ((const DockSortKey *) b)->key);
}

static void
build_dock_view (DcEsheet *self)
{
  guint n_ids = self->docks.names->len;
  g_autofree DockItem *by_id = g_new0 (DockItem, MAX (n_ids, 1));
  g_autofree guint32 *last_wb = g_new (guint32, MAX (self->n_wb, 1));
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (DockSortKey));

  for (guint i = 0; i < n_ids; i++)
    {
      by_id[i].dock = i;
      by_id[i].first_us = G_MAXINT64;
      by_id[i].last_us = G_MININT64;
    }
  for (guint i = 0; i < self->n_wb; i++)
    last_wb[i] = G_MAXUINT32;
  /* Walk the waybill groups so a waybill counts once per dock. */
  for (guint w = 0; w < self->n_wb; w++)
    for (guint k = self->wb_start[w]; k < self->wb_start[w + 1]; k++)
      {
        guint32 r = self->wb_rows[k];
        DockItem *it = &by_id[self->dock[r]];
        it->n_scans++;
        it->first_us = MIN (it->first_us, self->time[r]);
        it->last_us = MAX (it->last_us, self->time[r]);
        if (last_wb[w] != self->dock[r])
          {
            /* rows of a waybill at one dock are not always adjacent */
            gboolean seen = FALSE;
            for (guint j = self->wb_start[w]; j < k; j++)
              seen |= self->dock[self->wb_rows[j]] == self->dock[r];
            if (!seen)
              it->n_waybills++;
            last_wb[w] = self->dock[r];
          }
      }
  for (guint i = 0; i < n_ids; i++)
    if (by_id[i].n_scans > 0)
      {
        DockSortKey key = { i, g_utf8_collate_key_for_filename (g_ptr_array_index (self->docks.names, i), -1) };
        g_array_append_val (keys, key);
      }
  g_array_sort (keys, compare_dock_keys);
  g_array_set_size (self->dock_items, 0);
  g_array_set_size (self->dock_view_index, n_ids);
  for (guint i = 0; i < n_ids; i++)
    g_array_index (self->dock_view_index, int, i) = -1;
  for (guint i = 0; i < keys->len; i++)
    {
      DockSortKey *key = &g_array_index (keys, DockSortKey, i);
      g_array_append_val (self->dock_items, by_id[key->dock]);
      g_array_index (self->dock_view_index, int, key->dock) = i;
      g_free (key->key);
    }
}

static void
ensure_views (DcEsheet *self)
{
  guint n = self->n_rows;
  guint32 size = 16, *count;

  if (self->views_valid)
    return;
  clear_views (self);
  while (size < n * 2u && size < (1u << 31))
    size <<= 1;
  self->mask = size - 1;
  self->slots = g_new0 (guint64, size);
  self->row_wb = g_new (guint32, MAX (n, 1));
  /* wb_start holds each waybill's first row while hashing. */
  self->wb_start = g_new (guint32, n + 1);
  /* The hash table is probed at random: on 4 KiB pages nearly every
   * probe of a big sheet's table was a TLB miss as well as a cache miss. */
  advise_huge (self->slots, (gsize) size * sizeof (guint64));
  advise_huge (self->row_wb, (gsize) n * sizeof (guint32));
  advise_huge (self->wb_start, (gsize) n * sizeof (guint32));

  for (guint r = 0; r < n; r++)
    {
      const char *s = self->waybill[r];
      guint32 h = hash_str (s), i = h & self->mask, id;

      for (;;)
        {
          guint64 slot = self->slots[i];
          if (slot == 0)
            {
              id = self->n_wb++;
              self->slots[i] = ((guint64) h << 32) | (id + 1);
              self->wb_start[id] = r;
              break;
            }
          id = (guint32) slot - 1;
          if ((guint32) (slot >> 32) == h && strcmp (self->waybill[self->wb_start[id]], s) == 0)
            break;
          i = (i + 1) & self->mask;
        }
      self->row_wb[r] = id;
    }

  /* Counting sort of rows by waybill, file order inside a group. */
  count = g_new0 (guint32, self->n_wb + 1);
  advise_huge (count, (gsize) self->n_wb * sizeof (guint32));
  for (guint r = 0; r < n; r++)
    count[self->row_wb[r] + 1]++;
  for (guint w = 0; w < self->n_wb; w++)
    count[w + 1] += count[w];
  memcpy (self->wb_start, count, (self->n_wb + 1) * sizeof (guint32));
  self->wb_rows = g_new (guint32, MAX (n, 1));
  advise_huge (self->wb_rows, (gsize) n * sizeof (guint32));
  for (guint r = 0; r < n; r++)
    self->wb_rows[count[self->row_wb[r]]++] = r;
  g_free (count);

  for (guint w = 0; w < self->n_wb; w++)
    {
      guint a = self->wb_start[w], b = self->wb_start[w + 1];
      if (b - a > 1)
        {
          sort_group_by_time (self, self->wb_rows + a, b - a);
          self->n_duplicates++;
          for (guint k = a; k < b; k++)
            self->flags[self->wb_rows[k]] |= DC_ESHEET_ROW_DUPLICATE;
        }
      else
        self->flags[self->wb_rows[a]] &= ~DC_ESHEET_ROW_DUPLICATE;
    }
  build_dock_view (self);
  self->views_valid = TRUE;
}

guint
dc_esheet_get_n_waybills (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  ensure_views (self);
  return self->n_wb;
}

guint
dc_esheet_get_n_docks (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  ensure_views (self);
  return self->dock_items->len;
}

guint
dc_esheet_get_n_selected (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  return self->n_selected;
}

guint
dc_esheet_get_n_duplicates (DcEsheet *self)
{
  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  ensure_views (self);
  return self->n_duplicates;
}

void
dc_esheet_get_waybill_item (DcEsheet *self, guint index, DcEsheetWaybillItem *out)
{
  guint a, b;

  g_return_if_fail (DC_IS_ESHEET (self));
  ensure_views (self);
  g_return_if_fail (index < self->n_wb);
  a = self->wb_start[index];
  b = self->wb_start[index + 1];
  out->rows = self->wb_rows + a;
  out->n_scans = b - a;
  out->waybill = self->waybill[out->rows[0]];
  out->first_us = self->time[out->rows[0]];
  out->last_us = self->time[out->rows[b - a - 1]];
  out->n_docks = 0;
  out->selected = TRUE;
  out->any_selected = FALSE;
  for (guint k = 0; k < out->n_scans; k++)
    {
      gboolean seen = FALSE;
      gboolean row_selected = (self->flags[out->rows[k]] & DC_ESHEET_ROW_SELECTED) != 0;

      for (guint j = 0; j < k; j++)
        seen |= self->dock[out->rows[j]] == self->dock[out->rows[k]];
      out->n_docks += !seen;
      out->selected &= row_selected;
      out->any_selected |= row_selected;
    }
}

void
dc_esheet_get_dock_item (DcEsheet *self, guint index, DcConfig *config, DcEsheetDockItem *out)
{
  const DockItem *it;
  const DcDockMap *map;

  g_return_if_fail (DC_IS_ESHEET (self));
  ensure_views (self);
  g_return_if_fail (index < self->dock_items->len);
  it = &g_array_index (self->dock_items, DockItem, index);
  out->dock = g_ptr_array_index (self->docks.names, it->dock);
  out->n_waybills = it->n_waybills;
  out->n_scans = it->n_scans;
  out->first_us = it->first_us;
  out->last_us = it->last_us;
  out->selected = g_array_index (self->dock_selected, guint, it->dock) == it->n_scans;
  map = config ? dc_config_lookup_dock (config, out->dock) : NULL;
  out->mapped = map != NULL;
  out->dvr = map ? map->dvr : NULL;
  out->channel = map ? map->channel : 0;
}

int
dc_esheet_find_waybill (DcEsheet *self, const char *waybill)
{
  guint32 h, i;

  g_return_val_if_fail (DC_IS_ESHEET (self), -1);
  g_return_val_if_fail (waybill != NULL, -1);
  ensure_views (self);
  h = hash_str (waybill);
  for (i = h & self->mask; self->slots[i]; i = (i + 1) & self->mask)
    {
      guint32 id = (guint32) self->slots[i] - 1;
      if ((guint32) (self->slots[i] >> 32) == h &&
          strcmp (self->waybill[self->wb_rows[self->wb_start[id]]], waybill) == 0)
        return id;
    }
  return -1;
}

int
dc_esheet_find_dock (DcEsheet *self, const char *dock)
{
  int id;

  g_return_val_if_fail (DC_IS_ESHEET (self), -1);
  g_return_val_if_fail (dock != NULL, -1);
  ensure_views (self);
  id = pool_find (&self->docks, dock);
  if (id < 0)
    return -1;
  return g_array_index (self->dock_view_index, int, id);
}

/* ---- selection ---------------------------------------------------------- */

static inline void
set_selected (DcEsheet *self, guint row, gboolean selected)
{
  gboolean was = (self->flags[row] & DC_ESHEET_ROW_SELECTED) != 0;
  if (was == !!selected)
    return;
  if (selected)
    {
      self->flags[row] |= DC_ESHEET_ROW_SELECTED;
      self->n_selected++;
      g_array_index (self->dock_selected, guint, self->dock[row])++;
    }
  else
    {
      self->flags[row] &= ~DC_ESHEET_ROW_SELECTED;
      self->n_selected--;
      g_array_index (self->dock_selected, guint, self->dock[row])--;
    }
}

void
dc_esheet_select_all (DcEsheet *self, gboolean selected)
{
  g_return_if_fail (DC_IS_ESHEET (self));
  for (guint r = 0; r < self->n_rows; r++)
    set_selected (self, r, selected);
  emit_changed (self);
}

void
dc_esheet_invert_selection (DcEsheet *self)
{
  g_return_if_fail (DC_IS_ESHEET (self));
  for (guint r = 0; r < self->n_rows; r++)
    set_selected (self, r, !(self->flags[r] & DC_ESHEET_ROW_SELECTED));
  emit_changed (self);
}

void
dc_esheet_set_row_selected (DcEsheet *self, guint row, gboolean selected)
{
  g_return_if_fail (DC_IS_ESHEET (self));
  g_return_if_fail (row < self->n_rows);
  set_selected (self, row, selected);
  emit_changed (self);
}

void
dc_esheet_set_waybill_selected (DcEsheet *self, guint index, gboolean selected)
{
  g_return_if_fail (DC_IS_ESHEET (self));
  ensure_views (self);
  g_return_if_fail (index < self->n_wb);
  for (guint k = self->wb_start[index]; k < self->wb_start[index + 1]; k++)
    set_selected (self, self->wb_rows[k], selected);
  emit_changed (self);
}

void
dc_esheet_set_dock_selected (DcEsheet *self, guint index, gboolean selected)
{
  guint32 dock;

  g_return_if_fail (DC_IS_ESHEET (self));
  ensure_views (self);
  g_return_if_fail (index < self->dock_items->len);
  dock = g_array_index (self->dock_items, DockItem, index).dock;
  for (guint r = 0; r < self->n_rows; r++)
    if (self->dock[r] == dock)
      set_selected (self, r, selected);
  emit_changed (self);
}

/* ---- operations ----------------------------------------------------------- */

/* Keeps the rows whose @keep is non-zero, in order.  Returns the count removed. */
static guint
compact (DcEsheet *self, const guint8 *keep)
{
  guint w = 0, removed;

  for (guint r = 0; r < self->n_rows; r++)
    {
      if (!keep[r])
        continue;
      if (w != r)
        {
          self->waybill[w] = self->waybill[r];
          self->time[w] = self->time[r];
          self->dock[w] = self->dock[r];
          self->source[w] = self->source[r];
          self->flags[w] = self->flags[r];
          for (guint e = 0; e < self->n_extras; e++)
            self->extra[e][w] = self->extra[e][r];
        }
      w++;
    }
  removed = self->n_rows - w;
  self->n_rows = w;
  /* Recount the selection. */
  self->n_selected = 0;
  memset (self->dock_selected->data, 0, self->dock_selected->len * sizeof (guint));
  for (guint r = 0; r < self->n_rows; r++)
    if (self->flags[r] & DC_ESHEET_ROW_SELECTED)
      {
        self->n_selected++;
        g_array_index (self->dock_selected, guint, self->dock[r])++;
      }
  clear_views (self);
  if (removed > 0)
    emit_changed (self);
  return removed;
}

guint
dc_esheet_delete_selected_waybills (DcEsheet *self)
{
  g_autofree guint8 *keep = NULL;
  g_autofree guint8 *doomed = NULL;

  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  ensure_views (self);
  keep = g_malloc (MAX (self->n_rows, 1));
  doomed = g_malloc0 (MAX (self->n_wb, 1));
  for (guint r = 0; r < self->n_rows; r++)
    if (self->flags[r] & DC_ESHEET_ROW_SELECTED)
      doomed[self->row_wb[r]] = 1;
  for (guint r = 0; r < self->n_rows; r++)
    keep[r] = !doomed[self->row_wb[r]];
  return compact (self, keep);
}

guint
dc_esheet_delete_selected_docks (DcEsheet *self)
{
  g_autofree guint8 *keep = NULL;

  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  keep = g_malloc (MAX (self->n_rows, 1));
  for (guint r = 0; r < self->n_rows; r++)
    keep[r] = g_array_index (self->dock_selected, guint, self->dock[r]) == 0;
  return compact (self, keep);
}

guint
dc_esheet_drop_unmapped_docks (DcEsheet *self, DcConfig *config)
{
  g_autofree guint8 *keep = NULL;
  g_autofree guint8 *mapped = NULL;
  guint n_ids;

  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  g_return_val_if_fail (config != NULL, 0);
  n_ids = self->docks.names->len;
  mapped = g_malloc0 (MAX (n_ids, 1));
  for (guint i = 0; i < n_ids; i++)
    mapped[i] = dc_config_lookup_dock (config, g_ptr_array_index (self->docks.names, i)) != NULL;
  keep = g_malloc (MAX (self->n_rows, 1));
  for (guint r = 0; r < self->n_rows; r++)
    keep[r] = mapped[self->dock[r]];
  return compact (self, keep);
}

typedef struct
{
  gint64      first_us;
  const char *waybill;
  guint32     wb;
} Candidate;

static int
compare_candidates (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;
  if (x->first_us != y->first_us)
    return x->first_us < y->first_us ? -1 : 1;
  return strcmp (x->waybill, y->waybill);
}

/* Keep @n waybills per dock.  The rule (also in the README): at each
 * dock that has a selected scan (every dock when nothing is selected),
 * list its M distinct waybills by their first scan at that dock (ties by
 * waybill number); when M > N, keep the waybills at ranks
 * floor((2i + 1) * M / (2N)) for i = 0..N-1, i.e. the middle of N equal
 * slices of the day's scans, so the sample spreads evenly over the day
 * and the same sheet always gives the same sample.  Scans of the dropped
 * waybills at that dock are removed; their scans at other docks stay. */
guint
dc_esheet_keep_per_dock (DcEsheet *self, guint n)
{
  g_autofree guint8 *keep = NULL;
  g_autofree guint8 *target = NULL;
  g_autoptr(GArray) cands = NULL;
  g_autofree guint32 *slot_of_wb = NULL;
  guint n_ids;
  gboolean any_selected;

  g_return_val_if_fail (DC_IS_ESHEET (self), 0);
  ensure_views (self);
  n_ids = self->docks.names->len;
  target = g_malloc0 (MAX (n_ids, 1));
  any_selected = self->n_selected > 0;
  for (guint i = 0; i < n_ids; i++)
    target[i] = !any_selected || g_array_index (self->dock_selected, guint, i) > 0;
  keep = g_malloc (MAX (self->n_rows, 1));
  memset (keep, 1, MAX (self->n_rows, 1));
  cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  slot_of_wb = g_new (guint32, MAX (self->n_wb, 1));

  for (guint d = 0; d < n_ids; d++)
    {
      g_autofree guint8 *kept_wb = NULL;
      guint m;

      if (!target[d])
        continue;
      g_array_set_size (cands, 0);
      /* Distinct waybills at this dock with their first scan there. */
      for (guint r = 0; r < self->n_rows; r++)
        {
          guint32 wb = self->row_wb[r];
          if (self->dock[r] != d)
            continue;
          if (cands->len > 0)
            {
              guint32 s = slot_of_wb[wb];
              if (s < cands->len && g_array_index (cands, Candidate, s).wb == wb)
                {
                  Candidate *c = &g_array_index (cands, Candidate, s);
                  c->first_us = MIN (c->first_us, self->time[r]);
                  continue;
                }
            }
          slot_of_wb[wb] = cands->len;
          g_array_append_val (cands, ((Candidate) { self->time[r], self->waybill[r], wb }));
        }
      m = cands->len;
      if (m <= n)
        continue;
      g_array_sort (cands, compare_candidates);
      kept_wb = g_malloc0 (MAX (self->n_wb, 1));
      for (guint i = 0; i < n; i++)
        {
          guint rank = (guint) (((guint64) (2 * i + 1) * m) / (2 * (guint64) n));
          kept_wb[g_array_index (cands, Candidate, rank).wb] = 1;
        }
      for (guint r = 0; r < self->n_rows; r++)
        if (self->dock[r] == d && !kept_wb[self->row_wb[r]])
          keep[r] = 0;
    }
  return compact (self, keep);
}

/* ---- planning --------------------------------------------------------------- */

void
dc_esheet_plan_options_init (DcEsheetPlanOptions *options)
{
  memset (options, 0, sizeof *options);
  options->mode = DC_OUTPUT_PICTURE;
  options->pre_us = 30 * G_USEC_PER_SEC;
  options->post_us = 30 * G_USEC_PER_SEC;
  options->selected_only = FALSE;
}

static int
compare_requests (gconstpointer a, gconstpointer b)
{
  const DcDownloadRequest *x = *(DcDownloadRequest * const *) a;
  const DcDownloadRequest *y = *(DcDownloadRequest * const *) b;
  if (x->scan_us != y->scan_us)
    return x->scan_us < y->scan_us ? -1 : 1;
  return strcmp (x->file_stem, y->file_stem);
}

GPtrArray *
dc_esheet_plan (DcEsheet *self, DcConfig *config, const DcEsheetPlanOptions *options,
                GPtrArray **unmapped_docks)
{
  DcEsheetPlanOptions defaults;
  GPtrArray *requests;
  g_autofree const DcDockMap **maps = NULL;
  g_autofree guint8 *looked = NULL;
  g_autoptr(GHashTable) stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_ids;

  g_return_val_if_fail (DC_IS_ESHEET (self), NULL);
  if (options == NULL)
    {
      dc_esheet_plan_options_init (&defaults);
      options = &defaults;
    }
  ensure_views (self);
  requests = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_download_request_free);
  if (unmapped_docks)
    *unmapped_docks = g_ptr_array_new_with_free_func (g_free);
  n_ids = self->docks.names->len;
  maps = g_new0 (const DcDockMap *, MAX (n_ids, 1));
  looked = g_malloc0 (MAX (n_ids, 1));

  /* File names are decided over all scans of a waybill (by time), so a
   * scan keeps its name whatever else is selected: the first scan is
   * <waybill>, later ones <waybill>_<hhmmss> (and _2, _3 if two share a
   * second). */
  for (guint w = 0; w < self->n_wb; w++)
    {
      guint a = self->wb_start[w], b = self->wb_start[w + 1];
      g_autofree char *base = dc_sanitize_file_name (self->waybill[self->wb_rows[a]]);

      g_hash_table_remove_all (stems);
      for (guint k = a; k < b; k++)
        {
          guint32 r = self->wb_rows[k];
          guint32 d = self->dock[r];
          const char *dock = g_ptr_array_index (self->docks.names, d);
          g_autofree char *stem = NULL;
          DcDownloadRequest *req;

          if (k == a)
            stem = g_strdup (base);
          else
            {
              g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (self->time[r] / G_USEC_PER_SEC);
              g_autofree char *hms = dt ? g_date_time_format (dt, "%H%M%S") : g_strdup ("000000");
              stem = g_strdup_printf ("%s_%s", base, hms);
            }
          for (guint extra = 2; g_hash_table_contains (stems, stem); extra++)
            {
              char *next = g_strdup_printf ("%s_%u", stem, extra);
              if (!g_hash_table_contains (stems, next))
                {
                  g_free (stem);
                  stem = next;
                  break;
                }
              g_free (next);
            }
          g_hash_table_add (stems, g_strdup (stem));

          if (options->selected_only && !(self->flags[r] & DC_ESHEET_ROW_SELECTED))
            continue;
          if (!looked[d])
            {
              looked[d] = 1;
              maps[d] = config ? dc_config_lookup_dock (config, dock) : NULL;
              if (maps[d] == NULL && unmapped_docks)
                g_ptr_array_add (*unmapped_docks, g_strdup (dock));
            }
          if (maps[d] == NULL)
            continue;
          req = dc_download_request_new (self->waybill[r], dock, maps[d]->dvr, maps[d]->channel,
                                         self->time[r]);
          req->mode = options->mode;
          req->pre_us = options->pre_us;
          req->post_us = options->post_us;
          g_free (req->batch);
          req->batch = g_strdup (self->batch ? self->batch : "");
          g_free (req->file_stem);
          req->file_stem = g_steal_pointer (&stem);
          g_ptr_array_add (requests, req);
        }
    }
  g_ptr_array_sort (requests, compare_requests);
  return requests;
}
