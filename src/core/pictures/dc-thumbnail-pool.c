#define G_LOG_DOMAIN "dc-thumbnail-pool"

#include "config.h"

#include <glib/gi18n.h>

#include "pictures/dc-thumbnail-pool.h"

typedef enum
{
  REQ_QUEUED,
  REQ_RUNNING,
  REQ_DONE,
} RequestState;

typedef struct
{
  guint                 id;
  char                 *path;
  int                   size;
  DcThumbnailReadyFunc  callback;
  gpointer              user_data;
  GDestroyNotify        destroy;
  GCancellable         *cancellable;
  RequestState          state;     /* under the pool lock */
  gboolean              dropped;
  DcThumbnail          *result;
} Request;

/* A decoded thumbnail whose disk-cache write waits until no request is
 * queued: visible cells first, persistence in the gaps. */
typedef struct
{
  char        *path;
  int          size;
  gint64       mtime;
  goffset      file_size;
  DcThumbnail *thumb;
} DeferredStore;

/* ~256 x 110 KB: bounded memory; beyond it, stores happen inline. */
#define MAX_DEFERRED 256
/* How long dc_thumbnail_pool_free() waits for the workers: a thumbnail
 * takes milliseconds.  A worker still decoding after that (a hostile
 * file, a hung network share) is left to finish on its own. */
#define FREE_WAIT_US (250 * 1000)

static void
deferred_store_free (DeferredStore *d)
{
  dc_thumbnail_unref (d->thumb);
  g_free (d->path);
  g_free (d);
}

struct _DcThumbnailPool
{
  gatomicrefcount       ref_count;  /* the owner's and one per worker */
  GMutex                lock;
  GCond                 cond;
  GCond                 exited;     /* a worker left worker_main */
  guint                 n_alive;    /* workers not yet out of worker_main */
  GPtrArray            *running;    /* Request*, being made by a worker */
  GPtrArray            *queue;      /* Request*, oldest first; workers pop the end */
  GPtrArray            *done;       /* Request*, awaiting dispatch */
  GPtrArray            *deferred;   /* DeferredStore*, cache writes to do when idle */
  GHashTable           *requests;   /* id -> Request*, every undelivered request */
  GPtrArray            *threads;
  GMainContext         *context;
  GSource              *dispatch;   /* the one pending idle, or NULL */
  DcThumbnailCache     *cache;
  guint                 max_queued;
  guint                 next_id;
  gboolean              quit;
  gboolean              paused;
  DcThumbnailPoolStats  stats;      /* under the lock */
};

static void
request_free (Request *req)
{
  if (req->destroy != NULL)
    req->destroy (req->user_data);
  g_clear_pointer (&req->result, dc_thumbnail_unref);
  g_clear_object (&req->cancellable);
  g_free (req->path);
  g_free (req);
}

static void
pool_unref (DcThumbnailPool *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  /* The last one out: the owner has gone through dc_thumbnail_pool_free(),
   * so the queue and the results are already empty. */
  g_ptr_array_unref (self->threads);
  g_ptr_array_unref (self->done);
  g_ptr_array_unref (self->queue);
  g_ptr_array_unref (self->running);
  g_ptr_array_unref (self->deferred);
  g_hash_table_unref (self->requests);
  g_clear_pointer (&self->cache, dc_thumbnail_cache_unref);
  g_main_context_unref (self->context);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->exited);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static gboolean
dispatch_results (gpointer data)
{
  DcThumbnailPool *self = data;
  g_autoptr(GPtrArray) batch = NULL;

  g_mutex_lock (&self->lock);
  batch = self->done;
  self->done = g_ptr_array_new ();
  g_clear_pointer (&self->dispatch, g_source_unref);
  self->stats.batches++;
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < batch->len; i++)
    {
      Request *req = g_ptr_array_index (batch, i);

      /* Cancelled after the worker finished: drop it silently. */
      if (!g_cancellable_is_cancelled (req->cancellable))
        {
          g_hash_table_remove (self->requests, GUINT_TO_POINTER (req->id));
          self->stats.delivered++;
          req->callback (req->id, req->path, req->result, req->user_data);
        }
      request_free (req);
    }
  return G_SOURCE_REMOVE;
}

