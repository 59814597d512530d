/*
 * Tests for core/render/flux_subst.c: Flux postBuild substitution — the envsubst
 * grammar as a table, variable sources (ConfigMap, Secret), the opt-out,
 * strict mode and retyping after substitution.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "render/render.h"
#include "data/data.h"

static json_t *vars(void)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			      "cluster", "eu-west-1",
			      "empty", "",
			      "replicas", "3",
			      "path", "/home/bozo/ideas/thoughts.for.today",
			      "file", "bash.string.txt",
			      "mixed", "abcABC123ABCabc");

	assert_non_null(v);
	return v;
}

struct row {
	const char *in;
	const char *want;   /* NULL: an error */
	int strict;
};

static const struct row rows[] = {
	/* plain text and the forms left alone */
	{ "no variables here", "no variables here", 0 },
	{ "$cluster", "$cluster", 0 },
	{ "a $ b", "a $ b", 0 },
	{ "cost: 5$", "cost: 5$", 0 },
	/* ${VAR} */
	{ "${cluster}", "eu-west-1", 0 },
	{ "name: app-${cluster}-x", "name: app-eu-west-1-x", 0 },
	{ "${cluster}${cluster}", "eu-west-1eu-west-1", 0 },
	{ "${missing}", "", 0 },
	{ "${empty}", "", 1 },
	/* defaults: used when unset or empty */
	{ "${missing:=fallback}", "fallback", 0 },
	{ "${missing:-fallback}", "fallback", 0 },
	{ "${missing=fallback}", "fallback", 0 },
	{ "${empty:=fallback}", "fallback", 0 },
	{ "${empty:-fallback}", "fallback", 1 },
	{ "${cluster:=fallback}", "eu-west-1", 0 },
	{ "${missing:=pre-${cluster}-post}", "pre-eu-west-1-post", 0 },
	{ "${missing:=}", "", 1 },
	/* $$ escapes */
	{ "$${cluster}", "${cluster}", 0 },
	{ "$${cluster}", "${cluster}", 1 },
	{ "a$$b", "a$b", 0 },
	{ "$$$${cluster}", "$${cluster}", 0 },
	{ "$$${cluster}", "$eu-west-1", 0 },
	{ "x $${var$${cluster}$cluster${cluster}",
	  "x ${var${cluster}$cluster" "eu-west-1", 0 },
	/* strict mode */
	{ "${missing}", NULL, 1 },
	{ "ok ${cluster} then ${missing}", NULL, 1 },
	{ "${missing:=d}", "d", 1 },
	{ "${#missing}", NULL, 1 },
	{ "${missing^^}", NULL, 1 },
	{ "${cluster:=${missing}}", NULL, 1 },
	/* the other operators */
	{ "${#cluster}", "9", 0 },
	{ "${cluster^^}", "EU-WEST-1", 0 },
	{ "${cluster^}", "Eu-west-1", 0 },
	{ "${path:11}", "ideas/thoughts.for.today", 0 },
	{ "${path:11:5}", "ideas", 0 },
	/* a length past the end, however large, gives the rest */
	{ "${path:11:24}", "ideas/thoughts.for.today", 0 },
	{ "${path:11:9223372036854775807}", "ideas/thoughts.for.today", 0 },
	{ "${path:9223372036854775807:9223372036854775807}", "", 0 },
	{ "${path:11:99999999999999999999999}", "ideas/thoughts.for.today", 0 },
	{ "${file#*.}", "string.txt", 0 },
	{ "${file##*.}", "txt", 0 },
	{ "${file%.*}", "bash.string", 0 },
	{ "${file%%.*}", "bash", 0 },
	{ "${mixed/abc/xyz}", "xyzABC123ABCabc", 0 },
	{ "${mixed//abc/xyz}", "xyzABC123ABCxyz", 0 },
	{ "${mixed/#abc/XYZ}", "XYZABC123ABCabc", 0 },
	{ "${mixed/%abc/XYZ}", "abcABC123ABCXYZ", 0 },
	/* malformed expressions */
	{ "${cluster", NULL, 0 },
	{ "${}", NULL, 0 },
	{ "${clu-ster}", NULL, 0 },
	{ "${ cluster }", NULL, 0 },
};

