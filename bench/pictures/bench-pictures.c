/* bench-pictures: the issue-4 thumbnail benchmarks, one process per mode.
 *
 *   bench-pictures gen  DIR          make DIR/snap (1000 x 2560x1440) and
 *                                    DIR/photo (200 x 4000x3000) JPEGs
 *   bench-pictures throughput DIR    pipeline vs (a) naive full decode +
 *                                    scale and (b) 1-thread TurboJPEG loop
 *   bench-pictures first-screen DIR  5,000 snapshots: open -> first screen
 *                                    of thumbnails, cold then warm cache
 *   bench-pictures rss DIR           10,000 items scrolled top to bottom,
 *                                    peak RSS
 *
 * The pipeline is what the grid will run: DcPictureFolder scan ->
 * DcThumbnailPool (N = CPUs, disk cache) -> results on the main loop; the
 * GdkMemoryTexture step is a wrap of the same bytes (no copy), so it is
 * left out of a core benchmark.
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "pictures/dc-jpeg.h"
#include "pictures/dc-picture-folder.h"
#include "pictures/dc-thumbnail.h"
#include "pictures/dc-thumbnail-cache.h"
#include "pictures/dc-thumbnail-pool.h"

#define THUMB 256
#define N_SNAPS 1000
#define N_PHOTOS 200

/* --- generation --------------------------------------------------------- */

typedef struct
{
  const char *dir;
  int         first;
  int         step;
} GenJob;

static guint32
xorshift (guint32 *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* A DVR-snapshot-like frame: smooth gradients, a few flat "parcels",
 * fine sensor noise.  Tuned to ~170 KB at 2560x1440 q75. */
static GBytes *
make_frame (int w, int h, guint32 seed, int quality)
{
  g_autoptr(DcImage) img = dc_image_new (w, h, 3);
  guint32 s = seed * 2654435761u + 1;
  int boxes[6][4];

  for (int i = 0; i < 6; i++)
    {
      boxes[i][0] = (int) (xorshift (&s) % (guint32) w);
      boxes[i][1] = (int) (xorshift (&s) % (guint32) h);
      boxes[i][2] = w / 10 + (int) (xorshift (&s) % (guint32) (w / 5));
      boxes[i][3] = h / 10 + (int) (xorshift (&s) % (guint32) (h / 5));
    }
  for (int y = 0; y < h; y++)
    {
      guint8 *row = img->pixels + (gsize) y * img->stride;

      for (int x = 0; x < w; x++)
        {
          int r = 40 + x * 150 / w + (int) (seed % 40);
          int g = 60 + y * 120 / h;
          int b = 90 + ((x + y) * 80) / (w + h);
          int n = (int) (xorshift (&s) & 7) - 3;

          for (int i = 0; i < 6; i++)
            if (x >= boxes[i][0] && x < boxes[i][0] + boxes[i][2] &&
                y >= boxes[i][1] && y < boxes[i][1] + boxes[i][3])
              {
                r = 150 + i * 15;
                g = 120 + i * 10;
                b = 70;
              }
          row[x * 3] = (guint8) CLAMP (r + n, 0, 255);
          row[x * 3 + 1] = (guint8) CLAMP (g + n, 0, 255);
          row[x * 3 + 2] = (guint8) CLAMP (b + n, 0, 255);
        }
    }
  return dc_jpeg_encode (img, quality, FALSE, NULL);
}

static gpointer
gen_thread (gpointer data)
{
  GenJob *job = data;

  for (int i = job->first; i < N_SNAPS + N_PHOTOS; i += job->step)
    {
      g_autofree char *path = NULL;
      g_autoptr(GBytes) jpeg = NULL;

      if (i < N_SNAPS)
        path = g_strdup_printf ("%s/snap/snap-%04d.jpg", job->dir, i);
      else
        path = g_strdup_printf ("%s/photo/photo-%03d.jpg", job->dir, i - N_SNAPS);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      jpeg = i < N_SNAPS ? make_frame (2560, 1440, (guint32) i + 1, 75)
                         : make_frame (4000, 3000, (guint32) i + 1, 80);
      g_file_set_contents (path, g_bytes_get_data (jpeg, NULL),
                           (gssize) g_bytes_get_size (jpeg), NULL);
    }
  return NULL;
}

static GPtrArray *
list_set (const char *dir)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < N_SNAPS; i++)
    g_ptr_array_add (paths, g_strdup_printf ("%s/snap/snap-%04d.jpg", dir, i));
  for (int i = 0; i < N_PHOTOS; i++)
    g_ptr_array_add (paths, g_strdup_printf ("%s/photo/photo-%03d.jpg", dir, i));
  return paths;
}

