/* dc-dvr.h: one interface to a recorder, whatever its brand.
 *
 * A DcDvrSession is used by one thread at a time (a download worker owns
 * one); it owns its libcurl handle so the digest nonce is reused.  Every
 * brand quirk (namespaces, paging, channel bases, time on the wire, finder
 * handles) stays behind this interface.
 *
 * Times crossing this interface are instants in this PC's clock, as unix
 * microseconds.  The session converts them to the recorder's wall clock on
 * the wire (time mode + measured clock offset) and back in results.
 */
#pragma once

#include <glib.h>

#include "util/dc-byte-source.h"
#include "util/dc-log.h"

G_BEGIN_DECLS

#define DC_DVR_ERROR (dc_dvr_error_quark ())
GQuark dc_dvr_error_quark (void);

typedef enum
{
  DC_DVR_ERROR_AUTH,          /* 401: wrong user or password.  Never retried. */
  DC_DVR_ERROR_UNREACHABLE,   /* connect failed or timed out.  Retryable. */
  DC_DVR_ERROR_BUSY,          /* deviceBusy / 503.  Retryable with backoff. */
  DC_DVR_ERROR_STALLED,       /* no bytes for the low-speed time.  Retryable. */
  DC_DVR_ERROR_DROPPED,       /* connection lost mid-body.  Retryable. */
  DC_DVR_ERROR_TRUNCATED,     /* fewer bytes than Content-Length/size=.  Retryable. */
  DC_DVR_ERROR_NO_RECORDING,  /* nothing recorded in the window.  Final. */
  DC_DVR_ERROR_BAD_RESPONSE,  /* malformed XML, error body with 200...  Retryable a few times. */
  DC_DVR_ERROR_DEVICE,        /* ResponseStatus / Error body from the device.  Final. */
  DC_DVR_ERROR_NOT_SUPPORTED, /* e.g. download by time on a device that cannot. */
  DC_DVR_ERROR_CANCELLED,
  DC_DVR_ERROR_CONFIG,        /* bad configuration (unknown brand, bad URL...) */
} DcDvrError;

/* TRUE for errors worth another attempt after a backoff. */
gboolean dc_dvr_error_is_retryable (const GError *error);

typedef enum
{
  DC_DVR_BRAND_HIKVISION,
  DC_DVR_BRAND_DAHUA,
} DcDvrBrand;

typedef enum
{
  DC_DVR_TIME_AUTO,   /* detect at probe */
  DC_DVR_TIME_LOCAL,  /* the wire carries the recorder's local wall clock (most NVRs, even with a "Z") */
  DC_DVR_TIME_UTC,    /* the wire carries real UTC (cameras, newer firmware) */
} DcDvrTimeMode;

/* The brands Dockclip has a driver for, in the order to offer them; the
 * UI lists these instead of naming brands itself.  @display_name is
 * untranslated (N_): show _(display_name). */
typedef struct
{
  DcDvrBrand  brand;
  const char *id;            /* the config value: "hikvision" */
  const char *display_name;  /* "Hikvision" */
} DcDvrBrandInfo;

const DcDvrBrandInfo *dc_dvr_brand_list  (guint *n_brands);
/* Translated name to show ("Hikvision", "Dahua"). */
const char   *dc_dvr_brand_display_name  (DcDvrBrand brand);

/* Where each recorder's learned facts (request shapes, channel base) are
 * kept across runs: g_get_user_state_dir()/dockclip/recorders unless set
 * (tests: a temporary folder; NULL goes back to the default). */
void          dc_dvr_set_state_dir       (const char *dir);

const char   *dc_dvr_brand_to_string     (DcDvrBrand brand);
gboolean      dc_dvr_brand_from_string   (const char *str, DcDvrBrand *out);
const char   *dc_dvr_time_mode_to_string (DcDvrTimeMode mode);
gboolean      dc_dvr_time_mode_from_string (const char *str, DcDvrTimeMode *out);

