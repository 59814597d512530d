/*
 * compare — one app across clusters: the rows of fields that differ, their
 * cells, classes and outliers, and the JSON the faces print (compare.h).
 */
#include "compare_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

const char *kd_class_name(kd_class c)
{
	static const char *const names[KD_CLASS_COUNT] = {
		"intentional", "accepted", "drift", "break-glass", "missing", "unknown",
	};

	return (unsigned)c < KD_CLASS_COUNT ? names[c] : "unknown";
}

const char *kd_class_glyph(kd_class c, bool ascii)
{
	static const char *const utf8[KD_CLASS_COUNT] = {
		"\xe2\x9c\x93", "\xe2\x97\x86", "~", "!", "+", "?",
	};
	static const char *const plain[KD_CLASS_COUNT] = { "=", "*", "~", "!", "+", "?" };

	if ((unsigned)c >= KD_CLASS_COUNT)
		c = KD_CLASS_UNKNOWN;
	return ascii ? plain[c] : utf8[c];
}

const char *kd_compare_outlier_glyph(bool ascii)
{
	return ascii ? "^" : "\xe2\x96\xb2";
}

static void row_free(kd_compare_row *r, size_t n)
{
	free(r->api_version);
	free(r->kind);
	free(r->namespace);
	free(r->name);
	free(r->path);
	if (r->cells)
		cmp_cells_clear(r->cells, n);
	free(r->cells);
}

void kd_compare_free(kd_compare *cmp)
{
	size_t i;

	if (!cmp)
		return;
	for (i = 0; i < cmp->nrows; i++)
		row_free(&cmp->rows[i], cmp->nclusters);
	free(cmp->rows);
	for (i = 0; i < cmp->nclusters; i++) {
		free(cmp->clusters[i]);
		free(cmp->groups[i]);
	}
	free(cmp->clusters);
	free(cmp->groups);
	for (i = 0; i < cmp->nstates_; i++)
		kd_cluster_state_unref(cmp->states_[i]);
	free(cmp->states_);
	free(cmp->app);
	free(cmp->group_by);
	free(cmp);
}

/* Appends a row for path of o, taking over cells. */
static int add_row(kd_compare *cmp, size_t *cap, const cmp_obj *o, const char *path,
		   kd_compare_cell *cells, bool outlier)
{
	kd_compare_row *r;

	if (cmp->nrows == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		kd_compare_row *v = realloc(cmp->rows, c * sizeof(*v));

		if (!v)
			return oom();
		cmp->rows = v;
		*cap = c;
	}
	r = &cmp->rows[cmp->nrows++];
	memset(r, 0, sizeof(*r));
	r->cells = cells;
	r->outlier = outlier;
	if (!(r->api_version = strdup(o->api_version)) || !(r->kind = strdup(o->kind)) ||
	    !(r->namespace = strdup(o->ns)) || !(r->name = strdup(o->name)) ||
	    !(r->path = strdup(path)))
		return oom();
	return 0;
}

int kd_compare_build(kd_compare **out, kd_cluster_state *const *states, size_t nstates,
		     const char *app, const kd_compare_opts *opts)
{
	const char *group_by = opts && opts->group_by ? opts->group_by : "env";
	bool all = opts && opts->all;
	cmp_table t;
	kd_compare *cmp = NULL;
	kd_compare_cell *cells = NULL;
	size_t i, cap = 0;
	int rc;

	*out = NULL;
	if ((rc = cmp_table_build(&t, states, nstates, app, group_by)) < 0)
		return rc;
	if (!(cmp = calloc(1, sizeof(*cmp))) || !(cmp->app = strdup(app)) ||
	    !(cmp->group_by = strdup(group_by)) ||
	    !(cmp->clusters = calloc(t.n, sizeof(*cmp->clusters))) ||
	    !(cmp->groups = calloc(t.n, sizeof(*cmp->groups))) ||
	    !(cmp->states_ = calloc(t.n, sizeof(*cmp->states_)))) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < t.n; i++) {
		cmp->states_[i] = kd_cluster_state_ref(t.states[i]);
		cmp->nstates_++;
		cmp->clusters[i] = strdup(t.states[i]->name);
		cmp->groups[i] = strdup(t.groups[i]);
		cmp->nclusters++;
		if (!cmp->clusters[i] || !cmp->groups[i]) {
			rc = oom();
			goto cleanup;
		}
	}
	for (i = 0; i < t.nobjs; i++) {
		const cmp_obj *o = &t.objs[i];
		const char *path;
		json_t *v;

		if (o->uniform && !all)
			continue;
		json_object_foreach(o->paths, path, v) {
			bool outlier;

			if (!cells && !(cells = calloc(t.n, sizeof(*cells)))) {
				rc = oom();
				goto cleanup;
			}
			if ((rc = cmp_cells(&t, o, path, cells)) < 0)
				goto cleanup;
			if (!all && !cmp_cells_differ(cells, t.n)) {
				cmp_cells_clear(cells, t.n);
				continue;
			}
			outlier = cmp_outliers(cells, t.n, t.groups);
			if ((rc = add_row(cmp, &cap, o, path, cells, outlier)) < 0)
				goto cleanup;
			cells = NULL;   /* the row has them */
		}
	}
	*out = cmp;
	cmp = NULL;
