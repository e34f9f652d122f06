/* dc-cli-demo.c: `dockclip-cli demo` — the whole flow with nothing
 * configured: simulated recorders on 127.0.0.1, a sample e-sheet, the
 * downloads with progress, and where the pictures went. */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "dc-cli.h"
#include "dc-cli-run.h"
#include "dc-cli-util.h"
#include "demo/dc-demo.h"
#include "esheet/dc-esheet.h"

int
dc_cli_demo (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *mode_str = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, N_("Folder for the demo's config, e-sheet and downloads"), N_("DIR") },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode_str, N_("picture (default), clip or both"), N_("MODE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(DcDemo) demo = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcEsheet) esheet = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autofree char *logs = NULL;
  DcEsheetImportOptions import_options;
  DcEsheetPlanOptions plan_options;
  DcDownloaderOptions options;
  int status;

  if (!dc_cli_parse_options (&argc, &argv, entries, _("— try Dockclip with simulated recorders"), &error))
    return dc_cli_fail (error);
  dc_esheet_plan_options_init (&plan_options);
  if (mode_str != NULL && !dc_output_mode_from_string (mode_str, &plan_options.mode))
    {
      fprintf (stderr, _("Unknown --mode “%s”: use picture, clip or both.\n"), mode_str);
      return 2;
    }
  if (dir == NULL)
    dir = g_build_filename (g_get_user_cache_dir (), "dockclip", "demo", NULL);

  demo = dc_demo_start (dir, &error);
  if (demo == NULL)
    return dc_cli_fail (error);
  if (!json)
    {
      printf (_("Demo: two simulated recorders on 127.0.0.1, config %s, e-sheet %s\n"),
              dc_demo_get_config_path (demo), dc_demo_get_esheet_path (demo));
      fflush (stdout);
    }

  config = dc_config_load (dc_demo_get_config_path (demo), &error);
  if (config == NULL)
    return dc_cli_fail (error);
  esheet = dc_esheet_new ();
  dc_esheet_import_options_init (&import_options);
  import_options.mapping_store = "";
  if (!dc_esheet_import_file (esheet, dc_demo_get_esheet_path (demo), &import_options, &error))
    return dc_cli_fail (error);
  plan_options.selected_only = FALSE;
  requests = dc_esheet_plan (esheet, config, &plan_options, &unmapped);
  for (guint i = 0; !json && unmapped != NULL && i < unmapped->len; i++)
    printf (_("Dock %s is not mapped to a DVR: its waybills are skipped (as in real life).\n"),
            (const char *) g_ptr_array_index (unmapped, i));

  logs = g_build_filename (dir, "logs", NULL);
  dc_downloader_options_init (&options);
  options.out_dir = (char *) dc_demo_get_out_dir (demo);
  options.log_dir = logs;
  status = dc_cli_run_downloads (config, requests, &options, json);
  if (!json)
    printf (_("Pictures and clips are in %s%s%s; the recorders' logs in %s.\n"),
            dc_demo_get_out_dir (demo), G_DIR_SEPARATOR_S, dc_esheet_get_batch (esheet), logs);
  return status;
}
