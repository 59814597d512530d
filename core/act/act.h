/*
 * act — every change kdrift makes to a cluster or to Git (DESIGN §7): revert
 * (remedy), accept into Git, break-glass sessions and changes, self-heal
 * and alerts (heal), and the joins the CLI and the UI share (act).
 *
 * Every write is logged to the audit log first.  Never prints.  The top
 * part: depends on everything below it.
 */

#ifndef KD_ACT_H
#define KD_ACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "audit/audit.h"
#include "diff/diff.h"
#include "kube/kube.h"
#include "engine/engine.h"
#include "fleet/fleet.h"
#include "base/base.h"

/*
 * remedy — putting a cluster back to what Git says (DESIGN §7, revert).
 *
 * Planning and execution are separate so that an operator always sees what
 * will be written before it is written:
 *
 *  - planning (kd_remedy_plan_fields / _object / _app / _cluster) turns
 *    drift from the store into a list of actions, each with the exact body
 *    that will be sent and a preview text (YAML, Secret values masked).
 *    Planning never talks to a cluster.
 *  - execution (kd_remedy_execute) sends the actions through the kube
 *    client, each write bracketed by audit records: an intent record,
 *    fsynced, BEFORE the API call, and an outcome record after it.  When the
 *    intent cannot be written the call is not made.
 *
 * A revert of a drifted object is a minimal patch that touches only the
 * drifted fields: a strategic merge patch for built-in kinds (keyed list
 * elements addressed by merge key, `$patch: delete` for elements only the
 * cluster has, `$setElementOrder` only when the server would otherwise
 * order a list differently), an RFC 7386 merge patch for custom resources.
 * Values always come from the desired object (the diff's values may be
 * masks).  The patch carries metadata.resourceVersion = the version the
 * operator saw, so a change made since then fails with KD_ECONFLICT and
 * overwrites nothing.  Where the live object has kubectl's last-applied
 * annotation, the patch sets it to the desired object, as `kubectl apply`
 * would have, so a later `kubectl apply` computes the same deletions.  A
 * revert of the whole object also removes the kdrift.dev/break-glass
 * marker (it is the follow-up of that change).
 * Every patch is checked before it is planned: applied locally to the live
 * object it must give exactly the intended object.
 *
 * Missing objects are created with the app's tracking label
 * (kdrift.dev/app) unless they already carry a GitOps tracking label or
 * annotation.  Extra objects are deleted only when the cluster's policy
 * allows prune (planning) and the caller confirms (execution), with uid and
 * resourceVersion preconditions.
 *
 * Also offers the two-way patch (kd_remedy_patch_between) and the audited
 * write (kd_remedy_write) to break-glass (core/act/act.h).
 *
 * Never prints.  Not thread-safe: one thread drives a plan and its
 * connection.
 */

#define KD_REMEDY_MANAGER "kdrift"
#define KD_REMEDY_MANAGER_SELF_HEAL "kdrift-self-heal"
#define KD_REMEDY_APP_LABEL "kdrift.dev/app"
#define KD_REMEDY_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
/* Set by break-glass changes (core/act/act.h); a full revert removes it. */
#define KD_REMEDY_BREAKGLASS_ANNOTATION "kdrift.dev/break-glass"

typedef enum kd_remedy_kind {
	KD_REMEDY_PATCH = 0,  /* revert a drifted object (audit action "revert") */
	KD_REMEDY_CREATE,     /* create a missing object ("create") */
	KD_REMEDY_PRUNE,      /* delete an extra object ("prune") */
} kd_remedy_kind;

/* One planned write and, after execution, its outcome. */
typedef struct kd_remedy_action {
	kd_remedy_kind kind;
	char *app;                 /* the app the object belongs to, or NULL */
	char *api_version;
	char *kind_name;           /* "Deployment" */
	char *namespace;           /* NULL for cluster-scoped objects */
	char *name;
	char *uid;                 /* live uid (prune precondition), or NULL */
	char *resource_version;    /* the live version the plan was made against */
	kd_kube_patch_type patch_type; /* KD_REMEDY_PATCH: STRATEGIC or MERGE */
	json_t *body;              /* the patch, or the object to create; NULL for prune */
	char *preview;             /* what will be sent, as YAML; Secret values masked */
	size_t nfields;            /* drifted fields this action reverts */

	/* Filled by kd_remedy_execute. */
	bool done;                 /* the action was attempted */
	int error;                 /* 0 or a KD_ code */
	char *message;             /* why it failed or was skipped, else NULL */
	char *rv_after;            /* resourceVersion after the write, or NULL */
	json_t *result;            /* the object the server returned, or NULL */
	char audit_id[KD_AUDIT_ID_SIZE]; /* the intent record ("" when none) */
} kd_remedy_action;

/* Something planning left out, and why (prune off, an object that is
 * unknown, synced, ...). */
typedef struct kd_remedy_skip {
	char *what;                /* "Deployment shop/web" */
	char *reason;
} kd_remedy_skip;

typedef struct kd_remedy_plan {
	char *cluster;
	/* Field reverts planned from now on also remove the break-glass mark
	 * (a full revert always does): set for the follow-up of break-glass
	 * changes, which only some fields undo. */
	bool clear_breakglass_mark;
	kd_remedy_action *actions;
	size_t nactions;
	kd_remedy_skip *skipped;
	size_t nskipped;
} kd_remedy_plan;

typedef struct kd_remedy_plan_opts {
	/* The cluster's policy allows prune (kd_cluster_state.prune).  When
	 * false, extra objects are listed in `skipped`, never planned. */
	bool prune;
	/* Plan no creates for missing objects (patches and prunes only). */
	bool no_create;
	/* Planning for self-heal: objects changed under break-glass (status
	 * BREAKGLASS or carrying kdrift.dev/break-glass) are skipped until
	 * someone follows up. */
	bool self_heal;
	/* With self_heal: the audit log's follow-up state (see "heal" below),
	 * which decides instead of the mark alone, so an object whose
	 * break-glass change was accepted or acknowledged heals again.  NULL:
	 * the mark decides. */
	const struct kd_heal_followup *followup;
} kd_remedy_plan_opts;

/* An empty plan for a cluster. */
int kd_remedy_plan_new(kd_remedy_plan **out, const char *cluster);
void kd_remedy_plan_free(kd_remedy_plan *plan);

/*
 * Adds the revert of some drifted fields of one resource: those whose
 * kd_diff_field.path equals one of `pointers` or lies below one
 * ("/spec/template" selects every field under it).  pointers NULL (or
 * npointers 0) selects every drifted field.  The resource must be DRIFTED or
 * BREAKGLASS with its diff, desired and live.  KD_ENOTFOUND when a pointer
 * selects no drifted field (the message names it).
 */
int kd_remedy_plan_fields(kd_remedy_plan *plan, const char *app,
			  const kd_resource *res, const char *const *pointers,
			  size_t npointers);

/* Adds what reverts one resource: a patch (drifted, break-glass), a create
 * (missing) or a prune (extra, when opts->prune).  Synced and unknown
 * resources are listed in `skipped`.  opts may be NULL (no prune). */
int kd_remedy_plan_object(kd_remedy_plan *plan, const char *app,
			  const kd_resource *res, const kd_remedy_plan_opts *opts);

/* Every resource of an app / of every app of a cluster.  An app or cluster
 * that is unknown (unreachable, failed to render) is listed in `skipped`. */
int kd_remedy_plan_app(kd_remedy_plan *plan, const kd_app_state *app,
		       const kd_remedy_plan_opts *opts);
int kd_remedy_plan_cluster(kd_remedy_plan *plan, const kd_cluster_state *cluster,
			   const kd_remedy_plan_opts *opts);

/* Takes action i out of the plan and lists its object in `skipped` with
 * the reason (self-heal holding an object back). */
int kd_remedy_plan_drop(kd_remedy_plan *plan, size_t i, const char *reason);

/* The whole plan as text for a confirmation prompt: each action's preview,
 * then the skipped objects with their reasons. */
int kd_remedy_plan_preview(kd_buf *out, const kd_remedy_plan *plan);

/* ---- execution ---------------------------------------------------------- */

