/*
 * kustomize_xform — the built-in transformers: namespace, name prefix and
 * suffix, labels, annotations, images, replicas, and the name reference
 * fix-up that follows renames.
 *
 * Which fields each transformer touches follows kustomize's default field
 * specifications (e.g. commonLabels reach Deployment selectors and pod
 * templates, but NetworkPolicy selectors only when they already exist).
 * Paths are written "a/b[]/c": "[]" walks every element of a list.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* ---- a tiny path walker ----------------------------------------------- */

typedef int (*visit_fn)(json_t *parent, const char *key, void *arg);

/* Calls fn(parent, last_key) for every match of path in obj.  When create
 * is set, missing maps on the way (not through lists) are created. */
static int walk(json_t *obj, const char *path, bool create, visit_fn fn, void *arg)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path);
	char key[128];
	bool list = false;
	json_t *next;
	size_t i;
	int rc;

	if (!json_is_object(obj) || len + 1 > sizeof(key))
		return 0;
	memcpy(key, path, len);
	key[len] = '\0';
	if (len > 2 && strcmp(key + len - 2, "[]") == 0) {
		key[len - 2] = '\0';
		list = true;
	}
	if (!slash)
		return fn(obj, key, arg);
	next = json_object_get(obj, key);
	if (list) {
		for (i = 0; i < json_array_size(next); i++)
			if ((rc = walk(json_array_get(next, i), slash + 1, create, fn, arg)) < 0)
				return rc;
		return 0;
	}
	if (!next && create) {
		next = json_object();
		if (!next || json_object_set_new(obj, key, next) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return walk(next, slash + 1, create, fn, arg);
}

static bool kind_in(const char *kind, const char *const *kinds)
{
	size_t i;

	if (!kinds)
		return true;
	for (i = 0; kinds[i]; i++)
		if (strcmp(kinds[i], kind) == 0)
			return true;
	return false;
}

typedef struct fspec {
	const char *const *kinds;  /* NULL: every kind */
	const char *path;
	bool create;
} fspec;

static const char *const k_service[] = { "Service", NULL };
static const char *const k_rc[] = { "ReplicationController", NULL };
static const char *const k_workloads[] = { "Deployment", "ReplicaSet", "DaemonSet",
					   "StatefulSet", NULL };
static const char *const k_templated[] = { "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet",
					   "Job", "ReplicationController", NULL };
static const char *const k_sts[] = { "StatefulSet", NULL };
static const char *const k_scalable[] = { "Deployment", "StatefulSet", "ReplicaSet",
					  "ReplicationController", NULL };
static const char *const k_job[] = { "Job", NULL };
static const char *const k_cronjob[] = { "CronJob", NULL };
static const char *const k_pdb[] = { "PodDisruptionBudget", NULL };
static const char *const k_netpol[] = { "NetworkPolicy", NULL };

#define AFF "spec/template/spec/affinity/"
#define PREFERRED "preferredDuringSchedulingIgnoredDuringExecution[]"
#define REQUIRED "requiredDuringSchedulingIgnoredDuringExecution[]"
#define SELECTOR "labelSelector/matchLabels"
static const fspec label_selector_specs[] = {
	{ k_service, "spec/selector", true },
	{ k_rc, "spec/selector", true },
	{ k_workloads, "spec/selector/matchLabels", true },
	{ k_workloads, AFF "podAffinity/" PREFERRED "/podAffinityTerm/" SELECTOR, false },
	{ k_workloads, AFF "podAffinity/" REQUIRED "/" SELECTOR, false },
	{ k_workloads, AFF "podAntiAffinity/" PREFERRED "/podAffinityTerm/" SELECTOR, false },
	{ k_workloads, AFF "podAntiAffinity/" REQUIRED "/" SELECTOR, false },
	{ k_workloads, "spec/template/spec/topologySpreadConstraints[]/labelSelector/matchLabels", false },
	{ k_job, "spec/selector/matchLabels", false },
	{ k_cronjob, "spec/jobTemplate/spec/selector/matchLabels", false },
	{ k_pdb, "spec/selector/matchLabels", false },
	{ k_netpol, "spec/podSelector/matchLabels", false },
	{ k_netpol, "spec/ingress[]/from[]/podSelector/matchLabels", false },
	{ k_netpol, "spec/egress[]/to[]/podSelector/matchLabels", false },
	{ NULL, NULL, false },
};

static const fspec label_template_specs[] = {
	{ k_templated, "spec/template/metadata/labels", true },
	{ k_sts, "spec/volumeClaimTemplates[]/metadata/labels", true },
	{ k_cronjob, "spec/jobTemplate/metadata/labels", true },
	{ k_cronjob, "spec/jobTemplate/spec/template/metadata/labels", true },
	{ NULL, NULL, false },
};

static const fspec annotation_specs[] = {
	{ k_templated, "spec/template/metadata/annotations", true },
	{ k_cronjob, "spec/jobTemplate/metadata/annotations", true },
	{ k_cronjob, "spec/jobTemplate/spec/template/metadata/annotations", true },
	{ NULL, NULL, false },
};

/* Sets every pair of `pairs` into the map at parent[key]. */
static int set_pairs(json_t *parent, const char *key, void *arg)
{
	const json_t *pairs = arg;
	json_t *m = json_object_get(parent, key);

	if (!m || json_is_null(m)) {
		m = json_object();
		if (!m || json_object_set_new(parent, key, m) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if (!json_is_object(m))
		return 0;
	return json_object_update(m, (json_t *)pairs) < 0
		? kd_error_set(KD_ENOMEM, "out of memory") : 0;
}

/* Like set_pairs, but only where the map already exists. */
static int set_pairs_existing(json_t *parent, const char *key, void *arg)
{
	json_t *m = json_object_get(parent, key);

	if (!json_is_object(m))
		return 0;
	return json_object_update(m, (json_t *)arg) < 0
		? kd_error_set(KD_ENOMEM, "out of memory") : 0;
}

static int apply_specs(json_t *obj, const fspec *specs, const json_t *pairs)
{
	size_t i;
	int rc;

	for (i = 0; specs[i].path; i++) {
		if (!kind_in(kd_kz_kind(obj), specs[i].kinds))
			continue;
		rc = walk(obj, specs[i].path, specs[i].create,
			  specs[i].create ? set_pairs : set_pairs_existing, (void *)pairs);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Label and annotation values must be strings: kubectl refuses numbers
 * and booleans there ("cannot unmarshal number into ... of type string"). */
static int string_pairs(json_t **out, const kd_kz_file *f, const json_t *in,
			const char *pointer)
{
	const char *key;
	json_t *v;

	*out = NULL;
	if (!json_is_object(in))
		return kd_kz_fail(f, pointer, KD_EINVAL, "expected a mapping of names to values");
	json_object_foreach((json_t *)in, key, v) {
		if (!json_is_string(v))
			return kd_kz_fail(f, pointer, KD_EINVAL,
				       "value of '%s' must be a string (quote it)", key);
	}
	*out = json_incref((json_t *)in);
	return 0;
}

int kd_kz_labels(const kd_kz_file *f, kd_kz_list *l, const json_t *labels,
	      bool selectors, bool templates, const char *pointer)
{
	json_t *pairs = NULL;
	size_t i;
	int rc = string_pairs(&pairs, f, labels, pointer);

	for (i = 0; rc == 0 && i < l->n; i++) {
		json_t *obj = l->v[i].obj;

		rc = walk(obj, "metadata/labels", true, set_pairs, pairs);
		if (rc == 0 && selectors)
			rc = apply_specs(obj, label_selector_specs, pairs);
		if (rc == 0 && templates)
			rc = apply_specs(obj, label_template_specs, pairs);
	}
	json_decref(pairs);
	return rc;
}

int kd_kz_annotations(const kd_kz_file *f, kd_kz_list *l, const json_t *annotations)
{
	json_t *pairs = NULL;
	size_t i;
	int rc = string_pairs(&pairs, f, annotations, "/commonAnnotations");

	for (i = 0; rc == 0 && i < l->n; i++) {
		rc = walk(l->v[i].obj, "metadata/annotations", true, set_pairs, pairs);
		if (rc == 0)
			rc = apply_specs(l->v[i].obj, annotation_specs, pairs);
	}
	json_decref(pairs);
	return rc;
}

/* ---- namespace -------------------------------------------------------- */

/*
 * kustomize decides what is cluster-scoped from the OpenAPI document built
 * into it (Kubernetes 1.21 era), never from a cluster: kinds and versions
 * it does not know there (flowcontrol v1, ValidatingAdmissionPolicy, custom
 * resources) get a namespace.  This is that document's list.
 */
static const char *const kustomize_cluster_scoped[] = {
	"v1 ComponentStatus", "v1 Namespace", "v1 Node", "v1 PersistentVolume",
	"admissionregistration.k8s.io/v1 MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration",
	"apiextensions.k8s.io/v1 CustomResourceDefinition",
	"apiextensions.k8s.io/v1beta1 CustomResourceDefinition",
	"apiregistration.k8s.io/v1 APIService",
	"apiregistration.k8s.io/v1beta1 APIService",
	"certificates.k8s.io/v1 CertificateSigningRequest",
	"certificates.k8s.io/v1beta1 CertificateSigningRequest",
	"flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema",
	"flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration",
	"networking.k8s.io/v1 IngressClass", "networking.k8s.io/v1beta1 IngressClass",
	"node.k8s.io/v1 RuntimeClass", "node.k8s.io/v1beta1 RuntimeClass",
	"policy/v1beta1 PodSecurityPolicy",
	"rbac.authorization.k8s.io/v1 ClusterRole",
	"rbac.authorization.k8s.io/v1 ClusterRoleBinding",
	"rbac.authorization.k8s.io/v1beta1 ClusterRole",
	"rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding",
	"scheduling.k8s.io/v1 PriorityClass", "scheduling.k8s.io/v1beta1 PriorityClass",
	"storage.k8s.io/v1 CSIDriver", "storage.k8s.io/v1 CSINode",
	"storage.k8s.io/v1 StorageClass", "storage.k8s.io/v1 VolumeAttachment",
	"storage.k8s.io/v1beta1 CSIDriver", "storage.k8s.io/v1beta1 CSINode",
	"storage.k8s.io/v1beta1 StorageClass", "storage.k8s.io/v1beta1 VolumeAttachment",
	NULL,
};

static bool cluster_scoped(const json_t *obj)
{
	const char *av = kd_kz_api_version(obj), *kind = kd_kz_kind(obj);
	size_t i, n = strlen(av);

	for (i = 0; kustomize_cluster_scoped[i]; i++) {
		const char *e = kustomize_cluster_scoped[i];

		if (strncmp(e, av, n) == 0 && e[n] == ' ' && strcmp(e + n + 1, kind) == 0)
			return true;
	}
	return false;
}

static int set_string(json_t *parent, const char *key, void *arg)
{
	return kd_kz_set_str(parent, key, arg);
}

int kd_kz_namespace(const kd_kz_file *f, kd_kz_list *l, const char *ns)
{
	size_t i, j;
	int rc;

	(void)f;
	for (i = 0; i < l->n; i++) {
		json_t *obj = l->v[i].obj;
		json_t *meta = json_object_get(obj, "metadata");
		const char *kind = kd_kz_kind(obj);

		if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0) {
			json_t *subjects = json_object_get(obj, "subjects");

			for (j = 0; j < json_array_size(subjects); j++) {
				json_t *s = json_array_get(subjects, j);
				const char *sns = json_string_value(json_object_get(s, "namespace"));

				if (json_is_object(s) &&
				    strcmp(kd_kz_kind(s), "ServiceAccount") == 0 &&
				    sns && strcmp(sns, "default") == 0 &&
				    (rc = kd_kz_set_str(s, "namespace", ns)) < 0)
					return rc;
			}
		}
		if ((rc = kd_kz_remember_id(&l->v[i])) < 0)
			return rc;
		if (strcmp(kind, "APIService") == 0 &&
		    strncmp(kd_kz_api_version(obj), "apiregistration.k8s.io/", 23) == 0 &&
		    (rc = walk(obj, "spec/service/namespace", true, set_string, (void *)ns)) < 0)
			return rc;
		if (strcmp(kind, "Namespace") == 0 && strcmp(kd_kz_api_version(obj), "v1") == 0 &&
		    json_is_object(meta)) {
			if ((rc = kd_kz_set_str(meta, "name", ns)) < 0)
				return rc;
			continue;
		}
		if (cluster_scoped(obj) || !json_is_object(meta))
			continue;
		if ((rc = kd_kz_set_str(meta, "namespace", ns)) < 0)
			return rc;
	}
	return 0;
}

/* ---- names ------------------------------------------------------------ */

int kd_kz_prefix_suffix(kd_kz_list *l, const char *prefix, const char *suffix)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		json_t *meta = json_object_get(r->obj, "metadata");
		const char *kind = kd_kz_kind(r->obj);
		const char *name = r->hashed ? r->base_name : kd_kz_name(r->obj);
		kd_buf b = KD_BUF_INIT;
		int rc;

		/* kustomize never prefixes these kinds (of any version) */
		if (strcmp(kind, "Namespace") == 0 || strcmp(kind, "APIService") == 0 ||
		    strcmp(kind, "CustomResourceDefinition") == 0 || !name)
			continue;
		if ((rc = kd_kz_remember_id(r)) < 0)
			return rc;
		if (kd_buf_printf(&b, "%s%s%s", prefix ? prefix : "", name,
				  suffix ? suffix : "") < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		if (r->hashed) {
			free(r->base_name);
			r->base_name = kd_buf_detach(&b);
			rc = r->base_name ? kd_kz_set_str(meta, "name", r->base_name)
					  : kd_error_set(KD_ENOMEM, "out of memory");
		} else {
			rc = kd_kz_set_str(meta, "name", kd_buf_cstr(&b));
		}
		kd_buf_free(&b);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void kd_kz_mark_level(kd_kz_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		char *n = strdup(kd_kz_name(r->obj) ? kd_kz_name(r->obj) : "");
		char *ns = strdup(kd_kz_ns(r->obj));

		/* On allocation failure the old marks stay: references are then
		 * just not rewritten, which is visible in the output. */
		if (!n || !ns) {
			free(n);
			free(ns);
			continue;
		}
		free(r->level_name);
		free(r->level_ns);
		r->level_name = n;
		r->level_ns = ns;
	}
}

/* ---- name references -------------------------------------------------- */

typedef struct refspec {
	const char *ref_kind;   /* the kind referred to */
	const char *path;       /* below the pod spec when pod is set */
	bool pod;               /* path is relative to every pod spec */
	const char *const *kinds;
} refspec;

static const char *const k_sa[] = { "ServiceAccount", NULL };
static const char *const k_ingress[] = { "Ingress", NULL };
static const char *const k_apiservice[] = { "APIService", NULL };
static const char *const k_webhooks[] = { "MutatingWebhookConfiguration",
					  "ValidatingWebhookConfiguration", NULL };
static const char *const k_volumes[] = { "PersistentVolume", "PersistentVolumeClaim", NULL };
static const char *const k_pvc[] = { "PersistentVolumeClaim", NULL };

static const refspec refspecs[] = {
	{ "ConfigMap", "volumes[]/configMap/name", true, NULL },
	{ "ConfigMap", "volumes[]/projected/sources[]/configMap/name", true, NULL },
	{ "ConfigMap", "containers[]/env[]/valueFrom/configMapKeyRef/name", true, NULL },
	{ "ConfigMap", "initContainers[]/env[]/valueFrom/configMapKeyRef/name", true, NULL },
	{ "ConfigMap", "containers[]/envFrom[]/configMapRef/name", true, NULL },
	{ "ConfigMap", "initContainers[]/envFrom[]/configMapRef/name", true, NULL },
	{ "Secret", "volumes[]/secret/secretName", true, NULL },
	{ "Secret", "volumes[]/projected/sources[]/secret/name", true, NULL },
	{ "Secret", "containers[]/env[]/valueFrom/secretKeyRef/name", true, NULL },
	{ "Secret", "initContainers[]/env[]/valueFrom/secretKeyRef/name", true, NULL },
	{ "Secret", "containers[]/envFrom[]/secretRef/name", true, NULL },
	{ "Secret", "initContainers[]/envFrom[]/secretRef/name", true, NULL },
	{ "Secret", "imagePullSecrets[]/name", true, NULL },
	{ "Secret", "secrets[]/name", false, k_sa },
	{ "Secret", "imagePullSecrets[]/name", false, k_sa },
	{ "Secret", "spec/tls[]/secretName", false, k_ingress },
	{ "ServiceAccount", "serviceAccountName", true, NULL },
	{ "ServiceAccount", "serviceAccount", true, NULL },
	{ "PersistentVolumeClaim", "volumes[]/persistentVolumeClaim/claimName", true, NULL },
	{ "Service", "spec/serviceName", false, k_sts },
	{ "Service", "spec/rules[]/http/paths[]/backend/service/name", false, k_ingress },
	{ "Service", "spec/defaultBackend/service/name", false, k_ingress },
	{ "Service", "spec/service/name", false, k_apiservice },
	{ "Service", "webhooks[]/clientConfig/service/name", false, k_webhooks },
	{ "StorageClass", "spec/storageClassName", false, k_volumes },
	{ "StorageClass", "spec/volumeClaimTemplates[]/spec/storageClassName", false, k_sts },
	{ "PersistentVolume", "spec/volumeName", false, k_pvc },
	{ "PriorityClass", "priorityClassName", true, NULL },
	{ NULL, NULL, false, NULL },
};

static const char *const k_pod[] = { "Pod", NULL };
static const char *const k_podtemplate[] = { "PodTemplate", NULL };

/* Where built-in kinds keep their pod spec; custom resources with pod
 * templates are left alone, as kustomize leaves them. */
static const struct {
	const char *const *kinds;
	const char *path;
} pod_specs[] = {
	{ k_pod, "spec" },
	{ k_templated, "spec/template/spec" },
	{ k_cronjob, "spec/jobTemplate/spec/template/spec" },
	{ k_podtemplate, "template/spec" },
	{ NULL, NULL },
};

typedef struct ref_ctx {
	kd_kz_list *l;
	const json_t *referrer;
	const char *ref_kind;
	bool check_ns;
	bool set_ns;   /* the reference carries a namespace beside the name */
} ref_ctx;

/* The renamed resource of kind that was called `name` when the level
 * started, in the referrer's namespace. */
static kd_kz_res *referral(kd_kz_list *l, const char *kind, const char *name,
			const char *ns, bool check_ns)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];

		if (strcmp(kd_kz_kind(r->obj), kind) != 0 || strcmp(r->level_name, name) != 0)
			continue;
		if (check_ns && !cluster_scoped(r->obj) && strcmp(kd_kz_ns(r->obj), ns) != 0)
			continue;
		return r;
	}
	return NULL;
}

static int fix_one(json_t *parent, const char *key, void *arg)
{
	ref_ctx *c = arg;
	const char *v = json_string_value(json_object_get(parent, key));
	kd_kz_res *r;

	if (!v)
		return 0;
	r = referral(c->l, c->ref_kind, v, kd_kz_ns(c->referrer), c->check_ns);
	if (!r || !kd_kz_name(r->obj))
		return 0;
	if (c->set_ns && kd_kz_ns(r->obj)[0]) {
		int rc = kd_kz_set_str(parent, "namespace", kd_kz_ns(r->obj));

		if (rc < 0)
			return rc;
	}
	if (strcmp(kd_kz_name(r->obj), v) == 0)
		return 0;
	return kd_kz_set_str(parent, key, kd_kz_name(r->obj));
}

static int fix_bindings(kd_kz_list *l, json_t *obj)
{
	json_t *subjects = json_object_get(obj, "subjects");
	json_t *role = json_object_get(obj, "roleRef");
	const char *rk = json_string_value(json_object_get(role, "kind"));
	const char *rn = json_string_value(json_object_get(role, "name"));
	size_t i;
	int rc;

	if (rk && rn && (strcmp(rk, "Role") == 0 || strcmp(rk, "ClusterRole") == 0)) {
		kd_kz_res *r = referral(l, rk, rn, kd_kz_ns(obj),
				     strcmp(kd_kz_kind(obj), "RoleBinding") == 0);

		if (r && kd_kz_name(r->obj) && (rc = kd_kz_set_str(role, "name", kd_kz_name(r->obj))) < 0)
			return rc;
	}
	for (i = 0; i < json_array_size(subjects); i++) {
		json_t *s = json_array_get(subjects, i);
		const char *sn = json_string_value(json_object_get(s, "name"));
		const char *sns = json_string_value(json_object_get(s, "namespace"));
		size_t j;

		if (!sn || strcmp(kd_kz_kind(s), "ServiceAccount") != 0)
			continue;
		for (j = 0; j < l->n; j++) {
			kd_kz_res *r = &l->v[j];

			if (strcmp(kd_kz_kind(r->obj), "ServiceAccount") != 0 ||
			    strcmp(r->level_name, sn) != 0)
				continue;
			if (sns && strcmp(sns, kd_kz_ns(r->obj)) != 0 && strcmp(sns, r->level_ns) != 0)
				continue;
			if ((rc = kd_kz_set_str(s, "name", kd_kz_name(r->obj))) < 0)
				return rc;
			if (kd_kz_ns(r->obj)[0] && (rc = kd_kz_set_str(s, "namespace", kd_kz_ns(r->obj))) < 0)
				return rc;
			break;
		}
	}
	return 0;
}

int kd_kz_fix_references(kd_kz_list *l)
{
	size_t i, j, k;
	bool renamed = false;
	int rc;

	/* references carry namespaces too (RoleBinding subjects, webhooks) */
	for (i = 0; i < l->n && !renamed; i++)
		renamed = (kd_kz_name(l->v[i].obj) &&
			   strcmp(kd_kz_name(l->v[i].obj), l->v[i].level_name) != 0) ||
			  strcmp(kd_kz_ns(l->v[i].obj), l->v[i].level_ns) != 0;
	if (!renamed)
		return 0;
	for (i = 0; i < l->n; i++) {
		json_t *obj = l->v[i].obj;
		const char *kind = kd_kz_kind(obj);
		/* a cluster-scoped referrer may name a resource in any namespace */
		ref_ctx c = { l, obj, NULL, !cluster_scoped(obj), false };

		if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0) {
			if ((rc = fix_bindings(l, obj)) < 0)
				return rc;
			continue;
		}
		for (j = 0; refspecs[j].ref_kind; j++) {
			c.ref_kind = refspecs[j].ref_kind;
			c.set_ns = refspecs[j].kinds == k_webhooks;
			if (!refspecs[j].pod) {
				if (!kind_in(kind, refspecs[j].kinds))
					continue;
				if ((rc = walk(obj, refspecs[j].path, false, fix_one, &c)) < 0)
					return rc;
				continue;
			}
			for (k = 0; pod_specs[k].path; k++) {
				kd_buf p = KD_BUF_INIT;

				if (!kind_in(kind, pod_specs[k].kinds))
					continue;
				if (kd_buf_printf(&p, "%s/%s", pod_specs[k].path, refspecs[j].path) < 0)
					return kd_error_set(KD_ENOMEM, "out of memory");
				rc = walk(obj, kd_buf_cstr(&p), false, fix_one, &c);
				kd_buf_free(&p);
				if (rc < 0)
					return rc;
			}
		}
		if (strcmp(kind, "HorizontalPodAutoscaler") == 0) {
			json_t *t = json_object_get(json_object_get(obj, "spec"), "scaleTargetRef");
			const char *tk = json_string_value(json_object_get(t, "kind"));

			if (tk) {
				c.ref_kind = tk;
				if ((rc = fix_one(t, "name", &c)) < 0)
					return rc;
			}
		}
	}
	return 0;
}

