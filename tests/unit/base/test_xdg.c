/*
 * Tests for core/base/xdg.c: kdrift's config, state and cache directories
 * from the XDG variables, HOME and KDRIFT_CONFIG_DIR, with one clear error
 * when there is nowhere to go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

static const char *const vars[] = {
	"HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "KDRIFT_CONFIG_DIR",
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))

/* The environment as the test found it, restored after each test. */
static int save_env(void **state)
{
	char **saved = calloc(NVARS, sizeof(*saved));
	size_t i;

	if (!saved)
		return -1;
	for (i = 0; i < NVARS; i++)
		if (getenv(vars[i]) && !(saved[i] = strdup(getenv(vars[i]))))
			return -1;
	for (i = 0; i < NVARS; i++)
		unsetenv(vars[i]);
	*state = saved;
	return 0;
}

static int restore_env(void **state)
{
	char **saved = *state;
	size_t i;

	for (i = 0; i < NVARS; i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
	free(saved);
	return 0;
}

static void expect_dir(kd_xdg_kind kind, const char *want)
{
	char *dir = NULL;

	if (kd_xdg_dir(&dir, kind) != 0)
		fail_msg("kind %d: %s", (int)kind, kd_error_last());
	assert_string_equal(dir, want);
	free(dir);
}

static void test_xdg_variables(void **state)
{
	(void)state;
	setenv("HOME", "/home/olga", 1);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	setenv("XDG_STATE_HOME", "/st", 1);
	setenv("XDG_CACHE_HOME", "/ca", 1);
	expect_dir(KD_XDG_CONFIG, "/cfg/kdrift");
	expect_dir(KD_XDG_STATE, "/st/kdrift");
	expect_dir(KD_XDG_CACHE, "/ca/kdrift");
}

static void test_home_defaults(void **state)
{
	(void)state;
	setenv("HOME", "/home/olga", 1);
	expect_dir(KD_XDG_CONFIG, "/home/olga/.config/kdrift");
	expect_dir(KD_XDG_STATE, "/home/olga/.local/state/kdrift");
	expect_dir(KD_XDG_CACHE, "/home/olga/.cache/kdrift");
	/* empty and relative XDG values are invalid: ignored */
	setenv("XDG_CONFIG_HOME", "", 1);
	setenv("XDG_STATE_HOME", "relative/state", 1);
	setenv("XDG_CACHE_HOME", "~/cache", 1);
	expect_dir(KD_XDG_CONFIG, "/home/olga/.config/kdrift");
	expect_dir(KD_XDG_STATE, "/home/olga/.local/state/kdrift");
	expect_dir(KD_XDG_CACHE, "/home/olga/.cache/kdrift");
}

static void test_kdrift_config_dir(void **state)
{
	(void)state;
	setenv("HOME", "/home/olga", 1);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	setenv("KDRIFT_CONFIG_DIR", "/etc/kdrift-team", 1);
	expect_dir(KD_XDG_CONFIG, "/etc/kdrift-team");
	/* it overrides the config directory only */
	expect_dir(KD_XDG_STATE, "/home/olga/.local/state/kdrift");
	setenv("KDRIFT_CONFIG_DIR", "", 1);
	expect_dir(KD_XDG_CONFIG, "/cfg/kdrift");
}

static void test_nowhere(void **state)
{
	char *dir = (char *)"untouched";

	(void)state;
	assert_int_equal(kd_xdg_dir(&dir, KD_XDG_STATE), KD_ENOTFOUND);
	assert_null(dir);
	assert_string_equal(kd_error_last(), "nowhere to keep kdrift's state (audit log, sessions): "
			    "set XDG_STATE_HOME or HOME to an absolute path");
	setenv("HOME", "relative-home", 1);
	assert_int_equal(kd_xdg_path(&dir, KD_XDG_CACHE, "repos"), KD_ENOTFOUND);
	assert_null(dir);
	assert_non_null(strstr(kd_error_last(), "set XDG_CACHE_HOME or HOME"));
	/* the state directory alone is enough for state */
	setenv("XDG_STATE_HOME", "/st", 1);
	expect_dir(KD_XDG_STATE, "/st/kdrift");
	assert_int_equal(kd_xdg_dir(&dir, KD_XDG_CONFIG), KD_ENOTFOUND);
}

static void test_path(void **state)
{
	char *path = NULL;

	(void)state;
	setenv("XDG_STATE_HOME", "/st", 1);
	assert_int_equal(kd_xdg_path(&path, KD_XDG_STATE, "audit.jsonl"), 0);
	assert_string_equal(path, "/st/kdrift/audit.jsonl");
	free(path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, save_env, restore_env)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_xdg_variables),
		T(test_home_defaults),
		T(test_kdrift_config_dir),
		T(test_nowhere),
		T(test_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
