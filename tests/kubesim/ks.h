/*
 * kubesim — internal interface shared by the simulator's files.
 *
 * One process serves many simulated clusters.  Each cluster owns its
 * objects (a sorted array keyed "group/resource/namespace/name"), one
 * resourceVersion counter and a bounded event history that watches read.
 * Stored objects are immutable jansson values: a write builds a new value
 * and swaps it in, so readers and watch events share them by reference.
 */
#ifndef KS_H
#define KS_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* A served resource type (built-in or defined by a CRD). */
typedef struct ks_type {
	const char *group;       /* "" for core */
	const char *version;
	const char *kind;
	const char *plural;
	const char *singular;
	const char *short_names; /* comma separated, "" for none */
	bool namespaced;
	bool in_all;             /* category "all" */
	bool has_status;
	bool has_scale;
	json_t *owner;           /* CRD types: keeps the strings above alive */
} ks_type;

/* Stored objects are compact JSON text, shared by reference between the
 * object table and the event history: about a tenth of the memory of
 * jansson trees, which is what lets 1000 clusters x 100 objects fit. */
typedef struct ks_blob {
	_Atomic long refs;
	size_t len;
	char data[];
} ks_blob;

ks_blob *ks_blob_from_json(const json_t *v);
ks_blob *ks_blob_ref(ks_blob *b);
void ks_blob_unref(ks_blob *b);
json_t *ks_blob_parse(const ks_blob *b);

typedef struct ks_obj {
	char *key;
	ks_blob *blob; /* immutable once stored */
} ks_obj;

/* The stored object as a new jansson value (NULL when out of memory). */
json_t *ks_obj_json(const ks_obj *o);

enum ks_event_type { KS_ADDED, KS_MODIFIED, KS_DELETED };

typedef struct ks_event {
	uint64_t rv;
	int type;
	char *key;
	ks_blob *blob;
} ks_event;

typedef struct ks_faults {
	int latency_ms;
	double error_rate;   /* 0..1 */
	int error_code;      /* 500, 503 or 429 */
	int retry_after;     /* seconds, for 429/503 */
	bool reset;          /* close connections without answering */
	bool hang;           /* accept and never answer */
	uint64_t drop_epoch; /* bumped to drop open watches */
	uint64_t expire_epoch; /* bumped by compaction: open watches get 410 */
} ks_faults;

/* A suspended connection waiting to be resumed: a watch with nothing to
 * send, or a request held by a latency or hang fault. */
struct MHD_Connection;
typedef struct ks_waiter {
	struct MHD_Connection *conn;
	struct timespec wake; /* resumed at this time at the latest */
	struct ks_waiter *next;
	bool linked;
} ks_waiter;

typedef struct ks_cluster {
	char *name;
	pthread_mutex_t mu;
	ks_waiter *waiters;   /* suspended watches */
	uint64_t rv;
	ks_obj *objs;
	size_t nobjs, cap;
	ks_event *events; /* ring */
	size_t ev_cap, ev_start, ev_count;
	uint64_t compacted_rv; /* events with rv <= this are gone */
	ks_type **crds;
	size_t ncrds;
	ks_faults faults;
	unsigned rand_state;
} ks_cluster;

typedef struct ks_server {
	ks_cluster **clusters; /* sorted by name */
	size_t nclusters;
	int minor;             /* server version minor */
	int port;
	char admin_token[65];
	char readonly_token[65];
	char breakglass_token[65];
	size_t history;        /* events kept per cluster */
	int bookmark_ms;
	bool access_log;       /* one stderr line per request (--log) */
	const char *root_cluster; /* also served at the root, as in-cluster clients see it */
	volatile int stopping;
} ks_server;

extern ks_server ks_srv;

/*
 * Who a request comes from, by its bearer token (ks_role_allows):
 * the read-only user may get, list and watch; the normal user (the admin
 * token, also the control API's) anything but the break-glass-only writes,
 * which are deleting a Namespace and writing in kube-system; the break-glass
 * user anything on a cluster's API, but not the control API.  Requests the
 * control API makes itself are KS_ROLE_CONTROL: anything.
 */
