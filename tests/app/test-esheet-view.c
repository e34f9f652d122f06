/* GUI tests of the e-sheet table (real widgets, under Xvfb): selecting
 * waybills one by one in the by-dock view, and filters and sorts of a big
 * sheet that run in the background while the window keeps responding. */
#include "config.h"

#include <adwaita.h>
#include <time.h>

#include "dc-window.h"
#include "dc-test-util.h"
#include "xtest-input.h"

static DcWindow *
new_window (void)
{
  DcWindow *win = dc_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 700);
  gtk_window_present (GTK_WINDOW (win));
  dc_test_pump (100);
  return win;
}

static void
close_window (DcWindow *win)
{
  dc_window_shutdown (win);
  gtk_window_destroy (GTK_WINDOW (win));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* @rows scans, waybill SF<10 digits>, at @n_docks docks D01.. in turn,
 * one every 50 ms in the last day. */
static DcEsheet *
make_sheet (guint rows, guint n_docks)
{
  DcEsheet *esheet = dc_esheet_new ();
  GString *s = g_string_sized_new ((gsize) rows * 40);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;
  gint64 base = g_get_real_time () / G_USEC_PER_SEC - 86400;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  g_string_append (s, "运单号,月台,扫描时间\n");
  for (guint i = 0; i < rows; i++)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (base + i / 20);
      g_autoptr(GDateTime) dt = g_date_time_to_timezone (utc, tz);
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");

      g_string_append_printf (s, "SF%010u,D%02u,%s\n", 1000000u + i, i % n_docks + 1, ts);
    }
  bytes = g_string_free_to_bytes (s);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_true (dc_esheet_import_bytes (esheet, "sheet.csv", bytes, &options, &error));
  g_assert_no_error (error);
  return esheet;
}

/* What the window does once an import is done: the table page shows. */
static void
show_table_page (DcEsheetView *view)
{
  GtkWidget *child = GTK_WIDGET (view);

  for (GtkWidget *p = gtk_widget_get_parent (child); p; child = p, p = gtk_widget_get_parent (p))
    if (GTK_IS_STACK (p))
      gtk_stack_set_visible_child (GTK_STACK (p), child);
    else if (ADW_IS_VIEW_STACK (p))
      adw_view_stack_set_visible_child (ADW_VIEW_STACK (p), child);
}

static GtkWidget *
find_widget (GtkWidget *root, GType type, gboolean (*match) (GtkWidget *, gpointer), gpointer data)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && (match == NULL || match (root, data)))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type, match, data);
      if (found)
        return found;
    }
  return NULL;
}

typedef struct
{
  const char *text;
} CellWanted;

static gboolean
cell_shows (GtkWidget *widget, gpointer data)
{
  CellWanted *want = data;
  const char *text = dc_esheet_view_cell_get_text (widget);

  return text && g_str_has_prefix (text, want->text) && gtk_widget_get_mapped (widget);
}

/* The widget that shows @waybill by dock (a cell of the dock view). */
static GtkWidget *
dock_cell_for (DcEsheetView *view, const char *waybill)
{
  CellWanted want = { waybill };
  GType cell_type = g_type_from_name ("DcCell");
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  GtkWidget *cell;

  g_assert_true (cell_type != 0);
  /* the rows come a few per frame */
  while ((cell = find_widget (GTK_WIDGET (dc_esheet_view_get_dock_view (view)), cell_type,
                              cell_shows, &want)) == NULL &&
         g_get_monotonic_time () < end)
    dc_test_pump (20);
  return cell;
}

/* A real click on a cell: the view's click gesture, at the cell's centre. */
static void
click_cell (DcEsheetView *view, GtkWidget *cell)
{
  GtkWidget *dock_view = GTK_WIDGET (dc_esheet_view_get_dock_view (view));
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (dock_view);
  graphene_point_t p;
  gboolean clicked = FALSE;

  g_assert_true (gtk_widget_compute_point (cell, dock_view,
                                           &GRAPHENE_POINT_INIT (gtk_widget_get_width (cell) / 2.f,
                                                                 gtk_widget_get_height (cell) / 2.f),
                                           &p));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (c) &&
          gtk_event_controller_get_propagation_phase (c) == GTK_PHASE_CAPTURE)
        {
          g_signal_emit_by_name (c, "pressed", 1, (double) p.x, (double) p.y);
          clicked = TRUE;
        }
    }
  g_assert_true (clicked);
}

static guint
n_selected_rows_at (DcEsheet *esheet, const char *dock)
{
  guint n = 0;

  for (guint r = 0; r < dc_esheet_get_n_rows (esheet); r++)
    n += g_str_equal (dc_esheet_get_row_dock (esheet, r), dock) &&
         (dc_esheet_get_row_flags (esheet, r) & DC_ESHEET_ROW_SELECTED);
  return n;
}

