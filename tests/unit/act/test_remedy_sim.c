/*
 * Tests for core/remedy*.c against the API simulator (build/kubesim):
 * objects are applied as `kubectl apply` would, drifted by the simulator's
 * control API as named managers (kubectl-scale, kubectl-set, ...), then
 * viewed (GET + diff), planned and reverted; a fresh diff must be synced
 * and the audit log must hold an intent and an outcome for every write.
 * Also: the 409 path (the object changes between view and revert), the
 * read-only context's 403, dry-run, create with tracking, prune with policy
 * and confirmation, custom resources, self-heal mode.
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

#include "audit/audit.h"
#include "base/base.h"
#include "diff/diff.h"
#include "data/data.h"
#include "kube/kube.h"
#include "act/act.h"

#include "sim_helpers.h"

static int setup(void **state)
{
	(void)state;
	return sim_setup("remedy");
}

static int teardown(void **state)
{
	(void)state;
	return sim_teardown();
}

/* What the operator sees: the live object, its diff and the resource. */
typedef struct view {
	json_t *live;
	kd_diff_result *diff;
	kd_resource res;
} view;

static void view_of(view *v, json_t *desired)
{
	const json_t *src;

	memset(v, 0, sizeof(*v));
	v->live = get_live(desired);
	src = v->live ? v->live : desired;
	v->res.api_version = (char *)kd_json_str(src, "apiVersion");
	v->res.kind = (char *)kd_json_str(src, "kind");
	v->res.namespace = (char *)kd_json_str(kd_json_obj(src, "metadata"), "namespace");
	v->res.name = (char *)kd_json_str(kd_json_obj(src, "metadata"), "name");
	v->res.desired = desired;
	v->res.live = v->live;
	if (!v->live) {
		v->res.status = KD_STATUS_MISSING;
		return;
	}
	v->res.uid = (char *)kd_json_str(kd_json_obj(v->live, "metadata"), "uid");
	v->res.resource_version = (char *)kd_json_str(kd_json_obj(v->live, "metadata"),
						      "resourceVersion");
	if (!desired) {
		v->res.status = KD_STATUS_EXTRA;
		return;
	}
	if (kd_diff_objects(&v->diff, desired, v->live, NULL) < 0)
		fail_msg("diff: %s", kd_error_last());
	v->res.diff = v->diff;
	v->res.status = v->diff->status == KD_DIFF_DRIFTED ? KD_STATUS_DRIFTED : KD_STATUS_SYNCED;
}

static void view_free(view *v)
{
	kd_diff_result_free(v->diff);
	json_decref(v->live);
}

static void expect_synced(json_t *desired)
{
	view v;
	size_t i;

	view_of(&v, desired);
	assert_non_null(v.live);
	if (v.res.status != KD_STATUS_SYNCED) {
		for (i = 0; i < v.diff->nfields; i++)
			print_error("still drifted: %s %s\n",
				    kd_diff_change_name(v.diff->fields[i].kind),
				    v.diff->fields[i].path);
		fail_msg("not synced after the revert");
	}
	view_free(&v);
}

static size_t audit_count(void)
{
	kd_audit_list *l = NULL;
	size_t n;

	assert_int_equal(kd_audit_list_load(&l, audit_log, NULL), 0);
	n = l->count;
	kd_audit_list_free(l);
	return n;
}

/* The last two audit records are the intent and outcome of one write. */
static void expect_audited(const char *action, const char *mode, const char *status,
			   const char *intent_id)
{
	kd_audit_list *l = NULL;
	const kd_audit_record *in, *out;

	assert_int_equal(kd_audit_list_load(&l, audit_log, NULL), 0);
	assert_true(l->count >= 2);
	in = &l->items[l->count - 2];
	out = &l->items[l->count - 1];
	assert_string_equal(in->phase, "intent");
	assert_string_equal(in->action, action);
	assert_string_equal(in->mode, mode);
	assert_string_equal(in->id, intent_id);
	assert_string_equal(out->phase, "outcome");
	assert_string_equal(out->intent_id, in->id);
	assert_string_equal(kd_json_str(json_object_get(out->json, "outcome"), "status"), status);
	assert_string_equal(in->cluster, "a");
	kd_audit_list_free(l);
}

