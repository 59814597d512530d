/*
 * Tests for core/base/duration.c: the one duration grammar the fleet file,
 * the CLI and the UI read (a bare number refused with the units, no sign,
 * no overflow), and its two printed forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

#define S 1000LL
#define M (60 * S)
#define H (60 * M)
#define D (24 * H)

static void test_accepted(void **state)
{
	static const struct { const char *text; int64_t ms; } ok[] = {
		{ "90s", 90 * S }, { "30m", 30 * M }, { "1h30m", H + 30 * M }, { "2h", 2 * H },
		{ "7d", 7 * D }, { "1d12h", D + 12 * H }, { "1m30s", 90 * S },
		{ "2h0m0s", 2 * H }, { "1h05m", H + 5 * M }, { "0s", 0 },
		{ "1500ms", 1500 }, { "1s500ms", 1500 }, { "1ms", 1 },
		/* fractions, kept to the millisecond */
		{ "1.5h", H + 30 * M }, { ".5m", 30 * S }, { "0.25s", 250 }, { "1.s", S },
		{ "0.0001s", 0 }, { "1.0009s", 1000 }, { "1.123456789123456789s", 1123 },
		/* units in any order, repeated: they add up */
		{ "30m1h", H + 30 * M }, { "1h1h", 2 * H },
		/* leading zeros */
		{ "007s", 7 * S },
		/* the longest there is, in two spellings */
		{ "106751d", 106751 * D }, { "9223372036854ms", KD_DURATION_MAX_MS },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t ms = -1;

		if (kd_duration_parse(&ms, ok[i].text) != 0)
			fail_msg("'%s' refused: %s", ok[i].text, kd_error_last());
		if (ms != ok[i].ms)
			fail_msg("'%s': got %lld ms, want %lld", ok[i].text, (long long)ms,
				 (long long)ok[i].ms);
	}
}

static void test_refused(void **state)
{
	static const struct { const char *text; const char *msg; } bad[] = {
		/* a bare number is no longer seconds (CLI) or minutes (UI) */
		{ "90", "'90' is not a duration: 90 needs a unit (d, h, m, s or ms), e.g. 90s or 90m" },
		{ "0", "'0' is not a duration: 0 needs a unit (d, h, m, s or ms), e.g. 0s or 0m" },
		{ "1h30", "'1h30' is not a duration: 30 needs a unit (d, h, m, s or ms), e.g. 30s or 30m" },
		{ "1.5", "'1.5' is not a duration: 1.5 needs a unit" },
		{ "", "an empty duration (write e.g. 90s, 30m, 1h30m or 2d)" },
		{ "-1h", "'-1h' is not a duration: it cannot be negative" },
		{ "+1h", "'+1h' is not a duration (write e.g. 90s, 30m, 1h30m or 2d; the units "
			 "are d, h, m, s and ms)" },
		{ "1w", "'1w' is not a duration (write e.g." },
		{ "1H", "'1H' is not a duration (write e.g." },
		{ "h", "'h' is not a duration (write e.g." },
		{ "1h 30m", "'1h 30m' is not a duration (write e.g." },
		{ " 1h", "' 1h' is not a duration (write e.g." },
		{ "1h ", "'1h ' is not a duration (write e.g." },
		{ "1us", "'1us' is not a duration (write e.g." },
		{ "1ns", "'1ns' is not a duration (write e.g." },
		{ ".", "'.' is not a duration (write e.g." },
		{ "1.2.3s", "'1.2.3s' is not a duration (write e.g." },
		{ "1e3s", "'1e3s' is not a duration (write e.g." },
		{ "0x10s", "'0x10s' is not a duration (write e.g." },
		{ "1sm", "'1sm' is not a duration (write e.g." },
		/* overflow: refused, never wrapped */
		{ "106752d", "'106752d' is too long (at most 106751d)" },
		{ "99999999999h", "'99999999999h' is too long" },
		{ "9223372036855ms", "'9223372036855ms' is too long" },
		{ "99999999999999999999999999s", "is too long" },
		{ "106751d106751d", "is too long" },
		{ "9223372036854775807ms", "is too long" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ms = 42;

		if (kd_duration_parse(&ms, bad[i].text) != KD_EINVAL)
			fail_msg("'%s' accepted as %lld ms", bad[i].text, (long long)ms);
		if (!strstr(kd_error_last(), bad[i].msg))
			fail_msg("'%s': message \"%s\", want \"%s\"", bad[i].text,
				 kd_error_last(), bad[i].msg);
		assert_int_equal(ms, 0);
	}
	assert_int_equal(kd_duration_parse(&(int64_t){ 0 }, NULL), KD_EINVAL);
}

static void test_seconds(void **state)
{
	long s = -1;

	(void)state;
	assert_int_equal(kd_duration_parse_seconds(&s, "1h30m", 0), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(kd_duration_parse_seconds(&s, "1500ms", 0), 0);
	assert_int_equal(s, 1);   /* the fraction of a second is dropped */
	assert_int_equal(kd_duration_parse_seconds(&s, "1h", 3600), 0);
	assert_int_equal(s, 3600);
	assert_int_equal(kd_duration_parse_seconds(&s, "0s", 0), KD_EINVAL);
	assert_string_equal(kd_error_last(), "'0s' is shorter than one second");
	assert_int_equal(kd_duration_parse_seconds(&s, "500ms", 0), KD_EINVAL);
	assert_string_equal(kd_error_last(), "'500ms' is shorter than one second");
	assert_int_equal(kd_duration_parse_seconds(&s, "1h0m1s", 3600), KD_EINVAL);
	assert_string_equal(kd_error_last(), "'1h0m1s' is longer than 1h00m");
	assert_int_equal(kd_duration_parse_seconds(&s, "90", 3600), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "needs a unit (d, h, m, s or ms)"));
	assert_int_equal(s, 0);
}

static void expect_format(int64_t ms, kd_duration_style style, const char *want)
{
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_duration_format(&b, ms, style), 0);
	if (strcmp(kd_buf_cstr(&b), want) != 0)
		fail_msg("%lld ms (%s): got '%s', want '%s'", (long long)ms,
			 style == KD_DURATION_AGE ? "age" : "span", kd_buf_cstr(&b), want);
	kd_buf_free(&b);
}

