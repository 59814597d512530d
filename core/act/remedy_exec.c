/*
 * remedy_exec — carrying out a plan: one audited write per action.
 *
 * The writes are built here rather than through kd_kube_*_sync because the
 * outcome must tell a conflict (409: someone changed the object since the
 * operator saw it) and a refusal (403: this credential may not write) apart
 * from other failures, which needs the HTTP status.
 */
#include "act/act.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static const char *content_type(kd_kube_patch_type t)
{
	switch (t) {
	case KD_KUBE_PATCH_MERGE: return "application/merge-patch+json";
	case KD_KUBE_PATCH_JSON: return "application/json-patch+json";
	case KD_KUBE_PATCH_STRATEGIC: return "application/strategic-merge-patch+json";
	case KD_KUBE_PATCH_APPLY: return "application/apply-patch+yaml";
	}
	return "application/json";
}

static int delete_options(char **out, const kd_remedy_write_req *rq)
{
	json_t *o = json_pack("{s:s, s:s}", "kind", "DeleteOptions", "apiVersion", "v1");
	json_t *pre = json_object();
	int rc = 0;

	*out = NULL;
	if (!o || !pre)
		rc = oom();
	if (rc == 0 && rq->uid && json_object_set_new(pre, "uid", json_string(rq->uid)) < 0)
		rc = oom();
	if (rc == 0 && rq->resource_version &&
	    json_object_set_new(pre, "resourceVersion", json_string(rq->resource_version)) < 0)
		rc = oom();
	if (rc == 0 && json_object_size(pre) > 0 && json_object_set(o, "preconditions", pre) < 0)
		rc = oom();
	if (rc == 0 && rq->dry_run &&
	    json_object_set_new(o, "dryRun", json_pack("[s]", "All")) < 0)
		rc = oom();
	if (rc == 0 && !(*out = json_dumps(o, JSON_COMPACT)))
		rc = oom();
	json_decref(o);
	json_decref(pre);
	return rc;
}

static const char *verb_of(const char *method)
{
	if (strcmp(method, "POST") == 0)
		return "create";
	if (strcmp(method, "DELETE") == 0)
		return "delete";
	return "patch";
}

/* Rewrites the kube client's message for the cases an operator must tell
 * apart.  Returns the code to report. */
static int explain(int rc, int status, kd_kube_conn *conn, const kd_remedy_write_req *rq)
{
	const kd_kube_target *t = kd_kube_conn_target(conn);
	const char *cluster = kd_kube_conn_name(conn);
	kd_buf what = KD_BUF_INIT, orig = KD_BUF_INIT;

	if (kd_buf_puts(&orig, kd_error_last()) < 0 ||
	    kd_remedy_describe(&what, rq->audit.object.kind, rq->audit.object.namespace_,
			       rq->audit.object.name) < 0) {
		rc = oom();
	} else if (status == 409 && strcmp(rq->method, "POST") == 0) {
		rc = kd_error_set(KD_ECONFLICT, "cluster %s: %s already exists: it was created "
				  "since it was shown; refresh and try again (nothing was changed)",
				  cluster, kd_buf_cstr(&what));
	} else if (status == 409) {
		rc = kd_error_set(KD_ECONFLICT, "cluster %s: %s changed since it was shown; "
				  "refresh and try again (nothing was changed)",
				  cluster, kd_buf_cstr(&what));
	} else if (status == 403) {
		rc = kd_error_set(KD_ERROR, "cluster %s: the credential of context %s may not %s "
				  "%s (Forbidden, HTTP 403): use a context with write access; "
				  "nothing was changed",
				  cluster, t && t->context ? t->context : "?", verb_of(rq->method),
				  kd_buf_cstr(&what));
	} else if (status == 404 && strcmp(rq->method, "POST") != 0) {
		rc = kd_error_set(KD_ENOTFOUND, "cluster %s: %s no longer exists; refresh and "
				  "try again", cluster, kd_buf_cstr(&what));
	}
	kd_buf_free(&what);
	kd_buf_free(&orig);
	return rc;
}

static int log_outcome(const kd_remedy_write_req *rq, const char *intent,
		       const json_t *body, const char *rv_after, int rc,
		       const char *message)
{
	kd_audit_entry e = rq->audit;
	char id[KD_AUDIT_ID_SIZE];

	e.phase = KD_AUDIT_PHASE_OUTCOME;
	e.intent_id = intent;
	e.patch = body;
	e.rv_before = rq->resource_version ? rq->resource_version : rq->audit.rv_before;
	e.rv_after = rv_after;
	e.status = rc == 0 ? KD_AUDIT_STATUS_SUCCESS : KD_AUDIT_STATUS_FAILURE;
	e.message = message;
	{
		kd_audit_log log = { rq->audit_path, rq->audit_key_file };

		return kd_audit_write(id, NULL, &log, &e);
	}
}

