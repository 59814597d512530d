/*
 * topology — every field of every app classified by where its desired
 * value varies (fleet, environment, cluster), the files that declare it,
 * and the contradictions between where Git declares a field and what the
 * clusters hold (compare.h).
 *
 * Objects every cluster renders alike and holds unchanged are classified
 * without looking at each cluster: a fleet of a thousand clusters sharing
 * their app paths costs about as much as one.
 */
#include "compare_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

const char *kd_scope_name(kd_scope s)
{
	switch (s) {
	case KD_SCOPE_FLEET: return "fleet";
	case KD_SCOPE_ENVIRONMENT: return "environment";
	default: return "cluster";
	}
}

const char *kd_contradiction_name(kd_contradiction_kind k)
{
	return k == KD_CONTRA_PER_CLUSTER_EQUAL ? "per-cluster-but-equal" :
						  "shared-but-live-differs";
}

static void app_free(kd_topology_app *a)
{
	size_t i;

	free(a->name);
	for (i = 0; i < a->nclusters; i++)
		free(a->clusters[i]);
	free(a->clusters);
	for (i = 0; i < a->nfields; i++) {
		kd_topology_field *f = &a->fields[i];

		free(f->api_version);
		free(f->kind);
		free(f->namespace);
		free(f->name);
		free(f->path);
		json_decref(f->declared_in);
		json_decref(f->values);
		free(f->value_of);
	}
	free(a->fields);
	for (i = 0; i < a->ncontradictions; i++) {
		json_decref(a->contradictions[i].clusters);
		json_decref(a->contradictions[i].files);
	}
	free(a->contradictions);
}

void kd_topology_free(kd_topology *topo)
{
	size_t i;

	if (!topo)
		return;
	for (i = 0; i < topo->napps; i++)
		app_free(&topo->apps[i]);
	free(topo->apps);
	free(topo->group_by);
	free(topo);
}

static bool same(const json_t *a, const json_t *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	return kd_json_equal(a, b);
}

static const char *source_file(const json_t *chain)
{
	size_t n = json_array_size(chain);
	const char *f = n ? kd_json_str(json_array_get(chain, n - 1), "file") : NULL;

	return f && *f ? f : NULL;
}

typedef struct builder {
	kd_topology_app *a;
	size_t fcap, ccap;
	const cmp_table *t;
} builder;

static kd_topology_field *new_field(builder *b, const cmp_obj *o, const char *path)
{
	kd_topology_field *f;
	size_t i;

	if (b->a->nfields == b->fcap) {
		size_t cap = b->fcap ? b->fcap * 2 : 64;
		kd_topology_field *v = realloc(b->a->fields, cap * sizeof(*v));

		if (!v)
			return NULL;
		b->a->fields = v;
		b->fcap = cap;
	}
	f = &b->a->fields[b->a->nfields++];
	memset(f, 0, sizeof(*f));
	f->api_version = strdup(o->api_version);
	f->kind = strdup(o->kind);
	f->namespace = strdup(o->ns);
	f->name = strdup(o->name);
	f->path = strdup(path);
	f->declared_in = json_array();
	f->values = json_array();
	f->value_of = malloc((b->t->n ? b->t->n : 1) * sizeof(*f->value_of));
	if (!f->api_version || !f->kind || !f->namespace || !f->name || !f->path ||
	    !f->declared_in || !f->values || !f->value_of)
		return NULL;
	for (i = 0; i < b->t->n; i++)
		f->value_of[i] = UINT32_MAX;
	return f;
}

static int add_contradiction(builder *b, kd_contradiction_kind kind, json_t *clusters,
			     json_t *files)
{
	kd_contradiction *c;

	if (b->a->ncontradictions == b->ccap) {
		size_t cap = b->ccap ? b->ccap * 2 : 16;
		kd_contradiction *v = realloc(b->a->contradictions, cap * sizeof(*v));

		if (!v) {
			json_decref(clusters);
			json_decref(files);
			return oom();
		}
		b->a->contradictions = v;
		b->ccap = cap;
	}
	c = &b->a->contradictions[b->a->ncontradictions++];
	c->kind = kind;
	c->field = b->a->nfields - 1;
	c->clusters = clusters;
	c->files = files;
	return 0;
}

static int add_sorted_unique(json_t *arr, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		int c = strcmp(json_string_value(json_array_get(arr, i)), s);

		if (c == 0)
			return 0;
		if (c > 0)
			break;
	}
	return json_array_insert_new(arr, i, json_string(s)) < 0 ? oom() : 0;
}

