/*
 * model_search — finding nodes in the fleet tree: the next problem (] and
 * [), the next node whose label holds a search text (/, n and N), and the
 * labels themselves.  Never changes the tree; only the cache of searches'
 * matches, which a rebuild drops (model.c).
 *
 * A search typed key by key must not test 100,000 labels a key: a term
 * holding an earlier one (a key added) is looked for only among that
 * term's matches, a term seen before (a key taken back) is remembered,
 * and a term that matches nothing stays cheap (no bit to follow).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "model_priv.h"

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

void kd_matches_clear(kd_matches *match, size_t *nmatch)
{
	size_t i;

	for (i = 0; i < *nmatch; i++) {
		free(match[i].text);
		free(match[i].bits);
	}
	memset(match, 0, KD_MATCHES_MAX * sizeof(*match));
	*nmatch = 0;
}

/* A needle with a blank or a slash is looked for in the whole label, one
 * without in its parts (kd_node_name_matches). */
static bool whole_label(const char *text)
{
	return strpbrk(text, " /") != NULL;
}

bool kd_search_narrows(const char *text, const char *shorter)
{
	/* where a node's label (or one of its parts) holds text, it holds
	 * what text holds; the same places are searched for both */
	return whole_label(text) == whole_label(shorter) && kd_contains_ci(text, shorter);
}

void kd_labels_clear(kd_labels *l)
{
	free(l->text);
	free(l->at);
	free(l->name_at);
	memset(l, 0, sizeof(*l));
}

/* Appends s in lower case (with its '\0', not counted) to the labels'
 * text: written with no formatting, 100,000 labels are built when the
 * tree changes.  False when out of memory. */
static bool put(kd_labels *l, const char *s)
{
	size_t n = strlen(s), k;

	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		char *d;

		while (cap < l->len + n + 1)
			cap *= 2;
		if (!(d = realloc(l->text, cap)))
			return false;
		l->text = d;
		l->cap = cap;
	}
	for (k = 0; k <= n; k++) {
		char c = s[k];

		l->text[l->len + k] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	l->len += n;
	return true;
}

/* kd_node_label's text; and where the name the name filter reads
 * (model_filter.c) starts: at the end of every label but the unmanaged
 * group's. */
static bool label(kd_labels *l, const kd_node *n, size_t *name_at)
{
	bool ok = true;

	*name_at = l->len;
	if (n->obj) {
		ok = put(l, n->obj->kind) && put(l, " ") &&
		     (!n->obj->namespace[0] || (put(l, n->obj->namespace) && put(l, "/")));
		*name_at = l->len;
		return ok && put(l, n->obj->name);
	}
	if (n->hand) {
		ok = put(l, n->hand->kind) && put(l, " ") && put(l, n->hand->namespace) && put(l, "/");
		*name_at = l->len;
		return ok && put(l, n->hand->name);
	}
	if (n->level == KD_LEVEL_UNMANAGED) {
		*name_at = KD_NONE;
		return put(l, "unmanaged");
	}
	if (n->level == KD_LEVEL_APP)
		return put(l, n->app_name ? n->app_name : "");
	return put(l, n->cluster_name ? n->cluster_name : "");
}

