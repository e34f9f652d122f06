/* A recorder that fights back (issues 16 and 17): the HTTP layer against
 * the hostile server in this process, then `dockclip-cli probe` against
 * it in a child whose memory is bounded (RLIMIT_AS outside ASan, and a
 * watchdog on its resident size in every build) and measured: each case
 * ends in a clear error, in time, under 256 MiB, without a crash. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <glib/gstdio.h>

#include "dc-test-util.h"
#include "dvr/dc-http.h"
#include "hostile-server.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define RSS_LIMIT_KB   (256 * 1024)
/* The child is killed past this (RSS_LIMIT_KB is what the test asserts):
 * a memory bomb fails the test, never the machine. */
#define RSS_KILL_KB    (512 * 1024)
#define AS_LIMIT       ((rlim_t) 3 << 30)

/* ---- the HTTP layer, in process ----------------------------------------- */

static DcHttp *
http_for (HostileServer *server, char **log_dir_out, DcLog **log_out)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", hostile_server_get_port (server));
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  DcLog *log = dc_log_open (dir, "127.0.0.1", &error);
  DcHttp *http;

  g_assert_no_error (error);
  http = dc_http_new (url, HOSTILE_USER, HOSTILE_PASSWORD, "hostile", log, &error);
  g_assert_no_error (error);
  dc_http_set_stall_timeout (http, 5);
  *log_dir_out = g_steal_pointer (&dir);
  *log_out = log;
  return http;
}

typedef struct
{
  HostileServer *server;
  DcHttp        *http;
  DcLog         *log;
  char          *log_dir;
} Fixture;

static void
fixture_open (Fixture *f, const char *brand, const char *case_name)
{
  f->server = hostile_server_new (brand, case_name);
  f->http = http_for (f->server, &f->log_dir, &f->log);
}

static void
fixture_close (Fixture *f)
{
  g_clear_pointer (&f->http, dc_http_free);
  g_clear_pointer (&f->log, dc_log_unref);
  g_clear_pointer (&f->server, hostile_server_free);
  dc_test_rmdir (f->log_dir);
  g_clear_pointer (&f->log_dir, g_free);
}

static char *
fixture_log_text (Fixture *f)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (dc_log_get_path (f->log), &text, NULL, NULL));
  return text;
}

static gboolean
get (Fixture *f, const char *path, DcHttpResponse *resp, GError **error)
{
  return dc_http_request (f->http, "GET", path, NULL, NULL, resp, error);
}

/* A well-behaved device signs in with digest and answers: the fixture is
 * sound, so the failures below are the cases' own. */
static void
test_http_normal (void)
{
  Fixture f = { 0 };
  DcHttpResponse resp;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  fixture_open (&f, "hikvision", "normal");
  g_assert_true (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
  g_assert_no_error (error);
  g_assert_cmpint (resp.status, ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (resp.body, &len), "<model>DS-7608NXI-I2</model>"));
  dc_http_response_clear (&resp);
  g_assert_cmpuint (hostile_server_get_authorized (f.server), ==, 1);
  g_assert_false (hostile_server_saw_basic (f.server));
  fixture_close (&f);
}

/* stale=true for ever: one fresh nonce, then a clear failure, and the
 * session sends nothing more (it used to be 1,336 requests a second). */
