/* GUI tests of sending pictures on from the picture page — copy as an
 * image or as files, drag out, the export manifest — and of review with
 * real X input (XTEST), under Xvfb. */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "app-pictures-fixture.h"
#include "pictures-test-util.h"
#include "dc-test-util.h"
#include "xtest-input.h"
#include "dc-report-dialog.h"

static gpointer
copy_object (gconstpointer object, gpointer unused)
{
  return g_object_ref ((gpointer) object);
}

/* The colour of make_folder()'s picture @i. */
static void
flat_colour (guint i, guint8 rgb[3])
{
  rgb[0] = (guint8) (40 + i * 15);
  rgb[1] = (guint8) (200 - i * 10);
  rgb[2] = 90;
}

static void
init_xtest (void)
{
  g_autoptr(GError) error = NULL;

  if (!xtest_input_init (&error))
    g_error ("real input under Xvfb needs XTEST: %s", error->message);
}

static void
centre_of (GtkWidget *widget, double *x, double *y)
{
  *x = gtk_widget_get_width (widget) / 2.0;
  *y = gtk_widget_get_height (widget) / 2.0;
}

static gboolean
viewer_open (gpointer page)
{
  return dc_picture_page_is_viewer_open (page);
}

static gboolean
is_marked (gpointer picture)
{
  return dc_picture_get_marked (picture);
}

static gboolean
is_unmarked (gpointer picture)
{
  return !dc_picture_get_marked (picture);
}

/* Issue: the first Space after double-clicking a picture open was
 * ignored.  Real clicks and keys, as the operator gives them. */
static void
test_space_after_double_click (void)
{
  Fixture fx = { 0 };
  DcPictureCanvas *cell;
  DcPicture *p2;
  double x, y;

  init_xtest ();
  fixture_open (&fx, "space", 4);
  p2 = picture_at (fx.page, 2);
  cell = dc_picture_page_find_canvas (fx.page, p2);
  centre_of (GTK_WIDGET (cell), &x, &y);
  xtest_input_click (GTK_WIDGET (cell), x, y, 2);
  g_assert_true (dc_test_wait_until (viewer_open, fx.page, 5000));
  g_assert_true (dc_picture_canvas_get_picture (dc_picture_page_get_viewer_canvas (fx.page)) == p2);
  spin (20);

  /* the list item took the focus back after "activate": the viewer has it again */
  g_assert_true (gtk_root_get_focus (GTK_ROOT (fx.window)) ==
                 GTK_WIDGET (dc_picture_page_get_viewer_canvas (fx.page)));
  xtest_input_key (GTK_WIDGET (fx.page), GDK_KEY_space);
  g_assert_true (dc_test_wait_until (is_marked, p2, 3000));
  /* the second Space takes the mark back, M marks again */
  xtest_input_key (GTK_WIDGET (fx.page), GDK_KEY_space);
  g_assert_true (dc_test_wait_until (is_unmarked, p2, 3000));
  xtest_input_key (GTK_WIDGET (fx.page), GDK_KEY_m);
  g_assert_true (dc_test_wait_until (is_marked, p2, 3000));
  fixture_close (&fx);
}

static gboolean
prune_enabled (DcPicturePage *page)
{
  dc_picture_page_flush_counts (page);
  return gtk_widget_get_sensitive (page->prune_button);
}

/* Issue: Prune unmarked was enabled with nothing marked and offered to
 * trash every picture. */
static void
test_prune_needs_a_mark (void)
{
  Fixture fx = { 0 };

  fixture_open (&fx, "prune-none", 3);
  g_assert_false (prune_enabled (fx.page));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (fx.page->prune_button), ==,
                   "Nothing marked yet: mark the pictures to keep first");
  /* the action itself refuses too (a key or a stale button) */
  gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.prune", NULL);
  spin (10);
  g_assert_null (dc_picture_page_get_prune_dialog (fx.page));
  g_assert_cmpuint (n_shown (fx.page), ==, 3);

  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_m, 0);
  g_assert_true (prune_enabled (fx.page));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (fx.page->prune_button), ==,
                   "Move every unmarked picture of this folder to the trash");
  /* every picture marked: nothing to prune */
  for (guint i = 1; i < 3; i++)
    {
      gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), i, TRUE);
      press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_m, 0);
    }
  g_assert_false (prune_enabled (fx.page));
  fixture_close (&fx);
}

