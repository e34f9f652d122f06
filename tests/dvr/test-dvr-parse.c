/* Unit tests of the recorder answer parsers, from the real bodies quoted in
 * the protocol notes (several namespaces, none, version 1.0, one item,
 * empty lists, error pages, fields in any order). */
#include "config.h"

#include <string.h>

#include "dc-test-util.h"
#include "dvr/dc-dvr-parse.h"

static char *
load (const char *name, gsize *len)
{
  g_autofree char *rel = g_build_filename ("dvr", name, NULL);
  g_autofree char *path = dc_test_data_path (rel);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, &error));
  g_assert_no_error (error);
  return data;
}

static gint64
wall (const char *text)
{
  gint64 w = 0;
  g_assert_true (dc_wire_time_parse (text, &w, NULL));
  return w;
}

static void
test_wire_time_parse (void)
{
  gint64 a, b, c;
  int off;

  g_assert_true (dc_wire_time_parse ("2017-03-14T10:32:01Z", &a, &off));
  g_assert_cmpint (off, ==, 0);
  g_assert_true (dc_wire_time_parse ("20170314T103201Z", &b, NULL));
  g_assert_true (dc_wire_time_parse ("2017-03-14 10:32:01", &c, &off));
  g_assert_cmpint (off, ==, G_MININT);
  g_assert_cmpint (a, ==, b);
  g_assert_cmpint (a, ==, c);
  g_assert_cmpint (a, ==, 1489487521);
  /* The suffix is reported but never applied to the digits. */
  g_assert_true (dc_wire_time_parse ("2021-10-21T17:32:54+03:00", &a, &off));
  g_assert_cmpint (off, ==, 3 * 3600);
  g_assert_true (dc_wire_time_parse ("2021-10-21T17:32:54Z", &b, NULL));
  g_assert_cmpint (a, ==, b);
  g_assert_true (dc_wire_time_parse ("2021-10-21T17:32:54.250-05:30", &a, &off));
  g_assert_cmpint (off, ==, -(5 * 3600 + 1800));
  g_assert_cmpint (a, ==, b);

  g_assert_false (dc_wire_time_parse ("", NULL, NULL));
  g_assert_false (dc_wire_time_parse (NULL, NULL, NULL));
  g_assert_false (dc_wire_time_parse ("2021-13-01T00:00:00Z", NULL, NULL));
  g_assert_false (dc_wire_time_parse ("2021-10-21T17:32", NULL, NULL));
  g_assert_false (dc_wire_time_parse ("2021-10-21T17:32:54Zjunk", NULL, NULL));
}

static void
test_wire_time_format (void)
{
  g_autofree char *a = dc_wire_time_format_isapi (1489487521);
  g_autofree char *b = dc_wire_time_format_isapi_uri (1489487521);
  g_autofree char *c = dc_wire_time_format_dahua (1489487521);

  g_assert_cmpstr (a, ==, "2017-03-14T10:32:01Z");
  g_assert_cmpstr (b, ==, "20170314T103201Z");
  g_assert_cmpstr (c, ==, "2017-03-14 10:32:01");
}

