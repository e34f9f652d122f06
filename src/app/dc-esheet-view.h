/* dc-esheet-view.h: the e-sheet table, by order and by dock, with live
 * counts in the column headers, search, multi-selection, trimming
 * operations and a per-waybill download status column. */
#pragma once

#include <gtk/gtk.h>

#include "esheet/dc-esheet.h"

#include "dc-esheet-model.h"
#include "dc-job-item.h"
#include "dc-session.h"

G_BEGIN_DECLS

#define DC_TYPE_ESHEET_VIEW (dc_esheet_view_get_type ())
G_DECLARE_FINAL_TYPE (DcEsheetView, dc_esheet_view, DC, ESHEET_VIEW, GtkBox)

void        dc_esheet_view_add_esheet    (DcEsheetView *self, DcEsheet *esheet);
DcEsheet   *dc_esheet_view_get_esheet    (DcEsheetView *self);   /* the one shown */
guint       dc_esheet_view_get_n_esheets (DcEsheetView *self);
void        dc_esheet_view_set_config    (DcEsheetView *self, DcConfig *config);
/* The status column shows the session's status of each waybill. */
void        dc_esheet_view_set_session   (DcEsheetView *self, DcSession *session);
/* A job's state changed: its waybill's row shows it. */
void        dc_esheet_view_job_changed   (DcEsheetView *self, DcJobItem *item);
/* "Done", "45%", "Failed: …", or "" when not started (new string). */
char       *dc_esheet_view_dup_status    (DcEsheetView *self, const char *waybill);
void        dc_esheet_view_focus_search  (DcEsheetView *self);
/* Sets the search text and applies it at once (typing in the search
 * field filters in the background instead). */
void        dc_esheet_view_set_search    (DcEsheetView *self, const char *text);
void        dc_esheet_view_show_by_dock  (DcEsheetView *self, gboolean by_dock);
/* Re-reads the sheet after an outside change. */
void        dc_esheet_view_refresh       (DcEsheetView *self);
/* Waits for a filter or sort running in the background, then applies
 * pending header-count updates now (they normally wait for idle). */
void        dc_esheet_view_flush_counts  (DcEsheetView *self);
char       *dc_esheet_view_dup_order_title (DcEsheetView *self);
guint       dc_esheet_view_get_n_dock_columns (DcEsheetView *self);
char       *dc_esheet_view_dup_dock_title (DcEsheetView *self, guint column);
GtkSelectionModel *dc_esheet_view_get_order_selection (DcEsheetView *self);
GtkColumnView *dc_esheet_view_get_order_view (DcEsheetView *self);
DcWaybillModel *dc_esheet_view_get_waybill_model (DcEsheetView *self);
GtkColumnView *dc_esheet_view_get_dock_view (DcEsheetView *self);
/* What a click on a waybill of the by-dock view does (@state: Ctrl and
 * Shift); @position 0 is the dock summary row. */
void        dc_esheet_view_click_dock_entry (DcEsheetView *self, guint column, guint position,
                                             GdkModifierType state);
/* A table cell's text, and whether it is drawn selected (by dock). */
const char *dc_esheet_view_cell_get_text (GtkWidget *cell);
gboolean    dc_esheet_view_cell_get_selected (GtkWidget *cell);
/* Puts back the sheet as it was before the last Delete / Drop unmapped /
 * Keep N per dock ("esheet-replaced" (old, new) follows).  FALSE when
 * there is nothing to undo. */
gboolean    dc_esheet_view_undo          (DcEsheetView *self);
/* Opens the shown view's right-click menu at (@x, @y) (tests). */
GtkPopover *dc_esheet_view_popup_context_menu (DcEsheetView *self, double x, double y);
/* TRUE while a filter or sort is computed in the background. */
gboolean    dc_esheet_view_is_busy       (DcEsheetView *self);

G_END_DECLS
