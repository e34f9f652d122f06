/* dc-sim-video.c: deterministic H.264 recordings for the DVR simulator.
 *
 * Each (channel, wall-clock second) is encoded on its own by a fresh libx264
 * encoder (one thread, constant QP), so the bytes never depend on which
 * seconds were asked for before: a Range resume or a by-time slice always
 * matches a whole-segment download byte for byte.
 *
 * The containers are written here rather than with libavformat because the
 * simulator needs fixed-size chunks per second (padding packets in PS, a
 * padded mdat in MP4) and random access to any second without muxing the
 * seconds before it; ffprobe/ffmpeg read both (see tests/sim).
 */
#define G_LOG_DOMAIN "dc-dvr-sim"

#include "config.h"

#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>

#include "dc-sim-scene.h"
#include "dc-sim-timecode.h"
#include "dc-sim-video.h"

#define DC_SIM_BASE_QP 27
/* PTS/SCR are the wall-clock time of day (90 kHz) plus one second, so a
 * slice or a concatenation of whole seconds is a continuous stream. */
#define DC_SIM_PTS_OFFSET 90000

typedef struct
{
  gint64     key;
  DcSimGop  *gop;    /* NULL while a thread encodes it */
  GList     *link;   /* in lru, NULL while encoding */
} CacheEntry;

struct _DcSimVideo
{
  gint64        pts_epoch;   /* wall second at PTS 0 (+ the offset) */
  int           width;
  int           height;
  int           fps;
  gsize         gop_bytes;
  gsize         payload_cap;
  gsize         cache_limit;
  const AVCodec *codec;

  GByteArray   *sps;
  GByteArray   *pps;

  GMutex        lock;
  GCond         cond;
  GHashTable   *cache;   /* key -> CacheEntry */
  GQueue        lru;     /* CacheEntry*, most recent at head */
  gsize         cache_size;
  GThreadPool  *pool;
  GList        *encoders;   /* idle Encoder*, under lock */
  gboolean      reuse_encoders;
  gint          stopping;
};

static const guint8 imkh_header[DC_SIM_IMKH_SIZE] = {
  /* As captured at the start of Hikvision PS recordings: magic, version,
   * system format (PS), video codec (H.264), audio fields. */
  0x49, 0x4D, 0x4B, 0x48, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00,
  0x00, 0x01, 0x10, 0x71, 0x01, 0x10, 0x40, 0x1F, 0x00, 0x00,
  0x00, 0xFA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

const guint8 *
dc_sim_imkh_header (void)
{
  return imkh_header;
}

/* The scene (dc-sim-scene.c) with the time code strip over its top bar. */
void
dc_sim_video_render_frame (int     width,
                           int     height,
                           guint8 *y,
                           int     y_stride,
                           guint8 *u,
                           guint8 *v,
                           int     uv_stride,
                           guint   channel,
                           gint64  wall_frames,
                           int     fps)
{
  guint8 bits[DC_SIM_TC_BITS];
  int cw = width / DC_SIM_TC_GRID_COLS;
  int ch = height / DC_SIM_TC_GRID_ROWS;

  dc_sim_scene_render (width, height, y, y_stride, u, v, uv_stride, channel, wall_frames, fps);

  /* The time code cells, with neutral chroma so they read the same in RGB. */
  dc_sim_tc_encode_bits (channel, wall_frames, fps, bits);
  for (int i = 0; i < DC_SIM_TC_BITS; i++)
    {
      int cx = (DC_SIM_TC_COL0 + i % DC_SIM_TC_COLS) * cw;
      int cy = (DC_SIM_TC_ROW0 + i / DC_SIM_TC_COLS) * ch;
      guint8 val = bits[i] ? 235 : 16;

      for (int row = cy; row < cy + ch; row++)
        memset (y + (gsize) row * y_stride + cx, val, cw);
      for (int row = cy / 2; row < (cy + ch) / 2; row++)
        {
          memset (u + (gsize) row * uv_stride + cx / 2, 128, cw / 2);
          memset (v + (gsize) row * uv_stride + cx / 2, 128, cw / 2);
        }
    }
}

void
dc_sim_gop_unref (DcSimGop *gop)
{
  if (gop != NULL && g_atomic_ref_count_dec (&gop->ref))
    {
      g_free (gop->data);
      g_free (gop->frame_off);
      g_free (gop);
    }
}

static DcSimGop *
dc_sim_gop_ref (DcSimGop *gop)
{
  g_atomic_ref_count_inc (&gop->ref);
  return gop;
}

/* Calls func for every NAL unit (without start code) in an Annex B buffer. */
static void
foreach_nal (const guint8 *data,
             gsize         len,
             void        (*func) (const guint8 *nal, gsize nal_len, gpointer user_data),
             gpointer      user_data)
{
  gsize i = 0;
  gsize start = G_MAXSIZE;

  while (i + 3 <= len)
    {
      if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1)
        {
          if (start != G_MAXSIZE)
            {
              gsize end = i;
              while (end > start && data[end - 1] == 0)
                end--;
              func (data + start, end - start, user_data);
            }
          i += 3;
          start = i;
        }
      else
        i++;
    }
  if (start != G_MAXSIZE && start < len)
    func (data + start, len - start, user_data);
}

