/*
 * Tests for core/breakglass*.c against the API simulator (build/kubesim):
 * every kind of change (edit, scale through /scale, set image, restart,
 * delete) inside a session with the break-glass credential, each with its
 * audit intent before and outcome after and the kdrift.dev/break-glass
 * annotation on the object; no Secret value in the log; refusal outside a
 * session and after it expired; a conflict when the object changed since
 * the change was planned; the follow-up list when the session ends.
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
#include "act/act.h"
#include "fleet/fleet.h"
#include "data/data.h"
#include "kube/kube.h"

#include "sim_helpers.h"

static char state_file[128];

static int setup(void **state)
{
	(void)state;
	if (sim_setup("bglass") < 0)
		return -1;
	snprintf(state_file, sizeof(state_file), "%s/state/breakglass.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return sim_teardown();
}


static kd_breakglass_opts opts(void)
{
	kd_breakglass_opts o = { .state_path = state_file, .audit_path = audit_log };

	return o;
}

static json_t *deployment(const char *name)
{
	json_t *d = fixture("deployment-desired.json");

	json_object_set_new(kd_json_obj(d, "metadata"), "name", json_string(name));
	json_object_set_new(kd_json_obj(d, "metadata"), "namespace", json_string("default"));
	return d;
}

static const char fleet_yaml[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
	"clusters:\n  - name: a\n"
	"breakGlass: {context: \"{{name}}\", maxDuration: 1h}\n";

static const char fleet_default_yaml[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n  - name: a\n";
static const char fleet_nowhere_yaml[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n  - name: a\n"
	"breakGlass:\n  context: \"{{name}}-nowhere\"\n";

/* The break-glass connection; the fleet names context "a" (the simulator's
 * admin) as the cluster's break-glass credential. */
static kd_kube_conn *bg_conn(void)
{
	kd_fleet *f = NULL;
	kd_kube_conn *c = NULL;

	assert_int_equal(kd_fleet_parse(&f, fleet_yaml, strlen(fleet_yaml), "kdrift.yaml"), 0);
	if (kd_breakglass_conn_new(&c, drv, f, kd_fleet_cluster(f, "a"), kc) < 0)
		fail_msg("break-glass conn: %s", kd_error_last());
	kd_fleet_free(f);
	return c;
}

static void start_session(void)
{
	kd_breakglass_opts o = opts();
	kd_breakglass_session *s = NULL;

	if (kd_breakglass_start(&s, NULL, &o, "payments down", "INC-7", 600, 3600,
				kd_audit_now_ms()) < 0)
		fail_msg("start: %s", kd_error_last());
	kd_breakglass_session_free(s);
}

