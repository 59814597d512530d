/*
 * smp — strategic merge patch (see smp.h).
 *
 * The schema is a small static tree: for each built-in kind, the fields whose
 * lists merge by key (containers by name, ports by containerPort, ...).  Any
 * field not in the tree merges maps and replaces lists, which is also how
 * custom resources behave.
 *
 * Merging works on a private deep copy of the target, in place, so a failure
 * never leaves a half-patched object visible to the caller.
 */
#include "smp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

enum list_kind { L_REPLACE = 0, L_KEYED, L_PRIMITIVE };

typedef struct smp_type smp_type;

typedef struct smp_field {
	const char *name;
	const smp_type *type;   /* the value's type, or the elements' for lists */
	unsigned char list;     /* enum list_kind */
	unsigned char nkeys;    /* kustomize's keys (list-map keys when known) */
	const char *keys[2];    /* keys[0] is the API server's patch merge key */
} smp_field;

struct smp_type {
	const smp_field *fields;
};

#define END { NULL, NULL, 0, 0, { NULL, NULL } }

static const smp_type t_meta, t_container, t_podspec, t_podtemplate,
	t_workload_spec, t_workload, t_jobtemplate, t_cronjob_spec, t_cronjob,
	t_pod, t_podtemplate_kind, t_service_spec, t_service, t_object;

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
	{ "resourceClaims", NULL, L_KEYED, 1, { "name", NULL } },
	{ "schedulingGates", NULL, L_KEYED, 1, { "name", NULL } },
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
	{ "", "ServiceAccount", &t_object },
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

static const smp_type *root_type(const char *api_version, const char *kind)
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
	return root_type(api_version, kind) != NULL;
}

static const smp_field *field_lookup(const smp_type *type, const char *name)
{
	size_t i;

	if (!type)
		return NULL;
	for (i = 0; type->fields[i].name; i++)
		if (strcmp(type->fields[i].name, name) == 0)
			return &type->fields[i];
	return NULL;
}

typedef struct smp_ctx {
	kd_smp_mode mode;
} smp_ctx;

static int merge_map(json_t **out, json_t *dest, const json_t *patch,
		     const smp_type *type, const smp_ctx *ctx);
static int merge_list(json_t **out, json_t *dest, const json_t *patch,
		      const smp_field *field, const smp_ctx *ctx);

/* The text of a scalar as YAML would spell it, for key comparisons.  Maps,
 * lists, null and "" all read as empty, as kustomize treats them. */
static void scalar_text(char *buf, size_t size, const json_t *v)
{
	buf[0] = '\0';
	if (!v)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, size, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, size, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, size, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, size, "false");
		break;
	default:
		break;
	}
}

/* A value that may merge or be added: a scalar, map or list.  Takes
 * ownership of dest (NULL when absent). */
static int merge_any(json_t **out, json_t *dest, const json_t *patch,
		     const smp_type *type, const smp_field *field,
		     const smp_ctx *ctx)
{
	if (json_is_object(patch) && json_is_object(dest))
		return merge_map(out, dest, patch, type, ctx);
	if (json_is_array(patch) && json_is_array(dest))
		return merge_list(out, dest, patch, field, ctx);
	json_decref(dest);
	if (json_is_object(patch))
		return merge_map(out, NULL, patch, type, ctx);
	if (json_is_array(patch))
		return merge_list(out, NULL, patch, field, ctx);
	*out = json_deep_copy(patch);
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

static const char *directive(const json_t *obj)
{
	return json_is_object(obj) ? json_string_value(json_object_get(obj, "$patch")) : NULL;
}

/* ---- lists ------------------------------------------------------------ */

#define KEYTEXT 256

typedef struct elem_key {
	char v[2][KEYTEXT];
	size_t n;       /* number of keys of the list */
} elem_key;

static void key_of(elem_key *k, const json_t *elem, const smp_field *f,
		   size_t nkeys)
{
	size_t i;

	k->n = nkeys;
	for (i = 0; i < nkeys; i++)
		scalar_text(k->v[i], KEYTEXT,
			    json_is_object(elem) ? json_object_get(elem, f->keys[i]) : NULL);
}

static bool key_equal(const elem_key *a, const elem_key *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool key_full(const elem_key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!k->v[i][0])
			return false;
	return true;
}

static bool key_empty(const elem_key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->v[i][0])
			return false;
	return true;
}

