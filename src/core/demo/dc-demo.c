#define G_LOG_DOMAIN "dc-demo"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <signal.h>
#endif

#include "demo/dc-demo.h"
#include "util/dc-file-util.h"

#define DEMO_PASSWORD "demo-2468"

typedef struct
{
  GSubprocess *process;
  char        *url;
} Sim;

struct _DcDemo
{
  char *dir;
  char *config_path;
  char *esheet_path;
  char *out_dir;
  Sim   sims[2];
};

/* $DOCKCLIP_DVR_SIM, the build tree, libexecdir (where `meson install`
 * puts helper programs), bindir (where versions before 0.2 put it), PATH. */
char *
dc_demo_find_simulator (void)
{
  const char *env = g_getenv ("DOCKCLIP_DVR_SIM");
  const char *name = "dockclip-dvr-sim" DC_EXE_SUFFIX;
  g_autofree char *in_build = g_build_filename (DC_BUILD_ROOT, "tools", "dvr-sim", name, NULL);
  g_autofree char *libexec = g_build_filename (DC_LIBEXECDIR, name, NULL);
  g_autofree char *bin = g_build_filename (DC_BINDIR, name, NULL);

  if (env != NULL && g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (env);
  if (g_file_test (in_build, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&in_build);
  if (g_file_test (libexec, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&libexec);
  if (g_file_test (bin, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&bin);
  return g_find_program_in_path ("dockclip-dvr-sim");
}

/* Keeps reading the simulator's stdout so it never blocks on a full pipe. */
static void
drain_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_skip_finish (G_INPUT_STREAM (source), result, &error);

  if (n > 0)
    g_input_stream_skip_async (G_INPUT_STREAM (source), 4096, G_PRIORITY_LOW, NULL, drain_cb, NULL);
}

static gboolean
start_sim (Sim *sim, const char *binary, const char *brand, const char *clock_offset,
           GError **error)
{
  const char *argv[] = {
    binary, "--brand", brand, "--listen", "127.0.0.1:0", "--user", "admin",
    "--password-stdin", "--channels", "4", "--clock-offset", clock_offset,
    /* as many download slots as the config's max-downloads */
    "--max-downloads", "2",
    "--exit-on-stdin-eof", NULL
  };
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  GOutputStream *in;

  sim->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                    error);
  if (sim->process == NULL)
    return FALSE;
  in = g_subprocess_get_stdin_pipe (sim->process);
  if (!g_output_stream_write_all (in, DEMO_PASSWORD "\n", strlen (DEMO_PASSWORD "\n"), NULL, NULL, error) ||
      !g_output_stream_flush (in, NULL, error))
    return FALSE;

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->process));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "listening "))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     _("The DVR simulator (%s) did not start."), binary);
      return FALSE;
    }
  sim->url = g_strdup (line + strlen ("listening "));
  g_input_stream_skip_async (g_subprocess_get_stdout_pipe (sim->process), 4096, G_PRIORITY_LOW,
                             NULL, drain_cb, NULL);
  return TRUE;
}

static char *
format_local (gint64 unix_s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (unix_s);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
}

/* Sample scans: three an hour ago per dock, a waybill scanned twice, and a
 * dock that is not mapped (so the operator sees what that looks like). */
static char *
sample_esheet (void)
{
  static const char *const docks[] = { "A01", "A02", "B01", "B02" };
  GString *csv = g_string_new ("Dockclip 演示 — 装车扫描导出\n运单号,月台,扫描时间,操作员\n");
  gint64 base = g_get_real_time () / G_USEC_PER_SEC - 75 * 60;
  guint n = 0;

  for (guint d = 0; d < G_N_ELEMENTS (docks); d++)
    for (guint k = 0; k < 3; k++)
      {
        g_autofree char *when = format_local (base + (gint64) (d * 3 + k) * 97);
        g_string_append_printf (csv, "SF%010u,%s,%s,op%02u\n", 3141592u + n * 7919u, docks[d],
                                when, d + 1);
        n++;
      }
  {
    g_autofree char *again = format_local (base + 40 * 60);
    g_autofree char *unmapped = format_local (base + 41 * 60);
    g_string_append_printf (csv, "SF%010u,A02,%s,op02\n", 3141592u, again);
    g_string_append_printf (csv, "YT9000000001,C09,%s,op09\n", unmapped);
  }
  return g_string_free (csv, FALSE);
}

