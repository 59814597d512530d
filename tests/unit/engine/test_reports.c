/*
 * Tests for core/engine/state_json.c and engine_reports.c: check's JSON
 * read back into the same state, and DriftReports turned into cluster
 * states (missing, stale, malformed and foreign reports, agent-less
 * clusters, cut reports keeping their counts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/engine.h"
#include "data/data.h"

#define NOW ((time_t)1796500000)   /* 2026-12-05T19:46:40Z */

static kd_diff_field field(const char *path, kd_diff_change kind, json_t *desired, json_t *live,
			   const char *manager, const char *time)
{
	kd_diff_field f = { 0 };

	f.path = strdup(path);
	f.kind = kind;
	f.desired = desired;
	f.live = live;
	f.manager = strdup(manager);
	f.operation = time ? strdup("Update") : NULL;
	f.time = time ? strdup(time) : NULL;
	return f;
}

static kd_cluster_state *sample(void)
{
	kd_cluster_state *st = kd_cluster_state_new("prod");
	kd_app_state *web = kd_cluster_state_add_app(st, "web"), *broken;
	kd_resource *r;

	web->path = strdup("apps/web");
	r = kd_app_state_add_resource(web, "apps/v1", "Deployment", "web", "api");
	r->status = KD_STATUS_DRIFTED;
	r->hpa_managed = true;
	r->diff = calloc(1, sizeof(*r->diff));
	r->diff->status = KD_DIFF_DRIFTED;
	r->diff->fields = calloc(2, sizeof(*r->diff->fields));
	r->diff->fields[0] = field("/spec/template/spec/containers/0/image", KD_DIFF_CHANGED,
				   json_string("web:1"), json_string("web:2"), "kubectl-set",
				   "2026-12-05T10:00:00Z");
	r->diff->fields[1] = field("/spec/paused", KD_DIFF_ADDED, NULL, json_true(), "unknown", NULL);
	r->diff->fields[1].never_converges = true;
	r->diff->fields[1].removed_from_git = true;
	r->diff->nfields = 2;
	r = kd_app_state_add_resource(web, "v1", "ConfigMap", "web", "api-config");
	r->status = KD_STATUS_SYNCED;
	r->intentional = true;
	r = kd_app_state_add_resource(web, "rbac.authorization.k8s.io/v1", "ClusterRole", "", "reader");
	r->status = KD_STATUS_MISSING;
	r->reason = strdup("the cluster does not serve this kind");
	broken = kd_cluster_state_add_app(st, "broken");
	broken->reason = strdup("apps/broken: kustomization.yaml:3:1: unknown key");
	st->reachable = true;
	kd_cluster_state_finish(st);
	return st;
}

static void test_json_round_trip(void **state)
{
	kd_cluster_state *st = sample(), *back = kd_cluster_state_new("prod");
	json_t *a = NULL, *b = NULL, *c = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < st->napps; i++) {
		kd_app_state *app = kd_cluster_state_add_app(back, st->apps[i].name);

		assert_int_equal(kd_app_state_json(&a, &st->apps[i]), 0);
		assert_int_equal(kd_app_state_from_json(app, a), 0);
		json_decref(a);
	}
	back->reachable = true;
	kd_cluster_state_finish(back);
	/* the same JSON again: nothing was lost on the way */
	assert_int_equal(kd_cluster_state_json(&b, st, false), 0);
	assert_int_equal(kd_cluster_state_json(&c, back, false), 0);
	assert_true(json_equal(b, c));
	assert_int_equal(back->counts.n[KD_STATUS_DRIFTED], 1);
	assert_int_equal(back->apps[1].status, KD_STATUS_UNKNOWN);
	/* sorted: ClusterRole, ConfigMap, Deployment */
	assert_true(back->apps[0].resources[2].diff->fields[1].never_converges);
	assert_true(back->apps[0].resources[2].diff->fields[1].removed_from_git);
	assert_false(back->apps[0].resources[2].diff->fields[0].removed_from_git);
	assert_null(back->apps[0].resources[2].diff->fields[1].desired);
	assert_string_equal(back->apps[0].resources[2].diff->fields[0].time, "2026-12-05T10:00:00Z");
	assert_true(back->apps[0].resources[1].intentional);
	/* the shape check --output json prints */
	assert_string_equal(json_string_value(json_object_get(b, "status")), "unknown");
	assert_true(json_is_null(json_object_get(b, "reason")));
	a = json_array_get(json_object_get(json_array_get(json_object_get(b, "apps"), 0), "resources"), 2);
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "Deployment");
	assert_true(json_is_true(json_object_get(a, "hpaManaged")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(a, "diffs"), 0), "change")), "changed");
	assert_null(json_object_get(b, "fromReports"));
	json_decref(b);
	json_decref(c);
	kd_cluster_state_unref(st);
	kd_cluster_state_unref(back);
}

