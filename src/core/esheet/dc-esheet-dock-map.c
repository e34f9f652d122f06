/* dc-esheet-dock-map.c: the dock -> recorder sheet operators already keep
 * (月台号, 设备厂商 大华/海康, IP, 通道序号, 端口, 用户名, 密码), read
 * with the e-sheet readers into a DcConfig. */
#define G_LOG_DOMAIN "dc-esheet"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "esheet/dc-esheet-private.h"

enum { M_DOCK, M_BRAND, M_IP, M_CHANNEL, M_PORT, M_HTTP_PORT, M_USER, M_PASSWORD, N_MAP };

static const char *const map_synonyms[N_MAP][10] = {
  [M_DOCK] = { "月台号", "月台", "道口号", "道口", "格口", "dock", "dockno", "gate", NULL },
  [M_BRAND] = { "设备厂商", "厂商", "厂家", "品牌", "设备品牌", "brand", "vendor", "manufacturer", NULL },
  [M_IP] = { "ip", "ip地址", "设备ip", "地址", "host", "address", "ipaddress", NULL },
  [M_CHANNEL] = { "通道序号", "通道号", "通道", "channel", "ch", "channelno", NULL },
  [M_PORT] = { "端口", "端口号", "port", "sdk端口", NULL },
  [M_HTTP_PORT] = { "http端口", "httpport", "web端口", "网页端口", NULL },
  [M_USER] = { "用户名", "用户", "账号", "帐号", "user", "username", "login", NULL },
  [M_PASSWORD] = { "密码", "password", "pwd", "passwd", NULL },
};

typedef struct
{
  const char *name;
  DcConfig   *config;    /* what this import found; copied to target on success */
  DcConfig   *target;
  GPtrArray  *notes;     /* DcDockMapNote* */
  gboolean    found;
  guint       rows_seen;
  int         col[N_MAP];
  guint       n_docks;
  GHashTable *noted_ports;   /* dvr names already noted */
} MapImport;

static char *
cell_text (const DcCell *cells, guint n, int col)
{
  const DcCell *c;
  g_autofree char *raw = NULL;

  if (col < 0 || (guint) col >= n)
    return g_strdup ("");
  c = &cells[col];
  if (c->kind == DC_CELL_EMPTY || c->text == NULL)
    return g_strdup ("");
  if (c->kind == DC_CELL_NUMBER && c->number == (double) (gint64) c->number)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) c->number);
  raw = g_strndup (c->text, c->len);
  if (!g_utf8_validate (raw, -1, NULL))
    return g_strdup ("");
  return g_strstrip (g_steal_pointer (&raw));
}

static gboolean
detect (MapImport *mi, const DcCell *cells, guint n)
{
  int col[N_MAP];

  for (int f = 0; f < N_MAP; f++)
    col[f] = -1;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = cell_text (cells, n, i);
      g_autofree char *norm = dc_esheet_normalize_header (text, strlen (text));
      /* Exact synonyms only: "HTTP端口" must not count as 端口. */
      for (int f = 0; f < N_MAP && norm[0]; f++)
        for (int s = 0; map_synonyms[f][s]; s++)
          if (strcmp (norm, map_synonyms[f][s]) == 0 && col[f] < 0)
            col[f] = i;
    }
  if (col[M_DOCK] < 0 || col[M_IP] < 0 || col[M_CHANNEL] < 0)
    return FALSE;
  memcpy (mi->col, col, sizeof col);
  return TRUE;
}

void
dc_dock_map_note_free (DcDockMapNote *note)
{
  if (note == NULL)
    return;
  g_free (note->reason);
  g_free (note);
}

/* Takes @reason. */
static void
note (MapImport *mi, guint row, gboolean skipped, char *reason)
{
  DcDockMapNote *n = g_new0 (DcDockMapNote, 1);

  n->row = row;
  n->skipped = skipped;
  n->reason = reason;
  g_ptr_array_add (mi->notes, n);
}

