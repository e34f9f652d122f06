/* test-sim.c: dockclip-dvr-sim against plain libcurl — auth, lockout,
 * paging, finders, decodable video with the right time codes, by-time
 * slices, Range and every fault kind. */
#define G_LOG_DOMAIN "test-sim"

#include "config.h"

#include <string.h>

#include <curl/curl.h>
#include <gio/gio.h>

#include "dc-test-sim.h"
#include "dc-test-timecode.h"
#include "dc-test-util.h"

#define REC_FROM "2025-11-03 14:00:00"
#define REC_TO "2025-11-03 16:00:00"
/* Recording stops at 14:12:30, so the 14:10 segment is 150 s: the tests
 * that fetch whole segments stay quick. */
#define REC_TO_SHORT "2025-11-03 14:12:30"
#define SEG_1410 "ch01_00000001762179000"   /* 2025-11-03 14:10:00 as wall seconds */

typedef struct
{
  long     status;
  CURLcode code;
  GString *body;
  GString *headers;
  double   seconds;
  struct curl_slist *request_headers;
} Reply;

static void
reply_clear (Reply *reply)
{
  if (reply->body)
    g_string_free (reply->body, TRUE);
  if (reply->headers)
    g_string_free (reply->headers, TRUE);
  memset (reply, 0, sizeof *reply);
}

static size_t
append_cb (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (user_data, data, (gssize) (size * n));
  return size * n;
}

static CURL *
make_handle (const char *url,
             const char *method,
             const char *body,
             const char *password,
             const char *range,
             Reply      *reply)
{
  CURL *curl = curl_easy_init ();
  g_autofree char *userpwd = g_strdup_printf ("admin:%s", password ? password : "secret");

  reply->body = g_string_new (NULL);
  reply->headers = g_string_new (NULL);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, append_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, reply->body);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, append_cb);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, reply->headers);
  if (password != NULL && g_str_equal (password, "basic:secret"))
    {
      curl_easy_setopt (curl, CURLOPT_USERPWD, "admin:secret");
      curl_easy_setopt (curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
    }
  else if (password == NULL || *password != '\0')
    {
      curl_easy_setopt (curl, CURLOPT_USERPWD, userpwd);
      curl_easy_setopt (curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_DIGEST);
    }
  if (body != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) strlen (body));
    }
  if (method != NULL)
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  /* A Range header, not CURLOPT_RANGE: with a request body (Hikvision's
   * GET-with-body) curl would turn that into Content-Range. */
  if (range != NULL)
    {
      g_autofree char *header = g_strdup_printf ("Range: bytes=%s", range);
      reply->request_headers = curl_slist_append (NULL, header);
      curl_easy_setopt (curl, CURLOPT_HTTPHEADER, reply->request_headers);
    }
  return curl;
}

static void
finish_handle (CURL  *curl,
               Reply *reply)
{
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply->status);
  curl_easy_getinfo (curl, CURLINFO_TOTAL_TIME, &reply->seconds);
  curl_easy_cleanup (curl);
  g_clear_pointer (&reply->request_headers, curl_slist_free_all);
}

/* password NULL = "secret"; "" = no credentials; "basic:secret" = Basic. */
static void
request (DcTestSim  *sim,
         const char *path,
         const char *method,
         const char *body,
         const char *password,
         const char *range,
         Reply      *reply)
{
  g_autofree char *url = g_strconcat (dc_test_sim_get_url (sim), path, NULL);
  CURL *curl = make_handle (url, method, body, password, range, reply);

  reply->code = curl_easy_perform (curl);
  finish_handle (curl, reply);
}

static DcTestSim *
start_sim (const char *brand,
           ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  DcTestSim *sim;
  const char *arg;
  va_list ap;

  va_start (ap, brand);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  sim = dc_test_sim_start (brand, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sim);
  return sim;
}

static char *
search_body (const char *from,
             const char *to,
             int         max_results,
             int         position)
{
  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<CMSearchDescription>\n"
                          "<searchID>C77384AD-66A0-0001-E7C2-1151F04F90B0</searchID>\n"
                          "<trackIDList><trackID>101</trackID></trackIDList>\n"
                          "<timeSpanList><timeSpan><startTime>%s</startTime><endTime>%s</endTime></timeSpan></timeSpanList>\n"
                          "<maxResults>%d</maxResults>\n"
                          "<searchResultPostion>%d</searchResultPostion>\n"
                          "<metadataList><metadataDescriptor>//recordType.meta.std-cgi.com</metadataDescriptor></metadataList>\n"
                          "</CMSearchDescription>\n",
                          from, to, max_results, position);
}

static char *
download_body (const char *start,
               const char *end,
               const char *name)
{
  return g_strdup_printf ("<downloadRequest version=\"1.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">"
                          "<playbackURI>rtsp://127.0.0.1/Streaming/tracks/101/?starttime=%s&amp;endtime=%s"
                          "%s%s</playbackURI></downloadRequest>",
                          start, end, name ? "&amp;name=" : "", name ? name : "");
}

static char *
xml_value (const char *xml,
           const char *element)
{
  g_autofree char *open = g_strdup_printf ("<%s>", element);
  g_autofree char *close = g_strdup_printf ("</%s>", element);
  const char *a = strstr (xml, open);
  const char *b;

  if (a == NULL)
    return NULL;
  a += strlen (open);
  b = strstr (a, close);
  return b ? g_strndup (a, b - a) : NULL;
}

