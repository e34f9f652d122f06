#define G_LOG_DOMAIN "dc-esheet-model"

#include "config.h"

#include <string.h>

#include "dc-esheet-model.h"

/* DcRowItem */

struct _DcRowItem
{
  GObject     parent_instance;
  guint       index;
  GHashTable *alive;   /* its model's cache of live items, or NULL */
};

G_DEFINE_FINAL_TYPE (DcRowItem, dc_row_item, G_TYPE_OBJECT)

enum { ROW_PROP_0, ROW_PROP_STATUS, ROW_PROP_CONTENT, ROW_N_PROPS };
static GParamSpec *row_properties[ROW_N_PROPS];

static void
dc_row_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  /* "status" and "content" only exist to be notified; cells read the sheet */
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
  row_properties[ROW_PROP_CONTENT] =
    g_param_spec_int ("content", NULL, NULL, 0, 1, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), ROW_N_PROPS, row_properties);
}

static void
dc_row_item_init (DcRowItem *self)
{
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

void
dc_row_item_content_changed (DcRowItem *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_CONTENT]);
}

/* The item of a position: the same object as long as GTK holds it, so a
 * new permutation leaves GTK's rows in place. */
static gpointer
alive_item (GHashTable *alive, guint position)
{
  DcRowItem *item = g_hash_table_lookup (alive, GUINT_TO_POINTER (position));

  if (item != NULL)
    return g_object_ref (item);
  item = g_object_new (DC_TYPE_ROW_ITEM, NULL);
  item->index = position;
  /* The cache holds no reference: the item removes itself when freed. */
  item->alive = alive;
  g_hash_table_insert (alive, GUINT_TO_POINTER (position), item);
  return item;
}

static void
alive_detach (GHashTable *alive)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, alive);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ((DcRowItem *) value)->alive = NULL;
  g_hash_table_unref (alive);
}

/* Replaces a model's content of @old_n rows by @new_n rows: items-changed
 * for the tail only, notify::content for the live items before it. */
static void
alive_replace (GListModel *model, GHashTable *alive, guint old_n, guint new_n)
{
  guint common = MIN (old_n, new_n);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  if (old_n != new_n)
    g_list_model_items_changed (model, common, old_n - common, new_n - common);
  /* collect first: a handler may drop the last reference of an item */
  g_hash_table_iter_init (&iter, alive);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (key) < common)
      g_ptr_array_add (items, g_object_ref (value));
  for (guint i = 0; i < items->len; i++)
    dc_row_item_content_changed (g_ptr_array_index (items, i));
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

/* Snapshot: what a filter or sort reads, copied from the sheet on the
 * main thread (about 30 ms per million waybills) and never changed. */

typedef struct
{
  gatomicrefcount  ref;
  DcEsheet        *esheet;      /* keeps the strings alive (its arena) */
  guint            n;
  const char     **name;        /* waybill */
  guint32         *dock;        /* dock view index of its first scan */
  gint64          *first_us;
  guint32         *n_scans;
  guint            n_docks;
  const char     **dock_name;
} Snapshot;

static Snapshot *
snapshot_new (DcEsheet *esheet)
{
  Snapshot *snap = g_new0 (Snapshot, 1);
  g_autoptr(GHashTable) dock_of = g_hash_table_new (NULL, NULL);

  g_atomic_ref_count_init (&snap->ref);
  snap->esheet = g_object_ref (esheet);
  snap->n = dc_esheet_get_n_waybills (esheet);
  snap->name = g_new (const char *, MAX (snap->n, 1));
  snap->dock = g_new (guint32, MAX (snap->n, 1));
  snap->first_us = g_new (gint64, MAX (snap->n, 1));
  snap->n_scans = g_new (guint32, MAX (snap->n, 1));
  snap->n_docks = dc_esheet_get_n_docks (esheet);
  snap->dock_name = g_new (const char *, snap->n_docks + 1);
  for (guint d = 0; d < snap->n_docks; d++)
    {
      DcEsheetDockItem it;
      dc_esheet_get_dock_item (esheet, d, NULL, &it);
      snap->dock_name[d] = it.dock;
      g_hash_table_insert (dock_of, (gpointer) it.dock, GUINT_TO_POINTER (d));
    }
  for (guint w = 0; w < snap->n; w++)
    {
      DcEsheetWaybillItem it;
      const char *dock;

      dc_esheet_get_waybill_item (esheet, w, &it);
      /* docks are interned by the sheet: the pointer is the key */
      dock = dc_esheet_get_row_dock (esheet, it.rows[0]);
      snap->name[w] = it.waybill;
      snap->dock[w] = GPOINTER_TO_UINT (g_hash_table_lookup (dock_of, dock));
      snap->first_us[w] = it.first_us;
      snap->n_scans[w] = it.n_scans;
    }
  return snap;
}

