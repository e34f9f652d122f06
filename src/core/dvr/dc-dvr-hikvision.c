/* Hikvision ISAPI driver.  Quirks handled here: namespaces (any or none),
 * POST search with position paging that old firmware ignores, the "Z" on
 * local wall-clock times, GET-with-body downloads that some firmware
 * wants as POST, ResponseStatus errors sent with HTTP 200, and request
 * shapes: strict firmware refuses what other firmware requires, so the
 * search and download bodies come in several shapes, tried in turn and
 * the one that works remembered per recorder across runs. */
#define G_LOG_DOMAIN "dc-dvr-hikvision"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "dvr/dc-dvr-private.h"

#define DEFAULT_MAX_RESULTS 40
#define DETECT_WINDOW_S     600
#define CONTAINER_PS        "mpeg"

/* Search bodies, in the order tried on a recorder not seen before. */
typedef enum
{
  /* <?xml?> + <CMSearchDescription version="2.0" xmlns=isapi.org>,
   * <trackIDList>: what most firmware, and the 2.0 schema, expects. */
  SEARCH_V2,
  /* No declaration, no xmlns, version="1.0", searchID in braces,
   * <trackList>: the only form a DS-7616NXI on V4.84 and a HiWatch
   * DS-N308 accept (they answer badXmlContent to everything else). */
  SEARCH_STRICT_V1,
  /* <?xml?> + a bare <CMSearchDescription>: the 2017 spec's example. */
  SEARCH_PLAIN,
  N_SEARCH_SHAPES
} SearchShape;

static const char *const search_shape_names[N_SEARCH_SHAPES] = { "v2", "strict-v1", "plain" };

/* Download bodies, likewise. */
typedef enum
{
  DOWNLOAD_V1_NS,   /* <?xml?> <downloadRequest version="1.0" xmlns=isapi.org> */
  DOWNLOAD_STRICT,  /* <downloadRequest version="1.0">, no declaration, no xmlns */
  DOWNLOAD_PLAIN,   /* <?xml?> <downloadRequest> */
  N_DOWNLOAD_SHAPES
} DownloadShape;

static const char *const download_shape_names[N_DOWNLOAD_SHAPES] = { "v1-ns", "strict", "plain" };

typedef struct
{
  guint    max_results;      /* from search/profile, 0 = default */
  int      search_shape;     /* -1 not known yet */
  int      download_shape;   /* -1 not known yet */
} HikState;

static HikState *
state (DcDvrSession *self)
{
  return self->driver_state;
}

static int
shape_from_name (const char *const *names, guint n, const char *name)
{
  for (guint i = 0; name != NULL && i < n; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return (int) i;
  return -1;
}

/* The shape remembered for this recorder (this run or an earlier one). */
static int
known_shape (DcDvrSession *self, int *cached, const char *key, const char *const *names, guint n)
{
  if (*cached < 0)
    {
      g_autofree char *name = dc_dvr_state_get (self, key);
      *cached = shape_from_name (names, n, name);
    }
  return *cached;
}

static void
remember_shape (DcDvrSession *self, int *cached, const char *key, const char *const *names, int shape)
{
  if (*cached == shape)
    return;
  *cached = shape;
  dc_dvr_session_log (self, "%s: this recorder accepts the \"%s\" form; remembered", key, names[shape]);
  dc_dvr_state_set (self, key, names[shape]);
}

/* The recorder refused the request's form (not its content): another
 * shape may pass.  HTTP 400, or statusCode 6 badXmlContent/badParameters. */
static gboolean
is_shape_refusal (DcDvrSession *self, const GError *error)
{
  const char *sub = dc_http_get_last_sub_status (self->http);

  if (error == NULL || error->domain != DC_DVR_ERROR ||
      (error->code != DC_DVR_ERROR_DEVICE && error->code != DC_DVR_ERROR_NOT_SUPPORTED &&
       error->code != DC_DVR_ERROR_BAD_RESPONSE))
    return FALSE;
  return dc_http_get_last_status (self->http) == 400 ||
         g_strcmp0 (sub, "badXmlContent") == 0 || g_strcmp0 (sub, "badParameters") == 0 ||
         g_strcmp0 (sub, "badXmlFormat") == 0;
}

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

/* The channels: IP channels (InputProxy, NVRs) and analogue inputs
 * (Video/inputs, DVRs and hybrids) together — a hybrid DVR lists its
 * analogue cameras only under Video/inputs and answers an empty
 * InputProxy list (size="2", no items); cameras answer 403 to InputProxy.
 * Streaming/channels only when neither lists anything. */
static GPtrArray *
probe_channels (DcDvrSession *self, GError **error)
{
  static const char *const paths[] = {
    "/ISAPI/ContentMgmt/InputProxy/channels",   /* NVR: IP channels */
    "/ISAPI/System/Video/inputs/channels",      /* DVR, camera: analogue/own inputs */
    "/ISAPI/Streaming/channels",                /* camera, last resort */
  };
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_channel_free);
  g_autoptr(GError) parse_error = NULL;
  guint8 seen[DC_DVR_MAX_CHANNELS / 8 + 1] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GPtrArray) channels = NULL;
      gsize len;
      const char *data;

      if (i == 2 && all->len > 0)
        break;
      if (!get_doc (self, paths[i], &body, NULL, &local_error))
        {
          if (dc_dvr_error_is_fatal (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          dc_dvr_session_log (self, "channels: %s: %s", paths[i], local_error->message);
          continue;
        }
      data = g_bytes_get_data (body, &len);
      channels = dc_isapi_parse_channels (data, (gssize) len, &local_error);
      if (channels == NULL)
        {
          dc_dvr_session_log (self, "channels: %s: %s", paths[i], local_error->message);
          if (parse_error == NULL)
            parse_error = g_steal_pointer (&local_error);
          continue;
        }
      for (guint j = 0; j < channels->len; j++)
        {
          DcDvrChannel *ch = g_ptr_array_index (channels, j);
          if (seen[ch->id / 8] & (1u << (ch->id % 8)))
            continue;
          seen[ch->id / 8] |= (guint8) (1u << (ch->id % 8));
          g_ptr_array_add (all, g_ptr_array_steal_index (channels, j));
          j--;
        }
    }
  /* A list refused for its size or depth is an answer too: say so rather
   * than show a recorder without channels. */
  if (all->len == 0 && parse_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&parse_error));
      return NULL;
    }
  return g_steal_pointer (&all);
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
          if (dc_dvr_error_is_fatal (local_error))
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

