/* dc-esheet-time.c: scan times in the forms people actually have.
 *
 * Wall-clock times without a zone are this PC's local time (the recorders
 * and the warehouse share it).  ISO 8601 with "Z" or an offset, and epoch
 * seconds/milliseconds, are instants and converted as such.  A
 * million rows cannot afford a GDateTime each: the local conversion is
 * cached per hour (zone changes fall on whole hours). */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <math.h>
#include <string.h>

#include "esheet/dc-esheet-private.h"

#define CACHE_SIZE 1024

struct _DcTimeCache
{
  gint64 keys[CACHE_SIZE];     /* hours since 1970-01-01 (civil), +1; 0 = empty */
  gint64 values[CACHE_SIZE];   /* unix seconds of that local hour */
  /* dc_time_parse_local_fast(): "YYYY-MM-DD HH" of the last row and the
   * unix seconds of that local hour (from the cache above, so a zone
   * change inside a day is seen as soon as the hour changes). */
  guint64 last_prefix[2];      /* bytes 0..7 and 5..12 of the text */
  gboolean have_last;
  gint64 last_base;
};

DcTimeCache *
dc_time_cache_new (void)
{
  return g_new0 (DcTimeCache, 1);
}

void
dc_time_cache_free (DcTimeCache *cache)
{
  g_free (cache);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static gint64
days_from_civil (gint64 y, int m, int d)
{
  gint64 era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void
civil_from_days (gint64 z, int *y, int *m, int *d)
{
  gint64 era, doe, yoe, doy, mp;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (int) (doy - (153 * mp + 2) / 5 + 1);
  *m = (int) (mp < 10 ? mp + 3 : mp - 9);
  *y = (int) (yoe + era * 400 + (*m <= 2));
}

static gboolean
valid_date (int y, int m, int d)
{
  static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
    return FALSE;
  if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return FALSE;
  return TRUE;
}

static gboolean
valid_time (int h, int mi, int s)
{
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

gboolean
dc_time_local_to_us (DcTimeCache *cache, int y, int mo, int d, int h, int mi, int s,
                     int usec, gint64 *out_us)
{
  gint64 key, base;
  guint slot;

  if (!valid_date (y, mo, d) || !valid_time (h, mi, s))
    return FALSE;
  key = (((gint64) y * 16 + mo) * 32 + d) * 24 + h + 1;   /* unique per local hour, > 0 */
  slot = (guint) (key % CACHE_SIZE);
  if (cache->keys[slot] == key)
    base = cache->values[slot];
  else
    {
      g_autoptr(GDateTime) dt = g_date_time_new_local (y, mo, d, h, 0, 0);
      if (dt == NULL)
        return FALSE;
      base = g_date_time_to_unix (dt);
      cache->keys[slot] = key;
      cache->values[slot] = base;
    }
  *out_us = (base + mi * 60 + s) * G_USEC_PER_SEC + usec;
  return TRUE;
}

static inline gboolean
two_digits (const char *t, int *out)
{
  guint a = (guchar) t[0] - '0', b = (guchar) t[1] - '0';
  *out = (int) (a * 10 + b);
  return a <= 9 && b <= 9;
}

gboolean
dc_time_parse_local_fast (DcTimeCache *cache, const char *text, gsize len, gint64 *out_us)
{
  int y_hi, y_lo, mo, d, h, mi, s;
  guint64 w0, w1;
  gint64 us;

  if (len != 19 || text[13] != ':' || text[16] != ':' ||
      !two_digits (text + 14, &mi) || !two_digits (text + 17, &s) || mi > 59 || s > 60)
    return FALSE;
  memcpy (&w0, text, 8);
  memcpy (&w1, text + 5, 8);
  if (cache->have_last && w0 == cache->last_prefix[0] && w1 == cache->last_prefix[1])
    {
      *out_us = (cache->last_base + mi * 60 + s) * G_USEC_PER_SEC;
      return TRUE;
    }
  if (text[4] != '-' || text[7] != '-' || (text[10] != ' ' && text[10] != 'T') ||
      !two_digits (text, &y_hi) || !two_digits (text + 2, &y_lo) || !two_digits (text + 5, &mo) ||
      !two_digits (text + 8, &d) || !two_digits (text + 11, &h))
    return FALSE;
  if (!dc_time_local_to_us (cache, y_hi * 100 + y_lo, mo, d, h, 0, 0, 0, &us))
    return FALSE;   /* invalid: the general parser words the reason */
  cache->last_prefix[0] = w0;
  cache->last_prefix[1] = w1;
  cache->have_last = TRUE;
  cache->last_base = us / G_USEC_PER_SEC;
  *out_us = us + (gint64) (mi * 60 + s) * G_USEC_PER_SEC;
  return TRUE;
}

gboolean
dc_time_parts_to_us (DcTimeCache *cache, DcTimeParsed what, const DcTimeParts *parts,
                     gint64 *out_us)
{
  if (what & DC_TIME_PARSED_INSTANT)
    {
      *out_us = parts->us;
      return TRUE;
    }
  if ((what & (DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME)) != (DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME))
    return FALSE;
  return dc_time_local_to_us (cache, parts->y, parts->mo, parts->d, parts->h, parts->mi,
                              parts->s, parts->usec, out_us);
}

DcTimeParsed
dc_time_parse_number (double value, gboolean date1904, DcTimeParts *out)
{
  DcTimeParsed what = DC_TIME_PARSED_NONE;
  gint64 days, ms;

  if (!isfinite (value) || value < 0)
    return DC_TIME_PARSED_NONE;
  /* A whole number of 14 or 8 digits means what its digits say, as the
   * same text does in a CSV: a system that writes the scan time as the
   * number 20251103140509 means 2025-11-03 14:05:09 (read as epoch
   * milliseconds it was a day in the year 2611), and 20251103 a date.
   * Excel shows such a cell as those digits whatever its format: a date
   * format cannot show a serial that large. */
  if (value == floor (value) && ((value >= 1e13 && value < 1e14) || (value >= 1e7 && value < 1e8)))
    {
      gint64 v = (gint64) value;
      gboolean with_time = value >= 1e13;

      if (with_time)
        {
          out->s = (int) (v % 100);
          out->mi = (int) (v / 100 % 100);
          out->h = (int) (v / 10000 % 100);
          v /= 1000000;
        }
      out->d = (int) (v % 100);
      out->mo = (int) (v / 100 % 100);
      out->y = (int) (v / 10000);
      if (!valid_date (out->y, out->mo, out->d) ||
          (with_time && !valid_time (out->h, out->mi, out->s)))
        return DC_TIME_PARSED_NONE;
      return with_time ? DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME : DC_TIME_PARSED_DATE;
    }
  if (value >= 1e11 && value < 1e14)
    {
      /* Epoch milliseconds (1973..5138). */
      out->us = (gint64) llround (value) * 1000;
      return DC_TIME_PARSED_INSTANT | DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME;
    }
  if (value >= 1e9 && value < 1e11)
    {
      out->us = (gint64) llround (value * 1000) * 1000;
      return DC_TIME_PARSED_INSTANT | DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME;
    }
  if (value >= 2958466)   /* after 9999-12-31 */
    return DC_TIME_PARSED_NONE;

  /* Excel serial: days since 1899-12-30 (1900 system, whose fake
   * 1900-02-29 makes serials below 61 one day off) or 1904-01-01.
   * Times are rounded to the millisecond: 14:05:09 is not exact in
   * binary. */
  ms = llround (value * 86400000.0);
  days = ms / 86400000;
  ms %= 86400000;
  if (days > 0)
    {
      gint64 epoch = date1904 ? days_from_civil (1904, 1, 1)
                              : days_from_civil (1899, 12, days < 61 ? 31 : 30);
      civil_from_days (epoch + days, &out->y, &out->mo, &out->d);
      what |= DC_TIME_PARSED_DATE;
    }
  out->h = (int) (ms / 3600000);
  out->mi = (int) (ms / 60000 % 60);
  out->s = (int) (ms / 1000 % 60);
  out->usec = (int) (ms % 1000) * 1000;
  if (ms > 0 || days == 0 || value != floor (value))
    what |= DC_TIME_PARSED_TIME;
  else
    what |= DC_TIME_PARSED_TIME;   /* midnight exactly is a time too */
  return what;
}

/* ---- text ----------------------------------------------------------------- */

typedef struct
{
  const char *p;
  const char *end;
} Scan;

static gboolean
eat (Scan *s, const char *lit)
{
  gsize n = strlen (lit);
  if ((gsize) (s->end - s->p) >= n && memcmp (s->p, lit, n) == 0)
    {
      s->p += n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
eat_ci (Scan *s, const char *lit)
{
  gsize n = strlen (lit);
  if ((gsize) (s->end - s->p) >= n && g_ascii_strncasecmp (s->p, lit, n) == 0)
    {
      s->p += n;
      return TRUE;
    }
  return FALSE;
}

static void
skip_space (Scan *s)
{
  for (;;)
    {
      if (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
        s->p++;
      else if (!eat (s, "\xE3\x80\x80"))   /* ideographic space */
        break;
    }
}

static int
digits (Scan *s, int min, int max, int *out)
{
  int n = 0, v = 0;
  while (s->p < s->end && n < max && g_ascii_isdigit (*s->p))
    {
      v = v * 10 + (*s->p - '0');
      s->p++;
      n++;
    }
  if (n < min)
    return 0;
  *out = v;
  return n;
}

static gboolean
date_sep (Scan *s)
{
  return eat (s, "-") || eat (s, "/") || eat (s, ".");
}

/* [上午|下午] H:M[:S[.f]] [AM|PM] with : or 时/点 分 秒. */
static gboolean
parse_clock (Scan *s, DcTimeParts *out)
{
  Scan save = *s;
  int pm = -1, h, mi, sec = 0, frac = 0, nfrac;

  if (eat (s, "\xE4\xB8\x8A\xE5\x8D\x88"))        /* 上午 */
    pm = 0;
  else if (eat (s, "\xE4\xB8\x8B\xE5\x8D\x88"))   /* 下午 */
    pm = 1;
  skip_space (s);
  if (!digits (s, 1, 2, &h))
    goto fail;
  if (!(eat (s, ":") || eat (s, "\xE6\x97\xB6") || eat (s, "\xE7\x82\xB9")))   /* 时 点 */
    goto fail;
  if (!digits (s, 1, 2, &mi))
    goto fail;
  if (eat (s, ":") || eat (s, "\xE5\x88\x86"))   /* 分 */
    {
      if (digits (s, 1, 2, &sec))
        {
          eat (s, "\xE7\xA7\x92");   /* 秒 */
          if (eat (s, ".") || eat (s, ","))
            {
              const char *start = s->p;
              nfrac = digits (s, 1, 6, &frac);
              if (nfrac == 0)
                goto fail;
              for (int i = nfrac; i < 6; i++)
                frac *= 10;
              while (s->p < s->end && g_ascii_isdigit (*s->p))
                s->p++;
              (void) start;
            }
        }
    }
  skip_space (s);
  if (eat_ci (s, "AM"))
    pm = 0;
  else if (eat_ci (s, "PM"))
    pm = 1;
  if (pm >= 0)
    {
      if (h < 1 || h > 12)
        goto fail;
      h = (h % 12) + (pm ? 12 : 0);
    }
  if (!valid_time (h, mi, sec))
    goto fail;
  out->h = h;
  out->mi = mi;
  out->s = sec;
  out->usec = frac;
  return TRUE;
fail:
  *s = save;
  return FALSE;
}

static gboolean
parse_date (Scan *s, DcTimeParts *out)
{
  Scan save = *s;
  int a, b, c, na, nc;

  na = digits (s, 1, 4, &a);
  if (na == 4)
    {
      gboolean cjk = eat (s, "\xE5\xB9\xB4");   /* 年 */
      if (!cjk && !date_sep (s))
        goto fail;
      if (!digits (s, 1, 2, &b))
        goto fail;
      if (!(cjk ? eat (s, "\xE6\x9C\x88") : date_sep (s)))   /* 月 */
        goto fail;
      if (!digits (s, 1, 2, &c))
        goto fail;
      if (cjk)
        {
          if (!eat (s, "\xE6\x97\xA5"))   /* 日 */
            eat (s, "\xE5\x8F\xB7");   /* 号 */
        }
      out->y = a;
      out->mo = b;
      out->d = c;
    }
  else if (na >= 1 && na <= 2)
    {
      /* 11/3/2025 (US Excel) or 13/11/2025 (day first when it cannot be a month). */
      if (!date_sep (s) || !digits (s, 1, 2, &b) || !date_sep (s))
        goto fail;
      nc = digits (s, 4, 4, &c);
      if (nc != 4)
        goto fail;
      out->y = c;
      if (a <= 12)
        {
          out->mo = a;
          out->d = b;
        }
      else
        {
          out->mo = b;
          out->d = a;
        }
    }
  else
    goto fail;
  if (!valid_date (out->y, out->mo, out->d))
    goto fail;
  return TRUE;
fail:
  *s = save;
  return FALSE;
}

/* Z, +08:00, +0800, +08 after a time: makes it an instant. */
static gboolean
parse_zone (Scan *s, int *offset_s)
{
  Scan save = *s;
  int sign, hh, mm = 0;

  skip_space (s);
  if (!eat_ci (s, "UTC"))
    eat_ci (s, "GMT");
  if (eat (s, "Z") || eat (s, "z"))
    {
      *offset_s = 0;
      return TRUE;
    }
  if (eat (s, "+"))
    sign = 1;
  else if (eat (s, "-"))
    sign = -1;
  else
    {
      *s = save;
      return FALSE;
    }
  if (digits (s, 2, 2, &hh) != 2)
    goto fail;
  eat (s, ":");
  if (s->p < s->end && g_ascii_isdigit (*s->p) && digits (s, 2, 2, &mm) != 2)
    goto fail;
  if (hh > 14 || mm > 59)
    goto fail;
  *offset_s = sign * (hh * 3600 + mm * 60);
  return TRUE;
fail:
  *s = save;
  return FALSE;
}

static DcTimeParsed
finish_instant (DcTimeParts *out, int offset_s)
{
  out->us = ((days_from_civil (out->y, out->mo, out->d) * 86400 + out->h * 3600 + out->mi * 60
              + out->s - offset_s) * G_USEC_PER_SEC) + out->usec;
  return DC_TIME_PARSED_INSTANT | DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME;
}

static DcTimeParsed
parse_with_format (const char *text, gsize len, const char *format, DcTimeParts *out)
{
  Scan s = { text, text + len };
  DcTimeParsed what = DC_TIME_PARSED_NONE;
  const char *f;

  memset (out, 0, sizeof *out);
  for (f = format; *f; f++)
    {
      if (*f == '%' && f[1])
        {
          int v, *dst;
          int max = 2;
          f++;
          switch (*f)
            {
            case 'Y': dst = &out->y; max = 4; what |= DC_TIME_PARSED_DATE; break;
            case 'm': dst = &out->mo; what |= DC_TIME_PARSED_DATE; break;
            case 'd': dst = &out->d; what |= DC_TIME_PARSED_DATE; break;
            case 'H': dst = &out->h; what |= DC_TIME_PARSED_TIME; break;
            case 'M': dst = &out->mi; what |= DC_TIME_PARSED_TIME; break;
            case 'S': dst = &out->s; what |= DC_TIME_PARSED_TIME; break;
            case '%':
              if (!eat (&s, "%"))
                return DC_TIME_PARSED_NONE;
              continue;
            default:
              return DC_TIME_PARSED_NONE;
            }
          if (!digits (&s, 1, max, &v))
            return DC_TIME_PARSED_NONE;
          *dst = v;
        }
      else if (*f == ' ')
        skip_space (&s);
      else
        {
          if (s.p >= s.end || *s.p != *f)
            return DC_TIME_PARSED_NONE;
          s.p++;
        }
    }
  skip_space (&s);
  if (s.p != s.end)
    return DC_TIME_PARSED_NONE;
  if ((what & DC_TIME_PARSED_DATE) && !valid_date (out->y, out->mo, out->d))
    return DC_TIME_PARSED_NONE;
  if ((what & DC_TIME_PARSED_TIME) && !valid_time (out->h, out->mi, out->s))
    return DC_TIME_PARSED_NONE;
  return what;
}

static double
number_of (const char *text, gsize len)
{
  char buf[40];
  len = MIN (len, sizeof buf - 1);
  memcpy (buf, text, len);
  buf[len] = '\0';
  return g_ascii_strtod (buf, NULL);
}

DcTimeParsed
dc_time_parse_text (const char *text, gsize len, const char *format,
                    gboolean date1904, DcTimeParts *out)
{
  Scan s = { text, text + len };
  DcTimeParsed what = DC_TIME_PARSED_NONE;
  gsize n_digits = 0, n_dots = 0;
  int offset_s;

  /* The common case, "2025-11-03 14:05:09", without the general scanner. */
  if (len == 19 && text[4] == '-' && text[7] == '-' && (text[10] == ' ' || text[10] == 'T') &&
      text[13] == ':' && text[16] == ':' && (format == NULL || *format == '\0'))
    {
      static const guint8 pos[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 };
      int v[14];
      gboolean digits_ok = TRUE;
      for (guint i = 0; i < G_N_ELEMENTS (pos); i++)
        {
          v[i] = text[pos[i]] - '0';
          digits_ok &= v[i] >= 0 && v[i] <= 9;
        }
      if (digits_ok)
        {
          memset (out, 0, sizeof *out);
          out->y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
          out->mo = v[4] * 10 + v[5];
          out->d = v[6] * 10 + v[7];
          out->h = v[8] * 10 + v[9];
          out->mi = v[10] * 10 + v[11];
          out->s = v[12] * 10 + v[13];
          if (valid_date (out->y, out->mo, out->d) && valid_time (out->h, out->mi, out->s))
            return DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME;
          return DC_TIME_PARSED_NONE;
        }
    }

  skip_space (&s);
  while (s.end > s.p && (s.end[-1] == ' ' || s.end[-1] == '\t'))
    s.end--;
  text = s.p;
  len = s.end - s.p;
  if (len == 0)
    return DC_TIME_PARSED_NONE;

  if (format && *format)
    {
      /* An explicit format is the rule for text cells: a near miss must
       * not fall back to, say, epoch seconds. */
      return parse_with_format (text, len, format, out);
    }
  memset (out, 0, sizeof *out);

  for (gsize i = 0; i < len; i++)
    {
      if (g_ascii_isdigit (text[i]))
        n_digits++;
      else if (text[i] == '.')
        n_dots++;
    }
  if (n_digits == len)
    {
      Scan d = { text, text + len };
      switch (len)
        {
        case 13:
        case 10:
          return dc_time_parse_number (number_of (text, len), date1904, out);
        case 14:
          digits (&d, 4, 4, &out->y); digits (&d, 2, 2, &out->mo); digits (&d, 2, 2, &out->d);
          digits (&d, 2, 2, &out->h); digits (&d, 2, 2, &out->mi); digits (&d, 2, 2, &out->s);
          if (valid_date (out->y, out->mo, out->d) && valid_time (out->h, out->mi, out->s))
            return DC_TIME_PARSED_DATE | DC_TIME_PARSED_TIME;
          return DC_TIME_PARSED_NONE;
        case 8:
          digits (&d, 4, 4, &out->y); digits (&d, 2, 2, &out->mo); digits (&d, 2, 2, &out->d);
          return valid_date (out->y, out->mo, out->d) ? DC_TIME_PARSED_DATE : DC_TIME_PARSED_NONE;
        default:
          if (len <= 7)
            return dc_time_parse_number (number_of (text, len), date1904, out);
          return DC_TIME_PARSED_NONE;
        }
    }
  if (n_dots == 1 && n_digits == len - 1 && len < 32)
    return dc_time_parse_number (number_of (text, len), date1904, out);

  if (parse_date (&s, out))
    {
      what = DC_TIME_PARSED_DATE;
      if (!eat (&s, "T") && !eat (&s, "t"))
        skip_space (&s);
      if (parse_clock (&s, out))
        {
          what |= DC_TIME_PARSED_TIME;
          if (parse_zone (&s, &offset_s))
            what = finish_instant (out, offset_s);
        }
    }
  else if (parse_clock (&s, out))
    what = DC_TIME_PARSED_TIME;
  skip_space (&s);
  if (s.p != s.end)
    return DC_TIME_PARSED_NONE;
  return what;
}
