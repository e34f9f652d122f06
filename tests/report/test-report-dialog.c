/* test-report-dialog.c: the evidence report window under Xvfb with real
 * widgets: the options reach the PDF (pages read back with pdfinfo), the
 * report is made while the main loop keeps running (progress shown,
 * options locked), the notes and errors are shown in the window. */
#define G_LOG_DOMAIN "test-report-dialog"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "dc-report-dialog.h"
#include "dc-test-util.h"
#include "report-fixture.h"

typedef struct
{
  gboolean  finished;
  gboolean  ok;
  char     *message;
  guint     ticks;            /* main-loop ticks while the report was made */
  gboolean  saw_progress;     /* the progress bar shown during the run */
  gboolean  saw_locked;       /* the options insensitive during the run */
  DcReportDialog *dialog;
} Run;

static void
finished_cb (DcReportDialog *dialog,
             gboolean        ok,
             const char     *message,
             Run            *run)
{
  (void) dialog;
  run->finished = TRUE;
  run->ok = ok;
  g_free (run->message);
  run->message = g_strdup (message);
}

static gboolean
tick_cb (gpointer data)
{
  Run *run = data;
  GtkWidget *bar, *group;

  if (run->finished)
    return G_SOURCE_REMOVE;
  run->ticks++;
  bar = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (run->dialog), DC_TYPE_REPORT_DIALOG, "progress_bar"));
  group = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (run->dialog), DC_TYPE_REPORT_DIALOG, "options_group"));
  run->saw_progress |= gtk_widget_get_visible (bar);
  run->saw_locked |= !gtk_widget_get_sensitive (group);
  return G_SOURCE_CONTINUE;
}

static gboolean
is_finished (gpointer data)
{
  return ((Run *) data)->finished;
}

static GtkWidget *
child (DcReportDialog *dialog,
       const char     *name)
{
  GtkWidget *w = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (dialog), DC_TYPE_REPORT_DIALOG, name));

  g_assert_nonnull (w);
  return w;
}

/* Presses Make Report and waits for the result, ticking every 2 ms. */
static void
make (DcReportDialog *dialog,
      Run            *run)
{
  run->finished = FALSE;
  run->ticks = 0;
  run->saw_progress = FALSE;
  run->saw_locked = FALSE;
  run->dialog = dialog;
  g_timeout_add (2, tick_cb, run);
  gtk_widget_activate (child (dialog, "make_button"));
  g_assert_true (dc_test_wait_until (is_finished, run, 60000));
}

static int
pdf_pages (const char *pdf)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "pdfinfo", pdf, NULL };
  const char *p;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  p = strstr (out, "\nPages:");
  g_assert_nonnull (p);
  return atoi (p + strlen ("\nPages:"));
}

