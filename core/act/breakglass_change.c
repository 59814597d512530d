/*
 * breakglass_change — planning and applying break-glass changes: edit,
 * scale, set image, rollout restart, delete.  Writes go through
 * kd_remedy_write so the audit records bracket every API call.  What the
 * editor is shown of an edit, and reading it back, is breakglass_edit.c.
 */
#include "act/act.h"
#include "act_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

void kd_breakglass_change_free(kd_breakglass_change *ch)
{
	if (!ch)
		return;
	free(ch->cluster);
	free(ch->api_version);
	free(ch->kind_name);
	free(ch->namespace);
	free(ch->name);
	free(ch->uid);
	free(ch->resource_version);
	json_decref(ch->patch);
	free(ch->preview);
	free(ch->rv_after);
	json_decref(ch->result);
	free(ch);
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A change about `live`, identity and preconditions filled in. */
static int change_new(kd_breakglass_change **out, kd_breakglass_kind kind,
		      const char *cluster, const json_t *live)
{
	const json_t *meta = kd_json_obj(live, "metadata");
	const char *ns = kd_json_str(meta, "namespace");
	kd_breakglass_change *ch;

	*out = NULL;
	if (!json_is_object(live) || !kd_json_str(live, "apiVersion") ||
	    !kd_json_str(live, "kind") || !kd_json_str(meta, "name"))
		return kd_error_set(KD_EINVAL, "a break-glass change needs the live object "
				    "(apiVersion, kind and metadata.name)");
	if (!kd_json_str(meta, "resourceVersion"))
		return kd_error_set(KD_EINVAL, "%s %s: no resourceVersion: plan changes on the "
				    "object as the cluster returned it", kd_json_str(live, "kind"),
				    kd_json_str(meta, "name"));
	if (!(ch = calloc(1, sizeof(*ch))))
		return oom();
	ch->kind = kind;
	ch->cluster = dup_opt(cluster ? cluster : "");
	ch->api_version = dup_opt(kd_json_str(live, "apiVersion"));
	ch->kind_name = dup_opt(kd_json_str(live, "kind"));
	ch->namespace = ns && *ns ? strdup(ns) : NULL;
	ch->name = dup_opt(kd_json_str(meta, "name"));
	ch->uid = dup_opt(kd_json_str(meta, "uid"));
	ch->resource_version = dup_opt(kd_json_str(meta, "resourceVersion"));
	if (!ch->cluster || !ch->api_version || !ch->kind_name || !ch->name ||
	    (ns && *ns && !ch->namespace) || (kd_json_str(meta, "uid") && !ch->uid) ||
	    !ch->resource_version) {
		kd_breakglass_change_free(ch);
		return oom();
	}
	*out = ch;
	return 0;
}

static const char *verb(kd_breakglass_kind k)
{
	switch (k) {
	case KD_BREAKGLASS_SCALE: return "scale";
	case KD_BREAKGLASS_SET_IMAGE: return "set image of";
	case KD_BREAKGLASS_RESTART: return "restart";
	case KD_BREAKGLASS_DELETE: return "delete";
	default: return "edit";
	}
}

static const char *action_of(kd_breakglass_kind k)
{
	switch (k) {
	case KD_BREAKGLASS_SCALE: return KD_AUDIT_ACTION_SCALE;
	case KD_BREAKGLASS_SET_IMAGE: return KD_AUDIT_ACTION_SET_IMAGE;
	case KD_BREAKGLASS_RESTART: return KD_AUDIT_ACTION_RESTART;
	case KD_BREAKGLASS_DELETE: return KD_AUDIT_ACTION_DELETE;
	default: return KD_AUDIT_ACTION_BREAK_GLASS_EDIT;
	}
}

/* "# break-glass: scale Deployment shop/web on cluster a (...)\n" + YAML. */
static int set_preview(kd_breakglass_change *ch, const char *detail)
{
	kd_buf b = KD_BUF_INIT;
	json_t *masked = NULL;
	int rc = kd_buf_printf(&b, "# break-glass: %s ", verb(ch->kind));

	if (rc == 0)
		rc = kd_remedy_describe(&b, ch->kind_name, ch->namespace, ch->name);
	if (rc == 0)
		rc = kd_buf_printf(&b, " on cluster %s%s%s (resourceVersion %s)\n", ch->cluster,
				   detail ? ", " : "", detail ? detail : "", ch->resource_version);
	if (rc == 0 && ch->patch) {
		rc = kd_audit_mask_secret(&masked, ch->patch, ch->kind_name);
		if (rc == 0)
			rc = kd_yaml_emit(&b, masked);
		json_decref(masked);
	}
	if (rc == 0 && !(ch->preview = kd_buf_detach(&b)))
		rc = oom();
	kd_buf_free(&b);
	return rc;
}

/* ---- edit ------------------------------------------------------------------ */

json_t *kd_breakglass_editable(const json_t *obj)
{
	json_t *c = json_deep_copy(obj);

	if (!c)
		return NULL;
	json_object_del(c, "status");
	kd_server_metadata_strip(c);
	return c;
}

static int same_identity(const json_t *a, const json_t *b, const char *what,
			 const char *key, bool in_meta)
{
	const char *x = kd_json_str(in_meta ? kd_json_obj(a, "metadata") : a, key);
	const char *y = kd_json_str(in_meta ? kd_json_obj(b, "metadata") : b, key);

	if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
		return kd_error_set(KD_EINVAL, "the edit changes %s from '%s' to '%s': a "
				    "break-glass edit changes one object in place",
				    what, x ? x : "", y ? y : "");
	return 0;
}

int kd_breakglass_same_identity(const json_t *old, const json_t *new_obj)
{
	int rc;

	if (!json_is_object(new_obj))
		return kd_error_set(KD_EINVAL, "the edited document is not an object");
	if ((rc = same_identity(old, new_obj, "apiVersion", "apiVersion", false)) < 0 ||
	    (rc = same_identity(old, new_obj, "kind", "kind", false)) < 0 ||
	    (rc = same_identity(old, new_obj, "metadata.name", "name", true)) < 0 ||
	    (rc = same_identity(old, new_obj, "metadata.namespace", "namespace", true)) < 0)
		return rc;
	return 0;
}

int kd_breakglass_plan_edit(kd_breakglass_change **out, const char *cluster,
			    const json_t *old, const json_t *new_obj)
{
	kd_breakglass_change *ch = NULL;
	json_t *from = NULL, *to = NULL;
	int rc;

	*out = NULL;
	if ((rc = kd_breakglass_same_identity(old, new_obj)) < 0)
		return rc;
	if ((rc = change_new(&ch, KD_BREAKGLASS_EDIT, cluster, old)) < 0)
		return rc;
	if (!(from = kd_breakglass_editable(old)) || !(to = kd_breakglass_editable(new_obj))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = kd_remedy_patch_between(&ch->patch, &ch->patch_type, from, to)) < 0)
		goto cleanup;
	if (json_object_size(ch->patch) == 0) {
		rc = kd_error_set(KD_EINVAL, "the edit changes nothing");
		goto cleanup;
	}
	rc = set_preview(ch, ch->patch_type == KD_KUBE_PATCH_STRATEGIC
			 ? "strategic merge patch" : "merge patch");
cleanup:
	json_decref(from);
	json_decref(to);
	if (rc < 0)
		kd_breakglass_change_free(ch);
	else
		*out = ch;
	return rc;
}

