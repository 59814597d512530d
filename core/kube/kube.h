/*
 * kube — reaching Kubernetes API servers: kubeconfig files merged as kubectl
 * merges them, exec credential plugins, and the libcurl client (one multi
 * handle for the whole fleet; list, get, watch, discovery, writes).
 *
 * Never prints; tokens and keys never appear in messages.  Depends on base
 * and data.
 */

#ifndef KD_KUBE_H
#define KD_KUBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/base.h"

/*
 * kubeconfig — how to reach a cluster: kubeconfig files merged the way
 * kubectl merges them, and the credentials of a context.
 *
 * Files come from an explicit path, else the KUBECONFIG list, else
 * ~/.kube/config.  In a KUBECONFIG list the first file that defines a
 * cluster, user or context name wins, as does the first current-context.
 * Relative file references are resolved against the file that holds them.
 *
 * Credentials: bearer token (inline or tokenFile, re-read when it changes),
 * client certificate and key (file or data), and exec credential plugins
 * (client.authentication.k8s.io v1 and v1beta1) run without a terminal and
 * cached until their expirationTimestamp.
 *
 * Tokens, keys and plugin output never appear in error messages.  A loaded
 * kd_kubeconfig is immutable; kd_kube_target credentials are refreshed under
 * the caller's control (one thread at a time per target).
 */

typedef struct kd_kubeconfig kd_kubeconfig;

/* An exec credential plugin as configured in a user entry. */
typedef struct kd_kube_exec {
	char *api_version;   /* client.authentication.k8s.io/v1 or /v1beta1 */
	char *command;       /* resolved against the kubeconfig's directory when it holds a '/' */
	char **args;         /* NULL-terminated */
	char **env;          /* NULL-terminated "NAME=value" */
	bool provide_cluster_info;
} kd_kube_exec;

/* Everything needed to talk to one context's cluster. */
typedef struct kd_kube_target {
	char *context;           /* the context's name */
	char *cluster;           /* the cluster entry's name */
	char *user;              /* the user entry's name */
	char *namespace;         /* context namespace, or NULL */
	char *server;            /* https://host:port[/prefix], no trailing '/' */
	char *source_file;       /* the kubeconfig file that defined the context */

	/* TLS */
	kd_buf ca_pem;           /* empty when the system store is used */
	bool insecure;           /* insecure-skip-tls-verify */
	char *tls_server_name;
	char *proxy_url;

	/* credentials (secret: never print) */
	kd_buf client_cert_pem;
	kd_buf client_key_pem;
	char *token;
	char *token_file;
	kd_kube_exec *exec;
	time_t credential_expiry; /* exec credentials: 0 = no expiry known */
	bool have_exec_credential;
} kd_kube_target;

/* Loads and merges kubeconfig files.  `path` (--kubeconfig) may be NULL:
 * then $KUBECONFIG (':'-separated; missing files skipped) or
 * ~/.kube/config.  An explicitly named file that is missing is an error. */
int kd_kubeconfig_load(kd_kubeconfig **out, const char *path);

/* Whether kd_kubeconfig_load(path) would read any file at all: 0 when
 * `path` is given or one of the files it would look at exists; else
 * KD_ENOTFOUND with one message naming what was looked for ($KUBECONFIG's
 * files, or ~/.kube/config and that --kubeconfig was not given).  For the
 * faces that read clusters: with no kubeconfig at all every cluster would
 * be unknown for the same reason, said once per cluster. */
int kd_kubeconfig_require(const char *path);

/* Parses one kubeconfig document from memory (`name` for messages,
 * `dir` for resolving relative paths). */
int kd_kubeconfig_parse(kd_kubeconfig **out, const char *data, size_t len,
			const char *name, const char *dir);

void kd_kubeconfig_free(kd_kubeconfig *kc);

