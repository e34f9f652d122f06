/* dc-job-item.h: one download job as the job list and the e-sheet status
 * column see it.  Updated on the main thread from engine events only. */
#pragma once

#include <glib-object.h>

#include "download/dc-downloader.h"

G_BEGIN_DECLS

#define DC_TYPE_JOB_ITEM (dc_job_item_get_type ())
G_DECLARE_FINAL_TYPE (DcJobItem, dc_job_item, DC, JOB_ITEM, GObject)

DcJobItem  *dc_job_item_new            (guint id, const DcDownloadRequest *request);
guint       dc_job_item_get_id         (DcJobItem *self);
const DcDownloadRequest *dc_job_item_get_request (DcJobItem *self);
DcJobState  dc_job_item_get_state      (DcJobItem *self);
double      dc_job_item_get_fraction   (DcJobItem *self);
const char *dc_job_item_get_message    (DcJobItem *self);
const char *dc_job_item_get_picture_path (DcJobItem *self);
/* "queued", "45%", "done", "failed: …" in operator words (the status column). */
char       *dc_job_item_dup_status_text (DcJobItem *self);
/* "1.2 MB/s · 8 s left" or "" */
char       *dc_job_item_dup_speed_text  (DcJobItem *self);
/* Applies a DC_EVENT_JOB event; notifies "state"/"progress" only on change,
 * then emits "changed" once if either was notified. */
void        dc_job_item_apply_event    (DcJobItem *self, const DcDownloadEvent *event);
/* Waiting to retry: notifies "state" (and "changed") so "Retrying in N s"
 * counts down.
 * Returns whether the job is waiting. */
/* Sets the state without the engine: a job that cannot run at all (final,
 * with its reason), or one sent back to the queue.  Notifies like an event. */
void        dc_job_item_set_final      (DcJobItem *self, DcJobState state, const char *message);
gboolean    dc_job_item_tick           (DcJobItem *self);

/* The engine moved this job (its dock now films on another recorder or
 * channel, see dc_downloader_set_config()): TRUE if anything changed. */
gboolean dc_job_item_retarget (DcJobItem *self, const char *dvr, guint channel);

G_END_DECLS
