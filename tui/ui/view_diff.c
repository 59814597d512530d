/*
 * view_diff — the diff pane: Git on the left, the cluster on the right
 * (or one unified column on narrow terminals), changed lines and the
 * changed part of each line highlighted, unchanged runs folded, and the
 * field manager and time that wrote each change beside it.  What the rows
 * hold comes from core (diffview.c); this file decides only how they look.
 */
#include <string.h>

#include "diffview.h"

#define ATTR_WIDTH 26

static int attr_width(const kd_ui *ui, bool unified)
{
	return ui->cols >= (unified ? 80 : 110) ? ATTR_WIDTH : 0;
}

/* Draws bytes [a, b) of text, the part within [cs, ce) standing out. */
static int draw_span(kd_ui *ui, int y, int x, int w, const char *text, size_t a, size_t b,
		     size_t cs, size_t ce, attr_t line_attr)
{
	size_t m1 = cs > a ? (cs < b ? cs : b) : a, m2 = ce < b ? (ce > m1 ? ce : m1) : b;
	int used = 0;

	used += kd_text_draw(ui, y, x, w, text + a, m1 - a, line_attr);
	used += kd_text_draw(ui, y, x + used, w - used, text + m1, m2 - m1,
			     ui->attr[KD_AREA_DIFF_CHANGE_PART]);
	used += kd_text_draw(ui, y, x + used, w - used, text + m2, b - m2, line_attr);
	return used;
}

/* One side's line in w columns, fitted by core (kd_diff_line_fit): the
 * indentation and key kept, the differing part visible and, on a changed
 * row, standing out; what is left out is an ellipsis. */
static void draw_text(kd_ui *ui, int y, int x, int w, const kd_diff_line *l, bool changed,
		      attr_t line_attr)
{
	const char *ell = kd_glyph(ui, "…", "...");
	size_t len = strlen(l->text), i;
	size_t cs = changed ? l->change_start : len, ce = changed ? l->change_end : len;
	kd_diff_fit fit;
	int used = 0;

	if (w <= 0)
		return;
	if (kd_diff_line_fit(&fit, l->text, cs, ce, (size_t)w, (size_t)kd_text_width(ui, ell, strlen(ell)),
			     KD_SANITIZE_CELLS | (ui->ascii ? KD_SANITIZE_ASCII : 0)) < 0) {
		kd_text_draw(ui, y, x, w, l->text, len, line_attr);
		return;
	}
	if (!changed)
		cs = ce = len;
	for (i = 0; i < fit.nparts; i++) {
		if (i || fit.lead)
			used += kd_text_drawz(ui, y, x + used, w - used, ell, ui->attr[KD_AREA_DIM] | (line_attr & A_REVERSE));
		used += draw_span(ui, y, x + used, w - used, l->text, fit.part[i].start,
				  fit.part[i].end, cs, ce, line_attr);
	}
	if (fit.cut_end)
		kd_text_drawz(ui, y, x + used, w - used, ell, ui->attr[KD_AREA_DIM]);
}

static void draw_attribution(kd_ui *ui, int y, const kd_drow *r)
{
	const kd_diff_field *f = r->field;
	kd_buf b = KD_BUF_INIT;
	int w = attr_width(ui, ui->diff->unified);

	if (!w || !f || !r->show_field)
		return;
	if (f->never_converges)
		kd_buf_printf(&b, "%s never converges", f->manager);
	else if (f->time && strlen(f->time) >= 16)
		kd_buf_printf(&b, "%s %.5s %.5s", f->manager, f->time + 5, f->time + 11);
	else
		kd_buf_puts(&b, f->manager);
	kd_text_draw(ui, y, ui->cols - w + 1, w - 1, b.data, b.len, ui->attr[KD_AREA_DIFF_META]);
	kd_buf_free(&b);
}

