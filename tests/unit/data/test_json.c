/*
 * Tests for core/data/json.c: RFC 6901 pointers, equality by value, the canonical
 * form that drift digests are computed from, and SHA-256.
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
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);

	if (!v)
		fail_msg("bad test JSON '%s': %s", text, err.text);
	return v;
}

static void assert_json_eq(const json_t *got, const char *want_text)
{
	json_t *want = parse(want_text);

	if (!kd_json_equal(got, want)) {
		char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);

		print_error("got %s, want %s\n", g ? g : "(null)", want_text);
		free(g);
		json_decref(want);
		fail();
	}
	json_decref(want);
}

/* The document of RFC 6901 section 5. */
static const char rfc6901_doc[] =
	"{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, \"e^f\": 3,"
	" \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, \"m~n\": 8}";

static void test_pointer_rfc6901_examples(void **state)
{
	static const struct { const char *ptr, *want; } cases[] = {
		{ "", NULL },
		{ "/foo", "[\"bar\", \"baz\"]" },
		{ "/foo/0", "\"bar\"" },
		{ "/", "0" },
		{ "/a~1b", "1" },
		{ "/c%d", "2" },
		{ "/e^f", "3" },
		{ "/g|h", "4" },
		{ "/i\\j", "5" },
		{ "/k\"l", "6" },
		{ "/ ", "7" },
		{ "/m~0n", "8" },
	};
	json_t *doc = parse(rfc6901_doc), *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = NULL;
		assert_int_equal(kd_json_pointer_get(&got, doc, cases[i].ptr), 0);
		if (cases[i].want)
			assert_json_eq(got, cases[i].want);
		else
			assert_ptr_equal(got, doc);
	}
	json_decref(doc);
}

static void expect_get_error(const json_t *doc, const char *ptr, int code)
{
	json_t *got = (json_t *)doc;

	assert_int_equal(kd_json_pointer_get(&got, doc, ptr), code);
	assert_null(got);
	assert_non_null(strstr(kd_error_last(), ptr));
}

static void test_pointer_errors(void **state)
{
	json_t *doc = parse("{\"a\": [10, 20, {\"b\": \"s\"}], \"n\": null}");

	(void)state;
	/* malformed pointers */
	expect_get_error(doc, "a", KD_EINVAL);
	expect_get_error(doc, "/a~2", KD_EINVAL);
	expect_get_error(doc, "/a~", KD_EINVAL);
	expect_get_error(doc, "/a/01", KD_EINVAL);
	expect_get_error(doc, "/a/-1", KD_EINVAL);
	expect_get_error(doc, "/a/x", KD_EINVAL);
	expect_get_error(doc, "/a/", KD_EINVAL);
	/* well-formed, but nothing there */
	expect_get_error(doc, "/missing", KD_ENOTFOUND);
	expect_get_error(doc, "/a/3", KD_ENOTFOUND);
	expect_get_error(doc, "/a/-", KD_ENOTFOUND);
	expect_get_error(doc, "/a/99999999999999999999999", KD_ENOTFOUND);
	expect_get_error(doc, "/a/2/b/c", KD_ENOTFOUND);
	expect_get_error(doc, "/n/x", KD_ENOTFOUND);
	expect_get_error(doc, "/A", KD_ENOTFOUND);
	json_decref(doc);
}

static void test_pointer_set(void **state)
{
	json_t *doc = parse("{\"a\": [1, 2], \"s\": \"x\"}");

	(void)state;
	assert_int_equal(kd_json_pointer_set(doc, "/b", json_integer(3), false), 0);
	assert_int_equal(kd_json_pointer_set(doc, "/a/0", json_string("r"), false), 0);
	assert_int_equal(kd_json_pointer_set(doc, "/a/-", json_integer(9), false), 0);
	assert_int_equal(kd_json_pointer_set(doc, "/a/3", json_integer(10), false), 0);
	assert_int_equal(kd_json_pointer_set(doc, "/x~1y/z~0", json_true(), true), 0);
	assert_int_equal(kd_json_pointer_set(doc, "/a/-/k", json_null(), true), 0);
	assert_json_eq(doc, "{\"a\": [\"r\", 2, 9, 10, {\"k\": null}], \"s\": \"x\","
			    " \"b\": 3, \"x/y\": {\"z~\": true}}");

	/* failures name the pointer and never leak the stolen value */
	assert_int_equal(kd_json_pointer_set(doc, "/p/q", json_integer(1), false),
			 KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "/p/q"));
	assert_int_equal(kd_json_pointer_set(doc, "/a/9", json_integer(1), false),
			 KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_set(doc, "/a/01", json_integer(1), false),
			 KD_EINVAL);
	assert_int_equal(kd_json_pointer_set(doc, "/s/t", json_integer(1), true),
			 KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "/s/t"));
	assert_int_equal(kd_json_pointer_set(doc, "", json_integer(1), false), KD_EINVAL);
	assert_int_equal(kd_json_pointer_set(doc, "/a", NULL, false), KD_EINVAL);
	assert_json_eq(doc, "{\"a\": [\"r\", 2, 9, 10, {\"k\": null}], \"s\": \"x\","
			    " \"b\": 3, \"x/y\": {\"z~\": true}}");
	json_decref(doc);
}

