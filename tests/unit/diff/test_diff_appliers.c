/*
 * Tests for DESIGN §6 rule 11 in core/diff: a live field owned by the Apply
 * entry of a GitOps applier (kustomize-controller, argocd-controller, kdrift,
 * or one the fleet file names) and absent from desired was removed from
 * Git, and is drift (ADDED, removed_from_git), while fields the server
 * defaulted, Update entries of the same managers, other Apply managers and
 * the tools' own tracking metadata stay out of the diff.
 *
 * The objects are shaped as a real API server stores a server-side applied
 * object: the applier's entry lists exactly the fields it sent, no `.`
 * entries for maps, and nothing of what the server defaulted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "diff_helpers.h"

/* Git holds key1 and key2. */
static const char cm_desired[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	"\"metadata\":{\"name\":\"settings\",\"namespace\":\"shop\"},"
	"\"data\":{\"key1\":\"one\",\"key2\":\"two\"}}";

/* The cluster, applied by MANAGER (operation OP) when Git held key1..key3,
 * with the applier's tracking labels. */
static json_t *cm_live(const char *manager, const char *op)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
		 "\"name\":\"settings\",\"namespace\":\"shop\","
		 "\"uid\":\"0b6c1f2e-3d4a-4e5f-8a9b-0c1d2e3f4a5b\",\"resourceVersion\":\"812\","
		 "\"creationTimestamp\":\"2026-11-20T09:00:00Z\","
		 "\"labels\":{\"kustomize.toolkit.fluxcd.io/name\":\"shop\","
		 "\"kustomize.toolkit.fluxcd.io/namespace\":\"flux-system\"},"
		 "\"managedFields\":[{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
		 "\"manager\":\"%s\",\"operation\":\"%s\",\"time\":\"2026-11-20T09:00:00Z\","
		 "\"fieldsV1\":{\"f:data\":{\"f:key1\":{},\"f:key2\":{},\"f:key3\":{}},"
		 "\"f:metadata\":{\"f:labels\":{\"f:kustomize.toolkit.fluxcd.io/name\":{},"
		 "\"f:kustomize.toolkit.fluxcd.io/namespace\":{}}}}}]},"
		 "\"data\":{\"key1\":\"one\",\"key2\":\"two\",\"key3\":\"three\"}}",
		 manager, op);
	return parse(text);
}

static kd_diff_opts defaults(void)
{
	kd_diff_opts o = { 0 };

	o.appliers = kd_diff_default_appliers;
	return o;
}

/* The reproduction: key3 left Git, kustomize-controller's next
 * apply deletes it, so it is drift now, not "synced". */
static void test_key_removed_from_git(void **state)
{
	json_t *d = parse(cm_desired), *l = cm_live("kustomize-controller", "Apply");
	kd_diff_opts opts = defaults();
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	res = diff(d, l, &opts);
	f = only_field(res);
	assert_string_equal(f->path, "/data/key3");
	assert_string_equal(f->live_path, "/data/key3");
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_null(f->desired);
	expect_json(f->live, "\"three\"");
	assert_string_equal(f->manager, "kustomize-controller");
	assert_string_equal(f->operation, "Apply");
	assert_string_equal(f->time, "2026-11-20T09:00:00Z");
	assert_true(f->removed_from_git);
	assert_false(f->never_converges);
	kd_diff_result_free(res);
	/* Git holding key3 again: synced */
	set(d, "/data/key3", "\"three\"");
	expect_synced(d, l, &opts);
	json_decref(d);
	json_decref(l);
}

/* Every default applier counts; an unknown one only once the fleet names
 * it; without any applier the field is a default, as before rule 11. */
static void test_which_appliers_count(void **state)
{
	static const char *const named[] = { "helm-controller", NULL };
	static const char *const none[] = { NULL };
	const char *const *a;
	json_t *d = parse(cm_desired), *l;
	kd_diff_opts opts = defaults();
	kd_diff_result *res;

	(void)state;
	for (a = kd_diff_default_appliers; *a; a++) {
		l = cm_live(*a, "Apply");
		res = diff(d, l, &opts);
		assert_string_equal(only_field(res)->path, "/data/key3");
		assert_string_equal(only_field(res)->manager, *a);
		kd_diff_result_free(res);
		expect_synced(d, l, NULL);
		opts.appliers = none;
		expect_synced(d, l, &opts);
		opts.appliers = kd_diff_default_appliers;
		json_decref(l);
	}
	l = cm_live("helm-controller", "Apply");
	expect_synced(d, l, &opts);
	opts.appliers = named;
	res = diff(d, l, &opts);
	assert_true(only_field(res)->removed_from_git);
	kd_diff_result_free(res);
	json_decref(l);
	json_decref(d);
}

