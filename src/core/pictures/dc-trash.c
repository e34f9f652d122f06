#define G_LOG_DOMAIN "dc-trash"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#endif

#include "pictures/dc-pictures-error.h"
#include "pictures/dc-trash.h"

struct _DcTrashUndo
{
  GPtrArray *paths;   /* original absolute paths, in trash order */
};

static DcTrashUndo *
undo_new (void)
{
  DcTrashUndo *undo = g_new0 (DcTrashUndo, 1);

  undo->paths = g_ptr_array_new_with_free_func (g_free);
  return undo;
}

void
dc_trash_undo_free (DcTrashUndo *undo)
{
  if (undo == NULL)
    return;
  g_ptr_array_unref (undo->paths);
  g_free (undo);
}

guint
dc_trash_undo_get_n_files (DcTrashUndo *undo)
{
  return undo->paths->len;
}

const char *
dc_trash_undo_get_path (DcTrashUndo *undo, guint i)
{
  g_return_val_if_fail (i < undo->paths->len, NULL);
  return g_ptr_array_index (undo->paths, i);
}

gboolean
dc_trash_files (const char * const *paths, guint n_paths, DcTrashUndo **undo,
                GCancellable *cancellable, GError **error)
{
  g_autoptr(GError) first_error = NULL;

  g_return_val_if_fail (undo != NULL, FALSE);

  *undo = undo_new ();
  for (guint i = 0; i < n_paths; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (paths[i]);
      g_autoptr(GError) local_error = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, &local_error) ||
          !g_file_trash (file, cancellable, &local_error))
        {
          if (first_error == NULL)
            {
              g_autofree char *name = g_filename_display_name (paths[i]);

              first_error = g_error_new (local_error->domain, local_error->code,
                                         _("“%s” was not moved to the trash (it is kept): %s"),
                                         name, local_error->message);
            }
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          continue;
        }
      g_ptr_array_add ((*undo)->paths, g_file_get_path (file));
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return TRUE;
}

#ifdef G_OS_UNIX

/* g_set_str() is GLib 2.76. */
static void
replace_str (char **dest, char *take)
{
  g_free (*dest);
  *dest = take;
}

typedef struct
{
  char *files_dir;
  char *info_file;
  char *trash_name;   /* basename in files/ */
  char *date;         /* DeletionDate, ISO 8601: compares as a string */
} TrashEntry;

static void
trash_entry_free (TrashEntry *e)
{
  g_free (e->files_dir);
  g_free (e->info_file);
  g_free (e->trash_name);
  g_free (e->date);
  g_free (e);
}

/* Reads every .trashinfo of @trash_dir; for paths in @wanted keeps the
 * newest entry in @best.  @topdir: NULL for the home trash (absolute
 * Path=), else the mount point relative Path= values are joined to. */
static void
scan_trash_dir (const char *trash_dir, const char *topdir, GHashTable *wanted,
                GHashTable *best)
{
  g_autofree char *info_dir = g_build_filename (trash_dir, "info", NULL);
  g_autofree char *files_dir = g_build_filename (trash_dir, "files", NULL);
  g_autoptr(GDir) dir = g_dir_open (info_dir, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr(GKeyFile) kf = NULL;
      g_autofree char *info_file = NULL;
      g_autofree char *raw_path = NULL;
      g_autofree char *date = NULL;
      g_autofree char *path = NULL;
      TrashEntry *old, *e;

      if (!g_str_has_suffix (name, ".trashinfo"))
        continue;
      info_file = g_build_filename (info_dir, name, NULL);
      kf = g_key_file_new ();
      if (!g_key_file_load_from_file (kf, info_file, G_KEY_FILE_NONE, NULL))
        continue;
      raw_path = g_key_file_get_string (kf, "Trash Info", "Path", NULL);
      date = g_key_file_get_string (kf, "Trash Info", "DeletionDate", NULL);
      if (raw_path == NULL)
        continue;
      path = g_uri_unescape_string (raw_path, NULL);
      if (path == NULL)
        continue;
      if (!g_path_is_absolute (path))
        {
          if (topdir == NULL)
            continue;
          replace_str (&path, g_build_filename (topdir, path, NULL));
        }
      {
        g_autoptr(GFile) canon = g_file_new_for_path (path);
        replace_str (&path, g_file_get_path (canon));
      }
      if (!g_hash_table_contains (wanted, path))
        continue;
      old = g_hash_table_lookup (best, path);
      if (old != NULL && g_strcmp0 (old->date, date) > 0)
        continue;

      e = g_new0 (TrashEntry, 1);
      e->files_dir = g_strdup (files_dir);
      e->info_file = g_steal_pointer (&info_file);
      e->trash_name = g_strndup (name, strlen (name) - strlen (".trashinfo"));
      e->date = g_steal_pointer (&date);
      g_hash_table_replace (best, g_strdup (path), e);
    }
}

