/* Hikvision ISAPI driver.  Quirks handled here: namespaces (any or none),
 * POST search with position paging that old firmware ignores, the "Z" on
 * local wall-clock times, GET-with-body downloads that some firmware
 * wants as POST, and ResponseStatus errors sent with HTTP 200. */
#define G_LOG_DOMAIN "dc-dvr-hikvision"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "dvr/dc-dvr-private.h"

#define DEFAULT_MAX_RESULTS 40
#define MAX_PAGES           500
#define DETECT_WINDOW_S     600
#define CONTAINER_PS        "mpeg"

/* GET @path, expecting a 2xx document.  The answer's bytes go to @body. */
static gboolean
get_doc (DcDvrSession *self, const char *path, GBytes **body, DcHttpResponse *resp_out,
         GError **error)
{
  DcHttpResponse resp;

  if (!dc_http_request (self->http, "GET", path, NULL, NULL, &resp, error))
    return FALSE;
  if (!dc_http_check_response (self->http, &resp, error))
    {
      dc_http_response_clear (&resp);
      return FALSE;
    }
  *body = g_bytes_ref (resp.body);
  if (resp_out)
    *resp_out = resp;
  else
    dc_http_response_clear (&resp);
  return TRUE;
}

/* Errors after which an optional probe step is simply skipped. */
static gboolean
is_fatal (const GError *error)
{
  return error->domain == DC_DVR_ERROR &&
         (error->code == DC_DVR_ERROR_AUTH || error->code == DC_DVR_ERROR_UNREACHABLE ||
          error->code == DC_DVR_ERROR_CANCELLED || error->code == DC_DVR_ERROR_STALLED ||
          error->code == DC_DVR_ERROR_DROPPED || error->code == DC_DVR_ERROR_BUSY ||
          error->code == DC_DVR_ERROR_CONFIG);
}

static GPtrArray *
probe_channels (DcDvrSession *self, GError **error)
{
  static const char *const paths[] = {
    "/ISAPI/ContentMgmt/InputProxy/channels",   /* NVR: IP channels */
    "/ISAPI/System/Video/inputs/channels",      /* DVR: analog inputs */
    "/ISAPI/Streaming/channels",                /* camera */
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GPtrArray) channels = NULL;
      gsize len;
      const char *data;

      if (!get_doc (self, paths[i], &body, NULL, &local_error))
        {
          if (is_fatal (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          continue;
        }
      data = g_bytes_get_data (body, &len);
      channels = dc_isapi_parse_channels (data, (gssize) len, NULL);
      if (channels != NULL && channels->len > 0)
        return g_steal_pointer (&channels);
    }
  return g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_channel_free);
}

static GPtrArray *search_mode (DcDvrSession *self, DcDvrTimeMode mode, guint channel,
                               gint64 from_us, gint64 to_us, GError **error);

/* §2.6 of the protocol notes: search the last 10 minutes with local and
 * with UTC digits; the mode whose answer holds the live segment (ending
 * about now) wins.  Local when undecided: most NVRs. */
static DcDvrTimeMode
detect_time_mode (DcDvrSession *self, guint channel, GError **error)
{
  gint64 now = g_get_real_time ();
  g_autoptr(GDateTime) dt = g_date_time_new_now_local ();
  gint64 best_score[2] = { G_MAXINT64, G_MAXINT64 };
  DcDvrTimeMode modes[2] = { DC_DVR_TIME_LOCAL, DC_DVR_TIME_UTC };

  if (g_date_time_get_utc_offset (dt) == 0)
    return DC_DVR_TIME_LOCAL;   /* both give the same digits here */
  for (guint m = 0; m < 2; m++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GPtrArray) segs = search_mode (self, modes[m], channel,
                                               now - DETECT_WINDOW_S * G_USEC_PER_SEC, now,
                                               &local_error);
      if (segs == NULL)
        {
          if (is_fatal (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return DC_DVR_TIME_LOCAL;
            }
          continue;
        }
      for (guint i = 0; i < segs->len; i++)
        {
          DcDvrSegment *seg = g_ptr_array_index (segs, i);
          best_score[m] = MIN (best_score[m], ABS (seg->end_us - now));
        }
    }
  dc_log_printf (dc_http_get_log (self->http),
                 "time mode detection: live segment end %+" G_GINT64_FORMAT " s (local), %+"
                 G_GINT64_FORMAT " s (utc)",
                 best_score[0] == G_MAXINT64 ? -1 : best_score[0] / G_USEC_PER_SEC,
                 best_score[1] == G_MAXINT64 ? -1 : best_score[1] / G_USEC_PER_SEC);
  if (best_score[1] < best_score[0] && best_score[1] <= DETECT_WINDOW_S * G_USEC_PER_SEC)
    return DC_DVR_TIME_UTC;
  return DC_DVR_TIME_LOCAL;
}