typedef enum ks_role {
	KS_ROLE_NORMAL = 0,
	KS_ROLE_READONLY,
	KS_ROLE_BREAKGLASS,
	KS_ROLE_CONTROL,
} ks_role;

/* One HTTP request, as the handlers see it. */
struct MHD_Response;
typedef struct ks_request {
	struct MHD_Connection *conn;
	const char *method;
	char **segs;      /* path segments after /clusters/NAME */
	size_t nsegs;
	const char *body;
	size_t body_len;
	ks_role role;
	const char *user; /* for messages */
	/* Requests made by the control API have no connection: their query
	 * parameters and headers come from these NULL-terminated name/value
	 * lists instead. */
	const char *const *query_over;
	const char *const *header_over;
} ks_request;

typedef struct ks_response {
	int code;
	json_t *json;            /* body, or */
	char *raw;               /* raw body (malloc'd) */
	size_t raw_len;
	const char *content_type;
	int retry_after;
	json_t *warnings;        /* strings for Warning headers, or NULL */
	struct MHD_Response *stream; /* watches */
} ks_response;

const char *ks_query(const ks_request *r, const char *name);
const char *ks_header(const ks_request *r, const char *name);
void ks_respond_status(ks_response *resp, int code, const char *reason,
		       const char *message, json_t *details);

/* ---- api.c / write.c / watch.c ---- */
void ks_api_handle(ks_cluster *c, ks_request *r, ks_response *resp);
typedef struct ks_target {
	const ks_type *type;
	const char *ns;
	const char *name;
	const char *sub;
} ks_target;
void ks_api_write(ks_cluster *c, ks_request *r, const ks_target *t,
		  ks_response *resp);
void ks_api_watch(ks_cluster *c, ks_request *r, const ks_target *t,
		  ks_response *resp);
/* Resumes the cluster's suspended watches: all of them, or those whose
 * wake time has come.  Caller holds the cluster lock. */
void ks_watch_wake_locked(ks_cluster *c, bool all);
/* "deployments.apps" / "pods" as used in messages. */
void ks_resource_name(char *out, size_t size, const ks_type *t);
bool ks_table_wanted(const ks_request *r);
json_t *ks_table(const ks_type *t, json_t *objs, bool include_object);
json_t *ks_scale_of(const json_t *obj);
void ks_not_found(ks_response *resp, const ks_type *t, const char *name);
bool ks_obj_matches(const ks_request *r, const json_t *obj, int *err);

/* ---- control.c ---- */
void ks_control_handle(ks_request *r, ks_response *resp);
int ks_scenario_start(const char *path);
void ks_scenario_stop(void);

/* ---- certs.c ---- */
int ks_certs_generate(char **ca_pem, char **cert_pem, char **key_pem);

/* ---- types.c ---- */
const ks_type *ks_types_builtin(size_t *n);
/* Finds a type by group and plural among built-ins and the cluster's CRDs
 * (caller holds the cluster lock). */
const ks_type *ks_type_find(ks_cluster *c, const char *group,
			    const char *version, const char *plural);
const ks_type *ks_type_find_kind(ks_cluster *c, const char *group,
				 const char *kind);
bool ks_group_version_served(ks_cluster *c, const char *group,
			     const char *version);
/* CRD objects become served types. */
int ks_type_from_crd(ks_type **out, const json_t *crd);
void ks_type_free(ks_type *t);

/* ---- discovery.c ---- */
json_t *ks_discovery_api_versions(void);
json_t *ks_discovery_groups(ks_cluster *c);
json_t *ks_discovery_resources(ks_cluster *c, const char *group,
			       const char *version);
