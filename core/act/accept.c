/*
 * accept — publishing an accepted change: build the commit on the branch
 * tip, prove it renders, push (redoing the edit on the new tip when the
 * remote moved), and bring the local branch along only when that loses
 * nothing.  What is written is decided in accept_plan.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_priv.h"
#include "base/base.h"
#include "source/source.h"
#include "data/data.h"

#define OOM() kd_error_set(KD_ENOMEM, "out of memory")
#define DEFAULT_ATTEMPTS 5

static void step(const kd_accept_opts *opts, const char *name)
{
	if (opts->step_hook)
		opts->step_hook(name, opts->step_arg);
}

static int check_opts(const kd_accept_opts *opts)
{
	if (!opts || !opts->repo || !opts->fleet || !opts->cluster || !opts->app)
		return kd_error_set(KD_EINVAL, "accept needs a repository, a fleet, a cluster and an app");
	if (!opts->reason || !opts->reason[strspn(opts->reason, " \t\r\n")])
		return kd_error_set(KD_EINVAL, "accepting drift needs a reason");
	if (!opts->live && !opts->desired)
		return kd_error_set(KD_EINVAL, "accept needs the live object, the desired one, or both");
	if ((opts->live && !json_is_object(opts->live)) ||
	    (opts->desired && !json_is_object(opts->desired)))
		return kd_error_set(KD_EINVAL, "the objects to accept must be JSON objects");
	return 0;
}

static int branch_ref(kd_buf *out, const char *prefix, const char *branch)
{
	int valid = 0;

	kd_buf_clear(out);
	if (kd_buf_printf(out, "%s%s", prefix, branch) < 0)
		return OOM();
	if (git_reference_name_is_valid(&valid, kd_buf_cstr(out)) < 0 || !valid)
		return kd_error_set(KD_EINVAL, "'%s' is not a valid branch name", branch);
	return 0;
}

/* The branch HEAD names (it may not exist yet). */
static int head_branch(char **out, git_repository *repo)
{
	git_reference *head = NULL;
	const char *target;
	int rc = 0;

	*out = NULL;
	if (git_reference_lookup(&head, repo, "HEAD") < 0)
		return kd_gitwrite_error(KD_EIO, "HEAD");
	target = git_reference_symbolic_target(head);
	if (!target || strncmp(target, "refs/heads/", 11) != 0)
		rc = kd_error_set(KD_EINVAL, "HEAD is detached: name the branch to commit to");
	else if (!(*out = strdup(target + 11)))
		rc = OOM();
	git_reference_free(head);
	return rc;
}

/* True when refname is the branch checked out in a work tree. */
static bool checked_out(git_repository *repo, const char *refname)
{
	git_reference *head = NULL;
	const char *target;
	bool yes = false;

	if (git_repository_is_bare(repo) ||
	    git_reference_lookup(&head, repo, "HEAD") < 0)
		return false;
	target = git_reference_symbolic_target(head);
	yes = target && strcmp(target, refname) == 0;
	git_reference_free(head);
	return yes;
}

/* True when refname is checked out in another (linked) work tree, which
 * this process must not update behind its owner's back. */
static bool checked_out_elsewhere(git_repository *repo, const char *refname)
{
	git_reference *ref = NULL;
	bool yes;

	if (checked_out(repo, refname) || git_reference_lookup(&ref, repo, refname) < 0)
		return false;
	yes = git_branch_is_checked_out(ref) == 1;
	git_reference_free(ref);
	return yes;
}

/* The files an accept touches in the layer, for work tree checks. */
typedef struct touched {
	char *paths[4];
	size_t n;
} touched;

static int touched_make(touched *t, const kd_accept_plan *plan)
{
	static const char *const names[] = {
		"kustomization.yaml", "kustomization.yml", "Kustomization",
	};
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!(t->paths[t->n++] = strdup(plan->file)))
		return OOM();
	for (i = 0; i < 3; i++)
		if ((rc = kd_path_join(&t->paths[t->n++], plan->layer, names[i])) < 0)
			return rc;
	return 0;
}

