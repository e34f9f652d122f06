#define G_LOG_DOMAIN "dc-keyring"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#ifdef DC_HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "util/dc-file-util.h"
#include "util/dc-keyring.h"

G_DEFINE_QUARK (dc-keyring-error-quark, dc_keyring_error)

/* G_FILE_CREATE_PRIVATE is how GIO says 0600; a different DC_FILE_MODE
 * would need an explicit unix::mode after creating. */
G_STATIC_ASSERT (DC_FILE_MODE == 0600);

#define DEFAULT_TIMEOUT_MS 5000
/* After a cancel, how long to wait for the call to come back. */
#define CANCEL_GRACE_US    (G_USEC_PER_SEC)

typedef enum { STATE_UNKNOWN, STATE_AVAILABLE, STATE_UNAVAILABLE } KeyringState;

static GMutex keyring_lock;
static KeyringState keyring_state = STATE_UNKNOWN;
static gboolean keyring_disabled = FALSE;
static guint keyring_timeout_ms = DEFAULT_TIMEOUT_MS;

void
dc_keyring_set_enabled (gboolean enabled)
{
  g_mutex_lock (&keyring_lock);
  keyring_disabled = !enabled;
  g_mutex_unlock (&keyring_lock);
}

void
dc_keyring_set_timeout (guint timeout_ms)
{
  g_mutex_lock (&keyring_lock);
  keyring_timeout_ms = MAX (timeout_ms, 1);
  g_mutex_unlock (&keyring_lock);
}

static gboolean
turned_off (void)
{
  const char *env = g_getenv ("DC_KEYRING");

  return keyring_disabled ||
         (env != NULL && (g_ascii_strcasecmp (env, "off") == 0 || g_strcmp0 (env, "0") == 0 ||
                          g_ascii_strcasecmp (env, "no") == 0));
}

#ifdef DC_HAVE_LIBSECRET

static const SecretSchema dvr_schema = {
  DC_KEYRING_SCHEMA_NAME, SECRET_SCHEMA_NONE,
  {
    { "url", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

/* Whether asking the session bus can work at all, without starting one:
 * GIO would otherwise "autolaunch" a private bus through dbus-launch (a
 * stray daemon, or a hang without X). */
static gboolean
session_bus_present (void)
{
  const char *addr = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autofree char *socket = NULL;

  if (addr != NULL && *addr != '\0')
    return !g_str_has_prefix (addr, "autolaunch:");
  socket = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  return g_file_test (socket, G_FILE_TEST_EXISTS);
}

static gboolean
bus_knows_name (GDBusConnection *bus, const char *method, const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (method, "NameHasOwner") == 0)
    {
      gboolean has = FALSE;
      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, 1000, NULL, &error);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &has);
      return has;
    }
  else
    {
      g_autofree const char **names = NULL;
      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "ListActivatableNames",
                                           NULL, G_VARIANT_TYPE ("(as)"),
                                           G_DBUS_CALL_FLAGS_NONE, 1000, NULL, &error);
      if (reply == NULL)
        return FALSE;
      g_variant_get (reply, "(^a&s)", &names);
      return names != NULL && g_strv_contains (names, name);
    }
}

static KeyringState
probe_service (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  if (!session_bus_present ())
    {
      g_debug ("no session bus: passwords stay in the config file");
      return STATE_UNAVAILABLE;
    }
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      g_debug ("session bus: %s", error->message);
      return STATE_UNAVAILABLE;
    }
  if (bus_knows_name (bus, "NameHasOwner", "org.freedesktop.secrets") ||
      bus_knows_name (bus, "ListActivatableNames", "org.freedesktop.secrets"))
    return STATE_AVAILABLE;
  g_debug ("no Secret Service on the session bus");
  return STATE_UNAVAILABLE;
}

/* The Secret Service's "default" alias, read over D-Bus directly: no
 * libsecret call here may open a prompt. */
static gboolean
default_collection_usable (GError **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) locked = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  guint timeout_ms;

  g_mutex_lock (&keyring_lock);
  timeout_ms = keyring_timeout_ms;
  g_mutex_unlock (&keyring_lock);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (bus != NULL)
    reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                         "org.freedesktop.Secret.Service", "ReadAlias",
                                         g_variant_new ("(s)", "default"), G_VARIANT_TYPE ("(o)"),
                                         G_DBUS_CALL_FLAGS_NONE, (int) timeout_ms, NULL, &local_error);
  if (reply == NULL)
    {
      g_debug ("keyring: ReadAlias: %s", local_error->message);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          /* as call_wait(): a service that does not answer is not asked again */
          g_mutex_lock (&keyring_lock);
          keyring_state = STATE_UNAVAILABLE;
          g_mutex_unlock (&keyring_lock);
        }
      g_set_error_literal (error, DC_KEYRING_ERROR,
                           g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
                           ? DC_KEYRING_ERROR_TIMEOUT : DC_KEYRING_ERROR_UNAVAILABLE,
                           _("The desktop keyring did not answer."));
      return FALSE;
    }
  g_variant_get (reply, "(o)", &path);
  if (g_strcmp0 (path, "/") == 0)
    {
      g_set_error_literal (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_NO_KEYRING,
                           _("The desktop keyring has no default keyring yet."));
      return FALSE;
    }
  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.freedesktop.Secret.Collection",
                                                      "Locked"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                       (int) timeout_ms, NULL, &local_error);
  if (reply != NULL)
    g_variant_get (reply, "(v)", &locked);
  if (locked == NULL || !g_variant_is_of_type (locked, G_VARIANT_TYPE_BOOLEAN))
    {
      g_debug ("keyring: Locked: %s", local_error ? local_error->message : "not a boolean");
      g_set_error_literal (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_UNAVAILABLE,
                           _("The desktop keyring did not answer."));
      return FALSE;
    }
  if (g_variant_get_boolean (locked))
    {
      g_set_error_literal (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_LOCKED,
                           _("The desktop keyring is locked."));
      return FALSE;
    }
  return TRUE;
}

