#define G_LOG_DOMAIN "dc-esheet-model"

#include "config.h"

#include <string.h>

#include "dc-esheet-model.h"

/* DcRowItem: the item of a position (a slot) */

struct _DcRowItem
{
  GObject     parent_instance;
  guint       index;   /* its position, G_MAXUINT once removed */
  GHashTable *slots;   /* its model's live items, or NULL */
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

  if (self->slots && g_hash_table_lookup (self->slots, GUINT_TO_POINTER (self->index)) == self)
    g_hash_table_remove (self->slots, GUINT_TO_POINTER (self->index));
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

/* The item of a position: made when asked for, and the same object as
 * long as anyone holds it (the cache holds no reference: an item leaves
 * it when freed). */
static gpointer
slots_get (GHashTable *slots, guint position)
{
  DcRowItem *item = g_hash_table_lookup (slots, GUINT_TO_POINTER (position));

  if (item != NULL)
    return g_object_ref (item);
  item = g_object_new (DC_TYPE_ROW_ITEM, NULL);
  item->index = position;
  item->slots = slots;
  g_hash_table_insert (slots, GUINT_TO_POINTER (position), item);
  return item;
}

/* Notifies @pspec on every live item (the rows GTK shows). */
static void
slots_notify (GHashTable *slots, GParamSpec *pspec)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  /* collected first: a handler may drop the last reference of an item */
  g_hash_table_iter_init (&iter, slots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (items, g_object_ref (value));
  for (guint i = 0; i < items->len; i++)
    g_object_notify_by_pspec (g_ptr_array_index (items, i), pspec);
}

static void
slots_detach (GHashTable *slots)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, slots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ((DcRowItem *) value)->slots = NULL;
      ((DcRowItem *) value)->index = G_MAXUINT;
    }
  g_hash_table_unref (slots);
}

/* Keeps the live items of positions [@from, @from + @n) as the items of
 * [0, @n) and lets the others go; called just before the items-changed
 * that puts the rows there.  GTK 4.8 finds the row widgets of a change
 * by item: one it finds is bound again, one it does not find is
 * destroyed and built anew (~1,000 cells for 200 rows). */
static void
slots_move (GHashTable *slots, guint from, guint n)
{
  g_autoptr(GPtrArray) moved = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, slots);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      DcRowItem *item = value;
      guint q = GPOINTER_TO_UINT (key);

      if (from == 0 && q < n)
        continue;
      g_hash_table_iter_steal (&iter);
      if (q >= from && q - from < n)
        {
          item->index = q - from;
          g_ptr_array_add (moved, item);
        }
      else
        {
          item->slots = NULL;
          item->index = G_MAXUINT;
        }
    }
  for (guint i = 0; i < moved->len; i++)
    {
      DcRowItem *item = g_ptr_array_index (moved, i);
      g_hash_table_insert (slots, GUINT_TO_POINTER (item->index), item);
    }
}

static int
cmp_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

/* Live items closer than this are one cluster (one row range GTK shows). */
#define CLUSTER_GAP 32
/* GTK keeps the scroll position of a new content when its rows are no
 * further down than this; further, the rows it showed show the top. */
#define KEEP_POSITION_ROWS 10000

/* Replaces a model's @old_n rows by @new_n others, every position
 * covered by items-changed.
 *
 * One items-changed (0, old_n, new_n) would be the plain way, and on
 * GTK 4.8 it costs 100-500 ms for a million rows: when a change removes
 * a row GTK tracks (the scroll anchor, the focus, the cursor), GTK asks
 * the model for every added item, one g_list_model_get_item() each, to
 * find out whether the tracked one came back (gtklistitemmanager.c, "do
 * a more expensive rebuild"); each answer is a new object, for a million
 * positions nobody looks at.  So the replacement is two changes:
 * items-changed (0, old_n, k), the first k new rows, then items-changed
 * (k, 0, new_n - k), the rest, which removes nothing GTK tracks and
 * costs it nothing per row.  k covers the rows GTK shows (the biggest
 * cluster of live items), whose items stay the items of the positions
 * they land at: GTK asks k times, finds them, and binds its row widgets
 * again instead of building new ones.  Between the two the model holds
 * exactly the first k new rows: @set_shown (model, k), then (new_n).
 *
 * Where GTK shows rows near the top (up to KEEP_POSITION_ROWS) they stay
 * at their positions (a sort keeps the scroll position); further down,
 * they show the first new rows (GTK would otherwise ask for every row
 * above them). */
