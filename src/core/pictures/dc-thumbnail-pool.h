/* dc-thumbnail-pool.h: worker threads that make thumbnails for a grid.
 *
 * - N workers (default: number of CPUs) take requests newest first
 *   (LIFO): the cells the operator is looking at now were requested last.
 * - The queue is bounded (@max_queued): when full, the OLDEST queued
 *   request is dropped (its callback gets thumb == NULL, "ask again when
 *   visible") — requests for cells long scrolled past are the least useful.
 * - A request is cancelled by its id (a cell unbound / scrolled away).
 *   After dc_thumbnail_pool_cancel() returns, its callback is never called;
 *   its destroy notify is called exactly once, on the owner's context.
 * - Results are delivered on the main context that was thread-default when
 *   the pool was created, in batches: one idle source drains every result
 *   ready at that moment (never one idle per result).
 * - Each worker checks the on-disk cache first and stores what it decodes;
 *   while other requests wait, the store is deferred (up to 256 entries)
 *   and done when the queue is empty, so visible cells are not delayed by
 *   cache writes.  dc_thumbnail_pool_free() writes what is still pending.
 *
 * Every function must be called from the owner's thread (the one running
 * that main context).
 */
#pragma once

#include <gio/gio.h>

#include "pictures/dc-thumbnail.h"
#include "pictures/dc-thumbnail-cache.h"

G_BEGIN_DECLS

typedef struct _DcThumbnailPool DcThumbnailPool;

/* @thumb is NULL only when the request was dropped from a full queue;
 * otherwise a real thumbnail or a placeholder with a reason.  Borrowed:
 * dc_thumbnail_ref() it to keep it. */
typedef void (*DcThumbnailReadyFunc) (guint        request_id,
                                      const char  *path,
                                      DcThumbnail *thumb,
                                      gpointer     user_data);

typedef struct
{
  guint requested;
  guint decoded;       /* decoded from the picture file */
  guint cache_hits;
  guint placeholders;
  guint cancelled;
  guint dropped;
  guint delivered;
  guint batches;       /* idle dispatches (delivered / batches = coalescing) */
} DcThumbnailPoolStats;

/* @n_workers 0: g_get_num_processors(); @max_queued 0: 1024; @cache may be
 * NULL (no disk cache). */
DcThumbnailPool *dc_thumbnail_pool_new      (guint n_workers, guint max_queued,
                                             DcThumbnailCache *cache);
/* Cancels everything, joins the workers, calls the pending destroy
 * notifies, frees. */
void             dc_thumbnail_pool_free     (DcThumbnailPool *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcThumbnailPool, dc_thumbnail_pool_free)

/* Returns a request id (never 0). */
guint            dc_thumbnail_pool_request  (DcThumbnailPool      *self,
                                             const char           *path,
                                             int                   size,
                                             DcThumbnailReadyFunc  callback,
                                             gpointer              user_data,
                                             GDestroyNotify        destroy);
/* FALSE when @request_id is unknown or already delivered. */
gboolean         dc_thumbnail_pool_cancel   (DcThumbnailPool *self, guint request_id);
void             dc_thumbnail_pool_cancel_all (DcThumbnailPool *self);

/* While paused, workers finish what they are decoding but start nothing
 * new: a grid pauses during a kinetic scroll and resumes when it settles,
 * so the cells where it stopped go first (LIFO) and the cells it flew
 * past can be cancelled before costing a decode. */
void             dc_thumbnail_pool_set_paused (DcThumbnailPool *self, gboolean paused);

guint            dc_thumbnail_pool_get_n_workers (DcThumbnailPool *self);
/* Requests not yet delivered (queued, decoding or awaiting dispatch). */
guint            dc_thumbnail_pool_get_n_pending (DcThumbnailPool *self);
void             dc_thumbnail_pool_get_stats     (DcThumbnailPool *self,
                                                  DcThumbnailPoolStats *stats);

G_END_DECLS
