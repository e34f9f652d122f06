#define G_LOG_DOMAIN "dc-splash"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-splash-window.h"

struct _DcSplashWindow
{
  GtkWindow  parent_instance;

  GtkLabel  *status;
  GtkLabel  *version;
};

G_DEFINE_FINAL_TYPE (DcSplashWindow, dc_splash_window, GTK_TYPE_WINDOW)

static void
dc_splash_window_class_init (DcSplashWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dockclip/Dockclip/ui/dc-splash-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DcSplashWindow, status);
  gtk_widget_class_bind_template_child (widget_class, DcSplashWindow, version);
}

static void
dc_splash_window_init (DcSplashWindow *self)
{
  g_autofree char *v = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  v = g_strdup_printf (_("Version %s"), PACKAGE_VERSION);
  gtk_label_set_text (self->version, v);
}

DcSplashWindow *
dc_splash_window_new (GtkApplication *app)
{
  return g_object_new (DC_TYPE_SPLASH_WINDOW, "application", app, NULL);
}

void
dc_splash_window_set_status (DcSplashWindow *self, const char *text)
{
  g_return_if_fail (DC_IS_SPLASH_WINDOW (self));
  gtk_label_set_text (self->status, text);
}