int kd_remedy_write(json_t **result, char audit_id[KD_AUDIT_ID_SIZE],
		    kd_kube_conn *conn, const kd_remedy_write_req *rq,
		    kd_remedy_modify_fn modify, void *ctx)
{
	kd_buf path = KD_BUF_INIT, query = KD_BUF_INIT, msg = KD_BUF_INIT;
	kd_kube_request req = { 0 };
	kd_audit_entry intent;
	char id[KD_AUDIT_ID_SIZE] = "";
	json_t *body = NULL, *resp = NULL;
	char *text = NULL;
	const char *rv_after = NULL;
	int rc, status = 0, lrc;

	if (result)
		*result = NULL;
	if (audit_id)
		audit_id[0] = '\0';
	if (!conn || !rq || !rq->method || !rq->ref)
		return kd_error_set(KD_EINVAL, "an audited write needs a connection, method and object");
	if ((rc = kd_kube_path(&path, rq->ref)) < 0)
		goto cleanup;
	if (rq->body && !(body = json_deep_copy(rq->body))) {
		rc = oom();
		goto cleanup;
	}
	if (!rq->dry_run) {
		intent = rq->audit;
		intent.phase = KD_AUDIT_PHASE_INTENT;
		intent.status = KD_AUDIT_STATUS_NONE;
		intent.intent_id = NULL;
		intent.message = NULL;
		intent.rv_after = NULL;
		if (!intent.patch)
			intent.patch = body;
		if (!intent.rv_before)
			intent.rv_before = rq->resource_version;
		kd_audit_log log = { rq->audit_path, rq->audit_key_file };

		if ((rc = kd_audit_write(id, NULL, &log, &intent)) < 0) {
			rc = kd_error_wrap(KD_EIO, "nothing was changed, because the audit log "
					   "could not record the intent: ");
			goto cleanup;
		}
		if (audit_id)
			memcpy(audit_id, id, KD_AUDIT_ID_SIZE);
	}
	if (modify && body && (rc = modify(ctx, body, id)) < 0)
		goto failed;
	if (strcmp(rq->method, "DELETE") == 0) {
		rc = delete_options(&text, rq);
		req.content_type = "application/json";
	} else {
		if (body && !(text = json_dumps(body, JSON_COMPACT)))
			rc = oom();
		req.content_type = strcmp(rq->method, "PATCH") == 0
			? content_type(rq->patch_type) : "application/json";
		if (rc == 0 && rq->field_manager)
			rc = kd_kube_query_add(&query, "fieldManager", rq->field_manager);
	}
	if (rc == 0 && rq->dry_run)
		rc = kd_kube_query_add(&query, "dryRun", "All");
	if (rc < 0)
		goto failed;
	req.method = rq->method;
	req.path = kd_buf_cstr(&path);
	req.query = query.len ? kd_buf_cstr(&query) : NULL;
	req.body = text;
	req.body_len = text ? strlen(text) : 0;
	rc = kd_kube_request_sync(&resp, &status, conn, &req);
	if (rc < 0)
		rc = explain(rc, status, conn, rq);
	else if (rq->then && (rc = rq->then(rq->then_ctx, conn, &resp, id)) < 0)
		rc = kd_error_wrap(rc, "the change was made, but what had to follow it "
				   "failed: ");
	if (rc == 0)
		rv_after = kd_json_str(kd_json_obj(resp, "metadata"), "resourceVersion");
failed:
	if (!rq->dry_run) {
		/* The outcome keeps the message of the failure, not of logging. */
		if (rc < 0 && kd_buf_puts(&msg, kd_error_last()) < 0)
			rc = oom();
		lrc = log_outcome(rq, id, body, rv_after, rc,
				  rc < 0 ? kd_buf_cstr(&msg) : NULL);
		if (rc < 0)
			kd_error_set(rc, "%s", kd_buf_cstr(&msg));
		else if (lrc < 0)
			rc = kd_error_wrap(KD_EIO, "the change was made, but its outcome could "
					   "not be logged: ");
	}
	if (rc == 0 && result) {
		*result = resp;
		resp = NULL;
	}
cleanup:
	kd_buf_free(&path);
	kd_buf_free(&query);
	kd_buf_free(&msg);
	json_decref(body);
	json_decref(resp);
	free(text);
	return rc;
}

/* Splits "apps/v1" into group and version (copied into g / v). */
static int split_api_version(char **g, char **v, const char *api_version)
{
	const char *slash = strchr(api_version, '/');

	*g = slash ? strndup(api_version, (size_t)(slash - api_version)) : strdup("");
	*v = strdup(slash ? slash + 1 : api_version);
	if (!*g || !*v) {
		free(*g);
		free(*v);
		*g = *v = NULL;
		return oom();
	}
	return 0;
}

