/*
 * Tests for core/fleet/fleet.c: reading kdrift.yaml, with every validation error
 * checked for its exact FILE:LINE:COLUMN message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "source/source.h"

static char *fixture_dir(void)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_buf_printf(&b, "%s/tests/fixtures/fleet",
				       root ? root : "."), 0);
	return kd_buf_detach(&b);
}

static kd_fleet *load_fixture(const char *name)
{
	char *dir = fixture_dir();
	kd_buf path = KD_BUF_INIT, data = KD_BUF_INIT;
	kd_fleet *f = NULL;

	assert_int_equal(kd_buf_printf(&path, "%s/%s", dir, name), 0);
	assert_int_equal(kd_buf_read_file(&data, path.data, 0), 0);
	if (kd_fleet_parse(&f, kd_buf_cstr(&data), data.len, name) != 0)
		fail_msg("%s: %s", name, kd_error_last());
	kd_buf_free(&path);
	kd_buf_free(&data);
	free(dir);
	return f;
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void test_full_clusters(void **state)
{
	kd_fleet *f = load_fixture("full.yaml");
	const kd_cluster *c;

	(void)state;
	assert_string_equal(f->file, "full.yaml");
	assert_int_equal(f->nclusters, 5);
	c = &f->clusters[0];
	assert_string_equal(c->name, "us-east-prod");
	assert_string_equal(c->context, "us-east-prod");
	assert_string_equal(c->server, "https://us-east.k8s.example.com:6443");
	assert_string_equal(str(c->labels, "env"), "production");
	assert_string_equal(str(c->values, "revision"), "main");

	c = kd_fleet_cluster(f, "eu-west-prod");
	assert_ptr_equal(c, &f->clusters[1]);
	assert_string_equal(c->context,
			    "arn:aws:eks:eu-west-1:123456789012:cluster/eu-west-prod");
	assert_null(c->server);
	assert_int_equal(json_object_size(c->labels), 5);
	assert_string_equal(str(c->labels, "topology.kubernetes.io/zone"), "eu-west-1a");
	/* non-string scalars become the text a YAML user expects */
	assert_string_equal(str(c->labels, "gpu"), "true");
	assert_string_equal(str(c->labels, "tier"), "2");
	assert_string_equal(str(c->values, "replicas"), "3");
	assert_string_equal(str(c->values, "revision"), "v1.4.2");

	/* context defaults to the name; labels and values are never NULL */
	c = kd_fleet_cluster(f, "sandbox.lab");
	assert_non_null(c);
	assert_string_equal(c->context, "sandbox.lab");
	assert_non_null(c->labels);
	assert_int_equal(json_object_size(c->labels), 0);
	assert_non_null(c->values);
	assert_int_equal(json_object_size(f->clusters[3].values), 0);

	assert_null(kd_fleet_cluster(f, "nope"));
	assert_null(kd_fleet_cluster(f, NULL));
	kd_fleet_free(f);
}

static void test_full_apps(void **state)
{
	kd_fleet *f = load_fixture("full.yaml");
	const kd_app *a;
	json_t *want;

	(void)state;
	assert_int_equal(f->napps, 6);

	a = kd_fleet_app(f, "platform-services");
	assert_ptr_equal(a, &f->apps[0]);
	assert_int_equal(a->kind, KD_APP_PATH);
	assert_string_equal(a->path, "clusters/{{name}}/platform-services");
	assert_string_equal(a->namespace, "platform-services");
	want = json_pack("{s:s, s:s}", "cluster", "{{name}}", "region",
			 "{{metadata.labels.region}}");
	assert_true(json_equal(a->substitute, want));
	json_decref(want);
	want = json_pack("[{s:s, s:b}]", "path",
			 "clusters/{{name}}/cluster-values.yaml", "optional", 0);
	assert_true(json_equal(a->substitute_from, want));
	json_decref(want);
	assert_null(a->directory);
	assert_string_equal(str(a->raw, "name"), "platform-services");

	a = kd_fleet_app(f, "monitoring");
	assert_string_equal(a->path, "apps/monitoring/overlays/{{ values.revision }}");
	assert_null(a->namespace);
	assert_null(a->substitute);
	want = json_pack("[{s:s, s:b}, {s:s, s:b}]",
			 "path", "clusters/{{name}}/monitoring-values.yaml", "optional", 1,
			 "path", "common/values.yaml", "optional", 0);
	assert_true(json_equal(a->substitute_from, want));
	json_decref(want);
	want = json_pack("{s:b, s:s, s:s}", "recurse", 1, "include", "*.yaml",
			 "exclude", "test-*");
	assert_true(json_equal(a->directory, want));
	json_decref(want);

	/* the other kinds: name defaults to the value unless given */
	a = &f->apps[4];
	assert_int_equal(a->kind, KD_APP_APPLICATIONSET);
	assert_string_equal(a->name, "argocd/platform-appset.yaml");
	assert_string_equal(a->path, "argocd/platform-appset.yaml");
	assert_ptr_equal(kd_fleet_app(f, "argocd/platform-appset.yaml"), a);
	a = &f->apps[5];
	assert_int_equal(a->kind, KD_APP_FLUX);
	assert_string_equal(a->name, "flux");
	assert_string_equal(a->path, "clusters/{{name}}");
	assert_null(kd_fleet_app(f, "clusters/{{name}}"));
	kd_fleet_free(f);
}

/* Which apps each cluster gets: one row per app, one column per cluster
 * (us-east-prod, eu-west-prod, staging, dev-1, sandbox.lab). */
