/*
 * validate — unknown-field handling for the common built-in kinds, the way
 * the API server applies fieldValidation: Strict rejects, Warn (the
 * default) and Ignore drop the field, Warn also answers with a Warning
 * header.  kdrift relies on this: a desired field the server drops never
 * converges.
 *
 * Custom resources are pruned by their CRD's openAPIV3Schema the same way
 * (x-kubernetes-preserve-unknown-fields and additionalProperties keep
 * fields).
 *
 * The built-in schema covers the object, its metadata, workload specs, the pod
 * template, pod spec, containers, ports and env, and ValidatingAdmissionPolicy
 * and its binding down to their rules; anything below those (probes,
 * volumes, affinity, ...) and every other kind is accepted as is.  Each
 * covered level lists all of its fields (Kubernetes 1.32), so that no valid
 * field is ever dropped.
 */
#include "ks.h"

#include <string.h>

typedef struct node node;
typedef struct field {
	const char *name;
	const node *child;  /* NULL: any value */
	bool list;          /* child applies to each element */
} field;
struct node {
	const field *fields;
};

#define END {NULL, NULL, false}

static const field env_f[] = {{"name", NULL, false}, {"value", NULL, false}, {"valueFrom", NULL, false}, END};
static const node env_n = {env_f};
static const field cport_f[] = {{"name", NULL, false}, {"hostPort", NULL, false}, {"containerPort", NULL, false},
				{"protocol", NULL, false}, {"hostIP", NULL, false}, END};
static const node cport_n = {cport_f};
static const field container_f[] = {
	{"name", NULL, false}, {"image", NULL, false}, {"command", NULL, false}, {"args", NULL, false},
	{"workingDir", NULL, false}, {"ports", &cport_n, true}, {"envFrom", NULL, false}, {"env", &env_n, true},
	{"resources", NULL, false}, {"resizePolicy", NULL, false}, {"restartPolicy", NULL, false},
	{"volumeMounts", NULL, false}, {"volumeDevices", NULL, false}, {"livenessProbe", NULL, false},
	{"readinessProbe", NULL, false}, {"startupProbe", NULL, false}, {"lifecycle", NULL, false},
	{"terminationMessagePath", NULL, false}, {"terminationMessagePolicy", NULL, false},
	{"imagePullPolicy", NULL, false}, {"securityContext", NULL, false}, {"stdin", NULL, false},
	{"stdinOnce", NULL, false}, {"tty", NULL, false}, {"targetContainerName", NULL, false}, END};
static const node container_n = {container_f};
static const field podspec_f[] = {
	{"volumes", NULL, false}, {"initContainers", &container_n, true}, {"containers", &container_n, true},
	{"ephemeralContainers", NULL, false}, {"restartPolicy", NULL, false},
	{"terminationGracePeriodSeconds", NULL, false}, {"activeDeadlineSeconds", NULL, false},
	{"dnsPolicy", NULL, false}, {"nodeSelector", NULL, false}, {"serviceAccountName", NULL, false},
	{"serviceAccount", NULL, false}, {"automountServiceAccountToken", NULL, false},
	{"nodeName", NULL, false}, {"hostNetwork", NULL, false}, {"hostPID", NULL, false},
	{"hostIPC", NULL, false}, {"shareProcessNamespace", NULL, false}, {"securityContext", NULL, false},
	{"imagePullSecrets", NULL, false}, {"hostname", NULL, false}, {"subdomain", NULL, false},
	{"affinity", NULL, false}, {"schedulerName", NULL, false}, {"tolerations", NULL, false},
	{"hostAliases", NULL, false}, {"priorityClassName", NULL, false}, {"priority", NULL, false},
	{"dnsConfig", NULL, false}, {"readinessGates", NULL, false}, {"runtimeClassName", NULL, false},
	{"enableServiceLinks", NULL, false}, {"preemptionPolicy", NULL, false}, {"overhead", NULL, false},
	{"topologySpreadConstraints", NULL, false}, {"setHostnameAsFQDN", NULL, false}, {"os", NULL, false},
	{"hostUsers", NULL, false}, {"schedulingGates", NULL, false}, {"resourceClaims", NULL, false},
	{"resources", NULL, false}, END};
static const node podspec_n = {podspec_f};
static const field meta_f[] = {
	{"name", NULL, false}, {"generateName", NULL, false}, {"namespace", NULL, false},
	{"selfLink", NULL, false}, {"uid", NULL, false}, {"resourceVersion", NULL, false},
	{"generation", NULL, false}, {"creationTimestamp", NULL, false}, {"deletionTimestamp", NULL, false},
	{"deletionGracePeriodSeconds", NULL, false}, {"labels", NULL, false}, {"annotations", NULL, false},
	{"ownerReferences", NULL, false}, {"finalizers", NULL, false}, {"managedFields", NULL, false}, END};
