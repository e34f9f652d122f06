/* A review folder that fights back (issues 16 and 17): FIFOs, links,
 * 10 GiB sparse files, scan bombs, headers declaring 65,500 x 65,500,
 * truncated progressive JPEGs, an SVG named .png, names with newlines and
 * paths longer than the system allows.  Each file is made here; each gets
 * a placeholder or is skipped, quickly, and the folder still loads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <glib/gstdio.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#endif

#include "dc-test-util.h"
#include "pictures-test-util.h"
#include "pictures/dc-jpeg.h"
#include "pictures/dc-picture-folder.h"
#include "pictures/dc-picture-read.h"
#include "pictures/dc-pictures-error.h"
#include "pictures/dc-thumbnail.h"
#include "pictures/dc-thumbnail-pool.h"

static char *tmp_root;

/* ---- hostile files, made here -------------------------------------------- */

static GBytes *
progressive_jpeg (int width, int height)
{
  g_autoptr(DcImage) image = pictures_test_gradient (width, height);
  tjhandle tj = tjInitCompress ();
  unsigned char *out = NULL;
  unsigned long len = 0;
  GBytes *bytes;

  g_assert_cmpint (tjCompress2 (tj, image->pixels, image->width, image->stride, image->height,
                                TJPF_RGB, &out, &len, TJSAMP_420, 90, TJFLAG_PROGRESSIVE), ==, 0);
  bytes = g_bytes_new (out, len);
  tjFree (out);
  tjDestroy (tj);
  return bytes;
}

/* Offsets of every SOS marker of @data, and of EOI. */
static GArray *
find_scans (const guint8 *d, gsize len, gsize *eoi)
{
  GArray *scans = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize pos = 2;

  *eoi = len;
  while (pos + 2 <= len)
    {
      guint8 m;

      if (d[pos] != 0xFF)
        {
          pos++;
          continue;
        }
      m = d[pos + 1];
      if (m == 0xD9)
        {
          *eoi = pos;
          break;
        }
      if (m == 0x00 || m == 0xFF || (m >= 0xD0 && m <= 0xD7))
        {
          pos += m == 0xFF ? 1 : 2;
          continue;
        }
      if (pos + 4 > len)
        break;
      if (m == 0xDA)
        g_array_append_val (scans, pos);
      /* after a segment header, entropy data follows an SOS: the loop
       * steps over it byte by byte (0xFF00 stuffing, RSTn skipped above) */
      pos += 2 + (((gsize) d[pos + 2] << 8) | d[pos + 3]);
    }
  return scans;
}

/* A progressive JPEG whose last scan is repeated @n_scans times: each
 * repeat only makes libjpeg warn, and each costs a pass over the picture. */
static GBytes *
scan_bomb (guint n_scans)
{
  g_autoptr(GBytes) base = progressive_jpeg (256, 256);
  gsize len = 0, eoi = 0;
  const guint8 *d = g_bytes_get_data (base, &len);
  g_autoptr(GArray) scans = find_scans (d, len, &eoi);
  GByteArray *out = g_byte_array_new ();
  gsize last;

  g_assert_cmpuint (scans->len, >=, 2);
  last = g_array_index (scans, gsize, scans->len - 1);
  g_byte_array_append (out, d, (guint) eoi);
  for (guint i = 0; i < n_scans; i++)
    g_byte_array_append (out, d + last, (guint) (eoi - last));
  g_byte_array_append (out, (const guint8 *) "\xFF\xD9", 2);
  return g_byte_array_free_to_bytes (out);
}

