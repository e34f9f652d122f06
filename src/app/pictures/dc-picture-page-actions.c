#define G_LOG_DOMAIN "dc-picture-page"

/* The actions of DcPicturePage (group "pictures") and the keys that
 * run them; "Export marked" and "Prune unmarked" with their dialogs. */

#include "config.h"

#include <glib/gi18n.h>

#include "dc-picture-page-private.h"
#include "dc-report-dialog.h"

/* The e-sheet lookup of "Export marked", shared with the export's worker
 * thread: replacing it while an export runs must not free what that
 * thread still reads. */
struct _DcPictureExportLookup
{
  DcExportLookupFunc func;
  gpointer           data;
  GDestroyNotify     destroy;
};

static void
lookup_free (DcPictureExportLookup *lookup)
{
  if (lookup->destroy != NULL)
    lookup->destroy (lookup->data);
}

void
dc_picture_page_export_lookup_unref (DcPictureExportLookup *lookup)
{
  g_atomic_rc_box_release_full (lookup, (GDestroyNotify) lookup_free);
}

static void
lookup_trampoline (const char *waybill, char **dock, GDateTime **scan_time, gpointer data)
{
  DcPictureExportLookup *lookup = data;

  lookup->func (waybill, dock, scan_time, lookup->data);
}

/* --- export ------------------------------------------------------------------ */

static void
on_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(DcPicturePage) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = dc_pictures_export_marked_finish (result, &error);
  g_autofree char *msg = NULL;

  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      msg = g_strdup_printf (_("Export failed: %s"), error->message);
    }
  else
    msg = g_strdup_printf (ngettext ("%d marked picture exported with its manifest",
                                     "%d marked pictures exported with their manifest", (gulong) n),
                           (int) n);
  dc_picture_page_toast (self, msg);
  dc_picture_page_emit_exported (self, (int) n, error != NULL ? error->message : NULL);
}

void
dc_picture_page_export_marked (DcPicturePage *self, GFile *dest_dir)
{
  g_autofree char *dest = NULL;

  g_return_if_fail (DC_IS_PICTURE_PAGE (self));
  g_return_if_fail (G_IS_FILE (dest_dir));

  dc_picture_page_commit_draft (self);
  dest = g_file_get_path (dest_dir);
  if (self->folder == NULL || dest == NULL)
    return;
  dc_pictures_export_marked_async (dc_picture_folder_get_path (self->folder),
                                   dc_picture_folder_get_marks (self->folder), dest,
                                   self->lookup != NULL ? lookup_trampoline : NULL,
                                   self->lookup != NULL ? g_atomic_rc_box_acquire (self->lookup) : NULL,
                                   self->lookup != NULL
                                   ? (GDestroyNotify) dc_picture_page_export_lookup_unref : NULL,
                                   self->cancellable, on_exported, g_object_ref (self));
}

void
dc_picture_page_set_export_lookup (DcPicturePage *self, DcExportLookupFunc lookup,
                                   gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (DC_IS_PICTURE_PAGE (self));

  g_clear_pointer (&self->lookup, dc_picture_page_export_lookup_unref);
  if (lookup == NULL)
    {
      if (destroy != NULL)
        destroy (user_data);
      return;
    }
  self->lookup = g_atomic_rc_box_new0 (DcPictureExportLookup);
  self->lookup->func = lookup;
  self->lookup->data = user_data;
  self->lookup->destroy = destroy;
}

static void
on_export_response (GtkNativeDialog *dialog, int response, DcPicturePage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (dir != NULL)
        dc_picture_page_export_marked (self, dir);
    }
  g_object_unref (dialog);
}

static void
action_export (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export Marked Pictures To"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_folder_response (GtkNativeDialog *dialog, int response, DcPicturePage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = dir != NULL ? g_file_get_path (dir) : NULL;

      if (path != NULL)
        dc_picture_page_set_folder (self, path);
    }
  g_object_unref (dialog);
}

