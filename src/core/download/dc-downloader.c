#define G_LOG_DOMAIN "dc-downloader"

#include "config.h"

#include <glib/gi18n.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "download/dc-downloader.h"
#include "download/dc-downloader-private.h"
#include "download/dc-download-budget.h"
#include "util/dc-file-util.h"

/* How often a worker may report progress of one job.  The main-loop source
 * coalesces further (at most ~30 dispatches a second). */
#define PROGRESS_INTERVAL_US   (100 * 1000)
#define DISPATCH_INTERVAL_US   (33 * 1000)

G_DEFINE_QUARK (dc-download-error-quark, dc_download_error)

static const char *const job_state_names[] = {
  "queued", "connecting", "searching", "downloading", "processing",
  "retry-wait", "paused", "done", "failed", "cancelled", "partial",
};

const char *
dc_job_state_to_string (DcJobState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (job_state_names), "unknown");
  return job_state_names[state];
}

gboolean
dc_job_state_is_final (DcJobState state)
{
  return state == DC_JOB_DONE || state == DC_JOB_FAILED || state == DC_JOB_CANCELLED ||
         state == DC_JOB_PARTIAL;
}

static const char *const dvr_state_names[] = {
  "idle", "connecting", "signed-in", "downloading", "done", "failed",
};

const char *
dc_dvr_state_to_string (DcDvrState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (dvr_state_names), "unknown");
  return dvr_state_names[state];
}

DcDownloadEvent *
dc_download_event_copy (const DcDownloadEvent *event)
{
  DcDownloadEvent *copy = g_memdup2 (event, sizeof *event);

  copy->dvr = g_strdup (event->dvr);
  copy->message = g_strdup (event->message);
  copy->error = event->error ? g_error_copy (event->error) : NULL;
  copy->picture_path = g_strdup (event->picture_path);
  copy->clip_path = g_strdup (event->clip_path);
  copy->dvr_model = g_strdup (event->dvr_model);
  return copy;
}

void
dc_download_event_free (DcDownloadEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->dvr);
  g_free (event->message);
  g_clear_error (&event->error);
  g_free (event->picture_path);
  g_free (event->clip_path);
  g_free (event->dvr_model);
  g_free (event);
}

