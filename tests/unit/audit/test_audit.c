/*
 * Tests for core/audit*.c: the hash chain a clean log verifies with, every
 * kind of tampering verify must catch (with the right line), concurrent
 * appends from two processes, recovery after an interrupted write, Secret
 * masking, filters and the break-glass follow-up list.
 */
#define _GNU_SOURCE  /* nftw's FTW_DEPTH and FTW_PHYS */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "base/base.h"
#include "data/data.h"

struct scratch {
	char dir[512];
	char log[600];
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	const char *tmp = getenv("TMPDIR");

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "%s/kd-audit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->log, sizeof(s->log), "%s/audit.jsonl", s->dir);
	*state = s;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;

	nftw(s->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

static kd_audit_entry entry(const char *action, enum kd_audit_phase phase)
{
	kd_audit_entry e;

	memset(&e, 0, sizeof(e));
	e.action = action;
	e.phase = phase;
	e.user = "alice";
	e.host = "ops-1";
	e.reason = "test";
	e.cluster = "dev-1";
	e.object.api_version = "apps/v1";
	e.object.kind = "Deployment";
	e.object.namespace_ = "shop";
	e.object.name = "cart";
	if (phase == KD_AUDIT_PHASE_OUTCOME)
		e.status = KD_AUDIT_STATUS_SUCCESS;
	return e;
}

static void append_n(const char *log, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		kd_audit_entry e = entry(KD_AUDIT_ACTION_REVERT, KD_AUDIT_PHASE_INTENT);
		char reason[32];

		snprintf(reason, sizeof(reason), "record %d", i + 1);
		e.reason = reason;
		assert_int_equal(kd_audit_append(NULL, log, &e), 0);
	}
}

/* The file split at '\n'; a last piece without '\n' is kept as a line. */
static char **load_lines(const char *path, size_t *n)
{
	kd_buf b = KD_BUF_INIT;
	char **lines = NULL;
	char *p, *nl;

	assert_int_equal(kd_buf_read_file(&b, path, 0), 0);
	*n = 0;
	for (p = b.data; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		lines = realloc(lines, (*n + 1) * sizeof(*lines));
		assert_non_null(lines);
		lines[(*n)++] = nl ? strndup(p, (size_t)(nl - p)) : strdup(p);
		if (!nl)
			break;
	}
	kd_buf_free(&b);
	return lines;
}

static void save_lines(const char *path, char **lines, size_t n, bool last_newline)
{
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", lines[i], i + 1 < n || last_newline ? "\n" : "");
	fclose(f);
}

static void free_lines(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static kd_audit_verify_result *verify(const char *log)
{
	kd_audit_verify_result *res = NULL;

	assert_int_equal(kd_audit_verify(&res, log), 0);
	assert_non_null(res);
	return res;
}

static bool has_problem(const kd_audit_verify_result *r, enum kd_audit_problem_kind kind,
			size_t line)
{
	size_t i;

	for (i = 0; i < r->n_problems; i++)
		if (r->problems[i].kind == kind && r->problems[i].line == line)
			return true;
	for (i = 0; i < r->n_problems; i++)
		print_message("problem: %s (%s)\n", r->problems[i].message,
			      kd_audit_problem_name(r->problems[i].kind));
	return false;
}

/* ---- appending and a clean chain ---- */

static void test_clean_chain_links_each_line_to_the_previous(void **state)
{
	struct scratch *s = *state;
	kd_audit_entry in = entry(KD_AUDIT_ACTION_REVERT, KD_AUDIT_PHASE_INTENT);
	kd_audit_entry out = entry(KD_AUDIT_ACTION_REVERT, KD_AUDIT_PHASE_OUTCOME);
	char id1[KD_AUDIT_ID_SIZE], id2[KD_AUDIT_ID_SIZE];
	json_t *patch = json_pack("{s:{s:i}}", "spec", "replicas", 3);
	kd_audit_verify_result *res;
	char **lines, hash[65];
	json_t *r1, *r2;
	size_t n;

	in.rv_before = "41";
	in.patch = patch;
	assert_int_equal(kd_audit_append(id1, s->log, &in), 0);
	out.intent_id = id1;
	out.rv_before = "41";
	out.rv_after = "42";
	out.message = "patched";
	assert_int_equal(kd_audit_append(id2, s->log, &out), 0);
	assert_string_not_equal(id1, id2);
	/* Ids sort by time: the later record's id is not smaller. */
	assert_true(strcmp(id1, id2) < 0 || strncmp(id1, id2, 18) == 0);
	assert_int_equal(strlen(id1), KD_AUDIT_ID_SIZE - 1);

	lines = load_lines(s->log, &n);
	assert_int_equal(n, 2);
	r1 = json_loads(lines[0], 0, NULL);
	r2 = json_loads(lines[1], 0, NULL);
	assert_non_null(r1);
	assert_non_null(r2);
	assert_string_equal(kd_json_str(r1, "prev"), KD_AUDIT_GENESIS);
	kd_sha256_hex(hash, lines[0], strlen(lines[0]));
	assert_string_equal(kd_json_str(r2, "prev"), hash);
	assert_int_equal(json_integer_value(json_object_get(r2, "seq")), 2);
	assert_string_equal(kd_json_str(r1, "id"), id1);
	assert_string_equal(kd_json_str(r1, "phase"), "intent");
	assert_true(json_is_null(json_object_get(r1, "outcome")));
	assert_true(kd_json_equal(json_object_get(r1, "patch"), patch));
	assert_string_equal(kd_json_str(r2, "intent"), id1);
	assert_string_equal(kd_json_str(kd_json_obj(r2, "outcome"), "status"), "success");
	assert_string_equal(kd_json_str(kd_json_obj(r2, "resourceVersion"), "after"), "42");
	assert_string_equal(kd_json_str(kd_json_obj(r2, "object"), "kind"), "Deployment");
	assert_string_equal(kd_json_str(r2, "mode"), "normal");
	/* RFC 3339 UTC with milliseconds: 2026-11-26T03:05:19.123Z */
	assert_int_equal(strlen(kd_json_str(r1, "time")), 24);
	assert_int_equal(kd_json_str(r1, "time")[19], '.');
	assert_int_equal(kd_json_str(r1, "time")[23], 'Z');

	res = verify(s->log);
	assert_true(res->ok);
	assert_int_equal(res->records, 2);
	assert_int_equal(res->head_seq, 2);
	kd_sha256_hex(hash, lines[1], strlen(lines[1]));
	assert_string_equal(res->head, hash);

	kd_audit_verify_result_free(res);
	json_decref(r1);
	json_decref(r2);
	json_decref(patch);
	free_lines(lines, n);
}

static void test_default_path_and_file_modes(void **state)
{
	struct scratch *s = *state;
	char *saved = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
	char want[700], dir[700], *path = NULL;
	kd_audit_entry e = entry(KD_AUDIT_ACTION_SCALE, KD_AUDIT_PHASE_INTENT);
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/state", s->dir);
	setenv("XDG_STATE_HOME", dir, 1);
	assert_int_equal(kd_audit_default_path(&path), 0);
	snprintf(want, sizeof(want), "%s/state/kdrift/audit.jsonl", s->dir);
	assert_string_equal(path, want);
	free(path);

	assert_int_equal(kd_audit_append(NULL, NULL, &e), 0);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(dir, sizeof(dir), "%s/state/kdrift", s->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* A relative XDG_STATE_HOME is ignored, as the XDG spec requires. */
	setenv("XDG_STATE_HOME", "relative/state", 1);
	assert_int_equal(kd_audit_default_path(&path), 0);
	assert_non_null(strstr(path, "/.local/state/kdrift/audit.jsonl"));
	assert_int_equal(path[0], '/');
	free(path);

	if (saved)
		setenv("XDG_STATE_HOME", saved, 1);
	else
		unsetenv("XDG_STATE_HOME");
	free(saved);
}

static void test_invalid_entries_write_nothing(void **state)
{
	struct scratch *s = *state;
	kd_audit_entry e = entry(NULL, KD_AUDIT_PHASE_INTENT);
	struct stat st;

	assert_int_equal(kd_audit_append(NULL, s->log, &e), KD_EINVAL);
	e = entry("Revert Now", KD_AUDIT_PHASE_INTENT);
	assert_int_equal(kd_audit_append(NULL, s->log, &e), KD_EINVAL);
	e = entry(KD_AUDIT_ACTION_REVERT, KD_AUDIT_PHASE_OUTCOME);
	e.status = KD_AUDIT_STATUS_NONE;
	assert_int_equal(kd_audit_append(NULL, s->log, &e), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "outcome"));
	e = entry(KD_AUDIT_ACTION_REVERT, KD_AUDIT_PHASE_INTENT);
	e.status = KD_AUDIT_STATUS_FAILURE;
	assert_int_equal(kd_audit_append(NULL, s->log, &e), KD_EINVAL);
	assert_int_equal(stat(s->log, &st), -1);
}

static void test_unwritable_location_is_an_io_error(void **state)
{
	struct scratch *s = *state;
	kd_audit_entry e = entry(KD_AUDIT_ACTION_REVERT, KD_AUDIT_PHASE_INTENT);
	char path[700];
	FILE *f;

	/* A regular file where a directory of the path belongs. */
	snprintf(path, sizeof(path), "%s/blocker", s->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/blocker/kdrift/audit.jsonl", s->dir);
	assert_int_equal(kd_audit_append(NULL, path, &e), KD_EIO);
	assert_non_null(strstr(kd_error_last(), "blocker"));
}

static void test_concurrent_appends_from_two_processes(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	pid_t pid[2];
	int i, status;

	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			int k;

			for (k = 0; k < 40; k++) {
				kd_audit_entry e = entry(i ? KD_AUDIT_ACTION_SCALE : KD_AUDIT_ACTION_RESTART,
							 KD_AUDIT_PHASE_INTENT);

				if (kd_audit_append(NULL, s->log, &e) != 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	res = verify(s->log);
	assert_true(res->ok);
	assert_int_equal(res->records, 80);
	assert_int_equal(res->head_seq, 80);
	kd_audit_verify_result_free(res);
}

/* ---- tampering ---- */

static void test_verify_catches_an_edited_record(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	char **lines, *p;
	size_t n;

	append_n(s->log, 4);
	lines = load_lines(s->log, &n);
	p = strstr(lines[1], "record 2");
	assert_non_null(p);
	p[7] = '9';  /* still valid JSON, different bytes */
	save_lines(s->log, lines, n, true);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_EDITED, 2));
	assert_int_equal(res->n_problems, 1);
	assert_non_null(strstr(res->problems[0].message, "line 2"));
	kd_audit_verify_result_free(res);

	/* An edit that breaks the JSON is still pinned on line 2, not on
	 * the intact record after it. */
	p = strstr(lines[1], "\"reason\"");
	assert_non_null(p);
	p[0] = ' ';
	save_lines(s->log, lines, n, true);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_MALFORMED, 2));
	assert_true(has_problem(res, KD_AUDIT_EDITED, 2));
	assert_int_equal(res->n_problems, 2);
	kd_audit_verify_result_free(res);
	free_lines(lines, n);
}

static void test_verify_catches_a_removed_record(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	char **lines;
	size_t n;

	append_n(s->log, 4);
	lines = load_lines(s->log, &n);
	free(lines[1]);
	memmove(&lines[1], &lines[2], 2 * sizeof(*lines));
	save_lines(s->log, lines, 3, true);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_REMOVED, 2));
	kd_audit_verify_result_free(res);

	/* Removing the first record is caught too: seq 2 cannot come first. */
	free(lines[0]);
	memmove(&lines[0], &lines[1], 2 * sizeof(*lines));
	save_lines(s->log, lines, 2, true);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_REMOVED, 1));
	kd_audit_verify_result_free(res);
	free_lines(lines, 2);
}

