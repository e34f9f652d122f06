#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "dc-application.h"
#include "util/dc-keyring.h"

int
main (int argc, char **argv)
{
  g_autoptr(DcApplication) app = NULL;

  /* before any password is read: no core dump can hold one */
  dc_secrets_protect_process ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dc_application_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = dc_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