/* Where Kubernetes mounts a pod's service account: token, ca.crt, namespace. */
#define KD_KUBE_SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* The credentials of the pod we run in, as a kubeconfig with one context
 * named `context` (NULL: "in-cluster"): https://$KUBERNETES_SERVICE_HOST:
 * $KUBERNETES_SERVICE_PORT, the CA from DIR/ca.crt and the bearer token
 * from DIR/token (a tokenFile, so a rotated token is picked up), the
 * context's namespace from DIR/namespace when present.  dir NULL is
 * KD_KUBE_SERVICEACCOUNT_DIR.  KD_ENOTFOUND ("not running in a cluster")
 * when the variables or the files are missing. */
int kd_kubeconfig_in_cluster(kd_kubeconfig **out, const char *dir, const char *context);

/* current-context, or NULL. */
const char *kd_kubeconfig_current_context(const kd_kubeconfig *kc);

/* The names of all contexts, in file order (a new JSON array). */
json_t *kd_kubeconfig_contexts(const kd_kubeconfig *kc);

/* Resolves a context (NULL for current-context) into a target: cluster,
 * user and TLS material loaded.  Exec plugins are not run here. */
int kd_kube_target_new(kd_kube_target **out, const kd_kubeconfig *kc,
		       const char *context);
void kd_kube_target_free(kd_kube_target *t);

/* Makes sure the target's credentials are current: re-reads tokenFile,
 * runs the exec plugin when it has no credential or it expires within
 * 10 seconds of `now`.  Never interactive (stdin is /dev/null). */
int kd_kube_target_refresh(kd_kube_target *t, time_t now);

/* Forgets an exec credential, so the next refresh runs the plugin again
 * (after a 401). */
void kd_kube_target_invalidate(kd_kube_target *t);

/*
 * kubeexec — runs a kubeconfig exec credential plugin
 * (client.authentication.k8s.io ExecCredential v1 / v1beta1).
 *
 * The plugin runs with stdin from /dev/null (never interactive), the
 * configured args and env added to ours, and KUBERNETES_EXEC_INFO describing
 * the request.  Its output is parsed and never echoed into messages.
 */

struct kd_kube_target;

typedef struct kd_exec_credential {
	char *token;          /* secret */
	kd_buf client_cert;   /* PEM, secret-adjacent */
	kd_buf client_key;    /* PEM, secret */
	time_t expiry;        /* 0 when the plugin gave none */
} kd_exec_credential;

/* Runs the target's exec plugin (at most 60 s) and parses its credential. */
int kd_exec_credential_run(kd_exec_credential *out,
			   const struct kd_kube_target *t);

/* Wipes and frees what a credential holds. */
void kd_exec_credential_clear(kd_exec_credential *c);

/*
 * kube — kdrift's Kubernetes API client.
 *
 * One driver (one libcurl multi handle) carries the requests of every
 * cluster, so the engine thread drives the whole fleet without ever waiting
 * on one cluster: requests are submitted with a completion callback and
 * kd_kube_run() performs I/O and fires callbacks.  A slow, hanging or failing
 * cluster only delays its own requests.
 *
 * Per cluster (a kd_kube_conn): TLS material from memory, bearer tokens and
 * exec credentials from a kd_kube_target, a token-bucket rate limit, retries
 * with exponential backoff and jitter on 429/5xx and connection errors
 * (honouring Retry-After), one credential refresh after a 401, and an
 * overall deadline per operation across its retries.
 *
 * Callbacks always run from kd_kube_run() (or a _sync wrapper), never from
 * inside a submit call and never from inside libcurl, so a callback may
 * submit, cancel or stop anything.  Error messages name the cluster and the
 * resource and never contain a token or key.
 *
 * Not thread-safe except kd_kube_wakeup(): one thread owns a driver and all
 * its connections.  core/kube never prints.
 */

#define KD_KUBE_USER_AGENT "kdrift/0.1.0"

typedef struct kd_kube_driver kd_kube_driver;
typedef struct kd_kube_conn kd_kube_conn;
typedef struct kd_kube_call kd_kube_call;
typedef struct kd_kube_watch kd_kube_watch;

/* Per-connection tuning; kd_kube_options_init() fills the defaults
 * (shown in brackets).  Times are milliseconds. */
