/*
 * Tests for core/diff/rows.c: the rows both faces display.  Objects shaped
 * like what an API server returns (tests/fixtures/diff), drifted the way a
 * real change would (value plus managedFields entry), and the rows checked
 * for what a reader relies on: keyed lists aligned by key, server defaults
 * left out, added and removed fields on their side with their manager,
 * Secret values masked, unchanged runs folded, the one-column order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "diff_helpers.h"

#define CONTAINERS "/spec/template/spec/containers"
#define WEB CONTAINERS "/0"

static kd_diff_rows *rows_of(const json_t *desired, const json_t *live,
			     const kd_diff_result *res, bool metadata)
{
	kd_diff_rows_opts opts = { .metadata = metadata };
	kd_diff_rows *rs = NULL;
	int rc = kd_diff_rows_new(&rs, desired, live, res, &opts);

	if (rc != 0)
		fail_msg("kd_diff_rows_new: %d %s", rc, kd_error_last());
	return rs;
}

/* The rows as text, one a line, for failure messages. */
static const char *dump(const kd_diff_rows *rs)
{
	static const char kind[] = "=~-+";
	static char text[16384];
	size_t i, len = 0;

	text[0] = '\0';
	for (i = 0; i < rs->nrows && len < sizeof(text) - 1; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "\n%c %-40s | %s",
					kind[rs->rows[i].kind],
					rs->rows[i].desired.text ? rs->rows[i].desired.text : "",
					rs->rows[i].live.text ? rs->rows[i].live.text : "");
	return text;
}

/* The row whose desired (or live) line is exactly `text`. */
static const kd_diff_row *row_with(const kd_diff_rows *rs, bool live, const char *text)
{
	size_t i;

	for (i = 0; i < rs->nrows; i++) {
		const char *t = live ? rs->rows[i].live.text : rs->rows[i].desired.text;

		if (t && strcmp(t, text) == 0)
			return &rs->rows[i];
	}
	fail_msg("no %s line '%s' in:%s", live ? "live" : "desired", text, dump(rs));
	return NULL;
}

/* The first row whose desired line starts with `prefix`. */
static const kd_diff_row *row_starting(const kd_diff_rows *rs, const char *prefix)
{
	size_t i;

	for (i = 0; i < rs->nrows; i++)
		if (rs->rows[i].desired.text &&
		    strncmp(rs->rows[i].desired.text, prefix, strlen(prefix)) == 0)
			return &rs->rows[i];
	fail_msg("no desired line starting '%s' in:%s", prefix, dump(rs));
	return NULL;
}

/* True when any line of either side contains `s`. */
static bool shows(const kd_diff_rows *rs, const char *s)
{
	size_t i;

	for (i = 0; i < rs->nrows; i++)
		if ((rs->rows[i].desired.text && strstr(rs->rows[i].desired.text, s)) ||
		    (rs->rows[i].live.text && strstr(rs->rows[i].live.text, s)))
			return true;
	return false;
}

/* The part of a line core marks as changed. */
static char *changed_part(const kd_diff_line *l)
{
	return strndup(l->text + l->change_start, l->change_end - l->change_start);
}

/* The cluster holds the containers in another order, a sidecar added by
 * hand in front, and a new image set on web: the reordered containers read
 * as unchanged, the server's defaults are left out, and each change sits
 * on its line with the field (and manager) it belongs to. */
