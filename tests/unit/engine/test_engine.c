/*
 * Tests for core/engine: the identity, tracking and HPA helpers; engine
 * creation errors; a reconcile against a cluster nobody listens for and an
 * app that does not render; and, against the API simulator
 * (build/kubesim), the background thread following watch events: a change
 * by kubectl-edit, an extra object and a deletion each reach the store; a
 * new revision publishes its fleet and frees the old one with the last
 * snapshot that holds it; a Helm release installed later joins the desired
 * objects.  Waits are bounded and follow the store's wake fd, never elapsed
 * time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/engine.h"
#include "base/base.h"
#include "kube/kube.h"
#include "kubesim_proc.h"
#include "scratch_repo.h"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

/* ---- helpers ------------------------------------------------------------------ */

static void test_object_key(void **state)
{
	kd_buf b = KD_BUF_INIT;
	json_t *o = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
			  "\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"}}");

	(void)state;
	assert_int_equal(kd_engine_object_key(&b, o, true), 0);
	assert_string_equal(kd_buf_cstr(&b), "apps/Deployment/shop/web");
	kd_buf_clear(&b);
	/* a cluster-scoped kind ignores whatever namespace a manifest says */
	assert_int_equal(kd_engine_object_key(&b, o, false), 0);
	assert_string_equal(kd_buf_cstr(&b), "apps/Deployment//web");
	json_decref(o);
	/* no namespace on a namespaced object: where kubectl would put it */
	o = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
	kd_buf_clear(&b);
	assert_int_equal(kd_engine_object_key(&b, o, true), 0);
	assert_string_equal(kd_buf_cstr(&b), "/ConfigMap/default/c");
	json_decref(o);
	o = parse("{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"c\"}}");
	assert_int_equal(kd_engine_object_key(&b, o, true), KD_EINVAL);
	json_decref(o);
	kd_buf_free(&b);
}

static void test_hpa_target(void **state)
{
	kd_buf b = KD_BUF_INIT;
	json_t *h = parse("{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
			  "\"metadata\":{\"name\":\"h\",\"namespace\":\"shop\"},\"spec\":{\"scaleTargetRef\":"
			  "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"}}}");
	json_t *d = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
			  "\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"}}");
	kd_buf k = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_engine_hpa_target(&b, h), 0);
	assert_int_equal(kd_engine_object_key(&k, d, true), 0);
	/* the target key is the key of the object it scales */
	assert_string_equal(kd_buf_cstr(&b), kd_buf_cstr(&k));
	json_decref(h);
	h = parse("{\"kind\":\"HorizontalPodAutoscaler\",\"spec\":{}}");
	assert_true(kd_engine_hpa_target(&b, h) < 0);
	json_decref(h);
	json_decref(d);
	kd_buf_free(&b);
	kd_buf_free(&k);
}

