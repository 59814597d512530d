/*
 * remedy_patch — the bodies of reverts: the two-way patch between two
 * versions of an object, and the object a revert of some fields leaves.
 */
#include "remedy.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "error.h"
#include "json.h"
#include "mergekeys.h"
#include "patch.h"
#include "smp.h"

/* ---- two-way strategic merge patch ------------------------------------- */

typedef struct pctx {
	const char *api_version;
	const char *kind;
	kd_buf ptr;   /* schema pointer of the value being compared */
} pctx;

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

static int diff_map(json_t *p, const json_t *o, const json_t *n, pctx *c);

/* Index of the element of list whose `key` equals elem's, or -1. */
static long find_keyed(const json_t *list, const char *key, const json_t *elem)
{
	const json_t *want = json_object_get(elem, key);
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_object_get(json_array_get(list, i), key),
			       (json_t *)want))
			return (long)i;
	return -1;
}

/* Every element is an object with a scalar `key`, no two alike. */
static bool keyed_ok(const json_t *list, const char *key)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++) {
		const json_t *e = json_array_get(list, i);
		const json_t *k = json_object_get(e, key);

		if (!json_is_object(e) || !k || json_is_object(k) || json_is_array(k))
			return false;
		if (find_keyed(list, key, e) != (long)i)
			return false;
	}
	return true;
}

static int directive_key(kd_buf *b, const char *directive, const char *name)
{
	kd_buf_clear(b);
	return kd_buf_printf(b, "$%s/%s", directive, name);
}

static bool same_keys(const json_t *a, const json_t *b, const char *key)
{
	size_t i;

	if (json_array_size(a) != json_array_size(b))
		return false;
	for (i = 0; i < json_array_size(a); i++)
		if (!json_equal(json_object_get(json_array_get(a, i), key),
				json_object_get(json_array_get(b, i), key)))
			return false;
	return true;
}

/*
 * The order the Kubernetes API server gives a keyed list patched without
 * `$setElementOrder` (apimachinery's normalizeElementOrder): the elements
 * the patch names (`patched`, in patch order) are merged with the kept
 * elements it does not name (in the original's order); of two elements
 * the one earlier in the original comes first, and an element new to the
 * list comes before the kept element it is compared with.
 */
static int server_order(json_t **out, const json_t *o, const json_t *n,
			const json_t *patched, const char *key)
{
	json_t *left = json_array(), *res = json_array();
	size_t i = 0, j = 0, k;
	int rc = 0;

	*out = NULL;
	if (!left || !res)
		goto nomem;
	for (k = 0; k < json_array_size(o); k++) {
		json_t *oe = json_array_get(o, k);
		if (find_keyed(n, key, oe) >= 0 && find_keyed(patched, key, oe) < 0 &&
		    json_array_append(left, oe) < 0)
			goto nomem;
	}
	while (i < json_array_size(left) || j < json_array_size(patched)) {
		json_t *l = json_array_get(left, i), *r = json_array_get(patched, j);
		bool take_left;

		if (!r) {
			take_left = true;
		} else if (!l) {
			take_left = false;
		} else {
			long li = find_keyed(o, key, l), ri = find_keyed(o, key, r);
			take_left = li >= 0 && ri >= 0 && li < ri;
		}
		if (json_array_append(res, take_left ? l : r) < 0)
			goto nomem;
		if (take_left)
			i++;
		else
			j++;
	}
	*out = res;
	res = NULL;
	goto cleanup;
nomem:
	rc = oom();
cleanup:
	json_decref(left);
	json_decref(res);
	return rc;
}

/* A keyed list: changed and new elements by key, `$patch: delete` for
 * elements only `o` has, `$setElementOrder` when the order without it would
 * differ from n's, either as the API server orders (server_order) or as
 * appending new elements after the kept ones does (kd_smp's server mode,
 * which the simulator uses). */
