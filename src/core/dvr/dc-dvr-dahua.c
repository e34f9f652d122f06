/* Dahua (and OEM) HTTP CGI driver.  Quirks handled here: key=value pages
 * in any order, "Error" pages, finder objects that must always be closed
 * and destroyed, the channel base of mediaFileFind (0 on some firmware, 1
 * on others: learned from facts, remembered per recorder), no fractional
 * seconds, an unpadded clock, Type= fields that contradict the file name,
 * and a web server that wedges under concurrent CGI calls (serialised per
 * recorder address across sessions). */
#define G_LOG_DOMAIN "dc-dvr-dahua"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dvr/dc-dvr-private.h"

#define FIND_COUNT 100
/* The channel base is learned from the last month of recordings. */
#define BASE_PROBE_WINDOW_US (G_GINT64_CONSTANT (31) * 24 * 3600 * G_USEC_PER_SEC)

typedef struct
{
  GPtrArray *finders;      /* object ids still open on the device */
  GMutex    *lock;         /* shared by every session of that recorder */
  /* How condition.Channel counts (-1 not known yet): 0 or 1 — camera c is
   * asked as c - 1 + query_base. */
  int        query_base;
  /* How items[].Channel counts in answers (-1 not known): camera c is
   * reported as c - 1 + report_base.  Not always query_base: NVRs asked
   * with 1-based numbers answer 0-based ones. */
  int        report_base;
  gboolean   base_from_file;  /* learned on an earlier run */
} DahuaState;

static DahuaState *
state (DcDvrSession *self)
{
  return self->driver_state;
}

G_LOCK_DEFINE_STATIC (dahua_locks);
static GHashTable *dahua_locks;   /* recorder -> GMutex*, lives for the process */

/* A recorder is its address and port: several recorders behind one
 * address (port forwarding on a router, or simulators on 127.0.0.1) are
 * independent devices, and one lock for all of them made each wait for
 * the others' 300 ms answers (bench "a day": seconds between requests). */
static GMutex *
dahua_lock_for (const char *host)
{
  GMutex *m;

  G_LOCK (dahua_locks);
  if (dahua_locks == NULL)
    dahua_locks = g_hash_table_new (g_str_hash, g_str_equal);
  m = g_hash_table_lookup (dahua_locks, host);
  if (m == NULL)
    {
      m = g_new0 (GMutex, 1);
      g_mutex_init (m);
      /* Intentionally never freed: one per recorder address per process. */
      g_hash_table_insert (dahua_locks, g_strdup (host), m);
    }
  G_UNLOCK (dahua_locks);
  return m;
}

/* One CGI call, serialised with every other session of this recorder. */
static gboolean
cgi (DcDvrSession *self, const char *path, DcHttpResponse *resp, GError **error)
{
  gboolean ok;

  g_mutex_lock (state (self)->lock);
  ok = dc_http_request (self->http, "GET", path, NULL, NULL, resp, error);
  g_mutex_unlock (state (self)->lock);
  return ok;
}

/* A CGI call whose answer must be a 2xx non-error page. */
static GBytes *
cgi_doc (DcDvrSession *self, const char *path, DcHttpResponse *resp_out, GError **error)
{
  DcHttpResponse resp;
  GBytes *body;

  if (!cgi (self, path, &resp, error))
    return NULL;
  if (!dc_http_check_response (self->http, &resp, error))
    {
      dc_http_response_clear (&resp);
      return NULL;
    }
  body = g_bytes_ref (resp.body);
  if (resp_out)
    *resp_out = resp;
  else
    dc_http_response_clear (&resp);
  return body;
}

/* A device string as it may be shown and logged (escaped, bounded). */
static char *cgi_value (DcDvrSession *self, const char *path, const char *key, GError **error);

static char *
cgi_text (DcDvrSession *self, const char *path, const char *key, GError **error)
{
  g_autofree char *raw = cgi_value (self, path, key, error);
  return dc_dvr_text_sanitize (raw);
}

static char *
cgi_value (DcDvrSession *self, const char *path, const char *key, GError **error)
{
  g_autoptr(GBytes) body = cgi_doc (self, path, NULL, error);
  gsize len;
  const char *data;

  if (body == NULL)
    return NULL;
  data = g_bytes_get_data (body, &len);
  return dc_dahua_parse_value (data, (gssize) len, key, error);
}

