/* DVR passwords in the desktop keyring.  Run by with-dbus.sh on a private
 * session bus in a throwaway HOME:
 *   DC_TEST_DBUS_MODE=keyring  an unlocked gnome-keyring: store, lookup,
 *                              clear; the config file then holds no password
 *   DC_TEST_DBUS_MODE=bare     a "Secret Service" that never answers: every
 *                              call gives up within the timeout, the config
 *                              loads anyway and the file keeps the password */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "dvr/dc-config.h"
#include "util/dc-file-util.h"
#include "util/dc-keyring.h"

static const char *config_text =
  "[dvr north]\n"
  "brand=hikvision\n"
  "url=http://127.0.0.1:8080\n"
  "user=admin\n"
  "\n"
  "[dvr south]\n"
  "brand=dahua\n"
  "url=http://127.0.0.1:8081\n"
  "user=ops\n"
  "password=from-file\n";

static guint32
file_mode (const char *path)
{
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static char *
read_text (const char *path)
{
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
test_store_lookup_clear (void)
{
  g_autoptr(GError) error = NULL;
  char *pw;

  g_assert_true (dc_keyring_is_available ());
  pw = dc_keyring_lookup_dvr_password ("http://10.1.1.1", "admin", &error);
  g_assert_no_error (error);
  g_assert_null (pw);

  g_assert_true (dc_keyring_store_dvr_password ("http://10.1.1.1", "admin", "north", " a\\b\n ", &error));
  g_assert_no_error (error);
  pw = dc_keyring_lookup_dvr_password ("http://10.1.1.1", "admin", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pw, ==, " a\\b\n ");
  dc_secret_free (pw);
  /* url and user both select the item. */
  pw = dc_keyring_lookup_dvr_password ("http://10.1.1.1", "ops", &error);
  g_assert_no_error (error);
  g_assert_null (pw);
  pw = dc_keyring_lookup_dvr_password ("http://10.1.1.2", "admin", &error);
  g_assert_null (pw);

  g_assert_true (dc_keyring_clear_dvr_password ("http://10.1.1.1", "admin", &error));
  g_assert_no_error (error);
  pw = dc_keyring_lookup_dvr_password ("http://10.1.1.1", "admin", &error);
  g_assert_no_error (error);
  g_assert_null (pw);
  /* Clearing what is not there is fine. */
  g_assert_true (dc_keyring_clear_dvr_password ("http://10.1.1.1", "admin", &error));
}

static void
test_config_uses_keyring (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = NULL;
  g_autoptr(DcConfig) again = NULL;
  g_autoptr(DcConfig) third = NULL;
  g_autofree char *text = NULL;
  DcDvrConfig *north;
  char *pw;

  cfg = dc_config_load_from_data (config_text, -1, &error);
  g_assert_no_error (error);
  north = dc_dvr_config_copy (dc_config_get_dvr (cfg, "north"));
  north->password = g_strdup ("Zq9 north");
  dc_config_set_dvr (cfg, north);
  dc_dvr_config_free (north);

  /* Saved: both passwords go to the keyring, none to the file. */
  g_assert_true (dc_config_save (cfg, path, &error));
  g_assert_no_error (error);
  text = read_text (path);
  g_assert_null (strstr (text, "password"));
  g_assert_null (strstr (text, "Zq9"));
  g_assert_null (strstr (text, "from-file"));
  g_assert_cmpuint (file_mode (path), ==, 0600);
  pw = dc_keyring_lookup_dvr_password ("http://127.0.0.1:8080", "admin", &error);
  g_assert_cmpstr (pw, ==, "Zq9 north");
  dc_secret_free (pw);

  /* Loaded: filled from the keyring; a readable file is fine now that it
   * holds no password. */
  g_chmod (path, 0644);
  again = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dc_config_get_dvr (again, "north")->password, ==, "Zq9 north");
  g_assert_cmpstr (dc_config_get_dvr (again, "south")->password, ==, "from-file");

  /* A password in the file wins over the keyring's. */
  g_assert_true (g_file_set_contents_full (path, config_text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
  g_chmod (path, 0600);
  {
    g_autoptr(GString) s = g_string_new (config_text);
    g_string_replace (s, "user=admin\n", "user=admin\npassword=file-north\n", 1);
    g_assert_true (g_file_set_contents_full (path, s->str, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                             0600, &error));
  }
  third = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dc_config_get_dvr (third, "north")->password, ==, "file-north");

  /* And the readable-file check still stands for a password in the file. */
  g_chmod (path, 0640);
  g_assert_null (dc_config_load (path, &error));
  g_assert_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INSECURE);
  g_assert_nonnull (strstr (error->message, "chmod 600"));
  g_assert_null (strstr (error->message, "file-north"));

  dc_keyring_clear_dvr_password ("http://127.0.0.1:8080", "admin", NULL);
  dc_keyring_clear_dvr_password ("http://127.0.0.1:8081", "ops", NULL);
  dc_test_rmdir (dir);
}

/* ------------------------------------------------------------------ */
/* A Secret Service that takes every call and never answers.            */

static GDBusConnection *silent;

static GDBusMessage *
swallow (GDBusConnection *conn G_GNUC_UNUSED, GDBusMessage *message, gboolean incoming,
         gpointer data G_GNUC_UNUSED)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_object_unref (message);
      return NULL;
    }
  return message;
}

