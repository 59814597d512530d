/*
 * Tests for core/data/yaml.c, core/data/yaml_scalar.c and core/data/yaml_emit.c: scalar
 * typing against the kustomize table, streams, keys, merges, anchors,
 * limits, error positions, positions output, and emit → parse round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"

/* ---- helpers ---------------------------------------------------------- */

/* Deep equality where numbers compare by value (1 equals 1.0), as kustomize
 * does not distinguish them either. */
static int values_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_array(a)) {
		size_t i;

		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!values_equal(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	if (json_is_object(a)) {
		const char *k;
		json_t *v;

		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, k, v) {
			json_t *w = json_object_get(b, k);

			if (!w || !values_equal(v, w))
				return 0;
		}
		return 1;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

static char *dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(s);
	return s;
}

/* Parses text and checks the stream equals the JSON in want. */
static void expect_stream(const char *text, const char *want_json)
{
	json_t *got = NULL, *want;
	json_error_t jerr;
	int rc;

	rc = kd_yaml_parse(&got, NULL, text, strlen(text), "t.yaml", NULL);
	if (rc != 0)
		fail_msg("parse of [%s] failed: %s", text, kd_error_last());
	want = json_loads(want_json, JSON_DECODE_ANY, &jerr);
	assert_non_null(want);
	if (!values_equal(got, want)) {
		char *g = dump(got);

		fail_msg("[%s]: got %s, want %s", text, g, want_json);
	}
	json_decref(got);
	json_decref(want);
}

/* Parses text, expects failure with code and a message starting with
 * prefix and containing needle. */
static void expect_error(const char *text, int code, const char *prefix, const char *needle)
{
	json_t *got = NULL;
	int rc = kd_yaml_parse(&got, NULL, text, strlen(text), "t.yaml", NULL);

	if (rc != code)
		fail_msg("[%s]: rc %d, want %d (%s)", text, rc, code, kd_error_last());
	assert_null(got);
	if (strncmp(kd_error_last(), prefix, strlen(prefix)) != 0)
		fail_msg("[%s]: message [%s] does not start with [%s]", text,
			 kd_error_last(), prefix);
	if (needle && !strstr(kd_error_last(), needle))
		fail_msg("[%s]: message [%s] lacks [%s]", text, kd_error_last(), needle);
}

/* ---- the kustomize typing table ---------------------------------------- */

static char *fixture_path(const char *rel)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_buf_printf(&b, "%s/tests/fixtures/yaml/%s", root ? root : ".", rel), 0);
	return kd_buf_detach(&b);
}

static void check_typing_row(const char *input, const char *expected, size_t lineno)
{
	kd_buf doc = KD_BUF_INIT;
	json_t *got = NULL, *want = NULL;
	json_error_t jerr;
	int rc;
	char c = input[0];
	int plain = !(c == '"' || c == '\'' || c == '!' || c == '&' || c == '*');

	assert_int_equal(kd_buf_printf(&doc, "k: %s\n", input), 0);
	rc = kd_yaml_parse(&got, NULL, doc.data, doc.len, "typing", NULL);
	if (strcmp(expected, "error") == 0) {
		if (rc == 0)
			fail_msg("typing.tsv:%zu: [%s] parsed, kustomize refuses it", lineno, input);
		/* The scalar starts at line 1, column 4. */
		if (strncmp(kd_error_last(), "typing:1:4: ", 12) != 0)
			fail_msg("typing.tsv:%zu: [%s] error lacks its position: %s",
				 lineno, input, kd_error_last());
		if (plain)
			assert_int_not_equal(kd_yaml_plain_scalar(&got, input, strlen(input)), 0);
		kd_buf_free(&doc);
		return;
	}
	want = json_loads(expected, JSON_DECODE_ANY, &jerr);
	if (!want)
		fail_msg("typing.tsv:%zu: bad expected JSON [%s]", lineno, expected);
	if (rc != 0)
		fail_msg("typing.tsv:%zu: [%s] failed: %s", lineno, input, kd_error_last());
	if (!values_equal(json_object_get(json_array_get(got, 0), "k"), want)) {
		char *g = dump(got);

		fail_msg("typing.tsv:%zu: [%s] gave %s, kustomize gives %s", lineno, input, g, expected);
	}
	json_decref(got);
	got = NULL;
	if (plain) {
		assert_int_equal(kd_yaml_plain_scalar(&got, input, strlen(input)), 0);
		if (!values_equal(got, want)) {
			char *g = dump(got);

			fail_msg("typing.tsv:%zu: plain [%s] gave %s, kustomize gives %s",
				 lineno, input, g, expected);
		}
		json_decref(got);
	}
	json_decref(want);
	kd_buf_free(&doc);
}

