#define G_LOG_DOMAIN "dc-esheet-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "dc-cell.h"
#include "dc-esheet-snapshot.h"
#include "dc-esheet-view.h"
#include "dc-view-gate.h"

struct _DcEsheetView
{
  GtkBox             parent_instance;

  GtkDropDown       *sheet_dropdown;
  GtkSearchEntry    *search_entry;
  GtkToggleButton   *order_toggle;
  GtkToggleButton   *dock_toggle;
  GtkStack          *view_stack;
  GtkColumnView     *order_view;
  GtkColumnView     *dock_view;
  GtkLabel          *info_label;
  GMenuModel        *selection_menu;

  GPtrArray         *esheets;        /* DcEsheet */
  GtkStringList     *sheet_names;
  DcEsheet          *esheet;         /* shown; borrowed from esheets */
  DcConfig          *config;         /* not owned */
  DcWaybillModel    *waybills;
  DcViewGate        *order_gate;     /* what the by-order view gets of waybills */
  double             order_scrolled; /* by order: the scroll position to go back to */
  gint64             order_restore_until;
  guint              order_restore_id; /* tick on order_view */
  DcDockModel       *docks;
  GtkColumnViewColumn *columns[5];   /* waybill, dock, time, scans, status */
  DcSession         *session;        /* the jobs and their status */
  guint              counts_idle;
  int                probe_column;   /* see sorter_changed() */
  int                dock_anchor_column;     /* last plain or Ctrl click by dock */
  int                dock_anchor_position;
  const char        *busy_text;      /* what the worker is doing */
  gboolean           dock_touch;     /* the by-dock cells redraw the selection */
  guint              dock_columns_id; /* tick: more columns to show or hide */
  GtkColumnViewColumn *dock_spacers[2]; /* before and after the pool (see below) */
  guint              dock_first;     /* the dock (filtered) of the pool's first column */
  gint64             dock_shown_frame; /* frame of the last column shown or hidden, + 1 */
  gboolean           dock_in_tick;   /* in a frame (its tick), not before it */
  GArray            *dock_widths;    /* int per dock of the sheet: a width set by hand, or 0 */
  gboolean           dock_sizing;    /* the view sets the widths, not the operator */
  DcEsheet          *undo_before;    /* the shown sheet before the last removal */
  DcEsheet          *undo_after;     /* the sheet it became (borrowed, compared only) */
};

enum { SIGNAL_ESHEET_REPLACED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (DcEsheetView, dc_esheet_view, GTK_TYPE_BOX)

enum { COL_WAYBILL, COL_DOCK, COL_TIME, COL_SCANS, COL_STATUS };

static void schedule_counts (DcEsheetView *self);

/* "1,204": operators read counts with a thousands separator. */
static char *
format_count (guint n)
{
  g_autofree char *digits = g_strdup_printf ("%u", n);
  GString *s = g_string_new (NULL);
  size_t len = strlen (digits);

  for (size_t i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}

/* The local zone, looked up once: g_date_time_new_from_unix_local()
 * stats /etc/localtime on every call, once per bound cell. */
static GTimeZone *
local_zone (void)
{
  static GTimeZone *tz;

  if (g_once_init_enter (&tz))
    g_once_init_leave (&tz, g_time_zone_new_local ());
  return tz;
}

static char *
format_time (gint64 us, gboolean with_date)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) dt = utc ? g_date_time_to_timezone (utc, local_zone ()) : NULL;

  if (dt == NULL)
    return g_strdup ("");
  return g_date_time_format (dt, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S");
}

/* Status: the session's, never a copy of it. */

static int
status_rank (DcJobItem *item)
{
  if (item == NULL)
    return 0;
  switch (dc_run_kind_for_state (dc_job_item_get_state (item)))
    {
    case DC_RUN_FAILED: return 1;
    case DC_RUN_PARTIAL: return 2;
    case DC_RUN_DONE: return 9;
    case DC_RUN_QUEUED: return 3;
    default: return 5;
    }
}

/* Ranks for a status sort: one look-up per waybill of the sheet. */
static void
status_func (DcEsheet *esheet, guint8 *ranks, gpointer user_data)
{
  DcEsheetView *self = user_data;
  const char *batch = dc_esheet_get_batch (esheet);

  if (self->session == NULL)
    return;
  for (guint i = 0; i < dc_esheet_get_n_waybills (esheet); i++)
    {
      DcEsheetWaybillItem it;

      dc_esheet_get_waybill_item (esheet, i, &it);
      ranks[i] = (guint8) status_rank (dc_session_lookup_job (self->session, batch, it.waybill));
    }
}

char *
dc_esheet_view_dup_status (DcEsheetView *self, const char *waybill)
{
  int index;
  DcEsheetWaybillItem it;

  if (self->session == NULL || self->esheet == NULL ||
      (index = dc_esheet_find_waybill (self->esheet, waybill)) < 0)
    return g_strdup ("");
  dc_esheet_get_waybill_item (self->esheet, index, &it);
  return dc_session_dup_waybill_status (self->session, self->esheet, waybill,
                                        it.n_scans ? dc_esheet_get_row_dock (self->esheet, it.rows[0]) : NULL,
                                        NULL);
}

void
dc_esheet_view_job_changed (DcEsheetView *self, DcJobItem *item)
{
  g_return_if_fail (DC_IS_ESHEET_VIEW (self));
  dc_waybill_model_status_changed (self->waybills, dc_job_item_get_request (item)->waybill);
}

static void
job_progress (DcSession *session, DcJobItem *item, DcEsheetView *self)
{
  dc_esheet_view_job_changed (self, item);
}

void
dc_esheet_view_set_session (DcEsheetView *self, DcSession *session)
{
  g_return_if_fail (DC_IS_ESHEET_VIEW (self));

  if (self->session)
    g_signal_handlers_disconnect_by_func (self->session, job_progress, self);
  g_set_object (&self->session, session);
}

const char *
dc_esheet_view_cell_get_text (GtkWidget *cell)
{
  g_return_val_if_fail (DC_IS_CELL (cell), NULL);
  return dc_cell_get_text (DC_CELL (cell));
}

gboolean
dc_esheet_view_cell_get_selected (GtkWidget *cell)
{
  g_return_val_if_fail (DC_IS_CELL (cell), FALSE);
  return dc_cell_get_selected (DC_CELL (cell));
}

/* The by-dock summary row is a caption (a smaller font: a style class,
 * unlike a colour, which is a DcCell tone). */
static void
cell_set_caption (DcCell *cell, gboolean caption)
{
  if (gtk_widget_has_css_class (GTK_WIDGET (cell), "caption") == caption)
    return;
  if (caption)
    gtk_widget_add_css_class (GTK_WIDGET (cell), "caption");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (cell), "caption");
}

/* By order: cells */

static void order_cell_fill (DcCell *cell, gpointer user_data);

static void
label_setup (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  int col = GPOINTER_TO_INT (user_data);

  DcCell *cell = dc_cell_new (col == COL_SCANS ? 1 : 0,
                              col == COL_WAYBILL || col == COL_TIME || col == COL_SCANS);

  dc_cell_set_fill_func (cell, order_cell_fill, NULL);
  gtk_list_item_set_child (li, GTK_WIDGET (cell));
}

