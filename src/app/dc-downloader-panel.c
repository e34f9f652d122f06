#define G_LOG_DOMAIN "dc-downloader-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-cell.h"
#include "dc-downloader-panel.h"
#include "dc-tooltip.h"

struct _DcDownloaderPanel
{
  GtkBox          parent_instance;

  GtkLabel       *total_label;
  GtkDropDown    *mode_dropdown;
  GtkButton      *download_all_button;
  GtkBox         *cards_box;
  GtkLabel       *no_dvr_label;
  GtkRevealer    *result_revealer;
  GtkLabel       *result_title;
  GtkLabel       *result_reasons;
  GtkButton      *missing_button;
  GtkStack       *jobs_stack;
  GtkListView    *job_list;

  DcSession      *session;
  GHashTable     *cards;           /* dvr name -> DcDvrCard */
  gboolean        disposed;

  /* The list view's rows: the session's jobs, joining a few per frame.
   * For each of its first ~200 items the list view makes and binds a row
   * of fifteen widgets, whose style and size are worked out in the next
   * frame's layout; all at once that was one 125 ms frame for 256 jobs.
   * This store is the view's, not work: the session has every job. */
  GListStore     *rows;
  guint           n_taken;         /* session jobs already in rows or to_show */
  GQueue          to_show;         /* DcJobItem (owned), not in rows yet */
  guint           show_tick;
  gint64          show_after;      /* frame counter: no rows in this frame or before */
};

/* New rows per frame while the list view makes rows for them (measured
 * with 256 jobs: all at once, one 125 ms frame; six per frame, 20 ms
 * frames; two, 5-7 ms); past ~200 rows it makes none and the rest join
 * at once. */
#define SHOW_PER_FRAME   2
#define SHOW_ROWS_MADE   200

G_DEFINE_FINAL_TYPE (DcDownloaderPanel, dc_downloader_panel, GTK_TYPE_BOX)

static void
clear_to_show (DcDownloaderPanel *self)
{
  g_queue_clear_full (&self->to_show, g_object_unref);
  if (self->show_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->job_list), self->show_tick);
  self->show_tick = 0;
}

DcSession *
dc_downloader_panel_get_session (DcDownloaderPanel *self)
{
  return self->session;
}

const char *
dc_downloader_panel_get_out_dir (DcDownloaderPanel *self)
{
  return self->session ? dc_session_get_out_dir (self->session) : NULL;
}

GListModel *
dc_downloader_panel_get_jobs (DcDownloaderPanel *self)
{
  return G_LIST_MODEL (self->rows);
}

DcDvrCard *
dc_downloader_panel_get_card (DcDownloaderPanel *self, const char *dvr)
{
  return g_hash_table_lookup (self->cards, dvr);
}

const char *
dc_downloader_panel_get_result_title (DcDownloaderPanel *self)
{
  return gtk_label_get_text (self->result_title);
}

const char *
dc_downloader_panel_get_result_reasons (DcDownloaderPanel *self)
{
  return gtk_label_get_text (self->result_reasons);
}

GtkWidget *
dc_downloader_panel_get_missing_button (DcDownloaderPanel *self)
{
  return GTK_WIDGET (self->missing_button);
}

const char *
dc_downloader_panel_get_total_text (DcDownloaderPanel *self)
{
  return gtk_label_get_text (self->total_label);
}

DcOutputMode
dc_downloader_panel_get_mode (DcDownloaderPanel *self)
{
  switch (gtk_drop_down_get_selected (self->mode_dropdown))
    {
    case 1: return DC_OUTPUT_CLIP;
    case 2: return DC_OUTPUT_BOTH;
    default: return DC_OUTPUT_PICTURE;
    }
}

void
dc_downloader_panel_set_mode (DcDownloaderPanel *self, DcOutputMode mode)
{
  gtk_drop_down_set_selected (self->mode_dropdown,
                              mode == DC_OUTPUT_CLIP ? 1 : mode == DC_OUTPUT_BOTH ? 2 : 0);
}

static void
mode_selected (GtkDropDown *dropdown, GParamSpec *pspec, DcDownloaderPanel *self)
{
  if (self->session)
    dc_session_set_mode (self->session, dc_downloader_panel_get_mode (self));
}

