/*
 * Tests for core/diff.c: the drift rules of DESIGN §6 on objects shaped like
 * what a real API server returns (defaults, status, managedFields and the
 * last-applied annotation included), and attribution to field managers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "diff_helpers.h"

#define WEB "/spec/template/spec/containers/0"

/* Each fixture pair is what `kubectl apply` of the desired file leaves in a
 * cluster: server defaults, status, metadata, canonicalised quantities,
 * default protocols, an injected caBundle, aggregated rules.  None of it is
 * drift. */
static void test_fresh_apply_is_synced(void **state)
{
	static const char *kinds[] = { "deployment", "service", "configmap",
				       "secret", "clusterrole", "webhook",
				       "certificate" };
	char name[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		json_t *d, *l;

		snprintf(name, sizeof(name), "%s-desired.json", kinds[i]);
		d = fixture(name);
		snprintf(name, sizeof(name), "%s-live.json", kinds[i]);
		l = fixture(name);
		assert_int_equal(kd_diff_status_of(d, l, NULL), KD_DIFF_SYNCED);
		expect_synced(d, l, NULL);
		json_decref(d);
		json_decref(l);
	}
}

/* Rule 1, and the proof that the fixtures are not trivially equal. */
static void test_server_defaults_are_not_drift(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *v = NULL;

	(void)state;
	assert_int_equal(kd_json_pointer_get(&v, l, "/spec/progressDeadlineSeconds"), 0);
	assert_int_equal(kd_json_pointer_get(&v, l, WEB "/imagePullPolicy"), 0);
	assert_int_equal(kd_json_pointer_get(&v, d, WEB "/imagePullPolicy"), KD_ENOTFOUND);
	expect_synced(d, l, NULL);
	/* The same value in desired is just as synced. */
	set(d, WEB "/imagePullPolicy", "\"IfNotPresent\"");
	expect_synced(d, l, NULL);
	json_decref(d);
	json_decref(l);
}

