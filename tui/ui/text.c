/*
 * text — every character kdrift puts on the screen goes through here.
 *
 * Names, labels, values and messages come from clusters and Git, so any of
 * them may hold terminal escape sequences, control characters, bidi
 * overrides or invalid UTF-8.  They are drawn as visible, inert text
 * (ESC as ^[, U+202E as <U+202E>, a stray byte as \xNN) through curses
 * cells, never written raw, so nothing can move the cursor, change colours
 * or retitle the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/base.h"
#include "ui.h"

/* Decodes one UTF-8 sequence: its length, or 0 for an invalid byte. */
static size_t decode(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t n, i;
	unsigned c;

	if (s[0] < 0x80) { *cp = s[0]; return 1; }
	if (s[0] >= 0xc2 && s[0] <= 0xdf) { n = 2; c = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { n = 3; c = s[0] & 0x0f; }
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) { n = 4; c = s[0] & 0x07; }
	else return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and out-of-range values are invalid. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool is_format_control(unsigned cp)
{
	return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff || cp == 0xad ||
	       (cp >= 0xfff9 && cp <= 0xfffb);
}

static void put_cp(int y, int x, unsigned cp, attr_t attr)
{
	wchar_t w[2] = { (wchar_t)cp, 0 };
	cchar_t cc;

	setcchar(&cc, w, attr, (short)PAIR_NUMBER(attr), NULL);
	mvadd_wch(y, x, &cc);
}

/* Draws (when draw) or measures one string; returns the columns. */
static int render(const kd_ui *ui, bool draw, int y, int x, int width,
		  const char *text, size_t len, attr_t attr)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	int col = 0;

	while (i < len && (width < 0 || col < width)) {
		char esc[16];
		unsigned cp = 0;
		size_t n = decode(s + i, len - i, &cp);
		int w;

		esc[0] = '\0';
		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02X", s[i]);
			n = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(esc, sizeof(esc), "^%c", (char)(cp ^ 0x40));
		} else if ((cp >= 0x80 && cp < 0xa0) || is_format_control(cp)) {
			snprintf(esc, sizeof(esc), "<U+%04X>", cp);
		} else if (cp >= 0x80 && ui->ascii) {
			strcpy(esc, "?");
		} else if (cp >= 0x80 && (w = wcwidth((wchar_t)cp)) <= 0) {
			snprintf(esc, sizeof(esc), "<U+%04X>", cp);
		}
		if (esc[0]) {
			size_t k, elen = strlen(esc);

			if (width >= 0 && col + (int)elen > width)
				break;
			for (k = 0; k < elen; k++)
				if (draw)
					mvaddch(y, x + col + (int)k, (chtype)(unsigned char)esc[k] | attr);
			col += (int)elen;
		} else {
			w = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
			if (width >= 0 && col + w > width)
				break;
			if (draw) {
				if (cp < 0x80)
					mvaddch(y, x + col, (chtype)cp | attr);
				else
					put_cp(y, x + col, cp, attr);
			}
			col += w;
		}
		i += n;
	}
	return col;
}

int kd_text_draw(kd_ui *ui, int y, int x, int width, const char *text, size_t len, attr_t attr)
{
	if (width <= 0 || !text)
		return 0;
	return render(ui, true, y, x, width, text, len, attr);
}

int kd_text_drawz(kd_ui *ui, int y, int x, int width, const char *text, attr_t attr)
{
	return text ? kd_text_draw(ui, y, x, width, text, strlen(text), attr) : 0;
}

int kd_text_width(const kd_ui *ui, const char *text, size_t len)
{
	return render(ui, false, 0, 0, -1, text, len, 0);
}

void kd_text_fill(int y, int x, int width, attr_t attr)
{
	int i;

	for (i = 0; i < width; i++)
		mvaddch(y, x + i, ' ' | attr);
}

const char *kd_glyph(const kd_ui *ui, const char *utf8, const char *ascii)
{
	return ui->ascii ? ascii : utf8;
}

void kd_age(char out[32], time_t now, time_t then)
{
	kd_buf b = KD_BUF_INIT;

	if (then <= 0 || kd_duration_format(&b, ((int64_t)now - (int64_t)then) * 1000,
					     KD_DURATION_AGE) < 0) {
		snprintf(out, 32, "%s", then <= 0 ? "never" : "?");
	} else {
		snprintf(out, 32, "%s", kd_buf_cstr(&b));
	}
	kd_buf_free(&b);
}

static void put_utf8(kd_buf *b, unsigned c)
{
	char u[4];
	size_t n = 0;

	if (c < 0x80) {
		u[n++] = (char)c;
	} else if (c < 0x800) {
		u[n++] = (char)(0xc0 | (c >> 6));
		u[n++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		u[n++] = (char)(0xe0 | (c >> 12));
		u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (c & 0x3f));
	} else {
		u[n++] = (char)(0xf0 | (c >> 18));
		u[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (c & 0x3f));
	}
	kd_buf_add(b, u, n);
}

static char attr_code(attr_t a)
{
	int v = ((a & A_BOLD) ? 1 : 0) | ((a & (A_REVERSE | A_STANDOUT)) ? 2 : 0) |
		((a & A_UNDERLINE) ? 4 : 0) | ((a & A_DIM) ? 8 : 0);

	return v ? "0123456789abcdef"[v] : '.';
}

static void trim_line(kd_buf *b, size_t start, char pad)
{
	while (b->len > start && b->data[b->len - 1] == pad)
		kd_buf_truncate(b, b->len - 1);
	kd_buf_putc(b, '\n');
}

int kd_screen_text(kd_buf *text, kd_buf *codes)
{
	int y, x;

	for (y = 0; y < LINES; y++) {
		size_t ts = text->len, cs = codes ? codes->len : 0;

		for (x = 0; x < COLS;) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t a = 0;
			short pair = 0;
			int w, k;

			if (mvin_wch(y, x, &cc) == ERR ||
			    getcchar(&cc, wch, &a, &pair, NULL) == ERR || !wch[0]) {
				wch[0] = L' ';
				wch[1] = 0;
			}
			w = wch[0] < 0x80 ? 1 : wcwidth(wch[0]);
			if (w < 1)
				w = 1;
			put_utf8(text, (unsigned)wch[0]);
			for (k = 0; codes && k < w; k++)
				kd_buf_putc(codes, attr_code(a));
			x += w;
		}
		trim_line(text, ts, ' ');
		if (codes)
			trim_line(codes, cs, '.');
	}
	return 0;
}

int kd_screen_save(const char *path, bool attrs)
{
	kd_buf text = KD_BUF_INIT, codes = KD_BUF_INIT;
	FILE *f;
	int rc = 0;

	kd_screen_text(&text, &codes);
	if (!(f = fopen(path, "w"))) {
		rc = kd_error_set(KD_EIO, "%s: cannot write the screen", path);
		goto cleanup;
	}
	fputs(kd_buf_cstr(&text), f);
	if (attrs) {
		fputs("--- attributes: 1 bold, 2 reverse, 4 underline, 8 dim (hex sum) ---\n", f);
		fputs(kd_buf_cstr(&codes), f);
	}
	if (fclose(f) != 0)
		rc = kd_error_set(KD_EIO, "%s: cannot write the screen", path);
cleanup:
	kd_buf_free(&text);
	kd_buf_free(&codes);
	return rc;
}