/* A real small JPEG whose frame header claims @w x @h. */
static GBytes *
jpeg_claiming (guint16 w, guint16 h)
{
  g_autoptr(DcImage) image = pictures_test_gradient (64, 64);
  g_autoptr(GBytes) jpeg = pictures_test_jpeg (image, 90, 0, TRUE);
  gsize len = g_bytes_get_size (jpeg);
  guint8 *d = g_memdup2 (g_bytes_get_data (jpeg, NULL), len);
  gboolean patched = FALSE;

  for (gsize i = 2; i + 9 < len; i++)
    if (d[i] == 0xFF && (d[i + 1] == 0xC0 || d[i + 1] == 0xC2))
      {
        d[i + 5] = h >> 8;
        d[i + 6] = h & 0xFF;
        d[i + 7] = w >> 8;
        d[i + 8] = w & 0xFF;
        patched = TRUE;
        break;
      }
  g_assert_true (patched);
  return g_bytes_new_take (d, len);
}

/* A PNG signature and IHDR claiming @w x @h, then a few bytes of IDAT:
 * a decompression bomb's header (its rows are never inflated). */
static GBytes *
png_claiming (guint32 w, guint32 h)
{
  guint8 d[64] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };

  for (int i = 0; i < 4; i++)
    {
      d[16 + i] = (guint8) (w >> (24 - 8 * i));
      d[20 + i] = (guint8) (h >> (24 - 8 * i));
    }
  d[24] = 8;   /* bit depth */
  d[25] = 6;   /* RGBA */
  {
    static const guint8 idat[] = { 0, 0, 0, 8, 'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0x60,
                                   0, 0, 0, 2, 0, 1 };
    memcpy (d + 33, idat, sizeof idat);
  }
  return g_bytes_new (d, sizeof d);
}

/* A lossless WebP (VP8L) header claiming @w x @h (at most 16384 each). */
static GBytes *
webp_claiming (guint32 w, guint32 h)
{
  guint8 d[40] = { 'R', 'I', 'F', 'F', 32, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L',
                   20, 0, 0, 0, 0x2f };
  guint32 bits = (w - 1) | ((h - 1) << 14);

  for (int i = 0; i < 4; i++)
    d[21 + i] = (guint8) (bits >> (8 * i));
  return g_bytes_new (d, sizeof d);
}

/* ---- decoding ---------------------------------------------------------- */

static void
assert_refused_fast (GBytes *bytes, const char *name, int domain_code, const char *words)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(DcThumbnail) t = dc_thumbnail_decode_bytes (bytes, name, 256, NULL, &error);
  gint64 took = g_get_monotonic_time () - start;

  g_test_message ("%s: %" G_GINT64_FORMAT " ms: %s", name, took / 1000,
                  error ? error->message : "(decoded)");
  g_assert_null (t);
  g_assert_error (error, DC_PICTURES_ERROR, domain_code);
  g_assert_nonnull (strstr (error->message, words));
  g_assert_cmpint (took, <, 2 * G_USEC_PER_SEC);
}

static void
test_scan_bomb (void)
{
  g_autoptr(GBytes) ok = scan_bomb (20);
  g_autoptr(GBytes) bomb = scan_bomb (20000);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcThumbnail) t = NULL;

  /* a few bogus scans still decode (libjpeg only warns)... */
  t = dc_thumbnail_decode_bytes (ok, "few.jpg", 128, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  /* ...20,000 of them are refused at once, not after 40 s */
  assert_refused_fast (bomb, "bomb.jpg", DC_PICTURES_ERROR_CORRUPT, "scans");
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GBytes       *bytes;
  GCancellable *cancellable;
  GError       *error;
  gint64        took;
} DecodeRun;

static gpointer
decode_thread (gpointer data)
{
  DecodeRun *r = data;
  gint64 start = g_get_monotonic_time ();
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (r->bytes, &len);
  DcImage *image = dc_jpeg_decode_full (d, len, 1, 1, FALSE, r->cancellable, &r->error);

  r->took = g_get_monotonic_time () - start;
  dc_image_free (image);
  return NULL;
}

