/* pictures-test-util.h: fixtures made at test time (no binary files in git). */
#pragma once

#include <glib.h>

#include "pictures/dc-jpeg.h"

G_BEGIN_DECLS

/* Points XDG_DATA_HOME and XDG_CACHE_HOME at fresh temp dirs: call first in
 * main(), before anything caches them.  Returns the temp root (free it
 * with pictures_test_teardown_env). */
char     *pictures_test_setup_env     (void);
void      pictures_test_teardown_env  (char *root);

/* A @width x @height RGB image: four flat quadrants TL red, TR green,
 * BL blue, BR white. */
DcImage  *pictures_test_quadrants     (int width, int height);
/* A smooth gradient (r = x, g = y, b = const). */
DcImage  *pictures_test_gradient      (int width, int height);
/* A flat colour. */
DcImage  *pictures_test_flat          (int width, int height, guint8 r, guint8 g, guint8 b);

/* JPEG bytes of @image at @quality (4:4:4), with an Exif APP1 carrying
 * @orientation (0 = no Exif at all); @big_endian selects MM/II TIFF. */
GBytes   *pictures_test_jpeg          (const DcImage *image, int quality,
                                       int orientation, gboolean big_endian);
void      pictures_test_write         (const char *path, GBytes *bytes);
void      pictures_test_write_jpeg    (const char *path, const DcImage *image, int orientation);

/* Pixel (RGB) of @image, asserting in range. */
const guint8 *pictures_test_pixel     (const DcImage *image, int x, int y);
/* |a - b| <= tol on each channel. */
gboolean  pictures_test_rgb_near      (const guint8 *px, guint8 r, guint8 g, guint8 b, int tol);

/* Runs the default main context until @cond returns TRUE or @timeout_ms
 * passes; returns the last @cond. */
gboolean  pictures_test_wait_for      (gboolean (*cond) (gpointer), gpointer data,
                                       guint timeout_ms);

G_END_DECLS
