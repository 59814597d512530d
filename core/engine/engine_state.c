/*
 * engine_state — turns one cluster's desired and live objects into the
 * kd_cluster_state the store publishes: matches objects by identity,
 * diffs them (reusing the previous diff of every object whose two sides
 * are the same json_t as last time, so a watch event re-diffs only what it
 * touched), and finds extra objects through the app's tracking metadata.
 */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

#define BREAKGLASS_ANNOTATION "kdrift.dev/break-glass"

/* ---- identities --------------------------------------------------------- */

int kd_engine_object_key(kd_buf *out, const json_t *obj, bool namespaced)
{
	kd_object_id id;

	kd_object_id_of(&id, obj);
	if (!id.kind || !id.name)
		return kd_error_set(KD_EINVAL, "object without kind or name");
	/* As the API server places it: no namespace for a cluster-scoped
	 * kind, "default" for a namespaced one that names none. */
	if (!namespaced)
		id.namespace = "";
	else if (!id.namespace || !*id.namespace)
		id.namespace = "default";
	return kd_object_id_format(out, &id);
}

int kd_engine_hpa_target(kd_buf *out, const json_t *hpa)
{
	const char *ns = kd_json_str(kd_json_obj(hpa, "metadata"), "namespace");
	kd_object_id id;

	/* The target is in the HPA's own namespace. */
	kd_object_id_of_ref(&id, kd_json_obj(kd_json_obj(hpa, "spec"), "scaleTargetRef"));
	if (!id.kind || !id.name)
		return kd_error_set(KD_EINVAL, "HorizontalPodAutoscaler without scaleTargetRef");
	id.namespace = ns && *ns ? ns : "default";
	return kd_object_id_format(out, &id);
}

const char *kd_engine_tracked_app(const json_t *obj, kd_tracking mode, char **scratch)
{
	const json_t *meta = kd_json_obj(obj, "metadata");
	const json_t *labels = kd_json_obj(meta, "labels");
	const json_t *annotations = kd_json_obj(meta, "annotations");
	const char *v;

	*scratch = NULL;
	if ((mode == KD_TRACKING_AUTO || mode == KD_TRACKING_KDRIFT) &&
	    (v = kd_json_str(labels, "kdrift.dev/app")) && *v)
		return v;
	if ((mode == KD_TRACKING_AUTO || mode == KD_TRACKING_ARGOCD_ANNOTATION) &&
	    (v = kd_json_str(annotations, "argocd.argoproj.io/tracking-id")) && *v) {
		const char *colon = strchr(v, ':');

		if (colon && colon > v) {
			*scratch = strndup(v, (size_t)(colon - v));
			return *scratch;
		}
	}
	if ((mode == KD_TRACKING_AUTO || mode == KD_TRACKING_FLUX) &&
	    (v = kd_json_str(labels, "kustomize.toolkit.fluxcd.io/name")) && *v &&
	    kd_json_str(labels, "kustomize.toolkit.fluxcd.io/namespace"))
		return v;
	if ((mode == KD_TRACKING_AUTO || mode == KD_TRACKING_ARGOCD_LABEL) &&
	    (v = kd_json_str(labels, "app.kubernetes.io/instance")) && *v)
		return v;
	return NULL;
}

/* ---- diff cache ---------------------------------------------------------- */

static void diff_entry_free(eng_diff *d)
{
	free(d->key);
	json_decref(d->desired);
	json_decref(d->live);
	kd_diff_result_free(d->res);
}

void eng_diffs_free(eng_cluster *cl)
{
	size_t i;

	for (i = 0; i < cl->ndiffs; i++)
		diff_entry_free(&cl->diffs[i]);
	free(cl->diffs);
	cl->diffs = NULL;
	cl->ndiffs = 0;
	json_decref(cl->diff_index);
	cl->diff_index = NULL;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*fail = true;
	return d;
}

/* A copy for a published state, which owns (and frees) its results. */
kd_diff_result *eng_diff_copy(const kd_diff_result *src)
{
	kd_diff_result *r = calloc(1, sizeof(*r));
	bool fail = false;
	size_t i;

	if (!r)
		return NULL;
	r->status = src->status;
	if (src->nfields && !(r->fields = calloc(src->nfields, sizeof(*r->fields)))) {
		free(r);
		return NULL;
	}
	for (i = 0; i < src->nfields; i++) {
		const kd_diff_field *f = &src->fields[i];
		kd_diff_field *g = &r->fields[i];

		g->path = dup_or_null(f->path, &fail);
		g->live_path = dup_or_null(f->live_path, &fail);
		g->desired = json_incref(f->desired);
		g->live = json_incref(f->live);
		g->kind = f->kind;
		g->manager = dup_or_null(f->manager, &fail);
		g->operation = dup_or_null(f->operation, &fail);
		g->time = dup_or_null(f->time, &fail);
		g->subresource = dup_or_null(f->subresource, &fail);
		g->never_converges = f->never_converges;
		g->removed_from_git = f->removed_from_git;
		r->nfields++;
	}
	if (fail) {
		kd_diff_result_free(r);
		return NULL;
	}
	return r;
}

