/* dc-esheet-model.h: lazy list models over a DcEsheet for GtkColumnView.
 *
 * A million-row sheet must not become a million GObjects: the models keep
 * a permutation of indexes (filtered and sorted in C on precomputed keys)
 * and create a small DcRowItem only when a position is asked for.
 *
 * They keep the GListModel contract: every change of what a position
 * holds (a filter, a sort, a new or edited sheet) is announced by
 * items-changed with its exact position, removed and added, and
 * g_list_model_get_n_items() counts every row (GTK's own virtualization
 * makes widgets only for the rows it shows).  An item stands for a
 * position (dc_row_item_get_index()); after items-changed replaced the
 * rows around it, the item at a position GTK already showed is the same
 * object, so GTK binds its row widgets again instead of building new
 * ones.  See slots_replace() in the .c for what a full replacement costs
 * GTK 4.8 and how it is cut to keep it cheap.
 *
 * Big sheets are filtered and sorted in a GTask (GLib's thread pool)
 * over an immutable snapshot of the sheet (the DcEsheet itself belongs
 * to the main thread), with a GCancellable: a newer filter or sort
 * cancels the older one, whose result is never applied.  Small sheets
 * (or dc_waybill_model_wait()) get the result at once.
 *
 * DcWaybillModel ("by order", one row per waybill) is also the selection
 * model: the selection lives in the DcEsheet (per scan), so it survives
 * sorting and filtering and the planner sees exactly what is selected.
 *
 * DcDockModel ("by dock") has one column per dock; row 0 is the dock
 * summary, row i > 0 the i-th waybill scanned at that dock. */
#pragma once

#include <gtk/gtk.h>

#include "esheet/dc-esheet.h"

G_BEGIN_DECLS

#define DC_TYPE_ROW_ITEM (dc_row_item_get_type ())
G_DECLARE_FINAL_TYPE (DcRowItem, dc_row_item, DC, ROW_ITEM, GObject)

/* Its position in its model; G_MAXUINT once its row was removed. */
guint       dc_row_item_get_index (DcRowItem *self);
/* Emits notify::status so a bound status cell refreshes. */
void        dc_row_item_status_changed (DcRowItem *self);
/* Emits notify::content: a bound row draws again (by dock: the view's
 * columns show other docks, or the selection changed).  Never used for
 * a change of what the position holds: that is items-changed. */
void        dc_row_item_content_changed (DcRowItem *self);

typedef enum
{
  DC_WAYBILL_SORT_SHEET,     /* first appearance */
  DC_WAYBILL_SORT_WAYBILL,
  DC_WAYBILL_SORT_DOCK,
  DC_WAYBILL_SORT_TIME,
  DC_WAYBILL_SORT_SCANS,
  DC_WAYBILL_SORT_STATUS,
} DcWaybillSort;

/* Sort rank of a waybill's download status (0 = not started).  Called on
 * the main thread before a status sort: it fills @ranks (one byte per
 * waybill index of @esheet, zeroed) for the waybills that have a job. */
typedef void (*DcStatusFunc) (DcEsheet *esheet, guint8 *ranks, gpointer user_data);

#define DC_TYPE_WAYBILL_MODEL (dc_waybill_model_get_type ())
G_DECLARE_FINAL_TYPE (DcWaybillModel, dc_waybill_model, DC, WAYBILL_MODEL, GObject)

DcWaybillModel *dc_waybill_model_new        (void);
void            dc_waybill_model_set_esheet (DcWaybillModel *self, DcEsheet *esheet);
DcEsheet       *dc_waybill_model_get_esheet (DcWaybillModel *self);
void            dc_waybill_model_set_status_func (DcWaybillModel *self, DcStatusFunc func,
                                                  gpointer user_data);
/* TRUE: filters and sorts of big sheets run in a worker thread (the UI);
 * FALSE (the default): at once. */
