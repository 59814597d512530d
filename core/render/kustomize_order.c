/*
 * kustomize_order — the order kustomize prints resources in: its legacy
 * kind order (Namespace first, webhooks last, the rest by group, version,
 * kind, namespace and name), a legacy order with the kustomization's own
 * first and last kinds, or fifo (the order they were accumulated).
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static const char *const order_first[] = {
	"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition",
	"ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole",
	"RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints",
	"Service", "LimitRange", "PriorityClass", "PersistentVolume",
	"PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob",
	"PodDisruptionBudget", NULL,
};
static const char *const order_last[] = {
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", NULL,
};

typedef struct sort_item {
	json_t *obj;
	const kd_kz_res *res;
	int rank;
	char gvk[512];
} sort_item;

static int rank_in(const json_t *list, const char *kind, int *rank)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (strcmp(json_string_value(json_array_get(list, i)), kind) == 0) {
			*rank = (int)i;
			return 1;
		}
	return 0;
}

/* Kinds named first sort before everything (in their order), kinds named
 * last after everything, the rest in between. */
static int kind_rank(const char *kind, const json_t *first, const json_t *last)
{
	int i;

	if (first || last) {
		if (rank_in(first, kind, &i))
			return i - 100000;
		if (rank_in(last, kind, &i))
			return i + 1;
		return 0;
	}
	for (i = 0; order_first[i]; i++)
		if (strcmp(order_first[i], kind) == 0)
			return i - 100;
	for (i = 0; order_last[i]; i++)
		if (strcmp(order_last[i], kind) == 0)
			return i + 1;
	return 0;
}

/* kustomize's "group_version_kind" with ~G / ~V for empty parts. */
static void gvk_string(char *out, size_t size, const json_t *obj)
{
	const char *av = kd_kz_api_version(obj);
	const char *slash = strchr(av, '/');
	char group[256];

	kd_kz_group_of(group, sizeof(group), av);
	snprintf(out, size, "%s_%s_%s", group[0] ? group : "~G",
		 slash ? slash + 1 : (av[0] ? av : "~V"), kd_kz_kind(obj));
}

static int compare_items(const void *pa, const void *pb)
{
	const sort_item *a = pa, *b = pb;
	int d;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if ((d = strcmp(a->gvk, b->gvk)) != 0) {
		/* kustomize sorts core-group Namespaces of different versions
		 * backwards, so v1 comes last */
		if (strcmp(kd_kz_kind(a->obj), "Namespace") == 0 &&
		    strcmp(kd_kz_kind(b->obj), "Namespace") == 0 &&
		    (strncmp(a->gvk, "~G_", 3) == 0 || strncmp(b->gvk, "~G_", 3) == 0))
			return -d;
		return d;
	}
	/* kustomize spells "no namespace" ~X, which sorts after any name */
	if ((d = strcmp(kd_kz_ns(a->obj)[0] ? kd_kz_ns(a->obj) : "~X",
			kd_kz_ns(b->obj)[0] ? kd_kz_ns(b->obj) : "~X")) != 0)
		return d;
	return strcmp(kd_kz_name(a->obj) ? kd_kz_name(a->obj) : "",
		      kd_kz_name(b->obj) ? kd_kz_name(b->obj) : "");
}

/* Annotation values become strings: 1 -> "1", true -> "true", null -> "null". */
static int stringify(json_t *ann)
{
	const char *key;
	json_t *v;

	json_object_foreach(ann, key, v) {
		char text[64];

		switch (json_typeof(v)) {
		case JSON_INTEGER:
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			break;
		case JSON_REAL: {
			int prec;

			/* the shortest text that reads back as the same number */
			for (prec = 1; prec <= 17; prec++) {
				snprintf(text, sizeof(text), "%.*g", prec, json_real_value(v));
				if (strtod(text, NULL) == json_real_value(v))
					break;
			}
			break;
		}
		case JSON_TRUE: snprintf(text, sizeof(text), "true"); break;
		case JSON_FALSE: snprintf(text, sizeof(text), "false"); break;
		case JSON_NULL: snprintf(text, sizeof(text), "null"); break;
		default: continue;
		}
		if (json_object_set_new(ann, key, json_string(text)) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

int kd_kz_output(json_t **out, json_t **origins, json_t **prov, kd_kz_list *l,
		 const json_t *sort_options)
{
	json_t *legacy = json_object_get(sort_options, "legacySortOptions");
	const char *order = json_string_value(json_object_get(sort_options, "order"));
	json_t *first = json_object_get(legacy, "orderFirst");
	json_t *last = json_object_get(legacy, "orderLast");
	json_t *empty = NULL, *res = NULL, *orig = NULL, *pv = NULL;
	bool fifo = order && strcmp(order, "fifo") == 0;
	sort_item *items;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (prov)
		*prov = NULL;
	items = calloc(l->n ? l->n : 1, sizeof(*items));
	res = json_array();
	if ((origins && !(orig = json_array())) || (prov && !(pv = json_array()))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (legacy && !first)
		first = empty = json_array();
	if (!items || !res || (legacy && !first)) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < l->n; i++) {
		json_t *meta = json_object_get(l->v[i].obj, "metadata");
		json_t *ann = json_object_get(meta, "annotations");

		/* kustomize drops empty annotations when it strips its own, and
		 * writes the rest back as strings */
		if (ann && (json_is_null(ann) || (json_is_object(ann) && json_object_size(ann) == 0)))
			json_object_del(meta, "annotations");
		else if (json_is_object(ann) && (rc = stringify(ann)) < 0)
			goto cleanup;
		items[i].obj = l->v[i].obj;
		items[i].res = &l->v[i];
		items[i].rank = kind_rank(kd_kz_kind(items[i].obj), first, last);
		gvk_string(items[i].gvk, sizeof(items[i].gvk), items[i].obj);
	}
	/* qsort is not stable, but ids are unique so no two compare equal */
	if (!fifo)
		qsort(items, l->n, sizeof(*items), compare_items);
	for (i = 0; i < l->n; i++) {
		if (json_array_append(res, items[i].obj) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (pv) {
			kd_kz_res *r = (kd_kz_res *)items[i].res;

			if (!r->prov && !(r->prov = json_object())) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			/* annotations emptied above leave no chain behind */
			if ((rc = kd_prov_settle(&r->prov, r->obj)) < 0)
				goto cleanup;
			if (json_array_append(pv, r->prov) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
		}
		if (orig) {
			const kd_kz_res *r = (kd_kz_res *)items[i].res;
			json_t *o = json_pack("{s:s, s:o}", "file", r->file ? r->file : "",
					      "layers", r->layers ? json_incref(r->layers)
								  : json_array());

			if (!o || json_array_append_new(orig, o) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
		}
	}
	*out = res;
	res = NULL;
	if (origins) {
		*origins = orig;
		orig = NULL;
	}
	if (prov) {
		*prov = pv;
		pv = NULL;
	}
cleanup:
	json_decref(res);
	json_decref(orig);
	json_decref(pv);
	json_decref(empty);
	free(items);
	return rc;
}
