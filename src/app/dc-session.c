#define G_LOG_DOMAIN "dc-session"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dc-session.h"
#include "pictures/dc-marks.h"

#define MAX_OPEN_PATHS 5
/* Work applied per main-loop iteration before yielding to drawing and
 * input: well under one 60 Hz frame (see apply_pending). */
#define EVENT_BUDGET_US 4000

typedef struct
{
  DcRunCounts  counts;
  DcDvrState   dvr_state;
  gboolean     paused;
  gint64       clock_offset_s;
  char        *model;
  char        *last_error;
  gboolean     removed;        /* no longer in the settings: see engine_config_changed() */
} Recorder;

struct _DcSession
{
  GObject        parent_instance;

  DcAppSettings *settings;
  char          *demo_out_dir;     /* non-NULL while the demo's config is used */
  DcConfig      *config;
  char          *config_path;
  GListStore    *esheets;          /* DcEsheet */
  GStrv          open_paths;

  /* Scans whose final files were in the output folder when their e-sheet
   * was opened ("batch\x1fstem"), and waybills all of whose scans were
   * ("batch\x1fwaybill"); e-sheets opened this way still owe the rest. */
  GHashTable    *disk_scans;
  GHashTable    *disk_waybills;
  GHashTable    *reviewed_waybills; /* same keys: a picture of theirs was pruned in review */
  GHashTable    *owed_batches;     /* batch -> DcEsheet (borrowed from esheets) */
  GHashTable    *batch_paths;      /* batch -> the e-sheet file it came from */

  DcDownloader  *downloader;
  gboolean       config_stale;     /* the engine has the config of before */
  GListStore    *jobs;             /* DcJobItem, every job of the session */
  GHashTable    *by_id;            /* engine job id -> DcJobItem (borrowed) */
  GHashTable    *by_waybill;       /* "batch\x1fwaybill" -> newest DcJobItem (borrowed) */
  GHashTable    *recorders;        /* dvr name ("" = none) -> Recorder */
  GHashTable    *waiting;          /* DcJobItem set, RETRY_WAIT */
  DcRunCounts    run;
  gboolean       run_open;         /* a run started and its end not announced */

  GQueue         pending;          /* DcDownloadEvent copies, oldest first */
  GHashTable    *pending_progress; /* job id -> its GList link, see on_event */
  guint          pending_source;
  guint          status_source;
  guint          countdown_source;
};

G_DEFINE_FINAL_TYPE (DcSession, dc_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_OUTPUT_DIR,
  PROP_PRE_SECONDS,
  PROP_POST_SECONDS,
  PROP_CHECK_FIRST,
  PROP_MODE,
  PROP_OPEN_ESHEETS,
  PROP_BUSY,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_CONFIG_CHANGED,
  SIGNAL_SETTINGS_CHANGED,
  SIGNAL_JOB_CHANGED,
  SIGNAL_STATUS_CHANGED,
  SIGNAL_RUN_STARTED,
  SIGNAL_RUN_FINISHED,
  SIGNAL_PICTURE_DONE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void schedule_status (DcSession *self);
static void engine_config_changed (DcSession *self);

DcRunKind
dc_run_kind_for_state (DcJobState state)
{
  switch (state)
    {
    case DC_JOB_QUEUED:
      return DC_RUN_QUEUED;
    case DC_JOB_CONNECTING:
    case DC_JOB_SEARCHING:
    case DC_JOB_DOWNLOADING:
    case DC_JOB_PROCESSING:
      return DC_RUN_RUNNING;
    case DC_JOB_RETRY_WAIT:
      return DC_RUN_RETRY_WAIT;
    case DC_JOB_PAUSED:
      return DC_RUN_PAUSED;
    case DC_JOB_DONE:
      return DC_RUN_DONE;
    case DC_JOB_PARTIAL:
      return DC_RUN_PARTIAL;
    case DC_JOB_FAILED:
    case DC_JOB_CANCELLED:
    default:
      return DC_RUN_FAILED;
    }
}

static gboolean
kind_is_final (DcRunKind kind)
{
  return kind == DC_RUN_DONE || kind == DC_RUN_FAILED || kind == DC_RUN_PARTIAL;
}

static gboolean
kind_is_missing (DcRunKind kind)
{
  return kind == DC_RUN_FAILED || kind == DC_RUN_PARTIAL;
}

static char *
waybill_key (const char *batch, const char *waybill)
{
  return g_strconcat (batch ? batch : "", "\x1f", waybill, NULL);
}

static void
recorder_free (Recorder *r)
{
  g_free (r->model);
  g_free (r->last_error);
  g_free (r);
}

static Recorder *
get_recorder (DcSession *self, const char *dvr)
{
  Recorder *r = g_hash_table_lookup (self->recorders, dvr ? dvr : "");

  if (r == NULL)
    {
      r = g_new0 (Recorder, 1);
      r->clock_offset_s = G_MININT64;
      g_hash_table_insert (self->recorders, g_strdup (dvr ? dvr : ""), r);
    }
  return r;
}

/* Adds (@sign 1) or takes away (-1) @item's share of the counts: kept on
 * every change instead of scanning the jobs. */
static void
account (DcSession *self, DcJobItem *item, int sign)
{
  const DcDownloadRequest *req = dc_job_item_get_request (item);
  DcRunKind kind = dc_run_kind_for_state (dc_job_item_get_state (item));
  Recorder *r = get_recorder (self, req->dvr);
  double f = dc_job_item_get_fraction (item);

  r->counts.n[kind] += sign;
  r->counts.total += sign;
  r->counts.fraction += sign * f;
  self->run.n[kind] += sign;
  self->run.total += sign;
  self->run.fraction += sign * f;
  if (kind == DC_RUN_RETRY_WAIT && sign > 0)
    g_hash_table_add (self->waiting, item);
  else if (kind == DC_RUN_RETRY_WAIT)
    g_hash_table_remove (self->waiting, item);
}

/* A job the engine moves to its dock's new recorder or channel is counted
 * and shown there, not on the recorder it was planned for. */
static void
retarget_item (DcSession *self, DcJobItem *item, const char *dvr, guint channel)
{
  account (self, item, -1);
  dc_job_item_retarget (item, dvr, channel);
  account (self, item, 1);
}

/* Settings */

DcAppSettings *
dc_session_get_settings (DcSession *self)
{
  return self->settings;
}

void
dc_session_settings_changed (DcSession *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_DIR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
}

DcOutputMode
dc_session_get_mode (DcSession *self)
{
  return self->settings->mode;
}

void
dc_session_set_mode (DcSession *self, DcOutputMode mode)
{
  if (self->settings->mode == mode)
    return;
  self->settings->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
}

const char *
dc_session_get_out_dir (DcSession *self)
{
  return self->demo_out_dir ? self->demo_out_dir : self->settings->output_dir;
}

char *
dc_session_dup_out_dir_display (DcSession *self)
{
  const char *dir = dc_session_get_out_dir (self);
  const char *home = g_get_home_dir ();
  size_t n = strlen (home);

  if (dir == NULL)
    return g_strdup ("");
  if (n > 1 && g_str_has_prefix (dir, home) && (dir[n] == '\0' || dir[n] == G_DIR_SEPARATOR))
    return g_strconcat ("~", dir + n, NULL);
  return g_strdup (dir);
}

static const char *
mode_to_string (DcOutputMode mode)
{
  return mode == DC_OUTPUT_CLIP ? "clip" : mode == DC_OUTPUT_BOTH ? "both" : "picture";
}

/* Config */

DcConfig *
dc_session_get_config (DcSession *self)
{
  return self->config;
}

gboolean
dc_session_is_demo (DcSession *self)
{
  return self->demo_out_dir != NULL;
}

void
dc_session_set_demo (DcSession *self, const char *demo_out_dir)
{
  g_free (self->demo_out_dir);
  self->demo_out_dir = g_strdup (demo_out_dir);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_DIR]);
}

