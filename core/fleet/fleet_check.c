/*
 * fleet_check — position-aware checks for the fleet file (see
 * fleet_priv.h).  Also parses the object form of label selectors, so that
 * kd_selector_parse and the fleet file share one set of rules.
 */
#include "fleet_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int kd_fcheck_init(kd_fcheck *c, const char *file, const json_t *pos,
		   const char *where)
{
	kd_buf empty = KD_BUF_INIT;
	int rc;

	c->file = file;
	c->pos = pos;
	c->ptr = empty;
	c->where = empty;
	if ((rc = kd_buf_puts(&c->ptr, "")) < 0 ||
	    (rc = kd_buf_puts(&c->where, where ? where : "")) < 0) {
		kd_fcheck_free(c);
		return rc;
	}
	return 0;
}

void kd_fcheck_free(kd_fcheck *c)
{
	kd_buf_free(&c->ptr);
	kd_buf_free(&c->where);
}

/* Appends "/token" with RFC 6901 escaping. */
static int pointer_append(kd_buf *ptr, const char *key)
{
	const char *p;
	int rc;

	if ((rc = kd_buf_putc(ptr, '/')) < 0)
		return rc;
	for (p = key; *p; p++) {
		if (*p == '~')
			rc = kd_buf_puts(ptr, "~0");
		else if (*p == '/')
			rc = kd_buf_puts(ptr, "~1");
		else
			rc = kd_buf_putc(ptr, *p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int kd_fcheck_push_key(kd_fcheck *c, const char *key, kd_fcheck_mark *m)
{
	int rc;

	m->ptr_len = c->ptr.len;
	m->where_len = c->where.len;
	if ((rc = pointer_append(&c->ptr, key)) < 0)
		return rc;
	if (c->where.len && (rc = kd_buf_putc(&c->where, '.')) < 0)
		return rc;
	return kd_buf_puts(&c->where, key);
}

int kd_fcheck_push_index(kd_fcheck *c, size_t i, kd_fcheck_mark *m)
{
	int rc;

	m->ptr_len = c->ptr.len;
	m->where_len = c->where.len;
	if ((rc = kd_buf_printf(&c->ptr, "/%zu", i)) < 0)
		return rc;
	return kd_buf_printf(&c->where, "[%zu]", i);
}

void kd_fcheck_pop(kd_fcheck *c, const kd_fcheck_mark *m)
{
	kd_buf_truncate(&c->ptr, m->ptr_len);
	kd_buf_truncate(&c->where, m->where_len);
}

const char *kd_fcheck_where(const kd_fcheck *c)
{
	return c->where.len ? c->where.data : "the fleet file";
}

/* The [line, column] of a pointer, or of its nearest ancestor that has
 * one. */
static bool locate(const kd_fcheck *c, const char *pointer, long *line,
		   long *col)
{
	size_t len = strlen(pointer);

	if (!c->pos)
		return false;
	for (;;) {
		const json_t *lc = json_object_getn(c->pos, pointer, len);

		if (json_is_array(lc) && json_array_size(lc) == 2) {
			*line = (long)json_integer_value(json_array_get(lc, 0));
			*col = (long)json_integer_value(json_array_get(lc, 1));
			return true;
		}
		if (len == 0)
			return false;
		while (len > 0 && pointer[len - 1] != '/')
			len--;
		if (len > 0)
			len--;
	}
}

long kd_fcheck_line(const kd_fcheck *c, const char *pointer)
{
	long line = 0, col = 0;

	return locate(c, pointer, &line, &col) ? line : 0;
}

static int vfail(kd_fcheck *c, const char *pointer, const char *fmt,
		 va_list ap)
{
	kd_buf msg = KD_BUF_INIT;
	long line, col;
	int rc;

	if ((rc = kd_buf_vprintf(&msg, fmt, ap)) < 0)
		return rc;
	if (!c->file)
		rc = kd_error_set(KD_EINVAL, "%s", kd_buf_cstr(&msg));
	else if (locate(c, pointer, &line, &col))
		rc = kd_error_set(KD_EINVAL, "%s:%ld:%ld: %s", c->file, line,
				  col, kd_buf_cstr(&msg));
	else
		rc = kd_error_set(KD_EINVAL, "%s: %s", c->file,
				  kd_buf_cstr(&msg));
	kd_buf_free(&msg);
	return rc;
}

int kd_fcheck_fail(kd_fcheck *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(c, kd_buf_cstr(&c->ptr), fmt, ap);
	va_end(ap);
	return rc;
}

int kd_fcheck_fail_at(kd_fcheck *c, const char *pointer, const char *fmt,
		      ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(c, pointer, fmt, ap);
	va_end(ap);
	return rc;
}

int kd_fcheck_fail_member(kd_fcheck *c, const char *key, const char *fmt,
			  ...)
{
	kd_buf ptr = KD_BUF_INIT;
	va_list ap;
	int rc;

	/* A copy, so that arguments pointing into the walker (such as
	 * kd_fcheck_where's) stay valid while the message is formatted. */
	if ((rc = kd_buf_puts(&ptr, kd_buf_cstr(&c->ptr))) < 0 ||
	    (rc = pointer_append(&ptr, key)) < 0)
		goto cleanup;
	va_start(ap, fmt);
	rc = vfail(c, ptr.data, fmt, ap);
	va_end(ap);
cleanup:
	kd_buf_free(&ptr);
	return rc;
}

const char *kd_fcheck_type_name(const json_t *node)
{
	switch (json_typeof(node)) {
	case JSON_OBJECT: return "a mapping";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Edit distance, for "did you mean" hints; keys are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (la >= 64 || lb >= 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			tmp = row[j];
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

int kd_fcheck_mapping(kd_fcheck *c, const json_t *node,
		      const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(node))
		return kd_fcheck_fail(c, "%s must be a mapping, not %s",
				      kd_fcheck_where(c),
				      kd_fcheck_type_name(node));
	json_object_foreach((json_t *)node, key, v) {
		const char *const *a, *hint = NULL;

		for (a = allowed; *a; a++) {
			if (strcmp(*a, key) == 0)
				break;
			if (!hint && distance(*a, key) <= 2)
				hint = *a;
		}
		if (*a)
			continue;
		/* The message names the parent, the position is the key's. */
		if (hint)
			return kd_fcheck_fail_member(c, key,
				"unknown key '%s' in %s (did you mean '%s'?)",
				key, kd_fcheck_where(c), hint);
		return kd_fcheck_fail_member(c, key, "unknown key '%s' in %s",
					     key, kd_fcheck_where(c));
	}
	return 0;
}

int kd_fcheck_list(kd_fcheck *c, const json_t *node)
{
	if (!json_is_array(node))
		return kd_fcheck_fail(c, "%s must be a list, not %s",
				      kd_fcheck_where(c),
				      kd_fcheck_type_name(node));
	return 0;
}

int kd_fcheck_string(kd_fcheck *c, const char **out, const json_t *obj,
		     const char *key, bool required)
{
	const json_t *v = json_object_get(obj, key);
	kd_fcheck_mark m;
	int rc;

	*out = NULL;
	if (!v) {
		if (required)
			return kd_fcheck_fail(c, "%s has no '%s'",
					      kd_fcheck_where(c), key);
		return 0;
	}
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	if ((rc = kd_fcheck_push_key(c, key, &m)) < 0)
		return rc;
	rc = kd_fcheck_fail(c, "%s must be a string, not %s",
			    kd_fcheck_where(c), kd_fcheck_type_name(v));
	kd_fcheck_pop(c, &m);
	return rc;
}

int kd_fcheck_bool(kd_fcheck *c, bool *out, const json_t *obj,
		   const char *key, bool dflt)
{
	const json_t *v = json_object_get(obj, key);
	kd_fcheck_mark m;
	int rc;

	*out = dflt;
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if ((rc = kd_fcheck_push_key(c, key, &m)) < 0)
		return rc;
	rc = kd_fcheck_fail(c, "%s must be true or false, not %s",
			    kd_fcheck_where(c), kd_fcheck_type_name(v));
	kd_fcheck_pop(c, &m);
	return rc;
}

int kd_fcheck_scalar(kd_fcheck *c, json_t **out, const json_t *node)
{
	*out = NULL;
	switch (json_typeof(node)) {
	case JSON_STRING:
		*out = json_incref((json_t *)node);
		return 0;
	case JSON_NULL:
		/* An empty value, as the API server reads null in a string map. */
		if (!(*out = json_string("")))
			return kd_error_set(KD_ENOMEM, "out of memory");
		return 0;
	case JSON_INTEGER:
	case JSON_REAL:
		/* Typing has already lost the text (010 is 8, 1.10 is 1.1), so the
		 * value cannot be turned back into what was written. */
		return kd_fcheck_fail(c, "%s must be a string; quote the number",
				      kd_fcheck_where(c));
	case JSON_TRUE:
	case JSON_FALSE:
		return kd_fcheck_fail(c, "%s must be a string; quote the value (\"%s\")",
				      kd_fcheck_where(c),
				      json_is_true(node) ? "true" : "false");
	default:
		return kd_fcheck_fail(c, "%s must be a string, not %s",
				      kd_fcheck_where(c),
				      kd_fcheck_type_name(node));
	}
}

int kd_fcheck_string_map(kd_fcheck *c, json_t **out, const json_t *node,
			 kd_fcheck_valid key_ok, const char *key_rule,
			 kd_fcheck_valid value_ok, const char *value_rule)
{
	static const char *const none[] = { NULL };
	json_t *map, *v, *s = NULL;
	const char *key;
	int rc = 0;

	*out = NULL;
	if (!json_is_object(node))
		return kd_fcheck_mapping(c, node, none);
	if (!(map = json_object()))
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach((json_t *)node, key, v) {
		kd_fcheck_mark m;

		if ((rc = kd_fcheck_push_key(c, key, &m)) < 0)
			goto cleanup;
		if (key[0] == '\0' || (key_ok && !key_ok(key))) {
			rc = kd_fcheck_fail(c, "key '%s' in %.*s is not %s",
					    key, (int)m.where_len,
					    c->where.data, key_rule);
			goto cleanup;
		}
		if ((rc = kd_fcheck_scalar(c, &s, v)) < 0)
			goto cleanup;
		if (value_ok && !value_ok(json_string_value(s))) {
			rc = kd_fcheck_fail(c, "%s: '%s' is not %s",
					    kd_fcheck_where(c),
					    json_string_value(s), value_rule);
			goto cleanup;
		}
		if (json_object_set_new(map, key, s) < 0) {
			s = NULL;
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		s = NULL;
		kd_fcheck_pop(c, &m);
	}
	*out = map;
	map = NULL;
cleanup:
	json_decref(s);
	json_decref(map);
	return rc;
}

const char kd_fcheck_label_key_rule[] =
	"a valid label key (an optional DNS prefix and '/', then up to 63 "
	"letters, digits, '-', '_' or '.', starting and ending alphanumeric)";
const char kd_fcheck_label_value_rule[] =
	"a valid label value (up to 63 letters, digits, '-', '_' or '.', "
	"starting and ending alphanumeric)";

static int parse_expression(kd_fcheck *c, json_t **out, const json_t *node)
{
	static const char *const keys[] = { "key", "operator", "values", NULL };
	const char *key, *op;
	const json_t *vals;
	json_t *values = NULL, *s = NULL;
	kd_fcheck_mark m;
	bool needs_values;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0 ||
	    (rc = kd_fcheck_string(c, &key, node, "key", true)) < 0 ||
	    (rc = kd_fcheck_string(c, &op, node, "operator", true)) < 0)
		return rc;
	if (!kd_label_key_valid(key)) {
		if ((rc = kd_fcheck_push_key(c, "key", &m)) < 0)
			return rc;
		return kd_fcheck_fail(c, "%s: '%s' is not %s",
				      kd_fcheck_where(c), key, kd_fcheck_label_key_rule);
	}
	if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
		needs_values = true;
	} else if (strcmp(op, "Exists") == 0 ||
		   strcmp(op, "DoesNotExist") == 0) {
		needs_values = false;
	} else {
		if ((rc = kd_fcheck_push_key(c, "operator", &m)) < 0)
			return rc;
		return kd_fcheck_fail(c,
			"%s: unknown operator '%s' (want In, NotIn, Exists or DoesNotExist)",
			kd_fcheck_where(c), op);
	}
	vals = json_object_get(node, "values");
	if (!(values = json_array()))
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (vals) {
		if ((rc = kd_fcheck_push_key(c, "values", &m)) < 0 ||
		    (rc = kd_fcheck_list(c, vals)) < 0)
			goto cleanup;
		if (!needs_values && json_array_size(vals) > 0) {
			rc = kd_fcheck_fail(c, "%s: operator %s takes no values",
					    kd_fcheck_where(c), op);
			goto cleanup;
		}
		for (i = 0; i < json_array_size(vals); i++) {
			kd_fcheck_mark mi;

			if ((rc = kd_fcheck_push_index(c, i, &mi)) < 0 ||
			    (rc = kd_fcheck_scalar(c, &s,
						   json_array_get(vals, i))) < 0)
				goto cleanup;
			if (!kd_label_value_valid(json_string_value(s))) {
				rc = kd_fcheck_fail(c, "%s: '%s' is not %s",
						    kd_fcheck_where(c),
						    json_string_value(s),
						    kd_fcheck_label_value_rule);
				goto cleanup;
			}
			if (json_array_append_new(values, s) < 0) {
				s = NULL;
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			s = NULL;
			kd_fcheck_pop(c, &mi);
		}
		kd_fcheck_pop(c, &m);
	}
	if (needs_values && json_array_size(values) == 0) {
		rc = kd_fcheck_fail(c, "%s: operator %s needs at least one value",
				    kd_fcheck_where(c), op);
		goto cleanup;
	}
	*out = json_pack("{s:s, s:s, s:O}", "key", key, "operator", op,
			 "values", values);
	if (!*out)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	json_decref(s);
	json_decref(values);
	return rc;
}

static bool label_key_ok(const char *s)
{
	return kd_label_key_valid(s);
}

static bool label_value_ok(const char *s)
{
	return kd_label_value_valid(s);
}

int kd_fcheck_selector(kd_fcheck *c, kd_selector *out, const json_t *node)
{
	static const char *const keys[] = { "matchLabels", "matchExpressions",
					    NULL };
	const json_t *labels, *exprs;
	json_t *expr = NULL;
	kd_fcheck_mark m;
	size_t i;
	int rc;

	out->match_labels = NULL;
	out->match_expressions = NULL;
	if (json_is_null(node))
		return kd_fcheck_fail(c,
			"%s is empty; write {} to select every cluster",
			kd_fcheck_where(c));
	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0)
		return rc;
	if ((labels = json_object_get(node, "matchLabels")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "matchLabels", &m)) < 0 ||
		    (rc = kd_fcheck_string_map(c, &out->match_labels, labels,
					       label_key_ok, kd_fcheck_label_key_rule,
					       label_value_ok,
					       kd_fcheck_label_value_rule)) < 0)
			goto cleanup;
		kd_fcheck_pop(c, &m);
	}
	if ((exprs = json_object_get(node, "matchExpressions")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "matchExpressions", &m)) < 0 ||
		    (rc = kd_fcheck_list(c, exprs)) < 0)
			goto cleanup;
		if (!(out->match_expressions = json_array())) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		for (i = 0; i < json_array_size(exprs); i++) {
			kd_fcheck_mark mi;

			if ((rc = kd_fcheck_push_index(c, i, &mi)) < 0 ||
			    (rc = parse_expression(c, &expr,
						   json_array_get(exprs, i))) < 0)
				goto cleanup;
			if (json_array_append_new(out->match_expressions,
						  expr) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			kd_fcheck_pop(c, &mi);
		}
		kd_fcheck_pop(c, &m);
	}
	return 0;
cleanup:
	kd_selector_free(out);
	return rc;
}

int kd_fcheck_member_selector(kd_fcheck *c, kd_selector *out,
			      const json_t *obj, const char *key)
{
	const json_t *node = json_object_get(obj, key);
	kd_fcheck_mark m;
	int rc;

	out->match_labels = NULL;
	out->match_expressions = NULL;
	if (!node)
		return 0;
	if ((rc = kd_fcheck_push_key(c, key, &m)) < 0)
		return rc;
	rc = kd_fcheck_selector(c, out, node);
	kd_fcheck_pop(c, &m);
	return rc;
}

int kd_fcheck_member_string_map(kd_fcheck *c, json_t **out,
				const json_t *obj, const char *key,
				kd_fcheck_valid key_ok, const char *key_rule,
				kd_fcheck_valid value_ok,
				const char *value_rule)
{
	const json_t *node = json_object_get(obj, key);
	kd_fcheck_mark m;
	int rc;

	*out = NULL;
	if (!node)
		return 0;
	if ((rc = kd_fcheck_push_key(c, key, &m)) < 0)
		return rc;
	rc = kd_fcheck_string_map(c, out, node, key_ok, key_rule, value_ok,
				  value_rule);
	kd_fcheck_pop(c, &m);
	return rc;
}

int kd_selector_parse(kd_selector *out, const json_t *obj, const char *where)
{
	kd_fcheck c;
	int rc;

	out->match_labels = NULL;
	out->match_expressions = NULL;
	if ((rc = kd_fcheck_init(&c, NULL, NULL,
				 where && *where ? where : "selector")) < 0)
		return rc;
	rc = kd_fcheck_selector(&c, out, obj);
	kd_fcheck_free(&c);
	return rc;
}

int kd_fcheck_duration(kd_fcheck *c, long *out, const char *text)
{
	/* The one grammar of base; the file adds where it stands. */
	if (kd_duration_parse_seconds(out, text, 0) < 0)
		return kd_fcheck_fail(c, "%s: %s", kd_fcheck_where(c), kd_error_last());
	return 0;
}

bool kd_fcheck_json_pointer_valid(const char *p)
{
	if (*p == '\0')
		return true;
	if (*p != '/')
		return false;
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}
