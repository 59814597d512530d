/*
 * engine_priv — the engine's internal state, shared by the files of
 * core/engine/ only.
 *
 * Everything here belongs to the engine thread (or to the caller of
 * kd_engine_run_once); other threads see the engine only through the store
 * and the request queue (mu, cmd_fd).
 */

#ifndef KD_ENGINE_PRIV_H
#define KD_ENGINE_PRIV_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "diff/diff.h"
#include "kube/kube.h"
#include "render/render.h"
#include "source/source.h"

typedef struct eng_cluster eng_cluster;

/* One kind listed and watched in one cluster. */
typedef struct eng_kind {
	eng_cluster *cl;
	char *group, *version, *kind, *resource;
	bool namespaced;
	bool can_watch;
	bool watched;             /* a desired kind (or HPA): watched; others are resynced */
	bool listed;              /* the first list completed */
	char *rv;                 /* resourceVersion of the list, where the watch starts */
	kd_kube_call *call;       /* list in flight */
	kd_kube_watch *watch;
} eng_kind;

/* One Helm release an app's Git objects describe (engine_helm.c). */
typedef struct eng_release {
	size_t index;             /* the HelmRelease / Application in eng_app.desired */
	kd_helm_release git;      /* its name, namespaces, Git's chart and values */
	char *key;                /* "namespace/name" */
	size_t first, count;      /* its chart's objects: desired[first, first + count) */
	char *reason;             /* why nothing is known of it (no deployed record,
				   * unreadable), or NULL */
	kd_diff_result *behind;   /* Git against the deployed record, or NULL */
	char *summary;            /* "revision 3 of chart edge-router 1.4.2" */
} eng_release;

/* One app as rendered for one cluster. */
typedef struct eng_app {
	const kd_app *app;
	json_t *desired;          /* array of objects (shared with the render cache) */
	json_t *provenance;       /* parallel provenance maps, with opts.provenance */
	char *error;              /* why it did not render, or NULL */
	char *path;               /* the app path expanded for this cluster */
	json_t *intentional;      /* object: key -> true for cluster-layer objects, or NULL */
	/* Helm (engine_helm.c): when the app's objects describe Helm
	 * releases, `desired` is a new array, Git's objects followed by the
	 * objects of the releases' deployed records, and `git` holds the
	 * rendered array; NULL otherwise. */
	json_t *git;
	eng_release *releases;
	size_t nreleases;
} eng_app;

/* One list of Helm release records (engine_helm.c). */
typedef struct eng_record_list {
	eng_cluster *cl;
	char *namespace;          /* a storage namespace */
	const char *resource;     /* "secrets" or "configmaps" */
	kd_kube_call *call;
} eng_record_list;

/* A cached diff: reused while neither side changed (same json_t). */
typedef struct eng_diff {
	char *key;
	json_t *desired, *live;   /* held */
	bool hpa;
	kd_diff_result *res;
} eng_diff;

typedef enum eng_phase {
	PHASE_IDLE = 0,          /* not started, or waiting for a retry */
	PHASE_DISCOVER,
	PHASE_LIST,
	PHASE_READY,             /* listed (and watching when the engine watches) */
	PHASE_FAILED,
} eng_phase;

