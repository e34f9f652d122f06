/* bench-app: the GUI at scale, on the real widgets under Xvfb.
 *
 * 1. A 1,000,000-row e-sheet in the table: time to show it, to filter, to
 *    sort, to build the by-dock view, to select all (--rows N to change).
 * 2. 64 transfers at once (4 simulated recorders x 16) while the window
 *    shows progress: the longest main-loop stall, measured by a 2 ms
 *    timer that records the gap between its runs.
 *
 * Usage: bench-app [--quick] [--rows N]   (needs a display and $DC_DVR_SIM)
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dc-allocator.h"
#include "dc-window.h"
#include "dc-renderer.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* CPU time of the calling thread (the main loop's), when the system can
 * tell: separates "the main loop was busy" from "the machine was busy". */
static gint64
thread_cpu_us (void)
{
#ifdef CLOCK_THREAD_CPUTIME_ID
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
    return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
#endif
  return 0;
}

/* CPU time of this process: the machine may be shared, wall time is not
 * the whole story. */
static double
cpu_ms (void)
{
  return (double) clock () * 1000.0 / CLOCKS_PER_SEC;
}

/* Iterates until nothing has run for 50 ms (at most 2 s): the frame
 * after a change is drawn.  "Nothing pending" is not enough: the frame
 * clock's next frame is a timer a few ms away, and a frame left pending
 * would be counted as the next operation's stall. */
static double
settle (void)
{
  gint64 t0 = g_get_monotonic_time (), quiet = t0, now;

  while ((now = g_get_monotonic_time ()) - quiet < 50000 && now - t0 < 2 * G_USEC_PER_SEC)
    if (g_main_context_iteration (NULL, FALSE))
      quiet = g_get_monotonic_time ();
    else
      g_usleep (1000);
  return ms_since (t0);
}

static GBytes *
make_csv (guint rows, guint n_docks, gint64 base_s, double step_s)
{
  GString *s = g_string_sized_new ((gsize) rows * 40);

  g_string_append (s, "运单号,月台,扫描时间\n");
  for (guint i = 0; i < rows; i++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (base_s + (gint64) (i * step_s));
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
      g_string_append_printf (s, "SF%010u,D%02u,%s\n", 1000000u + i, i % n_docks + 1, ts);
    }
  return g_string_free_to_bytes (s);
}

/* Table: each operation is run the way the window runs it, with a 2 ms
 * high-priority timer that records the longest gap between its runs (the
 * longest main-loop stall: what freezes the window), the main thread's
 * CPU time in that gap, and the time until the result is on screen. */

typedef struct
{
  gint64 last;
  gint64 max_gap;
  gint64 max_gap_end;  /* when the longest gap ended (monotonic) */
  gint64 last_cpu;
  gint64 max_cpu;      /* main-thread CPU in one gap */
} Stall;