static void
start_silent_service (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) reply = NULL;
  guint32 result = 0;

  g_assert_no_error (error);
  silent = g_dbus_connection_new_for_address_sync (address,
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (silent, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.secrets", 4u),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);   /* primary owner */
  /* Only now: the RequestName answer had to get through. */
  g_dbus_connection_add_filter (silent, swallow, NULL, NULL);
}

static void
test_silent_service (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = NULL;
  g_autoptr(DcConfig) again = NULL;
  g_autofree char *text = NULL;
  DcDvrConfig *north;
  gint64 t0, ms;
  char *pw;

  start_silent_service ();
  dc_keyring_set_timeout (400);
  g_assert_true (dc_keyring_is_available ());   /* the name is owned */

  t0 = g_get_monotonic_time ();
  pw = dc_keyring_lookup_dvr_password ("http://127.0.0.1:8080", "admin", &error);
  ms = (g_get_monotonic_time () - t0) / 1000;
  g_test_message ("lookup gave up after %" G_GINT64_FORMAT " ms", ms);
  g_assert_null (pw);
  g_assert_error (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_TIMEOUT);
  g_assert_cmpint (ms, >=, 350);
  g_assert_cmpint (ms, <, 2500);   /* timeout + the cancel grace */
  g_clear_error (&error);
  /* Not asked again by this process: the next calls are immediate. */
  g_assert_false (dc_keyring_is_available ());

  t0 = g_get_monotonic_time ();
  cfg = dc_config_load_from_data (config_text, -1, &error);
  g_assert_no_error (error);
  north = dc_dvr_config_copy (dc_config_get_dvr (cfg, "north"));
  north->password = g_strdup ("Zq9 north");
  dc_config_set_dvr (cfg, north);
  dc_dvr_config_free (north);
  g_assert_true (dc_config_save (cfg, path, &error));
  g_assert_no_error (error);
  again = dc_config_load (path, &error);
  g_assert_no_error (error);
  ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_cmpint (ms, <, 300);
  /* The fallback: the passwords are in the file, which is 0600. */
  text = read_text (path);
  g_assert_nonnull (strstr (text, "password=Zq9 north"));
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_cmpstr (dc_config_get_dvr (again, "north")->password, ==, "Zq9 north");
  g_assert_cmpstr (dc_config_get_dvr (again, "south")->password, ==, "from-file");
  g_clear_object (&silent);
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  const char *mode = g_getenv ("DC_TEST_DBUS_MODE");

  g_test_init (&argc, &argv, NULL);
  if (g_strcmp0 (mode, "keyring") == 0)
    {
      g_test_add_func ("/security/keyring/store-lookup-clear", test_store_lookup_clear);
      g_test_add_func ("/security/keyring/config", test_config_uses_keyring);
    }
  else if (g_strcmp0 (mode, "bare") == 0)
    g_test_add_func ("/security/keyring/silent-service", test_silent_service);
  else
    {
      g_printerr ("run through tests/security/with-dbus.sh\n");
      return 77;
    }
  return g_test_run ();
}
