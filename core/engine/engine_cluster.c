/*
 * engine_cluster — one cluster's reconcile: connect, discover, list every
 * kind the diff needs, publish, then (when the engine watches) keep the
 * live objects current from watch events.
 *
 * Everything runs from callbacks of the engine's one kube driver, so a slow
 * or hanging cluster only holds its own calls; a per-cluster deadline turns
 * a reconcile that takes too long into "timed out", and a failed cluster is
 * retried with exponential backoff while the engine watches.
 *
 * Live objects are kept without their `status` (the diff never reads it and
 * it is the part of an object that changes most), with managedFields (the
 * attribution needs them), shared by reference with the published states.
 */
#include "engine_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* Kinds listed in every cluster besides those of the desired objects, so
 * that extra objects of common kinds are found even when an app's desired
 * state has none of that kind, and so that HPAs are known (they decide
 * whether replicas count).  The kinds of desired objects and HPAs are
 * watched; the others are listed again at every Git fetch, which keeps a
 * large fleet's connections (one per watch over HTTP/1.1) and memory down. */
static const struct { const char *group, *kind; } extra_kinds[] = {
	{ "", "ConfigMap" },
	{ "", "Secret" },
	{ "", "Service" },
	{ "", "ServiceAccount" },
	{ "apps", "Deployment" },
	{ "apps", "StatefulSet" },
	{ "apps", "DaemonSet" },
	{ "batch", "CronJob" },
	{ "networking.k8s.io", "Ingress" },
	{ "autoscaling", "HorizontalPodAutoscaler" },
};

/* Live objects are never modified once stored (keep_live changes only an
 * item's own top level, before storing it), so the parts that repeat
 * across clusters are read once and shared; and they are kept without
 * status, so a list's items come without it. */
static const kd_kube_list_opts shared_list = { .share = true };

#define RETRY_BASE_MS 2000
#define RETRY_MAX_MS 120000
#define COALESCE_MS 50

static void kinds_free(eng_cluster *cl)
{
	size_t i;

	for (i = 0; i < cl->nkinds; i++) {
		eng_kind *k = &cl->kinds[i];

		if (k->call)
			kd_kube_cancel(k->call);
		kd_kube_watch_free(k->watch);
		free(k->group);
		free(k->version);
		free(k->kind);
		free(k->resource);
		free(k->rv);
	}
	free(cl->kinds);
	cl->kinds = NULL;
	cl->nkinds = 0;
	json_decref(cl->kind_of);
	cl->kind_of = NULL;
}

void eng_cluster_reset(eng_cluster *cl)
{
	if (cl->disc)
		kd_kube_cancel(cl->disc);
	if (cl->probe)
		kd_kube_cancel(cl->probe);
	cl->disc = cl->probe = NULL;
	eng_helm_reset(cl);
	kinds_free(cl);
	kd_kube_conn_free(cl->conn);
	cl->conn = NULL;
	cl->lists_pending = 0;
	cl->deadline_ms = 0;
	json_object_clear(cl->live);
}

bool eng_cluster_active(const eng_cluster *cl)
{
	return cl->phase == PHASE_DISCOVER || cl->phase == PHASE_LIST;
}

void eng_cluster_fail(eng_cluster *cl, const char *fmt, ...)
{
	kd_engine *e = cl->e;
	kd_buf msg = KD_BUF_INIT;
	va_list ap;
	long delay;

	va_start(ap, fmt);
	kd_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	eng_cluster_reset(cl);
	free(cl->reason);
	cl->reason = kd_buf_detach(&msg);
	cl->phase = PHASE_FAILED;
	cl->ever_failed = true;
	delay = kd_kube_backoff_ms(cl->failures < 16 ? cl->failures : 16, RETRY_BASE_MS,
				   RETRY_MAX_MS, (double)rand() / ((double)RAND_MAX + 1));
	cl->failures++;
	cl->retry_ms = e->opts.watch ? eng_now_ms() + delay : 0;
	if (e->opts.watch) {
		kd_buf in = KD_BUF_INIT;

		kd_duration_format(&in, (delay + 999) / 1000 * 1000, KD_DURATION_SPAN);
		kd_store_log(e->store, KD_LOG_ERROR, cl->fc->name, "%s (retrying in %s)",
			     cl->reason ? cl->reason : "failed", kd_buf_cstr(&in));
		kd_buf_free(&in);
	} else
		kd_store_log(e->store, KD_LOG_ERROR, cl->fc->name, "%s",
			     cl->reason ? cl->reason : "failed");
	cl->dirty = false;
	eng_publish(cl);
	eng_busy(cl, false);
}

