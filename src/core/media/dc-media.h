/* dc-media.h: pictures and clips out of recorder streams, with
 * libavformat/libavcodec (never hand-written container code) and
 * libjpeg-turbo.
 *
 * Timing model: a stream's first frame is at a known PC-clock instant
 * (@stream_start_us: the segment start from search, or the start of a
 * by-time window); frame k is at stream_start_us + (pts_k - pts_first).
 */
#pragma once

#include <glib.h>

#include "util/dc-byte-source.h"

G_BEGIN_DECLS

#define DC_MEDIA_ERROR (dc_media_error_quark ())
GQuark dc_media_error_quark (void);

typedef enum
{
  DC_MEDIA_ERROR_FORMAT,     /* not a stream libavformat can read (error body, garbage) */
  DC_MEDIA_ERROR_NO_FRAME,   /* the stream ends before the wanted time */
  DC_MEDIA_ERROR_DECODE,
  DC_MEDIA_ERROR_ENCODE,
  DC_MEDIA_ERROR_IO,
  DC_MEDIA_ERROR_SOURCE,     /* the recorder's stream broke off or stopped honouring Range: worth a retry */
} DcMediaError;

typedef struct
{
  int          quality;        /* JPEG quality, default 90 */
  /* Text burned into the bottom-left corner, or NULL (the default: off). */
  const char  *overlay_text;
  /* Where the stream's recording ends, on the clock of stream_start_us
   * (0: unknown).  A recorder's search says it; knowing it spares reading
   * the end of a file without an index (PS) to learn its duration. */
  gint64       stream_end_us;
} DcPictureOptions;

typedef struct
{
  gint64   frame_us;           /* PC-clock time of the frame written */
  guint64  bytes_read;         /* bytes pulled from the source */
  int      width, height;
} DcPictureResult;

/* Writes the frame nearest @target_us as a JPEG to @jpeg_path (the caller
 * gives a .part path and commits it).  Decodes from the keyframe before
 * the target; seeks when the source can (HTTP Range), otherwise reads
 * forward and stops as soon as the decoder has passed the target, so a
 * long segment is not pulled for one frame.  @format_hint is a
 * libavformat demuxer name ("mpeg", "mp4", "dhav") or NULL to probe. */
gboolean dc_media_extract_picture (DcByteSource           *source,
                                   const char             *format_hint,
                                   gint64                  stream_start_us,
                                   gint64                  target_us,
                                   const DcPictureOptions *options,
                                   const char             *jpeg_path,
                                   DcPictureResult        *result,
                                   GError                **error);
/* Errors: the source's own GError unchanged (cancelled, dropped...);
 * DC_MEDIA_ERROR_FORMAT for an error body or garbage, and for an MP4 whose
 * index (moov) is at the end read from a source that cannot seek;
 * DC_MEDIA_ERROR_NO_FRAME when the target is outside the recording;
 * DC_MEDIA_ERROR_IO when a server honoured Range and then stopped (retry
 * without seeking).  Safe to call from several threads at once. */

typedef struct
{
  const char *path;            /* a downloaded stream on disk */
  const char *format_hint;     /* as above, or NULL */
  gint64      start_us;        /* PC-clock instant of its first frame */
  /* A piece a recorder sent that may hold no video (an error body, an
   * empty answer): skipped, and said so in its DcMediaInputSpan, instead
   * of failing the clip. */
  gboolean    may_be_empty;
} DcMediaInput;

/* What the remux saw of one input, measured from its own video frames
 * while it went through (no second pass over the file). */
typedef struct
{
  guint    n_frames;           /* video frames read (0: no video, or not read) */
  gint64   first_us;           /* PC-clock span of the frames read */
  gint64   end_us;             /* the last frame's end */
  gboolean read;               /* the remux opened it (the clip was not complete before it) */
  gboolean to_end;             /* read to its end, not stopped at the window's end */
  gint64   largest_gap_us;     /* longest step between consecutive frames beyond one frame */
} DcMediaInputSpan;

typedef struct
{
  gint64  first_frame_us;
  gint64  duration_us;
  guint   n_frames;
} DcClipResult;

/* Remuxes (no re-encode) the frames of [from_us, to_us) from @inputs
 * (consecutive segments, possibly overlapping: no frame is written twice)
 * into an MP4 at @mp4_path, starting at the keyframe at or before from_us
 * so the clip plays from its first frame.  Timestamps start at 0, the moov
 * is written first (+faststart).  Audio is copied when MP4 can carry it
 * (AAC, MPEG audio); G.711 gives a video-only clip.  On failure no file is
 * left at @mp4_path.  An input marked may_be_empty that is not media or
 * has no video is skipped; when no input has any video the error is
 * DC_MEDIA_ERROR_NO_FRAME and every span says n_frames 0. */
gboolean dc_media_write_clip (const DcMediaInput *inputs,
                              guint               n_inputs,
                              gint64              from_us,
                              gint64              to_us,
                              const char         *mp4_path,
                              DcClipResult       *result,
                              GError            **error);
/* The same, also filling @spans (n_inputs of them, in the order of
 * @inputs) with what each input held: the clip step measures the pieces a
 * recorder sent while remuxing them, not in a pass of its own. */
gboolean dc_media_write_clip_measured (const DcMediaInput *inputs,
                                       guint               n_inputs,
                                       gint64              from_us,
                                       gint64              to_us,
                                       const char         *mp4_path,
                                       DcClipResult       *result,
                                       DcMediaInputSpan   *spans,
                                       GError            **error);

/* Duration, frame count and size of a media file (tests, verification). */
gboolean dc_media_probe_file (const char *path, gint64 *duration_us, guint *n_frames,
                              int *width, int *height, GError **error);

/* The same, for a recorder's download on disk: @format_hint as for
 * dc_media_extract_picture (the first bytes win over it).  The duration is
 * the span its video frames cover, from the first frame's timestamp to the
 * last one's end: what the recorder really sent of a window. */
gboolean dc_media_measure_file (const char *path, const char *format_hint, gint64 *duration_us,
                                guint *n_frames, int *width, int *height, GError **error);

/* Sniffs the first bytes of a download: TRUE for media (IMKH, MPEG-PS pack
 * 00 00 01 BA, ISO-BMFF ftyp, DHAV), FALSE for an XML/text error body.
 * @kind (may be NULL) gets "imkh", "mpeg", "mp4", "dhav" or "mpegts" for
 * media -- each also accepted as a @format_hint above -- and "xml", "text"
 * or "unknown" otherwise. */
gboolean dc_media_sniff_is_media (const guint8 *data, gsize len, const char **kind);

G_END_DECLS
