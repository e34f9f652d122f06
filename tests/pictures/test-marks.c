/* The folder model (scan, follow), marks and their index, burning, prune
 * to the trash and undo, export with manifest. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dc-test-util.h"
#include "pictures-test-util.h"
#include "pictures/dc-mark-burn.h"
#include "pictures/dc-marks.h"
#include "pictures/dc-picture-export.h"
#include "pictures/dc-picture-folder.h"
#include "pictures/dc-pictures-error.h"
#include "pictures/dc-thumbnail.h"
#include "pictures/dc-thumbnail-cache.h"
#include "pictures/dc-trash.h"

static char *tmp_root;

static char *
make_folder (const char * const *names)
{
  char *dir = dc_test_mkdtemp ();
  g_autoptr(DcImage) img = pictures_test_gradient (96, 64);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *parent = g_path_get_dirname (path);

      g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
      pictures_test_write_jpeg (path, img, 0);
    }
  return dir;
}

static char *
model_names (GListModel *model)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DcPicture) p = g_list_model_get_item (model, i);
      if (i > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, dc_picture_get_name (p));
    }
  return g_string_free (s, FALSE);
}

static void
test_scan (void)
{
  static const char *names[] = { "10.jpg", "2.JPG", "a.png", "b.webp", "notes.txt", ".hidden.jpg",
                                 "c.jpg.part", "sub/s.jpg", "marked/m.jpg", ".cache/x.jpg", NULL };
  g_autofree char *dir = make_folder (names);
  g_autoptr(DcPictureFolder) flat = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_NONE);
  g_autoptr(DcPictureFolder) deep = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_RECURSIVE);
  g_autoptr(GError) error = NULL;
  g_autofree char *flat_names = NULL;
  g_autofree char *deep_names = NULL;

  g_assert_true (dc_picture_folder_load (flat, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (flat)) == DC_TYPE_PICTURE);
  flat_names = model_names (G_LIST_MODEL (flat));
  /* natural order, pictures only, no hidden or partial files */
  g_assert_cmpstr (flat_names, ==, "2.JPG 10.jpg a.png b.webp");

  g_assert_true (dc_picture_folder_load (deep, NULL, &error));
  deep_names = model_names (G_LIST_MODEL (deep));
  /* subfolders too, but never our own marked/ copies nor hidden folders */
  g_assert_cmpstr (deep_names, ==, "2.JPG 10.jpg a.png b.webp sub/s.jpg");
  g_assert_nonnull (dc_picture_folder_lookup (deep, "sub/s.jpg"));
  {
    g_autofree char *expect = g_build_filename (dir, "sub", "s.jpg", NULL);
    g_assert_cmpstr (dc_picture_get_path (dc_picture_folder_lookup (deep, "sub/s.jpg")), ==, expect);
  }

  /* Missing folder: an error, not a crash. */
  {
    g_autofree char *gone = g_build_filename (dir, "nope", NULL);
    g_autoptr(DcPictureFolder) f = dc_picture_folder_new (gone, 0);
    g_autoptr(GError) e = NULL;

    g_assert_false (dc_picture_folder_load (f, NULL, &e));
    g_assert_error (e, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
  g_clear_object (&flat);
  g_clear_object (&deep);
  dc_test_rmdir (dir);
}

static void
on_loaded (GObject *source, GAsyncResult *res, gpointer data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (dc_picture_folder_load_finish (DC_PICTURE_FOLDER (source), res, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

typedef struct
{
  DcPictureFolder *folder;
  const char      *expect;
} NamesWait;

static gboolean
names_match (gpointer data)
{
  NamesWait *w = data;
  g_autofree char *names = model_names (G_LIST_MODEL (w->folder));
  return g_str_equal (names, w->expect);
}

static void
test_monitor (void)
{
  static const char *names[] = { "a.jpg", "b.jpg", NULL };
  g_autofree char *dir = make_folder (names);
  g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_NONE);
  g_autoptr(DcImage) img = pictures_test_flat (32, 32, 10, 200, 10);
  g_autofree char *a = g_build_filename (dir, "a.jpg", NULL);
  g_autofree char *c = g_build_filename (dir, "c.jpg", NULL);
  g_autofree char *part = g_build_filename (dir, "d.jpg.part", NULL);
  g_autofree char *d = g_build_filename (dir, "d.jpg", NULL);
  g_autoptr(GFile) a_file = g_file_new_for_path (a);
  g_autoptr(GFile) part_file = g_file_new_for_path (part);
  g_autoptr(GFile) d_file = g_file_new_for_path (d);
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;
  NamesWait w = { folder, NULL };

  dc_picture_folder_load_async (folder, NULL, on_loaded, &done);
  g_assert_true (pictures_test_wait_for (flag_set, &done, 10000));
  w.expect = "a.jpg b.jpg";
  g_assert_true (names_match (&w));

  /* A new file appears, a deleted one leaves. */
  pictures_test_write_jpeg (c, img, 0);
  g_assert_true (g_file_delete (a_file, NULL, &error));
  w.expect = "b.jpg c.jpg";
  g_assert_true (pictures_test_wait_for (names_match, &w, 5000));

  /* A download lands as .part and is renamed: it appears once, complete. */
  pictures_test_write_jpeg (part, img, 0);
  g_assert_true (g_file_move (part_file, d_file, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  w.expect = "b.jpg c.jpg d.jpg";
  g_assert_true (pictures_test_wait_for (names_match, &w, 5000));
  {
    DcPicture *p = dc_picture_folder_lookup (folder, "d.jpg");
    goffset size = 0;
    gint64 mtime = 0;

    g_assert_nonnull (p);
    g_assert_true (dc_picture_file_stamp (d, &mtime, &size, NULL));
    g_assert_cmpint (dc_picture_get_size (p), ==, size);
  }
  g_clear_object (&folder);
  dc_test_rmdir (dir);
}

/* A copy of the model kept only through items-changed: it must always
 * agree with the model (batched changes describe the change exactly). */
typedef struct
{
  GPtrArray *shadow;
  guint      n_signals;
} Shadow;

static void
on_shadow_items_changed (GListModel *model, guint pos, guint removed, guint added, Shadow *sh)
{
  g_assert_cmpuint (pos + removed, <=, sh->shadow->len);
  g_ptr_array_remove_range (sh->shadow, pos, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (sh->shadow, (gint) (pos + i), g_list_model_get_item (model, pos + i));
  g_assert_cmpuint (sh->shadow->len, ==, g_list_model_get_n_items (model));
  sh->n_signals++;
}

static void
assert_shadow (GListModel *model, Shadow *sh)
{
  g_assert_cmpuint (sh->shadow->len, ==, g_list_model_get_n_items (model));
  for (guint i = 0; i < sh->shadow->len; i++)
    {
      g_autoptr(DcPicture) p = g_list_model_get_item (model, i);
      g_assert_true (p == g_ptr_array_index (sh->shadow, i));
    }
}

static gboolean
n_items_is (gpointer data)
{
  NamesWait *w = data;
  return g_list_model_get_n_items (G_LIST_MODEL (w->folder)) == GPOINTER_TO_UINT (w->expect);
}

/* Many files landing at once (downloads): the monitor handler only
 * queues; an idle applies them in batches, one items-changed each, and
 * never reads the disk for files that are not pictures. */
static void
test_monitor_batched (void)
{
  static const char *names[] = { "m.jpg", NULL };
  g_autofree char *dir = make_folder (names);
  g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_NONE);
  g_autoptr(DcImage) img = pictures_test_flat (16, 16, 10, 200, 10);
  g_autoptr(GError) error = NULL;
  Shadow sh = { g_ptr_array_new_with_free_func (g_object_unref), 0 };
  NamesWait w = { folder, NULL };
  const guint n = 24;

  g_assert_true (dc_picture_folder_load (folder, NULL, &error));
  g_ptr_array_add (sh.shadow, g_list_model_get_item (G_LIST_MODEL (folder), 0));
  g_signal_connect (folder, "items-changed", G_CALLBACK (on_shadow_items_changed), &sh);

  /* before and after m.jpg, and partial files around them */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%c%02u.jpg", dir, i % 2 ? 'a' : 'z', i);
      g_autofree char *part = g_strdup_printf ("%s/x%02u.jpg.part", dir, i);

      pictures_test_write_jpeg (path, img, 0);
      g_assert_true (g_file_set_contents (part, "x", 1, NULL));
    }
  g_usleep (200 * 1000);
  w.expect = GUINT_TO_POINTER (n + 1);
  g_assert_true (pictures_test_wait_for (n_items_is, &w, 10000));
  assert_shadow (G_LIST_MODEL (folder), &sh);
  g_test_message ("%u files: %u items-changed", n, sh.n_signals);
  g_assert_cmpuint (sh.n_signals, >=, 1);
  g_assert_cmpuint (sh.n_signals, <, n / 2);
  g_assert_nonnull (dc_picture_folder_lookup (folder, "a01.jpg"));
  g_assert_nonnull (dc_picture_folder_lookup (folder, "z00.jpg"));
  g_assert_null (dc_picture_folder_lookup (folder, "x00.jpg.part"));

  /* deletions and a rewrite, mixed: still exact */
  for (guint i = 0; i < n; i += 3)
    {
      g_autofree char *path = g_strdup_printf ("%s/%c%02u.jpg", dir, i % 2 ? 'a' : 'z', i);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  {
    g_autofree char *m = g_build_filename (dir, "m.jpg", NULL);
    g_autoptr(DcImage) big = pictures_test_flat (48, 48, 200, 10, 10);

    pictures_test_write_jpeg (m, big, 0);
  }
  w.expect = GUINT_TO_POINTER (n + 1 - n / 3);
  g_assert_true (pictures_test_wait_for (n_items_is, &w, 10000));
  assert_shadow (G_LIST_MODEL (folder), &sh);

  g_signal_handlers_disconnect_by_data (folder, &sh);
  g_ptr_array_unref (sh.shadow);
  g_clear_object (&folder);
  dc_test_rmdir (dir);
}

static void
test_monitor_recursive (void)
{
  static const char *names[] = { "top.jpg", NULL };
  g_autofree char *dir = make_folder (names);
  g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_RECURSIVE);
  g_autoptr(DcImage) img = pictures_test_flat (32, 32, 10, 200, 10);
  g_autofree char *sub = g_build_filename (dir, "sheet-2", NULL);
  g_autofree char *in_sub = g_build_filename (sub, "SF9.jpg", NULL);
  g_autofree char *marked = g_build_filename (dir, "marked", NULL);
  g_autofree char *in_marked = g_build_filename (marked, "top.jpg", NULL);
  g_autoptr(GError) error = NULL;
  NamesWait w = { folder, NULL };

  g_assert_true (dc_picture_folder_load (folder, NULL, &error));
  /* A new subfolder (an e-sheet's output) and its picture appear; our
   * own marked/ copies never do. */
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (marked, 0700), ==, 0);
  pictures_test_write_jpeg (in_sub, img, 0);
  pictures_test_write_jpeg (in_marked, img, 0);
  w.expect = "sheet-2/SF9.jpg top.jpg";
  g_assert_true (pictures_test_wait_for (names_match, &w, 5000));

  /* The subfolder removed: its pictures leave. */
  dc_test_rmdir (sub);
  w.expect = "top.jpg";
  g_assert_true (pictures_test_wait_for (names_match, &w, 5000));
  g_clear_object (&folder);
  dc_test_rmdir (dir);
}

static void
test_mark_index (void)
{
  static const char *names[] = { "a.jpg", "b.jpg", "c.jpg", NULL };
  g_autofree char *dir = make_folder (names);
  g_autoptr(GError) error = NULL;
  DcMark rect, ell, plain;
  g_autofree char *sidecar = g_build_filename (dir, DC_MARKS_FILE_NAME, NULL);

  dc_mark_init (&rect, DC_MARK_SHAPE_RECTANGLE, 10, 12, 40, 30, DC_MARK_COLOUR_YELLOW, 7);
  dc_mark_init (&ell, DC_MARK_SHAPE_ELLIPSE, 1, 2, 3, 4, DC_MARK_COLOUR_WHITE, 250);
  dc_mark_init (&plain, DC_MARK_SHAPE_NONE, 0, 0, 0, 0, DC_MARK_COLOUR_RED, 1);
  g_assert_cmpint (ell.line_width, ==, 100);   /* clamped to 1..100 */

  {
    g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, 0);

    g_assert_true (dc_picture_folder_load (folder, NULL, &error));
    g_assert_cmpuint (dc_picture_folder_get_n_marked (folder), ==, 0);
    g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "a.jpg"), &rect, &error));
    g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "b.jpg"), &ell, &error));
    g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "c.jpg"), &plain, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (dc_picture_folder_get_n_marked (folder), ==, 3);
    g_assert_true (dc_picture_get_marked (dc_picture_folder_lookup (folder, "a.jpg")));
    /* Edit one, remove one. */
    rect.colour = DC_MARK_COLOUR_BLACK;
    rect.x = 11;
    g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "a.jpg"), &rect, &error));
    g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "c.jpg"), NULL, &error));
    g_assert_cmpuint (dc_picture_folder_get_n_marked (folder), ==, 2);
    g_assert_false (dc_picture_get_marked (dc_picture_folder_lookup (folder, "c.jpg")));
  }
  g_assert_true (g_file_test (sidecar, G_FILE_TEST_IS_REGULAR));

  /* "Restart": a new folder object reads the sidecar. */
  {
    g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, 0);
    const DcMark *m;

    g_assert_true (dc_picture_folder_load (folder, NULL, &error));
    g_assert_cmpuint (dc_picture_folder_get_n_marked (folder), ==, 2);
    m = dc_picture_get_mark (dc_picture_folder_lookup (folder, "a.jpg"));
    g_assert_nonnull (m);
    g_assert_true (dc_mark_equal (m, &rect));
    m = dc_picture_get_mark (dc_picture_folder_lookup (folder, "b.jpg"));
    g_assert_true (dc_mark_equal (m, &ell));
    g_assert_null (dc_picture_get_mark (dc_picture_folder_lookup (folder, "c.jpg")));
  }

  /* A damaged sidecar is an error and is left untouched. */
  {
    g_autoptr(DcMarkIndex) idx = NULL;
    g_autofree char *after = NULL;

    g_assert_true (g_file_set_contents (sidecar, "{\"marks\": {\"a.jpg\": ", -1, NULL));
    idx = dc_mark_index_load (dir, &error);
    g_assert_null (idx);
    g_assert_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_INDEX);
    g_clear_error (&error);
    {
      g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, 0);
      g_assert_false (dc_picture_folder_load (folder, NULL, &error));
      g_assert_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_INDEX);
      g_clear_error (&error);
    }
    g_assert_true (g_file_get_contents (sidecar, &after, NULL, NULL));
    g_assert_cmpstr (after, ==, "{\"marks\": {\"a.jpg\": ");
  }
  dc_test_rmdir (dir);
}

