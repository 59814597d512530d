/*
 * compare_table — an app's objects lined up across clusters, and the value
 * and class of one field in each cluster (compare_priv.h).  Compare keeps
 * the fields that differ, topology summarises every field; both start here.
 *
 * Work is proportional to what differs: the leaves of a desired object are
 * listed once per distinct render (clusters sharing a path share the
 * json_t), and diffs are looked at only for resources that have one.
 */
#include "compare_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"
#include "diff/diff.h"
#include "render/render.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

json_t *cmp_mask(const json_t *value, bool base64)
{
	json_t *m = NULL;

	if (!value)
		return NULL;
	if (kd_diff_mask_secret_value(&m, value, base64) < 0)
		return NULL;
	return m;
}

int cmp_chain_source(kd_buf *out, const json_t *chain)
{
	size_t n = json_array_size(chain);
	const json_t *e = n ? json_array_get(chain, n - 1) : NULL;
	const char *file = kd_json_str(e, "file");
	json_int_t line = json_integer_value(json_object_get(e, "line"));

	if (!file || !*file)
		return 0;
	if (line > 0)
		return kd_buf_printf(out, "%s:%lld", file, (long long)line);
	return kd_buf_puts(out, file);
}

/* ---- leaves of a desired object ------------------------------------------ */

typedef struct leaf_walk {
	json_t *leaves;
	const json_t *prov;
	kd_buf ptr;
} leaf_walk;

static int add_leaf(leaf_walk *w, const char *path, json_t *value, const json_t *chain)
{
	json_t *pair = json_pack("[o, O?]", value ? value : json_null(), chain);

	if (!pair || json_object_set_new(w->leaves, path, pair) < 0)
		return oom();
	return 0;
}

static int walk_leaves(leaf_walk *w, const json_t *v)
{
	const char *key;
	json_t *c;
	size_t i, len = w->ptr.len;
	int rc = 0;

	if (kd_prov_is_leaf(v))
		return add_leaf(w, kd_buf_cstr(&w->ptr), json_incref((json_t *)v),
				kd_prov_chain(w->prov, kd_buf_cstr(&w->ptr)));
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, c) {
			if ((rc = kd_json_pointer_append(&w->ptr, key)) < 0 ||
			    (rc = walk_leaves(w, c)) < 0)
				break;
			kd_buf_truncate(&w->ptr, len);
		}
	} else {
		json_array_foreach(v, i, c) {
			if ((rc = kd_buf_printf(&w->ptr, "/%zu", i)) < 0 ||
			    (rc = walk_leaves(w, c)) < 0)
				break;
			kd_buf_truncate(&w->ptr, len);
		}
	}
	kd_buf_truncate(&w->ptr, len);
	return rc;
}

/* A Secret's data and stringData, folded under data and masked, as the
 * diff reports them. */
static int secret_leaves(leaf_walk *w, const json_t *secret)
{
	static const char *const parts[] = { "data", "stringData" };
	const char *key;
	json_t *v;
	size_t p;
	int rc = 0;

	for (p = 0; p < 2 && rc == 0; p++)
		json_object_foreach(kd_json_obj(secret, parts[p]), key, v) {
			kd_buf src = KD_BUF_INIT, dst = KD_BUF_INIT;
			json_t *m = cmp_mask(v, p == 0);

			if (kd_buf_printf(&src, "/%s", parts[p]) < 0 ||
			    kd_json_pointer_append(&src, key) < 0 ||
			    kd_buf_puts(&dst, "/data") < 0 || kd_json_pointer_append(&dst, key) < 0)
				rc = oom();
			/* stringData wins, as on the server; an empty value is none */
			else if (m || p == 1)
				rc = add_leaf(w, kd_buf_cstr(&dst), m,
					      kd_prov_chain(w->prov, kd_buf_cstr(&src)));
			else
				json_decref(m);
			kd_buf_free(&src);
			kd_buf_free(&dst);
			if (rc < 0)
				break;
		}
	return rc;
}