static int diff_keyed(json_t *p, const char *name, const char *key,
		      const json_t *o, const json_t *n, pctx *c)
{
	json_t *pl = json_array(), *expect = json_array(), *order = NULL;
	json_t *patched = json_array();
	kd_buf dk = KD_BUF_INIT;
	size_t i, mark = c->ptr.len;
	bool reorder = false;
	int rc = 0;

	if (!pl || !expect || !patched)
		goto nomem;
	if ((rc = kd_buf_puts(&c->ptr, "/0")) < 0)
		goto cleanup;
	for (i = 0; i < json_array_size(n); i++) {
		const json_t *ne = json_array_get(n, i);
		long oi = find_keyed(o, key, ne);
		json_t *sub;

		if (oi < 0) {
			if (json_array_append_new(pl, json_deep_copy(ne)) < 0 ||
			    json_array_append(patched, (json_t *)ne) < 0)
				goto nomem;
			continue;
		}
		if (json_array_append(expect, (json_t *)ne) < 0 || !(sub = json_object()))
			goto nomem;
		rc = diff_map(sub, json_array_get(o, (size_t)oi), ne, c);
		if (rc == 0 && json_object_size(sub) > 0)
			rc = set_new(sub, key, json_deep_copy(json_object_get(ne, key)));
		if (rc == 0 && json_object_size(sub) > 0 &&
		    (json_array_append(pl, sub) < 0 || json_array_append(patched, (json_t *)ne) < 0))
			rc = oom();
		json_decref(sub);
		if (rc < 0)
			goto cleanup;
	}
	/* expect: kept elements in o's order, then the new ones in n's. */
	json_array_clear(expect);
	for (i = 0; i < json_array_size(o); i++) {
		const json_t *oe = json_array_get(o, i);

		if (find_keyed(n, key, oe) >= 0) {
			if (json_array_append(expect, (json_t *)oe) < 0)
				goto nomem;
		} else {
			json_t *del = json_pack("{s:O, s:s}", key, json_object_get(oe, key),
						"$patch", "delete");
			if (!del || json_array_append_new(pl, del) < 0)
				goto nomem;
		}
	}
	for (i = 0; i < json_array_size(n); i++)
		if (find_keyed(o, key, json_array_get(n, i)) < 0 &&
		    json_array_append(expect, json_array_get(n, i)) < 0)
			goto nomem;
	reorder = !same_keys(expect, n, key);
	if (!reorder) {
		if ((rc = server_order(&order, o, n, patched, key)) < 0)
			goto cleanup;
		reorder = !same_keys(order, n, key);
		json_decref(order);
		order = NULL;
	}
	if (reorder) {
		if (!(order = json_array()))
			goto nomem;
		for (i = 0; i < json_array_size(n); i++) {
			json_t *k = json_pack("{s:O}", key,
					      json_object_get(json_array_get(n, i), key));
			if (!k || json_array_append_new(order, k) < 0)
				goto nomem;
		}
		if ((rc = directive_key(&dk, "setElementOrder", name)) < 0 ||
		    (rc = set_new(p, kd_buf_cstr(&dk), order)) < 0) {
			order = NULL;
			goto cleanup;
		}
		order = NULL;
	}
	if (json_array_size(pl) > 0) {
		rc = set_new(p, name, pl);
		pl = NULL;
	}
	goto cleanup;
nomem:
	rc = oom();
cleanup:
	kd_buf_truncate(&c->ptr, mark);
	kd_buf_free(&dk);
	json_decref(pl);
	json_decref(expect);
	json_decref(order);
	json_decref(patched);
	return rc;
}

static bool has_scalar(const json_t *list, const json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), (json_t *)v))
			return true;
	return false;
}

/* A merged list of scalars (finalizers): additions in the list,
 * removals in $deleteFromPrimitiveList, order when it differs. */
static int diff_primitive(json_t *p, const char *name, const json_t *o,
			  const json_t *n)
{
	json_t *adds = json_array(), *dels = json_array(), *expect = json_array();
	kd_buf dk = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	if (!adds || !dels || !expect)
		goto nomem;
	for (i = 0; i < json_array_size(o); i++) {
		json_t *v = json_array_get(o, i);
		if (json_array_append(has_scalar(n, v) ? expect : dels, v) < 0)
			goto nomem;
	}
	for (i = 0; i < json_array_size(n); i++) {
		json_t *v = json_array_get(n, i);
		if (!has_scalar(o, v) &&
		    (json_array_append(adds, v) < 0 || json_array_append(expect, v) < 0))
			goto nomem;
	}
	if (json_array_size(dels) > 0 &&
	    ((rc = directive_key(&dk, "deleteFromPrimitiveList", name)) < 0 ||
	     (rc = set_new(p, kd_buf_cstr(&dk), json_incref(dels))) < 0))
		goto cleanup;
	if (json_array_size(adds) > 0 && (rc = set_new(p, name, json_incref(adds))) < 0)
		goto cleanup;
	if (!json_equal(expect, (json_t *)n) &&
	    ((rc = directive_key(&dk, "setElementOrder", name)) < 0 ||
	     (rc = set_new(p, kd_buf_cstr(&dk), json_deep_copy(n))) < 0))
		goto cleanup;
	goto cleanup;
nomem:
	rc = oom();
cleanup:
	kd_buf_free(&dk);
	json_decref(adds);
	json_decref(dels);
	json_decref(expect);
	return rc;
}