static void
test_select_rows_by_dock (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (120, 3);
  GtkWidget *cell;
  DcEsheetPlanOptions options;
  g_autoptr(GPtrArray) plan = NULL;
  g_autoptr(DcConfig) config = dc_config_new ();
  DcDvrConfig dvr = { 0 };

  dc_esheet_view_add_esheet (view, esheet);
  show_table_page (view);
  dc_esheet_view_show_by_dock (view, TRUE);
  dc_test_pump (300);   /* the rows come a few per frame */
  dc_esheet_view_flush_counts (view);
  g_assert_cmpuint (dc_esheet_view_get_n_dock_columns (view), ==, 3);

  /* D02 holds waybills 1, 4, 7, ... (entries 1, 2, 3 of column 1) */
  cell = dock_cell_for (view, "SF0001000004");
  g_assert_nonnull (cell);
  click_cell (view, cell);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 1);
  /* a plain click replaces the selection */
  click_cell (view, dock_cell_for (view, "SF0001000007"));
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 1);
  g_assert_cmpint (dc_esheet_find_waybill (esheet, "SF0001000007"), >=, 0);
  /* Ctrl-click adds one: two waybills of D02 */
  dc_esheet_view_click_dock_entry (view, 1, 4, GDK_CONTROL_MASK);   /* SF0001000010 */
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 2);
  g_assert_cmpuint (n_selected_rows_at (esheet, "D02"), ==, 2);
  {
    DcEsheetWaybillItem it;
    dc_esheet_get_waybill_item (esheet, dc_esheet_find_waybill (esheet, "SF0001000007"), &it);
    g_assert_true (it.selected);
    dc_esheet_get_waybill_item (esheet, dc_esheet_find_waybill (esheet, "SF0001000010"), &it);
    g_assert_true (it.selected);
    dc_esheet_get_waybill_item (esheet, dc_esheet_find_waybill (esheet, "SF0001000004"), &it);
    g_assert_false (it.selected);
  }
  /* the window downloads exactly these (its plan, selected only) */
  dvr.name = (char *) "north";
  dvr.brand = DC_DVR_BRAND_HIKVISION;
  dvr.url = (char *) "http://127.0.0.1:1";
  dc_config_set_dvr (config, &dvr);
  dc_config_set_dock (config, "D01", "north", 1);
  dc_config_set_dock (config, "D02", "north", 2);
  dc_config_set_dock (config, "D03", "north", 3);
  dc_esheet_plan_options_init (&options);
  options.selected_only = TRUE;
  plan = dc_esheet_plan (esheet, config, &options, NULL);
  g_assert_cmpuint (plan->len, ==, 2);
  {
    g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
    for (guint i = 0; i < plan->len; i++)
      g_hash_table_add (wanted, ((DcDownloadRequest *) g_ptr_array_index (plan, i))->waybill);
    g_assert_true (g_hash_table_contains (wanted, "SF0001000007"));
    g_assert_true (g_hash_table_contains (wanted, "SF0001000010"));
  }
  /* the by-order view sees the same selection */
  g_assert_cmpuint (dc_waybill_model_get_n_selected (dc_esheet_view_get_waybill_model (view)), ==, 2);
  dc_test_pump (50);
  /* drawn as selected: the touched cells, not only the model */
  g_assert_true (dc_esheet_view_cell_get_selected (dock_cell_for (view, "SF0001000010")));
  g_assert_false (dc_esheet_view_cell_get_selected (dock_cell_for (view, "SF0001000004")));

  /* Shift-click: the range from the last click, in that dock */
  dc_esheet_view_click_dock_entry (view, 1, 1, GDK_SHIFT_MASK);     /* SF0001000001 .. 10 */
  g_assert_cmpuint (n_selected_rows_at (esheet, "D02"), ==, 4);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 4);
  /* Ctrl-click on a selected one unselects it */
  dc_esheet_view_click_dock_entry (view, 1, 2, GDK_CONTROL_MASK);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 3);
  /* the summary row selects nothing */
  dc_esheet_view_click_dock_entry (view, 0, 0, 0);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 3);

  /* delete selected acts on them too */
  gtk_widget_activate_action (GTK_WIDGET (view), "esheet.delete-waybills", NULL);
  g_assert_cmpuint (dc_esheet_get_n_rows (esheet), ==, 117);
  g_assert_cmpint (dc_esheet_find_waybill (esheet, "SF0001000010"), <, 0);
  close_window (win);
}

/* Forty docks: the window has columns only for the docks it can show (a
 * pool), pointed at other docks when scrolled sideways.  Titles, cells
 * and clicks follow the dock shown, not the column. */