static void
keep_nal (const guint8 *nal,
          gsize         nal_len,
          gpointer      user_data)
{
  static const guint8 start_code[4] = { 0, 0, 0, 1 };
  GByteArray *out = user_data;
  int type = nal[0] & 0x1F;

  /* x264's SEI carries its version and options: no use to anyone here. */
  if (type == 6 || nal_len == 0)
    return;
  g_byte_array_append (out, start_code, 4);
  g_byte_array_append (out, nal, (guint) nal_len);
}

/* One libx264 encoder kept open between GOPs: opening one costs ~2.5 ms,
 * as much as encoding the whole second.  A reused encoder gives the same
 * bytes as a fresh one because every GOP starts with a forced IDR (which
 * drops all references and resets frame_num and POC) and QP is constant, so
 * no rate-control state carries over.  The only thing x264 carries across
 * IDRs is idr_pic_id, which toggles 0/1: one discarded IDR frame after
 * each GOP puts it back to 0, the value a fresh encoder starts with. */
typedef struct
{
  AVCodecContext *ctx;
  AVFrame        *frame;
  AVPacket       *pkt;
  int             qp;
  gint64          next_pts;
} Encoder;

static void
encoder_free (Encoder *enc)
{
  if (enc == NULL)
    return;
  av_packet_free (&enc->pkt);
  av_frame_free (&enc->frame);
  avcodec_free_context (&enc->ctx);
  g_free (enc);
}

static Encoder *
encoder_new (DcSimVideo *video,
             int         qp)
{
  Encoder *enc = g_new0 (Encoder, 1);
  g_autofree char *x264_params = NULL;

  enc->qp = qp;
  enc->ctx = avcodec_alloc_context3 (video->codec);
  enc->frame = av_frame_alloc ();
  enc->pkt = av_packet_alloc ();
  enc->ctx->width = video->width;
  enc->ctx->height = video->height;
  enc->ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  enc->ctx->time_base = (AVRational) { 1, video->fps };
  enc->ctx->framerate = (AVRational) { video->fps, 1 };
  enc->ctx->gop_size = video->fps;
  enc->ctx->max_b_frames = 0;
  enc->ctx->thread_count = 1;
  av_opt_set (enc->ctx->priv_data, "preset", "ultrafast", 0);
  av_opt_set (enc->ctx->priv_data, "tune", "zerolatency", 0);
  av_opt_set_int (enc->ctx->priv_data, "qp", qp, 0);
  av_opt_set_int (enc->ctx->priv_data, "forced-idr", 1, 0);
  /* One closed GOP per second, SPS/PPS in band before each IDR (not in
   * extradata), and no frame delay so every frame comes out at once. */
  x264_params = g_strdup_printf ("keyint=%d:min-keyint=%d:scenecut=0:repeat-headers=1:"
                                 "rc-lookahead=0:sync-lookahead=0:threads=1:sliced-threads=0",
                                 video->fps, video->fps);
  av_opt_set (enc->ctx->priv_data, "x264-params", x264_params, 0);

  enc->frame->format = AV_PIX_FMT_YUV420P;
  enc->frame->width = video->width;
  enc->frame->height = video->height;
  if (avcodec_open2 (enc->ctx, video->codec, NULL) < 0 || av_frame_get_buffer (enc->frame, 0) < 0)
    {
      g_warning ("cannot open the libx264 encoder");
      encoder_free (enc);
      return NULL;
    }
  return enc;
}

/* Sends the frame and appends exactly one packet (SEI removed). */
static gboolean
encoder_encode (Encoder    *enc,
                gboolean    keyframe,
                GByteArray *out)
{
  int ret;

  enc->frame->pts = enc->next_pts++;
  enc->frame->pict_type = keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  if (avcodec_send_frame (enc->ctx, enc->frame) < 0)
    return FALSE;
  ret = avcodec_receive_packet (enc->ctx, enc->pkt);
  if (ret < 0)
    return FALSE;
  if (out != NULL)
    foreach_nal (enc->pkt->data, enc->pkt->size, keep_nal, out);
  av_packet_unref (enc->pkt);
  /* Zero-delay settings: nothing else may be pending. */
  return avcodec_receive_packet (enc->ctx, enc->pkt) == AVERROR (EAGAIN);
}

