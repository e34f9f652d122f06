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

/* ---- JSON, streamed ---------------------------------------------------------
 * A million scans made a JsonBuilder tree of 2.2 GB and took 12 s; this
 * writes each value as it goes through one 64 KiB buffer, with the same
 * document (and local times formatted by arithmetic, see LocalClock). */

typedef struct
{
  GString *buf;
} Out;

static void
out_flush (Out *o)
{
  fwrite (o->buf->str, 1, o->buf->len, stdout);
  g_string_truncate (o->buf, 0);
}

static inline void
out_lit (Out *o, const char *text)
{
  g_string_append (o->buf, text);
  if (o->buf->len >= 65536)
    out_flush (o);
}

/* A JSON string: quotes, backslashes and control characters escaped; the
 * importer keeps valid UTF-8 only. */
static void
out_str (Out *o, const char *text)
{
  const char *p = text ? text : "", *run = p;

  g_string_append_c (o->buf, '"');
  for (;; p++)
    {
      guchar c = *p;
      if (G_LIKELY (c >= 0x20 && c != '"' && c != '\\'))
        continue;
      g_string_append_len (o->buf, run, p - run);
      run = p + 1;
      if (c == 0)
        break;
      if (c == '"' || c == '\\')
        {
          g_string_append_c (o->buf, '\\');
          g_string_append_c (o->buf, c);
        }
      else
        g_string_append_printf (o->buf, "\\u%04x", c);
    }
  g_string_append_c (o->buf, '"');
  if (o->buf->len >= 65536)
    out_flush (o);
}

static void
out_int (Out *o, gint64 v)
{
  char digits[24];
  int i = sizeof digits;
  guint64 u = v < 0 ? -(guint64) v : (guint64) v;

  do
    digits[--i] = '0' + u % 10;
  while ((u /= 10) > 0);
  if (v < 0)
    digits[--i] = '-';
  g_string_append_len (o->buf, digits + i, sizeof digits - i);
}

static inline void
put2 (char *p, int v)
{
  p[0] = '0' + v / 10;
  p[1] = '0' + v % 10;
}

static void
out_member (Out *o, const char *indent, const char *name, gboolean first)
{
  out_lit (o, first ? "\n" : ",\n");
  out_lit (o, indent);
  out_str (o, name);
  out_lit (o, " : ");
}

/* Local time of unix µs as "YYYY-MM-DD HH:MM:SS".  The zone's offset is
 * looked up once per UTC hour (and only trusted when it is the same at
 * both ends of that hour); the rest is civil-date arithmetic. */
typedef struct
{
  GTimeZone *tz;
  gint64     hour;        /* UTC hour of the cached offset, or G_MININT64 */
  gint32     offset;      /* seconds */
} LocalClock;

static gint32
zone_offset (GTimeZone *tz, gint64 t)
{
  int interval = g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, t);
  return interval < 0 ? 0 : g_time_zone_get_offset (tz, interval);
}

static void
format_local (LocalClock *clock, gint64 us, char out[20])
{
  gint64 t = us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  gint64 hour = t >= 0 ? t / 3600 : -((-t + 3599) / 3600);
  gint64 local, days, sod, z, era, doe, yoe, y, doy, mp, d, m;
  gint32 offset;

  if (hour == clock->hour)
    offset = clock->offset;
  else
    {
      offset = zone_offset (clock->tz, t);
      if (zone_offset (clock->tz, hour * 3600) == offset &&
          zone_offset (clock->tz, hour * 3600 + 3599) == offset)
        {
          clock->hour = hour;
          clock->offset = offset;
        }
      else
        clock->hour = G_MININT64;
    }
  local = t + offset;
  days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  sod = local - days * 86400;
  /* days since 1970-01-01 -> civil date (H. Hinnant's algorithm) */
  z = days + 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0 || y > 9999)
    {
      g_strlcpy (out, "?", 20);
      return;
    }
  put2 (out, (int) y / 100);
  put2 (out + 2, (int) y % 100);
  out[4] = '-';
  put2 (out + 5, (int) m);
  out[7] = '-';
  put2 (out + 8, (int) d);
  out[10] = ' ';
  put2 (out + 11, (int) (sod / 3600));
  out[13] = ':';
  put2 (out + 14, (int) (sod / 60 % 60));
  out[16] = ':';
  put2 (out + 17, (int) (sod % 60));
  out[19] = '\0';
}

