/*
 * Helpers shared by the diff tests: fixture loading and small edits that
 * turn a synced desired/live pair into a drifted one the way a real change
 * would (the value plus the managedFields entry of the manager that made it).
 */
#ifndef KD_TEST_DIFF_HELPERS_H
#define KD_TEST_DIFF_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff/diff.h"
#include "base/base.h"
#include "data/data.h"

static inline json_t *fixture(const char *name)
{
	const char *root = getenv("KDRIFT_ROOT");
	char path[4096];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/tests/fixtures/diff/%s",
		 root ? root : ".", name);
	doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	return doc;
}

static inline json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &err);

	if (!v)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	return v;
}

/* doc[pointer] = JSON text. */
static inline void set(json_t *doc, const char *pointer, const char *value)
{
	assert_int_equal(kd_json_pointer_set(doc, pointer, parse(value), true), 0);
}

static inline void del(json_t *doc, const char *pointer)
{
	assert_int_equal(kd_json_pointer_remove(doc, pointer), 0);
}

/* Appends a managedFields entry (JSON text) to live. */
static inline void add_manager(json_t *live, const char *entry)
{
	json_t *mf = kd_json_arr(kd_json_obj(live, "metadata"), "managedFields");

	assert_non_null(mf);
	assert_int_equal(json_array_append_new(mf, parse(entry)), 0);
}

static inline kd_diff_result *diff(const json_t *desired, const json_t *live,
			    const kd_diff_opts *opts)
{
	kd_diff_result *res = NULL;
	int rc = kd_diff_objects(&res, desired, live, opts);

	if (rc != 0)
		fail_msg("kd_diff_objects: %d %s", rc, kd_error_last());
	return res;
}

static inline const kd_diff_field *field_at(const kd_diff_result *res,
				     const char *path)
{
	size_t i;

	for (i = 0; i < res->nfields; i++)
		if (strcmp(res->fields[i].path, path) == 0)
			return &res->fields[i];
	return NULL;
}

/* Every reported path, one a line, for failure messages. */
static inline const char *paths_of(const kd_diff_result *res)
{
	static char text[4096];
	size_t i, len = 0;

	text[0] = '\0';
	for (i = 0; i < res->nfields && len < sizeof(text) - 1; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %s; ",
					kd_diff_change_name(res->fields[i].kind),
					res->fields[i].path);
	return text;
}

static inline void expect_synced(const json_t *desired, const json_t *live,
			  const kd_diff_opts *opts)
{
	kd_diff_result *res = diff(desired, live, opts);

	if (res->status != KD_DIFF_SYNCED || res->nfields != 0)
		fail_msg("expected synced, got: %s", paths_of(res));
	kd_diff_result_free(res);
}

/* The one drifted field; fails unless there is exactly one. */
static inline const kd_diff_field *only_field(const kd_diff_result *res)
{
	if (res->nfields != 1)
		fail_msg("expected one drifted field, got %zu: %s", res->nfields,
			 paths_of(res));
	assert_int_equal(res->status, KD_DIFF_DRIFTED);
	return &res->fields[0];
}

static inline void expect_json(const json_t *got, const char *want)
{
	json_t *w = parse(want);

	if (!kd_json_equal(got, w)) {
		char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

		fail_msg("got %s, want %s", g ? g : "(absent)", want);
	}
	json_decref(w);
}

#endif