static guint
count_occurrences (const char *text,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static gboolean
well_formed (const char *xml,
             gsize       len)
{
  static const GMarkupParser parser = { 0 };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, NULL, NULL);

  return g_markup_parse_context_parse (context, xml, (gssize) len, NULL)
         && g_markup_parse_context_end_parse (context, NULL);
}

static guint64
header_uint (Reply      *reply,
             const char *name)
{
  g_autofree char *lower = g_ascii_strdown (reply->headers->str, -1);
  g_autofree char *needle = g_strdup_printf ("\n%s:", name);
  /* The last one: the headers of a 401 come first. */
  const char *at = g_strrstr (lower, needle);

  return at ? g_ascii_strtoull (at + strlen (needle), NULL, 10) : 0;
}

static char *
write_temp (const char *dir,
            const char *name,
            GString    *data)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data->str, (gssize) data->len, &error);
  g_assert_no_error (error);
  return path;
}

/* Every frame decodes and carries channel and consecutive wall times from
 * first_wall_frames on. */
static void
assert_timecodes (const char *path,
                  guint       channel,
                  gint64      first_wall_frames,
                  guint       expected_frames,
                  guint       check_frames)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) codes = dc_test_timecode_read_video_file (path, check_frames, &error);

  g_assert_no_error (error);
  g_assert_nonnull (codes);
  if (expected_frames > 0)
    g_assert_cmpuint (codes->len, ==, expected_frames);
  g_assert_cmpuint (codes->len, >, 0);
  for (guint i = 0; i < codes->len; i++)
    {
      DcTestTimecode *tc = &g_array_index (codes, DcTestTimecode, i);

      g_assert_true (tc->valid);
      g_assert_cmpuint (tc->channel, ==, channel);
      g_assert_cmpint (tc->fps, ==, 10);
      g_assert_cmpint (tc->wall_frames, ==, first_wall_frames + i);
    }
}

/* ---- Hikvision ---- */

static void
test_hikvision_digest (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO, NULL);
  Reply r = { 0 };
  g_autofree char *model = NULL;

  request (sim, "/ISAPI/System/deviceInfo", NULL, NULL, "", NULL, &r);
  g_assert_cmpint (r.status, ==, 401);
  g_assert_nonnull (strstr (r.headers->str, "WWW-Authenticate: Digest "));
  g_assert_nonnull (strstr (r.headers->str, "qop=\"auth\""));
  g_assert_nonnull (strstr (r.headers->str, "opaque=\"\""));
  g_assert_nonnull (strstr (r.body->str, "<userCheck>"));
  reply_clear (&r);

  request (sim, "/ISAPI/System/deviceInfo", NULL, NULL, "basic:secret", NULL, &r);
  g_assert_cmpint (r.status, ==, 401);
  reply_clear (&r);

  request (sim, "/ISAPI/System/deviceInfo", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  model = xml_value (r.body->str, "deviceType");
  g_assert_cmpstr (model, ==, "NVR");
  g_assert_nonnull (strstr (r.body->str, "xmlns=\"http://www.isapi.org/ver20/XMLSchema\""));
  reply_clear (&r);

  request (sim, "/ISAPI/ContentMgmt/InputProxy/channels", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_cmpuint (count_occurrences (r.body->str, "<InputProxyChannel>"), ==, 4);
  reply_clear (&r);

  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), ==, 0);
  g_assert_cmpint (dc_test_sim_get_requests (sim, "/ISAPI/System/deviceInfo"), ==, 4);
}

static void
test_hikvision_lockout (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", NULL);
  Reply r = { 0 };

  request (sim, "/ISAPI/System/deviceInfo", NULL, NULL, "wrong", NULL, &r);
  g_assert_cmpint (r.status, ==, 401);
  reply_clear (&r);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), ==, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "locked"), ==, 0);

  /* The right password still works before the lock... */
  request (sim, "/ISAPI/System/deviceInfo", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  reply_clear (&r);

  for (int i = 0; i < 4; i++)
    {
      request (sim, "/ISAPI/System/deviceInfo", NULL, NULL, "wrong", NULL, &r);
      g_assert_cmpint (r.status, ==, 401);
      reply_clear (&r);
    }
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), ==, 5);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "locked"), ==, 1);

  /* ...and not after it. */
  request (sim, "/ISAPI/System/deviceInfo", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 401);
  g_assert_nonnull (strstr (r.body->str, "<lockStatus>lock</lockStatus>"));
  reply_clear (&r);
}