static void mark_dirty(eng_cluster *cl)
{
	if (!cl->dirty) {
		cl->dirty = true;
		cl->publish_ms = eng_now_ms() + COALESCE_MS;
		eng_busy(cl, true);
	}
}

/* Stores a live object under its key, without status. */
static void keep_live(eng_kind *k, json_t *obj)
{
	kd_buf key = KD_BUF_INIT;

	if (!json_is_object(obj))
		return;
	json_object_del(obj, "status");
	/* list items may come without their type (the API server leaves it
	 * to the list) */
	if (!json_is_string(json_object_get(obj, "kind")))
		json_object_set_new(obj, "kind", json_string(k->kind));
	if (!json_is_string(json_object_get(obj, "apiVersion"))) {
		kd_buf av = KD_BUF_INIT;

		if (*k->group)
			kd_buf_printf(&av, "%s/%s", k->group, k->version);
		else
			kd_buf_puts(&av, k->version);
		json_object_set_new(obj, "apiVersion", json_string(kd_buf_cstr(&av)));
		kd_buf_free(&av);
	}
	eng_intern(k->cl->e, obj);
	if (kd_engine_object_key(&key, obj, k->namespaced) == 0)
		json_object_set(k->cl->live, kd_buf_cstr(&key), obj);
	kd_buf_free(&key);
}

static void forget_kind(eng_kind *k)
{
	kd_buf prefix = KD_BUF_INIT;
	const char *key;
	json_t *v;
	void *tmp;

	if (kd_buf_printf(&prefix, "%s/%s/", k->group, k->kind) < 0)
		return;
	json_object_foreach_safe(k->cl->live, tmp, key, v) {
		if (strncmp(key, kd_buf_cstr(&prefix), prefix.len) == 0)
			json_object_del(k->cl->live, key);
	}
	kd_buf_free(&prefix);
}

static void on_event(void *ctx, kd_kube_event_type type, json_t *obj, const char *message);
static void on_relisted(void *ctx, const kd_kube_result *res);

static void start_watch(eng_kind *k, const char *rv)
{
	kd_kube_ref ref = {
		.group = k->group, .version = k->version, .resource = k->resource,
	};

	kd_kube_watch_free(k->watch);
	k->watch = NULL;
	if (kd_kube_watch_start(&k->watch, k->cl->conn, &ref, NULL, rv, on_event, k) < 0)
		kd_store_log(k->cl->e->store, KD_LOG_WARN, k->cl->fc->name,
			     "cannot watch %s: %s", k->resource, kd_error_last());
}

static void on_probe(void *ctx, const kd_kube_result *res)
{
	eng_cluster *cl = ctx;

	cl->probe = NULL;
	if (res->error)
		eng_cluster_fail(cl, "%s", res->message);
}

static void on_event(void *ctx, kd_kube_event_type type, json_t *obj, const char *message)
{
	eng_kind *k = ctx;
	eng_cluster *cl = k->cl;
	kd_buf key = KD_BUF_INIT;
	kd_kube_ref ref = { .group = k->group, .version = k->version, .resource = k->resource };
	kd_kube_request probe = { .path = "/version", .what = "version" };

	switch (type) {
	case KD_KUBE_EVENT_ADDED:
	case KD_KUBE_EVENT_MODIFIED:
		keep_live(k, obj);
		mark_dirty(cl);
		break;
	case KD_KUBE_EVENT_DELETED:
		if (kd_engine_object_key(&key, obj, k->namespaced) == 0)
			json_object_del(cl->live, kd_buf_cstr(&key));
		mark_dirty(cl);
		break;
	case KD_KUBE_EVENT_BOOKMARK:
		break;
	case KD_KUBE_EVENT_RECONNECTING:
		/* The stream resumes by itself; a probe tells a dropped stream
		 * from a cluster that went away. */
		if (!cl->probe && cl->conn)
			kd_kube_submit(&cl->probe, cl->conn, &probe, on_probe, cl);
		break;
	case KD_KUBE_EVENT_RELIST:
		kd_kube_watch_free(k->watch);
		k->watch = NULL;
		if (kd_kube_list(&k->call, cl->conn, &ref, &shared_list, on_relisted, k) < 0)
			eng_cluster_fail(cl, "%s", kd_error_last());
		else
			eng_busy(cl, true);
		break;
	case KD_KUBE_EVENT_ERROR:
		/* forbidden, or the kind went away: what we show of the cluster
		 * can no longer follow it, so it is unknown until a retry
		 * reconciles it again */
		eng_cluster_fail(cl, "watch of %s stopped: %s", k->resource, message);
		break;
	}
	kd_buf_free(&key);
}

