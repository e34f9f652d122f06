/* dc-test-util.h: small helpers shared by the tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A fresh temporary folder for one test, removed (recursively) by
 * dc_test_rmdir(). */
char    *dc_test_mkdtemp (void);
void     dc_test_rmdir   (const char *path);
/* Path of a file under tests/data. */
char    *dc_test_data_path (const char *name);

/* Iterates the default main context until @cond (@data) is TRUE; FALSE
 * after @timeout_ms. */
gboolean dc_test_wait_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);
/* Iterates the default main context for @ms milliseconds. */
void     dc_test_pump       (guint ms);

/* For GUI tests, before gtk_init: the C locale and private XDG dirs
 * (config, cache, state, data) under a new temporary folder, returned for
 * dc_test_rmdir().  Not G_TEST_OPTION_ISOLATE_DIRS: that also empties
 * XDG_DATA_DIRS, which hides the MIME database and GSettings schemas GTK
 * needs to load icons. */
char    *dc_test_private_xdg_dirs (void);

G_END_DECLS