static double
mean_size_kb (GPtrArray *paths, int from, int to)
{
  goffset total = 0;

  for (int i = from; i < to; i++)
    {
      GStatBuf st;
      if (g_stat (g_ptr_array_index (paths, i), &st) == 0)
        total += st.st_size;
    }
  return total / 1024.0 / (to - from);
}

/* n symlinks DIR/linksN/item-xxxxx.jpg cycling over the 1000 snapshots. */
static char *
make_links (const char *dir, int n)
{
  char *links = g_strdup_printf ("%s/links%d", dir, n);

  g_mkdir_with_parents (links, 0755);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *link = g_strdup_printf ("%s/item-%05d.jpg", links, i);
      g_autofree char *target = g_strdup_printf ("%s/snap/snap-%04d.jpg", dir, i % N_SNAPS);
      g_autoptr(GFile) f = g_file_new_for_path (link);

      if (!g_file_test (link, G_FILE_TEST_EXISTS))
        g_file_make_symbolic_link (f, target, NULL, NULL);
    }
  return links;
}

static int
do_gen (const char *dir)
{
  g_autofree char *snap = g_build_filename (dir, "snap", NULL);
  g_autofree char *photo = g_build_filename (dir, "photo", NULL);
  g_autoptr(GPtrArray) paths = NULL;
  GThread *threads[8];
  GenJob jobs[8];
  guint n = MIN (8, MAX (1, g_get_num_processors ()));
  gint64 t0 = g_get_monotonic_time ();

  g_mkdir_with_parents (snap, 0755);
  g_mkdir_with_parents (photo, 0755);
  for (guint i = 0; i < n; i++)
    {
      jobs[i].dir = dir;
      jobs[i].first = (int) i;
      jobs[i].step = (int) n;
      threads[i] = g_thread_new ("gen", gen_thread, &jobs[i]);
    }
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
  g_free (make_links (dir, 5000));
  g_free (make_links (dir, 10000));
  paths = list_set (dir);
  printf ("generated in %.1f s: %d snapshots 2560x1440 (mean %.0f KB), "
          "%d photos 4000x3000 (mean %.0f KB)\n",
          (g_get_monotonic_time () - t0) / 1e6, N_SNAPS, mean_size_kb (paths, 0, N_SNAPS),
          N_PHOTOS, mean_size_kb (paths, N_SNAPS, N_SNAPS + N_PHOTOS));
  return 0;
}

/* --- throughput --------------------------------------------------------- */

/* CPU seconds of the whole process (all threads): wall time on a shared
 * machine measures the neighbours too, CPU time per thumbnail does not. */
static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
load_average (void)
{
  g_autofree char *s = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &s, NULL, NULL))
    return g_strdup ("?");
  g_strchomp (s);
  return g_strdup (s);
}

typedef struct
{
  guint   delivered;
  guint   expected;
  gint64  first_us;
  gint64  last_us;
  guint   placeholders;
  GHashTable *kept;   /* id -> DcThumbnail (the "textures" on screen) */
} Sink;

static void
on_thumb (guint id, const char *path, DcThumbnail *thumb, gpointer data)
{
  Sink *sink = data;

  sink->delivered++;
  sink->last_us = g_get_monotonic_time ();
  if (thumb == NULL || thumb->placeholder)
    sink->placeholders++;
  if (sink->kept != NULL && thumb != NULL)
    g_hash_table_insert (sink->kept, GUINT_TO_POINTER (id), dc_thumbnail_ref (thumb));
}

