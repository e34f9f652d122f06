#define G_LOG_DOMAIN "dc-downloader-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-cell.h"
#include "dc-downloader-panel.h"

struct _DcDownloaderPanel
{
  GtkBox          parent_instance;

  GtkLabel       *total_label;
  GtkDropDown    *mode_dropdown;
  GtkBox         *cards_box;
  GtkLabel       *no_dvr_label;
  GtkRevealer    *result_revealer;
  GtkLabel       *result_title;
  GtkLabel       *result_reasons;
  GtkButton      *missing_button;
  GtkStack       *jobs_stack;
  GtkListView    *job_list;

  DcConfig       *config;          /* not owned */
  char           *out_dir;
  gboolean        check_first;
  DcDownloader   *downloader;
  gboolean        config_stale;    /* settings changed during a run */
  GListStore     *jobs;            /* DcJobItem */
  GHashTable     *by_id;           /* job id -> DcJobItem (borrowed from jobs) */
  GHashTable     *cards;           /* dvr name -> DcDvrCard */
  guint           counts_source;
  guint           countdown_source;
  gboolean        disposed;

  /* Engine events wait here and are applied a few milliseconds' worth per
   * main-loop iteration, so a burst (64 transfers changing state at once)
   * never holds up a frame.  Progress-only events of a job still waiting
   * are merged: only the newest matters to a progress bar. */
  GQueue          pending;         /* DcDownloadEvent copies, oldest first */
  GHashTable     *pending_progress;/* job id -> its GList link in pending, while
                                    * that is the job's newest event and progress-only */
  guint           pending_source;

  /* New jobs join the list a few per frame: for each of its first ~200
   * items the list view makes and binds a row of fifteen widgets, whose
   * style and size are worked out in the next frame's layout. */
  GQueue          to_show;         /* DcJobItem (owned), not in jobs yet */
  guint           show_tick;       /* tick callback on job_list */
  gint64          show_after;      /* frame counter: no rows in this frame or before */

  /* Kept on every state change instead of scanning the jobs. */
  GHashTable     *waiting;         /* DcJobItem set: waiting to retry (borrowed) */
  GHashTable     *dvr_counts;      /* dvr name -> Counts */
  guint           n_done;
  guint           n_failed;        /* failed or stopped */
};

typedef struct
{
  guint   done, failed, total;
  double  fraction;                /* sum over the recorder's jobs */
} Counts;

/* Work applied per main-loop iteration before yielding to drawing and
 * input: well under one 60 Hz frame. */
#define EVENT_BUDGET_US  4000
/* New rows per frame while the list view makes rows for them: GTK 4.8
 * makes (in the layout phase) a row for each of the first ~200 items,
 * seen or not, 2-3 ms each the first time; past that it makes none, and
 * the rest join at once.  Measured with 256 jobs: all at once, one 125 ms
 * frame; six per frame, 20 ms frames; two, 5-7 ms. */
#define SHOW_PER_FRAME   2
#define SHOW_ROWS_MADE   200

G_DEFINE_FINAL_TYPE (DcDownloaderPanel, dc_downloader_panel, GTK_TYPE_BOX)

