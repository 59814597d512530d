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

size_t kd_text_wrap(const kd_ui *ui, kd_text_span *lines, size_t max, const char *text,
		    size_t len, int width)
{
	size_t pos = 0, n = 0;

	if (width < 1)
		width = 1;
	while (pos < len) {
		size_t i = pos, brk = KD_NONE, end, next;
		int col = 0;
		bool newline = false;
		kd_sanitize_piece p = { 0 };

		while (i < len) {
			if (text[i] == '\n') {
				newline = true;
				break;
			}
			if (kd_sanitize_next(&p, text + i, len - i, flags_of(ui)) == 0)
				break;
			if (col + p.width > width)
				break;
			if (text[i] == ' ')
				brk = i;
			col += p.width;
			i += p.len;
		}
		if (i >= len || newline) {
			end = i;
			next = newline ? i + 1 : i;
		} else if (brk != KD_NONE && brk > pos) {
			end = brk;   /* at the last space that fits */
			next = brk + 1;
		} else {
			end = next = i > pos ? i : i + p.len;   /* a word longer than the line */
		}
		if (n < max) {
			lines[n].start = pos;
			lines[n].len = end - pos;
		}
		n++;
		pos = next;
		/* the blanks a line was broken at start no line */
		while (!newline && pos < len && text[pos] == ' ')
			pos++;
	}
	return n;
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

static void colour_name(kd_buf *b, short c)
{
	static const char *const names[8] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	};

	if (c < 0)
		kd_buf_puts(b, "default");
	else if (c < 8)
		kd_buf_puts(b, names[c]);
	else if (c < 16)
		kd_buf_printf(b, "bright-%s", names[c - 8]);
	else
		kd_buf_printf(b, "color%d", c);
}

/* Colour pairs get letters in the order they first appear on the screen,
 * so a dump does not depend on how the theme numbered its pairs; pair 0
 * (the terminal's own colours) is '.'. */
typedef struct pair_letters {
	short pair[52];
	int n;
} pair_letters;

static char pair_code(pair_letters *pl, short pair)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int i;

	if (pair <= 0)
		return '.';
	for (i = 0; i < pl->n; i++)
		if (pl->pair[i] == pair)
			return letters[i];
	if (pl->n == 52)
		return '#';
	pl->pair[pl->n] = pair;
	return letters[pl->n++];
}

static void colour_key(kd_buf *out, const pair_letters *pl)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int i;

	for (i = 0; i < pl->n; i++) {
		short fg = -1, bg = -1;

		pair_content(pl->pair[i], &fg, &bg);
		kd_buf_printf(out, "%c ", letters[i]);
		colour_name(out, fg);
		kd_buf_puts(out, " on ");
		colour_name(out, bg);
		kd_buf_putc(out, '\n');
	}
}

int kd_screen_text(kd_buf *text, kd_buf *codes, kd_buf *colours)
{
	pair_letters pl = { { 0 }, 0 };
	kd_buf grid = KD_BUF_INIT;
	int y, x;

	for (y = 0; y < LINES; y++) {
		size_t ts = text->len, cs = codes ? codes->len : 0, gs = grid.len;

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
			for (k = 0; colours && k < w; k++)
				kd_buf_putc(&grid, pair_code(&pl, pair));
			x += w;
		}
		trim_line(text, ts, ' ');
		if (codes)
			trim_line(codes, cs, '.');
		if (colours)
			trim_line(&grid, gs, '.');
	}
	if (colours) {
		kd_buf_add(colours, grid.data, grid.len);
		kd_buf_puts(colours, "--- colour key ---\n");
		colour_key(colours, &pl);
	}
	kd_buf_free(&grid);
	return 0;
}

int kd_screen_save(const char *path, bool attrs)
{
	kd_buf text = KD_BUF_INIT, codes = KD_BUF_INIT, colours = KD_BUF_INIT;
	FILE *f;
	int rc = 0;

	kd_screen_text(&text, &codes, &colours);
	if (!(f = fopen(path, "w"))) {
		rc = kd_error_set(KD_EIO, "%s: cannot write the screen", path);
		goto cleanup;
	}
	fputs(kd_buf_cstr(&text), f);
	if (attrs) {
		fputs("--- attributes: 1 bold, 2 reverse, 4 underline, 8 dim (hex sum) ---\n", f);
		fputs(kd_buf_cstr(&codes), f);
		fputs("--- colours: a letter per colour pair (see the key), . the terminal's own ---\n", f);
		fputs(kd_buf_cstr(&colours), f);
	}
	if (fclose(f) != 0)
		rc = kd_error_set(KD_EIO, "%s: cannot write the screen", path);
cleanup:
	kd_buf_free(&text);
	kd_buf_free(&codes);
	kd_buf_free(&colours);
	return rc;
}
