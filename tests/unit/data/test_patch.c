/*
 * Tests for core/data/patch.c: every example of RFC 7386 Appendix A and RFC 6902
 * Appendix A (tests/fixtures/patch/), kdrift's own edge cases, and the merge
 * diff that remediation uses to turn a live object back into its Git form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);

	if (!v)
		fail_msg("bad test JSON '%s': %s", text, err.text);
	return v;
}

static json_t *load_fixture(const char *name)
{
	const char *root = getenv("KDRIFT_ROOT");
	char path[4096];
	json_error_t err;
	json_t *v;

	snprintf(path, sizeof(path), "%s/tests/fixtures/patch/%s", root ? root : ".", name);
	v = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_array(v))
		fail_msg("cannot load %s: %s (line %d)", path, err.text, err.line);
	return v;
}

static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static void assert_json_equal_msg(const json_t *got, const json_t *want, const char *what)
{
	if (!kd_json_equal(got, want)) {
		char *g = dump(got), *w = dump(want);

		print_error("%s: got %s, want %s\n", what, g ? g : "(none)", w ? w : "(none)");
		free(g);
		free(w);
		fail();
	}
}

static void test_merge_rfc7386_appendix_a(void **state)
{
	json_t *cases = load_fixture("rfc7386.json"), *c;
	size_t i;

	(void)state;
	assert_int_equal(json_array_size(cases), 15);
	json_array_foreach(cases, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *target = json_object_get(c, "target");
		json_t *patch = json_object_get(c, "patch");
		json_t *before = json_deep_copy(target), *out = NULL;

		assert_int_equal(kd_patch_merge(&out, target, patch), 0);
		assert_json_equal_msg(out, json_object_get(c, "expected"), name);
		/* the input is never modified */
		assert_json_equal_msg(target, before, name);
		assert_ptr_not_equal(out, target);
		json_decref(out);
		json_decref(before);
	}
	json_decref(cases);
}

static void test_merge_into_absent_target(void **state)
{
	json_t *patch = parse("{\"a\": {\"b\": null, \"c\": 1}}"), *out = NULL;
	json_t *want = parse("{\"a\": {\"c\": 1}}");

	(void)state;
	assert_int_equal(kd_patch_merge(&out, NULL, patch), 0);
	assert_json_equal_msg(out, want, "merge into NULL");
	json_decref(out);
	out = patch;
	assert_int_equal(kd_patch_merge(&out, patch, NULL), KD_EINVAL);
	assert_null(out);
	json_decref(patch);
	json_decref(want);
}

/* Runs one RFC 6902 case: either the expected document, or an error code
 * whose message names the failing operation, with the input untouched. */
static void run_json_patch_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *error = json_string_value(json_object_get(c, "error"));
	json_t *doc = json_object_get(c, "doc");
	json_t *patch = json_object_get(c, "patch");
	json_t *before = json_deep_copy(doc), *out = NULL, *owned = NULL;
	json_error_t err;
	char where[64];
	int rc, want;

	if (error && strcmp(error, "parse") == 0) {
		const char *text = json_string_value(json_object_get(c, "patch_text"));

		/* kdrift loads patches with JSON_REJECT_DUPLICATES; a lenient
		 * parser keeps the last "op", which must fail on its own. */
		if (json_loads(text, JSON_REJECT_DUPLICATES, &err))
			fail_msg("%s: duplicate member was accepted", name);
		owned = json_loads(text, 0, &err);
		assert_non_null(owned);
		patch = owned;
		want = KD_EINVAL;
	} else if (error) {
		want = strcmp(error, "conflict") == 0 ? KD_ECONFLICT : KD_EINVAL;
	} else {
		want = 0;
	}
	rc = kd_patch_json(&out, doc, patch);
	if (rc != want)
		fail_msg("%s: returned %d (%s), want %d", name, rc, kd_error_last(), want);
	if (want == 0) {
		assert_json_equal_msg(out, json_object_get(c, "expected"), name);
		json_decref(out);
	} else {
		assert_null(out);
		if (json_object_get(c, "error_op")) {
			snprintf(where, sizeof(where), "operation %lld",
				 (long long)json_integer_value(json_object_get(c, "error_op")));
			if (!strstr(kd_error_last(), where))
				fail_msg("%s: message '%s' does not name '%s'", name,
					 kd_error_last(), where);
		}
	}
	assert_json_equal_msg(doc, before, name);
	json_decref(before);
	json_decref(owned);
}

