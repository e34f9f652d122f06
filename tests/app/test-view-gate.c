/* DcViewGate keeps the GListModel contract: a shadow copy built only
 * from its items-changed matches it at every position after every
 * change, it is always a prefix of the model it gates, closed it empties
 * a few rows at a time and open it ends whole; selection passes
 * through. */
#include "config.h"

#include <gtk/gtk.h>

#include "dc-view-gate.h"

typedef struct
{
  GPtrArray *shadow;   /* the gate's items as its signals tell them */
  guint      biggest;  /* the largest single change seen */
} Shadow;

static void
shadow_changed (GListModel *gate, guint position, guint removed, guint added, Shadow *sh)
{
  g_assert_cmpuint (position + removed, <=, sh->shadow->len);
  g_ptr_array_remove_range (sh->shadow, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (sh->shadow, position + i, g_list_model_get_item (gate, position + i));
  sh->biggest = MAX (sh->biggest, MAX (removed, added));
}

static void
check (GListModel *gate, GListModel *inner, Shadow *sh)
{
  guint n = g_list_model_get_n_items (gate);

  g_assert_cmpuint (n, ==, sh->shadow->len);
  g_assert_cmpuint (n, <=, g_list_model_get_n_items (inner));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) a = g_list_model_get_item (gate, i);
      g_autoptr(GObject) b = g_list_model_get_item (inner, i);

      g_assert_true (a == g_ptr_array_index (sh->shadow, i));
      g_assert_true (a == b);
    }
  g_assert_null (g_list_model_get_item (gate, n));
}

static void
pump (GListModel *gate, GListModel *inner, Shadow *sh, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      check (gate, inner, sh);
      g_usleep (1000);
    }
}

static void
splice_random (GtkStringList *list, GRand *rand)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));
  guint pos = g_rand_int_range (rand, 0, n + 1);
  guint removed = g_rand_int_range (rand, 0, MIN (n - pos, 400) + 1);
  guint added = g_rand_int_range (rand, 0, 400);
  g_autoptr(GPtrArray) strs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < added; i++)
    g_ptr_array_add (strs, g_strdup_printf ("new %u", g_rand_int (rand)));
  g_ptr_array_add (strs, NULL);
  gtk_string_list_splice (list, pos, removed, (const char * const *) strs->pdata);
}

static void
test_contract (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  GtkStringList *list = gtk_string_list_new (NULL);
  g_autoptr(GtkSelectionModel) inner = GTK_SELECTION_MODEL (gtk_multi_selection_new (G_LIST_MODEL (list)));
  g_autoptr(DcViewGate) gate = dc_view_gate_new (inner);
  Shadow sh = { g_ptr_array_new_with_free_func (g_object_unref), 0 };

  g_signal_connect (gate, "items-changed", G_CALLBACK (shadow_changed), &sh);
  for (guint i = 0; i < 5000; i++)
    {
      char s[32];
      g_snprintf (s, sizeof s, "row %u", i);
      gtk_string_list_append (list, s);
    }
  check (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh);
  g_assert_true (dc_view_gate_is_open (gate));

  for (int round = 0; round < 6; round++)
    {
      /* hidden, scrolled to some row: it empties a few rows a frame,
       * whatever the model does meanwhile */
      sh.biggest = 0;
      dc_view_gate_close (gate, round * 700);
      check (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh);
      for (int k = 0; k < 5; k++)
        {
          splice_random (list, rand);
          check (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh);
          pump (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh, 40);
        }
      pump (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh, 600);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gate)), ==, 0);

      /* closed: the model's changes reach nobody */
      sh.biggest = 0;
      splice_random (list, rand);
      g_assert_cmpuint (sh.biggest, ==, 0);

      /* shown again: a few rows a frame, then whole */
      dc_view_gate_open (gate);
      pump (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh, 30);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gate)), <, 256);
      splice_random (list, rand);
      check (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh);
      pump (G_LIST_MODEL (gate), G_LIST_MODEL (inner), &sh, 400);
      g_assert_true (dc_view_gate_is_open (gate));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gate)), ==,
                        g_list_model_get_n_items (G_LIST_MODEL (inner)));
    }

  /* selection passes through, both ways */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (gate), 3, TRUE);
  g_assert_true (gtk_selection_model_is_selected (inner, 3));
  gtk_selection_model_select_item (inner, 7, FALSE);
  g_assert_true (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (gate), 7));
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (gate));
  g_assert_false (gtk_selection_model_is_selected (inner, 7));

  g_signal_handlers_disconnect_by_data (gate, &sh);
  g_ptr_array_unref (sh.shadow);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/view-gate/contract", test_contract);
  return g_test_run ();
}
