/* dc-jpeg.h: the TurboJPEG side of the pictures area.
 *
 * Everything here is thread-safe (each call makes its own TurboJPEG
 * handle) and works on memory, so the thumbnail workers, the burner and
 * the benchmark share it.  Pixels are 8-bit RGB (3 bytes) or RGBA (4).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A decoded picture in memory: tightly described by width/height/stride. */
typedef struct
{
  guint8 *pixels;      /* g_free'd by dc_image_free */
  int     width;
  int     height;
  int     stride;      /* bytes per row */
  int     channels;    /* 3 = RGB, 4 = RGBA (non-premultiplied) */
} DcImage;

DcImage  *dc_image_new        (int width, int height, int channels);
void      dc_image_free       (DcImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcImage, dc_image_free)

/* The EXIF orientation (1..8) from the APP1 Exif segment's IFD0 tag
 * 0x0112, or 1 when absent or malformed.  Reads only the markers before
 * the first scan, bounds-checked against @len. */
int       dc_jpeg_exif_orientation (const guint8 *data, gsize len);

/* TRUE when @data starts like a JPEG (SOI + marker). */
gboolean  dc_jpeg_sniff       (const guint8 *data, gsize len);

/* The smallest TurboJPEG scaling factor whose output is at least
 * @min_width x @min_height for a @width x @height picture (1/1 when none
 * is smaller).  Never picks an upscaling factor. */
void      dc_jpeg_choose_scale (int width, int height, int min_width, int min_height,
                                int *scale_num, int *scale_denom);

/* Reads the header: dimensions as stored (before EXIF orientation). */
gboolean  dc_jpeg_read_header (const guint8 *data, gsize len,
                               int *width, int *height, GError **error);

/* Decodes @data at scale @scale_num/@scale_denom (one of
 * tjGetScalingFactors()) to RGB.  Truncated data is an error
 * (DC_PICTURES_ERROR_CORRUPT), other libjpeg warnings are tolerated.
 * Bounded: more than 64 MP (DC_PICTURES_ERROR_TOO_LARGE, before any
 * allocation), more than 100 scans or a progressive picture whose
 * coefficients need over 200 MiB (DC_PICTURES_ERROR_CORRUPT) are refused. */
DcImage  *dc_jpeg_decode      (const guint8 *data, gsize len,
                               int scale_num, int scale_denom,
                               gboolean fast, GError **error);
/* The same, stopped between scans and rows when @cancellable fires
 * (G_IO_ERROR_CANCELLED). */
DcImage  *dc_jpeg_decode_full (const guint8 *data, gsize len,
                               int scale_num, int scale_denom,
                               gboolean fast, GCancellable *cancellable, GError **error);

/* Encodes RGB/RGBA (alpha ignored) as baseline JPEG. @subsamp_444 keeps
 * full-resolution colour (thin coloured marks stay their colour). */
GBytes   *dc_jpeg_encode      (const DcImage *image, int quality,
                               gboolean subsamp_444, GError **error);

/* A new image turned upright per EXIF @orientation (1 returns a copy). */
DcImage  *dc_image_apply_orientation (const DcImage *image, int orientation);

/* Area-average downscale to exactly @width x @height (both >= 1 and no
 * larger than the source). */
DcImage  *dc_image_scale_down (const DcImage *image, int width, int height);

/* The largest size with @width:@height aspect that fits in @box x @box
 * without upscaling. */
void      dc_fit_in_box       (int width, int height, int box,
                               int *out_width, int *out_height);

/* Returns a copy of the JPEG @data with a new segment (@marker, e.g.
 * 0xFE for COM or 0xE1 for APP1) inserted right after SOI. */
GBytes   *dc_jpeg_insert_segment (const guint8 *data, gsize len, guint8 marker,
                                  const guint8 *payload, gsize payload_len);

G_END_DECLS
