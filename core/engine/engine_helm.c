/*
 * engine_helm — Helm releases as desired state (DESIGN §5) in one cluster.
 *
 * After discovery, the release records the apps' HelmReleases (and Argo CD
 * Applications with a Helm source) need are listed: one list of Secrets and
 * one of ConfigMaps labelled owner=helm,status=deployed per storage
 * namespace.  The objects of each release's deployed revision then join
 * the desired objects of the app that holds the release, so they are
 * listed, watched, diffed and acted on like any other.  When a state is
 * published, those objects are marked with their release and the
 * HelmRelease itself carries Git's chart version and values compared with
 * the record's: a release behind Git is drift on the HelmRelease.  While
 * the engine watches, the records are listed again at each Git fetch, so a
 * Helm upgrade changes the desired objects.
 *
 * Formats and naming rules live in core/render/helm.c; this file fetches
 * and joins.  Never prints.
 */
#include "engine_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

#define RECORD_SELECTOR "owner=helm,status=deployed"
#define ANN_RELEASE_NAME "meta.helm.sh/release-name"
#define ANN_RELEASE_NAMESPACE "meta.helm.sh/release-namespace"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* The app's objects as Git has them (before any release was added). */
static const json_t *git_objects(const eng_app *ea)
{
	return ea->git ? ea->git : ea->desired;
}

/* ---- listing the records --------------------------------------------------- */

static void rlists_free(eng_cluster *cl)
{
	size_t i;

	for (i = 0; i < cl->nrlists; i++) {
		if (cl->rlists[i].call)
			kd_kube_cancel(cl->rlists[i].call);
		free(cl->rlists[i].namespace);
	}
	free(cl->rlists);
	cl->rlists = NULL;
	cl->nrlists = 0;
	cl->rlists_pending = 0;
}

void eng_helm_reset(eng_cluster *cl)
{
	rlists_free(cl);
	json_decref(cl->records);
	json_decref(cl->records_next);
	cl->records = cl->records_next = NULL;
	free(cl->records_mark);
	cl->records_mark = NULL;
	cl->records_done = NULL;
}

/* The storage namespaces of every release the cluster's apps describe, as
 * the keys of a new object (in the order the apps name them). */
static int storage_namespaces(json_t **out, const eng_cluster *cl)
{
	json_t *nss = json_object(), *o;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!nss)
		return oom();
	for (i = 0; i < cl->napps && rc == 0; i++) {
		if (cl->apps[i].error)
			continue;
		json_array_foreach(git_objects(&cl->apps[i]), j, o) {
			kd_helm_release r;
			int k = kd_helm_release_of(&r, o);

			if (k < 0)
				kd_error_clear();   /* no name: the object is reported on its own */
			if (k == 1 && json_object_set_new(nss, r.storage_namespace, json_true()) < 0)
				rc = oom();
			kd_helm_release_clear(&r);
			if (rc < 0)
				break;
		}
	}
	if (rc < 0) {
		json_decref(nss);
		return rc;
	}
	*out = nss;
	return 0;
}

static void on_records(void *ctx, const kd_kube_result *res)
{
	eng_record_list *l = ctx;
	eng_cluster *cl = l->cl;
	json_t *slot = json_object_get(cl->records_next, l->namespace);
	void (*done)(eng_cluster *cl);

	l->call = NULL;
	if (res->error && res->error != KD_ENOTFOUND) {
		if (!json_object_get(slot, "error"))
			json_object_set_new(slot, "error", json_string(res->message));
	} else if (res->items) {
		json_array_extend(json_object_get(slot, "items"), res->items);
	}
	if (--cl->rlists_pending > 0)
		return;
	json_decref(cl->records);
	cl->records = cl->records_next;
	cl->records_next = NULL;
	done = cl->records_done;
	cl->records_done = NULL;
	rlists_free(cl);   /* every call has answered: nothing left to cancel */
	if (done)
		done(cl);
}

