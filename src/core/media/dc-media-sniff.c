/* dc-media-sniff.c: the container of a download, from its first bytes.
 *
 * A recorder's own description of a file is not to be trusted: Amcrest
 * and other Dahua-based firmware say Type=dav for files that are MP4.  So
 * the demuxer is chosen from what the first bytes say (IMKH, a PS pack
 * header, ftyp, DHAV), and the recorder's type is only a fallback for
 * streams whose start says nothing.  The bytes read to decide are replayed
 * to libavformat by a thin source wrapper, so a live transfer is not
 * asked twice. */
#define G_LOG_DOMAIN "dc-media"

#include "config.h"

#include <string.h>

#include "media/dc-media-private.h"

#define SNIFF_BYTES 192   /* an MPEG-TS sync byte at 188 is the longest test */

typedef struct
{
  DcByteSource  parent;
  DcByteSource *inner;       /* not owned */
  guint8        prefix[SNIFF_BYTES];
  gsize         prefix_len;
  gsize         replay;      /* next prefix byte to hand out */
  GError       *pending;     /* an inner error met while topping up a replay */
} SniffSource;

static void
mirror (SniffSource *s)
{
  s->parent.bytes_transferred = s->inner->bytes_transferred;
}

static gssize
sniff_source_read (DcByteSource *self, guint8 *buf, gsize len, GError **error)
{
  SniffSource *s = (SniffSource *) self;
  gsize copied = 0;
  gssize n;

  if (s->pending != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&s->pending));
      return -1;
    }
  if (s->replay < s->prefix_len && s->inner->position == s->prefix_len)
    {
      copied = MIN (len, s->prefix_len - s->replay);
      memcpy (buf, s->prefix + s->replay, copied);
      s->replay += copied;
      if (copied == len)
        return (gssize) copied;
    }
  /* Top up, so the first read shows as much as the inner source gives
   * (the fragmented-MP4 check looks at the first read for its moov). */
  n = dc_byte_source_read (s->inner, buf + copied, len - copied, copied > 0 ? &s->pending : error);
  mirror (s);
  if (n < 0)
    return copied > 0 ? (gssize) copied : -1;
  return (gssize) copied + n;
}

static gboolean
sniff_source_seek (DcByteSource *self, guint64 offset, GError **error)
{
  SniffSource *s = (SniffSource *) self;
  gboolean ok;

  g_clear_error (&s->pending);
  if (offset <= s->prefix_len && s->inner->position == s->prefix_len)
    {
      s->replay = (gsize) offset;
      return TRUE;
    }
  ok = dc_byte_source_seek (s->inner, offset, error);
  mirror (s);
  if (ok)
    s->replay = s->prefix_len;
  return ok;
}

static void
sniff_source_finalize (DcByteSource *self)
{
  SniffSource *s = (SniffSource *) self;

  g_clear_error (&s->pending);
  g_free (s);
}

static const DcByteSourceClass sniff_source_class = {
  sniff_source_read, sniff_source_seek, sniff_source_finalize
};
static const DcByteSourceClass sniff_source_class_noseek = {
  sniff_source_read, NULL, sniff_source_finalize
};

DcByteSource *
dc_media_sniff_source_new (DcByteSource *inner, const char **kind, GError **error)
{
  SniffSource *s = g_new0 (SniffSource, 1);

  s->parent.klass = dc_byte_source_can_seek (inner) ? &sniff_source_class
                                                    : &sniff_source_class_noseek;
  s->parent.size = inner->size;
  s->parent.position = inner->position;
  s->inner = inner;
  /* Only a stream read from its start can be sniffed (and replayed). */
  if (inner->position == 0)
    {
      while (s->prefix_len < SNIFF_BYTES)
        {
          gssize n = dc_byte_source_read (inner, s->prefix + s->prefix_len,
                                          SNIFF_BYTES - s->prefix_len, error);
          if (n < 0)
            {
              g_free (s);
              return NULL;
            }
          if (n == 0)
            break;
          s->prefix_len += (gsize) n;
        }
    }
  mirror (s);
  dc_media_sniff_is_media (s->prefix, s->prefix_len, kind);
  return &s->parent;
}
