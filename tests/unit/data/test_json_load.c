/*
 * Tests for core/data/json_load.c: kd_json_loadb must give what
 * json_loadb(..., JSON_ALLOW_NUL) gives, value for value and error for
 * error, on the shapes it reads itself (objects, arrays, escapes, UTF-8,
 * integers, duplicate keys, key order) and on those it hands to jansson
 * (reals, NUL escapes, lone surrogates, bad UTF-8, syntax errors, overflow).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data/data.h"

/* Both readers on one text: equal values (and equal dumps, so key order
 * counts), or both failing with the same message and position. */
static void same(const char *text, size_t len)
{
	json_error_t ej, ek;
	json_t *j = json_loadb(text, len, JSON_ALLOW_NUL, &ej);
	json_t *k = kd_json_loadb(text, len, &ek);

	if (!j) {
		if (k)
			fail_msg("jansson rejects, kd_json_loadb accepts: %.*s", (int)len, text);
		assert_string_equal(ej.text, ek.text);
		assert_int_equal(ej.position, ek.position);
		return;
	}
	if (!k)
		fail_msg("kd_json_loadb rejects (%s): %.*s", ek.text, (int)len, text);
	assert_true(json_equal(j, k));
	{
		char *dj = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		char *dk = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);

		assert_non_null(dj);
		assert_non_null(dk);
		assert_string_equal(dj, dk);
		free(dj);
		free(dk);
	}
	json_decref(j);
	json_decref(k);
}

/* Through a memo of every member name used below, twice (the second read
 * takes the remembered values): still what jansson reads. */
static void same_memo(const char *text, size_t len)
{
	static const char *const members[] = { "a", "b", "c", "d", "items", "spec", NULL };
	size_t m;
	int pass;

	for (m = 0; members[m]; m++) {
		kd_json_memo *memo = kd_json_memo_new(members[m]);

		assert_non_null(memo);
		for (pass = 0; pass < 2; pass++) {
			json_error_t ej, ek;
			json_t *j = json_loadb(text, len, JSON_ALLOW_NUL, &ej);
			json_t *k = kd_json_loadb_memo(text, len, &ek, memo);

			if (!j) {
				if (k)
					fail_msg("memo accepts what jansson rejects: %.*s", (int)len, text);
				assert_string_equal(ej.text, ek.text);
				assert_int_equal(ej.position, ek.position);
			} else {
				if (!k)
					fail_msg("memo rejects (%s): %.*s", ek.text, (int)len, text);
				assert_true(json_equal(j, k));
			}
			json_decref(j);
			json_decref(k);
		}
		kd_json_memo_free(memo);
	}
}

static void same_s(const char *text)
{
	same(text, strlen(text));
	same_memo(text, strlen(text));
}

static void test_common_shapes(void **state)
{
	(void)state;
	same_s("{}");
	same_s("[]");
	same_s(" \n\t{ \"a\" : 1 , \"b\":[true,false,null,\"x\"], \"c\": {\"d\": {}} }\r\n");
	same_s("{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"web\",\"labels\":"
	       "{\"app\":\"web\"}},\"spec\":{\"replicas\":2,\"ports\":[{\"port\":80}]}}]}");
	same_s("[0, -0, 7, -12, 9223372036854775807, -9223372036854775808]");
	/* duplicate keys: the last value wins, at the first key's place */
	same_s("{\"a\":1,\"b\":2,\"a\":3}");
	/* escapes, multi-byte UTF-8 as written and as \\u escapes */
	same_s("{\"s\":\"q\\\"b\\\\s\\/ \\b\\f\\n\\r\\t\",\"u\":\"caf\\u00e9 \\u20ac \\u0041\"}");
	same_s("{\"caf\xc3\xa9\":\"\xe2\x82\xac \xf0\x9f\x98\x80\",\"k\\u00e9y\":1}");
	same_s("{\"esc\\nkey\":\"v\",\"long\\t\":\"" "0123456789012345678901234567890123456789"
	       "0123456789012345678901234567890123456789\\n0123456789012345678901234567890123456789"
	       "0123456789012345678901234567890123456789012345678901234567890123456789\"}");
}