static void
slots_replace (GListModel *model, GHashTable *slots, guint old_n, guint new_n,
               void (*set_shown) (GListModel *model, guint shown))
{
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter iter;
  gpointer key;
  guint lo = 0, main_lo = 0, main_hi = 0, from, k, v;

  g_hash_table_iter_init (&iter, slots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if ((v = GPOINTER_TO_UINT (key)) < old_n)
      g_array_append_val (live, v);
  g_array_sort (live, cmp_uint);
  for (guint i = 0; i < live->len; i++)
    {
      guint q = g_array_index (live, guint, i);

      if (i == 0 || q - g_array_index (live, guint, i - 1) > CLUSTER_GAP)
        lo = q;
      if (q + 1 - lo > main_hi - main_lo)
        main_lo = lo, main_hi = q + 1;
    }
  if (main_hi <= MIN (new_n, KEEP_POSITION_ROWS))
    from = 0, k = main_hi;
  else
    from = main_lo, k = MIN (main_hi - main_lo, new_n);
  slots_move (slots, from, k);
  set_shown (model, k);
  if (old_n || k)
    g_list_model_items_changed (model, 0, old_n, k);
  set_shown (model, new_n);
  if (new_n > k)
    g_list_model_items_changed (model, k, 0, new_n - k);
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
  Snapshot *snap = g_atomic_rc_box_new0 (Snapshot);

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
  return g_atomic_rc_box_acquire (snap);
}

static void
snapshot_clear (gpointer data)
{
  Snapshot *snap = data;

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
}

/* The last reference is dropped on the main thread: the model's, or a
 * job's in its callback (runner_task_done). */
static void
snapshot_unref (Snapshot *snap)
{
  if (snap != NULL)
    g_atomic_rc_box_release_full (snap, snapshot_clear);
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

/* Background work.  Each request of a model (a filter, a sort, a new
 * sheet) becomes a GTask run in GLib's thread pool with its own
 * GCancellable; a newer request cancels it (the worker stops early) and
 * its result, if it still comes, is dropped in the callback: only the
 * newest request's result is ever applied.  The snapshot is completed
 * first in idle slices on the main thread (the sheet belongs to it).
 * Small sheets, or a caller that waits, get the result at once. */

typedef struct
{
  Snapshot        *snap;
  gpointer         params;
  GDestroyNotify   free_params;
  /* the result, or NULL when @cancellable was cancelled */
  gpointer       (*compute) (const Snapshot *snap, gconstpointer params, GCancellable *cancellable);
  GDestroyNotify   free_result;
} Job;

typedef struct
{
  gpointer       owner;          /* the model (the GTask's source object) */
  gboolean       async;
  Snapshot      *snap;
  guint          snap_idle;
  gboolean       wanted;         /* a request waits for the snapshot */
  GTask         *task;           /* the newest request in a worker (the GTask
                                  * lives until its callback) */
  GCancellable  *cancellable;    /* the newest request's */
  /* the owner's part (main thread) */
  Job         *(*make_job)     (gpointer owner, Snapshot *snap);
  void         (*apply)        (gpointer owner, gpointer result);
  void         (*busy_changed) (gpointer owner);
} Runner;

#define SYNC_LIMIT 20000   /* below this many waybills, no thread */

static Job *
job_new (Snapshot *snap,
         gpointer (*compute) (const Snapshot *, gconstpointer, GCancellable *),
         GDestroyNotify free_result, gpointer params, GDestroyNotify free_params)
{
  Job *job = g_new0 (Job, 1);

  job->snap = snapshot_ref (snap);
  job->compute = compute;
  job->free_result = free_result;
  job->params = params;
  job->free_params = free_params;
  return job;
}

static void
job_free (gpointer data)
{
  Job *job = data;

  snapshot_unref (job->snap);
  job->free_params (job->params);
  g_free (job);
}

static gboolean
runner_busy (Runner *r)
{
  return r->task != NULL || r->wanted;
}

/* The newest request's task (if any) is no longer wanted. */
static void
runner_cancel (Runner *r)
{
  if (r->cancellable != NULL)
    g_cancellable_cancel (r->cancellable);
  g_clear_object (&r->cancellable);
  r->task = NULL;
}

static void
runner_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  gpointer result = job->compute (job->snap, job->params, cancellable);

  if (result == NULL || g_cancellable_is_cancelled (cancellable))
    {
      g_clear_pointer (&result, job->free_result);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "superseded");
      return;
    }
  g_task_return_pointer (task, result, job->free_result);
}

