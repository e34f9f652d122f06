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
 * main thread (the sheet belongs to it) in slices of a few milliseconds,
 * then never changed: workers read it without locks. */

typedef struct
{
  gatomicrefcount  ref;
  DcEsheet        *esheet;      /* keeps the strings alive (its arena) */
  guint            n;           /* waybills */
  guint            built;       /* waybills copied so far */
  const char     **name;        /* waybill */
  guint32         *dock;        /* dock view index of its first scan */
  gint64          *first_us;
  guint32         *n_scans;
  guint            n_docks;
  const char     **dock_name;
  GHashTable      *dock_of;     /* interned dock name -> view index (while built) */
  /* by dock: each waybill once per dock it was scanned at, at its first
   * scan there */
  GArray          *entries;     /* DockEntry */
  GMutex           lock;
  GPtrArray       *buckets;     /* per dock: GArray of guint32 entry indexes, by time (lock) */
} Snapshot;

typedef struct
{
  gint64      time;
  guint32     row;
  guint32     dock;
  const char *name;
} DockEntry;

#define SNAPSHOT_SLICE 40000   /* waybills per main-loop iteration (~3 ms) */

static Snapshot *
snapshot_new (DcEsheet *esheet)
{
  Snapshot *snap = g_new0 (Snapshot, 1);

  g_atomic_ref_count_init (&snap->ref);
  g_mutex_init (&snap->lock);
  snap->esheet = g_object_ref (esheet);
  snap->n = dc_esheet_get_n_waybills (esheet);
  snap->name = g_new (const char *, MAX (snap->n, 1));
  snap->dock = g_new (guint32, MAX (snap->n, 1));
  snap->first_us = g_new (gint64, MAX (snap->n, 1));
  snap->n_scans = g_new (guint32, MAX (snap->n, 1));
  snap->n_docks = dc_esheet_get_n_docks (esheet);
  snap->dock_name = g_new (const char *, snap->n_docks + 1);
  snap->dock_of = g_hash_table_new (NULL, NULL);
  snap->entries = g_array_sized_new (FALSE, FALSE, sizeof (DockEntry), snap->n);
  for (guint d = 0; d < snap->n_docks; d++)
    {
      DcEsheetDockItem it;
      dc_esheet_get_dock_item (esheet, d, NULL, &it);
      snap->dock_name[d] = it.dock;
      g_hash_table_insert (snap->dock_of, (gpointer) it.dock, GUINT_TO_POINTER (d));
    }
  return snap;
}

/* Copies up to @budget more waybills; TRUE when the snapshot is complete. */
static gboolean
snapshot_build (Snapshot *snap, guint budget)
{
  DcEsheet *esheet = snap->esheet;
  guint end = budget >= snap->n - snap->built ? snap->n : snap->built + budget;

  for (guint w = snap->built; w < end; w++)
    {
      DcEsheetWaybillItem it;

      dc_esheet_get_waybill_item (esheet, w, &it);
      snap->name[w] = it.waybill;
      snap->first_us[w] = it.first_us;
      snap->n_scans[w] = it.n_scans;
      for (guint k = 0; k < it.n_scans; k++)
        {
          /* docks are interned by the sheet: the pointer is the key */
          const char *dock = dc_esheet_get_row_dock (esheet, it.rows[k]);
          gboolean seen = FALSE;
          DockEntry e;

          for (guint j = 0; j < k && !seen; j++)
            seen = dc_esheet_get_row_dock (esheet, it.rows[j]) == dock;
          if (seen)
            continue;
          e.dock = GPOINTER_TO_UINT (g_hash_table_lookup (snap->dock_of, dock));
          if (k == 0)
            snap->dock[w] = e.dock;
          e.time = dc_esheet_get_row_time (esheet, it.rows[k]);
          e.row = it.rows[k];
          e.name = it.waybill;
          g_array_append_val (snap->entries, e);
        }
    }
  snap->built = end;
  if (snap->built == snap->n)
    g_clear_pointer (&snap->dock_of, g_hash_table_unref);
  return snap->built == snap->n;
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
  g_clear_pointer (&snap->dock_of, g_hash_table_unref);
  g_array_unref (snap->entries);
  g_clear_pointer (&snap->buckets, g_ptr_array_unref);
  g_mutex_clear (&snap->lock);
  g_free (snap);
}