void
dc_downloader_options_init (DcDownloaderOptions *options)
{
  memset (options, 0, sizeof *options);
  options->check_first = TRUE;
  options->overlay = FALSE;
  options->max_attempts = 5;
  options->retry_base_us = 5 * G_USEC_PER_SEC;
  options->retry_max_us = 60 * G_USEC_PER_SEC;
  options->stall_timeout_s = 30;
  options->max_bytes_per_s = DC_BUDGET_DEFAULT_BYTES_PER_S;
  options->share_searches = TRUE;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

static void
push_event (DcDownloader *self, DcDownloadEvent *event)
{
  GMainContext *context;

  g_async_queue_push (self->events, event);
  context = g_atomic_pointer_get (&self->context);
  if (context != NULL)
    g_main_context_wakeup (context);
}

/* Called with the lock held. */
DcDownloadEvent *
dc_downloader_job_event_new (DcJob *job)
{
  DcDownloadEvent *event = g_new0 (DcDownloadEvent, 1);

  event->kind = DC_EVENT_JOB;
  event->job_id = job->id;
  event->dvr = g_strdup (job->request->dvr);
  event->state = job->state;
  event->attempt = job->attempt;
  event->bytes_done = job->bytes_done;
  event->bytes_total = job->bytes_total;
  event->bytes_per_s = job->bytes_per_s;
  event->retry_at_us = job->not_before_us;
  event->skipped = job->skipped;
  event->message = g_strdup (job->message);
  event->error = job->error ? g_error_copy (job->error) : NULL;
  event->picture_path = g_strdup (job->picture_path);
  event->clip_path = g_strdup (job->clip_path);
  return event;
}

/* Called with the lock held. */
void
dc_downloader_emit_job (DcDownloader *self, DcJob *job)
{
  push_event (self, dc_downloader_job_event_new (job));
}

/* Called with the lock held. */
void
dc_downloader_emit_dvr (DcDownloader *self, DcDvrRunner *runner, DcDvrState state)
{
  DcDownloadEvent *event;

  if (runner->state == state && state != DC_DVR_STATE_SIGNED_IN)
    return;
  runner->state = state;
  event = g_new0 (DcDownloadEvent, 1);
  event->kind = DC_EVENT_DVR;
  event->dvr = g_strdup (runner->config->name);
  event->dvr_state = state;
  if (runner->info != NULL)
    {
      event->clock_offset_s = runner->info->clock_offset_s;
      event->dvr_model = g_strdup (runner->info->model);
    }
  event->message = g_strdup (runner->message);
  push_event (self, event);
}

static gboolean
job_state_is_busy (DcJobState state)
{
  return !dc_job_state_is_final (state) && state != DC_JOB_PAUSED;
}

/* Called with the lock held after a job became final (or paused).  The
 * busy counts are kept on every state change, so this costs nothing per
 * job even in a run of many thousands. */
static void
check_idle (DcDownloader *self, DcDvrRunner *runner)
{
  if (runner != NULL && runner->n_busy == 0 && runner->state != DC_DVR_STATE_FAILED)
    dc_downloader_emit_dvr (self, runner, DC_DVR_STATE_DONE);
  if (self->n_busy == 0 && !self->idle_sent)
    {
      DcDownloadEvent *event = g_new0 (DcDownloadEvent, 1);
      event->kind = DC_EVENT_IDLE;
      event->run_serial = self->run_serial;
      self->idle_sent = TRUE;
      push_event (self, event);
    }
}

/* Called with the lock held: moves @job to a new state and reports it. */
void
dc_downloader_set_job_state (DcDownloader *self, DcJob *job, DcJobState state)
{
  gboolean was_busy = job_state_is_busy (job->state);
  gboolean busy = job_state_is_busy (state);

  job->state = state;
  if (busy && !was_busy)
    {
      self->run_serial++;
      self->n_busy++;
      job->runner->n_busy++;
    }
  else if (!busy && was_busy)
    {
      self->n_busy--;
      job->runner->n_busy--;
    }
  if (busy)
    self->idle_sent = FALSE;
  dc_downloader_emit_job (self, job);
  if (!busy)
    check_idle (self, job->runner);
}

/* An "idle" pushed when the last job ended, read after more jobs were
 * added (a picture, or a file already there, can be done before the
 * caller has queued the next job): not the end of the run, even when
 * those are done too by now — the newest idle says that, once. */
static gboolean
event_is_stale (DcDownloader *self, const DcDownloadEvent *event)
{
  gboolean stale;

  if (event->kind != DC_EVENT_IDLE)
    return FALSE;
  g_mutex_lock (&self->lock);
  stale = self->n_busy > 0 || event->run_serial != self->run_serial;
  g_mutex_unlock (&self->lock);
  return stale;
}

DcDownloadEvent *
dc_downloader_try_pop_event (DcDownloader *self)
{
  DcDownloadEvent *event;

  while ((event = g_async_queue_try_pop (self->events)) != NULL && event_is_stale (self, event))
    dc_download_event_free (event);
  return event;
}

DcDownloadEvent *
dc_downloader_timed_pop_event (DcDownloader *self, gint64 timeout_us)
{
  gint64 end = g_get_monotonic_time () + MAX (timeout_us, 0);
  DcDownloadEvent *event;

  while ((event = g_async_queue_timeout_pop (self->events,
                                             (guint64) MAX (end - g_get_monotonic_time (), 0))) != NULL &&
         event_is_stale (self, event))
    dc_download_event_free (event);
  return event;
}

/* ------------------------------------------------------------------ */
/* Main-loop source: drains the queue in batches, coalescing progress.  */

typedef struct
{
  GSource                source;
  DcDownloader          *downloader;
  DcDownloaderEventFunc  func;
  gpointer               user_data;
  gint64                 last_dispatch_us;
} EventSource;

static gboolean
event_source_prepare (GSource *source, gint *timeout)
{
  EventSource *es = (EventSource *) source;
  gint64 wait_us;

  *timeout = -1;
  if (g_async_queue_length (es->downloader->events) <= 0)
    return FALSE;
  wait_us = es->last_dispatch_us + DISPATCH_INTERVAL_US - g_get_monotonic_time ();
  if (wait_us <= 0)
    return TRUE;
  *timeout = (gint) ((wait_us + 999) / 1000);
  return FALSE;
}

static gboolean
event_source_check (GSource *source)
{
  gint timeout;
  return event_source_prepare (source, &timeout);
}

static gboolean
is_progress_only (const DcDownloadEvent *event)
{
  return event->kind == DC_EVENT_JOB && event->state == DC_JOB_DOWNLOADING && event->message == NULL;
}

static gboolean
event_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  EventSource *es = (EventSource *) source;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_download_event_free);
  g_autoptr(GHashTable) last_progress = g_hash_table_new (NULL, NULL);
  DcDownloadEvent *event;

  es->last_dispatch_us = g_get_monotonic_time ();
  while ((event = g_async_queue_try_pop (es->downloader->events)) != NULL)
    {
      g_ptr_array_add (batch, event);
      if (is_progress_only (event))
        g_hash_table_insert (last_progress, GUINT_TO_POINTER (event->job_id), event);
    }

  for (guint i = 0; i < batch->len; i++)
    {
      event = g_ptr_array_index (batch, i);
      /* Of several progress reports of one job in a batch, only the last
       * one matters to a progress bar. */
      if (is_progress_only (event) &&
          g_hash_table_lookup (last_progress, GUINT_TO_POINTER (event->job_id)) != event)
        continue;
      if (event_is_stale (es->downloader, event))
        continue;
      if (es->func != NULL)
        es->func (es->downloader, event, es->user_data);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs event_source_funcs = {
  event_source_prepare, event_source_check, event_source_dispatch, NULL, NULL, NULL
};

guint
dc_downloader_attach (DcDownloader *self, GMainContext *context,
                      DcDownloaderEventFunc func, gpointer user_data)
{
  EventSource *es;
  guint id;

  g_return_val_if_fail (self->source == NULL, 0);
  if (context == NULL)
    context = g_main_context_default ();

  es = (EventSource *) g_source_new (&event_source_funcs, sizeof (EventSource));
  es->downloader = self;
  es->func = func;
  es->user_data = user_data;
  g_source_set_name ((GSource *) es, "DcDownloader events");
  g_source_set_priority ((GSource *) es, G_PRIORITY_DEFAULT_IDLE);
  id = g_source_attach ((GSource *) es, context);
  self->source = (GSource *) es;
  g_atomic_pointer_set (&self->context, g_main_context_ref (context));
  g_main_context_wakeup (context);
  return id;
}

/* ------------------------------------------------------------------ */
/* Construction                                                        */

static DcDvrRunner *
runner_new (DcDownloader *self, const DcDvrConfig *cfg)
{
  DcDvrRunner *runner = g_new0 (DcDvrRunner, 1);

  runner->owner = self;
  runner->config = dc_dvr_config_copy (cfg);
  runner->name = runner->config->name;
  runner->old_configs = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_config_free);
  runner->workers = g_ptr_array_new ();
  g_mutex_init (&runner->probe_lock);
  g_queue_init (&runner->queue);
  runner->searches = g_ptr_array_new_with_free_func (dc_shared_search_free);
  return runner;
}