/* A field of an object every cluster renders alike and holds unchanged. */
static int uniform_field(builder *b, const cmp_obj *o, const char *path)
{
	kd_topology_field *f = new_field(b, o, path);
	json_t *pair = NULL;
	const char *file;
	size_t i;

	if (!f)
		return oom();
	f->scope = KD_SCOPE_FLEET;
	for (i = 0; i < b->t->n; i++)
		if (o->variant[i] >= 0) {
			pair = json_object_get(o->variants[o->variant[i]].leaves, path);
			break;
		}
	if (json_array_append(f->values, pair ? json_array_get(pair, 0) : json_null()) < 0)
		return oom();
	for (i = 0; i < b->t->n; i++)
		if (!b->t->apps[i]->reason)
			f->value_of[i] = 0;
	file = pair && !json_is_null(json_array_get(pair, 0)) ?
	       source_file(json_array_get(pair, 1)) : NULL;
	return file ? add_sorted_unique(f->declared_in, file) : 0;
}

static int field(builder *b, const cmp_obj *o, const char *path, const kd_compare_cell *cells)
{
	const cmp_table *t = b->t;
	kd_topology_field *f = new_field(b, o, path);
	json_t *files = NULL, *drifted = NULL, *dfiles = NULL;
	size_t i, j, rendered = 0;
	bool own_files = true;
	int rc = 0;

	if (!f)
		return oom();
	/* distinct desired values, and which each cluster has */
	for (i = 0; i < t->n; i++) {
		const json_t *v = cells[i].desired;

		if (!cells[i].rendered)
			continue;
		rendered++;
		for (j = 0; j < json_array_size(f->values); j++) {
			json_t *x = json_array_get(f->values, j);

			if (same(json_is_null(x) ? NULL : x, v))
				break;
		}
		if (j == json_array_size(f->values) &&
		    json_array_append(f->values, v ? (json_t *)v : json_null()) < 0)
			return oom();
		f->value_of[i] = (uint32_t)j;
	}
	f->scope = KD_SCOPE_FLEET;
	if (json_array_size(f->values) > 1) {
		json_t *first = json_object();   /* group -> its first value */

		if (!first)
			return oom();
		f->scope = KD_SCOPE_ENVIRONMENT;
		for (i = 0; i < t->n && f->scope == KD_SCOPE_ENVIRONMENT; i++) {
			json_t *g;

			if (!cells[i].rendered)
				continue;
			g = json_object_get(first, t->groups[i]);
			if (!g && json_object_set_new(first, t->groups[i],
						      json_integer(f->value_of[i])) < 0) {
				json_decref(first);
				return oom();
			}
			if (g && (uint32_t)json_integer_value(g) != f->value_of[i])
				f->scope = KD_SCOPE_CLUSTER;
		}
		json_decref(first);
	}
	/* where it is declared: per file, how many clusters it serves */
	if (!(files = json_object()))
		return oom();
	for (i = 0; i < t->n; i++) {
		const char *file = cells[i].rendered && cells[i].desired ?
				   source_file(cells[i].chain) : NULL;
		json_t *cnt;

		if (!file) {
			if (cells[i].rendered)
				own_files = false;
			continue;
		}
		cnt = json_object_get(files, file);
		if ((rc = json_object_set_new(files, file, json_integer(
				cnt ? json_integer_value(cnt) + 1 : 1)) < 0 ? oom() : 0) < 0 ||
		    (rc = add_sorted_unique(f->declared_in, file)) < 0)
			goto cleanup;
		if (cnt)
			own_files = false;
	}
	if (own_files && rendered >= 2 && json_array_size(f->values) == 1 &&
	    json_object_size(files) == rendered) {
		json_t *cl = json_array();

		for (i = 0; cl && i < t->n; i++)
			if (cells[i].rendered && json_array_append_new(cl, json_string(t->states[i]->name)) < 0) {
				json_decref(cl);
				cl = NULL;
			}
		if (!cl) {
			rc = oom();
			goto cleanup;
		}
		if ((rc = add_contradiction(b, KD_CONTRA_PER_CLUSTER_EQUAL, cl,
					    json_deep_copy(f->declared_in))) < 0)
			goto cleanup;
	}
	/* declared in a shared file, yet live differs somewhere */
	for (i = 0; i < t->n; i++) {
		const char *file;
		json_t *cnt;

		if (cells[i].cls != KD_CLASS_DRIFT && cells[i].cls != KD_CLASS_BREAKGLASS)
			continue;
		if (!(file = source_file(cells[i].chain)) || !(cnt = json_object_get(files, file)) ||
		    json_integer_value(cnt) < 2)
			continue;
		if ((!drifted && !(drifted = json_array())) || (!dfiles && !(dfiles = json_array())) ||
		    json_array_append_new(drifted, json_string(t->states[i]->name)) < 0 ||
		    add_sorted_unique(dfiles, file) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	if (drifted) {
		rc = add_contradiction(b, KD_CONTRA_SHARED_LIVE_DIFFERS, drifted, dfiles);
		drifted = dfiles = NULL;
	}
cleanup:
	json_decref(files);
	json_decref(drifted);
	json_decref(dfiles);
	return rc;
}

static int build_app(kd_topology_app *a, kd_cluster_state *const *states, size_t nstates,
		     const char *app, const char *group_by)
{
	cmp_table t;
	builder b = { a, 0, 0, &t };
	kd_compare_cell *cells = NULL;
	size_t i;
	int rc;

	memset(a, 0, sizeof(*a));
	if (!(a->name = strdup(app)))
		return oom();
	if ((rc = cmp_table_build(&t, states, nstates, app, group_by)) < 0)
		return rc;
	if (!(a->clusters = calloc(t.n, sizeof(*a->clusters))) ||
	    !(cells = calloc(t.n, sizeof(*cells)))) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < t.n; i++) {
		if (!(a->clusters[i] = strdup(t.states[i]->name))) {
			rc = oom();
			goto cleanup;
		}
		a->nclusters++;
	}
	for (i = 0; i < t.nobjs && rc == 0; i++) {
		const cmp_obj *o = &t.objs[i];
		const char *path;
		json_t *v;

		json_object_foreach(o->paths, path, v) {
			if (o->uniform)
				rc = uniform_field(&b, o, path);
			else if ((rc = cmp_cells(&t, o, path, cells)) == 0) {
				rc = field(&b, o, path, cells);
				cmp_cells_clear(cells, t.n);
			}
			if (rc < 0)
				break;
		}
	}
cleanup:
	free(cells);
	cmp_table_free(&t);
	return rc;
}

int kd_topology_build(kd_topology **out, kd_cluster_state *const *states, size_t nstates,
		      const char *app, const char *group_by)
{
	kd_topology *topo = calloc(1, sizeof(*topo));
	json_t *names = json_array(), *n;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!group_by)
		group_by = "env";
	if (!topo || !names || !(topo->group_by = strdup(group_by))) {
		rc = oom();
		goto cleanup;
	}
	/* the apps, in order of first appearance */
	for (i = 0; i < nstates; i++)
		for (j = 0; states[i] && j < states[i]->napps; j++) {
			const char *a = states[i]->apps[j].name;
			size_t k;

			if (app && strcmp(a, app) != 0)
				continue;
			for (k = 0; k < json_array_size(names); k++)
				if (strcmp(json_string_value(json_array_get(names, k)), a) == 0)
					break;
			if (k == json_array_size(names) && json_array_append_new(names, json_string(a)) < 0) {
				rc = oom();
				goto cleanup;
			}
		}
	if (app && json_array_size(names) == 0) {
		rc = kd_error_set(KD_ENOTFOUND, "app '%s' is deployed to none of the selected clusters",
				  app);
		goto cleanup;
	}
	if (json_array_size(names) &&
	    !(topo->apps = calloc(json_array_size(names), sizeof(*topo->apps)))) {
		rc = oom();
		goto cleanup;
	}
	json_array_foreach(names, i, n) {
		rc = build_app(&topo->apps[i], states, nstates, json_string_value(n), group_by);
		topo->napps++;
		if (rc < 0)
			goto cleanup;
	}
	*out = topo;
	topo = NULL;
cleanup:
	kd_topology_free(topo);
	json_decref(names);
	return rc;
}