static void
test_http_stale_forever (void)
{
  Fixture f = { 0 };
  DcHttpResponse resp;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  guint n;

  fixture_open (&f, "hikvision", "stale-forever");
  g_assert_false (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
  g_assert_nonnull (strstr (error->message, "“stale”"));
  g_assert_nonnull (strstr (error->message, "hostile"));
  n = hostile_server_get_requests (f.server);
  /* challenge, signed request (stale), fresh nonce (stale again): stop */
  g_assert_cmpuint (n, <=, 3);
  g_assert_false (get (&f, "/ISAPI/System/time", &resp, &again));
  g_assert_error (again, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
  g_assert_cmpuint (hostile_server_get_requests (f.server), ==, n);
  fixture_close (&f);
}

/* Basic only: said in words, not "wrong password", no password sent. */
static void
test_http_basic_only (void)
{
  Fixture f = { 0 };
  DcHttpResponse resp;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  fixture_open (&f, "hikvision", "basic-only");
  g_assert_false (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
  g_assert_false (g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==, "DVR “hostile” (127.0.0.1) offers only Basic sign-in, which "
                   "sends the password unprotected: turn on Digest in its network settings");
  g_assert_false (hostile_server_saw_basic (f.server));
  g_assert_cmpuint (hostile_server_get_requests (f.server), ==, 1);
  log = fixture_log_text (&f);
  g_assert_null (strstr (log, HOSTILE_PASSWORD));
  g_assert_nonnull (strstr (log, "only Basic"));
  fixture_close (&f);
}

/* Redirects are never followed, to another host or to another scheme:
 * the answer says where it points. */
static void
test_http_redirects (void)
{
  const char *cases[] = { "redirect-host", "redirect-scheme" };
  const char *where[] = { "http://198.51.100.7/ISAPI/System/deviceInfo", "https://127.0.0.1:" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fixture f = { 0 };
      DcHttpResponse resp;
      g_autoptr(GError) error = NULL;

      fixture_open (&f, "hikvision", cases[i]);
      g_assert_true (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
      g_assert_cmpint (resp.status / 100, ==, 3);
      g_assert_false (dc_http_check_response (f.http, &resp, &error));
      g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE);
      g_assert_nonnull (strstr (error->message, where[i]));
      g_assert_nonnull (strstr (error->message, "does not follow redirects"));
      dc_http_response_clear (&resp);
      /* the challenge and the signed request, nothing followed */
      g_assert_cmpuint (hostile_server_get_requests (f.server), ==, 2);
      fixture_close (&f);
    }
}

/* Answers without end, or announcing a terabyte: refused at the cap (or
 * at once from Content-Length), with the reason, memory bounded. */
static void
test_http_answer_caps (void)
{
  const char *cases[] = { "endless-xml", "wide-xml", "huge-length" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fixture f = { 0 };
      DcHttpResponse resp;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      fixture_open (&f, "hikvision", cases[i]);
      g_assert_false (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
      g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, "far more than a recorder sends"));
      g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
      /* stopped near the cap, not at the server's end (1 GiB) */
      g_assert_cmpuint (hostile_server_get_body_bytes (f.server), <, 4 * DC_HTTP_ANSWER_MAX);
      fixture_close (&f);
    }
  {
    /* a caller's smaller cap (a search page) */
    Fixture f = { 0 };
    DcHttpResponse resp;
    g_autoptr(GError) error = NULL;

    fixture_open (&f, "hikvision", "search-16m");
    g_assert_false (dc_http_request_bounded (f.http, "POST", "/ISAPI/ContentMgmt/search", "<x/>",
                                             "application/xml", 256 * 1024, &resp, &error));
    g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
    g_assert_nonnull (strstr (error->message, "262.1"));
    fixture_close (&f);
  }
}

/* A 10 MB header line: a sentence about it, not "(Out of memory)". */
static void
test_http_long_header (void)
{
  Fixture f = { 0 };
  DcHttpResponse resp;
  g_autoptr(GError) error = NULL;

  fixture_open (&f, "hikvision", "long-header");
  g_assert_false (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "header lines longer than a recorder ever sends"));
  g_assert_null (strstr (error->message, "memory"));
  fixture_close (&f);
}

/* Binary junk on the port (an SDK port): words, not libcurl's English. */
static void
test_http_not_http (void)
{
  Fixture f = { 0 };
  DcHttpResponse resp;
  g_autoptr(GError) error = NULL;

  fixture_open (&f, "hikvision", "not-http");
  g_assert_false (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "DVR “hostile” (127.0.0.1)"));
  g_assert_null (strstr (error->message, "HTTP/0.9"));
  g_assert_null (strstr (error->message, "Received"));
  fixture_close (&f);
}

