/* dc-downloader-private.h: the engine's shared state, between the owner's
 * API (dc-downloader.c) and the worker threads (dc-download-worker.c).
 * Everything here is guarded by DcDownloader.lock unless said otherwise. */
#pragma once

#include "download/dc-downloader.h"
#include "util/dc-log.h"

G_BEGIN_DECLS

typedef struct _DcDvrRunner DcDvrRunner;
typedef struct _DcWorker    DcWorker;
typedef struct _DcJob       DcJob;

struct _DcJob
{
  guint              id;
  DcDownloadRequest *request;      /* immutable */
  DcDvrRunner       *runner;
  DcWorker          *worker;       /* the worker running it, or NULL */
  DcJobState         state;
  int                attempt;       /* tries that failed or succeeded, busy answers excluded */
  int                busy_waits;    /* "recorder busy" answers in a row */
  guint              n_dropped;     /* attempts cut short: dropped, stalled, fewer bytes */
  gint64             not_before_us; /* monotonic; RETRY_WAIT */
  gboolean           cancel_requested;
  gboolean           pause_requested;
  gboolean           skipped;
  guint64            bytes_done;
  guint64            bytes_total;
  double             bytes_per_s;
  char              *message;
  GError            *error;
  char              *picture_path;
  char              *clip_path;
};

struct _DcDvrRunner
{
  DcDownloader *owner;
  /* The settings jobs start with.  dc_downloader_set_config() replaces it;
   * the ones it replaced stay in old_configs until the runner is freed,
   * since a running job's worker still uses the one it started with. */
  DcDvrConfig  *config;
  GPtrArray    *old_configs;   /* DcDvrConfig* */
  /* Its name, which new settings never change: what workers read without
   * the lock (it points into the first config, kept alive). */
  const char   *name;
  guint         config_serial; /* + 1 each time config is replaced */
  /* Removed from the settings: its jobs fail with removed_message. */
  gboolean      removed;
  DcLog        *log;           /* opened by the first worker */
  GQueue        queue;         /* DcJob* waiting: QUEUED or RETRY_WAIT */
  GPtrArray    *workers;       /* DcWorker* */
  GMutex        probe_lock;    /* one probe per recorder, not one per worker */
  DcDvrInfo    *info;          /* a copy of the first successful probe */
  gboolean      auth_failed;   /* a 401: no request until the operator retries */
  DcDvrState    state;
  guint         n_busy;        /* its jobs neither final nor paused */
  char         *message;       /* why it failed, operator words */
  /* Searches of settled spans, shared by the waybills in them (see
   * search_shared() in dc-download-worker.c): a past span's recordings do
   * not change. */
  GPtrArray    *searches;
};

struct _DcWorker
{
  DcDvrRunner  *runner;
  GThread      *thread;
  DcDvrSession *session;       /* created and freed by the worker thread */
  guint         index;         /* 0-based: workers at or past max-downloads take no job */
  guint         config_serial; /* of the runner's config its session was made from */
};

struct _DcDownloader
{
  GMutex               lock;
  GCond                cond;
  DcDownloaderOptions  options;
  GPtrArray           *jobs;      /* DcJob*, index = id - 1 */
  GHashTable          *runners;   /* name -> DcDvrRunner* */
  GAsyncQueue         *events;    /* its own lock */
  GSource             *source;
  GMainContext        *context;   /* atomic */
  guint                next_id;
  /* Clips are remuxed here, one per core at a time, not on the transfer
   * threads: libav's deep stacks and codec contexts then live in a few
   * threads instead of in each of 64 (bench 3: −9 MiB peak RSS), and CPU
   * work does not outnumber the cores. */
  GThreadPool         *media_pool;
  guint                n_busy;         /* jobs neither final nor paused */
  gboolean             quitting;
  gboolean             idle_sent;
  guint                run_serial;     /* + 1 each time a job becomes busy */
};

gpointer         dc_downloader_worker_main (gpointer data);
void             dc_shared_search_free (gpointer search);
void             dc_downloader_media_task_run (gpointer task, gpointer downloader);
DcDownloadEvent *dc_downloader_job_event_new (DcJob *job);
void             dc_downloader_emit_job (DcDownloader *self, DcJob *job);
void             dc_downloader_emit_dvr (DcDownloader *self, DcDvrRunner *runner, DcDvrState state);
void             dc_downloader_set_job_state (DcDownloader *self, DcJob *job, DcJobState state);
/* The error of a job whose recorder was removed from the settings. */
GError          *dc_downloader_removed_error (DcJob *job);

G_END_DECLS
