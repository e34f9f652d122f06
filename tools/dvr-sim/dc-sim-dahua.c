/* dc-sim-dahua.c: the Dahua HTTP CGI face of the simulator (key=value
 * lines ending in CRLF, device local time, finder objects). */
#define G_LOG_DOMAIN "dc-dvr-sim"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dc-sim.h"

#define TEXT_TYPE "text/plain;charset=utf-8"
#define DC_SIM_MAX_FIND_COUNT 100

typedef struct
{
  guint      id;
  gboolean   has_query;
  gboolean   closed;
  GPtrArray *segments;   /* DcSimSegment*, the result of findFile */
  guint      position;
} DcSimFinder;

void
dc_sim_dahua_finder_free (gpointer data)
{
  DcSimFinder *finder = data;

  g_clear_pointer (&finder->segments, g_ptr_array_unref);
  g_free (finder);
}

char *
dc_sim_dahua_endpoint (const char *path,
                       GHashTable *query)
{
  const char *action = query ? g_hash_table_lookup (query, "action") : NULL;

  if (g_str_has_prefix (path, "/cgi-bin/RPC_Loadfile"))
    return g_strdup ("/cgi-bin/RPC_Loadfile");
  if (action != NULL)
    return g_strdup_printf ("%s?action=%s", path, action);
  return g_strdup (path);
}

static void
respond_text (SoupServerMessage *msg,
              const char        *text)
{
  dc_sim_respond (msg, SOUP_STATUS_OK, TEXT_TYPE, text, -1);
}

static void
respond_bad_request (SoupServerMessage *msg)
{
  dc_sim_respond (msg, SOUP_STATUS_BAD_REQUEST, TEXT_TYPE, "Error\r\nBad Request!\r\n", -1);
}

/* Device local time, "YYYY-MM-DD HH:MM:SS"; a fractional second is an HTTP
 * 400 on real firmware (python-amcrest#177). */
static gboolean
parse_dahua_time (const char *text,
                  gint64     *wall)
{
  gboolean fraction = FALSE;

  return text != NULL && strchr (text, 'T') == NULL
         && dc_sim_parse_time (text, wall, &fraction) && !fraction;
}

static char *
file_path (DcSim              *sim,
           const DcSimSegment *seg)
{
  g_autofree char *day = dc_sim_format_wall (seg->start, "%Y-%m-%d");
  g_autofree char *hour = dc_sim_format_wall (seg->start, "%H");
  g_autofree char *from = dc_sim_format_wall (seg->start, "%H.%M.%S");
  g_autofree char *to = dc_sim_format_wall (seg->end, "%H.%M.%S");

  /* As real devices write it: the camera's folder counted from 1 in
   * three digits, whatever numbering condition.Channel and items[].Channel
   * use (/mnt/dvr/2012-01-15/001/dav/10/10.05.32-10.10.00[R][0@0][0].dav). */
  return g_strdup_printf ("/mnt/dvr/%s/%03u/dav/%s/%s-%s[R][0@0][0].mp4",
                          day, seg->channel, hour, from, to);
}

/* The reverse of file_path(): only the channel folder and the start matter
 * (the end in the name of a file still being written moves on). */
static gboolean
parse_file_path (DcSim        *sim,
                 const char   *path,
                 DcSimSegment *seg)
{
  int y, mo, d, h, h2, mi, s, h3, mi3, s3, n = 0;
  guint folder;
  g_autoptr(GDateTime) dt = NULL;

  while (path[0] == '/' && path[1] == '/')
    path++;
  if (sscanf (path, "/mnt/dvr/%4d-%2d-%2d/%3u/dav/%2d/%2d.%2d.%2d-%2d.%2d.%2d[R][0@0][0].mp4%n",
              &y, &mo, &d, &folder, &h, &h2, &mi, &s, &h3, &mi3, &s3, &n) != 11
      || path[n] != '\0' || h != h2)
    return FALSE;
  dt = g_date_time_new_utc (y, mo, d, h2, mi, s);
  if (dt == NULL || folder < 1 || folder > sim->channels)
    return FALSE;
  return dc_sim_find_segment_at (sim, folder, g_date_time_to_unix (dt), seg);
}

