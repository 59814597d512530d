/*
 * uiact — revert and accept from the tree or the diff pane, and the
 * dispatch of every acting action (see uiact.h; break-glass is in
 * breakglass.c).
 *
 * What an action works on follows the cursor: in the diff pane the change
 * under it (one field), in the tree the object, app or cluster selected.
 * Planning a revert never talks to a cluster, so its preview is built here;
 * everything that does (the revert itself, an accept, which fetches and
 * pushes) runs on the worker through core/act/act.h.  Promote (from the
 * compare view) is an accept into a shared layer and shares its job.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/act.h"
#include "diffview.h"
#include "base/base.h"
#include "uiact.h"
#include "uiact_priv.h"

int kd_uiact_init(kd_ui *ui)
{
	kd_breakglass_session *s = NULL;

	if (!(ui->act = calloc(1, sizeof(*ui->act))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	/* A session another kdrift started is this one's too. */
	if (kd_breakglass_load(&s, NULL) == 0 && kd_breakglass_active(s, kd_audit_now_ms()))
		ui->act->session = s;
	else
		kd_breakglass_session_free(s);
	return 0;
}

void kd_uiact_free(kd_ui *ui)
{
	kd_uiact *act = ui->act;

	if (!act)
		return;
	kd_worker_finish(ui);
	kd_dialog_free(act->dialog);
	if (act->pipe_open) {
		close(act->pipe[0]);
		close(act->pipe[1]);
	}
	kd_breakglass_session_free(act->session);
	kd_audit_list_free(act->followup);
	kd_audit_list_free(act->audit);
	free(act->audit_cluster);
	free(act->audit_action);
	kd_buf_free(&act->audit_status);
	kd_selfheal_free(act);
	free(act);
	ui->act = NULL;
}

/* --- targets ---------------------------------------------------------------- */

void kd_target_free(kd_target *t)
{
	if (!t)
		return;
	kd_cluster_state_unref(t->st);
	free(t->cluster);
	free(t->app);
	free(t->pointer);
	kd_buf_free(&t->label);
	free(t);
}

