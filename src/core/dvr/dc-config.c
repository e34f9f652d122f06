#define G_LOG_DOMAIN "dc-config"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "dvr/dc-config.h"
#include "util/dc-file-util.h"
#include "util/dc-keyring.h"

G_DEFINE_QUARK (dc-config-error-quark, dc_config_error)

#define DVR_PREFIX "dvr "
#define DOCK_PREFIX "dock "

struct _DcConfig
{
  GPtrArray *dvrs;    /* DcDvrConfig* */
  GPtrArray *docks;   /* DcDockMap* */
  GKeyFile  *extra;   /* groups we do not own (other parts of the app), kept on save */
};

/* memset that the compiler may not drop because the memory is freed next. */
static void
explicit_wipe (void *mem, gsize len)
{
  volatile char *p = mem;
  while (len-- > 0)
    *p++ = 0;
}

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

/* Passwords never reach GKeyFile: it frees its strings without wiping
 * them.  password= lines of [dvr ...] groups are read here (with the key
 * file's escapes) and blanked to a comment before GKeyFile sees the text;
 * on save they are written back here the same way. */

/* GKeyFile's string unescaping: \s \n \t \r \\.  NULL for anything else
 * (an unknown escape, a lone backslash, not UTF-8). */
static char *
unescape_secret (const char *value, gsize len)
{
  char *out = g_malloc (len + 1);
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = value[i];
      if (c == '\\')
        {
          if (++i >= len)
            goto bad;
          switch (value[i])
            {
            case 's': c = ' '; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case '\\': c = '\\'; break;
            default: goto bad;
            }
        }
      out[o++] = c;
    }
  out[o] = '\0';
  if (g_utf8_validate (out, (gssize) o, NULL) && strlen (out) == o)
    return out;
bad:
  explicit_wipe (out, len + 1);
  g_free (out);
  return NULL;
}

/* The inverse, as GKeyFile writes strings: leading blanks as \s / \t so
 * they survive the parser's stripping; newlines, returns and backslashes
 * always escaped. */
static void
append_escaped_secret (GString *out, const char *secret)
{
  gboolean leading = TRUE;

  for (const char *p = secret; *p; p++)
    {
      if (leading && *p == ' ')
        g_string_append (out, "\\s");
      else if (leading && *p == '\t')
        g_string_append (out, "\\t");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else if (*p == '\\')
        g_string_append (out, "\\\\");
      else
        g_string_append_c (out, *p);
      if (*p != ' ' && *p != '\t')
        leading = FALSE;
    }
}

/* Copies @data with every password= line of a [dvr ...] group turned into
 * a blank comment of the same length; fills @passwords (group -> secret,
 * the last line wins like GKeyFile's).  FALSE with @error for a password
 * that is not a valid key file string (the message never shows it). */
static char *
take_passwords (const char *data, gsize len, GHashTable *passwords, GError **error)
{
  char *copy = g_malloc (len + 1);
  g_autofree char *group = NULL;
  gsize pos = 0;

  memcpy (copy, data, len);
  copy[len] = '\0';
  while (pos < len)
    {
      char *line = copy + pos;
      char *nl = memchr (line, '\n', len - pos);
      gsize line_len = nl ? (gsize) (nl - line) : len - pos;
      gsize end = line_len;
      gsize i = 0;

      pos += line_len + (nl ? 1 : 0);
      /* GKeyFile treats the line as a C string and drops one \r before \n. */
      {
        char *nul = memchr (line, '\0', line_len);
        if (nul != NULL)
          end = (gsize) (nul - line);
        else if (nl != NULL && end > 0 && line[end - 1] == '\r')
          end--;
      }
      while (i < end && g_ascii_isspace (line[i]))
        i++;
      if (i >= end || line[i] == '#')
        continue;
      if (line[i] == '[')
        {
          gsize close = end;
          while (close > i && line[close - 1] != ']')
            close--;
          g_clear_pointer (&group, g_free);
          if (close > i + 1)
            group = g_strndup (line + i + 1, close - 1 - (i + 1));
          continue;
        }
      if (group == NULL || !g_str_has_prefix (group, DVR_PREFIX))
        continue;
      {
        char *eq = memchr (line + i, '=', end - i);
        gsize key_end, v;
        char *secret;

        if (eq == NULL)
          continue;
        key_end = (gsize) (eq - line);
        while (key_end > i && g_ascii_isspace (line[key_end - 1]))
          key_end--;
        if (key_end - i != strlen ("password") || memcmp (line + i, "password", key_end - i) != 0)
          continue;
        v = (gsize) (eq - line) + 1;
        while (v < end && g_ascii_isspace (line[v]))
          v++;
        secret = unescape_secret (line + v, end - v);
        /* Blank the line in our copy whatever happens next. */
        line[0] = '#';
        explicit_wipe (line + 1, line_len > 0 ? line_len - 1 : 0);
        memset (line + 1, ' ', line_len > 0 ? line_len - 1 : 0);
        if (secret == NULL)
          {
            g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_INVALID,
                         _("Configuration [%s] password= is not valid: write a space at its "
                           "start as \\s and a backslash as \\\\"), group);
            explicit_wipe (copy, len);
            g_free (copy);
            return NULL;
          }
        g_hash_table_insert (passwords, g_strdup (group), secret);
      }
    }
  return copy;
}