static void
status_fill (DcEsheetView *self, DcCell *cell, const DcEsheetWaybillItem *it)
{
  g_autofree char *text = NULL;
  DcStatusTone tone = DC_STATUS_TONE_DIM;

  if (self->session != NULL)
    text = dc_session_dup_waybill_status (self->session, self->esheet, it->waybill,
                                          it->n_scans ? dc_esheet_get_row_dock (self->esheet, it->rows[0]) : NULL,
                                          &tone);
  else
    text = g_strdup (_("Not started"));
  dc_cell_set_text (cell, text);
  /* a tone, not a style class: a run's start changes every status cell */
  dc_cell_set_tone (cell, tone == DC_STATUS_TONE_ERROR ? DC_CELL_TONE_ERROR
                        : tone == DC_STATUS_TONE_SUCCESS ? DC_CELL_TONE_SUCCESS
                        : tone == DC_STATUS_TONE_DIM ? DC_CELL_TONE_DIM : DC_CELL_TONE_NORMAL);
}

/* What a by-order cell shows: filled when drawn (see dc_cell_invalidate()). */
static void
order_cell_fill (DcCell *cell, gpointer user_data)
{
  DcEsheetView *self = g_object_get_data (G_OBJECT (cell), "view");
  DcRowItem *row = g_object_get_data (G_OBJECT (cell), "row");
  int col = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (cell), "column-id"));
  guint pos = row ? dc_row_item_get_index (row) : G_MAXUINT;
  DcEsheetWaybillItem it;

  if (self == NULL || self->esheet == NULL ||
      pos >= g_list_model_get_n_items (G_LIST_MODEL (self->waybills)))
    {
      dc_cell_set_text (cell, "");
      return;
    }
  dc_esheet_get_waybill_item (self->esheet, dc_waybill_model_get_waybill_index (self->waybills, pos), &it);
  switch (col)
    {
    case COL_WAYBILL:
      dc_cell_set_text (cell, it.waybill);
      break;
    case COL_DOCK:
      dc_cell_set_text (cell, it.n_scans ? dc_esheet_get_row_dock (self->esheet, it.rows[0]) : "");
      break;
    case COL_TIME:
      {
        g_autofree char *t = format_time (it.first_us, TRUE);
        dc_cell_set_text (cell, t);
      }
      break;
    case COL_SCANS:
      {
        char buf[16];
        g_snprintf (buf, sizeof buf, "%u", it.n_scans);
        dc_cell_set_text (cell, buf);
      }
      break;
    case COL_STATUS:
      status_fill (self, cell, &it);
      break;
    default:
      break;
    }
}

/* Another waybill at this position (a filter or sort), or its status. */
static void
order_cell_changed (DcRowItem *row, GParamSpec *pspec, DcCell *cell)
{
  dc_cell_invalidate (cell);
}

static void
order_bind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  int col = GPOINTER_TO_INT (user_data);
  DcCell *cell = DC_CELL (gtk_list_item_get_child (li));
  DcRowItem *row = gtk_list_item_get_item (li);

  g_object_set_data (G_OBJECT (cell), "view", g_object_get_data (G_OBJECT (f), "view"));
  g_object_set_data (G_OBJECT (cell), "column-id", GINT_TO_POINTER (col));
  /* Ctrl+click finds the row under the pointer through its cell; the
   * fill reads its position */
  g_object_set_data (G_OBJECT (cell), "row", row);
  dc_cell_invalidate (cell);
  g_signal_connect_object (row, "notify::content", G_CALLBACK (order_cell_changed), cell, 0);
  if (col == COL_STATUS)
    g_signal_connect_object (row, "notify::status", G_CALLBACK (order_cell_changed), cell, 0);
}

static void
order_unbind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  GObject *row = gtk_list_item_get_item (li);
  GtkWidget *cell = gtk_list_item_get_child (li);

  /* both handlers of the status column */
  g_signal_handlers_disconnect_by_func (row, order_cell_changed, cell);
  g_object_set_data (G_OBJECT (cell), "row", NULL);
  dc_cell_invalidate (DC_CELL (cell));
}

/* Sorting: GTK 4.8 has no gtk_column_view_sorter_get_primary_sort_column()
 * and a GtkSortListModel with custom sorters takes seconds on a million
 * rows.  So the columns carry probe sorters: comparing two dummies through
 * the view's sorter tells which column is primary (the first probe called)
 * and its order (the view inverts the probe's answer when descending); the
 * model then sorts its index array in C. */

static int
probe_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  int *slot = g_object_get_data (G_OBJECT (user_data), "probe-slot");

  if (*slot < 0)
    *slot = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (user_data), "column-id"));
  return GTK_ORDERING_SMALLER;
}

static gboolean
probe_sort (DcEsheetView *self, GtkColumnView *view, int *column, gboolean *descending)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (view);
  g_autoptr(GObject) a = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) b = g_object_new (G_TYPE_OBJECT, NULL);
  GtkOrdering ord;

  self->probe_column = -1;
  ord = gtk_sorter_compare (sorter, a, b);
  *column = self->probe_column;
  *descending = ord == GTK_ORDERING_LARGER;
  return self->probe_column >= 0;
}

static GtkSorter *
probe_sorter_new (DcEsheetView *self, int id)
{
  GtkCustomSorter *sorter = gtk_custom_sorter_new (NULL, NULL, NULL);

  gtk_custom_sorter_set_sort_func (sorter, probe_compare, sorter, NULL);
  g_object_set_data (G_OBJECT (sorter), "probe-slot", &self->probe_column);
  g_object_set_data (G_OBJECT (sorter), "column-id", GINT_TO_POINTER (id));
  return GTK_SORTER (sorter);
}

static void
order_sorter_changed (GtkSorter *sorter, GtkSorterChange change, DcEsheetView *self)
{
  int column;
  gboolean descending;
  static const DcWaybillSort map[] = {
    DC_WAYBILL_SORT_WAYBILL, DC_WAYBILL_SORT_DOCK, DC_WAYBILL_SORT_TIME,
    DC_WAYBILL_SORT_SCANS, DC_WAYBILL_SORT_STATUS,
  };

  self->busy_text = N_("Sorting…");
  if (probe_sort (self, self->order_view, &column, &descending) && column < 5)
    dc_waybill_model_set_sort (self->waybills, map[column], descending);
  else
    dc_waybill_model_set_sort (self->waybills, DC_WAYBILL_SORT_SHEET, FALSE);
}

static void
dock_sorter_changed (GtkSorter *sorter, GtkSorterChange change, DcEsheetView *self)
{
  int column;
  gboolean descending = FALSE;

  /* By dock every column is a dock: sorting means scan order, earliest
   * or latest first, for all of them. */
  self->busy_text = N_("Sorting…");
  probe_sort (self, self->dock_view, &column, &descending);
  dc_dock_model_set_descending (self->docks, descending);
}

static void
add_order_columns (DcEsheetView *self)
{
  static const struct { const char *title; gboolean expand; int width; } cols[] = {
    { N_("Waybill"), TRUE, 180 },
    { N_("Dock"), FALSE, 80 },
    { N_("Scan time"), FALSE, 170 },
    { N_("Scans"), FALSE, 60 },
    { N_("Download"), TRUE, 160 },
  };

  for (int i = 0; i < 5; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;
      g_autoptr(GtkSorter) sorter = probe_sorter_new (self, i);

      g_object_set_data (G_OBJECT (factory), "view", self);
      g_signal_connect (factory, "setup", G_CALLBACK (label_setup), GINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (order_bind), GINT_TO_POINTER (i));
      g_signal_connect (factory, "unbind", G_CALLBACK (order_unbind), GINT_TO_POINTER (i));
      column = gtk_column_view_column_new (_(cols[i].title), factory);
      gtk_column_view_column_set_expand (column, cols[i].expand);
      gtk_column_view_column_set_fixed_width (column, cols[i].width);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_sorter (column, sorter);
      gtk_column_view_column_set_header_menu (column, self->selection_menu);
      gtk_column_view_append_column (self->order_view, column);
      self->columns[i] = column;
      g_object_unref (column);
    }
  g_signal_connect (gtk_column_view_get_sorter (self->order_view), "changed",
                    G_CALLBACK (order_sorter_changed), self);
}