static void test_handed_to_jansson(void **state)
{
	(void)state;
	/* values it leaves to jansson */
	same_s("{\"r\":1.5,\"e\":2e3,\"E\":-1E-2,\"z\":0.0}");
	same_s("{\"pair\":\"\\ud83d\\ude00\"}");
	same(  "{\"nul\":\"a\\u0000b\"}", 18);
	same_s("[99999999999999999999]");
	same_s("[-99999999999999999999]");
	/* errors: the same message at the same place */
	same_s("");
	same_s("   ");
	same_s("1");
	same_s("\"top\"");
	same_s("{\"a\":1,}");
	same_s("[1,]");
	same_s("{\"a\" 1}");
	same_s("{\"a\":01}");
	same_s("{\"a\":-}");
	same_s("{\"a\":tru}");
	same_s("{\"a\":1} x");
	same_s("{\"a\":\"unterminated}");
	same_s("{\"a\":\"tab\there\"}");
	same_s("{\"a\":\"\\x\"}");
	same_s("{\"a\":\"\\u12\"}");
	same_s("{\"lone\":\"\\udc00\"}");
	same_s("{\"lone\":\"\\ud800x\"}");
	same_s("{\"bad\":\"\xc3\x28\"}");
	same_s("{\"\xff\":1}");
	same(  "{\"a\":\"x\0y\"}", 11);
	same_s("{\"k\\u0000\":1}");
	same_s("{1:2}");
	same_s("[1 2]");
}

static void test_deep(void **state)
{
	char text[2 * 600 + 1];
	int i;

	(void)state;
	/* deeper than it reads itself but within jansson's bound */
	for (i = 0; i < 600; i++) {
		text[i] = '[';
		text[600 + i] = ']';
	}
	text[1200] = '\0';
	same_s(text);
}

/* Equal texts of the memo's member share one value across documents;
 * other texts and other members do not. */
static void test_memo_shares(void **state)
{
	const char *one = "{\"items\":[{\"fieldsV1\":{\"f:a\":{},\"f:b\":{\".\":{}}}},"
			  "{\"fieldsV1\":{\"f:c\":{}}}],\"spec\":{\"x\":1}}";
	const char *two = "{\"items\":[{\"fieldsV1\":{\"f:c\":{}}},"
			  "{\"fieldsV1\":{\"f:a\":{},\"f:b\":{\".\":{}}}}],\"spec\":{\"x\":1}}";
	kd_json_memo *memo = kd_json_memo_new("fieldsV1");
	json_error_t err;
	json_t *a, *b;

	(void)state;
	assert_non_null(memo);
	a = kd_json_loadb_memo(one, strlen(one), &err, memo);
	b = kd_json_loadb_memo(two, strlen(two), &err, memo);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_equal(json_object_get(json_array_get(json_object_get(a, "items"), 0), "fieldsV1"),
			 json_object_get(json_array_get(json_object_get(b, "items"), 1), "fieldsV1"));
	assert_ptr_equal(json_object_get(json_array_get(json_object_get(a, "items"), 1), "fieldsV1"),
			 json_object_get(json_array_get(json_object_get(b, "items"), 0), "fieldsV1"));
	assert_ptr_not_equal(json_object_get(json_array_get(json_object_get(a, "items"), 0), "fieldsV1"),
			     json_object_get(json_array_get(json_object_get(a, "items"), 1), "fieldsV1"));
	assert_ptr_not_equal(json_object_get(a, "spec"), json_object_get(b, "spec"));
	json_decref(a);
	kd_json_memo_free(memo);
	/* the values outlive the memo */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "spec"), "x")), 1);
	assert_non_null(json_object_get(json_object_get(json_array_get(
		json_object_get(b, "items"), 1), "fieldsV1"), "f:b"));
	json_decref(b);
}

/* A memo of several member names shares each; at most 16 names. */
static void test_memo_members(void **state)
{
	const char *one = "{\"items\":[{\"spec\":{\"x\":[1]},\"data\":{\"k\":\"v\"},"
			  "\"status\":{\"s\":1}}]}";
	kd_json_memo *memo = kd_json_memo_new("spec");
	json_error_t err;
	json_t *a, *b, *ia, *ib;
	char name[16];
	int i;

	(void)state;
	assert_non_null(memo);
	assert_int_equal(kd_json_memo_add(memo, "data"), 0);
	a = kd_json_loadb_memo(one, strlen(one), &err, memo);
	b = kd_json_loadb_memo(one, strlen(one), &err, memo);
	assert_non_null(a);
	assert_non_null(b);
	ia = json_array_get(json_object_get(a, "items"), 0);
	ib = json_array_get(json_object_get(b, "items"), 0);
	assert_ptr_equal(json_object_get(ia, "spec"), json_object_get(ib, "spec"));
	assert_ptr_equal(json_object_get(ia, "data"), json_object_get(ib, "data"));
	assert_ptr_not_equal(json_object_get(ia, "status"), json_object_get(ib, "status"));
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	for (i = 2; i < 16; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		assert_int_equal(kd_json_memo_add(memo, name), 0);
	}
	assert_int_equal(kd_json_memo_add(memo, "one-too-many"), KD_ELIMIT);
	kd_json_memo_free(memo);
}

/* jansson's reading of text, with the member `status` removed from every
 * object at depth 3 (the items of a list). */