/* The widget as painted, through the window's renderer. */
static GdkTexture *
render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;

  /* The paintable gives the node of the last frame drawn: none while the
   * widget waits to be redrawn (just marked), so wait for that frame. */
  for (guint i = 0; i < 300 && node == NULL; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        {
          spin (5);
          g_usleep (10000);
        }
    }
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                      node, &GRAPHENE_RECT_INIT (0, 0, (float) w, (float) h));
}

/* RGB at (@x, @y) of @texture. */
static void
texture_pixel (GdkTexture *texture, int x, int y, guint8 rgb[3])
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint8 *data = g_malloc ((gsize) w * h * 4);
  const guint8 *px;

  g_assert_cmpint (x, <, w);
  g_assert_cmpint (y, <, h);
  /* GDK_MEMORY_DEFAULT: B8G8R8A8 premultiplied (opaque here) */
  gdk_texture_download (texture, data, (gsize) w * 4);
  px = data + ((gsize) y * w + x) * 4;
  rgb[0] = px[2];
  rgb[1] = px[1];
  rgb[2] = px[0];
}

static void
assert_rgb_near (const guint8 got[3], const guint8 want[3], int tolerance)
{
  for (int c = 0; c < 3; c++)
    if (ABS ((int) got[c] - (int) want[c]) > tolerance)
      g_error ("colour %u,%u,%u is not %u,%u,%u (±%d)", got[0], got[1], got[2],
               want[0], want[1], want[2], tolerance);
}

/* Issue: marked pictures were tinted green, which hid their colours.
 * The middle of a marked cell shows the picture's own colour; the mark
 * is the badge (green, with a check) and a frame at the edge. */
static void
test_marked_keeps_colours (void)
{
  Fixture fx = { 0 };
  DcPictureCanvas *cell;
  g_autoptr(GdkTexture) shot = NULL;
  guint8 want[3], got[3];
  double bx, by, cx, cy;

  fixture_open (&fx, "colours", 3);
  gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), 1, TRUE);
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_m, 0);
  g_assert_true (dc_picture_get_marked (picture_at (fx.page, 1)));
  cell = dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 1));
  shot = render_widget (GTK_WIDGET (cell));
  flat_colour (1, want);
  centre_of (GTK_WIDGET (cell), &cx, &cy);
  texture_pixel (shot, (int) cx, (int) cy, got);
  /* JPEG of a flat colour: within a few levels */
  assert_rgb_near (got, want, 6);
  /* the badge is there, and green */
  dc_picture_canvas_get_badge_center (cell, &bx, &by);
  texture_pixel (shot, (int) bx - 8, (int) by, got);
  g_assert_cmpint (got[1], >, got[0] + 40);
  g_assert_cmpint (got[1], >, got[2] + 40);
  /* the frame at the left edge, half way down */
  texture_pixel (shot, 1, (int) cy, got);
  g_assert_cmpint (got[1], >, got[0] + 40);
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
  w->n = n;
  w->done = TRUE;
}

static gboolean
export_done (gpointer data)
{
  return ((ExportWait *) data)->done;
}

/* What the window gives the page: the e-sheet's dock and scan time of
 * each waybill (here two of them, one with a comma in its dock name). */
static void
lookup_dock_and_time (const char *waybill, char **dock, GDateTime **scan_time, gpointer data)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  (*(guint *) data)++;
  if (g_str_equal (waybill, "SF1000"))
    {
      *dock = g_strdup ("A01 月台");
      *scan_time = g_date_time_new (tz, 2026, 3, 14, 9, 26, 53);
    }
  else if (g_str_equal (waybill, "SF1002"))
    {
      *dock = g_strdup ("B02, north");
      *scan_time = g_date_time_new (tz, 2026, 3, 14, 17, 5, 0);
    }
}

