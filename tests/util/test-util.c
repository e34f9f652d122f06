/* Unit tests of src/core/util: names that are safe on every file system,
 * files never seen half-written, logs that never hold a password. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "util/dc-byte-source.h"
#include "util/dc-file-util.h"
#include "util/dc-log.h"
#include "util/dc-text.h"

static void
test_sanitize (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "SF1234567890", "SF1234567890" },
    { "../etc/passwd", "_._etc_passwd" },
    { "..", "_" },
    { "a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j" },
    { "tab\there\nnl", "tab_here_nl" },
    { "", "_" },
    { "trailing. ", "trailing" },
    { "CON", "_CON" },
    { "月台A01", "月台A01" },
    { ".hidden", "_hidden" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = dc_sanitize_file_name (cases[i].in);
      g_assert_cmpstr (got, ==, cases[i].out);
      g_assert_null (strchr (got, '/'));
      g_assert_null (strchr (got, '\\'));
    }
  {
    /* invalid UTF-8 and very long names stay valid and bounded */
    g_autofree char *long_name = g_strnfill (500, 'x');
    g_autofree char *a = dc_sanitize_file_name ("\xff\xfe" "abc");
    g_autofree char *b = dc_sanitize_file_name (long_name);
    g_assert_true (g_utf8_validate (a, -1, NULL));
    g_assert_cmpuint (strlen (b), <=, 120);
  }
}

