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

/* ---- Real firmware behaviour (issue 11 §2) ---- */

static void
test_channels_firmware (void)
{
  gsize len;
  g_autofree char *empty = load ("hik-inputproxy-empty-dvr.xml", &len);
  g_autofree char *inputs = NULL, *mismatch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ch = dc_isapi_parse_channels (empty, (gssize) len, &error);

  /* A hybrid DVR: size="2" and no items. */
  g_assert_no_error (error);
  g_assert_cmpuint (ch->len, ==, 0);
  g_clear_pointer (&ch, g_ptr_array_unref);

  /* Its analogue inputs, each item with its own xmlns and version. */
  inputs = load ("hik-video-inputs-dvr.xml", &len);
  ch = dc_isapi_parse_channels (inputs, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ch->len, ==, 4);
  g_assert_cmpstr (((DcDvrChannel *) g_ptr_array_index (ch, 0))->name, ==, "Dock A01");
  g_assert_cmpuint (((DcDvrChannel *) g_ptr_array_index (ch, 3))->id, ==, 4);
  g_clear_pointer (&ch, g_ptr_array_unref);

  /* size="6" with nine distinct items (and a duplicate): the items count. */
  mismatch = load ("hik-inputproxy-size-mismatch.xml", &len);
  ch = dc_isapi_parse_channels (mismatch, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ch->len, ==, 9);
  g_assert_cmpstr (((DcDvrChannel *) g_ptr_array_index (ch, 1))->name, ==, "Dock B02");
  g_assert_cmpuint (((DcDvrChannel *) g_ptr_array_index (ch, 3))->id, ==, 5);
}

static void
test_time_firmware (void)
{
  gsize len;
  g_autofree char *data = load ("hik-time-offset-multiline.xml", &len);
  g_autofree char *unpadded = NULL, *now = NULL;
  g_autoptr(GError) error = NULL;
  DcIsapiTime t;
  gint64 w;

  g_assert_true (dc_isapi_parse_time (data, (gssize) len, &t, &error));
  g_assert_no_error (error);
  g_assert_cmpint (t.wall_s, ==, wall ("2026-12-07 16:40:12"));   /* digits, not shifted */
  g_assert_cmpint (t.suffix_offset_s, ==, 8 * 3600);
  g_assert_cmpint (t.time_type, ==, DC_DVR_TIME_AUTO);             /* no timeType */
  g_assert_cmpstr (t.time_zone, ==, "CST-8:00:00DST01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00");
  dc_isapi_time_clear (&t);

  /* Dahua's own documentation: no zero padding. */
  unpadded = load ("dahua-time-unpadded.txt", &len);
  now = dc_dahua_parse_value (unpadded, (gssize) len, "result", &error);
  g_assert_no_error (error);
  g_assert_true (dc_wire_time_parse (now, &w, NULL));
  g_assert_cmpint (w, ==, wall ("2011-07-03 21:02:32"));
  g_assert_true (dc_wire_time_parse ("2026-1-2 3:04:05", &w, NULL));
  g_assert_cmpint (w, ==, wall ("2026-01-02 03:04:05"));
  g_assert_false (dc_wire_time_parse ("2026-123-2 3:04:05", NULL, NULL));
  g_assert_false (dc_wire_time_parse ("2026-1-2 3:4", NULL, NULL));
}

