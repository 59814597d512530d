/*
 * Tests for core/kustomize*.c.
 *
 * Every directory under tests/fixtures/kustomize/ is one case, built with
 * the fixtures directory as the repository root:
 *  - with expected.json: the build must equal it exactly, in order.  These
 *    files are `kubectl kustomize` output (regen.sh writes them and
 *    tests/integration/kustomize_diff.sh checks they are still current);
 *  - with expected-error: the build must fail with exactly that message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <jansson.h>

#include "base/base.h"
#include "render/render.h"
#include "source/source.h"

static char *fixtures_root(void)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;

	kd_buf_printf(&b, "%s/tests/fixtures/kustomize", root && *root ? root : ".");
	return kd_buf_detach(&b);
}

static kd_source *open_fixtures(void)
{
	char *root = fixtures_root();
	kd_source *src = NULL;

	assert_int_equal(kd_source_open_dir(&src, root), 0);
	free(root);
	return src;
}

static char *read_text(const char *root, const char *dir, const char *file)
{
	kd_buf path = KD_BUF_INIT, data = KD_BUF_INIT;

	kd_buf_printf(&path, "%s/%s/%s", root, dir, file);
	if (kd_buf_read_file(&data, kd_buf_cstr(&path), 0) < 0) {
		kd_buf_free(&path);
		return NULL;
	}
	kd_buf_free(&path);
	while (data.len && (data.data[data.len - 1] == '\n'))
		kd_buf_truncate(&data, data.len - 1);
	return kd_buf_detach(&data);
}

static void run_case(void **state)
{
	const char *name = *state;
	char *root = fixtures_root();
	char *want_error = read_text(root, name, "expected-error");
	char *want_text = read_text(root, name, "expected.json");
	kd_source *src = open_fixtures();
	json_t *out = NULL;
	int rc;

	rc = kd_kustomize_build(&out, src, name, NULL);
	if (want_error) {
		if (rc == 0)
			fail_msg("%s: expected failure '%s', build succeeded", name, want_error);
		assert_null(out);
		assert_string_equal(kd_error_last(), want_error);
	} else {
		json_error_t err;
		json_t *want;

		assert_non_null(want_text);
		want = json_loads(want_text, 0, &err);
		assert_non_null(want);
		if (rc < 0)
			fail_msg("%s: %s", name, kd_error_last());
		if (!json_equal(out, want)) {
			size_t i;

			for (i = 0; i < json_array_size(want) || i < json_array_size(out); i++) {
				json_t *a = json_array_get(want, i), *b = json_array_get(out, i);

				if (!a || !b || !json_equal(a, b)) {
					char *sa = a ? json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
					char *sb = b ? json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

					print_error("%s: object %zu differs\n want %s\n got  %s\n", name, i,
						    sa ? sa : "(none)", sb ? sb : "(none)");
					free(sa);
					free(sb);
					break;
				}
			}
			fail_msg("%s: output differs from kubectl kustomize", name);
		}
		json_decref(want);
	}
	json_decref(out);
	kd_source_free(src);
	free(want_error);
	free(want_text);
	free(root);
}

/* Flux's load restriction lets a kustomization read files anywhere in the
 * repository; kubectl's refuses the same kustomization. */
static void test_load_restrictor_none(void **state)
{
	kd_kustomize_opts flux = { KD_LOAD_NONE };
	kd_kustomize_opts kubectl = { KD_LOAD_ROOT_ONLY };
	kd_source *src = open_fixtures();
	json_t *out = NULL;

	(void)state;
	assert_int_equal(kd_kustomize_build(&out, src, "err-load-restrictor", &kubectl), KD_EPATH);
	assert_null(out);
	assert_int_equal(kd_kustomize_build(&out, src, "err-load-restrictor", &flux), 0);
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(out, 0), "metadata"), "name")), "c");
	json_decref(out);
	kd_source_free(src);
}