/* By dock
 *
 * One column per dock, its waybills beneath (row 0: the dock summary).
 *
 * GTK 4.8 keeps about 200 rows of cells for every column, visible or
 * scrolled away: forty docks are 8,000 cells, and laying them out again
 * (a column shown or hidden, rows added) took 30-60 ms a frame.  So only
 * the docks that the window can show have columns: a pool of a few
 * columns (as many as fit in the window, and two more for the edges)
 * shows the docks first..first+k, and two empty spacer columns stand for
 * the docks left and right of them, as wide as those docks together.
 * Scrolling sideways moves "first" and points the same columns at other
 * docks (the cells redraw, nothing is made or destroyed).  A filter that
 * leaves fewer docks hides the pool columns left over, one per frame (and
 * shows them again so when it is cleared).  Waybills are selected
 * cell by cell (click, Ctrl/Shift-click): GtkColumnView selects whole
 * rows, which here would mean one waybill of every dock. */

static void dock_cell_fill (DcCell *cell, gpointer user_data);

static void
dock_cell_setup (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  DcCell *cell = dc_cell_new (0, TRUE);

  dc_cell_set_fill_func (cell, dock_cell_fill, NULL);
  gtk_list_item_set_child (li, GTK_WIDGET (cell));
  gtk_list_item_set_selectable (li, FALSE);
  gtk_list_item_set_activatable (li, FALSE);
}

/* The waybill entry a cell shows, or -1 (summary row, empty cell). */
static int
dock_entry_row (DcEsheetView *self, guint column, guint pos)
{
  if (self->esheet == NULL || pos == 0 || column >= dc_dock_model_get_n_docks (self->docks))
    return -1;
  return dc_dock_model_get_entry_row (self->docks, column, pos - 1);
}

/* The cell's dock column now (a pool column shows dock_first + its
 * index), or the number of docks when it shows none. */
static guint
dock_cell_column (DcEsheetView *self, DcCell *cell)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (cell), "column"));
  guint n = self && self->esheet ? dc_dock_model_get_n_docks (self->docks) : 0;

  column += self ? self->dock_first : 0;
  return column < n ? column : n;
}

/* What a by-dock cell shows: filled when drawn (see dc_cell_invalidate()). */
static void
dock_cell_fill (DcCell *cell, gpointer user_data)
{
  DcEsheetView *self = g_object_get_data (G_OBJECT (cell), "view");
  guint pos = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (cell), "position"));
  guint column = dock_cell_column (self, cell);
  int row;

  dc_cell_set_tip (cell, NULL);
  dc_cell_set_selected (cell, FALSE);
  if (self == NULL || self->esheet == NULL || column >= dc_dock_model_get_n_docks (self->docks))
    {
      dc_cell_set_text (cell, "");
      return;
    }
  if (pos == 0)
    {
      DcEsheetDockItem it;
      g_autofree char *first = NULL, *last = NULL, *text = NULL;

      dc_esheet_get_dock_item (self->esheet, dc_dock_model_get_dock_index (self->docks, column),
                               self->config, &it);
      first = format_time (it.first_us, FALSE);
      last = format_time (it.last_us, FALSE);
      if (it.mapped)
        /* TRANSLATORS: dock summary: DVR and channel, first–last scan */
        text = g_strdup_printf (_("%s ch%u · %s–%s"), it.dvr, it.channel, first, last);
      else
        text = g_strdup_printf (_("Not mapped · %s–%s"), first, last);
      dc_cell_set_text (cell, text);
      return;
    }
  row = dock_entry_row (self, column, pos);
  if (row < 0 || (guint) row >= dc_esheet_get_n_rows (self->esheet))
    dc_cell_set_text (cell, "");
  else
    {
      const char *waybill = dc_esheet_get_row_waybill (self->esheet, row);
      g_autofree char *t = format_time (dc_esheet_get_row_time (self->esheet, row), FALSE);
      g_autofree char *text = g_strdup_printf ("%s  %s", waybill, t);
      g_autofree char *status = dc_esheet_view_dup_status (self, waybill);

      dc_cell_set_text (cell, text);
      dc_cell_set_selected (cell, (dc_esheet_get_row_flags (self->esheet, row) & DC_ESHEET_ROW_SELECTED) != 0);
      if (status && *status)
        dc_cell_set_tip (cell, g_steal_pointer (&status));
    }
}

/* Another waybill, dock or selection at this cell.  Only the caption (a
 * style class: a restyle, not to be done while drawing) is set now. */
static void
dock_cell_refresh (DcRowItem *item, GParamSpec *pspec, DcCell *cell)
{
  DcEsheetView *self = g_object_get_data (G_OBJECT (cell), "view");
  guint pos = dc_row_item_get_index (item);

  g_object_set_data (G_OBJECT (cell), "position", GUINT_TO_POINTER (pos));
  cell_set_caption (cell, pos == 0 && self && self->esheet &&
                          dock_cell_column (self, cell) < dc_dock_model_get_n_docks (self->docks));
  dc_cell_invalidate (cell);
}

static void
dock_cell_bind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  DcCell *cell = DC_CELL (gtk_list_item_get_child (li));
  DcRowItem *item = gtk_list_item_get_item (li);

  g_object_set_data (G_OBJECT (cell), "view", g_object_get_data (G_OBJECT (f), "view"));
  g_object_set_data (G_OBJECT (cell), "column", user_data);
  dock_cell_refresh (item, NULL, cell);
  g_signal_connect_object (item, "notify::content", G_CALLBACK (dock_cell_refresh), cell, 0);
}

static void
dock_cell_unbind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (li), dock_cell_refresh,
                                        gtk_list_item_get_child (li));
}

static void update_dock_columns (DcEsheetView *self, gboolean all);

#define DOCK_WIDTH 220   /* a dock column's width until the operator changes it */

static void schedule_dock_columns (DcEsheetView *self);

/* The width of visible dock @d: set by hand, or the default. */
static int
dock_width (DcEsheetView *self, guint d)
{
  guint index = dc_dock_model_get_dock_index (self->docks, d);

  if (index < self->dock_widths->len && g_array_index (self->dock_widths, int, index) > 0)
    return g_array_index (self->dock_widths, int, index);
  return DOCK_WIDTH;
}

/* The operator resized a pool column: that width belongs to its dock. */
static void
dock_column_resized (GtkColumnViewColumn *column, GParamSpec *pspec, DcEsheetView *self)
{
  guint d = self->dock_first + GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (column), "pool-index"));
  int width = gtk_column_view_column_get_fixed_width (column);
  guint index;

  if (self->dock_sizing || d >= dc_dock_model_get_n_docks (self->docks) || width <= 0)
    return;
  index = dc_dock_model_get_dock_index (self->docks, d);
  if (index >= self->dock_widths->len)
    g_array_set_size (self->dock_widths, index + 1);
  g_array_index (self->dock_widths, int, index) = width;
  schedule_dock_columns (self);
}

static GtkColumnViewColumn *
dock_column_new (DcEsheetView *self, guint i, GtkSorter *sorter)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_object_set_data (G_OBJECT (factory), "view", self);
  g_signal_connect (factory, "setup", G_CALLBACK (dock_cell_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (dock_cell_bind), GUINT_TO_POINTER (i));
  g_signal_connect (factory, "unbind", G_CALLBACK (dock_cell_unbind), GUINT_TO_POINTER (i));
  column = gtk_column_view_column_new (NULL, factory);
  gtk_column_view_column_set_fixed_width (column, DOCK_WIDTH);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_sorter (column, sorter);
  g_object_set_data (G_OBJECT (column), "pool-index", GUINT_TO_POINTER (i));
  g_signal_connect (column, "notify::fixed-width", G_CALLBACK (dock_column_resized), self);
  return column;
}

