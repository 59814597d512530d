/*
 * Tests for how the engine follows Git: which clusters a new revision
 * changes (kd_engine_desired_same), and, against the API simulator
 * (build/kubesim) with two clusters whose apps render from their own
 * directories, that
 *  - a commit made by another process (git commit) into a local repository
 *    is noticed without any fetch or refresh request: the cluster whose
 *    desired state changed is published again, the other keeps its state
 *    (same generation), and the store's revision moves only once the new
 *    render is published;
 *  - a nudge (kd_engine_nudge, what the UI does after its own commit)
 *    makes an engine that follows a clone fetch at once: the store stays
 *    busy from the nudge until the new revision's render is published.
 * The fetch interval is an hour, so only the behaviour under test can make
 * these pass.  Waits are bounded and follow the store's wake fd, never
 * elapsed time.
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

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* ---- which clusters changed ---------------------------------------------------- */

static void test_desired_same(void **state)
{
	json_t *objs = parse("[{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}]");
	json_t *same = parse("[{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}]");
	json_t *other = parse("[{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"w\"}}]");
	json_t *prov = parse("[{\"/data/k\":[{\"file\":\"cm/a/c.yaml\",\"line\":4}]}]");
	json_t *prov2 = parse("[{\"/data/k\":[{\"file\":\"cm/a/c.yaml\",\"line\":5}]}]");
	json_t *entry = parse("{\"name\":\"cm\",\"path\":\"cm/{{name}}\"}");
	json_t *entry2 = parse("{\"name\":\"cm\",\"path\":\"cm/{{name}}\",\"namespace\":\"x\"}");
	kd_app_render a[2] = {
		{ "cm", entry, "cm/a", NULL, objs, prov, NULL },
		{ "web", NULL, "web", "web/kustomization.yaml: no such file", NULL, NULL, NULL },
	};
	kd_app_render b[2];

	(void)state;
	memcpy(b, a, sizeof(b));
	b[0].objects = same;   /* equal values in another json_t */
	assert_true(kd_engine_desired_same(a, 2, b, 2));
	assert_true(kd_engine_desired_same(NULL, 0, NULL, 0));

	b[0].objects = other;  /* a value changed */
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	b[0].objects = same;
	assert_false(kd_engine_desired_same(a, 2, b, 1));   /* an app left */
	b[0].provenance = prov2;   /* a line moved: explain would say otherwise */
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	b[0].provenance = prov;
	b[0].path = "cm/b";
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	b[0].path = "cm/a";
	b[0].entry = entry2;   /* the app's entry in the fleet changed */
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	b[0].entry = entry;
	b[1].error = NULL;     /* an app that failed renders now */
	b[1].objects = same;
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	b[1] = a[1];
	b[1].error = "web/kustomization.yaml: another reason";
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	b[1] = a[1];
	b[0].intentional = json_true();
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	b[0].intentional = NULL;
	b[1].app = "shop";
	assert_false(kd_engine_desired_same(a, 2, b, 2));
	json_decref(objs);
	json_decref(same);
	json_decref(other);
	json_decref(prov);
	json_decref(prov2);
	json_decref(entry);
	json_decref(entry2);
}

/* ---- against kubesim ------------------------------------------------------------ */

static pid_t sim_pid = -1;
static int sim_port;
static kd_kubeconfig *kc;
static kd_kube_driver *drv;
static kd_kube_conn *ctl[2];