static kd_remedy_exec_opts normal(void)
{
	kd_remedy_exec_opts o = { .audit_path = audit_log, .reason = "test" };

	return o;
}

static json_t *deployment(const char *name)
{
	json_t *d = fixture("deployment-desired.json");

	json_object_set_new(kd_json_obj(d, "metadata"), "name", json_string(name));
	json_object_set_new(kd_json_obj(d, "metadata"), "namespace", json_string("default"));
	return d;
}

static void test_revert_each_drift_kind(void **state)
{
	json_t *d = deployment("web");
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	json_t *live;
	char *mf;
	view v;

	(void)state;
	kubectl_apply(d);
	expect_synced(d);
	mutate("{\"action\":\"scale\",\"manager\":\"kubectl-scale\",\"apiVersion\":\"apps/v1\","
	       "\"kind\":\"Deployment\",\"namespace\":\"default\",\"name\":\"web\",\"replicas\":9}");
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-set\",\"patchType\":\"strategic\","
	       "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"default\","
	       "\"name\":\"web\",\"patch\":{\"spec\":{\"template\":{\"spec\":{\"containers\":"
	       "[{\"name\":\"web\",\"image\":\"nginx:hotfix\"}]}}}}}");
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-label\",\"patchType\":\"merge\","
	       "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"default\","
	       "\"name\":\"web\",\"patch\":{\"metadata\":{\"labels\":{\"tier\":null}}}}");
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-annotate\",\"patchType\":\"merge\","
	       "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"default\","
	       "\"name\":\"web\",\"patch\":{\"metadata\":{\"annotations\":{\"oncall\":\"bob\"}}}}");
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-edit\",\"patchType\":\"strategic\","
	       "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"default\","
	       "\"name\":\"web\",\"patch\":{\"spec\":{\"template\":{\"spec\":{\"containers\":"
	       "[{\"name\":\"web\",\"env\":[{\"name\":\"DEBUG\",\"value\":\"1\"}]}]}}}}}");

	view_of(&v, d);
	assert_int_equal(v.res.status, KD_STATUS_DRIFTED);
	assert_int_equal(v.diff->nfields, 5);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &v.res, NULL), 0);
	assert_int_equal(plan->nactions, 1);
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("revert: %s", kd_error_last());
	assert_int_equal(plan->actions[0].error, 0);
	assert_non_null(plan->actions[0].rv_after);
	assert_string_not_equal(plan->actions[0].rv_after, v.res.resource_version);
	expect_audited("revert", "normal", "success", plan->actions[0].audit_id);
	expect_synced(d);
	/* kdrift is now the manager of what it wrote. */
	live = get_live(d);
	mf = json_dumps(json_object_get(kd_json_obj(live, "metadata"), "managedFields"),
			JSON_COMPACT);
	assert_non_null(strstr(mf, "\"manager\":\"kdrift\""));
	free(mf);
	json_decref(live);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

/* The object changes between the operator's view and the revert: 409,
 * nothing overwritten, the failure logged. */
static void test_conflict_overwrites_nothing(void **state)
{
	json_t *d = deployment("conflict"), *live, *img;
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	view v;

	(void)state;
	kubectl_apply(d);
	mutate("{\"action\":\"scale\",\"manager\":\"kubectl-scale\",\"apiVersion\":\"apps/v1\","
	       "\"kind\":\"Deployment\",\"namespace\":\"default\",\"name\":\"conflict\",\"replicas\":4}");
	view_of(&v, d);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &v.res, NULL), 0);
	/* Someone else changes it while the preview is on screen. */
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-edit\",\"patchType\":\"strategic\","
	       "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"default\","
	       "\"name\":\"conflict\",\"patch\":{\"spec\":{\"template\":{\"spec\":{\"containers\":"
	       "[{\"name\":\"web\",\"image\":\"nginx:other\"}]}}}}}");
	assert_int_equal(kd_remedy_execute(plan, ca, &o), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "changed since it was shown; refresh and try again"));
	assert_non_null(strstr(kd_error_last(), "Deployment default/conflict"));
	assert_int_equal(plan->actions[0].error, KD_ECONFLICT);
	expect_audited("revert", "normal", "failure", plan->actions[0].audit_id);
	live = get_live(d);
	assert_int_equal(json_integer_value(json_object_get(kd_json_obj(live, "spec"), "replicas")), 4);
	assert_int_equal(kd_json_pointer_get(&img, live, "/spec/template/spec/containers/0/image"), 0);
	assert_string_equal(json_string_value(img), "nginx:other");
	json_decref(live);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

