/*
 * Tests for provenance in render (core/render/provenance.c and its callers):
 * for every kind of step, the chain of a rendered value names the file,
 * line and step that set it, oldest first, over the small fixtures in
 * tests/fixtures/provenance/ (a kustomize base, overlay and component; a
 * kustomization with suffix, labels, legacy patches, a secret generator
 * and a replacement; a fleet with an app namespace and substitutions from
 * the fleet file, an ApplicationSet reading a cluster label and a Flux
 * tree with postBuild variables) and a Git repository made here for an
 * accepted patch and its commit.  A traced render must output exactly
 * what a plain render does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"
#include "fleet/fleet.h"
#include "render/render.h"
#include "source/source.h"
#include "git_helpers.h"

static kd_source *open_fixture(const char *sub)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;
	kd_source *src = NULL;

	kd_buf_printf(&b, "%s/tests/fixtures/provenance/%s", root && *root ? root : ".", sub);
	assert_int_equal(kd_source_open_dir(&src, kd_buf_cstr(&b)), 0);
	kd_buf_free(&b);
	return src;
}

/* The index of kind/name in objs (fails the test when absent). */
static size_t find(const json_t *objs, const char *kind, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(json_object_get(o, "metadata"), "name")),
			   name) == 0)
			return i;
	fail_msg("no %s/%s in the output", kind, name);
	return 0;
}

/* A chain as "FILE:LINE STEP VALUE | ..." (values as compact JSON). */
static char *chain_text(const json_t *chain)
{
	kd_buf b = KD_BUF_INIT;
	size_t i;
	json_t *e;

	json_array_foreach(chain, i, e) {
		char *v = json_dumps(json_object_get(e, "value"), JSON_COMPACT | JSON_ENCODE_ANY);

		kd_buf_printf(&b, "%s%s:%lld %s %s", i ? " | " : "",
			      json_string_value(json_object_get(e, "file")),
			      (long long)json_integer_value(json_object_get(e, "line")),
			      json_string_value(json_object_get(e, "step")), v);
		free(v);
	}
	if (!b.data)
		kd_buf_puts(&b, "(none)");
	return kd_buf_detach(&b);
}

static void expect_chain(const json_t *prov, const char *pointer, const char *want)
{
	char *got = chain_text(kd_prov_chain(prov, pointer));

	if (strcmp(got, want) != 0)
		fail_msg("%s:\n  got:  %s\n  want: %s", pointer, got, want);
	free(got);
}

/* Renders dir with and without provenance; the objects must be equal. */
static void render(json_t **objs, json_t **prov, kd_source *src, const char *dir)
{
	json_t *plain = NULL;

	assert_int_equal(kd_render_dir_traced(objs, prov, src, dir, NULL), 0);
	assert_int_equal(kd_render_dir(&plain, src, dir, NULL), 0);
	assert_true(json_equal(plain, *objs));
	assert_int_equal(json_array_size(*prov), json_array_size(*objs));
	json_decref(plain);
}

