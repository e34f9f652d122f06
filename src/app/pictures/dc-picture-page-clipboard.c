#define G_LOG_DOMAIN "dc-picture-page"

/* Sending pictures on from DcPicturePage: Ctrl+C copies the current
 * picture as an image (to paste into a chat or a document), several
 * selected pictures as files; a drag from a cell's name strip carries
 * the picture, or the selection it belongs to, out as files.  What is
 * sent is the marked picture (the shape drawn in) when there is a mark:
 * as an image, the original with the mark drawn; as a file, the burned
 * copy in marked/; else the original. */

#include "config.h"

#include <glib/gi18n.h>

#include "dc-picture-page-private.h"

char *
dc_picture_page_dup_send_path (DcPicturePage *self, DcPicture *picture)
{
  g_autofree char *burned = NULL;

  if (self->folder != NULL && dc_picture_get_marked (picture))
    {
      burned = dc_mark_burned_path (dc_picture_folder_get_path (self->folder),
                                    dc_picture_get_name (picture));
      if (g_file_test (burned, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&burned);
    }
  return g_strdup (dc_picture_get_path (picture));
}

GdkContentProvider *
dc_picture_page_files_provider (DcPicturePage *self, GPtrArray *pictures)
{
  g_autoptr(GString) uris = g_string_new (NULL);
  g_autoptr(GString) copied = g_string_new ("copy");
  g_autoptr(GBytes) uri_bytes = NULL;
  g_autoptr(GBytes) copied_bytes = NULL;
  GSList *files = NULL;
  GdkContentProvider *providers[3];
  GdkFileList *list;

  for (guint i = 0; i < pictures->len; i++)
    {
      g_autofree char *path = dc_picture_page_dup_send_path (self, g_ptr_array_index (pictures, i));
      GFile *file = g_file_new_for_path (path);
      g_autofree char *uri = g_file_get_uri (file);

      files = g_slist_prepend (files, file);
      /* text/uri-list: CRLF after each URI (RFC 2483) */
      g_string_append_printf (uris, "%s\r\n", uri);
      g_string_append_printf (copied, "\n%s", uri);
    }
  files = g_slist_reverse (files);
  list = gdk_file_list_new_from_list (files);
  g_slist_free_full (files, g_object_unref);
  uri_bytes = g_string_free_to_bytes (g_steal_pointer (&uris));
  providers[0] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, list);
  providers[1] = gdk_content_provider_new_for_bytes ("text/uri-list", uri_bytes);
  /* what GNOME Files pastes ("copy", then one URI a line) */
  copied_bytes = g_string_free_to_bytes (g_steal_pointer (&copied));
  providers[2] = gdk_content_provider_new_for_bytes ("x-special/gnome-copied-files", copied_bytes);
  g_boxed_free (GDK_TYPE_FILE_LIST, list);
  return gdk_content_provider_new_union (providers, G_N_ELEMENTS (providers));
}

void
dc_picture_page_copy_files (DcPicturePage *self)
{
  g_autoptr(GPtrArray) pictures = NULL;
  g_autoptr(GdkContentProvider) provider = NULL;
  g_autofree char *msg = NULL;

  dc_picture_page_commit_draft (self);
  /* A mark just made is still being burned into its copy (0.1-0.5 s):
   * the file copied must carry it, not an older shape or none. */
  if (self->n_burns > 0)
    {
      self->copy_files_waiting = TRUE;
      return;
    }
  pictures = dc_picture_page_dup_selected (self);
  if (pictures->len == 0)
    return;
  provider = dc_picture_page_files_provider (self, pictures);
  gdk_clipboard_set_content (gtk_widget_get_clipboard (GTK_WIDGET (self)), provider);
  msg = g_strdup_printf (ngettext ("%u file copied", "%u files copied", pictures->len), pictures->len);
  dc_picture_page_toast (self, msg);
}

