/* dc-test-sim.h: run dockclip-dvr-sim ($DC_DVR_SIM) from a test.
 *
 *   g_autoptr(DcTestSim) sim = dc_test_sim_start ("hikvision", NULL, &error);
 *   url = dc_test_sim_get_url (sim);      // "http://127.0.0.1:PORT"
 *   stats = dc_test_sim_get_stats (sim);  // GET /sim/stats
 *
 * The simulator runs with --user admin and password "secret" (fed on stdin)
 * unless extra_args give --user/--password; it exits when the test process
 * goes away (stdin closes) or on dc_test_sim_stop().
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _DcTestSim DcTestSim;

/* NULL-terminated extra_args may be NULL.  Fails when $DC_DVR_SIM is unset,
 * the simulator rejects its arguments, or it does not listen within 30 s. */
DcTestSim    *dc_test_sim_start      (const char        *brand,
                                      const char *const *extra_args,
                                      GError           **error);
const char   *dc_test_sim_get_url    (DcTestSim         *sim);
guint         dc_test_sim_get_port   (DcTestSim         *sim);
/* A new reference to the parsed /sim/stats object, NULL on failure. */
JsonObject   *dc_test_sim_get_stats  (DcTestSim         *sim);
/* Convenience: one integer member of /sim/stats ("requests" excluded), -1 when missing. */
gint64        dc_test_sim_get_stat   (DcTestSim         *sim,
                                      const char        *name);
/* Requests counted for one endpoint, e.g. "/ISAPI/ContentMgmt/search". */
gint64        dc_test_sim_get_requests (DcTestSim       *sim,
                                        const char      *endpoint);
/* SIGTERM (force-exit after 5 s), wait, free.  NULL is ignored.  A
 * non-zero exit (e.g. LeakSanitizer in an ASan build) is logged. */
void          dc_test_sim_stop       (DcTestSim         *sim);
/* Same, returning the exit status (0 = clean, -1 = killed or NULL). */
int           dc_test_sim_stop_get_status (DcTestSim    *sim);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcTestSim, dc_test_sim_stop)

G_END_DECLS