static void
runner_task_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Runner *r = user_data;
  GTask *task = G_TASK (res);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gpointer result = g_task_propagate_pointer (task, &error);

  /* the worker may drop the task's last reference: the sheet the
   * snapshot holds is let go here, on the main thread */
  g_clear_pointer (&job->snap, snapshot_unref);
  if (task != r->task || result == NULL)
    {
      /* superseded: never applied */
      g_clear_pointer (&result, job->free_result);
      return;
    }
  g_clear_object (&r->cancellable);
  r->task = NULL;
  r->apply (r->owner, result);
  job->free_result (result);
  r->busy_changed (r->owner);
}

/* Starts the worker for the owner's current state (snapshot complete). */
static void
runner_start (Runner *r)
{
  g_autoptr(GTask) task = NULL;

  runner_cancel (r);
  r->cancellable = g_cancellable_new ();
  task = g_task_new (r->owner, r->cancellable, runner_task_done, r);
  g_task_set_name (task, "dc-esheet-model");
  g_task_set_task_data (task, r->make_job (r->owner, r->snap), job_free);
  r->task = task;
  g_task_run_in_thread (task, runner_thread);
}

/* Computes and applies the owner's current state here and now. */
static void
runner_run_here (Runner *r)
{
  Job *job;
  gpointer result;

  runner_cancel (r);
  snapshot_build (r->snap, G_MAXUINT);
  g_clear_handle_id (&r->snap_idle, g_source_remove);
  r->wanted = FALSE;
  job = r->make_job (r->owner, r->snap);
  result = job->compute (job->snap, job->params, NULL);
  r->apply (r->owner, result);
  job->free_result (result);
  job_free (job);
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

/* The owner's state changed: a result is wanted (computed and applied at
 * once for small sheets or a synchronous owner). */
static void
runner_request (Runner *r, DcEsheet *esheet)
{
  gboolean was_busy = runner_busy (r);

  if (r->snap == NULL)
    r->snap = snapshot_new (esheet);
  if (!r->async || r->snap->n < SYNC_LIMIT)
    runner_run_here (r);
  else if (r->snap->built < r->snap->n)
    {
      /* the newest state is read when the snapshot is complete */
      runner_cancel (r);
      r->wanted = TRUE;
      if (r->snap_idle == 0)
        r->snap_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, snapshot_idle, r, NULL);
    }
  else
    runner_start (r);
  if (was_busy != runner_busy (r))
    r->busy_changed (r->owner);
}

/* Blocks until the wanted result is shown: computed here (a worker's
 * result would be superseded). */
static void
runner_wait (Runner *r)
{
  if (!runner_busy (r))
    return;
  runner_run_here (r);
  r->busy_changed (r->owner);
}

/* The owner's state needs no work (the sheet as it is): what is under
 * way is dropped, the snapshot stays for the next request. */
