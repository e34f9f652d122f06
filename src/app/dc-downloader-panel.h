/* dc-downloader-panel.h: the recorders, their Download buttons and the job
 * list.  Owns the DcDownloader: events reach the widgets only through the
 * engine's queue drained on the main loop (dc_downloader_attach). */
#pragma once

#include <gtk/gtk.h>

#include "download/dc-downloader.h"
#include "dvr/dc-config.h"

#include "dc-app-settings.h"
#include "dc-dvr-card.h"
#include "dc-job-item.h"

G_BEGIN_DECLS

#define DC_TYPE_DOWNLOADER_PANEL (dc_downloader_panel_get_type ())
G_DECLARE_FINAL_TYPE (DcDownloaderPanel, dc_downloader_panel, DC, DOWNLOADER_PANEL, GtkBox)

/* @config stays owned by the caller and must outlive the next
 * dc_downloader_panel_set_config(); the engine takes its own copy when a
 * run starts. */
void          dc_downloader_panel_set_config    (DcDownloaderPanel *self, DcConfig *config,
                                                 const DcAppSettings *settings);
DcOutputMode  dc_downloader_panel_get_mode      (DcDownloaderPanel *self);
void          dc_downloader_panel_set_mode      (DcDownloaderPanel *self, DcOutputMode mode);
/* Queues @requests (DcDownloadRequest*); returns how many were queued. */
guint         dc_downloader_panel_add_requests  (DcDownloaderPanel *self, GPtrArray *requests,
                                                 GError **error);
gboolean      dc_downloader_panel_is_busy       (DcDownloaderPanel *self);
void          dc_downloader_panel_stop_all      (DcDownloaderPanel *self);
void          dc_downloader_panel_stop_dvr      (DcDownloaderPanel *self, const char *dvr);
void          dc_downloader_panel_pause_dvr     (DcDownloaderPanel *self, const char *dvr);
guint         dc_downloader_panel_retry_failed  (DcDownloaderPanel *self);
/* Cancels and joins every worker.  The panel stays usable (a new engine
 * is made for the next run). */
void          dc_downloader_panel_shutdown      (DcDownloaderPanel *self);
void          dc_downloader_panel_get_totals    (DcDownloaderPanel *self, guint *done,
                                                 guint *failed, guint *total);
DcDvrCard    *dc_downloader_panel_get_card      (DcDownloaderPanel *self, const char *dvr);
/* The job list's model.  A big batch of new jobs joins it a few dozen per
 * main-loop iteration; the totals count every job from the start. */
GListModel   *dc_downloader_panel_get_jobs      (DcDownloaderPanel *self);
const char   *dc_downloader_panel_get_out_dir   (DcDownloaderPanel *self);

G_END_DECLS