static int target_fill(kd_target *t, kd_cluster_state *st, const kd_app_state *app,
		       const kd_resource *res)
{
	t->st = kd_cluster_state_ref(st);
	t->appst = app;
	t->res = res;
	if (!(t->cluster = strdup(st->name)) || (app && !(t->app = strdup(app->name))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (res)
		return kd_remedy_describe(&t->label, res->kind, res->namespace, res->name);
	if (app)
		return kd_buf_printf(&t->label, "app %s", app->name);
	return kd_buf_printf(&t->label, "every app");
}

/* The field under the diff pane's cursor, found in the snapshots the pane
 * holds (by identity: the pane's rows point into them). */
static int target_of_diff(kd_target *t, kd_ui *ui)
{
	kd_diffview *d = ui->diff;
	const kd_diff_field *f = NULL;
	size_t i, a, r, k;

	if (d->cursor < d->nlines && d->lines[d->cursor].type != KD_DROW_FOLD)
		f = d->rows[d->lines[d->cursor].row].field;
	if (!f)
		return kd_error_set(KD_ENOTFOUND, "the cursor is not on a change (] jumps to the next)");
	for (i = 0; i < d->nrefs; i++) {
		kd_cluster_state *st = d->refs[i];

		for (a = 0; st && a < st->napps; a++)
			for (r = 0; r < st->apps[a].nresources; r++) {
				const kd_resource *res = &st->apps[a].resources[r];

				for (k = 0; res->diff && k < res->diff->nfields; k++)
					if (&res->diff->fields[k] == f) {
						if (!(t->pointer = strdup(f->path)))
							return kd_error_set(KD_ENOMEM, "out of memory");
						if (target_fill(t, st, &st->apps[a], res) < 0)
							return KD_ENOMEM;
						return kd_buf_printf(&t->label, " field %s", f->path);
					}
			}
	}
	return kd_error_set(KD_ENOTFOUND, "the change under the cursor is no longer shown");
}

/* A cluster shown from its agent's report has no objects to act on: the
 * engine reads it directly from now on, and the action is asked again
 * once its objects show. */
static int from_report(kd_target *t, kd_ui *ui)
{
	if (!t->st || !t->st->from_reports)
		return 0;
	if (ui->read_live_fn)
		ui->read_live_fn(ui->engine, t->cluster);
	return kd_error_set(KD_EINVAL, "%s is shown from its agent's report: reading it directly "
			    "now; act again once its objects show", t->cluster);
}

int kd_target_selected(kd_target **out, kd_ui *ui)
{
	kd_target *t = calloc(1, sizeof(*t));
	const kd_node *n;
	kd_cluster_state *st;
	int rc;

	*out = NULL;
	if (!t)
		return kd_error_set(KD_ENOMEM, "out of memory");
	/* In the diff pane: the change under the cursor; elsewhere in the pane
	 * (a header, unchanged lines) the object the tree has selected. */
	if (ui->focus_diff && ui->diff && (rc = target_of_diff(t, ui)) != KD_ENOTFOUND)
		goto done;
	n = kd_model_selected(&ui->model);
	if (!n) {
		rc = kd_error_set(KD_ENOTFOUND, "nothing is selected");
		goto done;
	}
	if (n->cluster == KD_NONE) {
		rc = kd_error_set(KD_EINVAL, "select the app under one cluster (an action works on one cluster)");
		goto done;
	}
	if (n->level == KD_LEVEL_UNMANAGED || n->level == KD_LEVEL_UNMANAGED_OBJECT) {
		rc = kd_error_set(KD_EINVAL, "an object made by hand belongs to no app: add it to Git, or delete it under break-glass");
		goto done;
	}
	st = ui->model.states[n->cluster];
	if (!st || !st->reachable) {
		rc = kd_error_set(KD_EINVAL, "cluster %s is not reachable", n->cluster_name);
		goto done;
	}
	rc = target_fill(t, st, n->level == KD_LEVEL_CLUSTER ? NULL : &st->apps[n->app],
			 n->level == KD_LEVEL_OBJECT ? n->obj : NULL);
done:
	if (rc == 0)
		rc = from_report(t, ui);
	if (rc < 0) {
		kd_target_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void kd_target_act(kd_act_target *kt, const kd_target *t)
{
	memset(kt, 0, sizeof(*kt));
	kt->app = t->app;
	if (t->res) {
		kt->kind = t->res->kind;
		kt->namespace = t->res->namespace;
		kt->name = t->res->name;
	}
	if (t->pointer) {
		kt->pointers = (const char *const *)&t->pointer;
		kt->npointers = 1;
	}
}

void kd_uiact_outcome(kd_ui *ui, kd_job *job, const char *cluster, const char *done_fmt)
{
	if (job->rc == KD_ECONFLICT) {
		kd_ui_message(ui, KD_LOG_WARN, "%s: changed since it was shown; refreshed %s review and try again",
			      cluster, kd_glyph(ui, "—", "-"));
	} else if (job->rc < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "%s failed: %s", job->what, kd_buf_cstr(&job->msg));
	} else {
		kd_ui_message(ui, KD_LOG_INFO, done_fmt, kd_buf_cstr(&job->msg));
	}
	if (ui->refresh_fn && cluster)
		ui->refresh_fn(ui->engine, cluster);
}

void kd_job_error(kd_job *job, int rc)
{
	job->rc = rc;
	kd_buf_clear(&job->msg);
	kd_buf_puts(&job->msg, kd_error_last());
}

/* --- revert ----------------------------------------------------------------- */

typedef struct revert_job {
	kd_job job;
	kd_fleet *fleet;                 /* held: the planned snapshot's */
	const char *kubeconfig;
	kd_remedy_plan *plan;
	char *label;
} revert_job;

static void revert_free(kd_job *j)
{
	revert_job *r = (revert_job *)j;

	kd_remedy_plan_free(r->plan);
	kd_fleet_free(r->fleet);
	free(r->label);
	kd_buf_free(&j->msg);
	free(r);
}

static void revert_run(kd_job *j)
{
	revert_job *r = (revert_job *)j;
	kd_act *a = NULL;
	kd_act_opts o;
	kd_act_revert_opts ro;
	size_t i, ok = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&ro, 0, sizeof(ro));
	o.kubeconfig = r->kubeconfig;
	ro.confirm_prune = true;   /* the operator saw the deletions and confirmed */
	if ((rc = kd_act_open(&a, r->fleet, r->plan->cluster, &o)) < 0) {
		kd_job_error(j, rc);
		return;
	}
	rc = kd_act_revert(a, r->plan, &ro);
	if (rc < 0)
		kd_job_error(j, rc);
	for (i = 0; i < r->plan->nactions; i++)
		ok += r->plan->actions[i].done && r->plan->actions[i].error == 0;
	if (rc == 0)
		kd_buf_printf(&j->msg, "%s on %s (%zu write%s)", r->label, r->plan->cluster, ok,
			      ok == 1 ? "" : "s");
	kd_act_close(a);
}

static void revert_done(kd_ui *ui, kd_job *j)
{
	revert_job *r = (revert_job *)j;

	kd_uiact_outcome(ui, j, r->plan->cluster, "reverted %s");
}

static void revert_submit(kd_ui *ui, kd_dialog *d)
{
	revert_job *r = d->ctx;

	d->ctx = NULL;   /* the job owns it now */
	if (kd_worker_submit(ui, &r->job) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
		return;
	}
	kd_ui_message(ui, KD_LOG_INFO, "reverting %s on %s%s", r->label, r->plan->cluster,
		      kd_glyph(ui, "…", "..."));
}

static void revert_ctx_free(void *p)
{
	revert_free(p);
}

/* followup (may be NULL): the follow-up list the revert comes from; only
 * the fields the object's break-glass changes set are reverted then. */
static void act_revert(kd_ui *ui, const kd_audit_list *followup)
{
	kd_target *t = NULL;
	kd_act_target kt;
	revert_job *r = NULL;
	kd_dialog *d = NULL;
	kd_buf title = KD_BUF_INIT, note = KD_BUF_INIT;
	int rc;

	if (kd_target_selected(&t, ui) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "revert: %s", kd_error_last());
		return;
	}
	kd_target_act(&kt, t);
	if (!(r = calloc(1, sizeof(*r)))) {
		kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
		goto cleanup;
	}
	r->job.what = "revert";
	r->job.run = revert_run;
	r->job.done = revert_done;
	r->job.free = revert_free;
	r->fleet = kd_fleet_ref(t->st->fleet);
	r->kubeconfig = ui->kubeconfig;
	if (followup && t->res)
		rc = kd_act_plan_followup_revert(&r->plan, &note, t->st, &kt, followup);
	else
		rc = kd_act_plan_revert(&r->plan, t->st, &kt, true, false);
	if (rc < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "revert: %s", kd_error_last());
		revert_free(&r->job);
		goto cleanup;
	}
	if (r->plan->nactions == 0) {
		kd_ui_message(ui, KD_LOG_INFO, "revert: nothing to write for %s on %s%s%s",
			      kd_buf_cstr(&t->label), t->cluster, r->plan->nskipped ? ": " : "",
			      r->plan->nskipped ? r->plan->skipped[0].reason : "");
		revert_free(&r->job);
		goto cleanup;
	}
	if (note.len && kd_buf_puts(&title, "the break-glass change of ") == 0 &&
	    kd_buf_puts(&title, kd_buf_cstr(&t->label)) == 0)
		r->label = kd_buf_detach(&title);
	else
		r->label = strdup(kd_buf_cstr(&t->label));
	kd_buf_clear(&title);
	kd_buf_printf(&title, "Revert %s on cluster %s to Git %s %zu write%s", kd_buf_cstr(&t->label),
		      t->cluster, kd_glyph(ui, "—", "-"), r->plan->nactions,
		      r->plan->nactions == 1 ? "" : "s");
	if (!r->label) {
		revert_free(&r->job);
		kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
		goto cleanup;
	}
	/* On failure kd_dialog_new frees the job with it. */
	if (!(d = kd_dialog_new(kd_buf_cstr(&title), revert_submit, r, revert_ctx_free))) {
		kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
		goto cleanup;
	}
	if (kd_buf_puts(&d->body, kd_buf_cstr(&note)) < 0 ||
	    kd_act_plan_hpa_warning(&d->body, r->plan, t->st) < 0 ||
	    kd_act_preview(&d->body, r->plan) < 0 || kd_dialog_confirm_for(d, ui, t->cluster) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "revert: %s", kd_error_last());
		kd_dialog_free(d);
		goto cleanup;
	}
	kd_dialog_open(ui, d);