static const char fleet[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n  - {name: a}\n  - {name: b}\n"
	"apps:\n  - {name: cm, path: \"cm/{{name}}\", namespace: default}\n";

static int setup_sim(void **state)
{
	char path[160];
	int i;

	(void)state;
	if (scratch_new("gitwatch") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ks", tmp);
	if ((sim_pid = kubesim_start(&sim_port, path, "a,b", NULL)) < 0)
		return -1;
	/* clones of file:// URLs land here, not in the user's cache */
	snprintf(path, sizeof(path), "%s/cache", tmp);
	setenv("XDG_CACHE_HOME", path, 1);
	snprintf(path, sizeof(path), "%s/ks/kubeconfig", tmp);
	if (kd_kubeconfig_load(&kc, path) < 0 || kd_kube_driver_new(&drv) < 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (kubesim_control_conn(&ctl[i], drv, kc, i ? "b" : "a", sim_port) < 0)
			return -1;
	return 0;
}

static int teardown_sim(void **state)
{
	(void)state;
	kd_kube_conn_free(ctl[0]);
	kd_kube_conn_free(ctl[1]);
	kd_kube_driver_free(drv);
	kd_kubeconfig_free(kc);
	kubesim_stop(sim_pid);
	return scratch_remove();
}

/* Creates ConfigMap default/c with data k=VALUE in cluster a or b. */
static void live_cm(int cluster, const char *value)
{
	char path[128], body[256];
	kd_kube_request req = { .method = "POST", .path = path,
				.content_type = "application/json", .body = body };
	int status = 0;

	snprintf(path, sizeof(path), "/_kubesim/clusters/%s/objects?manager=gitops",
		 cluster ? "b" : "a");
	snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		 "{\"name\":\"c\",\"namespace\":\"default\"},\"data\":{\"k\":\"%s\"}}", value);
	req.body_len = strlen(body);
	assert_int_equal(kd_kube_request_sync(NULL, &status, ctl[cluster], &req), 0);
	assert_int_equal(status, 200);
}

static void git_cm(const char *dir, const char *cluster, const char *value)
{
	char rel[128], text[256];

	snprintf(rel, sizeof(rel), "%s/cm/%s/c.yaml", dir, cluster);
	snprintf(text, sizeof(text), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
		 "data: {k: %s}\n", value);
	write_file(rel, text);
}

/* A repository DIR under tmp: both clusters' ConfigMaps say one. */
static void make_repo(const char *dir)
{
	char rel[128];

	make_dir(dir);
	snprintf(rel, sizeof(rel), "%s/cm", dir);
	make_dir(rel);
	snprintf(rel, sizeof(rel), "%s/cm/a", dir);
	make_dir(rel);
	snprintf(rel, sizeof(rel), "%s/cm/b", dir);
	make_dir(rel);
	snprintf(rel, sizeof(rel), "%s/kdrift.yaml", dir);
	write_file(rel, fleet);
	git_cm(dir, "a", "one");
	git_cm(dir, "b", "one");
	sh("cd '%s/%s' && git init -q -b main && git add -A && "
	   "git -c user.name=t -c user.email=t@kdrift.invalid commit -qm one", tmp, dir);
}

/* The revision the repository's main branch names now. */
static void head_of(char *out, size_t size, const char *dir)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "git -C '%s/%s' rev-parse main", tmp, dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, (int)size, p));
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static kd_status status_of(kd_store *s, size_t slot)
{
	kd_cluster_state *st = kd_store_get(s, slot);
	const kd_resource *r = st ? kd_app_state_resource(kd_cluster_state_app(st, "cm"),
							  "ConfigMap", "default", "c") : NULL;
	kd_status v = r ? r->status : KD_STATUS_UNKNOWN;

	kd_cluster_state_unref(st);
	return v;
}

static uint64_t generation_of(kd_store *s, size_t slot)
{
	kd_cluster_state *st = kd_store_get(s, slot);
	uint64_t g = st ? st->generation : 0;

	kd_cluster_state_unref(st);
	return g;
}

/* Until the store is idle with both clusters synced and published. */
static bool wait_synced(kd_store *s)
{
	struct pollfd p = { .fd = kd_store_wake_fd(s), .events = POLLIN };
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 120;
	for (;;) {
		kd_store_wake_drain(s);
		if (kd_store_idle(s) && status_of(s, 0) == KD_STATUS_SYNCED &&
		    status_of(s, 1) == KD_STATUS_SYNCED)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec)
			return false;
		poll(&p, 1, 100);
	}
}

/* Until the store's revision is `rev` (bounded).  Whenever it is seen to
 * be, cluster a must show the new desired state already: the revision
 * moves only once its render is published. */
static bool wait_revision(kd_store *s, const char *rev, bool *landed_first)
{
	struct pollfd p = { .fd = kd_store_wake_fd(s), .events = POLLIN };
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 120;
	for (;;) {
		char *r = NULL;
		bool done;

		kd_store_wake_drain(s);
		kd_store_source(s, NULL, &r, NULL);
		done = r && strcmp(r, rev) == 0;
		free(r);
		if (done) {
			*landed_first = status_of(s, 0) == KD_STATUS_DRIFTED;
			return true;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec)
			return false;
		poll(&p, 1, 100);
	}
}

