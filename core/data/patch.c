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

int kd_patch_json(json_t **out, const json_t *target, const json_t *ops)
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

		rc = apply_op(&doc, op);
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
