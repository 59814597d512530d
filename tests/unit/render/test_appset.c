/*
 * Tests for core/render/appset.c and core/render/appset_gen.c: ApplicationSets in
 * tests/fixtures/appset/repo evaluated against that repository's fleet,
 * compared with the Applications Argo CD would generate.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "render/render.h"
#include "base/base.h"
#include "fleet/fleet.h"

typedef struct fx {
	kd_source *src;
	kd_fleet *fleet;
} fx;

static int setup(void **state)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;
	fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	kd_buf_printf(&b, "%s/tests/fixtures/appset/repo", root && *root ? root : ".");
	assert_int_equal(kd_source_open_dir(&f->src, kd_buf_cstr(&b)), 0);
	if (kd_fleet_load(&f->fleet, f->src, NULL) != 0)
		fail_msg("%s", kd_error_last());
	kd_buf_free(&b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	kd_fleet_free(f->fleet);
	kd_source_free(f->src);
	free(f);
	return 0;
}

/* Expected Applications: "name|path|namespace|cluster" ("" for absent). */
static void expect(fx *f, const char *file, const char *const *want, size_t n)
{
	json_t *apps = NULL, *a;
	kd_buf got = KD_BUF_INIT;
	size_t i;

	if (kd_appset_generate(&apps, f->src, f->fleet, file) != 0)
		fail_msg("%s: %s", file, kd_error_last());
	json_array_foreach(apps, i, a) {
		const char *ns = json_string_value(json_object_get(a, "namespace"));
		const char *cl = json_string_value(json_object_get(a, "cluster"));

		kd_buf_clear(&got);
		kd_buf_printf(&got, "%s|%s|%s|%s",
			      json_string_value(json_object_get(a, "name")),
			      json_string_value(json_object_get(a, "path")),
			      ns ? ns : "", cl ? cl : "");
		if (i >= n)
			fail_msg("%s: unexpected Application %s", file, kd_buf_cstr(&got));
		if (strcmp(kd_buf_cstr(&got), want[i]) != 0)
			fail_msg("%s: Application %zu is %s, want %s", file, i,
				 kd_buf_cstr(&got), want[i]);
	}
	assert_int_equal(json_array_size(apps), n);
	kd_buf_free(&got);
	json_decref(apps);
}

#define EXPECT(f, file, ...) do { \
	static const char *const w_[] = { __VA_ARGS__ }; \
	expect((f), (file), w_, sizeof(w_) / sizeof(w_[0])); \
} while (0)

static void test_list(void **state)
{
	/* The destination server names dev-1's server; prod-eu's URL belongs
	 * to no fleet cluster, so that Application is nobody's. */
	EXPECT(*state, "argocd/list.yaml",
	       "dev-1-guestbook|apps/guestbook|guestbook|dev-1",
	       "prod-eu-guestbook|apps/guestbook|guestbook|");
}

static void test_clusters_selector_and_values(void **state)
{
	/* {{server}} stays as written for clusters without a server; the
	 * Application still belongs to the cluster that produced it. */
	EXPECT(*state, "argocd/clusters.yaml",
	       "prod-eu-platform|envs/production|platform-eu-gold|prod-eu",
	       "prod-us-platform|envs/production|platform-us-gold|prod-us");
}

static void test_git_directories_with_exclude(void **state)
{
	EXPECT(*state, "argocd/git-dirs.yaml",
	       "api|apps/api|api|dev-1",
	       "guestbook|apps/guestbook|guestbook|dev-1",
	       "web|apps/web|web|dev-1");
}

static void test_matrix_second_uses_first(void **state)
{
	EXPECT(*state, "argocd/matrix.yaml",
	       "prod-eu-web|apps/web|web-eu|prod-eu",
	       "prod-eu-api|apps/api|api-eu|prod-eu",
	       "prod-us-web|apps/web|web-us|prod-us",
	       "prod-us-api|apps/api|api-us|prod-us");
}

static void test_merge_keys(void **state)
{
	EXPECT(*state, "argocd/merge.yaml",
	       "dev-1-merged|apps/guestbook|r1|dev-1",
	       "prod-eu-merged|apps/guestbook|r3|prod-eu",
	       "prod-us-merged|apps/guestbook|r1|prod-us");
}

static void test_gotemplate_git_files(void **state)
{
	EXPECT(*state, "argocd/gotemplate.yaml",
	       "payments-team-eu|config/eu|payments|prod-eu",
	       "search.team-us|config/us|search|prod-us");
}

static void test_gotemplate_rejects_other_expressions(void **state)
{
	fx *f = *state;
	json_t *apps = NULL;

	assert_int_equal(kd_appset_generate(&apps, f->src, f->fleet,
					    "argocd/bad-gotemplate.yaml"), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "'{{ .name | upper }}'"));
	assert_non_null(strstr(kd_error_last(), "argocd/bad-gotemplate.yaml"));
	assert_null(apps);
}

static void test_unsupported_generator_named(void **state)
{
	fx *f = *state;
	json_t *apps = NULL;

	assert_int_equal(kd_appset_generate(&apps, f->src, f->fleet,
					    "argocd/unsupported.yaml"), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(),
			       "argocd/unsupported.yaml:7:7: spec.generators[0].scmProvider is not supported"));
}

static const char *obj_name(const json_t *objs, size_t i)
{
	return json_string_value(json_object_get(json_object_get(json_array_get(objs, i),
								 "metadata"), "name"));
}

static void test_render_per_cluster_and_by_name(void **state)
{
	fx *f = *state;
	const kd_app *dirs = kd_fleet_app(f->fleet, "dirs");
	const kd_app *matrix = kd_fleet_app(f->fleet, "matrix");
	json_t *objs = NULL;

	assert_non_null(dirs);
	/* all of dev-1's generated Applications, in generation order */
	if (kd_render_app(&objs, f->src, f->fleet, kd_fleet_cluster(f->fleet, "dev-1"), dirs) != 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(json_array_size(objs), 4);
	assert_string_equal(obj_name(objs, 0), "api");
	assert_string_equal(obj_name(objs, 1), "guestbook");
	/* recurse: true, and exclude's {a,b} alternatives */
	assert_string_equal(obj_name(objs, 2), "web");
	assert_string_equal(obj_name(objs, 3), "web-nested");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(objs, 0), "metadata"), "namespace")), "api");
	json_decref(objs);
	/* one generated Application by name; not recursive by default */
	if (kd_appset_render(&objs, f->src, f->fleet, kd_fleet_cluster(f->fleet, "prod-us"),
			     matrix, "prod-us-web") != 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(json_array_size(objs), 2);
	assert_string_equal(obj_name(objs, 0), "web");
	assert_string_equal(obj_name(objs, 1), "web-other-excluded");
	json_decref(objs);
	assert_int_equal(kd_appset_render(&objs, f->src, f->fleet,
					  kd_fleet_cluster(f->fleet, "prod-us"), matrix,
					  "prod-eu-web"), KD_ENOTFOUND);
	/* a cluster with no generated Application renders nothing */
	assert_int_equal(kd_render_app(&objs, f->src, f->fleet,
				       kd_fleet_cluster(f->fleet, "dev-1"), matrix), 0);
	assert_int_equal(json_array_size(objs), 0);
	json_decref(objs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_clusters_selector_and_values),
		cmocka_unit_test(test_git_directories_with_exclude),
		cmocka_unit_test(test_matrix_second_uses_first),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_gotemplate_git_files),
		cmocka_unit_test(test_gotemplate_rejects_other_expressions),
		cmocka_unit_test(test_unsupported_generator_named),
		cmocka_unit_test(test_render_per_cluster_and_by_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
