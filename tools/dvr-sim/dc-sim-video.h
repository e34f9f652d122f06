/* dc-sim-video.h: the simulator's recordings — deterministic H.264 per
 * (channel, wall-clock second), wrapped as Hikvision MPEG-PS or Dahua MP4.
 *
 * Every second of video is one closed GOP (keyframe first, SPS/PPS repeated
 * before it) and is stored in the container as a chunk of exactly
 * gop_bytes bytes (padding fills the rest).  So a segment's size is known
 * without encoding anything (search answers are instant), a byte offset maps
 * to a second by arithmetic (Range and by-time downloads are slices), and a
 * GOP is only encoded when a client actually reads it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DC_SIM_IMKH_SIZE 40

typedef struct _DcSimVideo DcSimVideo;

typedef struct
{
  gatomicrefcount  ref;
  guint8          *data;       /* Annex B access units, SEI removed */
  gsize            len;
  int              n_frames;
  gsize           *frame_off;  /* n_frames + 1 offsets into data */
  int              qp;
} DcSimGop;

DcSimVideo   *dc_sim_video_new            (int          width,
                                           int          height,
                                           int          fps,
                                           gsize        gop_bytes,
                                           gsize        cache_bytes,
                                           GError     **error);
void          dc_sim_video_free           (DcSimVideo  *video);
void          dc_sim_video_set_pts_epoch  (DcSimVideo  *video,
                                           gint64       wall_sec);
/* For the self-test: open a fresh encoder per GOP (must give the same bytes). */
void          dc_sim_video_set_reuse_encoders (DcSimVideo *video,
                                               gboolean    reuse);
int           dc_sim_video_get_fps        (DcSimVideo  *video);
gsize         dc_sim_video_get_gop_bytes  (DcSimVideo  *video);

/* Encoded GOP for the second starting at wall_sec (thread-safe, cached). */
DcSimGop     *dc_sim_video_get_gop        (DcSimVideo  *video,
                                           guint        channel,
                                           gint64       wall_sec);
/* Starts encoding that GOP on a worker thread if it is not cached yet. */
void          dc_sim_video_prefetch       (DcSimVideo  *video,
                                           guint        channel,
                                           gint64       wall_sec);
/* TRUE when that GOP is cached; otherwise queues it (whatever the
 * read-ahead limit) so a server can wait without blocking its main loop. */
gboolean      dc_sim_video_request        (DcSimVideo  *video,
                                           guint        channel,
                                           gint64       wall_sec);
void          dc_sim_gop_unref            (DcSimGop    *gop);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcSimGop, dc_sim_gop_unref)

/* Hikvision: the 40-byte IMKH media header and one PS chunk per second. */
const guint8 *dc_sim_imkh_header          (void);
GBytes       *dc_sim_video_ps_chunk       (DcSimVideo  *video,
                                           guint        channel,
                                           gint64       wall_sec);

/* Dahua: fragmented MP4.  The init part (ftyp + moov) has a fixed size; each
 * second is one moof + mdat fragment of gop_bytes bytes whose decode time
 * counts from base_sec. */
gsize         dc_sim_video_mp4_init_size  (DcSimVideo  *video);
GBytes       *dc_sim_video_mp4_init       (DcSimVideo  *video,
                                           gint64       n_seconds);
GBytes       *dc_sim_video_mp4_fragment   (DcSimVideo  *video,
                                           guint        channel,
                                           gint64       wall_sec,
                                           gint64       base_sec);

/* Renders one frame (YUV 4:2:0 planes), exposed for the self-test. */
void          dc_sim_video_render_frame   (int          width,
                                           int          height,
                                           guint8      *y,
                                           int          y_stride,
                                           guint8      *u,
                                           guint8      *v,
                                           int          uv_stride,
                                           guint        channel,
                                           gint64       wall_frames,
                                           int          fps);

G_END_DECLS