static void touched_free(touched *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->paths[i]);
}

/* Sets *which to the first touched path with uncommitted changes. */
static int find_dirty(const char **which, git_repository *repo, const touched *t)
{
	size_t i;

	*which = NULL;
	for (i = 0; i < t->n && !*which; i++) {
		unsigned int flags = 0;
		int e = git_status_file(&flags, repo, t->paths[i]);

		if (e == GIT_ENOTFOUND)
			continue;
		if (e < 0)
			return kd_gitwrite_error(KD_EIO, t->paths[i]);
		if (flags & ~(unsigned int)(GIT_STATUS_CURRENT | GIT_STATUS_IGNORED))
			*which = t->paths[i];
	}
	return 0;
}

/* Brings the touched files of the work tree from old_commit's state to
 * commit's; SAFE refuses to overwrite anything modified meanwhile. */
static int checkout_touched(git_repository *repo, const git_oid *commit,
			    const git_oid *old_commit, const touched *t)
{
	git_checkout_options co;
	git_commit *nc = NULL, *oc = NULL;
	git_tree *ot = NULL;
	int rc = 0;

	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_SAFE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
	co.paths.strings = (char **)t->paths;
	co.paths.count = t->n;
	if (git_commit_lookup(&nc, repo, commit) < 0 ||
	    git_commit_lookup(&oc, repo, old_commit) < 0 ||
	    git_commit_tree(&ot, oc) < 0) {
		rc = kd_gitwrite_error(KD_EIO, "checkout");
		goto cleanup;
	}
	co.baseline = ot;
	if (git_checkout_tree(repo, (git_object *)nc, &co) < 0)
		rc = kd_gitwrite_error(KD_EIO, "updating the work tree");
cleanup:
	git_tree_free(ot);
	git_commit_free(oc);
	git_commit_free(nc);
	return rc;
}

typedef struct run {
	const kd_accept_opts *opts;
	kd_accept_result *res;
	git_repository *repo;
	kd_accept_plan plan;
	touched t;
	char *branch;       /* the base branch */
	const char *dest;   /* the branch committed to */
	char *url;          /* the remote's, or NULL for local only */
	kd_buf dest_ref, tracking, msg;
	bool checked_out;
	bool elsewhere;     /* dest is checked out in a linked work tree */
} run;

static int set_note(run *r, const char *fmt, ...) KD_PRINTF(2, 3);

static int set_note(run *r, const char *fmt, ...)
{
	kd_buf n = KD_BUF_INIT;
	va_list ap;
	int rc;

	free(r->res->note);
	r->res->note = NULL;
	va_start(ap, fmt);
	rc = kd_buf_vprintf(&n, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		kd_buf_free(&n);
		return OOM();
	}
	r->res->note = kd_buf_detach(&n);
	return 0;
}

/* After a successful push: the local branch follows when nothing is lost. */
static int follow_locally(run *r, const git_oid *commit, const git_oid *base)
{
	git_oid local;
	bool have;
	const char *dirty = NULL;
	int rc;

	if ((rc = kd_gitwrite_ref_target(&local, &have, r->repo, kd_buf_cstr(&r->dest_ref))) < 0)
		return rc;
	if (r->elsewhere)
		return set_note(r, "the local branch '%s' is checked out in another work tree: it was left as it is; run git pull there", r->dest);
	if (!have) {
		if (r->checked_out)
			return set_note(r, "the local branch '%s' was not created: it is checked out but has no commit; run git pull", r->dest);
		if ((rc = kd_gitwrite_update_ref(r->repo, kd_buf_cstr(&r->dest_ref), commit,
						 NULL, "kdrift accept")) < 0)
			return rc;
		r->res->local_updated = true;
		return 0;
	}
	if (r->checked_out) {
		if (!git_oid_equal(&local, base))
			return set_note(r, "the local branch '%s' differs from the remote's and is checked out: it was left as it is; run git pull", r->dest);
		if ((rc = find_dirty(&dirty, r->repo, &r->t)) < 0)
			return rc;
		if (dirty)
			return set_note(r, "the local branch '%s' was left as it is: %s has uncommitted changes; commit or stash them and run git pull", r->dest, dirty);
	} else if (!git_oid_equal(&local, base) &&
		   git_graph_descendant_of(r->repo, commit, &local) != 1) {
		return set_note(r, "the local branch '%s' has commits that are not on the remote: it was left as it is", r->dest);
	}
	if ((rc = kd_gitwrite_update_ref(r->repo, kd_buf_cstr(&r->dest_ref), commit, &local,
					 "kdrift accept")) < 0)
		return rc;
	r->res->local_updated = true;
	step(r->opts, "ref");
	if (r->checked_out)
		return checkout_touched(r->repo, commit, &local, &r->t);
	return 0;
}

