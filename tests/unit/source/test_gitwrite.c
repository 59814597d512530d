/*
 * Tests for core/source/gitwrite.c: commits built on a commit's tree (a dirty work
 * tree is never picked up), compare-and-swap ref updates, push to a bare
 * remote with non-fast-forward refusal, and fetch.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "source/source.h"
#include "git_helpers.h"

typedef struct fixture {
	char dir[256];
	char work[300];
	char bare[300];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	git_libgit2_init();
	snprintf(f->dir, sizeof(f->dir), "%s/kd-gitwrite-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->work, sizeof(f->work), "%s/work", f->dir);
	snprintf(f->bare, sizeof(f->bare), "%s/remote.git", f->dir);
	th_init(f->work, false);
	th_write(f->work, "apps/web/kustomization.yaml", "resources: []\n");
	th_write(f->work, "README", "fleet\n");
	th_commit_all(NULL, f->work, "initial");
	th_init(f->bare, true);
	th_set_origin(f->work, f->bare);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	th_remove_all(f->dir);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

/* Commits `files` on top of refs/heads/main's tip without moving it. */
static void commit_on(git_oid *out, git_repository *repo, const git_oid *parent,
		      const kd_gitwrite_file *files, size_t n, const char *msg)
{
	git_commit *pc = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tid;

	assert_int_equal(git_commit_lookup(&pc, repo, parent), 0);
	assert_int_equal(git_commit_tree(&tree, pc), 0);
	assert_int_equal(kd_gitwrite_tree(&tid, repo, tree, files, n), 0);
	assert_int_equal(kd_gitwrite_signature(&sig, repo, "Ada Lovelace <ada@example.org>"), 0);
	assert_int_equal(kd_gitwrite_commit(out, repo, parent, &tid, sig, sig, msg), 0);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(pc);
}

static void test_gitwrite_commit_ignores_dirty_worktree(void **state)
{
	fixture *f = *state;
	git_repository *repo = NULL;
	git_oid tip, id;
	bool found;
	kd_gitwrite_file files[] = {
		{ "apps/web/kdrift-accepted/a.yaml", "kind: X\n", 8 },
		{ "README", NULL, 0 },
	};
	char hex[41], *out;

	th_write(f->work, "apps/web/kustomization.yaml", "dirty: true\n");
	assert_int_equal(git_repository_open(&repo, f->work), 0);
	assert_int_equal(kd_gitwrite_ref_target(&tip, &found, repo, "refs/heads/main"), 0);
	assert_true(found);
	commit_on(&id, repo, &tip, files, 2, "Add a\n");
	/* Nothing moved yet. */
	assert_int_equal(kd_gitwrite_update_ref(repo, "refs/heads/main", &id, &tip, "t"), 0);
	git_oid_tostr(hex, sizeof(hex), &id);
	out = th_run(NULL, "git -C '%s' show --stat --format='%%an <%%ae>|%%s' main", f->work);
	assert_non_null(strstr(out, "Ada Lovelace <ada@example.org>|Add a"));
	assert_non_null(strstr(out, "apps/web/kdrift-accepted/a.yaml"));
	free(out);
	out = th_run(NULL, "git -C '%s' show main:apps/web/kustomization.yaml", f->work);
	assert_string_equal(out, "resources: []\n"); /* the dirty edit stayed out */
	free(out);
	out = th_run(NULL, "git -C '%s' ls-tree --name-only main", f->work);
	assert_null(strstr(out, "README"));
	free(out);
	/* A stale expectation is a conflict, not an overwrite. */
	assert_int_equal(kd_gitwrite_update_ref(repo, "refs/heads/main", &tip, &tip, "t"),
			 KD_ECONFLICT);
	out = th_run(NULL, "git -C '%s' fsck --strict 2>&1", f->work);
	free(out);
	git_repository_free(repo);
}

static void test_gitwrite_push_fetch_and_refusal(void **state)
{
	fixture *f = *state;
	git_repository *repo = NULL;
	git_oid tip, a, b, fetched;
	bool found;
	char *url = NULL, ha[41], hr[41];
	kd_gitwrite_file fa = { "a.yaml", "a: 1\n", 5 }, fb = { "b.yaml", "b: 1\n", 5 };

	assert_int_equal(git_repository_open(&repo, f->work), 0);
	assert_int_equal(kd_gitwrite_remote_url(&url, repo, "origin"), 0);
	assert_string_equal(url, f->bare);
	assert_int_equal(kd_gitwrite_remote_url(&(char *){ NULL }, repo, "upstream"),
			 KD_ENOTFOUND);
	/* An empty remote has no branch yet. */
	assert_int_equal(kd_gitwrite_fetch(&fetched, &found, repo, url, "main", NULL), 0);
	assert_false(found);

	assert_int_equal(kd_gitwrite_ref_target(&tip, &found, repo, "refs/heads/main"), 0);
	commit_on(&a, repo, &tip, &fa, 1, "a\n");
	assert_int_equal(kd_gitwrite_push(repo, url, &a, "main"), 0);
	th_rev(hr, f->bare, "main");
	git_oid_tostr(ha, sizeof(ha), &a);
	assert_string_equal(hr, ha);

	/* b is built on the old tip: pushing it would drop a. */
	commit_on(&b, repo, &tip, &fb, 1, "b\n");
	assert_int_equal(kd_gitwrite_push(repo, url, &b, "main"), KD_ECONFLICT);
	th_rev(hr, f->bare, "main");
	assert_string_equal(hr, ha);

	assert_int_equal(kd_gitwrite_fetch(&fetched, &found, repo, url, "main",
					   "refs/remotes/origin/main"), 0);
	assert_true(found);
	assert_true(git_oid_equal(&fetched, &a));
	th_rev(hr, f->work, "refs/remotes/origin/main");
	assert_string_equal(hr, ha);
	/* No temporary push ref is left behind. */
	free(th_run(NULL, "test -z \"$(git -C '%s' for-each-ref refs/kdrift)\"", f->work));
	free(th_run(NULL, "git -C '%s' fsck --strict 2>&1", f->bare));
	free(url);
	git_repository_free(repo);
}

static void test_gitwrite_signature(void **state)
{
	fixture *f = *state;
	git_repository *repo = NULL;
	git_signature *sig = NULL;

	assert_int_equal(git_repository_open(&repo, f->work), 0);
	assert_int_equal(kd_gitwrite_signature(&sig, repo, "Grace Hopper <grace@navy.mil>"), 0);
	assert_string_equal(sig->name, "Grace Hopper");
	assert_string_equal(sig->email, "grace@navy.mil");
	git_signature_free(sig);
	assert_int_equal(kd_gitwrite_signature(&sig, repo, "no email"), KD_EINVAL);
	assert_int_equal(kd_gitwrite_signature(&sig, repo, "<a@b>"), KD_EINVAL);
	git_repository_free(repo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gitwrite_commit_ignores_dirty_worktree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gitwrite_push_fetch_and_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gitwrite_signature, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