cleanup:
	kd_buf_free(&title);
	kd_buf_free(&note);
	kd_target_free(t);
}

void kd_uiact_revert_followup(kd_ui *ui)
{
	act_revert(ui, ui->act->followup);
}

/* --- accept ------------------------------------------------------------------ */

typedef struct accept_job {
	kd_job job;
	const char *repo;
	kd_target *t;                    /* its snapshot holds the fleet */
	char *reason, *review;
	bool dry_run;
	kd_accept_result *res;
	/* Promote (from the compare view): the shared layer, and every
	 * cluster's snapshot so the preview says who will drift. */
	bool promote;
	char *to;
	kd_cluster_state **states;
	size_t nstates;
} accept_job;

static void accept_free(kd_job *j)
{
	accept_job *a = (accept_job *)j;

	size_t i;

	kd_target_free(a->t);
	free(a->reason);
	free(a->review);
	free(a->to);
	for (i = 0; i < a->nstates; i++)
		kd_cluster_state_unref(a->states[i]);
	free(a->states);
	kd_accept_result_free(a->res);
	kd_buf_free(&j->msg);
	free(a);
}

static void accept_ctx_free(void *p)
{
	accept_free(p);
}

static void accept_run(kd_job *j)
{
	accept_job *a = (accept_job *)j;
	kd_act_accept_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.repo = a->repo;
	req.app = a->t->app;
	req.res = a->t->res;
	if (a->t->pointer) {
		req.pointers = (const char *const *)&a->t->pointer;
		req.npointers = 1;
	}
	req.reason = a->reason;
	req.review_branch = a->review;
	req.dry_run = a->dry_run;
	req.to = a->to;
	req.states = a->states;
	req.nstates = a->nstates;
	kd_accept_result_free(a->res);
	a->res = NULL;
	if ((rc = kd_act_accept(&a->res, a->t->st->fleet, a->t->cluster, &req)) < 0) {
		kd_job_error(j, rc);
		return;
	}
	if (!a->dry_run && a->promote)
		kd_buf_printf(&j->msg, "%s of %s into %s: commit %.7s on %s%s, %zu cluster%s changed in Git%s%s",
			      kd_buf_cstr(&a->t->label), a->t->cluster, a->to, a->res->commit,
			      a->res->branch ? a->res->branch : "?", a->res->pushed ? " (pushed)" : "",
			      a->res->naffected, a->res->naffected == 1 ? "" : "s",
			      a->res->note ? "; " : "", a->res->note ? a->res->note : "");
	else if (!a->dry_run)
		kd_buf_printf(&j->msg, "%s on %s: commit %.7s on %s%s, %s%s%s", kd_buf_cstr(&a->t->label),
			      a->t->cluster, a->res->commit, a->res->branch ? a->res->branch : "?",
			      a->res->pushed ? " (pushed)" : "", a->res->file ? a->res->file : "?",
			      a->res->note ? "; " : "", a->res->note ? a->res->note : "");
}