static void end_session(void)
{
	kd_breakglass_opts o = opts();
	kd_audit_list *open = NULL;

	assert_int_equal(kd_breakglass_end(&open, &o), 0);
	kd_audit_list_free(open);
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

/* The last two records: the intent (written first) and its outcome. */
static void expect_audited(const kd_breakglass_change *ch, const char *action,
			   const char *status)
{
	kd_audit_list *l = NULL;
	const kd_audit_record *in, *out;

	assert_int_equal(kd_audit_list_load(&l, audit_log, NULL), 0);
	assert_true(l->count >= 2);
	in = &l->items[l->count - 2];
	out = &l->items[l->count - 1];
	assert_string_equal(in->id, ch->audit_id);
	assert_string_equal(in->phase, "intent");
	assert_string_equal(in->mode, "break-glass");
	assert_string_equal(in->action, action);
	assert_true(in->seq + 1 == out->seq);
	assert_string_equal(out->phase, "outcome");
	assert_string_equal(out->intent_id, in->id);
	assert_string_equal(kd_json_str(json_object_get(out->json, "outcome"), "status"), status);
	assert_string_equal(kd_json_str(in->json, "reason"), "payments down");
	assert_string_equal(kd_json_str(in->json, "ticket"), "INC-7");
	assert_non_null(kd_json_str(in->json, "session"));
	assert_string_equal(kd_json_str(json_object_get(in->json, "resourceVersion"), "before"),
			    ch->resource_version);
	if (strcmp(status, "success") == 0 && ch->rv_after)
		assert_string_equal(kd_json_str(json_object_get(out->json, "resourceVersion"),
						"after"), ch->rv_after);
	kd_audit_list_free(l);
}

static void expect_marked(const json_t *live, const kd_breakglass_change *ch)
{
	const json_t *ann = kd_json_obj(kd_json_obj(live, "metadata"), "annotations");
	char *mf;

	assert_non_null(kd_json_str(ann, KD_BREAKGLASS_ANNOTATION));
	assert_string_equal(kd_json_str(ann, KD_BREAKGLASS_ANNOTATION), ch->audit_id);
	mf = json_dumps(json_object_get(kd_json_obj(live, "metadata"), "managedFields"),
			JSON_COMPACT);
	assert_non_null(strstr(mf, "\"manager\":\"kdrift-break-glass\""));
	free(mf);
}

static void test_refused_outside_a_session(void **state)
{
	json_t *d = deployment("outside"), *live;
	kd_breakglass_opts o = opts();
	kd_breakglass_change *ch = NULL;
	kd_kube_conn *c = bg_conn();
	size_t before;

	(void)state;
	kubectl_apply(d);
	live = get_live(d);
	assert_int_equal(kd_breakglass_plan_scale(&ch, "a", live, 9), 0);
	before = audit_count();
	assert_int_equal(kd_breakglass_apply(ch, c, &o, false), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "need an active session"));
	assert_int_equal(audit_count(), before);
	json_decref(live);
	live = get_live(d);
	assert_int_equal(json_integer_value(json_object_get(kd_json_obj(live, "spec"), "replicas")), 3);

	/* A session that started two hours ago for one hour is over. */
	{
		kd_breakglass_session *s = NULL;

		assert_int_equal(kd_breakglass_start(&s, NULL, &o, "old", NULL, 3600, 3600,
						     kd_audit_now_ms() - 7200 * 1000), 0);
		kd_breakglass_session_free(s);
		assert_int_equal(kd_breakglass_apply(ch, c, &o, false), KD_EINVAL);
		assert_non_null(strstr(kd_error_last(), "expired"));
		end_session();
	}
	kd_breakglass_change_free(ch);
	json_decref(live);
	json_decref(d);
	kd_kube_conn_free(c);
}

static void test_missing_breakglass_context(void **state)
{
	kd_fleet *f = NULL;
	kd_kube_conn *c = NULL;

	(void)state;
	/* The simulator's kubeconfig has NAME-breakglass contexts; name one it
	 * lacks. */
	assert_int_equal(kd_fleet_parse(&f, fleet_nowhere_yaml, strlen(fleet_nowhere_yaml),
					"kdrift.yaml"), 0);
	assert_int_equal(kd_breakglass_conn_new(&c, drv, f, kd_fleet_cluster(f, "a"), kc),
			 KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "no context 'a-nowhere'"));
	assert_null(c);
	kd_fleet_free(f);
}

