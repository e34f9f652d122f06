#define G_LOG_DOMAIN "dc-esheet-model"

#include "config.h"

#include <string.h>

#include "dc-esheet-model.h"

/* DcRowItem */

struct _DcRowItem
{
  GObject     parent_instance;
  guint       index;
  GHashTable *alive;   /* the waybill model's cache of live items, or NULL */
};

G_DEFINE_FINAL_TYPE (DcRowItem, dc_row_item, G_TYPE_OBJECT)

enum { ROW_PROP_0, ROW_PROP_STATUS, ROW_N_PROPS };
static GParamSpec *row_properties[ROW_N_PROPS];

static void
dc_row_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  /* "status" only exists to be notified; cells read the status themselves */
  g_value_set_int (value, 0);
}

static void
dc_row_item_finalize (GObject *object)
{
  DcRowItem *self = DC_ROW_ITEM (object);

  if (self->alive && g_hash_table_lookup (self->alive, GUINT_TO_POINTER (self->index)) == self)
    g_hash_table_remove (self->alive, GUINT_TO_POINTER (self->index));
  G_OBJECT_CLASS (dc_row_item_parent_class)->finalize (object);
}

static void
dc_row_item_class_init (DcRowItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_row_item_finalize;
  G_OBJECT_CLASS (klass)->get_property = dc_row_item_get_property;
  row_properties[ROW_PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, 0, 1, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), ROW_N_PROPS, row_properties);
}

static void
dc_row_item_init (DcRowItem *self)
{
}

static DcRowItem *
dc_row_item_new (guint index)
{
  DcRowItem *self = g_object_new (DC_TYPE_ROW_ITEM, NULL);
  self->index = index;
  return self;
}

guint
dc_row_item_get_index (DcRowItem *self)
{
  return self->index;
}

void
dc_row_item_status_changed (DcRowItem *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_STATUS]);
}

/* Case-insensitive (ASCII) substring test; @needle is already lower case.
 * Chinese text compares byte for byte, which is what a search wants. */
static gboolean
contains_ci (const char *hay, const char *needle)
{
  size_t nl;

  if (needle == NULL || *needle == '\0')
    return TRUE;
  if (hay == NULL)
    return FALSE;
  nl = strlen (needle);
  for (const char *p = hay; *p; p++)
    {
      size_t i = 0;
      while (i < nl && p[i] && g_ascii_tolower (p[i]) == needle[i])
        i++;
      if (i == nl)
        return TRUE;
    }
  return FALSE;
}

/* DcWaybillModel */

struct _DcWaybillModel
{
  GObject        parent_instance;

  DcEsheet      *esheet;
  GArray        *perm;           /* guint32 waybill indexes, filtered and sorted */
  char          *filter;         /* lower case */
  DcWaybillSort  sort;
  gboolean       descending;
  GHashTable    *alive;          /* waybill index -> DcRowItem (weak) */
  DcStatusFunc   status_func;
  gpointer       status_data;
};

static void dc_waybill_model_list_iface_init (GListModelInterface *iface);
static void dc_waybill_model_selection_iface_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DcWaybillModel, dc_waybill_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, dc_waybill_model_list_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, dc_waybill_model_selection_iface_init))

static GType
wm_get_item_type (GListModel *list)
{
  return DC_TYPE_ROW_ITEM;
}

static guint
wm_get_n_items (GListModel *list)
{
  return DC_WAYBILL_MODEL (list)->perm->len;
}

static gpointer
wm_get_item (GListModel *list, guint position)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (list);
  guint index;
  DcRowItem *item;

  if (position >= self->perm->len)
    return NULL;
  index = g_array_index (self->perm, guint32, position);
  item = g_hash_table_lookup (self->alive, GUINT_TO_POINTER (index));
  if (item != NULL)
    return g_object_ref (item);
  item = dc_row_item_new (index);
  /* The cache holds no reference: the item removes itself when freed. */
  item->alive = self->alive;
  g_hash_table_insert (self->alive, GUINT_TO_POINTER (index), item);
  return item;
}

