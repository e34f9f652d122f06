#define G_LOG_DOMAIN "dc-dvr-parse"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "dvr/dc-dvr-parse.h"
#include "dvr/dc-dvr-limits.h"

/* ------------------------------------------------------------------ */
/* Device text                                                         */

static gboolean
unichar_is_dangerous (gunichar c)
{
  /* C0, DEL and C1 controls (ESC repaints a terminal, CR/LF forge a log
   * line), line/paragraph separators and bidi overrides (reorder what a
   * reader sees). */
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *
dc_dvr_text_sanitize (const char *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *stripped = NULL;
  GString *out;

  if (text == NULL)
    return NULL;
  /* Never more than a few lines' worth is looked at: the rest is cut. */
  stripped = g_strstrip (g_strndup (text, DC_DVR_MAX_TEXT_BYTES * 4));
  valid = g_utf8_make_valid (stripped, -1);
  out = g_string_new (NULL);
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (out->len >= DC_DVR_MAX_TEXT_BYTES)
        {
          g_string_append (out, "\xe2\x80\xa6");   /* … */
          break;
        }
      if (c < 0x80 && unichar_is_dangerous (c))
        g_string_append_printf (out, "\\x%02x", c);
      else if (unichar_is_dangerous (c))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Element tree                                                        */

static const char *
local_name (const char *qname)
{
  const char *colon = strrchr (qname, ':');
  return colon ? colon + 1 : qname;
}

static DcXmlNode *
xml_node_new (const char *qname, const char **names, const char **values)
{
  DcXmlNode *node = g_new0 (DcXmlNode, 1);
  guint n = names ? g_strv_length ((char **) names) : 0;

  node->name = g_strdup (local_name (qname));
  node->text = g_string_new (NULL);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_xml_node_free);
  node->attr_names = g_new0 (char *, n + 1);
  node->attr_values = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      node->attr_names[i] = g_strdup (local_name (names[i]));
      node->attr_values[i] = g_strdup (values[i]);
    }
  return node;
}

void
dc_xml_node_free (DcXmlNode *node)
{
  if (node == NULL)
    return;
  g_free (node->name);
  g_string_free (node->text, TRUE);
  g_ptr_array_unref (node->children);
  g_strfreev (node->attr_names);
  g_strfreev (node->attr_values);
  g_free (node);
}

typedef struct
{
  DcXmlNode *root;
  GQueue     stack;
  guint      n_elements;
  gboolean   too_deep;
  gboolean   too_many;
} XmlBuild;

static void
xml_start (GMarkupParseContext *ctx G_GNUC_UNUSED, const char *element,
           const char **names, const char **values, gpointer user_data,
           GError **error)
{
  XmlBuild *b = user_data;
  DcXmlNode *node;

  if (b->root != NULL && g_queue_is_empty (&b->stack))
    {
      g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                           "more than one root element");
      return;
    }
  /* Stop at once: an unclosed 100,000-level document must cost no more
   * than DC_ISAPI_MAX_DEPTH nodes, and a wide one no more than
   * DC_ISAPI_MAX_ELEMENTS. */
  if (g_queue_get_length (&b->stack) >= DC_ISAPI_MAX_DEPTH)
    {
      b->too_deep = TRUE;
      g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "too deep");
      return;
    }
  if (++b->n_elements > DC_ISAPI_MAX_ELEMENTS)
    {
      b->too_many = TRUE;
      g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "too many elements");
      return;
    }
  node = xml_node_new (element, names, values);
  if (b->root == NULL)
    b->root = node;
  else
    g_ptr_array_add (((DcXmlNode *) g_queue_peek_head (&b->stack))->children, node);
  g_queue_push_head (&b->stack, node);
}

static void
xml_end (GMarkupParseContext *ctx G_GNUC_UNUSED, const char *element G_GNUC_UNUSED,
         gpointer user_data, GError **error G_GNUC_UNUSED)
{
  XmlBuild *b = user_data;
  g_queue_pop_head (&b->stack);
}

static void
xml_text (GMarkupParseContext *ctx G_GNUC_UNUSED, const char *text, gsize len,
          gpointer user_data, GError **error G_GNUC_UNUSED)
{
  XmlBuild *b = user_data;
  DcXmlNode *node = g_queue_peek_head (&b->stack);
  if (node != NULL)
    g_string_append_len (node->text, text, (gssize) len);
}

static const GMarkupParser xml_parser = { xml_start, xml_end, xml_text, NULL, NULL };