static void
runner_free (DcDvrRunner *runner)
{
  g_assert (runner->workers->len == 0);
  g_ptr_array_unref (runner->workers);
  g_queue_clear (&runner->queue);
  g_clear_pointer (&runner->info, dc_dvr_info_free);
  g_clear_pointer (&runner->searches, g_ptr_array_unref);
  g_clear_pointer (&runner->log, dc_log_unref);
  g_clear_pointer (&runner->config, dc_dvr_config_free);
  g_clear_pointer (&runner->old_configs, g_ptr_array_unref);
  g_free (runner->message);
  g_mutex_clear (&runner->probe_lock);
  g_free (runner);
}

static void
job_free (DcJob *job)
{
  dc_download_request_free (job->request);
  g_free (job->message);
  g_clear_error (&job->error);
  g_free (job->picture_path);
  g_free (job->clip_path);
  g_free (job);
}

/* glibc gives each thread that allocates its own arena, up to 8 per core:
 * with 64 transfer threads their mostly idle heaps were a third of the
 * process's memory (112 -> 78 MiB peak with two arenas in bench 3).  The
 * threads mostly wait on sockets, and each keeps a small per-thread cache
 * anyway, so a few arenas cost no measurable speed.  An operator's
 * MALLOC_ARENA_MAX still wins. */