typedef struct kd_kube_options {
	long connect_timeout_ms;   /* TCP+TLS connect [10000] */
	long request_timeout_ms;   /* one attempt of a non-watch request [30000]; 0 = none */
	long deadline_ms;          /* one operation across all retries [60000]; 0 = none */
	long backoff_base_ms;      /* first retry delay before jitter [250] */
	long backoff_max_ms;       /* cap of a retry delay [8000] */
	int max_retries;           /* retries after the first attempt [5] */
	double qps;                /* token-bucket refill rate [5]; <= 0 disables */
	int burst;                 /* bucket size [10] */
	long watch_idle_ms;        /* a watch with no byte for this long reconnects [300000] */
	long watch_timeout_s;      /* timeoutSeconds asked of the server [290] */
} kd_kube_options;

void kd_kube_options_init(kd_kube_options *o);

/* ---- driver ------------------------------------------------------------ */

int kd_kube_driver_new(kd_kube_driver **out);

/* Frees the driver; every connection must have been freed first. */
void kd_kube_driver_free(kd_kube_driver *d);

/* Performs I/O for up to timeout_ms (0: do what is ready, never wait) and
 * fires the callbacks of whatever completed.  Returns early when a request
 * completes, when kd_kube_wakeup() is called or when the extra fd (below)
 * becomes readable.  Returns 0 or a negative code on a driver failure. */
int kd_kube_run(kd_kube_driver *d, int timeout_ms);

/* Interrupts a kd_kube_run() that is waiting.  The only function that may
 * be called from another thread. */
int kd_kube_wakeup(kd_kube_driver *d);

/* An fd the caller also wants to wait on (e.g. the engine's command queue):
 * kd_kube_run() returns as soon as it is readable.  -1 removes it. */
void kd_kube_driver_set_wake_fd(kd_kube_driver *d, int fd);

/* At most `n` requests (watches and other streams excluded) run at once
 * against one server address; more wait their turn, in submission order.
 * Over HTTP/1.1 every running request holds a connection of its own, so a
 * fleet served from one address (a proxy, the simulator) would otherwise
 * open, and pay TLS for, one connection per request.  Default
 * KD_KUBE_MAX_PER_SERVER; 0 removes the cap. */
#define KD_KUBE_MAX_PER_SERVER 64
void kd_kube_driver_set_max_per_server(kd_kube_driver *d, int n);

/* Number of calls and watches not yet finished. */
size_t kd_kube_driver_pending(const kd_kube_driver *d);

/* ---- connections ------------------------------------------------------- */

/* A connection to one cluster.  Takes ownership of `target` (also on
 * failure).  `name` names the cluster in messages (NULL: the target's
 * context).  `opt` may be NULL for the defaults. */
int kd_kube_conn_new(kd_kube_conn **out, kd_kube_driver *d,
		     kd_kube_target *target, const char *name,
		     const kd_kube_options *opt);

/* Cancels the connection's calls (their callbacks never fire) and frees it.
 * Its watches must have been freed first. */
void kd_kube_conn_free(kd_kube_conn *c);

const char *kd_kube_conn_name(const kd_kube_conn *c);
const kd_kube_target *kd_kube_conn_target(const kd_kube_conn *c);

/* ---- addressing -------------------------------------------------------- */

/* Names a resource: the collection when name is NULL, all namespaces when a
 * namespaced collection has namespace NULL. */
typedef struct kd_kube_ref {
	const char *group;        /* "" or NULL for the core group */
	const char *version;      /* "v1" */
	const char *resource;     /* plural, lower case: "deployments" */
	const char *namespace;    /* NULL for cluster-scoped or all namespaces */
	const char *name;         /* NULL for the collection */
	const char *subresource;  /* "status", "scale" or NULL */
} kd_kube_ref;

/* Appends the API path of ref ("/apis/apps/v1/namespaces/ns/deployments/x")
 * to out, each segment percent-encoded.  KD_EINVAL when version or resource
 * is missing. */
int kd_kube_path(kd_buf *out, const kd_kube_ref *ref);

/* Appends "key=value" to a query string, with '&' when out is not empty;
 * both percent-encoded. */
int kd_kube_query_add(kd_buf *out, const char *key, const char *value);

/* Appends a human description of ref for messages
 * ("deployments.apps web in namespace shop"). */