static void test_kubectl_edit_change_is_attributed(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, WEB "/image", "\"nginx:1.25.4\"");
	del(l, "/metadata/managedFields/0/fieldsV1/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"web\"}/f:image");
	add_manager(l, "{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T10:15:00Z\",\"fieldsV1\":{\"f:spec\":"
		    "{\"f:template\":{\"f:spec\":{\"f:containers\":{"
		    "\"k:{\\\"name\\\":\\\"web\\\"}\":{\"f:image\":{}}}}}}}}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, WEB "/image");
	assert_string_equal(f->live_path, WEB "/image");
	assert_int_equal(f->kind, KD_DIFF_CHANGED);
	expect_json(f->desired, "\"nginx:1.25.3\"");
	expect_json(f->live, "\"nginx:1.25.4\"");
	assert_string_equal(f->manager, "kubectl-edit");
	assert_string_equal(f->operation, "Update");
	assert_string_equal(f->time, "2026-11-25T10:15:00Z");
	assert_null(f->subresource);
	assert_false(f->never_converges);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Rule 3: keyed lists match by key; paths use desired indices, live_path
 * the live ones. */
static void test_keyed_lists_match_by_key(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *containers, *env;
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	assert_int_equal(kd_json_pointer_get(&containers, l,
					     "/spec/template/spec/containers"), 0);
	/* metrics first, web second; web's env reversed */
	json_array_insert(containers, 0, json_array_get(containers, 1));
	json_array_remove(containers, 2);
	env = kd_json_arr(json_array_get(containers, 1), "env");
	json_array_insert(env, 0, json_array_get(env, 1));
	json_array_remove(env, 2);
	expect_synced(d, l, NULL);

	set(l, "/spec/template/spec/containers/1/env/0/value", "\"8\"");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, WEB "/env/1/value");
	assert_string_equal(f->live_path, "/spec/template/spec/containers/1/env/0/value");
	expect_json(f->desired, "\"4\"");
	expect_json(f->live, "\"8\"");
	/* the original applier still owns the value: nobody else wrote it */
	assert_string_equal(f->manager, "kubectl-client-side-apply");
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Atomic lists (args) compare whole, by position. */
static void test_atomic_lists_compare_whole(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, "/spec/template/spec/containers/1/args/1", "\"--web.telemetry-path=/m\"");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/spec/template/spec/containers/1/args");
	expect_json(f->desired, "[\"--nginx.scrape-uri=http://localhost:8080/stub_status\"]");
	assert_int_equal(json_array_size(f->live), 2);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Rule 2: removed from Git, still in the cluster (last-applied has it). */
static void test_removed_from_git_is_drift(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	del(d, WEB "/env/0");      /* MODE */
	del(d, "/metadata/labels/tier");
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 2);
	f = field_at(res, "/metadata/labels/tier");
	assert_non_null(f);
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_null(f->desired);
	expect_json(f->live, "\"frontend\"");
	assert_string_equal(f->manager, "kubectl-client-side-apply");
	/* a live-only element is addressed by its live index */
	f = field_at(res, WEB "/env/0");
	assert_non_null(f);
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_string_equal(f->live_path, WEB "/env/0");
	expect_json(f->live, "{\"name\":\"MODE\",\"value\":\"production\"}");
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* A field someone deleted from the cluster (kubectl edit rewrites the
 * last-applied annotation too, so it no longer lists the field). */
static void test_removed_from_cluster(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *la = json_deep_copy(d);
	char *text;
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	del(l, WEB "/env/1");
	del(la, WEB "/env/1");
	text = json_dumps(la, JSON_COMPACT);
	set(l, "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration", "\"\"");
	json_object_set_new(kd_json_obj(kd_json_obj(l, "metadata"), "annotations"),
			    "kubectl.kubernetes.io/last-applied-configuration",
			    json_string(text));
	free(text);
	del(l, "/metadata/managedFields/0/fieldsV1/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"web\"}/f:env/k:{\"name\":\"WORKERS\"}");
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T11:00:00Z\",\"fieldsV1\":{\"f:metadata\":"
		    "{\"f:annotations\":{\"f:kubectl.kubernetes.io/last-applied-configuration\":{}}},"
		    "\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{"
		    "\"k:{\\\"name\\\":\\\"web\\\"}\":{\"f:env\":{\".\":{}}}}}}}}}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, WEB "/env/1");
	assert_null(f->live_path);
	assert_int_equal(f->kind, KD_DIFF_REMOVED);
	expect_json(f->desired, "{\"name\":\"WORKERS\",\"value\":\"4\"}");
	assert_null(f->live);
	assert_false(f->never_converges);
	assert_string_equal(f->manager, "kubectl-edit");
	kd_diff_result_free(res);
	json_decref(la);
	json_decref(d);
	json_decref(l);
}

/* Rule 9: applied (desired = last-applied), nobody wrote after the apply,
 * and still absent from live: the server drops it. */
static void test_dropped_field_never_converges(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *la;
	char *text;
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(d, WEB "/readinessProbe/httpGet/pathh", "\"/healthz\"");
	set(d, WEB "/readinessProbe/httpGet/port", "8080");
	la = json_deep_copy(d);
	text = json_dumps(la, JSON_COMPACT);
	json_object_set_new(kd_json_obj(kd_json_obj(l, "metadata"), "annotations"),
			    "kubectl.kubernetes.io/last-applied-configuration",
			    json_string(text));
	free(text);
	set(l, WEB "/readinessProbe", "{\"httpGet\":{\"port\":8080,\"scheme\":\"HTTP\"},"
	    "\"failureThreshold\":3,\"periodSeconds\":10,\"successThreshold\":1,\"timeoutSeconds\":1}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, WEB "/readinessProbe/httpGet/pathh");
	assert_int_equal(f->kind, KD_DIFF_REMOVED);
	assert_true(f->never_converges);
	kd_diff_result_free(res);

	/* A later hand edit inside the same probe could have removed it:
	 * still drift, but no longer "never converges". */
	add_manager(l, "{\"manager\":\"kubectl-patch\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T12:00:00Z\",\"fieldsV1\":{\"f:spec\":"
		    "{\"f:template\":{\"f:spec\":{\"f:containers\":{"
		    "\"k:{\\\"name\\\":\\\"web\\\"}\":{\"f:readinessProbe\":{"
		    "\"f:httpGet\":{\"f:port\":{}}}}}}}}}}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_int_equal(f->kind, KD_DIFF_REMOVED);
	assert_false(f->never_converges);
	assert_string_equal(f->manager, "kubectl-patch");
	kd_diff_result_free(res);

	/* Not yet applied (last-applied lacks it): plain pending drift. */
	del(d, WEB "/readinessProbe/httpGet/pathh");
	set(d, WEB "/readinessProbe/httpGet/host", "\"web.local\"");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, WEB "/readinessProbe/httpGet/host");
	assert_false(f->never_converges);
	kd_diff_result_free(res);
	json_decref(la);
	json_decref(d);
	json_decref(l);
}

/* Rule 4: quantities by amount, numbers by value, int-or-string as written. */
static void test_canonical_scalars(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *sd = fixture("service-desired.json");
	json_t *sl = fixture("service-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	/* the fixtures already hold 0.2/200m, 1000m/1, 1024Mi/1Gi, 0.5Gi/512Mi */
	set(d, WEB "/resources/requests/memory", "\"268435456\"");
	set(d, "/spec/replicas", "3.0");
	expect_synced(d, l, NULL);
	set(l, WEB "/resources/limits/memory", "\"2Gi\"");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, WEB "/resources/limits/memory");
	expect_json(f->desired, "\"1024Mi\"");
	kd_diff_result_free(res);

	/* A quantity spelling outside a quantity field is just a string. */
	set(l, WEB "/resources/limits/memory", "\"1Gi\"");
	set(d, "/metadata/labels/size", "\"1k\"");
	set(l, "/metadata/labels/size", "\"1000\"");
	res = diff(d, l, NULL);
	assert_string_equal(only_field(res)->path, "/metadata/labels/size");
	kd_diff_result_free(res);

	/* targetPort 8080 and "8080" are different int-or-string values */
	set(sd, "/spec/ports/0/targetPort", "\"8080\"");
	res = diff(sd, sl, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/spec/ports/0/targetPort");
	assert_string_equal(f->live_path, "/spec/ports/1/targetPort");
	expect_json(f->live, "8080");
	kd_diff_result_free(res);
	json_decref(sd);
	json_decref(sl);
	json_decref(d);
	json_decref(l);
}

static void test_quota_and_limitrange_quantities(void **state)
{
	json_t *d = parse("{\"apiVersion\":\"v1\",\"kind\":\"ResourceQuota\","
			  "\"metadata\":{\"name\":\"q\",\"namespace\":\"shop\"},"
			  "\"spec\":{\"hard\":{\"requests.cpu\":\"1e3\",\"pods\":10}}}");
	json_t *l = parse("{\"apiVersion\":\"v1\",\"kind\":\"ResourceQuota\","
			  "\"metadata\":{\"name\":\"q\",\"namespace\":\"shop\"},"
			  "\"spec\":{\"hard\":{\"requests.cpu\":\"1k\",\"pods\":\"10\"}},"
			  "\"status\":{\"hard\":{\"pods\":\"10\"},\"used\":{\"pods\":\"3\"}}}");
	json_t *ld = parse("{\"apiVersion\":\"v1\",\"kind\":\"LimitRange\","
			   "\"metadata\":{\"name\":\"lr\",\"namespace\":\"shop\"},"
			   "\"spec\":{\"limits\":[{\"type\":\"Container\",\"max\":{\"cpu\":2},"
			   "\"default\":{\"memory\":\"0.5Gi\"}}]}}");
	json_t *ll = parse("{\"apiVersion\":\"v1\",\"kind\":\"LimitRange\","
			   "\"metadata\":{\"name\":\"lr\",\"namespace\":\"shop\"},"
			   "\"spec\":{\"limits\":[{\"type\":\"Container\",\"max\":{\"cpu\":\"2\"},"
			   "\"default\":{\"memory\":\"512Mi\"},\"defaultRequest\":{\"memory\":\"512Mi\"}}]}}");

	(void)state;
	expect_synced(d, l, NULL);
	expect_synced(ld, ll, NULL);
	json_decref(d);
	json_decref(l);
	json_decref(ld);
	json_decref(ll);
}

/* Rule 5: [], {}, null, absent, and omitempty zero values. */
static void test_empty_values_are_equal(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");

	(void)state;
	set(d, "/spec/template/spec/imagePullSecrets", "[]");
	set(d, "/spec/template/spec/nodeSelector", "{}");
	set(d, "/metadata/annotations", "null");
	set(d, WEB "/securityContext", "{}");
	set(d, "/spec/template/spec/hostNetwork", "false");
	set(d, "/spec/template/spec/priorityClassName", "\"\"");
	set(l, "/spec/template/spec/tolerations", "[]");
	expect_synced(d, l, NULL);
	json_decref(d);
	json_decref(l);
}

/* Rule 7, including namespace on a cluster-scoped kind. */
static void test_server_metadata_never_counts(void **state)
{
	json_t *d = fixture("clusterrole-desired.json");
	json_t *l = fixture("clusterrole-live.json");
	json_t *dd = fixture("deployment-desired.json");
	json_t *dl = fixture("deployment-live.json");

	(void)state;
	set(d, "/metadata/namespace", "\"shop\"");
	set(l, "/metadata/resourceVersion", "\"999999\"");
	set(l, "/metadata/generation", "7");
	expect_synced(d, l, NULL);
	set(dl, "/metadata/annotations/deployment.kubernetes.io~1revision", "\"5\"");
	set(dl, "/status/readyReplicas", "0");
	set(dd, "/status", "{\"replicas\":1}");
	set(dd, "/metadata/uid", "\"x\"");
	expect_synced(dd, dl, NULL);
	json_decref(d);
	json_decref(l);
	json_decref(dd);
	json_decref(dl);
}

/* Rule 8. */
static void test_kind_quirks(void **state)
{
	json_t *d = fixture("clusterrole-desired.json");
	json_t *l = fixture("clusterrole-live.json");
	json_t *wd = fixture("webhook-desired.json");
	json_t *wl = fixture("webhook-live.json");
	json_t *sd = fixture("service-desired.json");
	json_t *sl = fixture("service-live.json");
	kd_diff_result *res;

	(void)state;
	/* aggregated: rules belong to the controller */
	expect_synced(d, l, NULL);
	/* without the aggregationRule, rules are compared (whole: a rule
	 * added by hand is drift, whoever wrote it) */
	json_object_del(d, "aggregationRule");
	json_object_del(l, "aggregationRule");
	set(d, "/rules/0", "{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"services\","
	    "\"endpoints\"],\"verbs\":[\"get\",\"list\",\"watch\"]}");
	res = diff(d, l, NULL);
	assert_int_equal(only_field(res)->kind, KD_DIFF_ADDED);
	assert_string_equal(only_field(res)->path, "/rules/1");
	assert_string_equal(only_field(res)->manager, "clusterrole-aggregation-controller");
	kd_diff_result_free(res);
	set(d, "/rules/0/verbs/2", "\"delete\"");
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 2);
	assert_non_null(field_at(res, "/rules/0/verbs"));
	kd_diff_result_free(res);

	/* caBundle injected, but other webhook fields still count */
	set(wd, "/webhooks/0/clientConfig/caBundle", "\"\"");
	expect_synced(wd, wl, NULL);
	set(wl, "/webhooks/0/failurePolicy", "\"Ignore\"");
	res = diff(wd, wl, NULL);
	assert_string_equal(only_field(res)->path, "/webhooks/0/failurePolicy");
	kd_diff_result_free(res);

	/* an explicit TCP and a default TCP are the same port */
	set(sd, "/spec/ports/0/protocol", "\"TCP\"");
	expect_synced(sd, sl, NULL);
	/* UDP 53 and TCP 53 are different ports */
	set(sd, "/spec/ports/1/protocol", "\"TCP\"");
	res = diff(sd, sl, NULL);
	assert_int_equal(res->nfields, 2);
	assert_int_equal(field_at(res, "/spec/ports/1")->kind, KD_DIFF_REMOVED);
	assert_int_equal(field_at(res, "/spec/ports/0")->kind, KD_DIFF_ADDED);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
	json_decref(wd);
	json_decref(wl);
	json_decref(sd);
	json_decref(sl);
}

static void test_replicas_under_hpa(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_opts opts = { 0 };
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, "/spec/replicas", "7");
	del(l, "/metadata/managedFields/0/fieldsV1/f:spec/f:replicas");
	add_manager(l, "{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kube-controller-manager\",\"operation\":\"Update\","
		    "\"subresource\":\"scale\",\"time\":\"2026-11-25T09:30:00Z\","
		    "\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{}}}}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/spec/replicas");
	assert_string_equal(f->manager, "kube-controller-manager");
	assert_string_equal(f->subresource, "scale");
	kd_diff_result_free(res);
	opts.hpa_managed = true;
	expect_synced(d, l, &opts);
	json_decref(d);
	json_decref(l);
}

static void test_kubectl_scale_is_attributed(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, "/spec/replicas", "1");
	del(l, "/metadata/managedFields/0/fieldsV1/f:spec/f:replicas");
	add_manager(l, "{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-scale\",\"operation\":\"Update\","
		    "\"subresource\":\"scale\",\"time\":\"2026-11-25T08:00:00Z\","
		    "\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{}}}}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->manager, "kubectl-scale");
	assert_string_equal(f->operation, "Update");
	assert_string_equal(f->subresource, "scale");
	assert_string_equal(f->time, "2026-11-25T08:00:00Z");
	expect_json(f->desired, "3");
	expect_json(f->live, "1");
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Live-only fields written by hand are drift; by controllers, not. */
static void test_hand_added_fields(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, "/metadata/labels/owner", "\"alice\"");
	add_manager(l, "{\"manager\":\"kubectl-label\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T07:00:00Z\",\"fieldsV1\":{\"f:metadata\":"
		    "{\"f:labels\":{\"f:owner\":{}}}}}");
	set(l, "/spec/template/spec/containers/2", "{\"name\":\"debug\",\"image\":\"busybox\","
	    "\"imagePullPolicy\":\"Always\",\"terminationMessagePath\":\"/dev/termination-log\"}");
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T07:05:00Z\",\"fieldsV1\":{\"f:spec\":"
		    "{\"f:template\":{\"f:spec\":{\"f:containers\":{"
		    "\"k:{\\\"name\\\":\\\"debug\\\"}\":{\".\":{},\"f:image\":{},"
		    "\"f:imagePullPolicy\":{},\"f:name\":{},\"f:terminationMessagePath\":{}}}}}}}}");
	/* a controller's live-only annotation is not drift */
	set(l, "/metadata/annotations/autoscaler.example.com~1last-scale", "\"2026-11-25T06:00:00Z\"");
	add_manager(l, "{\"manager\":\"example-autoscaler\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T06:00:00Z\",\"fieldsV1\":{\"f:metadata\":"
		    "{\"f:annotations\":{\"f:autoscaler.example.com/last-scale\":{}}}}}");
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 2);
	f = field_at(res, "/metadata/labels/owner");
	assert_non_null(f);
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_string_equal(f->manager, "kubectl-label");
	f = field_at(res, "/spec/template/spec/containers/2");
	assert_non_null(f);
	assert_string_equal(f->manager, "kubectl-edit");
	assert_string_equal(json_string_value(json_object_get(f->live, "name")), "debug");
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Rule 10. */
static void test_ignore_differences(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *ptrs = parse("[\"/spec/replicas\"]");
	json_t *mgrs = parse("[\"kube-controller-manager\"]");
	kd_ignore_rule rule = { 0 };
	kd_diff_opts opts = { 0 };
	kd_diff_result *res;

	(void)state;
	set(l, "/spec/replicas", "5");
	opts.ignores = &rule;
	opts.nignores = 1;
	rule.group = "apps";
	rule.kind = "Deployment";
	rule.json_pointers = ptrs;
	expect_synced(d, l, &opts);
	rule.kind = "StatefulSet";
	res = diff(d, l, &opts);
	assert_string_equal(only_field(res)->path, "/spec/replicas");
	kd_diff_result_free(res);
	rule.kind = "*";
	rule.group = "";          /* core group: not apps */
	res = diff(d, l, &opts);
	assert_int_equal(res->nfields, 1);
	kd_diff_result_free(res);
	rule.group = "*";
	expect_synced(d, l, &opts);
	rule.group = NULL;
	rule.name = "web";
	rule.namespace = "shop";
	expect_synced(d, l, &opts);
	rule.namespace = "other";
	res = diff(d, l, &opts);
	assert_int_equal(res->nfields, 1);
	kd_diff_result_free(res);

	/* by manager: replicas last written by the HPA controller */
	rule = (kd_ignore_rule){ 0 };
	rule.kind = "*";
	rule.managers = mgrs;
	res = diff(d, l, &opts);
	assert_int_equal(res->nfields, 1);    /* still the applier's field */
	kd_diff_result_free(res);
	del(l, "/metadata/managedFields/0/fieldsV1/f:spec/f:replicas");
	add_manager(l, "{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\","
		    "\"subresource\":\"scale\",\"time\":\"2026-11-25T09:30:00Z\","
		    "\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{}}}}");
	expect_synced(d, l, &opts);
	json_decref(ptrs);
	json_decref(mgrs);
	json_decref(d);
	json_decref(l);
}