void
dc_session_set_config_path (DcSession *self, const char *path)
{
  g_free (self->config_path);
  self->config_path = g_strdup (path);
}

static char *
config_path (DcSession *self)
{
  return self->config_path ? g_strdup (self->config_path) : dc_app_settings_config_path ();
}

gboolean
dc_session_load_config (DcSession *self, GError **error)
{
  g_autofree char *path = config_path (self);
  DcConfig *config = NULL;
  gboolean ok = TRUE;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GError) local = NULL;

      config = dc_config_load (path, &local);
      if (config == NULL)
        {
          g_set_error (error, local->domain, local->code,
                       _("The DVR settings in %s cannot be used: %s"), path, local->message);
          ok = FALSE;
        }
    }
  dc_session_set_config (self, config ? config : dc_config_new (), FALSE, NULL);
  return ok;
}

gboolean
dc_session_set_config (DcSession *self, DcConfig *config, gboolean save, GError **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (DC_IS_SESSION (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  if (save)
    {
      g_autofree char *path = config_path (self);
      g_autofree char *dir = g_path_get_dirname (path);
      g_autoptr(GError) local = NULL;

      g_mkdir_with_parents (dir, 0700);
      if (!dc_config_save (config, path, &local))
        {
          g_set_error (error, local->domain, local->code,
                       _("The DVR settings could not be saved: %s"), local->message);
          ok = FALSE;
        }
      g_clear_pointer (&self->demo_out_dir, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_DIR]);
    }
  if (config != self->config)
    {
      g_clear_pointer (&self->config, dc_config_free);
      self->config = config;
    }
  if (self->downloader != NULL)
    engine_config_changed (self);
  g_signal_emit (self, signals[SIGNAL_CONFIG_CHANGED], 0);
  schedule_status (self);
  return ok;
}

/* E-sheets and what the output folder already holds */

GListModel *
dc_session_get_esheets (DcSession *self)
{
  return G_LIST_MODEL (self->esheets);
}

const char * const *
dc_session_get_open_paths (DcSession *self)
{
  return (const char * const *) self->open_paths;
}

static void
remember_path (DcSession *self, const char *path)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  guint n = self->open_paths ? g_strv_length (self->open_paths) : 0;
  guint kept = 0;

  /* the newest last, each once, the last MAX_OPEN_PATHS */
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (self->open_paths[i], path) != 0 && n - i <= MAX_OPEN_PATHS)
      g_strv_builder_add (b, self->open_paths[i]), kept++;
  g_strv_builder_add (b, path);
  g_strfreev (self->open_paths);
  self->open_paths = g_strv_builder_end (b);
  if (g_strv_length (self->open_paths) > MAX_OPEN_PATHS)
    {
      GStrv trimmed = g_strdupv (self->open_paths + g_strv_length (self->open_paths) - MAX_OPEN_PATHS);
      g_strfreev (self->open_paths);
      self->open_paths = trimmed;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN_ESHEETS]);
}

/* Plans every scan of @esheet as if each dock were mapped: gives each
 * scan its file stem (the planner's naming rule, one place). */
static GPtrArray *
plan_all_scans (DcEsheet *esheet, DcOutputMode mode)
{
  g_autoptr(DcConfig) all = dc_config_new ();
  DcEsheetPlanOptions options;

  for (guint i = 0; i < dc_esheet_get_n_docks (esheet); i++)
    {
      DcEsheetDockItem it;

      dc_esheet_get_dock_item (esheet, i, NULL, &it);
      dc_config_set_dock (all, it.dock, "", 1);
    }
  dc_esheet_plan_options_init (&options);
  options.mode = mode;
  options.selected_only = FALSE;
  return dc_esheet_plan (esheet, all, &options, NULL);
}

typedef enum
{
  SCAN_OWED,        /* a file the mode asks for was never downloaded */
  SCAN_ON_DISK,     /* every file is under its final name */
  SCAN_REVIEWED,    /* downloaded; a review moved its picture to the trash */
} ScanOnDisk;

/* A scan's files are complete when each file the mode asks for is under
 * its final name: the engine renames into place only verified files.  A
 * picture that Prune unmarked moved to the trash (the marks sidecar says
 * so) was downloaded and judged: it is not owed again. */
static ScanOnDisk
scan_on_disk (GHashTable *names, DcMarkIndex *marks, const DcDownloadRequest *req)
{
  g_autofree char *jpg = g_strconcat (req->file_stem, ".jpg", NULL);
  g_autofree char *mp4 = g_strconcat (req->file_stem, ".mp4", NULL);
  gboolean reviewed = FALSE;

  if ((req->mode & DC_OUTPUT_PICTURE) && !g_hash_table_contains (names, jpg))
    {
      if (marks == NULL || !dc_mark_index_is_pruned (marks, jpg))
        return SCAN_OWED;
      reviewed = TRUE;
    }
  if ((req->mode & DC_OUTPUT_CLIP) && !g_hash_table_contains (names, mp4))
    return SCAN_OWED;
  return reviewed ? SCAN_REVIEWED : SCAN_ON_DISK;
}

static void
read_disk_status (DcSession *self, DcEsheet *esheet)
{
  const char *batch = dc_esheet_get_batch (esheet);
  g_autofree char *folder = g_build_filename (dc_session_get_out_dir (self), batch, NULL);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) incomplete = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) reviewed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) scans = NULL;
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(DcMarkIndex) marks = NULL;
  g_autoptr(GError) marks_error = NULL;
  const char *name;
  guint n_found = 0;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_hash_table_add (names, g_strdup (name));
  if (g_hash_table_size (names) == 0)
    return;
  /* a damaged sidecar: nothing counts as reviewed, so nothing is lost */
  marks = dc_mark_index_load (folder, &marks_error);
  if (marks == NULL)
    g_debug ("%s", marks_error->message);
  scans = plan_all_scans (esheet, self->settings->mode);
  for (guint i = 0; i < scans->len; i++)
    {
      const DcDownloadRequest *req = g_ptr_array_index (scans, i);
      ScanOnDisk state = scan_on_disk (names, marks, req);

      if (state != SCAN_OWED)
        {
          g_hash_table_add (self->disk_scans, waybill_key (batch, req->file_stem));
          n_found++;
          if (state == SCAN_REVIEWED)
            g_hash_table_add (reviewed, req->waybill);
        }
      else
        g_hash_table_add (incomplete, req->waybill);
    }
  for (guint i = 0; i < scans->len; i++)
    {
      const DcDownloadRequest *req = g_ptr_array_index (scans, i);

      if (g_hash_table_contains (incomplete, req->waybill))
        continue;
      g_hash_table_add (self->disk_waybills, waybill_key (batch, req->waybill));
      if (g_hash_table_contains (reviewed, req->waybill))
        g_hash_table_add (self->reviewed_waybills, waybill_key (batch, req->waybill));
    }
  /* some work of an earlier session is there: the rest is owed */
  if (n_found > 0 && n_found < scans->len)
    g_hash_table_insert (self->owed_batches, g_strdup (batch), esheet);
}

