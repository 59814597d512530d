/*
 * accept_plan — what an accept writes (the cluster layer, the file, the
 * message) and the proof that it works: the layer rendered at the new
 * commit no longer differs from live in the accepted fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_priv.h"
#include "base/base.h"
#include "source/source.h"
#include "data/data.h"
#include "render/render.h"

#define OOM() kd_error_set(KD_ENOMEM, "out of memory")

static const char *const kust_names[] = {
	"kustomization.yaml", "kustomization.yml", "Kustomization", NULL,
};

/* The app's path for this cluster, which must be the cluster's own: it
 * must change when the cluster's parameters change, and no other cluster
 * the app targets may share it. */
static int cluster_layer(char **out, const kd_fleet *fleet,
			 const kd_cluster *cluster, const kd_app *app)
{
	json_t *params = NULL, *probe = NULL, *v;
	char *other = NULL;
	const char *k;
	size_t i;
	int rc;

	*out = NULL;
	if (app->kind != KD_APP_PATH)
		return kd_error_set(KD_EUNSUPPORTED, "app '%s': accepting into %s sources is not supported; use an app with a path",
				    app->name, app->kind == KD_APP_FLUX ? "fluxKustomizations" : "applicationSet");
	if ((rc = kd_cluster_params(&params, cluster)) < 0 ||
	    (rc = kd_template_expand(out, app->path, params)) < 0)
		goto cleanup;
	if (!(probe = json_object())) {
		rc = OOM();
		goto cleanup;
	}
	json_object_foreach(params, k, v) {
		char buf[64];

		snprintf(buf, sizeof(buf), "kdrift-probe-%zu", json_object_size(probe));
		if (json_object_set_new(probe, k, json_string(buf)) < 0) {
			rc = OOM();
			goto cleanup;
		}
	}
	if ((rc = kd_template_expand(&other, app->path, probe)) < 0)
		goto cleanup;
	if (strcmp(other, *out) == 0)
		goto no_layer;
	for (i = 0; i < fleet->nclusters; i++) {
		const kd_cluster *c = &fleet->clusters[i];

		if (c == cluster || strcmp(c->name, cluster->name) == 0 ||
		    !kd_fleet_app_targets(app, c))
			continue;
		json_decref(params);
		params = NULL;
		free(other);
		other = NULL;
		if ((rc = kd_cluster_params(&params, c)) < 0 ||
		    (rc = kd_template_expand(&other, app->path, params)) < 0)
			goto cleanup;
		if (strcmp(other, *out) == 0)
			goto no_layer;
	}
	goto cleanup;
no_layer:
	rc = kd_error_set(KD_EUNSUPPORTED,
			  "app '%s' has no layer of its own for cluster '%s': its path '%s' is shared with other clusters. "
			  "Declare one in kdrift.yaml, e.g. `path: clusters/{{name}}/%s`, a directory per cluster whose "
			  "kustomization.yaml lists the shared overlay under resources (resources: [../../../%s])",
			  app->name, cluster->name, *out, app->name, *out);
	free(*out);
	*out = NULL;
cleanup:
	json_decref(params);
	json_decref(probe);
	free(other);
	return rc;
}

static const char *obj_name(const json_t *obj)
{
	return kd_json_str(json_object_get(obj, "metadata"), "name");
}

static const char *obj_ns(const json_t *obj)
{
	const char *ns = kd_json_str(json_object_get(obj, "metadata"), "namespace");

	return ns && ns[0] ? ns : NULL;
}

/* The fields to accept: the caller's, or every drifted one. */
static int select_fields(json_t **out, const kd_accept_opts *opts)
{
	kd_diff_result *res = NULL;
	size_t i;
	int rc = 0;

	if (!(*out = json_array()))
		return OOM();
	if (opts->nfields > 0) {
		for (i = 0; i < opts->nfields; i++)
			if (!opts->fields[i] ||
			    json_array_append_new(*out, json_string(opts->fields[i])) < 0)
				return kd_error_set(KD_EINVAL, "field %zu is not a JSON pointer", i);
		return 0;
	}
	if ((rc = kd_diff_objects(&res, opts->desired, opts->live, opts->diff_opts)) < 0)
		return rc;
	for (i = 0; i < res->nfields; i++) {
		const kd_diff_field *f = &res->fields[i];
		const char *p = f->live_path ? f->live_path : f->path;

		if (json_array_append_new(*out, json_string(p)) < 0) {
			rc = OOM();
			break;
		}
	}
	if (rc == 0 && res->nfields == 0)
		rc = kd_error_set(KD_EINVAL, "the object does not drift: nothing to accept");
	kd_diff_result_free(res);
	return rc;
}