typedef struct kd_remedy_exec_opts {
	bool self_heal;            /* audit mode self-heal, manager kdrift-self-heal */
	bool dry_run;              /* server-side dryRun=All; nothing is logged */
	bool confirm_prune;        /* the user confirmed deleting extra objects */
	const char *audit_path;    /* NULL: kd_audit_default_path() */
	const char *audit_key_file; /* as kd_audit_log.key_file */
	const char *user;          /* NULL: the login name */
	const char *session;       /* the TUI session id, or NULL */
	const char *reason;        /* optional, logged */
	const char *ticket;        /* optional, logged */
	const char *revision;      /* the Git commit the desired state is from, or
				    * NULL; logged as git.commit */
} kd_remedy_exec_opts;

/*
 * Runs every action of the plan on `conn` (the cluster's connection; it
 * must belong to plan->cluster).  Each action gets its outcome; a failed
 * action does not stop the others.  Returns 0 when all succeeded, else the
 * code of the first failure with its message set:
 *   KD_ECONFLICT  the object changed since it was shown (409): nothing was
 *                 overwritten; refresh and try again;
 *   KD_EINVAL     prune without confirm_prune, or the server refused the body;
 *   KD_ERROR      forbidden (403: the credential cannot write) and others.
 * opts may be NULL (normal mode, no prune).
 */
int kd_remedy_execute(kd_remedy_plan *plan, kd_kube_conn *conn,
		      const kd_remedy_exec_opts *opts);

/* ---- building blocks (also used by break-glass) -------------------------- */

/*
 * The patch that turns `from` into `to` (two objects of the same kind):
 * strategic merge for built-in kinds, merge patch otherwise (*type says
 * which).  Nulls remove fields; keyed lists use merge keys with `$patch:
 * delete`, `$setElementOrder/F` only when needed, and `$patch: replace` when
 * keys are duplicated; merged lists of scalars (finalizers) use
 * `$deleteFromPrimitiveList/F`.  The patch is verified by applying it to
 * `from`: KD_ERROR if it would not give `to` exactly.  Equal objects give {}.
 */
int kd_remedy_patch_between(json_t **out, kd_kube_patch_type *type,
			    const json_t *from, const json_t *to);

/*
 * The live object with the selected drifted fields set to their desired
 * values (or removed, for fields only live has), as reverting would leave
 * it.  `select` works as in kd_remedy_plan_fields; *nselected (may be NULL)
 * gets the number of fields used.
 */
int kd_remedy_revert_target(json_t **out, size_t *nselected,
			    const json_t *desired, const json_t *live,
			    const kd_diff_result *diff,
			    const char *const *select, size_t nselect);

/* kubectl's client-side-apply form of an object: compact JSON with sorted
 * keys and a final newline, without the last-applied annotation itself.
 * A new string. */
int kd_remedy_last_applied(char **out, const json_t *obj);

/* True when an object carries a GitOps tracking label or annotation
 * (kdrift.dev/app, app.kubernetes.io/instance, argocd.argoproj.io/...,
 * kustomize.toolkit.fluxcd.io/...). */
bool kd_remedy_has_tracking(const json_t *obj);

/* Runs after a successful call and before the outcome is logged (a second
 * write that belongs to the same change); a failure makes the outcome a
 * failure.  *result is what the call returned; the function may replace it
 * (decref the old one) with what its own write returned. */
typedef int (*kd_remedy_then_fn)(void *ctx, kd_kube_conn *conn,
				 json_t **result, const char *audit_id);

/* One audited write. */
typedef struct kd_remedy_write_req {
	const char *method;        /* "PATCH", "POST" or "DELETE" */
	const kd_kube_ref *ref;    /* for POST the collection */
	kd_kube_patch_type patch_type;
	const json_t *body;        /* patch or object; NULL for DELETE */
	const char *field_manager; /* not for DELETE */
	bool dry_run;              /* no audit records when set */
	const char *uid;           /* DELETE preconditions */
	const char *resource_version;
	/* Audit: the record's fields (action, mode, object, ...); `patch`
	 * defaults to body; phase, status, intent and the versions are set
	 * here. */
	kd_audit_entry audit;
	const char *audit_path;
	const char *audit_key_file; /* as kd_audit_log.key_file */
	kd_remedy_then_fn then;    /* optional */
	void *then_ctx;
} kd_remedy_write_req;

/*
 * Appends the intent record (fsynced), makes the call, appends the outcome
 * record.  *result (may be NULL) gets the returned object; audit_id (may be
 * NULL) the intent's id.  A 409 becomes KD_ECONFLICT "… changed since it was
 * shown; refresh and try again", a 403 a message naming the context whose
 * credential may not write.  When the intent cannot be logged, KD_EIO and
 * no call is made.  With modify (may be NULL), the body is passed through
 * modify(ctx, body, intent_id) after the intent was logged, so the write can
 * carry the audit id (break-glass annotations).
 */
typedef int (*kd_remedy_modify_fn)(void *ctx, json_t *body, const char *audit_id);
int kd_remedy_write(json_t **result, char audit_id[KD_AUDIT_ID_SIZE],
		    kd_kube_conn *conn, const kd_remedy_write_req *req,
		    kd_remedy_modify_fn modify, void *ctx);

/* "Deployment shop/web" or "Namespace shop" (appended to out). */
int kd_remedy_describe(kd_buf *out, const char *kind, const char *namespace,
		       const char *name);

/*
 * accept — marks drift intentional by writing the live values into the
 * cluster's own layer in Git (DESIGN §7, "Accept").
 *
 * The cluster layer is the app's path template expanded for the cluster; it
 * must vary by cluster and hold a kustomization.  Into it go:
 *
 *  - for drifted fields: a strategic-merge patch
 *    LAYER/kdrift-accepted/KIND-NAMESPACE-NAME.yaml (lower case, anything
 *    outside [a-z0-9.-] made '-'; KIND-NAME.yaml for cluster-scoped kinds)
 *    holding apiVersion, kind, metadata.name and only the accepted fields'
 *    live values (metadata.namespace only when the name alone is
 *    ambiguous: kustomize matches patches before an overlay's `namespace:`
 *    applies, so a namespace there would match nothing), with merge keys
 *    for keyed lists (containers by
 *    name, ports by containerPort/port, ...) so the merge lands on the right
 *    element; a field removed live becomes `null` (or a `$patch: delete`
 *    list element).  A patch already accepted for the object is merged with
 *    the new one.  The file is listed under `patches:` (`- path: ...`);
 *  - for a missing object accepted as absent: the same file holding a
 *    `$patch: delete` patch;
 *  - for an extra object: a resource file of the same name, the live object
 *    without server fields (status, uid, resourceVersion, generation,
 *    creationTimestamp, managedFields, ownerReferences, the last-applied
 *    annotation, a Service's clusterIP(s)), listed under `resources:`.
 *
 * The kustomization is edited in place (core/data/data.h): comments and layout stay.
 * Secret values are never written: accepting a Secret's data or stringData,
 * or an extra Secret, is refused; other Secret fields may be accepted.
 *
 * The commit is built on the branch tip's tree (core/source/source.h), never from a
 * work tree, so uncommitted changes are neither committed nor touched.  The
 * author and committer are the operator; the message names the cluster, the
 * object and the fields, carries the reason and the trailers Reason:,
 * Accepted-By: and Kdrift-Cluster:.  Before anything is published the
 * cluster layer is rendered at the new commit and diffed against live: the
 * accepted fields must no longer drift (a later patch in the overlay could
 * override ours), else nothing is published.
 *
 * Publishing.  With a remote (origin unless told otherwise), the base is
 * the remote branch's tip (fetched first) and the commit is pushed without
 * force; a refused push (the remote moved) fetches, redoes the whole edit on
 * the new tip from the files in that tree and pushes again, up to
 * max_attempts times: a concurrent commit on the remote is kept, never
 * overwritten.  The local branch then follows by fast-forward only; local
 * commits not on the remote are never pushed and never lost (the local
 * branch is left alone and the result says so).  Without a remote the local
 * branch moves by compare-and-swap and a concurrent local commit causes a
 * redo in the same way.
 *
 * A branch checked out in the repository's work tree: the touched files
 * must be unmodified there (work tree and index), else the local branch is
 * not moved (with a remote: the push still happens and the result says to
 * pull; without one: KD_ECONFLICT before anything is written).  When they
 * are clean the ref moves and exactly those files are checked out, so the
 * work tree is not left stale; other uncommitted changes are left as they
 * are.  A process killed between the ref update and that checkout leaves
 * the files stale; `git checkout HEAD -- LAYER` repairs it.  A branch
 * checked out in another (linked) work tree is never moved from here: with
 * a remote the push happens and the result says to pull there; without
 * one, KD_ECONFLICT.
 *
 * With review_branch the commit goes to that branch instead (created from
 * the base branch's tip, or added on top when it exists) and that branch is
 * pushed; the base branch is never touched.
 *
 * Crash safety: objects are written before any ref moves and each ref move
 * is atomic, so a process killed at any step leaves `git fsck` clean and the
 * branch either unchanged or at the complete new commit.
 *
 * Promote (kd_accept_opts.to).  The same values go into a shared layer
 * instead: a directory the cluster's path reaches through its
 * kustomizations' resources, bases and components (an environment overlay,
 * the base), holding a kustomization.  The file, the kustomization edit,
 * the commit, the push and its retries are those of accept.  Refused, before
 * anything is published: a layer the cluster's path does not reach (the
 * message lists what it reaches), apps that are not rendered from a path,
 * and values that a layer closer to the cluster sets after the shared one
 * (the re-render of the cluster at the new commit still differs from live;
 * the message names the file and line that set the value, from
 * provenance).  Every cluster the app targets is rendered at the base and
 * at the new commit: the result and the commit message list each cluster
 * whose desired state changes and whether it will then drift until synced
 * (its live state, from kd_accept_opts.states, differs from the new
 * desired values at the promoted fields).  A promote's dry run writes the
 * commit objects it renders (no ref moves, nothing is pushed), since the
 * preview needs that render.
 *
 * Never prints.  Initialises and shuts down libgit2 itself.
 */

