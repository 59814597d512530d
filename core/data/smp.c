/*
 * smp — strategic merge patch (see data.h).
 *
 * The schema (smp_schema.c) says which lists of the built-in kinds merge
 * by key; any other field merges maps and replaces lists, which is also how
 * custom resources behave.
 *
 * Merging works on a private deep copy of the target, in place, so a failure
 * never leaves a half-patched object visible to the caller.
 */
#include "data/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data_priv.h"

typedef struct smp_ctx {
	kd_smp_mode mode;
	const json_t *order;  /* server: $setElementOrder of the list being merged */
} smp_ctx;

static int merge_map(json_t **out, json_t *dest, const json_t *patch,
		     const smp_type *type, const smp_ctx *ctx);
static int merge_list(json_t **out, json_t *dest, const json_t *patch,
		      const smp_field *field, const smp_ctx *ctx);

/* The text of a scalar as YAML would spell it, for key comparisons.  Maps,
 * lists, null and "" all read as empty, as kustomize treats them. */
static void scalar_text(char *buf, size_t size, const json_t *v)
{
	buf[0] = '\0';
	if (!v)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, size, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, size, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, size, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, size, "false");
		break;
	default:
		break;
	}
}

/* A value that may merge or be added: a scalar, map or list.  Takes
 * ownership of dest (NULL when absent). */
static int merge_any(json_t **out, json_t *dest, const json_t *patch,
		     const smp_type *type, const smp_field *field,
		     const smp_ctx *ctx)
{
	if (json_is_object(patch) && json_is_object(dest))
		return merge_map(out, dest, patch, type, ctx);
	if (json_is_array(patch) && json_is_array(dest))
		return merge_list(out, dest, patch, field, ctx);
	json_decref(dest);
	if (json_is_object(patch))
		return merge_map(out, NULL, patch, type, ctx);
	if (json_is_array(patch))
		return merge_list(out, NULL, patch, field, ctx);
	*out = json_deep_copy(patch);
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

static const char *directive(const json_t *obj)
{
	return json_is_object(obj) ? json_string_value(json_object_get(obj, "$patch")) : NULL;
}

/* ---- lists ------------------------------------------------------------ */

#define KEYTEXT 256

typedef struct elem_key {
	char v[2][KEYTEXT];
	size_t n;       /* number of keys of the list */
} elem_key;

static void key_of(elem_key *k, const json_t *elem, const smp_field *f,
		   size_t nkeys)
{
	size_t i;

	k->n = nkeys;
	for (i = 0; i < nkeys; i++)
		scalar_text(k->v[i], KEYTEXT,
			    json_is_object(elem) ? json_object_get(elem, f->keys[i]) : NULL);
}

static bool key_equal(const elem_key *a, const elem_key *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool key_full(const elem_key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!k->v[i][0])
			return false;
	return true;
}

static bool key_empty(const elem_key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->v[i][0])
			return false;
	return true;
}

/* Does elem match the non-empty parts of k (all parts when all are empty)? */
static bool key_matches(const elem_key *k, const json_t *elem,
			const smp_field *f)
{
	elem_key e;
	size_t i;

	if (!json_is_object(elem))
		return false;
	key_of(&e, elem, f, k->n);
	if (key_empty(k))
		return key_equal(k, &e);
	for (i = 0; i < k->n; i++)
		if (k->v[i][0] && strcmp(k->v[i], e.v[i]) != 0)
			return false;
	return true;
}

static bool is_empty_map(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 0;
}

/* Copies the patch's elements that are not `$patch` directives, each merged
 * onto nothing (so nested directives and nulls are resolved). */
static int list_from_patch(json_t **out, const json_t *patch,
			   const smp_field *f, const smp_ctx *ctx)
{
	json_t *res = json_array();
	json_t *v = NULL;
	size_t i;
	int rc;

	if (!res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *pe = json_array_get(patch, i);
		const char *d = directive(pe);

		if (d && (strcmp(d, "replace") == 0 || strcmp(d, "delete") == 0))
			continue;
		rc = merge_any(&v, NULL, pe, f ? f->type : NULL, NULL, ctx);
		if (rc < 0)
			goto fail;
		if (v && json_array_append_new(res, v) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto fail;
		}
	}
	*out = res;
	return 0;
fail:
	json_decref(res);
	return rc;
}

