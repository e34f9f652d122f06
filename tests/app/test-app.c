/* GUI tests of the main window with real widgets (run under Xvfb). */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "dc-app-settings.h"
#include "dc-dvr-settings-window.h"
#include "dc-window.h"
#include "dc-renderer.h"
#include "pictures/dc-picture-page.h"
#include "dc-test-sim.h"
#include "dc-test-util.h"

static gboolean
imports_done (gpointer data)
{
  return dc_window_get_n_pending_imports (data) == 0 &&
         dc_esheet_view_get_n_esheets (dc_window_get_esheet_view (data)) > 0;
}

static DcWindow *
new_window (void)
{
  DcWindow *win = dc_window_new (NULL);

  gtk_window_present (GTK_WINDOW (win));
  return win;
}

static void
close_window (DcWindow *win)
{
  dc_window_shutdown (win);
  gtk_window_destroy (GTK_WINDOW (win));
  /* let GTK finish the unmap/dispose */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static DcWindow *
window_with_sheet (void)
{
  DcWindow *win = new_window ();
  g_autofree char *path = dc_test_data_path ("app/ten-waybills.csv");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  dc_window_open_file (win, file);
  g_assert_true (dc_test_wait_until (imports_done, win, 10000));
  dc_esheet_view_flush_counts (dc_window_get_esheet_view (win));
  return win;
}

static void
assert_order_title (DcEsheetView *view, const char *expected)
{
  g_autofree char *title = NULL;

  dc_esheet_view_flush_counts (view);
  title = dc_esheet_view_dup_order_title (view);
  g_assert_cmpstr (title, ==, expected);
}

static void
assert_dock_titles (DcEsheetView *view, const char *const *expected)
{
  guint n = g_strv_length ((char **) expected);

  dc_esheet_view_flush_counts (view);
  g_assert_cmpuint (dc_esheet_view_get_n_dock_columns (view), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = dc_esheet_view_dup_dock_title (view, i);
      g_assert_cmpstr (title, ==, expected[i]);
    }
}

static void
test_counts_both_views (void)
{
  DcWindow *win = window_with_sheet ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  const char *docks[] = { "A01 (5)", "A02 (3)", "B10 (2)", NULL };

  assert_order_title (view, "Waybill (10)");
  dc_esheet_view_show_by_dock (view, TRUE);
  assert_dock_titles (view, docks);
  dc_esheet_view_show_by_dock (view, FALSE);
  close_window (win);
}

static void
test_filter_counts_follow (void)
{
  DcWindow *win = window_with_sheet ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  const char *a02[] = { "A02 (3)", NULL };
  const char *one[] = { "A01 (1)", NULL };
  const char *all[] = { "A01 (5)", "A02 (3)", "B10 (2)", NULL };

  dc_esheet_view_set_search (view, "a02");
  assert_order_title (view, "Waybill (3)");
  assert_dock_titles (view, a02);
  dc_esheet_view_set_search (view, "1000004");
  assert_order_title (view, "Waybill (1)");
  assert_dock_titles (view, one);
  dc_esheet_view_set_search (view, "no such waybill");
  assert_order_title (view, "Waybill (0)");
  g_assert_cmpuint (dc_esheet_view_get_n_dock_columns (view), ==, 0);
  dc_esheet_view_set_search (view, "");
  assert_order_title (view, "Waybill (10)");
  assert_dock_titles (view, all);
  close_window (win);
}

static void
test_sort_and_select (void)
{
  DcWindow *win = window_with_sheet ();
  DcEsheetView *view = dc_window_get_esheet_view (win);
  GtkColumnView *cv = dc_esheet_view_get_order_view (view);
  GtkSelectionModel *sel = dc_esheet_view_get_order_selection (view);
  DcWaybillModel *model = dc_esheet_view_get_waybill_model (view);
  DcEsheet *esheet = dc_esheet_view_get_esheet (view);
  g_autoptr(GtkColumnViewColumn) dock_col = g_list_model_get_item (gtk_column_view_get_columns (cv), 1);
  g_autoptr(GtkColumnViewColumn) time_col = g_list_model_get_item (gtk_column_view_get_columns (cv), 2);
  DcEsheetWaybillItem it;

  /* Header click = sort_by_column: the last dock first when descending. */
  gtk_column_view_sort_by_column (cv, dock_col, GTK_SORT_DESCENDING);
  dc_esheet_get_waybill_item (esheet, dc_waybill_model_get_waybill_index (model, 0), &it);
  g_assert_cmpstr (dc_esheet_get_row_dock (esheet, it.rows[0]), ==, "B10");
  gtk_column_view_sort_by_column (cv, time_col, GTK_SORT_ASCENDING);
  dc_esheet_get_waybill_item (esheet, dc_waybill_model_get_waybill_index (model, 0), &it);
  g_assert_cmpstr (it.waybill, ==, "SF0001000000");
  gtk_column_view_sort_by_column (cv, time_col, GTK_SORT_DESCENDING);
  dc_esheet_get_waybill_item (esheet, dc_waybill_model_get_waybill_index (model, 0), &it);
  g_assert_cmpstr (it.waybill, ==, "SF0001000009");

  /* Selection lives in the sheet: it survives filtering. */
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 0);
  gtk_selection_model_select_item (sel, 0, TRUE);
  gtk_selection_model_select_item (sel, 1, FALSE);
  g_assert_true (gtk_selection_model_is_selected (sel, 0));
  g_assert_true (gtk_selection_model_is_selected (sel, 1));
  g_assert_false (gtk_selection_model_is_selected (sel, 2));
  dc_esheet_view_set_search (view, "B10");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sel)), ==, 2);
  dc_esheet_view_set_search (view, "");
  g_assert_cmpuint (dc_waybill_model_get_n_selected (model), ==, 2);
  gtk_selection_model_select_all (sel);
  g_assert_cmpuint (dc_waybill_model_get_n_selected (model), ==, 10);
  /* 11 scans: SF0001000000 was scanned twice */
  g_assert_cmpuint (dc_esheet_get_n_selected (esheet), ==, 11);
  gtk_selection_model_unselect_all (sel);
  g_assert_cmpuint (dc_waybill_model_get_n_selected (model), ==, 0);
  close_window (win);
}

