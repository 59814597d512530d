/*
 * Tests for core/engine/store.c: status roll-up, snapshot lifetime across
 * publishes, the wake fd, the event log ring and idleness.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
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
		cmocka_unit_test(test_log_ring),
		cmocka_unit_test(test_concurrent_publish_and_read),
		cmocka_unit_test(test_busy_and_idle),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