static int make_subject(kd_accept_plan *plan, const char *cluster)
{
	kd_buf b = KD_BUF_INIT;
	const char *ns = obj_ns(plan->obj);
	size_t i, n = json_array_size(plan->names);
	int rc = 0;

	if (kd_buf_printf(&b, "Accept drift in %s: ", cluster) < 0 ||
	    (plan->kind == KD_ACCEPT_ABSENT && kd_buf_puts(&b, "remove ") < 0) ||
	    (plan->kind == KD_ACCEPT_RESOURCE && kd_buf_puts(&b, "add ") < 0) ||
	    kd_buf_printf(&b, "%s %s%s%s", kd_json_str(plan->obj, "kind"),
			  ns ? ns : "", ns ? "/" : "", obj_name(plan->obj)) < 0)
		rc = OOM();
	for (i = 0; rc == 0 && i < n && i < 3; i++)
		if (kd_buf_printf(&b, "%s%s", i ? ", " : " ",
				  json_string_value(json_array_get(plan->names, i))) < 0)
			rc = OOM();
	if (rc == 0 && n > 3 && kd_buf_printf(&b, " and %zu more", n - 3) < 0)
		rc = OOM();
	if (rc == 0)
		plan->subject = kd_buf_detach(&b);
	kd_buf_free(&b);
	return rc;
}

int kd_accept_plan_make(kd_accept_plan *plan, const kd_accept_opts *opts,
			const kd_cluster *cluster, const kd_app *app)
{
	char *fname = NULL;
	json_t *params = NULL;
	const char **ptrs = NULL;
	size_t i, n;
	int rc;

	memset(plan, 0, sizeof(*plan));
	if ((rc = cluster_layer(&plan->layer, opts->fleet, cluster, app)) < 0)
		return rc;
	if (app->namespace &&
	    ((rc = kd_cluster_params(&params, cluster)) < 0 ||
	     (rc = kd_template_expand(&plan->ns, app->namespace, params)) < 0))
		goto cleanup;
	if (opts->live && opts->desired) {
		plan->kind = KD_ACCEPT_FIELDS;
		plan->obj = opts->live;
	} else if (opts->desired) {
		plan->kind = KD_ACCEPT_ABSENT;
		plan->obj = opts->desired;
	} else {
		plan->kind = KD_ACCEPT_RESOURCE;
		plan->obj = opts->live;
	}
	if (!kd_json_str(plan->obj, "kind") || !obj_name(plan->obj)) {
		rc = kd_error_set(KD_EINVAL, "the object has no kind or metadata.name");
		goto cleanup;
	}
	if ((rc = kd_accept_file_name(&fname, plan->obj)) < 0)
		goto cleanup;
	if ((rc = kd_path_join(&plan->entry, "kdrift-accepted", fname)) < 0 ||
	    (rc = kd_path_join(&plan->file, plan->layer, plan->entry)) < 0)
		goto cleanup;
	switch (plan->kind) {
	case KD_ACCEPT_FIELDS:
		if ((rc = select_fields(&plan->pointers, opts)) < 0)
			goto cleanup;
		n = json_array_size(plan->pointers);
		ptrs = calloc(n, sizeof(*ptrs));
		if (!ptrs) {
			rc = OOM();
			goto cleanup;
		}
		for (i = 0; i < n; i++)
			ptrs[i] = json_string_value(json_array_get(plan->pointers, i));
		rc = kd_accept_build_patch(&plan->content, &plan->names, opts->desired,
					   opts->live, (const char *const *)ptrs, n);
		break;
	case KD_ACCEPT_ABSENT: {
		const char *ns = obj_ns(plan->obj);

		plan->content = json_pack("{s:s?, s:s, s:{s:s}, s:s}",
					  "apiVersion", kd_json_str(plan->obj, "apiVersion"),
					  "kind", kd_json_str(plan->obj, "kind"),
					  "metadata", "name", obj_name(plan->obj),
					  "$patch", "delete");
		if (!plan->content ||
		    (ns && json_object_set_new(json_object_get(plan->content, "metadata"),
					       "namespace", json_string(ns)) < 0))
			rc = OOM();
		break;
	}
	case KD_ACCEPT_RESOURCE:
		rc = kd_accept_clean_resource(&plan->content, plan->obj);
		break;
	}
	if (rc == 0 && plan->kind != KD_ACCEPT_RESOURCE)
		json_object_del(json_object_get(plan->content, "metadata"), "namespace");
	if (rc == 0 && !plan->names && !(plan->names = json_array()))
		rc = OOM();
	if (rc == 0)
		rc = make_subject(plan, cluster->name);
cleanup:
	free(fname);
	free(ptrs);
	json_decref(params);
	return rc;
}

