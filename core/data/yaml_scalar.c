/*
 * yaml_scalar — how one YAML scalar becomes a JSON value (see the typing
 * rules at the top of core/data/yaml.c and tests/fixtures/yaml/typing.tsv).
 *
 * The rules follow what `kubectl kustomize` (go-yaml v3 resolution followed
 * by Go's encoding/json) produces, not the YAML 1.1 or 1.2 schemas.  Number
 * syntax is checked by hand before strtod/strtoull so that C's more liberal
 * parsers ("0x1p3", "inf", leading blanks) never decide anything.
 */
#include "data/data.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool text_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

static bool text_in(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (text_is(s, n, *words))
			return true;
	return false;
}

static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };
static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const special_float_words[] = {
	".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf",
	"+.INF", "-.inf", "-.Inf", "-.INF", NULL
};

/*
 * Go's strconv.ParseUint(s, 0, 64) on text without sign or underscores:
 * 0x/0o/0b prefixes (any case, at least one digit after), a leading 0 means
 * octal, and the whole text must be consumed.  Returns false on syntax error
 * or overflow.
 */
static bool parse_go_uint(uint64_t *out, const char *s, size_t n)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n == 0)
		return false;
	if (s[0] == '0') {
		char c = n >= 3 ? (char)(s[1] | 0x20) : 0;

		if (c == 'x') {
			base = 16;
			i = 2;
		} else if (c == 'o') {
			base = 8;
			i = 2;
		} else if (c == 'b') {
			base = 2;
			i = 2;
		} else {
			base = 8;
			i = 1;
		}
	}
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (is_digit(c))
			d = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return false;
		if (d >= base)
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool float_syntax(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && is_digit(s[i]))
			i++, digits++;
		if (!digits)
			return false;
	} else {
		while (i < n && is_digit(s[i]))
			i++, digits++;
		if (!digits)
			return false;
		if (i < n && s[i] == '.') {
			i++;
			while (i < n && is_digit(s[i]))
				i++;
		}
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && is_digit(s[i]))
			i++, exp++;
		if (!exp)
			return false;
	}
	return i == n;
}

/* Reads 1 or 2 digits (Go's getnum with fixed=false). */
static bool take_num12(int *out, const char **p, const char *end)
{
	const char *s = *p;

	if (s >= end || !is_digit(*s))
		return false;
	*out = *s - '0';
	s++;
	if (s < end && is_digit(*s)) {
		*out = *out * 10 + (*s - '0');
		s++;
	}
	*p = s;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * go-yaml v3 tries time.Parse with, in order, "2006-1-2T15:4:5.999999999Z07:00",
 * the same with a lower-case "t", "2006-1-2 15:4:5.999999999" (a run of
 * spaces between date and time, no zone) and "2006-1-2".  The result is
 * written as Go's RFC3339Nano: two-digit fields, fraction without trailing
 * zeros, "Z" for a zero offset.
 */
static bool parse_timestamp(kd_buf *out, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	int year, month, day, hour = 0, min = 0, sec = 0, off = 0;
	char frac[10] = "";
	size_t nfrac = 0;

	if (n < 5 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
	    !is_digit(s[3]) || s[4] != '-')
		return false;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	p = s + 5;
	if (!take_num12(&month, &p, end) || month < 1 || month > 12)
		return false;
	if (p >= end || *p++ != '-')
		return false;
	if (!take_num12(&day, &p, end) || day < 1 || day > days_in_month(year, month))
		return false;
	if (p < end) {
		bool zoned = *p == 'T' || *p == 't';

		if (zoned) {
			p++;
		} else if (*p == ' ') {
			while (p < end && *p == ' ')
				p++;
		} else {
			return false;
		}
		if (!take_num12(&hour, &p, end) || hour > 23)
			return false;
		if (p >= end || *p++ != ':')
			return false;
		if (!take_num12(&min, &p, end) || min > 59)
			return false;
		if (p >= end || *p++ != ':')
			return false;
		if (!take_num12(&sec, &p, end) || sec > 59)
			return false;
		/* Go takes any number of fraction digits (comma or period) and
		 * keeps the first nine. */
		if (end - p >= 2 && (*p == '.' || *p == ',') && is_digit(p[1])) {
			p++;
			while (p < end && is_digit(*p)) {
				if (nfrac < 9)
					frac[nfrac++] = *p;
				p++;
			}
		}
		if (zoned) {
			if (p < end && *p == 'Z') {
				p++;
			} else if (end - p >= 6 && (*p == '+' || *p == '-') &&
				   is_digit(p[1]) && is_digit(p[2]) && p[3] == ':' &&
				   is_digit(p[4]) && is_digit(p[5])) {
				int hh = (p[1] - '0') * 10 + (p[2] - '0');
				int mm = (p[4] - '0') * 10 + (p[5] - '0');

				if (hh > 24 || mm > 60)
					return false;
				off = (hh * 60 + mm) * (*p == '-' ? -1 : 1);
				p += 6;
			} else {
				return false;
			}
		}
	}
	if (p != end)
		return false;
	while (nfrac > 0 && frac[nfrac - 1] == '0')
		nfrac--;
	frac[nfrac] = '\0';
	if (kd_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day,
			  hour, min, sec) < 0)
		return false;
	if (nfrac && kd_buf_printf(out, ".%s", frac) < 0)
		return false;
	if (off == 0)
		return kd_buf_putc(out, 'Z') == 0;
	return kd_buf_printf(out, "%c%02d:%02d", off < 0 ? '-' : '+',
			     abs(off) / 60, abs(off) % 60) == 0;
}

