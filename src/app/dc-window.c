#define G_LOG_DOMAIN "dc-window"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-application.h"
#include "demo/dc-demo.h"
#include "util/dc-file-util.h"
#include "dc-dvr-settings-window.h"
#include "pictures/dc-picture-page.h"
#include "dc-window.h"
#include "dc-tooltip.h"

struct _DcWindow
{
  AdwApplicationWindow  parent_instance;

  AdwViewStack         *stack;
  GtkStack             *esheet_stack;
  AdwToastOverlay      *toasts;
  GtkRevealer          *update_revealer;
  GtkLabel             *update_label;
  GtkLinkButton        *update_link;
  AdwButtonContent     *output_button_content;
  DcPicturePage        *pictures_page;
  DcEsheetView         *esheet_view;
  DcDownloaderPanel    *panel;

  DcSession            *session;
  DcDemo               *demo;
  gboolean              demo_starting;
  GCancellable         *cancellable;
  guint                 pending_imports;
  guint                 n_pictures;
  char                 *last_picture_folder;
  char                 *last_message;
  gboolean              closing_confirmed;
  gboolean              quit_after_close;
  GtkWidget            *quit_dialog;    /* the "Stop the downloads?" question, while shown */
  gboolean              owns_session;   /* no application (tests) */
};

G_DEFINE_FINAL_TYPE (DcWindow, dc_window, ADW_TYPE_APPLICATION_WINDOW)

DcAppSettings *
dc_window_get_settings (DcWindow *self)
{
  return dc_session_get_settings (self->session);
}

DcSession *
dc_window_get_session (DcWindow *self)
{
  return self->session;
}

static void
toast (DcWindow *self, const char *message)
{
  AdwToast *t = adw_toast_new (message);

  g_free (self->last_message);
  self->last_message = g_strdup (message);
  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toasts, t);
}

const char *
dc_window_get_last_message (DcWindow *self)
{
  return self->last_message;
}

DcConfig *
dc_window_get_config (DcWindow *self)
{
  return dc_session_get_config (self->session);
}

DcEsheetView *
dc_window_get_esheet_view (DcWindow *self)
{
  return self->esheet_view;
}

GtkWidget *
dc_window_get_picture_page (DcWindow *self)
{
  return GTK_WIDGET (self->pictures_page);
}

DcDownloaderPanel *
dc_window_get_panel (DcWindow *self)
{
  return self->panel;
}

guint
dc_window_get_n_pending_imports (DcWindow *self)
{
  return self->pending_imports;
}

gboolean
dc_window_is_demo_running (DcWindow *self)
{
  return self->demo != NULL && dc_session_is_demo (self->session);
}

/* "Output: ~/Dockclip": the folder in words an operator recognises, not
 * its bare last name. */
static void
update_output_button (DcWindow *self)
{
  g_autofree char *shown = dc_session_dup_out_dir_display (self->session);
  g_autofree char *label = NULL;
  g_autofree char *tip = NULL;

  /* TRANSLATORS: the output-folder button, e.g. "Output: ~/Pictures/Dockclip" */
  label = g_strdup_printf (_("Output: %s"), shown);
  adw_button_content_set_label (self->output_button_content, label);
  tip = g_strdup_printf (_("Pictures and clips are saved in %s"), dc_session_get_out_dir (self->session));
  dc_tooltip_set_text (gtk_widget_get_parent (GTK_WIDGET (self->output_button_content)), tip);
}

void
dc_window_set_config (DcWindow *self, DcConfig *config, gboolean save)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (config != NULL);
  if (!dc_session_set_config (self->session, config, save, &error))
    toast (self, error->message);
}

void
dc_window_settings_changed (DcWindow *self)
{
  dc_session_settings_changed (self->session);
}

/* The config changed (DVR settings, the demo): the views follow without
 * being rebuilt; the table says at once which docks are mapped now. */
static void
session_config_changed (DcSession *session, DcWindow *self)
{
  dc_esheet_view_set_config (self->esheet_view, dc_session_get_config (session));
  update_output_button (self);
}

/* Update banner */

