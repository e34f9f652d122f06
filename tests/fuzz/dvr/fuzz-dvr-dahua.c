/* libFuzzer harness: every Dahua CGI answer parser (key=value pages,
 * findNextFile pages, channel titles, Error pages) on the same bytes, used
 * with their exact length.
 * Run: fuzz-dvr-dahua tests/fuzz/dvr/corpus/dahua -max_total_time=300 */
#include "config.h"

#include <glib.h>
#include <stdint.h>

#include "dvr/dc-dvr-parse.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  gssize len = (gssize) size;

  {
    g_autofree char *detail = NULL;
    (void) dc_dahua_is_error (text, len, &detail);
  }
  {
    GHashTable *kv = dc_dahua_parse_kv (text, len, NULL);
    g_clear_pointer (&kv, g_hash_table_unref);
  }
  {
    g_free (dc_dahua_parse_value (text, len, "result", NULL));
    g_free (dc_dahua_parse_value (text, len, "type", NULL));
  }
  {
    guint found = 0;
    GPtrArray *items = NULL;

    if (dc_dahua_parse_find_page (text, len, &found, &items, NULL))
      {
        g_assert (items != NULL);
        for (guint i = 0; i < items->len; i++)
          {
            const DcDahuaItem *item = g_ptr_array_index (items, i);
            int cam;
            /* Items may be invalid (no path, no times), never out of range. */
            g_assert (!item->valid || item->file_path != NULL);
            g_assert (item->index < 1000);
            g_assert (item->length <= (G_GUINT64_CONSTANT (64) << 30));
            g_assert (item->channel >= -2 && item->channel <= 1024);
            cam = dc_dahua_path_channel (item->file_path);
            g_assert (cam == -1 || (cam >= 1 && cam <= 1024));
          }
      }
    g_clear_pointer (&items, g_ptr_array_unref);
  }
  {
    g_auto(GStrv) titles = dc_dahua_parse_channel_titles (text, len, NULL);
    /* index 0 = channel 1, at most 1024 channels whatever the page says */
    g_assert (titles == NULL || g_strv_length (titles) <= 1024);
  }
  return 0;
}
