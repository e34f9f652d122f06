/* dc-application.h: the single-instance application: splash and update
 * check, main window, preferences, demo, clean quit (SIGTERM, Ctrl+Q). */
#pragma once

#include <adwaita.h>

#include "dc-app-settings.h"

G_BEGIN_DECLS

#define DC_TYPE_APPLICATION (dc_application_get_type ())
G_DECLARE_FINAL_TYPE (DcApplication, dc_application, DC, APPLICATION, AdwApplication)

DcApplication *dc_application_new            (void);
DcAppSettings *dc_application_get_settings   (DcApplication *self);
void           dc_application_save_settings  (DcApplication *self);
/* The build tree's po/ when run uninstalled, else LOCALEDIR. */
const char    *dc_application_locale_dir     (void);

G_END_DECLS
