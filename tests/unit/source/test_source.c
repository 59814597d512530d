/*
 * Tests for core/source/source.c and core/source/source_read.c.
 *
 * The repositories are built here with libgit2 (two commits on main, a
 * branch, an annotated and a lightweight tag, symbolic links inside and out
 * of the root, a submodule entry), and what kdrift reads is checked against
 * the `git` command reading the same repository.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "source/source.h"

static struct {
	char base[4096];   /* the temporary directory holding everything */
	char repo[4200];   /* non-bare repository, work tree at the second commit */
	char secret[4200]; /* a file outside the repository */
	char c1[41], c2[41];
} fx;

/* ---- helpers ----------------------------------------------------------- */

static void path_in(char *out, size_t n, const char *dir, const char *rel)
{
	int w = snprintf(out, n, "%s/%s", dir, rel);

	assert_true(w > 0 && (size_t)w < n);
}

static void mkdirs_for(const char *file)
{
	char copy[4200], *p;

	snprintf(copy, sizeof(copy), "%s", file);
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		assert_true(mkdir(copy, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
}

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[4200];
	FILE *f;

	path_in(path, sizeof(path), dir, rel);
	mkdirs_for(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void make_link(const char *dir, const char *rel, const char *target)
{
	char path[4200];

	path_in(path, sizeof(path), dir, rel);
	mkdirs_for(path);
	assert_int_equal(symlink(target, path), 0);
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void remove_all(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs a shell command and returns its standard output (caller frees). */
static char *run(const char *fmt, ...)
{
	char cmd[8192], chunk[4096];
	kd_buf out = KD_BUF_INIT;
	va_list ap;
	FILE *p;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(kd_buf_add(&out, chunk, n), 0);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(kd_buf_grow(&out, 0), 0);
	return kd_buf_detach(&out);
}

static void rev_parse(char out[41], const char *dir, const char *rev)
{
	char *s = run("git -C '%s' rev-parse --verify -q '%s^{commit}'", dir, rev);

	assert_true(strlen(s) >= 40);
	memcpy(out, s, 40);
	out[40] = '\0';
	free(s);
}

static git_signature *signature(void)
{
	git_signature *sig = NULL;

	assert_int_equal(git_signature_new(&sig, "kdrift tests", "tests@kdrift.invalid",
					   1700000000, 0), 0);
	return sig;
}

/* Commits the whole work tree (additions, changes, removals) on HEAD; with
 * a submodule entry 'sub' added to the root tree when asked. */
static void commit_all(char out[41], const char *dir, const char *msg, bool submodule)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_treebuilder *tb = NULL;
	git_tree *root = NULL, *tree = NULL;
	git_commit *parent = NULL;
	git_signature *sig = signature();
	git_strarray all = { NULL, 0 };
	char *star = "*";
	git_oid tree_id, sub_id, commit_id;

	all.strings = &star;
	all.count = 1;
	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_repository_index(&index, repo), 0);
	assert_int_equal(git_index_add_all(index, &all, 0, NULL, NULL), 0);
	assert_int_equal(git_index_update_all(index, &all, NULL, NULL), 0);
	assert_int_equal(git_index_write(index), 0);
	assert_int_equal(git_index_write_tree(&tree_id, index), 0);
	if (submodule) {
		assert_int_equal(git_tree_lookup(&root, repo, &tree_id), 0);
		assert_int_equal(git_treebuilder_new(&tb, repo, root), 0);
		assert_int_equal(git_oid_fromstr(&sub_id,
						 "0123456789abcdef0123456789abcdef01234567"), 0);
		assert_int_equal(git_treebuilder_insert(NULL, tb, "sub", &sub_id,
							GIT_FILEMODE_COMMIT), 0);
		assert_int_equal(git_treebuilder_write(&tree_id, tb), 0);
	}
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
	if (git_revparse_single((git_object **)&parent, repo, "HEAD^{commit}") < 0)
		parent = NULL;
	assert_int_equal(git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL, msg,
					   tree, parent ? 1 : 0,
					   (const git_commit **)&parent), 0);
	git_oid_tostr(out, 41, &commit_id);
	git_commit_free(parent);
	git_tree_free(tree);
	git_tree_free(root);
	git_treebuilder_free(tb);
	git_index_free(index);
	git_signature_free(sig);
	git_repository_free(repo);
}

static void init_repo(const char *dir)
{
	git_repository_init_options o;
	git_repository *repo = NULL;

	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_MKPATH;
	o.initial_head = "main";
	assert_int_equal(git_repository_init_ext(&repo, dir, &o), 0);
	git_repository_free(repo);
}

static void make_refs(const char *dir, const char *at)
{
	git_repository *repo = NULL;
	git_object *target = NULL;
	git_reference *branch = NULL;
	git_signature *sig = signature();
	git_oid tag_id;

	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_revparse_single(&target, repo, at), 0);
	assert_int_equal(git_tag_create(&tag_id, repo, "v1", target, sig, "release 1", 0), 0);
	assert_int_equal(git_tag_create_lightweight(&tag_id, repo, "light", target, 0), 0);
	assert_int_equal(git_branch_create(&branch, repo, "feature", (git_commit *)target, 0), 0);
	git_reference_free(branch);
	git_object_free(target);
	git_signature_free(sig);
	git_repository_free(repo);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char abs_target[4300];

	(void)state;
	git_libgit2_init();
	snprintf(fx.base, sizeof(fx.base), "%s/kd-source-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx.base))
		return -1;
	path_in(fx.repo, sizeof(fx.repo), fx.base, "repo");
	path_in(fx.secret, sizeof(fx.secret), fx.base, "secret.txt");
	write_file(fx.base, "secret.txt", "outside the repository\n");
	init_repo(fx.repo);

	write_file(fx.repo, "apps/web/deploy.yaml", "kind: Deployment\nreplicas: 1\n");
	write_file(fx.repo, "apps/web/svc.yaml", "kind: Service\n");
	write_file(fx.repo, "base/config.yaml", "value: 1\n");
	write_file(fx.repo, "README.md", "fleet\n");
	make_link(fx.repo, "link-in", "base/config.yaml");
	make_link(fx.repo, "linkdir", "base");
	make_link(fx.repo, "apps/web/up", "../../base");
	make_link(fx.repo, "out", "../secret.txt");
	make_link(fx.repo, "outdir", "..");
	snprintf(abs_target, sizeof(abs_target), "%s", fx.secret);
	make_link(fx.repo, "abs", abs_target);
	make_link(fx.repo, "loop1", "loop2");
	make_link(fx.repo, "loop2", "loop1");
	commit_all(fx.c1, fx.repo, "first", true);
	make_refs(fx.repo, fx.c1);

	write_file(fx.repo, "apps/web/deploy.yaml", "kind: Deployment\nreplicas: 3\n");
	{
		char svc[4300];

		path_in(svc, sizeof(svc), fx.repo, "apps/web/svc.yaml");
		assert_int_equal(unlink(svc), 0);
	}
	write_file(fx.repo, "apps/db/db.yaml", "kind: StatefulSet\n");
	commit_all(fx.c2, fx.repo, "second", true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_all(fx.base);
	git_libgit2_shutdown();
	return 0;
}

static kd_source *open_at(const char *rev)
{
	kd_source_opts o = { .revision = rev };
	kd_source *src = NULL;
	int rc = kd_source_open(&src, fx.repo, &o);

	if (rc != 0)
		fail_msg("open %s at %s: %s", fx.repo, rev ? rev : "HEAD", kd_error_last());
	return src;
}

static kd_source *open_worktree(const char *dir)
{
	kd_source_opts o = { .worktree = true };
	kd_source *src = NULL;
	int rc = kd_source_open(&src, dir, &o);

	if (rc != 0)
		fail_msg("open %s (worktree): %s", dir, kd_error_last());
	return src;
}

/* Reads path and checks it equals `git show rev:path`. */
static void expect_same_as_git(kd_source *src, const char *rev, const char *path)
{
	kd_buf b = KD_BUF_INIT;
	char *want = run("git -C '%s' show '%s:%s'", fx.repo, rev, path);
	int rc = kd_source_read(&b, src, path);

	if (rc != 0)
		fail_msg("read %s at %s: %s", path, rev, kd_error_last());
	assert_string_equal(kd_buf_cstr(&b), want);
	free(want);
	kd_buf_free(&b);
}

static void expect_read(kd_source *src, const char *path, const char *want)
{
	kd_buf b = KD_BUF_INIT;
	int rc = kd_source_read(&b, src, path);

	if (rc != 0)
		fail_msg("read %s: %s", path, kd_error_last());
	assert_string_equal(kd_buf_cstr(&b), want);
	kd_buf_free(&b);
}

/* Expects read to fail with code and a message containing each fragment. */
static void expect_read_error(kd_source *src, const char *path, int code,
			      const char *frag1, const char *frag2)
{
	kd_buf b = KD_BUF_INIT;
	int rc = kd_source_read(&b, src, path);

	if (rc != code)
		fail_msg("read '%s': want %d, got %d (%s)", path, code, rc, kd_error_last());
	if (frag1 && !strstr(kd_error_last(), frag1))
		fail_msg("read '%s': message '%s' lacks '%s'", path, kd_error_last(), frag1);
	if (frag2 && !strstr(kd_error_last(), frag2))
		fail_msg("read '%s': message '%s' lacks '%s'", path, kd_error_last(), frag2);
	assert_int_equal(b.len, 0);
	kd_buf_free(&b);
}

/* ---- revisions --------------------------------------------------------- */

static void expect_revision(const char *rev, const char *git_rev)
{
	char want[41];
	kd_source *src = open_at(rev);

	rev_parse(want, fx.repo, git_rev);
	assert_string_equal(kd_source_revision(src), want);
	kd_source_free(src);
}

static void test_resolves_revisions(void **state)
{
	char abbrev[8], label_end[16];
	kd_source_opts o = { .revision = "no-such-branch" };
	kd_source *src = NULL;

	(void)state;
	expect_revision(NULL, "HEAD");
	expect_revision("HEAD", "HEAD");
	expect_revision("main", "main");
	expect_revision("feature", "feature");
	expect_revision("v1", "v1");       /* annotated tag, peeled */
	expect_revision("light", "light");
	expect_revision(fx.c2, fx.c2);
	snprintf(abbrev, sizeof(abbrev), "%.7s", fx.c1);
	expect_revision(abbrev, fx.c1);
	assert_string_not_equal(fx.c1, fx.c2);

	src = open_at("feature");
	assert_string_equal(kd_source_revision(src), fx.c1);
	snprintf(label_end, sizeof(label_end), "@%.7s", fx.c1);
	assert_non_null(strstr(kd_source_label(src), label_end));
	kd_source_free(src);

	src = NULL;
	assert_int_equal(kd_source_open(&src, fx.repo, &o), KD_ENOTFOUND);
	assert_null(src);
	assert_non_null(strstr(kd_error_last(), "no-such-branch"));
}

static void test_refresh_sees_moved_branch(void **state)
{
	char clone[4300], c3[41];
	kd_source_opts o = { .revision = "main" };
	kd_source *src = NULL;
	bool changed = true;
	char *out;

	(void)state;
	path_in(clone, sizeof(clone), fx.base, "refresh");
	out = run("git clone -q '%s' '%s' 2>&1", fx.repo, clone);
	free(out);
	assert_int_equal(kd_source_open(&src, clone, &o), 0);
	assert_int_equal(kd_source_refresh(src, &changed), 0);
	assert_false(changed);
	write_file(clone, "README.md", "moved\n");
	commit_all(c3, clone, "third", false);
	assert_int_equal(kd_source_refresh(src, &changed), 0);
	assert_true(changed);
	assert_string_equal(kd_source_revision(src), c3);
	expect_read(src, "README.md", "moved\n");
	kd_source_free(src);
}

/* ---- reading the tree -------------------------------------------------- */

static void test_reads_two_revisions(void **state)
{
	kd_source *one = open_at(fx.c1), *two = open_at("main");

	(void)state;
	expect_same_as_git(one, fx.c1, "apps/web/deploy.yaml");
	expect_same_as_git(one, fx.c1, "apps/web/svc.yaml");
	expect_same_as_git(one, fx.c1, "README.md");
	expect_same_as_git(two, fx.c2, "apps/web/deploy.yaml");
	expect_same_as_git(two, fx.c2, "apps/db/db.yaml");
	expect_read(one, "apps/web/deploy.yaml", "kind: Deployment\nreplicas: 1\n");
	expect_read(two, "apps/web/deploy.yaml", "kind: Deployment\nreplicas: 3\n");
	/* Paths are normalised before lookup. */
	expect_read(two, "./apps//web/../web/deploy.yaml", "kind: Deployment\nreplicas: 3\n");
	expect_read_error(two, "apps/web/svc.yaml", KD_ENOTFOUND, "apps/web/svc.yaml", NULL);
	expect_read_error(one, "apps/db/db.yaml", KD_ENOTFOUND, "apps/db/db.yaml", NULL);
	kd_source_free(one);
	kd_source_free(two);
}

static void expect_entry(const kd_source_entry *e, const char *name, kd_source_type type)
{
	assert_string_equal(e->name, name);
	if (e->type != type)
		fail_msg("entry %s: want type %d, got %d", name, type, e->type);
}

static void test_lists_and_stats(void **state)
{
	kd_source *src = open_at("main");
	kd_source_entry *e = NULL;
	kd_source_type t;
	size_t n = 0, i;
	kd_buf names = KD_BUF_INIT;
	char *git_names;

	(void)state;
	assert_int_equal(kd_source_list(&e, &n, src, ""), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(kd_buf_printf(&names, "%s\n", e[i].name), 0);
		if (i)	/* byte order */
			assert_true(strcmp(e[i - 1].name, e[i].name) < 0);
	}
	git_names = run("git -C '%s' ls-tree --name-only main | LC_ALL=C sort", fx.repo);
	assert_string_equal(kd_buf_cstr(&names), git_names);
	free(git_names);
	kd_buf_free(&names);
	assert_int_equal(n, 11);
	expect_entry(&e[0], "README.md", KD_SOURCE_FILE);
	expect_entry(&e[1], "abs", KD_SOURCE_FILE);      /* leads outside: read says why */
	expect_entry(&e[2], "apps", KD_SOURCE_DIR);
	expect_entry(&e[3], "base", KD_SOURCE_DIR);
	expect_entry(&e[4], "link-in", KD_SOURCE_FILE);
	expect_entry(&e[5], "linkdir", KD_SOURCE_DIR);
	expect_entry(&e[8], "out", KD_SOURCE_FILE);
	expect_entry(&e[9], "outdir", KD_SOURCE_FILE);
	expect_entry(&e[10], "sub", KD_SOURCE_DIR);
	kd_source_entries_free(e, n);

	assert_int_equal(kd_source_list(&e, &n, src, "apps/web"), 0);
	assert_int_equal(n, 2);
	expect_entry(&e[0], "deploy.yaml", KD_SOURCE_FILE);
	expect_entry(&e[1], "up", KD_SOURCE_DIR);
	kd_source_entries_free(e, n);
	assert_int_equal(kd_source_list(&e, &n, src, "linkdir"), 0);
	assert_int_equal(n, 1);
	expect_entry(&e[0], "config.yaml", KD_SOURCE_FILE);
	kd_source_entries_free(e, n);

	assert_int_equal(kd_source_list(&e, &n, src, "README.md"), KD_EINVAL);
	assert_int_equal(kd_source_list(&e, &n, src, "nope"), KD_ENOTFOUND);
	assert_null(e);

	assert_int_equal(kd_source_stat(&t, src, ""), 0);
	assert_int_equal(t, KD_SOURCE_DIR);
	assert_int_equal(kd_source_stat(&t, src, "apps/db"), 0);
	assert_int_equal(t, KD_SOURCE_DIR);
	assert_int_equal(kd_source_stat(&t, src, "apps/db/db.yaml"), 0);
	assert_int_equal(t, KD_SOURCE_FILE);
	assert_int_equal(kd_source_stat(&t, src, "apps/web/svc.yaml"), 0);
	assert_int_equal(t, KD_SOURCE_NONE);
	assert_int_equal(kd_source_stat(&t, src, "README.md/x"), 0);
	assert_int_equal(t, KD_SOURCE_NONE);
	assert_int_equal(kd_source_stat(&t, src, "linkdir"), 0);
	assert_int_equal(t, KD_SOURCE_DIR);
	assert_int_equal(kd_source_stat(&t, src, "../x"), KD_EPATH);
	kd_source_free(src);
}

static void test_tree_errors(void **state)
{
	kd_source *src = open_at("main");
	kd_source_entry *e = NULL;
	size_t n = 0;

	(void)state;
	expect_read_error(src, "apps", KD_EINVAL, "apps", "directory");
	expect_read_error(src, "", KD_EINVAL, "directory", NULL);
	expect_read_error(src, "nope.yaml", KD_ENOTFOUND, "nope.yaml", NULL);
	expect_read_error(src, "README.md/x", KD_ENOTFOUND, "README.md/x", "not a directory");
	expect_read_error(src, "sub", KD_EUNSUPPORTED, "sub", "submodule");
	expect_read_error(src, "sub/file.yaml", KD_EUNSUPPORTED, "sub/file.yaml", "submodule");
	assert_int_equal(kd_source_list(&e, &n, src, "sub"), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "submodule"));
	kd_source_free(src);
}

static void expect_resolved(kd_source *src, const char *path, const char *want)
{
	char *got = NULL;

	if (kd_source_resolve(&got, src, path) < 0)
		fail_msg("resolve %s: %s", path, kd_error_last());
	assert_string_equal(got, want);
	free(got);
}

static void test_tree_symlinks(void **state)
{
	kd_source *src = open_at("main");

	(void)state;
	/* Inside the root: followed, files and directories, relative to the link. */
	expect_read(src, "link-in", "value: 1\n");
	expect_read(src, "linkdir/config.yaml", "value: 1\n");
	expect_read(src, "apps/web/up/config.yaml", "value: 1\n");
	/* Outside: refused, naming the link. */
	expect_read_error(src, "out", KD_EPATH, "out", "outside");
	expect_read_error(src, "outdir/secret.txt", KD_EPATH, "outdir", "outside");
	expect_read_error(src, "abs", KD_EPATH, "abs", "outside");
	expect_read_error(src, "loop1", KD_ELIMIT, "loop1", "symbolic links");
	/* Where links lead, for load restrictions judged after following. */
	expect_resolved(src, "link-in", "base/config.yaml");
	expect_resolved(src, "apps/web/up/config.yaml", "base/config.yaml");
	expect_resolved(src, "linkdir", "base");
	expect_resolved(src, "apps/web/deploy.yaml", "apps/web/deploy.yaml");
	expect_resolved(src, "", "");
	assert_int_equal(kd_source_resolve(&(char *){ NULL }, src, "out"), KD_EPATH);
	kd_source_free(src);
}

static void expect_escapes_refused(kd_source *src)
{
	kd_source_entry *e = NULL;
	kd_source_type t;
	size_t n = 0;

	expect_read_error(src, "../secret.txt", KD_EPATH, "../secret.txt", "root");
	expect_read_error(src, "apps/../../secret.txt", KD_EPATH, "apps/../../secret.txt", NULL);
	expect_read_error(src, fx.secret, KD_EPATH, fx.secret, "absolute");
	assert_int_equal(kd_source_list(&e, &n, src, ".."), KD_EPATH);
	assert_int_equal(kd_source_stat(&t, src, "/"), KD_EPATH);
	expect_read(src, "apps/../README.md", "fleet\n");
}

static void test_path_escapes(void **state)
{
	kd_source *git = open_at("main"), *wt = open_worktree(fx.repo);

	(void)state;
	expect_escapes_refused(git);
	expect_escapes_refused(wt);
	kd_source_free(git);
	kd_source_free(wt);
}

/* ---- work tree and plain directories ----------------------------------- */

static void test_worktree(void **state)
{
	kd_source *src = open_worktree(fx.repo);
	kd_source_entry *e = NULL;
	size_t n = 0, i;

	(void)state;
	assert_string_equal(kd_source_revision(src), "worktree");
	assert_non_null(strstr(kd_source_label(src), "(worktree)"));
	/* Uncommitted changes are what the work tree shows. */
	write_file(fx.repo, "local.yaml", "uncommitted: true\n");
	expect_read(src, "local.yaml", "uncommitted: true\n");
	expect_read(src, "apps/web/deploy.yaml", "kind: Deployment\nreplicas: 3\n");
	expect_read(src, "link-in", "value: 1\n");
	expect_read(src, "linkdir/config.yaml", "value: 1\n");
	expect_read(src, "apps/web/up/config.yaml", "value: 1\n");
	expect_read_error(src, "out", KD_EPATH, "out", "outside");
	expect_read_error(src, "abs", KD_EPATH, "abs", "outside");
	expect_read_error(src, "outdir/secret.txt", KD_EPATH, "outdir/secret.txt", "outside");
	expect_read_error(src, "loop1", KD_ELIMIT, "loop1", "symbolic links");
	expect_read_error(src, "apps", KD_EINVAL, "apps", "directory");
	expect_read_error(src, "nope.yaml", KD_ENOTFOUND, "nope.yaml", NULL);
	expect_read_error(src, "README.md/x", KD_ENOTFOUND, "README.md/x", NULL);
	/* The repository's own metadata is not part of what it contains. */
	expect_read_error(src, ".git/config", KD_ENOTFOUND, ".git/config", NULL);
	expect_read_error(src, "./apps/../.git/HEAD", KD_ENOTFOUND, NULL, NULL);
	write_file(fx.repo, "vendor/.git/config", "[core]\n");
	expect_read_error(src, "vendor/.git/config", KD_ENOTFOUND, NULL, NULL);
	assert_int_equal(kd_source_list(&e, &n, src, ""), 0);
	for (i = 0; i < n; i++) {
		assert_string_not_equal(e[i].name, ".git");
		if (i)
			assert_true(strcmp(e[i - 1].name, e[i].name) < 0);
		if (!strcmp(e[i].name, "linkdir") || !strcmp(e[i].name, "apps"))
			assert_int_equal(e[i].type, KD_SOURCE_DIR);
		if (!strcmp(e[i].name, "out") || !strcmp(e[i].name, "local.yaml"))
			assert_int_equal(e[i].type, KD_SOURCE_FILE);
	}
	/* The committed entries minus the submodule, plus local.yaml and vendor. */
	assert_int_equal(n, 12);
	kd_source_entries_free(e, n);
	kd_source_free(src);
	{
		char local[4300];

		path_in(local, sizeof(local), fx.repo, "local.yaml");
		assert_int_equal(unlink(local), 0);
		path_in(local, sizeof(local), fx.repo, "vendor");
		remove_all(local);
	}
}

static void test_plain_directory(void **state)
{
	char dir[4300], big[4300], target[4300];
	kd_source_opts wt = { .worktree = true };
	kd_source *src = NULL;
	kd_source_entry *e = NULL;
	kd_source_type t;
	size_t n = 0;
	int fd;

	(void)state;
	path_in(dir, sizeof(dir), fx.base, "plain");
	write_file(dir, "a.yaml", "a: 1\n");
	write_file(dir, "sub/b.yaml", "b: 2\n");
	make_link(dir, "escape", "../secret.txt");
	path_in(target, sizeof(target), fx.base, "repo/base");
	make_link(dir, "other", target);	/* a directory elsewhere */
	path_in(big, sizeof(big), dir, "big.bin");
	fd = open(big, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, ((off_t)64 << 20) + 1), 0);	/* sparse */
	close(fd);

	assert_int_equal(kd_source_open(&src, dir, NULL), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "not a Git repository"));
	assert_int_equal(kd_source_open(&src, dir, &wt), 0);
	assert_string_equal(kd_source_revision(src), "directory");
	kd_source_free(src);

	assert_int_equal(kd_source_open_dir(&src, dir), 0);
	assert_string_equal(kd_source_revision(src), "directory");
	expect_read(src, "a.yaml", "a: 1\n");
	expect_read(src, "sub/b.yaml", "b: 2\n");
	expect_resolved(src, "sub/../a.yaml", "a.yaml");
	expect_resolved(src, "sub", "sub");
	expect_read_error(src, "escape", KD_EPATH, "escape", NULL);
	expect_read_error(src, "other/config.yaml", KD_EPATH, "other/config.yaml", NULL);
	expect_read_error(src, "../secret.txt", KD_EPATH, NULL, NULL);
	expect_read_error(src, "big.bin", KD_ELIMIT, "big.bin", "limit");
	assert_int_equal(kd_source_stat(&t, src, "sub"), 0);
	assert_int_equal(t, KD_SOURCE_DIR);
	assert_int_equal(kd_source_stat(&t, src, "missing"), 0);
	assert_int_equal(t, KD_SOURCE_NONE);
	assert_int_equal(kd_source_list(&e, &n, src, ""), 0);
	assert_int_equal(n, 5);
	expect_entry(&e[0], "a.yaml", KD_SOURCE_FILE);
	expect_entry(&e[1], "big.bin", KD_SOURCE_FILE);
	expect_entry(&e[2], "escape", KD_SOURCE_FILE);
	expect_entry(&e[3], "other", KD_SOURCE_FILE);	/* leads outside */
	expect_entry(&e[4], "sub", KD_SOURCE_DIR);
	kd_source_entries_free(e, n);
	kd_source_free(src);

	assert_int_equal(kd_source_open_dir(&src, big), KD_EINVAL);
	assert_int_equal(kd_source_open_dir(&src, "/nonexistent/kdrift"), KD_ENOTFOUND);
	assert_null(src);
}

