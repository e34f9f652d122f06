#include "config.h"
#include <stdio.h>
#include "dc-cli.h"
int
dc_cli_download (int argc, char **argv)
{
  fprintf (stderr, "not built yet\n");
  return 2;
}