static void test_kustomize_steps(void **state)
{
	kd_source *src = open_fixture("kustomize");
	json_t *objs = NULL, *prov = NULL, *p;

	(void)state;
	render(&objs, &prov, src, "overlay");
	p = json_array_get(prov, find(objs, "Deployment", "prod-web"));
	/* resource, a patch file (the line of the value in it), then replicas */
	expect_chain(p, "/spec/replicas",
		     "base/deployment.yaml:8 resource 2 | "
		     "overlay/replicas.yaml:6 patch (strategic merge) 3 | "
		     "overlay/kustomization.yaml:16 replicas 4");
	/* the patch set the tag, then the images transformer (newTag's line) */
	expect_chain(p, "/spec/template/spec/containers/0/image",
		     "base/deployment.yaml:21 resource \"registry.example/web:1.0.0\" | "
		     "overlay/replicas.yaml:11 patch (strategic merge) \"registry.example/web:1.5.0\" | "
		     "overlay/kustomization.yaml:13 images \"registry.example/web:2.0.0\"");
	/* the patch moved web to the front of the keyed list: the sidecar
	 * keeps its own chain */
	expect_chain(p, "/spec/template/spec/containers/1/image",
		     "base/deployment.yaml:19 resource \"registry.example/proxy:1.0\"");
	expect_chain(p, "/spec/template/spec/containers/0/args",
		     "base/deployment.yaml:25 resource [\"--port\",\"8080\"]");
	/* an element of a list of scalars has its list's chain */
	expect_chain(p, "/spec/template/spec/containers/0/args/1",
		     "base/deployment.yaml:25 resource [\"--port\",\"8080\"]");
	expect_chain(p, "/spec/template/spec/containers/0/resources/limits/memory",
		     "component/kustomization.yaml:16 component: patch (strategic merge) \"256Mi\"");
	expect_chain(p, "/metadata/name",
		     "base/deployment.yaml:4 resource \"web\" | "
		     "overlay/kustomization.yaml:6 namePrefix \"prod-web\"");
	expect_chain(p, "/metadata/namespace", "overlay/kustomization.yaml:5 namespace \"shop\"");
	/* commonLabels reach selectors too; each at its key's line */
	expect_chain(p, "/spec/selector/matchLabels/env",
		     "overlay/kustomization.yaml:8 commonLabels \"production\"");
	expect_chain(p, "/spec/template/metadata/annotations/team",
		     "overlay/kustomization.yaml:10 commonAnnotations \"platform\"");
	/* a reference to a generated ConfigMap: renamed by the prefix, then
	 * by the generator's hash */
	expect_chain(p, "/spec/template/spec/containers/0/envFrom/0/configMapRef/name",
		     "base/deployment.yaml:24 resource \"web-config\" | "
		     "overlay/kustomization.yaml:6 name reference (namePrefix) \"prod-web-config\" | "
		     "base/kustomization.yaml:5 name reference (configMapGenerator (hash suffix)) "
		     "\"prod-web-config-49bfgm455t\"");
	assert_null(kd_prov_chain(p, "/spec/nothing"));
	assert_string_equal(json_string_value(json_object_get(
		kd_prov_last(p, "/spec/replicas"), "step")), "replicas");

	p = json_array_get(prov, find(objs, "Service", "prod-web"));
	/* JSON 6902 changed the key of a keyed element: the element is still
	 * the same, and the value's line is the operation's */
	expect_chain(p, "/spec/ports/0/port",
		     "base/service.yaml:9 resource 80 | "
		     "overlay/kustomization.yaml:24 patch (JSON 6902) 8080");
	expect_chain(p, "/spec/ports/0/targetPort", "base/service.yaml:10 resource 8080");

	p = json_array_get(prov, find(objs, "ConfigMap", "prod-web-config-49bfgm455t"));
	expect_chain(p, "/data/LOG_LEVEL",
		     "base/kustomization.yaml:7 configMapGenerator \"info\" | "
		     "overlay/kustomization.yaml:29 configMapGenerator \"debug\"");
	expect_chain(p, "/data/MODE", "base/kustomization.yaml:8 configMapGenerator \"base\"");
	expect_chain(p, "/metadata/name",
		     "base/kustomization.yaml:5 configMapGenerator \"web-config\" | "
		     "overlay/kustomization.yaml:6 namePrefix \"prod-web-config\" | "
		     "base/kustomization.yaml:5 configMapGenerator (hash suffix) "
		     "\"prod-web-config-49bfgm455t\"");
	json_decref(objs);
	json_decref(prov);
	kd_source_free(src);
}