/* An empty column as wide as the docks it stands for (its cells have no
 * child: nothing to bind or draw). */
static GtkColumnViewColumn *
dock_spacer_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column = gtk_column_view_column_new (NULL, factory);

  gtk_column_view_column_set_visible (column, FALSE);
  return column;
}

static gboolean
dock_columns_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);

  self->dock_columns_id = 0;
  self->dock_in_tick = TRUE;
  update_dock_columns (self, FALSE);
  self->dock_in_tick = FALSE;
  return G_SOURCE_REMOVE;
}

/* At the next frame, before its layout. */
static void
schedule_dock_columns (DcEsheetView *self)
{
  if (self->dock_columns_id == 0)
    self->dock_columns_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), dock_columns_tick, NULL, NULL);
}

/* Scrolled sideways, or the window's width changed: maybe other docks. */
static void
dock_scrolled (GtkAdjustment *adjustment, DcEsheetView *self)
{
  schedule_dock_columns (self);
}

/* How many pool columns the window can show of @n docks. */
static guint
dock_pool_size (DcEsheetView *self, guint n)
{
  GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->dock_view));
  double page = h ? gtk_adjustment_get_page_size (h) : 0;
  int narrowest = DOCK_WIDTH;

  if (page <= 0)
    page = MAX (gtk_widget_get_width (GTK_WIDGET (self->dock_view)), 1400);
  for (guint d = 0; d < n; d++)
    narrowest = MIN (narrowest, dock_width (self, d));
  /* a column cut at each edge: one more than fit */
  return MIN (n, (guint) (page / MAX (narrowest, 24)) + 2);
}

/* The first dock the pool shows: the one at the left edge of the view. */
static guint
dock_first_shown (DcEsheetView *self, guint n, guint pool)
{
  GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->dock_view));
  double value = h ? gtk_adjustment_get_value (h) : 0;
  double x = 0;
  guint d;

  for (d = 0; d + pool < n; d++)
    {
      x += dock_width (self, d);
      if (x > value)
        break;
    }
  return d;
}

/* A column to show or hide in update_dock_columns(): within the frame's
 * budget, else at the next frame.  The counts' idle and the tick may
 * both come before the same frame: one frame, one budget. */
static gboolean
dock_budget_take (DcEsheetView *self, guint *budget, gboolean all)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  /* the frame that will show it: this one in a tick, else the next */
  gint64 frame = clock ? gdk_frame_clock_get_frame_counter (clock) + !self->dock_in_tick + 1 : 0;

  if (all)
    return TRUE;
  if (*budget == 0 || (frame != 0 && frame == self->dock_shown_frame))
    {
      schedule_dock_columns (self);
      return FALSE;
    }
  if (--*budget == 0)
    self->dock_shown_frame = frame;
  return TRUE;
}

/* A spacer's width and visibility. */
static void
dock_spacer_set (DcEsheetView *self, GtkColumnViewColumn *spacer, int width, guint *budget, gboolean all)
{
  if (width > 0 && gtk_column_view_column_get_fixed_width (spacer) != width)
    gtk_column_view_column_set_fixed_width (spacer, width);
  if (gtk_column_view_column_get_visible (spacer) != (width > 0) && dock_budget_take (self, budget, all))
    gtk_column_view_column_set_visible (spacer, width > 0);
}

static char *
dock_title (DcEsheetView *self, guint d)
{
  DcEsheetDockItem it;
  g_autofree char *count = format_count (dc_dock_model_get_n_entries (self->docks, d));

  dc_esheet_get_dock_item (self->esheet, dc_dock_model_get_dock_index (self->docks, d), NULL, &it);
  return g_strdup_printf ("%s (%s)", it.dock, count);
}

/* Points the pool's columns at the docks shown: titles, menus, widths,
 * visibility, and the spacers around them.  Showing or hiding a column
 * shows or hides a cell in each of its ~200 rows (several ms each, and
 * the frame lays out every row again): unless @all, one column per
 * frame (the rest at the next frames). */
static void
update_dock_columns (DcEsheetView *self, gboolean all)
{
  GListModel *columns = gtk_column_view_get_columns (self->dock_view);
  guint n = self->esheet ? dc_dock_model_get_n_docks (self->docks) : 0;
  guint rows = MIN (256, g_list_model_get_n_items (G_LIST_MODEL (self->docks)));
  /* a column's cells made or destroyed cost ~50 us each (perf, idle): at
   * most ~120 of them in a frame, with its layout and drawing */
  guint budget = MAX (1, 120 / MAX (rows, 1));
  guint pool = dock_pool_size (self, n);
  guint first = dock_first_shown (self, n, pool);
  guint have = g_list_model_get_n_items (columns) - 2;
  int left = 0, right = 0;

  self->dock_sizing = TRUE;
  if (first != self->dock_first)
    {
      /* the same cells show other docks */
      self->dock_first = first;
      dc_dock_model_touch (self->docks);
    }
  for (guint d = 0; d < n; d++)
    if (d < first)
      left += dock_width (self, d);
    else if (d >= first + pool)
      right += dock_width (self, d);
  if (have < pool)
    {
      g_autoptr(GtkSorter) sorter = probe_sorter_new (self, 0);

      /* made hidden: shown below, within the budget */
      for (guint i = have; i < pool; i++)
        {
          GtkColumnViewColumn *column = dock_column_new (self, i, sorter);
          gtk_column_view_column_set_visible (column, FALSE);
          gtk_column_view_insert_column (self->dock_view, 1 + i, column);
          g_object_unref (column);
        }
      have = pool;
    }
  dock_spacer_set (self, self->dock_spacers[0], left, &budget, all);
  dock_spacer_set (self, self->dock_spacers[1], right, &budget, all);
  for (guint i = 0; i < have; i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 1 + i);
      guint d = first + i;
      guint dock_index = i < pool ? dc_dock_model_get_dock_index (self->docks, d) + 1 : 0;
      g_autofree char *title = NULL;

      if (i >= pool && i < n)
        {
          /* the window is narrower: a column fewer (rare) */
          if (gtk_column_view_column_get_visible (column))
            {
              gtk_column_view_column_set_title (column, NULL);
              if (dock_budget_take (self, &budget, all))
                gtk_column_view_column_set_visible (column, FALSE);
            }
          continue;
        }
      if (i >= pool)
        {
          /* no dock for it (a filter): parked, not hidden.  Hiding
           * destroys a cell in each of ~200 rows and showing makes them
           * again (10-12 ms a column); a parked column keeps its empty
           * cells at the narrowest width.  One already hidden stays so. */
          if (!gtk_column_view_column_get_visible (column))
            continue;
          gtk_column_view_column_set_title (column, NULL);
          gtk_column_view_column_set_resizable (column, FALSE);
          if (gtk_column_view_column_get_fixed_width (column) != 1)
            gtk_column_view_column_set_fixed_width (column, 1);
          if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (column), "dock-index")) != 0)
            {
              gtk_column_view_column_set_header_menu (column, NULL);
              g_object_set_data (G_OBJECT (column), "dock-index", NULL);
            }
          continue;
        }
      if (!gtk_column_view_column_get_visible (column))
        {
          if (!dock_budget_take (self, &budget, all))
            continue;
          gtk_column_view_column_set_visible (column, TRUE);
        }
      gtk_column_view_column_set_resizable (column, TRUE);
      title = dock_title (self, d);
      gtk_column_view_column_set_title (column, title);
      if (gtk_column_view_column_get_fixed_width (column) != dock_width (self, d))
        gtk_column_view_column_set_fixed_width (column, dock_width (self, d));
      if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (column), "dock-index")) != dock_index)
        {
          g_autoptr(GMenu) menu = g_menu_new ();
          g_autoptr(GMenuItem) mi = NULL;
          DcEsheetDockItem it;

          dc_esheet_get_dock_item (self->esheet, dock_index - 1, NULL, &it);
          mi = g_menu_item_new (_("Select This Dock’s Waybills"), NULL);
          g_menu_item_set_action_and_target (mi, "esheet.select-dock", "s", it.dock);
          g_menu_append_item (menu, mi);
          g_clear_object (&mi);
          mi = g_menu_item_new (_("Delete This Dock"), NULL);
          g_menu_item_set_action_and_target (mi, "esheet.delete-dock", "s", it.dock);
          g_menu_append_item (menu, mi);
          g_menu_append_section (menu, NULL, self->selection_menu);
          gtk_column_view_column_set_header_menu (column, G_MENU_MODEL (menu));
          g_object_set_data (G_OBJECT (column), "dock-index", GUINT_TO_POINTER (dock_index));
        }
    }
  self->dock_sizing = FALSE;
}

