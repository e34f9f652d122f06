#define G_LOG_DOMAIN "dc-picture-canvas"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "dc-picture-canvas.h"
#include "dc-tooltip.h"

#define BADGE_RADIUS 13.0
#define BADGE_MARGIN 6.0

struct _DcPictureCanvas
{
  GtkWidget    parent_instance;

  DcPicture   *picture;
  gulong       notify_id;
  GdkTexture  *texture;
  int          source_width;
  int          source_height;
  gboolean     placeholder;
  char        *reason;       /* the placeholder's tooltip */
  DcMark      *draft;
  gboolean     show_badge;
  gboolean     flexible;     /* any height (the viewer), not 16:9 of the width */
  gboolean     follow_thumbnail;
  guint        position;

  GtkGesture  *drag;
  GtkGesture  *click;
  double       drag_x;
  double       drag_y;
  gboolean     dragging;     /* past the threshold: a shape is being drawn */
};

G_DEFINE_FINAL_TYPE (DcPictureCanvas, dc_picture_canvas, GTK_TYPE_WIDGET)

enum { SHAPE_DRAWN, BADGE_CLICKED, N_SIGNALS };
static guint signals [N_SIGNALS];

/* Where the picture is painted: fitted in the widget, centred. */
static gboolean
picture_rect (DcPictureCanvas *self, graphene_rect_t *rect)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double scale;

  if (self->source_width <= 0 || self->source_height <= 0 || w <= 0 || h <= 0)
    return FALSE;
  scale = MIN (w / self->source_width, h / self->source_height);
  graphene_rect_init (rect,
                      (float) floor ((w - self->source_width * scale) / 2),
                      (float) floor ((h - self->source_height * scale) / 2),
                      (float) (self->source_width * scale),
                      (float) (self->source_height * scale));
  return TRUE;
}

gboolean
dc_picture_canvas_widget_to_image (DcPictureCanvas *self, double wx, double wy,
                                   int *ix, int *iy)
{
  graphene_rect_t r;
  double sx, sy;

  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), FALSE);

  if (self->placeholder || !picture_rect (self, &r))
    return FALSE;
  sx = (wx - r.origin.x) * self->source_width / r.size.width;
  sy = (wy - r.origin.y) * self->source_height / r.size.height;
  *ix = (int) CLAMP (floor (sx), 0, self->source_width);
  *iy = (int) CLAMP (floor (sy), 0, self->source_height);
  return TRUE;
}

gboolean
dc_picture_canvas_image_to_widget (DcPictureCanvas *self, int ix, int iy,
                                   double *wx, double *wy)
{
  graphene_rect_t r;

  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), FALSE);

  if (self->placeholder || !picture_rect (self, &r))
    return FALSE;
  *wx = r.origin.x + (ix + 0.5) * r.size.width / self->source_width;
  *wy = r.origin.y + (iy + 0.5) * r.size.height / self->source_height;
  return TRUE;
}

void
dc_picture_canvas_get_badge_center (DcPictureCanvas *self, double *x, double *y)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));

  *x = w - BADGE_MARGIN - BADGE_RADIUS;
  *y = BADGE_MARGIN + BADGE_RADIUS;
}

static gboolean
in_badge (DcPictureCanvas *self, double x, double y)
{
  double bx, by;

  if (!self->show_badge || self->picture == NULL)
    return FALSE;
  dc_picture_canvas_get_badge_center (self, &bx, &by);
  /* a little slack around the circle: it is a small target */
  return hypot (x - bx, y - by) <= BADGE_RADIUS + 4;
}

static void
set_rgb (cairo_t *cr, DcMarkColour colour, double alpha)
{
  guint8 rgb[3];

  dc_mark_colour_to_rgb (colour, rgb);
  cairo_set_source_rgba (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0, alpha);
}

