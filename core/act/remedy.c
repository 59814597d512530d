/*
 * remedy — planning reverts: from the store's resources to actions with
 * their bodies and previews.  Execution lives in remedy_exec.c, the patch
 * computation in remedy_patch.c.
 */
#include "act_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int kd_remedy_plan_new(kd_remedy_plan **out, const char *cluster)
{
	kd_remedy_plan *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p || !(p->cluster = strdup(cluster ? cluster : ""))) {
		free(p);
		return oom();
	}
	*out = p;
	return 0;
}

static void action_clear(kd_remedy_action *a)
{
	free(a->app);
	free(a->api_version);
	free(a->kind_name);
	free(a->namespace);
	free(a->name);
	free(a->uid);
	free(a->resource_version);
	json_decref(a->body);
	free(a->preview);
	free(a->message);
	free(a->rv_after);
	json_decref(a->result);
}

void kd_remedy_plan_free(kd_remedy_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->nactions; i++)
		action_clear(&plan->actions[i]);
	for (i = 0; i < plan->nskipped; i++) {
		free(plan->skipped[i].what);
		free(plan->skipped[i].reason);
	}
	free(plan->actions);
	free(plan->skipped);
	free(plan->cluster);
	free(plan);
}

static int add_skip(kd_remedy_plan *plan, const char *what, const char *reason)
{
	kd_remedy_skip *g = realloc(plan->skipped, (plan->nskipped + 1) * sizeof(*g));
	kd_remedy_skip *s;

	if (!g)
		return oom();
	plan->skipped = g;
	s = &g[plan->nskipped];
	s->what = strdup(what);
	s->reason = strdup(reason);
	if (!s->what || !s->reason) {
		free(s->what);
		free(s->reason);
		return oom();
	}
	plan->nskipped++;
	return 0;
}

static int skip_resource(kd_remedy_plan *plan, const kd_resource *res,
			 const char *reason)
{
	kd_buf what = KD_BUF_INIT;
	int rc = kd_remedy_describe(&what, res->kind, res->namespace, res->name);

	if (rc == 0)
		rc = add_skip(plan, kd_buf_cstr(&what), reason);
	kd_buf_free(&what);
	return rc;
}

/* A new action for a resource, appended to the plan (zeroed otherwise). */
static int add_action(kd_remedy_action **out, kd_remedy_plan *plan,
		      kd_remedy_kind kind, const char *app, const kd_resource *res)
{
	kd_remedy_action *g = realloc(plan->actions, (plan->nactions + 1) * sizeof(*g));
	kd_remedy_action *a;
	const char *rv = res->resource_version;

	*out = NULL;
	if (!g)
		return oom();
	plan->actions = g;
	a = &g[plan->nactions];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	if (!rv && res->live)
		rv = kd_json_str(kd_json_obj(res->live, "metadata"), "resourceVersion");
	a->app = dup_or_null(app);
	a->api_version = dup_or_null(res->api_version);
	a->kind_name = dup_or_null(res->kind);
	a->namespace = res->namespace && *res->namespace ? strdup(res->namespace) : NULL;
	a->name = dup_or_null(res->name);
	a->uid = dup_or_null(res->uid ? res->uid
			     : kd_json_str(kd_json_obj(res->live, "metadata"), "uid"));
	a->resource_version = dup_or_null(rv);
	if ((app && !a->app) || !a->api_version || !a->kind_name || !a->name ||
	    (res->namespace && *res->namespace && !a->namespace) ||
	    (rv && !a->resource_version)) {
		action_clear(a);
		return oom();
	}
	plan->nactions++;
	*out = a;
	return 0;
}

/* Drops the last action (planning it failed half way). */
static void drop_last(kd_remedy_plan *plan)
{
	action_clear(&plan->actions[--plan->nactions]);
}

int kd_remedy_plan_drop(kd_remedy_plan *plan, size_t i, const char *reason)
{
	kd_buf what = KD_BUF_INIT;
	int rc;

	if (!plan || i >= plan->nactions)
		return kd_error_set(KD_EINVAL, "no such action");
	rc = kd_remedy_describe(&what, plan->actions[i].kind_name, plan->actions[i].namespace,
				plan->actions[i].name);
	if (rc == 0)
		rc = add_skip(plan, kd_buf_cstr(&what), reason);
	kd_buf_free(&what);
	if (rc < 0)
		return rc;
	action_clear(&plan->actions[i]);
	memmove(&plan->actions[i], &plan->actions[i + 1],
		(plan->nactions - i - 1) * sizeof(*plan->actions));
	plan->nactions--;
	return 0;
}

