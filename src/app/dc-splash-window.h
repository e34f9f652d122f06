/* dc-splash-window.h: shown at once while the update check runs. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DC_TYPE_SPLASH_WINDOW (dc_splash_window_get_type ())
G_DECLARE_FINAL_TYPE (DcSplashWindow, dc_splash_window, DC, SPLASH_WINDOW, GtkWindow)

DcSplashWindow *dc_splash_window_new        (GtkApplication *app);
void            dc_splash_window_set_status (DcSplashWindow *self, const char *text);

G_END_DECLS