static DcSimGop *
encode_gop_at_qp (DcSimVideo *video,
                  guint       channel,
                  gint64      wall_sec,
                  int         qp)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new ((guint) video->gop_bytes);
  g_autofree gsize *offsets = g_new0 (gsize, video->fps + 1);
  Encoder *enc = NULL;
  DcSimGop *gop;
  gboolean ok = TRUE;

  g_mutex_lock (&video->lock);
  for (GList *l = video->encoders; l != NULL; l = l->next)
    if (((Encoder *) l->data)->qp == qp)
      {
        enc = l->data;
        video->encoders = g_list_delete_link (video->encoders, l);
        break;
      }
  g_mutex_unlock (&video->lock);
  if (enc == NULL)
    enc = encoder_new (video, qp);
  if (enc == NULL)
    return NULL;

  for (int i = 0; i < video->fps && ok; i++)
    {
      ok = av_frame_make_writable (enc->frame) >= 0;
      if (!ok)
        break;
      dc_sim_video_render_frame (video->width, video->height,
                                 enc->frame->data[0], enc->frame->linesize[0],
                                 enc->frame->data[1], enc->frame->data[2], enc->frame->linesize[1],
                                 channel, wall_sec * video->fps + i, video->fps);
      ok = encoder_encode (enc, i == 0, out);
      offsets[i + 1] = out->len;
    }
  /* The discarded IDR that resets idr_pic_id (see Encoder). */
  ok = ok && encoder_encode (enc, TRUE, NULL);

  if (!ok || !video->reuse_encoders)
    {
      if (!ok)
        g_warning ("encoding channel %u second %" G_GINT64_FORMAT " failed", channel, wall_sec);
      encoder_free (enc);
      if (!ok)
        return NULL;
    }
  else
    {
      g_mutex_lock (&video->lock);
      video->encoders = g_list_prepend (video->encoders, enc);
      g_mutex_unlock (&video->lock);
    }

  gop = g_new0 (DcSimGop, 1);
  g_atomic_ref_count_init (&gop->ref);
  gop->n_frames = video->fps;
  gop->frame_off = g_steal_pointer (&offsets);
  gop->len = out->len;
  gop->data = g_byte_array_free (g_steal_pointer (&out), FALSE);
  gop->qp = qp;
  return gop;
}

static DcSimGop *
encode_gop (DcSimVideo *video,
            guint       channel,
            gint64      wall_sec)
{
  /* Raise the QP until the second fits its fixed-size chunk; deterministic
   * because the content is. */
  for (int qp = DC_SIM_BASE_QP; ; qp = MIN (51, qp + 4))
    {
      DcSimGop *gop = encode_gop_at_qp (video, channel, wall_sec, qp);

      if (gop == NULL)
        g_error ("the simulator cannot encode video (libx264 missing?)");
      if (gop->len <= video->payload_cap || qp == 51)
        {
          if (gop->len > video->payload_cap)
            g_error ("--gop-bytes %" G_GSIZE_FORMAT " is too small for this picture size",
                     video->gop_bytes);
          return gop;
        }
      dc_sim_gop_unref (gop);
    }
}

static inline gint64
cache_key (guint  channel,
           gint64 wall_sec)
{
  return wall_sec * 256 + (channel & 0xFF);
}

static void
cache_trim_locked (DcSimVideo *video)
{
  while (video->cache_size > video->cache_limit && video->lru.length > 1)
    {
      CacheEntry *entry = g_queue_pop_tail (&video->lru);

      video->cache_size -= entry->gop->len;
      g_hash_table_remove (video->cache, &entry->key);
    }
}

static void
cache_entry_free (gpointer data)
{
  CacheEntry *entry = data;

  g_clear_pointer (&entry->gop, dc_sim_gop_unref);
  g_free (entry);
}