static int preview_header(kd_buf *b, const char *verb, const kd_remedy_plan *plan,
			  const kd_remedy_action *a)
{
	int rc = kd_buf_printf(b, "# %s ", verb);

	if (rc == 0)
		rc = kd_remedy_describe(b, a->kind_name, a->namespace, a->name);
	if (rc == 0)
		rc = kd_buf_printf(b, " on cluster %s", plan->cluster);
	return rc;
}

/* YAML of body with Secret values masked. */
static int preview_body(kd_buf *b, const json_t *body, const char *kind)
{
	json_t *masked = NULL;
	int rc = kd_audit_mask_secret(&masked, body, kind);

	if (rc == 0)
		rc = kd_yaml_emit(b, masked);
	json_decref(masked);
	return rc;
}

static int set_preview(kd_remedy_action *a, kd_buf *b)
{
	if (!(a->preview = kd_buf_detach(b)))
		return oom();
	return 0;
}

static int plan_patch(kd_remedy_plan *plan, const char *app, const kd_resource *res,
		      const char *const *pointers, size_t npointers)
{
	json_t *target = NULL, *patch = NULL, *meta, *ann;
	kd_kube_patch_type type;
	kd_remedy_action *a = NULL;
	kd_resource own;
	kd_diff_result own_diff;
	kd_buf b = KD_BUF_INIT;
	char *la = NULL;
	size_t n = 0;
	int rc;

	if (!res->desired || !res->live || !res->diff)
		return kd_error_set(KD_EINVAL, "%s %s: no desired and live objects to revert",
				    res->kind, res->name);
	/* a HelmRelease's release fields are the release's controller's */
	if ((rc = kd_remedy_helm_view(&res, &own, &own_diff, pointers, npointers)) != 0) {
		if (rc > 0 && (rc = kd_remedy_helm_behind(&b, res)) == 0)
			rc = skip_resource(plan, res, kd_buf_cstr(&b));
		kd_buf_free(&b);
		return rc;
	}
	rc = kd_remedy_revert_target(&target, &n, res->desired, res->live, res->diff,
				     pointers, npointers);
	if (rc == 0)
		rc = kd_remedy_patch_between(&patch, &type, res->live, target);
	if (rc < 0)
		goto cleanup;
	if (json_object_size(patch) == 0) {
		rc = skip_resource(plan, res, "nothing to revert: the selected fields "
				   "already hold their desired values");
		goto cleanup;
	}
	/* The version the operator saw, and kubectl's record of what was
	 * applied, travel in the same write. */
	meta = kd_json_obj(patch, "metadata");
	if (!meta && (!(meta = json_object()) ||
		      json_object_set_new(patch, "metadata", meta) < 0)) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = add_action(&a, plan, KD_REMEDY_PATCH, app, res)) < 0)
		goto cleanup;
	if (a->resource_version &&
	    json_object_set_new(meta, "resourceVersion",
				json_string(a->resource_version)) < 0)
		rc = oom();
	ann = kd_json_obj(kd_json_obj(res->live, "metadata"), "annotations");
	if (rc == 0 && json_object_get(ann, KD_REMEDY_LAST_APPLIED)) {
		rc = kd_remedy_last_applied(&la, res->desired);
		if (rc == 0 && strcmp(la, kd_json_str(ann, KD_REMEDY_LAST_APPLIED)
				      ? kd_json_str(ann, KD_REMEDY_LAST_APPLIED) : "") != 0) {
			json_t *pa = kd_json_obj(meta, "annotations");
			if (!pa && (!(pa = json_object()) ||
				    json_object_set_new(meta, "annotations", pa) < 0))
				rc = oom();
			else if (json_object_set_new(pa, KD_REMEDY_LAST_APPLIED,
						     json_string(la)) < 0)
				rc = oom();
		}
	}
	/* A full revert is the follow-up of a break-glass change: the object
	 * stops carrying the marker. */
	if (rc == 0 && (!pointers || plan->clear_breakglass_mark) &&
	    json_object_get(ann, KD_REMEDY_BREAKGLASS_ANNOTATION)) {
		json_t *pa = kd_json_obj(meta, "annotations");
		if ((!pa && (!(pa = json_object()) ||
			     json_object_set_new(meta, "annotations", pa) < 0)) ||
		    json_object_set_new(pa, KD_REMEDY_BREAKGLASS_ANNOTATION, json_null()) < 0)
			rc = oom();
	}
	a->patch_type = type;
	a->nfields = n;
	if (rc == 0)
		rc = preview_header(&b, "revert", plan, a);
	if (rc == 0)
		rc = kd_buf_printf(&b, " (%zu field%s, %s patch, resourceVersion %s)\n",
				   n, n == 1 ? "" : "s",
				   type == KD_KUBE_PATCH_STRATEGIC ? "strategic merge" : "merge",
				   a->resource_version ? a->resource_version : "-");
	if (rc == 0)
		rc = preview_body(&b, patch, res->kind);
	if (rc == 0)
		rc = set_preview(a, &b);
	if (rc < 0) {
		drop_last(plan);
		goto cleanup;
	}
	a->body = patch;
	patch = NULL;
