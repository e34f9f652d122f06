#define G_LOG_DOMAIN "dc-app-settings"

#include "config.h"

#include <glib.h>

#include "dc-app-settings.h"

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

void
dc_app_settings_free (DcAppSettings *self)
{
  if (self == NULL)
    return;
  g_free (self->output_dir);
  g_free (self->update_url);
  g_free (self);
}
