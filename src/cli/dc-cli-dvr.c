#include "config.h"
#include <stdio.h>
#include "dc-cli.h"
int
dc_cli_probe (int argc, char **argv)
{
  fprintf (stderr, "not built yet\n");
  return 2;
}
int
dc_cli_search (int argc, char **argv)
{
  fprintf (stderr, "not built yet\n");
  return 2;
}
