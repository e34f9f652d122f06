/* dc-sim-main.c: command line of dockclip-dvr-sim, a Hikvision/Dahua
 * recorder simulator for tests, benchmarks and the demo (loopback only). */
#define G_LOG_DOMAIN "dc-dvr-sim"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#ifdef G_OS_UNIX
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#endif

#include "dc-sim.h"

void dc_sim_server_handler (SoupServer        *server,
                            SoupServerMessage *msg,
                            const char        *path,
                            GHashTable        *query,
                            gpointer           user_data);

static gboolean
parse_faults (DcSim       *sim,
              const char  *spec,
              GError     **error)
{
  static const char *names[DC_SIM_N_FAULTS] = {
    "drop", "stall", "busy", "error200", "badxml", "truncpage", "short", "endless", "garbage",
  };
  g_auto(GStrv) items = NULL;

  if (spec == NULL || *spec == '\0')
    return TRUE;
  items = g_strsplit (spec, ",", -1);
  for (int i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_strstrip (items[i]), ":", -1);
      guint n = g_strv_length (parts);
      DcSimFault fault = { 0 };
      int kind = -1;
      char *end = NULL;

      if (n == 0 || **parts == '\0')
        continue;
      for (int k = 0; k < DC_SIM_N_FAULTS; k++)
        if (g_str_equal (parts[0], names[k]))
          kind = k;
      if (kind < 0 || n < 2 || n > 3)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "bad fault \"%s\": expected kind:probability[:param] with kind one of "
                       "drop, stall, busy, error200, badxml, truncpage, short", items[i]);
          return FALSE;
        }
      fault.kind = kind;
      fault.probability = g_ascii_strtod (parts[1], &end);
      if (end == parts[1] || *end != '\0' || fault.probability < 0 || fault.probability > 1)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "bad probability in fault \"%s\" (0..1)", items[i]);
          return FALSE;
        }
      if (n == 3)
        {
          fault.param = g_ascii_strtod (parts[2], &end);
          if (end == parts[2] || *end != '\0' || fault.param < 0)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "bad parameter in fault \"%s\"", items[i]);
              return FALSE;
            }
        }
      g_array_append_val (sim->faults, fault);
    }
  return TRUE;
}

static gboolean
parse_listen (const char  *listen,
              char       **host,
              guint       *port,
              GError     **error)
{
  const char *colon = strrchr (listen, ':');
  g_autoptr(GInetAddress) address = NULL;
  guint64 value;

  if (colon == NULL || colon == listen)
    goto bad;
  *host = g_strndup (listen, colon - listen);
  if (**host == '[' && (*host)[strlen (*host) - 1] == ']')
    {
      char *inner = g_strndup (*host + 1, strlen (*host) - 2);
      g_free (*host);
      *host = inner;
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &value, NULL))
    goto bad;
  *port = (guint) value;
  address = g_inet_address_new_from_string (*host);
  /* Test fixture only: never expose a fake recorder beyond this machine. */
  if (address == NULL || !g_inet_address_get_is_loopback (address))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--listen must be a loopback address such as 127.0.0.1:0 (got \"%s\")", listen);
      return FALSE;
    }
  return TRUE;

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--listen expects HOST:PORT, e.g. 127.0.0.1:0 (got \"%s\")", listen);
  return FALSE;
}

