/* dc-esheet-snapshot.h: a copy of an e-sheet as it is now (rows, scan
 * times, extra columns, selection), for undoing an operation that removes
 * rows (Delete, Keep N per dock). */
#pragma once

#include "esheet/dc-esheet.h"

G_BEGIN_DECLS

/* NULL with @error only if the copy cannot be read back (not expected). */
DcEsheet *dc_esheet_snapshot_new (DcEsheet *esheet, GError **error);

G_END_DECLS