/* ---- scale ----------------------------------------------------------------- */

int kd_breakglass_plan_scale(kd_breakglass_change **out, const char *cluster,
			     const json_t *live, long replicas)
{
	kd_breakglass_change *ch = NULL;
	const json_t *cur = json_object_get(kd_json_obj(live, "spec"), "replicas");
	kd_buf detail = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (replicas < 0)
		return kd_error_set(KD_EINVAL, "replicas must be 0 or more, not %ld", replicas);
	/* Kinds with a /scale subresource keep their count in spec.replicas
	 * (custom resources may map it elsewhere, but theirs show it too). */
	if (json_is_object(live) && !json_is_integer(cur))
		return kd_error_set(KD_EUNSUPPORTED, "%s %s has no spec.replicas: it cannot be "
				    "scaled", kd_json_str(live, "kind") ? kd_json_str(live, "kind")
				    : "object", kd_json_str(kd_json_obj(live, "metadata"), "name")
				    ? kd_json_str(kd_json_obj(live, "metadata"), "name") : "?");
	if ((rc = change_new(&ch, KD_BREAKGLASS_SCALE, cluster, live)) < 0)
		return rc;
	ch->patch_type = KD_KUBE_PATCH_MERGE;
	if (!(ch->patch = json_pack("{s:{s:I}}", "spec", "replicas", (json_int_t)replicas)))
		rc = oom();
	if (rc == 0)
		rc = kd_buf_printf(&detail, "%lld -> %ld replicas",
				   (long long)json_integer_value(cur), replicas);
	if (rc == 0)
		rc = set_preview(ch, kd_buf_cstr(&detail));
	kd_buf_free(&detail);
	if (rc < 0)
		kd_breakglass_change_free(ch);
	else
		*out = ch;
	return rc;
}

