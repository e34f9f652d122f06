/* dc-report.h: the evidence report, a printable PDF of an e-sheet's pictures.
 *
 * A cover page (the e-sheet, its scan dates, how many waybills, pictures
 * and marked pictures, the recorders with their measured clock offsets,
 * the Dockclip version, when the report was made), then per waybill its
 * picture(s), 2 or 4 to an A4 page: the marked copy with its shape where
 * the picture is marked, and beside it the waybill, dock, scan time
 * (from the e-sheet), recorder and channel, the frame's own time (from the
 * download's evidence record: never guessed) and the SHA-256 of the
 * original file, computed from the file itself and compared with the one
 * recorded at download.
 *
 * Blocking and thread-safe (it touches no global state): run it in a
 * worker.  Needs no display.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DC_REPORT_ERROR (dc_report_error_quark ())
GQuark dc_report_error_quark (void);

typedef enum
{
  DC_REPORT_ERROR_FOLDER,           /* the picture folder is missing */
  DC_REPORT_ERROR_UNKNOWN_WAYBILL,  /* --waybill names one the e-sheet does not have */
  DC_REPORT_ERROR_NO_PICTURES,      /* nothing to put in the report */
  DC_REPORT_ERROR_OPTIONS,          /* per page not 2 or 4 */
  DC_REPORT_ERROR_WRITE,            /* the PDF could not be written */
} DcReportError;

typedef struct
{
  guint              per_page;     /* 2 or 4 (4) */
  gboolean           marked_only;  /* only marked pictures (FALSE) */
  const char *const *waybills;     /* only these waybills; NULL or empty = all */
  const char        *mapping_store; /* passed to the e-sheet import; NULL = the user's */
  /* TRUE: the folder given is the output folder of `download`, and the
   * pictures are in its sub-folder named after the e-sheet. */
  gboolean           batch_subfolder;
} DcReportOptions;

void dc_report_options_init (DcReportOptions *options);

typedef struct
{
  guint n_pages;
  guint n_waybills;     /* waybills with at least one picture in the report */
  guint n_pictures;
  guint n_marked;
  guint n_missing;      /* scans of the chosen waybills without a picture file */
  guint n_no_record;    /* pictures without a (readable) evidence record */
  guint n_sha_mismatch; /* pictures whose file no longer matches its record */
} DcReportSummary;

/* Called on the working thread after each picture. */
typedef void (*DcReportProgressFunc) (guint    done,
                                      guint    total,
                                      gpointer user_data);

/* Writes the report of the e-sheet at @esheet_path, whose pictures are in
 * @pictures_dir (<output folder>/<e-sheet name>), to @pdf_path (written as
 * a .part file, renamed when complete; 0600).  @warnings (may be NULL)
 * receives a translated sentence (char*) per problem that did not stop
 * the report: a damaged evidence record, a waybill without a picture, a
 * file that changed since it was downloaded. */
gboolean dc_report_write (const char             *esheet_path,
                          const char             *pictures_dir,
                          const DcReportOptions  *options,
                          const char             *pdf_path,
                          DcReportSummary        *summary,
                          GPtrArray              *warnings,
                          DcReportProgressFunc    progress,
                          gpointer                user_data,
                          GCancellable           *cancellable,
                          GError                **error);

G_END_DECLS
