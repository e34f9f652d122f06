/* GUI tests of the picture grid with real widgets (run under Xvfb). */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "app-pictures-fixture.h"
#include "pictures-test-util.h"
#include "dc-test-util.h"

/* --- tests ----------------------------------------------------------------- */

static void
test_load_counter (void)
{
  Fixture fx = { 0 };
  guint visible, ready;

  fixture_open (&fx, "load", 14);
  assert_counter (fx.page, 14, 0);
  dc_picture_page_count_visible (fx.page, &visible, &ready);
  g_assert_cmpuint (visible, >, 4);
  g_assert_cmpuint (ready, ==, visible);
  g_assert_cmpstr (dc_picture_page_get_folder_path (fx.page), ==, fx.dir);
  {
    g_auto(GStrv) recent = dc_picture_page_dup_recent_folders (fx.page);
    g_assert_cmpstr (recent[0], ==, fx.dir);
  }
  /* columns follow the control */
  dc_picture_page_set_columns (fx.page, 2);
  g_assert_cmpuint (gtk_grid_view_get_max_columns (dc_picture_page_get_grid_view (fx.page)), ==, 2);
  g_assert_true (dc_test_wait_until (screen_ready, fx.page, 20000));
  dc_picture_page_set_columns (fx.page, 9);
  g_assert_cmpuint (dc_picture_page_get_columns (fx.page), ==, 6);
  dc_picture_page_set_columns (fx.page, 4);
  fixture_close (&fx);
}

static void
test_draw_mark (void)
{
  Fixture fx = { 0 };
  DcPicture *p2, *p3;
  DcPictureCanvas *canvas;
  const DcMark *mark;
  g_autofree char *burned = NULL;

  fixture_open (&fx, "draw", 8);
  dc_picture_page_set_style (fx.page, DC_MARK_SHAPE_ELLIPSE, DC_MARK_COLOUR_YELLOW, 12);
  p2 = picture_at (fx.page, 2);
  canvas = dc_picture_page_find_canvas (fx.page, p2);
  g_assert_nonnull (canvas);

  drag_on (canvas, 100, 50, 300, 250);
  g_assert_true (dc_picture_page_has_draft (fx.page));
  g_assert_false (dc_picture_get_marked (p2));
  /* drawing selected the picture */
  g_assert_cmpuint (dc_picture_page_get_current_position (fx.page), ==, 2);

  /* Space saves it */
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_space, 0);
  g_assert_false (dc_picture_page_has_draft (fx.page));
  mark = dc_picture_get_mark (p2);
  g_assert_nonnull (mark);
  g_assert_cmpint (mark->shape, ==, DC_MARK_SHAPE_ELLIPSE);
  g_assert_cmpint (mark->colour, ==, DC_MARK_COLOUR_YELLOW);
  g_assert_cmpint (mark->line_width, ==, 12);
  /* the cell is ~240 px for 640 px: a cell pixel is ~2.7 picture pixels */
  g_assert_cmpint (ABS (mark->x - 100), <=, 4);
  g_assert_cmpint (ABS (mark->y - 50), <=, 4);
  g_assert_cmpint (ABS (mark->width - 200), <=, 6);
  g_assert_cmpint (ABS (mark->height - 200), <=, 6);
  assert_counter (fx.page, 8, 1);

  /* the ready-to-send copy is burned */
  burned = dc_mark_burned_path (fx.dir, dc_picture_get_name (p2));
  g_assert_true (dc_test_wait_until (file_exists, burned, 20000));
  g_assert_true (dc_test_wait_until (no_burns, fx.page, 20000));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(DcImage) img = dc_picture_decode_full (burned, NULL, &error);
    const guint8 *px;

    g_assert_no_error (error);
    /* the ellipse's left end (x=100..112, y=150) is yellow; its centre is not */
    px = pictures_test_pixel (img, 105, 150);
    g_assert_true (pictures_test_rgb_near (px, 246, 211, 45, 60) || (px[0] > 180 && px[1] > 160 && px[2] < 120));
    px = pictures_test_pixel (img, 200, 150);
    g_assert_false (px[0] > 180 && px[1] > 160 && px[2] < 120);
  }

  /* a drag on another picture saves the one drawn before */
  dc_picture_page_set_style (fx.page, DC_MARK_SHAPE_RECTANGLE, DC_MARK_COLOUR_RED, 5);
  p3 = picture_at (fx.page, 3);
  drag_on (dc_picture_page_find_canvas (fx.page, p3), 10, 10, 200, 100);
  g_assert_false (dc_picture_get_marked (p3));
  drag_on (dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 5)), 20, 20, 120, 120);
  g_assert_true (dc_picture_get_marked (p3));
  g_assert_cmpint (dc_picture_get_mark (p3)->shape, ==, DC_MARK_SHAPE_RECTANGLE);
  /* Escape drops the unsaved one */
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_Escape, 0);
  g_assert_false (dc_picture_page_has_draft (fx.page));
  g_assert_false (dc_picture_get_marked (picture_at (fx.page, 5)));
  assert_counter (fx.page, 8, 2);

  /* a click shorter than the threshold draws nothing */
  {
    GtkGesture *drag = dc_picture_canvas_get_drag_gesture (dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 6)));
    double x, y;
    g_assert_true (dc_picture_canvas_image_to_widget (dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 6)), 300, 200, &x, &y));
    g_signal_emit_by_name (drag, "drag-begin", x, y);
    g_signal_emit_by_name (drag, "drag-update", 1.0, 1.0);
    g_signal_emit_by_name (drag, "drag-end", 1.0, 1.0);
    g_assert_false (dc_picture_page_has_draft (fx.page));
  }
  fixture_close (&fx);

  /* the style is remembered by the next page */
  {
    GtkWidget *page = g_object_ref_sink (dc_picture_page_new ());
    DcMarkShape shape;
    DcMarkColour colour;
    int width;

    dc_picture_page_get_style (DC_PICTURE_PAGE (page), &shape, &colour, &width);
    g_assert_cmpint (shape, ==, DC_MARK_SHAPE_RECTANGLE);
    g_assert_cmpint (colour, ==, DC_MARK_COLOUR_RED);
    g_assert_cmpint (width, ==, 5);
    g_object_unref (page);
  }
}