int kd_kube_ref_describe(kd_buf *out, const kd_kube_ref *ref);

/* ---- raw calls --------------------------------------------------------- */

/* The outcome of a call, valid only during its callback. */
typedef struct kd_kube_result {
	int error;                 /* 0, or a KD_ code (KD_ENOTFOUND, KD_ECONFLICT, ...) */
	int http_status;           /* last HTTP status; 0 when none arrived */
	const char *reason;        /* Status reason ("NotFound", "Conflict", "Expired"...) or "" */
	const char *message;       /* names cluster and resource when error != 0, else "" */
	json_t *body;              /* parsed JSON response (a list: its last page) or NULL;
				      borrowed, incref to keep */
	json_t *items;             /* kd_kube_list: every item of every page (borrowed) */
	const char *resource_version; /* kd_kube_list: the list's resourceVersion, else "" */
	int attempts;              /* attempts made (1 = no retry) */
	/* A request made with `raw`: the 2xx response body as received (body
	 * is then NULL), NUL-terminated; else NULL and 0. */
	const char *raw;
	size_t raw_len;
} kd_kube_result;

typedef void (*kd_kube_done_fn)(void *ctx, const kd_kube_result *res);

typedef struct kd_kube_request {
	const char *method;        /* "GET" when NULL */
	const char *path;          /* absolute API path ("/version"), below the server prefix */
	const char *query;         /* without '?', or NULL */
	const char *accept;        /* "application/json" when NULL */
	const char *content_type;  /* for a body */
	const char *body;
	size_t body_len;
	const char *what;          /* names the resource in messages (NULL: the path) */
	/* Hand a 2xx body over as text (kd_kube_result.raw) instead of parsing
	 * it: for large answers the caller reads in place.  Errors are still
	 * read as Status objects. */
	bool raw;
} kd_kube_request;

/* Submits a call.  `done` fires exactly once from kd_kube_run() unless the
 * call is cancelled.  *out (may be NULL) stays valid until then. */
int kd_kube_submit(kd_kube_call **out, kd_kube_conn *c,
		   const kd_kube_request *req, kd_kube_done_fn done, void *ctx);

/* True while the call waits to retry after a failed attempt (a UI can
 * show "retrying"); *attempts (may be NULL) gets the attempts started. */
bool kd_kube_call_retrying(const kd_kube_call *call, int *attempts);

/* Cancels a call whose callback has not fired; the callback never fires. */
void kd_kube_cancel(kd_kube_call *call);

/* Runs one request to completion (the CLI's way): *out (may be NULL)
 * receives the response body (caller decrefs), *http_status (may be NULL)
 * the status.  Other calls on the driver make progress meanwhile. */
int kd_kube_request_sync(json_t **out, int *http_status, kd_kube_conn *c,
			 const kd_kube_request *req);

/* ---- verbs ------------------------------------------------------------- */

typedef enum kd_kube_patch_type {
	KD_KUBE_PATCH_MERGE,       /* application/merge-patch+json */
	KD_KUBE_PATCH_JSON,        /* application/json-patch+json */
	KD_KUBE_PATCH_STRATEGIC,   /* application/strategic-merge-patch+json */
	KD_KUBE_PATCH_APPLY,       /* application/apply-patch+yaml (server-side apply) */
} kd_kube_patch_type;

/* Options of write verbs; zero means "not set". */
typedef struct kd_kube_write_opts {
	const char *field_manager;   /* fieldManager (apply requires one) */
	bool dry_run;                /* dryRun=All */
	bool force;                  /* apply: force=true takes over conflicting fields */
	const char *uid;             /* delete precondition */
	const char *resource_version;/* delete precondition */
	const char *propagation;     /* delete: Foreground, Background or Orphan */
} kd_kube_write_opts;

int kd_kube_get(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		kd_kube_done_fn done, void *ctx);

/* POST obj to the collection of ref (ref->name ignored). */
int kd_kube_create(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		   const json_t *obj, const kd_kube_write_opts *wo,
		   kd_kube_done_fn done, void *ctx);