static void
session_mode_changed (DcSession *session, GParamSpec *pspec, DcDownloaderPanel *self)
{
  dc_downloader_panel_set_mode (self, dc_session_get_mode (session));
}

gboolean
dc_downloader_panel_is_busy (DcDownloaderPanel *self)
{
  return self->session && dc_session_is_busy (self->session);
}

void
dc_downloader_panel_get_totals (DcDownloaderPanel *self, guint *done, guint *failed, guint *total)
{
  DcRunCounts c = { 0 };

  if (self->session)
    dc_session_get_run_counts (self->session, &c);
  if (done) *done = c.n[DC_RUN_DONE];
  if (failed) *failed = c.n[DC_RUN_FAILED] + c.n[DC_RUN_PARTIAL];
  if (total) *total = c.total;
}

void
dc_downloader_panel_set_selection (DcDownloaderPanel *self, guint n_selected, guint n_waybills)
{
  g_autofree char *label = NULL;

  if (n_selected == 0)
    /* TRANSLATORS: the button when nothing is selected: it downloads every waybill */
    label = g_strdup_printf (ngettext ("Download _all %u", "Download _all %u", n_waybills), n_waybills);
  else
    label = g_strdup_printf (ngettext ("Download _%u selected", "Download _%u selected", n_selected),
                             n_selected);
  gtk_button_set_label (self->download_all_button, label);
  gtk_widget_set_sensitive (GTK_WIDGET (self->download_all_button), n_waybills > 0);
}

static void
tone_label (GtkWidget *label, DcStatusTone tone)
{
  gtk_widget_remove_css_class (label, "error");
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "dim-label");
  if (tone == DC_STATUS_TONE_ERROR)
    gtk_widget_add_css_class (label, "error");
  else if (tone == DC_STATUS_TONE_SUCCESS)
    gtk_widget_add_css_class (label, "success");
  else if (tone == DC_STATUS_TONE_DIM)
    gtk_widget_add_css_class (label, "dim-label");
}

static void
update_cards (DcDownloaderPanel *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      DcRecorderStatus st;
      DcStatusTone tone;
      g_autofree char *text = dc_session_dup_recorder_text (self->session, key, &tone);

      dc_session_get_recorder_status (self->session, key, &st);
      dc_dvr_card_show_status (value, &st, text, tone);
    }
}

/* The result of the run: what is missing, grouped by cause. */
static void
update_result (DcDownloaderPanel *self)
{
  DcStatusTone tone;
  g_autofree char *title = dc_session_dup_run_text (self->session, &tone);
  g_autoptr(GPtrArray) groups = dc_session_dup_missing_groups (self->session);
  guint owed = dc_session_count_missing (self->session);
  DcRunCounts c;
  gboolean busy = dc_session_is_busy (self->session);
  g_autofree char *lines = NULL;

  dc_session_get_run_counts (self->session, &c);
  g_ptr_array_add (groups, NULL);
  lines = g_strjoinv ("\n", (char **) groups->pdata);
  if (c.total == 0 && owed > 0)
    {
      /* an e-sheet reopened after a restart: part of it is on disk */
      g_free (title);
      title = g_strdup_printf (ngettext ("%u download of an earlier session is missing.",
                                         "%u downloads of an earlier session are missing.", owed), owed);
      tone = DC_STATUS_TONE_ERROR;
    }
  gtk_label_set_text (self->result_title, title);
  tone_label (GTK_WIDGET (self->result_title), tone);
  gtk_label_set_text (self->result_reasons, lines);
  gtk_widget_set_visible (gtk_widget_get_ancestor (GTK_WIDGET (self->result_reasons), GTK_TYPE_SCROLLED_WINDOW),
                          *lines != '\0' && !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->missing_button), owed > 0 && !busy);
  gtk_revealer_set_reveal_child (self->result_revealer, (!busy && c.total > 0) || owed > 0);
}

static void
update_status (DcDownloaderPanel *self)
{
  DcRunCounts c;
  g_autofree char *text = NULL;
  gboolean busy;

  if (self->session == NULL || self->disposed)
    return;
  dc_session_get_run_counts (self->session, &c);
  busy = dc_session_is_busy (self->session);
  /* TRANSLATORS: the panel title's "done/total" */
  text = c.total ? g_strdup_printf (_("%u/%u done"), c.n[DC_RUN_DONE], c.total) : g_strdup ("");
  gtk_label_set_text (self->total_label, text);
  update_cards (self);
  update_result (self);
  /* nothing to pause, resume or stop when no job is running */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dl.pause-all", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dl.resume-all", c.n[DC_RUN_PAUSED] > 0 || busy);
}

