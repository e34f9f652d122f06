/* dc-esheet.h: an imported e-sheet (one batch of waybill scans) and the
 * operations the operators run on it.
 *
 * One row per scan: waybill, dock, scan time (this PC's clock, unix
 * microseconds), the 1-based row of the source sheet and optional extra
 * columns (operator, site).  Rows are kept compactly (struct of arrays,
 * interned docks and extras, a string arena for waybills) so a
 * 1,000,000-row sheet costs well under 150 bytes per row.
 *
 * Everything here is index based so that the GUI can wrap it in a lazy
 * GListModel: rows (file order), waybills (the "by order" view, first
 * appearance order) and docks (the "by dock" view, natural name order).
 * Any change emits DcEsheet::changed; views are recomputed lazily.
 *
 * Not thread safe: the main thread owns it (import may run in a worker on
 * a DcEsheet nobody else sees yet).
 */
#pragma once

#include <gio/gio.h>

#include "download/dc-download-request.h"
#include "dvr/dc-config.h"

G_BEGIN_DECLS

#define DC_ESHEET_ERROR (dc_esheet_error_quark ())
GQuark dc_esheet_error_quark (void);

typedef enum
{
  DC_ESHEET_ERROR_READ,        /* missing or unreadable file */
  DC_ESHEET_ERROR_FORMAT,      /* not a CSV/XLSX/XLS we can read, damaged zip/XML/BIFF */
  DC_ESHEET_ERROR_NO_HEADER,   /* no row names the waybill, dock and time columns */
  DC_ESHEET_ERROR_MAPPING,     /* an explicit mapping names a column that is not there */
  DC_ESHEET_ERROR_NO_ROWS,     /* every row was rejected (the reasons are in the rejects) */
  DC_ESHEET_ERROR_SHEET,       /* --sheet N does not exist */
  DC_ESHEET_ERROR_ENCODING,    /* a forced encoding that cannot decode the file */
} DcEsheetError;

typedef enum
{
  DC_ESHEET_FORMAT_AUTO,       /* from the first bytes, not the extension */
  DC_ESHEET_FORMAT_CSV,
  DC_ESHEET_FORMAT_XLSX,
  DC_ESHEET_FORMAT_XLS,
} DcEsheetFormat;

/* An explicit column mapping.  Each column is a header name ("运单号") or
 * a column letter ("A", "AB"); NULL means "detect".  @date is for sheets
 * that keep the date and the time in two columns.  @time_format is a
 * strftime-like pattern with %Y %m %d %H %M %S (and literal characters),
 * e.g. "%Y%m%d%H%M%S"; NULL means "any of the usual forms". */
typedef struct
{
  char *waybill;
  char *dock;
  char *time;
  char *date;
  char *time_format;
} DcEsheetMapping;

DcEsheetMapping *dc_esheet_mapping_new  (void);
DcEsheetMapping *dc_esheet_mapping_copy (const DcEsheetMapping *mapping);
void             dc_esheet_mapping_free (DcEsheetMapping *mapping);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcEsheetMapping, dc_esheet_mapping_free)

typedef struct
{
  DcEsheetFormat          format;       /* AUTO */
  int                     sheet;        /* 0-based worksheet for XLSX/XLS; -1 = first */
  const char             *encoding;     /* CSV: NULL = detect (UTF-8, BOM, else GB18030) */
  const DcEsheetMapping  *mapping;      /* NULL = detect (or the one remembered for this layout) */
  /* Key file where mappings are remembered per header layout.  NULL:
   * g_get_user_config_dir()/dockclip/mappings.ini; "": do not remember. */
  const char             *mapping_store;
} DcEsheetImportOptions;

void dc_esheet_import_options_init (DcEsheetImportOptions *options);

/* One rejected row: the file's 1-based row number, the column (header
 * name and letter, "运单号 (A)") and a translated reason. */
typedef struct
{
  guint  row;
  char  *column;
  char  *reason;
} DcEsheetReject;

