/*
 * sanitize — the one sanitiser for text that reaches a terminal (see
 * base.h for what is shown how).  The CLI appends its result to what it
 * prints; the UI draws it piece by piece into curses cells.  Never
 * writes to a terminal itself.
 */
#include "base/base.h"

#include <stdio.h>
#include <wchar.h>

/* Decodes one UTF-8 sequence: its length, or 0 for a byte that does not
 * start a valid one (overlong forms, surrogates and values past U+10FFFF
 * included, so one character has one spelling). */
static size_t decode(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t n, i;
	unsigned c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Characters that change how text around them reads, or that cannot be
 * seen at all: bidi controls, zero-width and other invisible format
 * characters, line and paragraph separators, tags. */
static bool invisible(unsigned cp)
{
	return cp == 0x00ad || cp == 0x061c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) ||   /* ZWSP, ZWNJ, ZWJ, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||   /* LS, PS, LRE..RLO */
	       (cp >= 0x2060 && cp <= 0x206f) ||   /* WJ, invisible operators, LRI..PDI */
	       cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
	       (cp >= 0xe0000 && cp <= 0xe007f);   /* tags */
}

size_t kd_sanitize_next(kd_sanitize_piece *out, const char *s, size_t len, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp = 0;
	size_t n;
	int w;

	out->len = 0;
	out->cp = 0;
	out->escaped = false;
	out->text[0] = '\0';
	out->width = 0;
	if (!s || len == 0)
		return 0;
	n = decode(u, len, &cp);
	if (n == 0) {
		snprintf(out->text, sizeof(out->text), "\\x%02X", u[0]);
		n = 1;
	} else if (cp < 0x20 || cp == 0x7f) {
		snprintf(out->text, sizeof(out->text), "^%c", (char)(cp ^ 0x40));
	} else if ((cp >= 0x80 && cp < 0xa0) || invisible(cp)) {
		snprintf(out->text, sizeof(out->text), "<U+%04X>", cp);
	} else if (cp >= 0x80 && (flags & KD_SANITIZE_ASCII)) {
		snprintf(out->text, sizeof(out->text), "?");
	} else if (cp >= 0x80) {
		w = wcwidth((wchar_t)cp);
		if (w <= 0 && (flags & KD_SANITIZE_CELLS))
			snprintf(out->text, sizeof(out->text), "<U+%04X>", cp);
		else
			/* A locale that does not know the character (the CLI runs
			 * in "C"): count one column. */
			out->width = w < 0 ? 1 : w;
	} else {
		out->width = 1;
	}
	out->len = n;
	if (out->text[0]) {
		out->escaped = true;
		for (w = 0; out->text[w]; w++)
			;
		out->width = w;
	} else {
		out->cp = cp;
	}
	return n;
}

int kd_sanitize(kd_buf *out, const char *s, size_t len, unsigned flags)
{
	kd_sanitize_piece p;
	size_t i = 0;
	int rc = 0;

	if (!s)
		return 0;
	while (rc == 0 && kd_sanitize_next(&p, s + i, len - i, flags) > 0) {
		rc = p.escaped ? kd_buf_puts(out, p.text) : kd_buf_add(out, s + i, p.len);
		i += p.len;
	}
	return rc;
}

size_t kd_sanitize_width(const char *s, size_t len, unsigned flags)
{
	kd_sanitize_piece p;
	size_t i = 0, cols = 0;

	if (!s)
		return 0;
	while (kd_sanitize_next(&p, s + i, len - i, flags) > 0) {
		cols += (size_t)p.width;
		i += p.len;
	}
	return cols;
}
