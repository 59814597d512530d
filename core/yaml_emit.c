/*
 * yaml_emit — JSON values to block YAML that kd_yaml_parse reads back as
 * the same value, laid out the way kubectl prints objects: sorted keys,
 * two-space indent, sequences under a key at the key's own indent, "- key: v"
 * for sequences of mappings, {} and [] for empty collections.
 *
 * Strings stay plain only when no YAML 1.1 or 1.2 reader could take them
 * for anything else; otherwise they are double-quoted (kubectl's style).
 * Multi-line strings use a literal block (|, |- or |+) when that reads back
 * exactly, else double quotes with escapes.
 */
#include "yaml.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Keys longer than this are written as explicit "? key" entries: libyaml
 * only accepts implicit keys up to 1024 characters. */
#define SIMPLE_KEY_MAX 1000

static int indent_to(kd_buf *out, size_t n)
{
	int rc = kd_buf_grow(out, n);

	if (rc < 0)
		return rc;
	memset(out->data + out->len, ' ', n);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

/* Decodes one UTF-8 character (jansson strings are valid UTF-8). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t c = s[0];

	if (c < 0x80 || n < 2) {
		*len = 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		*len = 2;
		return ((c & 0x1f) << 6) | (s[1] & 0x3f);
	}
	if ((c & 0xf0) == 0xe0 && n >= 3) {
		*len = 3;
		return ((c & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
	}
	if (n >= 4) {
		*len = 4;
		return ((c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
		       ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	}
	*len = 1;
	return c;
}

/* Characters that may appear literally in any scalar style: YAML's
 * printable set minus the ones libyaml treats as line breaks (NEL, LS, PS)
 * and the byte-order mark. */
static bool literal_ok(uint32_t c)
{
	if (c == '\t')
		return true;
	if (c < 0x20 || c == 0x7f)
		return false;
	if (c >= 0x80 && c < 0xa0)
		return false;
	if (c == 0x2028 || c == 0x2029 || c == 0xfeff)
		return false;
	if (c >= 0xd800 && c <= 0xdfff)
		return false;
	if (c == 0xfffe || c == 0xffff)
		return false;
	return true;
}

static bool all_literal(const char *s, size_t n, bool allow_newline)
{
	size_t i = 0, len;

	while (i < n) {
		uint32_t c = utf8_next((const unsigned char *)s + i, n - i, &len);

		if (!(literal_ok(c) || (allow_newline && c == '\n')))
			return false;
		i += len;
	}
	return true;
}

static bool word_in_ci(const char *s, size_t n, const char *const *words)
{
	size_t i;

	for (; *words; words++) {
		if (strlen(*words) != n)
			continue;
		for (i = 0; i < n; i++)
			if ((s[i] | 0x20) != ((*words)[i] | 0x20))
				break;
		if (i == n)
			return true;
	}
	return false;
}

/* Words some YAML reader (1.1 or 1.2, any case) gives a non-string type. */
static const char *const typed_words[] = {
	"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
	".inf", "+.inf", "-.inf", ".nan", "=", "<<", NULL
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True when s can be written as a plain scalar and read back unchanged by
 * kd_yaml_parse and by YAML 1.1/1.2 readers. */
static bool plain_safe(const char *s, size_t n)
{
	json_t *v = NULL;
	kd_yaml_type type;
	bool same;
	size_t i;

	if (n == 0 || !all_literal(s, n, false))
		return false;
	if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]))
		return false;
	if (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == ':')
		return false;
	if (word_in_ci(s, n, typed_words))
		return false;
	/* Anything number-like (ints, floats, sexagesimal, dates, ...). */
	if (is_digit(s[0]) || ((s[0] == '+' || s[0] == '.') && n > 1 &&
			       (is_digit(s[1]) || s[1] == '.')))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '\t')
			return false;
		if (s[i] == ':' && i + 1 < n && s[i + 1] == ' ')
			return false;
		if (s[i] == '#' && i > 0 && s[i - 1] == ' ')
			return false;
	}
	if (kd_yaml_resolve_scalar(&v, &type, s, n, NULL, 1) < 0)
		return false;
	same = type == KD_YAML_STR && json_is_string(v) &&
	       json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0;
	json_decref(v);
	return same;
}