static void test_tracking(void **state)
{
	json_t *argo_ann = parse("{\"metadata\":{\"annotations\":{\"argocd.argoproj.io/tracking-id\":"
				 "\"shop:apps/Deployment:shop/web\"}}}");
	json_t *argo_label = parse("{\"metadata\":{\"labels\":{\"app.kubernetes.io/instance\":\"shop\"}}}");
	json_t *flux = parse("{\"metadata\":{\"labels\":{\"kustomize.toolkit.fluxcd.io/name\":\"apps\","
			     "\"kustomize.toolkit.fluxcd.io/namespace\":\"flux-system\"}}}");
	json_t *flux_half = parse("{\"metadata\":{\"labels\":{\"kustomize.toolkit.fluxcd.io/name\":\"apps\"}}}");
	json_t *own = parse("{\"metadata\":{\"labels\":{\"kdrift.dev/app\":\"mine\","
			    "\"app.kubernetes.io/instance\":\"other\"}}}");
	json_t *none = parse("{\"metadata\":{\"labels\":{\"app\":\"x\"}}}");
	char *scratch;
	const char *app;

	(void)state;
	app = kd_engine_tracked_app(argo_ann, KD_TRACKING_AUTO, &scratch);
	assert_string_equal(app, "shop");
	free(scratch);
	app = kd_engine_tracked_app(argo_ann, KD_TRACKING_ARGOCD_LABEL, &scratch);
	assert_null(app);
	free(scratch);
	assert_string_equal(kd_engine_tracked_app(argo_label, KD_TRACKING_AUTO, &scratch), "shop");
	assert_string_equal(kd_engine_tracked_app(argo_label, KD_TRACKING_ARGOCD_LABEL, &scratch), "shop");
	assert_null(kd_engine_tracked_app(argo_label, KD_TRACKING_FLUX, &scratch));
	assert_string_equal(kd_engine_tracked_app(flux, KD_TRACKING_FLUX, &scratch), "apps");
	/* Flux marks its objects with both labels */
	assert_null(kd_engine_tracked_app(flux_half, KD_TRACKING_FLUX, &scratch));
	/* kdrift's own label wins in auto mode */
	assert_string_equal(kd_engine_tracked_app(own, KD_TRACKING_AUTO, &scratch), "mine");
	assert_string_equal(kd_engine_tracked_app(own, KD_TRACKING_ARGOCD_LABEL, &scratch), "other");
	assert_null(kd_engine_tracked_app(none, KD_TRACKING_AUTO, &scratch));
	assert_true(kd_engine_path_is_templated("clusters/{{name}}/app"));
	assert_false(kd_engine_path_is_templated("apps/shop"));
	json_decref(argo_ann);
	json_decref(argo_label);
	json_decref(flux);
	json_decref(flux_half);
	json_decref(own);
	json_decref(none);
}

/* ---- without a server ---------------------------------------------------------- */