static void test_json_patch_rfc6902_appendix_a(void **state)
{
	json_t *cases = load_fixture("rfc6902.json"), *c;
	size_t i;

	(void)state;
	assert_int_equal(json_array_size(cases), 16);
	json_array_foreach(cases, i, c)
		run_json_patch_case(c);
	json_decref(cases);
}

static void test_json_patch_operations(void **state)
{
	json_t *cases = load_fixture("ops.json"), *c;
	size_t i;

	(void)state;
	json_array_foreach(cases, i, c)
		run_json_patch_case(c);
	json_decref(cases);
}

static void test_json_patch_messages(void **state)
{
	json_t *doc = parse("{\"spec\": {\"replicas\": 3}}"), *out = NULL, *ops;

	(void)state;
	ops = parse("[{\"op\": \"test\", \"path\": \"/spec/replicas\", \"value\": 2}]");
	assert_int_equal(kd_patch_json(&out, doc, ops), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "operation 0"));
	assert_non_null(strstr(kd_error_last(), "/spec/replicas"));
	json_decref(ops);

	ops = parse("[{\"op\": \"remove\", \"path\": \"/spec/x\"}]");
	assert_int_equal(kd_patch_json(&out, doc, ops), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "/spec/x"));
	json_decref(ops);

	ops = parse("{\"op\": \"remove\", \"path\": \"/spec\"}");
	assert_int_equal(kd_patch_json(&out, doc, ops), KD_EINVAL);
	assert_null(out);
	json_decref(ops);
	json_decref(doc);
}

/* Values the merge diff is exercised on, pairwise in both directions. */
static const char *const diff_values[] = {
	"{}",
	"{\"a\": 1}",
	"{\"a\": 1.0, \"b\": \"x\"}",
	"{\"a\": 2, \"c\": [1, 2]}",
	"{\"a\": {\"b\": {\"c\": 1}}, \"d\": true}",
	"{\"a\": {\"b\": {\"c\": 2, \"e\": [3]}}}",
	"{\"a\": {\"b\": 5}}",
	"{\"a\": [1, 2, 3], \"x/y\": {\"~\": \"t\"}}",
	"{\"metadata\": {\"name\": \"web\", \"labels\": {\"app\": \"web\", \"tier\": \"fe\"}},"
	" \"spec\": {\"replicas\": 3, \"template\": {\"spec\": {\"containers\":"
	" [{\"name\": \"web\", \"image\": \"nginx:1.25\"}]}}}}",
	"{\"metadata\": {\"name\": \"web\", \"labels\": {\"app\": \"web\"},"
	" \"annotations\": {\"a\": \"b\"}}, \"spec\": {\"replicas\": 5, \"template\":"
	" {\"spec\": {\"containers\": [{\"name\": \"web\", \"image\": \"nginx:1.27\"}]}}}}",
	"[1, 2]",
	"[]",
	"\"s\"",
	"7",
	"false",
};

static void test_merge_diff_round_trips(void **state)
{
	size_t n = sizeof(diff_values) / sizeof(diff_values[0]), i, j;

	(void)state;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			json_t *from = parse(diff_values[i]), *to = parse(diff_values[j]);
			json_t *before = json_deep_copy(from), *diff = NULL, *merged = NULL;
			char what[64];

			snprintf(what, sizeof(what), "diff %zu -> %zu", i, j);
			assert_int_equal(kd_patch_merge_diff(&diff, from, to), 0);
			assert_int_equal(kd_patch_merge(&merged, from, diff), 0);
			assert_json_equal_msg(merged, to, what);
			assert_json_equal_msg(from, before, what);
			/* equal objects need no change at all */
			if (i == j && json_is_object(to))
				assert_int_equal(json_object_size(diff), 0);
			json_decref(from);
			json_decref(to);
			json_decref(before);
			json_decref(diff);
			json_decref(merged);
		}
	}
}