static bool has_replace_element(const json_t *patch)
{
	size_t i;

	for (i = 0; i < json_array_size(patch); i++) {
		const char *d = directive(json_array_get(patch, i));

		if (d && strcmp(d, "replace") == 0)
			return true;
	}
	return false;
}

/* Removes every element of list matching k. */
static void remove_matching(json_t *list, const elem_key *k, const smp_field *f)
{
	size_t i = 0;

	while (i < json_array_size(list)) {
		if (key_matches(k, json_array_get(list, i), f))
			json_array_remove(list, i);
		else
			i++;
	}
}

static json_t *first_matching(const json_t *list, const elem_key *k,
			      const smp_field *f)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (key_matches(k, json_array_get(list, i), f))
			return json_array_get(list, i);
	return NULL;
}

/* Writes the key fields a merged element must carry. */
static int set_keys(json_t *val, const elem_key *k, const smp_field *f,
		    const json_t *from)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (!k->v[i][0] || json_object_get(val, f->keys[i]))
			continue;
		if (json_object_set(val, f->keys[i],
				    json_object_get(from, f->keys[i])) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * kustomize's order for a keyed list: every distinct key, patch elements
 * first, then the originals not named by the patch; each merged.
 */
static int keyed_patch_first(json_t **out, json_t *dest, const json_t *patch,
			     const smp_field *f, size_t nkeys,
			     const smp_ctx *ctx)
{
	json_t *items = json_array();
	elem_key *seen = NULL;
	size_t nseen = 0, total, i, j;
	int rc = 0;

	total = json_array_size(patch) + json_array_size(dest);
	seen = calloc(total ? total : 1, sizeof(*seen));
	if (!items || !seen) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < total; i++) {
		const json_t *src = i < json_array_size(patch)
			? json_array_get(patch, i)
			: json_array_get(dest, i - json_array_size(patch));
		elem_key k;
		json_t *de, *pe, *val = NULL;
		const char *d;
		bool dup = false;

		if (!json_is_object(src))
			continue;
		key_of(&k, src, f, nkeys);
		for (j = 0; j < nseen && !dup; j++)
			dup = key_equal(&seen[j], &k);
		if (dup)
			continue;
		seen[nseen++] = k;

		de = first_matching(dest, &k, f);
		pe = first_matching(patch, &k, f);
		d = directive(pe);
		if (d && strcmp(d, "delete") == 0) {
			remove_matching(dest, &k, f);
			continue;
		}
		if (pe) {
			json_t *base = de ? json_deep_copy(de) : NULL;

			if (de && !base) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			rc = merge_map(&val, base, pe, f->type, ctx);
			if (rc < 0)
				goto cleanup;
		} else {
			val = json_incref(de);
		}
		if (!val || is_empty_map(val)) {
			json_decref(val);
			remove_matching(dest, &k, f);
			continue;
		}
		rc = set_keys(val, &k, f, src);
		if (rc < 0) {
			json_decref(val);
			goto cleanup;
		}
		/* Replace every element of items with the same key, or append. */
		{
			bool found = false;

			for (j = 0; j < json_array_size(items); j++) {
				if (key_matches(&k, json_array_get(items, j), f)) {
					json_array_set(items, j, val);
					found = true;
				}
			}
			if (!found && json_array_append(items, val) < 0) {
				json_decref(val);
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			json_decref(val);
		}
	}
	/* Originals without any key keep their place after the keyed ones. */
	for (i = 0; i < json_array_size(dest); i++) {
		json_t *e = json_array_get(dest, i);
		elem_key k;

		if (!json_is_object(e))
			continue;
		key_of(&k, e, f, nkeys);
		if (key_empty(&k) && !first_matching(items, &k, f) &&
		    json_object_size(e) > 0 && json_array_append(items, e) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	*out = items;
	items = NULL;
cleanup:
	json_decref(items);
	free(seen);
	return rc;
}

/*
 * kustomize's order for a list keyed by several fields where some element
 * names all of them (ports by containerPort and protocol): new elements
 * first, then the originals in place.  A patch element merges only into an
 * original whose keys are all equal; one that shares only the first key
 * with an original is dropped, as kustomize drops it.
 */
static int keyed_multi(json_t **out, json_t *dest, const json_t *patch,
		       const smp_field *f, const smp_ctx *ctx)
{
	json_t *fresh = json_array();
	size_t i, j;
	int rc = 0;

	if (!fresh)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *pe = json_array_get(patch, i);
		const char *d = directive(pe);
		elem_key k, first, dk;
		size_t hit = (size_t)-1;
		json_t *val = NULL;

		if (!json_is_object(pe))
			continue;
		key_of(&k, pe, f, 2);
		first = k;
		first.n = 1;
		/* an original with exactly these keys, else one sharing the first */
		for (j = 0; j < json_array_size(dest) && hit == (size_t)-1; j++) {
			key_of(&dk, json_array_get(dest, j), f, 2);
			if (json_is_object(json_array_get(dest, j)) && key_equal(&dk, &k))
				hit = j;
		}
		for (j = 0; j < json_array_size(dest) && hit == (size_t)-1; j++)
			if (key_matches(&first, json_array_get(dest, j), f))
				hit = j;
		if (hit == (size_t)-1) {
			if (d && strcmp(d, "delete") == 0)
				continue;
			rc = merge_map(&val, NULL, pe, f->type, ctx);
			if (rc < 0)
				goto cleanup;
			if (val && json_array_append_new(fresh, val) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			continue;
		}
		key_of(&dk, json_array_get(dest, hit), f, 2);
		if (!key_equal(&dk, &k))
			continue;
		if (d && strcmp(d, "delete") == 0) {
			json_array_remove(dest, hit);
			continue;
		}
		rc = merge_map(&val, json_incref(json_array_get(dest, hit)), pe,
			       f->type, ctx);
		if (rc < 0)
			goto cleanup;
		if (val)
			json_array_set_new(dest, hit, val);
		else
			json_array_remove(dest, hit);
	}
	if (json_array_extend(fresh, dest) < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	*out = fresh;
	fresh = NULL;
cleanup:
	json_decref(fresh);
	return rc;
}

/* The API server's order: originals in place, new elements appended. */
static int keyed_server(json_t **out, json_t *dest, const json_t *patch,
			const smp_field *f, const smp_ctx *ctx)
{
	size_t i, j;
	int rc;

	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *pe = json_array_get(patch, i);
		const char *d = directive(pe);
		elem_key k;
		json_t *val = NULL;
		size_t hit = (size_t)-1;

		if (!json_is_object(pe)) {
			if (json_array_append_new(dest, json_deep_copy(pe)) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
			continue;
		}
		key_of(&k, pe, f, 1);
		for (j = 0; j < json_array_size(dest) && hit == (size_t)-1; j++)
			if (key_matches(&k, json_array_get(dest, j), f))
				hit = j;
		if (d && strcmp(d, "delete") == 0) {
			remove_matching(dest, &k, f);
			continue;
		}
		rc = merge_map(&val, hit == (size_t)-1 ? NULL
				     : json_incref(json_array_get(dest, hit)),
			       pe, f->type, ctx);
		if (rc < 0)
			return rc;
		if (!val)
			continue;
		if (hit == (size_t)-1)
			rc = json_array_append_new(dest, val);
		else
			rc = json_array_set_new(dest, hit, val);
		if (rc < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	*out = json_incref(dest);
	return 0;
}

static bool array_has_scalar(const json_t *list, const json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), (json_t *)v))
			return true;
	return false;
}

static int merge_primitive(json_t **out, json_t *dest, const json_t *patch,
			   const smp_ctx *ctx)
{
	json_t *res = json_array();
	const json_t *first = ctx->mode == KD_SMP_KUSTOMIZE ? patch : dest;
	const json_t *second = ctx->mode == KD_SMP_KUSTOMIZE ? dest : patch;
	size_t i;

	if (!res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < json_array_size(first) + json_array_size(second); i++) {
		json_t *v = i < json_array_size(first)
			? json_array_get(first, i)
			: json_array_get(second, i - json_array_size(first));

		if (json_is_null(v) || array_has_scalar(res, v))
			continue;
		if (json_array_append(res, v) < 0) {
			json_decref(res);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	*out = res;
	return 0;
}

static bool same_element(const json_t *a, const json_t *b, const smp_field *f)
{
	if (f && (f->list == L_KEYED || f->list == L_KEYED_SERVER)) {
		elem_key ka, kb;

		if (!json_is_object(a) || !json_is_object(b))
			return false;
		key_of(&ka, a, f, 1);
		key_of(&kb, b, f, 1);
		return key_equal(&ka, &kb);
	}
	return json_equal((json_t *)a, (json_t *)b);
}

static long server_index(const json_t *server, const json_t *v, const smp_field *f)
{
	size_t i;

	for (i = 0; i < json_array_size(server); i++)
		if (same_element(json_array_get(server, i), v, f))
			return (long)i;
	return -1;
}

/*
 * The API server's order for a merged list: the elements the patch names
 * (in $setElementOrder's order, else the patch's) interleaved with those
 * only the server had (in their order): a patch element goes first unless
 * both were on the server and it came later there.
 */
static int server_order(json_t **out, const json_t *merged, const json_t *order,
			const json_t *server, const smp_field *f)
{
	size_t n = json_array_size(merged), i, j, li = 0, ri = 0;
	json_t *left = json_array(), *right = json_array(), *res = json_array();
	bool *taken = calloc(n ? n : 1, sizeof(*taken));
	int rc = 0;

	*out = NULL;
	if (!left || !right || !res || !taken) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < json_array_size(order); i++) {
		const json_t *o = json_array_get(order, i);

		if (directive(o))
			continue;
		for (j = 0; j < n; j++) {
			if (!taken[j] && same_element(json_array_get(merged, j), o, f)) {
				taken[j] = true;
				if (json_array_append(left, json_array_get(merged, j)) < 0) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					goto cleanup;
				}
				break;
			}
		}
	}
	for (j = 0; j < n; j++)
		if (!taken[j] && json_array_append(right, json_array_get(merged, j)) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	while (li < json_array_size(left) || ri < json_array_size(right)) {
		json_t *l = json_array_get(left, li), *r = json_array_get(right, ri);
		bool take_left;

		if (!l) {
			take_left = false;
		} else if (!r) {
			take_left = true;
		} else {
			long il = server_index(server, l, f), ir = server_index(server, r, f);

			take_left = il < 0 || ir < 0 || il < ir;
		}
		if (json_array_append(res, take_left ? l : r) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (take_left)
			li++;
		else
			ri++;
	}
	*out = res;
	res = NULL;
cleanup:
	json_decref(left);
	json_decref(right);
	json_decref(res);
	free(taken);
	return rc;
}

/* Takes ownership of dest (NULL when absent). */
static int merge_list(json_t **out, json_t *dest, const json_t *patch,
		      const smp_field *field, const smp_ctx *ctx)
{
	smp_ctx inner = { ctx->mode, NULL };  /* the order is this list's only */
	smp_field as_keyed;
	json_t *work = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (field && field->list == L_KEYED_SERVER) {
		/* keyed for the server; kustomize replaces it */
		as_keyed = *field;
		as_keyed.list = ctx->mode == KD_SMP_SERVER ? L_KEYED : L_REPLACE;
		field = &as_keyed;
	}
	if (!field || field->list == L_REPLACE || !dest ||
	    has_replace_element(patch)) {
		json_decref(dest);
		if (!field || field->list == L_REPLACE) {
			*out = json_deep_copy(patch);
			return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
		}
		if (field->list == L_PRIMITIVE) {
			*out = json_deep_copy(patch);
			return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
		}
		return list_from_patch(out, patch, field, &inner);
	}
	if (field->list == L_PRIMITIVE) {
		json_t *merged = NULL;

		rc = merge_primitive(&merged, dest, patch, ctx);
		if (rc == 0 && ctx->mode == KD_SMP_SERVER)
			rc = server_order(out, merged, ctx->order ? ctx->order : patch,
					  dest, field);
		else if (rc == 0)
			*out = json_incref(merged);
		json_decref(merged);
		json_decref(dest);
		return rc;
	}
	/* Keyed: work on a private copy of the original list. */
	work = json_deep_copy(dest);
	if (!work) {
		json_decref(dest);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if (ctx->mode == KD_SMP_SERVER) {
		json_t *merged = NULL;

		rc = keyed_server(&merged, work, patch, field, &inner);
		if (rc == 0)
			rc = server_order(out, merged, ctx->order ? ctx->order : patch,
					  dest, field);
		json_decref(merged);
	} else {
		bool full = false;

		if (field->nkeys > 1) {
			for (i = 0; i < json_array_size(patch) + json_array_size(work) && !full; i++) {
				const json_t *e = i < json_array_size(patch)
					? json_array_get(patch, i)
					: json_array_get(work, i - json_array_size(patch));
				elem_key k;

				if (!json_is_object(e))
					continue;
				key_of(&k, e, field, field->nkeys);
				full = key_full(&k);
			}
		}
		if (full)
			rc = keyed_multi(out, work, patch, field, &inner);
		else
			rc = keyed_patch_first(out, work, patch, field,
					       field->nkeys, &inner);
	}
	json_decref(work);
	json_decref(dest);
	return rc;
}

/* ---- maps ------------------------------------------------------------- */

static int apply_delete_from_primitive(json_t *dest, const char *name,
				       const json_t *values)
{
	json_t *list = json_object_get(dest, name);
	size_t i = 0;

	if (!json_is_array(list))
		return 0;
	while (i < json_array_size(list)) {
		if (array_has_scalar(values, json_array_get(list, i)))
			json_array_remove(list, i);
		else
			i++;
	}
	return 0;
}

static int apply_retain_keys(json_t *dest, const json_t *keep)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(dest, tmp, key, v) {
		bool kept = false;
		size_t i;

		for (i = 0; i < json_array_size(keep) && !kept; i++)
			kept = json_is_string(json_array_get(keep, i)) &&
			       strcmp(json_string_value(json_array_get(keep, i)), key) == 0;
		if (!kept)
			json_object_del(dest, key);
	}
	return 0;
}

/* 0 for absent or null, 1 mapping, 2 list, 3 scalar. */
static int node_kind(const json_t *v)
{
	if (!v || json_is_null(v))
		return 0;
	if (json_is_object(v))
		return 1;
	return json_is_array(v) ? 2 : 3;
}

static const char *kind_name(int k)
{
	return k == 1 ? "mapping" : k == 2 ? "list" : "scalar";
}

static bool is_server_directive(const char *key)
{
	return strcmp(key, "$retainKeys") == 0 ||
	       strncmp(key, "$setElementOrder/", 17) == 0 ||
	       strncmp(key, "$deleteFromPrimitiveList/", 25) == 0;
}

/* Takes ownership of dest (NULL when absent); *out NULL means "remove". */
static int merge_map(json_t **out, json_t *dest, const json_t *patch,
		     const smp_type *type, const smp_ctx *ctx)
{
	const char *d = directive(patch);
	const char *key;
	json_t *pv;
	int rc = 0;

	*out = NULL;
	if (json_object_get(patch, "$patch") && !d)
		d = "?";
	if (d && strcmp(d, "delete") == 0) {
		json_decref(dest);
		return 0;
	}
	if (d && strcmp(d, "replace") == 0) {
		json_decref(dest);
		dest = NULL;
	} else if (d && strcmp(d, "merge") != 0 && ctx->mode == KD_SMP_KUSTOMIZE) {
		/* kustomize keeps an unknown directive as an ordinary field */
		d = "keep";
	} else if (d && strcmp(d, "merge") != 0) {
		json_decref(dest);
		return kd_error_set(KD_EINVAL,
				    "unknown strategic merge directive '$patch: %s'",
				    json_string_value(json_object_get(patch, "$patch"))
					? json_string_value(json_object_get(patch, "$patch"))
					: "(not a string)");
	}
	if (!dest) {
		dest = json_object();
		if (!dest)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	json_object_foreach((json_t *)patch, key, pv) {
		json_t *merged = NULL;
		const smp_field *f;

		if (strcmp(key, "$patch") == 0 && !(d && strcmp(d, "keep") == 0))
			continue;
		if (ctx->mode == KD_SMP_SERVER && is_server_directive(key))
			continue;
		if (json_is_null(pv)) {
			json_object_del(dest, key);
			continue;
		}
		f = kd_smp_field(type, key);
		if (ctx->mode == KD_SMP_KUSTOMIZE &&
		    node_kind(json_object_get(dest, key)) * node_kind(pv) != 0 &&
		    node_kind(json_object_get(dest, key)) != node_kind(pv)) {
			/* kustomize refuses to merge different kinds of node */
			rc = kd_error_set(KD_EINVAL,
					  "strategic merge patch: '%s' is a %s, the patch gives a %s",
					  key, kind_name(node_kind(json_object_get(dest, key))),
					  kind_name(node_kind(pv)));
			goto fail;
		}
		{
			smp_ctx sub = { ctx->mode, NULL };
			kd_buf ok = KD_BUF_INIT;

			if (ctx->mode == KD_SMP_SERVER && json_is_array(pv)) {
				if (kd_buf_printf(&ok, "$setElementOrder/%s", key) < 0) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					goto fail;
				}
				sub.order = json_object_get(patch, kd_buf_cstr(&ok));
				kd_buf_free(&ok);
			}
			rc = merge_any(&merged, json_incref(json_object_get(dest, key)),
				       pv, f ? f->type : NULL, f, &sub);
		}
		if (rc < 0)
			goto fail;
		if (!merged) {
			json_object_del(dest, key);
			continue;
		}
		if (json_object_set_new(dest, key, merged) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (ctx->mode == KD_SMP_SERVER) {
		json_object_foreach((json_t *)patch, key, pv) {
			if (strncmp(key, "$deleteFromPrimitiveList/", 25) == 0)
				rc = apply_delete_from_primitive(dest, key + 25, pv);
			else if (strncmp(key, "$setElementOrder/", 17) == 0 &&
				 !json_is_array(json_object_get(patch, key + 17)) &&
				 json_is_array(json_object_get(dest, key + 17))) {
				/* an order without a list: reorder what is there */
				json_t *cur = json_object_get(dest, key + 17), *ordered = NULL;

				rc = server_order(&ordered, cur, pv, cur, kd_smp_field(type, key + 17));
				if (rc == 0 && json_object_set_new(dest, key + 17, ordered) < 0)
					rc = kd_error_set(KD_ENOMEM, "out of memory");
			}
			if (rc < 0)
				goto fail;
		}
		if (json_is_array(json_object_get(patch, "$retainKeys")))
			apply_retain_keys(dest, json_object_get(patch, "$retainKeys"));
	}
	*out = dest;
	return 0;
fail:
	json_decref(dest);
	return rc;
}

/* kustomize's merge walks every mapping of the object (and the elements of
 * lists it merges by key) and writes back only what has a value: a null
 * member disappears wherever the walk goes, whether the patch touched it
 * or not, unless it was written as null or ~ rather than as nothing.
 * `orig` is the target's node at the same place (to find the pointer a
 * null had there), `ptr` its pointer, `empty` the set of pointers of
 * nulls written as nothing. */
static int drop_nulls(json_t *v, const json_t *orig, const smp_type *type, kd_buf *ptr,
		      const json_t *empty)
{
	size_t len = ptr->len, i, j;
	const char *key;
	json_t *m;
	void *tmp;
	int rc = 0;

	if (!json_is_object(v) || !json_is_object(orig))
		return 0;
	json_object_foreach_safe(v, tmp, key, m) {
		const smp_field *f = kd_smp_field(type, key);
		json_t *om = json_object_get(orig, key);

		kd_buf_truncate(ptr, len);
		if ((rc = kd_json_pointer_append(ptr, key)) < 0)
			return rc;
		if (json_is_null(m)) {
			if (json_is_null(om) && json_object_get(empty, kd_buf_cstr(ptr)))
				json_object_del(v, key);
		} else if (json_is_object(m)) {
			rc = drop_nulls(m, om, f ? f->type : NULL, ptr, empty);
		} else if (json_is_array(m) && json_is_array(om) && f && f->list == L_KEYED) {
			size_t plen = ptr->len;

			for (i = 0; i < json_array_size(m) && rc == 0; i++) {
				json_t *e = json_array_get(m, i);
				elem_key ke, ko;

				key_of(&ke, e, f, f->nkeys);
				for (j = 0; j < json_array_size(om); j++) {
					key_of(&ko, json_array_get(om, j), f, f->nkeys);
					if (key_equal(&ke, &ko))
						break;
				}
				if (j == json_array_size(om))
					continue;
				kd_buf_truncate(ptr, plen);
				if ((rc = kd_buf_printf(ptr, "/%zu", j)) < 0)
					return rc;
				rc = drop_nulls(e, json_array_get(om, j), f->type, ptr, empty);
			}
		}
		if (rc < 0)
			return rc;
	}
	kd_buf_truncate(ptr, len);
	return 0;
}

/* merge_any takes ownership of dest only through merge_map/merge_list; a
 * scalar patch drops it. */
static int merge_root(json_t **out, const json_t *target, const json_t *patch,
		      const smp_type *type, const smp_ctx *ctx)
{
	json_t *copy = json_deep_copy(target);

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return merge_map(out, copy, patch, type, ctx);
}

int kd_smp_apply(json_t **out, const json_t *target, const json_t *patch,
		 kd_smp_mode mode)
{
	return kd_smp_apply_ex(out, target, patch, mode, NULL, NULL);
}

int kd_smp_apply_ex(json_t **out, const json_t *target, const json_t *patch,
		    kd_smp_mode mode, const json_t *empty_nulls, const kd_smp_schema *schema)
{
	smp_ctx ctx = { mode, NULL };
	const json_t *typed = target;
	const smp_type *type;
	int rc;

	*out = NULL;
	if (!json_is_object(patch))
		return kd_error_set(KD_EINVAL, "a strategic merge patch must be an object");
	if (!json_is_object(target))
		return kd_error_set(KD_EINVAL, "a strategic merge patch applies to an object");
	if (!json_object_get(target, "kind"))
		typed = patch;
	type = !kd_smp_schema_builtin(schema) ? NULL
		: kd_smp_root_type(json_string_value(json_object_get(typed, "apiVersion")),
				   json_string_value(json_object_get(typed, "kind")));
	if (!type)
		type = kd_smp_schema_root(schema, json_string_value(json_object_get(typed, "apiVersion")),
					  json_string_value(json_object_get(typed, "kind")));
	rc = merge_root(out, target, patch, type, &ctx);
	if (rc == 0 && mode == KD_SMP_KUSTOMIZE && json_object_size(empty_nulls)) {
		kd_buf ptr = KD_BUF_INIT;

		rc = drop_nulls(*out, target, type, &ptr, empty_nulls);
		kd_buf_free(&ptr);
		if (rc < 0) {
			json_decref(*out);
			*out = NULL;
		}
	}
	return rc;
}