/* Nothing listening: one sentence naming the recorder and what to do. */
static void
test_http_unreachable_words (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  DcHttp *http;
  DcHttpResponse resp;

  /* a port that was just free: bound, never listened on, closed */
  g_assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (sock, NULL);
  http = dc_http_new (url, "admin", "x", "dahua-south", NULL, &error);
  g_assert_false (dc_http_request (http, "GET", "/", NULL, NULL, &resp, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE);
  g_assert_cmpstr (error->message, ==, "DVR “dahua-south” (127.0.0.1) cannot be reached: nothing "
                   "accepts connections at its address; check that it is on and connected and "
                   "that the address and port are its web port");
  dc_http_free (http);
}

/* A status string with ESC and newlines: escaped in the message and in
 * the log (one line per request, no terminal control). */
static void
test_http_status_control (void)
{
  Fixture f = { 0 };
  DcHttpResponse resp;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  fixture_open (&f, "hikvision", "status-control");
  g_assert_true (get (&f, "/ISAPI/System/deviceInfo", &resp, &error));
  g_assert_false (dc_http_check_response (f.http, &resp, &error));
  dc_http_response_clear (&resp);
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, 0x1b));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (error->message, 0x07));
  /* escaped here, or already where the status was parsed: visible either way */
  g_assert_nonnull (strstr (error->message, "Invalid\\"));
  g_assert_nonnull (strstr (error->message, "forged line"));
  log = fixture_log_text (&f);
  g_assert_null (strchr (log, 0x1b));
  fixture_close (&f);
}

/* ---- the command line, in a bounded child ------------------------------- */

typedef struct
{
  int       status;     /* exit status, or -1 when killed */
  char     *out;
  char     *err;
  gint64    elapsed_ms;
  glong     peak_kb;    /* the highest VmRSS seen while it ran */
  glong     maxrss_kb;  /* getrusage: every child so far (so this one too) */
  gboolean  killed;     /* by the watchdog or the timeout */
} CliRun;

static void
cli_run_free (CliRun *r)
{
  g_free (r->out);
  g_free (r->err);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliRun, cli_run_free)

static void
limit_child (gpointer data)
{
  struct rlimit core = { 0, 0 };
  /* a transfer without end must fail the test, not fill the disk */
  struct rlimit fsize = { (rlim_t) 1 << 30, (rlim_t) 1 << 30 };

  setrlimit (RLIMIT_CORE, &core);
  setrlimit (RLIMIT_FSIZE, &fsize);
#ifndef UNDER_ASAN
  {
    /* ASan reserves terabytes of address space: only the watchdog there. */
    struct rlimit as = { AS_LIMIT, AS_LIMIT };
    setrlimit (RLIMIT_AS, &as);
  }
#endif
}

static glong
read_rss_kb (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strstr (text, "VmRSS:")) == NULL)
    return 0;
  return strtol (p + 6, NULL, 10);
}

typedef struct
{
  GSubprocess *proc;
  CliRun      *run;
  gboolean     done;
  GBytes      *out;
  GBytes      *err;
  gint64       deadline;
} Watch;

static void
on_communicated (GObject *source, GAsyncResult *res, gpointer data)
{
  Watch *w = data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), res, &w->out, &w->err, NULL);
  w->done = TRUE;
}

static gboolean
on_watch_tick (gpointer data)
{
  Watch *w = data;
  const char *pid = g_subprocess_get_identifier (w->proc);

  if (pid != NULL)
    {
      glong kb = read_rss_kb (pid);

      w->run->peak_kb = MAX (w->run->peak_kb, kb);
      if (kb > RSS_KILL_KB || g_get_monotonic_time () > w->deadline)
        {
          w->run->killed = TRUE;
          g_subprocess_force_exit (w->proc);
        }
    }
  return G_SOURCE_CONTINUE;
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  return len > 0 ? g_strndup (data, len) : g_strdup ("");
}

