/* dc-xls-biff.c: the BIFF5/BIFF8 records of one worksheet ([MS-XLS]).
 *
 * Globals first (BOF ... EOF): FILEPASS, CODEPAGE, DATEMODE, BOUNDSHEET
 * and the shared strings (SST + CONTINUE).  Then the chosen sheet's
 * substream, found at its BOUNDSHEET offset (or by its place when a
 * writer got the offset wrong): NUMBER, RK, MULRK, LABELSST, LABEL,
 * RSTRING, BOOLERR and FORMULA with its cached result (a string result
 * is in the STRING record that follows).  Charts embedded in the sheet
 * are substreams of their own and skipped. */
#include "config.h"

#include <string.h>

#include "esheet/dc-xls-biff.h"

enum
{
  REC_FORMULA    = 0x0006,
  REC_EOF        = 0x000A,
  REC_DATEMODE   = 0x0022,
  REC_FILEPASS   = 0x002F,
  REC_CONTINUE   = 0x003C,
  REC_CODEPAGE   = 0x0042,
  REC_BOUNDSHEET = 0x0085,
  REC_MULRK      = 0x00BD,
  REC_RSTRING    = 0x00D6,
  REC_SST        = 0x00FC,
  REC_LABELSST   = 0x00FD,
  REC_NUMBER     = 0x0203,
  REC_LABEL      = 0x0204,
  REC_BOOLERR    = 0x0205,
  REC_STRING     = 0x0207,
  REC_RK         = 0x027E,
  REC_FORMULA4   = 0x0406,
  REC_BOF2       = 0x0009,
  REC_BOF3       = 0x0209,
  REC_BOF4       = 0x0409,
  REC_BOF        = 0x0809,
};

#define BOF_GLOBALS   0x0005
#define BOF_WORKSHEET 0x0010

typedef struct
{
  guint32 offset;
  guint8  type;           /* 0 worksheet, 1 macro, 2 chart, 6 VB module */
} BoundSheet;

typedef struct
{
  const guint8 *data;
  gsize         len;
  guint         biff;
  guint16       codepage;
  GIConv        iconv;    /* BIFF5 8-bit text; (GIConv) -1 until needed */
  gboolean      iconv_tried;
  GArray       *sst_offsets;   /* guint32 pairs (offset, len) into out->text:
                                * cells point at their shared string, no copy */
  GArray       *bounds;   /* BoundSheet */
  DcXlsSheet   *out;
  guint32       seq;
} Biff;

static inline guint16
le16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

static inline guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static inline double
le_double (const guint8 *p)
{
  guint64 bits = le32 (p) | ((guint64) le32 (p + 4) << 32);
  double d;
  memcpy (&d, &bits, sizeof d);
  return d;
}

/* One record at @pos: FALSE at the end or when it runs past the data. */
static gboolean
record_at (Biff *b, gsize pos, guint16 *type, const guint8 **body, guint16 *len)
{
  if (pos + 4 > b->len)
    return FALSE;
  *type = le16 (b->data + pos);
  *len = le16 (b->data + pos + 2);
  if (pos + 4 + *len > b->len)
    return FALSE;
  *body = b->data + pos + 4;
  return TRUE;
}

/* ---- text --------------------------------------------------------------- */

static void
append_unichar (GString *s, gunichar c)
{
  if (c == 0)
    return;   /* a NUL would cut the text short in C strings */
  if (!g_unichar_validate (c))
    c = 0xFFFD;
  g_string_append_unichar (s, c);
}

/* @n UTF-16LE code units (pairs joined, lone surrogates replaced). */
static void
append_utf16 (GString *s, const guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      gunichar c = le16 (p + 2 * i);
      if (c >= 0xD800 && c < 0xDC00 && i + 1 < n)
        {
          gunichar lo = le16 (p + 2 * i + 2);
          if (lo >= 0xDC00 && lo < 0xE000)
            {
              c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
              i++;
            }
          else
            c = 0xFFFD;
        }
      else if (c >= 0xD800 && c < 0xE000)
        c = 0xFFFD;
      append_unichar (s, c);
    }
}

