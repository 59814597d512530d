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
#ifndef KD_HEAL_H
#define KD_HEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "fleet.h"
#include "remedy.h"
#include "store.h"

typedef struct kd_heal_opts {
	const char *kubeconfig;   /* NULL: $KUBECONFIG or ~/.kube/config */
	const char *audit_path;   /* NULL: the default audit log */
	const char *state_path;   /* NULL: kd_heal_default_path() */
	const char *webhook;      /* overrides the policies' webhooks; NULL: theirs */
	const char *revision;     /* for the webhook summary; may be NULL */
	long webhook_timeout_ms;  /* 0: 10000 */
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

/* $XDG_STATE_HOME/kdrift/heal.json (~/.local/state/... when unset). */
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

#endif