static gboolean
stall_tick (gpointer data)
{
  Stall *st = data;
  gint64 now = g_get_monotonic_time (), cpu = thread_cpu_us ();

  if (now - st->last > st->max_gap)
    st->max_gap = now - st->last, st->max_gap_end = now;
  st->max_cpu = MAX (st->max_cpu, cpu - st->last_cpu);
  st->last = now;
  st->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

/* DC_BENCH_FRAMES=1: each frame over 10 ms, phase by phase (where the
 * time of a stall goes: tick callbacks, layout, drawing). */
static gint64 phase_t[8];

static void
phase_mark (GdkFrameClock *clock, gpointer phase)
{
  int p = GPOINTER_TO_INT (phase);

  if (p == 0)
    memset (phase_t, 0, sizeof phase_t);
  phase_t[p] = g_get_monotonic_time ();
  if (p == 5 && phase_t[0] && phase_t[5] - phase_t[0] > 10000)
    {
      /* a phase GTK skipped in this frame takes no time */
      for (int i = 1; i < 5; i++)
        if (phase_t[i] == 0)
          phase_t[i] = phase_t[i - 1];
      /* each mark is the end of its phase (GDK's handlers run first) */
      printf ("  frame %" G_GINT64_FORMAT ", %.1f ms: update %.1f, layout %.1f, paint %.1f, after-paint %.1f\n",
              gdk_frame_clock_get_frame_counter (clock),
              (phase_t[5] - phase_t[0]) / 1000.0, (phase_t[1] - phase_t[0]) / 1000.0,
              (phase_t[2] - phase_t[1]) / 1000.0, (phase_t[3] - phase_t[2]) / 1000.0,
              (phase_t[5] - phase_t[3]) / 1000.0);
    }
}

static void
frames_watch (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  const char *signals[] = { "before-paint", "update", "layout", "paint", "after-paint" };

  if (clock == NULL || !g_getenv ("DC_BENCH_FRAMES"))
    return;
  for (int i = 0; i < 5; i++)
    g_signal_connect (clock, signals[i], G_CALLBACK (phase_mark), GINT_TO_POINTER (i));
  g_signal_connect_after (clock, "after-paint", G_CALLBACK (phase_mark), GINT_TO_POINTER (5));
}

typedef gboolean (*DoneFunc) (gpointer data);

typedef struct
{
  double result_ms;    /* until done() and the frame after it */
  double gap_ms;       /* longest main-loop stall */
  double gap_cpu_ms;   /* the most main-thread CPU between two ticks */
  double cpu_ms;       /* process CPU (all threads) */
  gint64 gap_end;      /* monotonic µs at the end of the longest stall */
} Measure;

/* Runs @op (which may block), then the main loop until @done says the
 * result is there and nothing is pending any more. */
static Measure
measure (void (*op) (gpointer), DoneFunc done, gpointer data)
{
  Stall st = { 0 };
  Measure m;
  guint id;
  gint64 t0, end;
  double c0;

  settle ();
  st.last = g_get_monotonic_time ();
  st.last_cpu = thread_cpu_us ();
  id = g_timeout_add_full (G_PRIORITY_HIGH, 2, stall_tick, &st, NULL);
  dc_test_pump (20);
  st.max_gap = st.max_cpu = 0;
  c0 = cpu_ms ();
  t0 = g_get_monotonic_time ();
  end = t0 + 60 * G_USEC_PER_SEC;
  op (data);
  while ((done && !done (data)) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (500);
  /* the frame that shows it */
  for (int idle = 0; idle < 3;)
    idle = g_main_context_iteration (NULL, FALSE) ? 0 : idle + 1;
  m.result_ms = ms_since (t0);
  m.cpu_ms = cpu_ms () - c0;
  stall_tick (&st);
  g_source_remove (id);
  m.gap_ms = st.max_gap / 1000.0;
  m.gap_cpu_ms = st.max_cpu / 1000.0;
  m.gap_end = st.max_gap_end;
  return m;
}

static void
report (const char *what, Measure now, const Measure *base)
{
  printf ("%-34s longest stall %7.1f ms (main-thread cpu %6.1f) | shown after %7.1f ms, cpu %7.1f ms",
          what, now.gap_ms, now.gap_cpu_ms, now.result_ms, now.cpu_ms);
  if (base)
    printf (" | baseline stall %7.1f ms, shown %7.1f ms: stall x%.2f",
            base->gap_ms, base->result_ms, base->gap_ms > 0 ? now.gap_ms / base->gap_ms : 0);
  /* to look at the stall in a profile: perf record -k CLOCK_MONOTONIC,
   * then perf report --time START,END (seconds) */
  if (g_getenv ("DC_BENCH_STALL_TIMES"))
    printf (" | stall at %.6f,%.6f", (now.gap_end - now.gap_ms * 1000) / 1e6, now.gap_end / 1e6);
  printf ("\n");
}

/* Dockclip's table */

typedef struct
{
  DcWindow       *win;
  DcEsheetView   *view;
  DcEsheet       *esheet;
  GtkEditable    *search;
  GtkColumnView  *cv;
  const char     *text;
  guint           expect;
  char           *first_title;   /* by dock: the first dock column's title before a scroll */
  gboolean        descending;    /* the sort's order */
} Table;

/* (not inside a popover: a drop-down has a search entry of its own) */
static GtkWidget *
find_widget (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_ancestor (root, GTK_TYPE_POPOVER) == NULL)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
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

static guint
table_n (Table *t)
{
  return g_list_model_get_n_items (G_LIST_MODEL (dc_esheet_view_get_order_selection (t->view)));
}

static gboolean
table_idle (gpointer data)
{
  Table *t = data;
  return !dc_esheet_view_is_busy (t->view) && table_n (t) == t->expect;
}

static void
table_show (gpointer data)
{
  Table *t = data;
  dc_esheet_view_add_esheet (t->view, t->esheet);
  show_table_page (t->view);
}

static void
table_type (gpointer data)
{
  Table *t = data;
  /* as typed: the entry's search delay, then the filter */
  gtk_editable_set_text (t->search, t->text);
}

static void
table_sort (gpointer data)
{
  Table *t = data;
  g_autoptr(GtkColumnViewColumn) time_col = g_list_model_get_item (gtk_column_view_get_columns (t->cv), 2);
  gtk_column_view_sort_by_column (t->cv, time_col, t->descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
}

static void
table_select_all (gpointer data)
{
  Table *t = data;
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (t->view));
}

static void
table_by_dock (gpointer data)
{
  Table *t = data;
  dc_esheet_view_show_by_dock (t->view, TRUE);
}

/* The title of the first dock column shown (after the left spacer). */
static char *
first_dock_title (Table *t)
{
  GListModel *columns = gtk_column_view_get_columns (dc_esheet_view_get_dock_view (t->view));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);
      const char *title = gtk_column_view_column_get_title (c);

      if (gtk_column_view_column_get_visible (c) && title != NULL && *title != '\0')
        return g_strdup (title);
    }
  return NULL;
}