static char *
fresh_cache_dir (const char *dir, const char *name)
{
  char *cache = g_build_filename (dir, name, NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", cache);

  /* bench only: a quick way to empty the cache folder */
  if (system (cmd) != 0)
    g_warning ("could not empty %s", cache);
  return cache;
}

static double
run_pipeline (const char *folder_path, const char *cache_dir, int *n_out)
{
  g_autoptr(DcPictureFolder) folder = NULL;
  g_autoptr(DcThumbnailCache) cache = cache_dir != NULL ? dc_thumbnail_cache_new (cache_dir) : NULL;
  g_autoptr(DcThumbnailPool) pool = NULL;
  Sink sink = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  guint n;

  folder = dc_picture_folder_new (folder_path, DC_PICTURE_FOLDER_NONE);
  if (!dc_picture_folder_load (folder, NULL, NULL))
    g_error ("cannot scan %s", folder_path);
  pool = dc_thumbnail_pool_new (0, 100000, cache);
  n = g_list_model_get_n_items (G_LIST_MODEL (folder));
  sink.expected = n;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DcPicture) p = g_list_model_get_item (G_LIST_MODEL (folder), i);
      dc_thumbnail_pool_request (pool, dc_picture_get_path (p), THUMB, on_thumb, &sink, NULL);
    }
  while (sink.delivered < sink.expected)
    g_main_context_iteration (NULL, TRUE);
  *n_out = (int) n;
  if (sink.placeholders > 0)
    g_warning ("%u placeholders", sink.placeholders);
  return (sink.last_us - t0) / 1e6;
}

static int
do_throughput (const char *dir)
{
  g_autoptr(GPtrArray) paths = list_set (dir);
  g_autofree char *all = g_build_filename (dir, "all", NULL);
  double t_naive, t_single, t_pipe, t_warm = 0, c0, c_naive;
  double c_single = G_MAXDOUBLE, c_pipe = G_MAXDOUBLE, c_nocache = G_MAXDOUBLE;
  double t_nocache = G_MAXDOUBLE;
  g_autofree char *load_before = NULL;
  g_autofree char *load_after = NULL;
  int n = (int) paths->len, n_pipe = 0;
  gint64 t0;

  /* one folder holding all 1,200 pictures (symlinks: same bytes) */
  g_mkdir_with_parents (all, 0755);
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (paths, i));
      g_autofree char *link = g_build_filename (all, base, NULL);
      g_autoptr(GFile) f = g_file_new_for_path (link);

      if (!g_file_test (link, G_FILE_TEST_EXISTS))
        g_file_make_symbolic_link (f, g_ptr_array_index (paths, i), NULL, NULL);
    }
  /* Warm the OS page cache so every variant reads from memory. */
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *c = NULL;
      gsize len;
      g_file_get_contents (g_ptr_array_index (paths, i), &c, &len, NULL);
    }

  /* (a) naive: full decode, then scale (what a GtkPicture of the file does) */
  load_before = load_average ();
  c0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(GdkPixbuf) full = gdk_pixbuf_new_from_file (g_ptr_array_index (paths, i), NULL);
      g_autoptr(GdkPixbuf) small = NULL;
      int tw, th;

      dc_fit_in_box (gdk_pixbuf_get_width (full), gdk_pixbuf_get_height (full), THUMB, &tw, &th);
      small = gdk_pixbuf_scale_simple (full, tw, th, GDK_INTERP_BILINEAR);
    }
  t_naive = (g_get_monotonic_time () - t0) / 1e6;
  c_naive = cpu_seconds () - c0;

  /* (b) and the pipeline twice each, interleaved, best of two: the
   * machine is shared, so a single run would mostly measure the others. */
  t_single = G_MAXDOUBLE;
  t_pipe = G_MAXDOUBLE;
  for (int round = 0; round < 2; round++)
    {
      g_autofree char *cache = NULL;
      g_autofree char *name = g_strdup_printf ("cache-throughput-%d", round);
      double t;

      /* (b) one thread, TurboJPEG DCT-scaled decode, no cache */
      c0 = cpu_seconds ();
      t0 = g_get_monotonic_time ();
      for (guint i = 0; i < paths->len; i++)
        {
          g_autoptr(DcThumbnail) th = dc_thumbnail_decode_file (g_ptr_array_index (paths, i), THUMB, NULL, NULL);
          g_assert (th != NULL);
        }
      t = (g_get_monotonic_time () - t0) / 1e6;
      t_single = MIN (t_single, t);
      c_single = MIN (c_single, cpu_seconds () - c0);

      /* the pipeline, cold disk cache (it also writes the cache) */
      cache = fresh_cache_dir (dir, name);
      c0 = cpu_seconds ();
      t = run_pipeline (all, cache, &n_pipe);
      c_pipe = MIN (c_pipe, cpu_seconds () - c0);
      g_assert (n_pipe == n);
      t_pipe = MIN (t_pipe, t);
      /* and a second visit */
      if (round == 1)
        t_warm = run_pipeline (all, cache, &n_pipe);
      /* the pool alone: no disk cache to read or write */
      c0 = cpu_seconds ();
      t = run_pipeline (all, NULL, &n_pipe);
      c_nocache = MIN (c_nocache, cpu_seconds () - c0);
      t_nocache = MIN (t_nocache, t);
    }

  load_after = load_average ();
  printf ("throughput over %d JPEGs (%d x 2560x1440 + %d x 4000x3000), %u CPUs, box %d px\n",
          n, N_SNAPS, N_PHOTOS, g_get_num_processors (), THUMB);
  printf ("  (a) naive full decode + scale, 1 thread: %7.1f thumbs/s  (%.2f ms each)\n",
          n / t_naive, t_naive * 1000 / n);
  printf ("  (b) TurboJPEG scaled loop, 1 thread:     %7.1f thumbs/s  (%.2f ms each)\n",
          n / t_single, t_single * 1000 / n);
  printf ("  pipeline, cold cache (scan+pool+store):  %7.1f thumbs/s\n", n / t_pipe);
  printf ("  pipeline, warm cache (second visit):     %7.1f thumbs/s\n", n / t_warm);
  printf ("  pipeline without disk cache:             %7.1f thumbs/s\n", n / t_nocache);
  printf ("  CPU per thumbnail: (a) %.2f ms, (b) %.2f ms, pipeline %.2f ms, "
          "pipeline without cache %.2f ms (all threads)\n",
          c_naive * 1000 / n, c_single * 1000 / n, c_pipe * 1000 / n, c_nocache * 1000 / n);
  printf ("  on %u idle CPUs the pipeline would reach %.2fx (b) (CPU-time bound)\n",
          g_get_num_processors (), g_get_num_processors () * c_single / c_pipe);
  printf ("  load average before: %s, after: %s\n", load_before, load_after);
  printf ("  ratio pipeline/(a) = %.2fx (target >= 3.5x)\n", t_naive / t_pipe);
  printf ("  ratio pipeline/(b) = %.2fx (target >= 1.8x)\n", t_single / t_pipe);
  printf ("  ratio pool without cache/(b) = %.2fx\n", t_single / t_nocache);
  return 0;
}

