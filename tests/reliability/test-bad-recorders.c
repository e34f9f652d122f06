/* Three broken "recorders" in the same engine as a healthy simulator: one
 * that accepts the TCP connection and never answers, one that answers one
 * byte per second, one that resets every connection.  The healthy
 * recorder's jobs finish in about the time they take alone; the broken
 * ones fail with a reason within the stall timeout and attempts. */
#define G_LOG_DOMAIN "test-reliability"

#include "config.h"

#include <gio/gio.h>

#include "dc-test-util.h"
#include "rel-common.h"

#define N_HEALTHY 8
#define N_BAD_EACH 2
#define STALL_S 2
#define ATTEMPTS 2

typedef enum
{
  BAD_SILENT,   /* accepts, never answers */
  BAD_TRICKLE,  /* answers one byte per second */
  BAD_RESET,    /* resets every connection */
} BadKind;

typedef struct
{
  BadKind           kind;
  GSocketListener  *listener;
  guint16           port;
  GCancellable     *cancel;
  GThread          *thread;
  GPtrArray        *held;      /* GSocketConnection* kept open (silent) */
  GPtrArray        *threads;   /* trickle writers */
  GMutex            lock;
  guint             accepted;
} BadServer;

typedef struct
{
  BadServer         *server;
  GSocketConnection *conn;
} Trickle;

static gpointer
trickle_thread (gpointer data)
{
  Trickle *t = data;
  GSocket *sock = g_socket_connection_get_socket (t->conn);
  static const char answer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 400\r\n\r\n"
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"2.0\" "
    "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><deviceName>slow</deviceName>"
    "<model>DS-7608NI</model></DeviceInfo>";
  char buf[4096];

  /* Read the request (whatever it is), then dribble the answer. */
  g_socket_set_timeout (sock, 1);
  (void) g_socket_receive (sock, buf, sizeof buf, t->server->cancel, NULL);
  g_socket_set_timeout (sock, 0);
  for (gsize i = 0; i < sizeof answer - 1; i++)
    {
      if (g_socket_send (sock, answer + i, 1, t->server->cancel, NULL) != 1)
        break;
      /* 1 byte per second, but wake up quickly when the test ends */
      for (int k = 0; k < 20 && !g_cancellable_is_cancelled (t->server->cancel); k++)
        g_usleep (50 * 1000);
      if (g_cancellable_is_cancelled (t->server->cancel))
        break;
    }
  g_object_unref (t->conn);
  g_free (t);
  return NULL;
}

static gpointer
server_thread (gpointer data)
{
  BadServer *s = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocketConnection *conn = g_socket_listener_accept (s->listener, NULL, s->cancel, &error);
      GSocket *sock;

      if (conn == NULL)
        break;
      g_mutex_lock (&s->lock);
      s->accepted++;
      g_mutex_unlock (&s->lock);
      sock = g_socket_connection_get_socket (conn);
      switch (s->kind)
        {
        case BAD_SILENT:
          g_mutex_lock (&s->lock);
          g_ptr_array_add (s->held, conn);
          g_mutex_unlock (&s->lock);
          break;
        case BAD_TRICKLE:
          {
            Trickle *t = g_new0 (Trickle, 1);
            t->server = s;
            t->conn = conn;
            g_mutex_lock (&s->lock);
            g_ptr_array_add (s->threads, g_thread_new ("trickle", trickle_thread, t));
            g_mutex_unlock (&s->lock);
          }
          break;
        case BAD_RESET:
          /* Closing a socket with unread data makes the kernel send RST. */
          g_socket_condition_timed_wait (sock, G_IO_IN, G_USEC_PER_SEC, NULL, NULL);
          g_socket_close (sock, NULL);
          g_object_unref (conn);
          break;
        }
    }
  return NULL;
}

