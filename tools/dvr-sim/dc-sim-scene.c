/* dc-sim-scene.c: the simulated dock camera's picture (see dc-sim-scene.h).
 *
 * Drawn in a 320 x 240 reference space and scaled to the stream's size.
 * Everything that does not move (wall, door, arch, conveyor frame, floor)
 * is drawn once per (channel, size) into a cached background; a frame is a
 * copy of it plus the belt seams, a few parcels and two captions: well
 * under a millisecond at 320 x 240, and flat areas that cost the encoder
 * little (the benchmarks run the simulator).
 */
#define G_LOG_DOMAIN "dc-dvr-sim"

#include "config.h"

#include <string.h>

#include "dc-sim-scene.h"
#include "dc-sim-timecode.h"

#define REF_W 320
#define REF_H 240
/* Reference pixels a parcel travels per second: one parcel per second, so
 * this is also the distance between two parcels. */
#define PARCEL_SPACING 112
#define SCANNER_X 160
#define BELT_TOP 150
#define BELT_BOTTOM 172
#define PARCEL_BOTTOM 166
#define SEAM_PERIOD 28

typedef struct
{
  guint8 y, u, v;
} Colour;

typedef struct
{
  int     w, h;
  guint8 *y, *u, *v;
  int     y_stride, uv_stride;
} Canvas;

