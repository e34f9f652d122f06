/* dc-dvr-private.h: the session shared by the brand drivers. */
#pragma once

#include "dvr/dc-dvr.h"
#include "dvr/dc-dvr-driver.h"
#include "dvr/dc-dvr-limits.h"
#include "dvr/dc-dvr-parse.h"
#include "dvr/dc-http.h"

G_BEGIN_DECLS

struct _DcDvrSession
{
  DcDvrConfig       *cfg;
  DcHttp            *http;
  DcDvrInfo         *info;            /* NULL until probed or set */
  DcDvrTimeMode      time_mode;       /* resolved LOCAL/UTC used on the wire */
  gint64             clock_offset_s;
  guint              stall_s;         /* no bytes this long = stalled (transfers) */
  const DcDvrDriver *driver;          /* the brand */
  gpointer           driver_state;    /* the brand's own, private to its file */
};

/* A line in the recorder's log (no-op without a log). */
void     dc_dvr_session_log (DcDvrSession *self, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* A search answered items of another camera (@n_other, one of them
 * @other, -1 if unknown) for @channel: they are dropped and logged; FALSE
 * with the recorder named in @error when nothing of @channel was left
 * (@n_kept), since an empty answer would read as "no recording". */
gboolean dc_dvr_session_drop_other_camera (DcDvrSession *self, guint channel, guint n_other,
                                           int other, guint n_kept, GError **error);

/* What was learned about this recorder, kept across runs (dc-dvr-state.c);
 * keys live in the driver's group.  NULL when nothing is known. */
char    *dc_dvr_state_get (DcDvrSession *self, const char *key);
/* @value NULL forgets the key. */
void     dc_dvr_state_set (DcDvrSession *self, const char *key, const char *value);

/* FALSE (with the error in words) when the measured clock offset is so
 * large that the recorder's clock, not drift, is wrong. */
gboolean dc_dvr_check_clock_offset (DcDvrSession *self, gint64 offset_s, GError **error);

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

G_END_DECLS
