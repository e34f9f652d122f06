/* dc-report-collect.c: which pictures go into the evidence report, and
 * what is known about each.
 *
 * The pictures' file names come from the e-sheet planner itself (run with
 * a dock map that maps every dock), so a waybill scanned twice finds
 * <waybill>.jpg and <waybill>_<hhmmss>.jpg exactly as the download named
 * them; the report never guesses a file from a name that merely looks
 * right.
 */
#define G_LOG_DOMAIN "dc-report"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pictures/dc-marks.h"
#include "report/dc-report-private.h"
#include "util/dc-file-util.h"

G_DEFINE_QUARK (dc-report-error-quark, dc_report_error)

void
dc_report_options_init (DcReportOptions *options)
{
  memset (options, 0, sizeof *options);
  options->per_page = 4;
}

static void
entry_free (DcReportEntry *entry)
{
  g_free (entry->waybill);
  g_free (entry->dock);
  g_free (entry->file_name);
  g_free (entry->path);
  g_clear_pointer (&entry->mark, dc_mark_free);
  g_clear_pointer (&entry->evidence, dc_evidence_record_free);
  g_free (entry->sha256);
  g_free (entry);
}

static void
recorder_free (DcReportRecorder *recorder)
{
  g_free (recorder->recorder);
  g_free (recorder->brand);
  g_free (recorder->model);
  g_free (recorder);
}

void
dc_report_data_free (DcReportData *data)
{
  if (data == NULL)
    return;
  g_free (data->esheet_name);
  g_free (data->folder);
  g_clear_pointer (&data->entries, g_ptr_array_unref);
  g_clear_pointer (&data->missing, g_ptr_array_unref);
  g_clear_pointer (&data->recorders, g_ptr_array_unref);
  g_free (data);
}

char *
dc_report_format_local (gint64 unix_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (unix_us / G_USEC_PER_SEC);

  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("—");
}

typedef struct
{
  guint                    order;   /* the waybill's place in the sheet */
  const DcDownloadRequest *req;
} Planned;

static int
compare_planned (gconstpointer a,
                 gconstpointer b)
{
  const Planned *x = a, *y = b;

  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  if (x->req->scan_us != y->req->scan_us)
    return x->req->scan_us < y->req->scan_us ? -1 : 1;
  return strcmp (x->req->file_stem, y->req->file_stem);
}

static int
compare_recorders (gconstpointer a,
                   gconstpointer b)
{
  const DcReportRecorder *x = *(DcReportRecorder * const *) a;
  const DcReportRecorder *y = *(DcReportRecorder * const *) b;

  return g_utf8_collate (x->recorder, y->recorder);
}

static void
add_recorder (GHashTable       *recorders,
              const DcEvidenceRecord *evidence)
{
  DcReportRecorder *r;

  if (evidence == NULL || evidence->recorder == NULL)
    return;
  r = g_hash_table_lookup (recorders, evidence->recorder);
  if (r == NULL)
    {
      r = g_new0 (DcReportRecorder, 1);
      r->recorder = g_strdup (evidence->recorder);
      g_hash_table_insert (recorders, r->recorder, r);
    }
  if (r->brand == NULL && evidence->brand != NULL)
    r->brand = g_strdup (evidence->brand);
  if (r->model == NULL && evidence->model != NULL)
    r->model = g_strdup (evidence->model);
  if (evidence->has_clock_offset)
    {
      /* The offset is measured at each sign-in: a long run may see it move. */
      if (!r->has_offset)
        r->min_offset_s = r->max_offset_s = evidence->clock_offset_s;
      r->min_offset_s = MIN (r->min_offset_s, evidence->clock_offset_s);
      r->max_offset_s = MAX (r->max_offset_s, evidence->clock_offset_s);
      r->has_offset = TRUE;
    }
}