static void
runner_drop (Runner *r)
{
  gboolean was_busy = runner_busy (r);

  runner_cancel (r);
  r->wanted = FALSE;
  if (was_busy)
    r->busy_changed (r->owner);
}

/* The sheet changed (or the model goes): the snapshot goes, and so does
 * the work on it.  The owner requests again. */
static void
runner_reset (Runner *r)
{
  gboolean was_busy = runner_busy (r);

  g_clear_handle_id (&r->snap_idle, g_source_remove);
  g_clear_pointer (&r->snap, snapshot_unref);
  runner_cancel (r);
  r->wanted = FALSE;
  if (was_busy)
    r->busy_changed (r->owner);
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

static gpointer
waybill_compute (const Snapshot *snap, gconstpointer params, GCancellable *cancellable)
{
  const WaybillParams *p = params;
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
      if ((w & 0xffff) == 0 && g_cancellable_is_cancelled (cancellable))
        break;
      if (filtering && !dock_hit[snap->dock[w]] && !contains_ci (snap->name[w], p->filter))
        continue;
      perm[n++] = w;
    }
  if (p->sort != DC_WAYBILL_SORT_SHEET && !g_cancellable_is_cancelled (cancellable))
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
  return res;
}

/* DcWaybillModel */

struct _DcWaybillModel
{
  GObject        parent_instance;

  DcEsheet      *esheet;
  guint32       *perm;           /* waybill indexes, filtered and sorted */
  guint          n;
  guint          shown;          /* n, or its first rows inside slots_replace() or
                                  * while a new sheet's rows arrive (grow_id) */
  guint          grow_id;        /* timeout: a new sheet's first rows, a few at a time */
  char          *filter;         /* lower case */
  DcWaybillSort  sort;
  gboolean       descending;
  Runner         runner;
  GHashTable    *slots;          /* position -> DcRowItem (weak) */
  DcStatusFunc   status_func;
  gpointer       status_data;
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

/* The rows the model holds now (every one of them: nothing is hidden). */
static guint
wm_n (DcWaybillModel *self)
{
  return self->shown;
}

/* The waybill at @position. */
static guint32
wm_row (DcWaybillModel *self, guint position)
{
  return self->perm[position];
}

static void
wm_set_shown (GListModel *list, guint shown)
{
  DC_WAYBILL_MODEL (list)->shown = shown;
}

static void
wm_selection_changed (DcWaybillModel *self, guint position, guint n)
{
  guint shown = wm_n (self);

  if (position < shown && n > 0)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position,
                                           MIN (n, shown - position));
}

static guint
wm_get_n_items (GListModel *list)
{
  return wm_n (DC_WAYBILL_MODEL (list));
}

static gpointer
wm_get_item (GListModel *list, guint position)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (list);

  if (position >= wm_n (self))
    return NULL;
  return slots_get (self->slots, position);
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

  if (self->esheet == NULL || position >= wm_n (self))
    return FALSE;
  dc_esheet_get_waybill_item (self->esheet, wm_row (self, position), &it);
  return it.selected;
}

static void wm_finish_growth (DcWaybillModel *self);

static gboolean
wm_set_selection (GtkSelectionModel *model, GtkBitset *selected, GtkBitset *mask)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (model);
  GtkBitsetIter iter;
  guint pos, lo = G_MAXUINT, hi = 0, n;

  /* a selection of the whole sheet, while its rows still arrive */
  wm_finish_growth (self);
  n = wm_n (self);

  if (self->esheet == NULL)
    return FALSE;
  /* Whole sheet visible and every row set the same way: one call. */
  if (n == dc_esheet_get_n_waybills (self->esheet) && gtk_bitset_get_size (mask) >= n && n > 0)
    {
      guint64 n_sel = gtk_bitset_get_size_in_range (selected, 0, n - 1);
      if (n_sel == 0 || n_sel == n)
        {
          dc_esheet_select_all (self->esheet, n_sel != 0);
          wm_selection_changed (self, 0, n);
          return TRUE;
        }
    }
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, mask, &pos);
       ok && pos < n;
       ok = gtk_bitset_iter_next (&iter, &pos))
    {
      dc_esheet_set_waybill_selected (self->esheet, wm_row (self, pos),
                                      gtk_bitset_contains (selected, pos));
      lo = MIN (lo, pos);
      hi = MAX (hi, pos);
    }
  if (lo <= hi)
    wm_selection_changed (self, lo, hi - lo + 1);
  return TRUE;
}