void
dc_session_add_esheet (DcSession *self, DcEsheet *esheet, const char *path)
{
  g_return_if_fail (DC_IS_SESSION (self));
  g_return_if_fail (DC_IS_ESHEET (esheet));

  read_disk_status (self, esheet);
  g_list_store_append (self->esheets, esheet);
  if (path != NULL)
    g_hash_table_replace (self->batch_paths, g_strdup (dc_esheet_get_batch (esheet) ?: ""),
                          g_strdup (path));
  /* the demo's sample sheet is not the operator's work */
  if (path != NULL && !dc_session_is_demo (self))
    remember_path (self, path);
  schedule_status (self);
}

const char *
dc_session_get_esheet_path (DcSession *self, const char *batch)
{
  g_return_val_if_fail (DC_IS_SESSION (self), NULL);

  return g_hash_table_lookup (self->batch_paths, batch ? batch : "");
}

void
dc_session_replace_esheet (DcSession *self, DcEsheet *esheet, DcEsheet *copy)
{
  guint pos;
  GHashTableIter iter;
  gpointer value;

  if (!g_list_store_find (self->esheets, esheet, &pos))
    return;
  g_list_store_splice (self->esheets, pos, 1, (gpointer *) &copy, 1);
  /* an e-sheet that owed the rest of an earlier session still does */
  g_hash_table_iter_init (&iter, self->owed_batches);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == esheet)
      g_hash_table_iter_replace (&iter, copy);
}

/* Jobs */

GListModel *
dc_session_get_jobs (DcSession *self)
{
  return G_LIST_MODEL (self->jobs);
}

DcJobItem *
dc_session_lookup_job (DcSession *self, const char *batch, const char *waybill)
{
  g_autofree char *key = NULL;

  if (batch != NULL)
    {
      key = waybill_key (batch, waybill);
      return g_hash_table_lookup (self->by_waybill, key);
    }
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->jobs)); i > 0; i--)
    {
      g_autoptr(DcJobItem) item = g_list_model_get_item (G_LIST_MODEL (self->jobs), i - 1);
      if (g_strcmp0 (dc_job_item_get_request (item)->waybill, waybill) == 0)
        return item;
    }
  return NULL;
}

char *
dc_session_dup_waybill_status (DcSession *self, DcEsheet *esheet, const char *waybill,
                               const char *dock, DcStatusTone *tone)
{
  const char *batch = esheet ? dc_esheet_get_batch (esheet) : "";
  g_autofree char *key = waybill_key (batch, waybill);
  DcJobItem *job = g_hash_table_lookup (self->by_waybill, key);
  DcStatusTone t = DC_STATUS_TONE_DIM;
  char *text;

  if (job != NULL)
    {
      DcRunKind kind = dc_run_kind_for_state (dc_job_item_get_state (job));

      /* the table is not redrawn every second: a countdown there would
       * stand still ("Retrying in 9 s" while the job row says 3 s) */
      if (dc_job_item_get_state (job) == DC_JOB_RETRY_WAIT)
        text = g_strdup (_("Waiting to retry"));
      else
        text = dc_job_item_dup_status_text (job);
      t = kind == DC_RUN_DONE ? DC_STATUS_TONE_SUCCESS
        : kind_is_missing (kind) ? DC_STATUS_TONE_ERROR : DC_STATUS_TONE_NORMAL;
    }
  else if (g_hash_table_contains (self->reviewed_waybills, key))
    {
      /* TRANSLATORS: status of a waybill whose picture was downloaded and
       * then moved to the trash by Prune unmarked */
      text = g_strdup (_("Removed in review"));
      t = DC_STATUS_TONE_DIM;
    }
  else if (g_hash_table_contains (self->disk_waybills, key))
    {
      /* TRANSLATORS: status of a waybill whose files were already in the output folder */
      text = g_strdup (_("Done (already there)"));
      t = DC_STATUS_TONE_SUCCESS;
    }
  else if (self->config != NULL && dock != NULL && dc_config_lookup_dock (self->config, dock) == NULL)
    /* say why nothing will happen to it, before anyone presses Download */
    text = g_strdup (_("Dock not mapped"));
  else
    text = g_strdup (_("Not started"));
  if (tone)
    *tone = t;
  return text;
}

static DcJobItem *
add_item (DcSession *self, guint id, const DcDownloadRequest *req)
{
  DcJobItem *item = dc_job_item_new (id, req);
  g_autofree char *key = waybill_key (req->batch, req->waybill);

  if (id != 0)
    g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), item);
  g_hash_table_insert (self->by_waybill, g_steal_pointer (&key), item);
  account (self, item, 1);
  return item;
}

static void
ensure_countdown (DcSession *self);

