/*
 * quantity — Kubernetes resource quantities ("200m", "1Gi", "1e3", 0.5)
 * parsed into an exact canonical form, so that two spellings of the same
 * amount compare equal ("0.2" = "200m", "1Gi" = "1024Mi", "1e3" = "1k").
 *
 * The value is kept exactly as a decimal digit string and a power of ten;
 * binary suffixes are multiplied out, so nothing is rounded.  Owns no memory.
 */
#ifndef KD_QUANTITY_H
#define KD_QUANTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Longest significant-digit string kept; longer quantities are refused
 * (the API server refuses them too, well before this). */
#define KD_QUANTITY_MAX_DIGITS 64

typedef struct kd_quantity {
	bool negative;
	int exp10;        /* value = digits * 10^exp10 */
	size_t ndigits;   /* 0 for zero */
	char digits[KD_QUANTITY_MAX_DIGITS + 1]; /* no leading/trailing zeros */
} kd_quantity;

/* Parses the Kubernetes quantity grammar: sign, decimal number, then one
 * suffix of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or e/E and an exponent.
 * KD_EINVAL (with a message naming the text) when it is not a quantity,
 * KD_ELIMIT when it has too many digits. */
int kd_quantity_parse(kd_quantity *out, const char *text, size_t len);

/* Parses a JSON string or number (YAML `cpu: 0.5` arrives as a number). */
int kd_quantity_from_json(kd_quantity *out, const json_t *v);

bool kd_quantity_equal(const kd_quantity *a, const kd_quantity *b);

/* Appends the canonical spelling: "0", or "[-]DIGITS" with "eN" when the
 * exponent is not zero ("2e-1" for 200m, "1073741824" for 1Gi). */
int kd_quantity_format(kd_buf *out, const kd_quantity *q);

/* True when both values parse as quantities and are equal. */
bool kd_quantity_json_equal(const json_t *a, const json_t *b);

#endif
