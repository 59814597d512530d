/*
 * model_snapshot — the fleet tree after new snapshots (kd_model_refresh).
 *
 * With a large fleet every cluster publishes on its own, often, and a key
 * pressed meanwhile waits for the tree to follow, so a refresh does only
 * what the changed snapshots ask: nothing when no cluster's state changed;
 * in the cluster order, the subtrees of the clusters that did (a cluster's
 * nodes are contiguous and refer to nothing outside them), patched in
 * place when they keep their number of nodes.  The app order, a released
 * model and a failure build everything (model.c).  What spans the whole
 * tree (the other ordering, labels, search matches, filter results, rows)
 * is dropped and redone lazily, as after a full rebuild.  Never lays the
 * tree out itself beyond kd_model_relayout.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "model_priv.h"

/* Frees the ids of nodes [from, to) (those not moved elsewhere). */
static void ids_free(kd_node *nodes, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		free(nodes[i].id);
}

/* What a splice leaves to redo: everything spanning the whole tree. */
static void spliced(kd_model *m, size_t sel)
{
	/* A selection naming its cluster is one node of the cluster order; one
	 * that does not (a fleet-wide app selected before the pivot) matches
	 * several, and a rebuild lands on the first listed: so does this. */
	m->sel_node = m->sel.cluster ? sel : KD_NONE;
	kd_model_nodes_changed(m);
}

/* The nodes kd_model_build_cluster makes for a cluster state. */
static size_t subtree_size(const kd_cluster_state *st)
{
	size_t n = 1, ai;

	if (!st)
		return 1;
	for (ai = 0; ai < st->napps; ai++)
		n += 1 + st->apps[ai].nresources;
	return n + (st->nunmanaged ? 1 + st->nunmanaged : 0);
}

/* The common case of splice_clusters: every changed cluster has as many
 * nodes as before (statuses changed, not objects), so each new subtree is
 * built after the last node and copied over the old one, and the others
 * stay where they are.  1 when that is not the case (nothing done). */
static int splice_in_place(kd_model *m, const bool *fresh, kd_cluster_state *const *prev)
{
	size_t oldn = m->nnodes, start, ci, n, i, sel = m->sel_node;
	int rc;

	for (ci = 0, start = 0; ci < m->nstates; ci++) {
		n = subtree_size(prev[ci]);
		if (fresh[ci] && subtree_size(m->states[ci]) != n)
			return 1;
		start += n;
	}
	if (start != oldn)
		return 1;
	/* it borrows from the old snapshots too: built again when idle */
	kd_ordering_clear(&m->other);
	for (ci = 0, start = 0; ci < m->nstates; ci++, start += n) {
		n = subtree_size(prev[ci]);
		if (!fresh[ci])
			continue;
		for (i = start; i < start + n; i++) {
			free(m->nodes[i].id);
			m->nodes[i].id = NULL;
		}
		if ((rc = kd_model_build_cluster(m, ci)) < 0) {
			ids_free(m->nodes, oldn, m->nnodes);
			m->nnodes = oldn;
			return rc;
		}
		memcpy(&m->nodes[start], &m->nodes[oldn], n * sizeof(*m->nodes));
		for (i = start + 1; i < start + n; i++)
			m->nodes[i].parent = m->nodes[i].parent - oldn + start;
		if (sel >= start && sel < start + n)
			sel = KD_NONE;
		m->nnodes = oldn;
	}
	spliced(m, sel);
	return 0;
}

/* The cluster order after some clusters' snapshots changed (fresh[ci]
 * says which; m->states holds the new ones): the subtrees of the others
 * move over as they are, ids, expansion and all (their nodes borrow from
 * snapshots still held), only the changed ones are built again.  What
 * spans the whole tree (the other ordering, labels, a search's matches,
 * which nodes the filter shows, rows) is dropped and redone later, as
 * after a rebuild.  On failure nothing is left: the caller rebuilds. */
