/*
 * Tests for core/base/time.c: RFC 3339 parsed (fractions, offsets, the
 * calendar's edges) and formatted in UTC with "Z", the two agreeing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "base/base.h"

static int64_t parsed(const char *text)
{
	int64_t ms = -1;

	if (kd_time_parse(&ms, text) != 0)
		fail_msg("'%s' refused: %s", text, kd_error_last());
	return ms;
}

static void test_parse(void **state)
{
	const int64_t t = 1764126319123LL;   /* 2025-11-26T03:05:19.123Z */

	(void)state;
	assert_int_equal(parsed("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parsed("2025-11-26T03:05:19.123Z"), t);
	assert_int_equal(parsed("2025-11-26T03:05:19Z"), t - 123);
	/* offsets: east of UTC is earlier in UTC */
	assert_int_equal(parsed("2025-11-26T04:05:19.123+01:00"), t);
	assert_int_equal(parsed("2025-11-25T22:35:19.123-04:30"), t);
	assert_int_equal(parsed("2025-11-26T03:05:19.123-00:00"), t);
	/* fractions of any length, kept to the millisecond */
	assert_int_equal(parsed("2025-11-26T03:05:19.1Z"), t - 23);
	assert_int_equal(parsed("2025-11-26T03:05:19.123999999999Z"), t);
	/* what RFC 3339 also permits */
	assert_int_equal(parsed("2025-11-26t03:05:19.123z"), t);
	assert_int_equal(parsed("2025-11-26 03:05:19.123Z"), t);
	/* a leap second sorts with the second before it */
	assert_int_equal(parsed("2016-12-31T23:59:60Z"), parsed("2016-12-31T23:59:59Z"));
	/* the calendar: leap years, and before the epoch */
	assert_int_equal(parsed("2000-02-29T00:00:00Z"), 951782400000LL);
	assert_int_equal(parsed("2024-02-29T12:00:00Z") + 12 * 3600000LL,
			 parsed("2024-03-01T00:00:00Z"));
	assert_int_equal(parsed("1969-12-31T23:59:59.500Z"), -500);
	assert_int_equal(parsed("0001-01-01T00:00:00Z"), -62135596800000LL);
	/* what kubeconfig exec credentials carry */
	assert_int_equal(parsed("2026-11-26T10:00:00Z"), 1795687200000LL);
	assert_int_equal(parsed("2026-11-26T10:00:00.123456Z"), 1795687200123LL);
	assert_int_equal(parsed("2026-11-26T12:30:00+02:30"), parsed("2026-11-26T10:00:00Z"));
}

static void test_parse_refuses(void **state)
{
	static const char *const bad[] = {
		"", "2026-11-26", "2026-11-26T03:05", "2026-11-26T03:05:19",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z",
		"2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-11-26T24:00:00Z",
		"2026-11-26T03:60:00Z", "2026-11-26T03:05:61Z", "2026-11-26T03:05:19.Z",
		"2026-11-26T03:05:19+0100", "2026-11-26T03:05:19+24:00",
		"2026-11-26T03:05:19Zjunk", "26-11-26T03:05:19Z", "2026/11/26T03:05:19Z",
		"2026-11-26X03:05:19Z", "yesterday", "2026-1-26T03:05:19Z",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ms = 42;

		if (kd_time_parse(&ms, bad[i]) != KD_EINVAL)
			fail_msg("'%s' accepted as %lld", bad[i], (long long)ms);
		assert_non_null(strstr(kd_error_last(), "is not an RFC 3339 time"));
		assert_int_equal(ms, 0);
	}
}

static void test_format(void **state)
{
	char out[KD_TIME_SIZE];

	(void)state;
	assert_string_equal(kd_time_format(out, 0, 0), "1970-01-01T00:00:00Z");
	assert_string_equal(kd_time_format(out, 1764126319123LL, 0), "2025-11-26T03:05:19Z");
	assert_string_equal(kd_time_format(out, 1764126319123LL, KD_TIME_MILLIS),
			    "2025-11-26T03:05:19.123Z");
	assert_string_equal(kd_time_format(out, 1764126319007LL, KD_TIME_MILLIS),
			    "2025-11-26T03:05:19.007Z");
	assert_string_equal(kd_time_format(out, 1764126319123LL, KD_TIME_COMPACT),
			    "20251126T030519Z");
	assert_string_equal(kd_time_format(out, 1764126319123LL, KD_TIME_COMPACT | KD_TIME_MILLIS),
			    "20251126T030519123Z");
	assert_string_equal(kd_time_format(out, 951782400000LL, 0), "2000-02-29T00:00:00Z");
	assert_string_equal(kd_time_format(out, -500, KD_TIME_MILLIS), "1969-12-31T23:59:59.500Z");
	assert_string_equal(kd_time_format(out, 253402300799999LL, KD_TIME_MILLIS),
			    "9999-12-31T23:59:59.999Z");
	/* the extremes fit the buffer */
	kd_time_format(out, INT64_MAX, KD_TIME_MILLIS);
	assert_true(strlen(out) < KD_TIME_SIZE);
	kd_time_format(out, INT64_MIN, KD_TIME_MILLIS);
	assert_true(strlen(out) < KD_TIME_SIZE);
}

/* Formatted times read back exactly, and agree with the C library's UTC
 * calendar over four centuries of days. */
static void test_round_trip(void **state)
{
	int64_t ms;
	char out[KD_TIME_SIZE], want[KD_TIME_SIZE];

	(void)state;
	for (ms = -2208988800000LL; ms < 10413792000000LL; ms += 86400000LL * 97 + 3601001) {
		time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
		struct tm tm;
		int64_t back = 0;

		kd_time_format(out, ms, KD_TIME_MILLIS);
		assert_int_equal(kd_time_parse(&back, out), 0);
		assert_int_equal(back, ms);
		kd_time_format(out, ms, 0);
		assert_non_null(gmtime_r(&t, &tm));
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_string_equal(out, want);
	}
}

static void test_now(void **state)
{
	int64_t a, b;

	(void)state;
	a = kd_time_now_ms();
	b = (int64_t)time(NULL) * 1000;
	assert_true(a > 1700000000000LL);
	assert_true(a - b < 2000 && b - a < 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