enum { SIGNAL_JOB_CHANGED, SIGNAL_RUN_FINISHED, SIGNAL_PICTURE_DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void schedule_counts (DcDownloaderPanel *self);

/* Once a second while a job waits to retry: its "Retrying in N s" counts
 * down in the job list and the status column. */
static gboolean
countdown_tick (gpointer user_data)
{
  DcDownloaderPanel *self = user_data;
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    dc_job_item_tick (item);
  if (g_hash_table_size (self->waiting) == 0)
    {
      self->countdown_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
state_is_failed (DcJobState st)
{
  return st == DC_JOB_FAILED || st == DC_JOB_CANCELLED;
}

/* Adds (@sign 1) or takes away (-1) @item's share of the counts. */
static void
account (DcDownloaderPanel *self, DcJobItem *item, int sign)
{
  const DcDownloadRequest *req = dc_job_item_get_request (item);
  DcJobState st = dc_job_item_get_state (item);
  Counts *c = g_hash_table_lookup (self->dvr_counts, req->dvr);

  if (c == NULL)
    g_hash_table_insert (self->dvr_counts, g_strdup (req->dvr), (c = g_new0 (Counts, 1)));
  c->total += sign;
  c->fraction += sign * dc_job_item_get_fraction (item);
  if (st == DC_JOB_DONE)
    c->done += sign, self->n_done += sign;
  else if (state_is_failed (st))
    c->failed += sign, self->n_failed += sign;
  if (st == DC_JOB_RETRY_WAIT && sign > 0)
    g_hash_table_add (self->waiting, item);
  else if (st == DC_JOB_RETRY_WAIT)
    g_hash_table_remove (self->waiting, item);
}

static void
clear_pending (DcDownloaderPanel *self)
{
  g_queue_clear_full (&self->pending, (GDestroyNotify) dc_download_event_free);
  g_hash_table_remove_all (self->pending_progress);
  g_clear_handle_id (&self->pending_source, g_source_remove);
}

static void
clear_to_show (DcDownloaderPanel *self)
{
  g_queue_clear_full (&self->to_show, g_object_unref);
  if (self->show_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->job_list), self->show_tick);
  self->show_tick = 0;
}

/* Forgets every job (the list empties). */
static void
clear_jobs (DcDownloaderPanel *self)
{
  clear_pending (self);
  clear_to_show (self);
  g_hash_table_remove_all (self->waiting);
  g_hash_table_remove_all (self->dvr_counts);
  self->n_done = self->n_failed = 0;
  g_hash_table_remove_all (self->by_id);
  g_list_store_remove_all (self->jobs);
}

const char *
dc_downloader_panel_get_out_dir (DcDownloaderPanel *self)
{
  return self->out_dir;
}

GListModel *
dc_downloader_panel_get_jobs (DcDownloaderPanel *self)
{
  return G_LIST_MODEL (self->jobs);
}

DcDvrCard *
dc_downloader_panel_get_card (DcDownloaderPanel *self, const char *dvr)
{
  return g_hash_table_lookup (self->cards, dvr);
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

gboolean
dc_downloader_panel_is_busy (DcDownloaderPanel *self)
{
  return self->n_done + self->n_failed < g_hash_table_size (self->by_id);
}

static void
free_downloader (DcDownloaderPanel *self)
{
  /* Events not applied yet belong to this engine: dropped with it. */
  clear_pending (self);
  if (self->downloader == NULL)
    return;
  /* Joins every worker; queued events are dropped with it. */
  dc_downloader_free (g_steal_pointer (&self->downloader));
}

static void
rebuild_cards (DcDownloaderPanel *self)
{
  GtkWidget *child;
  GPtrArray *dvrs;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->cards_box))) != NULL &&
         child != GTK_WIDGET (self->no_dvr_label))
    gtk_box_remove (self->cards_box, child);
  while ((child = gtk_widget_get_next_sibling (GTK_WIDGET (self->no_dvr_label))) != NULL)
    gtk_box_remove (self->cards_box, child);
  g_hash_table_remove_all (self->cards);

  dvrs = self->config ? dc_config_get_dvrs (self->config) : NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->no_dvr_label), dvrs == NULL || dvrs->len == 0);
  for (guint i = 0; dvrs && i < dvrs->len; i++)
    {
      const DcDvrConfig *cfg = g_ptr_array_index (dvrs, i);
      DcDvrCard *card = dc_dvr_card_new (cfg);

      g_hash_table_insert (self->cards, g_strdup (cfg->name), card);
      gtk_box_append (self->cards_box, GTK_WIDGET (card));
    }
  schedule_counts (self);
}

void
dc_downloader_panel_set_config (DcDownloaderPanel *self, DcConfig *config,
                                const DcAppSettings *settings)
{
  g_return_if_fail (DC_IS_DOWNLOADER_PANEL (self));

  self->config = config;
  g_free (self->out_dir);
  self->out_dir = g_strdup (settings->output_dir);
  self->check_first = settings->check_first;
  if (self->downloader != NULL && dc_downloader_panel_is_busy (self))
    self->config_stale = TRUE;   /* applied when the run ends */
  else
    {
      free_downloader (self);
      clear_jobs (self);
      gtk_revealer_set_reveal_child (self->result_revealer, FALSE);
      gtk_stack_set_visible_child_name (self->jobs_stack, "empty");
    }
  rebuild_cards (self);
}