static int splice_clusters(kd_model *m, const bool *fresh, kd_cluster_state *const *prev)
{
	kd_ordering *o = &m->other;
	kd_node *old = m->nodes;
	size_t oldn = m->nnodes, oldcap = m->cap, start = 0, end, ci, sel = KD_NONE;
	int rc = splice_in_place(m, fresh, prev);

	if (rc <= 0)
		return rc;
	rc = 0;
	/* The new order goes into the other ordering's array (dropped: it is
	 * built again when idle) and this one becomes its: memory already
	 * touched, not fresh pages to fault in on every snapshot. */
	kd_ordering_clear(o);
	if (o->cap < oldn) {
		kd_node *nodes = realloc(o->nodes, oldn * sizeof(*nodes));

		if (!nodes)
			return kd_error_set(KD_ENOMEM, "out of memory");
		o->nodes = nodes;
		o->cap = oldn;
	}
	m->nodes = o->nodes;
	m->cap = o->cap;
	m->nnodes = 0;
	o->nodes = old;
	o->cap = oldcap;
	for (ci = 0; ci < m->nstates; ci++, start = end) {
		size_t at = m->nnodes, i;

		for (end = start + 1; end < oldn && old[end].parent != KD_NONE; end++)
			;
		if (fresh[ci]) {
			if ((rc = kd_model_build_cluster(m, ci)) < 0)
				break;
			continue;
		}
		if (m->cap < at + (end - start)) {
			size_t cap = m->cap * 2 > at + (end - start) ? m->cap * 2 : at + (end - start);
			kd_node *nodes = realloc(m->nodes, cap * sizeof(*nodes));

			if (!nodes) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				break;
			}
			m->nodes = nodes;
			m->cap = cap;
		}
		memcpy(&m->nodes[at], &old[start], (end - start) * sizeof(*old));
		for (i = start; i < end; i++)
			old[i].id = NULL;        /* moved */
		for (i = at + 1; i < at + (end - start); i++)
			m->nodes[i].parent = m->nodes[i].parent - start + at;
		if (m->sel_node >= start && m->sel_node < end)
			sel = m->sel_node - start + at;
		m->nnodes += end - start;
	}
	ids_free(old, 0, oldn);
	if (rc < 0) {
		ids_free(m->nodes, 0, m->nnodes);
		m->nnodes = 0;
		m->sel_node = KD_NONE;
		return rc;
	}
	spliced(m, sel);
	return 0;
}

int kd_model_refresh(kd_model *m)
{
	kd_cluster_state **prev = NULL;
	bool *fresh = NULL, any = false, whole;
	size_t i;
	int rc;

	m->version = kd_store_version(m->store);
	/* Only the cluster order's subtrees can be taken over one by one; a
	 * model released or never built has none to take. */
	whole = m->stale || m->pivot || m->nnodes == 0;
	m->stale = false;
	if (!whole && (!(prev = malloc(m->nstates * sizeof(*prev))) ||
		       !(fresh = malloc(m->nstates * sizeof(*fresh))))) {
		free(prev);
		prev = NULL;
		whole = true;
	}
	if (whole)
		/* Nodes borrow from the old snapshots: drop them before the states. */
		kd_model_nodes_clear(m);
	for (i = 0; i < m->nstates; i++) {
		kd_cluster_state *st = kd_store_get(m->store, i);

		if (whole) {
			kd_cluster_state_unref(m->states[i]);
		} else {
			prev[i] = m->states[i];
			fresh[i] = st != prev[i];
			any |= fresh[i];
		}
		m->states[i] = st;
	}
	if (whole) {
		rc = kd_model_rebuild(m);
		goto cleanup;
	}
	/* The same snapshots: nothing to build. */
	if (!any) {
		rc = 0;
		goto cleanup;
	}
	if ((rc = splice_clusters(m, fresh, prev)) < 0) {
		/* the old subtrees are gone with the failure: all from scratch */
		kd_model_nodes_clear(m);
		rc = kd_model_rebuild(m);
	} else {
		rc = kd_model_relayout(m);
	}
cleanup:
	/* the old snapshots outlive the nodes that borrowed from them */
	for (i = 0; prev && i < m->nstates; i++)
		kd_cluster_state_unref(prev[i]);
	free(prev);
	free(fresh);
	return rc;
}