DcSimGop *
dc_sim_video_get_gop (DcSimVideo *video,
                      guint       channel,
                      gint64      wall_sec)
{
  gint64 key = cache_key (channel, wall_sec);
  CacheEntry *entry;
  DcSimGop *gop;

  g_mutex_lock (&video->lock);
  for (;;)
    {
      entry = g_hash_table_lookup (video->cache, &key);
      if (entry == NULL || entry->gop != NULL)
        break;
      g_cond_wait (&video->cond, &video->lock);
    }
  if (entry != NULL)
    {
      g_queue_unlink (&video->lru, entry->link);
      g_queue_push_head_link (&video->lru, entry->link);
      gop = dc_sim_gop_ref (entry->gop);
      g_mutex_unlock (&video->lock);
      return gop;
    }

  entry = g_new0 (CacheEntry, 1);
  entry->key = key;
  g_hash_table_insert (video->cache, &entry->key, entry);
  g_mutex_unlock (&video->lock);

  gop = encode_gop (video, channel, wall_sec);

  g_mutex_lock (&video->lock);
  entry->gop = dc_sim_gop_ref (gop);
  g_queue_push_head (&video->lru, entry);
  entry->link = video->lru.head;
  video->cache_size += gop->len;
  cache_trim_locked (video);
  g_cond_broadcast (&video->cond);
  g_mutex_unlock (&video->lock);
  return gop;
}

typedef struct
{
  guint  channel;
  gint64 wall_sec;
} PrefetchJob;

static void
prefetch_thread (gpointer data,
                 gpointer user_data)
{
  PrefetchJob *job = data;
  DcSimVideo *video = user_data;

  /* At exit the queue is drained without encoding (and every job freed). */
  if (!g_atomic_int_get (&video->stopping))
    dc_sim_gop_unref (dc_sim_video_get_gop (video, job->channel, job->wall_sec));
  g_free (job);
}

static void
queue_prefetch (DcSimVideo *video,
                guint       channel,
                gint64      wall_sec,
                gboolean    urgent)
{
  gint64 key = cache_key (channel, wall_sec);
  PrefetchJob *job;
  gboolean known;

  g_mutex_lock (&video->lock);
  known = g_hash_table_contains (video->cache, &key);
  g_mutex_unlock (&video->lock);
  /* Read-ahead is bounded; a GOP a reader waits for always goes in. */
  if (known || (!urgent && g_thread_pool_unprocessed (video->pool) > 16))
    return;
  job = g_new (PrefetchJob, 1);
  job->channel = channel;
  job->wall_sec = wall_sec;
  g_thread_pool_push (video->pool, job, NULL);
}

void
dc_sim_video_prefetch (DcSimVideo *video,
                       guint       channel,
                       gint64      wall_sec)
{
  queue_prefetch (video, channel, wall_sec, FALSE);
}

gboolean
dc_sim_video_request (DcSimVideo *video,
                      guint       channel,
                      gint64      wall_sec)
{
  gint64 key = cache_key (channel, wall_sec);
  CacheEntry *entry;
  gboolean ready;

  g_mutex_lock (&video->lock);
  entry = g_hash_table_lookup (video->cache, &key);
  ready = entry != NULL && entry->gop != NULL;
  g_mutex_unlock (&video->lock);
  if (!ready)
    queue_prefetch (video, channel, wall_sec, TRUE);
  return ready;
}

static void
find_parameter_sets (const guint8 *nal,
                     gsize         nal_len,
                     gpointer      user_data)
{
  DcSimVideo *video = user_data;
  int type = nal[0] & 0x1F;

  if (type == 7 && video->sps->len == 0)
    g_byte_array_append (video->sps, nal, (guint) nal_len);
  else if (type == 8 && video->pps->len == 0)
    g_byte_array_append (video->pps, nal, (guint) nal_len);
}

DcSimVideo *
dc_sim_video_new (int      width,
                  int      height,
                  int      fps,
                  gsize    gop_bytes,
                  gsize    cache_bytes,
                  GError **error)
{
  DcSimVideo *video;
  DcSimGop *gop;
  gsize overhead = 512 + (gsize) fps * 48;

  if (width % (2 * DC_SIM_TC_GRID_COLS) != 0 || height % (2 * DC_SIM_TC_GRID_ROWS) != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "the picture size must be a multiple of %dx%d",
                   2 * DC_SIM_TC_GRID_COLS, 2 * DC_SIM_TC_GRID_ROWS);
      return NULL;
    }
  if (gop_bytes < overhead + 4096)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--gop-bytes must be at least %" G_GSIZE_FORMAT, overhead + 4096);
      return NULL;
    }

  video = g_new0 (DcSimVideo, 1);
  video->width = width;
  video->height = height;
  video->fps = fps;
  video->gop_bytes = gop_bytes;
  video->payload_cap = gop_bytes - overhead;
  video->cache_limit = cache_bytes;
  video->reuse_encoders = TRUE;
  video->codec = avcodec_find_encoder_by_name ("libx264");
  video->sps = g_byte_array_new ();
  video->pps = g_byte_array_new ();
  g_mutex_init (&video->lock);
  g_cond_init (&video->cond);
  video->cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, cache_entry_free);
  g_queue_init (&video->lru);

  if (video->codec == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "libavcodec has no libx264 encoder");
      dc_sim_video_free (video);
      return NULL;
    }

  av_log_set_level (AV_LOG_ERROR);
  /* The parameter sets are the same for every GOP: take them from one. */
  gop = encode_gop (video, 1, 0);
  foreach_nal (gop->data, gop->frame_off[1], find_parameter_sets, video);
  dc_sim_gop_unref (gop);
  if (video->sps->len < 4 || video->pps->len == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "the encoder produced no SPS/PPS");
      dc_sim_video_free (video);
      return NULL;
    }

  video->pool = g_thread_pool_new (prefetch_thread, video,
                                   MAX (1, (int) g_get_num_processors ()), FALSE, NULL);
  return video;
}