static void test_verify_catches_a_reordered_pair(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	char **lines, *t;
	size_t n;

	append_n(s->log, 4);
	lines = load_lines(s->log, &n);
	t = lines[1];
	lines[1] = lines[2];
	lines[2] = t;
	save_lines(s->log, lines, n, true);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_REORDERED, 2));
	assert_true(has_problem(res, KD_AUDIT_REORDERED, 3));
	kd_audit_verify_result_free(res);
	free_lines(lines, n);
}

static void test_verify_reports_garbage_in_the_middle(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	char **lines;
	size_t n;

	append_n(s->log, 3);
	lines = load_lines(s->log, &n);
	lines = realloc(lines, (n + 1) * sizeof(*lines));
	assert_non_null(lines);
	memmove(&lines[2], &lines[1], (n - 1) * sizeof(*lines));
	lines[1] = strdup("this is not json");
	n++;
	save_lines(s->log, lines, n, true);
	res = verify(s->log);
	assert_false(res->ok);
	/* The inserted line is the only problem: the chain around it holds. */
	assert_true(has_problem(res, KD_AUDIT_MALFORMED, 2));
	assert_int_equal(res->n_problems, 1);
	assert_int_equal(res->records, 3);
	assert_int_equal(res->lines, 4);
	kd_audit_verify_result_free(res);
	free_lines(lines, n);
}

