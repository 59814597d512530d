/*
 * api — routing of /clusters/NAME/... and the read side: version,
 * discovery, OpenAPI, get, list (selectors, limit/continue) and tables.
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

void ks_resource_name(char *out, size_t size, const ks_type *t)
{
	if (*t->group)
		snprintf(out, size, "%s.%s", t->plural, t->group);
	else
		snprintf(out, size, "%s", t->plural);
}

static void respond_json(ks_response *resp, int code, json_t *doc)
{
	json_decref(resp->json);
	resp->code = code;
	resp->json = doc;
	if (!doc)
		ks_respond_status(resp, 500, "InternalError", "out of memory", NULL);
}

static void version(ks_response *resp)
{
	char minor[16], git[32];

	snprintf(minor, sizeof(minor), "%d", ks_srv.minor);
	snprintf(git, sizeof(git), "v1.%d.0", ks_srv.minor);
	respond_json(resp, 200, json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "major", "1", "minor", minor,
		"gitVersion", git, "gitCommit", "0000000000000000000000000000000000000000",
		"gitTreeState", "clean", "buildDate", "2026-01-01T00:00:00Z", "goVersion",
		"go1.23.0", "compiler", "gc", "platform", "linux/amd64"));
}

/* Aggregated discovery version wanted by Accept, or NULL for plain. */
static const char *aggregated_version(const ks_request *r)
{
	const char *accept = ks_header(r, "Accept");

	if (!accept || !strstr(accept, "as=APIGroupDiscoveryList"))
		return NULL;
	if (strstr(accept, "v=v2;") || strstr(accept, "v=v2,"))
		return "v2";
	{
		const char *p = strstr(accept, "v=v2");
		if (p && (p[4] == '\0' || p[4] == ';' || p[4] == ','))
			return "v2";
	}
	if (strstr(accept, "v=v2beta1"))
		return "v2beta1";
	return NULL;
}

static void discovery(ks_cluster *c, ks_request *r, ks_response *resp, bool core)
{
	const char *agg = aggregated_version(r);

	if (agg) {
		resp->content_type = !strcmp(agg, "v2") ?
			"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" :
			"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
		respond_json(resp, 200, ks_discovery_aggregated(c, core, agg));
	} else {
		respond_json(resp, 200, core ? ks_discovery_api_versions() : ks_discovery_groups(c));
	}
}

bool ks_table_wanted(const ks_request *r)
{
	const char *accept = ks_header(r, "Accept");

	return accept && strstr(accept, "as=Table") && strstr(accept, "g=meta.k8s.io");
}

static json_t *column(const char *name, const char *type, const char *fmt)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", name, "type", type,
			 "format", fmt, "description", name, "priority", 0);
}

static json_t *int_at(const json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	return json_is_integer(v) ? v : NULL;
}

static json_t *ready_cell(const json_t *o)
{
	char s[64];
	json_t *ready = int_at(o, "status", "readyReplicas");
	json_t *want = int_at(o, "spec", "replicas");

	snprintf(s, sizeof(s), "%lld/%lld", ready ? (long long)json_integer_value(ready) : 0LL,
		 want ? (long long)json_integer_value(want) : 1LL);
	return json_string(s);
}

/* kubectl's short duration form: 42s, 5m, 3h, 2d. */
static json_t *age_cell(const json_t *meta)
{
	const char *ts = json_string_value(json_object_get(meta, "creationTimestamp"));
	int64_t created;
	long d;
	char s[32];

	if (!ts || kd_time_parse(&created, ts) < 0)
		return json_string("<unknown>");
	d = (long)((kd_time_now_ms() - created) / 1000);
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(s, sizeof(s), "%lds", d);
	else if (d < 3600 * 3)
		snprintf(s, sizeof(s), "%ldm", d / 60);
	else if (d < 86400 * 2)
		snprintf(s, sizeof(s), "%ldh", d / 3600);
	else
		snprintf(s, sizeof(s), "%ldd", d / 86400);
	return json_string(s);
}