int eng_helm_fetch(eng_cluster *cl, void (*done)(eng_cluster *cl))
{
	kd_kube_list_opts lo = { .label_selector = RECORD_SELECTOR };
	json_t *nss = NULL, *v;
	const char *ns;
	size_t i, n;
	int rc;

	if (cl->rlists_pending || !cl->conn)
		return 0;
	if ((rc = storage_namespaces(&nss, cl)) < 0)
		return rc;
	if ((n = json_object_size(nss)) == 0) {
		json_decref(nss);
		return 0;
	}
	json_decref(cl->records_next);
	if (!(cl->records_next = json_object()) ||
	    !(cl->rlists = calloc(2 * n, sizeof(*cl->rlists)))) {
		rc = oom();
		goto fail;
	}
	json_object_foreach(nss, ns, v) {
		if (json_object_set_new(cl->records_next, ns,
					json_pack("{s:[]}", "items")) < 0) {
			rc = oom();
			goto fail;
		}
		for (i = 0; i < 2; i++) {
			eng_record_list *l = &cl->rlists[cl->nrlists++];

			l->cl = cl;
			l->resource = i == 0 ? "secrets" : "configmaps";
			if (!(l->namespace = strdup(ns))) {
				rc = oom();
				goto fail;
			}
		}
	}
	cl->records_done = done;
	cl->rlists_pending = (int)cl->nrlists;
	for (i = 0; i < cl->nrlists; i++) {
		eng_record_list *l = &cl->rlists[i];
		kd_kube_ref ref = { .group = "", .version = "v1", .resource = l->resource,
				    .namespace = l->namespace };

		if ((rc = kd_kube_list(&l->call, cl->conn, &ref, &lo, on_records, l)) < 0)
			goto fail;
	}
	json_decref(nss);
	return (int)cl->nrlists;
fail:
	rlists_free(cl);
	json_decref(cl->records_next);
	cl->records_next = NULL;
	cl->records_done = NULL;
	json_decref(nss);
	return rc;
}

/* Names and resourceVersions of the records held: what an expansion
 * depends on.  A new string, or NULL (out of memory). */
static char *records_mark(const json_t *records)
{
	kd_buf b = KD_BUF_INIT;
	const char *ns;
	json_t *slot, *r;
	size_t i;

	kd_buf_puts(&b, "");
	json_object_foreach((json_t *)records, ns, slot) {
		kd_buf_printf(&b, "%s:", ns);
		json_array_foreach(kd_json_arr(slot, "items"), i, r) {
			const json_t *meta = kd_json_obj(r, "metadata");

			kd_buf_printf(&b, "%s/%s@%s,", kd_json_str(r, "kind") ? kd_json_str(r, "kind") : "",
				      kd_json_str(meta, "name") ? kd_json_str(meta, "name") : "",
				      kd_json_str(meta, "resourceVersion") ?
				      kd_json_str(meta, "resourceVersion") : "");
		}
		if (kd_json_str(slot, "error"))
			kd_buf_printf(&b, "!%s", kd_json_str(slot, "error"));
		kd_buf_puts(&b, ";");
	}
	return kd_buf_detach(&b);
}

bool eng_helm_records_changed(eng_cluster *cl)
{
	char *mark = records_mark(cl->records);
	bool changed = !mark || !cl->records_mark || strcmp(mark, cl->records_mark) != 0;

	free(mark);
	return changed;
}

/* ---- expansion -------------------------------------------------------------- */

static void releases_free(eng_app *ea)
{
	size_t i;

	for (i = 0; i < ea->nreleases; i++) {
		eng_release *e = &ea->releases[i];

		kd_helm_release_clear(&e->git);
		free(e->key);
		free(e->reason);
		free(e->summary);
		kd_diff_result_free(e->behind);
	}
	free(ea->releases);
	ea->releases = NULL;
	ea->nreleases = 0;
}

void eng_helm_app_free(eng_app *ea)
{
	releases_free(ea);
	json_decref(ea->git);
	ea->git = NULL;
}

/* Discovery knows whether a custom resource is namespaced; the built-in
 * table stands in before it. */
static bool kind_namespaced(void *ctx, const char *api_version, const char *kind)
{
	eng_cluster *cl = ctx;
	const kd_kube_resource *r;
	char group[256];

	kd_api_group(group, sizeof(group), api_version);
	if (cl->conn && kd_kube_discovered(cl->conn) &&
	    kd_kube_lookup(&r, cl->conn, group, NULL, kind) == 0)
		return r->namespaced;
	return !kd_kind_is_cluster_scoped(api_version, kind);
}

static int set_reason(eng_release *e, const char *fmt, ...) KD_PRINTF(2, 3);

static int set_reason(eng_release *e, const char *fmt, ...)
{
	kd_buf b = KD_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = kd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(e->reason);
	if (rc < 0 || !(e->reason = kd_buf_detach(&b))) {
		kd_buf_free(&b);
		return oom();
	}
	return 0;
}

/* Appends the objects of one release's deployed record to out; what
 * keeps them unknown becomes the release's reason. */