#endif /* DC_HAVE_LIBSECRET */

gboolean
dc_keyring_is_available (void)
{
  gboolean ok;

  g_mutex_lock (&keyring_lock);
  if (turned_off ())
    ok = FALSE;
  else
    {
#ifdef DC_HAVE_LIBSECRET
      if (keyring_state == STATE_UNKNOWN)
        keyring_state = probe_service ();
      ok = keyring_state == STATE_AVAILABLE;
#else
      ok = FALSE;
#endif
    }
  g_mutex_unlock (&keyring_lock);
  return ok;
}

static gboolean
check_available (GError **error)
{
  if (dc_keyring_is_available ())
    return TRUE;
  g_set_error_literal (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_UNAVAILABLE,
                       _("No keyring (Secret Service) is available"));
  return FALSE;
}

gboolean
dc_keyring_can_store (GError **error)
{
  if (!dc_keyring_is_available ())
    {
      g_set_error_literal (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_UNAVAILABLE,
                           _("No desktop keyring is running."));
      return FALSE;
    }
#ifdef DC_HAVE_LIBSECRET
  return default_collection_usable (error);
#else
  return FALSE;
#endif
}

#ifdef DC_HAVE_LIBSECRET

/* One asynchronous libsecret call run to its end on a private main
 * context, bounded in time: libsecret's own sync calls wait as long as the
 * service does (a locked keyring waits for a prompt). */
typedef struct
{
  GAsyncResult *result;
  GCancellable *cancellable;
} Call;

static void
call_clear (gpointer data)
{
  Call *call = data;
  g_clear_object (&call->result);
  g_clear_object (&call->cancellable);
}

