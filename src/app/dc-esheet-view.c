#define G_LOG_DOMAIN "dc-esheet-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "dc-esheet-view.h"

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
  DcDockModel       *docks;
  GtkColumnViewColumn *columns[5];   /* waybill, dock, time, scans, status */
  GHashTable        *jobs;           /* waybill -> DcJobItem */
  guint              counts_idle;
  gboolean           dock_columns_dirty;
  int                probe_column;   /* see sorter_changed() */
};

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

/* Status */

static int
status_rank (DcJobItem *item)
{
  if (item == NULL)
    return 0;
  switch (dc_job_item_get_state (item))
    {
    case DC_JOB_FAILED: return 1;
    case DC_JOB_CANCELLED: return 2;
    case DC_JOB_DONE: return 9;
    case DC_JOB_QUEUED: return 3;
    default: return 5;
    }
}

static const char *
status_func (const char *waybill, int *rank, gpointer user_data)
{
  DcEsheetView *self = user_data;
  DcJobItem *item = g_hash_table_lookup (self->jobs, waybill);

  *rank = status_rank (item);
  return NULL;
}

char *
dc_esheet_view_dup_status (DcEsheetView *self, const char *waybill)
{
  DcJobItem *item = g_hash_table_lookup (self->jobs, waybill);

  return item ? dc_job_item_dup_status_text (item) : g_strdup ("");
}

static void
job_notify (DcJobItem *item, GParamSpec *pspec, DcEsheetView *self)
{
  dc_waybill_model_status_changed (self->waybills, dc_job_item_get_request (item)->waybill);
}

void
dc_esheet_view_set_job (DcEsheetView *self, DcJobItem *item)
{
  const char *waybill = dc_job_item_get_request (item)->waybill;
  DcJobItem *old = g_hash_table_lookup (self->jobs, waybill);

  if (old != item)
    {
      if (old)
        g_signal_handlers_disconnect_by_func (old, job_notify, self);
      g_hash_table_insert (self->jobs, g_strdup (waybill), g_object_ref (item));
      g_signal_connect (item, "notify::state", G_CALLBACK (job_notify), self);
      g_signal_connect (item, "notify::progress", G_CALLBACK (job_notify), self);
    }
  dc_waybill_model_status_changed (self->waybills, waybill);
}

static void
disconnect_job (gpointer key, gpointer value, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (value, job_notify, user_data);
}

void
dc_esheet_view_clear_jobs (DcEsheetView *self)
{
  g_hash_table_foreach (self->jobs, disconnect_job, self);
  g_hash_table_remove_all (self->jobs);
}

/* By order: cells */

/* Tooltips are answered on demand: gtk_widget_set_tooltip_text() in a
 * bind costs an X round trip per cell (measured: a third of the time of
 * showing a big sheet). */
static gboolean
cell_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                    gpointer user_data)
{
  const char *tip = g_object_get_data (G_OBJECT (widget), "tip");

  /* without a tip of its own, a cell explains itself only when cut short */
  if ((tip == NULL || *tip == '\0') &&
      pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (widget))))
    tip = gtk_label_get_text (GTK_LABEL (widget));
  if (tip == NULL || *tip == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, tip);
  return TRUE;
}

static GtkWidget *
cell_label_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_has_tooltip (label, TRUE);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (cell_query_tooltip), NULL);
  return label;
}

