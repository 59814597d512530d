/*
 * Tests for the fleet tree after new snapshots (tui/ui/model.c): when some
 * clusters publish new states, the model takes over the other clusters'
 * subtrees and builds only the changed ones; on randomised fleets and
 * random sequences of publications, expansions, peeks, filters, searches,
 * pivots and selections it must equal, node for node and row for row, a
 * model built from scratch from the same snapshots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ui/ui.h"

#define SEEDS 60
#define MAX_CLUSTERS 7
#define STEPS 40

/* A small generator of our own: the same sequences on every run. */
static unsigned rnd(unsigned long long *s, unsigned n)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned)(*s % n);
}

/* A cluster with some of four apps, each with a few objects (some out of
 * sync) and sometimes objects made by hand: its shape from `shape`, its
 * statuses and labels from `s` (a cluster republished with the same shape
 * has as many nodes as before). */
static kd_cluster_state *rnd_cluster(unsigned long long shape, unsigned long long *s,
				     const char *name)
{
	static const char *const apps[] = { "web", "db", "cache", "queue" };
	static const char *const objs[] = { "a", "b", "ab", "ba", "aa" };
	kd_cluster_state *st = kd_cluster_state_new(name);
	size_t a, i, n;

	assert_non_null(st);
	json_object_set_new(st->labels, "env", json_string(rnd(s, 2) ? "prod" : "dev"));
	for (a = 0; a < 4; a++) {
		kd_app_state *app;

		if (rnd(&shape, 3) == 0)
			continue;
		assert_non_null(app = kd_cluster_state_add_app(st, apps[a]));
		n = rnd(&shape, 5);
		for (i = 0; i < n; i++) {
			kd_resource *r = kd_app_state_add_resource(app, "v1", rnd(&shape, 2) ?
								   "ConfigMap" : "Secret", "ns", objs[i]);

			assert_non_null(r);
			r->status = rnd(s, 3) == 0 ? (kd_status)rnd(s, KD_STATUS_COUNT) : KD_STATUS_SYNCED;
		}
	}
	n = rnd(&shape, 4) == 0 ? 1 + rnd(&shape, 2) : 0;
	if (n) {
		assert_non_null(st->unmanaged = calloc(n, sizeof(*st->unmanaged)));
		st->nunmanaged = n;
	}
	for (i = 0; i < n; i++) {
		kd_unmanaged *u = &st->unmanaged[i];

		assert_non_null(u->api_version = strdup("v1"));
		assert_non_null(u->kind = strdup("ConfigMap"));
		assert_non_null(u->namespace = strdup("ns"));
		assert_non_null(u->name = strdup(objs[i]));
	}
	kd_cluster_state_finish(st);
	return st;
}

static void copy_set(kd_strset *to, const kd_strset *from)
{
	size_t i;

	for (i = 0; i < from->cap; i++)
		if (from->slots[i])
			assert_int_equal(kd_strset_add(to, from->slots[i]), 0);
}

