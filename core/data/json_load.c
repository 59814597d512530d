/*
 * json_load — JSON text to jansson values, fast, for the large documents
 * the API servers send (lists of a fleet's objects).
 *
 * jansson's own reader goes through a character stream and copies every
 * string byte by byte; on a fleet's lists that reading cost more than the
 * rest of a check.  This reader walks the text in place and builds the same
 * values with one copy per string.  It handles the common shape only:
 * anything else (a number with a fraction or an exponent, a NUL escape, an
 * integer out of range, deep nesting, any syntax error) makes it hand the
 * whole text to jansson, so the result and every error message are exactly
 * jansson's (json_loadb with JSON_ALLOW_NUL).
 *
 * Never used for text that needs more than that, and never prints.
 */
#include "data/data.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAST_MAX_DEPTH 256
#define MEMO_MAX 4096             /* distinct texts kept before starting over */
#define MEMO_MEMBERS 16

struct kd_json_memo {
	char *member[MEMO_MEMBERS];
	size_t member_len[MEMO_MEMBERS];
	size_t nmembers;
	json_t *values;           /* raw text -> value */
	/* a member left out, and the depth it is left out at (0: none) */
	char *skip;
	size_t skip_len;
	int skip_depth;
};

typedef struct reader {
	const char *p, *end;
	char *scratch;            /* unescaped string being built */
	size_t scratch_cap;
	int depth;
	kd_json_memo *memo;
} reader;

static void ws(reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool scratch_room(reader *r, size_t need)
{
	char *n;
	size_t cap;

	if (need <= r->scratch_cap)
		return true;
	cap = r->scratch_cap ? r->scratch_cap : 256;
	while (cap < need)
		cap *= 2;
	if (!(n = realloc(r->scratch, cap)))
		return false;
	r->scratch = n;
	r->scratch_cap = cap;
	return true;
}

/* A string at r->p ('"'): *s and *len point into the text when it has no
 * escape, into r->scratch otherwise; *ascii when every byte is below 0x80.
 * False on anything left to jansson. */
static bool string(reader *r, const char **s, size_t *len, bool *ascii)
{
	const char *p = r->p + 1, *from = p;
	unsigned char high = 0;
	size_t n;
	char *o;

	while (p < r->end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\' || c < 0x20)
			break;
		high |= c;
		p++;
	}
	if (p >= r->end || (unsigned char)*p < 0x20)
		return false;
	if (*p == '"') {
		*s = from;
		*len = (size_t)(p - from);
		*ascii = !(high & 0x80);
		r->p = p + 1;
		return true;
	}
	/* escapes: the unescaped text is never longer than the escaped one */
	n = (size_t)(p - from);
	if (!scratch_room(r, n + 64))
		return false;
	memcpy(r->scratch, from, n);
	o = r->scratch + n;
	while (p < r->end && *p != '"') {
		unsigned char c = (unsigned char)*p;

		if ((size_t)(o - r->scratch) + 8 > r->scratch_cap) {
			size_t at = (size_t)(o - r->scratch);

			if (!scratch_room(r, r->scratch_cap * 2))
				return false;
			o = r->scratch + at;
		}
		if (c < 0x20)
			return false;
		if (c != '\\') {
			high |= c;
			*o++ = (char)c;
			p++;
			continue;
		}
		if (++p >= r->end)
			return false;
		switch (*p) {
		case '"': case '\\': case '/': *o++ = *p; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int i, v, cp = 0;

			if (r->end - p < 5)
				return false;
			for (i = 1; i <= 4; i++) {
				if ((v = hexval(p[i])) < 0)
					return false;
				cp = cp << 4 | v;
			}
			/* NUL and surrogates: jansson's rules */
			if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
				return false;
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3f));
				high |= 0x80;
			} else {
				*o++ = (char)(0xe0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
				high |= 0x80;
			}
			p += 4;
			break;
		}
		default:
			return false;
		}
		p++;
	}
	if (p >= r->end)
		return false;
	*s = r->scratch;
	*len = (size_t)(o - r->scratch);
	*ascii = !(high & 0x80);
	r->p = p + 1;
	return true;
}

static json_t *value(reader *r);

/* The end of the object or array at p (strings skipped whole); NULL when
 * the text ends first.  Only brackets are counted: whether the text is
 * valid is the parse's business (a skipped text was parsed once). */