static void test_full_targets(void **state)
{
	static const char *const want[] = {
		"11000",  /* platform-services: env=production */
		"10100",  /* monitoring: env in (production,staging), no gpu */
		"11111",  /* everywhere: no selector */
		"00000",  /* nowhere: env=qa matches nothing, which is allowed */
		"11111",  /* the ApplicationSet: its own generators decide */
		"00111",  /* flux: env notin (production) */
	};
	kd_fleet *f = load_fixture("full.yaml");
	size_t i, j;

	(void)state;
	for (i = 0; i < f->napps; i++)
		for (j = 0; j < f->nclusters; j++) {
			bool got = kd_fleet_app_targets(&f->apps[i], &f->clusters[j]);

			if (got != (want[i][j] == '1'))
				fail_msg("app %s on %s: got %d", f->apps[i].name,
					 f->clusters[j].name, got);
		}
	kd_fleet_free(f);
}

static void test_full_policy_and_rest(void **state)
{
	kd_fleet *f = load_fixture("full.yaml");
	const kd_ignore_rule *r;

	(void)state;
	assert_int_equal(f->tracking, KD_TRACKING_ARGOCD_LABEL);
	assert_int_equal(f->npolicies, 3);
	assert_int_equal(f->policies[0].remediation, KD_REMEDIATION_ALERT);
	assert_false(f->policies[0].prune);
	assert_string_equal(f->policies[0].webhook, "https://hooks.example.com/kdrift");
	assert_int_equal(f->policies[1].remediation, KD_REMEDIATION_SELFHEAL);
	assert_true(f->policies[1].prune);
	assert_null(f->policies[1].webhook);

	/* the first matching policy wins; {} catches the rest */
	assert_ptr_equal(kd_fleet_policy(f, &f->clusters[0]), &f->policies[0]);
	assert_ptr_equal(kd_fleet_policy(f, &f->clusters[1]), &f->policies[0]);
	assert_ptr_equal(kd_fleet_policy(f, &f->clusters[2]), &f->policies[1]);
	assert_ptr_equal(kd_fleet_policy(f, &f->clusters[3]), &f->policies[1]);
	assert_ptr_equal(kd_fleet_policy(f, &f->clusters[4]), &f->policies[2]);

	assert_int_equal(f->nignores, 3);
	r = &f->ignores[0];
	assert_string_equal(r->group, "apps");
	assert_string_equal(r->kind, "Deployment");
	assert_null(r->name);
	assert_int_equal(json_array_size(r->json_pointers), 1);
	assert_string_equal(json_string_value(json_array_get(r->json_pointers, 0)),
			    "/spec/replicas");
	assert_null(r->managers);
	r = &f->ignores[1];
	assert_null(r->group);
	assert_string_equal(r->kind, "*");
	assert_string_equal(json_string_value(json_array_get(r->managers, 0)),
			    "kube-controller-manager");
	r = &f->ignores[2];
	assert_string_equal(r->group, "");
	assert_string_equal(r->namespace, "kube-public");
	assert_int_equal(json_array_size(r->json_pointers), 3);

	assert_string_equal(f->breakglass_context, "{{name}}-admin");
	assert_int_equal(f->breakglass_max_seconds, 5400);
	assert_true(json_is_object(f->doc));
	kd_fleet_free(f);
}

/* String maps hold strings as Kubernetes label maps do: null is "", a
 * quoted number keeps its text (see core/fleet/fleet.h). */
static void test_scalar_strings(void **state)
{
	static const char yaml[] =
		"apiVersion: kdrift.dev/v1alpha1\n"
		"kind: Fleet\n"
		"clusters:\n"
		"  - name: a\n"
		"    labels: {quoted: \"010\", word: yes, on: \"true\"}\n"
		"    values: {empty: , nothing: null, neg: \"-3\", real: \"1.10\"}\n";
	kd_fleet *f = NULL;
	const kd_cluster *c;

	(void)state;
	if (kd_fleet_parse(&f, yaml, strlen(yaml), "kdrift.yaml") != 0)
		fail_msg("%s", kd_error_last());
	c = &f->clusters[0];
	assert_string_equal(str(c->labels, "quoted"), "010");
	assert_string_equal(str(c->labels, "word"), "yes");
	assert_string_equal(str(c->labels, "on"), "true");
	assert_string_equal(str(c->values, "empty"), "");
	assert_string_equal(str(c->values, "nothing"), "");
	assert_string_equal(str(c->values, "neg"), "-3");
	assert_string_equal(str(c->values, "real"), "1.10");
	kd_fleet_free(f);
}

static void test_policy_order(void **state)
{
	static const char yaml[] =
		"apiVersion: kdrift.dev/v1alpha1\n"
		"kind: Fleet\n"
		"clusters:\n"
		"  - {name: a, labels: {env: production, critical: \"yes\"}}\n"
		"  - {name: b, labels: {env: production}}\n"
		"  - {name: c, labels: {env: dev}}\n"
		"policy:\n"
		"  - clusters: {matchLabels: {critical: \"yes\"}}\n"
		"    remediation: alert\n"
		"  - clusters: {matchLabels: {env: production}}\n"
		"    remediation: selfHeal\n"
		"  - clusters: {matchLabels: {env: production}}\n"
		"    prune: true\n";
	kd_fleet *f = NULL;

	(void)state;
	assert_int_equal(kd_fleet_parse(&f, yaml, strlen(yaml), "kdrift.yaml"), 0);
	/* a matches policies 0 and 1: the earlier one applies */
	assert_ptr_equal(kd_fleet_policy(f, kd_fleet_cluster(f, "a")), &f->policies[0]);
	/* b skips 0 and stops at 1, never reaching 2 */
	assert_ptr_equal(kd_fleet_policy(f, kd_fleet_cluster(f, "b")), &f->policies[1]);
	/* no policy for c: the caller falls back to alert, no prune */
	assert_null(kd_fleet_policy(f, kd_fleet_cluster(f, "c")));
	/* a policy without remediation or prune means alert and no prune */
	assert_int_equal(f->policies[2].remediation, KD_REMEDIATION_ALERT);
	assert_true(f->policies[2].prune);
	assert_false(f->policies[0].prune);
	kd_fleet_free(f);
}

