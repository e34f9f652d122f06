/* hostile-server.c: the hostile recorder.  Cases (Hikvision unless said):
 *
 *   normal            a well-behaved device
 *   stale-forever     answers every signed request with a fresh nonce and stale=true
 *   basic-only        offers only Basic sign-in
 *   redirect-host     deviceInfo: 302 to another host
 *   redirect-scheme   deviceInfo: 301 to https:// on this host
 *   long-header       deviceInfo: one header line of 10 MB
 *   endless-xml       deviceInfo: "<a>" without end, no Content-Length (deep, never closed)
 *   wide-xml          deviceInfo: one start tag with attributes without end
 *   huge-length       deviceInfo: Content-Length 1 TiB, body trickling
 *   many-channels     channel list of 50,000,000 channels (made as it is sent)
 *   search-16m        search: one page announcing and listing 16,777,216 items
 *   status-control    deviceInfo: 403 whose statusString holds ESC and newlines
 *   control-strings   deviceInfo: model and type with ESC sequences and newlines
 *   deep-xml-closed   deviceInfo: 100,000 nested elements, closed
 *   deep-xml-open     deviceInfo: 100,000 nested elements, never closed
 *   channel-id-max    channel list: one channel whose id is 4294967295
 *   clock-0001 / clock-9999   the recorder's clock in year 1 / 9999
 *   not-http          whatever it is sent, answers binary junk (an SDK port)
 *   search-sizes      search: segments of 2^64-1 and of -5 bytes
 *   endless-media     search: one segment over the asked window; download: a body
 *                     that never ends (IMKH, then MPEG-PS padding packs)
 *   dahua: normal, many-channels (an endless ChannelTitle table)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hostile-server.h"

#define REALM       "IP Camera(hostile)"
#define HEAD_MAX    (64 * 1024)
#define CHUNK       (64 * 1024)
/* The endless answers stop here: far past any sane cap, never reached
 * unless the client under test has none. */
#define ENDLESS_MAX ((guint64) 1 << 30)

struct _HostileServer
{
  GSocketService *service;
  guint16         port;
  char           *brand;
  char           *case_name;
  gint            stopping;      /* atomic */
  gint            active;        /* atomic: handlers running */
  gint            requests;      /* atomic */
  gint            authorized;    /* atomic */
  gint            saw_basic;     /* atomic */
  gint64          body_bytes;    /* atomic (g_atomic_pointer on 64 bits is not portable: under lock) */
  GMutex          lock;
  GMainContext   *context;       /* the listener's: its own thread runs it */
  GMainLoop      *loop;
  GThread        *thread;
};

typedef struct
{
  char       *method;
  char       *path;
  GHashTable *headers;   /* lower-case name -> value */
  char       *body;
  gsize       body_len;
} Request;