static void test_readonly_context_is_refused_clearly(void **state)
{
	json_t *d = deployment("ro"), *live;
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	view v;

	(void)state;
	kubectl_apply(d);
	mutate("{\"action\":\"scale\",\"manager\":\"kubectl-scale\",\"apiVersion\":\"apps/v1\","
	       "\"kind\":\"Deployment\",\"namespace\":\"default\",\"name\":\"ro\",\"replicas\":6}");
	view_of(&v, d);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &v.res, NULL), 0);
	assert_int_equal(kd_remedy_execute(plan, cro, &o), KD_ERROR);
	assert_non_null(strstr(kd_error_last(), "context a-readonly may not patch Deployment default/ro"));
	assert_non_null(strstr(kd_error_last(), "Forbidden"));
	expect_audited("revert", "normal", "failure", plan->actions[0].audit_id);
	live = get_live(d);
	assert_int_equal(json_integer_value(json_object_get(kd_json_obj(live, "spec"), "replicas")), 6);
	json_decref(live);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

static void test_dry_run_changes_and_logs_nothing(void **state)
{
	json_t *d = deployment("dry"), *live;
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	size_t before;
	view v;

	(void)state;
	kubectl_apply(d);
	mutate("{\"action\":\"scale\",\"manager\":\"kubectl-scale\",\"apiVersion\":\"apps/v1\","
	       "\"kind\":\"Deployment\",\"namespace\":\"default\",\"name\":\"dry\",\"replicas\":8}");
	view_of(&v, d);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &v.res, NULL), 0);
	before = audit_count();
	o.dry_run = true;
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("dry run: %s", kd_error_last());
	/* The server answered with what it would have stored. */
	assert_int_equal(json_integer_value(json_object_get(kd_json_obj(plan->actions[0].result,
									 "spec"), "replicas")), 3);
	assert_int_equal(audit_count(), before);
	live = get_live(d);
	assert_int_equal(json_integer_value(json_object_get(kd_json_obj(live, "spec"), "replicas")), 8);
	json_decref(live);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

static void test_secret_revert_logs_no_value(void **state)
{
	json_t *d = fixture("secret-desired.json");
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	kd_buf log = KD_BUF_INIT;
	view v;

	(void)state;
	json_object_set_new(kd_json_obj(d, "metadata"), "namespace", json_string("default"));
	kubectl_apply(d);
	expect_synced(d);
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-edit\",\"patchType\":\"merge\","
	       "\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"namespace\":\"default\","
	       "\"name\":\"db-credentials\",\"patch\":{\"data\":{\"password\":\"b3RoZXI=\","
	       "\"extra\":\"c3Rvd2F3YXk=\"}}}");
	view_of(&v, d);
	assert_int_equal(v.res.status, KD_STATUS_DRIFTED);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &v.res, NULL), 0);
	assert_null(strstr(plan->actions[0].preview, "aHVudGVyMg=="));
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("revert: %s", kd_error_last());
	expect_synced(d);
	assert_int_equal(kd_buf_read_file(&log, audit_log, 0), 0);
	assert_null(strstr(kd_buf_cstr(&log), "hunter2"));
	assert_null(strstr(kd_buf_cstr(&log), "aHVudGVyMg=="));
	assert_null(strstr(kd_buf_cstr(&log), "b3RoZXI="));
	assert_null(strstr(kd_buf_cstr(&log), "c3Rvd2F3YXk="));
	assert_non_null(strstr(kd_buf_cstr(&log), "\"password\":\"<masked>\""));
	kd_buf_free(&log);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