static void test_defaults(void **state)
{
	static const char yaml[] = "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n";
	kd_fleet *f = NULL;

	(void)state;
	assert_int_equal(kd_fleet_parse(&f, yaml, strlen(yaml), NULL), 0);
	assert_string_equal(f->file, "kdrift.yaml");
	assert_int_equal(f->nclusters, 0);
	assert_int_equal(f->napps, 0);
	assert_int_equal(f->npolicies, 0);
	assert_int_equal(f->nignores, 0);
	assert_int_equal(f->tracking, KD_TRACKING_AUTO);
	assert_string_equal(f->breakglass_context, "{{name}}-breakglass");
	assert_int_equal(f->breakglass_max_seconds, 3600);
	kd_fleet_free(f);
	kd_fleet_free(NULL);
}

/* The GitOps appliers (DESIGN §6 rule 11): the defaults always, the
 * file's own after them, each once; kd_fleet_diff_opts hands them and the
 * ignore rules to every diff. */
static void test_appliers(void **state)
{
	static const char yaml[] = "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
		"ignoreDifferences:\n  - kind: Deployment\n    jsonPointers: [/spec/replicas]\n"
		"appliers:\n  - helm-controller\n  - kustomize-controller\n"
		"  - my-pipeline\n  - helm-controller\n";
	static const char plain[] = "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n";
	const char *const want[] = { "kustomize-controller", "argocd-controller", "kdrift",
				     "helm-controller", "my-pipeline", NULL };
	kd_diff_opts opts;
	kd_fleet *f = NULL;
	size_t i;

	(void)state;
	assert_int_equal(kd_fleet_parse(&f, yaml, strlen(yaml), NULL), 0);
	for (i = 0; want[i]; i++) {
		assert_non_null(f->appliers[i]);
		assert_string_equal(f->appliers[i], want[i]);
	}
	assert_null(f->appliers[i]);
	kd_fleet_diff_opts(&opts, f);
	assert_ptr_equal(opts.appliers, f->appliers);
	assert_ptr_equal(opts.ignores, f->ignores);
	assert_int_equal(opts.nignores, 1);
	assert_false(opts.hpa_managed);
	assert_null(opts.manual_managers);
	assert_null(opts.last_applied);
	kd_fleet_free(f);

	/* without the key: exactly the defaults */
	assert_int_equal(kd_fleet_parse(&f, plain, strlen(plain), NULL), 0);
	for (i = 0; kd_diff_default_appliers[i]; i++)
		assert_string_equal(f->appliers[i], kd_diff_default_appliers[i]);
	assert_int_equal(i, 3);
	assert_null(f->appliers[i]);
	kd_fleet_free(f);

	/* no fleet: the defaults, no ignore rules */
	kd_fleet_diff_opts(&opts, NULL);
	assert_ptr_equal(opts.appliers, kd_diff_default_appliers);
	assert_null(opts.ignores);
	assert_int_equal(opts.nignores, 0);
}

/* Every reference keeps the fleet whole; the last kd_fleet_free frees it
 * (its document, held here, is released exactly then). */
static void test_references(void **state)
{
	static const char yaml[] = "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
				   "clusters:\n  - {name: a}\n";
	kd_fleet *f = NULL;
	json_t *doc;

	(void)state;
	assert_int_equal(kd_fleet_parse(&f, yaml, strlen(yaml), NULL), 0);
	doc = json_incref(f->doc);
	assert_ptr_equal(kd_fleet_ref(f), f);
	assert_null(kd_fleet_ref(NULL));
	kd_fleet_free(f);
	assert_int_equal(doc->refcount, 2);
	assert_non_null(kd_fleet_cluster(f, "a"));
	kd_fleet_free(f);
	assert_int_equal(doc->refcount, 1);
	json_decref(doc);
}

static void test_tracking_values(void **state)
{
	static const struct { const char *text; kd_tracking want; } cases[] = {
		{ "auto", KD_TRACKING_AUTO },
		{ "argocd-annotation", KD_TRACKING_ARGOCD_ANNOTATION },
		{ "argocd-label", KD_TRACKING_ARGOCD_LABEL },
		{ "flux", KD_TRACKING_FLUX },
		{ "kdrift", KD_TRACKING_KDRIFT },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kd_buf y = KD_BUF_INIT;
		kd_fleet *f = NULL;

		assert_int_equal(kd_buf_printf(&y,
			"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\ntracking: %s\n",
			cases[i].text), 0);
		assert_int_equal(kd_fleet_parse(&f, y.data, y.len, "t.yaml"), 0);
		assert_int_equal(f->tracking, cases[i].want);
		kd_fleet_free(f);
		kd_buf_free(&y);
	}
}

