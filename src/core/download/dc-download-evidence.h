/* dc-download-evidence.h: the evidence record of one finished file.
 *
 * For every picture or clip the engine finishes (done or partial) it
 * writes <out>/<batch>/.evidence/<file name>.json beside it: what was
 * asked (waybill, dock, scan time, recorder, channel), what the recorder
 * was (brand, model, channel name, clock offset), what the file holds
 * (the picture's frame time, the clip's covered span, measured from the
 * media) and its SHA-256.  The PDF evidence report and the app's restart
 * status read these records; the key names are an interface. */
#pragma once

#include <glib.h>

#include "download/dc-download-request.h"
#include "dvr/dc-dvr.h"

G_BEGIN_DECLS

typedef struct
{
  const char              *file;          /* the finished file (its final or .partial name) */
  const char              *data_path;     /* where its bytes are now (the .part), NULL: file */
  gboolean                 is_clip;
  gboolean                 partial;
  const char              *note;          /* the partial reason, or NULL */
  const DcDownloadRequest *request;
  const DcDvrConfig       *dvr;
  const DcDvrInfo         *info;          /* may be NULL */
  gint64                   frame_us;      /* picture: PC-clock instant of the frame */
  gint64                   span_start_us; /* clip: PC-clock span it covers */
  gint64                   span_end_us;
} DcEvidence;

/* <dir of file>/.evidence/<basename>.json */
char     *dc_evidence_path_for (const char *file);

/* The record as UTF-8 JSON (the file's SHA-256 computed here). */
char     *dc_evidence_to_json  (const DcEvidence *evidence, GError **error);

/* Writes the record atomically, mode 0600, creating .evidence/ (0700). */
gboolean  dc_evidence_write    (const DcEvidence *evidence, GError **error);

/* Removes the record of @file, if any (its file was replaced or removed). */
void      dc_evidence_remove   (const char *file);

G_END_DECLS