static void
test_many_docks_scrolled (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (400, 40);
  GtkColumnView *dock_view;
  GListModel *columns;
  GtkAdjustment *h;
  GtkWidget *cell;
  guint visible = 0;
  gboolean titled = FALSE;

  dc_esheet_view_add_esheet (view, esheet);
  show_table_page (view);
  dc_esheet_view_show_by_dock (view, TRUE);
  dc_test_pump (300);
  dc_esheet_view_flush_counts (view);
  g_assert_cmpuint (dc_esheet_view_get_n_dock_columns (view), ==, 40);
  {
    g_autofree char *first = dc_esheet_view_dup_dock_title (view, 0);
    g_autofree char *last = dc_esheet_view_dup_dock_title (view, 39);
    g_assert_cmpstr (first, ==, "D01 (10)");
    g_assert_cmpstr (last, ==, "D40 (10)");
    g_assert_null (dc_esheet_view_dup_dock_title (view, 40));
  }
  /* far fewer columns than docks: what a 1200-px window shows, and two */
  dock_view = dc_esheet_view_get_dock_view (view);
  columns = gtk_column_view_get_columns (dock_view);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);
      visible += gtk_column_view_column_get_visible (c);
    }
  g_assert_cmpuint (visible, >=, 3);
  g_assert_cmpuint (visible, <=, 14);
  /* D01 holds waybills 0, 40, 80...; D40 holds 39, 79, ... */
  g_assert_nonnull (dock_cell_for (view, "SF0001000040"));

  /* scrolled to the right end: the last docks, with their own titles */
  h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (dock_view));
  g_assert_cmpfloat (gtk_adjustment_get_upper (h), >=, 40 * 200);
  gtk_adjustment_set_value (h, gtk_adjustment_get_upper (h) - gtk_adjustment_get_page_size (h));
  dc_test_pump (300);
  cell = dock_cell_for (view, "SF0001000079");
  g_assert_nonnull (cell);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);
      titled |= gtk_column_view_column_get_visible (c) &&
                g_strcmp0 (gtk_column_view_column_get_title (c), "D40 (10)") == 0;
    }
  g_assert_true (titled);
  /* a click selects the waybill of the dock shown */
  click_cell (view, cell);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 1);
  g_assert_cmpuint (n_selected_rows_at (esheet, "D40"), ==, 1);
  /* back to the left: D01 again */
  gtk_adjustment_set_value (h, 0);
  dc_test_pump (300);
  g_assert_nonnull (dock_cell_for (view, "SF0001000080"));

  /* scrolled right, then a search: every dock found is shown (D01-D09) */
  gtk_adjustment_set_value (h, gtk_adjustment_get_upper (h) - gtk_adjustment_get_page_size (h));
  dc_test_pump (300);
  dc_esheet_view_set_search (view, "D0");
  dc_test_pump (600);
  dc_esheet_view_flush_counts (view);
  {
    guint found = 0;

    for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
      {
        g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);
        const char *title = gtk_column_view_column_get_title (c);
        found += gtk_column_view_column_get_visible (c) && title && g_str_has_prefix (title, "D0");
      }
    /* as many as fit in the window, from the first: D01 among them */
    g_assert_cmpuint (found, >=, 3);
    g_assert_nonnull (dock_cell_for (view, "SF0001000040"));
  }
  close_window (win);
}

typedef struct
{
  DcEsheetView *view;
  guint         ticks;
  guint         max_gap_ms;     /* wall clock: includes waiting for a CPU */
  guint         max_busy_ms;    /* main-thread CPU between two ticks */
  gint64        last;
  gint64        last_cpu;
} Ticker;

/* CPU time of the main thread: a shared, loaded machine makes wall-clock
 * gaps long without the main loop doing anything. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
tick (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time (), cpu = thread_cpu_us ();

  if (t->last)
    {
      t->max_gap_ms = MAX (t->max_gap_ms, (guint) ((now - t->last) / 1000));
      t->max_busy_ms = MAX (t->max_busy_ms, (guint) ((cpu - t->last_cpu) / 1000));
    }
  t->last = now;
  t->last_cpu = cpu;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

static gboolean
order_title_is (DcEsheetView *view, const char *want)
{
  g_autofree char *title = dc_esheet_view_dup_order_title (view);
  if (g_strcmp0 (title, want) != 0)
    g_test_message ("title: %s, want %s", title, want);
  return g_strcmp0 (title, want) == 0;
}

/* Runs the main loop until @view has been idle for 400 ms (the search
 * entry waits for typing to pause first); returns the ticks seen while it
 * was busy. */
static guint
run_while_busy (DcEsheetView *view, Ticker *t, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gint64 idle_since = g_get_monotonic_time ();
  guint busy_ticks = 0, last = t->ticks;
  gboolean was_busy = FALSE;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, TRUE);
      if (dc_esheet_view_is_busy (view))
        {
          was_busy = TRUE;
          busy_ticks += t->ticks - last;
          idle_since = g_get_monotonic_time ();
        }
      /* idle for 1.5 s once the work has begun (the search field's
       * delay may pass first on a slow build, e.g. ASan) */
      else if ((was_busy || g_get_monotonic_time () > end - (gint64) timeout_ms * 1000 + 5 * G_USEC_PER_SEC) &&
               g_get_monotonic_time () - idle_since > 1500000)
        break;
      last = t->ticks;
    }
  g_assert_true (was_busy);
  g_test_message ("busy for %u ticks; longest gap so far %u ms, main thread busy %u ms at most",
                  busy_ticks, t->max_gap_ms, t->max_busy_ms);
  return busy_ticks;
}