static void
rebuild_cards (DcDownloaderPanel *self)
{
  GtkWidget *child;
  DcConfig *config = self->session ? dc_session_get_config (self->session) : NULL;
  GPtrArray *dvrs = config ? dc_config_get_dvrs (config) : NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->cards_box))) != NULL &&
         child != GTK_WIDGET (self->no_dvr_label))
    gtk_box_remove (self->cards_box, child);
  while ((child = gtk_widget_get_next_sibling (GTK_WIDGET (self->no_dvr_label))) != NULL)
    gtk_box_remove (self->cards_box, child);
  g_hash_table_remove_all (self->cards);

  gtk_widget_set_visible (GTK_WIDGET (self->no_dvr_label), dvrs == NULL || dvrs->len == 0);
  for (guint i = 0; dvrs && i < dvrs->len; i++)
    {
      const DcDvrConfig *cfg = g_ptr_array_index (dvrs, i);
      DcDvrCard *card = dc_dvr_card_new (cfg);

      g_hash_table_insert (self->cards, g_strdup (cfg->name), card);
      gtk_box_append (self->cards_box, GTK_WIDGET (card));
    }
  /* the cards show the session's status at once: a new card is never "Ready"
   * while its recorder works */
  update_status (self);
}

/* Moves a frame's share of the waiting jobs into the list. */
static void
show_some (DcDownloaderPanel *self)
{
  guint have = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  guint n = have >= SHOW_ROWS_MADE ? g_queue_get_length (&self->to_show)
                                   : MIN (SHOW_PER_FRAME, g_queue_get_length (&self->to_show));
  g_autofree gpointer *items = g_new (gpointer, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    items[i] = g_queue_pop_head (&self->to_show);
  g_list_store_splice (self->rows, have, 0, items, n);
  for (guint i = 0; i < n; i++)
    g_object_unref (items[i]);
}

static gboolean
show_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  DcDownloaderPanel *self = user_data;

  if (gdk_frame_clock_get_frame_counter (clock) <= self->show_after)
    return G_SOURCE_CONTINUE;
  show_some (self);
  if (g_queue_is_empty (&self->to_show))
    {
      self->show_tick = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The session's job store only grows (a job stays for the session). */
static void
jobs_changed (GListModel *jobs, guint pos, guint removed, guint added, DcDownloaderPanel *self)
{
  guint n = g_list_model_get_n_items (jobs);

  if (removed > 0 || pos < self->n_taken)
    {
      /* not expected; start the view over rather than show wrong rows */
      clear_to_show (self);
      g_list_store_remove_all (self->rows);
      self->n_taken = 0;
    }
  for (guint i = self->n_taken; i < n; i++)
    g_queue_push_tail (&self->to_show, g_list_model_get_item (jobs, i));
  self->n_taken = n;
  /* Rows join from the frame after next on, a few per frame: the next
   * frame already lays out the start of the run (cards, the table's status
   * column, the job list page). */
  if (self->show_tick == 0 && !g_queue_is_empty (&self->to_show) && !self->disposed)
    {
      /* the panel's clock: the job list is not realised before its first run */
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

      self->show_after = clock ? gdk_frame_clock_get_frame_counter (clock) + 1 : 0;
      self->show_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->job_list), show_tick, self, NULL);
    }
  if (n > 0)
    gtk_stack_set_visible_child_name (self->jobs_stack, "jobs");
}

static void
session_run_started (DcSession *session, DcDownloaderPanel *self)
{
  gtk_revealer_set_reveal_child (self->result_revealer, FALSE);
  update_status (self);
}

