/*
 * discovery — /api, /apis, aggregated discovery (v2, v2beta1) and the
 * OpenAPI v3 documents kubectl reads to decide that the server validates
 * fields itself (the fieldValidation query parameter on PATCH).
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* Every served type of a cluster, built-ins first (caller holds the lock). */
static size_t all_types(ks_cluster *c, const ks_type **out, size_t max)
{
	size_t n, i, k = 0;
	const ks_type *b = ks_types_builtin(&n);

	for (i = 0; i < n && k < max; i++)
		out[k++] = &b[i];
	for (i = 0; c && i < c->ncrds && k < max; i++)
		if (*c->crds[i]->plural) /* empty: replaced by a newer definition */
			out[k++] = c->crds[i];
	return k;
}

#define MAX_TYPES 512

static json_t *verbs(const ks_type *t)
{
	if (!strcmp(t->kind, "SelfSubjectAccessReview"))
		return json_pack("[s]", "create");
	if (!strcmp(t->kind, "Namespace"))
		return json_pack("[s,s,s,s,s,s,s]", "create", "delete", "get", "list",
				 "patch", "update", "watch");
	return json_pack("[s,s,s,s,s,s,s,s]", "create", "delete", "deletecollection",
			 "get", "list", "patch", "update", "watch");
}

static json_t *short_names(const ks_type *t)
{
	json_t *a = json_array();
	const char *p = t->short_names, *comma;

	while (a && p && *p) {
		comma = strchr(p, ',');
		json_array_append_new(a, json_stringn(p, comma ? (size_t)(comma - p) : strlen(p)));
		p = comma ? comma + 1 : NULL;
	}
	return a;
}

json_t *ks_discovery_api_versions(void)
{
	char addr[64];

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ks_srv.port);
	return json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions",
			 "versions", "v1", "serverAddressByClientCIDRs",
			 "clientCIDR", "0.0.0.0/0", "serverAddress", addr);
}

/* Distinct group/version pairs in serving order; core excluded. */
static size_t group_versions(ks_cluster *c, const ks_type **types, size_t n,
			     const ks_type **gv, size_t max)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		if (!*types[i]->group)
			continue;
		for (j = 0; j < k; j++)
			if (!strcmp(gv[j]->group, types[i]->group) &&
			    !strcmp(gv[j]->version, types[i]->version))
				break;
		if (j == k && k < max)
			gv[k++] = types[i];
	}
	(void)c;
	return k;
}

json_t *ks_discovery_groups(ks_cluster *c)
{
	const ks_type *types[MAX_TYPES], *gv[MAX_TYPES];
	size_t n = all_types(c, types, MAX_TYPES), k, i;
	json_t *groups = json_array(), *doc;
	char gvs[256];

	k = group_versions(c, types, n, gv, MAX_TYPES);
	for (i = 0; groups && i < k; i++) {
		snprintf(gvs, sizeof(gvs), "%s/%s", gv[i]->group, gv[i]->version);
		json_array_append_new(groups, json_pack(
			"{s:s, s:[{s:s, s:s}], s:{s:s, s:s}}", "name", gv[i]->group,
			"versions", "groupVersion", gvs, "version", gv[i]->version,
			"preferredVersion", "groupVersion", gvs, "version", gv[i]->version));
	}
	doc = json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1",
			"groups", groups);
	return doc;
}

json_t *ks_discovery_resources(ks_cluster *c, const char *group,
			       const char *version)
{
	const ks_type *types[MAX_TYPES];
	size_t n = all_types(c, types, MAX_TYPES), i;
	json_t *res = json_array(), *r;
	char gvs[256], sub[300];

	for (i = 0; res && i < n; i++) {
		const ks_type *t = types[i];

		if (strcmp(t->group, group) || strcmp(t->version, version))
			continue;
		r = json_pack("{s:s, s:s, s:b, s:s, s:o, s:o}", "name", t->plural,
			      "singularName", t->singular, "namespaced", t->namespaced,
			      "kind", t->kind, "verbs", verbs(t), "shortNames", short_names(t));
		if (r && t->in_all)
			json_object_set_new(r, "categories", json_pack("[s]", "all"));
		json_array_append_new(res, r);
		if (t->has_status) {
			snprintf(sub, sizeof(sub), "%s/status", t->plural);
			json_array_append_new(res, json_pack(
				"{s:s, s:s, s:b, s:s, s:[s,s,s]}", "name", sub, "singularName", "",
				"namespaced", t->namespaced, "kind", t->kind, "verbs", "get",
				"patch", "update"));
		}
		if (t->has_scale) {
			snprintf(sub, sizeof(sub), "%s/scale", t->plural);
			json_array_append_new(res, json_pack(
				"{s:s, s:s, s:b, s:s, s:s, s:s, s:[s,s,s]}", "name", sub,
				"singularName", "", "namespaced", t->namespaced, "group",
				"autoscaling", "version", "v1", "kind", "Scale", "verbs", "get",
				"patch", "update"));
		}
	}
	if (*group)
		snprintf(gvs, sizeof(gvs), "%s/%s", group, version);
	else
		snprintf(gvs, sizeof(gvs), "%s", version);
	return json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion",
			 "v1", "groupVersion", gvs, "resources", res);
}

