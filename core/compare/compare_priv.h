/*
 * compare_priv — what the files of core/compare/ share: the table of an
 * app's objects across clusters that compare and topology both read, and
 * the evaluation of one field's cells.  Not an interface.
 */

#ifndef KD_COMPARE_PRIV_H
#define KD_COMPARE_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "compare/compare.h"
#include "engine/engine.h"

/* One desired object as rendered, shared by every cluster whose render is
 * the same json_t (the engine renders a path once for all clusters). */
typedef struct cmp_variant {
	const json_t *desired;
	const json_t *prov;
	json_t *leaves;          /* path -> [value (masked for Secrets), chain or null] */
} cmp_variant;

/* One object (by identity) of the app across clusters. */
typedef struct cmp_obj {
	char *api_version, *kind, *ns, *name;
	bool secret;
	const kd_resource **res;  /* per cluster: its resource, or NULL */
	int *variant;             /* per cluster: index into variants, or -1 */
	cmp_variant *variants;
	size_t nvariants, cap;
	json_t **drift;           /* per cluster: path -> index of a diff field, or NULL */
	json_t *paths;            /* every field's path -> true, in first-seen order */
	bool uniform;             /* nothing about it can differ between clusters */
} cmp_obj;

typedef struct cmp_table {
	kd_cluster_state **states;     /* the clusters with the app (references held) */
	const kd_app_state **apps;     /* per cluster */
	char **groups;                 /* per cluster: the group-by label's value */
	size_t n;
	cmp_obj *objs;
	size_t nobjs, cap;
	json_t *index;                 /* object key -> index in objs */
} cmp_table;

/* Collects app's objects across states (only those whose state has the
 * app).  KD_ENOTFOUND when none has it. */
int cmp_table_build(cmp_table *t, kd_cluster_state *const *states, size_t nstates,
		    const char *app, const char *group_by);
void cmp_table_free(cmp_table *t);

/* Fills cells[0..t->n) for the field at path of o (values are new
 * references; cmp_cells_clear drops them). */
int cmp_cells(const cmp_table *t, const cmp_obj *o, const char *path, kd_compare_cell *cells);
void cmp_cells_clear(kd_compare_cell *cells, size_t n);

/* True when two of the cells disagree on desired or on live. */
bool cmp_cells_differ(const kd_compare_cell *cells, size_t n);

/* Flags outlying cells (see compare.h); true when any is. */
bool cmp_outliers(kd_compare_cell *cells, size_t n, char *const *groups);

/* "FILE:LINE" of a chain's last entry (appended). */
int cmp_chain_source(kd_buf *out, const json_t *chain);

/* A Secret's value masked (data: base64) as everywhere; NULL stays NULL.
 * New reference, or NULL for no value. */
json_t *cmp_mask(const json_t *value, bool base64);

#endif