static void
update_counts (DcDownloaderPanel *self)
{
  guint n = g_hash_table_size (self->by_id);
  g_autofree char *text = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Counts *c = g_hash_table_lookup (self->dvr_counts, key);
      if (c && c->total > 0)
        dc_dvr_card_set_counts (value, c->done, c->total - c->done - c->failed, c->failed, c->total,
                                CLAMP (c->fraction / c->total, 0.0, 1.0));
      else
        dc_dvr_card_set_counts (value, 0, 0, 0, 0, 0);
    }
  /* TRANSLATORS: the panel title's "done/total" */
  text = n ? g_strdup_printf (_("%u/%u done"), self->n_done, n) : g_strdup ("");
  gtk_label_set_text (self->total_label, text);
}

static gboolean
counts_timeout (gpointer user_data)
{
  DcDownloaderPanel *self = user_data;

  self->counts_source = 0;
  update_counts (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_counts (DcDownloaderPanel *self)
{
  /* Counts are recomputed a few times a second at most, never per event. */
  if (self->counts_source == 0 && !self->disposed)
    self->counts_source = g_timeout_add (150, counts_timeout, self);
}

void
dc_downloader_panel_get_totals (DcDownloaderPanel *self, guint *done, guint *failed, guint *total)
{
  if (done) *done = self->n_done;
  if (failed) *failed = self->n_failed;
  if (total) *total = g_hash_table_size (self->by_id);
}

static void
note_missing (DcJobItem *item, guint *missing, GString *reasons)
{
  DcJobState st = dc_job_item_get_state (item);

  if (st != DC_JOB_FAILED && st != DC_JOB_CANCELLED)
    return;
  ++*missing;
  if (*missing <= 20)
    g_string_append_printf (reasons, "%s%s — %s", reasons->len ? "\n" : "",
                            dc_job_item_get_request (item)->waybill,
                            dc_job_item_get_message (item) ? dc_job_item_get_message (item)
                                                           : _("stopped"));
}

static void
show_result (DcDownloaderPanel *self)
{
  /* every job of the run: rows still waiting to join the list count too */
  guint n = g_hash_table_size (self->by_id);
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));
  g_autoptr(GString) reasons = g_string_new (NULL);
  guint missing = 0;
  g_autofree char *title = NULL;

  for (guint i = 0; i < shown; i++)
    {
      g_autoptr(DcJobItem) item = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);
      note_missing (item, &missing, reasons);
    }
  for (GList *l = self->to_show.head; l != NULL; l = l->next)
    note_missing (l->data, &missing, reasons);
  if (missing == 0)
    title = g_strdup_printf (ngettext ("All %u download done.", "All %u downloads done.", n), n);
  else
    title = g_strdup_printf (ngettext ("%u download is missing:", "%u downloads are missing:", missing),
                             missing);
  gtk_label_set_text (self->result_title, title);
  gtk_label_set_text (self->result_reasons, reasons->str);
  gtk_widget_set_visible (GTK_WIDGET (self->result_reasons), missing > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->missing_button), missing > 0);
  gtk_revealer_set_reveal_child (self->result_revealer, TRUE);
}

static void
apply_event (DcDownloaderPanel *self, const DcDownloadEvent *event)
{
  switch (event->kind)
    {
    case DC_EVENT_JOB:
      {
        DcJobItem *item = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (event->job_id));
        DcJobState old;

        if (item == NULL)
          return;
        old = dc_job_item_get_state (item);
        account (self, item, -1);
        dc_job_item_apply_event (item, event);
        account (self, item, 1);
        if (event->state == DC_JOB_RETRY_WAIT && self->countdown_source == 0 && !self->disposed)
          self->countdown_source = g_timeout_add_seconds (1, countdown_tick, self);
        if (old != event->state)
          {
            g_signal_emit (self, signals[SIGNAL_JOB_CHANGED], 0, item);
            if (event->state == DC_JOB_DONE && event->picture_path)
              g_signal_emit (self, signals[SIGNAL_PICTURE_DONE], 0, event->picture_path);
          }
        schedule_counts (self);
      }
      break;
    case DC_EVENT_DVR:
      {
        DcDvrCard *card = g_hash_table_lookup (self->cards, event->dvr);

        if (card == NULL)
          return;
        dc_dvr_card_set_state (card, event->dvr_state, event->message);
        if (event->dvr_state == DC_DVR_STATE_SIGNED_IN || event->dvr_model)
          dc_dvr_card_set_clock_offset (card, event->clock_offset_s, event->dvr_model);
      }
      break;
    case DC_EVENT_IDLE:
      g_clear_handle_id (&self->counts_source, g_source_remove);
      update_counts (self);
      {
        GHashTableIter iter;
        gpointer card;

        g_hash_table_iter_init (&iter, self->cards);
        while (g_hash_table_iter_next (&iter, NULL, &card))
          dc_dvr_card_run_ended (card);
      }
      show_result (self);
      g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0);
      break;
    default:
      break;
    }
}