struct eng_cluster {
	kd_engine *e;
	const kd_cluster *fc;     /* in `fleet` */
	kd_fleet *fleet;          /* held: the fleet fc points into, the engine's
				   * or, for a cluster a new revision dropped, an
				   * older one */
	size_t slot;              /* index in the store */
	kd_kube_conn *conn;
	kd_kube_call *disc;       /* discovery in flight */
	kd_kube_call *probe;      /* reachability probe after a dropped watch */
	eng_phase phase;
	eng_app *apps;
	size_t napps;
	eng_kind *kinds;
	size_t nkinds;
	int lists_pending;
	json_t *live;             /* key -> live object ("status" removed) */
	json_t *kind_of;          /* "group/Kind" -> true for kinds listed */
	eng_diff *diffs;
	size_t ndiffs;
	json_t *diff_index;       /* key -> index in diffs */
	char *reason;             /* why the cluster is unknown, or NULL */
	int64_t started_ms;
	int64_t deadline_ms;      /* of the reconcile in progress; 0 = none */
	int64_t retry_ms;         /* when to retry after a failure; 0 = none */
	int failures;             /* consecutive, for the backoff */
	bool dirty;               /* live changed since the last publish */
	int64_t publish_ms;       /* when a dirty cluster publishes (coalescing) */
	bool busy;                /* holds one unit of the store's busy count */
	bool rendered;
	bool watches_pending;     /* listed; its watches start once the fleet is listed */
	bool queued;               /* waits for a reconcile slot */
	bool ever_failed;
	time_t synced_at;
	/* Helm release records (engine_helm.c): storage namespace ->
	 * {"items": [Secrets and ConfigMaps], "error": why a list failed} */
	json_t *records;
	json_t *records_next;     /* the same, being listed */
	char *records_mark;       /* the records' names and versions last expanded */
	eng_record_list *rlists;  /* lists in flight */
	size_t nrlists;
	int rlists_pending;
	void (*records_done)(eng_cluster *cl);
	bool read_live;           /* --from-reports: read directly instead (kd_engine_read_live) */
	bool awaiting;            /* its desired state changed with the pending
				   * revision and is not published yet */
};

struct kd_engine {
	kd_engine_opts opts;      /* strings below are owned copies */
	char *repo, *revision, *fleet_file, *kubeconfig_path, *selector_text, *app_name;
	char *context;            /* opts.context */
	char **cluster_names;

	kd_source *src;
	kd_fleet *fleet;          /* of the revision last loaded (held; the store
				   * holds it too) */
	kd_store *store;
	kd_kubeconfig *kc;
	char *kc_error;           /* why the kubeconfig could not be loaded */
	kd_kube_driver *drv;
	kd_kube_options kopt;

	eng_cluster *cl;
	size_t ncl;

	json_t *render_cache;     /* key -> array of objects, or string (error) */
	json_t *base_cache;       /* path -> array of objects, or null (failed) */
	json_t *intern;           /* JSON text -> the shared subtree (engine_intern.c) */
	kd_diff_memo *diff_memo;  /* fields found equal, across clusters */
	time_t fetched_at;

	/* the engine thread */
	pthread_t thread;
	bool running;
	int cmd_fd[2];            /* a byte wakes the loop; requests are in the fields below */
	pthread_mutex_t mu;
	bool stop_requested;
	bool refresh_all;
	json_t *refresh_names;    /* array of cluster names to reconcile again */
	json_t *live_names;       /* array of cluster names to read directly (--from-reports) */
	bool kc_borrowed;         /* kc came from opts.kubeconfig_loaded */
	int64_t next_fetch_ms;
	int64_t watch_hold_ms;     /* watches wait for the lists until then */
	/* Git changes (engine.c): kd_engine_nudge requests a look at the
	 * source now, each holding a unit of the store's busy count until it
	 * is taken; a local repository's refs are read every POLL_MS; a new
	 * revision is pending (and holds a busy unit) until every cluster whose
	 * desired state it changed is published. */
	int nudges;
	bool poll_refs;
	int64_t next_poll_ms;
	char *poll_error;         /* the last failed look at the refs, logged once */
	bool pending;
	/* The audit log's break-glass follow-up state (engine_followup.c,
	 * engine thread only), read again when the log file changes. */
	char *audit_path;         /* opts.audit_path */
	struct kd_audit_followup *followup;
	bool followup_read;
	long long followup_sig[4]; /* device, inode, size, mtime (ns) read */
};

/* engine_followup.c: whether a drifted object marked kdrift.dev/break-glass
 * (mark) still awaits follow-up, as the audit log says; the log is read
 * again only when it changed. */
bool eng_breakglass_awaits(kd_engine *e, const char *cluster, const kd_resource *r,
			   const char *mark);
