/*
 * appset_priv — what appset.c (templates, rendering) and appset_gen.c
 * (generators) share.  Not an interface for other modules.
 */
#ifndef KD_APPSET_PRIV_H
#define KD_APPSET_PRIV_H

#include <jansson.h>
#include <stdbool.h>

#include "fleet.h"
#include "source.h"

/* The parameter key recording which fleet cluster a clusters generator
 * produced a parameter set for. */
#define AS_CLUSTER_KEY "__kdrift_cluster"

typedef struct as_ctx {
	kd_source *src;
	const kd_fleet *fleet;
	const char *file;     /* the ApplicationSet file, for messages */
	bool go;              /* goTemplate */
	bool missing_error;   /* goTemplateOptions: missingkey=error */
} as_ctx;

/* Evaluates one generator (an object with exactly one generator key) into
 * *out, a new array of parameter sets.  `where` names it in messages. */
int as_generate(json_t **out, as_ctx *c, const json_t *gen, const char *where);

/* Expands every string in `tmpl` (a deep copy is returned in *out) with the
 * parameter set. */
int as_expand_value(json_t **out, as_ctx *c, const json_t *tmpl,
		    const json_t *params);

/* Looks a (dotted, for nested parameter sets) key up. */
const json_t *as_param(const json_t *params, const char *key);

#endif