static void
label_setup (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  GtkWidget *label = cell_label_new ();
  int col = GPOINTER_TO_INT (user_data);

  gtk_label_set_xalign (GTK_LABEL (label), col == COL_SCANS ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (col == COL_WAYBILL || col == COL_TIME || col == COL_SCANS)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (li, label);
}

static void
status_refresh (DcRowItem *row, GParamSpec *pspec, GtkLabel *label)
{
  DcEsheetView *self = g_object_get_data (G_OBJECT (label), "view");
  DcEsheetWaybillItem it;
  DcJobItem *job;
  g_autofree char *text = NULL;

  if (self == NULL || self->esheet == NULL)
    return;
  dc_esheet_get_waybill_item (self->esheet, dc_row_item_get_index (row), &it);
  job = g_hash_table_lookup (self->jobs, it.waybill);
  if (job != NULL)
    text = dc_job_item_dup_status_text (job);
  else if (self->config != NULL && it.n_scans > 0 &&
           dc_config_lookup_dock (self->config,
                                  dc_esheet_get_row_dock (self->esheet, it.rows[0])) == NULL)
    /* say why nothing will happen to it, before anyone presses Download */
    text = g_strdup (_("Dock not mapped"));
  else
    text = g_strdup (_("Not started"));
  gtk_label_set_text (label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
  if (job == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
  else if (dc_job_item_get_state (job) == DC_JOB_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (label), "error");
  else if (dc_job_item_get_state (job) == DC_JOB_DONE)
    gtk_widget_add_css_class (GTK_WIDGET (label), "success");
}

static void
order_bind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  int col = GPOINTER_TO_INT (user_data);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (li));
  DcRowItem *row = gtk_list_item_get_item (li);
  DcEsheetView *self = DC_ESHEET_VIEW (gtk_widget_get_ancestor (GTK_WIDGET (label), DC_TYPE_ESHEET_VIEW));
  DcEsheetWaybillItem it;

  if (self == NULL)
    self = g_object_get_data (G_OBJECT (f), "view");
  if (self->esheet == NULL)
    return;
  dc_esheet_get_waybill_item (self->esheet, dc_row_item_get_index (row), &it);
  switch (col)
    {
    case COL_WAYBILL:
      gtk_label_set_text (label, it.waybill);
      break;
    case COL_DOCK:
      gtk_label_set_text (label, it.n_scans ? dc_esheet_get_row_dock (self->esheet, it.rows[0]) : "");
      break;
    case COL_TIME:
      {
        g_autofree char *t = format_time (it.first_us, TRUE);
        gtk_label_set_text (label, t);
      }
      break;
    case COL_SCANS:
      {
        char buf[16];
        g_snprintf (buf, sizeof buf, "%u", it.n_scans);
        gtk_label_set_text (label, buf);
      }
      break;
    case COL_STATUS:
      g_object_set_data (G_OBJECT (label), "view", self);
      status_refresh (row, NULL, label);
      g_signal_connect_object (row, "notify::status", G_CALLBACK (status_refresh), label, 0);
      break;
    default:
      break;
    }
}

static void
order_unbind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  if (GPOINTER_TO_INT (user_data) == COL_STATUS)
    g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (li), status_refresh,
                                          gtk_list_item_get_child (li));
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
  probe_sort (self, self->dock_view, &column, &descending);
  dc_dock_model_set_descending (self->docks, descending);
}

static void
add_order_columns (DcEsheetView *self)
{
  static const struct { const char *title; gboolean expand; int width; } cols[] = {
    { N_("Order no."), TRUE, 180 },
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

/* By dock */

static void
dock_cell_setup (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  GtkWidget *label = cell_label_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (li, label);
  /* Entries are not selectable one by one here: selection works on docks
   * (header menu) and on waybills in the "By order" view. */
  gtk_list_item_set_selectable (li, FALSE);
}

static void
dock_cell_bind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  DcEsheetView *self = g_object_get_data (G_OBJECT (f), "view");
  guint column = GPOINTER_TO_UINT (user_data);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (li));
  guint pos = dc_row_item_get_index (gtk_list_item_get_item (li));
  int row;

  gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
  gtk_widget_remove_css_class (GTK_WIDGET (label), "caption");
  g_object_set_data (G_OBJECT (label), "tip", NULL);
  if (self->esheet == NULL || column >= dc_dock_model_get_n_docks (self->docks))
    {
      gtk_label_set_text (label, "");
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
      gtk_label_set_text (label, text);
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (label), "caption");
      return;
    }
  row = dc_dock_model_get_entry_row (self->docks, column, pos - 1);
  if (row < 0)
    gtk_label_set_text (label, "");
  else
    {
      g_autofree char *t = format_time (dc_esheet_get_row_time (self->esheet, row), FALSE);
      g_autofree char *text = g_strdup_printf ("%s  %s",
                                               dc_esheet_get_row_waybill (self->esheet, row), t);
      g_autofree char *status = dc_esheet_view_dup_status (self, dc_esheet_get_row_waybill (self->esheet, row));

      gtk_label_set_text (label, text);
      if (status && *status)
        g_object_set_data_full (G_OBJECT (label), "tip", g_steal_pointer (&status), g_free);
    }
}

