/*
 * model — the fleet tree built from the store's snapshots.
 *
 * Nodes are rebuilt whenever a snapshot changes; what must survive a
 * rebuild is kept by identity, never by row: the selection (kd_ident) and
 * the expanded inner nodes (their id strings).  That is why markers can
 * change under the cursor without the cursor moving.  In the cluster order
 * a new snapshot of some clusters rebuilds only their subtrees (the
 * others' nodes move over as they are), since with a large fleet clusters
 * publish one by one, often.
 *
 * A fleet of 100,000 objects must answer a key within a frame, so what a
 * key does is proportional to what it changes: moving to a row already on
 * the list is a binary search of the rows (they are in node order), a
 * relayout finds the selection through the node last selected instead of
 * comparing identities node by node, and the row list is reused.  Only a
 * new snapshot or a filter walks every node, and a filter tests the names
 * of the leaves only when it changed (model_filter.c).  The ordering the
 * pivot would show is built when the UI is idle and kept, so that the
 * pivot swaps the two.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "model_priv.h"

int kd_model_init(kd_model *m, kd_store *store)
{
	memset(m, 0, sizeof(*m));
	m->store = store;
	m->sel_node = KD_NONE;
	m->layout_change = KD_NONE;
	m->nstates = kd_store_cluster_count(store);
	m->states = calloc(m->nstates ? m->nstates : 1, sizeof(*m->states));
	if (!m->states)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

void kd_ordering_clear(kd_ordering *o)
{
	size_t i;

	for (i = 0; i < o->nnodes; i++)
		free(o->nodes[i].id);
	o->nnodes = 0;
	o->built = false;
	kd_matches_clear(o->match, &o->nmatch);
	kd_labels_clear(&o->labels);
}

/* The nodes (and their searches' matches) trade places with the other
 * ordering's. */
static void arrays_swap(kd_model *m)
{
	kd_ordering *o = &m->other;
	kd_node *nodes = m->nodes;
	size_t nnodes = m->nnodes, cap = m->cap, nmatch = m->nmatch;
	kd_matches match[KD_MATCHES_MAX];
	kd_labels labels = m->labels;

	memcpy(match, m->match, sizeof(match));
	m->nodes = o->nodes;
	m->nnodes = o->nnodes;
	m->cap = o->cap;
	memcpy(m->match, o->match, sizeof(match));
	m->nmatch = o->nmatch;
	m->labels = o->labels;
	o->labels = labels;
	o->nodes = nodes;
	o->nnodes = nnodes;
	o->cap = cap;
	memcpy(o->match, match, sizeof(match));
	o->nmatch = nmatch;
}

/* The other ordering is shown from now on. */
static void ordering_swap(kd_model *m)
{
	arrays_swap(m);
	m->other.built = true;
	m->sel_node = KD_NONE;
	m->layout_stale = true;
	m->layout_change = KD_NONE;
	/* the filter may have changed since these nodes were shown */
	m->shown_state = KD_SHOWN_STALE;
}

void kd_model_nodes_changed(kd_model *m)
{
	m->layout_stale = true;
	m->layout_change = KD_NONE;
	m->shown_state = KD_SHOWN_STALE;
	kd_matches_clear(m->match, &m->nmatch);
	kd_labels_clear(&m->labels);
	m->prepare_failed = false;
}

void kd_model_nodes_clear(kd_model *m)
{
	size_t i;

	for (i = 0; i < m->nnodes; i++)
		free(m->nodes[i].id);
	m->nnodes = 0;
	m->sel_node = KD_NONE;
	kd_model_nodes_changed(m);
	/* the other ordering borrows from the same snapshots */
	kd_ordering_clear(&m->other);
}

void kd_ident_clear(kd_ident *id)
{
	free(id->cluster);
	free(id->app);
	free(id->api_version);
	free(id->kind);
	free(id->ns);
	free(id->name);
	memset(id, 0, sizeof(*id));
}

void kd_model_free(kd_model *m)
{
	size_t i;

	kd_model_nodes_clear(m);
	free(m->nodes);
	free(m->other.nodes);
	free(m->rows);
	m->rows = NULL;
	for (i = 0; i < m->nstates; i++)
		kd_cluster_state_unref(m->states[i]);
	free(m->states);
	kd_strset_clear(&m->expanded);
	kd_strset_clear(&m->peeked);
	kd_filter_clear(&m->filter);
	kd_ident_clear(&m->sel);
}

