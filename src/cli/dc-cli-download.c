/* dc-cli-download.c: `dockclip-cli download` — an e-sheet's waybills,
 * through the dock map, to pictures and clips. */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "dc-cli.h"
#include "dc-cli-run.h"
#include "dc-cli-util.h"
#include "esheet/dc-esheet.h"
#include "util/dc-file-util.h"

/* Keeps only the requests of the waybills asked for. */
static void
filter_waybills (GPtrArray *requests, char **waybills)
{
  if (waybills == NULL || waybills[0] == NULL)
    return;
  for (guint i = requests->len; i > 0; i--)
    {
      const DcDownloadRequest *req = g_ptr_array_index (requests, i - 1);
      if (!g_strv_contains ((const char *const *) waybills, req->waybill))
        g_ptr_array_remove_index (requests, i - 1);
    }
}

int
dc_cli_download (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *esheet_path = NULL;
  g_autofree char *out_dir = NULL;
  g_autofree char *log_dir = NULL;
  g_autofree char *mode_str = NULL;
  g_auto(GStrv) waybills = NULL;
  double pre_s = 30, post_s = 30;
  gboolean no_check = FALSE, json = FALSE, overlay = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("The DVR configuration file"), N_("FILE") },
    { "esheet", 'e', 0, G_OPTION_ARG_FILENAME, &esheet_path, N_("The e-sheet (CSV, XLSX or XLS)"), N_("FILE") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, N_("Output folder (a sub-folder per e-sheet)"), N_("DIR") },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode_str, N_("picture (default), clip or both"), N_("MODE") },
    { "pre", 0, 0, G_OPTION_ARG_DOUBLE, &pre_s, N_("Seconds of clip before the scan (30)"), N_("S") },
    { "post", 0, 0, G_OPTION_ARG_DOUBLE, &post_s, N_("Seconds of clip after the scan (30)"), N_("S") },
    { "no-check", 0, 0, G_OPTION_ARG_NONE, &no_check, N_("Do not search before downloading"), NULL },
    { "waybill", 'w', 0, G_OPTION_ARG_STRING_ARRAY, &waybills, N_("Only this waybill (repeatable)"), N_("NO") },
    { "overlay", 0, 0, G_OPTION_ARG_NONE, &overlay, N_("Burn waybill, dock and time into pictures"), NULL },
    { "log-dir", 0, 0, G_OPTION_ARG_FILENAME, &log_dir, N_("Folder of the per-DVR log files"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcEsheet) esheet = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autoptr(GPtrArray) unmapped = NULL;
  DcEsheetImportOptions import_options;
  DcEsheetPlanOptions plan_options;
  DcDownloaderOptions options;
  GPtrArray *rejects;

  if (!dc_cli_parse_options (&argc, &argv, entries, _("— download pictures or clips"), &error))
    return dc_cli_fail (error);
  if (esheet_path == NULL || out_dir == NULL)
    {
      fprintf (stderr, "%s\n", _("download needs --config, --esheet and --out."));
      return 2;
    }
  if (!(config = dc_cli_load_config (config_path, &error)))
    return dc_cli_fail (error);

  dc_esheet_plan_options_init (&plan_options);
  if (mode_str != NULL && !dc_output_mode_from_string (mode_str, &plan_options.mode))
    {
      fprintf (stderr, _("Unknown --mode “%s”: use picture, clip or both.\n"), mode_str);
      return 2;
    }
  if (pre_s < 0 || post_s < 0 || pre_s > 3600 || post_s > 3600)
    {
      fprintf (stderr, "%s\n", _("--pre and --post are seconds between 0 and 3600."));
      return 2;
    }
  plan_options.pre_us = (gint64) (pre_s * G_USEC_PER_SEC);
  plan_options.post_us = (gint64) (post_s * G_USEC_PER_SEC);
  plan_options.selected_only = FALSE;

  esheet = dc_esheet_new ();
  dc_esheet_import_options_init (&import_options);
  if (!dc_esheet_import_file (esheet, esheet_path, &import_options, &error))
    return dc_cli_fail (error);
  rejects = dc_esheet_get_rejects (esheet);
  for (guint i = 0; i < rejects->len; i++)
    {
      const DcEsheetReject *r = g_ptr_array_index (rejects, i);
      fprintf (stderr, _("%s: row %u, %s: %s\n"), esheet_path, r->row, r->column ? r->column : "", r->reason);
    }

  requests = dc_esheet_plan (esheet, config, &plan_options, &unmapped);
  for (guint i = 0; unmapped != NULL && i < unmapped->len; i++)
    fprintf (stderr, _("Dock %s is not mapped to a DVR in %s: its waybills are skipped.\n"),
             (const char *) g_ptr_array_index (unmapped, i), config_path);
  filter_waybills (requests, waybills);
  if (requests->len == 0)
    {
      fprintf (stderr, "%s\n", _("Nothing to download: no waybill of the e-sheet is at a mapped dock."));
      return 1;
    }

  {
    /* A killed run leaves .part files: never evidence, and this command
     * owns the batch folder while it runs, so clean them first. */
    g_autofree char *batch = dc_sanitize_file_name (dc_esheet_get_batch (esheet));
    g_autofree char *dir = g_build_filename (out_dir, batch, NULL);
    guint n = dc_remove_stale_part_files (dir);

    if (n > 0 && !json)
      fprintf (stderr, ngettext ("Removed %u unfinished file left by an earlier run.\n",
                                 "Removed %u unfinished files left by an earlier run.\n", n), n);
  }

  dc_downloader_options_init (&options);
  options.out_dir = out_dir;
  options.log_dir = log_dir;
  options.check_first = !no_check;
  options.overlay = overlay;
  return dc_cli_run_downloads (config, requests, &options, json);
}