static void
dc_waybill_model_list_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = wm_get_item_type;
  iface->get_n_items = wm_get_n_items;
  iface->get_item = wm_get_item;
}

static gboolean
wm_is_selected (GtkSelectionModel *model, guint position)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (model);
  DcEsheetWaybillItem it;

  if (self->esheet == NULL || position >= self->perm->len)
    return FALSE;
  dc_esheet_get_waybill_item (self->esheet, g_array_index (self->perm, guint32, position), &it);
  return it.selected;
}

static gboolean
wm_set_selection (GtkSelectionModel *model, GtkBitset *selected, GtkBitset *mask)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (model);
  GtkBitsetIter iter;
  guint pos, lo = G_MAXUINT, hi = 0;

  if (self->esheet == NULL)
    return FALSE;
  /* Whole sheet visible and every row set the same way: one call. */
  if ((self->filter == NULL || *self->filter == '\0') &&
      gtk_bitset_get_size (mask) >= self->perm->len && self->perm->len > 0)
    {
      guint64 n_sel = gtk_bitset_get_size_in_range (selected, 0, self->perm->len - 1);
      if (n_sel == 0 || n_sel == self->perm->len)
        {
          dc_esheet_select_all (self->esheet, n_sel != 0);
          gtk_selection_model_selection_changed (model, 0, self->perm->len);
          return TRUE;
        }
    }
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, mask, &pos);
       ok && pos < self->perm->len;
       ok = gtk_bitset_iter_next (&iter, &pos))
    {
      dc_esheet_set_waybill_selected (self->esheet, g_array_index (self->perm, guint32, pos),
                                      gtk_bitset_contains (selected, pos));
      lo = MIN (lo, pos);
      hi = MAX (hi, pos);
    }
  if (lo <= hi)
    gtk_selection_model_selection_changed (model, lo, hi - lo + 1);
  return TRUE;
}

static void
dc_waybill_model_selection_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = wm_is_selected;
  iface->set_selection = wm_set_selection;
}

static void
dc_waybill_model_finalize (GObject *object)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (object);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->alive);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ((DcRowItem *) value)->alive = NULL;
  g_hash_table_unref (self->alive);
  g_clear_object (&self->esheet);
  g_array_unref (self->perm);
  g_free (self->filter);
  G_OBJECT_CLASS (dc_waybill_model_parent_class)->finalize (object);
}

static void
dc_waybill_model_class_init (DcWaybillModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_waybill_model_finalize;
}

static void
dc_waybill_model_init (DcWaybillModel *self)
{
  self->perm = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->alive = g_hash_table_new (NULL, NULL);
}

DcWaybillModel *
dc_waybill_model_new (void)
{
  return g_object_new (DC_TYPE_WAYBILL_MODEL, NULL);
}

DcEsheet *
dc_waybill_model_get_esheet (DcWaybillModel *self)
{
  return self->esheet;
}

void
dc_waybill_model_set_status_func (DcWaybillModel *self, DcStatusFunc func, gpointer user_data)
{
  self->status_func = func;
  self->status_data = user_data;
}

const char *
dc_waybill_model_get_dock (DcWaybillModel *self, guint waybill_index)
{
  DcEsheetWaybillItem it;

  dc_esheet_get_waybill_item (self->esheet, waybill_index, &it);
  return it.n_scans ? dc_esheet_get_row_dock (self->esheet, it.rows[0]) : "";
}

typedef struct
{
  guint32     index;
  const char *s;
  gint64      v;
} SortKey;

static int
cmp_str (const char *a, const char *b)
{
  /* Waybill numbers of different lengths sort as numbers would. */
  size_t la = strlen (a), lb = strlen (b);
  if (g_ascii_isdigit (*a) && g_ascii_isdigit (*b) && la != lb)
    return la < lb ? -1 : 1;
  return strcmp (a, b);
}