static void test_grammar_table(void **state)
{
	json_t *v = vars();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		kd_buf out = KD_BUF_INIT;
		int rc = kd_flux_envsubst(&out, rows[i].in, v, rows[i].strict);

		if (rows[i].want == NULL) {
			if (rc == 0)
				fail_msg("row %zu: \"%s\" gave \"%s\", want an error",
					 i, rows[i].in, kd_buf_cstr(&out));
			assert_int_equal(rc, KD_EINVAL);
		} else if (rc != 0 || strcmp(kd_buf_cstr(&out), rows[i].want) != 0) {
			fail_msg("row %zu: \"%s\" (strict %d) gave rc %d \"%s\" (%s), want \"%s\"",
				 i, rows[i].in, rows[i].strict, rc, kd_buf_cstr(&out),
				 kd_error_last(), rows[i].want);
		}
		kd_buf_free(&out);
	}
	json_decref(v);
}

/* A 1 MiB variable referenced 1,000 times (or replaced into itself) fails
 * with KD_ELIMIT once the result passes the limit, not after building it. */
static void test_output_limit_while_expanding(void **state)
{
	size_t mib = (size_t)1 << 20, i;
	char *big = malloc(mib + 1);
	kd_buf text = KD_BUF_INIT, out = KD_BUF_INIT;
	json_t *v;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', mib);
	big[mib] = '\0';
	v = json_pack("{s:s}", "big", big);
	assert_non_null(v);
	for (i = 0; i < 1000; i++)
		assert_int_equal(kd_buf_puts(&text, "${big}"), 0);
	assert_int_equal(kd_flux_envsubst(&out, kd_buf_cstr(&text), v, false), KD_ELIMIT);
	assert_true(out.len <= KD_FLUX_MAX_OUTPUT + mib);
	assert_non_null(strstr(kd_error_last(), "64 MiB"));
	kd_buf_free(&out);
	/* the same inside a default's argument */
	kd_buf_clear(&text);
	kd_buf_puts(&text, "${missing:=");
	for (i = 0; i < 1000; i++)
		kd_buf_puts(&text, "${big}");
	kd_buf_puts(&text, "}");
	assert_int_equal(kd_flux_envsubst(&out, kd_buf_cstr(&text), v, false), KD_ELIMIT);
	kd_buf_free(&out);
	/* and in a replacement that multiplies the value */
	assert_int_equal(kd_flux_envsubst(&out, "${big//a/${big}}", v, false), KD_ELIMIT);
	assert_true(out.len <= KD_FLUX_MAX_OUTPUT + 2 * mib);
	kd_buf_free(&out);
	kd_buf_free(&text);
	json_decref(v);
	free(big);
}

static void test_strict_message_names_variable(void **state)
{
	json_t *v = vars();
	kd_buf out = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_flux_envsubst(&out, "a: ${region}", v, true), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "variable not set (strict mode): \"region\""));
	kd_buf_free(&out);
	json_decref(v);
}

static void test_var_names(void **state)
{
	(void)state;
	assert_true(kd_flux_var_name_valid("cluster"));
	assert_true(kd_flux_var_name_valid("_x1"));
	assert_true(kd_flux_var_name_valid("CLUSTER_NAME"));
	assert_false(kd_flux_var_name_valid("1abc"));
	assert_false(kd_flux_var_name_valid("a-b"));
	assert_false(kd_flux_var_name_valid("a.b"));
	assert_false(kd_flux_var_name_valid(""));
}

static json_t *parse(const char *yaml)
{
	json_t *docs = NULL;

	assert_int_equal(kd_yaml_parse(&docs, NULL, yaml, strlen(yaml), "t.yaml", NULL), 0);
	return docs;
}

static const char *ptr_data(const json_t *objs, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_array_get(objs, 0), "data"), key));
}

