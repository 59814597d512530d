/*
 * Tests for core/fleet/fleet_prevention.c: the identities admission
 * policies let through (prevention.appliers, prevention.applierGroups,
 * breakGlass.group), their defaults, and every error with its position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "fleet/fleet.h"

#define HDR "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"

static kd_fleet *parse(const char *yaml)
{
	kd_fleet *f = NULL;

	if (kd_fleet_parse(&f, yaml, strlen(yaml), "kdrift.yaml") != 0)
		fail_msg("%s", kd_error_last());
	return f;
}

static void assert_names(const json_t *list, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		if (i >= json_array_size(list))
			fail_msg("missing '%s'", want[i]);
		assert_string_equal(json_string_value(json_array_get(list, i)), want[i]);
	}
	assert_int_equal(json_array_size(list), i);
}

static void test_defaults(void **state)
{
	static const char *const appliers[] = {
		"system:serviceaccount:flux-system:kustomize-controller",
		"system:serviceaccount:flux-system:helm-controller",
		"system:serviceaccount:argocd:argocd-application-controller",
		"system:serviceaccount:argocd:argocd-applicationset-controller",
		NULL,
	};
	static const char *const none[] = { NULL };
	kd_fleet *f = parse(HDR);

	(void)state;
	assert_names(f->applier_users, appliers);
	assert_names(f->applier_groups, none);
	assert_string_equal(f->breakglass_group, "kdrift:break-glass");
	kd_fleet_free(f);
}

static void test_given(void **state)
{
	static const char *const appliers[] = {
		"system:serviceaccount:gitops:applier", "ci@example.com", NULL,
	};
	static const char *const groups[] = { "system:serviceaccounts:flux-system", NULL };
	kd_fleet *f = parse(HDR
		"breakGlass:\n"
		"  context: \"{{name}}-admin\"\n"
		"  group: oncall:break-glass\n"
		"prevention:\n"
		"  appliers:\n"
		"    - system:serviceaccount:gitops:applier\n"
		"    - ci@example.com\n"
		"    - system:serviceaccount:gitops:applier\n"   /* repeats once */
		"  applierGroups: [system:serviceaccounts:flux-system]\n");

	(void)state;
	assert_names(f->applier_users, appliers);
	assert_names(f->applier_groups, groups);
	assert_string_equal(f->breakglass_group, "oncall:break-glass");
	assert_string_equal(f->breakglass_context, "{{name}}-admin");
	kd_fleet_free(f);
}

/* applierGroups alone keeps the default appliers; appliers: [] with groups
 * leaves only the groups. */
static void test_partial(void **state)
{
	kd_fleet *f = parse(HDR "prevention:\n  applierGroups: [gitops]\n");

	(void)state;
	assert_int_equal(json_array_size(f->applier_users), 4);
	assert_int_equal(json_array_size(f->applier_groups), 1);
	kd_fleet_free(f);
	f = parse(HDR "prevention:\n  appliers: []\n  applierGroups: [gitops]\n");
	assert_int_equal(json_array_size(f->applier_users), 0);
	assert_int_equal(json_array_size(f->applier_groups), 1);
	kd_fleet_free(f);
}

static const struct {
	const char *yaml, *msg;
} error_cases[] = {
	{ HDR "prevention: [a]\n",
	  "kdrift.yaml:3:1: prevention must be a mapping, not a list" },
	{ HDR "prevention:\n  appliers: x\n",
	  "kdrift.yaml:4:3: prevention.appliers must be a list, not a string" },
	{ HDR "prevention:\n  applier: [x]\n",
	  "kdrift.yaml:4:3: unknown key 'applier' in prevention (did you mean 'appliers'?)" },
	{ HDR "prevention:\n  appliers: [a, 5]\n",
	  "kdrift.yaml:4:17: prevention.appliers[1] must be a string, not an integer" },
	{ HDR "prevention:\n  appliers:\n    - \"\"\n",
	  "kdrift.yaml:5:7: prevention.appliers[0] is empty" },
	{ HDR "prevention:\n  appliers:\n    - \"system:serviceaccount:flux-system:*\"\n",
	  "kdrift.yaml:5:7: prevention.appliers[0] holds '*' or '?' (names are matched "
	  "exactly, not as patterns)" },
	{ HDR "prevention:\n  applierGroups:\n    - \"ops \"\n",
	  "kdrift.yaml:5:7: prevention.applierGroups[0] starts or ends with a space" },
	{ HDR "prevention:\n  applierGroups:\n    - \"a\\tb\"\n",
	  "kdrift.yaml:5:7: prevention.applierGroups[0] holds a control character" },
	{ HDR "prevention:\n  appliers: []\n",
	  "kdrift.yaml:3:1: prevention names no applier: give appliers or applierGroups "
	  "(leave prevention out for Flux's and Argo CD's defaults)" },
	{ HDR "breakGlass:\n  group: \"\"\n",
	  "kdrift.yaml:4:3: breakGlass.group is empty" },
	{ HDR "breakGlass:\n  group: [a]\n",
	  "kdrift.yaml:4:3: breakGlass.group must be a string, not a list" },
	{ HDR "breakGlass:\n  group: \"on?call\"\n",
	  "kdrift.yaml:4:3: breakGlass.group holds '*' or '?' (names are matched exactly, "
	  "not as patterns)" },
};

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const char *y = error_cases[i].yaml;
		kd_fleet *f = (kd_fleet *)1;
		int rc = kd_fleet_parse(&f, y, strlen(y), "kdrift.yaml");

		if (rc != KD_EINVAL)
			fail_msg("case %zu parsed (rc %d), want:\n  %s", i, rc,
				 error_cases[i].msg);
		assert_null(f);
		if (strcmp(kd_error_last(), error_cases[i].msg) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i,
				 kd_error_last(), error_cases[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_given),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
