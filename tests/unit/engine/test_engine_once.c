/*
 * Tests for kd_engine_run_once's promise to readers on other threads
 * (engine.h): each cluster's slot is published exactly once per call, when
 * that cluster is finished.  `kdrift check` formats a cluster as soon as
 * its slot is filled, so a second publish would mean a report built from a
 * state that was not the last.
 *
 * Against the API simulator (build/kubesim) and a port where nothing
 * listens: a reachable cluster, one whose app does not render, one that
 * hangs until its deadline, one that refuses connections, and one whose
 * context the kubeconfig lacks; read directly and from reports.  The
 * store numbers every publish (generation), so after the call the highest
 * generation is the number of publishes: with every slot filled and that
 * number equal to the slots, each was published once.  A reader thread
 * following the wake fd meanwhile checks that no slot, once filled,
 * changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/engine.h"
#include "base/base.h"
#include "kube/kube.h"
#include "kubesim_proc.h"
#include "scratch_repo.h"

#define NCLUSTERS 5

static const char fleet[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n"
	"  - {name: ok, labels: {env: prod}}\n"
	"  - {name: norender, labels: {env: broken}}\n"
	"  - {name: hangs, labels: {env: prod}}\n"
	"  - {name: refused, labels: {env: prod}}\n"
	"  - {name: nocontext, labels: {env: prod}}\n"
	"apps:\n"
	"  - {name: cm, path: cm, namespace: default}\n"
	"  - {name: broken, path: broken, clusters: {matchLabels: {env: broken}}}\n";

/* `refused` points at a port where nothing listens. */
static const char refused_kubeconfig[] =
	"apiVersion: v1\nkind: Config\nclusters:\n- name: closed\n"
	"  cluster: {server: \"https://127.0.0.1:1\"}\n"
	"users:\n- name: u\n  user: {token: t}\ncontexts:\n"
	"- name: refused\n  context: {cluster: closed, user: u}\n";

static pid_t sim_pid = -1;
static int sim_port;
static kd_kubeconfig *kc;
static kd_kube_driver *drv;
static kd_kube_conn *ctl;

static void control(const char *method, const char *what, const char *body)
{
	assert_int_equal(kubesim_control(ctl, method, what, body), 200);
}

