/* dc-download-job.h: what the worker's steps share while running one
 * attempt of one job (private to the engine: the worker, its picture and
 * clip steps). */
#pragma once

#include "download/dc-downloader-private.h"
#include "media/dc-media.h"

G_BEGIN_DECLS

typedef struct
{
  DcWorker *worker;
  DcJob    *job;
  gint64    last_report_us;
  gint64    speed_mark_us;
  guint64   speed_mark_bytes;
  guint64   base_done;   /* bytes of earlier transfers of this job */
  gint64    search_from; /* the window a search must cover: the clip's, */
  gint64    search_to;   /* or a second at the scan for a picture alone */
  /* A clip that covers only part of its window because the recorder has
   * no recording for the rest: why, in operator words (NULL: complete). */
  char     *partial_note;
} DcJobContext;

/* Whole seconds, and HH:MM:SS of a PC instant in local time. */
gint64   dc_job_floor_second (gint64 us);
char    *dc_job_format_hms   (gint64 pc_us);

void     dc_job_set_state    (DcJobContext *ctx, DcJobState state);
/* The recorder refused a download by time: whole files from now on. */
void     dc_job_mark_whole_files_only (DcJobContext *ctx);
/* Searches the context's window unless @segments holds a result; an
 * empty result is DC_DVR_ERROR_NO_RECORDING with the window in words. */
gboolean dc_job_ensure_segments (DcJobContext *ctx, GPtrArray **segments, GError **error);
void     dc_job_no_recording_error (DcJobContext *ctx, gint64 from_us, gint64 to_us,
                                    GError **error);
const DcDvrSegment *dc_job_segment_covering (GPtrArray *segments, gint64 t_us);
/* Copies @source into @path (a .part file), at most @max_bytes. */
gboolean dc_job_save_source (DcByteSource *source, const char *path, GError **error);
/* Wraps @source (taken over) in the byte budget of @duration_us of video
 * (and @known_size when the search gave it). */
DcByteSource *dc_job_bound_source (DcJobContext *ctx, DcByteSource *source, gint64 duration_us,
                                   guint64 known_size, const char *what_kind);
/* Remuxes on the engine's media pool (waits for it); @spans (n_inputs,
 * or NULL) get what each input held, measured on the way. */
gboolean dc_job_remux (DcJobContext *ctx, const DcMediaInput *inputs, guint n_inputs,
                       gint64 from_us, gint64 to_us, const char *part, DcClipResult *result,
                       DcMediaInputSpan *spans, GError **error);
/* Writes the evidence record of @data_path (bytes about to go to @file). */
gboolean dc_job_write_evidence (DcJobContext *ctx, const char *file, const char *data_path,
                                gboolean is_clip, gint64 t0_us, gint64 t1_us, GError **error);

/* The clip step: <stem>.mp4 complete, or <stem>.partial.mp4 with
 * ctx->partial_note set when the recorder has no recording for part of
 * the window (its search says so). */
gboolean dc_job_make_clip (DcJobContext *ctx, GPtrArray **segments, const char *dir,
                           const char *final_path, GError **error);

G_END_DECLS
