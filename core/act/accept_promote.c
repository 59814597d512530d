/*
 * accept_promote — what makes a promote (accept --to LAYER) more than an
 * accept into another directory: the shared layer must be one the
 * cluster's path reaches, a closer layer must not override what is
 * promoted, and every cluster sharing the layer is rendered before and
 * after so the operator and the commit message know whose desired state
 * changes and who will drift until synced.  Reads Git through sources at
 * given commits; writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_priv.h"
#include "base/base.h"
#include "data/data.h"
#include "diff/diff.h"
#include "render/render.h"
#include "source/source.h"

#define OOM() kd_error_set(KD_ENOMEM, "out of memory")
/* Kustomizations nest a few levels; this only stops a runaway walk. */
#define MAX_DEPTH 64

static const char *const kust_names[] = {
	"kustomization.yaml", "kustomization.yml", "Kustomization", NULL,
};

const char *kd_promote_after_name(kd_promote_after a)
{
	switch (a) {
	case KD_PROMOTE_SYNCED: return "synced";
	case KD_PROMOTE_DRIFTS: return "drifts until synced";
	default: return "live state unknown";
	}
}

void kd_promote_effects_free(kd_promote_effect *e, size_t n)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < n; i++)
		free(e[i].cluster);
	free(e);
}

/* Adds to `seen` (an object used as a set, in walk order) every directory
 * `dir` reaches through the resources, bases and components of its
 * kustomization, dir included.  Remote and file entries are not layers. */
static int reach(json_t *seen, kd_source *src, const char *dir, int depth)
{
	static const char *const keys[] = { "resources", "bases", "components", NULL };
	kd_buf text = KD_BUF_INIT;
	json_t *doc = NULL, *v;
	char *kpath = NULL, *sub = NULL;
	size_t i, k;
	int rc = 0;

	if (json_object_get(seen, dir))
		return 0;
	if (depth > MAX_DEPTH)
		return kd_error_set(KD_ELIMIT, "%s: kustomizations nest deeper than %d", dir, MAX_DEPTH);
	if (json_object_set_new(seen, dir, json_true()) < 0)
		return OOM();
	for (i = 0; kust_names[i]; i++) {
		free(kpath);
		if ((rc = kd_path_join(&kpath, dir, kust_names[i])) < 0)
			goto cleanup;
		rc = kd_source_read(&text, src, kpath);
		if (rc == 0)
			break;
		if (rc != KD_ENOTFOUND)
			goto cleanup;
		kd_error_clear();
		rc = 0;
	}
	if (!kust_names[i])
		goto cleanup;   /* plain manifests: nothing below */
	if ((rc = kd_yaml_parse_one(&doc, NULL, kd_buf_cstr(&text), text.len, kpath, NULL)) < 0)
		goto cleanup;
	for (k = 0; keys[k] && rc == 0; k++) {
		json_array_foreach(json_object_get(doc, keys[k]), i, v) {
			const char *s = json_string_value(v);
			kd_source_type t = KD_SOURCE_NONE;

			if (!s || strstr(s, "://") || s[0] == '/')
				continue;
			free(sub);
			sub = NULL;
			if (kd_path_join(&sub, dir, s) < 0) {
				/* A path out of the repository is render's to report. */
				kd_error_clear();
				continue;
			}
			if ((rc = kd_source_stat(&t, src, sub)) < 0) {
				kd_error_clear();
				rc = 0;
				continue;
			}
			if (t == KD_SOURCE_DIR && (rc = reach(seen, src, sub, depth + 1)) < 0)
				break;
		}
	}
cleanup:
	kd_buf_free(&text);
	json_decref(doc);
	free(kpath);
	free(sub);
	return rc;
}

