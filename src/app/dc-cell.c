#define G_LOG_DOMAIN "dc-cell"

#include "config.h"

#include "dc-cell.h"
#include "dc-tooltip.h"

/* A GtkLabel queues a resize whenever its text changes, and a list view
 * then measures the label again with Pango, and in GTK 4.8 every row it
 * keeps (about 200) when rows come and go.  A cell is one line of a known
 * height: it is measured from the font once, and the text is laid out only
 * when the cell is drawn, so new text costs a stored string and a redraw. */

struct _DcCell
{
  GtkWidget    parent_instance;
  char        *text;
  char        *tip;
  PangoLayout *layout;
  float        xalign;
  gboolean     numeric;
  gboolean     selected;     /* drawn as selected (by dock) */
  DcCellTone   tone;
  int          width_chars;  /* natural width in digits; 0: none (a column's width) */
  DcCellFillFunc fill;
  gpointer     fill_data;
  gboolean     stale;        /* fill before drawing or answering */
  gboolean     filling;      /* in fill, called from snapshot: no redraw */
};

G_DEFINE_FINAL_TYPE (DcCell, dc_cell, GTK_TYPE_WIDGET)

/* Stale cells (main thread only), filled at low priority after the frames
 * that need them: a cell GTK keeps but does not draw still tells
 * accessibility the truth a moment later. */
static GHashTable *stale_cells;
static guint stale_idle_id;

/* @drawing: called from snapshot, where a redraw must not be queued */
static void
dc_cell_fill (DcCell *self, gboolean drawing)
{
  if (!self->stale)
    return;
  self->stale = FALSE;
  g_hash_table_remove (stale_cells, self);
  if (self->fill == NULL)
    return;
  self->filling = drawing;
  self->fill (self, self->fill_data);
  self->filling = FALSE;
}

/* A couple of milliseconds per round: never a long stall, however many
 * cells GTK keeps. */
static gboolean
stale_cells_idle (gpointer data)
{
  gint64 end = g_get_monotonic_time () + 2000;

  while (g_hash_table_size (stale_cells) > 0 && g_get_monotonic_time () < end)
    {
      DcCell *batch[32];
      guint n = 0;
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, stale_cells);
      while (n < G_N_ELEMENTS (batch) && g_hash_table_iter_next (&iter, &key, NULL))
        batch[n++] = g_object_ref (key);
      for (guint i = 0; i < n; i++)
        {
          dc_cell_fill (batch[i], FALSE);
          g_object_unref (batch[i]);
        }
    }
  if (g_hash_table_size (stale_cells) > 0)
    return G_SOURCE_CONTINUE;
  stale_idle_id = 0;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  int line_height;   /* of a line with CJK and descenders */
  int digit_width;   /* of one digit, in Pango units */
} FontMetrics;

/* Measured once per font (main thread only). */
static const FontMetrics *
dc_cell_font_metrics (GtkWidget *widget)
{
  static GHashTable *known;   /* font description -> FontMetrics */
  PangoContext *context = gtk_widget_get_pango_context (widget);
  PangoFontDescription *font = pango_context_get_font_description (context);
  FontMetrics *m;

  if (known == NULL)
    known = g_hash_table_new_full ((GHashFunc) pango_font_description_hash,
                                   (GEqualFunc) pango_font_description_equal,
                                   (GDestroyNotify) pango_font_description_free, g_free);
  m = g_hash_table_lookup (known, font);
  if (m == NULL)
    {
      g_autoptr(PangoLayout) probe = pango_layout_new (context);
      int width;

      m = g_new0 (FontMetrics, 1);
      pango_layout_set_text (probe, "Xg 8月台", -1);
      pango_layout_get_pixel_size (probe, NULL, &m->line_height);
      pango_layout_set_text (probe, "0123456789", -1);
      pango_layout_get_size (probe, &width, NULL);
      m->digit_width = width / 10;
      g_hash_table_insert (known, pango_font_description_copy (font), m);
    }
  return m;
}