static void on_relisted(void *ctx, const kd_kube_result *res)
{
	eng_kind *k = ctx;
	size_t i;
	json_t *item;

	k->call = NULL;
	if (res->error) {
		eng_cluster_fail(k->cl, "%s", res->message);
		return;
	}
	forget_kind(k);
	json_array_foreach(res->items, i, item)
		keep_live(k, item);
	if (k->watched && k->can_watch)
		start_watch(k, res->resource_version);
	mark_dirty(k->cl);
}

void eng_cluster_start_watches(eng_cluster *cl)
{
	size_t i;

	cl->watches_pending = false;
	for (i = 0; cl->phase == PHASE_READY && i < cl->nkinds; i++)
		if (cl->kinds[i].watched && cl->kinds[i].can_watch && !cl->kinds[i].watch)
			start_watch(&cl->kinds[i], cl->kinds[i].rv);
}

static bool kinds_cover_desired(eng_cluster *cl);

/* Helm release records listed again at a Git fetch: an upgrade (a new
 * deployed revision) changes the desired objects. */
static void records_resynced(eng_cluster *cl)
{
	if (cl->phase != PHASE_READY || !eng_helm_records_changed(cl))
		return;
	if (eng_helm_expand(cl) < 0) {
		eng_cluster_fail(cl, "%s", kd_error_last());
		return;
	}
	if (kinds_cover_desired(cl))
		mark_dirty(cl);
	else
		eng_cluster_start(cl);   /* the new revision uses kinds not listed yet */
}

/* Lists the kinds that are not watched again (extra objects of kinds no
 * desired object has are found this way, at each Git fetch), and the Helm
 * release records. */
void eng_cluster_resync(eng_cluster *cl)
{
	size_t i;

	if (cl->phase == PHASE_READY && !cl->rlists_pending &&
	    eng_helm_fetch(cl, records_resynced) < 0) {
		eng_cluster_fail(cl, "%s", kd_error_last());
		return;
	}

	for (i = 0; cl->phase == PHASE_READY && i < cl->nkinds; i++) {
		eng_kind *k = &cl->kinds[i];
		kd_kube_ref ref = { .group = k->group, .version = k->version,
				    .resource = k->resource };

		if (k->watched || k->call)
			continue;
		if (kd_kube_list(&k->call, cl->conn, &ref, &shared_list, on_relisted, k) < 0) {
			eng_cluster_fail(cl, "%s", kd_error_last());
			return;
		}
	}
}

static void listed_all(eng_cluster *cl)
{
	kd_engine *e = cl->e;

	cl->phase = PHASE_READY;
	cl->deadline_ms = 0;
	cl->failures = 0;
	cl->retry_ms = 0;
	if (cl->reason && cl->ever_failed)
		kd_store_log(e->store, KD_LOG_INFO, cl->fc->name, "reachable again");
	free(cl->reason);
	cl->reason = NULL;
	cl->synced_at = time(NULL);
	cl->dirty = false;
	eng_publish(cl);
	if (e->opts.watch) {
		/* started by the scheduler once every cluster has started its
		 * reconcile: a large fleet's first results come sooner when its
		 * lists do not queue behind thousands of watch handshakes */
		cl->watches_pending = true;
	} else {
		/* once: the connection and the live objects are no longer needed */
		eng_cluster_reset(cl);
		eng_diffs_free(cl);
	}
	eng_busy(cl, false);
}

static void on_listed(void *ctx, const kd_kube_result *res)
{
	eng_kind *k = ctx;
	eng_cluster *cl = k->cl;
	size_t i;
	json_t *item;

	k->call = NULL;
	if (res->error) {
		if (res->error == KD_ENOTFOUND) {
			/* The kind went away since discovery: nothing of it is live. */
			k->listed = true;
		} else {
			eng_cluster_fail(cl, "%s", res->message);
			return;
		}
	}
	json_array_foreach(res->items, i, item)
		keep_live(k, item);
	k->listed = true;
	/* the watch starts where the list ended, so no change falls between */
	free(k->rv);
	k->rv = res->resource_version && *res->resource_version ? strdup(res->resource_version) : NULL;
	if (--cl->lists_pending == 0)
		listed_all(cl);
}