static gboolean
dahua_probe (DcDvrSession *self, DcDvrInfo *info, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) body = NULL;
  DcHttpResponse resp;
  gint64 best_rtt = G_MAXINT64;
  gint64 wall = 0;
  const char *data;
  gsize len;

  info->model = cgi_text (self, "/cgi-bin/magicBox.cgi?action=getDeviceType", "type", error);
  if (info->model == NULL)
    return FALSE;
  info->device_type = g_strdup (info->model);
  info->serial = cgi_text (self, "/cgi-bin/magicBox.cgi?action=getSerialNo", "sn", &local_error);
  if (info->serial == NULL && dc_dvr_error_is_fatal (local_error))
    goto fail;
  g_clear_error (&local_error);
  info->firmware = cgi_text (self, "/cgi-bin/magicBox.cgi?action=getSoftwareVersion", "version",
                              &local_error);
  if (info->firmware == NULL && dc_dvr_error_is_fatal (local_error))
    goto fail;
  g_clear_error (&local_error);

  body = cgi_doc (self, "/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle", NULL,
                  &local_error);
  if (body != NULL)
    {
      char **names;
      data = g_bytes_get_data (body, &len);
      names = dc_dahua_parse_channel_titles (data, (gssize) len, &local_error);
      if (names == NULL)
        dc_dvr_session_log (self, "channels: %s", local_error->message);
      if (names != NULL)
        {
          info->channel_names = names;
          info->n_channels = g_strv_length (names);
        }
      g_clear_pointer (&body, g_bytes_unref);
    }
  else if (dc_dvr_error_is_fatal (local_error))
    goto fail;
  g_clear_error (&local_error);

  for (int sample = 0; sample < CLOCK_SAMPLES && best_rtt > CLOCK_GOOD_RTT_US; sample++)
    {
      g_autoptr(GError) sample_error = NULL;
      g_autofree char *reading = NULL;

      body = cgi_doc (self, "/cgi-bin/global.cgi?action=getCurrentTime", &resp, &sample_error);
      if (body != NULL)
        {
          data = g_bytes_get_data (body, &len);
          reading = dc_dahua_parse_value (data, (gssize) len, "result", &sample_error);
          if (reading != NULL && !dc_wire_time_parse (reading, &wall, NULL))
            {
              g_autofree char *shown = dc_dvr_text_sanitize (reading);
              g_set_error (&sample_error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                           _("%s sent an unreadable clock “%s”"), dc_http_get_label (self->http),
                           shown);
            }
          if (sample_error == NULL && resp.elapsed_us < best_rtt)
            {
              best_rtt = resp.elapsed_us;
              info->clock_offset_s = dc_dvr_measure_clock_offset (wall, resp.start_us, resp.elapsed_us);
            }
          dc_http_response_clear (&resp);
          g_clear_pointer (&body, g_bytes_unref);
        }
      if (sample_error != NULL)
        {
          if (sample == 0)
            {
              g_propagate_error (error, g_steal_pointer (&sample_error));
              return FALSE;
            }
          break;
        }
    }

  /* Dahua CGI times are the device's local wall clock. */
  info->time_mode = self->cfg->time_mode == DC_DVR_TIME_UTC ? DC_DVR_TIME_UTC : DC_DVR_TIME_LOCAL;
  /* No capability query: assume loadfile.cgi works unless configured
   * otherwise; open_window turns a refusal into NOT_SUPPORTED. */
  info->download_by_time = self->cfg->download_by_time != 0;
  return TRUE;

fail:
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static void
finder_close (DcDvrSession *self, const char *object)
{
  /* Always both, ignoring errors: some firmware knows only one spelling. */
  static const char *const actions[] = { "close", "destroy" };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=%s&object=%s",
                                               actions[i], object);
      DcHttpResponse resp;

      /* Cleanup must run even after a cancel: the finder is a device
       * resource.  Each call is a few milliseconds. */
      dc_http_set_uncancellable (self->http, TRUE);
      if (cgi (self, path, &resp, NULL))
        dc_http_response_clear (&resp);
      dc_http_set_uncancellable (self->http, FALSE);
    }
}

