/* Integration tests of the drivers against dockclip-dvr-sim over
 * 127.0.0.1: probe (clock offset, time mode), search paging, downloads
 * (whole, by time, Range), wrong password, faults, finder handles and
 * cancel. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "dc-test-sim.h"
#include "dc-test-util.h"
#include "dvr/dc-dvr.h"
#include "util/dc-log.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static gboolean
have_sim (void)
{
  /* meson always builds the simulator and sets DC_DVR_SIM: its absence
   * is a broken test set-up, not a reason to pass */
  if (g_getenv ("DC_DVR_SIM") == NULL)
    g_error ("DC_DVR_SIM is not set (run the tests with meson test)");
  return TRUE;
}

static DcTestSim *
start_sim (const char *brand, const char *const *args)
{
  g_autoptr(GError) error = NULL;
  DcTestSim *sim = dc_test_sim_start (brand, args, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sim);
  return sim;
}

static DcDvrSession *
session_for (DcTestSim *sim, DcDvrBrand brand, const char *password)
{
  DcDvrConfig cfg = { (char *) "sim", brand, (char *) dc_test_sim_get_url (sim), (char *) "admin",
                      (char *) (password ? password : "secret"), 1, DC_DVR_TIME_AUTO, -1 };
  g_autoptr(GError) error = NULL;
  DcDvrSession *s = dc_dvr_session_new (&cfg, NULL, &error);
  g_assert_no_error (error);
  dc_dvr_session_set_stall_timeout (s, 2);
  return s;
}

static GBytes *
read_all (DcByteSource *src, GError **error)
{
  GByteArray *all = g_byte_array_new ();
  guint8 buf[65536];
  gssize n;

  while ((n = dc_byte_source_read (src, buf, sizeof buf, error)) > 0)
    g_byte_array_append (all, buf, (guint) n);
  if (n < 0)
    {
      g_byte_array_unref (all);
      return NULL;
    }
  return g_byte_array_free_to_bytes (all);
}

/* A finished segment (not the one being written) of @channel. */
static DcDvrSegment *
old_segment (DcDvrSession *s, guint channel)
{
  gint64 now = g_get_real_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = dc_dvr_session_search (s, channel, now - 3 * HOUR_US, now - 2 * HOUR_US, &error);
  DcDvrSegment *seg;

  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, >=, 6);
  seg = g_ptr_array_index (segs, 2);
  g_assert_false (seg->still_writing);
  return dc_dvr_segment_copy (seg);
}

static void
test_hik_probe (void)
{
  const char *args[] = { "--clock-offset", "125", "--channels", "3", NULL };
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GError) error = NULL;
  const DcDvrInfo *info;

  if (!have_sim ())
    return;
  sim = start_sim ("hikvision", args);
  s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
  info = dc_dvr_session_probe (s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_true (dc_dvr_session_get_info (s) == info);
  g_assert_nonnull (info->model);
  g_assert_cmpuint (info->n_channels, ==, 3);
  g_assert_cmpuint (g_strv_length (info->channel_names), ==, 3);
  g_assert_cmpint (info->clock_offset_s, >=, 124);
  g_assert_cmpint (info->clock_offset_s, <=, 126);
  /* Detected (TZ is UTC+8 here, so local and UTC digits differ). */
  g_assert_cmpint (info->time_mode, ==, DC_DVR_TIME_LOCAL);
  g_assert_true (info->download_by_time);
}

