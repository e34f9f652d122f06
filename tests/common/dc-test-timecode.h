/* dc-test-timecode.h: read back the time code dockclip-dvr-sim draws in
 * every frame (layout: tools/dvr-sim/dc-sim-timecode.h).
 *
 * wall_frames is the recorder's wall-clock time of the frame: seconds since
 * 1970-01-01 of the wall-clock digits (read as if they were UTC) * fps +
 * frame index within the second.  The reader works on any scale of the
 * simulator's picture and survives JPEG compression. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean valid;
  guint    channel;
  gint64   wall_frames;
  int      fps;
} DcTestTimecode;

/* rgb: packed 8-bit R,G,B.  FALSE when no valid code is found. */
gboolean  dc_test_timecode_read            (const guint8 *rgb,
                                            int           width,
                                            int           height,
                                            int           stride,
                                            guint        *channel,
                                            gint64       *wall_frames,
                                            int          *fps);
/* Decodes a JPEG file with TurboJPEG and reads its code. */
gboolean  dc_test_timecode_read_jpeg_file  (const char   *path,
                                            guint        *channel,
                                            gint64       *wall_frames,
                                            int          *fps,
                                            GError      **error);
/* Decodes a video file (PS with IMKH header, MP4, ...) with libavformat and
 * returns one DcTestTimecode per decoded frame, in decode order (at most
 * max_frames; 0 = all).  NULL with error when the file cannot be opened. */
GArray   *dc_test_timecode_read_video_file (const char   *path,
                                            guint         max_frames,
                                            GError      **error);
/* Wall-clock seconds of "YYYY-MM-DD HH:MM:SS" (the digits, as UTC), for
 * comparing with wall_frames / fps. */
gint64    dc_test_timecode_wall_seconds    (const char   *text);

G_END_DECLS
