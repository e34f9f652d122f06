/* dc-picture-page-private.h: what the GUI tests and the benchmark look at
 * inside DcPicturePage (not for the app). */
#pragma once

#include "dc-picture-canvas.h"
#include "dc-picture-page.h"

G_BEGIN_DECLS

GtkGridView        *dc_picture_page_get_grid_view        (DcPicturePage *self);
GtkSingleSelection *dc_picture_page_get_selection        (DcPicturePage *self);
/* Key bindings: on the grid (capture phase, before the list item's own
 * Space binding), on the viewer, and on the page (Ctrl+Z). */
GtkEventController *dc_picture_page_get_grid_shortcuts   (DcPicturePage *self);
GtkEventController *dc_picture_page_get_viewer_shortcuts (DcPicturePage *self);
GtkEventController *dc_picture_page_get_page_shortcuts   (DcPicturePage *self);
DcPictureCanvas    *dc_picture_page_get_viewer_canvas    (DcPicturePage *self);
gboolean            dc_picture_page_is_viewer_open       (DcPicturePage *self);
/* The bound grid cell showing @picture, or NULL. */
DcPictureCanvas    *dc_picture_page_find_canvas          (DcPicturePage *self, DcPicture *picture);
/* Cells inside the visible part of the grid, and how many of them have
 * their thumbnail (or placeholder). */
void                dc_picture_page_count_visible        (DcPicturePage *self, guint *n_visible,
                                                          guint *n_ready);
gboolean            dc_picture_page_has_draft            (DcPicturePage *self);
/* Runs the counter update now instead of from its idle. */
void                dc_picture_page_flush_counts         (DcPicturePage *self);
/* Prune without the confirmation (what its "Move to Trash" answer runs). */
void                dc_picture_page_prune_now            (DcPicturePage *self);
/* The confirmation dialog while shown, else NULL. */
GtkWidget          *dc_picture_page_get_prune_dialog     (DcPicturePage *self);
/* Where the annotation style and recent folders are kept. */
char               *dc_picture_page_settings_path        (void);

G_END_DECLS