static gboolean
countdown_tick (gpointer user_data)
{
  DcSession *self = user_data;
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    dc_job_item_tick (item);
  if (g_hash_table_size (self->waiting) == 0)
    {
      self->countdown_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
ensure_countdown (DcSession *self)
{
  if (self->countdown_source == 0)
    self->countdown_source = g_timeout_add_seconds (1, countdown_tick, self);
}

gboolean
dc_session_is_busy (DcSession *self)
{
  return self->run.total > self->run.n[DC_RUN_DONE] + self->run.n[DC_RUN_FAILED] +
                           self->run.n[DC_RUN_PARTIAL];
}

static gboolean
status_timeout (gpointer user_data)
{
  DcSession *self = user_data;

  self->status_source = 0;
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
schedule_status (DcSession *self)
{
  /* status is announced a few times a second at most, never per event */
  if (self->status_source == 0)
    self->status_source = g_timeout_add (150, status_timeout, self);
}

static void
flush_status (DcSession *self)
{
  g_clear_handle_id (&self->status_source, g_source_remove);
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

/* The run ends when every job is final — not when the engine goes idle:
 * paused jobs leave the engine idle with work still to do. */
static void
check_run_end (DcSession *self)
{
  gboolean busy = dc_session_is_busy (self);

  if (busy != (self->run_open))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  if (self->run_open && !busy)
    {
      self->run_open = FALSE;
      flush_status (self);
      g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0);
    }
  else if (!self->run_open && busy)
    {
      self->run_open = TRUE;
      g_signal_emit (self, signals[SIGNAL_RUN_STARTED], 0);
    }
}

static void
apply_event (DcSession *self, const DcDownloadEvent *event)
{
  switch (event->kind)
    {
    case DC_EVENT_JOB:
      {
        DcJobItem *item = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (event->job_id));
        DcJobState old;

        if (item == NULL)
          return;
        /* a removed recorder's jobs keep their reason; only a file that
         * landed as they were stopped still counts */
        if (get_recorder (self, dc_job_item_get_request (item)->dvr)->removed &&
            event->state != DC_JOB_DONE && event->state != DC_JOB_PARTIAL)
          return;
        if (event->dvr != NULL && g_strcmp0 (event->dvr, dc_job_item_get_request (item)->dvr) != 0)
          {
            const DcDownloadRequest *now = dc_downloader_get_request (self->downloader, event->job_id);

            retarget_item (self, item, event->dvr,
                           now ? now->channel : dc_job_item_get_request (item)->channel);
          }
        old = dc_job_item_get_state (item);
        account (self, item, -1);
        dc_job_item_apply_event (item, event);
        account (self, item, 1);
        if (event->message != NULL &&
            (event->state == DC_JOB_RETRY_WAIT || event->state == DC_JOB_FAILED))
          {
            Recorder *r = get_recorder (self, event->dvr);
            g_free (r->last_error);
            r->last_error = g_strdup (event->message);
          }
        if (event->state == DC_JOB_RETRY_WAIT)
          ensure_countdown (self);
        if (old != event->state)
          {
            g_signal_emit (self, signals[SIGNAL_JOB_CHANGED], 0, item);
            if (event->state == DC_JOB_DONE && event->picture_path)
              g_signal_emit (self, signals[SIGNAL_PICTURE_DONE], 0, event->picture_path);
            check_run_end (self);
          }
        schedule_status (self);
      }
      break;
    case DC_EVENT_DVR:
      {
        Recorder *r = get_recorder (self, event->dvr);

        r->dvr_state = event->dvr_state;
        if (event->dvr_state == DC_DVR_STATE_SIGNED_IN || event->dvr_model)
          {
            r->clock_offset_s = event->clock_offset_s;
            g_free (r->model);
            r->model = g_strdup (event->dvr_model);
          }
        if (event->dvr_state == DC_DVR_STATE_FAILED && event->message)
          {
            g_free (r->last_error);
            r->last_error = g_strdup (event->message);
          }
        schedule_status (self);
      }
      break;
    case DC_EVENT_IDLE:
    default:
      /* the engine's idle is not the end of the run: see check_run_end() */
      break;
    }
}

static gboolean
is_progress_only (const DcDownloadEvent *event)
{
  return event->kind == DC_EVENT_JOB && event->state == DC_JOB_DOWNLOADING && event->message == NULL;
}

static void
clear_pending (DcSession *self)
{
  g_queue_clear_full (&self->pending, (GDestroyNotify) dc_download_event_free);
  g_hash_table_remove_all (self->pending_progress);
  g_clear_handle_id (&self->pending_source, g_source_remove);
}

/* Applies the waiting events in order until the budget is spent; the rest
 * waits for the next iteration, after the frame is drawn: a burst (64
 * transfers changing state at once) never holds up a frame. */
static gboolean
apply_pending (gpointer user_data)
{
  DcSession *self = user_data;
  gint64 deadline = g_get_monotonic_time () + EVENT_BUDGET_US;
  GList *head;

  while ((head = g_queue_peek_head_link (&self->pending)) != NULL)
    {
      DcDownloadEvent *event = head->data;

      if (event->kind == DC_EVENT_JOB &&
          g_hash_table_lookup (self->pending_progress, GUINT_TO_POINTER (event->job_id)) == head)
        g_hash_table_remove (self->pending_progress, GUINT_TO_POINTER (event->job_id));
      g_queue_pop_head (&self->pending);
      apply_event (self, event);
      dc_download_event_free (event);
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  if (g_queue_is_empty (&self->pending))
    {
      self->pending_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The engine's main-loop source hands over its batch here.  Progress-only
 * events of a job still waiting are merged: only the newest matters. */
static void
on_event (DcDownloader *dl, const DcDownloadEvent *event, gpointer user_data)
{
  DcSession *self = user_data;
  gpointer key = GUINT_TO_POINTER (event->job_id);

  if (is_progress_only (event))
    {
      GList *link = g_hash_table_lookup (self->pending_progress, key);

      if (link != NULL)
        {
          dc_download_event_free (link->data);
          link->data = dc_download_event_copy (event);
        }
      else
        {
          g_queue_push_tail (&self->pending, dc_download_event_copy (event));
          g_hash_table_insert (self->pending_progress, key, g_queue_peek_tail_link (&self->pending));
        }
    }
  else
    {
      if (event->kind == DC_EVENT_JOB)
        g_hash_table_remove (self->pending_progress, key);
      g_queue_push_tail (&self->pending, dc_download_event_copy (event));
    }
  if (self->pending_source == 0)
    {
      self->pending_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, apply_pending, self, NULL);
      g_source_set_name_by_id (self->pending_source, "DcSession events");
    }
}

static void
free_downloader (DcSession *self)
{
  /* events not applied yet belong to this engine: dropped with it */
  clear_pending (self);
  if (self->downloader != NULL)
    dc_downloader_free (g_steal_pointer (&self->downloader));
}

/* Jobs still owned by the old engine become stopped, so nothing counts
 * as running that no worker runs. */
static void
orphan_live_jobs (DcSession *self)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &item))
    if (!kind_is_final (dc_run_kind_for_state (dc_job_item_get_state (item))))
      {
        account (self, item, -1);
        dc_job_item_set_final (item, DC_JOB_CANCELLED, _("stopped"));
        account (self, item, 1);
      }
  g_hash_table_remove_all (self->by_id);
}

static gboolean
ensure_downloader (DcSession *self, GError **error)
{
  DcDownloaderOptions options;

  if (self->downloader != NULL && self->config_stale && !dc_session_is_busy (self))
    {
      free_downloader (self);
      orphan_live_jobs (self);
    }
  self->config_stale = self->downloader != NULL && self->config_stale;
  if (self->downloader != NULL)
    return TRUE;
  if (self->config == NULL || dc_config_get_dvrs (self->config)->len == 0)
    {
      g_set_error_literal (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR,
                           _("No recorder is set up yet. Open DVR settings to add one."));
      return FALSE;
    }
  dc_downloader_options_init (&options);
  options.out_dir = (char *) dc_session_get_out_dir (self);
  options.check_first = self->settings->check_first;
  self->downloader = dc_downloader_new (self->config, &options);
  dc_downloader_attach (self->downloader, NULL, on_event, self);
  return TRUE;
}

/* The jobs not final of recorders that are no longer in the settings:
 * the engine stops them and each says why, not a bare "stopped".  A
 * recorder added back under its name runs again from the next job on. */
static void
fail_removed_recorders (DcSession *self)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->recorders);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Recorder *r = value;
      gboolean gone = *(const char *) key != '\0' && dc_config_get_dvr (self->config, key) == NULL;

      if (gone && !r->removed && self->downloader != NULL)
        dc_downloader_cancel_dvr (self->downloader, key);
      r->removed = gone;
    }
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DcJobItem *item = value;
      const char *dvr = dc_job_item_get_request (item)->dvr;
      g_autofree char *reason = NULL;

      if (kind_is_final (dc_run_kind_for_state (dc_job_item_get_state (item))) ||
          !get_recorder (self, dvr)->removed)
        continue;
      /* TRANSLATORS: why a job stopped: the operator deleted its recorder mid-run */
      reason = g_strdup_printf (_("recorder “%s” was removed from the DVR settings"), dvr);
      account (self, item, -1);
      dc_job_item_set_final (item, DC_JOB_FAILED, reason);
      account (self, item, 1);
      g_ptr_array_add (changed, item);
    }
  for (guint i = 0; i < changed->len; i++)
    g_signal_emit (self, signals[SIGNAL_JOB_CHANGED], 0, g_ptr_array_index (changed, i));
  if (changed->len > 0)
    check_run_end (self);
}

/* The settings changed with an engine: the jobs of removed recorders
 * fail with that reason, and the engine's jobs not started yet take the
 * new recorder settings.  The jobs and their status stay. */
/* What dc_downloader_set_config() does to jobs that have not started:
 * they follow their dock.  (A job that started meanwhile stays where it
 * is; its next event names its recorder, see apply_event().) */
