#define G_LOG_DOMAIN "dc-marks"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "pictures/dc-marks.h"
#include "pictures/dc-pictures-error.h"
#include "util/dc-file-util.h"

#define INDEX_VERSION 1

G_DEFINE_BOXED_TYPE (DcMark, dc_mark, dc_mark_copy, dc_mark_free)

DcMark *
dc_mark_copy (const DcMark *mark)
{
  return g_memdup2 (mark, sizeof *mark);
}

void
dc_mark_free (DcMark *mark)
{
  g_free (mark);
}

void
dc_mark_init (DcMark *mark, DcMarkShape shape, int x, int y, int width, int height,
              DcMarkColour colour, int line_width)
{
  memset (mark, 0, sizeof *mark);
  mark->shape = shape;
  mark->x = x;
  mark->y = y;
  mark->width = MAX (0, width);
  mark->height = MAX (0, height);
  mark->colour = colour;
  mark->line_width = CLAMP (line_width, DC_MARK_LINE_WIDTH_MIN, DC_MARK_LINE_WIDTH_MAX);
  mark->time = g_get_real_time () / G_USEC_PER_SEC;
}

gboolean
dc_mark_equal (const DcMark *a, const DcMark *b)
{
  return a->shape == b->shape && a->x == b->x && a->y == b->y &&
         a->width == b->width && a->height == b->height && a->colour == b->colour &&
         a->line_width == b->line_width && a->time == b->time;
}

static const char *shape_names[] = { "none", "rectangle", "ellipse" };
static const char *colour_names[] = { "red", "black", "yellow", "white" };

const char *
dc_mark_shape_to_string (DcMarkShape shape)
{
  return (guint) shape < G_N_ELEMENTS (shape_names) ? shape_names[shape] : "none";
}

gboolean
dc_mark_shape_from_string (const char *s, DcMarkShape *shape)
{
  for (guint i = 0; s != NULL && i < G_N_ELEMENTS (shape_names); i++)
    if (g_str_equal (s, shape_names[i]))
      {
        *shape = (DcMarkShape) i;
        return TRUE;
      }
  return FALSE;
}

const char *
dc_mark_colour_to_string (DcMarkColour colour)
{
  return (guint) colour < G_N_ELEMENTS (colour_names) ? colour_names[colour] : "red";
}

gboolean
dc_mark_colour_from_string (const char *s, DcMarkColour *colour)
{
  for (guint i = 0; s != NULL && i < G_N_ELEMENTS (colour_names); i++)
    if (g_str_equal (s, colour_names[i]))
      {
        *colour = (DcMarkColour) i;
        return TRUE;
      }
  return FALSE;
}

void
dc_mark_colour_to_rgb (DcMarkColour colour, guint8 rgb[3])
{
  static const guint8 table[][3] = {
    { 0xE0, 0x1B, 0x24 },   /* red */
    { 0x00, 0x00, 0x00 },   /* black */
    { 0xFF, 0xE0, 0x00 },   /* yellow */
    { 0xFF, 0xFF, 0xFF },   /* white */
  };
  guint i = (guint) colour < G_N_ELEMENTS (table) ? (guint) colour : 0;

  memcpy (rgb, table[i], 3);
}

struct _DcMarkIndex
{
  gint        ref_count;
  char       *folder;
  GHashTable *marks;   /* name -> DcMark* */
  GHashTable *pruned;  /* names moved to the trash by a review: a set */
};

static int compare_names (gconstpointer a, gconstpointer b);

