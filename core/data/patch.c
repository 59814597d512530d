/*
 * patch — RFC 7386 merge patches and RFC 6902 JSON patches (see data.h).
 *
 * Both appliers work on a private deep copy and hand it out only once every
 * step succeeded: remediation relies on a failed patch changing nothing.
 */
#include "data/data.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* ---- RFC 7386 ------------------------------------------------------------ */

/* Merges patch into *target in place; *target may be replaced. */
static int merge_into(json_t **target, const json_t *patch)
{
	const char *key;
	json_t *value, *child;
	void *it;
	int rc;

	if (!json_is_object(patch)) {
		json_t *copy = json_deep_copy(patch);

		if (!copy)
			return oom();
		json_decref(*target);
		*target = copy;
		return 0;
	}
	if (!json_is_object(*target)) {
		json_t *obj = json_object();

		if (!obj)
			return oom();
		json_decref(*target);
		*target = obj;
	}
	for (it = json_object_iter((json_t *)patch); it;
	     it = json_object_iter_next((json_t *)patch, it)) {
		key = json_object_iter_key(it);
		value = json_object_iter_value(it);
		if (json_is_null(value)) {
			json_object_del(*target, key);
			continue;
		}
		child = json_incref(json_object_get(*target, key));
		rc = merge_into(&child, value);
		if (rc == 0 && json_object_set(*target, key, child) < 0)
			rc = oom();
		json_decref(child);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int kd_patch_merge(json_t **out, const json_t *target, const json_t *patch)
{
	json_t *doc = NULL;
	int rc;

	*out = NULL;
	if (!patch)
		return kd_error_set(KD_EINVAL, "merge patch: no patch given");
	if (target && !(doc = json_deep_copy(target)))
		return oom();
	rc = merge_into(&doc, patch);
	if (rc < 0) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

/* A merge patch cannot say "set this member to null" (null deletes), so a
 * member that becomes null in `to` is deleted instead: merging the result
 * into `from` yields `to` minus those null members.  Nulls already equal in
 * both are left alone. */
static int diff_into(json_t **out, const json_t *from, const json_t *to)
{
	const char *key;
	json_t *patch, *sub, *fv, *tv;
	void *it;
	int rc;

	*out = NULL;
	if (!json_is_object(to) || !json_is_object(from)) {
		if (!(*out = json_deep_copy(to)))
			return oom();
		return 0;
	}
	if (!(patch = json_object()))
		return oom();
	for (it = json_object_iter((json_t *)from); it;
	     it = json_object_iter_next((json_t *)from, it)) {
		key = json_object_iter_key(it);
		tv = json_object_get(to, key);
		if (!tv && json_object_set_new(patch, key, json_null()) < 0)
			goto nomem;
	}
	for (it = json_object_iter((json_t *)to); it;
	     it = json_object_iter_next((json_t *)to, it)) {
		key = json_object_iter_key(it);
		tv = json_object_iter_value(it);
		fv = json_object_get(from, key);
		if (fv && kd_json_equal(fv, tv))
			continue;
		if (json_is_null(tv)) {
			if (fv && json_object_set_new(patch, key, json_null()) < 0)
				goto nomem;
			continue;
		}
		if (fv && json_is_object(fv) && json_is_object(tv)) {
			if ((rc = diff_into(&sub, fv, tv)) < 0) {
				json_decref(patch);
				return rc;
			}
			/* equal up to nulls in `to`: nothing to change */
			if (json_object_size(sub) == 0) {
				json_decref(sub);
				continue;
			}
		} else if (!(sub = json_deep_copy(tv))) {
			goto nomem;
		}
		if (json_object_set_new(patch, key, sub) < 0)
			goto nomem;
	}
	*out = patch;
	return 0;
nomem:
	json_decref(patch);
	return oom();
}

int kd_patch_merge_diff(json_t **out, const json_t *from, const json_t *to)
{
	*out = NULL;
	if (!to)
		return kd_error_set(KD_EINVAL, "merge diff: no target value given");
	return diff_into(out, from, to);
}

/* ---- RFC 6902 ------------------------------------------------------------ */

/* Adds value (stolen) at pointer: replaces an object member, inserts into an
 * array (shifting later elements), replaces the whole document for "". */
static int op_add(json_t **doc, const char *pointer, json_t *value)
{
	json_t *parent = NULL;
	char *last = NULL;
	size_t idx;
	int rc;

	if (pointer[0] == '\0') {
		json_decref(*doc);
		*doc = value;
		return 0;
	}
	rc = kd_json_pointer_parent(&parent, &last, *doc, pointer, false);
	if (rc < 0)
		goto cleanup;
	if (json_is_object(parent)) {
		rc = json_object_set(parent, last, value) < 0 ? oom() : 0;
	} else if (json_is_array(parent)) {
		rc = kd_json_pointer_index(&idx, last, json_array_size(parent),
					   true, pointer);
		if (rc == 0 && json_array_insert(parent, idx, value) < 0)
			rc = oom();
	} else {
		rc = kd_error_set(KD_EINVAL,
				  "'%s' cannot be added: its parent is neither an object nor an array",
				  pointer);
	}
cleanup:
	json_decref(value);
	free(last);
	return rc;
}

/* Reads a string member of an operation. */
static int op_string(const char **out, const json_t *op, const char *member)
{
	json_t *v = json_object_get(op, member);

	*out = NULL;
	if (!v)
		return kd_error_set(KD_EINVAL, "missing \"%s\"", member);
	if (!json_is_string(v))
		return kd_error_set(KD_EINVAL, "\"%s\" must be a string", member);
	*out = json_string_value(v);
	return 0;
}

static int op_value(json_t **out, const json_t *op)
{
	*out = json_object_get(op, "value");
	if (!*out)
		return kd_error_set(KD_EINVAL, "missing \"value\"");
	return 0;
}

/* True when `path` lies strictly inside `from` ("/a/b" inside "/a"). */
static bool is_inside(const char *path, const char *from)
{
	size_t n = strlen(from);

	return strncmp(path, from, n) == 0 && path[n] == '/';
}

/* Applies one operation to *doc.  Codes: KD_ECONFLICT for a failed test,
 * KD_EINVAL for everything else except memory. */
static int apply_op(json_t **doc, const json_t *op)
{
	const char *name = NULL, *path = NULL, *from = NULL;
	json_t *value = NULL, *found = NULL;
	int rc;

	if (!json_is_object(op))
		return kd_error_set(KD_EINVAL, "an operation must be an object");
	if ((rc = op_string(&name, op, "op")) < 0 ||
	    (rc = op_string(&path, op, "path")) < 0)
		return rc;

	if (strcmp(name, "add") == 0) {
		if ((rc = op_value(&value, op)) < 0)
			return rc;
		if (!(value = json_deep_copy(value)))
			return oom();
		return op_add(doc, path, value);
	}
	if (strcmp(name, "remove") == 0) {
		if (path[0] == '\0')
			return kd_error_set(KD_EINVAL, "cannot remove the whole document");
		return kd_json_pointer_remove(*doc, path);
	}
	if (strcmp(name, "replace") == 0) {
		if ((rc = op_value(&value, op)) < 0 ||
		    (rc = kd_json_pointer_get(&found, *doc, path)) < 0)
			return rc;
		if (!(value = json_deep_copy(value)))
			return oom();
		if (path[0] == '\0') {
			json_decref(*doc);
			*doc = value;
			return 0;
		}
		return kd_json_pointer_set(*doc, path, value, false);
	}
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		bool move = name[0] == 'm';

		if ((rc = op_string(&from, op, "from")) < 0 ||
		    (rc = kd_json_pointer_get(&found, *doc, from)) < 0)
			return rc;
		if (move && strcmp(from, path) == 0)
			return 0;
		if (move && is_inside(path, from))
			return kd_error_set(KD_EINVAL,
					    "cannot move '%s' into its own child '%s'",
					    from, path);
		if (move) {
			value = json_incref(found);
			if ((rc = kd_json_pointer_remove(*doc, from)) < 0) {
				json_decref(value);
				return rc;
			}
		} else if (!(value = json_deep_copy(found))) {
			return oom();
		}
		return op_add(doc, path, value);
	}
	if (strcmp(name, "test") == 0) {
		if ((rc = op_value(&value, op)) < 0)
			return rc;
		rc = kd_json_pointer_get(&found, *doc, path);
		if (rc == KD_ENOTFOUND)
			return kd_error_set(KD_ECONFLICT, "test failed: nothing at '%s'",
					    path);
		if (rc < 0)
			return rc;
		if (!kd_json_equal(found, value))
			return kd_error_set(KD_ECONFLICT,
					    "test failed: value at '%s' differs", path);
		return 0;
	}
	return kd_error_set(KD_EINVAL, "unknown op \"%s\"", name);
}

/* Applies each operation in turn with `apply` (RFC 6902 as written, or as
 * kustomize applies it) to a copy of target; errors name the operation. */
static int patch_ops(json_t **out, const json_t *target, const json_t *ops,
		     int (*apply)(json_t **doc, const json_t *op))
{
	json_t *doc;
	size_t i;
	int rc;

	*out = NULL;
	if (!json_is_array(ops))
		return kd_error_set(KD_EINVAL, "JSON patch: the patch must be an array of operations");
	if (!target)
		return kd_error_set(KD_EINVAL, "JSON patch: no document to patch");
	if (!(doc = json_deep_copy(target)))
		return oom();
	for (i = 0; i < json_array_size(ops); i++) {
		const json_t *op = json_array_get(ops, i);

		rc = apply(&doc, op);
		if (rc < 0) {
			const char *name = kd_json_str(op, "op");
			const char *path = kd_json_str(op, "path");

			json_decref(doc);
			if (rc != KD_ECONFLICT && rc != KD_ENOMEM)
				rc = KD_EINVAL;
			if (name && path)
				return kd_error_wrap(rc, "JSON patch operation %zu (%s '%s'): ",
						     i, name, path);
			return kd_error_wrap(rc, "JSON patch operation %zu: ", i);
		}
	}
	*out = doc;
	return 0;
}

int kd_patch_json(json_t **out, const json_t *target, const json_t *ops)
{
	return patch_ops(out, target, ops, apply_op);
}

/* ---- RFC 6902 as kustomize applies it ------------------------------------ */

/*
 * kustomize (and so kubectl kustomize) applies JSON patches with
 * evanphx/json-patch v4, which departs from RFC 6902 in ways real
 * kustomizations rely on: `replace` of a missing object member adds it,
 * negative array indices count from the end, a leading "+" or zeros in an
 * index are accepted, and the first segment of a path that does not start
 * with "/" is ignored.
 */

static void unescape_token(char *s)
{
	char *r = s, *w = s;

	for (; *r; r++) {
		if (r[0] == '~' && r[1] == '1') {
			*w++ = '/';
			r++;
		} else if (r[0] == '~' && r[1] == '0') {
			*w++ = '~';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Go's strconv.Atoi: optional sign, decimal digits. */
static bool go_atoi(long *out, const char *s)
{
	const char *p = s;
	long v = 0;
	bool neg = false;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000000L)
			return false;
		v = v * 10 + (*p - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* The index `key` names in an array of size n (negative counts from the
 * end); false when it is not an index or out of [0, n). */
static bool v4_index(size_t *out, const char *key, size_t n)
{
	long idx;

	if (!go_atoi(&idx, key))
		return false;
	if (idx < 0) {
		if (idx < -(long)n)
			return false;
		idx += (long)n;
	}
	if ((size_t)idx >= n)
		return false;
	*out = (size_t)idx;
	return true;
}

/* The container of the value at path and its last token (new). */
static int v4_find(json_t **con, char **key, json_t *doc, const char *path)
{
	char *copy = strdup(path), *seg, *next, *last;
	json_t *cur = doc;
	int rc = 0;

	*con = NULL;
	*key = NULL;
	if (!copy)
		return oom();
	last = strrchr(copy, '/');
	if (!last) {
		rc = kd_error_set(KD_EINVAL, "doc is missing path: \"%s\"", path);
		goto cleanup;
	}
	*last = '\0';
	seg = strchr(copy, '/');
	while (seg) {
		size_t idx;

		seg++;
		next = strchr(seg, '/');
		if (next)
			*next = '\0';
		unescape_token(seg);
		if (json_is_object(cur))
			cur = json_object_get(cur, seg);
		else if (json_is_array(cur) && v4_index(&idx, seg, json_array_size(cur)))
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
		if (!json_is_object(cur) && !json_is_array(cur)) {
			rc = kd_error_set(KD_EINVAL, "doc is missing path: \"%s\"", path);
			goto cleanup;
		}
		seg = next;
	}
	*key = strdup(last + 1);
	if (!*key) {
		rc = oom();
		goto cleanup;
	}
	unescape_token(*key);
	*con = cur;
cleanup:
	free(copy);
	return rc;
}

/* Adds value (stolen): an object member, or inserted into an array ("-"
 * appends). */
static int v4_add(json_t *con, const char *key, json_t *value, const char *path)
{
	long idx;
	size_t n;
	int rc = 0;

	if (json_is_object(con)) {
		rc = json_object_set(con, key, value) < 0 ? oom() : 0;
		json_decref(value);
		return rc;
	}
	n = json_array_size(con);
	if (strcmp(key, "-") == 0) {
		idx = (long)n;
	} else if (!go_atoi(&idx, key)) {
		json_decref(value);
		return kd_error_set(KD_EINVAL, "value was not a proper array index: '%s'", key);
	}
	if (idx < 0 && idx >= -(long)(n + 1))
		idx += (long)(n + 1);
	if (idx < 0 || (size_t)idx > n) {
		json_decref(value);
		return kd_error_set(KD_EINVAL, "Unable to access invalid index: %ld (%s)", idx, path);
	}
	rc = json_array_insert(con, (size_t)idx, value) < 0 ? oom() : 0;
	json_decref(value);
	return rc;
}

static int v4_remove(json_t *con, const char *key, const char *path)
{
	size_t idx;

	if (json_is_object(con)) {
		if (!json_object_get(con, key))
			return kd_error_set(KD_EINVAL, "JSON pointer '%s': no member '%s'", path, key);
		json_object_del(con, key);
		return 0;
	}
	if (!v4_index(&idx, key, json_array_size(con)))
		return kd_error_set(KD_EINVAL, "Unable to access invalid index: %s (%s)", key, path);
	json_array_remove(con, idx);
	return 0;
}

/* The value at key of con (borrowed); NULL for a missing member (not an
 * error, as in the library); *bad for an array index out of range. */
static json_t *v4_get(json_t *con, const char *key, bool *bad)
{
	size_t idx;

	*bad = false;
	if (json_is_object(con))
		return json_object_get(con, key);
	if (!v4_index(&idx, key, json_array_size(con))) {
		*bad = true;
		return NULL;
	}
	return json_array_get(con, idx);
}

static int v4_op(json_t **doc, const json_t *op)
{
	const char *name = kd_json_str(op, "op"), *path, *from;
	json_t *value = json_object_get(op, "value"), *con = NULL, *v;
	char *key = NULL;
	bool bad = false;
	int rc = 0;

	if (!json_is_object(op))
		return kd_error_set(KD_EINVAL, "an operation must be an object");
	if (!name)
		name = "unknown";
	if ((rc = op_string(&path, op, "path")) < 0)
		return rc;
	if (strcmp(name, "replace") == 0 && path[0] == '\0') {
		if (!json_is_object(value) && !json_is_array(value))
			return kd_error_set(KD_EINVAL, "replace operation value must be object or array");
		if (!(v = json_deep_copy(value)))
			return oom();
		json_decref(*doc);
		*doc = v;
		return 0;
	}
	if (strcmp(name, "test") == 0 && path[0] == '\0')
		return kd_json_equal(*doc, value) ? 0
			: kd_error_set(KD_ECONFLICT, "testing value %s failed", path);
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		if ((rc = op_string(&from, op, "from")) < 0 ||
		    (rc = v4_find(&con, &key, *doc, from)) < 0)
			return rc;
		v = v4_get(con, key, &bad);
		if (bad)
			rc = kd_error_set(KD_EINVAL, "Unable to access invalid index: %s", from);
		else if (name[0] == 'm') {
			json_incref(v);
			if ((rc = v4_remove(con, key, from)) < 0)
				json_decref(v);
		} else {
			v = v ? json_deep_copy(v) : json_null();
			if (!v)
				rc = oom();
		}
		free(key);
		key = NULL;
		if (rc < 0)
			return rc;
		if (!v)
			v = json_null();
		if ((rc = v4_find(&con, &key, *doc, path)) < 0) {
			json_decref(v);
			return rc;
		}
		rc = v4_add(con, key, v, path);
		free(key);
		return rc;
	}
	if ((rc = v4_find(&con, &key, *doc, path)) < 0)
		return rc;
	if (strcmp(name, "add") == 0) {
		v = value ? json_deep_copy(value) : json_null();
		rc = v ? v4_add(con, key, v, path) : oom();
	} else if (strcmp(name, "remove") == 0) {
		rc = v4_remove(con, key, path);
	} else if (strcmp(name, "replace") == 0) {
		v4_get(con, key, &bad);
		if (bad) {
			rc = kd_error_set(KD_EINVAL, "replace operation does not apply: doc is missing key: %s", path);
		} else if (!(v = value ? json_deep_copy(value) : json_null())) {
			rc = oom();
		} else if (json_is_object(con)) {
			rc = json_object_set_new(con, key, v) < 0 ? oom() : 0;
		} else {
			size_t idx = 0;

			v4_index(&idx, key, json_array_size(con));
			rc = json_array_set_new(con, idx, v) < 0 ? oom() : 0;
		}
	} else if (strcmp(name, "test") == 0) {
		v = v4_get(con, key, &bad);
		if (bad)
			rc = kd_error_set(KD_EINVAL, "Unable to access invalid index: %s", path);
		else if (!v || !value || !kd_json_equal(v, value))
			rc = kd_error_set(KD_ECONFLICT, "testing value %s failed", path);
	} else {
		rc = kd_error_set(KD_EINVAL, "Unexpected kind: %s", name);
	}
	free(key);
	return rc;
}

int kd_patch_json6902(json_t **out, const json_t *target, const json_t *ops)
{
	return patch_ops(out, target, ops, v4_op);
}
