/* The app runs with GLib's small blocks from malloc (dc-allocator.c):
 * on GLib before 2.76 the process starts itself again with
 * G_SLICE=always-malloc, keeping its arguments.  (g_slice_get_config()
 * cannot tell: it answers GLib's defaults, not what G_SLICE set.)  Run with the argument
 * "keep-me" last (meson.build). */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "dc-allocator.h"

static void
test_malloc_slices (void)
{
  if (glib_check_version (2, 76, 0) == NULL)
    return;   /* GLib 2.76 and later: always malloc, nothing to do */
#ifdef __linux__
  {
    /* the environment this process was started with (GLib read it
     * before main()), not one changed since */
    g_autofree char *environ_at_start = NULL;
    gsize len = 0;
    gboolean found = FALSE;

    g_assert_true (g_file_get_contents ("/proc/self/environ", &environ_at_start, &len, NULL));
    for (gsize i = 0; i < len; i += strlen (environ_at_start + i) + 1)
      found |= g_str_equal (environ_at_start + i, "G_SLICE=always-malloc");
    g_assert_true (found);
  }
#endif
}

int
main (int argc, char **argv)
{
  /* a G_SLICE from outside is kept: nothing to test then */
  if (g_getenv ("G_SLICE") != NULL && g_getenv ("DC_TEST_ALLOCATOR") == NULL)
    return 77;
  g_setenv ("DC_TEST_ALLOCATOR", "1", TRUE);
  dc_allocator_use_malloc (argv);
  /* started again (or not), with the same arguments */
  g_assert (argc >= 2 && g_str_equal (argv[argc - 1], "keep-me"));
  argv[--argc] = NULL;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/allocator/malloc-slices", test_malloc_slices);
  return g_test_run ();
}
