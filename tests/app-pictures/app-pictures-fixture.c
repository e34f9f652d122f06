/* The shared fixture of the picture-page GUI tests. */
#include "config.h"

#include <glib/gstdio.h>

#include "app-pictures-fixture.h"
#include "pictures-test-util.h"
#include "dc-test-util.h"


char *tmp_root;

void
spin (guint n)
{
  for (guint i = 0; i < n; i++)
    g_main_context_iteration (NULL, FALSE);
}

char *
make_folder (const char *name, guint n)
{
  char *dir = g_build_filename (tmp_root, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/SF%04u.jpg", dir, 1000 + i);
      g_autoptr(DcImage) img = pictures_test_flat (PIC_W, PIC_H, (guint8) (40 + i * 15),
                                                   (guint8) (200 - i * 10), 90);

      pictures_test_write_jpeg (path, img, 0);
    }
  return dir;
}

guint
n_shown (DcPicturePage *page)
{
  return g_list_model_get_n_items (G_LIST_MODEL (dc_picture_page_get_selection (page)));
}

gboolean
screen_ready (gpointer data)
{
  DcPicturePage *page = data;
  guint visible, ready;

  if (dc_picture_page_is_loading (page))
    return FALSE;
  dc_picture_page_count_visible (page, &visible, &ready);
  return visible > 0 && visible == ready;
}

void
fixture_open (Fixture *fx, const char *name, guint n)
{
  fx->dir = make_folder (name, n);
  fx->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fx->window, 1000, 700);
  fx->page = DC_PICTURE_PAGE (dc_picture_page_new ());
  gtk_window_set_child (fx->window, GTK_WIDGET (fx->page));
  gtk_window_present (fx->window);
  dc_picture_page_set_filter (fx->page, DC_PICTURE_FILTER_ALL);
  dc_picture_page_set_folder (fx->page, fx->dir);
  g_assert_true (dc_test_wait_until (screen_ready, fx->page, 20000));
  g_assert_cmpuint (n_shown (fx->page), ==, n);
  dc_picture_page_flush_counts (fx->page);
}

gboolean
no_burns (gpointer data)
{
  return dc_picture_page_get_n_pending_burns (data) == 0;
}

void
fixture_close (Fixture *fx)
{
  g_assert_true (dc_test_wait_until (no_burns, fx->page, 20000));
  gtk_window_destroy (fx->window);
  spin (50);
  g_free (fx->dir);
}

DcPicture *
picture_at (DcPicturePage *page, guint pos)
{
  g_autoptr(DcPicture) p = g_list_model_get_item (G_LIST_MODEL (dc_picture_page_get_selection (page)), pos);
  return p;   /* the model keeps it */
}

void
assert_counter (DcPicturePage *page, guint total, guint marked)
{
  g_autofree char *expected = g_strdup_printf ("total %u · marked %u · unmarked %u",
                                               total, marked, total - marked);
  g_autofree char *text = NULL;

  dc_picture_page_flush_counts (page);
  text = dc_picture_page_dup_counter_text (page);
  g_assert_cmpstr (text, ==, expected);
}

/* Drives the cell's real GtkGestureDrag handlers (begin, updates, end)
 * from picture pixel (x0,y0) to (x1,y1). */
void
drag_on (DcPictureCanvas *canvas, int x0, int y0, int x1, int y1)
{
  GtkGesture *drag = dc_picture_canvas_get_drag_gesture (canvas);
  double wx0, wy0, wx1, wy1;

  g_assert_true (dc_picture_canvas_image_to_widget (canvas, x0, y0, &wx0, &wy0));
  g_assert_true (dc_picture_canvas_image_to_widget (canvas, x1, y1, &wx1, &wy1));
  g_signal_emit_by_name (drag, "drag-begin", wx0, wy0);
  for (int i = 1; i <= 4; i++)
    g_signal_emit_by_name (drag, "drag-update", (wx1 - wx0) * i / 4, (wy1 - wy0) * i / 4);
  g_signal_emit_by_name (drag, "drag-end", wx1 - wx0, wy1 - wy0);
}

/* Finds the shortcut for @keyval/@mods in @controller and returns its
 * action name (asserting it exists). */
const char *
shortcut_action (GtkEventController *controller, guint keyval, GdkModifierType mods)
{
  GListModel *model = G_LIST_MODEL (controller);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkShortcut) sc = g_list_model_get_item (model, i);
      GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (sc);
      GtkShortcutAction *action = gtk_shortcut_get_action (sc);

      if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
          gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
          gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods &&
          GTK_IS_NAMED_ACTION (action))
        return gtk_named_action_get_action_name (GTK_NAMED_ACTION (action));
    }
  g_assert_not_reached ();
  return NULL;
}

/* Presses a key the way the shortcut controller would: the bound action,
 * activated on the widget that owns the controller. */
void
press_key (GtkEventController *controller, guint keyval, GdkModifierType mods)
{
  const char *action = shortcut_action (controller, keyval, mods);

  g_assert_true (gtk_widget_activate_action (gtk_event_controller_get_widget (controller),
                                             action, NULL));
  spin (5);
}

gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

