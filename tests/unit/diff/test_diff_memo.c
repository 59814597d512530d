/*
 * Tests for kd_diff_memo (core/diff/diff_memo.c): a diff that remembers
 * the fields it found equal gives exactly the result of one that does not,
 * whatever the objects share; the verdict on a shared pair of values is
 * not carried over to an object whose kind, HPA or last-applied changes
 * it; and a memo that fills up starts over without changing any answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "diff_helpers.h"

/* The fields of two results, equal one by one. */
static void same_result(const kd_diff_result *a, const kd_diff_result *b, const char *what)
{
	size_t i;

	if (a->status != b->status || a->nfields != b->nfields)
		fail_msg("%s: status %d/%d, %zu/%zu fields", what, a->status, b->status,
			 a->nfields, b->nfields);
	for (i = 0; i < a->nfields; i++) {
		const kd_diff_field *f = &a->fields[i], *g = &b->fields[i];

		if (strcmp(f->path, g->path) != 0 || f->kind != g->kind ||
		    !(f->live_path ? g->live_path && !strcmp(f->live_path, g->live_path) : !g->live_path) ||
		    strcmp(f->manager, g->manager) != 0 ||
		    f->never_converges != g->never_converges ||
		    f->removed_from_git != g->removed_from_git ||
		    !(f->desired ? g->desired && json_equal(f->desired, g->desired) : !g->desired) ||
		    !(f->live ? g->live && json_equal(f->live, g->live) : !g->live))
			fail_msg("%s: field %zu differs: %s / %s", what, i, f->path, g->path);
	}
}

/* kd_diff_objects with and without the memo; returns the memo's status. */
static kd_diff_status both(kd_diff_memo *memo, const json_t *desired, const json_t *live,
			   bool hpa, const char *what)
{
	kd_diff_opts opts = { .hpa_managed = hpa, .appliers = kd_diff_default_appliers };
	kd_diff_result *plain, *memoed;
	kd_diff_status st;

	plain = diff(desired, live, &opts);
	opts.memo = memo;
	memoed = diff(desired, live, &opts);
	same_result(plain, memoed, what);
	st = memoed->status;
	kd_diff_result_free(plain);
	kd_diff_result_free(memoed);
	return st;
}

static json_t *object(const char *kind, const char *name, json_t *spec_or_null)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "apps/v1", "kind", kind,
			      "metadata", "name", name, "namespace", "shop");

	assert_non_null(o);
	if (spec_or_null)
		assert_int_equal(json_object_set(o, "spec", spec_or_null), 0);
	return o;
}

/* The managedFields of a live object written by `manager` at `op`. */
static void managed_by(json_t *live, const char *manager, const char *op)
{
	json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{}}}", "manager", manager,
				  "operation", op, "apiVersion", "apps/v1", "time",
				  "2026-12-01T10:00:00Z", "fieldsType", "FieldsV1", "fieldsV1",
				  "f:spec", "f:replicas");

	assert_non_null(entry);
	assert_int_equal(json_object_set_new(kd_json_obj(live, "metadata"), "managedFields",
					     json_pack("[o]", entry)), 0);
}

/* One pair of spec values shared by an HPA-scaled Deployment (replicas do
 * not count: synced) and one that is not (drifted): the verdict of the
 * first is not the second's. */
static void test_hpa_is_part_of_the_verdict(void **state)
{
	json_t *dspec = parse("{\"replicas\":2,\"template\":{\"x\":1}}");
	json_t *lspec = parse("{\"replicas\":5,\"template\":{\"x\":1}}");
	json_t *desired = object("Deployment", "web", dspec);
	json_t *live = object("Deployment", "web", lspec);
	kd_diff_memo *memo;

	(void)state;
	assert_int_equal(kd_diff_memo_new(&memo), 0);
	assert_int_equal(both(memo, desired, live, true, "hpa"), KD_DIFF_SYNCED);
	assert_int_equal(both(memo, desired, live, false, "no hpa"), KD_DIFF_DRIFTED);
	assert_int_equal(both(memo, desired, live, true, "hpa again"), KD_DIFF_SYNCED);
	kd_diff_memo_free(memo);
	json_decref(desired);
	json_decref(live);
	json_decref(dspec);
	json_decref(lspec);
}

/* The same quantities are equal under requests (a quantity map) and not
 * under a plain map: the path is part of the verdict.  And a ResourceQuota's
 * `hard` holds quantities while a Deployment's does not: so is the kind. */
