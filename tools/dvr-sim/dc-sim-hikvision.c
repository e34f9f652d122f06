/* dc-sim-hikvision.c: the ISAPI face of the simulator, answers shaped like
 * the captures in shared/protocols/HTTP-DVR-PROTOCOLS.md. */
#define G_LOG_DOMAIN "dc-dvr-sim"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dc-sim.h"

#define XML_TYPE "application/xml; charset=\"UTF-8\""
#define DC_SIM_MAX_SEARCH_RESULTS 40

static const char *
xmlns_attr (DcSim *sim)
{
  switch (sim->xmlns)
    {
    case DC_SIM_XMLNS_ISAPI:
      return " xmlns=\"http://www.isapi.org/ver20/XMLSchema\"";
    case DC_SIM_XMLNS_HIKVISION:
      return " xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"";
    case DC_SIM_XMLNS_NONE:
    default:
      return "";
    }
}

char *
dc_sim_hikvision_endpoint (const char *path)
{
  return g_strdup (path);
}

static char *
response_status_xml (DcSim      *sim,
                     const char *url,
                     int         code,
                     const char *string,
                     const char *sub)
{
  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
                          "<ResponseStatus version=\"2.0\"%s>\n"
                          "<requestURL>%s</requestURL>\n"
                          "<statusCode>%d</statusCode>\n"
                          "<statusString>%s</statusString>\n"
                          "<subStatusCode>%s</subStatusCode>\n"
                          "</ResponseStatus>\n",
                          xmlns_attr (sim), url, code, string, sub);
}

static void
respond_status (DcSim             *sim,
                SoupServerMessage *msg,
                guint              http_status,
                int                code,
                const char        *string,
                const char        *sub)
{
  g_autofree char *xml = response_status_xml (sim, g_uri_get_path (soup_server_message_get_uri (msg)),
                                              code, string, sub);

  dc_sim_respond (msg, http_status, XML_TYPE, xml, -1);
}

void
dc_sim_hikvision_unauthorized_body (DcSim             *sim,
                                    SoupServerMessage *msg)
{
  g_autofree char *xml = NULL;

  xml = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
                         "<userCheck>\n"
                         "<statusValue>401</statusValue>\n"
                         "<statusString>Unauthorized</statusString>\n"
                         "<lockStatus>%s</lockStatus>\n"
                         "<unlockTime>%d</unlockTime>\n"
                         "<retryLoginTime>%d</retryLoginTime>\n"
                         "</userCheck>\n",
                         sim->locked ? "lock" : "unlock", sim->locked ? 1800 : 0,
                         MAX (0, DC_SIM_MAX_LOGIN_FAILURES - (int) sim->auth_failures));
  dc_sim_respond (msg, SOUP_STATUS_UNAUTHORIZED, XML_TYPE, xml, -1);
}

/* Wire times: the recorder's wall-clock digits with a fake "Z" (most NVRs),
 * or real UTC (cameras, newer firmware) in --time-mode utc. */
static gint64
wall_to_wire (DcSim  *sim,
              gint64  wall)
{
  return sim->time_utc ? dc_sim_wall_to_utc (wall) : wall;
}

static gint64
wire_to_wall (DcSim  *sim,
              gint64  wire)
{
  return sim->time_utc ? dc_sim_utc_to_wall (wire) : wire;
}

static const char *
device_model (DcSim *sim)
{
  switch (sim->hik_inputs)
    {
    case DC_SIM_HIK_INPUTS_ANALOG:
      return "DS-7208HQHI-K1";
    case DC_SIM_HIK_INPUTS_CAMERA:
      return "DS-2CD2386G2-IU";
    case DC_SIM_HIK_INPUTS_PROXY:
    default:
      return "DS-7608NXI-I2/8P/S";
    }
}

static const char *
device_type (DcSim *sim)
{
  switch (sim->hik_inputs)
    {
    case DC_SIM_HIK_INPUTS_ANALOG:
      return "DVR";
    case DC_SIM_HIK_INPUTS_CAMERA:
      return "IPCamera";
    case DC_SIM_HIK_INPUTS_PROXY:
    default:
      return "NVR";
    }
}

