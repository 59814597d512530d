/*
 * jscan — reading JSON text in place (see data.h): a pull reader for large
 * documents of a known shape, where building a jansson tree of everything
 * costs more than the reading itself.  Strict RFC 8259 syntax, bounded
 * nesting; strings are decoded (escapes, surrogate pairs) only when a caller
 * asks for one.  Never allocates except for the values it hands out.
 */
#include "data/data.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512

void kd_jscan_init(kd_jscan *s, const char *text, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->start = s->p = text;
	s->end = text + len;
}

static bool fail(kd_jscan *s, const char *what)
{
	if (!s->error) {
		s->error = what;
		s->error_at = (size_t)(s->p - s->start);
	}
	s->p = s->end;
	return false;
}

static void ws(kd_jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

int kd_jscan_peek(kd_jscan *s)
{
	ws(s);
	if (s->error || s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '{': case '[': case '"': case 'n': case 't': case 'f':
		return *s->p;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return '0';
	default:
		return 0;
	}
}

bool kd_jscan_begin(kd_jscan *s, char open)
{
	ws(s);
	if (s->error || s->p >= s->end || *s->p != open)
		return fail(s, open == '{' ? "an object was expected" : "an array was expected");
	if (++s->depth > MAX_DEPTH)
		return fail(s, "nested too deeply");
	s->p++;
	s->first = true;
	return true;
}

/* After a member or element: ',' goes on, the closer ends (false). */
static bool next_item(kd_jscan *s, char close)
{
	ws(s);
	if (s->error || s->p >= s->end)
		return fail(s, "the text ends inside a value");
	if (*s->p == close) {
		s->p++;
		s->depth--;
		s->first = false;
		return false;
	}
	if (!s->first) {
		if (*s->p != ',')
			return fail(s, close == '}' ? "',' or '}' was expected" : "',' or ']' was expected");
		s->p++;
		ws(s);
	}
	s->first = false;
	return true;
}

/* The extent of a string starting at s->p ('"'); *escaped when it holds a
 * backslash.  Leaves s->p after the closing quote. */
static bool string_span(kd_jscan *s, const char **from, size_t *len, bool *escaped)
{
	const char *p = s->p + 1;

	*escaped = false;
	while (p < s->end && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return fail(s, "a control character inside a string");
		if (*p == '\\') {
			*escaped = true;
			if (++p >= s->end)
				break;
		}
		p++;
	}
	if (p >= s->end)
		return fail(s, "an unterminated string");
	*from = s->p + 1;
	*len = (size_t)(p - *from);
	s->p = p + 1;
	return true;
}

bool kd_jscan_member(kd_jscan *s, const char **key, size_t *len)
{
	bool escaped;

	if (!next_item(s, '}'))
		return false;
	if (s->p >= s->end || *s->p != '"')
		return fail(s, "a member name was expected");
	if (!string_span(s, key, len, &escaped))
		return false;
	ws(s);
	if (s->p >= s->end || *s->p != ':')
		return fail(s, "':' was expected");
	s->p++;
	return true;
}

bool kd_jscan_element(kd_jscan *s)
{
	return next_item(s, ']');
}

bool kd_jscan_key_is(const char *key, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(key, name, len) == 0;
}

static int hex4(const char *p)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static int utf8(kd_buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return kd_buf_add(b, u, n);
}

/* Decodes the escapes of a string's inside into b: 0, KD_EINVAL (s
 * failed) or KD_ENOMEM. */
static int unescape(kd_jscan *s, kd_buf *b, const char *p, size_t len)
{
	const char *end = p + len;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		int cp, lo;

		if (!bs)
			return kd_buf_add(b, p, (size_t)(end - p));
		if ((rc = kd_buf_add(b, p, (size_t)(bs - p))) < 0)
			break;
		p = bs + 1;
		switch (*p) {
		case '"': case '\\': case '/': rc = kd_buf_putc(b, *p); p++; break;
		case 'b': rc = kd_buf_putc(b, '\b'); p++; break;
		case 'f': rc = kd_buf_putc(b, '\f'); p++; break;
		case 'n': rc = kd_buf_putc(b, '\n'); p++; break;
		case 'r': rc = kd_buf_putc(b, '\r'); p++; break;
		case 't': rc = kd_buf_putc(b, '\t'); p++; break;
		case 'u':
			if (end - p < 5 || (cp = hex4(p + 1)) < 0)
				return (fail(s, "a bad \\u escape"), KD_EINVAL);
			p += 5;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff)
					return (fail(s, "a lone surrogate in a \\u escape"), KD_EINVAL);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return (fail(s, "a lone surrogate in a \\u escape"), KD_EINVAL);
			} else if (cp == 0) {
				return (fail(s, "a NUL in a string"), KD_EINVAL);
			}
			rc = utf8(b, (unsigned)cp);
			break;
		default:
			return (fail(s, "a bad escape"), KD_EINVAL);
		}
	}
	return rc;
}

