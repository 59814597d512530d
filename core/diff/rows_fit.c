/*
 * rows_fit — one diff line made to fit a width, the same for every face.
 *
 * A YAML line too long for its column keeps what a reader needs to place
 * it and to see the difference: its indentation, list dash and key whole,
 * the bytes that differ from the other side, and as much of the value
 * around them as fits, the value's middle replaced by an ellipsis.  Widths
 * are counted as the terminal will show the text (base's sanitiser: an
 * escape is several columns, a wide character two).  Owns only which bytes
 * are kept; never copies, sanitises or draws them.
 */
#include "diff/diff.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

typedef struct piece {
	size_t off;     /* byte offset of the piece in the text */
	int width;
} piece;

/* The pieces of text[0, len), and one sentinel at len. */
static piece *pieces_of(size_t *n, const char *text, size_t len, unsigned flags)
{
	piece *p = malloc((len + 1) * sizeof(*p));
	size_t i = 0, k = 0;

	if (!p)
		return NULL;
	while (i < len) {
		kd_sanitize_piece sp;
		size_t step = kd_sanitize_next(&sp, text + i, len - i, flags);

		if (step == 0)
			break;
		p[k].off = i;
		p[k++].width = sp.width;
		i += step;
	}
	p[k].off = len;
	p[k].width = 0;
	*n = k;
	return p;
}

/* The piece holding byte b (the first at or after it). */
static size_t piece_at(const piece *p, size_t n, size_t b)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p[mid].off < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int span_width(const piece *p, size_t a, size_t b)
{
	int w = 0;

	for (; a < b; a++)
		w += p[a].width;
	return w;
}

/* Where the value starts: after the indentation, any list dashes and a
 * `key: ` (a mapping key with no space or quote in it, so a scalar that
 * happens to hold ": " is not taken for one). */
static size_t value_start(const char *text, size_t len)
{
	size_t i = 0, k;

	for (;;) {
		while (i < len && text[i] == ' ')
			i++;
		if (i + 1 < len && text[i] == '-' && text[i + 1] == ' ')
			i += 2;
		else
			break;
	}
	for (k = i; k < len; k++) {
		if (text[k] == ':' && (k + 1 == len || text[k + 1] == ' '))
			return k + 1 < len ? k + 2 : len;
		if (text[k] == ' ' || text[k] == '"' || text[k] == '\'' || text[k] == '#')
			break;
	}
	return i;
}

/* Adds the pieces [a, b) to the kept bytes, joining a range that touches
 * the previous one. */
static void keep(kd_diff_fit *f, const piece *p, size_t a, size_t b)
{
	size_t start = p[a].off, end = p[b].off;

	if (a >= b)
		return;
	if (f->nparts && f->part[f->nparts - 1].end == start) {
		f->part[f->nparts - 1].end = end;
		return;
	}
	if (f->nparts < KD_DIFF_FIT_PARTS) {
		f->part[f->nparts].start = start;
		f->part[f->nparts++].end = end;
	}
}

/* Pieces [a, b) in `budget` columns: all of them, or a head of about
 * `head_share` of what is left after the ellipsis and the rest as a tail.
 * An empty span in a budget of 0 keeps nothing (the caller placed the
 * ellipsis). */
static void keep_shortened(kd_diff_fit *f, const piece *p, size_t a, size_t b, int budget,
			   int ell, int head_num, int head_den)
{
	int w = span_width(p, a, b), room, hw, tw;
	size_t h = a, t = b;

	if (w <= budget) {
		keep(f, p, a, b);
		return;
	}
	room = budget - ell;
	if (room < 0)
		room = 0;
	hw = room * head_num / head_den;
	tw = room - hw;
	while (h < b && hw >= p[h].width) {
		hw -= p[h].width;
		h++;
	}
	tw += hw;   /* what the head could not use */
	while (t > h && tw >= p[t - 1].width) {
		tw -= p[t - 1].width;
		t--;
	}
	/* The gap between the two is where the ellipsis goes. */
	keep(f, p, a, h);
	keep(f, p, t, b);
}

int kd_diff_line_fit(kd_diff_fit *out, const char *text, size_t change_start,
		     size_t change_end, size_t width, size_t ellipsis_width, unsigned flags)
{
	size_t len = text ? strlen(text) : 0, n, pa, ca, cb, i;
	int total, ell = (int)ellipsis_width, w = (int)width, avail, wc, wp, wq, r, bp, bq;
	piece *p;

	memset(out, 0, sizeof(*out));
	if (!text)
		return 0;
	if (change_end > len)
		change_end = len;
	if (change_start > change_end)
		change_start = change_end;
	if (!(p = pieces_of(&n, text, len, flags)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	out->change_start = change_start;
	out->change_end = change_end;
	total = span_width(p, 0, n);
	if (total <= w) {
		keep(out, p, 0, n);
		goto done;
	}
	pa = piece_at(p, n, value_start(text, len));
	/* A changed key is part of what must stay: the value starts at the
	 * change at the latest. */
	ca = piece_at(p, n, change_start);
	cb = piece_at(p, n, change_end);
	if (ca < pa)
		ca = pa;
	if (cb < ca)
		cb = ca;
	avail = w - span_width(p, 0, pa);
	wp = span_width(p, pa, ca);
	wc = span_width(p, ca, cb);
	wq = span_width(p, cb, n);
	if (avail < ell + 1) {
		/* Not even the key fits: its head, then the ellipsis. */
		for (i = 0; i < n && span_width(p, 0, i + 1) <= w - ell; i++)
			;
		keep(out, p, 0, i);
		goto done;
	}
	keep(out, p, 0, pa);
	if (wc > avail - (wp ? ell : 0) - (wq ? ell : 0)) {
		/* The difference alone is wider than the room: its head and
		 * its tail, the context around it an ellipsis each. */
		int room = avail - (wp ? ell : 0) - (wq ? ell : 0);

		keep_shortened(out, p, ca, cb, room < ell + 1 ? ell + 1 : room, ell, 1, 2);
		goto done;
	}
	/* Room around the difference: a third after it, the rest before,
	 * each shortened in its middle when it does not fit. */
	r = avail - wc;
	bq = wq < r / 3 ? wq : r / 3;
	if (wq > bq && bq < ell)
		bq = ell;
	bp = wp < r - bq ? wp : r - bq;
	bq = wq < r - bp ? wq : r - bp;
	/* Before: a third of the head kept, the part next to the change most. */
	keep_shortened(out, p, pa, ca, bp, ell, 1, 3);
	keep(out, p, ca, cb);
	/* After: the part next to the change most, a third of the end. */
	keep_shortened(out, p, cb, n, bq, ell, 2, 3);
done:
	out->lead = out->nparts && out->part[0].start > 0;
	out->cut_end = out->nparts && out->part[out->nparts - 1].end < len;
	free(p);
	return 0;
}