static void
request_free (Request *r)
{
  g_free (r->method);
  g_free (r->path);
  g_clear_pointer (&r->headers, g_hash_table_unref);
  g_free (r->body);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static gboolean
is_case (HostileServer *self, const char *name)
{
  return g_strcmp0 (self->case_name, name) == 0;
}

static void
count_body (HostileServer *self, gsize n)
{
  g_mutex_lock (&self->lock);
  self->body_bytes += (gint64) n;
  g_mutex_unlock (&self->lock);
}

/* ---- reading requests ------------------------------------------------ */

/* Reads one request from @in; @pending holds bytes read past the last one. */
static Request *
read_request (GInputStream *in, GByteArray *pending)
{
  g_autoptr(Request) r = g_new0 (Request, 1);
  guint8 buf[8192];
  gsize head_end = 0;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) first = NULL;
  const char *cl;
  gsize body_len = 0;

  for (;;)
    {
      gssize n;
      const guint8 *hit = NULL;

      for (gsize i = 0; pending->len >= 4 && i + 4 <= pending->len; i++)
        if (memcmp (pending->data + i, "\r\n\r\n", 4) == 0)
          {
            hit = pending->data + i;
            break;
          }
      if (hit != NULL)
        {
          head_end = (gsize) (hit - pending->data);
          break;
        }
      if (pending->len > HEAD_MAX)
        return NULL;
      n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL);
      if (n <= 0)
        return NULL;
      g_byte_array_append (pending, buf, (guint) n);
    }
  {
    g_autofree char *head = g_strndup ((const char *) pending->data, head_end);
    lines = g_strsplit (head, "\r\n", -1);
  }
  g_byte_array_remove_range (pending, 0, (guint) (head_end + 4));
  first = g_strsplit (lines[0], " ", 3);
  if (g_strv_length (first) < 2)
    return NULL;
  r->method = g_strdup (first[0]);
  r->path = g_strdup (first[1]);
  r->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');

      if (colon == NULL)
        continue;
      *colon = '\0';
      g_hash_table_replace (r->headers, g_ascii_strdown (lines[i], -1),
                            g_strdup (g_strstrip (colon + 1)));
    }
  cl = g_hash_table_lookup (r->headers, "content-length");
  if (cl != NULL)
    body_len = (gsize) g_ascii_strtoull (cl, NULL, 10);
  if (body_len > HEAD_MAX)
    return NULL;
  while (pending->len < body_len)
    {
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL);
      if (n <= 0)
        return NULL;
      g_byte_array_append (pending, buf, (guint) n);
    }
  r->body = g_strndup ((const char *) pending->data, body_len);
  r->body_len = body_len;
  g_byte_array_remove_range (pending, 0, (guint) body_len);
  return g_steal_pointer (&r);
}

/* ---- digest ------------------------------------------------------------ */

static char *
md5_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
}

/* key=value and key="value" pairs of a Digest Authorization header. */
static GHashTable *
parse_digest (const char *value)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *p = value + strlen ("Digest");

  while (*p)
    {
      const char *k;
      g_autofree char *key = NULL;
      GString *v = g_string_new (NULL);

      while (*p == ' ' || *p == ',')
        p++;
      k = p;
      while (*p && *p != '=')
        p++;
      if (*p != '=')
        {
          g_string_free (v, TRUE);
          break;
        }
      {
        g_autofree char *raw = g_strndup (k, (gsize) (p - k));
        key = g_ascii_strdown (g_strstrip (raw), -1);
      }
      p++;
      if (*p == '"')
        {
          p++;
          while (*p && *p != '"')
            g_string_append_c (v, *p++);
          if (*p == '"')
            p++;
        }
      else
        while (*p && *p != ',')
          g_string_append_c (v, *p++);
      g_hash_table_replace (params, g_steal_pointer (&key), g_string_free (v, FALSE));
    }
  return params;
}

static gboolean
digest_is_valid (Request *r)
{
  const char *auth = g_hash_table_lookup (r->headers, "authorization");
  g_autoptr(GHashTable) p = NULL;
  g_autofree char *a1 = NULL, *ha1 = NULL, *a2 = NULL, *ha2 = NULL, *all = NULL, *want = NULL;
  const char *qop, *resp;

  if (auth == NULL || g_ascii_strncasecmp (auth, "Digest", 6) != 0)
    return FALSE;
  p = parse_digest (auth);
  resp = g_hash_table_lookup (p, "response");
  if (resp == NULL || g_strcmp0 (g_hash_table_lookup (p, "username"), HOSTILE_USER) != 0 ||
      g_hash_table_lookup (p, "nonce") == NULL)
    return FALSE;
  a1 = g_strdup_printf ("%s:%s:%s", HOSTILE_USER, REALM, HOSTILE_PASSWORD);
  ha1 = md5_hex (a1);
  a2 = g_strdup_printf ("%s:%s", r->method, (const char *) g_hash_table_lookup (p, "uri"));
  ha2 = md5_hex (a2);
  qop = g_hash_table_lookup (p, "qop");
  if (qop != NULL)
    all = g_strdup_printf ("%s:%s:%s:%s:%s:%s", ha1, (const char *) g_hash_table_lookup (p, "nonce"),
                           (const char *) g_hash_table_lookup (p, "nc"),
                           (const char *) g_hash_table_lookup (p, "cnonce"), qop, ha2);
  else
    all = g_strdup_printf ("%s:%s:%s", ha1, (const char *) g_hash_table_lookup (p, "nonce"), ha2);
  want = md5_hex (all);
  return g_ascii_strcasecmp (want, resp) == 0;
}

