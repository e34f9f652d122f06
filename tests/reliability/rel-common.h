/* rel-common.h: helpers shared by the reliability tests and the soak run:
 * simulators in a config, scan times inside their recordings, draining the
 * engine's events with timestamps, checking finished files. */
#pragma once

#include <glib.h>

#include "dc-test-sim.h"
#include "download/dc-downloader.h"

G_BEGIN_DECLS

#define REL_FPS 10

/* Starts a simulator (--fps 10 plus @args) and appends its [dvr NAME]
 * group to @config; the simulator goes into @sims. */
DcTestSim *rel_add_sim      (GString *config, GPtrArray *sims, const char *name,
                             const char *brand, guint max_downloads,
                             const char *const *args);
void       rel_add_dock     (GString *config, const char *dock, const char *dvr, guint channel);
/* Writes @config as DIR/dockclip.conf (0600) and loads it. */
DcConfig  *rel_load_config  (const char *dir, GString *config, char **path_out);

/* A scan instant (this PC's clock, µs) whole minutes ago plus @second:
 * inside the simulator's default recordings (the last 24 h). */
gint64     rel_scan_time    (int minutes_ago, int second);
/* "YYYY-MM-DD HH:MM:SS" local time of @pc_us, as an e-sheet holds it. */
char      *rel_format_local (gint64 pc_us);
/* The wall frame the simulator stamps at PC instant @pc_us (no clock offset). */
gint64     rel_expected_wall_frames (gint64 pc_us);

/* TRUE when @path is a JPEG showing channel @channel at the frame of
 * @scan_us; @why gets the reason otherwise. */
gboolean   rel_picture_is_correct (const char *path, guint channel, gint64 scan_us, char **why);
/* TRUE when @path is a clip whose duration covers [scan - pre, scan + post]
 * (starting at the keyframe at or before it: up to 1 s + 0.2 s longer). */
gboolean   rel_clip_is_correct    (const char *path, gint64 pre_us, gint64 post_us, char **why);

typedef struct
{
  GHashTable *final;      /* job id -> DcDownloadEvent* (last final JOB event) */
  GHashTable *final_at;   /* job id -> monotonic µs of that event (gint64*) */
  gboolean    idle;       /* the engine said every job is final */
} RelEvents;

void       rel_events_init  (RelEvents *ev);
void       rel_events_clear (RelEvents *ev);
/* Pops events until IDLE or @timeout_s.  When @stop_ids is not NULL it also
 * returns as soon as every job id in it is final. */
void       rel_drain        (DcDownloader *d, RelEvents *ev, guint timeout_s, GArray *stop_ids);
DcDownloadEvent *rel_event_copy (const DcDownloadEvent *event);

/* Every file under @dir (recursively) whose name ends in @suffix. */
GPtrArray *rel_find_files   (const char *dir, const char *suffix);

G_END_DECLS