static void
test_manifest_columns (void)
{
  Fixture fx = { 0 };
  g_autofree char *dest = g_build_filename (tmp_root, "manifest-dest", NULL);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  g_autofree char *manifest_path = g_build_filename (dest, "manifest.csv", NULL);
  g_autofree char *manifest = NULL;
  g_auto(GStrv) lines = NULL;
  ExportWait w = { FALSE, -1 };
  guint calls = 0;

  fixture_open (&fx, "manifest", 3);
  dc_picture_page_set_export_lookup (fx.page, lookup_dock_and_time, &calls, NULL);
  for (guint i = 0; i < 3; i += 2)
    {
      gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), i, TRUE);
      press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_m, 0);
    }
  g_signal_connect (fx.page, "exported", G_CALLBACK (on_exported), &w);
  dc_picture_page_export_marked (fx.page, dest_file);
  g_assert_true (dc_test_wait_until (export_done, &w, 20000));
  g_assert_cmpint (w.n, ==, 2);
  g_assert_cmpuint (calls, ==, 2);

  g_assert_true (g_file_get_contents (manifest_path, &manifest, NULL, NULL));
  lines = g_strsplit (manifest + 3, "\r\n", -1);
  g_assert_cmpstr (lines[0], ==, "waybill,dock,scan time,file,sha256");
  g_assert_true (g_str_has_prefix (lines[1], "SF1000,A01 月台,2026-03-14 09:26:53,SF1000.jpg,"));
  g_assert_true (g_str_has_prefix (lines[2], "SF1002,\"B02, north\",2026-03-14 17:05:00,SF1002.jpg,"));
  g_assert_cmpstr (lines[3], ==, "");
  fixture_close (&fx);
}

typedef struct
{
  GdkTexture *texture;
  GSList     *files;
  gboolean    done;
} ReadWait;

static void
on_texture_read (GObject *source, GAsyncResult *result, gpointer data)
{
  ReadWait *w = data;
  g_autoptr(GError) error = NULL;

  w->texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  w->done = TRUE;
}

static void
on_files_read (GObject *source, GAsyncResult *result, gpointer data)
{
  ReadWait *w = data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  g_assert_no_error (error);
  w->files = g_slist_copy_deep (gdk_file_list_get_files (g_value_get_boxed (value)),
                                copy_object, NULL);
  w->done = TRUE;
}

static gboolean
read_done (gpointer data)
{
  return ((ReadWait *) data)->done;
}

static gboolean
clipboard_has (gpointer data)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  return gdk_content_formats_contain_gtype (formats, GPOINTER_TO_SIZE (data));
}

static GdkTexture *
read_clipboard_texture (void)
{
  ReadWait w = { 0 };

  g_assert_true (dc_test_wait_until (clipboard_has, GSIZE_TO_POINTER (GDK_TYPE_TEXTURE), 5000));
  gdk_clipboard_read_texture_async (gdk_display_get_clipboard (gdk_display_get_default ()),
                                    NULL, on_texture_read, &w);
  g_assert_true (dc_test_wait_until (read_done, &w, 5000));
  return w.texture;
}

