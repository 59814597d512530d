/*
 * fsutil — the few file-system operations several modules share: creating
 * private directories and replacing a small state file atomically.
 */
#ifndef KD_FSUTIL_H
#define KD_FSUTIL_H

#include <stddef.h>

/* Creates dir and any missing parents, each 0700. */
int kd_fs_mkdirs(const char *dir);

/* Creates the directories above a file's path (0700). */
int kd_fs_mkdirs_for(const char *path);

/* Replaces path with data: the parents are created, a temporary file at
 * 0600 next to it is written and fsynced, then renamed over path, so a
 * reader sees the old contents or the new, never a mix. */
int kd_fs_write_atomic(const char *path, const void *data, size_t len);

#endif