/* BIFF8 "compressed" characters: the low bytes of UTF-16, i.e. Latin-1. */
static void
append_latin1 (GString *s, const guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    append_unichar (s, p[i]);
}

static const char *
codepage_charset (guint16 cp)
{
  switch (cp)
    {
    case 367:   return "ASCII";
    case 936:   return "GB18030";
    case 950:   return "BIG5";
    case 932:   return "SHIFT_JIS";
    case 949:   return "CP949";
    case 10000: case 32768: return "MACINTOSH";
    case 32769: case 1200: case 0: return "CP1252";
    default:    return NULL;
    }
}

/* BIFF5 text in the workbook's code page (Chinese Excel 95: GBK). */
static void
append_codepage (Biff *b, GString *s, const guint8 *p, gsize n)
{
  gboolean ascii = TRUE;
  g_autofree char *utf8 = NULL;
  gsize written = 0;

  for (gsize i = 0; i < n; i++)
    if (p[i] >= 0x80 || p[i] == 0)
      ascii = FALSE;
  if (ascii)
    {
      g_string_append_len (s, (const char *) p, n);
      return;
    }
  if (!b->iconv_tried)
    {
      const char *cs = codepage_charset (b->codepage);
      g_autofree char *name = cs ? g_strdup (cs) : g_strdup_printf ("CP%u", b->codepage);
      b->iconv_tried = TRUE;
      b->iconv = g_iconv_open ("UTF-8", name);
      if (b->iconv == (GIConv) -1)
        b->iconv = g_iconv_open ("UTF-8", "CP1252");
    }
  if (b->iconv != (GIConv) -1)
    {
      g_iconv (b->iconv, NULL, NULL, NULL, NULL);
      utf8 = g_convert_with_iconv ((const char *) p, n, b->iconv, NULL, &written, NULL);
    }
  if (utf8 && g_utf8_validate (utf8, written, NULL) && memchr (utf8, 0, written) == NULL)
    g_string_append_len (s, utf8, written);
  else
    append_latin1 (s, p, n);
}

/* A string split over a record and its CONTINUE records: in BIFF8 each
 * CONTINUE that cuts the characters starts with a new flags byte. */
typedef struct
{
  const guint8 **seg;     /* segment bodies */
  guint16       *seg_len;
  guint          n_seg;
  guint          i;       /* current segment */
  gsize          pos;     /* in it */
} Segs;

static gsize
segs_avail (Segs *s)
{
  return s->i < s->n_seg ? s->seg_len[s->i] - s->pos : 0;
}

/* Copies @n bytes across segment ends; FALSE when the data ends. */
static gboolean
segs_read (Segs *s, guint8 *out, gsize n)
{
  while (n > 0)
    {
      gsize a;
      while (s->i < s->n_seg && segs_avail (s) == 0)
        {
          s->i++;
          s->pos = 0;
        }
      if (s->i >= s->n_seg)
        return FALSE;
      a = MIN (n, segs_avail (s));
      if (out)
        {
          memcpy (out, s->seg[s->i] + s->pos, a);
          out += a;
        }
      s->pos += a;
      n -= a;
    }
  return TRUE;
}

static gboolean
segs_skip (Segs *s, gsize n)
{
  return segs_read (s, NULL, n);
}

/* The characters of a BIFF8 string: @cch characters, 1 or 2 bytes each
 * as @high says, the width may change at each segment end. */
static gboolean
segs_chars (Segs *s, guint cch, gboolean high, GString *out)
{
  guint8 buf[512];

  while (cch > 0)
    {
      gsize width = high ? 2 : 1;
      gsize can = segs_avail (s) / width;
      gsize n;

      if (can == 0)
        {
          guint8 flags;
          /* the characters go on in the next CONTINUE, with a flags byte */
          if (s->i + 1 >= s->n_seg)
            return FALSE;
          s->i++;
          s->pos = 0;
          if (!segs_read (s, &flags, 1))
            return FALSE;
          high = flags & 1;
          continue;
        }
      n = MIN (MIN (can, (gsize) cch), sizeof buf / width);
      segs_read (s, buf, n * width);
      if (high)
        append_utf16 (out, buf, n);
      else
        append_latin1 (out, buf, n);
      cch -= n;
    }
  return TRUE;
}