static int
compare_lines_desc (gconstpointer a,
                    gconstpointer b)
{
  return -g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Amcrest and other Dahua-based firmware: Type=dav on files that are MP4,
 * the fields in another order, extra and empty fields (Summary.*,
 * Events[]), as their captures show. */
static void
append_item_amcrest (DcSim              *sim,
                     GString            *out,
                     guint               i,
                     const DcSimSegment *seg)
{
  g_autofree char *st = dc_sim_format_wall (seg->start, "%Y-%m-%d %H:%M:%S");
  g_autofree char *et = dc_sim_format_wall (seg->end, "%Y-%m-%d %H:%M:%S");
  g_autofree char *path = file_path (sim, seg);
  guint64 size = dc_sim_segment_size (sim, seg);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Channel=%u", i,
                                           seg->channel - 1 + (guint) sim->dahua_channel_base));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Disk=0", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].EndTime=%s", i, et));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Events[0]=", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].FilePath=%s", i, path));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Flags[0]=Timing", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Flags[1]=", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Length=%" G_GUINT64_FORMAT, i, size));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Partition=0", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].StartTime=%s", i, st));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Summary.TrafficCar.PlateNumber=", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Summary.Vehicle.Type=", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].Type=dav", i));
  g_ptr_array_add (lines, g_strdup_printf ("items[%u].VideoStream=Main", i));
  g_ptr_array_sort (lines, compare_lines_desc);
  for (guint k = 0; k < lines->len; k++)
    g_string_append_printf (out, "%s\r\n", (const char *) lines->pdata[k]);
}

static void
append_item (DcSim              *sim,
             GString            *out,
             guint               i,
             const DcSimSegment *seg)
{
  g_autofree char *st = dc_sim_format_wall (seg->start, "%Y-%m-%d %H:%M:%S");
  g_autofree char *et = dc_sim_format_wall (seg->end, "%Y-%m-%d %H:%M:%S");
  g_autofree char *path = file_path (sim, seg);
  guint64 size = dc_sim_segment_size (sim, seg);

  /* VideoStream first, as one NVR does: clients must not rely on order. */
  g_string_append_printf (out, "items[%u].VideoStream=Main\r\n", i);
  g_string_append_printf (out, "items[%u].Channel=%u\r\n", i, seg->channel - 1 + (guint) sim->dahua_channel_base);
  g_string_append_printf (out, "items[%u].Cluster=0\r\n", i);
  g_string_append_printf (out, "items[%u].Compressed=false\r\n", i);
  g_string_append_printf (out, "items[%u].CutLength=%" G_GUINT64_FORMAT "\r\n", i, size);
  g_string_append_printf (out, "items[%u].Disk=0\r\n", i);
  g_string_append_printf (out, "items[%u].Duration=%" G_GINT64_FORMAT "\r\n", i, seg->end - seg->start);
  g_string_append_printf (out, "items[%u].EndTime=%s\r\n", i, et);
  g_string_append_printf (out, "items[%u].FilePath=%s\r\n", i, path);
  if (seg->writing)
    g_string_append_printf (out, "items[%u].FileState=Temporary\r\n", i);
  g_string_append_printf (out, "items[%u].Flags[0]=Timing\r\n", i);
  g_string_append_printf (out, "items[%u].Length=%" G_GUINT64_FORMAT "\r\n", i, size);
  g_string_append_printf (out, "items[%u].Overwrites=0\r\n", i);
  g_string_append_printf (out, "items[%u].Partition=0\r\n", i);
  g_string_append_printf (out, "items[%u].Redundant=false\r\n", i);
  g_string_append_printf (out, "items[%u].Repeat=0\r\n", i);
  g_string_append_printf (out, "items[%u].StartTime=%s\r\n", i, st);
  g_string_append_printf (out, "items[%u].Type=mp4\r\n", i);
  g_string_append_printf (out, "items[%u].WorkDir=/mnt/dvr\r\n", i);
  g_string_append_printf (out, "items[%u].WorkDirSN=0\r\n", i);
}