static json_t *aggregated_resource(const ks_type *t)
{
	json_t *r, *subs = json_array();

	if (t->has_status)
		json_array_append_new(subs, json_pack(
			"{s:s, s:{s:s, s:s, s:s}, s:[s,s,s]}", "subresource", "status",
			"responseKind", "group", t->group, "version", t->version, "kind", t->kind,
			"verbs", "get", "patch", "update"));
	if (t->has_scale)
		json_array_append_new(subs, json_pack(
			"{s:s, s:{s:s, s:s, s:s}, s:[s,s,s]}", "subresource", "scale",
			"responseKind", "group", "autoscaling", "version", "v1", "kind", "Scale",
			"verbs", "get", "patch", "update"));
	r = json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:o, s:o}", "resource", t->plural,
		      "responseKind", "group", t->group, "version", t->version, "kind", t->kind,
		      "scope", t->namespaced ? "Namespaced" : "Cluster", "singularResource",
		      t->singular, "verbs", verbs(t), "shortNames", short_names(t));
	if (r && t->in_all)
		json_object_set_new(r, "categories", json_pack("[s]", "all"));
	if (r && json_array_size(subs))
		json_object_set(r, "subresources", subs);
	json_decref(subs);
	return r;
}

json_t *ks_discovery_aggregated(ks_cluster *c, bool core, const char *ver)
{
	const ks_type *types[MAX_TYPES], *gv[MAX_TYPES];
	size_t n = all_types(c, types, MAX_TYPES), k, i, j;
	json_t *items = json_array(), *resources, *item;
	char api_version[64];

	snprintf(api_version, sizeof(api_version), "apidiscovery.k8s.io/%s", ver);
	if (core) {
		resources = json_array();
		for (i = 0; i < n; i++)
			if (!*types[i]->group)
				json_array_append_new(resources, aggregated_resource(types[i]));
		item = json_pack("{s:{s:n}, s:[{s:s, s:o, s:s}]}", "metadata",
				 "creationTimestamp", "versions", "version", "v1", "resources",
				 resources, "freshness", "Current");
		json_array_append_new(items, item);
	} else {
		k = group_versions(c, types, n, gv, MAX_TYPES);
		for (j = 0; j < k; j++) {
			resources = json_array();
			for (i = 0; i < n; i++)
				if (!strcmp(types[i]->group, gv[j]->group) &&
				    !strcmp(types[i]->version, gv[j]->version))
					json_array_append_new(resources, aggregated_resource(types[i]));
			item = json_pack("{s:{s:s, s:n}, s:[{s:s, s:o, s:s}]}", "metadata",
					 "name", gv[j]->group, "creationTimestamp", "versions",
					 "version", gv[j]->version, "resources", resources,
					 "freshness", "Current");
			json_array_append_new(items, item);
		}
	}
	return json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList",
			 "apiVersion", api_version, "metadata", "items", items);
}