static int
cmp_entry_index (gconstpointer pa, gconstpointer pb, gpointer user_data)
{
  const DockEntry *base = user_data;
  const DockEntry *a = &base[*(const guint32 *) pa], *b = &base[*(const guint32 *) pb];

  if (a->time != b->time)
    return a->time < b->time ? -1 : 1;
  return a->row < b->row ? -1 : a->row > b->row;
}

/* Per dock, its entries by time; made once per snapshot, by the first
 * worker that needs them. */
static GPtrArray *
snapshot_get_buckets (Snapshot *snap)
{
  g_mutex_lock (&snap->lock);
  if (snap->buckets == NULL)
    {
      const DockEntry *base = (const DockEntry *) snap->entries->data;
      GPtrArray *buckets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

      for (guint d = 0; d < snap->n_docks; d++)
        g_ptr_array_add (buckets, g_array_new (FALSE, FALSE, sizeof (guint32)));
      for (guint32 i = 0; i < snap->entries->len; i++)
        if (base[i].dock < snap->n_docks)
          g_array_append_val (g_ptr_array_index (buckets, base[i].dock), i);
      for (guint d = 0; d < snap->n_docks; d++)
        {
          GArray *b = g_ptr_array_index (buckets, d);
          g_qsort_with_data (b->data, b->len, sizeof (guint32), cmp_entry_index, (gpointer) base);
        }
      snap->buckets = buckets;
    }
  g_mutex_unlock (&snap->lock);
  return snap->buckets;
}

/* Background work: one task at a time per model.  The model asks for a
 * result (runner_request); the runner completes the snapshot in idle
 * slices, runs the task in a thread (or inline for small sheets, or when
 * someone waits) and hands the result to the model on the main thread.
 * A newer request cancels the running task (it stops early) and runs
 * after it. */

typedef struct _Task Task;
typedef struct _Runner Runner;

struct _Task
{
  gatomicrefcount  ref;
  Snapshot        *snap;
  gpointer         params;
  GDestroyNotify   free_params;
  gpointer         result;
  GDestroyNotify   free_result;
  void           (*compute) (Task *task);
  int              cancelled;    /* atomic */
  GThread         *thread;
  GMutex           lock;
  GCond            cond;
  gboolean         done;         /* under lock */
  guint            idle_id;      /* under lock: the worker's "done" idle */
  Runner          *runner;       /* NULL once the runner let it go */
};

struct _Runner
{
  gpointer   owner;
  gboolean   async;
  Snapshot  *snap;
  guint      snap_idle;
  gboolean   wanted;             /* a request waits for the snapshot */
  Task      *task;               /* running in a worker */
  gboolean   again;              /* the task is superseded */
  /* the owner's part (main thread) */
  Task     *(*make_task)   (gpointer owner, Snapshot *snap);
  void      (*apply)       (gpointer owner, Task *task);
  void      (*busy_changed) (gpointer owner);
};

#define CANCELLED(task) g_atomic_int_get (&(task)->cancelled)
#define SYNC_LIMIT 20000   /* below this many waybills, no thread */

static Task *
task_new (Snapshot *snap, void (*compute) (Task *), gpointer params, GDestroyNotify free_params)
{
  Task *task = g_new0 (Task, 1);

  g_atomic_ref_count_init (&task->ref);
  g_mutex_init (&task->lock);
  g_cond_init (&task->cond);
  task->snap = snapshot_ref (snap);
  task->compute = compute;
  task->params = params;
  task->free_params = free_params;
  return task;
}

static Task *
task_ref (Task *task)
{
  g_atomic_ref_count_inc (&task->ref);
  return task;
}

static void
task_unref (Task *task)
{
  if (task == NULL || !g_atomic_ref_count_dec (&task->ref))
    return;
  snapshot_unref (task->snap);
  if (task->free_params)
    task->free_params (task->params);
  if (task->result && task->free_result)
    task->free_result (task->result);
  g_mutex_clear (&task->lock);
  g_cond_clear (&task->cond);
  g_free (task);
}

static gboolean
runner_busy (Runner *r)
{
  return r->task != NULL || r->wanted;
}

static void runner_start (Runner *r);