static int expand_release(eng_cluster *cl, eng_release *e, json_t *out)
{
	const kd_helm_release *g = &e->git;
	const json_t *slot = json_object_get(cl->records, g->storage_namespace), *rec, *meta;
	json_t *rel = NULL, *objs = NULL;
	const char *ns;
	kd_buf sum = KD_BUF_INIT;
	int rc = 0;

	e->first = json_array_size(out);
	e->count = 0;
	if (!slot)
		return set_reason(e, "the Helm release records of namespace %s were not read",
				  g->storage_namespace);
	if (!(rec = kd_helm_record_find(kd_json_arr(slot, "items"), g->name))) {
		if (kd_json_str(slot, "error"))
			return set_reason(e, "cannot read the Helm release records of namespace %s: %s",
					  g->storage_namespace, kd_json_str(slot, "error"));
		return set_reason(e, "no deployed revision of Helm release %s in namespace %s "
				  "(no Secret or ConfigMap sh.helm.release.v1.%s.vN labelled "
				  "status=deployed)", g->name, g->storage_namespace, g->name);
	}
	/* the objects are where the deployed revision put them */
	if ((rc = kd_helm_record_decode(&rel, rec)) == 0) {
		ns = kd_json_str(rel, "namespace");
		rc = kd_helm_manifest_objects(&objs, rel, ns && *ns ? ns : g->namespace,
					      kind_namespaced, cl);
	}
	if (rc == KD_ENOMEM)
		goto cleanup;
	if (rc < 0) {
		rc = set_reason(e, "%s", kd_error_last());
		goto cleanup;
	}
	if (json_array_extend(out, objs) < 0 || (rc = kd_helm_compare(&e->behind, g, rel)) < 0) {
		rc = rc < 0 ? rc : oom();
		goto cleanup;
	}
	e->count = json_array_size(objs);
	meta = kd_json_obj(kd_json_obj(rel, "chart"), "metadata");
	if ((rc = kd_buf_printf(&sum, "revision %lld of chart %s %s",
				(long long)json_integer_value(json_object_get(rel, "version")),
				kd_json_str(meta, "name") ? kd_json_str(meta, "name") : "?",
				kd_json_str(meta, "version") ? kd_json_str(meta, "version") : "?")) < 0 ||
	    !(e->summary = kd_buf_detach(&sum)))
		rc = oom();
cleanup:
	kd_buf_free(&sum);
	json_decref(rel);
	json_decref(objs);
	return rc;
}

static int expand_app(eng_cluster *cl, eng_app *ea)
{
	const json_t *base = git_objects(ea);
	json_t *out = NULL, *o;
	size_t j, cap = 0;
	int rc = 0;

	releases_free(ea);
	json_array_foreach(base, j, o) {
		kd_helm_release r;
		eng_release *e;
		kd_buf key = KD_BUF_INIT;
		int k = kd_helm_release_of(&r, o);

		if (k < 0)
			kd_error_clear();
		if (k != 1)
			continue;
		if (ea->nreleases == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			eng_release *g = realloc(ea->releases, ncap * sizeof(*g));

			if (!g) {
				kd_helm_release_clear(&r);
				return oom();
			}
			ea->releases = g;
			cap = ncap;
		}
		e = &ea->releases[ea->nreleases++];
		memset(e, 0, sizeof(*e));
		e->index = j;
		e->git = r;
		if (kd_buf_printf(&key, "%s/%s", r.namespace, r.name) < 0 ||
		    !(e->key = kd_buf_detach(&key))) {
			kd_buf_free(&key);
			return oom();
		}
	}
	if (ea->nreleases == 0) {
		if (ea->git) {   /* no release any more: Git's objects alone */
			json_decref(ea->desired);
			ea->desired = ea->git;
			ea->git = NULL;
		}
		return 0;
	}
	if (!(out = json_array()) || json_array_extend(out, (json_t *)base) < 0) {
		json_decref(out);
		return oom();
	}
	for (j = 0; j < ea->nreleases && rc == 0; j++)
		rc = expand_release(cl, &ea->releases[j], out);
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	if (ea->git)
		json_decref(ea->desired);
	else
		ea->git = ea->desired;   /* the render's array, kept as it is */
	ea->desired = out;
	return 0;
}

int eng_helm_expand(eng_cluster *cl)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < cl->napps && rc == 0; i++)
		if (!cl->apps[i].error)
			rc = expand_app(cl, &cl->apps[i]);
	free(cl->records_mark);
	cl->records_mark = records_mark(cl->records);
	return rc;
}

bool eng_helm_rerender(eng_cluster *cl)
{
	json_t *nss = NULL, *v;
	const char *ns;
	bool ok = true;

	if (storage_namespaces(&nss, cl) < 0)
		return false;
	json_object_foreach(nss, ns, v)
		if (!json_object_get(cl->records, ns))
			ok = false;
	json_decref(nss);
	return ok && eng_helm_expand(cl) == 0;
}

