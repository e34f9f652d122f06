/* hostile-server.h: a recorder that fights back, for tests (127.0.0.1 only).
 *
 * It signs in like a real device (HTTP digest, MD5, qop=auth, checked
 * against its user and password), answers the probe of a Hikvision ISAPI
 * or a Dahua CGI recorder the normal way, and misbehaves in one way, named
 * by its case (see hostile-server.c for the list).  Large answers are made
 * as they are sent, never held in memory, so "a 1 GB body" costs the test
 * nothing.  Threads: one per connection, in the calling process.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HostileServer HostileServer;

#define HOSTILE_USER     "admin"
#define HOSTILE_PASSWORD "Hostile-Pass-7"

/* @brand "hikvision" or "dahua"; @case_name one of the cases; NULL or
 * "normal": a well-behaved device. */
HostileServer *hostile_server_new        (const char *brand, const char *case_name);
void           hostile_server_free       (HostileServer *self);
guint16        hostile_server_get_port   (HostileServer *self);
/* Requests seen (the ones with a digest Authorization among them). */
guint          hostile_server_get_requests (HostileServer *self);
guint          hostile_server_get_authorized (HostileServer *self);
/* TRUE when any request carried the password in clear text (Basic). */
gboolean       hostile_server_saw_basic  (HostileServer *self);
/* Bytes of answer bodies the server has sent. */
guint64        hostile_server_get_body_bytes (HostileServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostileServer, hostile_server_free)

G_END_DECLS
