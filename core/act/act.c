/*
 * act — opening connections and driving revert, accept and break-glass
 * changes for the CLI and the UI (see act.h).
 */
#include "act/act.h"
#include "act_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "kube/kube.h"

#define PRUNE_OFF_PREFIX "extra object left in place: prune is off"

struct kd_act {
	char *cluster;
	const kd_fleet *fleet;
	kd_kubeconfig *kc;
	bool kc_borrowed;         /* kc is opts.kubeconfig_loaded */
	kd_kube_driver *drv;
	kd_kube_conn *conn;
	bool breakglass;
	char *audit_path;
	char *audit_key_file;
	char *state_path;
	char *user;
	char *session;
};

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static int dup_opt(char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return oom();
	return 0;
}

int kd_act_open(kd_act **out, const kd_fleet *fleet, const char *cluster,
		const kd_act_opts *opts)
{
	static const kd_act_opts none;
	const kd_act_opts *o = opts ? opts : &none;
	const kd_cluster *fc;
	kd_kube_target *t = NULL;
	kd_kube_options ko;
	kd_act *a = NULL;
	int rc;

	*out = NULL;
	if (!fleet || !cluster)
		return kd_error_set(KD_EINVAL, "act: a fleet and a cluster are needed");
	fc = kd_fleet_cluster(fleet, cluster);
	if (!fc)
		return kd_error_set(KD_ENOTFOUND, "the fleet has no cluster '%s'", cluster);
	a = calloc(1, sizeof(*a));
	if (!a)
		return oom();
	a->fleet = fleet;
	a->breakglass = o->breakglass;
	if (!(a->cluster = strdup(cluster))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = dup_opt(&a->audit_path, o->audit_path)) < 0 ||
	    (rc = dup_opt(&a->audit_key_file, o->audit_key_file ? o->audit_key_file :
			  kd_audit_key_file_pick(fleet->audit_key_file))) < 0 ||
	    (rc = dup_opt(&a->state_path, o->state_path)) < 0 ||
	    (rc = dup_opt(&a->user, o->user)) < 0 ||
	    (rc = dup_opt(&a->session, o->session)) < 0)
		goto cleanup;
	if (o->kubeconfig_loaded) {
		a->kc = (kd_kubeconfig *)o->kubeconfig_loaded;
		a->kc_borrowed = true;
	} else if ((rc = kd_kubeconfig_load(&a->kc, o->kubeconfig)) < 0) {
		goto cleanup;
	}
	if ((rc = kd_kube_driver_new(&a->drv)) < 0)
		goto cleanup;
	if (o->breakglass) {
		rc = kd_breakglass_conn_new(&a->conn, a->drv, fleet, fc, a->kc);
	} else {
		kd_kube_options_init(&ko);
		if (o->timeout_ms > 0)
			ko.deadline_ms = o->timeout_ms;
		if ((rc = kd_kube_target_new(&t, a->kc, o->context ? o->context :
					     fc->context ? fc->context : fc->name)) == 0)
			rc = kd_kube_conn_new(&a->conn, a->drv, t, fc->name, &ko);
	}
	if (rc < 0)
		goto cleanup;
	*out = a;
	a = NULL;
cleanup:
	kd_act_close(a);
	return rc;
}

void kd_act_close(kd_act *a)
{
	if (!a)
		return;
	kd_kube_conn_free(a->conn);
	kd_kube_driver_free(a->drv);
	if (!a->kc_borrowed)
		kd_kubeconfig_free(a->kc);
	free(a->cluster);
	free(a->audit_path);
	free(a->audit_key_file);
	free(a->state_path);
	free(a->user);
	free(a->session);
	free(a);
}

const char *kd_act_cluster(const kd_act *a)
{
	return a->cluster;
}

const char *kd_act_context(const kd_act *a)
{
	const kd_kube_target *t = kd_kube_conn_target(a->conn);

	return t && t->context ? t->context : "";
}

