/*
 * smp_priv — the strategic merge schema shared by smp.c and smp_schema.c;
 * not an interface.
 */

#ifndef KD_DATA_PRIV_H
#define KD_DATA_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "data/data.h"

/* L_KEYED_SERVER: keyed by the API server, but newer than the OpenAPI
 * document built into kustomize, which therefore replaces it whole. */
enum list_kind { L_REPLACE = 0, L_KEYED, L_PRIMITIVE, L_KEYED_SERVER };

typedef struct smp_type smp_type;

typedef struct smp_field {
	const char *name;
	const smp_type *type;   /* the value's type, or the elements' for lists */
	unsigned char list;     /* enum list_kind */
	unsigned char nkeys;    /* kustomize's keys (list-map keys when known) */
	const char *keys[2];    /* keys[0] is the API server's patch merge key */
} smp_field;

struct smp_type {
	const smp_field *fields;
};

/* The schema of a built-in kind; NULL for custom resources. */
const smp_type *kd_smp_root_type(const char *api_version, const char *kind);

/* A built-in type by its OpenAPI definition name; *known is set when
 * kdrift knows that name (the type may still be NULL: nothing keyed). */
const smp_type *kd_smp_named_type(const char *name, bool *known);

/* Whether the built-in schema is in use besides s (true for NULL). */
bool kd_smp_schema_builtin(const kd_smp_schema *s);

/* A kind's type in a schema read from an OpenAPI document. */
const smp_type *kd_smp_schema_root(const kd_smp_schema *s, const char *api_version,
				   const char *kind);

/* A field of type (NULL when type is NULL or has no such field). */
const smp_field *kd_smp_field(const smp_type *type, const char *name);

#endif