static DcSimFinder *
lookup_finder (DcSim      *sim,
               GHashTable *query)
{
  const char *object = g_hash_table_lookup (query, "object");
  guint64 id;

  if (object == NULL || !g_ascii_string_to_unsigned (object, 10, 1, G_MAXUINT, &id, NULL))
    return NULL;
  return g_hash_table_lookup (sim->finders, GUINT_TO_POINTER ((guint) id));
}

static void
handle_media_file_find (DcSim             *sim,
                        SoupServerMessage *msg,
                        const char        *action,
                        GHashTable        *query)
{
  DcSimFinder *finder;

  if (g_strcmp0 (action, "factory.create") == 0)
    {
      g_autofree char *text = NULL;

      finder = g_new0 (DcSimFinder, 1);
      finder->id = sim->next_finder_id++;
      g_hash_table_insert (sim->finders, GUINT_TO_POINTER (finder->id), finder);
      sim->finders_created++;
      text = g_strdup_printf ("result=%u\r\n", finder->id);
      respond_text (msg, text);
      return;
    }
  if (g_strcmp0 (action, "findFile") != 0 && g_strcmp0 (action, "findNextFile") != 0
      && g_strcmp0 (action, "close") != 0 && g_strcmp0 (action, "destroy") != 0)
    {
      /* factory.close / factory.destroy included, as python-amcrest's
       * captures show. */
      respond_text (msg, "Error\r\nErrorID=2, Detail=Invalid Request!\r\n");
      return;
    }
  finder = lookup_finder (sim, query);
  if (finder == NULL)
    {
      respond_bad_request (msg);
      return;
    }

  if (g_str_equal (action, "findFile"))
    {
      const char *channel_text = g_hash_table_lookup (query, "condition.Channel");
      const char *type = g_hash_table_lookup (query, "condition.Types[0]");
      guint64 channel;
      gint64 from, to;

      if (channel_text == NULL
          || !g_ascii_string_to_unsigned (channel_text, 10, 0, 1024, &channel, NULL)
          || channel + 1 < (guint64) sim->dahua_condition_base
          || !parse_dahua_time (g_hash_table_lookup (query, "condition.StartTime"), &from)
          || !parse_dahua_time (g_hash_table_lookup (query, "condition.EndTime"), &to)
          || finder->closed)
        {
          respond_bad_request (msg);
          return;
        }
      g_clear_pointer (&finder->segments, g_ptr_array_unref);
      /* condition.Channel is 1-based on most firmware, 0-based on some
       * NVRs (channel 0 is the first camera); pictures (jpg) are not
       * recorded. */
      if (type != NULL && g_str_equal (type, "jpg"))
        finder->segments = g_ptr_array_new_with_free_func (g_free);
      else
        finder->segments = dc_sim_find_segments (sim, (guint) channel + 1 - (guint) sim->dahua_condition_base,
                                                 from, to);
      finder->position = 0;
      finder->has_query = TRUE;
      respond_text (msg, "OK\r\n");
    }
  else if (g_str_equal (action, "findNextFile"))
    {
      const char *count_text = g_hash_table_lookup (query, "count");
      guint64 count;
      GString *out;
      guint n;

      if (!finder->has_query || finder->closed || count_text == NULL
          || !g_ascii_string_to_unsigned (count_text, 10, 1, G_MAXUINT, &count, NULL))
        {
          respond_bad_request (msg);
          return;
        }
      count = MIN (count, DC_SIM_MAX_FIND_COUNT);
      n = finder->position < finder->segments->len
        ? (guint) MIN (count, finder->segments->len - finder->position) : 0;
      out = g_string_new (NULL);
      /* Amcrest's found= disagrees with the items that follow. */
      g_string_append_printf (out, "found=%u\r\n", sim->amcrest && n > 0 ? n + 1 : n);
      for (guint i = 0; i < n; i++)
        {
          if (sim->amcrest)
            append_item_amcrest (sim, out, i, finder->segments->pdata[finder->position + i]);
          else
            append_item (sim, out, i, finder->segments->pdata[finder->position + i]);
        }
      finder->position += n;
      if (dc_sim_fault_roll (sim, DC_SIM_FAULT_BADXML, NULL))
        g_string_append (out, "items[0\r\n<html>garbage</html>\r\n");
      if (dc_sim_fault_roll (sim, DC_SIM_FAULT_TRUNCPAGE, NULL))
        g_string_truncate (out, out->len * 3 / 5);
      dc_sim_respond (msg, SOUP_STATUS_OK, TEXT_TYPE, out->str, (gssize) out->len);
      g_string_free (out, TRUE);
    }
  else if (g_str_equal (action, "close"))
    {
      finder->closed = TRUE;
      respond_text (msg, "OK\r\n");
    }
  else
    {
      g_hash_table_remove (sim->finders, GUINT_TO_POINTER (finder->id));
      respond_text (msg, "OK\r\n");
    }
}

