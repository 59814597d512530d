/*
 * Tests for tui/ui/model.c: the fleet tree's short cuts (a cursor moved
 * along rows already listed, a selection that expands its ancestors, a node
 * expanded and then selected, snapshots let go and taken again, a search
 * that skips building labels) give exactly the rows, cursor and matches of
 * a tree built from scratch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ui/ui.h"

#define NCLUSTERS 3

static kd_cluster_state *fleet_state(const char *name, size_t objects)
{
	static const char *const apps[] = { "web", "db" };
	kd_cluster_state *st = kd_cluster_state_new(name);
	size_t a, i;

	assert_non_null(st);
	for (a = 0; a < 2; a++) {
		kd_app_state *app = kd_cluster_state_add_app(st, apps[a]);

		assert_non_null(app);
		for (i = 0; i < objects; i++) {
			char obj[32];
			kd_resource *r;

			snprintf(obj, sizeof(obj), "object-%02zu", i);
			r = kd_app_state_add_resource(app, "v1", "ConfigMap", apps[a], obj);
			assert_non_null(r);
			r->status = i % 3 == 1 ? KD_STATUS_DRIFTED : KD_STATUS_SYNCED;
		}
	}
	kd_cluster_state_finish(st);
	return st;
}

typedef struct fixture {
	kd_store *store;
	kd_model m;
} fixture;

static int setup(void **state)
{
	static const char *const names[NCLUSTERS] = { "east", "west", "north" };
	fixture *f = calloc(1, sizeof(*f));
	size_t i;

	assert_non_null(f);
	assert_int_equal(kd_store_new(&f->store, names, NCLUSTERS), 0);
	for (i = 0; i < NCLUSTERS; i++)
		kd_store_publish(f->store, i, fleet_state(names[i], 5 + i));
	assert_int_equal(kd_model_init(&f->m, f->store), 0);
	assert_int_equal(kd_model_refresh(&f->m), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	kd_model_free(&f->m);
	kd_store_free(f->store);
	free(f);
	return 0;
}

/* The model's rows and cursor equal those of a model built from scratch
 * with the same expanded nodes, filter, order and selection. */
static void assert_same_as_rebuild(fixture *f)
{
	kd_model fresh;
	size_t i;

	assert_int_equal(kd_model_init(&fresh, f->store), 0);
	fresh.pivot = f->m.pivot;
	for (i = 0; i < f->m.expanded.cap; i++)
		if (f->m.expanded.slots[i])
			kd_strset_add(&fresh.expanded, f->m.expanded.slots[i]);
	fresh.filter.status_mask = f->m.filter.status_mask;
	assert_int_equal(kd_ident_set(&fresh.sel, kd_model_selected(&f->m)), 0);
	assert_int_equal(kd_model_refresh(&fresh), 0);
	assert_int_equal(fresh.nrows, f->m.nrows);
	assert_int_equal(fresh.cursor, f->m.cursor);
	for (i = 0; i < fresh.nrows; i++) {
		assert_int_equal(fresh.rows[i], f->m.rows[i]);
		assert_int_equal(fresh.nodes[fresh.rows[i]].expanded, f->m.nodes[f->m.rows[i]].expanded);
	}
	kd_model_free(&fresh);
}

static size_t node_named(const kd_model *m, kd_level level, const char *cluster, const char *name)
{
	size_t i;

	for (i = 0; i < m->nnodes; i++) {
		const kd_node *n = &m->nodes[i];

		if (n->level == level && n->cluster_name && strcmp(n->cluster_name, cluster) == 0 &&
		    (!name || (n->obj && strcmp(n->obj->name, name) == 0) ||
		     (level == KD_LEVEL_APP && strcmp(n->app_name, name) == 0)))
			return i;
	}
	fail_msg("no node %s %s", cluster, name ? name : "");
	return KD_NONE;
}

/* The row after a listed node's. */
static size_t row_after(const kd_model *m, size_t node)
{
	size_t r;

	for (r = 0; r < m->nrows; r++)
		if (m->rows[r] == node)
			return r + 1 < m->nrows ? r + 1 : r;
	fail_msg("node %zu is not listed", node);
	return 0;
}

static void test_cursor_moves_match_rebuild(void **state)
{
	fixture *f = *state;
	size_t r;

	assert_int_equal(kd_model_expand_all(&f->m, true), 0);
	assert_same_as_rebuild(f);
	/* down every row, then a page up from the end */
	for (r = 0; r < f->m.nrows; r++) {
		assert_int_equal(kd_model_select(&f->m, f->m.rows[r]), 0);
		assert_int_equal(f->m.cursor, r);
	}
	assert_same_as_rebuild(f);
	assert_int_equal(kd_model_select(&f->m, f->m.rows[f->m.nrows - 7]), 0);
	assert_int_equal(f->m.cursor, f->m.nrows - 7);
	assert_same_as_rebuild(f);
}