void eng_followup_free(kd_engine *e);

/* engine.c */
int64_t eng_now_ms(void);
void eng_busy(eng_cluster *cl, bool on);

/* engine_desired.c: renders every app of a cluster (through the cache). */
int eng_render_cluster(kd_engine *e, eng_cluster *cl);
void eng_apps_free(eng_cluster *cl);
/* Renders a rendered cluster's apps again (a new revision) and compares
 * them with what it had: 1 when its desired state changed (the new render
 * is in place), 0 when it did not (the old apps stay, re-pointed at the
 * engine's current fleet), or a negative code. */
int eng_render_changed(kd_engine *e, eng_cluster *cl);

/* engine_cluster.c: the reconcile state machine of one cluster. */
void eng_cluster_start(eng_cluster *cl);
void eng_cluster_reset(eng_cluster *cl);
void eng_cluster_fail(eng_cluster *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void eng_cluster_tick(eng_cluster *cl, int64_t now);
void eng_cluster_start_watches(eng_cluster *cl);
void eng_cluster_resync(eng_cluster *cl);
/* After a new revision: renders again (unless `rendered`: done already)
 * and republishes against the live objects it has; false when the cluster
 * needs a full reconcile instead (not ready, or the desired objects use a
 * kind it does not watch). */
bool eng_cluster_rerender(eng_cluster *cl, bool rendered);
bool eng_cluster_active(const eng_cluster *cl);

/* engine_intern.c: shares the repeated subtrees of live objects. */
void eng_intern(kd_engine *e, json_t *obj);
void eng_intern_purge(kd_engine *e);

/* engine_reports.c: --from-reports clusters, one list of DriftReports each. */
void eng_reports_start(eng_cluster *cl);
int eng_reports_publish(eng_cluster *cl, const char *list, size_t len);
/* True when the cluster is read from its reports (not switched to live). */
bool eng_from_reports(const eng_cluster *cl);
/* engine_unmanaged.c: adds the cluster's unmanaged objects to a state,
 * given the keys of the desired objects. */
int eng_add_unmanaged(eng_cluster *cl, kd_cluster_state *st, const json_t *seen);

/* engine_state.c: builds and publishes a cluster's state. */
int eng_publish(eng_cluster *cl);
void eng_diffs_free(eng_cluster *cl);
/* A deep copy a published state can own. */
kd_diff_result *eng_diff_copy(const kd_diff_result *src);

/* engine_helm.c: Helm releases as desired state (DESIGN §5).  Their records
 * are listed after discovery (one list of Secrets and one of ConfigMaps
 * labelled owner=helm,status=deployed per storage namespace), and the
 * releases' objects join the desired objects of the app that holds them. */
/* Lists the records the cluster's releases need; `done` runs when every
 * list has answered.  Returns how many lists started (0: no release). */
int eng_helm_fetch(eng_cluster *cl, void (*done)(eng_cluster *cl));
/* Rebuilds every app's desired objects from Git's and the records. */
int eng_helm_expand(eng_cluster *cl);
/* After a new render: expands from the records at hand; false when they
 * do not cover every storage namespace (a full reconcile is needed). */
bool eng_helm_rerender(eng_cluster *cl);
/* The records' names and versions changed since the last expansion. */
bool eng_helm_records_changed(eng_cluster *cl);
void eng_helm_reset(eng_cluster *cl);      /* cancels lists, drops records */
void eng_helm_app_free(eng_app *ea);
/* Marks a published app's resources (parallel to ea->desired) with their
 * releases and adds each release's comparison with Git to its HelmRelease. */
int eng_helm_state(eng_cluster *cl, const eng_app *ea, kd_app_state *app);
/* The app whose Helm release a live object is annotated as part of, or -1
 * (none), or -2 (a release whose objects are unknown: never an extra);
 * *release gets the release's "namespace/name" (borrowed). */
long eng_helm_owner(const eng_cluster *cl, const json_t *obj, const char **release);

#endif
