/*
 * smp_schema — which lists of the built-in kinds merge by key, and by which
 * keys (see data.h).  A small static tree from each kind's root; anything
 * not in it merges maps and replaces lists.
 */
#include "data/data.h"
#include "data_priv.h"

#include <string.h>

#define END { NULL, NULL, 0, 0, { NULL, NULL } }

static const smp_type t_meta, t_container, t_podspec, t_podtemplate,
	t_workload_spec, t_workload, t_jobtemplate, t_cronjob_spec, t_cronjob,
	t_pod, t_podtemplate_kind, t_service_spec, t_service, t_service_account,
	t_object;

static const smp_field f_meta[] = {
	{ "finalizers", NULL, L_PRIMITIVE, 0, { NULL, NULL } },
	{ "ownerReferences", NULL, L_KEYED, 1, { "uid", NULL } },
	END,
};
static const smp_type t_meta = { f_meta };

static const smp_field f_container[] = {
	{ "env", NULL, L_KEYED, 1, { "name", NULL } },
	{ "ports", NULL, L_KEYED, 2, { "containerPort", "protocol" } },
	{ "volumeMounts", NULL, L_KEYED, 1, { "mountPath", NULL } },
	{ "volumeDevices", NULL, L_KEYED, 1, { "devicePath", NULL } },
	END,
};
static const smp_type t_container = { f_container };

static const smp_field f_podspec[] = {
	{ "containers", &t_container, L_KEYED, 1, { "name", NULL } },
	{ "initContainers", &t_container, L_KEYED, 1, { "name", NULL } },
	{ "ephemeralContainers", &t_container, L_KEYED, 1, { "name", NULL } },
	{ "volumes", NULL, L_KEYED, 1, { "name", NULL } },
	{ "imagePullSecrets", NULL, L_KEYED, 1, { "name", NULL } },
	{ "hostAliases", NULL, L_KEYED, 1, { "ip", NULL } },
	{ "topologySpreadConstraints", NULL, L_KEYED, 2,
	  { "topologyKey", "whenUnsatisfiable" } },
	{ "resourceClaims", NULL, L_KEYED_SERVER, 1, { "name", NULL } },
	{ "schedulingGates", NULL, L_KEYED_SERVER, 1, { "name", NULL } },
	END,
};
static const smp_type t_podspec = { f_podspec };