/* One recorder as configured (a [dvr NAME] group of the config file). */
typedef struct
{
  char          *name;
  DcDvrBrand     brand;
  char          *url;            /* http[s]://host[:port] */
  char          *user;
  char          *password;       /* wiped with dc_dvr_config_free() */
  guint          max_downloads;  /* concurrent transfers, default 1 */
  DcDvrTimeMode  time_mode;
  int            download_by_time; /* -1 auto (ask the device), 0 no, 1 yes */
  /* https only: "sha256//BASE64" of the recorder's public key, confirmed by
   * the operator (trust on first use).  When set, that key is what is
   * trusted for this recorder instead of the system CA store. */
  char          *tls_pin;
} DcDvrConfig;

DcDvrConfig *dc_dvr_config_copy (const DcDvrConfig *cfg);
void         dc_dvr_config_free (DcDvrConfig *cfg);
/* The host part of cfg->url ("192.168.1.64"), used to name the log file. */
char        *dc_dvr_config_get_host (const DcDvrConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDvrConfig, dc_dvr_config_free)

/* What probe learned. */
typedef struct
{
  char          *model;
  char          *serial;
  char          *firmware;
  char          *device_type;     /* "NVR", "IPC", ... as the device says */
  guint          n_channels;
  char         **channel_names;   /* NULL-terminated, index 0 = channel 1 */
  gint64         clock_offset_s;  /* recorder wall clock minus this PC's wall clock */
  DcDvrTimeMode  time_mode;       /* resolved: LOCAL or UTC */
  gboolean       download_by_time;
} DcDvrInfo;

void       dc_dvr_info_free (DcDvrInfo *info);
DcDvrInfo *dc_dvr_info_copy (const DcDvrInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDvrInfo, dc_dvr_info_free)

/* One recording file/segment found by search. */
typedef struct
{
  guint     channel;        /* 1-based, as the operator numbers it */
  gint64    start_us;       /* PC-clock instants (offset and time mode removed) */
  gint64    end_us;
  guint64   size;           /* bytes, 0 when the device does not say */
  char     *uri;            /* playbackURI (Hikvision) or FilePath (Dahua); opaque */
  char     *container;      /* libavformat demuxer name: "mpeg", "mov,mp4,...", "dhav" */
  gboolean  still_writing;  /* the recorder is still writing it (FileState=Temporary, end ~ now) */
} DcDvrSegment;

DcDvrSegment *dc_dvr_segment_copy (const DcDvrSegment *seg);
void          dc_dvr_segment_free (DcDvrSegment *seg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDvrSegment, dc_dvr_segment_free)

typedef struct _DcDvrSession DcDvrSession;

/* Progress of the current transfer: bytes so far and expected (0 unknown).
 * Called on the session's thread. */
typedef void (*DcDvrProgressFunc) (guint64 done, guint64 total, gpointer user_data);

/* @log may be NULL.  Takes a copy of @cfg. */
DcDvrSession *dc_dvr_session_new (const DcDvrConfig *cfg, DcLog *log, GError **error);
void          dc_dvr_session_free (DcDvrSession *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDvrSession, dc_dvr_session_free)

/* Device info, channels, clock offset, time mode, by-time capability.
 * The returned info stays owned by the session (valid until free). */
const DcDvrInfo *dc_dvr_session_probe (DcDvrSession *self, GError **error);
/* NULL until a probe succeeded. */
const DcDvrInfo *dc_dvr_session_get_info (DcDvrSession *self);
/* Set the info learned by another session of the same recorder, so every
 * worker does not probe again. */
void          dc_dvr_session_set_info (DcDvrSession *self, const DcDvrInfo *info);

/* Recordings of @channel overlapping [from_us, to_us), sorted by start,
 * de-duplicated, overlap-aware.  An empty array (not an error) when
 * nothing is recorded.  GPtrArray of DcDvrSegment*, free func set. */
