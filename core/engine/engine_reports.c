/*
 * engine_reports — clusters read from their agents' DriftReports
 * (--from-reports, see "reports" in engine.h): one list call per cluster,
 * turned into the kd_cluster_state a direct read would publish, so the
 * faces show and count it the same way.
 *
 * Owns reading reports only; the agent that writes them is core/act.
 * Never renders and never lists a cluster's other objects, except for a
 * cluster switched to a direct read (kd_engine_read_live).
 */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static const json_t *report_of(const json_t *items, const char *cluster, const char *app)
{
	const json_t *it;
	size_t i;

	json_array_foreach(items, i, it) {
		const json_t *spec = kd_json_obj(it, "spec");
		const char *c = kd_json_str(spec, "cluster"), *a = kd_json_str(spec, "app");

		if (a && c && strcmp(a, app) == 0 && strcmp(c, cluster) == 0)
			return it;
	}
	return NULL;
}

static void age_text(kd_buf *b, long s)
{
	if (s < 120)
		kd_buf_printf(b, "%lds", s);
	else if (s < 7200)
		kd_buf_printf(b, "%ldm", s / 60);
	else if (s < 172800)
		kd_buf_printf(b, "%ldh", s / 3600);
	else
		kd_buf_printf(b, "%ldd", s / 86400);
}

/* Marks every resource of a stale or unreadable report unknown. */
static int all_unknown(kd_app_state *app, const char *why)
{
	size_t i;

	for (i = 0; i < app->nresources; i++) {
		kd_resource *r = &app->resources[i];

		free(r->reason);
		r->status = KD_STATUS_UNKNOWN;
		if (!(r->reason = strdup(why)))
			return oom();
	}
	if (!app->reason && !(app->reason = strdup(why)))
		return oom();
	return 0;
}

/* One app from its report; *when is the report's time (0: none). */
static int app_from_report(kd_cluster_state *st, kd_app_state *app, const json_t *report,
			   time_t now, time_t *when, kd_counts *cut_counts, bool *cut)
{
	const json_t *status = kd_json_obj(report, "status");
	const char *t = kd_json_str(status, "time"), *rev = kd_json_str(status, "revision");
	json_int_t interval = json_integer_value(json_object_get(status, "intervalSeconds"));
	kd_buf why = KD_BUF_INIT;
	time_t at = 0;
	int rc;

	*when = 0;
	*cut = false;
	if (!status || !t || kd_parse_rfc3339(&at, t) < 0) {
		app->reason = strdup("its DriftReport has no status yet (the agent has not finished a reconcile)");
		return app->reason ? 0 : oom();
	}
	*when = at;
	if ((rc = kd_app_state_from_json(app, status)) < 0) {
		/* a malformed report spoils its app only */
		kd_buf_printf(&why, "its DriftReport cannot be read: %s", kd_error_last());
		rc = all_unknown(app, kd_buf_cstr(&why));
		kd_buf_free(&why);
		return rc;
	}
	if (rev && !st->revision && !(st->revision = strdup(rev)))
		return oom();
	if (json_integer_value(json_object_get(status, "resourcesCut")) > 0) {
		const json_t *c = kd_json_obj(status, "counts");
		int k;

		/* the report left resources out to stay small: its counts are whole */
		for (k = 0; k < KD_STATUS_COUNT; k++)
			cut_counts->n[k] = (unsigned)json_integer_value(
				json_object_get(c, kd_status_name((kd_status)k)));
		*cut = true;
	}
	if (interval > 0 && now - at > (time_t)(KD_REPORT_STALE_INTERVALS * interval)) {
		kd_buf_puts(&why, "the agent's report is stale: last confirmed ");
		age_text(&why, (long)(now - at));
		kd_buf_puts(&why, " ago, its interval is ");
		age_text(&why, (long)interval);
		rc = all_unknown(app, kd_buf_cstr(&why));
		*cut = false;
	}
	kd_buf_free(&why);
	return rc;
}