static void
test_copy_picture (void)
{
  Fixture fx = { 0 };
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autoptr(GdkTexture) plain = NULL;
  g_autoptr(GdkTexture) marked = NULL;
  guint8 want[3], got[3];

  init_xtest ();
  fixture_open (&fx, "copy", 3);
  gdk_clipboard_set_text (clipboard, "before");

  /* an unmarked picture: the original, at its full size */
  gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), 1, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (dc_picture_page_get_grid_view (fx.page)));
  xtest_input_ctrl_key (GTK_WIDGET (fx.page), GDK_KEY_c);
  plain = read_clipboard_texture ();
  g_assert_cmpint (gdk_texture_get_width (plain), ==, PIC_W);
  g_assert_cmpint (gdk_texture_get_height (plain), ==, PIC_H);
  flat_colour (1, want);
  texture_pixel (plain, 150, 150, got);
  assert_rgb_near (got, want, 6);

  /* a marked picture: the copy with the red rectangle burned in */
  dc_picture_page_set_style (fx.page, DC_MARK_SHAPE_RECTANGLE, DC_MARK_COLOUR_RED, 8);
  drag_on (dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 1)), 100, 50, 300, 250);
  press_key (dc_picture_page_get_grid_shortcuts (fx.page), GDK_KEY_space, 0);
  g_assert_true (dc_picture_get_marked (picture_at (fx.page, 1)));
  g_assert_true (dc_test_wait_until (no_burns, fx.page, 20000));
  gdk_clipboard_set_text (clipboard, "between");
  /* from the viewer this time */
  gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.open-viewer", NULL);
  g_assert_true (dc_test_wait_until (viewer_open, fx.page, 5000));
  xtest_input_ctrl_key (GTK_WIDGET (fx.page), GDK_KEY_c);
  marked = read_clipboard_texture ();
  g_assert_cmpint (gdk_texture_get_width (marked), ==, PIC_W);
  g_assert_cmpint (gdk_texture_get_height (marked), ==, PIC_H);
  /* on the rectangle's left edge (x 100..107): red; inside: the picture */
  texture_pixel (marked, 103, 150, got);
  g_assert_cmpint (got[0], >, 180);
  g_assert_cmpint (got[1], <, 90);
  texture_pixel (marked, 200, 150, got);
  assert_rgb_near (got, want, 6);
  fixture_close (&fx);
}

/* @files are the pictures at @positions: the burned copy (marked/) of
 * a marked one, else the original. */
static void
assert_files (GSList *files, DcPicturePage *page, const guint *positions, guint n)
{
  g_assert_cmpuint (g_slist_length (files), ==, n);
  for (guint i = 0; i < n; i++, files = files->next)
    {
      DcPicture *picture = picture_at (page, positions[i]);
      g_autofree char *path = g_file_get_path (files->data);
      g_autofree char *want = dc_picture_get_marked (picture)
                              ? dc_mark_burned_path (dc_picture_page_get_folder_path (page),
                                                     dc_picture_get_name (picture))
                              : g_strdup (dc_picture_get_path (picture));

      g_assert_cmpstr (path, ==, want);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
}

typedef struct
{
  char     *text;
  gboolean  done;
} MimeWait;

static void
on_mime_spliced (GObject *source, GAsyncResult *result, gpointer data)
{
  MimeWait *w = data;
  GMemoryOutputStream *out = G_MEMORY_OUTPUT_STREAM (source);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_output_stream_splice_finish (G_OUTPUT_STREAM (out), result, &error), >=, 0);
  g_assert_no_error (error);
  w->text = g_strndup (g_memory_output_stream_get_data (out), g_memory_output_stream_get_data_size (out));
  w->done = TRUE;
}

static void
on_mime_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in = gdk_clipboard_read_finish (GDK_CLIPBOARD (source), result, NULL, &error);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_no_error (error);
  /* asynchronously: the other end of this pipe is written by the same
   * main loop (the clipboard's content is ours) */
  g_output_stream_splice_async (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                         G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, on_mime_spliced, data);
}

static gboolean
mime_done (gpointer data)
{
  return ((MimeWait *) data)->done;
}

/* The clipboard's bytes of @mime_type, as another application reads them. */
static char *
read_clipboard_mime (const char *mime_type)
{
  const char *types[] = { mime_type, NULL };
  MimeWait w = { 0 };

  gdk_clipboard_read_async (gdk_display_get_clipboard (gdk_display_get_default ()), types,
                            G_PRIORITY_DEFAULT, NULL, on_mime_read, &w);
  g_assert_true (dc_test_wait_until (mime_done, &w, 5000));
  return w.text;
}

static GSList *
read_clipboard_files (void)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  ReadWait w = { 0 };

  g_assert_true (dc_test_wait_until (clipboard_has, GSIZE_TO_POINTER (GDK_TYPE_FILE_LIST), 5000));
  g_assert_true (gdk_content_formats_contain_mime_type (gdk_clipboard_get_formats (clipboard),
                                                        "text/uri-list"));
  gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                  on_files_read, &w);
  g_assert_true (dc_test_wait_until (read_done, &w, 5000));
  return w.files;
}

