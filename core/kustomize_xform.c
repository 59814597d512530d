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
#include "kustomize_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "kinds.h"

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
static const char *const k_workloads[] = { "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", NULL };
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
static const fspec label_selector_specs[] = {
	{ k_service, "spec/selector", true },
	{ k_rc, "spec/selector", true },
	{ k_workloads, "spec/selector/matchLabels", true },
	{ k_workloads, AFF "podAffinity/preferredDuringSchedulingIgnoredDuringExecution[]/podAffinityTerm/labelSelector/matchLabels", false },
	{ k_workloads, AFF "podAffinity/requiredDuringSchedulingIgnoredDuringExecution[]/labelSelector/matchLabels", false },
	{ k_workloads, AFF "podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution[]/podAffinityTerm/labelSelector/matchLabels", false },
	{ k_workloads, AFF "podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution[]/labelSelector/matchLabels", false },
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
		if (!kind_in(kz_kind(obj), specs[i].kinds))
			continue;
		rc = walk(obj, specs[i].path, specs[i].create,
			  specs[i].create ? set_pairs : set_pairs_existing, (void *)pairs);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Label and annotation values are strings; kustomize accepts scalars and
 * writes them as strings. */
static int string_pairs(json_t **out, const kz_file *f, const json_t *in,
			const char *pointer)
{
	const char *key;
	json_t *v;

	*out = NULL;
	if (!json_is_object(in))
		return kz_fail(f, pointer, KD_EINVAL, "expected a mapping of names to values");
	*out = json_object();
	if (!*out)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach((json_t *)in, key, v) {
		json_t *s;
		char num[64];

		if (json_is_string(v))
			s = json_incref(v);
		else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			s = json_string(num);
		} else if (json_is_boolean(v))
			s = json_string(json_is_true(v) ? "true" : "false");
		else if (json_is_null(v))
			s = json_string("");
		else {
			json_decref(*out);
			*out = NULL;
			return kz_fail(f, pointer, KD_EINVAL, "value of '%s' must be a string", key);
		}
		if (!s || json_object_set_new(*out, key, s) < 0) {
			json_decref(*out);
			*out = NULL;
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	return 0;
}

int kz_labels(const kz_file *f, kz_list *l, const json_t *labels,
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

int kz_annotations(const kz_file *f, kz_list *l, const json_t *annotations)
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

static bool cluster_scoped(const json_t *obj)
{
	return kd_kind_is_cluster_scoped(kz_api_version(obj), kz_kind(obj));
}

int kz_namespace(const kz_file *f, kz_list *l, const char *ns)
{
	size_t i, j;
	int rc;

	(void)f;
	for (i = 0; i < l->n; i++) {
		json_t *obj = l->v[i].obj;
		json_t *meta = json_object_get(obj, "metadata");
		const char *kind = kz_kind(obj);

		if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0) {
			json_t *subjects = json_object_get(obj, "subjects");

			for (j = 0; j < json_array_size(subjects); j++) {
				json_t *s = json_array_get(subjects, j);
				const char *sns = json_string_value(json_object_get(s, "namespace"));

				if (json_is_object(s) &&
				    strcmp(kz_kind(s), "ServiceAccount") == 0 &&
				    sns && strcmp(sns, "default") == 0 &&
				    (rc = kz_set_str(s, "namespace", ns)) < 0)
					return rc;
			}
		}
		if (strcmp(kind, "Namespace") == 0 && json_is_object(meta)) {
			if ((rc = kz_set_str(meta, "name", ns)) < 0)
				return rc;
			continue;
		}
		if (cluster_scoped(obj) || !json_is_object(meta))
			continue;
		if ((rc = kz_set_str(meta, "namespace", ns)) < 0)
			return rc;
	}
	return 0;
}

/* ---- names ------------------------------------------------------------ */

int kz_prefix_suffix(kz_list *l, const char *prefix, const char *suffix)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		kz_res *r = &l->v[i];
		json_t *meta = json_object_get(r->obj, "metadata");
		const char *kind = kz_kind(r->obj);
		const char *name = r->hashed ? r->base_name : kz_name(r->obj);
		kd_buf b = KD_BUF_INIT;
		int rc;

		if (strcmp(kind, "Namespace") == 0 ||
		    strcmp(kind, "CustomResourceDefinition") == 0 || !name)
			continue;
		if (kd_buf_printf(&b, "%s%s%s", prefix ? prefix : "", name,
				  suffix ? suffix : "") < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		if (r->hashed) {
			free(r->base_name);
			r->base_name = kd_buf_detach(&b);
			rc = r->base_name ? kz_set_str(meta, "name", r->base_name)
					  : kd_error_set(KD_ENOMEM, "out of memory");
		} else {
			rc = kz_set_str(meta, "name", kd_buf_cstr(&b));
		}
		kd_buf_free(&b);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void kz_mark_level(kz_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		kz_res *r = &l->v[i];
		char *n = strdup(kz_name(r->obj) ? kz_name(r->obj) : "");
		char *ns = strdup(kz_ns(r->obj));

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
static const char *const k_hpa[] = { "HorizontalPodAutoscaler", NULL };
static const char *const k_apiservice[] = { "APIService", NULL };

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
	{ NULL, NULL, false, NULL },
};

static const char *const pod_spec_paths[] = {
	"spec", "spec/template/spec", "spec/jobTemplate/spec/template/spec",
	"template/spec", NULL,
};

typedef struct ref_ctx {
	kz_list *l;
	const json_t *referrer;
	const char *ref_kind;
	bool check_ns;
} ref_ctx;

/* The renamed resource of kind that was called `name` when the level
 * started, in the referrer's namespace. */
static kz_res *referral(kz_list *l, const char *kind, const char *name,
			const char *ns, bool check_ns)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		kz_res *r = &l->v[i];

		if (strcmp(kz_kind(r->obj), kind) != 0 || strcmp(r->level_name, name) != 0)
			continue;
		if (check_ns && !cluster_scoped(r->obj) && strcmp(kz_ns(r->obj), ns) != 0)
			continue;
		return r;
	}
	return NULL;
}

static int fix_one(json_t *parent, const char *key, void *arg)
{
	ref_ctx *c = arg;
	const char *v = json_string_value(json_object_get(parent, key));
	kz_res *r;

	if (!v)
		return 0;
	r = referral(c->l, c->ref_kind, v, kz_ns(c->referrer), c->check_ns);
	if (!r || !kz_name(r->obj) || strcmp(kz_name(r->obj), v) == 0)
		return 0;
	return kz_set_str(parent, key, kz_name(r->obj));
}

static int fix_bindings(kz_list *l, json_t *obj)
{
	json_t *subjects = json_object_get(obj, "subjects");
	json_t *role = json_object_get(obj, "roleRef");
	const char *rk = json_string_value(json_object_get(role, "kind"));
	const char *rn = json_string_value(json_object_get(role, "name"));
	size_t i;
	int rc;

	if (rk && rn && (strcmp(rk, "Role") == 0 || strcmp(rk, "ClusterRole") == 0)) {
		kz_res *r = referral(l, rk, rn, kz_ns(obj),
				     strcmp(kz_kind(obj), "RoleBinding") == 0);

		if (r && kz_name(r->obj) && (rc = kz_set_str(role, "name", kz_name(r->obj))) < 0)
			return rc;
	}
	for (i = 0; i < json_array_size(subjects); i++) {
		json_t *s = json_array_get(subjects, i);
		const char *sn = json_string_value(json_object_get(s, "name"));
		const char *sns = json_string_value(json_object_get(s, "namespace"));
		size_t j;

		if (!sn || strcmp(kz_kind(s), "ServiceAccount") != 0)
			continue;
		for (j = 0; j < l->n; j++) {
			kz_res *r = &l->v[j];

			if (strcmp(kz_kind(r->obj), "ServiceAccount") != 0 ||
			    strcmp(r->level_name, sn) != 0)
				continue;
			if (sns && strcmp(sns, kz_ns(r->obj)) != 0 && strcmp(sns, r->level_ns) != 0)
				continue;
			if ((rc = kz_set_str(s, "name", kz_name(r->obj))) < 0)
				return rc;
			if (kz_ns(r->obj)[0] && (rc = kz_set_str(s, "namespace", kz_ns(r->obj))) < 0)
				return rc;
			break;
		}
	}
	return 0;
}

int kz_fix_references(kz_list *l)
{
	size_t i, j, k;
	bool renamed = false;
	int rc;

	for (i = 0; i < l->n && !renamed; i++)
		renamed = kz_name(l->v[i].obj) &&
			  strcmp(kz_name(l->v[i].obj), l->v[i].level_name) != 0;
	if (!renamed)
		return 0;
	for (i = 0; i < l->n; i++) {
		json_t *obj = l->v[i].obj;
		const char *kind = kz_kind(obj);
		ref_ctx c = { l, obj, NULL, true };

		if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0) {
			if ((rc = fix_bindings(l, obj)) < 0)
				return rc;
			continue;
		}
		for (j = 0; refspecs[j].ref_kind; j++) {
			c.ref_kind = refspecs[j].ref_kind;
			if (!refspecs[j].pod) {
				if (!kind_in(kind, refspecs[j].kinds))
					continue;
				if ((rc = walk(obj, refspecs[j].path, false, fix_one, &c)) < 0)
					return rc;
				continue;
			}
			for (k = 0; pod_spec_paths[k]; k++) {
				kd_buf p = KD_BUF_INIT;

				if (kd_buf_printf(&p, "%s/%s", pod_spec_paths[k], refspecs[j].path) < 0)
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
	(void)k_hpa;
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
	char num[64];
	kd_buf b = KD_BUF_INIT;
	size_t nlen;
	int rc;

	if (!cur || !want)
		return 0;
	if (!new_tag && json_is_integer(json_object_get(img, "newTag"))) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(img, "newTag")));
		new_tag = num;
	}
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
		rc = kz_set_str(parent, key, kd_buf_cstr(&b));
	kd_buf_free(&b);
	return rc;
}