cleanup:
	free(la);
	kd_buf_free(&b);
	json_decref(target);
	json_decref(patch);
	return rc;
}

int kd_remedy_plan_fields(kd_remedy_plan *plan, const char *app,
			  const kd_resource *res, const char *const *pointers,
			  size_t npointers)
{
	if (!plan || !res)
		return kd_error_set(KD_EINVAL, "no plan or resource");
	if (res->status != KD_STATUS_DRIFTED && res->status != KD_STATUS_BREAKGLASS)
		return kd_error_set(KD_EINVAL, "%s %s is %s, not drifted: no fields to revert",
				    res->kind, res->name, kd_status_name(res->status));
	return plan_patch(plan, app, res, pointers, npointers);
}

/* The desired object as it will be created: tracking label added unless
 * it already has tracking metadata, server-owned fields dropped. */
static int creation_body(json_t **out, const char *app, const json_t *desired)
{
	json_t *o = json_deep_copy(desired), *meta, *labels;

	*out = NULL;
	if (!o)
		return oom();
	json_object_del(o, "status");
	kd_server_metadata_strip(o);
	meta = kd_json_obj(o, "metadata");
	if (app && meta && !kd_remedy_has_tracking(o)) {
		labels = kd_json_obj(meta, "labels");
		if ((!labels && (!(labels = json_object()) ||
				 json_object_set_new(meta, "labels", labels) < 0)) ||
		    json_object_set_new(labels, KD_REMEDY_APP_LABEL, json_string(app)) < 0) {
			json_decref(o);
			return oom();
		}
	}
	*out = o;
	return 0;
}

static int plan_create(kd_remedy_plan *plan, const char *app, const kd_resource *res)
{
	kd_remedy_action *a;
	kd_buf b = KD_BUF_INIT;
	json_t *body = NULL;
	int rc;

	if (!res->desired)
		return kd_error_set(KD_EINVAL, "%s %s: no desired object to create",
				    res->kind, res->name);
	/* a chart's object is tracked by Helm's ownership metadata instead */
	if ((rc = creation_body(&body, res->helm_chart ? NULL : app, res->desired)) < 0 ||
	    (rc = kd_remedy_helm_metadata(body, res)) < 0) {
		json_decref(body);
		return rc;
	}
	if ((rc = add_action(&a, plan, KD_REMEDY_CREATE, app, res)) < 0) {
		json_decref(body);
		return rc;
	}
	/* A create has no precondition but the object's absence. */
	free(a->resource_version);
	a->resource_version = NULL;
	free(a->uid);
	a->uid = NULL;
	rc = preview_header(&b, "create", plan, a);
	if (rc == 0)
		rc = kd_buf_puts(&b, "\n");
	if (rc == 0)
		rc = preview_body(&b, body, res->kind);
	if (rc == 0)
		rc = set_preview(a, &b);
	kd_buf_free(&b);
	if (rc < 0) {
		json_decref(body);
		drop_last(plan);
		return rc;
	}
	a->body = body;
	return 0;
}

static int plan_prune(kd_remedy_plan *plan, const char *app, const kd_resource *res)
{
	kd_remedy_action *a;
	kd_buf b = KD_BUF_INIT;
	int rc;

	if ((rc = add_action(&a, plan, KD_REMEDY_PRUNE, app, res)) < 0)
		return rc;
	if (!a->uid || !a->resource_version) {
		drop_last(plan);
		return skip_resource(plan, res, "no uid and resourceVersion to delete it safely");
	}
	rc = preview_header(&b, "prune (delete)", plan, a);
	if (rc == 0)
		rc = kd_buf_printf(&b, " only if still uid %s at resourceVersion %s\n",
				   a->uid, a->resource_version);
	if (rc == 0)
		rc = set_preview(a, &b);
	kd_buf_free(&b);
	if (rc < 0)
		drop_last(plan);
	return rc;
}

