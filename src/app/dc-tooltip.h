/* dc-tooltip.h: tooltips that read as one line where one line fits.
 *
 * GTK 4.8's own tooltip label wraps without a width to aim for: Chinese
 * text, which may break after any character, comes out two characters to
 * a line on some tooltips and five on others; and a drop-down's tooltip
 * keeps showing over its own open list.  Dockclip answers every tooltip
 * with a label of its own instead (wrapping only past about 50 characters)
 * and says nothing while the widget's pop-up is open.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* gtk_widget_set_tooltip_text(), answered by Dockclip's label. */
void       dc_tooltip_set_text     (GtkWidget *widget, const char *text);
/* Answers @widget's tooltip-text (set now or later) with Dockclip's label. */
void       dc_tooltip_install      (GtkWidget *widget);
/* The same for every widget under @root that has a tooltip text now
 * (those of the .ui templates). */
void       dc_tooltip_install_tree (GtkWidget *root);
gboolean   dc_tooltip_is_installed (GtkWidget *widget);
/* For a widget's own query-tooltip handler. */
void       dc_tooltip_show_text    (GtkTooltip *tooltip, const char *text);
/* The label a tooltip shows (exposed for the tests). */
GtkWidget *dc_tooltip_label_new    (const char *text);
/* TRUE while a pop-up of @widget (a drop-down's list, a menu) is open. */
gboolean   dc_tooltip_popup_is_open (GtkWidget *widget);

G_END_DECLS