/* --- first screen ------------------------------------------------------- */

#define FIRST_SCREEN 30   /* 6 columns x 5 rows of 256 px cells */

typedef struct
{
  gboolean loaded;
} LoadState;

static void
on_loaded (GObject *src, GAsyncResult *res, gpointer data)
{
  ((LoadState *) data)->loaded = dc_picture_folder_load_finish (DC_PICTURE_FOLDER (src), res, NULL);
}

static double
first_screen (const char *folder_path, const char *cache_dir, double *scan_ms)
{
  g_autoptr(DcPictureFolder) folder = NULL;
  g_autoptr(DcThumbnailCache) cache = dc_thumbnail_cache_new (cache_dir);
  g_autoptr(DcThumbnailPool) pool = dc_thumbnail_pool_new (0, 0, cache);
  LoadState ls = { FALSE };
  Sink sink = { 0 };
  gint64 t0 = g_get_monotonic_time ();

  folder = dc_picture_folder_new (folder_path, DC_PICTURE_FOLDER_NONE);
  dc_picture_folder_load_async (folder, NULL, on_loaded, &ls);
  while (!ls.loaded)
    g_main_context_iteration (NULL, TRUE);
  *scan_ms = (g_get_monotonic_time () - t0) / 1e3;
  sink.expected = FIRST_SCREEN;
  /* Bottom of the screen first, so LIFO paints the top rows first. */
  for (int i = FIRST_SCREEN - 1; i >= 0; i--)
    {
      g_autoptr(DcPicture) p = g_list_model_get_item (G_LIST_MODEL (folder), (guint) i);
      dc_thumbnail_pool_request (pool, dc_picture_get_path (p), THUMB, on_thumb, &sink, NULL);
    }
  while (sink.delivered < sink.expected)
    g_main_context_iteration (NULL, TRUE);
  return (sink.last_us - t0) / 1e3;
}

