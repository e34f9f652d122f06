#include "config.h"

#include <gdk/x11/gdkx.h>
#include <gmodule.h>
#include <X11/Xlib.h>
#include <X11/keysym.h>

#include "xtest-input.h"

typedef int (*FakeKeyFunc)    (Display *dpy, unsigned int keycode, Bool is_press, unsigned long delay);
typedef int (*FakeButtonFunc) (Display *dpy, unsigned int button, Bool is_press, unsigned long delay);
typedef int (*FakeMotionFunc) (Display *dpy, int screen, int x, int y, unsigned long delay);

static FakeKeyFunc fake_key;
static FakeButtonFunc fake_button;
static FakeMotionFunc fake_motion;

gboolean
xtest_input_init (GError **error)
{
  GModule *module;

  if (fake_key != NULL)
    return TRUE;
  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not an X11 display");
      return FALSE;
    }
  module = g_module_open ("libXtst.so.6", G_MODULE_BIND_LAZY);
  if (module == NULL ||
      !g_module_symbol (module, "XTestFakeKeyEvent", (gpointer *) &fake_key) ||
      !g_module_symbol (module, "XTestFakeButtonEvent", (gpointer *) &fake_button) ||
      !g_module_symbol (module, "XTestFakeMotionEvent", (gpointer *) &fake_motion))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "libXtst.so.6 (Debian package libxtst6) cannot be opened: %s", g_module_error ());
      fake_key = NULL;
      return FALSE;
    }
  g_module_make_resident (module);
  return TRUE;
}

static Display *
xdisplay (GtkWidget *widget)
{
  return gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
}

/* Events land where the X focus is: on the widget's toplevel. */
static void
focus_toplevel (GtkWidget *widget)
{
  GdkSurface *surface = gtk_native_get_surface (gtk_widget_get_native (widget));

  XSetInputFocus (xdisplay (widget), gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
}

static void
click (GtkWidget *widget, double x, double y, guint button, guint n_clicks)
{
  Display *dpy = xdisplay (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = gtk_native_get_surface (native);
  graphene_point_t p = GRAPHENE_POINT_INIT ((float) x, (float) y), q;
  double sx, sy;
  int rx, ry;
  Window child;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &p, &q));
  gtk_native_get_surface_transform (native, &sx, &sy);
  XTranslateCoordinates (dpy, gdk_x11_surface_get_xid (surface), DefaultRootWindow (dpy),
                         (int) (q.x + sx), (int) (q.y + sy), &rx, &ry, &child);
  focus_toplevel (widget);
  fake_motion (dpy, -1, rx, ry, 0);
  for (guint i = 0; i < n_clicks; i++)
    {
      fake_button (dpy, button, True, 0);
      fake_button (dpy, button, False, 0);
    }
  XSync (dpy, False);
}

void
xtest_input_click (GtkWidget *widget, double x, double y, guint n_clicks)
{
  click (widget, x, y, 1, n_clicks);
}

void
xtest_input_right_click (GtkWidget *widget, double x, double y)
{
  click (widget, x, y, 3, 1);
}

static void
key (GtkWidget *widget, guint keyval, gboolean ctrl)
{
  Display *dpy = xdisplay (widget);
  KeyCode code = XKeysymToKeycode (dpy, keyval);
  KeyCode control = XKeysymToKeycode (dpy, XK_Control_L);

  g_assert_cmpuint (code, !=, 0);
  focus_toplevel (widget);
  if (ctrl)
    fake_key (dpy, control, True, 0);
  fake_key (dpy, code, True, 0);
  fake_key (dpy, code, False, 0);
  if (ctrl)
    fake_key (dpy, control, False, 0);
  XSync (dpy, False);
}

void
xtest_input_key (GtkWidget *widget, guint keyval)
{
  key (widget, keyval, FALSE);
}

void
xtest_input_ctrl_key (GtkWidget *widget, guint keyval)
{
  key (widget, keyval, TRUE);
}