/* The commit to build on at the start. */
static int initial_base(run *r, git_oid *base, bool *have_local)
{
	git_oid local;
	bool found = false;
	kd_buf ref = KD_BUF_INIT, trk = KD_BUF_INIT;
	int rc;

	if ((rc = kd_gitwrite_ref_target(&local, have_local, r->repo,
					 kd_buf_cstr(&r->dest_ref))) < 0)
		goto cleanup;
	if (r->url) {
		if ((rc = kd_gitwrite_fetch(base, &found, r->repo, r->url, r->dest,
					    kd_buf_cstr(&r->tracking))) < 0)
			goto cleanup;
		if (found)
			goto cleanup;
		if (r->opts->review_branch && !*have_local) {
			if ((rc = branch_ref(&trk, "refs/remotes/", r->opts->remote ? r->opts->remote : "origin")) < 0 ||
			    (rc = kd_buf_printf(&trk, "/%s", r->branch)) < 0 ||
			    (rc = kd_gitwrite_fetch(base, &found, r->repo, r->url, r->branch,
						    kd_buf_cstr(&trk))) < 0)
				goto cleanup;
			if (found)
				goto cleanup;
		}
	}
	if (*have_local) {
		*base = local;
		goto cleanup;
	}
	if (r->opts->review_branch) {
		if ((rc = branch_ref(&ref, "refs/heads/", r->branch)) < 0 ||
		    (rc = kd_gitwrite_ref_target(base, &found, r->repo, kd_buf_cstr(&ref))) < 0)
			goto cleanup;
		if (found)
			goto cleanup;
	}
	rc = kd_error_set(KD_ENOTFOUND, "branch '%s' has no commit to build on", r->branch);
cleanup:
	kd_buf_free(&ref);
	kd_buf_free(&trk);
	return rc;
}

/* The repository's own root: opts->repo may be any path inside it. */
static const char *repo_root(const run *r)
{
	return git_repository_workdir(r->repo) ? git_repository_workdir(r->repo)
					       : git_repository_path(r->repo);
}

/* A promote's proof: the clusters rendered at the base and at `commit`.
 * The message then lists what changes, so the commit is written again
 * with the same tree; *commit becomes that one. */
static int promote_verify(run *r, git_oid *commit, const git_oid *base,
			  const git_oid *tree, const git_signature *sig)
{
	kd_promote_effect *aff = NULL;
	kd_buf msg = KD_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1], bhex[GIT_OID_HEXSZ + 1];
	size_t n = 0;
	int rc;

	git_oid_tostr(hex, sizeof(hex), commit);
	git_oid_tostr(bhex, sizeof(bhex), base);
	if ((rc = kd_promote_effects(&aff, &n, &r->plan, r->opts, repo_root(r), bhex, hex)) < 0)
		goto cleanup;
	kd_promote_effects_free(r->res->affected, r->res->naffected);
	r->res->affected = aff;
	r->res->naffected = n;
	aff = NULL;
	if (git_oid_equal(commit, base))
		goto cleanup;
	if ((rc = kd_accept_message(&msg, &r->plan, r->opts, sig, r->res->affected,
				    r->res->naffected)) < 0 ||
	    (rc = kd_gitwrite_commit(commit, r->repo, base, tree, sig, sig, kd_buf_cstr(&msg))) < 0)
		goto cleanup;