void
dc_downloader_panel_set_session (DcDownloaderPanel *self, DcSession *session)
{
  g_return_if_fail (DC_IS_DOWNLOADER_PANEL (self));

  if (self->session == session)
    return;
  if (self->session)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (dc_session_get_jobs (self->session), self);
      clear_to_show (self);
      g_list_store_remove_all (self->rows);
      self->n_taken = 0;
    }
  g_set_object (&self->session, session);
  if (session == NULL)
    return;
  g_signal_connect_swapped (session, "config-changed", G_CALLBACK (rebuild_cards), self);
  g_signal_connect_swapped (session, "status-changed", G_CALLBACK (update_status), self);
  g_signal_connect_swapped (session, "run-finished", G_CALLBACK (update_status), self);
  g_signal_connect (session, "run-started", G_CALLBACK (session_run_started), self);
  g_signal_connect (session, "notify::mode", G_CALLBACK (session_mode_changed), self);
  g_signal_connect (dc_session_get_jobs (session), "items-changed", G_CALLBACK (jobs_changed), self);
  dc_downloader_panel_set_mode (self, dc_session_get_mode (session));
  jobs_changed (dc_session_get_jobs (session), 0, 0, 0, self);
  rebuild_cards (self);
}

void
dc_downloader_panel_stop_all (DcDownloaderPanel *self)
{
  if (self->session)
    dc_session_stop (self->session, NULL);
}

void
dc_downloader_panel_stop_dvr (DcDownloaderPanel *self, const char *dvr)
{
  if (self->session)
    dc_session_stop (self->session, dvr);
}

void
dc_downloader_panel_pause_dvr (DcDownloaderPanel *self, const char *dvr)
{
  DcRecorderStatus st;

  if (self->session == NULL)
    return;
  dc_session_get_recorder_status (self->session, dvr, &st);
  if (st.paused)
    dc_session_resume (self->session, dvr);
  else
    dc_session_pause (self->session, dvr);
  update_status (self);
}

guint
dc_downloader_panel_retry_failed (DcDownloaderPanel *self)
{
  guint n = self->session ? dc_session_download_missing (self->session) : 0;

  if (n > 0)
    gtk_revealer_set_reveal_child (self->result_revealer, FALSE);
  return n;
}

void
dc_downloader_panel_shutdown (DcDownloaderPanel *self)
{
  if (self->session)
    dc_session_shutdown (self->session);
}

/* Job list rows. */

static void
job_button_clicked (GtkButton *button, gpointer user_data)
{
  DcDownloaderPanel *self = user_data;
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_BOX);
  const char *what = g_object_get_data (G_OBJECT (button), "what");
  DcJobItem *item;

  while (row && g_object_get_data (G_OBJECT (row), "item") == NULL)
    row = gtk_widget_get_ancestor (gtk_widget_get_parent (row), GTK_TYPE_BOX);
  item = row ? g_object_get_data (G_OBJECT (row), "item") : NULL;
  if (item == NULL || self->session == NULL)
    return;
  if (g_str_equal (what, "pause"))
    dc_session_job_pause_toggle (self->session, item);
  else if (g_str_equal (what, "cancel"))
    dc_session_job_cancel (self->session, item);
  else if (g_str_equal (what, "retry"))
    dc_session_job_retry (self->session, item);
}

/* Tooltips are asked for only when the pointer rests on a widget:
 * gtk_widget_set_tooltip_text() asks the X server where the pointer is,
 * one round trip per call — three per row when rows are made. */
static gboolean
button_query_tooltip (GtkWidget *button, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                      gpointer text)
{
  dc_tooltip_show_text (tooltip, text);
  return TRUE;
}

