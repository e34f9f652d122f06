#define G_LOG_DOMAIN "dc-job-item"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-job-item.h"

struct _DcJobItem
{
  GObject             parent_instance;

  guint               id;
  DcDownloadRequest  *request;
  DcJobState          state;
  guint64             bytes_done;
  guint64             bytes_total;
  double              bytes_per_s;
  gint64              retry_at_us;
  gboolean            skipped;
  char               *message;
  char               *picture_path;
};

G_DEFINE_FINAL_TYPE (DcJobItem, dc_job_item, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, PROP_PROGRESS, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
dc_job_item_finalize (GObject *object)
{
  DcJobItem *self = DC_JOB_ITEM (object);

  dc_download_request_free (self->request);
  g_free (self->message);
  g_free (self->picture_path);
  G_OBJECT_CLASS (dc_job_item_parent_class)->finalize (object);
}

static void
dc_job_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DcJobItem *self = DC_JOB_ITEM (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, dc_job_item_get_fraction (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dc_job_item_class_init (DcJobItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dc_job_item_finalize;
  object_class->get_property = dc_job_item_get_property;
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Once per applied event that changed anything (after the "state" and
   * "progress" notifications): a job-list row redraws once, not twice. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dc_job_item_init (DcJobItem *self)
{
}

DcJobItem *
dc_job_item_new (guint id, const DcDownloadRequest *request)
{
  DcJobItem *self = g_object_new (DC_TYPE_JOB_ITEM, NULL);

  self->id = id;
  self->request = dc_download_request_copy (request);
  self->state = DC_JOB_QUEUED;
  return self;
}

guint
dc_job_item_get_id (DcJobItem *self)
{
  return self->id;
}

const DcDownloadRequest *
dc_job_item_get_request (DcJobItem *self)
{
  return self->request;
}

DcJobState
dc_job_item_get_state (DcJobItem *self)
{
  return self->state;
}

double
dc_job_item_get_fraction (DcJobItem *self)
{
  if (self->state == DC_JOB_DONE)
    return 1.0;
  if (self->bytes_total == 0)
    return 0.0;
  return MIN (1.0, (double) self->bytes_done / (double) self->bytes_total);
}

const char *
dc_job_item_get_message (DcJobItem *self)
{
  return self->message;
}

const char *
dc_job_item_get_picture_path (DcJobItem *self)
{
  return self->picture_path;
}

char *
dc_job_item_dup_status_text (DcJobItem *self)
{
  switch (self->state)
    {
    case DC_JOB_QUEUED:
      return g_strdup (_("Queued"));
    case DC_JOB_CONNECTING:
      return g_strdup (_("Connecting"));
    case DC_JOB_SEARCHING:
      return g_strdup (_("Checking recording"));
    case DC_JOB_DOWNLOADING:
      if (self->bytes_total > 0)
        return g_strdup_printf ("%d%%", (int) (dc_job_item_get_fraction (self) * 100));
      return g_strdup (_("Downloading"));
    case DC_JOB_PROCESSING:
      return g_strdup (_("Saving"));
    case DC_JOB_RETRY_WAIT:
      {
        gint64 left = (self->retry_at_us - g_get_monotonic_time ()) / G_USEC_PER_SEC;
        return g_strdup_printf (_("Retrying in %d s"), (int) MAX (left, 0));
      }
    case DC_JOB_PAUSED:
      return g_strdup (_("Paused"));
    case DC_JOB_DONE:
      return g_strdup (self->skipped ? _("Done (already there)") : _("Done"));
    case DC_JOB_FAILED:
      return self->message ? g_strdup_printf (_("Failed: %s"), self->message)
                           : g_strdup (_("Failed"));
    case DC_JOB_CANCELLED:
      return g_strdup (_("Stopped"));
    case DC_JOB_PARTIAL:
      /* TRANSLATORS: a clip shorter than asked; %s says which part it covers */
      return self->message ? g_strdup_printf (_("Partial: %s"), self->message)
                           : g_strdup (_("Partial clip"));
    default:
      return g_strdup ("");
    }
}

char *
dc_job_item_dup_speed_text (DcJobItem *self)
{
  g_autofree char *speed = NULL;

  if (self->state != DC_JOB_DOWNLOADING || self->bytes_per_s <= 0)
    return g_strdup ("");
  speed = g_format_size ((guint64) self->bytes_per_s);
  if (self->bytes_total > self->bytes_done)
    {
      guint eta = (guint) ((self->bytes_total - self->bytes_done) / self->bytes_per_s);
      /* TRANSLATORS: download speed and time left, e.g. "1.2 MB/s · 8 s left" */
      return g_strdup_printf (_("%s/s · %u s left"), speed, eta);
    }
  return g_strdup_printf (_("%s/s"), speed);
}

void
dc_job_item_apply_event (DcJobItem *self, const DcDownloadEvent *event)
{
  double old_fraction = dc_job_item_get_fraction (self);
  gboolean state_changed = event->state != self->state;
  gboolean progress_changed;

  self->state = event->state;
  self->bytes_done = event->bytes_done;
  self->bytes_total = event->bytes_total;
  self->bytes_per_s = event->bytes_per_s;
  self->retry_at_us = event->retry_at_us;
  self->skipped = event->skipped;
  if (event->message != NULL || dc_job_state_is_final (event->state) ||
      event->state == DC_JOB_QUEUED)
    {
      g_free (self->message);
      self->message = g_strdup (event->message);
    }
  if (event->picture_path != NULL)
    {
      g_free (self->picture_path);
      self->picture_path = g_strdup (event->picture_path);
    }
  state_changed |= event->state == DC_JOB_RETRY_WAIT;
  progress_changed = old_fraction != dc_job_item_get_fraction (self) ||
                     event->state == DC_JOB_DOWNLOADING;
  if (state_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (progress_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
  if (state_changed || progress_changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

gboolean
dc_job_item_tick (DcJobItem *self)
{
  if (self->state != DC_JOB_RETRY_WAIT)
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

void
dc_job_item_set_final (DcJobItem *self, DcJobState state, const char *message)
{
  DcDownloadEvent event = { 0 };

  event.kind = DC_EVENT_JOB;
  event.job_id = self->id;
  event.state = state;
  event.message = (char *) message;
  dc_job_item_apply_event (self, &event);
}

gboolean
dc_job_item_retarget (DcJobItem *self, const char *dvr, guint channel)
{
  g_return_val_if_fail (DC_IS_JOB_ITEM (self) && dvr != NULL, FALSE);
  if (g_strcmp0 (self->request->dvr, dvr) == 0 && self->request->channel == channel)
    return FALSE;
  g_free (self->request->dvr);
  self->request->dvr = g_strdup (dvr);
  self->request->channel = channel;
  /* the row shows "dock · recorder chN" with its state */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  return TRUE;
}