static void
test_hik_probe_utc (void)
{
  const char *args[] = { "--time-mode", "utc", "--clock-offset", "-30", NULL };
  const char *args_tt[] = { "--time-mode", "utc", "--report-time-type", "--download-by-time", "no", NULL };
  g_autoptr(GError) error = NULL;

  if (!have_sim ())
    return;
  {
    g_autoptr(DcTestSim) sim = start_sim ("hikvision", args);
    g_autoptr(DcDvrSession) s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
    const DcDvrInfo *info = dc_dvr_session_probe (s, &error);
    gint64 now = g_get_real_time ();
    g_autoptr(GPtrArray) segs = NULL;
    DcDvrSegment *last;

    g_assert_no_error (error);
    g_assert_cmpint (info->time_mode, ==, DC_DVR_TIME_UTC);
    g_assert_cmpint (info->clock_offset_s, >=, -31);
    g_assert_cmpint (info->clock_offset_s, <=, -29);
    /* Results come back as PC instants: the live segment ends about now. */
    segs = dc_dvr_session_search (s, 1, now - 20 * 60 * G_USEC_PER_SEC, now, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (segs->len, >=, 1);
    last = g_ptr_array_index (segs, segs->len - 1);
    g_assert_cmpint (ABS (last->end_us - now), <, 10 * G_USEC_PER_SEC);
    g_assert_true (last->still_writing);
  }
  {
    g_autoptr(DcTestSim) sim = start_sim ("hikvision", args_tt);
    g_autoptr(DcDvrSession) s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
    const DcDvrInfo *info = dc_dvr_session_probe (s, &error);
    g_autoptr(DcByteSource) src = NULL;
    gint64 now = g_get_real_time ();

    g_assert_no_error (error);
    g_assert_cmpint (info->time_mode, ==, DC_DVR_TIME_UTC);   /* from <timeType> */
    g_assert_false (info->download_by_time);
    /* No search requests were needed to decide. */
    g_assert_cmpint (dc_test_sim_get_requests (sim, "/ISAPI/ContentMgmt/search"), ==, 0);
    src = dc_dvr_session_open_window (s, 1, NULL, now - HOUR_US, now - HOUR_US + 10 * G_USEC_PER_SEC, &error);
    g_assert_null (src);
    g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED);
  }
}

static void
check_contiguous (GPtrArray *segs, guint channel)
{
  for (guint i = 0; i < segs->len; i++)
    {
      DcDvrSegment *seg = g_ptr_array_index (segs, i);
      g_assert_cmpuint (seg->channel, ==, channel);
      g_assert_cmpint (seg->end_us, >, seg->start_us);
      g_assert_nonnull (seg->uri);
      g_assert_nonnull (seg->container);
      if (i > 0)
        g_assert_cmpint (((DcDvrSegment *) g_ptr_array_index (segs, i - 1))->end_us, ==, seg->start_us);
    }
}

static void
test_hik_search_paging (void)
{
  const char *args[] = { "--xmlns", "hikvision", "--clock-offset", "40", NULL };
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = NULL;
  gint64 now = g_get_real_time ();
  gint64 before;
  DcDvrSegment *first;

  if (!have_sim ())
    return;
  sim = start_sim ("hikvision", args);
  s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
  g_assert_nonnull (dc_dvr_session_probe (s, &error));
  before = dc_test_sim_get_requests (sim, "/ISAPI/ContentMgmt/search");
  /* 12 h = 72 ten-minute segments: two pages of at most 40. */
  segs = dc_dvr_session_search (s, 2, now - 12 * HOUR_US, now, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, >=, 72);
  g_assert_cmpuint (segs->len, <=, 73);
  g_assert_cmpint (dc_test_sim_get_requests (sim, "/ISAPI/ContentMgmt/search") - before, >=, 2);
  check_contiguous (segs, 2);
  first = g_ptr_array_index (segs, 0);
  g_assert_cmpint (first->start_us, <=, now - 12 * HOUR_US);
  g_assert_cmpint (first->end_us, >, now - 12 * HOUR_US);
  g_assert_cmpstr (first->container, ==, "mpeg");
  g_assert_cmpuint (first->size, >, 0);
  /* Boundaries land on whole ten minutes of the recorder's clock, i.e.
   * 40 s off ours: the offset was taken out. */
  g_assert_cmpint (((first->end_us / G_USEC_PER_SEC) + 40) % 600, ==, 0);
  g_clear_pointer (&segs, g_ptr_array_unref);

  /* Nothing recorded in the future: an empty array, not an error. */
  segs = dc_dvr_session_search (s, 1, now + HOUR_US, now + 2 * HOUR_US, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, ==, 0);
}

