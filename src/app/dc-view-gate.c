#define G_LOG_DOMAIN "dc-view-gate"

#include "config.h"

#include "dc-view-gate.h"

/* Why: GTK 4.8 keeps the row widgets of a hidden list view and follows
 * every change of its model.  By dock, a filter of a 250-row sheet made
 * the hidden by-order view destroy ~1,200 cells (29 ms) and clearing it
 * made them again.  Closed, the gate empties the view a few rows a
 * frame (destroying 20 rows of cells at a time); opened, the rows arrive
 * a few a frame as a new sheet's do.  At every moment the gate holds
 * exactly the first n rows of @inner it has announced. */

#define GATE_STEP        20
#define GATE_UNTIL       256   /* then the rest at once, as rows arriving do */
#define GATE_INTERVAL_MS 16
/* GTK keeps about 200 rows around the first one shown */
#define GATE_KEPT        256

struct _DcViewGate
{
  GObject            parent_instance;
  GtkSelectionModel *inner;
  guint              limit;      /* G_MAXUINT: open */
  gboolean           opening;
  guint              low;        /* closing: below this row GTK keeps no widget */
  guint              step_id;
};

static void dc_view_gate_list_iface_init (GListModelInterface *iface);
static void dc_view_gate_selection_iface_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DcViewGate, dc_view_gate, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, dc_view_gate_list_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, dc_view_gate_selection_iface_init))

static guint
inner_n (DcViewGate *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->inner));
}

static guint
gate_n (DcViewGate *self)
{
  return MIN (inner_n (self), self->limit);
}

static GType
gate_get_item_type (GListModel *list)
{
  return g_list_model_get_item_type (G_LIST_MODEL (DC_VIEW_GATE (list)->inner));
}

static guint
gate_get_n_items (GListModel *list)
{
  return gate_n (DC_VIEW_GATE (list));
}

static gpointer
gate_get_item (GListModel *list, guint position)
{
  DcViewGate *self = DC_VIEW_GATE (list);

  if (position >= gate_n (self))
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (self->inner), position);
}

static void
dc_view_gate_list_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = gate_get_item_type;
  iface->get_n_items = gate_get_n_items;
  iface->get_item = gate_get_item;
}

static gboolean
gate_is_selected (GtkSelectionModel *model, guint position)
{
  DcViewGate *self = DC_VIEW_GATE (model);

  return position < gate_n (self) && gtk_selection_model_is_selected (self->inner, position);
}

static gboolean
gate_set_selection (GtkSelectionModel *model, GtkBitset *selected, GtkBitset *mask)
{
  return gtk_selection_model_set_selection (DC_VIEW_GATE (model)->inner, selected, mask);
}

static gboolean
gate_select_all (GtkSelectionModel *model)
{
  return gtk_selection_model_select_all (DC_VIEW_GATE (model)->inner);
}

static gboolean
gate_unselect_all (GtkSelectionModel *model)
{
  return gtk_selection_model_unselect_all (DC_VIEW_GATE (model)->inner);
}

static void
dc_view_gate_selection_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = gate_is_selected;
  iface->set_selection = gate_set_selection;
  iface->select_all = gate_select_all;
  iface->unselect_all = gate_unselect_all;
}

/* @inner changed: the same change where the gate is open; where it is
 * not, the rows of the prefix from @position on are replaced (a change
 * that shifts rows moves others into the prefix). */
static void
inner_items_changed (GListModel *inner, guint position, guint removed, guint added, DcViewGate *self)
{
  guint now = inner_n (self), before = now + removed - added;
  guint old_n = MIN (before, self->limit), new_n = MIN (now, self->limit);

  if (self->limit == G_MAXUINT)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }
  if (position >= old_n && position >= new_n)
    return;
  if (removed == added)
    g_list_model_items_changed (G_LIST_MODEL (self), position,
                                MIN (removed, old_n - position), MIN (added, new_n - position));
  else
    g_list_model_items_changed (G_LIST_MODEL (self), position, old_n - position, new_n - position);
}

