#define G_LOG_DOMAIN "dc-config"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "dvr/dc-config.h"
#include "util/dc-file-util.h"

G_DEFINE_QUARK (dc-config-error-quark, dc_config_error)

#define DVR_PREFIX "dvr "
#define DOCK_PREFIX "dock "

struct _DcConfig
{
  GPtrArray *dvrs;    /* DcDvrConfig* */
  GPtrArray *docks;   /* DcDockMap* */
  GKeyFile  *extra;   /* groups we do not own (other parts of the app), kept on save */
};

static void
dock_map_free (DcDockMap *map)
{
  if (map == NULL)
    return;
  g_free (map->dock);
  g_free (map->dvr);
  g_free (map);
}

DcConfig *
dc_config_new (void)
{
  DcConfig *self = g_new0 (DcConfig, 1);
  self->dvrs = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_config_free);
  self->docks = g_ptr_array_new_with_free_func ((GDestroyNotify) dock_map_free);
  self->extra = g_key_file_new ();
  return self;
}

void
dc_config_free (DcConfig *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->dvrs);
  g_ptr_array_unref (self->docks);
  g_key_file_unref (self->extra);
  g_free (self);
}

static gboolean
invalid (GError **error, const char *group, const char *key, const char *value,
         const char *expected)
{
  g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID,
               /* Translators: [group] key=value, then what is allowed */
               _("Configuration [%s] %s=%s is not valid: %s"), group, key,
               value ? value : "", expected);
  return FALSE;
}

static char *
get_string (GKeyFile *kf, const char *group, const char *key)
{
  char *v = g_key_file_get_string (kf, group, key, NULL);
  if (v)
    g_strstrip (v);
  return v;
}

static gboolean
parse_uint (const char *text, guint min, guint max, guint *out)
{
  guint64 v;
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
valid_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (url == NULL)
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  return (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0) &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
         g_uri_get_userinfo (uri) == NULL;
}

static DcDvrConfig *
load_dvr (GKeyFile *kf, const char *group, GError **error)
{
  g_autoptr(DcDvrConfig) dvr = g_new0 (DcDvrConfig, 1);
  g_autofree char *brand = get_string (kf, group, "brand");
  g_autofree char *max = get_string (kf, group, "max-downloads");
  g_autofree char *mode = get_string (kf, group, "time-mode");
  g_autofree char *by_time = get_string (kf, group, "download-by-time");

  dvr->name = g_strstrip (g_strdup (group + strlen (DVR_PREFIX)));
  if (*dvr->name == '\0')
    {
      g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID,
                   _("Configuration group [%s] needs a name after “dvr”, e.g. [dvr north]"), group);
      return NULL;
    }
  if (!dc_dvr_brand_from_string (brand, &dvr->brand))
    {
      invalid (error, group, "brand", brand, _("use hikvision or dahua"));
      return NULL;
    }
  dvr->url = get_string (kf, group, "url");
  if (!valid_url (dvr->url))
    {
      invalid (error, group, "url", dvr->url,
               _("use http://ADDRESS[:PORT] or https://ADDRESS[:PORT], without user or password"));
      return NULL;
    }
  dvr->user = get_string (kf, group, "user");
  if (dvr->user == NULL || *dvr->user == '\0')
    {
      invalid (error, group, "user", dvr->user, _("the recorder's user name is required"));
      return NULL;
    }
  /* Not stripped: a password may end with a space. */
  dvr->password = g_key_file_get_string (kf, group, "password", NULL);
  dvr->max_downloads = 1;
  if (max != NULL && !parse_uint (max, 1, 16, &dvr->max_downloads))
    {
      invalid (error, group, "max-downloads", max, _("use a whole number from 1 to 16"));
      return NULL;
    }
  dvr->time_mode = DC_DVR_TIME_AUTO;
  if (mode != NULL && !dc_dvr_time_mode_from_string (mode, &dvr->time_mode))
    {
      invalid (error, group, "time-mode", mode, _("use auto, local or utc"));
      return NULL;
    }
  dvr->download_by_time = -1;
  if (by_time != NULL)
    {
      if (g_ascii_strcasecmp (by_time, "auto") == 0)
        dvr->download_by_time = -1;
      else if (g_ascii_strcasecmp (by_time, "yes") == 0 || g_ascii_strcasecmp (by_time, "true") == 0)
        dvr->download_by_time = 1;
      else if (g_ascii_strcasecmp (by_time, "no") == 0 || g_ascii_strcasecmp (by_time, "false") == 0)
        dvr->download_by_time = 0;
      else
        {
          invalid (error, group, "download-by-time", by_time, _("use auto, yes or no"));
          return NULL;
        }
    }
  return g_steal_pointer (&dvr);
}