static int
cmp_keys (gconstpointer pa, gconstpointer pb, gpointer user_data)
{
  const SortKey *a = pa, *b = pb;
  gboolean strings = GPOINTER_TO_INT (user_data);
  int c;

  if (strings)
    c = cmp_str (a->s ? a->s : "", b->s ? b->s : "");
  else
    c = a->v < b->v ? -1 : a->v > b->v ? 1 : 0;
  if (c == 0)
    c = a->index < b->index ? -1 : a->index > b->index ? 1 : 0;
  return c;
}

static void
rebuild (DcWaybillModel *self)
{
  guint old_n = self->perm->len;
  guint n = self->esheet ? dc_esheet_get_n_waybills (self->esheet) : 0;
  g_autoptr(GArray) keys = g_array_sized_new (FALSE, FALSE, sizeof (SortKey), n);
  gboolean strings = self->sort == DC_WAYBILL_SORT_WAYBILL || self->sort == DC_WAYBILL_SORT_DOCK;

  for (guint i = 0; i < n; i++)
    {
      DcEsheetWaybillItem it;
      const char *dock;
      SortKey k = { i, NULL, i };

      dc_esheet_get_waybill_item (self->esheet, i, &it);
      dock = it.n_scans ? dc_esheet_get_row_dock (self->esheet, it.rows[0]) : "";
      if (self->filter && *self->filter &&
          !contains_ci (it.waybill, self->filter) && !contains_ci (dock, self->filter))
        continue;
      switch (self->sort)
        {
        case DC_WAYBILL_SORT_WAYBILL: k.s = it.waybill; break;
        case DC_WAYBILL_SORT_DOCK: k.s = dock; break;
        case DC_WAYBILL_SORT_TIME: k.v = it.first_us; break;
        case DC_WAYBILL_SORT_SCANS: k.v = it.n_scans; break;
        case DC_WAYBILL_SORT_STATUS:
          {
            int rank = 0;
            if (self->status_func)
              self->status_func (it.waybill, &rank, self->status_data);
            k.v = rank;
          }
          break;
        case DC_WAYBILL_SORT_SHEET:
        default:
          break;
        }
      g_array_append_val (keys, k);
    }
  if (self->sort != DC_WAYBILL_SORT_SHEET)
    g_array_sort_with_data (keys, cmp_keys, GINT_TO_POINTER (strings));

  g_array_set_size (self->perm, keys->len);
  for (guint i = 0; i < keys->len; i++)
    {
      guint j = self->descending ? keys->len - 1 - i : i;
      g_array_index (self->perm, guint32, i) = g_array_index (keys, SortKey, j).index;
    }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->perm->len);
}

void
dc_waybill_model_set_esheet (DcWaybillModel *self, DcEsheet *esheet)
{
  g_set_object (&self->esheet, esheet);
  rebuild (self);
}

void
dc_waybill_model_set_filter (DcWaybillModel *self, const char *text)
{
  g_autofree char *lower = text ? g_ascii_strdown (text, -1) : NULL;

  if (g_strcmp0 (lower, self->filter) == 0)
    return;
  g_free (self->filter);
  self->filter = g_steal_pointer (&lower);
  rebuild (self);
}

void
dc_waybill_model_set_sort (DcWaybillModel *self, DcWaybillSort sort, gboolean descending)
{
  if (self->sort == sort && self->descending == descending)
    return;
  self->sort = sort;
  self->descending = descending;
  rebuild (self);
}

void
dc_waybill_model_refresh (DcWaybillModel *self)
{
  rebuild (self);
}

guint
dc_waybill_model_get_waybill_index (DcWaybillModel *self, guint position)
{
  g_return_val_if_fail (position < self->perm->len, 0);
  return g_array_index (self->perm, guint32, position);
}

void
dc_waybill_model_status_changed (DcWaybillModel *self, const char *waybill)
{
  int index;
  DcRowItem *item;

  if (self->esheet == NULL || (index = dc_esheet_find_waybill (self->esheet, waybill)) < 0)
    return;
  item = g_hash_table_lookup (self->alive, GUINT_TO_POINTER (index));
  if (item)
    dc_row_item_status_changed (item);
}