static void
sim_free (DcSim *sim)
{
  if (sim == NULL)
    return;
  if (sim->server != NULL)
    {
      soup_server_disconnect (sim->server);
      g_clear_object (&sim->server);
      /* Let disconnected messages finish and free their streams. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_clear_pointer (&sim->video, dc_sim_video_free);
  g_clear_pointer (&sim->finders, g_hash_table_unref);
  g_clear_pointer (&sim->requests, g_hash_table_unref);
  g_clear_pointer (&sim->nonces, g_hash_table_unref);
  g_clear_pointer (&sim->faults, g_array_unref);
  g_clear_pointer (&sim->rand, g_rand_free);
  g_clear_pointer (&sim->loop, g_main_loop_unref);
  g_free (sim->realm);
  g_free (sim->profile);
  g_free (sim->user);
  g_free (sim->password);
  g_free (sim);
}

#ifdef G_OS_UNIX
static gboolean
on_signal (gpointer data)
{
  DcSim *sim = data;

  g_main_loop_quit (sim->loop);
  return G_SOURCE_REMOVE;
}

static void
stdin_closed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  DcSim *sim = data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    g_main_loop_quit (sim->loop);
  else
    g_input_stream_read_bytes_async (G_INPUT_STREAM (source), 4096, G_PRIORITY_DEFAULT, NULL,
                                     stdin_closed_cb, sim);
}

#endif

static char *
read_password_stdin (GError **error)
{
  char line[1024];
  size_t len;

  if (fgets (line, sizeof line, stdin) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "--password-stdin: no password on stdin");
      return NULL;
    }
  len = strlen (line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  return g_strdup (line);
}

static gboolean
parse_wall_option (const char *text,
                   const char *option,
                   gint64     *wall,
                   GError    **error)
{
  gboolean fraction = FALSE;

  if (!dc_sim_parse_time (text, wall, &fraction) || fraction)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s expects \"YYYY-MM-DD HH:MM:SS\" (got \"%s\")", option, text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_choice (const char *value,
              const char *option,
              const char *const *choices,
              int        *out,
              GError    **error)
{
  for (int i = 0; choices[i] != NULL; i++)
    if (g_strcmp0 (value, choices[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  if (value == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s is required", option);
  else
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "bad value for %s: \"%s\"", option, value);
  return FALSE;
}

/* "12MB/s", "500kB/s", "1.5MiB/s" (SI or binary units; /s optional). */
static gboolean
parse_rate (const char  *text,
            guint64     *bytes_per_s,
            GError     **error)
{
  static const struct { const char *unit; double factor; } units[] = {
    { "B", 1 }, { "kB", 1e3 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 },
    { "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
  };
  char *end = NULL;
  double value = g_ascii_strtod (text, &end);
  g_autofree char *unit = NULL;

  if (end == text || !(value > 0))
    goto bad;
  unit = g_strdup (end);
  if (g_str_has_suffix (unit, "/s"))
    unit[strlen (unit) - 2] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (g_str_equal (unit, units[i].unit))
      {
        *bytes_per_s = (guint64) MAX (1.0, value * units[i].factor);
        return TRUE;
      }
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "bad --rate \"%s\" (e.g. 12MB/s, 500kB/s, 2MiB/s)", text);
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *brand = NULL, *listen = NULL, *user = NULL, *password = NULL, *faults = NULL;
  g_autofree char *time_mode = NULL, *download_by_time = NULL, *range = NULL;
  g_autofree char *record_from = NULL, *record_to = NULL, *xmlns = NULL, *size = NULL;
  g_autofree char *profile = NULL, *rate = NULL, *by_time_cut = NULL;
  int latency_ms = 0;
  gboolean password_stdin = FALSE, exit_on_stdin_eof = FALSE, report_time_type = FALSE;
  int channels = 4, max_downloads = 1, fps = 10, channel_base = 0;
  gint64 seed = 1, clock_offset = 0, bulk_bytes = 0, gop_bytes = 0, cache_mb = 128;
  GOptionEntry entries[] = {
    { "brand", 0, 0, G_OPTION_ARG_STRING, &brand, "hikvision or dahua", "BRAND" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Loopback address (default 127.0.0.1:0)", "HOST:PORT" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "User name (default admin)", "U" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Password (tests only; see --password-stdin)", "P" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read the password from the first line of stdin", NULL },
    { "channels", 0, 0, G_OPTION_ARG_INT, &channels, "Number of channels (default 4)", "N" },
    { "max-downloads", 0, 0, G_OPTION_ARG_INT, &max_downloads, "Concurrent downloads before deviceBusy (default 1)", "K" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the fault generator", "S" },
    { "faults", 0, 0, G_OPTION_ARG_STRING, &faults, "kind:probability[:param],...", "SPEC" },
    { "clock-offset", 0, 0, G_OPTION_ARG_INT64, &clock_offset, "Recorder clock ahead of real time by this much", "SECONDS" },
    { "time-mode", 0, 0, G_OPTION_ARG_STRING, &time_mode, "Hikvision wire times: local (default) or utc", "MODE" },
    { "report-time-type", 0, 0, G_OPTION_ARG_NONE, &report_time_type, "Report <timeType> in System/time", NULL },
    { "download-by-time", 0, 0, G_OPTION_ARG_STRING, &download_by_time, "yes (default) or no", "YN" },
    { "range", 0, 0, G_OPTION_ARG_STRING, &range, "Honour Range on downloads: yes (default) or no", "YN" },
    { "record-from", 0, 0, G_OPTION_ARG_STRING, &record_from, "Recording start, recorder wall clock (default 24 h ago)", "TIME" },
    { "record-to", 0, 0, G_OPTION_ARG_STRING, &record_to, "Recording end (default: still recording)", "TIME" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second (default 10)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Picture size (default 320x240)", "WxH" },
    { "gop-bytes", 0, 0, G_OPTION_ARG_INT64, &gop_bytes, "Bytes stored per second of video", "N" },
    { "cache-mb", 0, 0, G_OPTION_ARG_INT64, &cache_mb, "Encoded video cache (default 128 MiB)", "N" },
    { "xmlns", 0, 0, G_OPTION_ARG_STRING, &xmlns, "ISAPI namespace: none, isapi (default) or hikvision", "NS" },
    { "dahua-channel-base", 0, 0, G_OPTION_ARG_INT, &channel_base, "items[].Channel base: 0 (default) or 1", "B" },
    { "bulk-segment-bytes", 0, 0, G_OPTION_ARG_INT64, &bulk_bytes, "Serve every segment as N pattern bytes (benchmarks)", "N" },
    { "exit-on-stdin-eof", 0, 0, G_OPTION_ARG_NONE, &exit_on_stdin_eof, "Exit when stdin closes", NULL },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &profile, "A real firmware's behaviour (see README; --profile list)", "NAME" },
    { "by-time-cut", 0, 0, G_OPTION_ARG_STRING, &by_time_cut, "By-time downloads stop at the recording file's end: no (default) or yes", "YN" },
    { "latency-ms", 0, 0, G_OPTION_ARG_INT, &latency_ms, "Answer every request after N ms (default 0)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_STRING, &rate, "Per-transfer rate, e.g. 12MB/s (default unlimited)", "RATE" },
    { NULL }
  };
  static const char *const brands[] = { "hikvision", "dahua", NULL };
  static const char *const yes_no[] = { "no", "yes", NULL };
  static const char *const time_modes[] = { "local", "utc", NULL };
  static const char *const namespaces[] = { "none", "isapi", "hikvision", NULL };
  g_autoptr(GOptionContext) context = g_option_context_new ("- simulated Hikvision/Dahua recorder");
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  int width = 320, height = 240, choice = 0;
  guint port = 0;
  DcSim *sim = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;

  if (g_strcmp0 (profile, "list") == 0)
    {
      g_autofree char *list = dc_sim_profile_list ();

      printf ("%s", list);
      return 0;
    }
  sim = g_new0 (DcSim, 1);
  sim->faults = g_array_new (FALSE, TRUE, sizeof (DcSimFault));
  if (brand == NULL && profile != NULL)
    brand = g_strdup (dc_sim_profile_brand (profile));
  if (!parse_choice (brand, "--brand", brands, &choice, &error))
    goto fail;
  sim->brand = choice;
  if (!parse_listen (listen ? listen : "127.0.0.1:0", &host, &port, &error))
    goto fail;
  if (password_stdin)
    {
      g_free (password);
      if ((password = read_password_stdin (&error)) == NULL)
        goto fail;
    }
  sim->user = g_strdup (user ? user : "admin");
  sim->password = g_strdup (password ? password : "");
  if (channels < 1 || channels > 255 || max_downloads < 1 || fps < 1 || fps > 60
      || channel_base < 0 || channel_base > 1 || bulk_bytes < 0 || cache_mb < 1)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "out of range: --channels 1..255, --max-downloads >= 1, --fps 1..60, "
                   "--dahua-channel-base 0|1, --cache-mb >= 1");
      goto fail;
    }
  sim->channels = (guint) channels;
  sim->max_downloads = (guint) max_downloads;
  sim->fps = fps;
  sim->dahua_channel_base = channel_base;
  sim->dahua_condition_base = 1;
  if (latency_ms < 0 || latency_ms > 60000)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--latency-ms: 0..60000");
      goto fail;
    }
  sim->latency_ms = (guint) latency_ms;
  if (rate != NULL && !parse_rate (rate, &sim->rate_bytes_per_s, &error))
    goto fail;
  if (!parse_choice (by_time_cut ? by_time_cut : "no", "--by-time-cut", yes_no, &choice, &error))
    goto fail;
  sim->cut_at_file_end = choice == 1;
  if (profile != NULL && !dc_sim_apply_profile (sim, profile, &error))
    goto fail;
  sim->bulk_bytes = (guint64) bulk_bytes;
  sim->clock_offset = clock_offset;
  sim->report_time_type = report_time_type;
  sim->rand = g_rand_new_with_seed ((guint32) seed);
  if (!parse_faults (sim, faults, &error))
    goto fail;
  if (!parse_choice (time_mode ? time_mode : "local", "--time-mode", time_modes, &choice, &error))
    goto fail;
  sim->time_utc = choice == 1;
  if (!parse_choice (download_by_time ? download_by_time : "yes", "--download-by-time", yes_no, &choice, &error))
    goto fail;
  sim->by_time = choice == 1;
  if (!parse_choice (range ? range : "yes", "--range", yes_no, &choice, &error))
    goto fail;
  sim->range = choice == 1;
  if (!parse_choice (xmlns ? xmlns : "isapi", "--xmlns", namespaces, &choice, &error))
    goto fail;
  sim->xmlns = choice;
  if (size != NULL && (sscanf (size, "%dx%d", &width, &height) != 2 || width < 40 || height < 30
                       || width > 1920 || height > 1080))
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "bad --size \"%s\"", size);
      goto fail;
    }

  sim->record_to = G_MAXINT64;
  sim->record_from = dc_sim_wall_now (sim) - 24 * 3600;
  if (record_from != NULL && !parse_wall_option (record_from, "--record-from", &sim->record_from, &error))
    goto fail;
  if (record_to != NULL && !parse_wall_option (record_to, "--record-to", &sim->record_to, &error))
    goto fail;
  if (sim->record_to <= sim->record_from)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--record-to must be after --record-from");
      goto fail;
    }

  /* ~1.2 KiB per frame plus a keyframe's worth: 320x240 at QP 27 uses
   * 12 KiB per second on average, 15 KiB at most (10 fps). */
  if (gop_bytes == 0)
    gop_bytes = ((gint64) width * height / 76800) * (8000 + 1200 * (gint64) fps);
  sim->video = dc_sim_video_new (width, height, fps, (gsize) MAX (gop_bytes, 0),
                                 (gsize) cache_mb * 1024 * 1024, &error);
  if (sim->video == NULL)
    goto fail;
  dc_sim_video_set_pts_epoch (sim->video, sim->record_from);

  sim->realm = sim->brand == DC_SIM_BRAND_HIKVISION
    ? g_strdup ("fe12f37bd4c1a95ebccbbd35f1")
    : g_strdup ("Login to 7J0A2B3PAZ12345");
  sim->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sim->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sim->finders = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, dc_sim_dahua_finder_free);
  sim->next_finder_id = 8137;
  sim->loop = g_main_loop_new (NULL, FALSE);

  sim->server = soup_server_new ("server-header", sim->brand == DC_SIM_BRAND_HIKVISION ? "DNVRS-Webs" : "Webs", NULL);
  soup_server_add_handler (sim->server, NULL, dc_sim_server_handler, sim, NULL);
  address = g_inet_address_new_from_string (host);
  socket_address = g_inet_socket_address_new (address, port);
  if (!soup_server_listen (sim->server, socket_address, 0, &error))
    goto fail;
  uris = soup_server_get_uris (sim->server);
  if (uris == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "not listening");
      goto fail;
    }
  sim->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  printf ("listening http://%s:%u\n", strchr (host, ':') ? "[::1]" : host, sim->port);
  fflush (stdout);

#ifdef G_OS_UNIX
  g_unix_signal_add (SIGTERM, on_signal, sim);
  g_unix_signal_add (SIGINT, on_signal, sim);
  if (exit_on_stdin_eof)
    {
      stdin_stream = g_unix_input_stream_new (0, FALSE);
      g_input_stream_read_bytes_async (stdin_stream, 4096, G_PRIORITY_DEFAULT, NULL, stdin_closed_cb, sim);
    }
#endif

  g_main_loop_run (sim->loop);
  sim_free (sim);
  return 0;

fail:
  g_printerr ("dockclip-dvr-sim: %s\n", error->message);
  sim_free (sim);
  return 2;
}
