/*
 * kinds — the built-in Kubernetes kinds (see base.h).
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