static DcDockMap *
load_dock (GKeyFile *kf, const char *group, GError **error)
{
  DcDockMap *map;
  g_autofree char *name = g_strstrip (g_strdup (group + strlen (DOCK_PREFIX)));
  g_autofree char *dvr = get_string (kf, group, "dvr");
  g_autofree char *channel = get_string (kf, group, "channel");
  guint ch;

  if (*name == '\0')
    {
      g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID,
                   _("Configuration group [%s] needs a dock name after “dock”, e.g. [dock A01]"), group);
      return NULL;
    }
  if (dvr == NULL || *dvr == '\0')
    {
      invalid (error, group, "dvr", dvr, _("name one of the [dvr NAME] groups"));
      return NULL;
    }
  if (!parse_uint (channel, 1, 4096, &ch))
    {
      invalid (error, group, "channel", channel, _("use the camera's channel number, 1 or more"));
      return NULL;
    }
  map = g_new0 (DcDockMap, 1);
  map->dock = g_steal_pointer (&name);
  map->dvr = g_steal_pointer (&dvr);
  map->channel = ch;
  return map;
}

static DcConfig *
load_key_file (GKeyFile *kf, GError **error)
{
  g_autoptr(DcConfig) self = dc_config_new ();
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i]; i++)
    {
      const char *group = groups[i];
      if (g_str_has_prefix (group, DVR_PREFIX))
        {
          DcDvrConfig *dvr = load_dvr (kf, group, error);
          if (dvr == NULL)
            return NULL;
          if (dc_config_get_dvr (self, dvr->name) != NULL)
            {
              g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID,
                           _("Configuration group [%s] appears twice"), group);
              dc_dvr_config_free (dvr);
              return NULL;
            }
          g_ptr_array_add (self->dvrs, dvr);
        }
      else if (g_str_has_prefix (group, DOCK_PREFIX))
        {
          DcDockMap *map = load_dock (kf, group, error);
          if (map == NULL)
            return NULL;
          g_ptr_array_add (self->docks, map);
        }
      else
        {
          g_auto(GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
          for (guint k = 0; keys && keys[k]; k++)
            {
              g_autofree char *v = g_key_file_get_value (kf, group, keys[k], NULL);
              g_key_file_set_value (self->extra, group, keys[k], v ? v : "");
            }
        }
    }

  for (guint i = 0; i < self->docks->len; i++)
    {
      DcDockMap *map = g_ptr_array_index (self->docks, i);
      if (dc_config_get_dvr (self, map->dvr) == NULL)
        {
          g_autofree char *group = g_strconcat (DOCK_PREFIX, map->dock, NULL);
          invalid (error, group, "dvr", map->dvr, _("no [dvr NAME] group has that name"));
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

static gboolean
has_password (DcConfig *self)
{
  for (guint i = 0; i < self->dvrs->len; i++)
    {
      DcDvrConfig *dvr = g_ptr_array_index (self->dvrs, i);
      if (dvr->password != NULL && *dvr->password != '\0')
        return TRUE;
    }
  return FALSE;
}

DcConfig *
dc_config_load_from_data (const char *data, gssize len, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data != NULL, NULL);
  if (!g_key_file_load_from_data (kf, data, len < 0 ? strlen (data) : (gsize) len,
                                  G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_PARSE,
                   _("The configuration is not a valid key file: %s"), local_error->message);
      return NULL;
    }
  return load_key_file (kf, error);
}

DcConfig *
dc_config_load (const char *path, GError **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(DcConfig) self = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  file = g_file_new_for_path (path);
  if (!g_file_load_contents (file, NULL, &contents, &len, NULL, &local_error))
    {
      g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_READ,
                   _("Cannot read the configuration file “%s”: %s"), path, local_error->message);
      return NULL;
    }
  self = dc_config_load_from_data (contents, (gssize) len, &local_error);
  /* The file may hold passwords: wipe our copy of it. */
  memset (contents, 0, len);
  g_free (contents);
  if (self == NULL)
    {
      g_set_error (error, DC_CONFIG_ERROR, local_error->code, "%s: %s", path, local_error->message);
      return NULL;
    }

  if (has_password (self))
    {
      info = g_file_query_info (file, G_FILE_ATTRIBUTE_UNIX_MODE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
      /* Systems without modes (Windows) rely on the profile folder's ACLs. */
      if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_UNIX_MODE))
        {
          guint32 mode = g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE);
          if ((mode & 077) != 0)
            {
              g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INSECURE,
                           _("The configuration file “%s” holds a password but other users can "
                             "read it. Run “chmod 600 %s”, or remove the password= line and keep "
                             "the password in the keyring."), path, path);
              return NULL;
            }
        }
    }
  return g_steal_pointer (&self);
}

