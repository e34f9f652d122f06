/* Saving a recorder never makes the desktop keyring prompt.  Run by
 * tests/security/with-dbus.sh on a private bus with an unlocked
 * gnome-keyring in a throwaway HOME:
 *  - unlocked default keyring: dc_keyring_can_store() says yes;
 *  - locked (as after a screen lock, or a keyring not unlocked at login):
 *    "locked", at once, and the config keeps the password in its 0600
 *    file — storing would have made gnome-keyring ask to unlock it;
 *  - no default keyring (a desktop that never made one): "no default
 *    keyring", at once — storing would have asked "Choose password for
 *    new keyring".
 * No prompter runs on the test bus: a prompt would hang until the
 * keyring timeout, which the timings below would show. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "dvr/dc-config.h"
#include "util/dc-file-util.h"
#include "util/dc-keyring.h"

static GDBusConnection *
bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *conn = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  return conn;
}

static char *
default_collection (void)
{
  g_autoptr(GDBusConnection) conn = bus ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  reply = g_dbus_connection_call_sync (conn, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "ReadAlias",
                                       g_variant_new ("(s)", "default"), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

static void
service_call (const char *method, GVariant *args)
{
  g_autoptr(GDBusConnection) conn = bus ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (conn, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", method, args, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

/* Saves a config with a password; the time it took in ms. */
static gint64
save_with_password (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) cfg = dc_config_new ();
  DcDvrConfig dvr = { 0 };
  gint64 t0;

  dvr.name = (char *) "north";
  dvr.brand = DC_DVR_BRAND_HIKVISION;
  dvr.url = (char *) "http://127.0.0.1:8080";
  dvr.user = (char *) "admin";
  dvr.password = (char *) "Zq9 north";
  dvr.max_downloads = 1;
  dvr.download_by_time = -1;
  dc_config_set_dvr (cfg, &dvr);
  t0 = g_get_monotonic_time ();
  g_assert_true (dc_config_save (cfg, path, &error));
  g_assert_no_error (error);
  return (g_get_monotonic_time () - t0) / 1000;
}

static void
assert_in_file (const char *path)
{
  g_autofree char *text = NULL;
  GStatBuf st;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "password=Zq9 north"));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_no_prompt (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "dockclip.conf", NULL);
  g_autofree char *login = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const char *objects[2] = { NULL, NULL };
  gint64 t0, ms;

  /* Unlocked: the keyring takes it, the file does not. */
  g_assert_true (dc_keyring_can_store (&error));
  g_assert_no_error (error);
  save_with_password (path);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_null (strstr (text, "password"));

  /* Locked: said at once, and the password goes to the file. */
  login = default_collection ();
  g_assert_cmpstr (login, !=, "/");
  objects[0] = login;
  service_call ("Lock", g_variant_new ("(^ao)", objects));
  t0 = g_get_monotonic_time ();
  g_assert_false (dc_keyring_can_store (&error));
  ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_error (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_LOCKED);
  g_assert_cmpstr (error->message, ==, "The desktop keyring is locked.");
  g_assert_cmpint (ms, <, 1000);
  g_clear_error (&error);
  ms = save_with_password (path);
  g_test_message ("save with a locked keyring: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);   /* a prompt would wait for the 5 s timeout */
  assert_in_file (path);

  /* No default keyring at all: the same, with its own reason. */
  service_call ("SetAlias", g_variant_new ("(so)", "default", "/"));
  g_assert_false (dc_keyring_can_store (&error));
  g_assert_error (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_NO_KEYRING);
  g_clear_error (&error);
  g_remove (path);
  ms = save_with_password (path);
  g_assert_cmpint (ms, <, 1000);
  assert_in_file (path);
  /* and the keyring is still there, to be asked again once it has one */
  g_assert_true (dc_keyring_is_available ());
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_strcmp0 (g_getenv ("DC_TEST_DBUS_MODE"), "keyring") != 0)
    {
      g_printerr ("run me through tests/security/with-dbus.sh keyring\n");
      return 1;
    }
  g_test_add_func ("/keyring/no-prompt", test_no_prompt);
  return g_test_run ();
}
