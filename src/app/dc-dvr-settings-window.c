#define G_LOG_DOMAIN "dc-dvr-settings"

#include "config.h"

#include <glib/gi18n.h>

#include "dvr/dc-config.h"
#include "dvr/dc-dvr.h"
#include "esheet/dc-esheet.h"
#include "util/dc-keyring.h"

#include "dc-app-settings.h"
#include "dc-dock-map-report.h"
#include "dc-dvr-settings-window.h"
#include "dc-window.h"
#include "dc-tooltip.h"

struct _DcDvrSettingsWindow
{
  AdwPreferencesWindow  parent_instance;

  DcWindow             *window;        /* weak */
  AdwPreferencesPage   *page;
  AdwPreferencesGroup  *dvr_group;
  AdwPreferencesGroup  *dock_group;
  GPtrArray            *dvr_rows;      /* widgets added to dvr_group */
  GPtrArray            *dock_rows;
  DcDockMapReport      *import_report;
  char                 *password_place;  /* where passwords go now, a sentence */
  char                 *save_note;       /* where the last save put the password */

  /* the editor subpage */
  char                 *editing;       /* name being edited, NULL = new */
  AdwEntryRow          *f_name;
  AdwComboRow          *f_brand;
  AdwEntryRow          *f_url;
  AdwEntryRow          *f_user;
  AdwPasswordEntryRow  *f_password;
  GtkSpinButton        *f_max;
  AdwComboRow          *f_time;
  GtkLabel             *test_label;
  GtkButton            *test_button;
  GtkButton            *save_button;
  GtkWidget            *editor;        /* the subpage (a reference: workers report to its widgets) */
  GPtrArray            *old_editors;   /* earlier subpages, kept until the dialog goes */
  GtkLabel             *editor_error;
  GtkLabel             *password_label;  /* where this password will go */
  gboolean              test_form_error; /* test_label shows a form error */
  GCancellable         *cancellable;
  gboolean              testing;

  /* HTTPS certificate (trust on first use) */
  AdwPreferencesGroup  *cert_group;
  AdwActionRow         *cert_row;      /* subtitle: the trusted pin or why none */
  GtkButton            *cert_button;   /* "Check Certificate" */
  GtkLabel             *cert_details;  /* subject and fingerprint just fetched */
  GtkButton            *trust_button;
  char                 *pin;           /* the editor's pin: stored or just trusted */
  char                 *fetched_pin;   /* shown, not trusted yet */
  gboolean              pin_changed;   /* the recorder's key is not the trusted one */
  gboolean              checking;
};

G_DEFINE_FINAL_TYPE (DcDvrSettingsWindow, dc_dvr_settings_window, ADW_TYPE_PREFERENCES_WINDOW)

static void rebuild (DcDvrSettingsWindow *self);
static gboolean channel_output (GtkSpinButton *spin, DcDvrSettingsWindow *self);

static DcConfig *
config (DcDvrSettingsWindow *self)
{
  return self->window ? dc_window_get_config (self->window) : NULL;
}

/* Saves the window's config (the demo's stays in memory). */
static void
commit (DcDvrSettingsWindow *self)
{
  if (self->window == NULL)
    return;
  dc_window_set_config (self->window, config (self), !dc_window_is_demo_running (self->window));
  rebuild (self);
}

/* The channel names Test connection found, by recorder address, kept
 * on the main window so that they outlive this dialog. */
static GHashTable *
channel_names (DcDvrSettingsWindow *self)
{
  GHashTable *table;

  if (self->window == NULL)
    return NULL;
  table = g_object_get_data (G_OBJECT (self->window), "dc-dvr-channel-names");
  if (table == NULL)
    {
      table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
      g_object_set_data_full (G_OBJECT (self->window), "dc-dvr-channel-names", table,
                              (GDestroyNotify) g_hash_table_unref);
    }
  return table;
}

static const char *const *
channel_names_of (DcDvrSettingsWindow *self, const char *dvr_name)
{
  const DcDvrConfig *cfg = dvr_name && config (self) ? dc_config_get_dvr (config (self), dvr_name) : NULL;
  GHashTable *table = channel_names (self);

  return table && cfg && cfg->url ? g_hash_table_lookup (table, cfg->url) : NULL;
}

/* Editor */

GtkEditable *
dc_dvr_settings_window_get_field (DcDvrSettingsWindow *self, const char *field)
{
  if (g_str_equal (field, "name"))
    return GTK_EDITABLE (self->f_name);
  if (g_str_equal (field, "url"))
    return GTK_EDITABLE (self->f_url);
  if (g_str_equal (field, "user"))
    return GTK_EDITABLE (self->f_user);
  if (g_str_equal (field, "password"))
    return GTK_EDITABLE (self->f_password);
  if (g_str_equal (field, "max-downloads"))
    return GTK_EDITABLE (self->f_max);
  return NULL;
}

const char *
dc_dvr_settings_window_get_test_result (DcDvrSettingsWindow *self)
{
  return gtk_label_get_text (self->test_label);
}

gboolean
dc_dvr_settings_window_is_testing (DcDvrSettingsWindow *self)
{
  return self->testing || self->checking;
}

GtkWidget *
dc_dvr_settings_window_get_button (DcDvrSettingsWindow *self, const char *name)
{
  if (g_str_equal (name, "test"))
    return GTK_WIDGET (self->test_button);
  if (g_str_equal (name, "save"))
    return GTK_WIDGET (self->save_button);
  if (g_str_equal (name, "check-certificate"))
    return GTK_WIDGET (self->cert_button);
  if (g_str_equal (name, "trust-certificate"))
    return GTK_WIDGET (self->trust_button);
  return NULL;
}

const char *
dc_dvr_settings_window_get_certificate_state (DcDvrSettingsWindow *self)
{
  return adw_action_row_get_subtitle (self->cert_row);
}

const char *
dc_dvr_settings_window_get_certificate_details (DcDvrSettingsWindow *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->cert_details))
         ? gtk_label_get_text (self->cert_details) : NULL;
}

static char *
field_text (gpointer editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable))));
}

/* The address as the editor will save it (a bare IP means http://). */
static gboolean
form_is_https (DcDvrSettingsWindow *self)
{
  g_autofree char *url = field_text (self->f_url);

  return g_ascii_strncasecmp (url, "https://", 8) == 0;
}

/* "sha256//BASE64" as the hex pairs a certificate viewer shows:
 * "3A:F1:…" in two lines of 16. */