/* With the demo (two simulators on loopback). */

static DcWindow *
window_with_demo (void)
{
  DcWindow *win = new_window ();

  dc_window_start_demo (win);
  if (!dc_test_wait_until (imports_done, win, 20000))
    g_error ("The demo did not start: %s", dc_window_get_last_message (win));
  g_assert_true (dc_window_is_demo_running (win));
  return win;
}


static void
select_docks (DcWindow *win, const char *text)
{
  DcEsheetView *view = dc_window_get_esheet_view (win);
  GtkSelectionModel *sel = dc_esheet_view_get_order_selection (view);

  gtk_selection_model_unselect_all (sel);
  dc_esheet_view_set_search (view, text);
  gtk_selection_model_select_all (sel);
  dc_esheet_view_set_search (view, "");
}

static gboolean
run_finished (gpointer data)
{
  DcDownloaderPanel *panel = dc_window_get_panel (data);
  guint done, failed, total;

  dc_downloader_panel_get_totals (panel, &done, &failed, &total);
  return total > 0 && done + failed == total && !dc_downloader_panel_is_busy (panel);
}

/* The run's end reaches the panel as the engine's last event. */
static void
settle (void)
{
  for (int i = 0; i < 50; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}


/* Two simulators of our own (not the demo's): four downloads at once
 * each, so a run never meets "busy" and its timing stays predictable. */
typedef struct
{
  DcWindow  *win;
  DcTestSim *hik;
  DcTestSim *dahua;
  char      *dir;
} SimFixture;

static void
sim_fixture_start (SimFixture *f, const char *wrong_password_for)
{
  const char *args[] = { "--max-downloads", "4", "--channels", "4", NULL };
  g_autoptr(GError) error = NULL;
  DcConfig *config = dc_config_new ();
  g_autoptr(GString) csv = g_string_new ("运单号,月台,扫描时间\n");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  struct { const char *name; const char *brand; DcTestSim **sim; const char *docks[2]; } dvrs[] = {
    { "north", "hikvision", &f->hik, { "A01", "A02" } },
    { "south", "dahua", &f->dahua, { "B01", "B02" } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (dvrs); i++)
    {
      DcDvrConfig cfg = { 0 };

      *dvrs[i].sim = dc_test_sim_start (dvrs[i].brand, args, &error);
      g_assert_no_error (error);
      cfg.name = (char *) dvrs[i].name;
      dc_dvr_brand_from_string (dvrs[i].brand, &cfg.brand);
      cfg.url = (char *) dc_test_sim_get_url (*dvrs[i].sim);
      cfg.user = (char *) "admin";
      cfg.password = (char *) (g_strcmp0 (wrong_password_for, dvrs[i].name) == 0 ? "wrong" : "secret");
      cfg.max_downloads = 2;
      cfg.download_by_time = -1;
      dc_config_set_dvr (config, &cfg);
      for (guint d = 0; d < 2; d++)
        dc_config_set_dock (config, dvrs[i].docks[d], dvrs[i].name, d + 1);
    }
  /* three scans per dock between 40 and 20 minutes ago, and one unmapped dock */
  for (guint k = 0; k < 12; k++)
    {
      const char *docks[] = { "A01", "A02", "B01", "B02" };
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (now - 2400 + k * 100);
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
      g_string_append_printf (csv, "SF%010u,%s,%s\n", 5000 + k, docks[k % 4], ts);
    }
  {
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (now - 1500);
    g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
    g_string_append_printf (csv, "YT0000009999,C09,%s\n", ts);
  }
  f->dir = dc_test_mkdtemp ();
  path = g_build_filename (f->dir, "run.csv", NULL);
  g_assert_true (g_file_set_contents (path, csv->str, csv->len, NULL));

  f->win = new_window ();
  {
    DcAppSettings *settings = dc_window_get_settings (f->win);
    g_free (settings->output_dir);
    settings->output_dir = g_build_filename (f->dir, "out", NULL);
    dc_window_settings_changed (f->win);
  }
  dc_window_set_config (f->win, config, FALSE);
  file = g_file_new_for_path (path);
  dc_window_open_file (f->win, file);
  g_assert_true (dc_test_wait_until (imports_done, f->win, 10000));
}

static void
sim_fixture_stop (SimFixture *f)
{
  close_window (f->win);
  dc_test_sim_stop (f->hik);
  dc_test_sim_stop (f->dahua);
  dc_test_rmdir (f->dir);
  g_free (f->dir);
}

static void
test_download_one_dvr (void)
{
  SimFixture f = { 0 };
  DcWindow *win;
  DcEsheetView *view;
  DcEsheet *esheet;
  DcDownloaderPanel *panel;
  guint done, failed, total, n_a = 0;

  sim_fixture_start (&f, NULL);
  win = f.win;
  view = dc_window_get_esheet_view (win);
  esheet = dc_esheet_view_get_esheet (view);
  panel = dc_window_get_panel (win);
  select_docks (win, "A0");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.download-dvr", "s", "north");
  g_assert_true (dc_test_wait_until (run_finished, win, 90000));
  settle ();
  dc_downloader_panel_get_totals (panel, &done, &failed, &total);
  for (guint i = 0; failed && i < g_list_model_get_n_items (dc_downloader_panel_get_jobs (panel)); i++)
    {
      g_autoptr(DcJobItem) job = g_list_model_get_item (dc_downloader_panel_get_jobs (panel), i);
      if (dc_job_item_get_state (job) == DC_JOB_FAILED)
        g_printerr ("failed: %s: %s\n", dc_job_item_get_request (job)->waybill,
                    dc_job_item_get_message (job));
    }
  g_assert_cmpuint (failed, ==, 0);

  /* Every waybill at A01/A02 reached "Done"; the Dahua docks were not touched. */
  for (guint i = 0; i < dc_esheet_get_n_waybills (esheet); i++)
    {
      DcEsheetWaybillItem it;
      g_autofree char *status = NULL;
      const char *dock;

      dc_esheet_get_waybill_item (esheet, i, &it);
      dock = dc_esheet_get_row_dock (esheet, it.rows[0]);
      status = dc_esheet_view_dup_status (view, it.waybill);
      if (g_str_has_prefix (dock, "A0"))
        {
          g_assert_cmpstr (status, ==, "Done");
          n_a++;
        }
      else
        /* C09 is on no recorder: the table says so before any run */
        g_assert_cmpstr (status, ==, g_str_equal (dock, "C09") ? "Dock not mapped" : "Not started");
    }
  g_assert_cmpuint (n_a, >, 0);
  g_assert_cmpuint (total, >=, n_a);
  g_assert_cmpstr (dc_dvr_card_get_state_text (dc_downloader_panel_get_card (panel, "north")), ==, "Done");
  /* the pictures are where the output folder says */
  {
    g_autoptr(DcJobItem) job = g_list_model_get_item (dc_downloader_panel_get_jobs (panel), 0);
    g_assert_nonnull (dc_job_item_get_picture_path (job));
    g_assert_true (g_str_has_prefix (dc_job_item_get_picture_path (job), f.dir));
    g_assert_true (g_file_test (dc_job_item_get_picture_path (job), G_FILE_TEST_IS_REGULAR));
    /* ... and the picture grid shows that folder */
    {
      g_autofree char *folder = g_path_get_dirname (dc_job_item_get_picture_path (job));
      g_assert_cmpstr (dc_picture_page_get_folder_path (DC_PICTURE_PAGE (dc_window_get_picture_page (win))),
                       ==, folder);
    }
  }
  sim_fixture_stop (&f);
}

static void
test_wrong_password_message (void)
{
  SimFixture f = { 0 };
  DcWindow *win;
  DcDownloaderPanel *panel;
  const char *state;
  g_autoptr(DcJobItem) job = NULL;

  sim_fixture_start (&f, "south");
  win = f.win;
  panel = dc_window_get_panel (win);
  select_docks (win, "B0");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.download-dvr", "s", "south");
  g_assert_true (dc_test_wait_until (run_finished, win, 60000));
  settle ();
  state = dc_dvr_card_get_state_text (dc_downloader_panel_get_card (panel, "south"));
  g_assert_nonnull (strstr (state, "south"));
  g_assert_nonnull (strstr (state, "password"));
  job = g_list_model_get_item (dc_downloader_panel_get_jobs (panel), 0);
  g_assert_cmpint (dc_job_item_get_state (job), ==, DC_JOB_FAILED);
  g_assert_nonnull (strstr (dc_job_item_get_message (job), "password"));
  sim_fixture_stop (&f);
}

static gboolean
some_job_started (gpointer data)
{
  GListModel *jobs = dc_downloader_panel_get_jobs (dc_window_get_panel (data));

  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(DcJobItem) job = g_list_model_get_item (jobs, i);
      if (dc_job_item_get_state (job) != DC_JOB_QUEUED)
        return TRUE;
    }
  return FALSE;
}

static void
test_quit_during_downloads (void)
{
  SimFixture f = { 0 };
  DcWindow *win;
  gint64 start;

  sim_fixture_start (&f, NULL);
  win = f.win;
  select_docks (win, "");
  /* clips too: the run lasts long enough to be interrupted */
  dc_downloader_panel_set_mode (dc_window_get_panel (win), DC_OUTPUT_BOTH);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.download-all", NULL);
  g_assert_true (dc_downloader_panel_is_busy (dc_window_get_panel (win)));

  /* Closing asks first while downloads run: the window stays. */
  gtk_window_close (GTK_WINDOW (win));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));
  g_assert_true (dc_test_wait_until (some_job_started, win, 20000));

  /* A recorder's pause button pauses, then resumes. */
  {
    DcDvrCard *card = dc_downloader_panel_get_card (dc_window_get_panel (win), "north");

    g_assert_false (dc_dvr_card_get_paused (card));
    gtk_widget_activate_action (GTK_WIDGET (win), "win.pause-dvr", "s", "north");
    g_assert_true (dc_dvr_card_get_paused (card));
    gtk_widget_activate_action (GTK_WIDGET (win), "win.pause-dvr", "s", "north");
    g_assert_false (dc_dvr_card_get_paused (card));
  }

  /* Quitting cancels and joins every worker promptly. */
  start = g_get_monotonic_time ();
  dc_window_shutdown (win);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  sim_fixture_stop (&f);
}