static void
follow_docks (DcSession *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DcJobItem) item = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);
      const DcDownloadRequest *req = dc_job_item_get_request (item);
      DcJobState state = dc_job_item_get_state (item);
      const DcDockMap *map;

      if (dc_job_item_get_id (item) == 0 || req->dock == NULL ||
          (state != DC_JOB_QUEUED && state != DC_JOB_PAUSED && state != DC_JOB_RETRY_WAIT) ||
          (map = dc_config_lookup_dock (self->config, req->dock)) == NULL ||
          dc_config_get_dvr (self->config, map->dvr) == NULL)
        continue;
      if (g_strcmp0 (req->dvr, map->dvr) != 0 || req->channel != map->channel)
        retarget_item (self, item, map->dvr, map->channel);
    }
  schedule_status (self);
}

static void
engine_config_changed (DcSession *self)
{
  fail_removed_recorders (self);
  /* jobs not started yet take the new recorders and docks; running ones
   * finish on the old; a removed recorder's queued jobs fail with why.
   * The next run still gets a new engine (config_stale). */
  if (self->downloader != NULL)
    {
      dc_downloader_set_config (self->downloader, self->config);
      follow_docks (self);
    }
  self->config_stale = TRUE;
}

/* A job that cannot run at all: final at once, with the reason, and
 * counted with the missing ones. */
static DcJobItem *
add_final (DcSession *self, const DcDownloadRequest *req, const char *reason)
{
  DcJobItem *item = dc_job_item_new (0, req);

  dc_job_item_set_final (item, DC_JOB_FAILED, reason);
  {
    g_autofree char *key = waybill_key (req->batch, req->waybill);
    g_hash_table_insert (self->by_waybill, g_steal_pointer (&key), item);
  }
  account (self, item, 1);
  return item;
}

static guint
queue_requests (DcSession *self, GPtrArray *requests, GPtrArray *impossible, GError **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) first_error = NULL;

  if (requests->len > 0 && !ensure_downloader (self, error))
    return 0;
  for (guint i = 0; i < requests->len; i++)
    {
      const DcDownloadRequest *req = g_ptr_array_index (requests, i);
      g_autoptr(GError) local = NULL;
      guint id = dc_downloader_add (self->downloader, req, &local);

      if (id == 0)
        {
          g_autofree char *reason = g_strdup_printf (_("recorder “%s” is not set up"), req->dvr);
          g_ptr_array_add (items, add_final (self, req, reason));
          continue;
        }
      g_ptr_array_add (items, add_item (self, id, req));
    }
  for (guint i = 0; impossible && i < impossible->len; i++)
    {
      const DcDownloadRequest *req = g_ptr_array_index (impossible, i);
      g_autofree char *reason = g_strdup_printf (_("dock %s is not mapped to a recorder"), req->dock);
      g_ptr_array_add (items, add_final (self, req, reason));
    }
  if (items->len > 0)
    {
      g_list_store_splice (self->jobs, g_list_model_get_n_items (G_LIST_MODEL (self->jobs)), 0,
                           items->pdata, items->len);
      for (guint i = 0; i < items->len; i++)
        g_signal_emit (self, signals[SIGNAL_JOB_CHANGED], 0, g_ptr_array_index (items, i));
      /* a run of only impossible jobs starts and ends at once */
      if (!self->run_open)
        {
          self->run_open = TRUE;
          g_signal_emit (self, signals[SIGNAL_RUN_STARTED], 0);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
        }
      check_run_end (self);
      schedule_status (self);
    }
  else if (first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&first_error));
  return items->len;
}

/* The scans of @esheet's docks that the config does not map, as requests
 * with their file names (for the missing list). */
static GPtrArray *
plan_unmapped (DcSession *self, DcEsheet *esheet, const DcEsheetPlanOptions *options)
{
  g_autoptr(DcConfig) unmapped = dc_config_new ();
  gboolean any = FALSE;

  for (guint i = 0; i < dc_esheet_get_n_docks (esheet); i++)
    {
      DcEsheetDockItem it;

      dc_esheet_get_dock_item (esheet, i, NULL, &it);
      if (self->config == NULL || dc_config_lookup_dock (self->config, it.dock) == NULL)
        {
          dc_config_set_dock (unmapped, it.dock, "", 0);
          any = TRUE;
        }
    }
  if (!any)
    return g_ptr_array_new ();
  return dc_esheet_plan (esheet, unmapped, options, NULL);
}

guint
dc_session_download (DcSession *self, DcEsheet *esheet, const char *dvr, GError **error)
{
  DcEsheetPlanOptions options;
  g_autoptr(GPtrArray) planned = NULL;
  g_autoptr(GPtrArray) wanted = g_ptr_array_new ();
  g_autoptr(GPtrArray) impossible = NULL;

  g_return_val_if_fail (DC_IS_SESSION (self), 0);
  g_return_val_if_fail (DC_IS_ESHEET (esheet), 0);

  dc_esheet_plan_options_init (&options);
  options.mode = self->settings->mode;
  options.pre_us = (gint64) self->settings->pre_s * G_USEC_PER_SEC;
  options.post_us = (gint64) self->settings->post_s * G_USEC_PER_SEC;
  /* one rule for both buttons: nothing selected means every waybill */
  options.selected_only = dc_esheet_get_n_selected (esheet) > 0;
  planned = dc_esheet_plan (esheet, self->config, &options, NULL);
  for (guint i = 0; i < planned->len; i++)
    {
      DcDownloadRequest *req = g_ptr_array_index (planned, i);
      if (dvr == NULL || g_strcmp0 (req->dvr, dvr) == 0)
        g_ptr_array_add (wanted, req);
    }
  impossible = dvr == NULL ? plan_unmapped (self, esheet, &options) : g_ptr_array_new ();
  if (wanted->len == 0 && impossible->len == 0)
    {
      if (dvr)
        g_set_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR,
                     _("None of these waybills is at a dock of %s. Map docks in DVR settings."), dvr);
      else
        g_set_error_literal (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_UNKNOWN_DVR,
                             _("None of these waybills is at a mapped dock. Map the docks to "
                               "recorders in DVR settings."));
      return 0;
    }
  if (wanted->len == 0 && (self->config == NULL || dc_config_get_dvrs (self->config)->len == 0))
    return ensure_downloader (self, error), 0;
  /* a new run of this sheet: it no longer owes the rest of an old one */
  g_hash_table_remove (self->owed_batches, dc_esheet_get_batch (esheet));
  return queue_requests (self, wanted, impossible, error);
}

guint
dc_session_count_missing (DcSession *self)
{
  guint n = self->run.n[DC_RUN_FAILED] + self->run.n[DC_RUN_PARTIAL];
  GHashTableIter iter;
  gpointer esheet;

  g_hash_table_iter_init (&iter, self->owed_batches);
  while (g_hash_table_iter_next (&iter, NULL, &esheet))
    {
      g_autoptr(GPtrArray) scans = plan_all_scans (esheet, self->settings->mode);
      const char *batch = dc_esheet_get_batch (esheet);

      for (guint i = 0; i < scans->len; i++)
        {
          const DcDownloadRequest *req = g_ptr_array_index (scans, i);
          g_autofree char *key = waybill_key (batch, req->file_stem);
          if (!g_hash_table_contains (self->disk_scans, key))
            n++;
        }
    }
  return n;
}

