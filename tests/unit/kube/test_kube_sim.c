/*
 * Tests for core/kube against the API simulator (build/kubesim), started
 * here on a free port with its state in /tmp and stopped at the end:
 * discovery, CRUD and every patch type, preconditions, paginated lists,
 * watches (changes by kubectl and by the control API, dropped streams,
 * 410 relists), 403 with a read-only user, retries on 503/429 with
 * Retry-After, and a hanging cluster that must not hold up another.
 * Assertions follow order of completion, never elapsed time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"
#include "kube/kube.h"
#include "kubesim_proc.h"

static char dir[64];
static char kubeconfig[128];
static pid_t sim_pid = -1;
static int sim_port;
static kd_kubeconfig *kc;
static kd_kube_driver *drv;
static kd_kube_conn *ca, *cb, *cro, *ctl;

static const kd_kube_ref configmaps = { .version = "v1", .resource = "configmaps",
					.namespace = "default" };

static int start_sim(void)
{
	static const char *const extra[] = { "--seed", "1", "--bookmark-ms", "200", NULL };

	sim_pid = kubesim_start(&sim_port, dir, "a,b", extra);
	return sim_pid > 0 ? 0 : -1;
}

static int conn_for(kd_kube_conn **out, const char *context, const kd_kube_options *o)
{
	kd_kube_target *t;

	if (kd_kube_target_new(&t, kc, context) < 0)
		return -1;
	return kd_kube_conn_new(out, drv, t, NULL, o);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/kdrift-kubesim-XXXXXX");
	if (!mkdtemp(dir) || start_sim() < 0)
		return -1;
	snprintf(kubeconfig, sizeof(kubeconfig), "%s/kubeconfig", dir);
	if (kd_kubeconfig_load(&kc, kubeconfig) < 0 || kd_kube_driver_new(&drv) < 0)
		return -1;
	if (conn_for(&ca, "a", NULL) < 0 || conn_for(&cb, "b", NULL) < 0 ||
	    conn_for(&cro, "a-readonly", NULL) < 0)
		return -1;
	return kubesim_control_conn(&ctl, drv, kc, "a", sim_port);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	kd_kube_conn_free(ca);
	kd_kube_conn_free(cb);
	kd_kube_conn_free(cro);
	kd_kube_conn_free(ctl);
	kd_kube_driver_free(drv);
	kd_kubeconfig_free(kc);
	kubesim_stop(sim_pid);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Calls the simulator's control API; returns the HTTP status. */
static int control(const char *method, const char *cluster, const char *what,
		   const char *body)
{
	char path[128];
	kd_kube_request req = { .method = method, .path = path,
				.content_type = "application/json", .body = body,
				.body_len = body ? strlen(body) : 0 };
	int status = 0;

	snprintf(path, sizeof(path), "/_kubesim/clusters/%s/%s", cluster, what);
	assert_int_equal(kd_kube_request_sync(NULL, &status, ctl, &req), 0);
	return status;
}

static json_t *configmap(const char *name, const char *label)
{
	return json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "apiVersion", "v1",
			 "kind", "ConfigMap", "metadata", "name", name, "labels", "kdtest",
			 label, "data", "k", "v1");
}

static void test_discovery(void **state)
{
	const kd_kube_resource *r;
	kd_buf path = KD_BUF_INIT;
	kd_kube_ref ref;

	(void)state;
	assert_false(kd_kube_discovered(ca));
	assert_int_equal(kd_kube_lookup(&r, ca, "apps", NULL, "Deployment"), KD_EINVAL);
	assert_int_equal(kd_kube_discover_sync(ca), 0);
	assert_true(kd_kube_discovered(ca));
	assert_int_equal(kd_kube_lookup(&r, ca, "apps", NULL, "Deployment"), 0);
	assert_string_equal(r->resource, "deployments");
	assert_string_equal(r->version, "v1");
	assert_true(r->namespaced);
	assert_true(kd_kube_resource_can(r, "watch"));
	assert_true(kd_kube_resource_can(r, "patch"));
	assert_false(kd_kube_resource_can(r, "fly"));
	assert_int_equal(kd_kube_lookup(&r, ca, "", NULL, "Namespace"), 0);
	assert_string_equal(r->resource, "namespaces");
	assert_false(r->namespaced);
	/* A namespace given to a cluster-scoped kind is dropped. */
	kd_kube_ref_for(&ref, r, "shop", "default");
	assert_int_equal(kd_kube_path(&path, &ref), 0);
	assert_string_equal(kd_buf_cstr(&path), "/api/v1/namespaces/default");
	kd_buf_free(&path);
	assert_int_equal(kd_kube_lookup(&r, ca, NULL, "v1", "ConfigMap"), 0);
	assert_string_equal(r->resource, "configmaps");
	assert_int_equal(kd_kube_lookup(&r, ca, "widgets.example.com", NULL, "Widget"),
			 KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "cluster a"));
	kd_kube_discovery_forget(ca);
	assert_false(kd_kube_discovered(ca));
}

