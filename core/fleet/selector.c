/*
 * selector — Kubernetes label selectors: matching, kubectl's text form and
 * label syntax (see fleet.h).  The object form is parsed in fleet.c, where
 * errors can point at a line of the fleet file.
 *
 * The text grammar and its corner cases (empty values, "(a,)", "in"/"notin"
 * as values) follow k8s.io/apimachinery/pkg/labels, so a selector typed for
 * `kubectl get -l` means the same here.
 */
#include "fleet/fleet.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 characters. */
static bool label_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* A DNS-1123 subdomain: dot-separated lower-case labels, each starting
 * and ending alphanumeric, 253 characters at most. */
static bool dns_subdomain_valid(const char *s, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return false;
			start = i + 1;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			     c == '-')) {
			return false;
		}
	}
	return true;
}

bool kd_label_key_valid(const char *key)
{
	const char *slash;

	if (!key)
		return false;
	slash = strchr(key, '/');
	if (!slash)
		return label_name_valid(key, strlen(key));
	if (strchr(slash + 1, '/'))
		return false;
	return dns_subdomain_valid(key, (size_t)(slash - key)) &&
	       label_name_valid(slash + 1, strlen(slash + 1));
}

bool kd_label_value_valid(const char *value)
{
	size_t len;

	if (!value)
		return false;
	len = strlen(value);
	return len == 0 || label_name_valid(value, len);
}