static void test_missing_object_is_created_tracked(void **state)
{
	json_t *d = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
			  "{\"name\":\"settings\",\"namespace\":\"default\"},"
			  "\"data\":{\"mode\":\"fast\"}}");
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	json_t *live;
	view v;

	(void)state;
	view_of(&v, d);
	assert_int_equal(v.res.status, KD_STATUS_MISSING);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &v.res, NULL), 0);
	assert_int_equal(plan->actions[0].kind, KD_REMEDY_CREATE);
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("create: %s", kd_error_last());
	expect_audited("create", "normal", "success", plan->actions[0].audit_id);
	live = get_live(d);
	assert_string_equal(kd_json_str(kd_json_obj(kd_json_obj(live, "metadata"), "labels"),
					KD_REMEDY_APP_LABEL), "shop");
	json_decref(live);
	expect_synced(d);
	/* Created meanwhile by someone else: a conflict, not a second object. */
	assert_int_equal(kd_remedy_execute(plan, ca, &o), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "already exists"));
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

static void test_extra_object_pruned_only_with_policy_and_confirmation(void **state)
{
	json_t *d = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
			  "{\"name\":\"leftover\",\"namespace\":\"default\","
			  "\"labels\":{\"kdrift.dev/app\":\"shop\"}},\"data\":{\"a\":\"b\"}}");
	kd_remedy_plan_opts prune = { .prune = true };
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	json_t *live;
	view v;

	(void)state;
	kubectl_apply(d);
	view_of(&v, d);
	v.res.desired = NULL;
	v.res.status = KD_STATUS_EXTRA;
	kd_diff_result_free(v.diff);
	v.diff = NULL;
	v.res.diff = NULL;

	/* Policy off: planned as skipped. */
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &v.res, NULL), 0);
	assert_int_equal(plan->nactions, 0);
	assert_int_equal(plan->nskipped, 1);
	kd_remedy_plan_free(plan);

	/* Policy on, not confirmed: refused, still there. */
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &v.res, &prune), 0);
	assert_int_equal(plan->nactions, 1);
	assert_int_equal(kd_remedy_execute(plan, ca, &o), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "needs confirmation"));
	live = get_live(d);
	assert_non_null(live);
	json_decref(live);

	/* Changed after it was shown: the preconditions keep it. */
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-edit\",\"patchType\":\"merge\","
	       "\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"namespace\":\"default\","
	       "\"name\":\"leftover\",\"patch\":{\"data\":{\"a\":\"c\"}}}");
	o.confirm_prune = true;
	assert_int_equal(kd_remedy_execute(plan, ca, &o), KD_ECONFLICT);
	expect_audited("prune", "normal", "failure", plan->actions[0].audit_id);
	live = get_live(d);
	assert_non_null(live);
	json_decref(live);
	kd_remedy_plan_free(plan);
	view_free(&v);

	/* Seen afresh and confirmed: deleted. */
	view_of(&v, d);
	v.res.desired = NULL;
	v.res.status = KD_STATUS_EXTRA;
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, "shop", &v.res, &prune), 0);
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("prune: %s", kd_error_last());
	expect_audited("prune", "normal", "success", plan->actions[0].audit_id);
	assert_null(get_live(d));
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

/* A custom resource: merge patch, lists replaced whole. */
static void test_custom_resource_revert(void **state)
{
	json_t *crd = parse("{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":"
			    "\"CustomResourceDefinition\",\"metadata\":{\"name\":"
			    "\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
			    "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\","
			    "\"singular\":\"widget\",\"kind\":\"Widget\"},\"versions\":"
			    "[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":"
			    "{\"openAPIV3Schema\":{\"type\":\"object\","
			    "\"x-kubernetes-preserve-unknown-fields\":true}}}]}}");
	json_t *d = parse("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":"
			  "{\"name\":\"w1\",\"namespace\":\"default\"},\"spec\":{\"size\":3,"
			  "\"parts\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}");
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	view v;

	(void)state;
	kubectl_apply(crd);
	kubectl_apply(d);
	mutate("{\"action\":\"patch\",\"manager\":\"kubectl-edit\",\"patchType\":\"merge\","
	       "\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"namespace\":\"default\","
	       "\"name\":\"w1\",\"patch\":{\"spec\":{\"size\":5,\"parts\":[{\"name\":\"a\"}]}}}");
	view_of(&v, d);
	assert_int_equal(v.res.status, KD_STATUS_DRIFTED);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &v.res, NULL), 0);
	assert_int_equal(plan->actions[0].patch_type, KD_KUBE_PATCH_MERGE);
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("revert: %s", kd_error_last());
	expect_synced(d);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
	json_decref(crd);
}

