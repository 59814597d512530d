/*
 * Tests for core/remedy*.c without a cluster: the two-way patch (strategic
 * merge with merge keys, deletes, order, primitive lists; merge patch for
 * custom resources), the object a revert of some fields leaves (checked by
 * diffing it against desired again), kubectl's last-applied form, and plans
 * with their previews (Secret values never shown).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "diff_helpers.h"
#include "act/act.h"
#include "data/data.h"
#include "engine/engine.h"

#define WEB "/spec/template/spec/containers/0"

static json_t *rfix(const char *name)
{
	const char *root = getenv("KDRIFT_ROOT");
	char path[4096];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/tests/fixtures/remedy/%s", root ? root : ".", name);
	doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	return doc;
}

/* The patch from -> to, checked to be `want` and to give `to` when the
 * server's merge applies it. */
static void expect_patch(const json_t *from, const json_t *to, kd_kube_patch_type want_type,
			 const char *want)
{
	json_t *patch = NULL, *applied = NULL;
	kd_kube_patch_type type;

	if (kd_remedy_patch_between(&patch, &type, from, to) < 0)
		fail_msg("patch: %s", kd_error_last());
	assert_int_equal(type, want_type);
	expect_json(patch, want);
	if (type == KD_KUBE_PATCH_STRATEGIC)
		assert_int_equal(kd_smp_apply(&applied, from, patch, KD_SMP_SERVER), 0);
	else
		assert_int_equal(kd_patch_merge(&applied, from, patch), 0);
	assert_true(kd_json_equal(applied, to));
	json_decref(applied);
	json_decref(patch);
}

static void test_patch_one_container_by_key(void **state)
{
	json_t *from = rfix("deployment-live.json"), *to = json_deep_copy(from);

	(void)state;
	set(to, "/spec/template/spec/containers/1/image", "\"exporter:2\"");
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		     "[{\"name\":\"metrics\",\"image\":\"exporter:2\"}]}}}}");
	/* Equal objects: an empty patch. */
	expect_patch(from, from, KD_KUBE_PATCH_STRATEGIC, "{}");
	json_decref(from);
	json_decref(to);
}

static void test_patch_deletes_and_orders_keyed_elements(void **state)
{
	json_t *from = rfix("deployment-live.json"), *to = json_deep_copy(from);
	json_t *moved;

	(void)state;
	/* An env element only `from` has: deleted by key. */
	del(to, WEB "/env/1");
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
		     "\"env\":[{\"name\":\"WORKERS\",\"$patch\":\"delete\"}]}]}}}}");
	/* The API server puts a new element before the kept ones it meets,
	 * so one added at the end needs an order. */
	json_decref(to);
	to = json_deep_copy(from);
	set(to, WEB "/env/-", "{\"name\":\"DEBUG\",\"value\":\"1\"}");
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
		     "\"$setElementOrder/env\":[{\"name\":\"MODE\"},{\"name\":\"WORKERS\"},"
		     "{\"name\":\"DEBUG\"}],"
		     "\"env\":[{\"name\":\"DEBUG\",\"value\":\"1\"}]}]}}}}");
	/* A changed element keeps its place: no order. */
	json_decref(to);
	to = json_deep_copy(from);
	set(to, WEB "/env/1/value", "\"8\"");
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
		     "\"env\":[{\"value\":\"8\",\"name\":\"WORKERS\"}]}]}}}}");
	/* A new element first, too (the simulator appends). */
	json_decref(to);
	to = json_deep_copy(from);
	assert_int_equal(json_array_insert_new(kd_json_arr(json_array_get(
		kd_json_arr(kd_json_obj(kd_json_obj(kd_json_obj(to, "spec"), "template"), "spec"),
			    "containers"), 0), "env"), 0,
		parse("{\"name\":\"DEBUG\",\"value\":\"1\"}")), 0);
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
		     "\"$setElementOrder/env\":[{\"name\":\"DEBUG\"},{\"name\":\"MODE\"},"
		     "{\"name\":\"WORKERS\"}],"
		     "\"env\":[{\"name\":\"DEBUG\",\"value\":\"1\"}]}]}}}}");
	/* Reordering alone is only an order. */
	json_decref(to);
	to = json_deep_copy(from);
	assert_int_equal(kd_json_pointer_get(&moved, to, "/spec/template/spec/containers/0"), 0);
	json_incref(moved);
	del(to, "/spec/template/spec/containers/0");
	assert_int_equal(json_array_append_new(kd_json_arr(kd_json_obj(kd_json_obj(
		kd_json_obj(to, "spec"), "template"), "spec"), "containers"), moved), 0);
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":"
		     "[{\"name\":\"metrics\"},{\"name\":\"web\"}]}}}}");
	json_decref(from);
	json_decref(to);
}

