/* dc-file-util.h: file names and files that are never seen half-written. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A waybill or dock made safe as one path component: no separators, no
 * "..", no control or reserved characters (Windows too), not empty, at
 * most 120 bytes of valid UTF-8.  "../a/b" -> "__a_b". */
char     *dc_sanitize_file_name (const char *name);

/* mkdir -p with 0700 for new folders (evidence is private). */
gboolean  dc_ensure_private_dir (const char *path, GError **error);

/* <final>.part: where a download is written before it is complete. */
char     *dc_part_path_for (const char *final_path);

/* Renames @part_path onto @final_path (atomic on one file system) after
 * checking its size is @expected_size (when >= 0) and non-zero. */
gboolean  dc_commit_part_file (const char *part_path, const char *final_path,
                               gint64 expected_size, GError **error);

/* Removes stale *.part files in @dir (left by a killed run).  Returns the count. */
guint     dc_remove_stale_part_files (const char *dir);

/* Writes @contents to @path atomically (temp file + rename) with @mode
 * on systems that have modes. */
gboolean  dc_write_file_atomic (const char *path, const char *contents, gssize len,
                                int mode, GError **error);

/* Wipes and frees a secret string. */
void      dc_secret_free (char *secret);

G_END_DECLS