/* What a promote does to a cluster whose desired state it changes. */
typedef enum kd_promote_after {
	KD_PROMOTE_SYNCED = 0,   /* live already holds the promoted values */
	KD_PROMOTE_DRIFTS,       /* live differs: it drifts until synced */
	KD_PROMOTE_UNKNOWN,      /* its live state was not given or not read */
} kd_promote_after;

/* "synced", "drifts until synced", "live state unknown". */
const char *kd_promote_after_name(kd_promote_after a);

typedef struct kd_promote_effect {
	char *cluster;
	kd_promote_after after;
} kd_promote_effect;

typedef enum kd_accept_kind {
	KD_ACCEPT_FIELDS = 0,  /* drifted fields: a patch */
	KD_ACCEPT_ABSENT,      /* missing object: a $patch: delete patch */
	KD_ACCEPT_RESOURCE,    /* extra object: a resource file */
} kd_accept_kind;

typedef struct kd_accept_opts {
	const char *repo;            /* a local repository (work tree or bare), any path inside it */
	const kd_fleet *fleet;
	const char *cluster;         /* cluster name in the fleet */
	const char *app;             /* app name in the fleet */
	/* The object: desired (as rendered from Git) and live (from the
	 * cluster), both borrowed.  Both: drifted fields are accepted; only
	 * desired: the object is missing live and is accepted as absent; only
	 * live: the object is extra and becomes a resource. */
	const json_t *desired;
	const json_t *live;
	/* JSON pointers of the fields to accept, into live (a field absent
	 * live is taken from desired and accepted as removed).  nfields == 0:
	 * every drifted field kd_diff_objects reports (with diff_opts). */
	const char *const *fields;
	size_t nfields;
	const kd_diff_opts *diff_opts; /* may be NULL */
	const char *reason;          /* required, non-empty */
	const char *identity;        /* "Name <email>"; NULL: the repository's user.name/email */
	const char *branch;          /* the branch to commit to; NULL: the one HEAD names */
	const char *review_branch;   /* commit to this branch instead (--branch), or NULL */
	const char *remote;          /* NULL: "origin"; used only when configured */
	bool no_push;                /* commit locally even when a remote is configured */
	unsigned max_attempts;       /* redo-and-push attempts; 0: 5 */
	bool dry_run;                /* work out the files from the tip (fetched when
				      * there is a remote) and stop: no commit, no
				      * branch moved, no push, no render check */
	/* Promote: the shared layer (a repository-relative directory) to
	 * write into instead of the cluster's own; NULL: accept as above. */
	const char *to;
	/* Promote: published states of the app's clusters with their live
	 * objects (borrowed; may be NULL), to say which clusters will drift. */
	kd_cluster_state *const *states;
	size_t nstates;
	/* Test hook, called after each step: "objects" (blobs, trees and
	 * the commit written, no ref moved), "verified" (re-rendered),
	 * "pushed" (the remote branch moved), "ref" (the local branch moved,
	 * before the work tree checkout); NULL in production. */
	void (*step_hook)(const char *step, void *arg);
	void *step_arg;
	/* Trailer lines ("Name: value\n" each) added after kdrift's own, e.g.
	 * the audit head (kd_act_git_audit); NULL: none. */
	const char *trailers;
} kd_accept_opts;

typedef struct kd_accept_result {
	char commit[41];             /* the new commit */
	kd_accept_kind kind;
	char *branch;                /* the branch that received it */
	char *layer;                 /* the cluster layer directory */
	char *file;                  /* the patch or resource file written */
	char *kustomization;         /* the kustomization edited (maybe unchanged) */
	char *subject;               /* the commit's first line */
	bool pushed;                 /* the remote branch has the commit */
	bool local_updated;          /* the local branch points at the commit */
	unsigned attempts;           /* 1 unless the remote moved meanwhile */
	char *note;                  /* why the local branch was not moved, or NULL */
	char *file_text;             /* the file's new contents, as committed */
	char *kustomization_text;    /* the kustomization's new contents */
	/* Promote: the clusters whose desired state changes, fleet order. */
	kd_promote_effect *affected;
	size_t naffected;
} kd_accept_result;

/* Accepts as described above.  With dry_run, *out describes what would be
 * committed (commit is "", pushed and local_updated false).  KD_EINVAL for
 * bad options, a Secret's values, fields that cannot be accepted (status,
 * identity fields), an object without drift, or no identity; KD_EUNSUPPORTED when the app has no cluster layer (the message
 * says how to declare one) or the kustomization cannot be edited in place;
 * KD_ECONFLICT when the re-render still differs, the work tree blocks a
 * local-only commit, the branch diverged, or the remote kept moving for
 * max_attempts. */
int kd_accept_run(kd_accept_result **out, const kd_accept_opts *opts);

void kd_accept_result_free(kd_accept_result *res);

/* --- The pure parts, exposed for tests and previews. --- */

/* The file name for an object: "deployment-web-api.yaml". */
int kd_accept_file_name(char **out, const json_t *obj);

/* The strategic-merge patch holding live's values at `fields` (see
 * kd_accept_opts.fields; removed fields are looked up in desired, which may
 * be NULL when there are none).  *names (may be NULL) receives a new array
 * of the fields as people read them ("spec.template.spec.containers[api].image"). */
int kd_accept_build_patch(json_t **out, json_t **names, const json_t *desired,
			  const json_t *live, const char *const *fields,
			  size_t nfields);

/* Merges patch `add` into the earlier accepted patch `base` (keyed lists
 * element by element); *out is new. */
int kd_accept_merge_patch(json_t **out, const json_t *base, const json_t *add);

/* The live object as a resource for Git: server fields removed. */
int kd_accept_clean_resource(json_t **out, const json_t *live);

/*
 * breakglass — time-boxed, logged manual changes (DESIGN §7, break-glass).
 *
 * A session is started with a reason (required), an optional ticket and a
 * duration capped by the fleet's breakGlass.maxDuration.  Its state lives in
 * $XDG_STATE_HOME/kdrift/breakglass.json (~/.local/state/kdrift/... when
 * unset), written atomically at 0600, so every kdrift process of the user
 * sees the same session; it ends when `end` is called or when its end time
 * passes.  Starting and ending are logged (break-glass-start/-end).
 *
 * Changes are planned first (the patch is computed from old and new, shown
 * as YAML with Secret values masked, and checked), then applied with the
 * cluster's break-glass credential: the context named by the fleet's
 * breakGlass.context template ("{{name}}-breakglass"), refused with a clear
 * message when the kubeconfig has no such context.  Applying refuses
 * outside an active session.  Each change writes an audit intent record,
 * fsynced, BEFORE the API call and the outcome after; the object is
 * annotated kdrift.dev/break-glass=<intent id> in the same write (a scale
 * goes through the /scale subresource, which carries only replicas, so the
 * annotation follows in a second write before the outcome is logged; a
 * delete leaves nothing to annotate); the field manager is
 * kdrift-break-glass.
 *
 * Ending a session, or starting one while older changes are still open,
 * lists every break-glass change nobody followed up (kd_audit_open_breakglass)
 * so each can be accepted into Git or reverted.
 *
 * An edit is prepared here (the text for the editor, Secret values masked,
 * in a private file) and read back here (masked values restored, edits of
 * them refused); the caller only runs $EDITOR on the file.  Never prints.
 * Times are passed in (milliseconds since the epoch) where a test needs to
 * control them.
 */