static void test_crud_and_patches(void **state)
{
	kd_kube_ref ref = configmaps;
	kd_kube_write_opts dry = { .dry_run = true };
	kd_kube_write_opts apply = { .field_manager = "kdrift-test", .force = true };
	kd_kube_write_opts pre = { 0 };
	json_t *obj = configmap("crud", "crud"), *got = NULL, *patch;
	char *uid, *rv, *mf;

	(void)state;
	ref.name = "crud";
	/* dryRun creates nothing. */
	assert_int_equal(kd_kube_create_sync(&got, ca, &ref, obj, &dry), 0);
	json_decref(got);
	assert_int_equal(kd_kube_get_sync(&got, ca, &ref), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "cluster a: configmaps crud in namespace default"));

	assert_int_equal(kd_kube_create_sync(&got, ca, &ref, obj, NULL), 0);
	json_decref(got);
	assert_int_equal(kd_kube_create_sync(&got, ca, &ref, obj, NULL), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "AlreadyExists"));

	patch = json_pack("{s:{s:s}}", "data", "k", "merge");
	assert_int_equal(kd_kube_patch_sync(&got, ca, &ref, KD_KUBE_PATCH_MERGE, patch, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(got, "data"), "k")),
			    "merge");
	json_decref(got);
	json_decref(patch);

	patch = json_pack("[{s:s, s:s, s:s}]", "op", "replace", "path", "/data/k", "value", "json");
	assert_int_equal(kd_kube_patch_sync(&got, ca, &ref, KD_KUBE_PATCH_JSON, patch, NULL), 0);
	json_decref(got);
	json_decref(patch);
	patch = json_pack("[{s:s, s:s, s:s}]", "op", "test", "path", "/data/k", "value", "nope");
	assert_int_not_equal(kd_kube_patch_sync(&got, ca, &ref, KD_KUBE_PATCH_JSON, patch, NULL), 0);
	json_decref(patch);

	patch = json_pack("{s:{s:s}}", "data", "k2", "smp");
	assert_int_equal(kd_kube_patch_sync(&got, ca, &ref, KD_KUBE_PATCH_STRATEGIC, patch, NULL), 0);
	json_decref(got);
	json_decref(patch);

	patch = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
			  "metadata", "name", "crud", "data", "k", "applied");
	assert_int_equal(kd_kube_patch_sync(&got, ca, &ref, KD_KUBE_PATCH_APPLY, patch, &pre),
			 KD_EINVAL);   /* apply needs a field manager */
	assert_int_equal(kd_kube_patch_sync(&got, ca, &ref, KD_KUBE_PATCH_APPLY, patch, &apply), 0);
	json_decref(patch);
	assert_string_equal(json_string_value(json_object_get(json_object_get(got, "data"), "k")),
			    "applied");
	mf = json_dumps(json_object_get(json_object_get(got, "metadata"), "managedFields"), 0);
	assert_non_null(mf);
	assert_non_null(strstr(mf, "\"kdrift-test\""));
	free(mf);
	uid = strdup(json_string_value(json_object_get(json_object_get(got, "metadata"), "uid")));
	rv = strdup(json_string_value(json_object_get(json_object_get(got, "metadata"),
						      "resourceVersion")));
	json_decref(got);

	/* Preconditions: a stale uid or resourceVersion is a conflict. */
	pre.uid = "00000000-0000-0000-0000-000000000000";
	assert_int_equal(kd_kube_delete_sync(NULL, ca, &ref, &pre), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "cluster a"));
	pre.uid = uid;
	pre.resource_version = "1";
	assert_int_equal(kd_kube_delete_sync(NULL, ca, &ref, &pre), KD_ECONFLICT);
	pre.resource_version = rv;
	pre.dry_run = true;
	assert_int_equal(kd_kube_delete_sync(NULL, ca, &ref, &pre), 0);
	assert_int_equal(kd_kube_get_sync(&got, ca, &ref), 0);
	json_decref(got);
	pre.dry_run = false;
	assert_int_equal(kd_kube_delete_sync(NULL, ca, &ref, &pre), 0);
	assert_int_equal(kd_kube_get_sync(&got, ca, &ref), KD_ENOTFOUND);
	free(uid);
	free(rv);
	json_decref(obj);
}

