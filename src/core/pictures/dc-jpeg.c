#define G_LOG_DOMAIN "dc-jpeg"

#include "config.h"

#include <glib/gi18n.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>
#include <jpeglib.h>

#include "pictures/dc-jpeg.h"
#include "pictures/dc-picture-read.h"
#include "pictures/dc-pictures-error.h"

/* A header that declares more pixels is refused before anything is
 * allocated: 64 MP is not a DVR snapshot, 65,500 x 65,500 only exhausts
 * memory. */
#define MAX_PIXELS DC_PICTURE_MAX_PIXELS
/* A progressive JPEG has about ten scans; 20,000 tiny ones cost 40 s of
 * CPU per thumbnail.  (libjpeg-turbo's own TJFLAG_LIMITSCANS says 500.) */
#define MAX_SCANS  100
/* What libjpeg may hold for a progressive picture's coefficients (2 bytes
 * per sample): more and it stops with "backing store not supported"
 * instead of allocating.  A 64 MP 4:2:0 picture needs 192 MiB. */
#define MAX_DECODER_MEMORY (200L * 1024 * 1024)

G_DEFINE_QUARK (dc-pictures-error-quark, dc_pictures_error)

DcImage *
dc_image_new (int width, int height, int channels)
{
  DcImage *image;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (channels == 3 || channels == 4, NULL);

  image = g_new0 (DcImage, 1);
  image->width = width;
  image->height = height;
  image->channels = channels;
  image->stride = width * channels;
  image->pixels = g_malloc ((gsize) image->stride * (gsize) height);
  return image;
}

void
dc_image_free (DcImage *image)
{
  if (image == NULL)
    return;
  g_free (image->pixels);
  g_free (image);
}

gboolean
dc_jpeg_sniff (const guint8 *data, gsize len)
{
  return len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

static guint
read_u16 (const guint8 *p, gboolean big_endian)
{
  return big_endian ? ((guint) p[0] << 8) | p[1] : ((guint) p[1] << 8) | p[0];
}

static guint32
read_u32 (const guint8 *p, gboolean big_endian)
{
  return big_endian
    ? ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3]
    : ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

/* Orientation from a TIFF block (the Exif payload after "Exif\0\0"). */
static int
tiff_orientation (const guint8 *tiff, gsize len)
{
  gboolean be;
  guint32 ifd0;
  guint n_entries;

  if (len < 8)
    return 1;
  if (tiff[0] == 'M' && tiff[1] == 'M')
    be = TRUE;
  else if (tiff[0] == 'I' && tiff[1] == 'I')
    be = FALSE;
  else
    return 1;
  if (read_u16 (tiff + 2, be) != 42)
    return 1;
  ifd0 = read_u32 (tiff + 4, be);
  if (ifd0 < 8 || ifd0 > len - 2)
    return 1;
  n_entries = read_u16 (tiff + ifd0, be);
  for (guint i = 0; i < n_entries; i++)
    {
      gsize off = ifd0 + 2 + (gsize) i * 12;
      guint tag, type, value;

      if (off + 12 > len)
        break;
      tag = read_u16 (tiff + off, be);
      if (tag != 0x0112)
        continue;
      type = read_u16 (tiff + off + 2, be);
      /* SHORT is the spec; some writers use LONG. The value sits left-
       * justified in the 4-byte field either way. */
      if (type == 3)
        value = read_u16 (tiff + off + 8, be);
      else if (type == 4)
        value = read_u32 (tiff + off + 8, be);
      else
        return 1;
      return value >= 1 && value <= 8 ? (int) value : 1;
    }
  return 1;
}

int
dc_jpeg_exif_orientation (const guint8 *data, gsize len)
{
  gsize pos = 2;

  if (!dc_jpeg_sniff (data, len))
    return 1;

  /* Walk the marker segments up to SOS; Exif is in the first few. */
  while (pos + 4 <= len)
    {
      guint8 marker;
      gsize seg_len;

      if (data[pos] != 0xFF)
        return 1;
      marker = data[pos + 1];
      if (marker == 0xFF)      /* fill byte */
        {
          pos++;
          continue;
        }
      if (marker == 0xDA || marker == 0xD9)   /* SOS / EOI: no more headers */
        return 1;
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
        {
          pos += 2;
          continue;
        }
      seg_len = read_u16 (data + pos + 2, TRUE);
      if (seg_len < 2 || pos + 2 + seg_len > len)
        return 1;
      if (marker == 0xE1 && seg_len >= 2 + 6 + 8 &&
          memcmp (data + pos + 4, "Exif\0\0", 6) == 0)
        return tiff_orientation (data + pos + 10, seg_len - 8);
      pos += 2 + seg_len;
    }
  return 1;
}

void
dc_jpeg_choose_scale (int width, int height, int min_width, int min_height,
                      int *scale_num, int *scale_denom)
{
  tjscalingfactor *factors;
  int n = 0;
  int best_num = 1, best_denom = 1;

  factors = tjGetScalingFactors (&n);
  for (int i = 0; factors != NULL && i < n; i++)
    {
      int num = factors[i].num, denom = factors[i].denom;

      if (num > denom)
        continue;
      if (TJSCALED (width, factors[i]) < min_width ||
          TJSCALED (height, factors[i]) < min_height)
        continue;
      /* smaller factor = num/denom < best_num/best_denom */
      if ((gint64) num * best_denom < (gint64) best_num * denom)
        {
          best_num = num;
          best_denom = denom;
        }
    }
  *scale_num = best_num;
  *scale_denom = best_denom;
}

gboolean
dc_jpeg_read_header (const guint8 *data, gsize len,
                     int *width, int *height, GError **error)
{
  tjhandle tj;
  int subsamp = 0, colorspace = 0;
  int ok;

  if (!dc_jpeg_sniff (data, len))
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("Not a JPEG file"));
      return FALSE;
    }
  /* Some damaged streams make tjDecompressHeader3() return success
   * without setting the size: never read it uninitialised. */
  *width = *height = 0;
  tj = tjInitDecompress ();
  if (tj == NULL)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   "%s", tjGetErrorStr2 (NULL));
      return FALSE;
    }
  ok = tjDecompressHeader3 (tj, data, (unsigned long) len, width, height,
                            &subsamp, &colorspace) == 0;
  if (!ok)
    g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                 _("Damaged JPEG header: %s"), tjGetErrorStr2 (tj));
  else if (*width <= 0 || *height <= 0)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("Damaged JPEG header: no picture size"));
      ok = FALSE;
    }
  else if ((gint64) *width * *height > MAX_PIXELS)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_TOO_LARGE,
                   _("The picture is too large (%d × %d)"), *width, *height);
      ok = FALSE;
    }
  tjDestroy (tj);
  return ok;
}

