/*
 * engine — the background reconcile thread (DESIGN §2) and the store of
 * immutable, reference-counted snapshots it publishes for the faces.
 *
 * Never prints and never touches the terminal.  Uses the parts base, data,
 * source, fleet, kube, render and diff.
 */

#ifndef KD_ENGINE_H
#define KD_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diff/diff.h"
#include "fleet/fleet.h"
#include "kube/kube.h"
#include "source/source.h"
#include "base/base.h"

/*
 * store — the engine's published results, read by the UI and the CLI.
 *
 * The engine thread builds one kd_cluster_state per cluster (its apps, their
 * resources, statuses, diffs) and publishes it; from then on the state is
 * immutable and reference counted, so a reader keeps a consistent view for
 * as long as it holds its reference while the engine publishes newer ones.
 * Publishing bumps a version counter and makes the wake fd readable, which
 * is how the UI learns that something changed without ever blocking.
 *
 * The fleet is published the same way: the store holds the current one and
 * every state holds the fleet it was published with, so a reader that
 * keeps a state keeps its fleet (clusters, labels, policies, ignore rules)
 * valid too, while the engine moves on to a newer revision.  A fleet is
 * freed when neither the engine, the store, a state nor a reader holds it.
 *
 * The store also keeps the fleet-wide facts (source label, revision, fetch
 * time), a bounded log of engine events for the message log view, and the
 * engine's busy count so scripted UI tests can wait for idleness.
 *
 * Thread safety: every kd_store_* function may be called from any thread.
 * A kd_cluster_state is written only before kd_store_publish and read-only
 * afterwards.  Never prints.
 */

/* Ordered by severity: a parent shows the greatest status of its children. */
typedef enum kd_status {
	KD_STATUS_SYNCED = 0,
	KD_STATUS_EXTRA,        /* tracked as the app's, not in Git (prune candidate) */
	KD_STATUS_MISSING,      /* in Git, not in the cluster */
	KD_STATUS_DRIFTED,      /* fields differ */
	KD_STATUS_BREAKGLASS,   /* drifted by a logged break-glass change awaiting follow-up */
	KD_STATUS_UNKNOWN,      /* unreachable, forbidden, or failed to render (reason given) */
	KD_STATUS_COUNT
} kd_status;

/* "synced", "extra", "missing", "drifted", "break-glass", "unknown". */
const char *kd_status_name(kd_status s);
/* Parses a name (also "breakglass"); -1 when unknown. */
int kd_status_parse(const char *name);
/* The glyph of DESIGN §1: ✓ ~ + - ! ? (ASCII: = ~ + - ! ?). */
const char *kd_status_glyph(kd_status s, bool ascii);

typedef struct kd_counts {
	unsigned n[KD_STATUS_COUNT];
} kd_counts;

typedef struct kd_resource {
	char *api_version;
	char *kind;
	char *namespace;         /* "" for cluster-scoped objects */
	char *name;
	kd_status status;
	bool intentional;        /* desired state comes from the cluster's own layer */
	char *reason;            /* why unknown; for break-glass the audit id and reason; or NULL */
	kd_diff_result *diff;    /* fields, for drifted and break-glass; else NULL */
	json_t *desired;         /* rendered object (shared, immutable); NULL when extra */
	json_t *provenance;      /* its provenance map (render.h), with opts.provenance; else NULL */
	json_t *live;            /* live object (shared, immutable); NULL when missing */
	char *uid;               /* live uid, or NULL */
	char *resource_version;  /* live resourceVersion the diff was made against, or NULL */
	bool hpa_managed;        /* an HPA scales it (replicas ignored) */
	/* Helm (DESIGN §5): "NAMESPACE/NAME" of the Helm release the object
	 * belongs to, or NULL.  On a chart's object (helm_chart) the release
	 * whose record's manifest holds it, or whose Helm annotations name it;
	 * on a HelmRelease (or an Argo CD Application with a Helm source) the
	 * release it describes, whose record's chart version and values are
	 * compared with Git: the last helm_fields fields of its diff are
	 * those, and their live side is the record, not the live object. */
	char *helm_release;
	bool helm_chart;
	size_t helm_fields;
} kd_resource;