static void test_list_pages(void **state)
{
	kd_kube_list_opts lo = { .label_selector = "kdtest=page", .limit = 3 };
	kd_kube_ref ref = configmaps;
	json_t *items = NULL, *obj, *item;
	char name[32], *rv = NULL;
	size_t i;
	int seen = 0;

	(void)state;
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "page-%zu", i);
		obj = configmap(name, "page");
		assert_int_equal(kd_kube_create_sync(NULL, ca, &ref, obj, NULL), 0);
		json_decref(obj);
	}
	obj = configmap("not-a-page", "other");
	assert_int_equal(kd_kube_create_sync(NULL, ca, &ref, obj, NULL), 0);
	json_decref(obj);

	assert_int_equal(kd_kube_list_sync(&items, &rv, ca, &ref, &lo), 0);
	assert_int_equal(json_array_size(items), 7);
	json_array_foreach(items, i, item) {
		const char *n = json_string_value(json_object_get(json_object_get(item, "metadata"),
								  "name"));
		int k;

		assert_int_equal(sscanf(n, "page-%d", &k), 1);
		seen |= 1 << k;
	}
	assert_int_equal(seen, 0x7f);   /* every page item exactly once */
	assert_non_null(rv);
	assert_true(rv[0] != '\0');
	json_decref(items);
	free(rv);
}

/* A list read with `share` gives the parts two clusters hold alike one
 * instance (the engine's clusters then hold one copy of each); a list
 * without it gets its own values. */
static void test_shared_lists(void **state)
{
	kd_kube_list_opts shared = { .label_selector = "kdtest=shared", .share = true };
	kd_kube_list_opts own = { .label_selector = "kdtest=shared" };
	kd_kube_ref ref = configmaps;
	json_t *obj, *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	obj = configmap("shared", "shared");
	assert_int_equal(kd_kube_create_sync(NULL, ca, &ref, obj, NULL), 0);
	assert_int_equal(kd_kube_create_sync(NULL, cb, &ref, obj, NULL), 0);
	json_decref(obj);
	assert_int_equal(kd_kube_list_sync(&a, NULL, ca, &ref, &shared), 0);
	assert_int_equal(kd_kube_list_sync(&b, NULL, cb, &ref, &shared), 0);
	assert_int_equal(kd_kube_list_sync(&c, NULL, cb, &ref, &own), 0);
	assert_int_equal(json_array_size(a), 1);
	assert_int_equal(json_array_size(b), 1);
	assert_int_equal(json_array_size(c), 1);
	/* equal data and labels: one value; the objects and their metadata
	 * (uid, resourceVersion) stay each cluster's own */
	assert_ptr_equal(json_object_get(json_array_get(a, 0), "data"),
			 json_object_get(json_array_get(b, 0), "data"));
	assert_ptr_equal(kd_json_obj(kd_json_obj(json_array_get(a, 0), "metadata"), "labels"),
			 kd_json_obj(kd_json_obj(json_array_get(b, 0), "metadata"), "labels"));
	assert_ptr_not_equal(json_object_get(json_array_get(a, 0), "metadata"),
			     json_object_get(json_array_get(b, 0), "metadata"));
	assert_ptr_not_equal(json_object_get(json_array_get(b, 0), "data"),
			     json_object_get(json_array_get(c, 0), "data"));
	assert_true(json_equal(json_array_get(b, 0), json_array_get(c, 0)));
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void test_forbidden_readonly(void **state)
{
	json_t *obj = configmap("ro", "ro"), *items = NULL;
	const char *token = kd_kube_conn_target(cro)->token;

	(void)state;
	assert_int_equal(kd_kube_create_sync(NULL, cro, &configmaps, obj, NULL), KD_ERROR);
	assert_non_null(strstr(kd_error_last(), "cluster a-readonly"));
	assert_non_null(strstr(kd_error_last(), "Forbidden"));
	assert_non_null(strstr(kd_error_last(), "HTTP 403"));
	assert_non_null(token);
	assert_null(strstr(kd_error_last(), token));
	/* Reading is still allowed. */
	assert_int_equal(kd_kube_list_sync(&items, NULL, cro, &configmaps, NULL), 0);
	json_decref(items);
	json_decref(obj);
}

struct outcome {
	bool done;
	int error;
	int status;
	int attempts;
	int order;
	char reason[32];
};

static int finished;

static void record(void *ctx, const kd_kube_result *res)
{
	struct outcome *o = ctx;

	o->done = true;
	o->error = res->error;
	o->status = res->http_status;
	o->attempts = res->attempts;
	o->order = ++finished;
	snprintf(o->reason, sizeof(o->reason), "%s", res->reason);
}

static void run_until(const bool *flag)
{
	while (!*flag)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
}

static void test_retry_after_503(void **state)
{
	struct outcome o = { 0 };
	kd_kube_call *call;
	int attempts = 0;

	(void)state;
	assert_int_equal(control("PUT", "b", "faults",
				 "{\"errorRate\":1,\"errorCode\":503,\"retryAfter\":1}"), 200);
	assert_int_equal(kd_kube_list(&call, cb, &configmaps, NULL, record, &o), 0);
	while (!kd_kube_call_retrying(call, &attempts) && !o.done)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_false(o.done);
	assert_true(attempts >= 1);
	/* The cluster recovers while the call waits out Retry-After. */
	assert_int_equal(control("PUT", "b", "faults", "{}"), 200);
	run_until(&o.done);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.status, 200);
	assert_true(o.attempts >= 2);
}