gboolean
dc_config_save (DcConfig *self, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  char *data;
  gsize len;
  gboolean ok;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);
  for (guint i = 0; i < self->dvrs->len; i++)
    {
      DcDvrConfig *dvr = g_ptr_array_index (self->dvrs, i);
      g_autofree char *group = g_strconcat (DVR_PREFIX, dvr->name, NULL);
      g_key_file_set_string (kf, group, "brand", dc_dvr_brand_to_string (dvr->brand));
      g_key_file_set_string (kf, group, "url", dvr->url ? dvr->url : "");
      g_key_file_set_string (kf, group, "user", dvr->user ? dvr->user : "");
      if (dvr->password != NULL && *dvr->password != '\0')
        g_key_file_set_string (kf, group, "password", dvr->password);
      g_key_file_set_integer (kf, group, "max-downloads", (int) MAX (dvr->max_downloads, 1));
      g_key_file_set_string (kf, group, "time-mode", dc_dvr_time_mode_to_string (dvr->time_mode));
      g_key_file_set_string (kf, group, "download-by-time",
                             dvr->download_by_time < 0 ? "auto" : dvr->download_by_time ? "yes" : "no");
    }
  for (guint i = 0; i < self->docks->len; i++)
    {
      DcDockMap *map = g_ptr_array_index (self->docks, i);
      g_autofree char *group = g_strconcat (DOCK_PREFIX, map->dock, NULL);
      g_key_file_set_string (kf, group, "dvr", map->dvr);
      g_key_file_set_integer (kf, group, "channel", (int) map->channel);
    }
  groups = g_key_file_get_groups (self->extra, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (self->extra, groups[i], NULL, NULL);
      for (guint k = 0; keys && keys[k]; k++)
        {
          g_autofree char *v = g_key_file_get_value (self->extra, groups[i], keys[k], NULL);
          g_key_file_set_value (kf, groups[i], keys[k], v ? v : "");
        }
    }

  data = g_key_file_to_data (kf, &len, NULL);
  ok = dc_write_file_atomic (path, data, (gssize) len, 0600, error);
  memset (data, 0, len);
  g_free (data);
  return ok;
}

GPtrArray *
dc_config_get_dvrs (DcConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dvrs;
}

const DcDvrConfig *
dc_config_get_dvr (DcConfig *self, const char *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; name && i < self->dvrs->len; i++)
    {
      DcDvrConfig *dvr = g_ptr_array_index (self->dvrs, i);
      if (g_strcmp0 (dvr->name, name) == 0)
        return dvr;
    }
  return NULL;
}

GPtrArray *
dc_config_get_docks (DcConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->docks;
}

const DcDockMap *
dc_config_lookup_dock (DcConfig *self, const char *dock)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; dock && i < self->docks->len; i++)
    {
      DcDockMap *map = g_ptr_array_index (self->docks, i);
      if (g_strcmp0 (map->dock, dock) == 0)
        return map;
    }
  return NULL;
}

void
dc_config_set_dvr (DcConfig *self, const DcDvrConfig *dvr)
{
  g_return_if_fail (self != NULL && dvr != NULL && dvr->name != NULL);
  for (guint i = 0; i < self->dvrs->len; i++)
    {
      DcDvrConfig *old = g_ptr_array_index (self->dvrs, i);
      if (g_strcmp0 (old->name, dvr->name) == 0)
        {
          if (old == dvr)
            return;
          self->dvrs->pdata[i] = dc_dvr_config_copy (dvr);
          dc_dvr_config_free (old);
          return;
        }
    }
  g_ptr_array_add (self->dvrs, dc_dvr_config_copy (dvr));
}

gboolean
dc_config_remove_dvr (DcConfig *self, const char *name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  for (guint i = 0; name && i < self->dvrs->len; i++)
    if (g_strcmp0 (((DcDvrConfig *) g_ptr_array_index (self->dvrs, i))->name, name) == 0)
      {
        g_ptr_array_remove_index (self->dvrs, i);
        return TRUE;
      }
  return FALSE;
}

void
dc_config_set_dock (DcConfig *self, const char *dock, const char *dvr, guint channel)
{
  DcDockMap *map;

  g_return_if_fail (self != NULL && dock != NULL && dvr != NULL);
  for (guint i = 0; i < self->docks->len; i++)
    {
      map = g_ptr_array_index (self->docks, i);
      if (g_strcmp0 (map->dock, dock) == 0)
        {
          char *copy = g_strdup (dvr);
          g_free (map->dvr);
          map->dvr = copy;
          map->channel = channel;
          return;
        }
    }
  map = g_new0 (DcDockMap, 1);
  map->dock = g_strdup (dock);
  map->dvr = g_strdup (dvr);
  map->channel = channel;
  g_ptr_array_add (self->docks, map);
}

gboolean
dc_config_remove_dock (DcConfig *self, const char *dock)
{
  g_return_val_if_fail (self != NULL, FALSE);
  for (guint i = 0; dock && i < self->docks->len; i++)
    if (g_strcmp0 (((DcDockMap *) g_ptr_array_index (self->docks, i))->dock, dock) == 0)
      {
        g_ptr_array_remove_index (self->docks, i);
        return TRUE;
      }
  return FALSE;
}
