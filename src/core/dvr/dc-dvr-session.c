#define G_LOG_DOMAIN "dc-dvr"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "dvr/dc-dvr-private.h"

DcDvrSession *
dc_dvr_session_new (const DcDvrConfig *cfg, DcLog *log, GError **error)
{
  const DcDvrDriver *driver;
  DcDvrSession *self;
  DcHttp *http;

  g_return_val_if_fail (cfg != NULL, NULL);
  driver = dc_dvr_driver_for_brand (cfg->brand);
  if (driver == NULL)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("DVR “%s” has a brand Dockclip has no driver for"), cfg->name ? cfg->name : "");
      return NULL;
    }
  http = dc_http_new_for_config (cfg, log, error);
  if (http == NULL)
    return NULL;
  self = g_new0 (DcDvrSession, 1);
  self->cfg = dc_dvr_config_copy (cfg);
  self->http = http;
  self->stall_s = 30;
  self->time_mode = cfg->time_mode == DC_DVR_TIME_UTC ? DC_DVR_TIME_UTC : DC_DVR_TIME_LOCAL;
  self->driver = driver;
  self->driver_state = driver->state_new ? driver->state_new (self) : NULL;
  return self;
}

void
dc_dvr_session_free (DcDvrSession *self)
{
  if (self == NULL)
    return;
  dc_dvr_session_release (self);
  if (self->driver->state_free)
    self->driver->state_free (self->driver_state);
  dc_http_free (self->http);
  dc_dvr_config_free (self->cfg);
  dc_dvr_info_free (self->info);
  g_free (self);
}

void
dc_dvr_session_release (DcDvrSession *self)
{
  g_return_if_fail (self != NULL);
  if (self->driver->release)
    self->driver->release (self);
}

void
dc_dvr_session_log (DcDvrSession *self, const char *format, ...)
{
  g_autofree char *msg = NULL;
  DcLog *log = dc_http_get_log (self->http);
  va_list args;

  if (log == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  dc_log_printf (log, "%s", msg);
}

gboolean
dc_dvr_session_drop_other_camera (DcDvrSession *self, guint channel, guint n_other, int other,
                                  guint n_kept, GError **error)
{
  if (n_other == 0)
    return TRUE;
  dc_dvr_session_log (self, "search: %u item(s) of another camera (%d) returned for channel %u: "
                      "dropped", n_other, other, channel);
  if (n_kept > 0)
    return TRUE;
  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
               _("%s returned another camera's recordings for channel %u; none were used"),
               dc_http_get_label (self->http), channel);
  return FALSE;
}

gboolean
dc_dvr_check_clock_offset (DcDvrSession *self, gint64 offset_s, GError **error)
{
  gint64 off = ABS (offset_s);
  gint64 years;

  if (off <= DC_DVR_MAX_CLOCK_OFFSET_S)
    return TRUE;
  years = (off + 365 * 24 * 3600 / 2) / (365 * 24 * 3600);
  years = MAX (years, 1);
  /* The count is a guint for the translators' sake: xgettext cannot see
   * through G_GINT64_FORMAT. */
  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
               g_dngettext (GETTEXT_PACKAGE,
                            "%s: its clock is wrong by %u year: fix it on the recorder; its recordings are not used until then",
                            "%s: its clock is wrong by %u years: fix it on the recorder; its recordings are not used until then",
                            (gulong) MIN (years, 100000)),
               dc_http_get_label (self->http), (guint) MIN (years, 100000));
  return FALSE;
}

void
dc_dvr_session_cancel (DcDvrSession *self)
{
  g_return_if_fail (self != NULL);
  dc_http_cancel (self->http);
}

void
dc_dvr_session_reset_cancel (DcDvrSession *self)
{
  g_return_if_fail (self != NULL);
  dc_http_reset_cancel (self->http);
}

void
dc_dvr_session_set_progress_func (DcDvrSession *self, DcDvrProgressFunc func, gpointer user_data)
{
  g_return_if_fail (self != NULL);
  dc_http_set_progress_func (self->http, func, user_data);
}

void
dc_dvr_session_set_stall_timeout (DcDvrSession *self, guint seconds)
{
  g_return_if_fail (self != NULL);
  self->stall_s = seconds;
  dc_http_set_stall_timeout (self->http, seconds);
}

const DcDvrInfo *
dc_dvr_session_get_info (DcDvrSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->info;
}

void
dc_dvr_session_set_info (DcDvrSession *self, const DcDvrInfo *info)
{
  DcDvrInfo *copy;

  g_return_if_fail (self != NULL);
  if (info == self->info)
    return;
  copy = dc_dvr_info_copy (info);
  dc_dvr_info_free (self->info);
  self->info = copy;
  if (copy != NULL)
    {
      self->time_mode = copy->time_mode == DC_DVR_TIME_UTC ? DC_DVR_TIME_UTC : DC_DVR_TIME_LOCAL;
      self->clock_offset_s = copy->clock_offset_s;
    }
}