static void
print_json (DcEsheet *sheet, DcConfig *config, gboolean by_dock)
{
  GPtrArray *rejects = dc_esheet_get_rejects (sheet);
  Out o = { g_string_sized_new (65536 + 4096) };
  LocalClock clock = { g_time_zone_new_local (), G_MININT64, 0 };
  char tbuf[20];

  out_lit (&o, "{");
  out_member (&o, "  ", "file", TRUE);
  out_str (&o, dc_esheet_get_file_name (sheet));
  out_member (&o, "  ", "batch", FALSE);
  out_str (&o, dc_esheet_get_batch (sheet));
  out_member (&o, "  ", "format", FALSE);
  out_str (&o, format_name (dc_esheet_get_format (sheet)));
  if (dc_esheet_get_encoding (sheet))
    {
      out_member (&o, "  ", "encoding", FALSE);
      out_str (&o, dc_esheet_get_encoding (sheet));
    }
  out_member (&o, "  ", "header_row", FALSE);
  out_int (&o, dc_esheet_get_header_row (sheet));
  out_member (&o, "  ", "columns", FALSE);
  out_lit (&o, "{");
  {
    static const char *const fields[] = { "waybill", "dock", "time", "date", NULL };
    gboolean first = TRUE;
    for (const char *const *f = fields; *f; f++)
      if (dc_esheet_get_column_label (sheet, *f))
        {
          out_member (&o, "    ", *f, first);
          out_str (&o, dc_esheet_get_column_label (sheet, *f));
          first = FALSE;
        }
    out_lit (&o, first ? "}" : "\n  }");
  }
  out_member (&o, "  ", "rows", FALSE);
  out_int (&o, dc_esheet_get_n_rows (sheet));
  out_member (&o, "  ", "waybills", FALSE);
  out_int (&o, dc_esheet_get_n_waybills (sheet));
  out_member (&o, "  ", "docks", FALSE);
  out_int (&o, dc_esheet_get_n_docks (sheet));
  out_member (&o, "  ", "duplicates", FALSE);
  out_int (&o, dc_esheet_get_n_duplicates (sheet));
  out_member (&o, "  ", "rejected_count", FALSE);
  out_int (&o, dc_esheet_get_n_rejected (sheet));
  out_member (&o, "  ", "rejected", FALSE);
  out_lit (&o, "[");
  for (guint i = 0; i < rejects->len; i++)
    {
      const DcEsheetReject *r = g_ptr_array_index (rejects, i);
      out_lit (&o, i ? ",\n    {" : "\n    {");
      out_member (&o, "      ", "row", TRUE);
      out_int (&o, r->row);
      out_member (&o, "      ", "column", FALSE);
      out_str (&o, r->column);
      out_member (&o, "      ", "reason", FALSE);
      out_str (&o, r->reason);
      out_lit (&o, "\n    }");
    }
  out_lit (&o, rejects->len ? "\n  ]" : "]");
  out_member (&o, "  ", "by", FALSE);
  out_str (&o, by_dock ? "dock" : "order");
  out_member (&o, "  ", "items", FALSE);
  out_lit (&o, "[");
  if (by_dock)
    for (guint i = 0; i < dc_esheet_get_n_docks (sheet); i++)
      {
        DcEsheetDockItem it;

        dc_esheet_get_dock_item (sheet, i, config, &it);
        out_lit (&o, i ? ",\n    {" : "\n    {");
        out_member (&o, "      ", "dock", TRUE);
        out_str (&o, it.dock);
        out_member (&o, "      ", "waybills", FALSE);
        out_int (&o, it.n_waybills);
        out_member (&o, "      ", "scans", FALSE);
        out_int (&o, it.n_scans);
        out_member (&o, "      ", "first", FALSE);
        format_local (&clock, it.first_us, tbuf);
        out_str (&o, tbuf);
        out_member (&o, "      ", "last", FALSE);
        format_local (&clock, it.last_us, tbuf);
        out_str (&o, tbuf);
        out_member (&o, "      ", "mapped", FALSE);
        out_lit (&o, it.mapped ? "true" : "false");
        if (it.mapped)
          {
            out_member (&o, "      ", "dvr", FALSE);
            out_str (&o, it.dvr);
            out_member (&o, "      ", "channel", FALSE);
            out_int (&o, it.channel);
          }
        out_lit (&o, "\n    }");
      }
  else
    for (guint i = 0; i < dc_esheet_get_n_waybills (sheet); i++)
      {
        DcEsheetWaybillItem it;

        dc_esheet_get_waybill_item (sheet, i, &it);
        out_lit (&o, i ? ",\n    {" : "\n    {");
        out_member (&o, "      ", "waybill", TRUE);
        out_str (&o, it.waybill);
        out_member (&o, "      ", "scans", FALSE);
        out_lit (&o, "[");
        for (guint k = 0; k < it.n_scans; k++)
          {
            guint row = it.rows[k];
            gint64 us = dc_esheet_get_row_time (sheet, row);

            out_lit (&o, k ? ", {" : "{");
            out_lit (&o, "\"dock\" : ");
            out_str (&o, dc_esheet_get_row_dock (sheet, row));
            format_local (&clock, us, tbuf);
            out_lit (&o, ", \"time\" : ");
            out_str (&o, tbuf);
            out_lit (&o, ", \"time_us\" : ");
            out_int (&o, us);
            out_lit (&o, ", \"row\" : ");
            out_int (&o, dc_esheet_get_row_source (sheet, row));
            for (guint e = 0; e < dc_esheet_get_n_extras (sheet); e++)
              {
                out_lit (&o, ", ");
                out_str (&o, dc_esheet_get_extra_name (sheet, e));
                out_lit (&o, " : ");
                out_str (&o, dc_esheet_get_row_extra (sheet, row, e));
              }
            out_lit (&o, "}");
          }
        out_lit (&o, "]\n    }");
      }
  out_lit (&o, dc_esheet_get_n_waybills (sheet) || by_dock ? "\n  ]\n}\n" : "]\n}\n");
  out_flush (&o);
  g_string_free (o.buf, TRUE);
  g_time_zone_unref (clock.tz);
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