static void
test_make (Fixture       *fx,
           gconstpointer  data)
{
  GtkWidget *parent = gtk_window_new ();
  g_autofree char *pdf = g_build_filename (fx->dir, "gui.pdf", NULL);
  g_autofree char *expected_default = NULL;
  DcReportDialog *dialog;
  Run run = { 0 };
  const char *status;

  (void) data;
  gtk_window_present (GTK_WINDOW (parent));
  dialog = dc_report_dialog_present (GTK_WINDOW (parent), fx->esheet, fx->pictures);
  g_signal_connect (dialog, "finished", G_CALLBACK (finished_cb), &run);
  /* By default the PDF goes beside the picture folder, not into it. */
  expected_default = g_build_filename (fx->out, BATCH " evidence report.pdf", NULL);
  g_assert_cmpstr (dc_report_dialog_get_pdf_path (dialog), ==, expected_default);
  dc_report_dialog_set_pdf_path (dialog, pdf);
  dc_report_dialog_set_open_when_done (dialog, FALSE);

  /* 4 a page unless chosen otherwise */
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (child (dialog, "per_page_row"))), ==, 1);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (child (dialog, "marked_switch"))));

  /* 2 a page, everything: the cover and 3 pages. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (dialog, "per_page_row")), 0);
  make (dialog, &run);
  g_test_message ("first run: %u ticks, %s", run.ticks, run.message);
  g_assert_true (run.ok);
  g_assert_cmpstr (run.message, ==, pdf);
  g_assert_cmpint (pdf_pages (pdf), ==, 4);
  /* the window kept running: its timer ticked, the bar showed, the
   * options were locked until the end and are free again */
  g_assert_cmpuint (run.ticks, >, 2);
  g_assert_true (run.saw_progress);
  g_assert_true (run.saw_locked);
  g_assert_true (gtk_widget_get_sensitive (child (dialog, "options_group")));
  g_assert_false (gtk_widget_get_visible (child (dialog, "progress_bar")));
  /* what the report could not vouch for is said in the window */
  status = gtk_label_get_text (GTK_LABEL (child (dialog, "status_label")));
  g_assert_true (gtk_widget_get_visible (child (dialog, "status_label")));
  g_assert_nonnull (strstr (status, "4 pages, 6 pictures of 5 waybills"));
  g_assert_nonnull (strstr (status, "YT2000000009"));
  g_assert_nonnull (strstr (status, "no longer matches"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (child (dialog, "cancel_button"))), ==, "_Close");

  /* 4 a page, marked only: the cover and 1 page. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (dialog, "per_page_row")), 1);
  gtk_switch_set_active (GTK_SWITCH (child (dialog, "marked_switch")), TRUE);
  make (dialog, &run);
  g_assert_true (run.ok);
  g_assert_cmpint (pdf_pages (pdf), ==, 2);

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (parent));
  dc_test_pump (50);
  g_free (run.message);
}

static void
test_errors (Fixture       *fx,
             gconstpointer  data)
{
  GtkWidget *parent = gtk_window_new ();
  g_autofree char *missing = g_build_filename (fx->out, "no-such-batch", NULL);
  g_autofree char *pdf = g_build_filename (fx->dir, "never.pdf", NULL);
  DcReportDialog *dialog, *without_sheet;
  Run run = { 0 };
  GtkWidget *status;

  (void) data;
  gtk_window_present (GTK_WINDOW (parent));
  dialog = dc_report_dialog_present (GTK_WINDOW (parent), fx->esheet, missing);
  g_signal_connect (dialog, "finished", G_CALLBACK (finished_cb), &run);
  dc_report_dialog_set_pdf_path (dialog, pdf);
  dc_report_dialog_set_open_when_done (dialog, FALSE);
  make (dialog, &run);
  g_assert_false (run.ok);
  status = child (dialog, "status_label");
  g_assert_true (gtk_widget_get_visible (status));
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (status)), missing));
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  /* it can be tried again */
  g_assert_true (gtk_widget_get_sensitive (child (dialog, "make_button")));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Without an e-sheet there is nothing to make: the button is off and
   * the window says what to do. */
  without_sheet = dc_report_dialog_present (GTK_WINDOW (parent), NULL, fx->pictures);
  dc_test_pump (20);
  g_assert_false (gtk_widget_get_sensitive (child (without_sheet, "make_button")));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (without_sheet, "summary_label"))), "e-sheet"));
  gtk_window_destroy (GTK_WINDOW (without_sheet));
  gtk_window_destroy (GTK_WINDOW (parent));
  dc_test_pump (50);
  g_free (run.message);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closed while the report is being made: the run is cancelled, the
 * window's late callback touches none of its (disposed) widgets, and the
 * window is freed once the worker is done; no .part is left behind.
 * (Disposing a window drops its signal handlers: the test waits for the
 * window to be finalized instead of its "finished".) */
static void
test_close_while_making (Fixture       *fx,
                         gconstpointer  data)
{
  GtkWidget *parent = gtk_window_new ();
  g_autofree char *pdf = g_build_filename (fx->dir, "closed.pdf", NULL);
  g_autofree char *part = g_strconcat (pdf, ".part", NULL);
  DcReportDialog *dialog;
  gpointer alive;

  (void) data;
  gtk_window_present (GTK_WINDOW (parent));
  dialog = dc_report_dialog_present (GTK_WINDOW (parent), fx->esheet, fx->pictures);
  dc_report_dialog_set_pdf_path (dialog, pdf);
  dc_report_dialog_set_open_when_done (dialog, FALSE);
  alive = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), &alive);
  /* clicked now (activating a GtkButton clicks it after its press animation) */
  g_signal_emit_by_name (child (dialog, "make_button"), "clicked");
  g_assert_false (gtk_widget_get_sensitive (child (dialog, "options_group")));
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (dc_test_wait_until (is_null, &alive, 60000));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  /* cancelled at the first row it reached; a PDF only if the worker had
   * already finished, and then a whole one */
  if (g_file_test (pdf, G_FILE_TEST_EXISTS))
    g_assert_cmpint (pdf_pages (pdf), ==, 3);
  gtk_window_destroy (GTK_WINDOW (parent));
  dc_test_pump (50);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp = NULL;
  int status;

  g_setenv ("TZ", "Asia/Shanghai", TRUE);
  tmp = dc_test_private_xdg_dirs ();
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    g_error ("no display: run under Xvfb (xvfb-run)");
  adw_init ();
  g_test_add ("/report/dialog/make", Fixture, NULL, fixture_set_up, test_make, fixture_tear_down);
  g_test_add ("/report/dialog/errors", Fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
  g_test_add ("/report/dialog/close-while-making", Fixture, NULL, fixture_set_up, test_close_while_making,
              fixture_tear_down);
  status = g_test_run ();
  dc_test_rmdir (tmp);
  return status;
}
