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
	free(app->reason);
	if (!(app->reason = strdup(why)))
		return oom();
	return 0;
}

/* One DriftReport as read from the list: its spec, what its status says
 * beside the app entry, and the app entry read into `entry` (an app of a
 * scratch state, moved into the result when the report is wanted). */
typedef struct report {
	char *name, *cluster, *app;
	char *time, *revision;
	long long interval, resources_cut;
	kd_counts counts;
	bool has_status;
	size_t entry;             /* index of its app entry in the scratch state */
	char *error;              /* why its status cannot be read, or NULL */
} report;

static void report_clear(report *r)
{
	free(r->name);
	free(r->cluster);
	free(r->app);
	free(r->time);
	free(r->revision);
	free(r->error);
}

static void read_counts(report *r, kd_jscan *s)
{
	const char *k;
	size_t n;
	long long v;
	int i;

	if (!kd_jscan_begin(s, '{'))
		return;
	while (!s->error && kd_jscan_member(s, &k, &n)) {
		for (i = 0; i < KD_STATUS_COUNT; i++)
			if (kd_jscan_key_is(k, n, kd_status_name((kd_status)i)))
				break;
		if (i == KD_STATUS_COUNT) {
			kd_jscan_skip(s);
		} else if (kd_jscan_int(s, &v) == 0 && v >= 0) {
			r->counts.n[i] = (unsigned)v;
		}
	}
}

static int read_status(report *r, kd_app_state *entry, kd_jscan *s)
{
	const char *k;
	size_t n;
	int rc;

	r->has_status = true;
	if (!kd_jscan_begin(s, '{'))
		return KD_EINVAL;
	while (!s->error && kd_jscan_member(s, &k, &n)) {
		if ((rc = kd_app_state_read_member(entry, s, k, n)) < 0) {
			/* an entry that is not one spoils its app only */
			if (s->error)
				return rc;
			if (!r->error && !(r->error = strdup(kd_error_last())))
				return oom();
		} else if (rc == 1) {
			continue;
		} else if (kd_jscan_key_is(k, n, "time")) {
			free(r->time);
			kd_jscan_string(s, &r->time);
		} else if (kd_jscan_key_is(k, n, "revision")) {
			free(r->revision);
			kd_jscan_string(s, &r->revision);
		} else if (kd_jscan_key_is(k, n, "intervalSeconds")) {
			kd_jscan_int(s, &r->interval);
		} else if (kd_jscan_key_is(k, n, "resourcesCut")) {
			kd_jscan_int(s, &r->resources_cut);
		} else if (kd_jscan_key_is(k, n, "counts")) {
			read_counts(r, s);
		} else {
			kd_jscan_skip(s);
		}
	}
	return s->error ? KD_EINVAL : 0;
}

static void read_strings(kd_jscan *s, const char *a, char **va, const char *b, char **vb)
{
	const char *k;
	size_t n;

	if (!kd_jscan_begin(s, '{'))
		return;
	while (!s->error && kd_jscan_member(s, &k, &n)) {
		char **v = kd_jscan_key_is(k, n, a) ? va : b && kd_jscan_key_is(k, n, b) ? vb : NULL;

		if (!v || kd_jscan_peek(s) != '"') {
			kd_jscan_skip(s);
			continue;
		}
		free(*v);
		*v = NULL;
		kd_jscan_string(s, v);
	}
}

/* Reads the items of a DriftReportList into reports[] (entries in scratch). */
static int read_list(report **out, size_t *count, kd_cluster_state *scratch,
		     const char *text, size_t len)
{
	report *rs = NULL, *r;
	kd_jscan s;
	const char *k, *k2;
	size_t n, n2, cap = 0;
	int rc = 0;

	*out = NULL;
	*count = 0;
	kd_jscan_init(&s, text, len);
	if (!kd_jscan_begin(&s, '{'))
		return kd_jscan_error(&s, "DriftReport list");
	while (rc == 0 && !s.error && kd_jscan_member(&s, &k, &n)) {
		if (!kd_jscan_key_is(k, n, "items") || kd_jscan_peek(&s) != '[') {
			kd_jscan_skip(&s);
			continue;
		}
		kd_jscan_begin(&s, '[');
		while (rc == 0 && !s.error && kd_jscan_element(&s)) {
			if (*count == cap) {
				report *g = realloc(rs, (cap ? cap * 2 : 8) * sizeof(*g));

				if (!g) {
					rc = oom();
					break;
				}
				rs = g;
				cap = cap ? cap * 2 : 8;
			}
			r = &rs[(*count)++];
			memset(r, 0, sizeof(*r));
			/* by index: adding an app may move scratch's array */
			if (!kd_cluster_state_add_app(scratch, "?")) {
				rc = oom();
				break;
			}
			r->entry = scratch->napps - 1;
			if (!kd_jscan_begin(&s, '{'))
				break;
			while (rc == 0 && !s.error && kd_jscan_member(&s, &k2, &n2)) {
				if (kd_jscan_key_is(k2, n2, "metadata"))
					read_strings(&s, "name", &r->name, NULL, NULL);
				else if (kd_jscan_key_is(k2, n2, "spec"))
					read_strings(&s, "cluster", &r->cluster, "app", &r->app);
				else if (kd_jscan_key_is(k2, n2, "status") && kd_jscan_peek(&s) == '{')
					rc = read_status(r, &scratch->apps[r->entry], &s);
				else
					kd_jscan_skip(&s);
			}
			if (rc == KD_EINVAL)
				rc = 0;   /* a scanner error: reported below */
		}
	}
	if (rc == 0 && s.error)
		rc = kd_jscan_error(&s, "DriftReport list");
	*out = rs;
	return rc;
}

