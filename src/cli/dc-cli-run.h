/* dc-cli-run.h: run download requests with terminal progress. */
#pragma once

#include "download/dc-downloader.h"

G_BEGIN_DECLS

/* Returns the exit status: 0 when every request is done, 1 when some are
 * missing (one line each on stdout: waybill, DVR, reason), 130 when
 * interrupted. */
int dc_cli_run_downloads (DcConfig *config, GPtrArray *requests,
                          const DcDownloaderOptions *options, gboolean json);

G_END_DECLS
