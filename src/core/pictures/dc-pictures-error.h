/* dc-pictures-error.h: the error domain of the pictures area. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DC_PICTURES_ERROR (dc_pictures_error_quark ())
GQuark dc_pictures_error_quark (void);

typedef enum
{
  DC_PICTURES_ERROR_CORRUPT,       /* not a decodable image (or truncated) */
  DC_PICTURES_ERROR_UNSUPPORTED,   /* format/loader not available */
  DC_PICTURES_ERROR_TOO_LARGE,     /* dimensions beyond what we accept */
  DC_PICTURES_ERROR_INDEX,         /* the marks sidecar cannot be read/written */
  DC_PICTURES_ERROR_NOT_FOUND,     /* e.g. no trash entry to restore */
  DC_PICTURES_ERROR_ENCODE,        /* JPEG encoding failed */
} DcPicturesError;

G_END_DECLS
