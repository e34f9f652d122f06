/* Dahua (and OEM) HTTP CGI driver.  Quirks handled here: key=value pages
 * in any order, "Error" pages, finder objects that must always be closed
 * and destroyed, the channel base of mediaFileFind, no fractional seconds,
 * and a web server that wedges under concurrent CGI calls (serialised per
 * recorder address across sessions). */
#define G_LOG_DOMAIN "dc-dvr-dahua"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dvr/dc-dvr-private.h"

#define FIND_COUNT 100
#define MAX_PAGES  1000

/* One CGI call, serialised with every other session of this recorder. */
static gboolean
cgi (DcDvrSession *self, const char *path, DcHttpResponse *resp, GError **error)
{
  gboolean ok;

  g_mutex_lock (self->dahua_lock);
  ok = dc_http_request (self->http, "GET", path, NULL, NULL, resp, error);
  g_mutex_unlock (self->dahua_lock);
  return ok;
}

/* A CGI call whose answer must be a 2xx non-error page. */
static GBytes *
cgi_doc (DcDvrSession *self, const char *path, DcHttpResponse *resp_out, GError **error)
{
  DcHttpResponse resp;
  GBytes *body;

  if (!cgi (self, path, &resp, error))
    return NULL;
  if (!dc_http_check_response (self->http, &resp, error))
    {
      dc_http_response_clear (&resp);
      return NULL;
    }
  body = g_bytes_ref (resp.body);
  if (resp_out)
    *resp_out = resp;
  else
    dc_http_response_clear (&resp);
  return body;
}

static char *
cgi_value (DcDvrSession *self, const char *path, const char *key, GError **error)
{
  g_autoptr(GBytes) body = cgi_doc (self, path, NULL, error);
  gsize len;
  const char *data;

  if (body == NULL)
    return NULL;
  data = g_bytes_get_data (body, &len);
  return dc_dahua_parse_value (data, (gssize) len, key, error);
}

static gboolean
is_fatal (const GError *error)
{
  return error->domain == DC_DVR_ERROR &&
         (error->code == DC_DVR_ERROR_AUTH || error->code == DC_DVR_ERROR_UNREACHABLE ||
          error->code == DC_DVR_ERROR_CANCELLED || error->code == DC_DVR_ERROR_STALLED ||
          error->code == DC_DVR_ERROR_DROPPED || error->code == DC_DVR_ERROR_BUSY ||
          error->code == DC_DVR_ERROR_CONFIG);
}

gboolean
dc_dahua_probe (DcDvrSession *self, DcDvrInfo *info, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) body = NULL;
  DcHttpResponse resp;
  gint64 best_rtt = G_MAXINT64;
  gint64 wall = 0;
  const char *data;
  gsize len;

  info->model = cgi_value (self, "/cgi-bin/magicBox.cgi?action=getDeviceType", "type", error);
  if (info->model == NULL)
    return FALSE;
  info->device_type = g_strdup (info->model);
  info->serial = cgi_value (self, "/cgi-bin/magicBox.cgi?action=getSerialNo", "sn", &local_error);
  if (info->serial == NULL && is_fatal (local_error))
    goto fail;
  g_clear_error (&local_error);
  info->firmware = cgi_value (self, "/cgi-bin/magicBox.cgi?action=getSoftwareVersion", "version",
                              &local_error);
  if (info->firmware == NULL && is_fatal (local_error))
    goto fail;
  g_clear_error (&local_error);

  body = cgi_doc (self, "/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle", NULL,
                  &local_error);
  if (body != NULL)
    {
      char **names;
      data = g_bytes_get_data (body, &len);
      names = dc_dahua_parse_channel_titles (data, (gssize) len, NULL);
      if (names != NULL)
        {
          info->channel_names = names;
          info->n_channels = g_strv_length (names);
        }
      g_clear_pointer (&body, g_bytes_unref);
    }
  else if (is_fatal (local_error))
    goto fail;
  g_clear_error (&local_error);

  for (int sample = 0; sample < CLOCK_SAMPLES && best_rtt > CLOCK_GOOD_RTT_US; sample++)
    {
      g_autoptr(GError) sample_error = NULL;
      g_autofree char *reading = NULL;

      body = cgi_doc (self, "/cgi-bin/global.cgi?action=getCurrentTime", &resp, &sample_error);
      if (body != NULL)
        {
          data = g_bytes_get_data (body, &len);
          reading = dc_dahua_parse_value (data, (gssize) len, "result", &sample_error);
          if (reading != NULL && !dc_wire_time_parse (reading, &wall, NULL))
            g_set_error (&sample_error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                         _("%s sent an unreadable clock “%s”"), dc_http_get_label (self->http),
                         reading);
          if (sample_error == NULL && resp.elapsed_us < best_rtt)
            {
              best_rtt = resp.elapsed_us;
              info->clock_offset_s = dc_dvr_measure_clock_offset (wall, resp.start_us, resp.elapsed_us);
            }
          dc_http_response_clear (&resp);
          g_clear_pointer (&body, g_bytes_unref);
        }
      if (sample_error != NULL)
        {
          if (sample == 0)
            {
              g_propagate_error (error, g_steal_pointer (&sample_error));
              return FALSE;
            }
          break;
        }
    }

  /* Dahua CGI times are the device's local wall clock. */
  info->time_mode = self->cfg->time_mode == DC_DVR_TIME_UTC ? DC_DVR_TIME_UTC : DC_DVR_TIME_LOCAL;
  /* No capability query: assume loadfile.cgi works unless configured
   * otherwise; open_window turns a refusal into NOT_SUPPORTED. */
  info->download_by_time = self->cfg->download_by_time != 0;
  return TRUE;