static void
test_search_missing_parts (void)
{
  gsize len;
  g_autofree char *data = load ("hik-search-missing-parts.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcIsapiSearchResult) r = dc_isapi_parse_search_result (data, (gssize) len, &error);
  DcIsapiMatch *m;

  g_assert_no_error (error);
  /* One item has no time span at all: skipped, the page is kept. */
  g_assert_cmpuint (r->n_skipped, ==, 1);
  g_assert_cmpuint (r->matches->len, ==, 5);
  /* Two have no playbackURI (no descriptor; a descriptor without one). */
  g_assert_cmpuint (r->n_without_uri, ==, 2);
  m = g_ptr_array_index (r->matches, 1);
  g_assert_null (m->playback_uri);
  g_assert_cmpint (m->end_wall_s - m->start_wall_s, ==, 600);
  /* The picture track is reported as such, by element and by URI. */
  m = g_ptr_array_index (r->matches, 3);
  g_assert_cmpuint (m->track_id, ==, 120);
  g_assert_cmpuint (m->uri_track_id, ==, 120);
  /* A URI without name= or size=. */
  m = g_ptr_array_index (r->matches, 4);
  g_assert_nonnull (m->playback_uri);
  g_assert_null (m->name);
  g_assert_cmpuint (m->size, ==, 0);
  g_assert_cmpuint (m->uri_track_id, ==, 101);
  m = g_ptr_array_index (r->matches, 0);
  g_assert_cmpuint (m->size, ==, 26214400);
}

static void
test_dahua_found_mismatch (void)
{
  gsize len;
  g_autofree char *data = load ("dahua-findnext-found-mismatch.txt", &len);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  DcDahuaItem *it;
  guint found;

  /* found=5, two items, fields in any order, empty and extra fields. */
  g_assert_true (dc_dahua_parse_find_page (data, (gssize) len, &found, &items, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (found, ==, 5);
  g_assert_cmpuint (items->len, ==, 2);
  it = g_ptr_array_index (items, 0);
  g_assert_true (it->valid);
  g_assert_null (it->type);                 /* Type= empty */
  g_assert_cmpuint (it->length, ==, 0);     /* 2^64-1 is not a size */
  g_assert_cmpint (dc_dahua_path_channel (it->file_path), ==, 1);
  it = g_ptr_array_index (items, 1);
  g_assert_cmpstr (it->type, ==, "dav");    /* on a .mp4 path: the driver leaves it unknown */
  g_assert_cmpuint (it->length, ==, 0);     /* negative is not a size */
  g_assert_cmpint (it->start_wall_s, ==, wall ("2020-01-06 06:13:00"));

  g_assert_cmpint (dc_dahua_path_channel ("/mnt/dvr/2026-04-30/0/dav/00/x.dav"), ==, -1);
  g_assert_cmpint (dc_dahua_path_channel ("/mnt/sd/2020-01-06/016/dav/06/x.dav"), ==, 16);
  g_assert_cmpint (dc_dahua_path_channel ("/mnt/sd/2020-01-06/000/dav/06/x.dav"), ==, -1);
  g_assert_cmpint (dc_dahua_path_channel (NULL), ==, -1);
}

/* ---- Hostile answers (issues 16/17): bounded at parse time ---- */

static char *
nested (guint levels, gboolean closed)
{
  GString *s = g_string_new ("<DeviceInfo>");
  for (guint i = 0; i < levels; i++)
    g_string_append (s, "<a>");
  if (closed)
    {
      for (guint i = 0; i < levels; i++)
        g_string_append (s, "</a>");
      g_string_append (s, "</DeviceInfo>");
    }
  return g_string_free (s, FALSE);
}

static void
test_hostile_xml_depth (void)
{
  for (int closed = 0; closed < 2; closed++)
    {
      g_autofree char *doc = nested (100000, closed);
      g_autoptr(GError) error = NULL;
      DcDvrInfo info = { 0 };
      GPtrArray *ch;

      g_assert_false (dc_isapi_parse_device_info (doc, -1, &info, &error));
      g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, "32 levels"));
      g_clear_error (&error);
      ch = dc_isapi_parse_channels (doc, -1, &error);
      g_assert_null (ch);
      g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
    }
  /* Real documents are far below the limit. */
  {
    g_autofree char *ok = nested (20, TRUE);
    g_autoptr(DcXmlNode) root = dc_xml_parse (ok, -1, NULL);
    g_assert_nonnull (root);
  }
}

static void
test_hostile_xml_wide (void)
{
  GString *s = g_string_new ("<InputProxyChannelList>");
  g_autoptr(GError) error = NULL;
  GPtrArray *ch;

  /* A million elements: refused at the element cap, not built. */
  for (guint i = 0; i < 1000000; i++)
    g_string_append (s, "<x/>");
  g_string_append (s, "</InputProxyChannelList>");
  ch = dc_isapi_parse_channels (s->str, (gssize) s->len, &error);
  g_assert_null (ch);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "65536"));
  g_string_free (s, TRUE);
}