static void
test_keys (void)
{
  Fixture fx = { 0 };
  GtkEventController *grid_keys, *page_keys, *viewer_keys;
  DcPicture *p0, *p1;

  fixture_open (&fx, "keys", 6);
  grid_keys = dc_picture_page_get_grid_shortcuts (fx.page);
  page_keys = dc_picture_page_get_page_shortcuts (fx.page);
  viewer_keys = dc_picture_page_get_viewer_shortcuts (fx.page);
  /* the bindings exist, in the capture phase on the grid (before the list
   * item's own Space) */
  g_assert_cmpstr (shortcut_action (grid_keys, GDK_KEY_space, 0), ==, "pictures.save");
  g_assert_cmpstr (shortcut_action (grid_keys, GDK_KEY_m, 0), ==, "pictures.toggle-mark");
  g_assert_cmpstr (shortcut_action (grid_keys, GDK_KEY_Delete, 0), ==, "pictures.unmark");
  g_assert_cmpstr (shortcut_action (page_keys, GDK_KEY_z, GDK_CONTROL_MASK), ==, "pictures.undo");
  g_assert_cmpstr (shortcut_action (viewer_keys, GDK_KEY_Right, 0), ==, "pictures.next");
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (grid_keys), ==, GTK_PHASE_CAPTURE);

  p0 = picture_at (fx.page, 0);
  p1 = picture_at (fx.page, 1);
  g_assert_cmpuint (dc_picture_page_get_current_position (fx.page), ==, 0);
  /* M marks (plain), Space toggles back, M again, Delete unmarks */
  press_key (grid_keys, GDK_KEY_m, 0);
  g_assert_true (dc_picture_get_marked (p0));
  g_assert_cmpint (dc_picture_get_mark (p0)->shape, ==, DC_MARK_SHAPE_NONE);
  assert_counter (fx.page, 6, 1);
  press_key (grid_keys, GDK_KEY_space, 0);
  g_assert_false (dc_picture_get_marked (p0));
  press_key (grid_keys, GDK_KEY_m, 0);
  g_assert_true (dc_picture_get_marked (p0));
  press_key (grid_keys, GDK_KEY_Delete, 0);
  g_assert_false (dc_picture_get_marked (p0));
  /* Ctrl+Z undoes the last change, then the one before */
  press_key (page_keys, GDK_KEY_z, GDK_CONTROL_MASK);
  g_assert_true (dc_picture_get_marked (p0));
  press_key (page_keys, GDK_KEY_z, GDK_CONTROL_MASK);
  g_assert_false (dc_picture_get_marked (p0));

  /* the badge is a button */
  {
    DcPictureCanvas *canvas = dc_picture_page_find_canvas (fx.page, p1);
    GtkGesture *click = dc_picture_canvas_get_click_gesture (canvas);
    double bx, by;

    dc_picture_canvas_get_badge_center (canvas, &bx, &by);
    g_signal_emit_by_name (click, "released", 1, bx, by);
    g_assert_true (dc_picture_get_marked (p1));
    g_signal_emit_by_name (click, "released", 1, bx, by);
    g_assert_false (dc_picture_get_marked (p1));
    /* elsewhere on the picture a click is not a mark */
    g_signal_emit_by_name (click, "released", 1, 20.0, gtk_widget_get_height (GTK_WIDGET (canvas)) - 10.0);
    g_assert_false (dc_picture_get_marked (p1));
  }

  /* Enter (the grid's activate) opens the viewer; Right moves on */
  g_signal_emit_by_name (dc_picture_page_get_grid_view (fx.page), "activate", 1u);
  g_assert_true (dc_picture_page_is_viewer_open (fx.page));
  {
    DcPictureCanvas *viewer = dc_picture_page_get_viewer_canvas (fx.page);
    int sw, sh;

    g_assert_true (dc_picture_canvas_get_picture (viewer) == p1);
    press_key (viewer_keys, GDK_KEY_Right, 0);
    g_assert_true (dc_picture_canvas_get_picture (viewer) == picture_at (fx.page, 2));
    /* full resolution arrives from the worker */
    for (int i = 0; i < 2000; i++)
      {
        GdkTexture *t = dc_picture_canvas_get_texture (viewer, &sw, &sh);
        /* and the viewer laid out (the stack switched to it) */
        if (t != NULL && gdk_texture_get_width (t) == PIC_W &&
            gtk_widget_get_width (GTK_WIDGET (viewer)) > 0)
          break;
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
    g_assert_cmpint (gdk_texture_get_width (dc_picture_canvas_get_texture (viewer, &sw, &sh)), ==, PIC_W);
    g_assert_cmpint (sw, ==, PIC_W);
    g_assert_cmpint (sh, ==, PIC_H);
    /* draw in the viewer, Space saves */
    drag_on (viewer, 50, 40, 250, 140);
    press_key (viewer_keys, GDK_KEY_space, 0);
    g_assert_true (dc_picture_get_marked (picture_at (fx.page, 2)));
    g_assert_cmpint (dc_picture_get_mark (picture_at (fx.page, 2))->x, ==, 50);
    press_key (viewer_keys, GDK_KEY_Escape, 0);
    g_assert_false (dc_picture_page_is_viewer_open (fx.page));
  }

  /* the filter shows only unmarked / only marked */
  dc_picture_page_set_filter (fx.page, DC_PICTURE_FILTER_MARKED);
  g_assert_cmpuint (n_shown (fx.page), ==, 1);
  dc_picture_page_set_filter (fx.page, DC_PICTURE_FILTER_UNMARKED);
  g_assert_cmpuint (n_shown (fx.page), ==, 5);
  /* marking under "only unmarked" takes the picture out of view */
  press_key (grid_keys, GDK_KEY_m, 0);
  dc_picture_page_flush_counts (fx.page);
  g_assert_cmpuint (n_shown (fx.page), ==, 4);
  dc_picture_page_set_filter (fx.page, DC_PICTURE_FILTER_ALL);
  g_assert_cmpuint (n_shown (fx.page), ==, 6);
  assert_counter (fx.page, 6, 2);
  fixture_close (&fx);
}

