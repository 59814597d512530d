/*
 * Tests for core/engine/store.c: status roll-up, snapshot lifetime across
 * publishes, the fleet published with the snapshots and freed with the
 * last one, the wake fd, the event log ring and idleness.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/engine.h"

static kd_cluster_state *sample_state(const char *name)
{
	kd_cluster_state *st = kd_cluster_state_new(name);
	kd_app_state *web, *mon;
	kd_resource *r;

	assert_non_null(st);
	web = kd_cluster_state_add_app(st, "web");
	assert_non_null(web);
	r = kd_app_state_add_resource(web, "apps/v1", "Deployment", "web", "api");
	r->status = KD_STATUS_DRIFTED;
	r = kd_app_state_add_resource(web, "v1", "ConfigMap", "web", "api-config");
	r->status = KD_STATUS_SYNCED;
	r = kd_app_state_add_resource(web, "v1", "Service", "web", "api");
	r->status = KD_STATUS_MISSING;
	mon = kd_cluster_state_add_app(st, "monitoring");
	r = kd_app_state_add_resource(mon, "v1", "Pod", "mon", "debug");
	r->status = KD_STATUS_EXTRA;
	kd_cluster_state_finish(st);
	return st;
}

static void test_rollup_worst_and_counts(void **state)
{
	kd_cluster_state *st = sample_state("prod-1");
	const kd_app_state *web;

	(void)state;
	web = kd_cluster_state_app(st, "web");
	assert_non_null(web);
	assert_int_equal(web->status, KD_STATUS_DRIFTED);
	assert_int_equal(web->counts.n[KD_STATUS_DRIFTED], 1);
	assert_int_equal(web->counts.n[KD_STATUS_MISSING], 1);
	assert_int_equal(web->counts.n[KD_STATUS_SYNCED], 1);
	/* sorted by kind, namespace, name */
	assert_string_equal(web->resources[0].kind, "ConfigMap");
	assert_string_equal(web->resources[1].kind, "Deployment");
	assert_int_equal(kd_cluster_state_app(st, "monitoring")->status, KD_STATUS_EXTRA);
	assert_int_equal(st->status, KD_STATUS_DRIFTED);
	assert_int_equal(st->counts.n[KD_STATUS_EXTRA], 1);
	assert_non_null(kd_app_state_resource(web, "Service", "web", "api"));
	assert_null(kd_app_state_resource(web, "Service", "other", "api"));

	/* a reason makes an app, and a cluster, unknown whatever its children */
	st->apps[1].reason = strdup("render failed");
	kd_cluster_state_finish(st);
	assert_int_equal(st->apps[1].status, KD_STATUS_UNKNOWN);
	assert_int_equal(st->status, KD_STATUS_UNKNOWN);
	kd_cluster_state_unref(st);
}

static void test_status_names_and_glyphs(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < KD_STATUS_COUNT; i++)
		assert_int_equal(kd_status_parse(kd_status_name(i)), i);
	assert_int_equal(kd_status_parse("breakglass"), KD_STATUS_BREAKGLASS);
	assert_int_equal(kd_status_parse("nope"), -1);
	assert_string_equal(kd_status_glyph(KD_STATUS_SYNCED, true), "=");
	assert_string_equal(kd_status_glyph(KD_STATUS_SYNCED, false), "\xe2\x9c\x93");
	assert_string_equal(kd_status_glyph(KD_STATUS_BREAKGLASS, true), "!");
	assert_string_equal(kd_status_glyph(KD_STATUS_UNKNOWN, false), "?");
}

static bool readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 1;
}