/* ---- writing answers --------------------------------------------------- */

static gboolean
send_all (GOutputStream *out, const void *data, gsize len)
{
  return g_output_stream_write_all (out, data, len, NULL, NULL, NULL);
}

static gboolean
send_answer (HostileServer *self, GOutputStream *out, const char *status, const char *extra,
             const char *content_type, const char *body, gssize len)
{
  g_autofree char *head = NULL;

  if (len < 0)
    len = body ? (gssize) strlen (body) : 0;
  head = g_strdup_printf ("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %" G_GSSIZE_FORMAT
                          "\r\n%s\r\n", status, content_type ? content_type : "application/xml",
                          len, extra ? extra : "");
  if (!send_all (out, head, strlen (head)))
    return FALSE;
  count_body (self, (gsize) len);
  return len == 0 || send_all (out, body, (gsize) len);
}

static gboolean
send_challenge (HostileServer *self, GOutputStream *out, gboolean stale)
{
  g_autofree char *nonce = g_uuid_string_random ();
  g_autofree char *extra = g_strdup_printf ("WWW-Authenticate: Digest realm=\"" REALM "\", "
                                            "qop=\"auth\", nonce=\"%s\", opaque=\"0\"%s\r\n",
                                            nonce, stale ? ", stale=\"true\"" : "");

  return send_answer (self, out, "401 Unauthorized", extra, "text/html",
                      "<html>401 Unauthorized</html>", -1);
}

/* Sends a body made by @next (it fills @buf and returns its length; 0
 * ends) until the client stops reading, the server stops or @max bytes. */
typedef gsize (*FillFunc) (guint8 *buf, gsize size, guint64 index, gpointer data);

static gboolean
send_generated (HostileServer *self, GOutputStream *out, FillFunc fill, gpointer data,
                guint64 max, guint sleep_us)
{
  g_autofree guint8 *buf = g_malloc (CHUNK);
  guint64 sent = 0;

  for (guint64 i = 0; sent < max && !g_atomic_int_get (&self->stopping); i++)
    {
      gsize n = fill (buf, CHUNK, i, data);

      if (n == 0)
        break;
      if (!send_all (out, buf, n))
        return FALSE;
      sent += n;
      count_body (self, n);
      if (sleep_us > 0)
        g_usleep (sleep_us);
    }
  return FALSE;   /* the connection is closed after an unbounded body */
}

static gsize
fill_repeat (guint8 *buf, gsize size, guint64 index, gpointer data)
{
  const char *unit = data;
  gsize ulen = strlen (unit), n = 0;

  while (n + ulen <= size)
    {
      memcpy (buf + n, unit, ulen);
      n += ulen;
    }
  return n;
}

typedef struct
{
  guint64 next;
  guint64 total;
  const char *format;   /* one %" G_GUINT64_FORMAT " per item, twice */
} Items;

static gsize
fill_items (guint8 *buf, gsize size, guint64 index, gpointer data)
{
  Items *it = data;
  gsize n = 0;

  while (it->next < it->total)
    {
      char item[512];
      int len = g_snprintf (item, sizeof item, it->format, it->next + 1, it->next + 1);

      if (n + (gsize) len > size)
        break;
      memcpy (buf + n, item, (gsize) len);
      n += (gsize) len;
      it->next++;
    }
  return n;
}

static const char *
control_model (void)
{
  return "DS-7608\x1b[2J\x1b]0;owned\x07\nFAKE 2026-01-01 00:00:00.000 GET / -> 200\r";
}

