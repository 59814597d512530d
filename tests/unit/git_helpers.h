/*
 * Helpers for tests that need real Git repositories: made with libgit2,
 * checked with the `git` command.  Header-only: included by one test
 * program each.
 */
#ifndef KD_TEST_GIT_HELPERS_H
#define KD_TEST_GIT_HELPERS_H

#include <ftw.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void th_mkdirs_for(const char *file)
{
	char tmp[4096];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", file);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
}

static void th_write(const char *dir, const char *rel, const char *text)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	th_mkdirs_for(p);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int th_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void th_remove_all(const char *dir)
{
	nftw(dir, th_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs a shell command and returns its output (caller frees); the exit
 * status goes to *status when not NULL, else it must be 0. */
static char *th_run(int *status, const char *fmt, ...)
{
	char cmd[8192];
	char *out = NULL;
	size_t len = 0, cap = 0;
	va_list ap;
	FILE *p;
	int c, st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((c = fgetc(p)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? 2 * cap : 256;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		out[len++] = (char)c;
	}
	if (!out) {
		out = malloc(1);
		assert_non_null(out);
	}
	out[len] = '\0';
	st = pclose(p);
	if (status)
		*status = st;
	else if (st != 0)
		fail_msg("command failed (%d): %s\n%s", st, cmd, out);
	return out;
}

/* Commits the whole work tree of dir on HEAD through the index (setup only). */
static void th_commit_all(char out[41], const char *dir, const char *msg)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	git_strarray all = { NULL, 0 };
	git_oid tree_id, id;

	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_signature_now(&sig, "Setup", "setup@kdrift.invalid"), 0);
	assert_int_equal(git_repository_index(&index, repo), 0);
	assert_int_equal(git_index_add_all(index, &all, 0, NULL, NULL), 0);
	assert_int_equal(git_index_update_all(index, &all, NULL, NULL), 0);
	assert_int_equal(git_index_write(index), 0);
	assert_int_equal(git_index_write_tree(&tree_id, index), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
	if (git_revparse_single((git_object **)&parent, repo, "HEAD^{commit}") < 0)
		parent = NULL;
	assert_int_equal(git_commit_create(&id, repo, "HEAD", sig, sig, NULL, msg,
					   tree, parent ? 1 : 0,
					   (const git_commit **)&parent), 0);
	if (out)
		git_oid_tostr(out, 41, &id);
	git_commit_free(parent);
	git_tree_free(tree);
	git_index_free(index);
	git_signature_free(sig);
	git_repository_free(repo);
}

/* A new repository at dir with HEAD on `main`. */
static void th_init(const char *dir, bool bare)
{
	git_repository *repo = NULL;
	git_repository_init_options o;

	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_MKPATH | (bare ? GIT_REPOSITORY_INIT_BARE : 0);
	o.initial_head = "main";
	assert_int_equal(git_repository_init_ext(&repo, dir, &o), 0);
	git_repository_free(repo);
}

/* Sets remote.origin.url in dir's config. */
static void th_set_origin(const char *dir, const char *url)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;

	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_repository_config(&cfg, repo), 0);
	assert_int_equal(git_config_set_string(cfg, "remote.origin.url", url), 0);
	git_config_free(cfg);
	git_repository_free(repo);
}

static void th_rev(char out[41], const char *dir, const char *rev)
{
	char *o = th_run(NULL, "git -C '%s' rev-parse '%s'", dir, rev);

	assert_true(strlen(o) >= 40);
	memcpy(out, o, 40);
	out[40] = '\0';
	free(o);
}

#endif