gboolean
dc_hik_probe (DcDvrSession *self, DcDvrInfo *info, GError **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) channels = NULL;
  g_autoptr(GError) local_error = NULL;
  DcHttpResponse resp;
  DcIsapiTime t = { 0 };
  gint64 best_rtt = G_MAXINT64;
  const char *data;
  gsize len;

  if (!get_doc (self, "/ISAPI/System/deviceInfo", &body, NULL, error))
    return FALSE;
  data = g_bytes_get_data (body, &len);
  if (!dc_isapi_parse_device_info (data, (gssize) len, info, error))
    return FALSE;
  g_clear_pointer (&body, g_bytes_unref);

  channels = probe_channels (self, error);
  if (channels == NULL)
    return FALSE;
  dc_dvr_info_set_channels (info, channels);

  /* The clock: recorder wall clock minus ours, corrected by half the
   * round trip. */
  /* The recorder ticks whole seconds, so a reading is only as good as
   * its round trip: under load one can take a second and round the offset
   * the wrong way.  Read up to three times and keep the fastest. */
  for (int sample = 0; sample < CLOCK_SAMPLES && best_rtt > CLOCK_GOOD_RTT_US; sample++)
    {
      g_autoptr(GError) sample_error = NULL;
      DcIsapiTime st;

      if (!get_doc (self, "/ISAPI/System/time", &body, &resp, &sample_error))
        {
          if (sample == 0)
            {
              g_propagate_error (error, g_steal_pointer (&sample_error));
              return FALSE;
            }
          break;
        }
      data = g_bytes_get_data (body, &len);
      if (!dc_isapi_parse_time (data, (gssize) len, &st, &sample_error))
        {
          dc_http_response_clear (&resp);
          g_clear_pointer (&body, g_bytes_unref);
          if (sample == 0)
            {
              g_propagate_error (error, g_steal_pointer (&sample_error));
              return FALSE;
            }
          break;
        }
      if (resp.elapsed_us < best_rtt)
        {
          best_rtt = resp.elapsed_us;
          info->clock_offset_s = dc_dvr_measure_clock_offset (st.wall_s, resp.start_us, resp.elapsed_us);
          dc_isapi_time_clear (&t);
          t = st;
        }
      else
        dc_isapi_time_clear (&st);
      dc_http_response_clear (&resp);
      g_clear_pointer (&body, g_bytes_unref);
    }

  /* Search limits (optional). */
  if (get_doc (self, "/ISAPI/ContentMgmt/search/profile", &body, NULL, &local_error))
    {
      data = g_bytes_get_data (body, &len);
      self->max_results = dc_isapi_parse_search_profile (data, (gssize) len);
      g_clear_pointer (&body, g_bytes_unref);
    }
  else if (is_fatal (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      dc_isapi_time_clear (&t);
      return FALSE;
    }
  g_clear_error (&local_error);

  /* Download by time: the config decides, else the device. */
  if (self->cfg->download_by_time >= 0)
    info->download_by_time = self->cfg->download_by_time == 1;
  else if (get_doc (self, "/ISAPI/ContentMgmt/download/capabilities", &body, NULL, &local_error))
    {
      gboolean by_time = FALSE;
      data = g_bytes_get_data (body, &len);
      if (dc_isapi_parse_download_ability (data, (gssize) len, &by_time, NULL, NULL))
        info->download_by_time = by_time;
    }
  else if (is_fatal (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      dc_isapi_time_clear (&t);
      return FALSE;
    }

  /* Time mode: config override, the device's own word, else detection. */
  if (self->cfg->time_mode != DC_DVR_TIME_AUTO)
    info->time_mode = self->cfg->time_mode;
  else if (t.time_type != DC_DVR_TIME_AUTO)
    info->time_mode = t.time_type;
  else
    {
      guint ch = channels->len > 0 ? ((DcDvrChannel *) g_ptr_array_index (channels, 0))->id : 1;
      self->clock_offset_s = info->clock_offset_s;
      info->time_mode = detect_time_mode (self, ch, error);
      if (error && *error)
        {
          dc_isapi_time_clear (&t);
          return FALSE;
        }
    }
  dc_isapi_time_clear (&t);
  return TRUE;
}

static char *
build_search (const char *search_id, guint track, const char *start, const char *end,
              guint max_results, guint position)
{
  /* No namespace: every firmware accepts that (notes §1.4). */
  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<CMSearchDescription>\n"
                          "<searchID>%s</searchID>\n"
                          "<trackIDList><trackID>%u</trackID></trackIDList>\n"
                          "<timeSpanList><timeSpan><startTime>%s</startTime>"
                          "<endTime>%s</endTime></timeSpan></timeSpanList>\n"
                          "<maxResults>%u</maxResults>\n"
                          "<searchResultPostion>%u</searchResultPostion>\n"
                          "<metadataList><metadataDescriptor>//recordType.meta.std-cgi.com"
                          "</metadataDescriptor></metadataList>\n"
                          "</CMSearchDescription>\n",
                          search_id, track, start, end, max_results, position);
}