/* The recording's first second: where the stream clock starts. */
void
dc_sim_video_set_pts_epoch (DcSimVideo *video, gint64 wall_sec)
{
  video->pts_epoch = wall_sec;
}

void
dc_sim_video_free (DcSimVideo *video)
{
  if (video == NULL)
    return;
  g_atomic_int_set (&video->stopping, TRUE);
  if (video->pool != NULL)
    g_thread_pool_free (video->pool, FALSE, TRUE);
  g_list_free_full (video->encoders, (GDestroyNotify) encoder_free);
  g_queue_clear (&video->lru);
  g_hash_table_destroy (video->cache);
  g_byte_array_unref (video->sps);
  g_byte_array_unref (video->pps);
  g_mutex_clear (&video->lock);
  g_cond_clear (&video->cond);
  g_free (video);
}

void
dc_sim_video_set_reuse_encoders (DcSimVideo *video,
                                 gboolean    reuse)
{
  video->reuse_encoders = reuse;
}

int
dc_sim_video_get_fps (DcSimVideo *video)
{
  return video->fps;
}

gsize
dc_sim_video_get_gop_bytes (DcSimVideo *video)
{
  return video->gop_bytes;
}

/* ---- byte writers ---- */

static inline void
put8 (GByteArray *b, guint v)
{
  guint8 c = (guint8) v;
  g_byte_array_append (b, &c, 1);
}

static inline void
put16 (GByteArray *b, guint v)
{
  put8 (b, v >> 8);
  put8 (b, v);
}

static inline void
put32 (GByteArray *b, guint32 v)
{
  put16 (b, v >> 16);
  put16 (b, v & 0xFFFF);
}

static inline void
put64 (GByteArray *b, guint64 v)
{
  put32 (b, (guint32) (v >> 32));
  put32 (b, (guint32) v);
}

static inline void
putn (GByteArray *b, guint8 value, gsize n)
{
  for (gsize i = 0; i < n; i++)
    put8 (b, value);
}

static inline void
patch32 (GByteArray *b, gsize at, guint32 v)
{
  b->data[at] = (guint8) (v >> 24);
  b->data[at + 1] = (guint8) (v >> 16);
  b->data[at + 2] = (guint8) (v >> 8);
  b->data[at + 3] = (guint8) v;
}

/* ---- MPEG-2 program stream ---- */

static guint32
mpeg_crc32 (const guint8 *data,
            gsize         len)
{
  guint32 crc = 0xFFFFFFFFu;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint32) data[i] << 24;
      for (int b = 0; b < 8; b++)
        crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
  return crc;
}

static void
ps_pack_header (GByteArray *b,
                guint64     scr,
                guint       stuffing)
{
  const guint32 mux_rate = 50000; /* 50 bytes/s units: 20 Mbit/s */

  put32 (b, 0x000001BA);
  put8 (b, 0x44 | (((scr >> 30) & 7) << 3) | ((scr >> 28) & 3));
  put8 (b, (scr >> 20) & 0xFF);
  put8 (b, (((scr >> 15) & 0x1F) << 3) | 0x04 | ((scr >> 13) & 3));
  put8 (b, (scr >> 5) & 0xFF);
  put8 (b, ((scr & 0x1F) << 3) | 0x04);
  put8 (b, 0x01);
  put8 (b, (mux_rate >> 14) & 0xFF);
  put8 (b, (mux_rate >> 6) & 0xFF);
  put8 (b, ((mux_rate << 2) & 0xFC) | 0x03);
  put8 (b, 0xF8 | stuffing);
  putn (b, 0xFF, stuffing);
}