static void test_patch_maps_atomic_lists_and_primitives(void **state)
{
	json_t *from = rfix("deployment-live.json"), *to = json_deep_copy(from);

	(void)state;
	del(to, "/metadata/labels/tier");
	set(to, "/metadata/labels/team", "\"shop\"");
	set(to, "/spec/template/spec/containers/1/args", "[\"--a\",\"--b\"]");
	set(to, "/metadata/finalizers", "[\"x/y\"]");
	set(from, "/metadata/finalizers", "[\"a/b\",\"x/y\"]");
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"metadata\":{\"labels\":{\"tier\":null,\"team\":\"shop\"},"
		     "\"$deleteFromPrimitiveList/finalizers\":[\"a/b\"]},"
		     "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"metrics\","
		     "\"args\":[\"--a\",\"--b\"]}]}}}}");
	json_decref(from);
	json_decref(to);
}

/* Two container ports share containerPort 53 (TCP and UDP): the server's
 * merge key cannot tell them apart, so the list is replaced whole. */
static void test_patch_ambiguous_keys_replace(void **state)
{
	json_t *from = rfix("deployment-live.json"), *to;

	(void)state;
	set(from, WEB "/ports", "[{\"containerPort\":53,\"protocol\":\"TCP\"},"
	    "{\"containerPort\":53,\"protocol\":\"UDP\"}]");
	to = json_deep_copy(from);
	del(to, WEB "/ports/1");
	expect_patch(from, to, KD_KUBE_PATCH_STRATEGIC,
		     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
		     "\"ports\":[{\"containerPort\":53,\"protocol\":\"TCP\"},"
		     "{\"$patch\":\"replace\"}]}]}}}}");
	json_decref(from);
	json_decref(to);
}

static void test_patch_custom_resource_is_merge(void **state)
{
	json_t *from = parse("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
			     "\"metadata\":{\"name\":\"w\",\"labels\":{\"a\":\"1\"}},"
			     "\"spec\":{\"containers\":[{\"name\":\"x\",\"size\":1}],\"n\":1}}");
	json_t *to = parse("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
			   "\"metadata\":{\"name\":\"w\"},"
			   "\"spec\":{\"containers\":[{\"name\":\"x\",\"size\":2}],\"n\":1}}");

	(void)state;
	expect_patch(from, to, KD_KUBE_PATCH_MERGE,
		     "{\"metadata\":{\"labels\":null},"
		     "\"spec\":{\"containers\":[{\"name\":\"x\",\"size\":2}]}}");
	json_decref(from);
	json_decref(to);
}

/* A live Deployment with one change of each kind, made by the managers
 * that would make them. */
static json_t *drifted_deployment(void)
{
	json_t *l = rfix("deployment-live.json");

	set(l, "/spec/replicas", "7");
	add_manager(l, "{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-scale\",\"operation\":\"Update\",\"subresource\":\"scale\","
		    "\"time\":\"2026-11-25T08:00:00Z\",\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{}}}}");
	set(l, WEB "/image", "\"nginx:hotfix\"");
	add_manager(l, "{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-set\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T09:00:00Z\",\"fieldsV1\":{\"f:spec\":"
		    "{\"f:template\":{\"f:spec\":{\"f:containers\":{"
		    "\"k:{\\\"name\\\":\\\"web\\\"}\":{\"f:image\":{}}}}}}}}");
	del(l, "/metadata/labels/tier");
	set(l, "/metadata/annotations/note", "\"look at me\"");
	del(l, WEB "/env/1");
	set(l, WEB "/env/-", "{\"name\":\"DEBUG\",\"value\":\"1\"}");
	add_manager(l, "{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T10:00:00Z\",\"fieldsV1\":{\"f:metadata\":"
		    "{\"f:annotations\":{\"f:note\":{}}},\"f:spec\":"
		    "{\"f:template\":{\"f:spec\":{\"f:containers\":{"
		    "\"k:{\\\"name\\\":\\\"web\\\"}\":{\"f:env\":{"
		    "\"k:{\\\"name\\\":\\\"DEBUG\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}}}}}}}}}}");
	return l;
}