static GPtrArray *
search_mode (DcDvrSession *self, DcDvrTimeMode mode, guint channel, gint64 from_us,
             gint64 to_us, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_segment_free);
  g_autofree char *search_id = NULL;
  g_autofree char *prev_first = NULL;
  guint track = channel * 100 + 1;
  guint max_results = self->max_results > 0 ? MIN (self->max_results, 200) : DEFAULT_MAX_RESULTS;
  gint64 wall_from = dc_dvr_pc_to_wall (mode, self->clock_offset_s, from_us);
  gint64 wall_to = dc_dvr_pc_to_wall (mode, self->clock_offset_s, to_us + G_USEC_PER_SEC - 1);
  gint64 now = g_get_real_time ();
  guint position = 0;
  gboolean time_paging = FALSE;

  search_id = g_uuid_string_random ();
  for (char *p = search_id; *p; p++)
    *p = g_ascii_toupper (*p);

  for (guint page = 0; page < MAX_PAGES; page++)
    {
      g_autofree char *start = dc_wire_time_format_isapi (wall_from);
      g_autofree char *end = dc_wire_time_format_isapi (wall_to);
      g_autofree char *body = build_search (search_id, track, start, end, max_results, position);
      g_autoptr(DcIsapiSearchResult) r = NULL;
      DcHttpResponse resp;
      const char *data;
      gsize len;
      gint64 last_end = wall_from;
      g_autofree char *first = NULL;

      if (!dc_http_request (self->http, "POST", "/ISAPI/ContentMgmt/search", body,
                            "application/xml", &resp, error))
        return NULL;
      if (!dc_http_check_response (self->http, &resp, error))
        {
          dc_http_response_clear (&resp);
          return NULL;
        }
      data = g_bytes_get_data (resp.body, &len);
      r = dc_isapi_parse_search_result (data, (gssize) len, error);
      dc_http_response_clear (&resp);
      if (r == NULL)
        return NULL;
      if (r->matches->len == 0)
        break;

      for (guint i = 0; i < r->matches->len; i++)
        {
          DcIsapiMatch *m = g_ptr_array_index (r->matches, i);
          DcDvrSegment *seg;

          if (m->track_id != 0 && m->track_id != track)
            continue;
          seg = g_new0 (DcDvrSegment, 1);
          seg->channel = channel;
          seg->start_us = dc_dvr_wall_to_pc (mode, self->clock_offset_s, m->start_wall_s);
          seg->end_us = dc_dvr_wall_to_pc (mode, self->clock_offset_s, m->end_wall_s);
          seg->size = m->size;
          seg->uri = g_strdup (m->playback_uri);
          seg->container = g_strdup (CONTAINER_PS);
          /* A segment ending about now is still being written (its size
           * grows: HikLoad #37). */
          seg->still_writing = seg->end_us >= now - 60 * G_USEC_PER_SEC;
          g_ptr_array_add (out, seg);
          last_end = MAX (last_end, m->end_wall_s);
        }
      {
        DcIsapiMatch *m0 = g_ptr_array_index (r->matches, 0);
        first = g_strdup_printf ("%" G_GINT64_FORMAT "/%s", m0->start_wall_s, m0->playback_uri);
      }
      if (r->status != DC_ISAPI_SEARCH_MORE)
        break;
      if (!time_paging && (r->version_1 || g_strcmp0 (first, prev_first) == 0))
        {
          /* Old firmware ignores searchResultPostion: move the start
           * instead (duplicates are dropped later). */
          time_paging = TRUE;
          dc_log_printf (dc_http_get_log (self->http), "search: switching to time paging");
        }
      g_free (prev_first);
      prev_first = g_steal_pointer (&first);
      if (time_paging)
        {
          if (last_end <= wall_from || last_end >= wall_to)
            break;
          wall_from = last_end;
          position = 0;
        }
      else
        position += r->matches->len;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
dc_hik_search (DcDvrSession *self, guint channel, gint64 from_us, gint64 to_us, GError **error)
{
  return search_mode (self, self->time_mode, channel, from_us, to_us, error);
}

static DcByteSource *
download (DcDvrSession *self, const char *uri, guint64 expected_size, GError **error)
{
  g_autofree char *escaped = dc_xml_escape (uri);
  g_autofree char *body = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                           "<downloadRequest version=\"1.0\" "
                                           "xmlns=\"http://www.isapi.org/ver20/XMLSchema\">"
                                           "<playbackURI>%s</playbackURI></downloadRequest>\n",
                                           escaped);
  g_autoptr(GError) local_error = NULL;
  DcByteSource *source;
  long status;

  /* The playbackURI goes back to the device verbatim: its host/port are
   * often wrong (HTTP port in an rtsp:// URI), never connect to them. */
  source = dc_http_open_stream (self->http, "GET", "/ISAPI/ContentMgmt/download", body,
                                "application/xml", expected_size, &local_error);
  if (source != NULL)
    return source;
  status = dc_http_get_last_status (self->http);
  if (g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE) &&
      (status == 403 || status == 405 ||
       g_strcmp0 (dc_http_get_last_sub_status (self->http), "methodNotAllowed") == 0))
    {
      dc_log_printf (dc_http_get_log (self->http), "download: GET refused (%ld), retry as POST", status);
      g_clear_error (&local_error);
      source = dc_http_open_stream (self->http, "POST", "/ISAPI/ContentMgmt/download", body,
                                    "application/xml", expected_size, &local_error);
      if (source != NULL)
        return source;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

DcByteSource *
dc_hik_open_segment (DcDvrSession *self, const DcDvrSegment *seg, GError **error)
{
  return download (self, seg->uri, seg->size, error);
}

DcByteSource *
dc_hik_open_window (DcDvrSession *self, guint channel, const DcDvrSegment *seg,
                    gint64 from_us, gint64 to_us, GError **error)
{
  g_autofree char *start = dc_wire_time_format_isapi_uri (dc_dvr_session_pc_to_wall (self, from_us));
  g_autofree char *end = dc_wire_time_format_isapi_uri (dc_dvr_session_pc_to_wall (self, to_us + G_USEC_PER_SEC - 1));
  g_autofree char *uri = NULL;
  g_autoptr(GError) local_error = NULL;
  DcByteSource *source;

  if (seg != NULL && seg->uri != NULL)
    uri = dc_isapi_uri_set_times (seg->uri, start, end);   /* name= and size= kept */
  else
    uri = g_strdup_printf ("rtsp://%s/Streaming/tracks/%u/?starttime=%s&endtime=%s",
                           dc_http_get_host (self->http), channel * 100 + 1, start, end);
  source = download (self, uri, 0, &local_error);
  if (source == NULL && g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE) &&
      g_strcmp0 (dc_http_get_last_sub_status (self->http), "badParameters") == 0)
    {
      g_clear_error (&local_error);
      g_set_error (&local_error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED,
                   _("%s does not download by time, only whole recordings"),
                   dc_http_get_label (self->http));
    }
  if (source == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return source;
}