static void
test_copy_files (void)
{
  Fixture fx = { 0 };
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  GtkSelectionModel *selection;
  const guint expected[] = { 1, 2, 4 };
  GSList *files;

  init_xtest ();
  fixture_open (&fx, "copy-files", 5);
  selection = dc_picture_page_get_selection (fx.page);
  /* picture 2 marked with a shape just now: its burned copy is still
   * being written (the burn reports back through the main loop, not run
   * since) when the copy comes, and the copy waits for it */
  gtk_selection_model_select_item (selection, 2, TRUE);
  drag_on (dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 2)), 100, 50, 300, 250);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.save", NULL));
  g_assert_true (dc_picture_get_marked (picture_at (fx.page, 2)));
  g_assert_cmpuint (dc_picture_page_get_n_pending_burns (fx.page), >, 0);
  gtk_selection_model_select_range (selection, 1, 2, TRUE);
  gtk_selection_model_select_item (selection, 4, FALSE);
  gdk_clipboard_set_text (clipboard, "before");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.copy-files", NULL));
  g_assert_false (clipboard_has (GSIZE_TO_POINTER (GDK_TYPE_FILE_LIST)));
  files = read_clipboard_files ();
  g_assert_cmpuint (dc_picture_page_get_n_pending_burns (fx.page), ==, 0);
  assert_files (files, fx.page, expected, 3);
  g_slist_free_full (files, g_object_unref);
  /* what file managers and other toolkits read */
  {
    g_autofree char *uris = read_clipboard_mime ("text/uri-list");
    g_autofree char *copied = read_clipboard_mime ("x-special/gnome-copied-files");
    g_auto(GStrv) lines = g_strsplit (uris, "\r\n", -1);
    g_auto(GStrv) copied_lines = g_strsplit (copied, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    g_assert_cmpstr (lines[3], ==, "");
    g_assert_cmpuint (g_strv_length (copied_lines), ==, 4);
    g_assert_cmpstr (copied_lines[0], ==, "copy");
    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *path = g_filename_from_uri (lines[i], NULL, NULL);

        g_assert_cmpstr (copied_lines[i + 1], ==, lines[i]);
        g_assert_nonnull (path);
        g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      }
    g_assert_nonnull (strstr (lines[1], "/marked/"));
  }

  /* Ctrl+C, a real key, with three selected: files too */
  gdk_clipboard_set_text (clipboard, "again");
  gtk_widget_grab_focus (GTK_WIDGET (dc_picture_page_get_grid_view (fx.page)));
  xtest_input_ctrl_key (GTK_WIDGET (fx.page), GDK_KEY_c);
  files = read_clipboard_files ();
  assert_files (files, fx.page, expected, 3);
  g_slist_free_full (files, g_object_unref);
  fixture_close (&fx);
}

/* The drag source a cell carries, and the content it would offer when a
 * drag starts at its name strip. */
static GdkContentProvider *
prepare_drag (DcPicturePage *page, guint position)
{
  DcPictureCanvas *canvas = dc_picture_page_find_canvas (page, picture_at (page, position));
  GtkWidget *cell = gtk_widget_get_parent (GTK_WIDGET (canvas));
  GtkWidget *name = gtk_widget_get_last_child (cell);
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (cell);
  GdkContentProvider *provider = NULL;
  graphene_point_t p;

  g_assert_true (gtk_widget_compute_point (name, cell, &GRAPHENE_POINT_INIT (10, 5), &p));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_DRAG_SOURCE (c))
        {
          g_assert_cmpint (gtk_drag_source_get_actions (GTK_DRAG_SOURCE (c)), ==, GDK_ACTION_COPY);
          g_signal_emit_by_name (c, "prepare", (double) p.x, (double) p.y, &provider);
        }
    }
  g_assert_nonnull (provider);
  return provider;
}

static GSList *
provider_files (GdkContentProvider *provider)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkContentFormats) formats = gdk_content_provider_ref_formats (provider);

  g_assert_true (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST));
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "text/uri-list") ||
                 gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST));
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_assert_true (gdk_content_provider_get_value (provider, &value, &error));
  g_assert_no_error (error);
  return g_slist_copy_deep (gdk_file_list_get_files (g_value_get_boxed (&value)),
                            copy_object, NULL);
}