static void test_verify_catches_a_duplicated_line(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	char **lines;
	size_t n;

	append_n(s->log, 2);
	lines = load_lines(s->log, &n);
	lines = realloc(lines, 3 * sizeof(*lines));
	assert_non_null(lines);
	lines[2] = strdup(lines[1]);
	save_lines(s->log, lines, 3, true);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_DUPLICATE, 3));
	kd_audit_verify_result_free(res);
	free_lines(lines, 3);
}

static void test_truncated_tail_is_reported_and_skipped_by_the_next_append(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	char **lines, anchor[700];
	kd_buf head = KD_BUF_INIT;
	size_t n, i;

	/* A crash halfway through the write of record 3: the anchor, written
	 * after the record, still names record 2. */
	append_n(s->log, 2);
	snprintf(anchor, sizeof(anchor), "%s.head", s->log);
	assert_int_equal(kd_buf_read_file(&head, anchor, 0), 0);
	append_n(s->log, 1);
	assert_int_equal(kd_fs_write_atomic(anchor, head.data, head.len), 0);
	kd_buf_free(&head);
	lines = load_lines(s->log, &n);
	lines[2][strlen(lines[2]) / 2] = '\0';
	save_lines(s->log, lines, n, false);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_TRUNCATED, 3));
	assert_int_equal(res->records, 2);
	kd_audit_verify_result_free(res);

	/* The next append starts a new line and chains to record 2. */
	append_n(s->log, 1);
	res = verify(s->log);
	assert_false(res->ok);
	assert_true(has_problem(res, KD_AUDIT_MALFORMED, 3));
	assert_int_equal(res->n_problems, 1);
	assert_int_equal(res->records, 3);
	assert_int_equal(res->head_seq, 3);
	kd_audit_verify_result_free(res);
	free_lines(lines, n);

	/* Deleting the reported partial line leaves a clean log. */
	lines = load_lines(s->log, &n);
	assert_int_equal(n, 4);
	free(lines[2]);
	lines[2] = lines[3];
	save_lines(s->log, lines, 3, true);
	res = verify(s->log);
	assert_true(res->ok);
	kd_audit_verify_result_free(res);
	for (i = 0; i < 3; i++)
		free(lines[i]);
	free(lines);
}