static gboolean
is_progress_only (const DcDownloadEvent *event)
{
  return event->kind == DC_EVENT_JOB && event->state == DC_JOB_DOWNLOADING && event->message == NULL;
}

/* Applies the waiting events in order until the budget is spent; the rest
 * waits for the next iteration, after the frame is drawn. */
static gboolean
apply_pending (gpointer user_data)
{
  DcDownloaderPanel *self = user_data;
  gint64 deadline = g_get_monotonic_time () + EVENT_BUDGET_US;
  DcDownloadEvent *event;

  GList *head;

  while ((head = g_queue_peek_head_link (&self->pending)) != NULL)
    {
      event = head->data;
      if (event->kind == DC_EVENT_JOB &&
          g_hash_table_lookup (self->pending_progress, GUINT_TO_POINTER (event->job_id)) == head)
        g_hash_table_remove (self->pending_progress, GUINT_TO_POINTER (event->job_id));
      g_queue_pop_head (&self->pending);
      apply_event (self, event);
      dc_download_event_free (event);
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  if (g_queue_is_empty (&self->pending))
    {
      self->pending_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The engine's main-loop source hands over its batch here. */
static void
on_event (DcDownloader *dl, const DcDownloadEvent *event, gpointer user_data)
{
  DcDownloaderPanel *self = user_data;
  gpointer key = GUINT_TO_POINTER (event->job_id);

  if (self->disposed)
    return;
  if (is_progress_only (event))
    {
      GList *link = g_hash_table_lookup (self->pending_progress, key);

      if (link != NULL)
        {
          /* the job's newest waiting event is progress too: replace it */
          dc_download_event_free (link->data);
          link->data = dc_download_event_copy (event);
        }
      else
        {
          g_queue_push_tail (&self->pending, dc_download_event_copy (event));
          g_hash_table_insert (self->pending_progress, key, g_queue_peek_tail_link (&self->pending));
        }
    }
  else
    {
      if (event->kind == DC_EVENT_JOB)
        g_hash_table_remove (self->pending_progress, key);
      g_queue_push_tail (&self->pending, dc_download_event_copy (event));
    }
  if (self->pending_source == 0)
    {
      self->pending_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, apply_pending, self, NULL);
      g_source_set_name_by_id (self->pending_source, "DcDownloaderPanel events");
    }
}

static gboolean
ensure_downloader (DcDownloaderPanel *self, GError **error)
{
  DcDownloaderOptions options;

  if (self->downloader != NULL && self->config_stale && !dc_downloader_panel_is_busy (self))
    {
      free_downloader (self);
      clear_jobs (self);
      self->config_stale = FALSE;
    }
  if (self->downloader != NULL)
    return TRUE;
  if (self->config == NULL)
    {
      g_set_error_literal (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR,
                           _("No recorder is set up yet. Open DVR settings to add one."));
      return FALSE;
    }
  dc_downloader_options_init (&options);
  options.out_dir = self->out_dir;
  options.check_first = self->check_first;
  self->downloader = dc_downloader_new (self->config, &options);
  dc_downloader_attach (self->downloader, NULL, on_event, self);
  return TRUE;
}

/* Moves a frame's share of the waiting jobs into the list. */
static void
show_some (DcDownloaderPanel *self)
{
  guint have = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));
  guint n = have >= SHOW_ROWS_MADE ? g_queue_get_length (&self->to_show)
                                   : MIN (SHOW_PER_FRAME, g_queue_get_length (&self->to_show));
  g_autofree gpointer *items = g_new (gpointer, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    items[i] = g_queue_pop_head (&self->to_show);
  g_list_store_splice (self->jobs, have, 0, items, n);
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

guint
dc_downloader_panel_add_requests (DcDownloaderPanel *self, GPtrArray *requests, GError **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) first_error = NULL;
  guint n_added = 0;

  g_return_val_if_fail (DC_IS_DOWNLOADER_PANEL (self), 0);

  if (!ensure_downloader (self, error))
    return 0;
  for (guint i = 0; i < requests->len; i++)
    {
      const DcDownloadRequest *req = g_ptr_array_index (requests, i);
      g_autoptr(GError) local_error = NULL;
      guint id = dc_downloader_add (self->downloader, req, &local_error);
      DcJobItem *item;

      if (id == 0)
        {
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
          continue;
        }
      item = dc_job_item_new (id, req);
      g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), item);
      account (self, item, 1);
      g_ptr_array_add (items, item);
      n_added++;
      g_signal_emit (self, signals[SIGNAL_JOB_CHANGED], 0, item);
    }
  /* Rows join from the frame after next on, a few per frame: the next
   * frame already lays out the start of the run (cards, the table's status
   * column, the job list page).  The counts and the engine know every job
   * already. */
  for (guint i = 0; i < items->len; i++)
    g_queue_push_tail (&self->to_show, g_object_ref (g_ptr_array_index (items, i)));
  if (self->show_tick == 0 && !g_queue_is_empty (&self->to_show) && !self->disposed)
    {
      /* the panel's clock: the job list is not realised before its first run */
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

      self->show_after = clock ? gdk_frame_clock_get_frame_counter (clock) + 1 : 0;
      self->show_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->job_list), show_tick, self, NULL);
    }
  if (n_added > 0)
    {
      gtk_stack_set_visible_child_name (self->jobs_stack, "jobs");
      gtk_revealer_set_reveal_child (self->result_revealer, FALSE);
    }
  else if (first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&first_error));
  schedule_counts (self);
  return n_added;
}