/* Selecting waybills by dock: an entry stands for the waybill's scans at
 * that dock, the rows a download from it would fetch. */
static void
dock_entry_set_selected (DcEsheetView *self, int row, gboolean selected)
{
  DcEsheetWaybillItem it;
  int index = dc_esheet_find_waybill (self->esheet, dc_esheet_get_row_waybill (self->esheet, row));
  const char *dock = dc_esheet_get_row_dock (self->esheet, row);

  if (index < 0)
    return;
  dc_esheet_get_waybill_item (self->esheet, index, &it);
  for (guint k = 0; k < it.n_scans; k++)
    if (dc_esheet_get_row_dock (self->esheet, it.rows[k]) == dock)   /* interned */
      dc_esheet_set_row_selected (self->esheet, it.rows[k], selected);
}

static void
selection_touched (DcEsheetView *self)
{
  dc_waybill_model_selection_touched (self->waybills);
  dc_dock_model_touch (self->docks);
  schedule_counts (self);
}

void
dc_esheet_view_click_dock_entry (DcEsheetView *self, guint column, guint position,
                                 GdkModifierType state)
{
  gboolean ctrl = (state & GDK_CONTROL_MASK) != 0, shift = (state & GDK_SHIFT_MASK) != 0;
  int row = dock_entry_row (self, column, position);

  g_return_if_fail (DC_IS_ESHEET_VIEW (self));
  if (row < 0)
    return;
  if (shift && self->dock_anchor_column == (int) column && self->dock_anchor_position > 0)
    {
      guint lo = MIN ((guint) self->dock_anchor_position, position);
      guint hi = MAX ((guint) self->dock_anchor_position, position);

      if (!ctrl)
        dc_esheet_select_all (self->esheet, FALSE);
      for (guint p = lo; p <= hi; p++)
        {
          int r = dock_entry_row (self, column, p);
          if (r >= 0)
            dock_entry_set_selected (self, r, TRUE);
        }
    }
  else
    {
      if (ctrl)
        dock_entry_set_selected (self, row,
                                 !(dc_esheet_get_row_flags (self->esheet, row) & DC_ESHEET_ROW_SELECTED));
      else
        {
          dc_esheet_select_all (self->esheet, FALSE);
          dock_entry_set_selected (self, row, TRUE);
        }
      self->dock_anchor_column = column;
      self->dock_anchor_position = position;
    }
  selection_touched (self);
}

static void
dock_view_pressed (GtkGestureClick *gesture, int n_press, double x, double y, DcEsheetView *self)
{
  GtkWidget *view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *hit = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  while (hit && hit != view && !DC_IS_CELL (hit))
    hit = gtk_widget_get_parent (hit);
  if (hit == NULL || hit == view || g_object_get_data (G_OBJECT (hit), "view") != self)
    return;
  dc_esheet_view_click_dock_entry (self, self->dock_first +
                                   GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (hit), "column")),
                                   GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (hit), "position")), state);
}

/* Ctrl+click by order adds or removes one waybill.  GTK 4.8's column
 * view selects only the clicked row whatever the modifiers (the cells'
 * own list items take the click), so the view does it, in the capture
 * phase, as by dock; plain and Shift clicks stay GTK's. */
static void
order_view_pressed (GtkGestureClick *gesture, int n_press, double x, double y, DcEsheetView *self)
{
  GtkWidget *view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *hit;
  DcRowItem *row;
  guint pos;
  GtkSelectionModel *sel = GTK_SELECTION_MODEL (self->waybills);

  if ((state & GDK_CONTROL_MASK) == 0 || (state & GDK_SHIFT_MASK) != 0)
    return;
  hit = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);
  while (hit && hit != view && !DC_IS_CELL (hit))
    hit = gtk_widget_get_parent (hit);
  if (hit == NULL || hit == view || (row = g_object_get_data (G_OBJECT (hit), "row")) == NULL)
    return;
  pos = dc_row_item_get_index (row);
  if (gtk_selection_model_is_selected (sel, pos))
    gtk_selection_model_unselect_item (sel, pos);
  else
    gtk_selection_model_select_item (sel, pos, FALSE);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
stop_dock_rows (DcEsheetView *self)
{
  if (self->dock_columns_id)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->dock_columns_id);
  self->dock_columns_id = 0;
}

/* GTK 4.8 makes ~200 rows of cells for each column of a model it is
 * given, shown or not: the by-dock view gets its model (which counts and
 * titles read all the same) when it is first shown. */
static void
dock_view_attach (DcEsheetView *self)
{
  g_autoptr(GtkSelectionModel) sel = NULL;

  if (gtk_column_view_get_model (self->dock_view) != NULL)
    return;
  dc_dock_model_arrive_again (self->docks);
  sel = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->docks))));
  gtk_column_view_set_model (self->dock_view, sel);
}

/* Header counts, from one coalesced idle */

static void
update_counts (DcEsheetView *self, gboolean all)
{
  guint n = dc_waybill_model_get_n_matching (self->waybills);
  g_autofree char *count = format_count (n);
  /* TRANSLATORS: the waybill column's title with its live count, e.g. "Waybill (1,204)" */
  g_autofree char *title = g_strdup_printf (_("Waybill (%s)"), count);
  g_autofree char *info = NULL;

  gtk_column_view_column_set_title (self->columns[COL_WAYBILL], title);
  update_dock_columns (self, all);
  if (self->dock_touch && gtk_widget_get_mapped (GTK_WIDGET (self->dock_view)))
    dc_dock_model_touch (self->docks);
  self->dock_touch = FALSE;

  if (self->esheet)
    {
      g_autofree char *wb = format_count (dc_esheet_get_n_waybills (self->esheet));
      guint n_sel = dc_waybill_model_get_n_selected (self->waybills);
      GPtrArray *rejects = dc_esheet_get_rejects (self->esheet);
      g_autofree char *extra = NULL;

      if (rejects && rejects->len)
        extra = g_strdup_printf (ngettext (" · %u row skipped", " · %u rows skipped", rejects->len),
                                 rejects->len);
      /* TRANSLATORS: the status line under the table */
      g_autofree char *base = g_path_get_basename (dc_esheet_get_file_name (self->esheet));

      info = g_strdup_printf (_("%s: %s waybills at %u docks · %u shown · %u selected%s"),
                              base, wb,
                              dc_esheet_get_n_docks (self->esheet), n, n_sel,
                              extra ? extra : "");
      if (dc_esheet_view_is_busy (self) && self->busy_text)
        {
          char *busy = g_strdup_printf ("%s · %s", _(self->busy_text), info);
          g_free (info);
          info = busy;
        }
    }
  gtk_label_set_text (self->info_label, info ? info : "");
}

