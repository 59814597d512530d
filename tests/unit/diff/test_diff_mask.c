/*
 * Tests for Secret handling in the diff (core/diff/diff_mask.c and the Secret
 * walk in core/diff/diff.c): stringData equals base64 data, values are never
 * shown, equal values get equal masks and different values different ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "diff_helpers.h"

/* Fails when any plaintext or base64 spelling of a secret appears in the
 * result, anywhere. */
static void expect_no_leak(const kd_diff_result *res, const char *const *secrets)
{
	size_t i;

	for (i = 0; i < res->nfields; i++) {
		const kd_diff_field *f = &res->fields[i];
		char *d = f->desired ? json_dumps(f->desired, JSON_ENCODE_ANY) : NULL;
		char *l = f->live ? json_dumps(f->live, JSON_ENCODE_ANY) : NULL;
		const char *const *s;

		for (s = secrets; *s; s++) {
			assert_null(d ? strstr(d, *s) : NULL);
			assert_null(l ? strstr(l, *s) : NULL);
			assert_null(strstr(f->path, *s));
		}
		free(d);
		free(l);
	}
}

static void test_masks(void **state)
{
	char a[KD_DIFF_MASK_SIZE], b[KD_DIFF_MASK_SIZE], c[KD_DIFF_MASK_SIZE];

	(void)state;
	kd_diff_mask(a, "hunter2", 7);
	kd_diff_mask(b, "hunter2", 7);
	kd_diff_mask(c, "hunter3", 7);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), KD_DIFF_MASK_SIZE - 1);
	assert_memory_equal(a, "<masked:", 8);
	assert_int_equal(a[KD_DIFF_MASK_SIZE - 2], '>');
	/* keyed: not the start of the value's plain SHA-256
	 * (f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7) */
	assert_null(strstr(a, "f52fbd32b2b3"));
}

static void test_mask_secret_values(void **state)
{
	json_t *b64 = json_string("aHVudGVyMg=="), *plain = json_string("hunter2");
	json_t *bad = json_string("hunter2!"), *empty = json_string("");
	json_t *null = json_null(), *m1, *m2, *m3;

	(void)state;
	assert_int_equal(kd_diff_mask_secret_value(&m1, b64, true), 0);
	assert_int_equal(kd_diff_mask_secret_value(&m2, plain, false), 0);
	assert_int_equal(kd_diff_mask_secret_value(&m3, bad, true), 0);
	assert_string_equal(json_string_value(m1), json_string_value(m2));
	assert_string_not_equal(json_string_value(m1), json_string_value(m3));
	json_decref(m1);
	json_decref(m2);
	json_decref(m3);
	/* undecodable data must not mask like the same text decoded */
	assert_int_equal(kd_diff_mask_secret_value(&m1, plain, true), 0);
	assert_int_equal(kd_diff_mask_secret_value(&m2, plain, false), 0);
	assert_string_not_equal(json_string_value(m1), json_string_value(m2));
	json_decref(m1);
	json_decref(m2);
	assert_int_equal(kd_diff_mask_secret_value(&m1, empty, true), 0);
	assert_null(m1);
	assert_int_equal(kd_diff_mask_secret_value(&m1, null, false), 0);
	assert_null(m1);
	json_decref(b64);
	json_decref(plain);
	json_decref(bad);
	json_decref(empty);
	json_decref(null);
}

