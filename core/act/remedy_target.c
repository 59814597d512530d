/*
 * remedy_target — the object a revert of some drifted fields leaves: the
 * live object with those fields set to Git's values (or removed), found by
 * the same merge keys the diff matched list elements with.
 */
#include "act/act.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return oom();
	return 0;
}

/* Git's Secret with stringData folded into data as the server stores it,
 * so desired values line up with the diff's /data/KEY paths. */
static int secret_desired(json_t **out, const json_t *desired)
{
	json_t *d = json_deep_copy(desired), *data, *v;
	const json_t *sd = kd_json_obj(desired, "stringData");
	kd_buf b64 = KD_BUF_INIT;
	const char *key;
	int rc = 0;

	*out = NULL;
	if (!d)
		return oom();
	data = kd_json_obj(d, "data");
	if (sd && !data) {
		if (!(data = json_object()) || json_object_set_new(d, "data", data) < 0) {
			json_decref(d);
			return oom();
		}
	}
	json_object_foreach((json_t *)sd, key, v) {
		if (!json_is_string(v))
			continue;
		kd_buf_clear(&b64);
		if ((rc = kd_base64_encode(&b64, json_string_value(v),
					   json_string_length(v))) < 0 ||
		    (rc = set_new(data, key, json_string(kd_buf_cstr(&b64)))) < 0)
			break;
	}
	json_object_del(d, "stringData");
	kd_buf_free(&b64);
	if (rc < 0) {
		json_decref(d);
		return rc;
	}
	*out = d;
	return 0;
}

static json_t *empty_like(const json_t *v)
{
	return json_is_array(v) ? json_array() : json_object();
}

static bool same_shape(const json_t *a, const json_t *b)
{
	return (json_is_object(a) && json_is_object(b)) ||
	       (json_is_array(a) && json_is_array(b));
}

/* A list element that stands for a desired element not yet in live: its
 * merge keys, so later fields of the same element find it. */
static json_t *skeleton(const kd_mergekeys *mk, const json_t *elem)
{
	json_t *s = json_object();
	size_t k;

	for (k = 0; s && k < mk->nkeys; k++) {
		json_t *v = json_object_get(elem, mk->keys[k]);
		if (v && json_object_set(s, mk->keys[k], v) < 0) {
			json_decref(s);
			return NULL;
		}
	}
	return s;
}

/* Sets the desired value at `path` (desired indices) in t, walking t by
 * merge keys as the diff did and creating what is missing. */
static int set_from_desired(json_t *t, const json_t *d, const char *path)
{
	json_t *tokens = NULL;
	size_t i, n;
	int rc;

	if ((rc = kd_json_pointer_split(&tokens, path)) < 0)
		return rc;
	n = json_array_size(tokens);
	if (n == 0) {
		json_decref(tokens);
		return kd_error_set(KD_EINVAL, "cannot revert the whole object as one field");
	}
	for (i = 0; i < n && rc == 0; i++) {
		const char *tok = json_string_value(json_array_get(tokens, i));
		bool last = i + 1 == n;
		json_t *dn, *tn = NULL;

		if (json_is_object(d)) {
			if (!json_is_object(t) || !(dn = json_object_get(d, tok))) {
				rc = kd_error_set(KD_ENOTFOUND, "%s is not in the desired object", path);
				break;
			}
			if (last) {
				rc = set_new(t, tok, json_deep_copy(dn));
				break;
			}
			tn = json_object_get(t, tok);
			if (!tn || !same_shape(tn, dn)) {
				if ((rc = set_new(t, tok, empty_like(dn))) < 0)
					break;
				tn = json_object_get(t, tok);
			}
		} else if (json_is_array(d) && json_is_array(t) && i > 0) {
			const char *list = json_string_value(json_array_get(tokens, i - 1));
			kd_mergekeys mk;
			size_t idx;
			long j;

			if ((rc = kd_json_pointer_index(&idx, tok, json_array_size(d), false, path)) < 0)
				break;
			dn = json_array_get(d, idx);
			kd_mergekeys_for(&mk, list, d, t);
			if (mk.nkeys > 0)
				j = kd_mergekeys_find(&mk, t, dn);
			else
				j = idx < json_array_size(t) ? (long)idx : -1;
			if (last) {
				if (j >= 0)
					rc = json_array_set_new(t, (size_t)j, json_deep_copy(dn));
				else
					rc = json_array_append_new(t, json_deep_copy(dn));
				if (rc < 0)
					rc = oom();
				break;
			}
			if (j >= 0 && same_shape(json_array_get(t, (size_t)j), dn)) {
				tn = json_array_get(t, (size_t)j);
			} else {
				tn = mk.nkeys > 0 ? skeleton(&mk, dn) : empty_like(dn);
				if (!tn)
					rc = oom();
				else if ((j >= 0 ? json_array_set_new(t, (size_t)j, tn)
						 : json_array_append_new(t, tn)) < 0)
					rc = oom();
			}
		} else {
			rc = kd_error_set(KD_EINVAL, "%s does not lead through the live object", path);
			break;
		}
		d = dn;
		t = tn;
	}
	json_decref(tokens);
	return rc;
}