static void draw_line(kd_ui *ui, int y, const kd_dline *dl)
{
	kd_diffview *d = ui->diff;
	const kd_drow *r;
	int aw = attr_width(ui, d->unified), x = 1, w = ui->cols - aw - 1;
	int half = (w - 1) / 2;
	attr_t def = ui->attr[KD_AREA_DEFAULT];
	attr_t chg = ui->attr[KD_AREA_DIFF_CHANGE], del = ui->attr[KD_AREA_DIFF_DEL];
	attr_t add = ui->attr[KD_AREA_DIFF_ADD];

	kd_text_fill(y, 0, ui->cols, def);
	if (dl->type == KD_DROW_FOLD) {
		kd_buf b = KD_BUF_INIT;

		kd_buf_printf(&b, "%s %zu unchanged line%s", kd_glyph(ui, "⋯", "..."),
			      d->folds[dl->row].len, d->folds[dl->row].len == 1 ? "" : "s");
		kd_text_draw(ui, y, x + 1, ui->cols - x - 1, b.data, b.len, ui->attr[KD_AREA_DIFF_FOLD]);
		kd_buf_free(&b);
		return;
	}
	r = &d->rows[dl->row];
	switch (r->type) {
	case KD_DROW_HEADER:
		kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_DIFF_HEADER]);
		kd_text_drawz(ui, y, 1, ui->cols - 1, r->text, ui->attr[KD_AREA_DIFF_HEADER]);
		return;
	case KD_DROW_NOTE:
		/* a field of an agent's report: its attribution beside it */
		kd_text_drawz(ui, y, 3, (r->field && r->show_field ? w : ui->cols) - 3, r->text,
			      ui->attr[KD_AREA_DIM]);
		draw_attribution(ui, y, r);
		return;
	default:
		break;
	}
	if (d->unified) {
		bool live = dl->side == 2 || r->type == KD_DROW_ADD;
		const char *sign = r->type == KD_DROW_SAME ? " " : live ? "+" : "-";
		attr_t a = r->type == KD_DROW_SAME ? def :
			   r->type == KD_DROW_CHANGE ? chg : live ? add : del;

		kd_text_drawz(ui, y, x, 1, sign, a);
		draw_text(ui, y, x + 2, w - 2, live ? &r->row->live : &r->row->desired,
			  r->type == KD_DROW_CHANGE, a);
		/* beside the live line, or the only one */
		if (dl->side != 1 || !r->row->live.text)
			draw_attribution(ui, y, r);
		return;
	}
	/* Side by side: Git | live. */
	if (r->row->desired.text) {
		attr_t a = r->type == KD_DROW_SAME ? def : r->type == KD_DROW_CHANGE ? chg : del;

		kd_text_drawz(ui, y, x, 1, r->type == KD_DROW_SAME ? " " :
			      r->type == KD_DROW_CHANGE ? "~" : "-", a);
		draw_text(ui, y, x + 2, half - 2, &r->row->desired, r->type == KD_DROW_CHANGE, a);
	}
	kd_text_drawz(ui, y, x + half, 1, kd_glyph(ui, "│", "|"), ui->attr[KD_AREA_DIM]);
	if (r->row->live.text) {
		attr_t a = r->type == KD_DROW_SAME ? def : r->type == KD_DROW_CHANGE ? chg : add;

		kd_text_drawz(ui, y, x + half + 1, 1, r->type == KD_DROW_SAME ? " " :
			      r->type == KD_DROW_CHANGE ? "~" : "+", a);
		draw_text(ui, y, x + half + 3, w - half - 3, &r->row->live,
			  r->type == KD_DROW_CHANGE, a);
	}
	draw_attribution(ui, y, r);
}