/* The directories `dir` reaches at `commit`, as a set. */
static int reached(json_t **out, const char *root, const char *commit, const char *dir)
{
	kd_source_opts so = { 0 };
	kd_source *src = NULL;
	int rc;

	if (!(*out = json_object()))
		return OOM();
	so.revision = commit;
	if ((rc = kd_source_open(&src, root, &so)) == 0)
		rc = reach(*out, src, dir, 0);
	kd_source_free(src);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int kd_promote_check_layer(const kd_accept_plan *plan, const char *root, const char *commit)
{
	json_t *seen = NULL, *v;
	kd_buf list = KD_BUF_INIT;
	const char *d;
	int rc;

	if ((rc = reached(&seen, root, commit, plan->cluster_path)) < 0)
		return kd_error_wrap(rc, "reading the layers of %s: ", plan->cluster_path);
	if (json_object_get(seen, plan->layer))
		goto cleanup;
	json_object_foreach(seen, d, v)
		if (kd_buf_printf(&list, "%s%s", list.len ? ", " : "", d) < 0) {
			rc = OOM();
			goto cleanup;
		}
	rc = kd_error_set(KD_EINVAL, "cluster's path %s does not include %s: it reaches %s; "
			  "promote into one of those", plan->cluster_path, plan->layer,
			  kd_buf_cstr(&list));
cleanup:
	json_decref(seen);
	kd_buf_free(&list);
	return rc;
}

/* The object of objs (and its index) with obj's identity; a side without
 * a namespace matches any, and with any_ns so does every namespace (the
 * same object of another cluster, whose app namespace may differ). */
static const json_t *find_object(size_t *index, const json_t *objs, const json_t *obj,
				 bool any_ns)
{
	kd_object_id want, have;
	size_t i;
	json_t *o;

	kd_object_id_of(&want, obj);
	json_array_foreach(objs, i, o) {
		kd_object_id_of(&have, o);
		if (any_ns || !want.namespace || !want.namespace[0] || !have.namespace ||
		    !have.namespace[0])
			have.namespace = want.namespace;
		if (kd_object_id_equal(&want, &have)) {
			if (index)
				*index = i;
			return o;
		}
	}
	return NULL;
}

static bool under(const char *path, const char *pointer)
{
	size_t n = strlen(pointer);

	return strncmp(path, pointer, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The first field of the diff between desired and live that touches a
 * promoted pointer, or NULL; *res keeps the diff alive. */
static int promoted_drift(const kd_diff_field **out, kd_diff_result **res,
			  const kd_accept_plan *plan, const json_t *desired,
			  const json_t *live, const kd_diff_opts *dopts)
{
	size_t i, j;
	int rc;

	*out = NULL;
	if ((rc = kd_diff_objects(res, desired, live, dopts)) < 0)
		return rc;
	for (i = 0; i < (*res)->nfields && !*out; i++) {
		const kd_diff_field *f = &(*res)->fields[i];
		const char *p = f->live_path ? f->live_path : f->path;

		for (j = 0; j < json_array_size(plan->pointers); j++) {
			const char *a = json_string_value(json_array_get(plan->pointers, j));

			if (under(p, a) || under(a, p)) {
				*out = f;
				break;
			}
		}
	}
	return 0;
}

/* The promoting cluster still differs from live at field f after the
 * edit: say which file wins, from the provenance of the new render.  A
 * closer layer is a refusal (KD_EINVAL); a patch that reached nothing is
 * KD_ECONFLICT, which the caller may retry with the object's namespace. */
static int overridden(const kd_accept_plan *plan, const kd_accept_opts *opts,
		      kd_source *src, const kd_cluster *cluster, const kd_app *app,
		      const char *root, const char *commit, const kd_diff_field *f)
{
	json_t *objs = NULL, *prov = NULL, *mine = NULL;
	const json_t *last = NULL;
	const char *file;
	char *dir = NULL;
	size_t idx = 0;
	int rc;

	if ((rc = kd_render_app_traced(&objs, &prov, src, opts->fleet, cluster, app)) < 0)
		goto cleanup;
	if (find_object(&idx, objs, plan->obj, false))
		last = kd_prov_last(json_array_get(prov, idx), f->path);
	file = last ? kd_json_str(last, "file") : NULL;
	if (!file) {
		rc = kd_error_set(KD_ECONFLICT, "after the edit cluster %s still renders %s differently from live; "
				  "nothing was written", opts->cluster, f->path);
		goto cleanup;
	}
	if (!(dir = kd_path_dirname(file))) {
		rc = OOM();
		goto cleanup;
	}
	if ((rc = reached(&mine, root, commit, plan->layer)) < 0)
		goto cleanup;
	if (json_object_get(mine, dir) || strcmp(file, "kdrift.yaml") == 0)
		rc = kd_error_set(KD_ECONFLICT, "the patch written to %s does not reach %s of cluster %s "
				  "(it still comes from %s:%lld); nothing was written",
				  plan->layer, f->path, opts->cluster, file,
				  (long long)json_integer_value(json_object_get(last, "line")));
	else
		rc = kd_error_set(KD_EINVAL, "%s:%lld (%s), a layer closer to cluster %s than %s, sets %s; "
				  "the promoted value would not reach the cluster. Accept into the cluster's own "
				  "layer, or change that file first; nothing was written",
				  file, (long long)json_integer_value(json_object_get(last, "line")),
				  kd_json_str(last, "step") ? kd_json_str(last, "step") : "?",
				  opts->cluster, plan->layer, f->path);
cleanup:
	json_decref(objs);
	json_decref(prov);
	json_decref(mine);
	free(dir);
	return rc;
}

/* The resource of the app in a published state with obj's identity. */
static const kd_resource *state_resource(const kd_accept_opts *opts, const char *cluster,
					 const json_t *obj, bool *known)
{
	kd_object_id want;
	size_t i, j;

	*known = false;
	kd_object_id_of(&want, obj);
	for (i = 0; i < opts->nstates; i++) {
		const kd_cluster_state *st = opts->states[i];

		if (!st || strcmp(st->name, cluster) != 0)
			continue;
		if (!st->reachable || st->reason)
			return NULL;
		for (j = 0; j < st->napps; j++) {
			const kd_app_state *as = &st->apps[j];
			size_t k;

			if (strcmp(as->name, opts->app) != 0)
				continue;
			if (as->reason && as->nresources == 0)
				return NULL;
			*known = true;
			for (k = 0; k < as->nresources; k++) {
				const kd_resource *r = &as->resources[k];

				if (strcmp(r->kind, want.kind) == 0 && strcmp(r->name, want.name) == 0 &&
				    (!want.namespace || strcmp(r->namespace, want.namespace) == 0))
					return r;
			}
		}
	}
	return NULL;
}

/* What the cluster's live state does against its new desired object. */
static int after_for(kd_promote_after *out, const kd_accept_plan *plan,
		     const kd_accept_opts *opts, const char *cluster, const json_t *desired)
{
	const kd_resource *res;
	const kd_diff_field *f = NULL;
	kd_diff_result *d = NULL;
	bool known;
	int rc;

	*out = KD_PROMOTE_UNKNOWN;
	if (!desired)
		return 0;
	res = state_resource(opts, cluster, desired, &known);
	if (!known)
		return 0;
	if (!res || !res->live) {
		/* Missing there: it differs from Git either way. */
		*out = KD_PROMOTE_DRIFTS;
		return 0;
	}
	if ((rc = promoted_drift(&f, &d, plan, desired, res->live, opts->diff_opts)) == 0)
		*out = f ? KD_PROMOTE_DRIFTS : KD_PROMOTE_SYNCED;
	kd_diff_result_free(d);
	return rc;
}

int kd_promote_effects(kd_promote_effect **out, size_t *n, const kd_accept_plan *plan,
		       const kd_accept_opts *opts, const char *root, const char *base,
		       const char *commit)
{
	kd_source_opts so = { 0 };
	kd_source *before = NULL, *after = NULL;
	kd_promote_effect *eff = NULL;
	kd_diff_result *d = NULL;
	json_t *old = NULL, *cur = NULL;
	const kd_app *app = kd_fleet_app(opts->fleet, opts->app);
	size_t i, m = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!app)
		return kd_error_set(KD_ENOTFOUND, "no app '%s' in the fleet", opts->app);
	if (!(eff = calloc(opts->fleet->nclusters + 1, sizeof(*eff))))
		return OOM();
	so.revision = base;
	if ((rc = kd_source_open(&before, root, &so)) < 0)
		goto cleanup;
	so.revision = commit;
	if ((rc = kd_source_open(&after, root, &so)) < 0)
		goto cleanup;
	for (i = 0; i < opts->fleet->nclusters; i++) {
		const kd_cluster *c = &opts->fleet->clusters[i];
		bool self = strcmp(c->name, opts->cluster) == 0;
		const json_t *obj;
		const kd_diff_field *f = NULL;

		if (!kd_fleet_app_targets(app, c))
			continue;
		json_decref(old);
		json_decref(cur);
		old = cur = NULL;
		if ((rc = kd_render_app(&cur, after, opts->fleet, c, app)) < 0) {
			kd_error_wrap(rc, "after the edit app '%s' does not render for cluster %s: ",
				      opts->app, c->name);
			goto cleanup;
		}
		if (kd_render_app(&old, before, opts->fleet, c, app) < 0) {
			/* It did not render before: whatever renders now is new. */
			kd_error_clear();
			old = NULL;
		}
		obj = find_object(NULL, cur, plan->obj, false);
		if (!obj && !self)
			obj = find_object(NULL, cur, plan->obj, true);
		if (self) {
			if (!obj) {
				rc = kd_error_set(KD_ECONFLICT, "after the edit cluster %s renders no %s %s; nothing was written",
						  c->name, kd_json_str(plan->obj, "kind"),
						  kd_json_str(json_object_get(plan->obj, "metadata"), "name"));
				goto cleanup;
			}
			kd_diff_result_free(d);
			d = NULL;
			if ((rc = promoted_drift(&f, &d, plan, obj, opts->live, opts->diff_opts)) < 0)
				goto cleanup;
			if (f) {
				rc = overridden(plan, opts, after, c, app, root, commit, f);
				goto cleanup;
			}
		}
		if (old && kd_json_equal(old, cur))
			continue;
		if (!(eff[m].cluster = strdup(c->name))) {
			rc = OOM();
			goto cleanup;
		}
		if (self)
			eff[m].after = KD_PROMOTE_SYNCED;
		else if ((rc = after_for(&eff[m].after, plan, opts, c->name, obj)) < 0)
			goto cleanup;
		m++;
	}
	*out = eff;
	*n = m;
	eff = NULL;
cleanup:
	kd_promote_effects_free(eff, opts->fleet->nclusters);
	kd_diff_result_free(d);
	json_decref(old);
	json_decref(cur);
	kd_source_free(before);
	kd_source_free(after);
	return rc;
}
