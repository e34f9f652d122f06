/* dc-update.c: the update-manifest check. */
#define G_LOG_DOMAIN "dc-update"

#include "config.h"

#include <curl/curl.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "update/dc-update.h"

G_DEFINE_QUARK (dc-update-error-quark, dc_update_error)

void
dc_update_info_free (DcUpdateInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->version);
  g_free (info->url);
  g_free (info->notes);
  g_free (info);
}

static gboolean
version_is_valid (const char *v)
{
  g_auto(GStrv) parts = NULL;
  guint n;

  if (v == NULL || *v == '\0' || strlen (v) > 32)
    return FALSE;
  parts = g_strsplit (v, ".", -1);
  n = g_strv_length (parts);
  if (n < 1 || n > 4)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      if (parts[i][0] == '\0' || strlen (parts[i]) > 6)
        return FALSE;
      for (const char *p = parts[i]; *p; p++)
        if (!g_ascii_isdigit (*p))
          return FALSE;
    }
  return TRUE;
}

int
dc_update_compare_versions (const char *a, const char *b)
{
  const char *pa = a ? a : "";
  const char *pb = b ? b : "";

  while (*pa || *pb)
    {
      guint64 na = g_ascii_strtoull (pa, (char **) &pa, 10);
      guint64 nb = g_ascii_strtoull (pb, (char **) &pb, 10);

      if (na != nb)
        return na < nb ? -1 : 1;
      /* skip to the next component (anything after the number, e.g. "-rc1",
       * is ignored: the manifest only carries plain numbers) */
      while (*pa && *pa != '.')
        pa++;
      while (*pb && *pb != '.')
        pb++;
      if (*pa == '.')
        pa++;
      if (*pb == '.')
        pb++;
    }
  return 0;
}

static gboolean
host_is_loopback (const char *host)
{
  return host != NULL &&
         (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1") ||
          g_str_equal (host, "[::1]") || g_ascii_strcasecmp (host, "localhost") == 0);
}

gboolean
dc_update_url_is_allowed (const char *url, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (url == NULL || *url == '\0')
    {
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_URL,
                           _("No update address is set."));
      return FALSE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_URL,
                   _("The update address “%s” is not a web address."), url);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0 && host_is_loopback (g_uri_get_host (uri)))
    return TRUE;
  g_set_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_URL,
               _("The update address “%s” must start with https://."), url);
  return FALSE;
}

/* A web address to show and open: http(s), a host, nothing that could
 * hide in a label (no control characters, no spaces). */
static gboolean
link_is_valid (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (url == NULL || strlen (url) >= 2048)
    return FALSE;
  for (const char *p = url; *p; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f)
      return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  return g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "http") == 0;
}

static DcUpdateInfo *
parse_json (const char *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *obj;
  g_autoptr(DcUpdateInfo) info = g_new0 (DcUpdateInfo, 1);
  const char *keys[] = { "version", "url", "notes" };
  char **slots[] = { &info->version, &info->url, &info->notes };

  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE,
                           _("The update manifest is not a JSON object."));
      return NULL;
    }
  obj = json_node_get_object (root);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      JsonNode *node = json_object_get_member (obj, keys[i]);

      if (node == NULL)
        continue;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE,
                       _("The update manifest’s “%s” is not a text."), keys[i]);
          return NULL;
        }
      *slots[i] = g_strdup (json_node_get_string (node));
    }
  return g_steal_pointer (&info);
}

static DcUpdateInfo *
parse_keyfile (const char *data, gsize len, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(DcUpdateInfo) info = g_new0 (DcUpdateInfo, 1);

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, error))
    return NULL;
  info->version = g_key_file_get_string (kf, "update", "version", NULL);
  info->url = g_key_file_get_string (kf, "update", "url", NULL);
  info->notes = g_key_file_get_string (kf, "update", "notes", NULL);
  return g_steal_pointer (&info);
}

DcUpdateInfo *
dc_update_parse_manifest (const char *data, gsize len, GError **error)
{
  g_autoptr(DcUpdateInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize i = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > DC_UPDATE_MAX_MANIFEST)
    {
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_TOO_BIG,
                           _("The update manifest is too large."));
      return NULL;
    }
  if (!g_utf8_validate (data, len, NULL) || memchr (data, '\0', len) != NULL)
    {
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE,
                           _("The update manifest is not text."));
      return NULL;
    }
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i < len && data[i] == '{')
    info = parse_json (data, len, &local_error);
  else
    info = parse_keyfile (data, len, &local_error);

  if (info == NULL)
    {
      g_set_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE,
                   _("The update manifest cannot be read: %s"), local_error->message);
      return NULL;
    }
  if (!version_is_valid (info->version))
    {
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE,
                           _("The update manifest has no valid version."));
      return NULL;
    }
  if (!link_is_valid (info->url))
    {
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_PARSE,
                           _("The update manifest has no valid download page."));
      return NULL;
    }
  if (info->notes == NULL)
    info->notes = g_strdup ("");
  /* Shown, but said to be unprotected: anyone on the way can change a
   * plain http page (or what it downloads). */
  info->link_insecure = g_ascii_strncasecmp (info->url, "https://", 8) != 0;
  return g_steal_pointer (&info);
}

