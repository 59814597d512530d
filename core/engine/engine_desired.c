/*
 * engine_desired — desired state per cluster: renders each app that targets
 * the cluster and marks the objects its cluster-specific layer decides.
 *
 * Renders are cached by app, expanded path and namespace: most clusters of a
 * fleet share their app paths, and the rendered array is shared between them
 * (read-only) rather than copied, which keeps a large fleet's memory bounded.
 * An app with substitutions is rendered per cluster, since its result may
 * depend on more than its path.
 */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"
#include "render/render.h"

bool kd_engine_path_is_templated(const char *path)
{
	return path && strstr(path, "{{") != NULL;
}

static void apps_free(eng_app *apps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		eng_helm_app_free(&apps[i]);
		json_decref(apps[i].desired);
		json_decref(apps[i].provenance);
		free(apps[i].error);
		free(apps[i].path);
		json_decref(apps[i].intentional);
	}
	free(apps);
}

void eng_apps_free(eng_cluster *cl)
{
	apps_free(cl->apps, cl->napps);
	cl->apps = NULL;
	cl->napps = 0;
	cl->rendered = false;
}

static int expand(char **path, char **ns, const kd_cluster *c, const kd_app *app)
{
	json_t *params = NULL;
	int rc;

	*path = NULL;
	*ns = NULL;
	if ((rc = kd_cluster_params(&params, c)) == 0 &&
	    (rc = kd_template_expand(path, app->path ? app->path : "", params)) == 0 &&
	    app->namespace)
		rc = kd_template_expand(ns, app->namespace, params);
	json_decref(params);
	return rc;
}

/* A base directory rendered with the app's namespace, cached; NULL when it
 * does not render (then nothing is known about it). */
static const json_t *base_render(kd_engine *e, const char *dir, const char *ns)
{
	kd_buf key = KD_BUF_INIT;
	kd_render_opts opts = { 0 };
	json_t *objs = NULL, *v;

	if (kd_buf_printf(&key, "%s\n%s", dir, ns ? ns : "") < 0)
		return NULL;
	v = json_object_get(e->base_cache, kd_buf_cstr(&key));
	if (!v) {
		opts.namespace = ns;
		if (kd_render_dir(&objs, e->src, dir, &opts) < 0)
			objs = NULL;
		v = objs ? objs : json_null();
		json_object_set_new(e->base_cache, kd_buf_cstr(&key), v);
	}
	kd_buf_free(&key);
	return json_is_array(v) ? v : NULL;
}

static int add_base_objects(json_t *index, const json_t *objs)
{
	kd_buf key = KD_BUF_INIT;
	size_t i;
	json_t *o;
	int rc = 0;

	json_array_foreach(objs, i, o) {
		kd_buf_clear(&key);
		if (kd_engine_object_key(&key, o, !kd_kind_is_cluster_scoped(
				kd_json_str(o, "apiVersion"), kd_json_str(o, "kind"))) < 0)
			continue;
		if (json_object_set(index, kd_buf_cstr(&key), o) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_buf_free(&key);
	return rc;
}

/* The app's bases: the directories its kustomization lists under
 * `resources:` and `bases:`, rendered and indexed by object key.  NULL when
 * the path has no kustomization (then every object is the cluster's own). */
static json_t *bases_of(kd_engine *e, const char *path, const char *ns)
{
	static const char *const names[] = {
		"kustomization.yaml", "kustomization.yml", "Kustomization",
	};
	static const char *const lists[] = { "resources", "bases" };
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL, *index = NULL, *entry;
	char *file = NULL, *dir = NULL;
	size_t i, j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		free(file);
		file = NULL;
		if (kd_path_join(&file, path, names[i]) == 0 &&
		    kd_source_read(&data, e->src, file) == 0)
			break;
	}
	if (i == sizeof(names) / sizeof(names[0]) ||
	    kd_yaml_parse(&docs, NULL, kd_buf_cstr(&data), data.len, file, NULL) < 0 ||
	    !(index = json_object()))
		goto cleanup;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		json_array_foreach(kd_json_arr(json_array_get(docs, 0), lists[i]), j, entry) {
			kd_source_type type = KD_SOURCE_NONE;
			const json_t *objs;

			free(dir);
			dir = NULL;
			if (!json_is_string(entry) ||
			    kd_path_join(&dir, path, json_string_value(entry)) < 0 ||
			    kd_source_stat(&type, e->src, dir) < 0 || type != KD_SOURCE_DIR)
				continue;
			if ((objs = base_render(e, dir, ns)))
				add_base_objects(index, objs);
		}
	}
cleanup:
	free(file);
	free(dir);
	json_decref(docs);
	kd_buf_free(&data);
	return index;
}

