/*
 * The audit log's tamper matrix: edit, delete, reorder, duplicate, cut
 * tail, empty, forged append and full rewrite, each without and with a key,
 * and what the anchor (LOG.head), the headWas note of a later append, the
 * commit-trailer heads and the MACs each catch; the documented limits of an
 * unkeyed log are asserted too, so the man page cannot promise more.
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
#include <unistd.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "base/base.h"
#include "data/data.h"

#define KEY "correct horse battery staple 0123456789"

struct scratch {
	char dir[512];
	char log[600];
	char anchor[700];
	char key[600];
	char wrong_key[600];
	const char *use_key;   /* the key file the test writes with, or NULL */
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	const char *tmp = getenv("TMPDIR");

	if (!s)
		return -1;
	unsetenv(KD_AUDIT_KEY_ENV);
	snprintf(s->dir, sizeof(s->dir), "%s/kd-tamper.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->log, sizeof(s->log), "%s/audit.jsonl", s->dir);
	snprintf(s->anchor, sizeof(s->anchor), "%s.head", s->log);
	snprintf(s->key, sizeof(s->key), "%s/audit.key", s->dir);
	snprintf(s->wrong_key, sizeof(s->wrong_key), "%s/wrong.key", s->dir);
	write_file(s->key, KEY "\n", 0600);
	write_file(s->wrong_key, "another key entirely, 1234567890\n", 0600);
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

static void append_n(struct scratch *s, int n)
{
	kd_audit_log log = { s->log, s->use_key ? s->use_key : "" };
	int i;

	for (i = 0; i < n; i++) {
		kd_audit_entry e;
		char reason[32];

		memset(&e, 0, sizeof(e));
		snprintf(reason, sizeof(reason), "record %d", i + 1);
		e.action = KD_AUDIT_ACTION_REVERT;
		e.user = "alice";
		e.host = "ops-1";
		e.reason = reason;
		e.cluster = "dev-1";
		e.object.kind = "Deployment";
		e.object.name = "cart";
		assert_int_equal(kd_audit_write(NULL, NULL, &log, &e), 0);
	}
}

/* ---- the file as lines ---- */

struct lines {
	char **l;
	size_t n;
};

static struct lines load(const char *path)
{
	kd_buf b = KD_BUF_INIT;
	struct lines ls = { NULL, 0 };
	char *p, *nl;

	if (kd_buf_read_file(&b, path, 0) < 0) {
		kd_error_clear();
		return ls;
	}
	for (p = b.data; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		ls.l = realloc(ls.l, (ls.n + 1) * sizeof(*ls.l));
		assert_non_null(ls.l);
		ls.l[ls.n++] = nl ? strndup(p, (size_t)(nl - p)) : strdup(p);
		if (!nl)
			break;
	}
	kd_buf_free(&b);
	return ls;
}

static void save(const char *path, const struct lines *ls)
{
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < ls->n; i++)
		fprintf(f, "%s\n", ls->l[i]);
	fclose(f);
}

static void drop(struct lines *ls, size_t from, size_t count)
{
	size_t i;

	for (i = from; i < from + count; i++)
		free(ls->l[i]);
	memmove(&ls->l[from], &ls->l[from + count], (ls->n - from - count) * sizeof(*ls->l));
	ls->n -= count;
}

static void release(struct lines *ls)
{
	drop(ls, 0, ls->n);
	free(ls->l);
	ls->l = NULL;
}

/* What someone without the key can do: rebuild the records from `from`
 * on, each with seq and prev recomputed and the MAC dropped, after
 * `change` (may be NULL) altered the record at index `at`. */
static void rechain(struct lines *ls, size_t from, size_t at, const char *new_reason)
{
	char prev[65];
	size_t i;

	if (from == 0)
		memcpy(prev, KD_AUDIT_GENESIS, 65);
	else
		kd_sha256_hex(prev, ls->l[from - 1], strlen(ls->l[from - 1]));
	for (i = from; i < ls->n; i++) {
		json_t *r = json_loads(ls->l[i], 0, NULL);

		assert_non_null(r);
		json_object_del(r, "mac");
		json_object_set_new(r, "seq", json_integer((json_int_t)i + 1));
		json_object_set_new(r, "prev", json_string(prev));
		if (i == at && new_reason)
			json_object_set_new(r, "reason", json_string(new_reason));
		free(ls->l[i]);
		ls->l[i] = json_dumps(r, JSON_COMPACT);
		json_decref(r);
		kd_sha256_hex(prev, ls->l[i], strlen(ls->l[i]));
	}
}

