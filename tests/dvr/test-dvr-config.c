/* Config file load/save/validation/insecure mode, and wire time
 * conversions in both time modes with clock offsets. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "dvr/dc-config.h"
#include "dvr/dc-dvr.h"

static const char *good =
  "# comment\n"
  "[dvr north]\n"
  "brand=hikvision\n"
  "url=http://127.0.0.1:8080\n"
  "user=admin\n"
  "password=secret\n"
  "max-downloads=2\n"
  "time-mode=utc\n"
  "download-by-time=no\n"
  "\n"
  "[dvr south]\n"
  "brand=Dahua\n"
  "url=https://[::1]:8443/\n"
  "user=ops\n"
  "\n"
  "[dock A01]\n"
  "dvr=north\n"
  "channel=1\n"
  "[dock B02]\n"
  "dvr=south\n"
  "channel=12\n"
  "[ui]\n"
  "theme=dark\n";

static void
test_load_good (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = dc_config_load_from_data (good, -1, &error);
  const DcDvrConfig *north, *south;
  const DcDockMap *dock;
  g_autofree char *host = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (dc_config_get_dvrs (cfg)->len, ==, 2);
  north = dc_config_get_dvr (cfg, "north");
  g_assert_nonnull (north);
  g_assert_cmpint (north->brand, ==, DC_DVR_BRAND_HIKVISION);
  g_assert_cmpstr (north->password, ==, "secret");
  g_assert_cmpuint (north->max_downloads, ==, 2);
  g_assert_cmpint (north->time_mode, ==, DC_DVR_TIME_UTC);
  g_assert_cmpint (north->download_by_time, ==, 0);
  south = dc_config_get_dvr (cfg, "south");
  g_assert_cmpint (south->brand, ==, DC_DVR_BRAND_DAHUA);
  g_assert_null (south->password);
  g_assert_cmpuint (south->max_downloads, ==, 1);
  g_assert_cmpint (south->time_mode, ==, DC_DVR_TIME_AUTO);
  g_assert_cmpint (south->download_by_time, ==, -1);
  host = dc_dvr_config_get_host (south);
  g_assert_cmpstr (host, ==, "::1");
  dock = dc_config_lookup_dock (cfg, "B02");
  g_assert_cmpstr (dock->dvr, ==, "south");
  g_assert_cmpuint (dock->channel, ==, 12);
  g_assert_null (dc_config_lookup_dock (cfg, "C03"));
}

static void
expect_invalid (const char *data, const char *needle1, const char *needle2, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = dc_config_load_from_data (data, -1, &error);

  g_assert_null (cfg);
  g_assert_error (error, DC_CONFIG_ERROR, code);
  if (needle1)
    g_assert_nonnull (strstr (error->message, needle1));
  if (needle2)
    g_assert_nonnull (strstr (error->message, needle2));
}

static void
test_load_invalid (void)
{
  expect_invalid ("[dvr a]\nbrand=axis\nurl=http://x\nuser=u\n", "[dvr a]", "brand", DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=ftp://x\nuser=u\n", "[dvr a]", "url", DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=http://u:p@x\nuser=u\n", "[dvr a]", "url", DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=http://x\n", "[dvr a]", "user", DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=http://x\nuser=u\nmax-downloads=0\n", "[dvr a]", "max-downloads",
                  DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=http://x\nuser=u\nmax-downloads=two\n", NULL, "max-downloads",
                  DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=http://x\nuser=u\ntime-mode=gmt\n", "[dvr a]", "time-mode",
                  DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=http://x\nuser=u\ndownload-by-time=maybe\n", NULL,
                  "download-by-time", DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dock A]\ndvr=nope\nchannel=1\n", "[dock A]", "dvr", DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr a]\nbrand=dahua\nurl=http://x\nuser=u\n[dock A]\ndvr=a\nchannel=0\n", "[dock A]",
                  "channel", DC_CONFIG_ERROR_INVALID);
  expect_invalid ("[dvr ]\nbrand=dahua\n", NULL, NULL, DC_CONFIG_ERROR_INVALID);
  expect_invalid ("this is not a key file\n", NULL, NULL, DC_CONFIG_ERROR_PARSE);
}

static void
test_file_modes (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autofree char *missing = g_build_filename (dir, "nope.conf", NULL);
  g_autoptr(GError) error = NULL;
  DcConfig *cfg;

  g_assert_true (g_file_set_contents_full (path, good, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error));
#ifndef G_OS_WIN32
  g_chmod (path, 0644);
  cfg = dc_config_load (path, &error);
  g_assert_null (cfg);
  g_assert_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INSECURE);
  g_assert_nonnull (strstr (error->message, "chmod 600"));
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
#endif
  g_chmod (path, 0600);
  cfg = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cfg);
  dc_config_free (cfg);

  cfg = dc_config_load (missing, &error);
  g_assert_null (cfg);
  g_assert_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_READ);
  g_clear_error (&error);

  /* Without any password= a world-readable file is fine. */
  g_assert_true (g_file_set_contents_full (path, "[dvr a]\nbrand=dahua\nurl=http://x\nuser=u\n", -1,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error));
  g_chmod (path, 0644);
  cfg = dc_config_load (path, &error);
  g_assert_no_error (error);
  dc_config_free (cfg);
  dc_test_rmdir (dir);
}