static gboolean
refuse_download (DcSim             *sim,
                 SoupServerMessage *msg)
{
  if (dc_sim_download_is_busy (sim))
    {
      dc_sim_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TEXT_TYPE, "Error\r\nDevice Busy!\r\n", -1);
      return TRUE;
    }
  if (dc_sim_fault_roll (sim, DC_SIM_FAULT_ERROR200, NULL))
    {
      dc_sim_respond (msg, SOUP_STATUS_OK, TEXT_TYPE, "Error\r\nErrorID=3, Detail=Device Error!\r\n", -1);
      return TRUE;
    }
  return FALSE;
}

static void
handle_rpc_loadfile (DcSim             *sim,
                     SoupServerMessage *msg,
                     const char        *path)
{
  g_autofree char *decoded = g_uri_unescape_string (path + strlen ("/cgi-bin/RPC_Loadfile"), NULL);
  DcSimSegment seg;
  DcSimBody body;

  if (decoded == NULL || !parse_file_path (sim, decoded, &seg))
    {
      dc_sim_respond (msg, SOUP_STATUS_NOT_FOUND, TEXT_TYPE, "Error\r\nFile Not Found!\r\n", -1);
      return;
    }
  if (refuse_download (sim, msg))
    return;
  dc_sim_body_init (sim, &body, seg.channel, seg.start, seg.end - seg.start, TRUE);
  dc_sim_stream_download (sim, msg, &body, "Application/octet-stream", FALSE);
}

static void
handle_loadfile (DcSim             *sim,
                 SoupServerMessage *msg,
                 GHashTable        *query)
{
  const char *channel_text = g_hash_table_lookup (query, "channel");
  guint64 channel;
  gint64 from, to;
  DcSimBody body;

  if (g_strcmp0 (g_hash_table_lookup (query, "action"), "startLoad") != 0 || !sim->by_time)
    {
      respond_bad_request (msg);
      return;
    }
  if (channel_text == NULL || !g_ascii_string_to_unsigned (channel_text, 10, 1, sim->channels, &channel, NULL)
      || !parse_dahua_time (g_hash_table_lookup (query, "startTime"), &from)
      || !parse_dahua_time (g_hash_table_lookup (query, "endTime"), &to))
    {
      respond_bad_request (msg);
      return;
    }
  if (to <= from)
    to = from + 1;
  if (!dc_sim_clamp_window (sim, &from, &to))
    {
      dc_sim_respond (msg, SOUP_STATUS_NOT_FOUND, TEXT_TYPE, "Error\r\nNo Record!\r\n", -1);
      return;
    }
  /* Some firmware serves a time window only out of the recording file its
   * start is in: 200, a well-formed stream, and it ends there. */
  if (sim->cut_at_file_end)
    to = MIN (to, dc_sim_file_end_at (sim, from));
  if (refuse_download (sim, msg))
    return;
  /* The stream starts with the keyframe of startTime: one fragment per
   * whole second, decode times counted from startTime. */
  dc_sim_body_init (sim, &body, (guint) channel, from, to - from, FALSE);
  dc_sim_stream_download (sim, msg, &body, "Application/octet-stream", TRUE);
}

