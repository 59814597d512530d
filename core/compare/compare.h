/*
 * compare — between clusters (DESIGN §10): one app lined up across
 * clusters (compare), the chain of layers that set a value (explain), and
 * every field of the fleet classified by where it varies (topology).
 *
 * Everything here reads what the engine published (kd_cluster_state with
 * desired and live objects, diffs and, with kd_engine_opts.provenance,
 * each desired object's provenance map) or, for explain, a traced render;
 * it never talks to a cluster or to Git itself.  Secret values are masked
 * as everywhere else (kd_diff_mask).  Never prints: the faces lay out what
 * is computed here.  Depends on base, data, diff, fleet, render and engine.
 */

#ifndef KD_COMPARE_H
#define KD_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "engine/engine.h"
#include "fleet/fleet.h"
#include "source/source.h"

/*
 * compare — a row for each field (JSON pointer) of each object of an app
 * whose desired or live value differs between any two of the clusters, a
 * cell per cluster.
 *
 * Fields are leaves as provenance records them (render.h): scalars, empty
 * maps and lists, lists of scalars; list elements by index.  A Secret's
 * stringData is shown under data, and every Secret value is a mask.  The
 * live value of a field the diff does not report is the desired value
 * (equal after normalisation, DESIGN §6); a drifted field's is the diff's.
 * Objects are lined up by kind, namespace and name; a generated object
 * (configMapGenerator, secretGenerator) by its name without the content
 * hash, which differs wherever its content does, so its data lines up and
 * the hashed names show as a row of their own.
 *
 * Classes, per cell:
 *   intentional  Git sets this value (or its absence) for the cluster and
 *                live agrees;
 *   accepted     the same, and the value was last set by a patch accepted
 *                into Git by kdrift (a layer's kdrift-accepted/);
 *   drift        live differs from desired (manager and time from
 *                managedFields), or the object is extra;
 *   break-glass  the same, on an object changed under break-glass;
 *   missing      the object is in Git but not in the cluster;
 *   unknown      the cluster is unreachable or the app did not render.
 *
 * Outliers, flagged on the cell and on its row:
 *   - among the clusters whose desired values agree, a live value that a
 *     strict minority of them holds (the hotfix in one cluster of three);
 *   - among the clusters sharing the group-by label's value (env by
 *     default), a desired value Git sets for a strict minority of them (one
 *     production region configured differently).
 * Both only where the rest agree: some other value is held by a strict
 * majority (three clusters holding three different values have no odd one
 * out).
 * A cell whose live value is unknown takes no part in the first rule; an
 * app that did not render for a cluster takes part in neither.
 */

typedef enum kd_class {
	KD_CLASS_INTENTIONAL = 0,
	KD_CLASS_ACCEPTED,
	KD_CLASS_DRIFT,
	KD_CLASS_BREAKGLASS,
	KD_CLASS_MISSING,
	KD_CLASS_UNKNOWN,
	KD_CLASS_COUNT
} kd_class;

/* "intentional", "accepted", "drift", "break-glass", "missing", "unknown". */
const char *kd_class_name(kd_class c);
/* ✓ ◆ ~ ! + ? (ASCII: = * ~ ! + ?). */
const char *kd_class_glyph(kd_class c, bool ascii);
/* The outlier mark: ▲ (ASCII ^). */
const char *kd_compare_outlier_glyph(bool ascii);

typedef struct kd_compare_cell {
	json_t *desired;         /* typed value (a Secret's masked); NULL: absent */
	json_t *live;            /* likewise; NULL: absent, or unknown */
	kd_class cls;
	const json_t *chain;     /* the desired value's provenance chain, oldest
				  * first (borrowed; values unmasked), or NULL */
	const char *manager;     /* drift: who wrote live (borrowed), else NULL */
	const char *time;        /* drift: when (RFC 3339, borrowed), else NULL */
	bool outlier;
	bool rendered;           /* the app rendered for the cluster (desired is known) */
	/* The cluster's resource for the object (borrowed from the state the
	 * compare holds): its diff, desired and live objects and provenance,
	 * for a face that opens the cell's diff or a promote that needs the
	 * whole object.  NULL when the cluster has no such object. */
	const kd_resource *resource;
} kd_compare_cell;

typedef struct kd_compare_row {
	char *api_version, *kind, *namespace;  /* namespace "" when cluster-scoped */
	char *name;              /* a generated object's name without its hash */
	char *path;              /* JSON pointer */
	bool outlier;
	kd_compare_cell *cells;  /* one per cluster, in kd_compare.clusters order */
} kd_compare_row;

typedef struct kd_compare {
	char *app;
	char *group_by;          /* the label outliers are grouped by */
	char **clusters;         /* the clusters the app is deployed to, in store order */
	char **groups;           /* each cluster's group-by label value ("" when none) */
	size_t nclusters;
	kd_compare_row *rows;    /* objects in kind/namespace/name order, fields in object order */
	size_t nrows;
	kd_cluster_state **states_;  /* private: held so borrowed values stay valid */
	size_t nstates_;
} kd_compare;

typedef struct kd_compare_opts {
	const char *group_by;    /* NULL: "env" */
	bool all;                /* also the fields whose values agree everywhere */
} kd_compare_opts;

/* Lines `app` up across `states` (the engine's published states, borrowed;
 * those without the app are left out).  opts may be NULL.  KD_ENOTFOUND
 * when no state has the app. */
int kd_compare_build(kd_compare **out, kd_cluster_state *const *states, size_t nstates,
		     const char *app, const kd_compare_opts *opts);