/* A new sheet's rows by order arrive a few at a time, each addition an
 * items-changed (as GtkFilterListModel's incremental mode adds them), so
 * GTK never makes 200 rows of widgets in one go; the header counts every
 * row at once, and selecting all covers every row even before they have
 * all arrived. */
static void
test_order_rows_grow (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (5000, 4);
  GListModel *rows = G_LIST_MODEL (dc_esheet_view_get_order_selection (view));
  gint64 end;

  show_table_page (view);
  dc_test_pump (100);
  dc_esheet_view_add_esheet (view, esheet);
  g_assert_cmpuint (g_list_model_get_n_items (rows), <, 256);
  dc_esheet_view_flush_counts (view);
  g_assert_true (order_title_is (view, "Waybill (5,000)"));
  gtk_selection_model_select_all (GTK_SELECTION_MODEL (rows));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 5000);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 5000);
  g_assert_cmpuint (dc_waybill_model_get_n_selected (dc_esheet_view_get_waybill_model (view)), ==, 5000);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (rows) < 5000 && g_get_monotonic_time () < end)
    dc_test_pump (20);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 5000);
  g_assert_true (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (rows), 4999));
  dc_esheet_view_flush_counts (view);
  g_assert_true (order_title_is (view, "Waybill (5,000)"));
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (rows));
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 0);
  close_window (win);
}

/* The table's search field (a drop-down's popover has one too). */
static gboolean
not_in_popover (GtkWidget *widget, gpointer data)
{
  return gtk_widget_get_ancestor (widget, GTK_TYPE_POPOVER) == NULL;
}

static void
test_big_filter_in_background (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (200000, 40);
  GtkEditable *search = GTK_EDITABLE (find_widget (GTK_WIDGET (view), GTK_TYPE_SEARCH_ENTRY, not_in_popover, NULL));
  GtkColumnView *cv = dc_esheet_view_get_order_view (view);
  g_autoptr(GtkColumnViewColumn) time_col = g_list_model_get_item (gtk_column_view_get_columns (cv), 2);
  DcWaybillModel *model = dc_esheet_view_get_waybill_model (view);
  Ticker t = { view, 0, 0, 0, 0, 0 };
  guint id;
  const char *d07[] = { "D07 (5,000)", NULL };
  DcEsheetWaybillItem it;

  g_assert_nonnull (search);
  dc_esheet_view_add_esheet (view, esheet);
  show_table_page (view);
  dc_esheet_view_flush_counts (view);
  g_assert_true (order_title_is (view, "Waybill (200,000)"));
  dc_test_pump (100);

  id = g_timeout_add_full (G_PRIORITY_HIGH, 5, tick, &t, NULL);
  /* typed: the filter runs in a worker; the main loop goes on */
  gtk_editable_set_text (search, "SF00011");
  g_assert_cmpuint (run_while_busy (view, &t, 20000), >, 0);
  g_assert_false (dc_esheet_view_is_busy (view));
  /* SF0001100000 .. SF0001199999 */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 100000);
  dc_esheet_view_flush_counts (view);
  g_assert_true (order_title_is (view, "Waybill (100,000)"));
  dc_esheet_get_waybill_item (esheet, dc_waybill_model_get_waybill_index (model, 0), &it);
  g_assert_cmpstr (it.waybill, ==, "SF0001100000");

  /* a newer text supersedes a filter still running */
  gtk_editable_set_text (search, "D0");
  dc_test_pump (200);
  gtk_editable_set_text (search, "D07");
  run_while_busy (view, &t, 20000);
  dc_esheet_view_flush_counts (view);
  g_assert_true (order_title_is (view, "Waybill (5,000)"));
  for (guint i = 0; i < 5000; i += 997)
    g_assert_cmpstr (dc_waybill_model_get_dock (model, dc_waybill_model_get_waybill_index (model, i)), ==, "D07");
  /* the dock counts follow */
  g_assert_cmpuint (dc_esheet_view_get_n_dock_columns (view), ==, 1);
  {
    g_autofree char *title = dc_esheet_view_dup_dock_title (view, 0);
    g_assert_cmpstr (title, ==, d07[0]);
  }

  /* a sort, from the column header, in the background too */
  gtk_column_view_sort_by_column (cv, time_col, GTK_SORT_DESCENDING);
  run_while_busy (view, &t, 20000);
  dc_esheet_get_waybill_item (esheet, dc_waybill_model_get_waybill_index (model, 0), &it);
  g_assert_cmpstr (it.waybill, ==, "SF0001199966");   /* the last one at D07 */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 5000);

  gtk_editable_set_text (search, "");
  run_while_busy (view, &t, 20000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 200000);
  dc_esheet_get_waybill_item (esheet, dc_waybill_model_get_waybill_index (model, 0), &it);
  g_assert_cmpstr (it.waybill, ==, "SF0001199999");
  g_source_remove (id);
  /* the main thread never works long between two ticks (generous: the
   * machine may be loaded; 200,000 rows take ~20 ms) */
  g_test_message ("longest main-loop gap %u ms, main thread busy %u ms at most, over %u ticks",
                  t.max_gap_ms, t.max_busy_ms, t.ticks);
  g_assert_cmpuint (t.max_busy_ms, <, 250);
  close_window (win);
}