/* Waits for the worker and joins it (main thread). */
static void
task_join (Task *task)
{
  g_mutex_lock (&task->lock);
  while (!task->done)
    g_cond_wait (&task->cond, &task->lock);
  g_clear_handle_id (&task->idle_id, g_source_remove);
  g_mutex_unlock (&task->lock);
  g_clear_pointer (&task->thread, g_thread_join);
}

static void
runner_finish (Runner *r)
{
  Task *task = r->task;

  r->task = NULL;
  task->runner = NULL;
  if (!r->again && !CANCELLED (task))
    {
      r->apply (r->owner, task);
      r->busy_changed (r->owner);
    }
  else
    {
      r->again = FALSE;
      runner_start (r);
    }
  task_unref (task);
}

static gboolean
task_done_idle (gpointer data)
{
  Task *task = data;

  g_mutex_lock (&task->lock);
  task->idle_id = 0;
  g_mutex_unlock (&task->lock);
  g_clear_pointer (&task->thread, g_thread_join);
  if (task->runner && task->runner->task == task)
    runner_finish (task->runner);
  return G_SOURCE_REMOVE;
}

static gpointer
task_thread (gpointer data)
{
  Task *task = data;

  task->compute (task);
  g_mutex_lock (&task->lock);
  task->done = TRUE;
  task->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, task_done_idle, task_ref (task),
                                   (GDestroyNotify) task_unref);
  g_cond_broadcast (&task->cond);
  g_mutex_unlock (&task->lock);
  return NULL;
}

static gboolean
snapshot_idle (gpointer data)
{
  Runner *r = data;

  if (!snapshot_build (r->snap, SNAPSHOT_SLICE))
    return G_SOURCE_CONTINUE;
  r->snap_idle = 0;
  if (r->wanted)
    {
      r->wanted = FALSE;
      runner_start (r);
    }
  return G_SOURCE_REMOVE;
}

/* Starts the task for the owner's current state (the snapshot must exist). */
static void
runner_start (Runner *r)
{
  gboolean was_busy = runner_busy (r);

  if (r->snap == NULL)
    {
      /* the sheet went away (reset) and nothing was asked since */
      if (was_busy != runner_busy (r) || !was_busy)
        r->busy_changed (r->owner);
      return;
    }
  if (r->snap->built < r->snap->n)
    {
      r->wanted = TRUE;
      if (r->snap_idle == 0)
        r->snap_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, snapshot_idle, r, NULL);
    }
  else
    {
      r->task = r->make_task (r->owner, r->snap);
      r->task->runner = r;
      r->task->thread = g_thread_new ("dc-esheet-view", task_thread, r->task);
    }
  if (!was_busy)
    r->busy_changed (r->owner);
}

/* The owner's state changed: a result is wanted (computed and applied at
 * once for small sheets or a synchronous owner). */
static void
runner_request (Runner *r, DcEsheet *esheet)
{
  if (r->snap == NULL)
    r->snap = snapshot_new (esheet);
  if (r->task)
    {
      g_atomic_int_set (&r->task->cancelled, TRUE);
      r->again = TRUE;
      return;
    }
  if (r->wanted)
    return;   /* the newest state is read when the snapshot is complete */
  if (!r->async || r->snap->n < SYNC_LIMIT)
    {
      Task *task;

      snapshot_build (r->snap, G_MAXUINT);
      g_clear_handle_id (&r->snap_idle, g_source_remove);
      task = r->make_task (r->owner, r->snap);
      task->compute (task);
      r->apply (r->owner, task);
      task_unref (task);
      return;
    }
  runner_start (r);
}

/* Blocks until the wanted result is shown. */
static void
runner_wait (Runner *r)
{
  while (runner_busy (r))
    {
      if (r->wanted)
        {
          snapshot_build (r->snap, G_MAXUINT);
          g_clear_handle_id (&r->snap_idle, g_source_remove);
          r->wanted = FALSE;
          r->task = r->make_task (r->owner, r->snap);
          r->task->runner = r;
          r->task->thread = g_thread_new ("dc-esheet-view", task_thread, r->task);
        }
      task_join (r->task);
      runner_finish (r);
    }
}

