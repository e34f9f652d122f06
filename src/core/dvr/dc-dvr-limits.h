/* dc-dvr-limits.h: every bound put on what a recorder sends, in one place,
 * with the reason for each number.  A recorder on the warehouse LAN may be
 * broken or compromised: no count, id or size it sends may size an
 * allocation, drive a recursion or a loop before it is checked here.
 * (Body sizes of whole answers are the HTTP layer's, dc-http.c.) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- Both protocols ---- */

/* The largest recorders sold have 256 channels; a hybrid or a stacked
 * system a few hundred.  Ids above this are refused before anything is
 * sized by them (a 32-bit id once made Dockclip allocate 34 GB). */
#define DC_DVR_MAX_CHANNELS            1024

/* One search covers at most the window of a job or an hour of shared
 * searches: a channel records a few hundred files a day.  More than this
 * from one search is a device that repeats itself or lies. */
#define DC_DVR_MAX_SEGMENTS_PER_SEARCH 5000

/* One recording file: a day of 4K at 16 Mbit/s is ~170 GB, but recorders
 * cut files at 1 GB (Hikvision) or at most an hour; 64 GiB leaves ample
 * room.  A larger (or negative, or 2^64-1) size is "unknown", never shown. */
#define DC_DVR_MAX_SEGMENT_BYTES       (G_GUINT64_CONSTANT (64) << 30)

/* A recorder clock more than a year off is not drift but a dead clock
 * battery or a factory date: its recordings are not where the e-sheet
 * times say, so its results are not used ("fix it on the recorder"). */
#define DC_DVR_MAX_CLOCK_OFFSET_S      (G_GINT64_CONSTANT (366) * 24 * 3600)

/* Device text (model, firmware, names, statuses) kept at most this long:
 * it is shown in one line of the UI, the CLI and the log. */
#define DC_DVR_MAX_TEXT_BYTES          256

/* ---- Hikvision ISAPI (XML) ---- */

/* Real ISAPI documents are at most 8 levels deep (InputProxyChannelList /
 * InputProxyChannel / sourceInputPortDescriptor / ...); GMarkup keeps a
 * stack per open element and our tree is freed recursively, so depth is
 * capped well above real documents and far below a stack overflow. */
#define DC_ISAPI_MAX_DEPTH             32

/* 1024 channels of ~20 elements, or a search page of 1000 items of ~15,
 * fit easily; a "wide" answer of millions of elements stops here instead
 * of growing a tree of gigabytes. */
#define DC_ISAPI_MAX_ELEMENTS          65536

/* Items on one search page: we ask for at most 200 (maxResults); a page
 * with more than this is refused rather than kept. */
#define DC_ISAPI_MAX_ITEMS_PER_PAGE    1000

/* Pages of one search: 5000 segments at 40 a page need 125; position
 * paging that never ends stops here. */
#define DC_ISAPI_MAX_PAGES             200

/* ---- Dahua CGI (key=value pages) ---- */

/* Lines of one key=value answer: a findNextFile page of 100 items has
 * ~4,000 lines with every optional field (Amcrest's Summary.*); ChannelTitle
 * of 1024 channels ~2,000.  (Each line costs a hash entry: 200,000 lines
 * took seconds under the fuzzer's instrumentation.) */
#define DC_DAHUA_MAX_LINES             20000

/* Items on one findNextFile page: we ask count=100; found= above this, or
 * an items[N] index above it, is refused. */
#define DC_DAHUA_MAX_ITEMS_PER_PAGE    1000

/* Pages of one search: 5000 segments at 100 a page need 50. */
#define DC_DAHUA_MAX_PAGES             100

G_END_DECLS
