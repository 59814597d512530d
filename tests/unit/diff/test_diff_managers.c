/*
 * Tests for core/diff/diff.c and core/diff/diff_walk.c: attribution of drifted fields to
 * the field managers in metadata.managedFields (kubectl edit, scale, label,
 * helm, controllers, server-side apply) and the rules that depend on who
 * wrote a field (hand edits, server-side appliers, ignored managers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "diff_helpers.h"

#define WEB "/spec/template/spec/containers/0"

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
	{
		json_t *doc = NULL;

		assert_int_equal(kd_diff_result_json(&doc, res), 0);
		expect_json(doc, "{\"status\":\"drifted\",\"fields\":[{"
			    "\"path\":\"/spec/replicas\",\"livePath\":\"/spec/replicas\","
			    "\"change\":\"changed\",\"desired\":3,\"live\":1,"
			    "\"manager\":\"kubectl-scale\",\"operation\":\"Update\","
			    "\"time\":\"2026-11-25T08:00:00Z\",\"subresource\":\"scale\","
			    "\"neverConverges\":false}]}");
		json_decref(doc);
	}
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

/* A tool's stamp on an object whose manifest has no annotations at all is
 * still not drift, even when a hand-editing manager wrote it. */
static void test_tool_metadata_without_annotations_in_git(void **state)
{
	json_t *d = fixture("service-desired.json");
	json_t *l = fixture("service-live.json");
	kd_diff_result *res;

	(void)state;
	json_object_del(kd_json_obj(d, "metadata"), "annotations");
	json_object_del(kd_json_obj(l, "metadata"), "annotations");
	set(l, "/metadata/annotations", "{\"kdrift.dev/break-glass\":\"20261126T031500000Z-00000000000000aa\"}");
	add_manager(l, "{\"manager\":\"kdrift-break-glass\",\"operation\":\"Update\","
		    "\"apiVersion\":\"v1\",\"time\":\"2026-11-26T03:15:00Z\",\"fieldsType\":\"FieldsV1\","
		    "\"fieldsV1\":{\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:kdrift.dev/break-glass\":{}}}}}");
	expect_synced(d, l, NULL);
	/* any other annotation the same manager added is drift */
	set(l, "/metadata/annotations/debug", "\"on\"");
	add_manager(l, "{\"manager\":\"kubectl-annotate\",\"operation\":\"Update\","
		    "\"apiVersion\":\"v1\",\"time\":\"2026-11-26T03:16:00Z\",\"fieldsType\":\"FieldsV1\","
		    "\"fieldsV1\":{\"f:metadata\":{\"f:annotations\":{\"f:debug\":{}}}}}");
	res = diff(d, l, NULL);
	assert_string_equal(only_field(res)->path, "/metadata/annotations/debug");
	assert_string_equal(only_field(res)->manager, "kubectl-annotate");
	kd_diff_result_free(res);
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

/* Server-side apply has no last-applied: the applier's own Apply entry
 * says what it applied, so a field Git dropped is still found. */
static void test_server_side_applier_plays_last_applied(void **state)
{
	static const char *const appliers[] = { "kdrift", NULL };
	json_t *d = fixture("certificate-desired.json");
	json_t *l = fixture("certificate-live.json");
	kd_diff_opts opts = { 0 };
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	json_object_del(kd_json_obj(d, "spec"), "renewBefore");
	expect_synced(d, l, NULL);  /* without knowing the applier: a default */
	opts.appliers = appliers;
	res = diff(d, l, &opts);
	f = only_field(res);
	assert_string_equal(f->path, "/spec/renewBefore");
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_string_equal(f->manager, "kdrift");
	assert_string_equal(f->operation, "Apply");
	kd_diff_result_free(res);
	/* only Apply entries count: an Update by the same name owns defaults */
	set(l, "/metadata/managedFields/0/operation", "\"Update\"");
	expect_synced(d, l, &opts);
	json_decref(d);
	json_decref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubectl_edit_change_is_attributed),
		cmocka_unit_test(test_replicas_under_hpa),
		cmocka_unit_test(test_kubectl_scale_is_attributed),
		cmocka_unit_test(test_hand_added_fields),
		cmocka_unit_test(test_ignore_differences),
		cmocka_unit_test(test_server_side_applied_custom_resource),
		cmocka_unit_test(test_helm_configmap),
		cmocka_unit_test(test_gitops_tool_metadata),
		cmocka_unit_test(test_tool_metadata_without_annotations_in_git),
		cmocka_unit_test(test_ignored_manager_is_last_writer),
		cmocka_unit_test(test_server_side_applier_plays_last_applied),
	};

	return cmocka_run_group_tests_name("diff_managers", tests, NULL, NULL);
}