static void
test_search_2017 (void)
{
  gsize len;
  g_autofree char *data = load ("hik-search-2017.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcIsapiSearchResult) r = dc_isapi_parse_search_result (data, (gssize) len, &error);
  DcIsapiMatch *m;

  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_cmpint (r->status, ==, DC_ISAPI_SEARCH_OK);
  g_assert_false (r->version_1);
  g_assert_cmpuint (r->num_matches, ==, 29);
  g_assert_cmpuint (r->matches->len, ==, 2);
  m = g_ptr_array_index (r->matches, 0);
  g_assert_cmpuint (m->track_id, ==, 101);
  g_assert_cmpint (m->start_wall_s, ==, wall ("2017-03-14 10:32:01"));
  g_assert_cmpint (m->end_wall_s, ==, wall ("2017-03-14 10:40:42"));
  /* PDF line breaks and &amp; gone, everything else verbatim. */
  g_assert_cmpstr (m->playback_uri, ==,
                   "rtsp://10.17.132.49/Streaming/tracks/101/?starttime=20170314T103201Z"
                   "&endtime=20170314T104042Z&name=ch01_08000000016000000&size=260358144");
  g_assert_cmpstr (m->name, ==, "ch01_08000000016000000");
  g_assert_cmpuint (m->size, ==, 260358144);
  m = g_ptr_array_index (r->matches, 1);
  g_assert_cmpuint (m->size, ==, 260603904);
}

static void
test_search_2021_single (void)
{
  gsize len;
  g_autofree char *data = load ("hik-search-2021.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcIsapiSearchResult) r = dc_isapi_parse_search_result (data, (gssize) len, &error);
  DcIsapiMatch *m;

  g_assert_no_error (error);
  g_assert_cmpuint (r->matches->len, ==, 1);   /* one item is still a list */
  m = g_ptr_array_index (r->matches, 0);
  g_assert_cmpstr (m->name, ==, "00000004667000100");
  g_assert_cmpuint (m->size, ==, 1400788);
  g_assert_cmpint (m->end_wall_s - m->start_wall_s, ==, 53);
}

static void
test_search_prefixed_more (void)
{
  gsize len;
  g_autofree char *data = load ("hik-search-more-prefixed.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcIsapiSearchResult) r = dc_isapi_parse_search_result (data, (gssize) len, &error);

  g_assert_no_error (error);
  g_assert_cmpint (r->status, ==, DC_ISAPI_SEARCH_MORE);
  g_assert_cmpuint (r->matches->len, ==, 2);
  g_assert_cmpuint (((DcIsapiMatch *) g_ptr_array_index (r->matches, 1))->track_id, ==, 201);
  g_assert_cmpuint (((DcIsapiMatch *) g_ptr_array_index (r->matches, 1))->size, ==, 5678);
}

static void
test_search_v1_nostatus (void)
{
  gsize len;
  g_autofree char *data = load ("hik-search-v1-nostatus.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcIsapiSearchResult) r = dc_isapi_parse_search_result (data, (gssize) len, &error);

  g_assert_no_error (error);
  g_assert_true (r->version_1);
  g_assert_cmpint (r->status, ==, DC_ISAPI_SEARCH_OK);   /* missing = OK */
  g_assert_cmpuint (r->matches->len, ==, 1);
}

static void
test_search_empty (void)
{
  gsize len;
  g_autofree char *data = load ("hik-search-empty.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcIsapiSearchResult) r = dc_isapi_parse_search_result (data, (gssize) len, &error);

  g_assert_no_error (error);
  g_assert_cmpint (r->status, ==, DC_ISAPI_SEARCH_NO_MATCHES);
  g_assert_cmpuint (r->matches->len, ==, 0);
}

static void
test_search_bad (void)
{
  gsize len;
  g_autofree char *data = load ("hik-search-2021.xml", &len);
  g_autoptr(GError) error = NULL;
  DcIsapiSearchResult *r;

  /* Cut mid-document (the simulator's truncpage fault). */
  r = dc_isapi_parse_search_result (data, (gssize) len / 2, &error);
  g_assert_null (r);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  r = dc_isapi_parse_search_result ("<CMSearchResult><a></b></CMSearchResult>", -1, &error);
  g_assert_null (r);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  r = dc_isapi_parse_search_result ("", 0, &error);
  g_assert_null (r);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  /* A ResponseStatus where a result was expected. */
  r = dc_isapi_parse_search_result ("<ResponseStatus><statusCode>4</statusCode></ResponseStatus>", -1, &error);
  g_assert_null (r);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
}

static void
test_device_info (void)
{
  gsize len;
  g_autofree char *nvr = load ("hik-deviceinfo-nvr.xml", &len);
  g_autofree char *ipc = NULL;
  g_autoptr(GError) error = NULL;
  DcDvrInfo info = { 0 };

  g_assert_true (dc_isapi_parse_device_info (nvr, (gssize) len, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info.model, ==, "DS-7608NXI-I2/8P/S");
  g_assert_cmpstr (info.firmware, ==, "V4.62.210");
  g_assert_cmpstr (info.device_type, ==, "NVR");
  g_assert_cmpstr (info.serial, ==, "DS-7608NXI-I0/0P/S0000000000CCRRJ00000000WCVU");
  ipc = load ("hik-deviceinfo-ipc.xml", &len);
  g_assert_true (dc_isapi_parse_device_info (ipc, (gssize) len, &info, &error));
  g_assert_cmpstr (info.model, ==, "DS-2CD2386G2-IU");
  g_assert_cmpstr (info.device_type, ==, "IPCamera");
  g_free (info.model);
  g_free (info.serial);
  g_free (info.firmware);
  g_free (info.device_type);
}

static void
test_time (void)
{
  gsize len;
  g_autofree char *ezviz = load ("hik-time-ezviz.xml", &len);
  g_autofree char *cap = NULL;
  g_autoptr(GError) error = NULL;
  DcIsapiTime t;

  g_assert_true (dc_isapi_parse_time (ezviz, (gssize) len, &t, &error));
  g_assert_cmpint (t.wall_s, ==, wall ("2022-03-02 17:08:16"));
  g_assert_cmpint (t.suffix_offset_s, ==, 3600);
  g_assert_cmpstr (t.time_zone, ==, "CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00");
  g_assert_cmpint (t.time_type, ==, DC_DVR_TIME_AUTO);
  dc_isapi_time_clear (&t);

  cap = load ("hik-time-cap.xml", &len);
  g_assert_true (dc_isapi_parse_time (cap, (gssize) len, &t, &error));
  g_assert_cmpint (t.time_type, ==, DC_DVR_TIME_LOCAL);
  g_assert_cmpstr (t.time_zone, ==, "CST-3:00:00");
  dc_isapi_time_clear (&t);

  g_assert_false (dc_isapi_parse_time ("<Time><localTime>soon</localTime></Time>", -1, &t, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  dc_isapi_time_clear (&t);
}

static void
test_channels (void)
{
  gsize len;
  g_autofree char *proxy = load ("hik-inputproxy.xml", &len);
  g_autofree char *streams = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ch = dc_isapi_parse_channels (proxy, (gssize) len, &error);

  g_assert_no_error (error);
  /* size="19" is ignored: two channels are listed. */
  g_assert_cmpuint (ch->len, ==, 2);
  g_assert_cmpuint (((DcDvrChannel *) g_ptr_array_index (ch, 0))->id, ==, 1);
  g_assert_cmpstr (((DcDvrChannel *) g_ptr_array_index (ch, 0))->name, ==, "摄像机12");
  g_assert_cmpuint (((DcDvrChannel *) g_ptr_array_index (ch, 1))->id, ==, 3);
  g_clear_pointer (&ch, g_ptr_array_unref);

  streams = load ("hik-streaming-channels.xml", &len);
  ch = dc_isapi_parse_channels (streams, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ch->len, ==, 1);   /* 101 kept, 102 (sub stream) not */
  g_assert_cmpuint (((DcDvrChannel *) g_ptr_array_index (ch, 0))->id, ==, 1);
  g_clear_pointer (&ch, g_ptr_array_unref);

  ch = dc_isapi_parse_channels ("<DeviceInfo/>", -1, &error);
  g_assert_null (ch);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
}

static void
test_profile_ability_status (void)
{
  gsize len;
  g_autofree char *profile = load ("hik-search-profile.xml", &len);
  g_autofree char *ability = NULL;
  g_autofree char *bad = NULL, *dev = NULL, *busy = NULL;
  gboolean by_time = TRUE, by_name = FALSE;
  DcIsapiStatus st;

  g_assert_cmpuint (dc_isapi_parse_search_profile (profile, (gssize) len), ==, 64);
  g_assert_cmpuint (dc_isapi_parse_search_profile ("<x/>", -1), ==, 0);

  ability = load ("hik-download-ability.xml", &len);
  g_assert_true (dc_isapi_parse_download_ability (ability, (gssize) len, &by_time, &by_name, NULL));
  g_assert_false (by_time);
  g_assert_true (by_name);

  bad = load ("hik-status-badxml.xml", &len);
  g_assert_true (dc_isapi_parse_response_status (bad, (gssize) len, &st));
  g_assert_cmpint (st.status_code, ==, 6);
  g_assert_cmpstr (st.sub_status_code, ==, "badXmlContent");
  dc_isapi_status_clear (&st);
  dev = load ("hik-status-deviceerror.xml", &len);
  g_assert_true (dc_isapi_parse_response_status (dev, (gssize) len, &st));
  g_assert_cmpint (st.status_code, ==, 3);
  g_assert_cmpstr (st.status_string, ==, "Device Error");
  dc_isapi_status_clear (&st);
  busy = load ("hik-status-busy.xml", &len);
  g_assert_true (dc_isapi_parse_response_status (busy, (gssize) len, &st));
  g_assert_cmpint (st.status_code, ==, 2);
  dc_isapi_status_clear (&st);
  g_assert_false (dc_isapi_parse_response_status ("IMKH\x01\x02", 6, &st));
  g_assert_false (dc_isapi_parse_response_status (profile, -1, &st));
}

static void
test_uri_edit (void)
{
  const char *uri = "rtsp://10.1.1.1:90/Streaming/tracks/101/?starttime=20251103T140000Z"
                    "&endtime=20251103T141000Z&name=ch01_00000000012000000&size=1234";
  g_autofree char *edited = dc_isapi_uri_set_times (uri, "20251103T140500Z", "20251103T140600Z");
  g_autofree char *name = dc_isapi_uri_get_param (edited, "name");
  g_autofree char *size = dc_isapi_uri_get_param (edited, "size");
  g_autofree char *esc = dc_xml_escape (uri);

  g_assert_cmpstr (edited, ==, "rtsp://10.1.1.1:90/Streaming/tracks/101/?starttime=20251103T140500Z"
                   "&endtime=20251103T140600Z&name=ch01_00000000012000000&size=1234");
  g_assert_cmpstr (name, ==, "ch01_00000000012000000");
  g_assert_cmpstr (size, ==, "1234");
  g_assert_nonnull (strstr (esc, "&amp;endtime="));
  g_assert_null (strstr (esc, "Z&e"));
}

static void
test_dahua_find_amcrest (void)
{
  gsize len;
  g_autofree char *data = load ("dahua-findnext-amcrest.txt", &len);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  DcDahuaItem *it;
  guint found;

  g_assert_true (dc_dahua_parse_find_page (data, (gssize) len, &found, &items, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (found, ==, 2);
  g_assert_cmpuint (items->len, ==, 2);
  it = g_ptr_array_index (items, 0);
  g_assert_cmpstr (it->file_path, ==, "/mnt/sd/2020-01-06/001/dav/06/06.05.00-06.13.00[M][0@0][0].mp4");
  g_assert_cmpint (it->channel, ==, 0);
  g_assert_cmpuint (it->length, ==, 248362892);
  g_assert_cmpstr (it->type, ==, "dav");
  g_assert_cmpint (it->start_wall_s, ==, wall ("2020-01-06 06:05:00"));
  g_assert_cmpint (it->end_wall_s - it->start_wall_s, ==, 480);
  g_assert_false (it->temporary);
  it = g_ptr_array_index (items, 1);
  g_assert_cmpstr (it->type, ==, "mp4");
}

static void
test_dahua_find_nvr_any_order (void)
{
  gsize len;
  g_autofree char *data = load ("dahua-findnext-nvr.txt", &len);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  DcDahuaItem *it;
  guint found;

  g_assert_true (dc_dahua_parse_find_page (data, (gssize) len, &found, &items, &error));
  g_assert_cmpuint (found, ==, 2);
  it = g_ptr_array_index (items, 0);   /* index order, not text order */
  g_assert_cmpint (it->start_wall_s, ==, wall ("2026-04-30 00:00:00"));
  g_assert_cmpuint (it->length, ==, 1048576);
  g_assert_null (it->type);
  it = g_ptr_array_index (items, 1);
  g_assert_true (it->temporary);
  g_assert_cmpuint (it->length, ==, 0);
}

static void
test_dahua_found0_and_errors (void)
{
  gsize len;
  g_autofree char *zero = load ("dahua-found0.txt", &len);
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;
  guint found = 99;

  g_assert_true (dc_dahua_parse_find_page (zero, (gssize) len, &found, &items, &error));
  g_assert_cmpuint (found, ==, 0);
  g_assert_cmpuint (items->len, ==, 0);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* "items[0].Channel=0" holds "=0" but is not found=0: without a found=
   * line the page is malformed. */
  g_assert_false (dc_dahua_parse_find_page ("items[0].Channel=0\r\n", -1, &found, &items, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  g_assert_false (dc_dahua_parse_find_page ("xfound=0\r\n", -1, &found, &items, &error));
  g_clear_error (&error);

  err = load ("dahua-error.txt", &len);
  g_assert_true (dc_dahua_is_error (err, (gssize) len, &detail));
  g_assert_cmpstr (detail, ==, "ErrorID=2, Detail=Invalid Request!");
  g_assert_false (dc_dahua_parse_find_page (err, (gssize) len, &found, &items, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
  g_clear_error (&error);
  g_assert_false (dc_dahua_is_error (zero, -1, NULL));
  g_assert_true (dc_dahua_is_error ("Error\r\nBad Request!\r\n", -1, NULL));

  /* The simulator's badxml fault: garbage after the items. */
  g_assert_false (dc_dahua_parse_find_page ("found=0\r\nitems[0\r\n<html>garbage</html>\r\n", -1, &found, &items, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  /* found=2 but only item 0 on the page (real firmware disagrees with
   * itself): the items present count. */
  g_assert_true (dc_dahua_parse_find_page ("found=2\nitems[0].FilePath=/a.dav\nitems[0].StartTime=2020-01-01 00:00:00\n"
                                           "items[0].EndTime=2020-01-01 00:10:00\n", -1, &found, &items, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (found, ==, 2);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_true (((DcDahuaItem *) g_ptr_array_index (items, 0))->valid);
  g_clear_pointer (&items, g_ptr_array_unref);
  /* An item without its path is kept as not valid, the others are usable. */
  g_assert_true (dc_dahua_parse_find_page ("found=2\nitems[1].FilePath=/a.dav\nitems[1].StartTime=2020-01-01 00:00:00\n"
                                           "items[1].EndTime=2020-01-01 00:10:00\nitems[0].StartTime=2020-01-01 00:00:00\n",
                                           -1, &found, &items, &error));
  g_assert_cmpuint (items->len, ==, 2);
  g_assert_false (((DcDahuaItem *) g_ptr_array_index (items, 0))->valid);
  g_assert_true (((DcDahuaItem *) g_ptr_array_index (items, 1))->valid);
  g_assert_cmpuint (((DcDahuaItem *) g_ptr_array_index (items, 1))->index, ==, 1);
}

static void
test_dahua_values (void)
{
  gsize len;
  g_autofree char *create = load ("dahua-create.txt", &len);
  g_autofree char *time = NULL, *titles_data = NULL;
  g_autofree char *id = NULL, *now = NULL;
  g_auto(GStrv) titles = NULL;
  g_autoptr(GError) error = NULL;

  id = dc_dahua_parse_value (create, (gssize) len, "result", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, "123");
  time = load ("dahua-time.txt", &len);
  now = dc_dahua_parse_value (time, (gssize) len, "result", &error);
  g_assert_cmpstr (now, ==, "2026-07-26 14:30:15");
  g_assert_cmpint (wall (now), ==, wall ("2026-07-26T14:30:15Z"));

  titles_data = load ("dahua-channeltitle.txt", &len);
  titles = dc_dahua_parse_channel_titles (titles_data, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (titles), ==, 3);
  g_assert_cmpstr (titles[0], ==, "Dock A01");
  g_assert_cmpstr (titles[1], ==, "CAM 2");
  g_assert_cmpstr (titles[2], ==, "Dock A03");

  g_assert_null (dc_dahua_parse_value ("Error\r\nErrorID=2\r\n", -1, "result", &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
  g_clear_error (&error);
  g_assert_null (dc_dahua_parse_value ("type=IPC\r\n", -1, "result", &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  /* The spec's own sample puts spaces around keys. */
  {
    g_autoptr(GHashTable) kv = dc_dahua_parse_kv ("found=1\nitems[0]. Channel =1\n", -1, &error);
    g_assert_cmpstr (g_hash_table_lookup (kv, "items[0].Channel"), ==, "1");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dvr/parse/wire-time", test_wire_time_parse);
  g_test_add_func ("/dvr/parse/wire-time-format", test_wire_time_format);
  g_test_add_func ("/dvr/parse/search-2017", test_search_2017);
  g_test_add_func ("/dvr/parse/search-2021-single", test_search_2021_single);
  g_test_add_func ("/dvr/parse/search-prefixed-more", test_search_prefixed_more);
  g_test_add_func ("/dvr/parse/search-v1-nostatus", test_search_v1_nostatus);
  g_test_add_func ("/dvr/parse/search-empty", test_search_empty);
  g_test_add_func ("/dvr/parse/search-bad", test_search_bad);
  g_test_add_func ("/dvr/parse/device-info", test_device_info);
  g_test_add_func ("/dvr/parse/time", test_time);
  g_test_add_func ("/dvr/parse/channels", test_channels);
  g_test_add_func ("/dvr/parse/profile-ability-status", test_profile_ability_status);
  g_test_add_func ("/dvr/parse/uri-edit", test_uri_edit);
  g_test_add_func ("/dvr/parse/dahua-find-amcrest", test_dahua_find_amcrest);
  g_test_add_func ("/dvr/parse/dahua-find-nvr-any-order", test_dahua_find_nvr_any_order);
  g_test_add_func ("/dvr/parse/dahua-found0-errors", test_dahua_found0_and_errors);
  g_test_add_func ("/dvr/parse/dahua-values", test_dahua_values);
  return g_test_run ();
}