static void test_retry_limits(void **state)
{
	kd_kube_options opt;
	kd_kube_conn *c;
	struct outcome o = { 0 }, p = { 0 };

	(void)state;
	assert_int_equal(control("PUT", "b", "faults",
				 "{\"errorRate\":1,\"errorCode\":429,\"retryAfter\":1}"), 200);
	/* Retries stop after max_retries... */
	kd_kube_options_init(&opt);
	opt.max_retries = 2;
	assert_int_equal(conn_for(&c, "b", &opt), 0);
	assert_int_equal(kd_kube_list(NULL, c, &configmaps, NULL, record, &o), 0);
	run_until(&o.done);
	kd_kube_conn_free(c);
	assert_int_equal(o.status, 429);
	assert_int_equal(o.attempts, 3);
	assert_string_equal(o.reason, "TooManyRequests");
	/* ...and never wait past the operation's deadline: a Retry-After
	 * beyond it ends the call at once. */
	opt.max_retries = 5;
	opt.deadline_ms = 500;
	assert_int_equal(conn_for(&c, "b", &opt), 0);
	assert_int_equal(kd_kube_list(NULL, c, &configmaps, NULL, record, &p), 0);
	run_until(&p.done);
	kd_kube_conn_free(c);
	assert_int_equal(p.status, 429);
	assert_int_equal(p.attempts, 1);
	assert_int_equal(control("PUT", "b", "faults", "{}"), 200);
}

static void test_hanging_cluster(void **state)
{
	struct outcome slow = { 0 }, fast = { 0 };
	kd_kube_ref ns = { .version = "v1", .resource = "namespaces", .name = "default" };

	(void)state;
	assert_int_equal(control("PUT", "b", "faults", "{\"hang\":true}"), 200);
	finished = 0;
	assert_int_equal(kd_kube_get(NULL, cb, &ns, record, &slow), 0);
	assert_int_equal(kd_kube_get(NULL, ca, &ns, record, &fast), 0);
	run_until(&fast.done);
	assert_int_equal(fast.error, 0);
	assert_false(slow.done);
	assert_int_equal(control("PUT", "b", "faults", "{}"), 200);
	run_until(&slow.done);
	assert_int_equal(slow.error, 0);
	assert_true(fast.order < slow.order);
}

struct events {
	int added, modified, deleted, relist, error, reconnecting;
	int added_w1;
	int bookmarks;
	char bookmark_rv[32];
	char last_name[64];
	char message[256];
};

