/* dc-report-dialog.h: "Evidence report…", the app's face of src/core/report.
 *
 * A small modal window: 2 or 4 pictures a page, marked pictures only, and
 * Make Report.  The PDF is made in a worker thread (the window stays
 * responsive, a progress bar follows the pictures), written beside the
 * picture folder as "<folder> evidence report.pdf" and opened in the
 * system's viewer (gtk_show_uri).  Problems that did not stop the report
 * (a damaged record, a waybill without a picture, a changed file) are
 * listed in the window; a report that failed says why.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DC_TYPE_REPORT_DIALOG (dc_report_dialog_get_type ())
G_DECLARE_FINAL_TYPE (DcReportDialog, dc_report_dialog, DC, REPORT_DIALOG, AdwWindow)

/* @esheet_path: the e-sheet the pictures were downloaded for (NULL: the
 * window asks for one to be opened first); @pictures_dir: the picture
 * folder, <output folder>/<e-sheet name>. */
DcReportDialog *dc_report_dialog_new      (GtkWindow  *parent,
                                           const char *esheet_path,
                                           const char *pictures_dir);
/* The same, shown; the window owns itself (closes and frees itself). */
DcReportDialog *dc_report_dialog_present  (GtkWindow  *parent,
                                           const char *esheet_path,
                                           const char *pictures_dir);

/* Where the PDF goes (default: beside the picture folder). */
void        dc_report_dialog_set_pdf_path (DcReportDialog *self,
                                           const char     *path);
const char *dc_report_dialog_get_pdf_path (DcReportDialog *self);
/* FALSE: do not open the viewer when done (tests). */
void        dc_report_dialog_set_open_when_done (DcReportDialog *self,
                                                 gboolean        open);

/* Signals:
 *   "finished" (gboolean ok, const char *message): after a run; message is
 *   the PDF's path when ok, the error's sentence otherwise. */

G_END_DECLS