static void test_changed_secret_is_masked(void **state)
{
	static const char *const secrets[] = { "hunter2", "aHVudGVyMg==",
					       "hunter3", "aHVudGVyMw==", NULL };
	json_t *d = fixture("secret-desired.json");
	json_t *l = fixture("secret-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;
	char want[KD_DIFF_MASK_SIZE];

	(void)state;
	set(l, "/data/password", "\"aHVudGVyMw==\"");
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T14:00:00Z\",\"fieldsV1\":{\"f:data\":"
		    "{\"f:password\":{}}}}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/data/password");
	assert_int_equal(f->kind, KD_DIFF_CHANGED);
	assert_string_equal(f->manager, "kubectl-edit");
	kd_diff_mask(want, "hunter2", 7);
	assert_string_equal(json_string_value(f->desired), want);
	kd_diff_mask(want, "hunter3", 7);
	assert_string_equal(json_string_value(f->live), want);
	expect_no_leak(res, secrets);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

static void test_secret_equivalences(void **state)
{
	static const char *const secrets[] = { "shop_app", "c2hvcF9hcHA=", NULL };
	json_t *d = fixture("secret-desired.json");
	json_t *l = fixture("secret-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	/* stringData in desired, base64 data in live: synced (fixture) */
	expect_synced(d, l, NULL);
	/* the same value through data instead of stringData */
	set(d, "/data/password", "\"aHVudGVyMg==\"");
	del(d, "/stringData/password");
	expect_synced(d, l, NULL);
	/* "" and null */
	set(d, "/stringData/empty", "null");
	expect_synced(d, l, NULL);
	/* removed from Git, still live: reported under /data, masked */
	del(d, "/data/username");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/data/username");
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_non_null(f->live);
	expect_no_leak(res, secrets);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

static void test_secret_ignore_and_removal(void **state)
{
	json_t *d = fixture("secret-desired.json");
	json_t *l = fixture("secret-live.json");
	json_t *ptrs = parse("[\"/data/password\"]");
	kd_ignore_rule rule = { 0 };
	kd_diff_opts opts = { 0 };
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	del(l, "/data/password");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_int_equal(f->kind, KD_DIFF_REMOVED);
	assert_string_equal(f->path, "/data/password");
	assert_null(f->live);
	assert_null(strstr(json_string_value(f->desired), "hunter2"));
	kd_diff_result_free(res);
	rule.kind = "Secret";
	rule.json_pointers = ptrs;
	opts.ignores = &rule;
	opts.nignores = 1;
	expect_synced(d, l, &opts);
	json_decref(ptrs);
	json_decref(d);
	json_decref(l);
}

/* The last-applied annotation of a Secret holds its values in plain text.
 * Even when a hand edit owns the whole annotations map, only the hand-added
 * annotation is reported, never the map with last-applied inside. */
static void test_last_applied_never_leaks(void **state)
{
	static const char *const secrets[] = { "hunter2", "aHVudGVyMg==",
					       "shop_app", NULL };
	json_t *d = fixture("secret-desired.json");
	json_t *l = fixture("secret-live.json");
	kd_diff_result *res;
	const kd_diff_field *f;

	(void)state;
	set(l, "/metadata/annotations/reloader.example.com~1match", "\"true\"");
	del(l, "/metadata/managedFields/0/fieldsV1/f:metadata");
	add_manager(l, "{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
		    "\"time\":\"2026-11-25T16:00:00Z\",\"fieldsV1\":{\"f:metadata\":"
		    "{\"f:annotations\":{\".\":{},\"f:kubectl.kubernetes.io/last-applied-configuration\":{},"
		    "\"f:reloader.example.com/match\":{}}}}}");
	res = diff(d, l, NULL);
	f = only_field(res);
	assert_string_equal(f->path, "/metadata/annotations/reloader.example.com~1match");
	assert_string_equal(f->manager, "kubectl-edit");
	expect_no_leak(res, secrets);
	kd_diff_result_free(res);
	json_decref(d);
	json_decref(l);
}

/* The documents for the side-by-side view. */
static void test_normalize(void **state)
{
	json_t *d = fixture("secret-desired.json");
	json_t *l = fixture("secret-live.json");
	json_t *nd = NULL, *nl = NULL;
	char *text;

	(void)state;
	assert_int_equal(kd_diff_normalize(&nd, &nl, d, l, NULL), 0);
	assert_null(json_object_get(nd, "stringData"));
	assert_true(kd_json_equal(json_object_get(nd, "data"),
				  json_object_get(nl, "data")));
	assert_int_equal(json_object_size(json_object_get(nl, "data")), 2); /* "empty" has no value */
	assert_null(json_object_get(json_object_get(nl, "metadata"), "managedFields"));
	assert_null(json_object_get(json_object_get(nl, "metadata"), "annotations"));
	text = json_dumps(nl, 0);
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "aHVudGVyMg"));
	assert_null(strstr(text, "c2hvcF9hcHA"));
	free(text);
	text = json_dumps(nd, 0);
	assert_null(strstr(text, "hunter2"));
	free(text);
	/* the inputs are untouched */
	assert_non_null(json_object_get(d, "stringData"));
	json_decref(nd);
	json_decref(nl);
	json_decref(d);
	json_decref(l);
}

static void test_normalize_other_kinds(void **state)
{
	json_t *d = fixture("deployment-desired.json");
	json_t *l = fixture("deployment-live.json");
	json_t *wd = fixture("webhook-desired.json");
	json_t *wl = fixture("webhook-live.json");
	json_t *ptrs = parse("[\"/spec/template/spec/containers/0/image\"]");
	kd_ignore_rule rule = { 0 };
	kd_diff_opts opts = { 0 };
	json_t *nl = NULL, *v;

	(void)state;
	rule.kind = "Deployment";
	rule.json_pointers = ptrs;
	opts.ignores = &rule;
	opts.nignores = 1;
	opts.hpa_managed = true;
	assert_int_equal(kd_diff_normalize(NULL, &nl, d, l, &opts), 0);
	assert_null(json_object_get(nl, "status"));
	assert_int_equal(kd_json_pointer_get(&v, nl, "/spec/replicas"), KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_get(&v, nl, "/spec/template/spec/containers/0/image"), KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_get(&v, nl, "/metadata/annotations"), KD_ENOTFOUND);
	/* defaults stay: the view shows what the cluster holds */
	assert_int_equal(kd_json_pointer_get(&v, nl, "/spec/progressDeadlineSeconds"), 0);
	/* quantities stay as written */
	assert_int_equal(kd_json_pointer_get(&v, nl, "/spec/template/spec/containers/0/resources/requests/cpu"), 0);
	assert_string_equal(json_string_value(v), "200m");
	json_decref(nl);
	assert_int_equal(kd_diff_normalize(NULL, &nl, wd, wl, NULL), 0);
	assert_int_equal(kd_json_pointer_get(&v, nl, "/webhooks/0/clientConfig/caBundle"), KD_ENOTFOUND);
	assert_int_equal(kd_json_pointer_get(&v, nl, "/metadata/annotations/cert-manager.io~1inject-ca-from"), 0);
	assert_int_equal(kd_json_pointer_get(&v, nl, "/metadata/namespace"), KD_ENOTFOUND);
	json_decref(nl);
	assert_int_equal(kd_diff_normalize(&nl, NULL, ptrs, wl, NULL), KD_EINVAL);
	assert_null(nl);
	json_decref(ptrs);
	json_decref(d);
	json_decref(l);
	json_decref(wd);
	json_decref(wl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_mask_secret_values),
		cmocka_unit_test(test_changed_secret_is_masked),
		cmocka_unit_test(test_secret_equivalences),
		cmocka_unit_test(test_secret_ignore_and_removal),
		cmocka_unit_test(test_last_applied_never_leaks),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_other_kinds),
	};

	return cmocka_run_group_tests_name("diff_mask", tests, NULL, NULL);
}