/* libjpeg pads a truncated stream with grey and only warns; a download
 * cut short must show as damaged, not as half a picture. */
static gboolean
has_eoi_near_end (const guint8 *data, gsize len)
{
  gsize start = len > 256 ? len - 256 : 0;

  for (gsize i = len; i-- > start + 1;)
    if (data[i - 1] == 0xFF && data[i] == 0xD9)
      return TRUE;
  return FALSE;
}

/* libjpeg's error handling, as its manual shows: errors jump back to the
 * decode; warnings (corrupt data it can pad) are remembered. */
typedef struct
{
  struct jpeg_error_mgr    pub;
  jmp_buf                  jump;
  char                     message[JMSG_LENGTH_MAX];
  gboolean                 warned;
  gboolean                 too_many_scans;
  gboolean                 cancelled;
} DecodeErrors;

typedef struct
{
  struct jpeg_progress_mgr pub;
  DecodeErrors            *errors;
  GCancellable            *cancellable;
} DecodeProgress;

static void
on_jpeg_error (j_common_ptr cinfo)
{
  DecodeErrors *e = (DecodeErrors *) cinfo->err;

  cinfo->err->format_message (cinfo, e->message);
  longjmp (e->jump, 1);
}

static void
on_jpeg_message (j_common_ptr cinfo, int level)
{
  DecodeErrors *e = (DecodeErrors *) cinfo->err;

  if (level < 0 && !e->warned)
    {
      e->warned = TRUE;
      cinfo->err->format_message (cinfo, e->message);
    }
}

/* Called between scans and rows: the place to stop a scan bomb or a
 * decode nobody waits for any more. */
static void
on_jpeg_progress (j_common_ptr cinfo)
{
  DecodeProgress *p = (DecodeProgress *) cinfo->progress;
  j_decompress_ptr d = (j_decompress_ptr) cinfo;

  if (d->input_scan_number > MAX_SCANS)
    {
      p->errors->too_many_scans = TRUE;
      longjmp (p->errors->jump, 1);
    }
  if (g_cancellable_is_cancelled (p->cancellable))
    {
      p->errors->cancelled = TRUE;
      longjmp (p->errors->jump, 1);
    }
}

