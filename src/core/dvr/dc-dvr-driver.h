/* dc-dvr-driver.h: what a recorder brand implements (internal to the dvr
 * area).  The session (dc-dvr-session.c) owns what every brand shares: the
 * HTTP layer, the clock, the configuration, the probed info, the per-
 * recorder state file.  Everything else — request shapes, paging, channel
 * numbering, device-side handles — is the driver's, in its own file, behind
 * this table.  A new brand is one new file defining its DcDvrDriver plus
 * one line in dc-dvr-drivers.c (and its DcDvrBrand value). */
#pragma once

#include "dvr/dc-dvr.h"

G_BEGIN_DECLS

typedef enum
{
  /* The device can cut a window out of its recordings (open_window). */
  DC_DVR_DRIVER_CAN_DOWNLOAD_BY_TIME = 1 << 0,
  /* Its whole-file downloads honour HTTP Range (seekable streams). */
  DC_DVR_DRIVER_CAN_RANGE            = 1 << 1,
  /* It holds device-side handles that release() must free. */
  DC_DVR_DRIVER_HAS_HANDLES          = 1 << 2,
} DcDvrDriverCaps;

typedef struct
{
  DcDvrBrand   brand;
  const char  *id;            /* config value: "hikvision" */
  const char  *display_name;  /* N_("Hikvision"): translate when shown */
  guint        caps;          /* DcDvrDriverCaps */

  /* The driver's private state for one session, created with the session
   * and freed after release(). */
  gpointer     (*state_new)    (DcDvrSession *session);
  void         (*state_free)   (gpointer state);

  /* Fills model/serial/firmware/device_type, channels, clock offset, time
   * mode and download_by_time of @info. */
  gboolean     (*probe)        (DcDvrSession *session, DcDvrInfo *info, GError **error);
  /* Segments of @channel overlapping the window, each checked to be that
   * channel's where the device says so (a mismatch is never returned). */
  GPtrArray   *(*search)       (DcDvrSession *session, guint channel, gint64 from_us,
                                gint64 to_us, GError **error);
  DcByteSource *(*open_segment) (DcDvrSession *session, const DcDvrSegment *seg, GError **error);
  DcByteSource *(*open_window)  (DcDvrSession *session, guint channel, const DcDvrSegment *seg,
                                 gint64 from_us, gint64 to_us, GError **error);
  /* Frees device-side handles; may be NULL. */
  void         (*release)      (DcDvrSession *session);
} DcDvrDriver;

extern const DcDvrDriver dc_hik_driver;
extern const DcDvrDriver dc_dahua_driver;

/* The driver of @brand, NULL for an unknown one. */
const DcDvrDriver *dc_dvr_driver_for_brand (DcDvrBrand brand);

/* The one rule for optional steps (a capability query, a fallback path, a
 * second request shape): errors after which going on cannot help — the
 * recorder refused the user, cannot be reached, stalled, dropped the
 * connection, is busy, or the job was cancelled — are propagated; any
 * other error only means "this step is not available here". */
gboolean dc_dvr_error_is_fatal (const GError *error);

G_END_DECLS
