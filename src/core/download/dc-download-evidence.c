/* dc-download-evidence.c: see dc-download-evidence.h. */
#define G_LOG_DOMAIN "dc-evidence"

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "download/dc-download-evidence.h"
#include "util/dc-file-util.h"

char *
dc_evidence_path_for (const char *file)
{
  g_autofree char *dir = g_path_get_dirname (file);
  g_autofree char *base = g_path_get_basename (file);
  g_autofree char *name = g_strconcat (base, ".json", NULL);

  return g_build_filename (dir, ".evidence", name, NULL);
}

/* ISO 8601 in this PC's local time, with its offset: what the operator
 * reads on the e-sheet, and unambiguous for a program. */
static char *
iso_local (gint64 pc_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (pc_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) exact = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("");
  exact = g_date_time_add (utc, pc_us % G_USEC_PER_SEC);
  local = g_date_time_to_local (exact);
  return local ? g_date_time_format_iso8601 (local) : g_strdup ("");
}

static char *
sha256_of_file (const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, error);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = NULL;
  gssize n;

  if (in == NULL)
    return NULL;
  buf = g_malloc (64 * 1024);
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, 64 * 1024, NULL, error)) > 0)
    g_checksum_update (sum, buf, n);
  if (n < 0)
    return NULL;
  return g_strdup (g_checksum_get_string (sum));
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value != NULL ? value : "");
}

static void
add_time (JsonBuilder *b, const char *name, gint64 pc_us)
{
  g_autofree char *text = iso_local (pc_us);

  add_string (b, name, text);
}

char *
dc_evidence_to_json (const DcEvidence *ev, GError **error)
{
  const DcDownloadRequest *req = ev->request;
  const DcDvrInfo *info = ev->info;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *sha = sha256_of_file (ev->data_path ? ev->data_path : ev->file, error);
  g_autofree char *base = g_path_get_basename (ev->file);
  g_autofree char *batch_dir = g_path_get_dirname (ev->file);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *now_text = g_date_time_format_iso8601 (now);
  const char *channel_name = NULL;

  if (sha == NULL)
    return NULL;
  if (info != NULL && info->channel_names != NULL && req->channel >= 1 &&
      req->channel <= g_strv_length (info->channel_names))
    channel_name = info->channel_names[req->channel - 1];

  json_builder_begin_object (b);
  add_string (b, "file", base);
  add_string (b, "kind", ev->is_clip ? "clip" : "picture");
  add_string (b, "status", ev->partial ? "partial" : "done");
  add_string (b, "note", ev->partial ? ev->note : "");
  add_string (b, "waybill", req->waybill);
  add_string (b, "dock", req->dock);
  add_time (b, "scan_time", req->scan_us);
  add_string (b, "recorder", ev->dvr->name);
  add_string (b, "brand", dc_dvr_brand_to_string (ev->dvr->brand));
  add_string (b, "model", info ? info->model : NULL);
  json_builder_set_member_name (b, "channel");
  json_builder_add_int_value (b, req->channel);
  add_string (b, "channel_name", channel_name);
  json_builder_set_member_name (b, "clock_offset_s");
  json_builder_add_int_value (b, info ? info->clock_offset_s : 0);
  if (ev->is_clip)
    {
      add_time (b, "span_start", ev->span_start_us);
      add_time (b, "span_end", ev->span_end_us);
    }
  else
    add_time (b, "frame_time", ev->frame_us);
  add_string (b, "sha256", sha);
  add_string (b, "downloaded_at", now_text);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

gboolean
dc_evidence_write (const DcEvidence *ev, GError **error)
{
  g_autofree char *path = dc_evidence_path_for (ev->file);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *json = NULL;

  if (!dc_ensure_private_dir (dir, error))
    return FALSE;
  json = dc_evidence_to_json (ev, error);
  if (json == NULL)
    return FALSE;
  return dc_write_file_atomic (path, json, -1, 0600, error);
}

void
dc_evidence_remove (const char *file)
{
  g_autofree char *path = dc_evidence_path_for (file);
  g_autoptr(GFile) f = g_file_new_for_path (path);

  g_file_delete (f, NULL, NULL);
}