/* Flux lays a Kustomization object's settings over the file; the result
 * must be what kubectl makes of the file with those settings written in
 * (flux-overrides/kustomization.yaml, whose output is expected.json). */
static void test_overrides(void **state)
{
	kd_kustomize_opts flux = { KD_LOAD_NONE };
	kd_source *src = open_fixtures();
	char *root = fixtures_root();
	char *want_text = read_text(root, "flux-overrides", "expected.json");
	json_t *want = json_loads(want_text, 0, NULL);
	json_t *ov = json_loads("{\"namespace\": \"flux-ns\", \"namePrefix\": \"f-\","
				"\"images\": [{\"name\": \"redis\", \"newName\": \"mirror/redis\"}],"
				"\"patches\": [{\"target\": {\"kind\": \"Deployment\"},"
				"\"patch\": \"- {op: replace, path: /spec/replicas, value: 9}\"}],"
				"\"components\": [\"../comp\"]}", 0, NULL);
	json_t *bad = json_loads("{\"resources\": [\"x\"]}", 0, NULL);
	json_t *out = NULL;

	(void)state;
	assert_non_null(want);
	assert_non_null(ov);
	assert_int_equal(kd_kustomize_build_overlaid(&out, src, "flux-overrides/plain", &flux, ov), 0);
	assert_true(json_equal(out, want));
	json_decref(out);
	out = NULL;
	/* without overrides it is just the file */
	assert_int_equal(kd_kustomize_build_overlaid(&out, src, "flux-overrides/plain", &flux, NULL), 0);
	assert_false(json_equal(out, want));
	json_decref(out);
	out = NULL;
	assert_int_equal(kd_kustomize_build_overlaid(&out, src, "flux-overrides/plain", &flux, bad),
			 KD_EINVAL);
	assert_null(out);
	assert_non_null(strstr(kd_error_last(), "'resources'"));
	json_decref(bad);
	json_decref(ov);
	json_decref(want);
	free(want_text);
	free(root);
	kd_source_free(src);
}

static const json_t *find_kind(const json_t *objs, const json_t *origins,
				const char *kind, const json_t **origin)
{
	size_t i;

	for (i = 0; i < json_array_size(objs); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(objs, i), "kind")), kind) == 0) {
			*origin = json_array_get(origins, i);
			return json_array_get(objs, i);
		}
	return NULL;
}

/* Origins say which file and which overlays each object comes from; the
 * objects are the same as an untraced build's. */
static void test_traced_origins(void **state)
{
	kd_source *src = open_fixtures();
	json_t *plain = NULL, *out = NULL, *origins = NULL;
	const json_t *o = NULL, *layers;

	(void)state;
	assert_int_equal(kd_kustomize_build(&plain, src, "nested-overlays", NULL), 0);
	assert_int_equal(kd_kustomize_build_traced(&out, &origins, src, "nested-overlays",
						   NULL, NULL), 0);
	assert_true(json_equal(plain, out));
	assert_int_equal(json_array_size(origins), json_array_size(out));

	assert_non_null(find_kind(out, origins, "Service", &o));
	assert_string_equal(json_string_value(json_object_get(o, "file")),
			    "nested-overlays/base/service.yaml");
	layers = json_object_get(o, "layers");
	assert_int_equal(json_array_size(layers), 2);
	assert_string_equal(json_string_value(json_array_get(layers, 0)), "nested-overlays/staging");
	assert_string_equal(json_string_value(json_array_get(layers, 1)), "nested-overlays");

	/* a generated ConfigMap comes from the kustomization generating it */
	assert_non_null(find_kind(out, origins, "ConfigMap", &o));
	assert_string_equal(json_string_value(json_object_get(o, "file")),
			    "nested-overlays/base/kustomization.yaml");
	json_decref(plain);
	json_decref(out);
	json_decref(origins);
	origins = NULL;

	/* untouched objects name no layer; a component that changes one does */
	assert_int_equal(kd_kustomize_build_traced(&out, &origins, src, "components-basic",
						   NULL, NULL), 0);
	assert_non_null(find_kind(out, origins, "Deployment", &o));
	layers = json_object_get(o, "layers");
	assert_int_equal(json_array_size(layers), 1);
	assert_string_equal(json_string_value(json_array_get(layers, 0)),
			    "components-basic/comp/monitoring");
	json_decref(out);
	json_decref(origins);
	assert_int_equal(kd_kustomize_build_traced(&out, &origins, src, "basic-resources",
						   NULL, NULL), 0);
	assert_int_equal(json_array_size(json_object_get(json_array_get(origins, 0), "layers")), 0);
	json_decref(out);
	json_decref(origins);
	kd_source_free(src);
}