DcImage *
dc_jpeg_decode (const guint8 *data, gsize len, int scale_num, int scale_denom,
                gboolean fast, GError **error)
{
  return dc_jpeg_decode_full (data, len, scale_num, scale_denom, fast, NULL, error);
}

DcImage *
dc_jpeg_decode_full (const guint8 *data, gsize len, int scale_num, int scale_denom,
                     gboolean fast, GCancellable *cancellable, GError **error)
{
  struct jpeg_decompress_struct cinfo;
  DecodeErrors errors;
  DecodeProgress progress;
  DcImage *volatile image = NULL;
  int width = 0, height = 0;

  if (!dc_jpeg_read_header (data, len, &width, &height, error))
    return NULL;

  memset (&cinfo, 0, sizeof cinfo);
  memset (&errors, 0, sizeof errors);
  memset (&progress, 0, sizeof progress);
  cinfo.err = jpeg_std_error (&errors.pub);
  errors.pub.error_exit = on_jpeg_error;
  errors.pub.emit_message = on_jpeg_message;
  progress.pub.progress_monitor = on_jpeg_progress;
  progress.errors = &errors;
  progress.cancellable = cancellable;

  if (setjmp (errors.jump) != 0)
    {
      if (errors.cancelled)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      else if (errors.too_many_scans)
        g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                     _("The JPEG file has more than %d scans, which no camera writes; it is "
                       "not decoded"), MAX_SCANS);
      else
        g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                     _("The JPEG data is damaged (%s)"), errors.message);
      jpeg_destroy_decompress (&cinfo);
      if (image != NULL)
        dc_image_free (image);
      return NULL;
    }
  jpeg_create_decompress (&cinfo);
  cinfo.mem->max_memory_to_use = MAX_DECODER_MEMORY;
  cinfo.progress = &progress.pub;
  jpeg_mem_src (&cinfo, data, (unsigned long) len);
  jpeg_read_header (&cinfo, TRUE);
  cinfo.scale_num = (unsigned int) scale_num;
  cinfo.scale_denom = (unsigned int) scale_denom;
  cinfo.out_color_space = JCS_RGB;
  cinfo.dct_method = fast ? JDCT_IFAST : JDCT_ISLOW;
  jpeg_start_decompress (&cinfo);
  if (cinfo.output_components != 3)
    {
      g_strlcpy (errors.message, "unsupported colour space", sizeof errors.message);
      longjmp (errors.jump, 1);
    }
  image = dc_image_new ((int) cinfo.output_width, (int) cinfo.output_height, 3);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW row = image->pixels + (gsize) cinfo.output_scanline * (gsize) image->stride;

      jpeg_read_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);

  /* libjpeg pads a truncated stream with grey and only warns; a download
   * cut short must show as damaged, not as half a picture. */
  if (errors.warned && !has_eoi_near_end (data, len))
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("The JPEG file is truncated (%s)"), errors.message);
      dc_image_free (image);
      return NULL;
    }
  return image;
}

GBytes *
dc_jpeg_encode (const DcImage *image, int quality, gboolean subsamp_444, GError **error)
{
  tjhandle tj;
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  GBytes *bytes;

  g_return_val_if_fail (image != NULL, NULL);

  tj = tjInitCompress ();
  if (tj == NULL)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_ENCODE,
                   "%s", tjGetErrorStr2 (NULL));
      return NULL;
    }
  if (tjCompress2 (tj, image->pixels, image->width, image->stride, image->height,
                   image->channels == 4 ? TJPF_RGBA : TJPF_RGB, &out, &out_len,
                   subsamp_444 ? TJSAMP_444 : TJSAMP_420, quality, 0) != 0)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_ENCODE,
                   _("Cannot encode the JPEG: %s"), tjGetErrorStr2 (tj));
      tjFree (out);
      tjDestroy (tj);
      return NULL;
    }
  bytes = g_bytes_new (out, out_len);
  tjFree (out);
  tjDestroy (tj);
  return bytes;
}

