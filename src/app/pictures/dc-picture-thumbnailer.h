/* dc-picture-thumbnailer.h: thumbnails for the pictures a grid shows.
 *
 * A cell that shows a picture acquires it; the thumbnailer decodes (in
 * DcThumbnailPool's workers, through the disk cache) and sets the
 * result as the picture's "thumbnail" property, which the cell follows.
 * When the last cell lets a picture go, its decode is cancelled and its
 * texture dropped from an idle: GTK 4.8 unbinds and binds again every
 * cell whose position moved, and a picture bound again meanwhile keeps
 * what it had.
 */
#pragma once

#include <gtk/gtk.h>

#include "pictures/dc-pictures.h"

G_BEGIN_DECLS

#define DC_TYPE_PICTURE_THUMBNAILER (dc_picture_thumbnailer_get_type ())
G_DECLARE_FINAL_TYPE (DcPictureThumbnailer, dc_picture_thumbnailer, DC, PICTURE_THUMBNAILER, GObject)

/* Where @picture sits in the grid now (G_MAXUINT: not shown). */
typedef guint (*DcThumbnailerPositionFunc) (DcPicture *picture, gpointer user_data);
/* The positions [*first, *last) on screen now. */
typedef void  (*DcThumbnailerRangeFunc)    (guint *first, guint *last, gpointer user_data);

DcPictureThumbnailer *dc_picture_thumbnailer_new          (void);

/* Which cells go first: requests are made in one go after layout, those
 * off screen first, then the visible ones from the bottom up, so the pool
 * (newest first) paints the top rows first. */
void                  dc_picture_thumbnailer_set_order_funcs (DcPictureThumbnailer      *self,
                                                             DcThumbnailerPositionFunc  position,
                                                             DcThumbnailerRangeFunc     range,
                                                             gpointer                   user_data);
/* The longest side in pixels; a new size drops the thumbnails made at
 * the old one and asks again for every picture still acquired. */
void                  dc_picture_thumbnailer_set_size     (DcPictureThumbnailer *self, int size);
int                   dc_picture_thumbnailer_get_size     (DcPictureThumbnailer *self);

void                  dc_picture_thumbnailer_acquire      (DcPictureThumbnailer *self, DcPicture *picture);
void                  dc_picture_thumbnailer_release      (DcPictureThumbnailer *self, DcPicture *picture);
/* Drops now what was released (instead of from the idle). */
void                  dc_picture_thumbnailer_sweep        (DcPictureThumbnailer *self);

/* While the view scrolls, start no new decode (see DcThumbnailPool). */
void                  dc_picture_thumbnailer_set_paused   (DcPictureThumbnailer *self, gboolean paused);

G_END_DECLS
