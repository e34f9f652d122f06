#define G_LOG_DOMAIN "dc-picture-thumbnailer"

#include "config.h"

#include "dc-picture-thumbnailer.h"

typedef struct
{
  DcPictureThumbnailer *owner;
  DcPicture            *picture;
  guint                 users;       /* cells showing it */
  guint                 request_id;  /* 0: none in flight */
  goffset               size;        /* the stamp its thumbnail was made from */
  gint64                mtime;
  gboolean              pending;
  gboolean              released;    /* in owner->released */
} Entry;

struct _DcPictureThumbnailer
{
  GObject                    parent_instance;

  DcThumbnailCache          *cache;
  DcThumbnailPool           *pool;
  int                        size;
  GHashTable                *entries;     /* DcPicture -> Entry (owned) */
  GPtrArray                 *pending;     /* Entry: acquired, to request */
  guint                      pending_idle;
  GPtrArray                 *released;     /* Entry: no cell any more, to drop */
  guint                      sweep_idle;

  DcThumbnailerPositionFunc  position;
  DcThumbnailerRangeFunc     range;
  gpointer                   order_data;
};

G_DEFINE_FINAL_TYPE (DcPictureThumbnailer, dc_picture_thumbnailer, G_TYPE_OBJECT)

static void
entry_free (Entry *entry)
{
  g_object_unref (entry->picture);
  g_free (entry);
}

static void
drop_request (DcPictureThumbnailer *self, Entry *entry)
{
  if (entry->request_id != 0)
    dc_thumbnail_pool_cancel (self->pool, entry->request_id);
  entry->request_id = 0;
}

static gboolean pending_idle_cb (gpointer data);

static void
add_pending (DcPictureThumbnailer *self, Entry *entry)
{
  if (entry->pending)
    return;
  entry->pending = TRUE;
  g_ptr_array_add (self->pending, entry);
  if (self->pending_idle == 0)
    self->pending_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, pending_idle_cb, self, NULL);
}

static void
on_thumb (guint request_id, const char *path, DcThumbnail *thumb, gpointer user_data)
{
  Entry *entry = user_data;
  DcPictureThumbnailer *self = entry->owner;
  g_autoptr(GdkTexture) texture = NULL;

  if (entry->request_id != request_id)
    return;
  entry->request_id = 0;
  if (thumb == NULL)
    {
      /* dropped from a full queue: ask again while a cell shows it */
      if (entry->users > 0)
        add_pending (self, entry);
      return;
    }
  if (thumb->placeholder)
    {
      dc_picture_set_thumbnail (entry->picture, NULL, 0, 0,
                                thumb->reason != NULL ? thumb->reason : "");
      return;
    }
  texture = gdk_memory_texture_new (thumb->width, thumb->height,
                                    thumb->has_alpha ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
                                    thumb->pixels, (gsize) thumb->stride);
  dc_picture_set_thumbnail (entry->picture, G_OBJECT (texture), thumb->source_width,
                            thumb->source_height, NULL);
}

typedef struct
{
  Entry *entry;
  guint  position;
} Ordered;

static int
compare_position_desc (gconstpointer a, gconstpointer b)
{
  guint pa = ((const Ordered *) a)->position;
  guint pb = ((const Ordered *) b)->position;

  return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static gboolean
pending_idle_cb (gpointer data)
{
  DcPictureThumbnailer *self = data;
  g_autoptr(GArray) off = g_array_new (FALSE, FALSE, sizeof (Ordered));
  g_autoptr(GArray) on = g_array_new (FALSE, FALSE, sizeof (Ordered));
  guint first = 0, last = G_MAXUINT;

  self->pending_idle = 0;
  if (self->range != NULL)
    self->range (&first, &last, self->order_data);
  for (guint i = 0; i < self->pending->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->pending, i);
      Ordered o = { entry, self->position != NULL
                           ? self->position (entry->picture, self->order_data) : i };

      entry->pending = FALSE;
      g_array_append_val (o.position >= first && o.position < last ? on : off, o);
    }
  g_ptr_array_set_size (self->pending, 0);
  /* farthest from the view first */
  g_array_sort (off, compare_position_desc);
  g_array_sort (on, compare_position_desc);
  for (guint k = 0; k < 2; k++)
    {
      GArray *set = k == 0 ? off : on;

      for (guint i = 0; i < set->len; i++)
        {
          Entry *entry = g_array_index (set, Ordered, i).entry;

          if (entry->users == 0 || entry->request_id != 0 ||
              dc_picture_has_thumbnail (entry->picture))
            continue;
          entry->request_id = dc_thumbnail_pool_request (self->pool,
                                                         dc_picture_get_path (entry->picture),
                                                         self->size, on_thumb, entry, NULL);
        }
    }
  return G_SOURCE_REMOVE;
}

static gboolean
sweep_idle_cb (gpointer data)
{
  DcPictureThumbnailer *self = data;

  self->sweep_idle = 0;
  dc_picture_thumbnailer_sweep (self);
  return G_SOURCE_REMOVE;
}

void
dc_picture_thumbnailer_sweep (DcPictureThumbnailer *self)
{
  g_return_if_fail (DC_IS_PICTURE_THUMBNAILER (self));

  g_clear_handle_id (&self->sweep_idle, g_source_remove);
  for (guint i = 0; i < self->released->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->released, i);

      entry->released = FALSE;
      /* bound again meanwhile (a move): it keeps what it has */
      if (entry->users > 0)
        continue;
      drop_request (self, entry);
      if (entry->pending)
        g_ptr_array_remove_fast (self->pending, entry);
      dc_picture_set_thumbnail (entry->picture, NULL, 0, 0, NULL);
      g_hash_table_remove (self->entries, entry->picture);
    }
  g_ptr_array_set_size (self->released, 0);
}