static void
limit_malloc_arenas (void)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      if (g_getenv ("MALLOC_ARENA_MAX") == NULL)
        mallopt (M_ARENA_MAX, (int) MAX (2, g_get_num_processors ()));
      g_once_init_leave (&once, 1);
    }
#endif
}

DcDownloader *
dc_downloader_new (DcConfig *config, const DcDownloaderOptions *options)
{
  DcDownloader *self;
  GPtrArray *dvrs;

  limit_malloc_arenas ();
  self = g_new0 (DcDownloader, 1);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->events = g_async_queue_new_full ((GDestroyNotify) dc_download_event_free);
  self->media_pool = g_thread_pool_new (dc_downloader_media_task_run, self,
                                        (int) MAX (g_get_num_processors (), 1), FALSE, NULL);
  self->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  self->runners = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) runner_free);
  self->next_id = 1;
  self->idle_sent = TRUE;

  if (options != NULL)
    self->options = *options;
  else
    dc_downloader_options_init (&self->options);
  self->options.out_dir = g_strdup (options && options->out_dir ? options->out_dir : ".");
  self->options.log_dir = options && options->log_dir ? g_strdup (options->log_dir)
                                                        : dc_log_default_dir ();
  if (self->options.max_attempts < 1)
    self->options.max_attempts = 1;

  dvrs = dc_config_get_dvrs (config);
  for (guint i = 0; i < dvrs->len; i++)
    {
      const DcDvrConfig *cfg = g_ptr_array_index (dvrs, i);
      DcDvrRunner *runner = runner_new (self, cfg);
      g_hash_table_insert (self->runners, runner->config->name, runner);
    }
  return self;
}

void
dc_downloader_shutdown (DcDownloader *self)
{
  GHashTableIter iter;
  DcDvrRunner *runner;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  g_mutex_lock (&self->lock);
  self->quitting = TRUE;
  for (guint i = 0; i < self->jobs->len; i++)
    {
      DcJob *job = g_ptr_array_index (self->jobs, i);

      if (dc_job_state_is_final (job->state))
        continue;
      if (job->worker != NULL)
        {
          job->cancel_requested = TRUE;
          if (job->worker->session != NULL)
            dc_dvr_session_cancel (job->worker->session);
        }
      else
        {
          g_queue_remove (&job->runner->queue, job);
          dc_downloader_set_job_state (self, job, DC_JOB_CANCELLED);
        }
    }
  g_hash_table_iter_init (&iter, self->runners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &runner))
    {
      for (guint i = 0; i < runner->workers->len; i++)
        {
          DcWorker *worker = g_ptr_array_index (runner->workers, i);
          g_ptr_array_add (threads, worker->thread);
        }
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->runners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &runner))
    {
      for (guint i = 0; i < runner->workers->len; i++)
        g_free (g_ptr_array_index (runner->workers, i));
      g_ptr_array_set_size (runner->workers, 0);
    }
  g_mutex_unlock (&self->lock);
}

void
dc_downloader_free (DcDownloader *self)
{
  GMainContext *context;

  if (self == NULL)
    return;
  dc_downloader_shutdown (self);
  /* every worker has waited for its clip: nothing is queued any more */
  g_thread_pool_free (self->media_pool, FALSE, TRUE);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_source_unref (self->source);
    }
  context = g_atomic_pointer_get (&self->context);
  if (context != NULL)
    g_main_context_unref (context);
  g_hash_table_unref (self->runners);
  g_ptr_array_unref (self->jobs);
  g_async_queue_unref (self->events);
  g_free (self->options.out_dir);
  g_free (self->options.log_dir);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */

/* Called with the lock held. */
static void
ensure_workers (DcDownloader *self, DcDvrRunner *runner)
{
  guint n = MAX (runner->config->max_downloads, 1);

  while (runner->workers->len < n)
    {
      DcWorker *worker = g_new0 (DcWorker, 1);
      g_autofree char *name = g_strdup_printf ("dc-dvr-%s-%u", runner->config->name,
                                               runner->workers->len);
      worker->runner = runner;
      worker->index = runner->workers->len;
      g_ptr_array_add (runner->workers, worker);
      worker->thread = g_thread_new (name, dc_downloader_worker_main, worker);
    }
}