static bool values_contain(const json_t *values, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(values, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

static bool expression_matches(const json_t *expr, const json_t *labels)
{
	const char *key = json_string_value(json_object_get(expr, "key"));
	const char *op = json_string_value(json_object_get(expr, "operator"));
	const json_t *values = json_object_get(expr, "values");
	const json_t *have;

	if (!key || !op)
		return false;
	have = labels ? json_object_get(labels, key) : NULL;
	if (have && !json_is_string(have))
		have = NULL;
	if (strcmp(op, "In") == 0)
		return have && values_contain(values, json_string_value(have));
	if (strcmp(op, "NotIn") == 0)
		return !have || !values_contain(values, json_string_value(have));
	if (strcmp(op, "Exists") == 0)
		return have != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return have == NULL;
	return false;
}

bool kd_selector_matches(const kd_selector *sel, const json_t *labels)
{
	const char *key;
	json_t *want, *expr;
	size_t i;

	if (!sel)
		return true;
	if (sel->match_labels) {
		json_object_foreach(sel->match_labels, key, want) {
			const json_t *have =
				labels ? json_object_get(labels, key) : NULL;

			if (!json_is_string(have) ||
			    strcmp(json_string_value(have),
				   json_string_value(want)) != 0)
				return false;
		}
	}
	if (sel->match_expressions) {
		json_array_foreach(sel->match_expressions, i, expr) {
			if (!expression_matches(expr, labels))
				return false;
		}
	}
	return true;
}

void kd_selector_free(kd_selector *sel)
{
	if (!sel)
		return;
	json_decref(sel->match_labels);
	json_decref(sel->match_expressions);
	sel->match_labels = NULL;
	sel->match_expressions = NULL;
}

static int format_values(kd_buf *out, const json_t *values)
{
	const json_t *v;
	size_t i;
	int rc = 0;

	json_array_foreach(values, i, v) {
		if ((i && (rc = kd_buf_putc(out, ',')) < 0) ||
		    (rc = kd_buf_puts(out, json_string_value(v) ?
				      json_string_value(v) : "")) < 0)
			return rc;
	}
	return kd_buf_putc(out, ')');
}

static int format_expression(kd_buf *out, const json_t *expr)
{
	const char *key = json_string_value(json_object_get(expr, "key"));
	const char *op = json_string_value(json_object_get(expr, "operator"));
	const json_t *values = json_object_get(expr, "values");
	int rc;

	if (!key || !op)
		return kd_error_set(KD_EINVAL, "selector expression without key or operator");
	if (strcmp(op, "Exists") == 0)
		return kd_buf_puts(out, key);
	if (strcmp(op, "DoesNotExist") == 0)
		return kd_buf_printf(out, "!%s", key);
	/* One value reads as "k=v" / "k!=v", which also keeps the empty
	 * value: "k in ()" would not parse. */
	if (json_array_size(values) == 1 &&
	    (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0)) {
		const char *v = json_string_value(json_array_get(values, 0));

		return kd_buf_printf(out, "%s%s%s", key,
				     op[0] == 'I' ? "=" : "!=", v ? v : "");
	}
	if (strcmp(op, "In") == 0)
		rc = kd_buf_printf(out, "%s in (", key);
	else if (strcmp(op, "NotIn") == 0)
		rc = kd_buf_printf(out, "%s notin (", key);
	else
		return kd_error_set(KD_EINVAL, "unknown selector operator '%s'", op);
	return rc < 0 ? rc : format_values(out, values);
}

static int key_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int kd_selector_format(kd_buf *out, const kd_selector *sel)
{
	const char **keys = NULL, *key;
	json_t *v;
	size_t n = 0, i;
	bool first = true;
	int rc = 0;

	if (!sel)
		return 0;
	if (sel->match_labels && json_object_size(sel->match_labels)) {
		keys = malloc(json_object_size(sel->match_labels) * sizeof(*keys));
		if (!keys)
			return kd_error_set(KD_ENOMEM, "out of memory");
		json_object_foreach(sel->match_labels, key, v)
			keys[n++] = key;
		qsort(keys, n, sizeof(*keys), key_order);
		for (i = 0; i < n; i++) {
			v = json_object_get(sel->match_labels, keys[i]);
			if ((!first && (rc = kd_buf_putc(out, ',')) < 0) ||
			    (rc = kd_buf_printf(out, "%s=%s", keys[i],
						json_string_value(v) ?
						json_string_value(v) : "")) < 0)
				goto cleanup;
			first = false;
		}
	}
	if (sel->match_expressions) {
		json_array_foreach(sel->match_expressions, i, v) {
			if ((!first && (rc = kd_buf_putc(out, ',')) < 0) ||
			    (rc = format_expression(out, v)) < 0)
				goto cleanup;
			first = false;
		}
	}
cleanup:
	free(keys);
	return rc;
}

/* ---- kubectl's text form ---- */

enum tok {
	T_END, T_IDENT, T_NOT, T_EQ, T_DEQ, T_NEQ, T_IN, T_NOTIN,
	T_LPAR, T_RPAR, T_COMMA, T_GT, T_LT,
};

struct lexer {
	const char *text;
	size_t pos;
	enum tok tok;     /* the token just read */
	size_t start;     /* where it starts */
	size_t len;
};

static bool is_special(char c)
{
	return c == '!' || c == '=' || c == '(' || c == ')' || c == ',' ||
	       c == '>' || c == '<';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Reads the next token.  In `values` mode "in" and "notin" are plain
 * identifiers, as in apimachinery's parser. */
static enum tok lex(struct lexer *l, bool values)
{
	const char *t = l->text;
	size_t p = l->pos;

	while (t[p] && is_blank(t[p]))
		p++;
	l->start = p;
	if (!t[p]) {
		l->tok = T_END;
	} else if (t[p] == '!' && t[p + 1] == '=') {
		l->tok = T_NEQ;
		p += 2;
	} else if (t[p] == '=' && t[p + 1] == '=') {
		l->tok = T_DEQ;
		p += 2;
	} else if (is_special(t[p])) {
		switch (t[p]) {
		case '!': l->tok = T_NOT; break;
		case '=': l->tok = T_EQ; break;
		case '(': l->tok = T_LPAR; break;
		case ')': l->tok = T_RPAR; break;
		case ',': l->tok = T_COMMA; break;
		case '>': l->tok = T_GT; break;
		default: l->tok = T_LT; break;
		}
		p++;
	} else {
		while (t[p] && !is_blank(t[p]) && !is_special(t[p]))
			p++;
		l->tok = T_IDENT;
		if (!values && p - l->start == 2 &&
		    strncmp(t + l->start, "in", 2) == 0)
			l->tok = T_IN;
		else if (!values && p - l->start == 5 &&
			 strncmp(t + l->start, "notin", 5) == 0)
			l->tok = T_NOTIN;
	}
	l->len = p - l->start;
	l->pos = p;
	return l->tok;
}

static enum tok peek(struct lexer *l, bool values)
{
	struct lexer save = *l;
	enum tok t = lex(l, values);

	*l = save;
	return t;
}

/* "invalid label selector "TEXT": at column N ('TOKEN'): MESSAGE" */
static int syntax_error(const struct lexer *l, const char *msg)
{
	if (l->tok == T_END)
		return kd_error_set(KD_EINVAL,
				    "invalid label selector \"%s\": at the end: %s",
				    l->text, msg);
	return kd_error_set(KD_EINVAL,
			    "invalid label selector \"%s\": at column %zu ('%.*s'): %s",
			    l->text, l->start + 1, (int)l->len,
			    l->text + l->start, msg);
}

static char *token_dup(const struct lexer *l)
{
	char *s = malloc(l->len + 1);

	if (s) {
		memcpy(s, l->text + l->start, l->len);
		s[l->len] = '\0';
	}
	return s;
}

/* Appends a token's text (or "" for an empty entry) unless present. */
static int add_value(json_t *values, const struct lexer *l, bool empty)
{
	char *s = empty ? strdup("") : token_dup(l);
	int rc = 0;

	if (!s)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (!kd_label_value_valid(s))
		rc = kd_error_set(KD_EINVAL,
				  "invalid label selector \"%s\": at column %zu: '%s' is not a valid label value",
				  l->text, l->start + 1, s);
	else if (!values_contain(values, s) &&
		 json_array_append_new(values, json_string(s)) < 0)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	free(s);
	return rc;
}

/* Reads "( v1, v2 )" after in/notin; empty entries are the value "". */
static int parse_set(struct lexer *l, json_t *values)
{
	bool want_value = true;
	int rc;

	if (lex(l, true) != T_LPAR)
		return syntax_error(l, "expected '(' after in or notin");
	for (;;) {
		switch (lex(l, true)) {
		case T_IDENT:
			if (!want_value)
				return syntax_error(l, "expected ',' or ')'");
			if ((rc = add_value(values, l, false)) < 0)
				return rc;
			want_value = false;
			break;
		case T_COMMA:
			if (want_value && (rc = add_value(values, l, true)) < 0)
				return rc;
			want_value = true;
			break;
		case T_RPAR:
			if (want_value && json_array_size(values) > 0 &&
			    (rc = add_value(values, l, true)) < 0)
				return rc;
			if (json_array_size(values) == 0)
				return syntax_error(l, "in and notin need at least one value");
			return 0;
		default:
			return syntax_error(l, "expected a value, ',' or ')'");
		}
	}
}

static int parse_requirement(struct lexer *l, json_t *exprs)
{
	json_t *expr = NULL, *values = NULL;
	const char *op;
	char *key = NULL;
	bool negated = false;
	enum tok t;
	int rc = 0;

	t = lex(l, false);
	if (t == T_NOT) {
		negated = true;
		t = lex(l, false);
	}
	if (t != T_IDENT) {
		rc = syntax_error(l, "expected a label key");
		goto cleanup;
	}
	if (!(key = token_dup(l))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!kd_label_key_valid(key)) {
		rc = syntax_error(l, "not a valid label key");
		goto cleanup;
	}
	if (!(values = json_array())) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	t = peek(l, false);
	if (t == T_END || t == T_COMMA) {
		op = negated ? "DoesNotExist" : "Exists";
	} else if (negated) {
		lex(l, false);
		rc = syntax_error(l, "'!KEY' takes no operator or value");
		goto cleanup;
	} else {
		t = lex(l, false);
		if (t == T_IN || t == T_NOTIN) {
			op = t == T_IN ? "In" : "NotIn";
			if ((rc = parse_set(l, values)) < 0)
				goto cleanup;
		} else if (t == T_EQ || t == T_DEQ || t == T_NEQ) {
			enum tok v = peek(l, true);

			op = t == T_NEQ ? "NotIn" : "In";
			/* "key=" compares with the empty value. */
			if (v == T_END || v == T_COMMA) {
				rc = add_value(values, l, true);
			} else if (lex(l, true) == T_IDENT) {
				rc = add_value(values, l, false);
			} else {
				rc = syntax_error(l, "expected a label value");
			}
			if (rc < 0)
				goto cleanup;
		} else if (t == T_GT || t == T_LT) {
			rc = syntax_error(l, "'>' and '<' are not supported in label selectors here");
			goto cleanup;
		} else {
			rc = syntax_error(l, "expected an operator: =, ==, !=, in or notin");
			goto cleanup;
		}
	}
	expr = json_pack("{s:s, s:s, s:O}", "key", key, "operator", op,
			 "values", values);
	if (!expr || json_array_append_new(exprs, expr) < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
cleanup:
	json_decref(values);
	free(key);
	return rc;
}

int kd_selector_parse_text(kd_selector *out, const char *text)
{
	struct lexer l = { text, 0, T_END, 0, 0 };
	json_t *exprs = NULL;
	int rc = 0;

	out->match_labels = NULL;
	out->match_expressions = NULL;
	if (!text)
		return 0;
	if (peek(&l, false) == T_END)
		return 0;
	if (!(exprs = json_array()))
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (;;) {
		if ((rc = parse_requirement(&l, exprs)) < 0)
			goto cleanup;
		lex(&l, false);
		if (l.tok == T_END)
			break;
		if (l.tok != T_COMMA) {
			rc = syntax_error(&l, "expected ',' or the end");
			goto cleanup;
		}
	}
	out->match_expressions = exprs;
	exprs = NULL;
cleanup:
	json_decref(exprs);
	return rc;
}
