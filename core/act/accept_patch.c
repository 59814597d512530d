/*
 * accept_patch — what goes into Git when drift is accepted: the patch of
 * live values (with the merge keys that steer a strategic merge to the
 * right list element), its merge with an earlier accepted patch, and an
 * extra object cleaned of what the server owns.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "act/act.h"
#include "base/base.h"
#include "data/data.h"

/* Besides what the server owns (kd_server_metadata): owner references
 * name their owners by uid, which only this cluster knows. */
static bool not_for_git(const char *field)
{
	return field && (kd_server_metadata_has(field) || strcmp(field, "ownerReferences") == 0);
}

int kd_accept_file_name(char **out, const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *kind = kd_json_str(obj, "kind");
	const char *name = kd_json_str(meta, "name");
	const char *ns = kd_json_str(meta, "namespace");
	kd_buf b = KD_BUF_INIT;
	size_t i;

	*out = NULL;
	if (!kind || !name || !kind[0] || !name[0])
		return kd_error_set(KD_EINVAL, "the object has no kind or metadata.name");
	if (kd_buf_printf(&b, "%s-", kind) < 0 ||
	    (ns && ns[0] && kd_buf_printf(&b, "%s-", ns) < 0) ||
	    kd_buf_printf(&b, "%s", name) < 0) {
		kd_buf_free(&b);
		return KD_ENOMEM;
	}
	for (i = 0; i < b.len; i++) {
		char c = (char)tolower((unsigned char)b.data[i]);

		b.data[i] = (isalnum((unsigned char)c) || c == '.' || c == '-') ? c : '-';
	}
	if (b.data[0] == '.')
		b.data[0] = '-';
	if (kd_buf_puts(&b, ".yaml") < 0) {
		kd_buf_free(&b);
		return KD_ENOMEM;
	}
	*out = kd_buf_detach(&b);
	return 0;
}

/* Fields that Git must not own, or that identify the object. */
static int check_field(const json_t *obj, const json_t *tokens, const char *pointer)
{
	const char *t0 = json_string_value(json_array_get(tokens, 0));
	const char *t1 = json_string_value(json_array_get(tokens, 1));

	if (!t0)
		return kd_error_set(KD_EINVAL, "accept whole objects as missing or extra, not as the field \"%s\"", pointer);
	if (strcmp(t0, "apiVersion") == 0 || strcmp(t0, "kind") == 0 ||
	    (strcmp(t0, "metadata") == 0 &&
	     (!t1 || strcmp(t1, "name") == 0 || strcmp(t1, "namespace") == 0)))
		return kd_error_set(KD_EINVAL, "%s identifies the object and cannot be accepted as a field", pointer);
	if (strcmp(t0, "status") == 0)
		return kd_error_set(KD_EINVAL, "%s is written by controllers, never by Git: nothing to accept", pointer);
	if (strcmp(t0, "metadata") == 0 && not_for_git(t1))
		return kd_error_set(KD_EINVAL, "%s is owned by the API server and cannot be written to Git", pointer);
	if (kd_diff_is_secret(obj) &&
	    (strcmp(t0, "data") == 0 || strcmp(t0, "stringData") == 0))
		return kd_error_set(KD_EINVAL, "%s: Secret values are never written to Git; keep the value in your secret manager (Sealed Secrets, SOPS, External Secrets) and accept the Secret's other fields only",
				    pointer);
	return 0;
}

/* True when elements x and y agree on the keys x carries. */
static bool same_keys(const json_t *x, const json_t *y, const char *const *keys,
		      size_t nkeys)
{
	size_t k;

	for (k = 0; k < nkeys; k++) {
		const json_t *a = json_object_get(x, keys[k]);
		const json_t *b = json_object_get(y, keys[k]);

		if ((a || b) && (!a || !b || !kd_json_equal(a, b)))
			return false;
	}
	return true;
}

static json_t *find_keyed(const json_t *list, const json_t *elem,
			  const char *const *keys, size_t nkeys)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (json_is_object(e) && same_keys(elem, e, keys, nkeys))
			return e;
	return NULL;
}

static int name_key(kd_buf *name, const json_t *elem, const char *key)
{
	const json_t *v = json_object_get(elem, key);

	if (json_is_string(v))
		return kd_buf_printf(name, "[%s]", json_string_value(v));
	if (json_is_integer(v))
		return kd_buf_printf(name, "[%lld]", (long long)json_integer_value(v));
	return kd_buf_puts(name, "[]");
}