static void accept_submit(kd_ui *ui, kd_dialog *d);

/* A promote's clusters whose desired state changes, as the CLI lists them. */
static void promote_affected(kd_buf *b, const kd_accept_result *r)
{
	size_t i;

	if (r->naffected == 0) {
		kd_buf_puts(b, "no cluster's desired state changes\n");
		return;
	}
	kd_buf_puts(b, "clusters whose desired state changes:\n");
	for (i = 0; i < r->naffected; i++)
		kd_buf_printf(b, "  %s: %s\n", r->affected[i].cluster,
			      kd_promote_after_name(r->affected[i].after));
}

static void accept_done(kd_ui *ui, kd_job *j)
{
	accept_job *a = (accept_job *)j, *b;
	kd_dialog *d;
	kd_buf title = KD_BUF_INIT;

	if (!a->dry_run && j->rc == 0) {
		/* The commit is made: the engine renders it at once (the
		 * cluster's live objects are current; its desired state is not). */
		kd_uiact_outcome(ui, j, NULL, a->promote ? "promoted %s" : "accepted %s");
		if (ui->git_changed_fn)
			ui->git_changed_fn(ui->engine);
		return;
	}
	if (!a->dry_run || j->rc < 0) {
		kd_uiact_outcome(ui, j, a->dry_run ? NULL : a->t->cluster,
				 a->promote ? "promoted %s" : "accepted %s");
		return;
	}
	/* The preview is ready: confirm the real commit.  The job hands its
	 * target and inputs to a new one (this one is freed on return). */
	if (!(b = calloc(1, sizeof(*b)))) {
		kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
		return;
	}
	*b = *a;
	memset(&b->job.msg, 0, sizeof(b->job.msg));
	b->dry_run = false;
	b->res = NULL;
	a->t = NULL;
	a->reason = a->review = a->to = NULL;
	a->states = NULL;
	a->nstates = 0;
	if (b->promote)
		kd_buf_printf(&title, "Promote %s of cluster %s into %s", kd_buf_cstr(&b->t->label),
			      b->t->cluster, b->to);
	else
		kd_buf_printf(&title, "Accept %s on cluster %s into Git", kd_buf_cstr(&b->t->label),
			      b->t->cluster);
	if (!(d = kd_dialog_new(kd_buf_cstr(&title), accept_submit, b, accept_ctx_free))) {
		kd_buf_free(&title);
		kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
		return;
	}
	kd_buf_printf(&d->body, "commit to branch %s: %s\nreason: %s\n\n--- %s\n%s\n",
		      a->res->branch ? a->res->branch : "?", a->res->subject ? a->res->subject : "",
		      b->reason, a->res->file ? a->res->file : "", a->res->file_text ? a->res->file_text : "");
	if (a->res->kustomization)
		kd_buf_printf(&d->body, "--- %s\n%s\n", a->res->kustomization,
			      a->res->kustomization_text ? a->res->kustomization_text : "");
	if (b->promote)
		promote_affected(&d->body, a->res);
	if (kd_dialog_confirm_for(d, ui, b->t->cluster) < 0) {
		kd_dialog_free(d);
		kd_buf_free(&title);
		return;
	}
	kd_dialog_open(ui, d);
	kd_buf_free(&title);
}

