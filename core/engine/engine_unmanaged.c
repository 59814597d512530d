/*
 * engine_unmanaged — objects made by hand in the namespaces a cluster's
 * apps manage (see engine.h): which kinds are looked at, which objects are
 * left out, and the list each published state carries.
 *
 * Decides from what the engine already holds (the live objects it listed
 * and the keys of the desired ones); never lists anything itself.
 */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* The namespaced kinds people create by hand. */
static const kd_group_kind kinds[] = {
	{ "", "ConfigMap" },
	{ "", "PersistentVolumeClaim" },
	{ "", "Pod" },
	{ "", "Secret" },
	{ "", "Service" },
	{ "", "ServiceAccount" },
	{ "apps", "DaemonSet" },
	{ "apps", "Deployment" },
	{ "apps", "ReplicaSet" },
	{ "apps", "StatefulSet" },
	{ "autoscaling", "HorizontalPodAutoscaler" },
	{ "batch", "CronJob" },
	{ "batch", "Job" },
	{ "networking.k8s.io", "Ingress" },
	{ "networking.k8s.io", "NetworkPolicy" },
	{ "policy", "PodDisruptionBudget" },
	{ "rbac.authorization.k8s.io", "Role" },
	{ "rbac.authorization.k8s.io", "RoleBinding" },
	{ NULL, NULL },
};

/* Field managers of controllers: Kubernetes' own and the GitOps
 * appliers.  What only these wrote was not made by hand. */
static const char *const controllers[] = {
	"kube-controller-manager", "kube-scheduler", "kube-apiserver", "kubelet",
	"cloud-controller-manager", "k3s",
	"kustomize-controller", "helm-controller",
	"argocd-controller", "argocd-application-controller",
	NULL,
};

const kd_group_kind *kd_unmanaged_kinds(void)
{
	return kinds;
}

bool kd_unmanaged_kind(const char *group, const char *kind)
{
	const kd_group_kind *k;

	for (k = kinds; group && kind && k->kind; k++)
		if (strcmp(k->kind, kind) == 0 && strcmp(k->group, group) == 0)
			return true;
	return false;
}

const char *kd_unmanaged_glyph(bool ascii)
{
	return ascii ? "#" : "\xe2\x9c\x8e";   /* ✎ */
}

static bool is_controller(const char *manager)
{
	size_t i;

	for (i = 0; controllers[i]; i++)
		if (strcmp(controllers[i], manager) == 0)
			return true;
	return false;
}

/* The objects Kubernetes and Helm make in every namespace or release. */
static bool automatic(const json_t *obj)
{
	const char *kind = kd_json_str(obj, "kind");
	const char *name = kd_json_str(kd_json_obj(obj, "metadata"), "name");
	const char *type = kd_json_str(obj, "type");

	if (!kind || !name)
		return false;
	if (strcmp(kind, "ConfigMap") == 0)
		return strcmp(name, "kube-root-ca.crt") == 0;
	if (strcmp(kind, "ServiceAccount") == 0)
		return strcmp(name, "default") == 0;
	if (strcmp(kind, "Secret") == 0)
		return (type && (strcmp(type, "kubernetes.io/service-account-token") == 0 ||
				 strcmp(type, "helm.sh/release.v1") == 0)) ||
		       strncmp(name, "sh.helm.release.v1.", 19) == 0;
	return false;
}

bool kd_unmanaged_candidate(const json_t *obj, const char **manager, const char **time)
{
	const json_t *meta = kd_json_obj(obj, "metadata"), *e;
	const json_t *hand = NULL;
	size_t i, writes = 0;

	*manager = NULL;
	*time = NULL;
	if (json_array_size(kd_json_arr(meta, "ownerReferences")) > 0 || automatic(obj))
		return false;
	json_array_foreach(kd_json_arr(meta, "managedFields"), i, e) {
		const char *m = kd_json_str(e, "manager"), *sub = kd_json_str(e, "subresource");
		const char *t = kd_json_str(e, "time"), *ht;

		if (!m || (sub && *sub))
			continue;   /* a status write says nothing about who made it */
		writes++;
		if (is_controller(m))
			continue;
		ht = hand ? kd_json_str(hand, "time") : NULL;
		/* RFC 3339 in UTC, as the API server writes it, sorts as text */
		if (!hand || (t && ht && strcmp(t, ht) < 0) || (t && !ht))
			hand = e;
	}
	if (writes > 0 && !hand)
		return false;   /* only controllers ever wrote it */
	*manager = hand ? kd_json_str(hand, "manager") : NULL;
	*time = kd_json_str(meta, "creationTimestamp");
	if (!*time && hand)
		*time = kd_json_str(hand, "time");
	return true;
}

/* ---- the state's list ------------------------------------------------------ */