static void test_malformed_entries(void **state)
{
	kd_cluster_state *st = kd_cluster_state_new("c");
	kd_app_state *app = kd_cluster_state_add_app(st, "web");
	json_t *e;

	(void)state;
	e = json_loads("{\"resources\": [{\"kind\": \"ConfigMap\", \"name\": \"x\", \"status\": \"fine\"}]}", 0, NULL);
	assert_int_equal(kd_app_state_from_json(app, e), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "unknown status 'fine'"));
	json_decref(e);
	e = json_loads("{\"resources\": [{\"kind\": \"ConfigMap\", \"name\": \"x\", \"status\": \"drifted\","
		       " \"diffs\": [{\"path\": \"/a\", \"change\": \"moved\"}]}]}", 0, NULL);
	assert_int_equal(kd_app_state_from_json(app, e), KD_EINVAL);
	json_decref(e);
	e = json_loads("{\"resources\": 3}", 0, NULL);
	assert_int_equal(kd_app_state_from_json(app, e), KD_EINVAL);
	json_decref(e);
	kd_cluster_state_unref(st);
}

/* A report as the agent writes it, confirmed `age` seconds before NOW. */
static json_t *report(const char *cluster, const char *app, long age, long interval,
		      const kd_app_state *entry_of)
{
	json_t *entry = NULL, *r;
	char when[32];
	time_t t = NOW - age;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_int_equal(kd_app_state_json(&entry, entry_of), 0);
	json_object_set_new(entry, "time", json_string(when));
	json_object_set_new(entry, "revision", json_string("abc123"));
	json_object_set_new(entry, "intervalSeconds", json_integer(interval));
	r = json_pack("{s:s, s:{s:s}, s:{s:s, s:s}, s:o}", "kind", "DriftReport",
		      "metadata", "name", app, "spec", "cluster", cluster, "app", app,
		      "status", entry);
	assert_non_null(r);
	return r;
}

/* kd_cluster_state_from_reports over {"kind": "DriftReportList", "items": items}. */
static int from_items(kd_cluster_state **out, const char *cluster, const char *const *apps,
		      const json_t *items, const char *ns, time_t now, char **foreign)
{
	json_t *list = json_pack("{s:s, s:O}", "kind", "DriftReportList", "items", items);
	char *text = json_dumps(list, JSON_COMPACT);
	int rc = kd_cluster_state_from_reports(out, cluster, apps, text, strlen(text), ns, now,
					       foreign);

	free(text);
	json_decref(list);
	return rc;
}

static void test_state_from_reports(void **state)
{
	kd_cluster_state *src = sample(), *st = NULL;
	const char *apps[] = { "web", "broken", "extra-app", NULL };
	json_t *items = json_array();
	char *foreign = NULL;

	(void)state;
	json_array_append_new(items, report("prod", "web", 30, 300, &src->apps[0]));
	json_array_append_new(items, report("prod", "broken", 30, 300, &src->apps[1]));
	/* another cluster's report, and a report of an app the fleet does not have */
	json_array_append_new(items, report("staging", "extra-app", 30, 300, &src->apps[0]));
	json_array_append_new(items, report("prod", "gone", 30, 300, &src->apps[0]));
	assert_int_equal(from_items(&st, "prod", apps, items, NULL, NOW, &foreign), 0);
	assert_string_equal(foreign, "extra-app (written for cluster staging)");
	free(foreign);
	assert_true(st->from_reports);
	assert_true(st->reachable);
	assert_null(st->reason);
	assert_int_equal(st->napps, 3);
	assert_string_equal(st->revision, "abc123");
	assert_int_equal(st->synced_at, NOW - 30);
	assert_int_equal(st->apps[0].status, KD_STATUS_DRIFTED);
	assert_int_equal(st->apps[0].counts.n[KD_STATUS_MISSING], 1);
	assert_string_equal(st->apps[0].path, "apps/web");
	assert_null(st->apps[0].resources[0].desired);
	assert_int_equal(st->apps[1].status, KD_STATUS_UNKNOWN);
	assert_non_null(strstr(st->apps[1].reason, "unknown key"));
	/* the other cluster's report does not count for this one */
	assert_int_equal(st->apps[2].status, KD_STATUS_UNKNOWN);
	assert_non_null(strstr(st->apps[2].reason, "no DriftReport for this app"));
	assert_int_equal(st->status, KD_STATUS_UNKNOWN);
	kd_cluster_state_unref(st);
	json_decref(items);
	kd_cluster_state_unref(src);
}