static void
dahua_release (DcDvrSession *self)
{
  GPtrArray *finders = state (self)->finders;

  while (finders->len > 0)
    {
      g_autofree char *object = g_ptr_array_steal_index (finders, finders->len - 1);
      finder_close (self, object);
    }
}

static void
forget_finder (DcDvrSession *self, const char *object)
{
  GPtrArray *finders = state (self)->finders;

  for (guint i = 0; i < finders->len; i++)
    if (g_strcmp0 (g_ptr_array_index (finders, i), object) == 0)
      {
        g_ptr_array_remove_index (finders, i);
        return;
      }
}

static const char *
container_named (const char *name)
{
  if (name == NULL)
    return NULL;
  if (g_ascii_strcasecmp (name, "mp4") == 0)
    return "mov,mp4,m4a,3gp,3g2,mj2";
  if (g_ascii_strcasecmp (name, "dav") == 0)
    return "dhav";
  return NULL;
}

/* The container when the item's Type and its file name agree, NULL
 * (unknown: the first bytes received decide) when they do not — Amcrest
 * and other OEMs say Type=dav for files whose path ends .mp4. */
static const char *
container_for (const DcDahuaItem *item)
{
  const char *dot = strrchr (item->file_path, '.');
  const char *ext = dot != NULL && strchr (dot, '/') == NULL ? dot + 1 : NULL;
  const char *type = item->type;

  if (type != NULL && ext != NULL && g_ascii_strcasecmp (type, ext) != 0)
    return NULL;
  return container_named (type != NULL ? type : ext);
}

static gboolean
is_picture (const DcDahuaItem *item)
{
  return g_str_has_suffix (item->file_path, ".jpg") ||
         (item->type != NULL && g_ascii_strcasecmp (item->type, "jpg") == 0);
}

/* Runs one create/findFile/findNextFile.../close/destroy cycle for the
 * device channel number @query_channel, at most @max_pages pages.  The
 * usable items (path and times) in device order; an "Error" answer to
 * findFile is "no files". */