DcXmlNode *
dc_xml_parse (const char *data, gssize len, GError **error)
{
  g_autoptr(GMarkupParseContext) ctx = NULL;
  g_autoptr(GError) local_error = NULL;
  XmlBuild b = { NULL, G_QUEUE_INIT, 0, FALSE, FALSE };
  gsize n;

  if (data == NULL)
    data = "";
  n = len < 0 ? strlen (data) : (gsize) len;
  /* A UTF-8 byte order mark is legal XML but GMarkup refuses it. */
  if (n >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      n -= 3;
    }

  ctx = g_markup_parse_context_new (&xml_parser, G_MARKUP_PREFIX_ERROR_POSITION, &b, NULL);
  if (!g_markup_parse_context_parse (ctx, data, (gssize) n, &local_error) ||
      !g_markup_parse_context_end_parse (ctx, &local_error) || b.root == NULL)
    {
      dc_xml_node_free (b.root);
      g_queue_clear (&b.stack);
      if (b.too_deep)
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                     _("The recorder sent an XML answer nested more than %d levels deep; it was refused"),
                     DC_ISAPI_MAX_DEPTH);
      else if (b.too_many)
        g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                     _("The recorder sent an XML answer of more than %d elements; it was refused"),
                     DC_ISAPI_MAX_ELEMENTS);
      else
        {
          g_autofree char *detail = dc_dvr_text_sanitize (local_error ? local_error->message : NULL);
          g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                       _("The recorder sent a malformed XML answer (%s)"),
                       local_error ? detail : _("empty document"));
        }
      return NULL;
    }
  g_queue_clear (&b.stack);
  return b.root;
}

DcXmlNode *
dc_xml_node_child (const DcXmlNode *node, const char *name)
{
  if (node == NULL)
    return NULL;
  for (guint i = 0; i < node->children->len; i++)
    {
      DcXmlNode *c = g_ptr_array_index (node->children, i);
      if (g_ascii_strcasecmp (c->name, name) == 0)
        return c;
    }
  return NULL;
}

DcXmlNode *
dc_xml_node_find (const DcXmlNode *node, const char *name)
{
  if (node == NULL)
    return NULL;
  if (g_ascii_strcasecmp (node->name, name) == 0)
    return (DcXmlNode *) node;
  for (guint i = 0; i < node->children->len; i++)
    {
      DcXmlNode *found = dc_xml_node_find (g_ptr_array_index (node->children, i), name);
      if (found)
        return found;
    }
  return NULL;
}

const char *
dc_xml_node_text (const DcXmlNode *node)
{
  if (node == NULL)
    return NULL;
  /* Trim in place once: the tree is ours. */
  g_strstrip (node->text->str);
  node->text->len = strlen (node->text->str);
  return node->text->str;
}

const char *
dc_xml_node_child_text (const DcXmlNode *node, const char *name)
{
  return dc_xml_node_text (dc_xml_node_child (node, name));
}

const char *
dc_xml_node_attr (const DcXmlNode *node, const char *name)
{
  if (node == NULL)
    return NULL;
  for (guint i = 0; node->attr_names[i]; i++)
    if (g_strcmp0 (node->attr_names[i], name) == 0)
      return node->attr_values[i];
  return NULL;
}

char *
dc_xml_escape (const char *text)
{
  return g_markup_escape_text (text ? text : "", -1);
}

/* ------------------------------------------------------------------ */
/* Wire times                                                          */

static gboolean
take_digits (const char **p, int count, int *out)
{
  int v = 0;
  for (int i = 0; i < count; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      v = v * 10 + ((*p)[i] - '0');
    }
  *p += count;
  *out = v;
  return TRUE;
}

/* One or two digits: Dahua's own documentation answers getCurrentTime
 * with "2011-7-3 21:02:32" (no zero padding). */
static gboolean
take_1_2_digits (const char **p, int *out)
{
  if (!g_ascii_isdigit (**p))
    return FALSE;
  if (g_ascii_isdigit ((*p)[1]))
    return take_digits (p, 2, out);
  return take_digits (p, 1, out);
}

static gboolean
take_char (const char **p, char c)
{
  if (**p != c)
    return FALSE;
  (*p)++;
  return TRUE;
}