/* ---- set image, restart ---------------------------------------------------- */

/* The pointer of the pod template's spec for a workload kind; NULL when
 * the kind has none kdrift knows. */
static const char *pod_spec_pointer(const json_t *obj)
{
	const char *av = kd_json_str(obj, "apiVersion"), *kind = kd_json_str(obj, "kind");

	if (!av || !kind)
		return NULL;
	if (strcmp(av, "v1") == 0 && strcmp(kind, "Pod") == 0)
		return "/spec";
	if (strcmp(av, "apps/v1") == 0 &&
	    (strcmp(kind, "Deployment") == 0 || strcmp(kind, "StatefulSet") == 0 ||
	     strcmp(kind, "DaemonSet") == 0 || strcmp(kind, "ReplicaSet") == 0))
		return "/spec/template/spec";
	if (strcmp(av, "batch/v1") == 0 && strcmp(kind, "Job") == 0)
		return "/spec/template/spec";
	if (strcmp(av, "batch/v1") == 0 && strcmp(kind, "CronJob") == 0)
		return "/spec/jobTemplate/spec/template/spec";
	return NULL;
}

int kd_breakglass_plan_set_image(kd_breakglass_change **out, const char *cluster,
				 const json_t *live, const char *container,
				 const char *image)
{
	static const char *const lists[] = { "containers", "initContainers" };
	kd_breakglass_change *ch = NULL;
	const char *ptr = pod_spec_pointer(live);
	kd_buf names = KD_BUF_INIT, where = KD_BUF_INIT, detail = KD_BUF_INIT;
	const char *list = NULL;
	json_t *spec = NULL, *c, *elem;
	size_t i, l;
	int rc;

	*out = NULL;
	if (!container || !*container || !image || !*image)
		return kd_error_set(KD_EINVAL, "set image needs a container name and an image");
	if (!ptr || kd_json_pointer_get(&spec, live, ptr) < 0)
		return kd_error_set(KD_EUNSUPPORTED, "%s %s has no pod template kdrift knows "
				    "of: set image works on Pods, Deployments, StatefulSets, "
				    "DaemonSets, ReplicaSets, Jobs and CronJobs",
				    kd_json_str(live, "kind") ? kd_json_str(live, "kind") : "object",
				    kd_json_str(kd_json_obj(live, "metadata"), "name")
				    ? kd_json_str(kd_json_obj(live, "metadata"), "name") : "?");
	for (l = 0; l < 2 && !list; l++) {
		json_array_foreach(kd_json_arr(spec, lists[l]), i, c) {
			const char *n = kd_json_str(c, "name");
			if (n && strcmp(n, container) == 0)
				list = lists[l];
			else if (n)
				kd_buf_printf(&names, "%s%s", names.len ? ", " : "", n);
		}
	}
	if (!list) {
		rc = kd_error_set(KD_ENOTFOUND, "no container named '%s' (there are: %s)",
				  container, names.len ? kd_buf_cstr(&names) : "none");
		goto cleanup;
	}
	if ((rc = change_new(&ch, KD_BREAKGLASS_SET_IMAGE, cluster, live)) < 0)
		goto cleanup;
	ch->patch_type = KD_KUBE_PATCH_STRATEGIC;
	if (!(ch->patch = json_object()) ||
	    !(elem = json_pack("[{s:s, s:s}]", "name", container, "image", image))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = kd_buf_printf(&where, "%s/%s", ptr, list)) < 0 ||
	    (rc = kd_json_pointer_set(ch->patch, kd_buf_cstr(&where), elem, true)) < 0 ||
	    (rc = kd_buf_printf(&detail, "container %s to %s", container, image)) < 0)
		goto cleanup;
	rc = set_preview(ch, kd_buf_cstr(&detail));
