#define G_LOG_DOMAIN "dc-download-request"

#include "config.h"

#include <string.h>

#include "download/dc-download-request.h"

#define DEFAULT_PADDING_US (30 * G_USEC_PER_SEC)

DcDownloadRequest *
dc_download_request_new (const char *waybill, const char *dock, const char *dvr,
                         guint channel, gint64 scan_us)
{
  DcDownloadRequest *req = g_new0 (DcDownloadRequest, 1);

  req->waybill = g_strdup (waybill);
  req->dock = g_strdup (dock);
  req->dvr = g_strdup (dvr);
  req->channel = channel;
  req->scan_us = scan_us;
  req->mode = DC_OUTPUT_PICTURE;
  req->pre_us = DEFAULT_PADDING_US;
  req->post_us = DEFAULT_PADDING_US;
  req->batch = g_strdup ("dockclip");
  req->file_stem = g_strdup (waybill);
  return req;
}

DcDownloadRequest *
dc_download_request_copy (const DcDownloadRequest *req)
{
  DcDownloadRequest *copy = g_memdup2 (req, sizeof *req);

  copy->waybill = g_strdup (req->waybill);
  copy->dock = g_strdup (req->dock);
  copy->dvr = g_strdup (req->dvr);
  copy->batch = g_strdup (req->batch);
  copy->file_stem = g_strdup (req->file_stem);
  return copy;
}

void
dc_download_request_free (DcDownloadRequest *req)
{
  if (req == NULL)
    return;
  g_free (req->waybill);
  g_free (req->dock);
  g_free (req->dvr);
  g_free (req->batch);
  g_free (req->file_stem);
  g_free (req);
}

gboolean
dc_output_mode_from_string (const char *str, DcOutputMode *out)
{
  if (g_strcmp0 (str, "picture") == 0)
    *out = DC_OUTPUT_PICTURE;
  else if (g_strcmp0 (str, "clip") == 0)
    *out = DC_OUTPUT_CLIP;
  else if (g_strcmp0 (str, "both") == 0)
    *out = DC_OUTPUT_BOTH;
  else
    return FALSE;
  return TRUE;
}