typedef struct
{
  GByteArray *body;
  gboolean    too_big;
  char       *location;   /* of a 3xx answer, never followed */
} FetchState;

static size_t
header_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  FetchState *st = user_data;
  size_t n = size * nmemb;

  if (n > 9 && g_ascii_strncasecmp (data, "Location:", 9) == 0 && st->location == NULL)
    {
      g_autofree char *value = g_strstrip (g_strndup (data + 9, MIN (n - 9, 300)));
      gboolean clean = TRUE;

      for (const char *p = value; *p; p++)
        clean = clean && (guchar) *p >= 0x20 && *p != 0x7f;
      st->location = clean ? g_steal_pointer (&value) : g_strdup ("?");
    }
  return n;
}

/* libcurl's result in the operator's words. */
static void
set_network_error (CURLcode rc, guint timeout_ms, GError **error)
{
  g_autofree char *seconds = g_strdup_printf ("%.1f", timeout_ms / 1000.0);

  switch (rc)
    {
    case CURLE_OPERATION_TIMEDOUT:
      g_set_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK,
                   _("The update server did not send its manifest within %s s; Dockclip checks "
                     "again at its next start."), seconds);
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK,
                           _("The update server cannot be reached; check the update address in "
                             "Preferences and this computer’s network."));
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK,
                           _("The update server’s certificate is not trusted; the manifest was "
                             "not read. Check the update address in Preferences."));
      break;
    default:
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK,
                           _("The connection to the update server failed; Dockclip checks again "
                             "at its next start."));
    }
}

static size_t
write_cb (char *ptr, size_t size, size_t nmemb, void *user_data)
{
  FetchState *st = user_data;
  size_t n = size * nmemb;

  if (st->body->len + n > DC_UPDATE_MAX_MANIFEST)
    {
      st->too_big = TRUE;
      return 0;  /* aborts the transfer */
    }
  g_byte_array_append (st->body, (const guint8 *) ptr, n);
  return n;
}

DcUpdateInfo *
dc_update_fetch (const char *url, guint timeout_ms, GError **error)
{
  CURL *curl;
  CURLcode rc;
  long status = 0;
  FetchState st = { 0 };
  DcUpdateInfo *info;

  if (!dc_update_url_is_allowed (url, error))
    return NULL;

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK,
                           _("Cannot start a web request."));
      return NULL;
    }
  st.body = g_byte_array_new ();
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "https,http");
  /* No redirects: a redirect could leave https or loopback. */
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) (timeout_ms ? timeout_ms : DC_UPDATE_DEFAULT_TIMEOUT_MS));
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) (timeout_ms ? timeout_ms : DC_UPDATE_DEFAULT_TIMEOUT_MS));
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_MAXFILESIZE, (long) DC_UPDATE_MAX_MANIFEST);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "Dockclip/" PACKAGE_VERSION);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, &st);
  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);

  if (st.too_big || rc == CURLE_FILESIZE_EXCEEDED)
    {
      g_free (st.location);
      g_byte_array_unref (st.body);
      g_set_error_literal (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_TOO_BIG,
                           _("The update manifest is too large."));
      return NULL;
    }
  if (rc != CURLE_OK || status != 200)
    {
      g_byte_array_unref (st.body);
      if (rc != CURLE_OK)
        set_network_error (rc, timeout_ms ? timeout_ms : DC_UPDATE_DEFAULT_TIMEOUT_MS, error);
      else if (status >= 300 && status < 400)
        g_set_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_REDIRECT,
                     _("The update server sends Dockclip on to “%s”, and redirects are not "
                       "followed; if you trust that address, enter it as the update address in "
                       "Preferences."), st.location ? st.location : "?");
      else
        g_set_error (error, DC_UPDATE_ERROR, DC_UPDATE_ERROR_NETWORK,
                     _("The update server answered with status %ld."), status);
      g_free (st.location);
      return NULL;
    }
  g_free (st.location);
  info = dc_update_parse_manifest ((const char *) st.body->data, st.body->len, error);
  g_byte_array_unref (st.body);
  return info;
}

typedef struct
{
  char  *url;
  guint  timeout_ms;
} CheckData;

static void
check_data_free (CheckData *d)
{
  g_free (d->url);
  g_free (d);
}

static void
check_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckData *d = task_data;
  GError *error = NULL;
  DcUpdateInfo *info = dc_update_fetch (d->url, d->timeout_ms, &error);

  if (info != NULL)
    g_task_return_pointer (task, info, (GDestroyNotify) dc_update_info_free);
  else
    g_task_return_error (task, error);
}

void
dc_update_check_async (const char *url, guint timeout_ms, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CheckData *d = g_new0 (CheckData, 1);

  d->url = g_strdup (url);
  d->timeout_ms = timeout_ms;
  g_task_set_source_tag (task, dc_update_check_async);
  g_task_set_task_data (task, d, (GDestroyNotify) check_data_free);
  g_task_run_in_thread (task, check_thread);
}

DcUpdateInfo *
dc_update_check_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
