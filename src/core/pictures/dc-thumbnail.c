#define G_LOG_DOMAIN "dc-thumbnail"

#include "config.h"

#include <glib/gi18n.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>
#include <string.h>

#include "pictures/dc-jpeg.h"
#include "pictures/dc-picture-read.h"
#include "pictures/dc-pictures-error.h"
#include "pictures/dc-thumbnail.h"

#define PLACEHOLDER_SIZE 64

G_DEFINE_BOXED_TYPE (DcThumbnail, dc_thumbnail, dc_thumbnail_ref, dc_thumbnail_unref)

DcThumbnail *
dc_thumbnail_ref (DcThumbnail *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
dc_thumbnail_unref (DcThumbnail *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_bytes_unref (self->pixels);
  g_free (self->reason);
  g_free (self);
}

DcThumbnail *
dc_thumbnail_new (GBytes *pixels, int width, int height, int stride, gboolean has_alpha)
{
  DcThumbnail *self;

  g_return_val_if_fail (pixels != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (pixels) >= (gsize) stride * (gsize) height, NULL);

  self = g_new0 (DcThumbnail, 1);
  self->ref_count = 1;
  self->pixels = pixels;
  self->width = width;
  self->height = height;
  self->stride = stride;
  self->has_alpha = has_alpha;
  self->scale_num = 1;
  self->scale_denom = 1;
  return self;
}

DcThumbnail *
dc_thumbnail_new_placeholder (const char *reason)
{
  gsize len = PLACEHOLDER_SIZE * PLACEHOLDER_SIZE * 3;
  guint8 *grey = g_malloc (len);
  DcThumbnail *self;

  memset (grey, 0x80, len);
  self = dc_thumbnail_new (g_bytes_new_take (grey, len), PLACEHOLDER_SIZE,
                           PLACEHOLDER_SIZE, PLACEHOLDER_SIZE * 3, FALSE);
  self->placeholder = TRUE;
  self->reason = g_strdup (reason != NULL ? reason : _("The picture cannot be shown"));
  return self;
}

static DcThumbnail *
thumbnail_from_image (DcImage *image)
{
  gsize len = (gsize) image->stride * (gsize) image->height;
  DcThumbnail *self;

  self = dc_thumbnail_new (g_bytes_new_take (g_steal_pointer (&image->pixels), len),
                           image->width, image->height, image->stride,
                           image->channels == 4);
  dc_image_free (image);
  return self;
}

static DcThumbnail *
decode_jpeg (const guint8 *data, gsize len, int size, GCancellable *cancellable, GError **error)
{
  g_autoptr(DcImage) scaled = NULL;
  g_autoptr(DcImage) small = NULL;
  DcThumbnail *thumb;
  int width, height, orientation, up_w, up_h, tw, th, num, denom;
  gboolean swap;

  if (!dc_jpeg_read_header (data, len, &width, &height, error))
    return NULL;
  orientation = dc_jpeg_exif_orientation (data, len);
  swap = orientation >= 5;
  up_w = swap ? height : width;
  up_h = swap ? width : height;

  /* The target in upright space, then back to the stored orientation,
   * where the DCT scaling happens. */
  dc_fit_in_box (up_w, up_h, size, &tw, &th);
  if (swap)
    {
      int t = tw;
      tw = th;
      th = t;
    }
  dc_jpeg_choose_scale (width, height, tw, th, &num, &denom);
  scaled = dc_jpeg_decode_full (data, len, num, denom, TRUE, cancellable, error);
  if (scaled == NULL)
    return NULL;
  if (scaled->width != tw || scaled->height != th)
    small = dc_image_scale_down (scaled, tw, th);
  else
    small = g_steal_pointer (&scaled);

  thumb = thumbnail_from_image (dc_image_apply_orientation (small, orientation));
  thumb->source_width = up_w;
  thumb->source_height = up_h;
  thumb->scale_num = num;
  thumb->scale_denom = denom;
  return thumb;
}

typedef struct
{
  int size;
  int orig_w;
  int orig_h;
} SizeRequest;

static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer data)
{
  SizeRequest *req = data;
  int tw, th;

  req->orig_w = width;
  req->orig_h = height;
  if (req->size <= 0)
    return;
  /* The loader scales while decoding (libjpeg DCT scale, PNG rows):
   * the same path as gdk_pixbuf_new_from_file_at_scale(). */
  dc_fit_in_box (width, height, req->size, &tw, &th);
  if (tw != width || th != height)
    gdk_pixbuf_loader_set_size (loader, tw, th);
}

/* PNG and WebP have no scaled decode: every pixel is held at once (4
 * bytes each).  Half the JPEG cap keeps that near 128 MiB. */
#define PIXBUF_MAX_PIXELS (DC_PICTURE_MAX_PIXELS / 2)

/* @size <= 0: full size.  Only the loader of the format the content shows
 * runs (PNG or WebP): gdk-pixbuf would otherwise pick any installed loader
 * by the data, an SVG or TGA renderer included. */