/* Server-side apply (no last-applied) on a CRD instance; status by the
 * operator never counts; a hand edit is attributed over the Apply owner. */
static void test_server_side_applied_custom_resource(void **state)
{
	json_t *d = fixture("certificate-desired.json");
	json_t *l = fixture("certificate-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, "/spec/dnsNames/1", "\"shop.example.org\"");
	set(l, "/spec/duration", "\"720h\"");
	del(l, "/metadata/managedFields/0/fieldsV1/f:spec/f:duration");
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T13:00:00Z\",\"fieldsV1\":{\"f:spec\":"
		    "{\"f:duration\":{}}}}");
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 2);
	f = field_at(res, "/spec/duration");
	assert_string_equal(f->manager, "kubectl-edit");
	f = field_at(res, "/spec/dnsNames");
	assert_non_null(f);
	assert_string_equal(f->manager, "kdrift");
	assert_string_equal(f->operation, "Apply");
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

static void test_helm_configmap(void **state)
{
	json_t *d = fixture("configmap-desired.json");
	json_t *l = fixture("configmap-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, "/data/LOG_LEVEL", "\"debug\"");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/data/LOG_LEVEL");
	assert_string_equal(f->manager, "helm");
	kd_diff_result_free(res);
	/* a key removed by hand: attributed to the parent's last writer */
	set(l, "/data/LOG_LEVEL", "\"info\"");
	del(l, "/data/nginx.conf");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/data/nginx.conf");
	assert_int_equal(f->kind, KD_DIFF_REMOVED);
	assert_string_equal(f->manager, "helm");
	kd_diff_result_free(res);
	/* no managedFields at all: "unknown" */
	json_object_del(kd_json_obj(l, "metadata"), "managedFields");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->manager, "unknown");
	assert_null(f->operation);
	assert_null(f->time);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Argo CD and Flux stamp tracking metadata on what they apply; it is in
 * last-applied but never in the rendered manifests. */
