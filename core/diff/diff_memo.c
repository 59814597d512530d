/*
 * diff_memo — fields of objects already found equal, remembered across
 * diffs (kd_diff_memo in diff.h).
 *
 * In the quick walk (no ignored pointer, no manager whose live-only fields
 * count) the verdict on one field of an object depends on nothing but the
 * desired value, the live value, last-applied's value, the field's path and
 * a few facts about the object's kind.  A fleet's objects share their
 * subtrees: desired objects are rendered once for every cluster that
 * renders alike, and lists read with kd_kube_list_opts.share give equal
 * live subtrees one instance.  So the verdict on one (desired, live) pair
 * of values answers for every cluster that holds the same pair, and the
 * walk of a synced fleet shrinks to the parts each object has of its own.
 *
 * The same table remembers the managedFields field sets found well-formed
 * (the quick walk checks every object's; a fleet's objects share them).
 *
 * Only "equal" is remembered (anything else reruns the full walk anyway).
 * Values are known by address; each entry holds a reference to both, so
 * no address can be reused by another value while it is remembered.  The
 * values must never be modified, which both sides already promise (the
 * engine's diff cache relies on the same).  Bounded: it starts over when
 * full.  Owned by one thread.
 */
#include "diff_priv.h"

#include <stdlib.h>
#include <string.h>

#define MEMO_SLOTS 16384                  /* power of two */
#define MEMO_MAX (MEMO_SLOTS / 2)          /* entries before starting over */
#define CHECKED_DEPTH 0xFFFFu              /* the depth of a checked field set */

typedef struct memo_entry {
	json_t *desired, *live;           /* NULL desired: an empty slot */
	uint64_t hash;
	unsigned flags;
	unsigned depth;
	char key[KD_DIFF_MEMO_KEY_MAX + 1];
} memo_entry;

struct kd_diff_memo {
	memo_entry *slots;
	size_t used;
};

int kd_diff_memo_new(kd_diff_memo **out)
{
	kd_diff_memo *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->slots = calloc(MEMO_SLOTS, sizeof(*m->slots)))) {
		free(m);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	*out = m;
	return 0;
}

static void clear(kd_diff_memo *m)
{
	size_t i;

	for (i = 0; i < MEMO_SLOTS; i++) {
		if (m->slots[i].desired) {
			json_decref(m->slots[i].desired);
			json_decref(m->slots[i].live);
		}
	}
	memset(m->slots, 0, MEMO_SLOTS * sizeof(*m->slots));
	m->used = 0;
}

void kd_diff_memo_free(kd_diff_memo *m)
{
	if (!m)
		return;
	clear(m);
	free(m->slots);
	free(m);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	return h * 0xFF51AFD7ED558CCDULL;
}

static uint64_t hash_of(const json_t *d, const json_t *l, unsigned flags,
			unsigned depth, const char *key)
{
	uint64_t h = mix(mix(mix(1469598103934665603ULL, (uintptr_t)d), (uintptr_t)l),
			 ((uint64_t)flags << 8) | depth);
	const unsigned char *p;

	for (p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return mix(h, 0);
}

static bool same(const memo_entry *e, uint64_t hash, const json_t *d, const json_t *l,
		 unsigned flags, unsigned depth, const char *key)
{
	return e->hash == hash && e->desired == d && e->live == l && e->flags == flags &&
	       e->depth == depth && strcmp(e->key, key) == 0;
}

/* The slot of the entry, or of the empty slot where it would go. */
static memo_entry *find(kd_diff_memo *m, uint64_t hash, const json_t *d, const json_t *l,
			unsigned flags, unsigned depth, const char *key)
{
	size_t i = (size_t)hash & (MEMO_SLOTS - 1);

	while (m->slots[i].desired && !same(&m->slots[i], hash, d, l, flags, depth, key))
		i = (i + 1) & (MEMO_SLOTS - 1);
	return &m->slots[i];
}

bool kd_diff_memo_equal(kd_diff_memo *m, const json_t *d, const json_t *l,
			unsigned flags, unsigned depth, const char *key)
{
	uint64_t hash;

	if (!m || strlen(key) > KD_DIFF_MEMO_KEY_MAX)
		return false;
	hash = hash_of(d, l, flags, depth, key);
	return find(m, hash, d, l, flags, depth, key)->desired != NULL;
}

void kd_diff_memo_remember(kd_diff_memo *m, const json_t *d, const json_t *l,
			   unsigned flags, unsigned depth, const char *key)
{
	memo_entry *e;
	uint64_t hash;

	if (!m || !d || !l || strlen(key) > KD_DIFF_MEMO_KEY_MAX)
		return;
	if (m->used >= MEMO_MAX)
		clear(m);
	hash = hash_of(d, l, flags, depth, key);
	e = find(m, hash, d, l, flags, depth, key);
	if (e->desired)
		return;
	e->desired = json_incref((json_t *)d);
	e->live = json_incref((json_t *)l);
	e->hash = hash;
	e->flags = flags;
	e->depth = depth;
	strcpy(e->key, key);
	m->used++;
}

bool kd_diff_memo_checked(kd_diff_memo *m, const json_t *fields)
{
	return kd_diff_memo_equal(m, fields, fields, 0, CHECKED_DEPTH, "");
}

void kd_diff_memo_remember_checked(kd_diff_memo *m, const json_t *fields)
{
	kd_diff_memo_remember(m, fields, fields, 0, CHECKED_DEPTH, "");
}