DcReportData *
dc_report_collect (const char            *esheet_path,
                   const char            *pictures_dir,
                   const DcReportOptions *options,
                   GPtrArray             *warnings,
                   GCancellable          *cancellable,
                   GError               **error)
{
  g_autoptr(DcEsheet) esheet = dc_esheet_new ();
  g_autoptr(DcConfig) all_docks = dc_config_new ();
  g_autoptr(DcMarkIndex) marks = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autoptr(GArray) planned = g_array_new (FALSE, FALSE, sizeof (Planned));
  g_autoptr(GHashTable) wanted = NULL;
  g_autoptr(GHashTable) recorders = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) waybills_seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(DcReportData) data = NULL;
  DcEsheetImportOptions import;
  DcEsheetPlanOptions plan;
  g_autofree char *batch_dir = NULL;
  GHashTableIter iter;
  gpointer value;

  dc_esheet_import_options_init (&import);
  import.mapping_store = options->mapping_store;
  if (!dc_esheet_import_file (esheet, esheet_path, &import, error))
    return NULL;
  if (options->batch_subfolder)
    {
      g_autofree char *batch = dc_sanitize_file_name (dc_esheet_get_batch (esheet));

      batch_dir = g_build_filename (pictures_dir, batch, NULL);
      pictures_dir = batch_dir;
    }
  if (!g_file_test (pictures_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_FOLDER,
                   _("The picture folder %s does not exist: download the pictures of this e-sheet "
                     "first, or choose the output folder they were downloaded to."), pictures_dir);
      return NULL;
    }
  marks = dc_mark_index_load (pictures_dir, error);
  if (marks == NULL)
    return NULL;

  if (options->waybills != NULL && options->waybills[0] != NULL)
    {
      wanted = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; options->waybills[i] != NULL; i++)
        {
          if (dc_esheet_find_waybill (esheet, options->waybills[i]) < 0)
            {
              g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_UNKNOWN_WAYBILL,
                           _("Waybill %s is not in the e-sheet %s: check the number, or choose the "
                             "e-sheet it was scanned in."),
                           options->waybills[i], dc_esheet_get_file_name (esheet));
              return NULL;
            }
          g_hash_table_add (wanted, (gpointer) options->waybills[i]);
        }
    }

  /* Every dock mapped, so the planner names every scan's file. */
  for (guint d = 0; d < dc_esheet_get_n_docks (esheet); d++)
    {
      DcEsheetDockItem item;

      dc_esheet_get_dock_item (esheet, d, NULL, &item);
      dc_config_set_dock (all_docks, item.dock, "report", 1);
    }
  dc_esheet_plan_options_init (&plan);
  requests = dc_esheet_plan (esheet, all_docks, &plan, NULL);
  for (guint i = 0; i < requests->len; i++)
    {
      const DcDownloadRequest *req = g_ptr_array_index (requests, i);
      Planned p = { (guint) dc_esheet_find_waybill (esheet, req->waybill), req };

      if (wanted == NULL || g_hash_table_contains (wanted, req->waybill))
        g_array_append_val (planned, p);
    }
  g_array_sort (planned, compare_planned);

  data = g_new0 (DcReportData, 1);
  data->esheet_name = g_path_get_basename (dc_esheet_get_file_name (esheet));
  data->folder = g_strdup (pictures_dir);
  data->n_sheet_waybills = dc_esheet_get_n_waybills (esheet);
  data->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  data->missing = g_ptr_array_new_with_free_func (g_free);
  data->recorders = g_ptr_array_new_with_free_func ((GDestroyNotify) recorder_free);
  data->first_scan_us = G_MAXINT64;
  data->last_scan_us = G_MININT64;

  for (guint i = 0; i < planned->len; i++)
    {
      const DcDownloadRequest *req = g_array_index (planned, Planned, i).req;
      g_autofree char *file_name = g_strconcat (req->file_stem, ".jpg", NULL);
      g_autofree char *path = g_build_filename (pictures_dir, file_name, NULL);
      g_autoptr(GError) record_error = NULL;
      const DcMark *mark;
      DcReportEntry *entry;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      mark = dc_mark_index_lookup (marks, file_name);
      if (options->marked_only && mark == NULL)
        continue;
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *when = dc_report_format_local (req->scan_us);

          data->summary.n_missing++;
          g_ptr_array_add (data->missing, g_strdup_printf ("%s (%s, %s)", req->waybill, req->dock, when));
          if (warnings != NULL)
            g_ptr_array_add (warnings,
                             g_strdup_printf (_("Waybill %s (dock %s, scanned %s) has no picture in %s: "
                                                "it is listed on the cover as missing."),
                                              req->waybill, req->dock, when, pictures_dir));
          continue;
        }
      entry = g_new0 (DcReportEntry, 1);
      entry->waybill = g_strdup (req->waybill);
      entry->dock = g_strdup (req->dock);
      entry->scan_us = req->scan_us;
      entry->file_name = g_steal_pointer (&file_name);
      entry->path = g_steal_pointer (&path);
      entry->mark = mark ? dc_mark_copy (mark) : NULL;
      entry->evidence = dc_evidence_record_load (pictures_dir, entry->file_name, &record_error);
      if (record_error != NULL && warnings != NULL)
        g_ptr_array_add (warnings, g_strdup (record_error->message));
      if (entry->evidence == NULL)
        data->summary.n_no_record++;
      add_recorder (recorders, entry->evidence);
      data->summary.n_pictures++;
      data->summary.n_marked += mark != NULL;
      if (!g_hash_table_contains (waybills_seen, entry->waybill))
        {
          g_hash_table_add (waybills_seen, entry->waybill);
          data->summary.n_waybills++;
        }
      data->first_scan_us = MIN (data->first_scan_us, entry->scan_us);
      data->last_scan_us = MAX (data->last_scan_us, entry->scan_us);
      g_ptr_array_add (data->entries, entry);
    }

  if (data->entries->len == 0)
    {
      if (options->marked_only)
        g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_NO_PICTURES,
                     _("No picture of the e-sheet %s is marked in %s: mark the pictures to report "
                       "first, or make the report without “marked only”."),
                     data->esheet_name, pictures_dir);
      else
        g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_NO_PICTURES,
                     _("There is no picture of the e-sheet %s in %s: download its pictures first, "
                       "or choose the output folder they were downloaded to."),
                     data->esheet_name, pictures_dir);
      return NULL;
    }

  g_hash_table_iter_init (&iter, recorders);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (data->recorders, value);
  g_ptr_array_sort (data->recorders, compare_recorders);
  return g_steal_pointer (&data);
}