/* A parallel array of booleans: true where the object comes from (or is
 * changed by) the cluster's own layer. */
static json_t *intentional_of(kd_engine *e, const json_t *desired,
			      const char *path, const char *ns)
{
	json_t *bases = bases_of(e, path, ns), *out = json_array(), *o;
	kd_buf key = KD_BUF_INIT;
	size_t i;

	if (!out)
		goto cleanup;
	json_array_foreach(desired, i, o) {
		const json_t *b = NULL;

		kd_buf_clear(&key);
		if (bases && kd_engine_object_key(&key, o, !kd_kind_is_cluster_scoped(
				kd_json_str(o, "apiVersion"), kd_json_str(o, "kind"))) == 0)
			b = json_object_get(bases, kd_buf_cstr(&key));
		if (json_array_append_new(out, json_boolean(!b || !kd_json_equal(b, o))) < 0) {
			json_decref(out);
			out = NULL;
			break;
		}
	}
cleanup:
	kd_buf_free(&key);
	json_decref(bases);
	return out;
}

static int render_app(kd_engine *e, eng_cluster *cl, eng_app *ea)
{
	const kd_app *app = ea->app;
	bool cacheable = !app->substitute && !app->substitute_from &&
			 app->kind == KD_APP_PATH;
	kd_buf key = KD_BUF_INIT;
	char *ns = NULL;
	json_t *objs = NULL, *prov = NULL;
	bool traced = e->opts.provenance;
	int rc;

	if ((rc = expand(&ea->path, &ns, cl->fc, app)) < 0)
		goto failed;
	if (cacheable) {
		if (kd_buf_printf(&key, "%s\n%s\n%s", app->name, ea->path, ns ? ns : "") < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto failed;
		}
		objs = json_incref(json_object_get(e->render_cache, kd_buf_cstr(&key)));
		if (objs && traced) {
			/* the provenance sits beside the objects, under KEY + "\nprov" */
			kd_buf_puts(&key, "\nprov");
			prov = json_incref(json_object_get(e->render_cache, kd_buf_cstr(&key)));
			kd_buf_truncate(&key, key.len - 5);
		}
	}
	if (!objs) {
		if ((rc = kd_render_app_traced(&objs, traced ? &prov : NULL, e->src, e->fleet,
					       cl->fc, app)) < 0)
			goto failed;
		if (cacheable) {
			json_object_set(e->render_cache, kd_buf_cstr(&key), objs);
			if (prov && kd_buf_puts(&key, "\nprov") == 0)
				json_object_set(e->render_cache, kd_buf_cstr(&key), prov);
		}
	}
	ea->desired = objs;
	ea->provenance = prov;
	if (kd_engine_path_is_templated(app->path))
		ea->intentional = intentional_of(e, objs, ea->path, ns);
	free(ns);
	kd_buf_free(&key);
	return 0;
failed:
	ea->error = strdup(kd_error_last());
	free(ns);
	kd_buf_free(&key);
	return ea->error ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

int eng_render_cluster(kd_engine *e, eng_cluster *cl)
{
	size_t i, n = 0;
	int rc = 0;

	eng_apps_free(cl);
	for (i = 0; i < e->fleet->napps; i++)
		if (kd_fleet_app_targets(&e->fleet->apps[i], cl->fc) &&
		    (!e->app_name || strcmp(e->app_name, e->fleet->apps[i].name) == 0))
			n++;
	if (n && !(cl->apps = calloc(n, sizeof(*cl->apps))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < e->fleet->napps && rc == 0; i++) {
		const kd_app *app = &e->fleet->apps[i];

		if (!kd_fleet_app_targets(app, cl->fc) ||
		    (e->app_name && strcmp(e->app_name, app->name) != 0))
			continue;
		cl->apps[cl->napps].app = app;
		rc = render_app(e, cl, &cl->apps[cl->napps]);
		cl->napps++;
		if (cl->apps[cl->napps - 1].error)
			kd_store_log(e->store, KD_LOG_ERROR, cl->fc->name, "%s",
				     cl->apps[cl->napps - 1].error);
	}
	cl->rendered = rc == 0;
	return rc;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* NULL and an absent value are the same; otherwise equal JSON. */
static bool same_json(const json_t *a, const json_t *b)
{
	return a == b || (a && b && kd_json_equal(a, b));
}

bool kd_engine_desired_same(const kd_app_render *a, size_t na,
			    const kd_app_render *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!same_text(a[i].app, b[i].app) || !same_text(a[i].path, b[i].path) ||
		    !same_text(a[i].error, b[i].error) || !same_json(a[i].entry, b[i].entry) ||
		    !same_json(a[i].objects, b[i].objects) ||
		    !same_json(a[i].provenance, b[i].provenance) ||
		    !same_json(a[i].intentional, b[i].intentional))
			return false;
	return true;
}

/* What Git rendered for an app: with Helm releases the desired array also
 * holds the records' objects, which a new revision does not change. */
static const json_t *git_objects(const eng_app *ea)
{
	return ea->git ? ea->git : ea->desired;
}

static void app_render_of(kd_app_render *out, const eng_app *ea)
{
	out->app = ea->app->name;
	out->entry = ea->app->raw;
	out->path = ea->path;
	out->error = ea->error;
	out->objects = git_objects(ea);
	out->provenance = ea->provenance;
	out->intentional = ea->intentional;
}

static bool apps_same(const eng_app *a, size_t na, const eng_app *b, size_t nb)
{
	kd_app_render *ra = calloc(na ? na : 1, sizeof(*ra));
	kd_app_render *rb = calloc(nb ? nb : 1, sizeof(*rb));
	bool same = false;
	size_t i;

	/* out of memory: changed, which is always safe */
	if (ra && rb) {
		for (i = 0; i < na; i++)
			app_render_of(&ra[i], &a[i]);
		for (i = 0; i < nb; i++)
			app_render_of(&rb[i], &b[i]);
		same = kd_engine_desired_same(ra, na, rb, nb);
	}
	free(ra);
	free(rb);
	return same;
}

int eng_render_changed(kd_engine *e, eng_cluster *cl)
{
	eng_app *old = cl->apps;
	size_t nold = cl->napps, i;
	int rc;

	cl->apps = NULL;
	cl->napps = 0;
	if ((rc = eng_render_cluster(e, cl)) < 0) {
		apps_free(old, nold);
		return rc;
	}
	if (!apps_same(old, nold, cl->apps, cl->napps)) {
		apps_free(old, nold);
		return 1;
	}
	/* Unchanged: the cluster keeps what it had (its Helm expansion, the
	 * json values its cached diffs and published states hold), pointing
	 * at the new fleet's apps, since the old fleet may go away. */
	for (i = 0; i < nold; i++)
		old[i].app = cl->apps[i].app;
	eng_apps_free(cl);
	cl->apps = old;
	cl->napps = nold;
	cl->rendered = true;
	return 0;
}