static GPtrArray *
find_files (DcDvrSession *self, int query_channel, gint64 from_us, gint64 to_us,
            guint max_pages, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dahua_item_free);
  g_autofree char *object = NULL;
  g_autofree char *start = NULL, *end = NULL;
  g_autofree char *find_path = NULL;
  g_autoptr(GError) local_error = NULL;
  DcHttpResponse resp;
  gsize len;
  const char *data;
  gint64 wall_from = dc_dvr_session_pc_to_wall (self, from_us);
  gint64 wall_to = dc_dvr_session_pc_to_wall (self, to_us + G_USEC_PER_SEC - 1);
  guint n_invalid = 0;

  if (dc_http_is_cancelled (self->http))
    {
      g_set_error_literal (error, DC_DVR_ERROR, DC_DVR_ERROR_CANCELLED, _("Cancelled"));
      return NULL;
    }
  /* Not interruptible: a create aborted after the device acted on it would
   * leave a finder we cannot name, hence cannot destroy. */
  /* Nor cut short by a stall timeout tuned for video: a slow device still
   * creates the finder, and a second create would leak the first. */
  dc_http_set_uncancellable (self->http, TRUE);
  dc_http_set_stall_timeout (self->http, MAX (self->stall_s, 30));
  object = cgi_value (self, "/cgi-bin/mediaFileFind.cgi?action=factory.create", "result", error);
  dc_http_set_stall_timeout (self->http, self->stall_s ? self->stall_s : 30);
  dc_http_set_uncancellable (self->http, FALSE);
  if (object == NULL)
    return NULL;
  g_strstrip (object);
  if (*object == '\0' || strlen (object) > 20 || strspn (object, "0123456789") != strlen (object))
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                   _("%s sent an unreadable file finder id"), dc_http_get_label (self->http));
      return NULL;
    }
  /* From here on the finder is released whatever happens (also by
   * dc_dvr_session_release() if we never get back here). */
  g_ptr_array_add (state (self)->finders, g_strdup (object));

  /* Whole seconds, space as %20: fractions get HTTP 400. */
  start = dc_wire_time_format_dahua (wall_from);
  end = dc_wire_time_format_dahua (wall_to);
  start[10] = '\0';
  end[10] = '\0';
  find_path = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findFile&object=%s"
                               "&condition.Channel=%d&condition.StartTime=%s%%20%s"
                               "&condition.EndTime=%s%%20%s",
                               object, query_channel, start, start + 11, end, end + 11);
  if (!cgi (self, find_path, &resp, &local_error))
    goto done;
  data = g_bytes_get_data (resp.body, &len);
  if (resp.status == 200 && dc_dahua_is_error (data, (gssize) len, NULL))
    {
      /* Devices answer Error when nothing matches. */
      dc_http_response_clear (&resp);
      goto done;
    }
  if (!dc_http_check_response (self->http, &resp, &local_error))
    {
      dc_http_response_clear (&resp);
      goto done;
    }
  dc_http_response_clear (&resp);

  for (guint page = 0; page < max_pages; page++)
    {
      g_autofree char *next = g_strdup_printf ("/cgi-bin/mediaFileFind.cgi?action=findNextFile"
                                               "&object=%s&count=%d", object, FIND_COUNT);
      g_autoptr(GPtrArray) items = NULL;
      guint found = 0, n_page;

      if (!cgi (self, next, &resp, &local_error))
        break;
      data = g_bytes_get_data (resp.body, &len);
      if (dc_dahua_is_error (data, (gssize) len, NULL) && resp.status < 500)
        {
          /* "Error" also means "no more files" (python-amcrest). */
          dc_http_response_clear (&resp);
          break;
        }
      if (!dc_http_check_response (self->http, &resp, &local_error) ||
          !dc_dahua_parse_find_page (data, (gssize) len, &found, &items, &local_error))
        {
          dc_http_response_clear (&resp);
          break;
        }
      dc_http_response_clear (&resp);
      n_page = items->len;
      if (found != n_page)
        dc_dvr_session_log (self, "search: the page says found=%u but has %u item(s); the items count",
                            found, n_page);
      for (guint i = 0; i < items->len; i++)
        {
          DcDahuaItem *item = g_ptr_array_index (items, i);

          if (!item->valid)
            {
              n_invalid++;
              continue;
            }
          if (out->len >= DC_DVR_MAX_SEGMENTS_PER_SEARCH)
            {
              g_set_error (&local_error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                           _("%s returned more than %d recordings for one search; the search was stopped"),
                           dc_http_get_label (self->http), DC_DVR_MAX_SEGMENTS_PER_SEARCH);
              goto done;
            }
          /* Moved, not copied: the page's slot is emptied (the free
           * function ignores NULL). */
          g_ptr_array_add (out, item);
          items->pdata[i] = NULL;
        }
      if (n_page == 0 || (found < FIND_COUNT && n_page < FIND_COUNT))
        break;
      if (page + 1 == max_pages && max_pages == DC_DAHUA_MAX_PAGES)
        {
          g_set_error (&local_error, DC_DVR_ERROR, DC_DVR_ERROR_BAD_RESPONSE,
                       _("%s kept announcing more search pages after %d; the search was stopped"),
                       dc_http_get_label (self->http), DC_DAHUA_MAX_PAGES);
          goto done;
        }
    }

done:
  if (n_invalid > 0)
    dc_dvr_session_log (self, "search: %u item(s) without a FilePath or readable times skipped",
                        n_invalid);
  forget_finder (self, object);
  finder_close (self, object);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- The channel base ---- */

/* Votes from the answer to condition.Channel=@q: the FilePath's /NNN/
 * folder names the camera counted from 1, which no numbering can confuse;
 * without it, an answer for channel 0 can only come from a device that
 * counts from 0 (one camera's items), or one that reads 0 as "every
 * camera" (several cameras' items), and an answer for channel N (the
 * number of channels) only from a device that counts from 1. */