static void
test_hik_download (void)
{
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcDvrSegment) seg = NULL;
  g_autoptr(GBytes) a = NULL, b = NULL, w = NULL;
  const guint8 *d;
  gsize len;

  if (!have_sim ())
    return;
  sim = start_sim ("hikvision", NULL);
  s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
  seg = old_segment (s, 1);
  {
    g_autoptr(DcByteSource) src = dc_dvr_session_open_segment (s, seg, &error);
    g_assert_no_error (error);
    g_assert_cmpint (src->size, ==, (gint64) seg->size);
    a = read_all (src, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (src->bytes_transferred, ==, g_bytes_get_size (a));
  }
  d = g_bytes_get_data (a, &len);
  g_assert_cmpuint (len, ==, seg->size);
  g_assert_cmpmem (d, 4, "IMKH", 4);
  {
    g_autoptr(DcByteSource) src = NULL;
    src = dc_dvr_session_open_segment (s, seg, &error);
    g_assert_no_error (error);
    b = read_all (src, &error);
    g_assert_no_error (error);
  }
  g_assert_true (g_bytes_equal (a, b));   /* same bytes again: deterministic, complete */

  /* By time: 10 s cut by the device out of the same segment. */
  {
    g_autoptr(DcByteSource) src = dc_dvr_session_open_window (s, 1, seg, seg->start_us + 60 * G_USEC_PER_SEC,
                                                              seg->start_us + 70 * G_USEC_PER_SEC, &error);
    g_assert_no_error (error);
    w = read_all (src, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (g_bytes_get_size (w), >, 0);
  g_assert_cmpuint (g_bytes_get_size (w), <, len / 10);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), ==, 0);
}

static void
progress_cb (guint64 done, guint64 total, gpointer user_data)
{
  guint64 *last = user_data;
  g_assert_cmpuint (done, >=, last[0]);
  last[0] = done;
  last[1] = total;
}