static void
action_choose_folder (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;

  gtk_popover_popdown (self->folder_popover);
  dialog = gtk_file_chooser_native_new (_("Choose a Folder of Pictures"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (self->folder != NULL)
    {
      g_autoptr(GFile) f = g_file_new_for_path (dc_picture_folder_get_path (self->folder));
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), f, NULL);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (on_folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
action_save (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  DcPicture *picture;

  if (self->draft_picture != NULL)
    {
      dc_picture_page_commit_draft (self);
      return;
    }
  picture = dc_picture_page_current (self);
  if (picture != NULL && self->folder != NULL)
    dc_picture_page_toggle_plain_mark (self, picture);
}

static void
action_toggle_mark (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  DcPicture *picture = dc_picture_page_current (self);

  if (picture == NULL || self->folder == NULL)
    return;
  if (picture == self->draft_picture)
    dc_picture_page_commit_draft (self);
  else
    dc_picture_page_toggle_plain_mark (self, picture);
}

static void
action_unmark (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  DcPicture *picture = dc_picture_page_current (self);

  if (picture == NULL || self->folder == NULL)
    return;
  if (picture == self->draft_picture)
    dc_picture_page_discard_draft (self);
  dc_picture_page_apply_mark (self, picture, NULL, TRUE);
}

static void
action_discard (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);

  if (self->draft_picture != NULL)
    dc_picture_page_discard_draft (self);
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "viewer") == 0)
    {
      dc_picture_page_close_viewer (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
    }
}

static void
action_undo (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_picture_page_undo (DC_PICTURE_PAGE (widget));
}

void
dc_picture_page_prune_now (DcPicturePage *self)
{
  DcTrashUndo *trash = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  guint n;

  g_return_if_fail (DC_IS_PICTURE_PAGE (self));

  if (self->folder == NULL)
    return;
  dc_picture_page_commit_draft (self);
  dc_picture_page_close_viewer (self);
  ok = dc_picture_folder_prune_unmarked (self->folder, &trash, NULL, &error);
  n = trash != NULL ? dc_trash_undo_get_n_files (trash) : 0;
  if (n > 0)
    {
      g_autofree char *msg = g_strdup_printf (ngettext ("%u unmarked picture moved to the trash",
                                                        "%u unmarked pictures moved to the trash", n), n);
      AdwToast *t = adw_toast_new (msg);

      dc_picture_page_push_undo_prune (self, g_steal_pointer (&trash));
      adw_toast_set_button_label (t, _("_Undo"));
      adw_toast_set_action_name (t, "pictures.undo");
      adw_toast_set_timeout (t, 10);
      adw_toast_overlay_add_toast (self->toast_overlay, t);
    }
  g_clear_pointer (&trash, dc_trash_undo_free);
  if (!ok)
    {
      g_autofree char *msg = g_strdup_printf (_("Some pictures could not be moved to the trash: %s"),
                                              error->message);
      dc_picture_page_toast (self, msg);
    }
  dc_picture_page_flush_counts (self);
}

static void
on_prune_response (AdwMessageDialog *dialog, const char *response, DcPicturePage *self)
{
  self->prune_dialog = NULL;
  if (g_strcmp0 (response, "trash") == 0)
    dc_picture_page_prune_now (self);
}

static void
action_prune (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *heading = NULL;
  guint total, marked, n;
  GtkWidget *dialog;

  if (self->folder == NULL || self->prune_dialog != NULL)
    return;
  dc_picture_page_commit_draft (self);
  total = g_list_model_get_n_items (G_LIST_MODEL (self->folder));
  marked = dc_picture_folder_get_n_marked (self->folder);
  n = total - marked;
  if (n == 0)
    {
      dc_picture_page_toast (self, _("Nothing to prune: every picture is marked"));
      return;
    }
  if (marked == 0)
    {
      dc_picture_page_toast (self, _("Nothing marked yet: mark the pictures to keep first"));
      return;
    }
  heading = g_strdup_printf (ngettext ("Move %u unmarked picture to the trash?",
                                       "Move %u unmarked pictures to the trash?", n), n);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("They leave the grid now and can be brought back with Undo "
                                     "(Ctrl+Z) or from the system trash. Nothing is deleted "
                                     "permanently; the marked pictures stay."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trash", _("_Move to Trash"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trash",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_prune_response), self, 0);
  self->prune_dialog = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_open_viewer (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_picture_page_open_viewer (DC_PICTURE_PAGE (widget));
}

static void
action_close_viewer (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);

  dc_picture_page_close_viewer (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

static void
move_selection (DcPicturePage *self, int delta)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  guint pos = self->current;

  if (n == 0)
    return;
  if (pos == GTK_INVALID_LIST_POSITION || pos >= n)
    pos = 0;
  else if (delta < 0)
    pos = pos > 0 ? pos - 1 : 0;
  else
    pos = MIN (n - 1, pos + 1);
  dc_picture_page_set_current (self, pos);
  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", pos);
}

static void
action_next (GtkWidget *widget, const char *name, GVariant *param)
{
  move_selection (DC_PICTURE_PAGE (widget), +1);
}

static void
action_previous (GtkWidget *widget, const char *name, GVariant *param)
{
  move_selection (DC_PICTURE_PAGE (widget), -1);
}

/* --- key bindings ------------------------------------------------------------- */
static void
add_key (GtkEventController *controller, guint keyval, GdkModifierType mods, const char *action)
{
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (keyval, mods),
                                                          gtk_named_action_new (action)));
}