guint
dc_session_download_missing (DcSession *self)
{
  g_autoptr(GPtrArray) retry = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;

  /* jobs of this session: engine jobs go back to the queue, the final
   * ones (a dock that was not mapped then) are planned again */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->jobs)); i++)
    {
      g_autoptr(DcJobItem) item = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);
      DcRunKind kind = dc_run_kind_for_state (dc_job_item_get_state (item));

      if (!kind_is_missing (kind))
        continue;
      if (dc_job_item_get_id (item) != 0 && self->downloader != NULL && !self->config_stale)
        {
          account (self, item, -1);
          dc_downloader_retry (self->downloader, dc_job_item_get_id (item));
          dc_job_item_set_final (item, DC_JOB_QUEUED, NULL);
          account (self, item, 1);
          n++;
        }
      else
        {
          const DcDownloadRequest *req = dc_job_item_get_request (item);
          g_autofree char *k = waybill_key (req->batch, req->waybill);

          /* only the newest job of a waybill is planned again */
          if (g_hash_table_lookup (self->by_waybill, k) == item)
            g_ptr_array_add (retry, item);
        }
    }
  if (retry->len > 0)
    {
      g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_download_request_free);

      for (guint i = 0; i < retry->len; i++)
        {
          DcDownloadRequest *req = dc_download_request_copy (dc_job_item_get_request (retry->pdata[i]));
          const DcDockMap *map = self->config ? dc_config_lookup_dock (self->config, req->dock) : NULL;

          if (map != NULL && dc_config_get_dvr (self->config, map->dvr) != NULL)
            {
              g_free (req->dvr);
              req->dvr = g_strdup (map->dvr);
              req->channel = map->channel;
              g_ptr_array_add (again, req);
            }
          else
            dc_download_request_free (req);
        }
      if (again->len > 0)
        n += queue_requests (self, again, NULL, NULL);
    }
  /* e-sheets reopened after a restart: their scans not on disk */
  g_hash_table_iter_init (&iter, self->owed_batches);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      DcEsheet *esheet = value;
      DcEsheetPlanOptions options;
      g_autoptr(GPtrArray) planned = NULL;
      g_autoptr(GPtrArray) rest = g_ptr_array_new ();
      g_autoptr(GPtrArray) unmapped_all = NULL;
      g_autoptr(GPtrArray) unmapped = g_ptr_array_new ();

      dc_esheet_plan_options_init (&options);
      options.mode = self->settings->mode;
      options.pre_us = (gint64) self->settings->pre_s * G_USEC_PER_SEC;
      options.post_us = (gint64) self->settings->post_s * G_USEC_PER_SEC;
      options.selected_only = FALSE;
      planned = dc_esheet_plan (esheet, self->config, &options, NULL);
      unmapped_all = plan_unmapped (self, esheet, &options);
      for (guint i = 0; i < planned->len; i++)
        {
          DcDownloadRequest *req = g_ptr_array_index (planned, i);
          g_autofree char *k = waybill_key (key, req->file_stem);
          if (!g_hash_table_contains (self->disk_scans, k))
            g_ptr_array_add (rest, req);
        }
      for (guint i = 0; i < unmapped_all->len; i++)
        {
          DcDownloadRequest *req = g_ptr_array_index (unmapped_all, i);
          g_autofree char *k = waybill_key (key, req->file_stem);
          if (!g_hash_table_contains (self->disk_scans, k))
            g_ptr_array_add (unmapped, req);
        }
      n += queue_requests (self, rest, unmapped, NULL);
    }
  g_hash_table_remove_all (self->owed_batches);
  if (n > 0)
    {
      check_run_end (self);
      schedule_status (self);
    }
  return n;
}

void
dc_session_stop (DcSession *self, const char *dvr)
{
  if (self->downloader != NULL)
    dc_downloader_cancel_dvr (self->downloader, dvr);
  if (dvr == NULL)
    {
      GHashTableIter iter;
      gpointer r;

      g_hash_table_iter_init (&iter, self->recorders);
      while (g_hash_table_iter_next (&iter, NULL, &r))
        ((Recorder *) r)->paused = FALSE;
    }
  else
    get_recorder (self, dvr)->paused = FALSE;
  schedule_status (self);
}

/* Only a recorder with work that is not final can be paused: a pause
 * pressed after its run would leave a "paused" recorder with nothing
 * to resume. */
static void
set_recorder_paused (DcSession *self, const char *dvr, gboolean paused)
{
  Recorder *r = get_recorder (self, dvr);
  const guint *n = r->counts.n;

  if (paused && n[DC_RUN_QUEUED] + n[DC_RUN_RUNNING] + n[DC_RUN_RETRY_WAIT] + n[DC_RUN_PAUSED] == 0)
    return;
  r->paused = paused;
}

static void
set_paused (DcSession *self, const char *dvr, gboolean paused)
{
  if (dvr == NULL)
    {
      GPtrArray *dvrs = self->config ? dc_config_get_dvrs (self->config) : NULL;

      for (guint i = 0; dvrs && i < dvrs->len; i++)
        set_recorder_paused (self, ((DcDvrConfig *) g_ptr_array_index (dvrs, i))->name, paused);
    }
  else
    set_recorder_paused (self, dvr, paused);
  schedule_status (self);
}

/* The engine first, then the cards: a recorder shows Paused only once
 * its workers were told. */
static void
pause_or_resume (DcSession *self, const char *dvr, gboolean paused)
{
  if (self->downloader == NULL)
    return;
  if (paused)
    dc_downloader_pause_dvr (self->downloader, dvr);
  else
    dc_downloader_resume_dvr (self->downloader, dvr);
  set_paused (self, dvr, paused);
}

void
dc_session_pause (DcSession *self, const char *dvr)
{
  pause_or_resume (self, dvr, TRUE);
}

void
dc_session_resume (DcSession *self, const char *dvr)
{
  pause_or_resume (self, dvr, FALSE);
}

void
dc_session_job_pause_toggle (DcSession *self, DcJobItem *item)
{
  guint id = dc_job_item_get_id (item);

  if (self->downloader == NULL || id == 0)
    return;
  if (dc_job_item_get_state (item) == DC_JOB_PAUSED)
    dc_downloader_resume (self->downloader, id);
  else
    dc_downloader_pause (self->downloader, id);
}

void
dc_session_job_cancel (DcSession *self, DcJobItem *item)
{
  if (self->downloader != NULL && dc_job_item_get_id (item) != 0)
    dc_downloader_cancel (self->downloader, dc_job_item_get_id (item));
}

void
dc_session_job_retry (DcSession *self, DcJobItem *item)
{
  if (self->downloader != NULL && dc_job_item_get_id (item) != 0)
    dc_downloader_retry (self->downloader, dc_job_item_get_id (item));
}

void
dc_session_shutdown (DcSession *self)
{
  if (self->downloader != NULL)
    {
      DcDownloadEvent *event;

      dc_downloader_shutdown (self->downloader);
      /* the workers' last words (a file that landed as they stopped)
       * still count: applied, not dropped */
      while ((event = dc_downloader_try_pop_event (self->downloader)) != NULL)
        {
          on_event (self->downloader, event, self);
          dc_download_event_free (event);
        }
      while (!g_queue_is_empty (&self->pending))
        {
          event = g_queue_pop_head (&self->pending);
          g_hash_table_remove_all (self->pending_progress);
          apply_event (self, event);
          dc_download_event_free (event);
        }
    }
  free_downloader (self);
  orphan_live_jobs (self);
  self->config_stale = FALSE;
  g_clear_handle_id (&self->countdown_source, g_source_remove);
  g_hash_table_remove_all (self->waiting);
  check_run_end (self);
}

/* Status */

void
dc_session_get_run_counts (DcSession *self, DcRunCounts *out)
{
  *out = self->run;
}

