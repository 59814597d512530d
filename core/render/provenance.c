/*
 * provenance — the record of where each value of a rendered object was set
 * (see render.h): the generic recorder every step of every renderer goes
 * through, and lookups for the faces.
 *
 * A step is recorded by comparing an object before and after it: every
 * leaf whose value the step changed (or created) gets one more entry at
 * the end of its chain, naming the step and the file and line that caused
 * it; leaves the step left alone keep their chain, also when a list moved
 * them (elements of keyed lists are followed by their merge key, others by
 * equality).  The recorder knows nothing of kustomize, Flux or Argo CD:
 * callers describe the step (kd_prov_at) and, when the line of a value
 * needs more than a lookup in a document, locate it themselves.
 *
 * Never prints; only runs when a caller asked for provenance, so plain
 * renders pay nothing for it.
 */
#include "render_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

bool kd_prov_is_leaf(const json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_object(v))
		return json_object_size(v) == 0;
	if (!json_is_array(v))
		return true;
	json_array_foreach(v, i, e)
		if (json_is_object(e) || json_is_array(e))
			return false;
	return true;
}

/* ---- the walk ------------------------------------------------------------ */

/*
 * The map is updated in place: a subtree the step left equal, at the same
 * place, is not visited at all.  Chains are read from `old` at the before
 * pointer and written to the map at the after pointer; `old` is the map
 * itself until a list's elements move, when the list's chains are taken out
 * into a table of their own first (so that two elements trading places do
 * not overwrite each other's chains).
 */
typedef struct walker {
	const kd_prov_at *at;
	json_t *map;           /* being updated */
	kd_buf bptr, aptr, dptr;
	json_t *file, *step;   /* shared by every entry of the step */
} walker;

static int raw_line(const walker *w, const char *dptr);

static int line_of(const walker *w, const char *dptr)
{
	int line = raw_line(w, dptr);

	return line > 0 ? line + w->at->line_base : 0;
}

static int raw_line(const walker *w, const char *dptr)
{
	const json_t *p;

	if (!w->at->pos)
		return 0;
	if (w->at->pos_prefix && w->at->pos_prefix[0]) {
		kd_buf k = KD_BUF_INIT;
		int line = 0;

		if (kd_buf_printf(&k, "%s%s", w->at->pos_prefix, dptr) == 0) {
			p = json_object_get(w->at->pos, kd_buf_cstr(&k));
			line = json_is_array(p) ? (int)json_integer_value(json_array_get(p, 0)) : 0;
		}
		kd_buf_free(&k);
		return line;
	}
	p = json_object_get(w->at->pos, dptr);
	return json_is_array(p) ? (int)json_integer_value(json_array_get(p, 0)) : 0;
}

/* A leaf's value as kept in an entry: scalars are shared (nothing changes
 * them in place), containers copied (a later step may). */
static json_t *entry_value(const json_t *v)
{
	if (json_is_object(v) || json_is_array(v))
		return json_deep_copy(v);
	return json_incref((json_t *)v);
}

int kd_prov_entry_new(json_t **out, const char *file, int line, const char *step,
		      const json_t *value)
{
	*out = json_pack("{s:s, s:i, s:s, s:o}", "file", file ? file : "", "line", line,
			 "step", step ? step : "", "value",
			 value ? entry_value(value) : json_null());
	return *out ? 0 : oom();
}

int kd_prov_append(json_t *map, const char *pointer, json_t *entry)
{
	json_t *chain = json_object_get(map, pointer);
	json_t *copy;

	if (!entry)
		return oom();
	/* chains are shared between maps: never extended in place */
	copy = chain ? json_copy(chain) : json_array();
	if (!copy || json_array_append_new(copy, entry) < 0 ||
	    json_object_set_new(map, pointer, copy) < 0) {
		json_decref(copy);
		return oom();
	}
	return 0;
}

/* Pushes one reference token on a pointer buffer; returns the old length. */
static size_t push(kd_buf *b, const char *token, int *rc)
{
	size_t len = b->len;

	if (*rc == 0 && kd_json_pointer_append(b, token) < 0)
		*rc = oom();
	return len;
}