/* A long decode stops when its request is cancelled. */
static void
test_decode_cancellable (void)
{
  DecodeRun r = { 0 };
  GThread *thread;
  g_autoptr(GMainContext) ctx = g_main_context_new ();
  GSource *timer;

  r.bytes = progressive_jpeg (4096, 4096);
  r.cancellable = g_cancellable_new ();
  g_main_context_push_thread_default (ctx);
  timer = g_timeout_source_new (5);
  g_source_set_callback (timer, cancel_soon, r.cancellable, NULL);
  g_source_attach (timer, ctx);
  thread = g_thread_new ("decode", decode_thread, &r);
  while (!g_cancellable_is_cancelled (r.cancellable))
    g_main_context_iteration (ctx, TRUE);
  g_thread_join (thread);
  g_source_destroy (timer);
  g_source_unref (timer);
  g_main_context_pop_thread_default (ctx);
  g_test_message ("4096 x 4096 progressive: stopped after %" G_GINT64_FORMAT " ms", r.took / 1000);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_bytes_unref (r.bytes);
  g_object_unref (r.cancellable);
}

static void
test_huge_headers (void)
{
  g_autoptr(GBytes) jpeg = jpeg_claiming (65500, 65500);
  g_autoptr(GBytes) png = png_claiming (65500, 65500);
  g_autoptr(GBytes) png_bomb = png_claiming (30000, 30000);
  g_autoptr(GBytes) webp = webp_claiming (16384, 16384);

  assert_refused_fast (jpeg, "big.jpg", DC_PICTURES_ERROR_TOO_LARGE, "65500 × 65500");
  assert_refused_fast (png, "big.png", DC_PICTURES_ERROR_TOO_LARGE, "65500 × 65500");
  assert_refused_fast (png_bomb, "bomb.png", DC_PICTURES_ERROR_TOO_LARGE, "30000 × 30000");
  assert_refused_fast (webp, "big.webp", DC_PICTURES_ERROR_TOO_LARGE, "16384 × 16384");
}

static void
test_truncated_progressive (void)
{
  g_autoptr(GBytes) full = progressive_jpeg (640, 480);
  g_autoptr(GBytes) cut = g_bytes_new_from_bytes (full, 0, g_bytes_get_size (full) / 2);

  assert_refused_fast (cut, "cut.jpg", DC_PICTURES_ERROR_CORRUPT, "truncated");
}

/* An SVG (or anything else) named .png is not rendered by whatever
 * gdk-pixbuf loader would take it. */