static void test_a_whole_record_that_lost_its_newline_stays_in_the_chain(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res;
	char **lines;
	size_t n;

	append_n(s->log, 2);
	lines = load_lines(s->log, &n);
	save_lines(s->log, lines, n, false);
	append_n(s->log, 1);
	res = verify(s->log);
	assert_true(res->ok);
	assert_int_equal(res->records, 3);
	assert_int_equal(res->head_seq, 3);
	kd_audit_verify_result_free(res);
	free_lines(lines, n);
}

static void test_append_refuses_to_chain_to_garbage(void **state)
{
	struct scratch *s = *state;
	kd_audit_entry e = entry(KD_AUDIT_ACTION_REVERT, KD_AUDIT_PHASE_INTENT);
	kd_buf before = KD_BUF_INIT, after = KD_BUF_INIT;
	FILE *f;

	append_n(s->log, 1);
	f = fopen(s->log, "a");
	assert_non_null(f);
	fputs("{\"edited\": true}\n", f);
	fclose(f);
	assert_int_equal(kd_buf_read_file(&before, s->log, 0), 0);
	assert_int_equal(kd_audit_append(NULL, s->log, &e), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "kdrift audit verify"));
	assert_int_equal(kd_buf_read_file(&after, s->log, 0), 0);
	assert_string_equal(kd_buf_cstr(&before), kd_buf_cstr(&after));
	kd_buf_free(&before);
	kd_buf_free(&after);
}