static void
test_hostile_channels (void)
{
  g_autoptr(GError) error = NULL;
  GString *s = g_string_new ("<InputProxyChannelList>");
  GPtrArray *ch;
  DcDvrInfo info = { 0 };

  /* Absurd ids never size anything; 30,000 distinct ids and 20,000
   * repeats of one id are de-duplicated by a set, at most 1024 kept. */
  g_string_append (s, "<InputProxyChannel><id>4294967295</id></InputProxyChannel>"
                      "<InputProxyChannel><id>4294967296</id></InputProxyChannel>"
                      "<InputProxyChannel><id>-1</id></InputProxyChannel>"
                      "<InputProxyChannel><id>0</id></InputProxyChannel>"
                      "<InputProxyChannel><id>1025</id></InputProxyChannel>");
  for (guint i = 1; i <= 10000; i++)
    g_string_append_printf (s, "<InputProxyChannel><id>%u</id></InputProxyChannel>", i);
  for (guint i = 0; i < 20000; i++)
    g_string_append (s, "<InputProxyChannel><id>7</id></InputProxyChannel>");
  g_string_append (s, "</InputProxyChannelList>");
  ch = dc_isapi_parse_channels (s->str, (gssize) s->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ch->len, ==, 1024);
  g_assert_cmpuint (((DcDvrChannel *) g_ptr_array_index (ch, 1023))->id, ==, 1024);
  g_ptr_array_unref (ch);
  g_string_free (s, TRUE);

  /* The same for streams: 429496729501 / 100 is no channel. */
  ch = dc_isapi_parse_channels ("<StreamingChannelList><StreamingChannel><id>429496729501</id></StreamingChannel>"
                                "<StreamingChannel><id>102501</id></StreamingChannel>"
                                "<StreamingChannel><id>201</id></StreamingChannel></StreamingChannelList>",
                                -1, &error);
  g_assert_cmpuint (ch->len, ==, 1);
  g_assert_cmpuint (((DcDvrChannel *) g_ptr_array_index (ch, 0))->id, ==, 2);
  g_ptr_array_unref (ch);

  /* Dahua: a title index far out of range sizes nothing. */
  {
    g_auto(GStrv) t = dc_dahua_parse_channel_titles ("table.ChannelTitle[4294967295].Name=x\r\n"
                                                     "table.ChannelTitle[1].Name=Dock\r\n", -1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (t), ==, 2);
  }
  (void) info;
}

