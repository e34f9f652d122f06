/* dc-cli-esheet.c: `dockclip-cli esheet FILE`, the headless face of the
 * e-sheet importer: the grouped view with its counts and every rejected
 * row with its reason, as text or JSON. */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "dc-cli.h"
#include "dvr/dc-config.h"
#include "esheet/dc-esheet.h"

static char *
format_time (gint64 us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static const char *
format_name (DcEsheetFormat format)
{
  switch (format)
    {
    case DC_ESHEET_FORMAT_CSV: return "csv";
    case DC_ESHEET_FORMAT_XLSX: return "xlsx";
    case DC_ESHEET_FORMAT_XLS: return "xls";
    case DC_ESHEET_FORMAT_AUTO:
    default: return "unknown";
    }
}

static void
print_json (DcEsheet *sheet, DcConfig *config, gboolean by_dock)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GPtrArray *rejects = dc_esheet_get_rejects (sheet);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, dc_esheet_get_file_name (sheet));
  json_builder_set_member_name (b, "batch");
  json_builder_add_string_value (b, dc_esheet_get_batch (sheet));
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, format_name (dc_esheet_get_format (sheet)));
  if (dc_esheet_get_encoding (sheet))
    {
      json_builder_set_member_name (b, "encoding");
      json_builder_add_string_value (b, dc_esheet_get_encoding (sheet));
    }
  json_builder_set_member_name (b, "header_row");
  json_builder_add_int_value (b, dc_esheet_get_header_row (sheet));
  json_builder_set_member_name (b, "columns");
  json_builder_begin_object (b);
  for (const char *const *f = (const char *const[]) { "waybill", "dock", "time", "date", NULL }; *f; f++)
    if (dc_esheet_get_column_label (sheet, *f))
      {
        json_builder_set_member_name (b, *f);
        json_builder_add_string_value (b, dc_esheet_get_column_label (sheet, *f));
      }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, dc_esheet_get_n_rows (sheet));
  json_builder_set_member_name (b, "waybills");
  json_builder_add_int_value (b, dc_esheet_get_n_waybills (sheet));
  json_builder_set_member_name (b, "docks");
  json_builder_add_int_value (b, dc_esheet_get_n_docks (sheet));
  json_builder_set_member_name (b, "duplicates");
  json_builder_add_int_value (b, dc_esheet_get_n_duplicates (sheet));
  json_builder_set_member_name (b, "rejected_count");
  json_builder_add_int_value (b, dc_esheet_get_n_rejected (sheet));
  json_builder_set_member_name (b, "rejected");
  json_builder_begin_array (b);
  for (guint i = 0; i < rejects->len; i++)
    {
      DcEsheetReject *r = g_ptr_array_index (rejects, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "row");
      json_builder_add_int_value (b, r->row);
      json_builder_set_member_name (b, "column");
      json_builder_add_string_value (b, r->column);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, r->reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "by");
  json_builder_add_string_value (b, by_dock ? "dock" : "order");
  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  if (by_dock)
    for (guint i = 0; i < dc_esheet_get_n_docks (sheet); i++)
      {
        DcEsheetDockItem it;
        g_autofree char *first = NULL, *last = NULL;

        dc_esheet_get_dock_item (sheet, i, config, &it);
        first = format_time (it.first_us);
        last = format_time (it.last_us);
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "dock");
        json_builder_add_string_value (b, it.dock);
        json_builder_set_member_name (b, "waybills");
        json_builder_add_int_value (b, it.n_waybills);
        json_builder_set_member_name (b, "scans");
        json_builder_add_int_value (b, it.n_scans);
        json_builder_set_member_name (b, "first");
        json_builder_add_string_value (b, first);
        json_builder_set_member_name (b, "last");
        json_builder_add_string_value (b, last);
        json_builder_set_member_name (b, "mapped");
        json_builder_add_boolean_value (b, it.mapped);
        if (it.mapped)
          {
            json_builder_set_member_name (b, "dvr");
            json_builder_add_string_value (b, it.dvr);
            json_builder_set_member_name (b, "channel");
            json_builder_add_int_value (b, it.channel);
          }
        json_builder_end_object (b);
      }
  else
    for (guint i = 0; i < dc_esheet_get_n_waybills (sheet); i++)
      {
        DcEsheetWaybillItem it;

        dc_esheet_get_waybill_item (sheet, i, &it);
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "waybill");
        json_builder_add_string_value (b, it.waybill);
        json_builder_set_member_name (b, "scans");
        json_builder_begin_array (b);
        for (guint k = 0; k < it.n_scans; k++)
          {
            guint row = it.rows[k];
            g_autofree char *t = format_time (dc_esheet_get_row_time (sheet, row));
            json_builder_begin_object (b);
            json_builder_set_member_name (b, "dock");
            json_builder_add_string_value (b, dc_esheet_get_row_dock (sheet, row));
            json_builder_set_member_name (b, "time");
            json_builder_add_string_value (b, t);
            json_builder_set_member_name (b, "time_us");
            json_builder_add_int_value (b, dc_esheet_get_row_time (sheet, row));
            json_builder_set_member_name (b, "row");
            json_builder_add_int_value (b, dc_esheet_get_row_source (sheet, row));
            for (guint e = 0; e < dc_esheet_get_n_extras (sheet); e++)
              {
                json_builder_set_member_name (b, dc_esheet_get_extra_name (sheet, e));
                json_builder_add_string_value (b, dc_esheet_get_row_extra (sheet, row, e));
              }
            json_builder_end_object (b);
          }
        json_builder_end_array (b);
        json_builder_end_object (b);
      }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static void
