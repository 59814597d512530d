/*
 * Tests for core/data/kedit.c: adding a list entry to a kustomization.yaml in
 * place, keeping every other byte a person wrote.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"

static json_t *patch_entry(const char *path)
{
	json_t *e = json_pack("{s:s}", "path", path);

	assert_non_null(e);
	return e;
}

/* Runs the edit and checks the result equals `want` byte for byte. */
static void check(const char *in, const char *key, json_t *entry,
		  const char *want, bool want_added)
{
	kd_buf out = KD_BUF_INIT;
	bool added = true;
	int rc = kd_kedit_list_add(&out, &added, in, strlen(in),
				   "kustomization.yaml", key, entry);

	if (rc < 0)
		fail_msg("%s", kd_error_last());
	assert_string_equal(kd_buf_cstr(&out), want);
	assert_int_equal(added, want_added);
	kd_buf_free(&out);
	json_decref(entry);
}

static void test_kedit_appends_to_block_list_keeping_comments(void **state)
{
	(void)state;
	check("# cluster overlay for us-east\n"
	      "apiVersion: kustomize.config.k8s.io/v1beta1\n"
	      "kind: Kustomization\n"
	      "resources:\n"
	      "  - ../../base   # shared\n"
	      "patches:\n"
	      "  # scale for the region\n"
	      "  - path: replicas.yaml\n"
	      "    target:\n"
	      "      kind: Deployment\n"
	      "\n"
	      "# images pinned by release\n"
	      "images:\n"
	      "- name: web\n"
	      "  newTag: \"1.2\"\n",
	      "patches", patch_entry("kdrift-accepted/deployment-web-api.yaml"),
	      "# cluster overlay for us-east\n"
	      "apiVersion: kustomize.config.k8s.io/v1beta1\n"
	      "kind: Kustomization\n"
	      "resources:\n"
	      "  - ../../base   # shared\n"
	      "patches:\n"
	      "  # scale for the region\n"
	      "  - path: replicas.yaml\n"
	      "    target:\n"
	      "      kind: Deployment\n"
	      "  - path: kdrift-accepted/deployment-web-api.yaml\n"
	      "\n"
	      "# images pinned by release\n"
	      "images:\n"
	      "- name: web\n"
	      "  newTag: \"1.2\"\n", true);
}

static void test_kedit_column_zero_items(void **state)
{
	(void)state;
	check("resources:\n- ../base\n- cm.yaml\nnamespace: web\n",
	      "resources", json_string("kdrift-accepted/x.yaml"),
	      "resources:\n- ../base\n- cm.yaml\n- kdrift-accepted/x.yaml\nnamespace: web\n",
	      true);
}

static void test_kedit_creates_missing_key_with_house_indent(void **state)
{
	(void)state;
	check("resources:\n    - ../base\nnamespace: web", /* no final newline */
	      "patches", patch_entry("kdrift-accepted/a.yaml"),
	      "resources:\n    - ../base\nnamespace: web\n"
	      "patches:\n    - path: kdrift-accepted/a.yaml\n", true);
}

static void test_kedit_empty_and_null_values(void **state)
{
	(void)state;
	check("patches: [] # none yet\nresources:\n- ../base\n",
	      "patches", patch_entry("a.yaml"),
	      "patches: # none yet\n- path: a.yaml\nresources:\n- ../base\n", true);
	check("patches: ~\nresources:\n  - ../base\n",
	      "patches", patch_entry("a.yaml"),
	      "patches:\n  - path: a.yaml\nresources:\n  - ../base\n", true);
	check("patches:\nresources:\n- ../base\n",
	      "patches", patch_entry("a.yaml"),
	      "patches:\n- path: a.yaml\nresources:\n- ../base\n", true);
}

static void test_kedit_flow_list(void **state)
{
	(void)state;
	check("resources: [../base, cm.yaml]  # flow\n",
	      "resources", json_string("extra.yaml"),
	      "resources: [../base, cm.yaml, extra.yaml]  # flow\n", true);
}

static void test_kedit_last_line_and_document_marker(void **state)
{
	(void)state;
	check("patches:\n- path: a.yaml", "patches", patch_entry("b.yaml"),
	      "patches:\n- path: a.yaml\n- path: b.yaml\n", true);
	check("---\nresources:\n- a.yaml\n...\n", "resources", json_string("b.yaml"),
	      "---\nresources:\n- a.yaml\n- b.yaml\n...\n", true);
	/* patchesStrategicMerge is another key. */
	check("patchesStrategicMerge:\n- old.yaml\n", "patches", patch_entry("b.yaml"),
	      "patchesStrategicMerge:\n- old.yaml\npatches:\n- path: b.yaml\n", true);
}

static void test_kedit_crlf(void **state)
{
	(void)state;
	check("resources:\r\n- ../base\r\n", "resources", json_string("b.yaml"),
	      "resources:\r\n- ../base\r\n- b.yaml\r\n", true);
}

static void test_kedit_present_is_unchanged(void **state)
{
	(void)state;
	check("patches:\n- path: a.yaml\n  target: {kind: Deployment}\n",
	      "patches", patch_entry("a.yaml"),
	      "patches:\n- path: a.yaml\n  target: {kind: Deployment}\n", false);
}

static void test_kedit_block_scalar_item(void **state)
{
	(void)state;
	/* An inline patch whose text holds a line starting with '#'. */
	check("patches:\n"
	      "  - patch: |-\n"
	      "      # not a comment: text of the patch\n"
	      "      - op: replace\n"
	      "        path: /spec/replicas\n"
	      "        value: 3\n"
	      "    target:\n"
	      "      kind: Deployment\n",
	      "patches", patch_entry("b.yaml"),
	      "patches:\n"
	      "  - patch: |-\n"
	      "      # not a comment: text of the patch\n"
	      "      - op: replace\n"
	      "        path: /spec/replicas\n"
	      "        value: 3\n"
	      "    target:\n"
	      "      kind: Deployment\n"
	      "  - path: b.yaml\n", true);
}

static void test_kedit_refuses_what_it_cannot_edit(void **state)
{
	kd_buf out = KD_BUF_INIT;
	bool added;
	json_t *e = patch_entry("a.yaml");
	const char *multi = "patches: [\n  {path: x.yaml}\n]\n";
	const char *notlist = "patches:\n  path: x.yaml\n";

	(void)state;
	assert_int_equal(kd_kedit_list_add(&out, &added, multi, strlen(multi),
					   "k.yaml", "patches", e), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "k.yaml:1"));
	assert_int_equal(kd_kedit_list_add(&out, &added, notlist, strlen(notlist),
					   "k.yaml", "patches", e), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "not a list"));
	json_decref(e);
	e = json_string("a b.yaml");
	assert_int_equal(kd_kedit_list_add(&out, &added, "", 0, "k.yaml",
					   "resources", e), KD_EINVAL);
	json_decref(e);
	kd_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kedit_appends_to_block_list_keeping_comments),
		cmocka_unit_test(test_kedit_column_zero_items),
		cmocka_unit_test(test_kedit_creates_missing_key_with_house_indent),
		cmocka_unit_test(test_kedit_empty_and_null_values),
		cmocka_unit_test(test_kedit_flow_list),
		cmocka_unit_test(test_kedit_last_line_and_document_marker),
		cmocka_unit_test(test_kedit_crlf),
		cmocka_unit_test(test_kedit_present_is_unchanged),
		cmocka_unit_test(test_kedit_block_scalar_item),
		cmocka_unit_test(test_kedit_refuses_what_it_cannot_edit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