static void test_pointer_remove(void **state)
{
	json_t *doc = parse("{\"a\": [1, 2, 3], \"m~n\": {\"\": 1}}");

	(void)state;
	assert_int_equal(kd_json_pointer_remove(doc, "/a/1"), 0);
	assert_int_equal(kd_json_pointer_remove(doc, "/m~0n/"), 0);
	assert_json_eq(doc, "{\"a\": [1, 3], \"m~n\": {}}");
	assert_int_equal(kd_json_pointer_remove(doc, "/a/2"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "/a/2"));
	assert_int_equal(kd_json_pointer_remove(doc, "/a/-"), KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_remove(doc, "/zz"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "/zz"));
	assert_int_equal(kd_json_pointer_remove(doc, "/a/x"), KD_EINVAL);
	assert_int_equal(kd_json_pointer_remove(doc, ""), KD_EINVAL);
	assert_json_eq(doc, "{\"a\": [1, 3], \"m~n\": {}}");
	json_decref(doc);
}

static void test_pointer_append_and_split(void **state)
{
	kd_buf b = KD_BUF_INIT;
	json_t *parts = NULL, *doc = parse(rfc6901_doc), *got = NULL;

	(void)state;
	assert_int_equal(kd_json_pointer_append(&b, "metadata"), 0);
	assert_int_equal(kd_json_pointer_append(&b, "a/b~c"), 0);
	assert_int_equal(kd_json_pointer_append(&b, ""), 0);
	assert_string_equal(kd_buf_cstr(&b), "/metadata/a~1b~0c/");
	assert_int_equal(kd_json_pointer_split(&parts, kd_buf_cstr(&b)), 0);
	assert_json_eq(parts, "[\"metadata\", \"a/b~c\", \"\"]");
	json_decref(parts);

	/* "~01" is "~1" unescaped, not "/": ~1 must not be decoded twice */
	assert_int_equal(kd_json_pointer_split(&parts, "/~01/~10"), 0);
	assert_json_eq(parts, "[\"~1\", \"/0\"]");
	json_decref(parts);
	assert_int_equal(kd_json_pointer_split(&parts, ""), 0);
	assert_json_eq(parts, "[]");
	json_decref(parts);
	parts = NULL;
	assert_int_equal(kd_json_pointer_split(&parts, "x/y"), KD_EINVAL);
	assert_null(parts);
	assert_int_equal(kd_json_pointer_split(&parts, "/~x"), KD_EINVAL);
	assert_null(parts);

	/* a pointer built by append finds what it named */
	kd_buf_clear(&b);
	assert_int_equal(kd_json_pointer_append(&b, "m~n"), 0);
	assert_int_equal(kd_json_pointer_get(&got, doc, kd_buf_cstr(&b)), 0);
	assert_json_eq(got, "8");
	kd_buf_free(&b);
	json_decref(doc);
}

