/*
 * Tests for the network-free parts of core/kube: API paths and query
 * strings, Status decoding into messages, the backoff schedule with
 * injected randomness, the token bucket with an injected clock, and the
 * watch stream's line splitter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "kube/kube.h"

static void path_is(const kd_kube_ref *ref, const char *expected)
{
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_kube_path(&b, ref), 0);
	assert_string_equal(kd_buf_cstr(&b), expected);
	kd_buf_free(&b);
}

static void test_paths(void **state)
{
	kd_kube_ref pods = { .version = "v1", .resource = "pods", .namespace = "shop" };
	kd_kube_ref deploy = { .group = "apps", .version = "v1", .resource = "deployments",
			       .namespace = "shop", .name = "web", .subresource = "scale" };
	kd_kube_ref nodes = { .group = "", .version = "v1", .resource = "nodes", .name = "n1" };
	kd_kube_ref all = { .group = "apps", .version = "v1", .resource = "deployments" };
	kd_kube_ref odd = { .version = "v1", .resource = "configmaps", .namespace = "a b",
			    .name = "x/../y?z" };

	(void)state;
	path_is(&pods, "/api/v1/namespaces/shop/pods");
	path_is(&deploy, "/apis/apps/v1/namespaces/shop/deployments/web/scale");
	path_is(&nodes, "/api/v1/nodes/n1");
	path_is(&all, "/apis/apps/v1/deployments");
	/* A name can never add path segments or a query. */
	path_is(&odd, "/api/v1/namespaces/a%20b/configmaps/x%2F..%2Fy%3Fz");
}

static void test_path_errors(void **state)
{
	kd_kube_ref nover = { .resource = "pods" };
	kd_kube_ref empty = { .version = "v1", .resource = "pods", .name = "" };
	kd_buf b = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_kube_path(&b, &nover), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "version"));
	assert_int_equal(kd_kube_path(&b, &empty), KD_EINVAL);
	kd_buf_free(&b);
}

static void test_query(void **state)
{
	kd_buf q = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_kube_query_add(&q, "labelSelector", "app=web,tier in (a,b)"), 0);
	assert_int_equal(kd_kube_query_add(&q, "continue", "abc=="), 0);
	assert_string_equal(kd_buf_cstr(&q),
			    "labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&continue=abc%3D%3D");
	kd_buf_free(&q);
}

static void test_describe(void **state)
{
	kd_kube_ref r = { .group = "apps", .version = "v1", .resource = "deployments",
			  .namespace = "shop", .name = "web" };
	kd_buf b = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_kube_ref_describe(&b, &r), 0);
	assert_string_equal(kd_buf_cstr(&b), "deployments.apps web in namespace shop");
	kd_buf_free(&b);
}

static void test_status_decoding(void **state)
{
	json_t *st = json_loads(
		"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
		"\"message\":\"Deployment.apps \\\"web\\\" is invalid\",\"reason\":\"Invalid\","
		"\"details\":{\"name\":\"web\",\"causes\":[{\"reason\":\"FieldValueRequired\","
		"\"message\":\"Required value\",\"field\":\"spec.selector\"}]},\"code\":422}",
		0, NULL);
	const char *reason = NULL;
	kd_buf msg = KD_BUF_INIT;

	(void)state;
	assert_non_null(st);
	assert_int_equal(kd_kube_status_error(&msg, &reason, 422, st, "prod-eu",
					      "deployments.apps web in namespace shop"),
			 KD_EINVAL);
	assert_string_equal(reason, "Invalid");
	assert_string_equal(kd_buf_cstr(&msg),
			    "cluster prod-eu: deployments.apps web in namespace shop: "
			    "Deployment.apps \"web\" is invalid; spec.selector: Required value "
			    "(Invalid, HTTP 422)");
	json_decref(st);
	kd_buf_free(&msg);
}

static void test_status_codes(void **state)
{
	json_t *conflict = json_pack("{s:s, s:s, s:s, s:i}", "kind", "Status", "reason",
				     "Conflict", "message", "the object has been modified",
				     "code", 409);
	json_t *watch_err = json_pack("{s:s, s:{s:s, s:s, s:s, s:i}}", "type", "ERROR",
				      "object", "kind", "Status", "reason", "Expired",
				      "message", "too old resource version", "code", 410);
	const char *reason = NULL;
	kd_buf msg = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_kube_status_error(&msg, &reason, 409, conflict, "c", "x"),
			 KD_ECONFLICT);
	assert_string_equal(reason, "Conflict");
	kd_buf_clear(&msg);
	/* No body: the HTTP status alone gives the reason. */
	assert_int_equal(kd_kube_status_error(&msg, &reason, 404, NULL, "c", "pods x"),
			 KD_ENOTFOUND);
	assert_string_equal(reason, "NotFound");
	assert_string_equal(kd_buf_cstr(&msg), "cluster c: pods x: NotFound (NotFound, HTTP 404)");
	kd_buf_clear(&msg);
	assert_int_equal(kd_kube_status_error(&msg, &reason, 403, NULL, "c", "x"), KD_ERROR);
	assert_string_equal(reason, "Forbidden");
	kd_buf_clear(&msg);
	/* A watch ERROR event carries its Status inside "object", code 410. */
	assert_int_equal(kd_kube_status_error(&msg, &reason, 0, watch_err, "c", "w"), KD_ERROR);
	assert_string_equal(reason, "Expired");
	assert_non_null(strstr(kd_buf_cstr(&msg), "HTTP 410"));
	json_decref(conflict);
	json_decref(watch_err);
	kd_buf_free(&msg);
}

