#define G_LOG_DOMAIN "dc-picture-export"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pictures/dc-mark-burn.h"
#include "pictures/dc-picture-export.h"
#include "pictures/dc-thumbnail-cache.h"
#include "util/dc-file-util.h"

void
dc_csv_append_field (GString *line, const char *value)
{
  if (value == NULL)
    value = "";
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (line, value);
      return;
    }
  g_string_append_c (line, '"');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

/* The burned copy is stale when older than the original or the mark. */
static gboolean
burned_is_fresh (const char *burned, const char *src, const DcMark *mark)
{
  gint64 burned_mtime, src_mtime;
  goffset size;

  if (!dc_picture_file_stamp (burned, &burned_mtime, &size, NULL) || size == 0)
    return FALSE;
  if (!dc_picture_file_stamp (src, &src_mtime, &size, NULL))
    return TRUE;   /* original gone: the copy is all there is */
  return burned_mtime >= src_mtime && burned_mtime / G_USEC_PER_SEC >= mark->time;
}

static char *
stem_of (const char *name)
{
  char *base = g_path_get_basename (name);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return base;
}

gboolean
dc_pictures_export_marked (const char *folder, DcMarkIndex *index, const char *dest_dir,
                           DcExportLookupFunc lookup, gpointer user_data,
                           guint *n_exported, GCancellable *cancellable, GError **error)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(GString) csv = g_string_new ("\xEF\xBB\xBF");
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *manifest = NULL;
  guint count = 0;

  g_return_val_if_fail (folder != NULL && index != NULL && dest_dir != NULL, FALSE);

  if (n_exported != NULL)
    *n_exported = 0;
  if (!dc_ensure_private_dir (dest_dir, error))
    return FALSE;

  g_string_append (csv, "waybill,dock,scan time,file,sha256\r\n");
  names = dc_mark_index_get_names (index);
  for (guint i = 0; names[i] != NULL; i++)
    {
      const DcMark *mark = dc_mark_index_lookup (index, names[i]);
      g_autofree char *src = g_build_filename (folder, names[i], NULL);
      g_autofree char *burned = dc_mark_burned_path (folder, names[i]);
      g_autofree char *waybill = stem_of (names[i]);
      g_autofree char *safe = dc_sanitize_file_name (waybill);
      g_autofree char *file_name = NULL;
      g_autofree char *dest = NULL;
      g_autofree char *sha = NULL;
      g_autofree char *dock = NULL;
      g_autofree char *scan_str = NULL;
      g_autoptr(GDateTime) scan_time = NULL;
      g_autoptr(GFile) burned_file = NULL;
      g_autoptr(GBytes) data = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!burned_is_fresh (burned, src, mark) &&
          !dc_picture_burn_mark (src, mark, burned, DC_BURN_QUALITY, cancellable, error))
        return FALSE;

      /* Two pictures of one waybill (subfolders): keep both. */
      file_name = g_strconcat (safe, ".jpg", NULL);
      for (int n = 2; g_hash_table_contains (used, file_name); n++)
        {
          g_free (file_name);
          file_name = g_strdup_printf ("%s-%d.jpg", safe, n);
        }
      g_hash_table_add (used, g_strdup (file_name));
      dest = g_build_filename (dest_dir, file_name, NULL);

      burned_file = g_file_new_for_path (burned);
      data = g_file_load_bytes (burned_file, cancellable, NULL, error);
      if (data == NULL)
        return FALSE;
      if (!dc_write_file_atomic (dest, g_bytes_get_data (data, NULL),
                                 (gssize) g_bytes_get_size (data), 0644, error))
        return FALSE;
      sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);

      if (lookup != NULL)
        lookup (waybill, &dock, &scan_time, user_data);
      if (scan_time != NULL)
        scan_str = g_date_time_format (scan_time, "%Y-%m-%d %H:%M:%S");

      dc_csv_append_field (csv, waybill);
      g_string_append_c (csv, ',');
      dc_csv_append_field (csv, dock);
      g_string_append_c (csv, ',');
      dc_csv_append_field (csv, scan_str);
      g_string_append_c (csv, ',');
      dc_csv_append_field (csv, file_name);
      g_string_append_c (csv, ',');
      dc_csv_append_field (csv, sha);
      g_string_append (csv, "\r\n");
      count++;
    }

  manifest = g_build_filename (dest_dir, DC_EXPORT_MANIFEST_NAME, NULL);
  if (!dc_write_file_atomic (manifest, csv->str, (gssize) csv->len, 0644, error))
    return FALSE;
  if (n_exported != NULL)
    *n_exported = count;
  return TRUE;
}

typedef struct
{
  char               *folder;
  DcMarkIndex        *index;
  char               *dest_dir;
  DcExportLookupFunc  lookup;
  gpointer            user_data;
  GDestroyNotify      user_data_free;
} ExportData;

static void
export_data_free (ExportData *d)
{
  if (d->user_data_free != NULL)
    d->user_data_free (d->user_data);
  dc_mark_index_unref (d->index);
  g_free (d->folder);
  g_free (d->dest_dir);
  g_free (d);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExportData *d = task_data;
  GError *error = NULL;
  guint n = 0;

  if (dc_pictures_export_marked (d->folder, d->index, d->dest_dir, d->lookup, d->user_data,
                                 &n, cancellable, &error))
    g_task_return_int (task, n);
  else
    g_task_return_error (task, error);
}

void
dc_pictures_export_marked_async (const char *folder, DcMarkIndex *index, const char *dest_dir,
                                 DcExportLookupFunc lookup, gpointer user_data,
                                 GDestroyNotify user_data_free, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer callback_data)
{
  g_autoptr(GTask) task = NULL;
  ExportData *d;

  g_return_if_fail (folder != NULL && index != NULL && dest_dir != NULL);

  d = g_new0 (ExportData, 1);
  d->folder = g_strdup (folder);
  d->index = dc_mark_index_copy (index);   /* the UI may keep marking */
  d->dest_dir = g_strdup (dest_dir);
  d->lookup = lookup;
  d->user_data = user_data;
  d->user_data_free = user_data_free;
  task = g_task_new (NULL, cancellable, callback, callback_data);
  g_task_set_source_tag (task, dc_pictures_export_marked_async);
  g_task_set_task_data (task, d, (GDestroyNotify) export_data_free);
  g_task_run_in_thread (task, export_thread);
}

gssize
dc_pictures_export_marked_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  return g_task_propagate_int (G_TASK (result), error);
}