static gboolean
hik_probe (DcDvrSession *self, DcDvrInfo *info, GError **error)
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
      state (self)->max_results = dc_isapi_parse_search_profile (data, (gssize) len);
      g_clear_pointer (&body, g_bytes_unref);
    }
  else if (dc_dvr_error_is_fatal (local_error))
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
  else if (dc_dvr_error_is_fatal (local_error))
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
build_search (SearchShape shape, const char *uuid, guint track, const char *start, const char *end,
              guint max_results, guint position)
{
  g_autofree char *head = NULL;
  g_autofree char *id = NULL;
  const char *list = shape == SEARCH_STRICT_V1 ? "trackList" : "trackIDList";

  switch (shape)
    {
    case SEARCH_V2:
      head = g_strdup ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<CMSearchDescription version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">\n");
      id = g_ascii_strup (uuid, -1);
      break;
    case SEARCH_STRICT_V1:
      head = g_strdup ("<CMSearchDescription version=\"1.0\">\n");
      id = g_strdup_printf ("{%s}", uuid);
      break;
    case SEARCH_PLAIN:
    case N_SEARCH_SHAPES:
    default:
      head = g_strdup ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CMSearchDescription>\n");
      id = g_ascii_strup (uuid, -1);
      break;
    }
  return g_strdup_printf ("%s"
                          "<searchID>%s</searchID>\n"
                          "<%s><trackID>%u</trackID></%s>\n"
                          "<timeSpanList><timeSpan><startTime>%s</startTime>"
                          "<endTime>%s</endTime></timeSpan></timeSpanList>\n"
                          "<maxResults>%u</maxResults>\n"
                          "<searchResultPostion>%u</searchResultPostion>\n"
                          "<metadataList><metadataDescriptor>//recordType.meta.std-cgi.com"
                          "</metadataDescriptor></metadataList>\n"
                          "</CMSearchDescription>\n",
                          head, id, list, track, list, start, end, max_results, position);
}

static gboolean
can_download_by_time (DcDvrSession *self)
{
  return self->cfg->download_by_time == 1 ||
         (self->cfg->download_by_time < 0 && self->info != NULL && self->info->download_by_time);
}

/* What one search (all its pages) found, before the segments are kept. */
typedef struct
{
  guint n_items;        /* items the device sent, of any track */
  guint n_other_camera; /* items naming another camera: never used */
  guint other_channel;  /* one such camera, for the message */
  guint n_other_track;  /* picture tracks (x03, x20), sub streams of this camera */
  guint n_unusable;     /* no time span, or no playbackURI without by-time download */
} SearchTally;