static void test_path_and_kind_are_part_of_the_verdict(void **state)
{
	json_t *d = parse("{\"cpu\":\"0.5\"}"), *l = parse("{\"cpu\":\"500m\"}");
	json_t *desired, *live;
	kd_diff_memo *memo;

	(void)state;
	assert_int_equal(kd_diff_memo_new(&memo), 0);
	desired = object("ResourceQuota", "q", json_pack("{s:O}", "hard", d));
	live = object("ResourceQuota", "q", json_pack("{s:O}", "hard", l));
	json_decref(json_object_get(desired, "spec"));
	json_decref(json_object_get(live, "spec"));
	assert_int_equal(both(memo, desired, live, false, "quota"), KD_DIFF_SYNCED);
	/* the same spec values under another kind */
	assert_int_equal(json_object_set_new(desired, "kind", json_string("Deployment")), 0);
	assert_int_equal(json_object_set_new(live, "kind", json_string("Deployment")), 0);
	assert_int_equal(both(memo, desired, live, false, "deployment"), KD_DIFF_DRIFTED);
	json_decref(desired);
	json_decref(live);
	/* the same values as a top-level member of another name */
	desired = object("ConfigMap", "c", NULL);
	live = object("ConfigMap", "c", NULL);
	json_object_set(desired, "data", d);
	json_object_set(live, "data", l);
	assert_int_equal(both(memo, desired, live, false, "data"), KD_DIFF_DRIFTED);
	json_decref(desired);
	json_decref(live);
	json_decref(d);
	json_decref(l);
	kd_diff_memo_free(memo);
}

/* ---- random objects sharing their subtrees -------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static unsigned pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const scalars[] = {
	"1", "2", "2.0", "\"100m\"", "\"0.1\"", "\"1Gi\"", "\"1024Mi\"", "\"TCP\"", "\"\"",
	"false", "true", "0", "null", "[]", "{}", "\"x\"", "\"100m\"", "\"1Gi\"",
};
static const char *const keys[] = {
	"replicas", "requests", "limits", "hard", "ports", "protocol", "name", "containerPort",
	"containers", "env", "value", "labels", "caBundle", "clientConfig", "rules", "x",
};

/* A random value a few levels deep, shaped like the parts of objects. */
static json_t *random_value(int depth)
{
	unsigned i, n;
	json_t *v;

	if (depth == 0 || pick(4) == 0)
		return parse(scalars[pick(sizeof(scalars) / sizeof(*scalars))]);
	if (pick(3) == 0) {
		v = json_array();
		for (i = 0, n = pick(3); i < n; i++) {
			json_t *e = random_value(depth - 1);

			/* keyed lists: elements with a name or a port */
			if (json_is_object(e) && pick(2))
				json_object_set_new(e, pick(2) ? "name" : "containerPort",
						    pick(2) ? json_string("a") : json_integer(80));
			json_array_append_new(v, e);
		}
		return v;
	}
	v = json_object();
	for (i = 0, n = 1 + pick(3); i < n; i++)
		json_object_set_new(v, keys[pick(sizeof(keys) / sizeof(*keys))], random_value(depth - 1));
	return v;
}

/* Quantities written another way ("100m" as "0.1", "1Gi" as "1024Mi"):
 * equal where the path and kind make them quantities, different elsewhere. */
static void respell(json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, m) {
			if (json_is_string(m) && !strcmp(json_string_value(m), "100m"))
				json_object_set_new(v, key, json_string("0.1"));
			else if (json_is_string(m) && !strcmp(json_string_value(m), "1Gi"))
				json_object_set_new(v, key, json_string("1024Mi"));
			else
				respell(m);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			respell(m);
	}
}

/* A variant of v: the same value; or one that differs only where a rule
 * may make it equal (replicas under an HPA, quantities); or one member
 * changed, removed or added. */
static json_t *variant(json_t *v)
{
	json_t *c = json_deep_copy(v);
	const char *key;
	json_t *m;

	if (!json_is_object(c) || pick(4) == 0)
		return c;
	if (pick(3) == 0) {
		json_object_set_new(c, "replicas", json_integer(pick(3)));
		return c;
	}
	if (pick(2) == 0) {
		respell(c);
		return c;
	}
	json_object_foreach(c, key, m) {
		if (pick(2) == 0)
			continue;
		if (pick(2))
			json_object_set_new(c, key, random_value(2));
		else
			json_object_del(c, key);
		break;
	}
	if (pick(3) == 0)
		json_object_set_new(c, keys[pick(sizeof(keys) / sizeof(*keys))], random_value(2));
	return c;
}