static void test_edit_scale_image_restart_delete(void **state)
{
	json_t *d = deployment("hot"), *live, *edited, *v;
	kd_breakglass_opts o = opts();
	kd_breakglass_change *ch = NULL;
	kd_kube_conn *c = bg_conn();
	kd_audit_list *open = NULL;

	(void)state;
	kubectl_apply(d);
	start_session();

	/* edit */
	live = get_live(d);
	edited = json_deep_copy(live);
	assert_int_equal(kd_json_pointer_set(edited, "/spec/template/spec/containers/0/env/-",
					     parse("{\"name\":\"DEBUG\",\"value\":\"1\"}"), false), 0);
	assert_int_equal(kd_breakglass_plan_edit(&ch, "a", live, edited), 0);
	if (kd_breakglass_apply(ch, c, &o, false) < 0)
		fail_msg("edit: %s", kd_error_last());
	expect_audited(ch, "break-glass-edit", "success");
	json_decref(live);
	live = get_live(d);
	expect_marked(live, ch);
	assert_int_equal(kd_json_pointer_get(&v, live, "/spec/template/spec/containers/0/env/2/name"), 0);
	assert_string_equal(json_string_value(v), "DEBUG");
	kd_breakglass_change_free(ch);
	json_decref(edited);

	/* scale, through /scale */
	assert_int_equal(kd_breakglass_plan_scale(&ch, "a", live, 6), 0);
	if (kd_breakglass_apply(ch, c, &o, false) < 0)
		fail_msg("scale: %s", kd_error_last());
	expect_audited(ch, "scale", "success");
	json_decref(live);
	live = get_live(d);
	assert_int_equal(json_integer_value(json_object_get(kd_json_obj(live, "spec"), "replicas")), 6);
	expect_marked(live, ch);
	kd_breakglass_change_free(ch);

	/* set image */
	assert_int_equal(kd_breakglass_plan_set_image(&ch, "a", live, "metrics", "exporter:9"), 0);
	if (kd_breakglass_apply(ch, c, &o, false) < 0)
		fail_msg("set image: %s", kd_error_last());
	expect_audited(ch, "set-image", "success");
	json_decref(live);
	live = get_live(d);
	assert_int_equal(kd_json_pointer_get(&v, live, "/spec/template/spec/containers/1/image"), 0);
	assert_string_equal(json_string_value(v), "exporter:9");
	expect_marked(live, ch);
	kd_breakglass_change_free(ch);

	/* restart */
	assert_int_equal(kd_breakglass_plan_restart(&ch, "a", live, kd_audit_now_ms()), 0);
	if (kd_breakglass_apply(ch, c, &o, false) < 0)
		fail_msg("restart: %s", kd_error_last());
	expect_audited(ch, "restart", "success");
	json_decref(live);
	live = get_live(d);
	assert_int_equal(kd_json_pointer_get(&v, live, "/spec/template/metadata/annotations/"
					     "kubectl.kubernetes.io~1restartedAt"), 0);
	expect_marked(live, ch);
	kd_breakglass_change_free(ch);

	/* conflict: planned on a version that is no longer current */
	assert_int_equal(kd_breakglass_plan_scale(&ch, "a", live, 2), 0);
	mutate("{\"action\":\"scale\",\"manager\":\"kubectl-scale\",\"apiVersion\":\"apps/v1\","
	       "\"kind\":\"Deployment\",\"namespace\":\"default\",\"name\":\"hot\",\"replicas\":4}");
	assert_int_equal(kd_breakglass_apply(ch, c, &o, false), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "changed since it was shown"));
	expect_audited(ch, "scale", "failure");
	kd_breakglass_change_free(ch);
	json_decref(live);
	live = get_live(d);
	assert_int_equal(json_integer_value(json_object_get(kd_json_obj(live, "spec"), "replicas")), 4);

	/* delete */
	assert_int_equal(kd_breakglass_plan_delete(&ch, "a", live), 0);
	if (kd_breakglass_apply(ch, c, &o, false) < 0)
		fail_msg("delete: %s", kd_error_last());
	expect_audited(ch, "delete", "success");
	assert_null(get_live(d));
	kd_breakglass_change_free(ch);

	/* Ending lists what was changed, for follow-up. */
	assert_int_equal(kd_breakglass_end(&open, &o), 0);
	assert_true(open->count >= 5);
	assert_string_equal(kd_json_str(json_object_get(open->items[open->count - 1].json,
							"object"), "name"), "hot");
	kd_audit_list_free(open);
	json_decref(live);
	json_decref(d);
	kd_kube_conn_free(c);
}

