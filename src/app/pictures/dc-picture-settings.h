/* dc-picture-settings.h: what the picture page remembers across runs —
 * the annotation style, pictures per row and the recent folders — in
 * ~/.config/dockclip/pictures.ini (a key file, saved on each change).
 */
#pragma once

#include <glib-object.h>

#include "pictures/dc-pictures.h"

G_BEGIN_DECLS

#define DC_PICTURE_SETTINGS_MAX_RECENT 12

#define DC_TYPE_PICTURE_SETTINGS (dc_picture_settings_get_type ())
G_DECLARE_FINAL_TYPE (DcPictureSettings, dc_picture_settings, DC, PICTURE_SETTINGS, GObject)

/* Loaded from the file (defaults for what is missing or wrong). */
DcPictureSettings *dc_picture_settings_new          (void);
char              *dc_picture_settings_get_path     (void);

void               dc_picture_settings_get_style    (DcPictureSettings *self, DcMarkShape *shape,
                                                     DcMarkColour *colour, int *line_width);
/* FALSE when nothing changed (then nothing is written). */
gboolean           dc_picture_settings_set_style    (DcPictureSettings *self, DcMarkShape shape,
                                                     DcMarkColour colour, int line_width);
guint              dc_picture_settings_get_columns  (DcPictureSettings *self);
gboolean           dc_picture_settings_set_columns  (DcPictureSettings *self, guint columns);

/* Newest first. */
GPtrArray         *dc_picture_settings_get_recent   (DcPictureSettings *self);
/* Puts @path first (at most DC_PICTURE_SETTINGS_MAX_RECENT kept). */
gboolean           dc_picture_settings_add_recent   (DcPictureSettings *self, const char *path);

G_END_DECLS
