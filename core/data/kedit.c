/*
 * kedit — line-level edits of a kustomization that keep everything a human
 * wrote.  The parse check at the end is what makes a textual edit safe: any
 * layout this scanner misreads is caught there and reported instead of
 * written.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

typedef struct line {
	const char *s;   /* start of the line */
	size_t len;      /* without the end of line */
	size_t eol;      /* 0, 1 ("\n") or 2 ("\r\n") */
} line;

typedef struct lines {
	line *v;
	size_t n;
} lines;

static int split_lines(lines *out, const char *text, size_t len)
{
	size_t cap = 16, pos = 0;

	out->n = 0;
	out->v = malloc(cap * sizeof(*out->v));
	if (!out->v)
		return kd_error_set(KD_ENOMEM, "out of memory");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		line *l;

		if (out->n == cap) {
			line *nv = realloc(out->v, 2 * cap * sizeof(*nv));

			if (!nv)
				return kd_error_set(KD_ENOMEM, "out of memory");
			out->v = nv;
			cap *= 2;
		}
		l = &out->v[out->n++];
		l->s = text + pos;
		l->len = end - pos;
		l->eol = nl ? 1 : 0;
		if (nl && l->len > 0 && l->s[l->len - 1] == '\r') {
			l->len--;
			l->eol = 2;
		}
		pos = nl ? end + 1 : len;
	}
	return 0;
}

static size_t indent_of(const line *l)
{
	size_t i = 0;

	while (i < l->len && l->s[i] == ' ')
		i++;
	return i;
}

static bool is_blank(const line *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (l->s[i] != ' ' && l->s[i] != '\t')
			return false;
	return true;
}

static bool is_comment(const line *l)
{
	size_t i = indent_of(l);

	return i < l->len && l->s[i] == '#';
}

/* "- x" or a lone "-" at the line's indentation. */
static bool is_item(const line *l)
{
	size_t i = indent_of(l);

	return i < l->len && l->s[i] == '-' &&
	       (i + 1 == l->len || l->s[i + 1] == ' ');
}

static bool is_doc_marker(const line *l)
{
	return l->len >= 3 && (strncmp(l->s, "---", 3) == 0 ||
			       strncmp(l->s, "...", 3) == 0);
}

/* When the line is "KEY:" at column 0, the offset just past the colon. */
static bool key_line(size_t *rest, const line *l, const char *key)
{
	size_t klen = strlen(key), i;

	if (l->len < klen + 1 || strncmp(l->s, key, klen) != 0)
		return false;
	i = klen;
	while (i < l->len && l->s[i] == ' ')
		i++;
	if (i >= l->len || l->s[i] != ':')
		return false;
	i++;
	if (i < l->len && l->s[i] != ' ' && l->s[i] != '\t')
		return false;
	*rest = i;
	return true;
}

/* Splits a value's text into [vb, ve) without surrounding blanks and the
 * comment that follows it (a '#' after a blank, outside quotes). */
static void value_span(size_t *vb, size_t *ve, const line *l, size_t from)
{
	size_t i = from, end = l->len;
	char quote = 0;

	for (; i < l->len; i++) {
		char c = l->s[i];

		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '#' && (i == from || l->s[i - 1] == ' ' ||
					l->s[i - 1] == '\t')) {
			end = i;
			break;
		}
	}
	i = from;
	while (i < end && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	while (end > i && (l->s[end - 1] == ' ' || l->s[end - 1] == '\t'))
		end--;
	*vb = i;
	*ve = end;
}

static bool plain_safe(const char *s)
{
	if (!s[0] || s[0] == '-' || s[0] == '.')
		return s[0] == '.' && s[1] != '\0';
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		      *s == '/' || *s == '-'))
			return false;
	return true;
}

/* The entry as a block item's text ("path: x") and as a flow item ("{path: x}"). */
static int entry_text(kd_buf *block, kd_buf *flow, const json_t *entry)
{
	const char *k, *v;
	json_t *val;

	if (json_is_string(entry)) {
		v = json_string_value(entry);
		if (!plain_safe(v))
			return kd_error_set(KD_EINVAL, "cannot list '%s': only letters, digits and ._/- are written", v);
		if (kd_buf_puts(block, v) < 0 || kd_buf_puts(flow, v) < 0)
			return KD_ENOMEM;
		return 0;
	}
	if (!json_is_object(entry) || json_object_size(entry) != 1)
		return kd_error_set(KD_EINVAL, "a list entry is a string or an object with one member");
	json_object_foreach((json_t *)entry, k, val) {
		v = json_string_value(val);
		if (!v || !plain_safe(v) || !plain_safe(k))
			return kd_error_set(KD_EINVAL, "cannot list entry '%s': only letters, digits and ._/- are written", k);
		if (kd_buf_printf(block, "%s: %s", k, v) < 0 ||
		    kd_buf_printf(flow, "{%s: %s}", k, v) < 0)
			return KD_ENOMEM;
	}
	return 0;
}