static gboolean
label_is (GtkWidget *widget, gpointer data)
{
  return g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), data) == 0;
}

/* Clicks the right-click menu's item labelled @label, as a pointer does
 * (the item's button emits "clicked"; the menu closes, then acts). */
static void
context_menu_click (DcEsheetView *view, const char *label)
{
  GtkPopover *popover = dc_esheet_view_popup_context_menu (view, 40, 80);
  GtkWidget *item;

  dc_test_pump (100);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (popover)));
  item = find_widget (GTK_WIDGET (popover), GTK_TYPE_LABEL, label_is, (gpointer) label);
  g_assert_nonnull (item);
  while (item && !g_str_equal (G_OBJECT_TYPE_NAME (item), "GtkModelButton"))
    item = gtk_widget_get_parent (item);
  g_assert_nonnull (item);
  g_signal_emit_by_name (item, "clicked");
  dc_test_pump (100);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (popover)));
}

/* The right-click menu's items act, in both views, every time. */
static void
test_context_menu_acts (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (40, 4);

  dc_esheet_view_add_esheet (view, esheet);
  show_table_page (view);
  dc_test_pump (200);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 0);
  context_menu_click (view, "Select All");
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 40);
  context_menu_click (view, "Invert Selection");
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 0);
  /* select the waybills of D01, then delete them from the menu */
  dc_esheet_view_set_search (view, "D01");
  context_menu_click (view, "Select All");
  dc_esheet_view_set_search (view, "");
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 10);
  dc_esheet_view_show_by_dock (view, TRUE);
  dc_test_pump (200);
  context_menu_click (view, "Delete Selected Waybills");
  g_assert_cmpuint (dc_esheet_get_n_waybills (esheet), ==, 30);
  close_window (win);
}

static gboolean
is_keep_dialog (gpointer data)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (ADW_IS_MESSAGE_DIALOG (w))
        {
          *(gpointer *) data = w;
          return TRUE;
        }
    }
  return FALSE;
}

/* "waybill dock time" per row, one line each */
static char *
rows_text (DcEsheet *e)
{
  GString *s = g_string_new (NULL);

  for (guint r = 0; r < dc_esheet_get_n_rows (e); r++)
    g_string_append_printf (s, "%s %s %" G_GINT64_FORMAT "\n", dc_esheet_get_row_waybill (e, r),
                            dc_esheet_get_row_dock (e, r), dc_esheet_get_row_time (e, r));
  return g_string_free (s, FALSE);
}

/* Delete and Keep N per dock can be undone: the rows, their times and the
 * selection come back exactly. */
static void
test_undo_removals (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (40, 4);
  g_autofree char *original = rows_text (esheet);
  g_autofree char *after_undo = NULL, *after_second = NULL;
  AdwMessageDialog *dialog = NULL;
  DcEsheet *shown;

  dc_esheet_view_add_esheet (view, esheet);
  show_table_page (view);
  dc_test_pump (100);
  g_assert_false (dc_esheet_view_undo (view));
  dc_esheet_view_set_search (view, "D01");
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (view));
  dc_esheet_view_set_search (view, "");
  gtk_widget_activate_action (GTK_WIDGET (view), "esheet.delete-waybills", NULL);
  g_assert_cmpuint (dc_esheet_get_n_waybills (dc_esheet_view_get_esheet (view)), ==, 30);
  gtk_widget_activate_action (GTK_WIDGET (view), "esheet.undo", NULL);
  shown = dc_esheet_view_get_esheet (view);
  g_assert_true (shown != esheet);
  after_undo = rows_text (shown);
  g_assert_cmpstr (after_undo, ==, original);
  g_assert_cmpuint (dc_esheet_get_n_selected (shown), ==, 10);

  /* Keep 2 per dock, from its dialog, then undo */
  gtk_selection_model_unselect_all (dc_esheet_view_get_order_selection (view));
  gtk_widget_activate_action (GTK_WIDGET (view), "esheet.keep-per-dock", NULL);
  g_assert_true (dc_test_wait_until (is_keep_dialog, &dialog, 3000));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (adw_message_dialog_get_extra_child (dialog)), 2);
  adw_message_dialog_response (dialog, "keep");
  dc_test_pump (100);
  g_assert_cmpuint (dc_esheet_get_n_waybills (dc_esheet_view_get_esheet (view)), ==, 8);
  g_assert_true (dc_esheet_view_undo (view));
  after_second = rows_text (dc_esheet_view_get_esheet (view));
  g_assert_cmpstr (after_second, ==, original);
  g_assert_false (dc_esheet_view_undo (view));
  close_window (win);
}