static const smp_field f_podtemplate[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "spec", &t_podspec, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_podtemplate = { f_podtemplate };

static const smp_field f_workload_spec[] = {
	{ "template", &t_podtemplate, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_workload_spec = { f_workload_spec };

static const smp_field f_workload[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "spec", &t_workload_spec, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_workload = { f_workload };

static const smp_field f_jobtemplate[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "spec", &t_workload_spec, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_jobtemplate = { f_jobtemplate };

static const smp_field f_cronjob_spec[] = {
	{ "jobTemplate", &t_jobtemplate, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_cronjob_spec = { f_cronjob_spec };

static const smp_field f_cronjob[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "spec", &t_cronjob_spec, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_cronjob = { f_cronjob };

static const smp_field f_pod[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "spec", &t_podspec, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_pod = { f_pod };

static const smp_field f_podtemplate_kind[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "template", &t_podtemplate, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_podtemplate_kind = { f_podtemplate_kind };

static const smp_field f_service_spec[] = {
	{ "ports", NULL, L_KEYED, 2, { "port", "protocol" } },
	END,
};
static const smp_type t_service_spec = { f_service_spec };

static const smp_field f_service[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "spec", &t_service_spec, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_service = { f_service };

static const smp_field f_service_account[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	{ "secrets", NULL, L_KEYED, 1, { "name", NULL } },
	END,
};
static const smp_type t_service_account = { f_service_account };

static const smp_field f_object[] = {
	{ "metadata", &t_meta, 0, 0, { NULL, NULL } },
	END,
};
static const smp_type t_object = { f_object };

typedef struct root_kind {
	const char *group;
	const char *kind;
	const smp_type *type;
} root_kind;

/* Built-in kinds; those not listed with a richer type only know metadata. */
static const root_kind roots[] = {
	{ "", "Pod", &t_pod },
	{ "", "PodTemplate", &t_podtemplate_kind },
	{ "", "ReplicationController", &t_workload },
	{ "", "Service", &t_service },
	{ "apps", "Deployment", &t_workload },
	{ "apps", "StatefulSet", &t_workload },
	{ "apps", "DaemonSet", &t_workload },
	{ "apps", "ReplicaSet", &t_workload },
	{ "extensions", "Deployment", &t_workload },
	{ "extensions", "DaemonSet", &t_workload },
	{ "extensions", "ReplicaSet", &t_workload },
	{ "batch", "Job", &t_workload },
	{ "batch", "CronJob", &t_cronjob },
	{ "", "ConfigMap", &t_object },
	{ "", "Secret", &t_object },
	{ "", "ServiceAccount", &t_service_account },
	{ "", "Namespace", &t_object },
	{ "", "PersistentVolumeClaim", &t_object },
	{ "", "PersistentVolume", &t_object },
	{ "", "Endpoints", &t_object },
	{ "", "LimitRange", &t_object },
	{ "", "ResourceQuota", &t_object },
	{ "", "Node", &t_object },
	{ "", "Event", &t_object },
	{ "rbac.authorization.k8s.io", "Role", &t_object },
	{ "rbac.authorization.k8s.io", "ClusterRole", &t_object },
	{ "rbac.authorization.k8s.io", "RoleBinding", &t_object },
	{ "rbac.authorization.k8s.io", "ClusterRoleBinding", &t_object },
	{ "networking.k8s.io", "Ingress", &t_object },
	{ "networking.k8s.io", "IngressClass", &t_object },
	{ "networking.k8s.io", "NetworkPolicy", &t_object },
	{ "policy", "PodDisruptionBudget", &t_object },
	{ "autoscaling", "HorizontalPodAutoscaler", &t_object },
	{ "storage.k8s.io", "StorageClass", &t_object },
	{ "scheduling.k8s.io", "PriorityClass", &t_object },
	{ "apiextensions.k8s.io", "CustomResourceDefinition", &t_object },
	{ "admissionregistration.k8s.io", "MutatingWebhookConfiguration", &t_object },
	{ "admissionregistration.k8s.io", "ValidatingWebhookConfiguration", &t_object },
	{ "coordination.k8s.io", "Lease", &t_object },
	{ "discovery.k8s.io", "EndpointSlice", &t_object },
	{ NULL, NULL, NULL },
};

/* The built-in types an OpenAPI document may name by Kubernetes' own
 * definition names; kustomize's built-in schema defines these whatever a
 * custom schema says. */
static const struct {
	const char *name;
	const smp_type *type;
} named[] = {
	{ "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", &t_meta },
	{ "io.k8s.api.core.v1.Container", &t_container },
	{ "io.k8s.api.core.v1.PodSpec", &t_podspec },
	{ "io.k8s.api.core.v1.PodTemplateSpec", &t_podtemplate },
	{ "io.k8s.api.core.v1.ServiceSpec", &t_service_spec },
	{ "io.k8s.api.batch.v1.JobTemplateSpec", &t_jobtemplate },
	{ NULL, NULL },
};

const smp_type *kd_smp_named_type(const char *name, bool *known)
{
	size_t i;

	*known = false;
	for (i = 0; named[i].name; i++)
		if (strcmp(named[i].name, name) == 0) {
			*known = true;
			return named[i].type;
		}
	return NULL;
}

const smp_type *kd_smp_root_type(const char *api_version, const char *kind)
{
	const char *slash;
	size_t glen;
	size_t i;

	if (!api_version || !kind)
		return NULL;
	slash = strchr(api_version, '/');
	glen = slash ? (size_t)(slash - api_version) : 0;
	for (i = 0; roots[i].kind; i++) {
		if (strcmp(roots[i].kind, kind) == 0 &&
		    strlen(roots[i].group) == glen &&
		    strncmp(roots[i].group, api_version, glen) == 0)
			return roots[i].type;
	}
	return NULL;
}

bool kd_smp_has_schema(const char *api_version, const char *kind)
{
	return kd_smp_root_type(api_version, kind) != NULL;
}

const smp_field *kd_smp_field(const smp_type *type, const char *name)
{
	size_t i;

	if (!type || !type->fields)
		return NULL;
	for (i = 0; type->fields[i].name; i++)
		if (strcmp(type->fields[i].name, name) == 0)
			return &type->fields[i];
	/* a map's values (OpenAPI additionalProperties) */
	for (i = 0; type->fields[i].name; i++)
		if (strcmp(type->fields[i].name, "*") == 0)
			return &type->fields[i];
	return NULL;
}


size_t kd_smp_list_keys(const char **keys, size_t max, bool *primitive,
			const char *api_version, const char *kind,
			const char *pointer)
{
	const smp_type *type = kd_smp_root_type(api_version, kind);
	const smp_field *f = NULL;
	const char *p = pointer;
	bool in_list = false;
	size_t n = 0;

	if (primitive)
		*primitive = false;
	if (!pointer)
		return 0;
	while (*p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
		char tok[128];

		if (len >= sizeof(tok))
			return 0;
		memcpy(tok, p + 1, len);
		tok[len] = '\0';
		p += len + 1;
		if (in_list) {
			/* an index into the list: descend into its elements */
			in_list = false;
			if (!f)
				return 0;
			type = f->type;
			f = NULL;
			continue;
		}
		f = kd_smp_field(type, tok);
		if (!f)
			return 0;
		if (f->list != L_REPLACE)
			in_list = true;
		else
			type = f->type;
	}
	if (!f || !in_list)
		return 0;
	if (f->list == L_PRIMITIVE) {
		if (primitive)
			*primitive = true;
		return 0;
	}
	for (n = 0; n < f->nkeys && n < max; n++)
		keys[n] = f->keys[n];
	return n;
}
