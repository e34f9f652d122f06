/* rel-common.c: see rel-common.h. */
#define G_LOG_DOMAIN "test-reliability"

#include "config.h"

#include <gio/gio.h>

#include "rel-common.h"
#include "dc-test-timecode.h"
#include "media/dc-media.h"

DcTestSim *
rel_add_sim (GString *config, GPtrArray *sims, const char *name, const char *brand,
             guint max_downloads, const char *const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  DcTestSim *sim;

  g_ptr_array_add (all, (gpointer) "--fps");
  g_ptr_array_add (all, (gpointer) "10");
  g_ptr_array_add (all, (gpointer) "--max-downloads");
  g_ptr_array_add (all, g_strdup_printf ("%u", max_downloads));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (all, (gpointer) args[i]);
  g_ptr_array_add (all, NULL);
  sim = dc_test_sim_start (brand, (const char *const *) all->pdata, &error);
  g_free (all->pdata[3]);
  g_assert_no_error (error);
  g_assert_nonnull (sim);
  g_ptr_array_add (sims, sim);
  g_string_append_printf (config,
                          "[dvr %s]\nbrand=%s\nurl=%s\nuser=admin\npassword=secret\n"
                          "max-downloads=%u\ntime-mode=auto\n\n",
                          name, brand, dc_test_sim_get_url (sim), max_downloads);
  return sim;
}

void
rel_add_dock (GString *config, const char *dock, const char *dvr, guint channel)
{
  g_string_append_printf (config, "[dock %s]\ndvr=%s\nchannel=%u\n\n", dock, dvr, channel);
}

DcConfig *
rel_load_config (const char *dir, GString *config, char **path_out)
{
  g_autofree char *path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autoptr(GError) error = NULL;
  DcConfig *cfg;

  g_assert_true (g_file_set_contents_full (path, config->str, -1,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
  cfg = dc_config_load (path, &error);
  g_assert_no_error (error);
  if (path_out)
    *path_out = g_steal_pointer (&path);
  return cfg;
}

gint64
rel_scan_time (int minutes_ago, int second)
{
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  gint64 base = now_s - now_s % 60 - (gint64) minutes_ago * 60;
  return (base + second) * G_USEC_PER_SEC;
}

char *
rel_format_local (gint64 pc_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (pc_us / G_USEC_PER_SEC);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
}

gint64
rel_expected_wall_frames (gint64 pc_us)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (pc_us / G_USEC_PER_SEC);
  gint64 wall = g_date_time_to_unix (local) + g_date_time_get_utc_offset (local) / G_USEC_PER_SEC;
  return wall * REL_FPS + (pc_us % G_USEC_PER_SEC) * REL_FPS / G_USEC_PER_SEC;
}

gboolean
rel_picture_is_correct (const char *path, guint channel, gint64 scan_us, char **why)
{
  g_autoptr(GError) error = NULL;
  guint got_channel = 0;
  gint64 frames = 0;
  int fps = 0;

  if (!dc_test_timecode_read_jpeg_file (path, &got_channel, &frames, &fps, &error))
    {
      *why = g_strdup_printf ("%s: no time code (%s)", path, error ? error->message : "unreadable");
      return FALSE;
    }
  if (got_channel != channel || fps != REL_FPS || frames != rel_expected_wall_frames (scan_us))
    {
      *why = g_strdup_printf ("%s: channel %u frame %" G_GINT64_FORMAT ", expected channel %u frame %"
                              G_GINT64_FORMAT, path, got_channel, frames, channel,
                              rel_expected_wall_frames (scan_us));
      return FALSE;
    }
  return TRUE;
}

gboolean
rel_clip_is_correct (const char *path, gint64 pre_us, gint64 post_us, char **why)
{
  g_autoptr(GError) error = NULL;
  gint64 duration = 0;
  guint n_frames = 0;
  int w = 0, h = 0;
  gint64 want = pre_us + post_us;

  if (!dc_media_probe_file (path, &duration, &n_frames, &w, &h, &error))
    {
      *why = g_strdup_printf ("%s: not a readable clip (%s)", path, error->message);
      return FALSE;
    }
  if (duration < want - 200000 || duration > want + G_USEC_PER_SEC + 200000 ||
      n_frames < (guint) (want * REL_FPS / G_USEC_PER_SEC))
    {
      *why = g_strdup_printf ("%s: %.2f s, %u frames, expected %.2f s", path,
                              duration / 1e6, n_frames, want / 1e6);
      return FALSE;
    }
  return TRUE;
}

DcDownloadEvent *
rel_event_copy (const DcDownloadEvent *event)
{
  DcDownloadEvent *copy = g_new0 (DcDownloadEvent, 1);

  *copy = *event;
  copy->dvr = g_strdup (event->dvr);
  copy->message = g_strdup (event->message);
  copy->error = event->error ? g_error_copy (event->error) : NULL;
  copy->picture_path = g_strdup (event->picture_path);
  copy->clip_path = g_strdup (event->clip_path);
  copy->dvr_model = g_strdup (event->dvr_model);
  return copy;
}

void
rel_events_init (RelEvents *ev)
{
  ev->final = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) dc_download_event_free);
  ev->final_at = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  ev->idle = FALSE;
}

void
rel_events_clear (RelEvents *ev)
{
  g_clear_pointer (&ev->final, g_hash_table_unref);
  g_clear_pointer (&ev->final_at, g_hash_table_unref);
}

static gboolean
all_final (RelEvents *ev, GArray *ids)
{
  for (guint i = 0; i < ids->len; i++)
    if (!g_hash_table_contains (ev->final, GUINT_TO_POINTER (g_array_index (ids, guint, i))))
      return FALSE;
  return TRUE;
}

void
rel_drain (DcDownloader *d, RelEvents *ev, guint timeout_s, GArray *stop_ids)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  ev->idle = FALSE;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(DcDownloadEvent) e = dc_downloader_timed_pop_event (d, 100 * 1000);

      if (e == NULL)
        continue;
      if (e->kind == DC_EVENT_IDLE)
        {
          ev->idle = TRUE;
          return;
        }
      if (e->kind != DC_EVENT_JOB)
        continue;
      if (dc_job_state_is_final (e->state))
        {
          gint64 *at = g_new (gint64, 1);
          *at = g_get_monotonic_time ();
          g_hash_table_replace (ev->final_at, GUINT_TO_POINTER (e->job_id), at);
          g_hash_table_replace (ev->final, GUINT_TO_POINTER (e->job_id), rel_event_copy (e));
          if (stop_ids != NULL && all_final (ev, stop_ids))
            return;
        }
      else
        {
          g_hash_table_remove (ev->final, GUINT_TO_POINTER (e->job_id));
          g_hash_table_remove (ev->final_at, GUINT_TO_POINTER (e->job_id));
        }
    }
}

static void
find_into (const char *dir, const char *suffix, GPtrArray *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        find_into (path, suffix, out);
      else if (g_str_has_suffix (name, suffix))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

GPtrArray *
rel_find_files (const char *dir, const char *suffix)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  find_into (dir, suffix, out);
  return out;
}
