/*
 * Tests for the fleet tree's whole-tree keys (tui/ui/model.c,
 * model_filter.c, model_search.c): a search typed key by key and taken
 * back, a filter narrowed or widened, and the pivot between the two kept
 * orderings give, on randomised trees, exactly what a model computed from
 * scratch gives; a peek whose drift healed is an ordinary closed node.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ui/ui.h"

#define SEEDS 40
#define MAX_CLUSTERS 6

/* A small generator of our own: the same trees on every run. */
static unsigned rnd(unsigned long long *s, unsigned n)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned)(*s % n);
}

/* Names from few letters (so that searches hit), in both cases, with the
 * blank and the slash a label joins its parts with. */
static void rnd_text(unsigned long long *s, char *out, size_t max)
{
	static const char alphabet[] = "abAB-/ 0";
	size_t n = 1 + rnd(s, (unsigned)max - 1), i;

	for (i = 0; i < n; i++)
		out[i] = alphabet[rnd(s, sizeof(alphabet) - 1)];
	out[n] = '\0';
}

static kd_cluster_state *rnd_cluster(unsigned long long *s, const char *name)
{
	static const char *const apps[] = { "web", "Db", "a/b", "we b" };
	kd_cluster_state *st = kd_cluster_state_new(name);
	size_t a, i, nobj;

	assert_non_null(st);
	json_object_set_new(st->labels, "env", json_string(rnd(s, 2) ? "prod" : "dev"));
	for (a = 0; a < 4; a++) {
		kd_app_state *app;

		if (rnd(s, 4) == 0)
			continue;
		assert_non_null(app = kd_cluster_state_add_app(st, apps[a]));
		nobj = rnd(s, 7);
		for (i = 0; i < nobj; i++) {
			char obj[16], ns[8];
			kd_resource *r;

			rnd_text(s, obj, 7);
			rnd_text(s, ns, 4);
			r = kd_app_state_add_resource(app, "v1", rnd(s, 2) ? "ConfigMap" : "Secret",
						      rnd(s, 3) ? ns : "", obj);
			assert_non_null(r);
			r->status = rnd(s, 3) == 0 ? (kd_status)rnd(s, KD_STATUS_COUNT) : KD_STATUS_SYNCED;
		}
	}
	kd_cluster_state_finish(st);
	return st;
}

typedef struct fixture {
	kd_store *store;
	kd_model m;
	size_t nclusters;
	char names[MAX_CLUSTERS][32];
	unsigned long long seed;
} fixture;

static void fixture_open(fixture *f, unsigned long long seed)
{
	const char *names[MAX_CLUSTERS];
	size_t i;

	memset(f, 0, sizeof(*f));
	f->seed = seed * 2654435761ULL + 1;
	f->nclusters = 2 + rnd(&f->seed, MAX_CLUSTERS - 1);
	for (i = 0; i < f->nclusters; i++) {
		snprintf(f->names[i], sizeof(f->names[i]), "c%zu-%s", i, rnd(&f->seed, 2) ? "Ab" : "b/a");
		names[i] = f->names[i];
	}
	assert_int_equal(kd_store_new(&f->store, names, f->nclusters), 0);
	for (i = 0; i < f->nclusters; i++)
		kd_store_publish(f->store, i, rnd_cluster(&f->seed, f->names[i]));
	assert_int_equal(kd_model_init(&f->m, f->store), 0);
	assert_int_equal(kd_model_refresh(&f->m), 0);
}

static void fixture_close(fixture *f)
{
	kd_model_free(&f->m);
	kd_store_free(f->store);
}

static void copy_set(kd_strset *to, const kd_strset *from)
{
	size_t i;

	for (i = 0; i < from->cap; i++)
		if (from->slots[i])
			assert_int_equal(kd_strset_add(to, from->slots[i]), 0);
}

/* A model built from scratch with the same order, expanded nodes, peeks,
 * filter and selection lists the same rows, shows the same nodes and has
 * the cursor on the same row. */
