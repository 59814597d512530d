/*
 * remedy_patch — the two-way patch between two versions of an object
 * (strategic merge as the API server applies it, or merge patch), and
 * kubectl's last-applied form.
 */
#include "act/act.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

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
