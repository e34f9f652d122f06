#define G_LOG_DOMAIN "dc-file-util"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "util/dc-file-util.h"

#define MAX_NAME_BYTES 120

char *
dc_sanitize_file_name (const char *name)
{
  GString *out;
  const char *p;
  g_autofree char *valid = NULL;

  if (name == NULL)
    name = "";
  valid = g_utf8_make_valid (name, -1);
  out = g_string_new (NULL);

  for (p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Separators, Windows-reserved punctuation and control characters. */
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
          strchr ("/\\:*?\"<>|", (int) (c < 0x80 ? c : 'a')) != NULL)
        c = '_';
      if (out->len + 6 > MAX_NAME_BYTES)
        break;
      g_string_append_unichar (out, c);
    }

  /* Leading dots would make hidden files or "..": trailing dots and
   * spaces are dropped by Windows. */
  while (out->len > 0 && (out->str[0] == '.' || out->str[0] == ' '))
    out->str[0] = '_';
  while (out->len > 0 && (out->str[out->len - 1] == '.' || out->str[out->len - 1] == ' '))
    g_string_truncate (out, out->len - 1);

  if (out->len == 0)
    g_string_assign (out, "_");

  /* Windows device names are reserved whatever the extension. */
  {
    static const char *const reserved[] = { "CON", "PRN", "AUX", "NUL", "COM1", "COM2",
      "COM3", "COM4", "LPT1", "LPT2", "LPT3", NULL };
    for (guint i = 0; reserved[i]; i++)
      if (g_ascii_strcasecmp (out->str, reserved[i]) == 0)
        {
          g_string_prepend_c (out, '_');
          break;
        }
  }
  return g_string_free (out, FALSE);
}

gboolean
dc_ensure_private_dir (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create folder “%s”: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

char *
dc_part_path_for (const char *final_path)
{
  return g_strconcat (final_path, ".part", NULL);
}

gboolean
dc_commit_part_file (const char *part_path, const char *final_path,
                     gint64 expected_size, GError **error)
{
  g_autoptr(GFile) part = g_file_new_for_path (part_path);
  g_autoptr(GFile) final = g_file_new_for_path (final_path);
  g_autoptr(GFileInfo) info = NULL;
  goffset size;

  info = g_file_query_info (part, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            NULL, error);
  if (info == NULL)
    return FALSE;
  size = g_file_info_get_size (info);
  if (size == 0 || (expected_size >= 0 && size != expected_size))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   "“%s” has %" G_GINT64_FORMAT " bytes, expected %" G_GINT64_FORMAT,
                   part_path, (gint64) size, expected_size);
      return FALSE;
    }
  /* g_file_move with OVERWRITE is a rename(2) on one file system
   * (MoveFileEx with REPLACE_EXISTING on Windows). */
  return g_file_move (part, final, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NO_FALLBACK_FOR_MOVE,
                      NULL, NULL, NULL, error);
}

guint
dc_remove_stale_part_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (g_str_has_suffix (name, ".part"))
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          if (g_remove (path) == 0)
            n++;
        }
    }
  return n;
}

gboolean
dc_write_file_atomic (const char *path, const char *contents, gssize len,
                      int mode, GError **error)
{
  if (len < 0)
    len = (gssize) strlen (contents);
  /* g_file_set_contents_full writes a temp file, fsyncs and renames. */
  return g_file_set_contents_full (path, contents, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, mode, error);
}

void
dc_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  /* volatile so the compiler does not drop the wipe of memory freed next */
  for (volatile char *p = secret; *p; p++)
    *p = '\0';
  g_free (secret);
}
