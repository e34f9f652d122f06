/* dc-dvr-private.h: the session shared by the brand drivers. */
#pragma once

#include "dvr/dc-dvr.h"
#include "dvr/dc-dvr-parse.h"
#include "dvr/dc-http.h"

G_BEGIN_DECLS

struct _DcDvrSession
{
  DcDvrConfig   *cfg;
  DcHttp        *http;
  DcDvrInfo     *info;            /* NULL until probed or set */
  DcDvrTimeMode  time_mode;       /* resolved LOCAL/UTC used on the wire */
  gint64         clock_offset_s;
  guint          stall_s;         /* no bytes this long = stalled (transfers) */

  /* Hikvision */
  guint          max_results;     /* from search/profile, 0 = default */

  /* Dahua */
  GPtrArray     *finders;         /* object ids still open on the device */
  int            dahua_shift;     /* -1 unknown, 0 query c, 1 query c-1 (0-based device) */
  GMutex        *dahua_lock;      /* shared by every session of that host */
};

/* Clock readings: a recorder ticks whole seconds, so a reading is only as
 * good as its round trip; probes read up to CLOCK_SAMPLES times until one
 * comes back within CLOCK_GOOD_RTT_US, and keep the fastest. */
#define CLOCK_SAMPLES      3
#define CLOCK_GOOD_RTT_US  (250 * 1000)

/* PC instant <-> recorder wall seconds with an explicit mode. */
gint64   dc_dvr_pc_to_wall (DcDvrTimeMode mode, gint64 offset_s, gint64 pc_us);
gint64   dc_dvr_wall_to_pc (DcDvrTimeMode mode, gint64 offset_s, gint64 wall_s);
gint64   dc_dvr_session_pc_to_wall (DcDvrSession *self, gint64 pc_us);
gint64   dc_dvr_session_wall_to_pc (DcDvrSession *self, gint64 wall_s);
/* recorder wall clock (digits) measured at @start_us + @elapsed_us/2
 * minus this PC's local wall clock then, rounded to seconds. */
gint64   dc_dvr_measure_clock_offset (gint64 recorder_wall_s, gint64 start_us, gint64 elapsed_us);
/* Channel names from a list of DcDvrChannel (index 0 = channel 1). */
void     dc_dvr_info_set_channels (DcDvrInfo *info, GPtrArray *channels);
/* Sorted by start, duplicates (same start, end and uri) dropped. */
void     dc_dvr_segments_normalize (GPtrArray *segments);

gboolean      dc_hik_probe        (DcDvrSession *self, DcDvrInfo *info, GError **error);
GPtrArray    *dc_hik_search       (DcDvrSession *self, guint channel, gint64 from_us,
                                   gint64 to_us, GError **error);
DcByteSource *dc_hik_open_segment (DcDvrSession *self, const DcDvrSegment *seg, GError **error);
DcByteSource *dc_hik_open_window  (DcDvrSession *self, guint channel, const DcDvrSegment *seg,
                                   gint64 from_us, gint64 to_us, GError **error);

gboolean      dc_dahua_probe        (DcDvrSession *self, DcDvrInfo *info, GError **error);
GPtrArray    *dc_dahua_search       (DcDvrSession *self, guint channel, gint64 from_us,
                                     gint64 to_us, GError **error);
DcByteSource *dc_dahua_open_segment (DcDvrSession *self, const DcDvrSegment *seg, GError **error);
DcByteSource *dc_dahua_open_window  (DcDvrSession *self, guint channel, gint64 from_us,
                                     gint64 to_us, GError **error);
void          dc_dahua_release      (DcDvrSession *self);

G_END_DECLS