static void test_typing_table(void **state)
{
	char *path = fixture_path("typing.tsv");
	kd_buf file = KD_BUF_INIT;
	char *line, *save = NULL;
	size_t lineno = 0, rows = 0;

	(void)state;
	assert_int_equal(kd_buf_read_file(&file, path, 0), 0);
	/* strtok_r would merge empty lines; split by hand to keep numbers. */
	for (line = file.data; line && *line; line = save) {
		char *nl = strchr(line, '\n'), *tab;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		check_typing_row(line, tab + 1, lineno);
		rows++;
	}
	assert_true(rows >= 40);
	kd_buf_free(&file);
	free(path);
}

/* ---- streams and documents --------------------------------------------- */

static void test_streams(void **state)
{
	(void)state;
	expect_stream("a: 1\n---\nb: 2\n---\n- x\n", "[{\"a\":1},{\"b\":2},[\"x\"]]");
	/* Empty documents, comment-only documents and null documents are skipped. */
	expect_stream("---\n---\n# only a comment\n---\na: 1\n---\n...\n", "[{\"a\":1}]");
	expect_stream("", "[]");
	{
		json_t *v = NULL;

		assert_int_equal(kd_yaml_parse(&v, NULL, NULL, 0, NULL, NULL), 0);
		assert_int_equal(json_array_size(v), 0);
		json_decref(v);
	}
	expect_stream("# nothing\n", "[]");
	expect_stream("--- null\n", "[]");
	expect_stream("--- 5\n--- text\n", "[5, \"text\"]");
	/* Windows line endings. */
	expect_stream("a: 1\r\nb:\r\n  - x\r\n  - |\r\n    l1\r\n    l2\r\n",
		      "[{\"a\":1,\"b\":[\"x\",\"l1\\nl2\\n\"]}]");
	/* UTF-8 text and a byte-order mark. */
	expect_stream("\xef\xbb\xbfname: caf\xc3\xa9 \xe2\x9c\x93\n",
		      "[{\"name\":\"caf\\u00e9 \\u2713\"}]");
}

