/*
 * json — helpers on jansson values shared by every module:
 * RFC 6901 pointers, deep equality, canonical serialisation and SHA-256.
 */
#ifndef KD_JSON_H
#define KD_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Looks up an RFC 6901 pointer ("" is the whole document, "/a/0/b~1c").
 * *out is borrowed from doc.  KD_ENOTFOUND when absent, KD_EINVAL when the
 * pointer is malformed. */
int kd_json_pointer_get(json_t **out, const json_t *doc, const char *pointer);

/* Sets the value at pointer, stealing `value` (also on failure).  Missing
 * parent objects are created when create_parents is true (inside an array
 * only at "-" or index == size, which appends a new object).  The last token
 * of an array parent may be "-" or an index <= size: an existing element is
 * replaced (no insertion; kd_patch_json's "add" inserts), "-" or index ==
 * size appends.  "" is KD_EINVAL (the root cannot be replaced in place); a
 * scalar parent is KD_EINVAL, a missing one KD_ENOTFOUND.  Parents created
 * before a failure stay in doc. */
int kd_json_pointer_set(json_t *doc, const char *pointer, json_t *value,
			bool create_parents);

/* Removes the value at pointer, shifting later array elements down.
 * KD_ENOTFOUND when absent (including "-"), KD_EINVAL for "". */
int kd_json_pointer_remove(json_t *doc, const char *pointer);

/* Appends one reference token, escaped ("~" -> "~0", "/" -> "~1"), with its
 * leading "/", to out. */
int kd_json_pointer_append(kd_buf *out, const char *token);

/* Splits a pointer into unescaped tokens: *out is a new JSON array of
 * strings. */
int kd_json_pointer_split(json_t **out, const char *pointer);

/* Resolves everything but the last token: *parent (borrowed from doc) is the
 * value that contains the target, *last (caller frees) the target's
 * unescaped token.  With create_parents, missing parents become objects as
 * in kd_json_pointer_set.  KD_EINVAL for "" (the whole document has no
 * parent).  The target itself need not exist. */
int kd_json_pointer_parent(json_t **parent, char **last, json_t *doc,
			   const char *pointer, bool create_parents);

/* Parses an array reference token against an array of `size` elements:
 * "0" or digits without a leading zero.  "-" and index == size are accepted
 * only with allow_end (*out = size, one past the end).  KD_EINVAL when the
 * token is not an index, KD_ENOTFOUND when it is out of range; the message
 * names `pointer`. */
int kd_json_pointer_index(size_t *out, const char *token, size_t size,
			  bool allow_end, const char *pointer);

/* Deep equality; numbers compare by value (1 equals 1.0), object key order
 * does not matter. */
bool kd_json_equal(const json_t *a, const json_t *b);

/* Canonical serialisation: sorted keys, no insignificant white space,
 * integers as integers, reals in shortest round-trip form.  Equal values
 * (kd_json_equal) give equal bytes. */
int kd_json_canonical(kd_buf *out, const json_t *v);

/* SHA-256 of the canonical serialisation. */
int kd_json_sha256(unsigned char digest[32], const json_t *v);
int kd_json_sha256_hex(char hex[65], const json_t *v);

/* SHA-256 of raw bytes, as lowercase hex. */
void kd_sha256_hex(char hex[65], const void *data, size_t len);

/* Convenience getters that tolerate NULL and wrong types. */
const char *kd_json_str(const json_t *obj, const char *key);   /* NULL if absent or not a string */
json_t *kd_json_obj(const json_t *obj, const char *key);       /* NULL if absent or not an object */
json_t *kd_json_arr(const json_t *obj, const char *key);       /* NULL if absent or not an array */

#endif