static void test_revert_target_every_kind_of_drift(void **state)
{
	json_t *d = rfix("deployment-desired.json"), *l = drifted_deployment();
	json_t *t = NULL, *patch = NULL;
	kd_diff_result *before = diff(d, l, NULL);
	size_t n = 0;

	(void)state;
	/* removed label, changed image, removed env, added env, replicas,
	 * added annotation */
	if (before->nfields != 6)
		fail_msg("fixture drift: %s", paths_of(before));
	assert_int_equal(kd_remedy_revert_target(&t, &n, d, l, before, NULL, 0), 0);
	assert_int_equal(n, 6);
	expect_synced(d, t, NULL);
	/* Only the drifted fields are in the patch; server defaults stay. */
	assert_int_equal(kd_remedy_patch_between(&patch, NULL, l, t), 0);
	expect_json(patch,
		    "{\"metadata\":{\"labels\":{\"tier\":\"frontend\"},"
		    "\"annotations\":{\"note\":null}},"
		    "\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":"
		    "[{\"name\":\"web\",\"image\":\"nginx:1.25.3\","
		    "\"$setElementOrder/env\":[{\"name\":\"MODE\"},{\"name\":\"WORKERS\"}],"
		    "\"env\":["
		    "{\"name\":\"WORKERS\",\"value\":\"4\"},"
		    "{\"name\":\"DEBUG\",\"$patch\":\"delete\"}]}]}}}}");
	json_decref(patch);
	json_decref(t);
	kd_diff_result_free(before);
	json_decref(d);
	json_decref(l);
}

static void test_revert_target_subset(void **state)
{
	json_t *d = rfix("deployment-desired.json"), *l = drifted_deployment();
	json_t *t = NULL, *patch = NULL;
	kd_diff_result *res = diff(d, l, NULL), *after;
	const char *only[] = { "/spec/replicas", "/spec/template" };
	const char *bad[] = { "/spec/paused" };
	size_t n = 0;

	(void)state;
	assert_int_equal(kd_remedy_revert_target(&t, &n, d, l, res, only, 1), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kd_remedy_patch_between(&patch, NULL, l, t), 0);
	expect_json(patch, "{\"spec\":{\"replicas\":3}}");
	json_decref(patch);
	json_decref(t);
	/* A prefix selects everything below it. */
	assert_int_equal(kd_remedy_revert_target(&t, &n, d, l, res, only + 1, 1), 0);
	assert_int_equal(n, 3);
	after = diff(d, t, NULL);
	assert_int_equal(after->nfields, 3);
	assert_null(field_at(after, WEB "/image"));
	assert_non_null(field_at(after, "/spec/replicas"));
	kd_diff_result_free(after);
	json_decref(t);
	assert_int_equal(kd_remedy_revert_target(&t, &n, d, l, res, bad, 1), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "/spec/paused"));
	assert_null(t);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* A whole container missing from live comes back whole, in place. */
static void test_revert_target_missing_element(void **state)
{
	json_t *d = rfix("deployment-desired.json"), *l = rfix("deployment-live.json");
	json_t *t = NULL, *patch = NULL, *want, *got;
	kd_diff_result *res;

	(void)state;
	del(l, "/spec/template/spec/containers/1");
	res = diff(d, l, NULL);
	assert_true(res->nfields >= 1);
	assert_int_equal(kd_remedy_revert_target(&t, NULL, d, l, res, NULL, 0), 0);
	assert_int_equal(kd_json_pointer_get(&want, d, "/spec/template/spec/containers/1"), 0);
	assert_int_equal(kd_json_pointer_get(&got, t, "/spec/template/spec/containers/1"), 0);
	assert_true(kd_json_equal(want, got));
	assert_int_equal(kd_remedy_patch_between(&patch, NULL, l, t), 0);
	assert_int_equal(kd_json_pointer_get(&got, patch, "/spec/template/spec/containers/0"), 0);
	assert_true(kd_json_equal(want, got));
	json_decref(patch);
	kd_diff_result_free(res);
	json_decref(t);
	json_decref(d);
	json_decref(l);
}

