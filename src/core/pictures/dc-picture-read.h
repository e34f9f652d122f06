/* dc-picture-read.h: reading a picture file from a review folder that
 * anyone may have dropped anything into.
 *
 * A FIFO named SF123.jpg (or one swapped in after the folder scan) must
 * never block the reader, a symlink must not lead it out of the folder,
 * a 10 GiB file must not be read, and the content, not the name, decides
 * which decoder runs: JPEG (libjpeg-turbo), PNG or WebP (gdk-pixbuf's
 * loader for that format only: an SVG named .png is refused).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Larger files are refused before reading: a DVR snapshot is well under
 * 2 MB, a phone photo under 20 MB. */
#define DC_PICTURE_FILE_MAX   (64 * 1024 * 1024)
/* Decoded pixels: a header that declares more is refused before anything
 * is allocated (64 MP: a 48 MP phone photo fits, 65,500 x 65,500 does not). */
#define DC_PICTURE_MAX_PIXELS ((gint64) 8192 * 8192)

typedef enum
{
  DC_PICTURE_FORMAT_UNKNOWN,
  DC_PICTURE_FORMAT_JPEG,
  DC_PICTURE_FORMAT_PNG,
  DC_PICTURE_FORMAT_WEBP,
} DcPictureFormat;

/* The whole file at @path, when it is a regular file (not a link, FIFO,
 * socket or device: opened non-blocking and without following links,
 * then checked with fstat) of 1 byte to DC_PICTURE_FILE_MAX.  Checks
 * @cancellable between chunks.  Errors are DC_PICTURES_ERROR_* (or
 * G_IO_ERROR_* from the system, G_IO_ERROR_CANCELLED) with the file's
 * name and the reason in words. */
GBytes          *dc_picture_read_file  (const char *path, GCancellable *cancellable,
                                        GError **error);

/* The format by content (magic bytes), whatever the name says. */
DcPictureFormat  dc_picture_sniff      (const guint8 *data, gsize len);

/* The dimensions a PNG or WebP header declares; FALSE when it cannot be
 * read.  (JPEG: dc_jpeg_read_header.) */
gboolean         dc_picture_peek_size  (const guint8 *data, gsize len, DcPictureFormat format,
                                        int *width, int *height);

G_END_DECLS
