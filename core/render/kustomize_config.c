/*
 * kustomize_config — the transformer configuration: for each transformer
 * (name prefix and suffix, namespace, labels, annotations, images, replicas,
 * vars) the field specs it acts on, and for name references which fields of
 * which kinds name objects of which kind.
 *
 * kustomize's own defaults are data here (the facts of its builtin
 * configuration, Kubernetes 1.2x kinds); a kustomization adds to them with
 * `configurations:` files and `crds:`, and a build gathers the additions of
 * every kustomization it includes.  A configuration holds the defaults by
 * reference plus its own additions, so merging the configurations of many
 * levels costs nothing unless they add something.  Never prints.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "data/data.h"

#define FS(g, v, k, p, c) { g, v, k, p, c }

/* ---- defaults ------------------------------------------------------------ */

static const kd_kz_fspec d_name[] = {
	FS("", "", "", "metadata/name", false),
};

#define META_LABELS \
	FS("", "", "", "metadata/labels", true), \
	FS("", "v1", "ReplicationController", "spec/template/metadata/labels", true), \
	FS("", "", "Deployment", "spec/template/metadata/labels", true), \
	FS("", "", "ReplicaSet", "spec/template/metadata/labels", true), \
	FS("", "", "DaemonSet", "spec/template/metadata/labels", true), \
	FS("apps", "", "StatefulSet", "spec/template/metadata/labels", true), \
	FS("apps", "", "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true), \
	FS("batch", "", "Job", "spec/template/metadata/labels", true), \
	FS("batch", "", "CronJob", "spec/jobTemplate/metadata/labels", true), \
	FS("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true)

#define AFFINITY(g, k) \
	FS(g, "", k, "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", false), \
	FS(g, "", k, "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", false), \
	FS(g, "", k, "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", false), \
	FS(g, "", k, "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", false), \
	FS(g, "", k, "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", false)

static const kd_kz_fspec d_common_labels[] = {
	FS("", "v1", "Service", "spec/selector", true),
	FS("", "v1", "ReplicationController", "spec/selector", true),
	FS("", "", "Deployment", "spec/selector/matchLabels", true),
	AFFINITY("apps", "Deployment"),
	FS("", "", "ReplicaSet", "spec/selector/matchLabels", true),
	FS("", "", "DaemonSet", "spec/selector/matchLabels", true),
	FS("apps", "", "StatefulSet", "spec/selector/matchLabels", true),
	AFFINITY("apps", "StatefulSet"),
	FS("batch", "", "Job", "spec/selector/matchLabels", false),
	FS("batch", "", "CronJob", "spec/jobTemplate/spec/selector/matchLabels", false),
	FS("policy", "", "PodDisruptionBudget", "spec/selector/matchLabels", false),
	FS("networking.k8s.io", "", "NetworkPolicy", "spec/podSelector/matchLabels", false),
	FS("networking.k8s.io", "", "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels", false),
	FS("networking.k8s.io", "", "NetworkPolicy", "spec/egress/to/podSelector/matchLabels", false),
	META_LABELS,
};

static const kd_kz_fspec d_template_labels[] = {
	META_LABELS,
};

static const kd_kz_fspec d_annotations[] = {
	FS("", "", "", "metadata/annotations", true),
	FS("", "v1", "ReplicationController", "spec/template/metadata/annotations", true),
	FS("", "", "Deployment", "spec/template/metadata/annotations", true),
	FS("", "", "ReplicaSet", "spec/template/metadata/annotations", true),
	FS("", "", "DaemonSet", "spec/template/metadata/annotations", true),
	FS("", "", "StatefulSet", "spec/template/metadata/annotations", true),
	FS("batch", "", "Job", "spec/template/metadata/annotations", true),
	FS("batch", "", "CronJob", "spec/jobTemplate/metadata/annotations", true),
	FS("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/annotations", true),
};

static const kd_kz_fspec d_namespace[] = {
	FS("", "", "Namespace", "metadata/name", true),
	FS("apiregistration.k8s.io", "", "APIService", "spec/service/namespace", true),
	FS("apiextensions.k8s.io", "", "CustomResourceDefinition",
	   "spec/conversion/webhook/clientConfig/service/namespace", false),
};

#define VARS_POD(k, pod) \
	FS("", "", k, pod "containers/args", false), \
	FS("", "", k, pod "containers/command", false), \
	FS("", "", k, pod "containers/env/value", false), \
	FS("", "", k, pod "containers/volumeMounts/mountPath", false), \
	FS("", "", k, pod "initContainers/args", false), \
	FS("", "", k, pod "initContainers/command", false), \
	FS("", "", k, pod "initContainers/env/value", false), \
	FS("", "", k, pod "initContainers/volumeMounts/mountPath", false)