void
dc_dvr_session_set_clock (DcDvrSession *self, DcDvrTimeMode mode, gint64 clock_offset_s)
{
  g_return_if_fail (self != NULL);
  self->time_mode = mode == DC_DVR_TIME_UTC ? DC_DVR_TIME_UTC : DC_DVR_TIME_LOCAL;
  self->clock_offset_s = clock_offset_s;
  if (self->info)
    {
      self->info->time_mode = self->time_mode;
      self->info->clock_offset_s = clock_offset_s;
    }
}

const DcDvrInfo *
dc_dvr_session_probe (DcDvrSession *self, GError **error)
{
  g_autoptr(DcDvrInfo) info = NULL;
  gboolean ok;

  g_return_val_if_fail (self != NULL, NULL);
  info = g_new0 (DcDvrInfo, 1);
  ok = self->driver->probe (self, info, error);
  if (ok)
    ok = dc_dvr_check_clock_offset (self, info->clock_offset_s, error);
  if (!ok)
    return NULL;
  if (info->channel_names == NULL)
    info->channel_names = g_new0 (char *, 1);
  dc_dvr_info_free (self->info);
  self->info = g_steal_pointer (&info);
  self->time_mode = self->info->time_mode;
  self->clock_offset_s = self->info->clock_offset_s;
  dc_dvr_session_log (self, "probe: %s %s firmware %s, %u channels, clock offset %+" G_GINT64_FORMAT
                 " s, time mode %s, download by time %s",
                 self->info->device_type ? self->info->device_type : "?",
                 self->info->model ? self->info->model : "?",
                 self->info->firmware ? self->info->firmware : "?", self->info->n_channels,
                 self->info->clock_offset_s, dc_dvr_time_mode_to_string (self->info->time_mode),
                 self->info->download_by_time ? "yes" : "no");
  return self->info;
}

static gboolean
ensure_probed (DcDvrSession *self, GError **error)
{
  return self->info != NULL || dc_dvr_session_probe (self, error) != NULL;
}

GPtrArray *
dc_dvr_session_search (DcDvrSession *self, guint channel, gint64 from_us, gint64 to_us,
                       GError **error)
{
  GPtrArray *segments;

  g_return_val_if_fail (self != NULL, NULL);
  if (channel == 0)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   _("%s: channel numbers start at 1"), dc_http_get_label (self->http));
      return NULL;
    }
  if (to_us <= from_us)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_segment_free);
  if (!ensure_probed (self, error))
    return NULL;
  segments = self->driver->search (self, channel, from_us, to_us, error);
  if (segments == NULL)
    return NULL;

  /* Only what overlaps the asked window. */
  for (guint i = segments->len; i > 0; i--)
    {
      DcDvrSegment *seg = g_ptr_array_index (segments, i - 1);
      if (seg->end_us <= from_us || seg->start_us >= to_us)
        g_ptr_array_remove_index (segments, i - 1);
    }
  dc_dvr_segments_normalize (segments);
  return segments;
}

DcByteSource *
dc_dvr_session_open_segment (DcDvrSession *self, const DcDvrSegment *seg, GError **error)
{
  return dc_dvr_session_open_segment_full (self, seg, DC_DVR_OPEN_DEFAULT, error);
}

DcByteSource *
dc_dvr_session_open_segment_full (DcDvrSession *self, const DcDvrSegment *seg,
                                  DcDvrOpenFlags flags, GError **error)
{
  DcByteSource *source;

  g_return_val_if_fail (self != NULL && seg != NULL, NULL);
  if (seg->uri == NULL || *seg->uri == '\0')
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG, "segment without a URI");
      return NULL;
    }
  dc_http_set_sparse_reads (self->http, (flags & DC_DVR_OPEN_SPARSE) != 0);
  source = self->driver->open_segment (self, seg, error);
  dc_http_set_sparse_reads (self->http, FALSE);
  return source;
}

DcByteSource *
dc_dvr_session_open_window (DcDvrSession *self, guint channel, const DcDvrSegment *seg,
                            gint64 from_us, gint64 to_us, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (channel == 0 || to_us <= from_us)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG,
                   "%s: bad channel or time window", dc_http_get_label (self->http));
      return NULL;
    }
  if (self->cfg->download_by_time == 0 ||
      (self->cfg->download_by_time < 0 && self->info != NULL && !self->info->download_by_time))
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED,
                   _("%s does not download by time, only whole recordings"),
                   dc_http_get_label (self->http));
      return NULL;
    }
  if (!ensure_probed (self, error))
    return NULL;
  return self->driver->open_window (self, channel, seg, from_us, to_us, error);
}

/* ---- time ---- */

static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

gint64
dc_dvr_pc_to_wall (DcDvrTimeMode mode, gint64 offset_s, gint64 pc_us)
{
  gint64 pc_s = floor_div (pc_us, G_USEC_PER_SEC);

  if (mode == DC_DVR_TIME_UTC)
    return pc_s + offset_s;
  else
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (pc_s);
      gint64 utc_off = dt ? g_date_time_get_utc_offset (dt) / G_USEC_PER_SEC : 0;
      return pc_s + utc_off + offset_s;
    }
}