static void test_format(void **state)
{
	(void)state;
	/* ages: the largest unit, rounded down */
	expect_format(0, KD_DURATION_AGE, "0s");
	expect_format(999, KD_DURATION_AGE, "0s");
	expect_format(12 * S + 999, KD_DURATION_AGE, "12s");
	expect_format(59 * S, KD_DURATION_AGE, "59s");
	expect_format(60 * S, KD_DURATION_AGE, "1m");
	expect_format(5 * M + 59 * S, KD_DURATION_AGE, "5m");
	expect_format(3 * H + 59 * M, KD_DURATION_AGE, "3h");
	expect_format(2 * D + 23 * H, KD_DURATION_AGE, "2d");
	expect_format(400 * D, KD_DURATION_AGE, "400d");
	expect_format(-5 * S, KD_DURATION_AGE, "0s");   /* a clock running behind */
	/* spans and time left: two units, the second in two digits */
	expect_format(42 * S, KD_DURATION_SPAN, "42s");
	expect_format(5 * M + 3 * S + 999, KD_DURATION_SPAN, "5m03s");
	expect_format(30 * M, KD_DURATION_SPAN, "30m00s");
	expect_format(H, KD_DURATION_SPAN, "1h00m");
	expect_format(H + 30 * M + 59 * S, KD_DURATION_SPAN, "1h30m");
	expect_format(2 * D + 4 * H + 5 * M, KD_DURATION_SPAN, "2d04h");
	expect_format(KD_DURATION_MAX_MS, KD_DURATION_SPAN, "106751d23h");
	expect_format(-1, KD_DURATION_SPAN, "0s");
}

/* What is printed reads back through the grammar. */
static void test_format_reads_back(void **state)
{
	static const int64_t values[] = { 0, 42 * S, 5 * M + 3 * S, H, H + 30 * M, 2 * D + 4 * H };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		kd_buf b = KD_BUF_INIT;
		int64_t ms = -1;

		assert_int_equal(kd_duration_format(&b, values[i], KD_DURATION_SPAN), 0);
		assert_int_equal(kd_duration_parse(&ms, kd_buf_cstr(&b)), 0);
		assert_int_equal(ms, values[i]);
		kd_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_reads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