/* A list the schema keys: a list of all the elements of n followed by a
 * `$patch: replace` element, which the server reads as "exactly these". */
static int replace_list(json_t *p, const char *name, const json_t *n)
{
	json_t *l = json_deep_copy(n);
	json_t *r = json_pack("{s:s}", "$patch", "replace");

	if (!l || !r || json_array_append_new(l, r) < 0) {
		json_decref(l);
		return oom();
	}
	return set_new(p, name, l);
}

/* Scalars only, no two equal: what a merged primitive list can express. */
static bool scalar_set(const json_t *list)
{
	size_t i, j;

	for (i = 0; i < json_array_size(list); i++) {
		const json_t *v = json_array_get(list, i);

		if (json_is_object(v) || json_is_array(v))
			return false;
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(list, j), (json_t *)v))
				return false;
	}
	return true;
}

static int diff_list(json_t *p, const char *name, const json_t *o,
		     const json_t *n, pctx *c)
{
	const char *keys[2];
	bool primitive = false;
	size_t nk = kd_smp_list_keys(keys, 2, &primitive, c->api_version,
				     c->kind, kd_buf_cstr(&c->ptr));

	if (nk > 0) {
		if (keyed_ok(o, keys[0]) && keyed_ok(n, keys[0]))
			return diff_keyed(p, name, keys[0], o, n, c);
		return replace_list(p, name, n);
	}
	if (primitive && scalar_set(o) && scalar_set(n))
		return diff_primitive(p, name, o, n);
	return set_new(p, name, json_deep_copy(n));
}