int kd_act_get(json_t **out, kd_act *a, const char *api_version,
	       const char *kind, const char *namespace, const char *name)
{
	const kd_kube_resource *r;
	const char *slash;
	char *group = NULL;
	kd_kube_ref ref;
	int rc;

	*out = NULL;
	if (!api_version || !kind || !name)
		return kd_error_set(KD_EINVAL, "act: apiVersion, kind and name are needed");
	if (!kd_kube_discovered(a->conn) && (rc = kd_kube_discover_sync(a->conn)) < 0)
		return rc;
	slash = strchr(api_version, '/');
	if (slash && !(group = strndup(api_version, (size_t)(slash - api_version))))
		return oom();
	rc = kd_kube_lookup(&r, a->conn, group ? group : "", slash ? slash + 1 : api_version, kind);
	free(group);
	if (rc < 0)
		return rc;
	kd_kube_ref_for(&ref, r, namespace && *namespace ? namespace : NULL, name);
	return kd_kube_get_sync(out, a->conn, &ref);
}

int kd_act_hpa_of(char **out, kd_act *a, const json_t *live)
{
	static const char *const versions[] = { "v2", "v1" };
	const char *ns = kd_json_str(kd_json_obj(live, "metadata"), "namespace");
	const kd_kube_resource *r = NULL;
	json_t *items = NULL;
	kd_kube_ref ref;
	size_t i;
	int rc;

	*out = NULL;
	if (!kd_kube_discovered(a->conn) && kd_kube_discover_sync(a->conn) < 0)
		return 0;
	for (i = 0; i < 2 && !r; i++)
		if (kd_kube_lookup(&r, a->conn, "autoscaling", versions[i],
				   "HorizontalPodAutoscaler") < 0)
			r = NULL;
	if (!r)
		return 0;
	kd_kube_ref_for(&ref, r, ns && *ns ? ns : "default", NULL);
	if (kd_kube_list_sync(&items, NULL, a->conn, &ref, NULL) < 0)
		return 0;
	rc = kd_act_hpa_find(out, items, live);
	json_decref(items);
	return rc;
}

/* Whether r is named by the kind or plural `name` (any case) in `group`
 * (NULL: any group; "core" names the core group, as kubectl writes it). */
static bool resource_named(const kd_kube_resource *r, const char *name, size_t n,
			   const char *group)
{
	bool by_kind = strncasecmp(r->kind, name, n) == 0 && r->kind[n] == '\0';
	bool by_plural = strncasecmp(r->resource, name, n) == 0 && r->resource[n] == '\0';

	if (!by_kind && !by_plural)
		return false;
	if (!group)
		return true;
	return strcasecmp(r->group, group) == 0 || (!r->group[0] && strcasecmp(group, "core") == 0);
}

int kd_act_resolve_kind(char **api_version, char **kind, kd_act *a, const char *text)
{
	const kd_kube_resource *all, *found = NULL;
	const char *dot = text ? strchr(text, '.') : NULL;
	size_t i, count, n;
	kd_buf b = KD_BUF_INIT;
	int rc;

	*api_version = NULL;
	*kind = NULL;
	if (!text || !*text || (dot && (dot == text || !dot[1])))
		return kd_error_set(KD_EINVAL, "'%s' is not a kind (KIND, or KIND.GROUP)", text ? text : "");
	if (!kd_kube_discovered(a->conn) && (rc = kd_kube_discover_sync(a->conn)) < 0)
		return rc;
	n = dot ? (size_t)(dot - text) : strlen(text);
	all = kd_kube_resources(a->conn, &count);
	/* The preferred version of each group comes first: the first match of
	 * a group is the one to use; a match in a second group is ambiguous. */
	for (i = 0; i < count; i++) {
		if (!resource_named(&all[i], text, n, dot ? dot + 1 : NULL))
			continue;
		if (!found) {
			found = &all[i];
			continue;
		}
		if (strcmp(found->group, all[i].group) != 0) {
			return kd_error_set(KD_EINVAL, "cluster %s serves '%s' in two groups (%s and %s): write %s.GROUP",
					    a->cluster, text, found->group[0] ? found->group : "core",
					    all[i].group[0] ? all[i].group : "core", text);
		}
	}
	if (!found)
		return kd_error_set(KD_ENOTFOUND, "cluster %s does not serve the kind '%s'", a->cluster, text);
	if ((found->group[0] ? kd_buf_printf(&b, "%s/%s", found->group, found->version) :
	     kd_buf_puts(&b, found->version)) < 0 || !(*kind = strdup(found->kind))) {
		kd_buf_free(&b);
		return oom();
	}
	*api_version = kd_buf_detach(&b);
	return 0;
}

/* ---- targets ---------------------------------------------------------------- */

