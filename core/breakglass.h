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
 * Never prints, never edits YAML itself: the caller runs $EDITOR and hands
 * over the old and new objects.  Times are passed in (milliseconds since the
 * epoch) where a test needs to control them.
 */
#ifndef KD_BREAKGLASS_H
#define KD_BREAKGLASS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit.h"
#include "fleet.h"
#include "kube.h"
#include "kubeconfig.h"

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
	const char *user;         /* NULL: the login name */
} kd_breakglass_opts;

/* $XDG_STATE_HOME/kdrift/breakglass.json, or
 * ~/.local/state/kdrift/breakglass.json.  New string. */
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

#endif
