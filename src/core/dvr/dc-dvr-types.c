#define G_LOG_DOMAIN "dc-dvr"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "dvr/dc-dvr.h"
#include "util/dc-file-util.h"

G_DEFINE_QUARK (dc-dvr-error-quark, dc_dvr_error)

gboolean
dc_dvr_error_is_retryable (const GError *error)
{
  if (error == NULL || error->domain != DC_DVR_ERROR)
    return FALSE;
  switch ((DcDvrError) error->code)
    {
    case DC_DVR_ERROR_UNREACHABLE:
    case DC_DVR_ERROR_BUSY:
    case DC_DVR_ERROR_STALLED:
    case DC_DVR_ERROR_DROPPED:
    case DC_DVR_ERROR_TRUNCATED:
    case DC_DVR_ERROR_BAD_RESPONSE:
      return TRUE;
    case DC_DVR_ERROR_AUTH:
    case DC_DVR_ERROR_NO_RECORDING:
    case DC_DVR_ERROR_DEVICE:
    case DC_DVR_ERROR_NOT_SUPPORTED:
    case DC_DVR_ERROR_CANCELLED:
    case DC_DVR_ERROR_CONFIG:
    default:
      return FALSE;
    }
}

const char *
dc_dvr_time_mode_to_string (DcDvrTimeMode mode)
{
  switch (mode)
    {
    case DC_DVR_TIME_AUTO: return "auto";
    case DC_DVR_TIME_LOCAL: return "local";
    case DC_DVR_TIME_UTC: return "utc";
    default: return "unknown";
    }
}

gboolean
dc_dvr_time_mode_from_string (const char *str, DcDvrTimeMode *out)
{
  if (str == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (str, "auto") == 0)
    *out = DC_DVR_TIME_AUTO;
  else if (g_ascii_strcasecmp (str, "local") == 0)
    *out = DC_DVR_TIME_LOCAL;
  else if (g_ascii_strcasecmp (str, "utc") == 0)
    *out = DC_DVR_TIME_UTC;
  else
    return FALSE;
  return TRUE;
}

DcDvrConfig *
dc_dvr_config_copy (const DcDvrConfig *cfg)
{
  DcDvrConfig *copy;

  g_return_val_if_fail (cfg != NULL, NULL);
  copy = g_new0 (DcDvrConfig, 1);
  *copy = *cfg;
  copy->name = g_strdup (cfg->name);
  copy->url = g_strdup (cfg->url);
  copy->user = g_strdup (cfg->user);
  copy->password = g_strdup (cfg->password);
  copy->tls_pin = g_strdup (cfg->tls_pin);
  return copy;
}

void
dc_dvr_config_free (DcDvrConfig *cfg)
{
  if (cfg == NULL)
    return;
  g_free (cfg->name);
  g_free (cfg->url);
  g_free (cfg->user);
  dc_secret_free (cfg->password);
  g_free (cfg->tls_pin);
  g_free (cfg);
}

gboolean
dc_dvr_tls_pin_is_valid (const char *pin)
{
  const char *b64;
  gsize len;

  if (pin == NULL || !g_str_has_prefix (pin, "sha256//"))
    return FALSE;
  b64 = pin + strlen ("sha256//");
  /* 32 bytes in base64: 43 characters and one '='. */
  if (strlen (b64) != 44 || b64[43] != '=')
    return FALSE;
  for (guint i = 0; i < 43; i++)
    if (!g_ascii_isalnum (b64[i]) && b64[i] != '+' && b64[i] != '/')
      return FALSE;
  {
    g_autofree guchar *raw = g_base64_decode (b64, &len);
    return len == 32;
  }
}

char *
dc_dvr_config_get_host (const DcDvrConfig *cfg)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (cfg == NULL || cfg->url == NULL)
    return NULL;
  uri = g_uri_parse (cfg->url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return NULL;
  /* GUri keeps IPv6 literals without brackets. */
  return g_strdup (host);
}

void
dc_dvr_info_free (DcDvrInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->model);
  g_free (info->serial);
  g_free (info->firmware);
  g_free (info->device_type);
  g_strfreev (info->channel_names);
  g_free (info);
}

DcDvrInfo *
dc_dvr_info_copy (const DcDvrInfo *info)
{
  DcDvrInfo *copy;

  if (info == NULL)
    return NULL;
  copy = g_new0 (DcDvrInfo, 1);
  *copy = *info;
  copy->model = g_strdup (info->model);
  copy->serial = g_strdup (info->serial);
  copy->firmware = g_strdup (info->firmware);
  copy->device_type = g_strdup (info->device_type);
  copy->channel_names = g_strdupv (info->channel_names);
  return copy;
}

DcDvrSegment *
dc_dvr_segment_copy (const DcDvrSegment *seg)
{
  DcDvrSegment *copy;

  g_return_val_if_fail (seg != NULL, NULL);
  copy = g_new0 (DcDvrSegment, 1);
  *copy = *seg;
  copy->uri = g_strdup (seg->uri);
  copy->container = g_strdup (seg->container);
  return copy;
}

void
dc_dvr_segment_free (DcDvrSegment *seg)
{
  if (seg == NULL)
    return;
  g_free (seg->uri);
  g_free (seg->container);
  g_free (seg);
}