static int variant_leaves(cmp_variant *v, bool secret)
{
	leaf_walk w = { json_object(), v->prov, KD_BUF_INIT };
	const char *key;
	json_t *c;
	int rc = 0;

	if (!w.leaves || kd_buf_puts(&w.ptr, "") < 0) {
		json_decref(w.leaves);
		return oom();
	}
	json_object_foreach((json_t *)v->desired, key, c) {
		if (strcmp(key, "status") == 0 ||
		    (secret && (strcmp(key, "data") == 0 || strcmp(key, "stringData") == 0)))
			continue;
		kd_buf_clear(&w.ptr);
		if ((rc = kd_buf_puts(&w.ptr, "")) < 0 ||
		    (rc = kd_json_pointer_append(&w.ptr, key)) < 0 ||
		    (rc = walk_leaves(&w, c)) < 0)
			break;
	}
	if (rc == 0 && secret)
		rc = secret_leaves(&w, v->desired);
	kd_buf_free(&w.ptr);
	if (rc < 0) {
		json_decref(w.leaves);
		return rc;
	}
	v->leaves = w.leaves;
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static void obj_free(cmp_obj *o, size_t n)
{
	size_t i;

	free(o->api_version);
	free(o->kind);
	free(o->ns);
	free(o->name);
	free(o->res);
	free(o->variant);
	for (i = 0; i < o->nvariants; i++)
		json_decref(o->variants[i].leaves);
	free(o->variants);
	for (i = 0; o->drift && i < n; i++)
		json_decref(o->drift[i]);
	free(o->drift);
	json_decref(o->paths);
}

void cmp_table_free(cmp_table *t)
{
	size_t i;

	for (i = 0; i < t->nobjs; i++)
		obj_free(&t->objs[i], t->n);
	free(t->objs);
	for (i = 0; i < t->n; i++) {
		kd_cluster_state_unref(t->states[i]);
		free(t->groups ? t->groups[i] : NULL);
	}
	free(t->states);
	free(t->apps);
	free(t->groups);
	json_decref(t->index);
	memset(t, 0, sizeof(*t));
}

/* The name an object is lined up by: a generated object's name without
 * the content hash its generator appended (the hash differs wherever the
 * content does), else its name. */
static const char *identity_name(const kd_resource *r)
{
	const json_t *chain = kd_prov_chain(r->provenance, "/metadata/name");
	size_t n = json_array_size(chain);
	const char *step = n >= 2 ? kd_json_str(json_array_get(chain, n - 1), "step") : NULL;
	const char *base = n >= 2 ? kd_json_str(json_array_get(chain, n - 2), "value") : NULL;
	size_t len = step ? strlen(step) : 0;

	if (base && len > 13 && strcmp(step + len - 13, "(hash suffix)") == 0)
		return base;
	return r->name;
}

static int obj_for(cmp_obj **out, cmp_table *t, const kd_resource *r)
{
	const char *name = identity_name(r);
	kd_buf key = KD_BUF_INIT;
	json_t *ix;
	cmp_obj *o;
	int rc = 0;

	*out = NULL;
	if (kd_object_id_format(&key, &(kd_object_id){ r->api_version, r->kind, r->namespace,
						       name }) < 0)
		return oom();
	if ((ix = json_object_get(t->index, kd_buf_cstr(&key)))) {
		*out = &t->objs[json_integer_value(ix)];
		goto cleanup;
	}
	if (t->nobjs == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		cmp_obj *v = realloc(t->objs, cap * sizeof(*v));

		if (!v) {
			rc = oom();
			goto cleanup;
		}
		t->objs = v;
		t->cap = cap;
	}
	o = &t->objs[t->nobjs];
	memset(o, 0, sizeof(*o));
	o->api_version = strdup(r->api_version ? r->api_version : "");
	o->kind = strdup(r->kind);
	o->ns = strdup(r->namespace);
	o->name = strdup(name);
	o->res = calloc(t->n ? t->n : 1, sizeof(*o->res));
	o->variant = malloc((t->n ? t->n : 1) * sizeof(*o->variant));
	o->drift = calloc(t->n ? t->n : 1, sizeof(*o->drift));
	o->paths = json_object();
	o->secret = strcmp(r->kind, "Secret") == 0 &&
		    (!r->api_version || strcmp(r->api_version, "v1") == 0);
	t->nobjs++;
	if (!o->api_version || !o->kind || !o->ns || !o->name || !o->res || !o->variant ||
	    !o->drift || !o->paths ||
	    json_object_set_new(t->index, kd_buf_cstr(&key),
				json_integer((json_int_t)(t->nobjs - 1))) < 0) {
		rc = oom();
		goto cleanup;
	}
	for (size_t i = 0; i < t->n; i++)
		o->variant[i] = -1;
	*out = o;
cleanup:
	kd_buf_free(&key);
	return rc;
}

static int variant_of(cmp_obj *o, const kd_resource *r)
{
	size_t i;

	for (i = 0; i < o->nvariants; i++)
		if (o->variants[i].desired == r->desired && o->variants[i].prov == r->provenance)
			return (int)i;
	if (o->nvariants == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4;
		cmp_variant *v = realloc(o->variants, cap * sizeof(*v));

		if (!v)
			return oom();
		o->variants = v;
		o->cap = cap;
	}
	o->variants[o->nvariants].desired = r->desired;
	o->variants[o->nvariants].prov = r->provenance;
	o->variants[o->nvariants].leaves = NULL;
	if (variant_leaves(&o->variants[o->nvariants], o->secret) < 0)
		return oom();
	return (int)o->nvariants++;
}

/* Adds the paths of value (at base) to o's paths: its leaves. */
static int add_paths(cmp_obj *o, const char *base, const json_t *value)
{
	const char *key;
	json_t *c;
	size_t i;
	int rc = 0;

	if (!value || kd_prov_is_leaf(value))
		return json_object_set_new(o->paths, base, json_true()) < 0 ? oom() : 0;
	if (json_is_object(value)) {
		json_object_foreach((json_t *)value, key, c) {
			kd_buf p = KD_BUF_INIT;

			if (kd_buf_puts(&p, base) < 0 || kd_json_pointer_append(&p, key) < 0)
				rc = oom();
			else
				rc = add_paths(o, kd_buf_cstr(&p), c);
			kd_buf_free(&p);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	json_array_foreach(value, i, c) {
		kd_buf p = KD_BUF_INIT;

		if (kd_buf_printf(&p, "%s/%zu", base, i) < 0)
			rc = oom();
		else
			rc = add_paths(o, kd_buf_cstr(&p), c);
		kd_buf_free(&p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_resource(cmp_table *t, size_t ci, const kd_resource *r)
{
	cmp_obj *o;
	const char *key;
	json_t *v;
	size_t i;
	int rc, vi;

	if ((rc = obj_for(&o, t, r)) < 0)
		return rc;
	o->res[ci] = r;
	if (r->desired) {
		if ((vi = variant_of(o, r)) < 0)
			return vi;
		o->variant[ci] = vi;
		json_object_foreach(o->variants[vi].leaves, key, v)
			if (!json_object_get(o->paths, key) &&
			    json_object_set_new(o->paths, key, json_true()) < 0)
				return oom();
	}
	if (!r->diff || r->diff->nfields == 0)
		return 0;
	if (!(o->drift[ci] = json_object()))
		return oom();
	for (i = 0; i < r->diff->nfields; i++) {
		const kd_diff_field *f = &r->diff->fields[i];

		if (json_object_set_new(o->drift[ci], f->path, json_integer((json_int_t)i)) < 0)
			return oom();
		/* a field only live has is a row of its own */
		if (f->kind == KD_DIFF_ADDED && (rc = add_paths(o, f->path, f->live)) < 0)
			return rc;
	}
	return 0;
}

/* Nothing of o can differ: every cluster that rendered the app shares its
 * render and holds it unchanged. */
static void mark_uniform(cmp_table *t, cmp_obj *o)
{
	int first = -2;
	size_t i;

	o->uniform = false;
	for (i = 0; i < t->n; i++) {
		const kd_resource *r = o->res[i];

		if (t->apps[i]->reason)
			continue;
		if (first == -2)
			first = o->variant[i];
		if (o->variant[i] != first || !r || o->drift[i])
			return;
		if (!t->states[i]->reason && r->status != KD_STATUS_SYNCED)
			return;
	}
	o->uniform = true;
}

int cmp_table_build(cmp_table *t, kd_cluster_state *const *states, size_t nstates,
		    const char *app, const char *group_by)
{
	size_t i, j;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!(t->states = calloc(nstates ? nstates : 1, sizeof(*t->states))) ||
	    !(t->apps = calloc(nstates ? nstates : 1, sizeof(*t->apps))) ||
	    !(t->groups = calloc(nstates ? nstates : 1, sizeof(*t->groups))) ||
	    !(t->index = json_object())) {
		rc = oom();
		goto fail;
	}
	for (i = 0; i < nstates; i++) {
		const kd_app_state *a = states[i] ? kd_cluster_state_app(states[i], app) : NULL;
		const char *g;

		if (!a)
			continue;
		g = kd_json_str(states[i]->labels, group_by);
		t->states[t->n] = kd_cluster_state_ref(states[i]);
		t->apps[t->n] = a;
		if (!(t->groups[t->n] = strdup(g ? g : ""))) {
			t->n++;
			rc = oom();
			goto fail;
		}
		t->n++;
	}
	if (t->n == 0) {
		rc = kd_error_set(KD_ENOTFOUND, "app '%s' is deployed to none of the selected clusters",
				  app);
		goto fail;
	}
	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->apps[i]->nresources; j++) {
			const kd_resource *r = &t->apps[i]->resources[j];

			/* objects extra in every cluster are not the app's in
			 * Git: only those some cluster desires line up */
			if (r->status == KD_STATUS_EXTRA)
				continue;
			if ((rc = add_resource(t, i, r)) < 0)
				goto fail;
		}
	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->apps[i]->nresources; j++) {
			const kd_resource *r = &t->apps[i]->resources[j];
			kd_buf key = KD_BUF_INIT;
			json_t *ix;

			if (r->status != KD_STATUS_EXTRA)
				continue;
			if (kd_object_id_format(&key, &(kd_object_id){ r->api_version, r->kind,
								       r->namespace, r->name }) < 0) {
				rc = oom();
				goto fail;
			}
			ix = json_object_get(t->index, kd_buf_cstr(&key));
			kd_buf_free(&key);
			if (ix)
				t->objs[json_integer_value(ix)].res[i] = r;
		}
	for (i = 0; i < t->nobjs; i++)
		mark_uniform(t, &t->objs[i]);
	return 0;
fail:
	cmp_table_free(t);
	return rc;
}

/* ---- cells ---------------------------------------------------------------- */

void cmp_cells_clear(kd_compare_cell *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(cells[i].desired);
		json_decref(cells[i].live);
	}
	memset(cells, 0, n * sizeof(*cells));
}

/* The diff field at path or above it, or NULL. */
static const kd_diff_field *drift_at(const json_t *drift, const kd_resource *r,
				     const char *path)
{
	kd_buf p = KD_BUF_INIT;
	const json_t *ix;
	const kd_diff_field *f = NULL;

	if (!drift)
		return NULL;
	if ((ix = json_object_get(drift, path)))
		return &r->diff->fields[json_integer_value(ix)];
	if (kd_buf_puts(&p, path) < 0)
		return NULL;
	while (!f && p.len > 0) {
		char *slash = strrchr(p.data, '/');

		if (!slash)
			break;
		kd_buf_truncate(&p, (size_t)(slash - p.data));
		if ((ix = json_object_get(drift, kd_buf_cstr(&p))))
			f = &r->diff->fields[json_integer_value(ix)];
	}
	kd_buf_free(&p);
	return f;
}

/* The value below a diff field's value at path (the field is at or above). */
static json_t *below(const kd_diff_field *f, const json_t *value, const char *path)
{
	json_t *v = NULL;

	if (!value)
		return NULL;
	if (strcmp(f->path, path) == 0)
		return json_incref((json_t *)value);
	if (kd_json_pointer_get(&v, value, path + strlen(f->path)) < 0) {
		kd_error_clear();
		return NULL;
	}
	return json_incref(v);
}

static bool accepted(const json_t *chain)
{
	size_t n = json_array_size(chain);

	return n && json_is_true(json_object_get(json_array_get(chain, n - 1), "accepted"));
}

/* An extra object's live value at path (positional), masked for Secrets. */
static json_t *extra_value(const cmp_obj *o, const kd_resource *r, const char *path)
{
	json_t *v = NULL;

	if (o->secret && strncmp(path, "/data/", 6) == 0) {
		json_t *masks = NULL, *m;

		if (kd_diff_secret_masks(&masks, r->live) < 0)
			return NULL;
		m = json_incref(json_object_get(masks, path + 6));
		json_decref(masks);
		return m;
	}
	if (kd_json_pointer_get(&v, r->live, path) < 0) {
		kd_error_clear();
		return NULL;
	}
	return json_incref(v);
}

int cmp_cells(const cmp_table *t, const cmp_obj *o, const char *path, kd_compare_cell *cells)
{
	const json_t **vval = NULL, **vchain = NULL;
	size_t i;

	if (o->nvariants &&
	    (!(vval = calloc(o->nvariants, sizeof(*vval))) ||
	     !(vchain = calloc(o->nvariants, sizeof(*vchain))))) {
		free(vval);
		return oom();
	}
	for (i = 0; i < o->nvariants; i++) {
		json_t *pair = json_object_get(o->variants[i].leaves, path);

		vval[i] = json_array_get(pair, 0);
		if (json_is_null(vval[i]))
			vval[i] = NULL;
		vchain[i] = json_array_get(pair, 1);
	}
	for (i = 0; i < t->n; i++) {
		kd_compare_cell *c = &cells[i];
		const kd_resource *r = o->res[i];
		const kd_diff_field *f;
		int vi = o->variant[i];

		memset(c, 0, sizeof(*c));
		c->resource = r;
		if (t->apps[i]->reason) {
			c->cls = KD_CLASS_UNKNOWN;
			continue;
		}
		c->rendered = true;
		if (vi >= 0) {
			c->desired = json_incref((json_t *)vval[vi]);
			c->chain = vchain[vi];
		}
		if (t->states[i]->reason || (r && r->status == KD_STATUS_UNKNOWN)) {
			c->cls = KD_CLASS_UNKNOWN;
			continue;
		}
		if (!r) {
			c->cls = KD_CLASS_INTENTIONAL;
			continue;
		}
		switch (r->status) {
		case KD_STATUS_MISSING:
			c->cls = KD_CLASS_MISSING;
			continue;
		case KD_STATUS_EXTRA:
			c->cls = KD_CLASS_DRIFT;
			c->live = r->live ? extra_value(o, r, path) : NULL;
			continue;
		default:
			break;
		}
		f = drift_at(o->drift[i], r, path);
		if (!f) {
			c->live = json_incref(c->desired);
			c->cls = accepted(c->chain) ? KD_CLASS_ACCEPTED : KD_CLASS_INTENTIONAL;
			continue;
		}
		c->live = below(f, f->live, path);
		c->cls = r->status == KD_STATUS_BREAKGLASS ? KD_CLASS_BREAKGLASS : KD_CLASS_DRIFT;
		c->manager = f->manager;
		c->time = f->time;
	}
	free(vval);
	free(vchain);
	return 0;
}

static bool same(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return !a && !b;
	return kd_json_equal(a, b);
}

bool cmp_cells_differ(const kd_compare_cell *cells, size_t n)
{
	const kd_compare_cell *d0 = NULL, *l0 = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const kd_compare_cell *c = &cells[i];

		if (c->rendered) {
			if (!d0)
				d0 = c;
			else if (!same(d0->desired, c->desired))
				return true;
		}
		if (c->cls != KD_CLASS_UNKNOWN) {
			if (!l0)
				l0 = c;
			else if (!same(l0->live, c->live))
				return true;
		}
	}
	return false;
}

/* Flags the cells (among those `member` selects) holding a value (desired,
 * or live) that a strict minority of them hold while another value holds a
 * strict majority. */
static bool minority(kd_compare_cell *cells, size_t n, const bool *member, bool live)
{
	const json_t **vals = calloc(n ? n : 1, sizeof(*vals));
	size_t *count = calloc(n ? n : 1, sizeof(*count));
	size_t *which = calloc(n ? n : 1, sizeof(*which));
	size_t i, k, nvals = 0, total = 0;
	bool any = false;

	if (!vals || !count || !which)
		goto cleanup;
	for (i = 0; i < n; i++) {
		const json_t *v = live ? cells[i].live : cells[i].desired;

		if (!member[i])
			continue;
		total++;
		for (k = 0; k < nvals && !same(vals[k], v); k++)
			;
		if (k == nvals)
			vals[nvals++] = v;
		count[k]++;
		which[i] = k;
	}
	/* only where the others agree: some value holds a strict majority */
	for (k = 0; k < nvals && 2 * count[k] <= total; k++)
		;
	for (i = 0; k < nvals && i < n; i++)
		if (member[i] && 2 * count[which[i]] < total) {
			cells[i].outlier = true;
			any = true;
		}
cleanup:
	free(vals);
	free(count);
	free(which);
	return any;
}

bool cmp_outliers(kd_compare_cell *cells, size_t n, char *const *groups)
{
	bool *member = calloc(n ? n : 1, sizeof(*member));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	bool any = false;
	size_t i, j;

	if (!member || !done)
		goto cleanup;
	/* live values held by a strict minority of the clusters whose desired
	 * values agree */
	for (i = 0; i < n; i++) {
		if (done[i] || cells[i].cls == KD_CLASS_UNKNOWN)
			continue;
		for (j = 0; j < n; j++) {
			member[j] = !done[j] && cells[j].cls != KD_CLASS_UNKNOWN &&
				    same(cells[i].desired, cells[j].desired);
			if (member[j])
				done[j] = true;
		}
		any |= minority(cells, n, member, true);
	}
	/* desired values Git sets for a strict minority of a group */
	memset(done, 0, n * sizeof(*done));
	for (i = 0; i < n; i++) {
		if (done[i] || !cells[i].rendered)
			continue;
		for (j = 0; j < n; j++) {
			member[j] = !done[j] && cells[j].rendered &&
				    strcmp(groups[i], groups[j]) == 0;
			if (member[j])
				done[j] = true;
		}
		any |= minority(cells, n, member, false);
	}
cleanup:
	free(member);
	free(done);
	return any;
}