static GtkWidget *
job_button (DcDownloaderPanel *self, const char *icon, const char *tooltip, const char *what)
{
  GtkWidget *b = gtk_button_new_from_icon_name (icon);

  gtk_widget_add_css_class (b, "flat");
  gtk_widget_add_css_class (b, "circular");
  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  gtk_widget_set_has_tooltip (b, TRUE);
  g_signal_connect (b, "query-tooltip", G_CALLBACK (button_query_tooltip), (gpointer) tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (b), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  g_object_set_data (G_OBJECT (b), "what", (gpointer) what);
  g_signal_connect (b, "clicked", G_CALLBACK (job_button_clicked), self);
  gtk_widget_set_name (b, what);
  return b;
}

/* A job's row.  Its texts change with every progress event of a running
 * job (percent, speed), 64 rows at once: they are DcCells, which redraw
 * without a new layout.  With GtkLabels each change queued a resize and
 * Pango measured the label again: 10–25 ms of layout per frame. */
static void
job_setup (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  DcDownloaderPanel *self = user_data;
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *line1 = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  DcCell *title = dc_cell_new (0, FALSE);
  DcCell *status = dc_cell_new (1, TRUE);
  DcCell *sub = dc_cell_new (0, FALSE);
  GtkWidget *bar = gtk_progress_bar_new ();

  /* waybill numbers are 10–15 characters, mostly digits */
  dc_cell_set_width_chars (title, 16);
  gtk_widget_add_css_class (GTK_WIDGET (title), "heading");
  gtk_widget_set_hexpand (GTK_WIDGET (status), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (sub), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (sub), "dim-label");
  gtk_box_append (GTK_BOX (line1), GTK_WIDGET (title));
  gtk_box_append (GTK_BOX (line1), GTK_WIDGET (status));
  gtk_box_append (GTK_BOX (texts), line1);
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (sub));
  gtk_box_append (GTK_BOX (texts), bar);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (row), texts);
  gtk_box_append (GTK_BOX (row), job_button (self, "media-playback-pause-symbolic", _("Pause or resume"), "pause"));
  gtk_box_append (GTK_BOX (row), job_button (self, "process-stop-symbolic", _("Stop"), "cancel"));
  gtk_box_append (GTK_BOX (row), job_button (self, "view-refresh-symbolic", _("Try again"), "retry"));
  g_object_set_data (G_OBJECT (row), "title", title);
  g_object_set_data (G_OBJECT (row), "status", status);
  g_object_set_data (G_OBJECT (row), "sub", sub);
  g_object_set_data (G_OBJECT (row), "bar", bar);
  gtk_list_item_set_child (li, row);
}

/* Called once per change of the row's job ("changed"). */
static void
job_refresh (DcJobItem *item, GtkWidget *row)
{
  g_autofree char *status = dc_job_item_dup_status_text (item);
  g_autofree char *speed = dc_job_item_dup_speed_text (item);
  const DcDownloadRequest *req = dc_job_item_get_request (item);
  const char *time = g_object_get_data (G_OBJECT (row), "time");
  g_autofree char *sub = NULL;
  DcJobState st = dc_job_item_get_state (item);
  GtkWidget *status_cell = g_object_get_data (G_OBJECT (row), "status");
  GtkWidget *child;

  /* TRANSLATORS: job details: dock · DVR channel · scan time · speed */
  if (req->dvr == NULL || *req->dvr == '\0')
    /* TRANSLATORS: job details of a waybill no recorder films: dock · scan time */
    sub = g_strdup_printf (_("%s · no recorder · %s"), req->dock ? req->dock : "", time ? time : "");
  else
    sub = g_strdup_printf (_("%s · %s ch%u · %s %s"), req->dock ? req->dock : "", req->dvr,
                           req->channel, time ? time : "", speed);
  dc_cell_set_text (g_object_get_data (G_OBJECT (row), "sub"), sub);
  dc_cell_set_text (DC_CELL (status_cell), status);
  dc_cell_set_tone (DC_CELL (status_cell), dc_run_kind_for_state (st) == DC_RUN_FAILED ||
                                           dc_run_kind_for_state (st) == DC_RUN_PARTIAL
                                           ? DC_CELL_TONE_ERROR : DC_CELL_TONE_NORMAL);
  gtk_progress_bar_set_fraction (g_object_get_data (G_OBJECT (row), "bar"),
                                 dc_job_item_get_fraction (item));
  for (child = gtk_widget_get_first_child (row); child; child = gtk_widget_get_next_sibling (child))
    {
      const char *what = g_object_get_data (G_OBJECT (child), "what");
      if (what == NULL)
        continue;
      /* a job that could never run (dock not mapped) has no controls */
      if (dc_job_item_get_id (item) == 0)
        gtk_widget_set_sensitive (child, FALSE);
      else if (g_str_equal (what, "retry"))
        gtk_widget_set_sensitive (child, dc_run_kind_for_state (st) == DC_RUN_FAILED ||
                                         dc_run_kind_for_state (st) == DC_RUN_PARTIAL);
      else
        gtk_widget_set_sensitive (child, !dc_job_state_is_final (st));
      /* only when it changes: a new icon name reloads the image and
       * queues a resize */
      if (g_str_equal (what, "pause") &&
          GPOINTER_TO_INT (g_object_get_data (G_OBJECT (child), "paused")) != (st == DC_JOB_PAUSED))
        {
          g_object_set_data (G_OBJECT (child), "paused", GINT_TO_POINTER (st == DC_JOB_PAUSED));
          gtk_button_set_icon_name (GTK_BUTTON (child), st == DC_JOB_PAUSED
                                    ? "media-playback-start-symbolic"
                                    : "media-playback-pause-symbolic");
        }
    }
}

