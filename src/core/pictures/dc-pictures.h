/* dc-pictures.h: the pictures area in one include, and how the grid uses it.
 *
 *   folder = dc_picture_folder_new (path, DC_PICTURE_FOLDER_NONE);
 *   dc_picture_folder_load_async (folder, cancellable, on_loaded, self);
 *     -> a GListModel of DcPicture ("marked", "mark", "mtime" notify),
 *        live: GFileMonitor inserts/removes items, no rescans.
 *   pool = dc_thumbnail_pool_new (0, 0, cache);      (one per window)
 *     bind:   id = dc_thumbnail_pool_request (pool, dc_picture_get_path (p),
 *                                             256, on_thumb, cell, NULL);
 *     unbind: dc_thumbnail_pool_cancel (pool, id);   (callback never comes)
 *     on_thumb (main thread, batched): gdk_memory_texture_new (t->width,
 *             t->height, t->has_alpha ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
 *             t->pixels, t->stride); t->placeholder -> icon + t->reason.
 *     kinetic scroll: dc_thumbnail_pool_set_paused (pool, TRUE/FALSE).
 *   mark:   dc_picture_folder_set_mark (folder, p, &mark, &error), then
 *           dc_picture_burn_mark_async (path, &mark,
 *                 dc_mark_burned_path (folder_path, name), DC_BURN_QUALITY, ...).
 *   prune:  dc_picture_folder_prune_unmarked (folder, &undo, NULL, &error);
 *   undo:   dc_picture_folder_undo_prune (folder, undo, &error);
 *   export: dc_pictures_export_marked (folder_path, marks, dest, lookup, ...)
 *           in a GTask thread.
 */
#pragma once

#include "pictures/dc-jpeg.h"
#include "pictures/dc-mark-burn.h"
#include "pictures/dc-marks.h"
#include "pictures/dc-picture.h"
#include "pictures/dc-picture-export.h"
#include "pictures/dc-picture-folder.h"
#include "pictures/dc-pictures-error.h"
#include "pictures/dc-thumbnail.h"
#include "pictures/dc-thumbnail-cache.h"
#include "pictures/dc-thumbnail-pool.h"
#include "pictures/dc-trash.h"