static void test_parse_one(void **state)
{
	json_t *v = NULL, *pos = NULL;

	(void)state;
	assert_int_equal(kd_yaml_parse_one(&v, &pos, "a: 1\n", 5, "x", NULL), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	assert_non_null(json_object_get(pos, "/a"));
	json_decref(v);
	json_decref(pos);
	assert_int_equal(kd_yaml_parse_one(&v, NULL, "", 0, "x", NULL), 0);
	assert_true(json_is_null(v));
	json_decref(v);
	assert_int_equal(kd_yaml_parse_one(&v, NULL, "a: 1\n---\nb: 2\n", 14, "two.yaml", NULL),
			 KD_EINVAL);
	assert_null(v);
	assert_non_null(strstr(kd_error_last(), "two.yaml:3:1: "));
}

static void test_block_and_quoted_scalars(void **state)
{
	(void)state;
	expect_stream("a: |\n  x\n  y\n\nb: |-\n  x\nc: |+\n  x\n\nd: >\n  x\n  y\n\n  z\ne: >-\n  p\n  q\n",
		      "[{\"a\":\"x\\ny\\n\",\"b\":\"x\",\"c\":\"x\\n\\n\",\"d\":\"x y\\nz\\n\",\"e\":\"p q\"}]");
	expect_stream("a: |\n  10\nb: \"\\t\\u00e9\\x41\"\nc: 'it''s'\nd: \"multi\n  line\"\n",
		      "[{\"a\":\"10\\n\",\"b\":\"\\t\\u00e9A\",\"c\":\"it's\",\"d\":\"multi line\"}]");
	expect_stream("a: |2\n    indented\n", "[{\"a\":\"  indented\\n\"}]");
}

static void test_keys(void **state)
{
	(void)state;
	/* kustomize keeps top-level keys as written and refuses deeper keys
	 * that are not strings. */
	expect_stream("1: a\ntrue: b\n0x1F: c\n", "[{\"1\":\"a\",\"true\":\"b\",\"0x1F\":\"c\"}]");
	expect_stream("a:\n  \"1\": x\n  'true': y\n  !!str 2: z\n",
		      "[{\"a\":{\"1\":\"x\",\"true\":\"y\",\"2\":\"z\"}}]");
	expect_error("a:\n  1: x\n", KD_EINVAL, "t.yaml:2:3: ", "mapping key 1 is not a string");
	expect_error("~: x\n", KD_EINVAL, "t.yaml:1:1: ", "not a string");
	expect_error("a:\n  !!int \"7\": x\n", KD_EINVAL, "t.yaml:2:3: ", "key 7 is not");
	expect_error("a:\n  true: x\n", KD_EINVAL, "t.yaml:2:3: ", "not a string");
	expect_error("a:\n  ~: x\n", KD_EINVAL, "t.yaml:2:3: ", "not a string");
	expect_error("a:\n  2026-11-26: x\n", KD_EINVAL, "t.yaml:2:3: ", "not a string");
	expect_error("a:\n  [1, 2]: x\n", KD_EINVAL, "t.yaml:2:3: ", "scalar");
	expect_error("a:\n  ? {b: 1}\n  : x\n", KD_EINVAL, "t.yaml:2:5: ", "scalar");
	/* Duplicate keys are refused, at the second key. */
	expect_error("a: 1\nb: 2\na: 3\n", KD_EINVAL, "t.yaml:3:1: ", "\"a\" already defined at line 1");
	expect_error("x:\n  a: 1\n  \"a\": 2\n", KD_EINVAL, "t.yaml:3:3: ", "already defined");
}

static void test_merge_keys(void **state)
{
	(void)state;
	expect_stream("<<: {data: {a: \"1\"}}\nkind: ConfigMap\n",
		      "[{\"data\":{\"a\":\"1\"},\"kind\":\"ConfigMap\"}]");
	expect_stream("b: &x {p: 1, q: 2}\nc:\n  <<: *x\n  q: 3\n",
		      "[{\"b\":{\"p\":1,\"q\":2},\"c\":{\"p\":1,\"q\":3}}]");
	/* Explicit keys win even when written before "<<"; earlier maps win. */
	expect_stream("c:\n  q: 3\n  <<: [{p: 1}, {p: 2, r: 3, q: 9}]\n",
		      "[{\"c\":{\"q\":3,\"p\":1,\"r\":3}}]");
	/* A quoted "<<" is dropped with its value, as kustomize does. */
	expect_stream("c:\n  \"<<\": {a: 1}\n  b: 2\n", "[{\"c\":{\"b\":2}}]");
	expect_error("c:\n  <<: {a: 1}\n  <<: {b: 1}\n", KD_EINVAL, "t.yaml:3:3: ",
		     "duplicate merge key");
	expect_error("c:\n  <<: 5\n", KD_EINVAL, "t.yaml:2:7: ", "map merge requires");
	expect_error("c:\n  <<: [{a: 1}, 2]\n", KD_EINVAL, "t.yaml:", "map merge requires");
}

static void test_anchors(void **state)
{
	(void)state;
	expect_stream("a: &a [1, 2]\nb: *a\nc: &c 2026-11-26\nd: *c\n",
		      "[{\"a\":[1,2],\"b\":[1,2],\"c\":\"2026-11-26T00:00:00Z\",\"d\":\"2026-11-26T00:00:00Z\"}]");
	/* Anchors belong to their document. */
	expect_error("a: &a 1\n---\nb: *a\n", KD_EINVAL, "t.yaml:3:4: ", "unknown anchor");
	/* An anchor may be redefined; aliases see the latest. */
	expect_stream("- &a 1\n- *a\n- &a 2\n- *a\n", "[[1,1,2,2]]");
	/* Expanded values are copies: changing one leaves the other. */
	{
		json_t *v = NULL;

		assert_int_equal(kd_yaml_parse(&v, NULL, "a: &a {x: 1}\nb: *a\n", 19, "t", NULL), 0);
		json_object_set_new(json_object_get(json_array_get(v, 0), "b"), "x", json_integer(2));
		assert_int_equal(json_integer_value(json_object_get(
			json_object_get(json_array_get(v, 0), "a"), "x")), 1);
		json_decref(v);
	}
}

/* ---- limits ------------------------------------------------------------- */

static void test_alias_bomb(void **state)
{
	kd_buf b = KD_BUF_INIT;
	json_t *v = NULL;
	int i, j;

	(void)state;
	assert_int_equal(kd_buf_puts(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"), 0);
	for (i = 1; i < 10; i++) {
		assert_int_equal(kd_buf_printf(&b, "a%d: &a%d [", i, i), 0);
		for (j = 0; j < 9; j++)
			assert_int_equal(kd_buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1), 0);
		assert_int_equal(kd_buf_puts(&b, "]\n"), 0);
	}
	assert_int_equal(kd_yaml_parse(&v, NULL, b.data, b.len, "bomb.yaml", NULL), KD_ELIMIT);
	assert_null(v);
	assert_non_null(strstr(kd_error_last(), "bomb.yaml:"));
	assert_non_null(strstr(kd_error_last(), "aliases expand to more than"));
	/* The budget covers the whole stream, not each document. */
	{
		kd_yaml_limits lim = kd_yaml_default_limits;

		lim.max_alias_nodes = 100;
		kd_buf_clear(&b);
		for (i = 0; i < 30; i++)
			assert_int_equal(kd_buf_puts(&b, "---\na: &a [1, 2, 3]\nb: *a\n"), 0);
		assert_int_equal(kd_yaml_parse(&v, NULL, b.data, b.len, "many.yaml", &lim), KD_ELIMIT);
		assert_non_null(strstr(kd_error_last(), "many.yaml:78:4: "));
	}
	kd_buf_free(&b);
}

static void test_depth_limit(void **state)
{
	kd_buf b = KD_BUF_INIT;
	json_t *v = NULL;
	kd_yaml_limits lim = kd_yaml_default_limits;
	int i;

	(void)state;
	/* 10,000 nested flow sequences: refused, not a stack overflow. */
	for (i = 0; i < 10000; i++)
		assert_int_equal(kd_buf_putc(&b, '['), 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal(kd_buf_putc(&b, ']'), 0);
	assert_int_equal(kd_yaml_parse(&v, NULL, b.data, b.len, "deep.yaml", NULL), KD_ELIMIT);
	assert_non_null(strstr(kd_error_last(), "deep.yaml:1:257: nesting deeper than 256"));
	kd_buf_clear(&b);
	/* Block mappings nested 10,000 deep. */
	for (i = 0; i < 10000; i++)
		assert_int_equal(kd_buf_printf(&b, "%*sk:\n", i, ""), 0);
	assert_int_equal(kd_yaml_parse(&v, NULL, b.data, b.len, "deep.yaml", NULL), KD_ELIMIT);
	assert_non_null(strstr(kd_error_last(), "deep.yaml:257:257: "));
	/* Exactly at the limit is fine. */
	kd_buf_clear(&b);
	lim.max_depth = 3;
	assert_int_equal(kd_yaml_parse(&v, NULL, "[[[1]]]", 7, "d", &lim), 0);
	json_decref(v);
	assert_int_equal(kd_yaml_parse(&v, NULL, "[[[[1]]]]", 9, "d", &lim), KD_ELIMIT);
	/* An alias cannot smuggle depth past the limit either. */
	assert_int_equal(kd_yaml_parse(&v, NULL, "a: &a [[1]]\nb: [*a]\n", 20, "d", &lim), KD_ELIMIT);
	assert_non_null(strstr(kd_error_last(), "d:2:5: "));
	kd_buf_free(&b);
}

static void test_size_limit(void **state)
{
	kd_yaml_limits lim = kd_yaml_default_limits;
	json_t *v = NULL;

	(void)state;
	lim.max_bytes = 8;
	assert_int_equal(kd_yaml_parse(&v, NULL, "a: 12345\n", 9, "big.yaml", &lim), KD_ELIMIT);
	assert_non_null(strstr(kd_error_last(), "big.yaml:1:1: "));
	assert_int_equal(kd_yaml_parse(&v, NULL, "a: 1234\n", 8, "big.yaml", &lim), 0);
	json_decref(v);
}

static void test_huge_scalar(void **state)
{
	size_t n = 8u * 1024 * 1024, i;
	char *text = malloc(n + 8);
	json_t *v = NULL;

	(void)state;
	assert_non_null(text);
	memcpy(text, "k: ", 3);
	for (i = 0; i < n; i++)
		text[3 + i] = (char)('a' + i % 26);
	text[3 + n] = '\n';
	assert_int_equal(kd_yaml_parse(&v, NULL, text, n + 4, "huge", NULL), 0);
	assert_int_equal(json_string_length(json_object_get(json_array_get(v, 0), "k")), n);
	json_decref(v);
	free(text);
}

/* ---- errors --------------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("a: [1\nb: 2\n", KD_EINVAL, "t.yaml:2:2: ", "flow sequence");
	expect_error("a: b: c\n", KD_EINVAL, "t.yaml:1:5: ", "mapping values are not allowed");
	expect_error("a:\n  - 1\n - 2\n", KD_EINVAL, "t.yaml:3:2: ", NULL);
	expect_error("a: \"unterminated\n", KD_EINVAL, "t.yaml:2:1: ", "quoted scalar");
	expect_error("a: *nope\n", KD_EINVAL, "t.yaml:1:4: ", "unknown anchor 'nope'");
	expect_error("\tkey: 1\n", KD_EINVAL, "t.yaml:1:1: ", "cannot start any token");
	/* Invalid UTF-8, located by line and column. */
	expect_error("a: ok\nb: caf\xc3\n", KD_EINVAL, "t.yaml:2:7: ", "UTF-8");
	expect_error("a: \xff\n", KD_EINVAL, "t.yaml:1:4: ", "UTF-8");
	/* Values JSON cannot hold. */
	expect_error("a:\n  b: .inf\n", KD_EINVAL, "t.yaml:2:6: ", "cannot be represented");
	expect_error("a: !!int 1.5\n", KD_EINVAL, "t.yaml:1:4: ", "as a !!int");
}

/* ---- positions --------------------------------------------------------------- */

static void expect_pos(const json_t *pos, const char *ptr, int line, int col)
{
	json_t *p = json_object_get(pos, ptr);

	if (!p)
		fail_msg("no position for [%s]", ptr);
	if (json_integer_value(json_array_get(p, 0)) != line ||
	    json_integer_value(json_array_get(p, 1)) != col)
		fail_msg("[%s] at %lld:%lld, want %d:%d", ptr,
			 (long long)json_integer_value(json_array_get(p, 0)),
			 (long long)json_integer_value(json_array_get(p, 1)), line, col);
}

static void test_positions(void **state)
{
	const char *text =
		"# comment\n"
		"---\n"
		"apiVersion: v1\n"
		"spec:\n"
		"  replicas: 3\n"
		"  items:\n"
		"    - name: a\n"
		"      v: [1, {x/y: 2}]\n"
		"  \"t~e\": 1\n"
		"---\n"
		"--- x\n";
	json_t *docs = NULL, *pos = NULL, *p0;

	(void)state;
	assert_int_equal(kd_yaml_parse(&docs, &pos, text, strlen(text), "p.yaml", NULL), 0);
	assert_int_equal(json_array_size(docs), 2);
	assert_int_equal(json_array_size(pos), 2);
	p0 = json_array_get(pos, 0);
	expect_pos(p0, "", 3, 1);
	expect_pos(p0, "/apiVersion", 3, 1);
	expect_pos(p0, "/spec", 4, 1);
	expect_pos(p0, "/spec/replicas", 5, 3);
	expect_pos(p0, "/spec/items", 6, 3);
	expect_pos(p0, "/spec/items/0", 7, 7);
	expect_pos(p0, "/spec/items/0/name", 7, 7);
	expect_pos(p0, "/spec/items/0/v", 8, 7);
	expect_pos(p0, "/spec/items/0/v/0", 8, 11);
	expect_pos(p0, "/spec/items/0/v/1", 8, 14);
	expect_pos(p0, "/spec/items/0/v/1/x~1y", 8, 15);
	expect_pos(p0, "/spec/t~0e", 9, 3);
	expect_pos(json_array_get(pos, 1), "", 11, 5);
	json_decref(docs);
	json_decref(pos);
	/* Aliases sit where they are used; merged keys at their "<<". */
	text = "base: &b {x: 1}\n"
	       "list:\n"
	       "  - *b\n"
	       "obj:\n"
	       "  y: 2\n"
	       "  <<: *b\n";
	assert_int_equal(kd_yaml_parse(&docs, &pos, text, strlen(text), "p.yaml", NULL), 0);
	p0 = json_array_get(pos, 0);
	expect_pos(p0, "/base/x", 1, 11);
	expect_pos(p0, "/list/0", 3, 5);
	expect_pos(p0, "/obj/y", 5, 3);
	expect_pos(p0, "/obj/x", 6, 3);
	assert_null(json_object_get(p0, "/obj/<<"));
	json_decref(docs);
	json_decref(pos);
}

/* ---- emitting ---------------------------------------------------------------- */

static void expect_emit(const char *json, const char *want_yaml)
{
	json_error_t jerr;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
	kd_buf b = KD_BUF_INIT;

	assert_non_null(v);
	assert_int_equal(kd_yaml_emit(&b, v), 0);
	if (strcmp(kd_buf_cstr(&b), want_yaml) != 0)
		fail_msg("emit %s:\n%s\nwant:\n%s", json, kd_buf_cstr(&b), want_yaml);
	json_decref(v);
	kd_buf_free(&b);
}

/* Emits v, parses the text back and requires the same value. */
static void expect_round_trip(const json_t *v)
{
	kd_buf b = KD_BUF_INIT;
	json_t *back = NULL;

	assert_int_equal(kd_yaml_emit(&b, v), 0);
	if (kd_yaml_parse(&back, NULL, b.data, b.len, "emitted", NULL) != 0) {
		char *d = dump(v);

		fail_msg("emitted YAML for %s does not parse: %s\n%s", d, kd_error_last(),
			 kd_buf_cstr(&b));
	}
	if (json_is_null(v) ? json_array_size(back) != 0
			    : (json_array_size(back) != 1 || !values_equal(json_array_get(back, 0), v))) {
		char *d = dump(v), *g = dump(back);

		fail_msg("round trip of %s gave %s via:\n%s", d, g, kd_buf_cstr(&b));
	}
	json_decref(back);
	kd_buf_free(&b);
}

static void test_emit_layout(void **state)
{
	(void)state;
	/* kubectl's layout: sorted keys, sequences at the key's indent,
	 * "- key: v" for mappings in sequences, {} and [] when empty. */
	expect_emit("{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\",\"labels\":{}},"
		    "\"items\":[{\"name\":\"a\",\"ports\":[80,443]},[1,[]],{}],\"e\":[]}",
		    "apiVersion: v1\n"
		    "e: []\n"
		    "items:\n"
		    "- name: a\n"
		    "  ports:\n"
		    "  - 80\n"
		    "  - 443\n"
		    "- - 1\n"
		    "  - []\n"
		    "- {}\n"
		    "kind: ConfigMap\n"
		    "metadata:\n"
		    "  labels: {}\n"
		    "  name: x\n");
	expect_emit("{\"a\":\"l1\\nl2\\n\",\"b\":\"l1\\nl2\",\"c\":\"x\\n\\n\",\"d\":[\"p\\nq\\n\"]}",
		    "a: |\n  l1\n  l2\nb: |-\n  l1\n  l2\nc: |+\n  x\n\nd:\n- |\n  p\n  q\n");
	expect_emit("{\"n\":1.5,\"i\":-7,\"r\":1.0,\"big\":1e300,\"t\":true,\"f\":false,\"z\":null}",
		    "big: 1e+300\nf: false\ni: -7\n\"n\": 1.5\nr: 1\nt: true\nz: null\n");
	/* go-yaml's key order, as kubectl prints it: digit runs compare as
	 * numbers and letters sort after other characters. */
	expect_emit("{\"a10\":1,\"a9\":1,\"b\":1,\"B\":1,\"1\":1,\"10\":1,\"2\":1,\"x-1\":1,"
		    "\"x1\":1,\"item02\":1,\"item1\":1,\"item10\":1,\"port-8080\":1,\"port-80\":1,"
		    "\"app.kubernetes.io/name\":1,\"app\":1,\"_under\":1,\"Zed\":1}",
		    "_under: 1\n\"1\": 1\n\"2\": 1\n\"10\": 1\nB: 1\nZed: 1\na9: 1\na10: 1\napp: 1\n"
		    "app.kubernetes.io/name: 1\nb: 1\nitem1: 1\nitem02: 1\nitem10: 1\nport-80: 1\n"
		    "port-8080: 1\nx-1: 1\nx1: 1\n");
	expect_emit("\"text\"", "text\n");
	expect_emit("[]", "[]\n");
	expect_emit("{}", "{}\n");
	/* Strings a YAML 1.1 or 1.2 reader would type are double-quoted;
	 * strings that only cannot be plain are single-quoted, as kubectl
	 * does; characters outside the printable set are escaped. */
	expect_emit("[\"yes\",\"on\",\"n\",\"010\",\"1e3\",\"null\",\"~\",\"\",\"2026-11-26\",\"1:20\",\"0o17\",\"NO\"]",
		    "- \"yes\"\n- \"on\"\n- \"n\"\n- \"010\"\n- \"1e3\"\n- \"null\"\n- \"~\"\n- \"\"\n"
		    "- \"2026-11-26\"\n- \"1:20\"\n- \"0o17\"\n- \"NO\"\n");
	expect_emit("[\" a\",\"a \",\"a: b\",\"a #b\",\"#a\",\"- a\",\"a:\",\"\\u0001\\u007f\\u0085\\u2028\\ufeff\",\"tab\\there\",\"caf\\u00e9\"]",
		    "- ' a'\n- 'a '\n- 'a: b'\n- 'a #b'\n- '#a'\n- '- a'\n- 'a:'\n"
		    "- \"\\x01\\x7F\\N\\L\\uFEFF\"\n- \"tab\\there\"\n- café\n");
}

static void test_emit_refuses(void **state)
{
	json_t *v = json_pack("{s:{s:i}}", "a", "<<", 1);
	kd_buf b = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_yaml_emit(&b, v), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "merge key"));
	json_decref(v);
	v = json_object();
	assert_int_equal(kd_yaml_emit_stream(&b, v), KD_EINVAL);
	json_decref(v);
	/* Hand-built values nested past the emitter's depth are refused
	 * instead of exhausting the stack. */
	{
		json_t *deep = json_array(), *cur = deep;
		int i;

		for (i = 0; i < 5000; i++) {
			json_t *next = i % 2 ? json_array() : json_object();

			if (json_is_array(cur))
				json_array_append_new(cur, next);
			else
				json_object_set_new(cur, "k", next);
			cur = next;
		}
		json_array_append_new(cur, json_integer(1));
		kd_buf_clear(&b);
		assert_int_equal(kd_yaml_emit(&b, deep), KD_ELIMIT);
		json_decref(deep);
	}
	kd_buf_free(&b);
}