static void
rebuild_dock_columns (DcEsheetView *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->dock_view);
  guint n = dc_dock_model_get_n_docks (self->docks);
  g_autoptr(GtkSorter) sorter = probe_sorter_new (self, 0);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, 0);
      gtk_column_view_remove_column (self->dock_view, c);
    }
  for (guint i = 0; i < n; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;
      DcEsheetDockItem it;
      g_autoptr(GMenu) menu = g_menu_new ();
      g_autoptr(GMenuItem) mi = NULL;

      dc_esheet_get_dock_item (self->esheet, dc_dock_model_get_dock_index (self->docks, i), NULL, &it);
      g_object_set_data (G_OBJECT (factory), "view", self);
      g_signal_connect (factory, "setup", G_CALLBACK (dock_cell_setup), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (dock_cell_bind), GUINT_TO_POINTER (i));
      column = gtk_column_view_column_new (it.dock, factory);
      gtk_column_view_column_set_fixed_width (column, 220);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_sorter (column, sorter);
      mi = g_menu_item_new (_("Select This Dock’s Waybills"), NULL);
      g_menu_item_set_action_and_target (mi, "esheet.select-dock", "s", it.dock);
      g_menu_append_item (menu, mi);
      g_clear_object (&mi);
      mi = g_menu_item_new (_("Delete This Dock"), NULL);
      g_menu_item_set_action_and_target (mi, "esheet.delete-dock", "s", it.dock);
      g_menu_append_item (menu, mi);
      g_menu_append_section (menu, NULL, self->selection_menu);
      gtk_column_view_column_set_header_menu (column, G_MENU_MODEL (menu));
      gtk_column_view_append_column (self->dock_view, column);
      g_object_set_data (G_OBJECT (column), "dock-column", GUINT_TO_POINTER (i));
      g_object_set_data (G_OBJECT (column), "dock-index",
                         GUINT_TO_POINTER (dc_dock_model_get_dock_index (self->docks, i) + 1));
      g_object_unref (column);
    }
}

/* Header counts, from one coalesced idle */

static void
update_counts (DcEsheetView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->waybills));
  g_autofree char *count = format_count (n);
  g_autofree char *title = g_strdup_printf (_("Order no. (%s)"), count);
  g_autofree char *info = NULL;
  GListModel *columns;

  gtk_column_view_column_set_title (self->columns[COL_WAYBILL], title);

  if (self->dock_columns_dirty)
    {
      GListModel *cols = gtk_column_view_get_columns (self->dock_view);
      guint n_docks = dc_dock_model_get_n_docks (self->docks);
      gboolean same = g_list_model_get_n_items (cols) == n_docks;

      /* Recreating forty columns rebinds every cell: only when the set of
       * docks shown changes, not for every keystroke of a search. */
      for (guint i = 0; same && i < n_docks; i++)
        {
          g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (cols, i);
          same = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (c), "dock-index")) ==
                 dc_dock_model_get_dock_index (self->docks, i) + 1;
        }
      if (!same)
        rebuild_dock_columns (self);
      self->dock_columns_dirty = FALSE;
    }
  columns = gtk_column_view_get_columns (self->dock_view);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);
      guint col = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (c), "dock-column"));
      DcEsheetDockItem it;
      g_autofree char *dc = NULL, *t = NULL;

      if (col >= dc_dock_model_get_n_docks (self->docks))
        continue;
      dc_esheet_get_dock_item (self->esheet, dc_dock_model_get_dock_index (self->docks, col), NULL, &it);
      dc = format_count (dc_dock_model_get_n_entries (self->docks, col));
      t = g_strdup_printf ("%s (%s)", it.dock, dc);
      gtk_column_view_column_set_title (c, t);
    }

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
    }
  gtk_label_set_text (self->info_label, info ? info : "");
}

