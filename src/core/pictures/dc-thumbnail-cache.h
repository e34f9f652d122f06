/* dc-thumbnail-cache.h: thumbnails kept on disk between visits.
 *
 * Location: g_get_user_cache_dir()/dockclip/thumbnails (not the
 * freedesktop ~/.cache/thumbnails dirs): that spec fixes PNG at 128/256/
 * 512 px, and PNG of a photo costs ~10x a small JPEG to write and ~3x to
 * read, while the whole point is a second visit that is instant.  Our
 * entries are a tiny header + a JPEG (q85, or raw RGBA for pictures with
 * transparency).  Entry name: SHA-1 of the file's URI + the size, so a
 * changed file overwrites its own entry instead of leaving orphans; the
 * header holds the source's mtime (µs) and size, and an entry whose
 * mtime or size differs from the file's is a miss (invalidated).
 *
 * Thread-safe: a cache is immutable after creation; entries are written
 * atomically (temp file + rename) so concurrent readers see whole files.
 */
#pragma once

#include <gio/gio.h>

#include "pictures/dc-thumbnail.h"

G_BEGIN_DECLS

typedef struct _DcThumbnailCache DcThumbnailCache;

/* @dir NULL: the default folder (created on first store). */
DcThumbnailCache *dc_thumbnail_cache_new    (const char *dir);
DcThumbnailCache *dc_thumbnail_cache_ref    (DcThumbnailCache *self);
void              dc_thumbnail_cache_unref  (DcThumbnailCache *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcThumbnailCache, dc_thumbnail_cache_unref)

char             *dc_thumbnail_cache_default_dir (void);
const char       *dc_thumbnail_cache_get_dir     (DcThumbnailCache *self);
/* The entry file of @path at @size. */
char             *dc_thumbnail_cache_entry_path  (DcThumbnailCache *self,
                                                  const char *path, int size);

/* A hit only when the entry's mtime and size equal @mtime_us/@file_size. */
DcThumbnail      *dc_thumbnail_cache_lookup (DcThumbnailCache *self, const char *path,
                                             int size, gint64 mtime_us, goffset file_size);
/* Placeholders are never stored (a file still being written gets
 * another chance once its mtime changes). */
gboolean          dc_thumbnail_cache_store  (DcThumbnailCache *self, const char *path,
                                             int size, gint64 mtime_us, goffset file_size,
                                             const DcThumbnail *thumb, GError **error);

/* mtime (µs) and size of @path, following symlinks. */
gboolean          dc_picture_file_stamp     (const char *path, gint64 *mtime_us,
                                             goffset *size, GError **error);

G_END_DECLS
