/* dc-sim-server.c: what both simulated brands share — the recorder's
 * clock and recordings, Digest authentication with lockout, fault dice,
 * streamed downloads and /sim/stats. */
#define G_LOG_DOMAIN "dc-dvr-sim"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dc-sim.h"

/* ---- time ---- */

gint64
dc_sim_utc_to_wall (gint64 utc)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (utc);

  if (dt == NULL)
    return utc;
  return utc + g_date_time_get_utc_offset (dt) / G_USEC_PER_SEC;
}

gint64
dc_sim_wall_to_utc (gint64 wall)
{
  g_autoptr(GDateTime) w = g_date_time_new_from_unix_utc (wall);
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) local = NULL;

  if (w == NULL)
    return wall;
  local = g_date_time_new (tz, g_date_time_get_year (w), g_date_time_get_month (w),
                           g_date_time_get_day_of_month (w), g_date_time_get_hour (w),
                           g_date_time_get_minute (w), g_date_time_get_second (w));
  return local != NULL ? g_date_time_to_unix (local) : wall;
}

gint64
dc_sim_wall_now (DcSim *sim)
{
  return dc_sim_utc_to_wall (g_get_real_time () / G_USEC_PER_SEC + sim->clock_offset);
}

char *
dc_sim_format_wall (gint64      wall,
                    const char *format)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (wall);

  return dt != NULL ? g_date_time_format (dt, format) : g_strdup ("");
}

/* "+08:00"-style offset of this process's zone at that wall-clock time. */
char *
dc_sim_local_offset_suffix (gint64 wall)
{
  gint64 offset = wall - dc_sim_wall_to_utc (wall);
  gint64 a = ABS (offset);

  return g_strdup_printf ("%c%02d:%02d", offset < 0 ? '-' : '+',
                          (int) (a / 3600), (int) (a % 3600 / 60));
}

/* Accepts YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm], YYYYMMDDThhmmssZ and
 * YYYY-MM-DD hh:mm:ss[.f]; returns the digits as wall seconds.  The zone
 * suffix is ignored: what it means depends on the device's time mode. */