/* Called with the lock held. */
static void
push_done_locked (DcThumbnailPool *self, Request *req)
{
  req->state = REQ_DONE;
  g_ptr_array_add (self->done, req);
  if (self->dispatch == NULL)
    {
      self->dispatch = g_idle_source_new ();
      g_source_set_priority (self->dispatch, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (self->dispatch, dispatch_results, self, NULL);
      g_source_set_static_name (self->dispatch, "[dockclip] thumbnail results");
      g_source_attach (self->dispatch, self->context);
    }
}

static void
store_in_cache (DcThumbnailPool *self, const char *path, int size, gint64 mtime,
                goffset file_size, DcThumbnail *thumb)
{
  g_autoptr(GError) error = NULL;

  if (!dc_thumbnail_cache_store (self->cache, path, size, mtime, file_size, thumb, &error))
    g_debug ("Thumbnail cache: %s", error->message);
}

/* Called with the lock held; returns with it held. */
static void
store_one_deferred_locked (DcThumbnailPool *self)
{
  DeferredStore *d = g_ptr_array_steal_index (self->deferred, self->deferred->len - 1);

  g_mutex_unlock (&self->lock);
  store_in_cache (self, d->path, d->size, d->mtime, d->file_size, d->thumb);
  deferred_store_free (d);
  g_mutex_lock (&self->lock);
}

static DcThumbnail *
make_thumbnail (DcThumbnailPool *self, Request *req, gboolean *from_cache)
{
  g_autoptr(GError) error = NULL;
  DcThumbnail *thumb;
  gint64 mtime = 0;
  goffset size = 0;
  gboolean stamped;

  *from_cache = FALSE;
  stamped = dc_picture_file_stamp (req->path, &mtime, &size, &error);
  if (!stamped)
    return dc_thumbnail_new_placeholder (error->message);

  if (self->cache != NULL)
    {
      thumb = dc_thumbnail_cache_lookup (self->cache, req->path, req->size, mtime, size);
      if (thumb != NULL)
        {
          *from_cache = TRUE;
          return thumb;
        }
    }

  thumb = dc_thumbnail_load_file (req->path, req->size, req->cancellable);
  if (thumb != NULL && self->cache != NULL && !thumb->placeholder)
    {
      gboolean defer;

      g_mutex_lock (&self->lock);
      defer = self->queue->len > 0 && self->deferred->len < MAX_DEFERRED;
      if (defer)
        {
          DeferredStore *d = g_new0 (DeferredStore, 1);

          d->path = g_strdup (req->path);
          d->size = req->size;
          d->mtime = mtime;
          d->file_size = size;
          d->thumb = dc_thumbnail_ref (thumb);
          g_ptr_array_add (self->deferred, d);
        }
      g_mutex_unlock (&self->lock);
      if (!defer)
        store_in_cache (self, req->path, req->size, mtime, size, thumb);
    }
  return thumb;
}

static gpointer
worker_main (gpointer data)
{
  DcThumbnailPool *self = data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      Request *req;
      DcThumbnail *thumb;
      gboolean from_cache;

      while (!self->quit && (self->paused || self->queue->len == 0) &&
             self->deferred->len == 0)
        g_cond_wait (&self->cond, &self->lock);
      if (self->quit)
        break;
      if (self->paused || self->queue->len == 0)
        {
          store_one_deferred_locked (self);
          continue;
        }

      req = g_ptr_array_steal_index (self->queue, self->queue->len - 1);
      req->state = REQ_RUNNING;
      g_ptr_array_add (self->running, req);
      g_mutex_unlock (&self->lock);

      thumb = NULL;
      from_cache = FALSE;
      if (!g_cancellable_is_cancelled (req->cancellable))
        thumb = make_thumbnail (self, req, &from_cache);

      g_mutex_lock (&self->lock);
      g_ptr_array_remove_fast (self->running, req);
      if (self->quit)
        {
          /* The owner freed the pool while this ran and has already
           * called the request's destroy notify. */
          g_clear_pointer (&thumb, dc_thumbnail_unref);
          request_free (req);
          break;
        }
      if (thumb != NULL)
        {
          if (from_cache)
            self->stats.cache_hits++;
          else if (thumb->placeholder)
            self->stats.placeholders++;
          else
            self->stats.decoded++;
        }
      req->result = thumb;
      push_done_locked (self, req);
    }
  self->n_alive--;
  g_cond_broadcast (&self->exited);
  g_mutex_unlock (&self->lock);
  pool_unref (self);
  return NULL;
}

