#define G_LOG_DOMAIN "dc-dvr-card"

#include "config.h"

#include <glib/gi18n.h>

#include "dc-dvr-card.h"
#include "dc-tooltip.h"

struct _DcDvrCard
{
  GtkBox          parent_instance;

  char           *name;
  char           *host;
  char           *brand;
  GtkLabel       *title;
  GtkLabel       *subtitle;
  GtkLabel       *state_label;
  GtkLabel       *counts;
  GtkProgressBar *progress;
  GtkButton      *download;
  GtkButton      *pause;
  GtkButton      *stop;
  gboolean        paused;
  DcDvrState      state;
  guint           total;
};

G_DEFINE_FINAL_TYPE (DcDvrCard, dc_dvr_card, GTK_TYPE_BOX)

static void
dc_dvr_card_finalize (GObject *object)
{
  DcDvrCard *self = DC_DVR_CARD (object);

  g_free (self->name);
  g_free (self->host);
  g_free (self->brand);
  G_OBJECT_CLASS (dc_dvr_card_parent_class)->finalize (object);
}

static void
dc_dvr_card_class_init (DcDvrCardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_dvr_card_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "dvrcard");
}

static void
dc_dvr_card_init (DcDvrCard *self)
{
}

static GtkButton *
icon_button (const char *icon, const char *tooltip, const char *action, const char *name)
{
  GtkWidget *b = gtk_button_new_from_icon_name (icon);

  dc_tooltip_set_text (b, tooltip);
  gtk_widget_add_css_class (b, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (b), "s", name);
  return GTK_BUTTON (b);
}

/* The status line's whole text, when the card had to cut it short. */
static gboolean
state_label_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                           gpointer user_data)
{
  GtkLabel *label = GTK_LABEL (widget);

  if (!pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    return FALSE;
  dc_tooltip_show_text (tooltip, gtk_label_get_text (label));
  return TRUE;
}

DcDvrCard *
dc_dvr_card_new (const DcDvrConfig *cfg)
{
  DcDvrCard *self = g_object_new (DC_TYPE_DVR_CARD,
                                  "orientation", GTK_ORIENTATION_VERTICAL,
                                  "spacing", 4, NULL);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->name = g_strdup (cfg->name);
  self->host = dc_dvr_config_get_host (cfg);
  self->brand = g_strdup (dc_dvr_brand_display_name (cfg->brand));
  gtk_widget_add_css_class (GTK_WIDGET (self), "card");
  gtk_widget_add_css_class (GTK_WIDGET (self), "dc-dvr-card");

  self->title = GTK_LABEL (gtk_label_new (cfg->name));
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  self->subtitle = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->subtitle, 0);
  gtk_label_set_ellipsize (self->subtitle, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "dim-label");
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (self->subtitle));
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (top), texts);

  self->pause = icon_button ("media-playback-pause-symbolic", _("Pause this recorder’s downloads"),
                             "win.pause-dvr", cfg->name);
  self->stop = icon_button ("process-stop-symbolic", _("Stop this recorder’s downloads"),
                            "win.stop-dvr", cfg->name);
  self->download = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Download")));
  dc_tooltip_set_text (GTK_WIDGET (self->download),
                               _("Download the selected waybills whose dock is on this recorder"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->download), "win.download-dvr");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->download), "s", cfg->name);
  gtk_widget_set_valign (GTK_WIDGET (self->download), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->pause));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->stop));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->download));
  gtk_box_append (GTK_BOX (self), top);

  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->progress));

  /* one line whatever the reason's length, so the card keeps its height
   * in the bounded cards area; the whole sentence is its tooltip */
  self->state_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->state_label, 0);
  gtk_label_set_ellipsize (self->state_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (self->state_label, TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->state_label), TRUE);
  g_signal_connect (self->state_label, "query-tooltip", G_CALLBACK (state_label_query_tooltip), NULL);
  gtk_widget_set_hexpand (GTK_WIDGET (self->state_label), TRUE);
  self->counts = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->counts), "numeric");
  gtk_widget_add_css_class (GTK_WIDGET (self->counts), "dim-label");
  gtk_widget_set_valign (GTK_WIDGET (self->counts), GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (bottom), GTK_WIDGET (self->state_label));
  gtk_box_append (GTK_BOX (bottom), GTK_WIDGET (self->counts));
  gtk_box_append (GTK_BOX (self), bottom);

  dc_dvr_card_set_clock_offset (self, G_MININT64, NULL);
  dc_dvr_card_set_state (self, DC_DVR_STATE_IDLE, NULL);
  dc_dvr_card_set_counts (self, 0, 0, 0, 0, 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pause), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop), FALSE);
  return self;
}

const char *
dc_dvr_card_get_name (DcDvrCard *self)
{
  return self->name;
}

GtkButton *
dc_dvr_card_get_download_button (DcDvrCard *self)
{
  return self->download;
}