static void
inner_selection_changed (GtkSelectionModel *inner, guint position, guint n_items, DcViewGate *self)
{
  guint n = gate_n (self);

  if (position < n)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position, MIN (n_items, n - position));
}

/* Sets the limit and says what it changed (the rows between the old and
 * the new limit come or go at the end). */
static void
gate_set_limit (DcViewGate *self, guint limit)
{
  guint old_n = gate_n (self), new_n;

  self->limit = limit;
  new_n = gate_n (self);
  if (new_n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, new_n - old_n);
  else if (new_n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), new_n, old_n - new_n, 0);
}

static gboolean
gate_step (gpointer data)
{
  DcViewGate *self = data;
  guint n = gate_n (self);

  if (self->opening)
    {
      if (n + GATE_STEP >= MIN (inner_n (self), GATE_UNTIL))
        gate_set_limit (self, G_MAXUINT);
      else
        gate_set_limit (self, n + GATE_STEP);
      if (self->limit == G_MAXUINT)
        {
          self->step_id = 0;
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  /* closing: a few kept rows at a time, then the rows with none at once */
  if (n <= self->low + GATE_STEP)
    {
      gate_set_limit (self, 0);
      self->step_id = 0;
      return G_SOURCE_REMOVE;
    }
  gate_set_limit (self, n - GATE_STEP);
  return G_SOURCE_CONTINUE;
}

static void
gate_schedule (DcViewGate *self)
{
  if (self->step_id == 0)
    {
      self->step_id = g_timeout_add (GATE_INTERVAL_MS, gate_step, self);
      g_source_set_name_by_id (self->step_id, "[dockclip] view gate");
    }
}

/* The view shows again: its rows arrive a few a frame. */
void
dc_view_gate_open (DcViewGate *self)
{
  g_return_if_fail (DC_IS_VIEW_GATE (self));
  self->opening = TRUE;
  if (self->limit != G_MAXUINT)
    gate_schedule (self);
}

/* The view is hidden; @first_shown is the first row it showed (GTK keeps
 * the widgets of the rows around it). */
void
dc_view_gate_close (DcViewGate *self, guint first_shown)
{
  g_return_if_fail (DC_IS_VIEW_GATE (self));
  self->opening = FALSE;
  self->low = first_shown > GATE_KEPT ? first_shown - GATE_KEPT : 0;
  /* rows past the kept ones have no widgets: they go at once */
  if (gate_n (self) > first_shown + GATE_KEPT)
    gate_set_limit (self, first_shown + GATE_KEPT);
  else if (self->limit == G_MAXUINT)
    gate_set_limit (self, gate_n (self));
  if (gate_n (self) > 0)
    gate_schedule (self);
}

gboolean
dc_view_gate_is_open (DcViewGate *self)
{
  g_return_val_if_fail (DC_IS_VIEW_GATE (self), FALSE);
  return self->limit == G_MAXUINT;
}

static void
dc_view_gate_dispose (GObject *object)
{
  DcViewGate *self = DC_VIEW_GATE (object);

  g_clear_handle_id (&self->step_id, g_source_remove);
  if (self->inner)
    g_signal_handlers_disconnect_by_data (self->inner, self);
  g_clear_object (&self->inner);
  G_OBJECT_CLASS (dc_view_gate_parent_class)->dispose (object);
}

static void
dc_view_gate_class_init (DcViewGateClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dc_view_gate_dispose;
}

static void
dc_view_gate_init (DcViewGate *self)
{
  self->limit = G_MAXUINT;
  self->opening = TRUE;
}

DcViewGate *
dc_view_gate_new (GtkSelectionModel *inner)
{
  DcViewGate *self = g_object_new (DC_TYPE_VIEW_GATE, NULL);

  g_return_val_if_fail (GTK_IS_SELECTION_MODEL (inner), self);
  self->inner = g_object_ref (inner);
  g_signal_connect (inner, "items-changed", G_CALLBACK (inner_items_changed), self);
  g_signal_connect (inner, "selection-changed", G_CALLBACK (inner_selection_changed), self);
  return self;
}
