/*
 * Tests for core/data/jscan.c: reading JSON in place — members and
 * elements, skipped values of every kind, decoded strings (escapes and
 * surrogate pairs), integers, values handed to jansson, and the first
 * syntax error sticking with its byte offset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data/data.h"

static void test_walk(void **state)
{
	static const char text[] =
		" {\"skip\": [1, -2.5e3, {\"a\": [true, false, null]}, \"x\\\"y\"], "
		"\"name\": \"caf\\u00e9 \\ud83d\\ude00 \\n\\t\\/\", \"n\": 42, \"ok\": true, "
		"\"v\": {\"k\": [1, 2]}, \"none\": null, \"e\": [], \"o\": {}} ";
	kd_jscan s;
	const char *k;
	size_t n;
	char *name = NULL, *none = (char *)"x";
	long long v = 0;
	bool ok = false;
	json_t *j = NULL;
	int members = 0;

	(void)state;
	kd_jscan_init(&s, text, sizeof(text) - 1);
	assert_int_equal(kd_jscan_peek(&s), '{');
	assert_true(kd_jscan_begin(&s, '{'));
	while (kd_jscan_member(&s, &k, &n)) {
		members++;
		if (kd_jscan_key_is(k, n, "name"))
			assert_int_equal(kd_jscan_string(&s, &name), 0);
		else if (kd_jscan_key_is(k, n, "n"))
			assert_int_equal(kd_jscan_int(&s, &v), 0);
		else if (kd_jscan_key_is(k, n, "ok"))
			assert_int_equal(kd_jscan_bool(&s, &ok), 0);
		else if (kd_jscan_key_is(k, n, "v"))
			assert_int_equal(kd_jscan_json(&s, &j), 0);
		else if (kd_jscan_key_is(k, n, "none"))
			assert_int_equal(kd_jscan_string(&s, &none), 0);
		else if (kd_jscan_key_is(k, n, "e")) {
			assert_true(kd_jscan_begin(&s, '['));
			assert_false(kd_jscan_element(&s));
		} else
			assert_int_equal(kd_jscan_skip(&s), 0);
	}
	assert_null(s.error);
	assert_int_equal(members, 8);
	assert_string_equal(name, "caf\xc3\xa9 \xf0\x9f\x98\x80 \n\t/");
	assert_int_equal(v, 42);
	assert_true(ok);
	assert_null(none);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "k"), 1)), 2);
	free(name);
	json_decref(j);
}

static void expect_error(const char *text, const char *why, size_t at)
{
	kd_jscan s;
	const char *k;
	size_t n;

	kd_jscan_init(&s, text, strlen(text));
	if (kd_jscan_begin(&s, '{'))
		while (kd_jscan_member(&s, &k, &n))
			if (kd_jscan_skip(&s) < 0)
				break;
	assert_non_null(s.error);
	assert_non_null(strstr(s.error, why));
	assert_int_equal(s.error_at, at);
	assert_int_equal(kd_jscan_error(&s, "list"), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "list: malformed JSON at byte"));
	/* the error sticks */
	assert_int_equal(kd_jscan_peek(&s), 0);
	assert_false(kd_jscan_member(&s, &k, &n));
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{\"a\": [1, 2,]}", "a value was expected", 12);
	expect_error("{\"a\": 1 \"b\": 2}", "',' or '}' was expected", 8);
	expect_error("{\"a\" 1}", "':' was expected", 5);
	expect_error("{\"a\": \"open", "unterminated", 6);
	expect_error("{\"a\": 01}", "',' or '}' was expected", 7);
	expect_error("{\"a\": tru}", "a value was expected", 6);
	expect_error("{\"a\": [1, 2}", "',' or ']' was expected", 11);
	expect_error("[1]", "an object was expected", 0);
}

static void test_bad_strings(void **state)
{
	static const char *const bad[] = {
		"\"\\ud800 lone\"", "\"\\x41\"", "\"\\u12g4\"", "\"\\u0000\"", "\"a\tb\"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kd_jscan s;
		char *out = NULL;

		kd_jscan_init(&s, bad[i], strlen(bad[i]));
		assert_int_equal(kd_jscan_string(&s, &out), KD_EINVAL);
		assert_null(out);
		assert_non_null(s.error);
	}
}

static void test_depth(void **state)
{
	char text[2100];
	kd_jscan s;

	(void)state;
	memset(text, '[', 1000);
	memset(text + 1000, ']', 1000);
	text[2000] = '\0';
	kd_jscan_init(&s, text, 2000);
	assert_int_equal(kd_jscan_skip(&s), KD_EINVAL);
	assert_string_equal(s.error, "nested too deeply");
}

/* A value handed to jansson may hold NUL (the API server accepts it in
 * strings); a string read as a C string may not. */
static void test_nul(void **state)
{
	static const char text[] = "{\"v\": \"a\\u0000b\", \"s\": \"a\\u0000b\"}";
	kd_jscan s;
	const char *k;
	size_t n;
	json_t *j = NULL;
	char *str = NULL;

	(void)state;
	kd_jscan_init(&s, text, sizeof(text) - 1);
	assert_true(kd_jscan_begin(&s, '{'));
	assert_true(kd_jscan_member(&s, &k, &n));
	assert_int_equal(kd_jscan_json(&s, &j), 0);
	assert_int_equal(json_string_length(j), 3);
	assert_memory_equal(json_string_value(j), "a\0b", 3);
	assert_true(kd_jscan_member(&s, &k, &n));
	assert_int_equal(kd_jscan_string(&s, &str), KD_EINVAL);
	assert_null(str);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