static void
call_unref (Call *call)
{
  g_rc_box_release_full (call, call_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_unref)

static Call *
call_new (void)
{
  Call *call = g_rc_box_new0 (Call);
  call->cancellable = g_cancellable_new ();
  return call;
}

static void
call_done (GObject *source G_GNUC_UNUSED, GAsyncResult *result, gpointer data)
{
  Call *call = data;
  g_set_object (&call->result, result);
  call_unref (call);   /* the reference the pending call held */
}

static gboolean
wake_up (gpointer data G_GNUC_UNUSED)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates @ctx until @call has its result.  FALSE (and the keyring is
 * not asked again by this process) when it took too long. */
static gboolean
call_wait (Call *call, GMainContext *ctx, GError **error)
{
  g_autoptr(GSource) ticker = g_timeout_source_new (50);
  gint64 deadline, give_up = 0;
  guint timeout_ms;

  g_mutex_lock (&keyring_lock);
  timeout_ms = keyring_timeout_ms;
  g_mutex_unlock (&keyring_lock);
  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_source_set_callback (ticker, wake_up, NULL, NULL);
  g_source_attach (ticker, ctx);
  while (call->result == NULL)
    {
      gint64 now = g_get_monotonic_time ();
      if (give_up == 0 && now >= deadline)
        {
          g_cancellable_cancel (call->cancellable);
          give_up = now + CANCEL_GRACE_US;
        }
      else if (give_up != 0 && now >= give_up)
        break;
      g_main_context_iteration (ctx, TRUE);
    }
  g_source_destroy (ticker);
  if (give_up != 0)
    {
      g_mutex_lock (&keyring_lock);
      keyring_state = STATE_UNAVAILABLE;
      g_mutex_unlock (&keyring_lock);
      g_set_error (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_TIMEOUT,
                   _("The keyring did not answer within %u ms (is it locked?)"), timeout_ms);
      return FALSE;
    }
  return TRUE;
}

static GHashTable *
dvr_attributes (const char *url, const char *user)
{
  GHashTable *attrs = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (attrs, (gpointer) "url", (gpointer) url);
  g_hash_table_insert (attrs, (gpointer) "user", (gpointer) user);
  return attrs;
}

static void
failed (GError **error, GError *cause, const char *what)
{
  g_set_error (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_FAILED, "%s: %s", what,
               cause ? cause->message : "?");
}

#endif /* DC_HAVE_LIBSECRET */

char *
dc_keyring_lookup_dvr_password (const char *url, const char *user, GError **error)
{
  g_return_val_if_fail (url != NULL && user != NULL, NULL);
  if (!check_available (error))
    return NULL;
#ifdef DC_HAVE_LIBSECRET
  {
    g_autoptr(GMainContext) ctx = g_main_context_new ();
    g_autoptr(GHashTable) attrs = dvr_attributes (url, user);
    g_autoptr(Call) call = call_new ();
    g_autoptr(GError) local_error = NULL;
    char *found, *copy;

    g_main_context_push_thread_default (ctx);
    secret_password_lookupv (&dvr_schema, attrs, call->cancellable, call_done,
                             g_rc_box_acquire (call));
    if (!call_wait (call, ctx, error))
      {
        g_main_context_pop_thread_default (ctx);
        return NULL;
      }
    g_main_context_pop_thread_default (ctx);
    found = secret_password_lookup_finish (call->result, &local_error);
    if (local_error != NULL)
      {
        failed (error, local_error, _("Reading a password from the keyring failed"));
        return NULL;
      }
    if (found == NULL)
      return NULL;
    /* Our copy is freed with dc_secret_free like every other password;
     * libsecret's own (non-pageable) copy is wiped by secret_password_free. */
    copy = g_strdup (found);
    secret_password_free (found);
    return copy;
  }
#else
  return NULL;
#endif
}

gboolean
dc_keyring_store_dvr_password (const char *url, const char *user, const char *dvr_name,
                               const char *password, GError **error)
{
  g_return_val_if_fail (url != NULL && user != NULL && password != NULL, FALSE);
  /* Storing into a locked or missing default collection makes the
   * Secret Service prompt ("Choose password for new keyring"). */
  if (!dc_keyring_can_store (error))
    return FALSE;
#ifdef DC_HAVE_LIBSECRET
  {
    g_autoptr(GMainContext) ctx = g_main_context_new ();
    g_autoptr(GHashTable) attrs = dvr_attributes (url, user);
    g_autoptr(Call) call = call_new ();
    g_autoptr(GError) local_error = NULL;
    /* Translators: label of the keyring item: recorder name, user, address */
    g_autofree char *label = g_strdup_printf (_("Dockclip recorder “%s” (%s at %s)"),
                                              dvr_name ? dvr_name : "", user, url);
    gboolean ok;

    g_main_context_push_thread_default (ctx);
    secret_password_storev (&dvr_schema, attrs, SECRET_COLLECTION_DEFAULT, label, password,
                            call->cancellable, call_done, g_rc_box_acquire (call));
    ok = call_wait (call, ctx, error);
    g_main_context_pop_thread_default (ctx);
    if (!ok)
      return FALSE;
    if (!secret_password_store_finish (call->result, &local_error))
      {
        failed (error, local_error, _("Storing a password in the keyring failed"));
        return FALSE;
      }
    return TRUE;
  }
#else
  (void) dvr_name;
  return FALSE;
#endif
}

gboolean
dc_keyring_clear_dvr_password (const char *url, const char *user, GError **error)
{
  g_return_val_if_fail (url != NULL && user != NULL, FALSE);
  if (!check_available (error))
    return FALSE;
#ifdef DC_HAVE_LIBSECRET
  {
    g_autoptr(GMainContext) ctx = g_main_context_new ();
    g_autoptr(GHashTable) attrs = dvr_attributes (url, user);
    g_autoptr(Call) call = call_new ();
    g_autoptr(GError) local_error = NULL;
    gboolean ok;

    g_main_context_push_thread_default (ctx);
    secret_password_clearv (&dvr_schema, attrs, call->cancellable, call_done,
                            g_rc_box_acquire (call));
    ok = call_wait (call, ctx, error);
    g_main_context_pop_thread_default (ctx);
    if (!ok)
      return FALSE;
    /* FALSE without an error: there was nothing to remove. */
    if (!secret_password_clear_finish (call->result, &local_error) && local_error != NULL)
      {
        failed (error, local_error, _("Removing a password from the keyring failed"));
        return FALSE;
      }
    return TRUE;
  }
#else
  return FALSE;
#endif
}

void
dc_secrets_protect_process (void)
{
#ifdef __linux__
  /* Not dumpable: no core file with the passwords in it, and other
   * processes of the same user cannot ptrace or read /proc/PID/mem. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_debug ("prctl(PR_SET_DUMPABLE) failed");
#endif
}

gboolean
dc_private_file_prepare (const char *path, GError **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  file = g_file_new_for_path (path);
  /* REPLACE_DESTINATION: a new file (new mode), not the old one truncated
   * with whatever mode it had. */
  out = g_file_replace (file, NULL, FALSE,
                        G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, NULL, error);
  if (out == NULL)
    return FALSE;
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}
