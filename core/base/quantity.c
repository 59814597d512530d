/*
 * quantity — exact parsing and comparison of resource quantities
 * (see base.h).
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Working room for digits while binary suffixes are multiplied out: 1Ei
 * multiplies by 2^60, which adds at most 19 digits. */
#define WORK_DIGITS (KD_QUANTITY_MAX_DIGITS + 24)

static int decimal_suffix(int *exp10, const char *s, size_t len)
{
	static const struct { const char *name; int exp; } table[] = {
		{ "", 0 }, { "n", -9 }, { "u", -6 }, { "m", -3 }, { "k", 3 },
		{ "M", 6 }, { "G", 9 }, { "T", 12 }, { "P", 15 }, { "E", 18 },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strlen(table[i].name) == len &&
		    memcmp(table[i].name, s, len) == 0) {
			*exp10 = table[i].exp;
			return 1;
		}
	}
	return 0;
}

static int binary_suffix(int *power, const char *s, size_t len)
{
	static const char letters[] = "KMGTPE";
	const char *p;

	if (len != 2 || s[1] != 'i' || s[0] == '\0')
		return 0;
	p = strchr(letters, s[0]);
	if (!p)
		return 0;
	*power = (int)(p - letters) + 1;
	return 1;
}

/* Parses "e", "E" followed by an optional sign and digits. */
static int exponent_suffix(int *exp10, const char *s, size_t len)
{
	size_t i = 1;
	bool neg = false;
	long v = 0;

	if (len < 2 || (s[0] != 'e' && s[0] != 'E'))
		return 0;
	if (s[i] == '+' || s[i] == '-')
		neg = s[i++] == '-';
	if (i == len)
		return 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
		if (v > 10000)
			return 0;
	}
	*exp10 = (int)(neg ? -v : v);
	return 1;
}

/* digits (most significant first, values 0..9) *= 1024 in place. */
static int times_1024(unsigned char *d, size_t *n)
{
	unsigned carry = 0;
	size_t i;

	for (i = *n; i-- > 0;) {
		unsigned v = d[i] * 1024u + carry;

		d[i] = (unsigned char)(v % 10);
		carry = v / 10;
	}
	while (carry) {
		if (*n >= WORK_DIGITS)
			return -1;
		memmove(d + 1, d, *n);
		d[0] = (unsigned char)(carry % 10);
		carry /= 10;
		(*n)++;
	}
	return 0;
}

int kd_quantity_parse(kd_quantity *out, const char *text, size_t len)
{
	unsigned char d[WORK_DIGITS];
	size_t n = 0, i = 0, start, lead, trail;
	bool neg = false, seen_digit = false, seen_dot = false;
	int exp10 = 0, suffix_exp = 0, power = 0, k;

	memset(out, 0, sizeof(*out));
	if (i < len && (text[i] == '+' || text[i] == '-'))
		neg = text[i++] == '-';
	for (; i < len; i++) {
		char c = text[i];

		if (c == '.' && !seen_dot) {
			seen_dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		seen_digit = true;
		/* Leading zeros carry no information; skip them early so that
		 * "0000000...1" does not hit the digit limit. */
		if (n == 0 && c == '0') {
			if (seen_dot)
				exp10--;
			continue;
		}
		if (n >= KD_QUANTITY_MAX_DIGITS)
			return kd_error_set(KD_ELIMIT,
					    "quantity '%.*s' has too many digits",
					    (int)(len > 80 ? 80 : len), text);
		d[n++] = (unsigned char)(c - '0');
		if (seen_dot)
			exp10--;
	}
	start = i;
	if (!seen_digit ||
	    !(decimal_suffix(&suffix_exp, text + start, len - start) ||
	      binary_suffix(&power, text + start, len - start) ||
	      exponent_suffix(&suffix_exp, text + start, len - start)))
		return kd_error_set(KD_EINVAL, "'%.*s' is not a quantity",
				    (int)(len > 80 ? 80 : len), text);
	exp10 += suffix_exp;
	for (k = 0; k < power; k++) {
		if (times_1024(d, &n) < 0)
			return kd_error_set(KD_ELIMIT,
					    "quantity '%.*s' has too many digits",
					    (int)(len > 80 ? 80 : len), text);
	}
	for (lead = 0; lead < n && d[lead] == 0; lead++)
		;
	for (trail = n; trail > lead && d[trail - 1] == 0; trail--)
		exp10++;
	if (trail == lead)
		return 0; /* zero: no sign, no exponent */
	if (trail - lead > KD_QUANTITY_MAX_DIGITS)
		return kd_error_set(KD_ELIMIT, "quantity '%.*s' has too many digits",
				    (int)(len > 80 ? 80 : len), text);
	out->negative = neg;
	out->exp10 = exp10;
	out->ndigits = trail - lead;
	for (i = lead; i < trail; i++)
		out->digits[i - lead] = (char)('0' + d[i]);
	out->digits[out->ndigits] = '\0';
	return 0;
}

int kd_quantity_from_json(kd_quantity *out, const json_t *v)
{
	char num[64];

	if (json_is_string(v))
		return kd_quantity_parse(out, json_string_value(v),
					 json_string_length(v));
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return kd_quantity_parse(out, num, strlen(num));
	}
	if (json_is_real(v)) {
		double r = json_real_value(v);
		int prec;

		/* The shortest spelling that reads back as the same double is
		 * what the user wrote (0.2, not 0.20000000000000001). */
		for (prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof(num), "%.*g", prec, r);
			if (strtod(num, NULL) == r)
				break;
		}
		return kd_quantity_parse(out, num, strlen(num));
	}
	return kd_error_set(KD_EINVAL, "a quantity must be a string or a number");
}

bool kd_quantity_equal(const kd_quantity *a, const kd_quantity *b)
{
	return a->negative == b->negative && a->exp10 == b->exp10 &&
	       a->ndigits == b->ndigits &&
	       memcmp(a->digits, b->digits, a->ndigits) == 0;
}

int kd_quantity_format(kd_buf *out, const kd_quantity *q)
{
	if (q->ndigits == 0)
		return kd_buf_puts(out, "0");
	if (q->exp10 == 0)
		return kd_buf_printf(out, "%s%s", q->negative ? "-" : "",
				     q->digits);
	return kd_buf_printf(out, "%s%se%d", q->negative ? "-" : "",
			     q->digits, q->exp10);
}

bool kd_quantity_json_equal(const json_t *a, const json_t *b)
{
	kd_quantity qa, qb;

	if (kd_quantity_from_json(&qa, a) < 0 ||
	    kd_quantity_from_json(&qb, b) < 0) {
		kd_error_clear();
		return false;
	}
	return kd_quantity_equal(&qa, &qb);
}
