/*
 * mergekeys — which Kubernetes lists are maps in disguise.
 *
 * Lists such as containers or env are merged by the API server by a key
 * (their patchMergeKey / listMapKeys), so two of them must be compared
 * element by element matched on that key, never by position.  The table
 * covers the built-in kinds' lists that appear in manifests; lists not in it
 * (args, tolerations, rules, ...) are atomic: they compare whole.
 *
 * Knows field names only, not the schema: a list is keyed when its field
 * name is in the table and every element carries the key, so CRD lists that
 * reuse a name (a `ports` list of strings) fall back to atomic.
 */
#ifndef KD_MERGEKEYS_H
#define KD_MERGEKEYS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define KD_MERGEKEYS_MAX 2

typedef struct kd_mergekeys {
	size_t nkeys;                          /* 0: the list is atomic */
	const char *keys[KD_MERGEKEYS_MAX];    /* the first is required */
	const char *defaults[KD_MERGEKEYS_MAX]; /* value assumed when a key is absent, or NULL */
} kd_mergekeys;

/* The merge keys of list field `name` given the lists on each side (either
 * may be NULL).  out->nkeys is 0 when the list is atomic, including when an
 * element lacks the required key or two elements of one side share a key. */
void kd_mergekeys_for(kd_mergekeys *out, const char *name,
		      const json_t *a, const json_t *b);

/* True when elements x and y have the same key (absent keys take their
 * default). */
bool kd_mergekeys_match(const kd_mergekeys *mk, const json_t *x,
			const json_t *y);

/* The index of the element of `list` whose key matches elem's; -1 when none. */
long kd_mergekeys_find(const kd_mergekeys *mk, const json_t *list,
		       const json_t *elem);

#endif