/* Under "only unmarked", saving a picture by starting on the next one must
 * not pull cells from under the pointer mid-drag. */
static void
test_draw_under_filter (void)
{
  Fixture fx = { 0 };
  DcPicture *p1, *p3;
  DcPictureCanvas *c3;
  GtkGesture *drag;
  double x, y;

  fixture_open (&fx, "draw-filter", 6);
  dc_picture_page_set_filter (fx.page, DC_PICTURE_FILTER_UNMARKED);
  p1 = picture_at (fx.page, 1);
  p3 = picture_at (fx.page, 3);
  drag_on (dc_picture_page_find_canvas (fx.page, p1), 10, 10, 300, 200);
  c3 = dc_picture_page_find_canvas (fx.page, p3);
  drag = dc_picture_canvas_get_drag_gesture (c3);
  g_assert_true (dc_picture_canvas_image_to_widget (c3, 50, 50, &x, &y));
  g_signal_emit_by_name (drag, "drag-begin", x, y);
  g_signal_emit_by_name (drag, "drag-update", 30.0, 20.0);
  g_assert_true (dc_picture_get_marked (p1));
  spin (20);
  dc_picture_page_flush_counts (fx.page);
  /* still shown while the drag goes on; the cell still shows p3 */
  g_assert_cmpuint (n_shown (fx.page), ==, 6);
  g_assert_true (dc_picture_canvas_get_picture (c3) == p3);
  g_signal_emit_by_name (drag, "drag-update", 60.0, 40.0);
  g_signal_emit_by_name (drag, "drag-end", 60.0, 40.0);
  dc_picture_page_flush_counts (fx.page);
  g_assert_cmpuint (n_shown (fx.page), ==, 5);
  g_assert_true (dc_picture_page_has_draft (fx.page));
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_space, 0);
  g_assert_true (dc_picture_get_marked (p3));
  dc_picture_page_flush_counts (fx.page);
  g_assert_cmpuint (n_shown (fx.page), ==, 4);
  assert_counter (fx.page, 6, 2);
  dc_picture_page_set_filter (fx.page, DC_PICTURE_FILTER_ALL);
  fixture_close (&fx);
}

