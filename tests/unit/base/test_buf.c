/*
 * Tests for core/base/buf.c and core/base/error.c: the growable buffer every module
 * writes text into, and the thread-local error slot.
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

static void test_buf_grows_and_terminates(void **state)
{
	kd_buf b = KD_BUF_INIT;
	size_t i;

	(void)state;
	assert_string_equal(kd_buf_cstr(&b), "");
	for (i = 0; i < 10000; i++)
		assert_int_equal(kd_buf_putc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.data[9999], 'a' + 9999 % 26);
	kd_buf_truncate(&b, 3);
	assert_string_equal(kd_buf_cstr(&b), "abc");
	assert_int_equal(kd_buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_string_equal(kd_buf_cstr(&b), "abc-42-x");
	kd_buf_clear(&b);
	assert_string_equal(kd_buf_cstr(&b), "");
	kd_buf_free(&b);
	assert_null(b.data);
}

static void test_buf_detach(void **state)
{
	kd_buf b = KD_BUF_INIT;
	char *s;

	(void)state;
	s = kd_buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	kd_buf_puts(&b, "hello");
	s = kd_buf_detach(&b);
	assert_string_equal(s, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
}

static void test_buf_read_file(void **state)
{
	char path[] = "/tmp/kdrift-buf-XXXXXX";
	kd_buf b = KD_BUF_INIT;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	assert_int_equal(kd_buf_read_file(&b, path, 0), 0);
	assert_string_equal(kd_buf_cstr(&b), "0123456789");
	kd_buf_clear(&b);
	assert_int_equal(kd_buf_read_file(&b, path, 5), KD_ELIMIT);
	assert_non_null(strstr(kd_error_last(), path));
	unlink(path);
	assert_int_equal(kd_buf_read_file(&b, path, 0), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), path));
	kd_buf_free(&b);
}

static void test_error_set_and_wrap(void **state)
{
	char longtext[5000];

	(void)state;
	kd_error_clear();
	assert_string_equal(kd_error_last(), "");
	assert_int_equal(kd_error_last_code(), KD_OK);
	assert_int_equal(kd_error_set(KD_EINVAL, "bad %s", "thing"), KD_EINVAL);
	assert_string_equal(kd_error_last(), "bad thing");
	assert_int_equal(kd_error_wrap(KD_EINVAL, "app '%s': ", "web"), KD_EINVAL);
	assert_string_equal(kd_error_last(), "app 'web': bad thing");
	assert_int_equal(kd_error_last_code(), KD_EINVAL);
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	kd_error_set(KD_ERROR, "%s", longtext);
	assert_true(strlen(kd_error_last()) < sizeof(longtext));
	assert_string_equal(kd_error_last() + strlen(kd_error_last()) - 3, "...");
	assert_string_equal(kd_error_name(KD_ENOTFOUND), "not found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_terminates),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_buf_read_file),
		cmocka_unit_test(test_error_set_and_wrap),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