static kd_node *add_node(kd_model *m, kd_level level, size_t parent)
{
	kd_node *n;

	if (m->nnodes == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		kd_node *nodes = realloc(m->nodes, cap * sizeof(*nodes));

		if (!nodes)
			return NULL;
		m->nodes = nodes;
		m->cap = cap;
	}
	n = &m->nodes[m->nnodes++];
	memset(n, 0, sizeof(*n));
	n->level = level;
	n->parent = parent;
	n->depth = parent == KD_NONE ? 0 : m->nodes[parent].depth + 1;
	n->cluster = n->app = n->res = KD_NONE;
	if (parent != KD_NONE)
		m->nodes[parent].has_children = true;
	return n;
}

/* Inner-node identity: the tree order, then the names on the path. */
static int set_id(kd_model *m, kd_node *n, const char *a, const char *b)
{
	kd_buf id = KD_BUF_INIT;
	int rc = kd_buf_printf(&id, "%c\x1f%s\x1f%s", m->pivot ? 'A' : 'C', a, b ? b : "");

	if (rc < 0)
		return rc;
	n->id = kd_buf_detach(&id);
	n->expanded = kd_strset_has(&m->expanded, n->id);
	n->peek = !n->expanded && kd_strset_has(&m->peeked, n->id);
	return 0;
}

static int add_objects(kd_model *m, size_t parent, size_t ci, size_t ai)
{
	const kd_app_state *app = &m->states[ci]->apps[ai];
	size_t r;

	for (r = 0; r < app->nresources; r++) {
		const kd_resource *res = &app->resources[r];
		kd_node *n = add_node(m, KD_LEVEL_OBJECT, parent);

		if (!n)
			return kd_error_set(KD_ENOMEM, "out of memory");
		n->cluster = ci;
		n->app = ai;
		n->res = r;
		n->cluster_name = m->states[ci]->name;
		n->app_name = app->name;
		n->obj = res;
		n->status = res->status;
		n->reason = res->reason;
		n->intentional = res->intentional;
		n->counts.n[res->status] = 1;
	}
	return 0;
}

/* A cluster's objects made by hand, under a node of their own after its
 * apps (in the cluster order only: they belong to no app).  They show as
 * not in Git, so the problem filter keeps them. */