static char *
pin_to_hex (const char *pin)
{
  g_autofree guchar *digest = NULL;
  gsize len = 0;
  GString *hex;

  if (!dc_dvr_tls_pin_is_valid (pin))
    return g_strdup ("");
  digest = g_base64_decode (pin + strlen ("sha256//"), &len);
  hex = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%s%02X", i == 0 ? "" : i % 16 == 0 ? "\n" : ":", digest[i]);
  return g_string_free (hex, FALSE);
}

/* The certificate rows follow the address, the editor's pin and what the
 * last check found. */
static void
update_certificate (DcDvrSettingsWindow *self)
{
  gboolean https = form_is_https (self);
  GtkWidget *row = GTK_WIDGET (self->cert_row);
  g_autofree char *text = NULL;

  gtk_widget_remove_css_class (row, "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->cert_button), https && !self->checking);
  gtk_widget_set_sensitive (row, https);
  if (!https)
    text = g_strdup (_("Only for https:// addresses: a plain http:// recorder has no certificate."));
  else if (self->pin_changed)
    {
      text = g_strdup (_("Certificate changed since it was trusted!"));
      gtk_widget_add_css_class (row, "error");
    }
  else if (self->pin != NULL)
    /* TRANSLATORS: %s is the pin, "sha256//" and 44 letters */
    text = g_strdup_printf (_("Trusted certificate %s"), self->pin);
  else
    text = g_strdup (_("No certificate trusted yet. A recorder with its own (self-signed) "
                       "certificate needs one: check it, then trust it."));
  adw_action_row_set_subtitle (self->cert_row, text);
  gtk_widget_set_visible (GTK_WIDGET (self->cert_details), https && self->fetched_pin != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button),
                          https && self->fetched_pin != NULL &&
                          g_strcmp0 (self->fetched_pin, self->pin) != 0);
}

static gboolean
focus_when_placed (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  if (!gtk_widget_get_visible (widget))
    return G_SOURCE_REMOVE;
  if (gtk_widget_get_width (widget) == 0)
    return G_SOURCE_CONTINUE;   /* not laid out yet */
  gtk_widget_grab_focus (widget);
  return G_SOURCE_REMOVE;
}

/* What a look at the recorder's certificate found. */
static void
show_fetched_certificate (DcDvrSettingsWindow *self, const char *pin, const char *subject)
{
  g_autofree char *hex = pin_to_hex (pin);
  g_autofree char *text = NULL;

  g_free (self->fetched_pin);
  self->fetched_pin = g_strdup (pin);
  self->pin_changed = self->pin != NULL && g_strcmp0 (self->pin, pin) != 0;
  if (g_strcmp0 (self->pin, pin) == 0)
    /* TRANSLATORS: certificate subject, the pin, the SHA-256 in hex */
    text = g_strdup_printf (_("Certificate: %s\nFingerprint: %s\nSHA-256:\n%s\n"
                              "This is the trusted certificate."),
                            subject ? subject : "?", pin, hex);
  else
    text = g_strdup_printf (_("Certificate: %s\nFingerprint: %s\nSHA-256:\n%s\n"
                              "Compare it with the fingerprint the recorder shows in its own "
                              "network (HTTPS) settings before you trust it."),
                            subject ? subject : "?", pin, hex);
  gtk_label_set_text (self->cert_details, text);
  update_certificate (self);
  /* below the fold of a small dialog: focusing the button scrolls to it,
   * once it has a place on the page */
  if (gtk_widget_get_visible (GTK_WIDGET (self->trust_button)))
    gtk_widget_add_tick_callback (GTK_WIDGET (self->trust_button), focus_when_placed, NULL, NULL);
}

/* The brand combo lists the drivers' brands (dc_dvr_brand_list), in
 * their order: position <-> brand. */
static DcDvrBrand
brand_at (guint position)
{
  guint n = 0;
  const DcDvrBrandInfo *brands = dc_dvr_brand_list (&n);

  return brands[position < n ? position : 0].brand;
}

static guint
brand_position (DcDvrBrand brand)
{
  guint n = 0;
  const DcDvrBrandInfo *brands = dc_dvr_brand_list (&n);

  for (guint i = 0; i < n; i++)
    if (brands[i].brand == brand)
      return i;
  return 0;
}

/* The editor's fields as a DcDvrConfig; NULL with an operator message. */
static DcDvrConfig *
form_to_config (DcDvrSettingsWindow *self, GError **error)
{
  g_autoptr(DcDvrConfig) cfg = g_new0 (DcDvrConfig, 1);
  g_autoptr(GUri) uri = NULL;
  guint time_sel = adw_combo_row_get_selected (self->f_time);

  cfg->name = field_text (self->f_name);
  cfg->url = field_text (self->f_url);
  cfg->user = field_text (self->f_user);
  cfg->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->f_password)));
  cfg->brand = brand_at (adw_combo_row_get_selected (self->f_brand));
  cfg->max_downloads = (guint) gtk_spin_button_get_value_as_int (self->f_max);
  cfg->time_mode = time_sel == 1 ? DC_DVR_TIME_LOCAL : time_sel == 2 ? DC_DVR_TIME_UTC : DC_DVR_TIME_AUTO;
  cfg->download_by_time = -1;
  /* a pin protects https only (the config refuses one on http) */
  if (self->pin != NULL && g_ascii_strncasecmp (cfg->url, "https://", 8) == 0)
    cfg->tls_pin = g_strdup (self->pin);

  if (*cfg->name == '\0' || strpbrk (cfg->name, "[]\n") != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Give the recorder a name (for example “north”), without brackets."));
      return NULL;
    }
  /* An address typed as 192.168.1.64 means http://192.168.1.64. */
  if (*cfg->url && strstr (cfg->url, "://") == NULL)
    {
      char *full = g_strconcat ("http://", cfg->url, NULL);
      g_free (cfg->url);
      cfg->url = full;
    }
  uri = g_uri_parse (cfg->url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a recorder address. Type its IP address, like 192.168.1.64."),
                   cfg->url);
      return NULL;
    }
  if (*cfg->user == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Type the user name the recorder accepts (often “admin”)."));
      return NULL;
    }
  if (self->editing == NULL && dc_config_get_dvr (config (self), cfg->name) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("There is already a recorder called “%s”."), cfg->name);
      return NULL;
    }
  return g_steal_pointer (&cfg);
}

