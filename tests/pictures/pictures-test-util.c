#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "dc-test-util.h"
#include "pictures-test-util.h"

char *
pictures_test_setup_env (void)
{
  char *root = dc_test_mkdtemp ();
  g_autofree char *data = g_build_filename (root, "data", NULL);
  g_autofree char *cache = g_build_filename (root, "cache", NULL);

  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (cache, 0700), ==, 0);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  /* Local GIO only: no gvfsd, the trash is the plain file-system one. */
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  return root;
}

void
pictures_test_teardown_env (char *root)
{
  dc_test_rmdir (root);
  g_free (root);
}

DcImage *
pictures_test_quadrants (int width, int height)
{
  DcImage *image = dc_image_new (width, height, 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->pixels + (gsize) y * image->stride + (gsize) x * 3;
        gboolean right = x >= width / 2, bottom = y >= height / 2;

        if (!right && !bottom)
          p[0] = 255, p[1] = 0, p[2] = 0;
        else if (right && !bottom)
          p[0] = 0, p[1] = 255, p[2] = 0;
        else if (!right && bottom)
          p[0] = 0, p[1] = 0, p[2] = 255;
        else
          p[0] = 255, p[1] = 255, p[2] = 255;
      }
  return image;
}

DcImage *
pictures_test_gradient (int width, int height)
{
  DcImage *image = dc_image_new (width, height, 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->pixels + (gsize) y * image->stride + (gsize) x * 3;

        p[0] = (guint8) (x * 255 / MAX (1, width - 1));
        p[1] = (guint8) (y * 255 / MAX (1, height - 1));
        p[2] = 128;
      }
  return image;
}

DcImage *
pictures_test_flat (int width, int height, guint8 r, guint8 g, guint8 b)
{
  DcImage *image = dc_image_new (width, height, 3);

  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      image->pixels[i * 3] = r;
      image->pixels[i * 3 + 1] = g;
      image->pixels[i * 3 + 2] = b;
    }
  return image;
}

static void
put16 (guint8 *p, guint v, gboolean be)
{
  if (be)
    p[0] = (guint8) (v >> 8), p[1] = (guint8) v;
  else
    p[0] = (guint8) v, p[1] = (guint8) (v >> 8);
}

static void
put32 (guint8 *p, guint32 v, gboolean be)
{
  if (be)
    {
      put16 (p, v >> 16, TRUE);
      put16 (p + 2, v & 0xFFFF, TRUE);
    }
  else
    {
      put16 (p, v & 0xFFFF, FALSE);
      put16 (p + 2, v >> 16, FALSE);
    }
}

GBytes *
pictures_test_jpeg (const DcImage *image, int quality, int orientation, gboolean big_endian)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = dc_jpeg_encode (image, quality, TRUE, &error);
  /* "Exif\0\0" + TIFF header (8) + IFD0 with one entry (2 + 12 + 4) */
  guint8 app1[6 + 8 + 18];
  guint8 *t = app1 + 6;

  g_assert_no_error (error);
  if (orientation == 0)
    return g_steal_pointer (&plain);

  memcpy (app1, "Exif\0\0", 6);
  t[0] = t[1] = big_endian ? 'M' : 'I';
  put16 (t + 2, 42, big_endian);
  put32 (t + 4, 8, big_endian);
  put16 (t + 8, 1, big_endian);               /* one entry */
  put16 (t + 10, 0x0112, big_endian);         /* Orientation */
  put16 (t + 12, 3, big_endian);              /* SHORT */
  put32 (t + 14, 1, big_endian);              /* count */
  put16 (t + 18, (guint) orientation, big_endian);
  put16 (t + 20, 0, big_endian);
  put32 (t + 22, 0, big_endian);              /* no next IFD */
  return dc_jpeg_insert_segment (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                 0xE1, app1, sizeof app1);
}

void
pictures_test_write (const char *path, GBytes *bytes)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                       (gssize) g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
}

void
pictures_test_write_jpeg (const char *path, const DcImage *image, int orientation)
{
  g_autoptr(GBytes) jpeg = pictures_test_jpeg (image, 95, orientation, TRUE);
  pictures_test_write (path, jpeg);
}

const guint8 *
pictures_test_pixel (const DcImage *image, int x, int y)
{
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, image->width);
  g_assert_cmpint (y, <, image->height);
  return image->pixels + (gsize) y * image->stride + (gsize) x * image->channels;
}

gboolean
pictures_test_rgb_near (const guint8 *px, guint8 r, guint8 g, guint8 b, int tol)
{
  return abs (px[0] - r) <= tol && abs (px[1] - g) <= tol && abs (px[2] - b) <= tol;
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
pictures_test_wait_for (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return cond (data);
}
