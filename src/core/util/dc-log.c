#define G_LOG_DOMAIN "dc-log"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "util/dc-file-util.h"
#include "util/dc-log.h"
#include "util/dc-text.h"

struct _DcLog
{
  gatomicrefcount   ref_count;
  GMutex            lock;
  char             *path;
  GOutputStream    *out;
};

char *
dc_log_default_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "dockclip", "logs", NULL);
}

DcLog *
dc_log_open (const char *dir, const char *host, GError **error)
{
  g_autofree char *safe = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GFile) file = NULL;
  GFileOutputStream *out;
  DcLog *self;

  g_return_val_if_fail (dir != NULL && host != NULL, NULL);

  if (!dc_ensure_private_dir (dir, error))
    return NULL;
  safe = dc_sanitize_file_name (host);
  name = g_strconcat (safe, ".log", NULL);
  self = g_new0 (DcLog, 1);
  self->path = g_build_filename (dir, name, NULL);
  file = g_file_new_for_path (self->path);
  /* G_FILE_CREATE_PRIVATE gives 0600 when the file is created. */
  out = g_file_append_to (file, G_FILE_CREATE_PRIVATE, NULL, error);
  if (out == NULL)
    {
      g_free (self->path);
      g_free (self);
      return NULL;
    }
  self->out = G_OUTPUT_STREAM (out);
  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  return self;
}

DcLog *
dc_log_ref (DcLog *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
dc_log_unref (DcLog *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_output_stream_close (self->out, NULL, NULL);
  g_object_unref (self->out);
  g_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self);
}

const char *
dc_log_get_path (DcLog *self)
{
  return self->path;
}

char *
dc_log_name_for_url (const char *url)
{
  g_autoptr(GUri) uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host;
  int port;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return g_strdup (url && *url ? url : "unknown");
  port = g_uri_get_port (uri);
  if (port < 0 || (port == 80 && g_strcmp0 (g_uri_get_scheme (uri), "http") == 0) ||
      (port == 443 && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0))
    return g_strdup (host);
  return g_strdup_printf ("%s_%d", host, port);
}

static const char *const secret_keys[] = {
  "password=", "passwd=", "pwd=", "authorization:", "password\":", NULL
};

char *
dc_log_redact (const char *line)
{
  GString *out = g_string_new (NULL);
  const char *p = line;

  while (*p)
    {
      gboolean matched = FALSE;

      for (guint i = 0; secret_keys[i] != NULL; i++)
        {
          gsize klen = strlen (secret_keys[i]);
          if (g_ascii_strncasecmp (p, secret_keys[i], klen) == 0)
            {
              g_string_append_len (out, p, klen);
              p += klen;
              /* An Authorization value runs to the end of the line; a
               * key=value ends at a separator. */
              if (secret_keys[i][klen - 1] == ':')
                {
                  while (*p && *p != '\n' && *p != '\r')
                    p++;
                }
              else
                {
                  while (*p && !strchr ("&; \t\r\n,\"", *p))
                    p++;
                }
              g_string_append (out, "***");
              matched = TRUE;
              break;
            }
        }
      if (!matched)
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

void
dc_log_printf (DcLog *self, const char *format, ...)
{
  g_autofree char *msg = NULL;
  g_autofree char *redacted = NULL;
  g_autofree char *safe = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GDateTime) now = NULL;
  va_list args;

  if (self == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  redacted = dc_log_redact (msg);
  /* One call, one line: a newline or an ESC sequence in something a
   * recorder sent (a model name, a status string) can neither forge a
   * line of its own nor repaint the terminal of whoever reads the log. */
  safe = dc_text_escape_controls (redacted, -1, 0);
  now = g_date_time_new_now_local ();
  stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S.%f");
  /* milliseconds are enough: cut the microseconds' last three digits */
  stamp[strlen (stamp) - 3] = '\0';
  line = g_strdup_printf ("%s %s\n", stamp, safe);

  g_mutex_lock (&self->lock);
  g_output_stream_write_all (self->out, line, strlen (line), NULL, NULL, NULL);
  g_output_stream_flush (self->out, NULL, NULL);
  g_mutex_unlock (&self->lock);
}
