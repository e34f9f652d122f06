/* dc-sim-timecode.h: where and how the simulator draws its time code.
 *
 * Shared by the simulator (which draws it) and tests/common/dc-test-timecode.c
 * (which reads it back), so the two can never disagree on the layout.
 *
 * The frame is divided into a 40 x 30 grid of cells (8 x 8 pixels at
 * 320 x 240, aligned on JPEG blocks and H.264 transform blocks so neither
 * blurs a cell into its neighbour).  The code occupies DC_SIM_TC_COLS x
 * DC_SIM_TC_ROWS cells starting at cell (DC_SIM_TC_COL0, DC_SIM_TC_ROW0): a
 * strip along the top edge, inside a dark bar the scene leaves for it
 * (dc-sim-scene.h), clear of the recorder's caption under it and of the
 * bottom-left corner where a product may burn its own caption.  Chroma is
 * neutral in the strip.  A white cell is a 1, a black cell a 0, bits row by
 * row, most significant bit first within each field:
 *
 *   16 bits  sync word DC_SIM_TC_SYNC
 *   40 bits  wall frames: (seconds since 1970-01-01 of the recorder's wall-clock
 *            digits, read as if they were UTC) * fps + frame index in the second
 *    8 bits  channel (1-based)
 *    8 bits  frames per second
 *   16 bits  CRC-16/CCITT of the 7 bytes (wall frames, 5 bytes big-endian;
 *            channel; fps)
 *    8 bits  trailer DC_SIM_TC_TRAILER
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DC_SIM_TC_GRID_COLS 40
#define DC_SIM_TC_GRID_ROWS 30
#define DC_SIM_TC_COL0 4
#define DC_SIM_TC_ROW0 0
#define DC_SIM_TC_COLS 32
#define DC_SIM_TC_ROWS 3
#define DC_SIM_TC_BITS (DC_SIM_TC_COLS * DC_SIM_TC_ROWS)
#define DC_SIM_TC_SYNC 0xA53Cu
#define DC_SIM_TC_TRAILER 0x5Au

static inline guint16
dc_sim_tc_crc16 (const guint8 *data,
                 gsize         len)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint16) data[i] << 8;
      for (int b = 0; b < 8; b++)
        crc = (crc & 0x8000) ? (guint16) ((crc << 1) ^ 0x1021) : (guint16) (crc << 1);
    }
  return crc;
}

/* Fills bits[DC_SIM_TC_BITS] with 0/1 for the given values. */
static inline void
dc_sim_tc_encode_bits (guint    channel,
                       gint64   wall_frames,
                       int      fps,
                       guint8  *bits)
{
  guint8 bytes[7];
  guint16 crc;
  int n = 0;

  for (int i = 0; i < 5; i++)
    bytes[i] = (guint8) ((guint64) wall_frames >> (8 * (4 - i)));
  bytes[5] = (guint8) channel;
  bytes[6] = (guint8) fps;
  crc = dc_sim_tc_crc16 (bytes, sizeof bytes);

#define DC_SIM_TC_PUT(value, width) \
  for (int b = (width) - 1; b >= 0; b--) bits[n++] = (guint8) (((guint64) (value) >> b) & 1)
  DC_SIM_TC_PUT (DC_SIM_TC_SYNC, 16);
  DC_SIM_TC_PUT (wall_frames, 40);
  DC_SIM_TC_PUT (channel & 0xFF, 8);
  DC_SIM_TC_PUT (fps & 0xFF, 8);
  DC_SIM_TC_PUT (crc, 16);
  DC_SIM_TC_PUT (DC_SIM_TC_TRAILER, 8);
#undef DC_SIM_TC_PUT
  g_assert (n == DC_SIM_TC_BITS);
}

/* Reverse of dc_sim_tc_encode_bits(); FALSE when sync, trailer or CRC do not match. */
static inline gboolean
dc_sim_tc_decode_bits (const guint8 *bits,
                       guint        *channel,
                       gint64       *wall_frames,
                       int          *fps)
{
  guint64 v[6] = { 0 };
  const int widths[6] = { 16, 40, 8, 8, 16, 8 };
  guint8 bytes[7];
  int n = 0;

  for (int f = 0; f < 6; f++)
    for (int b = 0; b < widths[f]; b++)
      v[f] = (v[f] << 1) | (bits[n++] & 1);
  if (v[0] != DC_SIM_TC_SYNC || v[5] != DC_SIM_TC_TRAILER)
    return FALSE;
  for (int i = 0; i < 5; i++)
    bytes[i] = (guint8) (v[1] >> (8 * (4 - i)));
  bytes[5] = (guint8) v[2];
  bytes[6] = (guint8) v[3];
  if (dc_sim_tc_crc16 (bytes, sizeof bytes) != v[4])
    return FALSE;
  if (channel)
    *channel = (guint) v[2];
  if (wall_frames)
    *wall_frames = (gint64) v[1];
  if (fps)
    *fps = (int) v[3];
  return TRUE;
}

G_END_DECLS