/* Checks a match against the asked camera where the device says which
 * track it is (the trackID element, the playbackURI's /tracks/N).
 * TRUE to keep it. */
static gboolean
match_is_channel (const DcIsapiMatch *m, guint channel, SearchTally *tally)
{
  const guint ids[2] = { m->track_id, m->uri_track_id };
  gboolean other_track = FALSE;

  for (guint k = 0; k < 2; k++)
    {
      if (ids[k] == 0)
        continue;   /* the device does not say */
      if (ids[k] == G_MAXUINT || ids[k] / 100 != channel)
        {
          tally->n_other_camera++;
          tally->other_channel = ids[k] == G_MAXUINT ? 0 : ids[k] / 100;
          return FALSE;
        }
      if (ids[k] % 100 != 1)
        other_track = TRUE;
    }
  if (other_track)
    {
      tally->n_other_track++;
      return FALSE;
    }
  return TRUE;
}

/* One paged search with one request shape. */
static GPtrArray *
search_shape (DcDvrSession *self, SearchShape shape, DcDvrTimeMode mode, guint channel,
              gint64 from_us, gint64 to_us, SearchTally *tally, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_segment_free);
  g_autofree char *search_id = NULL;
  g_autofree char *prev_first = NULL;
  guint track = channel * 100 + 1;
  guint max_results = state (self)->max_results > 0 ? MIN (state (self)->max_results, 200)
                                                     : DEFAULT_MAX_RESULTS;
  gint64 wall_from = dc_dvr_pc_to_wall (mode, self->clock_offset_s, from_us);
  gint64 wall_to = dc_dvr_pc_to_wall (mode, self->clock_offset_s, to_us + G_USEC_PER_SEC - 1);
  gint64 now = g_get_real_time ();
  guint position = 0;
  gboolean time_paging = FALSE;
  gboolean by_time = can_download_by_time (self);

  search_id = g_uuid_string_random ();

  for (guint page = 0;; page++)
    {
      g_autofree char *start = dc_wire_time_format_isapi (wall_from);
      g_autofree char *end = dc_wire_time_format_isapi (wall_to);
      g_autofree char *body = build_search (shape, search_id, track, start, end, max_results, position);
      g_autoptr(DcIsapiSearchResult) r = NULL;
      DcHttpResponse resp;
      const char *data;
      gsize len;
      gint64 last_end = wall_from;
      g_autofree char *first = NULL;

      if (page >= DC_ISAPI_MAX_PAGES)
        {
          g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                       _("%s kept announcing more search pages after %d; the search was stopped"),
                       dc_http_get_label (self->http), DC_ISAPI_MAX_PAGES);
          return NULL;
        }
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
      if (r->n_skipped > 0)
        dc_dvr_session_log (self, "search: %u item(s) without a readable time span skipped",
                            r->n_skipped);
      tally->n_items += r->matches->len;
      tally->n_unusable += r->n_skipped;
      if (r->matches->len == 0)
        break;

      for (guint i = 0; i < r->matches->len; i++)
        {
          DcIsapiMatch *m = g_ptr_array_index (r->matches, i);
          DcDvrSegment *seg;

          last_end = MAX (last_end, m->end_wall_s);
          if (!match_is_channel (m, channel, tally))
            continue;
          if (m->playback_uri == NULL && !by_time)
            {
              /* Nothing names the file, and the device cannot cut by time. */
              tally->n_unusable++;
              continue;
            }
          if (out->len >= DC_DVR_MAX_SEGMENTS_PER_SEARCH)
            {
              g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                           _("%s returned more than %d recordings for one search; the search was stopped"),
                           dc_http_get_label (self->http), DC_DVR_MAX_SEGMENTS_PER_SEARCH);
              return NULL;
            }
          seg = g_new0 (DcDvrSegment, 1);
          seg->channel = channel;
          seg->start_us = dc_dvr_wall_to_pc (mode, self->clock_offset_s, m->start_wall_s);
          seg->end_us = dc_dvr_wall_to_pc (mode, self->clock_offset_s, m->end_wall_s);
          seg->size = m->size;
          if (m->playback_uri != NULL)
            seg->uri = g_strdup (m->playback_uri);
          else
            {
              /* Usable by time only: the span the device gave, on this
               * camera's main track (the same URI open_window builds). */
              g_autofree char *a = dc_wire_time_format_isapi_uri (m->start_wall_s);
              g_autofree char *b = dc_wire_time_format_isapi_uri (m->end_wall_s);
              seg->uri = g_strdup_printf ("rtsp://%s/Streaming/tracks/%u/?starttime=%s&endtime=%s",
                                          dc_http_get_host (self->http), track, a, b);
            }
          seg->container = g_strdup (CONTAINER_PS);
          /* A segment ending about now is still being written (its size
           * grows: HikLoad #37). */
          seg->still_writing = seg->end_us >= now - 60 * G_USEC_PER_SEC;
          g_ptr_array_add (out, seg);
        }
      {
        DcIsapiMatch *m0 = g_ptr_array_index (r->matches, 0);
        first = g_strdup_printf ("%" G_GINT64_FORMAT "/%s", m0->start_wall_s,
                                 m0->playback_uri ? m0->playback_uri : "");
      }
      if (r->status != DC_ISAPI_SEARCH_MORE)
        break;
      if (!time_paging && (r->version_1 || g_strcmp0 (first, prev_first) == 0))
        {
          /* Old firmware ignores searchResultPostion: move the start
           * instead (duplicates are dropped later). */
          time_paging = TRUE;
          dc_dvr_session_log (self, "search: switching to time paging");
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

/* One search, in the shape this recorder is known to accept, or trying
 * the shapes in turn: a shape refused (badXmlContent, badParameters, 400)
 * or answered with nothing where another shape finds recordings is not the
 * recorder's.  The shape that returns recordings is remembered. */
static GPtrArray *
search_mode (DcDvrSession *self, DcDvrTimeMode mode, guint channel, gint64 from_us,
             gint64 to_us, GError **error)
{
  HikState *st = state (self);
  int known = known_shape (self, &st->search_shape, "search-shape", search_shape_names,
                           N_SEARCH_SHAPES);
  g_autoptr(GError) first_refusal = NULL;
  g_autoptr(GPtrArray) empty = NULL;
  SearchTally tally = { 0 };

  for (int k = -1; k < N_SEARCH_SHAPES; k++)
    {
      SearchShape shape = k < 0 ? (SearchShape) known : (SearchShape) k;
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GPtrArray) segs = NULL;
      SearchTally t = { 0 };

      if ((k < 0 && known < 0) || (k >= 0 && k == known))
        continue;
      segs = search_shape (self, shape, mode, channel, from_us, to_us, &t, &local_error);
      if (segs == NULL)
        {
          if (!is_shape_refusal (self, local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          dc_dvr_session_log (self, "search: the \"%s\" form was refused: %s",
                              search_shape_names[shape], local_error->message);
          if (first_refusal == NULL)
            first_refusal = g_steal_pointer (&local_error);
          continue;
        }
      tally = t;
      if (t.n_items > 0)
        {
          remember_shape (self, &st->search_shape, "search-shape", search_shape_names, shape);
          g_clear_pointer (&empty, g_ptr_array_unref);
          empty = g_steal_pointer (&segs);
          break;
        }
      /* Nothing found: believable from a shape known to work here; from
       * an untried one it may be firmware ignoring what it cannot read. */
      if (empty == NULL)
        empty = g_steal_pointer (&segs);
      if (shape == (SearchShape) known)
        break;
    }
  if (empty == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_refusal));
      return NULL;
    }
  if (tally.n_other_track > 0)
    dc_dvr_session_log (self, "search: %u item(s) of other tracks of channel %u ignored "
                        "(pictures, sub streams)", tally.n_other_track, channel);
  if (tally.n_unusable > 0)
    dc_dvr_session_log (self, "search: %u item(s) without a time span or playbackURI skipped",
                        tally.n_unusable);
  if (!dc_dvr_session_drop_other_camera (self, channel, tally.n_other_camera,
                                         (int) tally.other_channel, empty->len, error))
    return NULL;
  return g_steal_pointer (&empty);
}