static gboolean
has_prune_dialog (gpointer data)
{
  return dc_picture_page_get_prune_dialog (data) != NULL;
}

static void
test_prune_undo (void)
{
  Fixture fx = { 0 };
  g_autofree char *trash = g_build_filename (g_get_user_data_dir (), "Trash", "files", NULL);
  g_autofree char *kept0 = NULL, *gone = NULL;
  GtkWidget *dialog;
  guint in_trash = 0;

  fixture_open (&fx, "prune", 6);
  gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), 1, TRUE);
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_m, 0);
  gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), 4, TRUE);
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_m, 0);
  kept0 = g_strdup (dc_picture_get_path (picture_at (fx.page, 1)));
  gone = g_strdup (dc_picture_get_path (picture_at (fx.page, 0)));
  assert_counter (fx.page, 6, 2);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.prune", NULL));
  g_assert_true (dc_test_wait_until (has_prune_dialog, fx.page, 5000));
  dialog = dc_picture_page_get_prune_dialog (fx.page);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Move 4 unmarked pictures to the trash?");
  /* Cancel changes nothing */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  spin (10);
  g_assert_cmpuint (n_shown (fx.page), ==, 6);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.prune", NULL));
  g_assert_true (dc_test_wait_until (has_prune_dialog, fx.page, 5000));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dc_picture_page_get_prune_dialog (fx.page)), "trash");
  spin (10);
  g_assert_cmpuint (n_shown (fx.page), ==, 2);
  assert_counter (fx.page, 2, 2);
  g_assert_false (g_file_test (gone, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept0, G_FILE_TEST_EXISTS));
  {
    g_autoptr(GDir) d = g_dir_open (trash, 0, NULL);
    const char *name;

    g_assert_nonnull (d);
    while ((name = g_dir_read_name (d)) != NULL)
      if (g_str_has_prefix (name, "SF"))
        in_trash++;
  }
  g_assert_cmpuint (in_trash, ==, 4);

  /* Ctrl+Z brings files and items back */
  press_key (dc_picture_page_get_page_shortcuts (fx.page), GDK_KEY_z, GDK_CONTROL_MASK);
  spin (10);
  g_assert_true (g_file_test (gone, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (n_shown (fx.page), ==, 6);
  assert_counter (fx.page, 6, 2);
  /* the marks survived */
  g_assert_true (dc_picture_get_marked (picture_at (fx.page, 1)));
  g_assert_false (dc_picture_get_marked (picture_at (fx.page, 0)));
  fixture_close (&fx);
}

typedef struct
{
  DcPicturePage *page;
  guint          n;
} CountWait;

static gboolean
shown_is (gpointer data)
{
  CountWait *w = data;
  return n_shown (w->page) == w->n;
}

/* What GTK does when the pointer rests on @widget: TRUE if a tooltip shows. */
static gboolean
asks_tooltip (GtkWidget *widget)
{
  g_autoptr(GObject) tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
  gboolean shown = FALSE;

  if (!gtk_widget_get_has_tooltip (widget))
    return FALSE;
  g_signal_emit_by_name (widget, "query-tooltip", 1, 1, FALSE, tooltip, &shown);
  return shown;
}

typedef struct
{
  DcPicturePage *page;
  DcPicture     *picture;
  GdkTexture    *old;
} TextureWait;

static gboolean
texture_replaced (gpointer data)
{
  TextureWait *w = data;
  DcPictureCanvas *c = dc_picture_page_find_canvas (w->page, w->picture);
  int sw, sh;

  return c != NULL && dc_picture_canvas_get_texture (c, &sw, &sh) != NULL &&
         dc_picture_canvas_get_texture (c, &sw, &sh) != w->old;
}

static void
test_follow_disk (void)
{
  Fixture fx = { 0 };
  g_autofree char *victim = NULL;
  g_autofree char *added = NULL;
  DcPicture *p;
  CountWait w;

  fixture_open (&fx, "follow", 5);
  p = picture_at (fx.page, 2);
  victim = g_strdup (dc_picture_get_path (p));
  g_assert_nonnull (dc_picture_page_find_canvas (fx.page, p));
  {
    g_autoptr(GFile) f = g_file_new_for_path (victim);
    g_assert_true (g_file_delete (f, NULL, NULL));
  }
  w.page = fx.page;
  w.n = 4;
  g_assert_true (dc_test_wait_until (shown_is, &w, 10000));
  for (guint i = 0; i < n_shown (fx.page); i++)
    g_assert_cmpstr (dc_picture_get_path (picture_at (fx.page, i)), !=, victim);
  assert_counter (fx.page, 4, 0);

  /* a new file appears, before every other: the cells after it move but
   * keep their thumbnails (no second decode, no blank frame) */
  {
    DcPicture *moved = picture_at (fx.page, 1);
    DcPictureCanvas *c = dc_picture_page_find_canvas (fx.page, moved);
    g_autoptr(GdkTexture) before = NULL;
    int sw, sh;

    g_assert_nonnull (c);
    before = g_object_ref (dc_picture_canvas_get_texture (c, &sw, &sh));
    g_assert_nonnull (before);

    added = g_build_filename (fx.dir, "SF0999.jpg", NULL);
    {
      g_autoptr(DcImage) img = pictures_test_flat (PIC_W, PIC_H, 10, 10, 10);
      pictures_test_write_jpeg (added, img, 0);
    }
    w.n = 5;
    g_assert_true (dc_test_wait_until (shown_is, &w, 10000));
    g_assert_cmpstr (dc_picture_get_path (picture_at (fx.page, 0)), ==, added);
    g_assert_true (picture_at (fx.page, 2) == moved);
    spin (20);
    c = dc_picture_page_find_canvas (fx.page, moved);
    g_assert_nonnull (c);
    g_assert_true (dc_picture_canvas_get_texture (c, &sw, &sh) == before);
    g_assert_true (dc_test_wait_until (screen_ready, fx.page, 20000));

    /* the name's tooltip comes on demand, not set at every bind */
    {
      GtkWidget *label = gtk_widget_get_next_sibling (GTK_WIDGET (c));

      g_assert_true (GTK_IS_LABEL (label));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, dc_picture_get_name (moved));
      g_assert_null (gtk_widget_get_tooltip_text (label));
      g_assert_true (asks_tooltip (label));
      /* a decoded thumbnail has no tooltip */
      g_assert_false (asks_tooltip (GTK_WIDGET (c)));
    }

    /* the file rewritten: its cell decodes it again */
    {
      TextureWait tw = { fx.page, moved, before };
      g_autoptr(DcImage) img = pictures_test_flat (PIC_W, PIC_H, 250, 250, 10);

      g_usleep (20000);
      pictures_test_write_jpeg (dc_picture_get_path (moved), img, 0);
      g_assert_true (dc_test_wait_until (texture_replaced, &tw, 10000));
    }
  }
  fixture_close (&fx);
}