static void
test_hikvision_paging (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO,
                                        "--xmlns", "none", NULL);
  const char *expect_status[] = { "MORE", "MORE", "OK", "NO MATCHES" };
  const guint expect_n[] = { 5, 5, 2, 0 };
  Reply r = { 0 };

  for (int page = 0; page < 4; page++)
    {
      g_autofree char *body = search_body ("2025-11-03T14:05:00Z", "2025-11-03T23:00:00Z", 5, page * 5);
      g_autofree char *status = NULL, *n = NULL, *id = NULL;

      request (sim, "/ISAPI/ContentMgmt/search", "POST", body, NULL, NULL, &r);
      g_assert_cmpint (r.status, ==, 200);
      g_assert_true (well_formed (r.body->str, r.body->len));
      g_assert_null (strstr (r.body->str, "xmlns="));
      status = xml_value (r.body->str, "responseStatusStrg");
      n = xml_value (r.body->str, "numOfMatches");
      id = xml_value (r.body->str, "searchID");
      g_assert_cmpstr (status, ==, expect_status[page]);
      g_assert_cmpuint (g_ascii_strtoull (n, NULL, 10), ==, expect_n[page]);
      g_assert_cmpuint (count_occurrences (r.body->str, "<searchMatchItem>"), ==, expect_n[page]);
      g_assert_cmpstr (id, ==, "{c77384ad-66a0-0001-e7c2-1151f04f90b0}");
      if (page == 0)
        {
          /* The segment holding 14:05 comes first, aligned on 10 minutes. */
          g_assert_nonnull (strstr (r.body->str, "<startTime>2025-11-03T14:00:00Z</startTime>"));
          g_assert_nonnull (strstr (r.body->str, "starttime=20251103T140000Z&amp;endtime=20251103T141000Z&amp;name=ch01_"));
        }
      reply_clear (&r);
    }

  {
    /* maxResults is capped at the profile's 40. */
    g_autoptr(DcTestSim) day = start_sim ("hikvision", NULL);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) before = g_date_time_add_days (now, -3);
    g_autofree char *from = g_date_time_format (before, "%Y-%m-%dT%H:%M:%SZ");
    g_autofree char *to = g_date_time_format (now, "%Y-%m-%dT23:59:59Z");
    g_autofree char *body = search_body (from, to, 100, 0);
    g_autofree char *n = NULL;

    request (day, "/ISAPI/ContentMgmt/search", "POST", body, NULL, NULL, &r);
    n = xml_value (r.body->str, "numOfMatches");
    g_assert_cmpstr (n, ==, "40");
    reply_clear (&r);
    request (day, "/ISAPI/ContentMgmt/search/profile", NULL, NULL, NULL, NULL, &r);
    g_assert_nonnull (strstr (r.body->str, "<maxSearchMatchResults>40</maxSearchMatchResults>"));
    reply_clear (&r);
  }

  {
    g_autofree char *body = search_body ("2025-11-03T14:05:00Z", "2025-11-03T23:00:00Z", 5, 0);
    request (sim, "/ISAPI/ContentMgmt/search", "GET", body, NULL, NULL, &r);
    g_assert_cmpint (r.status, ==, 403);
    g_assert_nonnull (strstr (r.body->str, "<subStatusCode>methodNotAllowed</subStatusCode>"));
    reply_clear (&r);
  }
  g_assert_cmpint (dc_test_sim_get_requests (sim, "/ISAPI/ContentMgmt/search"), ==, 10);
}

static void
test_hikvision_download (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT, NULL);
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *search = search_body ("2025-11-03T14:10:00Z", "2025-11-03T14:10:00Z", 40, 0);
  g_autofree char *uri = NULL, *body = NULL, *path = NULL, *slice_path = NULL;
  Reply r = { 0 }, whole = { 0 };
  guint64 size;
  char *amp;

  request (sim, "/ISAPI/ContentMgmt/search", "POST", search, NULL, NULL, &r);
  uri = xml_value (r.body->str, "playbackURI");
  g_assert_nonnull (uri);
  g_assert_nonnull (strstr (uri, "name=" SEG_1410));
  size = g_ascii_strtoull (strstr (uri, "size=") + 5, NULL, 10);
  reply_clear (&r);

  /* Sent back verbatim (still XML-escaped), as GET with a body. */
  body = g_strdup_printf ("<downloadRequest><playbackURI>%s</playbackURI></downloadRequest>", uri);
  request (sim, "/ISAPI/ContentMgmt/download", "GET", body, NULL, NULL, &whole);
  g_assert_cmpint (whole.status, ==, 200);
  g_assert_cmpuint (whole.body->len, ==, size);
  g_assert_cmpuint (header_uint (&whole, "content-length"), ==, size);
  g_assert_cmpmem (whole.body->str, 4, "IMKH", 4);
  path = write_temp (dir, "seg.ps", whole.body);
  /* 150 s at 10 fps: check the first 25 frames, then all of them. */
  assert_timecodes (path, 1, dc_test_timecode_wall_seconds ("2025-11-03 14:10:00") * 10, 0, 25);
  {
    g_autoptr(GArray) all = dc_test_timecode_read_video_file (path, 0, NULL);
    g_assert_cmpuint (all->len, ==, 1500);
    g_assert_true (g_array_index (all, DcTestTimecode, 1499).valid);
    g_assert_cmpint (g_array_index (all, DcTestTimecode, 1499).wall_frames, ==,
                     dc_test_timecode_wall_seconds ("2025-11-03 14:12:29") * 10 + 9);
  }

  /* POST works too, and the bytes are the same. */
  request (sim, "/ISAPI/ContentMgmt/download", "POST", body, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_true (g_string_equal (r.body, whole.body));
  reply_clear (&r);

  /* By time: edited starttime/endtime, keeping name and size. */
  amp = g_strdup_printf ("<downloadRequest><playbackURI>rtsp://127.0.0.1/Streaming/tracks/101/?starttime=20251103T141207Z&amp;endtime=20251103T141210Z&amp;name=%s&amp;size=%" G_GUINT64_FORMAT "</playbackURI></downloadRequest>",
                         SEG_1410, size);
  request (sim, "/ISAPI/ContentMgmt/download", "GET", amp, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  {
    guint64 per_second = (size - 40) / 150;
    guint64 offset = 40 + 127 * per_second;

    g_assert_cmpuint (r.body->len, ==, 40 + 3 * per_second);
    g_assert_cmpmem (r.body->str, 40, whole.body->str, 40);
    /* A byte-exact slice of the whole segment starting on a keyframe. */
    g_assert_cmpmem (r.body->str + 40, r.body->len - 40, whole.body->str + offset, 3 * per_second);
  }
  slice_path = write_temp (dir, "slice.ps", r.body);
  assert_timecodes (slice_path, 1, dc_test_timecode_wall_seconds ("2025-11-03 14:12:07") * 10, 30, 0);
  reply_clear (&r);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_by_time"), ==, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_whole"), ==, 2);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "peak_concurrent_downloads"), ==, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_active"), ==, 0);

  /* Unknown segment. */
  {
    g_autofree char *missing = download_body ("20251103T100000Z", "20251103T101000Z", "ch01_00000001762164000");
    request (sim, "/ISAPI/ContentMgmt/download", "GET", missing, NULL, NULL, &r);
    g_assert_cmpint (r.status, ==, 404);
    g_assert_nonnull (strstr (r.body->str, "<ResponseStatus"));
    reply_clear (&r);
  }

  reply_clear (&whole);
  g_free (amp);
  dc_test_rmdir (dir);
}

