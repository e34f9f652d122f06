/* dc-mark-burn.h: the ready-to-send copy of a marked picture.
 *
 * The original is never touched: the burned copy goes to
 * <folder>/marked/<stem>.jpg, full resolution, upright (EXIF orientation
 * applied, since the copy carries no EXIF), JPEG quality 92 with 4:4:4
 * chroma so a thin red outline stays red instead of bleeding pink.
 */
#pragma once

#include <gio/gio.h>

#include "pictures/dc-jpeg.h"
#include "pictures/dc-marks.h"

G_BEGIN_DECLS

#define DC_MARKED_DIR_NAME "marked"
#define DC_BURN_QUALITY 92

/* Draws the outline of @mark (rectangle or ellipse, inside its box,
 * @mark->line_width thick, clipped to the image) in place. */
void      dc_image_draw_mark     (DcImage *image, const DcMark *mark);

/* <folder>/marked/<stem of name>.jpg (subfolders of a recursive scan
 * keep their relative folder under marked/). */
char     *dc_mark_burned_path    (const char *folder, const char *name);

/* Decodes @src_path at full resolution, draws @mark, encodes at @quality
 * into @dest_path atomically (its folder is created).  A plain mark
 * (shape none) of a JPEG copies the original bytes unchanged. */
gboolean  dc_picture_burn_mark   (const char *src_path, const DcMark *mark,
                                  const char *dest_path, int quality,
                                  GCancellable *cancellable, GError **error);

/* The same in a worker thread (a full-resolution decode + encode takes
 * ~0.1-0.5 s: never on the UI thread).  The callback runs on the
 * thread-default main context of the caller. */
void      dc_picture_burn_mark_async  (const char *src_path, const DcMark *mark,
                                       const char *dest_path, int quality,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean  dc_picture_burn_mark_finish (GAsyncResult *result, GError **error);

G_END_DECLS