static void test_pointer_parent_and_index(void **state)
{
	json_t *doc = parse("{\"a\": {\"b/c\": [1]}}"), *parent = NULL;
	char *last = NULL;
	size_t idx = 99;

	(void)state;
	assert_int_equal(kd_json_pointer_parent(&parent, &last, doc, "/a/b~1c/-", false), 0);
	assert_ptr_equal(parent, json_object_get(json_object_get(doc, "a"), "b/c"));
	assert_string_equal(last, "-");
	free(last);
	/* the target itself need not exist */
	assert_int_equal(kd_json_pointer_parent(&parent, &last, doc, "/a/new", false), 0);
	assert_ptr_equal(parent, json_object_get(doc, "a"));
	assert_string_equal(last, "new");
	free(last);
	assert_int_equal(kd_json_pointer_parent(&parent, &last, doc, "", false), KD_EINVAL);
	assert_null(parent);
	assert_null(last);
	assert_int_equal(kd_json_pointer_parent(&parent, &last, doc, "/x/y/z", false),
			 KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_parent(&parent, &last, doc, "/x/y/z", true), 0);
	assert_string_equal(last, "z");
	free(last);
	assert_non_null(kd_json_obj(kd_json_obj(doc, "x"), "y"));

	assert_int_equal(kd_json_pointer_index(&idx, "0", 2, false, "/p"), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(kd_json_pointer_index(&idx, "10", 11, false, "/p"), 0);
	assert_int_equal(idx, 10);
	assert_int_equal(kd_json_pointer_index(&idx, "-", 2, true, "/p"), 0);
	assert_int_equal(idx, 2);
	assert_int_equal(kd_json_pointer_index(&idx, "2", 2, true, "/p"), 0);
	assert_int_equal(idx, 2);
	assert_int_equal(kd_json_pointer_index(&idx, "2", 2, false, "/p"), KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_index(&idx, "-", 2, false, "/p"), KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_index(&idx, "00", 2, true, "/p"), KD_EINVAL);
	assert_int_equal(kd_json_pointer_index(&idx, "+1", 2, true, "/p"), KD_EINVAL);
	assert_int_equal(kd_json_pointer_index(&idx, "1 ", 2, true, "/p"), KD_EINVAL);
	assert_int_equal(kd_json_pointer_index(&idx, "", 2, true, "/p"), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "/p"));
	json_decref(doc);
}