static int setup_sim(void **state)
{
	char path[160], env[400];

	(void)state;
	if (scratch_new("engine-once") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ks", tmp);
	if ((sim_pid = kubesim_start(&sim_port, path, "ok,norender,hangs", NULL)) < 0)
		return -1;
	write_file("kdrift.yaml", fleet);
	write_file("refused.kubeconfig", refused_kubeconfig);
	make_dir("cm");
	write_file("cm/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
		   "  labels: {kdrift.dev/app: cm}\ndata: {k: v}\n");
	make_dir("broken");
	write_file("broken/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
	snprintf(path, sizeof(path), "%s/ks/kubeconfig", tmp);
	snprintf(env, sizeof(env), "%s:%s/refused.kubeconfig", path, tmp);
	setenv("KUBECONFIG", env, 1);
	if (kd_kubeconfig_load(&kc, path) < 0 || kd_kube_driver_new(&drv) < 0 ||
	    kubesim_control_conn(&ctl, drv, kc, "ok", sim_port) < 0)
		return -1;
	return 0;
}

static int teardown_sim(void **state)
{
	(void)state;
	kd_kube_conn_free(ctl);
	kd_kube_driver_free(drv);
	kd_kubeconfig_free(kc);
	kubesim_stop(sim_pid);
	unsetenv("KUBECONFIG");
	return scratch_remove();
}

/* A reader like check's formatter: on every wake-up it looks at every
 * slot and remembers the first state it saw there; a slot whose state
 * changes afterwards was published twice. */
typedef struct reader {
	kd_store *store;
	int stop[2];
	uint64_t first[NCLUSTERS];
	bool changed;
} reader;

static void *reader_main(void *arg)
{
	reader *r = arg;
	struct pollfd p[2] = {
		{ .fd = r->stop[0], .events = POLLIN },
		{ .fd = kd_store_wake_fd(r->store), .events = POLLIN },
	};
	size_t i;

	for (;;) {
		kd_store_wake_drain(r->store);
		for (i = 0; i < NCLUSTERS; i++) {
			kd_cluster_state *st = kd_store_get(r->store, i);

			if (st && !r->first[i])
				r->first[i] = st->generation;
			else if (st && r->first[i] != st->generation)
				r->changed = true;
			kd_cluster_state_unref(st);
		}
		if (p[0].revents & POLLIN)
			return NULL;
		if (poll(p, 2, -1) < 0)
			return NULL;
	}
}

/* Runs once with a reader alongside; every slot filled, once each. */
static void run_counted(kd_engine *e)
{
	kd_store *s = kd_engine_store(e);
	reader r = { .store = s };
	pthread_t t;
	uint64_t max = 0;
	size_t i;

	assert_int_equal(kd_store_cluster_count(s), NCLUSTERS);
	assert_int_equal(pipe(r.stop), 0);
	assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
	assert_int_equal(kd_engine_run_once(e), 0);
	assert_int_equal(write(r.stop[1], "!", 1), 1);
	pthread_join(t, NULL);
	close(r.stop[0]);
	close(r.stop[1]);
	for (i = 0; i < NCLUSTERS; i++) {
		kd_cluster_state *st = kd_store_get(s, i);

		assert_non_null(st);
		if (st->generation > max)
			max = st->generation;
		/* what the reader saw first is what stayed */
		assert_int_equal(r.first[i], st->generation);
		kd_cluster_state_unref(st);
	}
	/* generations count every publish of the store */
	assert_int_equal(max, NCLUSTERS);
	assert_false(r.changed);
}

static kd_cluster_state *slot(kd_engine *e, const char *name)
{
	long i = kd_store_cluster_index(kd_engine_store(e), name);

	assert_true(i >= 0);
	return kd_store_get(kd_engine_store(e), (size_t)i);
}

static void opts_for(kd_engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->repo = tmp;
	o->worktree = true;
	o->timeout_s = 3;    /* `hangs` times out after this */
	o->statuses_only = true;
}

static void test_once_direct(void **state)
{
	kd_engine_opts o;
	kd_engine *e = NULL;
	kd_cluster_state *st;
	const kd_app_state *app;

	(void)state;
	control("POST", "ok/objects?manager=gitops",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
		"\"namespace\":\"default\",\"labels\":{\"kdrift.dev/app\":\"cm\"}},\"data\":{\"k\":\"v\"}}");
	control("PUT", "hangs/faults", "{\"hang\":true}");
	opts_for(&o);
	assert_int_equal(kd_engine_new(&e, &o), 0);
	run_counted(e);

	/* and each holds how its cluster ended */
	st = slot(e, "ok");
	assert_true(st->reachable);
	assert_int_equal(st->status, KD_STATUS_SYNCED);
	kd_cluster_state_unref(st);
	st = slot(e, "norender");
	assert_true(st->reachable);
	app = kd_cluster_state_app(st, "broken");
	assert_non_null(app);
	assert_non_null(app->reason);
	assert_int_equal(app->status, KD_STATUS_UNKNOWN);
	kd_cluster_state_unref(st);
	st = slot(e, "hangs");
	assert_false(st->reachable);
	assert_non_null(strstr(st->reason, "timed out"));
	kd_cluster_state_unref(st);
	st = slot(e, "refused");
	assert_false(st->reachable);
	assert_non_null(st->reason);
	kd_cluster_state_unref(st);
	st = slot(e, "nocontext");
	assert_false(st->reachable);
	assert_non_null(st->reason);
	kd_cluster_state_unref(st);
	kd_engine_free(e);
}

static void test_once_from_reports(void **state)
{
	kd_engine_opts o;
	kd_engine *e = NULL;
	kd_cluster_state *st;

	(void)state;
	control("PUT", "hangs/faults", "{\"hang\":true}");
	opts_for(&o);
	o.from_reports = true;
	assert_int_equal(kd_engine_new(&e, &o), 0);
	run_counted(e);
	st = slot(e, "ok");
	assert_true(st->from_reports);
	kd_cluster_state_unref(st);
	st = slot(e, "hangs");
	assert_non_null(strstr(st->reason, "timed out"));
	kd_cluster_state_unref(st);
	kd_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest sim[] = {
		cmocka_unit_test(test_once_direct),
		cmocka_unit_test(test_once_from_reports),
	};

	return cmocka_run_group_tests_name("engine run once", sim, setup_sim, teardown_sim);
}