static void test_keyed_lists_align_by_key(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *containers;
	kd_diff_result *res;
	kd_diff_rows *rs;
	const kd_diff_field *image, *sidecar;
	const kd_diff_row *r;
	char *part;

	(void)state;
	assert_int_equal(kd_json_pointer_get(&containers, l, CONTAINERS), 0);
	json_array_insert(containers, 0, json_array_get(containers, 1));
	json_array_remove(containers, 2);
	json_array_insert_new(containers, 0, parse("{\"name\":\"debug\",\"image\":\"busybox:1\"}"));
	set(l, CONTAINERS "/2/image", "\"nginx:1.26.0\"");
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T10:00:00Z\",\"fieldsV1\":{\"f:spec\":{\"f:template\":"
		    "{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"debug\\\"}\":"
		    "{\".\":{},\"f:image\":{},\"f:name\":{}}}}}}}}");
	add_manager(l, "{\"manager\":\"kubectl-set\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-26T01:12:00Z\",\"fieldsV1\":{\"f:spec\":{\"f:template\":"
		    "{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"web\\\"}\":"
		    "{\"f:image\":{}}}}}}}}");
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 2);
	image = field_at(res, WEB "/image");
	sidecar = field_at(res, WEB);   /* live-only: live indices */
	assert_non_null(image);
	assert_non_null(sidecar);
	assert_int_equal(sidecar->kind, KD_DIFF_ADDED);
	rs = rows_of(d, l, res, false);

	r = row_with(rs, false, "        image: nginx:1.25.3");
	assert_int_equal(r->kind, KD_DIFF_ROW_CHANGED);
	assert_string_equal(r->live.text, "        image: nginx:1.26.0");
	assert_ptr_equal(r->desired.field, image);
	assert_ptr_equal(r->live.field, image);
	assert_ptr_equal(r->field, image);
	assert_true(r->field_start);
	assert_string_equal(r->desired.pointer, WEB "/image");
	/* web is the live object's third container */
	assert_string_equal(r->live.pointer, CONTAINERS "/2/image");
	assert_string_equal(r->field->manager, "kubectl-set");
	part = changed_part(&r->desired);
	assert_string_equal(part, "5.3");
	free(part);
	part = changed_part(&r->live);
	assert_string_equal(part, "6.0");
	free(part);

	r = row_with(rs, true, "      - image: busybox:1");
	assert_int_equal(r->kind, KD_DIFF_ROW_ADDED);
	assert_null(r->desired.text);
	assert_int_equal(r->desired.number, 0);
	assert_ptr_equal(r->live.field, sidecar);
	assert_true(r->field_start);
	assert_string_equal(r->field->manager, "kubectl-edit");
	r++;
	assert_string_equal(r->live.text, "        name: debug");
	assert_ptr_equal(r->field, sidecar);
	assert_false(r->field_start);

	/* metrics moved in the cluster, but a keyed list has no order */
	r = row_with(rs, false, "        image: nginx/nginx-prometheus-exporter:1.1.0");
	assert_int_equal(r->kind, KD_DIFF_ROW_SAME);
	assert_null(r->field);
	/* server defaults of matched elements are not shown */
	assert_false(shows(rs, "imagePullPolicy"));
	assert_false(shows(rs, "terminationMessagePath"));
	assert_false(shows(rs, "dnsPolicy"));
	assert_false(shows(rs, "resourceVersion"));
	/* a quantity spelled differently is not drift: shown, unattributed */
	r = row_with(rs, false, "            cpu: 0.2");
	assert_int_equal(r->kind, KD_DIFF_ROW_CHANGED);
	assert_string_equal(r->live.text, "            cpu: 200m");
	assert_null(r->field);
	assert_int_equal(rs->nunplaced, 0);

	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* A label removed from Git but still in the cluster (last-applied has it)
 * is an added live line; an env entry the cluster lost is removed desired
 * lines, one field over both, attributed once. */
static void test_added_and_removed_fields(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_result *res;
	kd_diff_rows *rs;
	const kd_diff_field *tier, *workers;
	const kd_diff_row *r;
	kd_buf text = KD_BUF_INIT;

	(void)state;
	del(d, "/metadata/labels/tier");
	del(l, WEB "/env/1");
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 2);
	tier = field_at(res, "/metadata/labels/tier");
	workers = field_at(res, WEB "/env/1");
	assert_non_null(tier);
	assert_non_null(workers);
	rs = rows_of(d, l, res, false);

	r = row_with(rs, true, "    tier: frontend");
	assert_int_equal(r->kind, KD_DIFF_ROW_ADDED);
	assert_null(r->desired.text);
	assert_ptr_equal(r->field, tier);
	assert_true(r->field_start);
	assert_string_equal(r->live.pointer, "/metadata/labels/tier");

	r = row_with(rs, false, "        - name: WORKERS");
	assert_int_equal(r->kind, KD_DIFF_ROW_REMOVED);
	assert_null(r->live.text);
	assert_int_equal(r->live.number, 0);
	assert_ptr_equal(r->desired.field, workers);
	assert_true(r->field_start);
	r++;
	assert_string_equal(r->desired.text, "          value: \"4\"");
	assert_int_equal(r->kind, KD_DIFF_ROW_REMOVED);
	assert_ptr_equal(r->field, workers);
	assert_false(r->field_start);

	/* the applier sent it and nobody wrote since: the server drops it */
	assert_int_equal(kd_diff_field_describe(&text, workers), 0);
	assert_string_equal(kd_buf_cstr(&text), WEB "/env/1 removed by kubectl-client-side-apply "
			    "(Update, 2026-11-20T09:00:00Z) [never converges: the server drops this field]");
	kd_buf_free(&text);

	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Live-only list elements the diff does not count are dropped; the lines
 * after them still name live's indices, so they find their fields. */
