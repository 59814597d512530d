/*
 * diff_priv — private to the diff part (diff.c, diff_walk.c): the state of
 * one walk over desired, live and last-applied, shared between the generic
 * field walk and the Secret walk.  Not an interface for other modules:
 * everything here may change with the walk.
 */

#ifndef KD_DIFF_PRIV_H
#define KD_DIFF_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff/diff.h"
#include "base/base.h"

/* Real objects nest about 15 deep; anything near this is hostile. */
#define KD_DIFF_MAX_DEPTH 100

#define KD_DIFF_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

typedef struct kd_diff_walk {
	kd_diff_result *res;
	size_t cap;
	kd_buf dpath;                 /* pointer with desired indices */
	kd_buf lpath;                 /* pointer with live indices */
	size_t dlen[KD_DIFF_MAX_DEPTH + 2];   /* path lengths before each push */
	size_t llen[KD_DIFF_MAX_DEPTH + 2];
	/* field name per depth; NULL for list elements */
	const char *keys[KD_DIFF_MAX_DEPTH + 2];
	const kd_managed_node *mn[KD_DIFF_MAX_DEPTH + 2];
	unsigned depth;
	kd_managed *mf;
	const char **ptrs;            /* ignored JSON pointers (borrowed) */
	size_t nptrs;
	uint64_t ignored_owners;      /* entries of ignored managers */
	/* entries whose live-only fields are drift: hand-editing managers
	 * and the server-side applier of desired (its Apply entries) */
	uint64_t counted_owners;
	uint64_t applier_owners;      /* the appliers' Apply entries */
	uint64_t object_writers;      /* entries without a subresource (only
				       * those can remove arbitrary fields) */
	int applier;                  /* entry that wrote last-applied, or -1 */
	bool hpa, secret, aggregated, cluster_scoped;
	bool webhook_kind, crd, apiservice, quota, limitrange;
	/* the quick walk without ignored pointers: nothing reads the paths
	 * (a field it reports, an error, sends it back to the full walk) */
	bool no_paths;
	/* the quick walk's memo of equal fields (NULL: none) and the flags
	 * above packed, which with the path decide a field's verdict */
	kd_diff_memo *memo;
	unsigned memo_flags;
} kd_diff_walk;

bool kd_diff_walk_is_empty(const json_t *v);

/* Enters a child: a map field (key) or a list element (key NULL, with its
 * desired and live indices); mn is its managedFields node or NULL.  Pop
 * after every push, also a failed one. */
int kd_diff_walk_push(kd_diff_walk *w, const char *key, size_t dindex,
		      size_t lindex, const kd_managed_node *mn);
void kd_diff_walk_pop(kd_diff_walk *w);

/* True when ignoreDifferences removes the current field. */
bool kd_diff_walk_ignored(const kd_diff_walk *w);

/* Append a drifted field at the current path (values borrowed), attributed
 * to the manager that wrote it (changed, added) or that last wrote its
 * parent (removed: live lacks it).  from_git: an added field Git once held
 * (removed_from_git). */
int kd_diff_walk_changed(kd_diff_walk *w, const json_t *d, const json_t *l);
int kd_diff_walk_added(kd_diff_walk *w, const json_t *l, bool from_git);
int kd_diff_walk_removed(kd_diff_walk *w, const json_t *d, bool never);
void kd_diff_walk_field_clear(kd_diff_field *f);

/* The memo (diff_memo.c): whether the field `key` at depth `depth` (0: a
 * member of the object, 1: a member of metadata) was found equal with
 * these values and flags, and remembering that it was.  Keys longer than
 * KD_DIFF_MEMO_KEY_MAX are never remembered. */
#define KD_DIFF_MEMO_KEY_MAX 63
bool kd_diff_memo_equal(kd_diff_memo *m, const json_t *d, const json_t *l,
			unsigned flags, unsigned depth, const char *key);
void kd_diff_memo_remember(kd_diff_memo *m, const json_t *d, const json_t *l,
			   unsigned flags, unsigned depth, const char *key);

/* Whether a managedFields field set (a value shared by many objects) was
 * found well-formed before, and remembering that it was; memo may be NULL. */
bool kd_diff_memo_checked(kd_diff_memo *m, const json_t *fields);
void kd_diff_memo_remember_checked(kd_diff_memo *m, const json_t *fields);

/* kd_managed_check, skipping the field sets the memo knows (may be NULL). */
int kd_managed_check_memo(const json_t *live, kd_diff_memo *memo);

/* Compares the current field of the three documents (any may be NULL). */
int kd_diff_walk_node(kd_diff_walk *w, const json_t *d, const json_t *l,
		      const json_t *la);

#endif