/* Where passwords go.  Asked in a worker (the keyring answers over
 * D-Bus, bounded by a timeout) when the dialog and the editor open, and
 * said before Save: the keyring when its default collection is there and
 * unlocked (storing then prompts for nothing), otherwise the private file. */

static char *
config_path_display (void)
{
  g_autofree char *path = dc_app_settings_config_path ();
  const char *home = g_get_home_dir ();

  if (home && g_str_has_prefix (path, home) && path[strlen (home)] == G_DIR_SEPARATOR)
    return g_strconcat ("~", path + strlen (home), NULL);
  return g_steal_pointer (&path);
}

static void
place_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = config_path_display ();

  if (dc_keyring_can_store (&error))
    g_task_return_pointer (task, g_strdup (_("Passwords are saved in the desktop keyring.")), g_free);
  else
    /* TRANSLATORS: first %s says why not the keyring ("The desktop keyring is locked."), second the file */
    g_task_return_pointer (task, g_strdup_printf (_("%s Passwords are saved in %s, which only you can read."),
                                                  error->message, file), g_free);
}

static void
show_password_place (DcDvrSettingsWindow *self)
{
  g_autofree char *group = NULL;

  if (self->window && dc_window_is_demo_running (self->window))
    {
      g_free (self->password_place);
      self->password_place = g_strdup (_("The demo’s recorders are not saved; their passwords stay in memory."));
    }
  group = g_strdup_printf ("%s %s", _("The DVRs and NVRs that recorded the docks."),
                           self->password_place ? self->password_place : _("Checking where passwords are saved…"));
  adw_preferences_group_set_description (self->dvr_group, group);
  if (self->password_label)
    gtk_label_set_text (self->password_label,
                        self->password_place ? self->password_place : _("Checking where passwords are saved…"));
}

/* The worker holds a weak reference: the dialog may close (and its main
 * window go) before the keyring answers. */
static void
place_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(DcDvrSettingsWindow) self = g_weak_ref_get (weak);
  char *place = g_task_propagate_pointer (G_TASK (result), NULL);

  g_weak_ref_clear (weak);
  g_free (weak);
  if (place == NULL || self == NULL || g_cancellable_is_cancelled (self->cancellable))
    {
      g_free (place);
      return;
    }
  g_free (self->password_place);
  self->password_place = place;
  show_password_place (self);
}

static void
check_password_place (DcDvrSettingsWindow *self)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);
  g_autoptr(GTask) task = NULL;

  g_weak_ref_init (weak, self);
  task = g_task_new (NULL, self->cancellable, place_done, weak);
  g_task_run_in_thread (task, place_thread);
}

const char *
dc_dvr_settings_window_get_password_place (DcDvrSettingsWindow *self)
{
  return self->password_place;
}

const char *
dc_dvr_settings_window_get_save_note (DcDvrSettingsWindow *self)
{
  return self->save_note;
}

/* After Save: where the password of @cfg really went, read back from the
 * saved file (the keyring may have refused it since the dialog asked). */
static void
note_saved (DcDvrSettingsWindow *self, const DcDvrConfig *cfg)
{
  g_autofree char *path = dc_app_settings_config_path ();
  g_autofree char *file = config_path_display ();
  g_autofree char *group = g_strconcat ("dvr ", cfg->name, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  AdwToast *toast;

  g_free (self->save_note);
  if (dc_window_is_demo_running (self->window))
    self->save_note = g_strdup_printf (_("Recorder “%s” changed for this demo only (nothing is saved while the demo runs)."),
                                       cfg->name);
  else if (cfg->password == NULL || *cfg->password == '\0')
    self->save_note = g_strdup_printf (_("Recorder “%s” saved, without a password."), cfg->name);
  else if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    self->save_note = g_strdup_printf (_("Recorder “%s” could not be saved in %s."), cfg->name, file);
  else if (g_key_file_has_key (kf, group, "password", NULL))
    self->save_note = g_strdup_printf (_("Recorder “%s” saved; its password is in %s, which only you can read."),
                                       cfg->name, file);
  else
    self->save_note = g_strdup_printf (_("Recorder “%s” saved; its password is in the desktop keyring."),
                                       cfg->name);
  toast = adw_toast_new (self->save_note);
  adw_toast_set_timeout (toast, 6);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

/* The editor's red line (and a form error shown by Test connection)
 * follows what is typed: it goes away as soon as the fields are valid. */
static void
fields_changed (GtkEditable *editable, DcDvrSettingsWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DcDvrConfig) cfg = NULL;
  char *saved_editing = self->editing;

  if (!gtk_widget_get_visible (GTK_WIDGET (self->editor_error)) && !self->test_form_error)
    return;
  /* as Test connection does: an existing name is not an error here */
  if (!gtk_widget_get_visible (GTK_WIDGET (self->editor_error)))
    self->editing = saved_editing ? saved_editing : (char *) "";
  cfg = form_to_config (self, &error);
  self->editing = saved_editing;
  if (gtk_widget_get_visible (GTK_WIDGET (self->editor_error)))
    {
      if (cfg != NULL)
        gtk_widget_set_visible (GTK_WIDGET (self->editor_error), FALSE);
      else
        gtk_label_set_text (self->editor_error, error->message);
    }
  if (self->test_form_error)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->test_label), "error");
      if (cfg != NULL)
        {
          gtk_label_set_text (self->test_label, _("Signs in to the recorder and lists its channels."));
          self->test_form_error = FALSE;
        }
      else
        {
          gtk_label_set_text (self->test_label, error->message);
          gtk_widget_add_css_class (GTK_WIDGET (self->test_label), "error");
        }
    }
}

const char *
dc_dvr_settings_window_get_editor_error (DcDvrSettingsWindow *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->editor_error))
         ? gtk_label_get_text (self->editor_error) : NULL;
}

