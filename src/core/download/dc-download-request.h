/* dc-download-request.h: what one waybill scan asks of the engine.  The
 * e-sheet planner makes these from selected rows and the dock map. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DC_OUTPUT_PICTURE = 1 << 0,  /* the frame at the scan time: <stem>.jpg (default) */
  DC_OUTPUT_CLIP    = 1 << 1,  /* [scan - pre, scan + post]: <stem>.mp4 */
  DC_OUTPUT_BOTH    = DC_OUTPUT_PICTURE | DC_OUTPUT_CLIP,
} DcOutputMode;

typedef struct
{
  char         *waybill;
  char         *dock;
  char         *dvr;        /* [dvr NAME] of the config */
  guint         channel;    /* 1-based */
  gint64        scan_us;    /* this PC's clock, unix microseconds */
  DcOutputMode  mode;
  gint64        pre_us;     /* clip window before the scan, default 30 s */
  gint64        post_us;    /* after, default 30 s */
  char         *batch;      /* e-sheet name without extension: the output sub-folder */
  char         *file_stem;  /* <waybill>, or <waybill>_<hhmmss> for a later scan of it */
} DcDownloadRequest;

DcDownloadRequest *dc_download_request_new  (const char *waybill, const char *dock,
                                             const char *dvr, guint channel, gint64 scan_us);
DcDownloadRequest *dc_download_request_copy (const DcDownloadRequest *req);
void               dc_download_request_free (DcDownloadRequest *req);
gboolean           dc_output_mode_from_string (const char *str, DcOutputMode *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDownloadRequest, dc_download_request_free)

G_END_DECLS