int kd_accept_plan_namespace(kd_accept_plan *plan)
{
	const char *ns = obj_ns(plan->obj);

	plan->with_ns = true;
	if (!ns || plan->kind == KD_ACCEPT_RESOURCE)
		return 0;
	if (json_object_set_new(json_object_get(plan->content, "metadata"),
				"namespace", json_string(ns)) < 0)
		return OOM();
	return 0;
}

void kd_accept_plan_free(kd_accept_plan *plan)
{
	json_decref(plan->content);
	json_decref(plan->names);
	json_decref(plan->pointers);
	free(plan->layer);
	free(plan->entry);
	free(plan->file);
	free(plan->subject);
	free(plan->ns);
	memset(plan, 0, sizeof(*plan));
}

/* A trailer's value: one line. */
static int put_oneline(kd_buf *b, const char *s)
{
	for (; *s; s++)
		if (kd_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s) < 0)
			return KD_ENOMEM;
	return 0;
}

int kd_accept_message(kd_buf *out, const kd_accept_plan *plan,
		      const kd_accept_opts *opts, const git_signature *sig)
{
	size_t i;

	if (kd_buf_printf(out, "%s\n\n%s\n\n", plan->subject, opts->reason) < 0)
		return OOM();
	if (json_array_size(plan->names) > 0) {
		if (kd_buf_puts(out, "Live values accepted into Git:\n") < 0)
			return OOM();
		for (i = 0; i < json_array_size(plan->names); i++)
			if (kd_buf_printf(out, "  %s\n",
					  json_string_value(json_array_get(plan->names, i))) < 0)
				return OOM();
	}
	if (kd_buf_printf(out, "File: %s\n\nReason: ", plan->file) < 0 ||
	    put_oneline(out, opts->reason) < 0 ||
	    kd_buf_printf(out, "\nAccepted-By: %s <%s>\nKdrift-Cluster: %s\n",
			  sig->name, sig->email, opts->cluster) < 0)
		return OOM();
	return 0;
}

/* By identity, the API group included.  A side without a namespace (a
 * patch file, which the layer's kustomization namespaces) matches any. */
static bool same_object(const json_t *a, const json_t *b)
{
	kd_object_id x, y;

	kd_object_id_of(&x, a);
	kd_object_id_of(&y, b);
	if (!x.kind || !y.kind || !x.name || !y.name)
		return false;
	if (!obj_ns(a) || !obj_ns(b))
		x.namespace = y.namespace = NULL;
	return kd_object_id_equal(&x, &y);
}

static const char header[] =
	"# Live state accepted into Git with `kdrift accept`; the reasons are in\n"
	"# the Git history of this file.\n";