/* A finite double becomes an integer when it is integral and within int64,
 * as Go's encoding/json prints it without a fraction and kustomize's output
 * reads it back as an integer. */
static json_t *number_from_double(double d)
{
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
	    (double)(json_int_t)d == d)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static int number_from_int(json_t **out, kd_yaml_type *type, const char *s, size_t n)
{
	bool neg = false;
	uint64_t u;
	size_t i = 0;

	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (!parse_go_uint(&u, s + i, n - i))
		return 1;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return 1;
		*out = json_integer(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)u);
	} else if (u <= (uint64_t)INT64_MAX) {
		*out = json_integer((json_int_t)u);
	} else {
		/* Go's ParseUint rejects a sign; beyond int64 a JSON integer
		 * cannot be held by jansson, so it becomes a (rounded) real. */
		if (i)
			return 1;
		*out = json_real((double)u);
	}
	*type = KD_YAML_INT;
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

/* Resolves plain text as go-yaml v3 does.  Returns 0 with *out set, or a
 * negative code (infinities and NaN are refused, as Go's JSON encoder
 * refuses them). */
static int resolve_plain(json_t **out, kd_yaml_type *type, const char *text, size_t len)
{
	char small[64], *plain = NULL;
	size_t n = 0, i;
	kd_buf ts = KD_BUF_INIT;
	int rc = 0;
	char c = len ? text[0] : '\0';

	/* Most scalars are names and words: only these first characters can
	 * start anything but a string. */
	if (len > 0 && !strchr("~nNtTfF.+-<0123456789", c))
		goto string;
	if (text_in(text, len, null_words)) {
		*type = KD_YAML_NULL;
		*out = json_null();
		return 0;
	}
	if (text_in(text, len, true_words) || text_in(text, len, false_words)) {
		*type = KD_YAML_BOOL;
		*out = json_boolean(text_in(text, len, true_words));
		return 0;
	}
	if (text_in(text, len, special_float_words))
		return kd_error_set(KD_EINVAL, "%.*s cannot be represented in JSON",
				    (int)len, text);
	if (text_is(text, len, "<<")) {
		*type = KD_YAML_MERGE;
		*out = json_stringn(text, len);
		return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	if (!(is_digit(c) || c == '+' || c == '-' || c == '.'))
		goto string;
	if (is_digit(c)) {
		if (parse_timestamp(&ts, text, len)) {
			*type = KD_YAML_TIMESTAMP;
			*out = json_stringn(ts.data, ts.len);
			kd_buf_free(&ts);
			return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
		}
		kd_buf_free(&ts);
	}
	/* Text starting with '.' goes straight to Go's ParseFloat, where an
	 * underscore must stand between two digits (".5_0" but not "._5"). */
	if (c == '.') {
		for (i = 0; i < len; i++)
			if (text[i] == '_' && (i == 0 || i + 1 == len ||
					       !is_digit(text[i - 1]) || !is_digit(text[i + 1])))
				goto string;
	}
	/* Otherwise underscores are dropped everywhere before number parsing. */
	plain = len < sizeof(small) ? small : malloc(len + 1);
	if (!plain)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < len; i++)
		if (text[i] != '_')
			plain[n++] = text[i];
	plain[n] = '\0';
	if (c != '.') {
		rc = number_from_int(out, type, plain, n);
		if (rc <= 0)
			goto cleanup;
		rc = 0;
	}
	if (float_syntax(plain, n)) {
		double d;

		errno = 0;
		d = strtod(plain, NULL);
		/* Go's ParseFloat fails on overflow (the text stays a string)
		 * but returns the rounded value on underflow. */
		if (!(errno == ERANGE && isinf(d))) {
			*type = KD_YAML_FLOAT;
			*out = number_from_double(d);
			if (!*out)
				rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	if (plain != small)
		free(plain);
	plain = NULL;
string:
	*type = KD_YAML_STR;
	*out = json_stringn(text, len);
	if (!*out)
		rc = kd_error_set(KD_EINVAL, "scalar is not valid UTF-8 text");
cleanup:
	if (plain != small)
		free(plain);
	return rc;
}

static int decode_base64(json_t **out, const char *s, size_t n)
{
	kd_buf b = KD_BUF_INIT;
	unsigned acc = 0;
	int bits = 0, rc = 0;
	size_t i, pad = 0, count = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];
		int v;

		if (c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			pad++;
			count++;
			continue;
		}
		if (pad)
			goto bad;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (is_digit(c))
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			goto bad;
		count++;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			rc = kd_buf_putc(&b, (char)((acc >> bits) & 0xff));
			if (rc < 0)
				goto cleanup;
		}
	}
	if (count % 4 != 0 || pad > 2)
		goto bad;
	*out = json_stringn(b.data ? b.data : "", b.len);
	if (!*out)
		rc = kd_error_set(KD_EINVAL, "!!binary value is not UTF-8 text");
	goto cleanup;
