/*
 * Tests for core/fleet/selector.c and the object form in core/fleet/fleet_check.c:
 * label selectors as Kubernetes evaluates them, in both spellings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "fleet/fleet.h"

/* Label sets the tables below are evaluated against. */
static json_t *labels_of(const char *which)
{
	if (strcmp(which, "prod-east") == 0)
		return json_pack("{s:s, s:s, s:s}", "env", "production",
				 "region", "us-east", "tier", "web");
	if (strcmp(which, "staging") == 0)
		return json_pack("{s:s, s:s}", "env", "staging", "region",
				 "eu-west");
	if (strcmp(which, "dev-gpu") == 0)
		return json_pack("{s:s, s:s, s:s}", "env", "development",
				 "gpu", "", "example.com/team", "ml");
	return json_object();   /* "none" */
}

static const char *const label_sets[] = { "prod-east", "staging", "dev-gpu",
					  "none" };

/* For each selector: which of label_sets it matches ('1') or not ('0'). */
struct match_case {
	const char *selector;
	const char *want;
};

static void check_text(const struct match_case *mc)
{
	kd_selector sel;
	size_t i;

	if (kd_selector_parse_text(&sel, mc->selector) != 0)
		fail_msg("parse \"%s\": %s", mc->selector, kd_error_last());
	for (i = 0; i < 4; i++) {
		json_t *labels = labels_of(label_sets[i]);
		bool got = kd_selector_matches(&sel, labels);

		if (got != (mc->want[i] == '1'))
			fail_msg("\"%s\" on %s: got %d, want %c", mc->selector,
				 label_sets[i], got, mc->want[i]);
		json_decref(labels);
	}
	kd_selector_free(&sel);
}

