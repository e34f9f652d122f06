/* The picture grid at scale, with real widgets (needs a display: run under
 * xvfb-run -a -s "-screen 0 1366x768x24").
 *
 *   bench-app-pictures first-screen DIR   time from opening DIR/links5000
 *                                        to its first screen painted,
 *                                        cold then warm thumbnail cache
 *   bench-app-pictures rss DIR           peak RSS scrolling DIR/links10000
 *                                        top to bottom
 *   bench-app-pictures show FOLDER SECS  a window to look at (screenshots)
 *
 * DIR is what `bench-pictures gen DIR` makes (2560x1440 DVR-like
 * snapshots, ~170 KB each, and folders of 5,000 / 10,000 links to them).
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "pictures/dc-picture-page-private.h"
#include "dc-test-util.h"

static gboolean
screen_ready (DcPicturePage *page)
{
  guint visible, ready;

  if (dc_picture_page_is_loading (page))
    return FALSE;
  dc_picture_page_count_visible (page, &visible, &ready);
  return visible > 0 && visible == ready;
}

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  *(gint64 *) data = g_get_monotonic_time ();
}

static gboolean
tick (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, tick, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Milliseconds from set_folder to the frame that shows every visible
 * cell with its thumbnail. */
static double
first_screen (const char *folder, guint *n_visible, double *scan_ms)
{
  GtkWindow *win = GTK_WINDOW (gtk_window_new ());
  DcPicturePage *page = DC_PICTURE_PAGE (dc_picture_page_new ());
  GdkFrameClock *clock;
  gint64 t0, painted = 0, ready_at = 0, loaded_at = 0;
  guint ready;
  gulong id;

  gtk_window_set_default_size (win, 1280, 720);
  gtk_window_set_child (win, GTK_WIDGET (page));
  dc_picture_page_set_columns (page, 5);
  gtk_window_present (win);
  wait_ms (300);   /* the window is mapped and has painted once */
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (win));
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);

  t0 = g_get_monotonic_time ();
  dc_picture_page_set_folder (page, folder);
  while (TRUE)
    {
      g_main_context_iteration (NULL, TRUE);
      if (loaded_at == 0 && !dc_picture_page_is_loading (page))
        loaded_at = g_get_monotonic_time ();
      if (ready_at == 0 && screen_ready (page))
        {
          ready_at = g_get_monotonic_time ();
          painted = 0;
          gtk_widget_queue_draw (GTK_WIDGET (page));
        }
      if (ready_at != 0 && painted != 0)
        break;
      if (g_get_monotonic_time () - t0 > 60 * G_USEC_PER_SEC)
        g_error ("the first screen never completed");
    }
  dc_picture_page_count_visible (page, n_visible, &ready);
  *scan_ms = (loaded_at - t0) / 1e3;
  g_signal_handler_disconnect (clock, id);
  gtk_window_destroy (win);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  return (painted - t0) / 1e3;
}

static int
do_first_screen (const char *dir)
{
  g_autofree char *folder = g_build_filename (dir, "links5000", NULL);
  double cold, warm, scan_cold, scan_warm;
  guint n_cold, n_warm;

  cold = first_screen (folder, &n_cold, &scan_cold);
  warm = first_screen (folder, &n_warm, &scan_warm);
  printf ("grid: first screen of a 5,000-snapshot folder (1280x720 window, 5 per row):\n");
  printf ("  cold thumbnail cache: %7.1f ms, %u cells (scan %.1f ms)  target < 1000 ms\n",
          cold, n_cold, scan_cold);
  printf ("  warm thumbnail cache: %7.1f ms, %u cells (scan %.1f ms)  target < 250 ms\n",
          warm, n_warm, scan_warm);
  return 0;
}

static long
status_kb (const char *key)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, key);
  return p != NULL ? strtol (p + strlen (key), NULL, 10) : -1;
}

static int
do_rss (const char *dir)
{
  g_autofree char *folder = g_build_filename (dir, "links10000", NULL);
  GtkWindow *win = GTK_WINDOW (gtk_window_new ());
  DcPicturePage *page = DC_PICTURE_PAGE (dc_picture_page_new ());
  GtkAdjustment *vadj;
  gint64 t0;
  guint steps = 0, n;
  long before;

  gtk_window_set_default_size (win, 1280, 720);
  gtk_window_set_child (win, GTK_WIDGET (page));
  dc_picture_page_set_columns (page, 5);
  gtk_window_present (win);
  dc_picture_page_set_folder (page, folder);
  while (!screen_ready (page))
    g_main_context_iteration (NULL, TRUE);
  n = g_list_model_get_n_items (G_LIST_MODEL (dc_picture_page_get_selection (page)));
  before = status_kb ("VmRSS:");
  vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (dc_picture_page_get_grid_view (page)));

  /* Half a screen per 16 ms frame: a fast scroll-wheel run to the end,
   * with cells bound, requested, cancelled and dropped all the way. */
  t0 = g_get_monotonic_time ();
  while (gtk_adjustment_get_value (vadj) + gtk_adjustment_get_page_size (vadj) <
         gtk_adjustment_get_upper (vadj) - 1)
    {
      gtk_adjustment_set_value (vadj, gtk_adjustment_get_value (vadj) +
                                      gtk_adjustment_get_page_size (vadj) / 2);
      wait_ms (16);
      steps++;
    }
  while (!screen_ready (page))
    g_main_context_iteration (NULL, TRUE);
  printf ("grid: scrolled %u items top to bottom in %.1f s (%u steps of half a screen)\n",
          n, (g_get_monotonic_time () - t0) / 1e6, steps);
  printf ("  RSS after open %.1f MiB, at the end %.1f MiB, peak %.1f MiB  target < 300 MiB\n",
          before / 1024.0, status_kb ("VmRSS:") / 1024.0, status_kb ("VmHWM:") / 1024.0);
  gtk_window_destroy (win);
  return 0;
}

