/* GUI tests (run under Xvfb): placeholder, filled in below. */
#include "config.h"

#include <adwaita.h>

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  return g_test_run ();
}
