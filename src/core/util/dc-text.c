/* dc-text.c: escaping control characters of outside text. */
#define G_LOG_DOMAIN "dc-text"

#include "config.h"

#include <string.h>

#include "util/dc-text.h"

/* Characters that reorder or hide the text around them: a name that
 * contains U+202E shows its end first. */
static gboolean
is_format_control (gunichar c)
{
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
         c == 0x200E || c == 0x200F || c == 0x061C;
}

static gboolean
needs_escape (gunichar c)
{
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || is_format_control (c);
}

static void
append_escape (GString *out, gunichar c)
{
  switch (c)
    {
    case '\n': g_string_append (out, "\\n"); break;
    case '\r': g_string_append (out, "\\r"); break;
    case '\t': g_string_append (out, "\\t"); break;
    case 0x1B: g_string_append (out, "\\e"); break;
    default:
      if (c < 0x100)
        g_string_append_printf (out, "\\x%02X", c);
      else
        g_string_append_printf (out, "\\u%04X", c);
    }
}

char *
dc_text_escape_controls (const char *text, gssize len, gsize max_chars)
{
  GString *out;
  const char *p, *end;
  gsize n = 0;

  if (text == NULL)
    return g_strdup ("");
  if (len < 0)
    len = (gssize) strlen (text);
  out = g_string_sized_new ((gsize) len + 8);
  p = text;
  end = text + len;
  while (p < end)
    {
      gunichar c;

      if (max_chars > 0 && n == max_chars)
        {
          g_string_append (out, "…");
          break;
        }
      c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8 (a GBK model name, random bytes): shown byte by byte. */
          g_string_append_printf (out, "\\x%02X", (guint) (guchar) *p);
          p++;
        }
      else
        {
          const char *next = g_utf8_next_char (p);

          if (c == 0 || needs_escape (c))
            append_escape (out, c);
          else
            g_string_append_len (out, p, next - p);
          p = next;
        }
      n++;
    }
  return g_string_free (out, FALSE);
}

gboolean
dc_text_has_controls (const char *text, gssize len)
{
  const char *p, *end;

  if (text == NULL)
    return FALSE;
  if (len < 0)
    len = (gssize) strlen (text);
  p = text;
  end = text + len;
  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2 || c == 0 || needs_escape (c))
        return TRUE;
      p = g_utf8_next_char (p);
    }
  return FALSE;
}
