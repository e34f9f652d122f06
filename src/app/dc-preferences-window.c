#define G_LOG_DOMAIN "dc-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-preferences-window.h"
#include "dc-window.h"

struct _DcPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  DcApplication        *app;
  AdwActionRow         *folder_row;
  GtkSpinButton        *pre;
  GtkSpinButton        *post;
  GtkSwitch            *check_first;
  AdwComboRow          *mode_row;
  AdwEntryRow          *update_row;
};

G_DEFINE_FINAL_TYPE (DcPreferencesWindow, dc_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
save (DcPreferencesWindow *self)
{
  DcAppSettings *s = dc_application_get_settings (self->app);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  guint mode = adw_combo_row_get_selected (self->mode_row);

  s->pre_s = gtk_spin_button_get_value_as_int (self->pre);
  s->post_s = gtk_spin_button_get_value_as_int (self->post);
  s->check_first = gtk_switch_get_active (self->check_first);
  s->mode = mode == 1 ? DC_OUTPUT_CLIP : mode == 2 ? DC_OUTPUT_BOTH : DC_OUTPUT_PICTURE;
  g_free (s->update_url);
  s->update_url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->update_row))));
  dc_application_save_settings (self->app);
  if (parent && DC_IS_WINDOW (parent))
    dc_window_settings_changed (DC_WINDOW (parent));
}

static gboolean
close_request (GtkWindow *window)
{
  save (DC_PREFERENCES_WINDOW (window));
  return GTK_WINDOW_CLASS (dc_preferences_window_parent_class)->close_request (window);
}

static void
folder_response (GtkNativeDialog *dialog, int response, DcPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      DcAppSettings *s = dc_application_get_settings (self->app);
      char *path = dir ? g_file_get_path (dir) : NULL;

      if (path)
        {
          g_free (s->output_dir);
          s->output_dir = path;
          adw_action_row_set_subtitle (self->folder_row, path);
        }
    }
  g_object_unref (dialog);
}

static void
choose_folder (GtkButton *button, DcPreferencesWindow *self)
{
  GtkFileChooserNative *dialog =
    gtk_file_chooser_native_new (_("Where to Save Pictures and Clips"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static GtkSpinButton *
spin_row (AdwPreferencesGroup *group, const char *title, const char *subtitle, int value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 600, 5);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (group, row);
  return GTK_SPIN_BUTTON (spin);
}

static void
dc_preferences_window_class_init (DcPreferencesWindowClass *klass)
{
  GTK_WINDOW_CLASS (klass)->close_request = close_request;
}

static void
dc_preferences_window_init (DcPreferencesWindow *self)
{
}

DcPreferencesWindow *
dc_preferences_window_new (DcApplication *app, GtkWindow *parent)
{
  DcPreferencesWindow *self = g_object_new (DC_TYPE_PREFERENCES_WINDOW,
                                            "transient-for", parent,
                                            "modal", TRUE,
                                            "search-enabled", FALSE,
                                            "default-width", 560,
                                            "default-height", 560,
                                            NULL);
  DcAppSettings *s = dc_application_get_settings (app);
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *out = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *dl = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *upd = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *button, *row;
  g_autoptr(GtkStringList) modes = gtk_string_list_new (NULL);

  self->app = app;
  adw_preferences_page_set_title (page, _("General"));
  adw_preferences_page_set_icon_name (page, "preferences-system-symbolic");

  adw_preferences_group_set_title (out, _("Output"));
  self->folder_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->folder_row), _("Output folder"));
  adw_action_row_set_subtitle (self->folder_row, s->output_dir);
  button = gtk_button_new_from_icon_name ("folder-open-symbolic");
  gtk_widget_set_tooltip_text (button, _("Choose the output folder"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect (button, "clicked", G_CALLBACK (choose_folder), self);
  adw_action_row_add_suffix (self->folder_row, button);
  adw_preferences_group_add (out, GTK_WIDGET (self->folder_row));

  gtk_string_list_append (modes, _("Picture"));
  gtk_string_list_append (modes, _("Video clip"));
  gtk_string_list_append (modes, _("Picture and clip"));
  self->mode_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->mode_row), _("Save by default"));
  adw_combo_row_set_model (self->mode_row, G_LIST_MODEL (modes));
  adw_combo_row_set_selected (self->mode_row, s->mode == DC_OUTPUT_CLIP ? 1 : s->mode == DC_OUTPUT_BOTH ? 2 : 0);
  adw_preferences_group_add (out, GTK_WIDGET (self->mode_row));

  adw_preferences_group_set_title (dl, _("Downloads"));
  self->pre = spin_row (dl, _("Seconds before the scan"), _("Start of the video clip"), s->pre_s);
  self->post = spin_row (dl, _("Seconds after the scan"), _("End of the video clip"), s->post_s);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Check the recording first"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("Ask the recorder whether it recorded the scan time before downloading"));
  self->check_first = GTK_SWITCH (gtk_switch_new ());
  gtk_switch_set_active (self->check_first, s->check_first);
  gtk_widget_set_valign (GTK_WIDGET (self->check_first), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->check_first));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (self->check_first));
  adw_preferences_group_add (dl, row);

  adw_preferences_group_set_title (upd, _("Updates"));
  adw_preferences_group_set_description (upd, _("At start-up Dockclip reads this address to tell you "
                                                "about a newer version. Leave it empty to never check."));
  self->update_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->update_row), _("Update address"));
  gtk_editable_set_text (GTK_EDITABLE (self->update_row), s->update_url ? s->update_url : "");
  adw_preferences_group_add (upd, GTK_WIDGET (self->update_row));

  adw_preferences_page_add (page, out);
  adw_preferences_page_add (page, dl);
  adw_preferences_page_add (page, upd);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
  return self;
}
