/* Tooltips (real widgets, under Xvfb): a Chinese tooltip reads as one
 * line where one line fits, long ones wrap at a readable width, every
 * tooltip of the window is Dockclip's, and a drop-down says nothing while
 * its list is open. */
#include "config.h"

#include <adwaita.h>

#include "dc-tooltip.h"
#include "dc-window.h"
#include "dc-test-util.h"
#include "xtest-input.h"

/* Height of @label at its natural width, and that width. */
static int
natural_height (GtkWidget *label, int *width)
{
  int min, nat, hmin, hnat;

  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, nat, &hmin, &hnat, NULL, NULL);
  if (width)
    *width = nat;
  return hnat;
}

static int
one_line_height (const char *text)
{
  GtkWidget *label = g_object_ref_sink (gtk_label_new (text));
  int h = natural_height (label, NULL);

  g_object_unref (label);
  return h;
}

/* Operators saw "每个运单要 / 保存什么" with GTK's own tooltip label. */
static void
test_short_chinese_one_line (void)
{
  const char *texts[] = { "每个运单要保存什么", "下载所选运单中月台属于这台录像机的部分",
                          "What to save for each waybill" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      GtkWidget *label = g_object_ref_sink (dc_tooltip_label_new (texts[i]));

      g_assert_cmpint (natural_height (label, NULL), ==, one_line_height (texts[i]));
      g_object_unref (label);
    }
}

/* A long tooltip wraps, at lines of at least 20 Chinese characters. */
static void
test_long_wraps_readably (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GtkWidget *label, *twenty;
  int width, twenty_width, height;

  for (int i = 0; i < 8; i++)
    g_string_append (text, "从所有录像机下载所选运单");
  label = g_object_ref_sink (dc_tooltip_label_new (text->str));
  twenty = g_object_ref_sink (gtk_label_new ("从所有录像机下载所选运单从所有录像机下"));
  height = natural_height (label, &width);
  natural_height (twenty, &twenty_width);
  g_assert_cmpint (height, >, one_line_height ("从"));
  g_assert_cmpint (width, >=, twenty_width);
  g_object_unref (label);
  g_object_unref (twenty);
}

static int
count_tooltips (GtkWidget *root, int *not_ours)
{
  const char *text = gtk_widget_get_tooltip_text (root);
  int n = 0;

  if (text && *text)
    {
      n++;
      if (!dc_tooltip_is_installed (root))
        {
          g_test_message ("GTK's own tooltip on a %s: %s", G_OBJECT_TYPE_NAME (root), text);
          (*not_ours)++;
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += count_tooltips (c, not_ours);
  return n;
}

/* Every tooltip in the window (its templates, the picture grid, the
 * recorder cards of the demo) is answered by Dockclip's label. */
static void
test_window_tooltips_are_ours (void)
{
  DcWindow *win = dc_window_new (NULL);
  int not_ours = 0, n;

  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 700);
  gtk_window_present (GTK_WINDOW (win));
  dc_window_start_demo (win);
  dc_test_pump (1500);
  n = count_tooltips (GTK_WIDGET (win), &not_ours);
  g_assert_cmpint (n, >=, 20);
  g_assert_cmpint (not_ours, ==, 0);
  dc_window_shutdown (win);
  gtk_window_destroy (GTK_WINDOW (win));
  dc_test_pump (100);
}

/* While a drop-down's list is open, its tooltip would cover the items. */
static void
test_dropdown_open_list (void)
{
  const char *items[] = { "图片", "视频片段", NULL };
  GtkWidget *window = gtk_window_new ();
  GtkWidget *dd = gtk_drop_down_new_from_strings (items);

  dc_tooltip_set_text (dd, "每个运单要保存什么");
  gtk_window_set_child (GTK_WINDOW (window), dd);
  gtk_window_present (GTK_WINDOW (window));
  dc_test_pump (200);
  g_assert_true (dc_tooltip_is_installed (dd));
  g_assert_false (dc_tooltip_popup_is_open (dd));
  /* the drop-down's list, as a click on its button opens it */
  for (GtkWidget *c = gtk_widget_get_first_child (dd); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER (c))
      gtk_popover_popup (GTK_POPOVER (c));
  dc_test_pump (200);
  g_assert_true (dc_tooltip_popup_is_open (dd));
  for (GtkWidget *c = gtk_widget_get_first_child (dd); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER (c))
      gtk_popover_popdown (GTK_POPOVER (c));
  dc_test_pump (100);
  g_assert_false (dc_tooltip_popup_is_open (dd));
  gtk_window_destroy (GTK_WINDOW (window));
  dc_test_pump (100);
}

/* The tooltip as the X server shows it, for a real pointer resting on
 * a drop-down: the height of one line of text, not two. */
static void
test_shown_on_one_line (void)
{
  const char *items[] = { "图片", "视频片段", NULL };
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *box, *ours, *away;
  int line = one_line_height ("每个运单要保存什么"), height;

  if (!xtest_input_init (&error))
    g_error ("real input is needed for this test: %s", error->message);
  window = gtk_window_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 60);
  ours = gtk_drop_down_new_from_strings (items);
  away = gtk_label_new ("—");
  gtk_widget_set_halign (ours, GTK_ALIGN_START);
  dc_tooltip_set_text (ours, "每个运单要保存什么");
  gtk_box_append (GTK_BOX (box), away);
  gtk_box_append (GTK_BOX (box), ours);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 200);
  gtk_window_present (GTK_WINDOW (window));
  dc_test_pump (300);
  xtest_input_hover (away, 5, 5);
  dc_test_pump (200);
  xtest_input_hover (ours, 10, 10);
  dc_test_pump (1500);
  height = xtest_input_popup_height (ours);
  g_test_message ("tooltip %d px high, one line of text %d px", height, line);
  g_assert_cmpint (height, >, line);
  g_assert_cmpint (height, <, 2 * line);
  gtk_window_destroy (GTK_WINDOW (window));
  dc_test_pump (100);
}

int
main (int argc, char **argv)
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    g_error ("no display: run under xvfb-run");
  adw_init ();
  g_test_add_func ("/app/tooltip/short-chinese-one-line", test_short_chinese_one_line);
  g_test_add_func ("/app/tooltip/long-wraps-readably", test_long_wraps_readably);
  g_test_add_func ("/app/tooltip/window-tooltips-are-ours", test_window_tooltips_are_ours);
  g_test_add_func ("/app/tooltip/shown-on-one-line", test_shown_on_one_line);
  g_test_add_func ("/app/tooltip/dropdown-open-list", test_dropdown_open_list);
  return g_test_run ();
}