static void test_publish_keeps_readers_consistent(void **state)
{
	const char *names[] = { "a", "b" };
	kd_store *s = NULL;
	kd_cluster_state *held, *now;
	uint64_t v;

	(void)state;
	assert_int_equal(kd_store_new(&s, names, 2), 0);
	assert_int_equal(kd_store_cluster_index(s, "b"), 1);
	assert_int_equal(kd_store_cluster_index(s, "c"), -1);
	assert_null(kd_store_get(s, 0));
	assert_false(readable(kd_store_wake_fd(s)));
	v = kd_store_version(s);

	kd_store_publish(s, 0, sample_state("a"));
	assert_true(readable(kd_store_wake_fd(s)));
	kd_store_wake_drain(s);
	assert_false(readable(kd_store_wake_fd(s)));
	assert_true(kd_store_version(s) > v);

	held = kd_store_get(s, 0);
	assert_non_null(held);
	kd_store_publish(s, 0, kd_cluster_state_new("a"));
	now = kd_store_get(s, 0);
	/* the old snapshot stays whole for the reader that holds it */
	assert_int_equal(held->napps, 2);
	assert_string_equal(held->apps[0].resources[1].kind, "Deployment");
	assert_int_equal(now->napps, 0);
	assert_true(now->generation > held->generation);
	kd_cluster_state_unref(held);
	kd_cluster_state_unref(now);
	kd_store_free(s);
}

static kd_fleet *fleet_with(const char *env)
{
	char yaml[256];
	kd_fleet *f = NULL;

	snprintf(yaml, sizeof(yaml), "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
		 "clusters:\n  - {name: a, labels: {env: %s}}\n", env);
	assert_int_equal(kd_fleet_parse(&f, yaml, strlen(yaml), "kdrift.yaml"), 0);
	return f;
}

static const char *env_of(const kd_fleet *f)
{
	const kd_cluster *c = kd_fleet_cluster(f, "a");

	assert_non_null(c);
	return json_string_value(json_object_get(c->labels, "env"));
}

/* A fleet's parsed document is released exactly when the fleet is freed:
 * holding the document shows whether the fleet still exists without
 * touching its memory. */
static bool fleet_freed(const json_t *doc)
{
	return doc->refcount == 1;
}

/* The engine's part, played by hand: it loads a fleet, publishes it and
 * states under it, loads a new one on a new revision and drops its own
 * reference on the old one. */
static void test_fleet_lives_as_long_as_its_snapshots(void **state)
{
	const char *names[] = { "a" };
	kd_store *s = NULL;
	kd_fleet *engine_fleet, *old_fleet, *reader_fleet;
	kd_cluster_state *held, *now;
	json_t *old_doc, *second_doc;

	(void)state;
	assert_int_equal(kd_store_new(&s, names, 1), 0);
	assert_null(kd_store_fleet(s));

	engine_fleet = fleet_with("one");
	old_doc = json_incref(engine_fleet->doc);
	kd_store_set_fleet(s, engine_fleet);
	kd_store_publish(s, 0, sample_state("a"));
	held = kd_store_get(s, 0);
	assert_ptr_equal(held->fleet, engine_fleet);

	/* a new revision: a new fleet, the engine lets go of the old one */
	old_fleet = engine_fleet;
	engine_fleet = fleet_with("two");
	kd_store_set_fleet(s, engine_fleet);
	kd_fleet_free(old_fleet);
	kd_store_publish(s, 0, sample_state("a"));
	now = kd_store_get(s, 0);
	assert_ptr_equal(now->fleet, engine_fleet);
	reader_fleet = kd_store_fleet(s);
	assert_ptr_equal(reader_fleet, engine_fleet);
	kd_fleet_free(reader_fleet);

	/* the reader of the old snapshot still has the old fleet, whole */
	assert_false(fleet_freed(old_doc));
	assert_string_equal(env_of(held->fleet), "one");
	assert_string_equal(env_of(now->fleet), "two");
	kd_cluster_state_unref(held);
	assert_true(fleet_freed(old_doc));
	json_decref(old_doc);

	/* a reader holding the fleet itself keeps it past the next revision */
	reader_fleet = kd_store_fleet(s);
	second_doc = json_incref(reader_fleet->doc);
	old_fleet = engine_fleet;
	engine_fleet = fleet_with("three");
	kd_store_set_fleet(s, engine_fleet);
	kd_fleet_free(old_fleet);
	kd_store_publish(s, 0, sample_state("a"));
	kd_cluster_state_unref(now);
	assert_false(fleet_freed(second_doc));
	assert_string_equal(env_of(reader_fleet), "two");
	kd_fleet_free(reader_fleet);
	assert_true(fleet_freed(second_doc));
	json_decref(second_doc);

	kd_store_free(s);
	kd_fleet_free(engine_fleet);
}

