/* dc-cli-dvr.c: `dockclip-cli probe` and `dockclip-cli search`.
 *
 * Every string shown here that came from a recorder (model, names,
 * statuses in error messages) was escaped by the parsers
 * (dc_dvr_text_sanitize): no ESC sequence or newline reaches the terminal. */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "dc-cli.h"
#include "dc-cli-util.h"
#include "dvr/dc-config.h"
#include "dvr/dc-dvr.h"
#include "util/dc-log.h"

static void
add_probe_json (JsonBuilder *b, const DcDvrConfig *cfg, const DcDvrInfo *info, const GError *error)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, cfg->name);
  json_builder_set_member_name (b, "brand");
  json_builder_add_string_value (b, dc_dvr_brand_to_string (cfg->brand));
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, cfg->url);
  if (info != NULL)
    {
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, info->model);
      json_builder_set_member_name (b, "device_type");
      json_builder_add_string_value (b, info->device_type);
      json_builder_set_member_name (b, "firmware");
      json_builder_add_string_value (b, info->firmware);
      json_builder_set_member_name (b, "serial");
      json_builder_add_string_value (b, info->serial);
      json_builder_set_member_name (b, "channels");
      json_builder_add_int_value (b, info->n_channels);
      json_builder_set_member_name (b, "clock_offset_s");
      json_builder_add_int_value (b, info->clock_offset_s);
      json_builder_set_member_name (b, "time_mode");
      json_builder_add_string_value (b, dc_dvr_time_mode_to_string (info->time_mode));
      json_builder_set_member_name (b, "download_by_time");
      json_builder_add_boolean_value (b, info->download_by_time);
    }
  if (error != NULL)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, error->message);
    }
  json_builder_end_object (b);
}