/* by dock, sideways: the view's columns show other docks */
static void
table_hscroll (gpointer data)
{
  Table *t = data;
  GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (dc_esheet_view_get_dock_view (t->view)));

  g_free (t->first_title);
  t->first_title = first_dock_title (t);
  /* back when it can, else on */
  gtk_adjustment_set_value (h, gtk_adjustment_get_value (h) + (gtk_adjustment_get_value (h) >= 700 ? -700 : 700));
}

/* Done when another dock is the first one shown. */
static gboolean
table_scrolled (gpointer data)
{
  Table *t = data;
  g_autofree char *now = first_dock_title (t);

  return g_strcmp0 (now, t->first_title) != 0;
}

/* The by-dock rows are there (the model hides none: GTK makes the
 * widgets of the rows it shows as it gets them). */
static gboolean
dock_rows_made (gpointer data)
{
  Table *t = data;
  GtkColumnView *dv = dc_esheet_view_get_dock_view (t->view);
  return !dc_esheet_view_is_busy (t->view) &&
         g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (dv))) > 0;
}

/* Baseline: the same table the stock GTK way, in its own window: a
 * GtkStringList of the waybills, GtkFilterListModel (GtkStringFilter),
 * GtkSortListModel, GtkMultiSelection, GtkColumnView of GtkLabels. */

typedef struct
{
  GtkWidget          *window;
  GtkColumnView      *cv;
  GtkFilterListModel *filter_model;
  GtkSortListModel   *sort_model;
  GtkStringFilter    *filter;
  GtkMultiSelection  *selection;
  GtkStringList      *strings;
  const char         *text;
  guint               expect;
} Plain;

static void
plain_setup (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (li, label);
}

static void
plain_bind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  const char *s = gtk_string_object_get_string (gtk_list_item_get_item (li));
  int col = GPOINTER_TO_INT (user_data);
  char buf[64];

  /* five columns from the one string, as cheap as it gets */
  g_snprintf (buf, sizeof buf, col == 0 ? "%s" : col == 1 ? "D%.2s" : col == 2 ? "2026-11-%.2s 10:00:00" :
              col == 3 ? "1%.0s" : "Not started%.0s", col == 0 ? s : s + 10);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (li)), buf);
}

