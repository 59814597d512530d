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
 * write (kd_remedy_write) to break-glass (core/breakglass.h).
 *
 * Never prints.  Not thread-safe: one thread drives a plan and its
 * connection.
 */
#ifndef KD_REMEDY_H
#define KD_REMEDY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "diff.h"
#include "kube.h"
#include "store.h"

#define KD_REMEDY_MANAGER "kdrift"
#define KD_REMEDY_MANAGER_SELF_HEAL "kdrift-self-heal"
#define KD_REMEDY_APP_LABEL "kdrift.dev/app"
#define KD_REMEDY_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
/* Set by break-glass changes (core/breakglass.h); a full revert removes it. */
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

/* The whole plan as text for a confirmation prompt: each action's preview,
 * then the skipped objects with their reasons. */
int kd_remedy_plan_preview(kd_buf *out, const kd_remedy_plan *plan);

/* ---- execution ---------------------------------------------------------- */

typedef struct kd_remedy_exec_opts {
	bool self_heal;            /* audit mode self-heal, manager kdrift-self-heal */
	bool dry_run;              /* server-side dryRun=All; nothing is logged */
	bool confirm_prune;        /* the user confirmed deleting extra objects */
	const char *audit_path;    /* NULL: kd_audit_default_path() */
	const char *user;          /* NULL: the login name */
	const char *session;       /* the TUI session id, or NULL */
	const char *reason;        /* optional, logged */
	const char *ticket;        /* optional, logged */
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

#endif