int
dc_cli_probe (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *only = NULL;
  g_autofree char *log_dir = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("The DVR configuration file"), N_("FILE") },
    { "dvr", 0, 0, G_OPTION_ARG_STRING, &only, N_("Only this DVR"), N_("NAME") },
    { "log-dir", 0, 0, G_OPTION_ARG_FILENAME, &log_dir, N_("Folder of the per-DVR log files"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GPtrArray *dvrs;
  int status = 0;
  guint n_done = 0;

  if (!dc_cli_parse_options (&argc, &argv, entries, _("— sign in to the recorders"), &error) ||
      !(config = dc_cli_load_config (config_path, &error)))
    return dc_cli_fail (error);

  dvrs = dc_config_get_dvrs (config);
  json_builder_begin_array (builder);
  for (guint i = 0; i < dvrs->len; i++)
    {
      const DcDvrConfig *cfg = g_ptr_array_index (dvrs, i);
      g_autoptr(DcLog) log = NULL;
      g_autoptr(DcDvrSession) session = NULL;
      g_autoptr(GError) dvr_error = NULL;
      const DcDvrInfo *info = NULL;

      if (only != NULL && g_strcmp0 (only, cfg->name) != 0)
        continue;
      n_done++;
      log = dc_cli_open_dvr_log (log_dir, cfg);
      session = dc_dvr_session_new (cfg, log, &dvr_error);
      if (session != NULL)
        info = dc_dvr_session_probe (session, &dvr_error);
      if (json)
        add_probe_json (builder, cfg, info, dvr_error);
      else if (info != NULL)
        {
          /* the number formatted apart: xgettext cannot see through G_GINT64_FORMAT */
          g_autofree char *offset = g_strdup_printf ("%+" G_GINT64_FORMAT, info->clock_offset_s);
          printf (_("%s: %s %s at %s, %u channels, clock offset %s s, time on the wire: %s, download by time: %s\n"),
                  cfg->name, dc_dvr_brand_to_string (cfg->brand), info->model ? info->model : "?",
                  cfg->url, info->n_channels, offset,
                  dc_dvr_time_mode_to_string (info->time_mode),
                  info->download_by_time ? _("yes") : _("no"));
        }
      else
        fprintf (stderr, _("%s: %s\n"), cfg->name, dvr_error->message);
      if (info == NULL)
        status = 1;
    }
  json_builder_end_array (builder);
  if (only != NULL && n_done == 0)
    {
      fprintf (stderr, _("No DVR named “%s” in %s.\n"), only, config_path);
      return 2;
    }
  if (json)
    dc_cli_print_json (builder);
  return status;
}

int
dc_cli_search (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *dvr_name = NULL;
  g_autofree char *from_str = NULL;
  g_autofree char *to_str = NULL;
  g_autofree char *log_dir = NULL;
  int channel = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("The DVR configuration file"), N_("FILE") },
    { "dvr", 0, 0, G_OPTION_ARG_STRING, &dvr_name, N_("The DVR to search"), N_("NAME") },
    { "channel", 0, 0, G_OPTION_ARG_INT, &channel, N_("Channel number (1-based)"), N_("N") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_str, N_("Start, this PC's local time"), N_("\"YYYY-MM-DD HH:MM:SS\"") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_str, N_("End, this PC's local time"), N_("\"YYYY-MM-DD HH:MM:SS\"") },
    { "log-dir", 0, 0, G_OPTION_ARG_FILENAME, &log_dir, N_("Folder of the per-DVR log files"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcLog) log = NULL;
  g_autoptr(DcDvrSession) session = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  const DcDvrConfig *cfg;
  gint64 from_us, to_us;

  if (!dc_cli_parse_options (&argc, &argv, entries, _("— list recordings"), &error) ||
      !(config = dc_cli_load_config (config_path, &error)))
    return dc_cli_fail (error);
  if (dvr_name == NULL || channel <= 0 || from_str == NULL || to_str == NULL)
    {
      fprintf (stderr, "%s\n", _("search needs --dvr, --channel, --from and --to."));
      return 2;
    }
  if (!dc_cli_parse_local_time (from_str, &from_us, &error) ||
      !dc_cli_parse_local_time (to_str, &to_us, &error))
    return dc_cli_fail (error);
  cfg = dc_config_get_dvr (config, dvr_name);
  if (cfg == NULL)
    {
      fprintf (stderr, _("No DVR named “%s” in %s.\n"), dvr_name, config_path);
      return 2;
    }

  log = dc_cli_open_dvr_log (log_dir, cfg);
  session = dc_dvr_session_new (cfg, log, &error);
  if (session == NULL ||
      dc_dvr_session_probe (session, &error) == NULL ||
      (segments = dc_dvr_session_search (session, (guint) channel, from_us, to_us, &error)) == NULL)
    {
      fprintf (stderr, _("%s: %s\n"), cfg->name, error->message);
      return 1;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_array (b);
      for (guint i = 0; i < segments->len; i++)
        {
          const DcDvrSegment *seg = g_ptr_array_index (segments, i);
          g_autofree char *start = dc_cli_format_local_time (seg->start_us);
          g_autofree char *end = dc_cli_format_local_time (seg->end_us);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "channel");
          json_builder_add_int_value (b, seg->channel);
          json_builder_set_member_name (b, "start");
          json_builder_add_string_value (b, start);
          json_builder_set_member_name (b, "end");
          json_builder_add_string_value (b, end);
          /* 0 is "the recorder does not say" (or said something out of
           * range): null, never a number that looks measured. */
          json_builder_set_member_name (b, "size");
          if (seg->size > 0 && seg->size <= G_MAXINT64)
            json_builder_add_int_value (b, (gint64) seg->size);
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "uri");
          json_builder_add_string_value (b, seg->uri);
          json_builder_set_member_name (b, "still_writing");
          json_builder_add_boolean_value (b, seg->still_writing);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      dc_cli_print_json (b);
    }
  else
    {
      if (segments->len == 0)
        printf ("%s\n", _("No recordings in that range."));
      for (guint i = 0; i < segments->len; i++)
        {
          const DcDvrSegment *seg = g_ptr_array_index (segments, i);
          g_autofree char *start = dc_cli_format_local_time (seg->start_us);
          g_autofree char *end = dc_cli_format_local_time (seg->end_us);

          g_autofree char *size = seg->size > 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT, seg->size)
                                                : g_strdup ("?");

          printf ("%s  %s  %12s  %s%s\n", start, end, size, seg->uri ? seg->uri : "",
                  seg->still_writing ? _("  (still being written)") : "");
        }
    }
  return 0;
}
