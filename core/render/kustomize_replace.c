/*
 * kustomize_replace — the replacements transformer: copy a field of one
 * resource into fields of others.
 *
 * A source names exactly one resource (by kind, name, ... compared exactly,
 * names and namespaces also against the ids the resource had before this
 * level renamed it) and a field path (metadata.name by default).  Targets
 * select resources the same way, minus any `reject`ed ones, and name field
 * paths: "a.b" for map keys, "[a.b/c]" for a key holding dots,
 * "[name=app]" for the list element whose field matches, "*" for every
 * element, "0" for an index.  A missing target field is an error unless
 * options.create is set.  A scalar copied onto a string stays a string;
 * elsewhere it is read again as a plain YAML scalar, so "3" copied onto
 * replicas is the number 3, as kubectl prints it.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "data/data.h"

static const char *const repl_keys[] = { "source", "targets", "path", NULL };
static const char *const source_keys[] = { "group", "version", "kind", "name", "namespace",
					   "fieldPath", "options", NULL };
static const char *const target_keys[] = { "select", "reject", "fieldPaths", "options", NULL };
static const char *const select_keys[] = { "group", "version", "kind", "name", "namespace",
					   "labelSelector", "annotationSelector", NULL };
static const char *const option_keys[] = { "delimiter", "index", "create", NULL };

/* ---- selection ---------------------------------------------------------- */

static bool field_is(const json_t *sel, const char *field, const char *value)
{
	const char *want = json_string_value(json_object_get(sel, field));

	return !want || !want[0] || strcmp(want, value) == 0;
}

static bool had_name(const kd_kz_res *r, const char *name)
{
	size_t i;

	if ((kd_kz_name(r->obj) && strcmp(kd_kz_name(r->obj), name) == 0) ||
	    strcmp(r->orig_name, name) == 0)
		return true;
	for (i = 0; i < json_array_size(r->ids); i++)
		if (strcmp(json_string_value(json_array_get(json_array_get(r->ids, i), 0)), name) == 0)
			return true;
	return false;
}

static bool had_namespace(const kd_kz_res *r, const char *ns)
{
	size_t i;

	if (strcmp(kd_kz_ns(r->obj), ns) == 0)
		return true;
	for (i = 0; i < json_array_size(r->ids); i++)
		if (strcmp(json_string_value(json_array_get(json_array_get(r->ids, i), 1)), ns) == 0)
			return true;
	return false;
}

static int selector_ok(bool *out, const json_t *sel, const char *field,
		       const json_t *map, const kd_kz_file *f, const char *ptr)
{
	const char *text = json_string_value(json_object_get(sel, field));
	kd_selector s;
	int rc;

	*out = true;
	if (!text || !text[0])
		return 0;
	rc = kd_selector_parse_text(&s, text);
	if (rc < 0)
		return kd_kz_wrap(f, ptr, rc);
	*out = kd_selector_matches(&s, json_is_object(map) ? map : NULL);
	kd_selector_free(&s);
	return 0;
}

static int selects(bool *out, const json_t *sel, const kd_kz_res *r, const kd_kz_file *f,
		   const char *ptr)
{
	const char *av = kd_kz_api_version(r->obj);
	const char *slash = strchr(av, '/');
	const char *name = json_string_value(json_object_get(sel, "name"));
	const char *ns = json_string_value(json_object_get(sel, "namespace"));
	json_t *meta = json_object_get(r->obj, "metadata");
	char group[256];
	int rc;

	*out = false;
	kd_kz_group_of(group, sizeof(group), av);
	if (!field_is(sel, "group", group) ||
	    !field_is(sel, "version", slash ? slash + 1 : av) ||
	    !field_is(sel, "kind", kd_kz_kind(r->obj)) ||
	    (name && name[0] && !had_name(r, name)) ||
	    (ns && ns[0] && !had_namespace(r, ns)))
		return 0;
	if ((rc = selector_ok(out, sel, "labelSelector", json_object_get(meta, "labels"), f, ptr)) < 0 ||
	    !*out)
		return rc;
	return selector_ok(out, sel, "annotationSelector",
			   json_object_get(meta, "annotations"), f, ptr);
}

static void describe(kd_buf *b, const json_t *sel)
{
	const char *fields[] = { "kind", "group", "version", "namespace", "name" };
	size_t i;
	bool any = false;

	for (i = 0; i < 5; i++) {
		const char *v = json_string_value(json_object_get(sel, fields[i]));

		if (v && v[0]) {
			kd_buf_printf(b, "%s%s=%s", any ? ", " : "", fields[i], v);
			any = true;
		}
	}
	if (!any)
		kd_buf_puts(b, "(everything)");
}

