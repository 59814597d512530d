/*
 * Tests for core/fleet/init*.c: the fleet file `kdrift init` makes from a
 * repository's layout (the fixtures of tests/fixtures/init and small trees
 * written here) and a kubeconfig's contexts — which clusters, apps, labels,
 * contexts and servers it finds or guesses, and what it reports as not
 * mapped.  Every result is loaded back with kd_fleet_parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "kube/kube.h"
#include "source/source.h"

/* A kubeconfig whose contexts are given as "NAME" (its own server) or
 * "NAME=OTHER" (OTHER's server). */
static kd_kubeconfig *kubeconfig(const char *const *contexts)
{
	kd_buf b = KD_BUF_INIT;
	kd_kubeconfig *kc = NULL;
	size_t i;

	assert_int_equal(kd_buf_puts(&b, "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: t}\nclusters:\n"), 0);
	for (i = 0; contexts[i]; i++)
		if (!strchr(contexts[i], '='))
			assert_int_equal(kd_buf_printf(&b, "- name: \"%s\"\n  cluster: {server: \"https://127.0.0.1:1/clusters/%zu\"}\n",
						       contexts[i], i), 0);
	assert_int_equal(kd_buf_puts(&b, "contexts:\n"), 0);
	for (i = 0; contexts[i]; i++) {
		const char *eq = strchr(contexts[i], '=');

		if (eq)
			assert_int_equal(kd_buf_printf(&b, "- name: \"%.*s\"\n  context: {cluster: \"%s\", user: u}\n",
						       (int)(eq - contexts[i]), contexts[i], eq + 1), 0);
		else
			assert_int_equal(kd_buf_printf(&b, "- name: \"%s\"\n  context: {cluster: \"%s\", user: u}\n",
						       contexts[i], contexts[i]), 0);
	}
	if (kd_kubeconfig_parse(&kc, kd_buf_cstr(&b), b.len, "test.kubeconfig", "/") != 0)
		fail_msg("kubeconfig: %s\n%s", kd_error_last(), kd_buf_cstr(&b));
	kd_buf_free(&b);
	return kc;
}

/* Runs init on a directory; *fleet is the result loaded back. */
static kd_fleet_init *run(kd_fleet **fleet, const char *dir, const char *const *contexts)
{
	kd_kubeconfig *kc = contexts ? kubeconfig(contexts) : NULL;
	kd_fleet_init *init = NULL;
	kd_source *src = NULL;

	assert_int_equal(kd_source_open_dir(&src, dir), 0);
	if (kd_fleet_init_new(&init, src, kc) != 0)
		fail_msg("init %s: %s", dir, kd_error_last());
	if (kd_fleet_parse(fleet, init->yaml, strlen(init->yaml), "kdrift.yaml") != 0)
		fail_msg("%s\n%s", kd_error_last(), init->yaml);
	assert_int_equal((*fleet)->nclusters, init->nclusters);
	assert_int_equal((*fleet)->napps, init->napps);
	kd_source_free(src);
	kd_kubeconfig_free(kc);
	return init;
}

static char *fixture(const char *name)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_buf_printf(&b, "%s/tests/fixtures/init/%s", root ? root : ".", name), 0);
	return kd_buf_detach(&b);
}

/* A scratch tree: files given as path, text, path, text, ..., NULL. */
static char *tree(const char *first, ...)
{
	char tmpl[] = "/tmp/kdrift-init-test.XXXXXX";
	const char *path, *text;
	va_list ap;
	char *dir;

	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	dir = strdup(dir);
	assert_non_null(dir);
	va_start(ap, first);
	for (path = first; path; path = va_arg(ap, const char *)) {
		kd_buf p = KD_BUF_INIT;
		FILE *f;

		text = va_arg(ap, const char *);
		assert_int_equal(kd_buf_printf(&p, "%s/%s", dir, path), 0);
		assert_int_equal(kd_fs_mkdirs_for(kd_buf_cstr(&p)), 0);
		f = fopen(kd_buf_cstr(&p), "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		kd_buf_free(&p);
	}
	va_end(ap);
	return dir;
}

static void rmtree(char *dir)
{
	kd_buf cmd = KD_BUF_INIT;

	assert_int_equal(kd_buf_printf(&cmd, "rm -rf '%s'", dir), 0);
	assert_int_equal(system(kd_buf_cstr(&cmd)), 0);
	kd_buf_free(&cmd);
	free(dir);
}

/* True when a line of list contains text. */
static bool noted(const json_t *list, const char *text)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (strstr(json_string_value(v), text))
			return true;
	return false;
}

