/*
 * Tests for core/act/act.c without a cluster: finding targets in a published
 * state, planning reverts at each scope (fields, object, app, cluster),
 * prune only when asked AND allowed by policy, states without objects
 * refused, and the connection rules (unknown cluster, break-glass changes
 * only on a break-glass connection).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "act/act.h"
#include "diff/diff.h"
#include "base/base.h"
#include "fleet/fleet.h"

static json_t *obj(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	assert_non_null(j);
	return j;
}

#define CM(name, level, feature, rv) \
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" name "\"," \
	"\"namespace\":\"shop\",\"uid\":\"uid-" name "\",\"resourceVersion\":\"" rv "\"," \
	"\"labels\":{\"kdrift.dev/app\":\"shop\"}},\"data\":{\"LOG_LEVEL\":\"" level "\"," \
	"\"FEATURE_X\":\"" feature "\"}}"

static void add(kd_app_state *app, const char *name, kd_status s, json_t *d, json_t *l)
{
	kd_resource *r = kd_app_state_add_resource(app, "v1", "ConfigMap", "shop", name);

	assert_non_null(r);
	r->status = s;
	r->desired = d;
	r->live = l;
	if (d && l)
		assert_int_equal(kd_diff_objects(&r->diff, d, l, NULL), 0);
	if (l) {
		r->uid = strdup(json_string_value(json_object_get(json_object_get(l, "metadata"), "uid")));
		r->resource_version = strdup(json_string_value(json_object_get(
			json_object_get(l, "metadata"), "resourceVersion")));
	}
}

/* One cluster, app shop: web-config drifted in two fields, stray extra,
 * same synced. */
static kd_cluster_state *state(bool prune)
{
	kd_cluster_state *st = kd_cluster_state_new("dev");
	kd_app_state *shop = kd_cluster_state_add_app(st, "shop");

	assert_non_null(shop);
	add(shop, "web-config", KD_STATUS_DRIFTED, obj(CM("web-config", "info", "off", "1")),
	    obj(CM("web-config", "debug", "on", "7")));
	add(shop, "stray", KD_STATUS_EXTRA, NULL, obj(CM("stray", "x", "y", "9")));
	add(shop, "same", KD_STATUS_SYNCED, obj(CM("same", "a", "b", "1")), obj(CM("same", "a", "b", "3")));
	st->reachable = true;
	st->prune = prune;
	return st;
}

static const kd_remedy_skip *skipped(const kd_remedy_plan *p, const char *what)
{
	size_t i;

	for (i = 0; i < p->nskipped; i++)
		if (strstr(p->skipped[i].what, what))
			return &p->skipped[i];
	return NULL;
}

static void test_find(void **unused)
{
	kd_cluster_state *st = state(false);
	const kd_app_state *app;
	const kd_resource *res;
	kd_act_target t = { .app = "shop", .kind = "configmap", .namespace = "shop", .name = "stray" };

	(void)unused;
	assert_int_equal(kd_act_find(&app, &res, st, &t), 0);
	assert_string_equal(app->name, "shop");
	assert_string_equal(res->name, "stray");
	t.name = "nothing";
	assert_int_equal(kd_act_find(&app, &res, st, &t), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "nothing"));
	assert_null(res);
	t.app = "site";
	assert_int_equal(kd_act_find(&app, &res, st, &t), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "no app 'site'"));
	kd_cluster_state_unref(st);
}

/* The API group is part of an object's identity: a kind and name that exist
 * in two groups are told apart by "Kind.group", never picked at random. */
static void test_find_by_group(void **unused)
{
	kd_cluster_state *st = state(false);
	kd_app_state *shop = &st->apps[0];
	const kd_app_state *app;
	const kd_resource *res;
	kd_act_target t = { .app = "shop", .kind = "configmap", .namespace = "shop", .name = "stray" };

	(void)unused;
	assert_non_null(kd_app_state_add_resource(shop, "example.com/v1", "ConfigMap", "shop", "stray"));
	assert_int_equal(kd_act_find(&app, &res, st, &t), KD_EINVAL);
	assert_null(res);
	assert_non_null(strstr(kd_error_last(), "in the groups core and example.com: name the "
			       "group, as in ConfigMap.example.com"));
	t.kind = "ConfigMap.example.com";
	assert_int_equal(kd_act_find(&app, &res, st, &t), 0);
	assert_string_equal(res->api_version, "example.com/v1");
	t.kind = "configmap.core";
	assert_int_equal(kd_act_find(&app, &res, st, &t), 0);
	assert_string_equal(res->api_version, "v1");
	t.kind = "ConfigMap.apps";
	assert_int_equal(kd_act_find(&app, &res, st, &t), KD_ENOTFOUND);
	/* one group only: the kind alone is enough, as before */
	t.kind = "ConfigMap";
	t.name = "same";
	assert_int_equal(kd_act_find(&app, &res, st, &t), 0);
	assert_string_equal(res->name, "same");
	kd_cluster_state_unref(st);
}