static const node meta_n = {meta_f};
static const field template_f[] = {{"metadata", &meta_n, false}, {"spec", &podspec_n, false}, END};
static const node template_n = {template_f};
static const field deploy_spec_f[] = {
	{"replicas", NULL, false}, {"selector", NULL, false}, {"template", &template_n, false},
	{"strategy", NULL, false}, {"minReadySeconds", NULL, false}, {"revisionHistoryLimit", NULL, false},
	{"paused", NULL, false}, {"progressDeadlineSeconds", NULL, false}, END};
static const node deploy_spec_n = {deploy_spec_f};
static const field sts_spec_f[] = {
	{"replicas", NULL, false}, {"selector", NULL, false}, {"template", &template_n, false},
	{"volumeClaimTemplates", NULL, false}, {"serviceName", NULL, false},
	{"podManagementPolicy", NULL, false}, {"updateStrategy", NULL, false},
	{"revisionHistoryLimit", NULL, false}, {"minReadySeconds", NULL, false},
	{"persistentVolumeClaimRetentionPolicy", NULL, false}, {"ordinals", NULL, false}, END};
static const node sts_spec_n = {sts_spec_f};
static const field ds_spec_f[] = {
	{"selector", NULL, false}, {"template", &template_n, false}, {"updateStrategy", NULL, false},
	{"minReadySeconds", NULL, false}, {"revisionHistoryLimit", NULL, false}, END};
static const node ds_spec_n = {ds_spec_f};
static const field sport_f[] = {{"name", NULL, false}, {"protocol", NULL, false}, {"appProtocol", NULL, false},
				{"port", NULL, false}, {"targetPort", NULL, false}, {"nodePort", NULL, false}, END};
static const node sport_n = {sport_f};
static const field svc_spec_f[] = {
	{"ports", &sport_n, true}, {"selector", NULL, false}, {"clusterIP", NULL, false},
	{"clusterIPs", NULL, false}, {"type", NULL, false}, {"externalIPs", NULL, false},
	{"sessionAffinity", NULL, false}, {"loadBalancerIP", NULL, false},
	{"loadBalancerSourceRanges", NULL, false}, {"externalName", NULL, false},
	{"externalTrafficPolicy", NULL, false}, {"healthCheckNodePort", NULL, false},
	{"publishNotReadyAddresses", NULL, false}, {"sessionAffinityConfig", NULL, false},
	{"ipFamilies", NULL, false}, {"ipFamilyPolicy", NULL, false},
	{"allocateLoadBalancerNodePorts", NULL, false}, {"loadBalancerClass", NULL, false},
	{"internalTrafficPolicy", NULL, false}, {"trafficDistribution", NULL, false}, END};
static const node svc_spec_n = {svc_spec_f};

#define TOP(name, spec) \
	static const field name##_f[] = {{"apiVersion", NULL, false}, {"kind", NULL, false}, \
		{"metadata", &meta_n, false}, {"spec", spec, false}, {"status", NULL, false}, END}; \
	static const node name##_n = {name##_f}
TOP(deploy, &deploy_spec_n);
TOP(sts, &sts_spec_n);
TOP(ds, &ds_spec_n);
TOP(rs, &deploy_spec_n);
TOP(svc, &svc_spec_n);
TOP(pod, &podspec_n);
static const field cm_f[] = {{"apiVersion", NULL, false}, {"kind", NULL, false}, {"metadata", &meta_n, false},
			     {"data", NULL, false}, {"binaryData", NULL, false}, {"immutable", NULL, false}, END};
static const node cm_n = {cm_f};
static const field secret_f[] = {{"apiVersion", NULL, false}, {"kind", NULL, false}, {"metadata", &meta_n, false},
				 {"data", NULL, false}, {"stringData", NULL, false}, {"type", NULL, false},
				 {"immutable", NULL, false}, END};
static const node secret_n = {secret_f};

/* ValidatingAdmissionPolicy and its binding (admissionregistration.k8s.io/v1),
 * so that a misspelled field of an exported policy is refused. */
static const field vap_rule_f[] = {
	{"resourceNames", NULL, false}, {"operations", NULL, false}, {"apiGroups", NULL, false},
	{"apiVersions", NULL, false}, {"resources", NULL, false}, {"scope", NULL, false}, END};
static const node vap_rule_n = {vap_rule_f};
static const field vap_match_f[] = {
	{"namespaceSelector", NULL, false}, {"objectSelector", NULL, false},
	{"resourceRules", &vap_rule_n, true}, {"excludeResourceRules", &vap_rule_n, true},
	{"matchPolicy", NULL, false}, END};
static const node vap_match_n = {vap_match_f};
static const field vap_validation_f[] = {
	{"expression", NULL, false}, {"message", NULL, false}, {"reason", NULL, false},
	{"messageExpression", NULL, false}, END};
static const node vap_validation_n = {vap_validation_f};
static const field vap_variable_f[] = {{"name", NULL, false}, {"expression", NULL, false}, END};
static const node vap_variable_n = {vap_variable_f};
static const field vap_spec_f[] = {
	{"paramKind", NULL, false}, {"matchConstraints", &vap_match_n, false},
	{"validations", &vap_validation_n, true}, {"failurePolicy", NULL, false},
	{"auditAnnotations", NULL, false}, {"matchConditions", NULL, false},
	{"variables", &vap_variable_n, true}, END};
