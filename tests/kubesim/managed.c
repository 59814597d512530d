/*
 * managed — metadata.managedFields and server-side apply.
 *
 * Field sets are kept in the API server's FieldsV1 form: nested objects
 * whose keys are "f:NAME" (a field), "k:{...}" (an element of a keyed list,
 * by its merge keys) and "." (the element itself); a leaf is {}.  Lists are
 * keyed where the strategic-merge schema gives merge keys, atomic otherwise.
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

typedef struct walk {
	const char *api_version;
	const char *kind;
	kd_buf ptr; /* RFC 6901 pointer of the current value */
} walk;

static bool is_leaf(const json_t *set)
{
	return json_is_object(set) && json_object_size(set) == 0;
}

static size_t list_keys(walk *w, const json_t *arr, const char **keys, size_t max)
{
	size_t n, i;
	json_t *e;

	n = kd_smp_list_keys(keys, max, NULL, w->api_version, w->kind, kd_buf_cstr(&w->ptr));
	if (!n)
		return 0;
	json_array_foreach(arr, i, e)
		if (!json_is_object(e) || !json_object_get(e, keys[0]))
			return 0; /* not keyable: treat as atomic */
	return n;
}

/* "k:{...}" for a list element; defaults protocol like the server does. */
static char *element_token(const json_t *e, const char **keys, size_t n)
{
	json_t *k = json_object();
	char *s, *tok = NULL;
	size_t i;

	if (!k)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *v = json_object_get(e, keys[i]);
		if (!v && !strcmp(keys[i], "protocol"))
			json_object_set_new(k, keys[i], json_string("TCP"));
		else if (v)
			json_object_set(k, keys[i], v);
	}
	s = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(k);
	if (s) {
		tok = malloc(strlen(s) + 3);
		if (tok)
			sprintf(tok, "k:%s", s);
		free(s);
	}
	return tok;
}

static json_t *set_of(walk *w, const json_t *v);

static json_t *set_of_list(walk *w, const json_t *arr, const char **keys, size_t nk)
{
	json_t *set = json_object(), *e;
	size_t i, mark = w->ptr.len;

	json_array_foreach(arr, i, e) {
		char *tok = element_token(e, keys, nk), idx[32];
		json_t *child;

		if (!tok)
			continue;
		snprintf(idx, sizeof(idx), "%zu", i);
		kd_json_pointer_append(&w->ptr, idx);
		child = set_of(w, e);
		kd_buf_truncate(&w->ptr, mark);
		if (child)
			json_object_set_new(child, ".", json_object());
		json_object_set_new(set, tok, child ? child : json_object());
		free(tok);
	}
	return set;
}

/* The field set of a value: leaves for scalars and atomic lists. */
static json_t *set_of(walk *w, const json_t *v)
{
	json_t *set = json_object(), *child;
	const char *k;
	json_t *x;
	size_t mark = w->ptr.len;
	char tok[1024];

	if (!json_is_object(v) || !set)
		return set;
	json_object_foreach((json_t *)v, k, x) {
		const char *keys[4];
		size_t nk;

		snprintf(tok, sizeof(tok), "f:%s", k);
		kd_json_pointer_append(&w->ptr, k);
		if (json_is_object(x) && json_object_size(x)) {
			child = set_of(w, x);
		} else if (json_is_array(x) && json_array_size(x) && (nk = list_keys(w, x, keys, 4))) {
			child = set_of_list(w, x, keys, nk);
		} else {
			child = json_object();
		}
		kd_buf_truncate(&w->ptr, mark);
		json_object_set_new(set, tok, child);
	}
	return set;
}