/* XLUnicodeRichExtendedString (SST) or XLUnicodeString (LABEL, STRING:
 * @cch_bytes 2, no rich/ext flags honoured beyond skipping them). */
static gboolean
segs_unicode_string (Segs *s, GString *out)
{
  guint8 hdr[3], flags;
  guint cch;
  guint16 runs = 0;
  guint32 ext = 0;

  if (!segs_read (s, hdr, 3))
    return FALSE;
  cch = le16 (hdr);
  flags = hdr[2];
  if (flags & 0x08)
    {
      guint8 r[2];
      if (!segs_read (s, r, 2))
        return FALSE;
      runs = le16 (r);
    }
  if (flags & 0x04)
    {
      guint8 e[4];
      if (!segs_read (s, e, 4))
        return FALSE;
      ext = le32 (e);
    }
  if (!segs_chars (s, cch, flags & 1, out))
    return FALSE;
  return segs_skip (s, (gsize) runs * 4) && segs_skip (s, ext);
}

/* The record at @pos and its CONTINUE records as segments; returns the
 * position after the last one. */
static gsize
collect_segments (Biff *b, gsize pos, GPtrArray *seg, GArray *lens)
{
  guint16 type, len;
  const guint8 *body;

  if (!record_at (b, pos, &type, &body, &len))
    return b->len;
  g_ptr_array_add (seg, (gpointer) body);
  g_array_append_val (lens, len);
  pos += 4 + len;
  while (record_at (b, pos, &type, &body, &len) && type == REC_CONTINUE)
    {
      g_ptr_array_add (seg, (gpointer) body);
      g_array_append_val (lens, len);
      pos += 4 + len;
    }
  return pos;
}

static gsize
read_sst (Biff *b, gsize pos)
{
  g_autoptr(GPtrArray) seg = g_ptr_array_new ();
  g_autoptr(GArray) lens = g_array_new (FALSE, FALSE, sizeof (guint16));
  Segs s;
  gsize next = collect_segments (b, pos, seg, lens);

  s.seg = (const guint8 **) seg->pdata;
  s.seg_len = (guint16 *) (void *) lens->data;
  s.n_seg = seg->len;
  s.i = 0;
  s.pos = 0;
  if (!segs_skip (&s, 8))   /* total and unique counts: not trusted */
    return next;
  for (;;)
    {
      guint32 entry[2];
      entry[0] = b->out->text->len;
      if (!segs_unicode_string (&s, b->out->text))
        {
          g_string_truncate (b->out->text, entry[0]);
          break;
        }
      entry[1] = b->out->text->len - entry[0];
      g_array_append_vals (b->sst_offsets, entry, 2);
    }
  return next;
}

/* A string of a LABEL or STRING record (and its CONTINUE records). */
static void
read_record_string (Biff *b, gsize pos, gsize skip, GString *out)
{
  g_autoptr(GPtrArray) seg = g_ptr_array_new ();
  g_autoptr(GArray) lens = g_array_new (FALSE, FALSE, sizeof (guint16));
  Segs s;

  collect_segments (b, pos, seg, lens);
  s.seg = (const guint8 **) seg->pdata;
  s.seg_len = (guint16 *) (void *) lens->data;
  s.n_seg = seg->len;
  s.i = 0;
  s.pos = 0;
  if (!segs_skip (&s, skip))
    return;
  if (b->biff >= 8)
    segs_unicode_string (&s, out);
  else
    {
      guint8 l[2];
      gsize n;
      if (!segs_read (&s, l, 2) || s.i >= s.n_seg)
        return;
      n = MIN ((gsize) le16 (l), segs_avail (&s));
      append_codepage (b, out, s.seg[s.i] + s.pos, n);
    }
}

/* ---- cells -------------------------------------------------------------- */

static void
add_text_cell (Biff *b, guint row, guint col, gsize offset, gsize len)
{
  DcXlsCell c;

  if (col >= DC_XLS_MAX_COLUMNS || len == 0)
    return;   /* an empty string is an empty cell */
  c.row = row;
  c.col = col;
  c.seq = b->seq++;
  c.kind = DC_XLS_CELL_TEXT;
  c.number = 0;
  c.text_offset = (guint32) offset;
  c.text_len = (guint32) len;
  g_array_append_val (b->out->cells, c);
}