static int diff_map(json_t *p, const json_t *o, const json_t *n, pctx *c)
{
	const char *key;
	json_t *ov, *nv;
	size_t mark = c->ptr.len;
	int rc = 0;

	json_object_foreach((json_t *)o, key, ov) {
		if (!json_object_get(n, key) && (rc = set_new(p, key, json_null())) < 0)
			return rc;
	}
	json_object_foreach((json_t *)n, key, nv) {
		json_t *sub;

		ov = json_object_get(o, key);
		if (ov && json_equal(ov, nv))
			continue;
		if (!ov) {
			/* A new null cannot be expressed (null deletes); the
			 * field is absent either way. */
			if (!json_is_null(nv) && (rc = set_new(p, key, json_deep_copy(nv))) < 0)
				return rc;
			continue;
		}
		if ((rc = kd_json_pointer_append(&c->ptr, key)) < 0)
			return rc;
		if (json_is_object(ov) && json_is_object(nv)) {
			if (!(sub = json_object()))
				return oom();
			rc = diff_map(sub, ov, nv, c);
			if (rc == 0 && json_object_size(sub) > 0)
				rc = set_new(p, key, json_incref(sub));
			json_decref(sub);
		} else if (json_is_array(ov) && json_is_array(nv)) {
			rc = diff_list(p, key, ov, nv, c);
		} else {
			rc = set_new(p, key, json_deep_copy(nv));
		}
		kd_buf_truncate(&c->ptr, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int kd_remedy_patch_between(json_t **out, kd_kube_patch_type *type,
			    const json_t *from, const json_t *to)
{
	pctx c = { NULL, NULL, KD_BUF_INIT };
	json_t *patch = NULL, *check = NULL;
	bool smp;
	int rc;

	*out = NULL;
	if (!json_is_object(from) || !json_is_object(to))
		return kd_error_set(KD_EINVAL, "a patch needs two objects");
	c.api_version = kd_json_str(to, "apiVersion");
	c.kind = kd_json_str(to, "kind");
	smp = c.api_version && c.kind && kd_smp_has_schema(c.api_version, c.kind);
	if (type)
		*type = smp ? KD_KUBE_PATCH_STRATEGIC : KD_KUBE_PATCH_MERGE;
	if (!smp) {
		rc = kd_patch_merge_diff(&patch, from, to);
		if (rc == 0)
			rc = kd_patch_merge(&check, from, patch);
	} else {
		if (!(patch = json_object()))
			return oom();
		rc = diff_map(patch, from, to, &c);
		if (rc == 0)
			rc = kd_smp_apply(&check, from, patch, KD_SMP_SERVER);
	}
	if (rc == 0 && !json_equal(check, (json_t *)to))
		rc = kd_error_set(KD_ERROR, "the computed %s patch does not reproduce the "
				  "intended object; nothing will be sent",
				  smp ? "strategic merge" : "merge");
	kd_buf_free(&c.ptr);
	json_decref(check);
	if (rc < 0) {
		json_decref(patch);
		return rc;
	}
	*out = patch;
	return 0;
}

/* ---- the object a revert leaves ---------------------------------------- */

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

/* ---- helpers ------------------------------------------------------------- */

int kd_remedy_last_applied(char **out, const json_t *obj)
{
	json_t *c = json_deep_copy(obj), *meta, *ann;
	kd_buf b = KD_BUF_INIT, plain = KD_BUF_INIT;
	const char *p;
	int rc = 0;

	*out = NULL;
	if (!c)
		return oom();
	/* kubectl removes its own annotation from the map but keeps the map,
	 * so a manifest without annotations is recorded with "annotations":{}. */
	meta = kd_json_obj(c, "metadata");
	ann = kd_json_obj(meta, "annotations");
	if (meta && !ann && (!(ann = json_object()) ||
			     json_object_set_new(meta, "annotations", ann) < 0)) {
		rc = oom();
		goto cleanup;
	}
	json_object_del(ann, KD_REMEDY_LAST_APPLIED);
	/* Sorted keys, shortest reals: what Go's encoder writes for a map. */
	if ((rc = kd_json_canonical(&plain, c)) < 0)
		goto cleanup;
	/* Go's encoder also escapes <, > and & (they occur only inside strings
	 * in JSON text), and ends with a newline. */
	for (p = kd_buf_cstr(&plain); *p && rc == 0; p++) {
		if (*p == '<')
			rc = kd_buf_puts(&b, "\\u003c");
		else if (*p == '>')
			rc = kd_buf_puts(&b, "\\u003e");
		else if (*p == '&')
			rc = kd_buf_puts(&b, "\\u0026");
		else
			rc = kd_buf_putc(&b, *p);
	}
	if (rc == 0)
		rc = kd_buf_putc(&b, '\n');
	if (rc == 0)
		*out = kd_buf_detach(&b);
cleanup:
	kd_buf_free(&plain);
	kd_buf_free(&b);
	json_decref(c);
	return rc;
}

static bool tracking_key(const char *key)
{
	static const char *const prefixes[] = {
		"argocd.argoproj.io/", "kustomize.toolkit.fluxcd.io/", NULL,
	};
	const char *const *p;

	if (strcmp(key, KD_REMEDY_APP_LABEL) == 0 ||
	    strcmp(key, "app.kubernetes.io/instance") == 0)
		return true;
	for (p = prefixes; *p; p++)
		if (strncmp(key, *p, strlen(*p)) == 0)
			return true;
	return false;
}

bool kd_remedy_has_tracking(const json_t *obj)
{
	const json_t *meta = kd_json_obj(obj, "metadata");
	const char *const maps[] = { "labels", "annotations" };
	const char *key;
	json_t *v;
	size_t i;

	for (i = 0; i < 2; i++) {
		json_object_foreach(kd_json_obj(meta, maps[i]), key, v) {
			if (tracking_key(key))
				return true;
		}
	}
	return false;
}

int kd_remedy_describe(kd_buf *out, const char *kind, const char *namespace,
		       const char *name)
{
	if (namespace && *namespace)
		return kd_buf_printf(out, "%s %s/%s", kind ? kind : "object",
				     namespace, name ? name : "?");
	return kd_buf_printf(out, "%s %s", kind ? kind : "object", name ? name : "?");
}