static int
do_first_screen (const char *dir)
{
  g_autofree char *links = make_links (dir, 5000);
  g_autofree char *cache = fresh_cache_dir (dir, "cache-first-screen");
  double cold, warm, scan_cold, scan_warm;

  cold = first_screen (links, cache, &scan_cold);
  warm = first_screen (links, cache, &scan_warm);
  printf ("first screen (%d thumbnails) of a 5,000-snapshot folder:\n", FIRST_SCREEN);
  printf ("  cold cache: %6.1f ms (scan %.1f ms)  (target < 1000 ms)\n", cold, scan_cold);
  printf ("  warm cache: %6.1f ms (scan %.1f ms)  (target < 250 ms)\n", warm, scan_warm);
  return 0;
}

/* --- rss ---------------------------------------------------------------- */

static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, "VmHWM:");
  return p != NULL ? strtol (p + 6, NULL, 10) : -1;
}

static gboolean
on_frame (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static int
do_rss (const char *dir)
{
  g_autofree char *links = make_links (dir, 10000);
  g_autofree char *cache = fresh_cache_dir (dir, "cache-rss");
  g_autoptr(DcThumbnailCache) tc = dc_thumbnail_cache_new (cache);
  g_autoptr(DcThumbnailPool) pool = dc_thumbnail_pool_new (0, 0, tc);
  g_autoptr(DcPictureFolder) folder = dc_picture_folder_new (links, DC_PICTURE_FOLDER_NONE);
  g_autoptr(GHashTable) kept = g_hash_table_new_full (NULL, NULL, NULL,
                                                      (GDestroyNotify) dc_thumbnail_unref);
  g_autofree guint *ids = NULL;
  Sink sink = { 0 };
  guint n, top = 0, rows = 6, per_row = 5, screen, keep_margin;
  gint64 t0 = g_get_monotonic_time ();
  guint frames = 0;

  if (!dc_picture_folder_load (folder, NULL, NULL))
    g_error ("cannot scan %s", links);
  n = g_list_model_get_n_items (G_LIST_MODEL (folder));
  ids = g_new0 (guint, n);
  sink.kept = kept;
  screen = rows * per_row;
  keep_margin = screen * 2;   /* textures kept for 2 screens either side */

  /* Scroll one row per 16 ms frame, like a held-down arrow key: requests
   * for the rows coming into view, cancel + drop for those far away. */
  while (top < n)
    {
      gboolean tick = FALSE;
      guint lo = top > keep_margin ? top - keep_margin : 0;
      guint hi = MIN (n, top + screen + keep_margin);

      for (guint i = top; i < MIN (n, top + screen); i++)
        if (ids[i] == 0)
          {
            g_autoptr(DcPicture) p = g_list_model_get_item (G_LIST_MODEL (folder), i);
            ids[i] = dc_thumbnail_pool_request (pool, dc_picture_get_path (p), THUMB,
                                                on_thumb, &sink, NULL);
          }
      for (guint i = (lo > per_row ? lo - per_row : 0); i < lo; i++)
        if (ids[i] != 0)
          {
            dc_thumbnail_pool_cancel (pool, ids[i]);
            g_hash_table_remove (kept, GUINT_TO_POINTER (ids[i]));
          }
      (void) hi;
      g_timeout_add (16, on_frame, &tick);
      while (!tick)
        g_main_context_iteration (NULL, TRUE);
      top += per_row;
      frames++;
    }
  while (dc_thumbnail_pool_get_n_pending (pool) > 0)
    g_main_context_iteration (NULL, TRUE);

  printf ("scrolled %u items top to bottom in %.1f s (%u frames, %u thumbnails painted, "
          "%u kept at the end)\n", n, (g_get_monotonic_time () - t0) / 1e6, frames,
          sink.delivered, g_hash_table_size (kept));
  printf ("  peak RSS: %.1f MiB (target < 300 MiB)\n", peak_rss_kb () / 1024.0);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s gen|throughput|first-screen|rss DIR\n", argv[0]);
      return 2;
    }
  if (g_str_equal (argv[1], "gen"))
    return do_gen (argv[2]);
  if (g_str_equal (argv[1], "throughput"))
    return do_throughput (argv[2]);
  if (g_str_equal (argv[1], "first-screen"))
    return do_first_screen (argv[2]);
  if (g_str_equal (argv[1], "rss"))
    return do_rss (argv[2]);
  fprintf (stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