void
dc_picture_page_setup_shortcuts (DcPicturePage *self)
{
  /* Capture phase: the grid's list items bind Space to "select"; here
   * Space saves the drawing or toggles the mark first. */
  self->grid_shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (self->grid_shortcuts, GTK_PHASE_CAPTURE);
  add_key (self->grid_shortcuts, GDK_KEY_space, 0, "pictures.save");
  add_key (self->grid_shortcuts, GDK_KEY_m, 0, "pictures.toggle-mark");
  add_key (self->grid_shortcuts, GDK_KEY_M, GDK_SHIFT_MASK, "pictures.toggle-mark");
  add_key (self->grid_shortcuts, GDK_KEY_Delete, 0, "pictures.unmark");
  add_key (self->grid_shortcuts, GDK_KEY_KP_Delete, 0, "pictures.unmark");
  add_key (self->grid_shortcuts, GDK_KEY_Escape, 0, "pictures.discard");
  gtk_widget_add_controller (GTK_WIDGET (self->grid_view), self->grid_shortcuts);

  self->viewer_shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (self->viewer_shortcuts, GTK_PHASE_CAPTURE);
  add_key (self->viewer_shortcuts, GDK_KEY_space, 0, "pictures.save");
  add_key (self->viewer_shortcuts, GDK_KEY_m, 0, "pictures.toggle-mark");
  add_key (self->viewer_shortcuts, GDK_KEY_M, GDK_SHIFT_MASK, "pictures.toggle-mark");
  add_key (self->viewer_shortcuts, GDK_KEY_Delete, 0, "pictures.unmark");
  add_key (self->viewer_shortcuts, GDK_KEY_Left, 0, "pictures.previous");
  add_key (self->viewer_shortcuts, GDK_KEY_Page_Up, 0, "pictures.previous");
  add_key (self->viewer_shortcuts, GDK_KEY_Right, 0, "pictures.next");
  add_key (self->viewer_shortcuts, GDK_KEY_Page_Down, 0, "pictures.next");
  add_key (self->viewer_shortcuts, GDK_KEY_Escape, 0, "pictures.discard");
  gtk_widget_add_controller (GTK_WIDGET (self->viewer_box), self->viewer_shortcuts);

  self->page_shortcuts = gtk_shortcut_controller_new ();
  add_key (self->page_shortcuts, GDK_KEY_z, GDK_CONTROL_MASK, "pictures.undo");
  add_key (self->page_shortcuts, GDK_KEY_c, GDK_CONTROL_MASK, "pictures.copy");
  add_key (self->page_shortcuts, GDK_KEY_Menu, 0, "pictures.menu");
  add_key (self->page_shortcuts, GDK_KEY_F10, GDK_SHIFT_MASK, "pictures.menu");
  gtk_widget_add_controller (GTK_WIDGET (self), self->page_shortcuts);
}


/* --- copy ----------------------------------------------------------------------- */

static void
action_copy (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_picture_page_copy (DC_PICTURE_PAGE (widget));
}

static void
action_copy_picture (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_picture_page_copy_picture (DC_PICTURE_PAGE (widget));
}

static void
action_copy_files (GtkWidget *widget, const char *name, GVariant *param)
{
  dc_picture_page_copy_files (DC_PICTURE_PAGE (widget));
}

/* --- context menu ------------------------------------------------------------------ */

static GMenuModel *
build_menu (DcPicturePage *self)
{
  g_autoptr(GPtrArray) selected = dc_picture_page_dup_selected (self);
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) send = g_menu_new ();
  g_autoptr(GMenu) review = g_menu_new ();
  g_autofree char *files = NULL;
  DcPicture *current = dc_picture_page_current (self);

  g_menu_append (send, _("Copy _Picture"), "pictures.copy-picture");
  if (selected->len > 1 && !dc_picture_page_is_viewer_open (self))
    files = g_strdup_printf (ngettext ("Copy %u _File", "Copy %u _Files", selected->len), selected->len);
  g_menu_append (send, files != NULL ? files : _("Copy _File"), "pictures.copy-files");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (send));
  if (!dc_picture_page_is_viewer_open (self))
    g_menu_append (review, _("_Open"), "pictures.open-viewer");
  g_menu_append (review, current != NULL && dc_picture_get_marked (current) ? _("_Unmark") : _("_Mark"),
                 "pictures.toggle-mark");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (review));
  return G_MENU_MODEL (menu);
}