void
dc_window_show_update (DcWindow *self, const DcUpdateInfo *info)
{
  g_autofree char *text = NULL;

  if (info->notes && *info->notes)
    text = g_strdup_printf (_("Dockclip %s is available: %s"), info->version, info->notes);
  else
    text = g_strdup_printf (_("Dockclip %s is available."), info->version);
  gtk_label_set_text (self->update_label, text);
  gtk_link_button_set_uri (self->update_link, info->url);
  if (info->link_insecure)
    {
      /* TRANSLATORS: %s is the download address of a new version */
      g_autofree char *label = g_strdup_printf (_("%s (not secure: plain http)"), info->url);

      gtk_button_set_label (GTK_BUTTON (self->update_link), label);
    }
  gtk_revealer_set_reveal_child (self->update_revealer, TRUE);
}

gboolean
dc_window_update_is_shown (DcWindow *self)
{
  return gtk_revealer_get_reveal_child (self->update_revealer);
}

/* The picture export's lookup: dock and first scan time of each waybill,
 * a snapshot of the open e-sheets (the export reads it on its thread). */
typedef struct
{
  char   *dock;
  gint64  scan_us;
} ExportEntry;

static void
export_entry_free (ExportEntry *e)
{
  g_free (e->dock);
  g_free (e);
}

static void
export_lookup (const char *waybill, char **dock, GDateTime **scan_time, gpointer user_data)
{
  ExportEntry *e = g_hash_table_lookup (user_data, waybill);

  if (e == NULL)
    return;
  *dock = g_strdup (e->dock);
  *scan_time = g_date_time_new_from_unix_local (e->scan_us / G_USEC_PER_SEC);
}

static void
update_export_lookup (DcWindow *self)
{
  GListModel *esheets = dc_session_get_esheets (self->session);
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) export_entry_free);

  for (guint s = 0; s < g_list_model_get_n_items (esheets); s++)
    {
      g_autoptr(DcEsheet) esheet = g_list_model_get_item (esheets, s);

      for (guint w = 0; w < dc_esheet_get_n_waybills (esheet); w++)
        {
          DcEsheetWaybillItem it;
          g_autofree char *base = NULL;

          dc_esheet_get_waybill_item (esheet, w, &it);
          if (it.n_scans == 0)
            continue;
          /* The export asks by file stem: <waybill> (sanitised) for the
           * first scan, <waybill>_<hhmmss> for later ones — the names
           * dc_esheet_plan() gives the files. */
          base = dc_sanitize_file_name (it.waybill);
          for (guint k = 0; k < it.n_scans; k++)
            {
              ExportEntry *e = g_new0 (ExportEntry, 1);
              char *stem;

              e->dock = g_strdup (dc_esheet_get_row_dock (esheet, it.rows[k]));
              e->scan_us = dc_esheet_get_row_time (esheet, it.rows[k]);
              if (k == 0)
                stem = g_strdup (base);
              else
                {
                  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (e->scan_us / G_USEC_PER_SEC);
                  g_autofree char *hms = dt ? g_date_time_format (dt, "%H%M%S") : g_strdup ("000000");

                  stem = g_strdup_printf ("%s_%s", base, hms);
                }
              /* the newest e-sheet wins for a waybill in two */
              g_hash_table_replace (table, stem, e);
            }
        }
    }
  dc_picture_page_set_export_lookup (self->pictures_page, export_lookup, table,
                                     (GDestroyNotify) g_hash_table_unref);
}

/* E-sheet import */

typedef struct
{
  char *path;
} ImportData;

static void
import_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(DcEsheet) esheet = dc_esheet_new ();
  DcEsheetImportOptions options;
  GError *error = NULL;

  dc_esheet_import_options_init (&options);
  if (dc_esheet_import_file (esheet, path, &options, &error))
    g_task_return_pointer (task, g_steal_pointer (&esheet), g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
import_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DcWindow *self = DC_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEsheet) esheet = g_task_propagate_pointer (G_TASK (result), &error);
  const char *path = g_task_get_task_data (G_TASK (result));

  self->pending_imports--;
  if (esheet == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *base = g_path_get_basename (path);
          g_autofree char *msg = g_strdup_printf (_("%s could not be opened: %s"), base, error->message);
          toast (self, msg);
        }
      return;
    }
  dc_session_add_esheet (self->session, esheet, path);
  dc_esheet_view_add_esheet (self->esheet_view, esheet);
  update_export_lookup (self);
  gtk_stack_set_visible_child_name (self->esheet_stack, "table");
  adw_view_stack_set_visible_child_name (self->stack, "esheet");
  {
    GPtrArray *rejects = dc_esheet_get_rejects (esheet);
    g_autofree char *msg = NULL;

    if (rejects && rejects->len > 0)
      {
        DcEsheetReject *r = g_ptr_array_index (rejects, 0);
        msg = g_strdup_printf (ngettext ("%s: %u row skipped (row %u, %s: %s)",
                                         "%s: %u rows skipped (first: row %u, %s: %s)", rejects->len),
                               dc_esheet_get_file_name (esheet), rejects->len, r->row,
                               r->column ? r->column : "", r->reason ? r->reason : "");
        toast (self, msg);
      }
  }
}

