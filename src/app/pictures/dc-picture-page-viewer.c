#define G_LOG_DOMAIN "dc-picture-page"

/* The large viewer of DcPicturePage: the current picture decoded at full
 * size in a worker, the thumbnail shown meanwhile, following the
 * selection. */

#include "config.h"

#include <glib/gi18n.h>

#include "dc-picture-page-private.h"

static void
decode_full_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  DcImage *image = dc_picture_decode_full (task_data, cancellable, &error);

  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, image, (GDestroyNotify) dc_image_free);
}

static void
on_full_decoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DcPicturePage *self = DC_PICTURE_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcImage) image = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  const char *path = g_task_get_task_data (G_TASK (result));
  DcPicture *shown = dc_picture_canvas_get_picture (self->viewer_canvas);

  if (shown == NULL || g_strcmp0 (dc_picture_get_path (shown), path) != 0)
    return;
  if (image == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dc_picture_canvas_set_placeholder (self->viewer_canvas, error->message);
      return;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&image->pixels),
                            (gsize) image->stride * (gsize) image->height);
  texture = gdk_memory_texture_new (image->width, image->height,
                                    image->channels == 4 ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
                                    bytes, (gsize) image->stride);
  dc_picture_canvas_set_texture (self->viewer_canvas, texture, image->width, image->height);
}

static void
viewer_load (DcPicturePage *self)
{
  DcPicture *picture = dc_picture_page_current (self);
  g_autoptr(GTask) task = NULL;
  GObject *thumb;
  int sw, sh;

  g_cancellable_cancel (self->viewer_cancellable);
  g_clear_object (&self->viewer_cancellable);
  if (picture == NULL)
    {
      dc_picture_page_close_viewer (self);
      return;
    }
  self->viewer_cancellable = g_cancellable_new ();
  dc_picture_canvas_set_picture (self->viewer_canvas, picture);
  dc_picture_canvas_set_texture (self->viewer_canvas, NULL, 0, 0);
  dc_picture_canvas_set_draft (self->viewer_canvas,
                               picture == self->draft_picture ? self->draft_mark : NULL);
  gtk_label_set_text (self->viewer_label, dc_picture_get_name (picture));
  /* the full decode takes a moment: show no blank meanwhile */
  thumb = dc_picture_get_thumbnail (picture, &sw, &sh);
  if (thumb != NULL)
    dc_picture_canvas_set_texture (self->viewer_canvas, GDK_TEXTURE (thumb), sw, sh);
  task = g_task_new (self, self->viewer_cancellable, on_full_decoded, NULL);
  g_task_set_task_data (task, g_strdup (dc_picture_get_path (picture)), g_free);
  g_task_run_in_thread (task, decode_full_thread);
}

void
dc_picture_page_close_viewer (DcPicturePage *self)
{
  g_cancellable_cancel (self->viewer_cancellable);
  dc_picture_canvas_set_picture (self->viewer_canvas, NULL);
  dc_picture_canvas_set_texture (self->viewer_canvas, NULL, 0, 0);
  dc_picture_canvas_set_draft (self->viewer_canvas, NULL);
  if (self->folder != NULL)
    gtk_stack_set_visible_child_name (self->stack, "grid");
}

static gboolean
focus_viewer_idle (gpointer data)
{
  DcPicturePage *self = data;

  self->viewer_focus_idle = 0;
  if (dc_picture_page_is_viewer_open (self))
    gtk_widget_grab_focus (GTK_WIDGET (self->viewer_canvas));
  return G_SOURCE_REMOVE;
}

void
dc_picture_page_open_viewer (DcPicturePage *self)
{
  if (dc_picture_page_current (self) == NULL)
    return;
  gtk_stack_set_visible_child_name (self->stack, "viewer");
  viewer_load (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->viewer_canvas));
  /* A double-click opens the viewer from inside the grid cell's click
   * handler, and GTK 4.8's list item grabs the focus for itself right
   * after emitting "activate": the focus went back to the hidden grid
   * and the first Space was lost on it.  Take it again once that
   * handler has returned. */
  if (self->viewer_focus_idle == 0)
    self->viewer_focus_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, focus_viewer_idle, self, NULL);
}

/* The selection moved: the viewer, when open, shows the new current. */
void
dc_picture_page_viewer_follow (DcPicturePage *self)
{
  if (dc_picture_page_is_viewer_open (self) &&
      dc_picture_page_current (self) != dc_picture_canvas_get_picture (self->viewer_canvas))
    viewer_load (self);
}

static void
on_viewer_right_click (GtkGestureClick *gesture, int n_press, double x, double y, DcPicturePage *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  dc_picture_page_popup_menu (self, GTK_WIDGET (self->viewer_canvas), x, y);
}

void
dc_picture_page_setup_viewer (DcPicturePage *self)
{
  self->viewer_canvas = DC_PICTURE_CANVAS (dc_picture_canvas_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->viewer_canvas), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->viewer_canvas), TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self->viewer_canvas), TRUE);
  dc_picture_canvas_set_flexible (self->viewer_canvas, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->viewer_canvas), "dc-viewer");
  g_signal_connect (self->viewer_canvas, "shape-drawn", G_CALLBACK (dc_picture_page_on_shape_drawn), self);
  g_signal_connect (self->viewer_canvas, "badge-clicked", G_CALLBACK (dc_picture_page_on_badge_clicked), self);
  gtk_box_append (self->viewer_box, GTK_WIDGET (self->viewer_canvas));
  {
    GtkGesture *menu_click = gtk_gesture_click_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (menu_click), GDK_BUTTON_SECONDARY);
    g_signal_connect (menu_click, "pressed", G_CALLBACK (on_viewer_right_click), self);
    gtk_widget_add_controller (GTK_WIDGET (self->viewer_canvas), GTK_EVENT_CONTROLLER (menu_click));
  }
}