static void test_select_hidden_expands_ancestors(void **state)
{
	fixture *f = *state;
	size_t obj = node_named(&f->m, KD_LEVEL_OBJECT, "west", "object-04"), before = f->m.nrows;

	/* everything collapsed: only the clusters are listed */
	assert_int_equal(before, NCLUSTERS);
	assert_int_equal(kd_model_select(&f->m, obj), 0);
	assert_true(f->m.nrows > before);
	assert_int_equal(f->m.rows[f->m.cursor], obj);
	assert_true(f->m.nodes[obj].visible);
	assert_same_as_rebuild(f);
}

/* What `:cluster NAME` does: expand the node, then select it. */
static void test_expand_then_select_lists_children(void **state)
{
	fixture *f = *state;
	size_t west = node_named(&f->m, KD_LEVEL_CLUSTER, "west", NULL);

	assert_int_equal(kd_model_set_expanded(&f->m, west, true), 0);
	assert_int_equal(kd_model_select(&f->m, west), 0);
	assert_int_equal(f->m.nrows, NCLUSTERS + 2);
	assert_int_equal(f->m.rows[f->m.cursor], west);
	assert_int_equal(f->m.nodes[f->m.rows[f->m.cursor + 1]].level, KD_LEVEL_APP);
	assert_same_as_rebuild(f);
	/* collapsing it and moving on */
	assert_int_equal(kd_model_set_expanded(&f->m, west, false), 0);
	assert_int_equal(kd_model_relayout(&f->m), 0);
	assert_int_equal(f->m.nrows, NCLUSTERS);
	assert_int_equal(kd_model_select(&f->m, f->m.rows[2]), 0);
	assert_same_as_rebuild(f);
}

/* Enter, l and h: one node expanded or collapsed changes only its
 * subtree's rows; wherever the selection is, the result is a rebuild's. */
static void test_expand_collapse_one_matches_rebuild(void **state)
{
	fixture *f = *state;
	size_t west = node_named(&f->m, KD_LEVEL_CLUSTER, "west", NULL);
	size_t north = node_named(&f->m, KD_LEVEL_CLUSTER, "north", NULL);
	size_t pass, db, obj;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			assert_int_equal(kd_model_filter(&f->m, "status drifted"), 0);
		/* the selection on the node, after it, before it */
		assert_int_equal(kd_model_select(&f->m, west), 0);
		assert_int_equal(kd_model_set_expanded(&f->m, west, true), 0);
		assert_int_equal(kd_model_relayout(&f->m), 0);
		assert_same_as_rebuild(f);
		db = node_named(&f->m, KD_LEVEL_APP, "west", "db");
		assert_int_equal(kd_model_set_expanded(&f->m, db, true), 0);
		assert_int_equal(kd_model_relayout(&f->m), 0);
		assert_same_as_rebuild(f);
		assert_int_equal(kd_model_select(&f->m, north), 0);
		assert_int_equal(kd_model_set_expanded(&f->m, db, false), 0);
		assert_int_equal(kd_model_relayout(&f->m), 0);
		assert_same_as_rebuild(f);
		assert_int_equal(kd_model_set_expanded(&f->m, north, true), 0);
		assert_int_equal(kd_model_relayout(&f->m), 0);
		assert_int_equal(kd_model_set_expanded(&f->m, db, true), 0);
		assert_int_equal(kd_model_relayout(&f->m), 0);
		assert_same_as_rebuild(f);
		/* collapsing the subtree the selection is in: the cursor stays
		 * on its row, as after a rebuild */
		obj = f->m.rows[row_after(&f->m, db)];
		assert_int_equal(kd_model_select(&f->m, obj), 0);
		assert_int_equal(kd_model_set_expanded(&f->m, west, false), 0);
		assert_int_equal(kd_model_relayout(&f->m), 0);
		assert_same_as_rebuild(f);
		/* two changes at once */
		assert_int_equal(kd_model_set_expanded(&f->m, west, true), 0);
		assert_int_equal(kd_model_set_expanded(&f->m, north, false), 0);
		assert_int_equal(kd_model_relayout(&f->m), 0);
		assert_same_as_rebuild(f);
		assert_int_equal(kd_model_expand_all(&f->m, false), 0);
	}
}