cleanup:
	kd_buf_free(&names);
	kd_buf_free(&where);
	kd_buf_free(&detail);
	if (rc < 0)
		kd_breakglass_change_free(ch);
	else
		*out = ch;
	return rc;
}

int kd_breakglass_plan_restart(kd_breakglass_change **out, const char *cluster,
			       const json_t *live, int64_t now_ms)
{
	kd_breakglass_change *ch = NULL;
	const char *kind = kd_json_str(live, "kind");
	char stamp[KD_TIME_SIZE];
	int rc;

	*out = NULL;
	if (!kind || strcmp(kd_json_str(live, "apiVersion") ? kd_json_str(live, "apiVersion")
			    : "", "apps/v1") != 0 ||
	    (strcmp(kind, "Deployment") != 0 && strcmp(kind, "StatefulSet") != 0 &&
	     strcmp(kind, "DaemonSet") != 0))
		return kd_error_set(KD_EUNSUPPORTED, "restart works on Deployments, StatefulSets "
				    "and DaemonSets, not %s", kind ? kind : "this object");
	if ((rc = change_new(&ch, KD_BREAKGLASS_RESTART, cluster, live)) < 0)
		return rc;
	kd_time_format(stamp, now_ms, 0);
	ch->patch_type = KD_KUBE_PATCH_STRATEGIC;
	if (!(ch->patch = json_pack("{s:{s:{s:{s:{s:s}}}}}", "spec", "template", "metadata",
				    "annotations", "kubectl.kubernetes.io/restartedAt", stamp)))
		rc = oom();
	if (rc == 0)
		rc = set_preview(ch, "rollout restart");
	if (rc < 0)
		kd_breakglass_change_free(ch);
	else
		*out = ch;
	return rc;
}

int kd_breakglass_plan_delete(kd_breakglass_change **out, const char *cluster,
			      const json_t *live)
{
	kd_breakglass_change *ch = NULL;
	int rc;

	*out = NULL;
	if ((rc = change_new(&ch, KD_BREAKGLASS_DELETE, cluster, live)) < 0)
		return rc;
	if (!ch->uid) {
		kd_breakglass_change_free(ch);
		return kd_error_set(KD_EINVAL, "%s %s: no uid to delete it safely",
				    kd_json_str(live, "kind"), kd_json_str(kd_json_obj(live, "metadata"), "name"));
	}
	rc = set_preview(ch, "only if still this uid and resourceVersion");
	if (rc < 0)
		kd_breakglass_change_free(ch);
	else
		*out = ch;
	return rc;
}

/* ---- applying ---------------------------------------------------------------- */

/* Adds metadata.annotations[kdrift.dev/break-glass] = the intent's id. */
static int annotate(void *ctx, json_t *body, const char *audit_id)
{
	json_t *v;

	(void)ctx;
	if (!audit_id || !*audit_id)
		return 0; /* a dry run logs nothing, so there is no id */
	if (!(v = json_string(audit_id)))
		return oom();
	return kd_json_pointer_set(body, "/metadata/annotations/kdrift.dev~1break-glass", v, true);
}

/* After a /scale write: annotate the object itself, on top of the version
 * the scale produced. */
static int annotate_after_scale(void *ctx, kd_kube_conn *conn, json_t **result,
				const char *audit_id)
{
	const kd_kube_ref *scale_ref = ctx;
	kd_kube_ref ref = *scale_ref;
	kd_kube_write_opts wo = { .field_manager = KD_BREAKGLASS_MANAGER };
	const char *rv = kd_json_str(kd_json_obj(*result, "metadata"), "resourceVersion");
	json_t *patch, *got = NULL;
	int rc;

	if (!audit_id || !*audit_id)
		return 0;
	ref.subresource = NULL;
	patch = json_pack("{s:{s:{s:s}, s:s?}}", "metadata", "annotations",
			  KD_BREAKGLASS_ANNOTATION, audit_id, "resourceVersion", rv);
	if (!patch)
		return oom();
	rc = kd_kube_patch_sync(&got, conn, &ref, KD_KUBE_PATCH_MERGE, patch, &wo);
	json_decref(patch);
	if (rc < 0)
		return kd_error_wrap(rc, "scaled, but the break-glass annotation could not be "
				     "added: ");
	json_decref(*result);
	*result = got;
	return 0;
}

