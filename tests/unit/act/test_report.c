/*
 * Tests for core/act/report.c and agent_metrics.c: DriftReport names, the
 * report's shape and its size bound, the metrics text; and against kubesim
 * (a DriftReport CRD created here, the cluster also served at the root and
 * reached with in-cluster credentials this test writes): reports created,
 * left alone when unchanged, updated on change, a conflicting write read
 * again, the report of an app that is gone deleted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "act/act.h"
#include "base/base.h"
#include "data/data.h"
#include "kubesim_proc.h"

#define NOW ((time_t)1796500000)

static void add_field(kd_resource *r, const char *path, json_t *desired, json_t *live)
{
	if (!r->diff) {
		r->diff = calloc(1, sizeof(*r->diff));
		r->diff->status = KD_DIFF_DRIFTED;
		r->diff->fields = calloc(64, sizeof(*r->diff->fields));
	}
	r->diff->fields[r->diff->nfields].path = strdup(path);
	r->diff->fields[r->diff->nfields].desired = desired;
	r->diff->fields[r->diff->nfields].live = live;
	r->diff->fields[r->diff->nfields].manager = strdup("kubectl-edit");
	r->diff->nfields++;
}

/* cluster "a": app "web" (a drifted ConfigMap and `nsynced` synced
 * objects), app "db/main" (synced). */
static kd_cluster_state *state(const char *live_value, size_t nsynced)
{
	kd_cluster_state *st = kd_cluster_state_new("a");
	kd_app_state *web = kd_cluster_state_add_app(st, "web"), *db;
	kd_resource *r;
	size_t i;

	r = kd_app_state_add_resource(web, "v1", "ConfigMap", "web", "settings");
	r->status = KD_STATUS_DRIFTED;
	add_field(r, "/data/mode", json_string("blue"), json_string(live_value));
	for (i = 0; i < nsynced; i++) {
		char name[32];

		snprintf(name, sizeof(name), "svc-%04zu", i);
		r = kd_app_state_add_resource(web, "v1", "Service", "web", name);
		r->status = KD_STATUS_SYNCED;
	}
	db = kd_cluster_state_add_app(st, "db/main");
	r = kd_app_state_add_resource(db, "apps/v1", "StatefulSet", "db", "pg");
	r->status = KD_STATUS_SYNCED;
	st->revision = strdup("0123456789abcdef0123456789abcdef01234567");
	st->reachable = true;
	kd_cluster_state_finish(st);
	return st;
}

static void test_names(void **state_)
{
	char *a = NULL, *b = NULL, *c = NULL;

	(void)state_;
	assert_int_equal(kd_report_name(&a, "web"), 0);
	assert_string_equal(a, "web");
	/* not a DNS name: normalised, and kept apart by a hash */
	assert_int_equal(kd_report_name(&b, "db/main"), 0);
	assert_int_equal(strncmp(b, "db-main-", 8), 0);
	assert_int_equal(strlen(b), 16);
	assert_int_equal(kd_report_name(&c, "db main"), 0);
	assert_string_not_equal(b, c);
	free(a);
	free(b);
	free(c);
	assert_int_equal(kd_report_name(&a, "Web.App"), 0);
	assert_int_equal(strncmp(a, "web.app-", 8), 0);
	free(a);
}

static void test_build_shape(void **state_)
{
	kd_cluster_state *st = state("green", 2);
	kd_report_opts o = { .namespace = "ops", .interval_s = 120 };
	json_t *r = NULL, *s, *entry = NULL;

	(void)state_;
	assert_int_equal(kd_report_build(&r, st, &st->apps[0], &o, NOW), 0);
	assert_string_equal(kd_json_str(r, "apiVersion"), "kdrift.dev/v1alpha1");
	assert_string_equal(kd_json_str(r, "kind"), "DriftReport");
	assert_string_equal(kd_json_str(kd_json_obj(r, "metadata"), "namespace"), "ops");
	assert_string_equal(kd_json_str(kd_json_obj(r, "spec"), "cluster"), "a");
	assert_string_equal(kd_json_str(kd_json_obj(r, "spec"), "app"), "web");
	s = json_object_get(r, "status");
	assert_string_equal(kd_json_str(s, "time"), "2026-12-05T19:46:40Z");
	assert_string_equal(kd_json_str(s, "revision"), st->revision);
	assert_int_equal(json_integer_value(json_object_get(s, "intervalSeconds")), 120);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "counts"), "drifted")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "counts"), "synced")), 2);
	/* the rest is exactly check's app entry */
	assert_int_equal(kd_app_state_json(&entry, &st->apps[0]), 0);
	json_object_del(s, "time");
	json_object_del(s, "revision");
	json_object_del(s, "intervalSeconds");
	json_object_del(s, "counts");
	assert_true(json_equal(s, entry));
	json_decref(entry);
	json_decref(r);
	kd_cluster_state_unref(st);
}