/* Right-click on a picture (@widget: a cell or the viewer, (@x, @y) in
 * its coordinates): the picture becomes current — added to nothing, so
 * a right-click inside a selection keeps the selection — and the menu
 * opens there. */
void
dc_picture_page_popup_menu (DcPicturePage *self, GtkWidget *widget, double x, double y)
{
  g_autoptr(GMenuModel) model = NULL;
  graphene_point_t p;

  if (dc_picture_page_current (self) == NULL)
    return;
  model = build_menu (self);
  if (self->context_menu == NULL)
    {
      self->context_menu = gtk_popover_menu_new_from_model (NULL);
      gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
      gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->context_menu), model);
  if (!gtk_widget_compute_point (widget, GTK_WIDGET (self), &GRAPHENE_POINT_INIT ((float) x, (float) y), &p))
    p = GRAPHENE_POINT_INIT (0, 0);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) p.x, (int) p.y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

/* The report window of src/app (the PDF is made there, in a worker) for
 * the open folder and, when the window told us, its e-sheet. */
static void
action_evidence_report (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  DcReportDialog *dialog;

  if (self->folder == NULL)
    return;
  /* the burned copies the report shows must carry the marks of now */
  dc_picture_page_commit_draft (self);
  if (self->report_window != NULL)
    {
      gtk_window_present (self->report_window);
      return;
    }
  dialog = dc_report_dialog_present (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                     self->esheet_path, dc_picture_folder_get_path (self->folder));
  self->report_window = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->report_window);
}

/* Menu key or Shift+F10: the same menu, at the current picture */
static void
action_menu (GtkWidget *widget, const char *name, GVariant *param)
{
  DcPicturePage *self = DC_PICTURE_PAGE (widget);
  DcPicture *current = dc_picture_page_current (self);
  GtkWidget *at = NULL;

  if (current == NULL)
    return;
  if (dc_picture_page_is_viewer_open (self))
    at = GTK_WIDGET (self->viewer_canvas);
  else if (dc_picture_page_find_canvas (self, current) != NULL)
    at = GTK_WIDGET (dc_picture_page_find_canvas (self, current));
  if (at != NULL)
    dc_picture_page_popup_menu (self, at, gtk_widget_get_width (at) / 2.0,
                                gtk_widget_get_height (at) / 2.0);
}

void
dc_picture_page_class_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "pictures.choose-folder", NULL, action_choose_folder);
  gtk_widget_class_install_action (widget_class, "pictures.save", NULL, action_save);
  gtk_widget_class_install_action (widget_class, "pictures.toggle-mark", NULL, action_toggle_mark);
  gtk_widget_class_install_action (widget_class, "pictures.unmark", NULL, action_unmark);
  gtk_widget_class_install_action (widget_class, "pictures.discard", NULL, action_discard);
  gtk_widget_class_install_action (widget_class, "pictures.undo", NULL, action_undo);
  gtk_widget_class_install_action (widget_class, "pictures.prune", NULL, action_prune);
  gtk_widget_class_install_action (widget_class, "pictures.export", NULL, action_export);
  gtk_widget_class_install_action (widget_class, "pictures.open-viewer", NULL, action_open_viewer);
  gtk_widget_class_install_action (widget_class, "pictures.close-viewer", NULL, action_close_viewer);
  gtk_widget_class_install_action (widget_class, "pictures.next", NULL, action_next);
  gtk_widget_class_install_action (widget_class, "pictures.previous", NULL, action_previous);
  gtk_widget_class_install_action (widget_class, "pictures.copy", NULL, action_copy);
  gtk_widget_class_install_action (widget_class, "pictures.copy-picture", NULL, action_copy_picture);
  gtk_widget_class_install_action (widget_class, "pictures.copy-files", NULL, action_copy_files);
  gtk_widget_class_install_action (widget_class, "pictures.menu", NULL, action_menu);
  gtk_widget_class_install_action (widget_class, "pictures.evidence-report", NULL,
                                   action_evidence_report);
}
