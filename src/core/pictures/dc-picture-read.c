/* dc-picture-read.c: a picture file read safely, its format by content. */
#define G_LOG_DOMAIN "dc-picture-read"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#else
#include <io.h>
#endif

#include "pictures/dc-picture-read.h"
#include "pictures/dc-pictures-error.h"

#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_BINARY
#define O_BINARY 0
#endif

#define READ_CHUNK (1024 * 1024)

GBytes *
dc_picture_read_file (const char *path, GCancellable *cancellable, GError **error)
{
  g_autofree char *name = g_filename_display_basename (path);
  GStatBuf st;
  guint8 *data;
  gsize size, got = 0;
  int fd, saved;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  /* Non-blocking: opening a FIFO for reading would otherwise wait for a
   * writer for ever.  No links: the folder's files are the evidence. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_BINARY, 0);
  if (fd < 0)
    {
      saved = errno;
#ifdef ELOOP
      if (saved == ELOOP)
        {
          g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_UNSUPPORTED,
                       _("“%s” is a link to another file, not a picture; it is not opened"), name);
          return NULL;
        }
#endif
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), name, g_strerror (saved));
      return NULL;
    }
  /* The type of what was opened, not of what the scan saw: a FIFO may
   * have been swapped in since. */
  if (fstat (fd, &st) != 0)
    {
      saved = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot read “%s”: %s"), name, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_UNSUPPORTED,
                   _("“%s” is not a file but a pipe, socket or device; it is not opened"), name);
      return NULL;
    }
  if (st.st_size <= 0)
    {
      close (fd);
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("“%s” is empty (the download may have failed)"), name);
      return NULL;
    }
  if (st.st_size > DC_PICTURE_FILE_MAX)
    {
      g_autofree char *have = g_format_size ((guint64) st.st_size);
      g_autofree char *most = g_format_size (DC_PICTURE_FILE_MAX);

      close (fd);
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_TOO_LARGE,
                   _("“%s” is %s, larger than any picture Dockclip shows (at most %s)"),
                   name, have, most);
      return NULL;
    }
  size = (gsize) st.st_size;
  data = g_malloc (size);
  while (got < size)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          close (fd);
          g_free (data);
          return NULL;
        }
      n = read (fd, data + got, MIN (size - got, READ_CHUNK));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved = errno;
          close (fd);
          g_free (data);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot read “%s”: %s"), name, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;   /* it shrank while read: what is there is decoded (and judged) */
      got += (gsize) n;
    }
  close (fd);
  if (got == 0)
    {
      g_free (data);
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_CORRUPT,
                   _("“%s” is empty (the download may have failed)"), name);
      return NULL;
    }
  return g_bytes_new_take (data, got);
}

DcPictureFormat
dc_picture_sniff (const guint8 *d, gsize len)
{
  if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
    return DC_PICTURE_FORMAT_JPEG;
  if (len >= 8 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0)
    return DC_PICTURE_FORMAT_PNG;
  if (len >= 16 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0)
    return DC_PICTURE_FORMAT_WEBP;
  return DC_PICTURE_FORMAT_UNKNOWN;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

gboolean
dc_picture_peek_size (const guint8 *d, gsize len, DcPictureFormat format, int *width, int *height)
{
  guint64 w = 0, h = 0;

  switch (format)
    {
    case DC_PICTURE_FORMAT_PNG:
      /* signature, then IHDR first: length, "IHDR", width, height */
      if (len < 24 || memcmp (d + 12, "IHDR", 4) != 0)
        return FALSE;
      w = be32 (d + 16);
      h = be32 (d + 20);
      break;
    case DC_PICTURE_FORMAT_WEBP:
      if (len >= 30 && memcmp (d + 12, "VP8 ", 4) == 0 &&
          d[23] == 0x9d && d[24] == 0x01 && d[25] == 0x2a)
        {
          w = (d[26] | (d[27] << 8)) & 0x3fff;
          h = (d[28] | (d[29] << 8)) & 0x3fff;
        }
      else if (len >= 25 && memcmp (d + 12, "VP8L", 4) == 0 && d[20] == 0x2f)
        {
          guint32 bits = d[21] | (d[22] << 8) | (d[23] << 16) | ((guint32) d[24] << 24);
          w = (bits & 0x3fff) + 1;
          h = ((bits >> 14) & 0x3fff) + 1;
        }
      else if (len >= 30 && memcmp (d + 12, "VP8X", 4) == 0)
        {
          w = (d[24] | (d[25] << 8) | (d[26] << 16)) + 1;
          h = (d[27] | (d[28] << 8) | (d[29] << 16)) + 1;
        }
      else
        return FALSE;
      break;
    case DC_PICTURE_FORMAT_JPEG:
    case DC_PICTURE_FORMAT_UNKNOWN:
    default:
      return FALSE;
    }
  if (w == 0 || h == 0 || w > G_MAXINT || h > G_MAXINT)
    return FALSE;
  *width = (int) w;
  *height = (int) h;
  return TRUE;
}
