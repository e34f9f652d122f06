/* dc-evidence-record.c: reading the download engine's evidence records. */
#define G_LOG_DOMAIN "dc-report"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "report/dc-evidence-record.h"

void
dc_evidence_record_free (DcEvidenceRecord *evidence)
{
  if (evidence == NULL)
    return;
  g_free (evidence->file);
  g_free (evidence->kind);
  g_free (evidence->status);
  g_free (evidence->note);
  g_free (evidence->waybill);
  g_free (evidence->dock);
  g_free (evidence->scan_time);
  g_free (evidence->recorder);
  g_free (evidence->brand);
  g_free (evidence->model);
  g_free (evidence->channel_name);
  g_free (evidence->frame_time);
  g_free (evidence->span_start);
  g_free (evidence->span_end);
  g_free (evidence->sha256);
  g_free (evidence->downloaded_at);
  g_free (evidence);
}

char *
dc_evidence_record_path (const char *folder,
                  const char *file_name)
{
  g_autofree char *json = g_strconcat (file_name, ".json", NULL);

  return g_build_filename (folder, DC_EVIDENCE_DIR_NAME, json, NULL);
}

/* A non-empty string member, else NULL (a number or null is not a string). */
static char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (node);
  return s != NULL && *s != '\0' ? g_strdup (s) : NULL;
}

static gboolean
get_number (JsonObject *object,
            const char *member,
            double     *out)
{
  JsonNode *node = json_object_get_member (object, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (type == G_TYPE_STRING)
    {
      /* "83" or "-1.5": a writer that quoted its numbers */
      const char *s = json_node_get_string (node);
      char *end = NULL;

      if (s == NULL || *s == '\0')
        return FALSE;
      *out = g_ascii_strtod (s, &end);
      if (end == NULL || *end != '\0')
        return FALSE;
    }
  else
    return FALSE;
  return isfinite (*out);
}

DcEvidenceRecord *
dc_evidence_record_parse (const char  *name,
                   const char  *data,
                   gsize        len,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  JsonObject *object;
  DcEvidenceRecord *evidence;
  double number;

  if (len > DC_EVIDENCE_MAX_BYTES || !g_utf8_validate_len (data, len, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The evidence record %s is not one Dockclip wrote (too large or not UTF-8); "
                     "its picture is reported without it."), name);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The evidence record %s is damaged (not a JSON object); "
                     "its picture is reported without it."), name);
      return NULL;
    }
  object = json_node_get_object (root);
  evidence = g_new0 (DcEvidenceRecord, 1);
  evidence->file = get_string (object, "file");
  evidence->kind = get_string (object, "kind");
  evidence->status = get_string (object, "status");
  evidence->note = get_string (object, "note");
  evidence->waybill = get_string (object, "waybill");
  evidence->dock = get_string (object, "dock");
  evidence->scan_time = get_string (object, "scan_time");
  evidence->recorder = get_string (object, "recorder");
  evidence->brand = get_string (object, "brand");
  evidence->model = get_string (object, "model");
  evidence->channel_name = get_string (object, "channel_name");
  evidence->frame_time = get_string (object, "frame_time");
  evidence->span_start = get_string (object, "span_start");
  evidence->span_end = get_string (object, "span_end");
  evidence->sha256 = get_string (object, "sha256");
  evidence->downloaded_at = get_string (object, "downloaded_at");
  if (get_number (object, "channel", &number) && number >= 1 && number <= 65535
      && number == (guint) number)
    evidence->channel = (guint) number;
  evidence->has_clock_offset = get_number (object, "clock_offset_s", &evidence->clock_offset_s);
  if (evidence->sha256 != NULL)
    {
      char *lower = g_ascii_strdown (evidence->sha256, -1);

      g_free (evidence->sha256);
      evidence->sha256 = lower;
    }
  return evidence;
}

DcEvidenceRecord *
dc_evidence_record_load (const char  *folder,
                  const char  *file_name,
                  GError     **error)
{
  g_autofree char *path = dc_evidence_record_path (folder, file_name);
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  GStatBuf st;
  gsize len = 0;

  if (g_stat (path, &st) != 0)
    return NULL;
  if (st.st_size > DC_EVIDENCE_MAX_BYTES)
    return dc_evidence_record_parse (path, "", DC_EVIDENCE_MAX_BYTES + 1, error);
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Cannot read the evidence record %s (%s); its picture is reported without it."),
                   path, local->message);
      return NULL;
    }
  return dc_evidence_record_parse (path, data, len, error);
}
