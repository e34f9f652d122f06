/* libFuzzer harness: the configuration key file (dc_config_load_from_data),
 * then what the engine and the settings window do with a loaded config:
 * walk DVRs and docks, look docks up, save it back and load the saved file
 * again (a config Dockclip wrote must always load).
 * Run: fuzz-config tests/fuzz/config/corpus -max_total_time=300 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "dvr/dc-config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *save_path;

static void
remove_save_dir (void)
{
  g_autofree char *dir = g_path_get_dirname (save_path);
  g_remove (save_path);
  g_rmdir (dir);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcConfig) again = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *dvrs, *docks;

  if (save_path == NULL)
    {
      g_autofree char *dir = NULL;

      /* fuzzed configs are saved: never into a real keyring */
      g_setenv ("DC_KEYRING", "off", TRUE);
      dir = g_dir_make_tmp ("fuzz-config-XXXXXX", NULL);
      g_assert (dir != NULL);
      save_path = g_build_filename (dir, "dockclip.conf", NULL);
      atexit (remove_save_dir);
    }

  config = dc_config_load_from_data ((const char *) data, (gssize) size, &error);
  if (config == NULL)
    {
      g_assert (error != NULL && error->domain == DC_CONFIG_ERROR);
      return 0;
    }
  dvrs = dc_config_get_dvrs (config);
  docks = dc_config_get_docks (config);
  for (guint i = 0; i < dvrs->len; i++)
    {
      const DcDvrConfig *dvr = g_ptr_array_index (dvrs, i);
      g_assert (dvr->name != NULL && dvr->url != NULL);
      g_free (dc_dvr_config_get_host (dvr));
      g_assert (dc_config_get_dvr (config, dvr->name) != NULL);
    }
  for (guint i = 0; i < docks->len; i++)
    {
      const DcDockMap *map = g_ptr_array_index (docks, i);
      g_assert (map->dock != NULL);
      g_assert (dc_config_lookup_dock (config, map->dock) != NULL);
    }

  /* Round trip: what we save must load again, with the same shape. */
  if (!dc_config_save (config, save_path, &error))
    {
      g_printerr ("save failed: %s\n", error->message);
      abort ();
    }
  {
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_assert (g_file_get_contents (save_path, &contents, &len, NULL));
    again = dc_config_load_from_data (contents, (gssize) len, &error);
    if (again == NULL)
      {
        g_printerr ("a saved config does not load: %s\n---\n%s\n---\n", error->message, contents);
        abort ();
      }
    g_assert (dc_config_get_dvrs (again)->len == dvrs->len);
    g_assert (dc_config_get_docks (again)->len == docks->len);
  }
  return 0;
}