/* kubectl's own output for tests/fixtures/yaml/NAME/, parsed and emitted
 * again, comes out byte for byte (tests/integration/yaml_typing.sh checks
 * that kubectl still prints NAME.expected.yaml); and the hand-written input
 * parses to the objects kubectl printed (kustomize reorders documents). */
static void expect_kubectl_output(const char *name)
{
	kd_buf rel = KD_BUF_INIT, file = KD_BUF_INIT, in = KD_BUF_INIT, out = KD_BUF_INIT;
	char *path, *in_path;
	json_t *docs = NULL, *inputs = NULL, *d;
	size_t i, j;

	assert_int_equal(kd_buf_printf(&rel, "%s.expected.yaml", name), 0);
	path = fixture_path(kd_buf_cstr(&rel));
	kd_buf_clear(&rel);
	assert_int_equal(kd_buf_printf(&rel, "%s/input.yaml", name), 0);
	in_path = fixture_path(kd_buf_cstr(&rel));
	assert_int_equal(kd_buf_read_file(&file, path, 0), 0);
	assert_int_equal(kd_yaml_parse(&docs, NULL, file.data, file.len, path, NULL), 0);
	assert_int_equal(kd_yaml_emit_stream(&out, docs), 0);
	if (strcmp(kd_buf_cstr(&out), kd_buf_cstr(&file)) != 0) {
		const char *a = kd_buf_cstr(&out), *b = kd_buf_cstr(&file);
		size_t k = 0, line = 1;

		for (; a[k] && a[k] == b[k]; k++)
			line += a[k] == '\n';
		fail_msg("%s: emitted text differs from kubectl's at line %zu:\n%.200s\nkubectl:\n%.200s",
			 path, line, a + k, b + k);
	}
	assert_int_equal(kd_buf_read_file(&in, in_path, 0), 0);
	assert_int_equal(kd_yaml_parse(&inputs, NULL, in.data, in.len, in_path, NULL), 0);
	assert_int_equal(json_array_size(inputs), json_array_size(docs));
	json_array_foreach(docs, i, d) {
		for (j = 0; j < json_array_size(inputs); j++)
			if (values_equal(d, json_array_get(inputs, j)))
				break;
		if (j == json_array_size(inputs)) {
			char *g = dump(d);

			fail_msg("kubectl printed %s, which no input document equals", g);
		}
	}
	json_decref(docs);
	json_decref(inputs);
	kd_buf_free(&rel);
	kd_buf_free(&file);
	kd_buf_free(&in);
	kd_buf_free(&out);
	free(path);
	free(in_path);
}