void
dc_window_open_file (DcWindow *self, GFile *file)
{
  g_autoptr(GTask) task = NULL;
  char *path = g_file_get_path (file);

  if (path == NULL)
    {
      toast (self, _("Only e-sheets on this computer can be opened."));
      return;
    }
  task = g_task_new (self, self->cancellable, import_done, NULL);
  g_task_set_task_data (task, path, g_free);
  self->pending_imports++;
  g_task_run_in_thread (task, import_thread);
}

static void
open_response (GtkNativeDialog *dialog, int response, DcWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) f = g_list_model_get_item (files, i);
          dc_window_open_file (self, f);
        }
    }
  g_object_unref (dialog);
}

static void
action_open_esheet (GtkWidget *widget, const char *name, GVariant *param)
{
  DcWindow *self = DC_WINDOW (widget);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Open E-sheets"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  gtk_file_filter_set_name (filter, _("E-sheets (CSV, XLSX, XLS)"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_filter_add_pattern (filter, "*.CSV");
  gtk_file_filter_add_pattern (filter, "*.xlsx");
  gtk_file_filter_add_pattern (filter, "*.XLSX");
  gtk_file_filter_add_pattern (filter, "*.xls");
  gtk_file_filter_add_pattern (filter, "*.XLS");
  gtk_file_filter_add_pattern (filter, "*.txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, DcWindow *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = files; l; l = l->next)
    dc_window_open_file (self, l->data);
  g_slist_free (files);
  return TRUE;
}

/* Output folder */

static void
output_response (GtkNativeDialog *dialog, int response, DcWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      char *path = dir ? g_file_get_path (dir) : NULL;
      /* the session's property is bound to GSettings: this saves it */
      if (path)
        g_object_set (self->session, "output-dir", path, NULL);
      g_free (path);
    }
  g_object_unref (dialog);
}

static void
action_choose_output (GtkWidget *widget, const char *name, GVariant *param)
{
  DcWindow *self = DC_WINDOW (widget);
  GtkFileChooserNative *dialog;
  const char *current = dc_session_get_out_dir (self->session);

  dialog = gtk_file_chooser_native_new (_("Where to Save Pictures and Clips"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"), _("_Cancel"));
  if (current && g_file_test (current, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) f = g_file_new_for_path (current);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), f, NULL);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (output_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
action_open_output_folder (GtkWidget *widget, const char *name, GVariant *param)
{
  DcWindow *self = DC_WINDOW (widget);
  const char *dir = dc_session_get_out_dir (self->session);
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL)
    return;
  g_mkdir_with_parents (dir, 0700);
  file = g_file_new_for_path (dir);
  uri = g_file_get_uri (file);
  if (!g_app_info_launch_default_for_uri (uri, NULL, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("No file manager could open %s."), dir);
      toast (self, msg);
    }
}

/* Downloads */

guint
dc_window_download (DcWindow *self, const char *dvr)
{
  DcEsheet *esheet = dc_esheet_view_get_esheet (self->esheet_view);
  g_autoptr(GError) error = NULL;
  guint queued;

  if (esheet == NULL)
    {
      toast (self, _("Open an e-sheet first."));
      return 0;
    }
  /* one rule for every Download button: nothing selected = every waybill */
  queued = dc_session_download (self->session, esheet, dvr, &error);
  if (queued == 0 && error)
    toast (self, error->message);
  return queued;
}

static void
action_download_all (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_window_download (DC_WINDOW (widget), NULL);
}

static void
action_download_dvr (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_window_download (DC_WINDOW (widget), g_variant_get_string (param, NULL));
}

static void
action_stop_all (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_downloader_panel_stop_all (DC_WINDOW (widget)->panel);
}

static void
action_stop_dvr (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_downloader_panel_stop_dvr (DC_WINDOW (widget)->panel, g_variant_get_string (param, NULL));
}

static void
action_pause_dvr (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_downloader_panel_pause_dvr (DC_WINDOW (widget)->panel, g_variant_get_string (param, NULL));
}

static void
on_job_changed (DcSession *session, DcJobItem *item, DcWindow *self)
{
  dc_esheet_view_job_changed (self->esheet_view, item);
}

/* The pictures go straight to the picture grid: the batch folder becomes
 * its newest recent folder, and opens when the grid shows nothing yet (the
 * grid follows the folder, so later pictures appear as they land). */
static void
on_picture_done (DcSession *session, const char *path, DcWindow *self)
{
  g_autofree char *folder = g_path_get_dirname (path);

  self->n_pictures++;
  if (g_strcmp0 (folder, self->last_picture_folder) == 0)
    return;
  g_free (self->last_picture_folder);
  self->last_picture_folder = g_strdup (folder);
  dc_picture_page_add_recent_folder (self->pictures_page, folder);
  if (g_strcmp0 (dc_picture_page_get_folder_path (self->pictures_page), folder) != 0)
    {
      g_autofree char *batch = g_path_get_basename (folder);

      dc_picture_page_set_folder (self->pictures_page, folder);
      /* so "Evidence report…" knows the e-sheet of these pictures */
      dc_picture_page_set_esheet_path (self->pictures_page,
                                       dc_session_get_esheet_path (self->session, batch));
    }
}

static void
on_run_finished (DcSession *session, DcWindow *self)
{
  guint done, failed, total;

  dc_downloader_panel_get_totals (self->panel, &done, &failed, &total);
  if (failed == 0 && done == total)
    {
      g_autofree char *msg = g_strdup_printf (ngettext ("%u download finished.", "%u downloads finished.", done), done);
      toast (self, msg);
    }
}

/* Demo: dc_demo_start() blocks for the simulators' first line, so it runs
 * in a worker; the window only sees the result. */

static void
demo_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "dockclip", "demo", NULL);
  GError *error = NULL;
  DcDemo *demo = dc_demo_start (dir, &error);

  if (demo)
    g_task_return_pointer (task, demo, (GDestroyNotify) dc_demo_stop);
  else
    g_task_return_error (task, error);
}

