/*
 * Tests for core/render/flux.c: the walk of a tree of Flux Kustomizations over
 * tests/fixtures/flux/repo (a cluster root with a self-sync, layered
 * Kustomizations with dependsOn, a generated kustomization, postBuild
 * variables from Git, a Kustomization of another source, a cycle).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "render/render.h"
#include "data/data.h"

static kd_source *open_repo(void)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;
	kd_source *src = NULL;

	kd_buf_printf(&b, "%s/tests/fixtures/flux/repo", root && *root ? root : ".");
	assert_int_equal(kd_source_open_dir(&src, kd_buf_cstr(&b)), 0);
	kd_buf_free(&b);
	return src;
}

/* Position of the object kind/name (namespace ignored), or -1. */
static int find(const json_t *objs, const char *kind, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(json_object_get(o, "metadata"), "name")),
			   name) == 0)
			return (int)i;
	return -1;
}

static json_t *get(const json_t *objs, const char *kind, const char *name)
{
	int i = find(objs, kind, name);

	if (i < 0)
		fail_msg("no %s/%s in the output", kind, name);
	return json_array_get(objs, (size_t)i);
}

static const char *ptr(const json_t *obj, const char *pointer)
{
	json_t *v = NULL;
	const char *p = pointer;
	kd_buf tok = KD_BUF_INIT;

	v = (json_t *)obj;
	while (*p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);

		kd_buf_clear(&tok);
		kd_buf_add(&tok, p + 1, len);
		if (json_is_array(v))
			v = json_array_get(v, (size_t)atoi(kd_buf_cstr(&tok)));
		else
			v = json_object_get(v, kd_buf_cstr(&tok));
		p += len + 1;
	}
	kd_buf_free(&tok);
	return json_string_value(v);
}

static void test_tree_walk(void **state)
{
	kd_source *src = open_repo();
	json_t *objs = NULL, *dep, *env;

	(void)state;
	if (kd_flux_render(&objs, src, "clusters/prod", NULL) != 0)
		fail_msg("%s", kd_error_last());
	/* root objects, infrastructure's, then apps' (dependsOn) */
	assert_true(find(objs, "Kustomization", "apps") >= 0);
	assert_true(find(objs, "ConfigMap", "cluster-vars") >= 0);
	assert_true(find(objs, "Namespace", "shop") > find(objs, "ConfigMap", "cluster-vars"));
	assert_true(find(objs, "ConfigMap", "controller-config") >= 0);
	assert_true(find(objs, "ConfigMap", "from-sub") >= 0);
	assert_true(find(objs, "Deployment", "prod-web") > find(objs, "Namespace", "shop"));
	assert_true(find(objs, "Deployment", "prod-web") > find(objs, "ConfigMap", "from-sub"));
	/* the self-sync, the OCI-sourced Kustomization and the one from another
	 * GitRepository than the self-sync's are not followed (their paths do
	 * not exist here) */
	assert_true(find(objs, "Kustomization", "from-other-repo") >= 0);
	assert_int_equal(find(objs, "Kustomization", "from-oci") >= 0, 1);
	/* the generated kustomization lists .yaml files only, recursively,
	 * and sub-directories with their own kustomization as such */
	assert_string_equal(ptr(get(objs, "ConfigMap", "from-sub"), "/metadata/namespace"), "infra");
	/* postBuild.substitute in infrastructure; $VAR and $${VAR} */
	assert_string_equal(ptr(get(objs, "ConfigMap", "controller-config"), "/data/cluster"), "prod-eu");
	assert_string_equal(ptr(get(objs, "ConfigMap", "controller-config"), "/data/script"),
			    "echo $HOME ${literal}");
	/* apps: targetNamespace, namePrefix, images, patches, postBuild */
	dep = get(objs, "Deployment", "prod-web");
	assert_string_equal(ptr(dep, "/metadata/namespace"), "shop");
	assert_string_equal(ptr(dep, "/metadata/annotations/patched"), "yes");
	assert_string_equal(ptr(dep, "/spec/template/spec/containers/0/image"), "nginx:1.27");
	assert_string_equal(ptr(dep, "/metadata/annotations/region"), "eu-west");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dep, "spec"), "replicas")), 3);
	env = json_object_get(json_array_get(json_object_get(json_object_get(json_object_get(
		json_object_get(dep, "spec"), "template"), "spec"), "containers"), 0), "env");
	/* substitute wins over substituteFrom */
	assert_string_equal(ptr(env, "/0/value"), "prod-eu");
	assert_string_equal(ptr(env, "/1/value"), "frontend");
	/* Secret values are base64-decoded */
	assert_string_equal(ptr(env, "/2/value"), "top-secret");
	json_decref(objs);
	kd_source_free(src);
}

static void test_owners(void **state)
{
	kd_source *src = open_repo();
	json_t *objs = NULL, *owners = NULL;

	(void)state;
	if (kd_flux_render_traced(&objs, &owners, src, "clusters/prod", NULL) != 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(json_array_size(owners), json_array_size(objs));
	assert_string_equal(json_string_value(json_array_get(owners,
		(size_t)find(objs, "Deployment", "prod-web"))), "flux-system/apps");
	assert_string_equal(json_string_value(json_array_get(owners,
		(size_t)find(objs, "Namespace", "shop"))), "flux-system/infrastructure");
	assert_string_equal(json_string_value(json_array_get(owners,
		(size_t)find(objs, "ConfigMap", "cluster-vars"))), "");
	json_decref(objs);
	json_decref(owners);
	kd_source_free(src);
}

static void test_dependency_cycle(void **state)
{
	kd_source *src = open_repo();
	json_t *objs = NULL;

	(void)state;
	assert_int_equal(kd_flux_render(&objs, src, "clusters/nowhere", NULL), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "'clusters/nowhere' is not a directory"));
	assert_int_equal(kd_flux_render(&objs, src, "clusters/cycle", NULL), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "dependsOn cycle"));
	assert_non_null(strstr(kd_error_last(), "a, b"));
	assert_null(objs);
	kd_source_free(src);
}

