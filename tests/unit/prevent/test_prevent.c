/*
 * Tests for core/prevent: the scope rendered from tests/fixtures/policy/repo
 * (namespaces, kinds by the kinds table, a CRD from Git or a guess,
 * cluster-scoped objects, the identities in order), the plural guess, the
 * documents of each format in both modes, CEL quoting, and the errors.
 * tests/integration/policy.sh checks the text against golden files and
 * asks each policy who gets through.
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

#include "base/base.h"
#include "data/data.h"
#include "fleet/fleet.h"
#include "prevent/prevent.h"
#include "source/source.h"

typedef struct fixture {
	kd_source *src;
	kd_fleet *fleet;
	kd_prevent_scope *scope;
} fixture;

static int setup(void **state)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf dir = KD_BUF_INIT;
	kd_selector sel;
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(kd_buf_printf(&dir, "%s/tests/fixtures/policy/repo", root ? root : "."), 0);
	assert_int_equal(kd_source_open_dir(&f->src, dir.data), 0);
	if (kd_fleet_load(&f->fleet, f->src, NULL) < 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(kd_selector_parse_text(&sel, "env=production"), 0);
	if (kd_prevent_scope_new(&f->scope, f->src, f->fleet, &sel) < 0)
		fail_msg("%s", kd_error_last());
	kd_selector_free(&sel);
	kd_buf_free(&dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	kd_prevent_scope_free(f->scope);
	kd_fleet_free(f->fleet);
	kd_source_free(f->src);
	free(f);
	return 0;
}

static void assert_joined(const json_t *arr, const char *want)
{
	kd_buf b = KD_BUF_INIT;
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		kd_buf_printf(&b, "%s%s", i ? "," : "", json_string_value(v));
	assert_string_equal(kd_buf_cstr(&b), want);
	kd_buf_free(&b);
}

static void test_scope(void **state)
{
	fixture *f = *state;
	const kd_prevent_scope *s = f->scope;
	kd_buf kinds = KD_BUF_INIT, objects = KD_BUF_INIT;
	size_t i;
	json_t *v;

	assert_joined(s->clusters, "prod-eu,prod-us");
	/* shop from the app's namespace, platform from the objects and from
	 * the Namespace object; dev's sandbox is not selected */
	assert_joined(s->namespaces, "platform,shop");
	json_array_foreach(s->kinds, i, v)
		kd_buf_printf(&kinds, "%s/%s=%s%s ", kd_json_str(v, "group"), kd_json_str(v, "kind"),
			      kd_json_str(v, "resource"),
			      json_is_true(json_object_get(v, "guessed")) ? "?" : "");
	assert_string_equal(kinds.data,
		"/ConfigMap=configmaps /Service=services apps/Deployment=deployments "
		"example.com/Widget=widgets monitoring.coreos.com/ServiceMonitor=servicemonitors? "
		"networking.k8s.io/NetworkPolicy=networkpolicies "
		"rbac.authorization.k8s.io/RoleBinding=rolebindings ");
	json_array_foreach(s->objects, i, v)
		kd_buf_printf(&objects, "%s/%s=%s/%s ", kd_json_str(v, "group"), kd_json_str(v, "kind"),
			      kd_json_str(v, "resource"), kd_json_str(v, "name"));
	/* Gadget's plural is the CRD's ("gadgetries"), not a guess */
	assert_string_equal(objects.data,
		"/Namespace=namespaces/platform "
		"apiextensions.k8s.io/CustomResourceDefinition=customresourcedefinitions/gadgetries.example.com "
		"apiextensions.k8s.io/CustomResourceDefinition=customresourcedefinitions/widgets.example.com "
		"example.com/Gadget=gadgetries/big "
		"rbac.authorization.k8s.io/ClusterRole=clusterroles/platform-reader ");
	assert_joined(s->users, "system:serviceaccount:flux-system:kustomize-controller,"
		      "o'neil@example.com,system:kube-controller-manager,system:kube-scheduler,"
		      "system:apiserver");
	/* the break-glass group first: the message names it */
	assert_joined(s->groups, "ops:break-glass,system:serviceaccounts:flux-system,"
		      "system:serviceaccounts:kube-system,system:nodes");
	assert_joined(s->notes, "ServiceMonitor.monitoring.coreos.com: no CustomResourceDefinition "
		      "in Git; its resource name is guessed as 'servicemonitors'");
	assert_string_equal(s->revision, "directory");
	assert_string_equal(s->fleet_file, "kdrift.yaml");
	kd_buf_free(&kinds);
	kd_buf_free(&objects);
}