static void test_text_matching(void **state)
{
	static const struct match_case cases[] = {
		{ "", "1111" },
		{ "   ", "1111" },
		{ "env=production", "1000" },
		{ "env==production", "1000" },
		{ "env = production", "1000" },
		{ "env!=production", "0111" },   /* absent key matches != */
		{ "env in (production,staging)", "1100" },
		{ "env in (production, staging )", "1100" },
		{ "env in(development)", "0010" },
		{ "env notin (production)", "0111" },
		{ "region notin (us-east,eu-west)", "0011" },
		{ "gpu", "0010" },
		{ "!gpu", "1101" },
		{ "! gpu", "1101" },
		{ "gpu=", "0010" },              /* the empty value */
		{ "gpu in (,x)", "0010" },
		{ "gpu in (x,)", "0010" },
		{ "env,region", "1100" },
		{ "env=production,tier!=web", "0000" },
		{ "env=production,tier=web,region in (us-east)", "1000" },
		{ "example.com/team=ml", "0010" },
		{ "example.com/team", "0010" },
		{ "env in (in, notin, staging)", "0100" },  /* keywords as values */
		{ "region!=us-east,!gpu", "0101" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_text(&cases[i]);
}

/* A text selector and the object it must equal after parsing. */
static void test_text_structure(void **state)
{
	kd_selector sel;
	json_t *want;

	(void)state;
	assert_int_equal(kd_selector_parse_text(&sel,
		"a=b,c!=d,e in (f,g,f),h notin (i),j,!k"), 0);
	assert_null(sel.match_labels);
	want = json_pack("[{s:s,s:s,s:[s]}, {s:s,s:s,s:[s]}, {s:s,s:s,s:[s,s]},"
			 " {s:s,s:s,s:[s]}, {s:s,s:s,s:[]}, {s:s,s:s,s:[]}]",
			 "key", "a", "operator", "In", "values", "b",
			 "key", "c", "operator", "NotIn", "values", "d",
			 "key", "e", "operator", "In", "values", "f", "g",
			 "key", "h", "operator", "NotIn", "values", "i",
			 "key", "j", "operator", "Exists", "values",
			 "key", "k", "operator", "DoesNotExist", "values");
	assert_non_null(want);
	assert_true(json_equal(sel.match_expressions, want));
	json_decref(want);
	kd_selector_free(&sel);
}

static void expect_text_error(const char *text, const char *part)
{
	kd_selector sel = { (json_t *)1, (json_t *)1 };

	if (kd_selector_parse_text(&sel, text) != KD_EINVAL)
		fail_msg("\"%s\" parsed, want an error", text);
	assert_null(sel.match_labels);
	assert_null(sel.match_expressions);
	if (!strstr(kd_error_last(), part))
		fail_msg("\"%s\": message \"%s\" does not name \"%s\"", text,
			 kd_error_last(), part);
}

static void test_text_errors(void **state)
{
	(void)state;
	expect_text_error("env in production", "column 8 ('production'): expected '('");
	expect_text_error("env in ()", "at least one value");
	expect_text_error("env in (a b)", "column 11 ('b')");
	expect_text_error("env in (a", "at the end");
	expect_text_error("env=production,", "at the end: expected a label key");
	expect_text_error(",env", "column 1 (',')");
	expect_text_error("env=a=b", "column 6 ('=')");
	expect_text_error("env foo", "column 5 ('foo'): expected an operator");
	expect_text_error("!env=a", "column 5 ('=')");
	expect_text_error("replicas>2", "'>'");
	expect_text_error("env=(x)", "expected a label value");
	expect_text_error("bad key=x", "column 5 ('key')");
	expect_text_error("-bad=x", "column 1 ('-bad'): not a valid label key");
	expect_text_error("env=not valid!", "column 9");
	expect_text_error("env=-x", "'-x' is not a valid label value");
	expect_text_error("a/b/c=x", "not a valid label key");
	expect_text_error("Example.com/x=y", "not a valid label key");
}

static void test_label_syntax(void **state)
{
	char long_name[80];

	(void)state;
	assert_true(kd_label_key_valid("app"));
	assert_true(kd_label_key_valid("app.kubernetes.io/name"));
	assert_true(kd_label_key_valid("a_b.c-d"));
	assert_false(kd_label_key_valid(""));
	assert_false(kd_label_key_valid("/name"));
	assert_false(kd_label_key_valid("prefix/"));
	assert_false(kd_label_key_valid("UPPER.example/x"));
	assert_false(kd_label_key_valid("-a"));
	assert_false(kd_label_key_valid("a_"));
	assert_true(kd_label_value_valid(""));
	assert_true(kd_label_value_valid("v1.2_3-x"));
	assert_false(kd_label_value_valid("a b"));
	assert_false(kd_label_value_valid("a/b"));
	memset(long_name, 'x', 63);
	long_name[63] = '\0';
	assert_true(kd_label_value_valid(long_name));
	assert_true(kd_label_key_valid(long_name));
	long_name[63] = 'x';
	long_name[64] = '\0';
	assert_false(kd_label_value_valid(long_name));
	assert_false(kd_label_key_valid(long_name));
}

/* ---- the object form ---- */

static void check_object(const char *json, const char *want)
{
	json_error_t jerr;
	json_t *obj = json_loads(json, 0, &jerr);
	kd_selector sel;
	size_t i;

	assert_non_null(obj);
	if (kd_selector_parse(&sel, obj, "test") != 0)
		fail_msg("parse %s: %s", json, kd_error_last());
	for (i = 0; i < 4; i++) {
		json_t *labels = labels_of(label_sets[i]);
		bool got = kd_selector_matches(&sel, labels);

		if (got != (want[i] == '1'))
			fail_msg("%s on %s: got %d, want %c", json,
				 label_sets[i], got, want[i]);
		json_decref(labels);
	}
	kd_selector_free(&sel);
	json_decref(obj);
}

static void test_object_matching(void **state)
{
	(void)state;
	check_object("{}", "1111");
	check_object("{\"matchLabels\": {}}", "1111");
	check_object("{\"matchExpressions\": []}", "1111");
	check_object("{\"matchLabels\": {\"env\": \"production\"}}", "1000");
	check_object("{\"matchLabels\": {\"env\": \"production\", \"tier\": \"db\"}}",
		     "0000");
	check_object("{\"matchLabels\": {\"gpu\": \"\"}}", "0010");
	check_object("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"In\","
		     " \"values\": [\"development\", \"staging\"]}]}", "0110");
	check_object("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"NotIn\","
		     " \"values\": [\"production\"]}]}", "0111");
	check_object("{\"matchExpressions\": [{\"key\": \"gpu\", \"operator\": \"Exists\"}]}",
		     "0010");
	check_object("{\"matchExpressions\": [{\"key\": \"gpu\", \"operator\": \"DoesNotExist\","
		     " \"values\": []}]}", "1101");
	/* matchLabels and matchExpressions must both hold */
	check_object("{\"matchLabels\": {\"region\": \"us-east\"},"
		     " \"matchExpressions\": [{\"key\": \"tier\", \"operator\": \"Exists\"}]}",
		     "1000");
	check_object("{\"matchLabels\": {\"region\": \"eu-west\"},"
		     " \"matchExpressions\": [{\"key\": \"tier\", \"operator\": \"Exists\"}]}",
		     "0000");
}

static void expect_object_error(const char *json, const char *msg)
{
	json_error_t jerr;
	json_t *obj = json_loads(json, JSON_DECODE_ANY, &jerr);
	kd_selector sel;

	assert_non_null(obj);
	if (kd_selector_parse(&sel, obj, "apps[1].clusters") != KD_EINVAL)
		fail_msg("%s parsed, want an error", json);
	assert_null(sel.match_labels);
	assert_null(sel.match_expressions);
	if (strcmp(kd_error_last(), msg) != 0)
		fail_msg("%s:\n got  \"%s\"\n want \"%s\"", json,
			 kd_error_last(), msg);
	json_decref(obj);
}

static void test_object_errors(void **state)
{
	(void)state;
	expect_object_error("null",
		"apps[1].clusters is empty; write {} to select every cluster");
	expect_object_error("[]",
		"apps[1].clusters must be a mapping, not a list");
	expect_object_error("{\"matchLabel\": {}}",
		"unknown key 'matchLabel' in apps[1].clusters (did you mean 'matchLabels'?)");
	expect_object_error("{\"matchLabels\": []}",
		"apps[1].clusters.matchLabels must be a mapping, not a list");
	expect_object_error("{\"matchLabels\": {\"env\": [\"a\"]}}",
		"apps[1].clusters.matchLabels.env must be a string, not a list");
	expect_object_error("{\"matchLabels\": {\"env\": 1.5}}",
		"apps[1].clusters.matchLabels.env must be a string; quote the number");
	/* label values are strings, as in Kubernetes: every typed scalar is refused */
	expect_object_error("{\"matchLabels\": {\"replicas\": 3}}",
		"apps[1].clusters.matchLabels.replicas must be a string; quote the number");
	expect_object_error("{\"matchLabels\": {\"canary\": true}}",
		"apps[1].clusters.matchLabels.canary must be a string; quote the value (\"true\")");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"zone\", \"operator\": \"In\","
			    " \"values\": [\"a\", false]}]}",
		"apps[1].clusters.matchExpressions[0].values[1] must be a string; quote the value (\"false\")");
	expect_object_error("{\"matchLabels\": {\"bad key\": \"x\"}}",
		"key 'bad key' in apps[1].clusters.matchLabels is not a valid label key "
		"(an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' "
		"or '.', starting and ending alphanumeric)");
	expect_object_error("{\"matchLabels\": {\"env\": \"a b\"}}",
		"apps[1].clusters.matchLabels.env: 'a b' is not a valid label value "
		"(up to 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric)");
	expect_object_error("{\"matchExpressions\": {}}",
		"apps[1].clusters.matchExpressions must be a list, not a mapping");
	expect_object_error("{\"matchExpressions\": [{\"operator\": \"Exists\"}]}",
		"apps[1].clusters.matchExpressions[0] has no 'key'");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\"}]}",
		"apps[1].clusters.matchExpressions[0] has no 'operator'");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"in\","
			    " \"values\": [\"a\"]}]}",
		"apps[1].clusters.matchExpressions[0].operator: unknown operator 'in' "
		"(want In, NotIn, Exists or DoesNotExist)");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"In\"}]}",
		"apps[1].clusters.matchExpressions[0]: operator In needs at least one value");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"NotIn\","
			    " \"values\": []}]}",
		"apps[1].clusters.matchExpressions[0]: operator NotIn needs at least one value");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"Exists\","
			    " \"values\": [\"a\"]}]}",
		"apps[1].clusters.matchExpressions[0].values: operator Exists takes no values");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"DoesNotExist\","
			    " \"values\": [\"a\"]}]}",
		"apps[1].clusters.matchExpressions[0].values: operator DoesNotExist takes no values");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"In\","
			    " \"values\": \"a\"}]}",
		"apps[1].clusters.matchExpressions[0].values must be a list, not a string");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"In\","
			    " \"values\": [\"ok\", {}]}]}",
		"apps[1].clusters.matchExpressions[0].values[1] must be a string, not a mapping");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"env\", \"operator\": \"In\","
			    " \"value\": [\"a\"]}]}",
		"unknown key 'value' in apps[1].clusters.matchExpressions[0] (did you mean 'values'?)");
	expect_object_error("{\"matchExpressions\": [{\"key\": \"Bad_\", \"operator\": \"Exists\"}]}",
		"apps[1].clusters.matchExpressions[0].key: 'Bad_' is not a valid label key "
		"(an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' "
		"or '.', starting and ending alphanumeric)");
}