static void test_emit_matches_kubectl(void **state)
{
	(void)state;
	expect_kubectl_output("layout");
	expect_kubectl_output("quoting");
}

static void test_emit_stream(void **state)
{
	json_t *docs = json_pack("[{s:i},[s],s]", "a", 1, "x", "y");
	json_t *back = NULL;
	kd_buf b = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_yaml_emit_stream(&b, docs), 0);
	assert_string_equal(kd_buf_cstr(&b), "a: 1\n---\n- x\n---\n\"y\"\n");
	assert_int_equal(kd_yaml_parse(&back, NULL, b.data, b.len, "s", NULL), 0);
	assert_true(values_equal(back, docs));
	json_decref(back);
	json_decref(docs);
	kd_buf_free(&b);
}

static void test_emit_round_trips(void **state)
{
	static const char *const strings[] = {
		"yes", "No", "ON", "y", "~", "null", "NULL", "", " ", "  x", "x  ", "010", "0x1F",
		"1_000", "1e3", ".5", "-.5", "+1", "1.", "1:20", "2026-11-26", "2026-11-26T10:00:00Z",
		".inf", ".NaN", "<<", "=", "-", "--", "---", "...", "--- x", "? x", ":x", "a:b",
		"a: b", "a #b", "a#b", "#", "&a", "*a", "!a", "|", ">", "%x", "@x", "`x", "'", "\"",
		"[a]", "{a}", "a,b", "a\nb", "a\nb\n", "a\n\n\n", "\n", "\na", "\n\n", " a\nb",
		"a\n b\n", "a\n  \nb", "a\r\nb", "a\rb", "a\tb", "\ta", "a\x01" "b", "\xc2\x85",
		"\xe2\x80\xa8", "\xef\xbb\xbf" "a", "caf\xc3\xa9", "\xf0\x9f\x98\x80", "a\\b",
		"line1\n---\nline3\n", "x\n...\n", "#!/bin/sh\necho hi\n", "- a\n- b\n",
		"key: value\nother: 1\n", "a\n\tb", "trailing space \nx",
		NULL,
	};
	const char *const *s;

	(void)state;
	for (s = strings; *s; s++) {
		json_t *v = strcmp(*s, "<<") == 0
				    ? json_pack("{s:s,s:[s]}", "v", *s, "l", *s)
				    : json_pack("{s:s,s:[s],s:{s:s}}", "v", *s, "l", *s, "m", *s, *s);

		assert_non_null(v);
		expect_round_trip(v);
		json_decref(v);
		v = json_string(*s);
		expect_round_trip(v);
		json_decref(v);
	}
	{
		/* A key too long for an implicit key is written explicitly. */
		char key[1500];
		json_t *v;

		memset(key, 'k', sizeof(key) - 1);
		key[sizeof(key) - 1] = '\0';
		v = json_pack("{s:[i],s:{s:i},s:s}", key, 1, "b", key, 2, "c", key);
		expect_round_trip(v);
		json_decref(v);
	}
}

