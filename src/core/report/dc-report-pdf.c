/* dc-report-pdf.c: the evidence report's pages, drawn with cairo's PDF
 * surface and laid out with Pango.
 *
 * A picture goes into the PDF as the JPEG it is (cairo embeds JPEG mime
 * data as a DCT image instead of recompressing pixels): the page shows the
 * very bytes that were downloaded, or the marked copy, at full resolution,
 * and 500 pictures take seconds, not minutes.  Only a picture that must be
 * turned upright (EXIF orientation) or whose marked copy is missing or
 * older than its mark is decoded, drawn and encoded again here.
 *
 * Text goes through Pango, so Chinese dock names and e-sheet names come
 * out in the system's CJK font (Noto Sans CJK on Debian) and stay text
 * that a PDF reader can search and copy.
 */
#define G_LOG_DOMAIN "dc-report"

#include "config.h"

#include <string.h>

#include <cairo-pdf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>

#include "pictures/dc-jpeg.h"
#include "pictures/dc-mark-burn.h"
#include "report/dc-report-private.h"
#include "util/dc-file-util.h"

/* A4 in PostScript points. */
#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN 36.0
#define HEADER_H 22.0
#define FOOTER_H 16.0
#define GAP 14.0

#define FONT_FAMILY "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, WenQuanYi Micro Hei, Sans"
#define MONO_FAMILY "Noto Sans Mono CJK SC, DejaVu Sans Mono, Consolas, Monospace"

typedef struct
{
  GOutputStream *stream;
  GError        *error;
} Writer;