#define POOL 24

/* Pairs of values equal or not depending on the kind or the HPA: quantities
 * in a quota's hard and a LimitRange's max, the caBundle of webhooks, CRD
 * conversion and APIServices, replicas. */
static const char *const pairs[][2] = {
	{ "{\"hard\":{\"cpu\":\"100m\"}}", "{\"hard\":{\"cpu\":\"0.1\"}}" },
	{ "{\"limits\":[{\"type\":\"Container\",\"max\":{\"memory\":\"1Gi\"}}]}",
	  "{\"limits\":[{\"type\":\"Container\",\"max\":{\"memory\":\"1024Mi\"}}]}" },
	{ "[{\"name\":\"w\",\"clientConfig\":{\"caBundle\":\"YQ==\"}}]",
	  "[{\"name\":\"w\",\"clientConfig\":{\"caBundle\":\"Yg==\"}}]" },
	{ "{\"caBundle\":\"YQ==\",\"service\":{\"name\":\"x\"}}",
	  "{\"caBundle\":\"Yg==\",\"service\":{\"name\":\"x\"}}" },
	{ "{\"conversion\":{\"webhook\":{\"clientConfig\":{\"caBundle\":\"YQ==\"}}}}",
	  "{\"conversion\":{\"webhook\":{\"clientConfig\":{\"caBundle\":\"Yg==\"}}}}" },
	{ "{\"replicas\":2,\"paused\":true}", "{\"replicas\":3,\"paused\":true}" },
	{ "[{\"apiGroups\":[\"\"],\"verbs\":[\"get\"]}]", "[{\"apiGroups\":[\"\"],\"verbs\":[\"list\"]}]" },
};
#define NPAIRS (sizeof(pairs) / sizeof(*pairs))

static const char *const kinds[] = {
	"Deployment", "ResourceQuota", "LimitRange", "ValidatingWebhookConfiguration",
	"ClusterRole", "Secret", "CustomResourceDefinition", "APIService",
};

/* Thousands of desired/live pairs built from a small pool of shared
 * subtrees (as a fleet's objects are), with random kinds, namespaces, HPAs,
 * managers and last-applied: the memo never changes a result.  The pool
 * holds variants of each value so that equal and unequal pairs both recur. */
static void test_random_fleet_same_results(void **state)
{
	json_t *pool[POOL], *labels[4], *hand[NPAIRS][2];
	kd_diff_memo *memo;
	unsigned i, round;

	(void)state;
	assert_int_equal(kd_diff_memo_new(&memo), 0);
	for (i = 0; i < POOL; i++)
		pool[i] = i % 3 == 0 ? random_value(4) : variant(pool[i - i % 3]);
	for (i = 0; i < NPAIRS; i++) {
		hand[i][0] = parse(pairs[i][0]);
		hand[i][1] = parse(pairs[i][1]);
	}
	for (i = 0; i < 4; i++)
		labels[i] = parse(i % 2 ? "{\"app\":\"web\",\"argocd.argoproj.io/instance\":\"w\"}"
				       : "{\"app\":\"web\"}");
	for (round = 0; round < 6000; round++) {
		const char *kind = kinds[pick(sizeof(kinds) / sizeof(*kinds))];
		static const char *const members[] = { "spec", "spec", "data", "rules", "webhooks" };
		const char *member = members[pick(5)];
		json_t *desired = object(kind, "o", NULL), *live = object(kind, "o", NULL);
		char what[64];

		if (pick(2)) {
			unsigned p = pick(NPAIRS);

			json_object_set(desired, member, hand[p][0]);
			json_object_set(live, member, hand[p][pick(2)]);
		} else {
			json_object_set(desired, member, pool[pick(POOL)]);
			json_object_set(live, member, pool[pick(POOL)]);
		}
		if (!strcmp(kind, "ClusterRole") && pick(2))
			json_object_set_new(desired, "aggregationRule",
					    parse("{\"clusterRoleSelectors\":[{\"matchLabels\":{\"a\":\"b\"}}]}"));
		if (pick(2))
			json_object_set(desired, "extra", pool[pick(POOL)]);
		if (pick(2))
			json_object_set(live, "extra", pool[pick(POOL)]);
		json_object_set(kd_json_obj(desired, "metadata"), "labels", labels[pick(4)]);
		json_object_set(kd_json_obj(live, "metadata"), "labels", labels[pick(4)]);
		if (pick(4) == 0)
			json_object_del(kd_json_obj(live, "metadata"), "namespace");
		switch (pick(4)) {
		case 0: managed_by(live, "kubectl-edit", "Update"); break;
		case 1: managed_by(live, "argocd-controller", "Apply"); break;
		case 2: managed_by(live, "argocd-controller", "Update"); break;
		default: break;
		}
		if (pick(3) == 0) {
			/* last-applied: desired itself (kubectl's canonical text) or
			 * another object */
			kd_buf canon = KD_BUF_INIT;
			json_t *ann = json_object();

			if (pick(2))
				assert_int_equal(kd_json_canonical(&canon, desired), 0);
			else
				kd_buf_puts(&canon, "{\"spec\":{\"x\":1,\"replicas\":2},\"extra\":{\"x\":1}}");
			json_object_set_new(ann, "kubectl.kubernetes.io/last-applied-configuration", json_string(kd_buf_cstr(&canon)));
			json_object_set_new(kd_json_obj(live, "metadata"), "annotations", ann);
			kd_buf_free(&canon);
		}
		snprintf(what, sizeof(what), "round %u (%s)", round, kind);
		both(memo, desired, live, pick(4) == 0, what);
		json_decref(desired);
		json_decref(live);
	}
	for (i = 0; i < POOL; i++)
		json_decref(pool[i]);
	for (i = 0; i < NPAIRS; i++) {
		json_decref(hand[i][0]);
		json_decref(hand[i][1]);
	}
	for (i = 0; i < 4; i++)
		json_decref(labels[i]);
	kd_diff_memo_free(memo);
}