guint
dc_downloader_add (DcDownloader *self, const DcDownloadRequest *request, GError **error)
{
  DcDvrRunner *runner;
  DcJob *job;
  guint id;

  g_return_val_if_fail (self != NULL && request != NULL, 0);

  g_mutex_lock (&self->lock);
  runner = g_hash_table_lookup (self->runners, request->dvr ? request->dvr : "");
  if (runner == NULL || runner->removed || self->quitting)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR,
                   _("Waybill %s: dock %s is mapped to DVR “%s”, which is not configured. "
                     "Add it in the DVR settings or fix the dock map."),
                   request->waybill, request->dock ? request->dock : "?",
                   request->dvr ? request->dvr : "");
      return 0;
    }
  job = g_new0 (DcJob, 1);
  job->id = id = self->next_id++;
  job->request = dc_download_request_copy (request);
  job->runner = runner;
  job->state = DC_JOB_QUEUED;
  self->run_serial++;
  self->n_busy++;
  runner->n_busy++;
  g_ptr_array_add (self->jobs, job);
  g_queue_push_tail (&runner->queue, job);
  self->idle_sent = FALSE;
  dc_downloader_emit_job (self, job);
  ensure_workers (self, runner);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return id;
}

/* Called with the lock held. */
static DcJob *
find_job (DcDownloader *self, guint job_id)
{
  /* ids are dense and start at 1 */
  if (job_id == 0 || job_id > self->jobs->len)
    return NULL;
  return g_ptr_array_index (self->jobs, job_id - 1);
}

const DcDownloadRequest *
dc_downloader_get_request (DcDownloader *self, guint job_id)
{
  DcJob *job;

  g_mutex_lock (&self->lock);
  job = find_job (self, job_id);
  g_mutex_unlock (&self->lock);
  /* requests are immutable once queued, and jobs live as long as self */
  return job ? job->request : NULL;
}

guint
dc_downloader_get_n_jobs (DcDownloader *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->jobs->len;
  g_mutex_unlock (&self->lock);
  return n;
}

/* Called with the lock held.  Stops @job: a queued one at once, a running
 * one by aborting its transfer (the worker reports the final state). */
static void
stop_job (DcDownloader *self, DcJob *job, DcJobState target)
{
  if (dc_job_state_is_final (job->state))
    return;
  if (job->worker != NULL)
    {
      if (target == DC_JOB_PAUSED)
        job->pause_requested = TRUE;
      else
        job->cancel_requested = TRUE;
      if (job->worker->session != NULL)
        dc_dvr_session_cancel (job->worker->session);
      return;
    }
  if (job->state == DC_JOB_PAUSED && target == DC_JOB_PAUSED)
    return;
  g_queue_remove (&job->runner->queue, job);
  dc_downloader_set_job_state (self, job, target);
}

/* Called with the lock held. */
static void
requeue_job (DcDownloader *self, DcJob *job, gboolean front)
{
  if (job->worker != NULL || self->quitting)
    return;
  g_queue_remove (&job->runner->queue, job);
  job->not_before_us = 0;
  job->cancel_requested = FALSE;
  job->pause_requested = FALSE;
  g_clear_pointer (&job->message, g_free);
  g_clear_error (&job->error);
  if (front)
    g_queue_push_head (&job->runner->queue, job);
  else
    g_queue_push_tail (&job->runner->queue, job);
  dc_downloader_set_job_state (self, job, DC_JOB_QUEUED);
  ensure_workers (self, job->runner);
  g_cond_broadcast (&self->cond);
}

void
dc_downloader_cancel (DcDownloader *self, guint job_id)
{
  DcJob *job;

  g_mutex_lock (&self->lock);
  if ((job = find_job (self, job_id)) != NULL)
    stop_job (self, job, DC_JOB_CANCELLED);
  g_mutex_unlock (&self->lock);
}

void
dc_downloader_pause (DcDownloader *self, guint job_id)
{
  DcJob *job;

  g_mutex_lock (&self->lock);
  if ((job = find_job (self, job_id)) != NULL)
    stop_job (self, job, DC_JOB_PAUSED);
  g_mutex_unlock (&self->lock);
}