static void
test_drag_offers_files (void)
{
  Fixture fx = { 0 };
  GtkSelectionModel *selection;
  g_autoptr(GdkContentProvider) one = NULL;
  g_autoptr(GdkContentProvider) several = NULL;
  GSList *files;
  const guint only3[] = { 3 };
  const guint sel[] = { 0, 1, 2 };

  fixture_open (&fx, "drag", 5);
  selection = dc_picture_page_get_selection (fx.page);
  gtk_selection_model_select_range (selection, 0, 3, TRUE);

  /* a picture outside the selection: itself only */
  one = prepare_drag (fx.page, 3);
  files = provider_files (one);
  assert_files (files, fx.page, only3, 1);
  g_slist_free_full (files, g_object_unref);

  /* a picture of the selection: the whole selection */
  several = prepare_drag (fx.page, 1);
  files = provider_files (several);
  assert_files (files, fx.page, sel, 3);
  g_slist_free_full (files, g_object_unref);
  fixture_close (&fx);
}

typedef struct
{
  GSList   *files;
  gboolean  dropped;
} DropWait;

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, DropWait *w)
{
  w->files = g_slist_copy_deep (gdk_file_list_get_files (g_value_get_boxed (value)), copy_object, NULL);
  w->dropped = TRUE;
  return TRUE;
}

static gboolean
dropped (gpointer data)
{
  return ((DropWait *) data)->dropped;
}

/* A real drag, pointer and button through XTEST, from a cell's name strip
 * to a drop area that takes files, as a file manager's window would. */
static void
test_drag_and_drop (void)
{
  g_autofree char *dir = make_folder ("dnd", 3);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  DcPicturePage *page = DC_PICTURE_PAGE (dc_picture_page_new ());
  GtkWidget *drop = gtk_label_new ("drop here");
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  DropWait w = { 0 };
  DcPictureCanvas *canvas;
  GtkWidget *name;
  const guint only1[] = { 1 };

  init_xtest ();
  gtk_widget_set_hexpand (GTK_WIDGET (page), TRUE);
  gtk_widget_set_size_request (drop, 240, -1);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), &w);
  gtk_widget_add_controller (drop, GTK_EVENT_CONTROLLER (target));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (page));
  gtk_box_append (GTK_BOX (box), drop);
  gtk_window_set_child (window, box);
  gtk_window_set_default_size (window, 1200, 700);
  gtk_window_present (window);
  dc_picture_page_set_folder (page, dir);
  g_assert_true (dc_test_wait_until (screen_ready, page, 20000));
  spin (20);

  canvas = dc_picture_page_find_canvas (page, picture_at (page, 1));
  name = gtk_widget_get_next_sibling (GTK_WIDGET (canvas));
  xtest_input_drag (name, gtk_widget_get_width (name) / 2.0, gtk_widget_get_height (name) / 2.0,
                    drop, 120, 200);
  g_assert_true (dc_test_wait_until (dropped, &w, 5000));
  assert_files (w.files, page, only1, 1);
  g_slist_free_full (w.files, g_object_unref);
  /* the drag drew nothing on the picture */
  g_assert_false (dc_picture_page_has_draft (page));
  g_assert_false (dc_picture_get_marked (picture_at (page, 1)));

  /* a real drag on the picture itself draws a shape and sends nothing */
  w.dropped = FALSE;
  canvas = dc_picture_page_find_canvas (page, picture_at (page, 2));
  xtest_input_drag (GTK_WIDGET (canvas), 30, 30, GTK_WIDGET (canvas), 150, 100);
  spin (20);
  g_assert_true (dc_picture_page_has_draft (page));
  g_assert_false (w.dropped);
  g_assert_true (dc_test_wait_until (no_burns, page, 20000));
  gtk_window_destroy (window);
  spin (50);
}

static gboolean
menu_shown (gpointer page)
{
  GtkWidget *menu = dc_picture_page_get_context_menu (page);

  return menu != NULL && gtk_widget_get_mapped (menu);
}

/* Right-click on a picture: the menu with Copy Picture and Copy File,
 * and the picture under the pointer becomes the one they act on. */