static void on_event(void *ctx, kd_kube_event_type type, json_t *object, const char *message)
{
	struct events *e = ctx;
	const char *name = object ? json_string_value(json_object_get(
					    json_object_get(object, "metadata"), "name")) : NULL;

	if (name)
		snprintf(e->last_name, sizeof(e->last_name), "%s", name);
	switch (type) {
	case KD_KUBE_EVENT_ADDED:
		e->added++;
		if (name && !strcmp(name, "w1"))
			e->added_w1++;
		break;
	case KD_KUBE_EVENT_MODIFIED: e->modified++; break;
	case KD_KUBE_EVENT_DELETED: e->deleted++; break;
	case KD_KUBE_EVENT_BOOKMARK:
		e->bookmarks++;
		snprintf(e->bookmark_rv, sizeof(e->bookmark_rv), "%s",
			 json_string_value(json_object_get(json_object_get(object, "metadata"),
							   "resourceVersion")));
		break;
	case KD_KUBE_EVENT_RECONNECTING:
		e->reconnecting++;
		snprintf(e->message, sizeof(e->message), "%s", message);
		break;
	case KD_KUBE_EVENT_RELIST:
		e->relist++;
		snprintf(e->message, sizeof(e->message), "%s", message);
		break;
	case KD_KUBE_EVENT_ERROR:
		e->error++;
		snprintf(e->message, sizeof(e->message), "%s", message);
		break;
	}
}