static void
test_commit_part (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *final = g_build_filename (dir, "SF1.jpg", NULL);
  g_autofree char *part = dc_part_path_for (final);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_suffix (part, ".jpg.part"));
  /* an empty part is never committed */
  g_assert_true (g_file_set_contents (part, "", 0, NULL));
  g_assert_false (dc_commit_part_file (part, final, -1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_clear_error (&error);
  g_assert_false (g_file_test (final, G_FILE_TEST_EXISTS));
  /* nor one of the wrong size */
  g_assert_true (g_file_set_contents (part, "12345", 5, NULL));
  g_assert_false (dc_commit_part_file (part, final, 6, &error));
  g_clear_error (&error);
  g_assert_false (g_file_test (final, G_FILE_TEST_EXISTS));
  g_assert_true (dc_commit_part_file (part, final, 5, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (final, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));

  /* stale parts of a killed run are cleaned, complete files kept */
  g_assert_true (g_file_set_contents (part, "x", 1, NULL));
  g_assert_cmpuint (dc_remove_stale_part_files (dir), ==, 1);
  g_assert_true (g_file_test (final, G_FILE_TEST_EXISTS));
  dc_test_rmdir (dir);
}

static void
test_log_redacts (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DcLog) log = dc_log_open (dir, "192.168.1.64", &error);
  g_autofree char *text = NULL;
  g_autofree char *r = dc_log_redact ("GET /a?user=admin&password=hunter2&x=1");
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpstr (r, ==, "GET /a?user=admin&password=***&x=1");
  g_assert_true (g_str_has_suffix (dc_log_get_path (log), "192.168.1.64.log"));
  dc_log_printf (log, "Authorization: Digest username=\"admin\", response=\"abc\"");
  dc_log_printf (log, "config password=hunter2");
  g_assert_true (g_file_get_contents (dc_log_get_path (log), &text, NULL, NULL));
  g_assert_null (strstr (text, "hunter2"));
  g_assert_null (strstr (text, "response=\"abc\""));
  g_assert_nonnull (strstr (text, "Authorization:***"));
#ifdef G_OS_UNIX
  g_assert_cmpint (g_stat (dc_log_get_path (log), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
#endif
  g_clear_pointer (&log, dc_log_unref);
  dc_test_rmdir (dir);
}

static void
test_escape_controls (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "DS-7616NI-K2", "DS-7616NI-K2" },
    { "月台A01", "月台A01" },
    { "a\nb\rc\td", "a\\nb\\rc\\td" },
    { "\x1b[2J\x1b]0;owned\x07", "\\e[2J\\e]0;owned\\x07" },
    { "del\x7f", "del\\x7F" },
    { "c1\xc2\x9b" "31m", "c1\\x9B" "31m" },       /* U+009B: the one-byte CSI */
    { "evil\xe2\x80\xae" "gpj.exe", "evil\\u202E" "gpj.exe" },
    { "gbk\xd4\xc2", "gbk\\xD4\\xC2" },           /* not UTF-8 */
    { "back\\slash", "back\\slash" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = dc_text_escape_controls (cases[i].in, -1, 0);

      g_assert_cmpstr (got, ==, cases[i].out);
      g_assert_true (g_utf8_validate (got, -1, NULL));
      g_assert_cmpint (dc_text_has_controls (cases[i].in, -1), ==, strcmp (cases[i].in, got) != 0);
    }
  {
    /* an embedded NUL counts when the length is given; a cut is marked */
    g_autofree char *nul = dc_text_escape_controls ("a\0b", 3, 0);
    g_autofree char *cut = dc_text_escape_controls ("abcdef", -1, 3);
    g_autofree char *none = dc_text_escape_controls (NULL, -1, 0);

    g_assert_cmpstr (nul, ==, "a\\x00b");
    g_assert_cmpstr (cut, ==, "abc…");
    g_assert_cmpstr (none, ==, "");
  }
}

/* A recorder's string with a newline or an ESC sequence cannot forge a
 * line of the log or repaint the terminal that shows it. */
static void
test_log_one_line (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DcLog) log = dc_log_open (dir, "10.0.0.9", &error);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_no_error (error);
  dc_log_printf (log, "model %s", "NVR\n2026-01-01 00:00:00.000 GET /fake -> 200\r\x1b[2Jx");
  dc_log_printf (log, "second");
  g_assert_true (g_file_get_contents (dc_log_get_path (log), &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);   /* two lines and the empty tail */
  g_assert_null (strchr (text, '\r'));
  g_assert_null (strchr (text, 0x1b));
  g_assert_nonnull (strstr (lines[0], "model NVR\\n2026-01-01 00:00:00.000 GET /fake -> 200\\r\\e[2Jx"));
  g_assert_true (g_str_has_suffix (lines[1], " second"));
  /* and a password stays masked when it sits next to an escape */
  dc_log_printf (log, "GET /x?password=hunter2\nAuthorization: Digest response=\"abc\"");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (dc_log_get_path (log), &text, NULL, NULL));
  g_assert_null (strstr (text, "hunter2"));
  g_assert_null (strstr (text, "abc"));
  g_clear_pointer (&log, dc_log_unref);
  dc_test_rmdir (dir);
}

static void
test_log_names (void)
{
  static const struct { const char *url, *name; } cases[] = {
    { "http://192.168.1.64", "192.168.1.64" },
    { "http://192.168.1.64:80/", "192.168.1.64" },
    { "https://10.0.0.5:443", "10.0.0.5" },
    { "http://127.0.0.1:8081", "127.0.0.1_8081" },
    { "http://[::1]:8080", "::1_8080" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = dc_log_name_for_url (cases[i].url);
      g_assert_cmpstr (name, ==, cases[i].name);
    }
}

static void
test_byte_sources (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("0123456789", 10);
  g_autoptr(DcByteSource) src = dc_byte_source_new_for_bytes (bytes);
  guint8 buf[4];
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (src->size, ==, 10);
  g_assert_cmpint (dc_byte_source_read (src, buf, 4, &error), ==, 4);
  g_assert_cmpmem (buf, 4, "0123", 4);
  g_assert_true (dc_byte_source_can_seek (src));
  g_assert_true (dc_byte_source_seek (src, 8, &error));
  g_assert_cmpint (dc_byte_source_read (src, buf, 4, &error), ==, 2);
  g_assert_cmpint (dc_byte_source_read (src, buf, 4, &error), ==, 0);
  g_assert_false (dc_byte_source_seek (src, 11, &error));
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/util/sanitize-file-name", test_sanitize);
  g_test_add_func ("/util/commit-part", test_commit_part);
  g_test_add_func ("/util/log-redacts", test_log_redacts);
  g_test_add_func ("/util/byte-sources", test_byte_sources);
  g_test_add_func ("/util/log-names", test_log_names);
  g_test_add_func ("/util/escape-controls", test_escape_controls);
  g_test_add_func ("/util/log-one-line", test_log_one_line);
  return g_test_run ();
}