static void test_live_indices_survive_pruning(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *env;
	kd_diff_result *res;
	kd_diff_rows *rs;
	const kd_diff_field *extra;
	const kd_diff_row *r;

	(void)state;
	assert_int_equal(kd_json_pointer_get(&env, l, WEB "/env"), 0);
	/* injected by a webhook nobody counts: a default */
	json_array_insert_new(env, 0, parse("{\"name\":\"INJECTED\",\"value\":\"x\"}"));
	json_array_append_new(env, parse("{\"name\":\"EXTRA\",\"value\":\"y\"}"));
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T10:00:00Z\",\"fieldsV1\":{\"f:spec\":{\"f:template\":"
		    "{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"web\\\"}\":{\"f:env\":"
		    "{\"k:{\\\"name\\\":\\\"EXTRA\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}}}}}}}}}}");
	res = diff(d, l, NULL);
	extra = only_field(res);
	assert_string_equal(extra->live_path, WEB "/env/3");
	rs = rows_of(d, l, res, false);

	assert_false(shows(rs, "INJECTED"));
	r = row_with(rs, true, "        - name: EXTRA");
	assert_int_equal(r->kind, KD_DIFF_ROW_ADDED);
	assert_string_equal(r->live.pointer, WEB "/env/3/name");
	assert_ptr_equal(r->field, extra);
	assert_string_equal(r->field->manager, "kubectl-edit");
	assert_int_equal(rs->nunplaced, 0);

	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* Secret values are masks on both sides, as everywhere else: equal values
 * read as equal, a changed value as changed, no value (plain or base64)
 * ever in a line, managedFields shown or not (the last-applied annotation
 * holds the values too); stringData is shown as data. */
static void test_secret_values_masked(void **state)
{
	static const char *const secrets[] = {
		"hunter2", "aHVudGVy", "rotated", "cm90YXRl", "shop_app", "c2hvcF9hcHA", NULL,
	};
	json_t *d = fixture("secret-desired.json");
	json_t *l = fixture("secret-live.json");
	kd_diff_result *res;
	kd_diff_rows *rs;
	const kd_diff_row *r;
	const char *const *s;
	size_t i;

	(void)state;
	set(l, "/data/password", "\"cm90YXRlZA==\"");
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-26T01:15:00Z\",\"fieldsV1\":{\"f:data\":{\"f:password\":{}}}}");
	res = diff(d, l, NULL);
	assert_string_equal(only_field(res)->path, "/data/password");
	rs = rows_of(d, l, res, true);

	for (s = secrets; *s; s++)
		if (shows(rs, *s))
			fail_msg("'%s' shown:%s", *s, dump(rs));
	assert_false(shows(rs, "stringData"));
	for (i = 0; i < rs->nrows; i++)
		if (rs->rows[i].kind != KD_DIFF_ROW_SAME)
			break;
	r = &rs->rows[i];
	assert_int_equal(r->kind, KD_DIFF_ROW_CHANGED);
	assert_memory_equal(r->desired.text, "  password: <masked:", 20);
	assert_memory_equal(r->live.text, "  password: <masked:", 20);
	assert_string_not_equal(r->desired.text, r->live.text);
	assert_string_equal(r->field->path, "/data/password");
	assert_string_equal(r->field->manager, "kubectl-edit");
	/* equal values, equal masks */
	r = row_starting(rs, "  username: <masked:");
	assert_int_equal(r->kind, KD_DIFF_ROW_SAME);
	assert_string_equal(r->desired.text, r->live.text);

	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* A ConfigMap with keys k01..kNN, all "v". */
static json_t *configmap(int keys)
{
	json_t *cm = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
			   "\"metadata\":{\"name\":\"cm\",\"namespace\":\"ns\"},\"data\":{}}");
	char key[8];
	int i;

	for (i = 1; i <= keys; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		json_object_set_new(json_object_get(cm, "data"), key, json_string("v"));
	}
	return cm;
}