static gboolean
answer_device_info (HostileServer *self, GOutputStream *out)
{
  const char *model = is_case (self, "control-strings") ? control_model () : "DS-7608NXI-I2";
  g_autofree char *xml = NULL;

  if (is_case (self, "redirect-host"))
    return send_answer (self, out, "302 Found",
                        "Location: http://198.51.100.7/ISAPI/System/deviceInfo\r\n",
                        "text/html", "", 0);
  if (is_case (self, "redirect-scheme"))
    {
      g_autofree char *loc = g_strdup_printf ("Location: https://127.0.0.1:%u/ISAPI/System/"
                                              "deviceInfo\r\n", self->port);
      return send_answer (self, out, "301 Moved Permanently", loc, "text/html", "", 0);
    }
  if (is_case (self, "status-control"))
    return send_answer (self, out, "403 Forbidden", NULL, NULL,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<ResponseStatus version=\"2.0\"><requestURL>/</requestURL>"
                        "<statusCode>4</statusCode><statusString>Invalid\x1b[31m Operation\n"
                        "2026-01-01 00:00:00.000 forged line</statusString>"
                        "<subStatusCode>notAllowed\x1b]0;x\x07</subStatusCode></ResponseStatus>", -1);
  if (is_case (self, "long-header"))
    {
      const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nX-Junk: ";
      gsize total = 10 * 1024 * 1024, sent = 0;
      g_autofree char *junk = g_strnfill (CHUNK, 'a');

      if (!send_all (out, head, strlen (head)))
        return FALSE;
      while (sent < total && !g_atomic_int_get (&self->stopping))
        {
          if (!send_all (out, junk, CHUNK))
            return FALSE;
          sent += CHUNK;
        }
      send_all (out, "\r\nContent-Length: 0\r\n\r\n", 24);
      return FALSE;
    }
  if (is_case (self, "endless-xml") || is_case (self, "wide-xml") || is_case (self, "huge-length"))
    {
      gboolean wide = is_case (self, "wide-xml");
      const char *head = is_case (self, "huge-length")
        ? "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 1099511627776\r\n\r\n"
        : "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n";
      const char *start = wide ? "<?xml version=\"1.0\"?>\n<DeviceInfo " : "<?xml version=\"1.0\"?>\n<DeviceInfo>";

      if (!send_all (out, head, strlen (head)) || !send_all (out, start, strlen (start)))
        return FALSE;
      return send_generated (self, out, fill_repeat, wide ? (gpointer) "a=\"x\" " : (gpointer) "<a>",
                             ENDLESS_MAX, is_case (self, "huge-length") ? 20000 : 0);
    }
  if (is_case (self, "deep-xml-closed") || is_case (self, "deep-xml-open"))
    {
      GString *x = g_string_new ("<?xml version=\"1.0\"?>\n<DeviceInfo>");
      gboolean ok;

      for (guint i = 0; i < 100000; i++)
        g_string_append (x, "<a>");
      if (is_case (self, "deep-xml-closed"))
        {
          for (guint i = 0; i < 100000; i++)
            g_string_append (x, "</a>");
          g_string_append (x, "</DeviceInfo>\n");
        }
      ok = send_answer (self, out, "200 OK", NULL, NULL, x->str, (gssize) x->len);
      g_string_free (x, TRUE);
      return ok;
    }
  xml = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
                         "<DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n"
                         "<deviceName>hostile</deviceName>\n<model>%s</model>\n"
                         "<serialNumber>HOSTILE0001</serialNumber>\n"
                         "<firmwareVersion>V4.62.210</firmwareVersion>\n"
                         "<deviceType>%s</deviceType>\n</DeviceInfo>\n",
                         model, is_case (self, "control-strings") ? "NVR\x1b[1;1H\n" : "NVR");
  return send_answer (self, out, "200 OK", NULL, NULL, xml, -1);
}