typedef struct
{
  gboolean done;
  int      n;
} ExportWait;

static void
on_exported (DcPicturePage *page, int n, const char *error, ExportWait *w)
{
  g_assert_null (error);
  w->done = TRUE;
  w->n = n;
}

static gboolean
export_done (gpointer data)
{
  return ((ExportWait *) data)->done;
}

static void
lookup (const char *waybill, char **dock, GDateTime **scan_time, gpointer data)
{
  if (g_str_equal (waybill, "SF1001"))
    *dock = g_strdup ("Dock 7");
}

static void
test_export (void)
{
  Fixture fx = { 0 };
  g_autofree char *dest = g_build_filename (tmp_root, "export-dest", NULL);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  g_autofree char *manifest_path = g_build_filename (dest, "manifest.csv", NULL);
  g_autofree char *manifest = NULL;
  g_auto(GStrv) lines = NULL;
  ExportWait w = { FALSE, -1 };

  fixture_open (&fx, "export", 4);
  dc_picture_page_set_export_lookup (fx.page, lookup, NULL, NULL);
  dc_picture_page_set_style (fx.page, DC_MARK_SHAPE_RECTANGLE, DC_MARK_COLOUR_RED, 4);
  drag_on (dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 1)), 30, 30, 200, 120);
  gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), 3, TRUE);
  /* moving on saved the drawing */
  g_assert_true (dc_picture_get_marked (picture_at (fx.page, 1)));
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_m, 0);

  g_signal_connect (fx.page, "exported", G_CALLBACK (on_exported), &w);
  dc_picture_page_export_marked (fx.page, dest_file);
  g_assert_true (dc_test_wait_until (export_done, &w, 20000));
  g_assert_cmpint (w.n, ==, 2);

  g_assert_true (g_file_get_contents (manifest_path, &manifest, NULL, NULL));
  g_assert_true (g_str_has_prefix (manifest, "\xEF\xBB\xBF"));
  lines = g_strsplit (manifest + 3, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[1], "SF1001,Dock 7,"));
  g_assert_true (g_str_has_prefix (lines[2], "SF1003,,"));
  for (guint i = 1; i <= 2; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      g_autofree char *file = g_build_filename (dest, f[3], NULL);
      g_autofree char *data = NULL;
      g_autofree char *sum = NULL;
      gsize len;

      g_assert_cmpuint (g_strv_length (f), ==, 5);
      g_assert_true (g_file_get_contents (file, &data, &len, NULL));
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
      g_assert_cmpstr (f[4], ==, sum);
    }
  fixture_close (&fx);
}

