/* dc-sim-profile.c: named firmware profiles (--profile NAME).
 *
 * Each profile is a behaviour seen on real recorders (issue reports and
 * captures published by other projects), reproduced here so the product
 * is tested against it offline.  A profile only sets the switches below;
 * the brand handlers implement them. */
#define G_LOG_DOMAIN "dc-dvr-sim"

#include "config.h"

#include <string.h>

#include "dc-sim.h"

typedef struct
{
  const char *name;
  DcSimBrand  brand;
  const char *what;
} Profile;

static const Profile profiles[] = {
  { "hik-strict-v1", DC_SIM_BRAND_HIKVISION,
    "search/download refused (400 badXmlContent) with an XML declaration, an xmlns, "
    "<trackIDList> or a searchID without braces; v1.0 form with <trackList> accepted" },
  { "hik-v2-only", DC_SIM_BRAND_HIKVISION,
    "search accepted only as version=\"2.0\" with <trackIDList>" },
  { "hik-dvr-analog", DC_SIM_BRAND_HIKVISION,
    "a DVR: empty InputProxy list (size=\"0\"), analogue inputs under /ISAPI/System/Video/inputs/channels" },
  { "hik-camera", DC_SIM_BRAND_HIKVISION,
    "an IP camera: 403 on InputProxy, one channel under /ISAPI/System/Video/inputs/channels" },
  { "hik-basic-only", DC_SIM_BRAND_HIKVISION,
    "offers only Basic sign-in (no Digest challenge)" },
  { "hik-file-cut", DC_SIM_BRAND_HIKVISION,
    "by-time downloads stop where the recording file ends" },
  { "dahua-zero-based", DC_SIM_BRAND_DAHUA,
    "condition.Channel and items[].Channel count from 0" },
  { "dahua-one-based", DC_SIM_BRAND_DAHUA,
    "condition.Channel and items[].Channel count from 1" },
  { "amcrest", DC_SIM_BRAND_DAHUA,
    "Type=dav on .mp4 files, item fields in another order, extra and empty fields, found= off by one" },
  { "dahua-unpadded-clock", DC_SIM_BRAND_DAHUA,
    "getCurrentTime answers result=2011-7-3 21:02:32 (unpadded)" },
  { "dahua-file-cut", DC_SIM_BRAND_DAHUA,
    "by-time downloads stop where the recording file ends" },
};

static const Profile *
find_profile (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    if (g_str_equal (profiles[i].name, name))
      return &profiles[i];
  return NULL;
}

const char *
dc_sim_profile_brand (const char *name)
{
  const Profile *p = name ? find_profile (name) : NULL;

  if (p == NULL)
    return NULL;
  return p->brand == DC_SIM_BRAND_HIKVISION ? "hikvision" : "dahua";
}

char *
dc_sim_profile_list (void)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    g_string_append_printf (out, "  %-22s %s\n", profiles[i].name, profiles[i].what);
  return g_string_free (out, FALSE);
}

gboolean
dc_sim_apply_profile (DcSim       *sim,
                      const char  *name,
                      GError     **error)
{
  const Profile *p = find_profile (name);

  if (p == NULL)
    {
      g_autofree char *list = dc_sim_profile_list ();

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown --profile \"%s\"; known:\n%s", name, list);
      return FALSE;
    }
  if (sim->brand != p->brand)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--profile %s is a %s profile", name,
                   p->brand == DC_SIM_BRAND_HIKVISION ? "hikvision" : "dahua");
      return FALSE;
    }
  sim->profile = g_strdup (name);
  if (g_str_equal (name, "hik-strict-v1"))
    sim->hik_form = DC_SIM_HIK_FORM_STRICT_V1;
  else if (g_str_equal (name, "hik-v2-only"))
    sim->hik_form = DC_SIM_HIK_FORM_V2_ONLY;
  else if (g_str_equal (name, "hik-dvr-analog"))
    sim->hik_inputs = DC_SIM_HIK_INPUTS_ANALOG;
  else if (g_str_equal (name, "hik-camera"))
    {
      sim->hik_inputs = DC_SIM_HIK_INPUTS_CAMERA;
      sim->channels = 1;
    }
  else if (g_str_equal (name, "hik-basic-only"))
    sim->basic_only = TRUE;
  else if (g_str_equal (name, "hik-file-cut") || g_str_equal (name, "dahua-file-cut"))
    sim->cut_at_file_end = TRUE;
  else if (g_str_equal (name, "dahua-zero-based"))
    sim->dahua_condition_base = sim->dahua_channel_base = 0;
  else if (g_str_equal (name, "dahua-one-based"))
    sim->dahua_condition_base = sim->dahua_channel_base = 1;
  else if (g_str_equal (name, "amcrest"))
    sim->amcrest = TRUE;
  else if (g_str_equal (name, "dahua-unpadded-clock"))
    sim->unpadded_clock = TRUE;
  return TRUE;
}
