/*
 * kinds — the built-in Kubernetes kinds, object identity and the metadata
 * the API server owns (see base.h).
 *
 * Each row is what `kubectl api-resources` reports for the kind on a
 * current (1.29+) API server: group, preferred version, resource name and
 * whether it is namespaced.  Kinds served only by add-ons (CRDs) are not
 * here; callers treat them as namespaced unless discovery says otherwise.
 */
#include "base/base.h"

#include <string.h>

static const kd_kind_info kinds[] = {
	/* core */
	{ "", "v1", "ConfigMap", "configmaps", true },
	{ "", "v1", "Endpoints", "endpoints", true },
	{ "", "v1", "Event", "events", true },
	{ "", "v1", "LimitRange", "limitranges", true },
	{ "", "v1", "Namespace", "namespaces", false },
	{ "", "v1", "Node", "nodes", false },
	{ "", "v1", "PersistentVolume", "persistentvolumes", false },
	{ "", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true },
	{ "", "v1", "Pod", "pods", true },
	{ "", "v1", "PodTemplate", "podtemplates", true },
	{ "", "v1", "ReplicationController", "replicationcontrollers", true },
	{ "", "v1", "ResourceQuota", "resourcequotas", true },
	{ "", "v1", "Secret", "secrets", true },
	{ "", "v1", "Service", "services", true },
	{ "", "v1", "ServiceAccount", "serviceaccounts", true },
	/* apps */
	{ "apps", "v1", "ControllerRevision", "controllerrevisions", true },
	{ "apps", "v1", "DaemonSet", "daemonsets", true },
	{ "apps", "v1", "Deployment", "deployments", true },
	{ "apps", "v1", "ReplicaSet", "replicasets", true },
	{ "apps", "v1", "StatefulSet", "statefulsets", true },
	/* batch */
	{ "batch", "v1", "CronJob", "cronjobs", true },
	{ "batch", "v1", "Job", "jobs", true },
	/* networking */
	{ "networking.k8s.io", "v1", "Ingress", "ingresses", true },
	{ "networking.k8s.io", "v1", "IngressClass", "ingressclasses", false },
	{ "networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true },
	/* autoscaling: v2 is preferred since Kubernetes 1.23 */
	{ "autoscaling", "v2", "HorizontalPodAutoscaler",
	  "horizontalpodautoscalers", true },
	/* policy */
	{ "policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true },
	/* rbac */
	{ "rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles",
	  false },
	{ "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding",
	  "clusterrolebindings", false },
	{ "rbac.authorization.k8s.io", "v1", "Role", "roles", true },
	{ "rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings",
	  true },
	/* extension points */
	{ "apiextensions.k8s.io", "v1", "CustomResourceDefinition",
	  "customresourcedefinitions", false },
	{ "apiregistration.k8s.io", "v1", "APIService", "apiservices", false },
	{ "admissionregistration.k8s.io", "v1",
	  "MutatingWebhookConfiguration", "mutatingwebhookconfigurations",
	  false },
	{ "admissionregistration.k8s.io", "v1",
	  "ValidatingWebhookConfiguration", "validatingwebhookconfigurations",
	  false },
	{ "admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy",
	  "validatingadmissionpolicies", false },
	{ "admissionregistration.k8s.io", "v1",
	  "ValidatingAdmissionPolicyBinding",
	  "validatingadmissionpolicybindings", false },
	/* storage */
	{ "storage.k8s.io", "v1", "CSIDriver", "csidrivers", false },
	{ "storage.k8s.io", "v1", "CSINode", "csinodes", false },
	{ "storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities",
	  true },
	{ "storage.k8s.io", "v1", "StorageClass", "storageclasses", false },
	{ "storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments",
	  false },
	/* scheduling and nodes */
	{ "scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses",
	  false },
	{ "node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false },
	{ "coordination.k8s.io", "v1", "Lease", "leases", true },
	{ "discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true },
	{ "events.k8s.io", "v1", "Event", "events", true },
	{ "certificates.k8s.io", "v1", "CertificateSigningRequest",
	  "certificatesigningrequests", false },
	{ "flowcontrol.apiserver.k8s.io", "v1", "FlowSchema", "flowschemas",
	  false },
	{ "flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration",
	  "prioritylevelconfigurations", false },
	{ NULL, NULL, NULL, NULL, false },
};

const kd_kind_info *kd_kinds_all(void)
{
	return kinds;
}

const kd_kind_info *kd_kind_lookup(const char *group, const char *kind)
{
	const kd_kind_info *k;

	if (!kind)
		return NULL;
	if (!group)
		group = "";
	for (k = kinds; k->kind; k++)
		if (strcmp(k->kind, kind) == 0 && strcmp(k->group, group) == 0)
			return k;
	return NULL;
}

void kd_api_group(char *out, size_t size, const char *api_version)
{
	const char *slash;
	size_t n;

	if (!out || size == 0)
		return;
	out[0] = '\0';
	if (!api_version)
		return;
	slash = strchr(api_version, '/');
	if (!slash)
		return;   /* "v1": the core group */
	n = (size_t)(slash - api_version);
	if (n >= size)
		n = size - 1;
	memcpy(out, api_version, n);
	out[n] = '\0';
}

bool kd_kind_is_cluster_scoped(const char *api_version, const char *kind)
{
	const kd_kind_info *k;
	const char *slash;
	char group[256];

	if (!api_version || !kind)
		return false;
	slash = strchr(api_version, '/');
	/* A group longer than any DNS name cannot be a built-in one. */
	if (slash && (size_t)(slash - api_version) >= sizeof(group))
		return false;
	kd_api_group(group, sizeof(group), api_version);
	k = kd_kind_lookup(group, kind);
	return k && !k->namespaced;
}

/* ---- identity ------------------------------------------------------------ */

static const char *str_of(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

void kd_object_id_of(kd_object_id *out, const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");

	out->api_version = str_of(obj, "apiVersion");
	out->kind = str_of(obj, "kind");
	out->namespace = str_of(meta, "namespace");
	out->name = str_of(meta, "name");
}

void kd_object_id_of_ref(kd_object_id *out, const json_t *ref)
{
	out->api_version = str_of(ref, "apiVersion");
	out->kind = str_of(ref, "kind");
	out->namespace = str_of(ref, "namespace");
	out->name = str_of(ref, "name");
}

/* The group's length at the start of an apiVersion ("apps/v1": 4, "v1": 0). */
static size_t group_len(const char *api_version)
{
	const char *slash = api_version ? strchr(api_version, '/') : NULL;

	return slash ? (size_t)(slash - api_version) : 0;
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool kd_object_id_equal(const kd_object_id *a, const kd_object_id *b)
{
	size_t ga = group_len(a->api_version), gb = group_len(b->api_version);

	return ga == gb && (ga == 0 || memcmp(a->api_version, b->api_version, ga) == 0) &&
	       same(a->kind, b->kind) && same(a->namespace, b->namespace) &&
	       same(a->name, b->name);
}

int kd_object_id_format(kd_buf *out, const kd_object_id *id)
{
	int g = (int)group_len(id->api_version);

	return kd_buf_printf(out, "%.*s/%s/%s/%s", g, g ? id->api_version : "",
			     id->kind ? id->kind : "", id->namespace ? id->namespace : "",
			     id->name ? id->name : "");
}

/* ---- server-owned metadata ------------------------------------------------ */

const char *const kd_server_metadata[] = {
	"uid", "resourceVersion", "generation", "creationTimestamp",
	"deletionTimestamp", "deletionGracePeriodSeconds", "managedFields",
	"selfLink", NULL,
};

bool kd_server_metadata_has(const char *field)
{
	const char *const *f;

	for (f = kd_server_metadata; field && *f; f++)
		if (strcmp(*f, field) == 0)
			return true;
	return false;
}

void kd_server_metadata_strip(json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata");
	const char *const *f;

	if (!json_is_object(meta))
		return;
	for (f = kd_server_metadata; *f; f++)
		json_object_del(meta, *f);
}
