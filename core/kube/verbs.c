/*
 * kube_verbs — get, create, patch, delete and paginated list on top of raw
 * calls, and the synchronous wrappers the CLI uses.
 */
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "kube_priv.h"

/* Builds path and description of ref; the call is created but not queued
 * so the caller can still attach a continuation. */
static int new_call(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		    kd_kube_request *req, const kd_buf *query, kd_kube_done_fn done,
		    void *ctx)
{
	kd_buf path = KD_BUF_INIT, what = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = kd_kube_path(&path, ref)) < 0)
		goto cleanup;
	if ((rc = kd_kube_ref_describe(&what, ref)) < 0)
		goto cleanup;
	req->path = path.data;
	req->what = what.data;
	req->query = query && query->len ? query->data : NULL;
	rc = kd__kube_call_new(out, c, req, done, ctx);
cleanup:
	kd_buf_free(&path);
	kd_buf_free(&what);
	return rc;
}

static int submit_ref(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		      kd_kube_request *req, const kd_buf *query,
		      kd_kube_done_fn done, void *ctx)
{
	kd_kube_call *call;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = new_call(&call, c, ref, req, query, done, ctx)) < 0)
		return rc;
	kd__kube_call_queue(call, 0);
	if (out)
		*out = call;
	return 0;
}

static int write_query(kd_buf *q, const kd_kube_write_opts *wo, bool apply)
{
	int rc = 0;

	if (!wo)
		return 0;
	if (wo->field_manager && wo->field_manager[0])
		rc = kd_kube_query_add(q, "fieldManager", wo->field_manager);
	if (rc == 0 && wo->dry_run)
		rc = kd_kube_query_add(q, "dryRun", "All");
	if (rc == 0 && apply && wo->force)
		rc = kd_kube_query_add(q, "force", "true");
	return rc;
}

int kd_kube_get(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		kd_kube_done_fn done, void *ctx)
{
	kd_kube_request req = { .method = "GET" };

	if (!ref->name)
		return kd_error_set(KD_EINVAL, "cluster %s: get %s without a name",
				    kd_kube_conn_name(c), ref->resource ? ref->resource : "?");
	return submit_ref(out, c, ref, &req, NULL, done, ctx);
}

static int body_of(char **out, const json_t *v, const char *cluster)
{
	if (!(*out = json_dumps(v, JSON_COMPACT)))
		return kd_error_set(KD_EINVAL, "cluster %s: cannot serialise the request body",
				    cluster);
	return 0;
}

int kd_kube_create(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		   const json_t *obj, const kd_kube_write_opts *wo,
		   kd_kube_done_fn done, void *ctx)
{
	kd_kube_request req = { .method = "POST", .content_type = "application/json" };
	kd_kube_ref coll = *ref;
	kd_buf q = KD_BUF_INIT;
	char *body = NULL;
	int rc;

	coll.name = NULL;
	coll.subresource = NULL;
	if ((rc = body_of(&body, obj, kd_kube_conn_name(c))) < 0 ||
	    (rc = write_query(&q, wo, false)) < 0)
		goto cleanup;
	req.body = body;
	req.body_len = strlen(body);
	rc = submit_ref(out, c, &coll, &req, &q, done, ctx);
cleanup:
	free(body);
	kd_buf_free(&q);
	return rc;
}

int kd_kube_update(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		   const json_t *obj, const kd_kube_write_opts *wo,
		   kd_kube_done_fn done, void *ctx)
{
	kd_kube_request req = { .method = "PUT", .content_type = "application/json" };
	kd_buf q = KD_BUF_INIT;
	char *body = NULL;
	int rc;

	if (!ref->name)
		return kd_error_set(KD_EINVAL, "cluster %s: update %s without a name",
				    kd_kube_conn_name(c), ref->resource ? ref->resource : "?");
	if ((rc = body_of(&body, obj, kd_kube_conn_name(c))) < 0 ||
	    (rc = write_query(&q, wo, false)) < 0)
		goto cleanup;
	req.body = body;
	req.body_len = strlen(body);
	rc = submit_ref(out, c, ref, &req, &q, done, ctx);
cleanup:
	free(body);
	kd_buf_free(&q);
	return rc;
}