static Plain *
plain_new (DcEsheet *esheet)
{
  Plain *p = g_new0 (Plain, 1);
  guint n = dc_esheet_get_n_waybills (esheet);
  const char **names = g_new (const char *, n + 1);
  GtkWidget *sw = gtk_scrolled_window_new ();
  g_autoptr(GtkExpression) expr = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  const char *titles[] = { "Waybill", "Dock", "Scan time", "Scans", "Download" };

  for (guint i = 0; i < n; i++)
    {
      DcEsheetWaybillItem it;
      dc_esheet_get_waybill_item (esheet, i, &it);
      names[i] = it.waybill;
    }
  names[n] = NULL;
  p->strings = gtk_string_list_new (names);
  g_free (names);
  p->filter = gtk_string_filter_new (gtk_expression_ref (expr));
  p->filter_model = gtk_filter_list_model_new (NULL, GTK_FILTER (p->filter));
  p->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (p->filter_model)), NULL);
  p->selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (p->sort_model)));
  p->cv = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (g_object_ref (p->selection))));
  for (int i = 0; i < 5; i++)
    {
      GtkListItemFactory *f = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *col;

      g_signal_connect (f, "setup", G_CALLBACK (plain_setup), NULL);
      g_signal_connect (f, "bind", G_CALLBACK (plain_bind), GINT_TO_POINTER (i));
      col = gtk_column_view_column_new (titles[i], f);
      gtk_column_view_column_set_fixed_width (col, i == 0 ? 180 : 120);
      if (i == 0 || i == 2)
        gtk_column_view_column_set_sorter (col, GTK_SORTER (gtk_string_sorter_new (gtk_expression_ref (expr))));
      gtk_column_view_append_column (p->cv, col);
      g_object_unref (col);
    }
  gtk_sort_list_model_set_sorter (p->sort_model, gtk_column_view_get_sorter (p->cv));
  p->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (p->window), 1366, 768);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), GTK_WIDGET (p->cv));
  gtk_window_set_child (GTK_WINDOW (p->window), sw);
  gtk_window_present (GTK_WINDOW (p->window));
  dc_test_pump (200);
  return p;
}

static void
plain_free (Plain *p)
{
  gtk_window_destroy (GTK_WINDOW (p->window));
  g_object_unref (p->selection);
  g_object_unref (p->sort_model);
  g_object_unref (p->filter_model);
  g_object_unref (p->strings);
  g_free (p);
  settle ();
}

static gboolean
plain_idle (gpointer data)
{
  Plain *p = data;
  return g_list_model_get_n_items (G_LIST_MODEL (p->selection)) == p->expect &&
         gtk_filter_list_model_get_pending (p->filter_model) == 0 &&
         gtk_sort_list_model_get_pending (p->sort_model) == 0;
}

static void
plain_show (gpointer data)
{
  Plain *p = data;
  gtk_filter_list_model_set_model (p->filter_model, G_LIST_MODEL (p->strings));
}

static void
plain_filter (gpointer data)
{
  Plain *p = data;
  gtk_string_filter_set_search (p->filter, p->text);
}

static void
plain_sort (gpointer data)
{
  Plain *p = data;
  g_autoptr(GtkColumnViewColumn) col = g_list_model_get_item (gtk_column_view_get_columns (p->cv), 2);
  gtk_column_view_sort_by_column (p->cv, col, GTK_SORT_DESCENDING);
}

static void
plain_select_all (gpointer data)
{
  Plain *p = data;
  gtk_selection_model_select_all (GTK_SELECTION_MODEL (p->selection));
}