/* Aggregated discovery (v2 or v2beta1) for /api (core=true) or /apis. */
json_t *ks_discovery_aggregated(ks_cluster *c, bool core, const char *ver);
json_t *ks_openapi_index(ks_cluster *c);
json_t *ks_openapi_gv(ks_cluster *c, const char *group, const char *version);
/* The OpenAPI v2 document (PATCH operations only), as gnostic protobuf or
 * JSON.  Caller holds the cluster lock. */
int ks_openapi_v2(kd_buf *out, bool protobuf, ks_cluster *c);

/* ---- store.c ---- */
int ks_store_init(ks_server *s, const char *list);
void ks_store_free(ks_server *s);
ks_cluster *ks_cluster_find(ks_server *s, const char *name);
/* All below require the cluster lock. */
ks_obj *ks_store_get(ks_cluster *c, const char *key);
size_t ks_store_lower_bound(ks_cluster *c, const char *key);
/* Stores obj with a fresh resourceVersion set into it (obj is modified
 * but not stolen), records the event and wakes watches. */
int ks_store_put(ks_cluster *c, const char *key, json_t *obj, bool created);
/* Removes the object; the DELETED event carries final_obj (not stolen), or
 * the stored object when final_obj is NULL. */
int ks_store_delete(ks_cluster *c, const char *key, json_t *final_obj);
char *ks_key(const ks_type *t, const char *ns, const char *name);
void ks_cluster_compact(ks_cluster *c);

/* ---- util.c ---- */
void ks_now_rfc3339(char out[32]);
void ks_uuid(char out[37]);
void ks_random_hex(char *out, size_t nbytes);
json_t *ks_status(int code, const char *reason, const char *message,
		  const json_t *details);
/* Label selector matching ("a=b,c!=d,e,!f,g in (x,y),h notin (z)"). */
int ks_label_selector_match(bool *out, const char *sel, const json_t *labels);
int ks_field_selector_match(bool *out, const char *sel, const json_t *obj);
char *ks_url_decode(const char *s);

/* ---- body.c ---- */
/* Parses a YAML request body (apply patches, scenarios). */
int ks_yaml_body(json_t **out, const char *data, size_t len);

/* ---- managed.c ---- */
/* Records an Update-operation write by manager in new_obj's managedFields. */
int ks_managed_update(json_t *new_obj, const json_t *old_obj,
		      const char *manager, const char *subresource,
		      const char *api_version);
/* Server-side apply.  On conflict returns KD_ECONFLICT and *causes gets
 * the Status causes. */
int ks_managed_apply(json_t **out, json_t **causes, const json_t *live,
		     const json_t *applied, const char *manager, bool force,
		     const char *api_version);

/* ---- lifecycle.c (caller holds the cluster lock) ---- */
void ks_crd_register(ks_cluster *c, const json_t *crd);
void ks_crd_status(json_t *crd);
void ks_cascade_delete(ks_cluster *c, const ks_type *t, const json_t *obj);
/* Fills the rules of aggregated ClusterRoles from the roles they select,
 * as the aggregation controller does after any ClusterRole write. */
void ks_clusterroles_aggregate(ks_cluster *c);

/* ---- validate.c ---- */
/* Appends the paths of fields unknown to the kind's schema to `unknown`
 * (an array), removing them when drop is set; returns how many. */
size_t ks_validate_unknown(json_t *obj, const ks_type *t, json_t *unknown, bool drop);

/* ---- quantity.c ---- */
/* Rewrites fields into the form the API server stores: canonical resource
 * quantities, Secret stringData folded into data. */
void ks_server_forms(const ks_type *t, json_t *obj);

/* ---- defaults.c ---- */
void ks_defaults_apply(const ks_type *t, json_t *obj);
/* Simulates controllers: status for workloads. */
void ks_status_simulate(const ks_type *t, json_t *obj);
/* The deployment controller's revision annotation, owned by it in
 * managedFields (after the writer's own managedFields update). */
void ks_deployment_revision(const ks_type *t, json_t *obj, const json_t *old);

#endif