cleanup:
	kd_promote_effects_free(aff, n);
	kd_buf_free(&msg);
	return rc;
}

/* One attempt: the commit on `base`, verified.  Nothing is published. */
static int build_commit(run *r, git_oid *commit, const git_oid *base,
			const git_signature *sig, char **kpath, bool *unverified)
{
	git_commit *bc = NULL;
	git_tree *bt = NULL;
	kd_buf file = KD_BUF_INIT, kust = KD_BUF_INIT;
	kd_gitwrite_file files[2];
	git_oid tree;
	char hex[GIT_OID_HEXSZ + 1];
	int rc;

	free(*kpath);
	*kpath = NULL;
	if (git_commit_lookup(&bc, r->repo, base) < 0 || git_commit_tree(&bt, bc) < 0) {
		rc = kd_gitwrite_error(KD_EIO, "reading the branch tip");
		goto cleanup;
	}
	if (r->plan.promote) {
		git_oid_tostr(hex, sizeof(hex), base);
		if ((rc = kd_promote_check_layer(&r->plan, repo_root(r), hex)) < 0)
			goto cleanup;
	}
	if ((rc = kd_accept_edit(&file, &kust, kpath, &r->plan, r->repo, bt)) < 0)
		goto cleanup;
	free(r->res->file_text);
	free(r->res->kustomization_text);
	r->res->file_text = strdup(kd_buf_cstr(&file));
	r->res->kustomization_text = strdup(kd_buf_cstr(&kust));
	if (!r->res->file_text || !r->res->kustomization_text) {
		rc = OOM();
		goto cleanup;
	}
	/* A promote's preview needs the render at the new commit. */
	if (r->opts->dry_run && !r->plan.promote)
		goto cleanup;
	files[0].path = r->plan.file;
	files[0].data = kd_buf_cstr(&file);
	files[0].len = file.len;
	files[1].path = *kpath;
	files[1].data = kd_buf_cstr(&kust);
	files[1].len = kust.len;
	if ((rc = kd_gitwrite_tree(&tree, r->repo, bt, files, 2)) < 0)
		goto cleanup;
	if (git_oid_equal(&tree, git_tree_id(bt))) {
		/* Accepted before (a run that was interrupted, or twice):
		 * the tip is the answer, no empty commit. */
		git_oid_cpy(commit, base);
		if (!r->res->note && !(r->res->note = strdup("already accepted: nothing to commit"))) {
			rc = OOM();
			goto cleanup;
		}
	} else if ((rc = kd_gitwrite_commit(commit, r->repo, base, &tree, sig, sig,
					    kd_buf_cstr(&r->msg))) < 0) {
		goto cleanup;
	}
	if (r->plan.promote) {
		if ((rc = promote_verify(r, commit, base, &tree, sig)) < 0) {
			*unverified = rc == KD_ECONFLICT;
			goto cleanup;
		}
		if (!r->opts->dry_run) {
			step(r->opts, "objects");
			step(r->opts, "verified");
		}
		goto cleanup;
	}
	step(r->opts, "objects");
	git_oid_tostr(hex, sizeof(hex), commit);
	if ((rc = kd_accept_verify(&r->plan, r->opts, repo_root(r), hex)) < 0) {
		*unverified = true;
		goto cleanup;
	}
	step(r->opts, "verified");
cleanup:
	kd_buf_free(&file);
	kd_buf_free(&kust);
	git_tree_free(bt);
	git_commit_free(bc);
	return rc;
}

