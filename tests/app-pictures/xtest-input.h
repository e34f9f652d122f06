/* xtest-input.h: real input for GUI tests under Xvfb.
 *
 * The X server's XTEST extension injects key presses and pointer clicks
 * that travel the whole way a user's do (X server → GDK's XInput2 event
 * translation → GTK's controllers), unlike activating an action or
 * emitting a gesture's signal.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* FALSE with a reason when not on X11 or the server lacks XTEST. */
gboolean xtest_input_init   (GError **error);
/* Moves the pointer to (@x, @y) of @widget, presses and releases the
 * primary button @n_clicks times, as a double-click does. */
void     xtest_input_click  (GtkWidget *widget, double x, double y, guint n_clicks);
/* One primary click with Ctrl held, as a person adds to a selection. */
void     xtest_input_ctrl_click (GtkWidget *widget, double x, double y);
/* Moves the pointer to (@x, @y) of @widget, no button. */
void     xtest_input_hover  (GtkWidget *widget, double x, double y);
/* Height of the last mapped override-redirect window (a tooltip), 0 if
 * none is shown. */
int      xtest_input_popup_height (GtkWidget *widget);
void     xtest_input_right_click (GtkWidget *widget, double x, double y);
/* Presses the primary button at (@fx, @fy) of @from, moves in steps to
 * (@tx, @ty) of @to (both in one window) and releases there. */
void     xtest_input_drag   (GtkWidget *from, double fx, double fy,
                             GtkWidget *to, double tx, double ty);
/* Presses and releases @keyval (no modifiers) on the focused window. */
void     xtest_input_key    (GtkWidget *widget, guint keyval);
/* The same with Ctrl held. */
void     xtest_input_ctrl_key (GtkWidget *widget, guint keyval);

G_END_DECLS
