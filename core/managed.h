/*
 * managed — metadata.managedFields of a live object, read into a trie so the
 * diff can ask "which field manager last wrote this field?".
 *
 * fieldsV1 is a set of paths: `f:name` (a map field), `k:{"name":"x"}` (a
 * list element identified by its key fields), `v:value` (an element of a
 * list used as a set), `i:N` (an element by position) and `.` (the node
 * itself, as opposed to only its children).  Every manager entry owns a set;
 * the trie merges them and records, per node, which entries own it.
 *
 * Entries of the status subresource, and entries whose fieldsType is not
 * FieldsV1, are listed but their fields are not read: nothing kdrift
 * compares lives under status, and an unknown format is not guessed at.
 *
 * Entries are numbered in managedFields order; only the first
 * KD_MANAGED_MAX_ENTRIES are read (real objects have a handful).  The trie
 * borrows strings from the live object, which must outlive it.  Never
 * prints; malformed managedFields give KD_EINVAL and an empty trie is never
 * an error (objects created before server-side field tracking have none).
 */
#ifndef KD_MANAGED_H
#define KD_MANAGED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_MANAGED_MAX_ENTRIES 64

typedef struct kd_managed_entry {
	const char *manager;      /* "kubectl-edit"; "" when the entry has none */
	const char *operation;    /* "Update" or "Apply"; may be NULL */
	const char *time;         /* RFC 3339; may be NULL */
	const char *subresource;  /* "status", "scale"; NULL for the object itself */
} kd_managed_entry;

typedef struct kd_managed kd_managed;
typedef struct kd_managed_node kd_managed_node;

/* Reads live.metadata.managedFields.  *out is never NULL on success, even
 * when the object has no managedFields. */
int kd_managed_parse(kd_managed **out, const json_t *live);
void kd_managed_free(kd_managed *m);

size_t kd_managed_count(const kd_managed *m);
const kd_managed_entry *kd_managed_entry_at(const kd_managed *m, size_t i);

/* Bitmask of the entries whose manager is `manager`. */
uint64_t kd_managed_entries_named(const kd_managed *m, const char *manager);

/* The root of the trie (the object itself); NULL when the object has no
 * managedFields. */
const kd_managed_node *kd_managed_root(const kd_managed *m);

/* The child for the map field `name`; NULL when no entry mentions it (or
 * when n is NULL, so lookups can be chained). */
const kd_managed_node *kd_managed_field(const kd_managed_node *n,
					const char *name);

/* The child for list element `elem` at `index` of a live list: the `k:`
 * child whose key fields all equal elem's, else the `v:` child equal to
 * elem, else the `i:` child for index. */
const kd_managed_node *kd_managed_element(const kd_managed_node *n,
					  const json_t *elem, size_t index);

/* Entries that own the node itself (a leaf, or `.` for a map or element). */
uint64_t kd_managed_owners(const kd_managed_node *n);

/* Entries that own the node or anything beneath it. */
uint64_t kd_managed_subtree_owners(const kd_managed_node *n);

/* True when no entry mentions anything beneath the node (an atomic field,
 * or a map owned only as a whole). */
bool kd_managed_is_leaf(const kd_managed_node *n);

/* Of the entries in `mask`, the one written last (by time; ties and missing
 * times go to the later entry in the list); -1 when mask is empty. */
int kd_managed_latest(const kd_managed *m, uint64_t mask);

/* Entries written strictly after entry `i` (missing times count as
 * "after": the caller cannot rule them out). */
uint64_t kd_managed_written_after(const kd_managed *m, int i);

#endif
