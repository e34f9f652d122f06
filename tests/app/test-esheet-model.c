/* The e-sheet list models keep the GListModel contract.
 *
 * A checker connects to items-changed and keeps a shadow of the model:
 * what each position holds (the waybill, or by dock the entries of the
 * row) and, for the positions it holds items of, the item itself.  After
 * every change it compares every position with the model: a position
 * that holds something else without an items-changed covering it, a
 * count that disagrees, or an item that is not the one get_item()
 * returns fails the test (the way GTK's own testsuite checks its
 * filter and sort models).  It is driven through filters, sorts, job
 * state changes, deletes, undo, reloads and cancelled work.
 *
 * It also measures what makes a change cheap for GTK 4.8: a change that
 * removes a row GTK holds makes GTK ask for every added row, so no such
 * change may add many more rows than GTK holds. */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "dc-esheet-model.h"
#include "dc-esheet-snapshot.h"
#include "dc-test-util.h"

typedef char *(*ContentFunc) (GListModel *model, guint position);

typedef struct
{
  GListModel  *model;
  ContentFunc  content;
  GPtrArray   *shadow;       /* char *: what each position holds */
  GPtrArray   *held;         /* DcRowItem * or NULL, per position */
  gboolean     hold_all;
  guint        hold_from;    /* otherwise positions [hold_from, hold_to) */
  guint        hold_to;
  guint        n_changes;
  guint        n_at_zero;    /* changes at position 0: one per replacement */
  guint        max_searched; /* most rows added by a change removing a held item */
} Checker;

static gboolean
checker_holds (Checker *c, guint position)
{
  return c->hold_all || (position >= c->hold_from && position < c->hold_to);
}

static void
checker_verify (Checker *c)
{
  guint n = g_list_model_get_n_items (c->model);

  g_assert_cmpuint (n, ==, c->shadow->len);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *now = c->content (c->model, i);
      DcRowItem *held = g_ptr_array_index (c->held, i);

      if (g_strcmp0 (now, g_ptr_array_index (c->shadow, i)) != 0)
        g_error ("position %u holds “%s”, was “%s” and no items-changed said so", i, now,
                 (char *) g_ptr_array_index (c->shadow, i));
      if (held != NULL)
        {
          g_autoptr(DcRowItem) item = g_list_model_get_item (c->model, i);
          g_assert_true (item == held);
          g_assert_cmpuint (dc_row_item_get_index (held), ==, i);
        }
    }
  g_assert_null (g_list_model_get_item (c->model, n));
}

static void
checker_changed (GListModel *model, guint pos, guint removed, guint added, Checker *c)
{
  gboolean removes_held = FALSE;

  g_assert_cmpuint (pos + removed, <=, c->shadow->len);
  for (guint i = pos; i < pos + removed; i++)
    removes_held |= g_ptr_array_index (c->held, i) != NULL;
  if (removes_held)
    c->max_searched = MAX (c->max_searched, added);
  g_ptr_array_remove_range (c->shadow, pos, removed);
  g_ptr_array_remove_range (c->held, pos, removed);
  for (guint i = pos; i < pos + added; i++)
    {
      g_ptr_array_insert (c->shadow, i, c->content (model, i));
      g_ptr_array_insert (c->held, i, checker_holds (c, i) ? g_list_model_get_item (model, i) : NULL);
    }
  c->n_changes++;
  c->n_at_zero += pos == 0;
  checker_verify (c);
}

static void
held_unref (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

static void
checker_init (Checker *c, GListModel *model, ContentFunc content, gboolean hold_all)
{
  guint n = g_list_model_get_n_items (model);

  memset (c, 0, sizeof *c);
  c->model = model;
  c->content = content;
  c->hold_all = hold_all;
  c->shadow = g_ptr_array_new_with_free_func (g_free);
  c->held = g_ptr_array_new_with_free_func (held_unref);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (c->shadow, content (model, i));
      g_ptr_array_add (c->held, checker_holds (c, i) ? g_list_model_get_item (model, i) : NULL);
    }
  g_signal_connect (model, "items-changed", G_CALLBACK (checker_changed), c);
}