gboolean
dc_sim_parse_time (const char *text,
                   gint64     *wall,
                   gboolean   *fraction)
{
  int y, mo, d, h, mi, s, n = 0;
  char sep;
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL)
    return FALSE;
  while (g_ascii_isspace (*text))
    text++;
  if (fraction)
    *fraction = FALSE;
  if (sscanf (text, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &s, &n) == 7
      && (sep == 'T' || sep == ' '))
    {
      if (text[n] == '.' && fraction)
        *fraction = TRUE;
    }
  else if (sscanf (text, "%4d%2d%2dT%2d%2d%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
    return FALSE;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
    return FALSE;
  dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (dt == NULL)
    return FALSE;
  *wall = g_date_time_to_unix (dt);
  return TRUE;
}

/* ---- recordings ---- */

static gint64
floor_div (gint64 a,
           gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static gint64
recording_end (DcSim *sim)
{
  return MIN (sim->record_to, dc_sim_wall_now (sim));
}

static gboolean
segment_for_slot (DcSim        *sim,
                  guint         channel,
                  gint64        slot,
                  gint64        end,
                  DcSimSegment *seg)
{
  seg->channel = channel;
  seg->start = MAX (slot, sim->record_from);
  seg->end = MIN (slot + DC_SIM_SEGMENT_SECONDS, end);
  seg->writing = seg->end == end && end < sim->record_to && seg->end < slot + DC_SIM_SEGMENT_SECONDS;
  return seg->end > seg->start;
}

/* Segments of channel that overlap the closed interval [from, to]. */
GPtrArray *
dc_sim_find_segments (DcSim  *sim,
                      guint   channel,
                      gint64  from,
                      gint64  to)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gint64 end = recording_end (sim);
  gint64 lo = MAX (from, sim->record_from);
  gint64 hi = MIN (to, end - 1);
  guint guard = 0;

  if (channel < 1 || channel > sim->channels || hi < lo)
    return out;
  for (gint64 slot = floor_div (lo, DC_SIM_SEGMENT_SECONDS) * DC_SIM_SEGMENT_SECONDS;
       slot <= hi && guard < 500000; slot += DC_SIM_SEGMENT_SECONDS, guard++)
    {
      DcSimSegment seg;

      if (segment_for_slot (sim, channel, slot, end, &seg))
        g_ptr_array_add (out, g_memdup2 (&seg, sizeof seg));
    }
  return out;
}

gboolean
dc_sim_find_segment_at (DcSim        *sim,
                        guint         channel,
                        gint64        start,
                        DcSimSegment *segment)
{
  gint64 slot = floor_div (start, DC_SIM_SEGMENT_SECONDS) * DC_SIM_SEGMENT_SECONDS;

  if (channel < 1 || channel > sim->channels)
    return FALSE;
  return segment_for_slot (sim, channel, slot, recording_end (sim), segment)
         && segment->start == start;
}

gint64
dc_sim_file_end_at (DcSim  *sim,
                    gint64  t)
{
  gint64 slot = floor_div (t, DC_SIM_SEGMENT_SECONDS) * DC_SIM_SEGMENT_SECONDS;

  return MIN (slot + DC_SIM_SEGMENT_SECONDS, recording_end (sim));
}

gboolean
dc_sim_clamp_window (DcSim  *sim,
                     gint64 *from,
                     gint64 *to)
{
  *from = MAX (*from, sim->record_from);
  *to = MIN (*to, recording_end (sim));
  return *to > *from;
}

static gsize
header_size (DcSim *sim)
{
  static gsize mp4_init_size;

  if (sim->brand == DC_SIM_BRAND_HIKVISION)
    return DC_SIM_IMKH_SIZE;
  if (sim->bulk_bytes > 0)
    return 32;
  if (mp4_init_size == 0)
    mp4_init_size = dc_sim_video_mp4_init_size (sim->video);
  return mp4_init_size;
}

guint64
dc_sim_segment_size (DcSim              *sim,
                     const DcSimSegment *segment)
{
  if (sim->bulk_bytes > 0)
    return sim->bulk_bytes;
  return header_size (sim) + (guint64) (segment->end - segment->start) * dc_sim_video_get_gop_bytes (sim->video);
}

/* The bulk body: a fixed pseudo-random pattern, repeated (no encoding). */
#define DC_SIM_BULK_PATTERN (1 << 20)

static const guint8 *
bulk_pattern (void)
{
  static guint8 *pattern;

  if (g_once_init_enter (&pattern))
    {
      guint8 *p = g_malloc (DC_SIM_BULK_PATTERN);
      guint32 x = 0x12345678u;

      for (gsize i = 0; i < DC_SIM_BULK_PATTERN; i++)
        {
          x ^= x << 13;
          x ^= x >> 17;
          x ^= x << 5;
          p[i] = (guint8) x;
        }
      g_once_init_leave (&pattern, p);
    }
  return pattern;
}

void
dc_sim_body_init (DcSim     *sim,
                  DcSimBody *body,
                  guint      channel,
                  gint64     start_sec,
                  gint64     n_secs,
                  gboolean   whole_segment)
{
  static const guint8 bulk_mp4_header[32] = {
    0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
    'i', 's', 'o', 'm', 'm', 'p', '4', '1', 0, 0, 0, 8, 'f', 'r', 'e', 'e',
  };

  memset (body, 0, sizeof *body);
  body->channel = channel;
  body->start_sec = start_sec;
  body->n_secs = MAX (n_secs, 0);
  if (sim->bulk_bytes > 0)
    {
      body->kind = DC_SIM_BODY_BULK;
      body->header = sim->brand == DC_SIM_BRAND_HIKVISION
        ? g_bytes_new_static (dc_sim_imkh_header (), DC_SIM_IMKH_SIZE)
        : g_bytes_new_static (bulk_mp4_header, sizeof bulk_mp4_header);
      /* A by-time window of a bulk recording is the same share of it. */
      body->total = MAX (g_bytes_get_size (body->header) + 1,
                         whole_segment ? sim->bulk_bytes
                         : sim->bulk_bytes * (guint64) body->n_secs / DC_SIM_SEGMENT_SECONDS);
      return;
    }
  if (sim->brand == DC_SIM_BRAND_HIKVISION)
    {
      body->kind = DC_SIM_BODY_PS;
      body->header = g_bytes_new_static (dc_sim_imkh_header (), DC_SIM_IMKH_SIZE);
    }
  else
    {
      body->kind = DC_SIM_BODY_MP4;
      body->header = dc_sim_video_mp4_init (sim->video, body->n_secs);
    }
  body->total = g_bytes_get_size (body->header)
                + (guint64) body->n_secs * dc_sim_video_get_gop_bytes (sim->video);
}

void
dc_sim_body_clear (DcSimBody *body)
{
  g_clear_pointer (&body->header, g_bytes_unref);
}

/* Up to max bytes of body at offset (never crossing a chunk). */
static GBytes *
body_read (DcSim     *sim,
           DcSimBody *body,
           guint64    offset,
           gsize      max)
{
  gsize hlen = g_bytes_get_size (body->header);
  gsize gop_bytes;
  guint64 idx, in;
  g_autoptr(GBytes) chunk = NULL;

  if (offset < hlen)
    return g_bytes_new_from_bytes (body->header, offset, MIN (hlen - offset, max));
  offset -= hlen;
  if (body->kind == DC_SIM_BODY_BULK)
    {
      gsize at = offset % DC_SIM_BULK_PATTERN;

      return g_bytes_new_static (bulk_pattern () + at, MIN (max, DC_SIM_BULK_PATTERN - at));
    }
  gop_bytes = dc_sim_video_get_gop_bytes (sim->video);
  idx = offset / gop_bytes;
  in = offset % gop_bytes;
  /* Keep the worker threads one step ahead of the reader. */
  for (guint64 i = idx + 1; i < idx + 4 && (gint64) i < body->n_secs; i++)
    dc_sim_video_prefetch (sim->video, body->channel, body->start_sec + (gint64) i);
  if (body->kind == DC_SIM_BODY_PS)
    chunk = dc_sim_video_ps_chunk (sim->video, body->channel, body->start_sec + (gint64) idx);
  else
    chunk = dc_sim_video_mp4_fragment (sim->video, body->channel, body->start_sec + (gint64) idx,
                                       body->start_sec);
  /* A chunk is gop_bytes long; never ask past what it holds. */
  if (chunk == NULL || in >= g_bytes_get_size (chunk))
    return NULL;
  return g_bytes_new_from_bytes (chunk, in, MIN (g_bytes_get_size (chunk) - in, max));
}

/* TRUE when body_read() at offset will not have to encode; otherwise the
 * GOP is queued for a worker thread. */
static gboolean
body_ready (DcSim     *sim,
            DcSimBody *body,
            guint64    offset)
{
  gsize hlen = g_bytes_get_size (body->header);

  if (offset < hlen || body->kind == DC_SIM_BODY_BULK)
    return TRUE;
  return dc_sim_video_request (sim->video, body->channel,
                               body->start_sec + (gint64) ((offset - hlen) / dc_sim_video_get_gop_bytes (sim->video)));
}

/* ---- faults ---- */

gboolean
dc_sim_fault_roll (DcSim          *sim,
                   DcSimFaultKind  kind,
                   double         *param)
{
  for (guint i = 0; i < sim->faults->len; i++)
    {
      DcSimFault *fault = &g_array_index (sim->faults, DcSimFault, i);

      if (fault->kind != kind)
        continue;
      if (g_rand_double (sim->rand) < fault->probability)
        {
          if (param != NULL)
            *param = fault->param;
          sim->faults_injected[kind]++;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
dc_sim_download_is_busy (DcSim *sim)
{
  sim->peak_download_requests = MAX (sim->peak_download_requests, sim->downloads_active + 1);
  if (sim->downloads_active >= sim->max_downloads || dc_sim_fault_roll (sim, DC_SIM_FAULT_BUSY, NULL))
    {
      sim->busy_refusals++;
      return TRUE;
    }
  return FALSE;
}

/* ---- responses ---- */

void
dc_sim_count_request (DcSim      *sim,
                      const char *endpoint)
{
  gpointer n = g_hash_table_lookup (sim->requests, endpoint);

  g_hash_table_insert (sim->requests, g_strdup (endpoint), GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
}

void
dc_sim_respond (SoupServerMessage *msg,
                guint              status,
                const char        *content_type,
                const char        *body,
                gssize             len)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                    body, len < 0 ? strlen (body) : (gsize) len);
}

/* ---- streamed downloads ---- */

#define DC_SIM_PIECE (256 * 1024)

typedef struct
{
  DcSim             *sim;
  SoupServerMessage *msg;
  DcSimBody          body;
  guint64            pos;
  guint64            end;
  guint64            drop_at;
  guint64            stall_at;
  guint              stall_seconds;
  guint              in_flight;
  guint              timeout_id;
  guint              idle_id;
  guint              pump_id;
  GSource           *hangup_source;
  gboolean           started;
  gboolean           completed;
  gboolean           done;
  /* --rate: bytes may leave no faster than this from the first one */
  gint64             rate_start_us;
  guint64            rate_start_pos;
} DcSimStream;

static void stream_pump (DcSimStream *stream);

static void
stream_done (DcSimStream *stream)
{
  if (stream->done)
    return;
  stream->done = TRUE;
  g_clear_handle_id (&stream->timeout_id, g_source_remove);
  g_clear_handle_id (&stream->idle_id, g_source_remove);
  g_clear_handle_id (&stream->pump_id, g_source_remove);
  if (stream->hangup_source != NULL)
    {
      g_source_destroy (stream->hangup_source);
      g_clear_pointer (&stream->hangup_source, g_source_unref);
    }
  g_signal_handlers_disconnect_by_data (stream->msg, stream);
  stream->sim->downloads_active--;
}

static void
stream_free (gpointer data)
{
  DcSimStream *stream = data;

  stream_done (stream);
  dc_sim_body_clear (&stream->body);
  g_free (stream);
}

static gboolean
stream_drop_cb (gpointer data)
{
  DcSimStream *stream = data;
  SoupServerMessage *msg = stream->msg;
  g_autoptr(GIOStream) conn = NULL;

  stream->idle_id = 0;
  g_object_ref (msg);
  stream_done (stream);
  /* The client sees the connection close before Content-Length bytes. */
  conn = soup_server_message_steal_connection (msg);
  if (conn != NULL)
    g_io_stream_close (conn, NULL, NULL);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

/* While a stall holds the message paused libsoup does not watch the socket:
 * notice a client that gives up, so its download slot is freed at once. */
static gboolean
stream_hangup_cb (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      data)
{
  DcSimStream *stream = data;
  char byte;
  GInputVector vector = { &byte, 1 };
  int flags = G_SOCKET_MSG_PEEK;
  gssize n = 1;

  if (!(condition & (G_IO_HUP | G_IO_ERR)))
    n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, NULL);
  if (n > 0)
    {
      /* The client sent something: not a hang-up; stop watching. */
      g_clear_pointer (&stream->hangup_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&stream->hangup_source, g_source_unref);
  g_clear_handle_id (&stream->timeout_id, g_source_remove);
  stream_drop_cb (stream);
  return G_SOURCE_REMOVE;
}

static gboolean
stream_resume_cb (gpointer data)
{
  DcSimStream *stream = data;

  stream->timeout_id = 0;
  if (stream->hangup_source != NULL)
    {
      g_source_destroy (stream->hangup_source);
      g_clear_pointer (&stream->hangup_source, g_source_unref);
    }
  soup_server_message_unpause (stream->msg);
  stream_pump (stream);
  return G_SOURCE_REMOVE;
}

static gboolean
stream_pump_cb (gpointer data)
{
  DcSimStream *stream = data;

  stream->pump_id = 0;
  stream_pump (stream);
  return G_SOURCE_REMOVE;
}

/* Appends up to two pieces.  Never called from inside libsoup's write loop
 * (which on loopback would otherwise send a whole body in one main-loop
 * dispatch and starve every other client) and never encodes: a piece whose
 * GOP is not ready is retried a moment later, when a worker has made it. */
static void
stream_pump (DcSimStream *stream)
{
  SoupMessageBody *out = soup_server_message_get_response_body (stream->msg);
  gboolean wake = FALSE;

  while (!stream->done && stream->in_flight < 2)
    {
      guint64 limit = stream->end;
      g_autoptr(GBytes) piece = NULL;

      if (stream->pos >= stream->drop_at || stream->pos >= stream->stall_at)
        {
          /* Wait until what was queued has reached the socket. */
          if (stream->in_flight > 0)
            break;
          if (stream->pos >= stream->drop_at)
            {
              soup_server_message_pause (stream->msg);
              stream->idle_id = g_idle_add (stream_drop_cb, stream);
              return;
            }
          g_message ("stall: no bytes for %u s", stream->stall_seconds);
          stream->stall_at = G_MAXUINT64;
          soup_server_message_pause (stream->msg);
          stream->timeout_id = g_timeout_add_seconds (stream->stall_seconds, stream_resume_cb, stream);
          if (soup_server_message_get_socket (stream->msg) != NULL)
            {
              stream->hangup_source = g_socket_create_source (soup_server_message_get_socket (stream->msg),
                                                              G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
              g_source_set_callback (stream->hangup_source, (GSourceFunc) (void (*) (void)) stream_hangup_cb,
                                     stream, NULL);
              g_source_attach (stream->hangup_source, NULL);
            }
          return;
        }
      if (stream->pos >= stream->end)
        {
          if (stream->in_flight == 0 && !stream->completed)
            {
              stream->completed = TRUE;
              soup_message_body_complete (out);
              wake = TRUE;
            }
          break;
        }
      if (!body_ready (stream->sim, &stream->body, stream->pos))
        {
          if (stream->pump_id == 0)
            stream->pump_id = g_timeout_add (2, stream_pump_cb, stream);
          break;
        }
      if (stream->sim->rate_bytes_per_s > 0)
        {
          gint64 now = g_get_monotonic_time ();
          guint64 allowed;

          if (stream->rate_start_us == 0)
            {
              stream->rate_start_us = now;
              stream->rate_start_pos = stream->pos;
            }
          allowed = stream->rate_start_pos + DC_SIM_PIECE
                    + (guint64) ((double) stream->sim->rate_bytes_per_s
                                 * (double) (now - stream->rate_start_us) / G_USEC_PER_SEC);
          if (stream->pos >= allowed)
            {
              guint wait_ms = (guint) MAX (1, (double) (stream->pos - allowed + DC_SIM_PIECE) * 1000.0
                                              / (double) stream->sim->rate_bytes_per_s);

              if (stream->pump_id == 0)
                stream->pump_id = g_timeout_add (MIN (wait_ms, 100), stream_pump_cb, stream);
              break;
            }
          limit = MIN (limit, allowed);
        }
      limit = MIN (limit, stream->drop_at);
      limit = MIN (limit, stream->stall_at);
      piece = body_read (stream->sim, &stream->body, stream->pos, (gsize) MIN (limit - stream->pos, DC_SIM_PIECE));
      if (piece == NULL || g_bytes_get_size (piece) == 0)
        {
          /* Nothing to send here (never append an empty buffer: libsoup
           * takes it for the end); try again in a moment. */
          if (stream->pump_id == 0)
            stream->pump_id = g_timeout_add (2, stream_pump_cb, stream);
          break;
        }
      stream->pos += g_bytes_get_size (piece);
      stream->sim->bytes_sent += g_bytes_get_size (piece);
      stream->in_flight++;
      soup_message_body_append_bytes (out, piece);
      wake = TRUE;
    }
  /* libsoup pauses a message whose body ran dry: let it go on. */
  if (wake && !stream->done && stream->started)
    soup_server_message_unpause (stream->msg);
}

static void
stream_wrote_chunk_cb (SoupServerMessage *msg,
                       DcSimStream       *stream)
{
  if (stream->in_flight > 0)
    stream->in_flight--;
  if (stream->pump_id == 0)
    stream->pump_id = g_idle_add (stream_pump_cb, stream);
}

static void
stream_finished_cb (SoupServerMessage *msg,
                    DcSimStream       *stream)
{
  stream_done (stream);
}

void
dc_sim_stream_download (DcSim             *sim,
                        SoupServerMessage *msg,
                        DcSimBody         *body,
                        const char        *content_type,
                        gboolean           by_time)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  DcSimStream *stream = g_new0 (DcSimStream, 1);
  guint64 start = 0;
  guint64 end = body->total;
  guint status = SOUP_STATUS_OK;
  double param = 0;

  stream->sim = sim;
  stream->msg = msg;
  stream->body = *body;
  memset (body, 0, sizeof *body);

  if (sim->range)
    {
      SoupRange *ranges = NULL;
      int n_ranges = 0;

      soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
      if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Range") != NULL)
        {
          if (!soup_message_headers_get_ranges (soup_server_message_get_request_headers (msg),
                                                (goffset) end, &ranges, &n_ranges)
              || n_ranges != 1)
            {
              g_autofree char *cr = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, end);

              if (ranges != NULL)
                soup_message_headers_free_ranges (soup_server_message_get_request_headers (msg), ranges);
              soup_message_headers_replace (headers, "Content-Range", cr);
              dc_sim_respond (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "text/plain",
                              "Requested range not satisfiable\r\n", -1);
              stream_free (stream);
              return;
            }
          /* RFC 9110 14.1.2: a last-byte-pos past the end means "to the end";
           * libsoup leaves it as asked. */
          start = (guint64) ranges[0].start;
          end = MIN ((guint64) ranges[0].end + 1, end);
          soup_message_headers_free_ranges (soup_server_message_get_request_headers (msg), ranges);
          soup_message_headers_set_content_range (headers, (goffset) start, (goffset) end - 1,
                                                  (goffset) stream->body.total);
          status = SOUP_STATUS_PARTIAL_CONTENT;
        }
    }

  stream->pos = start;
  stream->drop_at = G_MAXUINT64;
  stream->stall_at = G_MAXUINT64;
  if (dc_sim_fault_roll (sim, DC_SIM_FAULT_DROP, NULL))
    stream->drop_at = start + MAX (1, MIN ((end - start) / 2, 2 * 1024 * 1024));
  if (dc_sim_fault_roll (sim, DC_SIM_FAULT_STALL, &param))
    {
      stream->stall_at = start + MAX (1, MIN ((end - start) / 2, 1024 * 1024));
      stream->stall_seconds = param > 0 ? (guint) param : 30;
    }
  if (start == 0 && dc_sim_fault_roll (sim, DC_SIM_FAULT_SHORT, NULL))
    {
      /* The recorder is still writing it: fewer bytes than announced, with a
       * Content-Length that matches what is sent, cut on a second. */
      gsize hlen = g_bytes_get_size (stream->body.header);
      guint64 keep = end * 3 / 5;

      if (stream->body.kind != DC_SIM_BODY_BULK && keep > hlen)
        keep = hlen + (keep - hlen) / dc_sim_video_get_gop_bytes (sim->video)
                      * dc_sim_video_get_gop_bytes (sim->video);
      end = MAX (MIN (keep, end), MIN ((guint64) hlen, end));
    }
  stream->end = end;

  sim->downloads_active++;
  sim->peak_downloads = MAX (sim->peak_downloads, sim->downloads_active);
  if (by_time)
    sim->downloads_by_time++;
  else
    sim->downloads_whole++;

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (headers, (goffset) (end - start));
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), "dc-sim-stream", stream, stream_free);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (stream_wrote_chunk_cb), stream);
  g_signal_connect (msg, "finished", G_CALLBACK (stream_finished_cb), stream);
  stream_pump (stream);
  stream->started = TRUE;
}

