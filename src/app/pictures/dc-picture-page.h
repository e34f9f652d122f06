/* dc-picture-page.h: the "Pictures" page: review, mark, prune, export.
 *
 * A grid of the pictures of one folder (followed live), an annotation
 * panel (shape, colour, line width, remembered), a large viewer, and the
 * folder chooser listing the e-sheet output folders newest first.
 * Actions (group "pictures"): choose-folder, save, toggle-mark, unmark,
 * discard, undo, prune, export, open-viewer, close-viewer, next, previous,
 * copy (Ctrl+C: the picture as an image, several as files), copy-picture,
 * copy-files, menu (the right-click menu: Menu key, Shift+F10),
 * evidence-report (the report window for the open folder).
 */
#pragma once

#include <adwaita.h>

#include "pictures/dc-pictures.h"

G_BEGIN_DECLS

#define DC_TYPE_PICTURE_PAGE (dc_picture_page_get_type ())
G_DECLARE_FINAL_TYPE (DcPicturePage, dc_picture_page, DC, PICTURE_PAGE, GtkWidget)

typedef enum
{
  DC_PICTURE_FILTER_ALL,
  DC_PICTURE_FILTER_UNMARKED,
  DC_PICTURE_FILTER_MARKED,
} DcPictureFilter;

GtkWidget       *dc_picture_page_new               (void);

/* Opens @path (NULL closes the folder).  Also adds it to the recent list. */
void             dc_picture_page_set_folder        (DcPicturePage *self, const char *path);
/* The open folder's path, or NULL. */
const char      *dc_picture_page_get_folder_path   (DcPicturePage *self);
DcPictureFolder *dc_picture_page_get_folder        (DcPicturePage *self);
/* TRUE while the folder is being scanned. */
gboolean         dc_picture_page_is_loading        (DcPicturePage *self);

/* Puts @path at the top of the folder chooser (an e-sheet output folder
 * just written, or one the operator picked).  Kept across runs. */
void             dc_picture_page_add_recent_folder (DcPicturePage *self, const char *path);
/* Newest first (free with g_strfreev). */
char           **dc_picture_page_dup_recent_folders (DcPicturePage *self);

/* What "Export marked" writes in the manifest's dock and scan time
 * columns.  @lookup runs in the export's worker thread: give it data the
 * UI no longer changes (a snapshot), and keep it alive until replaced. */
void             dc_picture_page_set_export_lookup (DcPicturePage *self, DcExportLookupFunc lookup,
                                                    gpointer user_data, GDestroyNotify destroy);
/* The e-sheet whose output the open folder is, for "Evidence report…"
 * (NULL: not known; the report window then asks for it).  Opening
 * another folder forgets it: call this after dc_picture_page_set_folder(). */
void             dc_picture_page_set_esheet_path   (DcPicturePage *self, const char *esheet_path);
const char      *dc_picture_page_get_esheet_path   (DcPicturePage *self);

/* Exports the marked pictures to @dest_dir (what the folder chooser of
 * the "export" action does); emits "exported" when done. */
void             dc_picture_page_export_marked     (DcPicturePage *self, GFile *dest_dir);

void             dc_picture_page_set_filter        (DcPicturePage *self, DcPictureFilter filter);
/* 1..6 pictures per row. */
void             dc_picture_page_set_columns       (DcPicturePage *self, guint columns);
guint            dc_picture_page_get_columns       (DcPicturePage *self);

/* Annotation style for the next shape (saved to the settings file). */
void             dc_picture_page_set_style         (DcPicturePage *self, DcMarkShape shape,
                                                    DcMarkColour colour, int line_width);
void             dc_picture_page_get_style         (DcPicturePage *self, DcMarkShape *shape,
                                                    DcMarkColour *colour, int *line_width);

/* The counter text shown in the header ("total 340 · marked 12 · unmarked 328"). */
char            *dc_picture_page_dup_counter_text  (DcPicturePage *self);
/* Burns still running (a mark's burned copy is being written). */
guint            dc_picture_page_get_n_pending_burns (DcPicturePage *self);

/* Signals:
 *   "folder-changed" (const char *path_or_NULL)  a folder was opened/closed
 *   "counts-changed" (guint total, guint marked)  after marks/prune/disk changes
 *   "exported"       (gint n_files, const char *error_or_NULL)
 */

G_END_DECLS