typedef struct build {
	eng_cluster *cl;
	eng_diff *diffs;          /* the new cache */
	size_t ndiffs, cap;
	json_t *index;
} build;

/* Diffs one pair through the cache; *out is the cached result (borrowed). */
static int cached_diff(const kd_diff_result **out, build *b, const char *key,
		       const json_t *desired, const json_t *live, bool hpa)
{
	eng_cluster *cl = b->cl;
	json_t *ix = json_object_get(cl->diff_index, key);
	eng_diff *old = ix ? &cl->diffs[json_integer_value(ix)] : NULL;
	kd_diff_opts opts;
	eng_diff d = { 0 };
	int rc;

	kd_fleet_diff_opts(&opts, cl->e->fleet);
	opts.hpa_managed = hpa;
	opts.memo = cl->e->diff_memo;

	if (old && old->res && old->desired == desired && old->live == live && old->hpa == hpa) {
		d = *old;
		memset(old, 0, sizeof(*old));
	} else {
		if ((rc = kd_diff_objects(&d.res, desired, live, &opts)) < 0)
			return rc;
		/* held so that no other object can reuse the address */
		d.desired = json_incref((json_t *)desired);
		d.live = json_incref((json_t *)live);
		d.hpa = hpa;
		if (!(d.key = strdup(key))) {
			kd_diff_result_free(d.res);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	if (b->ndiffs == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		eng_diff *g = realloc(b->diffs, cap * sizeof(*g));

		if (!g) {
			diff_entry_free(&d);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		b->diffs = g;
		b->cap = cap;
	}
	if (json_object_set_new(b->index, key, json_integer((json_int_t)b->ndiffs)) < 0) {
		diff_entry_free(&d);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	b->diffs[b->ndiffs++] = d;
	*out = d.res;
	return 0;
}

/* ---- the state ----------------------------------------------------------- */

static bool kind_namespaced(eng_cluster *cl, const json_t *obj)
{
	const kd_kube_resource *r;
	char group[256];
	const char *kind = kd_json_str(obj, "kind");

	kd_api_group(group, sizeof(group), kd_json_str(obj, "apiVersion"));
	if (cl->conn && kind && kd_kube_discovered(cl->conn) &&
	    kd_kube_lookup(&r, cl->conn, group, NULL, kind) == 0)
		return r->namespaced;
	return !kd_kind_is_cluster_scoped(kd_json_str(obj, "apiVersion"), kind);
}

static bool kind_served(eng_cluster *cl, const json_t *obj)
{
	kd_buf k = KD_BUF_INIT;
	char group[256];
	bool served;

	kd_api_group(group, sizeof(group), kd_json_str(obj, "apiVersion"));
	kd_buf_printf(&k, "%s/%s", group, kd_json_str(obj, "kind") ? kd_json_str(obj, "kind") : "");
	served = cl->kind_of && json_object_get(cl->kind_of, kd_buf_cstr(&k));
	kd_buf_free(&k);
	return served;
}

static kd_resource *add_resource(kd_app_state *app, const json_t *obj, bool namespaced)
{
	const json_t *meta = kd_json_obj(obj, "metadata");
	const char *ns = kd_json_str(meta, "namespace");

	if (!namespaced)
		ns = "";
	else if (!ns || !*ns)
		ns = "default";
	return kd_app_state_add_resource(app, kd_json_str(obj, "apiVersion"),
					 kd_json_str(obj, "kind"), ns,
					 kd_json_str(meta, "name"));
}

static int set_live(kd_resource *r, json_t *live, bool keep)
{
	const json_t *meta = kd_json_obj(live, "metadata");
	const char *uid = kd_json_str(meta, "uid"), *rv = kd_json_str(meta, "resourceVersion");

	if (keep)
		r->live = json_incref(live);
	if ((uid && !(r->uid = strdup(uid))) || (rv && !(r->resource_version = strdup(rv))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* Collects the keys of the objects HPAs scale, live and desired. */
static void hpa_targets(json_t *set, eng_cluster *cl)
{
	kd_buf k = KD_BUF_INIT;
	const char *key;
	json_t *o;
	size_t i, j;

	json_object_foreach(cl->live, key, o)
		if (strncmp(key, "autoscaling/HorizontalPodAutoscaler/", 36) == 0) {
			kd_buf_clear(&k);
			if (kd_engine_hpa_target(&k, o) == 0)
				json_object_set_new(set, kd_buf_cstr(&k), json_true());
		}
	for (i = 0; i < cl->napps; i++)
		json_array_foreach(cl->apps[i].desired, j, o)
			if (kd_json_str(o, "kind") && !strcmp(kd_json_str(o, "kind"), "HorizontalPodAutoscaler")) {
				kd_buf_clear(&k);
				if (kd_engine_hpa_target(&k, o) == 0)
					json_object_set_new(set, kd_buf_cstr(&k), json_true());
			}
	kd_buf_free(&k);
}

static int add_desired(build *b, kd_app_state *app, eng_app *ea, json_t *seen,
		       const json_t *hpas)
{
	eng_cluster *cl = b->cl;
	kd_buf key = KD_BUF_INIT;
	size_t j;
	json_t *d;
	int rc = 0;

	json_array_foreach(ea->desired, j, d) {
		bool ns = kind_namespaced(cl, d);
		kd_resource *r = add_resource(app, d, ns);
		const kd_diff_result *res = NULL;
		json_t *live;
		const char *bg;

		if (!r) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
		/* desired objects are shared by the clusters rendering alike:
		 * compare keeps them (and their provenance) without live state */
		if (!cl->e->opts.statuses_only || cl->e->opts.provenance)
			r->desired = json_incref(d);
		r->provenance = json_incref(json_array_get(ea->provenance, j));
		r->intentional = json_is_true(json_array_get(ea->intentional, j));
		kd_buf_clear(&key);
		if (kd_engine_object_key(&key, d, ns) < 0) {
			r->status = KD_STATUS_UNKNOWN;
			r->reason = strdup("the object has no kind or name");
			continue;
		}
		json_object_set_new(seen, kd_buf_cstr(&key), json_true());
		if (cl->reason) {
			r->status = KD_STATUS_UNKNOWN;
			r->reason = strdup(cl->reason);
			continue;
		}
		live = json_object_get(cl->live, kd_buf_cstr(&key));
		if (!live) {
			r->status = KD_STATUS_MISSING;
			if (!kind_served(cl, d))
				r->reason = strdup("the cluster does not serve this kind");
			continue;
		}
		if ((rc = set_live(r, live, !cl->e->opts.statuses_only)) < 0)
			break;
		r->hpa_managed = json_object_get(hpas, kd_buf_cstr(&key)) != NULL;
		if (cached_diff(&res, b, kd_buf_cstr(&key), d, live, r->hpa_managed) < 0) {
			r->status = KD_STATUS_UNKNOWN;
			r->reason = strdup(kd_error_last());
			continue;
		}
		if (res->status == KD_DIFF_SYNCED) {
			r->status = KD_STATUS_SYNCED;
			continue;
		}
		r->status = KD_STATUS_DRIFTED;
		if (!(r->diff = eng_diff_copy(res))) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
		bg = kd_json_str(kd_json_obj(kd_json_obj(live, "metadata"), "annotations"),
				 BREAKGLASS_ANNOTATION);
		/* The mark stays after an accept or an acknowledge: the audit
		 * log says whether the change still awaits follow-up. */
		if (bg && *bg && eng_breakglass_awaits(cl->e, cl->fc->name, r, bg)) {
			kd_buf why = KD_BUF_INIT;

			r->status = KD_STATUS_BREAKGLASS;
			kd_buf_printf(&why, "changed under break-glass (audit id %s)", bg);
			r->reason = kd_buf_detach(&why);
		}
	}
	kd_buf_free(&key);
	return rc;
}

/* "GROUP/KIND/NAMESPACE/NAME": an empty namespace means cluster-scoped. */
static bool key_namespaced(const char *key)
{
	const char *p = strchr(key, '/');

	p = p ? strchr(p + 1, '/') : NULL;
	return p && p[1] != '/';
}

/* Live objects tracked as an app's that no app of the cluster desires. */
static int add_extras(eng_cluster *cl, kd_cluster_state *st, const json_t *seen)
{
	kd_tracking mode = cl->e->fleet->tracking;
	const char *key;
	json_t *o;
	size_t i;

	json_object_foreach(cl->live, key, o) {
		char *scratch = NULL;
		const char *owner, *release = NULL;
		const json_t *meta = kd_json_obj(o, "metadata");
		long helm;

		if (json_object_get(seen, key) ||
		    json_array_size(kd_json_arr(meta, "ownerReferences")) > 0)
			continue;   /* desired, or made by a controller: not a prune candidate */
		/* Helm's own annotations say which release an object is part of */
		if ((helm = eng_helm_owner(cl, o, &release)) == -2)
			continue;
		owner = helm >= 0 ? NULL : kd_engine_tracked_app(o, mode, &scratch);
		for (i = 0; (owner || helm >= 0) && i < cl->napps; i++) {
			kd_resource *r;

			if (helm >= 0 ? (size_t)helm != i :
			    cl->apps[i].error || strcmp(cl->apps[i].app->name, owner) != 0)
				continue;
			r = add_resource(&st->apps[i], o, key_namespaced(key));
			if (!r || set_live(r, o, !cl->e->opts.statuses_only ||
					   cl->e->opts.provenance) < 0 ||
			    (release && !(r->helm_release = strdup(release)))) {
				free(scratch);
				return kd_error_set(KD_ENOMEM, "out of memory");
			}
			r->status = KD_STATUS_EXTRA;
			r->helm_chart = release != NULL;
			break;
		}
		free(scratch);
	}
	return 0;
}

int eng_publish(eng_cluster *cl)
{
	kd_engine *e = cl->e;
	kd_cluster_state *st = kd_cluster_state_new(cl->fc->name);
	const kd_policy *pol = kd_fleet_policy(e->fleet, cl->fc);
	json_t *seen = json_object(), *hpas = json_object();
	build b = { .cl = cl, .index = json_object() };
	size_t i;
	int rc = 0;

	if (eng_from_reports(cl)) {
		/* only a failure publishes here: the reports publish themselves */
		kd_cluster_state_unref(st);
		json_decref(seen);
		json_decref(hpas);
		json_decref(b.index);
		return eng_reports_publish(cl, NULL, 0);
	}
	if (!st || !seen || !hpas || !b.index) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	json_decref(st->labels);
	st->labels = json_incref(cl->fc->labels);
	st->remediation = pol ? pol->remediation : KD_REMEDIATION_ALERT;
	st->prune = pol ? pol->prune : false;
	st->reachable = cl->reason == NULL;
	st->synced_at = cl->synced_at;
	st->watched = e->opts.watch && !cl->reason && cl->synced_at;
	for (i = 0; st->watched && i < cl->nkinds; i++)
		st->watched = !cl->kinds[i].watched || cl->kinds[i].can_watch;
	st->reconcile_ms = cl->started_ms ? eng_now_ms() - cl->started_ms : 0;
	st->revision = strdup(kd_source_revision(e->src));
	if (cl->reason)
		st->reason = strdup(cl->reason);
	else
		hpa_targets(hpas, cl);
	for (i = 0; i < cl->napps && rc == 0; i++) {
		eng_app *ea = &cl->apps[i];
		kd_app_state *app = kd_cluster_state_add_app(st, ea->app->name);

		if (!app) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
		if (ea->path)
			app->path = strdup(ea->path);
		if (ea->error)
			app->reason = strdup(ea->error);
		else
			rc = add_desired(&b, app, ea, seen, hpas);
		if (rc == 0 && !ea->error && ea->nreleases)
			rc = eng_helm_state(cl, ea, app);
	}
	if (rc == 0 && !cl->reason)
		rc = add_extras(cl, st, seen);
	if (rc == 0 && !cl->reason && e->opts.unmanaged)
		rc = eng_add_unmanaged(cl, st, seen);
	if (rc < 0)
		goto cleanup;
	kd_cluster_state_finish(st);
	kd_store_publish(e->store, cl->slot, st);
	st = NULL;
	/* the new cache replaces the old one; unused entries go */
	eng_diffs_free(cl);
	cl->diffs = b.diffs;
	cl->ndiffs = b.ndiffs;
	cl->diff_index = b.index;
	b.diffs = NULL;
	b.ndiffs = 0;
	b.index = NULL;
cleanup:
	if (rc < 0)
		kd_store_log(e->store, KD_LOG_ERROR, cl->fc->name,
			     "cannot publish: %s", kd_error_last());
	for (i = 0; i < b.ndiffs; i++)
		diff_entry_free(&b.diffs[i]);
	free(b.diffs);
	json_decref(b.index);
	kd_cluster_state_unref(st);
	json_decref(seen);
	json_decref(hpas);
	return rc;
}