static void test_backoff_schedule(void **state)
{
	(void)state;
	/* rnd 0 gives the lower half, rnd near 1 the full delay. */
	assert_int_equal(kd_kube_backoff_ms(0, 250, 8000, 0.0), 125);
	assert_int_equal(kd_kube_backoff_ms(1, 250, 8000, 0.0), 250);
	assert_int_equal(kd_kube_backoff_ms(2, 250, 8000, 0.0), 500);
	assert_int_equal(kd_kube_backoff_ms(0, 250, 8000, 0.5), 187);
	assert_in_range(kd_kube_backoff_ms(3, 250, 8000, 0.9999), 1999, 2000);
	/* Capped at max whatever the attempt. */
	assert_int_equal(kd_kube_backoff_ms(10, 250, 8000, 0.0), 4000);
	assert_int_equal(kd_kube_backoff_ms(60, 250, 8000, 0.0), 4000);
	assert_in_range(kd_kube_backoff_ms(60, 250, 8000, 0.9999), 7999, 8000);
}

static void test_bucket(void **state)
{
	kd_kube_bucket b;
	int i;

	(void)state;
	kd_kube_bucket_init(&b, 5, 10, 1000);
	/* A full burst goes at once... */
	for (i = 0; i < 10; i++)
		assert_int_equal(kd_kube_bucket_take(&b, 1000), 0);
	/* ...then one token every 200 ms at 5 QPS. */
	assert_in_range(kd_kube_bucket_take(&b, 1000), 199, 201);
	assert_in_range(kd_kube_bucket_take(&b, 1100), 99, 101);
	assert_int_equal(kd_kube_bucket_take(&b, 1200), 0);
	assert_true(kd_kube_bucket_take(&b, 1200) > 0);
	/* Idle time refills up to the burst, never beyond. */
	for (i = 0; i < 10; i++)
		assert_int_equal(kd_kube_bucket_take(&b, 100000), 0);
	assert_true(kd_kube_bucket_take(&b, 100000) > 0);
	/* qps <= 0 disables limiting. */
	kd_kube_bucket_init(&b, 0, 1, 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(kd_kube_bucket_take(&b, 0), 0);
}

struct lines {
	char got[8][64];
	int n;
};

static int collect(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;

	assert_true(l->n < 8 && len < 64);
	memcpy(l->got[l->n], line, len);
	l->got[l->n][len] = '\0';
	l->n++;
	return 0;
}

static void test_lines(void **state)
{
	kd_kube_lines ls = { KD_BUF_INIT, 0 };
	struct lines l = { .n = 0 };
	const char *stream = "{\"type\":\"ADDED\"}\r\n\n{\"type\":\"MOD";

	(void)state;
	assert_int_equal(kd_kube_lines_feed(&ls, stream, strlen(stream), collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.got[0], "{\"type\":\"ADDED\"}");
	/* A line split across chunks, one byte at a time. */
	assert_int_equal(kd_kube_lines_feed(&ls, "IF", 2, collect, &l), 0);
	assert_int_equal(kd_kube_lines_feed(&ls, "IED\"}", 5, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(kd_kube_lines_feed(&ls, "\n{}\n", 4, collect, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.got[1], "{\"type\":\"MODIFIED\"}");
	assert_string_equal(l.got[2], "{}");
	kd_kube_lines_free(&ls);
}

static int stop_at_second(void *ctx, const char *line, size_t len)
{
	int *n = ctx;

	(void)line;
	(void)len;
	return ++*n == 2 ? 7 : 0;
}

static void test_lines_limits(void **state)
{
	kd_kube_lines ls = { KD_BUF_INIT, 8 };
	int n = 0;

	(void)state;
	assert_int_equal(kd_kube_lines_feed(&ls, "12345", 5, stop_at_second, &n), 0);
	assert_int_equal(kd_kube_lines_feed(&ls, "67890", 5, stop_at_second, &n), KD_ELIMIT);
	kd_kube_lines_free(&ls);
	ls.max = 0;
	/* The handler's non-zero return stops the split and is passed on. */
	assert_int_equal(kd_kube_lines_feed(&ls, "a\nb\nc\n", 6, stop_at_second, &n), 7);
	assert_int_equal(n, 2);
	kd_kube_lines_free(&ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_path_errors),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_status_decoding),
		cmocka_unit_test(test_status_codes),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_lines_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
