#define G_LOG_DOMAIN "dc-thumbnail-cache"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pictures/dc-jpeg.h"
#include "pictures/dc-thumbnail-cache.h"
#include "util/dc-file-util.h"

#define MAGIC "DCTHUMB1"
#define HEADER_LEN (8 + 8 + 8 + 4 * 6)
#define KIND_JPEG 0
#define KIND_RAW  1
#define CACHE_QUALITY 85

struct _DcThumbnailCache
{
  gint  ref_count;
  char *dir;
};

char *
dc_thumbnail_cache_default_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "dockclip", "thumbnails", NULL);
}

DcThumbnailCache *
dc_thumbnail_cache_new (const char *dir)
{
  DcThumbnailCache *self = g_new0 (DcThumbnailCache, 1);

  self->ref_count = 1;
  self->dir = dir != NULL ? g_strdup (dir) : dc_thumbnail_cache_default_dir ();
  return self;
}

DcThumbnailCache *
dc_thumbnail_cache_ref (DcThumbnailCache *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
dc_thumbnail_cache_unref (DcThumbnailCache *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->dir);
  g_free (self);
}

const char *
dc_thumbnail_cache_get_dir (DcThumbnailCache *self)
{
  return self->dir;
}

char *
dc_thumbnail_cache_entry_path (DcThumbnailCache *self, const char *path, int size)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  g_autofree char *key = g_strdup_printf ("%s\n%d", uri, size);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, key, -1);
  g_autofree char *name = g_strconcat (sum, ".thumb", NULL);

  return g_build_filename (self->dir, name, NULL);
}

gboolean
dc_picture_file_stamp (const char *path, gint64 *mtime_us, goffset *size, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_TIME_MODIFIED ","
                            G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, error);
  if (info == NULL)
    return FALSE;
  *size = g_file_info_get_size (info);
  *mtime_us = (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED)
              * G_USEC_PER_SEC
              + g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
  return TRUE;
}

static void
put_u32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
put_u64 (guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint64
get_u64 (const guint8 *p)
{
  return (guint64) get_u32 (p) | ((guint64) get_u32 (p + 4) << 32);
}

DcThumbnail *
dc_thumbnail_cache_lookup (DcThumbnailCache *self, const char *path, int size,
                           gint64 mtime_us, goffset file_size)
{
  g_autofree char *entry = NULL;
  g_autofree char *contents = NULL;
  const guint8 *p;
  gsize len = 0;
  guint32 source_w, source_h, width, height, channels, kind;
  DcThumbnail *thumb = NULL;

  g_return_val_if_fail (self != NULL && path != NULL, NULL);

  entry = dc_thumbnail_cache_entry_path (self, path, size);
  if (!g_file_get_contents (entry, &contents, &len, NULL) || len < HEADER_LEN)
    return NULL;
  p = (const guint8 *) contents;
  if (memcmp (p, MAGIC, 8) != 0 ||
      (gint64) get_u64 (p + 8) != mtime_us ||
      (goffset) get_u64 (p + 16) != file_size)
    return NULL;
  source_w = get_u32 (p + 24);
  source_h = get_u32 (p + 28);
  width = get_u32 (p + 32);
  height = get_u32 (p + 36);
  channels = get_u32 (p + 40);
  kind = get_u32 (p + 44);
  if (width == 0 || height == 0 || width > 4096 || height > 4096 ||
      (channels != 3 && channels != 4))
    return NULL;

  if (kind == KIND_RAW)
    {
      gsize need = (gsize) width * height * channels;

      if (len - HEADER_LEN != need)
        return NULL;
      thumb = dc_thumbnail_new (g_bytes_new (p + HEADER_LEN, need), (int) width,
                                (int) height, (int) (width * channels), channels == 4);
    }
  else if (kind == KIND_JPEG)
    {
      DcImage *image = dc_jpeg_decode (p + HEADER_LEN, len - HEADER_LEN, 1, 1, TRUE, NULL);
      gsize n;

      /* A damaged or foreign entry is just a miss. */
      if (image == NULL || image->width != (int) width || image->height != (int) height)
        {
          dc_image_free (image);
          return NULL;
        }
      n = (gsize) image->stride * image->height;
      thumb = dc_thumbnail_new (g_bytes_new_take (g_steal_pointer (&image->pixels), n),
                                image->width, image->height, image->stride, FALSE);
      dc_image_free (image);
    }
  else
    return NULL;

  thumb->source_width = (int) source_w;
  thumb->source_height = (int) source_h;
  thumb->from_cache = TRUE;
  return thumb;
}

gboolean
dc_thumbnail_cache_store (DcThumbnailCache *self, const char *path, int size,
                          gint64 mtime_us, goffset file_size,
                          const DcThumbnail *thumb, GError **error)
{
  g_autofree char *entry = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GByteArray) out = NULL;
  guint8 header[HEADER_LEN];
  int channels = thumb->has_alpha ? 4 : 3;
  guint32 kind;

  g_return_val_if_fail (self != NULL && path != NULL && thumb != NULL, FALSE);

  if (thumb->placeholder)
    return TRUE;
  if (!dc_ensure_private_dir (self->dir, error))
    return FALSE;

  if (!thumb->has_alpha)
    {
      DcImage image = { (guint8 *) g_bytes_get_data (thumb->pixels, NULL),
                        thumb->width, thumb->height, thumb->stride, 3 };

      payload = dc_jpeg_encode (&image, CACHE_QUALITY, FALSE, error);
      if (payload == NULL)
        return FALSE;
      kind = KIND_JPEG;
    }
  else
    {
      /* Transparency would be lost in JPEG; these are rare (PNG/WebP
       * with alpha) and small, so store the rows as they are. */
      const guint8 *px = g_bytes_get_data (thumb->pixels, NULL);
      GByteArray *raw = g_byte_array_sized_new ((guint) (thumb->width * 4 * thumb->height));

      for (int y = 0; y < thumb->height; y++)
        g_byte_array_append (raw, px + (gsize) y * thumb->stride, (guint) thumb->width * 4);
      payload = g_byte_array_free_to_bytes (raw);
      kind = KIND_RAW;
    }

  memcpy (header, MAGIC, 8);
  put_u64 (header + 8, (guint64) mtime_us);
  put_u64 (header + 16, (guint64) file_size);
  put_u32 (header + 24, (guint32) thumb->source_width);
  put_u32 (header + 28, (guint32) thumb->source_height);
  put_u32 (header + 32, (guint32) thumb->width);
  put_u32 (header + 36, (guint32) thumb->height);
  put_u32 (header + 40, (guint32) channels);
  put_u32 (header + 44, kind);

  out = g_byte_array_sized_new (HEADER_LEN + (guint) g_bytes_get_size (payload));
  g_byte_array_append (out, header, HEADER_LEN);
  g_byte_array_append (out, g_bytes_get_data (payload, NULL), (guint) g_bytes_get_size (payload));

  entry = dc_thumbnail_cache_entry_path (self, path, size);
  /* Atomic rename, but no fsync for a new entry: losing a thumbnail in a
   * power cut costs one decode, an fsync per thumbnail costs the pipeline. */
  return g_file_set_contents_full (entry, (const char *) out->data, out->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_ONLY_EXISTING, 0600, error);
}
