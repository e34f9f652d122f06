/* dc-text.h: text that came from outside (a recorder, a file name) made
 * safe to print on one line of a terminal or a log file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A copy of @text (@len bytes, or NUL-terminated when -1) in which nothing
 * can end a line, move the cursor or repaint a terminal: C0 controls, DEL,
 * C1 controls and the bidirectional overrides become visible escapes
 * ("\n", "\r", "\t", "\e", "\xNN", "\u202E"), bytes that are not UTF-8
 * become "\xNN", and a backslash stays a backslash.  At most @max_chars
 * characters of @text are kept (0: no limit); a cut ends in "…".
 * NULL gives "". */
char *dc_text_escape_controls (const char *text, gssize len, gsize max_chars);

/* TRUE when dc_text_escape_controls() would change @text (apart from a cut). */
gboolean dc_text_has_controls (const char *text, gssize len);

G_END_DECLS
