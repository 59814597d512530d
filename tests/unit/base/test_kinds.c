/*
 * Tests for core/base/kinds.c: the built-in kinds table against what
 * `kubectl api-resources` reports on a Kubernetes 1.32 API server; object
 * identity (the API group counts, the version does not); the metadata the
 * API server owns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

/* apiVersion, kind, resource, namespaced — as kubectl api-resources lists
 * them (APIVERSION, KIND, NAME, NAMESPACED). */
static const struct {
	const char *api_version;
	const char *kind;
	const char *resource;
	bool namespaced;
} expected[] = {
	{ "v1", "Namespace", "namespaces", false },
	{ "v1", "ConfigMap", "configmaps", true },
	{ "v1", "Secret", "secrets", true },
	{ "v1", "Service", "services", true },
	{ "v1", "ServiceAccount", "serviceaccounts", true },
	{ "v1", "Pod", "pods", true },
	{ "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true },
	{ "v1", "PersistentVolume", "persistentvolumes", false },
	{ "v1", "Node", "nodes", false },
	{ "v1", "Endpoints", "endpoints", true },
	{ "v1", "Event", "events", true },
	{ "v1", "LimitRange", "limitranges", true },
	{ "v1", "ResourceQuota", "resourcequotas", true },
	{ "apps/v1", "Deployment", "deployments", true },
	{ "apps/v1", "StatefulSet", "statefulsets", true },
	{ "apps/v1", "DaemonSet", "daemonsets", true },
	{ "apps/v1", "ReplicaSet", "replicasets", true },
	{ "batch/v1", "Job", "jobs", true },
	{ "batch/v1", "CronJob", "cronjobs", true },
	{ "networking.k8s.io/v1", "Ingress", "ingresses", true },
	{ "networking.k8s.io/v1", "IngressClass", "ingressclasses", false },
	{ "networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", true },
	{ "autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true },
	{ "policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", true },
	{ "rbac.authorization.k8s.io/v1", "Role", "roles", true },
	{ "rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", true },
	{ "rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false },
	{ "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false },
	{ "apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", false },
	{ "storage.k8s.io/v1", "StorageClass", "storageclasses", false },
	{ "storage.k8s.io/v1", "CSIDriver", "csidrivers", false },
	{ "scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", false },
	{ "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration",
	  "validatingwebhookconfigurations", false },
	{ "admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration",
	  "mutatingwebhookconfigurations", false },
	{ "apiregistration.k8s.io/v1", "APIService", "apiservices", false },
	{ "node.k8s.io/v1", "RuntimeClass", "runtimeclasses", false },
	{ "coordination.k8s.io/v1", "Lease", "leases", true },
	{ "discovery.k8s.io/v1", "EndpointSlice", "endpointslices", true },
	{ "certificates.k8s.io/v1", "CertificateSigningRequest",
	  "certificatesigningrequests", false },
};

static void test_expected_kinds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const char *av = expected[i].api_version;
		const char *slash = strrchr(av, '/');
		char group[64];
		const kd_kind_info *k;

		kd_api_group(group, sizeof(group), av);
		k = kd_kind_lookup(group, expected[i].kind);
		if (!k)
			fail_msg("%s %s is not in the table", av, expected[i].kind);
		assert_string_equal(k->group, group);
		assert_string_equal(k->version, slash ? slash + 1 : av);
		assert_string_equal(k->kind, expected[i].kind);
		assert_string_equal(k->resource, expected[i].resource);
		if (k->namespaced != expected[i].namespaced)
			fail_msg("%s: namespaced is %d", expected[i].kind,
				 k->namespaced);
		assert_int_equal(kd_kind_is_cluster_scoped(av, expected[i].kind),
				 !expected[i].namespaced);
	}
}

/* Every row is well formed and (group, kind) and (group, resource) are
 * unique, so a lookup can never be ambiguous. */
static void test_table_consistent(void **state)
{
	const kd_kind_info *all = kd_kinds_all(), *a, *b;
	size_t n = 0;

	(void)state;
	for (a = all; a->kind; a++, n++) {
		const char *p;

		assert_non_null(a->group);
		assert_non_null(a->version);
		assert_non_null(a->resource);
		assert_true(a->version[0] == 'v');
		for (p = a->resource; *p; p++)
			assert_true(*p >= 'a' && *p <= 'z');
		assert_ptr_equal(kd_kind_lookup(a->group, a->kind), a);
		for (b = a + 1; b->kind; b++) {
			if (strcmp(a->group, b->group) != 0)
				continue;
			assert_string_not_equal(a->kind, b->kind);
			assert_string_not_equal(a->resource, b->resource);
		}
	}
	assert_true(n >= sizeof(expected) / sizeof(expected[0]));
}

static void test_lookup_misses(void **state)
{
	(void)state;
	/* the group matters: Deployment is not in the core group */
	assert_null(kd_kind_lookup("", "Deployment"));
	assert_null(kd_kind_lookup("apps", "deployment"));
	assert_null(kd_kind_lookup("argoproj.io", "Application"));
	assert_null(kd_kind_lookup("apps", NULL));
	/* NULL group means the core group */
	assert_non_null(kd_kind_lookup(NULL, "Namespace"));
	/* unknown kinds are assumed namespaced */
	assert_false(kd_kind_is_cluster_scoped("argoproj.io/v1alpha1", "Application"));
	assert_false(kd_kind_is_cluster_scoped("example.com/v1", "Namespace"));
	assert_false(kd_kind_is_cluster_scoped(NULL, "Namespace"));
	assert_false(kd_kind_is_cluster_scoped("v1", NULL));
	/* the version does not matter, the group does */
	assert_true(kd_kind_is_cluster_scoped("rbac.authorization.k8s.io/v1beta1",
					      "ClusterRole"));
	assert_true(kd_kind_is_cluster_scoped("v1", "Namespace"));
	assert_false(kd_kind_is_cluster_scoped("v1", "ConfigMap"));
}

static void test_api_group(void **state)
{
	char g[16];

	(void)state;
	kd_api_group(g, sizeof(g), "apps/v1");
	assert_string_equal(g, "apps");
	kd_api_group(g, sizeof(g), "v1");
	assert_string_equal(g, "");
	kd_api_group(g, sizeof(g), NULL);
	assert_string_equal(g, "");
	kd_api_group(g, sizeof(g), "networking.k8s.io/v1");
	assert_string_equal(g, "networking.k8s."); /* cut to fit */
	kd_api_group(g, 5, "apps/v1");
	assert_string_equal(g, "apps");
	kd_api_group(g, 4, "apps/v1");
	assert_string_equal(g, "app");
}

static json_t *object(const char *api_version, const char *kind, const char *ns,
		      const char *name)
{
	json_t *o = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", api_version, "kind", kind,
			      "metadata", "name", name);

	assert_non_null(o);
	if (ns)
		json_object_set_new(json_object_get(o, "metadata"), "namespace", json_string(ns));
	return o;
}

static void test_object_identity(void **state)
{
	json_t *a = object("cert-manager.io/v1", "Certificate", "shop", "web");
	json_t *b = object("cert-manager.io/v1beta1", "Certificate", "shop", "web");
	json_t *c = object("example.com/v1", "Certificate", "shop", "web");
	json_t *d = object("v1", "ConfigMap", "shop", "web");
	json_t *e = object("v1", "ConfigMap", NULL, "web");
	json_t *ref = json_pack("{s:s,s:s,s:s,s:s}", "apiVersion", "cert-manager.io/v1",
				"kind", "Certificate", "namespace", "shop", "name", "web");
	kd_object_id ia, ib, ic, id, ie, ir;
	kd_buf k = KD_BUF_INIT;

	(void)state;
	kd_object_id_of(&ia, a);
	kd_object_id_of(&ib, b);
	kd_object_id_of(&ic, c);
	kd_object_id_of(&id, d);
	kd_object_id_of(&ie, e);
	kd_object_id_of_ref(&ir, ref);
	assert_string_equal(ia.kind, "Certificate");
	assert_string_equal(ia.namespace, "shop");
	assert_string_equal(ia.name, "web");
	assert_null(ie.namespace);
	/* the version is not part of the identity; the group is */
	assert_true(kd_object_id_equal(&ia, &ib));
	assert_false(kd_object_id_equal(&ia, &ic));
	assert_false(kd_object_id_equal(&ic, &ia));
	assert_true(kd_object_id_equal(&ia, &ir));
	/* the core group: "v1" */
	assert_false(kd_object_id_equal(&id, &ie));
	ie.namespace = "shop";
	assert_true(kd_object_id_equal(&id, &ie));
	/* a group that is a prefix of another is still another group */
	ib.api_version = "cert-manager.io.evil/v1";
	assert_false(kd_object_id_equal(&ia, &ib));
	ib.api_version = "cert-manager/v1";
	assert_false(kd_object_id_equal(&ia, &ib));
	/* NULL reads as "" */
	ie.namespace = NULL;
	id.namespace = "";
	assert_true(kd_object_id_equal(&id, &ie));

	assert_int_equal(kd_object_id_format(&k, &ia), 0);
	assert_string_equal(kd_buf_cstr(&k), "cert-manager.io/Certificate/shop/web");
	kd_buf_clear(&k);
	assert_int_equal(kd_object_id_format(&k, &ie), 0);
	assert_string_equal(kd_buf_cstr(&k), "/ConfigMap//web");
	kd_buf_clear(&k);
	kd_object_id_of(&ib, b);
	assert_int_equal(kd_object_id_format(&k, &ib), 0);
	assert_string_equal(kd_buf_cstr(&k), "cert-manager.io/Certificate/shop/web");
	kd_buf_clear(&k);
	assert_int_equal(kd_object_id_format(&k, &ic), 0);
	assert_string_equal(kd_buf_cstr(&k), "example.com/Certificate/shop/web");
	kd_buf_free(&k);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
	json_decref(e);
	json_decref(ref);
}

static void test_server_metadata(void **state)
{
	json_t *o = json_loads("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
			       "\"namespace\":\"y\",\"uid\":\"u\",\"resourceVersion\":\"1\","
			       "\"generation\":2,\"creationTimestamp\":\"t\",\"deletionTimestamp\":\"t\","
			       "\"deletionGracePeriodSeconds\":30,\"managedFields\":[],"
			       "\"selfLink\":\"/x\",\"labels\":{\"a\":\"b\"},"
			       "\"ownerReferences\":[]},\"data\":{\"uid\":\"kept\"}}", 0, NULL);
	json_t *want = json_loads("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
				  "\"namespace\":\"y\",\"labels\":{\"a\":\"b\"},\"ownerReferences\":[]},"
				  "\"data\":{\"uid\":\"kept\"}}", 0, NULL);
	json_t *none = json_pack("{s:i}", "metadata", 3);

	(void)state;
	assert_non_null(o);
	assert_non_null(want);
	assert_true(kd_server_metadata_has("resourceVersion"));
	assert_true(kd_server_metadata_has("managedFields"));
	assert_false(kd_server_metadata_has("name"));
	assert_false(kd_server_metadata_has("labels"));
	assert_false(kd_server_metadata_has(NULL));
	kd_server_metadata_strip(o);
	assert_true(json_equal(o, want));
	kd_server_metadata_strip(none);   /* no metadata object: nothing to do */
	kd_server_metadata_strip(NULL);
	json_decref(o);
	json_decref(want);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected_kinds),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_lookup_misses),
		cmocka_unit_test(test_api_group),
		cmocka_unit_test(test_object_identity),
		cmocka_unit_test(test_server_metadata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
