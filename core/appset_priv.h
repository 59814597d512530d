/*
 * appset_priv — what appset.c (templates, rendering) and appset_gen.c
 * (generators) share.  Not an interface for other modules.
 */
#ifndef KD_APPSET_PRIV_H
#define KD_APPSET_PRIV_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
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
	const json_t *positions;  /* pointer -> [line, column] of the document */
} as_ctx;

/* Sets an error "FILE:LINE:COLUMN: PATH MESSAGE" where PATH is the dotted
 * path `where` (".sub" appended when sub is not NULL) and the position is
 * that of the deepest part of PATH the document has.  Returns code. */
int as_fail(const as_ctx *c, int code, const char *where, const char *sub,
	    const char *fmt, ...) KD_PRINTF(5, 6);

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