int kd_cluster_state_from_reports(kd_cluster_state **out, const char *cluster,
				  const char *const *apps, const json_t *items,
				  const char *namespace, time_t now)
{
	kd_cluster_state *st = kd_cluster_state_new(cluster);
	kd_counts *cut_counts = NULL;
	bool *cut = NULL;
	size_t i, n = 0, found = 0;
	kd_buf why = KD_BUF_INIT;
	int rc = 0;

	*out = NULL;
	while (apps && apps[n])
		n++;
	if (!st || !(cut_counts = calloc(n + 1, sizeof(*cut_counts))) ||
	    !(cut = calloc(n + 1, sizeof(*cut)))) {
		rc = oom();
		goto cleanup;
	}
	st->from_reports = true;
	st->reachable = true;
	for (i = 0; i < n; i++) {
		kd_app_state *app = kd_cluster_state_add_app(st, apps[i]);
		const json_t *rep = report_of(items, cluster, apps[i]);
		time_t when = 0;

		if (!app) {
			rc = oom();
			goto cleanup;
		}
		if (!rep)
			continue;
		found++;
		if ((rc = app_from_report(st, app, rep, now, &when, &cut_counts[i], &cut[i])) < 0)
			goto cleanup;
		if (when && (!st->synced_at || when < st->synced_at))
			st->synced_at = when;
	}
	if (n > 0 && found == 0) {
		kd_buf_printf(&why, "no kdrift agent: no DriftReport for this cluster in namespace %s",
			      namespace ? namespace : KD_REPORT_NAMESPACE);
		if (!(st->reason = kd_buf_detach(&why))) {
			rc = oom();
			goto cleanup;
		}
	}
	for (i = 0; i < st->napps; i++) {
		if (st->apps[i].reason || report_of(items, cluster, apps[i]))
			continue;
		if (!(st->apps[i].reason = strdup(st->reason ? st->reason :
				"no DriftReport for this app: the agent has not written one"))) {
			rc = oom();
			goto cleanup;
		}
	}
	kd_cluster_state_finish(st);
	/* apps whose report left resources out count what the agent counted */
	for (i = 0; i < st->napps; i++) {
		int k;

		if (!cut[i])
			continue;
		for (k = 0; k < KD_STATUS_COUNT; k++) {
			st->counts.n[k] -= st->apps[i].counts.n[k];
			st->counts.n[k] += cut_counts[i].n[k];
		}
		st->apps[i].counts = cut_counts[i];
	}
	*out = st;
	st = NULL;
cleanup:
	kd_cluster_state_unref(st);
	kd_buf_free(&why);
	free(cut_counts);
	free(cut);
	return rc;
}

/* ---- the engine's side --------------------------------------------------- */

/* The names of the fleet apps that target the cluster (and --app). */
static const char **app_names(eng_cluster *cl)
{
	const kd_fleet *f = cl->e->fleet;
	const char **names = calloc(f->napps + 1, sizeof(*names));
	size_t i, n = 0;

	for (i = 0; names && i < f->napps; i++)
		if (kd_fleet_app_targets(&f->apps[i], cl->fc) &&
		    (!cl->e->app_name || strcmp(cl->e->app_name, f->apps[i].name) == 0))
			names[n++] = f->apps[i].name;
	return names;
}

static const char *reports_ns(const kd_engine *e)
{
	return e->opts.reports_namespace ? e->opts.reports_namespace : KD_REPORT_NAMESPACE;
}

static void log_foreign(eng_cluster *cl, const json_t *items)
{
	const json_t *it;
	size_t i;

	json_array_foreach(items, i, it) {
		const char *c = kd_json_str(kd_json_obj(it, "spec"), "cluster");

		if (c && strcmp(c, cl->fc->name) != 0) {
			kd_store_log(cl->e->store, KD_LOG_WARN, cl->fc->name,
				     "ignoring DriftReport %s: written for cluster %s (an agent started with the wrong --cluster?)",
				     kd_json_str(kd_json_obj(it, "metadata"), "name") ?
				     kd_json_str(kd_json_obj(it, "metadata"), "name") : "?", c);
			return;
		}
	}
}