GPtrArray    *dc_dvr_session_search (DcDvrSession *self, guint channel,
                                     gint64 from_us, gint64 to_us, GError **error);

/* A whole segment as a stream.  Seekable (HTTP Range) when the device
 * honours Range; the stream's first frame is at seg->start_us. */
DcByteSource *dc_dvr_session_open_segment (DcDvrSession *self, const DcDvrSegment *seg,
                                           GError **error);
typedef enum
{
  DC_DVR_OPEN_DEFAULT = 0,
  /* The reader seeks and reads little (a picture out of a whole file):
   * the stream asks for bounded byte ranges, growing while reads go on. */
  DC_DVR_OPEN_SPARSE  = 1 << 0,
} DcDvrOpenFlags;
DcByteSource *dc_dvr_session_open_segment_full (DcDvrSession *self, const DcDvrSegment *seg,
                                                DcDvrOpenFlags flags, GError **error);
/* The recording of [from_us, to_us) cut by the device (download by time).
 * The stream's first frame is at @from_us.  Fails with NOT_SUPPORTED on a
 * device that only serves whole files.  @seg, when known from a search,
 * lets Hikvision edit its playbackURI (name= and size= kept). */
DcByteSource *dc_dvr_session_open_window (DcDvrSession *self, guint channel,
                                          const DcDvrSegment *seg,
                                          gint64 from_us, gint64 to_us, GError **error);

/* Frees every device-side handle (Dahua mediaFileFind objects).  Always
 * safe to call; called by free as well. */
void          dc_dvr_session_release (DcDvrSession *self);

/* Thread-safe: abort the transfer running on this session (the open byte
 * source then fails with DC_DVR_ERROR_CANCELLED) within a fraction of a
 * second.  dc_dvr_session_reset_cancel() re-arms it. */
void          dc_dvr_session_cancel (DcDvrSession *self);
void          dc_dvr_session_reset_cancel (DcDvrSession *self);

void          dc_dvr_session_set_progress_func (DcDvrSession *self, DcDvrProgressFunc func,
                                                gpointer user_data);

/* No bytes for @seconds during a transfer = DC_DVR_ERROR_STALLED
 * (default 30; tests use 2).  Connect timeout is 8 s. */
void          dc_dvr_session_set_stall_timeout (DcDvrSession *self, guint seconds);

/* Trust on first use: connects once to the https:// @url (certificate
 * not verified for this one look, nothing sent after the TLS handshake: no
 * request, no credentials) and returns the pin of the recorder's public
 * key, "sha256//BASE64" (the DcDvrConfig tls_pin / config tls-pin= form),
 * and the certificate's subject, for the operator to confirm.  Both are
 * freed with g_free.  Fails with DC_DVR_ERROR_CONFIG for an http:// URL. */
gboolean      dc_dvr_fetch_certificate_pin (const char *url, char **pin, char **subject,
                                            GError **error);
/* TRUE when @pin has the "sha256//BASE64" form of a SHA-256 digest. */
gboolean      dc_dvr_tls_pin_is_valid (const char *pin);

/* Wire <-> PC-clock conversions, exposed for the tests.  The digits the
 * recorder uses for the PC instant @pc_us: "YYYY-MM-DD HH:MM:SS". */
char         *dc_dvr_session_format_wire_time (DcDvrSession *self, gint64 pc_us);
/* The inverse: recorder wall-clock digits (any form dc_wire_time_parse
 * reads) to a PC instant; FALSE when unreadable. */
gboolean      dc_dvr_session_parse_wire_time (DcDvrSession *self, const char *wire,
                                              gint64 *pc_us);
/* Tests: pretend a probe measured this (no network). */
void          dc_dvr_session_set_clock (DcDvrSession *self, DcDvrTimeMode mode,
                                        gint64 clock_offset_s);

G_END_DECLS