static const kd_kz_fspec d_varref[] = {
	VARS_POD("CronJob", "spec/jobTemplate/spec/template/spec/"),
	FS("", "", "CronJob", "spec/jobTemplate/spec/template/volumes/nfs/server", false),
	VARS_POD("DaemonSet", "spec/template/spec/"),
	FS("", "", "DaemonSet", "spec/template/spec/volumes/nfs/server", false),
	VARS_POD("Deployment", "spec/template/spec/"),
	FS("", "", "Deployment", "spec/template/spec/volumes/nfs/server", false),
	FS("", "", "Deployment", "spec/template/metadata/annotations", false),
	FS("", "", "Ingress", "spec/rules/host", false),
	FS("", "", "Ingress", "spec/tls/hosts", false),
	FS("", "", "Ingress", "spec/tls/secretName", false),
	VARS_POD("Job", "spec/template/spec/"),
	FS("", "", "Job", "spec/template/spec/volumes/nfs/server", false),
	VARS_POD("Pod", "spec/"),
	FS("", "", "Pod", "spec/volumes/nfs/server", false),
	VARS_POD("ReplicaSet", "spec/template/spec/"),
	FS("", "", "ReplicaSet", "spec/template/spec/volumes/nfs/server", false),
	FS("", "", "Service", "spec/ports/port", false),
	FS("", "", "Service", "spec/ports/targetPort", false),
	VARS_POD("StatefulSet", "spec/template/spec/"),
	FS("", "", "StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server", false),
	FS("", "", "PersistentVolume", "spec/nfs/server", false),
	FS("", "", "", "metadata/labels", false),
	FS("", "", "", "metadata/annotations", false),
};

static const kd_kz_fspec d_images[] = {
	FS("", "", "", "spec/containers[]/image", true),
	FS("", "", "", "spec/initContainers[]/image", true),
	FS("", "", "", "spec/template/spec/containers[]/image", true),
	FS("", "", "", "spec/template/spec/initContainers[]/image", true),
};

static const kd_kz_fspec d_replicas[] = {
	FS("", "", "Deployment", "spec/replicas", true),
	FS("", "", "ReplicationController", "spec/replicas", true),
	FS("", "", "ReplicaSet", "spec/replicas", true),
	FS("", "", "StatefulSet", "spec/replicas", true),
};

/* name references -------------------------------------------------------- */

#define CM_POD(v, k, pod) \
	FS("", v, k, pod "volumes/configMap/name", false), \
	FS("", v, k, pod "containers/env/valueFrom/configMapKeyRef/name", false), \
	FS("", v, k, pod "initContainers/env/valueFrom/configMapKeyRef/name", false), \
	FS("", v, k, pod "containers/envFrom/configMapRef/name", false), \
	FS("", v, k, pod "initContainers/envFrom/configMapRef/name", false), \
	FS("", v, k, pod "volumes/projected/sources/configMap/name", false)

#define SECRET_POD(v, k, pod) \
	FS("", v, k, pod "volumes/secret/secretName", false), \
	FS("", v, k, pod "containers/env/valueFrom/secretKeyRef/name", false), \
	FS("", v, k, pod "initContainers/env/valueFrom/secretKeyRef/name", false), \
	FS("", v, k, pod "containers/envFrom/secretRef/name", false), \
	FS("", v, k, pod "initContainers/envFrom/secretRef/name", false), \
	FS("", v, k, pod "imagePullSecrets/name", false), \
	FS("", v, k, pod "volumes/projected/sources/secret/name", false)

#define EVERY_POD(m, leaf) \
	FS("", "", "Pod", "spec/" leaf, false), \
	FS("", "", "StatefulSet", "spec/template/spec/" leaf, false), \
	FS("", "", "Deployment", "spec/template/spec/" leaf, false), \
	FS("", "", "ReplicationController", "spec/template/spec/" leaf, false), \
	FS("", "", "CronJob", "spec/jobTemplate/spec/template/spec/" leaf, false), \
	FS("", "", "Job", "spec/template/spec/" leaf, false), \
	FS("", "", "DaemonSet", "spec/template/spec/" leaf, false)