json_t *ks_table(const ks_type *t, json_t *objs, bool include_object)
{
	json_t *cols = json_array(), *rows = json_array(), *o, *cells, *obj;
	bool deploy = !strcmp(t->kind, "Deployment"), pod = !strcmp(t->kind, "Pod");
	bool cm = !strcmp(t->kind, "ConfigMap");
	size_t i;

	json_array_append_new(cols, column("Name", "string", "name"));
	if (deploy) {
		json_array_append_new(cols, column("Ready", "string", ""));
		json_array_append_new(cols, column("Up-to-date", "integer", ""));
		json_array_append_new(cols, column("Available", "integer", ""));
	} else if (pod) {
		json_array_append_new(cols, column("Status", "string", ""));
	} else if (cm) {
		json_array_append_new(cols, column("Data", "integer", ""));
	}
	json_array_append_new(cols, column("Age", "string", ""));
	json_array_foreach(objs, i, o) {
		json_t *meta = json_object_get(o, "metadata");
		cells = json_array();
		json_array_append(cells, json_object_get(meta, "name"));
		if (deploy) {
			json_t *u = int_at(o, "status", "updatedReplicas");
			json_t *a = int_at(o, "status", "availableReplicas");
			json_array_append_new(cells, ready_cell(o));
			json_array_append_new(cells, json_integer(u ? json_integer_value(u) : 0));
			json_array_append_new(cells, json_integer(a ? json_integer_value(a) : 0));
		} else if (pod) {
			const char *ph = json_string_value(json_object_get(json_object_get(o, "status"), "phase"));
			json_array_append_new(cells, json_string(ph ? ph : "Pending"));
		} else if (cm) {
			json_array_append_new(cells, json_integer((json_int_t)json_object_size(json_object_get(o, "data"))));
		}
		json_array_append_new(cells, age_cell(meta));
		if (include_object)
			obj = json_incref(o);
		else
			obj = json_pack("{s:s, s:s, s:O}", "kind", "PartialObjectMetadata",
					"apiVersion", "meta.k8s.io/v1", "metadata", meta);
		json_array_append_new(rows, json_pack("{s:o, s:o}", "cells", cells, "object", obj));
	}
	return json_pack("{s:s, s:s, s:{}, s:o, s:o}", "kind", "Table", "apiVersion",
			 "meta.k8s.io/v1", "metadata", "columnDefinitions", cols, "rows", rows);
}

bool ks_obj_matches(const ks_request *r, const json_t *obj, int *err)
{
	const char *ls = ks_query(r, "labelSelector"), *fs = ks_query(r, "fieldSelector");
	bool m = true;

	*err = 0;
	if (ls && *ls) {
		if (ks_label_selector_match(&m, ls, json_object_get(json_object_get(obj, "metadata"), "labels")) < 0) {
			*err = 1;
			return false;
		}
		if (!m)
			return false;
	}
	if (fs && *fs) {
		if (ks_field_selector_match(&m, fs, obj) < 0) {
			*err = 1;
			return false;
		}
	}
	return m;
}

static char *hex_encode(const char *s)
{
	size_t n = strlen(s), i;
	char *out = malloc(2 * n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned char)s[i]);
	out[2 * n] = '\0';
	return out;
}

static char *hex_decode(const char *s)
{
	size_t n = strlen(s), i;
	char *out;

	if (n % 2)
		return NULL;
	out = malloc(n / 2 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			free(out);
			return NULL;
		}
		out[i] = (char)v;
	}
	out[n / 2] = '\0';
	return out;
}

