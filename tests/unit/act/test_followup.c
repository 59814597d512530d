/*
 * Tests for core/act/followup.c: the fields a break-glass change set, read
 * from its audit record's patch, and the follow-up revert that touches only
 * those of them that still drift, leaving an older difference alone and
 * saying so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "act/act.h"
#include "audit/audit.h"
#include "base/base.h"
#include "diff/diff.h"
#include "engine/engine.h"

static void test_pointers(void **state)
{
	json_t *patch = json_loads("{\"metadata\": {\"resourceVersion\": \"7\", \"annotations\": "
				   "{\"kdrift.dev/break-glass\": \"x\", \"a/b\": \"c\"}}, "
				   "\"spec\": {\"replicas\": 6, \"template\": {\"spec\": {"
				   "\"containers\": [{\"name\": \"web\", \"image\": \"i\"}], "
				   "\"$setElementOrder/containers\": [{\"name\": \"web\"}]}}}}", 0, NULL);
	json_t *p = NULL;
	char *text;

	(void)state;
	assert_non_null(patch);
	assert_int_equal(kd_act_followup_pointers(&p, patch), 0);
	text = json_dumps(p, JSON_COMPACT);
	assert_string_equal(text, "[\"/metadata/annotations/a~1b\",\"/spec/replicas\","
			    "\"/spec/template/spec/containers\"]");
	free(text);
	json_decref(p);
	json_decref(patch);
}

static json_t *deploy(int replicas, const char *image)
{
	json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i, s:{s:{s:[{s:s, s:s}]}}}}",
			      "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", "web",
			      "namespace", "shop", "spec", "replicas", replicas, "template", "spec",
			      "containers", "name", "web", "image", image);

	assert_non_null(j);
	json_object_set_new(json_object_get(j, "metadata"), "resourceVersion", json_string("9"));
	return j;
}

static void test_plan(void **state)
{
	kd_cluster_state *st = kd_cluster_state_new("prod");
	kd_app_state *app = kd_cluster_state_add_app(st, "shop");
	kd_resource *r = kd_app_state_add_resource(app, "apps/v1", "Deployment", "shop", "web");
	kd_audit_list open = { 0 };
	kd_audit_record rec;
	kd_act_target t = { "shop", "Deployment", "shop", "web", NULL, 0 };
	kd_remedy_plan *plan = NULL;
	kd_buf note = KD_BUF_INIT;
	char *body;

	(void)state;
	r->desired = deploy(2, "web:1.0");
	/* An older hotfix (the image) and the break-glass scale (replicas). */
	r->live = deploy(6, "web:1.0-hotfix");
	json_object_set_new(json_object_get(r->live, "metadata"), "annotations",
			    json_pack("{s:s}", KD_REMEDY_BREAKGLASS_ANNOTATION, "x"));
	assert_int_equal(kd_diff_objects(&r->diff, r->desired, r->live, NULL), 0);
	assert_int_equal(r->diff->nfields, 2);
	r->status = KD_STATUS_DRIFTED;
	st->reachable = true;
	memset(&rec, 0, sizeof(rec));
	rec.json = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:{s:i}}}", "cluster", "prod",
			     "object", "apiVersion", "apps/v1", "kind", "Deployment", "namespace",
			     "shop", "name", "web", "patch", "spec", "replicas", 6);
	rec.cluster = "prod";
	rec.id = "20260101T000000000Z-00000000000000aa";
	open.items = &rec;
	open.count = 1;
	assert_int_equal(kd_act_plan_followup_revert(&plan, &note, st, &t, &open), 0);
	assert_int_equal(plan->nactions, 1);
	assert_int_equal(plan->actions[0].nfields, 1);
	body = json_dumps(json_object_get(plan->actions[0].body, "spec"), JSON_COMPACT);
	assert_string_equal(body, "{\"replicas\":2}");
	free(body);
	/* The follow-up: the mark goes too. */
	assert_true(json_is_null(json_object_get(json_object_get(json_object_get(
		plan->actions[0].body, "metadata"), "annotations"), KD_REMEDY_BREAKGLASS_ANNOTATION)));
	assert_non_null(strstr(kd_buf_cstr(&note), "only what break-glass changed (audit id "
			       "20260101T000000000Z-00000000000000aa): /spec/replicas"));
	assert_non_null(strstr(kd_buf_cstr(&note), "other drift (1 field) stays"));
	kd_remedy_plan_free(plan);
	kd_buf_clear(&note);
	/* Another cluster's record: nothing awaits follow-up here. */
	rec.cluster = "dev";
	assert_int_equal(kd_act_plan_followup_revert(&plan, &note, st, &t, &open), KD_ENOTFOUND);
	assert_null(plan);
	kd_buf_free(&note);
	json_decref(rec.json);
	kd_cluster_state_unref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