static void
read_exactly (DcByteSource *src, guint8 *buf, gsize len)
{
  gsize got = 0;

  while (got < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = dc_byte_source_read (src, buf + got, len - got, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      got += (gsize) n;
    }
}

static void
test_hik_range (void)
{
  const char *no_range[] = { "--range", "no", NULL };
  g_autoptr(GError) error = NULL;

  if (!have_sim ())
    return;
  {
    g_autoptr(DcTestSim) sim = start_sim ("hikvision", NULL);
    g_autoptr(DcDvrSession) s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
    g_autoptr(DcDvrSegment) seg = old_segment (s, 1);
    g_autoptr(DcByteSource) src = NULL;
    g_autoptr(GBytes) all = NULL, rest = NULL;
    guint64 half = seg->size / 2;
    guint64 progress[2] = { 0, 0 };
    guint8 head[100];

    dc_dvr_session_set_progress_func (s, progress_cb, progress);
    src = dc_dvr_session_open_segment (s, seg, &error);
    g_assert_no_error (error);
    all = read_all (src, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (progress[0], ==, seg->size);
    g_assert_cmpuint (progress[1], ==, seg->size);
    g_clear_pointer (&src, dc_byte_source_free);

    dc_dvr_session_set_progress_func (s, NULL, NULL);
    src = dc_dvr_session_open_segment (s, seg, &error);
    g_assert_no_error (error);
    g_assert_true (dc_byte_source_can_seek (src));
    g_assert_cmpint (dc_byte_source_read (src, head, sizeof head, &error), >, 0);
    g_assert_true (dc_byte_source_seek (src, half, &error));
    g_assert_no_error (error);
    rest = read_all (src, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (rest), ==, seg->size - half);
    g_assert_cmpmem (g_bytes_get_data (rest, NULL), g_bytes_get_size (rest),
                     (const guint8 *) g_bytes_get_data (all, NULL) + half, seg->size - half);
    /* Only the second half crossed the wire after the seek. */
    g_assert_cmpuint (src->bytes_transferred, <, seg->size);
    /* And back to the start. */
    g_assert_true (dc_byte_source_seek (src, 0, &error));
    g_assert_cmpint (dc_byte_source_read (src, head, 4, &error), ==, 4);
    g_assert_cmpmem (head, 4, "IMKH", 4);
    g_clear_pointer (&src, dc_byte_source_free);

    /* Sparse reads (a picture out of the file): bounded Range windows,
     * so peeking at two places moves two windows, not the file into
     * socket buffers; reading on continues window after window. */
    {
      gint64 sent_before;
      guint8 peek[100];
      guint64 tail = seg->size - 1000;
      g_autoptr(GBytes) rest2 = NULL;

      g_autoptr(DcDvrSegment) unsized = dc_dvr_segment_copy (seg);

      unsized->size = 0;   /* as from a recorder that does not tell */
      /* the simulator finishes with the transfer closed above first */
      for (guint i = 0; i < 100 && dc_test_sim_get_stat (sim, "downloads_active") > 0; i++)
        g_usleep (50000);
      sent_before = dc_test_sim_get_stat (sim, "bytes_sent");
      /* the transfer closed just above may hold the one download slot a
       * moment longer (busy), as on real recorders */
      for (guint i = 0; i < 50; i++)
        {
          src = dc_dvr_session_open_segment_full (s, unsized, DC_DVR_OPEN_SPARSE, &error);
          if (src != NULL || !g_error_matches (error, DC_DVR_ERROR, DC_DVR_ERROR_BUSY))
            break;
          g_clear_error (&error);
          g_usleep (100000);
        }
      g_assert_no_error (error);
      g_assert_cmpint (src->size, ==, (gint64) seg->size);   /* from Content-Range */
      read_exactly (src, peek, sizeof peek);
      g_assert_cmpmem (peek, sizeof peek, g_bytes_get_data (all, NULL), sizeof peek);
      g_assert_true (dc_byte_source_seek (src, half, &error));
      read_exactly (src, peek, sizeof peek);
      g_assert_cmpmem (peek, sizeof peek, (const guint8 *) g_bytes_get_data (all, NULL) + half, sizeof peek);
      g_assert_cmpint (dc_test_sim_get_stat (sim, "bytes_sent") - sent_before, <=, 2 * 64 * 1024);
      /* the last window asked reaches past the end: only the file's bytes come */
      g_assert_true (dc_byte_source_seek (src, tail, &error));
      rest2 = read_all (src, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (rest2), ==, 1000);
      g_assert_cmpmem (g_bytes_get_data (rest2, NULL), 1000,
                       (const guint8 *) g_bytes_get_data (all, NULL) + tail, 1000);
      /* from the middle on, window after window, every byte right */
      g_assert_true (dc_byte_source_seek (src, half, &error));
      g_clear_pointer (&rest2, g_bytes_unref);
      rest2 = read_all (src, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (rest2), ==, seg->size - half);
      g_assert_true (g_bytes_compare (rest2, rest) == 0);
    }
  }
  {
    g_autoptr(DcTestSim) sim = start_sim ("hikvision", no_range);
    g_autoptr(DcDvrSession) s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
    g_autoptr(DcDvrSegment) seg = old_segment (s, 1);
    g_autoptr(DcByteSource) src = dc_dvr_session_open_segment (s, seg, &error);
    g_autoptr(GBytes) all = NULL;
    guint8 head[4];

    g_assert_no_error (error);
    g_assert_cmpint (dc_byte_source_read (src, head, 4, &error), ==, 4);
    g_assert_false (dc_byte_source_seek (src, seg->size / 2, &error));
    g_assert_true (error->domain == DC_DVR_ERROR || error->domain == G_IO_ERROR);
    g_clear_error (&error);
    /* The stream is still usable where it was. */
    g_assert_cmpuint (src->position, ==, 4);
    all = read_all (src, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (all) + 4, ==, seg->size);
  }
}

static void
test_hik_auth (void)
{
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GError) error = NULL;
  gint64 requests;
  DcDvrSegment seg = { 1, 0, 1, 10, (char *) "rtsp://x/Streaming/tracks/101/?name=a&size=10", (char *) "mpeg", FALSE };

  if (!have_sim ())
    return;
  sim = start_sim ("hikvision", NULL);
  s = session_for (sim, DC_DVR_BRAND_HIKVISION, "wrong");
  g_assert_null (dc_dvr_session_probe (s, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "sim"));
  g_assert_false (dc_dvr_error_is_retryable (error));
  g_clear_error (&error);
  requests = dc_test_sim_get_requests (sim, "/ISAPI/System/deviceInfo");
  /* The session refuses to try again: no lockout. */
  g_assert_null (dc_dvr_session_probe (s, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_null (dc_dvr_session_open_segment (s, &seg, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH);
  g_assert_cmpint (dc_test_sim_get_requests (sim, "/ISAPI/System/deviceInfo"), ==, requests);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), >=, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), <=, 2);
}

/* Opens (and reads) an old segment of a simulator with @faults; returns
 * the error. */
static GError *
fault_error (const char *brand, const char *faults)
{
  const char *args[] = { "--faults", faults, NULL };
  g_autoptr(DcTestSim) sim = start_sim (brand, args);
  g_autoptr(DcDvrSession) s = session_for (sim, g_str_equal (brand, "dahua") ? DC_DVR_BRAND_DAHUA
                                                                              : DC_DVR_BRAND_HIKVISION, NULL);
  g_autoptr(DcDvrSegment) seg = old_segment (s, 1);
  g_autoptr(DcByteSource) src = NULL;
  g_autoptr(GBytes) all = NULL;
  GError *error = NULL;

  /* Only the stall case wants the short stall timeout: on a loaded
   * machine the simulator may pause longer than 2 s making a segment, and
   * a "short" body would then read as a stall. */
  if (strstr (faults, "stall") == NULL)
    dc_dvr_session_set_stall_timeout (s, 20);
  src = dc_dvr_session_open_segment (s, seg, &error);
  if (src == NULL)
    return error;
  all = read_all (src, &error);
  g_assert_null (all);
  return error;
}

static void
test_faults (void)
{
  static const struct { const char *brand, *faults; int code, alt; } cases[] = {
    { "hikvision", "busy:1", DC_DVR_ERROR_BUSY, DC_DVR_ERROR_BUSY },
    { "hikvision", "error200:1", DC_DVR_ERROR_DEVICE, DC_DVR_ERROR_BUSY },
    { "hikvision", "drop:1", DC_DVR_ERROR_DROPPED, DC_DVR_ERROR_DROPPED },
    { "hikvision", "short:1", DC_DVR_ERROR_TRUNCATED, DC_DVR_ERROR_TRUNCATED },
    { "hikvision", "stall:1:6", DC_DVR_ERROR_STALLED, DC_DVR_ERROR_STALLED },
    { "dahua", "busy:1", DC_DVR_ERROR_BUSY, DC_DVR_ERROR_BUSY },
    { "dahua", "error200:1", DC_DVR_ERROR_DEVICE, DC_DVR_ERROR_BUSY },
    { "dahua", "drop:1", DC_DVR_ERROR_DROPPED, DC_DVR_ERROR_DROPPED },
    { "dahua", "short:1", DC_DVR_ERROR_TRUNCATED, DC_DVR_ERROR_TRUNCATED },
  };

  if (!have_sim ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(GError) error = fault_error (cases[i].brand, cases[i].faults);

      g_test_message ("%s %s: %s", cases[i].brand, cases[i].faults, error ? error->message : "no error");
      g_assert_nonnull (error);
      g_assert_true (error->domain == DC_DVR_ERROR);
      g_assert_true (error->code == cases[i].code || error->code == cases[i].alt);
      if (cases[i].code == DC_DVR_ERROR_STALLED)
        g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
    }
}

static void
test_hik_bad_search (void)
{
  const char *bad[] = { "--faults", "badxml:1", NULL };
  const char *trunc[] = { "--faults", "truncpage:1", NULL };
  const char *const *variants[] = { bad, trunc };

  if (!have_sim ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autoptr(DcTestSim) sim = start_sim ("hikvision", variants[i]);
      g_autoptr(DcDvrSession) s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
      g_autoptr(GError) error = NULL;
      gint64 now = g_get_real_time ();
      GPtrArray *segs = dc_dvr_session_search (s, 1, now - HOUR_US, now, &error);
      g_assert_null (segs);
      g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE);
      g_assert_true (dc_dvr_error_is_retryable (error));
    }
}

