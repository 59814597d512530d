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
 * (core/remedy.h, core/breakglass.h): intent fsynced before the call,
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
#ifndef KD_ACT_H
#define KD_ACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "accept.h"
#include "breakglass.h"
#include "buf.h"
#include "fleet.h"
#include "remedy.h"
#include "store.h"

typedef struct kd_act kd_act;

typedef struct kd_act_opts {
	const char *kubeconfig;   /* NULL: $KUBECONFIG, else ~/.kube/config */
	/* Connect with the fleet's break-glass credential (breakGlass.context)
	 * instead of the cluster's own context. */
	bool breakglass;
	const char *audit_path;   /* NULL: kd_audit_default_path() */
	const char *state_path;   /* break-glass session state; NULL: the default */
	const char *user;         /* NULL: the login name */
	const char *session;      /* the UI session id for audit records, or NULL */
	long timeout_ms;          /* one operation across its retries; 0: 60000 */
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

/* ---- what to act on ------------------------------------------------------- */

/* Selects within a published cluster state.  app NULL: every app (a cluster
 * revert).  kind NULL: the whole app.  With an object (kind, namespace, name;
 * namespace NULL or "" for cluster-scoped), pointers select some of its
 * drifted fields (a pointer selects itself and everything below it; NULL /
 * 0: every field). */
typedef struct kd_act_target {
	const char *app;
	const char *kind;            /* matched case-insensitively */
	const char *namespace;
	const char *name;
	const char *const *pointers;
	size_t npointers;
} kd_act_target;

/* Finds the target's app and resource (*res NULL when t->kind is NULL).
 * KD_ENOTFOUND naming what is missing.  Both may be NULL.  The results point
 * into st. */
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
} kd_act_revert_opts;

/*
 * Executes the plan on the connection (plan->cluster must be a's cluster).
 * Every action gets its outcome (done, error, message); a failure does not
 * stop the others.  Returns 0 when all succeeded, else the code of the first
 * failure (KD_ECONFLICT, 403 as KD_ERROR, ... see above).  o may be NULL.
 */
int kd_act_revert(kd_act *a, kd_remedy_plan *plan, const kd_act_revert_opts *o);

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
} kd_act_accept_req;

/* Accepts the resource's live values into the cluster's layer in Git
 * (kd_accept_run; see core/accept.h for the refusals: Secret data,
 * status fields, no cluster layer, ...).  Needs no cluster connection. */
int kd_act_accept(kd_accept_result **out, const kd_fleet *fleet,
		  const char *cluster, const kd_act_accept_req *req);

/* ---- break-glass ------------------------------------------------------------ */

/*
 * Applies a change planned with kd_breakglass_plan_* (core/breakglass.h) on
 * a kd_act opened with opts.breakglass, inside the active session: audited,
 * the object annotated with the audit id.  KD_EINVAL outside a session or
 * when `a` does not use the break-glass credential; KD_ECONFLICT when the
 * object changed since it was read.
 */
int kd_act_breakglass_apply(kd_act *a, kd_breakglass_change *ch, bool dry_run);

#endif