static CliRun *
run_cli (const char *const *argv, const char *home, guint timeout_s)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *state = g_build_filename (home, "state", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autoptr(GError) error = NULL;
  Watch w = { 0 };
  guint tick;
  struct rusage ru;
  gint64 start = g_get_monotonic_time ();

  w.run = g_new0 (CliRun, 1);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "", TRUE);
  /* a small quarantine: ASan's own memory is not the CLI's */
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS",
                                "detect_leaks=1:abort_on_error=1:quarantine_size_mb=16", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, limit_child, NULL, NULL);
  w.proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  w.deadline = start + (gint64) timeout_s * G_USEC_PER_SEC;
  g_subprocess_communicate_async (w.proc, NULL, NULL, on_communicated, &w);
  tick = g_timeout_add (20, on_watch_tick, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_subprocess_wait (w.proc, NULL, NULL);
  w.run->elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  w.run->status = g_subprocess_get_if_exited (w.proc) ? g_subprocess_get_exit_status (w.proc) : -1;
  w.run->out = bytes_to_string (w.out);
  w.run->err = bytes_to_string (w.err);
  g_clear_pointer (&w.out, g_bytes_unref);
  g_clear_pointer (&w.err, g_bytes_unref);
  g_object_unref (w.proc);
  g_assert_cmpint (getrusage (RUSAGE_CHILDREN, &ru), ==, 0);
  w.run->maxrss_kb = ru.ru_maxrss;
  return w.run;
}

static char *
write_config (const char *home, const char *brand, guint16 port)
{
  g_autofree char *path = g_build_filename (home, "dockclip.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[dvr hostile]\nbrand=%s\nurl=http://127.0.0.1:%u\n"
                                           "user=" HOSTILE_USER "\npassword=" HOSTILE_PASSWORD "\n"
                                           "time-mode=local\ndownload-by-time=no\n\n"
                                           "[dock A01]\ndvr=hostile\nchannel=1\n", brand, port);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  return g_steal_pointer (&path);
}

/* Every line of every log file under @home, with no control character
 * and never the password. */
static void
assert_logs_clean (const char *home)
{
  g_autofree char *dir = g_build_filename (home, "state", "dockclip", "logs", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &text, &len, NULL));
      for (gsize i = 0; i < len; i++)
        g_assert_true (text[i] == '\n' || (guchar) text[i] >= 0x20);
      g_assert_null (strstr (text, HOSTILE_PASSWORD));
      n++;
    }
  g_assert_cmpuint (n, >, 0);
}

typedef struct
{
  const char *brand;
  const char *case_name;
  const char *expect;
  int         expect_status;
  char        where;      /* 'e' stderr, 'o' stdout, 'l' the recorder's log */
} ProbeCase;

static void
test_cli_probe (gconstpointer data)
{
  const ProbeCase *c = data;
  g_autoptr(HostileServer) server = hostile_server_new (c->brand, c->case_name);
  g_autofree char *home = dc_test_mkdtemp ();
  g_autofree char *config = write_config (home, c->brand, hostile_server_get_port (server));
  const char *argv[] = { DC_CLI_PATH, "probe", "--config", config, NULL };
  g_autoptr(CliRun) run = run_cli (argv, home, 60);

  g_test_message ("%s/%s: exit %d in %" G_GINT64_FORMAT " ms, peak RSS %ld KiB (max of children "
                  "%ld KiB); stderr: %s", c->brand, c->case_name, run->status, run->elapsed_ms,
                  run->peak_kb, run->maxrss_kb, run->err);
  g_assert_false (run->killed);
  g_assert_cmpint (run->status, ==, c->expect_status);   /* not a crash */
  g_assert_null (strchr (run->out, 0x1b));
  if (c->where == 'e')
    g_assert_nonnull (strstr (run->err, c->expect));
  else if (c->where == 'o')
    g_assert_nonnull (strstr (run->out, c->expect));
  else
    {
      /* the device's answer was refused; the probe went on without it */
      g_autofree char *log_path = g_build_filename (home, "state", "dockclip", "logs",
                                                    "127.0.0.1_%u.log", NULL);
      g_autofree char *log_name = g_strdup_printf (log_path, hostile_server_get_port (server));
      g_autofree char *log = NULL;

      g_assert_true (g_file_get_contents (log_name, &log, NULL, NULL));
      g_assert_nonnull (strstr (log, c->expect));
    }
  g_assert_null (strchr (run->err, 0x1b));
  g_assert_null (strstr (run->err, "Out of memory"));
  g_assert_cmpint (run->peak_kb, <, RSS_LIMIT_KB);
  g_assert_cmpint (run->maxrss_kb, <, RSS_LIMIT_KB);
  assert_logs_clean (home);
  dc_test_rmdir (home);
}

