#define G_LOG_DOMAIN "dc-picture-folder"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pictures/dc-mark-burn.h"
#include "pictures/dc-picture-folder.h"
#include "pictures/dc-thumbnail-cache.h"

/* Monitor events are queued and applied in an idle, at most this long per
 * main-loop iteration, each batch as one items-changed. */
#define APPLY_BUDGET_US 4000

#define SCAN_ATTRIBUTES \
  G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE "," \
  G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_TIME_MODIFIED "," \
  G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC

struct _DcPictureFolder
{
  GObject               parent_instance;

  char                 *path;
  DcPictureFolderFlags  flags;
  GPtrArray            *items;      /* DcPicture*, sorted by sort key */
  GHashTable           *by_name;    /* name -> DcPicture* (borrowed from items) */
  GHashTable           *monitors;   /* absolute dir path -> GFileMonitor* */
  DcMarkIndex          *marks;
  guint                 n_marked;
  gboolean              loading;
  gboolean              loaded;
  GPtrArray            *pending;    /* monitor events seen while scanning */

  GQueue                changes;    /* Change*: to apply, oldest first */
  GHashTable           *queued;     /* path -> its newest queued Change* (borrowed) */
  guint                 apply_id;

  /* One items-changed per batch: the model differs from what it was at
   * begin_batch() only in [lo, len - tail). */
  guint                 batch_depth;
  guint                 batch_len;
  guint                 batch_lo;
  guint                 batch_tail;
};

static void dc_picture_folder_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DcPictureFolder, dc_picture_folder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      dc_picture_folder_list_model_init))

enum { PROP_0, PROP_PATH, PROP_N_ITEMS, PROP_N_MARKED, N_PROPS };
static GParamSpec *properties[N_PROPS];

typedef struct
{
  char    *name;       /* relative, '/'-separated */
  goffset  size;
  gint64   mtime;
} ScanEntry;

static void
scan_entry_free (ScanEntry *e)
{
  g_free (e->name);
  g_free (e);
}

typedef struct
{
  GPtrArray   *entries;   /* ScanEntry* */
  GPtrArray   *dirs;      /* char* absolute paths of scanned subfolders */
  DcMarkIndex *marks;
} ScanResult;

static void
scan_result_free (ScanResult *r)
{
  g_clear_pointer (&r->entries, g_ptr_array_unref);
  g_clear_pointer (&r->dirs, g_ptr_array_unref);
  g_clear_pointer (&r->marks, dc_mark_index_unref);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScanResult, scan_result_free)

static gint64
info_mtime (GFileInfo *info)
{
  return (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED)
         * G_USEC_PER_SEC
         + g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
}

/* Names are relative with '/' on every system (stable index keys). */
static char *
join_rel (const char *prefix, const char *name)
{
  return prefix[0] != '\0' ? g_strconcat (prefix, "/", name, NULL) : g_strdup (name);
}

static gboolean
skip_dir (const char *prefix, const char *name)
{
  return name[0] == '.' || (prefix[0] == '\0' && g_str_equal (name, DC_MARKED_DIR_NAME));
}

static gboolean
scan_dir (const char *root, const char *prefix, gboolean recursive, ScanResult *result,
          GCancellable *cancellable, GError **error)
{
  g_autofree char *dir_path = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GFileEnumerator) children = NULL;

  dir_path = prefix[0] != '\0' ? g_build_filename (root, prefix, NULL) : g_strdup (root);
  dir = g_file_new_for_path (dir_path);
  /* Links are not followed: a link named *.jpg may point anywhere (a
   * device, a FIFO, a file outside the folder), and a link to a parent
   * folder would make the recursive scan endless.  Only the type is read
   * here (no file is opened), so a FIFO cannot block the scan. */
  children = g_file_enumerate_children (dir, SCAN_ATTRIBUTES, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                        cancellable, error);
  if (children == NULL)
    return FALSE;

  for (;;)
    {
      GFileInfo *info = NULL;
      const char *name;

      if (!g_file_enumerator_iterate (children, &info, NULL, cancellable, error))
        return FALSE;
      if (info == NULL)
        break;
      name = g_file_info_get_name (info);
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          g_autofree char *sub = NULL;

          if (!recursive || skip_dir (prefix, name))
            continue;
          sub = join_rel (prefix, name);
          g_ptr_array_add (result->dirs, g_build_filename (root, sub, NULL));
          /* An unreadable subfolder must not hide the rest. */
          if (!scan_dir (root, sub, recursive, result, cancellable, NULL) &&
              g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          continue;
        }
      if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR ||
          !dc_picture_name_is_supported (name))
        continue;
      {
        ScanEntry *e = g_new0 (ScanEntry, 1);

        e->name = join_rel (prefix, name);
        e->size = g_file_info_get_size (info);
        e->mtime = info_mtime (info);
        g_ptr_array_add (result->entries, e);
      }
    }
  return TRUE;
}