static void
test_svg_named_png (void)
{
  const char *svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "width=\"64\" height=\"64\"><rect width=\"64\" height=\"64\" fill=\"red\"/></svg>\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (svg, strlen (svg));
  g_autoptr(GBytes) gif = g_bytes_new_static ("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14);

  assert_refused_fast (bytes, "evil.png", DC_PICTURES_ERROR_UNSUPPORTED, "not a JPEG, PNG or WebP");
  assert_refused_fast (gif, "anim.webp", DC_PICTURES_ERROR_UNSUPPORTED, "not a JPEG, PNG or WebP");
}

/* ---- files on disk -------------------------------------------------------- */

#ifdef G_OS_UNIX
static void
test_special_files (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *fifo = g_build_filename (dir, "SF0001.jpg", NULL);
  g_autofree char *link = g_build_filename (dir, "SF0002.jpg", NULL);
  g_autofree char *sparse = g_build_filename (dir, "SF0003.jpg", NULL);
  g_autofree char *newline = g_build_filename (dir, "SF00\n04.jpg", NULL);
  g_autofree char *outside = g_build_filename (tmp_root, "outside.jpg", NULL);
  g_autofree char *loop = g_build_filename (dir, "loop", NULL);
  g_autoptr(DcImage) image = pictures_test_gradient (64, 48);
  g_autoptr(DcPictureFolder) folder = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  int fd;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  pictures_test_write_jpeg (outside, image, 0);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (symlink (dir, loop), ==, 0);   /* a recursive scan would never end */
  fd = g_open (sparse, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 10 << 30), ==, 0);   /* 10 GiB, no blocks */
  close (fd);
  pictures_test_write_jpeg (newline, image, 0);

  /* the scan opens nothing: the FIFO does not block it, links are skipped */
  folder = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_RECURSIVE);
  start = g_get_monotonic_time ();
  g_assert_true (dc_picture_folder_load (folder, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (folder)), ==, 2);
  g_assert_nonnull (dc_picture_folder_lookup (folder, "SF0003.jpg"));
  g_assert_nonnull (dc_picture_folder_lookup (folder, "SF00\n04.jpg"));
  g_assert_null (dc_picture_folder_lookup (folder, "SF0001.jpg"));
  g_assert_null (dc_picture_folder_lookup (folder, "SF0002.jpg"));

  /* opened anyway (a stale list, a swap): refused at once with the reason */
  {
    const struct { const char *path; int code; const char *words; } cases[] = {
      { fifo, DC_PICTURES_ERROR_UNSUPPORTED, "pipe" },
      { link, DC_PICTURES_ERROR_UNSUPPORTED, "link" },
      { sparse, DC_PICTURES_ERROR_TOO_LARGE, "larger than any picture" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GError) e = NULL;
        g_autoptr(DcThumbnail) t = NULL;

        start = g_get_monotonic_time ();
        t = dc_thumbnail_decode_file (cases[i].path, 128, NULL, &e);
        g_assert_null (t);
        g_assert_error (e, DC_PICTURES_ERROR, cases[i].code);
        g_assert_nonnull (strstr (e->message, cases[i].words));
        g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
        g_clear_error (&e);
        g_assert_null (dc_picture_decode_full (cases[i].path, NULL, &e));
        g_assert_nonnull (e);
      }
  }
  /* a name with a newline is a picture like any other */
  {
    g_autoptr(DcThumbnail) t = dc_thumbnail_decode_file (newline, 32, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (t->placeholder);
  }
  g_clear_object (&folder);
  g_unlink (outside);
  dc_test_rmdir (dir);
}

/* A path longer than the system allows (about 10,000 characters through
 * nested folders): that subfolder is skipped, the rest loads. */
static void
test_long_paths (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *top = g_build_filename (dir, "SF0005.jpg", NULL);
  g_autoptr(DcImage) image = pictures_test_gradient (32, 32);
  g_autoptr(DcPictureFolder) folder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *part = g_strnfill (250, 'd');
  int fd = open (dir, O_RDONLY | O_DIRECTORY);
  guint depth = 0;

  pictures_test_write_jpeg (top, image, 0);
  /* 40 levels of 250 characters: made relative to each other (mkdirat),
   * since no single path call can name the deepest ones */
  for (depth = 0; depth < 40; depth++)
    {
      int next;

      g_assert_cmpint (mkdirat (fd, part, 0700), ==, 0);
      next = openat (fd, part, O_RDONLY | O_DIRECTORY);
      g_assert_cmpint (next, >=, 0);
      close (fd);
      fd = next;
    }
  {
    int pic = openat (fd, "SF0006.jpg", O_WRONLY | O_CREAT, 0600);
    g_autoptr(GBytes) jpeg = pictures_test_jpeg (image, 90, 0, TRUE);
    gsize len = 0;
    const guint8 *d = g_bytes_get_data (jpeg, &len);

    g_assert_cmpint (pic, >=, 0);
    g_assert_cmpint (write (pic, d, len), ==, (gssize) len);
    close (pic);
  }
  close (fd);

  folder = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_RECURSIVE);
  g_assert_true (dc_picture_folder_load (folder, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (dc_picture_folder_lookup (folder, "SF0005.jpg"));
  g_clear_object (&folder);
  /* rm -r cannot name the deep ones either: unmake them bottom up */
  {
    g_autoptr(GString) path = g_string_new (dir);
    int dfd = open (dir, O_RDONLY | O_DIRECTORY);
    GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));

    for (guint i = 0; i < 40; i++)
      {
        g_array_append_val (fds, dfd);
        dfd = openat (dfd, part, O_RDONLY | O_DIRECTORY);
      }
    unlinkat (dfd, "SF0006.jpg", 0);
    close (dfd);
    for (guint i = fds->len; i-- > 0;)
      {
        int parent = g_array_index (fds, int, i);
        unlinkat (parent, part, AT_REMOVEDIR);
        close (parent);
      }
    g_array_unref (fds);
  }
  dc_test_rmdir (dir);
}