/* The fields of an object that a manager can own, for one scope. */
static json_t *object_set(walk *w, const json_t *obj, bool status_scope)
{
	json_t *copy = json_object(), *set;
	const char *k;
	json_t *v;

	if (!copy)
		return NULL;
	json_object_foreach((json_t *)obj, k, v) {
		if (!strcmp(k, "apiVersion") || !strcmp(k, "kind"))
			continue;
		if (status_scope != !strcmp(k, "status"))
			continue;
		if (!strcmp(k, "metadata")) {
			json_t *m = json_object();
			const char *mk;
			json_t *mv;
			json_object_foreach(v, mk, mv)
				if (!strcmp(mk, "labels") || !strcmp(mk, "annotations") ||
				    !strcmp(mk, "finalizers") || !strcmp(mk, "ownerReferences"))
					json_object_set(m, mk, mv);
			if (json_object_size(m))
				json_object_set_new(copy, k, m);
			else
				json_decref(m);
			continue;
		}
		json_object_set(copy, k, v);
	}
	kd_buf_clear(&w->ptr);
	set = set_of(w, copy);
	json_decref(copy);
	return set;
}

/* Resolves one set token against a value ("f:x" member, "k:{..}" element). */
static json_t *resolve(const json_t *v, const char *tok)
{
	if (!v)
		return NULL;
	if (!strncmp(tok, "f:", 2))
		return json_is_object(v) ? json_object_get(v, tok + 2) : NULL;
	if (!strncmp(tok, "k:", 2) && json_is_array(v)) {
		json_t *key = json_loads(tok + 2, 0, NULL), *e, *kv;
		const char *kk;
		size_t i;
		json_t *found = NULL;

		json_array_foreach(v, i, e) {
			bool all = true;
			json_object_foreach(key, kk, kv) {
				json_t *ev = json_object_get(e, kk);
				if (!ev && !strcmp(kk, "protocol") && json_is_string(kv) &&
				    !strcmp(json_string_value(kv), "TCP"))
					continue;
				if (!ev || !json_equal(ev, kv)) {
					all = false;
					break;
				}
			}
			if (all) {
				found = e;
				break;
			}
		}
		json_decref(key);
		return found;
	}
	return NULL;
}

/* Leaves of `set` whose value differs between a and b go into out. */
static void changed_leaves(const json_t *set, const json_t *a, const json_t *b, json_t *out)
{
	const char *tok;
	json_t *child;

	json_object_foreach((json_t *)set, tok, child) {
		if (!strcmp(tok, ".")) {
			if (!a != !b)
				json_object_set_new(out, ".", json_object());
			continue;
		}
		json_t *ca = resolve(a, tok), *cb = resolve(b, tok);
		if (is_leaf(child)) {
			if (!(ca && cb && json_equal(ca, cb)) && (ca || cb))
				json_object_set_new(out, tok, json_object());
		} else {
			json_t *sub = json_object();
			changed_leaves(child, ca, cb, sub);
			if (json_object_size(sub))
				json_object_set(out, tok, sub);
			json_decref(sub);
		}
	}
}

static void set_union(json_t *dst, const json_t *src)
{
	const char *tok;
	json_t *child, *d;

	json_object_foreach((json_t *)src, tok, child) {
		d = json_object_get(dst, tok);
		if (!d) {
			json_object_set_new(dst, tok, json_deep_copy(child));
		} else {
			set_union(d, child);
		}
	}
}

/* Removes from dst every leaf present in src; prunes emptied branches. */
static void set_subtract(json_t *dst, const json_t *src)
{
	const char *tok;
	json_t *child, *d;
	void *tmp;

	json_object_foreach_safe((json_t *)src, tmp, tok, child) {
		d = json_object_get(dst, tok);
		if (!d)
			continue;
		if (is_leaf(child)) {
			if (is_leaf(d))
				json_object_del(dst, tok);
		} else {
			set_subtract(d, child);
			if (!json_object_size(d))
				json_object_del(dst, tok);
		}
	}
}

/* A leaf of a in b? */
static bool set_has(const json_t *set, const json_t *path)
{
	size_t i;
	json_t *tok;

	json_array_foreach(path, i, tok) {
		set = json_object_get(set, json_string_value(tok));
		if (!set)
			return false;
	}
	return is_leaf(set);
}

static void leaves(const json_t *set, json_t *prefix, json_t *out)
{
	const char *tok;
	json_t *child;

	json_object_foreach((json_t *)set, tok, child) {
		json_array_append_new(prefix, json_string(tok));
		if (is_leaf(child))
			json_array_append_new(out, json_deep_copy(prefix));
		else
			leaves(child, prefix, out);
		json_array_remove(prefix, json_array_size(prefix) - 1);
	}
}

