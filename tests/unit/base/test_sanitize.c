/*
 * Tests for core/base/sanitize.c: nothing from a cluster or Git reaches a
 * terminal able to act on it — C0/C1 controls, escape sequences (CSI,
 * OSC), bidi controls, zero-width characters and bytes that are not UTF-8
 * are shown as inert ASCII — while ordinary text, UTF-8 included, passes
 * unchanged; an ASCII mode for other terminals; widths for drawing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

static void expect_safe(const char *in, unsigned flags, const char *want)
{
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_sanitize(&b, in, strlen(in), flags), 0);
	if (strcmp(kd_buf_cstr(&b), want) != 0)
		fail_msg("got \"%s\", want \"%s\"", kd_buf_cstr(&b), want);
	kd_buf_free(&b);
}

/* No byte that starts a control sequence survives. */
static void assert_inert(const char *in, unsigned flags)
{
	kd_buf b = KD_BUF_INIT;
	size_t i;

	assert_int_equal(kd_sanitize(&b, in, strlen(in), flags), 0);
	for (i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];

		if (c < 0x20 || c == 0x7f)
			fail_msg("control byte 0x%02x left in \"%s\"", c, b.data);
		if (c == 0xc2 && i + 1 < b.len && (unsigned char)b.data[i + 1] >= 0x80 &&
		    (unsigned char)b.data[i + 1] < 0xa0)
			fail_msg("C1 control left in \"%s\"", b.data);
	}
	kd_buf_free(&b);
}

static void test_plain_text_unchanged(void **state)
{
	(void)state;
	expect_safe("", 0, "");
	expect_safe("web-7d4b9c ns/name: 200m", 0, "web-7d4b9c ns/name: 200m");
	expect_safe("caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", 0,
		    "caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
	/* a combining accent joins its letter in a stream */
	expect_safe("e\xcc\x81", 0, "e\xcc\x81");
}

static void test_c0_and_escape_sequences(void **state)
{
	(void)state;
	expect_safe("a\x1b[31mred\x1b[0m", 0, "a^[[31mred^[[0m");                 /* CSI */
	expect_safe("x\x1b]0;pwned\x07y", 0, "x^[]0;pwned^Gy");                   /* OSC, BEL */
	expect_safe("\x1b]52;c;aGk=\x1b\\", 0, "^[]52;c;aGk=^[\\");               /* OSC 52, ST */
	expect_safe("\x1b" "P1$qm\x1b\\", 0, "^[P1$qm^[\\");                      /* DCS */
	expect_safe("tab\there\nnl\rcr\b\x7f", 0, "tab^Ihere^Jnl^Mcr^H^?");
	expect_safe("\x01\x1f", 0, "^A^_");
	/* a NUL inside the given length is shown too */
	{
		kd_buf b = KD_BUF_INIT;

		assert_int_equal(kd_sanitize(&b, "a\0b", 3, 0), 0);
		assert_string_equal(kd_buf_cstr(&b), "a^@b");
		kd_buf_free(&b);
	}
	assert_inert("\x1b[2J\x1b[H\x1b[?1049h\x1b" "c\x1b(0", 0);
}

static void test_c1_controls(void **state)
{
	(void)state;
	/* CSI as one C1 character (U+009B), NEL, OSC and ST */
	expect_safe("x\xc2\x9b" "31m", 0, "x<U+009B>31m");
	expect_safe("\xc2\x85\xc2\x9d\xc2\x9c\xc2\x80\xc2\x9f", 0,
		    "<U+0085><U+009D><U+009C><U+0080><U+009F>");
	/* U+00A0 (no-break space) is printable: unchanged */
	expect_safe("\xc2\xa0", 0, "\xc2\xa0");
	assert_inert("\xc2\x9b" "2J", 0);
}

static void test_bidi_and_invisible(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "abc\xe2\x80\xae" "dcba", "abc<U+202E>dcba" },            /* RLO */
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		  "<U+202A><U+202B><U+202C><U+202D>" },
		{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",       /* isolates */
		  "<U+2066><U+2067><U+2068><U+2069>" },
		{ "\xe2\x80\x8e\xe2\x80\x8f", "<U+200E><U+200F>" },         /* LRM, RLM */
		{ "\xd8\x9c", "<U+061C>" },                                 /* Arabic letter mark */
		{ "ad\xe2\x80\x8bmin", "ad<U+200B>min" },                   /* zero-width space */
		{ "\xe2\x80\x8c\xe2\x80\x8d", "<U+200C><U+200D>" },         /* ZWNJ, ZWJ */
		{ "\xe2\x81\xa0", "<U+2060>" },                             /* word joiner */
		{ "\xef\xbb\xbfkey", "<U+FEFF>key" },                       /* BOM */
		{ "soft\xc2\xadhyphen", "soft<U+00AD>hyphen" },
		{ "a\xe2\x80\xa8" "b", "a<U+2028>b" },                      /* line separator */
		{ "\xf3\xa0\x80\x81\xf3\xa0\x81\xa1", "<U+E0001><U+E0061>" }, /* tags */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_safe(cases[i].in, 0, cases[i].out);
		expect_safe(cases[i].in, KD_SANITIZE_ASCII, cases[i].out);
	}
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	expect_safe("a\xff" "b", 0, "a\\xFFb");
	expect_safe("\x80", 0, "\\x80");                     /* a lone continuation byte */
	expect_safe("\xc3", 0, "\\xC3");                     /* cut short at the end */
	expect_safe("\xc3(", 0, "\\xC3(");                   /* cut short by ASCII */
	expect_safe("\xc0\xaf", 0, "\\xC0\\xAF");            /* overlong '/' */
	expect_safe("\xe0\x80\xaf", 0, "\\xE0\\x80\\xAF");   /* overlong, three bytes */
	expect_safe("\xed\xa0\x80", 0, "\\xED\\xA0\\x80");   /* a surrogate */
	expect_safe("\xf4\x90\x80\x80", 0, "\\xF4\\x90\\x80\\x80"); /* past U+10FFFF */
	/* overlong ESC: must not come back as a control */
	expect_safe("\xc0\x9b", 0, "\\xC0\\x9B");
	assert_inert("\xc2\x1b[31m", 0);
}