static GHashTable *
password_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) dc_secret_free);
}

static DcDvrConfig *
load_dvr (GKeyFile *kf, const char *group, GHashTable *passwords, GError **error)
{
  g_autoptr(DcDvrConfig) dvr = g_new0 (DcDvrConfig, 1);
  g_autofree char *brand = get_string (kf, group, "brand");
  g_autofree char *max = get_string (kf, group, "max-downloads");
  g_autofree char *mode = get_string (kf, group, "time-mode");
  g_autofree char *by_time = get_string (kf, group, "download-by-time");
  g_autofree char *pin = get_string (kf, group, "tls-pin");

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
  /* Read by take_passwords(); not stripped: a password may end with a space. */
  {
    gpointer key = NULL, secret = NULL;
    if (g_hash_table_steal_extended (passwords, group, &key, &secret))
      {
        g_free (key);
        dvr->password = secret;
      }
  }
  if (pin != NULL && *pin != '\0')
    {
      if (!dc_dvr_tls_pin_is_valid (pin))
        {
          invalid (error, group, "tls-pin", pin,
                   _("use the sha256//… fingerprint Dockclip showed when the recorder was added"));
          return NULL;
        }
      if (g_ascii_strncasecmp (dvr->url, "https:", 6) != 0)
        {
          invalid (error, group, "tls-pin", pin, _("a certificate pin needs an https:// url"));
          return NULL;
        }
      dvr->tls_pin = g_steal_pointer (&pin);
    }
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
load_key_file (GKeyFile *kf, GHashTable *passwords, GError **error)
{
  g_autoptr(DcConfig) self = dc_config_new ();
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i]; i++)
    {
      const char *group = groups[i];
      if (g_str_has_prefix (group, DVR_PREFIX))
        {
          DcDvrConfig *dvr = load_dvr (kf, group, passwords, error);
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
  g_autoptr(GHashTable) passwords = password_table_new ();
  g_autofree char *text = NULL;
  gsize n;

  g_return_val_if_fail (data != NULL, NULL);
  n = len < 0 ? strlen (data) : (gsize) len;
  text = take_passwords (data, n, passwords, error);
  if (text == NULL)
    return NULL;
  if (!g_key_file_load_from_data (kf, text, n, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, DC_CONFIG_ERROR, DC_CONFIG_ERROR_PARSE,
                   _("The configuration is not a valid key file: %s"), local_error->message);
      return NULL;
    }
  return load_key_file (kf, passwords, error);
}

/* Passwords the file does not have, from the keyring, where one runs.
 * Silent when it does not: the recorder's 401 then says what is wrong. */
static void
fill_from_keyring (DcConfig *self)
{
  if (!dc_keyring_is_available ())
    return;
  for (guint i = 0; i < self->dvrs->len; i++)
    {
      DcDvrConfig *dvr = g_ptr_array_index (self->dvrs, i);
      g_autoptr(GError) error = NULL;

      if (dvr->password != NULL && *dvr->password != '\0')
        continue;
      dc_secret_free (dvr->password);
      dvr->password = dc_keyring_lookup_dvr_password (dvr->url, dvr->user, &error);
      if (error != NULL)
        {
          g_debug ("keyring: %s", error->message);
          if (!g_error_matches (error, DC_KEYRING_ERROR, DC_KEYRING_ERROR_FAILED))
            return;   /* unavailable or timed out: do not wait for every DVR */
        }
    }
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
  explicit_wipe (contents, len);
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
  /* After the mode check: a password from the keyring is not in the file. */
  fill_from_keyring (self);
  return g_steal_pointer (&self);
}

/* The file's text with each placeholder replaced by its escaped password. */
static char *
put_passwords (const char *data, gsize len, GPtrArray *tokens, GPtrArray *secrets, gsize *out_len)
{
  /* Sized up front so that no reallocation leaves a copy behind. */
  gsize cap = len + 1;
  GString *out;
  const char *p = data, *end = data + len;

  for (guint i = 0; i < secrets->len; i++)
    cap += 2 * strlen (g_ptr_array_index (secrets, i));
  out = g_string_sized_new (cap);
  while (p < end)
    {
      const char *best = NULL;
      guint which = 0;
      for (guint i = 0; i < tokens->len; i++)
        {
          const char *hit = strstr (p, g_ptr_array_index (tokens, i));
          if (hit != NULL && (best == NULL || hit < best))
            {
              best = hit;
              which = i;
            }
        }
      if (best == NULL)
        {
          g_string_append_len (out, p, end - p);
          break;
        }
      g_string_append_len (out, p, best - p);
      append_escaped_secret (out, g_ptr_array_index (secrets, which));
      p = best + strlen (g_ptr_array_index (tokens, which));
    }
  *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* Moves the password of @dvr to the keyring.  FALSE when it has to stay in
 * the file (no keyring, locked, timed out). */
static gboolean
store_in_keyring (const DcDvrConfig *dvr)
{
  g_autoptr(GError) error = NULL;

  if (!dc_keyring_is_available ())
    return FALSE;
  if (!dc_keyring_store_dvr_password (dvr->url, dvr->user, dvr->name, dvr->password, &error))
    {
      g_debug ("keyring: %s; the password stays in the 0600 config file", error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
dc_config_save (DcConfig *self, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) secrets = g_ptr_array_new ();   /* borrowed */
  guint32 nonce = g_random_int ();
  char *data, *text;
  gsize len, text_len;
  gboolean ok;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);
  for (guint i = 0; i < self->dvrs->len; i++)
    {
      DcDvrConfig *dvr = g_ptr_array_index (self->dvrs, i);
      g_autofree char *group = g_strconcat (DVR_PREFIX, dvr->name, NULL);
      g_key_file_set_string (kf, group, "brand", dc_dvr_brand_to_string (dvr->brand));
      g_key_file_set_string (kf, group, "url", dvr->url ? dvr->url : "");
      g_key_file_set_string (kf, group, "user", dvr->user ? dvr->user : "");
      if (dvr->password != NULL && *dvr->password != '\0' && !store_in_keyring (dvr))
        {
          /* A placeholder: GKeyFile never holds the password itself. */
          char *token = g_strdup_printf ("@@dockclip-password-%08x-%u@@", nonce, i);
          g_key_file_set_string (kf, group, "password", token);
          g_ptr_array_add (tokens, token);
          g_ptr_array_add (secrets, dvr->password);
        }
      g_key_file_set_integer (kf, group, "max-downloads", (int) MAX (dvr->max_downloads, 1));
      g_key_file_set_string (kf, group, "time-mode", dc_dvr_time_mode_to_string (dvr->time_mode));
      g_key_file_set_string (kf, group, "download-by-time",
                             dvr->download_by_time < 0 ? "auto" : dvr->download_by_time ? "yes" : "no");
      if (dvr->tls_pin != NULL && *dvr->tls_pin != '\0')
        g_key_file_set_string (kf, group, "tls-pin", dvr->tls_pin);
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
  text = put_passwords (data, len, tokens, secrets, &text_len);
  g_free (data);
  /* DC_FILE_MODE: only the operator's account may read it (the load
   * refuses a password in a file others can read). */
  ok = dc_write_file_atomic (path, text, (gssize) text_len, DC_FILE_MODE, error);
  explicit_wipe (text, text_len);
  g_free (text);
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