static void assert_same_as_fresh(fixture *f)
{
	const kd_model *m = &f->m;
	kd_model fresh;
	kd_buf expr = KD_BUF_INIT;
	size_t i;
	int s;

	assert_int_equal(kd_model_init(&fresh, f->store), 0);
	fresh.pivot = m->pivot;
	copy_set(&fresh.expanded, &m->expanded);
	copy_set(&fresh.peeked, &m->peeked);
	if (kd_model_selected(m))
		assert_int_equal(kd_ident_set(&fresh.sel, kd_model_selected(m)), 0);
	assert_int_equal(kd_model_refresh(&fresh), 0);
	if (m->filter.status_mask) {
		kd_buf_puts(&expr, "status ");
		for (s = 0; s < KD_STATUS_COUNT; s++)
			if (m->filter.status_mask & (1u << s))
				kd_buf_printf(&expr, "%s,", kd_status_name((kd_status)s));
		assert_int_equal(kd_model_filter(&fresh, kd_buf_cstr(&expr)), 0);
	}
	if (m->filter.labels_text) {
		kd_buf_clear(&expr);
		kd_buf_printf(&expr, "labels %s", m->filter.labels_text);
		assert_int_equal(kd_model_filter(&fresh, kd_buf_cstr(&expr)), 0);
	}
	if (m->filter.app) {
		kd_buf_clear(&expr);
		kd_buf_printf(&expr, "app %s", m->filter.app);
		assert_int_equal(kd_model_filter(&fresh, kd_buf_cstr(&expr)), 0);
	}
	if (m->filter.name) {
		kd_buf_clear(&expr);
		kd_buf_printf(&expr, "name %s", m->filter.name);
		assert_int_equal(kd_model_filter(&fresh, kd_buf_cstr(&expr)), 0);
	}
	kd_buf_free(&expr);
	assert_int_equal(fresh.nnodes, m->nnodes);
	for (i = 0; i < fresh.nnodes; i++) {
		assert_int_equal(fresh.nodes[i].shown, m->nodes[i].shown);
		assert_int_equal(fresh.nodes[i].level, m->nodes[i].level);
	}
	assert_int_equal(fresh.nrows, m->nrows);
	for (i = 0; i < fresh.nrows; i++) {
		const kd_node *a = &fresh.nodes[fresh.rows[i]], *b = &m->nodes[m->rows[i]];

		assert_int_equal(fresh.rows[i], m->rows[i]);
		assert_int_equal(a->expanded, b->expanded);
		assert_int_equal(a->peek, b->peek);
		assert_int_equal(a->hidden, b->hidden);
	}
	assert_int_equal(fresh.cursor, m->cursor);
	kd_model_free(&fresh);
}

static void select_some_row(fixture *f)
{
	if (f->m.nrows)
		assert_int_equal(kd_model_select(&f->m, f->m.rows[rnd(&f->seed, (unsigned)f->m.nrows)]), 0);
}

/* A term typed key by key, keys taken back, other terms: each answer of
 * kd_model_find_name (matches remembered, narrowed, swept from the
 * labels) is the walk's over kd_node_name_matches. */
static void test_search_typed_equals_walk(void **state)
{
	static const char keys[] = "abAB-/ 0";
	unsigned long long seed;

	(void)state;
	for (seed = 1; seed <= SEEDS; seed++) {
		fixture f;
		char text[16] = "";
		size_t len = 0, step;
		int dir;

		fixture_open(&f, seed);
		if (rnd(&f.seed, 2))
			assert_int_equal(kd_model_expand_all(&f.m, true), 0);
		if (rnd(&f.seed, 2))
			assert_int_equal(kd_model_filter(&f.m, "status problems"), 0);
		if (rnd(&f.seed, 2))
			assert_int_equal(kd_model_prepare(&f.m), 0);
		for (step = 0; step < 60; step++) {
			if (len > 0 && (len == sizeof(text) - 1 || rnd(&f.seed, 3) == 0))
				text[--len] = '\0';   /* a key taken back */
			else
				text[len++] = keys[rnd(&f.seed, sizeof(keys) - 1)];
			text[len] = '\0';
			if (rnd(&f.seed, 4) == 0)
				select_some_row(&f);
			for (dir = -1; dir <= 1; dir += 2) {
				size_t want = kd_model_find(&f.m, dir, kd_node_name_matches, text);
				size_t got = kd_model_find_name(&f.m, dir, text);

				if (want != got)
					fail_msg("seed %llu, '%s' dir %d: %zu, the walk %zu", seed, text, dir,
						 got, want);
			}
		}
		fixture_close(&f);
	}
}

/* Filters narrowed (only the leaves shown are tested again), widened,
 * cleared, with and without the labels built: the same nodes shown and
 * rows listed as a model filtered from scratch. */
static void test_filters_equal_fresh(void **state)
{
	static const char *const exprs[] = {
		"status drifted", "status drifted,missing", "status", "status problems",
		"status missing", "name a", "name ab", "name aB-", "name b/", "name", "app w",
		"app we", "app", "app b", "labels env=prod", "labels env in (prod,dev)", "labels",
		"clear", "name A", "name a b",
	};
	unsigned long long seed;

	(void)state;
	for (seed = 1; seed <= SEEDS; seed++) {
		fixture f;
		size_t step;

		fixture_open(&f, seed + 1000);
		if (rnd(&f.seed, 2))
			assert_int_equal(kd_model_expand_all(&f.m, true), 0);
		for (step = 0; step < 30; step++) {
			const char *e = exprs[rnd(&f.seed, sizeof(exprs) / sizeof(exprs[0]))];

			if (rnd(&f.seed, 5) == 0)
				assert_int_equal(kd_model_prepare(&f.m), 0);
			if (rnd(&f.seed, 4) == 0)
				select_some_row(&f);
			assert_int_equal(kd_model_filter(&f.m, e), 0);
			assert_same_as_fresh(&f);
		}
		fixture_close(&f);
	}
}

/* The pivot swaps in the ordering built ahead (or builds it): rows,
 * expanded nodes and selection as a model built in that order. */
