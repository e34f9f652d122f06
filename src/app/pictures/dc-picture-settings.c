#define G_LOG_DOMAIN "dc-picture-settings"

#include "config.h"

#include <glib/gstdio.h>

#include "dc-picture-settings.h"

/* A key file, not GSettings: the page's settings predate the schema and
 * live beside the recorders' file the command line shares. */
struct _DcPictureSettings
{
  GObject       parent_instance;

  DcMarkShape   shape;
  DcMarkColour  colour;
  int           line_width;
  guint         columns;
  GPtrArray    *recent;
};

G_DEFINE_FINAL_TYPE (DcPictureSettings, dc_picture_settings, G_TYPE_OBJECT)

char *
dc_picture_settings_get_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "dockclip", "pictures.ini", NULL);
}

static void
save (DcPictureSettings *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = dc_picture_settings_get_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_key_file_set_string (kf, "annotate", "shape", dc_mark_shape_to_string (self->shape));
  g_key_file_set_string (kf, "annotate", "colour", dc_mark_colour_to_string (self->colour));
  g_key_file_set_integer (kf, "annotate", "line-width", self->line_width);
  g_key_file_set_integer (kf, "grid", "columns", (int) self->columns);
  if (self->recent->len > 0)
    g_key_file_set_string_list (kf, "folders", "recent",
                                (const char * const *) self->recent->pdata, self->recent->len);
  g_mkdir_with_parents (dir, 0700);
  if (!g_key_file_save_to_file (kf, path, &error))
    g_warning ("Cannot save the picture settings to %s: %s", path, error->message);
}

static void
load (DcPictureSettings *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = dc_picture_settings_get_path ();
  g_autofree char *shape = NULL;
  g_autofree char *colour = NULL;
  g_auto(GStrv) recent = NULL;
  int n;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return;
  shape = g_key_file_get_string (kf, "annotate", "shape", NULL);
  if (shape != NULL && (!dc_mark_shape_from_string (shape, &self->shape) ||
                        self->shape == DC_MARK_SHAPE_NONE))
    self->shape = DC_MARK_SHAPE_RECTANGLE;
  colour = g_key_file_get_string (kf, "annotate", "colour", NULL);
  if (colour != NULL && !dc_mark_colour_from_string (colour, &self->colour))
    self->colour = DC_MARK_COLOUR_RED;
  n = g_key_file_get_integer (kf, "annotate", "line-width", NULL);
  if (n > 0)
    self->line_width = CLAMP (n, DC_MARK_LINE_WIDTH_MIN, DC_MARK_LINE_WIDTH_MAX);
  n = g_key_file_get_integer (kf, "grid", "columns", NULL);
  if (n > 0)
    self->columns = CLAMP (n, 1, 6);
  recent = g_key_file_get_string_list (kf, "folders", "recent", NULL, NULL);
  for (guint i = 0; recent != NULL && recent[i] != NULL && i < DC_PICTURE_SETTINGS_MAX_RECENT; i++)
    g_ptr_array_add (self->recent, g_strdup (recent[i]));
}

static void
dc_picture_settings_finalize (GObject *object)
{
  DcPictureSettings *self = DC_PICTURE_SETTINGS (object);

  g_clear_pointer (&self->recent, g_ptr_array_unref);
  G_OBJECT_CLASS (dc_picture_settings_parent_class)->finalize (object);
}

static void
dc_picture_settings_class_init (DcPictureSettingsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_picture_settings_finalize;
}

static void
dc_picture_settings_init (DcPictureSettings *self)
{
  self->shape = DC_MARK_SHAPE_RECTANGLE;
  self->colour = DC_MARK_COLOUR_RED;
  self->line_width = 8;
  self->columns = 4;
  self->recent = g_ptr_array_new_with_free_func (g_free);
}

DcPictureSettings *
dc_picture_settings_new (void)
{
  DcPictureSettings *self = g_object_new (DC_TYPE_PICTURE_SETTINGS, NULL);

  load (self);
  return self;
}

void
dc_picture_settings_get_style (DcPictureSettings *self, DcMarkShape *shape, DcMarkColour *colour,
                               int *line_width)
{
  g_return_if_fail (DC_IS_PICTURE_SETTINGS (self));
  if (shape != NULL)
    *shape = self->shape;
  if (colour != NULL)
    *colour = self->colour;
  if (line_width != NULL)
    *line_width = self->line_width;
}

gboolean
dc_picture_settings_set_style (DcPictureSettings *self, DcMarkShape shape, DcMarkColour colour,
                               int line_width)
{
  g_return_val_if_fail (DC_IS_PICTURE_SETTINGS (self), FALSE);

  line_width = CLAMP (line_width, DC_MARK_LINE_WIDTH_MIN, DC_MARK_LINE_WIDTH_MAX);
  if (shape == self->shape && colour == self->colour && line_width == self->line_width)
    return FALSE;
  self->shape = shape;
  self->colour = colour;
  self->line_width = line_width;
  save (self);
  return TRUE;
}

guint
dc_picture_settings_get_columns (DcPictureSettings *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_SETTINGS (self), 4);
  return self->columns;
}

gboolean
dc_picture_settings_set_columns (DcPictureSettings *self, guint columns)
{
  g_return_val_if_fail (DC_IS_PICTURE_SETTINGS (self), FALSE);

  columns = CLAMP (columns, 1, 6);
  if (columns == self->columns)
    return FALSE;
  self->columns = columns;
  save (self);
  return TRUE;
}

GPtrArray *
dc_picture_settings_get_recent (DcPictureSettings *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_SETTINGS (self), NULL);
  return self->recent;
}

gboolean
dc_picture_settings_add_recent (DcPictureSettings *self, const char *path)
{
  g_return_val_if_fail (DC_IS_PICTURE_SETTINGS (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  for (guint i = 0; i < self->recent->len; i++)
    if (g_str_equal (g_ptr_array_index (self->recent, i), path))
      {
        if (i == 0)
          return FALSE;
        g_ptr_array_remove_index (self->recent, i);
        break;
      }
  g_ptr_array_insert (self->recent, 0, g_strdup (path));
  if (self->recent->len > DC_PICTURE_SETTINGS_MAX_RECENT)
    g_ptr_array_set_size (self->recent, DC_PICTURE_SETTINGS_MAX_RECENT);
  save (self);
  return TRUE;
}
