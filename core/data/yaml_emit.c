/*
 * yaml_emit — JSON values to block YAML that kd_yaml_parse reads back as
 * the same value, written the way kubectl prints objects (go-yaml v3 over
 * libyaml's emitter rules), so that kdrift's output can be compared with
 * `kubectl kustomize` text:
 *
 *  - keys in go-yaml's order (digit runs compare as numbers, "a9" before
 *    "a10"; letters after other characters), two-space indent, a sequence
 *    under a key at the key's own indent, "- key: v" for mappings in
 *    sequences, {} and [] when empty;
 *  - a string some reader would type (null, bool, number, timestamp, the
 *    YAML 1.1 words y/n/yes/no/on/off in their three spellings, "1:20")
 *    is double-quoted; a string that cannot be plain (indicators, ": ",
 *    " #", leading or trailing spaces, "---") is single-quoted; one with
 *    characters outside YAML's printable set (tab, control characters,
 *    NEL, LS, PS, BOM, and, like go-yaml, characters beyond U+FFFF) or a
 *    space before a line break is double-quoted with escapes;
 *  - a string with a line break is a literal block (|, |- or |+, with an
 *    indentation indicator when it starts with a space or a break) unless
 *    it cannot be one, then double-quoted;
 *  - plain, single- and double-quoted values fold at spaces past column 80;
 *  - keys longer than 128 bytes or with line breaks are explicit ("? ");
 *  - integers as integers; reals integral within int64 as integers (kubectl
 *    prints them so), others in Go's shortest %g form ("1.2345675e+06").
 */
#include "data/data.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define BEST_WIDTH 80
#define SIMPLE_KEY_MAX 128
/* The writer recurses once per level; kd_yaml_parse stops at 256 and
 * jansson's own reader at 2048, so this only stops hand-built values. */
