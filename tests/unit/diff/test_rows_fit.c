/*
 * Tests for core/diff/rows_fit.c: one diff line fitted to a width, as both
 * faces show it.  What a reader relies on: the indentation, list dash and
 * key stay whole, the bytes that differ stay visible, the value loses its
 * middle (an ellipsis), the result never exceeds the width, and a line
 * that fits is left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "diff/diff.h"

/* The fitted line as a face draws it, "…" written as '~' (one column). */
static void shown(char *out, size_t size, const char *text, size_t cs, size_t ce, size_t width)
{
	kd_diff_fit fit;
	size_t i, len = 0;

	assert_int_equal(kd_diff_line_fit(&fit, text, cs, ce, width, 1, 0), 0);
	out[0] = '\0';
	for (i = 0; i < fit.nparts; i++) {
		if (i || fit.lead)
			len += (size_t)snprintf(out + len, size - len, "~");
		len += (size_t)snprintf(out + len, size - len, "%.*s",
					(int)(fit.part[i].end - fit.part[i].start), text + fit.part[i].start);
	}
	if (fit.cut_end)
		snprintf(out + len, size - len, "~");
}

static size_t columns(const char *s)
{
	return kd_sanitize_width(s, strlen(s), 0);
}

static void test_line_that_fits_is_whole(void **state)
{
	const char *t = "        image: registry.example.com/platform/api-gateway:2.8.1";
	char out[256];

	(void)state;
	shown(out, sizeof(out), t, strlen(t) - 5, strlen(t), 200);
	assert_string_equal(out, t);
	shown(out, sizeof(out), t, strlen(t) - 5, strlen(t), strlen(t));
	assert_string_equal(out, t);
}

static void test_changed_value_keeps_key_and_difference(void **state)
{
	const char *t = "        image: registry.example.com/platform/api-gateway:2.8.1-hotfix.2";
	const char *diff = strstr(t, "-hotfix.2");
	char out[256];
	size_t w;

	(void)state;
	for (w = 30; w <= 60; w += 5) {
		shown(out, sizeof(out), t, (size_t)(diff - t), strlen(t), w);
		assert_true(columns(out) <= w);
		assert_memory_equal(out, "        image: ", 15);
		assert_non_null(strstr(out, "-hotfix.2"));
		assert_non_null(strchr(out, '~'));
	}
	/* with room, the end of the common part before the difference stays too */
	shown(out, sizeof(out), t, (size_t)(diff - t), strlen(t), 50);
	assert_non_null(strstr(out, "2.8.1-hotfix.2"));
}

static void test_difference_in_the_middle_keeps_both_ends(void **state)
{
	const char *t = "  - --config=/etc/proxy/CHANGED-PART/envoy/bootstrap/config.yaml";
	const char *c = strstr(t, "CHANGED-PART");
	char out[256];

	(void)state;
	shown(out, sizeof(out), t, (size_t)(c - t), (size_t)(c - t) + 12, 40);
	assert_true(columns(out) <= 40);
	assert_memory_equal(out, "  - ", 4);
	assert_non_null(strstr(out, "CHANGED-PART"));
	/* the line's end (the file name) stays, its middle goes */
	assert_int_equal(out[strlen(out) - 1], 'l');
	assert_non_null(strchr(out, '~'));
}

static void test_difference_wider_than_room_keeps_its_ends(void **state)
{
	const char *t = "    description: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaZ";
	const char *v = strstr(t, "aaa");
	char out[256];

	(void)state;
	shown(out, sizeof(out), t, (size_t)(v - t), strlen(t), 40);
	assert_true(columns(out) <= 40);
	assert_memory_equal(out, "    description: ", 17);
	/* the differing value's last character is still there */
	assert_int_equal(out[strlen(out) - 1], 'Z');
}

static void test_unchanged_line_keeps_key_and_end(void **state)
{
	const char *t = "        image: registry.example.com/platform/billing:3.1.0";
	char out[256];

	(void)state;
	shown(out, sizeof(out), t, strlen(t), strlen(t), 40);
	assert_true(columns(out) <= 40);
	assert_memory_equal(out, "        image: ", 15);
	assert_non_null(strstr(out, "billing:3.1.0"));
}

static void test_key_alone_too_wide_is_cut_at_the_end(void **state)
{
	const char *t = "            a-very-long-annotation-key.example.com/with-a-path: x";
	char out[256];

	(void)state;
	shown(out, sizeof(out), t, strlen(t) - 1, strlen(t), 20);
	assert_true(columns(out) <= 20);
	assert_memory_equal(out, "            a", 13);
	assert_int_equal(out[strlen(out) - 1], '~');
}

static void test_wide_characters_count_two_columns(void **state)
{
	/* 20 CJK characters: 40 columns, 60 bytes */
	const char *t = "  note: 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 end";
	char out[256];

	(void)state;
	shown(out, sizeof(out), t, strlen(t) - 3, strlen(t), 30);
	assert_true(columns(out) <= 30);
	assert_memory_equal(out, "  note: ", 8);
	assert_non_null(strstr(out, "end"));
}

static void test_null_text(void **state)
{
	kd_diff_fit fit;

	(void)state;
	assert_int_equal(kd_diff_line_fit(&fit, NULL, 0, 0, 10, 1, 0), 0);
	assert_int_equal(fit.nparts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_that_fits_is_whole),
		cmocka_unit_test(test_changed_value_keeps_key_and_difference),
		cmocka_unit_test(test_difference_in_the_middle_keeps_both_ends),
		cmocka_unit_test(test_difference_wider_than_room_keeps_its_ends),
		cmocka_unit_test(test_unchanged_line_keeps_key_and_end),
		cmocka_unit_test(test_key_alone_too_wide_is_cut_at_the_end),
		cmocka_unit_test(test_wide_characters_count_two_columns),
		cmocka_unit_test(test_null_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
