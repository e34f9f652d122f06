#include "config.h"

#include <gdk/x11/gdkx.h>
#include <X11/Xlibint.h>
#include <X11/keysym.h>

#include "xtest-input.h"

/* The XTEST FakeInput request as the X server reads it (XTest protocol
 * 2.2, minor opcode 2, 36 bytes).  Sent with Xlib's own request
 * machinery, as libXtst does: libXtst itself is not installed with
 * --no-install-recommends, libX11's headers are (GTK's -dev needs them). */
#define XTEST_FAKE_INPUT 2

typedef struct
{
  CARD8  reqType;
  CARD8  xtReqType;
  CARD16 length;
  BYTE   type;
  BYTE   detail;
  CARD16 pad0;
  CARD32 time;
  CARD32 root;
  CARD32 pad1;
  CARD32 pad2;
  INT16  rootX;
  INT16  rootY;
  CARD32 pad3;
  CARD16 pad4;
  CARD8  pad5;
  CARD8  deviceid;
} FakeInputReq;

G_STATIC_ASSERT (sizeof (FakeInputReq) == 36);

static int xtest_opcode;

gboolean
xtest_input_init (GError **error)
{
  GdkDisplay *display = gdk_display_get_default ();
  int first_event, first_error;

  if (xtest_opcode != 0)
    return TRUE;
  if (!GDK_IS_X11_DISPLAY (display))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not an X11 display");
      return FALSE;
    }
  if (!XQueryExtension (gdk_x11_display_get_xdisplay (display), "XTEST", &xtest_opcode,
                        &first_event, &first_error))
    {
      xtest_opcode = 0;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the X server has no XTEST extension");
      return FALSE;
    }
  return TRUE;
}

static void
fake_input (Display *dpy, int type, int detail, int x, int y)
{
  FakeInputReq *req;

  g_assert_cmpint (xtest_opcode, !=, 0);
  LockDisplay (dpy);
  req = (FakeInputReq *) _XGetRequest (dpy, XTEST_FAKE_INPUT, sizeof (FakeInputReq));
  req->reqType = (CARD8) xtest_opcode;
  req->xtReqType = XTEST_FAKE_INPUT;
  req->type = (BYTE) type;
  req->detail = (BYTE) detail;
  req->time = CurrentTime;
  req->root = type == MotionNotify ? (CARD32) DefaultRootWindow (dpy) : None;
  req->rootX = (INT16) x;
  req->rootY = (INT16) y;
  req->deviceid = 0;
  UnlockDisplay (dpy);
  SyncHandle ();
}

static void
fake_key (Display *dpy, unsigned int keycode, gboolean press)
{
  fake_input (dpy, press ? KeyPress : KeyRelease, (int) keycode, 0, 0);
}

static void
fake_button (Display *dpy, unsigned int button, gboolean press)
{
  fake_input (dpy, press ? ButtonPress : ButtonRelease, (int) button, 0, 0);
}

static void
fake_motion (Display *dpy, int x, int y)
{
  /* detail 0: absolute coordinates on @root */
  fake_input (dpy, MotionNotify, 0, x, y);
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

/* Root-window coordinates of (@x, @y) in @widget. */
static void
to_root (GtkWidget *widget, double x, double y, int *rx, int *ry)
{
  Display *dpy = xdisplay (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = gtk_native_get_surface (native);
  graphene_point_t p = GRAPHENE_POINT_INIT ((float) x, (float) y), q;
  double sx, sy;
  Window child;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &p, &q));
  gtk_native_get_surface_transform (native, &sx, &sy);
  XTranslateCoordinates (dpy, gdk_x11_surface_get_xid (surface), DefaultRootWindow (dpy),
                         (int) (q.x + sx), (int) (q.y + sy), rx, ry, &child);
}

static void
pump (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

void
xtest_input_drag (GtkWidget *from, double fx, double fy, GtkWidget *to, double tx, double ty)
{
  Display *dpy = xdisplay (from);
  int x0, y0, x1, y1;

  to_root (from, fx, fy, &x0, &y0);
  to_root (to, tx, ty, &x1, &y1);
  focus_toplevel (from);
  fake_motion (dpy, x0, y0);
  XSync (dpy, False);
  pump (50);
  fake_button (dpy, 1, TRUE);
  XSync (dpy, False);
  pump (50);
  /* in steps, as a hand moves: the drag threshold, then the way there,
   * each step seen by GTK before the next */
  for (int i = 1; i <= 20; i++)
    {
      fake_motion (dpy, x0 + (x1 - x0) * i / 20, y0 + (y1 - y0) * i / 20);
      XSync (dpy, False);
      pump (20);
    }
  pump (100);
  fake_button (dpy, 1, FALSE);
  XSync (dpy, False);
}

static void
click (GtkWidget *widget, double x, double y, guint button, guint n_clicks, gboolean ctrl)
{
  Display *dpy = xdisplay (widget);
  KeyCode control = XKeysymToKeycode (dpy, XK_Control_L);
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
  fake_motion (dpy, rx, ry);
  if (ctrl)
    fake_key (dpy, control, TRUE);
  for (guint i = 0; i < n_clicks; i++)
    {
      fake_button (dpy, button, TRUE);
      fake_button (dpy, button, FALSE);
    }
  if (ctrl)
    fake_key (dpy, control, FALSE);
  XSync (dpy, False);
}

void
xtest_input_click (GtkWidget *widget, double x, double y, guint n_clicks)
{
  click (widget, x, y, 1, n_clicks, FALSE);
}

void
xtest_input_ctrl_click (GtkWidget *widget, double x, double y)
{
  click (widget, x, y, 1, 1, TRUE);
}

void
xtest_input_right_click (GtkWidget *widget, double x, double y)
{
  click (widget, x, y, 3, 1, FALSE);
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
    fake_key (dpy, control, TRUE);
  fake_key (dpy, code, TRUE);
  fake_key (dpy, code, FALSE);
  if (ctrl)
    fake_key (dpy, control, FALSE);
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

void
xtest_input_hover (GtkWidget *widget, double x, double y)
{
  Display *dpy = xdisplay (widget);
  int rx, ry;

  to_root (widget, x, y, &rx, &ry);
  focus_toplevel (widget);
  fake_motion (dpy, rx, ry);
  XSync (dpy, False);
}

int
xtest_input_popup_height (GtkWidget *widget)
{
  Display *dpy = xdisplay (widget);
  Window root, parent, *children = NULL;
  unsigned int n = 0;
  int height = 0;

  if (!XQueryTree (dpy, DefaultRootWindow (dpy), &root, &parent, &children, &n))
    return 0;
  for (unsigned int i = 0; i < n; i++)
    {
      XWindowAttributes a;

      /* a tooltip is an override-redirect window, mapped while shown */
      if (XGetWindowAttributes (dpy, children[i], &a) && a.override_redirect &&
          a.map_state == IsViewable && a.width > 1 && a.height > 1)
        height = a.height;
    }
  if (children)
    XFree (children);
  return height;
}