static void change(json_t *cm, const char *key)
{
	json_object_set_new(json_object_get(cm, "data"), key, json_string("w"));
}

/* Unchanged runs fold with three rows of context beside each change (none
 * at the object's ends); a fold hides at least two rows. */
static void test_folding(void **state)
{
	json_t *d = configmap(30), *l = configmap(30);
	kd_diff_result *res;
	kd_diff_rows *rs;
	size_t i;

	(void)state;
	/* rows: apiVersion, data:, k01 (row 2) .. k30 (row 31), kind,
	 * metadata, name, namespace (row 35) */
	change(l, "k05");     /* row 6 */
	change(l, "k13");     /* row 14: 7 unchanged rows between, no fold */
	change(l, "k22");     /* row 23: 8 unchanged rows between, 2 hidden */
	res = diff(d, l, NULL);
	assert_int_equal(res->nfields, 3);
	rs = rows_of(d, l, res, false);
	assert_int_equal(rs->nrows, 36);
	assert_int_equal(rs->nchanges, 3);
	assert_int_equal(rs->rows[6].kind, KD_DIFF_ROW_CHANGED);
	assert_int_equal(rs->rows[14].kind, KD_DIFF_ROW_CHANGED);
	assert_int_equal(rs->rows[23].kind, KD_DIFF_ROW_CHANGED);
	if (rs->nfolds != 3)
		fail_msg("%zu folds:%s", rs->nfolds, dump(rs));
	assert_int_equal(rs->folds[0].first, 0);
	assert_int_equal(rs->folds[0].count, 3);
	assert_int_equal(rs->folds[1].first, 18);
	assert_int_equal(rs->folds[1].count, 2);
	assert_int_equal(rs->folds[2].first, 27);
	assert_int_equal(rs->folds[2].count, 9);
	for (i = 0; i < rs->nrows; i++) {
		size_t want = i < 3 ? 0 : i >= 18 && i < 20 ? 1 : i >= 27 ? 2 : KD_DIFF_NO_FOLD;

		if (rs->rows[i].fold != want)
			fail_msg("row %zu: fold %zu, want %zu", i, rs->rows[i].fold, want);
	}
	kd_diff_rows_free(rs);
	kd_diff_result_free(res);

	/* nothing changed: everything folds */
	json_decref(l);
	l = configmap(30);
	res = diff(d, l, NULL);
	rs = rows_of(d, l, res, false);
	assert_int_equal(rs->nchanges, 0);
	assert_int_equal(rs->nfolds, 1);
	assert_int_equal(rs->folds[0].first, 0);
	assert_int_equal(rs->folds[0].count, rs->nrows);
	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* The one-column view: a run of changed rows as its desired lines, then
 * its live lines; every other row once. */
static void test_unified_order(void **state)
{
	json_t *d = configmap(4), *l = configmap(4);
	kd_diff_result *res;
	kd_diff_rows *rs;
	size_t i;

	(void)state;
	change(l, "k02");
	change(l, "k03");
	res = diff(d, l, NULL);
	rs = rows_of(d, l, res, false);
	/* apiVersion, data:, k01, k02~, k03~, k04, kind, metadata, name, namespace */
	assert_int_equal(rs->nrows, 10);
	assert_int_equal(rs->nunified, 12);
	for (i = 0; i < 3; i++) {
		assert_int_equal(rs->unified[i].row, i);
		assert_int_equal(rs->unified[i].side, KD_DIFF_SIDE_BOTH);
	}
	assert_int_equal(rs->unified[3].row, 3);
	assert_int_equal(rs->unified[3].side, KD_DIFF_SIDE_DESIRED);
	assert_int_equal(rs->unified[4].row, 4);
	assert_int_equal(rs->unified[4].side, KD_DIFF_SIDE_DESIRED);
	assert_int_equal(rs->unified[5].row, 3);
	assert_int_equal(rs->unified[5].side, KD_DIFF_SIDE_LIVE);
	assert_int_equal(rs->unified[6].row, 4);
	assert_int_equal(rs->unified[6].side, KD_DIFF_SIDE_LIVE);
	assert_int_equal(rs->unified[7].row, 5);
	assert_int_equal(rs->unified[7].side, KD_DIFF_SIDE_BOTH);
	/* two fields, each attributed on its own row */
	assert_true(rs->rows[3].field_start);
	assert_true(rs->rows[4].field_start);
	assert_ptr_not_equal(rs->rows[3].field, rs->rows[4].field);
	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* A multi-line value: every line of the block belongs to the field. */
static void test_block_scalar_lines(void **state)
{
	json_t *d = configmap(1), *l = configmap(1);
	kd_diff_result *res;
	kd_diff_rows *rs;
	const kd_diff_row *r;

	(void)state;
	json_object_set_new(json_object_get(d, "data"), "script", json_string("one\ntwo\n"));
	json_object_set_new(json_object_get(l, "data"), "script", json_string("one\nthree\n"));
	res = diff(d, l, NULL);
	rs = rows_of(d, l, res, false);
	r = row_with(rs, false, "  script: |");
	assert_int_equal(r->kind, KD_DIFF_ROW_SAME);
	assert_string_equal(r->desired.pointer, "/data/script");
	r = row_with(rs, false, "    two");
	assert_int_equal(r->kind, KD_DIFF_ROW_CHANGED);
	assert_string_equal(r->live.text, "    three");
	assert_string_equal(r->desired.pointer, "/data/script");
	assert_string_equal(r->live.pointer, "/data/script");
	assert_string_equal(r->field->path, "/data/script");
	assert_int_equal(r->desired.number, 6);
	assert_int_equal(r->live.number, 6);
	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* A missing object is all desired lines, an extra one all live lines
 * (normalised: no server metadata); one of the two is needed. */
static void test_missing_and_extra(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_rows *rs = NULL;
	size_t i;

	(void)state;
	rs = rows_of(d, NULL, NULL, false);
	assert_int_equal(rs->nlive, 0);
	assert_int_equal(rs->nrows, rs->ndesired);
	assert_int_equal(rs->nchanges, rs->nrows);
	assert_int_equal(rs->nfolds, 0);
	for (i = 0; i < rs->nrows; i++) {
		assert_int_equal(rs->rows[i].kind, KD_DIFF_ROW_REMOVED);
		assert_int_equal(rs->rows[i].desired.number, i + 1);
		assert_int_equal(rs->unified[i].side, KD_DIFF_SIDE_DESIRED);
	}
	kd_diff_rows_free(rs);

	rs = rows_of(NULL, l, NULL, false);
	assert_int_equal(rs->ndesired, 0);
	for (i = 0; i < rs->nrows; i++)
		assert_int_equal(rs->rows[i].kind, KD_DIFF_ROW_ADDED);
	assert_true(shows(rs, "imagePullPolicy"));   /* nothing to prune against */
	assert_false(shows(rs, "resourceVersion"));
	assert_false(shows(rs, "managedFields"));
	kd_diff_rows_free(rs);

	rs = NULL;
	assert_int_equal(kd_diff_rows_new(&rs, NULL, NULL, NULL, NULL), KD_EINVAL);
	assert_null(rs);
	assert_int_equal(kd_diff_rows_new(&rs, json_object_get(d, "kind"), l, NULL, NULL),
			 KD_EINVAL);
	assert_null(rs);
	json_decref(d);
	json_decref(l);
}

/* Asked for, status and managedFields are shown (for who wrote what). */
static void test_metadata_shown_on_request(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	kd_diff_result *res = diff(d, l, NULL);
	kd_diff_rows *rs;

	(void)state;
	rs = rows_of(d, l, res, false);
	assert_false(shows(rs, "managedFields"));
	assert_false(shows(rs, "kubectl-client-side-apply"));
	kd_diff_rows_free(rs);
	rs = rows_of(d, l, res, true);
	assert_true(shows(rs, "managedFields"));
	assert_true(shows(rs, "manager: kubectl-client-side-apply"));
	kd_diff_rows_free(rs);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyed_lists_align_by_key),
		cmocka_unit_test(test_added_and_removed_fields),
		cmocka_unit_test(test_live_indices_survive_pruning),
		cmocka_unit_test(test_secret_values_masked),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_unified_order),
		cmocka_unit_test(test_block_scalar_lines),
		cmocka_unit_test(test_missing_and_extra),
		cmocka_unit_test(test_metadata_shown_on_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