static Snapshot *
snapshot_ref (Snapshot *snap)
{
  g_atomic_ref_count_inc (&snap->ref);
  return snap;
}

/* The last reference is always dropped on the main thread. */
static void
snapshot_unref (Snapshot *snap)
{
  if (snap == NULL || !g_atomic_ref_count_dec (&snap->ref))
    return;
  g_object_unref (snap->esheet);
  g_free (snap->name);
  g_free (snap->dock);
  g_free (snap->first_us);
  g_free (snap->n_scans);
  g_free (snap->dock_name);
  g_free (snap);
}

/* A filter and sort over a snapshot: runs in a worker or inline. */

typedef struct
{
  gatomicrefcount  ref;
  Snapshot        *snap;
  char            *filter;       /* lower case, or NULL */
  DcWaybillSort    sort;
  gboolean         descending;
  guint8          *ranks;        /* status sort */
  int              cancelled;    /* atomic */
  guint32         *perm;         /* the result */
  guint            n;
  GThread         *thread;
  GMutex           lock;
  GCond            cond;
  gboolean         done;         /* under lock */
  guint            idle_id;      /* under lock: the worker's "done" idle */
  DcWaybillModel  *model;        /* NULL once the model let it go */
} Job;

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

#define CANCELLED(job) g_atomic_int_get (&(job)->cancelled)

static void
job_compute (Job *job)
{
  const Snapshot *snap = job->snap;
  g_autofree guint8 *dock_hit = g_new0 (guint8, snap->n_docks + 1);
  gboolean filtering = job->filter != NULL && *job->filter != '\0';
  gboolean strings = job->sort == DC_WAYBILL_SORT_WAYBILL || job->sort == DC_WAYBILL_SORT_DOCK;
  guint32 *perm = g_new (guint32, MAX (snap->n, 1));
  guint n = 0;

  for (guint d = 0; filtering && d < snap->n_docks; d++)
    dock_hit[d] = contains_ci (snap->dock_name[d], job->filter);
  for (guint w = 0; w < snap->n; w++)
    {
      if ((w & 0xffff) == 0 && CANCELLED (job))
        break;
      if (filtering && !dock_hit[snap->dock[w]] && !contains_ci (snap->name[w], job->filter))
        continue;
      perm[n++] = w;
    }
  if (job->sort != DC_WAYBILL_SORT_SHEET && !CANCELLED (job))
    {
      SortKey *keys = g_new (SortKey, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        {
          guint32 w = perm[i];
          SortKey k = { w, NULL, w };

          switch (job->sort)
            {
            case DC_WAYBILL_SORT_WAYBILL: k.s = snap->name[w]; break;
            case DC_WAYBILL_SORT_DOCK: k.s = snap->dock_name[snap->dock[w]]; break;
            case DC_WAYBILL_SORT_TIME: k.v = snap->first_us[w]; break;
            case DC_WAYBILL_SORT_SCANS: k.v = snap->n_scans[w]; break;
            case DC_WAYBILL_SORT_STATUS: k.v = job->ranks ? job->ranks[w] : 0; break;
            case DC_WAYBILL_SORT_SHEET:
            default:
              break;
            }
          keys[i] = k;
        }
      g_qsort_with_data (keys, n, sizeof (SortKey), cmp_keys, GINT_TO_POINTER (strings));
      for (guint i = 0; i < n; i++)
        perm[i] = keys[i].index;
      g_free (keys);
    }
  if (job->descending)
    for (guint i = 0; i < n / 2; i++)
      {
        guint32 t = perm[i];
        perm[i] = perm[n - 1 - i];
        perm[n - 1 - i] = t;
      }
  job->perm = perm;
  job->n = n;
}

static Job *
job_ref (Job *job)
{
  g_atomic_ref_count_inc (&job->ref);
  return job;
}

static void
job_unref (Job *job)
{
  if (job == NULL || !g_atomic_ref_count_dec (&job->ref))
    return;
  snapshot_unref (job->snap);
  g_free (job->filter);
  g_free (job->ranks);
  g_free (job->perm);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  g_free (job);
}

/* DcWaybillModel */

#define SYNC_LIMIT 20000   /* below this many waybills, no thread */

struct _DcWaybillModel
{
  GObject        parent_instance;

  DcEsheet      *esheet;
  Snapshot      *snap;           /* built when first needed */
  guint32       *perm;           /* waybill indexes, filtered and sorted */
  guint          n;
  char          *filter;         /* lower case */
  DcWaybillSort  sort;
  gboolean       descending;
  gboolean       async;
  Job           *job;            /* running in a worker */
  gboolean       again;          /* the job is superseded: run a new one after it */
  GHashTable    *alive;          /* position -> DcRowItem (weak) */
  DcStatusFunc   status_func;
  gpointer       status_data;
};

enum { WM_PROP_0, WM_PROP_BUSY, WM_N_PROPS };
static GParamSpec *wm_properties[WM_N_PROPS];

static void dc_waybill_model_list_iface_init (GListModelInterface *iface);
static void dc_waybill_model_selection_iface_init (GtkSelectionModelInterface *iface);
static void start_job (DcWaybillModel *self);

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
  return DC_WAYBILL_MODEL (list)->n;
}