int kd_topology_json(json_t **out, const kd_topology *topo)
{
	json_t *apps = json_array(), *contra = json_array();
	size_t i, j, k;
	int rc = 0;

	*out = NULL;
	if (!apps || !contra) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < topo->napps; i++) {
		const kd_topology_app *a = &topo->apps[i];
		json_t *fields = json_array(), *app;

		if (!fields || !(app = json_pack("{s:s, s:o}", "name", a->name, "fields", fields)) ||
		    json_array_append_new(apps, app) < 0) {
			rc = oom();
			goto cleanup;
		}
		for (j = 0; j < a->nfields; j++) {
			const kd_topology_field *f = &a->fields[j];
			json_t *values = json_object(), *fo;

			for (k = 0; values && k < a->nclusters; k++)
				if (f->value_of[k] != UINT32_MAX &&
				    json_object_set(values, a->clusters[k],
						    json_array_get(f->values, f->value_of[k])) < 0) {
					json_decref(values);
					values = NULL;
				}
			fo = values ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:o}", "kind", f->kind,
						"namespace", f->namespace, "name", f->name, "path", f->path,
						"scope", kd_scope_name(f->scope), "declaredIn",
						f->declared_in, "values", values) : NULL;
			if (!fo || json_array_append_new(fields, fo) < 0) {
				rc = oom();
				goto cleanup;
			}
		}
		for (j = 0; j < a->ncontradictions; j++) {
			const kd_contradiction *c = &a->contradictions[j];
			const kd_topology_field *f = &a->fields[c->field];
			json_t *co = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O}", "app", a->name,
					       "kind", f->kind, "namespace", f->namespace, "name",
					       f->name, "path", f->path, "type",
					       kd_contradiction_name(c->kind), "clusters", c->clusters,
					       "files", c->files);

			if (!co || json_array_append_new(contra, co) < 0) {
				rc = oom();
				goto cleanup;
			}
		}
	}
	*out = json_pack("{s:O, s:O}", "apps", apps, "contradictions", contra);
	if (!*out)
		rc = oom();
cleanup:
	json_decref(apps);
	json_decref(contra);
	return rc;
}
