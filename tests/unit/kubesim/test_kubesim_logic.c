/*
 * Tests for kubesim's pure logic: selectors, managedFields bookkeeping,
 * server-side apply conflicts, field validation and the server's canonical
 * forms (quantities, Secret stringData).
 *
 * The Makefile links unit tests with libkdcore.a only, so the simulator
 * files under test are compiled into this program directly; they need
 * nothing but core, jansson and libcrypto.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../kubesim/managed.c"
#include "../../kubesim/quantity.c"
#include "../../kubesim/util.c"
#include "../../kubesim/validate.c"

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	assert_non_null(v);
	return v;
}

static bool labels_match(const char *sel, const char *labels)
{
	json_t *l = parse(labels);
	bool m = false;

	assert_int_equal(ks_label_selector_match(&m, sel, l), 0);
	json_decref(l);
	return m;
}

static void test_label_selectors(void **state)
{
	const char *l = "{\"app\":\"web\",\"tier\":\"front\",\"app.kubernetes.io/name\":\"shop\"}";
	json_t *none = parse("{}");
	bool m;

	(void)state;
	assert_true(labels_match("app=web", l));
	assert_true(labels_match("app==web,tier", l));
	assert_false(labels_match("app!=web", l));
	assert_true(labels_match("!missing, tier in (front,back)", l));
	assert_false(labels_match("tier notin (front)", l));
	assert_true(labels_match("app.kubernetes.io/name=shop", l));
	assert_false(labels_match("tier", "{}"));
	assert_true(labels_match("", l));
	assert_int_equal(ks_label_selector_match(&m, "app in web", none), KD_EINVAL);
	assert_int_equal(ks_label_selector_match(&m, "=x", none), KD_EINVAL);
	json_decref(none);
}

static void test_field_selectors(void **state)
{
	json_t *o = parse("{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"}}");
	bool m = false;

	(void)state;
	assert_int_equal(ks_field_selector_match(&m, "metadata.name=a", o), 0);
	assert_true(m);
	assert_int_equal(ks_field_selector_match(&m, "metadata.name=a,metadata.namespace!=ns", o), 0);
	assert_false(m);
	assert_int_equal(ks_field_selector_match(&m, "spec.replicas=1", o), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "spec.replicas"));
	json_decref(o);
}

static const char *deploy =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\",\"labels\":{\"a\":\"b\"}},"
	"\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":["
	"{\"name\":\"c\",\"image\":\"i:1\"},{\"name\":\"side\",\"image\":\"s:1\"}]}}}}";

static json_t *owned(const json_t *obj, const char *manager, const char *op)
{
	json_t *mf = json_object_get(json_object_get(obj, "metadata"), "managedFields"), *e;
	size_t i;

	json_array_foreach(mf, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "manager")), manager) &&
		    !strcmp(json_string_value(json_object_get(e, "operation")), op))
			return json_object_get(e, "fieldsV1");
	return NULL;
}

static void test_update_moves_ownership(void **state)
{
	json_t *v1 = parse(deploy), *v2, *f;

	(void)state;
	assert_int_equal(ks_managed_update(v1, NULL, "creator", NULL, "apps/v1"), 0);
	f = owned(v1, "creator", "Update");
	assert_non_null(f);
	assert_non_null(json_object_get(json_object_get(f, "f:spec"), "f:replicas"));
	/* containers are keyed by name */
	assert_non_null(json_object_get(json_object_get(json_object_get(json_object_get(
		json_object_get(f, "f:spec"), "f:template"), "f:spec"), "f:containers"), "k:{\"name\":\"c\"}"));

	v2 = json_deep_copy(v1);
	json_object_set_new(json_object_get(v2, "spec"), "replicas", json_integer(3));
	assert_int_equal(ks_managed_update(v2, v1, "kubectl-scale", "scale", "apps/v1"), 0);
	f = owned(v2, "kubectl-scale", "Update");
	assert_non_null(f);
	assert_non_null(json_object_get(json_object_get(f, "f:spec"), "f:replicas"));
	f = owned(v2, "creator", "Update");
	assert_null(json_object_get(json_object_get(f, "f:spec"), "f:replicas"));
	assert_non_null(json_object_get(json_object_get(f, "f:metadata"), "f:labels"));
	json_decref(v1);
	json_decref(v2);
}

