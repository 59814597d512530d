/*
 * time — RFC 3339 instants and the wall clock (see base.h).
 *
 * The calendar is computed here (proleptic Gregorian, days counted from
 * 1970-01-01) rather than through timegm/gmtime, so parsing never
 * consults the local time zone and no time_t range limits the result.
 */
#include "base/base.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t kd_time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days from 1970-01-01 to y-m-d (m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse: y-m-d of a day number. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n decimal digits at *p into *out, advancing *p. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return true;
}

int kd_time_parse(int64_t *out_ms, const char *text)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = text;
	int y, mo, d, h, mi, s, ms = 0, oh = 0, om = 0, sign = 0;

	*out_ms = 0;
	if (!text)
		return kd_error_set(KD_EINVAL, "no time given");
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		goto bad;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &s))
		goto bad;
	if (*p == '.') {
		int scale = 100;

		if (p[1] < '0' || p[1] > '9')
			goto bad;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;   /* scale reaches 0 past the millisecond */
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			goto bad;
	} else {
		goto bad;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 || s > 60)
		goto bad;
	if (s == 60)
		s = 59;   /* a leap second sorts with the second before it */
	*out_ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) -
		   sign * (oh * 3600 + om * 60)) * 1000 + ms;
	return 0;
bad:
	return kd_error_set(KD_EINVAL, "'%s' is not an RFC 3339 time (such as "
			    "2026-11-26T03:05:19Z)", text);
}

const char *kd_time_format(char out[KD_TIME_SIZE], int64_t ms, unsigned flags)
{
	/* Floor division, so an instant before 1970 keeps a positive
	 * millisecond and time of day. */
	int64_t secs = ms / 1000 - (ms % 1000 < 0), days, rest, y;
	int milli = (int)(ms % 1000 + (ms % 1000 < 0 ? 1000 : 0)), m, d;
	char *w = out;
	const char *r;

	days = secs / 86400 - (secs % 86400 < 0);
	rest = secs - days * 86400;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, KD_TIME_SIZE, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d,
		 (int)(rest / 3600), (int)(rest % 3600 / 60), (int)(rest % 60));
	if (flags & KD_TIME_MILLIS)
		snprintf(out + strlen(out), KD_TIME_SIZE - strlen(out), ".%03d", milli);
	snprintf(out + strlen(out), KD_TIME_SIZE - strlen(out), "Z");
	if (flags & KD_TIME_COMPACT) {
		/* The sign of a year before 0 is the only '-' kept. */
		for (r = out; *r; r++)
			if ((*r != '-' || r == out) && *r != ':' && *r != '.')
				*w++ = *r;
		*w = '\0';
	}
	return out;
}