void
dc_session_get_recorder_status (DcSession *self, const char *dvr, DcRecorderStatus *out)
{
  Recorder *r = g_hash_table_lookup (self->recorders, dvr ? dvr : "");

  memset (out, 0, sizeof *out);
  out->clock_offset_s = G_MININT64;
  if (r == NULL)
    return;
  out->counts = r->counts;
  out->dvr_state = r->dvr_state;
  /* a pause outlived by its work (a job finishing as it was pressed) is over */
  out->paused = r->paused && (r->counts.n[DC_RUN_QUEUED] + r->counts.n[DC_RUN_RUNNING] +
                              r->counts.n[DC_RUN_RETRY_WAIT] + r->counts.n[DC_RUN_PAUSED]) > 0;
  out->clock_offset_s = r->clock_offset_s;
  out->model = r->model;
  out->last_error = r->last_error;
}

char *
dc_session_dup_recorder_text (DcSession *self, const char *dvr, DcStatusTone *tone)
{
  DcRecorderStatus st;
  const guint *n;
  DcStatusTone t = DC_STATUS_TONE_NORMAL;
  char *text;

  dc_session_get_recorder_status (self, dvr, &st);
  n = st.counts.n;
  if (n[DC_RUN_RUNNING] > 0)
    text = g_strdup (st.dvr_state == DC_DVR_STATE_CONNECTING ? _("Connecting…") : _("Downloading…"));
  else if (n[DC_RUN_RETRY_WAIT] > 0)
    {
      /* TRANSLATORS: a recorder's card; %s is the last error in words */
      text = st.last_error ? g_strdup_printf (_("Waiting to retry: %s"), st.last_error)
                           : g_strdup (_("Waiting to retry"));
      t = DC_STATUS_TONE_ERROR;
    }
  else if (n[DC_RUN_PAUSED] > 0 || (st.paused && n[DC_RUN_QUEUED] > 0))
    text = g_strdup (_("Paused"));
  else if (n[DC_RUN_QUEUED] > 0)
    text = g_strdup (_("Queued"));
  else if (st.dvr_state == DC_DVR_STATE_FAILED)
    {
      text = g_strdup (st.last_error ? st.last_error : _("Failed"));
      t = DC_STATUS_TONE_ERROR;
    }
  else if (st.counts.total == 0)
    {
      text = g_strdup (_("Ready"));
      t = DC_STATUS_TONE_DIM;
    }
  else if (n[DC_RUN_FAILED] > 0)
    {
      /* TRANSLATORS: a recorder's card after its run; %s is the last error */
      text = st.last_error ? g_strdup_printf (ngettext ("%u missing: %s", "%u missing: %s", n[DC_RUN_FAILED]),
                                              n[DC_RUN_FAILED], st.last_error)
                           : g_strdup_printf (ngettext ("%u missing", "%u missing", n[DC_RUN_FAILED]),
                                              n[DC_RUN_FAILED]);
      t = DC_STATUS_TONE_ERROR;
    }
  else if (n[DC_RUN_PARTIAL] > 0)
    {
      text = g_strdup_printf (ngettext ("%u clip shorter than asked", "%u clips shorter than asked",
                                        n[DC_RUN_PARTIAL]), n[DC_RUN_PARTIAL]);
      t = DC_STATUS_TONE_ERROR;
    }
  else
    {
      /* every job of this recorder is done */
      text = g_strdup (_("Done"));
      t = DC_STATUS_TONE_SUCCESS;
    }
  if (tone)
    *tone = t;
  return text;
}

char *
dc_session_dup_run_text (DcSession *self, DcStatusTone *tone)
{
  const guint *n = self->run.n;
  guint missing = n[DC_RUN_FAILED] + n[DC_RUN_PARTIAL];
  DcStatusTone t = DC_STATUS_TONE_NORMAL;
  char *text;

  if (self->run.total == 0)
    text = g_strdup ("");
  else if (dc_session_is_busy (self))
    {
      g_autoptr(GString) s = g_string_new (NULL);

      /* TRANSLATORS: the run's progress, e.g. "12 of 161 done" */
      g_string_printf (s, _("%u of %u done"), n[DC_RUN_DONE], self->run.total);
      if (n[DC_RUN_RUNNING])
        g_string_append_printf (s, _(" · %u running"), n[DC_RUN_RUNNING]);
      if (n[DC_RUN_QUEUED])
        g_string_append_printf (s, _(" · %u queued"), n[DC_RUN_QUEUED]);
      if (n[DC_RUN_PAUSED])
        g_string_append_printf (s, _(" · %u paused"), n[DC_RUN_PAUSED]);
      if (n[DC_RUN_RETRY_WAIT])
        g_string_append_printf (s, _(" · %u waiting to retry"), n[DC_RUN_RETRY_WAIT]);
      if (missing)
        g_string_append_printf (s, _(" · %u missing"), missing);
      text = g_string_free (g_steal_pointer (&s), FALSE);
    }
  else if (missing == 0 && n[DC_RUN_DONE] == self->run.total)
    {
      text = g_strdup_printf (ngettext ("All %u download done.", "All %u downloads done.",
                                        self->run.total), self->run.total);
      t = DC_STATUS_TONE_SUCCESS;
    }
  else
    {
      /* the plural follows the total: "1 of 14 downloads missing:" */
      text = g_strdup_printf (ngettext ("%u of %u download missing:",
                                        "%u of %u downloads missing:", self->run.total),
                              missing, self->run.total);
      t = DC_STATUS_TONE_ERROR;
    }
  if (tone)
    *tone = t;
  return text;
}

typedef struct
{
  char  *text;
  guint  count;
  guint  first;   /* order of appearance, for equal counts */
} Group;

static int
compare_groups (gconstpointer a, gconstpointer b)
{
  const Group *ga = *(Group **) a, *gb = *(Group **) b;

  if (ga->count != gb->count)
    return ga->count > gb->count ? -1 : 1;
  return ga->first < gb->first ? -1 : ga->first > gb->first;
}

static void
group_free (Group *g)
{
  g_free (g->text);
  g_free (g);
}

/* The cause of a missing job in words, the same for every job it hit:
 * a recorder that cannot be reached is one cause, not 52. */
static char *
job_cause (DcJobItem *item)
{
  const DcDownloadRequest *req = dc_job_item_get_request (item);
  DcJobState st = dc_job_item_get_state (item);
  const char *msg = dc_job_item_get_message (item);

  if (dc_job_item_get_id (item) == 0)
    return g_strdup (msg ? msg : _("cannot be downloaded"));
  if (st == DC_JOB_CANCELLED)
    return g_strdup_printf (_("stopped on %s"), req->dvr);
  if (msg == NULL)
    return g_strdup_printf (_("failed on %s"), req->dvr);
  return g_strdup (msg);
}