static gboolean
answer_channels (HostileServer *self, GOutputStream *out)
{
  if (is_case (self, "many-channels"))
    {
      const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n"
                         "<?xml version=\"1.0\"?>\n<InputProxyChannelList version=\"2.0\" size=\"50000000\">\n";
      Items it = { 0, 50000000, "<InputProxyChannel><id>%" G_GUINT64_FORMAT "</id><name>cam %"
                                G_GUINT64_FORMAT "</name></InputProxyChannel>\n" };

      if (!send_all (out, head, strlen (head)))
        return FALSE;
      return send_generated (self, out, fill_items, &it, ENDLESS_MAX * 4, 0);
    }
  if (is_case (self, "channel-id-max"))
    return send_answer (self, out, "200 OK", NULL, NULL,
                        "<?xml version=\"1.0\"?>\n<InputProxyChannelList version=\"2.0\">"
                        "<InputProxyChannel><id>4294967295</id><name>cam</name></InputProxyChannel>"
                        "</InputProxyChannelList>\n", -1);
  return send_answer (self, out, "200 OK", NULL, NULL,
                      "<?xml version=\"1.0\"?>\n<InputProxyChannelList version=\"2.0\" size=\"2\">\n"
                      "<InputProxyChannel><id>1</id><name>Dock cam 1</name></InputProxyChannel>\n"
                      "<InputProxyChannel><id>2</id><name>Dock cam 2</name></InputProxyChannel>\n"
                      "</InputProxyChannelList>\n", -1);
}

static gboolean
answer_time (HostileServer *self, GOutputStream *out)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *digits = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *xml = NULL;

  if (is_case (self, "clock-0001"))
    { g_free (digits); digits = g_strdup ("0001-01-01T00:00:00"); }
  else if (is_case (self, "clock-9999"))
    { g_free (digits); digits = g_strdup ("9999-12-31T23:59:59"); }
  xml = g_strdup_printf ("<?xml version=\"1.0\"?>\n<Time version=\"2.0\"><timeMode>NTP</timeMode>"
                         "<localTime>%s</localTime><timeZone>CST-8:00:00</timeZone>"
                         "<timeType>local</timeType></Time>\n", digits);
  return send_answer (self, out, "200 OK", NULL, NULL, xml, -1);
}