/* ---- authentication ---- */

static char *
md5_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
}

static char *
new_nonce (DcSim *sim)
{
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT ":%u",
                                           ++sim->nonce_counter, g_get_real_time (),
                                           g_rand_int (sim->rand) ^ g_random_int ());
  char *nonce = md5_hex (seed);

  /* libcurl keeps using a nonce for many requests: remember a bounded set;
   * an evicted nonce is answered with stale=TRUE and curl recovers. */
  if (g_hash_table_size (sim->nonces) > 4096)
    g_hash_table_remove_all (sim->nonces);
  g_hash_table_add (sim->nonces, g_strdup (nonce));
  return nonce;
}

static void
respond_unauthorized (DcSim             *sim,
                      SoupServerMessage *msg,
                      gboolean           stale)
{
  g_autofree char *nonce = new_nonce (sim);
  g_autofree char *challenge = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  /* Shaped like a real NVR's challenge, empty opaque included; or the
   * Basic-only challenge of firmware with Digest switched off. */
  if (sim->basic_only)
    challenge = g_strdup_printf ("Basic realm=\"%s\"", sim->realm);
  else
    challenge = g_strdup_printf ("Digest realm=\"%s\", domain=\"::\", qop=\"auth\", nonce=\"%s\", "
                               "opaque=\"\", algorithm=\"MD5\", stale=\"%s\"",
                               sim->realm, nonce, stale ? "TRUE" : "FALSE");
  soup_message_headers_replace (headers, "WWW-Authenticate", challenge);
  if (sim->brand == DC_SIM_BRAND_HIKVISION)
    dc_sim_hikvision_unauthorized_body (sim, msg);
  else
    dc_sim_respond (msg, SOUP_STATUS_UNAUTHORIZED, "text/plain", "Error\r\nInvalid Authority!\r\n", -1);
}