DcMarkIndex *
dc_mark_index_new (const char *folder)
{
  DcMarkIndex *self;

  g_return_val_if_fail (folder != NULL, NULL);

  self = g_new0 (DcMarkIndex, 1);
  self->ref_count = 1;
  self->folder = g_strdup (folder);
  self->marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->pruned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

DcMarkIndex *
dc_mark_index_ref (DcMarkIndex *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

DcMarkIndex *
dc_mark_index_copy (DcMarkIndex *self)
{
  DcMarkIndex *copy = dc_mark_index_new (self->folder);
  GHashTableIter iter;
  gpointer name, mark;

  g_hash_table_iter_init (&iter, self->marks);
  while (g_hash_table_iter_next (&iter, &name, &mark))
    g_hash_table_insert (copy->marks, g_strdup (name), dc_mark_copy (mark));
  g_hash_table_iter_init (&iter, self->pruned);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_hash_table_add (copy->pruned, g_strdup (name));
  return copy;
}

void
dc_mark_index_unref (DcMarkIndex *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_hash_table_unref (self->marks);
  g_hash_table_unref (self->pruned);
  g_free (self->folder);
  g_free (self);
}

const char *
dc_mark_index_get_folder (DcMarkIndex *self)
{
  return self->folder;
}

char *
dc_mark_index_get_path (DcMarkIndex *self)
{
  return g_build_filename (self->folder, DC_MARKS_FILE_NAME, NULL);
}

static gboolean
parse_mark (JsonObject *obj, DcMark *mark)
{
  DcMarkShape shape;
  DcMarkColour colour;
  g_autoptr(GDateTime) when = NULL;
  const char *time_str;

  if (!dc_mark_shape_from_string (json_object_get_string_member_with_default (obj, "shape", ""), &shape))
    return FALSE;
  if (!dc_mark_colour_from_string (json_object_get_string_member_with_default (obj, "colour", "red"), &colour))
    colour = DC_MARK_COLOUR_RED;
  dc_mark_init (mark, shape,
                (int) json_object_get_int_member_with_default (obj, "x", 0),
                (int) json_object_get_int_member_with_default (obj, "y", 0),
                (int) json_object_get_int_member_with_default (obj, "width", 0),
                (int) json_object_get_int_member_with_default (obj, "height", 0),
                colour,
                (int) json_object_get_int_member_with_default (obj, "line_width", 8));
  time_str = json_object_get_string_member_with_default (obj, "time", NULL);
  if (time_str != NULL)
    when = g_date_time_new_from_iso8601 (time_str, NULL);
  mark->time = when != NULL ? g_date_time_to_unix (when) : 0;
  return TRUE;
}

DcMarkIndex *
dc_mark_index_load (const char *folder, GError **error)
{
  g_autoptr(DcMarkIndex) self = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  JsonNode *root;
  JsonObject *marks;
  GList *members;

  self = dc_mark_index_new (folder);
  path = dc_mark_index_get_path (self);
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, contents, (gssize) len, &local_error))
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_INDEX,
                   _("The marks file “%s” is damaged (%s); it was left as it is — "
                     "restore it from a copy or move it away to start again"),
                   path, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "marks") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "marks")))
    {
      g_set_error (error, DC_PICTURES_ERROR, DC_PICTURES_ERROR_INDEX,
                   _("The marks file “%s” is not a Dockclip marks file; "
                     "move it away to start again"), path);
      return NULL;
    }

  marks = json_object_get_object_member (json_node_get_object (root), "marks");
  members = json_object_get_members (marks);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (marks, l->data);
      DcMark mark;

      if (JSON_NODE_HOLDS_OBJECT (node) && parse_mark (json_node_get_object (node), &mark))
        g_hash_table_insert (self->marks, g_strdup (l->data), dc_mark_copy (&mark));
      else
        g_warning ("%s: skipping an unreadable mark for “%s”", path, (const char *) l->data);
    }
  g_list_free (members);
  /* "pruned": the names a review moved to the trash (absent before) */
  if (json_object_has_member (json_node_get_object (root), "pruned") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "pruned")))
    {
      JsonArray *pruned = json_object_get_array_member (json_node_get_object (root), "pruned");

      for (guint i = 0; i < json_array_get_length (pruned); i++)
        {
          const char *name = json_node_get_string (json_array_get_element (pruned, i));

          if (name != NULL && *name != '\0')
            g_hash_table_add (self->pruned, g_strdup (name));
        }
    }
  return g_steal_pointer (&self);
}