static gboolean
counts_idle_cb (gpointer user_data)
{
  DcEsheetView *self = user_data;

  self->counts_idle = 0;
  update_counts (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_counts (DcEsheetView *self)
{
  if (self->counts_idle == 0)
    self->counts_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, counts_idle_cb, self, NULL);
}

void
dc_esheet_view_flush_counts (DcEsheetView *self)
{
  dc_waybill_model_wait (self->waybills);
  dc_dock_model_wait (self->docks);
  g_clear_handle_id (&self->counts_idle, g_source_remove);
  update_counts (self, TRUE);
}

gboolean
dc_esheet_view_is_busy (DcEsheetView *self)
{
  return dc_waybill_model_get_busy (self->waybills) || dc_dock_model_get_busy (self->docks);
}

static void
models_busy (GObject *model, GParamSpec *pspec, DcEsheetView *self)
{
  /* the rows stay usable while a filter or sort is computed: dimmed, as
   * dim-label would, but a style class on the view restyles every cell
   * it keeps (thousands by dock: 20-30 ms a frame, twice per filter);
   * the opacity of the view is one render node */
  gtk_widget_set_opacity (GTK_WIDGET (self->order_view),
                          dc_waybill_model_get_busy (self->waybills) ? 0.55 : 1.0);
  gtk_widget_set_opacity (GTK_WIDGET (self->dock_view),
                          dc_dock_model_get_busy (self->docks) ? 0.55 : 1.0);
  schedule_counts (self);
}

static void
waybills_changed (GListModel *model, guint pos, guint removed, guint added, DcEsheetView *self)
{
  schedule_counts (self);
}

static void
docks_changed (GListModel *model, guint pos, guint removed, guint added, DcEsheetView *self)
{
  schedule_counts (self);
}

static void
selection_changed (GtkSelectionModel *model, guint pos, guint n, DcEsheetView *self)
{
  /* by dock, selected waybills are drawn by the cells: with the counts */
  self->dock_touch = TRUE;
  schedule_counts (self);
}

/* Public */

static void
show_esheet (DcEsheetView *self, DcEsheet *esheet)
{
  self->esheet = esheet;
  self->busy_text = N_("Loading…");
  self->dock_anchor_column = -1;
  g_array_set_size (self->dock_widths, 0);
  stop_dock_rows (self);
  dc_waybill_model_set_esheet (self->waybills, esheet);
  dc_dock_model_set_esheet (self->docks, esheet, self->config);
  schedule_counts (self);
}

static void
sheet_selected (GtkDropDown *dropdown, GParamSpec *pspec, DcEsheetView *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);

  if (i < self->esheets->len && g_ptr_array_index (self->esheets, i) != self->esheet)
    show_esheet (self, g_ptr_array_index (self->esheets, i));
}

void
dc_esheet_view_add_esheet (DcEsheetView *self, DcEsheet *esheet)
{
  g_return_if_fail (DC_IS_ESHEET_VIEW (self));

  g_ptr_array_add (self->esheets, g_object_ref (esheet));
  {
    g_autofree char *base = g_path_get_basename (dc_esheet_get_file_name (esheet));
    gtk_string_list_append (self->sheet_names, base);
  }
  gtk_widget_set_visible (GTK_WIDGET (self->sheet_dropdown), self->esheets->len > 1);
  gtk_drop_down_set_selected (self->sheet_dropdown, self->esheets->len - 1);
  /* (the drop-down's notify::selected has shown it, as a rule) */
  if (self->esheet != esheet)
    show_esheet (self, esheet);
}

DcEsheet *
dc_esheet_view_get_esheet (DcEsheetView *self)
{
  return self->esheet;
}

guint
dc_esheet_view_get_n_esheets (DcEsheetView *self)
{
  return self->esheets->len;
}

void
dc_esheet_view_set_config (DcEsheetView *self, DcConfig *config)
{
  self->config = config;
  if (self->esheet)
    {
      dc_dock_model_refresh (self->docks);
      /* "Dock not mapped" in the status column follows the new map */
      dc_waybill_model_all_status_changed (self->waybills);
    }
}

void
dc_esheet_view_refresh (DcEsheetView *self)
{
  dc_dock_model_refresh (self->docks);
  dc_waybill_model_refresh (self->waybills);
  schedule_counts (self);
}

void
dc_esheet_view_focus_search (DcEsheetView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
apply_search (DcEsheetView *self, const char *text)
{
  GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->dock_view));

  /* The docks found are shown from the first: a view left scrolled
   * sideways kept its offset over far fewer columns, so the pool started
   * past the docks found and the first ones could not be scrolled to. */
  if (h != NULL)
    gtk_adjustment_set_value (h, 0);
  self->busy_text = N_("Filtering…");
  dc_waybill_model_set_filter (self->waybills, text);
  dc_dock_model_set_filter (self->docks, text);
}

void
dc_esheet_view_set_search (DcEsheetView *self, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  apply_search (self, text);
  dc_waybill_model_wait (self->waybills);
  dc_dock_model_wait (self->docks);
}

/* Comes after the entry's search delay; a newer text supersedes a
 * filter still running. */
static void
search_changed (GtkSearchEntry *entry, DcEsheetView *self)
{
  apply_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

void
dc_esheet_view_show_by_dock (DcEsheetView *self, gboolean by_dock)
{
  gtk_toggle_button_set_active (by_dock ? self->dock_toggle : self->order_toggle, TRUE);
}

/* Back by order, once its rows are there again and laid out: where the
 * operator was (GTK makes the rows there in one go).  Checked each frame
 * (the adjustment is the view's at that moment), for two seconds at most. */
static gboolean
order_restore_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  DcEsheetView *self = user_data;
  GtkAdjustment *v = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->order_view));

  if (self->order_scrolled <= 0 || g_get_monotonic_time () > self->order_restore_until)
    {
      self->order_restore_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (v == NULL || !dc_view_gate_is_open (self->order_gate) ||
      gtk_adjustment_get_upper (v) - gtk_adjustment_get_page_size (v) < self->order_scrolled)
    return G_SOURCE_CONTINUE;
  gtk_adjustment_set_value (v, self->order_scrolled);
  self->order_scrolled = 0;
  self->order_restore_id = 0;
  return G_SOURCE_REMOVE;
}

/* The first row the by-order view shows. */
static guint
order_first_shown (DcEsheetView *self)
{
  GtkAdjustment *v = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->order_view));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->order_gate));
  double upper = v ? gtk_adjustment_get_upper (v) : 0;

  if (n == 0 || upper <= 0)
    return 0;
  return (guint) MIN ((double) n, gtk_adjustment_get_value (v) / (upper / n));
}

static void
view_toggled (GtkToggleButton *button, DcEsheetView *self)
{
  gboolean by_dock = gtk_toggle_button_get_active (self->dock_toggle);

  GtkAdjustment *v = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->order_view));

  if (by_dock)
    {
      self->order_scrolled = v ? gtk_adjustment_get_value (v) : 0;
      dc_view_gate_close (self->order_gate, order_first_shown (self));
    }
  else
    {
      dc_view_gate_open (self->order_gate);
      self->order_restore_until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
      if (self->order_restore_id == 0 && self->order_scrolled > 0)
        self->order_restore_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->order_view),
                                                               order_restore_tick, self, NULL);
    }
  gtk_stack_set_visible_child_name (self->view_stack, by_dock ? "dock" : "order");
}

char *
dc_esheet_view_dup_order_title (DcEsheetView *self)
{
  return g_strdup (gtk_column_view_column_get_title (self->columns[COL_WAYBILL]));
}

