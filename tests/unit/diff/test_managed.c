/*
 * Tests for core/diff/managed.c: reading fieldsV1 into the ownership trie and
 * answering "who owns this field" the way the diff asks it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"
#include "diff/diff.h"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

/* A Pod-ish object written by three managers, using every key form. */
static const char *object =
	"{\"metadata\":{\"managedFields\":["
	"{\"manager\":\"kubectl-client-side-apply\",\"operation\":\"Update\","
	" \"time\":\"2026-11-20T09:00:00Z\",\"fieldsV1\":{"
	"  \"f:metadata\":{\"f:finalizers\":{\".\":{},\"v:\\\"shop.example.com/cleanup\\\"\":{}}},"
	"  \"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},"
	"    \"f:image\":{},\"f:name\":{},"
	"    \"f:ports\":{\"k:{\\\"containerPort\\\":8080,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{}}}}},"
	"   \"f:tolerations\":{}}}},"
	"{\"manager\":\"kubectl-edit\",\"operation\":\"Update\","
	" \"time\":\"2026-11-25T10:00:00Z\",\"fieldsV1\":{"
	"  \"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"web\\\"}\":{\"f:env\":{\".\":{},"
	"    \"k:{\\\"name\\\":\\\"DEBUG\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}}}}}}}},"
	"{\"manager\":\"example-operator\",\"operation\":\"Apply\","
	" \"time\":\"2026-11-25T09:00:00Z\",\"fieldsV1\":{"
	"  \"f:spec\":{\"f:hostAliases\":{\"i:1\":{\"f:ip\":{}}}}}},"
	"{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\",\"subresource\":\"status\","
	" \"time\":\"2026-11-25T11:00:00Z\",\"fieldsV1\":{\"f:status\":{\"f:phase\":{}}}}"
	"]}}";

static void test_trie_forms(void **state)
{
	json_t *live = parse(object);
	json_t *web = parse("{\"name\":\"web\",\"image\":\"nginx\"}");
	json_t *port = parse("{\"containerPort\":8080,\"protocol\":\"TCP\",\"name\":\"http\"}");
	json_t *udp = parse("{\"containerPort\":8080,\"protocol\":\"UDP\"}");
	json_t *fin = json_string("shop.example.com/cleanup");
	json_t *alias = parse("{\"ip\":\"10.0.0.2\"}");
	kd_managed *m = NULL;
	const kd_managed_node *spec, *c, *n;

	(void)state;
	assert_int_equal(kd_managed_parse(&m, live), 0);
	assert_int_equal(kd_managed_count(m), 4);
	assert_string_equal(kd_managed_entry_at(m, 1)->manager, "kubectl-edit");
	assert_string_equal(kd_managed_entry_at(m, 3)->subresource, "status");
	assert_null(kd_managed_entry_at(m, 0)->subresource);
	assert_null(kd_managed_entry_at(m, 9));

	spec = kd_managed_field(kd_managed_root(m), "spec");
	assert_non_null(spec);
	/* k: keyed elements, matched on the live element's key fields */
	c = kd_managed_element(kd_managed_field(spec, "containers"), web, 0);
	assert_non_null(c);
	assert_int_equal(kd_managed_owners(c), 1u);          /* "." */
	assert_int_equal(kd_managed_subtree_owners(c), 3u);  /* + kubectl-edit's env */
	assert_int_equal(kd_managed_owners(kd_managed_field(c, "image")), 1u);
	n = kd_managed_field(kd_managed_field(c, "env"), "env");
	assert_null(n);
	assert_int_equal(kd_managed_owners(kd_managed_field(c, "env")), 2u);
	/* a two-field key */
	n = kd_managed_element(kd_managed_field(c, "ports"), port, 0);
	assert_int_equal(kd_managed_owners(n), 1u);
	assert_null(kd_managed_element(kd_managed_field(c, "ports"), udp, 0));
	/* v: set elements, i: positions */
	n = kd_managed_field(kd_managed_field(kd_managed_root(m), "metadata"), "finalizers");
	assert_int_equal(kd_managed_owners(kd_managed_element(n, fin, 3)), 1u);
	n = kd_managed_field(spec, "hostAliases");
	assert_null(kd_managed_element(n, alias, 0));
	assert_int_equal(kd_managed_subtree_owners(kd_managed_element(n, alias, 1)), 4u);
	/* an atomic field owned whole */
	assert_int_equal(kd_managed_owners(kd_managed_field(spec, "tolerations")), 1u);
	/* absent paths chain to NULL */
	assert_null(kd_managed_field(kd_managed_field(spec, "nope"), "deeper"));
	assert_int_equal(kd_managed_owners(NULL), 0u);

	assert_int_equal(kd_managed_entries_named(m, "kubectl-edit"), 2u);
	assert_int_equal(kd_managed_entries_named(m, "helm"), 0u);
	kd_managed_free(m);
	json_decref(live);
	json_decref(web);
	json_decref(port);
	json_decref(udp);
	json_decref(fin);
	json_decref(alias);
}