gboolean
dc_dvr_settings_window_save_editor (DcDvrSettingsWindow *self, GError **error)
{
  g_autoptr(DcDvrConfig) cfg = form_to_config (self, error);
  DcConfig *conf = config (self);

  if (cfg == NULL || conf == NULL)
    return FALSE;
  /* Renaming: move the docks that pointed at the old name. */
  if (self->editing && g_strcmp0 (self->editing, cfg->name) != 0)
    {
      GPtrArray *docks = dc_config_get_docks (conf);
      g_autoptr(GPtrArray) moved = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GArray) channels = g_array_new (FALSE, FALSE, sizeof (guint));

      for (guint i = 0; i < docks->len; i++)
        {
          DcDockMap *m = g_ptr_array_index (docks, i);
          if (g_strcmp0 (m->dvr, self->editing) == 0)
            {
              g_ptr_array_add (moved, g_strdup (m->dock));
              g_array_append_val (channels, m->channel);
            }
        }
      dc_config_remove_dvr (conf, self->editing);
      dc_config_set_dvr (conf, cfg);
      for (guint i = 0; i < moved->len; i++)
        dc_config_set_dock (conf, g_ptr_array_index (moved, i), cfg->name,
                            g_array_index (channels, guint, i));
    }
  else
    dc_config_set_dvr (conf, cfg);
  g_free (self->editing);
  self->editing = g_strdup (cfg->name);
  commit (self);
  note_saved (self, cfg);
  return TRUE;
}

static void
save_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!dc_dvr_settings_window_save_editor (self, &error))
    {
      gtk_label_set_text (self->editor_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->editor_error), TRUE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->editor_error), FALSE);
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (self));
}

/* What "Test connection" learned: the channels, or an error; for an https
 * recorder refused on its certificate, also the certificate it showed. */
typedef struct
{
  char   *text;
  GError *error;
  char   *pin;        /* the certificate's pin when the connection failed on it */
  char   *subject;
  char   *url;        /* the address tested */
  char   *brand;      /* its brand, for messages */
  char  **channel_names;
} ProbeResult;

static void
probe_result_free (ProbeResult *r)
{
  g_free (r->text);
  g_clear_error (&r->error);
  g_free (r->pin);
  g_free (r->subject);
  g_free (r->url);
  g_free (r->brand);
  g_strfreev (r->channel_names);
  g_free (r);
}

static void
probe_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const DcDvrConfig *cfg = task_data;
  g_autoptr(DcDvrSession) session = NULL;
  const DcDvrInfo *info = NULL;
  ProbeResult *r = g_new0 (ProbeResult, 1);
  GString *text;

  r->url = g_strdup (cfg->url);
  r->brand = g_strdup (dc_dvr_brand_display_name (cfg->brand));

  session = dc_dvr_session_new (cfg, NULL, &r->error);
  if (session != NULL)
    info = dc_dvr_session_probe (session, &r->error);
  if (info == NULL)
    {
      /* Refused on the certificate (a self-signed one, or not the one
       * trusted)?  A second look, a TLS handshake only, tells which
       * certificate the recorder shows. */
      if (session != NULL && g_error_matches (r->error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG) &&
          g_ascii_strncasecmp (cfg->url, "https://", 8) == 0 &&
          dc_dvr_fetch_certificate_pin (cfg->url, &r->pin, &r->subject, NULL) &&
          g_strcmp0 (r->pin, cfg->tls_pin) == 0)
        {
          /* the trusted one: the failure is something else */
          g_clear_pointer (&r->pin, g_free);
          g_clear_pointer (&r->subject, g_free);
        }
      g_task_return_pointer (task, r, (GDestroyNotify) probe_result_free);
      return;
    }
  text = g_string_new (NULL);
  {
    g_autofree char *secs = g_strdup_printf ("%+" G_GINT64_FORMAT, info->clock_offset_s);
    g_string_append_printf (text, _("Connected: %s %s, %u channels, clock %s s."),
                            info->device_type ? info->device_type : "",
                            info->model ? info->model : "", info->n_channels, secs);
  }
  for (guint i = 0; info->channel_names && info->channel_names[i]; i++)
    g_string_append_printf (text, "\n%u: %s", i + 1, info->channel_names[i]);
  r->channel_names = g_strdupv (info->channel_names);
  r->text = g_string_free (text, FALSE);
  g_task_return_pointer (task, r, (GDestroyNotify) probe_result_free);
}

/* The HTTP status a recorder's answer had, from the driver's "answered
 * HTTP 404" error (the drivers give no status field yet); 0 if none. */
static guint
http_status_of (const GError *error)
{
  g_autoptr(GRegex) re = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *digits = NULL;

  if (error == NULL || !g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE))
    return 0;
  re = g_regex_new ("HTTP ([1-5][0-9][0-9])\\)?$", 0, 0, NULL);
  if (!g_regex_match (re, error->message, 0, &match))
    return 0;
  digits = g_match_info_fetch (match, 1);
  return (guint) g_ascii_strtoull (digits, NULL, 10);
}

static void
probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(DcDvrSettingsWindow) self = user_data;
  ProbeResult *r = g_task_propagate_pointer (G_TASK (result), NULL);
  GError *error;

  self->testing = FALSE;
  if (r == NULL)
    return;   /* cancelled: the window is closing */
  error = r->error;
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), TRUE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_label), "success");
  if (r->text == NULL)
    {
      g_autofree char *msg = NULL;

      if (r->pin != NULL && self->pin != NULL)
        msg = g_strdup (_("Certificate changed since it was trusted! Nothing was sent to the "
                          "recorder. If its certificate was replaced, compare the new fingerprint "
                          "below with the recorder’s own screen and trust it; otherwise another "
                          "device may be answering at this address."));
      else if (r->pin != NULL)
        msg = g_strdup (_("The recorder uses its own (self-signed) certificate. Compare the "
                          "fingerprint below with the one the recorder shows, trust it, then "
                          "test again."));
      else if (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH))
        msg = g_strdup (_("The recorder rejected the user name or password."));
      else if (http_status_of (error) == 404)
        /* TRANSLATORS: %s the address, %s the brand (Hikvision, Dahua) */
        msg = g_strdup_printf (_("Nothing at %s answers as a %s recorder (HTTP 404, page not found): "
                                 "check the address and the brand, and that the port is the "
                                 "recorder’s web port (usually 80), not its SDK port 8000 or 37777."),
                               r->url, r->brand);
      else
        msg = g_strdup (error ? error->message : "");
      gtk_label_set_text (self->test_label, msg);
      gtk_widget_add_css_class (GTK_WIDGET (self->test_label), "error");
      if (r->pin != NULL)
        show_fetched_certificate (self, r->pin, r->subject);
    }
  else
    {
      GHashTable *names = channel_names (self);

      gtk_label_set_text (self->test_label, r->text);
      gtk_widget_add_css_class (GTK_WIDGET (self->test_label), "success");
      if (names && r->channel_names && r->channel_names[0])
        {
          g_hash_table_replace (names, g_steal_pointer (&r->url), g_steal_pointer (&r->channel_names));
          rebuild (self);   /* the dock rows show the names */
        }
    }
  probe_result_free (r);
}