static int add_unmanaged(kd_model *m, size_t parent, size_t ci)
{
	const kd_cluster_state *st = m->states[ci];
	size_t group = m->nnodes, i;
	kd_node *n;
	int rc;

	if (st->nunmanaged == 0)
		return 0;
	if (!(n = add_node(m, KD_LEVEL_UNMANAGED, parent)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	n->cluster = ci;
	n->cluster_name = st->name;
	n->status = KD_STATUS_EXTRA;
	/* \x1e: no app is named like that, so the two ids never meet */
	if ((rc = set_id(m, n, st->name, "\x1e" "unmanaged")) < 0)
		return rc;
	for (i = 0; i < st->nunmanaged; i++) {
		if (!(n = add_node(m, KD_LEVEL_UNMANAGED_OBJECT, group)))
			return kd_error_set(KD_ENOMEM, "out of memory");
		n->cluster = ci;
		n->res = i;
		n->cluster_name = st->name;
		n->hand = &st->unmanaged[i];
		n->status = KD_STATUS_EXTRA;
	}
	return 0;
}

int kd_model_build_cluster(kd_model *m, size_t ci)
{
	const kd_cluster_state *st = m->states[ci];
	size_t cn = m->nnodes, ai;
	kd_node *n = add_node(m, KD_LEVEL_CLUSTER, KD_NONE);
	int rc;

	if (!n)
		return kd_error_set(KD_ENOMEM, "out of memory");
	n->cluster = ci;
	n->cluster_name = kd_store_cluster_name(m->store, ci);
	if ((rc = set_id(m, n, n->cluster_name, NULL)) < 0)
		return rc;
	if (!st) {
		n->status = KD_STATUS_UNKNOWN;
		n->reason = "waiting for the first sync";
		return 0;
	}
	n->status = st->status;
	n->counts = st->counts;
	n->reason = st->reason;
	for (ai = 0; ai < st->napps; ai++) {
		const kd_app_state *app = &st->apps[ai];
		size_t an = m->nnodes;

		if (!(n = add_node(m, KD_LEVEL_APP, cn)))
			return kd_error_set(KD_ENOMEM, "out of memory");
		n->cluster = ci;
		n->app = ai;
		n->cluster_name = st->name;
		n->app_name = app->name;
		n->status = app->status;
		n->counts = app->counts;
		n->reason = app->reason;
		if ((rc = set_id(m, n, st->name, app->name)) < 0 ||
		    (rc = add_objects(m, an, ci, ai)) < 0)
			return rc;
	}
	return add_unmanaged(m, cn, ci);
}

static int build_by_cluster(kd_model *m)
{
	size_t ci;
	int rc;

	for (ci = 0; ci < m->nstates; ci++)
		if ((rc = kd_model_build_cluster(m, ci)) < 0)
			return rc;
	return 0;
}

static int build_by_app(kd_model *m)
{
	const char **names = NULL;
	size_t nnames = 0, ci, ai, k;
	int rc = 0;

	/* Apps in the order the fleet lists them, as the first cluster has them. */
	for (ci = 0; ci < m->nstates; ci++)
		for (ai = 0; m->states[ci] && ai < m->states[ci]->napps; ai++) {
			const char *name = m->states[ci]->apps[ai].name;
			const char **nn;

			for (k = 0; k < nnames && strcmp(names[k], name) != 0; k++)
				;
			if (k < nnames)
				continue;
			if (!(nn = realloc(names, (nnames + 1) * sizeof(*nn)))) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			names = nn;
			names[nnames++] = name;
		}
	for (k = 0; k < nnames; k++) {
		size_t top = m->nnodes;
		kd_node *n = add_node(m, KD_LEVEL_APP, KD_NONE);
		int s;

		if (!n) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		n->app_name = names[k];
		if ((rc = set_id(m, n, names[k], NULL)) < 0)
			goto cleanup;
		for (ci = 0; ci < m->nstates; ci++) {
			const kd_cluster_state *st = m->states[ci];
			const kd_app_state *app;
			size_t cn = m->nnodes;

			if (!st || !(app = kd_cluster_state_app(st, names[k])))
				continue;
			if (!(n = add_node(m, KD_LEVEL_CLUSTER, top))) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			n->cluster = ci;
			n->app = (size_t)(app - st->apps);
			n->cluster_name = st->name;
			n->app_name = app->name;
			n->status = st->reason ? KD_STATUS_UNKNOWN : app->status;
			n->reason = st->reason ? st->reason : app->reason;
			n->counts = app->counts;
			for (s = 0; s < KD_STATUS_COUNT; s++)
				m->nodes[top].counts.n[s] += app->counts.n[s];
			if (n->status > m->nodes[top].status)
				m->nodes[top].status = n->status;
			if ((rc = set_id(m, n, names[k], st->name)) < 0 ||
			    (rc = add_objects(m, cn, ci, n->app)) < 0)
				goto cleanup;
		}
	}
cleanup:
	free(names);
	return rc;
}

bool kd_ident_matches(const kd_ident *id, const kd_node *n)
{
	if (id->level != n->level)
		return false;
	if (id->cluster && n->cluster_name && strcmp(id->cluster, n->cluster_name) != 0)
		return false;
	if (id->app && n->app_name && strcmp(id->app, n->app_name) != 0)
		return false;
	if (n->obj) {
		kd_object_id want = { id->api_version, id->kind, id->ns, id->name };
		kd_object_id have = { n->obj->api_version, n->obj->kind, n->obj->namespace,
				      n->obj->name };

		if (!id->kind || !kd_object_id_equal(&want, &have))
			return false;
	}
	if (n->hand) {
		kd_object_id want = { id->api_version, id->kind, id->ns, id->name };
		kd_object_id have = { n->hand->api_version, n->hand->kind, n->hand->namespace,
				      n->hand->name };

		if (!id->kind || !kd_object_id_equal(&want, &have))
			return false;
	}
	return true;
}

int kd_ident_set(kd_ident *id, const kd_node *n)
{
	kd_ident_clear(id);
	id->level = n->level;
	if ((n->cluster_name && !(id->cluster = strdup(n->cluster_name))) ||
	    (n->app_name && !(id->app = strdup(n->app_name))) ||
	    (n->obj && ((n->obj->api_version && !(id->api_version = strdup(n->obj->api_version))) ||
			!(id->kind = strdup(n->obj->kind)) ||
			!(id->ns = strdup(n->obj->namespace)) ||
			!(id->name = strdup(n->obj->name)))) ||
	    (n->hand && (!(id->api_version = strdup(n->hand->api_version)) ||
			 !(id->kind = strdup(n->hand->kind)) ||
			 !(id->ns = strdup(n->hand->namespace)) ||
			 !(id->name = strdup(n->hand->name)))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

size_t kd_model_find_ident(const kd_model *m, const kd_ident *id)
{
	size_t i;

	for (i = 0; i < m->nnodes; i++)
		if (kd_ident_matches(id, &m->nodes[i]))
			return i;
	return KD_NONE;
}

size_t kd_model_find_ident_near(const kd_model *m, const kd_ident *id, size_t hint)
{
	if (hint < m->nnodes && kd_ident_matches(id, &m->nodes[hint]))
		return hint;
	return kd_model_find_ident(m, id);
}

/* The row of a visible node (rows are in node order), or KD_NONE. */
static size_t row_of(const kd_model *m, size_t node)
{
	size_t lo = 0, hi = m->nrows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->rows[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nrows && m->rows[lo] == node ? lo : KD_NONE;
}

/* One listed node expanded or collapsed, the selection listed before and
 * after: only the rows of its subtree (the nodes after it deeper than it)
 * come or go.  False when that is not the case (nothing changed then). */
static bool relayout_one(kd_model *m)
{
	size_t x = m->layout_change, rx, end, i, k = 0, at;
	const kd_node *n;

	/* a peek lists only part of a subtree: the full walk counts what it hides */
	if (m->peeked.n || x == KD_NONE || x >= m->nnodes || !m->nodes[x].visible ||
	    m->sel_node == KD_NONE ||
	    m->sel_node >= m->nnodes || !kd_ident_matches(&m->sel, &m->nodes[m->sel_node]) ||
	    (rx = row_of(m, x)) == KD_NONE)
		return false;
	n = &m->nodes[x];
	for (end = x + 1; end < m->nnodes && m->nodes[end].depth > n->depth; end++)
		;
	/* the selection inside a subtree being collapsed goes away */
	if (!n->expanded && m->sel_node > x && m->sel_node < end)
		return false;
	/* rows of the subtree listed now: from rx + 1 up to the first row after it */
	for (at = rx + 1; at < m->nrows && m->rows[at] < end; at++)
		;
	memmove(&m->rows[rx + 1], &m->rows[at], (m->nrows - at) * sizeof(*m->rows));
	m->nrows -= at - (rx + 1);
	for (i = x + 1; i < end; i++) {
		kd_node *c = &m->nodes[i];
		const kd_node *p = &m->nodes[c->parent];

		c->visible = c->shown && p->visible && p->expanded;
		k += c->visible;
	}
	if (k) {
		memmove(&m->rows[rx + 1 + k], &m->rows[rx + 1], (m->nrows - rx - 1) * sizeof(*m->rows));
		for (i = x + 1, at = rx + 1; i < end; i++)
			if (m->nodes[i].visible)
				m->rows[at++] = i;
		m->nrows += k;
	}
	m->cursor = row_of(m, m->sel_node);
	m->layout_stale = false;
	m->layout_change = KD_NONE;
	return true;
}

/* Lists the visible nodes; the selection's row, or KD_NONE. */
static size_t list_rows(kd_model *m, size_t hint)
{
	size_t i, found = KD_NONE;

	m->nrows = 0;
	for (i = 0; i < m->nnodes; i++) {
		kd_node *n = &m->nodes[i];
		const kd_node *p = n->parent == KD_NONE ? NULL : &m->nodes[n->parent];

		n->hidden = 0;
		n->visible = n->shown && (!p || (p->visible && p->expanded));
		/* a peek shows the path to what is not in sync, nothing else */
		if (n->shown && p && p->visible && p->peek) {
			n->visible = n->status != KD_STATUS_SYNCED;
			m->nodes[n->parent].hidden += !n->visible;
		}
		if (!n->visible)
			continue;
		if (found == KD_NONE && (hint != KD_NONE ? i == hint : kd_ident_matches(&m->sel, n)))
			found = m->nrows;
		m->rows[m->nrows++] = i;
	}
	return found;
}

/* Whether nothing below a node is out of sync. */
static bool all_synced(const kd_node *n)
{
	int s;

	for (s = 0; s < KD_STATUS_COUNT; s++)
		if (s != KD_STATUS_SYNCED && n->counts.n[s])
			return false;
	return true;
}

/* A listed peek that shows nothing any more because what was not in sync
 * below it is now (not because a filter hides it) is an ordinary closed
 * node again, as it was before the jump, and so are the peeks below it.
 * True when one was closed (the rows need listing again). */
static bool close_empty_peeks(kd_model *m)
{
	size_t r, i;
	bool closed = false;

	for (r = 0; r < m->nrows; r++) {
		size_t x = m->rows[r];

		if (!m->nodes[x].peek || (r + 1 < m->nrows && m->nodes[m->rows[r + 1]].parent == x) ||
		    !all_synced(&m->nodes[x]))
			continue;
		for (i = x; i == x || (i < m->nnodes && m->nodes[i].depth > m->nodes[x].depth); i++)
			if (m->nodes[i].peek) {
				m->nodes[i].peek = false;
				kd_strset_remove(&m->peeked, m->nodes[i].id);
			}
		closed = true;
	}
	return closed;
}

int kd_model_relayout(kd_model *m)
{
	size_t found, old = m->cursor, hint = m->sel_node;

	if (m->layout_stale && m->layout_change != KD_NONE && m->rows && relayout_one(m))
		return 0;
	m->layout_change = KD_NONE;

	/* The node last selected is the selection unless a rebuild or a change
	 * of identity made it another; then identities are compared. */
	if (hint != KD_NONE && (hint >= m->nnodes || !kd_ident_matches(&m->sel, &m->nodes[hint])))
		hint = KD_NONE;
	m->layout_stale = false;
	kd_model_update_shown(m);
	if (m->rows_cap < m->nnodes || !m->rows) {
		size_t cap = m->nnodes ? m->nnodes : 1;
		size_t *rows = realloc(m->rows, cap * sizeof(*rows));

		if (!rows) {
			m->nrows = 0;
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		m->rows = rows;
		m->rows_cap = cap;
	}
	found = list_rows(m, hint);
	if (m->peeked.n && close_empty_peeks(m))
		found = list_rows(m, hint);
	if (found == KD_NONE) {
		/* The selected node went away (filtered, collapsed, deleted):
		 * stay on the same row and make that the selection. */
		m->cursor = m->nrows == 0 ? 0 : old < m->nrows ? old : m->nrows - 1;
		m->sel_node = m->nrows ? m->rows[m->cursor] : KD_NONE;
		if (m->nrows)
			return kd_ident_set(&m->sel, &m->nodes[m->rows[m->cursor]]);
		return 0;
	}
	m->cursor = found;
	m->sel_node = m->rows[found];
	return 0;
}

static int build(kd_model *m)
{
	return m->pivot ? build_by_app(m) : build_by_cluster(m);
}

int kd_model_rebuild(kd_model *m)
{
	int rc;

	kd_model_nodes_clear(m);
	if ((rc = build(m)) < 0) {
		/* no half tree: the next refresh takes subtrees only from a whole one */
		kd_model_nodes_clear(m);
		return rc;
	}
	return kd_model_relayout(m);
}

bool kd_model_idle_work(const kd_model *m)
{
	return !m->stale && !m->prepare_failed && m->nstates > 0 &&
	       (!m->other.built || !m->labels.built || !m->other.labels.built);
}

/* The labels built in one idle piece: a few milliseconds' work. */
#define PREPARE_LABELS 8192

/* Builds the other ordering if missing, or with labels, a piece of its
 * labels. */
static int prepare_other(kd_model *m, bool labels)
{
	int rc = 0;

	if (m->other.built && (!labels || m->other.labels.built))
		return 0;
	/* the builders fill m->nodes in the order m->pivot says */
	arrays_swap(m);
	m->pivot = !m->pivot;
	if (!m->other.built)
		rc = build(m);
	else if (labels && !m->labels.built)
		rc = kd_labels_build(m, PREPARE_LABELS);
	m->pivot = !m->pivot;
	arrays_swap(m);
	if (rc < 0) {
		kd_ordering_clear(&m->other);
		return rc;
	}
	m->other.built = true;
	return 0;
}

int kd_model_prepare(kd_model *m)
{
	int rc;

	if (!kd_model_idle_work(m))
		return 0;
	/* one piece a call, so that a key pressed meanwhile waits for one
	 * piece at most: the labels searched now (a part), the other
	 * ordering, its labels (a part) */
	rc = !m->labels.built ? kd_labels_build(m, PREPARE_LABELS) : prepare_other(m, m->other.built);
	/* the keys do the work themselves then, as they did before */
	m->prepare_failed = rc < 0;
	return rc;
}

int kd_model_pivot(kd_model *m)
{
	const kd_resource *obj = NULL;
	size_t i;
	int rc;

	if (m->stale) {
		/* nothing held: the next refresh builds this order */
		m->pivot = !m->pivot;
		return 0;
	}
	if ((rc = prepare_other(m, false)) < 0)
		return rc;
	/* a selected object is the same snapshot object in both orders: found
	 * by pointer, not by comparing the names of every node */
	if (m->sel_node < m->nnodes && kd_ident_matches(&m->sel, &m->nodes[m->sel_node]))
		obj = m->nodes[m->sel_node].obj;
	m->pivot = !m->pivot;
	ordering_swap(m);
	for (i = 0; obj && i < m->nnodes; i++)
		if (m->nodes[i].obj == obj) {
			m->sel_node = i;
			break;
		}
	return kd_model_relayout(m);
}

void kd_model_release(kd_model *m)
{
	size_t i;

	kd_model_nodes_clear(m);
	m->nrows = 0;
	for (i = 0; i < m->nstates; i++) {
		kd_cluster_state_unref(m->states[i]);
		m->states[i] = NULL;
	}
	m->stale = true;
	m->version = 0;
}

const kd_node *kd_model_selected(const kd_model *m)
{
	return m->nrows ? &m->nodes[m->rows[m->cursor]] : NULL;
}

size_t kd_model_selected_index(const kd_model *m)
{
	return m->nrows ? m->rows[m->cursor] : KD_NONE;
}

int kd_model_set_expanded(kd_model *m, size_t node, bool on)
{
	kd_node *n = &m->nodes[node];
	int rc = 0;

	if (!n->id)
		return 0;
	/* a peek closed or opened in full changes rows the peek counted:
	 * the whole walk redoes them */
	if (n->expanded != on || n->peek) {
		m->layout_change = m->layout_stale || n->peek ? KD_NONE : node;
		m->layout_stale = true;
	}
	n->expanded = on;
	/* opened or closed by hand: no longer a peek */
	n->peek = false;
	kd_strset_remove(&m->peeked, n->id);
	if (on)
		rc = kd_strset_add(&m->expanded, n->id);
	else
		kd_strset_remove(&m->expanded, n->id);
	return rc;
}

int kd_model_expand_all(kd_model *m, bool on)
{
	size_t i;
	int rc;

	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].has_children && (rc = kd_model_set_expanded(m, i, on)) < 0)
			return rc;
	return kd_model_relayout(m);
}

int kd_model_select(kd_model *m, size_t node)
{
	size_t p, row = m->nodes[node].visible ? row_of(m, node) : KD_NONE;
	bool expanded = false;
	int rc;

	for (p = m->nodes[node].parent; p != KD_NONE; p = m->nodes[p].parent)
		if (!m->nodes[p].expanded) {
			if ((rc = kd_model_set_expanded(m, p, true)) < 0)
				return rc;
			expanded = true;
		}
	if (!(node == m->sel_node && kd_ident_matches(&m->sel, &m->nodes[node])) &&
	    (rc = kd_ident_set(&m->sel, &m->nodes[node])) < 0)
		return rc;
	m->sel_node = node;
	/* On the list already: the rows stay as they are. */
	if (!expanded && !m->layout_stale && row != KD_NONE) {
		m->cursor = row;
		return 0;
	}
	return kd_model_relayout(m);
}

int kd_model_select_path(kd_model *m, size_t node)
{
	size_t p;
	int rc;

	for (p = m->nodes[node].parent; p != KD_NONE; p = m->nodes[p].parent) {
		kd_node *a = &m->nodes[p];

		if (a->expanded || a->peek || !a->id)
			continue;
		if ((rc = kd_strset_add(&m->peeked, a->id)) < 0)
			return rc;
		a->peek = true;
		m->layout_stale = true;
	}
	if ((rc = kd_ident_set(&m->sel, &m->nodes[node])) < 0)
		return rc;
	m->sel_node = node;
	return kd_model_relayout(m);
}

