/* dc-demo.h: the built-in demo — two simulated recorders (Hikvision and
 * Dahua) on 127.0.0.1, a config that maps four docks to them and a sample
 * e-sheet whose scans they recorded.  Used by `dockclip-cli demo` and the
 * app's "Try the demo". */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _DcDemo DcDemo;

/* The simulator binary: $DOCKCLIP_DVR_SIM, the build tree, or the
 * installed bindir.  NULL when none is found. */
char       *dc_demo_find_simulator (void);

/* Starts the simulators and writes <dir>/dockclip.conf (0600) and
 * <dir>/demo-waybills.csv (scan times in the last hours).  Blocks for the
 * simulators' "listening" lines (well under a second): call it from a
 * worker thread in a GUI.  The simulators exit with this process. */
DcDemo     *dc_demo_start           (const char *dir, GError **error);
const char *dc_demo_get_dir         (DcDemo *self);
const char *dc_demo_get_config_path (DcDemo *self);
const char *dc_demo_get_esheet_path (DcDemo *self);
/* Where the demo's downloads go (<dir>/out). */
const char *dc_demo_get_out_dir     (DcDemo *self);
void        dc_demo_stop            (DcDemo *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDemo, dc_demo_stop)

G_END_DECLS