static void test_secret_values_come_from_git(void **state)
{
	json_t *d = rfix("secret-desired.json"), *l = rfix("secret-live.json");
	json_t *t = NULL;
	kd_diff_result *res;

	(void)state;
	set(l, "/data/password", "\"b3RoZXI=\"");     /* "other" */
	set(l, "/data/token", "\"c2VjcmV0LXRva2Vu\""); /* added by hand */
	add_manager(l, "{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T10:00:00Z\",\"fieldsV1\":{\"f:data\":"
		    "{\"f:password\":{},\"f:token\":{}}}}");
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 2);
	/* The diff only has masks... */
	assert_non_null(strstr(json_string_value(field_at(res, "/data/password")->desired),
			       "<masked:"));
	/* ...the revert takes the value from Git's stringData. */
	assert_int_equal(kd_remedy_revert_target(&t, NULL, d, l, res, NULL, 0), 0);
	expect_json(json_object_get(t, "data"),
		    "{\"empty\":\"\",\"password\":\"aHVudGVyMg==\",\"username\":\"c2hvcF9hcHA=\"}");
	expect_synced(d, t, NULL);
	kd_diff_result_free(res);
	json_decref(t);
	json_decref(d);
	json_decref(l);
}

/* kubectl apply wrote these annotations; ours must be byte for byte the
 * same so kubectl's three-way merge keeps working. */
static void test_last_applied_is_kubectls(void **state)
{
	const char *names[] = { "deployment", "secret" };
	char file[64];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		json_t *d, *l;
		char *la = NULL;

		snprintf(file, sizeof(file), "%s-desired.json", names[i]);
		d = rfix(file);
		snprintf(file, sizeof(file), "%s-live.json", names[i]);
		l = rfix(file);
		assert_int_equal(kd_remedy_last_applied(&la, d), 0);
		assert_string_equal(la, kd_json_str(kd_json_obj(kd_json_obj(l, "metadata"),
								"annotations"),
						    KD_REMEDY_LAST_APPLIED));
		free(la);
		json_decref(d);
		json_decref(l);
	}
}

static void test_tracking_metadata(void **state)
{
	json_t *o = parse("{\"metadata\":{\"labels\":{\"app\":\"x\"}}}");

	(void)state;
	assert_false(kd_remedy_has_tracking(o));
	set(o, "/metadata/annotations", "{\"argocd.argoproj.io~1tracking-id\":\"a:b\"}");
	json_object_del(kd_json_obj(o, "metadata"), "annotations");
	set(o, "/metadata/annotations/argocd.argoproj.io~1tracking-id", "\"a\"");
	assert_true(kd_remedy_has_tracking(o));
	json_decref(o);
	o = parse("{\"metadata\":{\"labels\":{\"app.kubernetes.io/instance\":\"shop\"}}}");
	assert_true(kd_remedy_has_tracking(o));
	json_decref(o);
}

static kd_resource resource(kd_status st, json_t *d, json_t *l, kd_diff_result *res)
{
	kd_resource r;

	memset(&r, 0, sizeof(r));
	r.api_version = kd_json_str(d ? d : l, "apiVersion") ? (char *)kd_json_str(d ? d : l, "apiVersion") : NULL;
	r.kind = (char *)kd_json_str(d ? d : l, "kind");
	r.namespace = (char *)kd_json_str(kd_json_obj(d ? d : l, "metadata"), "namespace");
	r.name = (char *)kd_json_str(kd_json_obj(d ? d : l, "metadata"), "name");
	r.status = st;
	r.desired = d;
	r.live = l;
	r.diff = res;
	r.uid = l ? (char *)kd_json_str(kd_json_obj(l, "metadata"), "uid") : NULL;
	r.resource_version = l ? (char *)kd_json_str(kd_json_obj(l, "metadata"),
						     "resourceVersion") : NULL;
	return r;
}