static void
bench_table (DcWindow *win, guint rows)
{
  DcEsheetView *view = dc_window_get_esheet_view (win);
  g_autoptr(DcEsheet) esheet = dc_esheet_new ();
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;
  Table t = { 0 };
  Measure base[2][5], m;
  guint n_filtered;
  gint64 t0;

  csv = make_csv (rows, 40, g_get_real_time () / G_USEC_PER_SEC - 86400, 0.05);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  t0 = g_get_monotonic_time ();
  if (!dc_esheet_import_bytes (esheet, "bench.csv", csv, &options, &error))
    g_error ("import: %s", error->message);
  printf ("rows                     %u\n", rows);
  printf ("import (core)            %8.1f ms\n", ms_since (t0));

  {
    g_autoptr(DcWaybillModel) model = dc_waybill_model_new ();
    g_autoptr(DcDockModel) docks = dc_dock_model_new ();
    double c0 = cpu_ms ();

    dc_waybill_model_set_esheet (model, esheet);
    printf ("model alone: index       %8.1f ms cpu\n", cpu_ms () - c0);
    c0 = cpu_ms ();
    dc_waybill_model_set_filter (model, "SF00010");
    n_filtered = g_list_model_get_n_items (G_LIST_MODEL (model));
    printf ("model alone: filter      %8.1f ms cpu -> %u (incl. the snapshot)\n", cpu_ms () - c0, n_filtered);
    c0 = cpu_ms ();
    dc_waybill_model_set_filter (model, "");
    dc_waybill_model_set_sort (model, DC_WAYBILL_SORT_TIME, TRUE);
    printf ("model alone: sort time   %8.1f ms cpu\n", cpu_ms () - c0);
    c0 = cpu_ms ();
    dc_waybill_model_set_sort (model, DC_WAYBILL_SORT_WAYBILL, FALSE);
    printf ("model alone: sort number %8.1f ms cpu\n", cpu_ms () - c0);
    c0 = cpu_ms ();
    dc_dock_model_set_esheet (docks, esheet, NULL);
    printf ("model alone: by dock     %8.1f ms cpu\n", cpu_ms () - c0);
  }

  /* the baseline first, in its own window, twice: plain and incremental */
  for (int inc = 0; inc < 2; inc++)
    {
      Plain *p = plain_new (esheet);

      gtk_filter_list_model_set_incremental (p->filter_model, inc);
      gtk_sort_list_model_set_incremental (p->sort_model, inc);
      p->expect = dc_esheet_get_n_waybills (esheet);
      base[inc][0] = measure (plain_show, plain_idle, p);
      p->text = "SF00010";
      p->expect = n_filtered;
      base[inc][1] = measure (plain_filter, plain_idle, p);
      p->text = "";
      p->expect = dc_esheet_get_n_waybills (esheet);
      base[inc][2] = measure (plain_filter, plain_idle, p);
      base[inc][3] = measure (plain_sort, plain_idle, p);
      base[inc][4] = measure (plain_select_all, NULL, p);
      plain_free (p);
    }
  printf ("baseline: stock GTK 4.8 (GtkStringList -> GtkFilterListModel -> GtkSortListModel -> "
          "GtkMultiSelection -> GtkColumnView of GtkLabels), same rows, plain / incremental\n");
  {
    const char *names[] = { "show", "filter", "clear filter", "sort", "select all" };
    for (int i = 0; i < 5; i++)
      printf ("  %-14s stall %7.1f / %7.1f ms   shown after %7.1f / %7.1f ms\n", names[i],
              base[0][i].gap_ms, base[1][i].gap_ms, base[0][i].result_ms, base[1][i].result_ms);
  }

  t.win = win;
  t.view = view;
  t.esheet = esheet;
  t.cv = dc_esheet_view_get_order_view (view);
  t.search = GTK_EDITABLE (find_widget (GTK_WIDGET (view), GTK_TYPE_SEARCH_ENTRY));
  g_assert (t.search != NULL);
  printf ("Dockclip (the window, as the operator drives it); ratios against the plain baseline\n");
  /* the table page once, empty, as the baseline's window (its first
   * layout is not the table's cost) */
  show_table_page (view);
  settle ();

  t.expect = dc_esheet_get_n_waybills (esheet);
  m = measure (table_show, table_idle, &t);
  report ("show in table", m, &base[0][0]);

  /* Each step twice: the first time after the start, then again.  The
   * first big frames of a new window fault in the renderer's image
   * memory (cairo's shared-memory pool: ~100 MB of fresh pages, which
   * this VM zeroes at 5-10 ms a frame); an operator's window that has
   * been open a minute draws from memory it has used before. */
  for (int pass = 0; pass < 2; pass++)
    {
      const char *again = pass ? " again" : "";
      g_autofree char *label = NULL;
#define STEP(name) (g_free (label), label = g_strconcat (name, again, NULL))

      t.text = "SF00010";
      t.expect = n_filtered;
      m = measure (table_type, table_idle, &t);
      report (STEP ("filter \"SF00010\""), m, &base[0][1]);

      t.text = "";
      t.expect = dc_esheet_get_n_waybills (esheet);
      m = measure (table_type, table_idle, &t);
      report (STEP ("clear filter"), m, &base[0][2]);

      t.descending = !pass;
      m = measure (table_sort, table_idle, &t);
      report (STEP (pass ? "sort by scan time (asc)" : "sort by scan time (desc)"), m, &base[0][3]);

      gtk_selection_model_unselect_all (dc_esheet_view_get_order_selection (view));
      settle ();
      m = measure (table_select_all, NULL, &t);
      report (STEP ("select all"), m, &base[0][4]);

      m = measure (table_by_dock, dock_rows_made, &t);
      report (STEP (pass ? "by-dock view" : "by-dock view (40 docks)"), m, NULL);

      /* by dock, a search that leaves one dock of forty */
      t.text = "D07";
      t.expect = (rows + 33) / 40;
      m = measure (table_type, table_idle, &t);
      report (STEP ("by dock: filter \"D07\""), m, NULL);
      t.text = "";
      t.expect = dc_esheet_get_n_waybills (esheet);
      m = measure (table_type, table_idle, &t);
      report (STEP ("by dock: clear filter"), m, NULL);
      m = measure (table_hscroll, table_scrolled, &t);
      report (STEP ("by dock: scroll 700 px"), m, NULL);
#undef STEP
      dc_esheet_view_show_by_dock (view, FALSE);
      settle ();
    }
  g_clear_pointer (&t.first_title, g_free);
}