static void
respond_device_info (DcSim             *sim,
                     SoupServerMessage *msg)
{
  g_autofree char *xml = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<DeviceInfo version=\"2.0\"%s>\n"
    "<deviceName>Dockclip simulated NVR</deviceName>\n"
    "<deviceID>484a3831-3130-0000-0000-000c0000f00e</deviceID>\n"
    "<model>%s</model>\n"
    "<serialNumber>DS-7608NXI-I20820230612CCRRJ12345678WCVU</serialNumber>\n"
    "<macAddress>cc:ed:d6:41:a8:39</macAddress>\n"
    "<firmwareVersion>V4.62.210</firmwareVersion>\n"
    "<firmwareReleasedDate>build 230612</firmwareReleasedDate>\n"
    "<encoderVersion>V5.0</encoderVersion>\n"
    "<encoderReleasedDate>build 230530</encoderReleasedDate>\n"
    "<deviceType>%s</deviceType>\n"
    "<telecontrolID>255</telecontrolID>\n"
    "<hardwareVersion>0100000092010000</hardwareVersion>\n"
    "<decordChannelNums>%u</decordChannelNums>\n"
    "<VGANums>1</VGANums>\n"
    "<USBNums>2</USBNums>\n"
    "<auxoutNums>0</auxoutNums>\n"
    "<regionVersion>basic</regionVersion>\n"
    "</DeviceInfo>\n",
    xmlns_attr (sim), device_model (sim), device_type (sim), sim->channels);

  dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml, -1);
}

static void
respond_channels (DcSim             *sim,
                  SoupServerMessage *msg)
{
  GString *xml;

  if (sim->hik_inputs == DC_SIM_HIK_INPUTS_CAMERA)
    {
      /* A camera has no proxied channels and says so with a 403. */
      respond_status (sim, msg, SOUP_STATUS_FORBIDDEN, 4, "Invalid Operation", "notSupport");
      return;
    }
  xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
  if (sim->hik_inputs == DC_SIM_HIK_INPUTS_ANALOG)
    {
      /* A DVR: the list is there, and empty; its cameras are analogue. */
      g_string_append_printf (xml, "<InputProxyChannelList version=\"2.0\"%s size=\"0\">\n"
                              "</InputProxyChannelList>\n", xmlns_attr (sim));
      dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml->str, (gssize) xml->len);
      g_string_free (xml, TRUE);
      return;
    }

  /* size= is unreliable on real devices; keep it honest here. */
  g_string_append_printf (xml, "<InputProxyChannelList version=\"2.0\"%s size=\"%u\">\n",
                          xmlns_attr (sim), sim->channels);
  for (guint ch = 1; ch <= sim->channels; ch++)
    g_string_append_printf (xml,
                            "<InputProxyChannel>\n"
                            "<id>%u</id>\n"
                            "<name>Dock camera %02u</name>\n"
                            "<sourceInputPortDescriptor>\n"
                            "<proxyProtocol>HIKVISION</proxyProtocol>\n"
                            "<addressingFormatType>ipaddress</addressingFormatType>\n"
                            "<ipAddress>192.168.254.%u</ipAddress>\n"
                            "<managePortNo>8000</managePortNo>\n"
                            "<srcInputPort>1</srcInputPort>\n"
                            "<userName>admin</userName>\n"
                            "<streamType>auto</streamType>\n"
                            "<model>DS-2CD2386G2-IU</model>\n"
                            "</sourceInputPortDescriptor>\n"
                            "<enableAnr>false</enableAnr>\n"
                            "<enableTiming>true</enableTiming>\n"
                            "</InputProxyChannel>\n",
                            ch, ch, 1 + ch);
  g_string_append (xml, "</InputProxyChannelList>\n");
  dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml->str, (gssize) xml->len);
  g_string_free (xml, TRUE);
}

/* /ISAPI/System/Video/inputs/channels: the device's own video inputs
 * (a DVR's analogue cameras, a camera's sensor); an NVR has none. */
