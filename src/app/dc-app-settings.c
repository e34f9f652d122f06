#define G_LOG_DOMAIN "dc-app-settings"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "util/dc-file-util.h"

#include "dc-app-settings.h"

char *
dc_app_settings_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "dockclip", NULL);
}

char *
dc_app_settings_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "dockclip", "settings.ini", NULL);
}

char *
dc_app_settings_config_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "dockclip", "dvrs.conf", NULL);
}

DcAppSettings *
dc_app_settings_new_default (void)
{
  DcAppSettings *self = g_new0 (DcAppSettings, 1);
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  self->output_dir = g_build_filename (pictures ? pictures : g_get_home_dir (), "Dockclip", NULL);
  self->pre_s = 30;
  self->post_s = 30;
  self->check_first = TRUE;
  self->update_url = g_strdup (DC_DEFAULT_UPDATE_URL);
  self->mode = DC_OUTPUT_PICTURE;
  return self;
}

DcAppSettings *
dc_app_settings_load (const char *path)
{
  DcAppSettings *self = dc_app_settings_new_default ();
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  char *s;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Ignoring the settings in %s: %s", path, error->message);
      return self;
    }
  if ((s = g_key_file_get_string (kf, "output", "folder", NULL)) && *s)
    g_free (g_steal_pointer (&self->output_dir)), self->output_dir = s;
  else
    g_free (s);
  if (g_key_file_has_key (kf, "output", "pre", NULL))
    self->pre_s = CLAMP (g_key_file_get_integer (kf, "output", "pre", NULL), 0, 3600);
  if (g_key_file_has_key (kf, "output", "post", NULL))
    self->post_s = CLAMP (g_key_file_get_integer (kf, "output", "post", NULL), 0, 3600);
  if (g_key_file_has_key (kf, "output", "check-first", NULL))
    self->check_first = g_key_file_get_boolean (kf, "output", "check-first", NULL);
  if ((s = g_key_file_get_string (kf, "output", "mode", NULL)))
    {
      DcOutputMode m;
      if (dc_output_mode_from_string (s, &m))
        self->mode = m;
      g_free (s);
    }
  if ((s = g_key_file_get_string (kf, "update", "url", NULL)))
    g_free (g_steal_pointer (&self->update_url)), self->update_url = s;
  return self;
}

static const char *
mode_to_string (DcOutputMode mode)
{
  switch ((int) mode)
    {
    case DC_OUTPUT_CLIP: return "clip";
    case DC_OUTPUT_BOTH: return "both";
    default: return "picture";
    }
}

gboolean
dc_app_settings_save (const DcAppSettings *self, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize len;

  g_key_file_set_string (kf, "output", "folder", self->output_dir ? self->output_dir : "");
  g_key_file_set_integer (kf, "output", "pre", self->pre_s);
  g_key_file_set_integer (kf, "output", "post", self->post_s);
  g_key_file_set_boolean (kf, "output", "check-first", self->check_first);
  g_key_file_set_string (kf, "output", "mode", mode_to_string (self->mode));
  g_key_file_set_string (kf, "update", "url", self->update_url ? self->update_url : "");
  data = g_key_file_to_data (kf, &len, NULL);
  if (!dc_ensure_private_dir (dir, error))
    return FALSE;
  return dc_write_file_atomic (path, data, len, 0600, error);
}

void
dc_app_settings_free (DcAppSettings *self)
{
  if (self == NULL)
    return;
  g_free (self->output_dir);
  g_free (self->update_url);
  g_free (self);
}
