/* dc-tooltip.c: see dc-tooltip.h for why Dockclip answers its tooltips. */
#include "config.h"

#include "dc-tooltip.h"

#define INSTALLED_KEY "dc-tooltip-installed"
/* Latin characters; a Chinese character counts about two */
#define TOOLTIP_MAX_WIDTH_CHARS 50

GtkWidget *
dc_tooltip_label_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  /* the natural width: the whole text up to this, then lines this long */
  gtk_label_set_max_width_chars (GTK_LABEL (label), TOOLTIP_MAX_WIDTH_CHARS);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  return label;
}

void
dc_tooltip_show_text (GtkTooltip *tooltip, const char *text)
{
  gtk_tooltip_set_custom (tooltip, dc_tooltip_label_new (text));
}

gboolean
dc_tooltip_popup_is_open (GtkWidget *widget)
{
  /* a drop-down's list and a menu button's menu are popovers among the
   * widget's own children */
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER (c) && gtk_widget_get_visible (c))
      return TRUE;
  return FALSE;
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                  gpointer user_data)
{
  const char *text = gtk_widget_get_tooltip_text (widget);

  /* the pointer is over the open list, which is ours too: the tooltip
   * would cover its items.  Stopping the emission keeps GTK's own
   * handler from showing the text instead. */
  if (text == NULL || *text == '\0' || dc_tooltip_popup_is_open (widget))
    {
      g_signal_stop_emission_by_name (widget, "query-tooltip");
      return FALSE;
    }
  dc_tooltip_show_text (tooltip, text);
  return TRUE;
}

void
dc_tooltip_install (GtkWidget *widget)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  if (dc_tooltip_is_installed (widget))
    return;
  g_object_set_data (G_OBJECT (widget), INSTALLED_KEY, GINT_TO_POINTER (1));
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
}

gboolean
dc_tooltip_is_installed (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), INSTALLED_KEY) != NULL;
}

void
dc_tooltip_set_text (GtkWidget *widget, const char *text)
{
  gtk_widget_set_tooltip_text (widget, text);
  dc_tooltip_install (widget);
}

void
dc_tooltip_install_tree (GtkWidget *root)
{
  const char *text = gtk_widget_get_tooltip_text (root);

  if (text != NULL && *text != '\0')
    dc_tooltip_install (root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    dc_tooltip_install_tree (c);
}