static void
respond_video_inputs (DcSim             *sim,
                      SoupServerMessage *msg)
{
  GString *xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
  guint n = sim->hik_inputs == DC_SIM_HIK_INPUTS_PROXY ? 0 : sim->channels;

  g_string_append_printf (xml, "<VideoInputChannelList version=\"2.0\"%s>\n", xmlns_attr (sim));
  for (guint ch = 1; ch <= n; ch++)
    g_string_append_printf (xml,
                            "<VideoInputChannel version=\"2.0\"%s>\n"
                            "<id>%u</id>\n"
                            "<inputPort>%u</inputPort>\n"
                            "<videoInputEnabled>true</videoInputEnabled>\n"
                            "<name>Dock camera %02u</name>\n"
                            "<videoFormat>PAL</videoFormat>\n"
                            "<resDesc>%s</resDesc>\n"
                            "</VideoInputChannel>\n",
                            xmlns_attr (sim), ch, ch, ch,
                            sim->hik_inputs == DC_SIM_HIK_INPUTS_CAMERA ? "3840*2160P" : "1920*1080P");
  g_string_append (xml, "</VideoInputChannelList>\n");
  dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml->str, (gssize) xml->len);
  g_string_free (xml, TRUE);
}

static void
respond_time (DcSim             *sim,
              SoupServerMessage *msg)
{
  gint64 wall = dc_sim_wall_now (sim);
  gint64 offset = wall - dc_sim_wall_to_utc (wall);
  g_autofree char *digits = dc_sim_format_wall (wall, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *suffix = dc_sim_local_offset_suffix (wall);
  g_autofree char *time_type = NULL;
  g_autofree char *xml = NULL;
  gint64 a = ABS (offset);

  if (sim->report_time_type)
    time_type = g_strdup_printf ("<timeType>%s</timeType>\n", sim->time_utc ? "UTC" : "local");
  /* POSIX TZ: the sign is inverted (CST-8:00:00 is UTC+8). */
  xml = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
                         "<Time version=\"2.0\"%s>\n"
                         "<timeMode>NTP</timeMode>\n"
                         "<localTime>%s%s</localTime>\n"
                         "<timeZone>CST%c%d:%02d:00</timeZone>\n"
                         "%s"
                         "</Time>\n",
                         xmlns_attr (sim), digits, suffix,
                         offset > 0 ? '-' : '+', (int) (a / 3600), (int) (a % 3600 / 60),
                         time_type ? time_type : "");
  dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml, -1);
}

static void
respond_search_profile (DcSim             *sim,
                        SoupServerMessage *msg)
{
  g_autofree char *xml = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<CMSearchProfile version=\"2.0\"%s>\n"
    "<searchProfile>\n"
    "<maxSearchTimespans>1</maxSearchTimespans>\n"
    "<maxSearchTracks>%u</maxSearchTracks>\n"
    "<maxSearchMatchResults>%d</maxSearchMatchResults>\n"
    "<maxConcurrentSearches>1</maxConcurrentSearches>\n"
    "</searchProfile>\n"
    "</CMSearchProfile>\n",
    xmlns_attr (sim), MAX (16u, sim->channels), DC_SIM_MAX_SEARCH_RESULTS);

  dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml, -1);
}

static void
respond_download_capabilities (DcSim             *sim,
                               SoupServerMessage *msg)
{
  g_autofree char *xml = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<DownloadAbility version=\"2.0\"%s>\n"
    "<isSupportDownloadbyFileName>true</isSupportDownloadbyFileName>\n"
    "<isSupportDownloadbyTime>%s</isSupportDownloadbyTime>\n"
    "</DownloadAbility>\n",
    xmlns_attr (sim), sim->by_time ? "true" : "false");

  dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml, -1);
}

/* ---- request XML: local names only, namespaces ignored ---- */

typedef struct
{
  GHashTable *values;     /* local name -> text of its last element */
  GPtrArray  *track_ids;
  GString    *text;
  char       *root_version;  /* version="" of the root element */
  gboolean    seen_root;
  gboolean    has_declaration;
  gboolean    has_xmlns;
  gboolean    has_track_id_list;
  gboolean    has_track_list;
} RequestXml;

static const char *
local_name (const char *name)
{
  const char *colon = strrchr (name, ':');

  return colon ? colon + 1 : name;
}

