/* libFuzzer harness for the e-sheet readers and importer.  Built three
 * times (FUZZ_KIND = csv, xlsx, xls) so each reader is forced whatever the
 * first bytes say.  Run: fuzz-esheet-csv tests/fuzz/corpus/csv -max_total_time=300
 *
 * XLS goes through the dockclip-xls-reader helper when it is found (the
 * build tree, bindir, PATH or $DC_XLS_READER): that fuzzes our decoding of
 * its output and the handling of its crashes.  DC_XLS_READER=in-process
 * fuzzes FreeXL itself, which crashes (stack-buffer-underflow in its
 * iconv use, see known-crashes/). */
#include "config.h"

#include <glib.h>
#include <stdint.h>

#include "esheet/dc-esheet.h"

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

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DcEsheet) sheet = dc_esheet_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;

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