static void test_plan_patch_create_prune(void **state)
{
	json_t *d = rfix("deployment-desired.json"), *l = drifted_deployment();
	json_t *sd = rfix("secret-desired.json");
	kd_diff_result *res = diff(d, l, NULL);
	kd_resource drifted = resource(KD_STATUS_DRIFTED, d, l, res);
	kd_resource missing = resource(KD_STATUS_MISSING, sd, NULL, NULL);
	kd_resource extra = resource(KD_STATUS_EXTRA, NULL, l, NULL);
	kd_remedy_plan_opts prune = { .prune = true };
	kd_remedy_plan *plan = NULL;
	kd_buf text = KD_BUF_INIT;
	const kd_remedy_action *a;
	char *la = NULL;

	(void)state;
	/* Someone applied an older manifest by hand: kubectl's record is stale. */
	set(l, "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
	    "\"{\\\"old\\\":true}\\n\"");
	assert_int_equal(kd_remedy_plan_new(&plan, "us-east"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &drifted, NULL), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &missing, NULL), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &extra, NULL), 0);
	assert_int_equal(plan->nactions, 2);
	assert_int_equal(plan->nskipped, 1);
	assert_non_null(strstr(plan->skipped[0].reason, "prune is off"));
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &extra, &prune), 0);
	assert_int_equal(plan->nactions, 3);

	a = &plan->actions[0];
	assert_int_equal(a->kind, KD_REMEDY_PATCH);
	assert_int_equal(a->patch_type, KD_KUBE_PATCH_STRATEGIC);
	assert_int_equal(a->nfields, 6);
	/* The precondition and kubectl's annotation travel with the patch. */
	assert_string_equal(kd_json_str(kd_json_obj(a->body, "metadata"), "resourceVersion"),
			    "184467");
	assert_int_equal(kd_remedy_last_applied(&la, d), 0);
	assert_string_equal(kd_json_str(kd_json_obj(kd_json_obj(a->body, "metadata"),
						    "annotations"), KD_REMEDY_LAST_APPLIED), la);
	free(la);
	assert_non_null(strstr(a->preview, "# revert Deployment shop/web on cluster us-east"));
	assert_non_null(strstr(a->preview, "image: nginx:1.25.3"));

	a = &plan->actions[1];
	assert_int_equal(a->kind, KD_REMEDY_CREATE);
	assert_string_equal(kd_json_str(kd_json_obj(kd_json_obj(a->body, "metadata"), "labels"),
					KD_REMEDY_APP_LABEL), "shop");
	assert_null(a->resource_version);
	/* Secret values never reach the preview. */
	assert_null(strstr(a->preview, "hunter2"));
	assert_null(strstr(a->preview, "c2hvcF9hcHA="));
	assert_non_null(strstr(a->preview, KD_AUDIT_MASK));

	a = &plan->actions[2];
	assert_int_equal(a->kind, KD_REMEDY_PRUNE);
	assert_null(a->body);
	assert_string_equal(a->uid, "7d0f3c5e-2b1a-4c8e-9f61-0a4b2f9d8c11");
	assert_string_equal(a->resource_version, "184467");

	assert_int_equal(kd_remedy_plan_preview(&text, plan), 0);
	assert_non_null(strstr(kd_buf_cstr(&text), "# prune (delete) Deployment shop/web"));
	assert_non_null(strstr(kd_buf_cstr(&text), "# skipped Deployment shop/web: extra object"));
	kd_buf_free(&text);

	/* Per field, and a field that is not drifted. */
	{
		const char *sel[] = { WEB "/image" };
		const char *none[] = { "/spec/paused" };

		assert_int_equal(kd_remedy_plan_fields(plan, "shop", &drifted, sel, 1), 0);
		json_t *body = json_deep_copy(plan->actions[3].body);

		json_object_del(kd_json_obj(body, "metadata"), "annotations");
		expect_json(body,
			    "{\"metadata\":{\"resourceVersion\":\"184467\"},"
			    "\"spec\":{\"template\":{\"spec\":{\"containers\":"
			    "[{\"name\":\"web\",\"image\":\"nginx:1.25.3\"}]}}}}");
		json_decref(body);
		assert_int_equal(kd_remedy_plan_fields(plan, "shop", &drifted, none, 1),
				 KD_ENOTFOUND);
		assert_int_equal(plan->nactions, 4);
	}
	kd_remedy_plan_free(plan);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
	json_decref(sd);
}

static void fill(kd_resource *r, kd_status st, json_t *d, json_t *l)
{
	const json_t *src = l ? l : d;

	r->status = st;
	r->desired = d;
	r->live = l;
	if (d && l)
		r->diff = diff(d, l, NULL);
	if (l) {
		r->uid = strdup(kd_json_str(kd_json_obj(src, "metadata"), "uid"));
		r->resource_version = strdup(kd_json_str(kd_json_obj(src, "metadata"),
							 "resourceVersion"));
	}
}

/* A Secret revert whose patch also carries kubectl's last-applied (which
 * holds Git's stringData in clear): neither shows in the preview. */