static void
checker_clear (Checker *c)
{
  g_signal_handlers_disconnect_by_func (c->model, checker_changed, c);
  g_ptr_array_unref (c->shadow);
  g_ptr_array_unref (c->held);
}

/* Sheets */

static DcEsheet *
make_sheet (guint rows, guint n_docks, guint seed)
{
  g_autoptr(GString) s = g_string_new ("运单号,月台,扫描时间\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  DcEsheet *esheet = dc_esheet_new ();
  DcEsheetImportOptions options;
  GRand *rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < rows; i++)
    {
      /* times out of sheet order, so a sort by time moves rows */
      guint t = g_rand_int_range (rand, 0, 36000);
      g_string_append_printf (s, "SF%08u,D%02u,2026-11-20 %02u:%02u:%02u\n", 10000000 + i * 7 + seed,
                              i % n_docks + 1, 8 + t / 3600, t / 60 % 60, t % 60);
    }
  g_rand_free (rand);
  bytes = g_string_free_to_bytes (g_steal_pointer (&s));
  dc_esheet_import_options_init (&options);
  options.mapping_store = "";
  g_assert_true (dc_esheet_import_bytes (esheet, "day.csv", bytes, &options, &error));
  g_assert_no_error (error);
  return esheet;
}

static char *
waybill_content (GListModel *model, guint position)
{
  DcWaybillModel *wm = DC_WAYBILL_MODEL (model);
  DcEsheetWaybillItem it;

  dc_esheet_get_waybill_item (dc_waybill_model_get_esheet (wm),
                              dc_waybill_model_get_waybill_index (wm, position), &it);
  return g_strdup (it.waybill);
}

/* Every row's content from the model's own answers */
static guint
n_rows (DcWaybillModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (model));
}

static gint64
row_time (DcWaybillModel *model, guint position)
{
  DcEsheetWaybillItem it;

  dc_esheet_get_waybill_item (dc_waybill_model_get_esheet (model),
                              dc_waybill_model_get_waybill_index (model, position), &it);
  return it.first_us;
}

/* The rows are exactly the sheet's waybills that contain @needle, each once. */
static void
assert_filtered (DcWaybillModel *model, const char *needle)
{
  DcEsheet *esheet = dc_waybill_model_get_esheet (model);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint expect = 0;

  for (guint w = 0; w < dc_esheet_get_n_waybills (esheet); w++)
    {
      DcEsheetWaybillItem it;
      dc_esheet_get_waybill_item (esheet, w, &it);
      expect += strstr (it.waybill, needle) != NULL ||
                strstr (dc_waybill_model_get_dock (model, w), needle) != NULL;
    }
  g_assert_cmpuint (n_rows (model), ==, expect);
  for (guint i = 0; i < n_rows (model); i++)
    {
      g_autofree char *w = waybill_content (G_LIST_MODEL (model), i);
      guint index = dc_waybill_model_get_waybill_index (model, i);

      g_assert_true (strstr (w, needle) != NULL ||
                     strstr (dc_waybill_model_get_dock (model, index), needle) != NULL);
      g_hash_table_add (seen, g_steal_pointer (&w));
    }
  /* each once */
  g_assert_cmpuint (g_hash_table_size (seen), ==, expect);
}

static void
assert_time_descending (DcWaybillModel *model)
{
  for (guint i = 1; i < n_rows (model); i++)
    g_assert_cmpint (row_time (model, i - 1), >=, row_time (model, i));
}

/* Job states: a rank per waybill index, as the session gives them. */
static void
status_ranks (DcEsheet *esheet, guint8 *ranks, gpointer data)
{
  GHashTable *states = data;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, states);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      int index = dc_esheet_find_waybill (esheet, key);
      if (index >= 0)
        ranks[index] = GPOINTER_TO_UINT (value);
    }
}

