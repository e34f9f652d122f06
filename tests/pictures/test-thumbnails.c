/* Thumbnails: TurboJPEG scales, EXIF orientation, damaged files, the pool
 * (LIFO, bounded, cancellable, batched delivery) and the disk cache. */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <string.h>
#include <turbojpeg.h>

#include "dc-test-util.h"
#include "pictures-test-util.h"
#include "pictures/dc-pictures-error.h"
#include "pictures/dc-thumbnail.h"
#include "pictures/dc-thumbnail-cache.h"
#include "pictures/dc-thumbnail-pool.h"

static char *tmp_root;

static DcImage *
thumb_as_image (DcThumbnail *t)
{
  DcImage *image = g_new0 (DcImage, 1);

  image->pixels = g_memdup2 (g_bytes_get_data (t->pixels, NULL), g_bytes_get_size (t->pixels));
  image->width = t->width;
  image->height = t->height;
  image->stride = t->stride;
  image->channels = t->has_alpha ? 4 : 3;
  return image;
}

static void
test_every_scale (void)
{
  g_autoptr(DcImage) src = pictures_test_gradient (512, 384);
  g_autoptr(GBytes) jpeg = pictures_test_jpeg (src, 95, 0, TRUE);
  const guint8 *data = g_bytes_get_data (jpeg, NULL);
  gsize len = g_bytes_get_size (jpeg);
  tjscalingfactor *factors;
  int n = 0, n_down = 0;

  factors = tjGetScalingFactors (&n);
  g_assert_nonnull (factors);
  g_assert_cmpint (n, >=, 8);

  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DcImage) out = NULL;
      int sw = TJSCALED (512, factors[i]), sh = TJSCALED (384, factors[i]);

      /* Every factor TurboJPEG offers decodes to the size it promises, and
       * the picture is the picture (gradient sampled at the centre). */
      out = dc_jpeg_decode (data, len, factors[i].num, factors[i].denom, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpint (out->width, ==, sw);
      g_assert_cmpint (out->height, ==, sh);
      g_assert_true (pictures_test_rgb_near (pictures_test_pixel (out, sw / 2, sh / 2),
                                             128, 128, 128, 12));

      if (factors[i].num <= factors[i].denom)
        {
          g_autoptr(DcThumbnail) thumb = NULL;
          g_autoptr(GBytes) bytes = g_bytes_new_static (data, len);
          int num, denom;

          n_down++;
          /* The smallest scale >= the target is this one... */
          dc_jpeg_choose_scale (512, 384, sw, sh, &num, &denom);
          g_assert_cmpint (num * factors[i].denom, ==, factors[i].num * denom);
          /* ...one pixel more and it must not be picked any more. */
          if (factors[i].num < factors[i].denom)
            {
              dc_jpeg_choose_scale (512, 384, sw + 1, sh, &num, &denom);
              g_assert_cmpint ((gint64) num * factors[i].denom, >, (gint64) factors[i].num * denom);
            }

          /* The thumbnail path uses it: a box of the scaled width. */
          thumb = dc_thumbnail_decode_bytes (bytes, "gradient.jpg", sw, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpint (thumb->scale_num * factors[i].denom, ==, factors[i].num * thumb->scale_denom);
          g_assert_cmpint (thumb->width, ==, sw);
          g_assert_cmpint (thumb->height, ==, sh);
          g_assert_cmpint (thumb->source_width, ==, 512);
          g_assert_false (thumb->placeholder);
        }
    }
  g_assert_cmpint (n_down, ==, 8);   /* 1/8 .. 8/8 */

  /* A box between two scales: scaled down by DCT, then area-averaged to
   * exactly fit the box. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = g_bytes_new_static (data, len);
    g_autoptr(DcThumbnail) thumb = dc_thumbnail_decode_bytes (bytes, "g.jpg", 100, NULL, &error);
    g_autoptr(DcImage) img = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (thumb->width, ==, 100);
    g_assert_cmpint (thumb->height, ==, 75);
    g_assert_cmpint (thumb->scale_num, ==, 1);
    g_assert_cmpint (thumb->scale_denom, ==, 4);   /* 128x96 >= 100x75 > 64x48 */
    img = thumb_as_image (thumb);
    /* left edge dark red, right edge bright red */
    g_assert_cmpint (pictures_test_pixel (img, 2, 37)[0], <, 30);
    g_assert_cmpint (pictures_test_pixel (img, 97, 37)[0], >, 225);
  }
}

