/* The drivers against every firmware profile of dockclip-dvr-sim (real
 * devices' behaviour, modelled by the simulator): a program of its own so
 * each stays well within its time budget under ASan. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "dc-test-sim.h"
#include "dc-test-util.h"
#include "dvr/dc-dvr.h"
#include "dvr/dc-dvr-parse.h"
#include "dvr/dc-http.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static gboolean
have_sim (void)
{
  /* The simulator is part of every build that runs this test (meson
   * registers it only then): its absence is a failure, not a skip. */
  g_assert_nonnull (g_getenv ("DC_DVR_SIM"));
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

/* Every firmware profile of the simulator: probe, then search the first
 * two channels; each segment is the asked camera's (its URI or path names
 * it), and the first bytes of one download are media. */
static void
test_profiles (void)
{
  static const struct { const char *profile; const char *brand; } cases[] = {
    { "hik-strict-v1", "hikvision" }, { "hik-v2-only", "hikvision" },
    { "hik-dvr-analog", "hikvision" }, { "hik-camera", "hikvision" },
    { "dahua-zero-based", "dahua" }, { "dahua-one-based", "dahua" },
    { "amcrest", "dahua" }, { "dahua-unpadded-clock", "dahua" },
  };

  if (!have_sim ())
    return;
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const char *args[] = { "--profile", cases[k].profile, NULL };
      DcDvrBrand brand = g_str_equal (cases[k].brand, "dahua") ? DC_DVR_BRAND_DAHUA : DC_DVR_BRAND_HIKVISION;
      g_autoptr(DcTestSim) sim = start_sim (cases[k].brand, args);
      g_autoptr(DcDvrSession) s = session_for (sim, brand, NULL);
      g_autoptr(GError) error = NULL;
      const DcDvrInfo *info = dc_dvr_session_probe (s, &error);
      gint64 now = g_get_real_time ();

      g_test_message ("profile %s", cases[k].profile);
      g_assert_no_error (error);
      g_assert_cmpuint (info->n_channels, >=, 1);
      g_assert_cmpint (ABS (info->clock_offset_s), <=, 2);
      for (guint ch = 1; ch <= MIN (info->n_channels, 2); ch++)
        {
          g_autoptr(GPtrArray) segs = dc_dvr_session_search (s, ch, now - 3 * HOUR_US, now - 2 * HOUR_US, &error);
          g_autofree char *hik = g_strdup_printf ("/tracks/%u01/", ch);
          g_autofree char *dahua = g_strdup_printf ("/%03u/dav/", ch);

          g_assert_no_error (error);
          g_assert_cmpuint (segs->len, >=, 1);
          for (guint i = 0; i < segs->len; i++)
            {
              const DcDvrSegment *seg = g_ptr_array_index (segs, i);
              g_assert_cmpuint (seg->channel, ==, ch);
              g_assert_nonnull (strstr (seg->uri, brand == DC_DVR_BRAND_DAHUA ? dahua : hik));
              /* The camera folder is what the driver checks every result
               * against (and learns the numbering from): it must read
               * the simulator's paths as it reads a real device's. */
              if (brand == DC_DVR_BRAND_DAHUA)
                g_assert_cmpint (dc_dahua_path_channel (seg->uri), ==, (int) ch);
              if (g_str_equal (cases[k].profile, "amcrest"))
                g_assert_null (seg->container);
            }
          if (ch == 1)
            {
              DcByteSource *src = dc_dvr_session_open_segment (s, g_ptr_array_index (segs, 0), &error);
              guint8 head[16];
              gsize got = 0;
              g_assert_no_error (error);
              while (got < sizeof head)
                {
                  gssize n = dc_byte_source_read (src, head + got, sizeof head - got, &error);
                  g_assert_no_error (error);
                  g_assert_cmpint (n, >, 0);
                  got += (gsize) n;
                }
              g_assert_true (dc_http_sniff_media (head, sizeof head));
              dc_byte_source_free (src);
            }
        }
    }
}

int
main (int argc, char **argv)
{
  /* Local digits differ from UTC ones: the time mode is really detected. */
  g_setenv ("TZ", "CST-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dvr/sim/profiles", test_profiles);
  return g_test_run ();
}
