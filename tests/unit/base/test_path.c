/*
 * Tests for core/base/path.c: the repository-root rule every read goes through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

static void expect_norm(const char *in, const char *want)
{
	char *out = NULL;

	assert_int_equal(kd_path_normalize(&out, in), 0);
	assert_string_equal(out, want);
	free(out);
}

static void expect_escape(const char *in)
{
	char *out = NULL;

	assert_int_equal(kd_path_normalize(&out, in), KD_EPATH);
	assert_null(out);
	assert_non_null(strstr(kd_error_last(), in));
}

static void test_normalize_collapses(void **state)
{
	(void)state;
	expect_norm("a/b/c.yaml", "a/b/c.yaml");
	expect_norm("./a//b/./c/", "a/b/c");
	expect_norm("a/b/../c", "a/c");
	expect_norm("a/..", "");
	expect_norm("", "");
	expect_norm(".", "");
	expect_norm("a/...", "a/...");
	expect_norm("a/..b", "a/..b");
}

static void test_normalize_refuses_escapes(void **state)
{
	(void)state;
	expect_escape("..");
	expect_escape("../etc/passwd");
	expect_escape("a/../../b");
	expect_escape("/etc/passwd");
	expect_escape("a/./../..");
}

static void test_join(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(kd_path_join(&out, "apps/x", "../base"), 0);
	assert_string_equal(out, "apps/base");
	free(out);
	assert_int_equal(kd_path_join(&out, "", "base/a.yaml"), 0);
	assert_string_equal(out, "base/a.yaml");
	free(out);
	assert_int_equal(kd_path_join(&out, "apps", "../../x"), KD_EPATH);
	assert_int_equal(kd_path_join(&out, "apps", "/x"), KD_EPATH);
}

static void test_dirname_basename(void **state)
{
	char *d;

	(void)state;
	d = kd_path_dirname("a/b/c.yaml");
	assert_string_equal(d, "a/b");
	free(d);
	d = kd_path_dirname("c.yaml");
	assert_string_equal(d, "");
	free(d);
	assert_string_equal(kd_path_basename("a/b/c.yaml"), "c.yaml");
	assert_true(kd_path_is_manifest("x.yml"));
	assert_true(kd_path_is_manifest("x.json"));
	assert_false(kd_path_is_manifest("x.yaml.bak"));
	assert_false(kd_path_is_manifest("README.md"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_collapses),
		cmocka_unit_test(test_normalize_refuses_escapes),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_dirname_basename),
	};

	return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