static void entry_clear(kd_unmanaged *u)
{
	free(u->api_version);
	free(u->kind);
	free(u->namespace);
	free(u->name);
	free(u->manager);
	free(u->time);
}

void kd_cluster_state_clear_unmanaged(kd_cluster_state *st)
{
	size_t i;

	for (i = 0; i < st->nunmanaged; i++)
		entry_clear(&st->unmanaged[i]);
	free(st->unmanaged);
	st->unmanaged = NULL;
	st->nunmanaged = 0;
}

static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*fail = true;
	return d;
}

kd_unmanaged *kd_cluster_state_add_unmanaged(kd_cluster_state *st, const char *api_version,
					     const char *kind, const char *namespace,
					     const char *name, const char *manager,
					     const char *time)
{
	kd_unmanaged *list = realloc(st->unmanaged, (st->nunmanaged + 1) * sizeof(*list)), *u;
	bool fail = false;

	if (!list)
		return NULL;
	st->unmanaged = list;
	u = &list[st->nunmanaged];
	u->api_version = dup_opt(api_version ? api_version : "", &fail);
	u->kind = dup_opt(kind ? kind : "", &fail);
	u->namespace = dup_opt(namespace ? namespace : "", &fail);
	u->name = dup_opt(name ? name : "", &fail);
	u->manager = dup_opt(manager, &fail);
	u->time = dup_opt(time, &fail);
	if (fail) {
		entry_clear(u);
		return NULL;
	}
	st->nunmanaged++;
	return u;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const kd_unmanaged *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->namespace, b->namespace)) != 0 || (c = strcmp(a->kind, b->kind)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

void kd_cluster_state_sort_unmanaged(kd_cluster_state *st)
{
	if (st->nunmanaged > 1)
		qsort(st->unmanaged, st->nunmanaged, sizeof(*st->unmanaged), entry_cmp);
}

/* ---- from the engine's objects --------------------------------------------- */

/* Splits "GROUP/KIND/NAMESPACE/NAME" (namespace empty when cluster-scoped)
 * into its parts inside buf; false when it has not four. */
static bool split_key(char *buf, const char *parts[4])
{
	char *p = buf;
	int i;

	for (i = 0; i < 3; i++) {
		char *slash = strchr(p, '/');

		if (!slash)
			return false;
		*slash = '\0';
		parts[i] = p;
		p = slash + 1;
	}
	parts[3] = p;
	return true;
}

/* The namespaces the desired objects are in, and the declared Namespaces. */
static int managed_namespaces(json_t *set, const json_t *seen)
{
	const char *key, *parts[4];
	kd_buf buf = KD_BUF_INIT;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)seen, key, v) {
		const char *ns = NULL;

		kd_buf_clear(&buf);
		if ((rc = kd_buf_puts(&buf, key)) < 0)
			break;
		if (!split_key(buf.data, parts))
			continue;
		if (*parts[2])
			ns = parts[2];
		else if (!*parts[0] && strcmp(parts[1], "Namespace") == 0)
			ns = parts[3];
		if (ns && json_object_set_new(set, ns, json_true()) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_buf_free(&buf);
	return rc;
}

/* True when the object is tracked as one of the cluster's apps: GitOps
 * put it there (it is extra, or the app did not render). */
static bool tracked(const eng_cluster *cl, const json_t *obj)
{
	char *scratch = NULL;
	const char *owner = kd_engine_tracked_app(obj, cl->e->fleet->tracking, &scratch);
	bool found = false;
	size_t i;

	for (i = 0; owner && i < cl->napps && !found; i++)
		found = strcmp(cl->apps[i].app->name, owner) == 0;
	free(scratch);
	return found;
}

int eng_add_unmanaged(eng_cluster *cl, kd_cluster_state *st, const json_t *seen)
{
	json_t *namespaces = json_object(), *obj;
	kd_buf buf = KD_BUF_INIT;
	const char *key, *parts[4], *manager, *time;
	int rc;

	if (!namespaces)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if ((rc = managed_namespaces(namespaces, seen)) < 0)
		goto cleanup;
	json_object_foreach(cl->live, key, obj) {
		kd_buf_clear(&buf);
		if ((rc = kd_buf_puts(&buf, key)) < 0)
			break;
		if (!split_key(buf.data, parts) || !*parts[2] ||
		    !kd_unmanaged_kind(parts[0], parts[1]) ||
		    !json_object_get(namespaces, parts[2]) || json_object_get(seen, key) ||
		    tracked(cl, obj) || !kd_unmanaged_candidate(obj, &manager, &time))
			continue;
		if (!kd_cluster_state_add_unmanaged(st, kd_json_str(obj, "apiVersion"), parts[1],
						    parts[2], parts[3], manager, time)) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_cluster_state_sort_unmanaged(st);
cleanup:
	kd_buf_free(&buf);
	json_decref(namespaces);
	return rc;
}