void
dc_picture_canvas_draw_mark (cairo_t *cr, const graphene_rect_t *dest, int src_w, int src_h,
                             const DcMark *mark, gboolean dashed)
{
  double sx = dest->size.width / src_w;
  double sy = dest->size.height / src_h;
  double lw, x, y, w, h;

  if (mark == NULL || mark->shape == DC_MARK_SHAPE_NONE || src_w <= 0 || src_h <= 0)
    return;
  /* The burner draws the line inside the box: do the same so the
   * preview is what will be sent. */
  lw = MAX (1.0, mark->line_width * sx);
  x = dest->origin.x + mark->x * sx + lw / 2;
  y = dest->origin.y + mark->y * sy + lw / 2;
  w = MAX (0.0, mark->width * sx - lw);
  h = MAX (0.0, mark->height * sy - lw);

  cairo_save (cr);
  cairo_rectangle (cr, dest->origin.x, dest->origin.y, dest->size.width, dest->size.height);
  cairo_clip (cr);
  cairo_new_path (cr);
  if (mark->shape == DC_MARK_SHAPE_RECTANGLE)
    cairo_rectangle (cr, x, y, w, h);
  else if (w > 0 && h > 0)
    {
      cairo_save (cr);
      cairo_translate (cr, x + w / 2, y + h / 2);
      cairo_scale (cr, w / 2, h / 2);
      cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
      cairo_restore (cr);
    }
  set_rgb (cr, mark->colour, 1.0);
  cairo_set_line_width (cr, lw);
  if (dashed)
    {
      double dash[] = { MAX (4.0, lw * 2), MAX (3.0, lw) };
      cairo_set_dash (cr, dash, 2, 0);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_badge (DcPictureCanvas *self, cairo_t *cr, gboolean marked)
{
  double cx, cy;

  dc_picture_canvas_get_badge_center (self, &cx, &cy);
  cairo_new_path (cr);
  cairo_arc (cr, cx, cy, BADGE_RADIUS, 0, 2 * G_PI);
  if (marked)
    {
      cairo_set_source_rgb (cr, 0.15, 0.55, 0.25);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
      /* the check */
      cairo_move_to (cr, cx - 6, cy + 0.5);
      cairo_line_to (cr, cx - 1.5, cy + 5);
      cairo_line_to (cr, cx + 6.5, cy - 5);
      cairo_set_line_width (cr, 3);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (cr);
    }
  else
    {
      cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }
}

static void
dc_picture_canvas_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DcPictureCanvas *self = DC_PICTURE_CANVAS (widget);
  double w = gtk_widget_get_width (widget);
  double h = gtk_widget_get_height (widget);
  gboolean marked = self->picture != NULL && dc_picture_get_marked (self->picture);
  graphene_rect_t r;
  cairo_t *cr;

  if (w <= 0 || h <= 0)
    return;

  if (self->placeholder)
    {
      graphene_rect_t all = GRAPHENE_RECT_INIT (0, 0, (float) w, (float) h);
      GdkRGBA grey = { 0.5, 0.5, 0.5, 0.25 };
      gtk_snapshot_append_color (snapshot, &grey, &all);
    }
  else if (self->texture != NULL && picture_rect (self, &r))
    {
      /* No tint over a marked picture: its colours are evidence (a
       * parcel's label, a tape colour).  The frame and the badge say
       * "marked". */
      gtk_snapshot_append_texture (snapshot, self->texture, &r);
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) w, (float) h));
  if (self->placeholder)
    {
      cairo_set_source_rgba (cr, 0.6, 0.1, 0.1, 0.8);
      cairo_set_line_width (cr, 3);
      cairo_move_to (cr, w / 2 - 12, h / 2 - 12);
      cairo_line_to (cr, w / 2 + 12, h / 2 + 12);
      cairo_move_to (cr, w / 2 + 12, h / 2 - 12);
      cairo_line_to (cr, w / 2 - 12, h / 2 + 12);
      cairo_stroke (cr);
    }
  else if (self->texture != NULL && picture_rect (self, &r))
    {
      if (marked)
        {
          /* a green frame with a white inner line, visible on any picture */
          cairo_set_source_rgb (cr, 0.15, 0.55, 0.25);
          cairo_set_line_width (cr, 4);
          cairo_rectangle (cr, r.origin.x + 2, r.origin.y + 2, r.size.width - 4, r.size.height - 4);
          cairo_stroke (cr);
          cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
          cairo_set_line_width (cr, 1);
          cairo_rectangle (cr, r.origin.x + 4.5, r.origin.y + 4.5, r.size.width - 9, r.size.height - 9);
          cairo_stroke (cr);
        }
      if (marked)
        dc_picture_canvas_draw_mark (cr, &r, self->source_width, self->source_height,
                                     dc_picture_get_mark (self->picture),
                                     self->draft != NULL);
      if (self->draft != NULL)
        dc_picture_canvas_draw_mark (cr, &r, self->source_width, self->source_height,
                                     self->draft, FALSE);
    }
  if (self->show_badge && self->picture != NULL)
    draw_badge (self, cr, marked);
  cairo_destroy (cr);
}