static void test_more_steps(void **state)
{
	kd_source *src = open_fixture("");
	json_t *objs = NULL, *prov = NULL, *p;

	(void)state;
	render(&objs, &prov, src, "more");
	p = json_array_get(prov, find(objs, "Deployment", "api-v2"));
	expect_chain(p, "/metadata/name",
		     "more/app.yaml:11 resource \"api\" | more/kustomization.yaml:3 nameSuffix \"api-v2\"");
	expect_chain(p, "/metadata/labels/tier", "more/kustomization.yaml:6 labels \"frontend\"");
	expect_chain(p, "/spec/template/spec/containers/0/image",
		     "more/app.yaml:18 resource \"api:1\" | "
		     "more/sm.yaml:10 patch (strategic merge) \"api:2\"");
	/* a JSON 6902 patch file: the line of each operation's value */
	expect_chain(p, "/spec/replicas",
		     "more/app.yaml:13 resource 1 | more/ops.yaml:6 patch (JSON 6902) 2");
	expect_chain(p, "/spec/minReadySeconds", "more/ops.yaml:3 patch (JSON 6902) 10");
	expect_chain(p, "/spec/template/spec/containers/0/env/0/value",
		     "more/app.yaml:21 resource \"placeholder\" | "
		     "more/kustomization.yaml:20 replacement \"db.internal\"");
	p = json_array_get(prov, find(objs, "Secret", "creds-v2-tc4gc7cmm6"));
	/* the env file's line of each key */
	expect_chain(p, "/data/PASSWORD", "more/creds.env:2 secretGenerator \"aHVudGVyMg==\"");
	expect_chain(p, "/metadata/name",
		     "more/kustomization.yaml:16 secretGenerator \"creds\" | "
		     "more/kustomization.yaml:3 nameSuffix \"creds-v2\" | "
		     "more/kustomization.yaml:16 secretGenerator (hash suffix) \"creds-v2-tc4gc7cmm6\"");
	json_decref(objs);
	json_decref(prov);
	kd_source_free(src);
}

static void app_render(json_t **objs, json_t **prov, kd_source *src, const kd_fleet *fleet,
		       const char *cluster, const char *app)
{
	json_t *plain = NULL;
	const kd_cluster *c = kd_fleet_cluster(fleet, cluster);
	const kd_app *a = kd_fleet_app(fleet, app);

	assert_non_null(c);
	assert_non_null(a);
	assert_int_equal(kd_render_app_traced(objs, prov, src, fleet, c, a), 0);
	assert_int_equal(kd_render_app(&plain, src, fleet, c, a), 0);
	assert_true(json_equal(plain, *objs));
	json_decref(plain);
}

static void test_fleet_steps(void **state)
{
	kd_source *src = open_fixture("fleet");
	kd_fleet *fleet = NULL;
	json_t *objs = NULL, *prov = NULL, *p;

	(void)state;
	assert_int_equal(kd_fleet_load(&fleet, src, NULL), 0);

	/* the app's namespace template read a cluster label */
	app_render(&objs, &prov, src, fleet, "west", "plain");
	expect_chain(json_array_get(prov, 0), "/metadata/namespace",
		     "kdrift.yaml:8 cluster label \"staging\" | "
		     "kdrift.yaml:13 app namespace \"plain-staging\"");
	assert_string_equal(json_string_value(json_object_get(
		kd_prov_last(json_array_get(prov, 0), "/metadata/namespace"), "parameter")),
		"metadata.labels.env");
	json_decref(objs);
	json_decref(prov);

	/* kdrift's own substitute and substituteFrom */
	app_render(&objs, &prov, src, fleet, "east", "subst");
	p = json_array_get(prov, 0);
	expect_chain(p, "/data/cluster",
		     "apps/subst/cm.yaml:6 resource \"${CLUSTER}\" | kdrift.yaml:18 substitute \"east\"");
	expect_chain(p, "/data/size",
		     "apps/subst/cm.yaml:7 resource \"${SIZE}\" | values/east.yaml:6 substitute \"large\"");
	assert_string_equal(json_string_value(json_object_get(kd_prov_last(p, "/data/size"), "key")),
			    "SIZE");
	json_decref(objs);
	json_decref(prov);

	/* an ApplicationSet parameter that came from a cluster label */
	app_render(&objs, &prov, src, fleet, "east", "web");
	p = json_array_get(prov, 0);
	expect_chain(p, "/metadata/namespace",
		     "kdrift.yaml:5 cluster label \"us-east\" | "
		     "argocd/web.yaml:20 ApplicationSet parameter \"web-us-east\"");
	assert_string_equal(json_string_value(json_object_get(kd_prov_last(p, "/metadata/namespace"),
							       "parameter")),
			    "metadata.labels.region");
	json_decref(objs);
	json_decref(prov);

	/* Flux: postBuild variables name the ConfigMap and key, or the
	 * Kustomization's substitute; an unset variable's default stays with
	 * the manifest */
	app_render(&objs, &prov, src, fleet, "east", "flux");
	p = json_array_get(prov, find(objs, "Deployment", "web"));
	expect_chain(p, "/spec/replicas",
		     "apps/web/deployment.yaml:10 resource \"${REPLICAS}\" | "
		     "flux/clusters/one/vars.yaml:7 postBuild variable 4");
	assert_string_equal(json_string_value(json_object_get(kd_prov_last(p, "/spec/replicas"), "from")),
			    "ConfigMap flux-system/cluster-vars");
	assert_string_equal(json_string_value(json_object_get(kd_prov_last(p, "/spec/replicas"), "key")),
			    "REPLICAS");
	expect_chain(p, "/metadata/annotations/tier",
		     "apps/web/deployment.yaml:7 resource \"${TIER}\" | "
		     "flux/clusters/one/apps.yaml:15 postBuild variable \"frontend\"");
	expect_chain(p, "/metadata/annotations/owner",
		     "apps/web/deployment.yaml:8 resource \"${OWNER:=platform}\" | "
		     "apps/web/deployment.yaml:8 postBuild default \"platform\"");
	/* targetNamespace is credited to the Kustomization object */
	expect_chain(p, "/metadata/namespace", "flux/clusters/one/apps.yaml:12 namespace \"web\"");
	json_decref(objs);
	json_decref(prov);
	kd_fleet_free(fleet);
	kd_source_free(src);
}