static gboolean
counts_idle_cb (gpointer user_data)
{
  DcEsheetView *self = user_data;

  self->counts_idle = 0;
  update_counts (self);
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
  g_clear_handle_id (&self->counts_idle, g_source_remove);
  update_counts (self);
}

static void
waybills_changed (GListModel *model, guint pos, guint removed, guint added, DcEsheetView *self)
{
  schedule_counts (self);
}

static void
docks_changed (GListModel *model, guint pos, guint removed, guint added, DcEsheetView *self)
{
  self->dock_columns_dirty = TRUE;
  schedule_counts (self);
}

static void
selection_changed (GtkSelectionModel *model, guint pos, guint n, DcEsheetView *self)
{
  schedule_counts (self);
}

/* Public */

static void
show_esheet (DcEsheetView *self, DcEsheet *esheet)
{
  self->esheet = esheet;
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
    dc_dock_model_refresh (self->docks);
}

void
dc_esheet_view_refresh (DcEsheetView *self)
{
  dc_waybill_model_refresh (self->waybills);
  dc_dock_model_refresh (self->docks);
  schedule_counts (self);
}

void
dc_esheet_view_focus_search (DcEsheetView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
dc_esheet_view_set_search (DcEsheetView *self, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  dc_waybill_model_set_filter (self->waybills, text);
  dc_dock_model_set_filter (self->docks, text);
}

static void
search_changed (GtkSearchEntry *entry, DcEsheetView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  dc_waybill_model_set_filter (self->waybills, text);
  dc_dock_model_set_filter (self->docks, text);
}

void
dc_esheet_view_show_by_dock (DcEsheetView *self, gboolean by_dock)
{
  gtk_toggle_button_set_active (by_dock ? self->dock_toggle : self->order_toggle, TRUE);
}

static void
view_toggled (GtkToggleButton *button, DcEsheetView *self)
{
  gtk_stack_set_visible_child_name (self->view_stack,
                                    gtk_toggle_button_get_active (self->dock_toggle) ? "dock" : "order");
}

char *
dc_esheet_view_dup_order_title (DcEsheetView *self)
{
  return g_strdup (gtk_column_view_column_get_title (self->columns[COL_WAYBILL]));
}

guint
dc_esheet_view_get_n_dock_columns (DcEsheetView *self)
{
  return g_list_model_get_n_items (gtk_column_view_get_columns (self->dock_view));
}

char *
dc_esheet_view_dup_dock_title (DcEsheetView *self, guint column)
{
  g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (gtk_column_view_get_columns (self->dock_view), column);

  return c ? g_strdup (gtk_column_view_column_get_title (c)) : NULL;
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

/* Actions */

static void
after_operation (DcEsheetView *self, guint removed)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  dc_esheet_view_refresh (self);
  if (overlay && removed > 0)
    {
      g_autofree char *msg = g_strdup_printf (ngettext ("%u scan removed", "%u scans removed", removed),
                                              removed);
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (msg));
    }
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
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->waybills));
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
  if (self->esheet)
    after_operation (self, dc_esheet_delete_selected_waybills (self->esheet));
}

static void
action_delete_docks (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);
  if (self->esheet)
    after_operation (self, dc_esheet_delete_selected_docks (self->esheet));
}

