/*
 * Tests for core/userconf: the user's settings file read into defaults,
 * each key's problem reported as FILE:LINE:COLUMN and left out while the
 * rest still applies, a file that is no mapping refused, a missing file
 * an empty config.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "userconf/userconf.h"

/* The warnings of one parse, joined by newlines. */
static void collect(void *ctx, const char *message)
{
	kd_buf *b = ctx;

	kd_buf_puts(b, message);
	kd_buf_puts(b, "\n");
}

static kd_userconf *parse(const char *text, kd_buf *warnings)
{
	kd_userconf *c = NULL;

	assert_int_equal(kd_userconf_parse(&c, text, strlen(text), "cfg", collect, warnings), 0);
	assert_non_null(c);
	return c;
}

static void test_good_file(void **state)
{
	kd_buf w = KD_BUF_INIT;
	kd_userconf *c;

	(void)state;
	setenv("HOME", "/home/ops", 1);
	c = parse("# my settings\n"
		  "theme: light\n"
		  "keymap: vim\n"
		  "mouse: true\n"
		  "repo: ~/src/fleet\n"
		  "kubeconfig: /etc/kube/fleet.yaml\n", &w);
	assert_string_equal(kd_buf_cstr(&w), "");
	assert_string_equal(c->file, "cfg");
	assert_string_equal(c->theme, "light");
	assert_string_equal(c->keymap, "vim");
	assert_int_equal(c->mouse, 1);
	assert_string_equal(c->repo, "/home/ops/src/fleet");
	assert_string_equal(c->kubeconfig, "/etc/kube/fleet.yaml");
	kd_userconf_free(c);
	kd_buf_free(&w);
}

static void test_empty_file_sets_nothing(void **state)
{
	kd_buf w = KD_BUF_INIT;
	kd_userconf *c;

	(void)state;
	c = parse("# nothing yet\n", &w);
	assert_null(c->theme);
	assert_null(c->keymap);
	assert_null(c->repo);
	assert_null(c->kubeconfig);
	assert_int_equal(c->mouse, -1);
	assert_string_equal(kd_buf_cstr(&w), "");
	kd_userconf_free(c);
	kd_buf_free(&w);
}

static void test_unknown_key(void **state)
{
	kd_buf w = KD_BUF_INIT;
	kd_userconf *c;

	(void)state;
	c = parse("theme: mono\n"
		  "colour: red\n"
		  "repository: /srv/fleet\n", &w);
	assert_string_equal(kd_buf_cstr(&w),
			    "cfg:2:1: unknown key 'colour' (known: theme, keymap, mouse, repo, kubeconfig)\n"
			    "cfg:3:1: unknown key 'repository'; did you mean 'repo'?\n");
	assert_string_equal(c->theme, "mono");   /* the rest still applies */
	assert_null(c->repo);
	kd_userconf_free(c);
	kd_buf_free(&w);
}

static void test_wrong_type(void **state)
{
	kd_buf w = KD_BUF_INIT;
	kd_userconf *c;

	(void)state;
	c = parse("mouse: yes please\n"
		  "keymap: emacs\n"
		  "theme: [light]\n", &w);
	assert_string_equal(kd_buf_cstr(&w),
			    "cfg:1:1: mouse: expected true or false\n"
			    "cfg:3:1: theme: expected a string\n");
	assert_int_equal(c->mouse, -1);
	assert_null(c->theme);
	assert_string_equal(c->keymap, "emacs");
	kd_userconf_free(c);
	kd_buf_free(&w);
}

static void test_bad_value(void **state)
{
	kd_buf w = KD_BUF_INIT;
	kd_userconf *c;

	(void)state;
	c = parse("theme: \"light dark\"\n"
		  "  # a comment between\n"
		  "repo: ~alice/fleet\n"
		  "kubeconfig: \"\"\n"
		  "keymap: ./my.keys\n", &w);
	assert_string_equal(kd_buf_cstr(&w),
			    "cfg:1:1: theme: 'light dark' is not a name (letters, digits, '-', '_', '.') or a file path\n"
			    "cfg:3:1: repo: only ~/ is expanded, not ~USER\n"
			    "cfg:4:1: kubeconfig: an empty value or one with control characters\n");
	assert_null(c->theme);
	assert_null(c->repo);
	assert_null(c->kubeconfig);
	assert_string_equal(c->keymap, "./my.keys");   /* a path is fine */
	kd_userconf_free(c);
	kd_buf_free(&w);
}

static void test_not_a_mapping(void **state)
{
	kd_userconf *c = NULL;
	const char *list = "- theme\n- light\n", *broken = "theme: [light\n";

	(void)state;
	assert_int_equal(kd_userconf_parse(&c, list, strlen(list), "cfg", NULL, NULL), KD_EINVAL);
	assert_null(c);
	assert_non_null(strstr(kd_error_last(), "cfg:1:1: expected a mapping"));
	assert_true(kd_userconf_parse(&c, broken, strlen(broken), "cfg", NULL, NULL) < 0);
	assert_null(c);
	assert_non_null(strstr(kd_error_last(), "cfg:"));
}

static void test_load_missing_and_from_xdg(void **state)
{
	char dir[] = "/tmp/kd-userconf-XXXXXX", path[128];
	kd_userconf *c = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("KDRIFT_CONFIG_DIR", dir, 1);
	assert_int_equal(kd_userconf_load(&c, NULL, NULL, NULL), 0);
	assert_null(c->file);   /* no file: nothing set, no error */
	assert_null(c->theme);
	assert_int_equal(c->mouse, -1);
	kd_userconf_free(c);

	snprintf(path, sizeof(path), "%s/config", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("theme: high-contrast\nmouse: false\n", f);
	fclose(f);
	assert_int_equal(kd_userconf_load(&c, NULL, NULL, NULL), 0);
	assert_string_equal(c->file, path);
	assert_string_equal(c->theme, "high-contrast");
	assert_int_equal(c->mouse, 0);
	kd_userconf_free(c);
	kd_userconf_free(NULL);
	unlink(path);
	rmdir(dir);
	unsetenv("KDRIFT_CONFIG_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_empty_file_sets_nothing),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_bad_value),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_load_missing_and_from_xdg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