static gpointer
wm_get_item (GListModel *list, guint position)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (list);

  if (position >= self->n)
    return NULL;
  return alive_item (self->alive, position);
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

  if (self->esheet == NULL || position >= self->n)
    return FALSE;
  dc_esheet_get_waybill_item (self->esheet, self->perm[position], &it);
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
  if (self->n == dc_esheet_get_n_waybills (self->esheet) &&
      gtk_bitset_get_size (mask) >= self->n && self->n > 0)
    {
      guint64 n_sel = gtk_bitset_get_size_in_range (selected, 0, self->n - 1);
      if (n_sel == 0 || n_sel == self->n)
        {
          dc_esheet_select_all (self->esheet, n_sel != 0);
          gtk_selection_model_selection_changed (model, 0, self->n);
          return TRUE;
        }
    }
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, mask, &pos);
       ok && pos < self->n;
       ok = gtk_bitset_iter_next (&iter, &pos))
    {
      dc_esheet_set_waybill_selected (self->esheet, self->perm[pos],
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

/* Waits for the worker and lets the job go (main thread). */
static void
job_join (Job *job)
{
  g_mutex_lock (&job->lock);
  while (!job->done)
    g_cond_wait (&job->cond, &job->lock);
  g_clear_handle_id (&job->idle_id, g_source_remove);
  g_mutex_unlock (&job->lock);
  g_clear_pointer (&job->thread, g_thread_join);
}

static void
dc_waybill_model_dispose (GObject *object)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (object);

  if (self->job)
    {
      g_atomic_int_set (&self->job->cancelled, TRUE);
      job_join (self->job);
      self->job->model = NULL;
      g_clear_pointer (&self->job, job_unref);
    }
  G_OBJECT_CLASS (dc_waybill_model_parent_class)->dispose (object);
}

static void
dc_waybill_model_finalize (GObject *object)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (object);

  alive_detach (self->alive);
  g_clear_pointer (&self->snap, snapshot_unref);
  g_clear_object (&self->esheet);
  g_free (self->perm);
  g_free (self->filter);
  G_OBJECT_CLASS (dc_waybill_model_parent_class)->finalize (object);
}

static void
dc_waybill_model_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (object);

  switch (prop_id)
    {
    case WM_PROP_BUSY:
      g_value_set_boolean (value, self->job != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dc_waybill_model_class_init (DcWaybillModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dc_waybill_model_dispose;
  G_OBJECT_CLASS (klass)->finalize = dc_waybill_model_finalize;
  G_OBJECT_CLASS (klass)->get_property = dc_waybill_model_get_property;
  wm_properties[WM_PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), WM_N_PROPS, wm_properties);
}

static void
dc_waybill_model_init (DcWaybillModel *self)
{
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

void
dc_waybill_model_set_async (DcWaybillModel *self, gboolean async)
{
  self->async = async;
}

gboolean
dc_waybill_model_get_busy (DcWaybillModel *self)
{
  return self->job != NULL;
}

DcWaybillSort
dc_waybill_model_get_sort (DcWaybillModel *self, gboolean *descending)
{
  if (descending)
    *descending = self->descending;
  return self->sort;
}

const char *
dc_waybill_model_get_dock (DcWaybillModel *self, guint waybill_index)
{
  DcEsheetWaybillItem it;

  dc_esheet_get_waybill_item (self->esheet, waybill_index, &it);
  return it.n_scans ? dc_esheet_get_row_dock (self->esheet, it.rows[0]) : "";
}

/* Shows a new permutation (takes @perm). */
static void
show_perm (DcWaybillModel *self, guint32 *perm, guint n)
{
  guint old_n = self->n;

  g_free (self->perm);
  self->perm = perm;
  self->n = n;
  alive_replace (G_LIST_MODEL (self), self->alive, old_n, n);
  /* the rows that stayed in place now show other waybills */
  if (MIN (old_n, n) > 0)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), 0, MIN (old_n, n));
}