static int
do_show (const char *folder, int seconds)
{
  GtkWindow *win = GTK_WINDOW (gtk_window_new ());
  DcPicturePage *page = DC_PICTURE_PAGE (dc_picture_page_new ());

  gtk_window_set_default_size (win, 1280, 740);
  gtk_window_set_child (win, GTK_WIDGET (page));
  gtk_window_present (win);
  dc_picture_page_set_folder (page, folder);
  while (!screen_ready (page))
    g_main_context_iteration (NULL, TRUE);
  if (g_getenv ("DC_SHOW_DEMO") != NULL)
    {
      /* a few marks to look at: plain, rectangle, ellipse, and a shape
       * being drawn (not saved yet) */
      GListModel *model = G_LIST_MODEL (dc_picture_page_get_selection (page));
      DcPictureFolder *f = dc_picture_page_get_folder (page);
      g_autoptr(DcPicture) p1 = g_list_model_get_item (model, 1);
      g_autoptr(DcPicture) p2 = g_list_model_get_item (model, 2);
      g_autoptr(DcPicture) p6 = g_list_model_get_item (model, 6);
      DcMark m;

      dc_mark_init (&m, DC_MARK_SHAPE_NONE, 0, 0, 0, 0, DC_MARK_COLOUR_RED, 8);
      dc_picture_folder_set_mark (f, p1, &m, NULL);
      dc_mark_init (&m, DC_MARK_SHAPE_RECTANGLE, 800, 300, 900, 700, DC_MARK_COLOUR_RED, 24);
      dc_picture_folder_set_mark (f, p2, &m, NULL);
      dc_mark_init (&m, DC_MARK_SHAPE_ELLIPSE, 300, 200, 1400, 900, DC_MARK_COLOUR_YELLOW, 30);
      dc_picture_folder_set_mark (f, p6, &m, NULL);
      if (g_str_equal (g_getenv ("DC_SHOW_DEMO"), "menu"))
        {
          /* the right-click menu of a marked picture, two selected */
          GtkSelectionModel *sel = dc_picture_page_get_selection (page);
          DcPictureCanvas *c;

          gtk_selection_model_select_item (sel, 2, TRUE);
          gtk_selection_model_select_item (sel, 6, FALSE);
          wait_ms (300);
          c = dc_picture_page_find_canvas (page, p2);
          if (c != NULL)
            dc_picture_page_popup_menu (page, GTK_WIDGET (c), 120, 80);
        }
      if (g_str_equal (g_getenv ("DC_SHOW_DEMO"), "viewer"))
        {
          gtk_selection_model_select_item (dc_picture_page_get_selection (page), 6, TRUE);
          gtk_widget_activate_action (GTK_WIDGET (page), "pictures.open-viewer", NULL);
        }
      dc_picture_page_flush_counts (page);
    }
  wait_ms ((guint) seconds * 1000);
  gtk_window_destroy (win);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = NULL;
  int status = 2;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s first-screen|rss DIR | show FOLDER SECONDS\n", argv[0]);
      return 2;
    }
  /* a fresh thumbnail cache: "cold" means cold */
  if (!g_str_equal (argv[1], "show"))
    {
      cache = g_dir_make_tmp ("dc-bench-grid-XXXXXX", NULL);
      g_setenv ("XDG_CACHE_HOME", cache, TRUE);
      g_setenv ("XDG_CONFIG_HOME", cache, TRUE);
    }
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  if (!gtk_init_check ())
    {
      fprintf (stderr, "no display: run under xvfb-run\n");
      return 1;
    }
  adw_init ();
  /* "show" is for screenshots, in the language of LANGUAGE, with the
   * catalogue DC_LOCALEDIR names (dc_application_locale_dir() would link
   * the whole application into the benchmark and change its RSS) */
  if (g_getenv ("DC_LOCALEDIR") != NULL)
    {
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("DC_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }
  if (g_str_equal (argv[1], "first-screen"))
    status = do_first_screen (argv[2]);
  else if (g_str_equal (argv[1], "rss"))
    status = do_rss (argv[2]);
  else if (g_str_equal (argv[1], "show") && argc == 4)
    status = do_show (argv[2], atoi (argv[3]));
  else
    fprintf (stderr, "unknown mode %s\n", argv[1]);
  if (cache != NULL)
    dc_test_rmdir (cache);
  return status;
}