void
dc_dvr_settings_window_test_connection (DcDvrSettingsWindow *self)
{
  g_autoptr(GError) error = NULL;
  DcDvrConfig *cfg;
  g_autoptr(GTask) task = NULL;
  char *saved_editing = self->editing;

  /* Testing an existing name is fine: do not fail on "already exists". */
  self->editing = saved_editing ? saved_editing : (char *) "";
  cfg = form_to_config (self, &error);
  self->editing = saved_editing;
  if (cfg == NULL)
    {
      gtk_label_set_text (self->test_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->test_label), "error");
      self->test_form_error = TRUE;
      return;
    }
  self->test_form_error = FALSE;
  self->testing = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_label), "success");
  gtk_label_set_text (self->test_label, _("Connecting…"));
  task = g_task_new (NULL, self->cancellable, probe_done, g_object_ref (self));
  g_task_set_task_data (task, cfg, (GDestroyNotify) dc_dvr_config_free);
  g_task_run_in_thread (task, probe_thread);
}

/* Check Certificate: one TLS handshake in a worker, nothing sent. */

typedef struct
{
  char *pin;
  char *subject;
} Fetched;

static void
fetched_free (Fetched *f)
{
  g_free (f->pin);
  g_free (f->subject);
  g_free (f);
}

static void
fetch_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Fetched *f = g_new0 (Fetched, 1);
  GError *error = NULL;

  if (!dc_dvr_fetch_certificate_pin (task_data, &f->pin, &f->subject, &error))
    {
      fetched_free (f);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, f, (GDestroyNotify) fetched_free);
}

static void
fetch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(DcDvrSettingsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  Fetched *f = g_task_propagate_pointer (G_TASK (result), &error);

  self->checking = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cert_details == NULL)
    {
      g_clear_pointer (&f, fetched_free);
      return;
    }
  if (f == NULL)
    {
      g_clear_pointer (&self->fetched_pin, g_free);
      update_certificate (self);
      gtk_label_set_text (self->test_label, error->message);
      gtk_widget_remove_css_class (GTK_WIDGET (self->test_label), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->test_label), "error");
      return;
    }
  show_fetched_certificate (self, f->pin, f->subject);
  fetched_free (f);
}

void
dc_dvr_settings_window_check_certificate (DcDvrSettingsWindow *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = field_text (self->f_url);

  g_return_if_fail (DC_IS_DVR_SETTINGS_WINDOW (self));
  if (self->checking || !form_is_https (self))
    return;
  self->checking = TRUE;
  update_certificate (self);
  task = g_task_new (NULL, self->cancellable, fetch_done, g_object_ref (self));
  g_task_set_task_data (task, g_steal_pointer (&url), g_free);
  g_task_run_in_thread (task, fetch_thread);
}

static void
check_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  dc_dvr_settings_window_check_certificate (self);
}

/* Trust: the editor's pin becomes the one shown; Save stores it. */
static void
trust_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  if (self->fetched_pin == NULL)
    return;
  g_free (self->pin);
  self->pin = g_strdup (self->fetched_pin);
  self->pin_changed = FALSE;
  update_certificate (self);
}

static void
url_changed (GtkEditable *editable, DcDvrSettingsWindow *self)
{
  /* what was checked belonged to the old address */
  g_clear_pointer (&self->fetched_pin, g_free);
  self->pin_changed = FALSE;
  update_certificate (self);
}

static void
test_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  dc_dvr_settings_window_test_connection (self);
}