/* Removes every member and element that is `mark` (by identity). */
static void sweep(json_t *v, const json_t *mark)
{
	const char *key;
	json_t *x;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, key, x) {
			if (x == mark)
				json_object_del(v, key);
			else
				sweep(x, mark);
		}
	} else if (json_is_array(v)) {
		for (i = json_array_size(v); i-- > 0;) {
			x = json_array_get(v, i);
			if (x == mark)
				json_array_remove(v, i);
			else
				sweep(x, mark);
		}
	}
}

static bool under(const char *path, const char *sel)
{
	size_t n = strlen(sel);

	if (!path)
		return false;
	if (n == 0 || strcmp(sel, "/") == 0)
		return true;
	return strncmp(path, sel, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool selected(const kd_diff_field *f, const char *const *sel, size_t nsel)
{
	size_t i;

	if (!sel || nsel == 0)
		return true;
	for (i = 0; i < nsel; i++)
		if (under(f->path, sel[i]) || under(f->live_path, sel[i]))
			return true;
	return false;
}

int kd_remedy_revert_target(json_t **out, size_t *nselected,
			    const json_t *desired, const json_t *live,
			    const kd_diff_result *diff,
			    const char *const *select, size_t nselect)
{
	json_t *t = NULL, *d = NULL, *mark = NULL;
	size_t i, used = 0;
	int rc = 0;

	*out = NULL;
	if (nselected)
		*nselected = 0;
	if (!json_is_object(desired) || !json_is_object(live) || !diff)
		return kd_error_set(KD_EINVAL, "a revert needs the desired and live objects and their diff");
	for (i = 0; select && i < nselect; i++) {
		size_t j;
		bool any = false;

		for (j = 0; j < diff->nfields && !any; j++)
			any = selected(&diff->fields[j], &select[i], 1);
		if (!any)
			return kd_error_set(KD_ENOTFOUND, "%s is not a drifted field of this object",
					    select[i]);
	}
	if (kd_diff_is_secret(desired))
		rc = secret_desired(&d, desired);
	else if (!(d = json_incref((json_t *)desired)))
		rc = oom();
	if (rc == 0 && (!(t = json_deep_copy(live)) || !(mark = json_object())))
		rc = oom();
	for (i = 0; rc == 0 && i < diff->nfields; i++) {
		const kd_diff_field *f = &diff->fields[i];
		json_t *v;

		if (!selected(f, select, nselect))
			continue;
		used++;
		if (f->kind == KD_DIFF_ADDED) {
			if (!f->live_path)
				rc = kd_error_set(KD_EINVAL, "%s: no live location to remove", f->path);
			else
				rc = kd_json_pointer_set(t, f->live_path, json_incref(mark), false);
		} else if (f->live_path && kd_json_pointer_get(&v, d, f->path) == 0) {
			rc = kd_json_pointer_set(t, f->live_path, json_deep_copy(v), false);
		} else {
			rc = set_from_desired(t, d, f->path);
		}
		if (rc < 0)
			rc = kd_error_wrap(rc, "%s: ", f->path);
	}
	if (rc == 0)
		sweep(t, mark);
	json_decref(mark);
	json_decref(d);
	if (rc < 0) {
		json_decref(t);
		return rc;
	}
	if (nselected)
		*nselected = used;
	*out = t;
	return 0;
}