static void test_gitops_tool_metadata(void **state)
{
	json_t *d = fixture("service-desired.json");
	json_t *l = fixture("service-live.json");
	json_t *la = json_deep_copy(d);
	kd_diff_opts opts = { 0 };
	kd_diff_result *res;

	(void)state;
	set(la, "/metadata/annotations", "{\"argocd.argoproj.io/tracking-id\":"
	    "\"shop:/Service:shop/web\"}");
	set(la, "/metadata/labels/app.kubernetes.io~1instance", "\"shop\"");
	set(l, "/metadata/annotations/argocd.argoproj.io~1tracking-id", "\"shop:/Service:shop/web\"");
	set(l, "/metadata/labels/app.kubernetes.io~1instance", "\"shop\"");
	set(l, "/metadata/labels/kustomize.toolkit.fluxcd.io~1name", "\"apps\"");
	/* the caller's cached last-applied is used instead of the annotation */
	opts.last_applied = la;
	expect_synced(d, l, &opts);
	/* but a label in last-applied that Git dropped is drift */
	set(la, "/metadata/labels/team", "\"payments\"");
	set(l, "/metadata/labels/team", "\"payments\"");
	res = diff(d, l, &opts);
	assert_string_equal(only_field(res)->path, "/metadata/labels/team");
	kd_diff_result_free(res);
	/* a tracking label Git does set is compared */
	set(d, "/metadata/labels/app.kubernetes.io~1instance", "\"shop-eu\"");
	set(d, "/metadata/labels/team", "\"payments\"");
	res = diff(d, l, &opts);
	assert_string_equal(only_field(res)->path, "/metadata/labels/app.kubernetes.io~1instance");
	kd_diff_result_free(res);
	json_decref(la);
	json_decref(d);
	json_decref(l);
}