static void
test_context_menu (void)
{
  Fixture fx = { 0 };
  GtkWidget *menu;
  DcPictureCanvas *cell;
  double x, y;

  init_xtest ();
  fixture_open (&fx, "menu", 4);
  cell = dc_picture_page_find_canvas (fx.page, picture_at (fx.page, 2));
  centre_of (GTK_WIDGET (cell), &x, &y);
  xtest_input_right_click (GTK_WIDGET (cell), x, y);
  g_assert_true (dc_test_wait_until (menu_shown, fx.page, 5000));
  g_assert_cmpuint (dc_picture_page_get_current_position (fx.page), ==, 2);
  menu = dc_picture_page_get_context_menu (fx.page);
  {
    GMenuModel *model = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (menu));
    g_autoptr(GString) labels = g_string_new (NULL);

    for (int s = 0; s < g_menu_model_get_n_items (model); s++)
      {
        g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, s, G_MENU_LINK_SECTION);

        for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
          {
            g_autofree char *label = NULL;

            g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
            g_string_append_printf (labels, "%s|", label);
          }
      }
    g_assert_nonnull (strstr (labels->str, "Copy _Picture|Copy _File|"));
  }
  gtk_popover_popdown (GTK_POPOVER (menu));
  g_assert_false (gtk_widget_get_mapped (menu));
  /* from the keyboard: Menu opens it at the current picture */
  gtk_widget_grab_focus (GTK_WIDGET (dc_picture_page_get_grid_view (fx.page)));
  xtest_input_key (GTK_WIDGET (fx.page), GDK_KEY_Menu);
  g_assert_true (dc_test_wait_until (menu_shown, fx.page, 5000));
  gtk_popover_popdown (GTK_POPOVER (menu));
  fixture_close (&fx);
}

typedef struct
{
  DcPicturePage *page;
  guint          n;
} ShownWait;

static gboolean
shown_is (gpointer data)
{
  ShownWait *w = data;
  return n_shown (w->page) == w->n;
}

static void
on_thumbnail_notify (GObject *picture, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static gboolean
thumbnail_dropped (gpointer picture)
{
  return !dc_picture_has_thumbnail (picture);
}

/* The thumbnail is the picture's "thumbnail" property: the cell shows
 * what the item holds, and the item lets it go when no cell shows it. */
static void
test_thumbnail_property (void)
{
  Fixture fx = { 0 };
  g_autoptr(DcPicture) p1 = NULL;
  DcPictureCanvas *cell;
  GObject *thumb;
  int sw = 0, sh = 0, cw, ch;
  guint notified = 0;

  fixture_open (&fx, "thumb-prop", 3);
  p1 = g_object_ref (picture_at (fx.page, 1));
  thumb = dc_picture_get_thumbnail (p1, &sw, &sh);
  g_assert_true (GDK_IS_TEXTURE (thumb));
  g_assert_cmpint (sw, ==, PIC_W);
  g_assert_cmpint (sh, ==, PIC_H);
  cell = dc_picture_page_find_canvas (fx.page, p1);
  g_assert_true (G_OBJECT (dc_picture_canvas_get_texture (cell, &cw, &ch)) == thumb);
  {
    g_auto(GValue) v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_OBJECT);
    g_object_get_property (G_OBJECT (p1), "thumbnail", &v);
    g_assert_true (g_value_get_object (&v) == thumb);
  }
  g_signal_connect (p1, "notify::thumbnail", G_CALLBACK (on_thumbnail_notify), &notified);
  /* the folder closed: no cell shows it, the texture goes */
  dc_picture_page_set_folder (fx.page, NULL);
  g_assert_true (dc_test_wait_until (thumbnail_dropped, p1, 5000));
  g_assert_cmpuint (notified, ==, 1);
  g_signal_handlers_disconnect_by_data (p1, &notified);
  fixture_close (&fx);
}

/* The picture shown in the viewer is deleted on disk: the viewer moves
 * to the picture that takes its place. */