static void accept_submit(kd_ui *ui, kd_dialog *d)
{
	accept_job *a = d->ctx;

	d->ctx = NULL;
	if (a->dry_run && a->promote) {
		if (!(a->to = strdup(kd_dialog_value(d, 0))) ||
		    !(a->reason = strdup(kd_dialog_value(d, 1)))) {
			accept_free(&a->job);
			kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
			return;
		}
	} else if (a->dry_run) {
		const char *reason = kd_dialog_value(d, 0), *review = kd_dialog_value(d, 1);

		if (!(a->reason = strdup(reason)) || (*review && !(a->review = strdup(review)))) {
			accept_free(&a->job);
			kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
			return;
		}
	}
	if (kd_worker_submit(ui, &a->job) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
		return;
	}
	kd_ui_message(ui, KD_LOG_INFO, "%s %s%s", a->dry_run ? "preparing the commit for" :
		      a->promote ? "promoting" : "accepting",
		      kd_buf_cstr(&a->t->label), kd_glyph(ui, "…", "..."));
}

static void act_accept(kd_ui *ui)
{
	kd_target *t = NULL;
	accept_job *a;
	kd_dialog *d;
	kd_buf title = KD_BUF_INIT;

	if (kd_target_selected(&t, ui) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "accept: %s", kd_error_last());
		return;
	}
	if (!t->res) {
		kd_ui_message(ui, KD_LOG_ERROR, "accept: select an object (or a change in the diff pane); "
			      "accepting writes one object's live values into Git");
		kd_target_free(t);
		return;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		kd_target_free(t);
		return;
	}
	a->job.what = "accept";
	a->job.run = accept_run;
	a->job.done = accept_done;
	a->job.free = accept_free;
	a->repo = ui->repo ? ui->repo : ".";
	a->t = t;
	a->dry_run = true;
	kd_buf_printf(&title, "Accept %s on cluster %s into Git", kd_buf_cstr(&t->label), t->cluster);
	if (!(d = kd_dialog_new(kd_buf_cstr(&title), accept_submit, a, accept_ctx_free))) {
		kd_buf_free(&title);
		return;
	}
	kd_buf_printf(&d->body, "The live values are written into the cluster's layer in %s,\n"
			       "committed with the reason and pushed.  A review branch gets the commit\n"
			       "instead of the branch the fleet follows.  The commit is shown before it is made.\n",
		      a->repo);
	d->no_confirm = true;
	if (kd_dialog_input_add(d, "reason", true, NULL) < 0 ||
	    kd_dialog_input_add(d, "review branch (optional)", false, NULL) < 0) {
		kd_dialog_free(d);
		kd_buf_free(&title);
		return;
	}
	kd_dialog_open(ui, d);
	kd_buf_free(&title);
}

/* --- promote ----------------------------------------------------------------- */

static bool read_only(kd_ui *ui, kd_action a);

