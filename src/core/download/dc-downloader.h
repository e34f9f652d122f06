/* dc-downloader.h: the download engine.
 *
 * One DcDownloader runs every job of a session of work.  Per configured
 * recorder it starts `max-downloads` worker GThreads, each with its own
 * DcDvrSession (libcurl handle), so one slow, dead or busy recorder never
 * holds back another.  Workers never touch the caller's objects and never
 * wait for the caller: they push DcDownloadEvent structs into a GAsyncQueue.
 * The caller drains it: dc_downloader_attach() does so from a GSource on
 * a main context, in batches, with progress coalesced.
 *
 * Every function here is called from the owner's thread (the UI thread);
 * none of them blocks on a worker except dc_downloader_shutdown(), which
 * cancels everything first and then joins (well under a second).
 */
#pragma once

#include <glib.h>

#include "download/dc-download-request.h"
#include "dvr/dc-config.h"
#include "dvr/dc-dvr.h"

G_BEGIN_DECLS

#define DC_DOWNLOAD_ERROR (dc_download_error_quark ())
GQuark dc_download_error_quark (void);

typedef enum
{
  DC_DOWNLOAD_ERROR_UNKNOWN_DVR,  /* the request names a DVR that is not configured */
  DC_DOWNLOAD_ERROR_OUTPUT,       /* cannot write the output folder / file */
  DC_DOWNLOAD_ERROR_GAVE_UP,      /* retryable failures until max attempts */
  DC_DOWNLOAD_ERROR_TOO_BIG,      /* the recorder sent far more than the window can hold */
  DC_DOWNLOAD_ERROR_SHORT,        /* the recorder sent less of the window than it has */
} DcDownloadError;

typedef enum
{
  DC_JOB_QUEUED,
  DC_JOB_CONNECTING,    /* signing in / probing the recorder */
  DC_JOB_SEARCHING,     /* checking that a recording exists */
  DC_JOB_DOWNLOADING,
  DC_JOB_PROCESSING,    /* decoding the frame / remuxing the clip */
  DC_JOB_RETRY_WAIT,    /* a retryable failure; next attempt at retry_at_us */
  DC_JOB_PAUSED,
  DC_JOB_DONE,          /* files in place (or already there: skipped = TRUE) */
  DC_JOB_FAILED,        /* with an operator-facing message */
  DC_JOB_CANCELLED,
  /* Final, counted with the missing: the recorder has no recording for
   * part of the clip window (its search says so).  The clip covering the
   * rest is kept as <stem>.partial.mp4 (never under the final name) and
   * the message gives the covered span in words; "Download missing"
   * retries it. */
  DC_JOB_PARTIAL,
} DcJobState;

const char *dc_job_state_to_string (DcJobState state);
gboolean    dc_job_state_is_final  (DcJobState state);

/* What a recorder's workers are doing, in operator words. */
typedef enum
{
  DC_DVR_STATE_IDLE,
  DC_DVR_STATE_CONNECTING,
  DC_DVR_STATE_SIGNED_IN,
  DC_DVR_STATE_DOWNLOADING,
  DC_DVR_STATE_DONE,
  DC_DVR_STATE_FAILED,  /* e.g. wrong password: no further attempt until retried */
} DcDvrState;

const char *dc_dvr_state_to_string (DcDvrState state);

typedef enum
{
  DC_EVENT_JOB,         /* job state and/or progress changed */
  DC_EVENT_DVR,         /* a recorder's state changed (and its probe info if signed in) */
  DC_EVENT_IDLE,        /* every job is final: the run has ended */
} DcEventKind;

typedef struct
{
  DcEventKind  kind;
  guint        job_id;
  char        *dvr;            /* the recorder of the job / the DVR event */
  DcJobState   state;
  int          attempt;        /* 1-based */
  guint64      bytes_done;
  guint64      bytes_total;    /* 0 when unknown */
  double       bytes_per_s;    /* recent speed */
  gint64       retry_at_us;    /* monotonic time of the next attempt (RETRY_WAIT) */
  gboolean     skipped;        /* DONE because the files were already there */
  char        *message;        /* operator-facing, translated; failures and retries */
  GError      *error;          /* the underlying error (domain/code for tests) */
  char        *picture_path;   /* DONE: the files written */
  char        *clip_path;      /* DONE: <stem>.mp4; PARTIAL: <stem>.partial.mp4 */
  /* DC_EVENT_DVR */
  DcDvrState   dvr_state;
  gint64       clock_offset_s;
  char        *dvr_model;
  /* DC_EVENT_IDLE, internal: the engine drops an idle that a later job
   * made stale before it was read */
  guint        run_serial;
} DcDownloadEvent;

