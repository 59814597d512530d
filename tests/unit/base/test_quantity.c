/*
 * Tests for core/base/quantity.c: two spellings of one amount compare equal,
 * different amounts never do, and garbage is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

static void expect_canonical(const char *in, const char *want)
{
	kd_quantity q;
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_quantity_parse(&q, in, strlen(in)), 0);
	assert_int_equal(kd_quantity_format(&b, &q), 0);
	assert_string_equal(kd_buf_cstr(&b), want);
	kd_buf_free(&b);
}

static bool same(const char *a, const char *b)
{
	json_t *ja = json_string(a), *jb = json_string(b);
	bool eq = kd_quantity_json_equal(ja, jb);

	json_decref(ja);
	json_decref(jb);
	return eq;
}

static void test_canonical_forms(void **state)
{
	(void)state;
	expect_canonical("200m", "2e-1");
	expect_canonical("0.2", "2e-1");
	expect_canonical("1", "1");
	expect_canonical("1000m", "1");
	expect_canonical("1k", "1e3");
	expect_canonical("1e3", "1e3");
	expect_canonical("1E3", "1e3");
	expect_canonical("1Ki", "1024");
	expect_canonical("1Gi", "1073741824");
	expect_canonical("1Ei", "1152921504606846976");
	expect_canonical("0", "0");
	expect_canonical("0m", "0");
	expect_canonical("-0.5", "-5e-1");
	expect_canonical("+5", "5");
	expect_canonical(".5", "5e-1");
	expect_canonical("5.", "5");
	expect_canonical("0.000001", "1e-6");
	expect_canonical("1u", "1e-6");
	expect_canonical("2E", "2e18");
	expect_canonical("1.5Gi", "1610612736");
}

static void test_equal_spellings(void **state)
{
	(void)state;
	assert_true(same("0.2", "200m"));
	assert_true(same("1Gi", "1024Mi"));
	assert_true(same("1000m", "1"));
	assert_true(same("1e3", "1k"));
	assert_true(same("128974848", "123Mi"));
	assert_true(same("129e6", "129M"));
	assert_true(same("0.5Gi", "512Mi"));
	assert_false(same("1G", "1Gi"));
	assert_false(same("100m", "1"));
	assert_false(same("1Mi", "1M"));
	assert_false(same("-1", "1"));
}

static void test_numbers_from_yaml(void **state)
{
	json_t *real = json_real(0.2), *integer = json_integer(2);
	json_t *s1 = json_string("200m"), *s2 = json_string("2"), *s3 = json_string("2000m");

	(void)state;
	assert_true(kd_quantity_json_equal(real, s1));
	assert_true(kd_quantity_json_equal(integer, s2));
	assert_true(kd_quantity_json_equal(integer, s3));
	assert_false(kd_quantity_json_equal(real, s2));
	json_decref(real);
	json_decref(integer);
	json_decref(s1);
	json_decref(s2);
	json_decref(s3);
}

static void test_refuses_garbage(void **state)
{
	static const char *bad[] = { "", "m", "1x", "1Ki2", "abc", "1e", "1e+",
				     "1..2", "--1", "1 k", "1KI", "0x10" };
	kd_quantity q;
	size_t i;
	char many[200];
	json_t *t = json_true();

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kd_quantity_parse(&q, bad[i], strlen(bad[i])),
				 KD_EINVAL);
		assert_non_null(strstr(kd_error_last(), "not a quantity"));
	}
	memset(many, '7', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	assert_int_equal(kd_quantity_parse(&q, many, strlen(many)), KD_ELIMIT);
	assert_int_equal(kd_quantity_from_json(&q, t), KD_EINVAL);
	assert_false(same("abc", "abc"));
	json_decref(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_forms),
		cmocka_unit_test(test_equal_spellings),
		cmocka_unit_test(test_numbers_from_yaml),
		cmocka_unit_test(test_refuses_garbage),
	};

	return cmocka_run_group_tests_name("quantity", tests, NULL, NULL);
}