typedef struct walk {
	const char *api, *kind;
	const char *pointer;
	kd_buf prefix;   /* the pointer walked so far */
	kd_buf name;     /* the field as people read it */
} walk;

#define OOM() kd_error_set(KD_ENOMEM, "out of memory")

static int add_field(json_t *patch, walk *w, const json_t *desired,
		     const json_t *live)
{
	json_t *tokens = NULL, *lv;
	json_t *node_p = patch;
	const json_t *node_s, *node_l = live;
	bool removed = kd_json_pointer_get(&lv, live, w->pointer) != 0;
	size_t i, n;
	int rc = 0;

	if ((rc = kd_json_pointer_split(&tokens, w->pointer)) < 0)
		return rc;
	if ((rc = check_field(live ? live : desired, tokens, w->pointer)) < 0)
		goto cleanup;
	if (removed && (!desired || kd_json_pointer_get(&lv, desired, w->pointer) != 0)) {
		rc = kd_error_set(KD_ENOTFOUND, "field %s is neither in the live nor in the desired object", w->pointer);
		goto cleanup;
	}
	node_s = removed ? desired : live;
	n = json_array_size(tokens);
	for (i = 0; i < n; i++) {
		const char *tok = json_string_value(json_array_get(tokens, i));
		const json_t *child_s, *child_l;

		if (!json_is_object(node_s)) {
			rc = kd_error_set(KD_EINVAL, "%s: not a field of an object", w->pointer);
			goto cleanup;
		}
		child_s = json_object_get(node_s, tok);
		child_l = json_is_object(node_l) ? json_object_get(node_l, tok) : NULL;
		if (kd_buf_printf(&w->name, "%s%s", w->name.len ? "." : "", tok) < 0 ||
		    kd_json_pointer_append(&w->prefix, tok) < 0) {
			rc = OOM();
			goto cleanup;
		}
		if (i + 1 == n) {
			json_t *v = removed ? json_null() : json_deep_copy(child_l);

			if (!v || json_object_set_new(node_p, tok, v) < 0)
				rc = OOM();
			goto cleanup;
		}
		if (json_is_array(child_s)) {
			const char *keys[KD_MERGEKEYS_MAX];
			bool prim = false;
			size_t nk = kd_smp_list_keys(keys, KD_MERGEKEYS_MAX, &prim,
						     w->api, w->kind,
						     kd_buf_cstr(&w->prefix));
			const char *itok = json_string_value(json_array_get(tokens, i + 1));
			size_t idx;
			const json_t *elem_s;
			json_t *plist, *pe;

			if ((rc = kd_json_pointer_index(&idx, itok, json_array_size(child_s),
							false, w->pointer)) < 0)
				goto cleanup;
			elem_s = json_array_get(child_s, idx);
			if (nk == 0 || prim || !json_is_object(elem_s) ||
			    !json_object_get(elem_s, keys[0])) {
				/* A list merged as a whole: the whole live list. */
				json_t *v = child_l ? json_deep_copy(child_l) : json_null();

				if (!v || json_object_set_new(node_p, tok, v) < 0)
					rc = OOM();
				goto cleanup;
			}
			plist = json_object_get(node_p, tok);
			if (!json_is_array(plist)) {
				plist = json_array();
				if (!plist || json_object_set_new(node_p, tok, plist) < 0) {
					rc = OOM();
					goto cleanup;
				}
			}
			pe = find_keyed(plist, elem_s, keys, nk);
			if (!pe) {
				size_t k;

				pe = json_object();
				if (!pe || json_array_append_new(plist, pe) < 0) {
					rc = OOM();
					goto cleanup;
				}
				for (k = 0; k < nk; k++) {
					json_t *kv = json_object_get(elem_s, keys[k]);

					if (kv && json_object_set_new(pe, keys[k], json_deep_copy(kv)) < 0) {
						rc = OOM();
						goto cleanup;
					}
				}
			}
			if (name_key(&w->name, elem_s, keys[0]) < 0 ||
			    kd_json_pointer_append(&w->prefix, itok) < 0) {
				rc = OOM();
				goto cleanup;
			}
			if (i + 2 == n) {
				/* The whole element: live's copy, or its keys and a
				 * delete directive when it was removed. */
				json_t *v = json_object();
				size_t kk;

				if (!v) {
					rc = OOM();
					goto cleanup;
				}
				if (removed) {
					for (kk = 0; kk < nk; kk++) {
						json_t *kv = json_object_get(elem_s, keys[kk]);

						if (kv && json_object_set_new(v, keys[kk], json_deep_copy(kv)) < 0)
							rc = OOM();
					}
					if (json_object_set_new(v, "$patch", json_string("delete")) < 0)
						rc = OOM();
				} else if (json_object_update(v, (json_t *)elem_s) < 0) {
					rc = OOM();
				}
				json_object_clear(pe);
				if (rc == 0) {
					json_t *copy = json_deep_copy(v);

					if (!copy || json_object_update(pe, copy) < 0)
						rc = OOM();
					json_decref(copy);
				}
				json_decref(v);
				goto cleanup;
			}
			node_p = pe;
			node_l = removed ? find_keyed(child_l, elem_s, keys, nk) : elem_s;
			node_s = elem_s;
			i++;
			continue;
		}
		if (json_is_object(child_s)) {
			json_t *pc = json_object_get(node_p, tok);

			if (!json_is_object(pc)) {
				pc = json_object();
				if (!pc || json_object_set_new(node_p, tok, pc) < 0) {
					rc = OOM();
					goto cleanup;
				}
			}
			node_p = pc;
			node_s = child_s;
			node_l = child_l;
			continue;
		}
		rc = kd_error_set(KD_EINVAL, "%s: %s is not an object or a list",
				  w->pointer, kd_buf_cstr(&w->prefix));
		goto cleanup;
	}
cleanup:
	json_decref(tokens);
	return rc;
}

