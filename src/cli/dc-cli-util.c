/* dc-cli-util.c: what the subcommands share. */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "dc-cli-util.h"

gboolean
dc_cli_parse_options (int *argc, char ***argv, const GOptionEntry *entries,
                      const char *summary, GError **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (summary);

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  return g_option_context_parse (context, argc, argv, error);
}

int
dc_cli_fail (const GError *error)
{
  fprintf (stderr, "%s\n", error ? error->message : _("Unknown error"));
  return 2;
}

DcConfig *
dc_cli_load_config (const char *path, GError **error)
{
  if (path == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("Give the DVR configuration file with --config FILE "
                             "(see README, “Configuration”)."));
      return NULL;
    }
  return dc_config_load (path, error);
}

DcLog *
dc_cli_open_dvr_log (const char *log_dir, const DcDvrConfig *cfg)
{
  g_autofree char *dir = log_dir ? g_strdup (log_dir) : dc_log_default_dir ();
  g_autofree char *name = dc_log_name_for_url (cfg->url);
  g_autoptr(GError) error = NULL;
  DcLog *log = dc_log_open (dir, name, &error);

  if (log == NULL)
    fprintf (stderr, _("Warning: no log file for DVR %s: %s\n"), cfg->name, error->message);
  return log;
}

gboolean
dc_cli_parse_local_time (const char *text, gint64 *out_us, GError **error)
{
  int y, mo, d, h = 0, mi = 0, s = 0;
  g_autoptr(GDateTime) dt = NULL;
  char tail;

  if (text == NULL ||
      (sscanf (text, "%d-%d-%d %d:%d:%d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6 &&
       sscanf (text, "%d-%d-%d %d:%d%c", &y, &mo, &d, &h, &mi, &tail) != 5) ||
      (dt = g_date_time_new_local (y, mo, d, h, mi, s)) == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a time like “2025-11-03 14:05:09”."), text ? text : "");
      return FALSE;
    }
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  return TRUE;
}

char *
dc_cli_format_local_time (gint64 us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

void
dc_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}
