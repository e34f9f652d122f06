/* dc-dvr-parse.h: pure parsers of recorder answers (internal to the dvr
 * area, exposed for the unit tests).
 *
 * ISAPI documents are read namespace-agnostically: element names are
 * matched on their local part, prefixes and xmlns attributes are ignored,
 * because firmware uses isapi.org, isapi.com, hikvision.com or no namespace
 * at all.  Dahua answers are CRLF or LF "key=value" lines.
 *
 * "Wall seconds" below are the digits a recorder puts on the wire read as
 * if they were UTC (seconds since 1970-01-01 of the digits); the session
 * turns them into instants with its time mode and clock offset.
 */
#pragma once

#include <glib.h>

#include "dvr/dc-dvr.h"

G_BEGIN_DECLS

/* ---- Device text ---- */
/* Text from a recorder made safe to show and log: valid UTF-8, control
 * characters (ESC, CR, LF, ...), line separators and bidi overrides
 * written as \xNN / \uNNNN, at most DC_DVR_MAX_TEXT_BYTES.  NULL for NULL.
 * Every device string the parsers keep goes through it. */
char       *dc_dvr_text_sanitize  (const char *text);

/* ---- A tiny element tree (GMarkup) ---- */
typedef struct _DcXmlNode DcXmlNode;
struct _DcXmlNode
{
  char      *name;      /* local name, prefix stripped */
  GString   *text;      /* concatenated character data */
  GPtrArray *children;  /* DcXmlNode* */
  char     **attr_names;  /* local names */
  char     **attr_values;
};

/* Fails with DC_DVR_ERROR_BAD_RESPONSE on malformed or cut-off XML, and
 * stops early (same error, the limit named) past DC_ISAPI_MAX_DEPTH levels
 * or DC_ISAPI_MAX_ELEMENTS elements. */
DcXmlNode  *dc_xml_parse          (const char *data, gssize len, GError **error);
void        dc_xml_node_free      (DcXmlNode *node);
DcXmlNode  *dc_xml_node_child     (const DcXmlNode *node, const char *name);
/* First descendant (depth first, @node included) with that local name. */
DcXmlNode  *dc_xml_node_find      (const DcXmlNode *node, const char *name);
/* Trimmed text of the first child @name, NULL when absent. */
const char *dc_xml_node_child_text (const DcXmlNode *node, const char *name);
const char *dc_xml_node_text      (const DcXmlNode *node);
const char *dc_xml_node_attr      (const DcXmlNode *node, const char *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcXmlNode, dc_xml_node_free)

/* ---- Wire times ---- */
/* Accepts "YYYY-MM-DDThh:mm:ss[.f][Z|+hh:mm|-hh:mm]", "YYYY-MM-DD hh:mm:ss"
 * and "YYYYMMDDThhmmss[Z]".  The digits only: any zone suffix is ignored
 * (most NVRs put a "Z" on local time); @suffix_offset_s gets the suffix's
 * offset when there is one (0 for "Z"), G_MININT otherwise.  NULL ok. */
gboolean    dc_wire_time_parse    (const char *str, gint64 *wall_s, int *suffix_offset_s);
/* "2025-11-03T14:00:00Z", "20251103T140000Z", "2025-11-03 14:00:00". */
char       *dc_wire_time_format_isapi     (gint64 wall_s);
char       *dc_wire_time_format_isapi_uri (gint64 wall_s);
char       *dc_wire_time_format_dahua     (gint64 wall_s);

/* ---- ISAPI ---- */
typedef struct
{
  int    status_code;     /* 0 when absent */
  char  *status_string;
  char  *sub_status_code;
} DcIsapiStatus;

void      dc_isapi_status_clear (DcIsapiStatus *status);
/* TRUE when the body is a ResponseStatus (or userCheck) document. */
gboolean  dc_isapi_parse_response_status (const char *data, gssize len, DcIsapiStatus *out);

/* Fills model, serial, firmware and device_type of @info. */
gboolean  dc_isapi_parse_device_info (const char *data, gssize len, DcDvrInfo *info,
                                      GError **error);

typedef struct
{
  gint64         wall_s;          /* localTime digits */
  int            suffix_offset_s; /* G_MININT when none */
  char          *time_zone;       /* POSIX TZ string, trimmed, or NULL */
  DcDvrTimeMode  time_type;       /* AUTO when the device does not say */
} DcIsapiTime;

void      dc_isapi_time_clear (DcIsapiTime *t);
gboolean  dc_isapi_parse_time (const char *data, gssize len, DcIsapiTime *out, GError **error);

typedef struct
{
  guint  id;     /* 1-based channel */
  char  *name;
} DcDvrChannel;

void      dc_dvr_channel_free (DcDvrChannel *ch);
/* InputProxyChannelList, VideoInputChannelList or StreamingChannelList
 * (main streams only, id/100).  The list's size attribute is ignored.
 * Sorted by id, duplicates dropped. */