static void
demo_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DcWindow *self = DC_WINDOW (source);
  g_autoptr(GError) error = NULL;
  DcDemo *demo = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GFile) sheet = NULL;
  DcConfig *config;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.demo", TRUE);
  self->demo_starting = FALSE;
  if (demo == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      dc_demo_stop (demo);
      return;
    }
  config = dc_config_load (dc_demo_get_config_path (demo), &error);
  if (config == NULL)
    {
      toast (self, error->message);
      dc_demo_stop (demo);
      return;
    }
  if (self->demo)
    {
      dc_session_shutdown (self->session);
      dc_demo_stop (self->demo);
    }
  self->demo = demo;
  /* the demo writes into its own folder, not the operator's */
  dc_session_set_demo (self->session, dc_demo_get_out_dir (demo));
  dc_window_set_config (self, config, FALSE);
  sheet = g_file_new_for_path (dc_demo_get_esheet_path (demo));
  dc_window_open_file (self, sheet);
  toast (self, _("Demo: two simulated recorders are running on this computer. "
                 "Select waybills and press a recorder’s Download button."));
}

void
dc_window_start_demo (DcWindow *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->demo_starting)
    return;
  self->demo_starting = TRUE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.demo", FALSE);
  task = g_task_new (self, self->cancellable, demo_started, NULL);
  g_task_run_in_thread (task, demo_thread);
}

static void
action_demo (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_window_start_demo (DC_WINDOW (widget));
}

/* Other actions */

static void
action_dvr_settings (GtkWidget *widget, const char *name, GVariant *param)
{
  DcWindow *self = DC_WINDOW (widget);
  GtkWindow *dialog = GTK_WINDOW (dc_dvr_settings_window_new (self));

  gtk_window_present (dialog);
}

static void
action_find (GtkWidget *widget, const char *name, GVariant *param)
{
  DcWindow *self = DC_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "esheet");
  dc_esheet_view_focus_search (self->esheet_view);
}

static void
action_refresh (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_esheet_view_refresh (DC_WINDOW (widget)->esheet_view);
}

static void
action_select_all (GtkWidget *widget, const char *name, GVariant *param)
{
  DcWindow *self = DC_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  /* Ctrl+A in the search field selects its text, not the waybills. */
  if (focus && gtk_widget_get_ancestor (focus, GTK_TYPE_EDITABLE))
    {
      gtk_editable_select_region (GTK_EDITABLE (gtk_widget_get_ancestor (focus, GTK_TYPE_EDITABLE)), 0, -1);
      return;
    }
  gtk_selection_model_select_all (dc_esheet_view_get_order_selection (self->esheet_view));
}