static ScanResult *
scan_folder (const char *path, gboolean recursive, GCancellable *cancellable, GError **error)
{
  ScanResult *result = g_new0 (ScanResult, 1);

  result->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) scan_entry_free);
  result->dirs = g_ptr_array_new_with_free_func (g_free);
  result->marks = dc_mark_index_load (path, error);
  if (result->marks == NULL || !scan_dir (path, "", recursive, result, cancellable, error))
    {
      scan_result_free (result);
      return NULL;
    }
  return result;
}

/* --- the model ---------------------------------------------------------- */

static GType
list_get_item_type (GListModel *model)
{
  return DC_TYPE_PICTURE;
}

static guint
list_get_n_items (GListModel *model)
{
  return DC_PICTURE_FOLDER (model)->items->len;
}

static gpointer
list_get_item (GListModel *model, guint position)
{
  DcPictureFolder *self = DC_PICTURE_FOLDER (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
dc_picture_folder_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

static int
compare_pictures (gconstpointer a, gconstpointer b)
{
  DcPicture *pa = *(DcPicture * const *) a;
  DcPicture *pb = *(DcPicture * const *) b;
  int c = strcmp (dc_picture_get_sort_key (pa), dc_picture_get_sort_key (pb));

  return c != 0 ? c : strcmp (dc_picture_get_name (pa), dc_picture_get_name (pb));
}

/* Index where @picture is or would go. */
static guint
find_position (DcPictureFolder *self, DcPicture *picture)
{
  guint lo = 0, hi = self->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (compare_pictures (&g_ptr_array_index (self->items, mid), &picture) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
begin_batch (DcPictureFolder *self)
{
  if (self->batch_depth++ > 0)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  self->batch_len = self->items->len;
  self->batch_lo = G_MAXUINT;
  self->batch_tail = G_MAXUINT;
}

/* Items [@pos, len - @tail) of the array as it is now may have changed. */
static void
batch_touch (DcPictureFolder *self, guint pos, guint tail)
{
  g_assert (self->batch_depth > 0);
  self->batch_lo = MIN (self->batch_lo, pos);
  self->batch_tail = MIN (self->batch_tail, tail);
}

static void
end_batch (DcPictureFolder *self)
{
  g_assert (self->batch_depth > 0);
  if (--self->batch_depth > 0)
    return;
  if (self->batch_lo != G_MAXUINT)
    {
      guint lo = self->batch_lo;
      guint tail = MIN (self->batch_tail, MIN (self->batch_len, self->items->len) - lo);
      guint removed = self->batch_len - lo - tail;
      guint added = self->items->len - lo - tail;

      if (removed > 0 || added > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), lo, removed, added);
      if (self->batch_len != self->items->len)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_n_marked (DcPictureFolder *self, guint n)
{
  if (self->n_marked == n)
    return;
  self->n_marked = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MARKED]);
}

static void
add_or_update (DcPictureFolder *self, const char *name, goffset size, gint64 mtime)
{
  DcPicture *picture = g_hash_table_lookup (self->by_name, name);
  const DcMark *mark;
  guint pos;

  if (picture != NULL)
    {
      if (dc_picture_set_stamp (picture, size, mtime))
        {
          pos = find_position (self, picture);
          batch_touch (self, pos, self->items->len - pos - 1);
        }
      return;
    }

  picture = dc_picture_new (self->path, name, size, mtime);
  mark = dc_mark_index_lookup (self->marks, name);
  if (mark != NULL)
    {
      dc_picture_set_mark (picture, mark);
      set_n_marked (self, self->n_marked + 1);
    }
  pos = find_position (self, picture);
  g_ptr_array_insert (self->items, (gint) pos, picture);
  g_hash_table_insert (self->by_name, (gpointer) dc_picture_get_name (picture), picture);
  batch_touch (self, pos, self->items->len - pos - 1);
}

static void
remove_name (DcPictureFolder *self, const char *name)
{
  DcPicture *picture = g_hash_table_lookup (self->by_name, name);
  guint pos;

  if (picture == NULL)
    return;
  pos = find_position (self, picture);
  g_assert (g_ptr_array_index (self->items, pos) == picture);
  if (dc_picture_get_marked (picture))
    set_n_marked (self, self->n_marked - 1);
  g_hash_table_remove (self->by_name, name);
  g_ptr_array_remove_index (self->items, pos);   /* unrefs */
  batch_touch (self, pos, self->items->len - pos);
}

/* The name relative to the folder of an absolute @path, or NULL when it
 * is not a picture the folder lists. */
static char *
relative_name (DcPictureFolder *self, GFile *file)
{
  g_autoptr(GFile) root = g_file_new_for_path (self->path);
  g_autofree char *rel = g_file_get_relative_path (root, file);
  g_autofree char *base = NULL;
  g_auto(GStrv) parts = NULL;

  if (rel == NULL)
    return NULL;
  base = g_path_get_basename (rel);
  if (!dc_picture_name_is_supported (base))
    return NULL;
  parts = g_strsplit_set (rel, G_DIR_SEPARATOR_S "/", -1);
  if (g_strv_length (parts) > 1 && !(self->flags & DC_PICTURE_FOLDER_RECURSIVE))
    return NULL;
  return g_strjoinv ("/", parts);
}

static void refresh_file (DcPictureFolder *self, GFile *file);
static void watch_dir (DcPictureFolder *self, const char *dir_path);

static void
refresh_dir (DcPictureFolder *self, GFile *dir)
{
  g_autoptr(GFile) root = g_file_new_for_path (self->path);
  g_autofree char *rel = g_file_get_relative_path (root, dir);
  g_autoptr(ScanResult) result = NULL;

  if (rel == NULL || !(self->flags & DC_PICTURE_FOLDER_RECURSIVE))
    return;
  {
    g_autofree char *base = g_path_get_basename (rel);
    g_autofree char *prefix = g_path_get_dirname (rel);

    if (skip_dir (g_str_equal (prefix, ".") ? "" : prefix, base))
      return;
  }
  result = g_new0 (ScanResult, 1);
  result->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) scan_entry_free);
  result->dirs = g_ptr_array_new_with_free_func (g_free);
  {
    g_auto(GStrv) parts = g_strsplit_set (rel, G_DIR_SEPARATOR_S "/", -1);
    g_autofree char *key = g_strjoinv ("/", parts);
    g_autofree char *path = g_file_get_path (dir);

    watch_dir (self, path);
    scan_dir (self->path, key, TRUE, result, NULL, NULL);
  }
  for (guint i = 0; i < result->dirs->len; i++)
    watch_dir (self, g_ptr_array_index (result->dirs, i));
  for (guint i = 0; i < result->entries->len; i++)
    {
      ScanEntry *e = g_ptr_array_index (result->entries, i);
      add_or_update (self, e->name, e->size, e->mtime);
    }
}

/* Looks at @file on disk and makes the model agree. */
static void
refresh_file (DcPictureFolder *self, GFile *file)
{
  g_autofree char *name = relative_name (self, file);
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info (file, SCAN_ATTRIBUTES, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      refresh_dir (self, file);
      return;
    }
  if (name == NULL)
    return;
  if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR)
    add_or_update (self, name, g_file_info_get_size (info), info_mtime (info));
  else
    remove_name (self, name);
}