static inline guint32
mix32 (guint32 x)
{
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

/* BT.601 limited range, as libx264 and the decoders assume. */
static Colour
rgb (int r, int g, int b)
{
  Colour c;

  r = CLAMP (r, 0, 255);
  g = CLAMP (g, 0, 255);
  b = CLAMP (b, 0, 255);
  c.y = (guint8) (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
  c.u = (guint8) (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
  c.v = (guint8) (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
  return c;
}

static inline int
sx (const Canvas *c, int ref)
{
  return ref * c->w / REF_W;
}

static inline int
sy (const Canvas *c, int ref)
{
  return ref * c->h / REF_H;
}

/* Fills [x0, x1) x [y0, y1) in output pixels, clipped. */
static void
fill (const Canvas *c,
      int           x0,
      int           y0,
      int           x1,
      int           y1,
      Colour        col)
{
  x0 = MAX (x0, 0);
  y0 = MAX (y0, 0);
  x1 = MIN (x1, c->w);
  y1 = MIN (y1, c->h);
  if (x0 >= x1 || y0 >= y1)
    return;
  for (int row = y0; row < y1; row++)
    memset (c->y + (gsize) row * c->y_stride + x0, col.y, (gsize) (x1 - x0));
  for (int row = y0 / 2; row < (y1 + 1) / 2; row++)
    {
      memset (c->u + (gsize) row * c->uv_stride + x0 / 2, col.u, (gsize) ((x1 + 1) / 2 - x0 / 2));
      memset (c->v + (gsize) row * c->uv_stride + x0 / 2, col.v, (gsize) ((x1 + 1) / 2 - x0 / 2));
    }
}

/* The same in reference coordinates. */
static void
fill_ref (const Canvas *c,
          int           x0,
          int           y0,
          int           x1,
          int           y1,
          Colour        col)
{
  fill (c, sx (c, x0), sy (c, y0), sx (c, x1), sy (c, y1), col);
}

/* A 5 x 7 font for the captions (digits, a few capitals, '-', ':'); each
 * row is 5 bits, the most significant on the left.  Real recorders burn a
 * bitmap font too, and the simulator links no text library. */
typedef struct
{
  char   c;
  guint8 rows[7];
} Glyph;

static const Glyph font[] = {
  { '0', { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E } },
  { '1', { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E } },
  { '2', { 0x0E, 0x11, 0x01, 0x06, 0x08, 0x10, 0x1F } },
  { '3', { 0x1E, 0x01, 0x01, 0x0E, 0x01, 0x01, 0x1E } },
  { '4', { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 } },
  { '5', { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E } },
  { '6', { 0x0E, 0x10, 0x10, 0x1E, 0x11, 0x11, 0x0E } },
  { '7', { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
  { '8', { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E } },
  { '9', { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x01, 0x0E } },
  { '-', { 0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00 } },
  { ':', { 0x00, 0x04, 0x04, 0x00, 0x04, 0x04, 0x00 } },
  { 'A', { 0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 } },
  { 'C', { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E } },
  { 'D', { 0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C } },
  { 'E', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F } },
  { 'F', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10 } },
  { 'G', { 0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F } },
  { 'H', { 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 } },
  { 'I', { 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E } },
  { 'K', { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 } },
  { 'M', { 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11 } },
  { 'N', { 0x11, 0x19, 0x19, 0x15, 0x13, 0x13, 0x11 } },
  { 'O', { 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } },
  { 'R', { 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11 } },
  { 'S', { 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E } },
  { 'T', { 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 } },
  { 'U', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } },
  { 'W', { 0x11, 0x11, 0x11, 0x15, 0x15, 0x1B, 0x11 } },
};

static const Glyph *
find_glyph (char ch)
{
  for (guint i = 0; i < G_N_ELEMENTS (font); i++)
    if (font[i].c == ch)
      return &font[i];
  return NULL;
}

/* Luma only: the captions are white on a dark outline, as recorders draw
 * them so they read over any background. */
static void
draw_text (const Canvas *c,
           int           x,
           int           y,
           int           scale,
           const char   *text,
           guint8        ink,
           gboolean      outline)
{
  for (int pass = outline ? 0 : 1; pass < 2; pass++)
    for (int i = 0; text[i] != '\0'; i++)
      {
        const Glyph *g = find_glyph (text[i]);
        int gx = x + i * 6 * scale;

        if (g == NULL)
          continue;
        for (int r = 0; r < 7; r++)
          for (int b = 0; b < 5; b++)
            {
              int px, py, grow;

              if (!(g->rows[r] & (0x10 >> b)))
                continue;
              px = gx + b * scale;
              py = y + r * scale;
              grow = pass == 0 ? 1 : 0;
              for (int yy = py - grow; yy < py + scale + grow; yy++)
                {
                  int x0 = MAX (px - grow, 0), x1 = MIN (px + scale + grow, c->w);

                  if (yy < 0 || yy >= c->h || x0 >= x1)
                    continue;
                  memset (c->y + (gsize) yy * c->y_stride + x0, pass == 0 ? 16 : ink, (gsize) (x1 - x0));
                }
            }
      }
}

static void
draw_background (const Canvas *c,
                 guint         channel)
{
  const int bar_bottom = (DC_SIM_TC_ROW0 + DC_SIM_TC_ROWS) * REF_H / DC_SIM_TC_GRID_ROWS;
  Colour wall = rgb (178, 174, 166), seam = rgb (150, 147, 140);
  Colour yellow = rgb (236, 196, 32), black = rgb (28, 28, 30);
  Colour blue = rgb (36, 92, 168), metal = rgb (150, 152, 158), leg = rgb (84, 86, 92);
  char sign[16];

  /* The time code's bar, then the wall with its concrete panels. */
  fill_ref (c, 0, 0, REF_W, bar_bottom, rgb (20, 20, 22));
  fill_ref (c, 0, bar_bottom, REF_W, 112, wall);
  for (int x = 30; x < REF_W; x += 64)
    fill_ref (c, x, bar_bottom, x + 1, 112, seam);
  fill_ref (c, 0, 112, REF_W, 118, rgb (40, 40, 42));   /* dock bumper */

  /* The roll-up door: slats, a dark header, hazard-striped posts. */
  fill_ref (c, 96, 40, 224, 112, rgb (122, 132, 142));
  for (int y = 44; y < 112; y += 6)
    fill_ref (c, 96, y, 224, y + 1, rgb (92, 100, 110));
  fill_ref (c, 88, 32, 232, 40, rgb (62, 62, 66));
  for (int y = 40; y < 112; y += 8)
    {
      fill_ref (c, 88, y, 96, y + 4, yellow);
      fill_ref (c, 88, y + 4, 96, y + 8, black);
      fill_ref (c, 224, y, 232, y + 4, black);
      fill_ref (c, 224, y + 4, 232, y + 8, yellow);
    }

  /* The dock's sign (the channel stands for the dock) and a lamp. */
  fill_ref (c, 244, 44, 304, 60, rgb (18, 112, 64));
  g_snprintf (sign, sizeof sign, "GATE %02u", channel % 100);
  draw_text (c, sx (c, 250), sy (c, 48), MAX (1, c->h / REF_H), sign, 235, FALSE);
  fill_ref (c, 36, 46, 60, 50, rgb (60, 60, 60));
  fill_ref (c, 38, 50, 58, 56, rgb (250, 232, 150));

  /* The floor, darker towards the camera, with its safety line. */
  for (int y = 118; y < REF_H; y += 8)
    {
      int shade = 118 - (y - 118) / 8;

      fill_ref (c, 0, y, REF_W, y + 8, rgb (shade, shade, shade - 4));
    }
  fill_ref (c, 0, 216, REF_W, 220, yellow);

  /* The scanner arch (behind the parcels) and its head. */
  fill_ref (c, 126, 66, 194, 76, blue);
  fill_ref (c, 128, 76, 134, BELT_TOP, blue);
  fill_ref (c, 186, 76, 192, BELT_TOP, blue);
  fill_ref (c, 150, 76, 170, 84, black);
  fill_ref (c, 158, 80, 162, 82, rgb (230, 30, 30));

  /* The conveyor: belt, side frame with bolts, legs. */
  fill_ref (c, 0, BELT_TOP, REF_W, BELT_BOTTOM, rgb (48, 50, 52));
  fill_ref (c, 0, BELT_BOTTOM, REF_W, BELT_BOTTOM + 10, metal);
  for (int x = 8; x < REF_W; x += 16)
    fill_ref (c, x, BELT_BOTTOM + 4, x + 2, BELT_BOTTOM + 6, rgb (70, 72, 76));
  for (int x = 20; x < REF_W; x += 64)
    fill_ref (c, x, BELT_BOTTOM + 10, x + 6, 214, leg);
}

/* One parcel, the one centred under the scanner at wall second @second;
 * @shift is how far (output pixels) it has travelled since. */
static void
draw_parcel (const Canvas *c,
             guint         channel,
             gint64        second,
             int           shift)
{
  guint32 h = mix32 ((guint32) second ^ mix32 (channel * 0x9E3779B1u));
  guint32 h2 = mix32 (h);
  gboolean mailer = (h >> 20) % 5 == 0;
  int pw = 46 + (int) (h % 24);
  int ph = mailer ? 22 + (int) ((h >> 5) % 8) : 30 + (int) ((h >> 5) % 18);
  int rx0 = SCANNER_X - pw / 2, ry0 = PARCEL_BOTTOM - ph;
  int x0 = sx (c, rx0) + shift, x1 = sx (c, rx0 + pw) + shift;
  int y0 = sy (c, ry0), y1 = sy (c, PARCEL_BOTTOM);
  int top = sy (c, ry0 + 5);
  Colour box, lid, tape;
  int lx0, lx1, ly0, ly1, unit;

  if (x1 <= 0 || x0 >= c->w)
    return;
  if (mailer)
    {
      box = rgb (226, 226, 232);
      lid = rgb (240, 240, 246);
      tape = rgb (200, 200, 210);
    }
  else
    {
      int r = 168 + (int) (h % 30), g = 124 + (int) ((h >> 8) % 24), b = 78 + (int) ((h >> 12) % 20);

      box = rgb (r, g, b);
      lid = rgb (r + 26, g + 24, b + 20);
      tape = rgb (214, 186, 136);
    }
  fill (c, x0, y0, x1, y1, box);
  fill (c, x0, y0, x1, top, lid);
  fill (c, x0, y1 - MAX (1, sy (c, 2)), x1, y1, rgb (40, 34, 28));   /* its shadow on the belt */
  if (!mailer)
    fill (c, (x0 + x1) / 2 - sx (c, 5), y0, (x0 + x1) / 2 + sx (c, 5), top, tape);

  /* The shipping label: a red carrier header, a barcode, address lines. */
  lx0 = x0 + (x1 - x0) * 38 / 100;
  lx1 = x0 + (x1 - x0) * 92 / 100;
  ly0 = top + sy (c, 3);
  ly1 = MIN (y1 - sy (c, 3), ly0 + sy (c, 28));
  if (lx1 - lx0 < 6 || ly1 - ly0 < 8)
    return;
  fill (c, lx0, ly0, lx1, ly1, rgb (246, 246, 244));
  unit = MAX (1, c->w / REF_W);
  fill (c, lx0, ly0, lx1, ly0 + unit * 2, (h >> 3) & 1 ? rgb (210, 30, 36) : rgb (24, 24, 24));
  {
    int by0 = ly0 + unit * 4, by1 = ly0 + (ly1 - ly0) * 60 / 100;
    guint32 bits = h2;

    for (int x = lx0 + unit * 2, i = 0; x < lx1 - unit * 2; x += unit, i++)
      {
        if (i % 32 == 0)
          bits = mix32 (bits + (guint32) i);
        if ((bits >> (i % 32)) & 1)
          for (int y = MAX (by0, 0); y < by1 && y < c->h; y++)
            if (x >= 0 && x < c->w)
              c->y[(gsize) y * c->y_stride + x] = 24;
      }
    for (int line = 0, y = by1 + unit * 2; y + unit <= ly1 - unit; line++, y += unit * 3)
      {
        int len = (lx1 - lx0 - unit * 4) * (50 + (int) ((h2 >> (line * 4)) % 40)) / 100;

        fill (c, lx0 + unit * 2, y, lx0 + unit * 2 + len, y + unit, rgb (90, 90, 90));
      }
  }
}

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian). */
static void
civil_from_days (gint64  days,
                 int    *year,
                 int    *month,
                 int    *day)
{
  gint64 z = days + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;

  *day = (int) (doy - (153 * mp + 2) / 5 + 1);
  *month = (int) (mp < 10 ? mp + 3 : mp - 9);
  *year = (int) (yoe + era * 400 + (*month <= 2));
}

static void
draw_captions (const Canvas *c,
               guint         channel,
               gint64        wall_sec)
{
  static const char *const weekdays[] = { "THU", "FRI", "SAT", "SUN", "MON", "TUE", "WED" };
  const int bar_bottom = sy (c, (DC_SIM_TC_ROW0 + DC_SIM_TC_ROWS) * REF_H / DC_SIM_TC_GRID_ROWS);
  int scale = MAX (1, c->h / REF_H);
  gint64 days = wall_sec >= 0 ? wall_sec / 86400 : (wall_sec - 86399) / 86400;
  int secs = (int) (wall_sec - days * 86400);
  int year, month, day, len;
  char text[48];

  civil_from_days (days, &year, &month, &day);
  g_snprintf (text, sizeof text, "%04d-%02d-%02d %s %02d:%02d:%02d", year, month, day,
              weekdays[((days % 7) + 7) % 7], secs / 3600, secs / 60 % 60, secs % 60);
  draw_text (c, sx (c, 6), bar_bottom + sy (c, 5), scale, text, 235, TRUE);

  len = g_snprintf (text, sizeof text, "CAMERA %02u", channel % 100);
  draw_text (c, c->w - len * 6 * scale - sx (c, 6), c->h - 7 * scale - sy (c, 6), scale, text, 235, TRUE);
}

void
dc_sim_scene_render (int     width,
                     int     height,
                     guint8 *y,
                     int     y_stride,
                     guint8 *u,
                     guint8 *v,
                     int     uv_stride,
                     guint   channel,
                     gint64  wall_frames,
                     int     fps)
{
  /* One background per channel, for the current size (a simulator runs
   * one size; a change of size drops them all). */
  static GMutex lock;
  static guint8 *cache[256];
  static int cache_w, cache_h;
  Canvas c = { width, height, y, u, v, y_stride, uv_stride };
  gsize y_size = (gsize) width * height, uv_size = (gsize) (width / 2) * (height / 2);
  gint64 wall_sec = wall_frames >= 0 ? wall_frames / fps : (wall_frames - fps + 1) / fps;
  int frame = (int) (wall_frames - wall_sec * fps);
  guint8 *bg;

  g_mutex_lock (&lock);
  if (cache_w != width || cache_h != height)
    {
      for (guint i = 0; i < G_N_ELEMENTS (cache); i++)
        g_clear_pointer (&cache[i], g_free);
      cache_w = width;
      cache_h = height;
    }
  if (cache[channel & 0xFF] == NULL)
    {
      guint8 *planes = g_malloc (y_size + 2 * uv_size);
      Canvas b = { width, height, planes, planes + y_size, planes + y_size + uv_size,
                   width, width / 2 };

      draw_background (&b, channel & 0xFF);
      cache[channel & 0xFF] = planes;
    }
  bg = cache[channel & 0xFF];
  g_mutex_unlock (&lock);

  for (int row = 0; row < height; row++)
    memcpy (y + (gsize) row * y_stride, bg + (gsize) row * width, width);
  for (int row = 0; row < height / 2; row++)
    {
      memcpy (u + (gsize) row * uv_stride, bg + y_size + (gsize) row * (width / 2), width / 2);
      memcpy (v + (gsize) row * uv_stride, bg + y_size + uv_size + (gsize) row * (width / 2), width / 2);
    }

  {
    /* The belt moves with the parcels: its seams give the motion away. */
    int travelled = frame * PARCEL_SPACING / fps;
    Colour seam = rgb (34, 35, 36);

    for (int x = -SEAM_PERIOD + travelled % SEAM_PERIOD; x < REF_W; x += SEAM_PERIOD)
      fill_ref (&c, x, BELT_TOP, x + 2, BELT_BOTTOM, seam);

    /* The parcels in view: the one at the scanner this second, the ones
     * before it (already past, to the right) and after it (coming). */
    for (int k = -2; k <= 2; k++)
      draw_parcel (&c, channel, wall_sec - k,
                   (k * fps + frame) * PARCEL_SPACING * width / (REF_W * fps));

    /* The scanner's red line across whatever is under it. */
    fill_ref (&c, SCANNER_X - 1, 84, SCANNER_X + 1, BELT_BOTTOM, rgb (236, 40, 40));
  }
  draw_captions (&c, channel, wall_sec);
}