static int emit_double_quoted(kd_buf *out, const char *s, size_t n)
{
	size_t i = 0, len;
	int rc = kd_buf_putc(out, '"');

	while (rc == 0 && i < n) {
		uint32_t c = utf8_next((const unsigned char *)s + i, n - i, &len);

		switch (c) {
		case '"': rc = kd_buf_puts(out, "\\\""); break;
		case '\\': rc = kd_buf_puts(out, "\\\\"); break;
		case '\n': rc = kd_buf_puts(out, "\\n"); break;
		case '\t': rc = kd_buf_puts(out, "\\t"); break;
		case '\r': rc = kd_buf_puts(out, "\\r"); break;
		case 0: rc = kd_buf_puts(out, "\\0"); break;
		default:
			if (c == '\t' || literal_ok(c))
				rc = kd_buf_add(out, s + i, len);
			else if (c <= 0xff)
				rc = kd_buf_printf(out, "\\x%02X", (unsigned)c);
			else
				rc = kd_buf_printf(out, "\\u%04X", (unsigned)c);
		}
		i += len;
	}
	return rc ? rc : kd_buf_putc(out, '"');
}

/* A literal block reads back exactly when every character may appear
 * literally and the first line does not start with white space (which
 * would change the detected indentation); a string of line breaks only
 * is left to double quotes. */
static bool block_ok(const char *s, size_t n)
{
	if (n == 0 || !memchr(s, '\n', n))
		return false;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
		return false;
	return all_literal(s, n, true);
}

/* Writes "|" with its chomping indicator and the lines at `indent`. */
static int emit_block(kd_buf *out, const char *s, size_t n, size_t indent)
{
	size_t trailing = 0, start = 0, i;
	int rc;

	while (trailing < n && s[n - 1 - trailing] == '\n')
		trailing++;
	rc = kd_buf_puts(out, trailing == 0 ? "|-\n" : trailing == 1 ? "|\n" : "|+\n");
	/* Content lines, then the trailing line breaks as empty lines. */
	for (i = 0; rc == 0 && i <= n - trailing; i++) {
		if (i == n - trailing || s[i] == '\n') {
			if (i > start)
				rc = indent_to(out, indent);
			if (rc == 0)
				rc = kd_buf_add(out, s + start, i - start);
			if (rc == 0)
				rc = kd_buf_putc(out, '\n');
			start = i + 1;
		}
	}
	for (i = 1; rc == 0 && i < trailing; i++)
		rc = kd_buf_putc(out, '\n');
	return rc;
}

static int emit_string(kd_buf *out, const char *s, size_t n, size_t block_indent, bool is_key)
{
	if (plain_safe(s, n) && !(n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0)))
		return kd_buf_add(out, s, n);
	if (!is_key && block_ok(s, n))
		return emit_block(out, s, n, block_indent);
	return emit_double_quoted(out, s, n);
}

/* Reals print in the shortest form that reads back to the same double.
 * Integral values within int64 print as integers, as kubectl prints them
 * and as kd_yaml_parse would type them anyway. */
static int emit_real(kd_buf *out, double d)
{
	char tmp[64];
	int prec;

	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
	    (double)(json_int_t)d == d)
		return kd_buf_printf(out, "%lld", (long long)(json_int_t)d);
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return kd_buf_puts(out, tmp);
}

/* A scalar or empty collection, written after "key: " or "- ". */
static int emit_scalar(kd_buf *out, const json_t *v, size_t block_indent)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return kd_buf_puts(out, "{}\n");
	case JSON_ARRAY: return kd_buf_puts(out, "[]\n");
	case JSON_INTEGER:
		return kd_buf_printf(out, "%lld\n", (long long)json_integer_value(v));
	case JSON_REAL: {
		int rc = emit_real(out, json_real_value(v));

		return rc ? rc : kd_buf_putc(out, '\n');
	}
	case JSON_TRUE: return kd_buf_puts(out, "true\n");
	case JSON_FALSE: return kd_buf_puts(out, "false\n");
	case JSON_NULL: return kd_buf_puts(out, "null\n");
	case JSON_STRING: {
		size_t before = out->len;
		int rc = emit_string(out, json_string_value(v), json_string_length(v),
				     block_indent, false);

		/* Block scalars end with their own line break. */
		if (rc == 0 && !(out->len > before && out->data[before] == '|'))
			rc = kd_buf_putc(out, '\n');
		return rc;
	}
	}
	return kd_error_set(KD_EINVAL, "cannot emit this JSON value as YAML");
}