void
dc_downloader_resume (DcDownloader *self, guint job_id)
{
  DcJob *job;

  g_mutex_lock (&self->lock);
  job = find_job (self, job_id);
  if (job != NULL && job->state == DC_JOB_PAUSED)
    requeue_job (self, job, TRUE);
  else if (job != NULL)
    job->pause_requested = FALSE;
  g_mutex_unlock (&self->lock);
}

/* Called with the lock held. */
static void
retry_job_locked (DcDownloader *self, DcJob *job)
{
  if (job->state != DC_JOB_FAILED && job->state != DC_JOB_CANCELLED &&
      job->state != DC_JOB_PARTIAL)
    return;
  /* The operator asks again: maybe the password was fixed meanwhile. */
  if (job->runner->auth_failed)
    {
      job->runner->auth_failed = FALSE;
      g_clear_pointer (&job->runner->message, g_free);
      job->runner->state = DC_DVR_STATE_IDLE;
    }
  job->attempt = 0;
  job->busy_waits = 0;
  job->n_dropped = 0;
  requeue_job (self, job, FALSE);
}

void
dc_downloader_retry (DcDownloader *self, guint job_id)
{
  DcJob *job;

  g_mutex_lock (&self->lock);
  if ((job = find_job (self, job_id)) != NULL)
    retry_job_locked (self, job);
  g_mutex_unlock (&self->lock);
}

guint
dc_downloader_retry_failed (DcDownloader *self)
{
  guint n = 0;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->jobs->len; i++)
    {
      DcJob *job = g_ptr_array_index (self->jobs, i);
      if (job->state == DC_JOB_FAILED || job->state == DC_JOB_CANCELLED ||
          job->state == DC_JOB_PARTIAL)
        {
          retry_job_locked (self, job);
          n++;
        }
    }
  g_mutex_unlock (&self->lock);
  return n;
}

typedef enum { DVR_CANCEL, DVR_PAUSE, DVR_RESUME } DvrAction;