typedef struct
{
  gint64  last;
  gint64  max_gap;
  gint64  max_gap_at;
  gint64  max_gap_cpu;    /* main-thread CPU used during the longest gap */
  gint64  last_cpu;
  gint64  max_busy;       /* longest main-thread CPU between two ticks */
  gint64  max_busy_at;
  gint64  start;
  GArray *gaps;
  guint   peak_active;
  DcDownloaderPanel *panel;
} Probe;

static gboolean
probe_tick (gpointer data)
{
  Probe *p = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  GListModel *jobs = dc_downloader_panel_get_jobs (p->panel);
  guint active = 0;

  if (p->last)
    {
      gint64 gap = now - p->last;
      if (gap > p->max_gap)
        p->max_gap = gap, p->max_gap_at = now - p->start, p->max_gap_cpu = cpu - p->last_cpu;
      if (cpu - p->last_cpu > p->max_busy)
        p->max_busy = cpu - p->last_cpu, p->max_busy_at = now - p->start;
      if (g_getenv ("DC_BENCH_BUSY_LOG") && cpu - p->last_cpu > 8000)
        printf ("  busy %.1f ms of CPU at %.3f s (monotonic %.6f)\n", (cpu - p->last_cpu) / 1000.0,
                (now - p->start) / 1e6, now / 1e6);
      g_array_append_val (p->gaps, gap);
    }
  p->last = now;
  p->last_cpu = cpu;
  /* every 50th tick: how many transfers run right now */
  if (p->gaps->len % 50 == 0)
    {
      for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
        {
          g_autoptr(DcJobItem) job = g_list_model_get_item (jobs, i);
          DcJobState st = dc_job_item_get_state (job);
          active += st == DC_JOB_DOWNLOADING || st == DC_JOB_SEARCHING || st == DC_JOB_PROCESSING ||
                    st == DC_JOB_CONNECTING;
        }
      p->peak_active = MAX (p->peak_active, active);
    }
  return G_SOURCE_CONTINUE;
}

/* DC_BENCH_BUSY_LOG: a frame's main-thread CPU by phase. Our handlers run
 * after GTK's (connected later), so each marks the end of that phase. */
typedef struct
{
  gint64 before, update, layout;
} FramePhases;