static bool list_has(const json_t *list, const json_t *entry)
{
	const char *path = json_string_value(json_object_get(entry, "path"));
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		if (kd_json_equal(e, entry))
			return true;
		if (path && json_is_object(e) &&
		    json_is_string(json_object_get(e, "path")) &&
		    strcmp(json_string_value(json_object_get(e, "path")), path) == 0)
			return true;
	}
	return false;
}

/* The indentation of items in the file's other top-level block lists; 0
 * (kustomize's own style) when there are none. */
static size_t house_indent(const lines *ls)
{
	size_t i;

	for (i = 0; i + 1 < ls->n; i++) {
		const line *l = &ls->v[i];
		size_t vb, ve, colon = 0;

		if (l->len == 0 || l->s[0] == ' ' || l->s[0] == '#' || l->s[0] == '-')
			continue;
		{
			const char *c = memchr(l->s, ':', l->len);

			if (!c)
				continue;
			colon = (size_t)(c - l->s) + 1;
		}
		value_span(&vb, &ve, l, colon);
		if (vb == ve && is_item(&ls->v[i + 1]))
			return indent_of(&ls->v[i + 1]);
	}
	return 0;
}

static int put_line(kd_buf *out, const line *l)
{
	if (kd_buf_add(out, l->s, l->len) < 0)
		return KD_ENOMEM;
	if (l->eol == 2)
		return kd_buf_puts(out, "\r\n");
	if (l->eol == 1)
		return kd_buf_putc(out, '\n');
	return 0;
}

static int put_item(kd_buf *out, size_t indent, const char *item, const char *eol)
{
	size_t i;

	for (i = 0; i < indent; i++)
		if (kd_buf_putc(out, ' ') < 0)
			return KD_ENOMEM;
	return kd_buf_printf(out, "- %s%s", item, eol);
}

/* Writes the edited text; KD_EUNSUPPORTED for layouts left alone. */
static int edit(kd_buf *out, const lines *ls, const char *name, const char *key,
		const char *item, const char *flow_item)
{
	const char *eol = ls->n > 0 && ls->v[0].eol == 2 ? "\r\n" : "\n";
	size_t i, j, rest = 0, vb, ve, at, item_indent;
	bool have_items = false;

	for (i = 0; i < ls->n; i++)
		if (key_line(&rest, &ls->v[i], key))
			break;
	if (i == ls->n) {
		/* No such key: a new block at the end. */
		for (j = 0; j < ls->n; j++)
			if (put_line(out, &ls->v[j]) < 0)
				return KD_ENOMEM;
		if (ls->n > 0 && ls->v[ls->n - 1].eol == 0 && kd_buf_puts(out, eol) < 0)
			return KD_ENOMEM;
		if (kd_buf_printf(out, "%s:%s", key, eol) < 0)
			return KD_ENOMEM;
		return put_item(out, house_indent(ls), item, eol);
	}
	value_span(&vb, &ve, &ls->v[i], rest);
	const line *kl = &ls->v[i];
	size_t vlen = ve - vb;

	if (vlen > 0 && kl->s[vb] == '[') {
		size_t k = vb + 1;

		if (kl->s[ve - 1] != ']')
			return kd_error_set(KD_EUNSUPPORTED, "%s:%zu: cannot edit '%s' in place: write it as a block list (one '- ' line per entry)",
					    name, i + 1, key);
		while (k < ve - 1 && kl->s[k] == ' ')
			k++;
		for (j = 0; j < i; j++)
			if (put_line(out, &ls->v[j]) < 0)
				return KD_ENOMEM;
		if (k == ve - 1) {
			/* "[]": becomes a block list; a trailing comment stays. */
			if (kd_buf_add(out, kl->s, vb) < 0)
				return KD_ENOMEM;
			while (out->len > 0 && out->data[out->len - 1] == ' ')
				kd_buf_truncate(out, out->len - 1);
			if (kd_buf_add(out, kl->s + ve, kl->len - ve) < 0 ||
			    kd_buf_puts(out, eol) < 0 ||
			    put_item(out, house_indent(ls), item, eol) < 0)
				return KD_ENOMEM;
		} else {
			if (kd_buf_add(out, kl->s, ve - 1) < 0 ||
			    kd_buf_printf(out, ", %s", flow_item) < 0 ||
			    kd_buf_add(out, kl->s + ve - 1, kl->len - (ve - 1)) < 0 ||
			    kd_buf_puts(out, kl->eol ? eol : "") < 0)
				return KD_ENOMEM;
		}
		for (j = i + 1; j < ls->n; j++)
			if (put_line(out, &ls->v[j]) < 0)
				return KD_ENOMEM;
		return 0;
	}
	if (vlen > 0 && !((vlen == 4 && (strncmp(kl->s + vb, "null", 4) == 0 ||
					 strncmp(kl->s + vb, "Null", 4) == 0 ||
					 strncmp(kl->s + vb, "NULL", 4) == 0)) ||
			  (vlen == 1 && kl->s[vb] == '~')))
		return kd_error_set(KD_EUNSUPPORTED, "%s:%zu: cannot edit '%s' in place: write it as a block list (one '- ' line per entry)",
				    name, i + 1, key);

	/* A block list (or nothing yet): find its items and its last line. */
	at = i;
	item_indent = 0;
	for (j = i + 1; j < ls->n; j++) {
		const line *l = &ls->v[j];
		size_t ind = indent_of(l);

		if (is_blank(l))
			continue;
		if (is_comment(l)) {
			/* Deeper than the items: inside one (a block scalar). */
			if (have_items && ind > item_indent)
				at = j;
			continue;
		}
		if (is_doc_marker(l) || (ind == 0 && !is_item(l)))
			break;
		if (!have_items && is_item(l)) {
			have_items = true;
			item_indent = ind;
		}
		at = j;
	}
	if (!have_items)
		item_indent = house_indent(ls);
	for (j = 0; j <= at; j++) {
		if (j == i && vlen > 0) {
			/* "KEY: null": the value goes, a comment stays. */
			if (kd_buf_add(out, kl->s, vb) < 0)
				return KD_ENOMEM;
			while (out->len > 0 && out->data[out->len - 1] == ' ')
				kd_buf_truncate(out, out->len - 1);
			if (kd_buf_add(out, kl->s + ve, kl->len - ve) < 0 ||
			    kd_buf_puts(out, eol) < 0)
				return KD_ENOMEM;
			continue;
		}
		if (put_line(out, &ls->v[j]) < 0)
			return KD_ENOMEM;
	}
	if (ls->v[at].eol == 0 && !(at == i && vlen > 0) && kd_buf_puts(out, eol) < 0)
		return KD_ENOMEM;
	if (put_item(out, item_indent, item, eol) < 0)
		return KD_ENOMEM;
	for (j = at + 1; j < ls->n; j++)
		if (put_line(out, &ls->v[j]) < 0)
			return KD_ENOMEM;
	return 0;
}

