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

void kd_kz_tconfig_defaults(kd_kz_tconfig *tc)
{
	tc->defaults = true;
}

const kd_kz_fspec *kd_kz_fs_get(const kd_kz_tconfig *tc, kd_kz_fscat cat, size_t i)
{
	size_t nd = tc->defaults ? d_cats[cat].n : 0;

	if (i < nd)
		return &d_cats[cat].v[i];
	i -= nd;
	return i < tc->extra[cat].n ? &tc->extra[cat].v[i] : NULL;
}

void kd_kz_tconfig_free(kd_kz_tconfig *tc)
{
	size_t i;

	for (i = 0; i < KD_KZ_FS_CATS; i++)
		kd_kz_fslist_free(&tc->extra[i]);
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

static int add_spec(kd_kz_tconfig *tc, kd_kz_fscat cat, const kd_kz_fspec *in)
{
	kd_kz_fspec s;
	int rc = keep_spec(&s, tc, in);

	if (rc < 0)
		return rc;
	return kd_kz_fslist_merge(&tc->extra[cat], &s, tc->defaults ? d_cats[cat].v : NULL,
				  tc->defaults ? d_cats[cat].n : 0);
}

static bool same_gvk(const char *g1, const char *v1, const char *k1,
		     const char *g2, const char *v2, const char *k2)
{
	return strcmp(g1, g2) == 0 && strcmp(v1, v2) == 0 && strcmp(k1, k2) == 0;
}

/* Adds referrers of the referral gvk g/v/k: merged into the default entry
 * of that gvk when there is one (stored as an addition to it), else into
 * the additions. */
static int add_referrer(kd_kz_tconfig *tc, const char *g, const char *v, const char *k,
			const kd_kz_fspec *in)
{
	const kd_kz_fspec *base = NULL;
	size_t nbase = 0, i;
	kd_kz_backref *ref = NULL;
	kd_kz_fspec s;
	int rc;

	for (i = 0; tc->defaults && i < N(d_refs); i++)
		if (same_gvk(d_refs[i].group, d_refs[i].version, d_refs[i].kind, g, v, k)) {
			base = d_refs[i].referrers.v;
			nbase = d_refs[i].referrers.n;
			break;
		}
	for (i = 0; i < tc->nrefs && !ref; i++)
		if (same_gvk(tc->refs[i].group, tc->refs[i].version, tc->refs[i].kind, g, v, k))
			ref = &tc->refs[i];
	if (!ref) {
		if (tc->nrefs == tc->caprefs) {
			size_t cap = tc->caprefs ? tc->caprefs * 2 : 4;
			kd_kz_backref *p = realloc(tc->refs, cap * sizeof(*p));

			if (!p)
				return kd_error_set(KD_ENOMEM, "out of memory");
			tc->refs = p;
			tc->caprefs = cap;
		}
		ref = &tc->refs[tc->nrefs++];
		memset(ref, 0, sizeof(*ref));
		ref->group = keep(tc, g);
		ref->version = keep(tc, v);
		ref->kind = keep(tc, k);
		if (!ref->group || !ref->version || !ref->kind)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if ((rc = keep_spec(&s, tc, in)) < 0)
		return rc;
	return kd_kz_fslist_merge(&ref->referrers, &s, base, nbase);
}

int kd_kz_tconfig_merge(kd_kz_tconfig *into, const kd_kz_tconfig *from)
{
	size_t c, i, j;
	int rc;

	if (from->defaults && !into->defaults) {
		/* Only ever the first merge into an empty accumulator: take the
		 * defaults, then re-add what into had on top of them. */
		kd_kz_tconfig old = *into;

		memset(into, 0, sizeof(*into));
		into->defaults = true;
		rc = kd_kz_tconfig_merge(into, &old);
		kd_kz_tconfig_free(&old);
		if (rc < 0)
			return rc;
	}
	for (c = 0; c < KD_KZ_FS_CATS; c++)
		for (i = 0; i < from->extra[c].n; i++)
			if ((rc = add_spec(into, (kd_kz_fscat)c, &from->extra[c].v[i])) < 0)
				return rc;
	for (i = 0; i < from->nrefs; i++)
		for (j = 0; j < from->refs[i].referrers.n; j++)
			if ((rc = add_referrer(into, from->refs[i].group, from->refs[i].version,
					       from->refs[i].kind, &from->refs[i].referrers.v[j])) < 0)
				return rc;
	return 0;
}

size_t kd_kz_backrefs(const kd_kz_tconfig *tc, kd_kz_backref_view *out, size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; tc->defaults && i < N(d_refs); i++) {
		if (n >= max) {
			n++;
			continue;
		}
		out[n].group = d_refs[i].group;
		out[n].version = d_refs[i].version;
		out[n].kind = d_refs[i].kind;
		out[n].base = d_refs[i].referrers.v;
		out[n].nbase = d_refs[i].referrers.n;
		out[n].extra = NULL;
		for (j = 0; j < tc->nrefs; j++)
			if (same_gvk(tc->refs[j].group, tc->refs[j].version, tc->refs[j].kind,
				     d_refs[i].group, d_refs[i].version, d_refs[i].kind))
				out[n].extra = &tc->refs[j].referrers;
		n++;
	}
	for (j = 0; j < tc->nrefs; j++) {
		bool dflt = false;

		for (i = 0; tc->defaults && i < N(d_refs) && !dflt; i++)
			dflt = same_gvk(tc->refs[j].group, tc->refs[j].version, tc->refs[j].kind,
					d_refs[i].group, d_refs[i].version, d_refs[i].kind);
		if (dflt)
			continue;
		if (n >= max) {
			n++;
			continue;
		}
		out[n].group = tc->refs[j].group;
		out[n].version = tc->refs[j].version;
		out[n].kind = tc->refs[j].kind;
		out[n].base = NULL;
		out[n].nbase = 0;
		out[n].extra = &tc->refs[j].referrers;
		n++;
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
		    (rc = add_spec(tc, cat, &s)) < 0)
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
		for (j = 0; j < json_array_size(specs); j++) {
			kd_kz_fspec s;

			if ((rc = kd_kz_fspec_read(&s, json_array_get(specs, j), file, true)) < 0 ||
			    (rc = add_referrer(tc, g, v, k, &s)) < 0)
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
	return 0;
}
