/* Private evidence and the no-keyring fallback:
 * - a real download (simulator, both a picture and a clip) leaves 0600
 *   files in 0700 folders, and a 0600 per-recorder log, whatever the umask;
 * - without a session bus the keyring is off at once and passwords stay
 *   in the 0600 config file;
 * - no core dumps once dc_secrets_protect_process() ran. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-test-sim.h"
#include "dc-test-util.h"
#include "download/dc-downloader.h"
#include "dvr/dc-config.h"
#include "util/dc-keyring.h"

static guint32
mode_of (const char *path)
{
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

typedef struct
{
  GMainLoop  *loop;
  GHashTable *final;   /* job id -> DcDownloadEvent* */
  gboolean    idle;
} Run;

static void
on_event (DcDownloader *d G_GNUC_UNUSED, const DcDownloadEvent *event, gpointer data)
{
  Run *run = data;

  if (event->kind == DC_EVENT_JOB && dc_job_state_is_final (event->state))
    g_hash_table_replace (run->final, GUINT_TO_POINTER (event->job_id), dc_download_event_copy (event));
  else if (event->kind == DC_EVENT_IDLE)
    {
      run->idle = TRUE;
      g_main_loop_quit (run->loop);
    }
}

static gboolean
on_timeout (gpointer data)
{
  g_main_loop_quit (((Run *) data)->loop);
  return G_SOURCE_REMOVE;
}

static void
test_download_modes (void)
{
  const char *args[] = { "--download-by-time", "yes", "--fps", "10", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(DcTestSim) sim = NULL;
  g_autofree char *dir = NULL, *out = NULL, *logs = NULL, *conf = NULL, *text = NULL;
  g_autofree char *batch_dir = NULL, *log_file = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcDownloader) d = NULL;
  g_autoptr(DcDownloadRequest) req = NULL;
  DcDownloaderOptions options;
  Run run = { 0 };
  const DcDownloadEvent *e;
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  guint id, timeout;
  mode_t old_umask;

  if (g_getenv ("DC_DVR_SIM") == NULL)
    g_error ("DC_DVR_SIM is not set (run the tests with meson test)");
  /* The most permissive umask an operator could have: the modes must not
   * come from it. */
  old_umask = umask (0);
  dir = dc_test_mkdtemp ();
  out = g_build_filename (dir, "out", NULL);
  logs = g_build_filename (dir, "logs", NULL);
  conf = g_build_filename (dir, "dockclip.conf", NULL);
  sim = dc_test_sim_start ("hikvision", args, &error);
  g_assert_no_error (error);
  text = g_strdup_printf ("[dvr north]\nbrand=hikvision\nurl=%s\nuser=admin\npassword=secret\n"
                          "[dock A01]\ndvr=north\nchannel=1\n", dc_test_sim_get_url (sim));
  g_assert_true (g_file_set_contents_full (conf, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
  config = dc_config_load (conf, &error);
  g_assert_no_error (error);

  dc_downloader_options_init (&options);
  options.out_dir = out;
  options.log_dir = logs;
  options.stall_timeout_s = 2;
  d = dc_downloader_new (config, &options);
  run.loop = g_main_loop_new (NULL, FALSE);
  run.final = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) dc_download_event_free);
  dc_downloader_attach (d, NULL, on_event, &run);
  req = dc_download_request_new ("SF-PRIVATE-1", "A01", "north", 1,
                                 (now_s - now_s % 60 - 20 * 60 + 7) * G_USEC_PER_SEC);
  req->mode = DC_OUTPUT_BOTH;
  req->pre_us = 2 * G_USEC_PER_SEC;
  req->post_us = 2 * G_USEC_PER_SEC;
  g_free (req->batch);
  req->batch = g_strdup ("sheet-private");
  id = dc_downloader_add (d, req, &error);
  g_assert_no_error (error);
  timeout = g_timeout_add_seconds (60, on_timeout, &run);
  g_main_loop_run (run.loop);
  g_assert_true (run.idle);
  g_source_remove (timeout);

  e = g_hash_table_lookup (run.final, GUINT_TO_POINTER (id));
  g_assert_nonnull (e);
  if (e->state != DC_JOB_DONE)
    g_test_message ("job: %s", e->message);
  g_assert_cmpint (e->state, ==, DC_JOB_DONE);
  g_assert_cmpuint (mode_of (e->picture_path), ==, DC_FILE_MODE);
  g_assert_cmpuint (mode_of (e->clip_path), ==, DC_FILE_MODE);
  batch_dir = g_path_get_dirname (e->picture_path);
  g_assert_cmpuint (mode_of (batch_dir), ==, DC_DIR_MODE);
  g_assert_cmpuint (mode_of (out), ==, DC_DIR_MODE);
  g_assert_cmpuint (mode_of (logs), ==, DC_DIR_MODE);
  {
    /* One log per recorder (named by its address): 0600, with the requests
     * and never the password. */
    g_autoptr(GDir) ld = g_dir_open (logs, 0, &error);
    const char *name;
    guint n = 0;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (ld)) != NULL)
      {
        g_autofree char *log_text = NULL;
        g_free (log_file);
        log_file = g_build_filename (logs, name, NULL);
        g_assert_true (g_str_has_prefix (name, "127.0.0.1"));
        g_assert_cmpuint (mode_of (log_file), ==, DC_FILE_MODE);
        g_assert_true (g_file_get_contents (log_file, &log_text, NULL, NULL));
        g_assert_nonnull (strstr (log_text, "ISAPI"));
        g_assert_null (strstr (log_text, "secret"));
        g_assert_null (strstr (log_text, "Authorization"));
        n++;
      }
    g_assert_cmpuint (n, ==, 1);
  }

  g_clear_pointer (&d, dc_downloader_free);
  g_hash_table_unref (run.final);
  g_main_loop_unref (run.loop);
  umask (old_umask);
  dc_test_rmdir (dir);
}