/* The cell of the by-order view that shows @waybill (mapped). */
static GtkWidget *
order_cell_for (DcEsheetView *view, const char *waybill)
{
  CellWanted want = { waybill };
  GType cell_type = g_type_from_name ("DcCell");
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  GtkWidget *cell;

  while ((cell = find_widget (GTK_WIDGET (dc_esheet_view_get_order_view (view)), cell_type,
                              cell_shows, &want)) == NULL &&
         g_get_monotonic_time () < end)
    dc_test_pump (20);
  return cell;
}

static gboolean
row_is_selected (DcEsheet *esheet, const char *waybill)
{
  for (guint r = 0; r < dc_esheet_get_n_rows (esheet); r++)
    if (g_str_equal (dc_esheet_get_row_waybill (esheet, r), waybill))
      return (dc_esheet_get_row_flags (esheet, r) & DC_ESHEET_ROW_SELECTED) != 0;
  g_assert_not_reached ();
}

/* What the person sees: the row around the cell is drawn selected. */
static gboolean
shown_selected (GtkWidget *cell)
{
  for (GtkWidget *w = cell; w && !GTK_IS_COLUMN_VIEW (w); w = gtk_widget_get_parent (w))
    if (gtk_widget_get_state_flags (w) & GTK_STATE_FLAG_SELECTED)
      return TRUE;
  return FALSE;
}

static void
real_click (DcEsheetView *view, const char *waybill, gboolean ctrl)
{
  GtkWidget *cell = order_cell_for (view, waybill);
  double x, y;

  g_assert_nonnull (cell);
  x = gtk_widget_get_width (cell) / 2.0;
  y = gtk_widget_get_height (cell) / 2.0;
  if (ctrl)
    xtest_input_ctrl_click (cell, x, y);
  else
    xtest_input_click (cell, x, y, 1);
  dc_test_pump (150);
}

/* By order, real pointer clicks through the X server (XTEST): a plain
 * click selects one waybill, Ctrl+click adds another and a second
 * Ctrl+click on it takes it away again, as in By dock; the status line
 * and the highlighted cells agree with the sheet's selection. */
static void
test_ctrl_click_by_order (void)
{
  g_autoptr(GError) error = NULL;
  DcWindow *win;
  DcEsheetView *view;
  g_autoptr(DcEsheet) esheet = make_sheet (40, 4);

  if (!xtest_input_init (&error))
    g_error ("real input is needed for this test: %s", error->message);
  win = new_window ();
  view = dc_window_get_esheet_view (win);
  dc_esheet_view_add_esheet (view, esheet);
  show_table_page (view);
  dc_test_pump (300);

  real_click (view, "SF0001000002", FALSE);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 1);
  g_assert_true (row_is_selected (esheet, "SF0001000002"));

  real_click (view, "SF0001000005", TRUE);
  real_click (view, "SF0001000009", TRUE);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 3);
  g_assert_true (row_is_selected (esheet, "SF0001000002"));
  g_assert_true (row_is_selected (esheet, "SF0001000005"));
  g_assert_true (row_is_selected (esheet, "SF0001000009"));
  g_assert_true (shown_selected (order_cell_for (view, "SF0001000005")));
  g_assert_true (shown_selected (order_cell_for (view, "SF0001000002")));

  /* Ctrl+click on a selected waybill takes it out */
  real_click (view, "SF0001000005", TRUE);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 2);
  g_assert_false (row_is_selected (esheet, "SF0001000005"));
  g_assert_false (shown_selected (order_cell_for (view, "SF0001000005")));

  /* a plain click starts again from one */
  real_click (view, "SF0001000007", FALSE);
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 1);
  g_assert_true (row_is_selected (esheet, "SF0001000007"));
  close_window (win);
}

/* Every DcCell under @root. */
static void
collect_cells (GtkWidget *root, GPtrArray *cells)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, g_type_from_name ("DcCell")))
    g_ptr_array_add (cells, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_cells (c, cells);
}

/* The accessible label of @cell is @text (what a screen reader reads). */
static gboolean
cell_label_is (GtkWidget *cell, const char *text)
{
  g_autofree char *error = gtk_test_accessible_check_property (GTK_ACCESSIBLE (cell),
                                                               GTK_ACCESSIBLE_PROPERTY_LABEL, text);
  return error == NULL;
}