typedef struct kd_app_state {
	char *name;
	kd_status status;        /* worst of its resources, or UNKNOWN with reason */
	kd_counts counts;
	char *reason;            /* render error, or NULL */
	char *path;              /* the rendered path for this cluster, or NULL */
	kd_resource *resources;  /* sorted by kind, namespace, name */
	size_t nresources;
} kd_app_state;

typedef struct kd_cluster_state {
	char *name;
	json_t *labels;          /* object of string -> string (shared) */
	kd_status status;        /* worst of its apps, or UNKNOWN with reason */
	kd_counts counts;        /* of all resources below */
	char *reason;            /* unreachable / forbidden / ..., or NULL */
	bool reachable;
	kd_remediation remediation;
	bool prune;
	time_t synced_at;        /* when live state was last read in full; 0 = never */
	bool watched;            /* watches keep the live objects current since
				  * synced_at: the state is live, not that old */
	char *revision;          /* the Git revision desired state was rendered from
				  * (a later one that leaves the cluster's desired
				  * state the same publishes no new state) */
	uint64_t generation;     /* set by kd_store_publish: increases per publish */
	kd_fleet *fleet;         /* set by kd_store_publish: the store's fleet then
				  * (held, read-only), or NULL when it has none */
	kd_app_state *apps;      /* in fleet order */
	size_t napps;
	struct kd_unmanaged *unmanaged;  /* with kd_engine_opts.unmanaged: objects
					  * made by hand (below), sorted by
					  * namespace, kind, name */
	size_t nunmanaged;
	int refs_;               /* private */
	/* Read from the cluster's DriftReports (--from-reports): statuses and
	 * diffs as the agent wrote them, no desired or live objects; synced_at
	 * is the oldest report's time. */
	bool from_reports;
	int64_t reconcile_ms;    /* how long the last full read took; 0 = unknown */
} kd_cluster_state;

/* A new, empty state with one reference. */
kd_cluster_state *kd_cluster_state_new(const char *name);
kd_cluster_state *kd_cluster_state_ref(kd_cluster_state *st);
void kd_cluster_state_unref(kd_cluster_state *st);

/* Appends an app (zeroed except its name) and returns it; NULL on ENOMEM. */
kd_app_state *kd_cluster_state_add_app(kd_cluster_state *st, const char *name);
/* Appends a resource to an app; strings are copied, json values increffed,
 * the diff is taken over.  NULL on ENOMEM. */
kd_resource *kd_app_state_add_resource(kd_app_state *app,
				       const char *api_version, const char *kind,
				       const char *namespace, const char *name);

/* Sorts resources and computes every app's and the cluster's status and
 * counts from the resources (an app or cluster with a reason is UNKNOWN). */
void kd_cluster_state_finish(kd_cluster_state *st);
/* Adds a cluster's counts to a fleet summary (kdrift check's summary line,
 * the UI's title): its resources, plus one unknown for each app or the
 * cluster itself when it could not be read at all. */
void kd_counts_add_cluster(kd_counts *sum, const kd_cluster_state *st);

/* Finds an app by name, a resource by kind/namespace/name (NULL if none). */
const kd_app_state *kd_cluster_state_app(const kd_cluster_state *st, const char *app);
const kd_resource *kd_app_state_resource(const kd_app_state *app, const char *kind,
					 const char *namespace, const char *name);

/*
 * unmanaged — objects in the namespaces a cluster's apps manage that no app
 * declares, no app tracks and nothing owns: the debug shell someone forgot
 * (DESIGN §12, `kdrift check --unmanaged`).
 *
 * Only the namespaced kinds people create by hand are looked at
 * (kd_unmanaged_kinds: workloads, pods, services, config maps, secrets,
 * ingresses, service accounts, roles, role bindings, network policies,
 * persistent volume claims, autoscalers, disruption budgets); leases,
 * events, endpoints, endpoint slices and controller revisions never are.
 * An object is left out when it has ownerReferences, when every field
 * manager that wrote it (subresources aside) is a known controller
 * (Kubernetes' own, or a GitOps applier), or when it is one of the objects
 * Kubernetes and Helm make by themselves: the kube-root-ca.crt ConfigMap,
 * the default ServiceAccount, service-account token Secrets and Helm's
 * release Secrets (sh.helm.release.v1.*).
 */