static GtkWidget *
build_editor (DcDvrSettingsWindow *self, const DcDvrConfig *cfg)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *back = gtk_button_new_from_icon_name ("go-previous-symbolic");
  GtkWidget *save = gtk_button_new_with_mnemonic (_("_Save"));
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *test = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  g_autoptr(GtkStringList) brands = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) times = gtk_string_list_new (NULL);
  GtkWidget *row;

  dc_tooltip_set_text (back, _("Back"));
  g_signal_connect_swapped (back, "clicked", G_CALLBACK (adw_preferences_window_close_subpage), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), back);
  self->save_button = GTK_BUTTON (save);
  gtk_widget_add_css_class (save, "suggested-action");
  g_signal_connect (save, "clicked", G_CALLBACK (save_clicked), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new (cfg ? cfg->name : _("New Recorder"), NULL));
  gtk_box_append (GTK_BOX (box), header);

  self->f_name = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->f_name), _("Name"));
  self->f_brand = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->f_brand), _("Brand"));
  {
    guint n = 0;
    const DcDvrBrandInfo *list = dc_dvr_brand_list (&n);

    for (guint i = 0; i < n; i++)
      gtk_string_list_append (brands, dc_dvr_brand_display_name (list[i].brand));
  }
  adw_combo_row_set_model (self->f_brand, G_LIST_MODEL (brands));
  self->f_url = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->f_url), _("Address (IP or http://IP:port)"));
  self->f_user = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->f_user), _("User name"));
  self->f_password = ADW_PASSWORD_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->f_password), _("Password"));
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Downloads at once"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Most recorders allow 1 or 2"));
  self->f_max = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, 8, 1));
  gtk_widget_set_valign (GTK_WIDGET (self->f_max), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->f_max));
  self->f_time = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->f_time), _("Recorder clock"));
  gtk_string_list_append (times, _("Detect"));
  gtk_string_list_append (times, _("Local time"));
  gtk_string_list_append (times, _("UTC"));
  adw_combo_row_set_model (self->f_time, G_LIST_MODEL (times));

  adw_preferences_group_add (group, GTK_WIDGET (self->f_name));
  adw_preferences_group_add (group, GTK_WIDGET (self->f_brand));
  adw_preferences_group_add (group, GTK_WIDGET (self->f_url));
  adw_preferences_group_add (group, GTK_WIDGET (self->f_user));
  adw_preferences_group_add (group, GTK_WIDGET (self->f_password));
  /* said before Save: the keyring, or the private file and why */
  self->password_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->password_label, TRUE);
  gtk_label_set_xalign (self->password_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->password_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->password_label), "caption");
  gtk_widget_set_margin_top (GTK_WIDGET (self->password_label), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->password_label), 6);
  adw_preferences_group_add (group, GTK_WIDGET (self->password_label));
  adw_preferences_group_add (group, row);
  adw_preferences_group_add (group, GTK_WIDGET (self->f_time));

  self->editor_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->editor_error, TRUE);
  gtk_label_set_xalign (self->editor_error, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->editor_error), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->editor_error), FALSE);
  adw_preferences_group_add (group, GTK_WIDGET (self->editor_error));

  adw_preferences_group_set_title (test, _("Connection"));
  self->test_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Test Connection")));
  gtk_widget_set_halign (GTK_WIDGET (self->test_button), GTK_ALIGN_START);
  g_signal_connect (self->test_button, "clicked", G_CALLBACK (test_clicked), self);
  self->test_label = GTK_LABEL (gtk_label_new (_("Signs in to the recorder and lists its channels.")));
  gtk_label_set_wrap (self->test_label, TRUE);
  gtk_label_set_xalign (self->test_label, 0);
  gtk_label_set_selectable (self->test_label, TRUE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->test_label), 6);
  adw_preferences_group_add (test, GTK_WIDGET (self->test_button));
  adw_preferences_group_add (test, GTK_WIDGET (self->test_label));

  /* HTTPS: the certificate the operator trusts (TOFU) */
  self->cert_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->cert_group, _("Certificate (HTTPS)"));
  self->cert_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->cert_row), _("Certificate"));
  self->cert_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Check Certificate")));
  dc_tooltip_set_text (GTK_WIDGET (self->cert_button),
                               _("Shows the certificate the recorder presents, without signing in"));
  gtk_widget_set_valign (GTK_WIDGET (self->cert_button), GTK_ALIGN_CENTER);
  g_signal_connect (self->cert_button, "clicked", G_CALLBACK (check_clicked), self);
  adw_action_row_add_suffix (self->cert_row, GTK_WIDGET (self->cert_button));
  self->cert_details = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->cert_details, TRUE);
  gtk_label_set_wrap_mode (self->cert_details, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->cert_details, 0);
  gtk_label_set_selectable (self->cert_details, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->cert_details), "monospace");
  gtk_widget_set_margin_top (GTK_WIDGET (self->cert_details), 6);
  self->trust_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Trust This Certificate")));
  gtk_widget_set_halign (GTK_WIDGET (self->trust_button), GTK_ALIGN_START);
  gtk_widget_set_margin_top (GTK_WIDGET (self->trust_button), 6);
  g_signal_connect (self->trust_button, "clicked", G_CALLBACK (trust_clicked), self);
  adw_preferences_group_add (self->cert_group, GTK_WIDGET (self->cert_row));
  adw_preferences_group_add (self->cert_group, GTK_WIDGET (self->cert_details));
  adw_preferences_group_add (self->cert_group, GTK_WIDGET (self->trust_button));

  adw_preferences_page_add (page, group);
  adw_preferences_page_add (page, test);
  adw_preferences_page_add (page, self->cert_group);
  gtk_widget_set_vexpand (GTK_WIDGET (page), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (page));

  if (cfg)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->f_name), cfg->name);
      adw_combo_row_set_selected (self->f_brand, brand_position (cfg->brand));
      gtk_editable_set_text (GTK_EDITABLE (self->f_url), cfg->url ? cfg->url : "");
      gtk_editable_set_text (GTK_EDITABLE (self->f_user), cfg->user ? cfg->user : "");
      gtk_editable_set_text (GTK_EDITABLE (self->f_password), cfg->password ? cfg->password : "");
      gtk_spin_button_set_value (self->f_max, MAX (cfg->max_downloads, 1));
      adw_combo_row_set_selected (self->f_time, cfg->time_mode == DC_DVR_TIME_LOCAL ? 1 :
                                                cfg->time_mode == DC_DVR_TIME_UTC ? 2 : 0);
    }
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->f_user), "admin");
      gtk_spin_button_set_value (self->f_max, 1);
    }
  g_clear_pointer (&self->pin, g_free);
  g_clear_pointer (&self->fetched_pin, g_free);
  self->pin_changed = FALSE;
  self->checking = FALSE;
  if (cfg && cfg->tls_pin && *cfg->tls_pin)
    self->pin = g_strdup (cfg->tls_pin);
  g_signal_connect (self->f_url, "changed", G_CALLBACK (url_changed), self);
  g_signal_connect (self->f_name, "changed", G_CALLBACK (fields_changed), self);
  g_signal_connect (self->f_url, "changed", G_CALLBACK (fields_changed), self);
  g_signal_connect (self->f_user, "changed", G_CALLBACK (fields_changed), self);
  self->test_form_error = FALSE;
  update_certificate (self);
  show_password_place (self);
  return box;
}

void
dc_dvr_settings_window_edit (DcDvrSettingsWindow *self, const char *name)
{
  const DcDvrConfig *cfg = name && config (self) ? dc_config_get_dvr (config (self), name) : NULL;

  g_free (self->editing);
  self->editing = cfg ? g_strdup (cfg->name) : NULL;
  /* Opening an editor while the last one still slides away (a slow
   * machine): the leaflet's transition still points at the old page after
   * present_subpage() removed it, so it must stay alive (libadwaita 1.2;
   * seen as a critical in the ASan build of test-dvr-pin). */
  if (self->editor)
    g_ptr_array_add (self->old_editors, g_steal_pointer (&self->editor));
  self->editor = g_object_ref_sink (build_editor (self, cfg));
  check_password_place (self);   /* the keyring may have been unlocked meanwhile */
  adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (self), self->editor);
}

static void
edit_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  dc_dvr_settings_window_edit (self, g_object_get_data (G_OBJECT (button), "dvr"));
}

static void
add_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  dc_dvr_settings_window_edit (self, NULL);
}

static void
remove_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "dvr");
  DcConfig *conf = config (self);
  GPtrArray *docks;
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);

  if (conf == NULL)
    return;
  docks = dc_config_get_docks (conf);
  for (guint i = 0; i < docks->len; i++)
    {
      DcDockMap *m = g_ptr_array_index (docks, i);
      if (g_strcmp0 (m->dvr, name) == 0)
        g_ptr_array_add (gone, g_strdup (m->dock));
    }
  for (guint i = 0; i < gone->len; i++)
    dc_config_remove_dock (conf, g_ptr_array_index (gone, i));
  {
    g_autofree char *copy = g_strdup (name);
    dc_config_remove_dvr (conf, copy);
  }
  commit (self);
}

