/* dc-xls-cfb.c: reads one stream out of an OLE2 compound file (the
 * container of .xls files, [MS-CFB]), from memory.
 *
 * Every sector number and size comes from the file, so every one is
 * checked; chains are cut at the number of sectors the file can hold (a
 * loop in a damaged FAT ends there).  A last sector cut short by a
 * truncated file is read as far as it goes. */
#include "config.h"

#include <string.h>

#include "esheet/dc-xls-biff.h"

#define END_OF_CHAIN 0xFFFFFFFEu
#define MAX_SECTOR   0xFFFFFFFAu

typedef struct
{
  const guint8 *data;
  gsize         len;
  guint         shift;
  guint         mini_shift;
  guint32       mini_cutoff;
  guint32       n_sectors;      /* sectors the file holds, a partial last one included */
  GArray       *fat;            /* guint32 */
  GArray       *minifat;
  GByteArray   *ministream;
  gboolean      v3;
} Cfb;

static inline guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static inline guint16
le16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

/* The bytes of sector @sec (fewer than a sector at a truncated end). */
static const guint8 *
sector (Cfb *cfb, guint32 sec, gsize *avail)
{
  gsize size = (gsize) 1 << cfb->shift;
  guint64 off = ((guint64) sec + 1) << cfb->shift;

  if (sec >= cfb->n_sectors || off >= cfb->len)
    return NULL;
  *avail = MIN (size, cfb->len - off);
  return cfb->data + off;
}

static GByteArray *
read_chain (Cfb *cfb, guint32 start, guint64 limit)
{
  GByteArray *out = g_byte_array_new ();
  guint32 sec = start;

  for (guint32 steps = 0; sec <= MAX_SECTOR && steps <= cfb->n_sectors && out->len < limit; steps++)
    {
      gsize avail = 0;
      const guint8 *p = sector (cfb, sec, &avail);
      if (p == NULL)
        break;
      g_byte_array_append (out, p, (guint) avail);
      if (sec >= cfb->fat->len)
        break;
      sec = g_array_index (cfb->fat, guint32, sec);
    }
  if (out->len > limit)
    g_byte_array_set_size (out, (guint) limit);
  return out;
}

static GByteArray *
read_mini_chain (Cfb *cfb, guint32 start, guint64 limit)
{
  GByteArray *out = g_byte_array_new ();
  gsize size = (gsize) 1 << cfb->mini_shift;
  guint32 sec = start;
  guint32 max_steps = cfb->ministream->len / size + 1;

  for (guint32 steps = 0; sec <= MAX_SECTOR && steps <= max_steps && out->len < limit; steps++)
    {
      guint64 off = (guint64) sec * size;
      if (off >= cfb->ministream->len)
        break;
      g_byte_array_append (out, cfb->ministream->data + off,
                           (guint) MIN (size, cfb->ministream->len - off));
      if (sec >= cfb->minifat->len)
        break;
      sec = g_array_index (cfb->minifat, guint32, sec);
    }
  if (out->len > limit)
    g_byte_array_set_size (out, (guint) limit);
  return out;
}

static void
append_fat_sector (Cfb *cfb, guint32 sec)
{
  gsize avail = 0;
  const guint8 *p = sector (cfb, sec, &avail);
  if (p == NULL)
    return;
  for (gsize i = 0; i + 4 <= avail; i += 4)
    {
      guint32 v = le32 (p + i);
      g_array_append_val (cfb->fat, v);
    }
}

