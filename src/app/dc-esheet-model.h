/* dc-esheet-model.h: lazy list models over a DcEsheet for GtkColumnView.
 *
 * A million-row sheet must not become a million GObjects: the models keep
 * a permutation of indexes (filtered and sorted in C on precomputed keys)
 * and create a small DcRowItem only when a row is bound.
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

guint       dc_row_item_get_index (DcRowItem *self);   /* waybill index / dock-view row */
/* Emits notify::status so a bound status cell refreshes. */
void        dc_row_item_status_changed (DcRowItem *self);

typedef enum
{
  DC_WAYBILL_SORT_SHEET,     /* first appearance */
  DC_WAYBILL_SORT_WAYBILL,
  DC_WAYBILL_SORT_DOCK,
  DC_WAYBILL_SORT_TIME,
  DC_WAYBILL_SORT_SCANS,
  DC_WAYBILL_SORT_STATUS,
} DcWaybillSort;

/* Status text of a waybill ("Queued", "45%", "Done", "Failed: …"), for the
 * status column; NULL = not started.  Provided by the window. */
typedef const char *(*DcStatusFunc) (const char *waybill, int *rank, gpointer user_data);

#define DC_TYPE_WAYBILL_MODEL (dc_waybill_model_get_type ())
G_DECLARE_FINAL_TYPE (DcWaybillModel, dc_waybill_model, DC, WAYBILL_MODEL, GObject)

DcWaybillModel *dc_waybill_model_new        (void);
void            dc_waybill_model_set_esheet (DcWaybillModel *self, DcEsheet *esheet);
DcEsheet       *dc_waybill_model_get_esheet (DcWaybillModel *self);
void            dc_waybill_model_set_status_func (DcWaybillModel *self, DcStatusFunc func,
                                                  gpointer user_data);
/* Case-insensitive substring of the waybill or the dock; "" = everything. */
void            dc_waybill_model_set_filter (DcWaybillModel *self, const char *text);
void            dc_waybill_model_set_sort   (DcWaybillModel *self, DcWaybillSort sort,
                                             gboolean descending);
/* Re-reads the sheet (after an operation) keeping filter and sort. */
void            dc_waybill_model_refresh    (DcWaybillModel *self);
guint           dc_waybill_model_get_waybill_index (DcWaybillModel *self, guint position);
/* Tells a bound row that the status of @waybill changed. */
void            dc_waybill_model_status_changed (DcWaybillModel *self, const char *waybill);
/* The dock of a waybill as shown (its first scan's). */
const char     *dc_waybill_model_get_dock   (DcWaybillModel *self, guint waybill_index);
/* Selected waybills among the visible rows. */
guint           dc_waybill_model_get_n_selected (DcWaybillModel *self);

#define DC_TYPE_DOCK_MODEL (dc_dock_model_get_type ())
G_DECLARE_FINAL_TYPE (DcDockModel, dc_dock_model, DC, DOCK_MODEL, GObject)

DcDockModel    *dc_dock_model_new           (void);
void            dc_dock_model_set_esheet    (DcDockModel *self, DcEsheet *esheet, DcConfig *config);
void            dc_dock_model_set_filter    (DcDockModel *self, const char *text);
void            dc_dock_model_set_descending (DcDockModel *self, gboolean descending);
void            dc_dock_model_refresh       (DcDockModel *self);
/* The visible docks (filtered), in natural name order. */
guint           dc_dock_model_get_n_docks   (DcDockModel *self);
guint           dc_dock_model_get_dock_index (DcDockModel *self, guint column);
/* Waybills listed under a visible dock (after the filter). */
guint           dc_dock_model_get_n_entries (DcDockModel *self, guint column);
/* Row index (of the sheet) of entry @i of a visible dock, or -1. */
int             dc_dock_model_get_entry_row (DcDockModel *self, guint column, guint i);

G_END_DECLS
