/* libFuzzer harness: the update manifest parser (JSON or key file) and the
 * version comparison on whatever it accepts.  A manifest it accepts must
 * hold a valid version and a link.
 * Run: fuzz-update tests/fuzz/update/corpus -max_total_time=300 */
#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "update/dc-update.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DcUpdateInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_strndup ((const char *) data, size);

  info = dc_update_parse_manifest ((const char *) data, size, &error);
  if (info == NULL)
    {
      g_assert (error != NULL && error->domain == DC_UPDATE_ERROR);
    }
  else
    {
      g_assert (info->version != NULL && info->url != NULL && info->notes != NULL);
      /* a link that is shown never hides a control character or a space,
       * and a plain http one is always flagged */
      for (const char *p = info->url; *p; p++)
        g_assert ((guchar) *p > 0x20 && *p != 0x7f);
      g_assert (info->link_insecure == (g_ascii_strncasecmp (info->url, "https://", 8) != 0));
      g_assert (dc_update_compare_versions (info->version, info->version) == 0);
      (void) dc_update_compare_versions (info->version, "0.1.0");
      (void) dc_update_url_is_allowed (info->url, NULL);
    }
  /* The comparison and URL check on raw text (the settings accept a URL). */
  (void) dc_update_compare_versions (copy, "1.2.3.4");
  (void) dc_update_url_is_allowed (copy, NULL);
  return 0;
}