static void
action_drop_unmapped (GtkWidget *widget, const char *name, GVariant *param)
{
  DcEsheetView *self = DC_ESHEET_VIEW (widget);
  if (self->esheet)
    after_operation (self, dc_esheet_drop_unmapped_docks (self->esheet, self->config));
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
  gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self->waybills), 0,
                                         MAX (1, g_list_model_get_n_items (G_LIST_MODEL (self->waybills))));
  schedule_counts (self);
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

  select_dock (self, g_variant_get_string (param, NULL), TRUE);
  if (self->esheet)
    after_operation (self, dc_esheet_delete_selected_docks (self->esheet));
}

static void
keep_response (AdwMessageDialog *dialog, const char *response, DcEsheetView *self)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (adw_message_dialog_get_extra_child (dialog));

  if (g_str_equal (response, "keep") && self->esheet)
    after_operation (self, dc_esheet_keep_per_dock (self->esheet,
                                                    (guint) gtk_spin_button_get_value_as_int (spin)));
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

static void
context_menu (GtkGestureClick *gesture, int n_press, double x, double y, DcEsheetView *self)
{
  GtkWidget *view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *popover = gtk_popover_menu_new_from_model (self->selection_menu);
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  gtk_widget_set_parent (popover, view);
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &rect);
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  g_signal_connect (popover, "closed", G_CALLBACK (gtk_widget_unparent), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
add_context_menu (DcEsheetView *self, GtkWidget *view)
{
  GtkGesture *gesture = gtk_gesture_click_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (context_menu), self);
  gtk_widget_add_controller (view, GTK_EVENT_CONTROLLER (gesture));
}

static void
dc_esheet_view_dispose (GObject *object)
{
  DcEsheetView *self = DC_ESHEET_VIEW (object);

  g_clear_handle_id (&self->counts_idle, g_source_remove);
  if (self->jobs)
    dc_esheet_view_clear_jobs (self);
  if (self->waybills)
    {
      g_signal_handlers_disconnect_by_data (self->waybills, self);
      g_signal_handlers_disconnect_by_data (self->docks, self);
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->order_view), self);
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->dock_view), self);
    }
  G_OBJECT_CLASS (dc_esheet_view_parent_class)->dispose (object);
}

static void
dc_esheet_view_finalize (GObject *object)
{
  DcEsheetView *self = DC_ESHEET_VIEW (object);

  g_clear_object (&self->waybills);
  g_clear_object (&self->docks);
  g_clear_pointer (&self->esheets, g_ptr_array_unref);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
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

  self->esheets = g_ptr_array_new_with_free_func (g_object_unref);
  self->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->sheet_names = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->sheet_dropdown, G_LIST_MODEL (self->sheet_names));
  g_object_unref (self->sheet_names);   /* the drop-down keeps it */
  gtk_widget_set_visible (GTK_WIDGET (self->sheet_dropdown), FALSE);
  g_signal_connect (self->sheet_dropdown, "notify::selected", G_CALLBACK (sheet_selected), self);

  self->waybills = dc_waybill_model_new ();
  dc_waybill_model_set_status_func (self->waybills, status_func, self);
  self->docks = dc_dock_model_new ();
  add_order_columns (self);
  gtk_column_view_set_model (self->order_view, GTK_SELECTION_MODEL (self->waybills));
  {
    GtkSelectionModel *sel = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->docks))));
    gtk_column_view_set_model (self->dock_view, sel);
    g_object_unref (sel);
  }
  g_signal_connect (gtk_column_view_get_sorter (self->dock_view), "changed",
                    G_CALLBACK (dock_sorter_changed), self);
  g_signal_connect (self->waybills, "items-changed", G_CALLBACK (waybills_changed), self);
  g_signal_connect (self->waybills, "selection-changed", G_CALLBACK (selection_changed), self);
  g_signal_connect (self->docks, "items-changed", G_CALLBACK (docks_changed), self);
  g_signal_connect (self->order_toggle, "toggled", G_CALLBACK (view_toggled), self);
  g_signal_connect (self->dock_toggle, "toggled", G_CALLBACK (view_toggled), self);
  add_context_menu (self, GTK_WIDGET (self->order_view));
  add_context_menu (self, GTK_WIDGET (self->dock_view));
}
