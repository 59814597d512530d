/*
 * path — repository-relative path arithmetic.
 *
 * Every path kdrift reads from a repository is relative to the repository
 * root, uses '/' separators and never leaves the root.  These functions are
 * the single place that rule is enforced.
 */
#ifndef KD_PATH_H
#define KD_PATH_H

#include <stdbool.h>

/*
 * Normalises `path` relative to the repository root: collapses "//" and "."
 * components and resolves ".." against earlier components.  *out is a new
 * string without leading or trailing '/' ("" for the root).  An absolute
 * path, or a ".." that would climb above the root, gives KD_EPATH with a
 * message naming the path.
 */
int kd_path_normalize(char **out, const char *path);

/* Joins a repository-relative directory and a relative path, then
 * normalises (so "apps/x" + "../base" = "apps/base").  `rel` may not be
 * absolute. */
int kd_path_join(char **out, const char *dir, const char *rel);

/* The directory part of a normalised path ("a/b/c.yaml" -> "a/b",
 * "c.yaml" -> ""). New string. */
char *kd_path_dirname(const char *path);

/* Pointer to the last component of path (inside path). */
const char *kd_path_basename(const char *path);

/* True when the name ends in .yaml, .yml or .json. */
bool kd_path_is_manifest(const char *name);

#endif
