/*
 * Tests for core/data/mergekeys.c: which lists match elements by key, and when a
 * list that looks keyed has to be compared whole after all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data/data.h"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

static void expect_keys(const char *name, const char *list, const char *k0,
			const char *k1)
{
	json_t *l = list ? parse(list) : NULL;
	kd_mergekeys mk;

	kd_mergekeys_for(&mk, name, l, NULL);
	if (!k0) {
		assert_int_equal(mk.nkeys, 0);
	} else {
		assert_int_equal(mk.nkeys, k1 ? 2 : 1);
		assert_string_equal(mk.keys[0], k0);
		if (k1)
			assert_string_equal(mk.keys[1], k1);
	}
	json_decref(l);
}

static void test_table(void **state)
{
	(void)state;
	expect_keys("containers", "[{\"name\":\"a\"},{\"name\":\"b\"}]", "name", NULL);
	expect_keys("volumeMounts", "[{\"name\":\"c\",\"mountPath\":\"/a\"},"
		    "{\"name\":\"c\",\"mountPath\":\"/b\"}]", "mountPath", NULL);
	expect_keys("ports", "[{\"containerPort\":80}]", "containerPort", "protocol");
	expect_keys("ports", "[{\"port\":80,\"targetPort\":8080}]", "port", "protocol");
	expect_keys("hostAliases", "[{\"ip\":\"10.0.0.1\",\"hostnames\":[\"a\"]}]", "ip", NULL);
	expect_keys("topologySpreadConstraints",
		    "[{\"topologyKey\":\"zone\",\"whenUnsatisfiable\":\"DoNotSchedule\"}]",
		    "topologyKey", "whenUnsatisfiable");
	/* atomic by nature */
	expect_keys("args", "[\"a\"]", NULL, NULL);
	expect_keys("tolerations", "[{\"key\":\"a\",\"operator\":\"Exists\"}]", NULL, NULL);
	expect_keys(NULL, "[{\"name\":\"a\"}]", NULL, NULL);
	/* a known name whose elements lack the key (a CRD reusing it) */
	expect_keys("ports", "[\"http\"]", NULL, NULL);
	expect_keys("env", "[{\"value\":\"x\"}]", NULL, NULL);
	/* duplicated keys: ambiguous, compared whole */
	expect_keys("env", "[{\"name\":\"A\"},{\"name\":\"A\"}]", NULL, NULL);
	expect_keys("ports", "[{\"port\":53},{\"port\":53}]", NULL, NULL);
	expect_keys("ports", "[{\"port\":53,\"protocol\":\"UDP\"},{\"port\":53}]",
		    "port", "protocol");
	expect_keys("ports", "[{\"port\":53,\"protocol\":\"TCP\"},{\"port\":53}]",
		    NULL, NULL);
	/* either side can make it atomic */
	{
		json_t *a = parse("[{\"name\":\"a\"}]"), *b = parse("[{\"value\":1}]");
		kd_mergekeys mk;

		kd_mergekeys_for(&mk, "env", a, b);
		assert_int_equal(mk.nkeys, 0);
		json_decref(a);
		json_decref(b);
	}
}

static void test_match_and_find(void **state)
{
	json_t *list = parse("[{\"port\":53,\"protocol\":\"UDP\"},{\"port\":53},"
			     "{\"port\":443,\"protocol\":\"TCP\"}]");
	json_t *tcp53 = parse("{\"port\":53,\"protocol\":\"TCP\",\"name\":\"dns-tcp\"}");
	json_t *udp53 = parse("{\"port\":53,\"protocol\":\"UDP\"}");
	json_t *p443 = parse("{\"port\":443}");
	json_t *p80 = parse("{\"port\":80}");
	kd_mergekeys mk;

	(void)state;
	kd_mergekeys_for(&mk, "ports", list, NULL);
	assert_int_equal(mk.nkeys, 2);
	assert_int_equal(kd_mergekeys_find(&mk, list, udp53), 0);
	assert_int_equal(kd_mergekeys_find(&mk, list, tcp53), 1);  /* default TCP */
	assert_int_equal(kd_mergekeys_find(&mk, list, p443), 2);
	assert_int_equal(kd_mergekeys_find(&mk, list, p80), -1);
	assert_false(kd_mergekeys_match(&mk, udp53, tcp53));
	assert_true(kd_mergekeys_match(&mk, p443, json_array_get(list, 2)));
	/* Both sides without the defaulted key are the same port. */
	assert_true(kd_mergekeys_match(&mk, p80, p80));
	/* both without protocol: both TCP */
	assert_int_equal(kd_mergekeys_find(&mk, list, json_array_get(list, 1)), 1);
	json_decref(list);
	json_decref(tcp53);
	json_decref(udp53);
	json_decref(p443);
	json_decref(p80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_match_and_find),
	};

	return cmocka_run_group_tests_name("mergekeys", tests, NULL, NULL);
}