static void
base_votes (const GPtrArray *items, int q, guint n_channels, guint *votes0, guint *votes1,
            int *report_base)
{
  int uniform = -3;
  gboolean any_path = FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      const DcDahuaItem *item = g_ptr_array_index (items, i);
      int cam = dc_dahua_path_channel (item->file_path);

      if (cam > 0)
        {
          any_path = TRUE;
          if (cam == q + 1)
            (*votes0)++;
          else if (cam == q)
            (*votes1)++;
          else if (q == 0)
            (*votes1)++;   /* 0 read as "every camera" */
          if ((cam == q + 1 || cam == q) && item->channel >= 0 &&
              (item->channel == cam || item->channel == cam - 1))
            *report_base = item->channel - cam + 1;
        }
      uniform = uniform == -3 ? item->channel : (uniform == item->channel ? uniform : -4);
    }
  if (any_path || items->len == 0)
    return;
  if (q == 0)
    {
      if (uniform >= -1)
        {
          (*votes0)++;
          if (uniform == 0 || uniform == 1)
            *report_base = uniform;
        }
      else
        (*votes1)++;
    }
  else if ((guint) q == n_channels && uniform >= -1)
    {
      (*votes1)++;
      if (uniform >= 0 && (guint) uniform == n_channels)
        *report_base = 1;
      else if (uniform >= 0 && (guint) uniform + 1 == n_channels)
        *report_base = 0;
    }
}