static void test_secret_preview_masks_last_applied(void **state)
{
	json_t *d = rfix("secret-desired.json"), *l = rfix("secret-live.json");
	kd_remedy_plan *plan = NULL;
	kd_diff_result *res;
	kd_resource r;

	(void)state;
	set(l, "/data/password", "\"b3RoZXI=\"");
	set(l, "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
	    "\"{\\\"stringData\\\":{\\\"password\\\":\\\"0ld-pa55\\\"}}\\n\"");
	add_manager(l, "{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T10:00:00Z\",\"fieldsV1\":{\"f:data\":{\"f:password\":{}}}}");
	res = diff(d, l, NULL);
	r = resource(KD_STATUS_DRIFTED, d, l, res);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &r, NULL), 0);
	assert_int_equal(plan->nactions, 1);
	/* The body carries both, the preview neither. */
	assert_non_null(kd_json_str(kd_json_obj(kd_json_obj(plan->actions[0].body, "metadata"),
						"annotations"), KD_REMEDY_LAST_APPLIED));
	assert_string_equal(kd_json_str(kd_json_obj(plan->actions[0].body, "data"), "password"),
			    "aHVudGVyMg==");
	assert_null(strstr(plan->actions[0].preview, "hunter2"));
	assert_null(strstr(plan->actions[0].preview, "aHVudGVyMg=="));
	assert_null(strstr(plan->actions[0].preview, "b3RoZXI="));
	assert_non_null(strstr(plan->actions[0].preview, "password: <masked>"));
	kd_remedy_plan_free(plan);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* A whole app and a whole cluster, as the store publishes them. */
static void test_plan_app_and_cluster(void **state)
{
	kd_cluster_state *st = kd_cluster_state_new("eu");
	kd_app_state *shop = kd_cluster_state_add_app(st, "shop"), *broken;
	kd_remedy_plan_opts prune = { .prune = true };
	kd_remedy_plan *plan = NULL;
	kd_resource *r;

	(void)state;
	r = kd_app_state_add_resource(shop, "apps/v1", "Deployment", "shop", "web");
	fill(r, KD_STATUS_DRIFTED, rfix("deployment-desired.json"), drifted_deployment());
	r = kd_app_state_add_resource(shop, "v1", "Secret", "shop", "db-credentials");
	fill(r, KD_STATUS_MISSING, rfix("secret-desired.json"), NULL);
	r = kd_app_state_add_resource(shop, "apps/v1", "Deployment", "shop", "old");
	fill(r, KD_STATUS_EXTRA, NULL, rfix("deployment-live.json"));
	r = kd_app_state_add_resource(shop, "v1", "ConfigMap", "shop", "same");
	r->status = KD_STATUS_SYNCED;
	broken = kd_cluster_state_add_app(st, "broken"); /* moves the apps */
	broken->reason = strdup("render failed: kustomization.yaml:3:1: bad");
	st->reachable = true;
	/* (kd_cluster_state_finish is left out: it qsorts the broken app's
	 * NULL resource array, which UBSan reports.) */

	assert_int_equal(kd_remedy_plan_new(&plan, st->name), 0);
	assert_int_equal(kd_remedy_plan_app(plan, kd_cluster_state_app(st, "shop"), NULL), 0);
	/* revert + create; the extra object is skipped (prune off); synced
	 * objects are not listed at all. */
	assert_int_equal(plan->nactions, 2);
	assert_int_equal(plan->nskipped, 1);
	kd_remedy_plan_free(plan);

	assert_int_equal(kd_remedy_plan_new(&plan, st->name), 0);
	assert_int_equal(kd_remedy_plan_cluster(plan, st, &prune), 0);
	assert_int_equal(plan->nactions, 3);
	assert_int_equal(plan->nskipped, 1);
	assert_string_equal(plan->skipped[0].what, "app broken");
	assert_non_null(strstr(plan->skipped[0].reason, "render failed"));
	kd_remedy_plan_free(plan);

	/* An unreachable cluster plans nothing and says why. */
	free(st->reason);
	st->reason = strdup("cluster eu: connection refused");
	assert_int_equal(kd_remedy_plan_new(&plan, st->name), 0);
	assert_int_equal(kd_remedy_plan_cluster(plan, st, &prune), 0);
	assert_int_equal(plan->nactions, 0);
	assert_non_null(strstr(plan->skipped[0].reason, "connection refused"));
	kd_remedy_plan_free(plan);
	kd_cluster_state_unref(st);
}

/* Applies patch to from with the real strategic merge of kubectl
 * (apimachinery), offline; *out is the result or NULL. */