/* The sheet changed: the snapshot goes (a task running keeps its own). */
static void
runner_reset (Runner *r)
{
  g_clear_handle_id (&r->snap_idle, g_source_remove);
  g_clear_pointer (&r->snap, snapshot_unref);
  if (r->wanted)
    {
      /* requested again by the owner */
      r->wanted = FALSE;
      r->busy_changed (r->owner);
    }
  if (r->task)
    {
      g_atomic_int_set (&r->task->cancelled, TRUE);
      r->again = TRUE;
    }
}

static void
runner_clear (Runner *r)
{
  g_clear_handle_id (&r->snap_idle, g_source_remove);
  if (r->task)
    {
      g_atomic_int_set (&r->task->cancelled, TRUE);
      task_join (r->task);
      r->task->runner = NULL;
      g_clear_pointer (&r->task, task_unref);
    }
  r->wanted = FALSE;
  g_clear_pointer (&r->snap, snapshot_unref);
}

/* The waybill filter and sort */

typedef struct
{
  char           *filter;       /* lower case, or NULL */
  DcWaybillSort   sort;
  gboolean        descending;
  guint8         *ranks;        /* status sort */
} WaybillParams;

typedef struct
{
  guint32 *perm;
  guint    n;
} WaybillResult;

static void
waybill_params_free (gpointer data)
{
  WaybillParams *p = data;
  g_free (p->filter);
  g_free (p->ranks);
  g_free (p);
}

