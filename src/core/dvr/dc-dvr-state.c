/* dc-dvr-state.c: what Dockclip learned about one recorder — the request
 * shape its firmware accepts, how it numbers channels — shared by every
 * session of that recorder in this process and kept across runs, so the
 * next run starts right instead of probing again.  One small key file per
 * recorder address (host and port) under
 * g_get_user_state_dir()/dockclip/recorders/, written atomically; none for
 * loopback addresses (simulators, whose ports change every run) unless a
 * folder was set on purpose.  The recorder's serial number is stored with
 * the facts: another device answering on the same address starts from
 * scratch. */
#define G_LOG_DOMAIN "dc-dvr"

#include "config.h"

#include <gio/gio.h>

#include "dvr/dc-dvr-private.h"
#include "util/dc-file-util.h"

G_LOCK_DEFINE_STATIC (state);
static char *state_dir;          /* NULL: the default */
static GHashTable *memory;       /* "host_port" -> GKeyFile*, for the process */

void
dc_dvr_set_state_dir (const char *dir)
{
  G_LOCK (state);
  g_free (state_dir);
  state_dir = g_strdup (dir);
  /* A new folder is a new world (tests). */
  g_clear_pointer (&memory, g_hash_table_unref);
  G_UNLOCK (state);
}

/* Called with the lock held.  @file gets the key file's path, NULL when
 * nothing is written for this address. */
static char *
state_key (DcDvrSession *self, char **file)
{
  g_autoptr(GUri) uri = g_uri_parse (self->cfg->url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  const char *host;
  gboolean loopback;
  int port;

  *file = NULL;
  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL || *host == '\0')
    return NULL;
  port = g_uri_get_port (uri);
  if (port < 0)
    port = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
  base = g_strdup_printf ("%s_%d", host, port);
  loopback = g_str_has_prefix (host, "127.") || g_strcmp0 (host, "::1") == 0 ||
             g_ascii_strcasecmp (host, "localhost") == 0;
  if (state_dir != NULL || !loopback)
    {
      g_autofree char *with_ext = g_strconcat (base, ".ini", NULL);
      name = dc_sanitize_file_name (with_ext);
      *file = state_dir != NULL ? g_build_filename (state_dir, name, NULL)
                                : g_build_filename (g_get_user_state_dir (), "dockclip", "recorders",
                                                    name, NULL);
    }
  return g_steal_pointer (&base);
}

static const char *
current_serial (DcDvrSession *self)
{
  return self->info != NULL && self->info->serial != NULL && *self->info->serial ? self->info->serial
                                                                                  : NULL;
}

/* Called with the lock held: the facts of this recorder, from memory or
 * its file; emptied when they belong to another device. */
static GKeyFile *
lookup (DcDvrSession *self, char **file_out)
{
  g_autofree char *file = NULL;
  g_autofree char *key = state_key (self, &file);
  g_autofree char *serial = NULL;
  const char *now = current_serial (self);
  GKeyFile *kf;

  *file_out = NULL;
  if (key == NULL)
    return NULL;
  if (memory == NULL)
    memory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_key_file_free);
  kf = g_hash_table_lookup (memory, key);
  if (kf == NULL)
    {
      kf = g_key_file_new ();
      if (file != NULL)
        (void) g_key_file_load_from_file (kf, file, G_KEY_FILE_NONE, NULL);
      g_hash_table_insert (memory, g_strdup (key), kf);
    }
  serial = g_key_file_get_string (kf, "recorder", "serial", NULL);
  if (serial != NULL && now != NULL && g_strcmp0 (serial, now) != 0)
    {
      kf = g_key_file_new ();
      g_hash_table_insert (memory, g_strdup (key), kf);
    }
  *file_out = g_steal_pointer (&file);
  return kf;
}

char *
dc_dvr_state_get (DcDvrSession *self, const char *key)
{
  g_autofree char *file = NULL;
  GKeyFile *kf;
  char *value = NULL;

  G_LOCK (state);
  kf = lookup (self, &file);
  if (kf != NULL)
    value = g_key_file_get_string (kf, self->driver->id, key, NULL);
  G_UNLOCK (state);
  return value;
}

void
dc_dvr_state_set (DcDvrSession *self, const char *key, const char *value)
{
  g_autofree char *file = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  GKeyFile *kf;
  gsize len;

  G_LOCK (state);
  kf = lookup (self, &file);
  if (kf == NULL)
    {
      G_UNLOCK (state);
      return;
    }
  if (current_serial (self) != NULL)
    g_key_file_set_string (kf, "recorder", "serial", current_serial (self));
  if (value != NULL)
    g_key_file_set_string (kf, self->driver->id, key, value);
  else
    g_key_file_remove_key (kf, self->driver->id, key, NULL);
  if (file != NULL)
    {
      data = g_key_file_to_data (kf, &len, NULL);
      dir = g_path_get_dirname (file);
      /* Not being able to remember only costs a probe next run. */
      if (!dc_ensure_private_dir (dir, &error) ||
          !dc_write_file_atomic (file, data, (gssize) len, 0600, &error))
        g_debug ("cannot keep what was learned about %s: %s", self->cfg->url, error->message);
    }
  G_UNLOCK (state);
}