static void
test_settings_round_trip (void)
{
  DcWindow *win = new_window ();
  DcDvrSettingsWindow *dlg = dc_dvr_settings_window_new (win);
  g_autofree char *path = dc_app_settings_config_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DcConfig) loaded = NULL;
  const DcDvrConfig *dvr;
  g_autofree char *contents = NULL;

  g_remove (path);
  gtk_window_present (GTK_WINDOW (dlg));
  dc_dvr_settings_window_edit (dlg, NULL);
  /* An empty name is refused with a message, nothing saved. */
  g_assert_false (dc_dvr_settings_window_save_editor (dlg, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "name"), "north");
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "url"), "192.168.1.64");
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "user"), "operator");
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "password"), "s3cret!");
  g_assert_true (dc_dvr_settings_window_save_editor (dlg, &error));
  g_assert_no_error (error);

  loaded = dc_config_load (path, &error);
  g_assert_no_error (error);
  dvr = dc_config_get_dvr (loaded, "north");
  g_assert_nonnull (dvr);
  g_assert_cmpstr (dvr->url, ==, "http://192.168.1.64");
  g_assert_cmpstr (dvr->user, ==, "operator");
  g_assert_cmpstr (dvr->password, ==, "s3cret!");
  g_assert_cmpint (dvr->brand, ==, DC_DVR_BRAND_HIKVISION);
  /* the window uses it at once: a card for the new recorder */
  g_assert_nonnull (dc_downloader_panel_get_card (dc_window_get_panel (win), "north"));