static void test_plan_fields_and_object(void **unused)
{
	kd_cluster_state *st = state(true);
	const char *ptrs[] = { "/data/LOG_LEVEL" };
	kd_act_target t = { .app = "shop", .kind = "ConfigMap", .namespace = "shop",
			    .name = "web-config", .pointers = ptrs, .npointers = 1 };
	kd_remedy_plan *p = NULL;
	kd_buf b = KD_BUF_INIT;

	(void)unused;
	assert_int_equal(kd_act_plan_revert(&p, st, &t, false, false), 0);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].nfields, 1);
	assert_string_equal(p->actions[0].resource_version, "7");
	assert_int_equal(kd_act_preview(&b, p), 0);
	assert_non_null(strstr(kd_buf_cstr(&b), "LOG_LEVEL: info"));
	assert_null(strstr(kd_buf_cstr(&b), "FEATURE_X"));
	kd_remedy_plan_free(p);
	ptrs[0] = "/data/NOPE";
	assert_int_equal(kd_act_plan_revert(&p, st, &t, false, false), KD_ENOTFOUND);
	assert_null(p);
	t.npointers = 0;
	assert_int_equal(kd_act_plan_revert(&p, st, &t, false, false), 0);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].nfields, 2);
	kd_remedy_plan_free(p);
	kd_buf_free(&b);
	kd_cluster_state_unref(st);
}

/* Extra objects are pruned only when asked AND the policy allows it; each
 * refusal says which of the two was missing. */
static void test_prune_needs_both(void **unused)
{
	kd_act_target t = { .app = "shop" };
	kd_cluster_state *allowed = state(true), *forbidden = state(false);
	kd_remedy_plan *p = NULL;

	(void)unused;
	assert_int_equal(kd_act_plan_revert(&p, forbidden, &t, true, false), 0);
	assert_int_equal(p->nactions, 1);
	assert_non_null(skipped(p, "stray"));
	assert_non_null(strstr(skipped(p, "stray")->reason, "prune is off"));
	kd_remedy_plan_free(p);

	assert_int_equal(kd_act_plan_revert(&p, allowed, &t, false, false), 0);
	assert_int_equal(p->nactions, 1);
	assert_non_null(strstr(skipped(p, "stray")->reason, "not asked for"));
	kd_remedy_plan_free(p);

	assert_int_equal(kd_act_plan_revert(&p, allowed, NULL, true, false), 0);
	assert_int_equal(p->nactions, 2);
	assert_int_equal(p->actions[0].kind == KD_REMEDY_PRUNE || p->actions[1].kind == KD_REMEDY_PRUNE, 1);
	kd_remedy_plan_free(p);
	kd_cluster_state_unref(allowed);
	kd_cluster_state_unref(forbidden);
}

static void test_statuses_only_refused(void **unused)
{
	kd_cluster_state *st = kd_cluster_state_new("dev");
	kd_app_state *shop = kd_cluster_state_add_app(st, "shop");
	kd_resource *r = kd_app_state_add_resource(shop, "v1", "ConfigMap", "shop", "web-config");
	kd_remedy_plan *p = NULL;

	(void)unused;
	r->status = KD_STATUS_DRIFTED;
	assert_int_equal(kd_act_plan_revert(&p, st, NULL, false, false), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "statuses only"));
	assert_null(p);
	kd_cluster_state_unref(st);
}

static void test_connections(void **unused)
{
	static const char fleet_text[] =
		"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
		"clusters:\n  - name: dev\n"
		"apps:\n  - name: shop\n    path: apps/shop\n";
	static const char kc_text[] =
		"apiVersion: v1\nkind: Config\n"
		"clusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\n"
		"users:\n- name: u\n  user: {token: not-a-token}\n"
		"contexts:\n- name: dev\n  context: {cluster: c, user: u}\n";
	char kc[] = "/tmp/kd-act-kc.XXXXXX";
	kd_act_opts o = { 0 };
	kd_fleet *fleet = NULL;
	kd_breakglass_change ch = { .cluster = "dev" };
	kd_act *a = NULL;
	int fd = mkstemp(kc);

	(void)unused;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, kc_text, sizeof(kc_text) - 1), (ssize_t)sizeof(kc_text) - 1);
	close(fd);
	o.kubeconfig = kc;
	assert_int_equal(kd_fleet_parse(&fleet, fleet_text, sizeof(fleet_text) - 1, "kdrift.yaml"), 0);
	assert_int_equal(kd_act_open(&a, fleet, "prod", &o), KD_ENOTFOUND);
	assert_null(a);
	assert_int_equal(kd_act_open(&a, fleet, "dev", &o), 0);
	assert_string_equal(kd_act_cluster(a), "dev");
	assert_string_equal(kd_act_context(a), "dev");
	/* The cluster's own credential never carries break-glass changes. */
	assert_int_equal(kd_act_breakglass_apply(a, &ch, true), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "break-glass credential"));
	kd_act_close(a);
	/* The break-glass context (default "{{name}}-breakglass") is absent. */
	o.breakglass = true;
	assert_int_equal(kd_act_open(&a, fleet, "dev", &o), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "dev-breakglass"));
	assert_null(a);
	kd_act_close(NULL);
	kd_fleet_free(fleet);
	unlink(kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_by_group),
		cmocka_unit_test(test_plan_fields_and_object),
		cmocka_unit_test(test_prune_needs_both),
		cmocka_unit_test(test_statuses_only_refused),
		cmocka_unit_test(test_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
