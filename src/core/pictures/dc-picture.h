/* dc-picture.h: one picture of a DcPictureFolder (a GListModel item).
 *
 * Owned and updated by its folder on the main thread; the grid binds to
 * its properties (notify is emitted only on change).
 */
#pragma once

#include <gio/gio.h>

#include "pictures/dc-marks.h"

G_BEGIN_DECLS

#define DC_TYPE_PICTURE (dc_picture_get_type ())
G_DECLARE_FINAL_TYPE (DcPicture, dc_picture, DC, PICTURE, GObject)

DcPicture    *dc_picture_new            (const char *folder, const char *name,
                                         goffset size, gint64 mtime_us);
/* Absolute path. */
const char   *dc_picture_get_path       (DcPicture *self);
/* Relative to the folder, '/'-separated: the key of the marks index. */
const char   *dc_picture_get_name       (DcPicture *self);
/* The waybill, as the downloader names pictures: the file stem. */
char         *dc_picture_dup_stem       (DcPicture *self);
goffset       dc_picture_get_size       (DcPicture *self);
gint64        dc_picture_get_mtime      (DcPicture *self);
gboolean      dc_picture_get_marked     (DcPicture *self);
/* NULL when unmarked. */
const DcMark *dc_picture_get_mark       (DcPicture *self);
/* Sort key (g_utf8_collate_key_for_filename of the name). */
const char   *dc_picture_get_sort_key   (DcPicture *self);

/* The thumbnail shown in the grid ("thumbnail" property), set by the
 * app's thumbnailer while a cell shows the picture and cleared when none
 * does.  The core does not know GDK: it is any GObject (a GdkTexture in
 * the app), with the picture's upright size, which mark geometry is in.
 * A picture that could not be decoded has no texture but an error (the
 * reason, shown as the cell's tooltip).  Borrowed; NULL when none. */
GObject      *dc_picture_get_thumbnail  (DcPicture *self, int *source_width, int *source_height);
const char   *dc_picture_get_thumbnail_error (DcPicture *self);
/* TRUE when the thumbnail or its error has come. */
gboolean      dc_picture_has_thumbnail  (DcPicture *self);
/* @thumbnail and @error NULL: cleared.  Notifies "thumbnail" on change. */
void          dc_picture_set_thumbnail  (DcPicture *self, GObject *thumbnail, int source_width,
                                         int source_height, const char *error);

/* For the folder: */
gboolean      dc_picture_set_stamp      (DcPicture *self, goffset size, gint64 mtime_us);
void          dc_picture_set_mark       (DcPicture *self, const DcMark *mark);

/* TRUE for names the folder lists: .jpg, .jpeg, .jpe, .png, .webp in any
 * case, not hidden. */
gboolean      dc_picture_name_is_supported (const char *basename);

G_END_DECLS
