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

G_END_DECLS