/* ---- field paths -------------------------------------------------------- */

/* Splits "a.[b.c].d" into ["a", "[b.c]", "d"]. */
static int split_path(json_t **out, const char *path)
{
	json_t *segs = json_array();
	const char *p = path, *start = path;
	int depth = 0;

	*out = NULL;
	if (!segs)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (;; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		if ((*p == '.' && depth == 0) || *p == '\0') {
			if (p > start && json_array_append_new(segs, json_stringn(start, (size_t)(p - start))) < 0) {
				json_decref(segs);
				return kd_error_set(KD_ENOMEM, "out of memory");
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	if (json_array_size(segs) == 0) {
		json_decref(segs);
		return kd_error_set(KD_EINVAL, "empty field path");
	}
	*out = segs;
	return 0;
}

/* The text of a scalar, as YAML would print it. */
static void scalar_text(kd_buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: kd_buf_puts(b, json_string_value(v)); break;
	case JSON_INTEGER: kd_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: kd_buf_printf(b, "%.17g", json_real_value(v)); break;
	case JSON_TRUE: kd_buf_puts(b, "true"); break;
	case JSON_FALSE: kd_buf_puts(b, "false"); break;
	default: break;
	}
}

/* "[k=v]": does elem's field k read v? */
static bool element_matches(const json_t *elem, const char *seg)
{
	const char *eq = strchr(seg, '=');
	size_t klen = (size_t)(eq - seg - 1), vlen = strlen(eq + 1) - 1;
	kd_buf text = KD_BUF_INIT;
	char *key;
	json_t *v;
	bool same;

	if (!json_is_object(elem) || !(key = strndup(seg + 1, klen)))
		return false;
	v = json_object_get(elem, key);
	free(key);
	if (!v || json_is_object(v) || json_is_array(v))
		return false;
	scalar_text(&text, v);
	same = text.len == vlen && strncmp(kd_buf_cstr(&text), eq + 1, vlen) == 0;
	kd_buf_free(&text);
	return same;
}

static bool is_match_seg(const char *seg)
{
	size_t n = strlen(seg);

	return n > 2 && seg[0] == '[' && seg[n - 1] == ']' && strchr(seg, '=');
}

/* A map key: "[a.b]" unwrapped, otherwise the segment itself. */
static char *map_key(const char *seg)
{
	size_t n = strlen(seg);

	if (n >= 2 && seg[0] == '[' && seg[n - 1] == ']')
		return strndup(seg + 1, n - 2);
	return strdup(seg);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* ---- reading the source ------------------------------------------------- */

/* Borrowed node at path, or NULL. */
static json_t *lookup(json_t *node, const json_t *segs, size_t i)
{
	const char *seg;
	size_t j;

	if (i == json_array_size(segs))
		return node;
	seg = json_string_value(json_array_get(segs, i));
	if (json_is_array(node)) {
		if (all_digits(seg))
			return lookup(json_array_get(node, (size_t)strtoul(seg, NULL, 10)), segs, i + 1);
		for (j = 0; j < json_array_size(node); j++)
			if ((is_match_seg(seg) && element_matches(json_array_get(node, j), seg)) ||
			    strcmp(seg, "*") == 0)
				return lookup(json_array_get(node, j), segs, i + 1);
		return NULL;
	}
	if (json_is_object(node)) {
		char *key = map_key(seg);
		json_t *child = key ? json_object_get(node, key) : NULL;

		free(key);
		return child ? lookup(child, segs, i + 1) : NULL;
	}
	return NULL;
}

static int option_index(long *out, const json_t *opts, const kd_kz_file *f, const char *ptr)
{
	json_t *idx = json_object_get(opts, "index");

	*out = 0;
	if (!idx)
		return 0;
	if (!json_is_integer(idx) || json_integer_value(idx) < 0)
		return kd_kz_fail(f, ptr, KD_EINVAL, "replacement options.index must be a non-negative integer");
	*out = (long)json_integer_value(idx);
	return 0;
}

/* The delimiter-separated part idx of s; NULL when out of range. */
static char *part_of(const char *s, const char *delim, long idx)
{
	size_t dl = strlen(delim);
	const char *p = s;
	long n = 0;

	while (n < idx) {
		const char *next = dl ? strstr(p, delim) : NULL;

		if (!next)
			return NULL;
		p = next + dl;
		n++;
	}
	{
		const char *end = dl ? strstr(p, delim) : NULL;

		return end ? strndup(p, (size_t)(end - p)) : strdup(p);
	}
}

/* ---- writing targets ---------------------------------------------------- */

typedef struct target_ctx {
	const json_t *value;   /* the source value */
	const char *delim;     /* target options.delimiter, or NULL */
	long index;
	bool create;
	const char *path;      /* for messages */
	const kd_kz_file *f;
	const char *ptr;
} target_ctx;

/* The value to store where `old` is (NULL when absent). */
static int new_value(json_t **out, const json_t *old, const target_ctx *t)
{
	kd_buf text = KD_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (!json_is_object(t->value) && !json_is_array(t->value)) {
		scalar_text(&text, t->value);
		if (t->delim && json_is_string(old)) {
			/* replace one delimited part of the old string */
			kd_buf joined = KD_BUF_INIT;
			const char *s = json_string_value(old);
			size_t dl = strlen(t->delim);
			long n = 0;
			bool done = false;

			while (!done) {
				const char *next = dl ? strstr(s, t->delim) : NULL;
				size_t len = next ? (size_t)(next - s) : strlen(s);

				if (n == t->index)
					kd_buf_puts(&joined, kd_buf_cstr(&text));
				else
					kd_buf_add(&joined, s, len);
				if (!next)
					done = true;
				else {
					kd_buf_puts(&joined, t->delim);
					s = next + dl;
				}
				n++;
			}
			if (t->index >= n) {
				kd_buf_free(&joined);
				kd_buf_free(&text);
				return kd_kz_fail(t->f, t->ptr, KD_EINVAL,
					       "replacement index %ld is past the end of '%s'",
					       t->index, json_string_value(old));
			}
			*out = json_string(kd_buf_cstr(&joined));
			kd_buf_free(&joined);
		} else if (json_is_string(old)) {
			*out = json_string(kd_buf_cstr(&text));
		} else {
			rc = kd_yaml_plain_scalar(out, kd_buf_cstr(&text), text.len);
		}
		kd_buf_free(&text);
		if (rc == 0 && !*out)
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		return rc;
	}
	*out = json_deep_copy(t->value);
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

static int missing(const target_ctx *t)
{
	return kd_kz_fail(t->f, t->ptr, KD_EINVAL,
		       "unable to find field \"%s\" in replacement target", t->path);
}

static int put(json_t *node, const json_t *segs, size_t i, const target_ctx *t);

/* An empty container for segment i (a list when it selects elements). */
static json_t *container_for(const json_t *segs, size_t i)
{
	const char *seg = json_string_value(json_array_get(segs, i));

	return is_match_seg(seg) || strcmp(seg, "*") == 0 || all_digits(seg)
		? json_array() : json_object();
}

static int put_in_list(json_t *list, const json_t *segs, size_t i, const target_ctx *t)
{
	const char *seg = json_string_value(json_array_get(segs, i));
	bool last = i + 1 == json_array_size(segs);
	size_t j, hits = 0;
	int rc;

	if (all_digits(seg)) {
		size_t at = (size_t)strtoul(seg, NULL, 10);
		json_t *v = NULL;

		if (at >= json_array_size(list))
			return missing(t);
		if (!last)
			return put(json_array_get(list, at), segs, i + 1, t);
		if ((rc = new_value(&v, json_array_get(list, at), t)) < 0)
			return rc;
		return json_array_set_new(list, at, v) < 0 ? kd_error_set(KD_ENOMEM, "out of memory") : 0;
	}
	if (!is_match_seg(seg) && strcmp(seg, "*") != 0)
		return missing(t);
	for (j = 0; j < json_array_size(list); j++) {
		json_t *e = json_array_get(list, j);

		if (strcmp(seg, "*") != 0 && !element_matches(e, seg))
			continue;
		hits++;
		if (last) {
			json_t *v = NULL;

			if ((rc = new_value(&v, e, t)) < 0)
				return rc;
			if (json_array_set_new(list, j, v) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		} else if ((rc = put(e, segs, i + 1, t)) < 0) {
			return rc;
		}
	}
	if (hits || strcmp(seg, "*") == 0)
		return 0;
	if (!t->create)
		return missing(t);
	{
		/* a new element carrying the matched field */
		const char *eq = strchr(seg, '=');
		char *key = strndup(seg + 1, (size_t)(eq - seg - 1));
		char *val = strndup(eq + 1, strlen(eq + 1) - 1);
		json_t *e = json_object();

		if (!key || !val || !e || json_object_set_new(e, key, json_string(val)) < 0 ||
		    json_array_append_new(list, e) < 0) {
			free(key);
			free(val);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		free(key);
		free(val);
		if (last)
			return 0;
		return put(e, segs, i + 1, t);
	}
}

static int put(json_t *node, const json_t *segs, size_t i, const target_ctx *t)
{
	const char *seg = json_string_value(json_array_get(segs, i));
	bool last = i + 1 == json_array_size(segs);
	json_t *child;
	char *key;
	int rc = 0;

	if (json_is_array(node))
		return put_in_list(node, segs, i, t);
	if (!json_is_object(node))
		return missing(t);
	key = map_key(seg);
	if (!key)
		return kd_error_set(KD_ENOMEM, "out of memory");
	child = json_object_get(node, key);
	if (last) {
		json_t *v = NULL;

		if (!child && !t->create)
			rc = missing(t);
		else if ((rc = new_value(&v, child, t)) == 0 &&
			 json_object_set_new(node, key, v) < 0)
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		free(key);
		return rc;
	}
	if (!child || json_is_null(child)) {
		if (!t->create) {
			free(key);
			return missing(t);
		}
		child = container_for(segs, i + 1);
		if (!child || json_object_set_new(node, key, child) < 0) {
			free(key);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	free(key);
	return put(child, segs, i + 1, t);
}

/* ---- one replacement ---------------------------------------------------- */

static int source_value(json_t **out, const json_t *src, kd_kz_list *l, const kd_kz_file *f,
			const char *ptr)
{
	const char *path = json_string_value(json_object_get(src, "fieldPath"));
	json_t *opts = json_object_get(src, "options");
	const char *delim = json_string_value(json_object_get(opts, "delimiter"));
	kd_kz_res *hit = NULL;
	json_t *segs = NULL, *v;
	kd_buf what = KD_BUF_INIT;
	size_t i, n = 0;
	long idx;
	int rc;

	*out = NULL;
	if (!path || !path[0])
		path = "metadata.name";
	for (i = 0; i < l->n; i++) {
		bool m;

		if ((rc = selects(&m, src, &l->v[i], f, ptr)) < 0)
			return rc;
		if (m) {
			hit = &l->v[i];
			n++;
		}
	}
	describe(&what, src);
	if (n != 1) {
		rc = kd_kz_fail(f, ptr, KD_EINVAL, "replacement source %s matches %s",
			     kd_buf_cstr(&what), n ? "more than one resource" : "no resource");
		kd_buf_free(&what);
		return rc;
	}
	if ((rc = split_path(&segs, path)) < 0) {
		kd_buf_free(&what);
		return kd_kz_wrap(f, ptr, rc);
	}
	v = lookup(hit->obj, segs, 0);
	json_decref(segs);
	if (!v) {
		rc = kd_kz_fail(f, ptr, KD_EINVAL, "fieldPath '%s' is missing in replacement source %s",
			     path, kd_buf_cstr(&what));
		kd_buf_free(&what);
		return rc;
	}
	kd_buf_free(&what);
	if (delim) {
		char *part;

		if ((rc = option_index(&idx, opts, f, ptr)) < 0)
			return rc;
		if (!json_is_string(v))
			return kd_kz_fail(f, ptr, KD_EINVAL, "a delimiter needs a string source value");
		part = part_of(json_string_value(v), delim, idx);
		if (!part)
			return kd_kz_fail(f, ptr, KD_EINVAL, "replacement source has no part %ld", idx);
		*out = json_string(part);
		free(part);
		return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	*out = json_incref(v);
	return 0;
}

static int one_target(const json_t *value, const json_t *tg, kd_kz_list *l, const kd_kz_file *f,
		      const char *ptr)
{
	json_t *select = json_object_get(tg, "select");
	json_t *reject = json_object_get(tg, "reject");
	json_t *paths = json_object_get(tg, "fieldPaths");
	json_t *opts = json_object_get(tg, "options");
	target_ctx t = { value, json_string_value(json_object_get(opts, "delimiter")), 0,
			 kd_kz_true(json_object_get(opts, "create")), NULL, f, ptr };
	size_t i, j, k;
	int rc;

	if ((rc = kd_kz_check_keys(f, ptr, tg, target_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, ptr, select, select_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, ptr, opts, option_keys)) < 0 ||
	    (rc = option_index(&t.index, opts, f, ptr)) < 0)
		return rc;
	if (!json_is_object(select))
		return kd_kz_fail(f, ptr, KD_EINVAL, "a replacement target needs 'select'");
	if (reject && !json_is_array(reject))
		return kd_kz_fail(f, ptr, KD_EINVAL, "'reject' must be a list");
	if (!json_is_array(paths))
		return kd_kz_fail(f, ptr, KD_EINVAL, "a replacement target needs 'fieldPaths'");
	for (i = 0; i < l->n; i++) {
		bool m = false;

		if ((rc = selects(&m, select, &l->v[i], f, ptr)) < 0)
			return rc;
		for (k = 0; m && k < json_array_size(reject); k++) {
			bool r = false;

			if ((rc = kd_kz_check_keys(f, ptr, json_array_get(reject, k), select_keys)) < 0 ||
			    (rc = selects(&r, json_array_get(reject, k), &l->v[i], f, ptr)) < 0)
				return rc;
			m = !r;
		}
		if (!m)
			continue;
		for (j = 0; j < json_array_size(paths); j++) {
			json_t *segs = NULL;

			t.path = json_string_value(json_array_get(paths, j));
			if (!t.path)
				return kd_kz_fail(f, ptr, KD_EINVAL, "fieldPaths must be strings");
			if ((rc = split_path(&segs, t.path)) < 0)
				return kd_kz_wrap(f, ptr, rc);
			rc = put(l->v[i].obj, segs, 0, &t);
			json_decref(segs);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int one_replacement(const json_t *r, kd_kz_list *l, const kd_kz_file *f, const char *ptr)
{
	json_t *src = json_object_get(r, "source");
	json_t *targets = json_object_get(r, "targets");
	json_t *value = NULL;
	size_t i;
	int rc;

	if ((rc = kd_kz_check_keys(f, ptr, r, repl_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, ptr, src, source_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, ptr, json_object_get(src, "options"), option_keys)) < 0)
		return rc;
	if (!json_is_object(src) || !json_is_array(targets))
		return kd_kz_fail(f, ptr, KD_EINVAL, "a replacement needs 'source' and 'targets'");
	if ((rc = source_value(&value, src, l, f, ptr)) < 0)
		return rc;
	for (i = 0; i < json_array_size(targets) && rc == 0; i++)
		rc = one_target(value, json_array_get(targets, i), l, f, ptr);
	json_decref(value);
	return rc;
}

int kd_kz_replacements(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	json_t *list = json_object_get(f->doc, "replacements");
	size_t i, d, k;
	int rc = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kd_kz_fail(f, "/replacements", KD_EINVAL, "'replacements' must be a list");
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		json_t *e = json_array_get(list, i);
		const char *path = json_string_value(json_object_get(e, "path"));
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/replacements/%zu", i);
		if (!json_is_object(e))
			return kd_kz_fail(f, ptr, KD_EINVAL, "a replacement must be a mapping");
		if (!path) {
			rc = one_replacement(e, l, f, ptr);
			if (rc == 0)
				rc = kd_kz_step_at(c, f, l, "replacement", ptr);
			continue;
		}
		{
			/* a file holding one replacement or a list of them */
			kd_buf data = KD_BUF_INIT;
			json_t *docs = NULL;
			char *file = NULL;

			rc = kd_kz_read_file(&data, &file, c, f, path, ptr);
			if (rc == 0 && (rc = kd_yaml_parse(&docs, NULL, kd_buf_cstr(&data), data.len,
							  file, NULL)) < 0)
				rc = kd_kz_wrap(f, ptr, rc);
			for (d = 0; rc == 0 && d < json_array_size(docs); d++) {
				json_t *doc = json_array_get(docs, d);

				if (json_is_array(doc)) {
					for (k = 0; rc == 0 && k < json_array_size(doc); k++)
						rc = one_replacement(json_array_get(doc, k), l, f, ptr);
				} else if (json_is_object(doc)) {
					rc = one_replacement(doc, l, f, ptr);
				}
				if (rc == 0)
					rc = kd_kz_step_at(c, f, l, "replacement", ptr);
			}
			json_decref(docs);
			free(file);
			kd_buf_free(&data);
		}
	}
	return rc;
}
