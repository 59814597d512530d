/*
 * render — the dispatcher: an app of the fleet for one cluster, handed to
 * the leaf its fleet entry names (a directory, Flux Kustomizations or an
 * ApplicationSet), then Flux-style substitution of the app's variables.
 * Leaves never call back here (see render.h).
 */
#include "render/render.h"
#include "render_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* Where an app's substituteFrom key is written: the ConfigMap or Secret,
 * its file and the key's line (provenance). */
static int file_origins(json_t *origins, const json_t *doc, const json_t *pos,
			const char *path)
{
	static const char *const fields[] = { "data", "stringData", NULL };
	const json_t *meta = json_object_get(doc, "metadata");
	kd_buf from = KD_BUF_INIT, ptr = KD_BUF_INIT;
	const char *key;
	json_t *v;
	size_t f;
	int rc = 0;

	if (kd_buf_printf(&from, "%s %s", kd_json_str(doc, "kind"),
			  kd_json_str(meta, "name") ? kd_json_str(meta, "name") : "") < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (f = 0; fields[f] && rc == 0; f++)
		json_object_foreach(json_object_get(doc, fields[f]), key, v) {
			json_t *o;

			kd_buf_clear(&ptr);
			if (kd_buf_printf(&ptr, "/%s", fields[f]) < 0 ||
			    kd_json_pointer_append(&ptr, key) < 0 ||
			    !(o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "step", "substitute",
					    "from", kd_buf_cstr(&from), "key", key, "file", path,
					    "line", kd_prov_line(pos, "%s", kd_buf_cstr(&ptr)))) ||
			    json_object_set_new(origins, key, o) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				break;
			}
		}
	kd_buf_free(&from);
	kd_buf_free(&ptr);
	return rc;
}

/* Reads the ConfigMaps and Secrets an app's substituteFrom names (path
 * templates into the repository) and lays `substitute` over them, as Flux
 * lays postBuild.substitute over substituteFrom.  With origins (may be
 * NULL), records where each variable was set: fpos are the fleet file's
 * positions, ai the app's index in it. */
static int app_vars(json_t **out, json_t *origins, kd_source *src, const kd_fleet *fleet,
		    const kd_app *app, const json_t *params, const json_t *fpos, long ai)
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
		json_t *docs = NULL, *poss = NULL, *doc;
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
			rc = kd_yaml_parse(&docs, origins ? &poss : NULL, kd_buf_cstr(&data), data.len,
					   path, NULL);
		json_array_foreach(docs, j, doc) {
			const char *kind = json_string_value(json_object_get(doc, "kind"));

			if (rc < 0)
				break;
			if (!kind || (strcmp(kind, "ConfigMap") != 0 && strcmp(kind, "Secret") != 0))
				rc = kd_error_set(KD_EINVAL,
						  "%s: substituteFrom documents must be ConfigMaps or Secrets, not %s",
						  path, kind ? kind : "a document without kind");
			else if ((rc = kd_flux_vars_add_object(vars, doc, path)) == 0 && origins)
				rc = file_origins(origins, doc, json_array_get(poss, j), path);
		}
		json_decref(docs);
		json_decref(poss);
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
		if (rc == 0 && origins) {
			kd_buf ptr = KD_BUF_INIT;
			json_t *o;

			if (kd_buf_printf(&ptr, "/apps/%ld/substitute", ai) < 0 ||
			    kd_json_pointer_append(&ptr, key) < 0 ||
			    !(o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "step", "substitute",
					    "from", "the fleet file's substitute", "key", key,
					    "file", fleet->file ? fleet->file : "",
					    "line", kd_prov_line(fpos, "%s", kd_buf_cstr(&ptr)))) ||
			    json_object_set_new(origins, key, o) < 0)
				rc = kd_error_set(KD_ENOMEM, "out of memory");
			kd_buf_free(&ptr);
		}
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

int kd_render_app_traced(json_t **out, json_t **prov, kd_source *src, const kd_fleet *fleet,
			 const kd_cluster *cluster, const kd_app *app)
{
	kd_render_opts opts = { 0 };
	json_t *params = NULL, *vars = NULL, *fpos = NULL, *origins = NULL, *chain = NULL;
	char *path = NULL, *ns = NULL;
	long ai = -1;
	int rc;

	*out = NULL;
	if (prov)
		*prov = NULL;
	if (app->kind == KD_APP_APPLICATIONSET) {
		rc = kd_appset_render_prov(out, prov, src, fleet, cluster, app, NULL);
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
		rc = kd_flux_render_prov(out, prov, src, path, NULL);
		goto wrap;
	}
	if (prov) {
		if ((rc = kd_prov_fleet_positions(&fpos, src, fleet)) < 0 ||
		    !(origins = json_object())) {
			rc = rc < 0 ? rc : kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		ai = kd_prov_app_index(fleet, app);
		if (ns && (rc = kd_prov_template_chain(&chain, fleet, fpos, cluster, app->namespace,
						       false, ns, fleet->file,
						       kd_prov_line(fpos, "/apps/%ld/namespace", ai),
						       "app namespace")) < 0)
			goto cleanup;
	}
	opts.namespace = ns;
	if (app->directory) {
		const json_t *recurse = json_object_get(app->directory, "recurse");

		opts.no_recurse = json_is_false(recurse);
		opts.include = json_object_get(app->directory, "include");
		opts.exclude = json_object_get(app->directory, "exclude");
	}
	rc = kd_render_dir_prov(out, prov, src, path, &opts, chain);
	/* substitute / substituteFrom: Flux-style postBuild on what the path
	 * rendered. */
	if (rc == 0 && (app->substitute || app->substitute_from) &&
	    ((rc = app_vars(&vars, origins, src, fleet, app, params, fpos, ai)) < 0 ||
	     (rc = kd_flux_substitute_prov(*out, prov ? *prov : NULL, vars, origins, false)) < 0)) {
		json_decref(*out);
		*out = NULL;
		if (prov) {
			json_decref(*prov);
			*prov = NULL;
		}
	}
wrap:
	if (rc < 0)
		kd_error_wrap(rc, "cluster '%s', app '%s': ", cluster->name,
			      app->name);
cleanup:
	json_decref(params);
	json_decref(vars);
	json_decref(fpos);
	json_decref(origins);
	json_decref(chain);
	free(path);
	free(ns);
	return rc;
}

int kd_render_app(json_t **out, kd_source *src, const kd_fleet *fleet,
		  const kd_cluster *cluster, const kd_app *app)
{
	return kd_render_app_traced(out, NULL, src, fleet, cluster, app);
}