/* An Update entry lists what the manager changed, server defaults of the
 * request included: it says nothing about what Git held. */
static void test_update_entries_do_not_count(void **state)
{
	json_t *d = parse(cm_desired), *l = cm_live("kustomize-controller", "Update");
	kd_diff_opts opts = defaults();

	(void)state;
	expect_synced(d, l, &opts);
	json_decref(d);
	json_decref(l);
}

/* A Deployment applied by argocd-controller: the server's defaults
 * (strategy, revisionHistoryLimit, terminationMessagePath, ...) are nobody's
 * Apply and stay defaults; an env entry Git dropped is drift, reported as
 * the whole list element. */
static void test_defaults_stay_defaults(void **state)
{
	json_t *d = parse(
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
		"\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},"
		"\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
		"\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
		"\"containers\":[{\"name\":\"web\",\"image\":\"web:1\","
		"\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}]}}}}");
	json_t *l = parse(
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
		"\"name\":\"web\",\"namespace\":\"shop\",\"generation\":1,"
		"\"annotations\":{\"deployment.kubernetes.io/revision\":\"1\"},"
		"\"managedFields\":[{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		"\"manager\":\"argocd-controller\",\"operation\":\"Apply\","
		"\"time\":\"2026-11-20T09:00:00Z\",\"fieldsV1\":{\"f:spec\":{"
		"\"f:replicas\":{},\"f:selector\":{},\"f:template\":{\"f:metadata\":{"
		"\"f:labels\":{\"f:app\":{}}},\"f:spec\":{\"f:containers\":{"
		"\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},\"f:env\":{"
		"\"k:{\\\"name\\\":\\\"A\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}},"
		"\"k:{\\\"name\\\":\\\"B\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}}},"
		"\"f:image\":{},\"f:name\":{}}}}}}}},"
		"{\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\","
		"\"manager\":\"kube-controller-manager\",\"operation\":\"Update\","
		"\"subresource\":\"status\",\"time\":\"2026-11-20T09:00:05Z\","
		"\"fieldsV1\":{\"f:status\":{\"f:replicas\":{}}}}]},"
		"\"spec\":{\"replicas\":2,\"revisionHistoryLimit\":10,"
		"\"progressDeadlineSeconds\":600,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
		"\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
		"\"maxSurge\":\"25%\",\"maxUnavailable\":\"25%\"}},"
		"\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
		"\"containers\":[{\"name\":\"web\",\"image\":\"web:1\","
		"\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],"
		"\"terminationMessagePath\":\"/dev/termination-log\","
		"\"imagePullPolicy\":\"IfNotPresent\"}],"
		"\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\"}}},"
		"\"status\":{\"replicas\":2}}");
	kd_diff_opts opts = defaults();
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	res = diff(d, l, &opts);
	f = only_field(res);
	assert_string_equal(f->path, "/spec/template/spec/containers/0/env/1");
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	expect_json(f->live, "{\"name\":\"B\",\"value\":\"2\"}");
	assert_string_equal(f->manager, "argocd-controller");
	assert_true(f->removed_from_git);
	kd_diff_result_free(res);
	/* Git has B again: the defaults alone are no drift */
	set(d, "/spec/template/spec/containers/0/env/1", "{\"name\":\"B\",\"value\":\"2\"}");
	expect_synced(d, l, &opts);
	json_decref(d);
	json_decref(l);
}