gboolean
dc_wire_time_parse (const char *str, gint64 *wall_s, int *suffix_offset_s)
{
  const char *p;
  int Y, M, D, h, m, s;
  gboolean compact;
  g_autoptr(GDateTime) dt = NULL;

  if (suffix_offset_s)
    *suffix_offset_s = G_MININT;
  if (str == NULL)
    return FALSE;
  p = str;
  while (g_ascii_isspace (*p))
    p++;
  if (!take_digits (&p, 4, &Y))
    return FALSE;
  compact = g_ascii_isdigit (*p);
  if (compact)
    {
      if (!take_digits (&p, 2, &M) || !take_digits (&p, 2, &D) || !take_char (&p, 'T') ||
          !take_digits (&p, 2, &h) || !take_digits (&p, 2, &m) || !take_digits (&p, 2, &s))
        return FALSE;
    }
  else
    {
      if (!take_char (&p, '-') || !take_1_2_digits (&p, &M) || !take_char (&p, '-') ||
          !take_1_2_digits (&p, &D))
        return FALSE;
      if (*p != 'T' && *p != ' ')
        return FALSE;
      p++;
      if (!take_1_2_digits (&p, &h) || !take_char (&p, ':') || !take_1_2_digits (&p, &m) ||
          !take_char (&p, ':') || !take_1_2_digits (&p, &s))
        return FALSE;
      if (*p == '.')
        {
          p++;
          while (g_ascii_isdigit (*p))
            p++;
        }
    }
  if (*p == 'Z' || *p == 'z')
    {
      p++;
      if (suffix_offset_s)
        *suffix_offset_s = 0;
    }
  else if (*p == '+' || *p == '-')
    {
      int sign = *p == '-' ? -1 : 1;
      int oh, om = 0;
      p++;
      if (!take_digits (&p, 2, &oh))
        return FALSE;
      if (*p == ':')
        p++;
      if (g_ascii_isdigit (*p) && !take_digits (&p, 2, &om))
        return FALSE;
      if (suffix_offset_s)
        *suffix_offset_s = sign * (oh * 3600 + om * 60);
    }
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0')
    return FALSE;

  dt = g_date_time_new_utc (Y, M, D, h, m, s);
  if (dt == NULL)
    return FALSE;
  if (wall_s)
    *wall_s = g_date_time_to_unix (dt);
  return TRUE;
}

static char *
format_wall (gint64 wall_s, const char *fmt)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (wall_s);
  if (dt == NULL)
    return g_strdup ("");
  return g_date_time_format (dt, fmt);
}

char *
dc_wire_time_format_isapi (gint64 wall_s)
{
  return format_wall (wall_s, "%Y-%m-%dT%H:%M:%SZ");
}

char *
dc_wire_time_format_isapi_uri (gint64 wall_s)
{
  return format_wall (wall_s, "%Y%m%dT%H%M%SZ");
}

char *
dc_wire_time_format_dahua (gint64 wall_s)
{
  return format_wall (wall_s, "%Y-%m-%d %H:%M:%S");
}

/* ------------------------------------------------------------------ */
/* ISAPI                                                               */

void
dc_isapi_status_clear (DcIsapiStatus *status)
{
  g_clear_pointer (&status->status_string, g_free);
  g_clear_pointer (&status->sub_status_code, g_free);
  status->status_code = 0;
}

gboolean
dc_isapi_parse_response_status (const char *data, gssize len, DcIsapiStatus *out)
{
  g_autoptr(DcXmlNode) root = NULL;
  const char *code;

  memset (out, 0, sizeof *out);
  root = dc_xml_parse (data, len, NULL);
  if (root == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (root->name, "ResponseStatus") == 0)
    {
      code = dc_xml_node_child_text (root, "statusCode");
      out->status_code = code ? atoi (code) : 0;
      out->status_string = dc_dvr_text_sanitize (dc_xml_node_child_text (root, "statusString"));
      out->sub_status_code = dc_dvr_text_sanitize (dc_xml_node_child_text (root, "subStatusCode"));
      return TRUE;
    }
  if (g_ascii_strcasecmp (root->name, "userCheck") == 0)
    {
      code = dc_xml_node_child_text (root, "statusValue");
      out->status_code = code ? atoi (code) : 0;
      out->status_string = dc_dvr_text_sanitize (dc_xml_node_child_text (root, "statusString"));
      return TRUE;
    }
  return FALSE;
}

static gboolean
expect_root (const DcXmlNode *root, const char *name, GError **error)
{
  g_autofree char *shown = NULL;

  if (g_ascii_strcasecmp (root->name, name) == 0)
    return TRUE;
  shown = dc_dvr_text_sanitize (root->name);
  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
               _("The recorder answered <%s> where <%s> was expected"), shown, name);
  return FALSE;
}

/* Device text as it may be shown or logged: escaped, bounded, NULL when
 * empty. */
static char *
dup_nonempty (const char *s)
{
  return (s && *s) ? dc_dvr_text_sanitize (s) : NULL;
}

/* Multi-line POSIX TZ strings ("CST-8:00:00\n  DST01:00:00,M3.5.0...")
 * are one rule: whitespace is dropped. */
static char *
squeeze_spaces (const char *s);

static gboolean
parse_bounded (const char *text, guint64 max, guint64 *out)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

gboolean
dc_isapi_parse_device_info (const char *data, gssize len, DcDvrInfo *info, GError **error)
{
  g_autoptr(DcXmlNode) root = dc_xml_parse (data, len, error);

  if (root == NULL || !expect_root (root, "DeviceInfo", error))
    return FALSE;
  g_free (info->model);
  info->model = dup_nonempty (dc_xml_node_child_text (root, "model"));
  g_free (info->serial);
  info->serial = dup_nonempty (dc_xml_node_child_text (root, "serialNumber"));
  g_free (info->firmware);
  info->firmware = dup_nonempty (dc_xml_node_child_text (root, "firmwareVersion"));
  g_free (info->device_type);
  info->device_type = dup_nonempty (dc_xml_node_child_text (root, "deviceType"));
  return TRUE;
}

