#define G_LOG_DOMAIN "dc-app"

#include "config.h"

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <glib-unix.h>
#include <signal.h>
#endif

#include "update/dc-update.h"

#include "dc-application.h"
#include "dc-renderer.h"
#include "dc-preferences-window.h"
#include "dc-splash-window.h"
#include "dc-window.h"

struct _DcApplication
{
  AdwApplication  parent_instance;

  DcSession      *session;         /* the day's work: outlives any window */
  GSettings      *gsettings;       /* NULL when the schema is not installed */
  DcSplashWindow *splash;
  DcWindow       *window;
  GCancellable   *update_cancellable;
  DcUpdateInfo   *update;          /* a newer version, when found */
  guint           splash_timeout;
  guint           sigterm_source;
  guint           sigint_source;
  gboolean        demo_requested;
  gboolean        no_update_check;
  GPtrArray      *pending_files;   /* GFile*: opened once the window exists */
};

G_DEFINE_FINAL_TYPE (DcApplication, dc_application, ADW_TYPE_APPLICATION)

const char *
dc_application_locale_dir (void)
{
  static char *dir = NULL;

  if (g_once_init_enter (&dir))
    {
      /* Uninstalled: meson builds the catalogues into <build>/po/. */
      g_autofree char *built = g_build_filename (DC_BUILD_ROOT, "po", NULL);
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      char *result;

      if (exe != NULL && g_str_has_prefix (exe, DC_BUILD_ROOT) &&
          g_file_test (built, G_FILE_TEST_IS_DIR))
        result = g_steal_pointer (&built);
      else
        result = g_strdup (LOCALEDIR);
      g_once_init_leave (&dir, result);
    }
  return dir;
}

DcAppSettings *
dc_application_get_settings (DcApplication *self)
{
  g_return_val_if_fail (DC_IS_APPLICATION (self), NULL);
  return dc_session_get_settings (self->session);
}

void
dc_application_save_settings (DcApplication *self)
{
  /* bound to GSettings: written when changed */
  if (self->gsettings)
    g_settings_sync ();
}

DcSession *
dc_application_get_session (DcApplication *self)
{
  g_return_val_if_fail (DC_IS_APPLICATION (self), NULL);
  return self->session;
}

GSettings *
dc_application_get_gsettings (DcApplication *self)
{
  g_return_val_if_fail (DC_IS_APPLICATION (self), NULL);
  return self->gsettings;
}

static char *
update_url (DcApplication *self)
{
  if (self->gsettings == NULL)
    return g_strdup (DC_DEFAULT_UPDATE_URL);
  return g_settings_get_string (self->gsettings, "update-url");
}

/* The operator's settings live in GSettings; the session's properties
 * follow them both ways.  The recorders stay in the key file the command
 * line shares. */
static void
bind_settings (DcApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE)
                                             : NULL;
  static const char *keys[] = {
    "output-dir", "pre-seconds", "post-seconds", "check-first", "mode", "open-esheets",
  };

  if (schema == NULL)
    {
      g_message ("The settings schema %s is not installed: settings are not kept", APPLICATION_ID);
      return;
    }
  self->gsettings = g_settings_new_full (schema, NULL, NULL);
  /* the key names are the session's property names */
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_bind (self->gsettings, keys[i], self->session, keys[i], G_SETTINGS_BIND_DEFAULT);
}

static void
open_main_window (DcApplication *self)
{
  if (self->window == NULL)
    {
      self->window = dc_window_new (self);
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      if (self->update != NULL)
        dc_window_show_update (self->window, self->update);
    }
  gtk_window_present (GTK_WINDOW (self->window));
  g_clear_handle_id (&self->splash_timeout, g_source_remove);
  if (self->splash != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (self->splash));
      self->splash = NULL;
    }
  if (self->demo_requested)
    {
      self->demo_requested = FALSE;
      dc_window_start_demo (self->window);
    }
  for (guint i = 0; self->pending_files && i < self->pending_files->len; i++)
    dc_window_open_file (self->window, g_ptr_array_index (self->pending_files, i));
  g_clear_pointer (&self->pending_files, g_ptr_array_unref);
}

static gboolean
splash_timeout_cb (gpointer user_data)
{
  DcApplication *self = user_data;

  self->splash_timeout = 0;
  open_main_window (self);
  return G_SOURCE_REMOVE;
}

static void
update_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(DcApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcUpdateInfo) info = dc_update_check_finish (result, &error);

  if (info == NULL)
    {
      /* Offline or a bad manifest: say nothing to the operator. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Update check: %s", error->message);
    }
  else if (dc_update_compare_versions (info->version, PACKAGE_VERSION) > 0)
    {
      self->update = g_steal_pointer (&info);
      if (self->window != NULL)
        dc_window_show_update (self->window, self->update);
    }
  if (self->splash != NULL)
    open_main_window (self);
}

static void
dc_application_activate (GApplication *app)
{
  DcApplication *self = DC_APPLICATION (app);
  g_autofree char *url = update_url (self);

  if (self->window != NULL)
    {
      open_main_window (self);
      return;
    }
  if (self->splash != NULL)
    return;

  if (self->no_update_check || url == NULL || *url == '\0')
    {
      open_main_window (self);
      return;
    }
  self->splash = dc_splash_window_new (GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (self->splash));
  self->update_cancellable = g_cancellable_new ();
  dc_update_check_async (url, DC_UPDATE_DEFAULT_TIMEOUT_MS, self->update_cancellable,
                         update_checked_cb, g_object_ref (self));
  /* Whatever the network does, the operator waits at most two seconds. */
  self->splash_timeout = g_timeout_add (DC_UPDATE_DEFAULT_TIMEOUT_MS, splash_timeout_cb, self);
}