gboolean
dc_trash_undo_restore (DcTrashUndo *undo, GPtrArray **restored, GError **error)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) best = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) trash_entry_free);
  g_autoptr(GHashTable) scanned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) failures = g_string_new (NULL);
  g_autofree char *home_trash = g_build_filename (g_get_user_data_dir (), "Trash", NULL);
  g_autofree char *uid = g_strdup_printf ("%u", (guint) getuid ());
  guint n_failed = 0;

  g_return_val_if_fail (undo != NULL, FALSE);

  for (guint i = 0; i < undo->paths->len; i++)
    g_hash_table_add (wanted, g_ptr_array_index (undo->paths, i));

  scan_trash_dir (home_trash, NULL, wanted, best);
  /* Files on other file systems went to <topdir>/.Trash/$UID or
   * <topdir>/.Trash-$UID: look in every ancestor of each file. */
  for (guint i = 0; i < undo->paths->len; i++)
    {
      g_autofree char *dir = g_path_get_dirname (g_ptr_array_index (undo->paths, i));

      for (;;)
        {
          g_autofree char *parent = NULL;

          if (!g_hash_table_contains (scanned, dir))
            {
              g_autofree char *t1 = g_build_filename (dir, ".Trash", uid, NULL);
              g_autofree char *t2 = NULL;
              g_autofree char *t2_name = g_strconcat (".Trash-", uid, NULL);

              t2 = g_build_filename (dir, t2_name, NULL);
              g_hash_table_add (scanned, g_strdup (dir));
              if (g_file_test (t1, G_FILE_TEST_IS_DIR))
                scan_trash_dir (t1, dir, wanted, best);
              if (g_file_test (t2, G_FILE_TEST_IS_DIR))
                scan_trash_dir (t2, dir, wanted, best);
            }
          parent = g_path_get_dirname (dir);
          if (g_str_equal (parent, dir))
            break;
          replace_str (&dir, g_steal_pointer (&parent));
        }
    }

  for (guint i = 0; i < undo->paths->len; i++)
    {
      const char *path = g_ptr_array_index (undo->paths, i);
      TrashEntry *e = g_hash_table_lookup (best, path);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GFile) src = NULL;
      g_autoptr(GFile) dest = NULL;
      g_autoptr(GFile) parent = NULL;
      g_autofree char *name = g_filename_display_name (path);

      if (e == NULL)
        {
          g_string_append_printf (failures, "\n%s: %s", name,
                                  _("not found in the trash (emptied?)"));
          n_failed++;
          continue;
        }
      {
        g_autofree char *trashed = g_build_filename (e->files_dir, e->trash_name, NULL);
        src = g_file_new_for_path (trashed);
      }
      dest = g_file_new_for_path (path);
      parent = g_file_get_parent (dest);
      if (parent != NULL)
        g_file_make_directory_with_parents (parent, NULL, NULL);
      if (!g_file_move (src, dest, G_FILE_COPY_NOFOLLOW_SYMLINKS | G_FILE_COPY_ALL_METADATA,
                        NULL, NULL, NULL, &local_error))
        {
          g_string_append_printf (failures, "\n%s: %s", name, local_error->message);
          n_failed++;
          continue;
        }
      {
        g_autoptr(GFile) info = g_file_new_for_path (e->info_file);
        g_file_delete (info, NULL, NULL);
      }
      g_ptr_array_add (done, g_strdup (path));
    }

  if (restored != NULL)
    *restored = g_ptr_array_ref (done);
  if (n_failed > 0)
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_NOT_FOUND,
                   ngettext ("%u file could not be put back:%s",
                             "%u files could not be put back:%s", n_failed),
                   n_failed, failures->str);
      return FALSE;
    }
  return TRUE;
}

#else /* !G_OS_UNIX */

gboolean
dc_trash_undo_restore (DcTrashUndo *undo, GPtrArray **restored, GError **error)
{
  if (restored != NULL)
    *restored = g_ptr_array_new_with_free_func (g_free);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               ngettext ("%u file is in the Recycle Bin: restore it from there",
                         "%u files are in the Recycle Bin: restore them from there",
                         undo->paths->len),
               undo->paths->len);
  return FALSE;
}

#endif