static void test_apply_conflicts_and_force(void **state)
{
	json_t *live = parse(deploy), *out = NULL, *causes = NULL, *applied, *c, *cs;

	(void)state;
	assert_int_equal(ks_managed_update(live, NULL, "creator", NULL, "apps/v1"), 0);
	applied = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
			"\"spec\":{\"replicas\":5,\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i:1\"}]}}}}");
	assert_int_equal(ks_managed_apply(&out, &causes, live, applied, "ops", false, "apps/v1"), KD_ECONFLICT);
	assert_null(out);
	/* only the changed value conflicts: the equal image is shared */
	assert_int_equal(json_array_size(causes), 1);
	c = json_array_get(causes, 0);
	assert_string_equal(json_string_value(json_object_get(c, "field")), ".spec.replicas");
	assert_non_null(strstr(json_string_value(json_object_get(c, "message")), "\"creator\""));
	json_decref(causes);

	assert_int_equal(ks_managed_apply(&out, &causes, live, applied, "ops", true, "apps/v1"), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "spec"), "replicas")), 5);
	/* the other container, not in the applied configuration, stays */
	cs = json_object_get(json_object_get(json_object_get(json_object_get(out, "spec"), "template"), "spec"), "containers");
	assert_int_equal(json_array_size(cs), 2);
	assert_null(json_object_get(json_object_get(owned(out, "creator", "Update"), "f:spec"), "f:replicas"));
	assert_non_null(json_object_get(json_object_get(owned(out, "ops", "Apply"), "f:spec"), "f:replicas"));
	json_decref(causes);
	json_decref(applied);

	/* applying again without replicas gives the field up: nobody owns it, so it goes */
	applied = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
			"\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i:1\"}]}}}}");
	json_decref(live);
	live = out;
	out = NULL;
	assert_int_equal(ks_managed_apply(&out, &causes, live, applied, "ops", false, "apps/v1"), 0);
	assert_null(json_object_get(json_object_get(out, "spec"), "replicas"));
	json_decref(causes);
	json_decref(applied);
	json_decref(live);
	json_decref(out);
}

static void test_unknown_fields(void **state)
{
	static const ks_type deployment = {"apps", "v1", "Deployment", "deployments", "deployment",
					   "deploy", true, true, true, true, NULL};
	static const ks_type widget = {"example.com", "v1", "Widget", "widgets", "widget", "", true,
				       false, false, false, NULL};
	json_t *o = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\",\"nmae\":1},"
			  "\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\","
			  "\"imagePulPolicy\":\"Always\",\"resources\":{\"anything\":1}}]}}}}");
	json_t *unknown = json_array();

	(void)state;
	assert_int_equal(ks_validate_unknown(o, &deployment, unknown, true), 2);
	assert_string_equal(json_string_value(json_array_get(unknown, 0)), "metadata.nmae");
	assert_string_equal(json_string_value(json_array_get(unknown, 1)),
			    "spec.template.spec.containers[0].imagePulPolicy");
	assert_null(json_object_get(json_object_get(o, "metadata"), "nmae"));
	/* below a covered level anything goes */
	assert_non_null(json_object_get(json_object_get(json_array_get(json_object_get(json_object_get(
		json_object_get(json_object_get(o, "spec"), "template"), "spec"), "containers"), 0), "resources"), "anything"));
	/* kinds without a schema keep everything */
	assert_int_equal(ks_validate_unknown(o, &widget, unknown, true), 0);
	json_decref(o);
	json_decref(unknown);
}

static void expect_quantity(const char *in_json, const char *want)
{
	static const ks_type pod = {"", "v1", "Pod", "pods", "pod", "po", true, true, true, false, NULL};
	kd_buf b = KD_BUF_INIT;
	json_t *o, *got;

	kd_buf_printf(&b, "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":{\"x\":%s}}}]}}", in_json);
	o = parse(kd_buf_cstr(&b));
	ks_server_forms(&pod, o);
	got = json_object_get(json_object_get(json_object_get(json_array_get(json_object_get(
		json_object_get(o, "spec"), "containers"), 0), "resources"), "limits"), "x");
	assert_string_equal(json_string_value(got), want);
	json_decref(o);
	kd_buf_free(&b);
}

static void test_quantities_canonical(void **state)
{
	(void)state;
	expect_quantity("0.5", "500m");
	expect_quantity("\"0.5\"", "500m");
	expect_quantity("1", "1");
	expect_quantity("\"2000m\"", "2");
	expect_quantity("\"1500m\"", "1500m");
	expect_quantity("\"1000\"", "1k");
	expect_quantity("\"1024Mi\"", "1Gi");
	expect_quantity("\"1.5Gi\"", "1536Mi");
	expect_quantity("\"100Mi\"", "100Mi");
	expect_quantity("\"128974848\"", "128974848");
	/* forms not handled stay as written */
	expect_quantity("\"1e3\"", "1e3");
	expect_quantity("\"0.1Gi\"", "0.1Gi");
}

static void test_secret_string_data(void **state)
{
	static const ks_type secret = {"", "v1", "Secret", "secrets", "secret", "", true, false, false, false, NULL};
	json_t *o = parse("{\"stringData\":{\"p\":\"hunter2\",\"e\":\"\"},\"data\":{\"u\":\"YQ==\"}}");

	(void)state;
	ks_server_forms(&secret, o);
	assert_null(json_object_get(o, "stringData"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "data"), "p")), "aHVudGVyMg==");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "data"), "e")), "");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "data"), "u")), "YQ==");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_selectors),
		cmocka_unit_test(test_field_selectors),
		cmocka_unit_test(test_update_moves_ownership),
		cmocka_unit_test(test_apply_conflicts_and_force),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_quantities_canonical),
		cmocka_unit_test(test_secret_string_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
