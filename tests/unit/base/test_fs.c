/*
 * Tests for core/base/fs.c: private directories and atomic replacement of
 * state files (break-glass session, heal state, cached clones).
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

#include "base/base.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/kdrift-fs-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 0777;
}

static void test_mkdirs(void **state)
{
	char path[256], file[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(kd_fs_mkdirs(path), 0);
	assert_int_equal(mode_of(path), 0700);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(mode_of(path), 0700);
	/* again: nothing to do */
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(kd_fs_mkdirs(path), 0);
	/* only the parents of a file */
	snprintf(file, sizeof(file), "%s/x/y/state.json", dir);
	assert_int_equal(kd_fs_mkdirs_for(file), 0);
	snprintf(path, sizeof(path), "%s/x/y", dir);
	assert_int_equal(mode_of(path), 0700);
	assert_int_not_equal(access(file, F_OK), 0);
	/* a file in the way is an error naming the place */
	snprintf(file, sizeof(file), "%s/plain", dir);
	fclose(fopen(file, "w"));
	snprintf(path, sizeof(path), "%s/plain/sub", dir);
	assert_int_equal(kd_fs_mkdirs(path), KD_EIO);
	assert_non_null(strstr(kd_error_last(), "plain"));
}

static void test_write_atomic(void **state)
{
	char path[256];
	kd_buf b = KD_BUF_INIT;
	struct dirent *e;
	DIR *d;
	int entries = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/state/session.json", dir);
	assert_int_equal(kd_fs_write_atomic(path, "{\"a\":1}", 7), 0);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(kd_buf_read_file(&b, path, 0), 0);
	assert_string_equal(kd_buf_cstr(&b), "{\"a\":1}");
	/* a second write replaces the file whole and leaves no temporary */
	assert_int_equal(kd_fs_write_atomic(path, "{}", 2), 0);
	kd_buf_clear(&b);
	assert_int_equal(kd_buf_read_file(&b, path, 0), 0);
	assert_string_equal(kd_buf_cstr(&b), "{}");
	snprintf(path, sizeof(path), "%s/state", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			entries++;
	closedir(d);
	assert_int_equal(entries, 1);
	/* a directory where the file should be: an error, nothing left over */
	assert_int_equal(kd_fs_write_atomic(path, "x", 1), KD_EIO);
	kd_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdirs),
		cmocka_unit_test(test_write_atomic),
	};

	return cmocka_run_group_tests_name("fs", tests, setup, teardown);
}