static void
dc_cell_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                 int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  DcCell *self = DC_CELL (widget);
  const FontMetrics *m = dc_cell_font_metrics (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* a column's width, or the few characters asked for; never the text's */
      *minimum = 0;
      *natural = PANGO_PIXELS_CEIL (self->width_chars * m->digit_width);
    }
  else
    *minimum = *natural = m->line_height;
}

static PangoLayout *
dc_cell_get_layout (DcCell *self)
{
  if (self->layout == NULL)
    {
      self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->text);
      pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
      if (self->numeric)
        {
          /* what the "numeric" style class gives a GtkLabel */
          PangoAttrList *attrs = pango_attr_list_new ();
          pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
          pango_layout_set_attributes (self->layout, attrs);
          pango_attr_list_unref (attrs);
        }
    }
  pango_layout_set_width (self->layout, MAX (1, gtk_widget_get_width (GTK_WIDGET (self))) * PANGO_SCALE);
  return self->layout;
}

static void
dc_cell_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DcCell *self = DC_CELL (widget);
  GtkStyleContext *style;
  PangoLayout *layout;
  GdkRGBA color;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int text_w, text_h;

  dc_cell_fill (self, TRUE);
  style = gtk_widget_get_style_context (widget);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (style, &color);
  /* the colours Adwaita's .dim-label, .error and .success give a label */
  if (self->tone == DC_CELL_TONE_DIM)
    color.alpha *= 0.55f;
  else if (self->tone == DC_CELL_TONE_ERROR)
    gtk_style_context_lookup_color (style, "error_color", &color);
  else if (self->tone == DC_CELL_TONE_SUCCESS)
    gtk_style_context_lookup_color (style, "success_color", &color);
  if (self->selected)
    {
      GdkRGBA bg = { 0.21f, 0.52f, 0.89f, 1.f }, fg = { 1.f, 1.f, 1.f, 1.f };

      gtk_style_context_lookup_color (style, "accent_bg_color", &bg);
      gtk_style_context_lookup_color (style, "accent_fg_color", &fg);
      gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (-4, 0, width + 8, height));
      color = fg;
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (self->text == NULL || *self->text == '\0')
    return;
  layout = dc_cell_get_layout (self);
  pango_layout_get_pixel_size (layout, &text_w, &text_h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (MAX (0, (width - text_w) * self->xalign),
                                                          (height - text_h) / 2));
  gtk_snapshot_append_layout (snapshot, layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
dc_cell_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  DcCell *self = DC_CELL (widget);

  if (self->layout)
    pango_layout_set_width (self->layout, MAX (1, width) * PANGO_SCALE);
}

/* Tooltips are answered on demand: gtk_widget_set_tooltip_text() in a
 * bind costs an X round trip per cell (measured: a third of the time of
 * showing a big sheet). */
static gboolean
dc_cell_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  DcCell *self = DC_CELL (widget);
  const char *tip;

  dc_cell_fill (self, FALSE);
  tip = self->tip;

  /* without a tip of its own, a cell explains itself only when cut short */
  if ((tip == NULL || *tip == '\0') && self->text && *self->text &&
      pango_layout_is_ellipsized (dc_cell_get_layout (self)))
    tip = self->text;
  if (tip == NULL || *tip == '\0')
    return FALSE;
  dc_tooltip_show_text (tooltip, tip);
  return TRUE;
}

static void
dc_cell_css_changed (DcCell *self)
{
  /* a new font or colour: lay out again when drawn */
  g_clear_object (&self->layout);
}

static void
dc_cell_finalize (GObject *object)
{
  DcCell *self = DC_CELL (object);

  if (stale_cells)
    g_hash_table_remove (stale_cells, self);

  g_free (self->text);
  g_free (self->tip);
  g_clear_object (&self->layout);
  G_OBJECT_CLASS (dc_cell_parent_class)->finalize (object);
}

