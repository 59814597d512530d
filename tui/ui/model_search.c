/*
 * model_search — finding nodes in the fleet tree: the next problem (] and
 * [), the next node whose label holds a search text (/, n and N), and the
 * labels themselves.  Never changes the tree; only the cache of a search's
 * matches, which a rebuild drops (model.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "ui.h"

/* The first set bit in [lo, hi), or KD_NONE. */
static size_t next_bit(const uint64_t *b, size_t lo, size_t hi)
{
	while (lo < hi) {
		uint64_t w = b[lo / 64] >> (lo % 64);

		if (!w) {
			lo = (lo / 64 + 1) * 64;
			continue;
		}
		while (!(w & 1)) {
			w >>= 1;
			lo++;
		}
		return lo < hi ? lo : KD_NONE;
	}
	return KD_NONE;
}

/* The last set bit in [lo, hi), or KD_NONE. */
static size_t prev_bit(const uint64_t *b, size_t lo, size_t hi)
{
	while (hi > lo) {
		size_t i = hi - 1;

		if (!b[i / 64]) {
			hi = (i / 64) * 64;
			continue;
		}
		if (b[i / 64] & ((uint64_t)1 << (i % 64)))
			return i;
		hi = i;
	}
	return KD_NONE;
}

/* A search's matches, a bit per node, computed once per search text and
 * tree: n and N then skip 64 non-matching nodes at a time. */
static int name_matches_bits(kd_model *m, const char *text)
{
	size_t i, words = m->nnodes / 64 + 1;

	if (m->match_text && strcmp(m->match_text, text) == 0)
		return 0;
	free(m->match_text);
	free(m->match_bits);
	m->match_text = strdup(text);
	m->match_bits = calloc(words, sizeof(*m->match_bits));
	if (!m->match_text || !m->match_bits) {
		free(m->match_text);
		free(m->match_bits);
		m->match_text = NULL;
		m->match_bits = NULL;
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	for (i = 0; i < m->nnodes; i++)
		if (kd_node_name_matches(m, &m->nodes[i], text))
			m->match_bits[i / 64] |= (uint64_t)1 << (i % 64);
	return 0;
}

static size_t find_bits(const kd_model *m, const uint64_t *b, size_t lo, size_t hi, int dir)
{
	size_t i;

	for (;;) {
		i = dir > 0 ? next_bit(b, lo, hi) : prev_bit(b, lo, hi);
		if (i == KD_NONE || m->nodes[i].shown)
			return i;
		if (dir > 0)
			lo = i + 1;
		else
			hi = i;
	}
}

static size_t find_start(const kd_model *m, int dir)
{
	size_t start = kd_model_selected_index(m);

	return start != KD_NONE ? start : dir > 0 ? m->nnodes - 1 : 0;
}

size_t kd_model_find(const kd_model *m, int dir, kd_node_pred pred, const void *arg)
{
	size_t start, i, k;

	if (m->nnodes == 0)
		return KD_NONE;
	start = find_start(m, dir);
	for (k = 1; k <= m->nnodes; k++) {
		i = dir > 0 ? (start + k) % m->nnodes : (start + m->nnodes - k % m->nnodes) % m->nnodes;
		if (m->nodes[i].shown && pred(m, &m->nodes[i], arg))
			return i;
	}
	return KD_NONE;
}

size_t kd_model_find_name(kd_model *m, int dir, const char *text)
{
	size_t start, i;

	if (m->nnodes == 0)
		return KD_NONE;
	if (name_matches_bits(m, text) < 0)
		return kd_model_find(m, dir, kd_node_name_matches, text);
	start = find_start(m, dir);
	/* the order of kd_model_find: after the start, wrapping, the start
	 * itself last */
	if (dir > 0)
		return (i = find_bits(m, m->match_bits, start + 1, m->nnodes, 1)) != KD_NONE ? i :
		       find_bits(m, m->match_bits, 0, start + 1, 1);
	return (i = find_bits(m, m->match_bits, 0, start, -1)) != KD_NONE ? i :
	       find_bits(m, m->match_bits, start, m->nnodes, -1);
}

bool kd_node_is_problem(const kd_model *m, const kd_node *n, const void *arg)
{
	(void)m;
	(void)arg;
	/* The places where a problem is: objects, and inner nodes that carry
	 * their own reason (an unreachable cluster, an app that failed to render). */
	if (n->level == KD_LEVEL_OBJECT)
		return n->status != KD_STATUS_SYNCED;
	return n->reason != NULL && n->status == KD_STATUS_UNKNOWN &&
	       (n->level != KD_LEVEL_APP || n->cluster != KD_NONE);
}

int kd_node_label(kd_buf *out, const kd_node *n)
{
	if (n->obj) {
		if (n->obj->namespace[0])
			return kd_buf_printf(out, "%s %s/%s", n->obj->kind, n->obj->namespace, n->obj->name);
		return kd_buf_printf(out, "%s %s", n->obj->kind, n->obj->name);
	}
	if (n->hand)
		return kd_buf_printf(out, "%s %s/%s", n->hand->kind, n->hand->namespace, n->hand->name);
	if (n->level == KD_LEVEL_UNMANAGED)
		return kd_buf_puts(out, "unmanaged");
	if (n->level == KD_LEVEL_APP)
		return kd_buf_puts(out, n->app_name ? n->app_name : "");
	return kd_buf_puts(out, n->cluster_name ? n->cluster_name : "");
}

bool kd_node_name_matches(const kd_model *m, const kd_node *n, const void *arg)
{
	kd_buf label = KD_BUF_INIT;
	const char *needle = arg;
	bool match;

	(void)m;
	/* A search looks at every node: the label is built only when the
	 * text could span its parts ("Kind ns/name" joined by ' ' and '/'). */
	if (!strpbrk(needle, " /")) {
		if (n->obj)
			return kd_contains_ci(n->obj->kind, needle) ||
			       kd_contains_ci(n->obj->namespace, needle) || kd_contains_ci(n->obj->name, needle);
		if (n->hand)
			return kd_contains_ci(n->hand->kind, needle) ||
			       kd_contains_ci(n->hand->namespace, needle) || kd_contains_ci(n->hand->name, needle);
		if (n->level == KD_LEVEL_UNMANAGED)
			return kd_contains_ci("unmanaged", needle);
		if (n->level == KD_LEVEL_APP)
			return kd_contains_ci(n->app_name ? n->app_name : "", needle);
		return kd_contains_ci(n->cluster_name ? n->cluster_name : "", needle);
	}
	if (kd_node_label(&label, n) < 0)
		return false;
	match = kd_contains_ci(kd_buf_cstr(&label), arg);
	kd_buf_free(&label);
	return match;
}
