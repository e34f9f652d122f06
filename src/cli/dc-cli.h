/* dc-cli.h: the subcommands of dockclip-cli, one file each. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int dc_cli_probe    (int argc, char **argv);
int dc_cli_search   (int argc, char **argv);
int dc_cli_download (int argc, char **argv);
int dc_cli_demo     (int argc, char **argv);
int dc_cli_esheet   (int argc, char **argv);
int dc_cli_pin      (int argc, char **argv);
int dc_cli_report   (int argc, char **argv);

G_END_DECLS