gboolean
dc_mark_index_save (DcMarkIndex *self, GError **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) names = dc_mark_index_get_names (self);
  g_autofree char *path = dc_mark_index_get_path (self);
  g_autofree char *data = NULL;
  gsize len = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, INDEX_VERSION);
  json_builder_set_member_name (builder, "marks");
  json_builder_begin_object (builder);
  for (guint i = 0; names[i] != NULL; i++)
    {
      const DcMark *m = g_hash_table_lookup (self->marks, names[i]);
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (m->time);
      g_autofree char *when_str = when != NULL ? g_date_time_format_iso8601 (when) : NULL;

      json_builder_set_member_name (builder, names[i]);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "shape");
      json_builder_add_string_value (builder, dc_mark_shape_to_string (m->shape));
      json_builder_set_member_name (builder, "x");
      json_builder_add_int_value (builder, m->x);
      json_builder_set_member_name (builder, "y");
      json_builder_add_int_value (builder, m->y);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, m->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, m->height);
      json_builder_set_member_name (builder, "colour");
      json_builder_add_string_value (builder, dc_mark_colour_to_string (m->colour));
      json_builder_set_member_name (builder, "line_width");
      json_builder_add_int_value (builder, m->line_width);
      json_builder_set_member_name (builder, "time");
      json_builder_add_string_value (builder, when_str != NULL ? when_str : "");
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  if (g_hash_table_size (self->pruned) > 0)
    {
      g_autofree const char **pruned = (const char **) g_hash_table_get_keys_as_array (self->pruned, NULL);
      guint n = g_hash_table_size (self->pruned);

      qsort (pruned, n, sizeof (char *), compare_names);
      json_builder_set_member_name (builder, "pruned");
      json_builder_begin_array (builder);
      for (guint i = 0; i < n; i++)
        json_builder_add_string_value (builder, pruned[i]);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  data = json_generator_to_data (gen, &len);
  if (!dc_write_file_atomic (path, data, (gssize) len, 0600, error))
    {
      g_prefix_error (error, _("Cannot save the marks of “%s”: "), self->folder);
      return FALSE;
    }
  return TRUE;
}

const DcMark *
dc_mark_index_lookup (DcMarkIndex *self, const char *name)
{
  return g_hash_table_lookup (self->marks, name);
}

gboolean
dc_mark_index_is_marked (DcMarkIndex *self, const char *name)
{
  return g_hash_table_contains (self->marks, name);
}

void
dc_mark_index_set (DcMarkIndex *self, const char *name, const DcMark *mark)
{
  DcMark *copy;

  g_return_if_fail (name != NULL && mark != NULL);

  copy = dc_mark_copy (mark);
  copy->line_width = CLAMP (copy->line_width, DC_MARK_LINE_WIDTH_MIN, DC_MARK_LINE_WIDTH_MAX);
  copy->width = MAX (0, copy->width);
  copy->height = MAX (0, copy->height);
  g_hash_table_replace (self->marks, g_strdup (name), copy);
}

gboolean
dc_mark_index_remove (DcMarkIndex *self, const char *name)
{
  return g_hash_table_remove (self->marks, name);
}

guint
dc_mark_index_get_n_marks (DcMarkIndex *self)
{
  return g_hash_table_size (self->marks);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
dc_mark_index_get_names (DcMarkIndex *self)
{
  guint n = 0;
  char **names = (char **) g_hash_table_get_keys_as_array (self->marks, &n);
  char **copy = g_new0 (char *, n + 1);

  qsort (names, n, sizeof (char *), compare_names);
  for (guint i = 0; i < n; i++)
    copy[i] = g_strdup (names[i]);
  g_free (names);
  return copy;
}

void
dc_mark_index_set_pruned (DcMarkIndex *self, const char *name, gboolean pruned)
{
  g_return_if_fail (self != NULL && name != NULL);
  if (pruned)
    g_hash_table_add (self->pruned, g_strdup (name));
  else
    g_hash_table_remove (self->pruned, name);
}

gboolean
dc_mark_index_is_pruned (DcMarkIndex *self, const char *name)
{
  return g_hash_table_contains (self->pruned, name);
}