/* Publishes the cluster from its reports; items NULL after a failure
 * (cl->reason says why): every app is unknown with that reason. */
int eng_reports_publish(eng_cluster *cl, const json_t *items)
{
	kd_engine *e = cl->e;
	const kd_policy *pol = kd_fleet_policy(e->fleet, cl->fc);
	const char **names = app_names(cl);
	kd_cluster_state *st = NULL;
	size_t i;
	int rc = 0;

	if (!names)
		return oom();
	if (items) {
		rc = kd_cluster_state_from_reports(&st, cl->fc->name, names, items, reports_ns(e),
						   time(NULL));
	} else if (!(st = kd_cluster_state_new(cl->fc->name)) ||
		   !(st->reason = strdup(cl->reason ? cl->reason : "not read"))) {
		rc = oom();
	} else {
		st->from_reports = true;
		for (i = 0; rc == 0 && names[i]; i++) {
			kd_app_state *app = kd_cluster_state_add_app(st, names[i]);

			if (!app || !(app->reason = strdup(st->reason)))
				rc = oom();
		}
		kd_cluster_state_finish(st);
	}
	free(names);
	if (rc < 0) {
		kd_store_log(e->store, KD_LOG_ERROR, cl->fc->name, "cannot read its reports: %s",
			     kd_error_last());
		kd_cluster_state_unref(st);
		return rc;
	}
	json_decref(st->labels);
	st->labels = json_incref(cl->fc->labels);
	st->remediation = pol ? pol->remediation : KD_REMEDIATION_ALERT;
	st->prune = pol ? pol->prune : false;
	st->reconcile_ms = cl->started_ms ? eng_now_ms() - cl->started_ms : 0;
	if (!st->revision && kd_source_revision(e->src))
		st->revision = strdup(kd_source_revision(e->src));
	kd_store_publish(e->store, cl->slot, st);
	return 0;
}

static void on_reports(void *ctx, const kd_kube_result *res)
{
	eng_cluster *cl = ctx;
	json_t *none = NULL;

	cl->disc = NULL;
	if (res->error && res->error != KD_ENOTFOUND) {
		eng_cluster_fail(cl, "%s", res->message);
		return;
	}
	/* NotFound: the DriftReport kind is not installed, so no agent runs */
	if (res->error && !(none = json_array())) {
		eng_cluster_fail(cl, "out of memory");
		return;
	}
	log_foreign(cl, none ? none : res->items);
	cl->phase = PHASE_READY;
	cl->deadline_ms = 0;
	cl->failures = 0;
	cl->retry_ms = 0;
	free(cl->reason);
	cl->reason = NULL;
	cl->synced_at = time(NULL);
	cl->dirty = false;
	eng_reports_publish(cl, none ? none : res->items);
	json_decref(none);
	/* nothing stays open: the next read is a new list */
	eng_cluster_reset(cl);
	eng_busy(cl, false);
}

void eng_reports_start(eng_cluster *cl)
{
	kd_engine *e = cl->e;
	kd_kube_target *t = NULL;
	kd_kube_ref ref = {
		.group = KD_REPORT_GROUP, .version = KD_REPORT_VERSION,
		.resource = KD_REPORT_RESOURCE, .namespace = reports_ns(e),
	};

	if (!e->kc) {
		eng_cluster_fail(cl, "%s", e->kc_error ? e->kc_error : "no kubeconfig");
		return;
	}
	if (kd_kube_target_new(&t, e->kc, e->context ? e->context : cl->fc->context) < 0 ||
	    kd_kube_conn_new(&cl->conn, e->drv, t, cl->fc->name, &e->kopt) < 0) {
		eng_cluster_fail(cl, "cluster %s: %s", cl->fc->name, kd_error_last());
		return;
	}
	cl->phase = PHASE_LIST;
	if (kd_kube_list(&cl->disc, cl->conn, &ref, NULL, on_reports, cl) < 0)
		eng_cluster_fail(cl, "%s", kd_error_last());
}

bool eng_from_reports(const eng_cluster *cl)
{
	return cl->e->opts.from_reports && !cl->read_live;
}
