/*
 * Tests for core/act/breakglass_edit.c: what a break-glass edit hands the
 * editor (server fields left out, Secret values masked with the diff's
 * masks, never in clear nor in base64, the last-applied copy masked too),
 * reading the edited text back (unchanged masks restored to the live
 * values, masked values changed, added or removed refused, identity
 * refused, nothing edited is nothing), a non-Secret round trip, and the
 * private file (0600 in a 0700 directory, removed with what the editor
 * left beside it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "act/act.h"
#include "base/base.h"
#include "data/data.h"
#include "diff/diff.h"

/* "hunter2-value" and "plain-token-value" in base64. */
#define PASSWORD "hunter2-value"
#define PASSWORD_B64 "aHVudGVyMi12YWx1ZQ=="
#define TOKEN "plain-token-value"
#define TOKEN_B64 "cGxhaW4tdG9rZW4tdmFsdWU="

static const char secret_json[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":\"Opaque\","
	"\"metadata\":{\"name\":\"db\",\"namespace\":\"shop\",\"uid\":\"u-9\","
	"\"resourceVersion\":\"77\",\"creationTimestamp\":\"2026-11-01T00:00:00Z\","
	"\"labels\":{\"app\":\"db\"},"
	"\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
	"\"{\\\"stringData\\\":{\\\"password\\\":\\\"" PASSWORD "\\\"}}\"},"
	"\"managedFields\":[{\"manager\":\"kubectl\"}]},"
	"\"data\":{\"password\":\"" PASSWORD_B64 "\",\"empty\":\"\"},"
	"\"stringData\":{\"token\":\"" TOKEN "\"}}";

static const char configmap_json[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	"\"metadata\":{\"name\":\"cfg\",\"namespace\":\"shop\",\"uid\":\"u-1\","
	"\"resourceVersion\":\"12\",\"managedFields\":[{\"manager\":\"kubectl\"}]},"
	"\"data\":{\"LOG_LEVEL\":\"info\",\"MODE\":\"production\"}}";

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (!v)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	return v;
}

/* The text with the first `from` replaced by `to`, as an editor would. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	kd_buf b = KD_BUF_INIT;

	if (!at)
		fail_msg("'%s' is not in the text:\n%s", from, text);
	assert_int_equal(kd_buf_add(&b, text, (size_t)(at - text)), 0);
	assert_int_equal(kd_buf_puts(&b, to), 0);
	assert_int_equal(kd_buf_puts(&b, at + strlen(from)), 0);
	return kd_buf_detach(&b);
}

/* The shown object changed by `change` and written as YAML again: an edit
 * made through the structure rather than the text. */
static char *edited_as(const kd_breakglass_edit *e, const char *pointer, json_t *value)
{
	json_t *doc = NULL;
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_yaml_parse_one(&doc, NULL, e->text, strlen(e->text), "t", NULL), 0);
	if (value)
		assert_int_equal(kd_json_pointer_set(doc, pointer, value, true), 0);
	else
		assert_int_equal(kd_json_pointer_remove(doc, pointer), 0);
	assert_int_equal(kd_yaml_emit(&b, doc), 0);
	json_decref(doc);
	return kd_buf_detach(&b);
}

static int restore(json_t **out, const kd_breakglass_edit *e, const char *text)
{
	return kd_breakglass_edit_restore(out, e, text, strlen(text));
}

static void assert_refused(const kd_breakglass_edit *e, char *text, const char *what)
{
	json_t *obj = NULL;
	kd_breakglass_change *ch = NULL;

	assert_int_equal(restore(&obj, e, text), KD_EINVAL);
	assert_null(obj);
	assert_non_null(strstr(kd_error_last(), "Secret values cannot be edited"));
	if (!strstr(kd_error_last(), what))
		fail_msg("'%s' is not in: %s", what, kd_error_last());
	assert_non_null(strstr(kd_error_last(), "nothing was changed"));
	assert_int_equal(kd_breakglass_plan_edit_text(&ch, e, text, strlen(text)), KD_EINVAL);
	assert_null(ch);
	free(text);
}

/* ---- preparing -------------------------------------------------------------- */

