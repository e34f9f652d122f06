/* dc-dvr-card.h: one recorder in the downloader panel: name, address,
 * brand, clock offset, state in words, progress and counts, and its own
 * Download button (the selected waybills mapped to this recorder). */
#pragma once

#include <gtk/gtk.h>

#include "download/dc-downloader.h"

#include "dc-session.h"

G_BEGIN_DECLS

#define DC_TYPE_DVR_CARD (dc_dvr_card_get_type ())
G_DECLARE_FINAL_TYPE (DcDvrCard, dc_dvr_card, DC, DVR_CARD, GtkBox)

DcDvrCard  *dc_dvr_card_new          (const DcDvrConfig *cfg);
const char *dc_dvr_card_get_name     (DcDvrCard *self);
void        dc_dvr_card_set_state    (DcDvrCard *self, DcDvrState state, const char *message);
void        dc_dvr_card_set_clock_offset (DcDvrCard *self, gint64 offset_s, const char *model);
void        dc_dvr_card_set_counts   (DcDvrCard *self, guint done, guint queued, guint failed,
                                      guint total, double fraction);
const char *dc_dvr_card_get_state_text (DcDvrCard *self);
GtkButton  *dc_dvr_card_get_download_button (DcDvrCard *self);
DcDvrState  dc_dvr_card_get_state    (DcDvrCard *self);
/* The pause button resumes once pressed. */
gboolean    dc_dvr_card_get_paused   (DcDvrCard *self);
void        dc_dvr_card_set_paused   (DcDvrCard *self, gboolean paused);
/* Shows the session's status of this recorder (text and tone derived by
 * the session); the pause and stop buttons are enabled only while it has
 * work that is not final. */
void        dc_dvr_card_show_status  (DcDvrCard *self, const DcRecorderStatus *status,
                                      const char *text, DcStatusTone tone);

G_END_DECLS