static void
test_hikvision_no_by_time (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                        "--download-by-time", "no", NULL);
  g_autofree char *body = download_body ("20251103T141207Z", "20251103T141210Z", SEG_1410);
  Reply r = { 0 };

  request (sim, "/ISAPI/ContentMgmt/download/capabilities", NULL, NULL, NULL, NULL, &r);
  g_assert_nonnull (strstr (r.body->str, "<isSupportDownloadbyTime>false</isSupportDownloadbyTime>"));
  reply_clear (&r);
  /* Edited times are ignored: the whole segment comes back. */
  request (sim, "/ISAPI/ContentMgmt/download", "GET", body, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_cmpuint (r.body->len, ==, header_uint (&r, "content-length"));
  g_assert_cmpuint (r.body->len, >, 600 * 1000);
  reply_clear (&r);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_whole"), ==, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_by_time"), ==, 0);
}

static void
test_hikvision_range (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT, NULL);
  g_autoptr(DcTestSim) no_range = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                             "--range", "no", NULL);
  g_autofree char *body = download_body ("20251103T141000Z", "20251103T141230Z", SEG_1410);
  Reply whole = { 0 }, part = { 0 };

  request (sim, "/ISAPI/ContentMgmt/download", "GET", body, NULL, NULL, &whole);
  g_assert_cmpint (whole.status, ==, 200);
  request (sim, "/ISAPI/ContentMgmt/download", "GET", body, NULL, "1000000-", &part);
  g_assert_cmpint (part.status, ==, 206);
  g_assert_nonnull (strstr (part.headers->str, "Content-Range: bytes 1000000-"));
  g_assert_cmpuint (part.body->len, ==, whole.body->len - 1000000);
  g_assert_cmpmem (part.body->str, part.body->len, whole.body->str + 1000000, whole.body->len - 1000000);
  reply_clear (&part);

  request (no_range, "/ISAPI/ContentMgmt/download", "GET", body, NULL, "1000000-", &part);
  g_assert_cmpint (part.status, ==, 200);
  g_assert_true (g_string_equal (part.body, whole.body));
  reply_clear (&part);
  reply_clear (&whole);
}

static void
test_hikvision_clock (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--clock-offset", "3600", "--report-time-type",
                                        "--time-mode", "utc", NULL);
  Reply r = { 0 };
  g_autofree char *local = NULL;
  g_autoptr(GDateTime) device = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  request (sim, "/ISAPI/System/time", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_nonnull (strstr (r.body->str, "<timeType>UTC</timeType>"));
  g_assert_nonnull (strstr (r.body->str, "<timeZone>CST"));
  local = xml_value (r.body->str, "localTime");
  device = g_date_time_new_from_iso8601 (local, NULL);
  g_assert_nonnull (device);
  /* An hour ahead, within a few seconds. */
  g_assert_cmpint (ABS (g_date_time_difference (device, now) / G_USEC_PER_SEC - 3600), <=, 5);
  reply_clear (&r);
}

/* The recorder in UTC+8: local mode puts wall-clock digits with a fake Z
 * on the wire, utc mode real UTC. */
static void
test_hikvision_time_mode (void)
{
  const char *modes[] = { "local", "utc" };
  const char *expect[] = { "starttime=20251103T140000Z", "starttime=20251103T060000Z" };
  const char *query_from[] = { "2025-11-03T14:00:00Z", "2025-11-03T06:00:00Z" };
  g_autofree char *old_tz = g_strdup (g_getenv ("TZ"));

  g_setenv ("TZ", "CST-8", TRUE);
  for (int m = 0; m < 2; m++)
    {
      g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO,
                                            "--time-mode", modes[m], NULL);
      g_autofree char *body = search_body (query_from[m], query_from[m], 40, 0);
      g_autofree char *n = NULL;
      Reply r = { 0 };

      request (sim, "/ISAPI/ContentMgmt/search", "POST", body, NULL, NULL, &r);
      n = xml_value (r.body->str, "numOfMatches");
      g_assert_cmpstr (n, ==, "1");
      g_assert_nonnull (strstr (r.body->str, expect[m]));
      reply_clear (&r);

      request (sim, "/ISAPI/System/time", NULL, NULL, NULL, NULL, &r);
      g_assert_nonnull (strstr (r.body->str, "+08:00</localTime>"));
      g_assert_nonnull (strstr (r.body->str, "<timeZone>CST-8:00:00</timeZone>"));
      g_assert_null (strstr (r.body->str, "<timeType>"));
      reply_clear (&r);
    }
  if (old_tz != NULL)
    g_setenv ("TZ", old_tz, TRUE);
  else
    g_unsetenv ("TZ");
}