static void
test_hostile_sizes_and_counts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(DcIsapiSearchResult) r = NULL;
  const char *fmt = "<CMSearchResult><numOfMatches>4294967296</numOfMatches><matchList>"
                    "<searchMatchItem><trackID>101</trackID><timeSpan><startTime>2026-01-01T00:00:00Z</startTime>"
                    "<endTime>2026-01-01T00:10:00Z</endTime></timeSpan><mediaSegmentDescriptor><playbackURI>"
                    "rtsp://h/Streaming/tracks/101/?name=a&amp;size=%s</playbackURI></mediaSegmentDescriptor>"
                    "</searchMatchItem></matchList></CMSearchResult>";
  const char *sizes[] = { "18446744073709551615", "-5", "99999999999999999999", "1e9", "68719476737" };
  guint found;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *doc = g_strdup_printf (fmt, sizes[i]);
      g_autoptr(DcIsapiSearchResult) one = dc_isapi_parse_search_result (doc, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (one->num_matches, ==, 0);
      g_assert_cmpuint (((DcIsapiMatch *) g_ptr_array_index (one->matches, 0))->size, ==, 0);
    }
  /* A trackID that is not a number says "another track", not "none". */
  r = dc_isapi_parse_search_result ("<CMSearchResult><matchList><searchMatchItem><trackID>x1</trackID><timeSpan>"
                                    "<startTime>2026-01-01T00:00:00Z</startTime><endTime>2026-01-01T00:10:00Z</endTime>"
                                    "</timeSpan></searchMatchItem></matchList></CMSearchResult>", -1, &error);
  g_assert_cmpuint (((DcIsapiMatch *) g_ptr_array_index (r->matches, 0))->track_id, ==, G_MAXUINT);

  /* Dahua: found= and item indices beyond a page are refused. */
  g_assert_false (dc_dahua_parse_find_page ("found=100000000\r\n", -1, &found, &items, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  g_assert_false (dc_dahua_parse_find_page ("found=1\r\nitems[4294967295].FilePath=/a\r\n", -1, &found, &items, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  /* A page of more lines than any real answer. */
  {
    GString *s = g_string_new ("found=0\r\n");
    for (guint i = 0; i < 300000; i++)
      g_string_append (s, "x=1\n");
    g_assert_false (dc_dahua_parse_find_page (s->str, (gssize) s->len, &found, &items, &error));
    g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
    g_clear_error (&error);
    g_string_free (s, TRUE);
  }
}

static void
test_hostile_text (void)
{
  g_autoptr(GError) error = NULL;
  DcDvrInfo info = { 0 };
  g_autofree char *detail = NULL;
  g_autofree char *long_text = g_strnfill (100000, 'A');
  g_autofree char *clipped = dc_dvr_text_sanitize (long_text);
  g_autoptr(GPtrArray) ch = NULL;
  g_auto(GStrv) titles = NULL;

  g_assert_true (dc_isapi_parse_device_info ("<DeviceInfo><model>DS\x1b[2J\x1b]0;pwned\x07</model>"
                                             "<deviceType>NVR\r\n2026-12-07 forged log line</deviceType>"
                                             "<firmwareVersion>V4\xe2\x80\xae" "gnp.exe</firmwareVersion>"
                                             "</DeviceInfo>", -1, &info, &error));
  g_assert_cmpstr (info.model, ==, "DS\\x1b[2J\\x1b]0;pwned\\x07");
  g_assert_cmpstr (info.device_type, ==, "NVR\\x0a2026-12-07 forged log line");
  g_assert_cmpstr (info.firmware, ==, "V4\\u202egnp.exe");
  g_free (info.model);
  g_free (info.serial);
  g_free (info.firmware);
  g_free (info.device_type);

  /* Search status in the error message. */
  g_assert_null (dc_isapi_parse_search_result ("<CMSearchResult><responseStatusStrg>X\x1b[31mRED\n"
                                               "</responseStatusStrg></CMSearchResult>", -1, &error));
  g_assert_null (strchr (error->message, '\x1b'));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  ch = dc_isapi_parse_channels ("<InputProxyChannelList><InputProxyChannel><id>1</id><name>A\x1b[1mB</name>"
                                "</InputProxyChannel></InputProxyChannelList>", -1, &error);
  g_assert_cmpstr (((DcDvrChannel *) g_ptr_array_index (ch, 0))->name, ==, "A\\x1b[1mB");
  titles = dc_dahua_parse_channel_titles ("table.ChannelTitle[0].Name=Dock\x1b[2J\r\n", -1, &error);
  g_assert_cmpstr (titles[0], ==, "Dock\\x1b[2J");
  g_assert_true (dc_dahua_is_error ("Error\r\nDetail=\x1b[2Jgone\r\n", -1, &detail));
  g_assert_null (strchr (detail, '\x1b'));
  /* Invalid UTF-8 and very long text: valid and bounded. */
  g_assert_cmpuint (strlen (clipped), <=, 256 + 3);
  {
    g_autofree char *bad = dc_dvr_text_sanitize ("ok\xff\xfe");
    g_assert_true (g_utf8_validate (bad, -1, NULL));
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
  g_test_add_func ("/dvr/parse/firmware/channels", test_channels_firmware);
  g_test_add_func ("/dvr/parse/firmware/time", test_time_firmware);
  g_test_add_func ("/dvr/parse/firmware/search-missing-parts", test_search_missing_parts);
  g_test_add_func ("/dvr/parse/firmware/dahua-found-mismatch", test_dahua_found_mismatch);
  g_test_add_func ("/dvr/parse/hostile/xml-depth", test_hostile_xml_depth);
  g_test_add_func ("/dvr/parse/hostile/xml-wide", test_hostile_xml_wide);
  g_test_add_func ("/dvr/parse/hostile/channels", test_hostile_channels);
  g_test_add_func ("/dvr/parse/hostile/sizes-counts", test_hostile_sizes_and_counts);
  g_test_add_func ("/dvr/parse/hostile/text", test_hostile_text);
  return g_test_run ();
}