/* A subfolder went away: drop everything under it. */
static void
forget_dir (DcPictureFolder *self, GFile *dir)
{
  g_autoptr(GFile) root = g_file_new_for_path (self->path);
  g_autofree char *rel = g_file_get_relative_path (root, dir);
  g_autofree char *prefix = NULL;
  g_autofree char *path = g_file_get_path (dir);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);

  if (rel == NULL)
    return;
  {
    g_auto(GStrv) parts = g_strsplit_set (rel, G_DIR_SEPARATOR_S "/", -1);
    g_autofree char *key = g_strjoinv ("/", parts);
    prefix = g_strconcat (key, "/", NULL);
  }
  for (guint i = 0; i < self->items->len; i++)
    {
      const char *name = dc_picture_get_name (g_ptr_array_index (self->items, i));
      if (g_str_has_prefix (name, prefix))
        g_ptr_array_add (gone, g_strdup (name));
    }
  for (guint i = 0; i < gone->len; i++)
    remove_name (self, g_ptr_array_index (gone, i));
  if (path != NULL)
    g_hash_table_remove (self->monitors, path);
}

/* One thing to look at again: @file (a picture or a subfolder), or, when
 * @gone, something that left (a watched subfolder is then forgotten). */
typedef struct
{
  GFile    *file;
  char     *path;
  gboolean  gone;
} Change;