static void test_durations(void **state)
{
	static const struct { const char *text; long want; } ok[] = {
		{ "1h", 3600 }, { "30m", 1800 }, { "1h30m", 5400 }, { "90s", 90 },
		{ "1.5h", 5400 }, { "2h0m0s", 7200 }, { "1s", 1 },
		{ "1500ms", 1 }, { "36h", 129600 }, { ".5m", 30 },
		{ "1m30s", 90 }, { "1d", 86400 },
	};
	/* The grammar is base's (tests/unit/base/test_duration.c); the fleet
	 * file puts its position and the member's name in front. */
	static const struct { const char *text; const char *msg; } bad[] = {
		{ "1w", "breakGlass.maxDuration: '1w' is not a duration (write e.g. 90s, 30m, "
			"1h30m or 2d; the units are d, h, m, s and ms)" },
		{ "60", "breakGlass.maxDuration: '60' is not a duration: 60 needs a unit "
			"(d, h, m, s or ms), e.g. 60s or 60m" },
		{ "h", "'h' is not a duration" },
		{ "1h 30m", "'1h 30m' is not a duration" },
		{ "1H", "'1H' is not a duration" },
		{ "-1h", "breakGlass.maxDuration: '-1h' is not a duration: it cannot be negative" },
		{ "0s", "'0s' is shorter than one second" },
		{ "500ms", "'500ms' is shorter than one second" },
		{ "99999999999h", "'99999999999h' is too long" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		kd_buf y = KD_BUF_INIT;
		kd_fleet *f = NULL;

		assert_int_equal(kd_buf_printf(&y,
			"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
			"breakGlass: {maxDuration: \"%s\"}\n", ok[i].text), 0);
		if (kd_fleet_parse(&f, y.data, y.len, "d.yaml") != 0)
			fail_msg("%s: %s", ok[i].text, kd_error_last());
		if (f->breakglass_max_seconds != ok[i].want)
			fail_msg("%s: got %ld, want %ld", ok[i].text,
				 f->breakglass_max_seconds, ok[i].want);
		kd_fleet_free(f);
		kd_buf_free(&y);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kd_buf y = KD_BUF_INIT;
		kd_fleet *f = NULL;

		assert_int_equal(kd_buf_printf(&y,
			"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
			"breakGlass:\n  maxDuration: \"%s\"\n", bad[i].text), 0);
		assert_int_equal(kd_fleet_parse(&f, y.data, y.len, "d.yaml"), KD_EINVAL);
		assert_null(f);
		if (strncmp(kd_error_last(), "d.yaml:4:3: ", 12) != 0 ||
		    !strstr(kd_error_last(), bad[i].msg))
			fail_msg("%s: message \"%s\"", bad[i].text, kd_error_last());
		kd_buf_free(&y);
	}
}

/* Every app path, expanded for every cluster it targets. */
static void test_expand_app_paths(void **state)
{
	kd_fleet *f = load_fixture("full.yaml");
	const kd_app *mon = kd_fleet_app(f, "monitoring");
	json_t *params = NULL;
	char *path = NULL;

	(void)state;
	assert_int_equal(kd_cluster_params(&params, kd_fleet_cluster(f, "eu-west-prod")), 0);
	assert_int_equal(kd_template_expand(&path, f->apps[0].path, params), 0);
	assert_string_equal(path, "clusters/eu-west-prod/platform-services");
	free(path);
	assert_int_equal(kd_template_expand(&path, mon->path, params), 0);
	assert_string_equal(path, "apps/monitoring/overlays/v1.4.2");
	free(path);
	assert_int_equal(kd_template_expand(&path,
		str(f->apps[0].substitute, "region"), params), 0);
	assert_string_equal(path, "eu-west");
	free(path);
	json_decref(params);

	/* staging has no values: the tag stays, so render can say which
	 * parameter is missing */
	assert_int_equal(kd_cluster_params(&params, kd_fleet_cluster(f, "staging")), 0);
	assert_int_equal(kd_template_expand(&path, mon->path, params), 0);
	assert_string_equal(path, "apps/monitoring/overlays/{{ values.revision }}");
	free(path);
	json_decref(params);
	kd_fleet_free(f);
}

static void test_load_from_source(void **state)
{
	char *dir = fixture_dir();
	kd_buf sub = KD_BUF_INIT;
	kd_source *src = NULL;
	kd_fleet *f = NULL;

	(void)state;
	assert_int_equal(kd_source_open_dir(&src, dir), 0);
	assert_int_equal(kd_fleet_load(&f, src, "full.yaml"), 0);
	assert_string_equal(f->file, "full.yaml");
	assert_int_equal(f->nclusters, 5);
	kd_fleet_free(f);

	assert_int_equal(kd_fleet_load(&f, src, NULL), KD_ENOTFOUND);
	assert_null(f);
	assert_non_null(strstr(kd_error_last(), "kdrift.yaml"));
	assert_int_equal(kd_fleet_load(&f, src, "../fleet/full.yaml"), KD_EPATH);
	assert_null(f);
	kd_source_free(src);

	/* without a path, kdrift.yaml at the root */
	assert_int_equal(kd_buf_printf(&sub, "%s/minimal", dir), 0);
	assert_int_equal(kd_source_open_dir(&src, sub.data), 0);
	assert_int_equal(kd_fleet_load(&f, src, NULL), 0);
	assert_string_equal(f->file, "kdrift.yaml");
	assert_int_equal(f->nclusters, 1);
	assert_string_equal(f->clusters[0].context, "kind-dev");
	assert_true(kd_fleet_app_targets(&f->apps[0], &f->clusters[0]));
	assert_null(kd_fleet_policy(f, &f->clusters[0]));
	kd_fleet_free(f);
	kd_source_free(src);
	kd_buf_free(&sub);
	free(dir);
}

#define HDR "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"

/* Every validation error, with the exact message a user sees.  Lines 1-2
 * of most cases are HDR. */
static const struct {
	const char *yaml;
	const char *msg;
} error_cases[] = {
	/* the document and its header */
	{ "", "kdrift.yaml: the fleet file is empty" },
	{ "# nothing but a comment\n", "kdrift.yaml: the fleet file is empty" },
	{ "- a\n- b\n", "kdrift.yaml:1:1: the fleet file must be a mapping, not a list" },
	{ HDR "---\n" HDR, "kdrift.yaml:4:1: expected one YAML document, found 2" },
	{ "kind: Fleet\n", "kdrift.yaml:1:1: the fleet file has no 'apiVersion'" },
	{ "apiVersion: kdrift.dev/v1\nkind: Fleet\n",
	  "kdrift.yaml:1:1: apiVersion is 'kdrift.dev/v1'; this kdrift reads kdrift.dev/v1alpha1" },
	{ "apiVersion: kdrift.dev/v1alpha1\n",
	  "kdrift.yaml:1:1: the fleet file has no 'kind'" },
	{ "apiVersion: kdrift.dev/v1alpha1\nkind: Application\n",
	  "kdrift.yaml:2:1: kind is 'Application'; a fleet file has kind Fleet" },
	{ HDR "clsters: []\n",
	  "kdrift.yaml:3:1: unknown key 'clsters' in the fleet file (did you mean 'clusters'?)" },
	{ HDR "metadata: {name: x}\n",
	  "kdrift.yaml:3:1: unknown key 'metadata' in the fleet file" },
	/* clusters */
	{ HDR "clusters: {a: 1}\n",
	  "kdrift.yaml:3:1: clusters must be a list, not a mapping" },
	{ HDR "clusters:\n  - us-east\n",
	  "kdrift.yaml:4:5: clusters[0] must be a mapping, not a string" },
	{ HDR "clusters:\n  - context: x\n",
	  "kdrift.yaml:4:5: clusters[0] has no 'name'" },
	{ HDR "clusters:\n  - name: 42\n",
	  "kdrift.yaml:4:5: clusters[0].name must be a string, not an integer" },
	{ HDR "clusters:\n  - name: US_East\n",
	  "kdrift.yaml:4:5: cluster name 'US_East' is not a DNS-1123 name (lower-case "
	  "letters, digits, '-' and '.', starting and ending with a letter or digit)" },
	{ HDR "clusters:\n  - name: a\n  - name: -b\n",
	  "kdrift.yaml:5:5: cluster name '-b' is not a DNS-1123 name (lower-case "
	  "letters, digits, '-' and '.', starting and ending with a letter or digit)" },
	{ HDR "clusters:\n  - name: a\n    contxt: b\n",
	  "kdrift.yaml:5:5: unknown key 'contxt' in clusters[0] (did you mean 'context'?)" },
	{ HDR "clusters:\n  - name: a\n    context: \"\"\n",
	  "kdrift.yaml:5:5: clusters[0].context is empty; leave it out to use the cluster name" },
	{ HDR "clusters:\n  - name: a\n    server: ftp://x?token=SECRET\n",
	  "kdrift.yaml:5:5: clusters[0].server must be an https:// or http:// URL" },
	{ HDR "clusters:\n  - name: a\n    labels: [env]\n",
	  "kdrift.yaml:5:5: clusters[0].labels must be a mapping, not a list" },
	{ HDR "clusters:\n  - name: a\n    labels:\n      version: 1.10\n",
	  "kdrift.yaml:6:7: clusters[0].labels.version must be a string; quote the number" },
	/* every typed scalar is refused the same way, wherever a string map is */
	{ HDR "clusters:\n  - name: a\n    labels:\n      n: 42\n",
	  "kdrift.yaml:6:7: clusters[0].labels.n must be a string; quote the number" },
	{ HDR "clusters:\n  - name: a\n    labels:\n      octal: 010\n",
	  "kdrift.yaml:6:7: clusters[0].labels.octal must be a string; quote the number" },
	{ HDR "clusters:\n  - name: a\n    labels:\n      on: true\n",
	  "kdrift.yaml:6:7: clusters[0].labels.on must be a string; quote the value (\"true\")" },
	{ HDR "clusters:\n  - name: a\n    values: {x: y, off: false}\n",
	  "kdrift.yaml:5:20: clusters[0].values.off must be a string; quote the value (\"false\")" },
	{ HDR "clusters:\n  - name: a\napps:\n  - name: x\n    path: x\n    substitute: {N: 3}\n",
	  "kdrift.yaml:8:18: apps[0].substitute.N must be a string; quote the number" },
	{ HDR "clusters:\n  - name: a\npolicy:\n  - clusters: {matchLabels: {tier: 1}}\n    remediation: alert\n",
	  "kdrift.yaml:6:30: policy[0].clusters.matchLabels.tier must be a string; quote the number" },
	/* keys holding '/' and '~' still find their line */
	{ HDR "clusters:\n  - name: a\n    labels:\n      x: y\n      example.com/v: 1.5\n",
	  "kdrift.yaml:7:7: clusters[0].labels.example.com/v must be a string; quote the number" },
	{ HDR "clusters:\n  - name: a\n    values:\n      x: y\n      a/b~1: 1.5\n",
	  "kdrift.yaml:7:7: clusters[0].values.a/b~1 must be a string; quote the number" },
	{ HDR "clusters:\n  - name: a\n    labels:\n      env: {a: b}\n",
	  "kdrift.yaml:6:7: clusters[0].labels.env must be a string, not a mapping" },
	{ HDR "clusters:\n  - name: a\n    labels:\n      env: prod east\n",
	  "kdrift.yaml:6:7: clusters[0].labels.env: 'prod east' is not a valid label value "
	  "(up to 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric)" },
	{ HDR "clusters:\n  - name: a\n    labels:\n      \"my env\": x\n",
	  "kdrift.yaml:6:7: key 'my env' in clusters[0].labels is not a valid label key "
	  "(an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' or "
	  "'.', starting and ending alphanumeric)" },
	{ HDR "clusters:\n  - name: a\n    values:\n      list: [1, 2]\n",
	  "kdrift.yaml:6:7: clusters[0].values.list must be a string, not a list" },
	{ HDR "clusters:\n  - name: a\n  - name: b\n  - name: a\n",
	  "kdrift.yaml:6:5: duplicate cluster name 'a' in clusters[2]; clusters[0] at "
	  "line 4 has the same name" },
	/* apps */
	{ HDR "apps:\n  - name: x\n",
	  "kdrift.yaml:4:5: apps[0] needs one of path, applicationSet or fluxKustomizations" },
	{ HDR "apps:\n  - path: a\n", "kdrift.yaml:4:5: apps[0] has no 'name'" },
	{ HDR "apps:\n  - name: \"\"\n    path: a\n", "kdrift.yaml:4:5: apps[0].name is empty" },
	{ HDR "apps:\n  - name: a\n    path: a\n  - name: b\n    path: b\n"
	  "  - name: c\n    path: c\n    foo: 1\n",
	  "kdrift.yaml:10:5: unknown key 'foo' in apps[2]" },
	{ HDR "apps:\n  - name: x\n    path: a\n    applicationSet: b.yaml\n",
	  "kdrift.yaml:6:5: apps[0] has both 'path' and 'applicationSet'; an app has "
	  "exactly one of path, applicationSet and fluxKustomizations" },
	{ HDR "apps:\n  - name: x\n    path: [a]\n",
	  "kdrift.yaml:5:5: apps[0].path must be a string, not a list" },
	{ HDR "apps:\n  - name: x\n    path: ../other\n",
	  "kdrift.yaml:5:5: apps[0].path: path '../other' leaves the repository root" },
	{ HDR "apps:\n  - name: x\n    path: /etc/{{name}}\n",
	  "kdrift.yaml:5:5: apps[0].path: path '/etc/{{name}}' is absolute; paths must "
	  "be relative to the repository root" },
	{ HDR "apps:\n  - name: x\n    path: \"\"\n", "kdrift.yaml:5:5: apps[0].path is empty" },
	{ HDR "apps:\n  - applicationSet: ../appset.yaml\n",
	  "kdrift.yaml:4:5: apps[0].applicationSet: path '../appset.yaml' leaves the "
	  "repository root" },
	{ HDR "apps:\n  - applicationSet: a.yaml\n    substitute: {a: b}\n",
	  "kdrift.yaml:5:5: apps[0].substitute applies only to path apps, not to "
	  "applicationSet entries" },
	{ HDR "apps:\n  - fluxKustomizations: clusters\n    namespace: x\n",
	  "kdrift.yaml:5:5: apps[0].namespace applies only to path apps, not to "
	  "fluxKustomizations entries" },
	{ HDR "apps:\n  - name: x\n    path: a\n    namespace: Platform\n",
	  "kdrift.yaml:6:5: apps[0].namespace: 'Platform' is not a DNS-1123 label (up to "
	  "63 lower-case letters, digits and '-', starting and ending with a letter or digit)" },
	{ HDR "apps:\n  - name: x\n    path: a\n    clusters:\n",
	  "kdrift.yaml:6:5: apps[0].clusters is empty; write {} to select every cluster" },
	{ HDR "apps:\n  - name: x\n    path: a\n    clusters: {env: production}\n",
	  "kdrift.yaml:6:16: unknown key 'env' in apps[0].clusters" },
	{ HDR "apps:\n  - name: x\n    path: a\n    clusters:\n      matchExpressions:\n"
	  "        - key: env\n          operator: Exists\n          values: [a]\n",
	  "kdrift.yaml:10:11: apps[0].clusters.matchExpressions[0].values: operator "
	  "Exists takes no values" },
	{ HDR "apps:\n  - name: x\n    path: a\n    clusters:\n      matchExpressions:\n"
	  "        - key: env\n          operator: In\n",
	  "kdrift.yaml:8:11: apps[0].clusters.matchExpressions[0]: operator In needs at "
	  "least one value" },
	{ HDR "apps:\n  - name: x\n    path: a\n    clusters:\n      matchExpressions:\n"
	  "        - key: env\n          operator: Equals\n          values: [a]\n",
	  "kdrift.yaml:9:11: apps[0].clusters.matchExpressions[0].operator: unknown "
	  "operator 'Equals' (want In, NotIn, Exists or DoesNotExist)" },
	{ HDR "apps:\n  - name: x\n    path: a\n    substitute: {my-var: x}\n",
	  "kdrift.yaml:6:18: key 'my-var' in apps[0].substitute is not a variable name "
	  "(letters, digits and '_', not starting with a digit)" },
	{ HDR "apps:\n  - name: x\n    path: a\n    substituteFrom: {path: a}\n",
	  "kdrift.yaml:6:5: apps[0].substituteFrom must be a list, not a mapping" },
	{ HDR "apps:\n  - name: x\n    path: a\n    substituteFrom:\n      - optional: true\n",
	  "kdrift.yaml:7:9: apps[0].substituteFrom[0] has no 'path'" },
	{ HDR "apps:\n  - name: x\n    path: a\n    substituteFrom:\n      - path: a\n"
	  "        optional: \"no\"\n",
	  "kdrift.yaml:8:9: apps[0].substituteFrom[0].optional must be true or false, "
	  "not a string" },
	{ HDR "apps:\n  - name: x\n    path: a\n    substituteFrom:\n      - path: ../x.yaml\n",
	  "kdrift.yaml:7:9: apps[0].substituteFrom[0].path: path '../x.yaml' leaves the "
	  "repository root" },
	{ HDR "apps:\n  - name: x\n    path: a\n    directory: {recurse: maybe}\n",
	  "kdrift.yaml:6:17: apps[0].directory.recurse must be true or false, not a string" },
	{ HDR "apps:\n  - name: x\n    path: a\n    directory: {jsonnet: {}}\n",
	  "kdrift.yaml:6:17: unknown key 'jsonnet' in apps[0].directory" },
	{ HDR "apps:\n  - applicationSet: argocd/x.yaml\n  - name: argocd/x.yaml\n    path: y\n",
	  "kdrift.yaml:5:5: duplicate app name 'argocd/x.yaml' in apps[1]; apps[0] at "
	  "line 4 has the same name" },
	/* tracking */
	{ HDR "tracking: argocd\n",
	  "kdrift.yaml:3:1: unknown tracking 'argocd' (want auto, argocd-annotation, "
	  "argocd-label, flux or kdrift)" },
	{ HDR "tracking: [auto]\n", "kdrift.yaml:3:1: tracking must be a string, not a list" },
	/* policy */
	{ HDR "policy: {remediation: alert}\n",
	  "kdrift.yaml:3:1: policy must be a list, not a mapping" },
	{ HDR "policy:\n  - remediation: selfheal\n",
	  "kdrift.yaml:4:5: policy[0].remediation: unknown remediation 'selfheal' (want "
	  "alert or selfHeal)" },
	{ HDR "policy:\n  - prune: \"false\"\n",
	  "kdrift.yaml:4:5: policy[0].prune must be true or false, not a string" },
	{ HDR "policy:\n  - prnue: true\n",
	  "kdrift.yaml:4:5: unknown key 'prnue' in policy[0] (did you mean 'prune'?)" },
	{ HDR "policy:\n  - webhook: hooks.example.com/x?token=SECRET\n",
	  "kdrift.yaml:4:5: policy[0].webhook must be an https:// or http:// URL" },
	{ HDR "policy:\n  - clusters: {matchLabels: {env: [a]}}\n",
	  "kdrift.yaml:4:30: policy[0].clusters.matchLabels.env must be a string, not a list" },
	/* ignoreDifferences */
	{ HDR "ignoreDifferences:\n  - kind: Deployment\n",
	  "kdrift.yaml:4:5: ignoreDifferences[0] ignores nothing: give jsonPointers or "
	  "managedFieldsManagers" },
	{ HDR "ignoreDifferences:\n  - kind: Deployment\n    jsonPointers: [spec/replicas]\n",
	  "kdrift.yaml:5:20: ignoreDifferences[0].jsonPointers[0]: 'spec/replicas' is not "
	  "a JSON pointer (RFC 6901: '/a/b', with '~0' for '~' and '~1' for '/')" },
	{ HDR "ignoreDifferences:\n  - kind: Deployment\n    jsonPointers:\n      - /spec\n"
	  "      - /a~2b\n",
	  "kdrift.yaml:7:9: ignoreDifferences[0].jsonPointers[1]: '/a~2b' is not a JSON "
	  "pointer (RFC 6901: '/a/b', with '~0' for '~' and '~1' for '/')" },
	{ HDR "ignoreDifferences:\n  - kind: Deployment\n    jsonPointers: /spec\n",
	  "kdrift.yaml:5:5: ignoreDifferences[0].jsonPointers must be a list, not a string" },
	{ HDR "ignoreDifferences:\n  - kind: Deployment\n    managedFieldsManagers: [\"\"]\n",
	  "kdrift.yaml:5:29: ignoreDifferences[0].managedFieldsManagers[0] is empty" },
	{ HDR "ignoreDifferences:\n  - kind: Deployment\n    jqPathExpressions: [.spec]\n",
	  "kdrift.yaml:5:5: ignoreDifferences[0].jqPathExpressions is not supported; use "
	  "jsonPointers" },
	{ HDR "ignoreDifferences:\n  - kind: 5\n    jsonPointers: [/a]\n",
	  "kdrift.yaml:4:5: ignoreDifferences[0].kind must be a string, not an integer" },
	/* appliers */
	{ HDR "appliers: flux-applier\n",
	  "kdrift.yaml:3:1: appliers must be a list, not a string" },
	{ HDR "appliers:\n  - my-applier\n  - {name: x}\n",
	  "kdrift.yaml:5:5: appliers[1] must be a field manager name (a string), not a mapping" },
	{ HDR "appliers: [\"\"]\n",
	  "kdrift.yaml:3:12: appliers[0]: a field manager name is 1 to 128 printable characters" },
	{ HDR "appliers: [\"a\\tb\"]\n",
	  "kdrift.yaml:3:12: appliers[0]: a field manager name is 1 to 128 printable characters" },
	{ HDR "appliers: [" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
	  "kdrift.yaml:3:12: appliers[0]: a field manager name is 1 to 128 printable characters" },
	{ HDR "applier: [x]\n",
	  "kdrift.yaml:3:1: unknown key 'applier' in the fleet file (did you mean 'appliers'?)" },
	/* breakGlass */
	{ HDR "breakGlass: 1h\n", "kdrift.yaml:3:1: breakGlass must be a mapping, not a string" },
	{ HDR "breakGlass:\n  maxDuration: 1w\n",
	  "kdrift.yaml:4:3: breakGlass.maxDuration: '1w' is not a duration (write e.g. "
	  "90s, 30m, 1h30m or 2d; the units are d, h, m, s and ms)" },
	/* a bare number is refused with the units, as on the command line */
	{ HDR "breakGlass:\n  maxDuration: 90\n",
	  "kdrift.yaml:4:3: breakGlass.maxDuration: '90' is not a duration: 90 needs a unit "
	  "(d, h, m, s or ms), e.g. 90s or 90m" },
	{ HDR "breakGlass:\n  maxDuration: \"3600\"\n",
	  "kdrift.yaml:4:3: breakGlass.maxDuration: '3600' is not a duration: 3600 needs a "
	  "unit (d, h, m, s or ms), e.g. 3600s or 3600m" },
	{ HDR "breakGlass:\n  maxDuration: 1.5\n",
	  "kdrift.yaml:4:3: breakGlass.maxDuration: '1.5' is not a duration: 1.5 needs a "
	  "unit (d, h, m, s or ms), e.g. 1.5s or 1.5m" },
	{ HDR "breakGlass:\n  maxDuration: [1h]\n",
	  "kdrift.yaml:4:3: breakGlass.maxDuration must be a duration such as 1h, 30m or "
	  "1h30m, not a list" },
	{ HDR "breakGlass:\n  context: \"\"\n", "kdrift.yaml:4:3: breakGlass.context is empty" },
	{ HDR "breakGlass:\n  duration: 1h\n",
	  "kdrift.yaml:4:3: unknown key 'duration' in breakGlass" },
};

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const char *y = error_cases[i].yaml;
		kd_fleet *f = (kd_fleet *)1;
		int rc = kd_fleet_parse(&f, y, strlen(y), "kdrift.yaml");

		if (rc != KD_EINVAL)
			fail_msg("case %zu parsed (rc %d), want:\n  %s", i, rc,
				 error_cases[i].msg);
		assert_null(f);
		if (strcmp(kd_error_last(), error_cases[i].msg) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i,
				 kd_error_last(), error_cases[i].msg);
		/* nothing that looks like a credential is echoed */
		assert_null(strstr(kd_error_last(), "SECRET"));
	}
}

