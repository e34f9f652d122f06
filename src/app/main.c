#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "dc-allocator.h"
#include "dc-application.h"
#include "util/dc-keyring.h"

int
main (int argc, char **argv)
{
  g_autoptr(DcApplication) app = NULL;

  /* first: it may start the program again */
  dc_allocator_use_malloc (argv);
  /* before any password is read: no core dump can hold one */
  dc_secrets_protect_process ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dc_application_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Uninstalled: the settings schema compiled into the build tree. */
  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *compiled = g_build_filename (DC_BUILD_ROOT, "data", "gschemas.compiled", NULL);

      if (exe != NULL && g_str_has_prefix (exe, DC_BUILD_ROOT) &&
          g_file_test (compiled, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *dir = g_path_get_dirname (compiled);
          g_setenv ("GSETTINGS_SCHEMA_DIR", dir, TRUE);
        }
    }
  app = dc_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