/* (redirects to another scheme, wide XML and a 1 TiB Content-Length are
 * the HTTP layer's alone: /hostile/http/redirects and /answer-caps) */
static const ProbeCase probe_cases[] = {
  { "hikvision", "stale-forever", "twice in a row", 1, 'e' },
  { "hikvision", "basic-only", "offers only Basic sign-in", 1, 'e' },
  { "hikvision", "redirect-host", "does not follow redirects", 1, 'e' },
  { "hikvision", "long-header", "header lines longer", 1, 'e' },
  { "hikvision", "endless-xml", "far more than a recorder sends", 1, 'e' },
  /* the NVR channel list is refused; the driver goes on to the next list */
  { "hikvision", "many-channels", "far more than a recorder sends", 0, 'l' },
  { "hikvision", "status-control", "Operation\\", 1, 'e' },
  { "hikvision", "not-http", "does not answer like a web server", 1, 'e' },
  { "dahua", "many-channels", "far more than a recorder sends", 0, 'l' },
  /* limits of the DVR drivers (their parsers and the probe) */
  { "hikvision", "deep-xml-closed", "nested more than", 1, 'e' },
  { "hikvision", "deep-xml-open", "nested more than", 1, 'e' },
  { "hikvision", "channel-id-max", " 0 channels", 0, 'o' },
  { "hikvision", "clock-0001", "clock is wrong by", 1, 'e' },
  { "hikvision", "clock-9999", "clock is wrong by", 1, 'e' },
  { "hikvision", "control-strings", "DS-7608\\x1b[2J", 0, 'o' },
};

static char *
local_time (gint64 offset_s)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) t = g_date_time_add_seconds (now, (gdouble) offset_s);

  return g_date_time_format (t, "%Y-%m-%d %H:%M:%S");
}

/* Sizes of 2^64-1 and -5 bytes are never printed as sizes. */
static void
test_cli_search_sizes (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ("hikvision", "search-sizes");
  g_autofree char *home = dc_test_mkdtemp ();
  g_autofree char *config = write_config (home, "hikvision", hostile_server_get_port (server));
  g_autofree char *from = local_time (-600);
  g_autofree char *to = local_time (-300);
  const char *argv[] = { DC_CLI_PATH, "search", "--config", config, "--dvr", "hostile",
                         "--channel", "1", "--from", from, "--to", to, NULL };
  g_autoptr(CliRun) run = run_cli (argv, home, 60);

  g_test_message ("search: exit %d; stdout: %s; stderr: %s", run->status, run->out, run->err);
  g_assert_false (run->killed);
  g_assert_cmpint (run->status, >=, 0);
  /* "start  end  size  uri": the size column (the URI is the device's own) */
  {
    g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_auto(GStrv) cols = g_strsplit (lines[i], "  ", 4);

        if (g_strv_length (cols) < 3)
          continue;
        g_assert_cmpstr (cols[2], !=, "18446744073709551615");
        g_assert_cmpstr (cols[2], !=, "18446744073709551611");
      }
  }
  g_assert_null (strstr (run->err, "18446744073709551611"));
  g_assert_cmpint (run->maxrss_kb, <, RSS_LIMIT_KB);
  dc_test_rmdir (home);
}