static void test_secret_values_never_in_text(void **state)
{
	json_t *live = parse(secret_json), *mask = NULL, *v = json_string(PASSWORD_B64);
	kd_breakglass_edit *e = NULL;
	kd_buf want = KD_BUF_INIT;

	(void)state;
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", live), 0);
	assert_null(strstr(e->text, PASSWORD));
	assert_null(strstr(e->text, PASSWORD_B64));
	assert_null(strstr(e->text, TOKEN));
	assert_null(strstr(e->text, TOKEN_B64));
	/* The diff's masks: the operator can match them with what the diff shows. */
	assert_int_equal(kd_diff_mask_secret_value(&mask, v, true), 0);
	assert_int_equal(kd_buf_printf(&want, "password: %s\n", json_string_value(mask)), 0);
	assert_non_null(strstr(e->text, kd_buf_cstr(&want)));
	assert_string_equal(kd_json_str(kd_json_obj(e->shown, "data"), "password"),
			    json_string_value(mask));
	assert_non_null(strstr(kd_json_str(kd_json_obj(e->shown, "stringData"), "token"), "<masked:"));
	assert_non_null(strstr(kd_json_str(kd_json_obj(kd_json_obj(e->shown, "metadata"),
							"annotations"),
					   KD_REMEDY_LAST_APPLIED), "<masked:"));
	/* An empty value has nothing to hide and stays as it is. */
	assert_string_equal(kd_json_str(kd_json_obj(e->shown, "data"), "empty"), "");
	/* The server's bookkeeping is not offered for editing; the rest is. */
	assert_null(strstr(e->text, "managedFields:"));
	assert_null(strstr(e->text, "resourceVersion:"));
	assert_null(strstr(e->text, "u-9"));
	assert_non_null(strstr(e->text, "app: db"));
	assert_non_null(strstr(e->text, "# Break-glass edit of Secret shop/db on cluster prod."));
	assert_non_null(strstr(e->text, "Secret values are masked"));
	/* The live object itself is untouched. */
	assert_string_equal(kd_json_str(kd_json_obj(live, "data"), "password"), PASSWORD_B64);
	kd_buf_free(&want);
	json_decref(mask);
	json_decref(v);
	kd_breakglass_edit_free(e);
	json_decref(live);
}

static void test_prepare_needs_an_object(void **state)
{
	json_t *nameless = parse("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{}}");
	kd_breakglass_edit *e = NULL;

	(void)state;
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", nameless), KD_EINVAL);
	assert_null(e);
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", NULL), KD_EINVAL);
	json_decref(nameless);
}

/* ---- reading back ----------------------------------------------------------- */

static void test_unchanged_masks_restored(void **state)
{
	json_t *live = parse(secret_json), *obj = NULL, *want;
	kd_breakglass_edit *e = NULL;
	kd_breakglass_change *ch = NULL;
	char *text;

	(void)state;
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", live), 0);
	text = replaced(e->text, "app: db", "app: db\n    incident: INC-7");
	assert_int_equal(restore(&obj, e, text), 0);
	assert_non_null(obj);
	/* Every mask is the live value again: data, stringData, last-applied. */
	assert_true(kd_json_equal(json_object_get(obj, "data"), json_object_get(live, "data")));
	assert_true(kd_json_equal(json_object_get(obj, "stringData"),
				  json_object_get(live, "stringData")));
	assert_string_equal(kd_json_str(kd_json_obj(kd_json_obj(obj, "metadata"), "annotations"),
					KD_REMEDY_LAST_APPLIED),
			    kd_json_str(kd_json_obj(kd_json_obj(live, "metadata"), "annotations"),
					KD_REMEDY_LAST_APPLIED));
	assert_string_equal(kd_json_str(kd_json_obj(kd_json_obj(obj, "metadata"), "labels"),
					"incident"), "INC-7");
	json_decref(obj);

	/* The planned change is the label alone: no value, no mask. */
	assert_int_equal(kd_breakglass_plan_edit_text(&ch, e, text, strlen(text)), 0);
	assert_non_null(ch);
	want = parse("{\"metadata\":{\"labels\":{\"incident\":\"INC-7\"}}}");
	assert_true(kd_json_equal(ch->patch, want));
	assert_string_equal(ch->resource_version, "77");
	assert_string_equal(ch->cluster, "prod");
	assert_null(strstr(ch->preview, PASSWORD_B64));
	json_decref(want);
	kd_breakglass_change_free(ch);
	free(text);

	/* The last-applied copy may go (not change). */
	text = edited_as(e, "/metadata/annotations", NULL);
	assert_int_equal(restore(&obj, e, text), 0);
	assert_null(kd_json_obj(kd_json_obj(obj, "metadata"), "annotations"));
	assert_true(kd_json_equal(json_object_get(obj, "data"), json_object_get(live, "data")));
	json_decref(obj);
	free(text);
	kd_breakglass_edit_free(e);
	json_decref(live);
}