#define KD_BREAKGLASS_MANAGER "kdrift-break-glass"
#define KD_BREAKGLASS_ANNOTATION "kdrift.dev/break-glass"

/* ---- sessions ----------------------------------------------------------- */

typedef struct kd_breakglass_session {
	char *id;           /* the id of the break-glass-start audit record */
	char *user;
	char *reason;
	char *ticket;       /* or NULL */
	int64_t start_ms;
	int64_t end_ms;
	bool capped;        /* the asked duration was cut to maxDuration */
} kd_breakglass_session;

typedef struct kd_breakglass_opts {
	const char *state_path;   /* NULL: kd_breakglass_default_path() */
	const char *audit_path;   /* NULL: kd_audit_default_path() */
	const char *audit_key_file; /* as kd_audit_log.key_file */
	const char *user;         /* NULL: the login name */
} kd_breakglass_opts;

/* breakglass.json in kdrift's XDG state directory (kd_xdg_path):
 * $XDG_STATE_HOME/kdrift/ or ~/.local/state/kdrift/.  New string. */
int kd_breakglass_default_path(char **out);

void kd_breakglass_session_free(kd_breakglass_session *s);

/*
 * Starts a session at now_ms for duration_s seconds (<= 0: max_s), at most
 * max_s (the fleet's breakglass_max_seconds; s->capped tells).  reason must
 * not be blank.  KD_ECONFLICT while another session is active (the message
 * names it and its end); an expired one is replaced.  *open (may be NULL)
 * gets the break-glass changes of earlier sessions still awaiting follow-up.
 */
int kd_breakglass_start(kd_breakglass_session **out, kd_audit_list **open,
			const kd_breakglass_opts *o, const char *reason,
			const char *ticket, long duration_s, long max_s,
			int64_t now_ms);

/* The session on record, active or expired; KD_ENOTFOUND when none. */
int kd_breakglass_load(kd_breakglass_session **out, const char *state_path);

/* True when s is active at now_ms. */
bool kd_breakglass_active(const kd_breakglass_session *s, int64_t now_ms);

/* Milliseconds left at now_ms (0 when over). */
int64_t kd_breakglass_remaining_ms(const kd_breakglass_session *s, int64_t now_ms);

/* The session when one is active at now_ms; otherwise KD_EINVAL saying
 * that break-glass changes need an active session (none, or the one on
 * record expired at ...). */
int kd_breakglass_require(kd_breakglass_session **out, const char *state_path,
			  int64_t now_ms);

/*
 * Ends the session on record (active or expired): logs break-glass-end,
 * removes the state file and sets *open (may be NULL) to every break-glass
 * change still awaiting follow-up.  KD_ENOTFOUND when there is no session.
 */
int kd_breakglass_end(kd_audit_list **open, const kd_breakglass_opts *o);

/* ---- the credential ------------------------------------------------------ */

/* The break-glass context of a cluster: fleet->breakglass_context expanded
 * with the cluster's parameters.  KD_ENOTFOUND, naming it and how to fix
 * it, when the kubeconfig has no such context.  New string. */
int kd_breakglass_context(char **out, const kd_fleet *fleet,
			  const kd_cluster *cluster, const kd_kubeconfig *kc);

/*
 * The fleet's clusters whose break-glass context the kubeconfig lacks: a
 * new JSON array of {"cluster": NAME, "context": CONTEXT}, in the fleet's
 * order, empty when every cluster has one.  Both faces ask this before
 * asking the operator for a reason, so a missing credential is said first.
 */
int kd_breakglass_missing(json_t **out, const kd_fleet *fleet, const kd_kubeconfig *kc);

/*
 * What kd_breakglass_missing found, for a terminal: lines of at most
 * `width` columns (>= 40), each ending in a newline; nothing when nobody
 * is missing.  Names past what `max_lines` lines hold are counted
 * ("and 12 more").  nclusters is the fleet's count, to say "every".
 */
int kd_breakglass_missing_text(kd_buf *out, const json_t *missing, size_t nclusters,
			       size_t width, size_t max_lines);

/* A connection with that credential, named after the cluster. */
int kd_breakglass_conn_new(kd_kube_conn **out, kd_kube_driver *d,
			   const kd_fleet *fleet, const kd_cluster *cluster,
			   const kd_kubeconfig *kc);

/* ---- changes ------------------------------------------------------------- */

typedef enum kd_breakglass_kind {
	KD_BREAKGLASS_EDIT = 0,   /* audit action break-glass-edit */
	KD_BREAKGLASS_SCALE,      /* scale */
	KD_BREAKGLASS_SET_IMAGE,  /* set-image */
	KD_BREAKGLASS_RESTART,    /* restart */
	KD_BREAKGLASS_DELETE,     /* delete */
} kd_breakglass_kind;

typedef struct kd_breakglass_change {
	kd_breakglass_kind kind;
	char *cluster;
	char *api_version;
	char *kind_name;
	char *namespace;          /* NULL for cluster-scoped objects */
	char *name;
	char *uid;
	char *resource_version;   /* of the object the change was planned on */
	kd_kube_patch_type patch_type;
	json_t *patch;            /* without precondition or annotation; NULL for delete */
	char *preview;            /* YAML, Secret values masked */

	/* Filled by kd_breakglass_apply. */
	char audit_id[KD_AUDIT_ID_SIZE]; /* the intent record, "" when none */
	char *rv_after;
	json_t *result;           /* the object after the change (NULL for delete) */
} kd_breakglass_change;

void kd_breakglass_change_free(kd_breakglass_change *ch);

/*
 * An edit: the patch from `old` (the live object the editor started from)
 * to `new` (what the operator saved).  KD_EINVAL when new is not an object,
 * changes apiVersion, kind, name or namespace, or changes nothing; server
 * fields (status, managedFields, uid, resourceVersion, ...) are not part of
 * an edit and are ignored on both sides.
 */
int kd_breakglass_plan_edit(kd_breakglass_change **out, const char *cluster,
			    const json_t *old, const json_t *new_obj);

/*
 * An edit in the operator's $EDITOR, prepared and read back here so the CLI
 * and the UI show the editor the same text and refuse the same edits.
 *
 * The text is the live object as YAML under a few comment lines, without
 * status and the server's bookkeeping (as kd_breakglass_plan_edit ignores
 * them).  A Secret's values are never in it: each value under data and
 * stringData is shown as the mask the diff shows for it
 * (kd_diff_mask_secret_value: equal values, equal masks), and kubectl's
 * last-applied annotation, which holds a copy of them, as a mask too.
 *
 * Reading back, a mask that comes back unchanged is replaced by the live
 * value, so a mask is never written.  A masked value that comes back
 * changed, a key added or removed under data or stringData, or a changed
 * last-applied annotation (it may stay or go) is refused with KD_EINVAL
 * ("Secret values cannot be edited in break-glass ..."): the editor never
 * saw the real values.  So is a change of apiVersion, kind, name or
 * namespace.
 *
 * The file lives alone in a directory made for it (0700, under $TMPDIR when
 * that is an absolute path, else /tmp), so whatever the editor writes beside
 * it (swap, backup files) is private too; the file is created 0600.
 * kd_breakglass_edit_free removes both, with anything left in the directory.
 */
typedef struct kd_breakglass_edit {
	char *cluster;
	json_t *live;             /* the object the edit starts from (a reference) */
	json_t *shown;            /* what the editor is shown, as JSON (masked) */
	char *text;               /* the YAML handed to the editor */
	char *path;               /* the file, once kd_breakglass_edit_file made it */
	char *dir_;               /* private: the file's directory */
} kd_breakglass_edit;

