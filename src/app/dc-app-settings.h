/* dc-app-settings.h: the operator's preferences as the session holds them
 * (the application binds them to GSettings, see dc-session.h), and where
 * the DVR/dock key file lives (shared with the command line). */
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

char          *dc_app_settings_config_path (void);   /* the DVR/dock key file */
DcAppSettings *dc_app_settings_new_default (void);
void           dc_app_settings_free        (DcAppSettings *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcAppSettings, dc_app_settings_free)

G_END_DECLS