static void
dc_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  DcApplication *self = DC_APPLICATION (app);

  if (self->pending_files == NULL)
    self->pending_files = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < n_files; i++)
    g_ptr_array_add (self->pending_files, g_object_ref (files[i]));
  if (self->window != NULL)
    open_main_window (self);
  else
    dc_application_activate (app);
}

static int
dc_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  DcApplication *self = DC_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("dockclip %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "demo"))
    self->demo_requested = TRUE;
  if (g_variant_dict_contains (options, "no-update-check"))
    self->no_update_check = TRUE;
  return -1;
}

#ifdef G_OS_UNIX
static gboolean
on_unix_signal (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
  return G_SOURCE_CONTINUE;
}
#endif

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DcApplication *self = user_data;

  /* mid-run, the main window asks first (and quits if the operator agrees) */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (DC_IS_WINDOW (l->data) && !dc_window_request_quit (l->data))
      return;
  g_application_quit (G_APPLICATION (self));
}

static void
preferences_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DcApplication *self = user_data;
  GtkWindow *win;

  if (self->window == NULL)
    return;
  win = GTK_WINDOW (dc_preferences_window_new (self, GTK_WINDOW (self->window)));
  gtk_window_present (win);
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DcApplication *self = user_data;
  const char *developers[] = { "Dockclip contributors", NULL };
  AdwAboutWindow *about;

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  g_object_set (about,
                "application-name", _("Dockclip"),
                "application-icon", APPLICATION_ID,
                "version", PACKAGE_VERSION,
                "developers", developers,
                "license-type", GTK_LICENSE_GPL_3_0,
                "comments", _("Download the dock camera’s picture or clip for every waybill scan"),
                "translator-credits", _("translator-credits"),
                NULL);
  if (self->window)
    gtk_window_set_transient_for (GTK_WINDOW (about), GTK_WINDOW (self->window));
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "preferences", preferences_activated },
  { "about", about_activated },
};

static void
dc_application_startup (GApplication *app)
{
  DcApplication *self = DC_APPLICATION (app);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.open-esheet", { "<Control>o", NULL } },
    { "win.find", { "<Control>f", NULL } },
    { "win.refresh", { "F5", NULL } },
    { "win.dvr-settings", { "<Control>d", NULL } },
    { "win.download-all", { "<Control>Return", NULL } },
    { "win.stop-all", { "<Control>period", NULL } },
    { "win.select-all", { "<Control>a", NULL } },
    { "win.show-pictures", { "<Alt>2", NULL } },
    { "win.show-esheet", { "<Alt>1", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
  };

  G_APPLICATION_CLASS (dc_application_parent_class)->startup (app);
  /* desktops other than GNOME take the window's icon from here, not from
   * the .desktop file */
  gtk_window_set_default_icon_name (APPLICATION_ID);
  /* before the splash, the first window */
  dc_renderer_choose (gdk_display_get_default ());

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action,
                                           accels[i].accels);
#ifdef G_OS_UNIX
  self->sigterm_source = g_unix_signal_add (SIGTERM, on_unix_signal, self);
  self->sigint_source = g_unix_signal_add (SIGINT, on_unix_signal, self);
#endif
}

static void
dc_application_shutdown (GApplication *app)
{
  DcApplication *self = DC_APPLICATION (app);

  g_cancellable_cancel (self->update_cancellable);
  g_clear_handle_id (&self->splash_timeout, g_source_remove);
  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);
  /* Cancel and join every download worker and stop the demo recorders
   * before the windows go away. */
  if (self->window != NULL)
    {
      dc_window_shutdown (self->window);
      gtk_window_destroy (GTK_WINDOW (self->window));
    }
  dc_session_shutdown (self->session);
  if (self->splash != NULL)
    gtk_window_destroy (GTK_WINDOW (self->splash));
  self->splash = NULL;

  G_APPLICATION_CLASS (dc_application_parent_class)->shutdown (app);
}

static void
dc_application_finalize (GObject *object)
{
  DcApplication *self = DC_APPLICATION (object);

  g_clear_object (&self->update_cancellable);
  g_clear_pointer (&self->update, dc_update_info_free);
  g_clear_object (&self->gsettings);
  g_clear_object (&self->session);
  g_clear_pointer (&self->pending_files, g_ptr_array_unref);
  G_OBJECT_CLASS (dc_application_parent_class)->finalize (object);
}

static void
dc_application_class_init (DcApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = dc_application_finalize;
  app_class->activate = dc_application_activate;
  app_class->open = dc_application_open;
  app_class->startup = dc_application_startup;
  app_class->shutdown = dc_application_shutdown;
  app_class->handle_local_options = dc_application_handle_local_options;
}

static void
dc_application_init (DcApplication *self)
{
  static const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open straight into the demo (simulated recorders on this computer)"), NULL },
    { "no-update-check", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Do not look for a newer version at start-up"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { NULL }
  };
  self->session = dc_session_new ();
  bind_settings (self);
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[E-SHEET…]"));
}

DcApplication *
dc_application_new (void)
{
  return g_object_new (DC_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/dockclip/Dockclip",
                       NULL);
}