/* apiVersion, kind and metadata.name/namespace of obj. */
static int patch_head(json_t **out, const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *ns = kd_json_str(meta, "namespace");
	json_t *p = json_pack("{s:s?, s:s?, s:{s:s?}}",
			      "apiVersion", kd_json_str(obj, "apiVersion"),
			      "kind", kd_json_str(obj, "kind"),
			      "metadata", "name", kd_json_str(meta, "name"));

	*out = p;
	if (!p)
		return OOM();
	if (ns && ns[0] &&
	    json_object_set_new(json_object_get(p, "metadata"), "namespace",
				json_string(ns)) < 0)
		return OOM();
	return 0;
}

int kd_accept_build_patch(json_t **out, json_t **names, const json_t *desired,
			  const json_t *live, const char *const *fields,
			  size_t nfields)
{
	json_t *patch = NULL, *nm = NULL;
	walk w;
	size_t i;
	int rc;

	*out = NULL;
	if (names)
		*names = NULL;
	memset(&w, 0, sizeof(w));
	if (!json_is_object(live))
		return kd_error_set(KD_EINVAL, "accepting fields needs the live object");
	if (nfields == 0)
		return kd_error_set(KD_EINVAL, "no fields to accept");
	w.api = kd_json_str(live, "apiVersion");
	w.kind = kd_json_str(live, "kind");
	if ((rc = patch_head(&patch, live)) < 0)
		goto cleanup;
	if (!(nm = json_array())) {
		rc = OOM();
		goto cleanup;
	}
	for (i = 0; i < nfields; i++) {
		kd_buf_clear(&w.prefix);
		kd_buf_clear(&w.name);
		w.pointer = fields[i];
		if ((rc = add_field(patch, &w, desired, live)) < 0)
			goto cleanup;
		if (json_array_append_new(nm, json_string(kd_buf_cstr(&w.name))) < 0) {
			rc = OOM();
			goto cleanup;
		}
	}
	*out = patch;
	patch = NULL;
	if (names) {
		*names = nm;
		nm = NULL;
	}
cleanup:
	kd_buf_free(&w.prefix);
	kd_buf_free(&w.name);
	json_decref(patch);
	json_decref(nm);
	return rc;
}