/* The docks shown by dock (after the filter); the window has columns
 * only for those it can show at once (see update_dock_columns()). */
guint
dc_esheet_view_get_n_dock_columns (DcEsheetView *self)
{
  return self->esheet ? dc_dock_model_get_n_docks (self->docks) : 0;
}

/* The title of dock @column's column ("A01 (35)"), scrolled to or not. */
char *
dc_esheet_view_dup_dock_title (DcEsheetView *self, guint column)
{
  if (column >= dc_esheet_view_get_n_dock_columns (self))
    return NULL;
  return dock_title (self, column);
}

GtkSelectionModel *
dc_esheet_view_get_order_selection (DcEsheetView *self)
{
  return GTK_SELECTION_MODEL (self->waybills);
}

GtkColumnView *
dc_esheet_view_get_order_view (DcEsheetView *self)
{
  return self->order_view;
}

DcWaybillModel *
dc_esheet_view_get_waybill_model (DcEsheetView *self)
{
  return self->waybills;
}

GtkColumnView *
dc_esheet_view_get_dock_view (DcEsheetView *self)
{
  return self->dock_view;
}

/* Actions */

/* A copy of the shown sheet before an operation removes rows: Undo puts
 * it back (the copy costs about as much as reading the sheet). */
static DcEsheet *
before_operation (DcEsheetView *self)
{
  g_autoptr(GError) error = NULL;
  DcEsheet *copy = dc_esheet_snapshot_new (self->esheet, &error);

  if (copy == NULL)
    g_warning ("No undo for this change: %s", error->message);
  return copy;
}

static void
after_operation (DcEsheetView *self, DcEsheet *before, guint removed)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  dc_esheet_view_refresh (self);
  if (removed == 0)
    {
      g_clear_object (&before);
      return;
    }
  g_clear_object (&self->undo_before);
  self->undo_before = before;
  self->undo_after = self->esheet;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "esheet.undo", before != NULL);
  if (overlay)
    {
      g_autofree char *msg = g_strdup_printf (ngettext ("%u scan removed", "%u scans removed", removed),
                                              removed);
      AdwToast *toast = adw_toast_new (msg);

      if (before != NULL)
        {
          adw_toast_set_button_label (toast, _("_Undo"));
          adw_toast_set_action_name (toast, "esheet.undo");
        }
      adw_toast_set_timeout (toast, 10);
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
    }
}

gboolean
dc_esheet_view_undo (DcEsheetView *self)
{
  DcEsheet *before = self->undo_before;
  DcEsheet *after = self->undo_after;
  guint i;

  if (before == NULL || !g_ptr_array_find (self->esheets, after, &i))
    return FALSE;
  self->undo_before = NULL;
  self->undo_after = NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "esheet.undo", FALSE);
  /* the copy takes the sheet's place (the old one may still be shown) */
  g_ptr_array_index (self->esheets, i) = before;
  if (self->esheet == after)
    show_esheet (self, before);
  g_signal_emit (self, signals[SIGNAL_ESHEET_REPLACED], 0, after, before);
  g_object_unref (after);
  return TRUE;
}

static void
action_undo (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_esheet_view_undo (DC_ESHEET_VIEW (widget));
}

static void
action_select_all (GtkWidget *widget, const char *name, GVariant *param)
{
  gtk_selection_model_select_all (GTK_SELECTION_MODEL (DC_ESHEET_VIEW (widget)->waybills));
}

static void
action_select_none (GtkWidget *widget, const char *name, GVariant *param)
{
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (DC_ESHEET_VIEW (widget)->waybills));
}

static void
action_invert (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);
  guint n = dc_waybill_model_get_n_rows (self->waybills);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection_in_range (GTK_SELECTION_MODEL (self->waybills), 0, n);
  g_autoptr(GtkBitset) inverted = gtk_bitset_new_range (0, n);
  g_autoptr(GtkBitset) mask = gtk_bitset_new_range (0, n);

  gtk_bitset_subtract (inverted, selected);
  gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->waybills), inverted, mask);
}

static void
action_delete_waybills (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);
  DcEsheet *before;

  if (self->esheet == NULL)
    return;
  before = before_operation (self);
  after_operation (self, before, dc_esheet_delete_selected_waybills (self->esheet));
}

static void
action_delete_docks (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);
  DcEsheet *before;

  if (self->esheet == NULL)
    return;
  before = before_operation (self);
  after_operation (self, before, dc_esheet_delete_selected_docks (self->esheet));
}

static void
action_drop_unmapped (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);
  DcEsheet *before;

  if (self->esheet == NULL)
    return;
  before = before_operation (self);
  after_operation (self, before, dc_esheet_drop_unmapped_docks (self->esheet, self->config));
}

static void
select_dock (DcEsheetView *self, const char *dock, gboolean only)
{
  int d = self->esheet ? dc_esheet_find_dock (self->esheet, dock) : -1;

  if (d < 0)
    return;
  if (only)
    dc_esheet_select_all (self->esheet, FALSE);
  dc_esheet_set_dock_selected (self->esheet, d, TRUE);
  selection_touched (self);
}

static void
action_select_dock (GtkWidget *widget, const char *name, GVariant *param)
{
  select_dock (DC_ESHEET_VIEW (widget), g_variant_get_string (param, NULL), FALSE);
}

static void
action_delete_dock (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);

  DcEsheet *before;

  if (self->esheet == NULL)
    return;
  /* the copy keeps the operator's selection, not the one made here */
  before = before_operation (self);
  select_dock (self, g_variant_get_string (param, NULL), TRUE);
  after_operation (self, before, dc_esheet_delete_selected_docks (self->esheet));
}

static void
keep_response (AdwMessageDialog *dialog, const char *response, DcEsheetView *self)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (adw_message_dialog_get_extra_child (dialog));

  if (g_str_equal (response, "keep") && self->esheet)
    {
      DcEsheet *before = before_operation (self);

      after_operation (self, before,
                       dc_esheet_keep_per_dock (self->esheet, (guint) gtk_spin_button_get_value_as_int (spin)));
    }
}

static void
action_keep_per_dock (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);
  GtkWidget *dialog;
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 10000, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 10);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                   _("Keep a Few Waybills per Dock?"),
                                   _("Keeps this many waybills at each dock that has a selected waybill "
                                     "(every dock when none is selected), spread evenly over the day. "
                                     "The others are removed from the list."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), spin);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"), "keep", _("_Keep"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "keep",
                                              ADW_RESPONSE_SUGGESTED);
  g_signal_connect (dialog, "response", G_CALLBACK (keep_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* One popover per view, kept parented: a popover unparented in its
 * "closed" handler is gone before its item's action is looked up (the
 * menu closes first), so Select all / Invert / Delete did nothing. */
static void
context_menu (GtkGestureClick *gesture, int n_press, double x, double y, DcEsheetView *self)
{
  GtkWidget *view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *popover = g_object_get_data (G_OBJECT (view), "context-menu");
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &rect);
  gtk_popover_popup (GTK_POPOVER (popover));
}

GtkPopover *
dc_esheet_view_popup_context_menu (DcEsheetView *self, double x, double y)
{
  GtkWidget *view = gtk_stack_get_visible_child (self->view_stack);
  GtkWidget *popover;
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  while (view && g_object_get_data (G_OBJECT (view), "context-menu") == NULL)
    view = gtk_widget_get_first_child (view);
  g_return_val_if_fail (view != NULL, NULL);
  popover = g_object_get_data (G_OBJECT (view), "context-menu");
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &rect);
  gtk_popover_popup (GTK_POPOVER (popover));
  return GTK_POPOVER (popover);
}