static void
change_free (Change *c)
{
  g_object_unref (c->file);
  g_free (c->path);
  g_free (c);
}

static void
apply_change (DcPictureFolder *self, Change *c)
{
  if (c->gone && c->path != NULL && g_hash_table_contains (self->monitors, c->path))
    forget_dir (self, c->file);
  else
    refresh_file (self, c->file);
}

static gboolean
apply_changes_cb (gpointer data)
{
  DcPictureFolder *self = data;
  gint64 deadline = g_get_monotonic_time () + APPLY_BUDGET_US;
  Change *c;

  begin_batch (self);
  while ((c = g_queue_pop_head (&self->changes)) != NULL)
    {
      if (c->path != NULL && g_hash_table_lookup (self->queued, c->path) == c)
        g_hash_table_remove (self->queued, c->path);
      apply_change (self, c);
      change_free (c);
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  end_batch (self);
  if (!g_queue_is_empty (&self->changes))
    return G_SOURCE_CONTINUE;
  self->apply_id = 0;
  return G_SOURCE_REMOVE;
}

static void
queue_change (DcPictureFolder *self, GFile *file, gboolean gone)
{
  Change *c;
  char *path = g_file_get_path (file);

  /* Only pictures (and, followed recursively, subfolders) matter: a
   * download's .part or a clip costs nothing. */
  if (!(self->flags & DC_PICTURE_FOLDER_RECURSIVE))
    {
      g_autofree char *name = relative_name (self, file);

      if (name == NULL)
        {
          g_free (path);
          return;
        }
    }
  /* The same file already waiting: applying reads the disk then, once is
   * enough (created, changes done, attributes of one download). */
  if (path != NULL)
    {
      Change *last = g_hash_table_lookup (self->queued, path);

      if (last != NULL && last->gone == gone)
        {
          g_free (path);
          return;
        }
    }
  c = g_new0 (Change, 1);
  c->file = g_object_ref (file);
  c->path = path;
  c->gone = gone;
  g_queue_push_tail (&self->changes, c);
  /* After something left, keep order strictly (a folder gone and back). */
  if (gone)
    g_hash_table_remove_all (self->queued);
  else if (path != NULL)
    g_hash_table_replace (self->queued, path, c);
  if (self->apply_id == 0)
    self->apply_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, apply_changes_cb, self, NULL);
}

static void
queue_event (DcPictureFolder *self, GFile *file, GFile *other, GFileMonitorEvent event)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
      queue_change (self, file, FALSE);
      break;
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      queue_change (self, file, TRUE);
      break;
    case G_FILE_MONITOR_EVENT_RENAMED:
      queue_change (self, file, TRUE);
      if (other != NULL)
        queue_change (self, other, FALSE);
      break;
    case G_FILE_MONITOR_EVENT_CHANGED:      /* wait for CHANGES_DONE */
    case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
    case G_FILE_MONITOR_EVENT_UNMOUNTED:
    case G_FILE_MONITOR_EVENT_MOVED:
    default:
      break;
    }
}

typedef struct
{
  GFile            *file;
  GFile            *other;
  GFileMonitorEvent event;
} PendingEvent;