static void
action_show_pictures (GtkWidget *widget, const char *name, GVariant *param)
{
  adw_view_stack_set_visible_child_name (DC_WINDOW (widget)->stack, "pictures");
}

static void
action_show_esheet (GtkWidget *widget, const char *name, GVariant *param)
{
  adw_view_stack_set_visible_child_name (DC_WINDOW (widget)->stack, "esheet");
}

static void
action_hide_update (GtkWidget *widget, const char *name, GVariant *param)
{
  gtk_revealer_set_reveal_child (DC_WINDOW (widget)->update_revealer, FALSE);
}

/* Closing */

void
dc_window_shutdown (DcWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  dc_session_shutdown (self->session);
  g_clear_pointer (&self->demo, dc_demo_stop);
}

static void
close_response (AdwMessageDialog *dialog, const char *response, DcWindow *self)
{
  if (g_str_equal (response, "stop"))
    {
      GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

      self->closing_confirmed = TRUE;
      dc_window_shutdown (self);
      if (self->quit_after_close && app != NULL)
        g_application_quit (app);
      else
        gtk_window_close (GTK_WINDOW (self));
    }
  self->quit_after_close = FALSE;
  self->quit_dialog = NULL;
}

static gboolean
ask_before_stopping (DcWindow *self)
{
  GtkWindow *window = GTK_WINDOW (self);
  GtkWidget *dialog;

  if (self->quit_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->quit_dialog));
      return TRUE;
    }
  dialog = adw_message_dialog_new (window, _("Stop the Downloads?"),
                                   _("Downloads are still running. Closing Dockclip stops them; "
                                     "“Download missing” fetches the rest next time."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Keep Downloading"), "stop", _("_Stop and Close"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response), self);
  self->quit_dialog = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static gboolean
dc_window_close_request (GtkWindow *window)
{
  DcWindow *self = DC_WINDOW (window);

  if (self->closing_confirmed || !dc_session_is_busy (self->session))
    {
      dc_window_shutdown (self);
      return GTK_WINDOW_CLASS (dc_window_parent_class)->close_request (window);
    }
  return ask_before_stopping (self);
}

gboolean
dc_window_request_quit (DcWindow *self)
{
  if (self->closing_confirmed || !dc_session_is_busy (self->session))
    return TRUE;
  /* Ctrl+Q and the menu's Quit ask like closing the window */
  self->quit_after_close = TRUE;
  ask_before_stopping (self);
  return FALSE;
}

GtkWidget *
dc_window_get_quit_dialog (DcWindow *self)
{
  return self->quit_dialog;
}

static void
dc_window_dispose (GObject *object)
{
  DcWindow *self = DC_WINDOW (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->session)
    {
      /* the work belongs to the session: a window of its own (tests) ends it */
      if (self->owns_session)
        dc_session_shutdown (self->session);
      g_signal_handlers_disconnect_by_data (self->session, self);
    }
  g_clear_pointer (&self->demo, dc_demo_stop);
  G_OBJECT_CLASS (dc_window_parent_class)->dispose (object);
}

static void
dc_window_finalize (GObject *object)
{
  DcWindow *self = DC_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_free (self->last_message);
  g_free (self->last_picture_folder);
  G_OBJECT_CLASS (dc_window_parent_class)->finalize (object);
}

static void
dc_window_class_init (DcWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = dc_window_dispose;
  object_class->finalize = dc_window_finalize;
  window_class->close_request = dc_window_close_request;

  g_type_ensure (DC_TYPE_ESHEET_VIEW);
  g_type_ensure (DC_TYPE_DOWNLOADER_PANEL);
  g_type_ensure (DC_TYPE_PICTURE_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dockclip/Dockclip/ui/dc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DcWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, esheet_stack);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, update_revealer);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, update_label);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, update_link);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, output_button_content);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, pictures_page);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, esheet_view);
  gtk_widget_class_bind_template_child (widget_class, DcWindow, panel);

  gtk_widget_class_install_action (widget_class, "win.open-esheet", NULL, action_open_esheet);
  gtk_widget_class_install_action (widget_class, "win.choose-output", NULL, action_choose_output);
  gtk_widget_class_install_action (widget_class, "win.open-output-folder", NULL, action_open_output_folder);
  gtk_widget_class_install_action (widget_class, "win.demo", NULL, action_demo);
  gtk_widget_class_install_action (widget_class, "win.dvr-settings", NULL, action_dvr_settings);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, action_find);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, action_refresh);
  gtk_widget_class_install_action (widget_class, "win.select-all", NULL, action_select_all);
  gtk_widget_class_install_action (widget_class, "win.download-all", NULL, action_download_all);
  gtk_widget_class_install_action (widget_class, "win.download-dvr", "s", action_download_dvr);
  gtk_widget_class_install_action (widget_class, "win.stop-all", NULL, action_stop_all);
  gtk_widget_class_install_action (widget_class, "win.stop-dvr", "s", action_stop_dvr);
  gtk_widget_class_install_action (widget_class, "win.pause-dvr", "s", action_pause_dvr);
  gtk_widget_class_install_action (widget_class, "win.show-pictures", NULL, action_show_pictures);
  gtk_widget_class_install_action (widget_class, "win.show-esheet", NULL, action_show_esheet);
  gtk_widget_class_install_action (widget_class, "win.hide-update", NULL, action_hide_update);
}