static void
add_context_menu (DcEsheetView *self, GtkWidget *view)
{
  GtkGesture *gesture = gtk_gesture_click_new ();
  GtkWidget *popover = gtk_popover_menu_new_from_model (self->selection_menu);

  gtk_widget_set_parent (popover, view);
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_widget_set_halign (popover, GTK_ALIGN_START);
  g_object_set_data (G_OBJECT (view), "context-menu", popover);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (context_menu), self);
  gtk_widget_add_controller (view, GTK_EVENT_CONTROLLER (gesture));
}

static void
dc_esheet_view_dispose (GObject *object)
{
  DcEsheetView *self = DC_ESHEET_VIEW (object);

  for (GtkWidget **v = (GtkWidget *[]) { GTK_WIDGET (self->order_view), GTK_WIDGET (self->dock_view), NULL };
       *v != NULL; v++)
    {
      GtkWidget *popover = g_object_get_data (G_OBJECT (*v), "context-menu");
      if (popover)
        {
          g_object_set_data (G_OBJECT (*v), "context-menu", NULL);
          gtk_widget_unparent (popover);
        }
    }

  g_clear_handle_id (&self->counts_idle, g_source_remove);
  stop_dock_rows (self);
  if (self->session)
    dc_esheet_view_set_session (self, NULL);
  if (self->waybills)
    {
      g_signal_handlers_disconnect_by_data (self->waybills, self);
      g_signal_handlers_disconnect_by_data (self->docks, self);
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->order_view), self);
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->dock_view), self);
    }
  if (self->dock_view)
    {
      GListModel *columns = gtk_column_view_get_columns (self->dock_view);
      GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->dock_view));

      if (h)
        g_signal_handlers_disconnect_by_data (h, self);
      for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
        {
          g_autoptr(GObject) column = g_list_model_get_item (columns, i);
          g_signal_handlers_disconnect_by_data (column, self);
        }
    }
  G_OBJECT_CLASS (dc_esheet_view_parent_class)->dispose (object);
}

static void
dc_esheet_view_finalize (GObject *object)
{
  DcEsheetView *self = DC_ESHEET_VIEW (object);

  g_clear_object (&self->order_gate);
  g_clear_object (&self->waybills);
  g_clear_object (&self->docks);
  g_clear_object (&self->undo_before);
  g_clear_pointer (&self->esheets, g_ptr_array_unref);

  g_clear_pointer (&self->dock_widths, g_array_unref);
  G_OBJECT_CLASS (dc_esheet_view_parent_class)->finalize (object);
}

static void
dc_esheet_view_class_init (DcEsheetViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dc_esheet_view_dispose;
  object_class->finalize = dc_esheet_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dockclip/Dockclip/ui/dc-esheet-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, sheet_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, order_toggle);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, dock_toggle);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, order_view);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, dock_view);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, info_label);
  gtk_widget_class_bind_template_child (widget_class, DcEsheetView, selection_menu);
  gtk_widget_class_bind_template_callback (widget_class, search_changed);

  gtk_widget_class_install_action (widget_class, "esheet.select-all", NULL, action_select_all);
  gtk_widget_class_install_action (widget_class, "esheet.undo", NULL, action_undo);
  /* Undo put a copy in place of a sheet: (old, new) */
  signals[SIGNAL_ESHEET_REPLACED] =
    g_signal_new ("esheet-replaced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, DC_TYPE_ESHEET, DC_TYPE_ESHEET);
  gtk_widget_class_install_action (widget_class, "esheet.select-none", NULL, action_select_none);
  gtk_widget_class_install_action (widget_class, "esheet.invert", NULL, action_invert);
  gtk_widget_class_install_action (widget_class, "esheet.delete-waybills", NULL, action_delete_waybills);
  gtk_widget_class_install_action (widget_class, "esheet.delete-docks", NULL, action_delete_docks);
  gtk_widget_class_install_action (widget_class, "esheet.drop-unmapped", NULL, action_drop_unmapped);
  gtk_widget_class_install_action (widget_class, "esheet.keep-per-dock", NULL, action_keep_per_dock);
  gtk_widget_class_install_action (widget_class, "esheet.select-dock", "s", action_select_dock);
  gtk_widget_class_install_action (widget_class, "esheet.delete-dock", "s", action_delete_dock);
}

static void
dc_esheet_view_init (DcEsheetView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "esheet.undo", FALSE);
  self->esheets = g_ptr_array_new_with_free_func (g_object_unref);

  self->sheet_names = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->sheet_dropdown, G_LIST_MODEL (self->sheet_names));
  g_object_unref (self->sheet_names);   /* the drop-down keeps it */
  gtk_widget_set_visible (GTK_WIDGET (self->sheet_dropdown), FALSE);
  g_signal_connect (self->sheet_dropdown, "notify::selected", G_CALLBACK (sheet_selected), self);

  self->dock_anchor_column = -1;
  self->waybills = dc_waybill_model_new ();
  dc_waybill_model_set_async (self->waybills, TRUE);
  dc_waybill_model_set_status_func (self->waybills, status_func, self);
  self->docks = dc_dock_model_new ();
  dc_dock_model_set_async (self->docks, TRUE);
  add_order_columns (self);
  /* hidden by dock, the by-order view gets no changes (dc-view-gate.c) */
  self->order_gate = dc_view_gate_new (GTK_SELECTION_MODEL (self->waybills));
  gtk_column_view_set_model (self->order_view, GTK_SELECTION_MODEL (self->order_gate));
  g_signal_connect_swapped (self->dock_view, "map", G_CALLBACK (dock_view_attach), self);
  g_signal_connect (gtk_column_view_get_sorter (self->dock_view), "changed",
                    G_CALLBACK (dock_sorter_changed), self);
  self->dock_widths = g_array_new (FALSE, TRUE, sizeof (int));
  for (guint i = 0; i < 2; i++)
    {
      self->dock_spacers[i] = dock_spacer_new ();
      gtk_column_view_append_column (self->dock_view, self->dock_spacers[i]);
      g_object_unref (self->dock_spacers[i]);   /* the view keeps it */
    }
  {
    GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->dock_view));

    g_signal_connect (h, "value-changed", G_CALLBACK (dock_scrolled), self);
    g_signal_connect (h, "changed", G_CALLBACK (dock_scrolled), self);
  }
  g_signal_connect (self->waybills, "items-changed", G_CALLBACK (waybills_changed), self);
  g_signal_connect (self->waybills, "selection-changed", G_CALLBACK (selection_changed), self);
  g_signal_connect (self->waybills, "notify::busy", G_CALLBACK (models_busy), self);
  g_signal_connect (self->docks, "notify::busy", G_CALLBACK (models_busy), self);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    /* capture: the cells learn of the click before the rows do */
    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
    g_signal_connect (click, "pressed", G_CALLBACK (dock_view_pressed), self);
    gtk_widget_add_controller (GTK_WIDGET (self->dock_view), GTK_EVENT_CONTROLLER (click));
    click = gtk_gesture_click_new ();
    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
    g_signal_connect (click, "pressed", G_CALLBACK (order_view_pressed), self);
    gtk_widget_add_controller (GTK_WIDGET (self->order_view), GTK_EVENT_CONTROLLER (click));
  }
  g_signal_connect (self->docks, "items-changed", G_CALLBACK (docks_changed), self);
  g_signal_connect (self->order_toggle, "toggled", G_CALLBACK (view_toggled), self);
  g_signal_connect (self->dock_toggle, "toggled", G_CALLBACK (view_toggled), self);
  add_context_menu (self, GTK_WIDGET (self->order_view));
  add_context_menu (self, GTK_WIDGET (self->dock_view));
}