/* A record appended by hand with the right seq and prev. */
static void forge_append(struct lines *ls)
{
	json_t *r = json_loads(ls->l[ls->n - 1], 0, NULL);
	char prev[65];

	assert_non_null(r);
	kd_sha256_hex(prev, ls->l[ls->n - 1], strlen(ls->l[ls->n - 1]));
	json_object_del(r, "mac");
	json_object_set_new(r, "seq", json_integer((json_int_t)ls->n + 1));
	json_object_set_new(r, "prev", json_string(prev));
	json_object_set_new(r, "id", json_string("20261205T000000000Z-00000000deadbeef"));
	json_object_set_new(r, "reason", json_string("nothing to see here"));
	ls->l = realloc(ls->l, (ls->n + 1) * sizeof(*ls->l));
	assert_non_null(ls->l);
	ls->l[ls->n++] = json_dumps(r, JSON_COMPACT);
	json_decref(r);
}

/* The anchor as someone without the key would write it for the file's
 * last line. */
static void forge_anchor(struct scratch *s, const struct lines *ls)
{
	char hash[65], text[200];

	if (ls->n)
		kd_sha256_hex(hash, ls->l[ls->n - 1], strlen(ls->l[ls->n - 1]));
	snprintf(text, sizeof(text), "{\"seq\":%zu,\"hash\":\"%s\",\"id\":\"x\"}\n", ls->n,
		 ls->n ? hash : KD_AUDIT_GENESIS);
	write_file(s->anchor, text, 0600);
}

/* ---- verifying ---- */

static kd_audit_verify_result *verify_heads(const struct scratch *s, const char *key,
					    const kd_audit_head *heads, size_t n)
{
	kd_audit_verify_opts o = { key ? key : "", heads, n };
	kd_audit_verify_result *res = NULL;

	assert_int_equal(kd_audit_verify_with(&res, s->log, &o), 0);
	assert_non_null(res);
	return res;
}

static kd_audit_verify_result *verify(const struct scratch *s, const char *key)
{
	return verify_heads(s, key, NULL, 0);
}

static void show(const kd_audit_verify_result *r)
{
	size_t i;

	for (i = 0; i < r->n_problems; i++)
		print_message("problem: %s (%s)\n", r->problems[i].message,
			      kd_audit_problem_name(r->problems[i].kind));
}

/* The problem of that kind at that line (0: the log as a whole). */
static const kd_audit_problem *find(const kd_audit_verify_result *r,
				    enum kd_audit_problem_kind kind, size_t line)
{
	size_t i;

	for (i = 0; i < r->n_problems; i++)
		if (r->problems[i].kind == kind && r->problems[i].line == line)
			return &r->problems[i];
	show(r);
	return NULL;
}

static void expect_only(kd_audit_verify_result *r, enum kd_audit_problem_kind kind,
			size_t line, const char *words)
{
	const kd_audit_problem *p = find(r, kind, line);

	assert_false(r->ok);
	assert_non_null(p);
	if (words && !strstr(p->message, words)) {
		show(r);
		fail_msg("'%s' not in the message", words);
	}
	kd_audit_verify_result_free(r);
}

/* ---- without a key ---- */