static cairo_status_t
write_cb (void                *closure,
          const unsigned char *data,
          unsigned int         length)
{
  Writer *writer = closure;

  if (writer->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (writer->stream, data, length, NULL, NULL, &writer->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

typedef struct
{
  cairo_t              *cr;
  DcReportData         *data;
  const DcReportOptions *options;
  guint                 page;
  guint                 n_pages;
  char                 *made;       /* when, local time with offset */
  double                body_pt;
  /* The page's picture surfaces, kept until the page is written: cairo
   * snapshots a painted surface copy-on-write, so destroying it earlier
   * copies every picture's pixels (8 MB at 1080p) for nothing. */
  GPtrArray            *page_surfaces;
} Doc;

static PangoLayout *
new_layout (Doc        *doc,
            double      width,
            const char *markup)
{
  PangoLayout *layout = pango_cairo_create_layout (doc->cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);

  /* Han characters in their Simplified Chinese forms. */
  pango_context_set_language (pango_layout_get_context (layout), pango_language_from_string ("zh-cn"));
  pango_font_description_set_size (font, (int) (doc->body_pt * PANGO_SCALE));
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_markup (layout, markup, -1);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return (double) h / PANGO_SCALE;
}

static void
show_layout (Doc         *doc,
             PangoLayout *layout,
             double       x,
             double       y)
{
  cairo_move_to (doc->cr, x, y);
  pango_cairo_show_layout (doc->cr, layout);
}

/* The running header and footer of every page. */
static void
draw_frame (Doc *doc)
{
  double saved = doc->body_pt;
  g_autofree char *left = NULL, *right = NULL, *foot = NULL;
  g_autoptr(PangoLayout) l = NULL, r = NULL, f = NULL;

  doc->body_pt = 8;
  left = g_markup_printf_escaped ("<span foreground='#555555'>%s — %s</span>",
                                  _("Dockclip evidence report"), doc->data->esheet_name);
  {
    g_autofree char *page = g_strdup_printf (_("Page %u of %u"), doc->page, doc->n_pages);

    right = g_markup_printf_escaped ("<span foreground='#555555'>%s</span>", page);
  }
  {
    g_autofree char *made = g_strdup_printf (_("Made by Dockclip %s on %s"), PACKAGE_VERSION, doc->made);

    foot = g_markup_printf_escaped ("<span foreground='#777777'>%s</span>", made);
  }
  l = new_layout (doc, PAGE_W - 2 * MARGIN, left);
  r = new_layout (doc, PAGE_W - 2 * MARGIN, right);
  pango_layout_set_alignment (r, PANGO_ALIGN_RIGHT);
  f = new_layout (doc, PAGE_W - 2 * MARGIN, foot);
  pango_layout_set_alignment (f, PANGO_ALIGN_CENTER);
  cairo_set_source_rgb (doc->cr, 0, 0, 0);
  show_layout (doc, l, MARGIN, MARGIN - 12);
  show_layout (doc, r, MARGIN, MARGIN - 12);
  show_layout (doc, f, MARGIN, PAGE_H - MARGIN + 2);
  cairo_set_source_rgb (doc->cr, 0.75, 0.75, 0.75);
  cairo_set_line_width (doc->cr, 0.5);
  cairo_move_to (doc->cr, MARGIN, MARGIN + 2);
  cairo_line_to (doc->cr, PAGE_W - MARGIN, MARGIN + 2);
  cairo_stroke (doc->cr);
  doc->body_pt = saved;
}

static char *
format_offset (double seconds)
{
  /* "+83 s" / "−1.5 s": whole seconds when they are whole. */
  if (seconds == (double) (gint64) seconds)
    return g_strdup_printf ("%s%" G_GINT64_FORMAT " s", seconds > 0 ? "+" : seconds < 0 ? "−" : "",
                            (gint64) ABS (seconds));
  return g_strdup_printf ("%s%.1f s", seconds > 0 ? "+" : seconds < 0 ? "−" : "", ABS (seconds));
}

static void
append_fact (GString    *markup,
             const char *label,
             const char *value)
{
  g_autofree char *line = g_markup_printf_escaped ("<span foreground='#555555'>%s</span>\t%s\n", label, value);

  g_string_append (markup, line);
}

static void
draw_cover (Doc *doc)
{
  DcReportData *data = doc->data;
  g_autoptr(GString) facts = g_string_new (NULL);
  g_autoptr(PangoLayout) title = NULL, body = NULL;
  g_autoptr(PangoTabArray) tabs = pango_tab_array_new_with_positions (1, TRUE, PANGO_TAB_LEFT, 150);
  g_autofree char *title_markup = NULL;
  g_autofree char *first = dc_report_format_local (data->first_scan_us);
  g_autofree char *last = dc_report_format_local (data->last_scan_us);
  g_autofree char *dates = NULL, *waybills = NULL, *pictures = NULL;
  double y = MARGIN + 30;

  draw_frame (doc);
  doc->body_pt = 22;
  title_markup = g_markup_printf_escaped ("<b>%s</b>\n<span size='60%%'>%s</span>",
                                          _("Evidence report"), data->esheet_name);
  title = new_layout (doc, PAGE_W - 2 * MARGIN, title_markup);
  cairo_set_source_rgb (doc->cr, 0, 0, 0);
  show_layout (doc, title, MARGIN, y);
  y += layout_height (title) + 24;

  /* The dates of the scans (the date part of the local times). */
  if (strlen (first) > 10)
    first[10] = '\0';
  if (strlen (last) > 10)
    last[10] = '\0';
  dates = strcmp (first, last) == 0 ? g_strdup (first) : g_strdup_printf ("%s – %s", first, last);
  waybills = g_strdup_printf (_("%u in this report (of %u in the e-sheet)"),
                              data->summary.n_waybills, data->n_sheet_waybills);
  pictures = g_strdup_printf (_("%u, of which %u marked"), data->summary.n_pictures, data->summary.n_marked);
  append_fact (facts, _("E-sheet"), data->esheet_name);
  append_fact (facts, _("Scan date"), dates);
  append_fact (facts, _("Waybills"), waybills);
  append_fact (facts, _("Pictures"), pictures);
  if (data->summary.n_missing > 0)
    {
      g_autofree char *missing = g_strdup_printf (ngettext ("%u scan (listed below)", "%u scans (listed below)",
                                                            data->summary.n_missing),
                                                  data->summary.n_missing);

      append_fact (facts, _("Without a picture"), missing);
    }
  if (data->recorders->len == 0)
    append_fact (facts, _("Recorders"), _("— (no download records in the picture folder)"));
  for (guint i = 0; i < data->recorders->len; i++)
    {
      const DcReportRecorder *r = g_ptr_array_index (data->recorders, i);
      g_autoptr(GString) value = g_string_new (r->recorder);
      g_autofree char *lo = NULL, *hi = NULL;

      if (r->brand != NULL || r->model != NULL)
        g_string_append_printf (value, " (%s%s%s)", r->brand ? r->brand : "",
                                r->brand && r->model ? " " : "", r->model ? r->model : "");
      if (r->has_offset)
        {
          lo = format_offset (r->min_offset_s);
          hi = format_offset (r->max_offset_s);
          g_string_append (value, " — ");
          if (r->min_offset_s == r->max_offset_s)
            g_string_append_printf (value, _("clock offset %s"), lo);
          else
            g_string_append_printf (value, _("clock offset %s to %s"), lo, hi);
        }
      else
        g_string_append_printf (value, " — %s", _("clock offset not recorded"));
      append_fact (facts, i == 0 ? _("Recorders") : "", value->str);
    }
  append_fact (facts, _("Picture folder"), data->folder);
  append_fact (facts, _("Dockclip version"), PACKAGE_VERSION);
  append_fact (facts, _("Made"), doc->made);

  doc->body_pt = 10.5;
  body = new_layout (doc, PAGE_W - 2 * MARGIN, facts->str);
  pango_layout_set_tabs (body, tabs);
  pango_layout_set_spacing (body, 4 * PANGO_SCALE);
  show_layout (doc, body, MARGIN, y);
  y += layout_height (body) + 18;

  {
    g_autofree char *note = g_markup_printf_escaped (
      "<span foreground='#444444'>%s</span>",
      _("A clock offset is the recorder's clock minus this PC's clock, measured when Dockclip signed in; "
        "Dockclip corrects for it, so each picture is the frame at the real scan time. The SHA-256 of each "
        "picture is computed from the original file now and compared with the one recorded when it was "
        "downloaded. A marked picture is shown with its mark drawn in; the original file is unchanged."));
    g_autoptr(PangoLayout) l = NULL;

    doc->body_pt = 9;
    l = new_layout (doc, PAGE_W - 2 * MARGIN, note);
    show_layout (doc, l, MARGIN, y);
    y += layout_height (l) + 18;
  }

  if (data->missing->len > 0)
    {
      const guint shown = MIN (data->missing->len, 30);
      g_autoptr(GString) list = g_string_new (NULL);
      g_autoptr(PangoLayout) l = NULL;
      g_autofree char *head = g_markup_printf_escaped ("<b>%s</b>\n", _("Scans without a picture"));

      g_string_append (list, head);
      for (guint i = 0; i < shown; i++)
        {
          g_autofree char *line = g_markup_printf_escaped ("%s\n", (char *) g_ptr_array_index (data->missing, i));

          g_string_append (list, line);
        }
      if (data->missing->len > shown)
        {
          g_autofree char *more = g_strdup_printf (_("… and %u more"), data->missing->len - shown);
          g_autofree char *line = g_markup_escape_text (more, -1);

          g_string_append (list, line);
        }
      doc->body_pt = 9;
      l = new_layout (doc, PAGE_W - 2 * MARGIN, list->str);
      show_layout (doc, l, MARGIN, y);
    }
  cairo_show_page (doc->cr);
}

/* The picture as it goes on the page: JPEG bytes for the PDF and the
 * same picture's pixels for cairo. */
typedef struct
{
  GBytes  *jpeg;
  DcImage *image;         /* NULL when the JPEG goes in as it is */
  int      width;
  int      height;
  gboolean burned_here;   /* the mark was drawn by the report */
} Picture;

static void
picture_clear (Picture *p)
{
  g_clear_pointer (&p->jpeg, g_bytes_unref);
  g_clear_pointer (&p->image, dc_image_free);
}

static gboolean
read_bytes (const char  *path,
            GBytes     **out,
            GError     **error)
{
  char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;
  *out = g_bytes_new_take (contents, len);
  return TRUE;
}

/* Fills entry->sha256 from the original and prepares what is shown. */
static gboolean
load_picture (DcReportData  *data,
              DcReportEntry *entry,
              Picture       *out,
              GError       **error)
{
  g_autoptr(GBytes) original = NULL;
  g_autoptr(DcImage) decoded = NULL;
  const guint8 *bytes;
  gsize len;
  int orientation;

  if (!read_bytes (entry->path, &original, error))
    return FALSE;
  bytes = g_bytes_get_data (original, &len);
  entry->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, len);
  orientation = dc_jpeg_exif_orientation (bytes, len);

  if (entry->mark != NULL && entry->mark->shape != DC_MARK_SHAPE_NONE)
    {
      g_autofree char *burned = dc_mark_burned_path (data->folder, entry->file_name);
      GStatBuf st;

      /* The ready-to-send copy, unless it predates the mark (then it shows
       * an older shape) or is missing: then the mark is drawn here. */
      if (g_stat (burned, &st) == 0 && (gint64) st.st_mtime >= entry->mark->time
          && read_bytes (burned, &out->jpeg, NULL))
        {
          const guint8 *b = g_bytes_get_data (out->jpeg, &len);

          /* a copy that does not even decode is made again below */
          if (dc_jpeg_read_header (b, len, &out->width, &out->height, NULL)
              && (out->image = dc_jpeg_decode (b, len, 1, 8, TRUE, NULL)) != NULL)
            {
              g_clear_pointer (&out->image, dc_image_free);
              return TRUE;
            }
          g_clear_pointer (&out->jpeg, g_bytes_unref);
        }
      decoded = dc_jpeg_decode (bytes, g_bytes_get_size (original), 1, 1, FALSE, error);
      if (decoded == NULL)
        return FALSE;
      out->image = dc_image_apply_orientation (decoded, orientation);
      dc_image_draw_mark (out->image, entry->mark);
      out->jpeg = dc_jpeg_encode (out->image, DC_BURN_QUALITY, TRUE, error);
      out->width = out->image->width;
      out->height = out->image->height;
      out->burned_here = TRUE;
      return out->jpeg != NULL;
    }

  if (orientation == 1)
    {
      /* The common case: the file goes in as it is.  Its header gives the
       * size; the whole picture is checked by a 1/8-scale decode (a
       * fraction of a full one), so a damaged file is reported as such
       * rather than embedded. */
      g_autoptr(DcImage) check = NULL;

      if (!dc_jpeg_read_header (bytes, len, &out->width, &out->height, error))
        return FALSE;
      check = dc_jpeg_decode (bytes, len, 1, 8, TRUE, error);
      if (check == NULL)
        return FALSE;
      out->jpeg = g_steal_pointer (&original);
      return TRUE;
    }
  decoded = dc_jpeg_decode (bytes, g_bytes_get_size (original), 1, 1, FALSE, error);
  if (decoded == NULL)
    return FALSE;
  out->image = dc_image_apply_orientation (decoded, orientation);
  out->jpeg = dc_jpeg_encode (out->image, DC_BURN_QUALITY, TRUE, error);
  out->width = out->image->width;
  out->height = out->image->height;
  return out->jpeg != NULL;
}

/* An image surface of the picture's size carrying its JPEG: cairo's PDF
 * surface writes the JPEG bytes themselves (pdfimages lists them as
 * "jpeg", which the tests check), so the pixels are only filled in when
 * the report made the picture itself; otherwise decoding them would be
 * work nobody reads. */
static cairo_surface_t *
picture_surface (const Picture *p)
{
  const DcImage *img = p->image;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, p->width, p->height);
  guint8 *dst = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  cairo_surface_flush (surface);
  for (int y = 0; img != NULL && y < img->height; y++)
    {
      const guint8 *s = img->pixels + (gsize) y * img->stride;
      guint32 *d = (guint32 *) (dst + (gsize) y * stride);

      for (int x = 0; x < img->width; x++, s += img->channels)
        d[x] = 0xFF000000u | ((guint32) s[0] << 16) | ((guint32) s[1] << 8) | s[2];
    }
  cairo_surface_mark_dirty (surface);
  cairo_surface_set_mime_data (surface, CAIRO_MIME_TYPE_JPEG,
                               g_bytes_get_data (p->jpeg, NULL), g_bytes_get_size (p->jpeg),
                               (cairo_destroy_func_t) g_bytes_unref, g_bytes_ref (p->jpeg));
  return surface;
}

static const char *
or_dash (const char *s)
{
  return s != NULL && *s != '\0' ? s : "—";
}

static void
append_line (GString    *markup,
             const char *label,
             const char *value_markup)
{
  g_autofree char *l = g_markup_escape_text (label, -1);

  g_string_append_printf (markup, "<span foreground='#555555'>%s</span>  %s\n", l, value_markup);
}

/* A field followed by another on the same line (wrapped where narrow):
 * the facts take fewer lines and leave the picture more room. */
static void
append_field (GString    *markup,
              const char *label,
              const char *value_markup)
{
  append_line (markup, label, value_markup);
  g_string_truncate (markup, markup->len - 1);
  g_string_append (markup, "      ");
}

static char *
frame_time_markup (const DcReportEntry *entry)
{
  const char *text = entry->evidence ? entry->evidence->frame_time : NULL;
  g_autoptr(GDateTime) dt = NULL, local = NULL;
  g_autofree char *when = NULL, *diff = NULL;
  gint64 frame_us;
  double delta;

  if (text == NULL)
    return g_strdup ("—");
  dt = g_date_time_new_from_iso8601 (text, NULL);
  if (dt == NULL)
    {
      g_autofree char *why = g_strdup_printf (_("%s (not a valid time)"), text);

      return g_markup_printf_escaped ("<span foreground='#B00000'>%s</span>", why);
    }
  local = g_date_time_to_local (dt);
  when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  if (g_date_time_get_microsecond (local) != 0)
    {
      char *ms = g_strdup_printf ("%s.%03d", when, g_date_time_get_microsecond (local) / 1000);

      g_free (when);
      when = ms;
    }
  frame_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  delta = (double) (frame_us - entry->scan_us) / G_USEC_PER_SEC;
  diff = g_strdup_printf (_("%+.2f s from the scan"), delta);
  /* More than 2 s away is not the scan time, whatever the record says. */
  if (ABS (delta) > 2.0)
    return g_markup_printf_escaped ("%s <span foreground='#B00000'>(%s)</span>", when, diff);
  return g_markup_printf_escaped ("%s <span foreground='#555555'>(%s)</span>", when, diff);
}

static char *
entry_markup (const DcReportEntry *entry,
              const Picture       *picture,
              GPtrArray           *warnings)
{
  const DcEvidenceRecord *ev = entry->evidence;
  g_autoptr(GString) m = g_string_new (NULL);
  g_autofree char *scan = dc_report_format_local (entry->scan_us);
  g_autofree char *head = g_markup_printf_escaped ("<span size='130%%' weight='bold'>%s</span>\n", entry->waybill);
  g_autofree char *value = NULL;

  g_string_append (m, head);
  value = g_markup_escape_text (entry->dock, -1);
  append_field (m, _("Dock"), value);
  g_clear_pointer (&value, g_free);
  value = g_markup_escape_text (scan, -1);
  append_line (m, _("Scan time"), value);
  g_clear_pointer (&value, g_free);

  if (ev != NULL && ev->recorder != NULL)
    {
      g_autoptr(GString) r = g_string_new (ev->recorder);

      if (ev->brand != NULL || ev->model != NULL)
        g_string_append_printf (r, " (%s%s%s)", ev->brand ? ev->brand : "",
                                ev->brand && ev->model ? " " : "", ev->model ? ev->model : "");
      value = g_markup_escape_text (r->str, -1);
    }
  else
    value = g_strdup ("—");
  append_field (m, _("Recorder"), value);
  g_clear_pointer (&value, g_free);
  if (ev != NULL && ev->channel > 0)
    {
      g_autofree char *c = ev->channel_name ? g_strdup_printf ("%u “%s”", ev->channel, ev->channel_name)
                                            : g_strdup_printf ("%u", ev->channel);
      value = g_markup_escape_text (c, -1);
    }
  else
    value = g_strdup ("—");
  append_line (m, _("Channel"), value);
  g_clear_pointer (&value, g_free);

  value = frame_time_markup (entry);
  append_line (m, _("Frame time"), value);
  g_clear_pointer (&value, g_free);

  if (entry->mark == NULL)
    value = g_markup_escape_text (_("not marked"), -1);
  else if (entry->mark->shape == DC_MARK_SHAPE_NONE)
    value = g_markup_escape_text (_("marked (no shape)"), -1);
  else
    value = g_markup_escape_text (entry->mark->shape == DC_MARK_SHAPE_RECTANGLE
                                  ? _("marked with a rectangle") : _("marked with an ellipse"), -1);
  append_field (m, _("Mark"), value);
  g_clear_pointer (&value, g_free);
  value = g_markup_escape_text (entry->file_name, -1);
  append_line (m, _("File"), value);
  g_clear_pointer (&value, g_free);

  value = g_markup_printf_escaped ("<span font_family='" MONO_FAMILY "' size='90%%'>%s</span>",
                                   or_dash (entry->sha256));
  append_line (m, _("SHA-256"), value);
  g_clear_pointer (&value, g_free);
  if (entry->sha256 != NULL && ev != NULL && ev->sha256 != NULL)
    {
      if (strcmp (entry->sha256, ev->sha256) == 0)
        value = g_markup_printf_escaped ("<span foreground='#1A7F37'>%s</span>",
                                         _("matches the record made at download"));
      else
        {
          value = g_markup_printf_escaped ("<span foreground='#B00000' weight='bold'>%s</span>",
                                           _("differs from the record made at download: "
                                             "the file was changed after it was downloaded"));
          if (warnings != NULL)
            g_ptr_array_add (warnings, g_strdup_printf (_("The picture %s no longer matches the SHA-256 "
                                                          "recorded when it was downloaded: the report "
                                                          "says so on its page."), entry->path));
        }
      g_string_append_printf (m, "%s\n", value);
      g_clear_pointer (&value, g_free);
    }
  else if (ev == NULL)
    {
      value = g_markup_printf_escaped ("<span foreground='#555555'>%s</span>",
                                       _("no download record: recorder, channel and frame time unknown"));
      g_string_append_printf (m, "%s\n", value);
      g_clear_pointer (&value, g_free);
    }
  if (ev != NULL && ((ev->status != NULL && strcmp (ev->status, "done") != 0) || ev->note != NULL))
    {
      g_autofree char *note = g_strdup_printf ("%s%s%s", ev->status && strcmp (ev->status, "done") != 0
                                                           ? ev->status : "",
                                               ev->status && strcmp (ev->status, "done") != 0 && ev->note
                                                 ? ": " : "",
                                               ev->note ? ev->note : "");

      value = g_markup_escape_text (note, -1);
      append_line (m, _("Note"), value);
      g_clear_pointer (&value, g_free);
    }
  if (picture != NULL && picture->burned_here)
    {
      value = g_markup_printf_escaped ("<span foreground='#555555'>%s</span>",
                                       _("(mark drawn by the report: the marked copy was missing or older than the mark)"));
      g_string_append_printf (m, "%s\n", value);
      g_clear_pointer (&value, g_free);
    }
  /* no trailing newline: it would add an empty line's height */
  if (m->len > 0 && m->str[m->len - 1] == '\n')
    g_string_truncate (m, m->len - 1);
  return g_string_free (g_steal_pointer (&m), FALSE);
}

/* One picture in the box (x, y, w, box_h) with its facts under it. */
static void
draw_entry (Doc           *doc,
            const Picture *picture,
            const char    *load_error,
            PangoLayout   *text,
            double         x,
            double         y,
            double         w,
            double         box_h)
{
  if (picture != NULL)
    {
      cairo_surface_t *surface = picture_surface (picture);
      double iw = picture->width, ih = picture->height;
      double scale = MIN (w / iw, box_h / ih);
      double dx = x + (w - iw * scale) / 2, dy = y + (box_h - ih * scale) / 2;

      cairo_save (doc->cr);
      cairo_translate (doc->cr, dx, dy);
      cairo_scale (doc->cr, scale, scale);
      cairo_set_source_surface (doc->cr, surface, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (doc->cr), CAIRO_FILTER_GOOD);
      cairo_paint (doc->cr);
      cairo_restore (doc->cr);
      g_ptr_array_add (doc->page_surfaces, surface);
      cairo_set_source_rgb (doc->cr, 0.6, 0.6, 0.6);
      cairo_set_line_width (doc->cr, 0.5);
      cairo_rectangle (doc->cr, dx, dy, iw * scale, ih * scale);
      cairo_stroke (doc->cr);
    }
  else
    {
      g_autofree char *m = g_markup_printf_escaped ("<span foreground='#B00000'>%s</span>", load_error);
      g_autoptr(PangoLayout) l = new_layout (doc, w - 20, m);

      cairo_set_source_rgb (doc->cr, 0.93, 0.93, 0.93);
      cairo_rectangle (doc->cr, x, y, w, box_h);
      cairo_fill (doc->cr);
      cairo_set_source_rgb (doc->cr, 0, 0, 0);
      show_layout (doc, l, x + 10, y + 10);
    }
  cairo_set_source_rgb (doc->cr, 0, 0, 0);
  show_layout (doc, text, x, y + box_h + 8);
}

gboolean
dc_report_write_pdf (DcReportData          *data,
                     const DcReportOptions *options,
                     const char            *pdf_path,
                     GPtrArray             *warnings,
                     DcReportProgressFunc   progress,
                     gpointer               user_data,
                     GCancellable          *cancellable,
                     GError               **error)
{
  g_autofree char *part = dc_part_path_for (pdf_path);
  g_autoptr(GFile) part_file = g_file_new_for_path (part);
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *title = NULL, *created = NULL;
  Writer writer = { NULL, NULL };
  cairo_surface_t *surface;
  Doc doc = { 0 };
  guint per_page = options->per_page;
  guint cols = per_page == 4 ? 2 : 1, rows = 2;
  double cell_w, cell_h;
  gboolean ok = TRUE;
  cairo_status_t status;

  if (per_page != 2 && per_page != 4)
    {
      g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_OPTIONS,
                   _("A report has 2 or 4 pictures a page, not %u."), per_page);
      return FALSE;
    }
  stream = g_file_replace (part_file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                           cancellable, &writer.error);
  if (stream == NULL)
    {
      g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_WRITE,
                   _("Cannot write the report %s: %s. Choose a folder you can write to."),
                   pdf_path, writer.error->message);
      g_clear_error (&writer.error);
      return FALSE;
    }
  writer.stream = G_OUTPUT_STREAM (stream);
  surface = cairo_pdf_surface_create_for_stream (write_cb, &writer, PAGE_W, PAGE_H);
  title = g_strdup_printf ("%s — %s", _("Evidence report"), data->esheet_name);
  created = g_date_time_format_iso8601 (now);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Dockclip " PACKAGE_VERSION);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATE_DATE, created);

  doc.cr = cairo_create (surface);
  doc.page_surfaces = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
  doc.data = data;
  doc.options = options;
  doc.n_pages = 1 + (data->entries->len + per_page - 1) / per_page;
  doc.made = g_date_time_format (now, "%Y-%m-%d %H:%M:%S %:z");
  doc.page = 1;
  draw_cover (&doc);

  cell_w = (PAGE_W - 2 * MARGIN - (cols - 1) * GAP) / cols;
  cell_h = (PAGE_H - 2 * MARGIN - HEADER_H - FOOTER_H - (rows - 1) * GAP) / rows;
  /* Row by row: the pictures of a row share one height, whatever the
   * length of their facts, so they line up. */
  for (guint i = 0; i < data->entries->len && ok; i += cols)
    {
      guint in_row = MIN (cols, data->entries->len - i);
      guint slot = i % per_page;
      Picture pictures[2] = { { 0 } };
      GError *load_errors[2] = { NULL, NULL };
      PangoLayout *texts[2] = { NULL, NULL };
      gboolean loaded[2] = { FALSE, FALSE };
      double text_h = 0, box_h;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      if (slot == 0)
        {
          doc.page++;
          draw_frame (&doc);
        }
      doc.body_pt = per_page == 4 ? 7.5 : 9;
      for (guint k = 0; k < in_row; k++)
        {
          DcReportEntry *entry = g_ptr_array_index (data->entries, i + k);
          g_autofree char *markup = NULL;

          loaded[k] = load_picture (data, entry, &pictures[k], &load_errors[k]);
          if (!loaded[k] && warnings != NULL)
            g_ptr_array_add (warnings, g_strdup_printf (_("The picture %s cannot be read (%s): its page "
                                                          "says so instead of showing it."),
                                                        entry->path, load_errors[k] ? load_errors[k]->message : "?"));
          markup = entry_markup (entry, loaded[k] ? &pictures[k] : NULL, warnings);
          texts[k] = new_layout (&doc, cell_w, markup);
          text_h = MAX (text_h, layout_height (texts[k]));
        }
      box_h = MAX (40, cell_h - text_h - 8);
      for (guint k = 0; k < in_row; k++)
        {
          draw_entry (&doc, loaded[k] ? &pictures[k] : NULL, load_errors[k] ? load_errors[k]->message : "",
                      texts[k], MARGIN + k * (cell_w + GAP), MARGIN + HEADER_H + (slot / cols) * (cell_h + GAP),
                      cell_w, box_h);
          picture_clear (&pictures[k]);
          g_clear_error (&load_errors[k]);
          g_clear_object (&texts[k]);
        }
      if (slot + in_row == per_page || i + in_row == data->entries->len)
        {
          cairo_show_page (doc.cr);
          g_ptr_array_set_size (doc.page_surfaces, 0);
        }
      if (progress != NULL)
        progress (i + in_row, data->entries->len, user_data);
      if (writer.error != NULL)
        ok = FALSE;
    }

  cairo_destroy (doc.cr);
  cairo_surface_finish (surface);
  g_ptr_array_unref (doc.page_surfaces);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  g_free (doc.made);
  if (ok && (status != CAIRO_STATUS_SUCCESS || writer.error != NULL))
    {
      g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_WRITE,
                   _("Cannot write the report %s: %s. Free some disk space or choose another folder."),
                   pdf_path, writer.error ? writer.error->message : cairo_status_to_string (status));
      ok = FALSE;
    }
  g_clear_error (&writer.error);
  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, ok ? error : NULL))
    ok = FALSE;
  if (ok)
    {
      g_autoptr(GError) local = NULL;

      if (!dc_commit_part_file (part, pdf_path, -1, &local))
        {
          g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_WRITE,
                       _("Cannot write the report %s: %s. Choose a folder you can write to."),
                       pdf_path, local->message);
          ok = FALSE;
        }
    }
  if (!ok)
    g_unlink (part);
  data->summary.n_pages = ok ? doc.n_pages : 0;
  return ok;
}