static size_t count_noted(const json_t *list, const char *text)
{
	const json_t *v;
	size_t i, n = 0;

	json_array_foreach(list, i, v)
		if (strstr(json_string_value(v), text))
			n++;
	return n;
}

static const char *label(const kd_cluster *c, const char *key)
{
	return json_string_value(json_object_get(c->labels, key));
}

static void test_flux_kustomize_helm(void **state)
{
	static const char *const ctx[] = { "production", "staging", "sandbox", "production-ro=production", NULL };
	char *dir = fixture("flux-kustomize-helm");
	kd_fleet *f = NULL;
	kd_fleet_init *r = run(&f, dir, ctx);

	(void)state;
	assert_int_equal(f->nclusters, 2);
	assert_string_equal(f->clusters[0].name, "production");
	assert_string_equal(f->clusters[0].context, "production");
	assert_string_equal(label(&f->clusters[0], "env"), "production");
	assert_string_equal(f->clusters[1].name, "staging");
	assert_string_equal(label(&f->clusters[1], "env"), "staging");
	assert_int_equal(f->napps, 1);
	assert_int_equal(f->apps[0].kind, KD_APP_FLUX);
	assert_string_equal(f->apps[0].name, "flux-system");
	assert_string_equal(f->apps[0].path, "clusters/{{name}}");
	assert_true(noted(r->found, "clusters/production/apps.yaml: Flux Kustomization flux-system/apps -> ./apps/production"));
	assert_true(noted(r->found, "clusters/staging/infrastructure.yaml: Flux Kustomization flux-system/infra-controllers -> ./infrastructure/controllers"));
	/* the sync itself is the root, not one of its Kustomizations */
	assert_false(noted(r->found, "Flux Kustomization flux-system/flux-system"));
	assert_true(noted(r->found, "context production-ro: reaches the same API server as production"));
	assert_true(noted(r->unmapped, "context sandbox: no cluster in the repository"));
	assert_non_null(strstr(r->yaml, "\n  # - name: sandbox\n"));
	assert_true(noted(r->guessed, "cluster staging: env=staging"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	free(dir);
}

static void test_flux_other_sources(void **state)
{
	char *dir = fixture("flux-multi-tenancy");
	kd_fleet *f = NULL;
	kd_fleet_init *r = run(&f, dir, NULL);

	(void)state;
	assert_int_equal(f->nclusters, 2);
	assert_true(noted(r->unmapped, "tenants/base/dev-team/sync.yaml: Flux Kustomization apps/dev-team builds from GitRepository dev-team, not from this repository"));
	/* the tenants' patches of that Kustomization are no Kustomizations */
	assert_int_equal(count_noted(r->unmapped, "apps/dev-team"), 1);
	/* without a kubeconfig every cluster is written with a comment */
	assert_true(noted(r->unmapped, "cluster production: no kubeconfig context of that name"));
	assert_non_null(strstr(r->yaml, "  - name: production\n    # no kubeconfig context has this name"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	free(dir);
}

/* tests/fixtures/flux/repo: one bootstrapped root beside roots without a
 * sync, and Kustomizations from another GitRepository and from OCI. */
static void test_flux_sources_per_root(void **state)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf dir = KD_BUF_INIT;
	kd_fleet *f = NULL;
	kd_fleet_init *r;

	(void)state;
	assert_int_equal(kd_buf_printf(&dir, "%s/tests/fixtures/flux/repo", root ? root : "."), 0);
	r = run(&f, kd_buf_cstr(&dir), NULL);
	assert_non_null(kd_fleet_cluster(f, "prod"));
	assert_true(noted(r->unmapped, "clusters/prod/other-repo.yaml: Flux Kustomization flux-system/from-other-repo builds from GitRepository platform-repo"));
	assert_true(noted(r->unmapped, "clusters/prod/other-source.yaml: Flux Kustomization flux-system/from-oci builds from OCIRepository podinfo"));
	assert_false(noted(r->found, "from-other-repo"));
	assert_true(noted(r->found, "clusters/prod/apps.yaml: Flux Kustomization flux-system/apps -> ./apps/prod"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	kd_buf_free(&dir);
}

static const char sync_tmpl[] =
	"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
	"metadata: {name: flux-system, namespace: flux-system}\n"
	"spec: {path: ./%s, sourceRef: {kind: GitRepository, name: flux-system}}\n";

static void test_flux_irregular_roots(void **state)
{
	static const char *const ctx[] = { "kind-edge", "gke_proj_europe-west1-b_prod-eu", NULL };
	char a[256], b[256];
	char *dir;
	kd_fleet *f = NULL;
	kd_fleet_init *r;

	(void)state;
	snprintf(a, sizeof(a), sync_tmpl, "fleet/prod-eu");
	snprintf(b, sizeof(b), sync_tmpl, "edge");
	dir = tree("fleet/prod-eu/flux-system/gotk-sync.yaml", a, "edge/flux-system/gotk-sync.yaml", b,
		   "edge/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
		   "metadata: {name: apps, namespace: flux-system}\n"
		   "spec: {path: ./not-here, sourceRef: {kind: GitRepository, name: flux-system}}\n", NULL);
	r = run(&f, dir, ctx);
	assert_int_equal(f->nclusters, 2);
	assert_string_equal(f->clusters[0].name, "edge");
	assert_string_equal(f->clusters[0].context, "kind-edge");
	assert_string_equal(f->clusters[1].name, "prod-eu");
	assert_string_equal(f->clusters[1].context, "gke_proj_europe-west1-b_prod-eu");
	assert_true(noted(r->guessed, "cluster edge: context kind-edge"));
	/* the roots share no folder: each cluster names its own */
	assert_string_equal(f->apps[0].path, "{{values.fluxRoot}}");
	assert_string_equal(json_string_value(json_object_get(f->clusters[1].values, "fluxRoot")), "fleet/prod-eu");
	assert_true(noted(r->unmapped, "edge/apps.yaml: Flux Kustomization flux-system/apps: its path ./not-here is not in the repository"));
	assert_non_null(strstr(r->yaml, "context: kind-edge   # guessed: "));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	rmtree(dir);
}

static void test_argocd(void **state)
{
	static const char *const ctx[] = { "dev-local", "prod-us-east", "staging-eu-west",
					   "prod-us-east-breakglass=prod-us-east", NULL };
	char *dir = fixture("argocd-example-apps");
	kd_fleet *f = NULL;
	kd_fleet_init *r = run(&f, dir, ctx);
	const kd_cluster *c;

	(void)state;
	assert_int_equal(f->nclusters, 3);
	assert_int_equal(f->napps, 2);
	assert_string_equal(f->apps[0].name, "guestbook");
	assert_int_equal(f->apps[0].kind, KD_APP_APPLICATIONSET);
	assert_string_equal(f->apps[0].path, "applicationsets/cluster-generator.yaml");
	assert_string_equal(f->apps[1].path, "applicationsets/list-generator.yaml");
	/* env spelled as the cluster generator's selector spells it */
	c = kd_fleet_cluster(f, "prod-us-east");
	assert_string_equal(label(c, "env"), "prod");
	assert_string_equal(label(c, "region"), "us-east");
	assert_null(c->server);
	/* the list generator names clusters by their Argo CD server */
	assert_string_equal(kd_fleet_cluster(f, "staging-eu-west")->server, "https://staging-eu-west.example.com:6443");
	assert_string_equal(kd_fleet_cluster(f, "dev-local")->server, "https://kubernetes.default.svc");
	assert_string_equal(label(kd_fleet_cluster(f, "dev-local"), "env"), "development");
	assert_null(kd_fleet_cluster(f, "prod-us-east-breakglass"));
	assert_true(noted(r->found, "ApplicationSet guestbook: its clusters generator selects 1 cluster"));
	assert_true(noted(r->unmapped, "ApplicationSet previews uses a scmProvider generator"));
	assert_true(noted(r->unmapped, "apps/guestbook-app.yaml: Argo CD Application guestbook is not followed"));
	assert_non_null(strstr(r->yaml, "  # - name: previews\n  #   applicationSet: applicationsets/pull-requests.yaml\n"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	free(dir);
}

static const char appset_tmpl[] =
	"apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: %s}\n"
	"spec:\n  generators:\n%s"
	"  template:\n    metadata: {name: '{{name}}-x'}\n"
	"    spec: {source: {path: x}, destination: {server: '{{server}}', namespace: x}}\n";

static void test_argocd_selectors_and_names(void **state)
{
	static const char *const ctx[] = {
		"arn:aws:eks:us-east-1:123456789012:cluster/prod-eks",
		"gke-europe-west1-stg", "qa-eastus2", "emea-dev", "tools", "Team_A@Prod", NULL };
	char a[512], b[512], c[1100];
	char *dir;
	kd_fleet *f = NULL;
	kd_fleet_init *r;
	const kd_cluster *cl;

	(void)state;
	snprintf(a, sizeof(a), appset_tmpl, "all", "    - clusters:\n        selector:\n          matchExpressions:\n"
		 "            - {key: environment, operator: In, values: [stg, prd]}\n");
	snprintf(b, sizeof(b), appset_tmpl, "by-team", "    - clusters: {selector: {matchLabels: {team: payments}}}\n");
	snprintf(c, sizeof(c), "%s---\n%s", a, b);
	dir = tree("sets/all.yaml", a, "sets/team.yaml", b, "sets/two.yaml", c, NULL);
	r = run(&f, dir, ctx);
	assert_int_equal(f->nclusters, 6);
	cl = kd_fleet_cluster(f, "prod-eks");
	assert_non_null(cl);
	assert_string_equal(cl->context, "arn:aws:eks:us-east-1:123456789012:cluster/prod-eks");
	/* the key and the spelling the selectors use */
	assert_string_equal(label(cl, "environment"), "prd");
	assert_null(label(cl, "region"));
	cl = kd_fleet_cluster(f, "gke-europe-west1-stg");
	assert_string_equal(label(cl, "environment"), "stg");
	assert_string_equal(label(cl, "region"), "europe-west1");
	cl = kd_fleet_cluster(f, "qa-eastus2");
	assert_string_equal(label(cl, "environment"), "qa");
	assert_string_equal(label(cl, "region"), "eastus2");
	cl = kd_fleet_cluster(f, "emea-dev");
	assert_string_equal(label(cl, "environment"), "development");
	assert_string_equal(label(cl, "region"), "emea");
	cl = kd_fleet_cluster(f, "tools");
	assert_int_equal(json_object_size(cl->labels), 0);
	cl = kd_fleet_cluster(f, "prod");
	assert_non_null(cl);
	assert_string_equal(cl->context, "Team_A@Prod");
	assert_true(noted(r->guessed, "context Team_A@Prod: cluster named prod"));
	assert_true(noted(r->found, "ApplicationSet all: its clusters generator selects 3 clusters"));
	assert_true(noted(r->unmapped, "ApplicationSet by-team selects clusters by the label team, which no cluster was given"));
	assert_true(noted(r->unmapped, "ApplicationSet by-team: its clusters generator selects no cluster"));
	assert_true(noted(r->unmapped, "sets/two.yaml holds 2 ApplicationSets; kdrift reads one per file"));
	assert_int_equal(f->napps, 2);
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	rmtree(dir);
}

static void test_kustomize_seed(void **state)
{
	static const char *const ctx[] = { "us-east-prod-1", "eu-west-prod-1", "kind-staging-us-east", NULL };
	char *dir = fixture("kustomize-seed");
	kd_fleet *f = NULL;
	kd_fleet_init *r = run(&f, dir, ctx);
	const kd_app *worker;

	(void)state;
	assert_int_equal(f->nclusters, 3);
	assert_string_equal(f->clusters[0].name, "eu-west-prod-1");
	assert_string_equal(label(&f->clusters[0], "env"), "production");
	assert_string_equal(label(&f->clusters[0], "region"), "eu-west");
	assert_string_equal(kd_fleet_cluster(f, "staging-us-east")->context, "kind-staging-us-east");
	assert_int_equal(f->napps, 2);
	assert_string_equal(f->apps[0].name, "web");
	assert_string_equal(f->apps[0].path, "clusters/{{name}}/web");
	worker = kd_fleet_app(f, "worker");
	assert_string_equal(worker->path, "clusters/{{name}}/worker");
	assert_true(kd_fleet_app_targets(worker, kd_fleet_cluster(f, "us-east-prod-1")));
	assert_false(kd_fleet_app_targets(worker, kd_fleet_cluster(f, "staging-us-east")));
	assert_true(kd_fleet_app_targets(&f->apps[0], kd_fleet_cluster(f, "staging-us-east")));
	/* read from the overlays, so not a guess */
	assert_true(noted(r->found, "clusters/staging-us-east: env staging, from the overlays/staging"));
	assert_false(noted(r->guessed, "env="));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	free(dir);
}

static const char kust[] = "resources: [cm.yaml]\n";
static const char cm[] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";

static void test_plain_clusters_some_apps(void **state)
{
	static const char *const ctx[] = { "alpha", "beta", NULL };
	char *dir;
	kd_fleet *f = NULL;
	kd_fleet_init *r;

	(void)state;
	dir = tree("clusters/alpha/web/kustomization.yaml", kust, "clusters/alpha/web/cm.yaml", cm,
		   "clusters/alpha/batch/job.yaml", cm,
		   "clusters/beta/web/kustomization.yaml", kust, "clusters/beta/web/cm.yaml", cm,
		   "clusters/beta/values.yaml", cm, "clusters/Odd Name/web/cm.yaml", cm, NULL);
	r = run(&f, dir, ctx);
	assert_int_equal(f->nclusters, 3);
	/* a directory name that is no cluster name: the path goes by values.dir */
	assert_non_null(kd_fleet_cluster(f, "odd-name"));
	assert_string_equal(json_string_value(json_object_get(kd_fleet_cluster(f, "odd-name")->values, "dir")), "Odd Name");
	assert_string_equal(json_string_value(json_object_get(kd_fleet_cluster(f, "alpha")->values, "dir")), "alpha");
	assert_string_equal(kd_fleet_app(f, "web")->path, "clusters/{{values.dir}}/web");
	/* batch is alpha's only, with no env to tell: a label of its own */
	assert_true(kd_fleet_app_targets(kd_fleet_app(f, "batch"), kd_fleet_cluster(f, "alpha")));
	assert_false(kd_fleet_app_targets(kd_fleet_app(f, "batch"), kd_fleet_cluster(f, "beta")));
	assert_string_equal(label(kd_fleet_cluster(f, "alpha"), "app.kdrift.dev/batch"), "true");
	assert_true(noted(r->unmapped, "values.yaml in 1 cluster directory: beside the apps"));
	assert_true(noted(r->unmapped, "cluster odd-name: no kubeconfig context"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	rmtree(dir);
}

static void test_overlays_over_contexts(void **state)
{
	static const char *const ctx[] = { "dev-1", "prod-1", "tools", NULL };
	char *dir;
	kd_fleet *f = NULL;
	kd_fleet_init *r;
	const kd_app *app;

	(void)state;
	dir = tree("base/kustomization.yaml", kust, "base/cm.yaml", cm,
		   "overlays/dev/kustomization.yaml", "resources: [../../base]\n",
		   "overlays/prod/kustomization.yaml", "resources: [../../base]\n", NULL);
	r = run(&f, dir, ctx);
	assert_int_equal(f->nclusters, 3);
	assert_string_equal(label(kd_fleet_cluster(f, "dev-1"), "env"), "dev");
	assert_string_equal(label(kd_fleet_cluster(f, "prod-1"), "env"), "prod");
	assert_int_equal(f->napps, 1);
	app = &f->apps[0];
	assert_string_equal(app->name, "app");
	assert_string_equal(app->path, "overlays/{{metadata.labels.env}}");
	assert_true(kd_fleet_app_targets(app, kd_fleet_cluster(f, "prod-1")));
	assert_false(kd_fleet_app_targets(app, kd_fleet_cluster(f, "tools")));
	assert_true(noted(r->found, "overlays: app app, overlays for dev, prod"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	rmtree(dir);
}

static void test_nothing_and_hostile_names(void **state)
{
	kd_fleet *f = NULL;
	kd_fleet_init *r;
	char *dir;

	(void)state;
	dir = tree("README.md", "nothing here\n", NULL);
	r = run(&f, dir, NULL);
	assert_int_equal(f->nclusters, 0);
	assert_int_equal(f->napps, 0);
	assert_true(noted(r->unmapped, "no layout recognised"));
	assert_true(noted(r->unmapped, "no clusters"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	rmtree(dir);

	/* a name that would end a comment or start a key stays inside it */
	dir = tree("clusters/x\napps: [{name: evil, path: y}]\n#/web/cm.yaml", cm,
		   "clusters/ok/web/cm.yaml", cm, "templates/deploy.yaml", "{{ .Values.x }}: [\n", NULL);
	r = run(&f, dir, NULL);
	assert_null(kd_fleet_app(f, "evil"));
	assert_int_equal(f->nclusters, 2);
	assert_true(noted(r->unmapped, "1 file is not YAML kdrift reads"));
	kd_fleet_free(f);
	kd_fleet_init_free(r);
	rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flux_kustomize_helm),
		cmocka_unit_test(test_flux_other_sources),
		cmocka_unit_test(test_flux_sources_per_root),
		cmocka_unit_test(test_flux_irregular_roots),
		cmocka_unit_test(test_argocd),
		cmocka_unit_test(test_argocd_selectors_and_names),
		cmocka_unit_test(test_kustomize_seed),
		cmocka_unit_test(test_plain_clusters_some_apps),
		cmocka_unit_test(test_overlays_over_contexts),
		cmocka_unit_test(test_nothing_and_hostile_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