static void test_verify_of_a_missing_log_is_not_found(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *res = NULL;

	assert_int_equal(kd_audit_verify(&res, s->log), KD_ENOTFOUND);
	assert_null(res);
}

/* ---- Secret masking ---- */

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &err);

	if (!v)
		fail_msg("bad test JSON '%s': %s", text, err.text);
	return v;
}

static void assert_masked(const json_t *value, const char *kind, const char *want)
{
	json_t *got = NULL, *expect = parse(want);

	assert_int_equal(kd_audit_mask_secret(&got, value, kind), 0);
	if (!kd_json_equal(got, expect)) {
		char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);

		print_error("got %s\nwant %s\n", g, want);
		free(g);
		fail();
	}
	json_decref(got);
	json_decref(expect);
}

static void test_secret_patch_is_masked_in_the_log(void **state)
{
	struct scratch *s = *state;
	kd_audit_entry e = entry(KD_AUDIT_ACTION_BREAK_GLASS_EDIT, KD_AUDIT_PHASE_INTENT);
	json_t *patch = parse("{\"data\":{\"password\":\"aHVudGVyMg==\",\"old\":null},"
			      "\"stringData\":{\"token\":\"s3cr3t-t0ken\"},"
			      "\"metadata\":{\"labels\":{\"tier\":\"db\"}}}");
	kd_buf text = KD_BUF_INIT;
	kd_audit_list *list = NULL;
	json_t *logged;

	e.object.api_version = "v1";
	e.object.kind = "Secret";
	e.patch = patch;
	assert_int_equal(kd_audit_append(NULL, s->log, &e), 0);
	assert_int_equal(kd_buf_read_file(&text, s->log, 0), 0);
	assert_null(strstr(kd_buf_cstr(&text), "aHVudGVyMg=="));
	assert_null(strstr(kd_buf_cstr(&text), "s3cr3t-t0ken"));
	/* The caller's patch is left alone. */
	assert_string_equal(kd_json_str(kd_json_obj(patch, "data"), "password"), "aHVudGVyMg==");

	assert_int_equal(kd_audit_list_load(&list, s->log, NULL), 0);
	assert_int_equal(list->count, 1);
	logged = json_object_get(list->items[0].json, "patch");
	assert_string_equal(kd_json_str(kd_json_obj(logged, "data"), "password"), KD_AUDIT_MASK);
	assert_string_equal(kd_json_str(kd_json_obj(logged, "stringData"), "token"), KD_AUDIT_MASK);
	/* Which keys changed, removals and other fields stay readable. */
	assert_true(json_is_null(json_object_get(kd_json_obj(logged, "data"), "old")));
	assert_string_equal(kd_json_str(kd_json_obj(kd_json_obj(logged, "metadata"), "labels"), "tier"),
			    "db");
	kd_audit_list_free(list);
	kd_buf_free(&text);
	json_decref(patch);
}

