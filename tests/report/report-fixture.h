/* report-fixture.h: an e-sheet, its pictures, evidence records and marks
 * for the report's tests (test-report and test-report-dialog). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ESHEET_NAME "装车扫描.csv"
#define BATCH "装车扫描"

typedef struct
{
  char *dir;
  char *out;        /* the output folder of `download` */
  char *pictures;   /* <out>/<batch> */
  char *esheet;
} Fixture;

typedef struct
{
  const char *file;
  int         width;
  int         height;
  const char *scan;        /* local time, as in the e-sheet */
  const char *record;      /* "ok", "none", "damaged", "changed" */
} Pic;

extern const Pic report_pics[6];

/* Seven scans of six waybills (one scanned twice, one without a picture),
 * six pictures (320x240 and 640x480), their records (two missing or
 * damaged, one that no longer matches its file), a rectangle mark without
 * a marked copy and a plain mark. */
void fixture_set_up    (Fixture *fx, gconstpointer data);
void fixture_tear_down (Fixture *fx, gconstpointer data);

G_END_DECLS