/* managedFieldsManagers ignores what the manager wrote last, not what it
 * once wrote and someone has since taken over. */
static void test_ignored_manager_is_last_writer(void **state)
{
	json_t *d = fixture("certificate-desired.json");
	json_t *l = fixture("certificate-live.json");
	json_t *mgrs = parse("[\"kdrift\"]");
	kd_ignore_rule rule = { 0 };
	kd_diff_opts opts = { 0 };
	kd_diff_result *res;

	(void)state;
	rule.kind = "Certificate";
	rule.group = "cert-manager.io";
	rule.managers = mgrs;
	opts.ignores = &rule;
	opts.nignores = 1;
	set(l, "/spec/renewBefore", "\"720h\"");
	expect_synced(d, l, &opts);
	/* shared ownership after a later Apply by another manager */
	add_manager(l, "{\"manager\":\"platform-team\",\"operation\":\"Apply\","
		    "\"time\":\"2026-11-25T15:00:00Z\",\"fieldsV1\":{\"f:spec\":"
		    "{\"f:renewBefore\":{}}}}");
	res = diff(d, l, &opts);
	assert_string_equal(only_field(res)->manager, "platform-team");
	assert_string_equal(only_field(res)->operation, "Apply");
	kd_diff_result_free(res);
	json_decref(mgrs);
	json_decref(d);
	json_decref(l);
}

