/*
 * render — the dispatcher: an app of the fleet for one cluster, handed to
 * the leaf its fleet entry names (a directory, Flux Kustomizations or an
 * ApplicationSet), then Flux-style substitution of the app's variables.
 * Leaves never call back here (see render.h).
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* Reads the ConfigMaps and Secrets an app's substituteFrom names (path
 * templates into the repository) and lays `substitute` over them, as Flux
 * lays postBuild.substitute over substituteFrom. */
static int app_vars(json_t **out, kd_source *src, const kd_app *app,
		    const json_t *params)
{
	json_t *vars = json_object(), *item, *v;
	kd_buf data = KD_BUF_INIT;
	const char *key;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!vars)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_array_foreach(app->substitute_from, i, item) {
		json_t *docs = NULL, *doc;
		char *path = NULL;

		if ((rc = kd_template_expand(&path, json_string_value(json_object_get(item, "path")),
					     params)) < 0)
			goto cleanup;
		rc = kd_source_read(&data, src, path);
		if (rc == KD_ENOTFOUND && json_is_true(json_object_get(item, "optional"))) {
			free(path);
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = kd_yaml_parse(&docs, NULL, kd_buf_cstr(&data), data.len, path, NULL);
		json_array_foreach(docs, j, doc) {
			const char *kind = json_string_value(json_object_get(doc, "kind"));

			if (rc < 0)
				break;
			if (!kind || (strcmp(kind, "ConfigMap") != 0 && strcmp(kind, "Secret") != 0))
				rc = kd_error_set(KD_EINVAL,
						  "%s: substituteFrom documents must be ConfigMaps or Secrets, not %s",
						  path, kind ? kind : "a document without kind");
			else
				rc = kd_flux_vars_add_object(vars, doc, path);
		}
		json_decref(docs);
		free(path);
		if (rc < 0)
			goto cleanup;
	}
	json_object_foreach(app->substitute, key, v) {
		char *value = NULL;

		if ((rc = kd_template_expand(&value, json_string_value(v), params)) < 0)
			goto cleanup;
		rc = json_object_set_new(vars, key, json_string(value)) < 0 ?
			kd_error_set(KD_ENOMEM, "out of memory") : 0;
		free(value);
		if (rc < 0)
			goto cleanup;
	}
	*out = vars;
	vars = NULL;
cleanup:
	json_decref(vars);
	kd_buf_free(&data);
	return rc;
}

int kd_render_app(json_t **out, kd_source *src, const kd_fleet *fleet,
		  const kd_cluster *cluster, const kd_app *app)
{
	kd_render_opts opts = { 0 };
	json_t *params = NULL, *vars = NULL;
	char *path = NULL, *ns = NULL;
	int rc;

	*out = NULL;
	if (app->kind == KD_APP_APPLICATIONSET) {
		rc = kd_appset_render(out, src, fleet, cluster, app, NULL);
		if (rc < 0)
			kd_error_wrap(rc, "cluster '%s', app '%s': ", cluster->name,
				      app->name);
		return rc;
	}
	if ((rc = kd_cluster_params(&params, cluster)) < 0 ||
	    (rc = kd_template_expand(&path, app->path, params)) < 0 ||
	    (app->namespace &&
	     (rc = kd_template_expand(&ns, app->namespace, params)) < 0))
		goto cleanup;
	if (app->kind == KD_APP_FLUX) {
		rc = kd_flux_render(out, src, path, NULL);
		goto wrap;
	}
	opts.namespace = ns;
	if (app->directory) {
		const json_t *recurse = json_object_get(app->directory, "recurse");

		opts.no_recurse = json_is_false(recurse);
		opts.include = json_object_get(app->directory, "include");
		opts.exclude = json_object_get(app->directory, "exclude");
	}
	rc = kd_render_dir(out, src, path, &opts);
	/* substitute / substituteFrom: Flux-style postBuild on what the path
	 * rendered. */
	if (rc == 0 && (app->substitute || app->substitute_from) &&
	    ((rc = app_vars(&vars, src, app, params)) < 0 ||
	     (rc = kd_flux_substitute(*out, vars, false)) < 0)) {
		json_decref(*out);
		*out = NULL;
	}
wrap:
	if (rc < 0)
		kd_error_wrap(rc, "cluster '%s', app '%s': ", cluster->name,
			      app->name);
cleanup:
	json_decref(params);
	json_decref(vars);
	free(path);
	free(ns);
	return rc;
}
