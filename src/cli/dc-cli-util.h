/* dc-cli-util.h: helpers shared by the dockclip-cli subcommands. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dvr/dc-config.h"
#include "util/dc-log.h"

G_BEGIN_DECLS

gboolean  dc_cli_parse_options      (int *argc, char ***argv, const GOptionEntry *entries,
                                     const char *summary, GError **error);
/* Prints @error and returns the exit status for bad usage/input (2). */
int       dc_cli_fail               (const GError *error);
DcConfig *dc_cli_load_config        (const char *path, GError **error);
DcLog    *dc_cli_open_dvr_log       (const char *log_dir, const DcDvrConfig *cfg);
/* "YYYY-MM-DD HH:MM[:SS]" in this PC's time zone. */
gboolean  dc_cli_parse_local_time   (const char *text, gint64 *out_us, GError **error);
char     *dc_cli_format_local_time  (gint64 us);
void      dc_cli_print_json         (JsonBuilder *builder);

G_END_DECLS