static void diff_draw(kd_ui *ui, int top, int height, bool focused)
{
	kd_diffview *d = ui->diff;
	bool prov = d && kd_diffview_has_provenance(d);
	int i, body = height - 1 - (prov && height > 2);
	kd_buf title = KD_BUF_INIT;
	/* the header is highlighted while the pane has the focus */
	attr_t ta = focused ? ui->attr[KD_AREA_TITLE] : ui->attr[KD_AREA_DIM];

	if (!d || height <= 0)
		return;
	kd_text_fill(top, 0, ui->cols, ta);
	if (d->unified)
		kd_buf_printf(&title, "- Git (desired)  + live (cluster)");
	else
		kd_buf_printf(&title, "  Git (desired)");
	kd_text_draw(ui, top, 1, ui->cols - 1, title.data, title.len, ta);
	if (!d->unified) {
		int aw = attr_width(ui, false), half = (ui->cols - aw - 2) / 2;

		kd_text_drawz(ui, top, 1 + half + 1, half, "  live (cluster)", ta);
		if (aw)
			kd_text_drawz(ui, top, ui->cols - aw + 1, aw - 1, "changed by", ta);
	} else if (attr_width(ui, true)) {
		kd_text_drawz(ui, top, ui->cols - ATTR_WIDTH + 1, ATTR_WIDTH - 1, "changed by", ta);
	}
	kd_buf_free(&title);
	if (body <= 0)
		return;
	if (prov && height > 2)
		kd_diffview_provenance_draw(ui, top + height - 1);
	if (d->cursor < d->top)
		d->top = d->cursor;
	if (d->cursor >= d->top + (size_t)body)
		d->top = d->cursor - (size_t)body + 1;
	for (i = 0; i < body; i++) {
		size_t k = d->top + (size_t)i;

		if (k >= d->nlines) {
			kd_text_fill(top + 1 + i, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
			continue;
		}
		draw_line(ui, top + 1 + i, &d->lines[k]);
		if (k == d->cursor && focused)
			kd_text_drawz(ui, top + 1 + i, 0, 1, kd_glyph(ui, "▶", ">"),
				      ui->attr[KD_AREA_CURSOR]);
	}
}

static bool is_change(const kd_diffview *d, size_t k)
{
	kd_drow_type t = d->lines[k].type;

	return t == KD_DROW_CHANGE || t == KD_DROW_DEL || t == KD_DROW_ADD;
}

static void jump_change(kd_diffview *d, int dir)
{
	size_t k = d->cursor;

	for (;;) {
		if (dir > 0 ? k + 1 >= d->nlines : k == 0)
			return;
		k = dir > 0 ? k + 1 : k - 1;
		if (is_change(d, k) && (k == 0 || !is_change(d, k - 1)))
			break;
	}
	d->cursor = k;
}

static void toggle_fold(kd_ui *ui)
{
	kd_diffview *d = ui->diff;
	const kd_dline *dl = d->nlines ? &d->lines[d->cursor] : NULL;
	size_t fold;

	if (!dl)
		return;
	if (dl->type == KD_DROW_FOLD)
		fold = dl->row;
	else if (dl->type != KD_DROW_FOLD && (fold = d->rows[dl->row].fold) == KD_NONE)
		return;
	d->folds[fold].open = !d->folds[fold].open;
	kd_diffview_layout(d, d->unified);
	/* Keep the cursor on the fold's first line. */
	for (size_t k = 0; k < d->nlines; k++)
		if ((d->lines[k].type == KD_DROW_FOLD && d->lines[k].row == fold) ||
		    (d->lines[k].type != KD_DROW_FOLD && d->lines[k].row == d->folds[fold].start)) {
			d->cursor = k;
			break;
		}
}

static bool diff_action(kd_ui *ui, kd_action a, int height)
{
	kd_diffview *d = ui->diff;
	size_t page = height > 2 ? (size_t)height - 2 : 1, i;
	bool any_closed = false;

	if (!d)
		return false;
	switch (a) {
	case KD_ACT_MOVE_UP: if (d->cursor) d->cursor--; break;
	case KD_ACT_MOVE_DOWN: if (d->cursor + 1 < d->nlines) d->cursor++; break;
	case KD_ACT_MOVE_PAGE_UP: d->cursor = d->cursor > page ? d->cursor - page : 0; break;
	case KD_ACT_MOVE_PAGE_DOWN:
		d->cursor = d->cursor + page < d->nlines ? d->cursor + page :
			    d->nlines ? d->nlines - 1 : 0;
		break;
	case KD_ACT_MOVE_FIRST: d->cursor = 0; break;
	case KD_ACT_MOVE_LAST: d->cursor = d->nlines ? d->nlines - 1 : 0; break;
	case KD_ACT_NEXT_CHANGE: jump_change(d, 1); break;
	case KD_ACT_PREV_CHANGE: jump_change(d, -1); break;
	case KD_ACT_ENTER:
	case KD_ACT_TOGGLE_FOLD: toggle_fold(ui); break;
	case KD_ACT_UNFOLD_ALL:
		for (i = 0; i < d->nfolds; i++)
			any_closed |= !d->folds[i].open;
		for (i = 0; i < d->nfolds; i++)
			d->folds[i].open = any_closed;
		kd_diffview_layout(d, d->unified);
		break;
	case KD_ACT_TOGGLE_UNIFIED:
		d->unified = !d->unified;
		d->unified_set = true;
		kd_diffview_layout(d, d->unified);
		kd_ui_message(ui, KD_LOG_INFO, "%s diff", d->unified ? "unified" : "side-by-side");
		break;
	case KD_ACT_TOGGLE_METADATA:
		d->metadata = !d->metadata;
		kd_diffview_reload(ui);
		kd_ui_message(ui, KD_LOG_INFO, "managedFields and status %s",
			      ui->diff && ui->diff->metadata ? "shown" : "hidden");
		break;
	default:
		return false;
	}
	return true;
}

static void diff_click(kd_ui *ui, int row, int height)
{
	kd_diffview *d = ui->diff;
	size_t k;

	(void)height;
	if (!d || row < 1)
		return;
	k = d->top + (size_t)row - 1;
	if (k >= d->nlines)
		return;
	if (k == d->cursor)
		toggle_fold(ui);
	d->cursor = k;
}

const kd_view_ops kd_diff_view = {
	"diff", KD_CTX_DIFF, diff_draw, diff_action, diff_click,
};
