/* dc-thumbnail.h: one decoded thumbnail, ready for a GdkMemoryTexture.
 *
 * A DcThumbnail is immutable and reference counted, so a worker can make
 * it and the UI thread can keep it.  The GUI makes the texture with
 *   gdk_memory_texture_new (t->width, t->height,
 *                           t->has_alpha ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
 *                           t->pixels, t->stride);
 * A file that cannot be decoded gives a placeholder (a flat grey tile)
 * with a reason instead of an error, so the grid always has something to
 * paint and a tooltip to show.
 */
#pragma once

#include <gio/gio.h>

#include "pictures/dc-jpeg.h"

G_BEGIN_DECLS

#define DC_TYPE_THUMBNAIL (dc_thumbnail_get_type ())

typedef struct
{
  /*< public, read-only >*/
  GBytes   *pixels;         /* RGB or RGBA (non-premultiplied), rows of @stride */
  int       width;
  int       height;
  int       stride;
  gboolean  has_alpha;
  int       source_width;   /* the picture, upright (EXIF applied); 0 if unknown */
  int       source_height;
  gboolean  placeholder;    /* the file could not be decoded */
  char     *reason;         /* why (translated), only for placeholders */
  int       scale_num;      /* the TurboJPEG DCT scale used (1/1 otherwise) */
  int       scale_denom;
  gboolean  from_cache;     /* read from the on-disk cache */
  /*< private >*/
  gint      ref_count;
} DcThumbnail;

GType        dc_thumbnail_get_type  (void) G_GNUC_CONST;
DcThumbnail *dc_thumbnail_ref       (DcThumbnail *self);
void         dc_thumbnail_unref     (DcThumbnail *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcThumbnail, dc_thumbnail_unref)

/* A thumbnail owning @pixels (takes the reference). */
DcThumbnail *dc_thumbnail_new       (GBytes *pixels, int width, int height, int stride,
                                     gboolean has_alpha);
/* The grey placeholder tile with @reason. */
DcThumbnail *dc_thumbnail_new_placeholder (const char *reason);

/* Thumbnail size (the box the picture fits in) the grid uses by default. */
#define DC_THUMBNAIL_DEFAULT_SIZE 256

/* Decodes @path to fit in @size x @size (never upscaled), upright.
 * JPEG: TurboJPEG with the smallest DCT scale >= the target; PNG/WebP and
 * anything else: gdk-pixbuf's scaled load.  Returns NULL with
 * DC_PICTURES_ERROR_* for an undecodable file, G_IO_ERROR_* for an
 * unreadable one and G_IO_ERROR_CANCELLED when @cancellable fires. */
DcThumbnail *dc_thumbnail_decode_file  (const char *path, int size,
                                        GCancellable *cancellable, GError **error);
/* Same, from memory (@name only selects the loader and names errors). */
DcThumbnail *dc_thumbnail_decode_bytes (GBytes *data, const char *name, int size,
                                        GCancellable *cancellable, GError **error);

/* dc_thumbnail_decode_file() that never fails: errors become placeholders
 * (NULL only when cancelled). */
DcThumbnail *dc_thumbnail_load_file    (const char *path, int size,
                                        GCancellable *cancellable);

/* Full-resolution decode, upright, RGB (or RGBA for a picture with alpha):
 * what the burner and a large viewer need. */
DcImage     *dc_picture_decode_full    (const char *path, GCancellable *cancellable,
                                        GError **error);

G_END_DECLS