static void test_blob_size_limit(void **state)
{
	char dir[4300], c[41];
	size_t size = ((size_t)64 << 20) + 1;
	git_repository *repo = NULL;
	git_treebuilder *tb = NULL;
	git_tree *tree = NULL;
	git_signature *sig = signature();
	git_oid blob, tree_id, commit;
	kd_source *src = NULL;
	kd_source_type t;
	char *zeros = calloc(1, size);

	(void)state;
	assert_non_null(zeros);
	path_in(dir, sizeof(dir), fx.base, "big.git");
	assert_int_equal(git_repository_init(&repo, dir, 1), 0);
	assert_int_equal(git_blob_create_from_buffer(&blob, repo, zeros, size), 0);
	free(zeros);
	assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "big.yaml", &blob,
						GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&tree_id, tb), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
	assert_int_equal(git_commit_create(&commit, repo, "refs/heads/main", sig, sig, NULL,
					   "big", tree, 0, NULL), 0);
	git_oid_tostr(c, sizeof(c), &commit);
	git_tree_free(tree);
	git_treebuilder_free(tb);
	git_signature_free(sig);
	git_repository_free(repo);

	{
		kd_source_opts o = { .revision = "main" };

		assert_int_equal(kd_source_open(&src, dir, &o), 0);
	}
	assert_string_equal(kd_source_revision(src), c);
	assert_int_equal(kd_source_stat(&t, src, "big.yaml"), 0);
	assert_int_equal(t, KD_SOURCE_FILE);
	expect_read_error(src, "big.yaml", KD_ELIMIT, "big.yaml", "limit");
	kd_source_free(src);
}

