/* dc-cli-pin.c: `dockclip-cli pin` — trust on first use for a recorder's
 * self-signed HTTPS certificate.  Shows the key's SHA-256 fingerprint; with
 * --save, after the operator has compared it with the one on the
 * recorder's own screen, stores it as tls-pin= in the configuration. */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "dc-cli.h"
#include "dc-cli-util.h"
#include "dvr/dc-config.h"
#include "dvr/dc-dvr.h"

int
dc_cli_pin (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *dvr_name = NULL;
  gboolean save = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("The DVR configuration file"), N_("FILE") },
    { "dvr", 0, 0, G_OPTION_ARG_STRING, &dvr_name, N_("The DVR whose certificate to pin"), N_("NAME") },
    { "save", 0, 0, G_OPTION_ARG_NONE, &save, N_("Store the fingerprint in the configuration"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *subject = NULL;
  const DcDvrConfig *cfg;

  if (!dc_cli_parse_options (&argc, &argv, entries, _("— pin a recorder's HTTPS certificate"), &error) ||
      !(config = dc_cli_load_config (config_path, &error)))
    return dc_cli_fail (error);
  if (dvr_name == NULL || (cfg = dc_config_get_dvr (config, dvr_name)) == NULL)
    {
      fprintf (stderr, _("Name a DVR of %s with --dvr NAME.\n"), config_path);
      return 2;
    }
  if (!g_str_has_prefix (cfg->url, "https://"))
    {
      fprintf (stderr, _("DVR %s is reached over plain HTTP (%s): there is no certificate to pin.\n"),
               cfg->name, cfg->url);
      return 2;
    }
  /* A TLS handshake only: no request, no user name, no password. */
  if (!dc_dvr_fetch_certificate_pin (cfg->url, &pin, &subject, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf (_("DVR %s (%s)\n  certificate: %s\n  fingerprint: %s\n"), cfg->name, cfg->url,
          subject ? subject : "?", pin);
  if (!save)
    {
      printf ("%s\n", _("Compare it with the fingerprint the recorder shows in its own settings, "
                        "then run this again with --save to trust it."));
      return 0;
    }
  {
    /* set_dvr replaces (frees) the entry cfg points into: keep the name */
    g_autofree char *name = g_strdup (cfg->name);
    DcDvrConfig copy = *cfg;

    copy.tls_pin = pin;
    dc_config_set_dvr (config, &copy);
    cfg = NULL;
    if (!dc_config_save (config, config_path, &error))
      return dc_cli_fail (error);
    printf (_("Saved: Dockclip now trusts this certificate for DVR %s, and only it.\n"), name);
  }
  return 0;
}
