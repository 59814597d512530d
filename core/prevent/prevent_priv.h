/*
 * prevent_priv — what the files of core/prevent share: the builders of
 * each format (kyverno.c, gatekeeper.c, vap.c) and small JSON helpers.
 *
 * Not part of kdrift's interface; use prevent.h.
 */
#ifndef KD_PREVENT_PRIV_H
#define KD_PREVENT_PRIV_H

#include <jansson.h>
#include <stdbool.h>

#include "prevent/prevent.h"

/* The name every policy object carries, and the label that says who wrote
 * it. */
#define KD_PREVENT_NAME "kdrift-gitops-only"
#define KD_PREVENT_MANAGED_BY "kdrift"

/* The message a refused request gets. */
int kd_prevent_message(char **out, const kd_prevent_scope *scope);

/* {name, labels: {app.kubernetes.io/managed-by: kdrift}} with `name`. */
json_t *kd_prevent_metadata(const char *name);

/* A string member of a scope entry; "" when absent. */
const char *kd_prevent_str(const json_t *obj, const char *key);

/* Appends `v` to `arr`, taking the reference; false (and `v` released) on
 * failure, so builders can chain it. */
bool kd_prevent_push(json_t *arr, json_t *v);

/* The builders: each appends its format's documents to `docs`. */
int kd_prevent_kyverno(json_t *docs, const kd_prevent_scope *scope, bool audit);
int kd_prevent_gatekeeper(json_t *docs, const kd_prevent_scope *scope, bool audit);
int kd_prevent_vap(json_t *docs, const kd_prevent_scope *scope, bool audit);

#endif