/* "2026-12-07T08:00:00Z" -> "20261207T080000Z" for a playbackURI. */
static char *
compact_time (const char *t)
{
  GString *out = g_string_new (NULL);

  for (const char *p = t; *p; p++)
    if (*p != '-' && *p != ':')
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static char *
element_text (const char *body, const char *name)
{
  g_autofree char *open = g_strdup_printf ("<%s>", name);
  g_autofree char *close = g_strdup_printf ("</%s>", name);
  const char *a = body ? strstr (body, open) : NULL;
  const char *b;

  if (a == NULL)
    return NULL;
  a += strlen (open);
  b = strstr (a, close);
  return b ? g_strndup (a, (gsize) (b - a)) : NULL;
}

/* One match covering exactly the window asked for, on the first page. */
static gboolean
answer_search_window (HostileServer *self, GOutputStream *out, Request *r, const char *size_a,
                      const char *size_b)
{
  g_autofree char *from = element_text (r->body, "startTime");
  g_autofree char *to = element_text (r->body, "endTime");
  g_autofree char *position = element_text (r->body, "searchResultPostion");
  g_autofree char *cfrom = NULL, *cto = NULL;
  GString *x;
  gboolean ok;

  if (from == NULL || to == NULL || (position != NULL && atoi (position) > 0))
    return send_answer (self, out, "200 OK", NULL, NULL,
                        "<?xml version=\"1.0\"?>\n<CMSearchResult version=\"2.0\"><searchID>{1}"
                        "</searchID><responseStatus>true</responseStatus><responseStatusStrg>NO MATCHES"
                        "</responseStatusStrg><numOfMatches>0</numOfMatches></CMSearchResult>\n", -1);
  cfrom = compact_time (from);
  cto = compact_time (to);
  x = g_string_new ("<?xml version=\"1.0\"?>\n<CMSearchResult version=\"2.0\"><searchID>{1}"
                    "</searchID><responseStatus>true</responseStatus><responseStatusStrg>OK"
                    "</responseStatusStrg>");
  g_string_append_printf (x, "<numOfMatches>%d</numOfMatches><matchList>", size_b ? 2 : 1);
  for (int i = 0; i < (size_b ? 2 : 1); i++)
    g_string_append_printf (x, "<searchMatchItem><sourceID>{1}</sourceID><trackID>101</trackID>"
                            "<timeSpan><startTime>%s</startTime><endTime>%s</endTime></timeSpan>"
                            "<mediaSegmentDescriptor><contentType>video</contentType><codecType>H.264"
                            "</codecType><playbackURI>rtsp://127.0.0.1/Streaming/tracks/101/?starttime=%s"
                            "&amp;endtime=%s&amp;name=0000000%d&amp;size=%s</playbackURI>"
                            "</mediaSegmentDescriptor></searchMatchItem>",
                            from, to, cfrom, cto, i + 1, i == 0 ? size_a : size_b);
  g_string_append (x, "</matchList></CMSearchResult>\n");
  ok = send_answer (self, out, "200 OK", NULL, NULL, x->str, (gssize) x->len);
  g_string_free (x, TRUE);
  return ok;
}

static gsize
fill_ps_padding (guint8 *buf, gsize size, guint64 index, gpointer data)
{
  /* an MPEG-PS pack header and a padding packet, again and again */
  static const guint8 pack[] = { 0x00, 0x00, 0x01, 0xBA, 0x44, 0x00, 0x04, 0x00, 0x04, 0x01,
                                 0x01, 0x89, 0xC3, 0xF8 };
  gsize n = 0;

  while (n + sizeof pack + 6 + 1000 <= size)
    {
      memcpy (buf + n, pack, sizeof pack);
      n += sizeof pack;
      buf[n++] = 0x00;
      buf[n++] = 0x00;
      buf[n++] = 0x01;
      buf[n++] = 0xBE;
      buf[n++] = 1000 >> 8;
      buf[n++] = 1000 & 0xFF;
      memset (buf + n, 0xFF, 1000);
      n += 1000;
    }
  return n;
}

static gboolean
answer_download (HostileServer *self, GOutputStream *out)
{
  guint8 imkh[40] = { 'I', 'M', 'K', 'H', 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01 };
  const char *head = "HTTP/1.1 200 OK\r\nContent-Type: video/mp2p\r\nConnection: close\r\n\r\n";

  if (!send_all (out, head, strlen (head)) || !send_all (out, imkh, sizeof imkh))
    return FALSE;
  return send_generated (self, out, fill_ps_padding, NULL, ENDLESS_MAX * 16, 0);
}

static gboolean
answer_search (HostileServer *self, GOutputStream *out, Request *r)
{
  if (is_case (self, "search-sizes"))
    return answer_search_window (self, out, r, "18446744073709551615", "-5");
  if (is_case (self, "endless-media"))
    return answer_search_window (self, out, r, "1000000", NULL);
  if (is_case (self, "search-16m"))
    {
      const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n"
                         "<?xml version=\"1.0\"?>\n<CMSearchResult version=\"2.0\"><searchID>{1}</searchID>"
                         "<responseStatus>true</responseStatus><responseStatusStrg>MORE</responseStatusStrg>"
                         "<numOfMatches>16777216</numOfMatches><matchList>\n";
      Items it = { 0, 16777216,
                   "<searchMatchItem><sourceID>{%" G_GUINT64_FORMAT "}</sourceID><trackID>101</trackID>"
                   "<timeSpan><startTime>2026-12-07T08:00:00Z</startTime><endTime>2026-12-07T08:10:00Z"
                   "</endTime></timeSpan><mediaSegmentDescriptor><contentType>video</contentType>"
                   "<codecType>H.264</codecType><playbackURI>rtsp://127.0.0.1/Streaming/tracks/101/"
                   "?starttime=20261207T080000Z&amp;endtime=20261207T081000Z&amp;name=%" G_GUINT64_FORMAT
                   "&amp;size=1000</playbackURI></mediaSegmentDescriptor></searchMatchItem>\n" };

      if (!send_all (out, head, strlen (head)))
        return FALSE;
      return send_generated (self, out, fill_items, &it, ENDLESS_MAX * 8, 0);
    }
  return send_answer (self, out, "200 OK", NULL, NULL,
                      "<?xml version=\"1.0\"?>\n<CMSearchResult version=\"2.0\"><searchID>{1}</searchID>"
                      "<responseStatus>true</responseStatus><responseStatusStrg>NO MATCHES"
                      "</responseStatusStrg><numOfMatches>0</numOfMatches></CMSearchResult>\n", -1);
}

static gboolean
answer_hikvision (HostileServer *self, GOutputStream *out, Request *r)
{
  if (g_str_has_prefix (r->path, "/ISAPI/System/deviceInfo"))
    return answer_device_info (self, out);
  if (g_str_has_prefix (r->path, "/ISAPI/ContentMgmt/InputProxy/channels"))
    return answer_channels (self, out);
  if (g_str_has_prefix (r->path, "/ISAPI/System/time"))
    return answer_time (self, out);
  if (g_str_has_prefix (r->path, "/ISAPI/ContentMgmt/search") && !g_str_has_prefix (r->path, "/ISAPI/ContentMgmt/search/"))
    return answer_search (self, out, r);
  if (g_str_has_prefix (r->path, "/ISAPI/ContentMgmt/download") && is_case (self, "endless-media"))
    return answer_download (self, out);
  return send_answer (self, out, "404 Not Found", NULL, NULL,
                      "<?xml version=\"1.0\"?>\n<ResponseStatus version=\"2.0\"><statusCode>4</statusCode>"
                      "<statusString>Invalid Operation</statusString><subStatusCode>notSupport"
                      "</subStatusCode></ResponseStatus>\n", -1);
}

static gboolean
answer_dahua (HostileServer *self, GOutputStream *out, Request *r)
{
  if (strstr (r->path, "getDeviceType"))
    return send_answer (self, out, "200 OK", NULL, "text/plain", "type=DH-NVR4208-8P\r\n", -1);
  if (strstr (r->path, "getSerialNo"))
    return send_answer (self, out, "200 OK", NULL, "text/plain", "sn=HOSTILE0002\r\n", -1);
  if (strstr (r->path, "getSoftwareVersion"))
    return send_answer (self, out, "200 OK", NULL, "text/plain", "version=4.0\r\n", -1);
  if (strstr (r->path, "name=ChannelTitle"))
    {
      if (is_case (self, "many-channels"))
        {
          const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
          Items it = { 0, 50000000, "table.ChannelTitle[%" G_GUINT64_FORMAT "].Name=cam %" G_GUINT64_FORMAT "\r\n" };

          if (!send_all (out, head, strlen (head)))
            return FALSE;
          return send_generated (self, out, fill_items, &it, ENDLESS_MAX * 4, 0);
        }
      return send_answer (self, out, "200 OK", NULL, "text/plain",
                          "table.ChannelTitle[0].Name=Dock cam 1\r\ntable.ChannelTitle[1].Name=Dock cam 2\r\n", -1);
    }
  if (strstr (r->path, "getCurrentTime"))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *digits = g_date_time_format (now, "result=%Y-%m-%d %H:%M:%S\r\n");
      return send_answer (self, out, "200 OK", NULL, "text/plain", digits, -1);
    }
  return send_answer (self, out, "400 Bad Request", NULL, "text/plain", "Error\r\nBad Request!\r\n", -1);
}