static void
pending_event_free (PendingEvent *p)
{
  g_clear_object (&p->file);
  g_clear_object (&p->other);
  g_free (p);
}

/* Costs next to nothing: the files are looked at in an idle, a few
 * milliseconds' worth per main-loop iteration, and the grid gets one
 * items-changed per batch (a dozen downloads landing at once used to cost
 * 10-19 ms each, one after the other, in one iteration). */
static void
on_monitor_changed (GFileMonitor *monitor, GFile *file, GFile *other,
                    GFileMonitorEvent event, gpointer user_data)
{
  DcPictureFolder *self = user_data;

  if (self->loading)
    {
      /* The scan may or may not have seen it: replay after the scan
       * (every handler re-reads the disk, so replaying is harmless). */
      PendingEvent *p = g_new0 (PendingEvent, 1);

      p->file = g_object_ref (file);
      p->other = other != NULL ? g_object_ref (other) : NULL;
      p->event = event;
      g_ptr_array_add (self->pending, p);
      return;
    }
  queue_event (self, file, other, event);
}

static void
watch_dir (DcPictureFolder *self, const char *dir_path)
{
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GError) error = NULL;
  GFileMonitor *monitor;

  if (g_hash_table_contains (self->monitors, dir_path))
    return;
  dir = g_file_new_for_path (dir_path);
  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (monitor == NULL)
    {
      g_warning ("Cannot follow changes in “%s”: %s", dir_path, error->message);
      return;
    }
  g_signal_connect_object (monitor, "changed", G_CALLBACK (on_monitor_changed), self, 0);
  g_hash_table_insert (self->monitors, g_strdup (dir_path), monitor);
}

/* --- loading ----------------------------------------------------------- */

static void
begin_load (DcPictureFolder *self)
{
  g_return_if_fail (!self->loading);

  self->loading = TRUE;
  /* Follow first, scan second: a file created during the scan is seen
   * by one or the other (or both — handlers are idempotent). */
  watch_dir (self, self->path);
}

static void
apply_scan (DcPictureFolder *self, ScanResult *result)
{
  guint old_len = self->items->len;
  guint n_marked = 0;
  g_autoptr(GPtrArray) pending = NULL;

  g_hash_table_remove_all (self->by_name);
  g_ptr_array_set_size (self->items, 0);
  g_clear_pointer (&self->marks, dc_mark_index_unref);
  self->marks = dc_mark_index_ref (result->marks);

  for (guint i = 0; i < result->entries->len; i++)
    {
      ScanEntry *e = g_ptr_array_index (result->entries, i);
      DcPicture *picture = dc_picture_new (self->path, e->name, e->size, e->mtime);
      const DcMark *mark = dc_mark_index_lookup (self->marks, e->name);

      if (mark != NULL)
        {
          dc_picture_set_mark (picture, mark);
          n_marked++;
        }
      g_ptr_array_add (self->items, picture);
      g_hash_table_insert (self->by_name, (gpointer) dc_picture_get_name (picture), picture);
    }
  g_ptr_array_sort (self->items, compare_pictures);
  for (guint i = 0; i < result->dirs->len; i++)
    watch_dir (self, g_ptr_array_index (result->dirs, i));

  self->loading = FALSE;
  self->loaded = TRUE;
  set_n_marked (self, n_marked);
  /* One change for the whole scan: a grid builds its rows once. */
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->items->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);

  pending = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_event_free);
  for (guint i = 0; i < pending->len; i++)
    {
      PendingEvent *p = g_ptr_array_index (pending, i);
      queue_event (self, p->file, p->other, p->event);
    }
}

static void
fail_load (DcPictureFolder *self)
{
  self->loading = FALSE;
  g_ptr_array_set_size (self->pending, 0);
}

gboolean
dc_picture_folder_load (DcPictureFolder *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(ScanResult) result = NULL;

  g_return_val_if_fail (DC_IS_PICTURE_FOLDER (self), FALSE);

  begin_load (self);
  result = scan_folder (self->path, self->flags & DC_PICTURE_FOLDER_RECURSIVE,
                        cancellable, error);
  if (result == NULL)
    {
      fail_load (self);
      return FALSE;
    }
  apply_scan (self, result);
  return TRUE;
}