void            dc_waybill_model_set_async  (DcWaybillModel *self, gboolean async);
/* TRUE while a filter or sort is computed ("busy" is notified). */
gboolean        dc_waybill_model_get_busy   (DcWaybillModel *self);
/* Blocks until pending work is done and shown. */
void            dc_waybill_model_wait       (DcWaybillModel *self);
/* Case-insensitive substring of the waybill or the dock; "" = everything. */
void            dc_waybill_model_set_filter (DcWaybillModel *self, const char *text);
void            dc_waybill_model_set_sort   (DcWaybillModel *self, DcWaybillSort sort,
                                             gboolean descending);
/* The sort being shown or computed. */
DcWaybillSort   dc_waybill_model_get_sort   (DcWaybillModel *self, gboolean *descending);
/* Re-reads the sheet (after an operation) keeping filter and sort. */
void            dc_waybill_model_refresh    (DcWaybillModel *self);
guint           dc_waybill_model_get_waybill_index (DcWaybillModel *self, guint position);
/* Tells a bound row that the status of @waybill changed. */
void            dc_waybill_model_status_changed (DcWaybillModel *self, const char *waybill);
/* Tells every bound row that its status may have changed (a new dock map). */
void            dc_waybill_model_all_status_changed (DcWaybillModel *self);
/* The dock of a waybill as shown (its first scan's). */
const char     *dc_waybill_model_get_dock   (DcWaybillModel *self, guint waybill_index);
/* Selected waybills among the visible rows. */
guint           dc_waybill_model_get_n_selected (DcWaybillModel *self);
/* Tells the bound rows that the selection changed without a
 * selection-changed signal covering them (by-dock clicks). */
void            dc_waybill_model_selection_touched (DcWaybillModel *self);
/* Rows after the filter: g_list_model_get_n_items(). */
guint           dc_waybill_model_get_n_rows (DcWaybillModel *self);
/* The rows the filter yields, also while a new sheet's rows still arrive
 * (the column header's count); get_n_rows() first adds them all. */
guint            dc_waybill_model_get_n_matching (DcWaybillModel *self);

#define DC_TYPE_DOCK_MODEL (dc_dock_model_get_type ())
G_DECLARE_FINAL_TYPE (DcDockModel, dc_dock_model, DC, DOCK_MODEL, GObject)

DcDockModel    *dc_dock_model_new           (void);
void            dc_dock_model_set_esheet    (DcDockModel *self, DcEsheet *esheet, DcConfig *config);
void            dc_dock_model_set_filter    (DcDockModel *self, const char *text);
void            dc_dock_model_set_descending (DcDockModel *self, gboolean descending);
/* As for the waybill model: big sheets in a worker (the UI), busy, wait. */
void            dc_dock_model_set_async     (DcDockModel *self, gboolean async);
gboolean        dc_dock_model_get_busy      (DcDockModel *self);
void            dc_dock_model_wait          (DcDockModel *self);
void            dc_dock_model_refresh       (DcDockModel *self);
/* The visible docks (filtered), in natural name order. */
guint           dc_dock_model_get_n_docks   (DcDockModel *self);
guint           dc_dock_model_get_dock_index (DcDockModel *self, guint column);
/* Waybills listed under a visible dock (after the filter). */
guint           dc_dock_model_get_n_entries (DcDockModel *self, guint column);
/* Row index (of the sheet) of entry @i of a visible dock, or -1. */
int             dc_dock_model_get_entry_row (DcDockModel *self, guint column, guint i);
/* Asks the bound rows to draw again (the view's columns show other
 * docks, the selection changed); what each position holds is the same. */
void            dc_dock_model_touch         (DcDockModel *self);

/* The rows after the first few go and arrive again a few at a time, each
 * an items-changed: for a view about to show the model for the first
 * time (GTK 4.8 would build ~200 rows of cells at once). */
void             dc_dock_model_arrive_again (DcDockModel *self);

G_END_DECLS