static const char *patch_content_type(kd_kube_patch_type type)
{
	switch (type) {
	case KD_KUBE_PATCH_MERGE: return "application/merge-patch+json";
	case KD_KUBE_PATCH_JSON: return "application/json-patch+json";
	case KD_KUBE_PATCH_STRATEGIC: return "application/strategic-merge-patch+json";
	case KD_KUBE_PATCH_APPLY: return "application/apply-patch+yaml";
	}
	return NULL;
}

int kd_kube_patch(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		  kd_kube_patch_type type, const json_t *patch,
		  const kd_kube_write_opts *wo, kd_kube_done_fn done, void *ctx)
{
	kd_kube_request req = { .method = "PATCH" };
	kd_buf q = KD_BUF_INIT;
	char *body = NULL;
	int rc;

	if (!(req.content_type = patch_content_type(type)))
		return kd_error_set(KD_EINVAL, "unknown patch type %d", (int)type);
	if (!ref->name)
		return kd_error_set(KD_EINVAL, "cluster %s: patch %s without a name",
				    kd_kube_conn_name(c), ref->resource ? ref->resource : "?");
	if (type == KD_KUBE_PATCH_APPLY && (!wo || !wo->field_manager || !wo->field_manager[0]))
		return kd_error_set(KD_EINVAL, "cluster %s: server-side apply needs a field manager",
				    kd_kube_conn_name(c));
	/* JSON is YAML, so an apply body goes as compact JSON too. */
	if ((rc = body_of(&body, patch, kd_kube_conn_name(c))) < 0 ||
	    (rc = write_query(&q, wo, type == KD_KUBE_PATCH_APPLY)) < 0)
		goto cleanup;
	req.body = body;
	req.body_len = strlen(body);
	rc = submit_ref(out, c, ref, &req, &q, done, ctx);
cleanup:
	free(body);
	kd_buf_free(&q);
	return rc;
}

int kd_kube_delete(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		   const kd_kube_write_opts *wo, kd_kube_done_fn done, void *ctx)
{
	kd_kube_request req = { .method = "DELETE", .content_type = "application/json" };
	json_t *opts = NULL, *pre = NULL;
	kd_buf q = KD_BUF_INIT;
	char *body = NULL;
	int rc = KD_ENOMEM;

	if (!ref->name)
		return kd_error_set(KD_EINVAL, "cluster %s: delete %s without a name",
				    kd_kube_conn_name(c), ref->resource ? ref->resource : "?");
	if (!(opts = json_pack("{s:s, s:s}", "kind", "DeleteOptions", "apiVersion", "v1")))
		goto oom;
	if (wo && ((wo->uid && wo->uid[0]) || (wo->resource_version && wo->resource_version[0]))) {
		if (!(pre = json_object()) || json_object_set(opts, "preconditions", pre) < 0)
			goto oom;
		if (wo->uid && wo->uid[0] &&
		    json_object_set_new(pre, "uid", json_string(wo->uid)) < 0)
			goto oom;
		if (wo->resource_version && wo->resource_version[0] &&
		    json_object_set_new(pre, "resourceVersion",
					json_string(wo->resource_version)) < 0)
			goto oom;
	}
	if (wo && wo->dry_run &&
	    json_object_set_new(opts, "dryRun", json_pack("[s]", "All")) < 0)
		goto oom;
	if (wo && wo->propagation && wo->propagation[0] &&
	    json_object_set_new(opts, "propagationPolicy", json_string(wo->propagation)) < 0)
		goto oom;
	if ((rc = body_of(&body, opts, kd_kube_conn_name(c))) < 0 ||
	    (wo && wo->dry_run && (rc = kd_kube_query_add(&q, "dryRun", "All")) < 0))
		goto cleanup;
	req.body = body;
	req.body_len = strlen(body);
	rc = submit_ref(out, c, ref, &req, &q, done, ctx);
	goto cleanup;
oom:
	rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	json_decref(pre);
	json_decref(opts);
	free(body);
	kd_buf_free(&q);
	return rc;
}

/* ---- list -------------------------------------------------------------- */