static void test_self_heal_mode(void **state)
{
	json_t *d = deployment("healed"), *live;
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	char *mf;
	view v;

	(void)state;
	kubectl_apply(d);
	mutate("{\"action\":\"scale\",\"manager\":\"kubectl-scale\",\"apiVersion\":\"apps/v1\","
	       "\"kind\":\"Deployment\",\"namespace\":\"default\",\"name\":\"healed\",\"replicas\":1}");
	view_of(&v, d);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &v.res, NULL), 0);
	o.self_heal = true;
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("self-heal: %s", kd_error_last());
	expect_audited("revert", "self-heal", "success", plan->actions[0].audit_id);
	expect_synced(d);
	live = get_live(d);
	mf = json_dumps(json_object_get(kd_json_obj(live, "metadata"), "managedFields"), JSON_COMPACT);
	assert_non_null(strstr(mf, "\"manager\":\"kdrift-self-heal\""));
	free(mf);
	json_decref(live);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

/* Runs kubectl against the simulator's cluster a; returns its output
 * (caller frees) or NULL when it failed. */
static char *kubectl(const char *args)
{
	kd_buf cmd = KD_BUF_INIT, out = KD_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	int status;

	kd_buf_printf(&cmd, "kubectl --kubeconfig %s/kubeconfig --cache-dir %s/cache "
		      "--context a --request-timeout=20s %s 2>&1", dir, dir, args);
	f = popen(kd_buf_cstr(&cmd), "r");
	kd_buf_free(&cmd);
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kd_buf_add(&out, chunk, n);
	status = pclose(f);
	if (status != 0) {
		print_error("kubectl %s: %s\n", args, kd_buf_cstr(&out));
		kd_buf_free(&out);
		return NULL;
	}
	if (!out.data)
		kd_buf_puts(&out, "");
	return kd_buf_detach(&out);
}

/* Git drops a label that `kubectl apply` once set; the revert removes it
 * and records the new desired object as kubectl's last-applied, so the
 * next `kubectl apply` of the same manifest has nothing to do. */
static void test_kubectl_apply_stays_consistent(void **state)
{
	json_t *d = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
			  "{\"name\":\"applied\",\"namespace\":\"default\",\"labels\":"
			  "{\"team\":\"shop\",\"tier\":\"web\"}},\"data\":{\"a\":\"1\"}}");
	kd_remedy_plan *plan = NULL;
	kd_remedy_exec_opts o = normal();
	char file[128], args[256], *out;
	view v;

	(void)state;
	if (system("kubectl version --client >/dev/null 2>&1") != 0)
		skip();
	snprintf(file, sizeof(file), "%s/applied.json", dir);
	assert_int_equal(json_dump_file(d, file, 0), 0);
	snprintf(args, sizeof(args), "apply -f %s", file);
	out = kubectl(args);
	assert_non_null(out);
	free(out);
	/* Git's new version drops the label. */
	json_object_del(kd_json_obj(kd_json_obj(d, "metadata"), "labels"), "tier");
	assert_int_equal(json_dump_file(d, file, 0), 0);
	view_of(&v, d);
	assert_int_equal(v.res.status, KD_STATUS_DRIFTED);
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &v.res, NULL), 0);
	if (kd_remedy_execute(plan, ca, &o) < 0)
		fail_msg("revert: %s", kd_error_last());
	expect_synced(d);
	out = kubectl(args);
	assert_non_null(out);
	if (!strstr(out, "configmap/applied unchanged"))
		fail_msg("kubectl apply after the revert: %s", out);
	free(out);
	kd_remedy_plan_free(plan);
	view_free(&v);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revert_each_drift_kind),
		cmocka_unit_test(test_conflict_overwrites_nothing),
		cmocka_unit_test(test_readonly_context_is_refused_clearly),
		cmocka_unit_test(test_dry_run_changes_and_logs_nothing),
		cmocka_unit_test(test_secret_revert_logs_no_value),
		cmocka_unit_test(test_missing_object_is_created_tracked),
		cmocka_unit_test(test_extra_object_pruned_only_with_policy_and_confirmation),
		cmocka_unit_test(test_custom_resource_revert),
		cmocka_unit_test(test_self_heal_mode),
		cmocka_unit_test(test_kubectl_apply_stays_consistent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
