#define G_LOG_DOMAIN "dc-picture-page"

/* The marks of DcPicturePage: the shape being drawn (the draft), marks
 * recorded in the folder's index, the burned ready-to-send copies and the
 * undo stack. */

#include "config.h"

#include <glib/gi18n.h>

#include "dc-picture-page-private.h"

#define MAX_UNDO 200

typedef enum { UNDO_MARK, UNDO_PRUNE } UndoKind;

typedef struct
{
  UndoKind     kind;
  char        *name;       /* UNDO_MARK: the picture (relative name) */
  DcMark      *old_mark;   /* UNDO_MARK: its mark before (NULL: unmarked) */
  DcTrashUndo *trash;      /* UNDO_PRUNE */
} UndoEntry;

static void start_burn (DcPicturePage *self, DcPicture *picture);

static void
undo_entry_free (UndoEntry *entry)
{
  g_free (entry->name);
  g_clear_pointer (&entry->old_mark, dc_mark_free);
  g_clear_pointer (&entry->trash, dc_trash_undo_free);
  g_free (entry);
}

void
dc_picture_page_clear_undo (DcPicturePage *self)
{
  if (self->undo == NULL)
    self->undo = g_ptr_array_new_with_free_func ((GDestroyNotify) undo_entry_free);
  g_ptr_array_set_size (self->undo, 0);
}

void
dc_picture_page_refresh_drafts (DcPicturePage *self)
{
  GHashTableIter iter;
  gpointer canvas;

  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &canvas, NULL))
    {
      DcPicture *p = dc_picture_canvas_get_picture (canvas);
      dc_picture_canvas_set_draft (canvas, p != NULL && p == self->draft_picture
                                           ? self->draft_mark : NULL);
    }
  dc_picture_canvas_set_draft (self->viewer_canvas,
                               self->draft_picture != NULL &&
                               dc_picture_canvas_get_picture (self->viewer_canvas) == self->draft_picture
                               ? self->draft_mark : NULL);
}

void
dc_picture_page_discard_draft (DcPicturePage *self)
{
  if (self->draft_picture == NULL)
    return;
  g_clear_object (&self->draft_picture);
  g_clear_pointer (&self->draft_mark, dc_mark_free);
  self->drawing = FALSE;
  dc_picture_page_refresh_drafts (self);
}

static void
push_undo (DcPicturePage *self, UndoEntry *entry)
{
  if (self->undo->len >= MAX_UNDO)
    g_ptr_array_remove_index (self->undo, 0);
  g_ptr_array_add (self->undo, entry);
}

void
dc_picture_page_push_undo_prune (DcPicturePage *self, DcTrashUndo *trash)
{
  UndoEntry *entry = g_new0 (UndoEntry, 1);

  entry->kind = UNDO_PRUNE;
  entry->trash = trash;
  push_undo (self, entry);
}

/* Records the mark (or unmarks with NULL), burns the ready-to-send copy.
 * @record: push an undo entry. */
gboolean
dc_picture_page_apply_mark (DcPicturePage *self, DcPicture *picture, const DcMark *mark,
                            gboolean record)
{
  const DcMark *old = dc_picture_get_mark (picture);
  g_autoptr(DcMark) old_copy = old != NULL ? dc_mark_copy (old) : NULL;
  g_autoptr(GError) error = NULL;

  if (old == NULL && mark == NULL)
    return FALSE;
  if (old != NULL && mark != NULL && dc_mark_equal (old, mark))
    return FALSE;
  if (!dc_picture_folder_set_mark (self->folder, picture, mark, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not record the mark of %s: %s"),
                                              dc_picture_get_name (picture), error->message);
      dc_picture_page_toast (self, msg);
      return FALSE;
    }
  if (record)
    {
      UndoEntry *entry = g_new0 (UndoEntry, 1);

      entry->kind = UNDO_MARK;
      entry->name = g_strdup (dc_picture_get_name (picture));
      entry->old_mark = g_steal_pointer (&old_copy);
      push_undo (self, entry);
    }
  if (mark != NULL)
    start_burn (self, picture);
  self->filter_dirty = self->filter_mode != DC_PICTURE_FILTER_ALL;
  dc_picture_page_schedule_counts (self);
  return TRUE;
}

void
dc_picture_page_commit_draft (DcPicturePage *self)
{
  g_autoptr(DcPicture) picture = NULL;
  g_autoptr(DcMark) mark = NULL;

  if (self->draft_picture == NULL)
    return;
  picture = g_steal_pointer (&self->draft_picture);
  mark = g_steal_pointer (&self->draft_mark);
  dc_picture_page_refresh_drafts (self);
  if (mark->width < 1 || mark->height < 1)
    return;
  dc_picture_page_apply_mark (self, picture, mark, TRUE);
}

void
dc_picture_page_toggle_plain_mark (DcPicturePage *self, DcPicture *picture)
{
  if (dc_picture_get_marked (picture))
    dc_picture_page_apply_mark (self, picture, NULL, TRUE);
  else
    {
      DcMark mark;

      dc_mark_init (&mark, DC_MARK_SHAPE_NONE, 0, 0, 0, 0, self->colour, self->line_width);
      dc_picture_page_apply_mark (self, picture, &mark, TRUE);
    }
}