DcImage *
dc_image_apply_orientation (const DcImage *src, int orientation)
{
  gboolean swap = orientation >= 5 && orientation <= 8;
  int w = src->width, h = src->height, ch = src->channels;
  DcImage *dst;

  dst = dc_image_new (swap ? h : w, swap ? w : h, ch);
  if (orientation < 2 || orientation > 8)
    {
      for (int y = 0; y < h; y++)
        memcpy (dst->pixels + (gsize) y * dst->stride,
                src->pixels + (gsize) y * src->stride, (gsize) w * ch);
      return dst;
    }

  for (int y = 0; y < h; y++)
    {
      const guint8 *row = src->pixels + (gsize) y * src->stride;

      for (int x = 0; x < w; x++)
        {
          int dx, dy;

          switch (orientation)
            {
            case 2: dx = w - 1 - x; dy = y; break;              /* mirror */
            case 3: dx = w - 1 - x; dy = h - 1 - y; break;      /* 180 */
            case 4: dx = x; dy = h - 1 - y; break;              /* flip */
            case 5: dx = y; dy = x; break;                      /* transpose */
            case 6: dx = h - 1 - y; dy = x; break;              /* 90 CW */
            case 7: dx = h - 1 - y; dy = w - 1 - x; break;      /* transverse */
            default: dx = y; dy = w - 1 - x; break;             /* 8: 90 CCW */
            }
          memcpy (dst->pixels + (gsize) dy * dst->stride + (gsize) dx * ch,
                  row + (gsize) x * ch, ch);
        }
    }
  return dst;
}

DcImage *
dc_image_scale_down (const DcImage *src, int width, int height)
{
  DcImage *dst;
  int ch = src->channels;
  g_autofree int *x0 = NULL;
  g_autofree int *x1 = NULL;

  g_return_val_if_fail (width >= 1 && height >= 1, NULL);
  width = MIN (width, src->width);
  height = MIN (height, src->height);
  dst = dc_image_new (width, height, ch);

  /* Each output pixel averages the source box it covers: after a DCT
   * pre-scale the ratio is below 2, so the box is 1-2 pixels wide. */
  x0 = g_new (int, width);
  x1 = g_new (int, width);
  for (int x = 0; x < width; x++)
    {
      x0[x] = (int) ((gint64) x * src->width / width);
      x1[x] = MAX (x0[x] + 1, (int) ((gint64) (x + 1) * src->width / width));
    }

  for (int y = 0; y < height; y++)
    {
      int y0 = (int) ((gint64) y * src->height / height);
      int y1 = MAX (y0 + 1, (int) ((gint64) (y + 1) * src->height / height));
      guint8 *out = dst->pixels + (gsize) y * dst->stride;

      for (int x = 0; x < width; x++)
        {
          guint sum[4] = { 0, 0, 0, 0 };
          guint n = (guint) ((y1 - y0) * (x1[x] - x0[x]));

          for (int sy = y0; sy < y1; sy++)
            {
              const guint8 *p = src->pixels + (gsize) sy * src->stride + (gsize) x0[x] * ch;

              for (int sx = x0[x]; sx < x1[x]; sx++, p += ch)
                for (int c = 0; c < ch; c++)
                  sum[c] += p[c];
            }
          for (int c = 0; c < ch; c++)
            out[x * ch + c] = (guint8) ((sum[c] + n / 2) / n);
        }
    }
  return dst;
}

void
dc_fit_in_box (int width, int height, int box, int *out_width, int *out_height)
{
  if (width <= box && height <= box)
    {
      *out_width = width;
      *out_height = height;
    }
  else if (width >= height)
    {
      *out_width = box;
      *out_height = MAX (1, (int) (((gint64) height * box + width / 2) / width));
    }
  else
    {
      *out_height = box;
      *out_width = MAX (1, (int) (((gint64) width * box + height / 2) / height));
    }
}

GBytes *
dc_jpeg_insert_segment (const guint8 *data, gsize len, guint8 marker,
                        const guint8 *payload, gsize payload_len)
{
  GByteArray *out;
  guint8 head[4];

  g_return_val_if_fail (len >= 2 && payload_len <= 65533, NULL);

  out = g_byte_array_sized_new (len + payload_len + 4);
  g_byte_array_append (out, data, 2);
  head[0] = 0xFF;
  head[1] = marker;
  head[2] = (guint8) ((payload_len + 2) >> 8);
  head[3] = (guint8) ((payload_len + 2) & 0xFF);
  g_byte_array_append (out, head, 4);
  g_byte_array_append (out, payload, payload_len);
  g_byte_array_append (out, data + 2, len - 2);
  return g_byte_array_free_to_bytes (out);
}