static bool same_ns(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether r is the target's kind: "Deployment" (any group) or, as kubectl
 * writes it, "Deployment.apps" (that group only; "ConfigMap.core" for the
 * core group).  Kinds hold no '.'. */
static bool kind_matches(const kd_resource *r, const char *kind)
{
	const char *dot = strchr(kind, '.');
	size_t n = dot ? (size_t)(dot - kind) : strlen(kind);
	char group[256];

	if (strncasecmp(r->kind, kind, n) != 0 || r->kind[n] != '\0')
		return false;
	if (!dot)
		return true;
	kd_api_group(group, sizeof(group), r->api_version);
	return strcasecmp(group[0] ? group : "core", dot + 1) == 0;
}

static void group_of(char out[256], const kd_resource *r)
{
	kd_api_group(out, 256, r->api_version);
	if (!out[0])
		snprintf(out, 256, "core");
}

int kd_act_find(const kd_app_state **app_out, const kd_resource **res_out,
		const kd_cluster_state *st, const kd_act_target *t)
{
	const kd_app_state *app = NULL;
	const kd_resource *res = NULL;
	size_t i;

	if (app_out)
		*app_out = NULL;
	if (res_out)
		*res_out = NULL;
	if (!st || !t)
		return kd_error_set(KD_EINVAL, "act: nothing to look in");
	if (t->app) {
		app = kd_cluster_state_app(st, t->app);
		if (!app)
			return kd_error_set(KD_ENOTFOUND, "cluster %s has no app '%s'",
					    st->name, t->app);
	}
	if (t->kind) {
		if (!app || !t->name)
			return kd_error_set(KD_EINVAL, "act: an object needs its app and name");
		for (i = 0; i < app->nresources; i++) {
			const kd_resource *r = &app->resources[i];
			kd_object_id a, b;
			char ga[256], gb[256];

			if (!kind_matches(r, t->kind) || !same_ns(r->namespace, t->namespace) ||
			    strcmp(r->name, t->name) != 0)
				continue;
			if (!res) {
				res = r;
				continue;
			}
			a = (kd_object_id){ res->api_version, res->kind, res->namespace, res->name };
			b = (kd_object_id){ r->api_version, r->kind, r->namespace, r->name };
			if (kd_object_id_equal(&a, &b))
				continue;
			/* The same kind and name in two API groups: say which. */
			group_of(ga, res);
			group_of(gb, r);
			return kd_error_set(KD_EINVAL, "app %s on cluster %s has a %s %s in the groups %s "
					    "and %s: name the group, as in %s.%s", app->name, st->name,
					    r->kind, r->name, ga, gb, r->kind, gb);
		}
		if (!res)
			return kd_error_set(KD_ENOTFOUND, "app %s on cluster %s has no %s %s%s%s",
					    app->name, st->name, t->kind,
					    t->namespace && *t->namespace ? t->namespace : "",
					    t->namespace && *t->namespace ? "/" : "", t->name);
	}
	if (app_out)
		*app_out = app;
	if (res_out)
		*res_out = res;
	return 0;
}

/* ---- revert ----------------------------------------------------------------- */

static bool has_objects(const kd_resource *r)
{
	switch (r->status) {
	case KD_STATUS_DRIFTED:
	case KD_STATUS_BREAKGLASS:
		return r->desired && r->live;
	case KD_STATUS_MISSING:
		return r->desired != NULL;
	case KD_STATUS_EXTRA:
		return r->live != NULL;
	default:
		return true;
	}
}

static int check_objects(const kd_cluster_state *st, const kd_app_state *app,
			 const kd_resource *res)
{
	size_t i, j;

	for (i = 0; i < st->napps; i++) {
		const kd_app_state *ap = &st->apps[i];

		if (app && ap != app)
			continue;
		for (j = 0; j < ap->nresources; j++) {
			const kd_resource *r = &ap->resources[j];

			if (res && r != res)
				continue;
			if (!has_objects(r))
				return kd_error_set(KD_EINVAL, "cluster %s: the state has no objects "
						    "to plan with (published with statuses only)",
						    st->name);
		}
	}
	return 0;
}

/* The remedy module says "prune is off in this cluster's policy" for every
 * extra object left alone; when the policy allows it and only the caller
 * did not ask, say so instead. */
static int reword_prune_skips(kd_remedy_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nskipped; i++) {
		kd_remedy_skip *s = &plan->skipped[i];
		char *r;

		if (strncmp(s->reason, PRUNE_OFF_PREFIX, strlen(PRUNE_OFF_PREFIX)) != 0)
			continue;
		r = strdup("extra object left in place: prune was not asked for");
		if (!r)
			return oom();
		free(s->reason);
		s->reason = r;
	}
	return 0;
}