void
dc_picture_page_undo (DcPicturePage *self)
{
  UndoEntry *entry;
  g_autoptr(GError) error = NULL;

  /* an unsaved drawing is the last change */
  if (self->draft_picture != NULL)
    {
      dc_picture_page_discard_draft (self);
      return;
    }
  if (self->undo->len == 0 || self->folder == NULL)
    return;
  entry = g_ptr_array_steal_index (self->undo, self->undo->len - 1);
  if (entry->kind == UNDO_MARK)
    {
      DcPicture *picture = dc_picture_folder_lookup (self->folder, entry->name);

      if (picture != NULL)
        dc_picture_page_apply_mark (self, picture, entry->old_mark, FALSE);
    }
  else
    {
      guint n = dc_trash_undo_get_n_files (entry->trash);

      if (!dc_picture_folder_undo_prune (self->folder, entry->trash, &error))
        {
          g_autofree char *msg = g_strdup_printf (_("Some pictures could not be restored: %s"),
                                                  error->message);
          dc_picture_page_toast (self, msg);
        }
      else
        {
          g_autofree char *msg = g_strdup_printf (ngettext ("%u picture restored from the trash",
                                                            "%u pictures restored from the trash", n), n);
          dc_picture_page_toast (self, msg);
        }
      dc_picture_page_schedule_counts (self);
    }
  undo_entry_free (entry);
}

/* --- burning ------------------------------------------------------------- */

typedef struct
{
  DcPicturePage   *self;
  DcPictureFolder *folder;
  char            *name;
  char            *dest;
  DcMark          *mark;
} BurnData;

static void
burn_data_free (BurnData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->folder);
  g_free (data->name);
  g_free (data->dest);
  dc_mark_free (data->mark);
  g_free (data);
}

static void
on_burned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BurnData *data = user_data;
  DcPicturePage *self = data->self;
  g_autoptr(GError) error = NULL;
  DcPicture *picture;
  const DcMark *now;

  self->n_burns--;
  if (!dc_picture_burn_mark_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Could not write the marked copy of %s: %s"),
                                                  data->name, error->message);
          dc_picture_page_toast (self, msg);
        }
      burn_data_free (data);
      if (self->n_burns == 0)
        dc_picture_page_burns_settled (self);
      return;
    }
  /* The mark may have changed while this burn ran: the copy must match
   * what the index says, never an older shape. */
  picture = dc_picture_folder_lookup (data->folder, data->name);
  now = picture != NULL ? dc_picture_get_mark (picture) : NULL;
  if (now == NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (data->dest);
      g_file_delete (file, NULL, NULL);
    }
  else if (!dc_mark_equal (now, data->mark) && data->folder == self->folder)
    start_burn (self, picture);
  burn_data_free (data);
  if (self->n_burns == 0)
    dc_picture_page_burns_settled (self);
}

static void
start_burn (DcPicturePage *self, DcPicture *picture)
{
  BurnData *data;
  const DcMark *mark = dc_picture_get_mark (picture);

  if (mark == NULL)
    return;
  data = g_new0 (BurnData, 1);
  data->self = g_object_ref (self);
  data->folder = g_object_ref (self->folder);
  data->name = g_strdup (dc_picture_get_name (picture));
  data->dest = dc_mark_burned_path (dc_picture_folder_get_path (self->folder), data->name);
  data->mark = dc_mark_copy (mark);
  self->n_burns++;
  dc_picture_burn_mark_async (dc_picture_get_path (picture), mark, data->dest, DC_BURN_QUALITY,
                              self->cancellable, on_burned, data);
}

/* --- drawing on a cell or the viewer -------------------------------------- */

void
dc_picture_page_on_shape_drawn (DcPictureCanvas *canvas, int x, int y, int w, int h,
                                gboolean finished, DcPicturePage *self)
{
  DcPicture *picture = dc_picture_canvas_get_picture (canvas);
  DcMark mark;

  if (picture == NULL || self->folder == NULL)
    return;
  /* the cell was rebound under the pointer (its file went away): drop it */
  if (self->drawing && picture != self->draft_picture)
    {
      if (finished)
        self->drawing = FALSE;
      return;
    }
  self->drawing = !finished;
  /* Starting on another picture saves the one drawn before. */
  if (self->draft_picture != NULL && self->draft_picture != picture)
    dc_picture_page_commit_draft (self);
  dc_mark_init (&mark, self->shape, x, y, w, h, self->colour, self->line_width);
  g_set_object (&self->draft_picture, picture);
  g_clear_pointer (&self->draft_mark, dc_mark_free);
  self->draft_mark = dc_mark_copy (&mark);
  dc_picture_canvas_set_draft (canvas, &mark);
  if (finished && canvas != self->viewer_canvas)
    {
      guint pos = dc_picture_canvas_get_position (canvas);

      if (pos != G_MAXUINT && dc_picture_page_current (self) != picture)
        dc_picture_page_set_current (self, pos);
    }
  if (finished && self->filter_dirty)
    dc_picture_page_schedule_counts (self);
}

void
dc_picture_page_on_badge_clicked (DcPictureCanvas *canvas, DcPicturePage *self)
{
  DcPicture *picture = dc_picture_canvas_get_picture (canvas);

  if (picture == NULL || self->folder == NULL)
    return;
  if (picture == self->draft_picture)
    dc_picture_page_commit_draft (self);
  else
    dc_picture_page_toggle_plain_mark (self, picture);
}
