/* dc-report-private.h: what the report's collector hands its PDF writer. */
#pragma once

#include "esheet/dc-esheet.h"
#include "pictures/dc-marks.h"
#include "report/dc-evidence-record.h"
#include "report/dc-report.h"

G_BEGIN_DECLS

/* One picture of the report: one scan of a waybill with its file. */
typedef struct
{
  char       *waybill;
  char       *dock;
  gint64      scan_us;       /* this PC's clock, from the e-sheet */
  char       *file_name;     /* <stem>.jpg, relative to the folder */
  char       *path;          /* the original */
  DcMark     *mark;          /* NULL when not marked */
  DcEvidenceRecord *evidence;      /* NULL when there is no readable record */
  char       *sha256;        /* of the original, computed now */
} DcReportEntry;

typedef struct
{
  char     *recorder;
  char     *brand;
  char     *model;
  gboolean  has_offset;
  double    min_offset_s;
  double    max_offset_s;
} DcReportRecorder;

typedef struct
{
  char        *esheet_name;  /* file name of the e-sheet */
  char        *folder;
  guint        n_sheet_waybills;
  GPtrArray   *entries;      /* DcReportEntry*, by waybill (sheet order) then scan time */
  GPtrArray   *missing;      /* char* "waybill (dock, scan time)" of scans without a picture */
  GPtrArray   *recorders;    /* DcReportRecorder*, by name */
  gint64       first_scan_us;
  gint64       last_scan_us;
  DcReportSummary summary;
} DcReportData;

void          dc_report_data_free (DcReportData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcReportData, dc_report_data_free)

/* Imports the e-sheet and finds its pictures, marks and records (no
 * pictures are decoded yet; the SHA-256s are computed as the writer
 * reaches each entry, so progress covers them). */
DcReportData *dc_report_collect (const char            *esheet_path,
                                 const char            *pictures_dir,
                                 const DcReportOptions *options,
                                 GPtrArray             *warnings,
                                 GCancellable          *cancellable,
                                 GError               **error);

/* Writes the PDF of @data (fills in each entry's sha256). */
gboolean      dc_report_write_pdf (DcReportData          *data,
                                   const DcReportOptions *options,
                                   const char            *pdf_path,
                                   GPtrArray             *warnings,
                                   DcReportProgressFunc   progress,
                                   gpointer               user_data,
                                   GCancellable          *cancellable,
                                   GError               **error);

/* "2026-12-07 15:10:00" in this PC's local time. */
char         *dc_report_format_local (gint64 unix_us);

G_END_DECLS