/* ---- Dahua ---- */

static char *
dahua_value (const char *body,
             const char *key)
{
  g_autofree char *needle = g_strdup_printf ("%s=", key);
  const char *at = strstr (body, needle);
  const char *end;

  if (at == NULL || (at != body && at[-1] != '\n'))
    return NULL;
  at += strlen (needle);
  end = strstr (at, "\r\n");
  return end ? g_strndup (at, end - at) : g_strdup (at);
}

static char *
dahua_create (DcTestSim *sim)
{
  Reply r = { 0 };
  char *id;

  request (sim, "/cgi-bin/mediaFileFind.cgi?action=factory.create", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  id = dahua_value (r.body->str, "result");
  g_assert_nonnull (id);
  reply_clear (&r);
  return id;
}

static void
test_dahua_finders (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("dahua", NULL);
  g_autofree char *a = dahua_create (sim), *b = dahua_create (sim), *c = dahua_create (sim);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) before = g_date_time_add_days (now, -2);
  g_autofree char *from = g_date_time_format (before, "%Y-%m-%d%%20%H:%M:%S");
  g_autofree char *to = g_date_time_format (now, "%Y-%m-%d%%2023:59:59");
  g_autofree char *path = NULL;
  Reply r = { 0 };
  guint total = 0;
  gboolean saw_temporary = FALSE;

  g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_created"), ==, 3);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_open"), ==, 3);

  path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findFile&object=%s&condition.Channel=2"
                          "&condition.StartTime=%s&condition.EndTime=%s&condition.Types[0]=dav", a, from, to);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_cmpstr (r.body->str, ==, "OK\r\n");
  reply_clear (&r);

  /* 24 hours of 10-minute segments: pages of at most 100, then found=0. */
  for (int page = 0; page < 4; page++)
    {
      g_autofree char *next = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findNextFile&object=%s&count=150", a);
      g_autofree char *found = NULL;
      guint n;

      request (sim, next, NULL, NULL, NULL, NULL, &r);
      g_assert_cmpint (r.status, ==, 200);
      found = dahua_value (r.body->str, "found");
      g_assert_nonnull (found);
      n = (guint) g_ascii_strtoull (found, NULL, 10);
      g_assert_cmpuint (n, <=, 100);
      if (page == 0)
        {
          g_autofree char *channel = NULL;
          g_autofree char *file = NULL;

          g_assert_cmpuint (n, ==, 100);
          channel = dahua_value (strstr (r.body->str, "items[0].Channel="), "items[0].Channel");
          g_assert_cmpstr (channel, ==, "1");  /* 0-based by default */
          file = dahua_value (strstr (r.body->str, "items[0].FilePath="), "items[0].FilePath");
          g_assert_true (g_str_has_prefix (file, "/mnt/dvr/"));
          g_assert_true (g_str_has_suffix (file, "[R][0@0][0].mp4"));
        }
      saw_temporary |= strstr (r.body->str, "FileState=Temporary") != NULL;
      total += n;
      reply_clear (&r);
      if (n == 0)
        break;
    }
  g_assert_cmpuint (total, >=, 144);
  g_assert_cmpuint (total, <=, 146);
  g_assert_true (saw_temporary);

  /* Fractional seconds: HTTP 400 like real firmware. */
  g_free (path);
  path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findFile&object=%s&condition.Channel=1"
                          "&condition.StartTime=2025-11-03%%2014:00:00.250&condition.EndTime=2025-11-03%%2015:00:00", b);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 400);
  reply_clear (&r);

  /* close keeps the object; destroy frees it. */
  g_free (path);
  path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=close&object=%s", a);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  g_assert_cmpstr (r.body->str, ==, "OK\r\n");
  reply_clear (&r);
  g_free (path);
  path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=destroy&object=%s", a);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  g_assert_cmpstr (r.body->str, ==, "OK\r\n");
  reply_clear (&r);
  g_free (path);
  path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=destroy&object=%s", c);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  reply_clear (&r);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_open"), ==, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_created"), ==, 3);
  g_assert_cmpint (dc_test_sim_get_requests (sim, "/cgi-bin/mediaFileFind.cgi?action=destroy"), ==, 4);
}