typedef struct kd_unmanaged {
	char *api_version;
	char *kind;
	char *namespace;
	char *name;
	char *manager;           /* the field manager that made it, or NULL when
				  * managedFields do not say */
	char *time;              /* when it was created (RFC 3339), or NULL */
} kd_unmanaged;

typedef struct kd_group_kind {
	const char *group;       /* "" for the core group */
	const char *kind;
} kd_group_kind;

/* The kinds looked at, terminated by an entry with kind == NULL. */
const kd_group_kind *kd_unmanaged_kinds(void);
bool kd_unmanaged_kind(const char *group, const char *kind);

/* Whether a live object of those kinds (in a managed namespace, declared
 * by no app) is listed: false for owned, controller-made and automatic
 * objects.  When true, *manager is the field manager that made it (the
 * earliest that is no known controller; NULL when managedFields are
 * absent) and *time its creationTimestamp (or that manager's time; may be
 * NULL); both point into obj. */
bool kd_unmanaged_candidate(const json_t *obj, const char **manager, const char **time);

/* Appends an entry to a state (strings copied; manager and time may be
 * NULL); NULL on ENOMEM. */
kd_unmanaged *kd_cluster_state_add_unmanaged(kd_cluster_state *st, const char *api_version,
					     const char *kind, const char *namespace,
					     const char *name, const char *manager,
					     const char *time);
/* Sorts a state's entries by namespace, kind and name. */
void kd_cluster_state_sort_unmanaged(kd_cluster_state *st);
/* Frees a state's entries (kd_cluster_state_unref does). */
void kd_cluster_state_clear_unmanaged(kd_cluster_state *st);

/* The glyph of an unmanaged object: a pencil, made by hand (ASCII '#'). */
const char *kd_unmanaged_glyph(bool ascii);

typedef enum kd_log_level {
	KD_LOG_INFO = 0,
	KD_LOG_WARN,
	KD_LOG_ERROR,
} kd_log_level;

typedef struct kd_log_entry {
	uint64_t seq;
	time_t time;
	kd_log_level level;
	char *cluster;           /* or NULL for fleet-wide events */
	char *message;
} kd_log_entry;

typedef struct kd_store kd_store;

/* A store for the given clusters (names copied); every slot starts empty. */
int kd_store_new(kd_store **out, const char *const *clusters, size_t n);
void kd_store_free(kd_store *s);

size_t kd_store_cluster_count(const kd_store *s);
const char *kd_store_cluster_name(const kd_store *s, size_t index);
/* Index of a cluster by name, or -1. */
long kd_store_cluster_index(const kd_store *s, const char *name);

/* Publishes a finished state for slot `index`, taking over the caller's
 * reference; the previous state is released when its last reader lets go.
 * The state takes a reference to the store's current fleet. */
void kd_store_publish(kd_store *s, size_t index, kd_cluster_state *st);

/* A new reference to the current state of a slot, or NULL before the
 * first publish. */
kd_cluster_state *kd_store_get(kd_store *s, size_t index);

/* Makes `fleet` the current one (the store takes its own reference and
 * drops the one it held on the previous fleet); NULL for none.  States
 * published before keep the fleet they were published with. */
void kd_store_set_fleet(kd_store *s, kd_fleet *fleet);
/* A new reference to the current fleet (drop it with kd_fleet_free), or
 * NULL when there is none (a store filled from a state file). */
kd_fleet *kd_store_fleet(kd_store *s);

/* Fleet-wide facts. */
void kd_store_set_source(kd_store *s, const char *label, const char *revision,
			 time_t fetched_at);
/* Copies (caller frees label and revision); either may be NULL. */
void kd_store_source(kd_store *s, char **label, char **revision, time_t *fetched_at);

/* A new revision the engine has seen but not rendered yet (a commit, a
 * push or a fetch moved the branch): the faces show it as pending until
 * the engine publishes the states rendered from it and moves the source's
 * revision to it (kd_store_set_source with that revision clears it in the
 * same step).  NULL clears it.  Copies; *revision is NULL when nothing is
 * pending (caller frees). */
void kd_store_set_pending(kd_store *s, const char *revision);
void kd_store_pending(kd_store *s, char **revision);