static void
job_bind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  GtkWidget *row = gtk_list_item_get_child (li);
  DcJobItem *item = gtk_list_item_get_item (li);
  const DcDownloadRequest *req = dc_job_item_get_request (item);
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (req->scan_us / G_USEC_PER_SEC);

  dc_cell_set_text (g_object_get_data (G_OBJECT (row), "title"), req->waybill);
  /* the scan time never changes: formatted once per bind, not per event */
  g_object_set_data_full (G_OBJECT (row), "time",
                          dt ? g_date_time_format (dt, "%H:%M:%S") : NULL, g_free);
  g_object_set_data (G_OBJECT (row), "item", item);
  job_refresh (item, row);
  g_signal_connect_object (item, "changed", G_CALLBACK (job_refresh), row, 0);
}

static void
job_unbind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  GtkWidget *row = gtk_list_item_get_child (li);
  DcJobItem *item = gtk_list_item_get_item (li);

  g_signal_handlers_disconnect_by_func (item, job_refresh, row);
  g_object_set_data (G_OBJECT (row), "item", NULL);
}

static void
action_pause_all (GtkWidget *widget, const char *name, GVariant *param)
{
  DcDownloaderPanel *self = DC_DOWNLOADER_PANEL (widget);

  if (self->session)
    dc_session_pause (self->session, NULL);
  update_status (self);
}

static void
action_resume_all (GtkWidget *widget, const char *name, GVariant *param)
{
  DcDownloaderPanel *self = DC_DOWNLOADER_PANEL (widget);

  if (self->session)
    dc_session_resume (self->session, NULL);
  update_status (self);
}

static void
action_retry_failed (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_downloader_panel_retry_failed (DC_DOWNLOADER_PANEL (widget));
}

static void
dc_downloader_panel_dispose (GObject *object)
{
  DcDownloaderPanel *self = DC_DOWNLOADER_PANEL (object);

  self->disposed = TRUE;
  /* the session's work goes on without this view */
  dc_downloader_panel_set_session (self, NULL);
  clear_to_show (self);
  G_OBJECT_CLASS (dc_downloader_panel_parent_class)->dispose (object);
}

static void
dc_downloader_panel_finalize (GObject *object)
{
  DcDownloaderPanel *self = DC_DOWNLOADER_PANEL (object);

  clear_to_show (self);
  g_clear_object (&self->rows);
  g_clear_pointer (&self->cards, g_hash_table_unref);
  G_OBJECT_CLASS (dc_downloader_panel_parent_class)->finalize (object);
}

static void
dc_downloader_panel_class_init (DcDownloaderPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dc_downloader_panel_dispose;
  object_class->finalize = dc_downloader_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dockclip/Dockclip/ui/dc-downloader-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, total_label);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, download_all_button);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, cards_box);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, no_dvr_label);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, result_revealer);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, result_title);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, result_reasons);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, missing_button);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, jobs_stack);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, job_list);
  gtk_widget_class_install_action (widget_class, "dl.pause-all", NULL, action_pause_all);
  gtk_widget_class_install_action (widget_class, "dl.resume-all", NULL, action_resume_all);
  gtk_widget_class_install_action (widget_class, "dl.retry-failed", NULL, action_retry_failed);
}

static void
dc_downloader_panel_init (DcDownloaderPanel *self)
{
  GtkListItemFactory *factory;
  GtkSelectionModel *sel;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_list_store_new (DC_TYPE_JOB_ITEM);
  self->cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->to_show);
  g_signal_connect (self->mode_dropdown, "notify::selected", G_CALLBACK (mode_selected), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dl.pause-all", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dl.resume-all", FALSE);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (job_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (job_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (job_unbind), self);
  sel = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->rows))));
  gtk_list_view_set_model (self->job_list, sel);
  gtk_list_view_set_factory (self->job_list, factory);
  g_object_unref (sel);
  g_object_unref (factory);
}