static int resolve(const kd_kube_resource **r, kd_kube_conn *conn,
		   const kd_remedy_action *a)
{
	char *g = NULL, *v = NULL;
	int rc;

	if (!kd_kube_discovered(conn) && (rc = kd_kube_discover_sync(conn)) < 0)
		return rc;
	if ((rc = split_api_version(&g, &v, a->api_version)) < 0)
		return rc;
	rc = kd_kube_lookup(r, conn, g, v, a->kind_name);
	free(g);
	free(v);
	return rc;
}

static const char *action_name(const kd_remedy_action *a)
{
	switch (a->kind) {
	case KD_REMEDY_CREATE: return KD_AUDIT_ACTION_CREATE;
	case KD_REMEDY_PRUNE: return KD_AUDIT_ACTION_PRUNE;
	default: return KD_AUDIT_ACTION_REVERT;
	}
}

static int run_action(kd_remedy_plan *plan, kd_remedy_action *a, kd_kube_conn *conn,
		      const kd_remedy_exec_opts *o)
{
	const kd_kube_resource *r;
	kd_remedy_write_req rq;
	kd_kube_ref ref;
	json_t *res = NULL;
	int rc;

	if (a->kind == KD_REMEDY_PRUNE && !o->confirm_prune)
		return kd_error_set(KD_EINVAL, "cluster %s: %s %s was not deleted: pruning "
				    "needs confirmation", plan->cluster, a->kind_name, a->name);
	if ((rc = resolve(&r, conn, a)) < 0)
		return rc;
	/* A create goes to the collection. */
	kd_kube_ref_for(&ref, r, a->namespace, a->kind == KD_REMEDY_CREATE ? NULL : a->name);
	memset(&rq, 0, sizeof(rq));
	rq.ref = &ref;
	rq.dry_run = o->dry_run;
	rq.audit_path = o->audit_path;
	rq.audit_key_file = o->audit_key_file;
	rq.field_manager = o->self_heal ? KD_REMEDY_MANAGER_SELF_HEAL : KD_REMEDY_MANAGER;
	rq.body = a->body;
	rq.patch_type = a->patch_type;
	switch (a->kind) {
	case KD_REMEDY_CREATE:
		rq.method = "POST";
		break;
	case KD_REMEDY_PRUNE:
		rq.method = "DELETE";
		rq.field_manager = NULL;
		rq.uid = a->uid;
		rq.resource_version = a->resource_version;
		break;
	default:
		rq.method = "PATCH";
		break;
	}
	rq.audit.mode = o->self_heal ? KD_AUDIT_MODE_SELF_HEAL : KD_AUDIT_MODE_NORMAL;
	rq.audit.action = action_name(a);
	rq.audit.user = o->user;
	rq.audit.session = o->session;
	rq.audit.reason = o->reason;
	rq.audit.ticket = o->ticket;
	rq.audit.git_commit = o->revision;
	rq.audit.cluster = plan->cluster;
	rq.audit.object.api_version = a->api_version;
	rq.audit.object.kind = a->kind_name;
	rq.audit.object.namespace_ = a->namespace;
	rq.audit.object.name = a->name;
	rq.audit.object.uid = a->uid;
	rq.audit.rv_before = a->resource_version;
	rc = kd_remedy_write(&res, a->audit_id, conn, &rq, NULL, NULL);
	if (rc == 0) {
		const char *rv = kd_json_str(kd_json_obj(res, "metadata"), "resourceVersion");

		a->result = res;
		if (rv && !(a->rv_after = strdup(rv)))
			rc = oom();
	}
	return rc;
}

int kd_remedy_execute(kd_remedy_plan *plan, kd_kube_conn *conn,
		      const kd_remedy_exec_opts *opts)
{
	kd_remedy_exec_opts none = { 0 };
	const kd_remedy_exec_opts *o = opts ? opts : &none;
	kd_buf first = KD_BUF_INIT;
	int rc, first_rc = 0;
	size_t i, failed = 0;

	if (!plan || !conn)
		return kd_error_set(KD_EINVAL, "no plan or connection");
	for (i = 0; i < plan->nactions; i++) {
		kd_remedy_action *a = &plan->actions[i];

		free(a->message);
		a->message = NULL;
		a->done = true;
		rc = run_action(plan, a, conn, o);
		a->error = rc;
		if (rc == 0)
			continue;
		failed++;
		a->message = strdup(kd_error_last());
		if (first_rc == 0) {
			first_rc = rc;
			kd_buf_puts(&first, kd_error_last());
		}
	}
	if (first_rc < 0) {
		if (failed > 1)
			kd_error_set(first_rc, "%s (and %zu more failed)", kd_buf_cstr(&first),
				     failed - 1);
		else
			kd_error_set(first_rc, "%s", kd_buf_cstr(&first));
	}
	kd_buf_free(&first);
	return first_rc;
}