/* A small deterministic generator, so failures reproduce. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33) % n;
}

static json_t *random_string(void)
{
	static const char *const pieces[] = {
		"a", "b", "yes", "no", "on", "010", "1", "e3", ".", "-", "+", "~", "null", " ", ":",
		": ", "#", " #", "\n", "\n\n", "\t", "\"", "'", "\\", "---", "...", "[", "]", "{",
		"}", ",", "&", "*", "!", "|", ">", "%", "@", "`", "?", "_", "0x", "2026-11-26",
		"T10:00:00Z", "caf\xc3\xa9", "\xe2\x9c\x93", "\xc2\x85", "\xe2\x80\xa8", "\x01",
		"\x7f", "\r", "<<", "=", "true", "Inf", ".nan", "word ", "  ", " \n", "\n ",
		"\xf0\x9f\x98\x80", "\xc2\xa0",
	};
	kd_buf b = KD_BUF_INIT;
	/* Now and then a long one, so that folding past column 80 is used. */
	uint32_t i, n = rnd(8) ? rnd(6) : rnd(120);
	json_t *v;

	for (i = 0; i < n; i++)
		assert_int_equal(kd_buf_puts(&b, pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]), 0);
	v = json_string(kd_buf_cstr(&b));
	kd_buf_free(&b);
	return v;
}

