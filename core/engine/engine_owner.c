/*
 * engine_owner — kd_owner_finder: which app renders an object for a
 * cluster (engine.h).  Owns its own source and fleet and a cache of the
 * renders it made; shares nothing with a running engine.
 */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/render.h"
#include "source/source.h"

/* The objects one app rendered for one cluster (NULL: it failed). */
typedef struct owner_render {
	const kd_cluster *cluster;
	const kd_app *app;
	json_t *objs;
} owner_render;

struct kd_owner_finder {
	kd_source *src;
	kd_fleet *fleet;
	owner_render *renders;
	size_t nrenders, cap;
};

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_owner_finder_new(kd_owner_finder **out, const kd_engine_opts *opts)
{
	kd_engine_opts none = { 0 };
	kd_source_opts so = { 0 };
	kd_owner_finder *f;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (!(f = calloc(1, sizeof(*f))))
		return oom();
	so.revision = opts->revision;
	so.worktree = opts->worktree;
	if ((rc = kd_source_open(&f->src, opts->repo ? opts->repo : ".", &so)) < 0 ||
	    (rc = kd_fleet_load(&f->fleet, f->src,
				opts->fleet_file ? opts->fleet_file : "kdrift.yaml")) < 0) {
		kd_owner_finder_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void kd_owner_finder_free(kd_owner_finder *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nrenders; i++)
		json_decref(f->renders[i].objs);
	free(f->renders);
	kd_fleet_free(f->fleet);
	kd_source_free(f->src);
	free(f);
}

/* The app's objects for the cluster, rendered on first use; NULL when the
 * app does not render (the lookup passes over it, as the engine reports
 * such an app unknown without giving up on the others). */
static int rendered(const json_t **out, kd_owner_finder *f, const kd_cluster *cl,
		    const kd_app *app)
{
	owner_render *r;
	size_t i;

	*out = NULL;
	for (i = 0; i < f->nrenders; i++)
		if (f->renders[i].cluster == cl && f->renders[i].app == app) {
			*out = f->renders[i].objs;
			return 0;
		}
	if (f->nrenders == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		owner_render *grown = realloc(f->renders, cap * sizeof(*grown));

		if (!grown)
			return oom();
		f->renders = grown;
		f->cap = cap;
	}
	r = &f->renders[f->nrenders++];
	r->cluster = cl;
	r->app = app;
	r->objs = NULL;
	if (kd_render_app(&r->objs, f->src, f->fleet, cl, app) < 0) {
		r->objs = NULL;
		kd_error_clear();
	}
	*out = r->objs;
	return 0;
}

/* By identity (kd_object_id); without an apiVersion to go by, any group. */
static bool is_object(const json_t *obj, const char *api_version, const char *kind,
		      const char *namespace, const char *name)
{
	kd_object_id have, want = { api_version, kind, namespace, name };

	kd_object_id_of(&have, obj);
	if (!api_version)
		want.api_version = have.api_version;
	return kd_object_id_equal(&have, &want);
}

int kd_owner_finder_app(const char **app, kd_owner_finder *f, const char *cluster,
			const char *api_version, const char *kind,
			const char *namespace, const char *name)
{
	const kd_cluster *cl;
	const json_t *objs, *obj;
	size_t i, j;
	int rc;

	*app = NULL;
	if (!f || !cluster || !kind || !name)
		return kd_error_set(KD_EINVAL, "finding an object's app needs a cluster, a kind "
				    "and a name");
	if (!(cl = kd_fleet_cluster(f->fleet, cluster)))
		return kd_error_set(KD_ENOTFOUND, "%s has no cluster '%s'", f->fleet->file, cluster);
	for (i = 0; i < f->fleet->napps; i++) {
		const kd_app *a = &f->fleet->apps[i];

		if (!kd_fleet_app_targets(a, cl))
			continue;
		if ((rc = rendered(&objs, f, cl, a)) < 0)
			return rc;
		json_array_foreach(objs, j, obj)
			if (is_object(obj, api_version, kind, namespace, name)) {
				*app = a->name;
				return 0;
			}
	}
	return kd_error_set(KD_ENOTFOUND, "no app of %s renders %s %s%s%s for cluster %s",
			    f->fleet->file, kind, namespace && *namespace ? namespace : "",
			    namespace && *namespace ? "/" : "", name, cluster);
}