/* A patch accepted into Git (a layer's kdrift-accepted/) names the commit
 * that added the value's line. */
static void test_accepted_patch(void **state)
{
	char dir[] = "/tmp/kdrift-prov-XXXXXX";
	kd_source_opts o = { 0 };
	kd_source *src = NULL;
	json_t *objs = NULL, *prov = NULL;
	const json_t *last;

	char head[41];

	(void)state;
	(void)th_set_origin;   /* the shared helpers; this test needs no remote */
	assert_non_null(mkdtemp(dir));
	git_libgit2_init();
	th_init(dir, false);
	th_write(dir, "app/kustomization.yaml", "resources:\n  - cm.yaml\n");
	th_write(dir, "app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
		 "data:\n  a: one\n  b: two\n");
	th_commit_all(NULL, dir, "one");
	th_write(dir, "app/kustomization.yaml",
		 "resources:\n  - cm.yaml\npatches:\n  - path: kdrift-accepted/configmap-c.yaml\n");
	th_write(dir, "app/kdrift-accepted/configmap-c.yaml",
		 "# accepted\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  b: three\n");
	th_commit_all(NULL, dir, "accept");
	th_rev(head, dir, "HEAD");
	assert_int_equal(kd_source_open(&src, dir, &o), 0);
	assert_int_equal(kd_render_dir_traced(&objs, &prov, src, "app", NULL), 0);
	expect_chain(json_array_get(prov, 0), "/data/b",
		     "app/cm.yaml:7 resource \"two\" | "
		     "app/kdrift-accepted/configmap-c.yaml:7 accepted patch \"three\"");
	last = kd_prov_last(json_array_get(prov, 0), "/data/b");
	assert_true(json_is_true(json_object_get(last, "accepted")));
	assert_string_equal(json_string_value(json_object_get(last, "commit")), head);
	expect_chain(json_array_get(prov, 0), "/data/a", "app/cm.yaml:6 resource \"one\"");
	json_decref(objs);
	json_decref(prov);
	kd_source_free(src);
	th_remove_all(dir);
	git_libgit2_shutdown();
}

static void test_leaves(void **state)
{
	json_t *v = json_loads("[{\"a\":1},{}, [], [1,\"x\"], {\"b\":[{\"c\":2}]}]", 0, NULL);

	(void)state;
	assert_false(kd_prov_is_leaf(json_array_get(v, 0)));
	assert_true(kd_prov_is_leaf(json_array_get(v, 1)));
	assert_true(kd_prov_is_leaf(json_array_get(v, 2)));
	assert_true(kd_prov_is_leaf(json_array_get(v, 3)));
	assert_false(kd_prov_is_leaf(json_object_get(json_array_get(v, 4), "b")));
	assert_false(kd_prov_is_leaf(v));
	assert_null(kd_prov_chain(NULL, "/a"));
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kustomize_steps),
		cmocka_unit_test(test_more_steps),
		cmocka_unit_test(test_fleet_steps),
		cmocka_unit_test(test_accepted_patch),
		cmocka_unit_test(test_leaves),
	};

	return cmocka_run_group_tests_name("provenance", tests, NULL, NULL);
}
