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