typedef struct
{
  guint        delivered;
  guint        destroyed;
  DcThumbnail *thumb;
} PoolWait;

static void
on_thumb (guint id, const char *path, DcThumbnail *thumb, gpointer data)
{
  PoolWait *w = data;

  w->delivered++;
  if (thumb != NULL)
    w->thumb = dc_thumbnail_ref (thumb);
}

static void
on_destroy (gpointer data)
{
  PoolWait *w = data;

  w->destroyed++;
}

static gboolean
delivered (gpointer data)
{
  return ((PoolWait *) data)->delivered > 0;
}

/* A FIFO swapped in after the scan: the worker gets a placeholder at
 * once; closing the pool while a long decode runs returns at once. */
static void
test_pool_fifo_and_free (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "SF0007.jpg", NULL);
  g_autofree char *big = g_build_filename (dir, "SF0008.jpg", NULL);
  g_autoptr(DcImage) image = pictures_test_gradient (64, 48);
  g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (dir, DC_PICTURE_FOLDER_NONE);
  g_autoptr(GBytes) slow = progressive_jpeg (4096, 4096);
  DcThumbnailPool *pool;
  PoolWait w = { 0 }, w2 = { 0 };
  gint64 start;

  pictures_test_write_jpeg (path, image, 0);
  g_assert_true (dc_picture_folder_load (folder, NULL, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (folder)), ==, 1);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);

  pool = dc_thumbnail_pool_new (1, 0, NULL);
  dc_thumbnail_pool_request (pool, path, 128, on_thumb, &w, on_destroy);
  g_assert_true (pictures_test_wait_for (delivered, &w, 5000));
  g_assert_nonnull (w.thumb);
  g_assert_true (w.thumb->placeholder);
  g_assert_nonnull (strstr (w.thumb->reason, "pipe"));
  g_assert_cmpuint (w.destroyed, ==, 1);

  /* a decode that takes a while, then the page closes */
  pictures_test_write (big, slow);
  dc_thumbnail_pool_request (pool, big, 4096, on_thumb, &w2, on_destroy);
  g_usleep (20000);
  start = g_get_monotonic_time ();
  dc_thumbnail_pool_free (pool);
  g_test_message ("pool freed in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpuint (w2.destroyed, ==, 1);
  g_assert_cmpuint (w2.delivered, ==, 0);
  g_clear_pointer (&w.thumb, dc_thumbnail_unref);
  g_clear_object (&folder);
  dc_test_rmdir (dir);
}
#endif

int
main (int argc, char **argv)
{
  int status;

  tmp_root = pictures_test_setup_env ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pictures/hostile/scan-bomb", test_scan_bomb);
  g_test_add_func ("/pictures/hostile/decode-cancellable", test_decode_cancellable);
  g_test_add_func ("/pictures/hostile/huge-headers", test_huge_headers);
  g_test_add_func ("/pictures/hostile/truncated-progressive", test_truncated_progressive);
  g_test_add_func ("/pictures/hostile/svg-named-png", test_svg_named_png);
#ifdef G_OS_UNIX
  g_test_add_func ("/pictures/hostile/special-files", test_special_files);
  g_test_add_func ("/pictures/hostile/long-paths", test_long_paths);
  g_test_add_func ("/pictures/hostile/pool-fifo-and-free", test_pool_fifo_and_free);
#endif
  status = g_test_run ();
  pictures_test_teardown_env (tmp_root);
  return status;
}
