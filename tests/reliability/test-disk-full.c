/* A full disk under the output folder (a small tmpfs): the job fails with
 * a clear error that names the file and says the disk is full, no file is
 * left with its final name, no .part is left behind, and the same job
 * succeeds once there is room again. */
#define G_LOG_DOMAIN "test-reliability"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "rel-common.h"

typedef struct
{
  char      *dir;
  char      *mnt;
  gboolean   mounted;
  GPtrArray *sims;
  GString   *config;
} Fixture;

static gboolean
run_tool (const char *const *argv, char **err_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error))
    {
      *err_out = g_strdup (error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      *err_out = g_strdup (err);
      return FALSE;
    }
  return TRUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const char *size = data;
  g_autofree char *opts = g_strdup_printf ("size=%s,mode=0700", size);
  g_autofree char *why = NULL;

  f->dir = dc_test_mkdtemp ();
  f->mnt = g_build_filename (f->dir, "disk", NULL);
  g_assert_cmpint (g_mkdir (f->mnt, 0700), ==, 0);
  {
    const char *argv[] = { "mount", "-t", "tmpfs", "-o", opts, "dockclip-test", f->mnt, NULL };
    f->mounted = run_tool (argv, &why);
  }
  if (!f->mounted)
    g_test_message ("mount -t tmpfs failed: %s", why ? g_strstrip (why) : "");
  f->sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  f->config = g_string_new (NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->mounted)
    {
      const char *argv[] = { "umount", f->mnt, NULL };
      g_autofree char *why = NULL;
      if (!run_tool (argv, &why))
        g_test_message ("umount %s failed: %s", f->mnt, why);
    }
  g_ptr_array_unref (f->sims);
  g_string_free (f->config, TRUE);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->mnt);
}

static gboolean
skip_unless_mounted (Fixture *f)
{
  if (f->mounted)
    return FALSE;
  g_test_skip ("Cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): "
               "the disk-full behaviour is not tested in this environment.");
  return TRUE;
}

/* Fills the file system of @dir up to @leave bytes free. */
static void
fill_disk (const char *dir, guint64 leave)
{
  g_autofree char *filler = g_build_filename (dir, "filler.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GFileInfo) info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
  guint64 free_bytes;
  g_autofree char *zeros = NULL;

  g_assert_nonnull (info);
  free_bytes = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  g_assert_cmpuint (free_bytes, >, leave);
  zeros = g_malloc0 (free_bytes - leave);
  g_assert_true (g_file_set_contents (filler, zeros, (gssize) (free_bytes - leave), NULL));
}

static void
free_disk (const char *dir)
{
  g_autofree char *filler = g_build_filename (dir, "filler.bin", NULL);
  g_remove (filler);
}

static const DcDownloadEvent *
run_one (Fixture *f, DcConfig *cfg, const char *out, DcOutputMode mode, gint64 scan_us)
{
  static RelEvents ev;
  DcDownloaderOptions options;
  g_autofree char *logs = g_build_filename (f->dir, "logs", NULL);
  g_autoptr(DcDownloader) d = NULL;
  g_autoptr(DcDownloadRequest) req = dc_download_request_new ("SF4242", "A01", "north", 1, scan_us);
  g_autoptr(GError) error = NULL;
  guint id;

  if (ev.final != NULL)
    rel_events_clear (&ev);
  rel_events_init (&ev);
  dc_downloader_options_init (&options);
  options.out_dir = (char *) out;
  options.log_dir = logs;
  options.retry_base_us = 100 * 1000;
  options.retry_max_us = 200 * 1000;
  options.max_attempts = 3;
  options.stall_timeout_s = 3;
  d = dc_downloader_new (cfg, &options);
  req->mode = mode;
  req->pre_us = req->post_us = 5 * G_USEC_PER_SEC;
  g_free (req->batch);
  req->batch = g_strdup ("sheet");
  id = dc_downloader_add (d, req, &error);
  g_assert_no_error (error);
  rel_drain (d, &ev, 45, NULL);
  g_assert_true (ev.idle);
  return g_hash_table_lookup (ev.final, GUINT_TO_POINTER (id));
}

static void
assert_clean_failure (const DcDownloadEvent *e, const char *out, const char *final_name)
{
  g_autoptr(GPtrArray) parts = rel_find_files (out, ".part");
  g_autoptr(GPtrArray) finals = rel_find_files (out, final_name);

  g_assert_nonnull (e);
  g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
  g_test_message ("disk full: %s", e->message);
  g_assert_nonnull (e->message);
  g_assert_true (strstr (e->message, "space") != NULL || strstr (e->message, "full") != NULL);
  g_test_message ("attempts: %d", e->attempt);
  g_assert_cmpuint (finals->len, ==, 0);
  g_assert_cmpuint (parts->len, ==, 0);
  /* The operator must be told which waybill's file could not be written
   * (and so that the recorder is not at fault). */
  g_assert_nonnull (strstr (e->message, "SF4242"));
}

static void
test_disk_full_clip (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--download-by-time", "no", NULL };
  g_autoptr(DcConfig) cfg = NULL;
  g_autofree char *out = NULL;
  const DcDownloadEvent *e;
  gint64 scan = rel_scan_time (30, 20);
  g_autofree char *why = NULL;

  if (skip_unless_mounted (f))
    return;
  out = g_build_filename (f->mnt, "out", NULL);
  /* A whole-file recorder: the clip needs its 12 MB segment on disk first. */
  rel_add_sim (f->config, f->sims, "north", "hikvision", 1, args);
  rel_add_dock (f->config, "A01", "north", 1);
  cfg = rel_load_config (f->dir, f->config, NULL);

  e = run_one (f, cfg, out, DC_OUTPUT_CLIP, scan);
  assert_clean_failure (e, out, ".mp4");
}

static void
test_disk_full_picture (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--download-by-time", "yes", NULL };
  g_autoptr(DcConfig) cfg = NULL;
  g_autofree char *out = NULL;
  g_autofree char *why = NULL;
  const DcDownloadEvent *e;
  gint64 scan = rel_scan_time (30, 20);

  if (skip_unless_mounted (f))
    return;
  out = g_build_filename (f->mnt, "out", NULL);
  rel_add_sim (f->config, f->sims, "north", "hikvision", 1, args);
  rel_add_dock (f->config, "A01", "north", 1);
  cfg = rel_load_config (f->dir, f->config, NULL);

  /* Room for the folder, not for the picture. */
  fill_disk (f->mnt, 8 * 1024);
  e = run_one (f, cfg, out, DC_OUTPUT_PICTURE, scan);
  assert_clean_failure (e, out, ".jpg");

  /* Room again: the same job now succeeds, and the picture is right. */
  free_disk (f->mnt);
  e = run_one (f, cfg, out, DC_OUTPUT_PICTURE, scan);
  g_assert_nonnull (e);
  g_assert_cmpint (e->state, ==, DC_JOB_DONE);
  if (!rel_picture_is_correct (e->picture_path, 1, scan, &why))
    g_error ("%s", why);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/reliability/disk-full/clip", Fixture, "1m", fixture_setup, test_disk_full_clip,
              fixture_teardown);
  g_test_add ("/reliability/disk-full/picture", Fixture, "1m", fixture_setup,
              test_disk_full_picture, fixture_teardown);
  return g_test_run ();
}