static gboolean
model_idle (gpointer data)
{
  return !dc_waybill_model_get_busy (data);
}

/* The model is finalized: a superseded worker's task holds it until its
 * callback has run. */
static gboolean
model_gone (gpointer data)
{
  GObject *model = g_weak_ref_get (data);

  if (model == NULL)
    return TRUE;
  g_object_unref (model);
  return FALSE;
}

/* Drops the checker and the model, and waits until the model is gone. */
static void
finish (Checker *c, gpointer model, GWeakRef *weak)
{
  checker_clear (c);
  g_object_unref (model);
  g_assert_true (dc_test_wait_until (model_gone, weak, 30000));
  g_weak_ref_clear (weak);
}

/* Waits for the worker as the window does: by running the main loop. */
static void
wait_idle (DcWaybillModel *model)
{
  g_assert_true (dc_test_wait_until (model_idle, model, 60000));
}

/* Every position, every operation: filters, sorts, job states, a delete,
 * its undo and a reload, with every item held (GTK's testsuite way). */
static void
run_waybill_contract (gboolean async, guint rows, gboolean hold_all)
{
  g_autoptr(DcEsheet) esheet = make_sheet (rows, 8, 1);
  g_autoptr(DcEsheet) copy = NULL;
  g_autoptr(DcEsheet) other = make_sheet (rows / 2, 5, 3);
  g_autoptr(GHashTable) states = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  DcWaybillModel *model = dc_waybill_model_new ();
  GWeakRef weak;
  Checker c;
  guint n_deleted, changes;
  DcEsheetWaybillItem it;

  g_weak_ref_init (&weak, model);
  dc_waybill_model_set_async (model, async);
  dc_waybill_model_set_status_func (model, status_ranks, states);
  dc_waybill_model_set_esheet (model, esheet);
  /* a window of rows as GTK would hold them, or every one */
  checker_init (&c, G_LIST_MODEL (model), waybill_content, hold_all);
  c.hold_from = rows / 3;
  c.hold_to = rows / 3 + 200;
  checker_verify (&c);
  /* a new sheet's rows arrive a few at a time: each addition checked */
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       n_rows (model) < rows && g_get_monotonic_time () < end;)
    {
      g_main_context_iteration (NULL, TRUE);
      checker_verify (&c);
    }
  g_assert_cmpuint (n_rows (model), ==, rows);

  dc_waybill_model_set_filter (model, "12");
  wait_idle (model);
  assert_filtered (model, "12");
  dc_waybill_model_set_sort (model, DC_WAYBILL_SORT_TIME, TRUE);
  wait_idle (model);
  assert_filtered (model, "12");
  assert_time_descending (model);
  dc_waybill_model_set_filter (model, NULL);
  wait_idle (model);
  g_assert_cmpuint (n_rows (model), ==, rows);
  assert_time_descending (model);
  dc_waybill_model_set_sort (model, DC_WAYBILL_SORT_WAYBILL, FALSE);
  wait_idle (model);
  checker_verify (&c);

  /* Job states: a status change alone moves nothing (no items-changed,
   * every position holds what it held); sorting by status then does */
  dc_waybill_model_set_sort (model, DC_WAYBILL_SORT_STATUS, TRUE);
  wait_idle (model);
  dc_esheet_get_waybill_item (esheet, rows - 1, &it);
  g_hash_table_insert (states, (gpointer) it.waybill, GUINT_TO_POINTER (3));
  changes = c.n_changes;
  dc_waybill_model_status_changed (model, it.waybill);
  dc_waybill_model_all_status_changed (model);
  g_assert_cmpuint (c.n_changes, ==, changes);
  checker_verify (&c);
  dc_waybill_model_refresh (model);
  wait_idle (model);
  g_assert_cmpuint (dc_waybill_model_get_waybill_index (model, 0), ==, rows - 1);

  /* Delete the selected waybills, then undo: the sheet under the model
   * changes, and so does what every position holds */
  copy = dc_esheet_snapshot_new (esheet, &error);
  g_assert_no_error (error);
  for (guint w = 0; w < rows; w += 3)
    dc_esheet_set_waybill_selected (esheet, w, TRUE);
  n_deleted = dc_esheet_delete_selected_waybills (esheet);
  g_assert_cmpuint (n_deleted, ==, (rows + 2) / 3);
  dc_waybill_model_refresh (model);
  wait_idle (model);
  g_assert_cmpuint (n_rows (model), ==, rows - n_deleted);
  dc_waybill_model_set_esheet (model, copy);
  wait_idle (model);
  g_assert_cmpuint (n_rows (model), ==, rows);
  checker_verify (&c);

  /* Another sheet, filtered, then none */
  dc_waybill_model_set_filter (model, "SF1");
  dc_waybill_model_set_esheet (model, other);
  wait_idle (model);
  assert_filtered (model, "SF1");
  dc_waybill_model_set_esheet (model, NULL);
  g_assert_cmpuint (n_rows (model), ==, 0);
  checker_verify (&c);
  g_test_message ("%u changes; a change removing a held row added %u rows at most",
                  c.n_changes, c.max_searched);
  if (!hold_all)
    /* GTK 4.8 asks for every row such a change adds: it stays near the
     * number of rows GTK holds, not the sheet's */
    g_assert_cmpuint (c.max_searched, <=, 200 + 2 * 32);
  finish (&c, model, &weak);
}