/* Engine events, kept in a ring of the most recent KD_STORE_LOG_MAX. */
#define KD_STORE_LOG_MAX 2000
void kd_store_log(kd_store *s, kd_log_level level, const char *cluster,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Copies the entries with seq > since into *out (caller frees with
 * kd_store_log_free); returns the count. */
size_t kd_store_log_read(kd_store *s, uint64_t since, kd_log_entry **out);
void kd_store_log_free(kd_log_entry *entries, size_t n);

/* Increases on every publish, fleet or source change and log entry. */
uint64_t kd_store_version(kd_store *s);

/* A file descriptor that becomes readable when the version changes; the
 * reader calls kd_store_wake_drain before looking at the store. */
int kd_store_wake_fd(const kd_store *s);
void kd_store_wake_drain(kd_store *s);

/* Engine work in progress: the engine raises the count before work it
 * knows about and lowers it after publishing; scripted tests wait for 0. */
void kd_store_busy(kd_store *s, int delta);
bool kd_store_idle(kd_store *s);

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
	/* Read each cluster's DriftReports (written by `kdrift agent`) instead
	 * of its objects: one list call per cluster and no rendering (see
	 * "reports" below).  The published states are statuses_only ones. */
	bool from_reports;
	const char *reports_namespace; /* where the agents write; NULL = KD_REPORT_NAMESPACE */
	/* A kubeconfig already loaded (the agent's in-cluster credentials) to
	 * use instead of loading one; borrowed: it must outlive the engine. */
	const kd_kubeconfig *kubeconfig_loaded;
	kd_source_auth git_auth;     /* credentials for a repository URL (read at open) */
	/* The kubeconfig context for the selected clusters instead of the
	 * fleet's (the agent reaches its own cluster as "in-cluster"). */
	const char *context;
	/* Also list the kinds people create by hand in every cluster and
	 * publish its unmanaged objects (kd_cluster_state.unmanaged). */
	bool unmanaged;
	/* Render with provenance (render.h) and publish each desired object's
	 * map in kd_resource.provenance, for compare, explain and the UI.
	 * With statuses_only too, the desired objects (shared between the
	 * clusters that render alike) and the live state of extra objects are
	 * still published; the other live objects are not. */
	bool provenance;
	/* The audit log whose break-glass follow-up state decides whether a
	 * drifted object marked kdrift.dev/break-glass is still break-glass
	 * (kd_audit_followup_of; a followed-up change is plain drift); NULL:
	 * the default log. */
	const char *audit_path;
} kd_engine_opts;

/* Loads the source and fleet (errors here are fatal and returned) and
 * creates the store with one slot per selected cluster. */
int kd_engine_new(kd_engine **out, const kd_engine_opts *opts);
void kd_engine_free(kd_engine *e);   /* stops the thread first */

/* The store the engine publishes into, with the fleet of the revision
 * last loaded (kd_store_fleet); a new revision loads and publishes a new
 * fleet and drops the engine's reference on the old one. */
kd_store *kd_engine_store(kd_engine *e);

/* Reconciles every selected cluster once on the calling thread and
 * returns when each is published (or timed out as unknown).  For check.
 *
 * Guarantee for readers on other threads (check formats its report while
 * this runs): each cluster's slot is published exactly once per call, and
 * only when that cluster is finished: listed and diffed, failed
 * (unreachable, forbidden, not rendered, no kubeconfig), timed out, or
 * read from its reports.  Nothing of it is published before, and nothing
 * after (its calls are cancelled when it fails or ends).  So a state seen
 * in a slot that was empty before the call is that cluster's final one.
 * The one exception is a state that cannot be built (out of memory): it
 * is logged and the slot keeps what it held, so a reader waits for the
 * slot or for the call to return, whichever comes first.  A slot that held
 * a state from an earlier call keeps it until the new one replaces it. */
int kd_engine_run_once(kd_engine *e);

