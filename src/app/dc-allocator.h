#pragma once

#include <glib.h>

G_BEGIN_DECLS

void dc_allocator_use_malloc (char **argv);

G_END_DECLS