/* find_files of one page, where "no answer" is just no evidence. */
static GPtrArray *
probe_query (DcDvrSession *self, int q, gint64 to_us, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GPtrArray *items = find_files (self, q, to_us - BASE_PROBE_WINDOW_US, to_us, 1, &local_error);

  if (items != NULL)
    return items;
  if (dc_dvr_error_is_fatal (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  dc_dvr_session_log (self, "channel base: channel %d: %s", q, local_error->message);
  return g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dahua_item_free);
}

static void
set_base (DcDvrSession *self, int query_base, int report_base)
{
  DahuaState *st = state (self);
  char text[2] = { 0 };

  st->query_base = query_base;
  st->report_base = report_base;
  dc_dvr_session_log (self, "channel base: this recorder counts search channels from %d%s", query_base,
                      report_base == 0 ? ", and reports them from 0"
                      : report_base == 1 ? ", and reports them from 1" : "");
  text[0] = (char) ('0' + query_base);
  dc_dvr_state_set (self, "query-base", text);
  if (report_base >= 0)
    {
      text[0] = (char) ('0' + report_base);
      dc_dvr_state_set (self, "report-base", text);
    }
}

/* Decides how this recorder numbers mediaFileFind channels before any of
 * its results is used: remembered from an earlier run, else from the
 * answers for channel 0, for the last channel and for @channel over the
 * last month. */
static gboolean
ensure_base (DcDvrSession *self, guint channel, gint64 to_us, GError **error)
{
  DahuaState *st = state (self);
  g_autofree char *qb = NULL, *rb = NULL;
  guint votes0 = 0, votes1 = 0;
  int report_base = -1;
  guint n = self->info ? self->info->n_channels : 0;

  if (st->query_base >= 0)
    return TRUE;
  qb = dc_dvr_state_get (self, "query-base");
  rb = dc_dvr_state_get (self, "report-base");
  if (g_strcmp0 (qb, "0") == 0 || g_strcmp0 (qb, "1") == 0)
    {
      st->query_base = qb[0] - '0';
      st->report_base = (g_strcmp0 (rb, "0") == 0 || g_strcmp0 (rb, "1") == 0) ? rb[0] - '0' : -1;
      st->base_from_file = TRUE;
      return TRUE;
    }

  {
    g_autoptr(GPtrArray) items0 = probe_query (self, 0, to_us, error);
    if (items0 == NULL)
      return FALSE;
    base_votes (items0, 0, n, &votes0, &votes1, &report_base);
  }
  if (n >= 1)
    {
      g_autoptr(GPtrArray) items_n = probe_query (self, (int) n, to_us, error);
      if (items_n == NULL)
        return FALSE;
      base_votes (items_n, (int) n, n, &votes0, &votes1, &report_base);
    }
  if ((votes0 == 0) == (votes1 == 0) && channel != n)
    {
      /* No evidence, or contradicting evidence: the asked channel's own
       * paths may still say it. */
      guint p0 = 0, p1 = 0;
      g_autoptr(GPtrArray) items_c = probe_query (self, (int) channel, to_us, error);
      if (items_c == NULL)
        return FALSE;
      for (guint i = 0; i < items_c->len; i++)
        {
          const DcDahuaItem *item = g_ptr_array_index (items_c, i);
          int cam = dc_dahua_path_channel (item->file_path);
          if (cam > 0 && (guint) cam == channel + 1)
            p0++;
          else if (cam > 0 && (guint) cam == channel)
            p1++;
          if (cam > 0 && ((guint) cam == channel || (guint) cam == channel + 1) && item->channel >= 0 &&
              (item->channel == cam || item->channel == cam - 1))
            report_base = item->channel - cam + 1;
        }
      if ((p0 == 0) != (p1 == 0))
        {
          votes0 = p0;
          votes1 = p1;
        }
    }
  if ((votes0 == 0) == (votes1 == 0))
    {
      g_set_error (error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE,
                   _("%s: cannot tell whether it counts its channels from 0 or from 1 (its answers "
                     "for its first and last channel do not say); no recordings were used"),
                   dc_http_get_label (self->http));
      return FALSE;
    }
  set_base (self, votes0 > 0 ? 0 : 1, report_base);
  return TRUE;
}

/* ---- Search ---- */

typedef struct
{
  guint n_other_camera;
  int   other_camera;   /* 1-based when known, else -1 */
  guint n_pictures;
} DahuaTally;

/* TRUE when @item is the recording of @channel as far as the device says
 * (its FilePath folder, its Channel field). */
static gboolean
item_is_channel (DcDvrSession *self, const DcDahuaItem *item, guint channel, int q,
                 DahuaTally *tally)
{
  DahuaState *st = state (self);
  int cam = dc_dahua_path_channel (item->file_path);
  gboolean ok = TRUE;

  if (cam > 0 && (guint) cam != channel)
    ok = FALSE;
  else if (item->channel == -2)
    ok = FALSE;
  else if (item->channel >= 0)
    {
      if (st->report_base < 0 && cam > 0 && (item->channel == cam || item->channel == cam - 1))
        {
          /* A verified item shows how the device reports channels. */
          st->report_base = item->channel - cam + 1;
          dc_dvr_state_set (self, "report-base", st->report_base ? "1" : "0");
        }
      if (st->report_base >= 0)
        ok = item->channel == (int) channel - 1 + st->report_base;
      else
        ok = item->channel == q;   /* the device echoes what it was asked */
    }
  if (!ok)
    {
      tally->n_other_camera++;
      tally->other_camera = cam > 0 ? cam
                          : item->channel >= 0 && st->report_base >= 0 ? item->channel + 1 - st->report_base
                          : -1;
    }
  return ok;
}

static GPtrArray *
search_once (DcDvrSession *self, guint channel, gint64 from_us, gint64 to_us, DahuaTally *tally,
             GError **error)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_dvr_segment_free);
  int q;

  if (!ensure_base (self, channel, to_us, error))
    return NULL;
  q = (int) channel - 1 + state (self)->query_base;
  items = find_files (self, q, from_us, to_us, DC_DAHUA_MAX_PAGES, error);
  if (items == NULL)
    return NULL;
  for (guint i = 0; i < items->len; i++)
    {
      DcDahuaItem *item = g_ptr_array_index (items, i);
      DcDvrSegment *seg;

      if (!item_is_channel (self, item, channel, q, tally))
        continue;
      if (is_picture (item))
        {
          tally->n_pictures++;
          continue;
        }
      seg = g_new0 (DcDvrSegment, 1);
      seg->channel = channel;
      seg->start_us = dc_dvr_session_wall_to_pc (self, item->start_wall_s);
      seg->end_us = dc_dvr_session_wall_to_pc (self, item->end_wall_s);
      seg->size = item->length;
      seg->uri = g_strdup (item->file_path);
      seg->container = g_strdup (container_for (item));
      /* Older firmware has no FileState: a file ending about now is
       * the one being written. */
      seg->still_writing = item->temporary ||
                           seg->end_us >= g_get_real_time () - 60 * G_USEC_PER_SEC;
      g_ptr_array_add (out, seg);
    }
  return g_steal_pointer (&out);
}

