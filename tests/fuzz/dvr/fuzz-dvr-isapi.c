/* libFuzzer harness: every ISAPI (Hikvision) answer parser on the same
 * bytes, as a recorder — or anything answering on its address — could send
 * them.  The input is used with its exact length (not NUL-terminated), so
 * a parser reading past the body is caught by ASan.
 * Run: fuzz-dvr-isapi tests/fuzz/dvr/corpus/isapi -max_total_time=300 */
#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "dvr/dc-dvr-parse.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
walk (const DcXmlNode *node, guint depth)
{
  /* The accessors must hold whatever tree the parser built. */
  (void) dc_xml_node_text (node);
  (void) dc_xml_node_attr (node, "version");
  (void) dc_xml_node_child_text (node, "statusCode");
  for (guint i = 0; node->children != NULL && i < node->children->len && depth < 64; i++)
    walk (g_ptr_array_index (node->children, i), depth + 1);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  gssize len = (gssize) size;
  g_autofree char *copy = g_strndup (text, size);

  {
    g_autoptr(DcXmlNode) root = dc_xml_parse (text, len, NULL);
    if (root != NULL)
      {
        walk (root, 0);
        (void) dc_xml_node_find (root, "searchMatchItem");
      }
  }
  {
    DcIsapiStatus status = { 0 };
    dc_isapi_parse_response_status (text, len, &status);
    dc_isapi_status_clear (&status);
  }
  {
    DcDvrInfo *info = g_new0 (DcDvrInfo, 1);
    dc_isapi_parse_device_info (text, len, info, NULL);
    dc_dvr_info_free (info);
  }
  {
    DcIsapiTime t;
    dc_isapi_parse_time (text, len, &t, NULL);
    dc_isapi_time_clear (&t);
  }
  {
    GPtrArray *channels = dc_isapi_parse_channels (text, len, NULL);
    /* Ids are 1..1024 and distinct, names carry no control character. */
    for (guint i = 0; channels != NULL && i < channels->len; i++)
      {
        const DcDvrChannel *ch = g_ptr_array_index (channels, i);
        g_assert (ch->id >= 1 && ch->id <= 1024);
        for (const char *p = ch->name; *p; p++)
          g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
      }
    g_assert (channels == NULL || channels->len <= 1024);
    g_clear_pointer (&channels, g_ptr_array_unref);
  }
  {
    g_autofree char *safe = dc_dvr_text_sanitize (copy);
    for (const char *p = safe; p && *p; p++)
      g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
  }
  (void) dc_isapi_parse_search_profile (text, len);
  {
    gboolean by_time = FALSE, by_name = FALSE;
    dc_isapi_parse_download_ability (text, len, &by_time, &by_name, NULL);
  }
  {
    g_autoptr(DcIsapiSearchResult) r = dc_isapi_parse_search_result (text, len, NULL);
    for (guint i = 0; r != NULL && i < r->matches->len; i++)
      {
        const DcIsapiMatch *m = g_ptr_array_index (r->matches, i);

        /* What the driver does next with a match's URI. */
        /* An item may lack its URI (real NVRs); sizes are bounded. */
        g_assert (m->size <= (G_GUINT64_CONSTANT (64) << 30));
        if (m->playback_uri == NULL)
          continue;
        (void) dc_isapi_uri_track_id (m->playback_uri);
        g_free (dc_isapi_uri_get_param (m->playback_uri, "starttime"));
        g_free (dc_isapi_uri_set_times (m->playback_uri, "20251103T140000Z", "20251103T140010Z"));
      }
  }
  /* The string helpers on the raw text. */
  {
    gint64 wall = 0;
    int suffix = 0;

    g_free (dc_isapi_uri_get_param (copy, "name"));
    g_free (dc_isapi_uri_get_param (copy, "size"));
    g_free (dc_isapi_uri_set_times (copy, "20251103T140000Z", "20251103T140010Z"));
    g_free (dc_xml_escape (copy));
    if (dc_wire_time_parse (copy, &wall, &suffix))
      {
        g_free (dc_wire_time_format_isapi (wall));
        g_free (dc_wire_time_format_isapi_uri (wall));
        g_free (dc_wire_time_format_dahua (wall));
      }
  }
  return 0;
}