static json_t *without_status(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL), *items, *item;
	size_t i;

	assert_non_null(v);
	items = json_object_get(v, "items");
	json_array_foreach(items, i, item)
		json_object_del(item, "status");
	return v;
}

/* A skipped member is left out where it should be, kept elsewhere, and
 * read as strictly as ever: text the reader would not take goes to jansson
 * whole (and then the member stays), text jansson refuses fails alike. */
static void test_memo_skip(void **state)
{
	static const char *const kept[] = {
		"{\"items\":[{\"a\":1,\"status\":{\"x\":[1,2,{\"y\":null}]}},"
		"{\"status\":\"s\",\"b\":[true,false]},{\"status\":-3}],\"status\":5}",
		"{\"items\":[{\"spec\":{\"status\":1},\"status\":{\"caf\u00e9\":\"\\u00e9\\n\"}}]}",
		"{\"items\":[{\"status\":{}},{\"status\":[]}]}",
	};
	static const char *const handed_over[] = {
		/* a real number, a NUL escape: the reader hands these to jansson */
		"{\"items\":[{\"a\":1,\"status\":{\"ratio\":0.5}}]}",
		"{\"items\":[{\"status\":\"a\\u0000b\"}]}",
	};
	static const char *const refused[] = {
		"{\"items\":[{\"status\":{\"x\":[1,}}]}",
		"{\"items\":[{\"status\":\"\xc3\x28\"}]}",
		"{\"items\":[{\"status\":\"\xed\xa0\x80\"}]}",
		"{\"items\":[{\"status\":\"\xe0\x80\xaf\"}]}",
		"{\"items\":[{\"status\":\"\\ud800\"}]}",
		"{\"items\":[{\"status\":01}]}",
		"{\"items\":[{\"status\":tru}]}",
		"{\"items\":[{\"status\":\"x\\q\"}]}",
		"{\"items\":[{\"status\":{\"a\" 1}}]}",
	};
	kd_json_memo *memo = kd_json_memo_new("spec");
	json_error_t err, want;
	json_t *got, *exp;
	size_t i;

	(void)state;
	assert_non_null(memo);
	assert_int_equal(kd_json_memo_skip(memo, "status", 3), 0);
	for (i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
		got = kd_json_loadb_memo(kept[i], strlen(kept[i]), &err, memo);
		exp = without_status(kept[i]);
		if (!got || !json_equal(got, exp))
			fail_msg("kept[%zu]: not jansson's without the items' status", i);
		json_decref(got);
		json_decref(exp);
	}
	for (i = 0; i < sizeof(handed_over) / sizeof(*handed_over); i++) {
		got = kd_json_loadb_memo(handed_over[i], strlen(handed_over[i]), &err, memo);
		exp = json_loadb(handed_over[i], strlen(handed_over[i]), JSON_ALLOW_NUL, &want);
		assert_non_null(exp);
		if (!got || !json_equal(got, exp))
			fail_msg("handed_over[%zu]: not jansson's", i);
		json_decref(got);
		json_decref(exp);
	}
	for (i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		got = kd_json_loadb_memo(refused[i], strlen(refused[i]), &err, memo);
		exp = json_loadb(refused[i], strlen(refused[i]), JSON_ALLOW_NUL, &want);
		assert_null(exp);
		if (got)
			fail_msg("refused[%zu]: read, but jansson refuses it", i);
		assert_string_equal(err.text, want.text);
		assert_int_equal(err.position, want.position);
	}
	kd_json_memo_free(memo);
}

/* A remembered text met deeper than the reader goes fails over to jansson
 * as it would without the memo. */
static void test_memo_deep(void **state)
{
	char text[4096];
	size_t n = 0;
	int i;
	kd_json_memo *memo = kd_json_memo_new("a");
	json_error_t err;
	json_t *v;

	(void)state;
	assert_non_null(memo);
	v = kd_json_loadb_memo("{\"a\":[[[1]]]}", 13, &err, memo);
	assert_non_null(v);
	json_decref(v);
	for (i = 0; i < 254; i++)
		text[n++] = '[';
	n += (size_t)sprintf(text + n, "{\"a\":[[[1]]]}");
	for (i = 0; i < 254; i++)
		text[n++] = ']';
	same(text, n);
	v = kd_json_loadb_memo(text, n, &err, memo);
	assert_non_null(v);
	json_decref(v);
	same_memo(text, n);
	kd_json_memo_free(memo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_shapes),
		cmocka_unit_test(test_handed_to_jansson),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_memo_shares),
		cmocka_unit_test(test_memo_members),
		cmocka_unit_test(test_memo_skip),
		cmocka_unit_test(test_memo_deep),
	};

	return cmocka_run_group_tests_name("json_load", tests, NULL, NULL);
}