static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;
  gboolean recursive = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "recursive"));
  GError *error = NULL;
  ScanResult *result = scan_folder (path, recursive, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) scan_result_free);
}

void
dc_picture_folder_load_async (DcPictureFolder *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DC_IS_PICTURE_FOLDER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dc_picture_folder_load_async);
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  g_object_set_data (G_OBJECT (task), "recursive",
                     GINT_TO_POINTER ((self->flags & DC_PICTURE_FOLDER_RECURSIVE) != 0));
  begin_load (self);
  g_task_run_in_thread (task, scan_thread);
}

gboolean
dc_picture_folder_load_finish (DcPictureFolder *self, GAsyncResult *result, GError **error)
{
  g_autoptr(ScanResult) scan = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  scan = g_task_propagate_pointer (G_TASK (result), error);
  if (scan == NULL)
    {
      fail_load (self);
      return FALSE;
    }
  apply_scan (self, scan);
  return TRUE;
}

/* --- marks, prune ------------------------------------------------------ */

DcPicture *
dc_picture_folder_lookup (DcPictureFolder *self, const char *name)
{
  g_return_val_if_fail (DC_IS_PICTURE_FOLDER (self), NULL);
  return g_hash_table_lookup (self->by_name, name);
}

DcMarkIndex *
dc_picture_folder_get_marks (DcPictureFolder *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_FOLDER (self), NULL);
  return self->marks;
}

guint
dc_picture_folder_get_n_marked (DcPictureFolder *self)
{
  return self->n_marked;
}

gboolean
dc_picture_folder_set_mark (DcPictureFolder *self, DcPicture *picture, const DcMark *mark,
                            GError **error)
{
  const char *name;
  g_autoptr(DcMark) previous = NULL;
  gboolean was_marked;

  g_return_val_if_fail (DC_IS_PICTURE_FOLDER (self), FALSE);
  g_return_val_if_fail (DC_IS_PICTURE (picture), FALSE);

  name = dc_picture_get_name (picture);
  was_marked = dc_mark_index_is_marked (self->marks, name);
  if (was_marked)
    previous = dc_mark_copy (dc_mark_index_lookup (self->marks, name));
  if (mark != NULL)
    dc_mark_index_set (self->marks, name, mark);
  else
    dc_mark_index_remove (self->marks, name);

  if (!dc_mark_index_save (self->marks, error))
    {
      /* Keep memory and disk in agreement. */
      if (previous != NULL)
        dc_mark_index_set (self->marks, name, previous);
      else
        dc_mark_index_remove (self->marks, name);
      return FALSE;
    }

  dc_picture_set_mark (picture, dc_mark_index_lookup (self->marks, name));
  /* A burned copy of another (or no) shape is stale: drop it so nobody
   * sends it; the caller burns the new one after this returns. */
  if (mark == NULL || previous == NULL || !dc_mark_equal (previous, mark))
    {
      g_autofree char *burned = dc_mark_burned_path (self->path, name);
      g_autoptr(GFile) file = g_file_new_for_path (burned);

      g_file_delete (file, NULL, NULL);
    }
  if (was_marked != (mark != NULL))
    set_n_marked (self, self->n_marked + (mark != NULL ? 1 : -1));
  return TRUE;
}

/* The sidecar after a prune or its undo.  A first error (of the trash)
 * wins; a sidecar that cannot be written is said, but the files have
 * moved all the same. */