static size_t push_index(kd_buf *b, size_t i, int *rc)
{
	size_t len = b->len;

	if (*rc == 0 && kd_buf_printf(b, "/%zu", i) < 0)
		*rc = oom();
	return len;
}

/* Moves the chains of every leaf of v (at pointer p) from `from` to `to`
 * (to NULL: drops them). */
static int take_leaves(json_t *from, json_t *to, kd_buf *p, const json_t *v)
{
	const char *key;
	json_t *c;
	size_t i, len = p->len;
	int rc = 0;

	if (kd_prov_is_leaf(v)) {
		json_t *chain = json_object_get(from, kd_buf_cstr(p));

		if (!chain)
			return 0;
		if (to && json_object_set(to, kd_buf_cstr(p), chain) < 0)
			return oom();
		json_object_del(from, kd_buf_cstr(p));
		return 0;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, c) {
			push(p, key, &rc);
			if (rc == 0)
				rc = take_leaves(from, to, p, c);
			kd_buf_truncate(p, len);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	json_array_foreach(v, i, c) {
		push_index(p, i, &rc);
		if (rc == 0)
			rc = take_leaves(from, to, p, c);
		kd_buf_truncate(p, len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int leaf(walker *w, const json_t *old, const json_t *b, const json_t *a, int line)
{
	const char *bp = kd_buf_cstr(&w->bptr), *ap = kd_buf_cstr(&w->aptr);
	bool in_place = old == w->map;
	json_t *chain = b && kd_prov_is_leaf(b) ? json_incref(json_object_get(old, bp)) : NULL;
	json_t *entry = NULL, *extra = NULL;
	int rc = 0;

	/* what was below a map or list that became a leaf is gone */
	if (in_place && b && !kd_prov_is_leaf(b) && (rc = take_leaves(w->map, NULL, &w->bptr, b)) < 0)
		goto cleanup;
	if (b && json_equal((json_t *)b, (json_t *)a)) {
		if (chain && (!in_place || strcmp(bp, ap) != 0) &&
		    json_object_set(w->map, ap, chain) < 0)
			rc = oom();
		goto cleanup;
	}
	if (!line)
		line = w->at->line;
	if (w->at->locate &&
	    (rc = w->at->locate(&extra, w->at, ap, b, a, line, chain)) < 0)
		goto cleanup;
	entry = json_object();
	if (!entry || json_object_set(entry, "file", w->file) < 0 ||
	    json_object_set_new(entry, "line", json_integer(line)) < 0 ||
	    json_object_set(entry, "step", w->step) < 0 ||
	    json_object_set_new(entry, "value", entry_value(a)) < 0 ||
	    (w->at->extra && json_object_update(entry, (json_t *)w->at->extra) < 0) ||
	    (extra && json_object_update(entry, extra) < 0)) {
		rc = oom();
		goto cleanup;
	}
	if (chain ? json_object_set(w->map, ap, chain) < 0 : (json_object_del(w->map, ap), 0)) {
		rc = oom();
		goto cleanup;
	}
	rc = kd_prov_append(w->map, ap, entry);
	entry = NULL;
cleanup:
	json_decref(entry);
	json_decref(extra);
	json_decref(chain);
	return rc;
}

/* Which element of `list` (another version of the list `a`) stands for
 * each element of `a`: out[i] is an index into list or -1.  Elements of
 * keyed lists are matched by merge key, others by position when the
 * lengths agree, else by equality; with `positional`, what is left is
 * matched by position (an element whose key a patch changed is still the
 * same element). */
static int match_all(long *out, const json_t *list, const json_t *a, const char *field,
		     bool positional)
{
	size_t n = json_array_size(a), m = json_array_size(list), i, j;
	unsigned char *used;
	kd_mergekeys mk;

	for (i = 0; i < n; i++)
		out[i] = -1;
	if (!json_is_array(list))
		return 0;
	if (!(used = calloc(m + 1, 1)))
		return oom();
	kd_mergekeys_for(&mk, field ? field : "", list, a);
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		long k = -1;

		if (mk.nkeys) {
			k = kd_mergekeys_find(&mk, list, e);
		} else if (m == n) {
			k = (long)i;
		} else {
			for (j = 0; j < m && k < 0; j++)
				if (!used[j] && json_equal(json_array_get(list, j), (json_t *)e))
					k = (long)j;
		}
		if (k >= 0 && !used[k]) {
			used[k] = 1;
			out[i] = k;
		}
	}
	for (i = 0; positional && i < n && i < m; i++)
		if (out[i] < 0 && !used[i]) {
			used[i] = 1;
			out[i] = (long)i;
		}
	free(used);
	return 0;
}

static int walk(walker *w, const json_t *old, const json_t *b, const json_t *a,
		const json_t *d, const char *field, int line);

static int walk_array(walker *w, const json_t *old, const json_t *b, const json_t *a,
		      const json_t *d, const char *field, int line)
{
	const json_t *bl_ = json_is_array(b) ? b : NULL;
	const json_t *dl_ = json_is_array(d) ? d : NULL;
	size_t n = json_array_size(a), i;
	long *bm = calloc(n + 1, sizeof(*bm)), *dm = calloc(n + 1, sizeof(*dm));
	json_t *moved = NULL;
	bool identity;
	int rc = 0;

	if (!bm || !dm || (rc = match_all(bm, bl_, a, field, true)) < 0 ||
	    (rc = match_all(dm, dl_, a, field, false)) < 0)
		goto cleanup;
	identity = json_array_size(bl_) == n && strcmp(kd_buf_cstr(&w->bptr), kd_buf_cstr(&w->aptr)) == 0;
	for (i = 0; identity && i < n; i++)
		identity = bm[i] == (long)i;
	if (old == w->map && !identity) {
		/* elements moved or went: their chains leave the map first */
		if (!(moved = json_object())) {
			rc = oom();
			goto cleanup;
		}
		if (b && (rc = take_leaves(w->map, moved, &w->bptr, b)) < 0)
			goto cleanup;
		old = moved;
	}
	for (i = 0; i < n && rc == 0; i++) {
		json_t *e = json_array_get(a, i);
		long bi = bm[i], di = dm[i];
		size_t al = push_index(&w->aptr, i, &rc);
		size_t bl = bi >= 0 ? push_index(&w->bptr, (size_t)bi, &rc) : w->bptr.len;
		size_t dl = di >= 0 ? push_index(&w->dptr, (size_t)di, &rc) : w->dptr.len;

		if (rc == 0)
			rc = walk(w, old, bi >= 0 ? json_array_get(bl_, (size_t)bi) : NULL, e,
				  di >= 0 ? json_array_get(dl_, (size_t)di) : NULL, NULL, line);
		kd_buf_truncate(&w->aptr, al);
		kd_buf_truncate(&w->bptr, bl);
		kd_buf_truncate(&w->dptr, dl);
	}
	/* in place, elements of b beyond a's length had no match: drop them */
	for (i = n; identity && rc == 0 && i < json_array_size(bl_); i++) {
		size_t bl = push_index(&w->bptr, i, &rc);

		if (rc == 0)
			rc = take_leaves(w->map, NULL, &w->bptr, json_array_get(bl_, i));
		kd_buf_truncate(&w->bptr, bl);
	}
cleanup:
	json_decref(moved);
	free(bm);
	free(dm);
	return rc < 0 ? rc : (!bm || !dm ? oom() : 0);
}

static int walk(walker *w, const json_t *old, const json_t *b, const json_t *a,
		const json_t *d, const char *field, int line)
{
	bool in_place = old == w->map;
	const char *key;
	json_t *v;
	int rc = 0;

	/* left alone, and where it was: nothing to record */
	if (in_place && b && strcmp(kd_buf_cstr(&w->bptr), kd_buf_cstr(&w->aptr)) == 0 &&
	    json_equal((json_t *)b, (json_t *)a))
		return 0;
	if (d && w->dptr.len > 0) {
		int l = line_of(w, kd_buf_cstr(&w->dptr));

		if (l > 0)
			line = l;
	} else if (d && !line) {
		line = line_of(w, "");
	}
	if (kd_prov_is_leaf(a))
		return leaf(w, old, b, a, line);
	/* a leaf that became a map or list, or a map that became a list: what
	 * was there is gone */
	if (b && (kd_prov_is_leaf(b) || json_typeof(b) != json_typeof(a))) {
		if (in_place && (rc = take_leaves(w->map, NULL, &w->bptr, b)) < 0)
			return rc;
		b = NULL;
	}
	if (json_is_array(a))
		return walk_array(w, old, b, a, d, field, line);
	json_object_foreach((json_t *)a, key, v) {
		size_t bl = push(&w->bptr, key, &rc), al = push(&w->aptr, key, &rc);
		size_t dl = push(&w->dptr, key, &rc);
		json_t *dv = json_is_object(d) ? json_object_get(d, key) : NULL;

		if (rc == 0)
			rc = walk(w, old, json_is_object(b) ? json_object_get(b, key) : NULL, v,
				  dv, key, line);
		kd_buf_truncate(&w->bptr, bl);
		kd_buf_truncate(&w->aptr, al);
		kd_buf_truncate(&w->dptr, dl);
		if (rc < 0)
			return rc;
	}
	/* members the step removed take their chains with them */
	if (in_place && json_is_object(b)) {
		json_object_foreach((json_t *)b, key, v) {
			if (json_object_get(a, key))
				continue;
			size_t bl = push(&w->bptr, key, &rc);

			if (rc == 0)
				rc = take_leaves(w->map, NULL, &w->bptr, v);
			kd_buf_truncate(&w->bptr, bl);
			if (rc < 0)
				return rc;
		}
	}
	return rc;
}

int kd_prov_record(json_t **map, const json_t *before, const json_t *after,
		   const kd_prov_at *at)
{
	walker w = { at, NULL, KD_BUF_INIT, KD_BUF_INIT, KD_BUF_INIT,
		     json_string(at->file ? at->file : ""), json_string(at->step ? at->step : "") };
	int rc;

	if (!before || !*map) {
		/* a new object: a new map */
		before = NULL;
		json_decref(*map);
		*map = json_object();
	}
	w.map = *map;
	if (!w.map || !w.file || !w.step) {
		rc = oom();
		goto cleanup;
	}
	/* "" must be a valid (empty) pointer buffer */
	if ((rc = kd_buf_puts(&w.bptr, "")) < 0 || (rc = kd_buf_puts(&w.aptr, "")) < 0 ||
	    (rc = kd_buf_puts(&w.dptr, "")) < 0)
		goto cleanup;
	rc = walk(&w, w.map, before, after, at->doc, NULL, 0);
cleanup:
	json_decref(w.file);
	json_decref(w.step);
	kd_buf_free(&w.bptr);
	kd_buf_free(&w.aptr);
	kd_buf_free(&w.dptr);
	return rc;
}

/* ---- lookups ------------------------------------------------------------- */

const json_t *kd_prov_chain(const json_t *prov, const char *pointer)
{
	kd_buf p = KD_BUF_INIT;
	const json_t *chain;

	if (!json_is_object(prov) || !pointer)
		return NULL;
	chain = json_object_get(prov, pointer);
	if (chain)
		return chain;
	/* inside a leaf (an element of a list of scalars): the leaf's chain */
	if (kd_buf_puts(&p, pointer) < 0)
		return NULL;
	while (!chain && p.len > 0) {
		char *slash = strrchr(p.data, '/');

		if (!slash)
			break;
		kd_buf_truncate(&p, (size_t)(slash - p.data));
		chain = json_object_get(prov, kd_buf_cstr(&p));
	}
	kd_buf_free(&p);
	return chain;
}

const json_t *kd_prov_last(const json_t *prov, const char *pointer)
{
	const json_t *chain = kd_prov_chain(prov, pointer);
	size_t n = json_array_size(chain);

	return n ? json_array_get(chain, n - 1) : NULL;
}

int kd_prov_settle(json_t **map, const json_t *obj)
{
	const char *key;
	json_t *v, *found;
	void *tmp;

	/* a last change nobody recorded (empty annotations dropped at the end
	 * of a build): chains of leaves obj no longer has go */
	json_object_foreach_safe(*map, tmp, key, v) {
		if (kd_json_pointer_get(&found, obj, key) < 0) {
			kd_error_clear();
			json_object_del(*map, key);
		}
	}
	return 0;
}