#define MAX_EMIT_DEPTH 1000

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
static uint32_t utf8_next(const char *str, size_t n, size_t *len)
{
	const unsigned char *s = (const unsigned char *)str;
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

/* go-yaml's printable set; NEL, LS and PS are excluded as well because a
 * YAML 1.1 reader folds them like line breaks inside quotes. */
static bool printable(uint32_t c)
{
	if (c == '\n')
		return true;
	if (c >= 0x20 && c <= 0x7e)
		return true;
	if (c >= 0xa0 && c <= 0xd7ff)
		return c != 0x2028 && c != 0x2029;
	return c >= 0xe000 && c <= 0xfffd && c != 0xfeff;
}

static bool is_space_at(const char *s, size_t n, size_t i)
{
	return i < n && s[i] == ' ';
}

/* Whether the character at i is white space, a line break or the end. */
static bool blankz_at(const char *s, size_t n, size_t i)
{
	return i >= n || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}

typedef struct analysis {
	bool multiline;     /* contains a line break */
	bool plain_ok;      /* may be a plain scalar in block context */
	bool single_ok;
	bool block_ok;      /* may be a literal block */
} analysis;

/* libyaml's scalar analysis, for block context. */
static void analyze(analysis *a, const char *s, size_t n)
{
	bool block_ind = false, leading_space = false, leading_break = false;
	bool trailing_space = false, trailing_break = false, break_space = false;
	bool space_break = false, special = false, prev_space = false, prev_break = false;
	bool preceded_by_ws = true;
	size_t i = 0, len;

	memset(a, 0, sizeof(*a));
	if (n == 0)
		return;
	if (n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
		block_ind = true;
	while (i < n) {
		uint32_t c = utf8_next(s + i, n - i, &len);
		bool first = i == 0, last = i + len == n;
		bool followed_by_ws = blankz_at(s, n, i + len);

		if (first) {
			if (c < 0x80 && strchr("#,[]{}&*!|>'\"%@`", (int)c) && c)
				block_ind = true;
			if ((c == '?' || c == ':' || c == '-') && followed_by_ws)
				block_ind = true;
		} else if ((c == ':' && followed_by_ws) || (c == '#' && preceded_by_ws)) {
			block_ind = true;
		}
		if (!printable(c))
			special = true;
		if (c == '\n')
			a->multiline = true;
		if (c == ' ') {
			leading_space |= first;
			trailing_space |= last;
			break_space |= prev_break;
			prev_space = true;
			prev_break = false;
		} else if (c == '\n') {
			leading_break |= first;
			trailing_break |= last;
			space_break |= prev_space;
			prev_break = true;
			prev_space = false;
		} else {
			prev_space = prev_break = false;
		}
		preceded_by_ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
		i += len;
	}
	a->plain_ok = a->single_ok = a->block_ok = true;
	if (leading_space || leading_break || trailing_space || trailing_break)
		a->plain_ok = false;
	if (trailing_space)
		a->block_ok = false;
	if (break_space)
		a->plain_ok = a->single_ok = false;
	if (space_break || special)
		a->plain_ok = a->single_ok = a->block_ok = false;
	if (a->multiline || block_ind)
		a->plain_ok = false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* go-yaml's isBase60Float: ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool base60(const char *s, size_t n)
{
	size_t i = 0, groups = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i >= n || !is_digit(s[i]))
		return false;
	while (i < n && (is_digit(s[i]) || s[i] == '_'))
		i++;
	while (i < n && s[i] == ':') {
		i++;
		if (i + 1 < n && s[i] >= '0' && s[i] <= '5' && is_digit(s[i + 1]))
			i += 2;
		else if (i < n && is_digit(s[i]))
			i++;
		else
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && (is_digit(s[i]) || s[i] == '_'))
			i++;
	}
	return i == n;
}

static const char *const old_bools[] = {
	"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
	"on", "On", "ON", "off", "Off", "OFF", NULL
};

/* Whether some reader would type the text as something else than this
 * string: kd_yaml_parse itself, or a YAML 1.1 reader (old booleans,
 * sexagesimal numbers). */
static bool typed(const char *s, size_t n)
{
	const char *const *w;
	json_t *v = NULL;
	kd_yaml_type type;
	bool same;

	for (w = old_bools; *w; w++)
		if (strlen(*w) == n && memcmp(*w, s, n) == 0)
			return true;
	if (base60(s, n))
		return true;
	if (kd_yaml_resolve_scalar(&v, &type, s, n, NULL, 1) < 0)
		return true;
	same = (type == KD_YAML_STR || type == KD_YAML_MERGE) && json_is_string(v) &&
	       json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0;
	json_decref(v);
	return !same;
}

/* Column of the end of out, in characters. */
static size_t current_column(const kd_buf *out)
{
	size_t i = out->len, col = 0;

	while (i > 0 && out->data[i - 1] != '\n') {
		if (((unsigned char)out->data[i - 1] & 0xc0) != 0x80)
			col++;
		i--;
	}
	return col;
}

/* Folding rules of libyaml's writers: break at a single space past column
 * 80; the space is replaced by the line break. */
typedef enum style { STYLE_PLAIN, STYLE_SINGLE, STYLE_DOUBLE } style;

static int write_flow(kd_buf *out, const char *s, size_t n, style st, size_t indent,
		      bool allow_breaks)
{
	size_t col = current_column(out), i = 0, len;
	bool spaces = false;
	int rc = 0;

	if (st != STYLE_PLAIN) {
		rc = kd_buf_putc(out, st == STYLE_SINGLE ? '\'' : '"');
		col++;
	}
	while (rc == 0 && i < n) {
		uint32_t c = utf8_next(s + i, n - i, &len);

		if (c == ' ') {
			bool fold = allow_breaks && !spaces && col > BEST_WIDTH;

			if (st == STYLE_PLAIN)
				fold = fold && !is_space_at(s, n, i + 1);
			else if (st == STYLE_SINGLE)
				fold = fold && i > 0 && i + 1 < n && !is_space_at(s, n, i + 1);
			else
				fold = fold && i > 0 && i + 1 < n;
			if (fold) {
				rc = kd_buf_putc(out, '\n');
				if (rc == 0)
					rc = indent_to(out, indent);
				col = indent;
				if (rc == 0 && st == STYLE_DOUBLE && is_space_at(s, n, i + 1)) {
					rc = kd_buf_putc(out, '\\');
					col++;
				}
			} else {
				rc = kd_buf_putc(out, ' ');
				col++;
			}
			spaces = true;
		} else if (st == STYLE_DOUBLE && (!printable(c) || c == '\n' || c == '"' || c == '\\')) {
			static const char from[] = { 0, 7, 8, 9, 10, 11, 12, 13, 27, '"', '\\' };
			static const char to[] = "0abtnvfre\"\\";
			const char *hit = c < 0x80 ? memchr(from, (int)c, sizeof(from)) : NULL;
			size_t before = out->len;

			if (hit)
				rc = kd_buf_printf(out, "\\%c", to[hit - from]);
			else if (c == 0x85)
				rc = kd_buf_puts(out, "\\N");
			else if (c == 0x2028)
				rc = kd_buf_puts(out, "\\L");
			else if (c == 0x2029)
				rc = kd_buf_puts(out, "\\P");
			else if (c <= 0xff)
				rc = kd_buf_printf(out, "\\x%02X", (unsigned)c);
			else if (c <= 0xffff)
				rc = kd_buf_printf(out, "\\u%04X", (unsigned)c);
			else
				rc = kd_buf_printf(out, "\\U%08X", (unsigned)c);
			col += out->len - before;
			spaces = false;
		} else {
			if (st == STYLE_SINGLE && c == '\'')
				rc = kd_buf_putc(out, '\'');
			if (rc == 0)
				rc = kd_buf_add(out, s + i, len);
			col++;
			spaces = false;
		}
		i += len;
	}
	if (rc == 0 && st != STYLE_PLAIN)
		rc = kd_buf_putc(out, st == STYLE_SINGLE ? '\'' : '"');
	return rc;
}

/* "|" with its indentation and chomping indicators, then the lines at
 * indent; empty lines carry no spaces. */
static int write_literal(kd_buf *out, const char *s, size_t n, size_t indent)
{
	bool breaks = true;
	size_t i;
	int rc = kd_buf_putc(out, '|');

	if (rc == 0 && (s[0] == ' ' || s[0] == '\n'))
		rc = kd_buf_putc(out, '2');
	if (rc == 0 && s[n - 1] != '\n')
		rc = kd_buf_putc(out, '-');
	else if (rc == 0 && (n == 1 || s[n - 2] == '\n'))
		rc = kd_buf_putc(out, '+');
	if (rc == 0)
		rc = kd_buf_putc(out, '\n');
	for (i = 0; rc == 0 && i < n; i++) {
		if (s[i] == '\n') {
			rc = kd_buf_putc(out, '\n');
			breaks = true;
			continue;
		}
		if (breaks)
			rc = indent_to(out, indent);
		if (rc == 0)
			rc = kd_buf_putc(out, s[i]);
		breaks = false;
	}
	if (rc == 0 && s[n - 1] != '\n')
		rc = kd_buf_putc(out, '\n');
	return rc;
}

/*
 * Writes a string value or key.  `indent` is where continuation lines and
 * literal block lines go.  Simple keys never fold and are never blocks.
 * Literal blocks end with their own line break; *ends_line tells.
 */
static int emit_string(kd_buf *out, const char *s, size_t n, size_t indent,
		       bool simple_key, bool *ends_line)
{
	analysis a;
	style st;

	*ends_line = false;
	analyze(&a, s, n);
	if (a.multiline) {
		if (a.block_ok && !simple_key) {
			*ends_line = true;
			return write_literal(out, s, n, indent);
		}
		st = STYLE_DOUBLE;
	} else if (typed(s, n)) {
		st = STYLE_DOUBLE;
	} else {
		st = a.plain_ok ? STYLE_PLAIN : a.single_ok ? STYLE_SINGLE : STYLE_DOUBLE;
	}
	return write_flow(out, s, n, st, indent, !simple_key);
}

/* Reals as Go's strconv.FormatFloat(d, 'g', -1, 64), which kubectl uses:
 * the shortest digits that read back to the same double, in exponent form
 * when the exponent is below -4 or at least 6 ("1.2345675e+06", "1e-05").
 * Integral values within int64 print as integers, as kubectl prints them
 * and as kd_yaml_parse types them anyway. */
static int emit_real(kd_buf *out, double d)
{
	char tmp[64];
	int prec, exp;

	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
	    (double)(json_int_t)d == d)
		return kd_buf_printf(out, "%lld", (long long)(json_int_t)d);
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
	exp = atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 6)
		return kd_buf_puts(out, tmp);
	return kd_buf_printf(out, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
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
		bool ends_line;
		int rc = emit_string(out, json_string_value(v), json_string_length(v),
				     block_indent, false, &ends_line);

		if (rc == 0 && !ends_line)
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

static int emit_mapping(kd_buf *out, const json_t *obj, size_t indent, bool first_inline,
			size_t depth);
static int emit_sequence(kd_buf *out, const json_t *arr, size_t indent, bool first_inline,
			 size_t depth);

/* What follows "key:" for a mapping entry at `indent`. */
static int emit_after_key(kd_buf *out, const json_t *v, size_t indent, size_t depth)
{
	int rc;

	if (json_is_object(v) && json_object_size(v) > 0) {
		rc = kd_buf_putc(out, '\n');
		return rc ? rc : emit_mapping(out, v, indent + 2, false, depth + 1);
	}
	if (json_is_array(v) && json_array_size(v) > 0) {
		rc = kd_buf_putc(out, '\n');
		return rc ? rc : emit_sequence(out, v, indent, false, depth + 1);
	}
	rc = kd_buf_putc(out, ' ');
	return rc ? rc : emit_scalar(out, v, indent + 2);
}

static bool rune_is_letter(uint32_t c)
{
	/* Go's unicode.IsLetter; outside ASCII every character counts as a
	 * letter, which holds for the letters keys use in practice. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= 0x80 && c != 0xa0 && !(c >= 0x2000 && c <= 0x206f));
}

static bool rune_is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

/* Reads the run of digits starting at s as Go's int64 arithmetic would
 * (wrapping on overflow, as go-yaml's sort does). */
static int64_t digit_run(const char *s, size_t n, uint64_t start, size_t *end)
{
	uint64_t v = start;
	size_t i = 0;

	while (i < n && rune_is_digit((unsigned char)s[i])) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	*end = i;
	return (int64_t)v;
}

/*
 * go-yaml's key order (keyList.Less), which kubectl's output follows: runs
 * of digits compare as numbers ("a9" before "a10"), letters sort after
 * other characters, and otherwise characters compare by code point.
 */
static int go_key_compare(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), i = 0, j = 0;
	bool digits = false;

	while (i < na && j < nb) {
		size_t la, lb, ea, eb;
		uint32_t ca = utf8_next(a + i, na - i, &la);
		uint32_t cb = utf8_next(b + j, nb - j, &lb);
		bool al, bl;
		uint64_t start = 0;
		int64_t an, bn;
		size_t k;

		if (ca == cb) {
			digits = rune_is_digit(ca);
			i += la;
			j += lb;
			continue;
		}
		al = rune_is_letter(ca);
		bl = rune_is_letter(cb);
		if (al && bl)
			return ca < cb ? -1 : 1;
		if (al || bl) {
			if (digits)
				return al ? -1 : 1;
			return bl ? -1 : 1;
		}
		/* A run of digits that started before this point and is not
		 * all zeros counts as non-zero on both sides. */
		if (ca == '0' || cb == '0') {
			for (k = i; k > 0 && rune_is_digit((unsigned char)a[k - 1]); k--) {
				if (a[k - 1] != '0') {
					start = 1;
					break;
				}
			}
		}
		an = digit_run(a + i, na - i, start, &ea);
		bn = digit_run(b + j, nb - j, start, &eb);
		if (an != bn)
			return an < bn ? -1 : 1;
		if (ea != eb)
			return ea < eb ? -1 : 1;
		return ca < cb ? -1 : 1;
	}
	if (na - i == nb - j)
		return 0;
	/* Go compares lengths in runes; the common prefix has equal runes. */
	return na - i < nb - j ? -1 : 1;
}

static int compare_keys(const void *a, const void *b)
{
	return go_key_compare(*(const char *const *)a, *(const char *const *)b);
}

static int emit_mapping(kd_buf *out, const json_t *obj, size_t indent, bool first_inline,
			size_t depth)
{
	size_t n = json_object_size(obj), i = 0;
	const char **keys;
	const char *k;
	json_t *v;
	int rc = 0;

	if (depth > MAX_EMIT_DEPTH)
		return kd_error_set(KD_ELIMIT, "JSON value nests deeper than %d levels", MAX_EMIT_DEPTH);
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), compare_keys);
	for (i = 0; rc == 0 && i < n; i++) {
		size_t klen;
		bool ends_line;

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
		klen = strlen(keys[i]);
		if (klen <= SIMPLE_KEY_MAX && !memchr(keys[i], '\n', klen)) {
			rc = emit_string(out, keys[i], klen, indent + 2, true, &ends_line);
		} else {
			/* An explicit key: "? key", then ":" on its own line. */
			rc = kd_buf_puts(out, "? ");
			if (rc == 0)
				rc = emit_string(out, keys[i], klen, indent + 2, false, &ends_line);
			if (rc == 0 && !ends_line)
				rc = kd_buf_putc(out, '\n');
			if (rc == 0)
				rc = indent_to(out, indent);
		}
		if (rc == 0)
			rc = kd_buf_putc(out, ':');
		if (rc == 0)
			rc = emit_after_key(out, v, indent, depth);
	}
	free(keys);
	return rc;
}

static int emit_sequence(kd_buf *out, const json_t *arr, size_t indent, bool first_inline,
			 size_t depth)
{
	size_t i;
	int rc = 0;

	if (depth > MAX_EMIT_DEPTH)
		return kd_error_set(KD_ELIMIT, "JSON value nests deeper than %d levels", MAX_EMIT_DEPTH);
	for (i = 0; rc == 0 && i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);

		if (i > 0 || !first_inline)
			rc = indent_to(out, indent);
		if (rc == 0)
			rc = kd_buf_puts(out, "- ");
		if (rc)
			break;
		if (json_is_object(v) && nonempty_collection(v))
			rc = emit_mapping(out, v, indent + 2, true, depth + 1);
		else if (json_is_array(v) && nonempty_collection(v))
			rc = emit_sequence(out, v, indent + 2, true, depth + 1);
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
		return emit_mapping(out, doc, 0, false, 1);
	if (json_is_array(doc) && json_array_size(doc) > 0)
		return emit_sequence(out, doc, 0, false, 1);
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