static bool under_breakglass(const kd_resource *res)
{
	return res->status == KD_STATUS_BREAKGLASS ||
	       json_object_get(kd_json_obj(kd_json_obj(res->live, "metadata"), "annotations"),
			       KD_REMEDY_BREAKGLASS_ANNOTATION) != NULL;
}

static int plan_one(kd_remedy_plan *plan, const char *app, const kd_resource *res,
		    const kd_remedy_plan_opts *opts, bool quiet)
{
	kd_buf why = KD_BUF_INIT;
	int rc = 0;

	if (opts && opts->self_heal && opts->followup) {
		bool held = kd_heal_followup_holds(opts->followup, plan->cluster, res, &why);

		if (held)
			rc = skip_resource(plan, res, kd_buf_cstr(&why));
		kd_buf_free(&why);
		if (held)
			return rc;
	} else if (opts && opts->self_heal && under_breakglass(res)) {
		return skip_resource(plan, res, "changed under break-glass and awaiting "
				     "follow-up: self-heal leaves it alone");
	}
	switch (res->status) {
	case KD_STATUS_DRIFTED:
	case KD_STATUS_BREAKGLASS:
		return plan_patch(plan, app, res, NULL, 0);
	case KD_STATUS_MISSING:
		if (opts && opts->no_create)
			return quiet ? 0 : skip_resource(plan, res, "creating is not part of this plan");
		return plan_create(plan, app, res);
	case KD_STATUS_EXTRA:
		if (opts && opts->prune)
			return plan_prune(plan, app, res);
		return skip_resource(plan, res, "extra object left in place: prune is off "
				     "in this cluster's policy");
	case KD_STATUS_SYNCED:
		return quiet ? 0 : skip_resource(plan, res, "already synced");
	default:
		rc = kd_buf_printf(&why, "state unknown: %s",
				   res->reason ? res->reason : "no reason given");
		if (rc == 0)
			rc = skip_resource(plan, res, kd_buf_cstr(&why));
		kd_buf_free(&why);
		return rc;
	}
}

int kd_remedy_plan_object(kd_remedy_plan *plan, const char *app,
			  const kd_resource *res, const kd_remedy_plan_opts *opts)
{
	if (!plan || !res)
		return kd_error_set(KD_EINVAL, "no plan or resource");
	return plan_one(plan, app, res, opts, false);
}

int kd_remedy_plan_app(kd_remedy_plan *plan, const kd_app_state *app,
		       const kd_remedy_plan_opts *opts)
{
	kd_buf what = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	if (!plan || !app)
		return kd_error_set(KD_EINVAL, "no plan or app");
	if (app->reason) {
		rc = kd_buf_printf(&what, "app %s", app->name);
		if (rc == 0)
			rc = add_skip(plan, kd_buf_cstr(&what), app->reason);
		kd_buf_free(&what);
		return rc;
	}
	for (i = 0; i < app->nresources && rc == 0; i++) {
		rc = plan_one(plan, app->name, &app->resources[i], opts, true);
		if (rc < 0) {
			kd_buf_free(&what);
			return kd_error_wrap(rc, "app %s: ", app->name);
		}
	}
	return rc;
}

int kd_remedy_plan_cluster(kd_remedy_plan *plan, const kd_cluster_state *cluster,
			   const kd_remedy_plan_opts *opts)
{
	kd_buf what = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	if (!plan || !cluster)
		return kd_error_set(KD_EINVAL, "no plan or cluster");
	if (!cluster->reachable || cluster->reason) {
		rc = kd_buf_printf(&what, "cluster %s", cluster->name);
		if (rc == 0)
			rc = add_skip(plan, kd_buf_cstr(&what),
				      cluster->reason ? cluster->reason : "unreachable");
		kd_buf_free(&what);
		return rc;
	}
	for (i = 0; i < cluster->napps && rc == 0; i++)
		rc = kd_remedy_plan_app(plan, &cluster->apps[i], opts);
	return rc;
}

int kd_remedy_plan_preview(kd_buf *out, const kd_remedy_plan *plan)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < plan->nactions && rc == 0; i++) {
		if (i > 0)
			rc = kd_buf_puts(out, "---\n");
		if (rc == 0)
			rc = kd_buf_puts(out, plan->actions[i].preview);
	}
	if (rc == 0 && plan->nactions == 0)
		rc = kd_buf_printf(out, "# nothing to change on cluster %s\n", plan->cluster);
	for (i = 0; i < plan->nskipped && rc == 0; i++)
		rc = kd_buf_printf(out, "# skipped %s: %s\n", plan->skipped[i].what,
				   plan->skipped[i].reason);
	return rc;
}
