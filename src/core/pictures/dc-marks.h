/* dc-marks.h: which pictures of a folder are marked, and how.
 *
 * Marks live in a sidecar in the folder itself, `.dockclip-marks.json`
 * (written atomically: temp file + rename), never in the file names:
 * the folder can be copied to a USB stick and keep its marks, and the
 * originals are never renamed.  Keys are paths relative to the folder
 * with '/' separators (recursive scans), geometry is in pixels of the
 * upright picture (EXIF orientation applied), as the grid shows it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DC_MARKS_FILE_NAME ".dockclip-marks.json"
#define DC_MARK_LINE_WIDTH_MIN 1
#define DC_MARK_LINE_WIDTH_MAX 100

typedef enum
{
  DC_MARK_SHAPE_NONE,        /* a plain mark (badge), nothing drawn */
  DC_MARK_SHAPE_RECTANGLE,
  DC_MARK_SHAPE_ELLIPSE,
} DcMarkShape;

typedef enum
{
  DC_MARK_COLOUR_RED,
  DC_MARK_COLOUR_BLACK,
  DC_MARK_COLOUR_YELLOW,
  DC_MARK_COLOUR_WHITE,
} DcMarkColour;

#define DC_TYPE_MARK (dc_mark_get_type ())

typedef struct
{
  DcMarkShape  shape;
  int          x;            /* top-left of the shape's bounding box */
  int          y;
  int          width;
  int          height;
  DcMarkColour colour;
  int          line_width;   /* 1..100 px, drawn inside the box */
  gint64       time;         /* when marked, Unix seconds UTC */
} DcMark;

GType        dc_mark_get_type  (void) G_GNUC_CONST;
DcMark      *dc_mark_copy      (const DcMark *mark);
void         dc_mark_free      (DcMark *mark);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcMark, dc_mark_free)

/* A shaped mark with line width clamped to 1..100, time = now. */
void         dc_mark_init      (DcMark *mark, DcMarkShape shape, int x, int y,
                                int width, int height, DcMarkColour colour,
                                int line_width);
gboolean     dc_mark_equal     (const DcMark *a, const DcMark *b);

const char  *dc_mark_shape_to_string   (DcMarkShape shape);
gboolean     dc_mark_shape_from_string (const char *s, DcMarkShape *shape);
const char  *dc_mark_colour_to_string  (DcMarkColour colour);
gboolean     dc_mark_colour_from_string (const char *s, DcMarkColour *colour);
void         dc_mark_colour_to_rgb     (DcMarkColour colour, guint8 rgb[3]);

typedef struct _DcMarkIndex DcMarkIndex;

/* Loads <folder>/.dockclip-marks.json; a missing file is an empty index.
 * A damaged file is an error (DC_PICTURES_ERROR_INDEX): never silently
 * replaced, the operator's marks are evidence. */
DcMarkIndex *dc_mark_index_load    (const char *folder, GError **error);
/* An empty index for @folder (nothing read). */
DcMarkIndex *dc_mark_index_new     (const char *folder);
DcMarkIndex *dc_mark_index_ref     (DcMarkIndex *self);
/* A snapshot (an index is not thread-safe: give workers a copy). */
DcMarkIndex *dc_mark_index_copy    (DcMarkIndex *self);
void         dc_mark_index_unref   (DcMarkIndex *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcMarkIndex, dc_mark_index_unref)

gboolean     dc_mark_index_save    (DcMarkIndex *self, GError **error);
const char  *dc_mark_index_get_folder (DcMarkIndex *self);
char        *dc_mark_index_get_path   (DcMarkIndex *self);

/* @name: relative path as in the keys. NULL when not marked. */
const DcMark *dc_mark_index_lookup  (DcMarkIndex *self, const char *name);
gboolean     dc_mark_index_is_marked (DcMarkIndex *self, const char *name);
/* Adds or edits (copied). */
void         dc_mark_index_set     (DcMarkIndex *self, const char *name, const DcMark *mark);
/* FALSE if @name was not marked. */
gboolean     dc_mark_index_remove  (DcMarkIndex *self, const char *name);
guint        dc_mark_index_get_n_marks (DcMarkIndex *self);
/* Sorted names of the marked pictures (free with g_strfreev). */
char       **dc_mark_index_get_names (DcMarkIndex *self);

/* Pictures a review moved to the trash (Prune unmarked), kept in the
 * sidecar as "pruned": after a restart the app tells "removed in review"
 * from "never downloaded", so Download missing does not fetch again
 * what the operator threw away.  A restored picture is taken out. */
void         dc_mark_index_set_pruned (DcMarkIndex *self, const char *name, gboolean pruned);
gboolean     dc_mark_index_is_pruned  (DcMarkIndex *self, const char *name);

G_END_DECLS
