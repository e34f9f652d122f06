#define G_LOG_DOMAIN "dc-renderer"

#include "config.h"

#include <string.h>

#include <epoxy/gl.h>

#include "dc-renderer.h"

/* Which GSK renderer draws the windows.
 *
 * GTK 4.8 draws with OpenGL whenever a context can be made, also when the
 * only OpenGL is Mesa's software rasteriser (llvmpipe): a PC without GPU
 * drivers, a virtual machine, a remote session — common at warehouse
 * desks.  There every frame is rasterised on the CPU through a GL
 * emulation: measured with 64 transfers (bench/app), 5–20 ms of the main
 * thread per frame and two rasteriser threads taking a sixth of the
 * process, against ~2 ms with the cairo renderer.  GTK 4.14 made the same
 * choice itself ("Don't use gpu renderers with llvmpipe"); this does it
 * for the GTK that Debian 12 ships.  GSK_RENDERER set by the user wins. */

/* @gl_renderer: the GL_RENDERER string of a context. */
gboolean
dc_gl_renderer_is_software (const char *gl_renderer)
{
  static const char *const software[] = {
    "llvmpipe", "softpipe", "swrast", "Software Rasterizer", "SwiftShader", "GDI Generic",
  };

  if (gl_renderer == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (software); i++)
    if (strstr (gl_renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* Call before the first window is realised (GTK reads GSK_RENDERER once,
 * when it makes the first renderer).  Returns the GL_RENDERER string that
 * decided it ("" when there is no GL or it was not asked), for the log. */
const char *
dc_renderer_choose (GdkDisplay *display)
{
  static char *seen;
#if !GTK_CHECK_VERSION (4, 13, 8)
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  if (seen != NULL)
    return seen;
  seen = g_strdup ("");
  if (display == NULL || g_getenv ("GSK_RENDERER") != NULL)
    return seen;
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      /* no GL at all: GTK falls back to cairo by itself */
      g_debug ("no GL context: %s", error ? error->message : "");
      return seen;
    }
  gdk_gl_context_make_current (context);
  name = (const char *) glGetString (GL_RENDERER);
  g_free (seen);
  seen = g_strdup (name ? name : "");
  gdk_gl_context_clear_current ();
  if (dc_gl_renderer_is_software (seen))
    {
      g_debug ("OpenGL is %s (software): drawing with cairo", seen);
      g_setenv ("GSK_RENDERER", "cairo", FALSE);
    }
#else
  (void) display;
  if (seen == NULL)
    seen = g_strdup ("");
#endif
  return seen;
}