static const node vap_spec_n = {vap_spec_f};
static const field vapb_spec_f[] = {
	{"policyName", NULL, false}, {"paramRef", NULL, false},
	{"matchResources", &vap_match_n, false}, {"validationActions", NULL, false}, END};
static const node vapb_spec_n = {vapb_spec_f};
TOP(vap, &vap_spec_n);
TOP(vapb, &vapb_spec_n);

static const node *root_for(const ks_type *t)
{
	const char *k = t->kind;

	if (!strcmp(t->group, "admissionregistration.k8s.io")) {
		if (!strcmp(k, "ValidatingAdmissionPolicy"))
			return &vap_n;
		if (!strcmp(k, "ValidatingAdmissionPolicyBinding"))
			return &vapb_n;
	}

	if (!strcmp(t->group, "apps")) {
		if (!strcmp(k, "Deployment"))
			return &deploy_n;
		if (!strcmp(k, "StatefulSet"))
			return &sts_n;
		if (!strcmp(k, "DaemonSet"))
			return &ds_n;
		if (!strcmp(k, "ReplicaSet"))
			return &rs_n;
	} else if (!*t->group) {
		if (!strcmp(k, "Service"))
			return &svc_n;
		if (!strcmp(k, "Pod"))
			return &pod_n;
		if (!strcmp(k, "ConfigMap"))
			return &cm_n;
		if (!strcmp(k, "Secret"))
			return &secret_n;
	}
	return NULL;
}

static const field *lookup(const node *n, const char *name)
{
	const field *f;

	for (f = n->fields; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static size_t walk_node(json_t *v, const node *n, kd_buf *path, json_t *unknown, bool drop)
{
	const char *k;
	json_t *x;
	void *tmp;
	size_t count = 0, mark = path->len, i;

	if (!json_is_object(v))
		return 0;
	json_object_foreach_safe(v, tmp, k, x) {
		const field *f = lookup(n, k);

		kd_buf_printf(path, "%s%s", mark ? "." : "", k);
		if (!f) {
			json_array_append_new(unknown, json_string(kd_buf_cstr(path)));
			count++;
			if (drop)
				json_object_del(v, k);
		} else if (f->child && f->list && json_is_array(x)) {
			json_t *e;
			size_t m2 = path->len;
			json_array_foreach(x, i, e) {
				kd_buf_printf(path, "[%zu]", i);
				count += walk_node(e, f->child, path, unknown, drop);
				kd_buf_truncate(path, m2);
			}
		} else if (f->child && !f->list) {
			count += walk_node(x, f->child, path, unknown, drop);
		}
		kd_buf_truncate(path, mark);
	}
	return count;
}

static size_t walk_schema(json_t *v, const json_t *schema, kd_buf *path, json_t *unknown,
			  bool drop, bool root)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *addl = json_object_get(schema, "additionalProperties");
	const json_t *items = json_object_get(schema, "items");
	size_t count = 0, mark = path->len, i;
	const char *k;
	json_t *x;
	void *tmp;

	if (json_is_true(json_object_get(schema, "x-kubernetes-preserve-unknown-fields")) ||
	    json_is_true(json_object_get(schema, "x-kubernetes-int-or-string")))
		return 0;
	if (json_is_array(v) && json_is_object(items)) {
		json_array_foreach(v, i, x) {
			kd_buf_printf(path, "[%zu]", i);
			count += walk_schema(x, items, path, unknown, drop, false);
			kd_buf_truncate(path, mark);
		}
		return count;
	}
	if (!json_is_object(v))
		return 0;
	json_object_foreach_safe(v, tmp, k, x) {
		const json_t *sub = json_object_get(props, k);

		if (root && (!strcmp(k, "apiVersion") || !strcmp(k, "kind") || !strcmp(k, "metadata")))
			continue;
		kd_buf_printf(path, "%s%s", mark ? "." : "", k);
		if (sub)
			count += walk_schema(x, sub, path, unknown, drop, false);
		else if (json_is_object(addl))
			count += walk_schema(x, addl, path, unknown, drop, false);
		else if (!json_is_true(addl)) {
			json_array_append_new(unknown, json_string(kd_buf_cstr(path)));
			count++;
			if (drop)
				json_object_del(v, k);
		}
		kd_buf_truncate(path, mark);
	}
	return count;
}

size_t ks_validate_unknown(json_t *obj, const ks_type *t, json_t *unknown, bool drop)
{
	const node *root = root_for(t);
	const json_t *schema;
	kd_buf path = KD_BUF_INIT;
	size_t n = 0;

	if (t->owner) {
		/* a custom resource: its CRD version's schema */
		schema = json_object_get(json_object_get(json_object_get(t->owner, "version"), "schema"),
					 "openAPIV3Schema");
		if (json_is_object(schema))
			n = walk_schema(obj, schema, &path, unknown, drop, true);
	} else if (root) {
		n = walk_node(obj, root, &path, unknown, drop);
	}
	kd_buf_free(&path);
	return n;
}
