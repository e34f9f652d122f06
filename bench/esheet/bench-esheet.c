/* bench-esheet: imports one e-sheet and prints, as key=value lines, the
 * import time, the grouping time (by order and by dock) and the peak RSS
 * (VmHWM) beyond the process's RSS before the import.
 * Driven by bench/esheet/run-bench.py, which compares it with Python. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef G_OS_UNIX
#include <sys/resource.h>
#endif

#include "esheet/dc-esheet.h"

/* User and system CPU seconds so far (page faults are system time). */
static void
cpu_split (double *user, double *sys, long *faults)
{
#ifdef G_OS_UNIX
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  *faults = ru.ru_minflt + ru.ru_majflt;
#else
  *user = (double) clock () / CLOCKS_PER_SEC;
  *sys = 0;
  *faults = 0;
#endif
}

static long
status_kb (const char *key)
{
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return -1;
  p = strstr (text, key);
  return p ? strtol (p + strlen (key) + 1, NULL, 10) : -1;
}

int
main (int argc, char **argv)
{
  g_autoptr(DcEsheet) sheet = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheetImportOptions options;
  gint64 t0, t1, t2;
  clock_t c0, c1, c2;
  double u0, s0, u1, s1;
  long f0, f1;
  long rss0;
  GStatBuf st;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-esheet FILE\n");
      return 2;
    }
  g_setenv ("TZ", "Asia/Shanghai", TRUE);
  if (g_stat (argv[1], &st) != 0)
    {
      fprintf (stderr, "cannot stat %s\n", argv[1]);
      return 2;
    }
  sheet = dc_esheet_new ();
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  rss0 = status_kb ("VmRSS:");
  t0 = g_get_monotonic_time ();
  c0 = clock ();
  cpu_split (&u0, &s0, &f0);
  if (!dc_esheet_import_file (sheet, argv[1], &options, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  t1 = g_get_monotonic_time ();
  c1 = clock ();
  cpu_split (&u1, &s1, &f1);
  if (g_getenv ("DC_BENCH_SMAPS"))
    {
      g_autofree char *smaps = NULL;
      if (g_file_get_contents ("/proc/self/smaps_rollup", &smaps, NULL, NULL))
        fprintf (stderr, "%s", smaps);
    }
  dc_esheet_get_n_waybills (sheet);
  dc_esheet_get_n_docks (sheet);
  t2 = g_get_monotonic_time ();
  c2 = clock ();
  printf ("rows=%u\n", dc_esheet_get_n_rows (sheet));
  printf ("waybills=%u\n", dc_esheet_get_n_waybills (sheet));
  printf ("docks=%u\n", dc_esheet_get_n_docks (sheet));
  printf ("rejected=%u\n", dc_esheet_get_n_rejected (sheet));
  printf ("import_s=%.4f\n", (t1 - t0) / 1e6);
  printf ("group_s=%.4f\n", (t2 - t1) / 1e6);
  /* CPU time too: on a shared machine wall time measures the neighbours. */
  printf ("import_cpu_s=%.4f\n", (double) (c1 - c0) / CLOCKS_PER_SEC);
  printf ("import_user_s=%.4f\n", u1 - u0);
  printf ("import_sys_s=%.4f\n", s1 - s0);
  printf ("import_page_faults=%ld\n", f1 - f0);
  printf ("group_cpu_s=%.4f\n", (double) (c2 - c1) / CLOCKS_PER_SEC);
  printf ("file_bytes=%" G_GINT64_FORMAT "\n", (gint64) st.st_size);
  printf ("rss_before_kb=%ld\n", rss0);
  printf ("peak_rss_kb=%ld\n", status_kb ("VmHWM:"));
  return 0;
}