/* Adds a kind the cluster serves (once); `watch` when it must be watched. */
static int add_kind(eng_cluster *cl, const char *group, const char *kind, bool watch)
{
	const kd_kube_resource *r = NULL;
	kd_buf key = KD_BUF_INIT;
	eng_kind *k;
	int rc = 0;

	if (kd_kube_lookup(&r, cl->conn, group, NULL, kind) < 0 ||
	    !kd_kube_resource_can(r, "list"))
		return 0;   /* not served: desired objects of it show as missing */
	if ((rc = kd_buf_printf(&key, "%s/%s", r->group, r->kind)) < 0)
		goto cleanup;
	if (json_object_get(cl->kind_of, kd_buf_cstr(&key))) {
		size_t i;

		for (i = 0; watch && i < cl->nkinds; i++)
			if (!strcmp(cl->kinds[i].group, r->group) && !strcmp(cl->kinds[i].kind, r->kind))
				cl->kinds[i].watched = true;
		goto cleanup;
	}
	if (json_object_set_new(cl->kind_of, kd_buf_cstr(&key), json_true()) < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (cl->nkinds % 16 == 0) {
		if (!(k = realloc(cl->kinds, (cl->nkinds + 16) * sizeof(*k)))) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		cl->kinds = k;
	}
	k = &cl->kinds[cl->nkinds];
	memset(k, 0, sizeof(*k));
	k->cl = cl;
	k->namespaced = r->namespaced;
	k->can_watch = kd_kube_resource_can(r, "watch");
	k->watched = watch;
	k->group = strdup(r->group);
	k->version = strdup(r->version);
	k->kind = strdup(r->kind);
	k->resource = strdup(r->resource);
	cl->nkinds++;
	if (!k->group || !k->version || !k->kind || !k->resource)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	kd_buf_free(&key);
	return rc;
}

/* Lists every kind the desired objects use, and the common ones. */
static void list_kinds(eng_cluster *cl)
{
	size_t i, j;
	json_t *o;
	char group[256], last_group[256] = "";
	const char *kind, *last_kind = NULL;
	int rc = 0;

	for (i = 0; i < cl->napps && rc == 0; i++)
		json_array_foreach(cl->apps[i].desired, j, o) {
			kd_api_group(group, sizeof(group), kd_json_str(o, "apiVersion"));
			kind = kd_json_str(o, "kind") ? kd_json_str(o, "kind") : "";
			/* rendered objects come grouped by kind: a kind just
			 * added is not looked up again */
			if (last_kind && !strcmp(kind, last_kind) && !strcmp(group, last_group))
				continue;
			if ((rc = add_kind(cl, group, kind, true)) < 0)
				break;
			last_kind = kind;
			memcpy(last_group, group, sizeof(group));
		}
	for (i = 0; i < sizeof(extra_kinds) / sizeof(extra_kinds[0]) && rc == 0; i++)
		rc = add_kind(cl, extra_kinds[i].group, extra_kinds[i].kind,
			      strcmp(extra_kinds[i].kind, "HorizontalPodAutoscaler") == 0);
	/* check --unmanaged: the kinds people create by hand, listed like
	 * the extra kinds (not watched) */
	for (i = 0; cl->e->opts.unmanaged && kd_unmanaged_kinds()[i].kind && rc == 0; i++)
		rc = add_kind(cl, kd_unmanaged_kinds()[i].group, kd_unmanaged_kinds()[i].kind, false);
	if (rc < 0) {
		eng_cluster_fail(cl, "%s", kd_error_last());
		return;
	}
	cl->phase = PHASE_LIST;
	cl->lists_pending = (int)cl->nkinds;
	for (i = 0; i < cl->nkinds; i++) {
		eng_kind *k = &cl->kinds[i];
		kd_kube_ref ref = { .group = k->group, .version = k->version,
				    .resource = k->resource };

		if (kd_kube_list(&k->call, cl->conn, &ref, &shared_list, on_listed, k) < 0) {
			eng_cluster_fail(cl, "%s", kd_error_last());
			return;
		}
	}
	if (cl->nkinds == 0)
		listed_all(cl);
}

/* The Helm release records are in: the releases' objects join the
 * desired ones before their kinds are listed. */
static void records_listed(eng_cluster *cl)
{
	if (eng_helm_expand(cl) < 0) {
		eng_cluster_fail(cl, "%s", kd_error_last());
		return;
	}
	list_kinds(cl);
}

static void on_discovered(void *ctx, const kd_kube_result *res)
{
	eng_cluster *cl = ctx;
	int n;

	cl->disc = NULL;
	if (res->error) {
		eng_cluster_fail(cl, "%s", res->message);
		return;
	}
	if (!(cl->kind_of = json_object())) {
		eng_cluster_fail(cl, "out of memory");
		return;
	}
	if ((n = eng_helm_fetch(cl, records_listed)) < 0)
		eng_cluster_fail(cl, "%s", kd_error_last());
	else if (n == 0)
		list_kinds(cl);
}

void eng_cluster_start(eng_cluster *cl)
{
	kd_engine *e = cl->e;
	kd_kube_target *t = NULL;
	int64_t now = eng_now_ms();

	eng_cluster_reset(cl);
	eng_busy(cl, true);
	cl->phase = PHASE_DISCOVER;
	cl->started_ms = now;
	cl->retry_ms = 0;
	cl->deadline_ms = now + (int64_t)e->opts.timeout_s * 1000;
	if (eng_from_reports(cl)) {
		eng_reports_start(cl);
		return;
	}
	if (!cl->rendered && eng_render_cluster(e, cl) < 0) {
		eng_cluster_fail(cl, "%s", kd_error_last());
		return;
	}
	if (!e->kc) {
		eng_cluster_fail(cl, "%s", e->kc_error ? e->kc_error : "no kubeconfig");
		return;
	}
	if (kd_kube_target_new(&t, e->kc, e->context ? e->context : cl->fc->context) < 0 ||
	    kd_kube_conn_new(&cl->conn, e->drv, t, cl->fc->name, &e->kopt) < 0) {
		eng_cluster_fail(cl, "cluster %s: %s", cl->fc->name, kd_error_last());
		return;
	}
	if (kd_kube_discover(&cl->disc, cl->conn, on_discovered, cl) < 0)
		eng_cluster_fail(cl, "%s", kd_error_last());
}

/* True when every kind the desired objects use is watched already. */
static bool kinds_cover_desired(eng_cluster *cl)
{
	char group[256];
	size_t i, j, k;
	json_t *o;
	bool ok = true;

	for (i = 0; ok && i < cl->napps; i++)
		json_array_foreach(cl->apps[i].desired, j, o) {
			const char *kind = kd_json_str(o, "kind");

			kd_api_group(group, sizeof(group), kd_json_str(o, "apiVersion"));
			for (k = 0; k < cl->nkinds; k++)
				if (kind && !strcmp(cl->kinds[k].group, group) &&
				    !strcmp(cl->kinds[k].kind, kind) && cl->kinds[k].watched)
					break;
			if (k == cl->nkinds) {
				ok = false;
				break;
			}
		}
	return ok;
}

bool eng_cluster_rerender(eng_cluster *cl, bool rendered)
{
	if (eng_from_reports(cl) || cl->phase != PHASE_READY ||
	    (!rendered && eng_render_cluster(cl->e, cl) < 0) ||
	    !eng_helm_rerender(cl) || !kinds_cover_desired(cl))
		return false;
	/* the live objects are current: a new diff against them is enough */
	mark_dirty(cl);
	return true;
}

void eng_cluster_tick(eng_cluster *cl, int64_t now)
{
	kd_engine *e = cl->e;

	if (eng_cluster_active(cl) && cl->deadline_ms && now >= cl->deadline_ms) {
		kd_buf after = KD_BUF_INIT;

		kd_duration_format(&after, (int64_t)e->opts.timeout_s * 1000, KD_DURATION_SPAN);
		eng_cluster_fail(cl, "cluster %s: timed out after %s", cl->fc->name,
				 kd_buf_cstr(&after));
		kd_buf_free(&after);
		return;
	}
	if (e->opts.watch && cl->phase == PHASE_FAILED && cl->retry_ms && now >= cl->retry_ms) {
		eng_cluster_start(cl);
		return;
	}
	if (cl->dirty && now >= cl->publish_ms && cl->phase == PHASE_READY) {
		cl->dirty = false;
		eng_publish(cl);
		eng_busy(cl, false);
	}
}