static void
ps_system_header (GByteArray *b)
{
  const guint32 rate_bound = 50000;

  put32 (b, 0x000001BB);
  put16 (b, 9);
  put8 (b, 0x80 | ((rate_bound >> 15) & 0x7F));
  put8 (b, (rate_bound >> 7) & 0xFF);
  put8 (b, ((rate_bound << 1) & 0xFE) | 0x01);
  put8 (b, 0x00);                 /* audio bound 0, not fixed, not CSPS */
  put8 (b, 0xE1);                 /* locked, marker, video bound 1 */
  put8 (b, 0x7F);
  put8 (b, 0xE0);                 /* video stream: buffer scale 1024, 232 KiB */
  put8 (b, 0xE0);
  put8 (b, 0xE8);
}

static void
ps_stream_map (GByteArray *b)
{
  gsize start = b->len;

  /* Tells demuxers stream 0xE0 is H.264 (stream type 0x1B), as recorders do. */
  put32 (b, 0x000001BC);
  put16 (b, 14);
  put8 (b, 0xA0);
  put8 (b, 0xFF);
  put16 (b, 0);
  put16 (b, 4);
  put8 (b, 0x1B);
  put8 (b, 0xE0);
  put16 (b, 0);
  put32 (b, mpeg_crc32 (b->data + start, b->len - start));
}

static void
ps_padding (GByteArray *b,
            gsize       n)
{
  while (n > 0)
    {
      gsize len = MIN (n, (gsize) 65535 + 6);

      /* Never leave a remainder too small for a packet header. */
      if (n - len > 0 && n - len < 6)
        len -= 6;
      put32 (b, 0x000001BE);
      put16 (b, (guint) (len - 6));
      putn (b, 0xFF, len - 6);
      n -= len;
    }
}

GBytes *
dc_sim_video_ps_chunk (DcSimVideo *video,
                       guint       channel,
                       gint64      wall_sec)
{
  g_autoptr(DcSimGop) gop = dc_sim_video_get_gop (video, channel, wall_sec);
  GByteArray *b = g_byte_array_sized_new ((guint) video->gop_bytes);
  /* SCR/PTS run on with the recorder's clock from the recording's start
   * (33 bits: a 26.5 h run, as a 90 kHz clock has), so slices and joins
   * are continuous, midnight included.  They were the time of day, which
   * restarted at 00:00 and made every clip across it look cut. */
  guint64 stream_sec = (guint64) MAX (wall_sec - video->pts_epoch, 0);
  gsize remaining;
  guint stuffing = 0;

  for (int pass = 0; pass < 2; pass++)
    {
      g_byte_array_set_size (b, 0);
      for (int i = 0; i < gop->n_frames; i++)
        {
          guint64 pts = DC_SIM_PTS_OFFSET + stream_sec * 90000 + (guint64) i * 90000 / video->fps;
          const guint8 *au = gop->data + gop->frame_off[i];
          gsize au_len = gop->frame_off[i + 1] - gop->frame_off[i];
          gboolean first = TRUE;

          ps_pack_header (b, pts - 3600, i == 0 ? stuffing : 0);
          if (i == 0)
            {
              ps_system_header (b);
              ps_stream_map (b);
            }
          while (au_len > 0 || first)
            {
              gsize hdr = first ? 5 : 0;
              gsize piece = MIN (au_len, (gsize) 65535 - 3 - hdr);

              put32 (b, 0x000001E0);
              put16 (b, (guint) (3 + hdr + piece));
              put8 (b, first ? 0x84 : 0x80);
              put8 (b, first ? 0x80 : 0x00);
              put8 (b, (guint) hdr);
              if (first)
                {
                  put8 (b, 0x21 | ((pts >> 29) & 0x0E));
                  put8 (b, (pts >> 22) & 0xFF);
                  put8 (b, ((pts >> 14) & 0xFE) | 0x01);
                  put8 (b, (pts >> 7) & 0xFF);
                  put8 (b, ((pts << 1) & 0xFE) | 0x01);
                }
              g_byte_array_append (b, au, (guint) piece);
              au += piece;
              au_len -= piece;
              first = FALSE;
            }
        }
      g_assert (b->len <= video->gop_bytes);
      remaining = video->gop_bytes - b->len;
      /* 1-5 bytes cannot hold a padding packet: stuff the pack header. */
      if (remaining == 0 || remaining >= 6 || pass == 1)
        break;
      stuffing = (guint) remaining;
    }
  ps_padding (b, video->gop_bytes - b->len);
  g_assert (b->len == video->gop_bytes);
  return g_byte_array_free_to_bytes (b);
}

/* ---- fragmented MP4 ---- */

static gsize
box_begin (GByteArray *b,
           const char *type)
{
  gsize at = b->len;

  put32 (b, 0);
  g_byte_array_append (b, (const guint8 *) type, 4);
  return at;
}

static void
box_end (GByteArray *b,
         gsize       at)
{
  patch32 (b, at, (guint32) (b->len - at));
}