/* YAML syntax errors come through with the parser's position. */
static void test_yaml_errors(void **state)
{
	static const char bad[] = HDR "clusters: [a\n";
	kd_fleet *f = NULL;

	(void)state;
	assert_true(kd_fleet_parse(&f, bad, strlen(bad), "kdrift.yaml") < 0);
	assert_null(f);
	assert_int_equal(strncmp(kd_error_last(), "kdrift.yaml:", 12), 0);
}

/* Every prefix of a real fleet file either parses or fails with a
 * positioned message; none crashes or leaks (run under ASan/valgrind). */
static void test_truncated_files(void **state)
{
	char *dir = fixture_dir();
	kd_buf path = KD_BUF_INIT, data = KD_BUF_INIT;
	size_t n, failures = 0;

	(void)state;
	assert_int_equal(kd_buf_printf(&path, "%s/full.yaml", dir), 0);
	assert_int_equal(kd_buf_read_file(&data, path.data, 0), 0);
	for (n = 0; n <= data.len; n++) {
		kd_fleet *f = NULL;
		int rc = kd_fleet_parse(&f, data.data, n, "full.yaml");

		if (rc == 0) {
			assert_non_null(f);
			kd_fleet_free(f);
			continue;
		}
		failures++;
		assert_null(f);
		if (strncmp(kd_error_last(), "full.yaml", 9) != 0)
			fail_msg("prefix %zu: message \"%s\"", n, kd_error_last());
	}
	/* the cut-off header and cut-off names must have failed */
	assert_true(failures > 0);
	kd_buf_free(&path);
	kd_buf_free(&data);
	free(dir);
}