void
dc_isapi_time_clear (DcIsapiTime *t)
{
  g_clear_pointer (&t->time_zone, g_free);
}

gboolean
dc_isapi_parse_time (const char *data, gssize len, DcIsapiTime *out, GError **error)
{
  g_autoptr(DcXmlNode) root = dc_xml_parse (data, len, error);
  const char *local, *type;

  memset (out, 0, sizeof *out);
  out->suffix_offset_s = G_MININT;
  if (root == NULL || !expect_root (root, "Time", error))
    return FALSE;
  local = dc_xml_node_child_text (root, "localTime");
  if (!dc_wire_time_parse (local, &out->wall_s, &out->suffix_offset_s))
    {
      g_autofree char *shown = dc_dvr_text_sanitize (local ? local : "");
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("The recorder's clock answer has no readable localTime (“%s”)"), shown);
      return FALSE;
    }
  {
    g_autofree char *tz = squeeze_spaces (dc_xml_node_child_text (root, "timeZone"));
    out->time_zone = dup_nonempty (tz);
  }
  type = dc_xml_node_child_text (root, "timeType");
  out->time_type = DC_DVR_TIME_AUTO;
  if (type && g_ascii_strcasecmp (type, "local") == 0)
    out->time_type = DC_DVR_TIME_LOCAL;
  else if (type && g_ascii_strcasecmp (type, "UTC") == 0)
    out->time_type = DC_DVR_TIME_UTC;
  return TRUE;
}

void
dc_dvr_channel_free (DcDvrChannel *ch)
{
  if (ch == NULL)
    return;
  g_free (ch->name);
  g_free (ch);
}

static int
channel_cmp (gconstpointer a, gconstpointer b)
{
  const DcDvrChannel *ca = *(DcDvrChannel **) a, *cb = *(DcDvrChannel **) b;
  return ca->id < cb->id ? -1 : ca->id > cb->id;
}

GPtrArray *
dc_isapi_parse_channels (const char *data, gssize len, GError **error)
{
  g_autoptr(DcXmlNode) root = dc_xml_parse (data, len, error);
  g_autoptr(GPtrArray) out = NULL;
  /* The set of ids seen: ids are bounded by DC_DVR_MAX_CHANNELS, so a
   * bitmap is the set (no quadratic scan, nothing sized by the device). */
  guint8 seen[DC_DVR_MAX_CHANNELS / 8 + 1] = { 0 };
  gboolean streaming;
  const char *shown_root;

  if (root == NULL)
    return NULL;
  shown_root = root->name;
  streaming = g_ascii_strcasecmp (shown_root, "StreamingChannelList") == 0;
  if (!streaming && g_ascii_strcasecmp (shown_root, "InputProxyChannelList") != 0 &&
      g_ascii_strcasecmp (shown_root, "VideoInputChannelList") != 0)
    {
      g_autofree char *shown = dc_dvr_text_sanitize (shown_root);
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("The recorder answered <%s> where a channel list was expected"), shown);
      return NULL;
    }

  /* The list's size attribute is not read: real NVRs send size="19" with
   * 13 items, and DVRs size="2" with none. */
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_channel_free);
  for (guint i = 0; i < root->children->len; i++)
    {
      DcXmlNode *item = g_ptr_array_index (root->children, i);
      const char *id_text = dc_xml_node_child_text (item, "id");
      const char *name;
      guint64 id;
      DcDvrChannel *ch;

      /* Range-checked before anything: a 32-bit id must never size the
       * channel table (it once made Dockclip allocate 34 GB). */
      if (!parse_bounded (id_text, streaming ? (guint64) DC_DVR_MAX_CHANNELS * 100 + 99
                                             : DC_DVR_MAX_CHANNELS, &id) || id == 0)
        continue;
      if (streaming)
        {
          /* Stream ids are channel*100 + stream; keep main streams. */
          if (id % 100 != 1)
            continue;
          id /= 100;
          name = dc_xml_node_child_text (item, "channelName");
        }
      else
        name = dc_xml_node_child_text (item, "name");
      if (id == 0 || (seen[id / 8] & (1u << (id % 8))))
        continue;
      seen[id / 8] |= (guint8) (1u << (id % 8));
      ch = g_new0 (DcDvrChannel, 1);
      ch->id = (guint) id;
      ch->name = dc_dvr_text_sanitize (name ? name : "");
      g_ptr_array_add (out, ch);
    }
  g_ptr_array_sort (out, channel_cmp);
  return g_steal_pointer (&out);
}

guint
dc_isapi_parse_search_profile (const char *data, gssize len)
{
  g_autoptr(DcXmlNode) root = dc_xml_parse (data, len, NULL);
  DcXmlNode *node = dc_xml_node_find (root, "maxSearchMatchResults");
  guint64 v = 0;

  if (node && g_ascii_string_to_unsigned (dc_xml_node_text (node), 10, 1, 100000, &v, NULL))
    return (guint) v;
  return 0;
}