static void list(ks_cluster *c, ks_request *r, const ks_target *t, ks_response *resp)
{
	char *prefix = ks_key(t->type, t->ns, NULL), *after = NULL, *next = NULL;
	const char *limit_s = ks_query(r, "limit"), *cont = ks_query(r, "continue");
	const char *ls = ks_query(r, "labelSelector"), *fs = ks_query(r, "fieldSelector");
	bool selective = (ls && *ls) || (fs && *fs), table = ks_table_wanted(r);
	long limit = limit_s ? atol(limit_s) : 0;
	ks_blob **found = NULL, **grown;
	size_t nfound = 0, cap = 0, plen, i, remaining = 0;
	char api_version[160], rv[32];
	kd_buf out = KD_BUF_INIT;
	int err = 0;

	if (!prefix)
		goto oom;
	/* Cluster-wide listing of a namespaced type: prefix "group/plural/". */
	if (t->type->namespaced && !t->ns)
		prefix[strlen(prefix) - 1] = '\0';
	plen = strlen(prefix);
	if (cont && *cont) {
		after = hex_decode(cont);
		if (!after) {
			ks_respond_status(resp, 400, "BadRequest", "invalid continue token", NULL);
			goto cleanup;
		}
	}
	pthread_mutex_lock(&c->mu);
	i = ks_store_lower_bound(c, after ? after : prefix);
	if (after && i < c->nobjs && !strcmp(c->objs[i].key, after))
		i++;
	for (; i < c->nobjs && !strncmp(c->objs[i].key, prefix, plen); i++) {
		if (selective) {
			json_t *o = ks_obj_json(&c->objs[i]);
			bool m = o && ks_obj_matches(r, o, &err);
			json_decref(o);
			if (err) {
				pthread_mutex_unlock(&c->mu);
				ks_respond_status(resp, 400, "BadRequest", kd_error_last(), NULL);
				goto cleanup;
			}
			if (!m)
				continue;
		}
		if (limit > 0 && (long)nfound >= limit) {
			remaining++;
			continue;
		}
		if (nfound == cap) {
			cap = cap ? cap * 2 : 32;
			grown = realloc(found, cap * sizeof(*found));
			if (!grown) {
				pthread_mutex_unlock(&c->mu);
				goto oom;
			}
			found = grown;
		}
		found[nfound++] = ks_blob_ref(c->objs[i].blob);
		if (limit > 0 && (long)nfound == limit) {
			free(next);
			next = strdup(c->objs[i].key);
		}
	}
	snprintf(rv, sizeof(rv), "%llu", (unsigned long long)c->rv);
	pthread_mutex_unlock(&c->mu);
	if (*t->type->group)
		snprintf(api_version, sizeof(api_version), "%s/%s", t->type->group, t->type->version);
	else
		snprintf(api_version, sizeof(api_version), "%s", t->type->version);
	if (table) {
		json_t *items = json_array(), *doc, *meta;
		const char *inc = ks_query(r, "includeObject");
		for (i = 0; items && i < nfound; i++)
			json_array_append_new(items, ks_blob_parse(found[i]));
		doc = items ? ks_table(t->type, items, inc && !strcmp(inc, "Object")) : NULL;
		json_decref(items);
		if (!doc)
			goto oom;
		meta = json_object_get(doc, "metadata");
		json_object_set_new(meta, "resourceVersion", json_string(rv));
		if (remaining && next) {
			char *tok = hex_encode(next);
			if (tok)
				json_object_set_new(meta, "continue", json_string(tok));
			free(tok);
			json_object_set_new(meta, "remainingItemCount", json_integer((json_int_t)remaining));
		}
		respond_json(resp, 200, doc);
		goto cleanup;
	}
	/* Plain lists are spliced from the stored text: no parsing at all. */
	kd_buf_printf(&out, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%s\"",
		      t->type->kind, api_version, rv);
	if (remaining && next) {
		char *tok = hex_encode(next);
		kd_buf_printf(&out, ",\"continue\":\"%s\",\"remainingItemCount\":%zu", tok ? tok : "", remaining);
		free(tok);
	}
	kd_buf_puts(&out, "},\"items\":[");
	for (i = 0; i < nfound; i++) {
		if (i)
			kd_buf_putc(&out, ',');
		kd_buf_add(&out, found[i]->data, found[i]->len);
	}
	if (kd_buf_puts(&out, "]}") < 0)
		goto oom;
	resp->code = 200;
	resp->raw_len = out.len;
	resp->raw = kd_buf_detach(&out);
	goto cleanup;
oom:
	ks_respond_status(resp, 500, "InternalError", "out of memory", NULL);
cleanup:
	for (i = 0; i < nfound; i++)
		ks_blob_unref(found[i]);
	free(found);
	kd_buf_free(&out);
	free(prefix);
	free(after);
	free(next);
}

