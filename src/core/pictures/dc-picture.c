#define G_LOG_DOMAIN "dc-picture"

#include "config.h"

#include <string.h>

#include "pictures/dc-picture.h"

struct _DcPicture
{
  GObject  parent_instance;

  char    *path;
  char    *name;
  char    *sort_key;
  goffset  size;
  gint64   mtime;
  DcMark  *mark;

  GObject *thumbnail;
  int      thumb_source_width;
  int      thumb_source_height;
  char    *thumb_error;
};

G_DEFINE_FINAL_TYPE (DcPicture, dc_picture, G_TYPE_OBJECT)

enum { PROP_0, PROP_PATH, PROP_NAME, PROP_SIZE, PROP_MTIME, PROP_MARKED, PROP_MARK, PROP_THUMBNAIL, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
dc_picture_finalize (GObject *object)
{
  DcPicture *self = DC_PICTURE (object);

  g_free (self->path);
  g_free (self->name);
  g_free (self->sort_key);
  g_clear_pointer (&self->mark, dc_mark_free);
  g_clear_object (&self->thumbnail);
  g_free (self->thumb_error);
  G_OBJECT_CLASS (dc_picture_parent_class)->finalize (object);
}

static void
dc_picture_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DcPicture *self = DC_PICTURE (object);

  switch (prop_id)
    {
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_SIZE: g_value_set_int64 (value, self->size); break;
    case PROP_MTIME: g_value_set_int64 (value, self->mtime); break;
    case PROP_MARKED: g_value_set_boolean (value, self->mark != NULL); break;
    case PROP_MARK: g_value_set_boxed (value, self->mark); break;
    case PROP_THUMBNAIL: g_value_set_object (value, self->thumbnail); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dc_picture_class_init (DcPictureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dc_picture_finalize;
  object_class->get_property = dc_picture_get_property;

  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_SIZE] = g_param_spec_int64 ("size", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_MTIME] = g_param_spec_int64 ("mtime", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_MARKED] = g_param_spec_boolean ("marked", NULL, NULL, FALSE, ro);
  properties[PROP_MARK] = g_param_spec_boxed ("mark", NULL, NULL, DC_TYPE_MARK, ro);
  properties[PROP_THUMBNAIL] = g_param_spec_object ("thumbnail", NULL, NULL, G_TYPE_OBJECT, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dc_picture_init (DcPicture *self)
{
}

DcPicture *
dc_picture_new (const char *folder, const char *name, goffset size, gint64 mtime_us)
{
  DcPicture *self;

  g_return_val_if_fail (folder != NULL && name != NULL, NULL);

  self = g_object_new (DC_TYPE_PICTURE, NULL);
  self->path = g_build_filename (folder, name, NULL);
  self->name = g_strdup (name);
  self->sort_key = g_utf8_collate_key_for_filename (name, -1);
  self->size = size;
  self->mtime = mtime_us;
  return self;
}

const char *
dc_picture_get_path (DcPicture *self)
{
  g_return_val_if_fail (DC_IS_PICTURE (self), NULL);
  return self->path;
}

const char *
dc_picture_get_name (DcPicture *self)
{
  g_return_val_if_fail (DC_IS_PICTURE (self), NULL);
  return self->name;
}

char *
dc_picture_dup_stem (DcPicture *self)
{
  char *base = g_path_get_basename (self->name);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return base;
}

goffset
dc_picture_get_size (DcPicture *self)
{
  return self->size;
}

gint64
dc_picture_get_mtime (DcPicture *self)
{
  return self->mtime;
}

gboolean
dc_picture_get_marked (DcPicture *self)
{
  return self->mark != NULL;
}

const DcMark *
dc_picture_get_mark (DcPicture *self)
{
  return self->mark;
}

const char *
dc_picture_get_sort_key (DcPicture *self)
{
  return self->sort_key;
}

GObject *
dc_picture_get_thumbnail (DcPicture *self, int *source_width, int *source_height)
{
  g_return_val_if_fail (DC_IS_PICTURE (self), NULL);
  if (source_width != NULL)
    *source_width = self->thumb_source_width;
  if (source_height != NULL)
    *source_height = self->thumb_source_height;
  return self->thumbnail;
}

const char *
dc_picture_get_thumbnail_error (DcPicture *self)
{
  g_return_val_if_fail (DC_IS_PICTURE (self), NULL);
  return self->thumb_error;
}

gboolean
dc_picture_has_thumbnail (DcPicture *self)
{
  g_return_val_if_fail (DC_IS_PICTURE (self), FALSE);
  return self->thumbnail != NULL || self->thumb_error != NULL;
}

void
dc_picture_set_thumbnail (DcPicture *self, GObject *thumbnail, int source_width,
                          int source_height, const char *error)
{
  g_return_if_fail (DC_IS_PICTURE (self));
  g_return_if_fail (thumbnail == NULL || G_IS_OBJECT (thumbnail));

  if (thumbnail == NULL)
    source_width = source_height = 0;
  if (thumbnail == self->thumbnail && g_strcmp0 (error, self->thumb_error) == 0 &&
      source_width == self->thumb_source_width && source_height == self->thumb_source_height)
    return;
  g_set_object (&self->thumbnail, thumbnail);
  self->thumb_source_width = source_width;
  self->thumb_source_height = source_height;
  g_free (self->thumb_error);
  self->thumb_error = thumbnail == NULL ? g_strdup (error) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

gboolean
dc_picture_set_stamp (DcPicture *self, goffset size, gint64 mtime_us)
{
  gboolean changed = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->size != size)
    {
      self->size = size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
      changed = TRUE;
    }
  if (self->mtime != mtime_us)
    {
      self->mtime = mtime_us;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MTIME]);
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));
  return changed;
}

void
dc_picture_set_mark (DcPicture *self, const DcMark *mark)
{
  gboolean was_marked = self->mark != NULL;

  if (mark == NULL && self->mark == NULL)
    return;
  if (mark != NULL && self->mark != NULL && dc_mark_equal (mark, self->mark))
    return;
  g_clear_pointer (&self->mark, dc_mark_free);
  if (mark != NULL)
    self->mark = dc_mark_copy (mark);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MARK]);
  if (was_marked != (mark != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MARKED]);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
dc_picture_name_is_supported (const char *basename)
{
  static const char *exts[] = { ".jpg", ".jpeg", ".jpe", ".png", ".webp" };
  const char *dot;

  if (basename == NULL || basename[0] == '.' )
    return FALSE;
  dot = strrchr (basename, '.');
  if (dot == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (exts); i++)
    if (g_ascii_strcasecmp (dot, exts[i]) == 0)
      return TRUE;
  return FALSE;
}