static void
test_private_file_prepare (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "clip.mp4.part", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len = 7;

  /* Over an older, readable file: a new private one, emptied. */
  g_assert_true (g_file_set_contents_full (path, "old one", -1, G_FILE_SET_CONTENTS_NONE, 0644, &error));
  g_chmod (path, 0644);
  g_assert_true (dc_private_file_prepare (path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (path), ==, DC_FILE_MODE);
  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  g_assert_cmpuint (len, ==, 0);

  g_assert_false (dc_private_file_prepare ("/nonexistent-dir/x.part", &error));
  g_assert_nonnull (error);
  dc_test_rmdir (dir);
}

static void
test_no_bus_fallback (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = NULL;
  g_autoptr(DcConfig) again = NULL;
  g_autofree char *text = NULL;
  gint64 t0 = g_get_monotonic_time ();
  char *pw;

  /* main() removed the bus address and pointed XDG_RUNTIME_DIR at an
   * empty folder: no keyring, decided without waiting. */
  g_assert_false (dc_keyring_is_available ());
  pw = dc_keyring_lookup_dvr_password ("http://x", "u", &error);
  g_assert_null (pw);
  g_assert_error (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (dc_keyring_store_dvr_password ("http://x", "u", "x", "p", &error));
  g_assert_error (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  cfg = dc_config_load_from_data ("[dvr a]\nbrand=dahua\nurl=http://10.0.0.2\nuser=u\npassword=\\sp w\n",
                                  -1, &error);
  g_assert_no_error (error);
  g_assert_true (dc_config_save (cfg, path, &error));
  g_assert_cmpuint (mode_of (path), ==, 0600);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "password=\\sp w\n"));
  again = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dc_config_get_dvr (again, "a")->password, ==, " p w");
  g_assert_cmpint ((g_get_monotonic_time () - t0) / 1000, <, 500);
  dc_test_rmdir (dir);
}

static void
test_protect_process (void)
{
#ifdef __linux__
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);
  dc_secrets_protect_process ();
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
#else
  dc_secrets_protect_process ();
  g_test_skip ("core dumps are only switched off on Linux");
#endif
}

int
main (int argc, char **argv)
{
  /* Before anything caches them: no session bus reachable. */
  g_autofree char *runtime = g_dir_make_tmp ("dc-security-run-XXXXXX", NULL);
  int status;

  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DC_KEYRING");
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/security/files/download-modes", test_download_modes);
  g_test_add_func ("/security/files/private-file-prepare", test_private_file_prepare);
  g_test_add_func ("/security/keyring/no-bus-fallback", test_no_bus_fallback);
  /* Last: it changes the process for good. */
  g_test_add_func ("/security/protect-process", test_protect_process);
  status = g_test_run ();
  g_rmdir (runtime);
  return status;
}