/* ---- connections -------------------------------------------------------- */

static gboolean
on_run (GThreadedSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  HostileServer *self = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autoptr(GByteArray) pending = g_byte_array_new ();

  g_atomic_int_inc (&self->active);
  if (is_case (self, "not-http"))
    {
      static const guint8 junk[] = { 0x00, 0x00, 0x00, 0x20, 0x5a, 0xa5, 0x01, 0xff,
                                     'S', 'D', 'K', 0x00, 0x13, 0x37, 0x00, 0x00 };
      guint8 buf[1024];

      g_input_stream_read (in, buf, sizeof buf, NULL, NULL);
      for (int i = 0; i < 64; i++)
        send_all (out, junk, sizeof junk);
      g_atomic_int_add (&self->requests, 1);
      goto done;
    }
  while (!g_atomic_int_get (&self->stopping))
    {
      g_autoptr(Request) r = read_request (in, pending);
      const char *auth;
      gboolean keep;

      if (r == NULL)
        break;
      g_atomic_int_inc (&self->requests);
      auth = g_hash_table_lookup (r->headers, "authorization");
      if (auth != NULL && g_ascii_strncasecmp (auth, "Basic", 5) == 0)
        g_atomic_int_set (&self->saw_basic, 1);
      if (is_case (self, "basic-only"))
        {
          keep = send_answer (self, out, "401 Unauthorized",
                              "WWW-Authenticate: Basic realm=\"" REALM "\"\r\n", "text/html",
                              "<html>401</html>", -1);
          if (!keep)
            break;
          continue;
        }
      if (!digest_is_valid (r))
        {
          if (!send_challenge (self, out, FALSE))
            break;
          continue;
        }
      g_atomic_int_inc (&self->authorized);
      if (is_case (self, "stale-forever"))
        {
          if (!send_challenge (self, out, TRUE))
            break;
          continue;
        }
      keep = g_str_equal (self->brand, "dahua") ? answer_dahua (self, out, r)
                                                 : answer_hikvision (self, out, r);
      if (!keep)
        break;
    }
done:
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_atomic_int_add (&self->active, -1);
  return TRUE;
}

