/* dc-sim.h: shared state of the DVR simulator (dockclip-dvr-sim). */
#pragma once

#include <libsoup/soup.h>

#include "dc-sim-video.h"

G_BEGIN_DECLS

#define DC_SIM_SEGMENT_SECONDS 600
#define DC_SIM_MAX_LOGIN_FAILURES 5

typedef enum
{
  DC_SIM_BRAND_HIKVISION,
  DC_SIM_BRAND_DAHUA,
} DcSimBrand;

typedef enum
{
  DC_SIM_FAULT_DROP,
  DC_SIM_FAULT_STALL,
  DC_SIM_FAULT_BUSY,
  DC_SIM_FAULT_ERROR200,
  DC_SIM_FAULT_BADXML,
  DC_SIM_FAULT_TRUNCPAGE,
  DC_SIM_FAULT_SHORT,
  DC_SIM_N_FAULTS,
} DcSimFaultKind;

typedef struct
{
  DcSimFaultKind kind;
  double         probability;
  double         param;
} DcSimFault;

typedef enum
{
  DC_SIM_XMLNS_NONE,
  DC_SIM_XMLNS_ISAPI,
  DC_SIM_XMLNS_HIKVISION,
} DcSimXmlns;

/* One recorded segment of one channel, in recorder wall-clock seconds
 * (the clock's digits read as if they were UTC). */
typedef struct
{
  guint    channel;     /* 1-based */
  gint64   start;
  gint64   end;         /* exclusive */
  gboolean writing;     /* the segment still being recorded */
} DcSimSegment;

/* What a download sends: a header (IMKH or MP4 init) followed by one
 * fixed-size chunk per second, or a bulk pattern, or a static buffer. */
typedef enum
{
  DC_SIM_BODY_PS,
  DC_SIM_BODY_MP4,
  DC_SIM_BODY_BULK,
} DcSimBodyKind;

typedef struct
{
  DcSimBodyKind kind;
  guint         channel;
  gint64        start_sec;
  gint64        n_secs;
  GBytes       *header;
  guint64       total;
} DcSimBody;

/* The Hikvision search/download request shapes a firmware accepts. */
typedef enum
{
  DC_SIM_HIK_FORM_ANY,       /* every shape (most firmware) */
  DC_SIM_HIK_FORM_STRICT_V1, /* no XML declaration, no xmlns, <trackList>, {searchID} */
  DC_SIM_HIK_FORM_V2_ONLY,   /* version="2.0" root, <trackIDList> */
} DcSimHikForm;

/* How a Hikvision device lists its cameras. */
typedef enum
{
  DC_SIM_HIK_INPUTS_PROXY,   /* NVR: IP cameras under InputProxy */
  DC_SIM_HIK_INPUTS_ANALOG,  /* DVR: empty InputProxy, analogue inputs under Video/inputs */
  DC_SIM_HIK_INPUTS_CAMERA,  /* a camera: 403 on InputProxy, one Video/inputs channel */
} DcSimHikInputs;

typedef struct _DcSim DcSim;

struct _DcSim
{
  SoupServer   *server;
  GMainLoop    *loop;
  guint         port;

  /* configuration */
  DcSimBrand    brand;
  char         *user;
  char         *password;
  guint         channels;
  guint         max_downloads;
  GRand        *rand;
  GArray       *faults;          /* DcSimFault */
  gint64        clock_offset;
  gboolean      time_utc;
  gboolean      report_time_type;
  gboolean      by_time;
  gboolean      range;
  gint64        record_from;
  gint64        record_to;        /* G_MAXINT64: still recording */
  int           fps;
  DcSimXmlns    xmlns;
  int           dahua_channel_base;     /* items[].Channel */
  int           dahua_condition_base;   /* condition.Channel (1 on most, 0 on some NVRs) */
  /* firmware profile (--profile) */
  char         *profile;
  gboolean      cut_at_file_end;        /* by-time downloads stop where the recording file ends */
  DcSimHikForm  hik_form;
  DcSimHikInputs hik_inputs;
  gboolean      basic_only;             /* offers (and takes) Basic sign-in only */
  gboolean      amcrest;                /* Type=dav on .mp4, fields shuffled, extra fields, found= off */
  gboolean      unpadded_clock;         /* getCurrentTime: result=2011-7-3 21:02:32 */
  /* recorder speed */
  guint         latency_ms;             /* before every answer */
  guint64       rate_bytes_per_s;       /* per transfer, 0 = unlimited */
  guint64       bulk_bytes;
  DcSimVideo   *video;