static void
waybill_result_free (gpointer data)
{
  WaybillResult *res = data;
  g_free (res->perm);
  g_free (res);
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
waybill_compute (Task *task)
{
  const Snapshot *snap = task->snap;
  const WaybillParams *p = task->params;
  g_autofree guint8 *dock_hit = g_new0 (guint8, snap->n_docks + 1);
  gboolean filtering = p->filter != NULL && *p->filter != '\0';
  gboolean strings = p->sort == DC_WAYBILL_SORT_WAYBILL || p->sort == DC_WAYBILL_SORT_DOCK;
  WaybillResult *res = g_new0 (WaybillResult, 1);
  guint32 *perm = g_new (guint32, MAX (snap->n, 1));
  guint n = 0;

  for (guint d = 0; filtering && d < snap->n_docks; d++)
    dock_hit[d] = contains_ci (snap->dock_name[d], p->filter);
  for (guint w = 0; w < snap->n; w++)
    {
      if ((w & 0xffff) == 0 && CANCELLED (task))
        break;
      if (filtering && !dock_hit[snap->dock[w]] && !contains_ci (snap->name[w], p->filter))
        continue;
      perm[n++] = w;
    }
  if (p->sort != DC_WAYBILL_SORT_SHEET && !CANCELLED (task))
    {
      SortKey *keys = g_new (SortKey, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        {
          guint32 w = perm[i];
          SortKey k = { w, NULL, w };

          switch (p->sort)
            {
            case DC_WAYBILL_SORT_WAYBILL: k.s = snap->name[w]; break;
            case DC_WAYBILL_SORT_DOCK: k.s = snap->dock_name[snap->dock[w]]; break;
            case DC_WAYBILL_SORT_TIME: k.v = snap->first_us[w]; break;
            case DC_WAYBILL_SORT_SCANS: k.v = snap->n_scans[w]; break;
            case DC_WAYBILL_SORT_STATUS: k.v = p->ranks ? p->ranks[w] : 0; break;
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
  if (p->descending)
    for (guint i = 0; i < n / 2; i++)
      {
        guint32 t = perm[i];
        perm[i] = perm[n - 1 - i];
        perm[n - 1 - i] = t;
      }
  res->perm = perm;
  res->n = n;
  task->result = res;
  task->free_result = waybill_result_free;
}

/* DcWaybillModel */

struct _DcWaybillModel
{
  GObject        parent_instance;

  DcEsheet      *esheet;
  guint32       *perm;           /* waybill indexes, filtered and sorted */
  guint          n;
  char          *filter;         /* lower case */
  DcWaybillSort  sort;
  gboolean       descending;
  Runner         runner;
  GHashTable    *alive;          /* position -> DcRowItem (weak) */
  DcStatusFunc   status_func;
  gpointer       status_data;
  guint          row_limit;      /* rows GTK is told of, at most (see the view) */
};

enum { WM_PROP_0, WM_PROP_BUSY, WM_N_PROPS };
static GParamSpec *wm_properties[WM_N_PROPS];

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

/* The rows GTK sees: all of them, or the first row_limit.  Selecting
 * (select all, the counts) covers every row all the same. */
static guint
wm_shown (DcWaybillModel *self)
{
  return MIN (self->n, self->row_limit);
}

/* selection-changed for the rows GTK sees of @position..+@n. */
static void
wm_selection_changed (DcWaybillModel *self, guint position, guint n)
{
  guint shown = wm_shown (self);

  if (position < shown && n > 0)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position,
                                           MIN (n, shown - position));
}

static guint
wm_get_n_items (GListModel *list)
{
  return wm_shown (DC_WAYBILL_MODEL (list));
}

static gpointer
wm_get_item (GListModel *list, guint position)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (list);

  if (position >= wm_shown (self))
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
          wm_selection_changed (self, 0, self->n);
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
    wm_selection_changed (self, lo, hi - lo + 1);
  return TRUE;
}

/* Every row, not only those GTK sees (GTK's own select-all would ask for
 * get_n_items() rows). */
static gboolean
wm_set_all (GtkSelectionModel *model, gboolean selected)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (model);
  g_autoptr(GtkBitset) all = gtk_bitset_new_range (0, self->n);
  g_autoptr(GtkBitset) none = gtk_bitset_new_empty ();

  return wm_set_selection (model, selected ? all : none, all);
}

static gboolean
wm_select_all (GtkSelectionModel *model)
{
  return wm_set_all (model, TRUE);
}

static gboolean
wm_unselect_all (GtkSelectionModel *model)
{
  return wm_set_all (model, FALSE);
}

static void
dc_waybill_model_selection_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = wm_is_selected;
  iface->set_selection = wm_set_selection;
  iface->select_all = wm_select_all;
  iface->unselect_all = wm_unselect_all;
}

static void
dc_waybill_model_dispose (GObject *object)
{
  runner_clear (&DC_WAYBILL_MODEL (object)->runner);
  G_OBJECT_CLASS (dc_waybill_model_parent_class)->dispose (object);
}

static void
dc_waybill_model_finalize (GObject *object)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (object);

  alive_detach (self->alive);
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
      g_value_set_boolean (value, runner_busy (&self->runner));
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

/* Shows a new permutation (takes @perm). */
static void
show_perm (DcWaybillModel *self, guint32 *perm, guint n)
{
  guint old_shown = wm_shown (self);

  g_free (self->perm);
  self->perm = perm;
  self->n = n;
  alive_replace (G_LIST_MODEL (self), self->alive, old_shown, wm_shown (self));
  /* the rows that stayed in place now show other waybills */
  wm_selection_changed (self, 0, MIN (old_shown, wm_shown (self)));
}

static Task *
wm_make_task (gpointer owner, Snapshot *snap)
{
  DcWaybillModel *self = owner;
  WaybillParams *p = g_new0 (WaybillParams, 1);

  p->filter = g_strdup (self->filter);
  p->sort = self->sort;
  p->descending = self->descending;
  if (self->sort == DC_WAYBILL_SORT_STATUS && self->status_func)
    {
      p->ranks = g_new0 (guint8, MAX (snap->n, 1));
      self->status_func (self->esheet, p->ranks, self->status_data);
    }
  return task_new (snap, waybill_compute, p, waybill_params_free);
}

static void
wm_apply (gpointer owner, Task *task)
{
  WaybillResult *res = task->result;

  show_perm (owner, g_steal_pointer (&res->perm), res->n);
}

static void
wm_busy_changed (gpointer owner)
{
  g_object_notify_by_pspec (owner, wm_properties[WM_PROP_BUSY]);
}

static void
dc_waybill_model_init (DcWaybillModel *self)
{
  self->alive = g_hash_table_new (NULL, NULL);
  self->row_limit = G_MAXUINT;
  self->runner.owner = self;
  self->runner.make_task = wm_make_task;
  self->runner.apply = wm_apply;
  self->runner.busy_changed = wm_busy_changed;
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
  self->runner.async = async;
}

gboolean
dc_waybill_model_get_busy (DcWaybillModel *self)
{
  return runner_busy (&self->runner);
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

  if (stale)
    runner_reset (&self->runner);
  /* a permutation of another sheet must not be read: the sheet as it
   * is until the result is there */
  if (stale || (trivial && !runner_busy (&self->runner)))
    show_identity (self, n);
  if (n == 0 || (trivial && !runner_busy (&self->runner)))
    return;
  runner_request (&self->runner, self->esheet);
}

void
dc_waybill_model_wait (DcWaybillModel *self)
{
  runner_wait (&self->runner);
}

void
dc_waybill_model_set_esheet (DcWaybillModel *self, DcEsheet *esheet)
{
  g_set_object (&self->esheet, esheet);
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

void
dc_waybill_model_all_status_changed (DcWaybillModel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->alive);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    dc_row_item_status_changed (value);
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
      n += it.any_selected;   /* by dock, one dock's scans of a waybill may be */
    }
  return n;
}