static void
add_cell (Biff *b, guint row, guint col, guint8 kind, double number, gsize text_offset)
{
  DcXlsCell c;

  if (col >= DC_XLS_MAX_COLUMNS)
    return;
  c.row = row;
  c.col = col;
  c.seq = b->seq++;
  c.kind = kind;
  c.number = number;
  c.text_offset = (guint32) text_offset;
  c.text_len = kind == DC_XLS_CELL_TEXT ? (guint32) (b->out->text->len - text_offset) : 0;
  if (kind == DC_XLS_CELL_TEXT && c.text_len == 0)
    return;   /* an empty string is an empty cell */
  g_array_append_val (b->out->cells, c);
}

static double
rk_value (guint32 rk)
{
  double v;

  if (rk & 2)
    v = (double) ((gint32) rk >> 2);
  else
    {
      guint64 bits = (guint64) (rk & 0xFFFFFFFCu) << 32;
      memcpy (&v, &bits, sizeof v);
    }
  return (rk & 1) ? v / 100 : v;
}

static void
add_sst_cell (Biff *b, guint row, guint col, guint32 index)
{
  if ((gsize) index * 2 + 1 >= b->sst_offsets->len)
    return;
  add_text_cell (b, row, col, g_array_index (b->sst_offsets, guint32, index * 2),
                 g_array_index (b->sst_offsets, guint32, index * 2 + 1));
}

/* The STRING record holding a string formula's result: the next record,
 * after any SHRFMLA/ARRAY/TABLE that belongs to the formula. */
static void
add_formula_string (Biff *b, gsize pos, guint row, guint col)
{
  guint16 type, len;
  const guint8 *body;
  gsize start = b->out->text->len;

  for (guint i = 0; i < 4 && record_at (b, pos, &type, &body, &len); i++)
    {
      if (type == REC_STRING)
        {
          read_record_string (b, pos, 0, b->out->text);
          add_cell (b, row, col, DC_XLS_CELL_TEXT, 0, start);
          return;
        }
      if (type != 0x04BC && type != 0x0221 && type != 0x0236)   /* SHRFMLA, ARRAY, TABLE */
        return;
      pos += 4 + len;
    }
}

/* Reads the cells of the substream whose BOF is at @pos; FALSE when it
 * ends without its EOF (a damaged or cut file). */
static gboolean
read_sheet_records (Biff *b, gsize pos)
{
  guint depth = 0;
  guint16 type, len;
  const guint8 *p;

  while (record_at (b, pos, &type, &p, &len))
    {
      gsize here = pos;
      pos += 4 + len;
      if (type == REC_BOF || type == REC_BOF4 || type == REC_BOF3 || type == REC_BOF2)
        {
          depth++;
          continue;
        }
      if (type == REC_EOF)
        {
          if (depth <= 1)
            return TRUE;
          depth--;
          continue;
        }
      if (depth != 1)
        continue;   /* an embedded chart */
      switch (type)
        {
        case REC_NUMBER:
          if (len >= 14)
            add_cell (b, le16 (p), le16 (p + 2), DC_XLS_CELL_NUMBER, le_double (p + 6), 0);
          break;
        case REC_RK:
          if (len >= 10)
            add_cell (b, le16 (p), le16 (p + 2), DC_XLS_CELL_NUMBER, rk_value (le32 (p + 6)), 0);
          break;
        case REC_MULRK:
          if (len >= 6)
            {
              guint row = le16 (p), col = le16 (p + 2);
              for (guint i = 0; 4 + (i + 1) * 6 <= (guint) len - 2; i++)
                add_cell (b, row, col + i, DC_XLS_CELL_NUMBER, rk_value (le32 (p + 4 + i * 6 + 2)), 0);
            }
          break;
        case REC_LABELSST:
          if (len >= 10)
            add_sst_cell (b, le16 (p), le16 (p + 2), le32 (p + 6));
          break;
        case REC_LABEL:
        case REC_RSTRING:
          if (len >= 8)
            {
              gsize start = b->out->text->len;
              read_record_string (b, here, 6, b->out->text);
              add_cell (b, le16 (p), le16 (p + 2), DC_XLS_CELL_TEXT, 0, start);
            }
          break;
        case REC_BOOLERR:
          if (len >= 8 && p[7] == 0)
            add_cell (b, le16 (p), le16 (p + 2), DC_XLS_CELL_BOOL, p[6] != 0, 0);
          break;
        case REC_FORMULA:
        case REC_FORMULA4:
          if (len >= 14)
            {
              guint row = le16 (p), col = le16 (p + 2);
              const guint8 *r = p + 6;
              if (le16 (r + 6) != 0xFFFF)
                add_cell (b, row, col, DC_XLS_CELL_NUMBER, le_double (r), 0);
              else if (r[0] == 0)
                add_formula_string (b, pos, row, col);
              else if (r[0] == 1)
                add_cell (b, row, col, DC_XLS_CELL_BOOL, r[2] != 0, 0);
              /* 2: an error (#N/A...), 3: an empty string: no value */
            }
          break;
        default:
          break;
        }
    }
  return FALSE;
}