static void
test_bad_folder (void)
{
  Fixture fx = { 0 };
  g_autofree char *missing = g_build_filename (tmp_root, "no-such-folder", NULL);
  g_autofree char *corrupt = NULL;

  /* a folder that is not there: a message, no crash, empty counts */
  fx.window = GTK_WINDOW (gtk_window_new ());
  fx.page = DC_PICTURE_PAGE (dc_picture_page_new ());
  gtk_window_set_child (fx.window, GTK_WIDGET (fx.page));
  gtk_window_present (fx.window);
  dc_picture_page_set_folder (fx.page, missing);
  for (int i = 0; i < 500 && dc_picture_page_is_loading (fx.page); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  g_assert_false (dc_picture_page_is_loading (fx.page));
  g_assert_cmpuint (n_shown (fx.page), ==, 0);

  /* a truncated JPEG gets a placeholder cell */
  fx.dir = make_folder ("bad", 2);
  corrupt = g_build_filename (fx.dir, "SF1000.jpg", NULL);
  g_assert_true (g_file_set_contents (corrupt, "\xff\xd8\xff\xe0garbage", 10, NULL));
  dc_picture_page_set_folder (fx.page, fx.dir);
  g_assert_true (dc_test_wait_until (screen_ready, fx.page, 20000));
  {
    DcPictureCanvas *c = dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 0));
    int sw, sh;

    g_assert_true (dc_picture_canvas_has_texture (c));
    g_assert_null (dc_picture_canvas_get_texture (c, &sw, &sh));
    /* the reason, when the pointer rests on it */
    g_assert_true (asks_tooltip (GTK_WIDGET (c)));
  }
  dc_picture_page_set_folder (fx.page, NULL);
  g_assert_null (dc_picture_page_get_folder_path (fx.page));
  fixture_close (&fx);
}