static void
xml_start (GMarkupParseContext *context,
           const char          *element,
           const char         **names,
           const char         **values,
           gpointer             user_data,
           GError             **error)
{
  RequestXml *req = user_data;

  if (!req->seen_root)
    {
      req->seen_root = TRUE;
      for (int i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "version"))
          req->root_version = g_strdup (values[i]);
    }
  for (int i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], "xmlns"))
      req->has_xmlns = TRUE;
  if (g_str_equal (local_name (element), "trackIDList"))
    req->has_track_id_list = TRUE;
  if (g_str_equal (local_name (element), "trackList"))
    req->has_track_list = TRUE;
  g_string_truncate (req->text, 0);
}

static void
xml_end (GMarkupParseContext *context,
         const char          *element,
         gpointer             user_data,
         GError             **error)
{
  RequestXml *req = user_data;
  g_autofree char *text = g_strstrip (g_strdup (req->text->str));

  if (g_str_equal (local_name (element), "trackID"))
    g_ptr_array_add (req->track_ids, g_strdup (text));
  g_hash_table_replace (req->values, g_strdup (local_name (element)), g_steal_pointer (&text));
  g_string_truncate (req->text, 0);
}

static void
xml_text (GMarkupParseContext *context,
          const char          *text,
          gsize                len,
          gpointer             user_data,
          GError             **error)
{
  RequestXml *req = user_data;

  g_string_append_len (req->text, text, (gssize) len);
}

static gboolean
parse_request_xml (SoupServerMessage *msg,
                   RequestXml        *req)
{
  static const GMarkupParser parser = { xml_start, xml_end, xml_text, NULL, NULL };
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(GMarkupParseContext) context = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  req->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  req->track_ids = g_ptr_array_new_with_free_func (g_free);
  req->text = g_string_new (NULL);
  if (len == 0)
    return FALSE;
  req->has_declaration = g_strstr_len (data, (gssize) MIN (len, 64), "<?xml") != NULL;
  context = g_markup_parse_context_new (&parser, 0, req, NULL);
  return g_markup_parse_context_parse (context, data, (gssize) len, NULL)
         && g_markup_parse_context_end_parse (context, NULL);
}

static void
request_xml_clear (RequestXml *req)
{
  g_clear_pointer (&req->values, g_hash_table_unref);
  g_clear_pointer (&req->track_ids, g_ptr_array_unref);
  if (req->text)
    g_string_free (req->text, TRUE);
  req->text = NULL;
  g_clear_pointer (&req->root_version, g_free);
}

/* The shapes a strict firmware refuses (TRUE: accepted). */
static gboolean
search_form_accepted (DcSim            *sim,
                      const RequestXml *req,
                      const char       *search_id)
{
  switch (sim->hik_form)
    {
    case DC_SIM_HIK_FORM_STRICT_V1:
      /* DS-7616NXI V4.84, HiWatch DS-N308: no declaration, no namespace,
       * <trackList>, a braced searchID. */
      return !req->has_declaration && !req->has_xmlns && !req->has_track_id_list &&
             search_id != NULL && search_id[0] == '{';
    case DC_SIM_HIK_FORM_V2_ONLY:
      return g_strcmp0 (req->root_version, "2.0") == 0 && req->has_track_id_list &&
             !req->has_track_list;
    case DC_SIM_HIK_FORM_ANY:
    default:
      return TRUE;
    }
}

static char *
segment_name (const DcSimSegment *seg)
{
  return g_strdup_printf ("ch%02u_%017" G_GINT64_FORMAT, seg->channel, seg->start);
}

static char *
playback_uri (DcSim              *sim,
              const DcSimSegment *seg,
              gboolean            escaped)
{
  g_autofree char *st = dc_sim_format_wall (wall_to_wire (sim, seg->start), "%Y%m%dT%H%M%SZ");
  g_autofree char *et = dc_sim_format_wall (wall_to_wire (sim, seg->end), "%Y%m%dT%H%M%SZ");
  g_autofree char *name = segment_name (seg);
  const char *amp = escaped ? "&amp;" : "&";

  /* Real NVRs put their HTTP port here, not 554: clients must not connect
   * to it, only pass it back. */
  return g_strdup_printf ("rtsp://127.0.0.1:%u/Streaming/tracks/%u01/?starttime=%s%sendtime=%s%sname=%s%ssize=%"
                          G_GUINT64_FORMAT,
                          sim->port, seg->channel, st, amp, et, amp, name, amp,
                          dc_sim_segment_size (sim, seg));
}