struct list_op {
	kd_buf path;
	kd_buf query;       /* without continue */
	json_t *items;
	bool continued;     /* a continue token is in use */
	bool restarted;
};

static void list_op_free(void *p)
{
	struct list_op *op = p;

	if (!op)
		return;
	kd_buf_free(&op->path);
	kd_buf_free(&op->query);
	json_decref(op->items);
	free(op);
}

static int list_step(kd_kube_call *call, json_t *body)
{
	struct list_op *op = call->op;
	const char *rv, *cont;
	json_t *items, *meta;
	kd_buf q = KD_BUF_INIT;
	int rc;

	items = kd_json_arr(body, "items");
	meta = kd_json_obj(body, "metadata");
	if (!json_is_object(body) ||
	    (!items && json_object_get(body, "items") && !json_is_null(json_object_get(body, "items"))))
		return kd_error_set(KD_EINVAL, "cluster %s: %s: the list response has no items",
				    kd_kube_conn_name(call->c), call->what);
	if (items && json_array_extend(op->items, items) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	cont = kd_json_str(meta, "continue");
	if (cont && cont[0]) {
		if (kd_buf_add(&q, op->query.data ? op->query.data : "", op->query.len) < 0 ||
		    kd_kube_query_add(&q, "continue", cont) < 0) {
			kd_buf_free(&q);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		rc = kd__kube_call_rearm(call, op->path.data, q.data, NULL);
		kd_buf_free(&q);
		op->continued = true;
		return rc < 0 ? rc : 1;
	}
	rv = kd_json_str(meta, "resourceVersion");
	if (!(call->resource_version = strdup(rv ? rv : "")))
		return kd_error_set(KD_ENOMEM, "out of memory");
	call->items = op->items;
	op->items = NULL;
	return 0;
}

/* An expired continue token (410) means the snapshot the pages came from
 * is gone; the only consistent answer is a fresh list from the start. */
static int list_on_error(kd_kube_call *call)
{
	struct list_op *op = call->op;

	if (call->http_status != 410 || !op->continued || op->restarted)
		return 0;
	op->restarted = true;
	op->continued = false;
	json_array_clear(op->items);
	return kd__kube_call_rearm(call, op->path.data, op->query.data, NULL) < 0 ? 0 : 1;
}

int kd_kube_list(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		 const kd_kube_list_opts *lo, kd_kube_done_fn done, void *ctx)
{
	kd_kube_request req = { .method = "GET" };
	kd_kube_ref coll = *ref;
	struct list_op *op;
	kd_kube_call *call = NULL;
	int rc;

	if (out)
		*out = NULL;
	coll.name = NULL;
	coll.subresource = NULL;
	if (!(op = calloc(1, sizeof(*op))) || !(op->items = json_array())) {
		list_op_free(op);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if ((rc = kd_kube_path(&op->path, &coll)) < 0)
		goto fail;
	rc = kd_kube_query_add(&op->query, "limit", "500");
	if (lo && lo->limit > 0) {
		kd_buf_clear(&op->query);
		rc = kd_buf_printf(&op->query, "limit=%ld", lo->limit);
	}
	if (rc == 0 && lo && lo->label_selector && lo->label_selector[0])
		rc = kd_kube_query_add(&op->query, "labelSelector", lo->label_selector);
	if (rc == 0 && lo && lo->field_selector && lo->field_selector[0])
		rc = kd_kube_query_add(&op->query, "fieldSelector", lo->field_selector);
	if (rc < 0 || (rc = new_call(&call, c, &coll, &req, &op->query, done, ctx)) < 0)
		goto fail;
	call->op = op;
	call->op_free = list_op_free;
	call->share = lo && lo->share;
	call->step = list_step;
	call->on_error = list_on_error;
	kd__kube_call_queue(call, 0);
	if (out)
		*out = call;
	return 0;
fail:
	list_op_free(op);
	return rc;
}

/* ---- synchronous wrappers ---------------------------------------------- */

struct sync_state {
	bool done;
	int error;
	int http_status;
	json_t *body;
	json_t *items;
	char *rv;
	kd_buf msg;
};

static void sync_done(void *ctx, const kd_kube_result *res)
{
	struct sync_state *s = ctx;

	s->done = true;
	s->error = res->error;
	s->http_status = res->http_status;
	s->body = json_incref(res->body);
	s->items = json_incref(res->items);
	if (res->resource_version[0])
		s->rv = strdup(res->resource_version);
	if (res->error)
		kd_buf_puts(&s->msg, res->message);
}

/* Waits for a call submitted with sync_done and turns its outcome into a
 * return code with the message set. */
static int sync_finish(struct sync_state *s, kd_kube_conn *c, kd_kube_call *call, int rc)
{
	if (rc == 0 && (rc = kd__kube_wait(kd__kube_conn_driver(c), &s->done)) < 0)
		kd_kube_cancel(call);
	if (rc == 0 && s->error)
		rc = kd_error_set(s->error, "%s", kd_buf_cstr(&s->msg));
	kd_buf_free(&s->msg);
	return rc;
}

static int sync_object(json_t **out, struct sync_state *s, kd_kube_conn *c,
		       kd_kube_call *call, int rc)
{
	rc = sync_finish(s, c, call, rc);
	if (out && rc == 0) {
		*out = s->body;
		s->body = NULL;
	}
	json_decref(s->body);
	json_decref(s->items);
	free(s->rv);
	return rc;
}

int kd_kube_request_sync(json_t **out, int *http_status, kd_kube_conn *c,
			 const kd_kube_request *req)
{
	struct sync_state s = { 0 };
	kd_kube_call *call = NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = kd_kube_submit(&call, c, req, sync_done, &s);
	rc = sync_finish(&s, c, call, rc);
	if (http_status)
		*http_status = s.http_status;
	if (out && s.body) {
		*out = s.body;
		s.body = NULL;
	}
	json_decref(s.body);
	json_decref(s.items);
	free(s.rv);
	return rc;
}

int kd_kube_get_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref)
{
	struct sync_state s = { 0 };
	kd_kube_call *call = NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = kd_kube_get(&call, c, ref, sync_done, &s);
	return sync_object(out, &s, c, call, rc);
}

int kd_kube_create_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
			const json_t *obj, const kd_kube_write_opts *wo)
{
	struct sync_state s = { 0 };
	kd_kube_call *call = NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = kd_kube_create(&call, c, ref, obj, wo, sync_done, &s);
	return sync_object(out, &s, c, call, rc);
}

int kd_kube_update_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
			const json_t *obj, const kd_kube_write_opts *wo)
{
	struct sync_state s = { 0 };
	kd_kube_call *call = NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = kd_kube_update(&call, c, ref, obj, wo, sync_done, &s);
	return sync_object(out, &s, c, call, rc);
}