static gboolean
parse_brand (const char *text, DcDvrBrand *out)
{
  g_autofree char *low = g_utf8_strdown (text, -1);

  if (strstr (low, "海康") || strstr (low, "hik"))
    *out = DC_DVR_BRAND_HIKVISION;
  else if (strstr (low, "大华") || strstr (low, "dahua"))
    *out = DC_DVR_BRAND_DAHUA;
  else
    return FALSE;
  return TRUE;
}

static gboolean
on_map_row (guint row, const DcCell *cells, guint n, gpointer user_data, GError **error)
{
  MapImport *mi = user_data;
  g_autofree char *dock = NULL, *brand_text = NULL, *ip = NULL, *channel_text = NULL;
  g_autofree char *port_text = NULL, *http_text = NULL, *user = NULL, *password = NULL;
  g_autofree char *dvr_name = NULL, *url = NULL;
  DcDvrBrand brand = DC_DVR_BRAND_HIKVISION;
  guint64 channel, port = 80;
  char *end;

  if (!mi->found)
    {
      if (mi->rows_seen++ >= 50)
        return FALSE;
      mi->found = detect (mi, cells, n);
      return TRUE;
    }
  dock = cell_text (cells, n, mi->col[M_DOCK]);
  ip = cell_text (cells, n, mi->col[M_IP]);
  channel_text = cell_text (cells, n, mi->col[M_CHANNEL]);
  if (dock[0] == '\0' && ip[0] == '\0')
    return TRUE;
  brand_text = cell_text (cells, n, mi->col[M_BRAND]);
  port_text = cell_text (cells, n, mi->col[M_PORT]);
  http_text = cell_text (cells, n, mi->col[M_HTTP_PORT]);
  user = cell_text (cells, n, mi->col[M_USER]);
  password = cell_text (cells, n, mi->col[M_PASSWORD]);

  if (dock[0] == '\0')
    {
      note (mi, row, TRUE, g_strdup_printf (_("The dock number is empty (recorder %s)."), ip));
      return TRUE;
    }
  if (ip[0] == '\0' || strpbrk (ip, " /[]") != NULL)
    {
      note (mi, row, TRUE, ip[0] == '\0'
            ? g_strdup_printf (_("Dock %s has no IP address."), dock)
            : g_strdup_printf (_("“%s” (dock %s) is not an IP address."), ip, dock));
      return TRUE;
    }
  channel = g_ascii_strtoull (channel_text, &end, 10);
  if (end == channel_text || *end != '\0' || channel < 1 || channel > 512)
    {
      note (mi, row, TRUE,
            g_strdup_printf (_("Channel “%s” of dock %s is not a number from 1 to 512."),
                             channel_text, dock));
      return TRUE;
    }
  if (brand_text[0] && !parse_brand (brand_text, &brand))
    {
      note (mi, row, TRUE,
            g_strdup_printf (_("Brand “%s” (dock %s) is not supported: Dockclip knows 大华/Dahua and 海康/Hikvision."),
                             brand_text, dock));
      return TRUE;
    }
  if (brand_text[0] == '\0')
    note (mi, row, FALSE,
          g_strdup_printf (_("No brand given for %s (dock %s): Hikvision is assumed."), ip, dock));

  if (http_text[0])
    port = g_ascii_strtoull (http_text, NULL, 10);
  else if (port_text[0])
    port = g_ascii_strtoull (port_text, NULL, 10);
  if (port == 0 || port > 65535)
    port = 80;
  dvr_name = port == 80 ? g_strdup (ip) : g_strdup_printf ("%s-%u", ip, (guint) port);
  /* 8000 (Hikvision SDK), 37777 (Dahua SDK) and 554 (RTSP) are not the
   * web port Dockclip talks to. */
  if (!http_text[0] && (port == 8000 || port == 37777 || port == 37778 || port == 554))
    {
      if (!g_hash_table_contains (mi->noted_ports, ip))
        {
          note (mi, 0, FALSE,
                g_strdup_printf (_("Recorder %s: port %u is the vendor SDK/RTSP port; Dockclip uses the web (HTTP) port, set to 80. Change the address in the recorder’s settings if its web page is on another port."),
                                 ip, (guint) port));
          g_hash_table_add (mi->noted_ports, g_strdup (ip));
        }
      port = 80;
      g_free (dvr_name);
      dvr_name = g_strdup (ip);
    }
  url = port == 80 ? g_strdup_printf ("http://%s", ip) : g_strdup_printf ("http://%s:%u", ip, (guint) port);

  if (dc_config_get_dvr (mi->config, dvr_name) == NULL &&
      dc_config_get_dvr (mi->target, dvr_name) == NULL)
    {
      DcDvrConfig cfg = { 0 };
      cfg.name = dvr_name;
      cfg.brand = brand;
      cfg.url = url;
      cfg.user = user[0] ? user : (char *) "admin";
      cfg.password = password;
      cfg.max_downloads = 1;
      cfg.time_mode = DC_DVR_TIME_AUTO;
      cfg.download_by_time = -1;
      dc_config_set_dvr (mi->config, &cfg);
    }
  dc_config_set_dock (mi->config, dock, dvr_name, (guint) channel);
  mi->n_docks++;
  return TRUE;
}

