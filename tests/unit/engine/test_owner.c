/*
 * Tests for core/engine/engine_owner.c: naming the app that renders an
 * object for a cluster, from a fleet in a work tree: the app deployed to
 * that cluster, the API group told apart, cluster-scoped objects, an app
 * that does not render passed over, an unknown cluster or object refused,
 * and an unreadable repository reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/engine.h"
#include "base/base.h"
#include "scratch_repo.h"

/* Two clusters; "broken" (prod only, listed first) does not render; "web"
 * goes everywhere; "jobs" only to dev.  Both web and jobs have a "web"
 * object, of different groups. */
static const char fleet[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n"
	"  - {name: prod, labels: {env: prod}}\n"
	"  - {name: dev, labels: {env: dev}}\n"
	"apps:\n"
	"  - {name: broken, path: broken, clusters: {matchLabels: {env: prod}}}\n"
	"  - {name: web, path: web, namespace: shop}\n"
	"  - {name: jobs, path: jobs, namespace: shop, clusters: {matchLabels: {env: dev}}}\n";

static int setup(void **state)
{
	(void)state;
	if (scratch_new("owner") < 0)
		return -1;
	write_file("kdrift.yaml", fleet);
	make_dir("broken");
	write_file("broken/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
	make_dir("web");
	write_file("web/all.yaml",
		   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n"
		   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\n---\n"
		   "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
		   "metadata: {name: web-reader}\n");
	make_dir("jobs");
	write_file("jobs/job.yaml",
		   "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: web}\n---\n"
		   "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove();
}

static kd_owner_finder *open_finder(void)
{
	kd_engine_opts o = { .repo = tmp, .worktree = true };
	kd_owner_finder *f = NULL;

	assert_int_equal(kd_owner_finder_new(&f, &o), 0);
	assert_non_null(f);
	return f;
}

static void test_finds_the_app(void **state)
{
	kd_owner_finder *f = open_finder();
	const char *app = NULL;

	(void)state;
	/* The broken app on prod is passed over, not fatal. */
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", "apps/v1", "Deployment", "shop",
					     "web"), 0);
	assert_string_equal(app, "web");
	/* Again, from the renders made the first time. */
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", NULL, "ConfigMap", "shop",
					     "web-config"), 0);
	assert_string_equal(app, "web");
	/* A cluster-scoped object has no namespace, NULL or "". */
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", "rbac.authorization.k8s.io/v1",
					     "ClusterRole", NULL, "web-reader"), 0);
	assert_string_equal(app, "web");
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", NULL, "ClusterRole", "",
					     "web-reader"), 0);
	/* An app deployed to dev only. */
	assert_int_equal(kd_owner_finder_app(&app, f, "dev", "batch/v1", "CronJob", "shop",
					     "nightly"), 0);
	assert_string_equal(app, "jobs");
	kd_owner_finder_free(f);
}

static void test_group_told_apart(void **state)
{
	kd_owner_finder *f = open_finder();
	const char *app = NULL;

	(void)state;
	/* Same kind and name in two apps: the group decides. */
	assert_int_equal(kd_owner_finder_app(&app, f, "dev", "example.com/v1", "Deployment",
					     "shop", "web"), 0);
	assert_string_equal(app, "jobs");
	assert_int_equal(kd_owner_finder_app(&app, f, "dev", "apps/v1", "Deployment", "shop",
					     "web"), 0);
	assert_string_equal(app, "web");
	/* Only the group counts, not the version. */
	assert_int_equal(kd_owner_finder_app(&app, f, "dev", "example.com/v2", "Deployment",
					     "shop", "web"), 0);
	assert_string_equal(app, "jobs");
	/* A group no app renders. */
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", "example.com/v1", "Deployment",
					     "shop", "web"), KD_ENOTFOUND);
	assert_null(app);
	kd_owner_finder_free(f);
}

static void test_not_found(void **state)
{
	kd_owner_finder *f = open_finder();
	kd_owner_finder *g = NULL;
	kd_engine_opts o = { .repo = "/nonexistent/kdrift-repo", .worktree = true };
	const char *app = NULL;

	(void)state;
	/* jobs is not deployed to prod. */
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", "batch/v1", "CronJob", "shop",
					     "nightly"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "CronJob shop/nightly"));
	/* Another namespace is another object. */
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", NULL, "ConfigMap", "other",
					     "web-config"), KD_ENOTFOUND);
	assert_int_equal(kd_owner_finder_app(&app, f, "nope", NULL, "ConfigMap", "shop",
					     "web-config"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "no cluster 'nope'"));
	assert_int_equal(kd_owner_finder_app(&app, f, "prod", NULL, NULL, "shop", "x"), KD_EINVAL);
	kd_owner_finder_free(f);
	kd_owner_finder_free(NULL);

	assert_true(kd_owner_finder_new(&g, &o) < 0);
	assert_null(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_the_app),
		cmocka_unit_test(test_group_told_apart),
		cmocka_unit_test(test_not_found),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
