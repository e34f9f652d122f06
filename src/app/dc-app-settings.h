/* dc-app-settings.h: the operator's preferences, in a key file next to the
 * DVR configuration (g_get_user_config_dir()/dockclip/settings.ini).  A key
 * file rather than GSettings so the app runs straight from the build tree. */
#pragma once

#include <glib.h>

#include "download/dc-download-request.h"

G_BEGIN_DECLS

#define DC_DEFAULT_UPDATE_URL "https://dockclip.github.io/update.json"

typedef struct
{
  char         *output_dir;    /* where pictures and clips go */
  int           pre_s;         /* clip padding before the scan */
  int           post_s;        /* after */
  gboolean      check_first;   /* search the recording before downloading */
  char         *update_url;    /* "" disables the update check */
  DcOutputMode  mode;          /* picture (default), clip or both */
} DcAppSettings;

/* The folder of settings.ini and dvrs.conf. */
char          *dc_app_settings_dir         (void);
char          *dc_app_settings_config_path (void);   /* the DVR/dock key file */
DcAppSettings *dc_app_settings_new_default (void);
/* Missing or broken file: defaults (never fails). */
DcAppSettings *dc_app_settings_load        (const char *path);
gboolean       dc_app_settings_save        (const DcAppSettings *self, const char *path,
                                            GError **error);
char          *dc_app_settings_default_path (void);
void           dc_app_settings_free        (DcAppSettings *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcAppSettings, dc_app_settings_free)

G_END_DECLS