static Job *
job_new (DcWaybillModel *self)
{
  Job *job = g_new0 (Job, 1);

  g_atomic_ref_count_init (&job->ref);
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  if (self->snap == NULL)
    self->snap = snapshot_new (self->esheet);
  job->snap = snapshot_ref (self->snap);
  job->filter = g_strdup (self->filter);
  job->sort = self->sort;
  job->descending = self->descending;
  if (self->sort == DC_WAYBILL_SORT_STATUS && self->status_func)
    {
      job->ranks = g_new0 (guint8, MAX (self->snap->n, 1));
      self->status_func (self->esheet, job->ranks, self->status_data);
    }
  return job;
}

static void
finish_job (DcWaybillModel *self)
{
  Job *job = self->job;

  self->job = NULL;
  job->model = NULL;
  if (!self->again && !CANCELLED (job))
    {
      show_perm (self, g_steal_pointer (&job->perm), job->n);
      g_object_notify_by_pspec (G_OBJECT (self), wm_properties[WM_PROP_BUSY]);
    }
  else
    {
      self->again = FALSE;
      start_job (self);
    }
  job_unref (job);
}

static gboolean
job_done_idle (gpointer data)
{
  Job *job = data;

  g_mutex_lock (&job->lock);
  job->idle_id = 0;
  g_mutex_unlock (&job->lock);
  g_clear_pointer (&job->thread, g_thread_join);
  if (job->model && job->model->job == job)
    finish_job (job->model);
  return G_SOURCE_REMOVE;
}

static gpointer
job_thread (gpointer data)
{
  Job *job = data;

  job_compute (job);
  g_mutex_lock (&job->lock);
  job->done = TRUE;
  job->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, job_done_idle, job_ref (job),
                                  (GDestroyNotify) job_unref);
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
  return NULL;
}

static void
start_job (DcWaybillModel *self)
{
  gboolean was_busy = self->job != NULL;

  self->job = job_new (self);
  self->job->model = self;
  self->job->thread = g_thread_new ("dc-esheet-sort", job_thread, self->job);
  if (!was_busy)
    g_object_notify_by_pspec (G_OBJECT (self), wm_properties[WM_PROP_BUSY]);
}

static void
show_identity (DcWaybillModel *self, guint n)
{
  guint32 *perm = n ? g_new (guint32, n) : NULL;

  for (guint i = 0; i < n; i++)
    perm[i] = i;
  show_perm (self, perm, n);
}

/* @stale: the sheet changed, the permutation shown is no longer valid. */
static void
rebuild (DcWaybillModel *self, gboolean stale)
{
  guint n = self->esheet ? dc_esheet_get_n_waybills (self->esheet) : 0;
  gboolean trivial = (self->filter == NULL || *self->filter == '\0') &&
                     self->sort == DC_WAYBILL_SORT_SHEET;

  /* a permutation of another sheet must not be read: the sheet as it
   * is until the worker has the result */
  if (stale && (trivial || n == 0 || self->job || (self->async && n >= SYNC_LIMIT)))
    show_identity (self, n);
  if (self->job)
    {
      /* one worker at a time: the running one stops early, then the
       * newest request runs */
      g_atomic_int_set (&self->job->cancelled, TRUE);
      self->again = TRUE;
      return;
    }
  if (n == 0 || trivial)
    {
      if (!stale)
        show_identity (self, n);
      return;
    }
  if (!self->async || n < SYNC_LIMIT)
    {
      Job *job = job_new (self);

      job_compute (job);
      show_perm (self, g_steal_pointer (&job->perm), job->n);
      job_unref (job);
      return;
    }
  start_job (self);
}