typedef enum
{
  AUTH_NONE,
  AUTH_OK,
  AUTH_BAD,
  AUTH_STALE,
} AuthResult;

static AuthResult
check_basic (DcSim      *sim,
             const char *header)
{
  g_autofree char *expect_in = g_strdup_printf ("%s:%s", sim->user, sim->password);
  g_autofree char *expect = g_base64_encode ((const guchar *) expect_in, strlen (expect_in));
  const char *given = header + 6;

  while (*given == ' ')
    given++;
  return g_str_equal (given, expect) ? AUTH_OK : AUTH_BAD;
}

static AuthResult
check_digest (DcSim             *sim,
              SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  g_autoptr(GHashTable) params = NULL;
  const char *username, *realm, *nonce, *uri, *response, *qop, *nc, *cnonce, *algorithm;
  g_autofree char *ha1_in = NULL, *ha1 = NULL, *ha2_in = NULL, *ha2 = NULL;
  g_autofree char *expect_in = NULL, *expect = NULL;

  if (header != NULL && sim->basic_only && g_ascii_strncasecmp (header, "Basic ", 6) == 0)
    return check_basic (sim, header);
  if (header == NULL || g_ascii_strncasecmp (header, "Digest ", 7) != 0 || sim->basic_only)
    return AUTH_NONE;   /* no credentials, or Basic: challenge, don't count */
  params = soup_header_parse_param_list (header + 7);
  username = g_hash_table_lookup (params, "username");
  realm = g_hash_table_lookup (params, "realm");
  nonce = g_hash_table_lookup (params, "nonce");
  uri = g_hash_table_lookup (params, "uri");
  response = g_hash_table_lookup (params, "response");
  qop = g_hash_table_lookup (params, "qop");
  nc = g_hash_table_lookup (params, "nc");
  cnonce = g_hash_table_lookup (params, "cnonce");
  algorithm = g_hash_table_lookup (params, "algorithm");

  if (username == NULL || realm == NULL || nonce == NULL || uri == NULL || response == NULL)
    return AUTH_BAD;
  if (algorithm != NULL && g_ascii_strcasecmp (algorithm, "MD5") != 0)
    return AUTH_BAD;

  ha1_in = g_strdup_printf ("%s:%s:%s", sim->user, sim->realm, sim->password);
  ha1 = md5_hex (ha1_in);
  ha2_in = g_strdup_printf ("%s:%s", soup_server_message_get_method (msg), uri);
  ha2 = md5_hex (ha2_in);
  if (qop != NULL)
    {
      if (g_strcmp0 (qop, "auth") != 0 || nc == NULL || cnonce == NULL)
        return AUTH_BAD;
      expect_in = g_strdup_printf ("%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
    }
  else
    expect_in = g_strdup_printf ("%s:%s:%s", ha1, nonce, ha2);
  expect = md5_hex (expect_in);

  if (g_strcmp0 (username, sim->user) != 0 || g_strcmp0 (realm, sim->realm) != 0
      || g_ascii_strcasecmp (expect, response) != 0)
    return AUTH_BAD;
  if (!g_hash_table_contains (sim->nonces, nonce))
    return AUTH_STALE;
  return AUTH_OK;
}

static gboolean
authorize (DcSim             *sim,
           SoupServerMessage *msg)
{
  AuthResult result = check_digest (sim, msg);

  if (result == AUTH_BAD)
    {
      sim->auth_failures++;
      if (sim->auth_failures >= DC_SIM_MAX_LOGIN_FAILURES && !sim->locked)
        {
          g_message ("user \"%s\" locked after %u failed logins", sim->user, sim->auth_failures);
          sim->locked = TRUE;
        }
    }
  if (result == AUTH_OK && !sim->locked)
    return TRUE;
  respond_unauthorized (sim, msg, result == AUTH_STALE);
  return FALSE;
}

/* ---- /sim/stats and dispatch ---- */

static void
respond_stats (DcSim             *sim,
               SoupServerMessage *msg)
{
  static const char *fault_names[DC_SIM_N_FAULTS] = {
    "drop", "stall", "busy", "error200", "badxml", "truncpage", "short",
  };
  GString *json = g_string_new ("{\"requests\": {");
  g_autoptr(GList) keys = g_hash_table_get_keys (sim->requests);
  g_autofree char *wall = dc_sim_format_wall (dc_sim_wall_now (sim), "%Y-%m-%d %H:%M:%S");
  gboolean first = TRUE;

  keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_autofree char *escaped = g_strescape (l->data, NULL);

      g_string_append_printf (json, "%s\"%s\": %u", first ? "" : ", ", escaped,
                              GPOINTER_TO_UINT (g_hash_table_lookup (sim->requests, l->data)));
      first = FALSE;
    }
  g_string_append_printf (json,
                          "}, \"downloads_active\": %u, \"peak_concurrent_downloads\": %u, "
                          "\"peak_download_requests\": %u, \"busy_refusals\": %u, "
                          "\"downloads_by_time\": %u, \"downloads_whole\": %u, "
                          "\"finders_open\": %u, \"finders_created\": %u, "
                          "\"auth_failures\": %u, \"locked\": %s, "
                          "\"bytes_sent\": %" G_GUINT64_FORMAT ", \"wall_clock\": \"%s\", \"faults\": {",
                          sim->downloads_active, sim->peak_downloads, sim->peak_download_requests,
                          sim->busy_refusals, sim->downloads_by_time, sim->downloads_whole,
                          g_hash_table_size (sim->finders), sim->finders_created,
                          sim->auth_failures, sim->locked ? "true" : "false",
                          sim->bytes_sent, wall);
  for (int i = 0; i < DC_SIM_N_FAULTS; i++)
    g_string_append_printf (json, "%s\"%s\": %u", i ? ", " : "", fault_names[i], sim->faults_injected[i]);
  g_string_append (json, "}}\n");
  dc_sim_respond (msg, SOUP_STATUS_OK, "application/json", json->str, (gssize) json->len);
  g_string_free (json, TRUE);
}