static void filter_as(kd_model *to, const kd_filter *f)
{
	kd_buf expr = KD_BUF_INIT;
	int s;

	if (f->status_mask) {
		kd_buf_puts(&expr, "status ");
		for (s = 0; s < KD_STATUS_COUNT; s++)
			if (f->status_mask & (1u << s))
				kd_buf_printf(&expr, "%s,", kd_status_name((kd_status)s));
		assert_int_equal(kd_model_filter(to, kd_buf_cstr(&expr)), 0);
	}
	if (f->labels_text) {
		kd_buf_clear(&expr);
		kd_buf_printf(&expr, "labels %s", f->labels_text);
		assert_int_equal(kd_model_filter(to, kd_buf_cstr(&expr)), 0);
	}
	if (f->name) {
		kd_buf_clear(&expr);
		kd_buf_printf(&expr, "name %s", f->name);
		assert_int_equal(kd_model_filter(to, kd_buf_cstr(&expr)), 0);
	}
	kd_buf_free(&expr);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool dup_str(char **to, const char *from)
{
	*to = from ? strdup(from) : NULL;
	return !from || *to;
}

/* A model to build from scratch later with what `m` has now: order,
 * expanded nodes, peeks, filter, selection and cursor (a selection that goes away
 * leaves the cursor on its row). */
static void fresh_like(kd_model *fresh, kd_store *store, const kd_model *m)
{
	assert_int_equal(kd_model_init(fresh, store), 0);
	fresh->pivot = m->pivot;
	copy_set(&fresh->expanded, &m->expanded);
	copy_set(&fresh->peeked, &m->peeked);
	/* filtered before it has nodes: laid out once, as `m` will be */
	filter_as(fresh, &m->filter);
	/* the selection by identity, kept even while no row lists it */
	fresh->sel.level = m->sel.level;
	assert_true(dup_str(&fresh->sel.cluster, m->sel.cluster) && dup_str(&fresh->sel.app, m->sel.app) &&
		    dup_str(&fresh->sel.api_version, m->sel.api_version) &&
		    dup_str(&fresh->sel.kind, m->sel.kind) && dup_str(&fresh->sel.ns, m->sel.ns) &&
		    dup_str(&fresh->sel.name, m->sel.name));
	fresh->cursor = m->cursor;
}

/* The model after the new snapshots equals `fresh` (from fresh_like before
 * them) built from scratch from them. */
static void assert_same_as_fresh(kd_model *m, kd_model *fresh_, unsigned long long seed,
				 size_t step)
{
	kd_model fresh = *fresh_;
	size_t i;
	int s;

	assert_int_equal(kd_model_refresh(&fresh), 0);
	if (fresh.nnodes != m->nnodes || fresh.nrows != m->nrows || fresh.cursor != m->cursor)
		fail_msg("seed %llu step %zu: %zu nodes %zu rows cursor %zu, from scratch %zu %zu %zu",
			 seed, step, m->nnodes, m->nrows, m->cursor, fresh.nnodes, fresh.nrows,
			 fresh.cursor);
	for (i = 0; i < fresh.nnodes; i++) {
		const kd_node *a = &fresh.nodes[i], *b = &m->nodes[i];

		assert_int_equal(a->level, b->level);
		assert_int_equal(a->parent, b->parent);
		assert_int_equal(a->depth, b->depth);
		assert_int_equal(a->cluster, b->cluster);
		assert_int_equal(a->app, b->app);
		assert_int_equal(a->res, b->res);
		assert_true(same_str(a->cluster_name, b->cluster_name));
		assert_true(same_str(a->app_name, b->app_name));
		assert_true(a->obj == b->obj);
		assert_true(a->hand == b->hand);
		assert_int_equal(a->status, b->status);
		for (s = 0; s < KD_STATUS_COUNT; s++)
			assert_int_equal(a->counts.n[s], b->counts.n[s]);
		assert_int_equal(a->has_children, b->has_children);
		assert_int_equal(a->expanded, b->expanded);
		assert_int_equal(a->peek, b->peek);
		assert_int_equal(a->hidden, b->hidden);
		assert_int_equal(a->shown, b->shown);
		assert_int_equal(a->visible, b->visible);
		assert_true(same_str(a->id, b->id));
	}
	for (i = 0; i < fresh.nrows; i++)
		assert_int_equal(fresh.rows[i], m->rows[i]);
	assert_int_equal(fresh.expanded.n, m->expanded.n);
	assert_int_equal(fresh.peeked.n, m->peeked.n);
	if (kd_model_selected(m))
		assert_true(kd_ident_matches(&fresh.sel, kd_model_selected(m)));
	kd_model_free(&fresh);
}

/* Something a user does between snapshots. */
static void rnd_key(kd_model *m, unsigned long long *s)
{
	static const char *const filters[] = {
		"status problems", "status drifted,missing", "name a", "name ab", "labels env=prod",
		"clear", "clear", "clear",
	};
	size_t n, k;

	switch (rnd(s, 9)) {
	case 0:
		assert_int_equal(kd_model_prepare(m), 0);
		break;
	case 1:
		assert_int_equal(kd_model_expand_all(m, rnd(s, 3) != 0), 0);
		break;
	case 2:
		assert_int_equal(kd_model_filter(m, filters[rnd(s, sizeof(filters) / sizeof(*filters))]),
				 0);
		break;
	case 3:
		for (k = 0; k < 3 && m->nrows; k++) {
			n = m->rows[rnd(s, (unsigned)m->nrows)];
			if (m->nodes[n].has_children)
				assert_int_equal(kd_model_set_expanded(m, n, !m->nodes[n].expanded), 0);
		}
		assert_int_equal(kd_model_relayout(m), 0);
		break;
	case 4:
		/* a jump to a drift: a peek */
		if ((n = kd_model_find(m, 1, kd_node_is_problem, NULL)) != KD_NONE)
			assert_int_equal(kd_model_select_path(m, n), 0);
		break;
	case 5:
		if (rnd(s, 3) == 0)
			assert_int_equal(kd_model_pivot(m), 0);
		break;
	case 6:
		(void)kd_model_find_name(m, 1, rnd(s, 2) ? "a" : "configmap ns/b");
		break;
	default:
		if (m->nrows)
			assert_int_equal(kd_model_select(m, m->rows[rnd(s, (unsigned)m->nrows)]), 0);
		break;
	}
}

/* Random publications (none, one, several clusters, a cluster's first
 * state) between random keys: after each refresh the model is the one
 * built from scratch, and searches over it find what the walk finds. */
static void test_snapshots_equal_fresh(void **state)
{
	unsigned long long seed;

	(void)state;
	for (seed = 1; seed <= SEEDS; seed++) {
		unsigned long long s = seed * 2654435761ULL + 7;
		const char *names[MAX_CLUSTERS];
		char name[MAX_CLUSTERS][24];
		unsigned long long shape[MAX_CLUSTERS];
		size_t nclusters = 2 + rnd(&s, MAX_CLUSTERS - 1), i, step;
		kd_store *store;
		kd_model m;

		for (i = 0; i < nclusters; i++) {
			shape[i] = s + i + 1;
			snprintf(name[i], sizeof(name[i]), "c%zu", i);
			names[i] = name[i];
		}
		assert_int_equal(kd_store_new(&store, names, nclusters), 0);
		/* some clusters have no state yet */
		for (i = 0; i < nclusters; i++)
			if (rnd(&s, 4))
				kd_store_publish(store, i, rnd_cluster(shape[i], &s, name[i]));
		assert_int_equal(kd_model_init(&m, store), 0);
		assert_int_equal(kd_model_refresh(&m), 0);
		for (step = 0; step < STEPS; step++) {
			kd_model fresh;
			size_t k = rnd(&s, 4);

			for (i = rnd(&s, 3); i > 0; i--)
				rnd_key(&m, &s);
			fresh_like(&fresh, store, &m);
			/* k == 0: nothing new; 3: every cluster */
			for (i = 0; i < nclusters; i++)
				if (k == 3 || (k && rnd(&s, (unsigned)nclusters) == 0)) {
					/* half the time objects come or go */
					if (rnd(&s, 2))
						shape[i] = s;
					kd_store_publish(store, i, rnd_cluster(shape[i], &s, name[i]));
				}
			assert_int_equal(kd_model_refresh(&m), 0);
			assert_same_as_fresh(&m, &fresh, seed, step);
			if (rnd(&s, 2)) {
				const char *text = rnd(&s, 2) ? "a" : "b";
				int dir = rnd(&s, 2) ? 1 : -1;

				assert_int_equal(kd_model_find_name(&m, dir, text),
						 kd_model_find(&m, dir, kd_node_name_matches, text));
			}
		}
		kd_model_free(&m);
		kd_store_free(store);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshots_equal_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