/* PUT obj to ref (an object, or its /status with ref->subresource): a
 * whole replacement; obj's metadata.resourceVersion, when set, is the
 * precondition (a stale one gives KD_ECONFLICT). */
int kd_kube_update(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		   const json_t *obj, const kd_kube_write_opts *wo,
		   kd_kube_done_fn done, void *ctx);

int kd_kube_patch(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		  kd_kube_patch_type type, const json_t *patch,
		  const kd_kube_write_opts *wo, kd_kube_done_fn done, void *ctx);

/* DELETE with a DeleteOptions body carrying the preconditions. */
int kd_kube_delete(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		   const kd_kube_write_opts *wo, kd_kube_done_fn done, void *ctx);

typedef struct kd_kube_list_opts {
	const char *label_selector;
	const char *field_selector;
	long limit;                  /* page size; 0 = 500 */
	/* The items' parts that repeat across a fleet (spec, data, rules,
	 * labels, annotations, managedFields field sets) are read once per
	 * distinct text and shared with every other shared list of the driver,
	 * and their `status` is left out: a caller that asks for this must
	 * never modify the items and never needs their status. */
	bool share;
} kd_kube_list_opts;

/* Lists every page of a collection; the result has items and
 * resource_version.  A continue token that expired (410) restarts the list
 * once from the beginning. */
int kd_kube_list(kd_kube_call **out, kd_kube_conn *c, const kd_kube_ref *ref,
		 const kd_kube_list_opts *lo, kd_kube_done_fn done, void *ctx);

/* Synchronous forms.  *out receives the object (or list items); the caller
 * decrefs.  Return the result's error code with the message set. */
int kd_kube_get_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref);
int kd_kube_create_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
			const json_t *obj, const kd_kube_write_opts *wo);
int kd_kube_update_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
			const json_t *obj, const kd_kube_write_opts *wo);
int kd_kube_patch_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
		       kd_kube_patch_type type, const json_t *patch,
		       const kd_kube_write_opts *wo);
int kd_kube_delete_sync(json_t **out, kd_kube_conn *c, const kd_kube_ref *ref,
			const kd_kube_write_opts *wo);
/* *rv (may be NULL) receives the list resourceVersion (caller frees). */
int kd_kube_list_sync(json_t **items, char **rv, kd_kube_conn *c,
		      const kd_kube_ref *ref, const kd_kube_list_opts *lo);

/* ---- discovery --------------------------------------------------------- */

typedef struct kd_kube_resource {
	char *group;       /* "" for core */
	char *version;
	char *kind;
	char *resource;    /* plural */
	bool namespaced;
	char **verbs;      /* NULL-terminated */
} kd_kube_resource;

/* Fetches discovery (aggregated when the server offers it, else the plain
 * documents) and caches it in the connection.  Only the result's error
 * matters; a group version that fails in the plain walk is skipped. */
int kd_kube_discover(kd_kube_call **out, kd_kube_conn *c,
		     kd_kube_done_fn done, void *ctx);
int kd_kube_discover_sync(kd_kube_conn *c);

/* True once discovery is cached. */
bool kd_kube_discovered(const kd_kube_conn *c);

/* Drops the cache (after a 404 on a kind the cache named, say). */
void kd_kube_discovery_forget(kd_kube_conn *c);

/* Finds group+kind in the cache: with version NULL the server's preferred
 * version that serves the kind.  *out is borrowed until the cache changes.
 * KD_ENOTFOUND when the cluster does not serve it, KD_EINVAL before
 * discovery. */
int kd_kube_lookup(const kd_kube_resource **out, const kd_kube_conn *c,
		   const char *group, const char *version, const char *kind);

/* Every cached resource (each kind once per served version, preferred
 * version first); NULL with *count 0 before discovery.  Borrowed until
 * the cache changes. */
const kd_kube_resource *kd_kube_resources(const kd_kube_conn *c, size_t *count);

/* Fills a reference to an object (name NULL: the collection) of a
 * discovered resource; the namespace is dropped for cluster-scoped
 * resources, whatever a manifest said.  *out borrows every string. */
void kd_kube_ref_for(kd_kube_ref *out, const kd_kube_resource *r,
		     const char *namespace, const char *name);