static void
test_save_roundtrip (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "saved.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = dc_config_load_from_data (good, -1, &error);
  g_autoptr(DcConfig) again = NULL;
  DcDvrConfig extra = { (char *) "east", DC_DVR_BRAND_DAHUA, (char *) "http://10.0.0.9", (char *) "x",
                        (char *) "p w", 3, DC_DVR_TIME_LOCAL, 1 };
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;
  const DcDvrConfig *e;

  dc_config_set_dvr (cfg, &extra);
  dc_config_set_dock (cfg, "C03", "east", 4);
  dc_config_set_dock (cfg, "A01", "east", 2);   /* replaces */
  g_assert_true (dc_config_remove_dock (cfg, "B02"));
  g_assert_false (dc_config_remove_dock (cfg, "B02"));
  g_assert_true (dc_config_remove_dvr (cfg, "south"));
  g_assert_true (dc_config_save (cfg, path, &error));
  g_assert_no_error (error);

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_UNIX_MODE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_UNIX_MODE))
    g_assert_cmpuint (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 0777, ==, 0600);

  again = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dc_config_get_dvrs (again)->len, ==, 2);
  e = dc_config_get_dvr (again, "east");
  g_assert_cmpstr (e->password, ==, "p w");
  g_assert_cmpuint (e->max_downloads, ==, 3);
  g_assert_cmpint (e->time_mode, ==, DC_DVR_TIME_LOCAL);
  g_assert_cmpint (e->download_by_time, ==, 1);
  g_assert_cmpint (dc_config_get_dvr (again, "north")->download_by_time, ==, 0);
  g_assert_cmpstr (dc_config_lookup_dock (again, "A01")->dvr, ==, "east");
  g_assert_cmpuint (dc_config_lookup_dock (again, "A01")->channel, ==, 2);
  g_assert_null (dc_config_lookup_dock (again, "B02"));
  {
    /* Groups that belong to other parts of the app survive. */
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "[ui]"));
    g_assert_nonnull (strstr (text, "theme=dark"));
  }
  dc_test_rmdir (dir);
}

/* Passwords are read and written by the config code itself (GKeyFile never
 * holds them): the key file's escapes, both ways, and a bad one named
 * without showing the password. */