/* Starts the background thread: a first reconcile of every cluster, then
 * watches (events are coalesced for 50 ms and only the objects they
 * touch are diffed again), Git fetches every fetch_interval_s, retries of
 * failed clusters with exponential backoff.  kd_engine_stop joins it.
 *
 * Git changes: a local repository read at a revision (not a work tree)
 * has its refs read every 250 ms, so a commit or a push into it from any
 * process is seen within that; a clone of a URL sees the remote move at
 * its fetches (every fetch_interval_s) or when nudged.  A new revision is
 * published as pending (kd_store_set_pending) at once; every cluster whose
 * rendered desired state it changes is diffed again and published, the
 * others keep their results (kd_engine_desired_same), and once the last
 * changed cluster is published the source's revision moves to it. */
int kd_engine_start(kd_engine *e);
void kd_engine_stop(kd_engine *e);

/* Requests, safe from any thread; they return at once. */
void kd_engine_refresh(kd_engine *e, const char *cluster);  /* NULL = all, with a Git fetch */

/* Git moved (kdrift committed or pushed, accept and promote): the engine
 * looks at the source at once instead of at the next fetch (a local
 * repository reads its refs, a clone fetches), and a new revision is
 * rendered and published as below.  The store is busy from the call until
 * the look is done, and then while the new revision is pending. */
void kd_engine_nudge(kd_engine *e);

/* A --from-reports engine reads this cluster directly from now on: renders
 * its apps, lists and watches its objects and publishes states with them,
 * so that revert, accept and break-glass can act on it.  A no-op for a
 * cluster already read directly. */
void kd_engine_read_live(kd_engine *e, const char *cluster);

/*
 * reports — the agent's DriftReports (DESIGN §11), as the engine reads them.
 *
 * `kdrift agent` runs in a cluster and writes one DriftReport per app into
 * its namespace: spec {cluster, app}, and a status holding the app entry
 * of `kdrift check --output json` (kd_app_state_json) plus the revision it
 * was rendered from, the time it was last confirmed, the agent's interval
 * and the counts.  With opts.from_reports the engine lists them (one call
 * per cluster) and publishes the same kd_cluster_state a direct read
 * would, built from the entries: no rendering, no objects.
 *
 * A report older than three of its agent's intervals is stale: its app is
 * unknown, saying since when.  An app of the fleet without a report, and a
 * cluster without any (no agent, or the DriftReport kind not installed),
 * are unknown with the reason.  A report written for another cluster name
 * (an agent started with the wrong --cluster) is ignored and logged.
 */
#define KD_REPORT_GROUP "kdrift.dev"
#define KD_REPORT_VERSION "v1alpha1"
#define KD_REPORT_API_VERSION "kdrift.dev/v1alpha1"
#define KD_REPORT_KIND "DriftReport"
#define KD_REPORT_RESOURCE "driftreports"
#define KD_REPORT_NAMESPACE "kdrift-system"
/* A report is stale once older than this many of its agent's intervals. */
#define KD_REPORT_STALE_INTERVALS 3

/* Builds one cluster's state from its DriftReports: `list` is the JSON
 * text of a DriftReportList as the API server sends it (read in place).
 * `apps` names the fleet apps that target the cluster (NULL-terminated; a
 * report of another app is left out).  now is the wall clock in seconds.
 * *foreign (may be NULL; caller frees) names a report written for another
 * cluster, if any.  KD_EINVAL for a list that is not JSON.  For
 * --from-reports, and for tests. */
int kd_cluster_state_from_reports(kd_cluster_state **out, const char *cluster,
				  const char *const *apps, const char *list, size_t len,
				  const char *namespace, time_t now, char **foreign);

/*
 * state_json — published states in the JSON of `kdrift check --output
 * json`, the one implementation the CLI and the DriftReports share:
 *
 *   cluster  {name, status, reason, reachable, apps: [app...]}
 *            (+ "fromReports": true when read from reports; + "unmanaged":
 *            [{apiVersion, kind, namespace, name, manager, time}...] when
 *            asked for, check --unmanaged)
 *   app      {name, status, reason, path, resources: [resource...]}
 *   resource {apiVersion, kind, namespace, name, status, intentional,
 *             hpaManaged, reason, diffs: [{path, change, desired, live,
 *             manager, operation, time, subresource, neverConverges
 *             (+ removedFromGit: true when set)}]}
 *   counts   {synced, drifted, missing, extra, break-glass, unknown}
 *
 * Diff values are the diff's own: Secret values are masks already.  Each
 * returns a new reference (KD_ENOMEM otherwise).
 */