fail:
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static void
finder_close (DcDvrSession *self, const char *object)
{
  /* Always both, ignoring errors: some firmware knows only one spelling. */
  static const char *const actions[] = { "close", "destroy" };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=%s&object=%s",
                                               actions[i], object);
      DcHttpResponse resp;

      /* Cleanup must run even after a cancel: the finder is a device
       * resource.  Each call is a few milliseconds. */
      dc_http_set_uncancellable (self->http, TRUE);
      if (cgi (self, path, &resp, NULL))
        dc_http_response_clear (&resp);
      dc_http_set_uncancellable (self->http, FALSE);
    }
}

void
dc_dahua_release (DcDvrSession *self)
{
  while (self->finders->len > 0)
    {
      g_autofree char *object = g_ptr_array_steal_index (self->finders, self->finders->len - 1);
      finder_close (self, object);
    }
}

static void
forget_finder (DcDvrSession *self, const char *object)
{
  for (guint i = 0; i < self->finders->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->finders, i), object) == 0)
      {
        g_ptr_array_remove_index (self->finders, i);
        return;
      }
}

static const char *
container_for (const DcDahuaItem *item)
{
  const char *type = item->type;
  if (type == NULL || *type == '\0')
    {
      const char *dot = strrchr (item->file_path, '.');
      type = dot ? dot + 1 : "dav";
    }
  if (g_ascii_strcasecmp (type, "mp4") == 0)
    return "mov,mp4,m4a,3gp,3g2,mj2";
  return "dhav";
}

/* Runs one create/findFile/findNextFile.../close/destroy cycle for the
 * device channel number @query_channel. */
static GPtrArray *
find_files (DcDvrSession *self, guint channel, int query_channel, gint64 from_us, gint64 to_us,
            GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_segment_free);
  g_autofree char *object = NULL;
  g_autofree char *start = NULL, *end = NULL;
  g_autofree char *find_path = NULL;
  g_autoptr(GError) local_error = NULL;
  DcHttpResponse resp;
  gsize len;
  const char *data;
  gint64 wall_from = dc_dvr_session_pc_to_wall (self, from_us);
  gint64 wall_to = dc_dvr_session_pc_to_wall (self, to_us + G_USEC_PER_SEC - 1);

  if (dc_http_is_cancelled (self->http))
    {
      g_set_error_literal (error, DC_DVR_ERROR, DC_DVR_ERROR_CANCELLED, _("Cancelled"));
      return NULL;
    }
  /* Not interruptible: a create aborted after the device acted on it would
   * leave a finder we cannot name, hence cannot destroy. */
  /* Nor cut short by a stall timeout tuned for video: a slow device still
   * creates the finder, and a second create would leak the first. */
  dc_http_set_uncancellable (self->http, TRUE);
  dc_http_set_stall_timeout (self->http, MAX (self->stall_s, 30));
  object = cgi_value (self, "/cgi-bin/mediaFileFind.cgi?action=factory.create", "result", error);
  dc_http_set_stall_timeout (self->http, self->stall_s ? self->stall_s : 30);
  dc_http_set_uncancellable (self->http, FALSE);
  if (object == NULL)
    return NULL;
  g_strstrip (object);
  if (*object == '\0' || strspn (object, "0123456789") != strlen (object))
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("%s sent an unreadable file finder id"), dc_http_get_label (self->http));
      return NULL;
    }
  /* From here on the finder is released whatever happens (also by
   * dc_dvr_session_release() if we never get back here). */
  g_ptr_array_add (self->finders, g_strdup (object));

  /* Whole seconds, space as %20: fractions get HTTP 400. */
  start = dc_wire_time_format_dahua (wall_from);
  end = dc_wire_time_format_dahua (wall_to);
  start[10] = '\0';
  end[10] = '\0';
  find_path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findFile&object=%s"
                               "&condition.Channel=%d&condition.StartTime=%s%%20%s"
                               "&condition.EndTime=%s%%20%s",
                               object, query_channel, start, start + 11, end, end + 11);
  if (!cgi (self, find_path, &resp, &local_error))
    goto done;
  data = g_bytes_get_data (resp.body, &len);
  if (resp.status == 200 && dc_dahua_is_error (data, (gssize) len, NULL))
    {
      /* Devices answer Error when nothing matches. */
      dc_http_response_clear (&resp);
      goto done;
    }
  if (!dc_http_check_response (self->http, &resp, &local_error))
    {
      dc_http_response_clear (&resp);
      goto done;
    }
  dc_http_response_clear (&resp);

  for (guint page = 0; page < MAX_PAGES; page++)
    {
      g_autofree char *next = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findNextFile"
                                               "&object=%s&count=%d", object, FIND_COUNT);
      g_autoptr(GPtrArray) items = NULL;
      guint found = 0;

      if (!cgi (self, next, &resp, &local_error))
        break;
      data = g_bytes_get_data (resp.body, &len);
      if (dc_dahua_is_error (data, (gssize) len, NULL) && resp.status < 500)
        {
          /* "Error" also means "no more files" (python-amcrest). */
          dc_http_response_clear (&resp);
          break;
        }
      if (!dc_http_check_response (self->http, &resp, &local_error) ||
          !dc_dahua_parse_find_page (data, (gssize) len, &found, &items, &local_error))
        {
          dc_http_response_clear (&resp);
          break;
        }
      dc_http_response_clear (&resp);
      for (guint i = 0; i < items->len; i++)
        {
          DcDahuaItem *item = g_ptr_array_index (items, i);
          DcDvrSegment *seg = g_new0 (DcDvrSegment, 1);
          seg->channel = channel;
          seg->start_us = dc_dvr_session_wall_to_pc (self, item->start_wall_s);
          seg->end_us = dc_dvr_session_wall_to_pc (self, item->end_wall_s);
          seg->size = item->length;
          seg->uri = g_strdup (item->file_path);
          seg->container = g_strdup (container_for (item));
          /* Older firmware has no FileState: a file ending about now is
           * the one being written. */
          seg->still_writing = item->temporary ||
                               seg->end_us >= g_get_real_time () - 60 * G_USEC_PER_SEC;
          g_ptr_array_add (out, seg);
        }
      if (found == 0 || found < FIND_COUNT)
        break;
    }