static bool nonempty_collection(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) > 0) ||
	       (json_is_array(v) && json_array_size(v) > 0);
}

static int emit_mapping(kd_buf *out, const json_t *obj, size_t indent, bool first_inline);
static int emit_sequence(kd_buf *out, const json_t *arr, size_t indent, bool first_inline);

/* What follows "key:" for a mapping entry at `indent`. */
static int emit_after_key(kd_buf *out, const json_t *v, size_t indent)
{
	int rc;

	if (json_is_object(v) && json_object_size(v) > 0) {
		rc = kd_buf_putc(out, '\n');
		return rc ? rc : emit_mapping(out, v, indent + 2, false);
	}
	if (json_is_array(v) && json_array_size(v) > 0) {
		rc = kd_buf_putc(out, '\n');
		return rc ? rc : emit_sequence(out, v, indent, false);
	}
	rc = kd_buf_putc(out, ' ');
	return rc ? rc : emit_scalar(out, v, indent + 2);
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int emit_mapping(kd_buf *out, const json_t *obj, size_t indent, bool first_inline)
{
	size_t n = json_object_size(obj), i = 0;
	const char **keys = malloc(n * sizeof(*keys));
	const char *k;
	json_t *v;
	int rc = 0;

	if (!keys)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), compare_keys);
	for (i = 0; rc == 0 && i < n; i++) {
		size_t klen, mark;

		v = json_object_get(obj, keys[i]);
		if (strcmp(keys[i], "<<") == 0) {
			/* Plain it merges; quoted or tagged, kustomize drops it. */
			rc = kd_error_set(KD_EUNSUPPORTED,
					  "the key \"<<\" cannot be written as YAML: readers take it for a merge key");
			break;
		}
		if (i > 0 || !first_inline)
			rc = indent_to(out, indent);
		if (rc)
			break;
		mark = out->len;
		klen = strlen(keys[i]);
		rc = emit_string(out, keys[i], klen, 0, true);
		if (rc == 0 && out->len - mark > SIMPLE_KEY_MAX) {
			/* Rewrite as an explicit key: "? key" then ":" below. */
			kd_buf_truncate(out, mark);
			rc = kd_buf_puts(out, "? ");
			if (rc == 0)
				rc = emit_double_quoted(out, keys[i], klen);
			if (rc == 0)
				rc = kd_buf_putc(out, '\n');
			if (rc == 0)
				rc = indent_to(out, indent);
		}
		if (rc == 0)
			rc = kd_buf_putc(out, ':');
		if (rc == 0)
			rc = emit_after_key(out, v, indent);
	}
	free(keys);
	return rc;
}

static int emit_sequence(kd_buf *out, const json_t *arr, size_t indent, bool first_inline)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);

		if (i > 0 || !first_inline)
			rc = indent_to(out, indent);
		if (rc == 0)
			rc = kd_buf_puts(out, "- ");
		if (rc)
			break;
		if (json_is_object(v) && nonempty_collection(v))
			rc = emit_mapping(out, v, indent + 2, true);
		else if (json_is_array(v) && nonempty_collection(v))
			rc = emit_sequence(out, v, indent + 2, true);
		else
			rc = emit_scalar(out, v, indent + 2);
	}
	return rc;
}

int kd_yaml_emit(kd_buf *out, const json_t *doc)
{
	if (!doc)
		return kd_error_set(KD_EINVAL, "no JSON value to emit as YAML");
	if (json_is_object(doc) && json_object_size(doc) > 0)
		return emit_mapping(out, doc, 0, false);
	if (json_is_array(doc) && json_array_size(doc) > 0)
		return emit_sequence(out, doc, 0, false);
	return emit_scalar(out, doc, 2);
}

int kd_yaml_emit_stream(kd_buf *out, const json_t *docs)
{
	size_t i;
	int rc = 0;

	if (!json_is_array(docs))
		return kd_error_set(KD_EINVAL, "a YAML stream is emitted from a JSON array");
	for (i = 0; rc == 0 && i < json_array_size(docs); i++) {
		if (i > 0)
			rc = kd_buf_puts(out, "---\n");
		if (rc == 0)
			rc = kd_yaml_emit(out, json_array_get(docs, i));
	}
	return rc;
}
