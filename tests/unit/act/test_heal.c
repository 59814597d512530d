/*
 * Tests for core/act/heal.c on alert clusters (no cluster needed): drift is
 * reported as new once, again when it changes, not again when it stays;
 * the state file is private; a failed webhook keeps the drift new for the
 * next run; the summary is Slack-compatible; an unknown cluster is reported,
 * not fatal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "diff/diff.h"
#include "base/base.h"
#include "fleet/fleet.h"
#include "act/act.h"
#include "engine/engine.h"

static const char fleet_text[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
	"clusters:\n  - name: prod\n    labels: {env: production}\n"
	"  - name: gone\n    labels: {env: production}\n"
	"apps:\n  - name: shop\n    path: apps/shop\n"
	"policy:\n  - clusters: {matchLabels: {env: production}}\n    remediation: alert\n";

struct fx {
	char dir[64];
	char path[128];
	kd_fleet *fleet;
	kd_store *store;
};

static json_t *cm(const char *level)
{
	json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1",
			      "kind", "ConfigMap", "metadata", "name", "web-config",
			      "namespace", "shop", "data", "LOG_LEVEL", level);

	assert_non_null(j);
	return j;
}

/* Publishes prod with web-config drifted to `level` (synced when "info"),
 * and gone as unreachable. */
static void publish(struct fx *f, const char *level)
{
	kd_cluster_state *st = kd_cluster_state_new("prod"), *gone = kd_cluster_state_new("gone");
	kd_app_state *app = kd_cluster_state_add_app(st, "shop");
	kd_resource *r = kd_app_state_add_resource(app, "v1", "ConfigMap", "shop", "web-config");

	r->desired = cm("info");
	r->live = cm(level);
	assert_int_equal(kd_diff_objects(&r->diff, r->desired, r->live, NULL), 0);
	r->status = r->diff->nfields ? KD_STATUS_DRIFTED : KD_STATUS_SYNCED;
	st->reachable = true;
	kd_store_publish(f->store, 0, st);
	gone->reason = strdup("cluster gone: connection refused");
	kd_store_publish(f->store, 1, gone);
}

static int setup(void **state)
{
	static const char *const names[] = { "prod", "gone" };
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kd-heal.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/state/kdrift/heal.json", f->dir);
	if (kd_fleet_parse(&f->fleet, fleet_text, sizeof(fleet_text) - 1, "kdrift.yaml") < 0 ||
	    kd_store_new(&f->store, names, 2) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	kd_store_free(f->store);
	kd_fleet_free(f->fleet);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static kd_heal_report *run(struct fx *f, const char *webhook)
{
	kd_heal_opts o = { .state_path = f->path, .webhook = webhook, .revision = "abc123" };
	kd_heal_report *r = NULL;

	assert_int_equal(kd_heal_run(&r, f->store, f->fleet, &o), 0);
	assert_non_null(r);
	assert_int_equal(r->nclusters, 2);
	return r;
}

static void test_new_once_then_again_when_changed(void **state)
{
	struct fx *f = *state;
	kd_heal_report *r;
	struct stat sb;

	publish(f, "debug");
	r = run(f, NULL);
	assert_int_equal(r->new_alerts, 1);
	assert_int_equal(r->clusters[0].nalerts, 1);
	assert_true(r->clusters[0].alerts[0].is_new);
	assert_string_equal(r->clusters[0].alerts[0].name, "web-config");
	assert_int_equal(r->clusters[0].alerts[0].nfields, 1);
	/* The unreachable cluster is reported, and nothing else fails. */
	assert_int_not_equal(r->clusters[1].error, 0);
	assert_non_null(strstr(r->clusters[1].message, "connection refused"));
	kd_heal_report_free(r);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	r = run(f, NULL);
	assert_int_equal(r->new_alerts, 0);
	assert_false(r->clusters[0].alerts[0].is_new);
	kd_heal_report_free(r);

	publish(f, "trace");
	r = run(f, NULL);
	assert_int_equal(r->new_alerts, 1);
	kd_heal_report_free(r);

	publish(f, "info");
	r = run(f, NULL);
	assert_int_equal(r->new_alerts, 0);
	assert_int_equal(r->clusters[0].nalerts, 0);
	kd_heal_report_free(r);
	/* Synced in between: the same drift coming back is news again. */
	publish(f, "trace");
	r = run(f, NULL);
	assert_int_equal(r->new_alerts, 1);
	kd_heal_report_free(r);
}

static void test_failed_webhook_is_retried(void **state)
{
	struct fx *f = *state;
	kd_heal_report *r;

	publish(f, "debug");
	/* Nothing listens on port 1: the POST fails at once. */
	r = run(f, "http://127.0.0.1:1/hook");
	assert_int_equal(r->new_alerts, 1);
	assert_int_equal(r->webhooks_sent, 0);
	assert_non_null(r->webhook_error);
	assert_non_null(strstr(r->webhook_error, "webhook: POST failed"));
	assert_null(strstr(r->webhook_error, "127.0.0.1"));
	kd_heal_report_free(r);
	r = run(f, NULL);
	assert_int_equal(r->new_alerts, 1);
	kd_heal_report_free(r);
	publish(f, "trace");
	r = run(f, "file:///etc/passwd");
	assert_non_null(r->webhook_error);
	assert_non_null(strstr(r->webhook_error, "only http"));
	kd_heal_report_free(r);
}

static void test_summary(void **state)
{
	struct fx *f = *state;
	kd_heal_report *r;
	json_t *doc = NULL, *objs;
	const char *text;

	publish(f, "debug");
	r = run(f, NULL);
	assert_int_equal(kd_heal_summary(&doc, r, NULL, "abc123"), 0);
	text = json_string_value(json_object_get(doc, "text"));
	assert_non_null(text);
	assert_non_null(strstr(text, "kdrift: 1 new drifted object on 1 cluster (Git abc123)"));
	assert_non_null(strstr(text, "prod/shop ConfigMap shop/web-config drifted"));
	objs = json_object_get(json_object_get(doc, "kdrift"), "objects");
	assert_int_equal(json_array_size(objs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(objs, 0), "cluster")), "prod");
	json_decref(doc);
	assert_int_equal(kd_heal_summary(&doc, r, "gone", NULL), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "kdrift"), "new")), 0);
	json_decref(doc);
	kd_heal_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_once_then_again_when_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_webhook_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