static void
test_password_escapes (void)
{
  static const char *const secrets[] = { "plain", " leading", "trailing  ", "a\\b", "new\nline",
                                         "tab\tin", "\ttab first", "#hash;semi=eq", "\r\n", "@@x@@",
                                         "ünï 密码", NULL };
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "pw.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = dc_config_new ();
  g_autoptr(DcConfig) again = NULL;

  for (guint i = 0; secrets[i]; i++)
    {
      g_autofree char *name = g_strdup_printf ("d%u", i);
      DcDvrConfig d = { 0 };
      d.name = name;
      d.url = (char *) "http://10.0.0.1";
      d.user = (char *) "u";
      d.password = (char *) secrets[i];
      d.max_downloads = 1;
      d.download_by_time = -1;
      dc_config_set_dvr (cfg, &d);
    }
  g_assert_true (dc_config_save (cfg, path, &error));
  g_assert_no_error (error);
  again = dc_config_load (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; secrets[i]; i++)
    {
      g_autofree char *name = g_strdup_printf ("d%u", i);
      g_assert_cmpstr (dc_config_get_dvr (again, name)->password, ==, secrets[i]);
    }
  {
    /* What GKeyFile itself reads from the file is the same. */
    g_autoptr(GKeyFile) kf = g_key_file_new ();
    g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL));
    for (guint i = 0; secrets[i]; i++)
      {
        g_autofree char *group = g_strdup_printf ("dvr d%u", i);
        g_autofree char *v = g_key_file_get_string (kf, group, "password", NULL);
        g_assert_cmpstr (v, ==, secrets[i]);
      }
  }

  /* Read like GKeyFile: spaces around '=', CRLF, last line wins, only in
   * [dvr ...] groups. */
  {
    g_autoptr(DcConfig) c = dc_config_load_from_data (
      "[ui]\npassword=not-a-dvr\n[dvr a]\r\nbrand=dahua\r\nurl=http://x\r\nuser=u\r\n"
      "  password =  one \r\npassword=\\stwo\\\\ \r\n", -1, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (dc_config_get_dvr (c, "a")->password, ==, " two\\ ");
  }

  /* A bad escape: refused, the group named, the password not shown. */
  g_assert_null (dc_config_load_from_data ("[dvr a]\nbrand=dahua\nurl=http://x\nuser=u\n"
                                           "password=Zq9\\q-secret\n", -1, &error));
  g_assert_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "[dvr a]"));
  g_assert_nonnull (strstr (error->message, "password"));
  g_assert_null (strstr (error->message, "Zq9"));
  g_clear_error (&error);
  /* Nor in the key file's own parse errors (the line is blanked first). */
  g_assert_null (dc_config_load_from_data ("[dvr a]\npassword=Zq9-secret\n[bad\n", -1, &error));
  g_assert_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_PARSE);
  g_assert_null (strstr (error->message, "Zq9"));
  dc_test_rmdir (dir);
}

static void
test_types (void)
{
  DcDvrBrand b;
  DcDvrTimeMode m;
  g_autoptr(GError) busy = g_error_new_literal (DC_DVR_ERROR, DC_DVR_ERROR_BUSY, "x");
  g_autoptr(GError) auth = g_error_new_literal (DC_DVR_ERROR, DC_DVR_ERROR_AUTH, "x");
  g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  DcDvrSegment seg = { 2, 10, 20, 30, (char *) "uri", (char *) "mpeg", TRUE };
  g_autoptr(DcDvrSegment) copy = dc_dvr_segment_copy (&seg);

  g_assert_true (dc_dvr_brand_from_string ("HIKVISION", &b));
  g_assert_cmpint (b, ==, DC_DVR_BRAND_HIKVISION);
  g_assert_false (dc_dvr_brand_from_string ("axis", &b));
  g_assert_cmpstr (dc_dvr_brand_to_string (DC_DVR_BRAND_DAHUA), ==, "dahua");
  g_assert_true (dc_dvr_time_mode_from_string ("utc", &m));
  g_assert_cmpint (m, ==, DC_DVR_TIME_UTC);
  g_assert_cmpstr (dc_dvr_time_mode_to_string (DC_DVR_TIME_LOCAL), ==, "local");
  g_assert_true (dc_dvr_error_is_retryable (busy));
  g_assert_false (dc_dvr_error_is_retryable (auth));
  g_assert_false (dc_dvr_error_is_retryable (io));
  g_assert_false (dc_dvr_error_is_retryable (NULL));
  g_assert_cmpstr (copy->uri, ==, "uri");
  g_assert_true (copy->uri != seg.uri);
  g_assert_true (copy->still_writing);
}