bad:
	rc = kd_error_set(KD_EINVAL, "!!binary value contains invalid base64 data");
cleanup:
	kd_buf_free(&b);
	return rc;
}

static const char *type_name(kd_yaml_type t)
{
	switch (t) {
	case KD_YAML_NULL: return "!!null";
	case KD_YAML_BOOL: return "!!bool";
	case KD_YAML_INT: return "!!int";
	case KD_YAML_FLOAT: return "!!float";
	case KD_YAML_TIMESTAMP: return "!!timestamp";
	case KD_YAML_MERGE: return "!!merge";
	case KD_YAML_STR: break;
	}
	return "!!str";
}

int kd_yaml_resolve_scalar(json_t **out, kd_yaml_type *type, const char *text,
			   size_t len, const char *tag, int plain)
{
	const char *want;
	json_t *v = NULL;
	kd_yaml_type t = KD_YAML_STR;
	int rc;

	*out = NULL;
	if (type)
		*type = KD_YAML_STR;
	/* "!" and "?" mean "not specific": plain scalars are resolved. */
	if (tag && (strcmp(tag, "!") == 0 || strcmp(tag, "?") == 0))
		tag = NULL;
	if (!tag) {
		if (!plain) {
			v = json_stringn(text, len);
			if (!v)
				return kd_error_set(KD_EINVAL, "scalar is not valid UTF-8 text");
		} else {
			rc = resolve_plain(&v, &t, text, len);
			if (rc < 0)
				return rc;
		}
		goto done;
	}
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0) {
		/* Application tags (!foo) keep the text as a string. */
		v = json_stringn(text, len);
		if (!v)
			return kd_error_set(KD_EINVAL, "scalar is not valid UTF-8 text");
		goto done;
	}
	want = tag + strlen(TAG_PREFIX);
	if (strcmp(want, "str") == 0) {
		v = json_stringn(text, len);
		if (!v)
			return kd_error_set(KD_EINVAL, "scalar is not valid UTF-8 text");
		goto done;
	}
	if (strcmp(want, "binary") == 0) {
		rc = decode_base64(&v, text, len);
		if (rc < 0)
			return rc;
		goto done;
	}
	/* Every other standard tag resolves the text as if plain, then
	 * insists on the tag's type (an integer is accepted as a float). */
	rc = resolve_plain(&v, &t, text, len);
	if (rc < 0)
		return rc;
	if (strcmp(want, type_name(t) + 2) == 0 ||
	    (strcmp(want, "float") == 0 && t == KD_YAML_INT))
		goto done;
	rc = kd_error_set(KD_EINVAL, "cannot decode %s `%.*s` as a !!%s",
			  type_name(t), (int)(len > 64 ? 64 : len), text, want);
	json_decref(v);
	return rc;
done:
	if (type)
		*type = t;
	*out = v;
	return 0;
}

int kd_yaml_plain_scalar(json_t **out, const char *text, size_t len)
{
	return kd_yaml_resolve_scalar(out, NULL, text, len, NULL, 1);
}