void dc_sim_server_handler (SoupServer        *server,
                            SoupServerMessage *msg,
                            const char        *path,
                            GHashTable        *query,
                            gpointer           user_data);

static void handle_now (DcSim *sim, SoupServerMessage *msg, const char *path, GHashTable *query);

/* --latency-ms: the request waits, paused, before it is handled, as on a
 * recorder whose CPU answers after a few hundred milliseconds. */
typedef struct
{
  DcSim             *sim;
  SoupServerMessage *msg;
  char              *path;
  GHashTable        *query;
} Delayed;

static gboolean
delayed_cb (gpointer data)
{
  Delayed *d = data;

  handle_now (d->sim, d->msg, d->path, d->query);
  soup_server_message_unpause (d->msg);
  g_object_unref (d->msg);
  g_free (d->path);
  g_clear_pointer (&d->query, g_hash_table_unref);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static GHashTable *
copy_query (GHashTable *query)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer k, v;

  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, &k, &v))
    g_hash_table_insert (copy, g_strdup (k), g_strdup (v));
  return copy;
}

void
dc_sim_server_handler (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  DcSim *sim = user_data;

  if (g_str_equal (path, "/sim/stats"))
    {
      respond_stats (sim, msg);
      return;
    }
  if (sim->latency_ms > 0)
    {
      Delayed *d = g_new0 (Delayed, 1);

      d->sim = sim;
      d->msg = g_object_ref (msg);
      d->path = g_strdup (path);
      d->query = query ? copy_query (query) : NULL;
      soup_server_message_pause (msg);
      g_timeout_add (sim->latency_ms, delayed_cb, d);
      return;
    }
  handle_now (sim, msg, path, query);
}

static void
handle_now (DcSim             *sim,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query)
{
  g_autofree char *endpoint = NULL;

  endpoint = sim->brand == DC_SIM_BRAND_HIKVISION
    ? dc_sim_hikvision_endpoint (path)
    : dc_sim_dahua_endpoint (path, query);
  dc_sim_count_request (sim, endpoint);
  if (!authorize (sim, msg))
    return;
  if (sim->brand == DC_SIM_BRAND_HIKVISION)
    dc_sim_hikvision_handle (sim, msg, path, query);
  else
    dc_sim_dahua_handle (sim, msg, path, query);
}
