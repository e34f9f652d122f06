#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A list view's model that lets through only what the view should make
 * widgets for: all of @inner while open, a shrinking then empty prefix of
 * it while the view is hidden.  Selection passes through unchanged. */
#define DC_TYPE_VIEW_GATE (dc_view_gate_get_type ())
G_DECLARE_FINAL_TYPE (DcViewGate, dc_view_gate, DC, VIEW_GATE, GObject)

DcViewGate *dc_view_gate_new       (GtkSelectionModel *inner);
void        dc_view_gate_open      (DcViewGate        *self);
void        dc_view_gate_close     (DcViewGate        *self,
                                    guint              first_shown);
gboolean    dc_view_gate_is_open   (DcViewGate        *self);

G_END_DECLS