/* Dock map import */

void
dc_dvr_settings_window_import_dock_map (DcDvrSettingsWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *base = g_file_get_basename (file);
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dock_map_note_free);
  g_autoptr(GError) error = NULL;
  guint n_docks = 0;

  g_return_if_fail (DC_IS_DVR_SETTINGS_WINDOW (self));
  if (config (self) == NULL)
    return;
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot open the dock list %s: copy it to this computer first."), uri);
    }
  else if (dc_esheet_import_dock_map_rows (path, config (self), notes, &n_docks, &error))
    {
      dc_dock_map_report_show (self->import_report, base, n_docks, notes);
      commit (self);
      return;
    }
  dc_dock_map_report_show_error (self->import_report, error->message);
}

DcDockMapReport *
dc_dvr_settings_window_get_import_report (DcDvrSettingsWindow *self)
{
  return self->import_report;
}

static void
import_response (GtkNativeDialog *dialog, int response, DcDvrSettingsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file)
        dc_dvr_settings_window_import_dock_map (self, file);
    }
  g_object_unref (dialog);
}

static void
import_clicked (GtkButton *button, DcDvrSettingsWindow *self)
{
  GtkFileChooserNative *dialog =
    gtk_file_chooser_native_new (_("Import the Dock Map"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Dock mapping rows */

static void
dock_mapping_changed (GtkWidget *widget, GParamSpec *pspec, DcDvrSettingsWindow *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);
  GtkDropDown *dvr = g_object_get_data (G_OBJECT (row), "dvr");
  GtkSpinButton *channel = g_object_get_data (G_OBJECT (row), "channel");
  const char *dock = g_object_get_data (G_OBJECT (row), "dock");
  guint sel = gtk_drop_down_get_selected (dvr);
  DcConfig *conf = config (self);
  GPtrArray *dvrs;

  if (conf == NULL || g_object_get_data (G_OBJECT (self), "rebuilding"))
    return;
  dvrs = dc_config_get_dvrs (conf);
  if (sel == 0 || sel > dvrs->len)
    dc_config_remove_dock (conf, dock);
  else
    dc_config_set_dock (conf, dock, ((DcDvrConfig *) g_ptr_array_index (dvrs, sel - 1))->name,
                        (guint) gtk_spin_button_get_value_as_int (channel));
  gtk_widget_set_sensitive (GTK_WIDGET (channel), sel != 0);
  channel_output (channel, self);   /* another recorder's camera names */
  /* Apply without rebuilding the rows under the operator's pointer. */
  if (self->window)
    dc_window_set_config (self->window, conf, !dc_window_is_demo_running (self->window));
}

/* The channel as "3 · Dock cam 3" once Test connection has named the
 * recorder's cameras, a bare number before. */
static gboolean
channel_output (GtkSpinButton *spin, DcDvrSettingsWindow *self)
{
  GtkDropDown *dd = g_object_get_data (G_OBJECT (spin), "dvr");
  guint sel = dd ? gtk_drop_down_get_selected (dd) : 0;
  const char *dvr = sel > 0 ? gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dd)), sel) : NULL;
  const char *const *names = channel_names_of (self, dvr);
  int value = gtk_spin_button_get_value_as_int (spin);
  g_autofree char *text = NULL;
  int width = 3;

  if (names && value >= 1 && (guint) value <= g_strv_length ((char **) names) && *names[value - 1])
    text = g_strdup_printf ("%d · %s", value, names[value - 1]);
  else
    text = g_strdup_printf ("%d", value);
  for (guint i = 0; names && names[i]; i++)
    width = MAX (width, (int) g_utf8_strlen (names[i], -1) + 5);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), MIN (width, 24));
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (spin)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

/* Typed text back to a channel: its leading number ("3 · Dock cam 3" -> 3). */
static int
channel_input (GtkSpinButton *spin, double *new_value, gpointer user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  guint64 value;

  while (g_ascii_isspace (*text))
    text++;
  value = g_ascii_strtoull (text, &end, 10);
  if (end == text)
    return GTK_INPUT_ERROR;
  *new_value = (double) value;
  return TRUE;
}

const char *
dc_dvr_settings_window_get_dock_channel_text (DcDvrSettingsWindow *self, const char *dock)
{
  for (guint i = 0; i < self->dock_rows->len; i++)
    {
      GObject *row = g_ptr_array_index (self->dock_rows, i);
      if (g_strcmp0 (g_object_get_data (row, "dock"), dock) == 0)
        return gtk_editable_get_text (GTK_EDITABLE (g_object_get_data (row, "channel")));
    }
  return NULL;
}

static void
clear_rows (AdwPreferencesGroup *group, GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char **) a, *(char **) b);
}

