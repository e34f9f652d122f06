#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* One line of text whose size never depends on its text: setting the text
 * redraws it, it never queues a resize.  For text that changes often in
 * lists (table cells, a job's progress line). */
typedef enum
{
  DC_CELL_TONE_NORMAL,
  DC_CELL_TONE_DIM,
  DC_CELL_TONE_ERROR,
  DC_CELL_TONE_SUCCESS,
} DcCellTone;

#define DC_TYPE_CELL (dc_cell_get_type ())
G_DECLARE_FINAL_TYPE (DcCell, dc_cell, DC, CELL, GtkWidget)

/* Sets the cell's text, tip, tone and selection from what it shows now
 * (see dc_cell_invalidate()). */
typedef void (*DcCellFillFunc) (DcCell *cell, gpointer user_data);

DcCell     *dc_cell_new             (float        xalign,
                                     gboolean     numeric);
void        dc_cell_set_width_chars (DcCell      *self,
                                     int          n_chars);
void        dc_cell_set_text        (DcCell      *self,
                                     const char  *text);
const char *dc_cell_get_text        (DcCell      *self);
void        dc_cell_set_tip         (DcCell      *self,
                                     char        *tip);
void        dc_cell_set_selected    (DcCell      *self,
                                     gboolean     selected);
gboolean    dc_cell_get_selected    (DcCell      *self);
void        dc_cell_set_tone        (DcCell      *self,
                                     DcCellTone   tone);
void        dc_cell_set_fill_func   (DcCell        *self,
                                     DcCellFillFunc fill,
                                     gpointer       user_data);
void        dc_cell_invalidate      (DcCell      *self);

G_END_DECLS