typedef enum
{
  DC_ESHEET_ROW_SELECTED  = 1 << 0,
  DC_ESHEET_ROW_DUPLICATE = 1 << 1,  /* the waybill has more than one scan in this sheet */
} DcEsheetRowFlags;

/* The "by order" view: one item per waybill. Pointers are owned by the
 * model and valid until the next change. */
typedef struct
{
  const char    *waybill;
  guint          n_scans;
  const guint32 *rows;        /* row indexes of its scans, by time */
  gint64         first_us;
  gint64         last_us;
  guint          n_docks;     /* distinct docks it was scanned at */
  gboolean       selected;    /* all of its scans are selected */
  gboolean       any_selected; /* some are: a download would fetch those */
} DcEsheetWaybillItem;

/* The "by dock" view: one item per dock. */
typedef struct
{
  const char *dock;
  guint       n_waybills;
  guint       n_scans;
  gint64      first_us;
  gint64      last_us;
  gboolean    selected;       /* all of its scans are selected */
  gboolean    mapped;         /* the config maps it (FALSE when no config was given) */
  const char *dvr;            /* owned by the config */
  guint       channel;
} DcEsheetDockItem;

typedef struct
{
  DcOutputMode mode;           /* DC_OUTPUT_PICTURE */
  gint64       pre_us;         /* 30 s */
  gint64       post_us;        /* 30 s */
  gboolean     selected_only;  /* TRUE: only selected rows (the GUI); FALSE: every row */
} DcEsheetPlanOptions;

void dc_esheet_plan_options_init (DcEsheetPlanOptions *options);

#define DC_TYPE_ESHEET (dc_esheet_get_type ())
G_DECLARE_FINAL_TYPE (DcEsheet, dc_esheet, DC, ESHEET, GObject)

DcEsheet   *dc_esheet_new                 (void);

/* Imports @path into an empty model.  The good rows are kept and the bad
 * ones listed in the rejects; fails only when nothing usable remains (or
 * the file cannot be read at all).  May be called from a worker thread. */
gboolean    dc_esheet_import_file         (DcEsheet *self, const char *path,
                                           const DcEsheetImportOptions *options, GError **error);
/* The same from memory; @name is used for messages and the batch name. */
gboolean    dc_esheet_import_bytes        (DcEsheet *self, const char *name, GBytes *bytes,
                                           const DcEsheetImportOptions *options, GError **error);

const char *dc_esheet_get_file_name       (DcEsheet *self);
/* The file name without folder and extension: the output sub-folder. */
const char *dc_esheet_get_batch           (DcEsheet *self);
DcEsheetFormat dc_esheet_get_format       (DcEsheet *self);
/* "UTF-8", "UTF-8 (BOM)", "GB18030" (CSV only, else NULL). */
const char *dc_esheet_get_encoding        (DcEsheet *self);
/* 1-based row of the header, and the columns used ("运单号 (A)"). */
guint       dc_esheet_get_header_row      (DcEsheet *self);
const char *dc_esheet_get_column_label    (DcEsheet *self, const char *field);
/* The mapping actually used (detected or explicit), e.g. to remember it. */
const DcEsheetMapping *dc_esheet_get_mapping (DcEsheet *self);

/* Rejected rows (DcEsheetReject*), in row order. */
GPtrArray  *dc_esheet_get_rejects         (DcEsheet *self);
/* All rejected rows (only the first 10,000 are kept in the list). */
guint       dc_esheet_get_n_rejected      (DcEsheet *self);

/* Rows. */
guint       dc_esheet_get_n_rows          (DcEsheet *self);
const char *dc_esheet_get_row_waybill     (DcEsheet *self, guint row);
const char *dc_esheet_get_row_dock        (DcEsheet *self, guint row);
gint64      dc_esheet_get_row_time        (DcEsheet *self, guint row);
guint       dc_esheet_get_row_source      (DcEsheet *self, guint row);
DcEsheetRowFlags dc_esheet_get_row_flags  (DcEsheet *self, guint row);
/* Extra columns (operator, site...): their header names, and a row's value. */
guint       dc_esheet_get_n_extras        (DcEsheet *self);
const char *dc_esheet_get_extra_name      (DcEsheet *self, guint extra);
const char *dc_esheet_get_row_extra       (DcEsheet *self, guint row, guint extra);

