/* Placeholder until the e-sheet importer lands (issue 3). */
#include "config.h"
#include <glib/gi18n.h>
#include <stdio.h>
#include "dc-cli.h"

int
dc_cli_esheet (int argc, char **argv)
{
  fprintf (stderr, "%s\n", _("The e-sheet command is not built yet."));
  return 2;
}
