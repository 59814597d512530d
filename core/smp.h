/*
 * smp — Kubernetes strategic merge patch on jansson values.
 *
 * Two flavours share one schema of patch merge keys for the built-in kinds:
 *
 *  - KD_SMP_KUSTOMIZE reproduces `kubectl kustomize` (kyaml merge2 with
 *    list prepending): patched elements of a keyed list come first, in patch
 *    order, followed by the untouched original elements; `$patch:
 *    delete|replace|merge` are honoured; `$setElementOrder`,
 *    `$deleteFromPrimitiveList` and `$retainKeys` are NOT directives there
 *    and are kept as ordinary fields, exactly as kustomize does.
 *
 *  - KD_SMP_SERVER reproduces the API server (apimachinery, as
 *    `kubectl patch --local --type strategic` runs it): the elements the
 *    patch names, in the patch's (or $setElementOrder's) order, are
 *    interleaved with the elements only the object had, and every directive
 *    ($patch, $setElementOrder/F, $deleteFromPrimitiveList/F, $retainKeys)
 *    is applied and stripped.
 *
 * Kinds without a known schema (custom resources) merge maps and replace
 * lists in both flavours.  Inputs are never modified.
 */
#ifndef KD_SMP_H
#define KD_SMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum kd_smp_mode {
	KD_SMP_KUSTOMIZE = 0,
	KD_SMP_SERVER,
} kd_smp_mode;

/*
 * *out = target patched with patch.  The schema is chosen from the
 * target's apiVersion and kind (the patch's when the target has none).
 * When the patch deletes the whole object (`$patch: delete` at the top),
 * *out is NULL and 0 is returned.  A patch that is not an object gives
 * KD_EINVAL.
 */
int kd_smp_apply(json_t **out, const json_t *target, const json_t *patch,
		 kd_smp_mode mode);

/* True when kinds of this apiVersion/kind have a built-in merge schema. */
bool kd_smp_has_schema(const char *api_version, const char *kind);

/*
 * The merge keys of the list at `pointer` (an RFC 6901 pointer into an
 * object of this kind, array indices allowed: "/spec/template/spec/
 * containers/0/env").  Writes up to max key names into keys and returns how
 * many (0 for a list replaced as a whole or unknown).  *primitive is set
 * when the list is a merged list of scalars (finalizers).  Used by the diff
 * to match list elements by key.
 */
size_t kd_smp_list_keys(const char **keys, size_t max, bool *primitive,
			const char *api_version, const char *kind,
			const char *pointer);

#endif