int kd_labels_build(kd_model *m, size_t limit)
{
	kd_labels *l = &m->labels;
	size_t i, end;

	if (l->built)
		return 0;
	if (l->done == 0) {
		kd_labels_clear(l);
		/* about as long as the labels of the bench fleet's objects */
		l->cap = m->nnodes * 32 + 64;
		if (!(l->text = malloc(l->cap)) || !(l->at = malloc((m->nnodes + 1) * sizeof(*l->at))) ||
		    !(l->name_at = malloc((m->nnodes + 1) * sizeof(*l->name_at)))) {
			kd_labels_clear(l);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	end = limit == KD_NONE || m->nnodes - l->done < limit ? m->nnodes : l->done + limit;
	for (i = l->done; i < end; i++) {
		l->at[i] = l->len;
		if (!label(l, &m->nodes[i], &l->name_at[i])) {
			kd_labels_clear(l);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		l->len++;   /* the '\0' put wrote */
	}
	l->done = end;
	if (end == m->nnodes) {
		l->at[m->nnodes] = l->len;
		l->built = true;
	}
	return 0;
}

/* The first place of needle (len > 0) in [hay, hay + n), or NULL. */
static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t len)
{
	const char *end = hay + n, *p = hay;

	while ((size_t)(end - p) >= len && (p = memchr(p, needle[0], (size_t)(end - p) - len + 1))) {
		if (memcmp(p, needle, len) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* The nodes whose lower-case label holds the lower-case needle, in one
 * sweep: labels never hold the '\0' that ends each, so a hit is inside one
 * label; the sweep goes on after that label. */
static void labels_sweep(const kd_model *m, uint64_t *bits, const char *needle, size_t len)
{
	const kd_labels *l = &m->labels;
	size_t end = l->at[m->nnodes], from = 0, i = 0;

	while (from < end) {
		const char *hit = len ? find_bytes(l->text + from, end - from, needle, len) : l->text + from;
		size_t pos;

		if (!hit)
			break;
		pos = (size_t)(hit - l->text);
		while (l->at[i + 1] <= pos)
			i++;
		bits[i / 64] |= (uint64_t)1 << (i % 64);
		from = l->at[++i];
	}
}

/* A search's matches, a bit per node: from the remembered ones, or among
 * the matches of a term it narrows (the fewest, when they are few), or in
 * one sweep of the labels.  The most recent comes first; the oldest is
 * forgotten.  NULL when out of memory. */
static const uint64_t *matches_for(kd_model *m, const char *text)
{
	size_t i, k, words = m->nnodes / 64 + 1, base = KD_NONE, best = 0, len = strlen(text);
	kd_matches e;
	char *needle;

	for (i = 0; i < m->nmatch; i++)
		if (strcmp(m->match[i].text, text) == 0)
			break;
	if (i < m->nmatch) {
		e = m->match[i];
		memmove(&m->match[1], &m->match[0], i * sizeof(*m->match));
		m->match[0] = e;
		return e.bits;
	}
	if (!m->labels.built && kd_labels_build(m, KD_NONE) < 0)
		return NULL;
	e.text = strdup(text);
	e.bits = calloc(words, sizeof(*e.bits));
	needle = strdup(text);
	if (!e.text || !e.bits || !needle) {
		free(e.text);
		free(e.bits);
		free(needle);
		kd_error_set(KD_ENOMEM, "out of memory");
		return NULL;
	}
	for (k = 0; k < len; k++)
		if (needle[k] >= 'A' && needle[k] <= 'Z')
			needle[k] = (char)(needle[k] - 'A' + 'a');
	for (i = 0; i < m->nmatch; i++)
		if (kd_search_narrows(text, m->match[i].text)) {
			size_t count = 0;

			for (k = 0; k < words; k++)
				count += (size_t)__builtin_popcountll(m->match[i].bits[k]);
			if (base == KD_NONE || count < best) {
				base = i;
				best = count;
			}
		}
	/* a few earlier matches are tested one by one, many in a sweep */
	if (base != KD_NONE && best < m->nnodes / 16 + 64) {
		const uint64_t *b = m->match[base].bits;

		for (k = 0; k < words; k++) {
			uint64_t w = b[k];

			while (w) {
				size_t bit = (size_t)__builtin_ctzll(w);

				i = k * 64 + bit;
				w &= w - 1;
				if (strstr(m->labels.text + m->labels.at[i], needle))
					e.bits[k] |= (uint64_t)1 << bit;
			}
		}
	} else {
		labels_sweep(m, e.bits, needle, len);
	}
	free(needle);
	if (m->nmatch == KD_MATCHES_MAX) {
		m->nmatch--;
		free(m->match[m->nmatch].text);
		free(m->match[m->nmatch].bits);
	}
	memmove(&m->match[1], &m->match[0], m->nmatch * sizeof(*m->match));
	m->match[0] = e;
	m->nmatch++;
	return e.bits;
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
	const uint64_t *bits;
	size_t start, i;

	if (m->nnodes == 0)
		return KD_NONE;
	if (!(bits = matches_for(m, text)))
		return kd_model_find(m, dir, kd_node_name_matches, text);
	start = find_start(m, dir);
	/* the order of kd_model_find: after the start, wrapping, the start
	 * itself last */
	if (dir > 0)
		return (i = find_bits(m, bits, start + 1, m->nnodes, 1)) != KD_NONE ? i :
		       find_bits(m, bits, 0, start + 1, 1);
	return (i = find_bits(m, bits, 0, start, -1)) != KD_NONE ? i :
	       find_bits(m, bits, start, m->nnodes, -1);
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