static void
test_dahua_download (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("dahua", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                        "--dahua-channel-base", "1", NULL);
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *id = dahua_create (sim);
  g_autofree char *path = NULL, *file = NULL, *length = NULL, *channel = NULL, *mp4 = NULL, *slice = NULL;
  Reply r = { 0 };

  path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findFile&object=%s&condition.Channel=3"
                          "&condition.StartTime=2025-11-03%%2014:10:00&condition.EndTime=2025-11-03%%2014:10:00", id);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  reply_clear (&r);
  g_free (path);
  path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findNextFile&object=%s&count=100", id);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  g_assert_nonnull (strstr (r.body->str, "found=1\r\n"));
  file = dahua_value (strstr (r.body->str, "items[0].FilePath="), "items[0].FilePath");
  length = dahua_value (strstr (r.body->str, "items[0].Length="), "items[0].Length");
  channel = dahua_value (strstr (r.body->str, "items[0].Channel="), "items[0].Channel");
  g_assert_cmpstr (file, ==, "/mnt/dvr/2025-11-03/003/dav/14/14.10.00-14.12.30[R][0@0][0].mp4");
  g_assert_cmpstr (channel, ==, "3");
  reply_clear (&r);

  /* [, ] and @ go raw in the path, as libcurl sends them. */
  g_free (path);
  path = g_strconcat ("/cgi-bin/RPC_Loadfile", file, NULL);
  request (sim, path, NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_cmpuint (r.body->len, ==, g_ascii_strtoull (length, NULL, 10));
  g_assert_cmpmem (r.body->str + 4, 4, "ftyp", 4);
  mp4 = write_temp (dir, "seg.mp4", r.body);
  assert_timecodes (mp4, 3, dc_test_timecode_wall_seconds ("2025-11-03 14:10:00") * 10, 0, 25);
  reply_clear (&r);

  request (sim, "/cgi-bin/loadfile.cgi?action=startLoad&channel=3&startTime=2025-11-03%2014:09:58"
           "&endTime=2025-11-03%2014:10:02&subtype=0", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  slice = write_temp (dir, "slice.mp4", r.body);
  /* Across the segment boundary, starting with the requested second. */
  assert_timecodes (slice, 3, dc_test_timecode_wall_seconds ("2025-11-03 14:09:58") * 10, 40, 0);
  reply_clear (&r);

  request (sim, "/cgi-bin/global.cgi?action=getCurrentTime", NULL, NULL, NULL, NULL, &r);
  g_assert_true (g_str_has_prefix (r.body->str, "result="));
  reply_clear (&r);
  request (sim, "/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle", NULL, NULL, NULL, NULL, &r);
  g_assert_nonnull (strstr (r.body->str, "table.ChannelTitle[3].Name="));
  reply_clear (&r);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_open"), ==, 1);
  dc_test_rmdir (dir);
}

static void
test_dahua_no_by_time (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("dahua", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                        "--download-by-time", "no", NULL);
  Reply r = { 0 };

  request (sim, "/cgi-bin/loadfile.cgi?action=startLoad&channel=1&startTime=2025-11-03%2014:19:58"
           "&endTime=2025-11-03%2014:20:02&subtype=0", NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 400);
  g_assert_true (g_str_has_prefix (r.body->str, "Error"));
  reply_clear (&r);
}

/* ---- faults ---- */

static void
fetch_segment (DcTestSim  *sim,
               const char *brand,
               const char *range,
               Reply      *r)
{
  if (g_str_equal (brand, "hikvision"))
    {
      g_autofree char *body = download_body ("20251103T141000Z", "20251103T141230Z", SEG_1410);
      request (sim, "/ISAPI/ContentMgmt/download", "GET", body, NULL, range, r);
    }
  else
    request (sim, "/cgi-bin/RPC_Loadfile/mnt/dvr/2025-11-03/001/dav/14/14.10.00-14.12.30[R][0@0][0].mp4",
             NULL, NULL, NULL, range, r);
}

static void
test_fault (gconstpointer data)
{
  const char *spec = data;
  const char *brands[] = { "hikvision", "dahua" };

  for (int b = 0; b < 2; b++)
    {
      g_autoptr(DcTestSim) sim = start_sim (brands[b], "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                            "--faults", spec, "--seed", "7", NULL);
      gboolean hik = b == 0;
      Reply r = { 0 };

      if (g_str_has_prefix (spec, "drop"))
        {
          fetch_segment (sim, brands[b], NULL, &r);
          g_assert_cmpint (r.code, ==, CURLE_PARTIAL_FILE);
          g_assert_cmpuint (r.body->len, <, header_uint (&r, "content-length"));
          g_assert_cmpuint (r.body->len, >, 0);
          g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_active"), ==, 0);
        }
      else if (g_str_has_prefix (spec, "stall"))
        {
          fetch_segment (sim, brands[b], NULL, &r);
          g_assert_cmpint (r.code, ==, CURLE_OK);
          g_assert_cmpuint (r.body->len, ==, header_uint (&r, "content-length"));
          g_assert_cmpfloat (r.seconds, >=, 0.95);
        }
      else if (g_str_has_prefix (spec, "busy"))
        {
          fetch_segment (sim, brands[b], NULL, &r);
          g_assert_cmpint (r.status, ==, 503);
          if (hik)
            g_assert_nonnull (strstr (r.body->str, "<subStatusCode>deviceBusy</subStatusCode>"));
          g_assert_cmpint (dc_test_sim_get_stat (sim, "busy_refusals"), ==, 1);
        }
      else if (g_str_has_prefix (spec, "error200"))
        {
          fetch_segment (sim, brands[b], NULL, &r);
          g_assert_cmpint (r.status, ==, 200);
          if (hik)
            {
              g_assert_true (g_str_has_prefix (r.body->str, "<?xml"));
              g_assert_nonnull (strstr (r.body->str, "<statusCode>3</statusCode>"));
            }
          else
            g_assert_true (g_str_has_prefix (r.body->str, "Error"));
        }
      else if (g_str_has_prefix (spec, "short"))
        {
          fetch_segment (sim, brands[b], NULL, &r);
          g_assert_cmpint (r.code, ==, CURLE_OK);
          g_assert_cmpuint (r.body->len, ==, header_uint (&r, "content-length"));
          g_assert_cmpuint (r.body->len, <, 150 * 20000 * 4 / 5);
          g_assert_cmpuint (r.body->len, >, 1000);
        }
      else if (g_str_has_prefix (spec, "badxml") || g_str_has_prefix (spec, "truncpage"))
        {
          if (hik)
            {
              g_autofree char *body = search_body ("2025-11-03T14:05:00Z", "2025-11-03T15:00:00Z", 40, 0);
              request (sim, "/ISAPI/ContentMgmt/search", "POST", body, NULL, NULL, &r);
              g_assert_cmpint (r.status, ==, 200);
              g_assert_false (well_formed (r.body->str, r.body->len));
            }
          else
            {
              g_autofree char *id = dahua_create (sim);
              g_autofree char *find = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findFile&object=%s"
                                                       "&condition.Channel=1&condition.StartTime=2025-11-03%%2014:00:00"
                                                       "&condition.EndTime=2025-11-03%%2016:00:00", id);
              g_autofree char *next = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findNextFile&object=%s&count=100", id);

              request (sim, find, NULL, NULL, NULL, NULL, &r);
              reply_clear (&r);
              request (sim, next, NULL, NULL, NULL, NULL, &r);
              g_assert_true (g_str_has_prefix (r.body->str, "found=2\r\n"));
              if (g_str_has_prefix (spec, "truncpage"))
                g_assert_null (strstr (r.body->str, "items[1].WorkDirSN=0\r\n"));
              else
                g_assert_nonnull (strstr (r.body->str, "garbage"));
            }
        }
      else
        g_assert_not_reached ();
      reply_clear (&r);
      g_assert_cmpint (dc_test_sim_stop_get_status (g_steal_pointer (&sim)), ==, 0);
    }
}

static void
test_fault_determinism (void)
{
  char first[16] = { 0 };

  for (int run = 0; run < 2; run++)
    {
      g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO,
                                            "--faults", "error200:0.5", "--seed", "42", NULL);
      char pattern[16] = { 0 };

      for (int i = 0; i < 12; i++)
        {
          g_autofree char *body = download_body ("20251103T141000Z", "20251103T141001Z", SEG_1410);
          Reply r = { 0 };

          request (sim, "/ISAPI/ContentMgmt/download", "GET", body, NULL, NULL, &r);
          pattern[i] = g_str_has_prefix (r.body->str, "IMKH") ? 'v' : 'e';
          reply_clear (&r);
        }
      if (run == 0)
        {
          memcpy (first, pattern, sizeof first);
          g_assert_nonnull (strchr (pattern, 'v'));
          g_assert_nonnull (strchr (pattern, 'e'));
        }
      else
        g_assert_cmpstr (pattern, ==, first);
    }
}