static DcImage *
decode_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  DcImage *img = dc_picture_decode_full (path, NULL, &error);

  g_assert_no_error (error);
  return img;
}

static void
assert_rgb (const DcImage *img, int x, int y, guint8 r, guint8 g, guint8 b)
{
  const guint8 *px = pictures_test_pixel (img, x, y);

  if (!pictures_test_rgb_near (px, r, g, b, 24))
    g_error ("pixel %d,%d is %d,%d,%d, expected %d,%d,%d", x, y, px[0], px[1], px[2], r, g, b);
}

typedef struct
{
  gboolean done;
  GError  *error;
} BurnWait;

static void
on_burned (GObject *source, GAsyncResult *res, gpointer data)
{
  BurnWait *bw = data;

  dc_picture_burn_mark_finish (res, &bw->error);
  bw->done = TRUE;
}

static gboolean
burn_done (gpointer data)
{
  return ((BurnWait *) data)->done;
}

static void
test_burn (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *src = g_build_filename (dir, "SF123.jpg", NULL);
  g_autofree char *rotated = g_build_filename (dir, "rot.jpg", NULL);
  g_autoptr(DcImage) grey = pictures_test_flat (400, 300, 128, 128, 128);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;
  DcMark m;

  pictures_test_write_jpeg (src, grey, 0);
  g_assert_true (g_file_get_contents (src, &before, &before_len, NULL));

  /* Rectangle, red, 6 px, drawn inside the box. */
  {
    g_autofree char *out = dc_mark_burned_path (dir, "SF123.jpg");
    g_autofree char *expect = g_build_filename (dir, "marked", "SF123.jpg", NULL);
    g_autoptr(DcImage) img = NULL;

    g_assert_cmpstr (out, ==, expect);
    dc_mark_init (&m, DC_MARK_SHAPE_RECTANGLE, 50, 40, 200, 150, DC_MARK_COLOUR_RED, 6);
    g_assert_true (dc_picture_burn_mark (src, &m, out, DC_BURN_QUALITY, NULL, &error));
    g_assert_no_error (error);
    img = decode_file (out);
    g_assert_cmpint (img->width, ==, 400);
    g_assert_cmpint (img->height, ==, 300);
    assert_rgb (img, 52, 115, 0xE0, 0x1B, 0x24);     /* left edge */
    assert_rgb (img, 247, 115, 0xE0, 0x1B, 0x24);    /* right edge (x 244..249) */
    assert_rgb (img, 150, 42, 0xE0, 0x1B, 0x24);     /* top */
    assert_rgb (img, 150, 187, 0xE0, 0x1B, 0x24);    /* bottom (y 184..189) */
    assert_rgb (img, 60, 115, 128, 128, 128);        /* just inside: thickness is 6 */
    assert_rgb (img, 150, 115, 128, 128, 128);       /* centre untouched */
    assert_rgb (img, 20, 20, 128, 128, 128);         /* outside untouched */
    assert_rgb (img, 260, 200, 128, 128, 128);
  }

  /* Ellipse, yellow, 8 px. */
  {
    g_autofree char *out = g_build_filename (dir, "marked", "ellipse.jpg", NULL);
    g_autoptr(DcImage) img = NULL;

    dc_mark_init (&m, DC_MARK_SHAPE_ELLIPSE, 50, 40, 200, 150, DC_MARK_COLOUR_YELLOW, 8);
    g_assert_true (dc_picture_burn_mark (src, &m, out, DC_BURN_QUALITY, NULL, &error));
    img = decode_file (out);
    assert_rgb (img, 53, 115, 0xFF, 0xE0, 0x00);     /* left vertex */
    assert_rgb (img, 246, 115, 0xFF, 0xE0, 0x00);    /* right vertex */
    assert_rgb (img, 150, 43, 0xFF, 0xE0, 0x00);     /* top vertex */
    assert_rgb (img, 150, 186, 0xFF, 0xE0, 0x00);    /* bottom vertex */
    assert_rgb (img, 65, 115, 128, 128, 128);        /* inside the ring */
    assert_rgb (img, 150, 115, 128, 128, 128);       /* centre */
    assert_rgb (img, 56, 46, 128, 128, 128);         /* box corner: outside the ellipse */
    /* on the 45° diagonal: (cx + a cos45, cy + b sin45) minus half the line */
    assert_rgb (img, 150 + (int) (97 * 0.7071), 115 + (int) (72 * 0.7071), 0xFF, 0xE0, 0x00);
  }

  /* Partly outside the picture: clipped, no crash; thick lines fill small boxes. */
  {
    g_autofree char *out = g_build_filename (dir, "marked", "clip.jpg", NULL);
    g_autoptr(DcImage) img = NULL;

    dc_mark_init (&m, DC_MARK_SHAPE_RECTANGLE, -30, 250, 100, 100, DC_MARK_COLOUR_BLACK, 100);
    g_assert_true (dc_picture_burn_mark (src, &m, out, DC_BURN_QUALITY, NULL, &error));
    img = decode_file (out);
    assert_rgb (img, 10, 290, 0, 0, 0);
    assert_rgb (img, 80, 290, 128, 128, 128);
    dc_mark_init (&m, DC_MARK_SHAPE_ELLIPSE, 350, -40, 200, 100, DC_MARK_COLOUR_WHITE, 5);
    g_assert_true (dc_picture_burn_mark (src, &m, out, DC_BURN_QUALITY, NULL, &error));
  }

  /* The async variant (what the grid calls) gives the same result. */
  {
    g_autofree char *out = g_build_filename (dir, "marked", "async.jpg", NULL);
    g_autoptr(DcImage) img = NULL;
    BurnWait bw = { FALSE, NULL };

    dc_mark_init (&m, DC_MARK_SHAPE_RECTANGLE, 50, 40, 200, 150, DC_MARK_COLOUR_WHITE, 6);
    dc_picture_burn_mark_async (src, &m, out, DC_BURN_QUALITY, NULL, on_burned, &bw);
    g_assert_true (pictures_test_wait_for (burn_done, &bw, 10000));
    g_assert_no_error (bw.error);
    img = decode_file (out);
    assert_rgb (img, 52, 115, 255, 255, 255);
    assert_rgb (img, 150, 115, 128, 128, 128);
  }

  /* The original is untouched. */
  g_assert_true (g_file_get_contents (src, &after, &after_len, NULL));
  g_assert_cmpuint (after_len, ==, before_len);
  g_assert_true (memcmp (before, after, before_len) == 0);

  /* An EXIF-rotated source: geometry is in upright pixels, output upright. */
  {
    g_autoptr(DcImage) q = pictures_test_quadrants (200, 100);
    g_autofree char *out = g_build_filename (dir, "marked", "rot.jpg", NULL);
    g_autoptr(DcImage) img = NULL;

    pictures_test_write_jpeg (rotated, q, 6);
    dc_mark_init (&m, DC_MARK_SHAPE_RECTANGLE, 0, 0, 100, 200, DC_MARK_COLOUR_BLACK, 4);
    g_assert_true (dc_picture_burn_mark (rotated, &m, out, DC_BURN_QUALITY, NULL, &error));
    img = decode_file (out);
    g_assert_cmpint (img->width, ==, 100);
    g_assert_cmpint (img->height, ==, 200);
    assert_rgb (img, 25, 50, 0, 0, 255);       /* upright TL is stored BL (blue) */
    assert_rgb (img, 1, 100, 0, 0, 0);         /* left outline */
  }

  /* Damaged source: an error, nothing written. */
  {
    g_autofree char *bad = g_build_filename (dir, "bad.jpg", NULL);
    g_autofree char *out = g_build_filename (dir, "marked", "bad.jpg", NULL);

    g_assert_true (g_file_set_contents (bad, "\xFF\xD8\xFF\xE0 nope", -1, NULL));
    dc_mark_init (&m, DC_MARK_SHAPE_RECTANGLE, 0, 0, 10, 10, DC_MARK_COLOUR_RED, 2);
    g_assert_false (dc_picture_burn_mark (bad, &m, out, DC_BURN_QUALITY, NULL, &error));
    g_assert_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT);
    g_clear_error (&error);
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  }
  dc_test_rmdir (dir);
}

