#define G_LOG_DOMAIN "dc-allocator"

#include "config.h"

#include <stdlib.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#endif

#include "dc-allocator.h"

/* GLib before 2.76 keeps small freed blocks in per-thread magazines and
 * gives the old ones back all at once, in whichever thread frees next.
 * With downloads running, the worker threads free a great many, and
 * the main thread paid for them: 33-64 ms of CPU in one go, once every
 * few seconds (bench-app, 256 transfers; perf: g_slice_free1 under the
 * folder monitor's source).  With G_SLICE=always-malloc the same run
 * had no such stall and used a fifth less CPU.  GLib reads G_SLICE
 * before main() runs (its constructors already allocate), so the
 * process starts itself again with it set.  Linux only: the program is
 * found through /proc; elsewhere, and on GLib 2.76 or later, nothing is
 * done.  A G_SLICE the user set is kept. */
void
dc_allocator_use_malloc (char **argv)
{
#ifdef __linux__
  if (glib_check_version (2, 76, 0) == NULL || getenv ("G_SLICE") != NULL || argv == NULL)
    return;
  if (setenv ("G_SLICE", "always-malloc", 1) != 0)
    return;
  execv ("/proc/self/exe", argv);
  /* could not: go on with GLib's allocator */
  unsetenv ("G_SLICE");
#else
  (void) argv;
#endif
}