/* Prepares the edit of `live` (the object as the cluster returned it, with
 * apiVersion, kind and metadata.name); live is referenced, not copied. */
int kd_breakglass_edit_new(kd_breakglass_edit **out, const char *cluster,
			   const json_t *live);

/* Removes the file and its directory (when made), then frees.  NULL is a
 * no-op. */
void kd_breakglass_edit_free(kd_breakglass_edit *e);

/* Writes e->text into a new private file (see above) and sets e->path
 * ("<dir>/KIND-NAMESPACE-NAME.yaml").  KD_EIO when it cannot; KD_EINVAL when
 * the file was made already. */
int kd_breakglass_edit_file(kd_breakglass_edit *e);

/*
 * The object the edited text describes, with the masked values put back
 * from live: what is to be applied.  *out is NULL (and 0 returned) when the
 * text is exactly e->text, nothing edited.  KD_EINVAL for text that is not
 * one YAML object, an edit of a masked value or of the identity (the
 * message says which, and that nothing was changed).
 */
int kd_breakglass_edit_restore(json_t **out, const kd_breakglass_edit *e,
			       const char *text, size_t len);

/* kd_breakglass_edit_restore, then kd_breakglass_plan_edit from e->live:
 * the change to confirm and apply.  *out is NULL (and 0 returned) when
 * nothing was edited. */
int kd_breakglass_plan_edit_text(kd_breakglass_change **out,
				 const kd_breakglass_edit *e, const char *text,
				 size_t len);

/* kd_breakglass_plan_edit_text on the contents of e->path (at most 16 MiB). */
int kd_breakglass_plan_edit_file(kd_breakglass_change **out,
				 const kd_breakglass_edit *e);

/* Scale through the /scale subresource to `replicas` (>= 0); KD_EUNSUPPORTED
 * when the object has no spec.replicas. */
int kd_breakglass_plan_scale(kd_breakglass_change **out, const char *cluster,
			     const json_t *live, long replicas);

/* Set the image of the container (or init container) named `container`;
 * KD_ENOTFOUND lists the containers there are.  Built-in workload kinds
 * only (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). */
int kd_breakglass_plan_set_image(kd_breakglass_change **out, const char *cluster,
				 const json_t *live, const char *container,
				 const char *image);

/* `kubectl rollout restart`: the pod template annotation
 * kubectl.kubernetes.io/restartedAt = now (RFC 3339, UTC).  Deployment,
 * StatefulSet and DaemonSet only. */
int kd_breakglass_plan_restart(kd_breakglass_change **out, const char *cluster,
			       const json_t *live, int64_t now_ms);

/* Delete, with the live uid and resourceVersion as preconditions. */
int kd_breakglass_plan_delete(kd_breakglass_change **out, const char *cluster,
			      const json_t *live);

/*
 * Applies a planned change with the break-glass connection, inside the
 * active session (checked now, against the state file): intent record,
 * the write (resourceVersion precondition, annotation, field manager
 * kdrift-break-glass), outcome record.  dry_run sends dryRun=All and logs
 * nothing.  KD_EINVAL outside a session; KD_ECONFLICT when the object
 * changed since the change was planned (nothing overwritten).
 */
int kd_breakglass_apply(kd_breakglass_change *ch, kd_kube_conn *conn,
			const kd_breakglass_opts *o, bool dry_run);

/*
 * heal — what the fleet's policy says to do about drift (DESIGN §7,
 * "Policy"), run once over published cluster states (`kdrift check --heal`).
 *
 *  - selfHeal clusters: drift is reverted (and extra objects pruned when the
 *    policy allows prune), logged as self-heal with field manager
 *    kdrift-self-heal.  Objects changed under break-glass are never touched
 *    until someone follows up (they are listed as skipped).
 *  - alert clusters (and clusters no policy names): drift is only reported.
 *    Drift that was not reported by the previous heal run is "new"; new
 *    drift is POSTed as JSON to the webhook (the one given, else the
 *    cluster policy's), Slack-compatible: a `text` field with a readable
 *    summary, and a `kdrift` field with the details.
 *
 * What was reported is remembered in a small state file
 * ($XDG_STATE_HOME/kdrift/heal.json, written atomically at 0600): one key per
 * drifted object and the shape of its drift (fields and live values, Secret
 * values only as hashes), so the same drift is announced once and a drift
 * that changes is announced again.  Drift whose webhook POST failed is not
 * remembered, so the next run tries again.  Clusters outside this run keep
 * their remembered keys.
 *
 * Blocking (network); never prints.  One thread at a time per call; the
 * store's states are only read.
 */

typedef struct kd_heal_opts {
	const char *kubeconfig;   /* NULL: $KUBECONFIG or ~/.kube/config */
	const char *audit_path;   /* NULL: the default audit log */
	const char *state_path;   /* NULL: kd_heal_default_path() */
	const char *webhook;      /* overrides the policies' webhooks; NULL: theirs */
	const char *revision;     /* for the webhook summary; may be NULL */
	long webhook_timeout_ms;  /* 0: 10000 */
	/* Instead of `kubeconfig`: one already loaded (borrowed). */
	const kd_kubeconfig *kubeconfig_loaded;
	const char *context;      /* instead of the fleet's context for the cluster */
} kd_heal_opts;

/* One drifted object on an alert cluster. */
typedef struct kd_heal_alert {
	char *app;
	char *kind;
	char *namespace;          /* "" for cluster-scoped objects */
	char *name;
	kd_status status;
	size_t nfields;
	bool is_new;              /* not reported by the previous run */
	char *key;                /* the remembered key (private) */
} kd_heal_alert;

typedef struct kd_heal_cluster {
	char *name;
	kd_remediation remediation;
	char *webhook;            /* where its new drift went, or NULL */
	/* selfHeal: the plan with each action's outcome (NULL when the
	 * cluster could not be read); alert: NULL. */
	kd_remedy_plan *plan;
	int error;                /* 0, or why it could not be healed or read */
	char *message;
	kd_heal_alert *alerts;    /* alert clusters */
	size_t nalerts;
} kd_heal_cluster;

typedef struct kd_heal_report {
	kd_heal_cluster *clusters;
	size_t nclusters;
	size_t healed;            /* actions that succeeded */
	size_t failed;            /* actions that failed */
	size_t new_alerts;
	size_t webhooks_sent;     /* POSTs answered with 2xx */
	char *webhook_error;      /* the first failed POST, or NULL */
} kd_heal_report;

/*
 * Self-heal of one cluster, shared by kd_heal_run (`check --heal`, the
 * agent) and the interactive UI, which applies the policy while it runs,
 * like a controller.
 *
 * Follow-up state.  Whether an object changed under break-glass is still
 * awaiting follow-up is the audit log's to say (kd_audit_open_breakglass):
 * the kdrift.dev/break-glass mark stays on the object after an accept or an
 * acknowledge, and must not hold self-heal back for ever.  An object is
 * held when the log has an open break-glass change for it, or when it
 * carries a mark naming a change this log does not know (made from another
 * machine: only its own log can say it was followed up).  A mark whose
 * change the log knows and shows followed up no longer holds.
 *
 * Back-off.  A controller that fights self-heal (an HPA, an operator, a
 * colleague's kubectl) must not make kdrift write in a loop: a limiter
 * remembers, per object, when it was last healed and how often in a row.
 * The first two heals are immediate; after that the object waits
 * base, 2 x base, ... up to max before the next, and the count starts again
 * once the object stayed put for 2 x max.  Failures (a missing credential,
 * a forbidden write) back off the same way, keyed by the cluster.  Times
 * are passed in (milliseconds, any clock that only moves forward).
 */
typedef struct kd_heal_followup kd_heal_followup;

/* Reads the log (NULL: the default) once; a log that does not exist is an
 * empty state. */
int kd_heal_followup_load(kd_heal_followup **out, const char *audit_path);
void kd_heal_followup_free(kd_heal_followup *f);
/* True when self-heal must leave `res` of `cluster` alone; *why (may be
 * NULL) gets the reason, appended. */
bool kd_heal_followup_holds(const kd_heal_followup *f, const char *cluster,
			    const kd_resource *res, kd_buf *why);

typedef struct kd_heal_limiter kd_heal_limiter;