void
dc_picture_page_burns_settled (DcPicturePage *self)
{
  if (!self->copy_files_waiting || gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    return;
  self->copy_files_waiting = FALSE;
  dc_picture_page_copy_files (self);
}

/* --- the picture as an image ------------------------------------------------- */

typedef struct
{
  char   *path;
  DcMark *mark;   /* NULL: unmarked */
} CopyData;

static void
copy_data_free (CopyData *data)
{
  g_free (data->path);
  g_clear_pointer (&data->mark, dc_mark_free);
  g_free (data);
}

/* The original decoded upright with the mark drawn as the burner draws
 * it: the same picture as the burned copy, but always with the mark of
 * now (a burn may still be running) and without a second JPEG pass. */
static void
decode_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CopyData *data = task_data;
  GError *error = NULL;
  DcImage *image = dc_picture_decode_full (data->path, cancellable, &error);

  if (image == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (data->mark != NULL)
    dc_image_draw_mark (image, data->mark);
  g_task_return_pointer (task, image, (GDestroyNotify) dc_image_free);
}

static void
on_copy_decoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DcPicturePage *self = DC_PICTURE_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcImage) image = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  CopyData *data = g_task_get_task_data (G_TASK (result));
  g_autofree char *base = g_path_get_basename (data->path);
  g_autofree char *msg = NULL;

  if (image == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      msg = g_strdup_printf (_("Could not copy %s: %s"), base, error->message);
      dc_picture_page_toast (self, msg);
      return;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&image->pixels),
                            (gsize) image->stride * (gsize) image->height);
  texture = gdk_memory_texture_new (image->width, image->height,
                                    image->channels == 4 ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
                                    bytes, (gsize) image->stride);
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (self)), texture);
  msg = g_strdup_printf (_("%s copied as a picture"), base);
  dc_picture_page_toast (self, msg);
}

void
dc_picture_page_copy_picture (DcPicturePage *self)
{
  DcPicture *picture;
  g_autoptr(GTask) task = NULL;
  CopyData *data;

  dc_picture_page_commit_draft (self);
  picture = dc_picture_page_current (self);
  if (picture == NULL)
    return;
  /* decoding a 2560x1440 JPEG takes tens of milliseconds: not on the UI thread */
  data = g_new0 (CopyData, 1);
  data->path = g_strdup (dc_picture_get_path (picture));
  if (dc_picture_get_mark (picture) != NULL)
    data->mark = dc_mark_copy (dc_picture_get_mark (picture));
  task = g_task_new (self, self->cancellable, on_copy_decoded, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) copy_data_free);
  g_task_run_in_thread (task, decode_thread);
}

void
dc_picture_page_copy (DcPicturePage *self)
{
  g_autoptr(GPtrArray) pictures = dc_picture_page_dup_selected (self);

  /* in the viewer there is one picture, whatever the grid had selected */
  if (pictures->len > 1 && !dc_picture_page_is_viewer_open (self))
    dc_picture_page_copy_files (self);
  else
    dc_picture_page_copy_picture (self);
}

/* --- drag ------------------------------------------------------------------------ */

static GdkContentProvider *
on_drag_prepare (GtkDragSource *source, double x, double y, DcPicturePage *self)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  DcPictureCanvas *canvas = DC_PICTURE_CANVAS (gtk_widget_get_first_child (cell));
  DcPicture *picture = dc_picture_canvas_get_picture (canvas);
  guint pos = dc_picture_canvas_get_position (canvas);
  g_autoptr(GPtrArray) pictures = NULL;

  if (picture == NULL || pos == G_MAXUINT)
    return NULL;
  /* a picture of the selection carries the selection; another one only itself */
  if (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), pos))
    pictures = dc_picture_page_dup_selected (self);
  else
    {
      pictures = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (pictures, g_object_ref (picture));
    }
  return dc_picture_page_files_provider (self, pictures);
}

static void
on_drag_begin (GtkDragSource *source, GdkDrag *drag, DcPicturePage *self)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  DcPicture *picture = dc_picture_canvas_get_picture (DC_PICTURE_CANVAS (gtk_widget_get_first_child (cell)));
  GObject *thumb = picture != NULL ? dc_picture_get_thumbnail (picture, NULL, NULL) : NULL;

  if (thumb != NULL)
    gtk_drag_source_set_icon (source, GDK_PAINTABLE (thumb), 16, 16);
}

/* On the cell (a GtkBox of the canvas and the name): a drag on the
 * picture draws a shape (the canvas claims it), a drag from the name
 * strip under it takes the files out. */
GtkDragSource *
dc_picture_page_new_drag_source (DcPicturePage *self)
{
  GtkDragSource *source = gtk_drag_source_new ();

  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (on_drag_prepare), self);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_drag_begin), self);
  return source;
}