static void
dc_window_init (DcWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  /* the templates' tooltips (window, table, panel, picture grid) */
  dc_tooltip_install_tree (GTK_WIDGET (self));
}

static void selection_changed (DcWindow *self);

static void
esheet_replaced (DcEsheetView *view, DcEsheet *old, DcEsheet *copy, DcWindow *self)
{
  dc_session_replace_esheet (self->session, old, copy);
  update_export_lookup (self);
  selection_changed (self);
}

/* Nothing to stop when nothing runs: the ✕ is disabled, not a no-op. */
static void
busy_changed (DcWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop-all", dc_session_is_busy (self->session));
}

static void
selection_changed (DcWindow *self)
{
  DcEsheet *esheet = dc_esheet_view_get_esheet (self->esheet_view);

  /* counted in downloads (scans), what the button will queue */
  dc_downloader_panel_set_selection (self->panel, esheet ? dc_esheet_get_n_selected (esheet) : 0,
                                     esheet ? dc_esheet_get_n_rows (esheet) : 0);
}

DcWindow *
dc_window_new (DcApplication *app)
{
  DcWindow *self = g_object_new (DC_TYPE_WINDOW, "application", app, NULL);
  const char * const *paths;

  if (app != NULL)
    self->session = g_object_ref (dc_application_get_session (app));
  else
    {
      g_autoptr(GError) error = NULL;

      self->session = dc_session_new ();
      self->owns_session = TRUE;
      if (!dc_session_load_config (self->session, &error))
        toast (self, error->message);
    }
  if (dc_session_get_config (self->session) == NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!dc_session_load_config (self->session, &error))
        toast (self, error->message);
    }
  g_signal_connect (self->session, "config-changed", G_CALLBACK (session_config_changed), self);
  g_signal_connect_swapped (self->session, "notify::output-dir", G_CALLBACK (update_output_button), self);
  g_signal_connect (self->session, "job-changed", G_CALLBACK (on_job_changed), self);
  g_signal_connect (self->session, "picture-done", G_CALLBACK (on_picture_done), self);
  g_signal_connect (self->session, "run-finished", G_CALLBACK (on_run_finished), self);
  g_signal_connect_swapped (self->session, "notify::busy", G_CALLBACK (busy_changed), self);
  busy_changed (self);
  g_signal_connect_swapped (dc_esheet_view_get_order_selection (self->esheet_view), "selection-changed",
                            G_CALLBACK (selection_changed), self);
  g_signal_connect_swapped (dc_esheet_view_get_order_selection (self->esheet_view), "items-changed",
                            G_CALLBACK (selection_changed), self);
  g_signal_connect (self->esheet_view, "esheet-replaced", G_CALLBACK (esheet_replaced), self);
  dc_esheet_view_set_session (self->esheet_view, self->session);
  dc_downloader_panel_set_session (self->panel, self->session);
  session_config_changed (self->session, self);
  selection_changed (self);

  /* the e-sheets of the last session come back, with what is on disk */
  paths = dc_session_get_open_paths (self->session);
  if (g_list_model_get_n_items (dc_session_get_esheets (self->session)) == 0)
    for (guint i = 0; paths && paths[i]; i++)
      if (g_file_test (paths[i], G_FILE_TEST_IS_REGULAR))
        {
          g_autoptr(GFile) f = g_file_new_for_path (paths[i]);
          dc_window_open_file (self, f);
        }
  return self;
}