static void test_mask_secret_helper(void **state)
{
	json_t *v;

	(void)state;
	/* A whole Secret declares its own kind. */
	v = parse("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"a\":\"YQ==\"},"
		  "\"metadata\":{\"name\":\"db\",\"annotations\":{"
		  "\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"data\\\":{\\\"a\\\":\\\"YQ==\\\"}}\","
		  "\"team\":\"x\"}}}");
	assert_masked(v, NULL, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"a\":\"<masked>\"},"
		      "\"metadata\":{\"name\":\"db\",\"annotations\":{"
		      "\"kubectl.kubernetes.io/last-applied-configuration\":\"<masked>\",\"team\":\"x\"}}}");
	json_decref(v);

	/* RFC 6902 patches: values written under data and stringData. */
	v = parse("[{\"op\":\"replace\",\"path\":\"/data/a\",\"value\":\"YQ==\"},"
		  "{\"op\":\"add\",\"path\":\"/stringData\",\"value\":{\"b\":\"bee\"}},"
		  "{\"op\":\"test\",\"path\":\"/data\",\"value\":{\"c\":\"Yw==\"}},"
		  "{\"op\":\"remove\",\"path\":\"/data/d\"},"
		  "{\"op\":\"replace\",\"path\":\"/metadata/labels/x\",\"value\":\"y\"},"
		  "{\"op\":\"replace\",\"path\":\"/dataset\",\"value\":\"kept\"}]");
	assert_masked(v, "Secret",
		      "[{\"op\":\"replace\",\"path\":\"/data/a\",\"value\":\"<masked>\"},"
		      "{\"op\":\"add\",\"path\":\"/stringData\",\"value\":{\"b\":\"<masked>\"}},"
		      "{\"op\":\"test\",\"path\":\"/data\",\"value\":{\"c\":\"<masked>\"}},"
		      "{\"op\":\"remove\",\"path\":\"/data/d\"},"
		      "{\"op\":\"replace\",\"path\":\"/metadata/labels/x\",\"value\":\"y\"},"
		      "{\"op\":\"replace\",\"path\":\"/dataset\",\"value\":\"kept\"}]");
	/* The same patch on a ConfigMap is not secret. */
	{
		json_t *same_v = NULL;

		assert_int_equal(kd_audit_mask_secret(&same_v, v, "ConfigMap"), 0);
		assert_true(kd_json_equal(same_v, v));
		json_decref(same_v);
	}
	json_decref(v);

	/* A List carries Secrets among other objects. */
	v = parse("{\"kind\":\"List\",\"items\":[{\"kind\":\"Secret\",\"data\":{\"k\":\"dg==\"}},"
		  "{\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}]}");
	assert_masked(v, NULL, "{\"kind\":\"List\",\"items\":[{\"kind\":\"Secret\",\"data\":{\"k\":\"<masked>\"}},"
		      "{\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}]}");
	json_decref(v);

	/* A scalar where data's map belongs is masked whole. */
	v = parse("{\"data\":\"oops\"}");
	assert_masked(v, "Secret", "{\"data\":\"<masked>\"}");
	json_decref(v);
}

/* ---- reading and filters ---- */

static char *fixture(const char *name)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_buf_printf(&b, "%s/tests/fixtures/audit/%s", root ? root : ".", name), 0);
	return kd_buf_detach(&b);
}

static size_t count(const char *path, const kd_audit_filter *f)
{
	kd_audit_list *list = NULL;
	size_t n;

	assert_int_equal(kd_audit_list_load(&list, path, f), 0);
	n = list->count;
	kd_audit_list_free(list);
	return n;
}

static void test_sample_fixture_verifies(void **state)
{
	char *path = fixture("sample.jsonl");
	kd_audit_verify_result *res;

	(void)state;
	res = verify(path);
	assert_true(res->ok);
	assert_int_equal(res->records, 6);
	kd_audit_verify_result_free(res);
	free(path);
}