static void test_clean_log_matches_its_anchor(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *r;
	struct stat st;

	append_n(s, 4);
	assert_int_equal(stat(s->anchor, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	r = verify(s, NULL);
	show(r);
	assert_true(r->ok);
	assert_int_equal(r->anchor_state, KD_AUDIT_ANCHOR_MATCH);
	assert_int_equal(r->anchor.seq, 4);
	assert_string_equal(r->anchor.hash, r->head);
	assert_false(r->keyed);
	assert_int_equal(r->macs, 0);
	kd_audit_verify_result_free(r);
}

static void test_old_log_without_anchor_still_verifies(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *r;

	append_n(s, 3);
	assert_int_equal(unlink(s->anchor), 0);
	r = verify(s, NULL);
	assert_true(r->ok);
	assert_int_equal(r->anchor_state, KD_AUDIT_ANCHOR_NONE);
	kd_audit_verify_result_free(r);
}

static void test_edit_delete_reorder_duplicate(void **state)
{
	struct scratch *s = *state;
	struct lines ls, orig;
	char *t;

	append_n(s, 5);
	orig = load(s->log);

	ls = load(s->log);  /* edit in the middle */
	t = strstr(ls.l[1], "record 2");
	t[7] = '7';
	save(s->log, &ls);
	expect_only(verify(s, NULL), KD_AUDIT_EDITED, 2, "line 2");
	release(&ls);

	ls = load(s->log);  /* edit of the last record: only the anchor sees it */
	save(s->log, &orig);
	release(&ls);
	ls = load(s->log);
	t = strstr(ls.l[4], "record 5");
	t[7] = '7';
	save(s->log, &ls);
	expect_only(verify(s, NULL), KD_AUDIT_REWRITTEN, 5, "seq 5");
	release(&ls);

	ls = load(s->log);  /* delete */
	save(s->log, &orig);
	release(&ls);
	ls = load(s->log);
	drop(&ls, 2, 1);
	save(s->log, &ls);
	expect_only(verify(s, NULL), KD_AUDIT_REMOVED, 3, "seq 3");
	release(&ls);

	ls = load(s->log);  /* reorder */
	save(s->log, &orig);
	release(&ls);
	ls = load(s->log);
	t = ls.l[1];
	ls.l[1] = ls.l[2];
	ls.l[2] = t;
	save(s->log, &ls);
	expect_only(verify(s, NULL), KD_AUDIT_REORDERED, 2, "out of order");
	release(&ls);

	ls = load(s->log);  /* duplicate */
	save(s->log, &orig);
	release(&ls);
	ls = load(s->log);
	ls.l = realloc(ls.l, (ls.n + 1) * sizeof(*ls.l));
	ls.l[ls.n++] = strdup(ls.l[1]);
	save(s->log, &ls);
	expect_only(verify(s, NULL), KD_AUDIT_DUPLICATE, 6, "repeats line 2");
	release(&ls);
	release(&orig);
}

static void test_cut_tail_and_emptied_log(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *r;
	struct lines ls;

	append_n(s, 5);
	ls = load(s->log);
	drop(&ls, 3, 2);
	save(s->log, &ls);
	r = verify(s, NULL);
	assert_int_equal(r->anchor_state, KD_AUDIT_ANCHOR_MISMATCH);
	expect_only(r, KD_AUDIT_CUT, 3, "2 records were cut off");

	/* Keeping only the first record is a cut too. */
	drop(&ls, 1, 2);
	save(s->log, &ls);
	expect_only(verify(s, NULL), KD_AUDIT_CUT, 1, "seq 5");

	drop(&ls, 0, 1);
	save(s->log, &ls);  /* an empty file */
	expect_only(verify(s, NULL), KD_AUDIT_EMPTIED, 0, "seq 5");
	assert_int_equal(unlink(s->log), 0);  /* or no file at all */
	expect_only(verify(s, NULL), KD_AUDIT_EMPTIED, 0, "emptied");
	release(&ls);
}

static void test_appending_after_a_cut_keeps_the_evidence(void **state)
{
	struct scratch *s = *state;
	struct lines ls;

	append_n(s, 4);
	ls = load(s->log);
	drop(&ls, 2, 2);
	save(s->log, &ls);
	append_n(s, 1);  /* the anchor moves on, but the record says what it was */
	expect_only(verify(s, NULL), KD_AUDIT_CUT, 3, "anchor recorded seq 4");
	release(&ls);

	assert_int_equal(unlink(s->log), 0);
	append_n(s, 1);
	expect_only(verify(s, NULL), KD_AUDIT_EMPTIED, 1, "emptied");
}

static void test_forged_append_without_a_key(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *r;
	struct lines ls;

	append_n(s, 3);
	ls = load(s->log);
	forge_append(&ls);
	save(s->log, &ls);
	expect_only(verify(s, NULL), KD_AUDIT_UNANCHORED, 4, "1 record from here on");

	/* A kdrift append after it still records that the anchor lagged. */
	append_n(s, 1);
	expect_only(verify(s, NULL), KD_AUDIT_UNANCHORED, 5, "seq 4 to 4");

	/* The limit without a key: whoever can write the anchor too can
	 * append undetected. */
	release(&ls);
	ls = load(s->log);
	drop(&ls, 3, 2);
	forge_append(&ls);
	save(s->log, &ls);
	forge_anchor(s, &ls);
	r = verify(s, NULL);
	assert_true(r->ok);
	kd_audit_verify_result_free(r);
	release(&ls);
}

static void test_full_rewrite_without_a_key(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *r;
	kd_audit_head early;
	struct lines ls;

	append_n(s, 2);
	r = verify(s, NULL);
	early.seq = r->head_seq;  /* as a commit trailer would have kept it */
	memcpy(early.hash, r->head, 65);
	kd_audit_verify_result_free(r);
	append_n(s, 3);

	ls = load(s->log);
	rechain(&ls, 0, 1, "nothing happened");
	save(s->log, &ls);
	/* The chain is consistent again; the anchor is not fooled. */
	expect_only(verify(s, NULL), KD_AUDIT_REWRITTEN, 5, "rewritten");

	/* Anchor rewritten too: the chain and the anchor agree, and only a
	 * head kept elsewhere (a commit trailer) still tells. */
	forge_anchor(s, &ls);
	r = verify(s, NULL);
	assert_true(r->ok);
	kd_audit_verify_result_free(r);
	r = verify_heads(s, NULL, &early, 1);
	assert_int_equal(r->heads_checked, 1);
	expect_only(r, KD_AUDIT_REWRITTEN, 2, "a commit trailer");

	/* A trailer head beyond the log's end: the tail was cut. */
	early.seq = 9;
	expect_only(verify_heads(s, NULL, &early, 1), KD_AUDIT_CUT, 5, "seq 9");
	release(&ls);
}

static void test_head_trailer_text(void **state)
{
	kd_audit_head h = { 42, { 0 } }, back;
	kd_buf b = KD_BUF_INIT;

	(void)state;
	memset(h.hash, 'a', 64);
	assert_int_equal(kd_audit_head_format(&b, &h), 0);
	assert_int_equal(strncmp(kd_buf_cstr(&b), "42 aaaa", 7), 0);
	assert_int_equal(kd_audit_head_parse(&back, kd_buf_cstr(&b)), 0);
	assert_int_equal(back.seq, 42);
	assert_string_equal(back.hash, h.hash);
	assert_int_equal(kd_audit_head_parse(&back, "  7 " KD_AUDIT_GENESIS " \n"), 0);
	assert_int_equal(back.seq, 7);
	assert_int_equal(kd_audit_head_parse(&back, "7"), KD_EINVAL);
	assert_int_equal(kd_audit_head_parse(&back, "x " KD_AUDIT_GENESIS), KD_EINVAL);
	assert_int_equal(kd_audit_head_parse(&back, "7 ABC"), KD_EINVAL);
	kd_buf_free(&b);
}

/* ---- with a key ---- */

static void test_keyed_log_verifies_and_never_holds_the_key(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *r;
	kd_buf all = KD_BUF_INIT;
	struct lines ls;
	size_t i;

	s->use_key = s->key;
	append_n(s, 3);
	ls = load(s->log);
	for (i = 0; i < ls.n; i++)
		assert_non_null(strstr(ls.l[i], ",\"mac\":\""));
	release(&ls);
	r = verify(s, s->key);
	show(r);
	assert_true(r->ok);
	assert_true(r->keyed);
	assert_int_equal(r->macs, 3);
	assert_int_equal(r->unkeyed, 0);
	assert_int_equal(r->anchor_state, KD_AUDIT_ANCHOR_MATCH);
	kd_audit_verify_result_free(r);

	/* Without the key the MACs are counted, not checked. */
	r = verify(s, NULL);
	assert_true(r->ok);
	assert_false(r->keyed);
	assert_int_equal(r->macs, 3);
	kd_audit_verify_result_free(r);

	assert_int_equal(kd_buf_read_file(&all, s->log, 0), 0);
	assert_null(strstr(kd_buf_cstr(&all), "horse"));
	kd_buf_free(&all);
	assert_int_equal(kd_buf_read_file(&all, s->anchor, 0), 0);
	assert_null(strstr(kd_buf_cstr(&all), "horse"));
	assert_non_null(strstr(kd_buf_cstr(&all), "\"mac\""));
	kd_buf_free(&all);

	/* The wrong key fails every record and the anchor. */
	r = verify(s, s->wrong_key);
	assert_non_null(find(r, KD_AUDIT_FORGED, 1));
	assert_non_null(find(r, KD_AUDIT_FORGED, 3));
	expect_only(r, KD_AUDIT_FORGED, 0, "anchor");
}

static void test_keyed_tamper_matrix(void **state)
{
	struct scratch *s = *state;
	struct lines ls, orig;
	char *t;

	s->use_key = s->key;
	append_n(s, 5);
	orig = load(s->log);

	ls = load(s->log);  /* edit of the last record */
	t = strstr(ls.l[4], "record 5");
	t[7] = '7';
	save(s->log, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_FORGED, 5, "MAC does not match");
	release(&ls);

	save(s->log, &orig);  /* delete, reorder, duplicate: the chain */
	ls = load(s->log);
	drop(&ls, 1, 1);
	save(s->log, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_REMOVED, 2, "seq 2");
	release(&ls);
	ls = load(s->log);
	save(s->log, &orig);
	release(&ls);
	ls = load(s->log);
	t = ls.l[2];
	ls.l[2] = ls.l[3];
	ls.l[3] = t;
	save(s->log, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_REORDERED, 3, "out of order");
	release(&ls);
	save(s->log, &orig);
	ls = load(s->log);
	ls.l = realloc(ls.l, (ls.n + 1) * sizeof(*ls.l));
	ls.l[ls.n++] = strdup(ls.l[0]);
	save(s->log, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_DUPLICATE, 6, "repeats line 1");
	release(&ls);

	/* Cut tail with the anchor moved by someone without the key. */
	save(s->log, &orig);
	ls = load(s->log);
	drop(&ls, 3, 2);
	save(s->log, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_CUT, 3, "2 records were cut off");
	forge_anchor(s, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_FORGED, 0, "has no MAC");
	release(&ls);

	/* Emptied, anchor and all. */
	ls = load(s->log);
	drop(&ls, 0, ls.n);
	save(s->log, &ls);
	forge_anchor(s, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_FORGED, 0, "anchor");
	assert_int_equal(unlink(s->anchor), 0);
	expect_only(verify(s, s->key), KD_AUDIT_NO_ANCHOR, 0, "no anchor");
	release(&ls);
	release(&orig);
}

static void test_keyed_forged_append_and_full_rewrite(void **state)
{
	struct scratch *s = *state;
	struct lines ls;

	s->use_key = s->key;
	append_n(s, 4);

	/* A forged append with the right prev, and the anchor moved. */
	ls = load(s->log);
	forge_append(&ls);
	save(s->log, &ls);
	forge_anchor(s, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_FORGED, 5, "no MAC although earlier records");
	release(&ls);

	/* Every record rewritten, hashes recomputed, anchor moved: without
	 * the key nothing can be made to verify. */
	ls = load(s->log);
	drop(&ls, 4, 1);
	rechain(&ls, 0, 1, "nothing happened");
	save(s->log, &ls);
	forge_anchor(s, &ls);
	expect_only(verify(s, s->key), KD_AUDIT_FORGED, 0, "anchor");
	release(&ls);
}

static void test_key_added_to_an_old_log(void **state)
{
	struct scratch *s = *state;
	kd_audit_verify_result *r;
	struct lines ls;

	append_n(s, 2);
	s->use_key = s->key;
	append_n(s, 2);
	r = verify(s, s->key);
	show(r);
	assert_true(r->ok);
	assert_int_equal(r->unkeyed, 2);
	assert_int_equal(r->macs, 2);
	kd_audit_verify_result_free(r);

	/* After the first keyed record, an unkeyed one is a forgery even when
	 * it is a rechained copy and the anchor was left alone. */
	ls = load(s->log);
	rechain(&ls, 3, 3, "rewritten");
	save(s->log, &ls);
	r = verify(s, s->key);
	assert_non_null(find(r, KD_AUDIT_REWRITTEN, 4));
	expect_only(r, KD_AUDIT_FORGED, 4, "no MAC");
	release(&ls);
}

static void test_key_from_the_environment_and_bad_key_files(void **state)
{
	struct scratch *s = *state;
	kd_audit_entry e;
	kd_audit_verify_result *r = NULL;
	char short_key[700];
	struct lines ls;

	memset(&e, 0, sizeof(e));
	e.action = KD_AUDIT_ACTION_ACCEPT;
	e.git_branch = "main";
	e.git_commit = "0123456789abcdef0123456789abcdef01234567";
	setenv(KD_AUDIT_KEY_ENV, s->key, 1);
	assert_int_equal(kd_audit_append(NULL, s->log, &e), 0);
	assert_int_equal(kd_audit_verify(&r, s->log), 0);
	assert_true(r->keyed);
	assert_int_equal(r->macs, 1);
	assert_true(r->ok);
	kd_audit_verify_result_free(r);
	ls = load(s->log);
	assert_non_null(strstr(ls.l[0], "\"git\":{\"branch\":\"main\",\"commit\":\"0123"));
	release(&ls);

	/* A key others can read is refused, and nothing is written. */
	assert_int_equal(chmod(s->key, 0644), 0);
	assert_int_equal(kd_audit_append(NULL, s->log, &e), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "chmod 600"));
	assert_null(strstr(kd_error_last(), "horse"));
	assert_int_equal(kd_audit_verify(&r, s->log), KD_EINVAL);
	assert_null(r);
	unsetenv(KD_AUDIT_KEY_ENV);
	ls = load(s->log);
	assert_int_equal(ls.n, 1);
	release(&ls);

	snprintf(short_key, sizeof(short_key), "%s/short.key", s->dir);
	write_file(short_key, "short\n", 0600);
	{
		kd_audit_log log = { s->log, short_key };

		assert_int_equal(kd_audit_write(NULL, NULL, &log, &e), KD_EINVAL);
		log.key_file = "/nonexistent/kdrift.key";
		assert_int_equal(kd_audit_write(NULL, NULL, &log, &e), KD_ENOTFOUND);
	}
}

static void test_write_reports_the_new_head(void **state)
{
	struct scratch *s = *state;
	kd_audit_log log = { s->log, "" };
	kd_audit_verify_result *r;
	kd_audit_head head;
	kd_audit_entry e;
	char id[KD_AUDIT_ID_SIZE];

	append_n(s, 2);
	memset(&e, 0, sizeof(e));
	e.action = KD_AUDIT_ACTION_ACCEPT;
	assert_int_equal(kd_audit_write(id, &head, &log, &e), 0);
	r = verify(s, NULL);
	assert_true(r->ok);
	assert_int_equal(head.seq, 3);
	assert_int_equal(r->head_seq, 3);
	assert_string_equal(head.hash, r->head);
	kd_audit_verify_result_free(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_clean_log_matches_its_anchor),
		T(test_old_log_without_anchor_still_verifies),
		T(test_edit_delete_reorder_duplicate),
		T(test_cut_tail_and_emptied_log),
		T(test_appending_after_a_cut_keeps_the_evidence),
		T(test_forged_append_without_a_key),
		T(test_full_rewrite_without_a_key),
		cmocka_unit_test(test_head_trailer_text),
		T(test_keyed_log_verifies_and_never_holds_the_key),
		T(test_keyed_tamper_matrix),
		T(test_keyed_forged_append_and_full_rewrite),
		T(test_key_added_to_an_old_log),
		T(test_key_from_the_environment_and_bad_key_files),
		T(test_write_reports_the_new_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