static const char *skip_nested(const char *p, const char *end, int *deepest)
{
	int depth = 0;

	for (; p < end; p++) {
		switch (*p) {
		case '"':
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return NULL;
			break;
		case '{':
		case '[':
			if (++depth > *deepest)
				*deepest = depth;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p + 1;
			break;
		default:
			break;
		}
	}
	return NULL;
}

/* A member's value through the memo: the shared value of the same text,
 * or the value read now and remembered. */
static json_t *memo_value(reader *r)
{
	kd_json_memo *m = r->memo;
	const char *start, *stop;
	int deepest = 0;
	json_t *v;

	ws(r);
	start = r->p;
	/* too deep for this reader: read (and fail) as without the memo */
	if (start >= r->end || (*start != '{' && *start != '[') ||
	    !(stop = skip_nested(start, r->end, &deepest)) ||
	    r->depth + deepest > FAST_MAX_DEPTH)
		return value(r);
	if ((v = json_object_getn(m->values, start, (size_t)(stop - start)))) {
		r->p = stop;
		return json_incref(v);
	}
	if (!(v = value(r)))
		return NULL;
	if (r->p == stop) {
		if (json_object_size(m->values) >= MEMO_MAX)
			json_object_clear(m->values);
		/* a failure only loses the sharing */
		json_object_setn_nocheck(m->values, start, (size_t)(stop - start), v);
	}
	return v;
}

static bool integer(reader *r, long long *out);
static json_t *literal(reader *r, const char *word, json_t *v);

/* UTF-8 as jansson takes it: no overlong form, no surrogate, nothing past
 * U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp;

	while (i < n) {
		unsigned c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c < 0xC2 || c > 0xF4)
			return false;
		need = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
		cp = c & (need == 1 ? 0x1Fu : need == 2 ? 0x0Fu : 0x07u);
		if (n - i <= need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3Fu);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

static bool skip_string(reader *r)
{
	const char *s;
	size_t len;
	bool ascii;

	return string(r, &s, &len, &ascii) &&
	       (ascii || utf8_valid((const unsigned char *)s, len));
}

/* Steps over one value exactly as value() would read it, building
 * nothing: false for anything value() would not take (the whole text then
 * goes to jansson, as it would have). */
static bool skip(reader *r)
{
	char close;
	bool members;
	long long n;

	ws(r);
	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '{':
	case '[':
		if (++r->depth > FAST_MAX_DEPTH)
			return false;
		members = *r->p == '{';
		close = members ? '}' : ']';
		r->p++;
		ws(r);
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return true;
		}
		for (;;) {
			if (members) {
				if (r->p >= r->end || *r->p != '"' || !skip_string(r))
					return false;
				ws(r);
				if (r->p >= r->end || *r->p != ':')
					return false;
				r->p++;
			}
			if (!skip(r))
				return false;
			ws(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				ws(r);
				continue;
			}
			if (r->p < r->end && *r->p == close) {
				r->p++;
				r->depth--;
				return true;
			}
			return false;
		}
	case '"': return skip_string(r);
	case 't': return literal(r, "true", json_true()) != NULL;
	case 'f': return literal(r, "false", json_false()) != NULL;
	case 'n': return literal(r, "null", json_null()) != NULL;
	default:
		return (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) && integer(r, &n);
	}
}

static bool memo_member(const kd_json_memo *m, const char *k, size_t klen)
{
	size_t i;

	for (i = 0; m && i < m->nmembers; i++)
		if (klen == m->member_len[i] && memcmp(k, m->member[i], klen) == 0)
			return true;
	return false;
}

static json_t *object(reader *r)
{
	json_t *obj = json_object();

	if (!obj)
		return NULL;
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return obj;
	}
	for (;;) {
		const char *k;
		size_t klen;
		bool ascii;
		char *key;
		json_t *v;
		int rc;

		if (r->p >= r->end || *r->p != '"' || !string(r, &k, &klen, &ascii))
			goto fail;
		/* an unescaped key is read in place; one in the scratch must
		 * outlive the value, which may reuse it */
		key = NULL;
		if (k == r->scratch) {
			if (!(key = malloc(klen + 1)))
				goto fail;
			memcpy(key, k, klen);
			key[klen] = '\0';
			k = key;
		}
		ws(r);
		if (r->p >= r->end || *r->p != ':') {
			free(key);
			goto fail;
		}
		r->p++;
		if (r->memo && r->depth == r->memo->skip_depth && klen == r->memo->skip_len &&
		    memcmp(k, r->memo->skip, klen) == 0) {
			/* a member left out: read as strictly, but not built */
			rc = skip(r) ? 0 : -1;
		} else {
			v = memo_member(r->memo, k, klen) ? memo_value(r) : value(r);
			rc = !v ? -1 : ascii ? json_object_setn_new_nocheck(obj, k, klen, v)
					     : json_object_setn_new(obj, k, klen, v);
		}
		free(key);
		if (rc < 0)
			goto fail;
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return obj;
		}
		goto fail;
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *array(reader *r)
{
	json_t *arr = json_array(), *v;

	if (!arr)
		return NULL;
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return arr;
	}
	for (;;) {
		if (!(v = value(r)) || json_array_append_new(arr, v) < 0)
			goto fail;
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return arr;
		}
		goto fail;
	}