static GPtrArray *
dahua_search (DcDvrSession *self, guint channel, gint64 from_us, gint64 to_us, GError **error)
{
  DahuaState *st = state (self);
  DahuaTally tally = { 0, -1, 0 };
  g_autoptr(GPtrArray) segs = search_once (self, channel, from_us, to_us, &tally, error);

  if (segs == NULL)
    return NULL;
  if (segs->len == 0 && tally.n_other_camera > 0 && st->base_from_file)
    {
      /* What an earlier run learned no longer holds (another device on
       * that address, a firmware update): learn again, once. */
      dc_dvr_session_log (self, "channel base: the remembered numbering gave another camera's "
                          "recordings; learning it again");
      st->query_base = st->report_base = -1;
      st->base_from_file = FALSE;
      dc_dvr_state_set (self, "query-base", NULL);
      dc_dvr_state_set (self, "report-base", NULL);
      tally = (DahuaTally) { 0, -1, 0 };
      g_clear_pointer (&segs, g_ptr_array_unref);
      segs = search_once (self, channel, from_us, to_us, &tally, error);
      if (segs == NULL)
        return NULL;
    }
  if (tally.n_pictures > 0)
    dc_dvr_session_log (self, "search: %u picture file(s) ignored", tally.n_pictures);
  if (!dc_dvr_session_drop_other_camera (self, channel, tally.n_other_camera, tally.other_camera,
                                         segs->len, error))
    return NULL;
  return g_steal_pointer (&segs);
}

static DcByteSource *
dahua_open_segment (DcDvrSession *self, const DcDvrSegment *seg, GError **error)
{
  /* Single slash; [ ] @ go raw (libcurl does no globbing). */
  g_autofree char *path = g_strconcat ("/cgi-bin/RPC_Loadfile", seg->uri[0] == '/' ? "" : "/",
                                       seg->uri, NULL);
  return dc_http_open_stream (self->http, "GET", path, NULL, NULL, seg->size, error);
}

static DcByteSource *
dahua_open_window (DcDvrSession *self, guint channel, const DcDvrSegment *seg G_GNUC_UNUSED,
                   gint64 from_us, gint64 to_us, GError **error)
{
  g_autofree char *start = dc_wire_time_format_dahua (dc_dvr_session_pc_to_wall (self, from_us));
  g_autofree char *end = dc_wire_time_format_dahua (dc_dvr_session_pc_to_wall (self, to_us + G_USEC_PER_SEC - 1));
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  DcByteSource *source;

  start[10] = '\0';
  end[10] = '\0';
  /* loadfile.cgi channels are 1-based whatever mediaFileFind does. */
  path = g_strdup_printf ("/cgi-bin/loadfile.cgi?action=startLoad&channel=%u"
                          "&startTime=%s%%20%s&endTime=%s%%20%s&subtype=0",
                          channel, start, start + 11, end, end + 11);
  source = dc_http_open_stream (self->http, "GET", path, NULL, NULL, 0, &local_error);
  if (source == NULL && g_error_matches (local_error, DC_DVR_ERROR, DC_DVR_ERROR_DEVICE))
    {
      if (self->info != NULL && self->cfg->download_by_time < 0)
        self->info->download_by_time = FALSE;
      g_clear_error (&local_error);
      g_set_error (&local_error, DC_DVR_ERROR, DC_DVR_ERROR_NOT_SUPPORTED,
                   _("%s does not download by time, only whole recordings"),
                   dc_http_get_label (self->http));
    }
  if (source == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return source;
}

static gpointer
dahua_state_new (DcDvrSession *session)
{
  DahuaState *st = g_new0 (DahuaState, 1);

  st->finders = g_ptr_array_new_with_free_func (g_free);
  {
    g_autofree char *recorder = dc_log_name_for_url (session->cfg->url);

    st->lock = dahua_lock_for (recorder);
  }
  st->query_base = -1;
  st->report_base = -1;
  return st;
}

static void
dahua_state_free (gpointer data)
{
  DahuaState *st = data;

  g_ptr_array_unref (st->finders);
  g_free (st);
}

const DcDvrDriver dc_dahua_driver = {
  .brand = DC_DVR_BRAND_DAHUA,
  .id = "dahua",
  .display_name = N_("Dahua"),
  .caps = DC_DVR_DRIVER_CAN_DOWNLOAD_BY_TIME | DC_DVR_DRIVER_CAN_RANGE | DC_DVR_DRIVER_HAS_HANDLES,
  .state_new = dahua_state_new,
  .state_free = dahua_state_free,
  .probe = dahua_probe,
  .search = dahua_search,
  .open_segment = dahua_open_segment,
  .open_window = dahua_open_window,
  .release = dahua_release,
};
