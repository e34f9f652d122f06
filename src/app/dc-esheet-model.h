/* dc-esheet-model.h: lazy list models over a DcEsheet for GtkColumnView.
 *
 * A million-row sheet must not become a million GObjects: the models keep
 * a permutation of indexes (filtered and sorted in C on precomputed keys)
 * and create a small DcRowItem only when a row is bound.
 *
 * Items stand for positions, not for waybills: when a filter or a sort
 * replaces the permutation, the items that GTK holds stay the same and
 * are told (notify::content) to show their new row.  GTK 4.8 destroys and
 * recreates the widgets of every row an items-changed covers (about 200
 * rows x every column), which cost 100-500 ms per change on its own;
 * only a change of length still emits items-changed, for the tail.
 *
 * Big sheets are filtered and sorted in a worker thread over an immutable
 * snapshot of the sheet (the DcEsheet itself belongs to the main thread);
 * the result is swapped in on the main thread.  Small sheets (or
 * dc_waybill_model_wait()) get the result at once.
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

guint       dc_row_item_get_index (DcRowItem *self);   /* position in its model */
/* Emits notify::status so a bound status cell refreshes. */
void        dc_row_item_status_changed (DcRowItem *self);
/* Emits notify::content: the row at this position is another one now. */
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
/* TRUE while a worker computes a filter or sort ("busy" is notified). */
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
/* GTK is told of the first @limit rows at most (G_MAXUINT, the default:
 * all of them), so that a new sheet's rows can be made a few per frame;
 * selecting all and the counts cover every row all the same. */
void            dc_waybill_model_set_row_limit (DcWaybillModel *self, guint limit);
guint           dc_waybill_model_get_row_limit (DcWaybillModel *self);
/* Rows after the filter, whatever the limit. */
guint           dc_waybill_model_get_n_rows (DcWaybillModel *self);

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
/* Asks the bound rows to show their content again (selection, status). */
void            dc_dock_model_touch         (DcDockModel *self);
/* Shows at most @limit rows (G_MAXUINT, the default: all of them). */
void            dc_dock_model_set_row_limit (DcDockModel *self, guint limit);
guint           dc_dock_model_get_row_limit (DcDockModel *self);

G_END_DECLS