/* Builds, verifies and publishes, redoing the edit when the branch moved. */
static int publish(run *r, const git_signature *sig)
{
	unsigned max = r->opts->max_attempts ? r->opts->max_attempts : DEFAULT_ATTEMPTS;
	git_oid base, commit;
	bool have_local, found;
	char *kpath = NULL;
	const char *dirty = NULL;
	unsigned attempt;
	int rc;

	if ((rc = initial_base(r, &base, &have_local)) < 0)
		return rc;
	if (!r->url && r->elsewhere && !r->opts->dry_run)
		return kd_error_set(KD_ECONFLICT, "branch '%s' is checked out in another work tree: accept from there, or into a review branch",
				    r->dest);
	if (!r->url && r->checked_out) {
		if ((rc = find_dirty(&dirty, r->repo, &r->t)) < 0)
			return rc;
		if (dirty && !r->opts->dry_run)
			return kd_error_set(KD_ECONFLICT, "%s has uncommitted changes in the work tree of branch '%s': commit or stash them, or accept into a review branch",
					    dirty, r->dest);
	}
	for (attempt = 1; attempt <= max; attempt++) {
		bool unverified = false;

		r->res->attempts = attempt;
		rc = build_commit(r, &commit, &base, sig, &kpath, &unverified);
		if (rc < 0 && unverified && !r->plan.with_ns &&
		    kd_json_str(json_object_get(r->plan.obj, "metadata"), "namespace")) {
			/* Perhaps ambiguous without its namespace: try with it. */
			if ((rc = kd_accept_plan_namespace(&r->plan)) < 0)
				goto cleanup;
			rc = build_commit(r, &commit, &base, sig, &kpath, &unverified);
		}
		if (rc < 0)
			goto cleanup;
		if (r->opts->dry_run) {
			r->res->kustomization = kpath;
			return 0;
		}
		if (r->url) {
			rc = kd_gitwrite_push(r->repo, r->url, &commit, r->dest);
			if (rc == KD_ECONFLICT && attempt < max) {
				if ((rc = kd_gitwrite_fetch(&base, &found, r->repo, r->url, r->dest,
							    kd_buf_cstr(&r->tracking))) < 0)
					goto cleanup;
				if (!found) {
					rc = kd_error_set(KD_ECONFLICT, "branch '%s' disappeared from the remote", r->dest);
					goto cleanup;
				}
				continue;
			}
			if (rc == KD_ECONFLICT)
				kd_error_wrap(rc, "gave up after %u attempts: ", attempt);
			if (rc < 0)
				goto cleanup;
			r->res->pushed = true;
			/* The remote has it: what is left is bookkeeping. */
			{
				git_reference *ref = NULL;

				if (git_reference_create(&ref, r->repo, kd_buf_cstr(&r->tracking),
							 &commit, 1, "kdrift accept") < 0)
					rc = kd_gitwrite_error(KD_EIO, kd_buf_cstr(&r->tracking));
				git_reference_free(ref);
				if (rc < 0)
					goto cleanup;
			}
			step(r->opts, "pushed");
			rc = follow_locally(r, &commit, &base);
			break;
		}
		rc = kd_gitwrite_update_ref(r->repo, kd_buf_cstr(&r->dest_ref), &commit,
					    have_local ? &base : NULL, "kdrift accept");
		if (rc == KD_ECONFLICT && attempt < max) {
			if ((rc = kd_gitwrite_ref_target(&base, &have_local, r->repo,
							 kd_buf_cstr(&r->dest_ref))) < 0)
				goto cleanup;
			if (!have_local) {
				rc = kd_error_set(KD_ECONFLICT, "branch '%s' was deleted meanwhile", r->dest);
				goto cleanup;
			}
			continue;
		}
		if (rc == KD_ECONFLICT)
			kd_error_wrap(rc, "gave up after %u attempts: ", attempt);
		if (rc < 0)
			goto cleanup;
		r->res->local_updated = true;
		step(r->opts, "ref");
		if (r->checked_out && have_local)
			rc = checkout_touched(r->repo, &commit, &base, &r->t);
		break;
	}
	if (rc == 0) {
		git_oid_tostr(r->res->commit, sizeof(r->res->commit), &commit);
		r->res->kustomization = kpath;
		kpath = NULL;
	}
cleanup:
	free(kpath);
	return rc;
}