/* ".spec.containers[name=\"x\"].image" from a token path. */
static void path_text(kd_buf *b, const json_t *path)
{
	size_t i;
	json_t *t;

	json_array_foreach(path, i, t) {
		const char *s = json_string_value(t);
		if (!strncmp(s, "f:", 2)) {
			kd_buf_printf(b, ".%s", s + 2);
		} else if (!strncmp(s, "k:", 2)) {
			json_t *key = json_loads(s + 2, 0, NULL), *v;
			const char *k;
			bool first = true;
			kd_buf_putc(b, '[');
			json_object_foreach(key, k, v) {
				char *vs = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
				kd_buf_printf(b, "%s%s=%s", first ? "" : ",", k, vs ? vs : "");
				free(vs);
				first = false;
			}
			kd_buf_putc(b, ']');
			json_decref(key);
		}
	}
}

static json_t *entry_new(const char *manager, const char *op, const char *av,
			 const char *sub, json_t *set)
{
	char ts[32];
	json_t *e;

	ks_now_rfc3339(ts);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "manager", manager, "operation", op,
		      "apiVersion", av, "time", ts, "fieldsType", "FieldsV1", "fieldsV1", set);
	if (e && sub)
		json_object_set_new(e, "subresource", json_string(sub));
	return e;
}

static bool entry_is(const json_t *e, const char *manager, const char *op, const char *sub)
{
	const char *es = json_string_value(json_object_get(e, "subresource"));

	const char *em = json_string_value(json_object_get(e, "manager"));
	const char *eo = json_string_value(json_object_get(e, "operation"));

	return !strcmp(em ? em : "", manager) && !strcmp(eo ? eo : "", op) &&
	       !strcmp(es ? es : "", sub ? sub : "");
}

static json_t *fields_of(json_t *e)
{
	json_t *f = json_object_get(e, "fieldsV1");

	if (!json_is_object(f)) {
		f = json_object();
		json_object_set_new(e, "fieldsV1", f);
	}
	return f;
}

static void drop_empty(json_t *mf)
{
	size_t i = 0;

	while (i < json_array_size(mf)) {
		if (!json_object_size(json_object_get(json_array_get(mf, i), "fieldsV1")))
			json_array_remove(mf, i);
		else
			i++;
	}
}

static json_t *managed_fields(json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata"), *mf;

	if (!meta) {
		meta = json_object();
		json_object_set_new(obj, "metadata", meta);
	}
	mf = json_object_get(meta, "managedFields");
	if (!json_is_array(mf)) {
		mf = json_array();
		json_object_set_new(meta, "managedFields", mf);
	}
	return mf;
}

int ks_managed_update(json_t *new_obj, const json_t *old_obj,
		      const char *manager, const char *subresource,
		      const char *api_version)
{
	walk w = {api_version, json_string_value(json_object_get(new_obj, "kind")), KD_BUF_INIT};
	bool status_scope = subresource && !strcmp(subresource, "status");
	json_t *sn = object_set(&w, new_obj, status_scope), *so = NULL;
	json_t *changed = json_object(), *removed = NULL, *mf, *e, *mine = NULL;
	const char *sub = subresource && strcmp(subresource, "scale") ? subresource : NULL;
	size_t i;
	int rc = KD_ENOMEM;

	if (subresource && !strcmp(subresource, "scale"))
		sub = "scale";
	if (!sn || !changed)
		goto cleanup;
	if (old_obj) {
		so = object_set(&w, old_obj, status_scope);
		if (!so)
			goto cleanup;
		changed_leaves(sn, old_obj, new_obj, changed);
		removed = json_deep_copy(so);
		set_subtract(removed, sn);
	} else {
		json_object_update(changed, sn);
	}
	mf = managed_fields(new_obj);
	json_array_foreach(mf, i, e) {
		if (entry_is(e, manager, "Update", sub))
			mine = e;
		else
			set_subtract(fields_of(e), changed);
		if (removed)
			set_subtract(fields_of(e), removed);
	}
	if (json_object_size(changed)) {
		if (!mine) {
			mine = entry_new(manager, "Update", api_version, sub, json_object());
			if (!mine)
				goto cleanup;
			json_array_append_new(mf, mine);
		} else {
			char ts[32];
			ks_now_rfc3339(ts);
			json_object_set_new(mine, "time", json_string(ts));
		}
		set_union(fields_of(mine), changed);
	}
	drop_empty(mf);
	rc = 0;
cleanup:
	kd_buf_free(&w.ptr);
	json_decref(sn);
	json_decref(so);
	json_decref(changed);
	json_decref(removed);
	return rc < 0 ? kd_error_set(rc, "out of memory recording managed fields") : 0;
}

