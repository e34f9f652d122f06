/* dc-picture-canvas.h: one picture on screen, with its mark and the shape
 * being drawn.
 *
 * Used by the grid cells (a thumbnail) and the large viewer (the full
 * picture).  The canvas paints; it does not decide: a drag emits
 * "shape-drawn" in picture pixels (upright), the badge emits
 * "badge-clicked", and the page turns those into marks.
 */
#pragma once

#include <gtk/gtk.h>

#include "pictures/dc-pictures.h"

G_BEGIN_DECLS

#define DC_TYPE_PICTURE_CANVAS (dc_picture_canvas_get_type ())
G_DECLARE_FINAL_TYPE (DcPictureCanvas, dc_picture_canvas, DC, PICTURE_CANVAS, GtkWidget)

/* Below this many screen pixels a drag is a click, not a shape. */
#define DC_PICTURE_CANVAS_DRAG_THRESHOLD 4.0

GtkWidget  *dc_picture_canvas_new            (void);

/* The picture shown (its mark and "marked" are followed). */
void        dc_picture_canvas_set_picture    (DcPictureCanvas *self, DcPicture *picture);
DcPicture  *dc_picture_canvas_get_picture    (DcPictureCanvas *self);

/* TRUE (grid cells): show the picture's "thumbnail" property, followed
 * as it comes and goes.  FALSE (the viewer): the texture set below. */
void        dc_picture_canvas_set_follow_thumbnail (DcPictureCanvas *self, gboolean follow);

/* @texture may be smaller than the picture (a thumbnail): @source_width
 * and @source_height give the picture's upright size, which is what mark
 * geometry is in.  NULL clears (nothing painted but the background). */
void        dc_picture_canvas_set_texture    (DcPictureCanvas *self, GdkTexture *texture,
                                              int source_width, int source_height);
/* Borrowed; NULL when none. */
GdkTexture *dc_picture_canvas_get_texture    (DcPictureCanvas *self, int *source_width,
                                              int *source_height);
gboolean    dc_picture_canvas_has_texture    (DcPictureCanvas *self);
/* A file that could not be decoded: grey tile, icon, @reason as tooltip. */
void        dc_picture_canvas_set_placeholder (DcPictureCanvas *self, const char *reason);

/* The shape being drawn and not saved yet (NULL: none). */
void        dc_picture_canvas_set_draft      (DcPictureCanvas *self, const DcMark *draft);
void        dc_picture_canvas_set_show_badge (DcPictureCanvas *self, gboolean show);
/* FALSE (grid cells): as tall as 16:9 of the width, fixed.  TRUE (the
 * viewer): any height, the picture fitted inside. */
void        dc_picture_canvas_set_flexible   (DcPictureCanvas *self, gboolean flexible);

/* Position in the grid's model when bound (G_MAXUINT otherwise). */
void        dc_picture_canvas_set_position   (DcPictureCanvas *self, guint position);
guint       dc_picture_canvas_get_position   (DcPictureCanvas *self);

/* Widget point <-> picture pixel; FALSE when nothing is shown. */
gboolean    dc_picture_canvas_widget_to_image (DcPictureCanvas *self, double wx, double wy,
                                               int *ix, int *iy);
gboolean    dc_picture_canvas_image_to_widget (DcPictureCanvas *self, int ix, int iy,
                                               double *wx, double *wy);
/* Centre of the mark badge in widget coordinates. */
void        dc_picture_canvas_get_badge_center (DcPictureCanvas *self, double *x, double *y);

GtkGesture *dc_picture_canvas_get_drag_gesture  (DcPictureCanvas *self);
GtkGesture *dc_picture_canvas_get_click_gesture (DcPictureCanvas *self);

/* Draws @mark (picture pixels) onto @cr where the picture occupies
 * @dest (widget coordinates), the picture being @src_w x @src_h. */
void        dc_picture_canvas_draw_mark      (cairo_t *cr, const graphene_rect_t *dest,
                                              int src_w, int src_h, const DcMark *mark,
                                              gboolean dashed);

G_END_DECLS
