/* dc-preferences-window.h: output folder, clip padding, check before
 * download, default output, update address. */
#pragma once

#include <adwaita.h>

#include "dc-application.h"

G_BEGIN_DECLS

#define DC_TYPE_PREFERENCES_WINDOW (dc_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (DcPreferencesWindow, dc_preferences_window, DC, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

DcPreferencesWindow *dc_preferences_window_new (DcApplication *app, GtkWindow *parent);

G_END_DECLS