static gboolean
text_is_true (const char *s)
{
  return s != NULL && g_ascii_strcasecmp (s, "true") == 0;
}

gboolean
dc_isapi_parse_download_ability (const char *data, gssize len, gboolean *by_time,
                                 gboolean *by_name, GError **error)
{
  g_autoptr(DcXmlNode) root = dc_xml_parse (data, len, error);

  if (root == NULL || !expect_root (root, "DownloadAbility", error))
    return FALSE;
  if (by_time)
    *by_time = text_is_true (dc_xml_node_text (dc_xml_node_find (root, "isSupportDownloadbyTime")));
  if (by_name)
    *by_name = text_is_true (dc_xml_node_text (dc_xml_node_find (root, "isSupportDownloadbyFileName")));
  return TRUE;
}

/* Removes whitespace and line breaks that PDF-copied or pretty-printed
 * answers put inside a URI. */
static char *
squeeze_spaces (const char *s)
{
  GString *out = g_string_new (NULL);
  for (; s && *s; s++)
    if (!g_ascii_isspace (*s))
      g_string_append_c (out, *s);
  return g_string_free (out, FALSE);
}

char *
dc_isapi_uri_get_param (const char *uri, const char *key)
{
  const char *q;
  g_auto(GStrv) parts = NULL;
  gsize klen = strlen (key);

  if (uri == NULL || (q = strchr (uri, '?')) == NULL)
    return NULL;
  parts = g_strsplit (q + 1, "&", -1);
  for (guint i = 0; parts[i]; i++)
    if (g_ascii_strncasecmp (parts[i], key, klen) == 0 && parts[i][klen] == '=')
      return g_strdup (parts[i] + klen + 1);
  return NULL;
}

char *
dc_isapi_uri_set_times (const char *uri, const char *starttime, const char *endtime)
{
  const char *q = strchr (uri, '?');
  g_auto(GStrv) parts = NULL;
  GString *out;
  gboolean have_start = FALSE, have_end = FALSE;

  if (q == NULL)
    return g_strdup_printf ("%s?starttime=%s&endtime=%s", uri, starttime, endtime);
  out = g_string_new_len (uri, q - uri + 1);
  parts = g_strsplit (q + 1, "&", -1);
  for (guint i = 0; parts[i]; i++)
    {
      if (out->str[out->len - 1] != '?')
        g_string_append_c (out, '&');
      if (g_ascii_strncasecmp (parts[i], "starttime=", 10) == 0)
        {
          g_string_append_printf (out, "starttime=%s", starttime);
          have_start = TRUE;
        }
      else if (g_ascii_strncasecmp (parts[i], "endtime=", 8) == 0)
        {
          g_string_append_printf (out, "endtime=%s", endtime);
          have_end = TRUE;
        }
      else
        g_string_append (out, parts[i]);
    }
  if (!have_start)
    g_string_append_printf (out, "%sstarttime=%s", out->str[out->len - 1] == '?' ? "" : "&",
                            starttime);
  if (!have_end)
    g_string_append_printf (out, "&endtime=%s", endtime);
  return g_string_free (out, FALSE);
}

static void
isapi_match_free (DcIsapiMatch *m)
{
  g_free (m->playback_uri);
  g_free (m->name);
  g_free (m);
}

void
dc_isapi_search_result_free (DcIsapiSearchResult *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->matches, g_ptr_array_unref);
  g_free (r);
}

guint
dc_isapi_uri_track_id (const char *uri)
{
  const char *p = uri ? strstr (uri, "/tracks/") : NULL;
  g_autofree char *digits = NULL;
  gsize n;
  guint64 v;

  if (p == NULL)
    return 0;
  p += strlen ("/tracks/");
  n = strspn (p, "0123456789");
  if (n == 0)
    return G_MAXUINT;
  digits = g_strndup (p, n);
  if (!parse_bounded (digits, (guint64) DC_DVR_MAX_CHANNELS * 100 + 99, &v) || v == 0)
    return G_MAXUINT;
  return (guint) v;
}