static json_t *random_value(int depth)
{
	static const double reals[] = { 0.1, -0.5, 1.5e-7, 1e20, -2.5e300, 3.14159,
					5e-324, 1.7976931348623157e308, 0.30000000000000004 };
	uint32_t kind = rnd(depth > 4 ? 6 : 9), i, n;
	json_t *v;

	switch (kind) {
	case 0: return json_null();
	case 1: return json_boolean(rnd(2));
	case 2: return json_integer((json_int_t)rnd(2000000) - 1000000);
	case 3:
		return rnd(4) ? json_real(reals[rnd(sizeof(reals) / sizeof(reals[0]))])
			      : json_real((double)rnd(1000000) / 1024.0 - 300.0);
	case 4:
	case 5: return random_string();
	case 6:
	case 7:
		v = json_object();
		n = rnd(5);
		for (i = 0; i < n; i++) {
			json_t *k = random_string();

			/* "<<" cannot be a key in YAML (see test_emit_refuses). */
			if (strcmp(json_string_value(k), "<<") != 0)
				json_object_set_new(v, json_string_value(k), random_value(depth + 1));
			json_decref(k);
		}
		return v;
	default:
		v = json_array();
		n = rnd(5);
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(depth + 1));
		return v;
	}
}

static void test_emit_property(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		json_t *v;

		rng_state = (uint64_t)i * 2654435761u + 1;
		v = random_value(0);
		assert_non_null(v);
		expect_round_trip(v);
		json_decref(v);
	}
}