static void test_pivot_equals_fresh(void **state)
{
	unsigned long long seed;

	(void)state;
	for (seed = 1; seed <= SEEDS; seed++) {
		fixture f;
		size_t step;

		fixture_open(&f, seed + 2000);
		for (step = 0; step < 20; step++) {
			size_t k;

			switch (rnd(&f.seed, 6)) {
			case 0: assert_int_equal(kd_model_prepare(&f.m), 0); break;
			case 1: assert_int_equal(kd_model_expand_all(&f.m, rnd(&f.seed, 2)), 0); break;
			case 2: assert_int_equal(kd_model_filter(&f.m, rnd(&f.seed, 2) ? "status problems" :
								   "clear"), 0); break;
			case 3:
				for (k = 0; k < 3 && f.m.nrows; k++) {
					size_t n = f.m.rows[rnd(&f.seed, (unsigned)f.m.nrows)];

					if (f.m.nodes[n].has_children)
						assert_int_equal(kd_model_set_expanded(&f.m, n,
							!f.m.nodes[n].expanded), 0);
				}
				assert_int_equal(kd_model_relayout(&f.m), 0);
				break;
			default: select_some_row(&f); break;
			}
			assert_int_equal(kd_model_pivot(&f.m), 0);
			if (kd_model_selected(&f.m))
				assert_int_equal(kd_model_select(&f.m, kd_model_selected_index(&f.m)), 0);
			assert_same_as_fresh(&f);
		}
		fixture_close(&f);
	}
}

static kd_cluster_state *one_app(const char *cluster, size_t drifted)
{
	kd_cluster_state *st = kd_cluster_state_new(cluster);
	kd_app_state *app;
	size_t i;

	assert_non_null(st);
	assert_non_null(app = kd_cluster_state_add_app(st, "web"));
	for (i = 0; i < 6; i++) {
		char name[16];
		kd_resource *r;

		snprintf(name, sizeof(name), "object-%zu", i);
		assert_non_null(r = kd_app_state_add_resource(app, "v1", "ConfigMap", "web", name));
		r->status = i < drifted ? KD_STATUS_DRIFTED : KD_STATUS_SYNCED;
	}
	kd_cluster_state_finish(st);
	return st;
}

/* ] opens only the path to a drift (a peek: "5 in sync hidden"); once the
 * drift healed the peek shows nothing and is an ordinary closed node again,
 * and while something is still out of sync (shown or filtered) it stays a
 * peek. */
static void test_healed_peek_closes(void **state)
{
	static const char *const names[] = { "east", "west" };
	kd_store *store;
	kd_model m;
	size_t obj, i;

	(void)state;
	assert_int_equal(kd_store_new(&store, names, 2), 0);
	kd_store_publish(store, 0, one_app("east", 1));
	kd_store_publish(store, 1, one_app("west", 2));
	assert_int_equal(kd_model_init(&m, store), 0);
	assert_int_equal(kd_model_refresh(&m), 0);
	obj = kd_model_find(&m, 1, kd_node_is_problem, NULL);
	assert_int_not_equal(obj, KD_NONE);
	assert_int_equal(kd_model_select_path(&m, obj), 0);
	assert_true(m.nodes[m.nodes[obj].parent].peek);
	assert_int_equal(m.nodes[m.nodes[obj].parent].hidden, 5);
	/* west is peeked too, with one of its two drifts healed */
	for (i = 0; i < m.nnodes; i++)
		if (m.nodes[i].level == KD_LEVEL_OBJECT && strcmp(m.nodes[i].cluster_name, "west") == 0 &&
		    m.nodes[i].status != KD_STATUS_SYNCED)
			break;
	assert_int_equal(kd_model_select_path(&m, i), 0);
	assert_int_equal(m.peeked.n, 4);

	kd_store_publish(store, 0, one_app("east", 0));
	kd_store_publish(store, 1, one_app("west", 1));
	assert_int_equal(kd_model_refresh(&m), 0);
	for (i = 0; i < m.nnodes; i++) {
		const kd_node *n = &m.nodes[i];
		bool west = strcmp(n->cluster_name, "west") == 0;

		if (!n->has_children)
			continue;
		/* east: closed, as before the jump; west: still the path to its drift */
		assert_int_equal(n->peek, west);
		assert_false(n->expanded);
		assert_int_equal(n->hidden, west && n->level == KD_LEVEL_APP ? 5 : 0);
	}
	assert_int_equal(m.peeked.n, 2);
	/* rows: east, west, web, the one drift */
	assert_int_equal(m.nrows, 4);
	/* a filter hiding the drift leaves the peek as it is */
	assert_int_equal(kd_model_filter(&m, "name object-5"), 0);
	assert_int_equal(m.peeked.n, 2);
	assert_int_equal(m.nrows, 3);
	assert_true(m.nodes[m.rows[2]].peek);
	assert_int_equal(m.nodes[m.rows[2]].hidden, 1);
	kd_model_free(&m);
	kd_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_typed_equals_walk),
		cmocka_unit_test(test_filters_equal_fresh),
		cmocka_unit_test(test_pivot_equals_fresh),
		cmocka_unit_test(test_healed_peek_closes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