DcIsapiSearchResult *
dc_isapi_parse_search_result (const char *data, gssize len, GError **error)
{
  g_autoptr(DcXmlNode) root = dc_xml_parse (data, len, error);
  g_autoptr(DcIsapiSearchResult) r = NULL;
  const char *status, *version, *num;
  DcXmlNode *list;
  guint64 v;

  if (root == NULL || !expect_root (root, "CMSearchResult", error))
    return NULL;
  r = g_new0 (DcIsapiSearchResult, 1);
  r->matches = g_ptr_array_new_with_free_func ((GDestroyNotify) isapi_match_free);

  status = dc_xml_node_child_text (root, "responseStatusStrg");
  if (status == NULL || *status == '\0' || g_ascii_strcasecmp (status, "OK") == 0)
    r->status = DC_ISAPI_SEARCH_OK;   /* some firmware omits it: same as OK */
  else if (g_ascii_strcasecmp (status, "MORE") == 0)
    r->status = DC_ISAPI_SEARCH_MORE;
  else if (g_ascii_strcasecmp (status, "NO MATCHES") == 0 ||
           g_ascii_strcasecmp (status, "NO MATCH") == 0)
    r->status = DC_ISAPI_SEARCH_NO_MATCHES;
  else
    {
      g_autofree char *shown = dc_dvr_text_sanitize (status);
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("Unknown search status “%s” from the recorder"), shown);
      return NULL;
    }
  version = dc_xml_node_attr (root, "version");
  r->version_1 = version != NULL && g_str_has_prefix (version, "1.");
  num = dc_xml_node_child_text (root, "numOfMatches");
  r->num_matches = parse_bounded (num, DC_ISAPI_MAX_ITEMS_PER_PAGE, &v) ? (guint) v : 0;

  list = dc_xml_node_child (root, "matchList");
  for (guint i = 0; list && i < list->children->len; i++)
    {
      DcXmlNode *item = g_ptr_array_index (list->children, i);
      DcXmlNode *span = dc_xml_node_child (item, "timeSpan");
      DcXmlNode *media = dc_xml_node_child (item, "mediaSegmentDescriptor");
      const char *track = dc_xml_node_child_text (item, "trackID");
      const char *uri = dc_xml_node_child_text (media, "playbackURI");
      g_autofree char *size = NULL;
      DcIsapiMatch *m;
      gint64 start, end;

      if (g_ascii_strcasecmp (item->name, "searchMatchItem") != 0)
        continue;
      if (r->matches->len + r->n_skipped >= DC_ISAPI_MAX_ITEMS_PER_PAGE)
        {
          g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                       _("The recorder sent more than %d recordings on one search page; the page was refused"),
                       DC_ISAPI_MAX_ITEMS_PER_PAGE);
          return NULL;
        }
      /* Real NVRs send items without a time span or a playbackURI now and
       * then: one such item must not sink the page.  Without a time span
       * it is unusable; without a URI it can still be cut by time. */
      if (span == NULL ||
          !dc_wire_time_parse (dc_xml_node_child_text (span, "startTime"), &start, NULL) ||
          !dc_wire_time_parse (dc_xml_node_child_text (span, "endTime"), &end, NULL) ||
          end < start)
        {
          r->n_skipped++;
          continue;
        }
      m = g_new0 (DcIsapiMatch, 1);
      /* A trackID that is there but unreadable says "another track". */
      if (track == NULL || *track == '\0')
        m->track_id = 0;
      else if (parse_bounded (track, (guint64) DC_DVR_MAX_CHANNELS * 100 + 99, &v) && v > 0)
        m->track_id = (guint) v;
      else
        m->track_id = G_MAXUINT;
      m->start_wall_s = start;
      m->end_wall_s = end;
      if (uri != NULL && *uri != '\0')
        {
          m->playback_uri = squeeze_spaces (uri);
          m->uri_track_id = dc_isapi_uri_track_id (m->playback_uri);
        }
      else
        r->n_without_uri++;
      m->name = dup_nonempty (dc_xml_node_child_text (media, "name"));
      if (m->name == NULL && m->playback_uri != NULL)
        {
          g_autofree char *raw = dc_isapi_uri_get_param (m->playback_uri, "name");
          m->name = dup_nonempty (raw);
        }
      /* size= is optional (playbackURIs without it exist); 2^64-1 or a
       * negative number is "unknown", never a size. */
      size = m->playback_uri ? dc_isapi_uri_get_param (m->playback_uri, "size") : NULL;
      m->size = parse_bounded (size, DC_DVR_MAX_SEGMENT_BYTES, &v) ? v : 0;
      g_ptr_array_add (r->matches, m);
    }
  return g_steal_pointer (&r);
}

/* ------------------------------------------------------------------ */
/* Dahua                                                               */

static void
set_too_many_lines (GError **error)
{
  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
               _("The recorder sent an answer of more than %d lines; it was refused"),
               DC_DAHUA_MAX_LINES);
}

gboolean
dc_dahua_is_error (const char *data, gssize len, char **detail)
{
  gsize n = len < 0 ? (data ? strlen (data) : 0) : (gsize) len;
  gsize i = 0, start, end;

  if (detail)
    *detail = NULL;
  if (data == NULL)
    return FALSE;
  /* Only the first non-blank line decides: no need to split the page. */
  while (i < n && g_ascii_isspace (data[i]))
    i++;
  start = i;
  while (i < n && data[i] != '\n')
    i++;
  end = i;
  while (end > start && g_ascii_isspace (data[end - 1]))
    end--;
  if (end - start != 5 || g_ascii_strncasecmp (data + start, "Error", 5) != 0)
    return FALSE;
  if (detail)
    {
      /* The rest, bounded: it is shown in one line. */
      gsize rest_len = MIN (n - i, (gsize) DC_DVR_MAX_TEXT_BYTES * 4);
      g_autofree char *rest = g_strndup (data + i, rest_len);
      g_autoptr(GString) joined = g_string_new (NULL);
      g_auto(GStrv) lines = g_strsplit (rest, "\n", -1);

      for (guint k = 0; lines[k]; k++)
        if (*g_strstrip (lines[k]))
          g_string_append_printf (joined, "%s%s", joined->len ? " " : "", lines[k]);
      *detail = joined->len ? dc_dvr_text_sanitize (joined->str) : NULL;
    }
  return TRUE;
}

