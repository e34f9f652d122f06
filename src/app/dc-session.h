/* dc-session.h: the day's work, under the windows.
 *
 * One DcSession, owned by the application, holds everything the operator's
 * work consists of: the DVR/dock configuration, the open e-sheets, the
 * download engine and one job store (a GListModel of DcJobItem) to which
 * each engine event is applied exactly once.  Status is derived here, per
 * recorder and for the run, and nowhere else.  Widgets are views: they
 * bind to its properties and models and call its methods; rebuilding,
 * hiding or closing one loses nothing.
 *
 * It is a plain GObject (no GTK): tests drive it without any window. */
#pragma once

#include <glib-object.h>
#include <gio/gio.h>

#include "download/dc-downloader.h"
#include "dvr/dc-config.h"
#include "esheet/dc-esheet.h"

#include "dc-app-settings.h"
#include "dc-job-item.h"

G_BEGIN_DECLS

/* What a job (or a recorder, or the run) is doing, in the words the
 * operator reads.  Every job state maps to exactly one of these. */
typedef enum
{
  DC_RUN_QUEUED,
  DC_RUN_RUNNING,
  DC_RUN_PAUSED,
  DC_RUN_RETRY_WAIT,
  DC_RUN_FAILED,      /* failed, stopped, or never possible (dock not mapped) */
  DC_RUN_PARTIAL,     /* a clip shorter than its window */
  DC_RUN_DONE,
  DC_RUN_N_KINDS
} DcRunKind;

DcRunKind dc_run_kind_for_state (DcJobState state);

typedef struct
{
  guint   n[DC_RUN_N_KINDS];
  guint   total;
  double  fraction;        /* sum of the jobs' fractions */
} DcRunCounts;

/* A recorder as its card shows it. */
typedef struct
{
  DcRunCounts  counts;
  DcDvrState   dvr_state;      /* the engine's last word */
  gboolean     paused;         /* the operator paused it */
  gint64       clock_offset_s; /* G_MININT64: not checked */
  const char  *model;
  const char  *last_error;     /* the newest failure or retry reason, or NULL */
} DcRecorderStatus;

typedef enum
{
  DC_STATUS_TONE_NORMAL,
  DC_STATUS_TONE_DIM,
  DC_STATUS_TONE_ERROR,
  DC_STATUS_TONE_SUCCESS,
} DcStatusTone;

#define DC_TYPE_SESSION (dc_session_get_type ())
G_DECLARE_FINAL_TYPE (DcSession, dc_session, DC, SESSION, GObject)

DcSession  *dc_session_new               (void);

/* Settings (properties "output-dir", "pre-seconds", "post-seconds",
 * "check-first", "mode" ("picture", "clip", "both"), bound to GSettings
 * by the application).  The returned struct is the session's own; after
 * changing it directly call dc_session_settings_changed(). */
DcAppSettings *dc_session_get_settings   (DcSession *self);
void        dc_session_settings_changed  (DcSession *self);
DcOutputMode dc_session_get_mode         (DcSession *self);
void        dc_session_set_mode          (DcSession *self, DcOutputMode mode);
/* Where the files go: the demo's folder while the demo config is used. */
const char *dc_session_get_out_dir       (DcSession *self);
/* "~/Dockclip" */
char       *dc_session_dup_out_dir_display (DcSession *self);

/* The configuration.  set_config takes ownership; @save writes the key
 * file (the demo's config is not saved).  "config-changed" follows. */
DcConfig   *dc_session_get_config        (DcSession *self);
gboolean    dc_session_set_config        (DcSession *self, DcConfig *config, gboolean save,
                                          GError **error);
void        dc_session_set_demo          (DcSession *self, const char *demo_out_dir);
gboolean    dc_session_is_demo           (DcSession *self);
/* The key file the recorders live in (NULL = the default). */
void        dc_session_set_config_path   (DcSession *self, const char *path);
gboolean    dc_session_load_config       (DcSession *self, GError **error);

/* E-sheets (a GListModel of DcEsheet).  Adding one reads the status of
 * its waybills from the output folder and remembers it as open. */
GListModel *dc_session_get_esheets       (DcSession *self);
void        dc_session_add_esheet        (DcSession *self, DcEsheet *esheet, const char *path);
/* The file the e-sheet of @batch (its output sub-folder) was opened
 * from, or NULL. */
const char *dc_session_get_esheet_path   (DcSession *self, const char *batch);
/* Undo of an operation on a sheet: @copy takes @esheet's place. */
void        dc_session_replace_esheet    (DcSession *self, DcEsheet *esheet, DcEsheet *copy);
/* Paths of the e-sheets open at the end of the last session (property
 * "open-esheets", bound to GSettings), newest last. */
const char * const *dc_session_get_open_paths (DcSession *self);

/* The job store: every job of this session, in the order queued. */
GListModel *dc_session_get_jobs          (DcSession *self);
/* The newest job of a waybill of @batch (NULL: any batch), or NULL. */
DcJobItem  *dc_session_lookup_job        (DcSession *self, const char *batch, const char *waybill);
/* The status text and tone of a waybill as the table shows it. */
char       *dc_session_dup_waybill_status (DcSession *self, DcEsheet *esheet, const char *waybill,
                                           const char *dock, DcStatusTone *tone);

/* Queues the selected scans of @esheet (all of them when none is
 * selected) on @dvr (NULL: every recorder).  Scans whose dock is not
 * mapped, or mapped to a recorder that does not exist, become final jobs
 * of the run with that reason (only when @dvr is NULL).  Returns the
 * number of jobs added (engine jobs and final ones). */
guint       dc_session_download          (DcSession *self, DcEsheet *esheet, const char *dvr,
                                          GError **error);
/* Every failed, stopped or partial job again, and the scans of e-sheets
 * reopened after a restart whose files are not in the output folder. */
guint       dc_session_download_missing  (DcSession *self);
guint       dc_session_count_missing     (DcSession *self);
void        dc_session_stop              (DcSession *self, const char *dvr);
void        dc_session_pause             (DcSession *self, const char *dvr);
void        dc_session_resume            (DcSession *self, const char *dvr);
void        dc_session_job_pause_toggle  (DcSession *self, DcJobItem *item);
void        dc_session_job_cancel        (DcSession *self, DcJobItem *item);
void        dc_session_job_retry         (DcSession *self, DcJobItem *item);
/* Cancels and joins every worker (quit); the session stays usable. */
void        dc_session_shutdown          (DcSession *self);

/* Status, derived from the job store. */
gboolean    dc_session_is_busy           (DcSession *self);   /* a job not final */
void        dc_session_get_run_counts    (DcSession *self, DcRunCounts *out);
void        dc_session_get_recorder_status (DcSession *self, const char *dvr,
                                            DcRecorderStatus *out);
char       *dc_session_dup_recorder_text (DcSession *self, const char *dvr, DcStatusTone *tone);
/* "All 13 downloads done." / "12 of 161 done · 60 paused …" */
char       *dc_session_dup_run_text      (DcSession *self, DcStatusTone *tone);
/* The missing jobs grouped by cause, biggest group first: each line
 * "52 — recorder dahua-south cannot be reached". */
GPtrArray  *dc_session_dup_missing_groups (DcSession *self);

G_END_DECLS
