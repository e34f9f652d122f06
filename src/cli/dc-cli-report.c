/* dc-cli-report.c: `dockclip-cli report`, the evidence report of an
 * e-sheet's downloaded pictures as a PDF (src/core/report). */
#define G_LOG_DOMAIN "dc-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "dc-cli.h"
#include "dc-cli-util.h"
#include "report/dc-report.h"

int
dc_cli_report (int argc, char **argv)
{
  g_autofree char *esheet_path = NULL, *out_dir = NULL, *pdf_path = NULL;
  g_auto(GStrv) waybills = NULL;
  gboolean marked_only = FALSE;
  int per_page = 4;
  GOptionEntry entries[] = {
    { "esheet", 'e', 0, G_OPTION_ARG_FILENAME, &esheet_path, N_("The e-sheet (CSV, XLSX or XLS)"), N_("FILE") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, N_("The output folder the pictures were downloaded to"), N_("DIR") },
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &pdf_path, N_("The report to write"), N_("FILE") },
    { "marked-only", 0, 0, G_OPTION_ARG_NONE, &marked_only, N_("Only the marked pictures"), NULL },
    { "waybill", 'w', 0, G_OPTION_ARG_STRING_ARRAY, &waybills, N_("Only this waybill (repeatable)"), N_("NO") },
    { "per-page", 0, 0, G_OPTION_ARG_INT, &per_page, N_("Pictures a page: 2 or 4 (4)"), N_("N") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  DcReportOptions options;
  DcReportSummary summary;

  if (!dc_cli_parse_options (&argc, &argv, entries, _("— write the evidence report of an e-sheet as a PDF"), &error))
    return dc_cli_fail (error);
  if (esheet_path == NULL || out_dir == NULL || pdf_path == NULL)
    {
      fprintf (stderr, "%s\n", _("report needs --esheet, --out and --pdf."));
      return 2;
    }
  if (per_page != 2 && per_page != 4)
    {
      fprintf (stderr, _("--per-page is 2 or 4, not %d.\n"), per_page);
      return 2;
    }

  dc_report_options_init (&options);
  options.per_page = (guint) per_page;
  options.marked_only = marked_only;
  options.waybills = (const char *const *) waybills;
  options.batch_subfolder = TRUE;
  if (!dc_report_write (esheet_path, out_dir, &options, pdf_path, &summary, warnings,
                        NULL, NULL, NULL, &error))
    {
      for (guint i = 0; i < warnings->len; i++)
        fprintf (stderr, "%s\n", (char *) g_ptr_array_index (warnings, i));
      fprintf (stderr, "%s\n", error->message);
      /* a refused argument is a usage error; anything else a failed run */
      return g_error_matches (error, DC_REPORT_ERROR, DC_REPORT_ERROR_UNKNOWN_WAYBILL) ? 2 : 1;
    }
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "%s\n", (char *) g_ptr_array_index (warnings, i));
  printf (_("Wrote %s: %u pages, %u pictures of %u waybills (%u marked).\n"), pdf_path, summary.n_pages,
          summary.n_pictures, summary.n_waybills, summary.n_marked);
  if (summary.n_missing > 0)
    printf (ngettext ("%u scan has no picture; the cover lists it.\n",
                      "%u scans have no picture; the cover lists them.\n", summary.n_missing),
            summary.n_missing);
  return 0;
}