static void test_masked_value_edited_refused(void **state)
{
	json_t *live = parse(secret_json);
	kd_breakglass_edit *e = NULL;
	const char *mask;

	(void)state;
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", live), 0);
	mask = kd_json_str(kd_json_obj(e->shown, "data"), "password");
	/* A new value typed over the mask. */
	assert_refused(e, replaced(e->text, mask, "bmV3"), "changes data.password");
	/* The real value typed over the mask is a change too: the mask is what was shown. */
	assert_refused(e, replaced(e->text, mask, PASSWORD_B64), "changes data.password");
	/* A mask invented under a new key (copied from another). */
	assert_refused(e, edited_as(e, "/data/copy", json_string(mask)), "adds data.copy");
	/* A value added in clear, and a key removed. */
	assert_refused(e, edited_as(e, "/data/new", json_string("bmV3")), "adds data.new");
	assert_refused(e, edited_as(e, "/data/password", NULL), "removes data.password");
	assert_refused(e, edited_as(e, "/data", NULL), "removes data");
	/* An empty value is shown as it is, but it is a Secret value all the same. */
	assert_refused(e, edited_as(e, "/data/empty", json_string("bmV3")), "changes data.empty");
	/* The last-applied copy holds the values: it may not change. */
	assert_refused(e, edited_as(e, "/metadata/annotations/kubectl.kubernetes.io~1"
				    "last-applied-configuration", json_string("{}")),
		       "changes the kubectl.kubernetes.io/last-applied-configuration annotation");
	kd_breakglass_edit_free(e);
	json_decref(live);
}

static void test_string_data(void **state)
{
	json_t *live = parse(secret_json), *obj = NULL, *v = json_string(TOKEN), *mask = NULL;
	kd_breakglass_edit *e = NULL;

	(void)state;
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", live), 0);
	/* stringData is masked as text (not decoded first), the diff's way. */
	assert_int_equal(kd_diff_mask_secret_value(&mask, v, false), 0);
	assert_string_equal(kd_json_str(kd_json_obj(e->shown, "stringData"), "token"),
			    json_string_value(mask));
	assert_refused(e, replaced(e->text, json_string_value(mask), "other"),
		       "changes stringData.token");
	assert_refused(e, edited_as(e, "/stringData/extra", json_string("x")),
		       "adds stringData.extra");
	assert_refused(e, edited_as(e, "/stringData", NULL), "removes stringData");
	/* Left alone it comes back as it was. */
	{
		char *text = edited_as(e, "/type", json_string("Opaque"));

		assert_int_equal(restore(&obj, e, text), 0);
		assert_string_equal(kd_json_str(kd_json_obj(obj, "stringData"), "token"), TOKEN);
		json_decref(obj);
		free(text);
	}
	json_decref(mask);
	json_decref(v);
	kd_breakglass_edit_free(e);
	json_decref(live);

	/* A Secret with stringData alone: no data key appears from nowhere. */
	live = parse("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\","
		     "\"resourceVersion\":\"3\"},\"stringData\":{\"k\":\"" TOKEN "\"}}");
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", live), 0);
	assert_null(strstr(e->text, TOKEN));
	assert_refused(e, edited_as(e, "/data", json_pack("{s:s}", "k", TOKEN_B64)), "adds data.k");
	{
		char *text = edited_as(e, "/metadata/labels", json_pack("{s:s}", "a", "b"));

		assert_int_equal(restore(&obj, e, text), 0);
		assert_null(json_object_get(obj, "data"));
		assert_string_equal(kd_json_str(kd_json_obj(obj, "stringData"), "k"), TOKEN);
		json_decref(obj);
		free(text);
	}
	kd_breakglass_edit_free(e);
	json_decref(live);
}

static void test_nothing_edited_and_identity(void **state)
{
	json_t *live = parse(secret_json), *obj = NULL;
	kd_breakglass_edit *e = NULL;
	kd_breakglass_change *ch = NULL;
	char *text;

	(void)state;
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", live), 0);
	/* The text as it was handed over: nothing to do, and no error. */
	assert_int_equal(restore(&obj, e, e->text), 0);
	assert_null(obj);
	assert_int_equal(kd_breakglass_plan_edit_text(&ch, e, e->text, strlen(e->text)), 0);
	assert_null(ch);
	/* Renamed: refused before anything else. */
	text = replaced(e->text, "name: db", "name: db2");
	assert_int_equal(restore(&obj, e, text), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "metadata.name from 'db' to 'db2'"));
	free(text);
	text = replaced(e->text, "kind: Secret", "kind: ConfigMap");
	assert_int_equal(restore(&obj, e, text), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "kind from 'Secret' to 'ConfigMap'"));
	free(text);
	/* Not one object. */
	assert_int_equal(restore(&obj, e, "- a\n- b\n"), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "not one object"));
	assert_true(restore(&obj, e, "metadata: [\n") < 0);
	assert_null(obj);
	kd_breakglass_edit_free(e);
	json_decref(live);
}