void
dc_waybill_model_selection_touched (DcWaybillModel *self)
{
  wm_selection_changed (self, 0, self->n);
}

guint
dc_waybill_model_get_n_rows (DcWaybillModel *self)
{
  return self->n;
}

guint
dc_waybill_model_get_row_limit (DcWaybillModel *self)
{
  return self->row_limit;
}

void
dc_waybill_model_set_row_limit (DcWaybillModel *self, guint limit)
{
  guint old_n = wm_shown (self), n;

  self->row_limit = limit;
  n = wm_shown (self);
  if (n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, n - old_n);
  else if (n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), n, old_n - n, 0);
}

/* The by-dock filter */

typedef struct
{
  char     *filter;
  gboolean  descending;
} DockParams;

typedef struct
{
  GArray    *visible;     /* guint32 dock indexes */
  GPtrArray *entries;     /* per visible dock: GArray of guint32 rows */
  guint      max;
} DockResult;

static void
dock_params_free (gpointer data)
{
  DockParams *p = data;
  g_free (p->filter);
  g_free (p);
}

static void
dock_result_free (gpointer data)
{
  DockResult *res = data;
  g_clear_pointer (&res->visible, g_array_unref);
  g_clear_pointer (&res->entries, g_ptr_array_unref);
  g_free (res);
}

static void
dock_compute (Task *task)
{
  Snapshot *snap = task->snap;
  const DockParams *p = task->params;
  GPtrArray *buckets = snapshot_get_buckets (snap);
  const DockEntry *base = (const DockEntry *) snap->entries->data;
  DockResult *res = g_new0 (DockResult, 1);

  res->visible = g_array_new (FALSE, FALSE, sizeof (guint32));
  res->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint32 d = 0; d < snap->n_docks && !CANCELLED (task); d++)
    {
      GArray *bucket = g_ptr_array_index (buckets, d);
      gboolean whole = contains_ci (snap->dock_name[d], p->filter);
      GArray *rows = g_array_sized_new (FALSE, FALSE, sizeof (guint32), whole ? bucket->len : 0);

      for (guint i = 0; i < bucket->len; i++)
        {
          guint j = p->descending ? bucket->len - 1 - i : i;
          const DockEntry *e = &base[g_array_index (bucket, guint32, j)];

          if (whole || contains_ci (e->name, p->filter))
            g_array_append_val (rows, e->row);
        }
      if (rows->len == 0 && !whole)
        {
          g_array_unref (rows);
          continue;
        }
      g_array_append_val (res->visible, d);
      g_ptr_array_add (res->entries, rows);
      res->max = MAX (res->max, rows->len);
    }
  task->result = res;
  task->free_result = dock_result_free;
}

/* DcDockModel */

struct _DcDockModel
{
  GObject     parent_instance;

  DcEsheet   *esheet;
  GArray     *visible;     /* guint32 dock indexes */
  GPtrArray  *entries;     /* per visible column: GArray of guint32 rows (filtered) */
  char       *filter;
  gboolean    descending;
  guint       n_items;     /* rows with content */
  guint       row_limit;   /* rows shown at most (see the view) */
  GHashTable *alive;       /* position -> DcRowItem (weak) */
  Runner      runner;
};

enum { DM_PROP_0, DM_PROP_BUSY, DM_N_PROPS };
static GParamSpec *dm_properties[DM_N_PROPS];

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
dc_dock_model_dispose (GObject *object)
{
  runner_clear (&DC_DOCK_MODEL (object)->runner);
  G_OBJECT_CLASS (dc_dock_model_parent_class)->dispose (object);
}

