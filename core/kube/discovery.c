/*
 * kube_discovery — which resources a cluster serves, cached per connection.
 *
 * Aggregated discovery (apidiscovery.k8s.io v2, then v2beta1) answers in two
 * requests, /api and /apis.  A server that ignores the Accept profile
 * answers with the plain documents instead (APIVersions, APIGroupList), and
 * then every group version is fetched on its own, preferred version first.
 * One call carries the whole walk, so a caller cancels or waits on one
 * thing.  A group version that fails (an aggregated API server that is down)
 * is skipped the way kubectl does: the rest of the cluster stays usable.
 */
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "kube_priv.h"

#define ACCEPT_AGGREGATED \
	"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," \
	"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList," \
	"application/json"

struct disc_op {
	int phase;                 /* 0: /api, 1: /apis, 2: group versions */
	json_t *todo;              /* plain group-version paths still to fetch */
	kd_kube_resource *res;
	size_t n, cap;
};

static void resource_clear(kd_kube_resource *r)
{
	char **v;

	free(r->group);
	free(r->version);
	free(r->kind);
	free(r->resource);
	for (v = r->verbs; v && *v; v++)
		free(*v);
	free(r->verbs);
}

static void resources_free(kd_kube_resource *res, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		resource_clear(&res[i]);
	free(res);
}

static void disc_op_free(void *p)
{
	struct disc_op *op = p;

	if (!op)
		return;
	json_decref(op->todo);
	resources_free(op->res, op->n);
	free(op);
}

void kd__kube_discovery_clear(kd_kube_conn *c)
{
	resources_free(c->resources, c->nresources);
	c->resources = NULL;
	c->nresources = 0;
	c->discovered = false;
}

void kd_kube_discovery_forget(kd_kube_conn *c)
{
	kd__kube_discovery_clear(c);
}

bool kd_kube_discovered(const kd_kube_conn *c)
{
	return c->discovered;
}