/* The waybill at by-order position @pos, as the model has it. */
static const char *
order_waybill_at (DcEsheetView *view, DcEsheet *esheet, guint pos)
{
  DcEsheetWaybillItem it;

  dc_esheet_get_waybill_item (esheet, dc_waybill_model_get_waybill_index (dc_esheet_view_get_waybill_model (view), pos),
                              &it);
  return it.waybill;
}

/* GTK 4.8 keeps cells for ~200 rows and draws the 20-30 on screen; the
 * cells are filled when drawn.  A change that reaches every row (a sort)
 * must still leave every kept cell true: when read at once, and on its
 * own (its accessible label) once the window is idle. */
static void
test_kept_cells_follow (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (600, 6);
  GtkWidget *order = GTK_WIDGET (dc_esheet_view_get_order_view (view));
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();
  g_autoptr(GtkColumnViewColumn) waybill_col = NULL;
  guint checked = 0, off_screen = 0;
  gint64 end;

  show_table_page (view);
  dc_esheet_view_add_esheet (view, esheet);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (G_LIST_MODEL (dc_esheet_view_get_order_selection (view))) < 600 &&
         g_get_monotonic_time () < end)
    dc_test_pump (20);
  dc_test_pump (200);

  /* newest first: every kept row shows another waybill */
  waybill_col = g_list_model_get_item (gtk_column_view_get_columns (GTK_COLUMN_VIEW (order)), 0);
  gtk_column_view_sort_by_column (GTK_COLUMN_VIEW (order), waybill_col, GTK_SORT_DESCENDING);
  while (dc_esheet_view_is_busy (view))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (order_waybill_at (view, esheet, 0), ==, "SF0001000599");

  /* read at once (not yet drawn): the cell answers with the new waybill */
  collect_cells (order, cells);
  for (guint i = 0; i < cells->len; i++)
    {
      GtkWidget *cell = g_ptr_array_index (cells, i);
      GObject *row = g_object_get_data (G_OBJECT (cell), "row");

      if (row == NULL || GPOINTER_TO_INT (g_object_get_data (G_OBJECT (cell), "column-id")) != 0)
        continue;
      g_assert_cmpstr (dc_esheet_view_cell_get_text (cell), ==,
                       order_waybill_at (view, esheet, dc_row_item_get_index ((DcRowItem *) row)));
    }
  g_ptr_array_set_size (cells, 0);

  /* sorted back, then left alone: the cells never drawn catch up too */
  gtk_column_view_sort_by_column (GTK_COLUMN_VIEW (order), waybill_col, GTK_SORT_ASCENDING);
  while (dc_esheet_view_is_busy (view))
    g_main_context_iteration (NULL, TRUE);
  dc_test_pump (300);
  collect_cells (order, cells);
  for (guint i = 0; i < cells->len; i++)
    {
      GtkWidget *cell = g_ptr_array_index (cells, i);
      GObject *row = g_object_get_data (G_OBJECT (cell), "row");

      if (row == NULL || GPOINTER_TO_INT (g_object_get_data (G_OBJECT (cell), "column-id")) != 0)
        continue;
      /* GTK unmaps the rows it keeps off screen */
      off_screen += !gtk_widget_get_mapped (cell);
      g_assert_true (cell_label_is (cell, order_waybill_at (view, esheet,
                                                            dc_row_item_get_index ((DcRowItem *) row))));
      checked++;
    }
  /* the test saw the cells that are kept but not drawn */
  g_assert_cmpuint (checked, >, 60);
  g_assert_cmpuint (off_screen, >, checked / 2);
  close_window (win);
}

/* The dock columns with a title (a dock shown), in order, "|"-joined. */
static char *
dock_titles (GtkColumnView *dock_view, guint *n_parked)
{
  GListModel *columns = gtk_column_view_get_columns (dock_view);
  GString *titles = g_string_new (NULL);

  *n_parked = 0;
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);
      const char *title = gtk_column_view_column_get_title (c);

      if (!gtk_column_view_column_get_visible (c))
        continue;
      if (title && *title)
        g_string_append_printf (titles, "%s%s", titles->len ? "|" : "", title);
      else if (gtk_column_view_column_get_fixed_width (c) <= 1)
        {
          /* parked: no dock, nothing to resize or to open */
          g_assert_false (gtk_column_view_column_get_resizable (c));
          g_assert_null (gtk_column_view_column_get_header_menu (c));
          (*n_parked)++;
        }
    }
  return g_string_free (titles, FALSE);
}

/* A filter that leaves fewer docks than the window has columns parks the
 * rest (no dock, the narrowest width) instead of destroying their cells;
 * clearing it gives them their docks back. */