json_t *ks_scale_of(const json_t *o)
{
	json_t *meta = json_object_get(o, "metadata"), *spec = json_object_get(o, "spec");
	json_t *status = json_object_get(o, "status");
	json_t *rep = json_object_get(spec, "replicas"), *srep = json_object_get(status, "replicas");
	json_t *sel = json_object_get(json_object_get(spec, "selector"), "matchLabels");
	kd_buf s = KD_BUF_INIT;
	const char *k;
	json_t *v, *doc;

	json_object_foreach(sel, k, v) {
		if (s.len)
			kd_buf_putc(&s, ',');
		kd_buf_printf(&s, "%s=%s", k, json_string_value(v) ? json_string_value(v) : "");
	}
	doc = json_pack("{s:s, s:s, s:{s:O, s:O, s:O, s:O, s:O}, s:{s:I}, s:{s:I, s:s}}",
			"kind", "Scale", "apiVersion", "autoscaling/v1", "metadata",
			"name", json_object_get(meta, "name"), "namespace",
			json_object_get(meta, "namespace") ? json_object_get(meta, "namespace") : json_null(),
			"uid", json_object_get(meta, "uid"), "resourceVersion",
			json_object_get(meta, "resourceVersion"), "creationTimestamp",
			json_object_get(meta, "creationTimestamp"), "spec", "replicas",
			(json_int_t)(rep ? json_integer_value(rep) : 1), "status", "replicas",
			(json_int_t)(srep ? json_integer_value(srep) : 0), "selector", kd_buf_cstr(&s));
	kd_buf_free(&s);
	return doc;
}

void ks_not_found(ks_response *resp, const ks_type *t, const char *name)
{
	char res[160], *msg = NULL;
	kd_buf b = KD_BUF_INIT;

	ks_resource_name(res, sizeof(res), t);
	kd_buf_printf(&b, "%s \"%s\" not found", res, name);
	msg = kd_buf_detach(&b);
	ks_respond_status(resp, 404, "NotFound", msg ? msg : "not found",
			  json_pack("{s:s, s:s, s:s}", "name", name, "group", t->group, "kind", t->plural));
	free(msg);
}

static void get(ks_cluster *c, ks_request *r, const ks_target *t, ks_response *resp)
{
	char *key = ks_key(t->type, t->ns, t->name);
	ks_obj *o;
	json_t *obj = NULL;

	if (!key) {
		ks_respond_status(resp, 500, "InternalError", "out of memory", NULL);
		return;
	}
	pthread_mutex_lock(&c->mu);
	o = ks_store_get(c, key);
	if (o)
		obj = ks_obj_json(o);
	pthread_mutex_unlock(&c->mu);
	free(key);
	if (!obj) {
		ks_not_found(resp, t->type, t->name);
		return;
	}
	if (t->sub && !strcmp(t->sub, "scale")) {
		respond_json(resp, 200, ks_scale_of(obj));
	} else if (ks_table_wanted(r)) {
		json_t *one = json_pack("[O]", obj);
		const char *inc = ks_query(r, "includeObject");
		respond_json(resp, 200, ks_table(t->type, one, inc && !strcmp(inc, "Object")));
		json_decref(one);
	} else {
		respond_json(resp, 200, json_incref(obj));
	}
	json_decref(obj);
}

/* Resolves ".../namespaces/NS/RES/NAME/SUB" or ".../RES/NAME/SUB". */
static int resolve(ks_cluster *c, char **rest, size_t n, const char *group,
		   const char *ver, ks_target *t, bool *watch)
{
	const ks_type *ty;

	memset(t, 0, sizeof(*t));
	if (n && !strcmp(rest[0], "watch")) {
		*watch = true;
		rest++;
		n--;
	}
	if (n >= 3 && !strcmp(rest[0], "namespaces")) {
		pthread_mutex_lock(&c->mu);
		ty = ks_type_find(c, group, ver, rest[2]);
		pthread_mutex_unlock(&c->mu);
		if (ty && ty->namespaced) {
			t->type = ty;
			t->ns = rest[1];
			t->name = n > 3 ? rest[3] : NULL;
			t->sub = n > 4 ? rest[4] : NULL;
			return n > 5 ? -1 : 0;
		}
	}
	if (!n)
		return -1;
	pthread_mutex_lock(&c->mu);
	ty = ks_type_find(c, group, ver, rest[0]);
	pthread_mutex_unlock(&c->mu);
	if (!ty)
		return -1;
	t->type = ty;
	t->name = n > 1 ? rest[1] : NULL;
	t->sub = n > 2 ? rest[2] : NULL;
	if (n > 3 || (ty->namespaced && t->name))
		return -1;
	return 0;
}