static int
compare_segments (gconstpointer a,
                  gconstpointer b)
{
  const DcSimSegment *x = *(DcSimSegment * const *) a;
  const DcSimSegment *y = *(DcSimSegment * const *) b;

  if (x->channel != y->channel)
    return x->channel < y->channel ? -1 : 1;
  return x->start < y->start ? -1 : x->start > y->start;
}

static void
handle_search (DcSim             *sim,
               SoupServerMessage *msg)
{
  RequestXml req = { 0 };
  const char *search_id, *start_text, *end_text, *max_text, *pos_text;
  gint64 from, to;
  guint max_results, position;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *id_lower = NULL;
  GString *xml;
  guint n_page;
  const char *status;

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      /* Several NVRs refuse GET here (qb60/hikvision-downloader#5). */
      respond_status (sim, msg, SOUP_STATUS_FORBIDDEN, 4, "Invalid Operation", "methodNotAllowed");
      return;
    }
  if (!parse_request_xml (msg, &req))
    {
      respond_status (sim, msg, SOUP_STATUS_BAD_REQUEST, 5, "Invalid XML Format", "badXmlFormat");
      request_xml_clear (&req);
      return;
    }
  search_id = g_hash_table_lookup (req.values, "searchID");
  start_text = g_hash_table_lookup (req.values, "startTime");
  end_text = g_hash_table_lookup (req.values, "endTime");
  max_text = g_hash_table_lookup (req.values, "maxResults");
  pos_text = g_hash_table_lookup (req.values, "searchResultPostion");
  if (!search_form_accepted (sim, &req, search_id))
    {
      respond_status (sim, msg, SOUP_STATUS_BAD_REQUEST, 6, "Invalid XML Content", "badXmlContent");
      request_xml_clear (&req);
      return;
    }
  if (search_id == NULL || *search_id == '\0' || req.track_ids->len == 0
      || !dc_sim_parse_time (start_text, &from, NULL) || !dc_sim_parse_time (end_text, &to, NULL))
    {
      respond_status (sim, msg, SOUP_STATUS_BAD_REQUEST, 6, "Invalid XML Content", "badXmlContent");
      request_xml_clear (&req);
      return;
    }
  from = wire_to_wall (sim, from);
  to = wire_to_wall (sim, to);
  max_results = max_text ? (guint) g_ascii_strtoull (max_text, NULL, 10) : DC_SIM_MAX_SEARCH_RESULTS;
  if (max_results == 0 || max_results > DC_SIM_MAX_SEARCH_RESULTS)
    max_results = DC_SIM_MAX_SEARCH_RESULTS;
  position = pos_text ? (guint) g_ascii_strtoull (pos_text, NULL, 10) : 0;

  for (guint i = 0; i < req.track_ids->len; i++)
    {
      guint track = (guint) g_ascii_strtoull (req.track_ids->pdata[i], NULL, 10);
      g_autoptr(GPtrArray) segs = NULL;

      /* Main stream tracks only: 101, 201, ... */
      if (track % 100 != 1)
        continue;
      segs = dc_sim_find_segments (sim, track / 100, from, to);
      for (guint j = 0; j < segs->len; j++)
        g_ptr_array_add (all, g_steal_pointer (&segs->pdata[j]));
    }
  g_ptr_array_sort (all, compare_segments);

  id_lower = g_ascii_strdown (search_id, -1);
  g_strdelimit (id_lower, "{}", ' ');
  g_strstrip (id_lower);
  n_page = position < all->len ? MIN (max_results, all->len - position) : 0;
  status = n_page == 0 ? "NO MATCHES" : position + n_page < all->len ? "MORE" : "OK";

  xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
  g_string_append_printf (xml,
                          "<CMSearchResult version=\"2.0\"%s>\n"
                          "<searchID>{%s}</searchID>\n"
                          "<responseStatus>true</responseStatus>\n"
                          "<responseStatusStrg>%s</responseStatusStrg>\n"
                          "<numOfMatches>%u</numOfMatches>\n"
                          "<matchList>\n",
                          xmlns_attr (sim), id_lower, status, n_page);
  for (guint i = position; i < position + n_page; i++)
    {
      DcSimSegment *seg = all->pdata[i];
      g_autofree char *st = dc_sim_format_wall (wall_to_wire (sim, seg->start), "%Y-%m-%dT%H:%M:%SZ");
      g_autofree char *et = dc_sim_format_wall (wall_to_wire (sim, seg->end), "%Y-%m-%dT%H:%M:%SZ");
      g_autofree char *uri = playback_uri (sim, seg, TRUE);
      g_autofree char *name = segment_name (seg);

      g_string_append_printf (xml,
                              "<searchMatchItem>\n"
                              "<sourceID>{00000000-0000-0000-0000-000000000000}</sourceID>\n"
                              "<trackID>%u01</trackID>\n"
                              "<timeSpan>\n<startTime>%s</startTime>\n<endTime>%s</endTime>\n</timeSpan>\n"
                              "<mediaSegmentDescriptor>\n"
                              "<contentType>video</contentType>\n"
                              "<codecType>H.264-BP</codecType>\n"
                              "<playbackURI>%s</playbackURI>\n"
                              "<lockStatus>unlock</lockStatus>\n"
                              "<name>%s</name>\n"
                              "</mediaSegmentDescriptor>\n"
                              "<metadataMatches>\n"
                              "<metadataDescriptor>recordType.meta.hikvision.com/timing</metadataDescriptor>\n"
                              "</metadataMatches>\n"
                              "</searchMatchItem>\n",
                              seg->channel, st, et, uri, name);
    }
  g_string_append (xml, "</matchList>\n</CMSearchResult>\n");

  if (dc_sim_fault_roll (sim, DC_SIM_FAULT_BADXML, NULL))
    {
      /* A mismatched end tag: not well-formed. */
      char *at = strstr (xml->str, "</numOfMatches>");
      if (at != NULL)
        g_string_insert (xml, at - xml->str + 2, "x");
    }
  if (dc_sim_fault_roll (sim, DC_SIM_FAULT_TRUNCPAGE, NULL))
    g_string_truncate (xml, xml->len * 3 / 5);

  dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE, xml->str, (gssize) xml->len);
  g_string_free (xml, TRUE);
  request_xml_clear (&req);
}