DcThumbnailPool *
dc_thumbnail_pool_new (guint n_workers, guint max_queued, DcThumbnailCache *cache)
{
  DcThumbnailPool *self = g_new0 (DcThumbnailPool, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_cond_init (&self->exited);
  self->running = g_ptr_array_new ();
  self->queue = g_ptr_array_new ();
  self->done = g_ptr_array_new ();
  self->deferred = g_ptr_array_new_with_free_func ((GDestroyNotify) deferred_store_free);
  self->requests = g_hash_table_new (NULL, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->cache = cache != NULL ? dc_thumbnail_cache_ref (cache) : NULL;
  self->max_queued = max_queued > 0 ? max_queued : 1024;
  self->next_id = 1;
  if (n_workers == 0)
    n_workers = MAX (1, g_get_num_processors ());
  self->threads = g_ptr_array_new ();
  self->n_alive = n_workers;
  for (guint i = 0; i < n_workers; i++)
    {
      g_atomic_ref_count_inc (&self->ref_count);
      g_ptr_array_add (self->threads, g_thread_new ("dc-thumbnail", worker_main, self));
    }
  return self;
}

void
dc_thumbnail_pool_free (DcThumbnailPool *self)
{
  g_autoptr(GPtrArray) deferred = NULL;
  gint64 deadline;

  if (self == NULL)
    return;

  /* Stop accepting, cancel, wake; then wait a little for the workers.
   * One stuck in a decode (a FIFO on a network share, a scan bomb) must
   * not hang the page that closes: it is left running, holding its own
   * reference, and its request's destroy notify is called here, now. */
  dc_thumbnail_pool_cancel_all (self);
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_broadcast (&self->cond);
  deadline = g_get_monotonic_time () + FREE_WAIT_US;
  while (self->n_alive > 0)
    if (!g_cond_wait_until (&self->exited, &self->lock, deadline))
      break;
  for (guint i = 0; i < self->running->len; i++)
    {
      Request *req = g_ptr_array_index (self->running, i);

      if (req->destroy != NULL)
        req->destroy (req->user_data);
      req->destroy = NULL;
    }
  deferred = g_steal_pointer (&self->deferred);
  self->deferred = g_ptr_array_new_with_free_func ((GDestroyNotify) deferred_store_free);
  g_mutex_unlock (&self->lock);
  /* A worker that has left is joined; one still running is let go. */
  for (guint i = 0; i < self->threads->len; i++)
    g_thread_unref (g_ptr_array_index (self->threads, i));
  g_ptr_array_set_size (self->threads, 0);

  if (self->dispatch != NULL)
    {
      g_source_destroy (self->dispatch);
      g_clear_pointer (&self->dispatch, g_source_unref);
    }
  for (guint i = 0; i < self->done->len; i++)
    request_free (g_ptr_array_index (self->done, i));
  g_ptr_array_set_size (self->done, 0);
  for (guint i = 0; i < self->queue->len; i++)
    request_free (g_ptr_array_index (self->queue, i));
  g_ptr_array_set_size (self->queue, 0);
  g_hash_table_remove_all (self->requests);
  /* What was decoded is worth keeping (a few ms at most). */
  for (guint i = 0; i < deferred->len; i++)
    {
      DeferredStore *d = g_ptr_array_index (deferred, i);
      store_in_cache (self, d->path, d->size, d->mtime, d->file_size, d->thumb);
    }
  pool_unref (self);
}

guint
dc_thumbnail_pool_request (DcThumbnailPool *self, const char *path, int size,
                           DcThumbnailReadyFunc callback, gpointer user_data,
                           GDestroyNotify destroy)
{
  Request *req;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (path != NULL, 0);
  g_return_val_if_fail (size > 0, 0);
  g_return_val_if_fail (callback != NULL, 0);

  req = g_new0 (Request, 1);
  req->path = g_strdup (path);
  req->size = size;
  req->callback = callback;
  req->user_data = user_data;
  req->destroy = destroy;
  req->cancellable = g_cancellable_new ();
  req->state = REQ_QUEUED;

  g_mutex_lock (&self->lock);
  req->id = self->next_id++;
  if (self->next_id == 0)
    self->next_id = 1;
  g_hash_table_insert (self->requests, GUINT_TO_POINTER (req->id), req);
  self->stats.requested++;

  if (self->queue->len >= self->max_queued)
    {
      Request *old = g_ptr_array_steal_index (self->queue, 0);

      old->dropped = TRUE;
      self->stats.dropped++;
      push_done_locked (self, old);
    }
  g_ptr_array_add (self->queue, req);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  return req->id;
}

gboolean
dc_thumbnail_pool_cancel (DcThumbnailPool *self, guint request_id)
{
  Request *req;
  gboolean queued = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  req = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (request_id));
  if (req == NULL)
    return FALSE;
  g_hash_table_remove (self->requests, GUINT_TO_POINTER (request_id));

  g_mutex_lock (&self->lock);
  self->stats.cancelled++;
  if (req->state == REQ_QUEUED)
    queued = g_ptr_array_remove (self->queue, req);
  g_mutex_unlock (&self->lock);

  /* Running or done: the flag stops the worker's decode between stages
   * and the dispatcher skips (and frees) it. */
  g_cancellable_cancel (req->cancellable);
  if (queued)
    request_free (req);
  return TRUE;
}

void
dc_thumbnail_pool_cancel_all (DcThumbnailPool *self)
{
  g_autofree gpointer *ids = NULL;
  guint n = 0;

  ids = g_hash_table_get_keys_as_array (self->requests, &n);
  for (guint i = 0; i < n; i++)
    dc_thumbnail_pool_cancel (self, GPOINTER_TO_UINT (ids[i]));
}

void
dc_thumbnail_pool_set_paused (DcThumbnailPool *self, gboolean paused)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->paused = !!paused;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

guint
dc_thumbnail_pool_get_n_workers (DcThumbnailPool *self)
{
  return self->threads->len;
}

guint
dc_thumbnail_pool_get_n_pending (DcThumbnailPool *self)
{
  return g_hash_table_size (self->requests);
}

void
dc_thumbnail_pool_get_stats (DcThumbnailPool *self, DcThumbnailPoolStats *stats)
{
  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}