static void
for_dvr (DcDownloader *self, const char *dvr, DvrAction action)
{
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->jobs->len; i++)
    {
      DcJob *job = g_ptr_array_index (self->jobs, i);

      if (dvr != NULL && g_strcmp0 (job->request->dvr, dvr) != 0)
        continue;
      switch (action)
        {
        case DVR_CANCEL:
          stop_job (self, job, DC_JOB_CANCELLED);
          break;
        case DVR_PAUSE:
          stop_job (self, job, DC_JOB_PAUSED);
          break;
        case DVR_RESUME:
          if (job->state == DC_JOB_PAUSED)
            requeue_job (self, job, FALSE);
          else
            job->pause_requested = FALSE;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_mutex_unlock (&self->lock);
}

void
dc_downloader_cancel_dvr (DcDownloader *self, const char *dvr)
{
  for_dvr (self, dvr, DVR_CANCEL);
}

void
dc_downloader_pause_dvr (DcDownloader *self, const char *dvr)
{
  for_dvr (self, dvr, DVR_PAUSE);
}

void
dc_downloader_resume_dvr (DcDownloader *self, const char *dvr)
{
  for_dvr (self, dvr, DVR_RESUME);
}

/* ------------------------------------------------------------------ */
/* Settings changed during a run                                       */

GError *
dc_downloader_removed_error (DcJob *job)
{
  return g_error_new (DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR,
                      _("Waybill %s was not downloaded: DVR %s was removed from the DVR "
                        "settings."), job->request->waybill, job->request->dvr);
}

/* The settings a session is made from (all but the limits). */
static gboolean
same_connection (const DcDvrConfig *a, const DcDvrConfig *b)
{
  return a->brand == b->brand && g_strcmp0 (a->url, b->url) == 0 &&
         g_strcmp0 (a->user, b->user) == 0 && g_strcmp0 (a->password, b->password) == 0 &&
         a->time_mode == b->time_mode && a->download_by_time == b->download_by_time &&
         g_strcmp0 (a->tls_pin, b->tls_pin) == 0;
}

/* Called with the lock held: @runner's jobs start with @cfg from now on. */
static void
runner_take_config (DcDownloader *self, DcDvrRunner *runner, const DcDvrConfig *cfg)
{
  gboolean reconnect = !same_connection (runner->config, cfg);

  if (!reconnect && runner->config->max_downloads == cfg->max_downloads && !runner->removed)
    return;
  g_ptr_array_add (runner->old_configs, runner->config);
  runner->config = dc_dvr_config_copy (cfg);
  runner->config_serial++;
  runner->removed = FALSE;
  dc_log_printf (runner->log, "settings changed%s: jobs that start from now use them",
                 reconnect ? " (address, sign-in or brand)" : "");
  if (reconnect)
    {
      /* Another device, or the same one asked differently: what was
       * learned of the old one (its probe, its recordings, a refused
       * password) says nothing about it. */
      g_clear_pointer (&runner->info, dc_dvr_info_free);
      g_ptr_array_set_size (runner->searches, 0);
      runner->auth_failed = FALSE;
      g_clear_pointer (&runner->message, g_free);
      runner->state = DC_DVR_STATE_IDLE;
    }
  if (runner->queue.length > 0)
    ensure_workers (self, runner);
}

/* Called with the lock held: a job that has not started follows its dock
 * to the channel and recorder the new dock map gives it. */
static void
job_follow_dock (DcDownloader *self, DcJob *job, DcConfig *config)
{
  const DcDockMap *map;
  DcDvrRunner *target;
  gboolean queued;

  if (job->worker != NULL || job->state == DC_JOB_DONE || job->request->dock == NULL ||
      (map = dc_config_lookup_dock (config, job->request->dock)) == NULL)
    return;
  target = g_hash_table_lookup (self->runners, map->dvr);
  if (target == NULL || target->removed)
    return;
  job->request->channel = map->channel;
  if (target == job->runner)
    return;
  queued = g_queue_remove (&job->runner->queue, job);
  if (job_state_is_busy (job->state))
    {
      job->runner->n_busy--;
      target->n_busy++;
    }
  g_free (job->request->dvr);
  job->request->dvr = g_strdup (map->dvr);
  job->runner = target;
  if (queued)
    {
      g_queue_push_tail (&target->queue, job);
      ensure_workers (self, target);
    }
}

/* Called with the lock held: the jobs of a removed recorder that have not
 * started fail, saying so (a running one finishes). */
static void
runner_remove (DcDownloader *self, DcDvrRunner *runner)
{
  GList *l;

  if (runner->removed)
    return;
  runner->removed = TRUE;
  dc_log_printf (runner->log, "removed from the settings: its jobs that have not started fail");
  while ((l = runner->queue.head) != NULL)
    {
      DcJob *job = l->data;

      g_queue_delete_link (&runner->queue, l);
      g_free (job->message);
      g_clear_error (&job->error);
      job->error = dc_downloader_removed_error (job);
      job->message = g_strdup (job->error->message);
      dc_downloader_set_job_state (self, job, DC_JOB_FAILED);
    }
}

void
dc_downloader_set_config (DcDownloader *self, DcConfig *config)
{
  GPtrArray *dvrs;
  GHashTableIter iter;
  DcDvrRunner *runner;

  g_return_if_fail (self != NULL && config != NULL);

  dvrs = dc_config_get_dvrs (config);
  g_mutex_lock (&self->lock);
  if (self->quitting)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  for (guint i = 0; i < dvrs->len; i++)
    {
      const DcDvrConfig *cfg = g_ptr_array_index (dvrs, i);

      runner = g_hash_table_lookup (self->runners, cfg->name);
      if (runner == NULL)
        {
          runner = runner_new (self, cfg);
          g_hash_table_insert (self->runners, runner->config->name, runner);
        }
      else
        runner_take_config (self, runner, cfg);
    }
  /* Docks first: a waybill whose dock moved to a recorder that stays is
   * not failed with the one that goes. */
  for (guint i = 0; i < self->jobs->len; i++)
    {
      DcJob *job = g_ptr_array_index (self->jobs, i);
      DcDvrRunner *from = job->runner;

      job_follow_dock (self, job, config);
      if (job->runner != from)
        check_idle (self, from);
    }
  g_hash_table_iter_init (&iter, self->runners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &runner))
    if (dc_config_get_dvr (config, runner->config->name) == NULL)
      runner_remove (self, runner);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}