void
dc_picture_thumbnailer_acquire (DcPictureThumbnailer *self, DcPicture *picture)
{
  Entry *entry;

  g_return_if_fail (DC_IS_PICTURE_THUMBNAILER (self));
  g_return_if_fail (DC_IS_PICTURE (picture));

  entry = g_hash_table_lookup (self->entries, picture);
  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->owner = self;
      entry->picture = g_object_ref (picture);
      entry->size = dc_picture_get_size (picture);
      entry->mtime = dc_picture_get_mtime (picture);
      g_hash_table_insert (self->entries, picture, entry);
      /* a texture left by an earlier thumbnailer (another size) */
      dc_picture_set_thumbnail (picture, NULL, 0, 0, NULL);
    }
  entry->users++;
  /* the file was rewritten since its thumbnail was made: make it again */
  if (entry->size != dc_picture_get_size (picture) || entry->mtime != dc_picture_get_mtime (picture))
    {
      drop_request (self, entry);
      dc_picture_set_thumbnail (picture, NULL, 0, 0, NULL);
      entry->size = dc_picture_get_size (picture);
      entry->mtime = dc_picture_get_mtime (picture);
    }
  if (entry->request_id == 0 && !dc_picture_has_thumbnail (picture))
    add_pending (self, entry);
}

void
dc_picture_thumbnailer_release (DcPictureThumbnailer *self, DcPicture *picture)
{
  Entry *entry;

  g_return_if_fail (DC_IS_PICTURE_THUMBNAILER (self));

  entry = g_hash_table_lookup (self->entries, picture);
  g_return_if_fail (entry != NULL && entry->users > 0);
  if (--entry->users > 0 || entry->released)
    return;
  entry->released = TRUE;
  g_ptr_array_add (self->released, entry);
  if (self->sweep_idle == 0)
    self->sweep_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, sweep_idle_cb, self, NULL);
}

void
dc_picture_thumbnailer_set_size (DcPictureThumbnailer *self, int size)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (DC_IS_PICTURE_THUMBNAILER (self));
  g_return_if_fail (size > 0);

  if (size == self->size)
    return;
  self->size = size;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      drop_request (self, entry);
      dc_picture_set_thumbnail (entry->picture, NULL, 0, 0, NULL);
      if (entry->users > 0)
        add_pending (self, entry);
    }
}

int
dc_picture_thumbnailer_get_size (DcPictureThumbnailer *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_THUMBNAILER (self), 0);
  return self->size;
}

void
dc_picture_thumbnailer_set_order_funcs (DcPictureThumbnailer *self,
                                        DcThumbnailerPositionFunc position,
                                        DcThumbnailerRangeFunc range, gpointer user_data)
{
  g_return_if_fail (DC_IS_PICTURE_THUMBNAILER (self));
  self->position = position;
  self->range = range;
  self->order_data = user_data;
}

void
dc_picture_thumbnailer_set_paused (DcPictureThumbnailer *self, gboolean paused)
{
  g_return_if_fail (DC_IS_PICTURE_THUMBNAILER (self));
  dc_thumbnail_pool_set_paused (self->pool, paused);
}

static void
dc_picture_thumbnailer_dispose (GObject *object)
{
  DcPictureThumbnailer *self = DC_PICTURE_THUMBNAILER (object);
  GHashTableIter iter;
  gpointer value;

  g_clear_handle_id (&self->pending_idle, g_source_remove);
  g_clear_handle_id (&self->sweep_idle, g_source_remove);
  if (self->entries != NULL)
    {
      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          drop_request (self, value);
          dc_picture_set_thumbnail (((Entry *) value)->picture, NULL, 0, 0, NULL);
        }
      g_hash_table_remove_all (self->entries);
    }
  if (self->pending != NULL)
    g_ptr_array_set_size (self->pending, 0);
  if (self->released != NULL)
    g_ptr_array_set_size (self->released, 0);
  g_clear_pointer (&self->pool, dc_thumbnail_pool_free);
  g_clear_pointer (&self->cache, dc_thumbnail_cache_unref);
  G_OBJECT_CLASS (dc_picture_thumbnailer_parent_class)->dispose (object);
}

static void
dc_picture_thumbnailer_finalize (GObject *object)
{
  DcPictureThumbnailer *self = DC_PICTURE_THUMBNAILER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->released, g_ptr_array_unref);
  G_OBJECT_CLASS (dc_picture_thumbnailer_parent_class)->finalize (object);
}

static void
dc_picture_thumbnailer_class_init (DcPictureThumbnailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dc_picture_thumbnailer_dispose;
  object_class->finalize = dc_picture_thumbnailer_finalize;
}

static void
dc_picture_thumbnailer_init (DcPictureThumbnailer *self)
{
  self->size = DC_THUMBNAIL_DEFAULT_SIZE;
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) entry_free);
  self->pending = g_ptr_array_new ();
  self->released = g_ptr_array_new ();
  self->cache = dc_thumbnail_cache_new (NULL);
  self->pool = dc_thumbnail_pool_new (0, 0, self->cache);
}

DcPictureThumbnailer *
dc_picture_thumbnailer_new (void)
{
  return g_object_new (DC_TYPE_PICTURE_THUMBNAILER, NULL);
}