static gboolean
check_dahua_error (const char *data, gssize len, GError **error)
{
  g_autofree char *detail = NULL;
  if (!dc_dahua_is_error (data, len, &detail))
    return TRUE;
  g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE, _("The recorder answered an error: %s"),
               detail ? detail : "Error");
  return FALSE;
}

/* key=value lines into a table in one pass over the page (no split, one
 * key and one value allocated per line).  @bad_line, when not NULL, gets
 * the first non-blank line without '=' (NULL when there is none). */
static GHashTable *
parse_kv_lines (const char *data, gssize len, char **bad_line, GError **error)
{
  gsize n = len < 0 ? (data ? strlen (data) : 0) : (gsize) len;
  gsize lines = 1;
  GHashTable *table;

  if (bad_line)
    *bad_line = NULL;
  if (!check_dahua_error (data, len, error))
    return NULL;
  for (gsize i = 0; i < n; i++)
    if (data[i] == '\n' && ++lines > DC_DAHUA_MAX_LINES)
      {
        set_too_many_lines (error);
        return NULL;
      }
  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gsize pos = 0; pos < n;)
    {
      const char *line = data + pos;
      const char *nl = memchr (line, '\n', n - pos);
      gsize line_len = nl ? (gsize) (nl - line) : n - pos;
      const char *eq = memchr (line, '=', line_len);
      const char *k0 = line, *k1 = eq, *v0, *v1 = line + line_len;
      GString *key;

      pos += line_len + 1;
      if (eq == NULL)
        {
          const char *p = line;
          while (p < v1 && g_ascii_isspace (*p))
            p++;
          if (p < v1 && bad_line && *bad_line == NULL)
            *bad_line = g_strndup (line, MIN (line_len, (gsize) DC_DVR_MAX_TEXT_BYTES));
          continue;
        }
      /* The spec's own examples have "items[0]. Channel =1": spaces in
       * keys are dropped; values are trimmed (and lose CRLF's \r). */
      key = g_string_sized_new ((gsize) (k1 - k0));
      for (const char *p = k0; p < k1; p++)
        if (!g_ascii_isspace (*p))
          g_string_append_c (key, *p);
      v0 = eq + 1;
      while (v0 < v1 && g_ascii_isspace (*v0))
        v0++;
      while (v1 > v0 && g_ascii_isspace (v1[-1]))
        v1--;
      g_hash_table_replace (table, g_string_free (key, FALSE), g_strndup (v0, (gsize) (v1 - v0)));
    }
  return table;
}

GHashTable *
dc_dahua_parse_kv (const char *data, gssize len, GError **error)
{
  return parse_kv_lines (data, len, NULL, error);
}

char *
dc_dahua_parse_value (const char *data, gssize len, const char *key, GError **error)
{
  g_autoptr(GHashTable) kv = dc_dahua_parse_kv (data, len, error);
  const char *v;

  if (kv == NULL)
    return NULL;
  v = g_hash_table_lookup (kv, key);
  if (v == NULL)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("The recorder's answer has no “%s=” line"), key);
      return NULL;
    }
  return g_strdup (v);
}

void
dc_dahua_item_free (DcDahuaItem *item)
{
  if (item == NULL)
    return;
  g_free (item->file_path);
  g_free (item->type);
  g_free (item);
}

int
dc_dahua_path_channel (const char *file_path)
{
  /* Dahua storage keeps each camera's files under a three-digit folder
   * counted from 1: /mnt/sd/2020-01-06/001/dav/06/... */
  const char *p = file_path;

  while (p != NULL && (p = strchr (p, '/')) != NULL)
    {
      p++;
      if (g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]) && p[3] == '/')
        {
          int v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
          return v >= 1 && v <= DC_DVR_MAX_CHANNELS ? v : -1;
        }
    }
  return -1;
}