static void
test_waybill_sync_all_held (void)
{
  run_waybill_contract (FALSE, 3000, TRUE);
}

/* Over the size that goes to a worker (GTask), with the rows GTK would
 * hold: the replacement is cut so that GTK is never made to look at
 * the whole sheet. */
static void
test_waybill_async_window (void)
{
  run_waybill_contract (TRUE, 30000, FALSE);
}

/* A second filter before the first one's result: only the second one's
 * result is ever applied, once. */
static void
test_waybill_cancel (void)
{
  g_autoptr(DcEsheet) esheet = make_sheet (30000, 8, 5);
  DcWaybillModel *model = dc_waybill_model_new ();
  gboolean busy_seen = FALSE;
  GWeakRef weak;
  Checker c;

  g_weak_ref_init (&weak, model);
  dc_waybill_model_set_async (model, TRUE);
  dc_waybill_model_set_esheet (model, esheet);
  checker_init (&c, G_LIST_MODEL (model), waybill_content, FALSE);
  c.hold_from = 0;
  c.hold_to = 150;
  /* the snapshot is made once, in slices: then the filters go to workers */
  dc_waybill_model_set_filter (model, "SF");
  wait_idle (model);
  g_assert_cmpuint (n_rows (model), ==, 30000);

  for (guint round = 0; round < 3; round++)
    {
      guint replaced = c.n_at_zero;

      dc_waybill_model_set_filter (model, "11");
      busy_seen |= dc_waybill_model_get_busy (model);
      dc_waybill_model_set_filter (model, round == 2 ? "" : "22");
      wait_idle (model);
      g_assert_cmpuint (c.n_at_zero - replaced, ==, 1);
      if (round < 2)
        assert_filtered (model, "22");
      else
        g_assert_cmpuint (n_rows (model), ==, 30000);
      /* the first filter's worker ends too, and changes nothing */
      dc_test_pump (200);
      g_assert_cmpuint (c.n_at_zero - replaced, ==, 1);
      if (round == 0)
        dc_waybill_model_set_filter (model, "SF");
      if (round == 0)
        wait_idle (model);
    }
  g_assert_true (busy_seen);
  checker_verify (&c);
  finish (&c, model, &weak);
}

/* By dock */

static DcEsheet *dock_sheet;   /* the sheet the dock checker reads */