static GdkPixbuf *
pixbuf_from_bytes (GBytes *data, int size, int *orig_w, int *orig_h,
                   const char *name, GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  SizeRequest req = { size, 0, 0 };
  GdkPixbuf *pixbuf;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  DcPictureFormat format = dc_picture_sniff (bytes, len);
  int w = 0, h = 0;

  if (format != DC_PICTURE_FORMAT_PNG && format != DC_PICTURE_FORMAT_WEBP)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_UNSUPPORTED,
                   _("“%s” is not a JPEG, PNG or WebP picture (whatever its name says)"), name);
      return NULL;
    }
  if (!dc_picture_peek_size (bytes, len, format, &w, &h))
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("“%s” is damaged or incomplete: its header gives no picture size"), name);
      return NULL;
    }
  if ((gint64) w * h > PIXBUF_MAX_PIXELS)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_TOO_LARGE,
                   _("“%s”: the picture is too large (%d × %d)"), name, w, h);
      return NULL;
    }
  loader = gdk_pixbuf_loader_new_with_type (format == DC_PICTURE_FORMAT_PNG ? "png" : "webp",
                                            &local_error);
  if (loader == NULL)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_UNSUPPORTED,
                   _("“%s”: this picture format cannot be read on this computer (%s)"),
                   name, local_error->message);
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &req);
  if (!gdk_pixbuf_loader_write_bytes (loader, data, &local_error) ||
      !gdk_pixbuf_loader_close (loader, &local_error))
    {
      gboolean unsupported = g_error_matches (local_error, GDK_PIXBUF_ERROR,
                                              GDK_PIXBUF_ERROR_UNKNOWN_TYPE);

      if (unsupported)
        g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_UNSUPPORTED,
                     _("“%s”: this picture format cannot be read on this computer (%s)"),
                     name, local_error->message);
      else
        g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                     _("“%s” is damaged or incomplete: %s"), name, local_error->message);
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("“%s” contains no picture"), name);
      return NULL;
    }
  *orig_w = req.orig_w;
  *orig_h = req.orig_h;
  return g_object_ref (pixbuf);
}

/* An upright RGB(A) DcImage from a pixbuf (copied row by row: pixbuf
 * rows may be padded and the last one short). */
static DcImage *
image_from_pixbuf (GdkPixbuf *pixbuf)
{
  g_autoptr(GdkPixbuf) upright = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  int w = gdk_pixbuf_get_width (upright);
  int h = gdk_pixbuf_get_height (upright);
  int ch = gdk_pixbuf_get_has_alpha (upright) ? 4 : 3;
  int src_ch = gdk_pixbuf_get_n_channels (upright);
  int src_stride = gdk_pixbuf_get_rowstride (upright);
  const guint8 *src = gdk_pixbuf_read_pixels (upright);
  DcImage *image = dc_image_new (w, h, ch);

  for (int y = 0; y < h; y++)
    {
      const guint8 *s = src + (gsize) y * src_stride;
      guint8 *d = image->pixels + (gsize) y * image->stride;

      if (src_ch == ch)
        memcpy (d, s, (gsize) w * ch);
      else
        for (int x = 0; x < w; x++)
          memcpy (d + x * ch, s + x * src_ch, ch);
    }
  return image;
}

DcThumbnail *
dc_thumbnail_decode_bytes (GBytes *data, const char *name, int size,
                           GCancellable *cancellable, GError **error)
{
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  DcThumbnail *thumb;
  int ow, oh;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (size > 0, NULL);

  if (name == NULL)
    name = "?";
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (len == 0)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("“%s” is empty (the download may have failed)"), name);
      return NULL;
    }
  if (dc_jpeg_sniff (bytes, len))
    {
      g_autoptr(GError) local_error = NULL;

      thumb = decode_jpeg (bytes, len, size, cancellable, &local_error);
      if (thumb == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (thumb == NULL)
        g_set_error (error, local_error->domain, local_error->code,
                     "“%s”: %s", name, local_error->message);
      return thumb;
    }

  pixbuf = pixbuf_from_bytes (data, size, &ow, &oh, name, error);
  if (pixbuf == NULL)
    return NULL;
  thumb = thumbnail_from_image (image_from_pixbuf (pixbuf));
  {
    const char *o = gdk_pixbuf_get_option (pixbuf, "orientation");
    gboolean swap = o != NULL && atoi (o) >= 5;

    thumb->source_width = swap ? oh : ow;
    thumb->source_height = swap ? ow : oh;
  }
  return thumb;
}

DcThumbnail *
dc_thumbnail_decode_file (const char *path, int size,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  data = dc_picture_read_file (path, cancellable, error);
  if (data == NULL)
    return NULL;
  name = g_filename_display_basename (path);
  return dc_thumbnail_decode_bytes (data, name, size, cancellable, error);
}

DcThumbnail *
dc_thumbnail_load_file (const char *path, int size, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  DcThumbnail *thumb;

  thumb = dc_thumbnail_decode_file (path, size, cancellable, &error);
  if (thumb != NULL)
    return thumb;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  return dc_thumbnail_new_placeholder (error->message);
}

DcImage *
dc_picture_decode_full (const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *name = g_filename_display_basename (path);
  const guint8 *bytes;
  gsize len = 0;
  int ow, oh;

  data = dc_picture_read_file (path, cancellable, error);
  if (data == NULL)
    return NULL;
  bytes = g_bytes_get_data (data, &len);
  if (dc_jpeg_sniff (bytes, len))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(DcImage) stored = NULL;
      int orientation = dc_jpeg_exif_orientation (bytes, len);

      /* Accurate DCT: this is the evidence copy, not a preview. */
      stored = dc_jpeg_decode_full (bytes, len, 1, 1, FALSE, cancellable, &local_error);
      if (stored == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (stored == NULL)
        {
          g_set_error (error, local_error->domain, local_error->code,
                       "“%s”: %s", name, local_error->message);
          return NULL;
        }
      if (orientation == 1)
        return g_steal_pointer (&stored);
      return dc_image_apply_orientation (stored, orientation);
    }
  if (len == 0)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("“%s” is empty (the download may have failed)"), name);
      return NULL;
    }
  pixbuf = pixbuf_from_bytes (data, 0, &ow, &oh, name, error);
  if (pixbuf == NULL)
    return NULL;
  return image_from_pixbuf (pixbuf);
}