print_text (DcEsheet *sheet, DcConfig *config, gboolean by_dock)
{
  GPtrArray *rejects = dc_esheet_get_rejects (sheet);
  const char *enc = dc_esheet_get_encoding (sheet);

  printf (_("%s (%s%s%s): header in row %u, %u scans, %u waybills (%u scanned more than once), %u docks, %u rejected rows\n"),
          dc_esheet_get_file_name (sheet), format_name (dc_esheet_get_format (sheet)),
          enc ? ", " : "", enc ? enc : "", dc_esheet_get_header_row (sheet),
          dc_esheet_get_n_rows (sheet), dc_esheet_get_n_waybills (sheet),
          dc_esheet_get_n_duplicates (sheet), dc_esheet_get_n_docks (sheet),
          dc_esheet_get_n_rejected (sheet));
  if (by_dock)
    {
      printf ("%-12s %10s %8s  %-19s  %-19s  %s\n", _("Dock"), _("Waybills"), _("Scans"),
              _("First scan"), _("Last scan"), _("Recorder"));
      for (guint i = 0; i < dc_esheet_get_n_docks (sheet); i++)
        {
          DcEsheetDockItem it;
          g_autofree char *first = NULL, *last = NULL, *map = NULL;

          dc_esheet_get_dock_item (sheet, i, config, &it);
          first = format_time (it.first_us);
          last = format_time (it.last_us);
          map = it.mapped ? g_strdup_printf (_("%s channel %u"), it.dvr, it.channel)
                          : g_strdup (_("not mapped"));
          printf ("%-12s %10u %8u  %-19s  %-19s  %s\n", it.dock, it.n_waybills, it.n_scans, first,
                  last, map);
        }
    }
  else
    {
      printf ("%-24s %-12s %-19s  %s\n", _("Order no."), _("Dock"), _("Scan time"), _("Row"));
      for (guint i = 0; i < dc_esheet_get_n_waybills (sheet); i++)
        {
          DcEsheetWaybillItem it;

          dc_esheet_get_waybill_item (sheet, i, &it);
          for (guint k = 0; k < it.n_scans; k++)
            {
              guint row = it.rows[k];
              g_autofree char *t = format_time (dc_esheet_get_row_time (sheet, row));
              printf ("%-24s %-12s %-19s  %u%s\n", k == 0 ? it.waybill : "",
                      dc_esheet_get_row_dock (sheet, row), t, dc_esheet_get_row_source (sheet, row),
                      it.n_scans > 1 ? _("  (scanned more than once)") : "");
            }
        }
    }
  if (rejects->len > 0)
    {
      printf (_("Rejected rows:\n"));
      for (guint i = 0; i < rejects->len; i++)
        {
          DcEsheetReject *r = g_ptr_array_index (rejects, i);
          printf (_("  row %u, column %s: %s\n"), r->row, r->column, r->reason);
        }
      if (dc_esheet_get_n_rejected (sheet) > rejects->len)
        printf (_("  … and %u more\n"), dc_esheet_get_n_rejected (sheet) - rejects->len);
    }
}