DcDownloadEvent *dc_download_event_copy (const DcDownloadEvent *event);
void             dc_download_event_free (DcDownloadEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDownloadEvent, dc_download_event_free)

typedef struct
{
  char     *out_dir;           /* files go to <out_dir>/<batch>/ */
  char     *log_dir;           /* per-DVR logs; NULL = dc_log_default_dir() */
  gboolean  check_first;       /* search before downloading (default TRUE) */
  gboolean  overlay;           /* burn waybill/dock/time into pictures (default FALSE) */
  int       max_attempts;      /* per job, default 5 */
  gint64    retry_base_us;     /* first backoff, doubled each time (default 5 s) */
  gint64    retry_max_us;      /* cap (default 60 s) */
  guint     stall_timeout_s;   /* no bytes for this long = stalled (default 30) */
  /* The bitrate ceiling that bounds every transfer (bytes per second of
   * window; default DC_BUDGET_DEFAULT_BYTES_PER_S, 64 Mbit/s; tests lower it). */
  guint64   max_bytes_per_s;
  /* One search per recorder and channel for a settled span of up to 12
   * hours, covering the waybills queued on that channel, shared by all of
   * them (default TRUE): a recorder answers each request after a few
   * hundred milliseconds, and a Dahua search is five of them. */
  gboolean  share_searches;
} DcDownloaderOptions;

void dc_downloader_options_init (DcDownloaderOptions *options);  /* defaults; strings NULL */

typedef struct _DcDownloader DcDownloader;

/* Copies @config's DVRs (passwords included, wiped on free) and @options. */
DcDownloader *dc_downloader_new      (DcConfig *config, const DcDownloaderOptions *options);
/* Cancels every job, joins every worker, frees.  Safe with jobs running. */
void          dc_downloader_free     (DcDownloader *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDownloader, dc_downloader_free)

/* Queues a job; returns its id (> 0), or 0 with @error when the request
 * cannot be run at all (unknown DVR).  Workers start on demand. */
guint         dc_downloader_add      (DcDownloader *self, const DcDownloadRequest *request,
                                      GError **error);
const DcDownloadRequest *dc_downloader_get_request (DcDownloader *self, guint job_id);
guint         dc_downloader_get_n_jobs (DcDownloader *self);

/* Job control: per job, per DVR (dvr = name), or all (dvr = NULL). */
void          dc_downloader_cancel   (DcDownloader *self, guint job_id);
void          dc_downloader_pause    (DcDownloader *self, guint job_id);
void          dc_downloader_resume   (DcDownloader *self, guint job_id);
/* A FAILED, PARTIAL or CANCELLED job goes back to the queue. */
void          dc_downloader_retry    (DcDownloader *self, guint job_id);
void          dc_downloader_cancel_dvr (DcDownloader *self, const char *dvr);
void          dc_downloader_pause_dvr  (DcDownloader *self, const char *dvr);
void          dc_downloader_resume_dvr (DcDownloader *self, const char *dvr);
/* "Download missing": every FAILED/PARTIAL/CANCELLED job back to the queue.
 * Returns how many. */
guint         dc_downloader_retry_failed (DcDownloader *self);

/* New settings for a run in progress (the operator saved the DVR or
 * dock settings).  Jobs that have not started take them: a recorder's
 * address, user, password, brand, limits (max-downloads) and the dock map
 * (a waybill whose dock now points at another channel or recorder goes
 * there).  Jobs running finish on the settings they started with.  A
 * recorder that is no longer configured: its jobs that have not started
 * fail, saying so; new jobs for it are refused as for any unknown DVR.
 * A recorder added is ready for dc_downloader_add().  @config is copied. */
void          dc_downloader_set_config (DcDownloader *self, DcConfig *config);

/* Cancels everything and joins every worker (quit).  Events already
 * queued can still be popped. */
void          dc_downloader_shutdown (DcDownloader *self);

/* The event queue. */
DcDownloadEvent *dc_downloader_try_pop_event   (DcDownloader *self);
DcDownloadEvent *dc_downloader_timed_pop_event (DcDownloader *self, gint64 timeout_us);

/* Drains the queue on @context (NULL = default) whenever events arrive,
 * calling @func for each event (the callee does not own it).  Progress
 * events of one job are coalesced to at most ~30 per second.  Returns the
 * GSource id; dc_downloader_free() removes it. */
typedef void (*DcDownloaderEventFunc) (DcDownloader *self, const DcDownloadEvent *event,
                                       gpointer user_data);
guint         dc_downloader_attach (DcDownloader *self, GMainContext *context,
                                    DcDownloaderEventFunc func, gpointer user_data);

G_END_DECLS
