/*
 * json — RFC 6901 pointers, value equality, canonical form and digests on
 * jansson values (see data.h).
 *
 * Canonical bytes feed the SHA-256 digests that decide whether a live object
 * drifted from Git, so anything kd_json_equal() calls equal must serialise to
 * the very same bytes here, whatever the key order or number type.
 */
#include "data/data.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* ---- pointers ---------------------------------------------------------- */

/* Reads the next reference token of pointer at *cursor into tok, unescaped.
 * Returns 1 when a token was read, 0 at the end, or a negative code. */
static int token_next(kd_buf *tok, const char **cursor, const char *pointer)
{
	const char *p = *cursor;
	int rc;

	if (*p == '\0')
		return 0;
	if (*p != '/')
		return kd_error_set(KD_EINVAL,
				    "JSON pointer '%s' must be empty or start with '/'",
				    pointer);
	p++;
	kd_buf_clear(tok);
	/* An empty token is legal ("/" names the member ""), so make sure the
	 * buffer holds a string even when nothing is added. */
	if ((rc = kd_buf_grow(tok, 0)) < 0)
		return rc;
	tok->data[0] = '\0';
	while (*p && *p != '/') {
		char c = *p++;

		if (c == '~') {
			if (*p == '0')
				c = '~';
			else if (*p == '1')
				c = '/';
			else
				return kd_error_set(KD_EINVAL,
						    "JSON pointer '%s': '~' must be followed by '0' or '1'",
						    pointer);
			p++;
		}
		if ((rc = kd_buf_putc(tok, c)) < 0)
			return rc;
	}
	*cursor = p;
	return 1;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

int kd_json_pointer_index(size_t *out, const char *token, size_t size,
			  bool allow_end, const char *pointer)
{
	size_t i = 0;
	const char *p;

	*out = 0;
	if (strcmp(token, "-") == 0) {
		if (!allow_end)
			return kd_error_set(KD_ENOTFOUND,
					    "JSON pointer '%s': '-' names no existing array element",
					    pointer);
		*out = size;
		return 0;
	}
	if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0'))
		goto bad;
	for (p = token; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (i > ((size_t)-1 - 9) / 10)
			return kd_error_set(KD_ENOTFOUND,
					    "JSON pointer '%s': index %s is out of range",
					    pointer, token);
		i = i * 10 + (size_t)(*p - '0');
	}
	if (i > size || (i == size && !allow_end))
		return kd_error_set(KD_ENOTFOUND,
				    "JSON pointer '%s': index %zu is past the end of the array (size %zu)",
				    pointer, i, size);
	*out = i;
	return 0;
bad:
	return kd_error_set(KD_EINVAL,
			    "JSON pointer '%s': '%s' is not an array index (digits without leading zeros, or '-')",
			    pointer, token);
}

/* The child of container named by token, or an error naming the pointer.
 * With create, a missing object member or the array slot just past the end
 * becomes a new empty object. */
static int child_get(json_t **out, json_t *cur, const char *token,
		     const char *pointer, bool create)
{
	json_t *child = NULL;
	size_t idx;
	int rc;

	*out = NULL;
	if (json_is_object(cur)) {
		child = json_object_get(cur, token);
		if (!child && create) {
			child = json_object();
			if (!child || json_object_set_new(cur, token, child) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		}
		if (!child)
			return kd_error_set(KD_ENOTFOUND,
					    "JSON pointer '%s': no member '%s'",
					    pointer, token);
	} else if (json_is_array(cur)) {
		rc = kd_json_pointer_index(&idx, token, json_array_size(cur),
					   create, pointer);
		if (rc < 0)
			return rc;
		if (idx == json_array_size(cur)) {
			child = json_object();
			if (!child || json_array_append_new(cur, child) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		} else {
			child = json_array_get(cur, idx);
		}
	} else {
		return kd_error_set(KD_ENOTFOUND,
				    "JSON pointer '%s': cannot look up '%s' inside %s",
				    pointer, token, type_name(cur));
	}
	*out = child;
	return 0;
}

int kd_json_pointer_parent(json_t **parent, char **last, json_t *doc,
			   const char *pointer, bool create_parents)
{
	kd_buf a = KD_BUF_INIT, b = KD_BUF_INIT, t;
	kd_buf *tok = &a, *next = &b;
	const char *cursor = pointer;
	json_t *cur = doc;
	int rc;

	*parent = NULL;
	*last = NULL;
	rc = token_next(tok, &cursor, pointer);
	if (rc == 0)
		rc = kd_error_set(KD_EINVAL,
				  "JSON pointer '' names the whole document, which has no parent");
	if (rc < 0)
		goto cleanup;
	for (;;) {
		rc = token_next(next, &cursor, pointer);
		if (rc < 0)
			goto cleanup;
		if (rc == 0)
			break;
		if ((rc = child_get(&cur, cur, kd_buf_cstr(tok), pointer,
				    create_parents)) < 0)
			goto cleanup;
		t = *tok;
		*tok = *next;
		*next = t;
	}
	*parent = cur;
	*last = kd_buf_detach(tok);
	rc = 0;
cleanup:
	kd_buf_free(&a);
	kd_buf_free(&b);
	return rc;
}

int kd_json_pointer_get(json_t **out, const json_t *doc, const char *pointer)
{
	json_t *parent = NULL;
	char *last = NULL;
	int rc;

	*out = NULL;
	if (pointer[0] == '\0') {
		*out = (json_t *)doc;
		return 0;
	}
	rc = kd_json_pointer_parent(&parent, &last, (json_t *)doc, pointer, false);
	if (rc == 0)
		rc = child_get(out, parent, last, pointer, false);
	free(last);
	return rc;
}

int kd_json_pointer_set(json_t *doc, const char *pointer, json_t *value,
			bool create_parents)
{
	json_t *parent = NULL;
	char *last = NULL;
	size_t idx;
	int rc;

	if (!value)
		return kd_error_set(KD_EINVAL, "JSON pointer '%s': no value to set",
				    pointer);
	rc = kd_json_pointer_parent(&parent, &last, doc, pointer, create_parents);
	if (rc < 0)
		goto cleanup;
	if (json_is_object(parent)) {
		rc = json_object_set(parent, last, value);
	} else if (json_is_array(parent)) {
		rc = kd_json_pointer_index(&idx, last, json_array_size(parent),
					   true, pointer);
		if (rc < 0)
			goto cleanup;
		if (idx == json_array_size(parent))
			rc = json_array_append(parent, value);
		else
			rc = json_array_set(parent, idx, value);
	} else {
		rc = kd_error_set(KD_EINVAL,
				  "JSON pointer '%s': cannot set '%s' inside %s",
				  pointer, last, type_name(parent));
		goto cleanup;
	}
	if (rc < 0)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	json_decref(value);
	free(last);
	return rc;
}

int kd_json_pointer_remove(json_t *doc, const char *pointer)
{
	json_t *parent = NULL;
	char *last = NULL;
	size_t idx;
	int rc;

	rc = kd_json_pointer_parent(&parent, &last, doc, pointer, false);
	if (rc < 0)
		goto cleanup;
	if (json_is_object(parent)) {
		if (json_object_del(parent, last) < 0)
			rc = kd_error_set(KD_ENOTFOUND,
					  "JSON pointer '%s': no member '%s'",
					  pointer, last);
	} else if (json_is_array(parent)) {
		rc = kd_json_pointer_index(&idx, last, json_array_size(parent),
					   false, pointer);
		if (rc == 0 && json_array_remove(parent, idx) < 0)
			rc = kd_error_set(KD_ERROR, "JSON pointer '%s': removal failed",
					  pointer);
	} else {
		rc = kd_error_set(KD_ENOTFOUND,
				  "JSON pointer '%s': cannot look up '%s' inside %s",
				  pointer, last, type_name(parent));
	}
cleanup:
	free(last);
	return rc;
}

int kd_json_pointer_append(kd_buf *out, const char *token)
{
	size_t plain = strcspn(token, "~/");
	int rc = kd_buf_putc(out, '/');

	/* most keys need no escaping: copied in one go */
	if (rc == 0 && plain)
		rc = kd_buf_add(out, token, plain);
	for (token += plain; rc == 0 && *token; token++) {
		if (*token == '~')
			rc = kd_buf_puts(out, "~0");
		else if (*token == '/')
			rc = kd_buf_puts(out, "~1");
		else
			rc = kd_buf_putc(out, *token);
	}
	return rc;
}

int kd_json_pointer_split(json_t **out, const char *pointer)
{
	kd_buf tok = KD_BUF_INIT;
	const char *cursor = pointer;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!arr)
		return kd_error_set(KD_ENOMEM, "out of memory");
	while ((rc = token_next(&tok, &cursor, pointer)) > 0) {
		if (json_array_append_new(arr, json_string(kd_buf_cstr(&tok))) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_buf_free(&tok);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* ---- equality ------------------------------------------------------------ */

/* True when r is a whole number inside json_int_t's range [-2^63, 2^63);
 * both bounds are exact doubles, so the cast below cannot overflow. */
static bool real_is_int(double r)
{
	return r >= -9223372036854775808.0 && r < 9223372036854775808.0 &&
	       (double)(json_int_t)r == r;
}

/* Integers and reals compare by exact mathematical value: converting the
 * integer to double would make 2^53 + 1 equal 2^53. */
static bool number_equal(const json_t *a, const json_t *b)
{
	json_int_t i;
	double r;

	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_real(a) && json_is_real(b))
		return json_real_value(a) == json_real_value(b);
	i = json_is_integer(a) ? json_integer_value(a) : json_integer_value(b);
	r = json_is_real(a) ? json_real_value(a) : json_real_value(b);
	if (!real_is_int(r))
		return false;
	return (json_int_t)r == i;
}

bool kd_json_equal(const json_t *a, const json_t *b)
{
	const char *key;
	size_t i, n;
	json_t *va;
	void *it;

	if (!a || !b)
		return a == b;
	if (json_is_number(a) && json_is_number(b))
		return number_equal(a, b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return false;
		for (it = json_object_iter((json_t *)a); it;
		     it = json_object_iter_next((json_t *)a, it)) {
			key = json_object_iter_key(it);
			va = json_object_iter_value(it);
			if (!kd_json_equal(va, json_object_getn(b, key,
						json_object_iter_key_len(it))))
				return false;
		}
		return true;
	case JSON_ARRAY:
		n = json_array_size(a);
		if (n != json_array_size(b))
			return false;
		for (i = 0; i < n; i++)
			if (!kd_json_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b),
			      json_string_length(a)) == 0;
	default:
		return true; /* true, false, null: same type is same value */
	}
}

/* ---- canonical form --------------------------------------------------- */

static int put_string(kd_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	int rc = kd_buf_putc(out, '"');

	for (i = 0; rc == 0 && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': rc = kd_buf_puts(out, "\\\""); break;
		case '\\': rc = kd_buf_puts(out, "\\\\"); break;
		case '\b': rc = kd_buf_puts(out, "\\b"); break;
		case '\f': rc = kd_buf_puts(out, "\\f"); break;
		case '\n': rc = kd_buf_puts(out, "\\n"); break;
		case '\r': rc = kd_buf_puts(out, "\\r"); break;
		case '\t': rc = kd_buf_puts(out, "\\t"); break;
		default:
			if (c < 0x20) {
				char esc[7] = { '\\', 'u', '0', '0',
						hex[c >> 4], hex[c & 15], '\0' };

				rc = kd_buf_puts(out, esc);
			} else {
				rc = kd_buf_putc(out, (char)c);
			}
		}
	}
	return rc ? rc : kd_buf_putc(out, '"');
}

/* Shortest "%.*g" text that reads back as the same double.  printf follows
 * LC_NUMERIC, so the decimal separator is forced to '.' afterwards, and the
 * exponent is trimmed ("1e+20" -> "1e20", "1e-07" -> "1e-7"). */
static int put_real(kd_buf *out, double r)
{
	char text[40], clean[40];
	size_t i, j = 0;
	int prec;

	if (real_is_int(r))
		return kd_buf_printf(out, "%lld", (long long)r);
	for (prec = 1; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, r);
		if (strtod(text, NULL) == r)
			break;
	}
	for (i = 0; text[i]; i++) {
		char c = text[i];

		if (c == 'e') {
			clean[j++] = 'e';
			if (text[i + 1] == '+')
				i++;
			else if (text[i + 1] == '-')
				clean[j++] = text[++i];
			while (text[i + 1] == '0' && text[i + 2] != '\0')
				i++;
		} else if ((c >= '0' && c <= '9') || c == '-') {
			clean[j++] = c;
		} else {
			clean[j++] = '.';
		}
	}
	clean[j] = '\0';
	return kd_buf_puts(out, clean);
}

struct key_ref {
	const char *key;
	size_t len;
	json_t *value;
};

static int key_ref_cmp(const void *pa, const void *pb)
{
	const struct key_ref *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->key, b->key, n);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int put_object(kd_buf *out, const json_t *v)
{
	size_t n = json_object_size(v), i = 0;
	struct key_ref *keys;
	void *it;
	int rc;

	if (n == 0)
		return kd_buf_puts(out, "{}");
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (it = json_object_iter((json_t *)v); it && i < n;
	     it = json_object_iter_next((json_t *)v, it), i++) {
		keys[i].key = json_object_iter_key(it);
		keys[i].len = json_object_iter_key_len(it);
		keys[i].value = json_object_iter_value(it);
	}
	qsort(keys, i, sizeof(*keys), key_ref_cmp);
	rc = kd_buf_putc(out, '{');
	for (n = i, i = 0; rc == 0 && i < n; i++) {
		if (i && (rc = kd_buf_putc(out, ',')) < 0)
			break;
		if ((rc = put_string(out, keys[i].key, keys[i].len)) < 0 ||
		    (rc = kd_buf_putc(out, ':')) < 0)
			break;
		rc = kd_json_canonical(out, keys[i].value);
	}
	free(keys);
	return rc ? rc : kd_buf_putc(out, '}');
}

int kd_json_canonical(kd_buf *out, const json_t *v)
{
	size_t i, n;
	int rc;

	if (!v)
		return kd_error_set(KD_EINVAL, "no JSON value to serialise");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(out, v);
	case JSON_ARRAY:
		n = json_array_size(v);
		rc = kd_buf_putc(out, '[');
		for (i = 0; rc == 0 && i < n; i++) {
			if (i && (rc = kd_buf_putc(out, ',')) < 0)
				break;
			rc = kd_json_canonical(out, json_array_get(v, i));
		}
		return rc ? rc : kd_buf_putc(out, ']');
	case JSON_STRING:
		return put_string(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return kd_buf_printf(out, "%lld", (long long)json_integer_value(v));
	case JSON_REAL:
		return put_real(out, json_real_value(v));
	case JSON_TRUE:
		return kd_buf_puts(out, "true");
	case JSON_FALSE:
		return kd_buf_puts(out, "false");
	case JSON_NULL:
		return kd_buf_puts(out, "null");
	}
	return kd_error_set(KD_EINVAL, "unknown JSON value type");
}

/* ---- digests ------------------------------------------------------------ */

static int sha256(unsigned char digest[32], const void *data, size_t len)
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) || n != 32)
		return kd_error_set(KD_ERROR, "SHA-256 computation failed");
	return 0;
}

static void to_hex(char hex[65], const unsigned char digest[32])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[64] = '\0';
}

int kd_json_sha256(unsigned char digest[32], const json_t *v)
{
	kd_buf b = KD_BUF_INIT;
	int rc = kd_json_canonical(&b, v);

	if (rc == 0)
		rc = sha256(digest, b.data ? b.data : "", b.len);
	kd_buf_free(&b);
	return rc;
}

int kd_json_sha256_hex(char hex[65], const json_t *v)
{
	unsigned char digest[32];
	int rc = kd_json_sha256(digest, v);

	hex[0] = '\0';
	if (rc == 0)
		to_hex(hex, digest);
	return rc;
}

void kd_sha256_hex(char hex[65], const void *data, size_t len)
{
	unsigned char digest[32];

	hex[0] = '\0';
	if (sha256(digest, len ? data : "", len) == 0)
		to_hex(hex, digest);
}

/* ---- getters ------------------------------------------------------------- */

const char *kd_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *kd_json_obj(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_object(v) ? v : NULL;
}

json_t *kd_json_arr(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_array(v) ? v : NULL;
}