/* ---- images ----------------------------------------------------------- */

static const char *const image_paths[] = {
	"spec/containers[]/image", "spec/initContainers[]/image",
	"spec/template/spec/containers[]/image", "spec/template/spec/initContainers[]/image",
	"spec/jobTemplate/spec/template/spec/containers[]/image",
	"spec/jobTemplate/spec/template/spec/initContainers[]/image",
	"template/spec/containers[]/image", "template/spec/initContainers[]/image",
	NULL,
};

/* Splits "reg:5000/app:tag@sha256:x" into name, tag and digest lengths. */
static void split_image(const char *img, size_t *name_len, const char **tag,
			const char **digest)
{
	const char *at = strchr(img, '@');
	const char *end = at ? at : img + strlen(img);
	const char *slash = NULL, *colon = NULL, *p;

	for (p = img; p < end; p++) {
		if (*p == '/')
			slash = p;
		else if (*p == ':')
			colon = p;
	}
	if (colon && slash && colon < slash)
		colon = NULL;
	*name_len = (size_t)((colon ? colon : end) - img);
	*tag = colon ? colon + 1 : NULL;
	*digest = at ? at + 1 : NULL;
}

static int set_image(json_t *parent, const char *key, void *arg)
{
	const json_t *img = arg;
	const char *cur = json_string_value(json_object_get(parent, key));
	const char *want = json_string_value(json_object_get(img, "name"));
	const char *new_name = json_string_value(json_object_get(img, "newName"));
	const char *new_tag = json_string_value(json_object_get(img, "newTag"));
	const char *digest = json_string_value(json_object_get(img, "digest"));
	const char *tag, *dig;
	kd_buf b = KD_BUF_INIT;
	size_t nlen;
	int rc;

	if (!cur || !want)
		return 0;
	split_image(cur, &nlen, &tag, &dig);
	if (strlen(want) != nlen || strncmp(cur, want, nlen) != 0)
		return 0;
	if (new_name)
		rc = kd_buf_puts(&b, new_name);
	else
		rc = kd_buf_add(&b, cur, nlen);
	if (rc == 0) {
		if (new_tag && digest)
			rc = kd_buf_printf(&b, ":%s@%s", new_tag, digest);
		else if (digest)
			rc = kd_buf_printf(&b, "@%s", digest);
		else if (new_tag)
			rc = kd_buf_printf(&b, ":%s", new_tag);
		else if (tag && dig)
			rc = kd_buf_printf(&b, ":%.*s@%s", (int)(dig - tag - 1), tag, dig);
		else if (dig)
			rc = kd_buf_printf(&b, "@%s", dig);
		else if (tag)
			rc = kd_buf_printf(&b, ":%s", tag);
	}
	if (rc == 0)
		rc = kd_kz_set_str(parent, key, kd_buf_cstr(&b));
	kd_buf_free(&b);
	return rc;
}