int kd_act_plan_revert(kd_remedy_plan **out, const kd_cluster_state *st,
		       const kd_act_target *t, bool prune, bool self_heal)
{
	kd_remedy_plan_opts po = { .prune = prune, .self_heal = self_heal };

	return kd_act_plan_with(out, st, t, &po);
}

int kd_act_plan_with(kd_remedy_plan **out, const kd_cluster_state *st,
		     const kd_act_target *t, const kd_remedy_plan_opts *opts)
{
	kd_remedy_plan_opts po = *opts;
	bool prune = opts->prune;
	const kd_app_state *app = NULL;
	const kd_resource *res = NULL;
	kd_remedy_plan *plan = NULL;
	static const kd_act_target all;
	int rc;

	*out = NULL;
	if (!st)
		return kd_error_set(KD_EINVAL, "act: no cluster state");
	po.prune = prune && st->prune;
	if (!t)
		t = &all;
	if ((rc = kd_act_find(&app, &res, st, t)) < 0 ||
	    (rc = check_objects(st, app, res)) < 0 ||
	    (rc = kd_remedy_plan_new(&plan, st->name)) < 0)
		return rc;
	if (res && t->npointers > 0)
		rc = kd_remedy_plan_fields(plan, app->name, res, t->pointers, t->npointers);
	else if (res)
		rc = kd_remedy_plan_object(plan, app->name, res, &po);
	else if (app)
		rc = kd_remedy_plan_app(plan, app, &po);
	else
		rc = kd_remedy_plan_cluster(plan, st, &po);
	if (rc == 0 && st->prune && !prune)
		rc = reword_prune_skips(plan);
	if (rc < 0) {
		kd_remedy_plan_free(plan);
		return rc;
	}
	*out = plan;
	return 0;
}

int kd_act_preview(kd_buf *out, const kd_remedy_plan *plan)
{
	return kd_remedy_plan_preview(out, plan);
}

int kd_act_revert(kd_act *a, kd_remedy_plan *plan, const kd_act_revert_opts *o)
{
	static const kd_act_revert_opts none;
	kd_remedy_exec_opts eo;

	if (!o)
		o = &none;
	if (!plan || strcmp(plan->cluster, a->cluster) != 0)
		return kd_error_set(KD_EINVAL, "act: the plan is for cluster %s, the connection "
				    "for %s", plan ? plan->cluster : "?", a->cluster);
	memset(&eo, 0, sizeof(eo));
	eo.self_heal = o->self_heal;
	eo.dry_run = o->dry_run;
	eo.confirm_prune = o->confirm_prune;
	eo.audit_path = a->audit_path;
	eo.audit_key_file = a->audit_key_file;
	eo.user = a->user;
	eo.session = a->session;
	eo.reason = o->reason;
	eo.ticket = o->ticket;
	eo.revision = o->revision;
	return kd_remedy_execute(plan, a->conn, &eo);
}

/* ---- accept ----------------------------------------------------------------- */

static bool selected(const char *path, const char *const *ptrs, size_t n)
{
	size_t i, l;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++) {
		l = strlen(ptrs[i]);
		if (strcmp(ptrs[i], "") == 0 || strcmp(ptrs[i], "/") == 0)
			return true;
		if (strncmp(path, ptrs[i], l) == 0 && (path[l] == '\0' || path[l] == '/'))
			return true;
	}
	return false;
}

/* The accepted fields as pointers into live (the diff's live paths, or the
 * desired path for a field only Git has).  Borrowed strings. */
static int accept_fields(const char ***out, size_t *n, const kd_resource *res,
			 const char *const *ptrs, size_t nptrs)
{
	const kd_diff_result *d = res->diff;
	const char **f = NULL;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!d || d->nfields == 0) {
		if (nptrs > 0)
			return kd_error_set(KD_EINVAL, "%s %s has no drifted fields to select from",
					    res->kind, res->name);
		return 0;
	}
	f = calloc(d->nfields, sizeof(*f));
	if (!f)
		return oom();
	for (i = 0; i < d->nfields; i++) {
		const kd_diff_field *df = &d->fields[i];

		if (selected(df->path, ptrs, nptrs) ||
		    (df->live_path && selected(df->live_path, ptrs, nptrs)))
			f[k++] = df->live_path ? df->live_path : df->path;
	}
	if (k == 0) {
		free(f);
		return kd_error_set(KD_ENOTFOUND, "%s %s: %s selects no drifted field",
				    res->kind, res->name, ptrs[0]);
	}
	*out = f;
	*n = k;
	return 0;
}