gboolean
dc_dahua_parse_find_page (const char *data, gssize len, guint *found, GPtrArray **items,
                          GError **error)
{
  g_autoptr(GHashTable) kv = NULL;
  g_autoptr(GPtrArray) out = NULL;
  g_autofree char *bad_line = NULL;
  /* Item indices present on the page: bounded, so a bitmap is the set. */
  guint8 present[DC_DAHUA_MAX_ITEMS_PER_PAGE / 8 + 1] = { 0 };
  const char *found_text;
  GHashTableIter iter;
  gpointer key;
  guint64 n;

  *found = 0;
  *items = NULL;
  kv = parse_kv_lines (data, len, &bad_line, error);
  if (kv == NULL)
    return FALSE;
  /* A file list is only key=value lines: anything else means a garbled
   * or cut page, and a partial list must not pass for a complete one. */
  if (bad_line != NULL)
    {
      g_autofree char *shown = dc_dvr_text_sanitize (bad_line);
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("The recorder's file list has a malformed line “%s”"), shown);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, kv);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint idx;

      if (strncmp (key, "items[", 6) != 0)
        continue;
      if (sscanf ((const char *) key + 6, "%u]", &idx) != 1 || idx >= DC_DAHUA_MAX_ITEMS_PER_PAGE)
        {
          g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                       _("The recorder's file list has more than %d items on one page; it was refused"),
                       DC_DAHUA_MAX_ITEMS_PER_PAGE);
          return FALSE;
        }
      present[idx / 8] |= (guint8) (1u << (idx % 8));
    }
  /* Only a whole "found=N" line counts: "items[0].Channel=0" also holds "=0". */
  found_text = g_hash_table_lookup (kv, "found");
  if (found_text == NULL || !g_ascii_string_to_unsigned (found_text, 10, 0, G_MAXUINT32, &n, NULL))
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("The recorder's file list has no “found=” line"));
      return FALSE;
    }
  if (n > DC_DAHUA_MAX_ITEMS_PER_PAGE)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("The recorder's file list has more than %d items on one page; it was refused"),
                   DC_DAHUA_MAX_ITEMS_PER_PAGE);
      return FALSE;
    }
  /* found= may disagree with the items on the page (real firmware): the
   * items present are what counts, in index order. */
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dahua_item_free);
  for (guint i = 0; i < DC_DAHUA_MAX_ITEMS_PER_PAGE; i++)
    {
      char key[64];
      const char *v;
      DcDahuaItem *item;
      guint64 num;

      if (!(present[i / 8] & (1u << (i % 8))))
        continue;
#define ITEM(field) (g_snprintf (key, sizeof key, "items[%u]." field, i), \
                     (const char *) g_hash_table_lookup (kv, key))
      item = g_new0 (DcDahuaItem, 1);
      item->index = i;
      v = ITEM ("FilePath");
      item->file_path = (v && *v) ? g_strdup (v) : NULL;
      item->valid = item->file_path != NULL &&
                    dc_wire_time_parse (ITEM ("StartTime"), &item->start_wall_s, NULL) &&
                    dc_wire_time_parse (ITEM ("EndTime"), &item->end_wall_s, NULL) &&
                    item->end_wall_s >= item->start_wall_s;
      v = ITEM ("Channel");
      item->channel = parse_bounded (v, DC_DVR_MAX_CHANNELS, &num) ? (int) num
                    : (v == NULL || *v == '\0') ? -1 : -2;
      v = ITEM ("Type");
      item->type = (v && *v) ? dc_dvr_text_sanitize (v) : NULL;
      v = ITEM ("Length");
      item->length = parse_bounded (v, DC_DVR_MAX_SEGMENT_BYTES, &num) ? num : 0;
      v = ITEM ("FileState");
      item->temporary = v != NULL && g_ascii_strcasecmp (v, "Temporary") == 0;
#undef ITEM
      g_ptr_array_add (out, item);
    }
  *found = (guint) n;
  *items = g_steal_pointer (&out);
  return TRUE;
}

char **
dc_dahua_parse_channel_titles (const char *data, gssize len, GError **error)
{
  g_autoptr(GHashTable) kv = dc_dahua_parse_kv (data, len, error);
  g_autoptr(GPtrArray) names = NULL;
  GHashTableIter iter;
  gpointer k, v;
  guint max = 0;
  gboolean any = FALSE;

  if (kv == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, kv);
  while (g_hash_table_iter_next (&iter, &k, &v))
    {
      guint idx;
      char tail[16];
      if (sscanf (k, "table.ChannelTitle[%u].%15s", &idx, tail) == 2 &&
          strcmp (tail, "Name") == 0 && idx < DC_DVR_MAX_CHANNELS)
        {
          max = MAX (max, idx + 1);
          any = TRUE;
        }
    }
  if (!any)
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("The recorder's channel list has no ChannelTitle lines"));
      return NULL;
    }
  names = g_ptr_array_new ();
  for (guint i = 0; i < max; i++)
    {
      char key[64];
      const char *name;
      g_snprintf (key, sizeof key, "table.ChannelTitle[%u].Name", i);
      name = g_hash_table_lookup (kv, key);
      g_ptr_array_add (names, (name && *name) ? dc_dvr_text_sanitize (name) : g_strdup_printf ("%u", i + 1));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}