cleanup:
	if (cells) {
		cmp_cells_clear(cells, t.n);
		free(cells);
	}
	kd_compare_free(cmp);
	cmp_table_free(&t);
	return rc;
}

const kd_compare_row *kd_compare_find(const kd_compare *cmp, const char *kind,
				      const char *namespace, const char *name,
				      const char *path)
{
	size_t i;

	for (i = 0; cmp && i < cmp->nrows; i++) {
		const kd_compare_row *r = &cmp->rows[i];

		if (strcmp(r->kind, kind) == 0 && strcmp(r->namespace, namespace ? namespace : "") == 0 &&
		    strcmp(r->name, name) == 0 && strcmp(r->path, path) == 0)
			return r;
	}
	return NULL;
}

int kd_compare_source(kd_buf *out, const kd_compare_cell *cell)
{
	return cmp_chain_source(out, cell->desired ? cell->chain : NULL);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *cell_json(const kd_compare_cell *c)
{
	kd_buf src = KD_BUF_INIT;
	json_t *o;

	if (kd_compare_source(&src, c) < 0)
		return NULL;
	o = json_pack("{s:O?, s:O?, s:s, s:o, s:o, s:o, s:b}",
		      "desired", c->desired, "live", c->live, "class", kd_class_name(c->cls),
		      "source", src.len ? json_string(kd_buf_cstr(&src)) : json_null(),
		      "manager", str_or_null(c->manager), "time", str_or_null(c->time),
		      "outlier", c->outlier);
	kd_buf_free(&src);
	return o;
}

int kd_compare_json(json_t **out, const kd_compare *cmp)
{
	json_t *doc = NULL, *clusters = json_array(), *fields = json_array();
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!clusters || !fields) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < cmp->nclusters; i++)
		if (json_array_append_new(clusters, json_string(cmp->clusters[i])) < 0) {
			rc = oom();
			goto cleanup;
		}
	for (i = 0; i < cmp->nrows; i++) {
		const kd_compare_row *r = &cmp->rows[i];
		json_t *cells = json_object(), *f;

		if (!cells) {
			rc = oom();
			goto cleanup;
		}
		for (j = 0; j < cmp->nclusters; j++) {
			json_t *c = cell_json(&r->cells[j]);

			if (!c || json_object_set_new(cells, cmp->clusters[j], c) < 0) {
				json_decref(cells);
				rc = oom();
				goto cleanup;
			}
		}
		f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "apiVersion", r->api_version,
			      "kind", r->kind, "namespace", r->namespace, "name", r->name,
			      "path", r->path, "outlier", r->outlier, "cells", cells);
		if (!f || json_array_append_new(fields, f) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	doc = json_pack("{s:s, s:O, s:O}", "app", cmp->app, "clusters", clusters,
			"fields", fields);
	if (!doc)
		rc = oom();
	*out = doc;
cleanup:
	json_decref(clusters);
	json_decref(fields);
	return rc;
}

/* Columns a UTF-8 text takes (one per code point). */
static size_t columns(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* The byte offset after `cols` code points of s. */
static size_t take(const char *s, size_t len, size_t cols)
{
	size_t i = 0;

	while (i < len && cols > 0) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		cols--;
	}
	return i;
}

int kd_compare_value_text(kd_buf *out, const json_t *value, size_t width, bool ascii)
{
	kd_buf t = KD_BUF_INIT;
	const char *ell = ascii ? "~" : "\xe2\x80\xa6";
	size_t n, head, tail, cut;
	int rc;

	unsigned flags = ascii ? KD_SANITIZE_ASCII : 0;

	if (!value) {
		rc = kd_buf_puts(&t, "(absent)");
	} else if (json_is_string(value)) {
		rc = kd_sanitize(&t, json_string_value(value), json_string_length(value), flags);
	} else {
		char *s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

		rc = s ? kd_sanitize(&t, s, strlen(s), flags) : oom();
		free(s);
	}
	if (rc < 0)
		goto cleanup;
	n = columns(kd_buf_cstr(&t), t.len);
	if (width == 0 || n <= width || width < 3) {
		rc = kd_buf_add(out, kd_buf_cstr(&t), t.len);
		goto cleanup;
	}
	/* keep both ends: registries and tags, prefixes and suffixes */
	head = (width - 1) / 2;
	tail = width - 1 - head;
	cut = take(kd_buf_cstr(&t), t.len, n - tail);
	if ((rc = kd_buf_add(out, kd_buf_cstr(&t), take(kd_buf_cstr(&t), t.len, head))) < 0 ||
	    (rc = kd_buf_puts(out, ell)) < 0)
		goto cleanup;
	rc = kd_buf_add(out, kd_buf_cstr(&t) + cut, t.len - cut);
cleanup:
	kd_buf_free(&t);
	return rc;
}