/* Does elem match the non-empty parts of k (all parts when all are empty)? */
static bool key_matches(const elem_key *k, const json_t *elem,
			const smp_field *f)
{
	elem_key e;
	size_t i;

	if (!json_is_object(elem))
		return false;
	key_of(&e, elem, f, k->n);
	if (key_empty(k))
		return key_equal(k, &e);
	for (i = 0; i < k->n; i++)
		if (k->v[i][0] && strcmp(k->v[i], e.v[i]) != 0)
			return false;
	return true;
}

static bool is_empty_map(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 0;
}

/* Copies the patch's elements that are not `$patch` directives, each merged
 * onto nothing (so nested directives and nulls are resolved). */
static int list_from_patch(json_t **out, const json_t *patch,
			   const smp_field *f, const smp_ctx *ctx)
{
	json_t *res = json_array();
	json_t *v = NULL;
	size_t i;
	int rc;

	if (!res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *pe = json_array_get(patch, i);
		const char *d = directive(pe);

		if (d && (strcmp(d, "replace") == 0 || strcmp(d, "delete") == 0))
			continue;
		rc = merge_any(&v, NULL, pe, f ? f->type : NULL, NULL, ctx);
		if (rc < 0)
			goto fail;
		if (v && json_array_append_new(res, v) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto fail;
		}
	}
	*out = res;
	return 0;
fail:
	json_decref(res);
	return rc;
}

static bool has_replace_element(const json_t *patch)
{
	size_t i;

	for (i = 0; i < json_array_size(patch); i++) {
		const char *d = directive(json_array_get(patch, i));

		if (d && strcmp(d, "replace") == 0)
			return true;
	}
	return false;
}

/* Removes every element of list matching k. */
static void remove_matching(json_t *list, const elem_key *k, const smp_field *f)
{
	size_t i = 0;

	while (i < json_array_size(list)) {
		if (key_matches(k, json_array_get(list, i), f))
			json_array_remove(list, i);
		else
			i++;
	}
}

static json_t *first_matching(const json_t *list, const elem_key *k,
			      const smp_field *f)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (key_matches(k, json_array_get(list, i), f))
			return json_array_get(list, i);
	return NULL;
}