guint
dc_waybill_model_get_n_selected (DcWaybillModel *self)
{
  guint n = 0;

  for (guint i = 0; self->esheet && i < self->perm->len; i++)
    {
      DcEsheetWaybillItem it;
      dc_esheet_get_waybill_item (self->esheet, g_array_index (self->perm, guint32, i), &it);
      n += it.selected;
    }
  return n;
}

/* DcDockModel */

typedef struct
{
  gint64  time;
  guint32 row;
} DockEntry;

struct _DcDockModel
{
  GObject     parent_instance;

  DcEsheet   *esheet;
  GPtrArray  *buckets;     /* per dock index: GArray of DockEntry, by time */
  GArray     *visible;     /* guint32 dock indexes */
  GPtrArray  *entries;     /* per visible column: GArray of guint32 rows (filtered) */
  char       *filter;
  gboolean    descending;
  guint       n_items;
};

static void dc_dock_model_list_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DcDockModel, dc_dock_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, dc_dock_model_list_iface_init))

static GType
dm_get_item_type (GListModel *list)
{
  return DC_TYPE_ROW_ITEM;
}

static guint
dm_get_n_items (GListModel *list)
{
  return DC_DOCK_MODEL (list)->n_items;
}

static gpointer
dm_get_item (GListModel *list, guint position)
{
  if (position >= DC_DOCK_MODEL (list)->n_items)
    return NULL;
  return dc_row_item_new (position);
}

static void
dc_dock_model_list_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dm_get_item_type;
  iface->get_n_items = dm_get_n_items;
  iface->get_item = dm_get_item;
}