void
dc_sim_dahua_handle (DcSim             *sim,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query)
{
  const char *action = query ? g_hash_table_lookup (query, "action") : NULL;
  g_autoptr(GHashTable) empty = NULL;

  if (query == NULL)
    query = empty = g_hash_table_new (g_str_hash, g_str_equal);

  if (g_str_has_prefix (path, "/cgi-bin/RPC_Loadfile"))
    handle_rpc_loadfile (sim, msg, path);
  else if (g_str_equal (path, "/cgi-bin/mediaFileFind.cgi"))
    {
      /* Some firmware fails a request with a fractional second outright. */
      const char *st = g_hash_table_lookup (query, "condition.StartTime");
      const char *et = g_hash_table_lookup (query, "condition.EndTime");
      if ((st && strchr (st, '.')) || (et && strchr (et, '.')))
        respond_bad_request (msg);
      else
        handle_media_file_find (sim, msg, action, query);
    }
  else if (g_str_equal (path, "/cgi-bin/loadfile.cgi"))
    handle_loadfile (sim, msg, query);
  else if (g_str_equal (path, "/cgi-bin/magicBox.cgi") && g_strcmp0 (action, "getDeviceType") == 0)
    respond_text (msg, sim->amcrest ? "type=AMDV10814-H5\r\n" : "type=DHI-NVR4108HS-4KS2\r\n");
  else if (g_str_equal (path, "/cgi-bin/magicBox.cgi") && g_strcmp0 (action, "getSerialNo") == 0)
    respond_text (msg, "sn=7J0A2B3PAZ12345\r\n");
  else if (g_str_equal (path, "/cgi-bin/magicBox.cgi") && g_strcmp0 (action, "getSoftwareVersion") == 0)
    respond_text (msg, "version=4.001.0000000.2,build:2023-05-11\r\n");
  else if (g_str_equal (path, "/cgi-bin/magicBox.cgi") && g_strcmp0 (action, "getMachineName") == 0)
    respond_text (msg, "name=Dockclip simulated NVR\r\n");
  else if (g_str_equal (path, "/cgi-bin/magicBox.cgi") && g_strcmp0 (action, "getSystemInfo") == 0)
    {
      g_autofree char *text = g_strdup_printf ("deviceType=DHI-NVR4108HS-4KS2\r\nprocessor=ST7108\r\n"
                                               "serialNumber=7J0A2B3PAZ12345\r\nupdateSerial=NVR4108HS-4KS2\r\n"
                                               "videoInputChannels=%u\r\n", sim->channels);
      respond_text (msg, text);
    }
  else if (g_str_equal (path, "/cgi-bin/global.cgi") && g_strcmp0 (action, "getCurrentTime") == 0)
    {
      /* The vendor's own documentation shows result=2011-7-3 21:02:32. */
      g_autofree char *now = dc_sim_format_wall (dc_sim_wall_now (sim),
                                                 sim->unpadded_clock ? "%Y-%-m-%-d %-H:%M:%S"
                                                                     : "%Y-%m-%d %H:%M:%S");
      g_autofree char *text = g_strdup_printf ("result=%s\r\n", now);
      respond_text (msg, text);
    }
  else if (g_str_equal (path, "/cgi-bin/configManager.cgi") && g_strcmp0 (action, "getConfig") == 0
           && g_strcmp0 (g_hash_table_lookup (query, "name"), "ChannelTitle") == 0)
    {
      GString *out = g_string_new (NULL);

      /* 0-based index; user channel = index + 1. */
      for (guint i = 0; i < sim->channels; i++)
        g_string_append_printf (out, "table.ChannelTitle[%u].Name=Dock camera %02u\r\n", i, i + 1);
      dc_sim_respond (msg, SOUP_STATUS_OK, TEXT_TYPE, out->str, (gssize) out->len);
      g_string_free (out, TRUE);
    }
  else
    respond_bad_request (msg);
}