gboolean
dc_report_write (const char             *esheet_path,
                 const char             *pictures_dir,
                 const DcReportOptions  *options,
                 const char             *pdf_path,
                 DcReportSummary        *summary,
                 GPtrArray              *warnings,
                 DcReportProgressFunc    progress,
                 gpointer                user_data,
                 GCancellable           *cancellable,
                 GError                **error)
{
  DcReportOptions defaults;
  g_autoptr(DcReportData) data = NULL;

  g_return_val_if_fail (esheet_path != NULL && pictures_dir != NULL && pdf_path != NULL, FALSE);
  if (options == NULL)
    {
      dc_report_options_init (&defaults);
      options = &defaults;
    }
  if (options->per_page != 2 && options->per_page != 4)
    {
      g_set_error (error, DC_REPORT_ERROR, DC_REPORT_ERROR_OPTIONS,
                   _("A report has 2 or 4 pictures a page, not %u."), options->per_page);
      return FALSE;
    }
  data = dc_report_collect (esheet_path, pictures_dir, options, warnings, cancellable, error);
  if (data == NULL)
    return FALSE;
  if (!dc_report_write_pdf (data, options, pdf_path, warnings, progress, user_data, cancellable, error))
    return FALSE;
  if (summary != NULL)
    *summary = data->summary;
  return TRUE;
}