static void test_ascii_mode(void **state)
{
	(void)state;
	expect_safe("caf\xc3\xa9 \xe2\x9c\x93 ok", KD_SANITIZE_ASCII, "caf? ? ok");
	expect_safe("\x1b[1m\xc2\x9b\xff", KD_SANITIZE_ASCII, "^[[1m<U+009B>\\xFF");
	expect_safe("plain", KD_SANITIZE_ASCII, "plain");
}

static void test_pieces_and_width(void **state)
{
	kd_sanitize_piece p;
	const char *s = "\x1b\xc3\xa9z";

	(void)state;
	assert_int_equal(kd_sanitize_next(&p, s, strlen(s), 0), 1);
	assert_true(p.escaped);
	assert_string_equal(p.text, "^[");
	assert_int_equal(p.width, 2);
	assert_int_equal(kd_sanitize_next(&p, s + 1, strlen(s + 1), 0), 2);
	assert_false(p.escaped);
	assert_int_equal(p.cp, 0xe9);
	assert_int_equal(kd_sanitize_next(&p, s + 3, 1, 0), 1);
	assert_int_equal(p.cp, 'z');
	assert_int_equal(p.width, 1);
	assert_int_equal(kd_sanitize_next(&p, s + 4, 0, 0), 0);
	assert_int_equal(p.len, 0);

	assert_int_equal(kd_sanitize_width("abc", 3, 0), 3);
	assert_int_equal(kd_sanitize_width("\x1b[1m", 4, 0), 5);           /* ^[[1m */
	assert_int_equal(kd_sanitize_width("a\xe2\x80\xae" "b", 5, 0), 10); /* a<U+202E>b */
	assert_int_equal(kd_sanitize_width(NULL, 0, 0), 0);

	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8")) {
		print_message("no UTF-8 locale: cell widths not checked\n");
		return;
	}
	/* East Asian wide characters take two cells */
	assert_int_equal(kd_sanitize_width("\xe6\x97\xa5\xe6\x9c\xac", 6, KD_SANITIZE_CELLS), 4);
	/* a combining mark has no cell of its own: shown by its code point */
	assert_int_equal(kd_sanitize_next(&p, "\xcc\x81", 2, KD_SANITIZE_CELLS), 2);
	assert_true(p.escaped);
	assert_string_equal(p.text, "<U+0301>");
	expect_safe("e\xcc\x81", KD_SANITIZE_CELLS, "e<U+0301>");
	/* in a stream it joins the letter before it (no column of its own) */
	assert_int_equal(kd_sanitize_width("e\xcc\x81", 3, 0), 1);
	setlocale(LC_CTYPE, "C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_c0_and_escape_sequences),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_bidi_and_invisible),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_ascii_mode),
		cmocka_unit_test(test_pieces_and_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