/* kubectl auth can-i: the admin token may do everything, the read-only
 * token get, list and watch. */
static void self_access_review(ks_request *r, ks_response *resp)
{
	json_t *body, *attrs;
	const char *verb;
	bool allowed;

	if (strcmp(r->method, "POST")) {
		ks_respond_status(resp, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource", NULL);
		return;
	}
	body = json_loadb(r->body, r->body_len, JSON_ALLOW_NUL, NULL);
	attrs = json_object_get(json_object_get(body, "spec"), "resourceAttributes");
	verb = json_string_value(json_object_get(attrs, "verb"));
	if (!json_is_object(body) || (!attrs && !json_object_get(json_object_get(body, "spec"), "nonResourceAttributes"))) {
		json_decref(body);
		ks_respond_status(resp, 422, "Invalid", "SelfSubjectAccessReview needs spec.resourceAttributes or spec.nonResourceAttributes", NULL);
		return;
	}
	if (!verb)
		verb = json_string_value(json_object_get(json_object_get(json_object_get(body, "spec"),
								      "nonResourceAttributes"), "verb"));
	allowed = !r->readonly || (verb && (!strcmp(verb, "get") || !strcmp(verb, "list") ||
					    !strcmp(verb, "watch")));
	json_object_set_new(body, "apiVersion", json_string("authorization.k8s.io/v1"));
	json_object_set_new(body, "kind", json_string("SelfSubjectAccessReview"));
	json_object_set_new(body, "status", allowed ? json_pack("{s:b}", "allowed", 1) :
			    json_pack("{s:b, s:b}", "allowed", 0, "denied", 1));
	resp->code = 201;
	resp->json = body;
}

static void resource(ks_cluster *c, ks_request *r, char **rest, size_t n,
		     const char *group, const char *ver, ks_response *resp)
{
	ks_target t;
	bool watch = false;
	const char *wq = ks_query(r, "watch");

	if (resolve(c, rest, n, group, ver, &t, &watch) < 0) {
		ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
		return;
	}
	if (wq && (!strcmp(wq, "true") || !strcmp(wq, "1")))
		watch = true;
	if (t.sub && strcmp(t.sub, "status") && strcmp(t.sub, "scale")) {
		ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
		return;
	}
	if ((t.sub && !strcmp(t.sub, "status") && !t.type->has_status) ||
	    (t.sub && !strcmp(t.sub, "scale") && !t.type->has_scale)) {
		ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
		return;
	}
	if (!strcmp(t.type->kind, "SelfSubjectAccessReview")) {
		self_access_review(r, resp);
		return;
	}
	if (!strcmp(r->method, "GET")) {
		if (watch)
			ks_api_watch(c, r, &t, resp);
		else if (t.name)
			get(c, r, &t, resp);
		else
			list(c, r, &t, resp);
		return;
	}
	if (r->readonly) {
		char res[160], msg[512];
		const char *verb = !strcmp(r->method, "POST") ? "create" :
				   !strcmp(r->method, "PUT") ? "update" :
				   !strcmp(r->method, "PATCH") ? "patch" :
				   !strcmp(r->method, "DELETE") ? (t.name ? "delete" : "deletecollection") : "access";
		ks_resource_name(res, sizeof(res), t.type);
		if (t.name && t.ns)
			snprintf(msg, sizeof(msg), "%s \"%s\" is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" in the namespace \"%s\"",
				 res, t.name, r->user, verb, t.type->plural, t.type->group, t.ns);
		else if (t.name)
			snprintf(msg, sizeof(msg), "%s \"%s\" is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" at the cluster scope",
				 res, t.name, r->user, verb, t.type->plural, t.type->group);
		else if (t.ns)
			snprintf(msg, sizeof(msg), "%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" in the namespace \"%s\"",
				 res, r->user, verb, t.type->plural, t.type->group, t.ns);
		else
			snprintf(msg, sizeof(msg), "%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" at the cluster scope",
				 res, r->user, verb, t.type->plural, t.type->group);
		ks_respond_status(resp, 403, "Forbidden", msg,
				  json_pack("{s:s?, s:s, s:s}", "name", t.name, "group", t.type->group, "kind", t.type->plural));
		return;
	}
	ks_api_write(c, r, &t, resp);
}

void ks_api_handle(ks_cluster *c, ks_request *r, ks_response *resp)
{
	char **s = r->segs;
	size_t n = r->nsegs;
	bool get = !strcmp(r->method, "GET");

	if (get && n == 1 && (!strcmp(s[0], "healthz") || !strcmp(s[0], "livez") || !strcmp(s[0], "readyz"))) {
		resp->raw = strdup("ok");
		resp->raw_len = resp->raw ? 2 : 0;
		resp->content_type = "text/plain";
		resp->code = 200;
		return;
	}
	if (get && n == 1 && !strcmp(s[0], "version"))
		{
			version(resp);
			return;
		}
	if (get && n == 1 && !strcmp(s[0], "api"))
		{
			discovery(c, r, resp, true);
			return;
		}
	if (get && n == 1 && !strcmp(s[0], "apis")) {
		pthread_mutex_lock(&c->mu);
		discovery(c, r, resp, false);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if (get && n == 2 && !strcmp(s[0], "api") && !strcmp(s[1], "v1"))
		{
			respond_json(resp, 200, ks_discovery_resources(c, "", "v1"));
			return;
		}
	if (get && n == 3 && !strcmp(s[0], "apis")) {
		bool served;
		pthread_mutex_lock(&c->mu);
		served = ks_group_version_served(c, s[1], s[2]);
		if (served)
			respond_json(resp, 200, ks_discovery_resources(c, s[1], s[2]));
		pthread_mutex_unlock(&c->mu);
		if (!served)
			ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
		return;
	}
	if (get && n == 2 && !strcmp(s[0], "openapi") && !strcmp(s[1], "v2")) {
		const char *accept = ks_header(r, "Accept");
		bool pb = accept && strstr(accept, "protobuf");
		kd_buf out = KD_BUF_INIT;
		int rc;

		pthread_mutex_lock(&c->mu);
		rc = ks_openapi_v2(&out, pb, c);
		pthread_mutex_unlock(&c->mu);
		if (rc < 0) {
			kd_buf_free(&out);
			ks_respond_status(resp, 500, "InternalError", "out of memory", NULL);
			return;
		}
		resp->code = 200;
		resp->raw_len = out.len;
		resp->raw = kd_buf_detach(&out);
		if (!resp->raw)
			resp->raw = strdup("");
		/* the media type clients ask for has an "@", which Go cannot parse back */
		resp->content_type = pb ? "application/octet-stream" :
			"application/json";
		return;
	}
	if (get && n >= 2 && !strcmp(s[0], "openapi") && !strcmp(s[1], "v3")) {
		pthread_mutex_lock(&c->mu);
		if (n == 2)
			respond_json(resp, 200, ks_openapi_index(c));
		else if (n == 4 && !strcmp(s[2], "api") && !strcmp(s[3], "v1"))
			respond_json(resp, 200, ks_openapi_gv(c, "", "v1"));
		else if (n == 5 && !strcmp(s[2], "apis") && ks_group_version_served(c, s[3], s[4]))
			respond_json(resp, 200, ks_openapi_gv(c, s[3], s[4]));
		else
			ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if (n >= 3 && !strcmp(s[0], "api") && !strcmp(s[1], "v1"))
		{
			resource(c, r, s + 2, n - 2, "", "v1", resp);
			return;
		}
	if (n >= 4 && !strcmp(s[0], "apis"))
		{
			resource(c, r, s + 3, n - 3, s[1], s[2], resp);
			return;
		}
	ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
}
