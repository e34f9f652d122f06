/* dc-application.h: the single-instance application: splash and update
 * check, main window, preferences, demo, clean quit (SIGTERM, Ctrl+Q). */
#pragma once

#include <adwaita.h>

#include "dc-app-settings.h"
#include "dc-session.h"

G_BEGIN_DECLS

#define DC_TYPE_APPLICATION (dc_application_get_type ())
G_DECLARE_FINAL_TYPE (DcApplication, dc_application, DC, APPLICATION, AdwApplication)

DcApplication *dc_application_new            (void);
DcAppSettings *dc_application_get_settings   (DcApplication *self);
/* The day's work (config, e-sheets, engine, jobs). */
DcSession     *dc_application_get_session    (DcApplication *self);
/* The operator's settings; NULL when the schema is not installed. */
GSettings     *dc_application_get_gsettings  (DcApplication *self);
void           dc_application_save_settings  (DcApplication *self);
/* The build tree's po/ when run uninstalled, else LOCALEDIR. */
const char    *dc_application_locale_dir     (void);

G_END_DECLS