/* The test runs with TZ=CST-8 (UTC+8, no DST) set in main(). */
static void
test_wire_time (void)
{
  DcDvrConfig c = { (char *) "t", DC_DVR_BRAND_HIKVISION, (char *) "http://127.0.0.1:9", (char *) "u",
                    NULL, 1, DC_DVR_TIME_AUTO, -1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DcDvrSession) s = dc_dvr_session_new (&c, NULL, &error);
  /* 2025-11-03 06:00:00 UTC = 14:00:00 at UTC+8 */
  gint64 pc = G_GINT64_CONSTANT (1762149600) * G_USEC_PER_SEC;
  gint64 back = 0;
  char *w;

  g_assert_no_error (error);
  dc_dvr_session_set_clock (s, DC_DVR_TIME_LOCAL, 0);
  w = dc_dvr_session_format_wire_time (s, pc);
  g_assert_cmpstr (w, ==, "2025-11-03 14:00:00");
  g_assert_true (dc_dvr_session_parse_wire_time (s, w, &back));
  g_assert_cmpint (back, ==, pc);
  g_free (w);

  /* Recorder 95 s ahead. */
  dc_dvr_session_set_clock (s, DC_DVR_TIME_LOCAL, 95);
  w = dc_dvr_session_format_wire_time (s, pc + 999999);   /* whole seconds on the wire */
  g_assert_cmpstr (w, ==, "2025-11-03 14:01:35");
  g_assert_true (dc_dvr_session_parse_wire_time (s, "20251103T140135Z", &back));
  g_assert_cmpint (back, ==, pc);
  g_free (w);

  dc_dvr_session_set_clock (s, DC_DVR_TIME_UTC, 0);
  w = dc_dvr_session_format_wire_time (s, pc);
  g_assert_cmpstr (w, ==, "2025-11-03 06:00:00");
  g_free (w);
  dc_dvr_session_set_clock (s, DC_DVR_TIME_UTC, -3600);
  w = dc_dvr_session_format_wire_time (s, pc);
  g_assert_cmpstr (w, ==, "2025-11-03 05:00:00");
  g_assert_true (dc_dvr_session_parse_wire_time (s, "2025-11-03T05:00:00Z", &back));
  g_assert_cmpint (back, ==, pc);
  g_assert_false (dc_dvr_session_parse_wire_time (s, "yesterday", &back));
  g_free (w);
}

static void
test_session_bad_config (void)
{
  DcDvrConfig c = { (char *) "bad", DC_DVR_BRAND_DAHUA, (char *) "ftp://x", (char *) "u", NULL, 1,
                    DC_DVR_TIME_AUTO, -1 };
  g_autoptr(GError) error = NULL;
  DcDvrSession *s = dc_dvr_session_new (&c, NULL, &error);

  g_assert_null (s);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG);
}

int
main (int argc, char **argv)
{
  /* Never the developer's keyring: passwords stay in the test files. */
  g_setenv ("DC_KEYRING", "off", TRUE);
  g_setenv ("TZ", "CST-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dvr/config/load", test_load_good);
  g_test_add_func ("/dvr/config/invalid", test_load_invalid);
  g_test_add_func ("/dvr/config/file-modes", test_file_modes);
  g_test_add_func ("/dvr/config/save", test_save_roundtrip);
  g_test_add_func ("/dvr/config/password-escapes", test_password_escapes);
  g_test_add_func ("/dvr/types", test_types);
  g_test_add_func ("/dvr/wire-time", test_wire_time);
  g_test_add_func ("/dvr/session-bad-config", test_session_bad_config);
  return g_test_run ();
}