static void test_bad_input(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *arr = json_array();
	json_t *deep_d, *deep_l;
	kd_diff_result *res = (kd_diff_result *)1;
	int i;

	(void)state;
	assert_int_equal(kd_diff_objects(&res, arr, l, NULL), KD_EINVAL);
	assert_null(res);
	assert_int_equal(kd_diff_status_of(d, arr, NULL), KD_EINVAL);
	set(l, "/metadata/managedFields/0/fieldsV1/f:spec/x:bad", "{}");
	assert_int_equal(kd_diff_objects(&res, d, l, NULL), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "Deployment web"));
	assert_non_null(strstr(kd_error_last(), "x:bad"));
	set(l, "/metadata/managedFields/0/fieldsV1/f:spec", "{\"k:{not json\":{}}");
	assert_int_equal(kd_diff_objects(&res, d, l, NULL), KD_EINVAL);
	/* nesting beyond any real object */
	deep_d = parse("{\"kind\":\"X\",\"spec\":1}");
	deep_l = parse("{\"kind\":\"X\",\"spec\":2}");
	for (i = 0; i < 150; i++) {
		json_t *wrap = json_object();

		json_object_set(wrap, "a", json_object_get(deep_d, "spec"));
		json_object_set_new(deep_d, "spec", wrap);
		wrap = json_object();
		json_object_set(wrap, "a", json_object_get(deep_l, "spec"));
		json_object_set_new(deep_l, "spec", wrap);
	}
	assert_int_equal(kd_diff_objects(&res, deep_d, deep_l, NULL), KD_ELIMIT);
	json_decref(deep_d);
	json_decref(deep_l);
	json_decref(arr);
	json_decref(d);
	json_decref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_apply_is_synced),
		cmocka_unit_test(test_server_defaults_are_not_drift),
		cmocka_unit_test(test_kubectl_edit_change_is_attributed),
		cmocka_unit_test(test_keyed_lists_match_by_key),
		cmocka_unit_test(test_atomic_lists_compare_whole),
		cmocka_unit_test(test_removed_from_git_is_drift),
		cmocka_unit_test(test_removed_from_cluster),
		cmocka_unit_test(test_dropped_field_never_converges),
		cmocka_unit_test(test_canonical_scalars),
		cmocka_unit_test(test_quota_and_limitrange_quantities),
		cmocka_unit_test(test_empty_values_are_equal),
		cmocka_unit_test(test_server_metadata_never_counts),
		cmocka_unit_test(test_kind_quirks),
		cmocka_unit_test(test_replicas_under_hpa),
		cmocka_unit_test(test_kubectl_scale_is_attributed),
		cmocka_unit_test(test_hand_added_fields),
		cmocka_unit_test(test_ignore_differences),
		cmocka_unit_test(test_server_side_applied_custom_resource),
		cmocka_unit_test(test_helm_configmap),
		cmocka_unit_test(test_gitops_tool_metadata),
		cmocka_unit_test(test_ignored_manager_is_last_writer),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