static int kubectl_patch(json_t **out, const json_t *from, const json_t *patch)
{
	char dir[] = "/tmp/kd-remedy-kubectl.XXXXXX", file[64], cmd[512];
	char *p = json_dumps(patch, JSON_COMPACT);
	kd_buf res = KD_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	int rc = -1;

	*out = NULL;
	if (!p || !mkdtemp(dir))
		goto done;
	snprintf(file, sizeof(file), "%s/obj.json", dir);
	if (json_dump_file(from, file, 0) < 0)
		goto done;
	snprintf(file, sizeof(file), "%s/patch.json", dir);
	if (!(f = fopen(file, "w")))
		goto done;
	fputs(p, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "KUBECONFIG=/dev/null kubectl patch --local -f %s/obj.json "
		 "--type strategic --patch-file %s/patch.json -o json 2>&1", dir, dir);
	if (!(f = popen(cmd, "r")))
		goto done;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kd_buf_add(&res, chunk, n);
	if (pclose(f) == 0) {
		*out = json_loads(kd_buf_cstr(&res), 0, NULL);
		rc = *out ? 0 : -1;
	}
	if (rc < 0)
		print_error("kubectl: %s\n", kd_buf_cstr(&res));
done:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = -1;
	kd_buf_free(&res);
	free(p);
	return rc;
}

/* The patches must mean the same to the real API server's merge (kubectl
 * uses the same code), order of keyed lists included. */
static void test_patches_agree_with_kubectl(void **state)
{
	json_t *base = rfix("deployment-live.json"), *d = rfix("deployment-desired.json");
	json_t *cases[6], *patch, *got, *moved;
	kd_diff_result *res;
	size_t i;

	(void)state;
	if (system("kubectl version --client >/dev/null 2>&1") != 0)
		skip();
	for (i = 0; i < 6; i++)
		cases[i] = json_deep_copy(base);
	set(cases[0], WEB "/env/-", "{\"name\":\"DEBUG\",\"value\":\"1\"}");
	assert_int_equal(json_array_insert_new(kd_json_arr(json_array_get(
		kd_json_arr(kd_json_obj(kd_json_obj(kd_json_obj(cases[1], "spec"), "template"),
					"spec"), "containers"), 0), "env"), 0,
		parse("{\"name\":\"DEBUG\",\"value\":\"1\"}")), 0);
	set(cases[2], WEB "/env/0/value", "\"debug\"");
	set(cases[2], WEB "/env/-", "{\"name\":\"X\",\"value\":\"1\"}");
	del(cases[3], WEB "/env/0");
	del(cases[3], "/metadata/labels/tier");
	assert_int_equal(kd_json_pointer_get(&moved, cases[4], "/spec/template/spec/containers/0"), 0);
	json_incref(moved);
	del(cases[4], "/spec/template/spec/containers/0");
	assert_int_equal(json_array_append_new(kd_json_arr(kd_json_obj(kd_json_obj(
		kd_json_obj(cases[4], "spec"), "template"), "spec"), "containers"), moved), 0);
	json_decref(cases[5]);
	json_decref(base);
	/* and a whole revert of every kind of drift */
	base = drifted_deployment();
	res = diff(d, base, NULL);
	assert_int_equal(kd_remedy_revert_target(&cases[5], NULL, d, base, res, NULL, 0), 0);
	kd_diff_result_free(res);
	for (i = 0; i < 6; i++) {
		json_t *from = i == 5 ? base : NULL;

		if (!from) {
			from = rfix("deployment-live.json");
		} else {
			json_incref(from);
		}
		assert_int_equal(kd_remedy_patch_between(&patch, NULL, from, cases[i]), 0);
		if (kubectl_patch(&got, from, patch) < 0)
			fail_msg("case %zu: kubectl refused the patch", i);
		/* kubectl leaves managedFields out of what it prints */
		json_object_del(kd_json_obj(cases[i], "metadata"), "managedFields");
		if (!kd_json_equal(got, cases[i])) {
			char *g = json_dumps(got, JSON_COMPACT), *pp = json_dumps(patch, JSON_COMPACT);
			print_error("patch %s\n", pp);
			free(g);
			free(pp);
			fail_msg("case %zu: kubectl's merge differs", i);
		}
		json_decref(got);
		json_decref(patch);
		json_decref(from);
		json_decref(cases[i]);
	}
	json_decref(base);
	json_decref(d);
}

static int kubectl_patch(json_t **out, const json_t *from, const json_t *patch);

/* A small deterministic generator, so failures reproduce. */
static unsigned long lcg_state = 12345;
static unsigned pick(unsigned n)
{
	lcg_state = lcg_state * 1103515245UL + 12345UL;
	return (unsigned)((lcg_state >> 16) % n);
}