typedef struct
{
  DcDvrSession *session;
  gint64        delay_us;
  gint64        cancelled_at;
} CancelData;

static gpointer
cancel_later (gpointer user_data)
{
  CancelData *c = user_data;
  g_usleep ((gulong) c->delay_us);
  c->cancelled_at = g_get_monotonic_time ();
  dc_dvr_session_cancel (c->session);
  return NULL;
}

static void
test_cancel_download (void)
{
  const char *args[] = { "--faults", "stall:1:20", NULL };
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(DcDvrSegment) seg = NULL;
  g_autoptr(DcByteSource) src = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) all = NULL;
  CancelData c = { 0 };
  GThread *thread;
  gint64 t;

  if (!have_sim ())
    return;
  sim = start_sim ("hikvision", args);
  s = session_for (sim, DC_DVR_BRAND_HIKVISION, NULL);
  dc_dvr_session_set_stall_timeout (s, 30);
  seg = old_segment (s, 1);
  src = dc_dvr_session_open_segment (s, seg, &error);
  g_assert_no_error (error);
  c.session = s;
  c.delay_us = 300 * 1000;
  thread = g_thread_new ("cancel", cancel_later, &c);
  all = read_all (src, &error);
  t = g_get_monotonic_time ();
  g_thread_join (thread);
  g_assert_null (all);
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CANCELLED);
  g_assert_cmpint (t - c.cancelled_at, <, G_USEC_PER_SEC);
  g_clear_pointer (&src, dc_byte_source_free);
  g_clear_error (&error);

  /* Re-armed, the session works again. */
  dc_dvr_session_reset_cancel (s);
  g_assert_nonnull (dc_dvr_session_probe (s, &error));
  g_assert_no_error (error);
}