static void test_secret_edit_logs_no_value(void **state)
{
	json_t *d = parse("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":"
			  "{\"name\":\"api-key\",\"namespace\":\"default\"},"
			  "\"data\":{\"key\":\"b2xkLWtleQ==\"}}");
	json_t *live, *edited;
	kd_breakglass_opts o = opts();
	kd_breakglass_change *ch = NULL;
	kd_kube_conn *c = bg_conn();
	kd_buf log = KD_BUF_INIT;

	(void)state;
	kubectl_apply(d);
	start_session();
	live = get_live(d);
	edited = json_deep_copy(live);
	assert_int_equal(kd_json_pointer_set(edited, "/data/key",
					     json_string("bmV3LWtleS12YWx1ZQ=="), false), 0);
	assert_int_equal(kd_breakglass_plan_edit(&ch, "a", live, edited), 0);
	assert_null(strstr(ch->preview, "bmV3LWtleS12YWx1ZQ=="));
	if (kd_breakglass_apply(ch, c, &o, false) < 0)
		fail_msg("edit: %s", kd_error_last());
	json_decref(live);
	live = get_live(d);
	assert_string_equal(kd_json_str(kd_json_obj(live, "data"), "key"), "bmV3LWtleS12YWx1ZQ==");
	expect_marked(live, ch);
	assert_int_equal(kd_buf_read_file(&log, audit_log, 0), 0);
	assert_null(strstr(kd_buf_cstr(&log), "bmV3LWtleS12YWx1ZQ=="));
	assert_null(strstr(kd_buf_cstr(&log), "new-key-value"));
	assert_null(strstr(kd_buf_cstr(&log), "b2xkLWtleQ=="));
	kd_buf_free(&log);
	end_session();
	kd_breakglass_change_free(ch);
	json_decref(live);
	json_decref(edited);
	json_decref(d);
	kd_kube_conn_free(c);
}

/* Self-heal leaves a break-glass change alone; an operator's revert is its
 * follow-up: synced again, marker gone, no longer on the open list. */
static void test_follow_up_by_revert(void **state)
{
	json_t *d = deployment("followup"), *live, *edited;
	kd_breakglass_opts o = opts();
	kd_breakglass_change *ch = NULL;
	kd_kube_conn *c = bg_conn();
	kd_remedy_plan_opts heal = { .self_heal = true };
	kd_remedy_exec_opts ro = { .audit_path = audit_log };
	kd_remedy_plan *plan = NULL;
	kd_audit_list *open = NULL;
	kd_diff_result *res = NULL;
	kd_resource r;
	size_t i;
	bool listed = false;

	(void)state;
	kubectl_apply(d);
	start_session();
	live = get_live(d);
	edited = json_deep_copy(live);
	assert_int_equal(kd_json_pointer_set(edited, "/spec/template/spec/containers/0/image",
					     json_string("nginx:emergency"), false), 0);
	assert_int_equal(kd_breakglass_plan_edit(&ch, "a", live, edited), 0);
	if (kd_breakglass_apply(ch, c, &o, false) < 0)
		fail_msg("edit: %s", kd_error_last());
	end_session();
	json_decref(live);
	live = get_live(d);

	memset(&r, 0, sizeof(r));
	assert_int_equal(kd_diff_objects(&res, d, live, NULL), 0);
	/* The image, attributed to break-glass (the diff may also report the
	 * marker annotation when Git has no annotations at all). */
	for (i = 0; i < res->nfields; i++)
		if (strcmp(res->fields[i].path, "/spec/template/spec/containers/0/image") == 0)
			listed = strcmp(res->fields[i].manager, "kdrift-break-glass") == 0;
	assert_true(listed);
	listed = false;
	r.api_version = "apps/v1";
	r.kind = "Deployment";
	r.namespace = "default";
	r.name = "followup";
	r.status = KD_STATUS_DRIFTED;
	r.desired = d;
	r.live = live;
	r.diff = res;
	r.resource_version = (char *)kd_json_str(kd_json_obj(live, "metadata"), "resourceVersion");
	assert_int_equal(kd_remedy_plan_new(&plan, "a"), 0);
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &r, &heal), 0);
	assert_int_equal(plan->nactions, 0);
	assert_non_null(strstr(plan->skipped[0].reason, "break-glass"));
	assert_int_equal(kd_remedy_plan_object(plan, NULL, &r, NULL), 0);
	assert_int_equal(plan->nactions, 1);
	if (kd_remedy_execute(plan, ca, &ro) < 0)
		fail_msg("revert: %s", kd_error_last());
	json_decref(live);
	live = get_live(d);
	assert_null(kd_json_str(kd_json_obj(kd_json_obj(live, "metadata"), "annotations"),
				KD_BREAKGLASS_ANNOTATION));
	assert_int_equal(kd_diff_status_of(d, live, NULL), KD_DIFF_SYNCED);
	assert_int_equal(kd_audit_open_breakglass(&open, audit_log), 0);
	for (i = 0; i < open->count; i++)
		if (strcmp(kd_json_str(json_object_get(open->items[i].json, "object"), "name"),
			   "followup") == 0)
			listed = true;
	assert_false(listed);
	kd_audit_list_free(open);
	kd_remedy_plan_free(plan);
	kd_diff_result_free(res);
	kd_breakglass_change_free(ch);
	json_decref(edited);
	json_decref(live);
	json_decref(d);
	kd_kube_conn_free(c);
}

