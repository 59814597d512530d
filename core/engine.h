/*
 * engine — the background reconcile loop (DESIGN §2).
 *
 * One engine thread owns the Git source (fetched on an interval and on
 * demand), rendering, the clusters' connections, watches and the diffs.  It
 * publishes per-cluster kd_cluster_state snapshots into the store and never
 * touches the terminal.  Other threads talk to it only through the
 * kd_engine_* request functions below, which queue work and return at once,
 * and read results from the store.
 *
 * A cluster that is unreachable, forbidden, slow or hanging is reported as
 * unknown with its reason, retried with backoff, and never delays the
 * others.
 *
 * What it keeps, so that 1000 clusters x 100 objects stay well under 2 GiB:
 * one render per distinct (app, expanded path, namespace), shared by every
 * cluster that uses it; per cluster the live objects of the kinds it lists,
 * without `status` (no rule of the diff reads it) but with managedFields
 * (attribution needs them) and last-applied (removal needs it); and the
 * diffs.  Published states share these json_t values by reference (jansson
 * counts references atomically) instead of copying them, and while
 * watching, the subtrees live objects repeat across clusters (specs, data,
 * labels, annotations, managedFields field sets) are kept once.  With
 * statuses_only (check) a cluster's objects are released as soon as its
 * state is published.
 *
 * Loads, watches and reconciles use the kinds of the desired objects and
 * HPAs; a few common kinds that may hold extra objects (ConfigMap, Secret,
 * Service, ServiceAccount, Deployment, StatefulSet, DaemonSet, CronJob,
 * Ingress) are listed too, and while watching are listed again at each Git
 * fetch instead of being watched.
 */
#ifndef KD_ENGINE_H
#define KD_ENGINE_H

#include <stdbool.h>

#include "buf.h"
#include "fleet.h"
#include "store.h"

typedef struct kd_engine kd_engine;

typedef struct kd_engine_opts {
	const char *repo;            /* path or URL; default "." */
	const char *revision;        /* NULL = HEAD (or the remote's default branch) */
	bool worktree;               /* read the work tree */
	const char *fleet_file;      /* default "kdrift.yaml" */
	const char *kubeconfig;      /* NULL = $KUBECONFIG or ~/.kube/config */
	const char *cluster_selector;/* kubectl text form over cluster labels, or NULL */
	const char *const *clusters; /* explicit cluster names (NULL-terminated), or NULL */
	const char *app;             /* only this app, or NULL */
	bool watch;                  /* set by kd_engine_start */
	int fetch_interval_s;        /* Git fetch interval when watching; 0 = default 60 */
	int timeout_s;               /* per-cluster deadline of one reconcile; 0 = default 30 */
	int concurrency;             /* clusters reconciled at once; 0 = default 64 */
	/* Publish statuses, reasons and diffs only, without the desired and
	 * live objects (kd_resource.desired/live stay NULL), and let go of a
	 * cluster's live objects once it is published: what `kdrift check`
	 * needs, in memory bounded by the clusters in flight. */
	bool statuses_only;
} kd_engine_opts;

/* Loads the source and fleet (errors here are fatal and returned) and
 * creates the store with one slot per selected cluster. */
int kd_engine_new(kd_engine **out, const kd_engine_opts *opts);
void kd_engine_free(kd_engine *e);   /* stops the thread first */

kd_store *kd_engine_store(kd_engine *e);
/* The fleet of the revision last loaded.  A new revision loads a new fleet;
 * earlier ones stay valid until kd_engine_free, so a reader may keep the
 * pointer it got. */
const kd_fleet *kd_engine_fleet(const kd_engine *e);

/* Reconciles every selected cluster once on the calling thread and
 * returns when each is published (or timed out as unknown).  For check. */
int kd_engine_run_once(kd_engine *e);

/* Starts the background thread: a first reconcile of every cluster, then
 * watches (events are coalesced for 50 ms and only the objects they
 * touch are diffed again), Git fetches every fetch_interval_s, retries of
 * failed clusters with exponential backoff.  kd_engine_stop joins it. */
int kd_engine_start(kd_engine *e);
void kd_engine_stop(kd_engine *e);

/* Requests, safe from any thread; they return at once. */
void kd_engine_refresh(kd_engine *e, const char *cluster);  /* NULL = all, with a Git fetch */

/* ---- helpers (exposed for tests) ---------------------------------------- */

/* The name of the app a live object is tracked as belonging to under the
 * fleet's tracking mode, or NULL.  AUTO tries, in order, kdrift's own
 * kdrift.dev/app label, Argo CD's tracking-id annotation ("APP:group/Kind:
 * ns/name"), the Flux labels kustomize.toolkit.fluxcd.io/name and
 * /namespace (the Flux Kustomization's name is the app's name) and Argo
 * CD's app.kubernetes.io/instance label.  The result points into obj or,
 * for the annotation, into *scratch (caller frees). */
const char *kd_engine_tracked_app(const json_t *obj, kd_tracking mode,
				  char **scratch);

/* Appends an object's identity "GROUP/KIND/NAMESPACE/NAME" (the version is
 * left out so one object served at two versions is one key; the namespace
 * is empty when `namespaced` is false). */
int kd_engine_object_key(kd_buf *out, const json_t *obj, bool namespaced);

/* The HPA target key (as kd_engine_object_key) of a HorizontalPodAutoscaler,
 * or a negative code when it has no usable scaleTargetRef. */
int kd_engine_hpa_target(kd_buf *out, const json_t *hpa);

/* True when an app path template depends on the cluster ("{{"). */
bool kd_engine_path_is_templated(const char *path);

#endif