static BadServer *
bad_server_start (BadKind kind)
{
  BadServer *s = g_new0 (BadServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  s->kind = kind;
  s->listener = g_socket_listener_new ();
  s->cancel = g_cancellable_new ();
  s->held = g_ptr_array_new_with_free_func (g_object_unref);
  s->threads = g_ptr_array_new ();
  g_mutex_init (&s->lock);
  g_assert_true (g_socket_listener_add_address (s->listener, addr, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  s->thread = g_thread_new ("bad-server", server_thread, s);
  return s;
}

static void
bad_server_stop (BadServer *s)
{
  g_cancellable_cancel (s->cancel);
  g_thread_join (s->thread);
  for (guint i = 0; i < s->threads->len; i++)
    g_thread_join (g_ptr_array_index (s->threads, i));
  g_ptr_array_unref (s->threads);
  g_ptr_array_unref (s->held);
  g_socket_listener_close (s->listener);
  g_object_unref (s->listener);
  g_object_unref (s->cancel);
  g_mutex_clear (&s->lock);
  g_free (s);
}

static DcDownloader *
make_downloader (DcConfig *cfg, const char *out, const char *logs)
{
  DcDownloaderOptions options;

  dc_downloader_options_init (&options);
  options.out_dir = (char *) out;
  options.log_dir = (char *) logs;
  options.retry_base_us = 200 * 1000;
  options.retry_max_us = 400 * 1000;
  options.max_attempts = ATTEMPTS;
  options.stall_timeout_s = STALL_S;
  return dc_downloader_new (cfg, &options);
}

static guint
add_job (DcDownloader *d, const char *waybill, const char *dock, const char *dvr, gint64 scan)
{
  g_autoptr(DcDownloadRequest) req = dc_download_request_new (waybill, dock, dvr, 1, scan);
  g_autoptr(GError) error = NULL;
  guint id;

  g_free (req->batch);
  req->batch = g_strdup ("sheet");
  id = dc_downloader_add (d, req, &error);
  g_assert_no_error (error);
  return id;
}

static void
test_bad_recorders (void)
{
  g_autofree char *dir = dc_test_mkdtemp ();
  g_autofree char *logs = g_build_filename (dir, "logs", NULL);
  g_autofree char *out_alone = g_build_filename (dir, "alone", NULL);
  g_autofree char *out_mixed = g_build_filename (dir, "mixed", NULL);
  g_autoptr(GPtrArray) sims = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_test_sim_stop);
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(DcConfig) cfg = NULL;
  const char *args[] = { "--download-by-time", "yes", NULL };
  const char *bad_names[] = { "silent", "trickle", "reset" };
  BadServer *bad[3];
  gint64 scans[N_HEALTHY];
  g_autoptr(GArray) healthy_ids = g_array_new (FALSE, FALSE, sizeof (guint));
  guint bad_ids[3][N_BAD_EACH];
  RelEvents ev;
  gint64 t0, t_alone, t_healthy;
  g_autofree char *why = NULL;

  rel_add_sim (config, sims, "healthy", "hikvision", 2, args);
  rel_add_dock (config, "A01", "healthy", 1);
  for (guint k = 0; k < 3; k++)
    {
      bad[k] = bad_server_start ((BadKind) k);
      g_string_append_printf (config, "[dvr %s]\nbrand=%s\nurl=http://127.0.0.1:%u\nuser=admin\n"
                              "password=secret\nmax-downloads=2\n\n", bad_names[k],
                              k == 1 ? "hikvision" : (k == 0 ? "dahua" : "hikvision"), bad[k]->port);
      g_string_append_printf (config, "[dock X%u]\ndvr=%s\nchannel=1\n\n", k, bad_names[k]);
    }
  cfg = rel_load_config (dir, config, NULL);
  for (guint i = 0; i < N_HEALTHY; i++)
    scans[i] = rel_scan_time (15 + (int) i * 2, 3 + (int) i * 5);

  /* The healthy recorder alone.  The mixed run below asks for other
   * seconds (one minute later), so neither run profits from the
   * simulator's cache of encoded seconds. */
  {
    g_autoptr(DcDownloader) d = make_downloader (cfg, out_alone, logs);
    rel_events_init (&ev);
    t0 = g_get_monotonic_time ();
    for (guint i = 0; i < N_HEALTHY; i++)
      {
        g_autofree char *wb = g_strdup_printf ("OK%04u", i);
        add_job (d, wb, "A01", "healthy", scans[i]);
      }
    rel_drain (d, &ev, 50, NULL);
    t_alone = g_get_monotonic_time () - t0;
    g_assert_true (ev.idle);
    rel_events_clear (&ev);
  }

  /* Healthy and broken recorders in one engine. */
  {
    g_autoptr(DcDownloader) d = make_downloader (cfg, out_mixed, logs);
    rel_events_init (&ev);
    t0 = g_get_monotonic_time ();
    /* the broken ones first, so they are busy failing while the healthy one works */
    for (guint k = 0; k < 3; k++)
      for (guint j = 0; j < N_BAD_EACH; j++)
        {
          g_autofree char *wb = g_strdup_printf ("BAD%u%u", k, j);
          g_autofree char *dock = g_strdup_printf ("X%u", k);
          bad_ids[k][j] = add_job (d, wb, dock, bad_names[k], scans[j]);
        }
    for (guint i = 0; i < N_HEALTHY; i++)
      {
        g_autofree char *wb = g_strdup_printf ("OK%04u", i);
        guint id;
        scans[i] += 60 * G_USEC_PER_SEC;
        id = add_job (d, wb, "A01", "healthy", scans[i]);
        g_array_append_val (healthy_ids, id);
      }
    rel_drain (d, &ev, 50, healthy_ids);
    t_healthy = g_get_monotonic_time () - t0;
    g_test_message ("healthy recorder: %.2f s alone, %.2f s beside 3 broken ones",
                    t_alone / 1e6, t_healthy / 1e6);
    for (guint i = 0; i < N_HEALTHY; i++)
      {
        const DcDownloadEvent *e = g_hash_table_lookup (ev.final,
                                                        GUINT_TO_POINTER (g_array_index (healthy_ids, guint, i)));
        g_assert_nonnull (e);
        if (e->state != DC_JOB_DONE)
          g_error ("healthy job failed: %s", e->message);
        if (!rel_picture_is_correct (e->picture_path, 1, scans[i], &why))
          g_error ("%s", why);
      }
    /* Not slowed: a generous factor for a loaded 2-core CI machine (the
     * broken recorders' jobs take ATTEMPTS x stalls each, so an engine that
     * waited on them would be well past this). */
    g_assert_cmpint (t_healthy, <=, 3 * t_alone + 10 * G_USEC_PER_SEC);

    /* The broken ones end failed, with a reason, in bounded time: per
     * attempt at most a connect and a few stalled requests. */
    rel_drain (d, &ev, 50, NULL);
    g_assert_true (ev.idle);
    for (guint k = 0; k < 3; k++)
      for (guint j = 0; j < N_BAD_EACH; j++)
        {
          const DcDownloadEvent *e = g_hash_table_lookup (ev.final, GUINT_TO_POINTER (bad_ids[k][j]));
          gint64 *at = g_hash_table_lookup (ev.final_at, GUINT_TO_POINTER (bad_ids[k][j]));

          g_assert_nonnull (e);
          g_assert_cmpint (e->state, ==, DC_JOB_FAILED);
          g_assert_nonnull (e->message);
          g_assert_nonnull (strstr (e->message, bad_names[k]));
          g_assert_cmpint (e->attempt, <=, ATTEMPTS);
          g_test_message ("%s job %u: failed after %.1f s, attempt %d: %s", bad_names[k], j,
                          (*at - t0) / 1e6, e->attempt, e->message);
          g_assert_cmpint (*at - t0, <=, (gint64) ATTEMPTS * (4 * STALL_S + 1) * G_USEC_PER_SEC);
        }
    g_assert_cmpuint (bad[0]->accepted, >=, 1);
    g_assert_cmpuint (bad[1]->accepted, >=, 1);
    g_assert_cmpuint (bad[2]->accepted, >=, 1);
    rel_events_clear (&ev);
  }

  for (guint k = 0; k < 3; k++)
    bad_server_stop (bad[k]);
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reliability/bad-recorders", test_bad_recorders);
  return g_test_run ();
}
