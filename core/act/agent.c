/*
 * agent — `kdrift agent`'s loop (see act.h): the engine for one cluster,
 * then, for every state it publishes, the fleet's policy (kd_heal_run),
 * the DriftReports (kd_reporter) and the numbers /metrics shows.
 *
 * Owns the order of those steps and the counters; the metrics text is
 * agent_metrics.c, the HTTP server agent_http.c.  Never prints: events go
 * to the caller's log function.
 */
#include "act/act.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"

#define DEFAULT_INTERVAL_S 300
/* The loop turns at least this often (stop requests, confirmations). */
#define TICK_MS 5000
#define HEALTHY_S 300

struct kd_agent {
	kd_agent_opts opts;
	char *cluster;
	kd_kubeconfig *kc;
	const char *context;        /* "in-cluster", opts.context, or NULL */
	kd_engine *engine;
	kd_reporter *reporter;
	uint64_t log_seq;           /* engine log entries already passed on */
	uint64_t generation;        /* of the last state handled */
	time_t confirmed_at;        /* last pass over the reports */

	pthread_mutex_t mu;         /* guards what the metrics server reads: */
	kd_agent_counters counters;
	kd_cluster_state *last;     /* the last state handled (a reference) */
	bool ready;
	time_t tick;                /* the loop's last turn */
};