/* Writes the key fields a merged element must carry. */
static int set_keys(json_t *val, const elem_key *k, const smp_field *f,
		    const json_t *from)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (!k->v[i][0] || json_object_get(val, f->keys[i]))
			continue;
		if (json_object_set(val, f->keys[i],
				    json_object_get(from, f->keys[i])) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * kustomize's order for a keyed list: every distinct key, patch elements
 * first, then the originals not named by the patch; each merged.
 */
static int keyed_patch_first(json_t **out, json_t *dest, const json_t *patch,
			     const smp_field *f, size_t nkeys,
			     const smp_ctx *ctx)
{
	json_t *items = json_array();
	elem_key *seen = NULL;
	size_t nseen = 0, total, i, j;
	int rc = 0;

	total = json_array_size(patch) + json_array_size(dest);
	seen = calloc(total ? total : 1, sizeof(*seen));
	if (!items || !seen) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < total; i++) {
		const json_t *src = i < json_array_size(patch)
			? json_array_get(patch, i)
			: json_array_get(dest, i - json_array_size(patch));
		elem_key k;
		json_t *de, *pe, *val = NULL;
		const char *d;
		bool dup = false;

		if (!json_is_object(src))
			continue;
		key_of(&k, src, f, nkeys);
		for (j = 0; j < nseen && !dup; j++)
			dup = key_equal(&seen[j], &k);
		if (dup)
			continue;
		seen[nseen++] = k;

		de = first_matching(dest, &k, f);
		pe = first_matching(patch, &k, f);
		d = directive(pe);
		if (d && strcmp(d, "delete") == 0) {
			remove_matching(dest, &k, f);
			continue;
		}
		if (pe) {
			json_t *base = de ? json_deep_copy(de) : NULL;

			if (de && !base) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			rc = merge_map(&val, base, pe, f->type, ctx);
			if (rc < 0)
				goto cleanup;
		} else {
			val = json_incref(de);
		}
		if (!val || is_empty_map(val)) {
			json_decref(val);
			remove_matching(dest, &k, f);
			continue;
		}
		rc = set_keys(val, &k, f, src);
		if (rc < 0) {
			json_decref(val);
			goto cleanup;
		}
		/* Replace every element of items with the same key, or append. */
		{
			bool found = false;

			for (j = 0; j < json_array_size(items); j++) {
				if (key_matches(&k, json_array_get(items, j), f)) {
					json_array_set(items, j, val);
					found = true;
				}
			}
			if (!found && json_array_append(items, val) < 0) {
				json_decref(val);
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			json_decref(val);
		}
	}
	/* Originals without any key keep their place after the keyed ones. */
	for (i = 0; i < json_array_size(dest); i++) {
		json_t *e = json_array_get(dest, i);
		elem_key k;

		if (!json_is_object(e))
			continue;
		key_of(&k, e, f, nkeys);
		if (key_empty(&k) && !first_matching(items, &k, f) &&
		    json_object_size(e) > 0 && json_array_append(items, e) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	*out = items;
	items = NULL;
cleanup:
	json_decref(items);
	free(seen);
	return rc;
}

/*
 * kustomize's order for a list keyed by several fields where some element
 * names all of them (ports by containerPort and protocol): new elements
 * first, then the originals in place.  A patch element merges only into an
 * original whose keys are all equal; one that shares only the first key
 * with an original is dropped, as kustomize drops it.
 */
static int keyed_multi(json_t **out, json_t *dest, const json_t *patch,
		       const smp_field *f, const smp_ctx *ctx)
{
	json_t *fresh = json_array();
	size_t i, j;
	int rc = 0;

	if (!fresh)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *pe = json_array_get(patch, i);
		const char *d = directive(pe);
		elem_key k, first, dk;
		size_t hit = (size_t)-1;
		json_t *val = NULL;

		if (!json_is_object(pe))
			continue;
		key_of(&k, pe, f, 2);
		first = k;
		first.n = 1;
		/* an original with exactly these keys, else one sharing the first */
		for (j = 0; j < json_array_size(dest) && hit == (size_t)-1; j++) {
			key_of(&dk, json_array_get(dest, j), f, 2);
			if (json_is_object(json_array_get(dest, j)) && key_equal(&dk, &k))
				hit = j;
		}
		for (j = 0; j < json_array_size(dest) && hit == (size_t)-1; j++)
			if (key_matches(&first, json_array_get(dest, j), f))
				hit = j;
		if (hit == (size_t)-1) {
			if (d && strcmp(d, "delete") == 0)
				continue;
			rc = merge_map(&val, NULL, pe, f->type, ctx);
			if (rc < 0)
				goto cleanup;
			if (val && json_array_append_new(fresh, val) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			continue;
		}
		key_of(&dk, json_array_get(dest, hit), f, 2);
		if (!key_equal(&dk, &k))
			continue;
		if (d && strcmp(d, "delete") == 0) {
			json_array_remove(dest, hit);
			continue;
		}
		rc = merge_map(&val, json_incref(json_array_get(dest, hit)), pe,
			       f->type, ctx);
		if (rc < 0)
			goto cleanup;
		if (val)
			json_array_set_new(dest, hit, val);
		else
			json_array_remove(dest, hit);
	}
	if (json_array_extend(fresh, dest) < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	*out = fresh;
	fresh = NULL;
cleanup:
	json_decref(fresh);
	return rc;
}

/* The API server's order: originals in place, new elements appended. */
static int keyed_server(json_t **out, json_t *dest, const json_t *patch,
			const smp_field *f, const smp_ctx *ctx)
{
	size_t i, j;
	int rc;

	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *pe = json_array_get(patch, i);
		const char *d = directive(pe);
		elem_key k;
		json_t *val = NULL;
		size_t hit = (size_t)-1;

		if (!json_is_object(pe)) {
			if (json_array_append_new(dest, json_deep_copy(pe)) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
			continue;
		}
		key_of(&k, pe, f, 1);
		for (j = 0; j < json_array_size(dest) && hit == (size_t)-1; j++)
			if (key_matches(&k, json_array_get(dest, j), f))
				hit = j;
		if (d && strcmp(d, "delete") == 0) {
			remove_matching(dest, &k, f);
			continue;
		}
		rc = merge_map(&val, hit == (size_t)-1 ? NULL
				     : json_incref(json_array_get(dest, hit)),
			       pe, f->type, ctx);
		if (rc < 0)
			return rc;
		if (!val)
			continue;
		if (hit == (size_t)-1)
			rc = json_array_append_new(dest, val);
		else
			rc = json_array_set_new(dest, hit, val);
		if (rc < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	*out = json_incref(dest);
	return 0;
}

static bool array_has_scalar(const json_t *list, const json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), (json_t *)v))
			return true;
	return false;
}

static int merge_primitive(json_t **out, json_t *dest, const json_t *patch,
			   const smp_ctx *ctx)
{
	json_t *res = json_array();
	const json_t *first = ctx->mode == KD_SMP_KUSTOMIZE ? patch : dest;
	const json_t *second = ctx->mode == KD_SMP_KUSTOMIZE ? dest : patch;
	size_t i;

	if (!res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < json_array_size(first) + json_array_size(second); i++) {
		json_t *v = i < json_array_size(first)
			? json_array_get(first, i)
			: json_array_get(second, i - json_array_size(first));

		if (json_is_null(v) || array_has_scalar(res, v))
			continue;
		if (json_array_append(res, v) < 0) {
			json_decref(res);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	*out = res;
	return 0;
}

/* Takes ownership of dest (NULL when absent). */
static int merge_list(json_t **out, json_t *dest, const json_t *patch,
		      const smp_field *field, const smp_ctx *ctx)
{
	json_t *work = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!field || field->list == L_REPLACE || !dest ||
	    has_replace_element(patch)) {
		json_decref(dest);
		if (!field || field->list == L_REPLACE) {
			*out = json_deep_copy(patch);
			return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
		}
		if (field->list == L_PRIMITIVE) {
			*out = json_deep_copy(patch);
			return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
		}
		return list_from_patch(out, patch, field, ctx);
	}
	if (field->list == L_PRIMITIVE) {
		rc = merge_primitive(out, dest, patch, ctx);
		json_decref(dest);
		return rc;
	}
	/* Keyed: work on a private copy of the original list. */
	work = json_deep_copy(dest);
	json_decref(dest);
	if (!work)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (ctx->mode == KD_SMP_SERVER) {
		rc = keyed_server(out, work, patch, field, ctx);
	} else {
		bool full = false;

		if (field->nkeys > 1) {
			for (i = 0; i < json_array_size(patch) + json_array_size(work) && !full; i++) {
				const json_t *e = i < json_array_size(patch)
					? json_array_get(patch, i)
					: json_array_get(work, i - json_array_size(patch));
				elem_key k;

				if (!json_is_object(e))
					continue;
				key_of(&k, e, field, field->nkeys);
				full = key_full(&k);
			}
		}
		if (full)
			rc = keyed_multi(out, work, patch, field, ctx);
		else
			rc = keyed_patch_first(out, work, patch, field,
					       field->nkeys, ctx);
	}
	json_decref(work);
	return rc;
}

/* ---- maps ------------------------------------------------------------- */

static int apply_delete_from_primitive(json_t *dest, const char *name,
				       const json_t *values)
{
	json_t *list = json_object_get(dest, name);
	size_t i = 0;

	if (!json_is_array(list))
		return 0;
	while (i < json_array_size(list)) {
		if (array_has_scalar(values, json_array_get(list, i)))
			json_array_remove(list, i);
		else
			i++;
	}
	return 0;
}

/* Reorders dest[name] to follow order (elements listed by key or value);
 * elements not listed keep their relative order after the listed ones. */
static int apply_element_order(json_t *dest, const char *name,
			       const json_t *order, const smp_type *type)
{
	const smp_field *f = field_lookup(type, name);
	json_t *list = json_object_get(dest, name);
	json_t *res, *rest;
	size_t i, j;

	if (!json_is_array(list) || !json_is_array(order))
		return 0;
	res = json_array();
	rest = json_deep_copy(list);
	if (!res || !rest) {
		json_decref(res);
		json_decref(rest);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	for (i = 0; i < json_array_size(order); i++) {
		const json_t *o = json_array_get(order, i);

		for (j = 0; j < json_array_size(rest); j++) {
			json_t *e = json_array_get(rest, j);
			bool same;

			if (f && f->list == L_KEYED && json_is_object(o)) {
				elem_key k;

				key_of(&k, o, f, 1);
				same = key_matches(&k, e, f);
			} else {
				same = json_equal(e, (json_t *)o);
			}
			if (same) {
				json_array_append(res, e);
				json_array_remove(rest, j);
				break;
			}
		}
	}
	json_array_extend(res, rest);
	json_decref(rest);
	return json_object_set_new(dest, name, res) < 0
		? kd_error_set(KD_ENOMEM, "out of memory") : 0;
}

static int apply_retain_keys(json_t *dest, const json_t *keep)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(dest, tmp, key, v) {
		bool kept = false;
		size_t i;

		for (i = 0; i < json_array_size(keep) && !kept; i++)
			kept = json_is_string(json_array_get(keep, i)) &&
			       strcmp(json_string_value(json_array_get(keep, i)), key) == 0;
		if (!kept)
			json_object_del(dest, key);
	}
	return 0;
}

static bool is_server_directive(const char *key)
{
	return strcmp(key, "$retainKeys") == 0 ||
	       strncmp(key, "$setElementOrder/", 17) == 0 ||
	       strncmp(key, "$deleteFromPrimitiveList/", 25) == 0;
}

/* Takes ownership of dest (NULL when absent); *out NULL means "remove". */
static int merge_map(json_t **out, json_t *dest, const json_t *patch,
		     const smp_type *type, const smp_ctx *ctx)
{
	const char *d = directive(patch);
	const char *key;
	json_t *pv;
	int rc = 0;

	*out = NULL;
	if (json_object_get(patch, "$patch") && !d)
		d = "?";
	if (d && strcmp(d, "delete") == 0) {
		json_decref(dest);
		return 0;
	}
	if (d && strcmp(d, "replace") == 0) {
		json_decref(dest);
		dest = NULL;
	} else if (d && strcmp(d, "merge") != 0) {
		json_decref(dest);
		return kd_error_set(KD_EINVAL,
				    "unknown strategic merge directive '$patch: %s'",
				    json_string_value(json_object_get(patch, "$patch"))
					? json_string_value(json_object_get(patch, "$patch"))
					: "(not a string)");
	}
	if (!dest) {
		dest = json_object();
		if (!dest)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	json_object_foreach((json_t *)patch, key, pv) {
		json_t *merged = NULL;
		const smp_field *f;

		if (strcmp(key, "$patch") == 0)
			continue;
		if (ctx->mode == KD_SMP_SERVER && is_server_directive(key))
			continue;
		if (json_is_null(pv)) {
			json_object_del(dest, key);
			continue;
		}
		f = field_lookup(type, key);
		rc = merge_any(&merged, json_incref(json_object_get(dest, key)),
			       pv, f ? f->type : NULL, f, ctx);
		if (rc < 0)
			goto fail;
		if (!merged) {
			json_object_del(dest, key);
			continue;
		}
		if (json_object_set_new(dest, key, merged) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (ctx->mode == KD_SMP_SERVER) {
		json_object_foreach((json_t *)patch, key, pv) {
			if (strncmp(key, "$deleteFromPrimitiveList/", 25) == 0)
				rc = apply_delete_from_primitive(dest, key + 25, pv);
			else if (strncmp(key, "$setElementOrder/", 17) == 0)
				rc = apply_element_order(dest, key + 17, pv, type);
			if (rc < 0)
				goto fail;
		}
		if (json_is_array(json_object_get(patch, "$retainKeys")))
			apply_retain_keys(dest, json_object_get(patch, "$retainKeys"));
	}
	*out = dest;
	return 0;
fail:
	json_decref(dest);
	return rc;
}

/* merge_any takes ownership of dest only through merge_map/merge_list; a
 * scalar patch drops it. */
static int merge_root(json_t **out, const json_t *target, const json_t *patch,
		      const smp_type *type, const smp_ctx *ctx)
{
	json_t *copy = json_deep_copy(target);

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return merge_map(out, copy, patch, type, ctx);
}

int kd_smp_apply(json_t **out, const json_t *target, const json_t *patch,
		 kd_smp_mode mode)
{
	smp_ctx ctx = { mode };
	const json_t *typed = target;
	const smp_type *type;

	*out = NULL;
	if (!json_is_object(patch))
		return kd_error_set(KD_EINVAL, "a strategic merge patch must be an object");
	if (!json_is_object(target))
		return kd_error_set(KD_EINVAL, "a strategic merge patch applies to an object");
	if (!json_object_get(target, "kind"))
		typed = patch;
	type = root_type(json_string_value(json_object_get(typed, "apiVersion")),
			 json_string_value(json_object_get(typed, "kind")));
	return merge_root(out, target, patch, type, &ctx);
}

size_t kd_smp_list_keys(const char **keys, size_t max, bool *primitive,
			const char *api_version, const char *kind,
			const char *pointer)
{
	const smp_type *type = root_type(api_version, kind);
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
		f = field_lookup(type, tok);
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