static void test_filters(void **state)
{
	char *path = fixture("sample.jsonl");
	kd_audit_filter f;
	kd_audit_list *list = NULL;
	const char *ids[] = { "20261120T090000000Z-0000000000000001" };

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(count(path, NULL), 6);
	assert_int_equal(kd_audit_parse_time(&f.since_ms, "2026-11-22T14:30:00Z", 0), 0);
	assert_int_equal(count(path, &f), 4);  /* since is inclusive */
	assert_int_equal(kd_audit_parse_time(&f.until_ms, "2026-11-26", 0), 0);
	assert_int_equal(count(path, &f), 3);  /* until is exclusive */
	memset(&f, 0, sizeof(f));
	f.cluster = "eu-west-prod-1";
	assert_int_equal(count(path, &f), 4);
	f.action = KD_AUDIT_ACTION_ACCEPT;
	assert_int_equal(count(path, &f), 2);
	memset(&f, 0, sizeof(f));
	f.cluster = "no-such-cluster";
	assert_int_equal(count(path, &f), 0);

	/* Asking for an intent's id shows its outcome too. */
	memset(&f, 0, sizeof(f));
	f.ids = ids;
	f.n_ids = 1;
	assert_int_equal(kd_audit_list_load(&list, path, &f), 0);
	assert_int_equal(list->count, 2);
	assert_string_equal(list->items[0].phase, "intent");
	assert_int_equal(list->items[0].line, 1);
	assert_string_equal(list->items[1].intent_id, ids[0]);
	assert_int_equal(list->items[1].line, 2);
	assert_int_equal(list->items[1].time_ms, list->items[0].time_ms + 250);
	assert_int_equal(list->items[1].seq, 2);
	{
		kd_buf line = KD_BUF_INIT;

		assert_int_equal(kd_audit_record_summary(&line, &list->items[1]), 0);
		assert_string_equal(kd_buf_cstr(&line),
				    "2026-11-20T09:00:00.250Z alice normal revert outcome/success "
				    "eu-west-prod-1 Deployment shop/cart 20261120T090000250Z-0000000000000002");
		kd_buf_free(&line);
	}
	kd_audit_list_free(list);
	free(path);
}

static int stop_after_two(const kd_audit_record *rec, void *ctx)
{
	int *seen = ctx;

	(void)rec;
	return ++*seen == 2 ? 7 : 0;
}

static void test_read_stops_when_asked_and_treats_a_missing_log_as_empty(void **state)
{
	struct scratch *s = *state;
	char *path = fixture("sample.jsonl");
	int seen = 0;

	assert_int_equal(kd_audit_read(path, NULL, stop_after_two, &seen), 7);
	assert_int_equal(seen, 2);
	seen = 0;
	assert_int_equal(kd_audit_read(s->log, NULL, stop_after_two, &seen), 0);
	assert_int_equal(seen, 0);
	free(path);
}

static void test_parse_time(void **state)
{
	int64_t ms = 0;
	const int64_t now = 1764126319123LL;  /* 2025-11-26T03:05:19.123Z */

	(void)state;
	assert_int_equal(kd_audit_parse_time(&ms, "1970-01-01T00:00:00Z", now), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(kd_audit_parse_time(&ms, "2025-11-26T03:05:19.123Z", now), 0);
	assert_int_equal(ms, now);
	assert_int_equal(kd_audit_parse_time(&ms, "2025-11-26T04:05:19.123+01:00", now), 0);
	assert_int_equal(ms, now);
	assert_int_equal(kd_audit_parse_time(&ms, "2000-02-29", now), 0);
	assert_int_equal(ms, 951782400000LL);
	assert_int_equal(kd_audit_parse_time(&ms, "90s", now), 0);
	assert_int_equal(ms, now - 90000);
	assert_int_equal(kd_audit_parse_time(&ms, "2h", now), 0);
	assert_int_equal(ms, now - 7200000);
	assert_int_equal(kd_audit_parse_time(&ms, "7d", now), 0);
	assert_int_equal(ms, now - 7LL * 86400000);
	assert_int_equal(kd_audit_parse_time(&ms, "yesterday", now), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "yesterday"));
	assert_int_equal(kd_audit_parse_time(&ms, "2025-13-01", now), KD_EINVAL);
	assert_int_equal(kd_audit_parse_time(&ms, "2025-11-26T03:05", now), KD_EINVAL);
	assert_int_equal(kd_audit_parse_time(&ms, "5w", now), KD_EINVAL);
}

/* ---- break-glass follow-up ---- */

static void bg_change(const char *log, const char *name, const char *action,
		      enum kd_audit_status status)
{
	kd_audit_entry e = entry(action, KD_AUDIT_PHASE_INTENT);
	char id[KD_AUDIT_ID_SIZE];

	e.mode = KD_AUDIT_MODE_BREAK_GLASS;
	e.object.name = name;
	e.session = "bg-1";
	assert_int_equal(kd_audit_append(id, log, &e), 0);
	if (status == KD_AUDIT_STATUS_NONE)
		return;  /* the process died during the API call */
	e.phase = KD_AUDIT_PHASE_OUTCOME;
	e.status = status;
	e.intent_id = id;
	assert_int_equal(kd_audit_append(NULL, log, &e), 0);
}

