/* kill -9 in the middle of `dockclip-cli download`, then the same command
 * again: what was finished is kept byte for byte, nothing with a final name
 * is incomplete, nothing is reported done that is not, no .part is left at
 * the end, and every waybill is done. */
#define G_LOG_DOMAIN "test-reliability"

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dc-test-util.h"
#include "rel-common.h"

#define N_PER_DVR 8
#define PRE_S 3
#define POST_S 3

typedef struct
{
  char   waybill[32];
  guint  channel;
  gint64 scan_us;
} Scan;

static GSubprocess *
spawn_cli (const char *config_path, const char *esheet, const char *out, const char *logs,
           gboolean json, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) DC_CLI_PATH);
  g_ptr_array_add (argv, (gpointer) "download");
  g_ptr_array_add (argv, (gpointer) "--config");
  g_ptr_array_add (argv, (gpointer) config_path);
  g_ptr_array_add (argv, (gpointer) "--esheet");
  g_ptr_array_add (argv, (gpointer) esheet);
  g_ptr_array_add (argv, (gpointer) "--out");
  g_ptr_array_add (argv, (gpointer) out);
  g_ptr_array_add (argv, (gpointer) "--log-dir");
  g_ptr_array_add (argv, (gpointer) logs);
  g_ptr_array_add (argv, (gpointer) "--mode");
  g_ptr_array_add (argv, (gpointer) "both");
  g_ptr_array_add (argv, (gpointer) "--pre");
  g_ptr_array_add (argv, (gpointer) G_STRINGIFY (PRE_S));
  g_ptr_array_add (argv, (gpointer) "--post");
  g_ptr_array_add (argv, (gpointer) G_STRINGIFY (POST_S));
  if (json)
    g_ptr_array_add (argv, (gpointer) "--json");
  g_ptr_array_add (argv, NULL);
  return g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
}

static char *
checksum_of (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static guint
count_final_files (const char *out)
{
  g_autoptr(GPtrArray) jpgs = rel_find_files (out, ".jpg");
  g_autoptr(GPtrArray) mp4s = rel_find_files (out, ".mp4");
  return jpgs->len + mp4s->len;
}

static const Scan *
scan_for_file (const Scan *scans, guint n, const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot)
    *dot = '\0';
  for (guint i = 0; i < n; i++)
    if (g_str_equal (scans[i].waybill, base))
      return &scans[i];
  return NULL;
}

/* Every file with a final name must be complete and right. */
static void
assert_final_files_correct (const char *out, const Scan *scans, guint n)
{
  g_autoptr(GPtrArray) jpgs = rel_find_files (out, ".jpg");
  g_autoptr(GPtrArray) mp4s = rel_find_files (out, ".mp4");

  for (guint i = 0; i < jpgs->len; i++)
    {
      const char *path = g_ptr_array_index (jpgs, i);
      const Scan *s = scan_for_file (scans, n, path);
      g_autofree char *why = NULL;

      g_assert_nonnull (s);
      if (!rel_picture_is_correct (path, s->channel, s->scan_us, &why))
        g_error ("%s", why);
    }
  for (guint i = 0; i < mp4s->len; i++)
    {
      const char *path = g_ptr_array_index (mp4s, i);
      g_autofree char *why = NULL;

      g_assert_nonnull (scan_for_file (scans, n, path));
      if (!rel_clip_is_correct (path, PRE_S * G_USEC_PER_SEC, POST_S * G_USEC_PER_SEC, &why))
        g_error ("%s", why);
    }
}