static gboolean
wm_set_all (GtkSelectionModel *model, gboolean selected)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (model);
  g_autoptr(GtkBitset) all = NULL;
  g_autoptr(GtkBitset) none = gtk_bitset_new_empty ();

  wm_finish_growth (self);
  all = gtk_bitset_new_range (0, wm_n (self));
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
  g_clear_handle_id (&DC_WAYBILL_MODEL (object)->grow_id, g_source_remove);
  runner_reset (&DC_WAYBILL_MODEL (object)->runner);
  G_OBJECT_CLASS (dc_waybill_model_parent_class)->dispose (object);
}

static void
dc_waybill_model_finalize (GObject *object)
{
  DcWaybillModel *self = DC_WAYBILL_MODEL (object);

  slots_detach (self->slots);
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

/* Shows a new permutation (takes @perm): every position is covered by
 * items-changed, and GTK reads each row's selection again as it binds it. */
/* A new sheet's rows arrive the way GtkFilterListModel's incremental
 * mode adds them: GROW_STEP rows every GROW_INTERVAL_MS, each addition an
 * items-changed, until GROW_UNTIL rows are there, then all the rest at
 * once.  GTK 4.8 makes the widgets of its first ~200 rows in the
 * items-changed that adds them (about 50 ms for 1,000 cells on an idle
 * 2-core machine); twenty at a time stays under a frame.  Small sheets
 * too: a day's 250 waybills, added at once, stalled the window 75 ms.
 * The model holds exactly what it has said at every moment: nothing is
 * hidden. */
#define GROW_STEP        20
#define GROW_UNTIL       256
#define GROW_INTERVAL_MS 16

static gboolean
wm_grow (gpointer data)
{
  DcWaybillModel *self = data;
  guint from = self->shown;
  guint to = from + GROW_STEP >= GROW_UNTIL ? self->n : MIN (from + GROW_STEP, self->n);

  self->shown = to;
  if (to > from)
    g_list_model_items_changed (G_LIST_MODEL (self), from, 0, to - from);
  if (to < self->n)
    return G_SOURCE_CONTINUE;
  self->grow_id = 0;
  return G_SOURCE_REMOVE;
}

/* Every row now (a selection of them all, a count the caller uses for
 * positions). */
static void
wm_finish_growth (DcWaybillModel *self)
{
  guint from = self->shown;

  if (self->grow_id == 0)
    return;
  g_clear_handle_id (&self->grow_id, g_source_remove);
  self->shown = self->n;
  if (self->n > from)
    g_list_model_items_changed (G_LIST_MODEL (self), from, 0, self->n - from);
}

static void
show_perm (DcWaybillModel *self, guint32 *perm, guint n)
{
  guint old_n = wm_n (self);

  /* not from inside a replacement */
  g_return_if_fail (self->grow_id != 0 || self->shown == self->n);
  g_clear_handle_id (&self->grow_id, g_source_remove);
  g_free (self->perm);
  self->perm = perm;
  self->n = n;
  if (old_n == 0 && n > GROW_STEP)
    {
      self->shown = GROW_STEP;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, GROW_STEP);
      self->grow_id = g_timeout_add (GROW_INTERVAL_MS, wm_grow, self);
      return;
    }
  slots_replace (G_LIST_MODEL (self), self->slots, old_n, n, wm_set_shown);
}

static Job *
wm_make_job (gpointer owner, Snapshot *snap)
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
  return job_new (snap, waybill_compute, waybill_result_free, p, waybill_params_free);
}

