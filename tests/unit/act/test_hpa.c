/*
 * Tests for core/act/hpa.c: which HPA scales an object (same namespace,
 * scaleTargetRef by kind, group and name), whether a patch sets replicas,
 * and the revert plan's warning for an object the engine found
 * HPA-managed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "act/act.h"
#include "base/base.h"
#include "diff/diff.h"
#include "engine/engine.h"

static json_t *deploy(const char *ns, const char *name, int replicas)
{
	json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i}}", "apiVersion", "apps/v1",
			      "kind", "Deployment", "metadata", "name", name, "namespace", ns,
			      "spec", "replicas", replicas);

	assert_non_null(j);
	return j;
}

static json_t *hpa(const char *ns, const char *name, const char *api, const char *kind,
		   const char *target)
{
	json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s, s:s, s:s}}}",
			      "apiVersion", "autoscaling/v2", "kind", "HorizontalPodAutoscaler",
			      "metadata", "name", name, "namespace", ns, "spec", "scaleTargetRef",
			      "apiVersion", api, "kind", kind, "name", target);

	assert_non_null(j);
	return j;
}

static void test_find(void **state)
{
	json_t *hpas = json_array(), *web = deploy("shop", "web", 2);
	json_t *other = deploy("site", "web", 2), *db = deploy("shop", "db", 1);
	char *name = NULL;

	(void)state;
	json_array_append_new(hpas, hpa("shop", "db-scaler", "apps/v1", "StatefulSet", "db"));
	json_array_append_new(hpas, hpa("shop", "web-scaler", "apps/v1", "Deployment", "web"));
	json_array_append_new(hpas, json_pack("{s:s, s:{s:s}}", "kind", "HorizontalPodAutoscaler",
					      "metadata", "name", "broken"));
	assert_int_equal(kd_act_hpa_find(&name, hpas, web), 0);
	assert_string_equal(name, "web-scaler");
	free(name);
	/* Another namespace, or the same name of another kind: not scaled. */
	assert_int_equal(kd_act_hpa_find(&name, hpas, other), 0);
	assert_null(name);
	assert_int_equal(kd_act_hpa_find(&name, hpas, db), 0);
	assert_null(name);
	json_decref(hpas);
	json_decref(web);
	json_decref(other);
	json_decref(db);
}

static void test_sets_replicas(void **state)
{
	json_t *p = json_pack("{s:{s:i}}", "spec", "replicas", 3);
	json_t *q = json_pack("{s:{s:{s:s}}}", "spec", "template", "x", "y");

	(void)state;
	assert_true(kd_act_sets_replicas(p));
	assert_false(kd_act_sets_replicas(q));
	assert_false(kd_act_sets_replicas(NULL));
	json_decref(p);
	json_decref(q);
}

static void plan_warning(kd_buf *out, bool hpa_managed)
{
	kd_cluster_state *st = kd_cluster_state_new("dev");
	kd_app_state *app = kd_cluster_state_add_app(st, "shop");
	kd_resource *r = kd_app_state_add_resource(app, "apps/v1", "Deployment", "shop", "web");
	kd_remedy_plan *plan = NULL;

	r->desired = deploy("shop", "web", 2);
	r->live = deploy("shop", "web", 5);
	assert_int_equal(kd_diff_objects(&r->diff, r->desired, r->live, NULL), 0);
	r->status = KD_STATUS_DRIFTED;
	r->hpa_managed = hpa_managed;
	st->reachable = true;
	assert_int_equal(kd_act_plan_revert(&plan, st, NULL, false, false), 0);
	assert_int_equal(plan->nactions, 1);
	assert_int_equal(kd_act_plan_hpa_warning(out, plan, st), 0);
	kd_remedy_plan_free(plan);
	kd_cluster_state_unref(st);
}

static void test_plan_warning(void **state)
{
	kd_buf w = KD_BUF_INIT;

	(void)state;
	plan_warning(&w, true);
	assert_string_equal(kd_buf_cstr(&w), "warning: a HorizontalPodAutoscaler scales Deployment "
			    "shop/web: it will set replicas back; to hold a count, change the HPA's "
			    "minReplicas/maxReplicas instead\n");
	kd_buf_clear(&w);
	plan_warning(&w, false);
	assert_int_equal(w.len, 0);
	kd_buf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_sets_replicas),
		cmocka_unit_test(test_plan_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