static void
full_box_header (GByteArray *b,
                 guint       version,
                 guint32     flags)
{
  put32 (b, ((guint32) version << 24) | flags);
}

static void
put_matrix (GByteArray *b)
{
  const guint32 m[9] = { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000 };

  for (int i = 0; i < 9; i++)
    put32 (b, m[i]);
}

GBytes *
dc_sim_video_mp4_init (DcSimVideo *video,
                       gint64      n_seconds)
{
  GByteArray *b = g_byte_array_new ();
  guint32 timescale = (guint32) video->fps * 1000;
  gsize moov, trak, mdia, minf, stbl, stsd, avc1, avcc, box, mvex;
  static const char *brands[] = { "isom", "iso5", "iso6", "avc1", "mp41" };
  char compressor[32] = { 0 };

  box = box_begin (b, "ftyp");
  g_byte_array_append (b, (const guint8 *) "isom", 4);
  put32 (b, 0x200);
  for (guint i = 0; i < G_N_ELEMENTS (brands); i++)
    g_byte_array_append (b, (const guint8 *) brands[i], 4);
  box_end (b, box);

  moov = box_begin (b, "moov");
  box = box_begin (b, "mvhd");
  full_box_header (b, 0, 0);
  put32 (b, 0);
  put32 (b, 0);
  put32 (b, 1000);
  put32 (b, 0);
  put32 (b, 0x00010000);
  put16 (b, 0x0100);
  putn (b, 0, 10);
  put_matrix (b);
  putn (b, 0, 24);
  put32 (b, 2);
  box_end (b, box);

  trak = box_begin (b, "trak");
  box = box_begin (b, "tkhd");
  full_box_header (b, 0, 3);
  put32 (b, 0);
  put32 (b, 0);
  put32 (b, 1);
  put32 (b, 0);
  put32 (b, 0);
  putn (b, 0, 8);
  put16 (b, 0);
  put16 (b, 0);
  put16 (b, 0);
  put16 (b, 0);
  put_matrix (b);
  put32 (b, (guint32) video->width << 16);
  put32 (b, (guint32) video->height << 16);
  box_end (b, box);

  mdia = box_begin (b, "mdia");
  box = box_begin (b, "mdhd");
  full_box_header (b, 0, 0);
  put32 (b, 0);
  put32 (b, 0);
  put32 (b, timescale);
  put32 (b, 0);
  put16 (b, 0x55C4);
  put16 (b, 0);
  box_end (b, box);
  box = box_begin (b, "hdlr");
  full_box_header (b, 0, 0);
  put32 (b, 0);
  g_byte_array_append (b, (const guint8 *) "vide", 4);
  putn (b, 0, 12);
  g_byte_array_append (b, (const guint8 *) "VideoHandler", 13);
  box_end (b, box);

  minf = box_begin (b, "minf");
  box = box_begin (b, "vmhd");
  full_box_header (b, 0, 1);
  putn (b, 0, 8);
  box_end (b, box);
  {
    gsize dinf = box_begin (b, "dinf");
    gsize dref = box_begin (b, "dref");
    full_box_header (b, 0, 0);
    put32 (b, 1);
    box = box_begin (b, "url ");
    full_box_header (b, 0, 1);
    box_end (b, box);
    box_end (b, dref);
    box_end (b, dinf);
  }

  stbl = box_begin (b, "stbl");
  stsd = box_begin (b, "stsd");
  full_box_header (b, 0, 0);
  put32 (b, 1);
  avc1 = box_begin (b, "avc1");
  putn (b, 0, 6);
  put16 (b, 1);
  putn (b, 0, 16);
  put16 (b, (guint) video->width);
  put16 (b, (guint) video->height);
  put32 (b, 0x00480000);
  put32 (b, 0x00480000);
  put32 (b, 0);
  put16 (b, 1);
  g_strlcpy (compressor + 1, "dockclip-dvr-sim", sizeof compressor - 1);
  compressor[0] = (char) strlen (compressor + 1);
  g_byte_array_append (b, (const guint8 *) compressor, 32);
  put16 (b, 0x0018);
  put16 (b, 0xFFFF);
  avcc = box_begin (b, "avcC");
  put8 (b, 1);
  put8 (b, video->sps->data[1]);
  put8 (b, video->sps->data[2]);
  put8 (b, video->sps->data[3]);
  put8 (b, 0xFF);
  put8 (b, 0xE1);
  put16 (b, video->sps->len);
  g_byte_array_append (b, video->sps->data, video->sps->len);
  put8 (b, 1);
  put16 (b, video->pps->len);
  g_byte_array_append (b, video->pps->data, video->pps->len);
  box_end (b, avcc);
  box_end (b, avc1);
  box_end (b, stsd);
  box = box_begin (b, "stts");
  full_box_header (b, 0, 0);
  put32 (b, 0);
  box_end (b, box);
  box = box_begin (b, "stsc");
  full_box_header (b, 0, 0);
  put32 (b, 0);
  box_end (b, box);
  box = box_begin (b, "stsz");
  full_box_header (b, 0, 0);
  put32 (b, 0);
  put32 (b, 0);
  box_end (b, box);
  box = box_begin (b, "stco");
  full_box_header (b, 0, 0);
  put32 (b, 0);
  box_end (b, box);
  box_end (b, stbl);
  box_end (b, minf);
  box_end (b, mdia);
  box_end (b, trak);

  mvex = box_begin (b, "mvex");
  box = box_begin (b, "mehd");
  full_box_header (b, 0, 0);
  put32 (b, (guint32) (n_seconds * 1000));
  box_end (b, box);
  box = box_begin (b, "trex");
  full_box_header (b, 0, 0);
  put32 (b, 1);
  put32 (b, 1);
  put32 (b, 1000);
  put32 (b, 0);
  put32 (b, 0x01010000);   /* default: not a sync sample */
  box_end (b, box);
  box_end (b, mvex);
  box_end (b, moov);

  return g_byte_array_free_to_bytes (b);
}