static void follow_up(const char *log, const char *name, const char *action,
		      enum kd_audit_status status)
{
	kd_audit_entry e = entry(action, KD_AUDIT_PHASE_OUTCOME);

	e.object.name = name;
	e.status = status;
	assert_int_equal(kd_audit_append(NULL, log, &e), 0);
}

static const char *object_name(const kd_audit_record *r)
{
	return kd_json_str(kd_json_obj(r->json, "object"), "name");
}

static void test_open_breakglass_changes(void **state)
{
	struct scratch *s = *state;
	kd_audit_list *open = NULL;
	kd_audit_entry start = entry(KD_AUDIT_ACTION_BREAK_GLASS_START, KD_AUDIT_PHASE_OUTCOME);

	start.mode = KD_AUDIT_MODE_BREAK_GLASS;
	assert_int_equal(kd_audit_append(NULL, s->log, &start), 0);
	bg_change(s->log, "a", KD_AUDIT_ACTION_SCALE, KD_AUDIT_STATUS_SUCCESS);
	bg_change(s->log, "b", KD_AUDIT_ACTION_DELETE, KD_AUDIT_STATUS_FAILURE);
	bg_change(s->log, "c", KD_AUDIT_ACTION_SET_IMAGE, KD_AUDIT_STATUS_NONE);
	bg_change(s->log, "d", KD_AUDIT_ACTION_RESTART, KD_AUDIT_STATUS_SUCCESS);
	follow_up(s->log, "d", KD_AUDIT_ACTION_ACCEPT, KD_AUDIT_STATUS_SUCCESS);
	follow_up(s->log, "a", KD_AUDIT_ACTION_REVERT, KD_AUDIT_STATUS_FAILURE);

	assert_int_equal(kd_audit_open_breakglass(&open, s->log), 0);
	assert_int_equal(open->count, 2);
	assert_string_equal(object_name(&open->items[0]), "a");
	assert_string_equal(open->items[0].phase, "outcome");
	assert_string_equal(object_name(&open->items[1]), "c");
	assert_string_equal(open->items[1].phase, "intent");
	kd_audit_list_free(open);

	follow_up(s->log, "a", KD_AUDIT_ACTION_REVERT, KD_AUDIT_STATUS_SUCCESS);
	follow_up(s->log, "c", KD_AUDIT_ACTION_ACKNOWLEDGE, KD_AUDIT_STATUS_SUCCESS);
	assert_int_equal(kd_audit_open_breakglass(&open, s->log), 0);
	assert_int_equal(open->count, 0);
	kd_audit_list_free(open);

	/* A follow-up only closes changes made before it. */
	bg_change(s->log, "a", KD_AUDIT_ACTION_SCALE, KD_AUDIT_STATUS_SUCCESS);
	assert_int_equal(kd_audit_open_breakglass(&open, s->log), 0);
	assert_int_equal(open->count, 1);
	kd_audit_list_free(open);
}

#define T(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_clean_chain_links_each_line_to_the_previous),
		T(test_default_path_and_file_modes),
		T(test_invalid_entries_write_nothing),
		T(test_unwritable_location_is_an_io_error),
		T(test_concurrent_appends_from_two_processes),
		T(test_verify_catches_an_edited_record),
		T(test_verify_catches_a_removed_record),
		T(test_verify_catches_a_reordered_pair),
		T(test_verify_reports_garbage_in_the_middle),
		T(test_verify_catches_a_duplicated_line),
		T(test_truncated_tail_is_reported_and_skipped_by_the_next_append),
		T(test_a_whole_record_that_lost_its_newline_stays_in_the_chain),
		T(test_append_refuses_to_chain_to_garbage),
		T(test_verify_of_a_missing_log_is_not_found),
		T(test_secret_patch_is_masked_in_the_log),
		cmocka_unit_test(test_mask_secret_helper),
		cmocka_unit_test(test_sample_fixture_verifies),
		cmocka_unit_test(test_filters),
		T(test_read_stops_when_asked_and_treats_a_missing_log_as_empty),
		cmocka_unit_test(test_parse_time),
		T(test_open_breakglass_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