/* The kinds a break-glass change can name: built-in ones and the custom
 * resources the cluster's discovery lists, by kind or plural in any case,
 * with the group when two groups serve the same kind. */
static void test_resolve_kind(void **state)
{
	static const char crd[] =
		"{\"action\":\"create\",\"manager\":\"kubectl\",\"object\":{"
		"\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
		"\"metadata\":{\"name\":\"widgets.%s\"},\"spec\":{\"group\":\"%s\","
		"\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\","
		"\"kind\":\"Widget\"},\"versions\":[{\"name\":\"v1\",\"served\":true,"
		"\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
		"\"x-kubernetes-preserve-unknown-fields\":true}}}]}}}";
	static const struct { const char *text, *api, *kind; } ok[] = {
		{ "Widget.example.com", "example.com/v1", "Widget" },
		{ "widgets.other.example.com", "other.example.com/v1", "Widget" },
		{ "WIDGET.Example.Com", "example.com/v1", "Widget" },
		{ "Deployment", "apps/v1", "Deployment" },
		{ "deployments.apps", "apps/v1", "Deployment" },
		{ "ConfigMap.core", "v1", "ConfigMap" },
		{ "configmaps", "v1", "ConfigMap" },
	};
	kd_act_opts ao = { 0 };
	char step[1024], path[128];
	char *api = NULL, *kind = NULL;
	kd_fleet *f = NULL;
	kd_act *a = NULL;
	size_t i;

	(void)state;
	snprintf(step, sizeof(step), crd, "example.com", "example.com");
	mutate(step);
	snprintf(step, sizeof(step), crd, "other.example.com", "other.example.com");
	mutate(step);
	snprintf(path, sizeof(path), "%s/kubeconfig", dir);
	ao.kubeconfig = path;
	assert_int_equal(kd_fleet_parse(&f, fleet_default_yaml, strlen(fleet_default_yaml),
					"kdrift.yaml"), 0);
	if (kd_act_open(&a, f, "a", &ao) < 0)
		fail_msg("open: %s", kd_error_last());
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (kd_act_resolve_kind(&api, &kind, a, ok[i].text) < 0)
			fail_msg("%s: %s", ok[i].text, kd_error_last());
		assert_string_equal(api, ok[i].api);
		assert_string_equal(kind, ok[i].kind);
		free(api);
		free(kind);
	}
	assert_int_equal(kd_act_resolve_kind(&api, &kind, a, "Widget"), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "two groups"));
	assert_int_equal(kd_act_resolve_kind(&api, &kind, a, "Gizmo"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "does not serve the kind 'Gizmo'"));
	assert_int_equal(kd_act_resolve_kind(&api, &kind, a, "Widget.nowhere.example"), KD_ENOTFOUND);
	assert_int_equal(kd_act_resolve_kind(&api, &kind, a, "Widget."), KD_EINVAL);
	assert_int_equal(kd_act_resolve_kind(&api, &kind, a, ""), KD_EINVAL);
	assert_null(api);
	assert_null(kind);
	kd_act_close(a);
	kd_fleet_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_outside_a_session),
		cmocka_unit_test(test_missing_breakglass_context),
		cmocka_unit_test(test_edit_scale_image_restart_delete),
		cmocka_unit_test(test_secret_edit_logs_no_value),
		cmocka_unit_test(test_follow_up_by_revert),
		cmocka_unit_test(test_resolve_kind),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