DcDemo *
dc_demo_start (const char *dir, GError **error)
{
  g_autoptr(DcDemo) self = g_new0 (DcDemo, 1);
  g_autofree char *binary = dc_demo_find_simulator ();
  g_autofree char *csv = NULL;
  g_autofree char *config = NULL;

  if (binary == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The DVR simulator (dockclip-dvr-sim) is not installed, so the demo "
                             "cannot run. Build Dockclip with its tools, or set DOCKCLIP_DVR_SIM."));
      return NULL;
    }
  self->dir = g_strdup (dir);
  self->config_path = g_build_filename (dir, "dockclip.conf", NULL);
  self->esheet_path = g_build_filename (dir, "demo-waybills.csv", NULL);
  self->out_dir = g_build_filename (dir, "out", NULL);
  if (!dc_ensure_private_dir (dir, error))
    return NULL;

  /* The Hikvision recorder's clock runs 83 s fast: the demo shows the
   * clock offset being measured and applied. */
  if (!start_sim (&self->sims[0], binary, "hikvision", "83", error) ||
      !start_sim (&self->sims[1], binary, "dahua", "0", error))
    return NULL;

  config = g_strdup_printf ("# Dockclip demo: two simulated recorders on this PC\n"
                            "[dvr demo-hikvision]\nbrand=hikvision\nurl=%s\nuser=admin\n"
                            "password=" DEMO_PASSWORD "\nmax-downloads=2\ntime-mode=auto\n\n"
                            "[dvr demo-dahua]\nbrand=dahua\nurl=%s\nuser=admin\n"
                            "password=" DEMO_PASSWORD "\nmax-downloads=2\ntime-mode=auto\n\n"
                            "[dock A01]\ndvr=demo-hikvision\nchannel=1\n\n"
                            "[dock A02]\ndvr=demo-hikvision\nchannel=2\n\n"
                            "[dock B01]\ndvr=demo-dahua\nchannel=1\n\n"
                            "[dock B02]\ndvr=demo-dahua\nchannel=2\n",
                            self->sims[0].url, self->sims[1].url);
  if (!dc_write_file_atomic (self->config_path, config, -1, 0600, error))
    return NULL;
  csv = sample_esheet ();
  if (!dc_write_file_atomic (self->esheet_path, csv, -1, 0600, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
dc_demo_get_dir (DcDemo *self)
{
  return self->dir;
}

const char *
dc_demo_get_config_path (DcDemo *self)
{
  return self->config_path;
}

const char *
dc_demo_get_esheet_path (DcDemo *self)
{
  return self->esheet_path;
}

const char *
dc_demo_get_out_dir (DcDemo *self)
{
  return self->out_dir;
}

void
dc_demo_stop (DcDemo *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->sims); i++)
    {
      Sim *sim = &self->sims[i];

      if (sim->process == NULL)
        continue;
      g_output_stream_close (g_subprocess_get_stdin_pipe (sim->process), NULL, NULL);
#ifdef G_OS_UNIX
      g_subprocess_send_signal (sim->process, SIGTERM);
#else
      g_subprocess_force_exit (sim->process);
#endif
      g_subprocess_wait (sim->process, NULL, NULL);
      g_clear_object (&sim->process);
      g_free (sim->url);
    }
  g_free (self->dir);
  g_free (self->config_path);
  g_free (self->esheet_path);
  g_free (self->out_dir);
  g_free (self);
}