void
dc_downloader_panel_stop_all (DcDownloaderPanel *self)
{
  if (self->downloader)
    dc_downloader_cancel_dvr (self->downloader, NULL);
}

void
dc_downloader_panel_stop_dvr (DcDownloaderPanel *self, const char *dvr)
{
  if (self->downloader)
    dc_downloader_cancel_dvr (self->downloader, dvr);
}

void
dc_downloader_panel_pause_dvr (DcDownloaderPanel *self, const char *dvr)
{
  DcDvrCard *card = g_hash_table_lookup (self->cards, dvr);

  if (self->downloader == NULL || card == NULL)
    return;
  /* One button: pause, then resume. */
  if (dc_dvr_card_get_paused (card))
    dc_downloader_resume_dvr (self->downloader, dvr);
  else
    dc_downloader_pause_dvr (self->downloader, dvr);
  dc_dvr_card_set_paused (card, !dc_dvr_card_get_paused (card));
}

guint
dc_downloader_panel_retry_failed (DcDownloaderPanel *self)
{
  guint n;

  if (self->downloader == NULL)
    return 0;
  n = dc_downloader_retry_failed (self->downloader);
  if (n > 0)
    gtk_revealer_set_reveal_child (self->result_revealer, FALSE);
  return n;
}

void
dc_downloader_panel_shutdown (DcDownloaderPanel *self)
{
  clear_pending (self);
  g_clear_handle_id (&self->counts_source, g_source_remove);
  g_clear_handle_id (&self->countdown_source, g_source_remove);
  if (self->downloader)
    dc_downloader_shutdown (self->downloader);
  free_downloader (self);
}

/* Job list rows. */

static void
job_button_clicked (GtkButton *button, gpointer user_data)
{
  DcDownloaderPanel *self = user_data;
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_BOX);
  const char *what = g_object_get_data (G_OBJECT (button), "what");
  DcJobItem *item;
  guint id;

  while (row && g_object_get_data (G_OBJECT (row), "item") == NULL)
    row = gtk_widget_get_ancestor (gtk_widget_get_parent (row), GTK_TYPE_BOX);
  item = row ? g_object_get_data (G_OBJECT (row), "item") : NULL;
  if (item == NULL || self->downloader == NULL)
    return;
  id = dc_job_item_get_id (item);
  if (g_str_equal (what, "pause"))
    {
      if (dc_job_item_get_state (item) == DC_JOB_PAUSED)
        dc_downloader_resume (self->downloader, id);
      else
        dc_downloader_pause (self->downloader, id);
    }
  else if (g_str_equal (what, "cancel"))
    dc_downloader_cancel (self->downloader, id);
  else if (g_str_equal (what, "retry"))
    dc_downloader_retry (self->downloader, id);
}