static void free_reports(report *rs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		report_clear(&rs[i]);
	free(rs);
}

/* The wanted app's state from its report (moving the read entry over). */
static int app_from_report(kd_cluster_state *st, kd_app_state *app, report *r,
			   kd_app_state *entry, time_t now, time_t *when, bool *cut)
{
	kd_buf why = KD_BUF_INIT;
	int64_t at_ms = 0;
	time_t at;
	int rc = 0;

	*when = 0;
	*cut = false;
	if (!r->has_status || !r->time || kd_time_parse(&at_ms, r->time) < 0) {
		app->reason = strdup("its DriftReport has no status yet (the agent has not finished a reconcile)");
		return app->reason ? 0 : oom();
	}
	at = (time_t)(at_ms / 1000);
	*when = at;
	/* the entry read from the report becomes the app */
	app->resources = entry->resources;
	app->nresources = entry->nresources;
	app->path = entry->path;
	app->reason = entry->reason;
	entry->resources = NULL;
	entry->nresources = 0;
	entry->path = NULL;
	entry->reason = NULL;
	if (r->error) {
		kd_buf_printf(&why, "its DriftReport cannot be read: %s", r->error);
		rc = all_unknown(app, kd_buf_cstr(&why));
		kd_buf_free(&why);
		return rc;
	}
	if (r->revision && !st->revision && !(st->revision = strdup(r->revision)))
		return oom();
	/* the report left resources out to stay small: its counts are whole */
	*cut = r->resources_cut > 0;
	if (r->interval > 0 && now - at > (time_t)(KD_REPORT_STALE_INTERVALS * r->interval)) {
		kd_buf_puts(&why, "the agent's report is stale: last confirmed ");
		age_text(&why, (long)(now - at));
		kd_buf_puts(&why, " ago, its interval is ");
		age_text(&why, (long)r->interval);
		rc = all_unknown(app, kd_buf_cstr(&why));
		*cut = false;
	}
	kd_buf_free(&why);
	return rc;
}

static report *report_for(report *rs, size_t n, const char *cluster, const char *app)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rs[i].app && rs[i].cluster && strcmp(rs[i].app, app) == 0 &&
		    strcmp(rs[i].cluster, cluster) == 0)
			return &rs[i];
	return NULL;
}

