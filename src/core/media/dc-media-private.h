/* dc-media-private.h: what the media files share: a libavformat demuxer
 * reading through a DcByteSource, and the error mapping around it. */
#pragma once

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media/dc-media.h"

G_BEGIN_DECLS

/* Larger frames are refused before anything is allocated for them: no
 * camera records more than 8K, and a hostile stream must not make the
 * decoder allocate gigabytes. */
#define DC_MEDIA_MAX_DIMENSION 8192

typedef struct
{
  DcByteSource    *source;        /* the sniffing wrapper below, or the caller's */
  DcByteSource    *sniff;         /* owned: replays the bytes read to pick the demuxer */
  AVIOContext     *avio;
  AVFormatContext *fmt;
  /* First error the source reported, kept unchanged: the engine decides
   * retries from the DVR's own codes (cancelled, dropped, busy...). */
  GError          *source_error;
  /* A seek failed (server ignores Range): from now on we read forward. */
  gboolean         seek_broken;
  /* While opening, the size is withheld: with it, libavformat re-reads
   * the start (PS) or the last MiB (DHAV) of the stream for a duration we
   * never use, and loses data when the seek back then fails. */
  gboolean         hide_size;
  /* The context being opened, to tell MP4 (which needs the size to skip
   * over its media data to the index) from the rest while hide_size. */
  AVFormatContext *opening;
  /* A fragmented MP4 (its moov has an mvex): read forward only, see
   * dc_media_io_read(). */
  gboolean         fragmented;
  /* Inside avformat_seek_file(): once a seek fails there, reads end at
   * once rather than letting the binary search read the whole stream. */
  gboolean         in_seek;

  int              video_index;   /* -1 until found */
  AVStream        *video;
  gint64           first_pts;     /* anchor of the timing model, or AV_NOPTS_VALUE */
  gint64           frame_dur_us;  /* nominal frame duration */
} DcMediaDemux;

/* Opens @source with libavformat (demuxer from @format_hint, else probed)
 * and finds the video stream.  @probe_bytes bounds stream analysis. */
DcMediaDemux *dc_media_demux_open  (DcByteSource *source,
                                    const char   *format_hint,
                                    gint64        probe_bytes,
                                    GError      **error);
void          dc_media_demux_free  (DcMediaDemux *demux);

/* Sets @error from a libav error code, or from the source's own error
 * when the failure came from the source. */
void          dc_media_demux_set_error (DcMediaDemux *demux,
                                        GError      **error,
                                        DcMediaError  code,
                                        int           averr,
                                        const char   *what);

/* PC-clock time of @ts (in the video stream's time base). */
gint64        dc_media_demux_time_us (DcMediaDemux *demux,
                                      gint64        stream_start_us,
                                      gint64        ts);

/* Wraps @inner (not owned) after reading its first bytes, which the
 * wrapper replays; @kind gets dc_media_sniff_is_media()'s kind of them.
 * NULL with the source's own error when that first read fails. */
DcByteSource *dc_media_sniff_source_new (DcByteSource *inner,
                                         const char  **kind,
                                         GError      **error);

/* Burns @text into the bottom-left corner of an RGB24 image. */
void          dc_media_draw_overlay (guint8     *rgb,
                                     int         width,
                                     int         height,
                                     int         stride,
                                     const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcMediaDemux, dc_media_demux_free)

/* g_autoptr() for the libav types we hold in locals. */
static inline void dc_av_packet_free (AVPacket *p) { av_packet_free (&p); }
static inline void dc_av_frame_free (AVFrame *f) { av_frame_free (&f); }
static inline void dc_avcodec_free (AVCodecContext *c) { avcodec_free_context (&c); }
static inline void dc_av_dict_free (AVDictionary *d) { av_dict_free (&d); }
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AVPacket, dc_av_packet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AVFrame, dc_av_frame_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AVCodecContext, dc_avcodec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AVDictionary, dc_av_dict_free)

G_END_DECLS