static void test_source_name_filter(void **state)
{
	kd_source *src = open_repo();
	kd_flux_opts opts = { "some-other-repo", NULL, false };
	json_t *objs = NULL;

	(void)state;
	assert_int_equal(kd_flux_render(&objs, src, "clusters/prod", &opts), 0);
	/* nothing followed: only the root's own objects */
	assert_int_equal(find(objs, "Deployment", "prod-web"), -1);
	assert_true(find(objs, "Kustomization", "apps") >= 0);
	json_decref(objs);
	kd_source_free(src);
}

static void test_missing_substitute_from_and_vars_file(void **state)
{
	kd_source *src = open_repo();
	json_t *objs = NULL, *cluster = NULL;
	kd_flux_opts opts = { NULL, NULL, true };
	static const char vars[] =
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-vars, namespace: flux-system}\n"
		"data: {region: ap-south, replicas: \"5\", cluster_name: c, api_token: t}\n";

	(void)state;
	assert_int_equal(kd_flux_render(&objs, src, "clusters/strict", NULL), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "ConfigMap/cluster-vars"));
	assert_non_null(strstr(kd_error_last(), "needs-vars"));
	/* from a vars file standing for the cluster, in strict mode */
	assert_int_equal(kd_yaml_parse(&cluster, NULL, vars, strlen(vars), "vars.yaml", NULL), 0);
	opts.cluster_objects = cluster;
	if (kd_flux_render(&objs, src, "clusters/strict", &opts) != 0)
		fail_msg("%s", kd_error_last());
	assert_string_equal(ptr(get(objs, "Deployment", "web"), "/metadata/annotations/region"),
			    "ap-south");
	json_decref(objs);
	/* strict: a variable no source defines is an error */
	json_object_del(json_object_get(json_array_get(cluster, 0), "data"), "api_token");
	assert_int_equal(kd_flux_render(&objs, src, "clusters/strict", &opts), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "\"api_token\""));
	json_decref(cluster);
	kd_source_free(src);
}

static void test_v1beta2_patch_forms_and_refusals(void **state)
{
	static const char ks_yaml[] =
		"apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\n"
		"kind: Kustomization\nmetadata: {name: legacy, namespace: flux-system}\n"
		"spec:\n  path: ./apps/prod\n"
		"  patchesStrategicMerge:\n"
		"    - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 7}}\n"
		"  patchesJson6902:\n"
		"    - target: {kind: Deployment, name: web}\n"
		"      patch: [{op: add, path: /metadata/annotations/j, value: \"1\"}]\n"
		"---\n"
		"apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
		"kind: Kustomization\nmetadata: {name: meta}\n"
		"spec: {path: ./apps/prod, commonMetadata: {labels: {a: b}}}\n"
		"---\n"
		"apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
		"kind: Kustomization\nmetadata: {name: gen-patch}\n"
		"spec: {path: ./infrastructure, targetNamespace: infra, namePrefix: gen-,\n"
		"       images: [{name: nginx, newTag: \"2\"}]}\n";
	kd_source *src = open_repo();
	json_t *docs = NULL, *objs = NULL, *dep;

	(void)state;
	assert_int_equal(kd_yaml_parse(&docs, NULL, ks_yaml, strlen(ks_yaml), "ks.yaml", NULL), 0);
	if (kd_flux_build(&objs, src, json_array_get(docs, 0), NULL, NULL) != 0)
		fail_msg("%s", kd_error_last());
	dep = get(objs, "Deployment", "web");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dep, "spec"), "replicas")), 7);
	assert_string_equal(ptr(dep, "/metadata/annotations/j"), "1");
	json_decref(objs);
	assert_int_equal(kd_flux_build(&objs, src, json_array_get(docs, 1), NULL, NULL),
			 KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "spec.commonMetadata"));
	/* a generated kustomization takes the Kustomization's transformers as
	 * the controller's kustomize run does: prefix, namespace, images */
	if (kd_flux_build(&objs, src, json_array_get(docs, 2), NULL, NULL) != 0)
		fail_msg("%s", kd_error_last());
	assert_true(find(objs, "ConfigMap", "gen-controller-config") >= 0);
	assert_true(find(objs, "ConfigMap", "gen-from-sub") >= 0);
	assert_string_equal(ptr(get(objs, "ConfigMap", "gen-from-sub"), "/metadata/namespace"), "infra");
	assert_true(find(objs, "ConfigMap", "controller-config") < 0);
	json_decref(objs);
	json_decref(docs);
	kd_source_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_walk),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_dependency_cycle),
		cmocka_unit_test(test_source_name_filter),
		cmocka_unit_test(test_missing_substitute_from_and_vars_file),
		cmocka_unit_test(test_v1beta2_patch_forms_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