/* The outcome record of an accept; when it cannot be written after the
 * commit was published, the result's note says so. */
static int accept_outcome(kd_act_git_audit *ga, int rc, kd_accept_result *res)
{
	kd_buf note = KD_BUF_INIT;
	kd_buf msg = KD_BUF_INIT;
	int arc;

	if (rc == 0 && kd_buf_printf(&msg, "committed %s to %s%s%s", res->file, res->branch,
				     res->note ? ": " : "", res->note ? res->note : "") < 0) {
		kd_buf_free(&msg);
		return oom();
	}
	arc = kd_act_git_audit_end(ga, rc, rc == 0 ? res->branch : NULL,
				   rc == 0 ? res->commit : NULL, kd_buf_cstr(&msg));
	kd_buf_free(&msg);
	if (arc < 0 && rc == 0) {
		if (kd_buf_printf(&note, "%s%sthe audit outcome could not be written: %s",
				  res->note ? res->note : "", res->note ? "; " : "",
				  kd_error_last()) == 0) {
			free(res->note);
			res->note = kd_buf_detach(&note);
		}
		kd_buf_free(&note);
	}
	return arc;
}

int kd_act_accept(kd_accept_result **out, const kd_fleet *fleet,
		  const char *cluster, const kd_act_accept_req *req)
{
	const char **fields = NULL;
	kd_accept_opts ao;
	kd_diff_opts dopts;
	kd_act_git_audit ga;
	kd_audit_log log;
	size_t nfields = 0;
	int rc;

	*out = NULL;
	memset(&ga, 0, sizeof(ga));
	if (!fleet || !cluster || !req || !req->res || !req->app)
		return kd_error_set(KD_EINVAL, "act: accept needs a fleet, cluster, app and object");
	if (!req->res->desired && !req->res->live)
		return kd_error_set(KD_EINVAL, "%s %s: the state has no objects to accept "
				    "(published with statuses only)", req->res->kind, req->res->name);
	/* A missing object is accepted as absent and an extra one as it is:
	 * a pointer would otherwise be dropped without a word. */
	if (!(req->res->desired && req->res->live) && req->npointers > 0)
		return kd_error_set(KD_EINVAL, "%s %s is %s: accept whole objects as missing or extra, "
				    "not the field %s", req->res->kind, req->res->name,
				    req->res->live ? "extra" : "missing",
				    req->pointers && req->pointers[0] ? req->pointers[0] : "");
	if ((rc = kd_act_helm_accept_check(req->res, req->pointers, req->npointers)) < 0)
		return rc;
	if (req->res->desired && req->res->live &&
	    (rc = accept_fields(&fields, &nfields, req->res, req->pointers, req->npointers)) < 0)
		return rc;
	memset(&ao, 0, sizeof(ao));
	ao.repo = req->repo;
	ao.fleet = fleet;
	ao.cluster = cluster;
	ao.app = req->app;
	ao.desired = req->res->desired;
	ao.live = req->res->live;
	ao.fields = fields;
	ao.nfields = nfields;
	kd_fleet_diff_opts(&dopts, fleet);
	dopts.hpa_managed = req->res->hpa_managed;
	ao.diff_opts = &dopts;
	ao.reason = req->reason;
	ao.identity = req->identity;
	ao.branch = req->branch;
	ao.review_branch = req->review_branch;
	ao.no_push = req->no_push;
	ao.dry_run = req->dry_run;
	ao.to = req->to;
	ao.states = req->states;
	ao.nstates = req->nstates;
	if (req->dry_run) {
		rc = kd_accept_run(out, &ao);
		goto cleanup;
	}
	log.path = req->audit_path;
	log.key_file = req->audit_key_file ? req->audit_key_file :
		kd_audit_key_file_pick(fleet->audit_key_file);
	if ((rc = kd_act_git_audit_begin(&ga, &log, req->to ? KD_AUDIT_ACTION_PROMOTE :
					 KD_AUDIT_ACTION_ACCEPT, cluster,
					 req->res->live ? req->res->live : req->res->desired,
					 req->reason, req->review_branch ? req->review_branch :
					 req->branch, req->user, req->session)) < 0)
		goto cleanup;
	ao.trailers = kd_buf_cstr(&ga.trailers);
	rc = kd_accept_run(out, &ao);
	/* A failed outcome append leaves the commit standing; the note says. */
	(void)accept_outcome(&ga, rc, *out);
cleanup:
	kd_act_git_audit_free(&ga);
	free(fields);
	return rc;
}

