/* dc-config.h: the DVRs and the dock -> (DVR, channel) map, stored as a
 * human-editable GLib key file (see README "Configuration").
 *
 *   [dvr north]
 *   brand=hikvision
 *   url=http://127.0.0.1:8080
 *   user=admin
 *   password=secret      # only when the file is not readable by others
 *   max-downloads=1
 *   time-mode=auto
 *   download-by-time=auto   # auto | yes | no
 *   [dock A01]
 *   dvr=north
 *   channel=1
 */
#pragma once

#include <glib.h>

#include "dvr/dc-dvr.h"

G_BEGIN_DECLS

#define DC_CONFIG_ERROR (dc_config_error_quark ())
GQuark dc_config_error_quark (void);

typedef enum
{
  DC_CONFIG_ERROR_READ,       /* missing / unreadable file */
  DC_CONFIG_ERROR_PARSE,      /* not a key file */
  DC_CONFIG_ERROR_INVALID,    /* a group or key with a bad value: names group and key */
  DC_CONFIG_ERROR_INSECURE,   /* a password in a file others can read */
} DcConfigError;

typedef struct
{
  char  *dock;
  char  *dvr;       /* name of a [dvr NAME] group */
  guint  channel;   /* 1-based */
} DcDockMap;

typedef struct _DcConfig DcConfig;

DcConfig          *dc_config_new            (void);
DcConfig          *dc_config_load           (const char *path, GError **error);
DcConfig          *dc_config_load_from_data (const char *data, gssize len, GError **error);
gboolean           dc_config_save           (DcConfig *self, const char *path, GError **error);
void               dc_config_free           (DcConfig *self);

/* DcDvrConfig* in file order, owned by the config. */
GPtrArray         *dc_config_get_dvrs       (DcConfig *self);
const DcDvrConfig *dc_config_get_dvr        (DcConfig *self, const char *name);
/* DcDockMap* in file order, owned by the config. */
GPtrArray         *dc_config_get_docks      (DcConfig *self);
const DcDockMap   *dc_config_lookup_dock    (DcConfig *self, const char *dock);

/* Takes copies. Replaces an entry with the same name. */
void               dc_config_set_dvr        (DcConfig *self, const DcDvrConfig *dvr);
gboolean           dc_config_remove_dvr     (DcConfig *self, const char *name);
void               dc_config_set_dock       (DcConfig *self, const char *dock, const char *dvr, guint channel);
gboolean           dc_config_remove_dock    (DcConfig *self, const char *dock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcConfig, dc_config_free)

G_END_DECLS