const char *
dc_dvr_card_get_state_text (DcDvrCard *self)
{
  return gtk_label_get_text (self->state_label);
}

void
dc_dvr_card_set_state (DcDvrCard *self, DcDvrState state, const char *message)
{
  const char *text;

  self->state = state;
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "success");
  switch (state)
    {
    case DC_DVR_STATE_CONNECTING: text = _("Connecting…"); break;
    case DC_DVR_STATE_SIGNED_IN: text = _("Signed in"); break;
    case DC_DVR_STATE_DOWNLOADING: text = _("Downloading…"); break;
    case DC_DVR_STATE_DONE:
      text = _("Done");
      gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "success");
      break;
    case DC_DVR_STATE_FAILED:
      text = message ? message : _("Failed");
      gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");
      break;
    case DC_DVR_STATE_IDLE:
    default:
      text = _("Ready"); break;
    }
  gtk_label_set_text (self->state_label, text);
}

void
dc_dvr_card_set_clock_offset (DcDvrCard *self, gint64 offset_s, const char *model)
{
  g_autofree char *clock = NULL;
  g_autofree char *text = NULL;

  if (offset_s == G_MININT64)
    clock = g_strdup (_("clock not checked"));
  else if (ABS (offset_s) < 2)
    clock = g_strdup (_("clock in step"));
  else
    {
      /* the number apart: a G_GINT64_FORMAT inside a msgid hides it from xgettext */
      g_autofree char *secs = g_strdup_printf ("%+" G_GINT64_FORMAT, offset_s);
      /* TRANSLATORS: the recorder's clock is this many seconds ahead (+) or behind (-) */
      clock = g_strdup_printf (_("clock %s s"), secs);
    }
  text = g_strdup_printf ("%s · %s · %s", self->host ? self->host : "", self->brand, clock);
  gtk_label_set_text (self->subtitle, text);
  /* the model is long ("DS-7608NXI-I2/8P/S"): a tooltip, not the line */
  if (model)
    dc_tooltip_set_text (GTK_WIDGET (self->subtitle), model);
}

void
dc_dvr_card_set_counts (DcDvrCard *self, guint done, guint queued, guint failed,
                        guint total, double fraction)
{
  g_autofree char *text = NULL;

  /* TRANSLATORS: per-recorder counts of downloads */
  self->total = total;
  text = g_strdup_printf (_("%u done · %u to do · %u missing"), done, queued, failed);
  gtk_label_set_text (self->counts, text);
  gtk_progress_bar_set_fraction (self->progress, total ? fraction : 0.0);
}

DcDvrState
dc_dvr_card_get_state (DcDvrCard *self)
{
  return self->state;
}

void
dc_dvr_card_show_status (DcDvrCard *self, const DcRecorderStatus *st, const char *text,
                         DcStatusTone tone)
{
  const guint *n = st->counts.n;
  gboolean live = n[DC_RUN_QUEUED] + n[DC_RUN_RUNNING] + n[DC_RUN_PAUSED] + n[DC_RUN_RETRY_WAIT] > 0;

  self->state = st->dvr_state;
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "dim-label");
  if (tone == DC_STATUS_TONE_ERROR)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");
  else if (tone == DC_STATUS_TONE_SUCCESS)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "success");
  else if (tone == DC_STATUS_TONE_DIM)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "dim-label");
  if (g_strcmp0 (gtk_label_get_text (self->state_label), text) != 0)
    gtk_label_set_text (self->state_label, text);
  dc_dvr_card_set_clock_offset (self, st->clock_offset_s, st->model);
  dc_dvr_card_set_counts (self, n[DC_RUN_DONE],
                          n[DC_RUN_QUEUED] + n[DC_RUN_RUNNING] + n[DC_RUN_PAUSED] + n[DC_RUN_RETRY_WAIT],
                          n[DC_RUN_FAILED] + n[DC_RUN_PARTIAL], st->counts.total,
                          st->counts.total ? CLAMP (st->counts.fraction / st->counts.total, 0.0, 1.0) : 0.0);
  if (self->paused != st->paused)
    dc_dvr_card_set_paused (self, st->paused);
  /* nothing to pause or stop on an idle recorder */
  gtk_widget_set_sensitive (GTK_WIDGET (self->pause), live || st->paused);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop), live);
}

gboolean
dc_dvr_card_get_paused (DcDvrCard *self)
{
  return self->paused;
}

void
dc_dvr_card_set_paused (DcDvrCard *self, gboolean paused)
{
  self->paused = paused;
  gtk_button_set_icon_name (self->pause, paused ? "media-playback-start-symbolic"
                                                : "media-playback-pause-symbolic");
  dc_tooltip_set_text (GTK_WIDGET (self->pause),
                               paused ? _("Resume this recorder’s downloads")
                                      : _("Pause this recorder’s downloads"));
}
