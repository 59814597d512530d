/*
 * engine — lifecycle, cluster selection, the scheduler loop shared by
 * kd_engine_run_once and the background thread, Git fetches and requests
 * from other threads (see engine.h).
 */
#include "engine_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/base.h"
#include "data/data.h"

#define DEFAULT_FETCH_S 60
/* How often a local repository's refs are read: a commit or a push into
 * it reaches the screen well within a second, for the cost of reading two
 * small files. */
#define POLL_MS 250
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_CONCURRENCY 64
#define WATCH_BATCH 50
/* Watches wait while clusters are still listing, at most this long after
 * the last cluster started: every watch is a connection of its own to an
 * HTTP/1.1 server, and thousands of their handshakes queued ahead of the
 * last lists delay a large fleet's first complete view by minutes; a hung
 * cluster holds the others' watches back no longer than this. */
#define WATCH_HOLD_MS 5000

int64_t eng_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void eng_busy(eng_cluster *cl, bool on)
{
	if (on != cl->busy) {
		cl->busy = on;
		kd_store_busy(cl->e->store, on ? 1 : -1);
	}
}

static int dup_opt(char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

static int copy_opts(kd_engine *e, const kd_engine_opts *o)
{
	size_t n = 0, i;

	e->opts = *o;
	if (dup_opt(&e->repo, o->repo ? o->repo : ".") < 0 ||
	    dup_opt(&e->revision, o->revision) < 0 ||
	    dup_opt(&e->fleet_file, o->fleet_file ? o->fleet_file : "kdrift.yaml") < 0 ||
	    dup_opt(&e->kubeconfig_path, o->kubeconfig) < 0 ||
	    dup_opt(&e->selector_text, o->cluster_selector) < 0 ||
	    dup_opt(&e->app_name, o->app) < 0)
		return KD_ENOMEM;
	if (o->clusters) {
		while (o->clusters[n])
			n++;
		if (!(e->cluster_names = calloc(n + 1, sizeof(char *))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		for (i = 0; i < n; i++)
			if (dup_opt(&e->cluster_names[i], o->clusters[i]) < 0)
				return KD_ENOMEM;
	}
	e->opts.repo = e->repo;
	e->opts.revision = e->revision;
	e->opts.fleet_file = e->fleet_file;
	e->opts.kubeconfig = e->kubeconfig_path;
	e->opts.cluster_selector = e->selector_text;
	e->opts.app = e->app_name;
	e->opts.clusters = (const char *const *)e->cluster_names;
	if (dup_opt(&e->context, o->context) < 0 || dup_opt(&e->audit_path, o->audit_path) < 0)
		return KD_ENOMEM;
	e->opts.context = e->context;
	e->opts.audit_path = e->audit_path;
	if (e->opts.fetch_interval_s <= 0)
		e->opts.fetch_interval_s = DEFAULT_FETCH_S;
	if (e->opts.timeout_s <= 0)
		e->opts.timeout_s = DEFAULT_TIMEOUT_S;
	if (e->opts.concurrency <= 0)
		e->opts.concurrency = DEFAULT_CONCURRENCY;
	return 0;
}

static bool name_listed(char **names, const char *name)
{
	for (; names && *names; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* The clusters to reconcile: named ones, those the selector matches, and
 * with --app only those the app is deployed to. */
static int select_clusters(kd_engine *e)
{
	const kd_fleet *f = e->fleet;
	const kd_app *app = NULL;
	kd_selector sel = { 0 };
	const char **names = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (e->app_name && !(app = kd_fleet_app(f, e->app_name)))
		return kd_error_set(KD_ENOTFOUND, "%s has no app '%s'", f->file, e->app_name);
	for (i = 0; e->cluster_names && e->cluster_names[i]; i++)
		if (!kd_fleet_cluster(f, e->cluster_names[i]))
			return kd_error_set(KD_ENOTFOUND, "%s has no cluster '%s'", f->file,
					    e->cluster_names[i]);
	if (e->selector_text && (rc = kd_selector_parse_text(&sel, e->selector_text)) < 0)
		return kd_error_wrap(rc, "--clusters: ");
	if (!(e->cl = calloc(f->nclusters ? f->nclusters : 1, sizeof(*e->cl))) ||
	    !(names = calloc(f->nclusters + 1, sizeof(*names)))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < f->nclusters; i++) {
		const kd_cluster *c = &f->clusters[i];
		eng_cluster *cl;

		if ((e->cluster_names && !name_listed(e->cluster_names, c->name)) ||
		    (e->selector_text && !kd_selector_matches(&sel, c->labels)) ||
		    (app && !kd_fleet_app_targets(app, c)))
			continue;
		cl = &e->cl[n];
		if (!(cl->live = json_object())) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		cl->e = e;
		cl->fc = c;
		cl->fleet = kd_fleet_ref(e->fleet);
		cl->slot = n;
		names[n++] = c->name;
		e->ncl = n;   /* kd_engine_free releases it from here on */
	}
	rc = kd_store_new(&e->store, names, n);
cleanup:
	kd_selector_free(&sel);
	free(names);
	return rc;
}

int kd_engine_new(kd_engine **out, const kd_engine_opts *opts)
{
	kd_engine_opts none = { 0 };
	kd_source_opts sopts = { 0 };
	kd_engine *e;
	int rc;

	*out = NULL;
	if (!(e = calloc(1, sizeof(*e))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	e->cmd_fd[0] = e->cmd_fd[1] = -1;
	pthread_mutex_init(&e->mu, NULL);
	if ((rc = copy_opts(e, opts ? opts : &none)) < 0)
		goto fail;
	sopts.revision = e->revision;
	sopts.worktree = e->opts.worktree;
	sopts.auth = e->opts.git_auth;
	if ((rc = kd_source_open(&e->src, e->repo, &sopts)) < 0 ||
	    (rc = kd_fleet_load(&e->fleet, e->src, e->fleet_file)) < 0 ||
	    (rc = select_clusters(e)) < 0)
		goto fail;
	if (e->opts.kubeconfig_loaded) {
		e->kc = (kd_kubeconfig *)e->opts.kubeconfig_loaded;
		e->kc_borrowed = true;
	} else if ((rc = kd_kubeconfig_require(e->kubeconfig_path)) < 0 ||
		   (rc = kd_kubeconfig_load(&e->kc, e->kubeconfig_path)) < 0) {
		goto fail;
	}
	if ((rc = kd_kube_driver_new(&e->drv)) < 0 || (rc = kd_diff_memo_new(&e->diff_memo)) < 0)
		goto fail;
	/* check lets go of each cluster's objects at once: nothing to share */
	if (!e->opts.statuses_only && !(e->intern = json_object())) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto fail;
	}
	if (!(e->render_cache = json_object()) || !(e->base_cache = json_object()) ||
	    !(e->refresh_names = json_array()) || !(e->live_names = json_array())) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto fail;
	}
	if (pipe(e->cmd_fd) < 0) {
		rc = kd_error_set(KD_EIO, "pipe: %s", strerror(errno));
		goto fail;
	}
	fcntl(e->cmd_fd[0], F_SETFL, O_NONBLOCK);
	fcntl(e->cmd_fd[1], F_SETFL, O_NONBLOCK);
	kd_kube_driver_set_wake_fd(e->drv, e->cmd_fd[0]);
	kd_kube_options_init(&e->kopt);
	/* the engine's own per-cluster deadline ends a reconcile first (the
	 * client's limits only back it up); the engine retries failed clusters
	 * itself, so the client gives up sooner than it would alone */
	e->kopt.request_timeout_ms = (long)e->opts.timeout_s * 1000 + 1000;
	e->kopt.deadline_ms = (long)e->opts.timeout_s * 1000 + 1000;
	e->kopt.max_retries = 3;
	e->kopt.qps = 50;
	e->kopt.burst = 100;
	e->fetched_at = time(NULL);
	kd_store_set_fleet(e->store, e->fleet);
	kd_store_set_source(e->store, kd_source_label(e->src), kd_source_revision(e->src),
			    e->fetched_at);
	*out = e;
	return 0;
fail:
	kd_engine_free(e);
	return rc;
}

void kd_engine_free(kd_engine *e)
{
	size_t i;

	if (!e)
		return;
	kd_engine_stop(e);
	for (i = 0; i < e->ncl; i++) {
		eng_cluster *cl = &e->cl[i];

		eng_cluster_reset(cl);
		eng_apps_free(cl);
		eng_diffs_free(cl);
		json_decref(cl->live);
		free(cl->reason);
		kd_fleet_free(cl->fleet);
	}
	free(e->cl);
	kd_kube_driver_free(e->drv);
	if (!e->kc_borrowed)
		kd_kubeconfig_free(e->kc);
	json_decref(e->render_cache);
	json_decref(e->base_cache);
	json_decref(e->intern);
	kd_diff_memo_free(e->diff_memo);
	json_decref(e->refresh_names);
	json_decref(e->live_names);
	kd_store_free(e->store);
	kd_fleet_free(e->fleet);
	kd_source_free(e->src);
	if (e->cmd_fd[0] >= 0)
		close(e->cmd_fd[0]);
	if (e->cmd_fd[1] >= 0)
		close(e->cmd_fd[1]);
	pthread_mutex_destroy(&e->mu);
	free(e->repo);
	free(e->revision);
	free(e->fleet_file);
	free(e->kubeconfig_path);
	free(e->selector_text);
	free(e->app_name);
	free(e->context);
	free(e->audit_path);
	eng_followup_free(e);
	free(e->poll_error);
	for (i = 0; e->cluster_names && e->cluster_names[i]; i++)
		free(e->cluster_names[i]);
	free(e->cluster_names);
	free(e);
}

kd_store *kd_engine_store(kd_engine *e)
{
	return e->store;
}

/* ---- the scheduler ------------------------------------------------------- */

static void queue(eng_cluster *cl)
{
	cl->queued = true;
	eng_busy(cl, true);
}

/* Starts queued clusters while fewer than `concurrency` are reconciling,
 * and advances every cluster's timers.  Returns the milliseconds until the
 * next timer, at most max_ms. */
static int schedule(kd_engine *e, int max_ms)
{
	size_t i, active = 0, started, queued = 0;
	int64_t now = eng_now_ms(), next = now + max_ms;
	bool held;

	for (i = 0; i < e->ncl; i++)
		eng_cluster_tick(&e->cl[i], now);
	for (i = 0; i < e->ncl; i++)
		active += eng_cluster_active(&e->cl[i]);
	for (i = 0; i < e->ncl && active < (size_t)e->opts.concurrency; i++) {
		eng_cluster *cl = &e->cl[i];

		if (!cl->queued)
			continue;
		cl->queued = false;
		eng_cluster_start(cl);
		active += eng_cluster_active(cl);
		e->watch_hold_ms = now + WATCH_HOLD_MS;
	}
	/* watches start once every queued cluster has started its reconcile
	 * and the lists have ended or WATCH_HOLD_MS passed (never waiting
	 * long for a slow one), a batch per pass */
	for (i = 0, active = 0; i < e->ncl; i++) {
		queued += e->cl[i].queued;
		active += eng_cluster_active(&e->cl[i]);
	}
	held = queued > 0 || (active > 0 && now < e->watch_hold_ms);
	for (i = 0; held && !queued && i < e->ncl; i++)
		if (e->cl[i].watches_pending) {
			if (e->watch_hold_ms < next)
				next = e->watch_hold_ms;
			break;
		}
	for (i = 0, started = 0; !held && i < e->ncl && started < WATCH_BATCH; i++) {
		eng_cluster *cl = &e->cl[i];

		if (!cl->queued && cl->watches_pending) {
			eng_cluster_start_watches(cl);
			started++;
		}
	}
	if (started)
		next = now;
	for (i = 0; i < e->ncl; i++) {
		eng_cluster *cl = &e->cl[i];

		if (eng_cluster_active(cl) && cl->deadline_ms && cl->deadline_ms < next)
			next = cl->deadline_ms;
		if (cl->phase == PHASE_FAILED && cl->retry_ms && cl->retry_ms < next)
			next = cl->retry_ms;
		if (cl->dirty && cl->publish_ms < next)
			next = cl->publish_ms;
	}
	return next <= now ? 0 : (int)(next - now);
}

static bool work_left(const kd_engine *e)
{
	size_t i;

	for (i = 0; i < e->ncl; i++)
		if (e->cl[i].queued || eng_cluster_active(&e->cl[i]))
			return true;
	return false;
}

int kd_engine_run_once(kd_engine *e)
{
	size_t i;
	int rc = 0;

	if (e->running)
		return kd_error_set(KD_EINVAL, "the engine is already running");
	for (i = 0; i < e->ncl; i++)
		queue(&e->cl[i]);
	while (work_left(e)) {
		int wait = schedule(e, 200);

		if (!work_left(e))
			break;
		if ((rc = kd_kube_run(e->drv, wait)) < 0)
			break;
	}
	for (i = 0; i < e->ncl; i++)
		eng_cluster_reset(&e->cl[i]);
	return rc;
}

/* ---- the background thread ----------------------------------------------- */

static void wake_thread(kd_engine *e)
{
	ssize_t r;

	do
		r = write(e->cmd_fd[1], "!", 1);
	while (r < 0 && errno == EINTR);
}

static void drain_cmds(kd_engine *e)
{
	char buf[64];

	while (read(e->cmd_fd[0], buf, sizeof(buf)) > 0)
		;
}

/* A new revision: the fleet file is read again, published, and every app
 * rendered anew.  When the fleet file says what it said before, a cluster
 * whose rendered apps are the same keeps its results as they are (no new
 * diff, list or publish); one whose desired state changed is diffed again
 * against the live objects it has, unless the new desired state uses kinds
 * it does not watch (then it is reconciled in full).  Any change to the
 * fleet file renders and republishes every cluster.  The engine then
 * drops its reference on the old fleet: it is freed once no published
 * state and no reader holds it, and no cluster the new fleet dropped still
 * points into it. */
static void reload(kd_engine *e)
{
	kd_fleet *nf = NULL, *old = e->fleet;
	size_t i, changed = 0;
	bool same_fleet;

	if (kd_fleet_load(&nf, e->src, e->fleet_file) < 0) {
		kd_store_log(e->store, KD_LOG_ERROR, NULL, "%s", kd_error_last());
		return;
	}
	same_fleet = old->doc && nf->doc && kd_json_equal(old->doc, nf->doc);
	e->fleet = nf;
	kd_store_set_fleet(e->store, nf);
	json_object_clear(e->render_cache);
	json_object_clear(e->base_cache);
	for (i = 0; i < e->ncl; i++) {
		eng_cluster *cl = &e->cl[i];
		const kd_cluster *c = kd_fleet_cluster(nf, cl->fc->name);
		int r = 1;

		if (c) {
			kd_fleet_free(cl->fleet);
			cl->fleet = kd_fleet_ref(nf);
			cl->fc = c;
		} else {
			kd_store_log(e->store, KD_LOG_WARN, cl->fc->name,
				     "no longer in %s; kept as it was", nf->file);
		}
		if (c && same_fleet && cl->rendered && !eng_from_reports(cl)) {
			if ((r = eng_render_changed(e, cl)) == 0)
				continue;
		} else {
			eng_apps_free(cl);
		}
		changed++;
		cl->awaiting = true;
		if (r < 0 || !eng_cluster_rerender(cl, r > 0))
			queue(cl);
	}
	kd_store_log(e->store, KD_LOG_INFO, NULL, "desired state changed in %zu of %zu cluster%s",
		     changed, e->ncl, e->ncl == 1 ? "" : "s");
	kd_fleet_free(old);
}

/* The source moved to a new revision: it is pending until its render
 * lands (pending_check). */
static void new_revision(kd_engine *e)
{
	kd_store_log(e->store, KD_LOG_INFO, NULL, "new revision %s", kd_source_label(e->src));
	kd_store_set_pending(e->store, kd_source_revision(e->src));
	if (!e->pending) {
		e->pending = true;
		kd_store_busy(e->store, 1);
	}
	reload(e);
}

/* The pending revision has landed once every cluster it changed is
 * published (or failed): the source's revision moves to it. */
static void pending_check(kd_engine *e)
{
	bool left = false;
	size_t i;

	if (!e->pending)
		return;
	for (i = 0; i < e->ncl; i++) {
		eng_cluster *cl = &e->cl[i];

		if (!cl->awaiting)
			continue;
		if (cl->dirty || cl->queued || eng_cluster_active(cl))
			left = true;
		else
			cl->awaiting = false;
	}
	if (left)
		return;
	e->pending = false;
	/* clears the pending revision, which is this one */
	kd_store_set_source(e->store, kd_source_label(e->src), kd_source_revision(e->src),
			    e->fetched_at);
	kd_store_busy(e->store, -1);
}

static void fetch(kd_engine *e)
{
	char *before = strdup(kd_source_revision(e->src));

	kd_store_busy(e->store, 1);
	if (kd_source_fetch(e->src) < 0) {
		kd_store_log(e->store, KD_LOG_ERROR, NULL, "fetch failed: %s", kd_error_last());
	} else {
		e->fetched_at = time(NULL);
		if (before && strcmp(before, kd_source_revision(e->src)) != 0) {
			new_revision(e);
		} else {
			size_t i;

			kd_store_log(e->store, KD_LOG_INFO, NULL, "fetched %s: unchanged",
				     kd_source_label(e->src));
			for (i = 0; i < e->ncl; i++) {
				/* reports are read again at every fetch: no watch follows them */
				if (eng_from_reports(&e->cl[i]) && e->cl[i].phase != PHASE_DISCOVER &&
				    e->cl[i].phase != PHASE_LIST)
					queue(&e->cl[i]);
				else
					eng_cluster_resync(&e->cl[i]);
			}
		}
		/* a pending revision moves the source once it has landed */
		if (!e->pending)
			kd_store_set_source(e->store, kd_source_label(e->src),
					    kd_source_revision(e->src), e->fetched_at);
	}
	free(before);
	eng_intern_purge(e);
	e->next_fetch_ms = eng_now_ms() + (int64_t)e->opts.fetch_interval_s * 1000;
	kd_store_busy(e->store, -1);
}

/* A local repository: reads the refs again (a commit or push moves them). */
static void poll_refs(kd_engine *e)
{
	bool changed = false;

	e->next_poll_ms = eng_now_ms() + POLL_MS;
	if (kd_source_refresh(e->src, &changed) < 0) {
		const char *msg = kd_error_last();

		/* a branch deleted or a repository moved away: said once */
		if (!e->poll_error || strcmp(e->poll_error, msg) != 0) {
			kd_store_log(e->store, KD_LOG_WARN, NULL, "%s", msg);
			free(e->poll_error);
			e->poll_error = strdup(msg);
		}
		return;
	}
	free(e->poll_error);
	e->poll_error = NULL;
	if (changed) {
		e->fetched_at = time(NULL);
		new_revision(e);
	}
}

static bool take_requests(kd_engine *e)
{
	bool stop, all;
	json_t *names, *live;
	size_t i, j;
	json_t *v;
	int nudges;

	pthread_mutex_lock(&e->mu);
	stop = e->stop_requested;
	all = e->refresh_all;
	e->refresh_all = false;
	names = e->refresh_names;
	e->refresh_names = json_array();
	live = e->live_names;
	e->live_names = json_array();
	nudges = e->nudges;
	e->nudges = 0;
	pthread_mutex_unlock(&e->mu);
	if (all || (nudges && !e->poll_refs))
		fetch(e);
	else if (nudges)
		poll_refs(e);
	/* a new revision holds its own busy unit from here on */
	kd_store_busy(e->store, -nudges);
	for (i = 0; i < e->ncl; i++) {
		eng_cluster *cl = &e->cl[i];

		json_array_foreach(live, j, v)
			if (strcmp(json_string_value(v), cl->fc->name) == 0 && !cl->read_live) {
				kd_store_log(e->store, KD_LOG_INFO, cl->fc->name,
					     "reading the cluster directly instead of its reports");
				cl->read_live = true;
				eng_cluster_reset(cl);
				queue(cl);
			}
		if (all) {
			queue(cl);
			continue;
		}
		json_array_foreach(names, j, v)
			if (strcmp(json_string_value(v), cl->fc->name) == 0)
				queue(cl);
	}
	json_decref(names);
	json_decref(live);
	return stop;
}

static void *engine_main(void *arg)
{
	kd_engine *e = arg;
	size_t i;

	kd_store_log(e->store, KD_LOG_INFO, NULL, "reconciling %zu clusters from %s",
		     e->ncl, kd_source_label(e->src));
	for (i = 0; i < e->ncl; i++)
		queue(&e->cl[i]);
	e->next_fetch_ms = eng_now_ms() + (int64_t)e->opts.fetch_interval_s * 1000;
	e->poll_refs = kd_source_follows_local_refs(e->src);
	e->next_poll_ms = eng_now_ms() + POLL_MS;
	for (;;) {
		int wait;

		drain_cmds(e);
		if (take_requests(e))
			break;
		if (eng_now_ms() >= e->next_fetch_ms)
			fetch(e);
		if (e->poll_refs && eng_now_ms() >= e->next_poll_ms)
			poll_refs(e);
		wait = schedule(e, 1000);
		pending_check(e);
		if (e->next_fetch_ms - eng_now_ms() < wait)
			wait = (int)(e->next_fetch_ms - eng_now_ms());
		if (e->poll_refs && e->next_poll_ms - eng_now_ms() < wait)
			wait = (int)(e->next_poll_ms - eng_now_ms());
		if (kd_kube_run(e->drv, wait < 0 ? 0 : wait) < 0) {
			kd_store_log(e->store, KD_LOG_ERROR, NULL, "%s", kd_error_last());
			break;
		}
	}
	for (i = 0; i < e->ncl; i++) {
		eng_cluster_reset(&e->cl[i]);
		e->cl[i].queued = false;
		e->cl[i].dirty = false;
		e->cl[i].awaiting = false;
		eng_busy(&e->cl[i], false);
	}
	if (e->pending) {
		e->pending = false;
		kd_store_set_pending(e->store, NULL);
		kd_store_busy(e->store, -1);
	}
	pthread_mutex_lock(&e->mu);
	kd_store_busy(e->store, -e->nudges);
	e->nudges = 0;
	pthread_mutex_unlock(&e->mu);
	/* TLS through libcurl left per-thread OpenSSL state (its random
	 * generator) that only this thread can release */
	OPENSSL_thread_stop();
	return NULL;
}

int kd_engine_start(kd_engine *e)
{
	int rc;

	if (e->running)
		return 0;
	e->opts.watch = true;
	e->stop_requested = false;
	if ((rc = pthread_create(&e->thread, NULL, engine_main, e)) != 0)
		return kd_error_set(KD_ERROR, "cannot start the engine thread: %s", strerror(rc));
	e->running = true;
	return 0;
}

void kd_engine_stop(kd_engine *e)
{
	if (!e || !e->running)
		return;
	pthread_mutex_lock(&e->mu);
	e->stop_requested = true;
	pthread_mutex_unlock(&e->mu);
	wake_thread(e);
	kd_kube_wakeup(e->drv);
	pthread_join(e->thread, NULL);
	e->running = false;
}

void kd_engine_read_live(kd_engine *e, const char *cluster)
{
	if (!cluster)
		return;
	pthread_mutex_lock(&e->mu);
	json_array_append_new(e->live_names, json_string(cluster));
	pthread_mutex_unlock(&e->mu);
	wake_thread(e);
}

void kd_engine_nudge(kd_engine *e)
{
	if (!e || !e->running)
		return;
	/* busy from now on: a scripted test that waits for idleness after
	 * an accept waits for the look at Git and the render it starts */
	kd_store_busy(e->store, 1);
	pthread_mutex_lock(&e->mu);
	e->nudges++;
	pthread_mutex_unlock(&e->mu);
	wake_thread(e);
}

void kd_engine_refresh(kd_engine *e, const char *cluster)
{
	pthread_mutex_lock(&e->mu);
	if (!cluster)
		e->refresh_all = true;
	else
		json_array_append_new(e->refresh_names, json_string(cluster));
	pthread_mutex_unlock(&e->mu);
	wake_thread(e);
}
