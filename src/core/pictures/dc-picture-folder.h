/* dc-picture-folder.h: the pictures of a folder, as a live GListModel.
 *
 * Items are DcPicture, sorted by file name (natural order: "2" before
 * "10").  After loading, the folder follows the disk with GFileMonitor:
 * a file that appears (created, moved or renamed in — e.g. a download's
 * .part renamed to .jpg) is inserted, one that disappears is removed,
 * one that changes is updated (items-changed of 1 -> 1 so a grid
 * rebinds and re-requests its thumbnail).  No rescan ever happens.
 * Monitor events are only queued by the handler; an idle
 * (G_PRIORITY_DEFAULT_IDLE) applies them, at most ~4 ms per main-loop
 * iteration, and reports each batch as one items-changed covering what
 * changed, then notify::n-items / n-marked.  Prune and undo change the
 * model at once (one items-changed each).
 * Signals and model changes come from the main context that was
 * thread-default when load/load_async was called (GFileMonitor's and
 * GTask's contract): load it from the UI thread.
 *
 * The folder also owns the marks index of the folder (see dc-marks.h).
 */
#pragma once

#include <gio/gio.h>

#include "pictures/dc-marks.h"
#include "pictures/dc-picture.h"
#include "pictures/dc-trash.h"

G_BEGIN_DECLS

typedef enum
{
  DC_PICTURE_FOLDER_NONE      = 0,
  DC_PICTURE_FOLDER_RECURSIVE = 1 << 0,  /* subfolders too (not hidden ones, not marked/) */
} DcPictureFolderFlags;

#define DC_TYPE_PICTURE_FOLDER (dc_picture_folder_get_type ())
G_DECLARE_FINAL_TYPE (DcPictureFolder, dc_picture_folder, DC, PICTURE_FOLDER, GObject)

DcPictureFolder *dc_picture_folder_new         (const char *path, DcPictureFolderFlags flags);
const char      *dc_picture_folder_get_path    (DcPictureFolder *self);

/* Scans and starts following.  Blocking (fine for tests and the CLI);
 * the GUI uses the async pair, which scans in a worker thread. */
gboolean         dc_picture_folder_load        (DcPictureFolder *self,
                                                GCancellable *cancellable,
                                                GError **error);
void             dc_picture_folder_load_async  (DcPictureFolder *self,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data);
gboolean         dc_picture_folder_load_finish (DcPictureFolder *self,
                                                GAsyncResult *result,
                                                GError **error);

/* The item for @name (relative path), or NULL.  Borrowed. */
DcPicture       *dc_picture_folder_lookup      (DcPictureFolder *self, const char *name);
DcMarkIndex     *dc_picture_folder_get_marks   (DcPictureFolder *self);
guint            dc_picture_folder_get_n_marked (DcPictureFolder *self);

/* Marks (or edits the mark of) @picture and saves the index; @mark NULL
 * unmarks it.  A burned copy that no longer matches (derived data) is
 * deleted: burn the new one afterwards with dc_picture_burn_mark() in a
 * worker (GTask), to dc_mark_burned_path(). */
gboolean         dc_picture_folder_set_mark    (DcPictureFolder *self,
                                                DcPicture *picture,
                                                const DcMark *mark,
                                                GError **error);

/* Trashes every unmarked picture (g_file_trash: nothing is deleted) and
 * removes them from the model now.  *@undo receives the record to give
 * to dc_picture_folder_undo_prune().  FALSE if a file could not be
 * trashed (it stays, and in the model). */
gboolean         dc_picture_folder_prune_unmarked (DcPictureFolder *self,
                                                   DcTrashUndo **undo,
                                                   GCancellable *cancellable,
                                                   GError **error);
/* Restores the files of @undo and puts them back in the model. */
gboolean         dc_picture_folder_undo_prune  (DcPictureFolder *self,
                                                DcTrashUndo *undo,
                                                GError **error);

G_END_DECLS