/* A store without a fleet (a state file) publishes states without one. */
static void test_no_fleet(void **state)
{
	const char *names[] = { "a" };
	kd_store *s = NULL;
	kd_cluster_state *st;

	(void)state;
	assert_int_equal(kd_store_new(&s, names, 1), 0);
	kd_store_publish(s, 0, sample_state("a"));
	st = kd_store_get(s, 0);
	assert_null(st->fleet);
	assert_null(kd_store_fleet(s));
	kd_cluster_state_unref(st);
	kd_store_free(s);
}

static void test_log_ring(void **state)
{
	const char *names[] = { "a" };
	kd_store *s = NULL;
	kd_log_entry *e = NULL;
	size_t n, i;

	(void)state;
	assert_int_equal(kd_store_new(&s, names, 1), 0);
	kd_store_log(s, KD_LOG_ERROR, "a", "cannot reach %s", "https://x");
	kd_store_log(s, KD_LOG_INFO, NULL, "fetched %d commits", 2);
	n = kd_store_log_read(s, 0, &e);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].message, "cannot reach https://x");
	assert_string_equal(e[0].cluster, "a");
	assert_int_equal(e[0].level, KD_LOG_ERROR);
	assert_null(e[1].cluster);
	kd_store_log_free(e, n);
	n = kd_store_log_read(s, 1, &e);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].seq, 2);
	kd_store_log_free(e, n);

	for (i = 0; i < KD_STORE_LOG_MAX + 10; i++)
		kd_store_log(s, KD_LOG_INFO, NULL, "event %zu", i);
	n = kd_store_log_read(s, 0, &e);
	assert_int_equal(n, KD_STORE_LOG_MAX);
	assert_string_equal(e[n - 1].message, "event 2009");
	assert_int_equal(e[0].seq + KD_STORE_LOG_MAX - 1, e[n - 1].seq);
	kd_store_log_free(e, n);
	kd_store_free(s);
}

struct publisher {
	kd_store *s;
	int rounds;
};

static void *publish_loop(void *arg)
{
	struct publisher *p = arg;
	int i;

	for (i = 0; i < p->rounds; i++)
		kd_store_publish(p->s, 0, sample_state("a"));
	return NULL;
}

static void test_concurrent_publish_and_read(void **state)
{
	const char *names[] = { "a" };
	struct publisher p;
	pthread_t th;
	int i;

	(void)state;
	assert_int_equal(kd_store_new(&p.s, names, 1), 0);
	p.rounds = 2000;
	assert_int_equal(pthread_create(&th, NULL, publish_loop, &p), 0);
	for (i = 0; i < 2000; i++) {
		kd_cluster_state *st = kd_store_get(p.s, 0);

		if (st) {
			assert_int_equal(st->napps, 2);
			assert_int_equal(st->counts.n[KD_STATUS_DRIFTED], 1);
			kd_cluster_state_unref(st);
		}
	}
	pthread_join(th, NULL);
	kd_store_free(p.s);
}

static void test_busy_and_idle(void **state)
{
	const char *names[] = { "a" };
	kd_store *s = NULL;

	(void)state;
	assert_int_equal(kd_store_new(&s, names, 1), 0);
	assert_true(kd_store_idle(s));
	kd_store_busy(s, 2);
	assert_false(kd_store_idle(s));
	kd_store_busy(s, -1);
	assert_false(kd_store_idle(s));
	kd_store_busy(s, -1);
	assert_true(kd_store_idle(s));
	kd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollup_worst_and_counts),
		cmocka_unit_test(test_status_names_and_glyphs),
		cmocka_unit_test(test_publish_keeps_readers_consistent),
		cmocka_unit_test(test_fleet_lives_as_long_as_its_snapshots),
		cmocka_unit_test(test_no_fleet),
		cmocka_unit_test(test_log_ring),
		cmocka_unit_test(test_concurrent_publish_and_read),
		cmocka_unit_test(test_busy_and_idle),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