static GPtrArray *
hik_search (DcDvrSession *self, guint channel, gint64 from_us, gint64 to_us, GError **error)
{
  return search_mode (self, self->time_mode, channel, from_us, to_us, error);
}

static const char *
download_body_head (DownloadShape shape)
{
  switch (shape)
    {
    case DOWNLOAD_STRICT:
      return "<downloadRequest version=\"1.0\">";
    case DOWNLOAD_PLAIN:
      return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<downloadRequest>";
    case DOWNLOAD_V1_NS:
    case N_DOWNLOAD_SHAPES:
    default:
      return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<downloadRequest version=\"1.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">";
    }
}

/* One download with one body shape: GET with a body, as the spec says,
 * then POST where GET is refused. */
static DcByteSource *
download_shape (DcDvrSession *self, DownloadShape shape, const char *uri, guint64 expected_size,
                GError **error)
{
  g_autofree char *escaped = dc_xml_escape (uri);
  g_autofree char *body = g_strdup_printf ("%s<playbackURI>%s</playbackURI></downloadRequest>\n",
                                           download_body_head (shape), escaped);
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
      dc_dvr_session_log (self, "download: GET refused (%ld), retry as POST", status);
      g_clear_error (&local_error);
      source = dc_http_open_stream (self->http, "POST", "/ISAPI/ContentMgmt/download", body,
                                    "application/xml", expected_size, &local_error);
      if (source != NULL)
        return source;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* A download in the body shape this recorder is known to accept, or the
 * shapes in turn while the form is refused; the one that works is
 * remembered.  @window: a by-time request, where a refusal of every shape
 * with badParameters means the device cannot cut by time. */
static DcByteSource *
download (DcDvrSession *self, const char *uri, guint64 expected_size, gboolean window,
          GError **error)
{
  HikState *st = state (self);
  int known = known_shape (self, &st->download_shape, "download-shape", download_shape_names,
                           N_DOWNLOAD_SHAPES);
  g_autoptr(GError) first_error = NULL;
  gboolean bad_parameters = FALSE;

  for (int k = -1; k < N_DOWNLOAD_SHAPES; k++)
    {
      DownloadShape shape = k < 0 ? (DownloadShape) known : (DownloadShape) k;
      g_autoptr(GError) local_error = NULL;
      DcByteSource *source;

      if ((k < 0 && known < 0) || (k >= 0 && k == known))
        continue;
      source = download_shape (self, shape, uri, expected_size, &local_error);
      if (source != NULL)
        {
          remember_shape (self, &st->download_shape, "download-shape", download_shape_names, shape);
          return source;
        }
      if (!is_shape_refusal (self, local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      bad_parameters = g_strcmp0 (dc_http_get_last_sub_status (self->http), "badParameters") == 0;
      dc_dvr_session_log (self, "download: the \"%s\" form was refused: %s",
                          download_shape_names[shape], local_error->message);
      if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }
  if (window && bad_parameters)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED,
                   _("%s does not download by time, only whole recordings"),
                   dc_http_get_label (self->http));
      return NULL;
    }
  g_propagate_error (error, g_steal_pointer (&first_error));
  return NULL;
}

static DcByteSource *
hik_open_segment (DcDvrSession *self, const DcDvrSegment *seg, GError **error)
{
  return download (self, seg->uri, seg->size, FALSE, error);
}

static DcByteSource *
hik_open_window (DcDvrSession *self, guint channel, const DcDvrSegment *seg,
                 gint64 from_us, gint64 to_us, GError **error)
{
  g_autofree char *start = dc_wire_time_format_isapi_uri (dc_dvr_session_pc_to_wall (self, from_us));
  g_autofree char *end = dc_wire_time_format_isapi_uri (dc_dvr_session_pc_to_wall (self, to_us + G_USEC_PER_SEC - 1));
  g_autofree char *uri = NULL;
  guint seg_track = seg != NULL ? dc_isapi_uri_track_id (seg->uri) : 0;

  /* Never edit another camera's URI into this channel's window. */
  if (seg_track != 0 && (seg_track == G_MAXUINT || seg_track / 100 != channel))
    seg = NULL;
  if (seg != NULL && seg->uri != NULL)
    uri = dc_isapi_uri_set_times (seg->uri, start, end);   /* name= and size= kept */
  else
    uri = g_strdup_printf ("rtsp://%s/Streaming/tracks/%u/?starttime=%s&endtime=%s",
                           dc_http_get_host (self->http), channel * 100 + 1, start, end);
  return download (self, uri, 0, TRUE, error);
}

static gpointer
hik_state_new (DcDvrSession *session G_GNUC_UNUSED)
{
  HikState *st = g_new0 (HikState, 1);
  st->search_shape = -1;
  st->download_shape = -1;
  return st;
}

const DcDvrDriver dc_hik_driver = {
  .brand = DC_DVR_BRAND_HIKVISION,
  .id = "hikvision",
  .display_name = N_("Hikvision"),
  .caps = DC_DVR_DRIVER_CAN_DOWNLOAD_BY_TIME,
  .state_new = hik_state_new,
  .state_free = g_free,
  .probe = hik_probe,
  .search = hik_search,
  .open_segment = hik_open_segment,
  .open_window = hik_open_window,
  .release = NULL,
};