/* ---- break-glass --------------------------------------------------------------- */

int kd_act_breakglass_apply(kd_act *a, kd_breakglass_change *ch, bool dry_run)
{
	kd_breakglass_opts bo;

	if (!a->breakglass)
		return kd_error_set(KD_EINVAL, "cluster %s: break-glass changes use the "
				    "break-glass credential (open the connection for break-glass)",
				    a->cluster);
	if (!ch || !ch->cluster || strcmp(ch->cluster, a->cluster) != 0)
		return kd_error_set(KD_EINVAL, "act: the change is not for cluster %s", a->cluster);
	memset(&bo, 0, sizeof(bo));
	bo.state_path = a->state_path;
	bo.audit_path = a->audit_path;
	bo.audit_key_file = a->audit_key_file;
	bo.user = a->user;
	return kd_breakglass_apply(ch, a->conn, &bo, dry_run);
}

/* One review: *allowed false only when the cluster said so. */
static int can_i(bool *allowed, kd_act *a, const char *verb, const kd_kube_resource *r,
		 const char *subresource, const char *namespace, const char *name)
{
	const kd_kube_resource *ssar;
	kd_kube_ref ref;
	json_t *review = NULL, *out = NULL;
	int rc;

	*allowed = true;
	if (kd_kube_lookup(&ssar, a->conn, "authorization.k8s.io", "v1",
			   "SelfSubjectAccessReview") < 0)
		return 0;   /* not served: the write will tell */
	review = json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:s, s:s?, s:s?, s:s?}}}",
			   "apiVersion", "authorization.k8s.io/v1", "kind", "SelfSubjectAccessReview",
			   "spec", "resourceAttributes", "verb", verb, "group", r->group,
			   "resource", r->resource, "subresource", subresource,
			   "namespace", namespace && *namespace ? namespace : NULL, "name", name);
	if (!review)
		return oom();
	kd_kube_ref_for(&ref, ssar, NULL, NULL);
	rc = kd_kube_create_sync(&out, a->conn, &ref, review, NULL);
	if (rc == KD_ENOMEM)
		goto cleanup;
	/* A review the cluster refuses or cannot answer says nothing. */
	*allowed = rc < 0 || !json_is_false(json_object_get(json_object_get(out, "status"), "allowed"));
	rc = 0;
cleanup:
	json_decref(review);
	json_decref(out);
	return rc;
}

int kd_act_breakglass_check(kd_act *a, kd_breakglass_kind kind, const json_t *live)
{
	const json_t *md = json_object_get(live, "metadata");
	const char *api = json_string_value(json_object_get(live, "apiVersion"));
	const char *k = json_string_value(json_object_get(live, "kind"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *verb = kind == KD_BREAKGLASS_DELETE ? "delete" : "patch";
	const kd_kube_resource *r;
	const char *slash;
	char *group = NULL;
	bool ok = true;
	int rc;

	if (!a->breakglass || !api || !k || !name)
		return 0;
	if (!kd_kube_discovered(a->conn) && kd_kube_discover_sync(a->conn) < 0)
		return 0;
	slash = strchr(api, '/');
	if (slash && !(group = strndup(api, (size_t)(slash - api))))
		return oom();
	rc = kd_kube_lookup(&r, a->conn, group ? group : "", slash ? slash + 1 : api, k);
	free(group);
	if (rc < 0)
		return 0;
	if (kind == KD_BREAKGLASS_SCALE && (rc = can_i(&ok, a, verb, r, "scale", ns, name)) < 0)
		return rc;
	if (ok && (rc = can_i(&ok, a, verb, r, NULL, ns, name)) < 0)
		return rc;
	if (ok)
		return 0;
	return kd_error_set(KD_ERROR, "cluster %s: the break-glass context %s may not %s %s%s \"%s\"%s%s "
			    "(Forbidden, said by the cluster); nothing was changed", a->cluster,
			    kd_act_context(a), verb, r->resource,
			    kind == KD_BREAKGLASS_SCALE ? "/scale" : "", name,
			    ns ? " in namespace " : "", ns ? ns : "");
}
