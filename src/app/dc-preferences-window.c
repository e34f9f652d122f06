#define G_LOG_DOMAIN "dc-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-preferences-window.h"
#include "dc-window.h"
#include "dc-tooltip.h"

struct _DcPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  DcSession            *session;
  AdwActionRow         *folder_row;
  GtkSpinButton        *pre;
  GtkSpinButton        *post;
  GtkSwitch            *check_first;
  AdwComboRow          *mode_row;
  AdwEntryRow          *update_row;
};

G_DEFINE_FINAL_TYPE (DcPreferencesWindow, dc_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
folder_response (GtkNativeDialog *dialog, int response, DcPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = dir ? g_file_get_path (dir) : NULL;

      /* the session's property, bound to GSettings: the row follows */
      if (path)
        g_object_set (self->session, "output-dir", path, NULL);
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
dc_preferences_window_finalize (GObject *object)
{
  g_clear_object (&DC_PREFERENCES_WINDOW (object)->session);
  G_OBJECT_CLASS (dc_preferences_window_parent_class)->finalize (object);
}

static void
dc_preferences_window_class_init (DcPreferencesWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_preferences_window_finalize;
}

static const char *modes[] = { "picture", "clip", "both" };

static gboolean
mode_get (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *mode = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    if (g_str_equal (mode, modes[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
mode_set (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint i = g_value_get_uint (value);

  return g_variant_new_string (modes[i < G_N_ELEMENTS (modes) ? i : 0]);
}

static gboolean
mode_to_selected (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new_string (g_value_get_string (from)));
  return mode_get (to, v, NULL);
}

static gboolean
selected_to_mode (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  g_autoptr(GVariant) v = g_variant_ref_sink (mode_set (from, NULL, NULL));
  g_value_set_string (to, g_variant_get_string (v, NULL));
  return TRUE;
}

/* The widgets show GSettings (the session follows it); without the
 * schema (a build tree without it), the session's properties directly. */
static void
bind_widgets (DcPreferencesWindow *self, GSettings *settings)
{
  GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_object_bind_property (self->session, "output-dir", self->folder_row, "subtitle", G_BINDING_SYNC_CREATE);
  if (settings != NULL)
    {
      g_settings_bind (settings, "pre-seconds", self->pre, "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "post-seconds", self->post, "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "check-first", self->check_first, "active", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "update-url", self->update_row, "text", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind_with_mapping (settings, "mode", self->mode_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                    mode_get, mode_set, NULL, NULL);
      return;
    }
  g_object_bind_property (self->session, "pre-seconds", self->pre, "value", flags);
  g_object_bind_property (self->session, "post-seconds", self->post, "value", flags);
  g_object_bind_property (self->session, "check-first", self->check_first, "active", flags);
  g_object_bind_property_full (self->session, "mode", self->mode_row, "selected", flags,
                               mode_to_selected, selected_to_mode, NULL, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->update_row), FALSE);
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
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *out = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *dl = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *upd = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *button, *row;
  g_autoptr(GtkStringList) modes = gtk_string_list_new (NULL);

  self->session = g_object_ref (dc_application_get_session (app));
  adw_preferences_page_set_title (page, _("General"));
  adw_preferences_page_set_icon_name (page, "preferences-system-symbolic");

  adw_preferences_group_set_title (out, _("Output"));
  self->folder_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->folder_row), _("Output folder"));
  button = gtk_button_new_from_icon_name ("folder-open-symbolic");
  dc_tooltip_set_text (button, _("Choose the output folder"));
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
  adw_preferences_group_add (out, GTK_WIDGET (self->mode_row));

  adw_preferences_group_set_title (dl, _("Downloads"));
  self->pre = spin_row (dl, _("Seconds before the scan"), _("Start of the video clip"), 30);
  self->post = spin_row (dl, _("Seconds after the scan"), _("End of the video clip"), 30);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Check the recording first"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("Ask the recorder whether it recorded the scan time before downloading"));
  self->check_first = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->check_first), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->check_first));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (self->check_first));
  adw_preferences_group_add (dl, row);

  adw_preferences_group_set_title (upd, _("Updates"));
  adw_preferences_group_set_description (upd, _("At start-up Dockclip reads this address to tell you "
                                                "about a newer version. Leave it empty to never check."));
  self->update_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->update_row), _("Update address"));
  adw_preferences_group_add (upd, GTK_WIDGET (self->update_row));

  adw_preferences_page_add (page, out);
  adw_preferences_page_add (page, dl);
  adw_preferences_page_add (page, upd);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
  bind_widgets (self, dc_application_get_gsettings (app));
  return self;
}
