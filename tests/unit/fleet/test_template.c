/*
 * Tests for core/fleet/template.c: fasttemplate expansion as Argo CD
 * ApplicationSets do it, and the cluster parameters fed into it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "fleet/fleet.h"

static json_t *params(void)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}",
			      "name", "us-east-prod",
			      "server", "https://10.0.0.1:6443",
			      "metadata.labels.env", "production",
			      "values.revision", "main",
			      "odd", "a/b \"c\" {{name}} ${X} 100%",
			      "number", 7,
			      "empty", "");

	assert_non_null(p);
	return p;
}

static void expect(const char *tmpl, const char *want)
{
	json_t *p = params();
	char *out = NULL;

	assert_int_equal(kd_template_expand(&out, tmpl, p), 0);
	assert_non_null(out);
	if (strcmp(out, want) != 0)
		fail_msg("expand(\"%s\") = \"%s\", want \"%s\"", tmpl, out, want);
	free(out);
	json_decref(p);
}

static void test_expand_table(void **state)
{
	static const char *const cases[][2] = {
		/* plain substitution */
		{ "clusters/{{name}}/apps", "clusters/us-east-prod/apps" },
		{ "{{name}}", "us-east-prod" },
		{ "{{name}}{{name}}", "us-east-produs-east-prod" },
		{ "{{metadata.labels.env}}/{{values.revision}}",
		  "production/main" },
		{ "{{server}}", "https://10.0.0.1:6443" },
		/* white space inside the braces is trimmed */
		{ "{{ name }}", "us-east-prod" },
		{ "{{\tname\n}}", "us-east-prod" },
		{ "{{   values.revision}}", "main" },
		/* but not inside the key */
		{ "{{na me}}", "{{na me}}" },
		/* unknown keys stay exactly as written, spaces included */
		{ "{{nope}}", "{{nope}}" },
		{ "a/{{ nope }}/b", "a/{{ nope }}/b" },
		{ "{{metadata.labels.missing}}", "{{metadata.labels.missing}}" },
		{ "{{}}", "{{}}" },
		{ "{{  }}", "{{  }}" },
		/* keys are case-sensitive */
		{ "{{Name}}", "{{Name}}" },
		/* a non-string parameter is not substituted */
		{ "{{number}}", "{{number}}" },
		/* an empty value is substituted */
		{ "x{{empty}}y", "xy" },
		/* unterminated tags are copied through */
		{ "{{name", "{{name" },
		{ "a/{{name}}/{{", "a/us-east-prod/{{" },
		{ "a/{{name}}/{{values.revision", "a/us-east-prod/{{values.revision" },
		{ "{", "{" },
		{ "}}", "}}" },
		/* the tag ends at the first "}}" */
		{ "{{name}}}", "us-east-prod}" },
		{ "{{{name}}", "{{{name}}" },
		{ "{{a{{name}}", "{{a{{name}}" },
		/* values are inserted as they are and never expanded again */
		{ "{{odd}}", "a/b \"c\" {{name}} ${X} 100%" },
		/* text with no tags, and Flux variables, pass through */
		{ "", "" },
		{ "plain/path", "plain/path" },
		{ "${cluster}/{name}", "${cluster}/{name}" },
		/* UTF-8 around tags is untouched */
		{ "\xc3\xa9/{{name}}/\xe2\x9c\x93", "\xc3\xa9/us-east-prod/\xe2\x9c\x93" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(cases[i][0], cases[i][1]);
}

static void test_expand_without_params(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(kd_template_expand(&out, "a/{{name}}", NULL), 0);
	assert_string_equal(out, "a/{{name}}");
	free(out);
}

static void expect_normalized(const char *in, const char *want)
{
	char *out = NULL;

	assert_int_equal(kd_template_normalize_name(&out, in), 0);
	if (strcmp(out, want) != 0)
		fail_msg("normalize(\"%s\") = \"%s\", want \"%s\"", in, out, want);
	free(out);
}

static void test_normalize_name(void **state)
{
	char long_in[400], long_want[254];

	(void)state;
	expect_normalized("us-east-prod", "us-east-prod");
	expect_normalized("US_East_Prod", "us-east-prod");
	expect_normalized("arn:aws:eks:us-east-1:1234:cluster/prod",
			  "arn-aws-eks-us-east-1-1234-cluster-prod");
	/* dots are kept, as in Argo CD */
	expect_normalized("prod.example.com", "prod.example.com");
	/* leading and trailing '-' and '.' are dropped */
	expect_normalized("--a--", "a");
	expect_normalized(".a.", "a");
	expect_normalized("_x_", "x");
	expect_normalized("", "");
	/* one '-' per UTF-8 character, not per byte */
	expect_normalized("caf\xc3\xa9-1", "caf--1");
	expect_normalized("a\xe2\x9c\x93" "b", "a-b");

	/* cut at 253 characters before trimming */
	memset(long_in, 'a', 300);
	long_in[300] = '\0';
	memset(long_want, 'a', 253);
	long_want[253] = '\0';
	expect_normalized(long_in, long_want);
	memset(long_in, 'b', 252);
	long_in[252] = '-';
	long_in[253] = 'c';
	long_in[254] = '\0';
	memset(long_want, 'b', 252);
	long_want[252] = '\0';
	expect_normalized(long_in, long_want);
}

static void test_cluster_params(void **state)
{
	kd_cluster cl = { 0 };
	json_t *p = NULL, *want;
	char *out = NULL;

	(void)state;
	cl.name = "eu-west.prod";
	cl.context = "ctx";
	cl.server = "https://eu.example.com";
	cl.labels = json_pack("{s:s, s:s}", "env", "production",
			      "topology.kubernetes.io/region", "eu-west-1");
	cl.values = json_pack("{s:s}", "revision", "v1.2");
	assert_int_equal(kd_cluster_params(&p, &cl), 0);
	want = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			 "name", "eu-west.prod",
			 "nameNormalized", "eu-west.prod",
			 "server", "https://eu.example.com",
			 "metadata.labels.env", "production",
			 "metadata.labels.topology.kubernetes.io/region",
			 "eu-west-1",
			 "values.revision", "v1.2");
	assert_true(json_equal(p, want));

	assert_int_equal(kd_template_expand(&out,
		"{{metadata.labels.topology.kubernetes.io/region}}/{{ values.revision }}/{{nameNormalized}}",
		p), 0);
	assert_string_equal(out, "eu-west-1/v1.2/eu-west.prod");
	free(out);
	json_decref(p);
	json_decref(want);

	/* Without a server the parameter is absent, so "{{server}}" shows
	 * up unexpanded instead of silently becoming "". */
	cl.server = NULL;
	assert_int_equal(kd_cluster_params(&p, &cl), 0);
	assert_null(json_object_get(p, "server"));
	assert_int_equal(kd_template_expand(&out, "{{server}}", p), 0);
	assert_string_equal(out, "{{server}}");
	free(out);
	json_decref(p);
	json_decref(cl.labels);
	json_decref(cl.values);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_table),
		cmocka_unit_test(test_expand_without_params),
		cmocka_unit_test(test_normalize_name),
		cmocka_unit_test(test_cluster_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
