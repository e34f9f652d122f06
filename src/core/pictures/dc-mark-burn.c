#define G_LOG_DOMAIN "dc-mark-burn"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "pictures/dc-mark-burn.h"
#include "pictures/dc-thumbnail.h"
#include "util/dc-file-util.h"

static void
fill_span (DcImage *image, int y, int x0, int x1, const guint8 rgb[3])
{
  guint8 *row;

  if (y < 0 || y >= image->height)
    return;
  x0 = MAX (x0, 0);
  x1 = MIN (x1, image->width);   /* exclusive */
  row = image->pixels + (gsize) y * image->stride;
  for (int x = x0; x < x1; x++)
    {
      memcpy (row + (gsize) x * image->channels, rgb, 3);
      if (image->channels == 4)
        row[(gsize) x * 4 + 3] = 0xFF;
    }
}

static void
draw_rectangle (DcImage *image, const DcMark *m, const guint8 rgb[3])
{
  int t = MIN (m->line_width, MIN (m->width, m->height) / 2 + 1);
  int x0 = m->x, y0 = m->y, x1 = m->x + m->width, y1 = m->y + m->height;

  for (int y = MAX (y0, 0); y < MIN (y1, image->height); y++)
    {
      if (y < y0 + t || y >= y1 - t)
        fill_span (image, y, x0, x1, rgb);
      else
        {
          fill_span (image, y, x0, x0 + t, rgb);
          fill_span (image, y, x1 - t, x1, rgb);
        }
    }
}

/* Row by row: the span between the outer ellipse (the box) and the inner
 * one (box shrunk by the line width), sampled at pixel centres. */
static void
draw_ellipse (DcImage *image, const DcMark *m, const guint8 rgb[3])
{
  double cx = m->x + m->width / 2.0, cy = m->y + m->height / 2.0;
  double a = m->width / 2.0, b = m->height / 2.0;
  double ai = a - m->line_width, bi = b - m->line_width;

  for (int y = MAX (m->y, 0); y < MIN (m->y + m->height, image->height); y++)
    {
      double dy = y + 0.5 - cy;
      double xo, xi;

      if (fabs (dy) >= b)
        continue;
      xo = a * sqrt (1.0 - (dy * dy) / (b * b));
      if (ai > 0 && bi > 0 && fabs (dy) < bi)
        {
          xi = ai * sqrt (1.0 - (dy * dy) / (bi * bi));
          /* pixel x is drawn when its centre lies in the ring */
          fill_span (image, y, (int) ceil (cx - xo - 0.5), (int) ceil (cx - xi - 0.5), rgb);
          fill_span (image, y, (int) floor (cx + xi - 0.5) + 1, (int) floor (cx + xo - 0.5) + 1, rgb);
        }
      else
        fill_span (image, y, (int) ceil (cx - xo - 0.5), (int) floor (cx + xo - 0.5) + 1, rgb);
    }
}

void
dc_image_draw_mark (DcImage *image, const DcMark *mark)
{
  guint8 rgb[3];

  g_return_if_fail (image != NULL && mark != NULL);

  if (mark->width <= 0 || mark->height <= 0 || mark->line_width <= 0)
    return;
  dc_mark_colour_to_rgb (mark->colour, rgb);
  switch (mark->shape)
    {
    case DC_MARK_SHAPE_RECTANGLE:
      draw_rectangle (image, mark, rgb);
      break;
    case DC_MARK_SHAPE_ELLIPSE:
      draw_ellipse (image, mark, rgb);
      break;
    case DC_MARK_SHAPE_NONE:
    default:
      break;
    }
}

char *
dc_mark_burned_path (const char *folder, const char *name)
{
  g_autofree char *dir = g_path_get_dirname (name);
  g_autofree char *base = g_path_get_basename (name);
  char *dot = strrchr (base, '.');
  g_autofree char *file = NULL;

  if (dot != NULL && dot != base)
    *dot = '\0';
  file = g_strconcat (base, ".jpg", NULL);
  if (g_str_equal (dir, "."))
    return g_build_filename (folder, DC_MARKED_DIR_NAME, file, NULL);
  return g_build_filename (folder, DC_MARKED_DIR_NAME, dir, file, NULL);
}

gboolean
dc_picture_burn_mark (const char *src_path, const DcMark *mark, const char *dest_path,
                      int quality, GCancellable *cancellable, GError **error)
{
  g_autoptr(DcImage) image = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree char *dest_dir = NULL;

  g_return_val_if_fail (src_path != NULL && mark != NULL && dest_path != NULL, FALSE);

  dest_dir = g_path_get_dirname (dest_path);
  if (g_mkdir_with_parents (dest_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Cannot create the folder “%s” for marked pictures"), dest_dir);
      return FALSE;
    }

  if (mark->shape == DC_MARK_SHAPE_NONE)
    {
      g_autoptr(GFile) src = g_file_new_for_path (src_path);
      g_autoptr(GBytes) data = g_file_load_bytes (src, cancellable, NULL, error);
      gsize len = 0;
      const guint8 *bytes;

      if (data == NULL)
        return FALSE;
      bytes = g_bytes_get_data (data, &len);
      /* Nothing to draw: the original JPEG is already the best copy. */
      if (dc_jpeg_sniff (bytes, len))
        return dc_write_file_atomic (dest_path, (const char *) bytes, (gssize) len, 0600, error);
    }

  image = dc_picture_decode_full (src_path, cancellable, error);
  if (image == NULL)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  dc_image_draw_mark (image, mark);
  jpeg = dc_jpeg_encode (image, quality, TRUE, error);
  if (jpeg == NULL)
    return FALSE;
  return dc_write_file_atomic (dest_path, g_bytes_get_data (jpeg, NULL),
                               (gssize) g_bytes_get_size (jpeg), 0600, error);
}

typedef struct
{
  char   *src_path;
  char   *dest_path;
  DcMark  mark;
  int     quality;
} BurnData;

static void
burn_data_free (BurnData *d)
{
  g_free (d->src_path);
  g_free (d->dest_path);
  g_free (d);
}

static void
burn_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  BurnData *d = task_data;
  GError *error = NULL;

  if (dc_picture_burn_mark (d->src_path, &d->mark, d->dest_path, d->quality,
                            cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
dc_picture_burn_mark_async (const char *src_path, const DcMark *mark, const char *dest_path,
                            int quality, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  BurnData *d;

  g_return_if_fail (src_path != NULL && mark != NULL && dest_path != NULL);

  d = g_new0 (BurnData, 1);
  d->src_path = g_strdup (src_path);
  d->dest_path = g_strdup (dest_path);
  d->mark = *mark;
  d->quality = quality;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dc_picture_burn_mark_async);
  g_task_set_task_data (task, d, (GDestroyNotify) burn_data_free);
  g_task_run_in_thread (task, burn_thread);
}

gboolean
dc_picture_burn_mark_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
