/*
 * duration — the one grammar for a span of time and its two printed
 * forms (see base.h).  Owns nothing; never looks at a clock.
 */
#include "base/base.h"

#include <limits.h>
#include <string.h>

#define EXAMPLES "90s, 30m, 1h30m or 2d"

static const struct {
	const char *name;
	int64_t ms;
} units[] = {
	/* "ms" before "m": the longer name wins. */
	{ "ms", 1 }, { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
};

static int not_a_duration(const char *text)
{
	return kd_error_set(KD_EINVAL, "'%s' is not a duration (write e.g. " EXAMPLES "; the "
			    "units are d, h, m, s and ms)", text);
}

/* The number at p..end has no unit after it. */
static int needs_unit(const char *text, const char *p, const char *end)
{
	int n = (int)(end - p);

	return kd_error_set(KD_EINVAL, "'%s' is not a duration: %.*s needs a unit (d, h, m, s "
			    "or ms), e.g. %.*ss or %.*sm", text, n, p, n, p, n, p);
}

static int too_long(const char *text)
{
	return kd_error_set(KD_EINVAL, "'%s' is too long (at most %lldd)", text,
			    (long long)(KD_DURATION_MAX_MS / 86400000));
}

int kd_duration_parse(int64_t *out_ms, const char *text)
{
	const char *p = text;
	int64_t total = 0;

	*out_ms = 0;
	if (!text || !*text)
		return kd_error_set(KD_EINVAL, "an empty duration (write e.g. " EXAMPLES ")");
	if (*p == '-')
		return kd_error_set(KD_EINVAL, "'%s' is not a duration: it cannot be negative", text);
	while (*p) {
		const char *start = p;
		int64_t whole = 0, frac = 0, scale = 1, unit = 0, part;
		bool digits = false;
		size_t i, n = 0;

		for (; *p >= '0' && *p <= '9'; p++, digits = true) {
			/* Past the longest duration in any unit: too long,
			 * whatever the unit turns out to be. */
			if (whole > KD_DURATION_MAX_MS / 10)
				return too_long(text);
			whole = whole * 10 + (*p - '0');
		}
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
				/* A millisecond of a day is 1/86400000: nine digits
				 * cover every unit; further ones change nothing. */
				if (scale < 1000000000) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
			}
		}
		if (!digits)
			return not_a_duration(text);
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t len = strlen(units[i].name);

			if (strncmp(p, units[i].name, len) == 0) {
				n = len;
				unit = units[i].ms;
				break;
			}
		}
		if (n == 0)
			return *p == '\0' ? needs_unit(text, start, p) : not_a_duration(text);
		p += n;
		if (whole > KD_DURATION_MAX_MS / unit)
			return too_long(text);
		/* frac < scale <= 10^9 and unit <= 8.64e7: the product fits. */
		part = whole * unit + frac * unit / scale;
		if (part > KD_DURATION_MAX_MS - total)
			return too_long(text);
		total += part;
	}
	*out_ms = total;
	return 0;
}

int kd_duration_parse_seconds(long *out_s, const char *text, long max_s)
{
	int64_t ms;
	int rc;

	*out_s = 0;
	if ((rc = kd_duration_parse(&ms, text)) < 0)
		return rc;
	if (ms < 1000)
		return kd_error_set(KD_EINVAL, "'%s' is shorter than one second", text);
	if (ms / 1000 > LONG_MAX)   /* a 32-bit long */
		return too_long(text);
	if (max_s > 0 && ms / 1000 > max_s) {
		kd_buf limit = KD_BUF_INIT;

		rc = kd_duration_format(&limit, (int64_t)max_s * 1000, KD_DURATION_SPAN);
		if (rc == 0)
			rc = kd_error_set(KD_EINVAL, "'%s' is longer than %s", text, kd_buf_cstr(&limit));
		kd_buf_free(&limit);
		return rc;
	}
	*out_s = (long)(ms / 1000);
	return 0;
}

int kd_duration_format(kd_buf *out, int64_t ms, kd_duration_style style)
{
	/* Largest first; "ms" is never shown. */
	static const struct { char name; int64_t ms; } show[] = {
		{ 'd', 86400000 }, { 'h', 3600000 }, { 'm', 60000 }, { 's', 1000 },
	};
	const size_t nshow = sizeof(show) / sizeof(show[0]);
	size_t i = 0;
	int64_t first;

	if (ms < 0)
		ms = 0;
	while (i + 1 < nshow && ms < show[i].ms)
		i++;
	first = ms / show[i].ms;
	if (style == KD_DURATION_AGE || i + 1 == nshow)
		return kd_buf_printf(out, "%lld%c", (long long)first, show[i].name);
	return kd_buf_printf(out, "%lld%c%02lld%c", (long long)first, show[i].name,
			     (long long)(ms % show[i].ms / show[i + 1].ms), show[i + 1].name);
}