/* One random edit of the kinds operators make. */
static void mutate_once(json_t *o)
{
	json_t *cs = kd_json_arr(kd_json_obj(kd_json_obj(kd_json_obj(o, "spec"), "template"),
					     "spec"), "containers");
	json_t *c = json_array_get(cs, pick((unsigned)json_array_size(cs)));
	json_t *env = kd_json_arr(c, "env"), *e;
	char name[32];

	switch (pick(8)) {
	case 0: /* new env var somewhere */
		if (!env) {
			env = json_array();
			json_object_set_new(c, "env", env);
		}
		snprintf(name, sizeof(name), "V%u", pick(1000));
		e = json_pack("{s:s, s:s}", "name", name, "value", "x");
		if (kd_mergekeys_find(&(kd_mergekeys){ 1, { "name" }, { NULL } }, env, e) >= 0)
			json_decref(e);
		else
			json_array_insert_new(env, pick((unsigned)json_array_size(env) + 1), e);
		break;
	case 1: /* drop an env var */
		if (json_array_size(env) > 0)
			json_array_remove(env, pick((unsigned)json_array_size(env)));
		break;
	case 2: /* swap two containers */
		if (json_array_size(cs) > 1) {
			json_t *first = json_incref(json_array_get(cs, 0));
			json_array_remove(cs, 0);
			json_array_append_new(cs, first);
		}
		break;
	case 3:
		snprintf(name, sizeof(name), "img:%u", pick(100));
		json_object_set_new(c, "image", json_string(name));
		break;
	case 4:
		json_object_set_new(kd_json_obj(o, "spec"), "replicas", json_integer(pick(10)));
		break;
	case 5:
		json_object_del(kd_json_obj(kd_json_obj(o, "metadata"), "labels"), "tier");
		break;
	case 6:
		snprintf(name, sizeof(name), "k%u", pick(5));
		json_object_set_new(kd_json_obj(kd_json_obj(o, "metadata"), "labels"), name,
				    json_string("v"));
		break;
	default: /* args are an atomic list */
		json_object_set_new(c, "args", json_pack("[s, s]", "--a", pick(2) ? "--b" : "--c"));
		break;
	}
}

/* Any sequence of such edits gives a patch that reproduces the edited
 * object (kd_remedy_patch_between checks that itself and fails if not). */
static void test_patch_random_edits(void **state)
{
	json_t *base = rfix("deployment-live.json");
	bool have_kubectl = system("kubectl version --client >/dev/null 2>&1") == 0;
	int i, k;

	(void)state;
	for (i = 0; i < 300; i++) {
		json_t *to = json_deep_copy(base), *patch = NULL, *applied = NULL;
		int edits = 1 + (int)pick(4);

		for (k = 0; k < edits; k++)
			mutate_once(to);
		if (kd_remedy_patch_between(&patch, NULL, base, to) < 0)
			fail_msg("edit set %d: %s", i, kd_error_last());
		assert_int_equal(kd_smp_apply(&applied, base, patch, KD_SMP_SERVER), 0);
		assert_true(kd_json_equal(applied, to));
		json_decref(applied);
		/* and now and then, the API server's own merge agrees */
		if (have_kubectl && i % 15 == 0) {
			if (kubectl_patch(&applied, base, patch) < 0)
				fail_msg("edit set %d: kubectl refused the patch", i);
			json_object_del(kd_json_obj(to, "metadata"), "managedFields");
			if (!kd_json_equal(applied, to))
				fail_msg("edit set %d: kubectl's merge differs", i);
			json_decref(applied);
		}
		json_decref(patch);
		json_decref(to);
	}
	json_decref(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patch_one_container_by_key),
		cmocka_unit_test(test_patch_deletes_and_orders_keyed_elements),
		cmocka_unit_test(test_patch_maps_atomic_lists_and_primitives),
		cmocka_unit_test(test_patch_ambiguous_keys_replace),
		cmocka_unit_test(test_patch_custom_resource_is_merge),
		cmocka_unit_test(test_revert_target_every_kind_of_drift),
		cmocka_unit_test(test_revert_target_subset),
		cmocka_unit_test(test_revert_target_missing_element),
		cmocka_unit_test(test_secret_values_come_from_git),
		cmocka_unit_test(test_last_applied_is_kubectls),
		cmocka_unit_test(test_tracking_metadata),
		cmocka_unit_test(test_plan_patch_create_prune),
		cmocka_unit_test(test_patches_agree_with_kubectl),
		cmocka_unit_test(test_plan_app_and_cluster),
		cmocka_unit_test(test_secret_preview_masks_last_applied),
		cmocka_unit_test(test_patch_random_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
