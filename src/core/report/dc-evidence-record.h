/* dc-evidence-record.h: the download engine's record of one file it wrote.
 *
 * <batch folder>/.evidence/<file name>.json, UTF-8 JSON written beside each
 * picture or clip when it is complete: what was asked (waybill, dock, scan
 * time), which recorder and channel answered, the recorder's clock offset,
 * the frame's own time (pictures) or the span (clips), the SHA-256 of the
 * file as written and when.  Read tolerantly: a record may be missing, come
 * from an older or newer Dockclip, or be damaged; every field is optional
 * and a missing one is NULL (or has_* FALSE), never a guess.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DC_EVIDENCE_DIR_NAME ".evidence"
/* A record larger than this is not one Dockclip wrote. */
#define DC_EVIDENCE_MAX_BYTES (64 * 1024)

typedef struct
{
  char     *file;
  char     *kind;            /* "picture" | "clip" */
  char     *status;          /* "done" | "partial" */
  char     *note;
  char     *waybill;
  char     *dock;
  char     *scan_time;       /* ISO 8601 with offset, as written */
  char     *recorder;        /* the [dvr NAME] */
  char     *brand;
  char     *model;
  guint     channel;         /* 1-based; 0 = not recorded */
  char     *channel_name;
  gboolean  has_clock_offset;
  double    clock_offset_s;  /* recorder clock - PC clock */
  char     *frame_time;      /* pictures */
  char     *span_start;      /* clips */
  char     *span_end;
  char     *sha256;          /* lower-case hex, as recorded */
  char     *downloaded_at;
} DcEvidenceRecord;

void        dc_evidence_record_free (DcEvidenceRecord *evidence);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcEvidenceRecord, dc_evidence_record_free)

/* <folder>/.evidence/<file_name>.json */
char       *dc_evidence_record_path  (const char *folder, const char *file_name);

/* The record of @file_name in @folder.  NULL without an error when there
 * is none; NULL with an error (G_IO_ERROR_INVALID_DATA, a translated
 * sentence naming the record) when it is not a JSON object, too large or
 * not UTF-8.  Fields of the wrong type are left out. */
DcEvidenceRecord *dc_evidence_record_load  (const char *folder, const char *file_name, GError **error);

/* The same from memory (@name is used in messages). */
DcEvidenceRecord *dc_evidence_record_parse (const char *name, const char *data, gsize len, GError **error);

G_END_DECLS