int kd_kedit_list_add(kd_buf *out, bool *added, const char *text, size_t len,
		      const char *name, const char *key, const json_t *entry)
{
	json_t *orig = NULL, *expect = NULL, *got = NULL, *list;
	kd_buf item = KD_BUF_INIT, flow = KD_BUF_INIT, res = KD_BUF_INIT;
	lines ls = { NULL, 0 };
	int rc;

	*added = false;
	if ((rc = entry_text(&item, &flow, entry)) < 0)
		goto cleanup;
	if ((rc = kd_yaml_parse_one(&orig, NULL, text, len, name, NULL)) < 0)
		goto cleanup;
	if (!json_is_object(orig) && !json_is_null(orig)) {
		rc = kd_error_set(KD_EINVAL, "%s: not a kustomization (the document is not a mapping)", name);
		goto cleanup;
	}
	list = json_object_get(orig, key);
	if (list && !json_is_array(list) && !json_is_null(list)) {
		rc = kd_error_set(KD_EINVAL, "%s: '%s' is not a list", name, key);
		goto cleanup;
	}
	if (list_has(list, entry)) {
		kd_buf_clear(out);
		rc = kd_buf_add(out, text, len);
		goto cleanup;
	}
	expect = json_is_object(orig) ? json_deep_copy(orig) : json_object();
	if (!expect) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	list = json_object_get(expect, key);
	if (!json_is_array(list)) {
		list = json_array();
		if (json_object_set_new(expect, key, list) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	if (json_array_append_new(list, json_deep_copy(entry)) < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = split_lines(&ls, text, len)) < 0 ||
	    (rc = edit(&res, &ls, name, key, kd_buf_cstr(&item),
		       kd_buf_cstr(&flow))) < 0)
		goto cleanup;
	if (kd_yaml_parse_one(&got, NULL, kd_buf_cstr(&res), res.len, name, NULL) < 0 ||
	    !kd_json_equal(got, expect)) {
		rc = kd_error_set(KD_EUNSUPPORTED, "%s: cannot add to '%s' in place without changing other content; edit it by hand",
				  name, key);
		goto cleanup;
	}
	kd_buf_clear(out);
	if ((rc = kd_buf_add(out, res.data ? res.data : "", res.len)) < 0)
		goto cleanup;
	*added = true;
cleanup:
	json_decref(orig);
	json_decref(expect);
	json_decref(got);
	kd_buf_free(&item);
	kd_buf_free(&flow);
	kd_buf_free(&res);
	free(ls.v);
	return rc;
}