  /* authentication */
  char         *realm;
  GHashTable   *nonces;
  guint64       nonce_counter;
  guint         auth_failures;
  gboolean      locked;

  /* statistics */
  GHashTable   *requests;        /* endpoint -> count (GUINT_TO_POINTER) */
  guint         downloads_active;
  guint         peak_downloads;
  guint         peak_download_requests;
  guint         busy_refusals;
  guint         downloads_by_time;
  guint         downloads_whole;
  guint         faults_injected[DC_SIM_N_FAULTS];
  guint64       bytes_sent;

  /* Dahua media file finders */
  GHashTable   *finders;         /* id -> DcSimFinder */
  guint         next_finder_id;
  guint         finders_created;
};

/* time */
gint64        dc_sim_wall_now              (DcSim        *sim);
gint64        dc_sim_wall_to_utc           (gint64        wall);
gint64        dc_sim_utc_to_wall           (gint64        utc);
char         *dc_sim_format_wall           (gint64        wall,
                                            const char   *format);
gboolean      dc_sim_parse_time            (const char   *text,
                                            gint64       *wall,
                                            gboolean     *fraction);
char         *dc_sim_local_offset_suffix   (gint64        wall);

/* recordings */
GPtrArray    *dc_sim_find_segments         (DcSim        *sim,
                                            guint         channel,
                                            gint64        from,
                                            gint64        to);
gboolean      dc_sim_find_segment_at       (DcSim        *sim,
                                            guint         channel,
                                            gint64        start,
                                            DcSimSegment *segment);
gboolean      dc_sim_clamp_window          (DcSim        *sim,
                                            gint64       *from,
                                            gint64       *to);
guint64       dc_sim_segment_size          (DcSim        *sim,
                                            const DcSimSegment *segment);
void          dc_sim_body_init             (DcSim        *sim,
                                            DcSimBody    *body,
                                            guint         channel,
                                            gint64        start_sec,
                                            gint64        n_secs,
                                            gboolean      whole_segment);
void          dc_sim_body_clear            (DcSimBody    *body);

/* faults */
gboolean      dc_sim_fault_roll            (DcSim        *sim,
                                            DcSimFaultKind kind,
                                            double       *param);

/* responses */
void          dc_sim_count_request         (DcSim        *sim,
                                            const char   *endpoint);
void          dc_sim_respond               (SoupServerMessage *msg,
                                            guint         status,
                                            const char   *content_type,
                                            const char   *body,
                                            gssize        len);
/* Streams body (taking it over) as a download: counts it, honours Range
 * when enabled and applies drop/stall/short faults. */
void          dc_sim_stream_download       (DcSim        *sim,
                                            SoupServerMessage *msg,
                                            DcSimBody    *body,
                                            const char   *content_type,
                                            gboolean      by_time);
/* TRUE when a new download must be refused as busy (limit or fault). */
gboolean      dc_sim_download_is_busy      (DcSim        *sim);

/* profiles */
gboolean      dc_sim_apply_profile         (DcSim        *sim,
                                            const char   *name,
                                            GError      **error);
const char   *dc_sim_profile_brand         (const char   *name);
char         *dc_sim_profile_list          (void);
/* The end of the recording file holding @t (wall seconds). */
gint64        dc_sim_file_end_at           (DcSim        *sim,
                                            gint64        t);

/* brands */
void          dc_sim_hikvision_handle      (DcSim        *sim,
                                            SoupServerMessage *msg,
                                            const char   *path,
                                            GHashTable   *query);
void          dc_sim_hikvision_unauthorized_body (DcSim  *sim,
                                            SoupServerMessage *msg);
char         *dc_sim_hikvision_endpoint    (const char   *path);
void          dc_sim_dahua_handle          (DcSim        *sim,
                                            SoupServerMessage *msg,
                                            const char   *path,
                                            GHashTable   *query);
char         *dc_sim_dahua_endpoint        (const char   *path,
                                            GHashTable   *query);
void          dc_sim_dahua_finder_free     (gpointer      finder);

G_END_DECLS