/* Entries without the trie: the same entries, no owners anywhere. */
static void test_entries_only(void **state)
{
	json_t *live = parse(object);
	kd_managed *m = NULL;

	(void)state;
	assert_int_equal(kd_managed_parse_entries(&m, live), 0);
	assert_int_equal(kd_managed_count(m), 4);
	assert_string_equal(kd_managed_entry_at(m, 1)->manager, "kubectl-edit");
	assert_string_equal(kd_managed_entry_at(m, 3)->subresource, "status");
	assert_int_equal(kd_managed_entries_named(m, "example-operator"), 4u);
	assert_null(kd_managed_root(m));
	assert_int_equal(kd_managed_check(live), 0);
	kd_managed_free(m);
	json_decref(live);
}

static void test_latest_and_later(void **state)
{
	json_t *live = parse(object);
	kd_managed *m = NULL;

	(void)state;
	assert_int_equal(kd_managed_parse(&m, live), 0);
	assert_int_equal(kd_managed_latest(m, 0x7), 1);  /* kubectl-edit, 10:00 */
	assert_int_equal(kd_managed_latest(m, 0x5), 2);
	assert_int_equal(kd_managed_latest(m, 0x1), 0);
	assert_int_equal(kd_managed_latest(m, 0), -1);
	assert_int_equal(kd_managed_written_after(m, 0), 0xeu);
	assert_int_equal(kd_managed_written_after(m, 1), 0x8u);
	assert_int_equal(kd_managed_written_after(m, -1), 0u);
	kd_managed_free(m);
	json_decref(live);
}

static void test_no_managed_fields(void **state)
{
	json_t *live = parse("{\"metadata\":{\"name\":\"x\"}}");
	kd_managed *m = NULL;

	(void)state;
	assert_int_equal(kd_managed_parse(&m, live), 0);
	assert_non_null(m);
	assert_int_equal(kd_managed_count(m), 0);
	assert_null(kd_managed_root(m));
	assert_int_equal(kd_managed_latest(m, ~(uint64_t)0), -1);
	kd_managed_free(m);
	kd_managed_free(NULL);
	json_decref(live);
}

/* A future fieldsType is skipped, not misread as FieldsV1. */
static void test_unknown_fields_type(void **state)
{
	json_t *live = parse("{\"metadata\":{\"managedFields\":["
			     "{\"manager\":\"m\",\"fieldsType\":\"FieldsV2\","
			     "\"fieldsV1\":{\"q:odd\":{}}},"
			     "{\"manager\":\"n\",\"fieldsType\":\"FieldsV1\","
			     "\"fieldsV1\":{\"f:spec\":{}}}]}}");
	kd_managed *m = NULL;

	(void)state;
	assert_int_equal(kd_managed_parse(&m, live), 0);
	assert_int_equal(kd_managed_count(m), 2);
	assert_int_equal(kd_managed_owners(kd_managed_field(kd_managed_root(m), "spec")), 2u);
	kd_managed_free(m);
	json_decref(live);
}

static void expect_bad(const char *entries, const char *what)
{
	char text[1024];
	char first[1024];
	json_t *live;
	kd_managed *m = (kd_managed *)1;
	kd_diff_result *res = NULL;

	snprintf(text, sizeof(text), "{\"metadata\":{\"managedFields\":%s}}", entries);
	live = parse(text);
	assert_int_equal(kd_managed_parse(&m, live), KD_EINVAL);
	assert_null(m);
	if (!strstr(kd_error_last(), what))
		fail_msg("message '%s' lacks '%s'", kd_error_last(), what);
	snprintf(first, sizeof(first), "%s", kd_error_last());
	/* the check without the trie fails alike */
	assert_int_equal(kd_managed_check(live), KD_EINVAL);
	assert_string_equal(kd_error_last(), first);
	/* and so does a diff that finds nothing to report (its quick walk
	 * never needs the trie) */
	assert_int_equal(kd_diff_objects(&res, live, live, NULL), KD_EINVAL);
	assert_null(res);
	if (!strstr(kd_error_last(), first))
		fail_msg("diff message '%s' lacks '%s'", kd_error_last(), first);
	json_decref(live);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_bad("[1]", "managedFields[0]");
	expect_bad("[{\"manager\":\"m\",\"fieldsV1\":{\"f:a\":[]}}]", "must be objects");
	expect_bad("[{\"manager\":\"m\",\"fieldsV1\":{\"q:a\":{}}}]", "q:a");
	expect_bad("[{\"manager\":\"m\",\"fieldsV1\":{\"k:[1]\":{}}}]", "k:[1]");
	expect_bad("[{\"manager\":\"m\",\"fieldsV1\":{\"i:x\":{}}}]", "i:x");
	expect_bad("[{\"manager\":\"m\",\"fieldsV1\":{\"f:a\":{\"v:{bad\":{}}}}]", "v:{bad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trie_forms),
		cmocka_unit_test(test_entries_only),
		cmocka_unit_test(test_latest_and_later),
		cmocka_unit_test(test_no_managed_fields),
		cmocka_unit_test(test_unknown_fields_type),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("managed", tests, NULL, NULL);
}