int kd_cluster_state_from_reports(kd_cluster_state **out, const char *cluster,
				  const char *const *apps, const char *list, size_t len,
				  const char *namespace, time_t now, char **foreign)
{
	kd_cluster_state *st = kd_cluster_state_new(cluster), *scratch = kd_cluster_state_new(cluster);
	report *rs = NULL, *rep;
	bool *cut = NULL;
	size_t i, n = 0, nrs = 0, found = 0;
	kd_buf why = KD_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (foreign)
		*foreign = NULL;
	while (apps && apps[n])
		n++;
	if (!st || !scratch || !(cut = calloc(n + 1, sizeof(*cut)))) {
		rc = oom();
		goto cleanup;
	}
	/* room for every entry first: add_app must not move them while read */
	if ((rc = read_list(&rs, &nrs, scratch, list ? list : "{}", list ? len : 2)) < 0)
		goto cleanup;
	for (i = 0; foreign && i < nrs; i++)
		if (rs[i].cluster && strcmp(rs[i].cluster, cluster) != 0 && !*foreign) {
			kd_buf_printf(&why, "%s (written for cluster %s)", rs[i].name ? rs[i].name : "?",
				      rs[i].cluster);
			*foreign = kd_buf_detach(&why);
		}
	st->from_reports = true;
	st->reachable = true;
	for (i = 0; i < n; i++) {
		kd_app_state *app = kd_cluster_state_add_app(st, apps[i]);
		time_t when = 0;

		if (!app) {
			rc = oom();
			goto cleanup;
		}
		if (!(rep = report_for(rs, nrs, cluster, apps[i])))
			continue;
		found++;
		if ((rc = app_from_report(st, app, rep, &scratch->apps[rep->entry], now, &when,
					  &cut[i])) < 0)
			goto cleanup;
		if (when && (!st->synced_at || when < st->synced_at))
			st->synced_at = when;
	}
	if (n > 0 && found == 0) {
		kd_buf_clear(&why);
		kd_buf_printf(&why, "no kdrift agent: no DriftReport for this cluster in namespace %s",
			      namespace ? namespace : KD_REPORT_NAMESPACE);
		if (!(st->reason = kd_buf_detach(&why))) {
			rc = oom();
			goto cleanup;
		}
	}
	for (i = 0; i < st->napps; i++) {
		if (st->apps[i].reason || report_for(rs, nrs, cluster, apps[i]))
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
		rep = report_for(rs, nrs, cluster, apps[i]);
		for (k = 0; k < KD_STATUS_COUNT; k++) {
			st->counts.n[k] -= st->apps[i].counts.n[k];
			st->counts.n[k] += rep->counts.n[k];
		}
		st->apps[i].counts = rep->counts;
	}
	*out = st;
	st = NULL;
cleanup:
	kd_cluster_state_unref(st);
	kd_cluster_state_unref(scratch);
	free_reports(rs, nrs);
	kd_buf_free(&why);
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

/* Publishes the cluster from its reports (the text of the list); list
 * NULL after a failure (cl->reason says why): every app is unknown with
 * that reason. */
int eng_reports_publish(eng_cluster *cl, const char *list, size_t len)
{
	kd_engine *e = cl->e;
	const kd_policy *pol = kd_fleet_policy(e->fleet, cl->fc);
	const char **names = app_names(cl);
	kd_cluster_state *st = NULL;
	size_t i;
	int rc = 0;

	if (!names)
		return oom();
	if (list) {
		char *foreign = NULL;

		rc = kd_cluster_state_from_reports(&st, cl->fc->name, names, list, len, reports_ns(e),
						   time(NULL), &foreign);
		if (foreign)
			kd_store_log(e->store, KD_LOG_WARN, cl->fc->name,
				     "ignoring DriftReport %s: an agent started with the wrong --cluster?",
				     foreign);
		free(foreign);
		if (rc == KD_EINVAL) {
			/* not a list of reports: the cluster is unknown, saying why */
			free(cl->reason);
			cl->reason = strdup(kd_error_last());
			list = NULL;
			rc = 0;
		}
	}
	if (rc < 0 || list) {
		/* done above */
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

	cl->disc = NULL;
	if (res->error && res->error != KD_ENOTFOUND) {
		eng_cluster_fail(cl, "%s", res->message);
		return;
	}
	cl->phase = PHASE_READY;
	cl->deadline_ms = 0;
	cl->failures = 0;
	cl->retry_ms = 0;
	free(cl->reason);
	cl->reason = NULL;
	cl->synced_at = time(NULL);
	cl->dirty = false;
	/* NotFound: the DriftReport kind is not installed, so no agent runs */
	if (res->error)
		eng_reports_publish(cl, "{}", 2);
	else
		eng_reports_publish(cl, res->raw ? res->raw : "{}", res->raw ? res->raw_len : 2);
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
	/* one GET of the whole list, read in place: a namespace holds one
	 * report per app, and a fleet's worth of them is too much for trees */
	kd_kube_request req = { .method = "GET", .what = "driftreports.kdrift.dev", .raw = true };
	kd_buf path = KD_BUF_INIT;

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
	if (kd_kube_path(&path, &ref) < 0) {
		eng_cluster_fail(cl, "%s", kd_error_last());
		return;
	}
	req.path = kd_buf_cstr(&path);
	if (kd_kube_submit(&cl->disc, cl->conn, &req, on_reports, cl) < 0)
		eng_cluster_fail(cl, "%s", kd_error_last());
	kd_buf_free(&path);
}

bool eng_from_reports(const eng_cluster *cl)
{
	return cl->e->opts.from_reports && !cl->read_live;
}