static char *
dock_content (GListModel *model, guint position)
{
  DcDockModel *dm = DC_DOCK_MODEL (model);
  GString *s;

  /* the summary row stands for the docks shown: what those are is the
   * model's, and the row is replaced with them */
  if (position == 0)
    return g_strdup ("summary");
  s = g_string_new (NULL);
  for (guint col = 0; col < dc_esheet_get_n_docks (dock_sheet); col++)
    {
      int row = dc_dock_model_get_entry_row (dm, col, position - 1);
      g_string_append_printf (s, "%s|", row < 0 ? "-" : dc_esheet_get_row_waybill (dock_sheet, row));
    }
  return g_string_free (s, FALSE);
}

static gboolean
dock_idle (gpointer data)
{
  return !dc_dock_model_get_busy (data);
}

static void
run_dock_contract (gboolean async, guint rows, gboolean hold_all)
{
  g_autoptr(DcEsheet) esheet = make_sheet (rows, 6, 7);
  DcDockModel *model = dc_dock_model_new ();
  GWeakRef weak;
  Checker c;
  guint changes;

  g_weak_ref_init (&weak, model);
  dock_sheet = esheet;
  dc_dock_model_set_async (model, async);
  dc_dock_model_set_esheet (model, esheet, NULL);
  g_assert_true (dc_test_wait_until (dock_idle, model, 60000));
  checker_init (&c, G_LIST_MODEL (model), dock_content, hold_all);
  c.hold_from = 10;
  c.hold_to = 210;
  g_assert_cmpuint (dc_dock_model_get_n_docks (model), ==, 6);
  /* a new sheet's rows arrive a few at a time: each addition checked */
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       g_list_model_get_n_items (G_LIST_MODEL (model)) < rows / 6 + 1 &&
       g_get_monotonic_time () < end;)
    {
      g_main_context_iteration (NULL, TRUE);
      checker_verify (&c);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, rows / 6 + 1);

  dc_dock_model_set_filter (model, "D03");
  g_assert_true (dc_test_wait_until (dock_idle, model, 60000));
  g_assert_cmpuint (dc_dock_model_get_n_docks (model), ==, 1);
  dc_dock_model_set_descending (model, TRUE);
  g_assert_true (dc_test_wait_until (dock_idle, model, 60000));
  dc_dock_model_set_filter (model, "");
  g_assert_true (dc_test_wait_until (dock_idle, model, 60000));
  g_assert_cmpuint (dc_dock_model_get_n_docks (model), ==, 6);
  /* drawing again is no change of content */
  changes = c.n_changes;
  dc_dock_model_touch (model);
  g_assert_cmpuint (c.n_changes, ==, changes);
  checker_verify (&c);
  /* a delete under the model: refreshed, with blank rows meanwhile */
  for (guint w = 0; w < dc_esheet_get_n_waybills (esheet); w += 4)
    dc_esheet_set_waybill_selected (esheet, w, TRUE);
  dc_esheet_delete_selected_waybills (esheet);
  dc_dock_model_refresh (model);
  g_assert_true (dc_test_wait_until (dock_idle, model, 60000));
  g_assert_cmpuint (dc_dock_model_get_n_docks (model), ==, 6);
  checker_verify (&c);
  dc_dock_model_set_esheet (model, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  if (!hold_all)
    g_assert_cmpuint (c.max_searched, <=, 200 + 2 * 32);
  finish (&c, model, &weak);
  dock_sheet = NULL;
}

static void
test_dock_sync_all_held (void)
{
  run_dock_contract (FALSE, 1200, TRUE);
}

static void
test_dock_async_window (void)
{
  run_dock_contract (TRUE, 30000, FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/esheet-model/waybill/sync-all-held", test_waybill_sync_all_held);
  g_test_add_func ("/esheet-model/waybill/async-window", test_waybill_async_window);
  g_test_add_func ("/esheet-model/waybill/cancel", test_waybill_cancel);
  g_test_add_func ("/esheet-model/dock/sync-all-held", test_dock_sync_all_held);
  g_test_add_func ("/esheet-model/dock/async-window", test_dock_async_window);
  return g_test_run ();
}