static void say(kd_agent *a, kd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(kd_agent *a, kd_log_level level, const char *fmt, ...)
{
	kd_buf b = KD_BUF_INIT;
	va_list ap;

	if (!a->opts.log)
		return;
	va_start(ap, fmt);
	kd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	a->opts.log(a->opts.log_ctx, level, kd_buf_cstr(&b));
	kd_buf_free(&b);
}

/* Passes the engine's new log entries on. */
static void forward_log(kd_agent *a)
{
	kd_log_entry *entries = NULL;
	size_t n, i;

	n = kd_store_log_read(kd_engine_store(a->engine), a->log_seq, &entries);
	for (i = 0; i < n; i++) {
		a->log_seq = entries[i].seq;
		if (a->opts.log)
			a->opts.log(a->opts.log_ctx, entries[i].level, entries[i].message);
	}
	kd_store_log_free(entries, n);
}

int kd_agent_new(kd_agent **out, const kd_agent_opts *opts)
{
	kd_engine_opts eo = { 0 };
	kd_report_opts ro = { 0 };
	const char *names[2] = { NULL, NULL };
	kd_fleet *fleet;
	kd_agent *a;
	int rc;

	*out = NULL;
	if (!opts || !opts->cluster || !*opts->cluster)
		return kd_error_set(KD_EINVAL, "the agent needs the name of its cluster (--cluster)");
	if (!(a = calloc(1, sizeof(*a))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	pthread_mutex_init(&a->mu, NULL);
	a->opts = *opts;
	if (a->opts.interval_s <= 0)
		a->opts.interval_s = DEFAULT_INTERVAL_S;
	if (!(a->cluster = strdup(opts->cluster))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto fail;
	}
	a->opts.cluster = a->cluster;
	if (opts->kubeconfig || opts->context) {
		rc = kd_kubeconfig_load(&a->kc, opts->kubeconfig);
		a->context = opts->context;
	} else {
		rc = kd_kubeconfig_in_cluster(&a->kc, opts->serviceaccount_dir, "in-cluster");
		a->context = "in-cluster";
	}
	if (rc < 0)
		goto fail;
	names[0] = a->cluster;
	eo.repo = opts->repo;
	eo.revision = opts->revision;
	eo.fleet_file = opts->fleet_file;
	eo.clusters = names;
	eo.kubeconfig_loaded = a->kc;
	eo.context = a->context;
	eo.git_auth = opts->git_auth;
	eo.fetch_interval_s = (int)(a->opts.interval_s > 86400 ? 86400 : a->opts.interval_s);
	eo.timeout_s = opts->timeout_s;
	if ((rc = kd_engine_new(&a->engine, &eo)) < 0)
		goto fail;
	if (kd_store_cluster_count(kd_engine_store(a->engine)) != 1) {
		rc = kd_error_set(KD_ENOTFOUND, "cluster '%s' is not selected", a->cluster);
		goto fail;
	}
	ro.namespace = opts->namespace;
	ro.interval_s = a->opts.interval_s;
	fleet = kd_store_fleet(kd_engine_store(a->engine));
	rc = kd_reporter_new(&a->reporter, a->kc, a->context ? a->context :
			     kd_fleet_cluster(fleet, a->cluster)->context, a->cluster, &ro);
	kd_fleet_free(fleet);
	if (rc < 0)
		goto fail;
	a->tick = time(NULL);
	*out = a;
	return 0;
fail:
	kd_agent_free(a);
	return rc;
}

void kd_agent_free(kd_agent *a)
{
	if (!a)
		return;
	kd_engine_free(a->engine);
	kd_reporter_free(a->reporter);
	kd_kubeconfig_free(a->kc);
	kd_cluster_state_unref(a->last);
	pthread_mutex_destroy(&a->mu);
	free(a->cluster);
	free(a);
}

/* ---- one pass ----------------------------------------------------------------- */

static bool needs_policy(const kd_cluster_state *st)
{
	size_t i, j;

	if (st->reason)
		return false;
	for (i = 0; i < st->napps; i++)
		for (j = 0; j < st->apps[i].nresources; j++)
			if (st->apps[i].resources[j].status != KD_STATUS_SYNCED &&
			    st->apps[i].resources[j].status != KD_STATUS_UNKNOWN)
				return true;
	return false;
}

/* The fleet's policy for the cluster; the number of actions that
 * succeeded (so --once knows to read the cluster again). */
static size_t apply_policy(kd_agent *a, const kd_cluster_state *st)
{
	kd_heal_opts ho = {
		.kubeconfig_loaded = a->kc, .context = a->context,
		.audit_path = a->opts.audit_path, .state_path = a->opts.heal_state_path,
		.webhook = a->opts.webhook, .revision = st->revision,
	};
	kd_heal_report *r = NULL;
	size_t healed;
	int rc;

	if (!needs_policy(st) || !st->fleet)
		return 0;
	rc = kd_heal_run(&r, kd_engine_store(a->engine), st->fleet, &ho);
	if (rc < 0) {
		say(a, KD_LOG_ERROR, "policy: %s", kd_error_last());
		return 0;
	}
	healed = r->healed;
	if (r->healed || r->failed)
		say(a, r->failed ? KD_LOG_WARN : KD_LOG_INFO,
		    "self-heal: %zu change%s made, %zu failed (see the audit log)",
		    r->healed, r->healed == 1 ? "" : "s", r->failed);
	if (r->new_alerts)
		say(a, KD_LOG_WARN, "alert: %zu new drifted object%s%s%s", r->new_alerts,
		    r->new_alerts == 1 ? "" : "s", r->webhook_error ? "; " : "",
		    r->webhook_error ? r->webhook_error : "");
	pthread_mutex_lock(&a->mu);
	a->counters.heal_succeeded += r->healed;
	a->counters.heal_failed += r->failed;
	a->counters.alerts += r->new_alerts;
	pthread_mutex_unlock(&a->mu);
	kd_heal_report_free(r);
	return healed;
}

/* Writes the reports of st (those that need it); false on a failure. */
static bool report(kd_agent *a, const kd_cluster_state *st)
{
	kd_report_stats rs = { 0 };
	int rc = kd_reporter_write(a->reporter, st, time(NULL), &rs);

	if (rc < 0)
		say(a, KD_LOG_ERROR, "reports: %s", kd_error_last());
	if (rs.written || rs.created || rs.deleted)
		say(a, KD_LOG_INFO, "reports: %zu written (%zu new), %zu unchanged, %zu deleted",
		    rs.written, rs.created, rs.unchanged, rs.deleted);
	pthread_mutex_lock(&a->mu);
	a->counters.reports_written += rs.written;
	a->counters.reports_unchanged += rs.unchanged;
	a->counters.reports_conflicts += rs.conflicts;
	a->counters.reports_failed += rs.failed;
	a->counters.api_errors_report += rs.failed;
	if (rc == 0)
		a->ready = true;
	pthread_mutex_unlock(&a->mu);
	a->confirmed_at = time(NULL);
	return rc == 0;
}

/* Counts a newly published state for the metrics and keeps it. */
static void account(kd_agent *a, kd_cluster_state *st)
{
	size_t i, render = 0;

	for (i = 0; i < st->napps; i++)
		render += st->apps[i].reason != NULL && !st->reason;
	if (st->reason)
		say(a, KD_LOG_ERROR, "cannot read the cluster: %s", st->reason);
	pthread_mutex_lock(&a->mu);
	a->counters.reconciles++;
	a->counters.render_errors += render;
	a->counters.api_errors_read += st->reason != NULL;
	a->counters.last_reconcile = time(NULL);
	a->counters.last_duration_ms = st->reconcile_ms;
	kd_cluster_state_unref(a->last);
	a->last = kd_cluster_state_ref(st);
	pthread_mutex_unlock(&a->mu);
}

/* A new state: policy, then the reports of what the cluster holds now. */
static bool handle(kd_agent *a, kd_cluster_state *st)
{
	a->generation = st->generation;
	account(a, st);
	apply_policy(a, st);
	return report(a, st);
}

static int run_once(kd_agent *a)
{
	kd_store *s = kd_engine_store(a->engine);
	kd_cluster_state *st;
	bool ok;
	int rc;

	if ((rc = kd_engine_run_once(a->engine)) < 0)
		return rc;
	forward_log(a);
	if (!(st = kd_store_get(s, 0)))
		return kd_error_set(KD_ERROR, "no result for cluster %s", a->cluster);
	account(a, st);
	if (apply_policy(a, st) > 0) {
		/* report what the cluster holds after healing */
		kd_cluster_state_unref(st);
		if ((rc = kd_engine_run_once(a->engine)) < 0)
			return rc;
		forward_log(a);
		if (!(st = kd_store_get(s, 0)))
			return kd_error_set(KD_ERROR, "no result for cluster %s", a->cluster);
		account(a, st);
	}
	ok = report(a, st);
	rc = st->reason ? kd_error_set(KD_EIO, "cluster %s: %s", a->cluster, st->reason) :
	     ok ? 0 : kd_error_set(KD_EIO, "the DriftReports could not be written");
	kd_cluster_state_unref(st);
	return rc;
}

static void tick(kd_agent *a)
{
	pthread_mutex_lock(&a->mu);
	a->tick = time(NULL);
	pthread_mutex_unlock(&a->mu);
}

int kd_agent_run(kd_agent *a, int stop_fd)
{
	kd_store *s = kd_engine_store(a->engine);
	bool last_ok = true;
	int rc;

	say(a, KD_LOG_INFO, "agent for cluster %s: reports in namespace %s, interval %lds", a->cluster,
	    a->opts.namespace ? a->opts.namespace : KD_REPORT_NAMESPACE, a->opts.interval_s);
	if (a->opts.once)
		return run_once(a);
	if ((rc = kd_engine_start(a->engine)) < 0)
		return rc;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = kd_store_wake_fd(s), .events = POLLIN },
			{ .fd = stop_fd, .events = POLLIN },
		};
		kd_cluster_state *st;
		int n = poll(p, stop_fd >= 0 ? 2 : 1, TICK_MS);

		if (n < 0 && errno != EINTR) {
			rc = kd_error_set(KD_EIO, "poll: %s", strerror(errno));
			break;
		}
		if (stop_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
			break;
		tick(a);
		kd_store_wake_drain(s);
		forward_log(a);
		st = kd_store_get(s, 0);
		if (st && st->generation != a->generation)
			last_ok = handle(a, st);
		else if (st && time(NULL) - a->confirmed_at >= (a->opts.interval_s + 1) / 2)
			/* unchanged: reports older than an interval are confirmed */
			last_ok = report(a, st);
		kd_cluster_state_unref(st);
	}
	kd_engine_stop(a->engine);
	forward_log(a);
	say(a, KD_LOG_INFO, "agent for cluster %s stopped", a->cluster);
	if (rc == 0 && !last_ok)
		rc = kd_error_set(KD_EIO, "the last DriftReports could not be written");
	return rc;
}

/* ---- for the metrics server ------------------------------------------------ */

int kd_agent_metrics(kd_buf *out, kd_agent *a)
{
	kd_agent_counters c;
	kd_cluster_state *st;
	int rc;

	pthread_mutex_lock(&a->mu);
	c = a->counters;
	st = kd_cluster_state_ref(a->last);
	pthread_mutex_unlock(&a->mu);
	rc = kd_agent_metrics_format(out, a->cluster, &c, st);
	kd_cluster_state_unref(st);
	return rc;
}

bool kd_agent_ready(kd_agent *a)
{
	bool r;

	pthread_mutex_lock(&a->mu);
	r = a->ready;
	pthread_mutex_unlock(&a->mu);
	return r;
}

bool kd_agent_healthy(kd_agent *a)
{
	time_t t;

	pthread_mutex_lock(&a->mu);
	t = a->tick;
	pthread_mutex_unlock(&a->mu);
	return time(NULL) - t < HEALTHY_S;
}