/* ---- the published state ------------------------------------------------------ */

static bool has_path(const kd_diff_result *d, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(d->fields[i].path, path) == 0)
			return true;
	return false;
}

/* r's diff followed by the release's fields, as one new result.  Where
 * the HelmRelease in the cluster already differs from Git at a path (Flux
 * has not applied it yet), that field says it, and revert can fix it. */
static int append_fields(kd_resource *r, const kd_diff_result *more)
{
	size_t own = r->diff ? r->diff->nfields : 0, i;
	kd_diff_result view = { .status = KD_DIFF_DRIFTED };
	kd_diff_result *copy;

	if (!(view.fields = calloc(own + more->nfields, sizeof(*view.fields))))
		return oom();
	if (own)
		memcpy(view.fields, r->diff->fields, own * sizeof(*view.fields));
	view.nfields = own;
	for (i = 0; i < more->nfields; i++)
		if (!has_path(r->diff, own, more->fields[i].path))
			view.fields[view.nfields++] = more->fields[i];
	if (view.nfields == own) {
		free(view.fields);
		return 0;
	}
	copy = eng_diff_copy(&view);
	free(view.fields);   /* the view only borrowed the fields */
	if (!copy)
		return oom();
	r->helm_fields = copy->nfields - own;
	kd_diff_result_free(r->diff);
	r->diff = copy;
	return 0;
}

static bool has_live(const kd_resource *r)
{
	return r->status == KD_STATUS_SYNCED || r->status == KD_STATUS_DRIFTED ||
	       r->status == KD_STATUS_BREAKGLASS;
}

static int release_state(const eng_release *e, kd_resource *r)
{
	kd_buf why = KD_BUF_INIT;
	int rc;

	if (e->reason) {
		/* a HelmRelease the cluster has, with no release to show for it */
		if (!has_live(r))
			return 0;
		free(r->reason);
		r->status = KD_STATUS_UNKNOWN;
		return (r->reason = strdup(e->reason)) ? 0 : oom();
	}
	if (!e->behind || e->behind->nfields == 0 || !has_live(r))
		return 0;
	if ((rc = append_fields(r, e->behind)) < 0 || !r->helm_fields)
		return rc;
	if (r->status == KD_STATUS_SYNCED)
		r->status = KD_STATUS_DRIFTED;
	if (r->reason)
		return 0;
	if (kd_buf_printf(&why, "Helm release %s is behind Git: the cluster runs %s", e->key,
			  e->summary ? e->summary : "another revision") < 0 ||
	    !(r->reason = kd_buf_detach(&why))) {
		kd_buf_free(&why);
		return oom();
	}
	return 0;
}

int eng_helm_state(eng_cluster *cl, const eng_app *ea, kd_app_state *app)
{
	size_t k, j;
	int rc = 0;

	(void)cl;
	if (app->nresources != json_array_size(ea->desired))
		return kd_error_set(KD_ERROR, "app %s: resources and desired objects differ",
				    app->name);
	for (k = 0; k < ea->nreleases && rc == 0; k++) {
		const eng_release *e = &ea->releases[k];
		kd_resource *r = &app->resources[e->index];

		if (!(r->helm_release = strdup(e->key)))
			return oom();
		rc = release_state(e, r);
		for (j = e->first; j < e->first + e->count && rc == 0; j++) {
			r = &app->resources[j];
			r->helm_chart = true;
			if (!(r->helm_release = strdup(e->key)))
				rc = oom();
		}
	}
	return rc;
}

long eng_helm_owner(const eng_cluster *cl, const json_t *obj, const char **release)
{
	const json_t *ann = kd_json_obj(kd_json_obj(obj, "metadata"), "annotations");
	const char *name = kd_json_str(ann, ANN_RELEASE_NAME);
	const char *ns = kd_json_str(ann, ANN_RELEASE_NAMESPACE);
	size_t i, k;

	*release = NULL;
	if (!name || !ns)
		return -1;
	for (i = 0; i < cl->napps; i++) {
		const eng_app *ea = &cl->apps[i];

		for (k = 0; !ea->error && k < ea->nreleases; k++) {
			const eng_release *e = &ea->releases[k];

			if (strcmp(e->git.name, name) != 0 || strcmp(e->git.namespace, ns) != 0)
				continue;
			/* a release whose record cannot be read has no known
			 * objects, so none of its objects is extra either */
			if (e->reason)
				return -2;
			*release = e->key;
			return (long)i;
		}
	}
	return -1;
}