/* Query parameters of a playbackURI (already XML-unescaped). */
static GHashTable *
parse_playback_uri (const char *uri,
                    guint      *track)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *tracks = strstr (uri, "/tracks/");
  const char *q = strchr (uri, '?');
  g_auto(GStrv) pairs = NULL;

  *track = tracks ? (guint) g_ascii_strtoull (tracks + 8, NULL, 10) : 0;
  if (q == NULL)
    return params;
  pairs = g_strsplit (q + 1, "&", -1);
  for (int i = 0; pairs[i] != NULL; i++)
    {
      char *eq = strchr (pairs[i], '=');
      if (eq != NULL)
        g_hash_table_replace (params, g_ascii_strdown (pairs[i], eq - pairs[i]),
                              g_strstrip (g_strdup (eq + 1)));
    }
  return params;
}

static void
handle_download (DcSim             *sim,
                 SoupServerMessage *msg)
{
  RequestXml req = { 0 };
  const char *uri;
  g_autoptr(GHashTable) params = NULL;
  guint track = 0, channel;
  const char *name, *st_text, *et_text;
  gint64 st = 0, et = 0;
  gboolean have_times;
  DcSimSegment seg;
  gboolean have_segment = FALSE;
  gboolean by_time = FALSE;
  DcSimBody body;

  if (!parse_request_xml (msg, &req) || (uri = g_hash_table_lookup (req.values, "playbackURI")) == NULL)
    {
      respond_status (sim, msg, SOUP_STATUS_BAD_REQUEST, 6, "Invalid XML Content", "badXmlContent");
      request_xml_clear (&req);
      return;
    }
  if (sim->hik_form == DC_SIM_HIK_FORM_STRICT_V1 && (req.has_declaration || req.has_xmlns))
    {
      respond_status (sim, msg, SOUP_STATUS_BAD_REQUEST, 6, "Invalid XML Content", "badXmlContent");
      request_xml_clear (&req);
      return;
    }
  params = parse_playback_uri (uri, &track);
  request_xml_clear (&req);
  channel = track / 100;
  name = g_hash_table_lookup (params, "name");
  st_text = g_hash_table_lookup (params, "starttime");
  et_text = g_hash_table_lookup (params, "endtime");
  have_times = dc_sim_parse_time (st_text, &st, NULL) && dc_sim_parse_time (et_text, &et, NULL);
  if (have_times)
    {
      st = wire_to_wall (sim, st);
      et = wire_to_wall (sim, et);
    }

  if (name != NULL)
    {
      guint name_channel = 0;
      gint64 name_start = 0;

      if (sscanf (name, "ch%2u_%" G_GINT64_MODIFIER "d", &name_channel, &name_start) == 2
          && name_channel == channel)
        have_segment = dc_sim_find_segment_at (sim, channel, name_start, &seg);
    }

  if (sim->by_time && have_times && (!have_segment || st != seg.start || et != seg.end))
    {
      /* By time: whole seconds [starttime, endtime) across segments.  The
       * body is a byte-exact slice of the recording (after the IMKH header)
       * that starts with the keyframe of starttime: the product relies on a
       * by-time stream's first frame being at the requested start. */
      if (et <= st)
        et = st + 1;
      if (channel < 1 || channel > sim->channels || !dc_sim_clamp_window (sim, &st, &et))
        {
          respond_status (sim, msg, SOUP_STATUS_NOT_FOUND, 4, "Invalid Operation", "noRecordFound");
          return;
        }
      /* Some firmware serves a time window only out of the recording file
       * its start is in: 200, a well-formed stream, and it ends there. */
      if (sim->cut_at_file_end)
        et = MIN (et, dc_sim_file_end_at (sim, st));
      by_time = TRUE;
    }
  else if (!have_segment)
    {
      respond_status (sim, msg, SOUP_STATUS_NOT_FOUND, 4, "Invalid Operation",
                      name == NULL && !sim->by_time ? "notSupport" : "noRecordFound");
      return;
    }

  if (dc_sim_download_is_busy (sim))
    {
      respond_status (sim, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, 2, "Device Busy", "deviceBusy");
      return;
    }
  if (dc_sim_fault_roll (sim, DC_SIM_FAULT_ERROR200, NULL))
    {
      respond_status (sim, msg, SOUP_STATUS_OK, 3, "Device Error", "deviceError");
      return;
    }

  if (by_time)
    dc_sim_body_init (sim, &body, channel, st, et - st, FALSE);
  else
    dc_sim_body_init (sim, &body, channel, seg.start, seg.end - seg.start, TRUE);
  dc_sim_stream_download (sim, msg, &body, "Opaque/data", by_time);
}