/* Random corruptions of a real manifest never crash the parser, and every
 * failure names the input with a line and column. */
static void test_mutations(void **state)
{
	static const char bytes[] = ":-[]{}&*!|>'\"#%@`,? \t\n\r\x80\xc3\xff\x00x1~";
	char *path = fixture_path("layout/input.yaml");
	kd_buf orig = KD_BUF_INIT;
	int round;

	(void)state;
	assert_int_equal(kd_buf_read_file(&orig, path, 0), 0);
	for (round = 0; round < 2000; round++) {
		char *copy = malloc(orig.len);
		json_t *v = NULL;
		int k, edits, rc;

		assert_non_null(copy);
		memcpy(copy, orig.data, orig.len);
		rng_state = (uint64_t)round * 7919u + 17;
		edits = 1 + (int)rnd(4);
		for (k = 0; k < edits; k++)
			copy[rnd((uint32_t)orig.len)] = bytes[rnd(sizeof(bytes) - 1)];
		rc = kd_yaml_parse(&v, NULL, copy, orig.len, "m.yaml", NULL);
		if (rc == 0) {
			json_decref(v);
		} else {
			const char *msg = kd_error_last();
			unsigned line, col;

			assert_null(v);
			if (sscanf(msg, "m.yaml:%u:%u: ", &line, &col) != 2 || line == 0 || col == 0)
				fail_msg("round %d: error without a position: %s", round, msg);
		}
		free(copy);
	}
	kd_buf_free(&orig);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_table),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_parse_one),
		cmocka_unit_test(test_block_and_quoted_scalars),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_huge_scalar),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_emit_layout),
		cmocka_unit_test(test_emit_matches_kubectl),
		cmocka_unit_test(test_emit_refuses),
		cmocka_unit_test(test_emit_stream),
		cmocka_unit_test(test_emit_round_trips),
		cmocka_unit_test(test_emit_property),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