static unsigned long gv_hash(const ks_type **types, size_t n, const char *group,
			     const char *version)
{
	unsigned long h = 1469598103UL;
	size_t i;
	const char *p;

	for (i = 0; i < n; i++) {
		if (strcmp(types[i]->group, group) || strcmp(types[i]->version, version))
			continue;
		for (p = types[i]->plural; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619UL;
		h = (h ^ (unsigned)types[i]->namespaced) * 16777619UL;
	}
	return h & 0xffffffffUL;
}

json_t *ks_openapi_index(ks_cluster *c)
{
	const ks_type *types[MAX_TYPES], *gv[MAX_TYPES];
	size_t n = all_types(c, types, MAX_TYPES), k, i;
	json_t *paths = json_object();
	char key[256], url[400];

	snprintf(url, sizeof(url), "/openapi/v3/api/v1?hash=%08lX", gv_hash(types, n, "", "v1"));
	json_object_set_new(paths, "api/v1", json_pack("{s:s}", "serverRelativeURL", url));
	k = group_versions(c, types, n, gv, MAX_TYPES);
	for (i = 0; i < k; i++) {
		snprintf(key, sizeof(key), "apis/%s/%s", gv[i]->group, gv[i]->version);
		snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%08lX", key,
			 gv_hash(types, n, gv[i]->group, gv[i]->version));
		json_object_set_new(paths, key, json_pack("{s:s}", "serverRelativeURL", url));
	}
	return json_pack("{s:o}", "paths", paths);
}

static json_t *query_param(const char *name)
{
	return json_pack("{s:s, s:s, s:{s:s, s:b}}", "name", name, "in", "query", "schema",
			 "type", "string", "uniqueItems", true);
}

json_t *ks_openapi_gv(ks_cluster *c, const char *group, const char *version)
{
	const ks_type *types[MAX_TYPES];
	size_t n = all_types(c, types, MAX_TYPES), i;
	json_t *paths = json_object(), *gvk, *patch;
	char path[512], prefix[256], title[64];

	if (*group)
		snprintf(prefix, sizeof(prefix), "/apis/%s/%s", group, version);
	else
		snprintf(prefix, sizeof(prefix), "/api/%s", version);
	for (i = 0; paths && i < n; i++) {
		const ks_type *t = types[i];

		if (strcmp(t->group, group) || strcmp(t->version, version))
			continue;
		if (t->namespaced)
			snprintf(path, sizeof(path), "%s/namespaces/{namespace}/%s/{name}", prefix, t->plural);
		else
			snprintf(path, sizeof(path), "%s/%s/{name}", prefix, t->plural);
		gvk = json_pack("{s:s, s:s, s:s}", "group", t->group, "version", t->version,
				"kind", t->kind);
		patch = json_pack("{s:s, s:[s], s:o, s:s, s:[o,o,o,o], s:{s:{s:s}}}",
				  "operationId", "patch", "tags", t->plural,
				  "x-kubernetes-group-version-kind", gvk,
				  "x-kubernetes-action", "patch", "parameters",
				  query_param("dryRun"), query_param("fieldManager"),
				  query_param("fieldValidation"), query_param("force"),
				  "responses", "200", "description", "OK");
		json_object_set_new(paths, path, json_pack("{s:o}", "patch", patch));
	}
	snprintf(title, sizeof(title), "v1.%d.0", ks_srv.minor);
	return json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:{}}}", "openapi", "3.0.0", "info",
			 "title", "Kubernetes", "version", title, "paths", paths,
			 "components", "schemas");
}

/* ---- OpenAPI v2 ----
 * kubectl up to 1.28 reads /openapi/v2 (as protobuf, gnostic's
 * openapi.v2.Document) to learn that PATCH takes fieldValidation; without
 * it, apply fails.  Only that part is served: one PATCH operation per kind
 * with its x-kubernetes-group-version-kind and query parameters. */

static int pb_varint(kd_buf *b, unsigned long long v)
{
	int rc = 0;

	while (v >= 0x80 && rc == 0) {
		rc = kd_buf_putc(b, (char)((v & 0x7f) | 0x80));
		v >>= 7;
	}
	return rc ? rc : kd_buf_putc(b, (char)v);
}

static int pb_bytes(kd_buf *b, unsigned field, const void *data, size_t len)
{
	int rc = pb_varint(b, (unsigned long long)field << 3 | 2);

	if (rc == 0)
		rc = pb_varint(b, len);
	return rc ? rc : kd_buf_add(b, data, len);
}

static int pb_str(kd_buf *b, unsigned field, const char *s)
{
	return pb_bytes(b, field, s, strlen(s));
}

/* Appends `inner` as field `field` and empties it. */
static int pb_msg(kd_buf *b, unsigned field, kd_buf *inner)
{
	int rc = pb_bytes(b, field, inner->data ? inner->data : "", inner->len);

	kd_buf_clear(inner);
	return rc;
}

