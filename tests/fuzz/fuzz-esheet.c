/* libFuzzer harness for the e-sheet readers and importer.  Built three
 * times (FUZZ_KIND = csv, xlsx, xls) so each reader is forced whatever the
 * first bytes say.  Run: fuzz-esheet-csv tests/fuzz/corpus/csv -max_total_time=300
 *
 * XLS: the BIFF reader (dc-xls-cfb.c, dc-xls-biff.c) is fuzzed in this
 * process, first on its own and then through the importer with
 * DC_XLS_READER=in-process (the app runs it in the dockclip-xls-reader
 * helper; the known-crashes/ inputs crashed the freexl it replaced). */
#include "config.h"

#include <glib.h>
#include <stdint.h>

#include "esheet/dc-esheet.h"
#if defined(FUZZ_KIND_XLS)
#include "esheet/dc-xls-biff.h"
#endif

#if defined(FUZZ_KIND_CSV)
#define FUZZ_FORMAT DC_ESHEET_FORMAT_CSV
#elif defined(FUZZ_KIND_XLSX)
#define FUZZ_FORMAT DC_ESHEET_FORMAT_XLSX
#elif defined(FUZZ_KIND_XLS)
#define FUZZ_FORMAT DC_ESHEET_FORMAT_XLS
#else
#error "define FUZZ_KIND_CSV, FUZZ_KIND_XLSX or FUZZ_KIND_XLS"
#endif

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
#if defined(FUZZ_KIND_XLS)
  g_setenv ("DC_XLS_READER", "in-process", TRUE);
#endif
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;

#if defined(FUZZ_KIND_XLS)
  for (int s = -1; s < 2; s++)
    {
      g_autoptr(DcXlsSheet) xs = dc_xls_read_sheet (data, size, s);
      for (guint i = 0; i < xs->cells->len; i++)
        {
          const DcXlsCell *c = &g_array_index (xs->cells, DcXlsCell, i);
          g_assert (c->col < DC_XLS_MAX_COLUMNS);
          g_assert (c->kind != DC_XLS_CELL_TEXT ||
                    (gsize) c->text_offset + c->text_len <= xs->text->len);
        }
    }
#endif
  dc_esheet_import_options_init (&options);
  options.format = FUZZ_FORMAT;
  options.mapping_store = "";
  if (dc_esheet_import_bytes (sheet, "fuzz", bytes, &options, &error))
    {
      /* Walk the views too: they must hold whatever was imported. */
      for (guint i = 0; i < dc_esheet_get_n_waybills (sheet); i++)
        {
          DcEsheetWaybillItem it;
          dc_esheet_get_waybill_item (sheet, i, &it);
        }
      for (guint i = 0; i < dc_esheet_get_n_docks (sheet); i++)
        {
          DcEsheetDockItem it;
          dc_esheet_get_dock_item (sheet, i, NULL, &it);
        }
      dc_esheet_keep_per_dock (sheet, 2);
    }
  return 0;
}