int
dc_cli_esheet (int argc, char **argv)
{
  int sheet_no = 0;
  g_autofree char *by = NULL;
  gboolean json = FALSE, no_remember = FALSE;
  g_autofree char *waybill = NULL, *dock = NULL, *time_col = NULL, *date_col = NULL;
  g_autofree char *time_format = NULL, *encoding = NULL, *config_path = NULL;
  g_autofree char *dock_map = NULL, *save_config = NULL;
  GOptionEntry entries[] = {
    { "sheet", 0, 0, G_OPTION_ARG_INT, &sheet_no, N_("Worksheet number (1 = first) of an XLSX/XLS"), "N" },
    { "by", 0, 0, G_OPTION_ARG_STRING, &by, N_("Group by “order” (default) or “dock”"), "order|dock" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "waybill", 0, 0, G_OPTION_ARG_STRING, &waybill, N_("Waybill column: header name or letter"), "COLUMN" },
    { "dock", 0, 0, G_OPTION_ARG_STRING, &dock, N_("Dock column: header name or letter"), "COLUMN" },
    { "time", 0, 0, G_OPTION_ARG_STRING, &time_col, N_("Scan time column: header name or letter"), "COLUMN" },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date_col, N_("Date column, when the date and the time are in two columns"), "COLUMN" },
    { "time-format", 0, 0, G_OPTION_ARG_STRING, &time_format, N_("Time format such as %Y%m%d%H%M%S"), "FORMAT" },
    { "encoding", 0, 0, G_OPTION_ARG_STRING, &encoding, N_("CSV encoding (default: detect UTF-8 or GBK)"), "NAME" },
    { "no-remember", 0, 0, G_OPTION_ARG_NONE, &no_remember, N_("Do not remember the column mapping for this layout"), NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("DVR configuration, to show which docks are mapped"), "FILE" },
    { "dock-map", 0, 0, G_OPTION_ARG_FILENAME, &dock_map, N_("Read FILE as the dock → recorder list (月台号, 设备厂商, IP, 通道序号…) instead of an e-sheet"), "FILE" },
    { "save-config", 0, 0, G_OPTION_ARG_FILENAME, &save_config, N_("With --dock-map: write the configuration to FILE"), "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE — import an e-sheet and print it grouped"));
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEsheet) sheet = NULL;
  g_autoptr(DcConfig) config = NULL;
  g_autoptr(DcEsheetMapping) mapping = NULL;
  DcEsheetImportOptions options;
  gboolean by_dock;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }

  if (dock_map)
    {
      g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *data = NULL;

      config = dc_config_new ();
      if (!dc_esheet_import_dock_map (dock_map, config, notes, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 2;
        }
      for (guint i = 0; i < notes->len; i++)
        fprintf (stderr, "%s\n", (char *) g_ptr_array_index (notes, i));
      if (save_config)
        {
          if (!dc_config_save (config, save_config, &error))
            {
              fprintf (stderr, "%s\n", error->message);
              return 1;
            }
          printf (_("Wrote %u DVR(s) and %u dock(s) to %s\n"), dc_config_get_dvrs (config)->len,
                  dc_config_get_docks (config)->len, save_config);
        }
      else
        for (guint i = 0; i < dc_config_get_docks (config)->len; i++)
          {
            const DcDockMap *m = g_ptr_array_index (dc_config_get_docks (config), i);
            printf ("%s\t%s\t%u\n", m->dock, m->dvr, m->channel);
          }
      return 0;
    }

  if (argc != 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      fprintf (stderr, "%s", help);
      return 2;
    }
  if (by && strcmp (by, "order") != 0 && strcmp (by, "dock") != 0)
    {
      fprintf (stderr, _("--by takes “order” or “dock”, not “%s”.\n"), by);
      return 2;
    }
  by_dock = g_strcmp0 (by, "dock") == 0;
  if (config_path)
    {
      config = dc_config_load (config_path, &error);
      if (config == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 2;
        }
    }

  dc_esheet_import_options_init (&options);
  options.sheet = sheet_no > 0 ? sheet_no - 1 : -1;
  options.encoding = encoding;
  if (no_remember)
    options.mapping_store = "";
  if (waybill || dock || time_col || date_col || time_format)
    {
      mapping = dc_esheet_mapping_new ();
      mapping->waybill = g_strdup (waybill);
      mapping->dock = g_strdup (dock);
      mapping->time = g_strdup (time_col);
      mapping->date = g_strdup (date_col);
      mapping->time_format = g_strdup (time_format);
      options.mapping = mapping;
    }

  sheet = dc_esheet_new ();
  if (!dc_esheet_import_file (sheet, argv[1], &options, &error))
    {
      GPtrArray *rejects = dc_esheet_get_rejects (sheet);
      fprintf (stderr, "%s\n", error->message);
      for (guint i = 0; i < rejects->len && i < 20; i++)
        {
          DcEsheetReject *r = g_ptr_array_index (rejects, i);
          fprintf (stderr, _("  row %u, column %s: %s\n"), r->row, r->column, r->reason);
        }
      return 1;
    }
  if (json)
    print_json (sheet, config, by_dock);
  else
    print_text (sheet, config, by_dock);
  return 0;
}