static void test_present(void **state)
{
	kd_source *src = open_fixtures();

	(void)state;
	assert_true(kd_kustomize_present(src, "basic-resources"));
	assert_true(kd_kustomize_present(src, "kustomization-yml"));
	assert_true(kd_kustomize_present(src, "kustomization-capital"));
	assert_false(kd_kustomize_present(src, "err-missing-kustomization/nothing-here"));
	assert_false(kd_kustomize_present(src, "no-such-directory"));
	kd_source_free(src);
}

/* Paths outside the repository never resolve, whatever the restrictor. */
static void test_root_escape(void **state)
{
	kd_kustomize_opts flux = { KD_LOAD_NONE };
	kd_source *src = open_fixtures();
	json_t *out = NULL;

	(void)state;
	assert_int_equal(kd_kustomize_build(&out, src, "../..", &flux), KD_EPATH);
	assert_null(out);
	kd_source_free(src);
}

/* The build leaves no state behind: the same input gives the same output. */
static void test_repeatable(void **state)
{
	kd_source *src = open_fixtures();
	json_t *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(kd_kustomize_build(&a, src, "nested-overlays", NULL), 0);
	assert_int_equal(kd_kustomize_build(&b, src, "nested-overlays", NULL), 0);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	kd_source_free(src);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char *root = fixtures_root();
	DIR *d = opendir(root);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct CMUnitTest *tests;
	int rc;

	if (!d) {
		printf("not ok 1 - cannot open %s\n", root);
		return 1;
	}
	while ((e = readdir(d))) {
		kd_buf p = KD_BUF_INIT;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		kd_buf_printf(&p, "%s/%s", root, e->d_name);
		if (stat(kd_buf_cstr(&p), &st) == 0 && S_ISDIR(st.st_mode)) {
			char *want = read_text(root, e->d_name, "expected.json");
			char *err = read_text(root, e->d_name, "expected-error");

			if (want || err) {
				if (n == cap) {
					cap = cap ? cap * 2 : 64;
					names = realloc(names, cap * sizeof(*names));
					if (!names)
						return 1;
				}
				names[n++] = strdup(e->d_name);
			}
			free(want);
			free(err);
		}
		kd_buf_free(&p);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), compare_names);
	tests = calloc(n + 6, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < n; i++) {
		tests[i].name = names[i];
		tests[i].test_func = run_case;
		tests[i].initial_state = names[i];
	}
	tests[n].name = "load_restrictor_none";
	tests[n].test_func = test_load_restrictor_none;
	tests[n + 1].name = "present";
	tests[n + 1].test_func = test_present;
	tests[n + 2].name = "root_escape";
	tests[n + 2].test_func = test_root_escape;
	tests[n + 3].name = "repeatable";
	tests[n + 3].test_func = test_repeatable;
	tests[n + 4].name = "overrides";
	tests[n + 4].test_func = test_overrides;
	tests[n + 5].name = "traced_origins";
	tests[n + 5].test_func = test_traced_origins;
	rc = _cmocka_run_group_tests("kustomize", tests, n + 6, NULL, NULL);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	free(root);
	return rc;
}