GPtrArray *
dc_session_dup_missing_groups (DcSession *self)
{
  g_autoptr(GHashTable) by_cause = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  guint unmapped = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->jobs)); i++)
    {
      g_autoptr(DcJobItem) item = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);
      DcRunKind kind = dc_run_kind_for_state (dc_job_item_get_state (item));
      g_autofree char *cause = NULL;
      Group *g;

      if (!kind_is_missing (kind))
        continue;
      if (dc_job_item_get_id (item) == 0 && self->config &&
          dc_config_lookup_dock (self->config, dc_job_item_get_request (item)->dock) == NULL)
        {
          unmapped++;
          continue;
        }
      cause = kind == DC_RUN_PARTIAL ? g_strdup (_("clip shorter than asked")) : job_cause (item);
      g = g_hash_table_lookup (by_cause, cause);
      if (g == NULL)
        {
          g = g_new0 (Group, 1);
          g->text = g_steal_pointer (&cause);
          g->first = groups->len;
          g_ptr_array_add (groups, g);
          g_hash_table_insert (by_cause, g->text, g);
        }
      g->count++;
    }
  if (unmapped > 0)
    {
      Group *g = g_new0 (Group, 1);
      g->text = g_strdup (_("dock not mapped to a recorder (DVR settings)"));
      g->count = unmapped;
      g->first = groups->len;
      g_ptr_array_add (groups, g);
    }
  g_ptr_array_sort (groups, compare_groups);
  for (guint i = 0; i < groups->len; i++)
    {
      Group *g = g_ptr_array_index (groups, i);
      /* TRANSLATORS: one line of the missing list: how many, and why */
      g_ptr_array_add (lines, g_strdup_printf (_("%u — %s"), g->count, g->text));
    }
  return lines;
}

/* GObject */

static void
dc_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DcSession *self = DC_SESSION (object);

  switch (prop_id)
    {
    case PROP_OUTPUT_DIR:
      g_value_set_string (value, self->settings->output_dir);
      break;
    case PROP_PRE_SECONDS:
      g_value_set_int (value, self->settings->pre_s);
      break;
    case PROP_POST_SECONDS:
      g_value_set_int (value, self->settings->post_s);
      break;
    case PROP_CHECK_FIRST:
      g_value_set_boolean (value, self->settings->check_first);
      break;
    case PROP_MODE:
      g_value_set_string (value, mode_to_string (self->settings->mode));
      break;
    case PROP_OPEN_ESHEETS:
      g_value_set_boxed (value, self->open_paths);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, dc_session_is_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dc_session_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DcSession *self = DC_SESSION (object);
  DcAppSettings *s = self->settings;

  switch (prop_id)
    {
    case PROP_OUTPUT_DIR:
      {
        const char *dir = g_value_get_string (value);
        g_autoptr(DcAppSettings) defaults = NULL;

        /* "" in GSettings: the default folder */
        if (dir == NULL || *dir == '\0')
          {
            defaults = dc_app_settings_new_default ();
            dir = defaults->output_dir;
          }
        if (g_strcmp0 (dir, s->output_dir) == 0)
          return;
        g_free (s->output_dir);
        s->output_dir = g_strdup (dir);
        g_object_notify_by_pspec (object, pspec);
        g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
      }
      break;
    case PROP_PRE_SECONDS:
      if (s->pre_s != g_value_get_int (value))
        s->pre_s = g_value_get_int (value), g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_POST_SECONDS:
      if (s->post_s != g_value_get_int (value))
        s->post_s = g_value_get_int (value), g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_CHECK_FIRST:
      if (s->check_first != g_value_get_boolean (value))
        s->check_first = g_value_get_boolean (value), g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_MODE:
      {
        DcOutputMode mode = DC_OUTPUT_PICTURE;

        if (g_value_get_string (value))
          dc_output_mode_from_string (g_value_get_string (value), &mode);
        dc_session_set_mode (self, mode);
      }
      break;
    case PROP_OPEN_ESHEETS:
      {
        const char * const *paths = g_value_get_boxed (value);

        if (self->open_paths && paths && g_strv_equal ((const char * const *) self->open_paths, paths))
          return;
        g_strfreev (self->open_paths);
        self->open_paths = g_strdupv ((char **) paths);
        g_object_notify_by_pspec (object, pspec);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dc_session_dispose (GObject *object)
{
  DcSession *self = DC_SESSION (object);

  clear_pending (self);
  free_downloader (self);
  g_clear_handle_id (&self->status_source, g_source_remove);
  g_clear_handle_id (&self->countdown_source, g_source_remove);
  G_OBJECT_CLASS (dc_session_parent_class)->dispose (object);
}

static void
dc_session_finalize (GObject *object)
{
  DcSession *self = DC_SESSION (object);

  g_clear_pointer (&self->pending_progress, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_pointer (&self->recorders, g_hash_table_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->by_waybill, g_hash_table_unref);
  g_clear_object (&self->jobs);
  g_clear_pointer (&self->owed_batches, g_hash_table_unref);
  g_clear_pointer (&self->batch_paths, g_hash_table_unref);
  g_clear_pointer (&self->disk_scans, g_hash_table_unref);
  g_clear_pointer (&self->disk_waybills, g_hash_table_unref);
  g_clear_pointer (&self->reviewed_waybills, g_hash_table_unref);
  g_clear_object (&self->esheets);
  g_clear_pointer (&self->open_paths, g_strfreev);
  g_clear_pointer (&self->config, dc_config_free);
  g_free (self->config_path);
  g_free (self->demo_out_dir);
  g_clear_pointer (&self->settings, dc_app_settings_free);
  G_OBJECT_CLASS (dc_session_parent_class)->finalize (object);
}

/* A signal without arguments. */
static guint
plain_signal (DcSessionClass *klass, const char *name)
{
  return g_signal_new (name, G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                       NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dc_session_class_init (DcSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dc_session_get_property;
  object_class->set_property = dc_session_set_property;
  object_class->dispose = dc_session_dispose;
  object_class->finalize = dc_session_finalize;

  properties[PROP_OUTPUT_DIR] = g_param_spec_string ("output-dir", NULL, NULL, NULL, rw);
  properties[PROP_PRE_SECONDS] = g_param_spec_int ("pre-seconds", NULL, NULL, 0, 3600, 30, rw);
  properties[PROP_POST_SECONDS] = g_param_spec_int ("post-seconds", NULL, NULL, 0, 3600, 30, rw);
  properties[PROP_CHECK_FIRST] = g_param_spec_boolean ("check-first", NULL, NULL, TRUE, rw);
  properties[PROP_MODE] = g_param_spec_string ("mode", NULL, NULL, "picture", rw);
  properties[PROP_OPEN_ESHEETS] = g_param_spec_boxed ("open-esheets", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CONFIG_CHANGED] = plain_signal (klass, "config-changed");
  signals[SIGNAL_SETTINGS_CHANGED] = plain_signal (klass, "settings-changed");
  signals[SIGNAL_JOB_CHANGED] =
    g_signal_new ("job-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, DC_TYPE_JOB_ITEM);
  /* counts and recorder status changed (coalesced, a few per second) */
  signals[SIGNAL_STATUS_CHANGED] = plain_signal (klass, "status-changed");
  signals[SIGNAL_RUN_STARTED] = plain_signal (klass, "run-started");
  /* every job of the run is final */
  signals[SIGNAL_RUN_FINISHED] = plain_signal (klass, "run-finished");
  signals[SIGNAL_PICTURE_DONE] =
    g_signal_new ("picture-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
dc_session_init (DcSession *self)
{
  self->settings = dc_app_settings_new_default ();
  self->esheets = g_list_store_new (DC_TYPE_ESHEET);
  self->jobs = g_list_store_new (DC_TYPE_JOB_ITEM);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->by_waybill = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->recorders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) recorder_free);
  self->waiting = g_hash_table_new (NULL, NULL);
  self->pending_progress = g_hash_table_new (NULL, NULL);
  self->disk_scans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->disk_waybills = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reviewed_waybills = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->owed_batches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->batch_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->open_paths = g_new0 (char *, 1);
  g_queue_init (&self->pending);
}

DcSession *
dc_session_new (void)
{
  return g_object_new (DC_TYPE_SESSION, NULL);
}