static void
test_dahua_probe_search_download (void)
{
  const char *args[] = { "--clock-offset", "-75", "--channels", "2", NULL };
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segs = NULL;
  g_autoptr(GBytes) a = NULL, w = NULL;
  const DcDvrInfo *info;
  gint64 now = g_get_real_time ();
  DcDvrSegment *seg, *last;

  if (!have_sim ())
    return;
  sim = start_sim ("dahua", args);
  s = session_for (sim, DC_DVR_BRAND_DAHUA, NULL);
  info = dc_dvr_session_probe (s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->n_channels, ==, 2);
  g_assert_cmpint (info->clock_offset_s, >=, -76);
  g_assert_cmpint (info->clock_offset_s, <=, -74);
  g_assert_cmpint (info->time_mode, ==, DC_DVR_TIME_LOCAL);
  g_assert_nonnull (info->model);

  /* 20 h = 120 segments: two findNextFile pages of 100. */
  segs = dc_dvr_session_search (s, 2, now - 20 * HOUR_US, now, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (segs->len, >=, 120);
  g_assert_cmpuint (segs->len, <=, 121);
  check_contiguous (segs, 2);
  last = g_ptr_array_index (segs, segs->len - 1);
  g_assert_true (last->still_writing);
  g_assert_cmpint (ABS (last->end_us - now), <, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_open"), ==, 0);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_created"), >=, 1);

  seg = g_ptr_array_index (segs, 3);
  g_assert_cmpstr (seg->container, ==, "mov,mp4,m4a,3gp,3g2,mj2");
  g_assert_nonnull (strchr (seg->uri, '['));
  {
    g_autoptr(DcByteSource) src = dc_dvr_session_open_segment (s, seg, &error);
    g_assert_no_error (error);
    a = read_all (src, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (g_bytes_get_size (a), ==, seg->size);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (a, NULL) + 4, 4, "ftyp", 4);
  {
    g_autoptr(DcByteSource) src = dc_dvr_session_open_window (s, 2, seg, seg->start_us + 30 * G_USEC_PER_SEC,
                                                              seg->start_us + 40 * G_USEC_PER_SEC, &error);
    g_assert_no_error (error);
    w = read_all (src, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (g_bytes_get_size (w), >, 0);
  g_assert_cmpuint (g_bytes_get_size (w), <, g_bytes_get_size (a));
}

static void
test_dahua_finders (void)
{
  const char *bad[] = { "--faults", "badxml:1", NULL };
  const char *no_by_time[] = { "--download-by-time", "no", "--dahua-channel-base", "1", NULL };
  g_autoptr(GError) error = NULL;

  if (!have_sim ())
    return;
  {
    /* A failing search still closes and destroys its finder. */
    g_autoptr(DcTestSim) sim = start_sim ("dahua", bad);
    g_autoptr(DcDvrSession) s = session_for (sim, DC_DVR_BRAND_DAHUA, NULL);
    gint64 now = g_get_real_time ();
    GPtrArray *segs = dc_dvr_session_search (s, 1, now - HOUR_US, now, &error);
    g_assert_null (segs);
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_created"), >=, 1);
    g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_open"), ==, 0);
  }
  {
    g_autoptr(DcTestSim) sim = start_sim ("dahua", no_by_time);
    g_autoptr(DcDvrSession) s = session_for (sim, DC_DVR_BRAND_DAHUA, NULL);
    gint64 now = g_get_real_time ();
    g_autoptr(GPtrArray) segs = NULL;
    DcByteSource *src;

    g_assert_nonnull (dc_dvr_session_probe (s, &error));
    /* Cancelled at many different points of the search: never a finder
     * left open on the device. */
    for (guint i = 0; i < 12; i++)
      {
        CancelData c = { s, i * 1500, 0 };
        GThread *thread = g_thread_new ("cancel", cancel_later, &c);
        GPtrArray *res = dc_dvr_session_search (s, 1, now - 20 * HOUR_US, now, &error);
        g_thread_join (thread);
        if (res != NULL)
          g_ptr_array_unref (res);
        else
          g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_CANCELLED);
        g_clear_error (&error);
        dc_dvr_session_release (s);
        dc_dvr_session_reset_cancel (s);
        g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_open"), ==, 0);
      }
    segs = dc_dvr_session_search (s, 1, now - HOUR_US, now, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (segs->len, >=, 6);
    src = dc_dvr_session_open_window (s, 1, NULL, now - HOUR_US, now - HOUR_US + 10 * G_USEC_PER_SEC, &error);
    g_assert_null (src);
    g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED);
    g_assert_false (dc_dvr_session_get_info (s)->download_by_time);
    g_assert_cmpint (dc_test_sim_get_stat (sim, "finders_open"), ==, 0);
  }
}

static void
test_dahua_auth (void)
{
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time ();

  if (!have_sim ())
    return;
  sim = start_sim ("dahua", NULL);
  s = session_for (sim, DC_DVR_BRAND_DAHUA, "wrong");
  g_assert_null (dc_dvr_session_search (s, 1, now - HOUR_US, now, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_null (dc_dvr_session_probe (s, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_AUTH);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), >=, 1);
  g_assert_cmpint (dc_test_sim_get_stat (sim, "auth_failures"), <=, 2);
}

static void
test_unreachable (void)
{
  /* A port nobody listens on (bind, note, close). */
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcDvrSession) s = NULL;
  DcDvrConfig cfg = { (char *) "dead", DC_DVR_BRAND_HIKVISION, NULL, (char *) "admin", (char *) "x", 1,
                      DC_DVR_TIME_AUTO, -1 };

  g_assert_true (g_socket_bind (sock, addr, TRUE, &error));
  bound = g_socket_get_local_address (sock, &error);
  url = g_strdup_printf ("http://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (sock, NULL);
  cfg.url = url;
  s = dc_dvr_session_new (&cfg, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (dc_dvr_session_probe (s, &error));
  g_assert_error (error, DC_DVR_ERROR, DC_DVR_ERROR_UNREACHABLE);
  g_assert_true (dc_dvr_error_is_retryable (error));
}

static void
test_log (void)
{
  const char *args[] = { "--password", "Zq9-pass", NULL };
  g_autoptr(DcTestSim) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *text = NULL;
  g_autoptr(DcLog) log = NULL;
  DcDvrConfig cfg = { (char *) "logged", DC_DVR_BRAND_HIKVISION, NULL, (char *) "admin", (char *) "Zq9-pass", 1,
                      DC_DVR_TIME_AUTO, -1 };
  gint64 now = g_get_real_time ();

  if (!have_sim ())
    return;
  sim = start_sim ("hikvision", args);
  dir = dc_test_mkdtemp ();
  log = dc_log_open (dir, "127.0.0.1", &error);
  g_assert_no_error (error);
  cfg.url = (char *) dc_test_sim_get_url (sim);
  {
    g_autoptr(DcDvrSession) s = dc_dvr_session_new (&cfg, log, &error);
    g_autoptr(GPtrArray) segs = dc_dvr_session_search (s, 1, now - HOUR_US, now, &error);
    g_assert_no_error (error);
    g_assert_nonnull (segs);
  }
  g_assert_true (g_file_get_contents (dc_log_get_path (log), &text, NULL, &error));
  g_assert_nonnull (strstr (text, "GET /ISAPI/System/deviceInfo -> 200"));
  g_assert_nonnull (strstr (text, "POST /ISAPI/ContentMgmt/search -> 200"));
  g_assert_nonnull (strstr (text, "probe:"));
  g_assert_null (strstr (text, "Zq9-pass"));
  g_assert_null (strstr (text, "Authorization"));
  g_assert_null (strstr (text, "Digest"));
  dc_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  /* UTC+8 without DST for us and the simulators we start, so that local
   * and UTC wire digits differ. */
  g_setenv ("TZ", "CST-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dvr/sim/unreachable", test_unreachable);
  g_test_add_func ("/dvr/sim/log", test_log);
  g_test_add_func ("/dvr/sim/hik/probe", test_hik_probe);
  g_test_add_func ("/dvr/sim/hik/probe-utc", test_hik_probe_utc);
  g_test_add_func ("/dvr/sim/hik/search-paging", test_hik_search_paging);
  g_test_add_func ("/dvr/sim/hik/bad-search", test_hik_bad_search);
  g_test_add_func ("/dvr/sim/hik/download", test_hik_download);
  g_test_add_func ("/dvr/sim/hik/range", test_hik_range);
  g_test_add_func ("/dvr/sim/hik/auth", test_hik_auth);
  g_test_add_func ("/dvr/sim/faults", test_faults);
  g_test_add_func ("/dvr/sim/cancel-download", test_cancel_download);
  g_test_add_func ("/dvr/sim/dahua/probe-search-download", test_dahua_probe_search_download);
  g_test_add_func ("/dvr/sim/dahua/finders", test_dahua_finders);
  g_test_add_func ("/dvr/sim/dahua/auth", test_dahua_auth);
  return g_test_run ();
}
