/*
 * text — every character kdrift puts on the screen goes through here.
 *
 * Names, labels, values and messages come from clusters and Git, so any of
 * them may hold terminal escape sequences, control characters, bidi
 * overrides or invalid UTF-8.  base's sanitiser (kd_sanitize_next) decides
 * how each is shown (ESC as ^[, U+202E as <U+202E>, a stray byte as \xNN),
 * the same as the CLI prints it; this file only puts the pieces into
 * curses cells, never raw bytes, so nothing can move the cursor, change
 * colours or retitle the terminal.  Also the screen dump of script mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/base.h"
#include "ui.h"

static void put_cp(int y, int x, unsigned cp, attr_t attr)
{
	wchar_t w[2] = { (wchar_t)cp, 0 };
	cchar_t cc;

	setcchar(&cc, w, attr, (short)PAIR_NUMBER(attr), NULL);
	mvadd_wch(y, x, &cc);
}

static unsigned flags_of(const kd_ui *ui)
{
	return KD_SANITIZE_CELLS | (ui->ascii ? KD_SANITIZE_ASCII : 0);
}

/* Draws the sanitised text into cells, stopping before a piece that would
 * pass `width` columns; returns the columns used. */
static int draw(const kd_ui *ui, int y, int x, int width, const char *text, size_t len,
		attr_t attr)
{
	kd_sanitize_piece p;
	size_t i = 0;
	int col = 0, k;

	while (col < width && kd_sanitize_next(&p, text + i, len - i, flags_of(ui)) > 0) {
		if (col + p.width > width)
			break;
		if (p.escaped)
			for (k = 0; p.text[k]; k++)
				mvaddch(y, x + col + k, (chtype)(unsigned char)p.text[k] | attr);
		else if (p.cp < 0x80)
			mvaddch(y, x + col, (chtype)p.cp | attr);
		else
			put_cp(y, x + col, p.cp, attr);
		col += p.width;
		i += p.len;
	}
	return col;
}

int kd_text_draw(kd_ui *ui, int y, int x, int width, const char *text, size_t len, attr_t attr)
{
	if (width <= 0 || !text)
		return 0;
	return draw(ui, y, x, width, text, len, attr);
}

int kd_text_drawz(kd_ui *ui, int y, int x, int width, const char *text, attr_t attr)
{
	return text ? kd_text_draw(ui, y, x, width, text, strlen(text), attr) : 0;
}

int kd_text_width(const kd_ui *ui, const char *text, size_t len)
{
	return (int)kd_sanitize_width(text, len, flags_of(ui));
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
