#define G_LOG_DOMAIN "dc-byte-source"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "util/dc-byte-source.h"

gssize
dc_byte_source_read (DcByteSource *self, guint8 *buf, gsize len, GError **error)
{
  gssize n;

  g_return_val_if_fail (self != NULL, -1);
  n = self->klass->read (self, buf, len, error);
  if (n > 0)
    self->position += (guint64) n;
  return n;
}

gboolean
dc_byte_source_can_seek (DcByteSource *self)
{
  return self != NULL && self->klass->seek != NULL;
}

gboolean
dc_byte_source_seek (DcByteSource *self, guint64 offset, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (self->klass->seek == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "stream cannot seek");
      return FALSE;
    }
  if (!self->klass->seek (self, offset, error))
    return FALSE;
  self->position = offset;
  return TRUE;
}

void
dc_byte_source_free (DcByteSource *self)
{
  if (self == NULL)
    return;
  self->klass->finalize (self);
}

/* File-backed source, through GIO so it works the same on Windows. */
typedef struct
{
  DcByteSource      parent;
  GFileInputStream *stream;
} FileSource;

static gssize
file_source_read (DcByteSource *self, guint8 *buf, gsize len, GError **error)
{
  FileSource *fs = (FileSource *) self;
  gssize n = g_input_stream_read (G_INPUT_STREAM (fs->stream), buf, len, NULL, error);
  if (n > 0)
    self->bytes_transferred += (guint64) n;
  return n;
}

static gboolean
file_source_seek (DcByteSource *self, guint64 offset, GError **error)
{
  FileSource *fs = (FileSource *) self;
  return g_seekable_seek (G_SEEKABLE (fs->stream), (goffset) offset, G_SEEK_SET, NULL, error);
}

static void
file_source_finalize (DcByteSource *self)
{
  FileSource *fs = (FileSource *) self;
  g_clear_object (&fs->stream);
  g_free (fs);
}

static const DcByteSourceClass file_source_class = {
  file_source_read, file_source_seek, file_source_finalize
};

DcByteSource *
dc_byte_source_new_for_file (const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  FileSource *fs;

  stream = g_file_read (file, NULL, error);
  if (stream == NULL)
    return NULL;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);

  fs = g_new0 (FileSource, 1);
  fs->parent.klass = &file_source_class;
  fs->parent.size = info ? (gint64) g_file_info_get_size (info) : -1;
  fs->stream = g_steal_pointer (&stream);
  return &fs->parent;
}

typedef struct
{
  DcByteSource parent;
  GBytes      *bytes;
  gsize        offset;
} BytesSource;

static gssize
bytes_source_read (DcByteSource *self, guint8 *buf, gsize len, GError **error)
{
  BytesSource *bs = (BytesSource *) self;
  gsize size;
  const guint8 *data = g_bytes_get_data (bs->bytes, &size);
  gsize n = MIN (len, size - bs->offset);

  if (n > 0)
    memcpy (buf, data + bs->offset, n);
  bs->offset += n;
  self->bytes_transferred += n;
  return (gssize) n;
}

static gboolean
bytes_source_seek (DcByteSource *self, guint64 offset, GError **error)
{
  BytesSource *bs = (BytesSource *) self;
  if (offset > g_bytes_get_size (bs->bytes))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "seek past end");
      return FALSE;
    }
  bs->offset = offset;
  return TRUE;
}

static void
bytes_source_finalize (DcByteSource *self)
{
  BytesSource *bs = (BytesSource *) self;
  g_bytes_unref (bs->bytes);
  g_free (bs);
}

static const DcByteSourceClass bytes_source_class = {
  bytes_source_read, bytes_source_seek, bytes_source_finalize
};

DcByteSource *
dc_byte_source_new_for_bytes (GBytes *bytes)
{
  BytesSource *bs = g_new0 (BytesSource, 1);
  bs->parent.klass = &bytes_source_class;
  bs->parent.size = (gint64) g_bytes_get_size (bytes);
  bs->bytes = g_bytes_ref (bytes);
  return &bs->parent;
}