static kd_fleet *parse_audit(const char *audit_yaml, int want_rc)
{
	kd_buf y = KD_BUF_INIT;
	kd_fleet *f = NULL;

	assert_int_equal(kd_buf_printf(&y, "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n%s",
				       audit_yaml), 0);
	assert_int_equal(kd_fleet_parse(&f, y.data, y.len, "a.yaml"), want_rc);
	kd_buf_free(&y);
	return f;
}

/* audit.keyFile: a path on the operator's machine, so absolute or ~/. */
static void test_audit_key_file(void **state)
{
	kd_fleet *f;

	(void)state;
	f = parse_audit("", 0);
	assert_null(f->audit_key_file);
	kd_fleet_free(f);
	f = parse_audit("audit: {keyFile: /etc/kdrift/audit.key}\n", 0);
	assert_string_equal(f->audit_key_file, "/etc/kdrift/audit.key");
	kd_fleet_free(f);
	f = parse_audit("audit:\n  keyFile: ~/.config/kdrift/audit.key\n", 0);
	assert_string_equal(f->audit_key_file, "~/.config/kdrift/audit.key");
	kd_fleet_free(f);
	assert_null(parse_audit("audit:\n  keyFile: keys/audit.key\n", KD_EINVAL));
	assert_non_null(strstr(kd_error_last(), "a.yaml:4:"));
	assert_non_null(strstr(kd_error_last(), "absolute path or start with ~/"));
	assert_null(parse_audit("audit:\n  key: /k\n", KD_EINVAL));
	assert_null(parse_audit("audit:\n  keyFile: [1]\n", KD_EINVAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_clusters),
		cmocka_unit_test(test_full_apps),
		cmocka_unit_test(test_full_targets),
		cmocka_unit_test(test_full_policy_and_rest),
		cmocka_unit_test(test_scalar_strings),
		cmocka_unit_test(test_policy_order),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_appliers),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_tracking_values),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_expand_app_paths),
		cmocka_unit_test(test_load_from_source),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_truncated_files),
		cmocka_unit_test(test_audit_key_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