static void test_stale_and_agentless(void **state)
{
	kd_cluster_state *src = sample(), *st = NULL;
	const char *apps[] = { "web", NULL };
	json_t *items = json_array(), *none = json_array();
	size_t i;

	(void)state;
	/* three intervals and a second: stale, whatever it said */
	json_array_append_new(items, report("prod", "web", 901, 300, &src->apps[0]));
	assert_int_equal(from_items(&st, "prod", apps, items, NULL, NOW, NULL), 0);
	assert_int_equal(st->apps[0].status, KD_STATUS_UNKNOWN);
	assert_string_equal(st->apps[0].reason,
			    "the agent's report is stale: last confirmed 15m ago, its interval is 5m");
	for (i = 0; i < st->apps[0].nresources; i++)
		assert_int_equal(st->apps[0].resources[i].status, KD_STATUS_UNKNOWN);
	/* its diffs stay, to show what it was */
	assert_non_null(st->apps[0].resources[2].diff);
	kd_cluster_state_unref(st);
	/* exactly three intervals: not yet */
	json_array_clear(items);
	json_array_append_new(items, report("prod", "web", 900, 300, &src->apps[0]));
	assert_int_equal(from_items(&st, "prod", apps, items, NULL, NOW, NULL), 0);
	assert_int_equal(st->apps[0].status, KD_STATUS_DRIFTED);
	kd_cluster_state_unref(st);
	/* no report at all: no agent */
	assert_int_equal(from_items(&st, "prod", apps, none, "ops", NOW, NULL), 0);
	assert_string_equal(st->reason, "no kdrift agent: no DriftReport for this cluster in namespace ops");
	assert_int_equal(st->status, KD_STATUS_UNKNOWN);
	assert_true(st->reachable);
	kd_cluster_state_unref(st);
	json_decref(items);
	json_decref(none);
	kd_cluster_state_unref(src);
}

static void test_broken_and_cut_reports(void **state)
{
	kd_cluster_state *src = sample(), *st = NULL;
	const char *apps[] = { "web", "other", NULL };
	json_t *items = json_array(), *r, *status;

	(void)state;
	/* a report whose agent cut resources: the counts are the agent's */
	r = report("prod", "web", 10, 300, &src->apps[0]);
	status = json_object_get(r, "status");
	json_array_remove(json_object_get(status, "resources"), 0);
	json_object_set_new(status, "resourcesCut", json_integer(1));
	json_object_set_new(status, "counts", json_pack("{s:i, s:i, s:i}", "synced", 40,
							 "drifted", 1, "missing", 1));
	json_array_append_new(items, r);
	/* a report without status yet, next to it */
	json_array_append_new(items, json_pack("{s:{s:s, s:s}}", "spec", "cluster", "prod", "app", "other"));
	assert_int_equal(from_items(&st, "prod", apps, items, NULL, NOW, NULL), 0);
	assert_int_equal(st->apps[0].counts.n[KD_STATUS_SYNCED], 40);
	assert_int_equal(st->apps[0].nresources, 2);
	assert_int_equal(st->counts.n[KD_STATUS_SYNCED], 40);
	assert_non_null(strstr(st->apps[1].reason, "no status yet"));
	kd_cluster_state_unref(st);
	/* a malformed one spoils its app only */
	json_array_clear(items);
	r = report("prod", "web", 10, 300, &src->apps[0]);
	json_object_set_new(json_array_get(json_object_get(json_object_get(r, "status"), "resources"), 0),
			    "status", json_string("sideways"));
	json_array_append_new(items, r);
	assert_int_equal(from_items(&st, "prod", apps, items, NULL, NOW, NULL), 0);
	assert_int_equal(st->apps[0].status, KD_STATUS_UNKNOWN);
	assert_non_null(strstr(st->apps[0].reason, "cannot be read"));
	kd_cluster_state_unref(st);
	/* not JSON at all, or not closed: an error naming where */
	static const char bad[] = "{\"items\": [{\"spec\": {\"cluster\": \"prod\"";
	assert_int_equal(kd_cluster_state_from_reports(&st, "prod", apps, bad, sizeof(bad) - 1,
						       NULL, NOW, NULL), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "malformed JSON at byte"));
	json_decref(items);
	kd_cluster_state_unref(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_malformed_entries),
		cmocka_unit_test(test_state_from_reports),
		cmocka_unit_test(test_stale_and_agentless),
		cmocka_unit_test(test_broken_and_cut_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