void kd_uiact_promote(kd_ui *ui, const char *cluster, const kd_act_target *kt)
{
	kd_target *t = NULL;
	kd_cluster_state *st = NULL;
	const kd_app_state *app = NULL;
	const kd_resource *res = NULL;
	accept_job *a = NULL;
	kd_dialog *d = NULL;
	kd_buf title = KD_BUF_INIT;
	size_t i;

	if (read_only(ui, KD_ACT_PROMOTE))
		return;
	for (i = 0; i < ui->model.nstates; i++)
		if (ui->model.states[i] && strcmp(ui->model.states[i]->name, cluster) == 0)
			st = ui->model.states[i];
	if (!st || !st->reachable) {
		kd_ui_message(ui, KD_LOG_ERROR, "promote: cluster %s is not reachable", cluster);
		return;
	}
	/* The tree's newest snapshot, not the one the compare was built on. */
	if (kd_act_find(&app, &res, st, kt) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "promote: %s", kd_error_last());
		return;
	}
	if (!(t = calloc(1, sizeof(*t))) || !(a = calloc(1, sizeof(*a))) ||
	    !(a->states = calloc(ui->model.nstates ? ui->model.nstates : 1, sizeof(*a->states))) ||
	    target_fill(t, st, app, res) < 0 ||
	    (kt->npointers && !(t->pointer = strdup(kt->pointers[0]))) ||
	    (t->pointer && kd_buf_printf(&t->label, " field %s", t->pointer) < 0)) {
		kd_ui_message(ui, KD_LOG_ERROR, "promote: out of memory");
		kd_target_free(t);
		if (a)
			free(a->states);
		free(a);
		return;
	}
	for (i = 0; i < ui->model.nstates; i++)
		if (ui->model.states[i])
			a->states[a->nstates++] = kd_cluster_state_ref(ui->model.states[i]);
	a->job.what = "promote";
	a->job.run = accept_run;
	a->job.done = accept_done;
	a->job.free = accept_free;
	a->repo = ui->repo ? ui->repo : ".";
	a->t = t;
	a->dry_run = true;
	a->promote = true;
	kd_buf_printf(&title, "Promote %s of cluster %s into a shared layer", kd_buf_cstr(&t->label),
		      t->cluster);
	if (!(d = kd_dialog_new(kd_buf_cstr(&title), accept_submit, a, accept_ctx_free))) {
		kd_ui_message(ui, KD_LOG_ERROR, "promote: out of memory");
		goto cleanup;
	}
	kd_buf_printf(&d->body, "The live values go into a shared layer in %s (a directory the\n"
			       "cluster's kustomization reaches, e.g. an environment overlay), committed\n"
			       "with the reason.  Every cluster whose desired state changes is shown\n"
			       "before the commit is made.\n", a->repo);
	d->no_confirm = true;
	if (kd_dialog_input_add(d, "shared layer", true, NULL) < 0 ||
	    kd_dialog_input_add(d, "reason", true, NULL) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "promote: %s", kd_error_last());
		kd_dialog_free(d);
		goto cleanup;
	}
	kd_dialog_open(ui, d);
cleanup:
	kd_buf_free(&title);
}

/* --- dispatch ------------------------------------------------------------------ */

static bool read_only(kd_ui *ui, kd_action a)
{
	if (!ui->read_only && ui->engine)
		return false;
	kd_ui_message(ui, KD_LOG_WARN, "%s: %s", kd_action_name(a),
		      ui->read_only ? "kdrift runs read-only (--read-only)"
				    : "nothing to act on: the state comes from a file");
	return true;
}

bool kd_uiact_action(kd_ui *ui, kd_action a)
{
	/* Object actions work on the tree's selection: not from behind an
	 * overlay. */
	if (ui->overlay && (a == KD_ACT_REVERT || a == KD_ACT_ACCEPT ||
			    (a >= KD_ACT_BG_EDIT && a <= KD_ACT_BG_DELETE)))
		return false;
	switch (a) {
	case KD_ACT_VIEW_AUDIT:
		kd_audit_view_command(ui, "");
		return true;
	case KD_ACT_SELF_HEAL_PAUSE:
		kd_selfheal_toggle(ui);
		return true;
	case KD_ACT_VIEW_FOLLOW_UP:
		kd_uiact_followup_load(ui);
		return true;
	case KD_ACT_REVERT:
		if (!read_only(ui, a))
			act_revert(ui, NULL);
		return true;
	case KD_ACT_ACCEPT:
		if (!read_only(ui, a))
			act_accept(ui);
		return true;
	case KD_ACT_BREAK_GLASS:
	case KD_ACT_BREAK_GLASS_END:
	case KD_ACT_BG_EDIT:
	case KD_ACT_BG_SCALE:
	case KD_ACT_BG_SET_IMAGE:
	case KD_ACT_BG_RESTART:
	case KD_ACT_BG_DELETE:
		if (!read_only(ui, a))
			kd_uiact_breakglass(ui, a);
		return true;
	default:
		return false;
	}
}