static void expect_format(const char *json, const char *want)
{
	json_error_t jerr;
	json_t *obj = json_loads(json, 0, &jerr);
	kd_selector sel, back;
	kd_buf out = KD_BUF_INIT, again = KD_BUF_INIT;
	size_t i;

	assert_non_null(obj);
	assert_int_equal(kd_selector_parse(&sel, obj, "x"), 0);
	assert_int_equal(kd_selector_format(&out, &sel), 0);
	if (strcmp(kd_buf_cstr(&out), want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", json, kd_buf_cstr(&out), want);
	/* the text reads back to a selector that matches the same sets and
	 * formats the same */
	if (kd_selector_parse_text(&back, kd_buf_cstr(&out)) != 0)
		fail_msg("%s: %s", kd_buf_cstr(&out), kd_error_last());
	for (i = 0; i < 4; i++) {
		json_t *labels = labels_of(label_sets[i]);

		assert_int_equal(kd_selector_matches(&sel, labels),
				 kd_selector_matches(&back, labels));
		json_decref(labels);
	}
	assert_int_equal(kd_selector_format(&again, &back), 0);
	assert_string_equal(kd_buf_cstr(&again), want);
	kd_buf_free(&out);
	kd_buf_free(&again);
	kd_selector_free(&sel);
	kd_selector_free(&back);
	json_decref(obj);
}

static void test_format(void **state)
{
	(void)state;
	expect_format("{}", "");
	expect_format("{\"matchLabels\": {\"region\": \"us-east\", \"env\": \"production\"}}",
		      "env=production,region=us-east");
	expect_format("{\"matchLabels\": {\"gpu\": \"\"}}", "gpu=");
	expect_format("{\"matchExpressions\": ["
		      "{\"key\": \"env\", \"operator\": \"In\", \"values\": [\"production\", \"staging\"]},"
		      "{\"key\": \"tier\", \"operator\": \"NotIn\", \"values\": [\"web\"]},"
		      "{\"key\": \"region\", \"operator\": \"NotIn\", \"values\": [\"a\", \"\"]},"
		      "{\"key\": \"gpu\", \"operator\": \"Exists\"},"
		      "{\"key\": \"example.com/team\", \"operator\": \"DoesNotExist\"}]}",
		      "env in (production,staging),tier!=web,region notin (a,),gpu,!example.com/team");
	expect_format("{\"matchLabels\": {\"env\": \"production\"},"
		      " \"matchExpressions\": [{\"key\": \"gpu\", \"operator\": \"In\", \"values\": [\"\"]}]}",
		      "env=production,gpu=");
}

static void test_null_and_empty(void **state)
{
	kd_selector empty = { NULL, NULL };
	json_t *labels = labels_of("prod-east");

	(void)state;
	assert_true(kd_selector_matches(NULL, labels));
	assert_true(kd_selector_matches(&empty, labels));
	assert_true(kd_selector_matches(&empty, NULL));
	kd_selector_free(&empty);
	kd_selector_free(NULL);
	json_decref(labels);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_matching),
		cmocka_unit_test(test_text_structure),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_label_syntax),
		cmocka_unit_test(test_object_matching),
		cmocka_unit_test(test_object_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_null_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