static gboolean
page_loaded (gpointer data)
{
  return !dc_picture_page_is_loading (data);
}

/* A folder opened behind another page (a download run does that) must not
 * take the keyboard focus from what the operator is typing in; opened on
 * the page shown, the grid gets the focus for keyboard review. */
static void
test_focus_stays (void)
{
  g_autofree char *dir_a = make_folder ("focus-a", 3);
  g_autofree char *dir_b = make_folder ("focus-b", 3);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkStack *stack = GTK_STACK (gtk_stack_new ());
  GtkWidget *entry = gtk_search_entry_new ();
  DcPicturePage *page = DC_PICTURE_PAGE (dc_picture_page_new ());
  GtkWidget *grid = GTK_WIDGET (dc_picture_page_get_grid_view (page));

  gtk_stack_add_named (stack, entry, "table");
  gtk_stack_add_named (stack, GTK_WIDGET (page), "pictures");
  gtk_stack_set_visible_child_name (stack, "table");
  gtk_window_set_child (window, GTK_WIDGET (stack));
  gtk_window_set_default_size (window, 800, 600);
  gtk_window_present (window);
  spin (20);
  g_assert_true (gtk_widget_grab_focus (entry));
  g_assert_true (gtk_widget_has_focus (entry) || gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), entry));

  dc_picture_page_set_folder (page, dir_a);
  g_assert_true (dc_test_wait_until (page_loaded, page, 20000));
  spin (20);
  g_assert_cmpuint (n_shown (page), ==, 3);
  g_assert_false (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), grid) ||
                  gtk_root_get_focus (GTK_ROOT (window)) == grid);
  g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) == entry ||
                 gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), entry));

  /* on the page shown, the grid takes it */
  gtk_stack_set_visible_child_name (stack, "pictures");
  spin (20);
  dc_picture_page_set_folder (page, dir_b);
  g_assert_true (dc_test_wait_until (page_loaded, page, 20000));
  spin (20);
  g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) == grid ||
                 gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), grid));
  g_assert_true (dc_test_wait_until (no_burns, page, 20000));
  gtk_window_destroy (window);
  spin (50);
}

int
main (int argc, char **argv)
{
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  tmp_root = pictures_test_setup_env ();
  {
    g_autofree char *config = g_build_filename (tmp_root, "config", NULL);
    g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  }
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      pictures_test_teardown_env (tmp_root);
      return 0;
    }
  adw_init ();

  g_test_add_func ("/app-pictures/load-counter", test_load_counter);
  g_test_add_func ("/app-pictures/draw-mark", test_draw_mark);
  g_test_add_func ("/app-pictures/keys-badge-viewer-filter", test_keys);
  g_test_add_func ("/app-pictures/draw-under-filter", test_draw_under_filter);
  g_test_add_func ("/app-pictures/prune-undo", test_prune_undo);
  g_test_add_func ("/app-pictures/follow-disk", test_follow_disk);
  g_test_add_func ("/app-pictures/export", test_export);
  g_test_add_func ("/app-pictures/bad-input", test_bad_folder);
  g_test_add_func ("/app-pictures/focus-stays", test_focus_stays);
  status = g_test_run ();
  pictures_test_teardown_env (tmp_root);
  return status;
}