static int merge_into(json_t *dst, const json_t *add, kd_buf *ptr,
		      const char *api, const char *kind)
{
	const char *k;
	json_t *av;
	size_t mark = ptr->len;
	int rc = 0;

	json_object_foreach((json_t *)add, k, av) {
		json_t *dv = json_object_get(dst, k);

		kd_buf_truncate(ptr, mark);
		if (kd_json_pointer_append(ptr, k) < 0)
			return OOM();
		if (json_is_object(dv) && json_is_object(av) &&
		    !json_object_get(dv, "$patch") && !json_object_get(av, "$patch")) {
			if ((rc = merge_into(dv, av, ptr, api, kind)) < 0)
				return rc;
			continue;
		}
		if (json_is_array(dv) && json_is_array(av)) {
			const char *keys[KD_MERGEKEYS_MAX];
			bool prim = false;
			size_t nk = kd_smp_list_keys(keys, KD_MERGEKEYS_MAX, &prim, api,
						     kind, kd_buf_cstr(ptr));
			size_t i;
			json_t *ae;

			if (nk > 0 && !prim) {
				size_t lmark = ptr->len;

				json_array_foreach(av, i, ae) {
					json_t *de = json_is_object(ae) ? find_keyed(dv, ae, keys, nk) : NULL;

					kd_buf_truncate(ptr, lmark);
					if (kd_buf_puts(ptr, "/0") < 0)
						return OOM();
					if (de && !json_object_get(de, "$patch") &&
					    !json_object_get(ae, "$patch")) {
						if ((rc = merge_into(de, ae, ptr, api, kind)) < 0)
							return rc;
					} else if (de) {
						json_t *c = json_deep_copy(ae);

						json_object_clear(de);
						if (!c || json_object_update(de, c) < 0) {
							json_decref(c);
							return OOM();
						}
						json_decref(c);
					} else if (json_array_append_new(dv, json_deep_copy(ae)) < 0) {
						return OOM();
					}
				}
				continue;
			}
		}
		if (json_object_set_new(dst, k, json_deep_copy(av)) < 0)
			return OOM();
	}
	kd_buf_truncate(ptr, mark);
	return rc;
}

int kd_accept_merge_patch(json_t **out, const json_t *base, const json_t *add)
{
	kd_buf ptr = KD_BUF_INIT;
	json_t *res;
	int rc;

	*out = NULL;
	if (!json_is_object(base) || json_object_get(base, "$patch") ||
	    json_object_get(add, "$patch"))
		res = json_deep_copy(add);
	else
		res = json_deep_copy(base);
	if (!res)
		return OOM();
	if (res != NULL && json_is_object(base) && !json_object_get(base, "$patch") &&
	    !json_object_get(add, "$patch")) {
		rc = merge_into(res, add, &ptr, kd_json_str(add, "apiVersion"),
				kd_json_str(add, "kind"));
		kd_buf_free(&ptr);
		if (rc < 0) {
			json_decref(res);
			return rc;
		}
	}
	*out = res;
	return 0;
}

int kd_accept_clean_resource(json_t **out, const json_t *live)
{
	json_t *obj, *meta, *ann, *spec;
	size_t i;

	*out = NULL;
	if (!json_is_object(live))
		return kd_error_set(KD_EINVAL, "the live object is not an object");
	if (kd_diff_is_secret(live))
		return kd_error_set(KD_EINVAL, "Secret %s: an extra Secret cannot be accepted into Git, it would write its values; keep it in your secret manager (Sealed Secrets, SOPS, External Secrets)",
				    kd_json_str(json_object_get(live, "metadata"), "name") ?
				    kd_json_str(json_object_get(live, "metadata"), "name") : "?");
	if (!(obj = json_deep_copy(live)))
		return OOM();
	json_object_del(obj, "status");
	kd_server_metadata_strip(obj);
	meta = json_object_get(obj, "metadata");
	json_object_del(meta, "ownerReferences");
	ann = json_object_get(meta, "annotations");
	for (i = 0; kd_diff_server_annotations[i]; i++)
		json_object_del(ann, kd_diff_server_annotations[i]);
	if (json_is_object(ann) && json_object_size(ann) == 0)
		json_object_del(meta, "annotations");
	spec = json_object_get(obj, "spec");
	if (json_is_object(spec) && strcmp(kd_json_str(obj, "kind") ? kd_json_str(obj, "kind") : "", "Service") == 0) {
		/* Assigned by the cluster: another cluster would refuse them. */
		json_object_del(spec, "clusterIP");
		json_object_del(spec, "clusterIPs");
	}
	*out = obj;
	return 0;
}