static void test_configmap_round_trip(void **state)
{
	json_t *live = parse(configmap_json), *obj = NULL, *want;
	kd_breakglass_edit *e = NULL;
	kd_breakglass_change *ch = NULL;
	char *text;

	(void)state;
	assert_int_equal(kd_breakglass_edit_new(&e, "dev", live), 0);
	/* Not a Secret: values in clear, nothing masked. */
	assert_non_null(strstr(e->text, "LOG_LEVEL: info"));
	assert_null(strstr(e->text, "masked"));
	assert_null(strstr(e->text, "managedFields:"));
	/* Read back unedited in structure (re-emitted): the live object less the
	 * server's bookkeeping. */
	text = edited_as(e, "/data/MODE", json_string("production"));
	assert_int_equal(restore(&obj, e, text), 0);
	want = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
		     "\"namespace\":\"shop\"},\"data\":{\"LOG_LEVEL\":\"info\",\"MODE\":\"production\"}}");
	assert_true(kd_json_equal(obj, want));
	json_decref(want);
	json_decref(obj);
	assert_int_equal(kd_breakglass_plan_edit_text(&ch, e, text, strlen(text)), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "changes nothing"));
	free(text);
	/* An edit of a value is the patch of that value. */
	text = replaced(e->text, "LOG_LEVEL: info", "LOG_LEVEL: debug");
	assert_int_equal(kd_breakglass_plan_edit_text(&ch, e, text, strlen(text)), 0);
	want = parse("{\"data\":{\"LOG_LEVEL\":\"debug\"}}");
	assert_true(kd_json_equal(ch->patch, want));
	assert_int_equal(ch->kind, KD_BREAKGLASS_EDIT);
	assert_string_equal(ch->resource_version, "12");
	json_decref(want);
	kd_breakglass_change_free(ch);
	free(text);
	kd_breakglass_edit_free(e);
	json_decref(live);
}

/* ---- the file ------------------------------------------------------------------ */

static void test_private_file(void **state)
{
	json_t *live = parse(secret_json);
	kd_breakglass_edit *e = NULL;
	kd_breakglass_change *ch = NULL;
	char tmp[] = "/tmp/kd-bgedit.XXXXXX", *dir, leftover[512], *text;
	const char *old_tmpdir = getenv("TMPDIR");
	char *saved = old_tmpdir ? strdup(old_tmpdir) : NULL;
	kd_buf content = KD_BUF_INIT;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(setenv("TMPDIR", tmp, 1), 0);
	assert_int_equal(kd_breakglass_edit_new(&e, "prod", live), 0);
	assert_int_equal(kd_breakglass_plan_edit_file(&ch, e), KD_EINVAL); /* no file yet */
	assert_int_equal(kd_breakglass_edit_file(e), 0);
	assert_non_null(e->path);
	assert_int_equal(strncmp(e->path, tmp, strlen(tmp)), 0);
	assert_non_null(strstr(e->path, "/secret-shop-db.yaml"));
	assert_int_equal(stat(e->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(dir = strdup(e->path));
	*strrchr(dir, '/') = '\0';
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(kd_buf_read_file(&content, e->path, 1 << 20), 0);
	assert_string_equal(kd_buf_cstr(&content), e->text);
	assert_int_equal(kd_breakglass_edit_file(e), KD_EINVAL); /* once */

	/* Saved unchanged: nothing to do. */
	assert_int_equal(kd_breakglass_plan_edit_file(&ch, e), 0);
	assert_null(ch);
	/* An edit saved in the file is read back from it. */
	text = replaced(e->text, "app: db", "app: db2");
	assert_non_null(f = fopen(e->path, "w"));
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_equal(kd_breakglass_plan_edit_file(&ch, e), 0);
	assert_non_null(ch);
	assert_non_null(strstr(ch->preview, "app: db2"));
	kd_breakglass_change_free(ch);

	/* What an editor leaves beside the file goes with it. */
	snprintf(leftover, sizeof(leftover), "%s/.secret-shop-db.yaml.swp", dir);
	assert_non_null(f = fopen(leftover, "w"));
	fclose(f);
	kd_breakglass_edit_free(e);
	assert_int_equal(access(leftover, F_OK), -1);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(rmdir(tmp), 0);   /* empty: nothing else was left */

	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	free(dir);
	kd_buf_free(&content);
	json_decref(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_values_never_in_text),
		cmocka_unit_test(test_prepare_needs_an_object),
		cmocka_unit_test(test_unchanged_masks_restored),
		cmocka_unit_test(test_masked_value_edited_refused),
		cmocka_unit_test(test_string_data),
		cmocka_unit_test(test_nothing_edited_and_identity),
		cmocka_unit_test(test_configmap_round_trip),
		cmocka_unit_test(test_private_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