/* Tooltips are asked for only when the pointer rests on a widget:
 * gtk_widget_set_tooltip_text() asks the X server where the pointer is,
 * one round trip per call — three per row when rows are made. */
static gboolean
button_query_tooltip (GtkWidget *button, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                      gpointer text)
{
  gtk_tooltip_set_text (tooltip, text);
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
  sub = g_strdup_printf (_("%s · %s ch%u · %s %s"), req->dock ? req->dock : "", req->dvr,
                         req->channel, time ? time : "", speed);
  dc_cell_set_text (g_object_get_data (G_OBJECT (row), "sub"), sub);
  dc_cell_set_text (DC_CELL (status_cell), status);
  dc_cell_set_tone (DC_CELL (status_cell), st == DC_JOB_FAILED ? DC_CELL_TONE_ERROR : DC_CELL_TONE_NORMAL);
  gtk_progress_bar_set_fraction (g_object_get_data (G_OBJECT (row), "bar"),
                                 dc_job_item_get_fraction (item));
  for (child = gtk_widget_get_first_child (row); child; child = gtk_widget_get_next_sibling (child))
    {
      const char *what = g_object_get_data (G_OBJECT (child), "what");
      if (what == NULL)
        continue;
      if (g_str_equal (what, "retry"))
        gtk_widget_set_sensitive (child, st == DC_JOB_FAILED || st == DC_JOB_CANCELLED);
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
set_all_paused (DcDownloaderPanel *self, gboolean paused)
{
  GHashTableIter iter;
  gpointer card;

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, NULL, &card))
    dc_dvr_card_set_paused (card, paused);
}

static void
action_pause_all (GtkWidget *widget, const char *name, GVariant *param)
{
  DcDownloaderPanel *self = DC_DOWNLOADER_PANEL (widget);
  if (self->downloader)
    {
      dc_downloader_pause_dvr (self->downloader, NULL);
      set_all_paused (self, TRUE);
    }
}

static void
action_resume_all (GtkWidget *widget, const char *name, GVariant *param)
{
  DcDownloaderPanel *self = DC_DOWNLOADER_PANEL (widget);
  if (self->downloader)
    {
      dc_downloader_resume_dvr (self->downloader, NULL);
      set_all_paused (self, FALSE);
    }
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

  dc_downloader_panel_shutdown (self);
  self->disposed = TRUE;
  clear_pending (self);
  clear_to_show (self);
  G_OBJECT_CLASS (dc_downloader_panel_parent_class)->dispose (object);
  g_clear_handle_id (&self->counts_source, g_source_remove);
}

static void
dc_downloader_panel_finalize (GObject *object)
{
  DcDownloaderPanel *self = DC_DOWNLOADER_PANEL (object);

  g_clear_handle_id (&self->counts_source, g_source_remove);
  g_clear_handle_id (&self->countdown_source, g_source_remove);
  clear_pending (self);
  clear_to_show (self);
  g_clear_pointer (&self->pending_progress, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_pointer (&self->dvr_counts, g_hash_table_unref);
  g_clear_object (&self->jobs);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->cards, g_hash_table_unref);
  g_free (self->out_dir);
  G_OBJECT_CLASS (dc_downloader_panel_parent_class)->finalize (object);
}

static void
dc_downloader_panel_class_init (DcDownloaderPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dc_downloader_panel_dispose;
  object_class->finalize = dc_downloader_panel_finalize;

  signals[SIGNAL_JOB_CHANGED] =
    g_signal_new ("job-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, DC_TYPE_JOB_ITEM);
  signals[SIGNAL_RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_PICTURE_DONE] =
    g_signal_new ("picture-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dockclip/Dockclip/ui/dc-downloader-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, total_label);
  gtk_widget_class_bind_template_child (widget_class, DcDownloaderPanel, mode_dropdown);
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
  self->jobs = g_list_store_new (DC_TYPE_JOB_ITEM);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->pending);
  g_queue_init (&self->to_show);
  self->pending_progress = g_hash_table_new (NULL, NULL);
  self->waiting = g_hash_table_new (NULL, NULL);
  self->dvr_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (job_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (job_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (job_unbind), self);
  sel = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->jobs))));
  gtk_list_view_set_model (self->job_list, sel);
  gtk_list_view_set_factory (self->job_list, factory);
  g_object_unref (sel);
  g_object_unref (factory);
}
