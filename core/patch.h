/*
 * patch — RFC 7386 JSON merge patch and RFC 6902 JSON patch.
 *
 * Shared by the renderer (kustomize patches), the simulator and remediation.
 * Both functions build a new value and leave their inputs untouched, so a
 * failed patch never leaves a half-patched object behind.
 */
#ifndef KD_PATCH_H
#define KD_PATCH_H

#include <jansson.h>

/* RFC 7386: *out = target merged with patch (null deletes a member, a
 * non-object patch replaces the target). */
int kd_patch_merge(json_t **out, const json_t *target, const json_t *patch);

/* RFC 6902: applies the operations array (add, remove, replace, move, copy,
 * test) in order.  A failed `test` returns KD_ECONFLICT, any other failure
 * KD_EINVAL; the message names the operation's index and path. */
int kd_patch_json(json_t **out, const json_t *target, const json_t *ops);

/* Computes an RFC 7386 merge patch that turns `from` into `to`: members
 * missing from `to` become null, objects are diffed member by member, any
 * other change (arrays included) carries the new value whole.  Two equal
 * objects give {}.  `from` may be NULL (absent).  A merge patch cannot set a
 * member to null, so a member that turns null in `to` is deleted instead,
 * and null members inside new values disappear when merged. */
int kd_patch_merge_diff(json_t **out, const json_t *from, const json_t *to);

#endif
