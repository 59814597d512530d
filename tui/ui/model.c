/*
 * model — the fleet tree built from the store's snapshots.
 *
 * Nodes are rebuilt from scratch whenever a snapshot changes; what must
 * survive a rebuild is kept by identity, never by row: the selection
 * (kd_ident) and the expanded inner nodes (their id strings).  That is why
 * markers can change under the cursor without the cursor moving.
 *
 * A fleet of 100,000 objects must answer a key within a frame, so what a
 * key does is proportional to what it changes: moving to a row already on
 * the list is a binary search of the rows (they are in node order), a
 * relayout finds the selection through the node last selected instead of
 * comparing identities node by node, and the row list is reused.  Only a
 * new snapshot, the pivot or a filter walks every node.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "ui.h"

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

static void nodes_clear(kd_model *m)
{
	size_t i;

	for (i = 0; i < m->nnodes; i++)
		free(m->nodes[i].id);
	m->nnodes = 0;
	m->sel_node = KD_NONE;
	m->layout_stale = true;
	m->layout_change = KD_NONE;
	free(m->match_text);
	free(m->match_bits);
	m->match_text = NULL;
	m->match_bits = NULL;
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

void kd_filter_clear(kd_filter *f)
{
	kd_selector_free(&f->labels);
	free(f->labels_text);
	free(f->app);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

void kd_model_free(kd_model *m)
{
	size_t i;

	nodes_clear(m);
	free(m->nodes);
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

static int build_by_cluster(kd_model *m)
{
	size_t ci, ai;
	int rc;

	for (ci = 0; ci < m->nstates; ci++) {
		const kd_cluster_state *st = m->states[ci];
		size_t cn = m->nnodes;
		kd_node *n = add_node(m, KD_LEVEL_CLUSTER, KD_NONE);

		if (!n)
			return kd_error_set(KD_ENOMEM, "out of memory");
		n->cluster = ci;
		n->cluster_name = kd_store_cluster_name(m->store, ci);
		if ((rc = set_id(m, n, n->cluster_name, NULL)) < 0)
			return rc;
		if (!st) {
			n->status = KD_STATUS_UNKNOWN;
			n->reason = "waiting for the first sync";
			continue;
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
		if ((rc = add_unmanaged(m, cn, ci)) < 0)
			return rc;
	}
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

bool kd_contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	int first;

	if (n == 0)
		return true;
	first = tolower((unsigned char)needle[0]);
	for (; *hay; hay++)
		if (tolower((unsigned char)*hay) == first && strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static bool filter_active(const kd_filter *f)
{
	return f->status_mask || f->labels_text || f->app || f->name;
}

/* Whether a node with no children passes the filters. */
static bool leaf_matches(const kd_model *m, const kd_node *n)
{
	const kd_filter *f = &m->filter;

	if (f->status_mask && !(f->status_mask & (1u << n->status)))
		return false;
	if (f->labels_text) {
		const kd_cluster_state *st = n->cluster == KD_NONE ? NULL : m->states[n->cluster];

		if (!st || !kd_selector_matches(&f->labels, st->labels))
			return false;
	}
	if (f->app && (!n->app_name || !kd_contains_ci(n->app_name, f->app)))
		return false;
	if (f->name) {
		const char *name = n->obj ? n->obj->name : n->hand ? n->hand->name :
				   n->level == KD_LEVEL_APP ? n->app_name : n->cluster_name;

		if (!name || !kd_contains_ci(name, f->name))
			return false;
	}
	return true;
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

int kd_model_relayout(kd_model *m)
{
	size_t i, found = KD_NONE, old = m->cursor, hint = m->sel_node;
	bool filtering = filter_active(&m->filter);

	if (m->layout_stale && m->layout_change != KD_NONE && m->rows && relayout_one(m))
		return 0;
	m->layout_change = KD_NONE;

	/* The node last selected is the selection unless a rebuild or a change
	 * of identity made it another; then identities are compared. */
	if (hint != KD_NONE && (hint >= m->nnodes || !kd_ident_matches(&m->sel, &m->nodes[hint])))
		hint = KD_NONE;
	m->layout_stale = false;
	for (i = 0; i < m->nnodes; i++) {
		m->nodes[i].shown = false;
		m->nodes[i].hidden = 0;
	}
	for (i = m->nnodes; i-- > 0;) {
		kd_node *n = &m->nodes[i];

		if (!n->has_children)
			n->shown = !filtering || leaf_matches(m, n);
		if (n->shown && n->parent != KD_NONE)
			m->nodes[n->parent].shown = true;
	}
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
	m->nrows = 0;
	for (i = 0; i < m->nnodes; i++) {
		kd_node *n = &m->nodes[i];
		const kd_node *p = n->parent == KD_NONE ? NULL : &m->nodes[n->parent];

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

int kd_model_rebuild(kd_model *m)
{
	int rc;

	nodes_clear(m);
	rc = m->pivot ? build_by_app(m) : build_by_cluster(m);
	if (rc < 0)
		return rc;
	return kd_model_relayout(m);
}

void kd_model_release(kd_model *m)
{
	size_t i;

	nodes_clear(m);
	m->nrows = 0;
	for (i = 0; i < m->nstates; i++) {
		kd_cluster_state_unref(m->states[i]);
		m->states[i] = NULL;
	}
	m->stale = true;
	m->version = 0;
}

int kd_model_refresh(kd_model *m)
{
	size_t i;

	m->version = kd_store_version(m->store);
	m->stale = false;
	/* Nodes borrow from the old snapshots: drop them before the states. */
	nodes_clear(m);
	for (i = 0; i < m->nstates; i++) {
		kd_cluster_state_unref(m->states[i]);
		m->states[i] = kd_store_get(m->store, i);
	}
	return kd_model_rebuild(m);
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

static int set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = NULL;
	if (value && *value && !(*dst = strdup(value)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

static int parse_statuses(unsigned *mask, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int rc = 0;

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	*mask = 0;
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		int s = strcmp(tok, "problems") == 0 ? -2 : kd_status_parse(tok);

		if (s == -2) {
			*mask |= ~(1u << KD_STATUS_SYNCED) & ((1u << KD_STATUS_COUNT) - 1);
		} else if (s < 0) {
			rc = kd_error_set(KD_EINVAL, "unknown status '%s' (synced, drifted, missing, "
					  "extra, break-glass, unknown, problems)", tok);
			break;
		} else {
			*mask |= 1u << s;
		}
	}
	free(copy);
	return rc;
}

int kd_model_filter(kd_model *m, const char *expr)
{
	kd_filter *f = &m->filter;
	const char *arg;
	size_t klen;
	int rc = 0;

	while (*expr == ' ')
		expr++;
	klen = strcspn(expr, " ");
	arg = expr + klen;
	while (*arg == ' ')
		arg++;
	if (klen == 0 || strncmp(expr, "clear", klen) == 0) {
		kd_filter_clear(f);
	} else if (strncmp(expr, "status", klen) == 0) {
		unsigned mask = 0;

		if (*arg && (rc = parse_statuses(&mask, arg)) < 0)
			return rc;
		f->status_mask = mask;
	} else if (strncmp(expr, "labels", klen) == 0) {
		kd_selector sel;

		if (!*arg) {
			kd_selector_free(&f->labels);
			rc = set_str(&f->labels_text, NULL);
		} else {
			if ((rc = kd_selector_parse_text(&sel, arg)) < 0)
				return rc;
			kd_selector_free(&f->labels);
			f->labels = sel;
			rc = set_str(&f->labels_text, arg);
		}
	} else if (strncmp(expr, "app", klen) == 0) {
		rc = set_str(&f->app, arg);
	} else if (strncmp(expr, "name", klen) == 0) {
		rc = set_str(&f->name, arg);
	} else {
		return kd_error_set(KD_EINVAL, "unknown filter '%.*s' (status, labels, app, name, clear)",
				    (int)klen, expr);
	}
	if (rc < 0)
		return rc;
	m->layout_change = KD_NONE;
	return kd_model_relayout(m);
}

int kd_filter_describe(kd_buf *out, const kd_filter *f)
{
	int s, rc = 0, first = 1;

	if (f->status_mask) {
		rc = kd_buf_puts(out, "status=");
		for (s = 0; rc == 0 && s < KD_STATUS_COUNT; s++)
			if (f->status_mask & (1u << s)) {
				rc = kd_buf_printf(out, "%s%s", first ? "" : ",", kd_status_name((kd_status)s));
				first = 0;
			}
	}
	if (rc == 0 && f->labels_text)
		rc = kd_buf_printf(out, "%slabels=%s", out->len ? " " : "", f->labels_text);
	if (rc == 0 && f->app)
		rc = kd_buf_printf(out, "%sapp~%s", out->len ? " " : "", f->app);
	if (rc == 0 && f->name)
		rc = kd_buf_printf(out, "%sname~%s", out->len ? " " : "", f->name);
	return rc;
}