fail:
	json_decref(arr);
	return NULL;
}

/* An integer: digits only, no leading zero, in range; reals go to jansson. */
static bool integer(reader *r, long long *out)
{
	const char *p = r->p, *digits;
	char buf[24], *end;
	long long v;
	size_t n;

	if (*p == '-')
		p++;
	digits = p;
	while (p < r->end && *p >= '0' && *p <= '9')
		p++;
	n = (size_t)(p - r->p);
	if (p == digits || (*digits == '0' && p - digits > 1) || n >= sizeof(buf) ||
	    (p < r->end && (*p == '.' || *p == 'e' || *p == 'E')))
		return false;
	memcpy(buf, r->p, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno == ERANGE || end != buf + n)
		return false;
	r->p = p;
	*out = v;
	return true;
}

static json_t *number(reader *r)
{
	long long v;

	return integer(r, &v) ? json_integer((json_int_t)v) : NULL;
}

static json_t *literal(reader *r, const char *word, json_t *v)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return NULL;
	r->p += n;
	return v;
}

static json_t *value(reader *r)
{
	json_t *v = NULL;

	ws(r);
	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
	case '[':
		if (++r->depth > FAST_MAX_DEPTH)
			return NULL;
		v = *r->p == '{' ? object(r) : array(r);
		r->depth--;
		return v;
	case '"': {
		const char *s;
		size_t len;
		bool ascii;

		if (!string(r, &s, &len, &ascii))
			return NULL;
		/* jansson checks UTF-8 as it reads; json_stringn checks the same */
		return ascii ? json_stringn_nocheck(s, len) : json_stringn(s, len);
	}
	case 't': return literal(r, "true", json_true());
	case 'f': return literal(r, "false", json_false());
	case 'n': return literal(r, "null", json_null());
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return number(r);
		return NULL;
	}
}

kd_json_memo *kd_json_memo_new(const char *member)
{
	kd_json_memo *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->values = json_object();
	if (!m->values || kd_json_memo_add(m, member) < 0) {
		kd_json_memo_free(m);
		return NULL;
	}
	return m;
}

int kd_json_memo_add(kd_json_memo *m, const char *member)
{
	char *copy;

	if (m->nmembers == MEMO_MEMBERS)
		return kd_error_set(KD_ELIMIT, "a memo reads at most %d member names", MEMO_MEMBERS);
	if (!(copy = strdup(member)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	m->member[m->nmembers] = copy;
	m->member_len[m->nmembers++] = strlen(member);
	return 0;
}

int kd_json_memo_skip(kd_json_memo *m, const char *member, int depth)
{
	char *copy = strdup(member);

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	free(m->skip);
	m->skip = copy;
	m->skip_len = strlen(member);
	m->skip_depth = depth > 0 ? depth : 0;
	return 0;
}

void kd_json_memo_free(kd_json_memo *m)
{
	size_t i;

	if (!m)
		return;
	free(m->skip);
	for (i = 0; i < m->nmembers; i++)
		free(m->member[i]);
	json_decref(m->values);
	free(m);
}

json_t *kd_json_loadb(const char *text, size_t len, json_error_t *err)
{
	return kd_json_loadb_memo(text, len, err, NULL);
}

json_t *kd_json_loadb_memo(const char *text, size_t len, json_error_t *err,
			   kd_json_memo *memo)
{
	reader r = { text, text + len, NULL, 0, 0, memo };
	json_t *v = NULL;

	ws(&r);
	if (r.p < r.end && (*r.p == '{' || *r.p == '[')) {
		v = value(&r);
		ws(&r);
		if (v && r.p != r.end) {
			json_decref(v);
			v = NULL;
		}
	}
	free(r.scratch);
	if (v)
		return v;
	return json_loadb(text, len, JSON_ALLOW_NUL, err);
}