gint64
dc_dvr_wall_to_pc (DcDvrTimeMode mode, gint64 offset_s, gint64 wall_s)
{
  gint64 digits = wall_s - offset_s;

  if (mode == DC_DVR_TIME_UTC)
    return digits * G_USEC_PER_SEC;
  else
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (digits);
      g_autoptr(GDateTime) local = NULL;
      if (utc == NULL)
        return digits * G_USEC_PER_SEC;
      local = g_date_time_new_local (g_date_time_get_year (utc), g_date_time_get_month (utc),
                                     g_date_time_get_day_of_month (utc), g_date_time_get_hour (utc),
                                     g_date_time_get_minute (utc), g_date_time_get_second (utc));
      return (local ? g_date_time_to_unix (local) : digits) * G_USEC_PER_SEC;
    }
}

gint64
dc_dvr_session_pc_to_wall (DcDvrSession *self, gint64 pc_us)
{
  return dc_dvr_pc_to_wall (self->time_mode, self->clock_offset_s, pc_us);
}

gint64
dc_dvr_session_wall_to_pc (DcDvrSession *self, gint64 wall_s)
{
  return dc_dvr_wall_to_pc (self->time_mode, self->clock_offset_s, wall_s);
}

gint64
dc_dvr_measure_clock_offset (gint64 recorder_wall_s, gint64 start_us, gint64 elapsed_us)
{
  gint64 mid_us = start_us + elapsed_us / 2;
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (floor_div (mid_us, G_USEC_PER_SEC));
  gint64 utc_off_us = dt ? g_date_time_get_utc_offset (dt) : 0;
  /* The recorder's clock ticks whole seconds: its reading is at best
   * [W, W+1) so compare with the middle of that second. */
  double diff = ((double) recorder_wall_s * G_USEC_PER_SEC + G_USEC_PER_SEC / 2.0 -
                 (double) (mid_us + utc_off_us)) / G_USEC_PER_SEC;
  return (gint64) llround (diff);
}

char *
dc_dvr_session_format_wire_time (DcDvrSession *self, gint64 pc_us)
{
  g_return_val_if_fail (self != NULL, NULL);
  return dc_wire_time_format_dahua (dc_dvr_session_pc_to_wall (self, pc_us));
}

gboolean
dc_dvr_session_parse_wire_time (DcDvrSession *self, const char *wire, gint64 *pc_us)
{
  gint64 wall;

  g_return_val_if_fail (self != NULL, FALSE);
  if (!dc_wire_time_parse (wire, &wall, NULL))
    return FALSE;
  if (pc_us)
    *pc_us = dc_dvr_session_wall_to_pc (self, wall);
  return TRUE;
}

/* ---- helpers for the drivers ---- */

void
dc_dvr_info_set_channels (DcDvrInfo *info, GPtrArray *channels)
{
  guint max = 0;

  /* Ids were range-checked by the parser; checked again here because
   * this sizes the table. */
  for (guint i = 0; i < channels->len; i++)
    {
      guint id = ((DcDvrChannel *) g_ptr_array_index (channels, i))->id;
      if (id >= 1 && id <= DC_DVR_MAX_CHANNELS)
        max = MAX (max, id);
    }
  g_strfreev (info->channel_names);
  info->channel_names = g_new0 (char *, max + 1);
  for (guint i = 0; i < max; i++)
    info->channel_names[i] = g_strdup_printf ("%u", i + 1);
  for (guint i = 0; i < channels->len; i++)
    {
      DcDvrChannel *ch = g_ptr_array_index (channels, i);
      if (ch->id >= 1 && ch->id <= max && ch->name && *ch->name)
        {
          g_free (info->channel_names[ch->id - 1]);
          info->channel_names[ch->id - 1] = g_strdup (ch->name);
        }
    }
  info->n_channels = max;
}

static int
segment_cmp (gconstpointer a, gconstpointer b)
{
  const DcDvrSegment *sa = *(DcDvrSegment **) a, *sb = *(DcDvrSegment **) b;
  if (sa->start_us != sb->start_us)
    return sa->start_us < sb->start_us ? -1 : 1;
  if (sa->end_us != sb->end_us)
    return sa->end_us < sb->end_us ? -1 : 1;
  return g_strcmp0 (sa->uri, sb->uri);
}

void
dc_dvr_segments_normalize (GPtrArray *segments)
{
  g_ptr_array_sort (segments, segment_cmp);
  for (guint i = 1; i < segments->len;)
    {
      DcDvrSegment *prev = g_ptr_array_index (segments, i - 1);
      DcDvrSegment *cur = g_ptr_array_index (segments, i);
      if (prev->start_us == cur->start_us && prev->end_us == cur->end_us &&
          g_strcmp0 (prev->uri, cur->uri) == 0)
        g_ptr_array_remove_index (segments, i);
      else
        i++;
    }
}