/* A clip whose body never ends: a clear failure within the attempts, no
 * file under its final name, the disk and memory bounded. */
static void
test_cli_download_endless (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ("hikvision", "endless-media");
  g_autofree char *home = dc_test_mkdtemp ();
  g_autofree char *config = write_config (home, "hikvision", hostile_server_get_port (server));
  g_autofree char *esheet = g_build_filename (home, "sheet.csv", NULL);
  g_autofree char *out = g_build_filename (home, "out", NULL);
  g_autofree char *when = local_time (-600);
  g_autofree char *csv = g_strdup_printf ("waybill,dock,scan time\nSF1000001,A01,%s\n", when);
  const char *argv[] = { DC_CLI_PATH, "download", "--config", config, "--esheet", esheet,
                         "--out", out, "--mode", "clip", "--pre", "2", "--post", "2", NULL };
  g_autoptr(CliRun) run = NULL;
  g_autofree char *clip = g_build_filename (out, "sheet", "SF1000001.mp4", NULL);

  g_assert_true (g_file_set_contents (esheet, csv, -1, NULL));
  run = run_cli (argv, home, 100);
  g_test_message ("download: exit %d in %" G_GINT64_FORMAT " ms, peak RSS %ld KiB, server sent %"
                  G_GUINT64_FORMAT " bytes; stdout: %s; stderr: %s", run->status, run->elapsed_ms,
                  run->peak_kb, hostile_server_get_body_bytes (server), run->out, run->err);
  g_assert_false (run->killed);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_false (g_file_test (clip, G_FILE_TEST_EXISTS));
  g_assert_cmpint (run->peak_kb, <, RSS_LIMIT_KB);
  g_assert_cmpint (run->maxrss_kb, <, RSS_LIMIT_KB);
  /* a 4 s clip is a few MB at any bitrate: far from the 1 GiB the server offers */
  g_assert_cmpuint (hostile_server_get_body_bytes (server), <, (guint64) 512 * 1024 * 1024);
  assert_logs_clean (home);
  dc_test_rmdir (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostile/http/normal", test_http_normal);
  g_test_add_func ("/hostile/http/stale-forever", test_http_stale_forever);
  g_test_add_func ("/hostile/http/basic-only", test_http_basic_only);
  g_test_add_func ("/hostile/http/redirects", test_http_redirects);
  g_test_add_func ("/hostile/http/answer-caps", test_http_answer_caps);
  g_test_add_func ("/hostile/http/long-header", test_http_long_header);
  g_test_add_func ("/hostile/http/not-http", test_http_not_http);
  g_test_add_func ("/hostile/http/unreachable-words", test_http_unreachable_words);
  g_test_add_func ("/hostile/http/status-control", test_http_status_control);
  for (guint i = 0; i < G_N_ELEMENTS (probe_cases); i++)
    {
      /* the DVR drivers' own limits in a group of their own */
      gboolean driver = strstr (probe_cases[i].expect, "nested") != NULL ||
                        strstr (probe_cases[i].expect, "clock") != NULL ||
                        g_str_equal (probe_cases[i].case_name, "channel-id-max") ||
                        g_str_equal (probe_cases[i].case_name, "control-strings");
      g_autofree char *name = g_strdup_printf ("/hostile/cli/%s/%s/%s", driver ? "limits" : "probe",
                                               probe_cases[i].brand, probe_cases[i].case_name);
      g_test_add_data_func (name, &probe_cases[i], test_cli_probe);
    }
  g_test_add_func ("/hostile/cli/search/sizes", test_cli_search_sizes);
  g_test_add_func ("/hostile/cli/download/endless-clip", test_cli_download_endless);
  return g_test_run ();
}