static void test_watch_resumes(void **state)
{
	kd_kube_list_opts lo = { .label_selector = "kdtest=watch" };
	struct events ev = { 0 };
	kd_kube_watch *w;
	json_t *items = NULL;
	char *rv = NULL, cmd[512];

	(void)state;
	assert_int_equal(kd_kube_list_sync(&items, &rv, ca, &configmaps, &lo), 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	assert_int_equal(kd_kube_watch_start(&w, ca, &configmaps, &lo, rv, on_event, &ev), 0);
	free(rv);

	/* A change made by kubectl arrives. */
	snprintf(cmd, sizeof(cmd),
		 "printf '%%s' '{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		 "\"metadata\":{\"name\":\"w1\",\"labels\":{\"kdtest\":\"watch\"}},"
		 "\"data\":{\"x\":\"1\"}}' | "
		 "kubectl --kubeconfig '%s' --context a apply -f - >/dev/null 2>&1", kubeconfig);
	assert_int_equal(system(cmd), 0);
	while (ev.added + ev.modified == 0)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_string_equal(ev.last_name, "w1");
	assert_true(kd_kube_watch_resource_version(w)[0] != '\0');

	/* The server drops the stream; the watch comes back on its own... */
	assert_int_equal(control("PUT", "a", "faults", "{\"dropWatches\":true}"), 200);
	while (kd_kube_watch_reconnects(w) == 0)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	/* ...from where it was: the next change arrives, nothing is replayed. */
	ev.added = ev.modified = ev.added_w1 = 0;
	assert_int_equal(control("POST", "a", "mutate",
				 "{\"action\":\"patch\",\"manager\":\"kubectl-edit\","
				 "\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"namespace\":\"default\","
				 "\"name\":\"w1\",\"patchType\":\"merge\","
				 "\"patch\":{\"data\":{\"x\":\"2\"}}}"), 200);
	while (ev.modified == 0)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_int_equal(ev.added_w1, 0);
	assert_int_equal(ev.error + ev.relist, 0);
	kd_kube_watch_free(w);
}

static void test_watch_reports_reconnecting(void **state)
{
	struct events ev = { 0 };
	kd_kube_options opt;
	kd_kube_watch *w;
	kd_kube_conn *c;

	(void)state;
	kd_kube_options_init(&opt);
	opt.max_retries = 0;
	assert_int_equal(conn_for(&c, "b", &opt), 0);
	assert_int_equal(control("PUT", "b", "faults",
				 "{\"errorRate\":1,\"errorCode\":503,\"retryAfter\":1}"), 200);
	assert_int_equal(kd_kube_watch_start(&w, c, &configmaps, NULL, NULL, on_event, &ev), 0);
	while (ev.reconnecting == 0)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_non_null(strstr(ev.message, "cluster b"));
	assert_non_null(strstr(ev.message, "HTTP 503"));
	assert_int_equal(ev.error + ev.relist, 0);
	assert_int_equal(control("PUT", "b", "faults", "{}"), 200);
	kd_kube_watch_free(w);
	kd_kube_conn_free(c);
}

static void test_tls_server_name(void **state)
{
	kd_kube_ref ns = { .version = "v1", .resource = "namespaces", .name = "default" };
	kd_kube_target *t;
	kd_kube_conn *c;
	json_t *obj = NULL;

	(void)state;
	/* The certificate names localhost: dialing 127.0.0.1 while verifying
	 * and sending SNI for localhost works... */
	assert_int_equal(kd_kube_target_new(&t, kc, "a"), 0);
	t->tls_server_name = strdup("localhost");
	assert_int_equal(kd_kube_conn_new(&c, drv, t, NULL, NULL), 0);
	assert_int_equal(kd_kube_get_sync(&obj, c, &ns), 0);
	json_decref(obj);
	kd_kube_conn_free(c);
	/* ...a name the certificate does not carry fails verification... */
	assert_int_equal(kd_kube_target_new(&t, kc, "a"), 0);
	t->tls_server_name = strdup("kubernetes.invalid");
	assert_int_equal(kd_kube_conn_new(&c, drv, t, NULL, NULL), 0);
	assert_int_equal(kd_kube_get_sync(&obj, c, &ns), KD_EIO);
	assert_non_null(strstr(kd_error_last(), "cluster a"));
	kd_kube_conn_free(c);
	/* ...unless verification is off. */
	assert_int_equal(kd_kube_target_new(&t, kc, "a"), 0);
	t->tls_server_name = strdup("kubernetes.invalid");
	t->insecure = true;
	kd_buf_free(&t->ca_pem);
	assert_int_equal(kd_kube_conn_new(&c, drv, t, NULL, NULL), 0);
	assert_int_equal(kd_kube_get_sync(&obj, c, &ns), 0);
	json_decref(obj);
	kd_kube_conn_free(c);
}

static void test_watch_bookmarks(void **state)
{
	kd_kube_list_opts lo = { .label_selector = "kdtest=nothing-has-this" };
	struct events ev = { 0 };
	kd_kube_watch *w;
	json_t *obj;
	char *rv = NULL;

	(void)state;
	assert_int_equal(kd_kube_list_sync(NULL, &rv, ca, &configmaps, &lo), 0);
	assert_int_equal(kd_kube_watch_start(&w, ca, &configmaps, &lo, rv, on_event, &ev), 0);
	/* A change the selector hides still moves the watch forward through
	 * the next bookmark, so a resume will not replay history. */
	obj = configmap("bookmark-mover", "other");
	assert_int_equal(kd_kube_create_sync(NULL, ca, &configmaps, obj, NULL), 0);
	json_decref(obj);
	while (ev.bookmarks == 0 || !strcmp(ev.bookmark_rv, rv))
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_string_equal(kd_kube_watch_resource_version(w), ev.bookmark_rv);
	assert_int_equal(ev.added + ev.modified + ev.deleted, 0);
	free(rv);
	kd_kube_watch_free(w);
}

static void test_watch_expired_relist(void **state)
{
	struct events ev = { 0 };
	kd_kube_watch *w;

	(void)state;
	assert_int_equal(control("POST", "a", "compact", NULL), 200);
	assert_int_equal(kd_kube_watch_start(&w, ca, &configmaps, NULL, "1", on_event, &ev), 0);
	while (ev.relist + ev.error == 0)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_int_equal(ev.relist, 1);
	assert_int_equal(ev.error, 0);
	assert_non_null(strstr(ev.message, "cluster a"));
	kd_kube_watch_free(w);
}

static void free_watch_in_callback(void *ctx, kd_kube_event_type type, json_t *object,
				   const char *message)
{
	kd_kube_watch **w = ctx;

	(void)type;
	(void)object;
	(void)message;
	kd_kube_watch_free(*w);
	*w = NULL;
}

static void test_watch_freed_from_callback(void **state)
{
	kd_kube_watch *w;

	(void)state;
	/* Without a resourceVersion the watch starts with the current objects,
	 * so the first event comes at once; freeing there must be safe. */
	assert_int_equal(kd_kube_watch_start(&w, ca, &configmaps, NULL, NULL,
					     free_watch_in_callback, &w), 0);
	while (w)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_int_equal(kd_kube_run(drv, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_crud_and_patches),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_shared_lists),
		cmocka_unit_test(test_forbidden_readonly),
		cmocka_unit_test(test_retry_after_503),
		cmocka_unit_test(test_retry_limits),
		cmocka_unit_test(test_hanging_cluster),
		cmocka_unit_test(test_watch_resumes),
		cmocka_unit_test(test_watch_reports_reconnecting),
		cmocka_unit_test(test_tls_server_name),
		cmocka_unit_test(test_watch_bookmarks),
		cmocka_unit_test(test_watch_expired_relist),
		cmocka_unit_test(test_watch_freed_from_callback),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