static void
phase_before (GdkFrameClock *clock, FramePhases *f)
{
  f->before = thread_cpu_us ();
}

static void
phase_update (GdkFrameClock *clock, FramePhases *f)
{
  f->update = thread_cpu_us ();
}

static void
phase_layout (GdkFrameClock *clock, FramePhases *f)
{
  f->layout = thread_cpu_us ();
}

static void
phase_paint (GdkFrameClock *clock, FramePhases *f)
{
  gint64 now = thread_cpu_us ();

  if (now - f->before > 6000)
    printf ("  frame %.1f ms of CPU: update %.1f, layout %.1f, paint %.1f (monotonic %.6f)\n",
            (now - f->before) / 1000.0, (f->update - f->before) / 1000.0,
            (f->layout - f->update) / 1000.0, (now - f->layout) / 1000.0, g_get_monotonic_time () / 1e6);
}

static void
log_first_picture (DcSession *session, const char *path, gpointer data)
{
  static gboolean seen;

  if (!seen)
    printf ("  first picture done (monotonic %.6f)\n", g_get_monotonic_time () / 1e6);
  seen = TRUE;
}

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
bench_transfers (DcWindow *win, guint jobs)
{
  const char *brands[] = { "hikvision", "dahua", "hikvision", "dahua" };
  const char *args[] = { "--max-downloads", "16", "--channels", "4", NULL };
  DcTestSim *sims[4] = { NULL };
  DcConfig *config = dc_config_new ();
  g_autoptr(DcEsheet) esheet = dc_esheet_new ();
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;
  DcEsheetView *view = dc_window_get_esheet_view (win);
  DcDownloaderPanel *panel = dc_window_get_panel (win);
  Probe probe = { 0 };
  guint tick, done = 0, failed = 0, total = 0;
  gint64 t0;
  g_autofree char *out_dir = NULL;
  double c0;

  for (guint i = 0; i < 4; i++)
    {
      DcDvrConfig cfg = { 0 };
      g_autofree char *name = g_strdup_printf ("dvr%u", i + 1);

      sims[i] = dc_test_sim_start (brands[i], args, &error);
      if (sims[i] == NULL)
        g_error ("simulator: %s", error->message);
      cfg.name = name;
      dc_dvr_brand_from_string (brands[i], &cfg.brand);
      cfg.url = (char *) dc_test_sim_get_url (sims[i]);
      cfg.user = (char *) "admin";
      cfg.password = (char *) "secret";
      cfg.max_downloads = 16;
      cfg.download_by_time = -1;
      dc_config_set_dvr (config, &cfg);
      for (guint c = 0; c < 4; c++)
        {
          g_autofree char *dock = g_strdup_printf ("D%02u", i * 4 + c + 1);
          dc_config_set_dock (config, dock, name, c + 1);
        }
    }
  dc_window_set_config (win, config, FALSE);
  {
    /* a fresh output folder: files already there would be skipped */
    DcAppSettings *settings = dc_window_get_settings (win);
    g_free (settings->output_dir);
    settings->output_dir = g_dir_make_tmp ("dc-bench-app-XXXXXX", NULL);
    out_dir = g_strdup (settings->output_dir);
    dc_window_settings_changed (win);
  }

  /* scans between 60 and 20 minutes ago, spread over the 16 docks */
  csv = make_csv (jobs, 16, g_get_real_time () / G_USEC_PER_SEC - 3600, 2400.0 / jobs);
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  if (!dc_esheet_import_bytes (esheet, "transfers.csv", csv, &options, &error))
    g_error ("import: %s", error->message);
  dc_esheet_view_add_esheet (view, esheet);
  settle ();
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (view));
  dc_downloader_panel_set_mode (panel, DC_OUTPUT_BOTH);
  /* the selection's and the mode's frames are the operator's clicks
   * before the run, not the run */
  settle ();

  if (g_getenv ("DC_BENCH_BUSY_LOG"))
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (win));
      static FramePhases phases;

      g_signal_connect (clock, "before-paint", G_CALLBACK (phase_before), &phases);
      g_signal_connect (clock, "update", G_CALLBACK (phase_update), &phases);
      g_signal_connect (clock, "layout", G_CALLBACK (phase_layout), &phases);
      g_signal_connect (clock, "paint", G_CALLBACK (phase_paint), &phases);
      g_signal_connect (dc_window_get_session (win), "picture-done", G_CALLBACK (log_first_picture), NULL);
      printf ("  run starts (monotonic %.6f)\n", g_get_monotonic_time () / 1e6);
    }
  probe.gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.panel = panel;
  tick = g_timeout_add_full (G_PRIORITY_HIGH, 2, probe_tick, &probe, NULL);
  t0 = g_get_monotonic_time ();
  probe.start = t0;
  c0 = cpu_ms ();
  if (dc_window_download (win, NULL) == 0)
    g_error ("nothing queued: %s", dc_window_get_last_message (win));
  while (ms_since (t0) < 300000)
    {
      g_main_context_iteration (NULL, TRUE);
      dc_downloader_panel_get_totals (panel, &done, &failed, &total);
      if (total > 0 && done + failed == total && !dc_downloader_panel_is_busy (panel))
        break;
    }
  g_source_remove (tick);
  g_array_sort (probe.gaps, cmp_i64);
  printf ("transfers                %u jobs (picture + clip), %u done, %u failed, %.1f s\n",
          total, done, failed, ms_since (t0) / 1000.0);
  printf ("peak running at once     %u\n", probe.peak_active);
  if (probe.gaps->len > 0)
    {
      gint64 p99 = g_array_index (probe.gaps, gint64, probe.gaps->len * 99 / 100);
      gint64 p50 = g_array_index (probe.gaps, gint64, probe.gaps->len / 2);
      printf ("main loop, 2 ms timer    longest gap %.1f ms (at %.1f s), p99 %.1f ms, median %.1f ms "
              "over %u ticks; cpu %.0f ms\n",
              probe.max_gap / 1000.0, probe.max_gap_at / 1e6, p99 / 1000.0, p50 / 1000.0,
              probe.gaps->len, cpu_ms () - c0);
      printf ("main thread busy         longest %.1f ms of CPU between two ticks (at %.1f s); during "
              "the longest gap it ran %.1f ms (the rest: waiting for a CPU)\n",
              probe.max_busy / 1000.0, probe.max_busy_at / 1e6, probe.max_gap_cpu / 1000.0);
    }
  g_array_unref (probe.gaps);
  dc_window_shutdown (win);
  for (guint i = 0; i < 4; i++)
    dc_test_sim_stop (sims[i]);
  dc_test_rmdir (out_dir);
}

