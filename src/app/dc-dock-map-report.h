/* dc-dock-map-report.h: the result of a dock map import, shown in the DVR
 * settings until the operator dismisses it: "Imported 12 docks from
 * docks.xlsx", then one row per spreadsheet row that could not be used
 * ("Row 7 skipped" — Brand “Sony” … is not supported) and per note. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DC_TYPE_DOCK_MAP_REPORT (dc_dock_map_report_get_type ())
G_DECLARE_FINAL_TYPE (DcDockMapReport, dc_dock_map_report, DC, DOCK_MAP_REPORT,
                      AdwPreferencesGroup)

DcDockMapReport *dc_dock_map_report_new     (void);
/* Shows the result of importing @file_name: @n_docks mapped and @notes
 * (DcDockMapNote*), replacing any earlier result, and makes it visible. */
void             dc_dock_map_report_show    (DcDockMapReport *self,
                                             const char      *file_name,
                                             guint            n_docks,
                                             GPtrArray       *notes);
/* Shows an import that failed as a whole (@message says why). */
void             dc_dock_map_report_show_error (DcDockMapReport *self,
                                                const char      *message);
/* Hides it (the Dismiss button does this). */
void             dc_dock_map_report_dismiss (DcDockMapReport *self);
/* The lines shown, the summary first ("Row 7 skipped: Brand …"), for
 * tests and accessibility tools; NULL-terminated, free with g_strfreev. */
char           **dc_dock_map_report_get_lines (DcDockMapReport *self);
GtkWidget       *dc_dock_map_report_get_dismiss_button (DcDockMapReport *self);

G_END_DECLS
