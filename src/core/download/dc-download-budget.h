/* dc-download-budget.h: how many bytes a recorder may send for a window.
 *
 * A recorder decides how much it sends; a broken or hostile one sends for
 * ever (a 4 s clip grew to 13.5 GB).  Every transfer is bounded by what
 * its window can plausibly hold: the window's duration at a generous
 * bitrate ceiling plus headroom, and the search's file size where the
 * recorder gave one.  Past the bound the transfer stops with
 * DC_DOWNLOAD_ERROR_TOO_BIG ("far more video than the window can hold"). */
#pragma once

#include <glib.h>

#include "util/dc-byte-source.h"

G_BEGIN_DECLS

/* 64 Mbit/s: above any recorder's main stream (4K H.264 at the highest
 * quality is ~32 Mbit/s), so only a runaway transfer reaches it. */
#define DC_BUDGET_DEFAULT_BYTES_PER_S (8 * 1000 * 1000)
/* Container headers, an MP4 index, a keyframe before the window. */
#define DC_BUDGET_HEADROOM_BYTES      (4 * 1024 * 1024)

/* The bound for @duration_us of video at @bytes_per_s, tightened to a
 * little over @known_size when the recorder said how big the file is
 * (0: unknown). */
guint64       dc_budget_for_window (gint64 duration_us, guint64 bytes_per_s, guint64 known_size);

/* Takes @inner over; reads fail with DC_DOWNLOAD_ERROR_TOO_BIG once more
 * than @max_bytes crossed the wire.  The error names the recorder @dvr
 * once and @what the window ("the clip window of waybill 123 (60 s)"). */
DcByteSource *dc_budget_source_new (DcByteSource *inner, guint64 max_bytes, const char *dvr,
                                    const char *what);

G_END_DECLS