#define KD_HEAL_BACKOFF_BASE_MS 30000
#define KD_HEAL_BACKOFF_MAX_MS (15 * 60000)

/* base_ms / max_ms 0: the defaults above. */
int kd_heal_limiter_new(kd_heal_limiter **out, int64_t base_ms, int64_t max_ms);
void kd_heal_limiter_free(kd_heal_limiter *l);
/* Milliseconds before `key` may be healed again at now_ms (0: now);
 * *count (may be NULL) gets how often it was healed in a row. */
int64_t kd_heal_limiter_wait(const kd_heal_limiter *l, const char *key, int64_t now_ms,
			     unsigned *count);
/* Records an attempt at now_ms. */
int kd_heal_limiter_note(kd_heal_limiter *l, const char *key, int64_t now_ms);
/* The limiter key of an object: "CLUSTER/GROUP/KIND/NAMESPACE/NAME". */
int kd_heal_object_key(kd_buf *out, const char *cluster, const char *api_version,
		       const char *kind, const char *namespace, const char *name);

/*
 * Plans the self-heal of a cluster state (published with objects): every
 * drifted, missing and break-glass object (extra ones when st->prune),
 * leaving in plan->skipped the objects the follow-up state holds (f NULL:
 * the mark decides) and those the limiter (may be NULL) holds back, with
 * the time left.  *retry_ms (may be NULL) gets the wait of the first
 * object held back (0 when none).  Never talks to the cluster.
 */
int kd_heal_plan(kd_remedy_plan **out, int64_t *retry_ms, const kd_cluster_state *st,
		 const kd_heal_followup *f, const kd_heal_limiter *lim, int64_t now_ms);

/* Executes a kd_heal_plan: the cluster's own context, logged as self-heal
 * (intent before, outcome after), field manager kdrift-self-heal, prune as
 * the policy allows.  Each attempted action is noted in lim (may be NULL);
 * a failure to connect is noted under the cluster's name.  0 when every
 * action succeeded, else the first failure (each action has its outcome). */
int kd_heal_execute(kd_remedy_plan *plan, const kd_fleet *fleet, const kd_heal_opts *o,
		    bool prune, kd_heal_limiter *lim, int64_t now_ms);

/* heal.json in kdrift's XDG state directory, next to the audit log. */
int kd_heal_default_path(char **out);

/*
 * Heals and alerts over every cluster state in the store (published with
 * objects, not statuses_only).  Per-cluster problems (unreachable, a write
 * that failed) are in the report, not the return value; the return value is
 * an error only when nothing could be done (bad options, out of memory, the
 * state file unreadable).
 */
int kd_heal_run(kd_heal_report **out, kd_store *store, const kd_fleet *fleet,
		const kd_heal_opts *opts);
void kd_heal_report_free(kd_heal_report *r);

/* The webhook body for the new alerts of some clusters (all when cluster
 * is NULL): {"text": "...", "kdrift": {...}}.  A new reference. */
int kd_heal_summary(json_t **out, const kd_heal_report *r, const char *cluster,
		    const char *revision);

/*
 * report — the DriftReports `kdrift agent` writes (DESIGN §11): one per app
 * of its cluster, in its namespace (KD_REPORT_NAMESPACE by default), named
 * after the app (kd_report_name).  See "reports" in engine.h for the
 * shape; the status is the app's entry of `kdrift check --output json`,
 * built by the engine's kd_app_state_json, so Secret values are masked as
 * everywhere else.
 *
 * A report is kept under max_bytes (KD_REPORT_MAX_BYTES): the biggest
 * diffs are cut first, each resource saying how many it lost ("diffsCut"),
 * then resources from the end, synced ones first ("resourcesCut"); the
 * counts always cover every resource.
 *
 * Writing (kd_reporter_write) changes the cluster only when a report's
 * content changed, or when it was last confirmed an interval ago or more
 * (so readers can tell a live agent from a gone one: a report older than
 * KD_REPORT_STALE_INTERVALS intervals is stale).  A report is created
 * without status, then its status is replaced through the status
 * subresource with the resourceVersion last read as the precondition; a
 * conflict (someone changed it) or a deleted report is read again and
 * decided anew, up to three times.  Reports of apps the cluster no longer
 * has are deleted.  Blocking (network); never prints.
 */

#define KD_REPORT_MAX_BYTES ((size_t)512 << 10)

typedef struct kd_report_opts {
	const char *namespace;   /* NULL: KD_REPORT_NAMESPACE */
	long interval_s;         /* the agent's interval, written into each report; 0: 300 */
	size_t max_bytes;        /* 0: KD_REPORT_MAX_BYTES */
} kd_report_opts;

/* The object name of an app's report: the app's name when it is a DNS
 * subdomain, else its normalised form and a hash of the name. */
int kd_report_name(char **out, const char *app);

/* The DriftReport of one app of a published state, confirmed at `now`
 * (a new reference).  KD_ELIMIT when even cut it cannot fit. */
int kd_report_build(json_t **out, const kd_cluster_state *st, const kd_app_state *app,
		    const kd_report_opts *opts, time_t now);

typedef struct kd_report_stats {
	size_t written;          /* statuses replaced */
	size_t created;          /* reports created */
	size_t unchanged;        /* left alone: same content, confirmed recently */
	size_t conflicts;        /* 409s read again */
	size_t deleted;          /* reports of apps that are gone */
	size_t failed;           /* apps whose report could not be written */
} kd_report_stats;

typedef struct kd_reporter kd_reporter;

/* A writer for `cluster`'s reports through the kubeconfig's context (its
 * own connection).  kc is only read here. */
int kd_reporter_new(kd_reporter **out, const kd_kubeconfig *kc, const char *context,
		    const char *cluster, const kd_report_opts *opts);
void kd_reporter_free(kd_reporter *r);

/* Writes the reports of st's apps that need it (see above); the first
 * failure's code, after trying every app. */
int kd_reporter_write(kd_reporter *r, const kd_cluster_state *st, time_t now,
		      kd_report_stats *stats);

/*
 * agent — `kdrift agent` (DESIGN §11): kdrift inside one cluster of the
 * fleet.  It reads the repository (a clone fetched with the credentials of
 * opts.git_auth), renders that cluster's apps, lists and watches its
 * objects and diffs them with the same engine as every face, applies the
 * fleet's policy for the cluster (self-heal logged to the audit log, or
 * alerts: kd_heal_run), writes a DriftReport per app (kd_reporter) and
 * keeps the numbers /metrics serves.
 *
 * The cluster is reached with the pod's service account
 * (kd_kubeconfig_in_cluster) unless opts.kubeconfig or opts.context names
 * another way (tests, or an agent run outside its cluster).
 *
 * kd_agent_run either reconciles once (opts.once: heal, reconcile again
 * when something was healed, write the reports) or runs until stop_fd
 * becomes readable: the engine watches, every new published state is
 * healed and reported, the Git repository is fetched and unchanged
 * reports confirmed every interval.  Events go to opts.log (the engine's
 * and the agent's own), never to a terminal from here.
 *
 * Thread safety: kd_agent_run on one thread; kd_agent_metrics,
 * kd_agent_ready and kd_agent_healthy from any thread (the metrics
 * server's), each taking a short lock and never waiting on the network.
 */

typedef struct kd_agent kd_agent;

typedef void (*kd_agent_log_fn)(void *ctx, kd_log_level level, const char *message);

typedef struct kd_agent_opts {
	const char *cluster;          /* the fleet's name of this cluster (required) */
	const char *repo;             /* path or URL; NULL: "." */
	const char *revision;         /* NULL: the default branch */
	const char *fleet_file;       /* NULL: kdrift.yaml */
	kd_source_auth git_auth;      /* for a repository URL */
	const char *kubeconfig;       /* reach the cluster through a kubeconfig... */
	const char *context;          /* ...and this context (NULL: the fleet's) */
	const char *serviceaccount_dir; /* in-cluster: NULL = KD_KUBE_SERVICEACCOUNT_DIR */
	const char *namespace;        /* of the reports: NULL = KD_REPORT_NAMESPACE */
	long interval_s;              /* Git fetch and report confirmation; 0: 300 */
	int timeout_s;                /* per-reconcile deadline; 0: 30 */
	bool once;
	const char *audit_path;       /* self-heal's audit log; NULL: the default */
	const char *heal_state_path;  /* alerts already sent; NULL: the default */
	const char *webhook;          /* alerts; NULL: the policy's */
	kd_agent_log_fn log;          /* may be NULL */
	void *log_ctx;
} kd_agent_opts;