static void
test_kill9_and_rerun (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *logs = g_build_filename (dir, "logs", NULL);
  g_autofree char *esheet = g_build_filename (dir, "dock-scans.csv", NULL);
  g_autofree char *config_path = NULL;
  g_autoptr(GPtrArray) sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(GString) csv = g_string_new ("waybill,dock,time\n");
  g_autoptr(DcConfig) cfg = NULL;
  g_autoptr(GSubprocess) first = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) parts_at_kill = NULL;
  g_autoptr(GPtrArray) parts_at_end = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *by_time[] = { "--download-by-time", "yes", "--channels", "4", NULL };
  Scan scans[2 * N_PER_DVR];
  guint n_at_kill = 0;
  gint64 deadline;
  JsonArray *jobs;
  guint n_skipped = 0;

  /* One recorder of each brand, one transfer at a time each, so that the
   * run takes a while and the kill lands with jobs still to do. */
  rel_add_sim (config, sims, "north", "hikvision", 1, by_time);
  rel_add_sim (config, sims, "south", "dahua", 1, by_time);
  rel_add_dock (config, "A01", "north", 1);
  rel_add_dock (config, "B01", "south", 2);
  cfg = rel_load_config (dir, config, &config_path);

  for (guint i = 0; i < G_N_ELEMENTS (scans); i++)
    {
      gboolean north = i % 2 == 0;
      g_autofree char *when = NULL;

      g_snprintf (scans[i].waybill, sizeof scans[i].waybill, "KL%08u", 1000 + i);
      scans[i].channel = north ? 1 : 2;
      /* a few minutes apart: one or two recorded segments to make, not ten */
      scans[i].scan_us = rel_scan_time (20 + (int) i / 3, 7 + 3 * (int) i);
      when = rel_format_local (scans[i].scan_us);
      g_string_append_printf (csv, "%s,%s,%s\n", scans[i].waybill, north ? "A01" : "B01", when);
    }
  g_assert_true (g_file_set_contents (esheet, csv->str, -1, &error));

  first = spawn_cli (config_path, esheet, out, logs, FALSE, &error);
  g_assert_no_error (error);

  /* Wait until some files are finished and others are not. */
  deadline = g_get_monotonic_time () + 40 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GPtrArray) parts = rel_find_files (out, ".part");
      n_at_kill = count_final_files (out);
      if (n_at_kill >= 4 && parts->len > 0)
        break;
      g_usleep (20 * 1000);
    }
  g_assert_cmpuint (n_at_kill, >=, 4);
  g_subprocess_force_exit (first);
  g_subprocess_wait (first, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (first));

  n_at_kill = count_final_files (out);
  g_test_message ("killed with %u of %u files in place", n_at_kill,
                  (guint) (2 * G_N_ELEMENTS (scans)));
  g_assert_cmpuint (n_at_kill, <, 2 * G_N_ELEMENTS (scans));
  parts_at_kill = rel_find_files (out, ".part");
  g_test_message ("%u .part file(s) left by the kill", parts_at_kill->len);
  assert_final_files_correct (out, scans, G_N_ELEMENTS (scans));
  {
    g_autoptr(GPtrArray) jpgs = rel_find_files (out, ".jpg");
    g_autoptr(GPtrArray) mp4s = rel_find_files (out, ".mp4");
    g_ptr_array_extend_and_steal (jpgs, g_steal_pointer (&mp4s));
    for (guint i = 0; i < jpgs->len; i++)
      g_hash_table_insert (before, g_strdup (g_ptr_array_index (jpgs, i)),
                           checksum_of (g_ptr_array_index (jpgs, i)));
  }

  /* The same command again. */
  second = spawn_cli (config_path, esheet, out, logs, TRUE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (second) || g_subprocess_get_exit_status (second) != 0)
    g_error ("second run failed:\n%s\n%s", stdout_text, stderr_text);

  /* Finished files kept, byte for byte. */
  {
    GHashTableIter iter;
    gpointer path, sum;
    g_hash_table_iter_init (&iter, before);
    while (g_hash_table_iter_next (&iter, &path, &sum))
      {
        g_autofree char *now = checksum_of (path);
        g_assert_cmpstr (now, ==, sum);
      }
  }

  /* What the run reports as done is there and right; everything is done. */
  g_assert_true (json_parser_load_from_data (parser, stdout_text, -1, &error));
  g_assert_no_error (error);
  jobs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "jobs");
  g_assert_cmpuint (json_array_get_length (jobs), ==, G_N_ELEMENTS (scans));
  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);
      const char *picture = json_object_get_string_member (job, "picture");
      const char *clip = json_object_get_string_member (job, "clip");
      g_autofree char *pic_sum = NULL;
      g_autofree char *clip_sum = NULL;

      g_assert_cmpstr (json_object_get_string_member (job, "state"), ==, "done");
      g_assert_nonnull (picture);
      g_assert_nonnull (clip);
      g_assert_true (g_file_test (picture, G_FILE_TEST_IS_REGULAR));
      g_assert_true (g_file_test (clip, G_FILE_TEST_IS_REGULAR));
      /* A job is "skipped" only when both its files were already there. */
      if (json_object_get_boolean_member (job, "skipped"))
        {
          n_skipped++;
          g_assert_true (g_hash_table_contains (before, picture));
          g_assert_true (g_hash_table_contains (before, clip));
        }
    }
  g_test_message ("second run: %u of %u jobs skipped as already complete", n_skipped,
                  (guint) G_N_ELEMENTS (scans));
  assert_final_files_correct (out, scans, G_N_ELEMENTS (scans));
  g_assert_cmpuint (count_final_files (out), ==, 2 * G_N_ELEMENTS (scans));

  /* No .part left behind once the run has finished. */
  parts_at_end = rel_find_files (out, ".part");
  for (guint i = 0; i < parts_at_end->len; i++)
    g_test_message ("left over: %s", (const char *) g_ptr_array_index (parts_at_end, i));
  g_assert_cmpuint (parts_at_end->len, ==, 0);

  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reliability/kill9-and-rerun", test_kill9_and_rerun);
  return g_test_run ();
}
