#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean    dc_gl_renderer_is_software      (const char *gl_renderer);
const char *dc_renderer_choose              (GdkDisplay *display);

G_END_DECLS