static void
wm_apply (gpointer owner, gpointer result)
{
  WaybillResult *res = result;

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
  self->slots = g_hash_table_new (NULL, NULL);
  self->runner.owner = self;
  self->runner.make_job = wm_make_job;
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
  if (stale || trivial)
    {
      /* a trivial state supersedes any work under way */
      if (trivial)
        runner_drop (&self->runner);
      show_identity (self, n);
    }
  if (n == 0 || trivial)
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
  g_return_val_if_fail (position < wm_n (self), 0);
  return wm_row (self, position);
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
  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint pos = GPOINTER_TO_UINT (key);
      if (pos < wm_n (self) && wm_row (self, pos) == (guint32) index)
        {
          dc_row_item_status_changed (value);
          break;
        }
    }
}

void
dc_waybill_model_all_status_changed (DcWaybillModel *self)
{
  slots_notify (self->slots, row_properties[ROW_PROP_STATUS]);
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
  wm_selection_changed (self, 0, wm_n (self));
}

guint
dc_waybill_model_get_n_rows (DcWaybillModel *self)
{
  wm_finish_growth (self);
  return wm_n (self);
}

guint
dc_waybill_model_get_n_matching (DcWaybillModel *self)
{
  return self->n;
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

static gpointer
dock_compute (const Snapshot *snap, gconstpointer params, GCancellable *cancellable)
{
  const DockParams *p = params;
  GPtrArray *buckets = snapshot_get_buckets ((Snapshot *) snap);
  const DockEntry *base = (const DockEntry *) snap->entries->data;
  DockResult *res = g_new0 (DockResult, 1);

  res->visible = g_array_new (FALSE, FALSE, sizeof (guint32));
  res->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint32 d = 0; d < snap->n_docks && !g_cancellable_is_cancelled (cancellable); d++)
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
  return res;
}

/* DcDockModel */

struct _DcDockModel
{
  GObject     parent_instance;

  DcEsheet   *esheet;
  GArray     *visible;     /* guint32 dock indexes */
  GPtrArray  *entries;     /* per visible column: GArray of guint32 rows (filtered) */
  guint       n_items;     /* the summary row and the longest column's entries */
  guint       shown;       /* n_items, or its first rows inside slots_replace() or
                            * while a new sheet's rows arrive (grow_id) */
  guint       grow_id;     /* timeout: a new sheet's first rows, a few at a time */
  char       *filter;
  gboolean    descending;
  GHashTable *slots;       /* position -> DcRowItem (weak) */
  Runner      runner;
};

enum { DM_PROP_0, DM_PROP_BUSY, DM_N_PROPS };
static GParamSpec *dm_properties[DM_N_PROPS];

static guint
dm_n (DcDockModel *self)
{
  return self->shown;
}

static void
dm_set_shown (GListModel *list, guint shown)
{
  DC_DOCK_MODEL (list)->shown = shown;
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
  return dm_n (DC_DOCK_MODEL (list));
}

static gpointer
dm_get_item (GListModel *list, guint position)
{
  DcDockModel *self = DC_DOCK_MODEL (list);

  if (position >= dm_n (self))
    return NULL;
  return slots_get (self->slots, position);
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
  g_clear_handle_id (&DC_DOCK_MODEL (object)->grow_id, g_source_remove);
  runner_reset (&DC_DOCK_MODEL (object)->runner);
  G_OBJECT_CLASS (dc_dock_model_parent_class)->dispose (object);
}

