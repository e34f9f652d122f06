/* dc-dvr-drivers.c: the registry of recorder brands.  Adding a brand is one
 * line in drivers[] (plus its file and its DcDvrBrand value). */
#define G_LOG_DOMAIN "dc-dvr"

#include "config.h"

#include <glib/gi18n.h>

#include "dvr/dc-dvr-driver.h"

static const DcDvrDriver *const drivers[] = {
  &dc_hik_driver,
  &dc_dahua_driver,
};

const DcDvrDriver *
dc_dvr_driver_for_brand (DcDvrBrand brand)
{
  for (guint i = 0; i < G_N_ELEMENTS (drivers); i++)
    if (drivers[i]->brand == brand)
      return drivers[i];
  return NULL;
}

const DcDvrBrandInfo *
dc_dvr_brand_list (guint *n_brands)
{
  static DcDvrBrandInfo list[G_N_ELEMENTS (drivers) + 1];
  static gsize init = 0;

  if (g_once_init_enter (&init))
    {
      for (guint i = 0; i < G_N_ELEMENTS (drivers); i++)
        {
          list[i].brand = drivers[i]->brand;
          list[i].id = drivers[i]->id;
          list[i].display_name = drivers[i]->display_name;
        }
      g_once_init_leave (&init, 1);
    }
  if (n_brands)
    *n_brands = G_N_ELEMENTS (drivers);
  return list;
}

const char *
dc_dvr_brand_display_name (DcDvrBrand brand)
{
  const DcDvrDriver *d = dc_dvr_driver_for_brand (brand);
  return d ? _(d->display_name) : _("Unknown brand");
}

const char *
dc_dvr_brand_to_string (DcDvrBrand brand)
{
  const DcDvrDriver *d = dc_dvr_driver_for_brand (brand);
  return d ? d->id : "unknown";
}

gboolean
dc_dvr_brand_from_string (const char *str, DcDvrBrand *out)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (drivers); i++)
    if (g_ascii_strcasecmp (str, drivers[i]->id) == 0)
      {
        *out = drivers[i]->brand;
        return TRUE;
      }
  return FALSE;
}

gboolean
dc_dvr_error_is_fatal (const GError *error)
{
  if (error == NULL || error->domain != DC_DVR_ERROR)
    return FALSE;
  switch ((DcDvrError) error->code)
    {
    case DC_DVR_ERROR_AUTH:
    case DC_DVR_ERROR_UNREACHABLE:
    case DC_DVR_ERROR_CANCELLED:
    case DC_DVR_ERROR_STALLED:
    case DC_DVR_ERROR_DROPPED:
    case DC_DVR_ERROR_BUSY:
    case DC_DVR_ERROR_CONFIG:
      return TRUE;
    case DC_DVR_ERROR_TRUNCATED:
    case DC_DVR_ERROR_NO_RECORDING:
    case DC_DVR_ERROR_BAD_RESPONSE:
    case DC_DVR_ERROR_DEVICE:
    case DC_DVR_ERROR_NOT_SUPPORTED:
    default:
      return FALSE;
    }
}
