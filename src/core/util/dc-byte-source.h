/* dc-byte-source.h: a pull-style stream of bytes that the media layer
 * (libavformat, through a custom AVIOContext) reads from.  The download
 * engine hands the media layer either a file on disk or a live HTTP
 * transfer from a recorder; the media code never knows which.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DcByteSource DcByteSource;

typedef struct
{
  /* Reads up to @len bytes.  Returns the count (> 0), 0 at the end of the
   * stream, or -1 with @error set (cancelled, dropped, stalled...). */
  gssize   (*read)   (DcByteSource *self, guint8 *buf, gsize len, GError **error);
  /* Moves to an absolute @offset.  NULL when the source cannot seek (a
   * recorder that ignores Range).  May fail with G_IO_ERROR_NOT_SUPPORTED
   * when the server turns out not to honour Range. */
  gboolean (*seek)   (DcByteSource *self, guint64 offset, GError **error);
  void     (*finalize) (DcByteSource *self);
} DcByteSourceClass;

struct _DcByteSource
{
  const DcByteSourceClass *klass;
  gint64   size;      /* total bytes, or -1 when unknown */
  guint64  position;  /* bytes consumed from the start of the stream */
  guint64  bytes_transferred; /* bytes that crossed the wire (for benchmarks) */
};

gssize        dc_byte_source_read      (DcByteSource *self, guint8 *buf, gsize len, GError **error);
gboolean      dc_byte_source_can_seek  (DcByteSource *self);
gboolean      dc_byte_source_seek      (DcByteSource *self, guint64 offset, GError **error);
void          dc_byte_source_free      (DcByteSource *self);

/* A source over a local file (tests, and clips already on disk). */
DcByteSource *dc_byte_source_new_for_file (const char *path, GError **error);
/* A source over bytes in memory (fuzzers and unit tests). */
DcByteSource *dc_byte_source_new_for_bytes (GBytes *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcByteSource, dc_byte_source_free)

G_END_DECLS