static void
dc_dock_model_finalize (GObject *object)
{
  DcDockModel *self = DC_DOCK_MODEL (object);

  g_clear_object (&self->esheet);
  g_clear_pointer (&self->buckets, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_array_unref (self->visible);
  g_free (self->filter);
  G_OBJECT_CLASS (dc_dock_model_parent_class)->finalize (object);
}

static void
dc_dock_model_class_init (DcDockModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_dock_model_finalize;
}

static void
dc_dock_model_init (DcDockModel *self)
{
  self->visible = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
}

DcDockModel *
dc_dock_model_new (void)
{
  return g_object_new (DC_TYPE_DOCK_MODEL, NULL);
}

static int
cmp_entry (gconstpointer pa, gconstpointer pb)
{
  const DockEntry *a = pa, *b = pb;

  if (a->time != b->time)
    return a->time < b->time ? -1 : 1;
  return a->row < b->row ? -1 : a->row > b->row;
}

static void
build_buckets (DcDockModel *self)
{
  guint n_docks, n_waybills;
  g_autoptr(GHashTable) dock_of = g_hash_table_new (NULL, NULL);

  g_clear_pointer (&self->buckets, g_ptr_array_unref);
  self->buckets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  if (self->esheet == NULL)
    return;
  n_docks = dc_esheet_get_n_docks (self->esheet);
  n_waybills = dc_esheet_get_n_waybills (self->esheet);
  for (guint d = 0; d < n_docks; d++)
    g_ptr_array_add (self->buckets, g_array_new (FALSE, FALSE, sizeof (DockEntry)));

  /* Each waybill once per dock it was scanned at, at its first scan there. */
  for (guint w = 0; w < n_waybills; w++)
    {
      DcEsheetWaybillItem it;

      dc_esheet_get_waybill_item (self->esheet, w, &it);
      for (guint k = 0; k < it.n_scans; k++)
        {
          const char *dock = dc_esheet_get_row_dock (self->esheet, it.rows[k]);
          gpointer found;
          int d;
          gboolean seen = FALSE;
          DockEntry e;

          for (guint j = 0; j < k && !seen; j++)
            seen = g_strcmp0 (dc_esheet_get_row_dock (self->esheet, it.rows[j]), dock) == 0;
          if (seen)
            continue;
          /* Docks are interned by the sheet: the pointer is a cheap key. */
          if (g_hash_table_lookup_extended (dock_of, dock, NULL, &found))
            d = GPOINTER_TO_INT (found);
          else
            {
              d = dc_esheet_find_dock (self->esheet, dock);
              g_hash_table_insert (dock_of, (gpointer) dock, GINT_TO_POINTER (d));
            }
          if (d < 0 || (guint) d >= n_docks)
            continue;
          e.time = dc_esheet_get_row_time (self->esheet, it.rows[k]);
          e.row = it.rows[k];
          g_array_append_val (g_ptr_array_index (self->buckets, d), e);
        }
    }
  for (guint d = 0; d < n_docks; d++)
    g_array_sort (g_ptr_array_index (self->buckets, d), cmp_entry);
}

static void
apply_filter (DcDockModel *self)
{
  guint old_n = self->n_items;
  guint max = 0;

  g_array_set_size (self->visible, 0);
  g_ptr_array_set_size (self->entries, 0);
  for (guint d = 0; self->esheet && d < self->buckets->len; d++)
    {
      GArray *bucket = g_ptr_array_index (self->buckets, d);
      DcEsheetDockItem it;
      gboolean whole;
      GArray *rows = g_array_new (FALSE, FALSE, sizeof (guint32));

      dc_esheet_get_dock_item (self->esheet, d, NULL, &it);
      whole = contains_ci (it.dock, self->filter);
      for (guint i = 0; i < bucket->len; i++)
        {
          guint j = self->descending ? bucket->len - 1 - i : i;
          guint32 row = g_array_index (bucket, DockEntry, j).row;

          if (whole || contains_ci (dc_esheet_get_row_waybill (self->esheet, row), self->filter))
            g_array_append_val (rows, row);
        }
      if (rows->len == 0 && !whole)
        {
          g_array_unref (rows);
          continue;
        }
      g_array_append_val (self->visible, d);
      g_ptr_array_add (self->entries, rows);
      max = MAX (max, rows->len);
    }
  self->n_items = self->visible->len ? max + 1 : 0;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n_items);
}

void
dc_dock_model_set_esheet (DcDockModel *self, DcEsheet *esheet, DcConfig *config)
{
  g_set_object (&self->esheet, esheet);
  build_buckets (self);
  apply_filter (self);
}

void
dc_dock_model_refresh (DcDockModel *self)
{
  build_buckets (self);
  apply_filter (self);
}

void
dc_dock_model_set_filter (DcDockModel *self, const char *text)
{
  g_autofree char *lower = text ? g_ascii_strdown (text, -1) : NULL;

  if (g_strcmp0 (lower, self->filter) == 0)
    return;
  g_free (self->filter);
  self->filter = g_steal_pointer (&lower);
  apply_filter (self);
}

void
dc_dock_model_set_descending (DcDockModel *self, gboolean descending)
{
  if (self->descending == descending)
    return;
  self->descending = descending;
  apply_filter (self);
}

guint
dc_dock_model_get_n_docks (DcDockModel *self)
{
  return self->visible->len;
}

guint
dc_dock_model_get_dock_index (DcDockModel *self, guint column)
{
  g_return_val_if_fail (column < self->visible->len, 0);
  return g_array_index (self->visible, guint32, column);
}

guint
dc_dock_model_get_n_entries (DcDockModel *self, guint column)
{
  g_return_val_if_fail (column < self->entries->len, 0);
  return ((GArray *) g_ptr_array_index (self->entries, column))->len;
}

int
dc_dock_model_get_entry_row (DcDockModel *self, guint column, guint i)
{
  GArray *rows;

  if (column >= self->entries->len)
    return -1;
  rows = g_ptr_array_index (self->entries, column);
  return i < rows->len ? (int) g_array_index (rows, guint32, i) : -1;
}