#ifdef G_OS_UNIX
  {
    GStatBuf st;
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 077, ==, 0);
  }
#endif

  /* Edit it again: the editor is filled from the file's values. */
  dc_dvr_settings_window_edit (dlg, "north");
  g_assert_cmpstr (gtk_editable_get_text (dc_dvr_settings_window_get_field (dlg, "password")), ==, "s3cret!");
  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "url"), "http://10.0.0.9:8080");
  g_assert_true (dc_dvr_settings_window_save_editor (dlg, &error));
  g_clear_pointer (&loaded, dc_config_free);
  loaded = dc_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dc_config_get_dvr (loaded, "north")->url, ==, "http://10.0.0.9:8080");
  g_assert_cmpuint (dc_config_get_dvrs (loaded)->len, ==, 1);

  gtk_window_destroy (GTK_WINDOW (dlg));
  close_window (win);
}

static gboolean
not_testing (gpointer data)
{
  return !dc_dvr_settings_window_is_testing (data);
}

static void
test_connection_in_settings (void)
{
  DcWindow *win = window_with_demo ();
  DcDvrSettingsWindow *dlg = dc_dvr_settings_window_new (win);
  const char *result;

  gtk_window_present (GTK_WINDOW (dlg));
  dc_dvr_settings_window_edit (dlg, "demo-hikvision");
  dc_dvr_settings_window_test_connection (dlg);
  g_assert_true (dc_test_wait_until (not_testing, dlg, 20000));
  result = dc_dvr_settings_window_get_test_result (dlg);
  g_assert_true (g_str_has_prefix (result, "Connected"));
  g_assert_nonnull (strstr (result, "4 channels"));

  gtk_editable_set_text (dc_dvr_settings_window_get_field (dlg, "password"), "wrong");
  dc_dvr_settings_window_test_connection (dlg);
  g_assert_true (dc_test_wait_until (not_testing, dlg, 20000));
  result = dc_dvr_settings_window_get_test_result (dlg);
  g_assert_cmpstr (result, ==, "The recorder rejected the user name or password.");
  gtk_window_destroy (GTK_WINDOW (dlg));
  close_window (win);
}