static gint
compare_cells (gconstpointer a, gconstpointer b)
{
  const DcXlsCell *x = a, *y = b;
  if (x->row != y->row)
    return x->row < y->row ? -1 : 1;
  if (x->col != y->col)
    return x->col < y->col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted, and of two cells at one place the later record kept. */
static void
sort_cells (GArray *cells)
{
  guint w = 0;

  g_array_sort (cells, compare_cells);
  for (guint i = 0; i < cells->len; i++)
    {
      DcXlsCell *c = &g_array_index (cells, DcXlsCell, i);
      if (w > 0)
        {
          DcXlsCell *prev = &g_array_index (cells, DcXlsCell, w - 1);
          if (prev->row == c->row && prev->col == c->col)
            {
              *prev = *c;
              continue;
            }
        }
      g_array_index (cells, DcXlsCell, w++) = *c;
    }
  g_array_set_size (cells, w);
}

/* ---- globals ------------------------------------------------------------ */

/* Reads the globals substream; returns where it ends or 0 on a status. */
static gsize
read_globals (Biff *b)
{
  guint16 type, len;
  const guint8 *p;
  gsize pos = 0;

  if (!record_at (b, 0, &type, &p, &len))
    {
      b->out->status = DC_XLS_DAMAGED;
      return 0;
    }
  if (type == REC_BOF2 || type == REC_BOF3 || type == REC_BOF4)
    {
      b->out->status = DC_XLS_OLD_BIFF;
      return 0;
    }
  if (type != REC_BOF || len < 4)
    {
      b->out->status = DC_XLS_DAMAGED;
      return 0;
    }
  b->biff = le16 (p) >= 0x0600 ? 8 : 5;
  if (le16 (p) < 0x0500 && le16 (p) != 0)
    b->biff = 5;
  if (le16 (p + 2) != BOF_GLOBALS)
    {
      /* A lone worksheet (BIFF5 "W" file without a globals part). */
      BoundSheet bs = { 0, 0 };
      g_array_append_val (b->bounds, bs);
      return 0;
    }
  pos = 4 + len;
  while (record_at (b, pos, &type, &p, &len))
    {
      gsize here = pos;
      pos += 4 + len;
      switch (type)
        {
        case REC_EOF:
          return pos;
        case REC_FILEPASS:
          b->out->status = DC_XLS_ENCRYPTED;
          return 0;
        case REC_CODEPAGE:
          if (len >= 2)
            b->codepage = le16 (p);
          break;
        case REC_DATEMODE:
          if (len >= 2)
            b->out->date1904 = le16 (p) == 1;
          break;
        case REC_BOUNDSHEET:
          if (len >= 6)
            {
              BoundSheet bs = { le32 (p), p[5] };
              g_array_append_val (b->bounds, bs);
            }
          break;
        case REC_SST:
          if (b->biff >= 8)
            pos = read_sst (b, here);
          break;
        default:
          break;
        }
    }
  b->out->status = DC_XLS_DAMAGED;
  return 0;
}

/* Where the substream of sheet @index starts: its BOUNDSHEET offset when
 * a BOF is there, else the index-th substream after the globals. */
static gsize
sheet_start (Biff *b, guint index, gsize globals_end)
{
  guint16 type, len;
  const guint8 *p;
  gsize pos = g_array_index (b->bounds, BoundSheet, index).offset;
  guint n = 0, depth = 0;

  if (record_at (b, pos, &type, &p, &len) && type == REC_BOF)
    return pos;
  for (pos = globals_end; record_at (b, pos, &type, &p, &len); pos += 4 + len)
    {
      if (type == REC_BOF)
        {
          if (depth == 0 && n++ == index)
            return pos;
          depth++;
        }
      else if (type == REC_EOF && depth > 0)
        depth--;
    }
  return G_MAXSIZE;
}

gboolean
dc_xls_is_bare_biff (const guint8 *data, gsize len)
{
  guint16 type, size;

  if (len < 8)
    return FALSE;
  type = le16 (data);
  size = le16 (data + 2);
  return (type == REC_BOF2 || type == REC_BOF3 || type == REC_BOF4 || type == REC_BOF) &&
         size >= 4 && size <= 20;
}

DcXlsSheet *
dc_xls_read_sheet (const guint8 *data, gsize len, int sheet)
{
  DcXlsSheet *out = g_new0 (DcXlsSheet, 1);
  g_autoptr(GBytes) stream = NULL;
  gboolean is_cfb = FALSE;
  Biff b = { 0 };
  gsize globals_end, start;

  out->cells = g_array_new (FALSE, FALSE, sizeof (DcXlsCell));
  out->text = g_string_new (NULL);
  out->sheet = sheet;
  stream = dc_xls_cfb_read_stream (data, len, "Workbook", &is_cfb);
  if (stream == NULL && is_cfb)
    stream = dc_xls_cfb_read_stream (data, len, "Book", &is_cfb);
  if (stream == NULL && !is_cfb && dc_xls_is_bare_biff (data, len))
    stream = g_bytes_new_static (data, len);   /* Excel 2.x-4.0 saved no container */
  if (stream == NULL)
    {
      gboolean dummy;
      g_autoptr(GBytes) enc = is_cfb ? dc_xls_cfb_read_stream (data, len, "EncryptedPackage", &dummy)
                                     : NULL;
      out->status = !is_cfb ? DC_XLS_NOT_OLE2 : enc ? DC_XLS_ENCRYPTED_OOXML : DC_XLS_NO_WORKBOOK;
      return out;
    }

  b.data = g_bytes_get_data (stream, &b.len);
  b.out = out;
  b.codepage = 1252;
  b.iconv = (GIConv) -1;
  b.sst_offsets = g_array_new (FALSE, FALSE, sizeof (guint32));
  b.bounds = g_array_new (FALSE, FALSE, sizeof (BoundSheet));

  globals_end = read_globals (&b);
  out->biff = b.biff;
  out->n_sheets = b.bounds->len;
  if (out->status != DC_XLS_OK)
    goto done;
  if (sheet < 0)
    {
      sheet = 0;
      for (guint i = 0; i < b.bounds->len; i++)
        if (g_array_index (b.bounds, BoundSheet, i).type == 0)
          {
            sheet = i;
            break;
          }
    }
  out->sheet = sheet;
  if ((guint) sheet >= b.bounds->len)
    {
      out->status = DC_XLS_NO_SHEET;
      goto done;
    }
  if (g_array_index (b.bounds, BoundSheet, sheet).type != 0)
    {
      out->status = DC_XLS_NOT_WORKSHEET;
      goto done;
    }
  start = sheet_start (&b, sheet, globals_end);
  if (start == G_MAXSIZE || !read_sheet_records (&b, start))
    {
      out->status = DC_XLS_DAMAGED;
      g_array_set_size (out->cells, 0);
      goto done;
    }
  sort_cells (out->cells);

done:
  if (b.iconv != (GIConv) -1)
    g_iconv_close (b.iconv);
  g_array_unref (b.sst_offsets);
  g_array_unref (b.bounds);
  return out;
}

void
dc_xls_sheet_free (DcXlsSheet *sheet)
{
  if (sheet == NULL)
    return;
  g_array_unref (sheet->cells);
  g_string_free (sheet->text, TRUE);
  g_free (sheet);
}
