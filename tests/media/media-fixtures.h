/* media-fixtures.h: recorder-like streams made at test time, and readers
 * for the frame index each frame shows (shared by tests and bench). */
#pragma once

#include <glib.h>

#include "util/dc-byte-source.h"

G_BEGIN_DECLS

#define FX_WIDTH      320
#define FX_HEIGHT     240
#define FX_FPS        25
#define FX_FRAME_US   (G_USEC_PER_SEC / FX_FPS)
#define FX_BITS       10   /* frame index bits shown as blocks in the top rows */

/* Encodes frames [first_index, first_index + n_frames) with libx264, a
 * keyframe every second and SPS/PPS repeated, into @path with ffmpeg's
 * muxer @ffmpeg_format ("mpeg", "mp4").  @noise adds bulk. */
gboolean fx_make_stream (const char *path, const char *ffmpeg_format, int first_index,
                         int n_frames, int noise, GError **error);
/* The same at another size (at least 320x128). */
gboolean fx_make_stream_sized (const char *path, const char *ffmpeg_format, int first_index,
                               int n_frames, int noise, int width, int height,
                               GError **error);
/* The same with a 48 kHz tone encoded with @audio_codec ("aac", "mp2"...). */
gboolean fx_make_stream_with_audio (const char *path, const char *ffmpeg_format,
                                    int n_frames, const char *audio_codec, GError **error);
/* Prepends Hikvision's 40-byte IMKH media header. */
gboolean fx_prepend_imkh (const char *ps_path, const char *out_path, GError **error);
/* Rewrites the video of @in_path (Annex-B H.264, e.g. PS) as Dahua DHAV. */
gboolean fx_write_dhav (const char *in_path, const char *out_path, GError **error);

/* Frame index shown by a JPEG file, or -1. Also returns its size. */
int      fx_jpeg_frame_index (const char *jpeg_path, int *width, int *height);
/* Frame index shown by a luma plane. */
int      fx_luma_frame_index (const guint8 *y, int stride);
/* Decodes a JPEG to RGB (g_free the result). */
guint8  *fx_jpeg_decode_rgb (const char *jpeg_path, int *width, int *height);

typedef enum
{
  FX_SOURCE_NO_SEEK,      /* a recorder that ignores Range */
  FX_SOURCE_SEEK_FAILS,   /* claims seek, then fails with NOT_SUPPORTED */
  FX_SOURCE_FAIL_AFTER,   /* the transfer fails after @limit bytes */
  FX_SOURCE_SEEK_BREAKS,  /* @limit seeks work, the later ones fail */
  FX_SOURCE_NO_SIZE,      /* seeks, but no Content-Length */
} FxSourceMode;

/* Wraps a file source; takes ownership of @inner. */
DcByteSource *fx_source_wrap (DcByteSource *inner, FxSourceMode mode, guint64 limit,
                              GQuark error_domain, int error_code);

G_END_DECLS