gsize
dc_sim_video_mp4_init_size (DcSimVideo *video)
{
  g_autoptr(GBytes) init = dc_sim_video_mp4_init (video, 0);

  return g_bytes_get_size (init);
}

static void
write_avcc_nal (const guint8 *nal,
                gsize         nal_len,
                gpointer      user_data)
{
  GByteArray *out = user_data;

  put32 (out, (guint32) nal_len);
  g_byte_array_append (out, nal, (guint) nal_len);
}

GBytes *
dc_sim_video_mp4_fragment (DcSimVideo *video,
                           guint       channel,
                           gint64      wall_sec,
                           gint64      base_sec)
{
  g_autoptr(DcSimGop) gop = dc_sim_video_get_gop (video, channel, wall_sec);
  GByteArray *b = g_byte_array_sized_new ((guint) video->gop_bytes);
  g_autoptr(GByteArray) samples = g_byte_array_sized_new ((guint) gop->len + 64);
  g_autofree guint32 *sizes = g_new (guint32, gop->n_frames);
  gsize moof, traf, box, data_offset_at, mdat_size;

  for (int i = 0; i < gop->n_frames; i++)
    {
      guint before = samples->len;

      foreach_nal (gop->data + gop->frame_off[i], gop->frame_off[i + 1] - gop->frame_off[i],
                   write_avcc_nal, samples);
      sizes[i] = samples->len - before;
    }

  moof = box_begin (b, "moof");
  box = box_begin (b, "mfhd");
  full_box_header (b, 0, 0);
  put32 (b, (guint32) (wall_sec - base_sec + 1));
  box_end (b, box);
  traf = box_begin (b, "traf");
  box = box_begin (b, "tfhd");
  full_box_header (b, 0, 0x020000);   /* default-base-is-moof */
  put32 (b, 1);
  box_end (b, box);
  box = box_begin (b, "tfdt");
  full_box_header (b, 1, 0);
  put64 (b, (guint64) (wall_sec - base_sec) * (guint64) video->fps * 1000);
  box_end (b, box);
  box = box_begin (b, "trun");
  full_box_header (b, 0, 0x000001 | 0x000004 | 0x000100 | 0x000200);
  put32 (b, (guint32) gop->n_frames);
  data_offset_at = b->len;
  put32 (b, 0);
  put32 (b, 0x02000000);             /* first sample: sync, depends on nothing */
  for (int i = 0; i < gop->n_frames; i++)
    {
      put32 (b, 1000);
      put32 (b, sizes[i]);
    }
  box_end (b, box);
  box_end (b, traf);
  box_end (b, moof);
  patch32 (b, data_offset_at, (guint32) (b->len - moof + 8));

  /* The mdat is padded with zeros up to the fixed chunk size; no sample
   * points at the padding. */
  g_assert (b->len + 8 + samples->len <= video->gop_bytes);
  mdat_size = video->gop_bytes - b->len;
  put32 (b, (guint32) mdat_size);
  g_byte_array_append (b, (const guint8 *) "mdat", 4);
  g_byte_array_append (b, samples->data, samples->len);
  g_byte_array_set_size (b, (guint) video->gop_bytes);
  memset (b->data + b->len - (mdat_size - 8 - samples->len), 0, mdat_size - 8 - samples->len);
  return g_byte_array_free_to_bytes (b);
}