static void
test_max_downloads (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                        "--max-downloads", "1", "--faults", "stall:1:1", NULL);
  g_autofree char *body = download_body ("20251103T141000Z", "20251103T141230Z", SEG_1410);
  g_autofree char *url = g_strconcat (dc_test_sim_get_url (sim), "/ISAPI/ContentMgmt/download", NULL);
  CURLM *multi = curl_multi_init ();
  Reply r[2] = { { 0 } };
  CURL *h[2];
  int running = 1;
  int busy = 0, ok = 0;

  /* The stall keeps the first transfer open while the second arrives. */
  for (int i = 0; i < 2; i++)
    {
      h[i] = make_handle (url, "GET", body, NULL, NULL, &r[i]);
      curl_multi_add_handle (multi, h[i]);
    }
  while (running)
    {
      curl_multi_perform (multi, &running);
      if (running)
        curl_multi_poll (multi, NULL, 0, 100, NULL);
    }
  for (int i = 0; i < 2; i++)
    {
      curl_multi_remove_handle (multi, h[i]);
      finish_handle (h[i], &r[i]);
      busy += r[i].status == 503;
      ok += r[i].status == 200;
      reply_clear (&r[i]);
    }
  curl_multi_cleanup (multi);
  g_assert_cmpint (busy, ==, 1);
  g_assert_cmpint (ok, ==, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "peak_concurrent_downloads"), ==, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "peak_download_requests"), ==, 2);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "busy_refusals"), ==, 1);
}

static void
test_bulk (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                        "--bulk-segment-bytes", "50000000", NULL);
  g_autofree char *search = search_body ("2025-11-03T14:10:00Z", "2025-11-03T14:10:00Z", 40, 0);
  Reply r = { 0 };

  request (sim, "/ISAPI/ContentMgmt/search", "POST", search, NULL, NULL, &r);
  g_assert_nonnull (strstr (r.body->str, "size=50000000<"));
  reply_clear (&r);
  fetch_segment (sim, "hikvision", NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_cmpuint (r.body->len, ==, 50000000);
  g_assert_cmpmem (r.body->str, 4, "IMKH", 4);
  g_test_message ("bulk: 50 MB in %.3f s", r.seconds);
  reply_clear (&r);
}