static void test_bare_repository(void **state)
{
	char bare[4300], want[41];
	kd_source_opts wt = { .worktree = true };
	kd_source *src = NULL;
	char *out;

	(void)state;
	path_in(bare, sizeof(bare), fx.base, "bare.git");
	out = run("git clone -q --bare '%s' '%s' 2>&1", fx.repo, bare);
	free(out);
	assert_int_equal(kd_source_open(&src, bare, NULL), 0);
	rev_parse(want, bare, "HEAD");
	assert_string_equal(kd_source_revision(src), want);
	assert_string_equal(want, fx.c2);
	expect_read(src, "apps/db/db.yaml", "kind: StatefulSet\n");
	assert_int_equal(kd_source_fetch(src), 0);	/* no remote: re-resolves */
	assert_string_equal(kd_source_revision(src), fx.c2);
	kd_source_free(src);
	src = NULL;
	assert_int_equal(kd_source_open(&src, bare, &wt), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "bare"));
	assert_null(src);
}

/* ---- clones ------------------------------------------------------------ */

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_clone_and_fetch(void **state)
{
	char up[4300], cache[4300], repos[4400], url[4400], c1[41], c2[41];
	kd_source_opts next = { .revision = "next" };
	kd_source_opts origin = { .revision = "origin/main" };
	kd_source_opts tag = { .revision = "v1" };
	kd_source *src = NULL, *again = NULL;
	bool changed = true;
	char *old_cache = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
	char *out;

	(void)state;
	path_in(up, sizeof(up), fx.base, "upstream");
	path_in(cache, sizeof(cache), fx.base, "cache");
	path_in(repos, sizeof(repos), cache, "kdrift/repos");
	snprintf(url, sizeof(url), "file://%s", up);
	init_repo(up);
	write_file(up, "app.yaml", "version: 1\n");
	commit_all(c1, up, "first", false);
	assert_int_equal(setenv("XDG_CACHE_HOME", cache, 1), 0);

	assert_int_equal(kd_source_open(&src, url, NULL), 0);
	assert_string_equal(kd_source_revision(src), c1);
	expect_read(src, "app.yaml", "version: 1\n");
	assert_int_equal(count_entries(repos), 1);
	out = run("ls '%s' | grep -c upstream", repos);
	assert_string_equal(out, "1\n");
	free(out);
	assert_int_equal(kd_source_open(&again, url, &next), KD_ENOTFOUND);

	/* Upstream moves on: a new commit on main and a new branch. */
	write_file(up, "app.yaml", "version: 2\n");
	commit_all(c2, up, "second", false);
	out = run("git -C '%s' branch next main", up);
	free(out);
	assert_int_equal(kd_source_refresh(src, &changed), 0);	/* no fetch: unchanged */
	assert_false(changed);
	assert_string_equal(kd_source_revision(src), c1);
	assert_int_equal(kd_source_fetch(src), 0);
	assert_string_equal(kd_source_revision(src), c2);
	expect_read(src, "app.yaml", "version: 2\n");
	kd_source_free(src);
	src = NULL;

	/* A second open reuses the cached clone and fetches. */
	write_file(up, "app.yaml", "version: 3\n");
	commit_all(c2, up, "third", false);
	assert_int_equal(kd_source_open(&src, url, &origin), 0);
	assert_string_equal(kd_source_revision(src), c2);
	assert_int_equal(count_entries(repos), 1);
	kd_source_free(src);
	src = NULL;
	assert_int_equal(kd_source_open(&src, url, &next), 0);
	rev_parse(c1, up, "next");
	assert_string_equal(kd_source_revision(src), c1);
	kd_source_free(src);
	src = NULL;

	/* Tags made upstream arrive with the fetch, annotated ones peeled. */
	make_refs(up, "HEAD~1");
	assert_int_equal(kd_source_open(&src, url, &tag), 0);
	rev_parse(c1, up, "v1");
	assert_string_equal(kd_source_revision(src), c1);
	assert_string_not_equal(c1, c2);
	kd_source_free(src);

	if (old_cache)
		setenv("XDG_CACHE_HOME", old_cache, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	free(old_cache);
}

static void test_clone_errors_hide_credentials(void **state)
{
	char cache[4300];
	kd_source_opts o = { .cache_dir = cache };
	kd_source_opts wt = { .worktree = true, .cache_dir = cache };
	kd_source *src = NULL;

	(void)state;
	path_in(cache, sizeof(cache), fx.base, "cache-errors");
	/* Nothing listens on port 1: the clone fails at once. */
	assert_true(kd_source_open(&src, "https://user:s3cr3t-token@127.0.0.1:1/x.git", &o) < 0);
	assert_null(src);
	assert_non_null(strstr(kd_error_last(), "127.0.0.1"));
	assert_null(strstr(kd_error_last(), "s3cr3t-token"));
	assert_null(strstr(kd_error_last(), "user:"));
	/* The failed clone leaves nothing behind to be trusted later. */
	assert_int_equal(count_entries(cache), 0);

	assert_true(kd_source_open(&src, "file:///nonexistent/kdrift/repo", &o) < 0);
	assert_non_null(strstr(kd_error_last(), "/nonexistent/kdrift/repo"));
	assert_int_equal(count_entries(cache), 0);

	assert_int_equal(kd_source_open(&src, "file:///nonexistent", &wt), KD_EINVAL);
	assert_int_equal(kd_source_open(&src, "/nonexistent/kdrift/repo", NULL), KD_ENOTFOUND);
	kd_source_free(NULL);
}

static void test_cache_falls_back_to_home(void **state)
{
	char home[4300], up[4300], repos[4400], url[4400], c[41];
	char *old_home = strdup(getenv("HOME") ? getenv("HOME") : "/");
	char *old_cache = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
	kd_source *src = NULL;

	(void)state;
	assert_non_null(old_home);
	path_in(home, sizeof(home), fx.base, "home");
	path_in(repos, sizeof(repos), home, ".cache/kdrift/repos");
	path_in(up, sizeof(up), fx.base, "upstream-home");
	snprintf(url, sizeof(url), "file://%s", up);
	init_repo(up);
	write_file(up, "a.yaml", "a: 1\n");
	commit_all(c, up, "only", false);
	assert_int_equal(setenv("HOME", home, 1), 0);
	/* A relative XDG_CACHE_HOME is invalid by the XDG rules: ignored. */
	assert_int_equal(setenv("XDG_CACHE_HOME", "relative/cache", 1), 0);
	assert_int_equal(kd_source_open(&src, url, NULL), 0);
	assert_string_equal(kd_source_revision(src), c);
	kd_source_free(src);
	assert_int_equal(count_entries(repos), 1);

	setenv("HOME", old_home, 1);
	if (old_cache)
		setenv("XDG_CACHE_HOME", old_cache, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	free(old_home);
	free(old_cache);
}

/* Each thread reads with its own sources, as the header allows. */
static void *reader(void *arg)
{
	const char *rev = arg;
	const char *want = rev[0] == 'f' ? "kind: Deployment\nreplicas: 1\n" :
					   "kind: Deployment\nreplicas: 3\n";
	kd_source_opts o = { .revision = rev };
	kd_buf b = KD_BUF_INIT;
	intptr_t bad = 0;
	int i;

	for (i = 0; i < 20 && !bad; i++) {
		kd_source *src = NULL;

		if (kd_source_open(&src, fx.repo, &o) != 0 ||
		    kd_source_read(&b, src, "apps/web/deploy.yaml") != 0 ||
		    strcmp(kd_buf_cstr(&b), want) != 0)
			bad = 1;
		kd_source_free(src);
	}
	kd_buf_free(&b);
	return (void *)bad;
}

static void test_sources_in_threads(void **state)
{
	pthread_t t[4];
	void *bad;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader,
						i % 2 ? "feature" : "main"), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolves_revisions),
		cmocka_unit_test(test_reads_two_revisions),
		cmocka_unit_test(test_lists_and_stats),
		cmocka_unit_test(test_tree_errors),
		cmocka_unit_test(test_tree_symlinks),
		cmocka_unit_test(test_path_escapes),
		cmocka_unit_test(test_worktree),
		cmocka_unit_test(test_plain_directory),
		cmocka_unit_test(test_blob_size_limit),
		cmocka_unit_test(test_bare_repository),
		cmocka_unit_test(test_refresh_sees_moved_branch),
		cmocka_unit_test(test_clone_and_fetch),
		cmocka_unit_test(test_clone_errors_hide_credentials),
		cmocka_unit_test(test_cache_falls_back_to_home),
		cmocka_unit_test(test_sources_in_threads),
	};

	return cmocka_run_group_tests_name("source", tests, setup, teardown);
}
