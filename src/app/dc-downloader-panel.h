/* dc-downloader-panel.h: the recorders, their Download buttons, the run's
 * result and the job list — a view of the DcSession, which owns the
 * engine, the jobs and their status.  Rebuilding or hiding the panel
 * loses nothing. */
#pragma once

#include <gtk/gtk.h>

#include "dc-dvr-card.h"
#include "dc-job-item.h"
#include "dc-session.h"

G_BEGIN_DECLS

#define DC_TYPE_DOWNLOADER_PANEL (dc_downloader_panel_get_type ())
G_DECLARE_FINAL_TYPE (DcDownloaderPanel, dc_downloader_panel, DC, DOWNLOADER_PANEL, GtkBox)

void          dc_downloader_panel_set_session   (DcDownloaderPanel *self, DcSession *session);
DcSession    *dc_downloader_panel_get_session   (DcDownloaderPanel *self);
DcOutputMode  dc_downloader_panel_get_mode      (DcDownloaderPanel *self);
void          dc_downloader_panel_set_mode      (DcDownloaderPanel *self, DcOutputMode mode);
gboolean      dc_downloader_panel_is_busy       (DcDownloaderPanel *self);
void          dc_downloader_panel_stop_all      (DcDownloaderPanel *self);
void          dc_downloader_panel_stop_dvr      (DcDownloaderPanel *self, const char *dvr);
/* One button: pauses the recorder, or resumes it when paused. */
void          dc_downloader_panel_pause_dvr     (DcDownloaderPanel *self, const char *dvr);
/* "Download missing". */
guint         dc_downloader_panel_retry_failed  (DcDownloaderPanel *self);
/* Cancels and joins every worker (the session's). */
void          dc_downloader_panel_shutdown      (DcDownloaderPanel *self);
/* @failed: missing (failed, stopped, partial, impossible). */
void          dc_downloader_panel_get_totals    (DcDownloaderPanel *self, guint *done,
                                                 guint *failed, guint *total);
DcDvrCard    *dc_downloader_panel_get_card      (DcDownloaderPanel *self, const char *dvr);
/* The job list's rows: the session's jobs, joining a few per frame. */
GListModel   *dc_downloader_panel_get_jobs      (DcDownloaderPanel *self);
const char   *dc_downloader_panel_get_out_dir   (DcDownloaderPanel *self);
/* The Download-all button says what it will do: "Download _all 161"
 * when nothing is selected, "Download _12 selected" otherwise. */
void          dc_downloader_panel_set_selection (DcDownloaderPanel *self, guint n_selected,
                                                 guint n_waybills);
/* Tests: the result's title, the missing lines, the button. */
const char   *dc_downloader_panel_get_result_title (DcDownloaderPanel *self);
const char   *dc_downloader_panel_get_result_reasons (DcDownloaderPanel *self);
GtkWidget    *dc_downloader_panel_get_missing_button (DcDownloaderPanel *self);
const char   *dc_downloader_panel_get_total_text (DcDownloaderPanel *self);

G_END_DECLS
