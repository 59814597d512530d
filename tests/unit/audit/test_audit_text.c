/*
 * Tests for core/audit/audit_text.c: a record as a person reads it.  What
 * a reader relies on: the headline names action, object and cluster; the
 * change is shown as path: value lines; null and absent fields are left
 * out (no "null" anywhere); the one-line form carries what, why and who.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "base/base.h"
#include "data/data.h"

static const char scale_json[] =
	"{\"seq\":3,\"prev\":\"ab\",\"id\":\"0003-cafe\",\"time\":\"2026-12-05T22:00:00Z\","
	"\"user\":\"olga\",\"host\":\"ops1\",\"mode\":\"break-glass\",\"session\":\"s-1\","
	"\"reason\":\"checkout outage\",\"ticket\":\"INC-4711\",\"cluster\":\"delta\","
	"\"object\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"shop\","
	"\"name\":\"web\",\"uid\":null},\"action\":\"scale\",\"phase\":\"outcome\",\"intent\":\"0002-beef\","
	"\"patch\":{\"spec\":{\"replicas\":3},\"metadata\":{\"resourceVersion\":\"10\",\"annotations\":{\"x\":null}}},"
	"\"resourceVersion\":{\"before\":\"10\",\"after\":\"11\"},"
	"\"outcome\":{\"status\":\"success\",\"message\":null}}";

static const char bare_json[] =
	"{\"seq\":1,\"id\":\"0001-aaaa\",\"time\":\"2026-12-05T21:00:00Z\",\"mode\":\"normal\","
	"\"action\":\"break-glass-start\",\"phase\":\"intent\",\"cluster\":null,\"object\":null,"
	"\"patch\":null,\"resourceVersion\":{\"before\":null,\"after\":null},\"outcome\":null,"
	"\"reason\":null,\"ticket\":null,\"user\":\"olga\",\"host\":null}";

static kd_audit_record record_of(const char *text)
{
	kd_audit_record r;
	json_error_t err;

	memset(&r, 0, sizeof(r));
	r.json = json_loads(text, 0, &err);
	assert_non_null(r.json);
	r.id = kd_json_str(r.json, "id");
	r.time = kd_json_str(r.json, "time");
	r.mode = kd_json_str(r.json, "mode");
	r.phase = kd_json_str(r.json, "phase");
	r.action = kd_json_str(r.json, "action");
	r.cluster = kd_json_str(r.json, "cluster");
	r.intent_id = kd_json_str(r.json, "intent");
	return r;
}

static void test_text_is_readable(void **state)
{
	kd_audit_record r = record_of(scale_json);
	kd_buf b = KD_BUF_INIT;
	const char *t;

	(void)state;
	assert_int_equal(kd_audit_record_text(&b, &r), 0);
	t = kd_buf_cstr(&b);
	assert_memory_equal(t, "scale Deployment shop/web on delta\n", 35);
	assert_non_null(strstr(t, "mode       break-glass, outcome: success\n"));
	assert_non_null(strstr(t, "who        olga on ops1\n"));
	assert_non_null(strstr(t, "reason     checkout outage\n"));
	assert_non_null(strstr(t, "ticket     INC-4711\n"));
	assert_non_null(strstr(t, "version    10 -> 11\n"));
	assert_non_null(strstr(t, "change\n  spec.replicas: 3\n"));
	assert_non_null(strstr(t, "  metadata.annotations.x: (removed)\n"));
	assert_null(strstr(t, "null"));
	assert_null(strstr(t, "{"));
	assert_null(strstr(t, "message"));
	assert_null(strstr(t, "resourceVersion"));
	kd_buf_free(&b);
	json_decref(r.json);
}

static void test_nulls_are_left_out(void **state)
{
	kd_audit_record r = record_of(bare_json);
	kd_buf b = KD_BUF_INIT;
	const char *t;

	(void)state;
	assert_int_equal(kd_audit_record_text(&b, &r), 0);
	t = kd_buf_cstr(&b);
	assert_memory_equal(t, "break-glass-start\n", 18);
	assert_null(strstr(t, "null"));
	assert_null(strstr(t, "version"));
	assert_null(strstr(t, "change"));
	assert_null(strstr(t, "reason"));
	assert_non_null(strstr(t, "who        olga\n"));
	kd_buf_free(&b);
	json_decref(r.json);
}

static void test_line_says_what_why_who(void **state)
{
	kd_audit_record r = record_of(scale_json);
	kd_buf b = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_audit_record_line(&b, &r), 0);
	assert_string_equal(kd_buf_cstr(&b),
			    "scale Deployment shop/web on delta: spec.replicas: 3, "
			    "metadata.annotations.x: (removed) · checkout outage [INC-4711] · olga · "
			    "2026-12-05T22:00:00Z");
	kd_buf_free(&b);
	json_decref(r.json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_is_readable),
		cmocka_unit_test(test_nulls_are_left_out),
		cmocka_unit_test(test_line_says_what_why_who),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