static void
rebuild (DcDvrSettingsWindow *self)
{
  DcConfig *conf = config (self);
  GPtrArray *dvrs = conf ? dc_config_get_dvrs (conf) : NULL;
  g_autoptr(GPtrArray) docks = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  DcEsheet *esheet = self->window ? dc_esheet_view_get_esheet (dc_window_get_esheet_view (self->window)) : NULL;

  g_object_set_data (G_OBJECT (self), "rebuilding", GINT_TO_POINTER (1));
  clear_rows (self->dvr_group, self->dvr_rows);
  clear_rows (self->dock_group, self->dock_rows);

  gtk_string_list_append (names, _("Not mapped"));
  for (guint i = 0; dvrs && i < dvrs->len; i++)
    {
      const DcDvrConfig *cfg = g_ptr_array_index (dvrs, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *edit = gtk_button_new_from_icon_name ("document-edit-symbolic");
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      g_autofree char *sub = g_strdup_printf ("%s · %s · %s", cfg->url,
                                              dc_dvr_brand_display_name (cfg->brand),
                                              cfg->user ? cfg->user : "");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), cfg->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      dc_tooltip_set_text (edit, _("Edit"));
      dc_tooltip_set_text (remove, _("Remove"));
      gtk_widget_set_valign (edit, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (edit, "flat");
      gtk_widget_add_css_class (remove, "flat");
      g_object_set_data_full (G_OBJECT (edit), "dvr", g_strdup (cfg->name), g_free);
      g_object_set_data_full (G_OBJECT (remove), "dvr", g_strdup (cfg->name), g_free);
      g_signal_connect (edit, "clicked", G_CALLBACK (edit_clicked), self);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), edit);
      adw_preferences_group_add (self->dvr_group, row);
      g_ptr_array_add (self->dvr_rows, row);
      gtk_string_list_append (names, cfg->name);
    }
  if (dvrs == NULL || dvrs->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No recorder yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Add one, or import the dock map spreadsheet."));
      adw_preferences_group_add (self->dvr_group, row);
      g_ptr_array_add (self->dvr_rows, row);
    }

  /* Docks: the mapped ones and those of the loaded e-sheet. */
  for (guint i = 0; conf && i < dc_config_get_docks (conf)->len; i++)
    {
      DcDockMap *m = g_ptr_array_index (dc_config_get_docks (conf), i);
      if (g_hash_table_add (seen, m->dock))
        g_ptr_array_add (docks, g_strdup (m->dock));
    }
  for (guint i = 0; esheet && i < dc_esheet_get_n_docks (esheet); i++)
    {
      DcEsheetDockItem it;
      dc_esheet_get_dock_item (esheet, i, NULL, &it);
      if (g_hash_table_add (seen, (gpointer) it.dock))
        g_ptr_array_add (docks, g_strdup (it.dock));
    }
  g_ptr_array_sort (docks, cmp_str);
  for (guint i = 0; i < docks->len; i++)
    {
      const char *dock = g_ptr_array_index (docks, i);
      const DcDockMap *m = conf ? dc_config_lookup_dock (conf, dock) : NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *dd = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (names)), NULL);
      GtkWidget *spin = gtk_spin_button_new_with_range (1, 256, 1);
      guint sel = 0;

      for (guint k = 0; m && dvrs && k < dvrs->len; k++)
        if (g_strcmp0 (((DcDvrConfig *) g_ptr_array_index (dvrs, k))->name, m->dvr) == 0)
          sel = k + 1;
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), dock);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (dd), sel);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), m ? m->channel : 1);
      gtk_widget_set_sensitive (spin, sel != 0);
      dc_tooltip_set_text (dd, _("Recorder"));
      dc_tooltip_set_text (spin, _("Channel"));
      gtk_widget_set_valign (dd, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), dd);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      g_object_set_data (G_OBJECT (row), "dvr", dd);
      g_object_set_data (G_OBJECT (row), "channel", spin);
      g_object_set_data (G_OBJECT (spin), "dvr", dd);
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), FALSE);   /* it shows the name too */
      g_signal_connect (spin, "output", G_CALLBACK (channel_output), self);
      g_signal_connect (spin, "input", G_CALLBACK (channel_input), NULL);
      channel_output (GTK_SPIN_BUTTON (spin), self);
      g_object_set_data_full (G_OBJECT (row), "dock", g_strdup (dock), g_free);
      g_signal_connect (dd, "notify::selected", G_CALLBACK (dock_mapping_changed), self);
      g_signal_connect (spin, "notify::value", G_CALLBACK (dock_mapping_changed), self);
      adw_preferences_group_add (self->dock_group, row);
      g_ptr_array_add (self->dock_rows, row);
    }
  if (docks->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No dock yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Open an e-sheet: its docks appear here to map."));
      adw_preferences_group_add (self->dock_group, row);
      g_ptr_array_add (self->dock_rows, row);
    }
  g_object_set_data (G_OBJECT (self), "rebuilding", NULL);
}

static void
dc_dvr_settings_window_dispose (GObject *object)
{
  DcDvrSettingsWindow *self = DC_DVR_SETTINGS_WINDOW (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (dc_dvr_settings_window_parent_class)->dispose (object);
}

static void
dc_dvr_settings_window_finalize (GObject *object)
{
  DcDvrSettingsWindow *self = DC_DVR_SETTINGS_WINDOW (object);

  if (self->window)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->dvr_rows, g_ptr_array_unref);
  g_clear_pointer (&self->dock_rows, g_ptr_array_unref);
  g_clear_object (&self->editor);
  g_clear_pointer (&self->old_editors, g_ptr_array_unref);
  g_free (self->pin);
  g_free (self->fetched_pin);
  g_free (self->editing);
  g_free (self->password_place);
  g_free (self->save_note);
  G_OBJECT_CLASS (dc_dvr_settings_window_parent_class)->finalize (object);
}

static void
dc_dvr_settings_window_class_init (DcDvrSettingsWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dc_dvr_settings_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = dc_dvr_settings_window_finalize;
}

static void
dc_dvr_settings_window_init (DcDvrSettingsWindow *self)
{
  GtkWidget *add = gtk_button_new_from_icon_name ("list-add-symbolic");
  GtkWidget *import = gtk_button_new_with_mnemonic (_("_Import Dock Map…"));
  GtkWidget *suffix = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->cancellable = g_cancellable_new ();
  self->dvr_rows = g_ptr_array_new ();
  self->old_editors = g_ptr_array_new_with_free_func (g_object_unref);
  self->dock_rows = g_ptr_array_new ();
  self->page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  adw_preferences_page_set_title (self->page, _("Recorders"));
  self->dvr_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->dvr_group, _("Recorders"));
  dc_tooltip_set_text (add, _("Add a recorder"));
  gtk_widget_add_css_class (add, "flat");
  gtk_widget_add_css_class (import, "flat");
  g_signal_connect (add, "clicked", G_CALLBACK (add_clicked), self);
  g_signal_connect (import, "clicked", G_CALLBACK (import_clicked), self);
  gtk_box_append (GTK_BOX (suffix), import);
  gtk_box_append (GTK_BOX (suffix), add);
  adw_preferences_group_set_header_suffix (self->dvr_group, suffix);
  self->dock_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->dock_group, _("Docks"));
  adw_preferences_group_set_description (self->dock_group,
                                         _("Which recorder channel films each dock."));
  self->import_report = dc_dock_map_report_new ();
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (self->import_report));
  adw_preferences_page_add (self->page, self->dvr_group);
  adw_preferences_page_add (self->page, self->dock_group);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), self->page);
}

DcDvrSettingsWindow *
dc_dvr_settings_window_new (DcWindow *window)
{
  DcDvrSettingsWindow *self = g_object_new (DC_TYPE_DVR_SETTINGS_WINDOW,
                                            "transient-for", window,
                                            "modal", TRUE,
                                            "title", _("DVR and Dock Settings"),
                                            "search-enabled", FALSE,
                                            "default-width", 640,
                                            "default-height", 640,
                                            NULL);
  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  rebuild (self);
  show_password_place (self);
  check_password_place (self);
  return self;
}