int kd_jscan_string(kd_jscan *s, char **out)
{
	const char *from;
	size_t len;
	bool escaped;
	kd_buf b = KD_BUF_INIT;
	int rc, t = kd_jscan_peek(s);

	*out = NULL;
	if (t == 'n')
		return kd_jscan_skip(s);
	if (t != '"') {
		fail(s, "a string was expected");
		return KD_EINVAL;
	}
	if (!string_span(s, &from, &len, &escaped))
		return KD_EINVAL;
	if (!escaped) {
		if (memchr(from, '\0', len)) {
			fail(s, "a NUL in a string");
			return KD_EINVAL;
		}
		*out = strndup(from, len);
		return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	if ((rc = unescape(s, &b, from, len)) < 0) {
		kd_buf_free(&b);
		return rc;
	}
	if (!(*out = kd_buf_detach(&b)))
		*out = strdup("");
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

static bool literal(kd_jscan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "a value was expected");
	s->p += n;
	return true;
}

static bool number(kd_jscan *s)
{
	const char *p = s->p;

	if (p < s->end && *p == '-')
		p++;
	if (p >= s->end || *p < '0' || *p > '9')
		return fail(s, "a number was expected");
	if (*p == '0')
		p++;
	else
		while (p < s->end && *p >= '0' && *p <= '9')
			p++;
	if (p < s->end && *p == '.') {
		if (++p >= s->end || *p < '0' || *p > '9')
			return fail(s, "a digit was expected after '.'");
		while (p < s->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= s->end || *p < '0' || *p > '9')
			return fail(s, "a digit was expected in the exponent");
		while (p < s->end && *p >= '0' && *p <= '9')
			p++;
	}
	s->p = p;
	return true;
}

int kd_jscan_skip(kd_jscan *s)
{
	const char *key, *from;
	size_t len;
	bool escaped;

	switch (kd_jscan_peek(s)) {
	case '{':
		if (kd_jscan_begin(s, '{'))
			while (kd_jscan_member(s, &key, &len))
				if (kd_jscan_skip(s) < 0)
					break;
		break;
	case '[':
		if (kd_jscan_begin(s, '['))
			while (kd_jscan_element(s))
				if (kd_jscan_skip(s) < 0)
					break;
		break;
	case '"':
		string_span(s, &from, &len, &escaped);
		break;
	case 'n': literal(s, "null"); break;
	case 't': literal(s, "true"); break;
	case 'f': literal(s, "false"); break;
	case '0': number(s); break;
	default: fail(s, "a value was expected");
	}
	/* a skipped container leaves `first` as its own end left it */
	s->first = false;
	return s->error ? KD_EINVAL : 0;
}

int kd_jscan_bool(kd_jscan *s, bool *out)
{
	int t = kd_jscan_peek(s);

	*out = t == 't';
	if (t == 't' || t == 'f' || t == 'n')
		return kd_jscan_skip(s);
	fail(s, "true or false was expected");
	return KD_EINVAL;
}

int kd_jscan_int(kd_jscan *s, long long *out)
{
	const char *from;
	char *end;

	*out = 0;
	if (kd_jscan_peek(s) == 'n')
		return kd_jscan_skip(s);
	from = s->p;
	if (kd_jscan_peek(s) != '0' || !number(s))
		return (fail(s, "a number was expected"), KD_EINVAL);
	*out = strtoll(from, &end, 10);
	if (end != s->p) {
		s->p = from;
		fail(s, "an integer was expected");
		return KD_EINVAL;
	}
	return 0;
}

int kd_jscan_json(kd_jscan *s, json_t **out)
{
	const char *from;
	json_error_t err;

	*out = NULL;
	ws(s);
	from = s->p;
	if (kd_jscan_skip(s) < 0)
		return KD_EINVAL;
	/* NUL is allowed as in kube's responses: a value read from a cluster
	 * may hold one */
	*out = json_loadb(from, (size_t)(s->p - from), JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!*out) {
		s->p = from;
		fail(s, "a value jansson cannot read");
		return KD_EINVAL;
	}
	return 0;
}

int kd_jscan_error(const kd_jscan *s, const char *what)
{
	return kd_error_set(KD_EINVAL, "%s: malformed JSON at byte %zu: %s", what,
			    s->error_at, s->error ? s->error : "?");
}
