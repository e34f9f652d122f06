/* dc-dock-map-report.c: see the header.  A toast truncated the report
 * and went away after 8 s while rows had been dropped: this list stays
 * until dismissed, one row per problem. */
#define G_LOG_DOMAIN "dc-dvr-settings"

#include "config.h"

#include <glib/gi18n.h>

#include "esheet/dc-esheet.h"

#include "dc-dock-map-report.h"

struct _DcDockMapReport
{
  AdwPreferencesGroup  parent_instance;

  AdwPreferencesGroup *group;     /* self, for readability */
  GtkWidget           *dismiss;
  GPtrArray           *rows;      /* widgets added to group */
};

G_DEFINE_FINAL_TYPE (DcDockMapReport, dc_dock_map_report, ADW_TYPE_PREFERENCES_GROUP)

static void
clear_rows (DcDockMapReport *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
}

static void
add_row (DcDockMapReport *self, const char *title, const char *subtitle, const char *icon,
         const char *css_class)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *image = gtk_image_new_from_icon_name (icon);

  /* plain text: file names and cell contents may hold '&' or '<' */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (css_class)
    gtk_widget_add_css_class (image, css_class);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);
  adw_preferences_group_add (self->group, row);
  g_ptr_array_add (self->rows, row);
}

void
dc_dock_map_report_show (DcDockMapReport *self, const char *file_name, guint n_docks,
                         GPtrArray *notes)
{
  g_autofree char *title = NULL;
  guint skipped = 0;

  g_return_if_fail (DC_IS_DOCK_MAP_REPORT (self));
  clear_rows (self);
  for (guint i = 0; notes && i < notes->len; i++)
    skipped += ((DcDockMapNote *) g_ptr_array_index (notes, i))->skipped;
  /* TRANSLATORS: %u docks, %s the file name */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Imported %u dock from %s",
                                        "Imported %u docks from %s", n_docks),
                           n_docks, file_name);
  if (skipped > 0)
    {
      g_autofree char *sub = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                           "%u row could not be used; it is listed below.",
                                                           "%u rows could not be used; they are listed below.",
                                                           skipped), skipped);
      add_row (self, title, sub, "dialog-warning-symbolic", "warning");
    }
  else
    add_row (self, title, NULL, "emblem-ok-symbolic", "success");
  for (guint i = 0; notes && i < notes->len; i++)
    {
      const DcDockMapNote *n = g_ptr_array_index (notes, i);
      g_autofree char *head = NULL;

      if (n->row == 0)
        head = g_strdup (_("Note"));
      else if (n->skipped)
        /* TRANSLATORS: a spreadsheet row number */
        head = g_strdup_printf (_("Row %u skipped"), n->row);
      else
        head = g_strdup_printf (_("Row %u"), n->row);
      add_row (self, head, n->reason, n->skipped ? "dialog-warning-symbolic" : "dialog-information-symbolic",
               n->skipped ? "warning" : NULL);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
}

void
dc_dock_map_report_show_error (DcDockMapReport *self, const char *message)
{
  g_return_if_fail (DC_IS_DOCK_MAP_REPORT (self));
  clear_rows (self);
  add_row (self, _("Nothing was imported"), message, "dialog-error-symbolic", "error");
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
}

void
dc_dock_map_report_dismiss (DcDockMapReport *self)
{
  g_return_if_fail (DC_IS_DOCK_MAP_REPORT (self));
  clear_rows (self);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

char **
dc_dock_map_report_get_lines (DcDockMapReport *self)
{
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();

  g_return_val_if_fail (DC_IS_DOCK_MAP_REPORT (self), NULL);
  for (guint i = 0; gtk_widget_get_visible (GTK_WIDGET (self)) && i < self->rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);
      const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
      const char *sub = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));

      g_autofree char *line = sub && *sub ? g_strdup_printf ("%s: %s", title, sub) : g_strdup (title);

      g_strv_builder_add (lines, line);
    }
  return g_strv_builder_end (lines);
}

GtkWidget *
dc_dock_map_report_get_dismiss_button (DcDockMapReport *self)
{
  return self->dismiss;
}

static void
dc_dock_map_report_finalize (GObject *object)
{
  DcDockMapReport *self = DC_DOCK_MAP_REPORT (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (dc_dock_map_report_parent_class)->finalize (object);
}

static void
dc_dock_map_report_class_init (DcDockMapReportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_dock_map_report_finalize;
}

static void
dc_dock_map_report_init (DcDockMapReport *self)
{
  self->rows = g_ptr_array_new ();
  self->group = ADW_PREFERENCES_GROUP (self);
  adw_preferences_group_set_title (self->group, _("Dock Map Import"));
  self->dismiss = gtk_button_new_with_mnemonic (_("_Dismiss"));
  gtk_widget_add_css_class (self->dismiss, "flat");
  gtk_widget_set_valign (self->dismiss, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->dismiss, "clicked", G_CALLBACK (dc_dock_map_report_dismiss), self);
  adw_preferences_group_set_header_suffix (self->group, self->dismiss);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

DcDockMapReport *
dc_dock_map_report_new (void)
{
  return g_object_new (DC_TYPE_DOCK_MAP_REPORT, NULL);
}