static int resolve(kd_kube_ref *ref, kd_kube_conn *conn, const kd_breakglass_change *ch)
{
	const kd_kube_resource *r;
	const char *slash = strchr(ch->api_version, '/');
	char *group;
	int rc;

	if (!kd_kube_discovered(conn) && (rc = kd_kube_discover_sync(conn)) < 0)
		return rc;
	group = slash ? strndup(ch->api_version, (size_t)(slash - ch->api_version)) : strdup("");
	if (!group)
		return oom();
	rc = kd_kube_lookup(&r, conn, group, slash ? slash + 1 : ch->api_version, ch->kind_name);
	free(group);
	if (rc < 0)
		return rc;
	kd_kube_ref_for(ref, r, ch->namespace, ch->name);
	return 0;
}

int kd_breakglass_apply(kd_breakglass_change *ch, kd_kube_conn *conn,
			const kd_breakglass_opts *o, bool dry_run)
{
	kd_breakglass_opts none = { 0 };
	kd_breakglass_session *s = NULL;
	kd_remedy_write_req rq;
	kd_kube_ref ref;
	json_t *body = NULL, *res = NULL;
	const char *rv;
	int rc;

	if (!ch || !conn)
		return kd_error_set(KD_EINVAL, "no change or connection");
	if (!o)
		o = &none;
	ch->audit_id[0] = '\0';
	if ((rc = kd_breakglass_require(&s, o->state_path, kd_audit_now_ms())) < 0)
		return rc;
	if ((rc = resolve(&ref, conn, ch)) < 0)
		goto cleanup;
	memset(&rq, 0, sizeof(rq));
	rq.ref = &ref;
	rq.dry_run = dry_run;
	rq.audit_path = o->audit_path;
	rq.field_manager = KD_BREAKGLASS_MANAGER;
	rq.patch_type = ch->patch_type;
	rq.audit.mode = KD_AUDIT_MODE_BREAK_GLASS;
	rq.audit.action = action_of(ch->kind);
	rq.audit.user = o->user ? o->user : s->user;
	rq.audit.session = s->id;
	rq.audit.reason = s->reason;
	rq.audit.ticket = s->ticket;
	rq.audit.cluster = ch->cluster;
	rq.audit.object.api_version = ch->api_version;
	rq.audit.object.kind = ch->kind_name;
	rq.audit.object.namespace_ = ch->namespace;
	rq.audit.object.name = ch->name;
	rq.audit.object.uid = ch->uid;
	rq.audit.rv_before = ch->resource_version;
	rq.audit.patch = ch->patch;
	if (ch->kind == KD_BREAKGLASS_DELETE) {
		rq.method = "DELETE";
		rq.field_manager = NULL;
		rq.uid = ch->uid;
		rq.resource_version = ch->resource_version;
		rc = kd_remedy_write(&res, ch->audit_id, conn, &rq, NULL, NULL);
		goto done;
	}
	/* The version the change was planned on is its precondition. */
	if (!(body = json_deep_copy(ch->patch)) ||
	    kd_json_pointer_set(body, "/metadata/resourceVersion",
				json_string(ch->resource_version), true) < 0) {
		rc = oom();
		goto cleanup;
	}
	rq.method = "PATCH";
	rq.body = body;
	if (ch->kind == KD_BREAKGLASS_SCALE) {
		ref.subresource = "scale";
		rq.then = annotate_after_scale;
		rq.then_ctx = &ref;
		rc = kd_remedy_write(&res, ch->audit_id, conn, &rq, NULL, NULL);
	} else {
		rc = kd_remedy_write(&res, ch->audit_id, conn, &rq, annotate, NULL);
	}
done:
	if (rc == 0) {
		rv = kd_json_str(kd_json_obj(res, "metadata"), "resourceVersion");
		free(ch->rv_after);
		ch->rv_after = NULL;
		if (rv && !(ch->rv_after = strdup(rv)))
			rc = oom();
		json_decref(ch->result);
		ch->result = ch->kind == KD_BREAKGLASS_DELETE ? NULL : res;
		if (ch->kind != KD_BREAKGLASS_DELETE)
			res = NULL;
	}
cleanup:
	json_decref(res);
	json_decref(body);
	kd_breakglass_session_free(s);
	return rc;
}