void kd_compare_free(kd_compare *cmp);

/* The row of one field, or NULL. */
const kd_compare_row *kd_compare_find(const kd_compare *cmp, const char *kind,
				      const char *namespace, const char *name,
				      const char *path);

/* "FILE:LINE" of the step that set the cell's desired value (appended);
 * nothing when it has none. */
int kd_compare_source(kd_buf *out, const kd_compare_cell *cell);

/* {"app", "clusters": [...], "fields": [{"apiVersion", "kind", "namespace",
 * "name", "path", "outlier", "cells": {CLUSTER: {"desired", "live",
 * "class", "source", "manager", "time", "outlier"}}}]}. */
int kd_compare_json(json_t **out, const kd_compare *cmp);

/* A value as one line of text (JSON for non-strings, "(absent)" for NULL),
 * control characters shown inert, shortened in the middle to at most width
 * columns (0: no limit) with "…" (ASCII "~"). */
int kd_compare_value_text(kd_buf *out, const json_t *value, size_t width, bool ascii);

/*
 * explain — the chain of steps that set one field (or every field) of one
 * rendered object, oldest first; the last step's value is the rendered
 * value.
 */

/* Renders app for cluster with provenance and finds one object
 * (KIND/NAMESPACE/NAME; namespace "" for cluster-scoped, "default" also
 * matching none).  *obj and *prov are new.  KD_ENOTFOUND naming the object
 * when the render has none. */
int kd_explain_object(json_t **obj, json_t **prov, kd_source *src, const kd_fleet *fleet,
		      const char *cluster, const char *app, const char *kind,
		      const char *namespace, const char *name);

/* With a pointer to a field: {"path", "value", "chain": [{"file", "line",
 * "step", "value", ...}]} (what else a step knows: "commit", "variable",
 * "from", "key", "parameter", "label", "accepted").  With a pointer to a
 * map or list, or NULL (the whole object): a list of those, one per field
 * below it.  Secret values are masked.  KD_ENOTFOUND when the object has
 * no such field. */
int kd_explain_json(json_t **out, const json_t *obj, const json_t *prov, const char *pointer);

/* The field's provenance on one line, newest first, as the diff pane shows
 * it: "replicas: 5 ← clusters/prod-b/web/replicas.yaml:6 (patch) ←
 * overlays/production/web/replicas.yaml:6 ← base/web/all.yaml:12"
 * (ASCII "<-").  Secret values masked, text sanitised. */
int kd_explain_line(kd_buf *out, const json_t *obj, const json_t *prov, const char *pointer,
		    bool ascii);

/*
 * topology — every field of every app classified by where its desired
 * value varies, generated from what Git renders and what the clusters
 * hold (the seed's "document your fleet topology first"):
 *   fleet        the same desired value in every cluster;
 *   environment  constant within each group (the group-by label, env by
 *                default), different between groups;
 *   cluster      differs within a group.
 * Contradictions are listed apart:
 *   per-cluster-but-equal  every cluster's value is declared in a file of
 *                          its own, yet the values are equal everywhere (it
 *                          could move down to a shared layer);
 *   shared-but-live-differs  declared in a file several clusters share,
 *                          yet live differs from it in some cluster.
 */

typedef enum kd_scope {
	KD_SCOPE_FLEET = 0,
	KD_SCOPE_ENVIRONMENT,
	KD_SCOPE_CLUSTER,
} kd_scope;

/* "fleet", "environment", "cluster". */
const char *kd_scope_name(kd_scope s);

typedef struct kd_topology_field {
	char *api_version, *kind, *namespace, *name, *path;
	kd_scope scope;
	json_t *declared_in;     /* array of files, sorted */
	json_t *values;          /* array of the distinct desired values (null: absent) */
	uint32_t *value_of;      /* per app cluster: index in values, UINT32_MAX unknown */
} kd_topology_field;

typedef enum kd_contradiction_kind {
	KD_CONTRA_PER_CLUSTER_EQUAL = 0,
	KD_CONTRA_SHARED_LIVE_DIFFERS,
} kd_contradiction_kind;

/* "per-cluster-but-equal", "shared-but-live-differs". */
const char *kd_contradiction_name(kd_contradiction_kind k);

typedef struct kd_contradiction {
	kd_contradiction_kind kind;
	size_t field;            /* index into the app's fields */
	json_t *clusters;        /* the clusters concerned (array of names) */
	json_t *files;           /* the files that declare it (array) */
} kd_contradiction;

typedef struct kd_topology_app {
	char *name;
	char **clusters;         /* the clusters the app is deployed to */
	size_t nclusters;
	kd_topology_field *fields;
	size_t nfields;
	kd_contradiction *contradictions;
	size_t ncontradictions;
} kd_topology_app;

typedef struct kd_topology {
	char *group_by;
	kd_topology_app *apps;
	size_t napps;
} kd_topology;

/* Classifies every field of `app` (NULL: every app the states hold, in
 * order of first appearance) across states.  group_by NULL: "env". */
int kd_topology_build(kd_topology **out, kd_cluster_state *const *states, size_t nstates,
		      const char *app, const char *group_by);
void kd_topology_free(kd_topology *topo);

/* {"apps": [{"name", "fields": [{"kind", "namespace", "name", "path",
 * "scope", "declaredIn": [FILE...], "values": {CLUSTER: value}}]}],
 * "contradictions": [{"app", "kind", "namespace", "name", "path", "type",
 * "clusters": [...], "files": [...]}]}. */
int kd_topology_json(json_t **out, const kd_topology *topo);

#endif