GPtrArray *dc_isapi_parse_channels (const char *data, gssize len, GError **error);

/* maxSearchMatchResults of a CMSearchProfile, 0 when absent. */
guint     dc_isapi_parse_search_profile (const char *data, gssize len);

/* isSupportDownloadbyTime / ByFileName; FALSE when absent. */
gboolean  dc_isapi_parse_download_ability (const char *data, gssize len,
                                           gboolean *by_time, gboolean *by_name,
                                           GError **error);

typedef enum
{
  DC_ISAPI_SEARCH_OK,
  DC_ISAPI_SEARCH_MORE,
  DC_ISAPI_SEARCH_NO_MATCHES,
} DcIsapiSearchStatus;

typedef struct
{
  guint   track_id;      /* <trackID>; 0 absent, G_MAXUINT unreadable */
  guint   uri_track_id;  /* the playbackURI's /tracks/N; same conventions */
  gint64  start_wall_s;
  gint64  end_wall_s;
  char   *playback_uri;  /* unescaped, line breaks and spaces removed; NULL when the item has none */
  char   *name;          /* <name> or the URI's name=, may be NULL */
  guint64 size;          /* the URI's size=, 0 when absent or out of range */
} DcIsapiMatch;

typedef struct
{
  DcIsapiSearchStatus status;
  gboolean            version_1;   /* version="1.0": position paging unreliable */
  guint               num_matches;
  GPtrArray          *matches;     /* DcIsapiMatch* */
  guint               n_skipped;   /* items without a readable time span (dropped) */
  guint               n_without_uri; /* matches kept without a playbackURI */
} DcIsapiSearchResult;

void      dc_isapi_search_result_free (DcIsapiSearchResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcIsapiSearchResult, dc_isapi_search_result_free)
DcIsapiSearchResult *dc_isapi_parse_search_result (const char *data, gssize len, GError **error);

/* The track of a playbackURI (".../Streaming/tracks/101/?..."): 0 when the
 * URI does not say, G_MAXUINT when it says something unreadable. */
guint     dc_isapi_uri_track_id (const char *uri);
/* The value of @key in a playbackURI query ("name", "size", "starttime"). */
char     *dc_isapi_uri_get_param (const char *uri, const char *key);
/* A copy of @uri with starttime/endtime replaced (other params kept). */
char     *dc_isapi_uri_set_times (const char *uri, const char *starttime, const char *endtime);
/* XML text escaping for <playbackURI>. */
char     *dc_xml_escape (const char *text);

/* ---- Dahua ---- */
/* TRUE when the body starts with an "Error" line; @detail gets the rest
 * ("ErrorID=2, Detail=Invalid Request!") or NULL. */
gboolean  dc_dahua_is_error (const char *data, gssize len, char **detail);
/* key=value lines into a table (last value wins).  Error pages fail with
 * DC_DVR_ERROR_DEVICE. */
GHashTable *dc_dahua_parse_kv (const char *data, gssize len, GError **error);
/* The value of a "result=..." or other single key, NULL when absent. */
char     *dc_dahua_parse_value (const char *data, gssize len, const char *key, GError **error);

typedef struct
{
  guint       index;       /* N of items[N] */
  gboolean    valid;       /* has a FilePath and readable StartTime <= EndTime */
  int         channel;     /* as the device reports it, -1 when absent, -2 unreadable */
  gint64      start_wall_s;
  gint64      end_wall_s;
  char       *file_path;
  char       *type;        /* "dav", "mp4", ... */
  guint64     length;
  gboolean    temporary;   /* FileState=Temporary */
} DcDahuaItem;

void      dc_dahua_item_free (DcDahuaItem *item);
/* One findNextFile page.  @found gets found=N (anchored: only a line that
 * is exactly "found=N"); @items gets every items[i] present, in index
 * order, whatever found= says (real firmware disagrees with itself); an
 * item without a FilePath or readable times has valid = FALSE.  Fields may
 * come in any order, extra ones are ignored.  An "Error" page fails with
 * DC_DVR_ERROR_DEVICE; a page without found=, with a non key=value line or
 * with more than DC_DAHUA_MAX_ITEMS_PER_PAGE items fails with BAD_RESPONSE. */
gboolean  dc_dahua_parse_find_page (const char *data, gssize len, guint *found,
                                    GPtrArray **items, GError **error);
/* The camera a FilePath's three-digit folder names, counted from 1
 * (".../2020-01-06/001/dav/..." -> 1), -1 when the path has none. */
int       dc_dahua_path_channel (const char *file_path);
/* table.ChannelTitle[i].Name lines: index 0 = channel 1.  NULL-terminated. */
char    **dc_dahua_parse_channel_titles (const char *data, gssize len, GError **error);

G_END_DECLS
