/* dc-trash.h: moving files to the trash, and taking them back.
 *
 * g_file_trash() follows the freedesktop trash spec on Unix: the file
 * goes to $XDG_DATA_HOME/Trash/files (or <mount>/.Trash-$UID for other
 * file systems) with an info/<name>.trashinfo naming its original Path=
 * and DeletionDate=.  Restoring through trash:/// needs gvfsd, which a
 * kiosk session may not run, so dc_trash_undo_restore() reads the
 * .trashinfo files itself: for each original path it takes the entry
 * with that Path= and the newest DeletionDate, moves files/<name> back
 * and removes the .trashinfo.  A file that exists again at the original
 * path is not overwritten (reported, the trashed copy stays).
 *
 * Windows: g_file_trash() sends files to the Recycle Bin, which keeps
 * its own $I/$R records that GLib offers no API for; restore returns
 * G_IO_ERROR_NOT_SUPPORTED and tells the operator to restore them from
 * the Recycle Bin (nothing is lost, only the one-click undo).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _DcTrashUndo DcTrashUndo;

/* Trashes each of @paths (absolute).  *@undo always receives a record of
 * the files that did go (possibly none).  FALSE with @error for the first
 * file that could not be trashed (the others are still tried); nothing
 * is ever deleted permanently. */
gboolean     dc_trash_files            (const char * const *paths, guint n_paths,
                                        DcTrashUndo **undo, GCancellable *cancellable,
                                        GError **error);

guint        dc_trash_undo_get_n_files (DcTrashUndo *undo);
const char  *dc_trash_undo_get_path    (DcTrashUndo *undo, guint i);

/* Puts every file back.  FALSE with @error (naming the files) when some
 * could not be restored; the rest are restored anyway.  @restored, if
 * not NULL, receives the paths restored (free with g_ptr_array_unref). */
gboolean     dc_trash_undo_restore     (DcTrashUndo *undo, GPtrArray **restored,
                                        GError **error);

void         dc_trash_undo_free        (DcTrashUndo *undo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcTrashUndo, dc_trash_undo_free)

G_END_DECLS