/* More distinct equal pairs than the memo keeps: it starts over, and every
 * answer stays right. */
static void test_memo_starts_over(void **state)
{
	kd_diff_memo *memo;
	unsigned i;

	(void)state;
	assert_int_equal(kd_diff_memo_new(&memo), 0);
	for (i = 0; i < 20000; i++) {
		json_t *spec = json_pack("{s:i}", "replicas", (int)i);
		json_t *other = json_pack("{s:i}", "replicas", (int)i + (i % 7 == 0));
		json_t *desired = object("Deployment", "web", spec);
		json_t *live = object("Deployment", "web", other);

		assert_int_equal(both(memo, desired, live, false, "many"),
				 i % 7 == 0 ? KD_DIFF_DRIFTED : KD_DIFF_SYNCED);
		json_decref(desired);
		json_decref(live);
		json_decref(spec);
		json_decref(other);
	}
	kd_diff_memo_free(memo);
}

/* A field set found well-formed is not read again; a malformed one is
 * never taken for checked, however often it is met. */
static void test_checked_field_sets(void **state)
{
	json_t *good = parse("{\"f:spec\":{\"f:replicas\":{}}}");
	json_t *bad = parse("{\"f:spec\":5}");
	json_t *desired = object("Deployment", "web", NULL);
	kd_diff_opts opts = { .appliers = kd_diff_default_appliers };
	kd_diff_result *res;
	kd_diff_memo *memo;
	int round;

	(void)state;
	assert_int_equal(kd_diff_memo_new(&memo), 0);
	opts.memo = memo;
	for (round = 0; round < 3; round++) {
		json_t *live = object("Deployment", "web", NULL);
		json_t *entry = json_pack("{s:s, s:s, s:s, s:O}", "manager", "argocd-controller",
					  "operation", "Update", "fieldsType", "FieldsV1",
					  "fieldsV1", round == 1 ? bad : good);

		json_object_set_new(kd_json_obj(live, "metadata"), "managedFields",
				    json_pack("[o]", entry));
		res = NULL;
		if (round == 1) {
			assert_int_equal(kd_diff_objects(&res, desired, live, &opts), KD_EINVAL);
			assert_null(res);
			assert_int_equal(kd_diff_objects(&res, desired, live, &opts), KD_EINVAL);
		} else {
			assert_int_equal(kd_diff_objects(&res, desired, live, &opts), 0);
			assert_int_equal(res->status, KD_DIFF_SYNCED);
			kd_diff_result_free(res);
		}
		json_decref(live);
	}
	kd_diff_memo_free(memo);
	json_decref(desired);
	json_decref(good);
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hpa_is_part_of_the_verdict),
		cmocka_unit_test(test_path_and_kind_are_part_of_the_verdict),
		cmocka_unit_test(test_random_fleet_same_results),
		cmocka_unit_test(test_memo_starts_over),
		cmocka_unit_test(test_checked_field_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