void
dc_sim_hikvision_handle (DcSim             *sim,
                         SoupServerMessage *msg,
                         const char        *path,
                         GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  gboolean get = g_str_equal (method, "GET");

  if (get && g_str_equal (path, "/ISAPI/System/deviceInfo"))
    respond_device_info (sim, msg);
  else if (get && g_str_equal (path, "/ISAPI/ContentMgmt/InputProxy/channels"))
    respond_channels (sim, msg);
  else if (get && g_str_equal (path, "/ISAPI/System/Video/inputs/channels"))
    respond_video_inputs (sim, msg);
  else if (get && g_str_equal (path, "/ISAPI/System/time"))
    respond_time (sim, msg);
  else if (get && g_str_equal (path, "/ISAPI/ContentMgmt/search/profile"))
    respond_search_profile (sim, msg);
  else if (get && g_str_equal (path, "/ISAPI/ContentMgmt/download/capabilities"))
    respond_download_capabilities (sim, msg);
  else if (get && g_str_equal (path, "/ISAPI/Security/userCheck"))
    dc_sim_respond (msg, SOUP_STATUS_OK, XML_TYPE,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<userCheck>\n"
                    "<statusValue>200</statusValue>\n<statusString>OK</statusString>\n</userCheck>\n", -1);
  else if (g_str_equal (path, "/ISAPI/ContentMgmt/search"))
    handle_search (sim, msg);
  else if ((get || g_str_equal (method, "POST")) && g_str_equal (path, "/ISAPI/ContentMgmt/download"))
    handle_download (sim, msg);
  else
    respond_status (sim, msg, SOUP_STATUS_NOT_FOUND, 4, "Invalid Operation", "notSupport");
}
