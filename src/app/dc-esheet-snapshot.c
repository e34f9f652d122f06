#define G_LOG_DOMAIN "dc-esheet-snapshot"

#include "config.h"

#include "pictures/dc-picture-export.h"

#include "dc-esheet-snapshot.h"

/* The core model has no copy; its own CSV importer reads back what is
 * written here (explicit column letters, UTC times with microseconds, so
 * nothing is detected or rounded), which keeps the copy exact without a
 * second way of building rows. */
DcEsheet *
dc_esheet_snapshot_new (DcEsheet *esheet, GError **error)
{
  guint n_rows = dc_esheet_get_n_rows (esheet);
  guint n_extras = dc_esheet_get_n_extras (esheet);
  g_autoptr(GString) csv = g_string_sized_new ((gsize) n_rows * 48 + 64);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(DcEsheetMapping) mapping = dc_esheet_mapping_new ();
  g_autoptr(DcEsheet) copy = dc_esheet_new ();
  g_autofree char *name = g_strconcat (dc_esheet_get_batch (esheet), ".csv", NULL);
  DcEsheetImportOptions options;

  g_string_append (csv, "waybill,dock,scan time");
  for (guint e = 0; e < n_extras; e++)
    {
      g_string_append_c (csv, ',');
      dc_csv_append_field (csv, dc_esheet_get_extra_name (esheet, e));
    }
  g_string_append_c (csv, '\n');
  for (guint r = 0; r < n_rows; r++)
    {
      gint64 us = dc_esheet_get_row_time (esheet, r);
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
      g_autofree char *stamp = dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S") : g_strdup ("");

      dc_csv_append_field (csv, dc_esheet_get_row_waybill (esheet, r));
      g_string_append_c (csv, ',');
      dc_csv_append_field (csv, dc_esheet_get_row_dock (esheet, r));
      g_string_append_printf (csv, ",%s.%06dZ", stamp, (int) (us % G_USEC_PER_SEC));
      for (guint e = 0; e < n_extras; e++)
        {
          const char *v = dc_esheet_get_row_extra (esheet, r, e);
          g_string_append_c (csv, ',');
          dc_csv_append_field (csv, v ? v : "");
        }
      g_string_append_c (csv, '\n');
    }
  bytes = g_string_free_to_bytes (g_steal_pointer (&csv));
  mapping->waybill = g_strdup ("A");
  mapping->dock = g_strdup ("B");
  mapping->time = g_strdup ("C");
  dc_esheet_import_options_init (&options);
  options.mapping = mapping;
  options.mapping_store = "";
  if (!dc_esheet_import_bytes (copy, name, bytes, &options, error))
    return NULL;
  /* rows come back in the same order: the selection follows them */
  for (guint r = 0; r < n_rows && r < dc_esheet_get_n_rows (copy); r++)
    if (dc_esheet_get_row_flags (esheet, r) & DC_ESHEET_ROW_SELECTED)
      dc_esheet_set_row_selected (copy, r, TRUE);
  return g_steal_pointer (&copy);
}