static void test_equal_by_value(void **state)
{
	static const struct { const char *a, *b; bool eq; } cases[] = {
		{ "1", "1.0", true },
		{ "-0.0", "0", true },
		{ "2.5", "2.5", true },
		{ "2.5", "2", false },
		{ "1e3", "1000", true },
		{ "9007199254740993", "9007199254740992.0", false },
		{ "9223372036854775807", "9223372036854775808.0", false },
		{ "{\"a\":1,\"b\":[1,2]}", "{\"b\":[1.0,2],\"a\":1}", true },
		{ "{\"a\":1}", "{\"a\":1,\"b\":null}", false },
		{ "[1,2]", "[2,1]", false },
		{ "\"1\"", "1", false },
		{ "null", "false", false },
		{ "true", "true", true },
		{ "{}", "[]", false },
		{ "\"a\\u0000b\"", "\"a\\u0000c\"", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *a = parse(cases[i].a), *b = parse(cases[i].b);

		if (kd_json_equal(a, b) != cases[i].eq || kd_json_equal(b, a) != cases[i].eq)
			fail_msg("equal(%s, %s) should be %d", cases[i].a, cases[i].b,
				 cases[i].eq);
		json_decref(a);
		json_decref(b);
	}
	assert_true(kd_json_equal(NULL, NULL));
	assert_false(kd_json_equal(NULL, json_null()));
}

static void expect_canonical(const char *in, const char *want)
{
	kd_buf b = KD_BUF_INIT;
	json_t *v = parse(in), *back;

	assert_int_equal(kd_json_canonical(&b, v), 0);
	if (strcmp(kd_buf_cstr(&b), want) != 0)
		fail_msg("canonical(%s) = %s, want %s", in, kd_buf_cstr(&b), want);
	/* the canonical text is JSON that means the same value */
	back = parse(kd_buf_cstr(&b));
	assert_true(kd_json_equal(v, back));
	json_decref(back);
	json_decref(v);
	kd_buf_free(&b);
}

static void test_canonical(void **state)
{
	(void)state;
	expect_canonical("{ \"b\": 1, \"a\": { \"d\": [ 1 , 2 ], \"c\": null } }",
			 "{\"a\":{\"c\":null,\"d\":[1,2]},\"b\":1}");
	expect_canonical("{\"b\":0,\"a\":0,\"B\":0,\"aa\":0,\"\":0}",
			 "{\"\":0,\"B\":0,\"a\":0,\"aa\":0,\"b\":0}");
	expect_canonical("2.0", "2");
	expect_canonical("-0.0", "0");
	expect_canonical("1e3", "1000");
	expect_canonical("0.1", "0.1");
	expect_canonical("-2.5", "-2.5");
	expect_canonical("1.7976931348623157e308", "1.7976931348623157e308");
	expect_canonical("1e-7", "1e-7");
	expect_canonical("5e-324", "5e-324");
	expect_canonical("1e20", "1e20");
	expect_canonical("0.30000000000000004", "0.30000000000000004");
	expect_canonical("-9223372036854775808", "-9223372036854775808");
	expect_canonical("[true,false,null,\"\"]", "[true,false,null,\"\"]");
	expect_canonical("\"q\\\" b\\\\ \\/ \\b\\f\\n\\r\\t \\u0001\\u001f \\u007f\"",
			 "\"q\\\" b\\\\ / \\b\\f\\n\\r\\t \\u0001\\u001f \x7f\"");
	expect_canonical("\"caf\\u00e9 \xe2\x82\xac \\ud83d\\ude00\"",
			 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* keys sort by their UTF-8 bytes */
	expect_canonical("{\"\xc3\xa9\":1,\"z\":2}", "{\"z\":2,\"\xc3\xa9\":1}");
	expect_canonical("\"a\\u0000b\"", "\"a\\u0000b\"");
}

static void test_canonical_equal_values_equal_bytes(void **state)
{
	static const char *const pairs[][2] = {
		{ "{\"x\":1,\"y\":[2,3.0]}", "{\"y\":[2.0,3],\"x\":1.0}" },
		{ "{\"spec\":{\"replicas\":3}}", "{\"spec\":{\"replicas\":3.0}}" },
		{ "[0]", "[-0.0]" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		kd_buf a = KD_BUF_INIT, b = KD_BUF_INIT;
		char ha[65], hb[65];
		json_t *va = parse(pairs[i][0]), *vb = parse(pairs[i][1]);

		assert_true(kd_json_equal(va, vb));
		assert_int_equal(kd_json_canonical(&a, va), 0);
		assert_int_equal(kd_json_canonical(&b, vb), 0);
		assert_string_equal(kd_buf_cstr(&a), kd_buf_cstr(&b));
		assert_int_equal(kd_json_sha256_hex(ha, va), 0);
		assert_int_equal(kd_json_sha256_hex(hb, vb), 0);
		assert_string_equal(ha, hb);
		kd_buf_free(&a);
		kd_buf_free(&b);
		json_decref(va);
		json_decref(vb);
	}
}

static void test_sha256(void **state)
{
	char hex[65];
	unsigned char digest[32];
	json_t *v;

	(void)state;
	/* FIPS 180-2 test vectors */
	kd_sha256_hex(hex, "abc", 3);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	kd_sha256_hex(hex, "", 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	kd_sha256_hex(hex, NULL, 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	kd_sha256_hex(hex, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

	/* the digest of a value is the digest of its canonical bytes */
	v = parse("{\"b\": 2.0, \"a\": \"c\"}");
	assert_int_equal(kd_json_sha256_hex(hex, v), 0);
	{
		char want[65];
		const char canon[] = "{\"a\":\"c\",\"b\":2}";

		kd_sha256_hex(want, canon, strlen(canon));
		assert_string_equal(hex, want);
	}
	/* the raw digest is the hex digest's bytes */
	assert_int_equal(kd_json_sha256(digest, v), 0);
	{
		char from_raw[65];
		int i;

		for (i = 0; i < 32; i++)
			snprintf(from_raw + 2 * i, 3, "%02x", digest[i]);
		assert_string_equal(from_raw, hex);
	}
	json_decref(v);
}

static void test_getters(void **state)
{
	json_t *v = parse("{\"s\":\"x\",\"o\":{},\"a\":[],\"n\":1}");

	(void)state;
	assert_string_equal(kd_json_str(v, "s"), "x");
	assert_null(kd_json_str(v, "n"));
	assert_null(kd_json_str(v, "missing"));
	assert_null(kd_json_str(NULL, "s"));
	assert_ptr_equal(kd_json_obj(v, "o"), json_object_get(v, "o"));
	assert_null(kd_json_obj(v, "a"));
	assert_ptr_equal(kd_json_arr(v, "a"), json_object_get(v, "a"));
	assert_null(kd_json_arr(v, "o"));
	assert_null(kd_json_arr(json_object_get(v, "a"), "a"));
	assert_null(kd_json_obj(NULL, "o"));
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pointer_rfc6901_examples),
		cmocka_unit_test(test_pointer_errors),
		cmocka_unit_test(test_pointer_set),
		cmocka_unit_test(test_pointer_remove),
		cmocka_unit_test(test_pointer_append_and_split),
		cmocka_unit_test(test_pointer_parent_and_index),
		cmocka_unit_test(test_equal_by_value),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_canonical_equal_values_equal_bytes),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_getters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
