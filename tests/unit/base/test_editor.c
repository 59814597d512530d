/*
 * Tests for core/base/editor.c: which editor opens ($VISUAL, else $EDITOR,
 * else vi), that it gets the file whatever its name holds, and that a
 * failing editor is an error naming it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/kdrift editor XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_choice(void **state)
{
	(void)state;
	unsetenv("VISUAL");
	unsetenv("EDITOR");
	assert_string_equal(kd_editor(), "vi");
	setenv("EDITOR", "nano -w", 1);
	assert_string_equal(kd_editor(), "nano -w");
	setenv("VISUAL", "", 1);
	assert_string_equal(kd_editor(), "nano -w");
	setenv("VISUAL", "code --wait", 1);
	assert_string_equal(kd_editor(), "code --wait");
	unsetenv("VISUAL");
	unsetenv("EDITOR");
}

/* The editor gets the path as one argument (the directory has spaces) and
 * its own arguments as the user wrote them. */
static void test_runs_on_the_file(void **state)
{
	char file[128], editor[256];
	kd_buf got = KD_BUF_INIT;

	(void)state;
	snprintf(file, sizeof(file), "%s/it's a file.yaml", dir);
	assert_int_equal(kd_fs_write_atomic(file, "a: 1\n", 5), 0);
	snprintf(editor, sizeof(editor), "sed -i -e s/1/2/");
	setenv("VISUAL", editor, 1);
	assert_int_equal(kd_editor_run(file), 0);
	assert_int_equal(kd_buf_read_file(&got, file, 0), 0);
	assert_string_equal(kd_buf_cstr(&got), "a: 2\n");
	kd_buf_free(&got);
	unsetenv("VISUAL");
}

static void test_failure_names_the_editor(void **state)
{
	char file[128];

	(void)state;
	snprintf(file, sizeof(file), "%s/f", dir);
	setenv("EDITOR", "false", 1);
	assert_int_equal(kd_editor_run(file), KD_ERROR);
	assert_non_null(strstr(kd_error_last(), "the editor (false) failed"));
	setenv("EDITOR", "/nonexistent/editor", 1);
	assert_int_equal(kd_editor_run(file), KD_ERROR);
	assert_non_null(strstr(kd_error_last(), "/nonexistent/editor"));
	unsetenv("EDITOR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_runs_on_the_file),
		cmocka_unit_test(test_failure_names_the_editor),
	};
	return cmocka_run_group_tests_name("editor", tests, setup, teardown);
}
