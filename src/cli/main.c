#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "dc-cli.h"
#include "util/dc-keyring.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "probe",    dc_cli_probe,    N_("Sign in to the configured recorders and show what they are") },
  { "search",   dc_cli_search,   N_("List the recordings of one channel in a time range") },
  { "download", dc_cli_download, N_("Download pictures or clips for the waybills of an e-sheet") },
  { "esheet",   dc_cli_esheet,   N_("Import an e-sheet and print it grouped by order or by dock") },
  { "report",   dc_cli_report,   N_("Write the evidence report of an e-sheet's pictures as a PDF") },
  { "pin",      dc_cli_pin,      N_("Show and trust a recorder's self-signed HTTPS certificate") },
  { "demo",     dc_cli_demo,     N_("Start simulated recorders and download a sample e-sheet") },
};

static void
usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: dockclip-cli COMMAND [OPTION…]"));
  fprintf (out, "\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “dockclip-cli COMMAND --help” for the options of a command."));
}

int
main (int argc, char **argv)
{
  /* before any password is read: no core dump can hold one */
  dc_secrets_protect_process ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("dockclip-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, _("Unknown command “%s”.\n\n"), argv[1]);
  usage (stderr);
  return 2;
}