int kd_accept_edit(kd_buf *file, kd_buf *kust, char **kpath,
		   const kd_accept_plan *plan, git_repository *repo,
		   const git_tree *tree)
{
	kd_buf old = KD_BUF_INIT;
	json_t *prev = NULL, *merged = NULL, *entry = NULL;
	bool found = false, added;
	size_t i;
	int rc = 0;

	*kpath = NULL;
	kd_buf_clear(file);
	for (i = 0; kust_names[i] && !found; i++) {
		free(*kpath);
		if ((rc = kd_path_join(kpath, plan->layer, kust_names[i])) < 0 ||
		    (rc = kd_gitwrite_read(&old, &found, repo, tree, *kpath)) < 0)
			goto cleanup;
	}
	if (!found) {
		rc = kd_error_set(KD_EUNSUPPORTED, "%s has no kustomization.yaml: accepted changes are written as Kustomize patches; "
				  "make the cluster layer a kustomization (list its manifests and the shared overlay under resources:)",
				  plan->layer);
		goto cleanup;
	}
	entry = plan->kind == KD_ACCEPT_RESOURCE ? json_string(plan->entry)
						 : json_pack("{s:s}", "path", plan->entry);
	if (!entry) {
		rc = OOM();
		goto cleanup;
	}
	if ((rc = kd_kedit_list_add(kust, &added, kd_buf_cstr(&old), old.len, *kpath,
				    plan->kind == KD_ACCEPT_RESOURCE ? "resources" : "patches",
				    entry)) < 0)
		goto cleanup;
	if ((rc = kd_gitwrite_read(&old, &found, repo, tree, plan->file)) < 0)
		goto cleanup;
	if (found && plan->kind == KD_ACCEPT_FIELDS) {
		if ((rc = kd_yaml_parse_one(&prev, NULL, kd_buf_cstr(&old), old.len,
					    plan->file, NULL)) < 0)
			goto cleanup;
		if (!json_is_object(prev) || !same_object(prev, plan->obj)) {
			rc = kd_error_set(KD_ECONFLICT, "%s already holds a patch for another object; move it aside",
					  plan->file);
			goto cleanup;
		}
		if ((rc = kd_accept_merge_patch(&merged, prev, plan->content)) < 0)
			goto cleanup;
	}
	if (kd_buf_puts(file, header) < 0) {
		rc = OOM();
		goto cleanup;
	}
	rc = kd_yaml_emit(file, merged ? merged : plan->content);
cleanup:
	kd_buf_free(&old);
	json_decref(prev);
	json_decref(merged);
	json_decref(entry);
	return rc;
}

/* The rendered object that is the plan's object, or NULL. */
static const json_t *find_object(const json_t *objs, const json_t *obj)
{
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o)
		if (same_object(o, obj))
			return o;
	return NULL;
}

static bool under(const char *path, const char *pointer)
{
	size_t n = strlen(pointer);

	return strncmp(path, pointer, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int kd_accept_verify(const kd_accept_plan *plan, const kd_accept_opts *opts,
		     const char *root, const char *commit)
{
	kd_source_opts so = { 0 };
	kd_source *src = NULL;
	kd_diff_result *res = NULL;
	json_t *objs = NULL;
	const json_t *got;
	size_t i, j;
	int rc;

	so.revision = commit;
	if ((rc = kd_source_open(&src, root, &so)) < 0)
		goto cleanup;
	if (!kd_kustomize_present(src, plan->layer)) {
		rc = kd_error_set(KD_EUNSUPPORTED, "%s has no kustomization", plan->layer);
		goto cleanup;
	}
	if ((rc = kd_kustomize_build(&objs, src, plan->layer, NULL)) < 0 ||
	    (rc = kd_render_apply_namespace(objs, plan->ns)) < 0) {
		kd_error_wrap(rc, "rendering %s with the accepted change: ", plan->layer);
		goto cleanup;
	}
	got = find_object(objs, plan->obj);
	switch (plan->kind) {
	case KD_ACCEPT_ABSENT:
		if (got)
			rc = kd_error_set(KD_ECONFLICT, "%s still renders %s %s after the delete patch",
					  plan->layer, kd_json_str(plan->obj, "kind"), obj_name(plan->obj));
		break;
	case KD_ACCEPT_RESOURCE:
		if (!got)
			rc = kd_error_set(KD_ECONFLICT, "%s does not render %s %s after adding it",
					  plan->layer, kd_json_str(plan->obj, "kind"), obj_name(plan->obj));
		break;
	case KD_ACCEPT_FIELDS:
		if (!got) {
			rc = kd_error_set(KD_ECONFLICT, "%s does not render %s %s: the patch would apply to nothing",
					  plan->layer, kd_json_str(plan->obj, "kind"), obj_name(plan->obj));
			break;
		}
		if ((rc = kd_diff_objects(&res, got, opts->live, opts->diff_opts)) < 0)
			break;
		for (i = 0; i < res->nfields && rc == 0; i++) {
			const char *p = res->fields[i].live_path ? res->fields[i].live_path
								 : res->fields[i].path;

			for (j = 0; j < json_array_size(plan->pointers); j++) {
				const char *a = json_string_value(json_array_get(plan->pointers, j));

				if (under(p, a) || under(a, p)) {
					rc = kd_error_set(KD_ECONFLICT, "after the edit %s still renders %s differently from live "
							  "(a later patch or transformer in the overlay overrides it); nothing was written",
							  plan->layer, p);
					break;
				}
			}
		}
		break;
	}
cleanup:
	kd_diff_result_free(res);
	json_decref(objs);
	kd_source_free(src);
	return rc;
}
