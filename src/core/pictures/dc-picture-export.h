/* dc-picture-export.h: "Export marked" for a claim desk.
 *
 * Copies the burned-in JPEG of every marked picture into a folder the
 * operator chose, named by waybill (the picture's file stem, which is
 * how the downloader names them), and writes manifest.csv beside them:
 * UTF-8 with a BOM (so Excel opens it as UTF-8), columns waybill, dock,
 * scan time, file, SHA-256 of the exported file.
 */
#pragma once

#include <gio/gio.h>

#include "pictures/dc-marks.h"

G_BEGIN_DECLS

#define DC_EXPORT_MANIFEST_NAME "manifest.csv"

/* Fills in what the e-sheet knows about @waybill; both out-values may be
 * left NULL (empty columns).  Called on the exporting thread. */
typedef void (*DcExportLookupFunc) (const char  *waybill,
                                    char       **dock,
                                    GDateTime  **scan_time,
                                    gpointer     user_data);

/* Burns any missing or stale burned copy first (<folder>/marked/).
 * @n_exported: files written.  Blocking: run it in a GTask thread. */
gboolean dc_pictures_export_marked (const char         *folder,
                                    DcMarkIndex        *index,
                                    const char         *dest_dir,
                                    DcExportLookupFunc  lookup,
                                    gpointer            user_data,
                                    guint              *n_exported,
                                    GCancellable       *cancellable,
                                    GError            **error);

/* The same in a worker thread; @lookup runs in that thread (give it a
 * snapshot of the e-sheet, not live UI objects).  @index is copied, so
 * marking may go on meanwhile.  finish returns the number of files exported, or -1. */
void     dc_pictures_export_marked_async  (const char          *folder,
                                           DcMarkIndex         *index,
                                           const char          *dest_dir,
                                           DcExportLookupFunc   lookup,
                                           gpointer             user_data,
                                           GDestroyNotify       user_data_free,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             callback_data);
gssize   dc_pictures_export_marked_finish (GAsyncResult *result, GError **error);

/* One CSV field, quoted when it holds a comma, quote or line break. */
void     dc_csv_append_field       (GString *line, const char *value);

G_END_DECLS