static const char *const image_keys[] = { "name", "newName", "newTag", "digest", NULL };

int kd_kz_images(const kd_kz_file *f, kd_kz_list *l, const json_t *images)
{
	size_t i, j, k;
	int rc;

	if (!json_is_array(images))
		return kd_kz_fail(f, "/images", KD_EINVAL, "'images' must be a list");
	for (k = 0; k < json_array_size(images); k++) {
		json_t *img = json_array_get(images, k);
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/images/%zu", k);
		if (!json_is_object(img) || !json_is_string(json_object_get(img, "name")))
			return kd_kz_fail(f, ptr, KD_EINVAL, "an image entry needs a name");
		if (json_object_get(img, "tagSuffix"))
			return kd_error_set(KD_EUNSUPPORTED,
					    "unsupported kustomize feature 'images.tagSuffix' (%s:%d)",
					    f->path, kd_kz_line(f, ptr));
		if ((rc = kd_kz_check_keys(f, ptr, img, image_keys)) < 0)
			return rc;
		{
			static const char *const fields[] = { "newName", "newTag", "digest", NULL };
			size_t q;

			for (q = 0; fields[q]; q++) {
				json_t *v = json_object_get(img, fields[q]);

				if (v && !json_is_string(v) && !json_is_null(v))
					return kd_kz_fail(f, ptr, KD_EINVAL,
						       "image '%s' must be a string (quote it)", fields[q]);
			}
		}
		for (i = 0; i < l->n; i++)
			for (j = 0; image_paths[j]; j++)
				if ((rc = walk(l->v[i].obj, image_paths[j], false, set_image, img)) < 0)
					return rc;
	}
	return 0;
}