static GtkSizeRequestMode
dc_picture_canvas_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* 16:9 (DVR snapshots) for any width: every cell of a row is as tall as
 * the others, which GtkGridView 4.8 needs to scroll right. */
static void
dc_picture_canvas_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                           int *minimum, int *natural, int *min_baseline, int *nat_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 64;
      *natural = 256;
    }
  else
    {
      /* minimum too: list views give rows their minimum height */
      int w = for_size > 0 ? for_size : 256;
      *minimum = *natural = MAX (36, w * 9 / 16);
      if (DC_PICTURE_CANVAS (widget)->flexible)
        *minimum = 36;
    }
}

static void
sync_thumbnail (DcPictureCanvas *self)
{
  GObject *thumb;
  int sw, sh;

  if (self->picture == NULL)
    {
      dc_picture_canvas_set_texture (self, NULL, 0, 0);
      return;
    }
  thumb = dc_picture_get_thumbnail (self->picture, &sw, &sh);
  if (thumb == NULL && dc_picture_get_thumbnail_error (self->picture) != NULL)
    dc_picture_canvas_set_placeholder (self, dc_picture_get_thumbnail_error (self->picture));
  else
    dc_picture_canvas_set_texture (self, thumb != NULL ? GDK_TEXTURE (thumb) : NULL, sw, sh);
}

static void
on_picture_notify (GObject *object, GParamSpec *pspec, gpointer data)
{
  DcPictureCanvas *self = data;

  if (self->follow_thumbnail && g_strcmp0 (pspec->name, "thumbnail") == 0)
    sync_thumbnail (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
emit_shape (DcPictureCanvas *self, double ox, double oy, gboolean finished)
{
  int x0, y0, x1, y1;

  if (!dc_picture_canvas_widget_to_image (self, self->drag_x, self->drag_y, &x0, &y0) ||
      !dc_picture_canvas_widget_to_image (self, self->drag_x + ox, self->drag_y + oy, &x1, &y1))
    return;
  g_signal_emit (self, signals[SHAPE_DRAWN], 0, MIN (x0, x1), MIN (y0, y1),
                 ABS (x1 - x0), ABS (y1 - y0), finished);
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, DcPictureCanvas *self)
{
  int ix, iy;

  self->dragging = FALSE;
  /* The badge is a button; outside the picture there is nothing to mark. */
  if (in_badge (self, x, y) || !dc_picture_canvas_widget_to_image (self, x, y, &ix, &iy))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_x = x;
  self->drag_y = y;
}

static void
on_drag_update (GtkGestureDrag *gesture, double ox, double oy, DcPictureCanvas *self)
{
  if (!self->dragging)
    {
      if (hypot (ox, oy) < DC_PICTURE_CANVAS_DRAG_THRESHOLD)
        return;
      /* From now on this is a drawing, not a click: take the pointer from
       * the list item (which would select and rubber-band). */
      self->dragging = TRUE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
    }
  emit_shape (self, ox, oy, FALSE);
}

static void
on_drag_end (GtkGestureDrag *gesture, double ox, double oy, DcPictureCanvas *self)
{
  if (!self->dragging)
    return;
  self->dragging = FALSE;
  emit_shape (self, ox, oy, TRUE);
}

static void
on_click_released (GtkGestureClick *gesture, int n_press, double x, double y,
                   DcPictureCanvas *self)
{
  if (n_press == 1 && in_badge (self, x, y))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      g_signal_emit (self, signals[BADGE_CLICKED], 0);
    }
}

static void
dc_picture_canvas_dispose (GObject *object)
{
  DcPictureCanvas *self = DC_PICTURE_CANVAS (object);

  dc_picture_canvas_set_picture (self, NULL);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->draft, dc_mark_free);
  g_clear_pointer (&self->reason, g_free);
  G_OBJECT_CLASS (dc_picture_canvas_parent_class)->dispose (object);
}

static gboolean
dc_picture_canvas_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                 GtkTooltip *tooltip)
{
  DcPictureCanvas *self = DC_PICTURE_CANVAS (widget);

  if (!self->placeholder || self->reason == NULL || self->reason[0] == '\0')
    return FALSE;
  dc_tooltip_show_text (tooltip, self->reason);
  return TRUE;
}