static void pb_query_param(kd_buf *op, const char *name)
{
	kd_buf q = KD_BUF_INIT, nb = KD_BUF_INIT, p = KD_BUF_INIT, item = KD_BUF_INIT;

	/* QueryParameterSubSchema: in=2, name=4, type=6, unique_items=20 */
	pb_str(&q, 2, "query");
	pb_str(&q, 4, name);
	pb_str(&q, 6, "string");
	pb_varint(&q, 20u << 3 | 0);
	pb_varint(&q, 1);
	pb_msg(&nb, 3, &q);    /* NonBodyParameter.query_parameter_sub_schema */
	pb_msg(&p, 2, &nb);    /* Parameter.non_body_parameter */
	pb_msg(&item, 1, &p);  /* ParametersItem.parameter */
	pb_msg(op, 8, &item);  /* Operation.parameters */
	kd_buf_free(&q);
	kd_buf_free(&nb);
	kd_buf_free(&p);
	kd_buf_free(&item);
}

int ks_openapi_v2(kd_buf *out, bool protobuf, ks_cluster *c)
{
	const ks_type *types[MAX_TYPES];
	size_t n = all_types(c, types, MAX_TYPES), i;
	kd_buf paths = KD_BUF_INIT, op = KD_BUF_INIT, tmp = KD_BUF_INIT, item = KD_BUF_INIT;
	kd_buf named = KD_BUF_INIT, yaml = KD_BUF_INIT;
	json_t *jpaths = json_object(), *doc;
	char path[512], version[32];
	static const char *params[] = {"dryRun", "fieldManager", "fieldValidation", "force"};
	int rc = 0;

	snprintf(version, sizeof(version), "v1.%d.0", ks_srv.minor);
	for (i = 0; i < n; i++) {
		const ks_type *t = types[i];
		size_t k;

		if (*t->group)
			snprintf(path, sizeof(path), "/apis/%s/%s%s/%s/{name}", t->group, t->version,
				 t->namespaced ? "/namespaces/{namespace}" : "", t->plural);
		else
			snprintf(path, sizeof(path), "/api/%s%s/%s/{name}", t->version,
				 t->namespaced ? "/namespaces/{namespace}" : "", t->plural);
		if (!protobuf) {
			json_t *ps = json_array();
			for (k = 0; k < 4; k++)
				json_array_append_new(ps, json_pack("{s:s, s:s, s:s, s:b}", "name", params[k],
								    "in", "query", "type", "string", "uniqueItems", 1));
			json_object_set_new(jpaths, path, json_pack("{s:{s:s, s:o, s:{s:s, s:s, s:s}}}",
				"patch", "operationId", "patch", "parameters", ps,
				"x-kubernetes-group-version-kind", "group", t->group, "version", t->version,
				"kind", t->kind));
			continue;
		}
		pb_str(&op, 5, "patch"); /* Operation.operation_id */
		for (k = 0; k < 4; k++)
			pb_query_param(&op, params[k]);
		kd_buf_clear(&yaml);
		kd_buf_printf(&yaml, "group: \"%s\"\nkind: %s\nversion: %s\n", t->group, t->kind, t->version);
		pb_str(&tmp, 2, kd_buf_cstr(&yaml));           /* Any.yaml */
		pb_str(&named, 1, "x-kubernetes-group-version-kind");
		pb_msg(&named, 2, &tmp);                        /* NamedAny.value */
		pb_msg(&op, 13, &named);                        /* Operation.vendor_extension */
		pb_msg(&item, 8, &op);                          /* PathItem.patch */
		pb_str(&named, 1, path);
		pb_msg(&named, 2, &item);                       /* NamedPathItem.value */
		pb_msg(&paths, 2, &named);                      /* Paths.path */
	}
	if (protobuf) {
		rc = pb_str(out, 1, "2.0");                     /* Document.swagger */
		pb_str(&tmp, 1, "Kubernetes");
		pb_str(&tmp, 2, version);
		pb_msg(out, 2, &tmp);                           /* Document.info */
		if (rc == 0)
			rc = pb_msg(out, 8, &paths);            /* Document.paths */
	} else {
		doc = json_pack("{s:s, s:{s:s, s:s}, s:O}", "swagger", "2.0", "info", "title",
				"Kubernetes", "version", version, "paths", jpaths);
		char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
		rc = s ? kd_buf_puts(out, s) : KD_ENOMEM;
		free(s);
		json_decref(doc);
	}
	json_decref(jpaths);
	kd_buf_free(&paths);
	kd_buf_free(&op);
	kd_buf_free(&tmp);
	kd_buf_free(&item);
	kd_buf_free(&named);
	kd_buf_free(&yaml);
	return rc;
}