static void test_guess_plural(void **state)
{
	static const char *const cases[][2] = {
		{ "GitRepository", "gitrepositories" }, { "Kustomization", "kustomizations" },
		{ "Ingress", "ingresses" }, { "HelmRelease", "helmreleases" },
		{ "Policy", "policies" }, { "X", "xs" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = NULL;

		assert_int_equal(kd_prevent_guess_plural(&p, cases[i][0]), 0);
		assert_string_equal(p, cases[i][1]);
		free(p);
	}
}

static void test_formats(void **state)
{
	kd_prevent_format f;

	(void)state;
	assert_int_equal(kd_prevent_format_parse(&f, "kyverno"), 0);
	assert_int_equal(f, KD_PREVENT_KYVERNO);
	assert_int_equal(kd_prevent_format_parse(&f, "gatekeeper"), 0);
	assert_int_equal(f, KD_PREVENT_GATEKEEPER);
	assert_int_equal(kd_prevent_format_parse(&f, "vap"), 0);
	assert_string_equal(kd_prevent_format_name(f), "vap");
	assert_int_equal(kd_prevent_format_parse(&f, "VAP"), KD_EINVAL);
	assert_string_equal(kd_error_last(),
			    "unknown policy format 'VAP' (want kyverno, gatekeeper or vap)");
}

static const char *doc_kind(const json_t *docs, size_t i)
{
	return kd_json_str(json_array_get(docs, i), "kind");
}

static json_t *at(const json_t *v, const char *pointer)
{
	json_t *out = NULL;

	if (kd_json_pointer_get(&out, v, pointer) < 0)
		fail_msg("%s: %s", pointer, kd_error_last());
	return out;
}

static void test_documents(void **state)
{
	fixture *f = *state;
	json_t *docs = NULL;
	int audit;

	for (audit = 0; audit <= 1; audit++) {
		assert_int_equal(kd_prevent_documents(&docs, f->scope, KD_PREVENT_KYVERNO, audit), 0);
		assert_int_equal(json_array_size(docs), 1);
		assert_string_equal(doc_kind(docs, 0), "ClusterPolicy");
		assert_string_equal(json_string_value(at(docs, "/0/spec/validationFailureAction")),
				    audit ? "Audit" : "Enforce");
		assert_true(json_is_false(at(docs, "/0/spec/background")));
		assert_int_equal(json_array_size(at(docs, "/0/spec/rules")), 2);
		json_decref(docs);

		assert_int_equal(kd_prevent_documents(&docs, f->scope, KD_PREVENT_GATEKEEPER, audit), 0);
		assert_int_equal(json_array_size(docs), 3);
		assert_string_equal(doc_kind(docs, 0), "ConstraintTemplate");
		assert_string_equal(doc_kind(docs, 1), "KdriftGitOpsOnly");
		assert_string_equal(doc_kind(docs, 2), "KdriftGitOpsOnly");
		assert_string_equal(json_string_value(at(docs, "/1/spec/enforcementAction")),
				    audit ? "warn" : "deny");
		assert_string_equal(json_string_value(at(docs, "/2/spec/parameters/objects/3/name")), "big");
		json_decref(docs);

		assert_int_equal(kd_prevent_documents(&docs, f->scope, KD_PREVENT_VAP, audit), 0);
		assert_int_equal(json_array_size(docs), 2);
		assert_string_equal(doc_kind(docs, 0), "ValidatingAdmissionPolicy");
		assert_string_equal(doc_kind(docs, 1), "ValidatingAdmissionPolicyBinding");
		assert_string_equal(json_string_value(at(docs, "/1/spec/validationActions/0")),
				    audit ? "Audit" : "Deny");
		assert_int_equal(json_array_size(at(docs, "/1/spec/validationActions")), audit ? 2 : 1);
		/* a quote in a name is escaped inside the CEL string literal */
		assert_non_null(strstr(json_string_value(at(docs, "/0/spec/variables/0/expression")),
				       "\n  'o\\'neil@example.com',\n"));
		json_decref(docs);
	}
}

/* The text: a header comment, then the documents as a YAML stream that
 * parses back to the same documents. */
static void test_export(void **state)
{
	fixture *f = *state;
	kd_buf text = KD_BUF_INIT;
	json_t *docs = NULL, *parsed = NULL;

	assert_int_equal(kd_prevent_export(&text, f->scope, KD_PREVENT_GATEKEEPER, true), 0);
	assert_int_equal(strncmp(text.data, "# Admission policies written by `kdrift policy export "
				 "--format gatekeeper --audit`\n# from kdrift.yaml, revision directory.\n",
				 strlen("# Admission policies written by `kdrift policy export "
					"--format gatekeeper --audit`\n# from kdrift.yaml, revision directory.\n")),
			 0);
	assert_non_null(strstr(text.data, "\n# clusters (2): prod-eu, prod-us\n# namespaces (2): platform, shop\n---\n"));
	assert_int_equal(kd_yaml_parse(&parsed, NULL, text.data, text.len, "policy.yaml", NULL), 0);
	assert_int_equal(kd_prevent_documents(&docs, f->scope, KD_PREVENT_GATEKEEPER, true), 0);
	assert_true(kd_json_equal(docs, parsed));
	/* the Rego stays a literal block */
	assert_non_null(strstr(text.data, "  - rego: |\n      package kdriftgitopsonly\n"));
	json_decref(docs);
	json_decref(parsed);
	kd_buf_free(&text);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	kd_buf p = KD_BUF_INIT;
	FILE *fp;

	assert_int_equal(kd_buf_printf(&p, "%s/%s", dir, name), 0);
	assert_int_equal(kd_fs_mkdirs_for(p.data), 0);
	assert_non_null(fp = fopen(p.data, "w"));
	fputs(text, fp);
	fclose(fp);
	kd_buf_free(&p);
}

static void test_errors(void **state)
{
	static const char fleet_text[] =
		"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
		"clusters:\n  - name: one\n    labels: {env: dev}\n"
		"apps:\n  - name: empty\n    path: empty\n";
	char dir[] = "/tmp/kdrift-prevent-XXXXXX";
	kd_prevent_scope *scope = (kd_prevent_scope *)1;
	kd_source *src = NULL;
	kd_fleet *fleet = NULL;
	kd_selector sel;
	kd_buf rm = KD_BUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "empty/README.md", "nothing to apply here\n");
	assert_int_equal(kd_source_open_dir(&src, dir), 0);
	assert_int_equal(kd_fleet_parse(&fleet, fleet_text, strlen(fleet_text), "kdrift.yaml"), 0);
	assert_int_equal(kd_prevent_scope_new(&scope, src, fleet, NULL), KD_ENOTFOUND);
	assert_null(scope);
	assert_string_equal(kd_error_last(), "the apps of the selected clusters declare no objects: "
			    "there is nothing to protect");
	assert_int_equal(kd_selector_parse_text(&sel, "env=prod"), 0);
	assert_int_equal(kd_prevent_scope_new(&scope, src, fleet, &sel), KD_ENOTFOUND);
	assert_string_equal(kd_error_last(), "no cluster of kdrift.yaml matches the selection");
	kd_selector_free(&sel);
	kd_fleet_free(fleet);
	kd_source_free(src);
	assert_int_equal(kd_buf_printf(&rm, "rm -rf '%s'", dir), 0);
	assert_int_equal(system(rm.data), 0);
	kd_buf_free(&rm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test(test_guess_plural),
		cmocka_unit_test(test_formats),
		cmocka_unit_test_setup_teardown(test_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