done:
  forget_finder (self, object);
  finder_close (self, object);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
dc_dahua_search (DcDvrSession *self, guint channel, gint64 from_us, gint64 to_us, GError **error)
{
  g_autoptr(GPtrArray) segs = NULL;
  g_autoptr(GPtrArray) zero = NULL;

  if (self->dahua_shift >= 0)
    return find_files (self, channel, (int) channel - self->dahua_shift, from_us, to_us, error);

  segs = find_files (self, channel, (int) channel, from_us, to_us, error);
  if (segs == NULL)
    return NULL;
  if (segs->len > 0)
    {
      self->dahua_shift = 0;
      return g_steal_pointer (&segs);
    }
  /* Nothing on channel c.  Some devices number mediaFileFind channels
   * from 0: ask channel 0, which does not exist on a 1-based device, so
   * this probe never returns another camera's recordings there. */
  zero = find_files (self, channel, 0, from_us, to_us, error);
  if (zero == NULL)
    return NULL;
  if (zero->len == 0)
    return g_steal_pointer (&segs);
  self->dahua_shift = 1;
  dc_log_printf (dc_http_get_log (self->http), "search: channels are 0-based on this recorder");
  if (channel == 1)
    return g_steal_pointer (&zero);
  return find_files (self, channel, (int) channel - 1, from_us, to_us, error);
}

DcByteSource *
dc_dahua_open_segment (DcDvrSession *self, const DcDvrSegment *seg, GError **error)
{
  /* Single slash; [ ] @ go raw (libcurl does no globbing). */
  g_autofree char *path = g_strconcat ("/cgi-bin/RPC_Loadfile", seg->uri[0] == '/' ? "" : "/",
                                       seg->uri, NULL);
  return dc_http_open_stream (self->http, "GET", path, NULL, NULL, seg->size, error);
}

DcByteSource *
dc_dahua_open_window (DcDvrSession *self, guint channel, gint64 from_us, gint64 to_us,
                      GError **error)
{
  g_autofree char *start = dc_wire_time_format_dahua (dc_dvr_session_pc_to_wall (self, from_us));
  g_autofree char *end = dc_wire_time_format_dahua (dc_dvr_session_pc_to_wall (self, to_us + G_USEC_PER_SEC - 1));
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  DcByteSource *source;

  start[10] = '\0';
  end[10] = '\0';
  /* loadfile.cgi channels are 1-based whatever mediaFileFind does. */
  path = g_strdup_printf ("/cgi-bin/loadfile.cgi?action=startLoad&channel=%u"
                          "&startTime=%s%%20%s&endTime=%s%%20%s&subtype=0",
                          channel, start, start + 11, end, end + 11);
  source = dc_http_open_stream (self->http, "GET", path, NULL, NULL, 0, &local_error);
  if (source == NULL && g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE))
    {
      if (self->info != NULL && self->cfg->download_by_time < 0)
        self->info->download_by_time = FALSE;
      g_clear_error (&local_error);
      g_set_error (&local_error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED,
                   _("%s does not download by time, only whole recordings"),
                   dc_http_get_label (self->http));
    }
  if (source == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return source;
}
