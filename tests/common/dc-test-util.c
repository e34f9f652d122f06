#include "config.h"

#include <gio/gio.h>

#include "dc-test-util.h"

char *
dc_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("dockclip-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static void
rm_rf (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    while ((info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
      {
        g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));
        rm_rf (child);
        g_object_unref (info);
      }
  g_file_delete (file, NULL, NULL);
}

void
dc_test_rmdir (const char *path)
{
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    return;
  file = g_file_new_for_path (path);
  rm_rf (file);
}

char *
dc_test_data_path (const char *name)
{
  const char *dir = g_getenv ("DC_TEST_DATA");
  if (dir == NULL)
    dir = DC_SOURCE_ROOT "/tests/data";
  return g_build_filename (dir, name, NULL);
}

gboolean
dc_test_wait_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

void
dc_test_pump (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

char *
dc_test_private_xdg_dirs (void)
{
  const char *xdg[] = { "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME" };
  char *tmp = dc_test_mkdtemp ();

  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmp, xdg[i], NULL);
      g_setenv (xdg[i], dir, TRUE);
    }
  return tmp;
}