static gboolean
bytes_equal_file (const char *path, const char *contents, gsize len)
{
  g_autofree char *now = NULL;
  gsize now_len = 0;

  if (!g_file_get_contents (path, &now, &now_len, NULL))
    return FALSE;
  return now_len == len && memcmp (now, contents, len) == 0;
}

static void
test_prune_undo (void)
{
  static const char *names[] = { "keep.jpg", "p1.jpg", "p2.png", "p3.jpg", NULL };
  g_autofree char *dir = make_folder (names);
  g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, 0);
  g_autoptr(DcTrashUndo) undo = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *trash_files = g_build_filename (g_get_user_data_dir (), "Trash", "files", NULL);
  g_autofree char *trash_info = g_build_filename (g_get_user_data_dir (), "Trash", "info", NULL);
  g_autofree char *p1 = g_build_filename (dir, "p1.jpg", NULL);
  g_autofree char *p1_contents = NULL;
  gsize p1_len;
  g_autofree char *names_now = NULL;
  DcMark m;

  /* The test's own trash, not the user's. */
  g_assert_true (g_str_has_prefix (trash_files, tmp_root));
  g_assert_true (g_file_get_contents (p1, &p1_contents, &p1_len, NULL));

  g_assert_true (dc_picture_folder_load (folder, NULL, &error));
  dc_mark_init (&m, DC_MARK_SHAPE_NONE, 0, 0, 0, 0, DC_MARK_COLOUR_RED, 1);
  g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "keep.jpg"), &m, &error));

  g_assert_true (dc_picture_folder_prune_unmarked (folder, &undo, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dc_trash_undo_get_n_files (undo), ==, 3);
  names_now = model_names (G_LIST_MODEL (folder));
  g_assert_cmpstr (names_now, ==, "keep.jpg");
  g_assert_false (g_file_test (p1, G_FILE_TEST_EXISTS));
  /* The sidecar, read afresh, says the review removed them (a restart
   * must not call them never downloaded), and the kept one is not. */
  {
    g_autoptr(DcMarkIndex) on_disk = dc_mark_index_load (dir, &error);

    g_assert_no_error (error);
    g_assert_true (dc_mark_index_is_pruned (on_disk, "p1.jpg"));
    g_assert_true (dc_mark_index_is_pruned (on_disk, "p3.jpg"));
    g_assert_false (dc_mark_index_is_pruned (on_disk, "keep.jpg"));
    g_assert_true (dc_mark_index_is_marked (on_disk, "keep.jpg"));
  }
  /* In the trash with a .trashinfo naming where it was. */
  {
    g_autofree char *in_trash = g_build_filename (trash_files, "p1.jpg", NULL);
    g_autofree char *info = g_build_filename (trash_info, "p1.jpg.trashinfo", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new ();
    g_autofree char *path = NULL;
    g_autofree char *unescaped = NULL;

    g_assert_true (bytes_equal_file (in_trash, p1_contents, p1_len));
    g_assert_true (g_key_file_load_from_file (kf, info, 0, NULL));
    path = g_key_file_get_string (kf, "Trash Info", "Path", NULL);
    unescaped = g_uri_unescape_string (path, NULL);
    g_assert_cmpstr (unescaped, ==, p1);
  }

  /* Undo: every file back where it was, the model too. */
  g_assert_true (dc_picture_folder_undo_prune (folder, undo, &error));
  g_assert_no_error (error);
  g_clear_pointer (&names_now, g_free);
  names_now = model_names (G_LIST_MODEL (folder));
  g_assert_cmpstr (names_now, ==, "keep.jpg p1.jpg p2.png p3.jpg");
  g_assert_true (bytes_equal_file (p1, p1_contents, p1_len));
  {
    g_autoptr(DcMarkIndex) on_disk = dc_mark_index_load (dir, &error);

    g_assert_no_error (error);
    g_assert_false (dc_mark_index_is_pruned (on_disk, "p1.jpg"));
    g_assert_false (dc_mark_index_is_pruned (on_disk, "p3.jpg"));
  }
  {
    g_autofree char *info = g_build_filename (trash_info, "p1.jpg.trashinfo", NULL);
    g_autofree char *in_trash = g_build_filename (trash_files, "p1.jpg", NULL);

    g_assert_false (g_file_test (info, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (in_trash, G_FILE_TEST_EXISTS));
  }

  /* The same path trashed twice: undo takes the newest DeletionDate, and
   * never overwrites a file that is back at the original path. */
  {
    const char *one[] = { p1 };
    g_autoptr(DcTrashUndo) u1 = NULL;
    g_autoptr(DcTrashUndo) u2 = NULL;

    g_assert_true (dc_trash_files (one, 1, &u1, NULL, &error));
    g_usleep (1100 * 1000);   /* DeletionDate has one-second resolution */
    g_assert_true (g_file_set_contents (p1, "second version", -1, NULL));
    g_assert_true (dc_trash_files (one, 1, &u2, NULL, &error));
    g_assert_true (dc_trash_undo_restore (u2, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (bytes_equal_file (p1, "second version", 14));
    /* u1 now finds its (older) entry but the path is taken: kept in trash. */
    g_assert_false (dc_trash_undo_restore (u1, NULL, &error));
    g_assert_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "p1.jpg"));
    g_clear_error (&error);
    g_assert_true (bytes_equal_file (p1, "second version", 14));
    /* Once the path is free again, u1 restores the first version. */
    g_assert_true (g_remove (p1) == 0);
    g_assert_true (dc_trash_undo_restore (u1, NULL, &error));
    g_assert_true (bytes_equal_file (p1, p1_contents, p1_len));
  }
  g_clear_object (&folder);
  dc_test_rmdir (dir);
}

static void
lookup_waybill (const char *waybill, char **dock, GDateTime **scan_time, gpointer data)
{
  if (g_str_equal (waybill, "SF1001"))
    {
      *dock = g_strdup ("Dock 3, north");
      *scan_time = g_date_time_new_local (2026, 3, 14, 9, 26, 53);
    }
}

typedef struct
{
  gssize  n;
  GError *error;
} ExportWait;

static void
on_exported (GObject *source, GAsyncResult *res, gpointer data)
{
  ExportWait *ew = data;
  ew->n = dc_pictures_export_marked_finish (res, &ew->error);
}

static gboolean
export_done (gpointer data)
{
  return ((ExportWait *) data)->n != -2;
}

static void
test_export (void)
{
  static const char *names[] = { "SF1001.jpg", "SF1002.jpg", "SF1003.jpg", NULL };
  g_autofree char *dir = make_folder (names);
  g_autofree char *dest = g_build_filename (dir, "..", "export-out", NULL);
  g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *manifest = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;
  DcMark m;

  g_assert_true (dc_picture_folder_load (folder, NULL, &error));
  dc_mark_init (&m, DC_MARK_SHAPE_RECTANGLE, 5, 5, 30, 20, DC_MARK_COLOUR_RED, 3);
  g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "SF1001.jpg"), &m, &error));
  dc_mark_init (&m, DC_MARK_SHAPE_NONE, 0, 0, 0, 0, DC_MARK_COLOUR_RED, 1);
  g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "SF1003.jpg"), &m, &error));

  g_assert_true (dc_pictures_export_marked (dir, dc_picture_folder_get_marks (folder), dest,
                                            lookup_waybill, NULL, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);

  manifest_path = g_build_filename (dest, DC_EXPORT_MANIFEST_NAME, NULL);
  g_assert_true (g_file_get_contents (manifest_path, &manifest, NULL, NULL));
  g_assert_true (g_str_has_prefix (manifest, "\xEF\xBB\xBF" "waybill,dock,scan time,file,sha256\r\n"));
  lines = g_strsplit (manifest + 3, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);   /* header, 2 rows, "" */
  g_assert_cmpstr (lines[3], ==, "");

  for (guint i = 1; i <= 2; i++)
    {
      g_auto(GStrv) f = NULL;
      g_autofree char *file = NULL;
      g_autofree char *data = NULL;
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      gsize len;

      if (i == 1)
        {
          /* quoted because of the comma */
          g_assert_true (g_str_has_prefix (lines[1], "SF1001,\"Dock 3, north\",2026-03-14 09:26:53,SF1001.jpg,"));
          f = g_strsplit (lines[1] + strlen ("SF1001,\"Dock 3, north\","), ",", -1);
          g_assert_cmpstr (f[1], ==, "SF1001.jpg");
          file = g_build_filename (dest, f[1], NULL);
        }
      else
        {
          f = g_strsplit (lines[2], ",", -1);
          g_assert_cmpstr (f[0], ==, "SF1003");
          g_assert_cmpstr (f[1], ==, "");
          g_assert_cmpstr (f[2], ==, "");
          g_assert_cmpstr (f[3], ==, "SF1003.jpg");
          file = g_build_filename (dest, f[3], NULL);
        }
      g_assert_true (g_file_get_contents (file, &data, &len, NULL));
      g_checksum_update (sum, (const guchar *) data, (gssize) len);
      g_assert_cmpstr (f[g_strv_length (f) - 1], ==, g_checksum_get_string (sum));
    }

  /* SF1001's export is the burned copy (red outline), SF1003's the original bytes. */
  {
    g_autofree char *out1 = g_build_filename (dest, "SF1001.jpg", NULL);
    g_autofree char *orig3 = g_build_filename (dir, "SF1003.jpg", NULL);
    g_autofree char *out3 = g_build_filename (dest, "SF1003.jpg", NULL);
    g_autofree char *o = NULL;
    gsize olen;
    g_autoptr(DcImage) img = decode_file (out1);

    g_assert_true (pictures_test_rgb_near (pictures_test_pixel (img, 6, 15), 0xE0, 0x1B, 0x24, 30));
    g_assert_true (g_file_get_contents (orig3, &o, &olen, NULL));
    g_assert_true (bytes_equal_file (out3, o, olen));
  }
  {
    g_autofree char *out2 = g_build_filename (dest, "SF1002.jpg", NULL);
    g_assert_false (g_file_test (out2, G_FILE_TEST_EXISTS));
  }
  /* The async variant: same files; marking meanwhile does not disturb it. */
  {
    g_autofree char *dest2 = g_build_filename (dir, "..", "export-async", NULL);
    g_autofree char *m2 = g_build_filename (dest2, DC_EXPORT_MANIFEST_NAME, NULL);
    g_autofree char *manifest2 = NULL;
    ExportWait ew = { -2, NULL };

    dc_pictures_export_marked_async (dir, dc_picture_folder_get_marks (folder), dest2,
                                     lookup_waybill, NULL, NULL, NULL, on_exported, &ew);
    g_assert_true (dc_picture_folder_set_mark (folder, dc_picture_folder_lookup (folder, "SF1002.jpg"), &m, &error));
    g_assert_true (pictures_test_wait_for (export_done, &ew, 10000));
    g_assert_no_error (ew.error);
    g_assert_cmpint (ew.n, ==, 2);
    g_assert_true (g_file_get_contents (m2, &manifest2, NULL, NULL));
    g_assert_cmpstr (manifest2, ==, manifest);
    dc_test_rmdir (dest2);
  }
  g_clear_object (&folder);
  dc_test_rmdir (dest);
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  tmp_root = pictures_test_setup_env ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pictures/folder/scan", test_scan);
  g_test_add_func ("/pictures/folder/monitor", test_monitor);
  g_test_add_func ("/pictures/folder/monitor-batched", test_monitor_batched);
  g_test_add_func ("/pictures/folder/monitor-recursive", test_monitor_recursive);
  g_test_add_func ("/pictures/marks/index-survives-reload", test_mark_index);
  g_test_add_func ("/pictures/marks/burn", test_burn);
  g_test_add_func ("/pictures/prune/trash-and-undo", test_prune_undo);
  g_test_add_func ("/pictures/export/manifest", test_export);
  ret = g_test_run ();
  pictures_test_teardown_env (tmp_root);
  return ret;
}