int kd_resource_json(json_t **out, const kd_resource *r);
int kd_app_state_json(json_t **out, const kd_app_state *app);
int kd_cluster_state_json(json_t **out, const kd_cluster_state *st, bool unmanaged);
int kd_counts_json(json_t **out, const kd_counts *c);

/* Reads an app entry (as kd_app_state_json writes it) into `app`, which
 * has its name: reason and path when it has none yet, and the resources
 * with their statuses and diffs (desired and live stay NULL).  Status and
 * counts are left to kd_cluster_state_finish.  KD_EINVAL naming the app
 * when the entry is malformed. */
int kd_app_state_from_json(kd_app_state *app, const json_t *entry);

/* The same, member by member, from JSON text read in place (for a list of
 * reports too big to make a tree of): reads the member `key` of an app
 * entry the scanner is in (reason, path, resources; name and status are
 * skipped) and returns 1, or returns 0 without reading when `key` is no
 * app entry member (the caller reads or skips it); KD_EINVAL naming the
 * app for malformed text. */
struct kd_jscan;
int kd_app_state_read_member(kd_app_state *app, struct kd_jscan *s, const char *key, size_t len);

/*
 * owner — which app of the fleet renders an object for a cluster, for a
 * face that names an object's app without a reconcile (the follow-up
 * commands `kdrift breakglass` prints for objects changed under
 * break-glass).
 *
 * Opens the repository and the fleet the engine options name (repo,
 * revision, worktree, fleet_file; the rest is ignored) and renders, on the
 * calling thread, each app of a cluster the first time a lookup needs it;
 * later lookups on the same cluster reuse those renders.  Never talks to a
 * cluster.  One thread at a time per kd_owner_finder.
 */
typedef struct kd_owner_finder kd_owner_finder;

/* KD_ENOTFOUND and others from the source and the fleet file when the
 * repository or kdrift.yaml cannot be read. */
int kd_owner_finder_new(kd_owner_finder **out, const kd_engine_opts *opts);
void kd_owner_finder_free(kd_owner_finder *f);

/*
 * The name of the first app (in fleet order) deployed to `cluster` whose
 * rendered objects include the object: same kind, namespace (NULL or "" for
 * cluster-scoped objects) and name, and the same API group when api_version
 * is given (NULL: any group).  *app points into the finder's fleet.
 * KD_ENOTFOUND when the fleet has no such cluster or no app renders the
 * object there (apps that fail to render are passed over).
 */
int kd_owner_finder_app(const char **app, kd_owner_finder *f, const char *cluster,
			const char *api_version, const char *kind,
			const char *namespace, const char *name);

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

/* Appends an object's identity key (kd_object_id_format:
 * "GROUP/KIND/NAMESPACE/NAME", the version left out), the namespace as the
 * API server places it: empty when `namespaced` is false, "default" when
 * the object names none. */
int kd_engine_object_key(kd_buf *out, const json_t *obj, bool namespaced);

/* The HPA target key (as kd_engine_object_key) of a HorizontalPodAutoscaler,
 * or a negative code when it has no usable scaleTargetRef. */
int kd_engine_hpa_target(kd_buf *out, const json_t *hpa);

/* One app as rendered for one cluster, as a new revision compares it. */
typedef struct kd_app_render {
	const char *app;             /* its name */
	const json_t *entry;         /* its entry in the fleet (kd_app.raw), or NULL */
	const char *path;            /* the path expanded for the cluster, or NULL */
	const char *error;           /* why it did not render, or NULL */
	const json_t *objects;       /* what Git rendered (Helm records' objects aside) */
	const json_t *provenance;    /* their provenance maps, or NULL */
	const json_t *intentional;   /* which come from the cluster's layer, or NULL */
} kd_app_render;

/* Whether a cluster's desired state is the same under two renders of its
 * apps (fleet order): the same apps, entries, paths, errors, objects,
 * provenance and cluster-layer marks.  A new revision that leaves them
 * the same leaves the cluster's results as they are: no new diff, no
 * list, no publish. */
bool kd_engine_desired_same(const kd_app_render *a, size_t na,
			    const kd_app_render *b, size_t nb);

/* True when an app path template depends on the cluster ("{{"). */
bool kd_engine_path_is_templated(const char *path);

#endif