/* A verb ("list", "watch", "patch") the resource supports. */
bool kd_kube_resource_can(const kd_kube_resource *r, const char *verb);

/* ---- watch ------------------------------------------------------------- */

typedef enum kd_kube_event_type {
	KD_KUBE_EVENT_ADDED,
	KD_KUBE_EVENT_MODIFIED,
	KD_KUBE_EVENT_DELETED,
	KD_KUBE_EVENT_BOOKMARK,
	/* The stream failed (message says why: cluster unreachable, 5xx...);
	 * the watch retries by itself with backoff.  Informational. */
	KD_KUBE_EVENT_RECONNECTING,
	/* The resourceVersion expired (410): list again and start a new watch.
	 * The watch has stopped. */
	KD_KUBE_EVENT_RELIST,
	/* The watch failed for good (403, 404, bad request); message says why.
	 * The watch has stopped. */
	KD_KUBE_EVENT_ERROR,
} kd_kube_event_type;

/* `object` is borrowed (incref to keep); NULL for RELIST and ERROR.
 * `message` is "" except for RECONNECTING, RELIST and ERROR. */
typedef void (*kd_kube_event_fn)(void *ctx, kd_kube_event_type type,
				 json_t *object, const char *message);

/* Watches a collection from resource_version (NULL or "": from now), with
 * bookmarks.  A dropped stream resumes from the last resourceVersion seen,
 * with backoff while the cluster is unreachable.  Free with
 * kd_kube_watch_free (also from inside its own callback). */
int kd_kube_watch_start(kd_kube_watch **out, kd_kube_conn *c,
			const kd_kube_ref *ref, const kd_kube_list_opts *lo,
			const char *resource_version, kd_kube_event_fn fn,
			void *ctx);
void kd_kube_watch_free(kd_kube_watch *w);

/* The last resourceVersion the watch saw (events and bookmarks). */
const char *kd_kube_watch_resource_version(const kd_kube_watch *w);

/* How many times the watch reconnected after a drop. */
int kd_kube_watch_reconnects(const kd_kube_watch *w);

/* ---- helpers (exposed for tests and for the simulator) ------------------ */

/* Decodes a response into an error: a kind: Status body gives reason,
 * message, code and details.causes; anything else the HTTP status.  Writes
 * "cluster NAME: WHAT: MESSAGE (reason, HTTP n)" to msg and returns the
 * matching code (404 KD_ENOTFOUND, 409 KD_ECONFLICT, 422/400 KD_EINVAL,
 * other KD_ERROR).  *reason (may be NULL) points into body or a constant. */
int kd_kube_status_error(kd_buf *msg, const char **reason, int http_status,
			 const json_t *body, const char *cluster,
			 const char *what);

/* Retry delay for `attempt` (0 = first retry): base*2^attempt capped at
 * max, then jittered into [d/2, d) with rnd in [0,1). */
long kd_kube_backoff_ms(int attempt, long base_ms, long max_ms, double rnd);

/* Token bucket with an explicit clock (milliseconds, monotonic). */
typedef struct kd_kube_bucket {
	double tokens;
	double qps;
	int burst;
	int64_t last_ms;
} kd_kube_bucket;

void kd_kube_bucket_init(kd_kube_bucket *b, double qps, int burst, int64_t now_ms);

/* Takes a token and returns 0, or returns the milliseconds (> 0) until one
 * is available and takes nothing. */
int64_t kd_kube_bucket_take(kd_kube_bucket *b, int64_t now_ms);

/* Splits a byte stream into lines (LF or CRLF).  Lines longer than max
 * bytes fail with KD_ELIMIT. */
typedef struct kd_kube_lines {
	kd_buf pending;
	size_t max;
} kd_kube_lines;

typedef int (*kd_kube_line_fn)(void *ctx, const char *line, size_t len);

/* Calls fn for every complete non-empty line in data; stops at the first
 * non-zero return of fn and returns it. */
int kd_kube_lines_feed(kd_kube_lines *ls, const char *data, size_t len,
		       kd_kube_line_fn fn, void *ctx);
void kd_kube_lines_free(kd_kube_lines *ls);

#endif