int
main (int argc, char **argv)
{
  guint rows = 1000000, jobs = 256;
  DcWindow *win;

  /* as the app runs (DC_BENCH_GSLICE=1: GLib's own allocator) */
  if (!g_getenv ("DC_BENCH_GSLICE"))
    dc_allocator_use_malloc (argv);

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--quick"))
        rows = 100000, jobs = 96;
      else if (g_str_equal (argv[i], "--rows") && i + 1 < argc)
        rows = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    }
  if (!gtk_init_check ())
    {
      printf ("bench-app: no display, skipped (run under xvfb-run)\n");
      return 0;
    }
  adw_init ();
  /* the renderer the app would choose (see dc-renderer.c) */
  {
    gint64 t0 = g_get_monotonic_time ();
    const char *gl = dc_renderer_choose (gdk_display_get_default ());
    printf ("renderer                 %s (OpenGL: %s; asked in %.1f ms)\n",
            g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "GTK's default",
            *gl ? gl : "not asked or none", ms_since (t0));
  }
  win = dc_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), 1366, 768);
  gtk_window_present (GTK_WINDOW (win));
  dc_test_pump (300);
  frames_watch (GTK_WIDGET (win));

  bench_table (win, rows);
  if (g_getenv ("DC_DVR_SIM"))
    bench_transfers (win, jobs);
  else
    printf ("transfers: skipped ($DC_DVR_SIM not set)\n");
  gtk_window_destroy (GTK_WINDOW (win));
  return 0;
}