static void
dc_dock_model_finalize (GObject *object)
{
  DcDockModel *self = DC_DOCK_MODEL (object);

  slots_detach (self->slots);
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

/* Shows new columns and entries (takes them) in @n_items rows: each
 * position is covered by items-changed. */
/* A by-dock row holds a cell for each of the view's columns (about ten):
 * its first rows arrive DOCK_GROW_STEP at a time, as by order. */
#define DOCK_GROW_STEP 10

static gboolean
dm_grow (gpointer data)
{
  DcDockModel *self = data;
  guint from = self->shown;
  guint to = from + DOCK_GROW_STEP >= GROW_UNTIL ? self->n_items
                                                : MIN (from + DOCK_GROW_STEP, self->n_items);

  self->shown = to;
  if (to > from)
    g_list_model_items_changed (G_LIST_MODEL (self), from, 0, to - from);
  if (to < self->n_items)
    return G_SOURCE_CONTINUE;
  self->grow_id = 0;
  return G_SOURCE_REMOVE;
}

void
dc_dock_model_arrive_again (DcDockModel *self)
{
  guint n = dm_n (self);   /* the rows GTK has been told of */

  g_return_if_fail (DC_IS_DOCK_MODEL (self));
  if (n <= DOCK_GROW_STEP)
    return;
  /* also when still arriving: rows added while no view showed the model
   * would all be made at once when one takes it */
  self->shown = DOCK_GROW_STEP;
  g_list_model_items_changed (G_LIST_MODEL (self), DOCK_GROW_STEP, n - DOCK_GROW_STEP, 0);
  if (self->grow_id == 0)
    self->grow_id = g_timeout_add (GROW_INTERVAL_MS, dm_grow, self);
}

static void
dm_show (DcDockModel *self, GArray *visible, GPtrArray *entries, guint n_items)
{
  guint old_n = dm_n (self);

  /* not from inside a replacement */
  g_return_if_fail (self->grow_id != 0 || self->shown == self->n_items);
  g_clear_handle_id (&self->grow_id, g_source_remove);
  g_array_unref (self->visible);
  self->visible = visible;
  g_ptr_array_unref (self->entries);
  self->entries = entries;
  self->n_items = n_items;
  if (old_n == 0 && n_items > DOCK_GROW_STEP)
    {
      self->shown = DOCK_GROW_STEP;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, DOCK_GROW_STEP);
      self->grow_id = g_timeout_add (GROW_INTERVAL_MS, dm_grow, self);
      return;
    }
  slots_replace (G_LIST_MODEL (self), self->slots, old_n, n_items, dm_set_shown);
}

static GPtrArray *
entries_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
}

static Job *
dm_make_job (gpointer owner, Snapshot *snap)
{
  DcDockModel *self = owner;
  DockParams *p = g_new0 (DockParams, 1);

  p->filter = g_strdup (self->filter);
  p->descending = self->descending;
  return job_new (snap, dock_compute, dock_result_free, p, dock_params_free);
}

static void
dm_apply (gpointer owner, gpointer result)
{
  DockResult *res = result;
  guint n = res->visible->len ? res->max + 1 : 0;

  dm_show (owner, g_steal_pointer (&res->visible), g_steal_pointer (&res->entries), n);
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
  self->entries = entries_new ();
  self->slots = g_hash_table_new (NULL, NULL);
  self->runner.owner = self;
  self->runner.make_job = dm_make_job;
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
  gboolean empty = self->esheet == NULL || dc_esheet_get_n_waybills (self->esheet) == 0;

  if (stale)
    {
      runner_reset (&self->runner);
      /* Until the result is there: as many rows, blank (no dock).  Not
       * none: GTK 4.8 would destroy its ~200 rows of cells for every
       * column and build them again for the result (over 100 ms); a
       * change that keeps the rows binds them again. */
      dm_show (self, g_array_new (FALSE, FALSE, sizeof (guint32)), entries_new (),
               empty ? 0 : self->n_items);
    }
  if (empty)
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

  /* row 0 is the docks' summary; rows past those the model holds: none */
  if (i + 1 >= dm_n (self) || column >= self->entries->len)
    return -1;
  rows = g_ptr_array_index (self->entries, column);
  return i < rows->len ? (int) g_array_index (rows, guint32, i) : -1;
}

/* The view's columns show other docks, or the selection changed: the
 * bound rows draw again.  What each position holds is the same. */
void
dc_dock_model_touch (DcDockModel *self)
{
  slots_notify (self->slots, row_properties[ROW_PROP_CONTENT]);
}