static void
test_update_banner (void)
{
  DcWindow *win = new_window ();
  DcUpdateInfo info = { (char *) "99.0", (char *) "https://example.org/dockclip", (char *) "Faster downloads." };

  g_assert_false (dc_window_update_is_shown (win));
  dc_window_show_update (win, &info);
  g_assert_true (dc_window_update_is_shown (win));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.hide-update", NULL);
  g_assert_false (dc_window_update_is_shown (win));
  close_window (win);
}

/* GL renderer strings as real drivers report them (glxinfo, Mesa 22/23,
 * Windows): software ones make the app draw with cairo. */
static void
test_software_gl (void)
{
  g_assert_true (dc_gl_renderer_is_software ("llvmpipe (LLVM 15.0.6, 256 bits)"));
  g_assert_true (dc_gl_renderer_is_software ("softpipe"));
  g_assert_true (dc_gl_renderer_is_software ("Software Rasterizer"));
  g_assert_true (dc_gl_renderer_is_software ("GDI Generic"));
  g_assert_true (dc_gl_renderer_is_software ("Google SwiftShader"));
  g_assert_false (dc_gl_renderer_is_software ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  g_assert_false (dc_gl_renderer_is_software ("AMD Radeon RX 580 Series (polaris10, LLVM 15.0.6, DRM 3.49, 6.1.0-13-amd64)"));
  g_assert_false (dc_gl_renderer_is_software ("NVIDIA GeForce GT 730/PCIe/SSE2"));
  g_assert_false (dc_gl_renderer_is_software ("virgl (Intel(R) UHD Graphics 630)"));
  g_assert_false (dc_gl_renderer_is_software ("SVGA3D; build: RELEASE;  LLVM;"));
  g_assert_false (dc_gl_renderer_is_software (NULL));
}

/* A renderer the operator chose is kept. */
static void
test_renderer_user_choice (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("GSK_RENDERER"));

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  dc_renderer_choose (gdk_display_get_default ());
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  if (saved)
    g_setenv ("GSK_RENDERER", saved, TRUE);
  else
    g_unsetenv ("GSK_RENDERER");
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = dc_test_private_xdg_dirs ();
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_message ("no display");
      return 77;
    }
  adw_init ();

  g_test_add_func ("/app/renderer/software-gl", test_software_gl);
  g_test_add_func ("/app/renderer/user-choice", test_renderer_user_choice);
  g_test_add_func ("/app/esheet/counts-both-views", test_counts_both_views);
  g_test_add_func ("/app/esheet/filter-counts-follow", test_filter_counts_follow);
  g_test_add_func ("/app/esheet/sort-and-select", test_sort_and_select);
  g_test_add_func ("/app/update/banner", test_update_banner);
  g_test_add_func ("/app/settings/round-trip", test_settings_round_trip);
  g_test_add_func ("/app/settings/test-connection", test_connection_in_settings);
  g_test_add_func ("/app/download/one-dvr-reaches-done", test_download_one_dvr);
  g_test_add_func ("/app/download/wrong-password", test_wrong_password_message);
  g_test_add_func ("/app/download/quit-while-running", test_quit_during_downloads);
  status = g_test_run ();
  dc_test_rmdir (tmp);
  return status;
}
