#define G_LOG_DOMAIN "dc-test-sim"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <curl/curl.h>
#include <gio/gio.h>

#include "dc-test-sim.h"

struct _DcTestSim
{
  GSubprocess *process;
  char        *url;
  guint        port;
};

typedef struct
{
  GMainContext *context;
  char         *line;
  gboolean      done;
  gboolean      timed_out;
} LineWait;

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  LineWait *wait = data;

  wait->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  wait->done = TRUE;
  g_main_context_wakeup (wait->context);
}

static gboolean
timeout_cb (gpointer data)
{
  LineWait *wait = data;

  wait->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
has_option (const char *const *args,
            const char        *name)
{
  gsize len = strlen (name);

  for (int i = 0; args != NULL && args[i] != NULL; i++)
    if (strncmp (args[i], name, len) == 0 && (args[i][len] == '\0' || args[i][len] == '='))
      return TRUE;
  return FALSE;
}

DcTestSim *
dc_test_sim_start (const char        *brand,
                   const char *const *extra_args,
                   GError           **error)
{
  const char *exe = g_getenv ("DC_DVR_SIM");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) timeout = NULL;
  gboolean password_on_stdin;
  GOutputStream *in;
  LineWait wait = { 0 };
  DcTestSim *sim;
  const char *prefix = "listening ";

  g_return_val_if_fail (brand != NULL, NULL);

  if (exe == NULL || *exe == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "DC_DVR_SIM is not set: run the tests through meson test");
      return NULL;
    }
  password_on_stdin = !has_option (extra_args, "--password");
  g_ptr_array_add (argv, (gpointer) exe);
  g_ptr_array_add (argv, (gpointer) "--brand");
  g_ptr_array_add (argv, (gpointer) brand);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--exit-on-stdin-eof");
  if (!has_option (extra_args, "--user"))
    {
      g_ptr_array_add (argv, (gpointer) "--user");
      g_ptr_array_add (argv, (gpointer) "admin");
    }
  if (password_on_stdin)
    g_ptr_array_add (argv, (gpointer) "--password-stdin");
  for (int i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  if (process == NULL)
    return NULL;
  in = g_subprocess_get_stdin_pipe (process);
  if (!g_output_stream_write_all (in, password_on_stdin ? "secret\n" : "\n", password_on_stdin ? 7 : 1,
                                  NULL, NULL, error)
      || !g_output_stream_flush (in, NULL, error))
    {
      g_subprocess_force_exit (process);
      return NULL;
    }

  /* Wait for the first line, with a deadline, in a private context so a
   * caller's main loop is not disturbed. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  wait.context = context;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, line_read_cb, &wait);
  timeout = g_timeout_source_new_seconds (30);
  g_source_set_callback (timeout, timeout_cb, &wait, NULL);
  g_source_attach (timeout, context);
  while (!wait.done && !wait.timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (!wait.done)
    {
      /* Finish the pending read after the child is gone. */
      g_subprocess_force_exit (process);
      while (!wait.done)
        g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);

  if (wait.line == NULL || !g_str_has_prefix (wait.line, prefix))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "dockclip-dvr-sim did not start (%s): see its messages above",
                   wait.timed_out ? "timed out" : wait.line ? wait.line : "exited");
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      g_free (wait.line);
      return NULL;
    }

  sim = g_new0 (DcTestSim, 1);
  sim->process = g_steal_pointer (&process);
  sim->url = g_strdup (wait.line + strlen (prefix));
  {
    const char *colon = strrchr (sim->url, ':');
    sim->port = colon ? (guint) g_ascii_strtoull (colon + 1, NULL, 10) : 0;
  }
  g_free (wait.line);
  return sim;
}

const char *
dc_test_sim_get_url (DcTestSim *sim)
{
  g_return_val_if_fail (sim != NULL, NULL);
  return sim->url;
}

guint
dc_test_sim_get_port (DcTestSim *sim)
{
  g_return_val_if_fail (sim != NULL, 0);
  return sim->port;
}

static size_t
collect_cb (char   *data,
            size_t  size,
            size_t  n,
            void   *user_data)
{
  g_string_append_len (user_data, data, (gssize) (size * n));
  return size * n;
}

JsonObject *
dc_test_sim_get_stats (DcTestSim *sim)
{
  g_autofree char *url = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GString *body = g_string_new (NULL);
  CURL *curl;
  CURLcode code;
  long status = 0;
  JsonNode *root;
  JsonObject *result = NULL;

  g_return_val_if_fail (sim != NULL, NULL);
  url = g_strconcat (sim->url, "/sim/stats", NULL);
  curl = curl_easy_init ();
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);

  if (code == CURLE_OK && status == 200
      && json_parser_load_from_data (parser, body->str, (gssize) body->len, NULL)
      && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    result = json_object_ref (json_node_get_object (root));
  else
    g_warning ("GET %s failed: %s (HTTP %ld)", url, curl_easy_strerror (code), status);
  g_string_free (body, TRUE);
  return result;
}

gint64
dc_test_sim_get_stat (DcTestSim  *sim,
                      const char *name)
{
  g_autoptr(JsonObject) stats = dc_test_sim_get_stats (sim);
  JsonNode *node;

  if (stats == NULL || (node = json_object_get_member (stats, name)) == NULL
      || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return json_node_get_int (node);
}

gint64
dc_test_sim_get_requests (DcTestSim  *sim,
                          const char *endpoint)
{
  g_autoptr(JsonObject) stats = dc_test_sim_get_stats (sim);
  JsonObject *requests;

  if (stats == NULL || (requests = json_object_get_object_member (stats, "requests")) == NULL)
    return -1;
  return json_object_has_member (requests, endpoint)
         ? json_object_get_int_member (requests, endpoint) : 0;
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  gboolean *done = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

int
dc_test_sim_stop_get_status (DcTestSim *sim)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) timeout = NULL;
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  int status = -1;

  if (sim == NULL)
    return -1;

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
#ifdef G_OS_UNIX
  g_subprocess_send_signal (sim->process, SIGTERM);
#else
  g_subprocess_force_exit (sim->process);
#endif
  g_subprocess_wait_async (sim->process, NULL, wait_cb, &done);
  timeout = g_timeout_source_new_seconds (5);
  g_source_set_callback (timeout, flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (!done && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (!done)
    {
      g_message ("dockclip-dvr-sim ignored SIGTERM for 5 s: killing it");
      g_subprocess_force_exit (sim->process);
      while (!done)
        g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);

  if (g_subprocess_get_if_exited (sim->process))
    status = g_subprocess_get_exit_status (sim->process);
  /* Under ASan a leak in the simulator shows as exit status 23. */
  if (status != 0)
    g_message ("dockclip-dvr-sim exited with status %d", status);
  g_object_unref (sim->process);
  g_free (sim->url);
  g_free (sim);
  return status;
}

void
dc_test_sim_stop (DcTestSim *sim)
{
  dc_test_sim_stop_get_status (sim);
}
