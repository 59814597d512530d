/*
 * types — the resource types kubesim serves: a fixed table of built-in
 * kinds plus, per cluster, the kinds its CustomResourceDefinitions define.
 */
#include "ks.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* group, version, kind, plural, singular, shortNames, namespaced, all,
 * status, scale */
static const ks_type builtin[] = {
	{"", "v1", "Namespace", "namespaces", "namespace", "ns", false, false, true, false, NULL},
	{"", "v1", "ConfigMap", "configmaps", "configmap", "cm", true, false, false, false, NULL},
	{"", "v1", "Secret", "secrets", "secret", "", true, false, false, false, NULL},
	{"", "v1", "Service", "services", "service", "svc", true, true, true, false, NULL},
	{"", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", "sa", true, false, false, false, NULL},
	{"", "v1", "Pod", "pods", "pod", "po", true, true, true, false, NULL},
	{"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", "pvc", true, false, true, false, NULL},
	{"apps", "v1", "Deployment", "deployments", "deployment", "deploy", true, true, true, true, NULL},
	{"apps", "v1", "StatefulSet", "statefulsets", "statefulset", "sts", true, true, true, true, NULL},
	{"apps", "v1", "DaemonSet", "daemonsets", "daemonset", "ds", true, true, true, false, NULL},
	{"apps", "v1", "ReplicaSet", "replicasets", "replicaset", "rs", true, true, true, true, NULL},
	{"batch", "v1", "Job", "jobs", "job", "", true, true, true, false, NULL},
	{"batch", "v1", "CronJob", "cronjobs", "cronjob", "cj", true, true, true, false, NULL},
	{"networking.k8s.io", "v1", "Ingress", "ingresses", "ingress", "ing", true, false, true, false, NULL},
	{"networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", "networkpolicy", "netpol", true, false, false, false, NULL},
	{"autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", "hpa", true, true, true, false, NULL},
	{"rbac.authorization.k8s.io", "v1", "Role", "roles", "role", "", true, false, false, false, NULL},
	{"rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", "", true, false, false, false, NULL},
	{"rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole", "", false, false, false, false, NULL},
	{"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", "", false, false, false, false, NULL},
	{"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", "customresourcedefinition", "crd,crds", false, false, true, false, NULL},
	{"", "v1", "Event", "events", "event", "ev", true, false, false, false, NULL},
	{"", "v1", "Endpoints", "endpoints", "endpoints", "ep", true, false, false, false, NULL},
	{"", "v1", "LimitRange", "limitranges", "limitrange", "limits", true, false, false, false, NULL},
	{"", "v1", "ResourceQuota", "resourcequotas", "resourcequota", "quota", true, false, true, false, NULL},
	{"", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", "pv", false, false, true, false, NULL},
	{"", "v1", "Node", "nodes", "node", "no", false, false, true, false, NULL},
	{"policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", "pdb", true, false, true, false, NULL},
	{"scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", "priorityclass", "pc", false, false, false, false, NULL},
	{"storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass", "sc", false, false, false, false, NULL},
	{"networking.k8s.io", "v1", "IngressClass", "ingressclasses", "ingressclass", "", false, false, false, false, NULL},
	{"node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", "runtimeclass", "", false, false, false, false, NULL},
	{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "", false, false, false, false, NULL},
	{"authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", "", "", false, false, false, false, NULL},
	{"admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "", false, false, false, false, NULL},
	{"admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", "validatingadmissionpolicy", "", false, false, true, false, NULL},
	{"admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", "validatingadmissionpolicybinding", "", false, false, false, false, NULL},
};

const ks_type *ks_types_builtin(size_t *n)
{
	*n = sizeof(builtin) / sizeof(builtin[0]);
	return builtin;
}

const ks_type *ks_type_find(ks_cluster *c, const char *group,
			    const char *version, const char *plural)
{
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(builtin[i].group, group) && !strcmp(builtin[i].plural, plural) &&
		    (!version || !strcmp(builtin[i].version, version)))
			return &builtin[i];
	for (i = 0; c && i < c->ncrds; i++)
		if (!strcmp(c->crds[i]->group, group) && !strcmp(c->crds[i]->plural, plural) &&
		    (!version || !strcmp(c->crds[i]->version, version)))
			return c->crds[i];
	return NULL;
}

const ks_type *ks_type_find_kind(ks_cluster *c, const char *group,
				 const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(builtin[i].group, group) && !strcmp(builtin[i].kind, kind))
			return &builtin[i];
	for (i = 0; c && i < c->ncrds; i++)
		if (!strcmp(c->crds[i]->group, group) && !strcmp(c->crds[i]->kind, kind))
			return c->crds[i];
	return NULL;
}

bool ks_group_version_served(ks_cluster *c, const char *group,
			     const char *version)
{
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(builtin[i].group, group) && !strcmp(builtin[i].version, version))
			return true;
	for (i = 0; c && i < c->ncrds; i++)
		if (!strcmp(c->crds[i]->group, group) && !strcmp(c->crds[i]->version, version))
			return true;
	return false;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* The served version of a CRD: the storage version, else the first served. */
static const json_t *crd_version(const json_t *spec)
{
	const json_t *versions = json_object_get(spec, "versions"), *v, *first = NULL;
	size_t i;

	json_array_foreach(versions, i, v) {
		if (json_is_true(json_object_get(v, "storage")))
			return v;
		if (!first && !json_is_false(json_object_get(v, "served")))
			first = v;
	}
	return first;
}

int ks_type_from_crd(ks_type **out, const json_t *crd)
{
	const json_t *spec = json_object_get(crd, "spec");
	const json_t *names = json_object_get(spec, "names");
	const json_t *ver = crd_version(spec), *sn, *cats, *x;
	json_t *owner = NULL;
	ks_type *t = NULL;
	kd_buf shorts = KD_BUF_INIT;
	size_t i;
	int rc = KD_EINVAL;

	*out = NULL;
	if (!str_or(spec, "group", NULL) || !str_or(names, "plural", NULL) ||
	    !str_or(names, "kind", NULL) || !ver || !str_or(ver, "name", NULL)) {
		kd_error_set(KD_EINVAL, "CRD needs spec.group, spec.names.plural, spec.names.kind and a version");
		goto cleanup;
	}
	sn = json_object_get(names, "shortNames");
	json_array_foreach(sn, i, x) {
		if (!json_is_string(x))
			continue;
		if ((shorts.len && kd_buf_putc(&shorts, ',') < 0) ||
		    kd_buf_puts(&shorts, json_string_value(x)) < 0) {
			rc = KD_ENOMEM;
			goto cleanup;
		}
	}
	owner = json_pack("{s:O, s:O, s:s}", "spec", spec, "version", ver,
			  "shorts", kd_buf_cstr(&shorts));
	t = calloc(1, sizeof(*t));
	if (!owner || !t) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	spec = json_object_get(owner, "spec");
	names = json_object_get(spec, "names");
	ver = json_object_get(owner, "version");
	t->group = str_or(spec, "group", "");
	t->version = str_or(ver, "name", "");
	t->kind = str_or(names, "kind", "");
	t->plural = str_or(names, "plural", "");
	t->singular = str_or(names, "singular", "");
	if (!*t->singular)
		t->singular = t->plural; /* lower-cased kind in real servers; close enough */
	t->short_names = str_or(owner, "shorts", "");
	t->namespaced = strcmp(str_or(spec, "scope", "Namespaced"), "Cluster") != 0;
	cats = json_object_get(names, "categories");
	json_array_foreach(cats, i, x)
		if (json_is_string(x) && !strcmp(json_string_value(x), "all"))
			t->in_all = true;
	x = json_object_get(json_object_get(ver, "subresources"), "status");
	t->has_status = x != NULL;
	t->has_scale = json_object_get(json_object_get(ver, "subresources"), "scale") != NULL;
	t->owner = owner;
	owner = NULL;
	*out = t;
	t = NULL;
	rc = 0;
cleanup:
	json_decref(owner);
	free(t);
	kd_buf_free(&shorts);
	return rc;
}

void ks_type_free(ks_type *t)
{
	if (!t)
		return;
	json_decref(t->owner);
	free(t);
}