/* Views and their header counts. */
guint       dc_esheet_get_n_waybills      (DcEsheet *self);
guint       dc_esheet_get_n_docks         (DcEsheet *self);
guint       dc_esheet_get_n_selected      (DcEsheet *self);
guint       dc_esheet_get_n_duplicates    (DcEsheet *self);  /* waybills scanned more than once */
void        dc_esheet_get_waybill_item    (DcEsheet *self, guint index, DcEsheetWaybillItem *out);
/* @config may be NULL (then nothing is "mapped"). */
void        dc_esheet_get_dock_item       (DcEsheet *self, guint index, DcConfig *config,
                                           DcEsheetDockItem *out);
/* Index of a waybill/dock in its view, or -1. */
int         dc_esheet_find_waybill        (DcEsheet *self, const char *waybill);
int         dc_esheet_find_dock           (DcEsheet *self, const char *dock);

/* Selection (per scan; selecting a waybill or a dock selects its scans). */
void        dc_esheet_select_all          (DcEsheet *self, gboolean selected);
void        dc_esheet_invert_selection    (DcEsheet *self);
void        dc_esheet_set_row_selected    (DcEsheet *self, guint row, gboolean selected);
void        dc_esheet_set_waybill_selected (DcEsheet *self, guint index, gboolean selected);
void        dc_esheet_set_dock_selected   (DcEsheet *self, guint index, gboolean selected);

/* Operations; each returns the number of scans removed. */
guint       dc_esheet_delete_selected_waybills (DcEsheet *self);
guint       dc_esheet_delete_selected_docks    (DcEsheet *self);
guint       dc_esheet_drop_unmapped_docks      (DcEsheet *self, DcConfig *config);
/* Keeps @n waybills at each dock that has a selected scan (all docks
 * when nothing is selected); see the rule in dc-esheet.c. */
guint       dc_esheet_keep_per_dock            (DcEsheet *self, guint n);

/* Download requests (DcDownloadRequest*) for the rows, one per scan whose
 * dock the config maps.  Docks that are not mapped are listed in
 * @unmapped_docks (char*, may be NULL). */
GPtrArray  *dc_esheet_plan                (DcEsheet *self, DcConfig *config,
                                           const DcEsheetPlanOptions *options,
                                           GPtrArray **unmapped_docks);

/* Reads the dock -> recorder sheet operators keep (月台号, 设备厂商,
 * IP, 通道序号, 端口, 用户名, 密码) into @config, one [dvr] per
 * IP/port and one [dock] per row.  Notes for the operator (SDK ports
 * replaced by HTTP 80, skipped rows) are appended to @notes (char*). */
gboolean    dc_esheet_import_dock_map     (const char *path, DcConfig *config,
                                           GPtrArray *notes, GError **error);

/* What a dock map import says about one row (or, with row 0, about a
 * recorder): @reason is a translated sentence without the row, e.g.
 * "Brand “Sony” is not supported: Dockclip knows 大华/Dahua and
 * 海康/Hikvision."; @skipped when the row was not used. */
typedef struct
{
  guint     row;       /* 1-based, as the spreadsheet shows it; 0: not one row */
  gboolean  skipped;
  char     *reason;
} DcDockMapNote;

void        dc_dock_map_note_free          (DcDockMapNote *note);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcDockMapNote, dc_dock_map_note_free)

/* As dc_esheet_import_dock_map(), with a note per row that could not be
 * used (@notes: DcDockMapNote*, in row order) and the number of docks
 * mapped in @n_docks.  @config is changed only on success. */
gboolean    dc_esheet_import_dock_map_rows (const char *path, DcConfig *config,
                                            GPtrArray *notes, guint *n_docks,
                                            GError **error);

G_END_DECLS