static void
test_viewer_follows_deletion (void)
{
  Fixture fx = { 0 };
  DcPictureCanvas *viewer;
  DcPicture *p1, *p2;
  ShownWait w = { NULL, 3 };

  fixture_open (&fx, "viewer-delete", 4);
  viewer = dc_picture_page_get_viewer_canvas (fx.page);
  p1 = picture_at (fx.page, 1);
  p2 = picture_at (fx.page, 2);
  gtk_selection_model_select_item (dc_picture_page_get_selection (fx.page), 1, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.open-viewer", NULL);
  g_assert_true (dc_test_wait_until (viewer_open, fx.page, 5000));
  g_assert_true (dc_picture_canvas_get_picture (viewer) == p1);
  {
    g_autoptr(GFile) f = g_file_new_for_path (dc_picture_get_path (p1));
    g_assert_true (g_file_delete (f, NULL, NULL));
  }
  w.page = fx.page;
  g_assert_true (dc_test_wait_until (shown_is, &w, 10000));
  spin (10);
  g_assert_true (dc_picture_page_is_viewer_open (fx.page));
  g_assert_true (dc_picture_canvas_get_picture (viewer) == p2);
  g_assert_cmpuint (dc_picture_page_get_current_position (fx.page), ==, 1);
  fixture_close (&fx);
}

static gboolean
report_window_shown (gpointer page)
{
  GtkWindow *w = dc_picture_page_get_report_window (page);

  return w != NULL && gtk_widget_get_mapped (GTK_WIDGET (w));
}

/* "Evidence report…" on the page opens the report window for the open
 * folder, once (a second press brings the same window forward). */
static void
test_evidence_report_button (void)
{
  Fixture fx = { 0 };
  g_autofree char *esheet = NULL;
  GtkWindow *report;
  GtkWidget *button;

  fixture_open (&fx, "report", 2);
  button = fx.page->report_button;
  g_assert_true (gtk_widget_is_sensitive (button));
  esheet = g_build_filename (fx.dir, "..", "report.csv", NULL);
  dc_picture_page_set_esheet_path (fx.page, esheet);
  g_assert_cmpstr (dc_picture_page_get_esheet_path (fx.page), ==, esheet);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.evidence-report", NULL));
  g_assert_true (dc_test_wait_until (report_window_shown, fx.page, 5000));
  report = dc_picture_page_get_report_window (fx.page);
  g_assert_true (DC_IS_REPORT_DIALOG (report));
  g_assert_true (gtk_window_get_transient_for (report) == fx.window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "pictures.evidence-report", NULL));
  spin (10);
  g_assert_true (dc_picture_page_get_report_window (fx.page) == report);
  gtk_window_destroy (report);
  spin (20);
  g_assert_null (dc_picture_page_get_report_window (fx.page));
  /* another folder: its e-sheet is not known any more */
  dc_picture_page_set_folder (fx.page, NULL);
  g_assert_null (dc_picture_page_get_esheet_path (fx.page));
  dc_picture_page_flush_counts (fx.page);
  g_assert_false (gtk_widget_is_sensitive (fx.page->report_button));
  fixture_close (&fx);
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

  g_test_add_func ("/app-pictures/space-after-double-click", test_space_after_double_click);
  g_test_add_func ("/app-pictures/prune-needs-a-mark", test_prune_needs_a_mark);
  g_test_add_func ("/app-pictures/marked-keeps-colours", test_marked_keeps_colours);
  g_test_add_func ("/app-pictures/manifest-dock-and-time", test_manifest_columns);
  g_test_add_func ("/app-pictures/copy-picture", test_copy_picture);
  g_test_add_func ("/app-pictures/copy-files", test_copy_files);
  g_test_add_func ("/app-pictures/drag-offers-files", test_drag_offers_files);
  g_test_add_func ("/app-pictures/drag-and-drop", test_drag_and_drop);
  g_test_add_func ("/app-pictures/context-menu", test_context_menu);
  g_test_add_func ("/app-pictures/thumbnail-property", test_thumbnail_property);
  g_test_add_func ("/app-pictures/evidence-report-button", test_evidence_report_button);
  g_test_add_func ("/app-pictures/viewer-follows-deletion", test_viewer_follows_deletion);
  status = g_test_run ();
  pictures_test_teardown_env (tmp_root);
  return status;
}
