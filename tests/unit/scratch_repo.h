/*
 * A scratch directory for the tests that build a fleet repository file by
 * file (test_engine.c, test_gitwatch.c, test_owner.c): `tmp` names it,
 * write_file/make_dir fill it (paths relative to it, failures fail the
 * test), scratch_remove deletes it.  Include after cmocka.h.
 */
#ifndef KD_TEST_SCRATCH_REPO_H
#define KD_TEST_SCRATCH_REPO_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char tmp[64];

/* Makes /tmp/kdrift-NAME-XXXXXX and names it in tmp; -1 when it cannot. */
static inline int scratch_new(const char *name)
{
	snprintf(tmp, sizeof(tmp), "/tmp/kdrift-%s-XXXXXX", name);
	return mkdtemp(tmp) ? 0 : -1;
}

static inline void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static inline void make_dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

/* Deletes the scratch directory and all in it: 0, or -1 when rm fails. */
static inline int scratch_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
