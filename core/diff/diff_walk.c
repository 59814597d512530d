/*
 * diff_walk — the field-by-field walk over desired, live and last-applied
 * (the rules are listed in diff.h).
 *
 * One recursive walk visits the three documents in step, keeping the JSON
 * pointer of the current field (desired and live spelling), the field names
 * above it (the rules are decided by name and position) and the matching
 * node of the managedFields trie (for attribution and manager-based
 * ignores).  Nothing is copied: reported values are references.
 */
#include "diff_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

bool kd_diff_walk_is_empty(const json_t *v)
{
	return !v || json_is_null(v) ||
	       (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

static bool str_in(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *key_at(const kd_diff_walk *w, int depth)
{
	return depth >= 0 && (unsigned)depth <= w->depth ? w->keys[depth] : NULL;
}

static bool key_is(const kd_diff_walk *w, int depth, const char *name)
{
	const char *k = key_at(w, depth);

	return k && strcmp(k, name) == 0;
}

/* ---- path and context stack --------------------------------------------- */

/* kd_json_pointer_append, with a fast path for the usual token that needs
 * no escaping (this runs for every node of every object diffed). */
static int path_append(kd_buf *b, const char *token)
{
	size_t n = strcspn(token, "~/");
	int rc;

	if (token[n] != '\0')
		return kd_json_pointer_append(b, token);
	if ((rc = kd_buf_grow(b, n + 1)) < 0)
		return rc;
	b->data[b->len++] = '/';
	memcpy(b->data + b->len, token, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int kd_diff_walk_push(kd_diff_walk *w, const char *key, size_t dindex,
		      size_t lindex, const kd_managed_node *mn)
{
	char num[32];
	int rc;

	/* The level is entered even when this fails, so that every push is
	 * matched by exactly one pop; the arrays have room for one more. */
	w->depth++;
	w->dlen[w->depth] = w->dpath.len;
	w->llen[w->depth] = w->lpath.len;
	w->keys[w->depth] = key;
	w->mn[w->depth] = mn;
	if (w->depth > KD_DIFF_MAX_DEPTH)
		return kd_error_set(KD_ELIMIT,
				    "object nests deeper than %d levels at %s",
				    KD_DIFF_MAX_DEPTH, kd_buf_cstr(&w->dpath));
	if (w->no_paths)
		return 0;
	if (key) {
		if ((rc = path_append(&w->dpath, key)) < 0 ||
		    (rc = path_append(&w->lpath, key)) < 0)
			return rc;
		return 0;
	}
	snprintf(num, sizeof(num), "%zu", dindex);
	if ((rc = path_append(&w->dpath, num)) < 0)
		return rc;
	snprintf(num, sizeof(num), "%zu", lindex);
	return path_append(&w->lpath, num);
}

void kd_diff_walk_pop(kd_diff_walk *w)
{
	kd_buf_truncate(&w->dpath, w->dlen[w->depth]);
	kd_buf_truncate(&w->lpath, w->llen[w->depth]);
	w->depth--;
}

/* ---- which fields never count ------------------------------------------- */

/* Decided for the field `key` about to be pushed as a child of the current
 * node (so it will sit at depth w->depth + 1). */
static bool skip_field(const kd_diff_walk *w, const char *key)
{
	unsigned d = w->depth + 1;

	if (d == 1) {
		if (strcmp(key, "status") == 0)
			return true;
		if (w->secret && (strcmp(key, "data") == 0 ||
				  strcmp(key, "stringData") == 0))
			return true; /* compared on their own, masked */
		if (w->aggregated && strcmp(key, "rules") == 0)
			return true; /* the aggregation controller owns them */
	}
	if (d == 2 && key_is(w, 1, "metadata")) {
		if (kd_server_metadata_has(key))
			return true;
		if (w->cluster_scoped && strcmp(key, "namespace") == 0)
			return true;
	}
	if (d == 3 && key_is(w, 1, "metadata") && key_is(w, 2, "annotations") &&
	    str_in(key, kd_diff_server_annotations))
		return true;
	if (d == 2 && w->hpa && key_is(w, 1, "spec") &&
	    strcmp(key, "replicas") == 0)
		return true;
	if (strcmp(key, "caBundle") == 0) {
		/* Injected by cert-manager's cainjector or the serving
		 * operator, never meant to come from Git. */
		if ((w->webhook_kind || w->crd) &&
		    key_is(w, (int)w->depth, "clientConfig"))
			return true;
		if (w->apiservice && d == 2 && key_is(w, 1, "spec"))
			return true;
	}
	return false;
}

/* Labels and annotations GitOps tools stamp on what they apply; they are
 * never in the rendered manifests, so live-only ones are not drift. */
static bool tool_metadata(const kd_diff_walk *w, const char *key)
{
	static const char *const prefixes[] = {
		"argocd.argoproj.io/", "kustomize.toolkit.fluxcd.io/",
		"kdrift.dev/", NULL,
	};
	const char *const *p;

	if (w->depth != 2 || !key_is(w, 1, "metadata") ||
	    !(key_is(w, 2, "labels") || key_is(w, 2, "annotations")))
		return false;
	if (strcmp(key, "app.kubernetes.io/instance") == 0)
		return true; /* Argo CD's default label tracking */
	for (p = prefixes; *p; p++)
		if (strncmp(key, *p, strlen(*p)) == 0)
			return true;
	return false;
}

/* ignoreDifferences: a pointer names this field, or the manager that last
 * wrote it is ignored. */
bool kd_diff_walk_ignored(const kd_diff_walk *w)
{
	int last;
	size_t i;

	if (w->ignored_owners) {
		last = kd_managed_latest(w->mf,
					 kd_managed_owners(w->mn[w->depth]));
		if (last >= 0 && (w->ignored_owners & ((uint64_t)1 << last)))
			return true;
	}
	for (i = 0; i < w->nptrs; i++) {
		if (strcmp(w->ptrs[i], kd_buf_cstr(&w->dpath)) == 0 ||
		    strcmp(w->ptrs[i], kd_buf_cstr(&w->lpath)) == 0)
			return true;
	}
	return false;
}

/* ---- equality of scalars ------------------------------------------------ */

static const char *const quantity_maps[] = {
	"requests", "limits", "overhead", "capacity", "allocatable", NULL,
};

static const char *const limitrange_maps[] = {
	"max", "min", "default", "defaultRequest", "maxLimitRequestRatio", NULL,
};

static bool quantity_context(const kd_diff_walk *w)
{
	const char *key = key_at(w, (int)w->depth);
	const char *parent = key_at(w, (int)w->depth - 1);

	if (key && strcmp(key, "sizeLimit") == 0)
		return true;
	if (!parent)
		return false;
	return str_in(parent, quantity_maps) ||
	       (w->quota && strcmp(parent, "hard") == 0) ||
	       (w->limitrange && str_in(parent, limitrange_maps));
}

static bool scalar_equal(const kd_diff_walk *w, const json_t *d,
			 const json_t *l)
{
	if (kd_json_equal(d, l))
		return true;
	return quantity_context(w) && kd_quantity_json_equal(d, l);
}

/* A port's protocol defaults to TCP: absent on one side equals "TCP". */
static bool default_protocol(const kd_diff_walk *w, const json_t *v)
{
	return key_is(w, (int)w->depth, "protocol") &&
	       key_at(w, (int)w->depth - 1) == NULL &&
	       key_is(w, (int)w->depth - 2, "ports") && json_is_string(v) &&
	       strcmp(json_string_value(v), "TCP") == 0;
}

/* Go's omitempty drops "", false and 0 when the server serialises an
 * object, so a desired zero value is never seen again in live. */
static bool zero_value(const json_t *v)
{
	return (json_is_string(v) && json_string_length(v) == 0) ||
	       json_is_false(v) ||
	       (json_is_integer(v) && json_integer_value(v) == 0) ||
	       (json_is_real(v) && json_real_value(v) == 0.0);
}

/* ---- results ------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void kd_diff_walk_field_clear(kd_diff_field *f)
{
	free(f->path);
	free(f->live_path);
	json_decref(f->desired);
	json_decref(f->live);
	free(f->manager);
	free(f->operation);
	free(f->time);
	free(f->subresource);
}

/* Appends one field; d and l are borrowed (a reference is taken). */
static int record(kd_diff_walk *w, kd_diff_change kind, const json_t *d,
		  const json_t *l, int entry, bool never, bool from_git)
{
	const kd_managed_entry *e = entry >= 0 ?
		kd_managed_entry_at(w->mf, (size_t)entry) : NULL;
	kd_diff_result *r = w->res;
	kd_diff_field *f;

	if (r->nfields == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		kd_diff_field *p = realloc(r->fields, cap * sizeof(*p));

		if (!p)
			return kd_error_set(KD_ENOMEM, "out of memory");
		r->fields = p;
		w->cap = cap;
	}
	f = &r->fields[r->nfields];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->never_converges = never;
	f->removed_from_git = from_git;
	f->path = strdup(kd_buf_cstr(&w->dpath));
	f->live_path = l ? strdup(kd_buf_cstr(&w->lpath)) : NULL;
	f->manager = strdup(e && *e->manager ? e->manager : "unknown");
	f->operation = dup_or_null(e ? e->operation : NULL);
	f->time = dup_or_null(e ? e->time : NULL);
	f->subresource = dup_or_null(e ? e->subresource : NULL);
	f->desired = json_incref((json_t *)d);
	f->live = json_incref((json_t *)l);
	if (!f->path || (l && !f->live_path) || !f->manager ||
	    (e && e->operation && !f->operation) ||
	    (e && e->time && !f->time) ||
	    (e && e->subresource && !f->subresource)) {
		kd_diff_walk_field_clear(f);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	r->nfields++;
	return 0;
}

/* The manager that wrote the current live field: its own owners, else
 * whoever owns something beneath it, else the nearest owned ancestor. */
static int owner_here(const kd_diff_walk *w)
{
	uint64_t mask = kd_managed_owners(w->mn[w->depth]);
	int d;

	if (!mask)
		mask = kd_managed_subtree_owners(w->mn[w->depth]);
	for (d = (int)w->depth - 1; !mask && d >= 0; d--)
		mask = kd_managed_owners(w->mn[d]);
	return kd_managed_latest(w->mf, mask);
}

/* For a field live lacks: whoever last wrote into its parent, else the
 * nearest owned ancestor. */
static int owner_of_parent(const kd_diff_walk *w)
{
	uint64_t mask = 0;
	int d = (int)w->depth - 1;

	if (d >= 0)
		mask = kd_managed_subtree_owners(w->mn[d]);
	for (d--; !mask && d >= 0; d--)
		mask = kd_managed_owners(w->mn[d]);
	return kd_managed_latest(w->mf, mask);
}

/* The never-converges heuristic (see diff.h): desired equals last-applied
 * here, and no manager other than the applier wrote into the parent after
 * the applier did, so nobody removed the field: the server dropped it. */
static bool dropped_by_server(const kd_diff_walk *w, const json_t *d,
			      const json_t *la)
{
	uint64_t later;

	if (!la || !kd_json_equal(d, la))
		return false;
	if (w->applier < 0)
		return true;
	later = kd_managed_written_after(w->mf, w->applier) & w->object_writers;
	later &= kd_managed_subtree_owners(w->depth ? w->mn[w->depth - 1] : NULL);
	return later == 0;
}

int kd_diff_walk_changed(kd_diff_walk *w, const json_t *d, const json_t *l)
{
	return record(w, KD_DIFF_CHANGED, d, l, owner_here(w), false, false);
}

int kd_diff_walk_added(kd_diff_walk *w, const json_t *l, bool from_git)
{
	return record(w, KD_DIFF_ADDED, NULL, l, owner_here(w), false, from_git);
}

int kd_diff_walk_removed(kd_diff_walk *w, const json_t *d, bool never)
{
	return record(w, KD_DIFF_REMOVED, d, NULL, owner_of_parent(w), never, false);
}

/* ---- the walk ----------------------------------------------------------- */

/* A live field that neither desired nor last-applied has: a server default
 * unless a hand-editing manager or an applier's Apply (Git had it) wrote
 * it.  Only subtrees such a manager touched are visited. */
static int live_only(kd_diff_walk *w, const json_t *l)
{
	const kd_managed_node *mn = w->mn[w->depth];
	const char *key;
	json_t *v;
	size_t i;
	int rc = 0;

	if (kd_diff_walk_ignored(w) || kd_diff_walk_is_empty(l))
		return 0;
	/* A map field is opened when its parts are tracked, so that the
	 * rules inside it (server annotations above all) still apply. */
	if ((kd_managed_owners(mn) & w->counted_owners) &&
	    !(json_is_object(l) && key_at(w, (int)w->depth) &&
	      !kd_managed_is_leaf(mn)))
		return kd_diff_walk_added(w, l, (kd_managed_owners(mn) &
						 w->applier_owners) != 0);
	if (!(kd_managed_subtree_owners(mn) & w->counted_owners))
		return 0;
	if (json_is_object(l)) {
		json_object_foreach((json_t *)l, key, v) {
			if (skip_field(w, key) || tool_metadata(w, key))
				continue;
			rc = kd_diff_walk_push(w, key, 0, 0,
					       kd_managed_field(mn, key));
			if (rc == 0)
				rc = live_only(w, v);
			kd_diff_walk_pop(w);
			if (rc < 0)
				return rc;
		}
	} else if (json_is_array(l)) {
		json_array_foreach(l, i, v) {
			rc = kd_diff_walk_push(w, NULL, i, i,
					       kd_managed_element(mn, v, i));
			if (rc == 0)
				rc = live_only(w, v);
			kd_diff_walk_pop(w);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static bool is_container(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

/* Whether the memo may answer for this member of the current object: a
 * member of the object or of its metadata (their paths are the key) but
 * not metadata itself (each live object has its own), both sides
 * containers (scalars cost less than a lookup), and last-applied either
 * absent there or desired itself (any other last-applied is read anew per
 * object, so its address never repeats). */
static bool memo_usable(const kd_diff_walk *w, const char *key, const json_t *d,
			const json_t *l, const json_t *la)
{
	return w->memo &&
	       ((w->depth == 0 && strcmp(key, "metadata") != 0) ||
		(w->depth == 1 && key_is(w, 1, "metadata"))) &&
	       is_container(d) && is_container(l) && (!la || la == d) &&
	       strlen(key) <= KD_DIFF_MEMO_KEY_MAX;
}

static int cmp_object(kd_diff_walk *w, const json_t *d, const json_t *l,
		      const json_t *la)
{
	const kd_managed_node *mn = w->mn[w->depth];
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(la))
		la = NULL;
	json_object_foreach((json_t *)d, key, v) {
		const json_t *lv, *lav;
		unsigned flags = 0;
		size_t before;
		bool memo;

		if (skip_field(w, key))
			continue;
		lv = json_object_get(l, key);
		lav = json_object_get(la, key);
		if ((memo = memo_usable(w, key, v, lv, lav))) {
			flags = w->memo_flags | (lav ? 1u << 15 : 0);
			if (kd_diff_memo_equal(w->memo, v, lv, flags, w->depth, key))
				continue;
		}
		before = w->res->nfields;
		rc = kd_diff_walk_push(w, key, 0, 0, kd_managed_field(mn, key));
		if (rc == 0)
			rc = kd_diff_walk_node(w, v, lv, lav);
		kd_diff_walk_pop(w);
		if (rc < 0)
			return rc;
		if (memo && w->res->nfields == before)
			kd_diff_memo_remember(w->memo, v, lv, flags, w->depth, key);
	}
	json_object_foreach((json_t *)l, key, v) {
		if (json_object_get(d, key) || skip_field(w, key) ||
		    tool_metadata(w, key))
			continue;
		rc = kd_diff_walk_push(w, key, 0, 0, kd_managed_field(mn, key));
		if (rc == 0)
			rc = kd_diff_walk_node(w, NULL, v,
					       json_object_get(la, key));
		kd_diff_walk_pop(w);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool all_scalars(const json_t *list)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		if (json_is_object(v) || json_is_array(v))
			return false;
	}
	return true;
}

static int cmp_keyed_list(kd_diff_walk *w, const kd_mergekeys *mk,
			  const json_t *d, const json_t *l, const json_t *la)
{
	const kd_managed_node *mn = w->mn[w->depth];
	size_t i;
	json_t *v;
	int rc;

	json_array_foreach(d, i, v) {
		long j = kd_mergekeys_find(mk, l, v);
		long k = la ? kd_mergekeys_find(mk, la, v) : -1;
		json_t *lv = j >= 0 ? json_array_get(l, (size_t)j) : NULL;

		rc = kd_diff_walk_push(w, NULL, i, j >= 0 ? (size_t)j : i,
				       lv ? kd_managed_element(mn, lv, (size_t)j)
					  : NULL);
		if (rc == 0)
			rc = kd_diff_walk_node(w, v, lv, k >= 0 ?
					       json_array_get(la, (size_t)k) : NULL);
		kd_diff_walk_pop(w);
		if (rc < 0)
			return rc;
	}
	json_array_foreach(l, i, v) {
		long k;

		if (kd_mergekeys_find(mk, d, v) >= 0)
			continue;
		k = la ? kd_mergekeys_find(mk, la, v) : -1;
		rc = kd_diff_walk_push(w, NULL, i, i,
				       kd_managed_element(mn, v, i));
		if (rc == 0)
			rc = kd_diff_walk_node(w, NULL, v, k >= 0 ?
					       json_array_get(la, (size_t)k) : NULL);
		kd_diff_walk_pop(w);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* An atomic list: the applier replaces it whole, so every element counts,
 * live's extra elements included; still compared element by element so
 * the reported paths are precise. */
static int cmp_atomic_list(kd_diff_walk *w, const json_t *d, const json_t *l,
			   const json_t *la)
{
	const kd_managed_node *mn = w->mn[w->depth];
	size_t i, n = json_array_size(d), m = json_array_size(l);
	int rc = 0;

	if (all_scalars(d) && all_scalars(l)) {
		bool same = n == m;

		for (i = 0; same && i < n; i++) {
			same = kd_json_equal(json_array_get(d, i),
					     json_array_get(l, i));
		}
		return same ? 0 : kd_diff_walk_changed(w, d, l);
	}
	for (i = 0; i < (n > m ? n : m) && rc == 0; i++) {
		json_t *dv = json_array_get(d, i), *lv = json_array_get(l, i);

		rc = kd_diff_walk_push(w, NULL, i, i,
				       lv ? kd_managed_element(mn, lv, i) : NULL);
		if (rc == 0 && !dv && !kd_diff_walk_ignored(w))
			rc = kd_diff_walk_added(w, lv, false);
		else if (rc == 0 && dv)
			rc = kd_diff_walk_node(w, dv, lv, json_is_array(la) ?
					       json_array_get(la, i) : NULL);
		kd_diff_walk_pop(w);
	}
	return rc;
}

static int cmp_list(kd_diff_walk *w, const json_t *d, const json_t *l,
		    const json_t *la)
{
	kd_mergekeys mk;

	kd_mergekeys_for(&mk, key_at(w, (int)w->depth), d, l);
	if (!json_is_array(la))
		la = NULL;
	if (mk.nkeys)
		return cmp_keyed_list(w, &mk, d, l, la);
	return cmp_atomic_list(w, d, l, la);
}

int kd_diff_walk_node(kd_diff_walk *w, const json_t *d, const json_t *l,
		      const json_t *la)
{
	if (kd_diff_walk_ignored(w))
		return 0;
	if (kd_diff_walk_is_empty(d)) {
		if (kd_diff_walk_is_empty(l))
			return 0;
		if (!kd_diff_walk_is_empty(la)) {
			/* Removed from Git, still in the cluster.  A map is
			 * opened so that the rules inside it (server metadata,
			 * defaults) still apply; a list element or a value is
			 * reported whole. */
			if (json_is_object(l) && json_is_object(la) &&
			    key_at(w, (int)w->depth))
				return cmp_object(w, NULL, l, la);
			return kd_diff_walk_added(w, l, true);
		}
		return live_only(w, l);
	}
	if (kd_diff_walk_is_empty(l) &&
	    (!l || json_typeof(l) != json_typeof(d))) {
		if (default_protocol(w, d) || zero_value(d))
			return 0;
		return kd_diff_walk_removed(w, d, dropped_by_server(w, d, la));
	}
	if (json_is_object(d) && json_is_object(l))
		return cmp_object(w, d, l, la);
	if (json_is_array(d) && json_is_array(l))
		return cmp_list(w, d, l, la);
	if (scalar_equal(w, d, l))
		return 0;
	return kd_diff_walk_changed(w, d, l);
}