static void expect_diff(const char *from_text, const char *to_text, const char *want_text)
{
	json_t *from = parse(from_text), *to = parse(to_text), *want = parse(want_text);
	json_t *diff = NULL;

	assert_int_equal(kd_patch_merge_diff(&diff, from, to), 0);
	assert_json_equal_msg(diff, want, from_text);
	json_decref(from);
	json_decref(to);
	json_decref(want);
	json_decref(diff);
}

static void test_merge_diff_is_minimal(void **state)
{
	(void)state;
	expect_diff("{\"a\": 1, \"b\": 2}", "{\"a\": 1.0, \"b\": 2}", "{}");
	expect_diff("{\"a\": 1, \"b\": 2}", "{\"a\": 1}", "{\"b\": null}");
	expect_diff("{\"a\": {\"x\": 1, \"y\": 2}}", "{\"a\": {\"x\": 1, \"y\": 3}}",
		    "{\"a\": {\"y\": 3}}");
	expect_diff("{\"a\": [1, 2]}", "{\"a\": [1, 3]}", "{\"a\": [1, 3]}");
	expect_diff("{\"a\": \"s\"}", "{\"a\": {\"b\": 1}}", "{\"a\": {\"b\": 1}}");
	expect_diff("[1]", "{\"a\": 1}", "{\"a\": 1}");
	expect_diff("{\"a\": 1}", "[1]", "[1]");
	expect_diff("3", "3", "3");
}

static void test_merge_diff_nulls(void **state)
{
	json_t *from, *to, *diff = NULL, *merged = NULL, *want;

	(void)state;
	/* a null that is the same on both sides is left alone */
	expect_diff("{\"e\": null, \"a\": 1}", "{\"e\": null, \"a\": 2}", "{\"a\": 2}");
	/* a member turning null cannot be expressed: it is deleted */
	from = parse("{\"a\": 1, \"b\": 2}");
	to = parse("{\"a\": null, \"b\": 2}");
	want = parse("{\"b\": 2}");
	assert_int_equal(kd_patch_merge_diff(&diff, from, to), 0);
	assert_int_equal(kd_patch_merge(&merged, from, diff), 0);
	assert_json_equal_msg(merged, want, "null in to");
	json_decref(from);
	json_decref(to);
	json_decref(want);
	json_decref(diff);
	json_decref(merged);

	/* from may be absent */
	to = parse("{\"a\": {\"b\": 1}}");
	assert_int_equal(kd_patch_merge_diff(&diff, NULL, to), 0);
	assert_json_equal_msg(diff, to, "diff from NULL");
	json_decref(diff);
	assert_int_equal(kd_patch_merge_diff(&diff, to, NULL), KD_EINVAL);
	assert_null(diff);
	json_decref(to);
}

/* Every RFC 7386 example, read backwards: the diff from target to result
 * merges back into the result. */
static void test_merge_diff_rfc7386_pairs(void **state)
{
	json_t *cases = load_fixture("rfc7386.json"), *c;
	size_t i;

	(void)state;
	json_array_foreach(cases, i, c) {
		json_t *target = json_object_get(c, "target");
		json_t *expected = json_object_get(c, "expected");
		json_t *diff = NULL, *merged = NULL;

		assert_int_equal(kd_patch_merge_diff(&diff, target, expected), 0);
		assert_int_equal(kd_patch_merge(&merged, target, diff), 0);
		assert_json_equal_msg(merged, expected,
				      json_string_value(json_object_get(c, "name")));
		json_decref(diff);
		json_decref(merged);
	}
	json_decref(cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_rfc7386_appendix_a),
		cmocka_unit_test(test_merge_into_absent_target),
		cmocka_unit_test(test_json_patch_rfc6902_appendix_a),
		cmocka_unit_test(test_json_patch_operations),
		cmocka_unit_test(test_json_patch_messages),
		cmocka_unit_test(test_merge_diff_round_trips),
		cmocka_unit_test(test_merge_diff_is_minimal),
		cmocka_unit_test(test_merge_diff_nulls),
		cmocka_unit_test(test_merge_diff_rfc7386_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