/* Expected upright quadrants (TL, TR, BL, BR) of the stored layout
 * R G / B W for each EXIF orientation, from the Exif 2.3 table. */
static const char *expected_quadrants[9] = {
  NULL, "RGBW", "GRWB", "WBGR", "BWRG", "RBGW", "BRWG", "WGBR", "GWRB",
};

static void
check_quadrants (const DcImage *img, const char *expect, int orientation)
{
  int w = img->width, h = img->height;
  int xs[4] = { w / 4, 3 * w / 4, w / 4, 3 * w / 4 };
  int ys[4] = { h / 4, h / 4, 3 * h / 4, 3 * h / 4 };

  for (int q = 0; q < 4; q++)
    {
      const guint8 *px = pictures_test_pixel (img, xs[q], ys[q]);
      guint8 r = 0, g = 0, b = 0;

      switch (expect[q])
        {
        case 'R': r = 255; break;
        case 'G': g = 255; break;
        case 'B': b = 255; break;
        default: r = g = b = 255; break;
        }
      if (!pictures_test_rgb_near (px, r, g, b, 40))
        g_error ("orientation %d quadrant %d: got %d,%d,%d expected %c",
                 orientation, q, px[0], px[1], px[2], expect[q]);
    }
}

static void
test_exif_orientations (void)
{
  g_autoptr(DcImage) src = pictures_test_quadrants (64, 32);

  for (int o = 1; o <= 8; o++)
    {
      g_autoptr(GBytes) jpeg = pictures_test_jpeg (src, 95, o, o % 2 == 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(DcThumbnail) thumb = NULL;
      g_autoptr(DcImage) img = NULL;
      gboolean swap = o >= 5;

      g_assert_cmpint (dc_jpeg_exif_orientation (g_bytes_get_data (jpeg, NULL),
                                                 g_bytes_get_size (jpeg)), ==, o);
      thumb = dc_thumbnail_decode_bytes (jpeg, "q.jpg", 256, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (thumb->width, ==, swap ? 32 : 64);
      g_assert_cmpint (thumb->height, ==, swap ? 64 : 32);
      g_assert_cmpint (thumb->source_width, ==, swap ? 32 : 64);
      img = thumb_as_image (thumb);
      check_quadrants (img, expected_quadrants[o], o);

      /* Cross-check with gdk-pixbuf's own EXIF handling. */
      {
        g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (jpeg);
        g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_stream (in, NULL, &error);
        g_autoptr(GdkPixbuf) up = NULL;
        DcImage view;

        g_assert_no_error (error);
        up = gdk_pixbuf_apply_embedded_orientation (pb);
        view.pixels = (guint8 *) gdk_pixbuf_read_pixels (up);
        view.width = gdk_pixbuf_get_width (up);
        view.height = gdk_pixbuf_get_height (up);
        view.stride = gdk_pixbuf_get_rowstride (up);
        view.channels = gdk_pixbuf_get_n_channels (up);
        check_quadrants (&view, expected_quadrants[o], o);
      }

      /* A thumbnail that needs DCT scaling is turned the same way. */
      {
        g_autoptr(DcImage) big = pictures_test_quadrants (640, 320);
        g_autoptr(GBytes) bjpeg = pictures_test_jpeg (big, 90, o, o % 2 == 0);
        g_autoptr(DcThumbnail) bt = dc_thumbnail_decode_bytes (bjpeg, "b.jpg", 80, NULL, &error);
        g_autoptr(DcImage) bimg = NULL;

        g_assert_no_error (error);
        g_assert_cmpint (MAX (bt->width, bt->height), ==, 80);
        g_assert_cmpint (bt->width, ==, swap ? 40 : 80);
        bimg = thumb_as_image (bt);
        check_quadrants (bimg, expected_quadrants[o], o);
      }
    }
}

static void
test_exif_malformed (void)
{
  g_autoptr(DcImage) src = pictures_test_quadrants (16, 16);
  g_autoptr(GBytes) plain = pictures_test_jpeg (src, 90, 0, TRUE);
  const guint8 *d = g_bytes_get_data (plain, NULL);
  gsize n = g_bytes_get_size (plain);
  /* Exif whose IFD0 offset points past the segment, and one truncated
   * in the middle of the entry: orientation 1, no read out of bounds. */
  static const guint8 bad_offset[] = { 'E','x','i','f',0,0, 'M','M',0,42, 0x7f,0xff,0xff,0xff };
  static const guint8 short_entry[] = { 'E','x','i','f',0,0, 'I','I',42,0, 8,0,0,0, 1,0, 0x12,0x01, 3 };
  g_autoptr(GBytes) a = dc_jpeg_insert_segment (d, n, 0xE1, bad_offset, sizeof bad_offset);
  g_autoptr(GBytes) b = dc_jpeg_insert_segment (d, n, 0xE1, short_entry, sizeof short_entry);
  static const guint8 lying_length[] = { 0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x' };

  g_assert_cmpint (dc_jpeg_exif_orientation (g_bytes_get_data (a, NULL), g_bytes_get_size (a)), ==, 1);
  g_assert_cmpint (dc_jpeg_exif_orientation (g_bytes_get_data (b, NULL), g_bytes_get_size (b)), ==, 1);
  g_assert_cmpint (dc_jpeg_exif_orientation (lying_length, sizeof lying_length), ==, 1);
  g_assert_cmpint (dc_jpeg_exif_orientation (d, 2), ==, 1);
}

static void
test_corrupt (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autoptr(DcImage) src = pictures_test_gradient (320, 240);
  g_autoptr(GBytes) jpeg = pictures_test_jpeg (src, 90, 0, TRUE);
  struct { const char *name; GBytes *bytes; } cases[5];
  guint8 noise[4096];

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_test_rand_int ();
  noise[0] = 0xFF, noise[1] = 0xD8, noise[2] = 0xFF;   /* a JPEG by its start only */

  cases[0].name = "truncated.jpg";
  cases[0].bytes = g_bytes_new_from_bytes (jpeg, 0, g_bytes_get_size (jpeg) / 2);
  cases[1].name = "noise.jpg";
  cases[1].bytes = g_bytes_new (noise, sizeof noise);
  cases[2].name = "empty.jpg";
  cases[2].bytes = g_bytes_new (NULL, 0);
  cases[3].name = "text.png";
  cases[3].bytes = g_bytes_new_static ("not a picture at all", 20);
  cases[4].name = "header-only.jpg";
  cases[4].bytes = g_bytes_new_from_bytes (jpeg, 0, 200);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(DcThumbnail) none = NULL;
      g_autoptr(DcThumbnail) ph = NULL;

      pictures_test_write (path, cases[i].bytes);
      none = dc_thumbnail_decode_file (path, 128, NULL, &error);
      g_assert_null (none);
      g_assert_nonnull (error);
      g_assert_true (error->domain == DC_PICTURES_ERROR);
      /* The message names the file. */
      g_assert_nonnull (strstr (error->message, cases[i].name));

      ph = dc_thumbnail_load_file (path, 128, NULL);
      g_assert_nonnull (ph);
      g_assert_true (ph->placeholder);
      g_assert_nonnull (ph->reason);
      g_assert_cmpstr (ph->reason, ==, error->message);
      g_assert_cmpint (ph->width, >, 0);
      g_assert_cmpuint (g_bytes_get_size (ph->pixels), ==, (gsize) ph->stride * ph->height);
      g_bytes_unref (cases[i].bytes);
    }

  /* Cut at many lengths: always an error (no EOI), never a crash or a
   * half-grey "success". */
  for (gsize cut = 0; cut < g_bytes_get_size (jpeg); cut += g_bytes_get_size (jpeg) / 37 + 1)
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (jpeg, 0, cut);
      g_autoptr(GError) error = NULL;
      g_autoptr(DcThumbnail) t = dc_thumbnail_decode_bytes (part, "cut.jpg", 64, NULL, &error);

      g_assert_null (t);
      g_assert_nonnull (error);
    }
  /* Noise behind a JPEG signature, 200 times: errors only. */
  for (int round = 0; round < 200; round++)
    {
      g_autoptr(GBytes) junk = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(DcThumbnail) t = NULL;
      gsize n = 16 + (gsize) g_test_rand_int_range (0, 2000);

      for (gsize i = 3; i < n; i++)
        noise[i] = (guint8) g_test_rand_int ();
      junk = g_bytes_new (noise, n);
      t = dc_thumbnail_decode_bytes (junk, "junk.jpg", 64, NULL, &error);
      g_assert_true ((t == NULL) != (error == NULL));
    }

  /* Missing file: placeholder, GIO error. */
  {
    g_autofree char *path = g_build_filename (dir, "gone.jpg", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(DcThumbnail) ph = dc_thumbnail_load_file (path, 128, NULL);

    g_assert_null (dc_thumbnail_decode_file (path, 128, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_true (ph->placeholder);
  }
  /* A JPEG with trailing junk after EOI is fine (cameras pad files). */
  {
    g_autofree char *path = g_build_filename (dir, "padded.jpg", NULL);
    GByteArray *arr = g_byte_array_new ();
    g_autoptr(GBytes) padded = NULL;
    g_autoptr(DcThumbnail) t = NULL;
    g_autoptr(GError) error = NULL;

    g_byte_array_append (arr, g_bytes_get_data (jpeg, NULL), (guint) g_bytes_get_size (jpeg));
    g_byte_array_append (arr, (const guint8 *) "\0\0\0\0", 4);
    padded = g_byte_array_free_to_bytes (arr);
    pictures_test_write (path, padded);
    t = dc_thumbnail_decode_file (path, 128, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (t->placeholder);
  }
  dc_test_rmdir (dir);
}

static void
test_png_webp (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *png = g_build_filename (dir, "alpha.png", NULL);
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 400, 200);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcThumbnail) t = NULL;
  gboolean have_webp = FALSE;
  GSList *formats;

  gdk_pixbuf_fill (pb, 0x20C04080);   /* RGBA, half transparent */
  gdk_pixbuf_save (pb, png, "png", &error, NULL);
  g_assert_no_error (error);
  t = dc_thumbnail_decode_file (png, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->width, ==, 100);
  g_assert_cmpint (t->height, ==, 50);
  g_assert_true (t->has_alpha);
  g_assert_cmpint (t->source_width, ==, 400);
  {
    const guint8 *px = g_bytes_get_data (t->pixels, NULL);
    g_assert_cmpint (px[0], ==, 0x20);
    g_assert_cmpint (px[3], ==, 0x80);
  }

  formats = gdk_pixbuf_get_formats ();
  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *name = gdk_pixbuf_format_get_name (l->data);

      if (g_str_equal (name, "webp") && gdk_pixbuf_format_is_writable (l->data))
        have_webp = TRUE;
    }
  g_slist_free (formats);
  if (have_webp)
    {
      g_autofree char *webp = g_build_filename (dir, "photo.webp", NULL);
      g_autoptr(DcThumbnail) w = NULL;

      gdk_pixbuf_save (pb, webp, "webp", &error, "lossless", "1", NULL);
      g_assert_no_error (error);
      w = dc_thumbnail_decode_file (webp, 64, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (w->width, ==, 64);
      g_assert_cmpint (w->height, ==, 32);
    }
  else
    g_test_message ("no WebP pixbuf loader (webp-pixbuf-loader): WebP part not run");
  dc_test_rmdir (dir);
}

/* --- pool --------------------------------------------------------------- */

typedef struct
{
  GPtrArray *order;      /* paths in delivery order */
  guint      n_null;
  guint      destroyed;
  GThread   *main_thread;
  GHashTable *must_not_arrive;
} PoolState;

static void
on_ready (guint id, const char *path, DcThumbnail *thumb, gpointer user_data)
{
  PoolState *st = user_data;

  g_assert_true (g_thread_self () == st->main_thread);
  g_assert_false (g_hash_table_contains (st->must_not_arrive, GUINT_TO_POINTER (id)));
  if (thumb == NULL)
    st->n_null++;
  else
    g_assert_false (thumb->placeholder);
  g_ptr_array_add (st->order, g_strdup (path));
}

static void
on_destroy (gpointer user_data)
{
  PoolState *st = user_data;
  st->destroyed++;
}

typedef struct
{
  DcThumbnailPool *pool;
} PoolWait;

static gboolean
pool_idle (gpointer data)
{
  return dc_thumbnail_pool_get_n_pending (((PoolWait *) data)->pool) == 0;
}

static GPtrArray *
make_files (const char *dir, guint n, int w, int h)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(DcImage) img = pictures_test_gradient (w, h);
  g_autoptr(GBytes) jpeg = pictures_test_jpeg (img, 85, 0, TRUE);

  for (guint i = 0; i < n; i++)
    {
      char *path = g_strdup_printf ("%s/p%03u.jpg", dir, i);
      pictures_test_write (path, jpeg);
      g_ptr_array_add (paths, path);
    }
  return paths;
}

static void
pool_state_init (PoolState *st)
{
  memset (st, 0, sizeof *st);
  st->order = g_ptr_array_new_with_free_func (g_free);
  st->main_thread = g_thread_self ();
  st->must_not_arrive = g_hash_table_new (NULL, NULL);
}

static void
pool_state_clear (PoolState *st)
{
  g_ptr_array_unref (st->order);
  g_hash_table_unref (st->must_not_arrive);
}

static void
test_pool_cancel_and_batches (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autoptr(GPtrArray) paths = make_files (dir, 40, 1280, 720);
  DcThumbnailPool *pool = dc_thumbnail_pool_new (2, 0, NULL);
  DcThumbnailPoolStats stats;
  PoolState st;
  PoolWait w = { pool };
  guint ids[40];

  pool_state_init (&st);
  g_assert_cmpuint (dc_thumbnail_pool_get_n_workers (pool), ==, 2);
  for (guint i = 0; i < paths->len; i++)
    ids[i] = dc_thumbnail_pool_request (pool, g_ptr_array_index (paths, i), 128,
                                        on_ready, &st, on_destroy);
  /* Cancel every other request right away (scrolled out of view). */
  for (guint i = 0; i < paths->len; i += 2)
    {
      g_assert_true (dc_thumbnail_pool_cancel (pool, ids[i]));
      g_hash_table_add (st.must_not_arrive, GUINT_TO_POINTER (ids[i]));
    }
  g_assert_false (dc_thumbnail_pool_cancel (pool, ids[0]));   /* twice */
  g_assert_true (pictures_test_wait_for (pool_idle, &w, 20000));
  g_assert_cmpuint (st.order->len, ==, 20);
  g_assert_cmpuint (st.destroyed, ==, 40);
  dc_thumbnail_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.delivered, ==, 20);
  g_assert_cmpuint (stats.cancelled, ==, 20);
  g_assert_cmpuint (stats.batches, >=, 1);
  g_assert_cmpuint (stats.batches, <=, stats.delivered + stats.cancelled);
  g_test_message ("20 results in %u batches", stats.batches);

  /* Results that arrive while the main loop is busy are delivered by ONE
   * idle dispatch, not one per result. */
  {
    DcThumbnailPoolStats before, after;
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    guint delivered_before = st.order->len;

    dc_thumbnail_pool_get_stats (pool, &before);
    for (guint i = 0; i < 10; i++)
      dc_thumbnail_pool_request (pool, g_ptr_array_index (paths, i), 96, on_ready, &st, on_destroy);
    do
      {
        g_usleep (1000);   /* the "UI" is busy: no main-loop iteration */
        dc_thumbnail_pool_get_stats (pool, &after);
      }
    while (after.decoded - before.decoded < 10 && g_get_monotonic_time () < deadline);
    g_assert_cmpuint (after.decoded - before.decoded, ==, 10);
    g_assert_true (pictures_test_wait_for (pool_idle, &w, 20000));
    dc_thumbnail_pool_get_stats (pool, &after);
    g_assert_cmpuint (after.batches - before.batches, ==, 1);
    g_assert_cmpuint (st.order->len - delivered_before, ==, 10);
  }

  /* Free while work is running: every destroy notify still runs once,
   * no callback after free. */
  for (guint i = 0; i < paths->len; i++)
    dc_thumbnail_pool_request (pool, g_ptr_array_index (paths, i), 128, on_ready, &st, on_destroy);
  dc_thumbnail_pool_free (pool);
  g_assert_cmpuint (st.destroyed, ==, 90);
  g_assert_cmpuint (st.order->len, ==, 30);
  pool_state_clear (&st);
  dc_test_rmdir (dir);
}

static void
test_pool_lifo_and_bound (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autoptr(GPtrArray) paths = make_files (dir, 12, 1920, 1080);
  PoolState st;

  pool_state_init (&st);
  {
    g_autoptr(DcThumbnailPool) pool = dc_thumbnail_pool_new (1, 0, NULL);
    PoolWait w = { pool };

    /* Paused: everything is queued before the worker picks anything, so
     * the order is exactly newest first. */
    dc_thumbnail_pool_set_paused (pool, TRUE);
    for (guint i = 0; i < paths->len; i++)
      dc_thumbnail_pool_request (pool, g_ptr_array_index (paths, i), 64, on_ready, &st, on_destroy);
    g_assert_cmpuint (dc_thumbnail_pool_get_n_pending (pool), ==, 12);
    dc_thumbnail_pool_set_paused (pool, FALSE);
    g_assert_true (pictures_test_wait_for (pool_idle, &w, 20000));
  }
  g_assert_cmpuint (st.order->len, ==, 12);
  for (guint i = 0; i < 12; i++)
    g_assert_cmpstr (g_ptr_array_index (st.order, i), ==, g_ptr_array_index (paths, 11 - i));
  g_assert_cmpuint (st.n_null, ==, 0);
  g_ptr_array_set_size (st.order, 0);

  /* Bounded: with room for 3, the 9 oldest are dropped (thumb NULL). */
  {
    g_autoptr(DcThumbnailPool) pool = dc_thumbnail_pool_new (1, 3, NULL);
    PoolWait w = { pool };
    DcThumbnailPoolStats stats;

    dc_thumbnail_pool_set_paused (pool, TRUE);
    for (guint i = 0; i < paths->len; i++)
      dc_thumbnail_pool_request (pool, g_ptr_array_index (paths, i), 64, on_ready, &st, on_destroy);
    dc_thumbnail_pool_set_paused (pool, FALSE);
    g_assert_true (pictures_test_wait_for (pool_idle, &w, 20000));
    dc_thumbnail_pool_get_stats (pool, &stats);
    g_assert_cmpuint (stats.dropped, ==, 9);
    g_assert_cmpuint (stats.decoded, ==, 3);
    g_assert_cmpuint (st.n_null, ==, 9);
    g_assert_cmpuint (st.order->len, ==, 12);
    /* the drops are reported first (in request order), then 11, 10, 9 */
    for (guint i = 0; i < 9; i++)
      g_assert_cmpstr (g_ptr_array_index (st.order, i), ==, g_ptr_array_index (paths, i));
    for (guint i = 9; i < 12; i++)
      g_assert_cmpstr (g_ptr_array_index (st.order, i), ==, g_ptr_array_index (paths, 20 - i));
  }
  g_assert_cmpuint (st.destroyed, ==, 24);
  pool_state_clear (&st);
  dc_test_rmdir (dir);
}

/* --- cache -------------------------------------------------------------- */

typedef struct
{
  DcThumbnail *thumb;
} OneResult;

static void
on_one (guint id, const char *path, DcThumbnail *thumb, gpointer user_data)
{
  OneResult *r = user_data;
  g_clear_pointer (&r->thumb, dc_thumbnail_unref);
  r->thumb = dc_thumbnail_ref (thumb);
}

static gboolean
one_arrived (gpointer data)
{
  return ((OneResult *) data)->thumb != NULL;
}

static DcThumbnail *
request_one (DcThumbnailPool *pool, const char *path)
{
  OneResult r = { NULL };

  dc_thumbnail_pool_request (pool, path, 160, on_one, &r, NULL);
  g_assert_true (pictures_test_wait_for (one_arrived, &r, 10000));
  return r.thumb;
}

static void
test_cache_invalidation (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "snap.jpg", NULL);
  g_autoptr(DcImage) red = pictures_test_flat (640, 480, 220, 20, 20);
  g_autoptr(DcImage) blue = pictures_test_flat (640, 480, 20, 20, 220);
  g_autoptr(DcThumbnailCache) cache = dc_thumbnail_cache_new (NULL);
  g_autoptr(DcThumbnailPool) pool = dc_thumbnail_pool_new (2, 0, cache);
  g_autofree char *expected_dir = g_build_filename (g_getenv ("XDG_CACHE_HOME"), "dockclip",
                                                    "thumbnails", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  DcThumbnail *t;
  gint64 mtime;
  goffset size;

  /* The cache lives under our (isolated) XDG cache dir. */
  g_assert_cmpstr (dc_thumbnail_cache_get_dir (cache), ==, expected_dir);

  pictures_test_write_jpeg (path, red, 0);
  t = request_one (pool, path);
  g_assert_false (t->from_cache);
  g_assert_cmpint (t->width, ==, 160);
  dc_thumbnail_unref (t);
  {
    g_autofree char *entry = dc_thumbnail_cache_entry_path (cache, path, 160);
    g_assert_true (g_file_test (entry, G_FILE_TEST_EXISTS));
  }

  /* Second visit: from the cache, same picture. */
  t = request_one (pool, path);
  g_assert_true (t->from_cache);
  g_assert_cmpint (t->width, ==, 160);
  g_assert_cmpint (t->height, ==, 120);
  g_assert_cmpint (t->source_width, ==, 640);
  g_assert_true (pictures_test_rgb_near (g_bytes_get_data (t->pixels, NULL), 220, 20, 20, 12));
  dc_thumbnail_unref (t);

  /* Same size, new content, mtime moved: the entry is stale. */
  g_assert_true (dc_picture_file_stamp (path, &mtime, &size, NULL));
  pictures_test_write_jpeg (path, blue, 0);
  g_file_set_attribute_uint64 (file, G_FILE_ATTRIBUTE_TIME_MODIFIED,
                               (guint64) (mtime / G_USEC_PER_SEC + 60),
                               G_FILE_QUERY_INFO_NONE, NULL, &error);
  g_assert_no_error (error);
  t = request_one (pool, path);
  g_assert_false (t->from_cache);
  g_assert_true (pictures_test_rgb_near (g_bytes_get_data (t->pixels, NULL), 20, 20, 220, 12));
  dc_thumbnail_unref (t);
  t = request_one (pool, path);
  g_assert_true (t->from_cache);
  g_assert_true (pictures_test_rgb_near (g_bytes_get_data (t->pixels, NULL), 20, 20, 220, 12));
  dc_thumbnail_unref (t);

  /* Direct API: a stamp that differs only in size is a miss. */
  g_assert_true (dc_picture_file_stamp (path, &mtime, &size, NULL));
  t = dc_thumbnail_cache_lookup (cache, path, 160, mtime, size);
  g_assert_nonnull (t);
  dc_thumbnail_unref (t);
  g_assert_null (dc_thumbnail_cache_lookup (cache, path, 160, mtime, size + 1));
  g_assert_null (dc_thumbnail_cache_lookup (cache, path, 160, mtime + 1, size));
  g_assert_null (dc_thumbnail_cache_lookup (cache, path, 96, mtime, size));

  /* A damaged entry is a miss, not a crash. */
  {
    g_autofree char *entry = dc_thumbnail_cache_entry_path (cache, path, 160);
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (entry, &contents, &len, NULL));
    g_assert_true (g_file_set_contents (entry, contents, (gssize) (len / 2), NULL));
    g_assert_null (dc_thumbnail_cache_lookup (cache, path, 160, mtime, size));
  }

  /* A burst: stores are deferred while requests wait, and all of them
   * are on disk once the pool is freed. */
  {
    g_autofree char *burst_dir = g_build_filename (dir, "burst", NULL);
    g_autoptr(GPtrArray) paths = NULL;
    DcThumbnailPool *burst = dc_thumbnail_pool_new (1, 0, cache);
    PoolWait bw = { burst };
    PoolState st;

    g_assert_cmpint (g_mkdir_with_parents (burst_dir, 0700), ==, 0);
    paths = make_files (burst_dir, 10, 640, 360);
    pool_state_init (&st);
    dc_thumbnail_pool_set_paused (burst, TRUE);
    for (guint i = 0; i < paths->len; i++)
      dc_thumbnail_pool_request (burst, g_ptr_array_index (paths, i), 100, on_ready, &st, on_destroy);
    dc_thumbnail_pool_set_paused (burst, FALSE);
    g_assert_true (pictures_test_wait_for (pool_idle, &bw, 20000));
    g_assert_cmpuint (st.order->len, ==, 10);
    dc_thumbnail_pool_free (burst);
    for (guint i = 0; i < paths->len; i++)
      {
        g_autofree char *entry = dc_thumbnail_cache_entry_path (cache, g_ptr_array_index (paths, i), 100);
        g_assert_true (g_file_test (entry, G_FILE_TEST_IS_REGULAR));
      }
    pool_state_clear (&st);
  }

  /* Placeholders are not cached. */
  {
    g_autofree char *bad = g_build_filename (dir, "bad.jpg", NULL);
    g_autofree char *entry = dc_thumbnail_cache_entry_path (cache, bad, 160);

    g_assert_true (g_file_set_contents (bad, "\xFF\xD8\xFF garbage", -1, NULL));
    t = request_one (pool, bad);
    g_assert_true (t->placeholder);
    dc_thumbnail_unref (t);
    g_assert_false (g_file_test (entry, G_FILE_TEST_EXISTS));
  }
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  tmp_root = pictures_test_setup_env ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pictures/jpeg/every-scale", test_every_scale);
  g_test_add_func ("/pictures/jpeg/exif-orientations", test_exif_orientations);
  g_test_add_func ("/pictures/jpeg/exif-malformed", test_exif_malformed);
  g_test_add_func ("/pictures/thumbnail/corrupt", test_corrupt);
  g_test_add_func ("/pictures/thumbnail/png-webp", test_png_webp);
  g_test_add_func ("/pictures/pool/cancel-and-batches", test_pool_cancel_and_batches);
  g_test_add_func ("/pictures/pool/lifo-and-bound", test_pool_lifo_and_bound);
  g_test_add_func ("/pictures/cache/invalidation", test_cache_invalidation);
  ret = g_test_run ();
  pictures_test_teardown_env (tmp_root);
  return ret;
}
