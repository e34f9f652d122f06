/* dc-picture-page-private.h: DcPicturePage's state, shared by the files
 * that make the page (dc-picture-page.c: the grid, folder and counter;
 * -actions.c: the actions and keys; -marks.c: drafts, marks, burns and
 * undo; -viewer.c: the large viewer; -clipboard.c: copy and drag), and
 * what the GUI tests and the benchmark look at.  Not for the app. */
#pragma once

#include "dc-picture-canvas.h"
#include "dc-picture-page.h"
#include "dc-picture-settings.h"
#include "dc-picture-thumbnailer.h"

G_BEGIN_DECLS

typedef struct _DcPictureExportLookup DcPictureExportLookup;

struct _DcPicturePage
{
  GtkWidget              parent_instance;

  /* template */
  AdwToastOverlay       *toast_overlay;
  GtkMenuButton         *folder_button;
  AdwButtonContent      *folder_button_content;
  GtkPopover            *folder_popover;
  GtkListBox            *recent_list;
  GtkLabel              *counter_label;
  GtkDropDown           *filter_dropdown;
  GtkAdjustment         *columns_adjustment;
  GtkToggleButton       *shape_rect;
  GtkToggleButton       *shape_ellipse;
  GtkBox                *colour_box;
  GtkAdjustment         *width_adjustment;
  GtkStack              *stack;
  GtkScrolledWindow     *scroller;
  GtkGridView           *grid_view;
  GtkBox                *viewer_box;
  GtkLabel              *viewer_label;
  GtkWidget             *prune_button;
  GtkWidget             *export_button;
  GtkWidget             *report_button;

  GtkToggleButton       *colour_buttons[4];
  DcPictureCanvas       *viewer_canvas;
  GtkEventController    *grid_shortcuts;
  GtkEventController    *viewer_shortcuts;
  GtkEventController    *page_shortcuts;
  GtkWidget             *prune_dialog;
  GtkWidget             *context_menu;

  DcPictureSettings     *settings;
  DcPictureFolder       *folder;
  GCancellable          *load_cancellable;
  gboolean               loading;
  GtkCustomFilter       *filter;
  GtkFilterListModel    *filtered;
  GtkMultiSelection     *selection;
  guint                  current;        /* the picture marks and the viewer act on */
  DcPictureFilter        filter_mode;
  gboolean               filter_dirty;

  DcPictureThumbnailer  *thumbnailer;
  GHashTable            *bound;          /* DcPictureCanvas set: the grid's bound cells */
  guint                  counts_idle;
  guint                  resume_id;
  guint                  viewer_focus_idle;

  DcPicture             *draft_picture;
  gboolean               drawing;        /* a drag is drawing draft_mark now */
  DcMark                *draft_mark;
  DcMarkShape            shape;
  DcMarkColour           colour;
  int                    line_width;
  guint                  columns;
  gboolean               applying_style;

  GPtrArray             *undo;
  GCancellable          *cancellable;    /* burns, exports, copies: cancelled on dispose */
  GCancellable          *viewer_cancellable;
  guint                  n_burns;
  gboolean               copy_files_waiting;  /* for the burns to end */

  DcPictureExportLookup *lookup;
  char                  *esheet_path;    /* for the evidence report */
  GtkWindow             *report_window;  /* weak: the report window while open */
};

/* dc-picture-page.c */
void       dc_picture_page_toast               (DcPicturePage *self, const char *text);
DcPicture *dc_picture_page_current             (DcPicturePage *self);
void       dc_picture_page_set_current         (DcPicturePage *self, guint position);
void       dc_picture_page_schedule_counts     (DcPicturePage *self);
/* The selected pictures, in grid order (at least the current one). */
GPtrArray *dc_picture_page_dup_selected        (DcPicturePage *self);
void       dc_picture_page_emit_exported       (DcPicturePage *self, int n, const char *error);

/* dc-picture-page-marks.c */
void       dc_picture_page_refresh_drafts      (DcPicturePage *self);
void       dc_picture_page_discard_draft       (DcPicturePage *self);
void       dc_picture_page_commit_draft        (DcPicturePage *self);
gboolean   dc_picture_page_apply_mark          (DcPicturePage *self, DcPicture *picture,
                                                const DcMark *mark, gboolean record);
void       dc_picture_page_toggle_plain_mark   (DcPicturePage *self, DcPicture *picture);
void       dc_picture_page_undo                (DcPicturePage *self);
void       dc_picture_page_push_undo_prune     (DcPicturePage *self, DcTrashUndo *trash);
void       dc_picture_page_clear_undo          (DcPicturePage *self);
void       dc_picture_page_on_shape_drawn      (DcPictureCanvas *canvas, int x, int y, int w, int h,
                                                gboolean finished, DcPicturePage *self);
void       dc_picture_page_on_badge_clicked    (DcPictureCanvas *canvas, DcPicturePage *self);

/* dc-picture-page-viewer.c */
void       dc_picture_page_setup_viewer        (DcPicturePage *self);
void       dc_picture_page_open_viewer         (DcPicturePage *self);
void       dc_picture_page_close_viewer        (DcPicturePage *self);
void       dc_picture_page_viewer_follow       (DcPicturePage *self);

/* dc-picture-page-actions.c */
void       dc_picture_page_class_install_actions (GtkWidgetClass *widget_class);
void       dc_picture_page_setup_shortcuts     (DcPicturePage *self);
void       dc_picture_page_export_lookup_unref (DcPictureExportLookup *lookup);
void       dc_picture_page_popup_menu          (DcPicturePage *self, GtkWidget *widget, double x, double y);

/* dc-picture-page-clipboard.c */
/* The file a copy sends: the marked copy when it exists, else the original. */
char      *dc_picture_page_dup_send_path       (DcPicturePage *self, DcPicture *picture);
/* A provider of @pictures as files (GdkFileList and text/uri-list). */
GdkContentProvider *dc_picture_page_files_provider (DcPicturePage *self, GPtrArray *pictures);
void       dc_picture_page_copy_picture        (DcPicturePage *self);
void       dc_picture_page_copy_files          (DcPicturePage *self);
void       dc_picture_page_copy                (DcPicturePage *self);
/* The last burn ended: a Copy Files that waited for it runs now. */
void       dc_picture_page_burns_settled       (DcPicturePage *self);
GtkDragSource *dc_picture_page_new_drag_source (DcPicturePage *self);

/* --- for the GUI tests and the benchmark --- */

GtkGridView        *dc_picture_page_get_grid_view        (DcPicturePage *self);
GtkSelectionModel  *dc_picture_page_get_selection        (DcPicturePage *self);
/* The current picture's position (GTK_INVALID_LIST_POSITION: none). */
guint               dc_picture_page_get_current_position (DcPicturePage *self);
/* Key bindings: on the grid (capture phase, before the list item's own
 * Space binding), on the viewer, and on the page (Ctrl+Z, Ctrl+C). */
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
/* The grid's context menu (a GtkPopoverMenu). */
GtkWidget          *dc_picture_page_get_context_menu     (DcPicturePage *self);
/* The evidence report window opened by "pictures.evidence-report", or NULL. */
GtkWindow          *dc_picture_page_get_report_window    (DcPicturePage *self);
/* Where the annotation style and recent folders are kept. */
char               *dc_picture_page_settings_path        (void);

G_END_DECLS