/* Loads the credentials, the repository and the fleet (errors here are
 * fatal: a wrong --cluster, no credentials, a repository that cannot be
 * cloned). */
int kd_agent_new(kd_agent **out, const kd_agent_opts *opts);
void kd_agent_free(kd_agent *a);

/* Runs (see above).  0 when the last reconcile was read and reported, a
 * negative code otherwise (--once's exit status). */
int kd_agent_run(kd_agent *a, int stop_fd);

/* The Prometheus text exposition (format 0.0.4) of the agent's numbers:
 * kdrift_objects{cluster,app,status}, kdrift_app_render_error{cluster,app},
 * kdrift_cluster_reachable, kdrift_last_reconcile_timestamp_seconds,
 * kdrift_reconcile_duration_seconds, kdrift_reconciles_total,
 * kdrift_render_errors_total, kdrift_api_errors_total{operation},
 * kdrift_report_writes_total{result}, kdrift_heal_actions_total{result},
 * kdrift_alerts_total. */
int kd_agent_metrics(kd_buf *out, kd_agent *a);
/* Ready once the first reconcile was reported. */
bool kd_agent_ready(kd_agent *a);
/* Alive: the agent's loop turned within the last five minutes. */
bool kd_agent_healthy(kd_agent *a);

/* The counters behind kd_agent_metrics (exposed for tests). */
typedef struct kd_agent_counters {
	uint64_t reconciles;
	uint64_t render_errors;
	uint64_t api_errors_read;     /* the cluster could not be read */
	uint64_t api_errors_report;   /* a report could not be written */
	uint64_t reports_written, reports_unchanged, reports_conflicts, reports_failed;
	uint64_t heal_succeeded, heal_failed;
	uint64_t alerts;
	time_t last_reconcile;        /* wall clock; 0: none yet */
	int64_t last_duration_ms;
} kd_agent_counters;

/* Formats the exposition from counters and the last state (may be NULL). */
int kd_agent_metrics_format(kd_buf *out, const char *cluster, const kd_agent_counters *c,
			    const kd_cluster_state *st);

/* The metrics server: /metrics, /healthz and /readyz over plain HTTP on
 * addr ("HOST:PORT", ":PORT" for every address, "[::1]:PORT"; port 0
 * picks a free one).  Its own thread, a few connections at a time, small
 * requests only (headers over 16 KiB and bodies are refused); it never
 * waits on the agent's loop. */
typedef struct kd_agent_http kd_agent_http;
int kd_agent_http_start(kd_agent_http **out, kd_agent *a, const char *addr);
/* The port it listens on. */
int kd_agent_http_port(const kd_agent_http *h);
void kd_agent_http_stop(kd_agent_http *h);

/*
 * act — the one place that changes clusters and Git for the CLI and the UI
 * (DESIGN §7): revert, accept and break-glass changes.
 *
 * It joins the pieces the other modules own: a cluster connection opened
 * from the fleet and the kubeconfig (the cluster's own context, or the
 * break-glass credential), a revert plan for a field / object / app /
 * cluster built from a published kd_cluster_state, its preview, its
 * execution, an accept of one resource into Git, and applying a planned
 * break-glass change.  Every write is audited by the functions it calls
 * (kd_remedy_*, kd_breakglass_*): intent fsynced before the call,
 * outcome after.
 *
 * Outcomes the caller must tell apart:
 *   KD_ECONFLICT  the object changed since it was shown (HTTP 409): nothing
 *                 was overwritten; the message says "changed since it was
 *                 shown; refresh and try again";
 *   KD_ERROR      with a 403: the message names the context whose credential
 *                 may not write, and says nothing was changed.
 *
 * Thread rules: every function blocks (network, Git) and none prints, so
 * the UI calls them from a worker thread, never from its own.  A kd_act owns
 * its own kube driver and connection: use one kd_act from one thread at a
 * time (open it on the worker, use it there, close it there); different
 * kd_act values may run on different threads at once.  The kd_cluster_state
 * and kd_fleet passed in are only read: hold your store reference (and keep
 * the engine alive) for the duration of the call.  Error messages are
 * thread-local (kd_error_last() on the calling thread).
 */

typedef struct kd_act kd_act;

typedef struct kd_act_opts {
	const char *kubeconfig;   /* NULL: $KUBECONFIG, else ~/.kube/config */
	/* Connect with the fleet's break-glass credential (breakGlass.context)
	 * instead of the cluster's own context. */
	bool breakglass;
	const char *audit_path;   /* NULL: kd_audit_default_path() */
	/* NULL: kd_audit_key_file_pick(the fleet's audit.keyFile) */
	const char *audit_key_file;
	const char *state_path;   /* break-glass session state; NULL: the default */
	const char *user;         /* NULL: the login name */
	const char *session;      /* the UI session id for audit records, or NULL */
	long timeout_ms;          /* one operation across its retries; 0: 60000 */
	/* A kubeconfig already loaded (the agent's in-cluster credentials),
	 * used instead of `kubeconfig`; borrowed, it must outlive the kd_act. */
	const kd_kubeconfig *kubeconfig_loaded;
	const char *context;      /* instead of the fleet's context for the cluster */
} kd_act_opts;

/* Opens a connection to `cluster` (a name in the fleet).  `fleet` is
 * borrowed and must outlive the kd_act; opts may be NULL.  KD_ENOTFOUND
 * when the fleet has no such cluster or the kubeconfig no such context. */
int kd_act_open(kd_act **out, const kd_fleet *fleet, const char *cluster,
		const kd_act_opts *opts);
void kd_act_close(kd_act *a);

const char *kd_act_cluster(const kd_act *a);
/* The kubeconfig context the connection uses. */
const char *kd_act_context(const kd_act *a);

/* Reads one object fresh from the cluster (for break-glass edits and for
 * objects the engine does not track).  KD_ENOTFOUND when the cluster does
 * not serve the kind or has no such object.  namespace NULL or "" for
 * cluster-scoped kinds. */
int kd_act_get(json_t **out, kd_act *a, const char *api_version,
	       const char *kind, const char *namespace, const char *name);

/* The kind the cluster serves under `text`: a kind or its plural, any case,
 * optionally with its group as kubectl writes it (Widget, widgets,
 * Widget.example.com, ConfigMap.core).  Built-in kinds and custom resources
 * alike, from the cluster's discovery.  *api_version ("group/version", the
 * group's preferred version first) and *kind (as the server spells it) are
 * the caller's to free.  KD_ENOTFOUND when nothing matches, KD_EINVAL when
 * a name without a group matches kinds of two groups. */
int kd_act_resolve_kind(char **api_version, char **kind, kd_act *a, const char *text);

/* ---- what to act on ------------------------------------------------------- */

/* Selects within a published cluster state.  app NULL: every app (a cluster
 * revert).  kind NULL: the whole app.  With an object (kind, namespace, name;
 * namespace NULL or "" for cluster-scoped), pointers select some of its
 * drifted fields (a pointer selects itself and everything below it; NULL /
 * 0: every field). */
typedef struct kd_act_target {
	const char *app;
	const char *kind;            /* matched case-insensitively; "Kind.group"
				      * (Certificate.cert-manager.io) when the
				      * same kind and name exist in two groups */
	const char *namespace;
	const char *name;
	const char *const *pointers;
	size_t npointers;
} kd_act_target;

/* Finds the target's app and resource (*res NULL when t->kind is NULL).
 * KD_ENOTFOUND naming what is missing; KD_EINVAL when a kind without its
 * group matches objects of two groups.  Both may be NULL.  The results
 * point into st. */
int kd_act_find(const kd_app_state **app, const kd_resource **res,
		const kd_cluster_state *st, const kd_act_target *t);

/* ---- revert --------------------------------------------------------------- */

/*
 * Plans the revert of the target.  Extra objects are planned for deletion
 * only when `prune` is asked AND the cluster's policy allows it
 * (st->prune); otherwise they are listed in plan->skipped with the reason.
 * self_heal skips objects changed under break-glass.  Never talks to the
 * cluster.  States published with statuses_only lack the objects: KD_EINVAL.
 */
