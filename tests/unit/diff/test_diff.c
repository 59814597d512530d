/*
 * Tests for core/diff/diff.c: the drift rules of DESIGN §6 on objects shaped like
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
	/* aggregated: rules belong to the controller, whatever Git says */
	expect_synced(d, l, NULL);
	set(d, "/rules/0", "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],"
	    "\"verbs\":[\"get\"]}");
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
	/* a live port without protocol (an old server) is TCP too */
	del(sl, "/spec/ports/1/protocol");
	expect_synced(sd, sl, NULL);
	/* and so are two ports that both leave it out */
	del(sd, "/spec/ports/0/protocol");
	expect_synced(sd, sl, NULL);
	expect_synced(sl, sl, NULL);
	set(sd, "/spec/ports/0/protocol", "\"TCP\"");
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

/* A CRD's conversion webhook gets its caBundle injected like a webhook
 * configuration; the rest of the CRD still counts. */
static void test_crd_conversion_ca_bundle(void **state)
{
	json_t *d = parse("{\"apiVersion\":\"apiextensions.k8s.io/v1\","
			  "\"kind\":\"CustomResourceDefinition\",\"metadata\":{\"name\":"
			  "\"widgets.shop.example.com\",\"annotations\":{"
			  "\"cert-manager.io/inject-ca-from\":\"shop/widgets-webhook\"}},"
			  "\"spec\":{\"group\":\"shop.example.com\",\"conversion\":{"
			  "\"strategy\":\"Webhook\",\"webhook\":{\"clientConfig\":{"
			  "\"service\":{\"name\":\"widgets-webhook\",\"namespace\":\"shop\","
			  "\"path\":\"/convert\"}},\"conversionReviewVersions\":[\"v1\"]}}}}");
	json_t *l = json_deep_copy(d);
	kd_diff_result *res;

	(void)state;
	set(l, "/spec/conversion/webhook/clientConfig/caBundle", "\"LS0tLS1CRUdJTg==\"");
	set(l, "/spec/conversion/webhook/clientConfig/service/port", "443");
	set(l, "/status", "{\"acceptedNames\":{\"kind\":\"Widget\"}}");
	expect_synced(d, l, NULL);
	set(l, "/spec/conversion/webhook/clientConfig/service/path", "\"/v2/convert\"");
	res = diff(d, l, NULL);
	assert_string_equal(only_field(res)->path,
			    "/spec/conversion/webhook/clientConfig/service/path");
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

static void collect_pointers(json_t *out, const json_t *v, const char *at)
{
	char path[2048];
	const char *key;
	json_t *c;
	size_t i;

	json_array_append_new(out, json_string(at));
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, c) {
			kd_buf b = KD_BUF_INIT;

			kd_buf_puts(&b, at);
			kd_json_pointer_append(&b, key);
			collect_pointers(out, c, kd_buf_cstr(&b));
			kd_buf_free(&b);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			snprintf(path, sizeof(path), "%s/%zu", at, i);
			collect_pointers(out, c, path);
		}
	}
}

/* Every node of a live or desired object replaced by a value of another
 * shape: the diff must answer (or refuse malformed managedFields), never
 * crash or leak.  Run under ASan and valgrind by `make asan` / valgrind. */
static void test_odd_shapes_never_crash(void **state)
{
	static const char *const pairs[] = { "deployment", "secret", "webhook",
					     "service" };
	static const char *const odd[] = { "null", "0", "\"\"", "[]", "{}",
					   "\"x\"", "[1,{\"name\":\"a\"}]",
					   "{\"name\":\"a\"}" };
	char name[64];
	size_t p, i, k, side;

	(void)state;
	for (p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		json_t *doc[2], *ptrs;

		snprintf(name, sizeof(name), "%s-desired.json", pairs[p]);
		doc[0] = fixture(name);
		snprintf(name, sizeof(name), "%s-live.json", pairs[p]);
		doc[1] = fixture(name);
		for (side = 0; side < 2; side++) {
			ptrs = json_array();
			collect_pointers(ptrs, doc[side], "");
			for (i = 1; i < json_array_size(ptrs); i++) {
				const char *ptr = json_string_value(json_array_get(ptrs, i));

				for (k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
					json_t *copy = json_deep_copy(doc[side]);
					kd_diff_result *res = NULL;
					int rc;

					set(copy, ptr, odd[k]);
					rc = side ? kd_diff_objects(&res, doc[0], copy, NULL)
						  : kd_diff_objects(&res, copy, doc[1], NULL);
					if (rc != 0 && rc != KD_EINVAL)
						fail_msg("%s %s = %s: %d %s", name, ptr,
							 odd[k], rc, kd_error_last());
					kd_diff_result_free(res);
					json_decref(copy);
				}
			}
			json_decref(ptrs);
		}
		json_decref(doc[0]);
		json_decref(doc[1]);
	}
}

static void test_ignore_rule_matches(void **state)
{
	kd_ignore_rule any = { 0 };
	kd_ignore_rule deploy = { "apps", "Deployment", NULL, NULL, NULL, NULL };
	kd_ignore_rule core_cm = { "", "ConfigMap", "cluster-info", "kube-public",
				   NULL, NULL };
	kd_ignore_rule star = { NULL, "*", NULL, "prod", NULL, NULL };

	(void)state;
	assert_true(kd_ignore_rule_matches(&any, "apps", "Deployment", "x", "y"));
	assert_true(kd_ignore_rule_matches(&any, "", "Namespace", NULL, "y"));
	assert_true(kd_ignore_rule_matches(&deploy, "apps", "Deployment", "ns", "web"));
	assert_false(kd_ignore_rule_matches(&deploy, "apps", "StatefulSet", "ns", "web"));
	assert_false(kd_ignore_rule_matches(&deploy, "extensions", "Deployment", "ns", "w"));
	assert_true(kd_ignore_rule_matches(&core_cm, "", "ConfigMap", "kube-public",
					   "cluster-info"));
	assert_true(kd_ignore_rule_matches(&core_cm, NULL, "ConfigMap", "kube-public",
					   "cluster-info"));
	assert_false(kd_ignore_rule_matches(&core_cm, "", "ConfigMap", "default",
					    "cluster-info"));
	assert_false(kd_ignore_rule_matches(&core_cm, "", "ConfigMap", "kube-public",
					    "other"));
	assert_false(kd_ignore_rule_matches(&core_cm, "apps", "ConfigMap", "kube-public",
					    "cluster-info"));
	assert_true(kd_ignore_rule_matches(&star, "batch", "Job", "prod", "j"));
	assert_false(kd_ignore_rule_matches(&star, "batch", "Job", "dev", "j"));
	/* a namespaced rule never matches a cluster-scoped object */
	assert_false(kd_ignore_rule_matches(&star, "", "Namespace", NULL, "prod"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_apply_is_synced),
		cmocka_unit_test(test_server_defaults_are_not_drift),
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
		cmocka_unit_test(test_crd_conversion_ca_bundle),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_odd_shapes_never_crash),
		cmocka_unit_test(test_ignore_rule_matches),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