static const char fleet_offline[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n"
	"  - {name: dead, labels: {env: prod}}\n"
	"  - {name: other, labels: {env: dev}}\n"
	"apps:\n"
	"  - {name: cm, path: cm}\n"
	"  - {name: broken, path: broken, clusters: {matchLabels: {env: prod}}}\n";

static const char closed_kubeconfig[] =
	"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\n"
	"users:\n- name: u\n  user: {token: secret-token-value}\ncontexts:\n"
	"- name: dead\n  context: {cluster: c, user: u}\n"
	"- name: other\n  context: {cluster: c, user: u}\n";

static int setup_offline(void **state)
{
	(void)state;
	if (scratch_new("engine") < 0)
		return -1;
	write_file("kdrift.yaml", fleet_offline);
	write_file("kubeconfig", closed_kubeconfig);
	make_dir("cm");
	write_file("cm/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\ndata: {k: v}\n");
	make_dir("broken");
	write_file("broken/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
	return 0;
}

static int teardown_tmp(void **state)
{
	(void)state;
	return scratch_remove();
}

static void offline_opts(kd_engine_opts *o, char *kubeconfig, size_t size)
{
	memset(o, 0, sizeof(*o));
	snprintf(kubeconfig, size, "%s/kubeconfig", tmp);
	o->repo = tmp;
	o->worktree = true;
	o->kubeconfig = kubeconfig;
	o->timeout_s = 5;
}

static void test_new_errors(void **state)
{
	kd_engine_opts o;
	kd_engine *e = NULL;
	char kc[128];
	const char *nope[] = { "nope", NULL };

	(void)state;
	offline_opts(&o, kc, sizeof(kc));
	o.app = "missing-app";
	assert_int_equal(kd_engine_new(&e, &o), KD_ENOTFOUND);
	assert_null(e);
	assert_non_null(strstr(kd_error_last(), "missing-app"));
	offline_opts(&o, kc, sizeof(kc));
	o.clusters = nope;
	assert_int_equal(kd_engine_new(&e, &o), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "'nope'"));
	offline_opts(&o, kc, sizeof(kc));
	o.cluster_selector = "env in (";
	assert_int_equal(kd_engine_new(&e, &o), KD_EINVAL);
	offline_opts(&o, kc, sizeof(kc));
	o.fleet_file = "other.yaml";
	assert_int_equal(kd_engine_new(&e, &o), KD_ENOTFOUND);
	offline_opts(&o, kc, sizeof(kc));
	o.kubeconfig = "/nonexistent/kubeconfig";
	assert_true(kd_engine_new(&e, &o) < 0);
	assert_null(e);
}

static void test_unreachable(void **state)
{
	kd_engine_opts o;
	kd_engine *e = NULL;
	kd_cluster_state *st;
	const kd_app_state *app;
	char kc[128];
	kd_log_entry *log = NULL;
	size_t nlog, i;

	(void)state;
	offline_opts(&o, kc, sizeof(kc));
	o.cluster_selector = "env=prod";
	assert_int_equal(kd_engine_new(&e, &o), 0);
	assert_int_equal(kd_store_cluster_count(kd_engine_store(e)), 1);
	assert_string_equal(kd_store_cluster_name(kd_engine_store(e), 0), "dead");
	assert_int_equal(kd_engine_run_once(e), 0);
	assert_true(kd_store_idle(kd_engine_store(e)));
	st = kd_store_get(kd_engine_store(e), 0);
	assert_non_null(st);
	assert_int_equal(st->status, KD_STATUS_UNKNOWN);
	assert_false(st->reachable);
	assert_non_null(strstr(st->reason, "dead"));
	assert_false(st->watched);   /* once, and unreachable: never live */
	/* the rendered app still lists what it should hold, each unknown */
	app = kd_cluster_state_app(st, "cm");
	assert_non_null(app);
	assert_int_equal(app->nresources, 1);
	assert_int_equal(app->resources[0].status, KD_STATUS_UNKNOWN);
	/* an app that does not render says where */
	app = kd_cluster_state_app(st, "broken");
	assert_non_null(app);
	assert_int_equal(app->status, KD_STATUS_UNKNOWN);
	assert_non_null(strstr(app->reason, "broken/bad.yaml"));
	kd_cluster_state_unref(st);
	nlog = kd_store_log_read(kd_engine_store(e), 0, &log);
	assert_true(nlog >= 2);
	for (i = 0; i < nlog; i++)
		assert_null(strstr(log[i].message, "secret-token-value"));
	kd_store_log_free(log, nlog);
	kd_engine_free(e);
}

/* ---- against kubesim ------------------------------------------------------------ */

static pid_t sim_pid = -1;
static int sim_port;
static kd_kubeconfig *kc;
static kd_kube_driver *drv;
static kd_kube_conn *ctl;

static const char fleet_sim[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n  - {name: a}\n"
	"apps:\n  - {name: cm, path: cm, namespace: default}\n";

static int start_sim(void)
{
	static const char *const extra[] = { "--bookmark-ms", "200", NULL };
	char state[128];

	snprintf(state, sizeof(state), "%s/ks", tmp);
	sim_pid = kubesim_start(&sim_port, state, "a", extra);
	return sim_pid > 0 ? 0 : -1;
}

static int setup_sim(void **state)
{
	char path[160];

	(void)state;
	if (scratch_new("engine") < 0 || start_sim() < 0)
		return -1;
	write_file("kdrift.yaml", fleet_sim);
	make_dir("cm");
	write_file("cm/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
		   "  labels: {kdrift.dev/app: cm}\ndata: {k: v}\n");
	snprintf(path, sizeof(path), "%s/ks/kubeconfig", tmp);
	if (kd_kubeconfig_load(&kc, path) < 0 || kd_kube_driver_new(&drv) < 0)
		return -1;
	return kubesim_control_conn(&ctl, drv, kc, "a", sim_port);
}

static int teardown_sim(void **state)
{
	kd_kube_conn_free(ctl);
	kd_kube_driver_free(drv);
	kd_kubeconfig_free(kc);
	kubesim_stop(sim_pid);
	return teardown_tmp(state);
}

static void control_m(const char *method, const char *what, const char *body)
{
	char path[128];

	snprintf(path, sizeof(path), "a/%s", what);
	assert_int_equal(kubesim_control(ctl, method, path, body), 200);
}

static void control(const char *what, const char *body)
{
	control_m("POST", what, body);
}

typedef bool (*state_pred)(const kd_cluster_state *st);

/* Waits (bounded) for the published state to satisfy pred. */
/* Until pred holds on an idle store.  Woken by the store; the deadline
 * (2 min, counted in time, not in wake-ups) only turns a hang into a
 * failure. */
static bool wait_for(kd_store *s, state_pred pred)
{
	struct pollfd p = { .fd = kd_store_wake_fd(s), .events = POLLIN };
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 120;
	for (;;) {
		kd_cluster_state *st;
		bool done;

		kd_store_wake_drain(s);
		st = kd_store_get(s, 0);
		done = st && kd_store_idle(s) && pred(st);
		kd_cluster_state_unref(st);
		if (done)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec)
			return false;
		poll(&p, 1, 100);
	}
}

static const kd_resource *res_c(const kd_cluster_state *st, const char *name)
{
	return kd_app_state_resource(kd_cluster_state_app(st, "cm"), "ConfigMap", "default", name);
}

static bool is_synced(const kd_cluster_state *st)
{
	return st->status == KD_STATUS_SYNCED && res_c(st, "c");
}

static bool is_edited(const kd_cluster_state *st)
{
	const kd_resource *r = res_c(st, "c");

	return r && r->status == KD_STATUS_DRIFTED && r->diff && r->diff->nfields == 1 &&
	       strcmp(r->diff->fields[0].manager, "kubectl-edit") == 0;
}

static bool has_extra(const kd_cluster_state *st)
{
	const kd_resource *r = res_c(st, "stray");

	return r && r->status == KD_STATUS_EXTRA;
}

static bool has_sts_extra(const kd_cluster_state *st)
{
	const kd_resource *r = kd_app_state_resource(kd_cluster_state_app(st, "cm"),
						     "StatefulSet", "default", "db");

	return r && r->status == KD_STATUS_EXTRA;
}

static bool is_missing(const kd_cluster_state *st)
{
	const kd_resource *r = res_c(st, "c");

	return r && r->status == KD_STATUS_MISSING;
}

static bool is_down(const kd_cluster_state *st)
{
	return st->status == KD_STATUS_UNKNOWN && !st->reachable && st->reason;
}

static bool is_back(const kd_cluster_state *st)
{
	return st->reachable && !st->reason && is_missing(st);
}

static bool logged(kd_store *s, const char *text)
{
	kd_log_entry *log = NULL;
	size_t n = kd_store_log_read(s, 0, &log), i;
	bool found = false;

	for (i = 0; i < n; i++)
		found |= strstr(log[i].message, text) != NULL;
	kd_store_log_free(log, n);
	return found;
}

static void test_watch(void **state)
{
	kd_engine_opts o = { 0 };
	kd_engine *e = NULL;
	char path[160];
	kd_cluster_state *st;
	uint64_t gen;
	bool refreshed = false;

	(void)state;
	control("objects?manager=gitops",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
		"\"namespace\":\"default\",\"labels\":{\"kdrift.dev/app\":\"cm\"}},\"data\":{\"k\":\"v\"}}");
	snprintf(path, sizeof(path), "%s/ks/kubeconfig", tmp);
	o.repo = tmp;
	o.worktree = true;
	o.kubeconfig = path;
	o.timeout_s = 10;
	o.fetch_interval_s = 1;
	assert_int_equal(kd_engine_new(&e, &o), 0);
	assert_int_equal(kd_engine_start(e), 0);
	assert_true(wait_for(kd_engine_store(e), is_synced));
	/* a started engine watches: the state is live, not as old as synced_at */
	st = kd_store_get(kd_engine_store(e), 0);
	assert_true(st->watched);
	kd_cluster_state_unref(st);

	control("mutate", "{\"action\":\"patch\",\"manager\":\"kubectl-edit\",\"apiVersion\":\"v1\","
		"\"kind\":\"ConfigMap\",\"namespace\":\"default\",\"name\":\"c\","
		"\"patch\":{\"data\":{\"k\":\"edited\"}}}");
	assert_true(wait_for(kd_engine_store(e), is_edited));

	control("mutate", "{\"action\":\"create\",\"manager\":\"kubectl-create\",\"object\":"
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"stray\","
		"\"namespace\":\"default\",\"labels\":{\"kdrift.dev/app\":\"cm\"}}}}");
	assert_true(wait_for(kd_engine_store(e), has_extra));

	/* a kind no desired object has is not watched: found at the next fetch */
	control("mutate", "{\"action\":\"create\",\"manager\":\"kubectl-create\",\"object\":"
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\","
		"\"namespace\":\"default\",\"labels\":{\"kdrift.dev/app\":\"cm\"}},\"spec\":"
		"{\"serviceName\":\"db\",\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":"
		"{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":"
		"[{\"name\":\"db\",\"image\":\"db:1\"}]}}}}}");
	assert_true(wait_for(kd_engine_store(e), has_sts_extra));

	control("mutate", "{\"action\":\"delete\",\"manager\":\"kubectl\",\"apiVersion\":\"v1\","
		"\"kind\":\"ConfigMap\",\"namespace\":\"default\",\"name\":\"c\"}");
	assert_true(wait_for(kd_engine_store(e), is_missing));

	/* a refresh reconciles again and publishes a newer state */
	st = kd_store_get(kd_engine_store(e), 0);
	gen = st->generation;
	kd_cluster_state_unref(st);
	kd_engine_refresh(e, "a");
	/* bounded (2 min) only so that a hang fails; a busy machine may be slow */
	for (int i = 0; i < 6000; i++) {
		st = kd_store_get(kd_engine_store(e), 0);
		if (st->generation > gen && kd_store_idle(kd_engine_store(e))) {
			refreshed = is_missing(st);
			kd_cluster_state_unref(st);
			break;
		}
		kd_cluster_state_unref(st);
		usleep(20000);
	}
	assert_true(refreshed);

	/* the cluster fails: unknown with a reason; it comes back: recovered */
	control_m("PUT", "faults", "{\"errorRate\": 1, \"errorCode\": 503, \"dropWatches\": true}");
	assert_true(wait_for(kd_engine_store(e), is_down));
	st = kd_store_get(kd_engine_store(e), 0);
	assert_false(st->watched);   /* a cluster that went away is not live */
	kd_cluster_state_unref(st);
	control_m("PUT", "faults", "{}");
	assert_true(wait_for(kd_engine_store(e), is_back));
	assert_true(logged(kd_engine_store(e), "reachable again"));
	kd_engine_stop(e);
	kd_engine_free(e);
}

static const kd_resource *res_d(const kd_cluster_state *st)
{
	return kd_app_state_resource(kd_cluster_state_app(st, "cm"), "ConfigMap", "default", "d");
}

static bool d_synced(const kd_cluster_state *st)
{
	return res_d(st) && res_d(st)->status == KD_STATUS_SYNCED;
}

static bool d_drifted(const kd_cluster_state *st)
{
	const kd_resource *r = res_d(st);

	return r && r->status == KD_STATUS_DRIFTED && r->diff && r->diff->nfields == 1 &&
	       strcmp(r->diff->fields[0].path, "/data/k") == 0;
}

/* A fleet's parsed document is released exactly when the fleet is freed;
 * a test holding the document sees the free without reading freed memory. */
static bool fleet_freed(const json_t *doc)
{
	return doc->refcount == 1;
}

/* A new commit: a refresh fetches, renders the new revision and diffs.
 * The fleet of the new revision is published; the old one stays whole for
 * a reader holding a snapshot of the old revision and is freed when that
 * reader lets go. */
static void test_new_revision(void **state)
{
	kd_engine_opts o = { 0 };
	kd_engine *e = NULL;
	kd_cluster_state *old_st;
	kd_fleet *old_fleet, *new_fleet;
	json_t *old_doc;
	char path[160], cmd[512], *rev1 = NULL, *rev2 = NULL;

	(void)state;
	make_dir("git");
	make_dir("git/cm");
	write_file("git/kdrift.yaml", fleet_sim);
	write_file("git/cm/d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {k: one}\n");
	snprintf(cmd, sizeof(cmd), "cd '%s/git' && git init -q && git add -A && "
		 "git -c user.name=t -c user.email=t@kdrift.invalid commit -qm one", tmp);
	assert_int_equal(system(cmd), 0);
	control("objects?manager=gitops",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"d\","
		"\"namespace\":\"default\"},\"data\":{\"k\":\"one\"}}");
	snprintf(path, sizeof(path), "%s/ks/kubeconfig", tmp);
	snprintf(cmd, sizeof(cmd), "%s/git", tmp);
	o.repo = cmd;
	o.kubeconfig = path;
	o.timeout_s = 10;
	assert_int_equal(kd_engine_new(&e, &o), 0);
	assert_int_equal(kd_engine_start(e), 0);
	assert_true(wait_for(kd_engine_store(e), d_synced));
	kd_store_source(kd_engine_store(e), NULL, &rev1, NULL);
	old_st = kd_store_get(kd_engine_store(e), 0);
	old_fleet = kd_store_fleet(kd_engine_store(e));
	assert_non_null(old_fleet);
	assert_ptr_equal(old_st->fleet, old_fleet);
	old_doc = json_incref(old_fleet->doc);
	kd_fleet_free(old_fleet);

	write_file("git/cm/d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {k: two}\n");
	snprintf(cmd, sizeof(cmd), "cd '%s/git' && git -c user.name=t -c user.email=t@kdrift.invalid "
		 "commit -qam two", tmp);
	assert_int_equal(system(cmd), 0);
	kd_engine_refresh(e, NULL);
	assert_true(wait_for(kd_engine_store(e), d_drifted));
	kd_store_source(kd_engine_store(e), NULL, &rev2, NULL);
	assert_non_null(rev1);
	assert_non_null(rev2);
	assert_string_not_equal(rev1, rev2);
	assert_true(logged(kd_engine_store(e), "new revision"));

	new_fleet = kd_store_fleet(kd_engine_store(e));
	assert_non_null(new_fleet);
	assert_ptr_not_equal(new_fleet, old_st->fleet);
	kd_fleet_free(new_fleet);
	/* the engine, the store and the newer snapshots let go of the old
	 * fleet; the reader of the old snapshot still has it, whole */
	assert_false(fleet_freed(old_doc));
	assert_non_null(kd_fleet_cluster(old_st->fleet, "a"));
	assert_string_equal(kd_fleet_app(old_st->fleet, "cm")->path, "cm");
	kd_cluster_state_unref(old_st);
	assert_true(fleet_freed(old_doc));
	json_decref(old_doc);
	free(rev1);
	free(rev2);
	kd_engine_free(e);
}

/* ---- Helm releases -------------------------------------------------------------- */

static const kd_resource *res_kind(const kd_cluster_state *st, const char *kind,
				   const char *name)
{
	return kd_app_state_resource(kd_cluster_state_app(st, "hr"), kind, "ingress", name);
}

static bool release_unknown(const kd_cluster_state *st)
{
	const kd_resource *r = res_kind(st, "HelmRelease", "edge");

	return r && r->status == KD_STATUS_UNKNOWN && r->reason &&
	       strstr(r->reason, "no deployed revision of Helm release edge in namespace ingress") &&
	       r->helm_release && strcmp(r->helm_release, "ingress/edge") == 0 &&
	       !res_kind(st, "Deployment", "edge-router");
}

static bool release_expanded(const kd_cluster_state *st)
{
	const kd_resource *hr = res_kind(st, "HelmRelease", "edge");
	const kd_resource *d = res_kind(st, "Deployment", "edge-router");

	return hr && hr->status == KD_STATUS_SYNCED && !hr->helm_chart &&
	       d && d->status == KD_STATUS_MISSING && d->helm_chart &&
	       strcmp(d->helm_release, "ingress/edge") == 0 && d->desired &&
	       res_kind(st, "ConfigMap", "edge-router-config");
}

/* While the engine watches, a release installed later (its record appears)
 * is found at the next Git fetch: its objects join the app's desired
 * objects, of kinds the cluster did not watch before. */
static void test_helm_release_watch(void **state)
{
	kd_engine_opts o = { 0 };
	kd_engine *e = NULL;
	kd_buf rec = KD_BUF_INIT, file = KD_BUF_INIT;
	const char *root = getenv("KDRIFT_ROOT");
	char path[160], repo[160];

	(void)state;
	make_dir("helm");
	make_dir("helm/hr");
	write_file("helm/kdrift.yaml", "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
		   "clusters:\n  - {name: a}\napps:\n  - {name: hr, path: hr, namespace: ingress}\n");
	write_file("helm/hr/release.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
		   "metadata: {name: edge}\nspec:\n  chart: {spec: {chart: edge-router, version: 1.4.x}}\n"
		   "  values: {replicaCount: 2, controller: {logLevel: info, proxyBodySize: 8m},"
		   " service: {type: ClusterIP}}\n");
	control("objects?manager=gitops",
		"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ingress\"}}");
	control("objects?manager=gitops",
		"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
		"\"metadata\":{\"name\":\"helmreleases.helm.toolkit.fluxcd.io\"},\"spec\":{"
		"\"group\":\"helm.toolkit.fluxcd.io\",\"scope\":\"Namespaced\",\"names\":{"
		"\"kind\":\"HelmRelease\",\"plural\":\"helmreleases\",\"singular\":\"helmrelease\"},"
		"\"versions\":[{\"name\":\"v2\",\"served\":true,\"storage\":true,\"schema\":"
		"{\"openAPIV3Schema\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}]}}");
	control("objects?manager=gitops",
		"{\"apiVersion\":\"helm.toolkit.fluxcd.io/v2\",\"kind\":\"HelmRelease\",\"metadata\":"
		"{\"name\":\"edge\",\"namespace\":\"ingress\"},\"spec\":{\"chart\":{\"spec\":"
		"{\"chart\":\"edge-router\",\"version\":\"1.4.x\"}},\"values\":{\"replicaCount\":2,"
		"\"controller\":{\"logLevel\":\"info\",\"proxyBodySize\":\"8m\"},\"service\":"
		"{\"type\":\"ClusterIP\"}}}}");
	snprintf(path, sizeof(path), "%s/ks/kubeconfig", tmp);
	snprintf(repo, sizeof(repo), "%s/helm", tmp);
	o.repo = repo;
	o.worktree = true;
	o.kubeconfig = path;
	o.timeout_s = 10;
	o.fetch_interval_s = 1;
	assert_int_equal(kd_engine_new(&e, &o), 0);
	assert_int_equal(kd_engine_start(e), 0);
	assert_true(wait_for(kd_engine_store(e), release_unknown));

	/* Helm installs revision 3 (its record only: the objects stay missing) */
	assert_int_equal(kd_buf_printf(&file, "%s/tests/fixtures/helm/record-secret.json",
				       root && *root ? root : "."), 0);
	assert_int_equal(kd_buf_read_file(&rec, kd_buf_cstr(&file), 0), 0);
	control("objects?manager=helm", kd_buf_cstr(&rec));
	assert_true(wait_for(kd_engine_store(e), release_expanded));
	kd_engine_stop(e);
	kd_engine_free(e);
	kd_buf_free(&rec);
	kd_buf_free(&file);
}

int main(void)
{
	const struct CMUnitTest helpers[] = {
		cmocka_unit_test(test_object_key),
		cmocka_unit_test(test_hpa_target),
		cmocka_unit_test(test_tracking),
	};
	const struct CMUnitTest offline[] = {
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_unreachable),
	};
	const struct CMUnitTest sim[] = {
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_new_revision),
		cmocka_unit_test(test_helm_release_watch),
	};
	int rc = 0;

	rc |= cmocka_run_group_tests_name("engine helpers", helpers, NULL, NULL);
	rc |= cmocka_run_group_tests_name("engine offline", offline, setup_offline, teardown_tmp);
	rc |= cmocka_run_group_tests_name("engine with kubesim", sim, setup_sim, teardown_sim);
	return rc;
}