int kd_act_plan_revert(kd_remedy_plan **out, const kd_cluster_state *st,
		       const kd_act_target *t, bool prune, bool self_heal);

/* The plan as text for confirmation (kd_remedy_plan_preview). */
int kd_act_preview(kd_buf *out, const kd_remedy_plan *plan);

typedef struct kd_act_revert_opts {
	bool dry_run;             /* server-side dry run; nothing logged */
	bool confirm_prune;       /* the operator confirmed the deletions */
	bool self_heal;           /* logged as self-heal (manager kdrift-self-heal) */
	const char *reason;       /* optional, logged */
	const char *ticket;       /* optional, logged */
	const char *revision;     /* the desired state's Git commit, logged; or NULL */
} kd_act_revert_opts;

/*
 * Executes the plan on the connection (plan->cluster must be a's cluster).
 * Every action gets its outcome (done, error, message); a failure does not
 * stop the others.  Returns 0 when all succeeded, else the code of the first
 * failure (KD_ECONFLICT, 403 as KD_ERROR, ... see above).  o may be NULL.
 */
int kd_act_revert(kd_act *a, kd_remedy_plan *plan, const kd_act_revert_opts *o);

/* ---- following up break-glass changes ----------------------------------------- */

/* The fields a break-glass change set, from its audit record's patch
 * (merge or strategic merge): a new JSON array of pointers, one per leaf, a
 * list as one field; the precondition and the break-glass mark are left
 * out. */
int kd_act_followup_pointers(json_t **out, const json_t *patch);

/*
 * The revert that follows up the break-glass changes of one object (t names
 * it; `open` is kd_audit_open_breakglass's list): only the drifted fields
 * those changes set, so other drift of the object (an older hotfix) is
 * neither reverted nor hidden.  *note (appended) says so for the preview:
 * the audit ids, the fields, and how much other drift stays.  KD_ENOTFOUND
 * when no open change is about the object, or its fields no longer drift.
 */
int kd_act_plan_followup_revert(kd_remedy_plan **out, kd_buf *note,
				const kd_cluster_state *st, const kd_act_target *t,
				const kd_audit_list *open);

/* ---- replicas under an HPA ---------------------------------------------------- */

/*
 * A change of spec.replicas of an object a HorizontalPodAutoscaler scales
 * (an HPA in its namespace whose scaleTargetRef names it, as the engine's
 * hpa_managed) is undone by the HPA: both faces warn before such a
 * break-glass scale or edit, and before a revert that sets replicas.
 */

/* True when a patch (or object) sets spec.replicas. */
bool kd_act_sets_replicas(const json_t *patch);
/* The name of the HPA among `hpas` (an array of HPA objects) that scales
 * obj, or *out NULL.  New string. */
int kd_act_hpa_find(char **out, const json_t *hpas, const json_t *obj);
/* Lists the HPAs of live's namespace through a's connection (autoscaling/v2,
 * else v1) and finds the one that scales it.  A cluster that cannot say
 * (no such API, not allowed to list) gives *out NULL and 0: the warning is
 * advice, never a reason to refuse. */
int kd_act_hpa_of(char **out, kd_act *a, const json_t *live);
/* "warning: HorizontalPodAutoscaler NAME scales Deployment shop/web: ..."
 * and a newline, appended; hpa NULL when its name is not known. */
int kd_act_hpa_warning(kd_buf *out, const char *kind, const char *namespace,
		       const char *name, const char *hpa);
/* The warnings for a revert plan's actions that set replicas of objects st
 * (the state the plan was made from) shows as HPA-managed.  No network. */
int kd_act_plan_hpa_warning(kd_buf *out, const kd_remedy_plan *plan,
			    const kd_cluster_state *st);

/* ---- accept ----------------------------------------------------------------- */

typedef struct kd_act_accept_req {
	const char *repo;            /* the local GitOps repository */
	const char *app;
	const kd_resource *res;      /* with desired and/or live (not statuses_only) */
	/* Fields, selected among res's drifted fields as for kd_act_target
	 * (NULL / 0: every drifted field). */
	const char *const *pointers;
	size_t npointers;
	const char *reason;          /* required */
	const char *identity;        /* "Name <email>", or NULL for the repository's */
	const char *branch;          /* NULL: the branch HEAD names */
	const char *review_branch;   /* commit there instead, or NULL */
	bool no_push;
	bool dry_run;                /* work out the files only (preview) */
	const char *to;              /* promote into this shared layer, or NULL */
	kd_cluster_state *const *states; /* promote: the app's clusters (may be NULL) */
	size_t nstates;
	const char *audit_path;      /* NULL: the default audit log */
	const char *audit_key_file;  /* NULL: kd_audit_key_file_pick(the fleet's) */
	const char *user;            /* for the audit records; NULL: the login name */
	const char *session;         /* the UI session id, or NULL */
} kd_act_accept_req;

/* Accepts the resource's live values into the cluster's layer in Git, or
 * with req->to promotes them into that shared layer (kd_accept_run; see
 * above for the refusals: Secret data, status fields, no cluster layer, a
 * layer the cluster does not reach, a closer layer's value, ...).  Needs no
 * cluster connection.  Unless dry_run, bracketed by audit records
 * (kd_act_git_audit, action accept or promote): the intent, fsynced,
 * before anything is committed (when it cannot be written nothing is), the
 * outcome with branch and commit after; the commit carries the audit head
 * and intent id as trailers.  A successful accept is the follow-up of the
 * object's break-glass changes (kd_audit_open_breakglass no longer lists
 * them).  When the commit was published but its outcome record could not
 * be written, the result's note says so. */
int kd_act_accept(kd_accept_result **out, const kd_fleet *fleet,
		  const char *cluster, const kd_act_accept_req *req);

/* ---- audit of changes to Git ------------------------------------------------ */

/*
 * Brackets one change to Git (accept, promote) with audit records: begin
 * appends the intent (mode normal) and prepares the trailers the commit
 * must carry ("Kdrift-Audit-Head: SEQ HASH" with the head after the intent,
 * and "Kdrift-Audit-Id: ID"); end appends the outcome naming the intent,
 * the branch and the commit.  Between the two the caller commits; it must
 * not commit when begin failed.
 */
typedef struct kd_act_git_audit {
	kd_audit_log log;            /* borrowed strings */
	kd_audit_entry entry;        /* borrowed strings; object from `obj` */
	char intent_id[KD_AUDIT_ID_SIZE];
	kd_audit_head head;          /* after the intent */
	kd_buf trailers;             /* for kd_accept_opts.trailers */
} kd_act_git_audit;

/* `obj` (borrowed, may be NULL) is the object the change is about: its
 * apiVersion, kind, namespace, name and uid go into the records.  action
 * e.g. KD_AUDIT_ACTION_ACCEPT; branch may be NULL when not known yet. */
int kd_act_git_audit_begin(kd_act_git_audit *g, const kd_audit_log *log,
			   const char *action, const char *cluster, const json_t *obj,
			   const char *reason, const char *branch, const char *user,
			   const char *session);

/* rc: the change's result (0, else kd_error_last() is the message); the
 * error state is left as it was.  Returns the append's result. */
int kd_act_git_audit_end(kd_act_git_audit *g, int rc, const char *branch,
			 const char *commit, const char *message);
void kd_act_git_audit_free(kd_act_git_audit *g);

/* ---- break-glass ------------------------------------------------------------ */

/*
 * Applies a change planned with kd_breakglass_plan_* (core/act/act.h) on
 * a kd_act opened with opts.breakglass, inside the active session: audited,
 * the object annotated with the audit id.  KD_EINVAL outside a session or
 * when `a` does not use the break-glass credential; KD_ECONFLICT when the
 * object changed since it was read.
 */
int kd_act_breakglass_apply(kd_act *a, kd_breakglass_change *ch, bool dry_run);

/*
 * Asks the cluster (a SelfSubjectAccessReview, as `kubectl auth can-i`)
 * whether the break-glass credential of `a` may make a change of `kind` on
 * `live` (a scale patches the /scale subresource and the object), before
 * the operator is asked for replicas, an image or an edit.  0 when allowed
 * or when the cluster cannot say (the write itself will then tell);
 * KD_ERROR, naming the context, the verb and the object, when denied.
 */
int kd_act_breakglass_check(kd_act *a, kd_breakglass_kind kind, const json_t *live);

#endif