static gboolean
save_pruned (DcPictureFolder *self, gboolean ok, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (dc_mark_index_save (self->marks, &local))
    return ok;
  if (ok)
    g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

gboolean
dc_picture_folder_prune_unmarked (DcPictureFolder *self, DcTrashUndo **undo,
                                  GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  gboolean ok;

  g_return_val_if_fail (DC_IS_PICTURE_FOLDER (self), FALSE);
  g_return_val_if_fail (undo != NULL, FALSE);

  for (guint i = 0; i < self->items->len; i++)
    {
      DcPicture *picture = g_ptr_array_index (self->items, i);

      if (!dc_picture_get_marked (picture))
        g_ptr_array_add (paths, g_strdup (dc_picture_get_path (picture)));
    }
  ok = dc_trash_files ((const char * const *) paths->pdata, paths->len, undo,
                       cancellable, error);
  /* Remove what went, now (the monitor will agree a moment later), and
   * say in the sidecar that the review removed them */
  begin_batch (self);
  for (guint i = 0; i < dc_trash_undo_get_n_files (*undo); i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (dc_trash_undo_get_path (*undo, i));
      g_autofree char *name = relative_name (self, file);

      if (name != NULL)
        {
          remove_name (self, name);
          dc_mark_index_set_pruned (self->marks, name, TRUE);
        }
    }
  end_batch (self);
  return save_pruned (self, ok, error);
}

gboolean
dc_picture_folder_undo_prune (DcPictureFolder *self, DcTrashUndo *undo, GError **error)
{
  g_autoptr(GPtrArray) restored = NULL;
  gboolean ok;

  g_return_val_if_fail (DC_IS_PICTURE_FOLDER (self), FALSE);
  g_return_val_if_fail (undo != NULL, FALSE);

  ok = dc_trash_undo_restore (undo, &restored, error);
  begin_batch (self);
  for (guint i = 0; i < restored->len; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (g_ptr_array_index (restored, i));
      g_autofree char *name = relative_name (self, file);

      if (name != NULL)
        dc_mark_index_set_pruned (self->marks, name, FALSE);
      refresh_file (self, file);
    }
  end_batch (self);
  return save_pruned (self, ok, error);
}

/* --- GObject ----------------------------------------------------------- */

static void
dc_picture_folder_dispose (GObject *object)
{
  DcPictureFolder *self = DC_PICTURE_FOLDER (object);

  g_clear_handle_id (&self->apply_id, g_source_remove);
  g_queue_clear_full (&self->changes, (GDestroyNotify) change_free);
  g_hash_table_remove_all (self->queued);
  /* Cancel monitors first: no event may arrive on a half-freed folder. */
  if (self->monitors != NULL)
    {
      GHashTableIter iter;
      gpointer monitor;

      g_hash_table_iter_init (&iter, self->monitors);
      while (g_hash_table_iter_next (&iter, NULL, &monitor))
        g_file_monitor_cancel (monitor);
      g_clear_pointer (&self->monitors, g_hash_table_unref);
    }
  G_OBJECT_CLASS (dc_picture_folder_parent_class)->dispose (object);
}

static void
dc_picture_folder_finalize (GObject *object)
{
  DcPictureFolder *self = DC_PICTURE_FOLDER (object);

  g_hash_table_unref (self->by_name);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->pending);
  g_hash_table_unref (self->queued);
  g_clear_pointer (&self->marks, dc_mark_index_unref);
  g_free (self->path);
  G_OBJECT_CLASS (dc_picture_folder_parent_class)->finalize (object);
}

static void
dc_picture_folder_get_property (GObject *object, guint prop_id, GValue *value,
                                GParamSpec *pspec)
{
  DcPictureFolder *self = DC_PICTURE_FOLDER (object);

  switch (prop_id)
    {
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_N_ITEMS: g_value_set_uint (value, self->items->len); break;
    case PROP_N_MARKED: g_value_set_uint (value, self->n_marked); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dc_picture_folder_class_init (DcPictureFolderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = dc_picture_folder_dispose;
  object_class->finalize = dc_picture_folder_finalize;
  object_class->get_property = dc_picture_folder_get_property;

  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_MARKED] = g_param_spec_uint ("n-marked", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dc_picture_folder_init (DcPictureFolder *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_event_free);
  g_queue_init (&self->changes);
  self->queued = g_hash_table_new (g_str_hash, g_str_equal);
}

DcPictureFolder *
dc_picture_folder_new (const char *path, DcPictureFolderFlags flags)
{
  DcPictureFolder *self;
  g_autoptr(GFile) file = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  self = g_object_new (DC_TYPE_PICTURE_FOLDER, NULL);
  self->path = g_file_get_path (file);   /* canonical: no "..", no trailing / */
  self->flags = flags;
  self->marks = dc_mark_index_new (self->path);
  return self;
}

const char *
dc_picture_folder_get_path (DcPictureFolder *self)
{
  return self->path;
}