static void test_objects_retyped_and_opt_out(void **state)
{
	json_t *objs = parse(
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
		"spec:\n  replicas: ${replicas}\n  template:\n    spec:\n"
		"      containers:\n      - name: c\n        args: [\"--cluster=${cluster}\", \"$HOME\", \"$${keep}\"]\n"
		"---\n"
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\n"
		"  annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n"
		"data: {run.sh: \"echo ${cluster}\"}\n"
		"---\n"
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: labelled\n"
		"  labels: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n"
		"data: {x: \"${cluster}\"}\n"
		"---\n"
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: quoted}\n"
		"data: {n: \"${replicas}\"}\n");
	json_t *v = vars(), *dep, *args;

	(void)state;
	assert_int_equal(kd_flux_substitute(objs, v, false), 0);
	dep = json_array_get(objs, 0);
	/* Unquoted after substitution: a number, as for the controller. */
	assert_true(json_is_integer(json_object_get(json_object_get(dep, "spec"), "replicas")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dep, "spec"), "replicas")), 3);
	args = json_object_get(json_array_get(json_object_get(json_object_get(json_object_get(
		json_object_get(dep, "spec"), "template"), "spec"), "containers"), 0), "args");
	assert_string_equal(json_string_value(json_array_get(args, 0)), "--cluster=eu-west-1");
	assert_string_equal(json_string_value(json_array_get(args, 1)), "$HOME");
	assert_string_equal(json_string_value(json_array_get(args, 2)), "${keep}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(objs, 1), "data"), "run.sh")), "echo ${cluster}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(objs, 2), "data"), "x")), "${cluster}");
	json_decref(objs);
	json_decref(v);
}

static void test_no_vars_leaves_objects_alone(void **state)
{
	json_t *objs = parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
			     "data: {pid: \"echo $$ ${x}\"}\n");
	json_t *empty = json_object(), *v = json_pack("{s:s}", "x", "line1\nline2\n");

	(void)state;
	assert_int_equal(kd_flux_substitute(objs, empty, false), 0);
	assert_string_equal(ptr_data(objs, "pid"), "echo $$ ${x}");
	/* with a variable, "$$" is unescaped and values lose their line breaks */
	assert_int_equal(kd_flux_substitute(objs, v, false), 0);
	assert_string_equal(ptr_data(objs, "pid"), "echo $ line1line2");
	json_decref(objs);
	json_decref(empty);
	json_decref(v);
}

static void test_strict_object_error_names_object(void **state)
{
	json_t *objs = parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
			     "data: {a: \"${nope}\"}\n");
	json_t *v = vars();

	(void)state;
	assert_int_equal(kd_flux_substitute(objs, v, true), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "ConfigMap/cm"));
	assert_non_null(strstr(kd_error_last(), "\"nope\""));
	json_decref(objs);
	json_decref(v);
}

static void test_vars_from_configmap_and_secret(void **state)
{
	json_t *objs = parse(
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {region: us, tier: web}\n"
		"---\n"
		"apiVersion: v1\nkind: Secret\nmetadata: {name: b}\n"
		"data: {token: c2VjcmV0LXZhbHVl, region: ZXU=}\nstringData: {plain: text}\n"
		"---\n"
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {bad-name: x}\n"
		"---\n"
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: \"not base64!\"}\n");
	json_t *v = json_object();

	(void)state;
	assert_int_equal(kd_flux_vars_add_object(v, json_array_get(objs, 0), "a"), 0);
	assert_int_equal(kd_flux_vars_add_object(v, json_array_get(objs, 1), "b"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "token")), "secret-value");
	/* later sources override earlier ones */
	assert_string_equal(json_string_value(json_object_get(v, "region")), "eu");
	assert_string_equal(json_string_value(json_object_get(v, "tier")), "web");
	assert_string_equal(json_string_value(json_object_get(v, "plain")), "text");
	assert_int_equal(kd_flux_vars_add_object(v, json_array_get(objs, 2), "bad"), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "'bad-name' var name is invalid"));
	assert_int_equal(kd_flux_vars_add_object(v, json_array_get(objs, 3), "s"), KD_EINVAL);
	/* the message never shows a secret's value */
	assert_null(strstr(kd_error_last(), "not base64!"));
	json_decref(objs);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar_table),
		cmocka_unit_test(test_strict_message_names_variable),
		cmocka_unit_test(test_var_names),
		cmocka_unit_test(test_output_limit_while_expanding),
		cmocka_unit_test(test_objects_retyped_and_opt_out),
		cmocka_unit_test(test_no_vars_leaves_objects_alone),
		cmocka_unit_test(test_strict_object_error_names_object),
		cmocka_unit_test(test_vars_from_configmap_and_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