static size_t
abort_cb (char *data, size_t size, size_t n, void *user_data)
{
  GString *body = user_data;

  g_string_append_len (body, data, (gssize) (size * n));
  return body->len > 200000 ? 0 : size * n;
}

/* A client that goes away mid-body frees its download slot. */
static void
test_client_abort (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("dahua", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT, NULL);
  g_autofree char *url = g_strconcat (dc_test_sim_get_url (sim),
                                      "/cgi-bin/RPC_Loadfile/mnt/dvr/2025-11-03/001/dav/14/14.10.00-14.12.30[R][0@0][0].mp4",
                                      NULL);
  Reply r = { 0 };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (int i = 0; i < 3; i++)
    {
      CURL *curl = make_handle (url, NULL, NULL, NULL, NULL, &r);

      curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, abort_cb);
      g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_WRITE_ERROR);
      finish_handle (curl, &r);
      reply_clear (&r);
      /* The simulator notices at its next write: soon, not at once. */
      while (dc_test_sim_get_stat (sim, "downloads_active") != 0 && g_get_monotonic_time () < deadline)
        g_usleep (20000);
      g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_active"), ==, 0);
    }
  /* With one slot, a fourth download is not refused as busy. */
  request (sim, "/cgi-bin/RPC_Loadfile/mnt/dvr/2025-11-03/001/dav/14/14.10.00-14.12.30[R][0@0][0].mp4",
           NULL, NULL, NULL, NULL, &r);
  g_assert_cmpint (r.status, ==, 200);
  g_assert_cmpuint (r.body->len, ==, header_uint (&r, "content-length"));
  reply_clear (&r);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "busy_refusals"), ==, 0);
  /* Exits cleanly on SIGTERM, without leaks under ASan. */
  g_assert_cmpint (dc_test_sim_stop_get_status (g_steal_pointer (&sim)), ==, 0);
}

/* A client that gives up on a stalled body frees its slot at once, not
 * when the stall would have ended. */
static void
test_stall_abandoned (void)
{
  g_autoptr(DcTestSim) sim = start_sim ("hikvision", "--record-from", REC_FROM, "--record-to", REC_TO_SHORT,
                                        "--faults", "stall:1:20", NULL);
  g_autofree char *body = download_body ("20251103T141000Z", "20251103T141230Z", SEG_1410);
  g_autofree char *url = g_strconcat (dc_test_sim_get_url (sim), "/ISAPI/ContentMgmt/download", NULL);
  gint64 start = g_get_monotonic_time ();
  Reply r = { 0 };
  CURL *curl = make_handle (url, "GET", body, NULL, NULL, &r);

  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, 1L);
  g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OPERATION_TIMEDOUT);
  finish_handle (curl, &r);
  reply_clear (&r);
  while (dc_test_sim_get_stat (sim, "downloads_active") != 0
         && g_get_monotonic_time () - start < 15 * G_USEC_PER_SEC)
    g_usleep (50000);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "downloads_active"), ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (dc_test_sim_stop_get_status (g_steal_pointer (&sim)), ==, 0);
}

static void
test_refuses_non_loopback (void)
{
  const char *args[] = { "--listen", "0.0.0.0:0", NULL };
  g_autoptr(GError) error = NULL;
  DcTestSim *sim = dc_test_sim_start ("hikvision", args, &error);

  g_assert_null (sim);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);

  g_test_add_func ("/sim/hikvision/digest", test_hikvision_digest);
  g_test_add_func ("/sim/hikvision/lockout", test_hikvision_lockout);
  g_test_add_func ("/sim/hikvision/paging", test_hikvision_paging);
  g_test_add_func ("/sim/hikvision/download", test_hikvision_download);
  g_test_add_func ("/sim/hikvision/no-by-time", test_hikvision_no_by_time);
  g_test_add_func ("/sim/hikvision/range", test_hikvision_range);
  g_test_add_func ("/sim/hikvision/clock", test_hikvision_clock);
  g_test_add_func ("/sim/hikvision/time-mode", test_hikvision_time_mode);
  g_test_add_func ("/sim/dahua/finders", test_dahua_finders);
  g_test_add_func ("/sim/dahua/download", test_dahua_download);
  g_test_add_func ("/sim/dahua/no-by-time", test_dahua_no_by_time);
  g_test_add_data_func ("/sim/fault/drop", "drop:1", test_fault);
  g_test_add_data_func ("/sim/fault/stall", "stall:1:1", test_fault);
  g_test_add_data_func ("/sim/fault/busy", "busy:1", test_fault);
  g_test_add_data_func ("/sim/fault/error200", "error200:1", test_fault);
  g_test_add_data_func ("/sim/fault/badxml", "badxml:1", test_fault);
  g_test_add_data_func ("/sim/fault/truncpage", "truncpage:1", test_fault);
  g_test_add_data_func ("/sim/fault/short", "short:1", test_fault);
  g_test_add_func ("/sim/fault/determinism", test_fault_determinism);
  g_test_add_func ("/sim/max-downloads", test_max_downloads);
  g_test_add_func ("/sim/bulk", test_bulk);
  g_test_add_func ("/sim/client-abort", test_client_abort);
  g_test_add_func ("/sim/stall-abandoned", test_stall_abandoned);
  g_test_add_func ("/sim/refuses-non-loopback", test_refuses_non_loopback);

  return g_test_run ();
}