static gboolean
cfb_open (Cfb *cfb, const guint8 *data, gsize len)
{
  guint32 n_fat, difat_sec, n_difat, per_difat;
  guint32 fat_seen = 0;

  memset (cfb, 0, sizeof *cfb);
  if (len < 512 || memcmp (data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) != 0)
    return FALSE;
  cfb->data = data;
  cfb->len = len;
  cfb->shift = le16 (data + 0x1E);
  cfb->mini_shift = le16 (data + 0x20);
  cfb->v3 = le16 (data + 0x1A) == 3;
  if (cfb->shift != 9 && cfb->shift != 12)
    cfb->shift = 9;   /* as LibreOffice: a bad header field, the usual value */
  if (cfb->mini_shift == 0 || cfb->mini_shift >= cfb->shift)
    cfb->mini_shift = 6;
  cfb->mini_cutoff = le32 (data + 0x38);
  if (cfb->mini_cutoff != 4096)
    cfb->mini_cutoff = 4096;
  {
    gsize size = (gsize) 1 << cfb->shift;
    gsize body = len > size ? len - size : 0;
    cfb->n_sectors = (guint32) MIN ((body + size - 1) / size, (gsize) MAX_SECTOR);
  }
  cfb->fat = g_array_new (FALSE, FALSE, sizeof (guint32));
  cfb->minifat = g_array_new (FALSE, FALSE, sizeof (guint32));

  n_fat = le32 (data + 0x2C);
  for (guint i = 0; i < 109 && fat_seen < n_fat; i++)
    {
      guint32 sec = le32 (data + 0x4C + i * 4);
      if (sec > MAX_SECTOR)
        break;
      append_fat_sector (cfb, sec);
      fat_seen++;
    }
  difat_sec = le32 (data + 0x44);
  n_difat = le32 (data + 0x48);
  per_difat = ((guint32) 1 << cfb->shift) / 4 - 1;
  for (guint32 d = 0; d < n_difat && d <= cfb->n_sectors && difat_sec <= MAX_SECTOR && fat_seen < n_fat; d++)
    {
      gsize avail = 0;
      const guint8 *p = sector (cfb, difat_sec, &avail);
      if (p == NULL || avail < (per_difat + 1) * 4)
        break;
      for (guint32 i = 0; i < per_difat && fat_seen < n_fat; i++)
        {
          guint32 sec = le32 (p + i * 4);
          if (sec > MAX_SECTOR)
            continue;
          append_fat_sector (cfb, sec);
          fat_seen++;
        }
      difat_sec = le32 (p + per_difat * 4);
    }
  return cfb->fat->len > 0;
}

static void
cfb_clear (Cfb *cfb)
{
  if (cfb->fat)
    g_array_unref (cfb->fat);
  if (cfb->minifat)
    g_array_unref (cfb->minifat);
  if (cfb->ministream)
    g_byte_array_unref (cfb->ministream);
}

/* The directory entry's name as ASCII (other characters become '?'). */
static void
entry_name (const guint8 *e, char out[33])
{
  guint n = le16 (e + 0x40) / 2;
  guint i;

  if (n > 32)
    n = 32;
  for (i = 0; i < n; i++)
    {
      guint16 c = le16 (e + i * 2);
      if (c == 0)
        break;
      out[i] = c < 128 ? (char) c : '?';
    }
  out[i] = '\0';
}

GBytes *
dc_xls_cfb_read_stream (const guint8 *data, gsize len, const char *name, gboolean *is_cfb)
{
  Cfb cfb;
  g_autoptr(GByteArray) dir = NULL;
  GByteArray *stream = NULL;
  const guint8 *found = NULL;

  *is_cfb = cfb_open (&cfb, data, len);
  if (!*is_cfb)
    {
      cfb_clear (&cfb);
      return NULL;
    }
  dir = read_chain (&cfb, le32 (data + 0x30), G_MAXUINT32);
  for (guint off = 0; off + 128 <= dir->len; off += 128)
    {
      const guint8 *e = dir->data + off;
      char ename[33];

      if (e[0x42] != 2)   /* a stream */
        continue;
      entry_name (e, ename);
      if (g_ascii_strcasecmp (ename, name) == 0)
        {
          found = e;
          break;
        }
    }
  if (found && dir->len >= 128 && dir->data[0x42] == 5)
    {
      const guint8 *root = dir->data;
      guint64 size = le32 (found + 0x78);
      if (!cfb.v3)
        size |= (guint64) le32 (found + 0x7C) << 32;
      if (size < cfb.mini_cutoff)
        {
          g_autoptr(GByteArray) mf = read_chain (&cfb, le32 (data + 0x3C), G_MAXUINT32);
          for (guint i = 0; i + 4 <= mf->len; i += 4)
            {
              guint32 v = le32 (mf->data + i);
              g_array_append_val (cfb.minifat, v);
            }
          cfb.ministream = read_chain (&cfb, le32 (root + 0x74), le32 (root + 0x78));
          stream = read_mini_chain (&cfb, le32 (found + 0x74), size);
        }
      else
        stream = read_chain (&cfb, le32 (found + 0x74), size);
    }
  cfb_clear (&cfb);
  return stream ? g_byte_array_free_to_bytes (stream) : NULL;
}