static int add_resource(struct disc_op *op, const char *group, const char *version,
			const char *kind, const char *resource, bool namespaced,
			const json_t *verbs)
{
	kd_kube_resource *r;
	size_t i, nv = json_array_size(verbs), k = 0;

	if (!kind || !kind[0] || !resource || !resource[0] || strchr(resource, '/'))
		return 0;   /* subresources are reached through their parent */
	if (op->n == op->cap) {
		size_t cap = op->cap ? op->cap * 2 : 64;
		kd_kube_resource *nr = realloc(op->res, cap * sizeof(*nr));

		if (!nr)
			return kd_error_set(KD_ENOMEM, "out of memory");
		op->res = nr;
		op->cap = cap;
	}
	r = &op->res[op->n];
	memset(r, 0, sizeof(*r));
	r->group = strdup(group ? group : "");
	r->version = strdup(version);
	r->kind = strdup(kind);
	r->resource = strdup(resource);
	r->namespaced = namespaced;
	r->verbs = calloc(nv + 1, sizeof(char *));
	op->n++;
	if (!r->group || !r->version || !r->kind || !r->resource || !r->verbs)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < nv; i++) {
		const char *v = json_string_value(json_array_get(verbs, i));

		if (v && !(r->verbs[k++] = strdup(v)))
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_aggregated(struct disc_op *op, const json_t *list)
{
	json_t *item, *ver, *res;
	size_t i, j, k;
	int rc;

	json_array_foreach(kd_json_arr(list, "items"), i, item) {
		const char *group = kd_json_str(kd_json_obj(item, "metadata"), "name");

		json_array_foreach(kd_json_arr(item, "versions"), j, ver) {
			const char *version = kd_json_str(ver, "version");

			if (!version)
				continue;
			json_array_foreach(kd_json_arr(ver, "resources"), k, res) {
				const char *scope = kd_json_str(res, "scope");
				const char *kind = kd_json_str(kd_json_obj(res, "responseKind"), "kind");

				rc = add_resource(op, group, version, kind,
						  kd_json_str(res, "resource"),
						  scope && !strcmp(scope, "Namespaced"),
						  kd_json_arr(res, "verbs"));
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

static int parse_plain(struct disc_op *op, const json_t *list)
{
	const char *gv = kd_json_str(list, "groupVersion"), *slash;
	char *group = NULL;
	json_t *res;
	size_t i;
	int rc = 0;

	if (!gv)
		return 0;
	slash = strchr(gv, '/');
	if (!(group = slash ? strndup(gv, (size_t)(slash - gv)) : strdup("")))
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_array_foreach(kd_json_arr(list, "resources"), i, res) {
		json_t *ns = json_object_get(res, "namespaced");

		rc = add_resource(op, group, slash ? slash + 1 : gv, kd_json_str(res, "kind"),
				  kd_json_str(res, "name"), json_is_true(ns),
				  kd_json_arr(res, "verbs"));
		if (rc < 0)
			break;
	}
	free(group);
	return rc;
}

static int todo_add(struct disc_op *op, const char *prefix, const char *gv)
{
	kd_buf p = KD_BUF_INIT;
	size_t i;
	json_t *v;
	int rc;

	if (!gv || !gv[0])
		return 0;
	if (kd_buf_printf(&p, "%s/%s", prefix, gv) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_array_foreach(op->todo, i, v)
		if (!strcmp(json_string_value(v), p.data)) {
			kd_buf_free(&p);
			return 0;
		}
	rc = json_array_append_new(op->todo, json_string(p.data)) ? KD_ENOMEM : 0;
	kd_buf_free(&p);
	return rc;
}

static int plan_plain(struct disc_op *op, const json_t *body, const char *kind)
{
	json_t *v, *g, *pv;
	size_t i, j;
	int rc = 0;

	if (!strcmp(kind, "APIVersions")) {
		json_array_foreach(kd_json_arr(body, "versions"), i, v)
			if ((rc = todo_add(op, "/api", json_string_value(v))) < 0)
				return rc;
		return 0;
	}
	json_array_foreach(kd_json_arr(body, "groups"), i, g) {
		pv = kd_json_obj(g, "preferredVersion");
		if ((rc = todo_add(op, "/apis", kd_json_str(pv, "groupVersion"))) < 0)
			return rc;
		json_array_foreach(kd_json_arr(g, "versions"), j, v)
			if ((rc = todo_add(op, "/apis", kd_json_str(v, "groupVersion"))) < 0)
				return rc;
	}
	return 0;
}

static void commit(kd_kube_call *call, struct disc_op *op)
{
	kd__kube_discovery_clear(call->c);
	call->c->resources = op->res;
	call->c->nresources = op->n;
	call->c->discovered = true;
	op->res = NULL;
	op->n = op->cap = 0;
}

/* Moves to the next document: /apis after /api, then the plain todo list. */
static int next_request(kd_kube_call *call, struct disc_op *op)
{
	const char *path;
	int rc;

	if (op->phase == 0) {
		op->phase = 1;
		rc = kd__kube_call_rearm(call, "/apis", NULL, NULL);
		return rc < 0 ? rc : 1;
	}
	op->phase = 2;
	if (!json_array_size(op->todo)) {
		commit(call, op);
		return 0;
	}
	path = json_string_value(json_array_get(op->todo, 0));
	rc = kd__kube_call_rearm(call, path, NULL, "application/json");
	json_array_remove(op->todo, 0);
	return rc < 0 ? rc : 1;
}

static int disc_step(kd_kube_call *call, json_t *body)
{
	struct disc_op *op = call->op;
	const char *kind = kd_json_str(body, "kind");
	int rc = 0;

	if (!kind)
		return kd_error_set(KD_EINVAL, "cluster %s: %s: not a discovery document",
				    kd_kube_conn_name(call->c), call->what);
	if (!strcmp(kind, "APIGroupDiscoveryList"))
		rc = parse_aggregated(op, body);
	else if (!strcmp(kind, "APIVersions") || !strcmp(kind, "APIGroupList"))
		rc = plan_plain(op, body, kind);
	else if (!strcmp(kind, "APIResourceList"))
		rc = parse_plain(op, body);
	else
		return kd_error_set(KD_EINVAL, "cluster %s: %s: unexpected discovery kind %s",
				    kd_kube_conn_name(call->c), call->what, kind);
	if (rc < 0)
		return rc;
	return next_request(call, op);
}

static int disc_on_error(kd_kube_call *call)
{
	struct disc_op *op = call->op;
	int rc;

	if (op->phase != 2)
		return 0;
	rc = next_request(call, op);
	return rc < 0 ? 0 : rc == 0 ? 2 : 1;
}

int kd_kube_discover(kd_kube_call **out, kd_kube_conn *c,
		     kd_kube_done_fn done, void *ctx)
{
	kd_kube_request req = { .path = "/api", .accept = ACCEPT_AGGREGATED,
				.what = "discovery" };
	struct disc_op *op;
	kd_kube_call *call;
	int rc;

	if (out)
		*out = NULL;
	if (!(op = calloc(1, sizeof(*op))) || !(op->todo = json_array())) {
		free(op);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if ((rc = kd__kube_call_new(&call, c, &req, done, ctx)) < 0) {
		disc_op_free(op);
		return rc;
	}
	call->op = op;
	call->op_free = disc_op_free;
	call->step = disc_step;
	call->on_error = disc_on_error;
	kd__kube_call_queue(call, 0);
	if (out)
		*out = call;
	return 0;
}

struct disc_sync {
	bool done;
	int error;
	kd_buf msg;
};

static void sync_done(void *ctx, const kd_kube_result *res)
{
	struct disc_sync *s = ctx;

	s->done = true;
	s->error = res->error;
	kd_buf_puts(&s->msg, res->message);
}

int kd_kube_discover_sync(kd_kube_conn *c)
{
	struct disc_sync s = { false, 0, KD_BUF_INIT };
	kd_kube_call *call;
	int rc;

	if ((rc = kd_kube_discover(&call, c, sync_done, &s)) < 0)
		return rc;
	if ((rc = kd__kube_wait(kd__kube_conn_driver(c), &s.done)) < 0)
		kd_kube_cancel(call);
	else if (s.error)
		rc = kd_error_set(s.error, "%s", kd_buf_cstr(&s.msg));
	kd_buf_free(&s.msg);
	return rc;
}

int kd_kube_lookup(const kd_kube_resource **out, const kd_kube_conn *c,
		   const char *group, const char *version, const char *kind)
{
	size_t i;

	*out = NULL;
	if (!c->discovered)
		return kd_error_set(KD_EINVAL, "cluster %s: discovery has not run",
				    kd_kube_conn_name(c));
	group = group ? group : "";
	for (i = 0; i < c->nresources; i++) {
		const kd_kube_resource *r = &c->resources[i];

		if (!strcmp(r->kind, kind) && !strcmp(r->group, group) &&
		    (!version || !version[0] || !strcmp(r->version, version))) {
			*out = r;
			return 0;
		}
	}
	return kd_error_set(KD_ENOTFOUND, "cluster %s: the server does not serve %s%s%s%s%s",
			    kd_kube_conn_name(c), kind, group[0] ? "." : "", group,
			    version && version[0] ? " " : "", version && version[0] ? version : "");
}

const kd_kube_resource *kd_kube_resources(const kd_kube_conn *c, size_t *count)
{
	*count = c->discovered ? c->nresources : 0;
	return c->discovered ? c->resources : NULL;
}

void kd_kube_ref_for(kd_kube_ref *out, const kd_kube_resource *r,
		     const char *namespace, const char *name)
{
	memset(out, 0, sizeof(*out));
	out->group = r->group;
	out->version = r->version;
	out->resource = r->resource;
	out->namespace = r->namespaced ? namespace : NULL;
	out->name = name;
}

bool kd_kube_resource_can(const kd_kube_resource *r, const char *verb)
{
	char **v;

	for (v = r->verbs; v && *v; v++)
		if (!strcmp(*v, verb))
			return true;
	return false;
}
