/* app-pictures-fixture.h: a window with a DcPicturePage on a folder of
 * test JPEGs, and the helpers the picture-page GUI tests share. */
#pragma once

#include <adwaita.h>

#include "pictures/dc-picture-page-private.h"

G_BEGIN_DECLS

#define PIC_W 640
#define PIC_H 360

/* The test's temporary root (set by main). */
extern char *tmp_root;

typedef struct
{
  GtkWindow     *window;
  DcPicturePage *page;
  char          *dir;
} Fixture;

void         spin             (guint n);
/* @n flat-colour JPEGs SF1000.jpg… (colour i: 40+15i, 200-10i, 90). */
char        *make_folder      (const char *name, guint n);
guint        n_shown          (DcPicturePage *page);
gboolean     screen_ready     (gpointer page);
void         fixture_open     (Fixture *fx, const char *name, guint n);
gboolean     no_burns         (gpointer page);
void         fixture_close    (Fixture *fx);
DcPicture   *picture_at       (DcPicturePage *page, guint pos);
void         assert_counter   (DcPicturePage *page, guint total, guint marked);
/* Drives the cell's real GtkGestureDrag handlers from picture pixel
 * (x0,y0) to (x1,y1). */
void         drag_on          (DcPictureCanvas *canvas, int x0, int y0, int x1, int y1);
const char  *shortcut_action  (GtkEventController *controller, guint keyval, GdkModifierType mods);
/* The action bound to @keyval/@mods in @controller, activated on its widget. */
void         press_key        (GtkEventController *controller, guint keyval, GdkModifierType mods);
gboolean     file_exists      (gpointer path);

G_END_DECLS