/* Merges applied into live (both objects), keyed lists by their keys. */
static json_t *merge_applied(walk *w, const json_t *live, const json_t *applied)
{
	json_t *out, *x;
	const char *k;
	size_t mark = w->ptr.len;

	if (!json_is_object(applied) || !json_is_object(live))
		return json_deep_copy(applied);
	out = json_deep_copy(live);
	json_object_foreach((json_t *)applied, k, x) {
		json_t *lv = json_object_get(out, k), *m;
		const char *keys[4];
		size_t nk;

		kd_json_pointer_append(&w->ptr, k);
		if (json_is_object(x) && json_is_object(lv)) {
			m = merge_applied(w, lv, x);
		} else if (json_is_array(x) && json_is_array(lv) && (nk = list_keys(w, x, keys, 4)) &&
			   list_keys(w, lv, keys, 4)) {
			size_t i, mk = w->ptr.len;
			json_t *e;
			m = json_deep_copy(lv);
			json_array_foreach(x, i, e) {
				char *tok = element_token(e, keys, nk), idx[32];
				json_t *match = tok ? resolve(m, tok) : NULL;
				snprintf(idx, sizeof(idx), "%zu", i);
				kd_json_pointer_append(&w->ptr, idx);
				if (match) {
					json_t *merged = merge_applied(w, match, e);
					size_t j;
					json_t *cur;
					json_array_foreach(m, j, cur)
						if (cur == match) {
							json_array_set_new(m, j, merged);
							break;
						}
				} else {
					json_array_append(m, e);
				}
				kd_buf_truncate(&w->ptr, mk);
				free(tok);
			}
		} else {
			m = json_deep_copy(x);
		}
		kd_buf_truncate(&w->ptr, mark);
		json_object_set_new(out, k, m);
	}
	return out;
}

/* Removes the value at a token path from obj. */
static void remove_path(json_t *obj, const json_t *path)
{
	size_t n = json_array_size(path), i;
	json_t *parent = obj, *last = json_array_get(path, n - 1);
	const char *lt;

	if (!n)
		return;
	if (!strcmp(json_string_value(last), ".")) {
		/* the element itself: remove it from its list */
		json_t *list, *elem;
		if (n < 2)
			return;
		for (i = 0; i + 2 < n && parent; i++)
			parent = resolve(parent, json_string_value(json_array_get(path, i)));
		list = parent;
		elem = resolve(list, json_string_value(json_array_get(path, n - 2)));
		if (json_is_array(list) && elem)
			for (i = 0; i < json_array_size(list); i++)
				if (json_array_get(list, i) == elem) {
					json_array_remove(list, i);
					break;
				}
		return;
	}
	for (i = 0; i + 1 < n && parent; i++)
		parent = resolve(parent, json_string_value(json_array_get(path, i)));
	lt = json_string_value(last);
	if (json_is_object(parent) && !strncmp(lt, "f:", 2))
		json_object_del(parent, lt + 2);
}