gboolean
dc_esheet_import_dock_map_rows (const char *path, DcConfig *config, GPtrArray *notes,
                                guint *n_docks, GError **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(DcConfig) found = NULL;
  g_autoptr(GPtrArray) own_notes = NULL;
  DcEsheetImportOptions options;
  DcEsheetFormat format;
  const char *encoding;
  gboolean needs_validation, date1904;
  MapImport mi = { 0 };
  gboolean ok;
  GPtrArray *list;

  g_return_val_if_fail (path != NULL && config != NULL, FALSE);

  if (n_docks)
    *n_docks = 0;
  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_READ,
                   _("Cannot open the dock list %s: %s"), path, local->message);
      return FALSE;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  dc_esheet_import_options_init (&options);
  found = dc_config_new ();
  if (notes == NULL)
    notes = own_notes = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dock_map_note_free);
  mi.name = path;
  mi.config = found;
  mi.target = config;
  mi.notes = notes;
  mi.noted_ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ok = dc_esheet_read_any (path, path, bytes, &options, on_map_row, &mi, NULL, &format, &encoding,
                           &needs_validation, &date1904, error);
  g_hash_table_unref (mi.noted_ports);
  if (ok && !mi.found)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_HEADER,
                   _("No header row found in %s: the dock list needs the columns 月台号 (dock), IP and 通道序号 (channel), and may have 设备厂商, 端口, 用户名 and 密码."),
                   path);
      return FALSE;
    }
  if (ok && mi.n_docks == 0)
    {
      g_set_error (error, DC_ESHEET_ERROR, DC_ESHEET_ERROR_NO_ROWS,
                   _("%s lists no usable dock."), path);
      return FALSE;
    }
  if (!ok)
    return FALSE;
  /* Only now: a file that fails half-way changes nothing. */
  list = dc_config_get_dvrs (found);
  for (guint i = 0; i < list->len; i++)
    dc_config_set_dvr (config, g_ptr_array_index (list, i));
  list = dc_config_get_docks (found);
  for (guint i = 0; i < list->len; i++)
    {
      const DcDockMap *m = g_ptr_array_index (list, i);
      dc_config_set_dock (config, m->dock, m->dvr, m->channel);
    }
  if (n_docks)
    *n_docks = list->len;
  return TRUE;
}

gboolean
dc_esheet_import_dock_map (const char *path, DcConfig *config, GPtrArray *notes, GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dock_map_note_free);

  if (!dc_esheet_import_dock_map_rows (path, config, rows, NULL, error))
    return FALSE;
  for (guint i = 0; notes && i < rows->len; i++)
    {
      const DcDockMapNote *n = g_ptr_array_index (rows, i);

      if (n->row == 0)
        g_ptr_array_add (notes, g_strdup (n->reason));
      else if (n->skipped)
        /* TRANSLATORS: file, row number, the reason (a sentence) */
        g_ptr_array_add (notes, g_strdup_printf (_("%s row %u skipped: %s"), path, n->row, n->reason));
      else
        g_ptr_array_add (notes, g_strdup_printf (_("%s row %u: %s"), path, n->row, n->reason));
    }
  return TRUE;
}