int kd_accept_run(kd_accept_result **out, const kd_accept_opts *opts)
{
	const kd_cluster *cluster;
	const kd_app *app;
	git_signature *sig = NULL;
	run r;
	int rc, e;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if ((rc = check_opts(opts)) < 0)
		return rc;
	r.opts = opts;
	cluster = kd_fleet_cluster(opts->fleet, opts->cluster);
	app = kd_fleet_app(opts->fleet, opts->app);
	if (!cluster)
		return kd_error_set(KD_ENOTFOUND, "no cluster '%s' in the fleet", opts->cluster);
	if (!app)
		return kd_error_set(KD_ENOTFOUND, "no app '%s' in the fleet", opts->app);
	if (!kd_fleet_app_targets(app, cluster))
		return kd_error_set(KD_EINVAL, "app '%s' is not deployed to cluster '%s'", app->name, cluster->name);
	if (git_libgit2_init() < 0)
		return kd_gitwrite_error(KD_ERROR, "libgit2");
	if (!(r.res = calloc(1, sizeof(*r.res)))) {
		rc = OOM();
		goto cleanup;
	}
	if ((rc = kd_accept_plan_make(&r.plan, opts, cluster, app)) < 0 ||
	    (rc = touched_make(&r.t, &r.plan)) < 0)
		goto cleanup;
	if (git_repository_open_ext(&r.repo, opts->repo, 0, NULL) < 0) {
		rc = kd_gitwrite_error(KD_ENOTFOUND, opts->repo);
		goto cleanup;
	}
	if ((rc = kd_gitwrite_signature(&sig, r.repo, opts->identity)) < 0)
		goto cleanup;
	if (opts->branch) {
		if (!(r.branch = strdup(opts->branch))) {
			rc = OOM();
			goto cleanup;
		}
	} else if ((rc = head_branch(&r.branch, r.repo)) < 0) {
		goto cleanup;
	}
	r.dest = opts->review_branch ? opts->review_branch : r.branch;
	if ((rc = branch_ref(&r.dest_ref, "refs/heads/", r.dest)) < 0 ||
	    (rc = branch_ref(&r.tracking, "refs/remotes/", opts->remote ? opts->remote : "origin")) < 0 ||
	    (rc = kd_buf_printf(&r.tracking, "/%s", r.dest)) < 0)
		goto cleanup;
	if (!opts->no_push) {
		e = kd_gitwrite_remote_url(&r.url, r.repo, opts->remote ? opts->remote : "origin");
		if (e == KD_ENOTFOUND && !opts->remote) {
			kd_error_clear();
		} else if (e < 0) {
			rc = e;
			goto cleanup;
		}
	}
	r.checked_out = checked_out(r.repo, kd_buf_cstr(&r.dest_ref));
	r.elsewhere = checked_out_elsewhere(r.repo, kd_buf_cstr(&r.dest_ref));
	if ((rc = kd_accept_message(&r.msg, &r.plan, opts, sig, NULL, 0)) < 0 ||
	    (rc = publish(&r, sig)) < 0)
		goto cleanup;
	r.res->kind = r.plan.kind;
	if (!(r.res->branch = strdup(r.dest)) ||
	    !(r.res->layer = strdup(r.plan.layer)) ||
	    !(r.res->file = strdup(r.plan.file)) ||
	    !(r.res->subject = strdup(r.plan.subject))) {
		rc = OOM();
		goto cleanup;
	}
	*out = r.res;
	r.res = NULL;
cleanup:
	kd_accept_result_free(r.res);
	kd_accept_plan_free(&r.plan);
	touched_free(&r.t);
	git_signature_free(sig);
	git_repository_free(r.repo);
	free(r.branch);
	free(r.url);
	kd_buf_free(&r.dest_ref);
	kd_buf_free(&r.tracking);
	kd_buf_free(&r.msg);
	git_libgit2_shutdown();
	return rc;
}

void kd_accept_result_free(kd_accept_result *res)
{
	if (!res)
		return;
	free(res->branch);
	free(res->layer);
	free(res->file);
	free(res->kustomization);
	free(res->subject);
	free(res->note);
	free(res->file_text);
	free(res->kustomization_text);
	kd_promote_effects_free(res->affected, res->naffected);
	free(res);
}