static void test_size_bound(void **state_)
{
	kd_cluster_state *st = state("green", 300);
	kd_report_opts o = { .max_bytes = 64 << 10 };
	kd_resource *big = &st->apps[0].resources[0];
	json_t *r = NULL, *s, *res, *cm;
	char *text;
	size_t i;

	(void)state_;
	/* 60 fields of 1 KiB each: far over the bound */
	for (i = 1; i < 60; i++) {
		char path[32], *v = malloc(1025);

		memset(v, 'x', 1024);
		v[1024] = '\0';
		snprintf(path, sizeof(path), "/data/k%zu", i);
		add_field(big, path, json_string("a"), json_string(v));
		free(v);
	}
	assert_int_equal(kd_report_build(&r, st, &st->apps[0], &o, NOW), 0);
	text = json_dumps(r, JSON_COMPACT);
	assert_true(strlen(text) <= (size_t)64 << 10);
	free(text);
	s = json_object_get(r, "status");
	res = json_object_get(s, "resources");
	cm = json_array_get(res, 0);
	assert_string_equal(kd_json_str(cm, "kind"), "ConfigMap");
	assert_int_equal(json_array_size(json_object_get(cm, "diffs")), 0);
	assert_int_equal(json_integer_value(json_object_get(cm, "diffsCut")), 60);
	assert_int_equal(json_integer_value(json_object_get(s, "diffsCut")), 60);
	/* the resources all fit once the diffs are out; the counts are whole */
	assert_null(json_object_get(s, "resourcesCut"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "counts"), "synced")), 300);
	json_decref(r);

	/* smaller still: synced resources go first, the drifted one stays */
	o.max_bytes = 8 << 10;
	assert_int_equal(kd_report_build(&r, st, &st->apps[0], &o, NOW), 0);
	text = json_dumps(r, JSON_COMPACT);
	assert_true(strlen(text) <= (size_t)8 << 10);
	free(text);
	s = json_object_get(r, "status");
	assert_true(json_integer_value(json_object_get(s, "resourcesCut")) > 250);
	assert_string_equal(kd_json_str(json_array_get(json_object_get(s, "resources"), 0), "status"), "drifted");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "counts"), "synced")), 300);
	json_decref(r);
	/* a bound nothing fits in */
	o.max_bytes = 200;
	assert_int_equal(kd_report_build(&r, st, &st->apps[0], &o, NOW), KD_ELIMIT);
	kd_cluster_state_unref(st);
}

static void test_metrics_text(void **state_)
{
	kd_cluster_state *st = state("green", 1);
	kd_agent_counters c = { .reconciles = 3, .heal_succeeded = 2, .last_reconcile = NOW,
				.last_duration_ms = 1500, .api_errors_report = 1 };
	kd_buf b = KD_BUF_INIT;

	(void)state_;
	free(st->apps[1].reason);
	st->apps[1].reason = strdup("render failed");
	assert_int_equal(kd_agent_metrics_format(&b, "a\"b\\c\nd", &c, st), 0);
	/* label values escaped as the format says */
	assert_non_null(strstr(b.data, "kdrift_objects{cluster=\"a\\\"b\\\\c\\nd\",app=\"web\",status=\"drifted\"} 1\n"));
	assert_non_null(strstr(b.data, "# TYPE kdrift_objects gauge\n"));
	assert_non_null(strstr(b.data, "kdrift_app_render_error{cluster=\"a\\\"b\\\\c\\nd\",app=\"db/main\"} 1\n"));
	assert_non_null(strstr(b.data, "kdrift_reconcile_duration_seconds{cluster=\"a\\\"b\\\\c\\nd\"} 1.500\n"));
	assert_non_null(strstr(b.data, "kdrift_last_reconcile_timestamp_seconds{cluster=\"a\\\"b\\\\c\\nd\"} 1796500000\n"));
	assert_non_null(strstr(b.data, "kdrift_heal_actions_total{cluster=\"a\\\"b\\\\c\\nd\",result=\"succeeded\"} 2\n"));
	assert_non_null(strstr(b.data, "kdrift_api_errors_total{cluster=\"a\\\"b\\\\c\\nd\",operation=\"report\"} 1\n"));
	assert_non_null(strstr(b.data, "# TYPE kdrift_reconciles_total counter\n"));
	kd_buf_free(&b);
	/* before the first reconcile: no per-app samples, unreachable */
	assert_int_equal(kd_agent_metrics_format(&b, "a", &c, NULL), 0);
	assert_null(strstr(b.data, "kdrift_objects{"));
	assert_non_null(strstr(b.data, "kdrift_cluster_reachable{cluster=\"a\"} 0\n"));
	kd_buf_free(&b);
	kd_cluster_state_unref(st);
}