int ks_managed_apply(json_t **out, json_t **causes, const json_t *live,
		     const json_t *applied, const char *manager, bool force,
		     const char *api_version)
{
	walk w = {api_version, json_string_value(json_object_get(applied, "kind")), KD_BUF_INIT};
	json_t *set = NULL, *changed = NULL, *result = NULL, *mf, *e, *mine = NULL;
	json_t *paths = NULL, *prefix = NULL, *p, *stale = NULL, *stale_paths = NULL;
	json_t *applied_copy = NULL;
	size_t i, j;
	int rc = KD_ENOMEM;

	*out = NULL;
	*causes = json_array();
	applied_copy = json_deep_copy(applied);
	if (!*causes || !applied_copy)
		goto cleanup;
	/* status is not applied through the main resource */
	json_object_del(applied_copy, "status");
	set = object_set(&w, applied_copy, false);
	changed = json_object();
	paths = json_array();
	prefix = json_array();
	if (!set || !changed || !paths || !prefix)
		goto cleanup;
	changed_leaves(set, live, applied_copy, changed);
	leaves(changed, prefix, paths);
	mf = json_object_get(json_object_get(live, "metadata"), "managedFields");
	json_array_foreach(paths, i, p) {
		json_array_foreach(mf, j, e) {
			const char *m = json_string_value(json_object_get(e, "manager"));
			if (entry_is(e, manager, "Apply", NULL))
				continue;
			if (set_has(json_object_get(e, "fieldsV1"), p)) {
				kd_buf field = KD_BUF_INIT, msg = KD_BUF_INIT;
				path_text(&field, p);
				kd_buf_printf(&msg, "conflict with \"%s\"", m ? m : "");
				if (json_string_value(json_object_get(e, "operation")) &&
				    !strcmp(json_string_value(json_object_get(e, "operation")), "Update"))
					kd_buf_printf(&msg, " using %s",
						      json_string_value(json_object_get(e, "apiVersion")) ?
						      json_string_value(json_object_get(e, "apiVersion")) : api_version);
				json_array_append_new(*causes, json_pack("{s:s, s:s, s:s}", "type",
					"FieldManagerConflict", "message", kd_buf_cstr(&msg), "field",
					kd_buf_cstr(&field)));
				kd_buf_free(&field);
				kd_buf_free(&msg);
			}
		}
	}
	if (json_array_size(*causes) && !force) {
		rc = KD_ECONFLICT;
		goto cleanup;
	}
	kd_buf_clear(&w.ptr);
	result = merge_applied(&w, live, applied_copy);
	if (!result)
		goto cleanup;
	mf = managed_fields(result);
	json_array_foreach(mf, i, e)
		if (entry_is(e, manager, "Apply", NULL))
			mine = e;
	/* Fields this manager applied before, no longer applies, and nobody
	 * else owns, are removed. */
	if (mine) {
		stale = json_deep_copy(fields_of(mine));
		set_subtract(stale, set);
		json_array_foreach(mf, i, e)
			if (e != mine)
				set_subtract(stale, fields_of(e));
		stale_paths = json_array();
		json_array_clear(prefix);
		leaves(stale, prefix, stale_paths);
		/* deepest first, so that elements go before their lists */
		for (i = json_array_size(stale_paths); i > 0; i--)
			remove_path(result, json_array_get(stale_paths, i - 1));
	}
	json_array_foreach(mf, i, e)
		if (e != mine)
			set_subtract(fields_of(e), changed);
	if (mine) {
		char ts[32];
		ks_now_rfc3339(ts);
		json_object_set(mine, "fieldsV1", set);
		json_object_set_new(mine, "time", json_string(ts));
		json_object_set_new(mine, "apiVersion", json_string(api_version));
	} else {
		json_array_append_new(mf, entry_new(manager, "Apply", api_version, NULL, json_incref(set)));
	}
	drop_empty(mf);
	*out = result;
	result = NULL;
	rc = 0;
cleanup:
	kd_buf_free(&w.ptr);
	json_decref(set);
	json_decref(changed);
	json_decref(result);
	json_decref(paths);
	json_decref(prefix);
	json_decref(stale);
	json_decref(stale_paths);
	json_decref(applied_copy);
	if (rc == KD_ENOMEM)
		kd_error_set(rc, "out of memory during apply");
	else if (rc == KD_ECONFLICT)
		kd_error_set(rc, "apply conflicts");
	return rc;
}