void
dc_waybill_model_wait (DcWaybillModel *self)
{
  while (self->job)
    {
      job_join (self->job);
      finish_job (self);
    }
}

void
dc_waybill_model_set_esheet (DcWaybillModel *self, DcEsheet *esheet)
{
  g_set_object (&self->esheet, esheet);
  g_clear_pointer (&self->snap, snapshot_unref);
  rebuild (self, TRUE);
}

void
dc_waybill_model_set_filter (DcWaybillModel *self, const char *text)
{
  g_autofree char *lower = text && *text ? g_ascii_strdown (text, -1) : NULL;

  if (g_strcmp0 (lower, self->filter) == 0)
    return;
  g_free (self->filter);
  self->filter = g_steal_pointer (&lower);
  rebuild (self, FALSE);
}

void
dc_waybill_model_set_sort (DcWaybillModel *self, DcWaybillSort sort, gboolean descending)
{
  if (self->sort == sort && self->descending == descending)
    return;
  self->sort = sort;
  self->descending = descending;
  rebuild (self, FALSE);
}

void
dc_waybill_model_refresh (DcWaybillModel *self)
{
  g_clear_pointer (&self->snap, snapshot_unref);
  rebuild (self, TRUE);
}

guint
dc_waybill_model_get_waybill_index (DcWaybillModel *self, guint position)
{
  g_return_val_if_fail (position < self->n, 0);
  return self->perm[position];
}

void
dc_waybill_model_status_changed (DcWaybillModel *self, const char *waybill)
{
  int index;
  GHashTableIter iter;
  gpointer key, value;

  if (self->esheet == NULL || (index = dc_esheet_find_waybill (self->esheet, waybill)) < 0)
    return;
  /* only the rows GTK shows have items: a couple of hundred at most */
  g_hash_table_iter_init (&iter, self->alive);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint pos = GPOINTER_TO_UINT (key);
      if (pos < self->n && self->perm[pos] == (guint32) index)
        {
          dc_row_item_status_changed (value);
          break;
        }
    }
}

guint
dc_waybill_model_get_n_selected (DcWaybillModel *self)
{
  guint n = 0;

  if (self->esheet == NULL)
    return 0;
  /* every waybill shown, one scan each: the sheet knows */
  if (self->n == dc_esheet_get_n_waybills (self->esheet) &&
      dc_esheet_get_n_rows (self->esheet) == self->n)
    return dc_esheet_get_n_selected (self->esheet);
  if (dc_esheet_get_n_selected (self->esheet) == 0)
    return 0;
  for (guint i = 0; i < self->n; i++)
    {
      DcEsheetWaybillItem it;
      dc_esheet_get_waybill_item (self->esheet, self->perm[i], &it);
      n += it.selected;
    }
  return n;
}

void
dc_waybill_model_selection_touched (DcWaybillModel *self)
{
  if (self->n > 0)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), 0, self->n);
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
  guint       n_items;     /* rows with content */
  guint       row_limit;   /* rows shown at most (see the view) */
  GHashTable *alive;       /* position -> DcRowItem (weak) */
};

static guint
dm_shown (DcDockModel *self)
{
  return MIN (self->n_items, self->row_limit);
}

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
  return dm_shown (DC_DOCK_MODEL (list));
}

static gpointer
dm_get_item (GListModel *list, guint position)
{
  if (position >= dm_shown (DC_DOCK_MODEL (list)))
    return NULL;
  return alive_item (DC_DOCK_MODEL (list)->alive, position);
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

  alive_detach (self->alive);
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
  self->alive = g_hash_table_new (NULL, NULL);
  self->row_limit = G_MAXUINT;
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
  guint old_n = dm_shown (self);
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
  alive_replace (G_LIST_MODEL (self), self->alive, old_n, dm_shown (self));
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

void
dc_dock_model_touch (DcDockModel *self)
{
  alive_replace (G_LIST_MODEL (self), self->alive, dm_shown (self), dm_shown (self));
}

guint
dc_dock_model_get_row_limit (DcDockModel *self)
{
  return self->row_limit;
}

void
dc_dock_model_set_row_limit (DcDockModel *self, guint limit)
{
  guint old_n = dm_shown (self), n;

  self->row_limit = limit;
  n = dm_shown (self);
  if (n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, n - old_n);
  else if (n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), n, old_n - n, 0);
}