/* The listener accepts from a main loop of its own: the test's thread
 * spends its time blocked in the client under test. */
static gpointer
listener_main (gpointer data)
{
  HostileServer *self = data;

  g_main_context_push_thread_default (self->context);
  g_socket_service_start (self->service);
  g_main_loop_run (self->loop);
  g_socket_service_stop (self->service);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

HostileServer *
hostile_server_new (const char *brand, const char *case_name)
{
  HostileServer *self = g_new0 (HostileServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  self->brand = g_strdup (brand ? brand : "hikvision");
  self->case_name = g_strdup (case_name ? case_name : "normal");
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_main_context_push_thread_default (self->context);
  self->service = g_threaded_socket_service_new (16);
  g_socket_service_stop (self->service);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), addr,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &bound, &error))
    g_error ("hostile server: %s", error->message);
  g_main_context_pop_thread_default (self->context);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (self->service, "run", G_CALLBACK (on_run), self);
  self->thread = g_thread_new ("hostile-listener", listener_main, self);
  return self;
}

void
hostile_server_free (HostileServer *self)
{
  if (self == NULL)
    return;
  g_atomic_int_set (&self->stopping, 1);
  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  /* Handlers end at their next write or read: the client is gone. */
  for (int i = 0; i < 500 && g_atomic_int_get (&self->active) > 0; i++)
    g_usleep (10000);
  g_object_unref (self->service);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self->brand);
  g_free (self->case_name);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint16
hostile_server_get_port (HostileServer *self)
{
  return self->port;
}

guint
hostile_server_get_requests (HostileServer *self)
{
  return (guint) g_atomic_int_get (&self->requests);
}

guint
hostile_server_get_authorized (HostileServer *self)
{
  return (guint) g_atomic_int_get (&self->authorized);
}

gboolean
hostile_server_saw_basic (HostileServer *self)
{
  return g_atomic_int_get (&self->saw_basic) != 0;
}

guint64
hostile_server_get_body_bytes (HostileServer *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = (guint64) self->body_bytes;
  g_mutex_unlock (&self->lock);
  return n;
}