/* ---- against kubesim ---------------------------------------------------------------- */

static char dir[64];
static pid_t sim_pid = -1;
static int sim_port;

static int sim_up(void **state_)
{
	static const char *const extra[] = { "--root-cluster", "a", NULL };

	(void)state_;
	snprintf(dir, sizeof(dir), "/tmp/kdrift-report-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	sim_pid = kubesim_start(&sim_port, dir, "a", extra);
	return sim_pid > 0 ? 0 : -1;
}

static int sim_down(void **state_)
{
	char cmd[128];

	(void)state_;
	kubesim_stop(sim_pid);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* In-cluster credentials: the admin token and the CA of kubesim's kubeconfig. */
static kd_kubeconfig *in_cluster(void)
{
	char path[128], port[16], *p;
	kd_kubeconfig *file = NULL, *kc = NULL;
	kd_kube_target *t = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kubeconfig", dir);
	assert_int_equal(kd_kubeconfig_load(&file, path), 0);
	assert_int_equal(kd_kube_target_new(&t, file, "a"), 0);
	snprintf(path, sizeof(path), "%s/sa", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sa/token", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", t->token);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sa/ca.crt", dir);
	assert_non_null(f = fopen(path, "w"));
	fwrite(t->ca_pem.data, 1, t->ca_pem.len, f);
	fclose(f);
	kd_kube_target_free(t);
	kd_kubeconfig_free(file);
	snprintf(port, sizeof(port), "%d", sim_port);
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	snprintf(path, sizeof(path), "%s/sa", dir);
	assert_int_equal(kd_kubeconfig_in_cluster(&kc, path, NULL), 0);
	assert_int_equal(kd_kube_target_new(&t, kc, "in-cluster"), 0);
	p = strrchr(t->server, ':');
	assert_string_equal(p + 1, port);
	assert_non_null(strstr(t->token_file, "/sa/token"));
	assert_null(t->namespace);   /* no namespace file */
	kd_kube_target_free(t);
	return kc;
}

static void install_crd(kd_kubeconfig *kc)
{
	kd_kube_driver *drv = NULL;
	kd_kube_conn *c = NULL;
	kd_kube_target *t = NULL;
	kd_kube_ref crds = { .group = "apiextensions.k8s.io", .version = "v1",
			     .resource = "customresourcedefinitions" };
	kd_kube_ref nss = { .version = "v1", .resource = "namespaces" };
	json_t *crd = json_loads(
		"{\"apiVersion\": \"apiextensions.k8s.io/v1\", \"kind\": \"CustomResourceDefinition\","
		" \"metadata\": {\"name\": \"driftreports.kdrift.dev\"}, \"spec\": {\"group\": \"kdrift.dev\","
		" \"scope\": \"Namespaced\", \"names\": {\"kind\": \"DriftReport\", \"plural\": \"driftreports\","
		" \"singular\": \"driftreport\"}, \"versions\": [{\"name\": \"v1alpha1\", \"served\": true,"
		" \"storage\": true, \"subresources\": {\"status\": {}}, \"schema\": {\"openAPIV3Schema\":"
		" {\"type\": \"object\", \"x-kubernetes-preserve-unknown-fields\": true}}}]}}", 0, NULL);
	json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
			       "metadata", "name", "kdrift-system");

	assert_int_equal(kd_kube_driver_new(&drv), 0);
	assert_int_equal(kd_kube_target_new(&t, kc, "in-cluster"), 0);
	assert_int_equal(kd_kube_conn_new(&c, drv, t, "a", NULL), 0);
	assert_int_equal(kd_kube_create_sync(NULL, c, &crds, crd, NULL), 0);
	assert_int_equal(kd_kube_create_sync(NULL, c, &nss, ns, NULL), 0);
	json_decref(crd);
	json_decref(ns);
	kd_kube_conn_free(c);
	kd_kube_driver_free(drv);
}

/* Replaces the report's status behind the reporter's back. */
static void someone_else_writes(kd_kubeconfig *kc, const char *name)
{
	kd_kube_driver *drv = NULL;
	kd_kube_conn *c = NULL;
	kd_kube_target *t = NULL;
	kd_kube_ref ref = { .group = "kdrift.dev", .version = "v1alpha1", .resource = "driftreports",
			    .namespace = "kdrift-system", .name = name };
	json_t *obj = NULL;

	assert_int_equal(kd_kube_driver_new(&drv), 0);
	assert_int_equal(kd_kube_target_new(&t, kc, "in-cluster"), 0);
	assert_int_equal(kd_kube_conn_new(&c, drv, t, "a", NULL), 0);
	assert_int_equal(kd_kube_get_sync(&obj, c, &ref), 0);
	json_object_set_new(json_object_get(obj, "status"), "status", json_string("tampered"));
	ref.subresource = "status";
	assert_int_equal(kd_kube_update_sync(NULL, c, &ref, obj, NULL), 0);
	json_decref(obj);
	kd_kube_conn_free(c);
	kd_kube_driver_free(drv);
}

static void test_reporter(void **state_)
{
	kd_kubeconfig *kc = in_cluster();
	kd_reporter *rep = NULL;
	kd_report_opts o = { .interval_s = 600 };
	kd_report_stats s;
	kd_cluster_state *st = state("green", 2), *st2, *one;

	(void)state_;
	install_crd(kc);
	assert_int_equal(kd_reporter_new(&rep, kc, "in-cluster", "a", &o), 0);
	assert_int_equal(kd_reporter_write(rep, st, NOW, &s), 0);
	assert_int_equal(s.created, 2);
	assert_int_equal(s.written, 2);
	/* the same content within the interval: nothing written */
	assert_int_equal(kd_reporter_write(rep, st, NOW + 10, &s), 0);
	assert_int_equal(s.written + s.created, 0);
	assert_int_equal(s.unchanged, 2);
	/* a new reporter (an agent restarted) reads what is there first */
	kd_reporter_free(rep);
	assert_int_equal(kd_reporter_new(&rep, kc, "in-cluster", "a", &o), 0);
	assert_int_equal(kd_reporter_write(rep, st, NOW + 20, &s), 0);
	assert_int_equal(s.unchanged, 2);
	/* unchanged but confirmed an interval ago: the time is refreshed */
	assert_int_equal(kd_reporter_write(rep, st, NOW + 600, &s), 0);
	assert_int_equal(s.written, 2);
	/* a change: one report */
	st2 = state("yellow", 2);
	assert_int_equal(kd_reporter_write(rep, st2, NOW + 610, &s), 0);
	assert_int_equal(s.written, 1);
	assert_int_equal(s.unchanged, 1);
	/* someone else changed it: 409, read again, written over the new version */
	someone_else_writes(kc, "web");
	assert_int_equal(kd_reporter_write(rep, st, NOW + 620, &s), 0);
	assert_int_equal(s.conflicts, 1);
	assert_int_equal(s.written, 1);
	/* an app that is gone: its report goes */
	one = kd_cluster_state_new("a");
	kd_cluster_state_add_app(one, "web");
	kd_cluster_state_finish(one);
	assert_int_equal(kd_reporter_write(rep, one, NOW + 630, &s), 0);
	assert_int_equal(s.deleted, 1);
	kd_reporter_free(rep);
	kd_cluster_state_unref(st);
	kd_cluster_state_unref(st2);
	kd_cluster_state_unref(one);
	kd_kubeconfig_free(kc);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

static void test_in_cluster_errors(void **state_)
{
	kd_kubeconfig *kc = NULL;
	char path[128];

	(void)state_;
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(kd_kubeconfig_in_cluster(&kc, NULL, NULL), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "not running in a cluster"));
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "https", 1);
	assert_int_equal(kd_kubeconfig_in_cluster(&kc, NULL, NULL), KD_EINVAL);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	snprintf(path, sizeof(path), "%s/nowhere", dir);
	assert_int_equal(kd_kubeconfig_in_cluster(&kc, path, NULL), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "nowhere/token"));
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_build_shape),
		cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_metrics_text),
		cmocka_unit_test(test_reporter),
		cmocka_unit_test(test_in_cluster_errors),
	};

	return cmocka_run_group_tests(tests, sim_up, sim_down);
}