int kz_images(const kz_file *f, kz_list *l, const json_t *images)
{
	size_t i, j, k;
	int rc;

	if (!json_is_array(images))
		return kz_fail(f, "/images", KD_EINVAL, "'images' must be a list");
	for (k = 0; k < json_array_size(images); k++) {
		json_t *img = json_array_get(images, k);
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/images/%zu", k);
		if (!json_is_object(img) || !json_is_string(json_object_get(img, "name")))
			return kz_fail(f, ptr, KD_EINVAL, "an image entry needs a name");
		for (i = 0; i < l->n; i++)
			for (j = 0; image_paths[j]; j++)
				if ((rc = walk(l->v[i].obj, image_paths[j], false, set_image, img)) < 0)
					return rc;
	}
	return 0;
}

/* ---- replicas --------------------------------------------------------- */

int kz_replicas(const kz_file *f, kz_list *l, const json_t *replicas)
{
	size_t i, k;
	int rc;

	if (!json_is_array(replicas))
		return kz_fail(f, "/replicas", KD_EINVAL, "'replicas' must be a list");
	for (k = 0; k < json_array_size(replicas); k++) {
		json_t *e = json_array_get(replicas, k);
		const char *name = json_string_value(json_object_get(e, "name"));
		json_t *count = json_object_get(e, "count");
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/replicas/%zu", k);
		if (!name || !json_is_integer(count))
			return kz_fail(f, ptr, KD_EINVAL, "a replicas entry needs a name and an integer count");
		const char *other = NULL;
		bool hit = false;

		for (i = 0; i < l->n; i++) {
			json_t *obj = l->v[i].obj;
			json_t *spec;

			if (!kz_name(obj) || (strcmp(kz_name(obj), name) != 0 &&
					      strcmp(l->v[i].orig_name, name) != 0))
				continue;
			if (!kind_in(kz_kind(obj), k_scalable)) {
				other = kz_kind(obj);
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
			return kz_fail(f, ptr, KD_EINVAL,
				       "replicas: '%s' is a %s, not a Deployment, StatefulSet, ReplicaSet or ReplicationController",
				       name, other);
	}
	return 0;
}