/* Secret data removed from Git: drift, and masked like every Secret value. */
static void test_secret_key_removed_from_git(void **state)
{
	json_t *d = parse(
		"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":\"Opaque\","
		"\"metadata\":{\"name\":\"creds\",\"namespace\":\"shop\"},"
		"\"stringData\":{\"user\":\"app\"}}");
	json_t *l = parse(
		"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":\"Opaque\",\"metadata\":{"
		"\"name\":\"creds\",\"namespace\":\"shop\","
		"\"managedFields\":[{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
		"\"manager\":\"kustomize-controller\",\"operation\":\"Apply\","
		"\"time\":\"2026-11-20T09:00:00Z\",\"fieldsV1\":{\"f:data\":{"
		"\"f:user\":{},\"f:password\":{}},\"f:type\":{}}}]},"
		"\"data\":{\"user\":\"YXBw\",\"password\":\"aHVudGVyMg==\"}}");
	kd_diff_opts opts = defaults();
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	res = diff(d, l, &opts);
	f = only_field(res);
	assert_string_equal(f->path, "/data/password");
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_true(f->removed_from_git);
	assert_true(json_is_string(f->live));
	assert_int_equal(strncmp(json_string_value(f->live), "<masked:", 8), 0);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* The tracking labels the applier stamps are its own, never Git's. */
static void test_tool_metadata_is_not_from_git(void **state)
{
	json_t *d = parse(cm_desired), *l = cm_live("kustomize-controller", "Apply");
	kd_diff_opts opts = defaults();

	(void)state;
	set(d, "/data/key3", "\"three\"");
	expect_synced(d, l, &opts);
	json_decref(d);
	json_decref(l);
}

/* A field added by hand is drift too, but Git never had it; one in
 * kubectl's last-applied was removed from Git (rule 2). */
static void test_hand_added_and_last_applied(void **state)
{
	json_t *d = parse(cm_desired), *l = cm_live("kustomize-controller", "Apply");
	kd_diff_opts opts = defaults();
	kd_diff_result *res;

	(void)state;
	set(l, "/data/debug", "\"on\"");
	add_manager(l, "{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
		    "\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-21T10:00:00Z\",\"fieldsV1\":{\"f:data\":{\"f:debug\":{}}}}");
	res = diff(d, l, &opts);
	assert_int_equal(res->nfields, 2);
	assert_non_null(field_at(res, "/data/key3"));
	assert_true(field_at(res, "/data/key3")->removed_from_git);
	assert_non_null(field_at(res, "/data/debug"));
	assert_string_equal(field_at(res, "/data/debug")->manager, "kubectl-edit");
	assert_false(field_at(res, "/data/debug")->removed_from_git);
	kd_diff_result_free(res);
	json_decref(l);

	/* client-side apply: last-applied held key3 */
	l = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
		  "\"name\":\"settings\",\"namespace\":\"shop\",\"annotations\":{"
		  "\"kubectl.kubernetes.io/last-applied-configuration\":"
		  "\"{\\\"apiVersion\\\":\\\"v1\\\",\\\"data\\\":{\\\"key1\\\":\\\"one\\\","
		  "\\\"key2\\\":\\\"two\\\",\\\"key3\\\":\\\"three\\\"},\\\"kind\\\":\\\"ConfigMap\\\","
		  "\\\"metadata\\\":{\\\"annotations\\\":{},\\\"name\\\":\\\"settings\\\","
		  "\\\"namespace\\\":\\\"shop\\\"}}\\n\"}},"
		  "\"data\":{\"key1\":\"one\",\"key2\":\"two\",\"key3\":\"three\"}}");
	res = diff(d, l, NULL);
	assert_string_equal(only_field(res)->path, "/data/key3");
	assert_true(only_field(res)->removed_from_git);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* What the faces print: the JSON says so only when it is so, and the
 * one-line description says what will happen. */
static void test_json_and_description(void **state)
{
	json_t *d = parse(cm_desired), *l = cm_live("kustomize-controller", "Apply");
	kd_diff_opts opts = defaults();
	kd_buf text = KD_BUF_INIT;
	kd_diff_result *res;
	json_t *doc = NULL;

	(void)state;
	res = diff(d, l, &opts);
	assert_int_equal(kd_diff_result_json(&doc, res), 0);
	expect_json(doc, "{\"status\":\"drifted\",\"fields\":[{"
		    "\"path\":\"/data/key3\",\"livePath\":\"/data/key3\","
		    "\"change\":\"added\",\"live\":\"three\","
		    "\"manager\":\"kustomize-controller\",\"operation\":\"Apply\","
		    "\"time\":\"2026-11-20T09:00:00Z\",\"neverConverges\":false,"
		    "\"removedFromGit\":true}]}");
	assert_int_equal(kd_diff_field_describe(&text, only_field(res)), 0);
	assert_string_equal(kd_buf_cstr(&text),
			    "/data/key3 added by kustomize-controller (Apply, 2026-11-20T09:00:00Z)"
			    " [removed from Git: the next apply deletes it]");
	kd_buf_free(&text);
	json_decref(doc);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_removed_from_git),
		cmocka_unit_test(test_which_appliers_count),
		cmocka_unit_test(test_update_entries_do_not_count),
		cmocka_unit_test(test_defaults_stay_defaults),
		cmocka_unit_test(test_secret_key_removed_from_git),
		cmocka_unit_test(test_tool_metadata_is_not_from_git),
		cmocka_unit_test(test_hand_added_and_last_applied),
		cmocka_unit_test(test_json_and_description),
	};

	return cmocka_run_group_tests_name("diff_appliers", tests, NULL, NULL);
}