static void test_snapshot_update_keeps_selection(void **state)
{
	fixture *f = *state;
	size_t obj;
	const kd_node *sel;

	assert_int_equal(kd_model_expand_all(&f->m, true), 0);
	obj = node_named(&f->m, KD_LEVEL_OBJECT, "north", "object-03");
	assert_int_equal(kd_model_select(&f->m, obj), 0);
	/* a cluster before the selection gains objects: every index moves */
	kd_store_publish(f->store, 0, fleet_state("east", 9));
	assert_int_equal(kd_model_refresh(&f->m), 0);
	sel = kd_model_selected(&f->m);
	assert_non_null(sel);
	assert_string_equal(sel->cluster_name, "north");
	assert_string_equal(sel->obj->name, "object-03");
	assert_int_equal(f->m.nodes[f->m.sel_node].obj, sel->obj);
	assert_same_as_rebuild(f);
	/* the selection itself goes away: the cursor stays on its row */
	kd_store_publish(f->store, 2, fleet_state("north", 2));
	assert_int_equal(kd_model_refresh(&f->m), 0);
	assert_non_null(kd_model_selected(&f->m));
	assert_same_as_rebuild(f);
}

static void test_release_then_refresh(void **state)
{
	fixture *f = *state;
	size_t nrows, cursor;

	assert_int_equal(kd_model_expand_all(&f->m, true), 0);
	assert_int_equal(kd_model_select(&f->m, node_named(&f->m, KD_LEVEL_OBJECT, "west", "object-02")), 0);
	nrows = f->m.nrows;
	cursor = f->m.cursor;
	kd_model_release(&f->m);
	assert_true(f->m.stale);
	assert_null(kd_model_selected(&f->m));
	assert_null(f->m.states[0]);
	assert_int_equal(kd_model_refresh(&f->m), 0);
	assert_false(f->m.stale);
	assert_int_equal(f->m.nrows, nrows);
	assert_int_equal(f->m.cursor, cursor);
	assert_same_as_rebuild(f);
}

static void test_filter_and_pivot_match_rebuild(void **state)
{
	fixture *f = *state;
	size_t r;

	assert_int_equal(kd_model_expand_all(&f->m, true), 0);
	assert_int_equal(kd_model_filter(&f->m, "status drifted"), 0);
	for (r = 0; r < f->m.nrows; r += 3)
		assert_int_equal(kd_model_select(&f->m, f->m.rows[r]), 0);
	assert_same_as_rebuild(f);
	f->m.pivot = true;
	assert_int_equal(kd_model_rebuild(&f->m), 0);
	assert_int_equal(kd_model_expand_all(&f->m, true), 0);
	assert_int_equal(kd_model_select(&f->m, f->m.rows[f->m.nrows / 2]), 0);
	assert_same_as_rebuild(f);
}

/* The label is "ConfigMap web/object-03": a search text within one part
 * or across parts matches as the whole label would, in any case. */
static void test_name_search_matches_label(void **state)
{
	fixture *f = *state;
	const kd_node *obj = &f->m.nodes[node_named(&f->m, KD_LEVEL_OBJECT, "east", "object-03")];
	const kd_node *cl = &f->m.nodes[node_named(&f->m, KD_LEVEL_CLUSTER, "east", NULL)];
	static const char *const yes[] = { "object-03", "OBJECT-0", "configmap", "web", "",
					   "map web/obj", "web/object-03", "p w" };
	static const char *const no[] = { "object-04", "db", "web/object-04", "mapweb", "x" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(kd_node_name_matches(&f->m, obj, yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(kd_node_name_matches(&f->m, obj, no[i]));
	assert_true(kd_node_name_matches(&f->m, cl, "EAS"));
	assert_false(kd_node_name_matches(&f->m, cl, "west"));
}


/* n and N over the cached matches visit the nodes the walk visits, from
 * every place, in both directions, with nodes filtered away. */
static void test_search_next_matches_walk(void **state)
{
	fixture *f = *state;
	static const char *const texts[] = { "object-03", "db", "WEST", "nothing", "map db/object-0" };
	size_t t, r, pass;
	int dir;

	assert_int_equal(kd_model_expand_all(&f->m, true), 0);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			assert_int_equal(kd_model_filter(&f->m, "status drifted"), 0);
		for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++)
			for (r = 0; r < f->m.nrows; r++) {
				assert_int_equal(kd_model_select(&f->m, f->m.rows[r]), 0);
				for (dir = -1; dir <= 1; dir += 2)
					assert_int_equal(kd_model_find_name(&f->m, dir, texts[t]),
							 kd_model_find(&f->m, dir, kd_node_name_matches, texts[t]));
			}
	}
	/* a rebuild forgets the matches of the old nodes */
	kd_store_publish(f->store, 0, fleet_state("east", 1));
	assert_int_equal(kd_model_refresh(&f->m), 0);
	assert_int_equal(kd_model_find_name(&f->m, 1, "object-03"),
			 kd_model_find(&f->m, 1, kd_node_name_matches, "object-03"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cursor_moves_match_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_hidden_expands_ancestors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_then_select_lists_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_collapse_one_matches_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_update_keeps_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_then_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_and_pivot_match_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_search_matches_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_next_matches_walk, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
