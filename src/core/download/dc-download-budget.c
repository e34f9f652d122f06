/* dc-download-budget.c: see dc-download-budget.h. */
#define G_LOG_DOMAIN "dc-download"

#include "config.h"

#include <glib/gi18n.h>

#include "download/dc-download-budget.h"
#include "download/dc-downloader.h"

guint64
dc_budget_for_window (gint64 duration_us, guint64 bytes_per_s, guint64 known_size)
{
  guint64 seconds = (guint64) (MAX (duration_us, 0) + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  guint64 bound;

  if (bytes_per_s == 0)
    bytes_per_s = DC_BUDGET_DEFAULT_BYTES_PER_S;
  bound = DC_BUDGET_HEADROOM_BYTES + MIN (seconds, G_MAXUINT32) * bytes_per_s;
  /* A size from the search is a promise: an eighth more (and a MiB) for
   * recorders that round it, never more than the rate bound. */
  if (known_size > 0 && known_size < G_MAXUINT64 / 2)
    bound = MIN (bound, known_size + known_size / 8 + 1024 * 1024);
  return bound;
}

typedef struct
{
  DcByteSource  parent;
  DcByteSource *inner;     /* owned */
  guint64       max_bytes;
  char         *dvr;
  char         *what;
} BudgetSource;

static gboolean
over_budget (BudgetSource *b, GError **error)
{
  g_autofree char *limit = NULL;

  b->parent.bytes_transferred = b->inner->bytes_transferred;
  if (b->inner->bytes_transferred <= b->max_bytes)
    return FALSE;
  limit = g_format_size (b->max_bytes);
  g_set_error (error, DC_DOWNLOAD_ERROR, DC_DOWNLOAD_ERROR_TOO_BIG,
               _("DVR %s sent far more video than %s can hold (more than %s), so the "
                 "transfer was stopped"),
               b->dvr, b->what, limit);
  return TRUE;
}

static gssize
budget_source_read (DcByteSource *self, guint8 *buf, gsize len, GError **error)
{
  BudgetSource *b = (BudgetSource *) self;
  gssize n;

  if (over_budget (b, error))
    return -1;
  n = dc_byte_source_read (b->inner, buf, len, error);
  if (n > 0 && over_budget (b, error))
    return -1;
  return n;
}

static gboolean
budget_source_seek (DcByteSource *self, guint64 offset, GError **error)
{
  BudgetSource *b = (BudgetSource *) self;
  gboolean ok = dc_byte_source_seek (b->inner, offset, error);

  b->parent.bytes_transferred = b->inner->bytes_transferred;
  return ok;
}

static void
budget_source_finalize (DcByteSource *self)
{
  BudgetSource *b = (BudgetSource *) self;

  dc_byte_source_free (b->inner);
  g_free (b->dvr);
  g_free (b->what);
  g_free (b);
}

static const DcByteSourceClass budget_class = {
  budget_source_read, budget_source_seek, budget_source_finalize
};
static const DcByteSourceClass budget_class_noseek = {
  budget_source_read, NULL, budget_source_finalize
};

DcByteSource *
dc_budget_source_new (DcByteSource *inner, guint64 max_bytes, const char *dvr, const char *what)
{
  BudgetSource *b = g_new0 (BudgetSource, 1);

  b->parent.klass = dc_byte_source_can_seek (inner) ? &budget_class : &budget_class_noseek;
  b->parent.size = inner->size;
  b->parent.position = inner->position;
  b->parent.bytes_transferred = inner->bytes_transferred;
  b->inner = inner;
  b->max_bytes = max_bytes;
  b->dvr = g_strdup (dvr);
  b->what = g_strdup (what);
  return &b->parent;
}