static void engine_for(kd_engine **e, const char *repo)
{
	kd_engine_opts o = { 0 };
	char path[160];

	snprintf(path, sizeof(path), "%s/ks/kubeconfig", tmp);
	o.repo = repo;
	o.kubeconfig = path;
	o.timeout_s = 10;
	o.fetch_interval_s = 3600;   /* no fetch helps the tests below */
	assert_int_equal(kd_engine_new(e, &o), 0);
	assert_int_equal(kd_engine_start(*e), 0);
	assert_true(wait_synced(kd_engine_store(*e)));
}

/* Another process commits to the local repository the engine reads. */
static void test_outside_commit(void **state)
{
	kd_engine *e = NULL;
	kd_store *s;
	char repo[160], rev[64], *pending = NULL;
	uint64_t ga, gb;
	bool landed_first = false;

	(void)state;
	make_repo("local");
	live_cm(0, "one");
	live_cm(1, "one");
	snprintf(repo, sizeof(repo), "%s/local", tmp);
	engine_for(&e, repo);
	s = kd_engine_store(e);
	ga = generation_of(s, 0);
	gb = generation_of(s, 1);
	kd_store_pending(s, &pending);
	assert_null(pending);

	git_cm("local", "a", "two");
	sh("cd '%s/local' && git -c user.name=t -c user.email=t@kdrift.invalid commit -qam two", tmp);
	head_of(rev, sizeof(rev), "local");
	assert_true(wait_revision(s, rev, &landed_first));
	assert_true(landed_first);
	assert_int_equal(status_of(s, 0), KD_STATUS_DRIFTED);
	assert_true(generation_of(s, 0) > ga);
	/* b's desired state did not change: its state was not published again */
	assert_int_equal(generation_of(s, 1), gb);
	assert_int_equal(status_of(s, 1), KD_STATUS_SYNCED);
	kd_store_pending(s, &pending);
	assert_null(pending);
	kd_engine_free(e);
}

/* kdrift's own commit to a repository it follows through a clone: the
 * nudge fetches at once, and the store is busy until the render lands. */
static void test_nudge(void **state)
{
	kd_engine *e = NULL;
	kd_store *s;
	char url[200], rev[64], *r = NULL;
	struct pollfd p;
	struct timespec now, end;
	uint64_t gb;

	(void)state;
	make_repo("origin");
	live_cm(0, "one");
	live_cm(1, "one");
	snprintf(url, sizeof(url), "file://%s/origin", tmp);
	engine_for(&e, url);
	s = kd_engine_store(e);
	gb = generation_of(s, 1);

	git_cm("origin", "a", "three");
	sh("cd '%s/origin' && git -c user.name=t -c user.email=t@kdrift.invalid commit -qam three",
	   tmp);
	head_of(rev, sizeof(rev), "origin");
	kd_engine_nudge(e);
	assert_false(kd_store_idle(s));
	/* the first idle store has the new revision rendered */
	p.fd = kd_store_wake_fd(s);
	p.events = POLLIN;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 120;
	while (!kd_store_idle(s)) {
		kd_store_wake_drain(s);
		clock_gettime(CLOCK_MONOTONIC, &now);
		assert_true(now.tv_sec <= end.tv_sec);
		poll(&p, 1, 100);
	}
	kd_store_source(s, NULL, &r, NULL);
	assert_non_null(r);
	assert_string_equal(r, rev);
	free(r);
	assert_int_equal(status_of(s, 0), KD_STATUS_DRIFTED);
	assert_int_equal(generation_of(s, 1), gb);
	kd_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_desired_same),
	};
	const struct CMUnitTest sim[] = {
		cmocka_unit_test(test_outside_commit),
		cmocka_unit_test(test_nudge),
	};
	int rc = 0;

	rc |= cmocka_run_group_tests_name("which clusters a revision changes", pure, NULL, NULL);
	rc |= cmocka_run_group_tests_name("following Git", sim, setup_sim, teardown_sim);
	return rc;
}