static void
dc_dock_model_finalize (GObject *object)
{
  DcDockModel *self = DC_DOCK_MODEL (object);

  alive_detach (self->alive);
  g_clear_object (&self->esheet);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_array_unref (self->visible);
  g_free (self->filter);
  G_OBJECT_CLASS (dc_dock_model_parent_class)->finalize (object);
}

static void
dc_dock_model_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case DM_PROP_BUSY:
      g_value_set_boolean (value, runner_busy (&DC_DOCK_MODEL (object)->runner));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dc_dock_model_class_init (DcDockModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dc_dock_model_dispose;
  G_OBJECT_CLASS (klass)->finalize = dc_dock_model_finalize;
  G_OBJECT_CLASS (klass)->get_property = dc_dock_model_get_property;
  dm_properties[DM_PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), DM_N_PROPS, dm_properties);
}

/* Shows new columns and entries (takes them). */
static void
dm_show (DcDockModel *self, GArray *visible, GPtrArray *entries, guint max)
{
  guint old_n = dm_shown (self);

  g_array_unref (self->visible);
  self->visible = visible;
  g_ptr_array_unref (self->entries);
  self->entries = entries;
  self->n_items = visible->len ? max + 1 : 0;
  alive_replace (G_LIST_MODEL (self), self->alive, old_n, dm_shown (self));
}

static Task *
dm_make_task (gpointer owner, Snapshot *snap)
{
  DcDockModel *self = owner;
  DockParams *p = g_new0 (DockParams, 1);

  p->filter = g_strdup (self->filter);
  p->descending = self->descending;
  return task_new (snap, dock_compute, p, dock_params_free);
}

static void
dm_apply (gpointer owner, Task *task)
{
  DockResult *res = task->result;

  dm_show (owner, g_steal_pointer (&res->visible), g_steal_pointer (&res->entries), res->max);
}

static void
dm_busy_changed (gpointer owner)
{
  g_object_notify_by_pspec (owner, dm_properties[DM_PROP_BUSY]);
}

static void
dc_dock_model_init (DcDockModel *self)
{
  self->visible = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  self->alive = g_hash_table_new (NULL, NULL);
  self->row_limit = G_MAXUINT;
  self->runner.owner = self;
  self->runner.make_task = dm_make_task;
  self->runner.apply = dm_apply;
  self->runner.busy_changed = dm_busy_changed;
}

DcDockModel *
dc_dock_model_new (void)
{
  return g_object_new (DC_TYPE_DOCK_MODEL, NULL);
}

/* @stale: the sheet changed, the entries shown are no longer valid. */
static void
dm_rebuild (DcDockModel *self, gboolean stale)
{
  if (stale)
    {
      runner_reset (&self->runner);
      /* nothing by dock until the result is there */
      dm_show (self, g_array_new (FALSE, FALSE, sizeof (guint32)),
               g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref), 0);
    }
  if (self->esheet == NULL || dc_esheet_get_n_waybills (self->esheet) == 0)
    return;
  runner_request (&self->runner, self->esheet);
}

void
dc_dock_model_set_async (DcDockModel *self, gboolean async)
{
  self->runner.async = async;
}

gboolean
dc_dock_model_get_busy (DcDockModel *self)
{
  return runner_busy (&self->runner);
}

void
dc_dock_model_wait (DcDockModel *self)
{
  runner_wait (&self->runner);
}

void
dc_dock_model_set_esheet (DcDockModel *self, DcEsheet *esheet, DcConfig *config)
{
  g_set_object (&self->esheet, esheet);
  dm_rebuild (self, TRUE);
}

void
dc_dock_model_refresh (DcDockModel *self)
{
  dm_rebuild (self, TRUE);
}

void
dc_dock_model_set_filter (DcDockModel *self, const char *text)
{
  g_autofree char *lower = text && *text ? g_ascii_strdown (text, -1) : NULL;

  if (g_strcmp0 (lower, self->filter) == 0)
    return;
  g_free (self->filter);
  self->filter = g_steal_pointer (&lower);
  dm_rebuild (self, FALSE);
}

void
dc_dock_model_set_descending (DcDockModel *self, gboolean descending)
{
  if (self->descending == descending)
    return;
  self->descending = descending;
  dm_rebuild (self, FALSE);
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
