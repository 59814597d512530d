/*
 * Tests for core/engine/engine_unmanaged.c: which live objects count as
 * made by hand (owners, controllers, automatic objects, subresource
 * writes), who made them and when, the kinds looked at (and that the man
 * page lists every one), and a state's list.
 * tests/integration/unmanaged.sh runs `check --unmanaged` against kubesim.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"
#include "engine/engine.h"

static json_t *object(const char *yaml)
{
	json_t *o = NULL;

	if (kd_yaml_parse_one(&o, NULL, yaml, strlen(yaml), "test.yaml", NULL) < 0)
		fail_msg("%s", kd_error_last());
	return o;
}

#define CM(meta) "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: shop\n" \
	"  creationTimestamp: \"2026-11-20T10:00:00Z\"\n" meta
#define MF(manager, time, sub) "    - {manager: " manager ", operation: Update, time: \"" time "\"" sub "}\n"

static const struct {
	const char *name, *yaml;
	bool listed;
	const char *manager, *time;
} cases[] = {
	{ "made with kubectl", CM("  managedFields:\n" MF("kubectl-create", "2026-11-20T10:00:00Z", "")),
	  true, "kubectl-create", "2026-11-20T10:00:00Z" },
	{ "a controller annotated it later: still by hand, made by the earliest hand",
	  CM("  managedFields:\n" MF("kube-controller-manager", "2026-11-20T10:00:05Z", "")
	     MF("kubectl-edit", "2026-11-21T09:00:00Z", "") MF("kubectl-create", "2026-11-20T10:00:00Z", "")),
	  true, "kubectl-create", "2026-11-20T10:00:00Z" },
	{ "only controllers wrote it",
	  CM("  managedFields:\n" MF("kube-controller-manager", "2026-11-20T10:00:00Z", "")
	     MF("kustomize-controller", "2026-11-20T10:00:01Z", "")),
	  false, NULL, NULL },
	{ "a status write says nothing about who made it",
	  CM("  managedFields:\n" MF("kube-controller-manager", "2026-11-20T10:00:00Z", "")
	     MF("kubectl-patch", "2026-11-20T10:00:01Z", ", subresource: status")),
	  false, NULL, NULL },
	{ "no managedFields: listed, maker unknown", CM(""), true, NULL, "2026-11-20T10:00:00Z" },
	{ "owned by a controller",
	  CM("  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1}]\n"
	     "  managedFields:\n" MF("kubectl-create", "2026-11-20T10:00:00Z", "")),
	  false, NULL, NULL },
	{ "kube-root-ca.crt", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-root-ca.crt, namespace: shop}\n",
	  false, NULL, NULL },
	{ "the default ServiceAccount", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: shop}\n",
	  false, NULL, NULL },
	{ "another ServiceAccount", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: deployer, namespace: shop}\n",
	  true, NULL, NULL },
	{ "a service-account token", "apiVersion: v1\nkind: Secret\nmetadata: {name: t, namespace: shop}\n"
	  "type: kubernetes.io/service-account-token\n", false, NULL, NULL },
	{ "a Helm release by name", "apiVersion: v1\nkind: Secret\nmetadata: {name: sh.helm.release.v1.web.v3, namespace: shop}\n",
	  false, NULL, NULL },
	{ "a Helm release by type", "apiVersion: v1\nkind: Secret\nmetadata: {name: rel, namespace: shop}\ntype: helm.sh/release.v1\n",
	  false, NULL, NULL },
	{ "an opaque Secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: shop}\ntype: Opaque\n",
	  true, NULL, NULL },
};

static void test_candidates(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = object(cases[i].yaml);
		const char *manager = "unset", *time = "unset";
		bool listed = kd_unmanaged_candidate(o, &manager, &time);

		if (listed != cases[i].listed)
			fail_msg("%s: listed %d, want %d", cases[i].name, listed, cases[i].listed);
		if (listed) {
			if ((manager == NULL) != (cases[i].manager == NULL) ||
			    (manager && strcmp(manager, cases[i].manager)))
				fail_msg("%s: manager %s, want %s", cases[i].name,
					 manager ? manager : "(null)",
					 cases[i].manager ? cases[i].manager : "(null)");
			if ((time == NULL) != (cases[i].time == NULL) ||
			    (time && strcmp(time, cases[i].time)))
				fail_msg("%s: time %s", cases[i].name, time ? time : "(null)");
		}
		json_decref(o);
	}
}

static void test_kinds(void **state)
{
	(void)state;
	assert_true(kd_unmanaged_kind("", "ConfigMap"));
	assert_true(kd_unmanaged_kind("apps", "Deployment"));
	assert_true(kd_unmanaged_kind("rbac.authorization.k8s.io", "RoleBinding"));
	assert_false(kd_unmanaged_kind("", "Event"));
	assert_false(kd_unmanaged_kind("", "Endpoints"));
	assert_false(kd_unmanaged_kind("coordination.k8s.io", "Lease"));
	assert_false(kd_unmanaged_kind("discovery.k8s.io", "EndpointSlice"));
	assert_false(kd_unmanaged_kind("apps", "ControllerRevision"));
	assert_false(kd_unmanaged_kind("apps", "ConfigMap"));   /* the group counts */
	assert_string_equal(kd_unmanaged_glyph(false), "\xe2\x9c\x8e");
	assert_string_equal(kd_unmanaged_glyph(true), "#");
}

/* The man page's list of kinds is the code's. */
static void test_man_page_lists_the_kinds(void **state)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf path = KD_BUF_INIT, man = KD_BUF_INIT;
	const kd_group_kind *k;
	const char *section;

	(void)state;
	assert_int_equal(kd_buf_printf(&path, "%s/man/kdrift.1", root ? root : "."), 0);
	assert_int_equal(kd_buf_read_file(&man, path.data, 0), 0);
	section = strstr(man.data, ".SS Unmanaged objects");
	assert_non_null(section);
	for (k = kd_unmanaged_kinds(); k->kind; k++)
		if (!strstr(section, k->kind))
			fail_msg("man/kdrift.1 does not list %s under Unmanaged objects", k->kind);
	kd_buf_free(&path);
	kd_buf_free(&man);
}

static void test_state_list(void **state)
{
	kd_cluster_state *st = kd_cluster_state_new("alpha");

	(void)state;
	assert_non_null(st);
	assert_non_null(kd_cluster_state_add_unmanaged(st, "v1", "Pod", "site", "debug", "kubectl-run", NULL));
	assert_non_null(kd_cluster_state_add_unmanaged(st, "apps/v1", "Deployment", "shop", "debug-shell",
						       NULL, "2026-11-20T10:00:00Z"));
	assert_non_null(kd_cluster_state_add_unmanaged(st, "v1", "ConfigMap", "shop", "b", "x", "t"));
	assert_non_null(kd_cluster_state_add_unmanaged(st, "v1", "ConfigMap", "shop", "a", "x", "t"));
	kd_cluster_state_sort_unmanaged(st);
	assert_int_equal(st->nunmanaged, 4);
	assert_string_equal(st->unmanaged[0].name, "a");
	assert_string_equal(st->unmanaged[1].name, "b");
	assert_string_equal(st->unmanaged[2].kind, "Deployment");
	assert_null(st->unmanaged[2].manager);
	assert_string_equal(st->unmanaged[3].namespace, "site");
	assert_null(st->unmanaged[3].time);
	kd_cluster_state_unref(st);   /* frees the list (valgrind) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_man_page_lists_the_kinds),
		cmocka_unit_test(test_state_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