static void
dc_picture_canvas_class_init (DcPictureCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dc_picture_canvas_dispose;
  widget_class->query_tooltip = dc_picture_canvas_query_tooltip;
  widget_class->snapshot = dc_picture_canvas_snapshot;
  widget_class->measure = dc_picture_canvas_measure;
  widget_class->get_request_mode = dc_picture_canvas_get_request_mode;

  /* x, y, width, height in picture pixels; finished on release */
  signals[SHAPE_DRAWN] = g_signal_new ("shape-drawn", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 5, G_TYPE_INT, G_TYPE_INT,
                                       G_TYPE_INT, G_TYPE_INT, G_TYPE_BOOLEAN);
  signals[BADGE_CLICKED] = g_signal_new ("badge-clicked", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
  gtk_widget_class_set_css_name (widget_class, "dc-picture-canvas");
}

static void
dc_picture_canvas_init (DcPictureCanvas *self)
{
  self->position = G_MAXUINT;
  self->show_badge = TRUE;
  /* The reason of a placeholder is asked for when the pointer rests on
   * it (query_tooltip): setting tooltip-text at every texture change
   * costs an X round trip per cell. */
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  self->drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (self->drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (self->drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (self->drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drag));

  self->click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->click), GDK_BUTTON_PRIMARY);
  g_signal_connect (self->click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->click));
}

GtkWidget *
dc_picture_canvas_new (void)
{
  return g_object_new (DC_TYPE_PICTURE_CANVAS, NULL);
}

void
dc_picture_canvas_set_picture (DcPictureCanvas *self, DcPicture *picture)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));

  if (self->picture == picture)
    return;
  if (self->picture != NULL)
    g_clear_signal_handler (&self->notify_id, self->picture);
  g_set_object (&self->picture, picture);
  if (picture != NULL)
    self->notify_id = g_signal_connect_object (picture, "notify", G_CALLBACK (on_picture_notify),
                                               self, 0);
  if (self->follow_thumbnail)
    sync_thumbnail (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dc_picture_canvas_set_follow_thumbnail (DcPictureCanvas *self, gboolean follow)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));

  self->follow_thumbnail = follow;
  if (follow)
    sync_thumbnail (self);
}

DcPicture *
dc_picture_canvas_get_picture (DcPictureCanvas *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), NULL);
  return self->picture;
}

void
dc_picture_canvas_set_texture (DcPictureCanvas *self, GdkTexture *texture,
                               int source_width, int source_height)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));

  g_set_object (&self->texture, texture);
  self->placeholder = FALSE;
  if (texture != NULL && (source_width <= 0 || source_height <= 0))
    {
      source_width = gdk_texture_get_width (texture);
      source_height = gdk_texture_get_height (texture);
    }
  self->source_width = texture != NULL ? source_width : 0;
  self->source_height = texture != NULL ? source_height : 0;
  g_clear_pointer (&self->reason, g_free);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkTexture *
dc_picture_canvas_get_texture (DcPictureCanvas *self, int *source_width, int *source_height)
{
  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), NULL);
  *source_width = self->source_width;
  *source_height = self->source_height;
  return self->texture;
}

gboolean
dc_picture_canvas_has_texture (DcPictureCanvas *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), FALSE);
  return self->texture != NULL || self->placeholder;
}

void
dc_picture_canvas_set_placeholder (DcPictureCanvas *self, const char *reason)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));

  g_clear_object (&self->texture);
  self->placeholder = TRUE;
  self->source_width = self->source_height = 0;
  g_free (self->reason);
  self->reason = g_strdup (reason);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dc_picture_canvas_set_draft (DcPictureCanvas *self, const DcMark *draft)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));

  g_clear_pointer (&self->draft, dc_mark_free);
  if (draft != NULL)
    self->draft = dc_mark_copy (draft);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dc_picture_canvas_set_show_badge (DcPictureCanvas *self, gboolean show)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));
  self->show_badge = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dc_picture_canvas_set_flexible (DcPictureCanvas *self, gboolean flexible)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));
  self->flexible = flexible;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
dc_picture_canvas_set_position (DcPictureCanvas *self, guint position)
{
  g_return_if_fail (DC_IS_PICTURE_CANVAS (self));
  self->position = position;
}

guint
dc_picture_canvas_get_position (DcPictureCanvas *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), G_MAXUINT);
  return self->position;
}

GtkGesture *
dc_picture_canvas_get_drag_gesture (DcPictureCanvas *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), NULL);
  return self->drag;
}

GtkGesture *
dc_picture_canvas_get_click_gesture (DcPictureCanvas *self)
{
  g_return_val_if_fail (DC_IS_PICTURE_CANVAS (self), NULL);
  return self->click;
}