static const kd_kz_fspec r_scale[] = {
	FS("", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", false),
};

static const kd_kz_fspec r_configmap[] = {
	CM_POD("v1", "Pod", "spec/"),
	CM_POD("", "PodTemplate", "template/spec/"),
	CM_POD("", "Deployment", "spec/template/spec/"),
	CM_POD("", "ReplicaSet", "spec/template/spec/"),
	CM_POD("", "DaemonSet", "spec/template/spec/"),
	CM_POD("", "StatefulSet", "spec/template/spec/"),
	CM_POD("", "Job", "spec/template/spec/"),
	CM_POD("", "CronJob", "spec/jobTemplate/spec/template/spec/"),
	FS("", "", "Node", "spec/configSource/configMap", false),
	FS("", "", "Role", "rules/resourceNames", false),
	FS("", "", "ClusterRole", "rules/resourceNames", false),
	FS("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", false),
};

static const kd_kz_fspec r_secret[] = {
	SECRET_POD("v1", "Pod", "spec/"),
	SECRET_POD("", "PodTemplate", "template/spec/"),
	SECRET_POD("", "Deployment", "spec/template/spec/"),
	SECRET_POD("", "ReplicaSet", "spec/template/spec/"),
	SECRET_POD("", "DaemonSet", "spec/template/spec/"),
	SECRET_POD("", "StatefulSet", "spec/template/spec/"),
	SECRET_POD("", "Job", "spec/template/spec/"),
	SECRET_POD("", "CronJob", "spec/jobTemplate/spec/template/spec/"),
	FS("", "", "Ingress", "spec/tls/secretName", false),
	FS("", "", "Ingress", "metadata/annotations/ingress.kubernetes.io\\/auth-secret", false),
	FS("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret", false),
	FS("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret", false),
	FS("", "", "ServiceAccount", "imagePullSecrets/name", false),
	FS("", "", "StorageClass", "parameters/secretName", false),
	FS("", "", "StorageClass", "parameters/adminSecretName", false),
	FS("", "", "StorageClass", "parameters/userSecretName", false),
	FS("", "", "StorageClass", "parameters/secretRef", false),
	FS("", "", "Role", "rules/resourceNames", false),
	FS("", "", "ClusterRole", "rules/resourceNames", false),
	FS("serving.knative.dev", "v1", "Service", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false),
	FS("", "", "PersistentVolume", "spec/azureFile/secretName", false),
};

static const kd_kz_fspec r_service[] = {
	FS("apps", "", "StatefulSet", "spec/serviceName", false),
	FS("", "", "Ingress", "spec/rules/http/paths/backend/serviceName", false),
	FS("", "", "Ingress", "spec/backend/serviceName", false),
	FS("", "", "Ingress", "spec/rules/http/paths/backend/service/name", false),
	FS("", "", "Ingress", "spec/defaultBackend/service/name", false),
	FS("apiregistration.k8s.io", "", "APIService", "spec/service/name", false),
	FS("admissionregistration.k8s.io", "", "ValidatingWebhookConfiguration", "webhooks/clientConfig/service", false),
	FS("admissionregistration.k8s.io", "", "MutatingWebhookConfiguration", "webhooks/clientConfig/service", false),
};

static const kd_kz_fspec r_role[] = {
	FS("rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name", false),
};

static const kd_kz_fspec r_clusterrole[] = {
	FS("rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name", false),
	FS("rbac.authorization.k8s.io", "", "ClusterRoleBinding", "roleRef/name", false),
};

static const kd_kz_fspec r_serviceaccount[] = {
	FS("rbac.authorization.k8s.io", "", "RoleBinding", "subjects", false),
	FS("rbac.authorization.k8s.io", "", "ClusterRoleBinding", "subjects", false),
	FS("", "", "Pod", "spec/serviceAccountName", false),
	FS("", "", "StatefulSet", "spec/template/spec/serviceAccountName", false),
	FS("", "", "Deployment", "spec/template/spec/serviceAccountName", false),
	FS("", "", "ReplicationController", "spec/template/spec/serviceAccountName", false),
	FS("", "", "CronJob", "spec/jobTemplate/spec/template/spec/serviceAccountName", false),
	FS("", "", "Job", "spec/template/spec/serviceAccountName", false),
	FS("", "", "DaemonSet", "spec/template/spec/serviceAccountName", false),
};

static const kd_kz_fspec r_pvc[] = {
	EVERY_POD(x, "volumes/persistentVolumeClaim/claimName"),
};

static const kd_kz_fspec r_pv[] = {
	FS("", "", "PersistentVolumeClaim", "spec/volumeName", false),
	FS("", "", "ClusterRole", "rules/resourceNames", false),
};

static const kd_kz_fspec r_storageclass[] = {
	FS("", "", "PersistentVolume", "spec/storageClassName", false),
	FS("", "", "PersistentVolumeClaim", "spec/storageClassName", false),
	FS("", "", "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName", false),
};

static const kd_kz_fspec r_priorityclass[] = {
	EVERY_POD(x, "priorityClassName"),
};

static const kd_kz_fspec r_ingressclass[] = {
	FS("", "", "Ingress", "spec/ingressClassName", false),
};

static const kd_kz_fspec r_vap[] = {
	FS("admissionregistration.k8s.io", "", "ValidatingAdmissionPolicyBinding", "spec/policyName", false),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define REF(g, v, k, a) { g, v, k, { (kd_kz_fspec *)(a), N(a), 0 } }

/* The group of IngressClass is written "networking.k8s.io/v1" in
 * kustomize's defaults, so the reference never matches: kept as is, since
 * what matters is what kubectl prints. */
static const kd_kz_backref d_refs[] = {
	REF("", "", "Deployment", r_scale),
	REF("", "", "ReplicationController", r_scale),
	REF("", "", "ReplicaSet", r_scale),
	REF("", "", "StatefulSet", r_scale),
	REF("", "v1", "ConfigMap", r_configmap),
	REF("", "v1", "Secret", r_secret),
	REF("", "v1", "Service", r_service),
	REF("rbac.authorization.k8s.io", "", "Role", r_role),
	REF("rbac.authorization.k8s.io", "", "ClusterRole", r_clusterrole),
	REF("", "v1", "ServiceAccount", r_serviceaccount),
	REF("", "v1", "PersistentVolumeClaim", r_pvc),
	REF("", "v1", "PersistentVolume", r_pv),
	REF("storage.k8s.io", "v1", "StorageClass", r_storageclass),
	REF("scheduling.k8s.io", "v1", "PriorityClass", r_priorityclass),
	REF("networking.k8s.io/v1", "v1", "IngressClass", r_ingressclass),
	REF("admissionregistration.k8s.io", "", "ValidatingAdmissionPolicy", r_vap),
};

static const struct {
	const kd_kz_fspec *v;
	size_t n;
} d_cats[KD_KZ_FS_CATS] = {
	[KD_KZ_FS_PREFIX] = { d_name, N(d_name) },
	[KD_KZ_FS_SUFFIX] = { d_name, N(d_name) },
	[KD_KZ_FS_NAMESPACE] = { d_namespace, N(d_namespace) },
	[KD_KZ_FS_COMMON_LABELS] = { d_common_labels, N(d_common_labels) },
	[KD_KZ_FS_LABELS] = { NULL, 0 },
	[KD_KZ_FS_TEMPLATE_LABELS] = { d_template_labels, N(d_template_labels) },
	[KD_KZ_FS_ANNOTATIONS] = { d_annotations, N(d_annotations) },
	[KD_KZ_FS_VARREF] = { d_varref, N(d_varref) },
	[KD_KZ_FS_IMAGES] = { d_images, N(d_images) },
	[KD_KZ_FS_REPLICAS] = { d_replicas, N(d_replicas) },
};

/* The names of the categories in a configuration file. */
static const char *const cat_names[KD_KZ_FS_CATS] = {
	[KD_KZ_FS_PREFIX] = "namePrefix",
	[KD_KZ_FS_SUFFIX] = "nameSuffix",
	[KD_KZ_FS_NAMESPACE] = "namespace",
	[KD_KZ_FS_COMMON_LABELS] = "commonLabels",
	[KD_KZ_FS_LABELS] = "labels",
	[KD_KZ_FS_TEMPLATE_LABELS] = "templateLabels",
	[KD_KZ_FS_ANNOTATIONS] = "commonAnnotations",
	[KD_KZ_FS_VARREF] = "varReference",
	[KD_KZ_FS_IMAGES] = "images",
	[KD_KZ_FS_REPLICAS] = "replicas",
};

/* ---- configurations ------------------------------------------------------ */

/*
 * Merging follows kustomize's exactly, because it decides what survives:
 * an incoming spec is dropped when a spec already there is selected by the
 * incoming one's group, version and kind and has the same path (so a
 * configuration's `metadata/name` for one kind, merged first, swallows the
 * default `metadata/name` for every kind), and every merge sorts the lists
 * by kind (kustomize's legacy kind order, then group, version and kind).
 * A configuration that is exactly the defaults is not materialised, so
 * builds without `configurations:` never pay for this.
 */

void kd_kz_tconfig_defaults(kd_kz_tconfig *tc)
{
	tc->defaults = true;
}

const kd_kz_fspec *kd_kz_fs_get(const kd_kz_tconfig *tc, kd_kz_fscat cat, size_t i)
{
	if (tc->full)
		return i < tc->cats[cat].n ? &tc->cats[cat].v[i] : NULL;
	if (tc->defaults && i < d_cats[cat].n)
		return &d_cats[cat].v[i];
	return NULL;
}

void kd_kz_tconfig_free(kd_kz_tconfig *tc)
{
	size_t i;

	for (i = 0; i < KD_KZ_FS_CATS; i++)
		kd_kz_fslist_free(&tc->cats[i]);
	for (i = 0; i < tc->nrefs; i++)
		kd_kz_fslist_free(&tc->refs[i].referrers);
	free(tc->refs);
	json_decref(tc->keep);
	memset(tc, 0, sizeof(*tc));
}

/* Keeps s alive as long as tc and returns the kept copy. */
static const char *keep(kd_kz_tconfig *tc, const char *s)
{
	json_t *j;

	if (!s || !s[0])
		return "";
	if (!tc->keep && !(tc->keep = json_array()))
		return NULL;
	j = json_string(s);
	if (!j || json_array_append_new(tc->keep, j) < 0)
		return NULL;
	return json_string_value(j);
}

static int keep_spec(kd_kz_fspec *out, kd_kz_tconfig *tc, const kd_kz_fspec *in)
{
	out->group = keep(tc, in->group);
	out->version = keep(tc, in->version);
	out->kind = keep(tc, in->kind);
	out->path = keep(tc, in->path);
	out->create = in->create;
	if (!out->group || !out->version || !out->kind || !out->path)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* kustomize's kind order for sorting configurations (resid's typeOrders). */
static int kind_order(const char *kind)
{
	static const char *const first[] = {
		"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition",
		"ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding",
		"ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service", "LimitRange",
		"PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment",
		"StatefulSet", "CronJob", "PodDisruptionBudget", NULL,
	};
	static const char *const last[] = {
		"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", NULL,
	};
	int i;

	for (i = 0; first[i]; i++)
		if (strcmp(first[i], kind) == 0)
			return i - (int)(sizeof(first) / sizeof(first[0]) - 1);
	for (i = 0; last[i]; i++)
		if (strcmp(last[i], kind) == 0)
			return i + 1;
	return 0;
}

/* kustomize's Gvk.IsLessThan as a comparison. */
static int gvk_cmp(const char *g1, const char *v1, const char *k1,
		   const char *g2, const char *v2, const char *k2)
{
	int o1 = kind_order(k1), o2 = kind_order(k2), d;

	if (o1 != o2)
		return o1 < o2 ? -1 : 1;
	if ((d = strcmp(g1[0] ? g1 : "~G", g2[0] ? g2 : "~G")) != 0)
		return d;
	if ((d = strcmp(v1[0] ? v1 : "~V", v2[0] ? v2 : "~V")) != 0)
		return d;
	return strcmp(k1[0] ? k1 : "~K", k2[0] ? k2 : "~K");
}

/* Stable insertion sorts: the lists are short, and specs of one kind keep
 * their order. */
static void sort_specs(kd_kz_fslist *l)
{
	size_t i, j;

	for (i = 1; i < l->n; i++) {
		kd_kz_fspec x = l->v[i];

		for (j = i; j > 0 && gvk_cmp(x.group, x.version, x.kind, l->v[j - 1].group,
					    l->v[j - 1].version, l->v[j - 1].kind) < 0; j--)
			l->v[j] = l->v[j - 1];
		l->v[j] = x;
	}
}

static void sort_refs(kd_kz_tconfig *tc)
{
	size_t i, j;

	for (i = 1; i < tc->nrefs; i++) {
		kd_kz_backref x = tc->refs[i];

		for (j = i; j > 0 && gvk_cmp(x.group, x.version, x.kind, tc->refs[j - 1].group,
					    tc->refs[j - 1].version, tc->refs[j - 1].kind) < 0; j--)
			tc->refs[j] = tc->refs[j - 1];
		tc->refs[j] = x;
	}
}

static bool same_gvk(const char *g1, const char *v1, const char *k1,
		     const char *g2, const char *v2, const char *k2)
{
	return strcmp(g1, g2) == 0 && strcmp(v1, v2) == 0 && strcmp(k1, k2) == 0;
}

static kd_kz_backref *add_ref(kd_kz_tconfig *tc, const char *g, const char *v, const char *k,
			      bool copy)
{
	kd_kz_backref *ref;

	if (tc->nrefs == tc->caprefs) {
		size_t cap = tc->caprefs ? tc->caprefs * 2 : 16;
		kd_kz_backref *p = realloc(tc->refs, cap * sizeof(*p));

		if (!p)
			return NULL;
		tc->refs = p;
		tc->caprefs = cap;
	}
	ref = &tc->refs[tc->nrefs];
	memset(ref, 0, sizeof(*ref));
	ref->group = copy ? keep(tc, g) : g;
	ref->version = copy ? keep(tc, v) : v;
	ref->kind = copy ? keep(tc, k) : k;
	if (!ref->group || !ref->version || !ref->kind)
		return NULL;
	tc->nrefs++;
	return ref;
}

/* The whole configuration as lists: kustomize's defaults, sorted, as its
 * default configuration is when loaded. */
static int materialize(kd_kz_tconfig *tc)
{
	size_t c, i, j;
	int rc;

	if (tc->full)
		return 0;
	tc->full = true;
	if (!tc->defaults)
		return 0;
	for (c = 0; c < KD_KZ_FS_CATS; c++) {
		for (i = 0; i < d_cats[c].n; i++)
			if ((rc = kd_kz_fslist_add(&tc->cats[c], &d_cats[c].v[i])) < 0)
				return rc;
		sort_specs(&tc->cats[c]);
	}
	for (i = 0; i < N(d_refs); i++) {
		kd_kz_backref *ref = add_ref(tc, d_refs[i].group, d_refs[i].version, d_refs[i].kind,
					     false);

		if (!ref)
			return kd_error_set(KD_ENOMEM, "out of memory");
		for (j = 0; j < d_refs[i].referrers.n; j++)
			if ((rc = kd_kz_fslist_add(&ref->referrers, &d_refs[i].referrers.v[j])) < 0)
				return rc;
	}
	sort_refs(tc);
	return 0;
}

/* kustomize's FsSlice.MergeOne into a list of into. */
static int merge_one(kd_kz_tconfig *into, kd_kz_fslist *l, const kd_kz_fspec *in)
{
	kd_kz_fspec s;
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		const kd_kz_fspec *have = &l->v[i];

		if ((in->group[0] && strcmp(have->group, in->group) != 0) ||
		    (in->version[0] && strcmp(have->version, in->version) != 0) ||
		    (in->kind[0] && strcmp(have->kind, in->kind) != 0) ||
		    strcmp(have->path, in->path) != 0)
			continue;
		if (have->create != in->create)
			return kd_error_set(KD_EINVAL, "conflicting fieldspecs for path '%s'%s%s",
					    in->path, in->kind[0] ? " of kind " : "", in->kind);
		return 0;
	}
	if ((rc = keep_spec(&s, into, in)) < 0)
		return rc;
	return kd_kz_fslist_add(l, &s);
}

int kd_kz_tconfig_merge(kd_kz_tconfig *into, const kd_kz_tconfig *from)
{
	kd_kz_tconfig tmp;
	const kd_kz_tconfig *src = from;
	size_t c, i, j, k;
	int rc = 0;

	if (!from->full && !from->defaults)
		return 0;
	if (!into->full && !from->full) {
		into->defaults = true;
		return 0;
	}
	memset(&tmp, 0, sizeof(tmp));
	if (!from->full) {
		tmp.defaults = true;
		if ((rc = materialize(&tmp)) < 0)
			goto cleanup;
		src = &tmp;
	}
	if ((rc = materialize(into)) < 0)
		goto cleanup;
	for (c = 0; c < KD_KZ_FS_CATS; c++) {
		for (i = 0; i < src->cats[c].n && rc == 0; i++)
			rc = merge_one(into, &into->cats[c], &src->cats[c].v[i]);
		if (rc < 0)
			goto cleanup;
		sort_specs(&into->cats[c]);
	}
	for (i = 0; i < src->nrefs && rc == 0; i++) {
		const kd_kz_backref *b = &src->refs[i];
		kd_kz_backref *ref = NULL;

		for (j = 0; j < into->nrefs && !ref; j++)
			if (same_gvk(into->refs[j].group, into->refs[j].version, into->refs[j].kind,
				     b->group, b->version, b->kind))
				ref = &into->refs[j];
		if (!ref && !(ref = add_ref(into, b->group, b->version, b->kind, true))) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
		for (k = 0; k < b->referrers.n && rc == 0; k++)
			rc = merge_one(into, &ref->referrers, &b->referrers.v[k]);
	}
	if (rc == 0)
		sort_refs(into);
cleanup:
	kd_kz_tconfig_free(&tmp);
	return rc;
}

size_t kd_kz_backrefs(const kd_kz_tconfig *tc, kd_kz_backref_view *out, size_t max)
{
	size_t n = 0, i;

	if (tc->full) {
		for (i = 0; i < tc->nrefs; i++, n++) {
			if (n >= max)
				continue;
			out[n].group = tc->refs[i].group;
			out[n].version = tc->refs[i].version;
			out[n].kind = tc->refs[i].kind;
			out[n].base = tc->refs[i].referrers.v;
			out[n].nbase = tc->refs[i].referrers.n;
			out[n].extra = NULL;
		}
		return n;
	}
	for (i = 0; tc->defaults && i < N(d_refs); i++, n++) {
		if (n >= max)
			continue;
		out[n].group = d_refs[i].group;
		out[n].version = d_refs[i].version;
		out[n].kind = d_refs[i].kind;
		out[n].base = d_refs[i].referrers.v;
		out[n].nbase = d_refs[i].referrers.n;
		out[n].extra = NULL;
	}
	return n;
}

/* ---- configuration files --------------------------------------------------- */

/* kubectl reads these files into Go structs: field names match in any case
 * and unknown ones are errors. */
static bool key_is(const char *key, const char *name)
{
	return strcasecmp(key, name) == 0;
}

static int read_string(const char **out, const json_t *v, const char *what, const char *file)
{
	if (json_is_null(v)) {
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return kd_error_set(KD_EINVAL, "%s: '%s' must be a string", file, what);
	*out = json_string_value(v);
	return 0;
}

/* One field spec: {group, version, kind, path, create}. */
int kd_kz_fspec_read(kd_kz_fspec *out, const json_t *obj, const char *file, bool strict)
{
	const char *key;
	json_t *v;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->group = out->version = out->kind = out->path = "";
	if (!json_is_object(obj))
		return kd_error_set(KD_EINVAL, "%s: a field spec must be a mapping", file);
	json_object_foreach((json_t *)obj, key, v) {
		if (key_is(key, "group"))
			rc = read_string(&out->group, v, "group", file);
		else if (key_is(key, "version"))
			rc = read_string(&out->version, v, "version", file);
		else if (key_is(key, "kind"))
			rc = read_string(&out->kind, v, "kind", file);
		else if (key_is(key, "path"))
			rc = read_string(&out->path, v, "path", file);
		else if (key_is(key, "create")) {
			if (!kd_kz_is_bool(v) && !json_is_null(v))
				rc = kd_error_set(KD_EINVAL, "%s: 'create' must be true or false", file);
			out->create = kd_kz_true(v);
		} else if (strict)
			rc = kd_error_set(KD_EINVAL, "%s: unknown field \"%s\" in a field spec", file, key);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_raw(kd_kz_tconfig *tc, kd_kz_fslist *l, const kd_kz_fspec *in)
{
	kd_kz_fspec s;
	int rc = keep_spec(&s, tc, in);

	return rc < 0 ? rc : kd_kz_fslist_add(l, &s);
}

static int read_list(kd_kz_tconfig *tc, kd_kz_fscat cat, const json_t *list, const char *file)
{
	size_t i;
	int rc;

	if (json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return kd_error_set(KD_EINVAL, "%s: '%s' must be a list of field specs", file,
				    cat_names[cat]);
	for (i = 0; i < json_array_size(list); i++) {
		kd_kz_fspec s;

		if ((rc = kd_kz_fspec_read(&s, json_array_get(list, i), file, true)) < 0 ||
		    (rc = add_raw(tc, &tc->cats[cat], &s)) < 0)
			return rc;
	}
	return 0;
}

static int read_namerefs(kd_kz_tconfig *tc, const json_t *list, const char *file)
{
	size_t i, j;
	int rc;

	if (json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return kd_error_set(KD_EINVAL, "%s: 'nameReference' must be a list", file);
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *e = json_array_get(list, i);
		const char *g = "", *v = "", *k = "";
		const json_t *specs = NULL;
		kd_kz_backref *ref;
		const char *key;
		json_t *val;

		if (!json_is_object(e))
			return kd_error_set(KD_EINVAL, "%s: a nameReference entry must be a mapping", file);
		json_object_foreach((json_t *)e, key, val) {
			rc = 0;
			if (key_is(key, "group"))
				rc = read_string(&g, val, "group", file);
			else if (key_is(key, "version"))
				rc = read_string(&v, val, "version", file);
			else if (key_is(key, "kind"))
				rc = read_string(&k, val, "kind", file);
			else if (key_is(key, "fieldSpecs"))
				specs = val;
			else
				rc = kd_error_set(KD_EINVAL, "%s: unknown field \"%s\" in nameReference", file, key);
			if (rc < 0)
				return rc;
		}
		if (specs && !json_is_array(specs) && !json_is_null(specs))
			return kd_error_set(KD_EINVAL, "%s: 'fieldSpecs' must be a list", file);
		if (!(ref = add_ref(tc, g, v, k, true)))
			return kd_error_set(KD_ENOMEM, "out of memory");
		for (j = 0; j < json_array_size(specs); j++) {
			kd_kz_fspec s;

			if ((rc = kd_kz_fspec_read(&s, json_array_get(specs, j), file, true)) < 0 ||
			    (rc = add_raw(tc, &ref->referrers, &s)) < 0)
				return rc;
		}
	}
	return 0;
}

int kd_kz_tconfig_read(kd_kz_tconfig *tc, const json_t *doc, const char *file)
{
	const char *key;
	json_t *v;
	size_t c;
	int rc;

	tc->full = true;
	if (json_is_null(doc))
		return 0;
	if (!json_is_object(doc))
		return kd_error_set(KD_EINVAL, "%s: a transformer configuration must be a mapping", file);
	json_object_foreach((json_t *)doc, key, v) {
		bool known = false;

		if (key_is(key, "nameReference")) {
			if ((rc = read_namerefs(tc, v, file)) < 0)
				return rc;
			continue;
		}
		for (c = 0; c < KD_KZ_FS_CATS && !known; c++) {
			if (!key_is(key, cat_names[c]))
				continue;
			known = true;
			if ((rc = read_list(tc, (kd_kz_fscat)c, v, file)) < 0)
				return rc;
		}
		if (!known)
			return kd_error_set(KD_EINVAL, "%s: unknown field \"%s\" in transformer configuration",
					    file, key);
	}
	for (c = 0; c < KD_KZ_FS_CATS; c++)
		sort_specs(&tc->cats[c]);
	sort_refs(tc);
	return 0;
}

/* ---- additions one by one (crds) ----------------------------------------- */

int kd_kz_tconfig_add(kd_kz_tconfig *tc, kd_kz_fscat cat, const kd_kz_fspec *fs)
{
	tc->full = true;
	return merge_one(tc, &tc->cats[cat], fs);
}

int kd_kz_tconfig_add_ref(kd_kz_tconfig *tc, const char *group, const char *version,
			  const char *kind, const kd_kz_fspec *referrer)
{
	kd_kz_backref *ref = NULL;
	size_t i;

	tc->full = true;
	for (i = 0; i < tc->nrefs && !ref; i++)
		if (same_gvk(tc->refs[i].group, tc->refs[i].version, tc->refs[i].kind,
			     group, version, kind))
			ref = &tc->refs[i];
	if (!ref && !(ref = add_ref(tc, group, version, kind, true)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return merge_one(tc, &ref->referrers, referrer);
}

int kd_kz_tconfig_files(kd_kz_tconfig *all, kd_kz_ctx *c, const kd_kz_file *f,
			const char *key, kd_kz_tconfig_reader read, bool as_written)
{
	const json_t *list = json_object_get(f->doc, key);
	char ptr[64];
	size_t i;
	int rc = 0;

	memset(all, 0, sizeof(*all));
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return kd_kz_fail(f, ptr, KD_EINVAL, "'%s' must be a list", key);
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		const char *rel = json_string_value(json_array_get(list, i));
		kd_buf data = KD_BUF_INIT;
		kd_kz_tconfig one;
		json_t *doc = NULL;
		char *path = NULL;

		memset(&one, 0, sizeof(one));
		snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
		if (!rel) {
			rc = kd_kz_fail(f, ptr, KD_EINVAL, "'%s' entries must be strings", key);
			break;
		}
		if (kd_kz_is_remote(rel)) {
			rc = kd_error_set(KD_EUNSUPPORTED,
					  "unsupported kustomize feature 'remote %s %s' (%s:%d)",
					  key, rel, f->path, kd_kz_line(f, ptr));
			break;
		}
		rc = kd_kz_read_file(&data, &path, c, f, rel, ptr);
		if (rc == 0 && (rc = kd_yaml_parse_one(&doc, NULL, kd_buf_cstr(&data), data.len,
						       path, NULL)) < 0)
			rc = kd_kz_wrap(f, ptr, rc);
		if (rc == 0 && (rc = read(&one, doc, as_written ? rel : path)) < 0 && rc != KD_ENOMEM)
			rc = kd_kz_wrap(f, ptr, rc);
		if (rc == 0 && (rc = kd_kz_tconfig_merge(all, &one)) < 0 && rc != KD_ENOMEM)
			rc = kd_kz_wrap(f, ptr, rc);
		kd_kz_tconfig_free(&one);
		json_decref(doc);
		free(path);
		kd_buf_free(&data);
	}
	return rc;
}