static void
dc_cell_class_init (DcCellClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dc_cell_finalize;
  widget_class->measure = dc_cell_measure;
  widget_class->snapshot = dc_cell_snapshot;
  widget_class->size_allocate = dc_cell_size_allocate;
  widget_class->query_tooltip = dc_cell_query_tooltip;
  gtk_widget_class_set_css_name (widget_class, "label");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
dc_cell_init (DcCell *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "notify::css-classes", G_CALLBACK (dc_cell_css_changed), NULL);
}

DcCell *
dc_cell_new (float xalign, gboolean numeric)
{
  DcCell *self = g_object_new (DC_TYPE_CELL, NULL);

  self->xalign = xalign;
  self->numeric = numeric;
  return self;
}

void
dc_cell_set_text (DcCell *self, const char *text)
{
  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  if (self->layout)
    pango_layout_set_text (self->layout, text ? text : "", -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text ? text : "", -1);
  if (!self->filling)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dc_cell_set_tip (DcCell *self, char *tip)   /* takes @tip */
{
  g_free (self->tip);
  self->tip = tip;
}

void
dc_cell_set_selected (DcCell *self, gboolean selected)
{
  if (self->selected == !!selected)
    return;
  self->selected = !!selected;
  if (!self->filling)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
dc_cell_get_text (DcCell *self)
{
  g_return_val_if_fail (DC_IS_CELL (self), NULL);
  dc_cell_fill (self, FALSE);
  return self->text;
}

/* The text's colour: a tone instead of a style class, because a class
 * change makes GTK restyle the cell (a table's status column changes on
 * 200 cells at once when a run starts). */
void
dc_cell_set_tone (DcCell *self, DcCellTone tone)
{
  g_return_if_fail (DC_IS_CELL (self));
  if (self->tone == tone)
    return;
  self->tone = tone;
  if (!self->filling)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
dc_cell_get_selected (DcCell *self)
{
  g_return_val_if_fail (DC_IS_CELL (self), FALSE);
  dc_cell_fill (self, FALSE);
  return self->selected;
}

/* Natural width of @n_chars digits (0: none, the cell takes what its
 * parent gives, as in a column view). */
void
dc_cell_set_width_chars (DcCell *self, int n_chars)
{
  g_return_if_fail (DC_IS_CELL (self));
  if (self->width_chars == n_chars)
    return;
  self->width_chars = n_chars;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Where the cell's content comes from (see dc_cell_invalidate()). */
void
dc_cell_set_fill_func (DcCell *self, DcCellFillFunc fill, gpointer user_data)
{
  g_return_if_fail (DC_IS_CELL (self));
  self->fill = fill;
  self->fill_data = user_data;
}

/* What the cell shows has changed.  A cell on screen is filled at once
 * (in the change, not in the frame that draws it: the frame has its own
 * layout and drawing to do); one GTK keeps off screen (GTK 4.8 keeps
 * about 200 rows and unmaps all but the 20-30 shown) is filled when it
 * is drawn or read, or soon after at low priority.  A change that
 * touches every row (a filter, a sideways scroll by dock) then costs the
 * cells on screen only. */
void
dc_cell_invalidate (DcCell *self)
{
  g_return_if_fail (DC_IS_CELL (self));
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      if (self->stale)
        {
          self->stale = FALSE;
          g_hash_table_remove (stale_cells, self);
        }
      if (self->fill != NULL)
        self->fill (self, self->fill_data);
      return;
    }
  if (self->stale)
    return;
  self->stale = TRUE;
  if (stale_cells == NULL)
    stale_cells = g_hash_table_new (NULL, NULL);
  g_hash_table_add (stale_cells, self);
  if (stale_idle_id == 0)
    {
      stale_idle_id = g_idle_add_full (G_PRIORITY_LOW, stale_cells_idle, NULL, NULL);
      g_source_set_name_by_id (stale_idle_id, "[dockclip] stale cells");
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