/* ---- replicas --------------------------------------------------------- */

static const char *const replica_keys[] = { "name", "count", NULL };

int kd_kz_replicas(const kd_kz_file *f, kd_kz_list *l, const json_t *replicas)
{
	size_t i, k;
	int rc;

	if (!json_is_array(replicas))
		return kd_kz_fail(f, "/replicas", KD_EINVAL, "'replicas' must be a list");
	for (k = 0; k < json_array_size(replicas); k++) {
		json_t *e = json_array_get(replicas, k);
		const char *name = json_string_value(json_object_get(e, "name"));
		json_t *count = json_object_get(e, "count");
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/replicas/%zu", k);
		if ((rc = kd_kz_check_keys(f, ptr, e, replica_keys)) < 0)
			return rc;
		if (!name || !json_is_integer(count))
			return kd_kz_fail(f, ptr, KD_EINVAL, "a replicas entry needs a name and an integer count");
		const char *other = NULL;
		bool hit = false;

		for (i = 0; i < l->n; i++) {
			json_t *obj = l->v[i].obj;
			json_t *spec;

			if (!kd_kz_name(obj) || (strcmp(kd_kz_name(obj), name) != 0 &&
					      strcmp(l->v[i].orig_name, name) != 0))
				continue;
			if (!kind_in(kd_kz_kind(obj), k_scalable)) {
				other = kd_kz_kind(obj);
				continue;
			}
			hit = true;
			spec = json_object_get(obj, "spec");
			if (!json_is_object(spec)) {
				spec = json_object();
				if (!spec || json_object_set_new(obj, "spec", spec) < 0)
					return kd_error_set(KD_ENOMEM, "out of memory");
			}
			if ((rc = json_object_set(spec, "replicas", count)) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		}
		if (!hit && other)
			return kd_kz_fail(f, ptr, KD_EINVAL,
					  "replicas: '%s' is a %s, not a Deployment, StatefulSet, "
					  "ReplicaSet or ReplicationController", name, other);
	}
	return 0;
}