static void
test_dock_filter_parks_columns (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (400, 40);
  GtkEditable *search = GTK_EDITABLE (find_widget (GTK_WIDGET (view), GTK_TYPE_SEARCH_ENTRY, not_in_popover, NULL));
  GtkColumnView *dock_view = dc_esheet_view_get_dock_view (view);
  g_autofree char *before = NULL, *filtered = NULL, *cleared = NULL;
  guint parked = 0;

  dc_esheet_view_add_esheet (view, esheet);
  show_table_page (view);
  dc_esheet_view_show_by_dock (view, TRUE);
  dc_test_pump (400);
  before = dock_titles (dock_view, &parked);
  g_assert_true (g_str_has_prefix (before, "D01 (10)|D02 (10)|D03 (10)"));
  g_assert_cmpuint (parked, ==, 0);

  gtk_editable_set_text (search, "D07");
  while (dc_esheet_view_is_busy (view))
    g_main_context_iteration (NULL, TRUE);
  dc_test_pump (400);
  filtered = dock_titles (dock_view, &parked);
  g_assert_cmpstr (filtered, ==, "D07 (10)");
  g_assert_cmpuint (parked, >=, 2);
  /* only D07's waybills are in cells */
  g_assert_nonnull (dock_cell_for (view, "SF0001000006"));

  gtk_editable_set_text (search, "");
  while (dc_esheet_view_is_busy (view))
    g_main_context_iteration (NULL, TRUE);
  dc_test_pump (400);
  cleared = dock_titles (dock_view, &parked);
  g_assert_cmpstr (cleared, ==, before);
  g_assert_cmpuint (parked, ==, 0);
  close_window (win);
}

/* By dock, the hidden by-order view is emptied a few rows at a time and
 * gets none of the table's changes; back by order, its rows come again
 * and it shows where the operator was. */
static void
test_hidden_order_view_rests (void)
{
  DcWindow *win = new_window ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = make_sheet (600, 6);
  GtkWidget *order = GTK_WIDGET (dc_esheet_view_get_order_view (view));
  GListModel *shown_model = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (order)));
  GtkAdjustment *v = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (order));
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();
  double where;
  gint64 end;

  show_table_page (view);
  dc_esheet_view_add_esheet (view, esheet);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (shown_model) < 600 && g_get_monotonic_time () < end)
    dc_test_pump (20);
  dc_test_pump (200);
  gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v) / 2);
  dc_test_pump (200);
  where = gtk_adjustment_get_value (v);
  g_assert_cmpfloat (where, >, 1000);

  /* by dock: the view rests, empty, a few rows a frame */
  dc_esheet_view_show_by_dock (view, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (shown_model), >, 0);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (shown_model) > 0 && g_get_monotonic_time () < end)
    dc_test_pump (20);
  g_assert_cmpuint (g_list_model_get_n_items (shown_model), ==, 0);
  collect_cells (order, cells);
  for (guint i = 0; i < cells->len; i++)
    g_assert_null (g_object_get_data (G_OBJECT (g_ptr_array_index (cells, i)), "row"));
  /* the model follows the filter; the hidden view gets none of it */
  dc_esheet_view_set_search (view, "D03");
  dc_test_pump (100);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (dc_esheet_view_get_order_selection (view))), ==, 100);
  g_assert_cmpuint (g_list_model_get_n_items (shown_model), ==, 0);
  dc_esheet_view_set_search (view, "");

  /* back by order: every row again, at the place it was */
  dc_esheet_view_show_by_dock (view, FALSE);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while ((g_list_model_get_n_items (shown_model) < 600 || gtk_adjustment_get_value (v) < where - 1) &&
         g_get_monotonic_time () < end)
    dc_test_pump (20);
  g_assert_cmpuint (g_list_model_get_n_items (shown_model), ==, 600);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (v), where, 1);
  close_window (win);
}

int
main (int argc, char **argv)
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* GTK's test accessibility backend: what a screen reader would be told
   * (no bus needed) */
  g_setenv ("GTK_A11Y", "test", TRUE);
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_printerr ("no display: run under xvfb-run\n");
      return 77;
    }
  adw_init ();
  g_test_add_func ("/app/esheet-view/select-rows-by-dock", test_select_rows_by_dock);
  g_test_add_func ("/app/esheet-view/many-docks-scrolled", test_many_docks_scrolled);
  g_test_add_func ("/app/esheet-view/order-rows-grow", test_order_rows_grow);
  g_test_add_func ("/app/esheet-view/kept-cells-follow", test_kept_cells_follow);
  g_test_add_func ("/app/esheet-view/dock-filter-parks-columns", test_dock_filter_parks_columns);
  g_test_add_func ("/app/esheet-view/hidden-order-view-rests", test_hidden_order_view_rests);
  g_test_add_func ("/app/esheet-view/big-filter-in-background", test_big_filter_in_background);
  g_test_add_func ("/app/esheet-view/context-menu-acts", test_context_menu_acts);
  g_test_add_func ("/app/esheet-view/undo-removals", test_undo_removals);
  g_test_add_func ("/app/esheet-view/ctrl-click-by-order", test_ctrl_click_by_order);
  return g_test_run ();
}
