/* dc-sim-scene.h: what the simulated dock camera films.
 *
 * A loading bay seen from the side: the back wall with a roll-up door and
 * the dock's sign, a conveyor with a scanner arch in the middle, and
 * parcels with shipping labels riding the belt.  One parcel passes under
 * the arch every second and is centred under it on the second's first
 * frame, so the picture at any whole-second scan time shows a parcel at the
 * scanner.  The recorder's caption (date, weekday, time) is burned into the
 * top-left corner and the camera name into the bottom-right, as real DVRs
 * do; the top DC_SIM_TC rows are left as a dark bar for the time code strip
 * (dc-sim-timecode.h), which dc_sim_video_render_frame() draws on top.
 *
 * Everything is a pure function of (size, channel, wall frames, fps): the
 * same second always renders, and so encodes, to the same bytes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Draws the scene into YUV 4:2:0 planes (width and height even). */
void dc_sim_scene_render (int     width,
                          int     height,
                          guint8 *y,
                          int     y_stride,
                          guint8 *u,
                          guint8 *v,
                          int     uv_stride,
                          guint   channel,
                          gint64  wall_frames,
                          int     fps);

G_END_DECLS