int kd_kube_patch_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
		       kd_kube_patch_type type, const json_t *patch,
		       const kd_kube_write_opts *wo)
{
	struct sync_state s = { 0 };
	kd_kube_call *call = NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = kd_kube_patch(&call, c, ref, type, patch, wo, sync_done, &s);
	return sync_object(out, &s, c, call, rc);
}

int kd_kube_delete_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
			const kd_kube_write_opts *wo)
{
	struct sync_state s = { 0 };
	kd_kube_call *call = NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = kd_kube_delete(&call, c, ref, wo, sync_done, &s);
	return sync_object(out, &s, c, call, rc);
}

int kd_kube_list_sync(json_t **items, char **rv, kd_kube_conn *c,
		      const kd_kube_ref *ref, const kd_kube_list_opts *lo)
{
	struct sync_state s = { 0 };
	kd_kube_call *call = NULL;
	int rc;

	if (items)
		*items = NULL;
	if (rv)
		*rv = NULL;
	rc = kd_kube_list(&call, c, ref, lo, sync_done, &s);
	rc = sync_finish(&s, c, call, rc);
	if (rc == 0 && items) {
		*items = s.items;
		s.items = NULL;
	}
	if (rc == 0 && rv) {
		*rv = s.rv;
		s.rv = NULL;
	}
	json_decref(s.body);
	json_decref(s.items);
	free(s.rv);
	return rc;
}
