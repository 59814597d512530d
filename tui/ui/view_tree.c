/*
 * view_tree — the fleet tree: cluster → app → object (or app → cluster →
 * object), one line per node with its status glyph, counts, sync age,
 * policy and, when unknown, the reason; with --unmanaged, each cluster's
 * objects made by hand under their own node (✎, ASCII #).  The pane's
 * first line is its header: the position (line N/M), a glyph legend where
 * it fits and the column labels, highlighted while the tree has the focus.
 */
#include <stdio.h>
#include <string.h>

#include "ui.h"

static kd_area status_area(kd_status s)
{
	switch (s) {
	case KD_STATUS_SYNCED: return KD_AREA_SYNCED;
	case KD_STATUS_EXTRA: return KD_AREA_EXTRA;
	case KD_STATUS_MISSING: return KD_AREA_MISSING;
	case KD_STATUS_DRIFTED: return KD_AREA_DRIFTED;
	case KD_STATUS_BREAKGLASS: return KD_AREA_BREAKGLASS;
	default: return KD_AREA_UNKNOWN;
	}
}

/* The cluster rows' right-hand columns: the age of the live state and the
 * remediation policy; the header labels them with the same format. */
#define COLUMNS_FMT "%6s  %-8s"
#define COLUMNS_MIN_WIDTH 60

/* "live" while watches keep a reachable cluster current; otherwise the
 * time since its live state was last read in full. */
static void cluster_age(kd_ui *ui, char out[32], const kd_cluster_state *st)
{
	if (st->watched && st->reachable && !st->reason)
		snprintf(out, 32, "live");
	else
		kd_age(out, kd_ui_now(ui), st->synced_at);
}

/* "~3 +1 -2 !1": drifted, missing, extra and break-glass objects below. */
static void format_counts(kd_buf *out, const kd_counts *c)
{
	static const struct { kd_status s; char sign; } order[] = {
		{ KD_STATUS_DRIFTED, '~' }, { KD_STATUS_MISSING, '+' },
		{ KD_STATUS_EXTRA, '-' }, { KD_STATUS_BREAKGLASS, '!' },
		{ KD_STATUS_UNKNOWN, '?' },
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (c->n[order[i].s])
			kd_buf_printf(out, "%s%c%u", out->len ? " " : "", order[i].sign,
				      c->n[order[i].s]);
}

static void draw_row(kd_ui *ui, int y, const kd_node *n, bool cursor)
{
	const kd_model *m = &ui->model;
	int width = ui->cols, x = 0, right = 0;
	attr_t base = cursor ? ui->attr[KD_AREA_CURSOR] : ui->attr[KD_AREA_DEFAULT];
	attr_t a;
	kd_buf label = KD_BUF_INIT, counts = KD_BUF_INIT, tail = KD_BUF_INIT;
	const kd_cluster_state *st = n->cluster != KD_NONE ? m->states[n->cluster] : NULL;

	kd_text_fill(y, 0, width, base);
	x += (int)n->depth * 2;
	if (n->has_children)
		x += kd_text_drawz(ui, y, x, width - x,
				   n->expanded ? kd_glyph(ui, "▾ ", "v ") :
				   n->peek ? kd_glyph(ui, "▿ ", "v ") : kd_glyph(ui, "▸ ", "> "),
				   base);
	else
		x += 2;
	a = cursor ? base : ui->attr[status_area(n->status)];
	x += kd_text_drawz(ui, y, x, width - x,
			   n->level == KD_LEVEL_UNMANAGED || n->level == KD_LEVEL_UNMANAGED_OBJECT ?
			   kd_unmanaged_glyph(ui->ascii) : kd_status_glyph(n->status, ui->ascii), a);
	x += 1;
	/* Cluster rows end with the sync age and the policy, right-aligned. */
	if (n->level == KD_LEVEL_CLUSTER && st && width >= COLUMNS_MIN_WIDTH) {
		char age[32];

		cluster_age(ui, age, st);
		kd_buf_printf(&tail, COLUMNS_FMT, age,
			      st->remediation == KD_REMEDIATION_SELFHEAL ? "selfHeal" : "alert");
		right = kd_text_width(ui, tail.data, tail.len);
		kd_text_draw(ui, y, width - right, right, tail.data, tail.len,
			     cursor ? base : ui->attr[KD_AREA_DIM]);
		right += 1;
	}
	kd_node_label(&label, n);
	x += kd_text_draw(ui, y, x, width - right - x, label.data, label.len, base);
	if (n->intentional)
		x += kd_text_drawz(ui, y, x, width - right - x, kd_glyph(ui, " ◆", " *"),
				   cursor ? base : ui->attr[KD_AREA_INTENTIONAL]);
	/* a chart's object names the Helm release it comes from */
	if (n->obj && n->obj->helm_chart && n->obj->helm_release) {
		kd_buf_clear(&tail);
		kd_buf_printf(&tail, "  helm %s", n->obj->helm_release);
		x += kd_text_draw(ui, y, x, width - right - x, tail.data, tail.len,
				  cursor ? base : ui->attr[KD_AREA_DIM]);
	}
	/* made by hand: how many, or who made it */
	kd_buf_clear(&tail);
	if (n->level == KD_LEVEL_UNMANAGED && st)
		kd_buf_printf(&tail, " (%zu): in no app", st->nunmanaged);
	else if (n->hand)
		kd_buf_printf(&tail, "  by %s", n->hand->manager ? n->hand->manager : "unknown");
	if (tail.len)
		x += kd_text_draw(ui, y, x, width - right - x, tail.data, tail.len,
				  cursor ? base : ui->attr[KD_AREA_DIM]);
	if (n->level != KD_LEVEL_OBJECT) {
		format_counts(&counts, &n->counts);
		if (counts.len) {
			x += 2;
			x += kd_text_draw(ui, y, x, width - right - x, counts.data, counts.len,
					  cursor ? base : ui->attr[KD_AREA_COUNTS]);
		}
	}
	/* a peek says what it leaves out, and how to see it */
	if (n->peek && n->hidden) {
		kd_buf_clear(&tail);
		kd_buf_printf(&tail, "  %u in sync hidden", n->hidden);
		x += kd_text_draw(ui, y, x, width - right - x, tail.data, tail.len,
				  cursor ? base : ui->attr[KD_AREA_DIM]);
	}
	/* An object of an unreachable cluster repeats the cluster's reason:
	 * shown once, on the cluster. */
	if (n->reason && (n->status == KD_STATUS_UNKNOWN || n->status == KD_STATUS_BREAKGLASS) &&
	    !(n->level != KD_LEVEL_CLUSTER && st && st->reason && strcmp(st->reason, n->reason) == 0)) {
		x += 2;
		kd_text_drawz(ui, y, x, width - right - x, n->reason,
			      cursor ? base : ui->attr[KD_AREA_DIM]);
	}
	kd_buf_free(&label);
	kd_buf_free(&counts);
	kd_buf_free(&tail);
}

/* The legend of the glyphs a tree row can start with, in DESIGN's order. */
static void legend(kd_ui *ui, kd_buf *out)
{
	static const kd_status order[] = {
		KD_STATUS_SYNCED, KD_STATUS_DRIFTED, KD_STATUS_MISSING, KD_STATUS_EXTRA,
		KD_STATUS_BREAKGLASS, KD_STATUS_UNKNOWN,
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		kd_buf_printf(out, "%s%s %s", i ? "  " : "", kd_status_glyph(order[i], ui->ascii),
			      kd_status_name(order[i]));
	kd_buf_printf(out, "  %s intentional", kd_glyph(ui, "◆", "*"));
}

static void draw_header(kd_ui *ui, int y, bool focused)
{
	const kd_model *m = &ui->model;
	attr_t a = focused ? ui->attr[KD_AREA_TITLE] : ui->attr[KD_AREA_DIM];
	kd_buf left = KD_BUF_INIT, right = KD_BUF_INIT, mid = KD_BUF_INIT;
	int lw, rw = 0, mw;

	kd_text_fill(y, 0, ui->cols, a);
	kd_buf_printf(&left, " tree  line %zu/%zu", m->nrows ? m->cursor + 1 : 0, m->nrows);
	if (ui->cols >= COLUMNS_MIN_WIDTH)
		kd_buf_printf(&right, COLUMNS_FMT, "age", "policy");
	lw = kd_text_draw(ui, y, 0, ui->cols, left.data, left.len, a);
	if (right.len) {
		rw = kd_text_width(ui, right.data, right.len);
		kd_text_draw(ui, y, ui->cols - rw, rw, right.data, right.len, a);
	}
	legend(ui, &mid);
	mw = kd_text_width(ui, mid.data, mid.len);
	if (lw + 4 + mw + 2 + rw <= ui->cols)
		kd_text_draw(ui, y, lw + 4, mw, mid.data, mid.len, a);
	kd_buf_free(&left);
	kd_buf_free(&right);
	kd_buf_free(&mid);
}

static void tree_draw(kd_ui *ui, int top, int height, bool focused)
{
	kd_model *m = &ui->model;
	int i;

	if (height <= 0)
		return;
	draw_header(ui, top, focused);
	top++;
	height--;
	if (height <= 0)
		return;
	if (m->cursor < m->top)
		m->top = m->cursor;
	if (m->cursor >= m->top + (size_t)height)
		m->top = m->cursor - (size_t)height + 1;
	if (m->top + (size_t)height > m->nrows)
		m->top = m->nrows > (size_t)height ? m->nrows - (size_t)height : 0;
	for (i = 0; i < height; i++) {
		size_t r = m->top + (size_t)i;

		if (r >= m->nrows) {
			kd_text_fill(top + i, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
			continue;
		}
		draw_row(ui, top + i, &m->nodes[m->rows[r]], r == m->cursor);
	}
	if (m->nrows == 0)
		kd_text_drawz(ui, top, 2, ui->cols - 2,
			      m->nnodes ? "nothing matches the filter (F clears it)" : "no clusters",
			      ui->attr[KD_AREA_DIM]);
}

static void follow_selection(kd_ui *ui)
{
	const kd_node *n = kd_model_selected(&ui->model);

	/* The open diff pane follows the cursor from object to object. */
	if (ui->diff && n && n->level == KD_LEVEL_OBJECT)
		kd_diffview_open(ui, kd_model_selected_index(&ui->model));
}

static void move_to_row(kd_ui *ui, long row)
{
	kd_model *m = &ui->model;

	if (m->nrows == 0)
		return;
	if (row < 0)
		row = 0;
	if ((size_t)row >= m->nrows)
		row = (long)m->nrows - 1;
	kd_model_select(m, m->rows[row]);
	follow_selection(ui);
}

static void jump(kd_ui *ui, int dir)
{
	size_t n = kd_model_find(&ui->model, dir, kd_node_is_problem, NULL);

	if (n == KD_NONE) {
		kd_ui_message(ui, KD_LOG_INFO, "everything shown is in sync");
		return;
	}
	kd_model_select_path(&ui->model, n);
	follow_selection(ui);
}

static bool tree_action(kd_ui *ui, kd_action a, int height)
{
	kd_model *m = &ui->model;
	size_t sel = kd_model_selected_index(m);
	const kd_node *n = sel == KD_NONE ? NULL : &m->nodes[sel];
	long page = height > 2 ? height - 2 : 1;   /* less the header line */

	switch (a) {
	case KD_ACT_MOVE_UP: move_to_row(ui, (long)m->cursor - 1); break;
	case KD_ACT_MOVE_DOWN: move_to_row(ui, (long)m->cursor + 1); break;
	case KD_ACT_MOVE_PAGE_UP: move_to_row(ui, (long)m->cursor - page); break;
	case KD_ACT_MOVE_PAGE_DOWN: move_to_row(ui, (long)m->cursor + page); break;
	case KD_ACT_MOVE_FIRST: move_to_row(ui, 0); break;
	case KD_ACT_MOVE_LAST: move_to_row(ui, (long)m->nrows - 1); break;
	case KD_ACT_ENTER:
		if (!n)
			break;
		if (n->has_children) {
			kd_model_set_expanded(m, sel, !n->expanded);
			kd_model_relayout(m);
		} else if (n->level == KD_LEVEL_OBJECT) {
			kd_diffview_open(ui, sel);
		} else if (n->hand) {
			kd_ui_message(ui, KD_LOG_INFO, "%s %s/%s is in no app (made by %s): add it to Git, or delete it",
				      n->hand->kind, n->hand->namespace, n->hand->name,
				      n->hand->manager ? n->hand->manager : "an unknown manager");
		}
		break;
	case KD_ACT_EXPAND:
		if (!n || !n->has_children)
			break;
		if (!n->expanded) {
			kd_model_set_expanded(m, sel, true);
			kd_model_relayout(m);
		} else {
			move_to_row(ui, (long)m->cursor + 1);
		}
		break;
	case KD_ACT_COLLAPSE:
		if (!n)
			break;
		if (n->has_children && (n->expanded || n->peek)) {
			kd_model_set_expanded(m, sel, false);
			kd_model_relayout(m);
		} else if (n->parent != KD_NONE) {
			kd_model_select(m, n->parent);
		}
		break;
	case KD_ACT_EXPAND_ALL: kd_model_expand_all(m, true); break;
	case KD_ACT_COLLAPSE_ALL: kd_model_expand_all(m, false); break;
	case KD_ACT_PIVOT:
		kd_model_pivot(m);
		if ((n = kd_model_selected(m)))
			kd_model_select(m, kd_model_selected_index(m));
		break;
	case KD_ACT_NEXT_DRIFT: jump(ui, 1); break;
	case KD_ACT_PREV_DRIFT: jump(ui, -1); break;
	case KD_ACT_FILTER_PROBLEMS:
		kd_model_filter(m, m->filter.status_mask ? "status" : "status problems");
		break;
	case KD_ACT_FILTER_CLEAR: kd_model_filter(m, "clear"); break;
	case KD_ACT_OPEN_DIFF:
		if (n)
			kd_diffview_open(ui, sel);
		break;
	default:
		return false;
	}
	return true;
}

static void tree_click(kd_ui *ui, int row, int height)
{
	kd_model *m = &ui->model;
	size_t r;

	if (row < 1)
		return;   /* the header */
	r = m->top + (size_t)(row - 1);
	if (r >= m->nrows)
		return;
	if (r == m->cursor)
		tree_action(ui, KD_ACT_ENTER, height);
	else
		move_to_row(ui, (long)r);
}

const kd_view_ops kd_tree_view = {
	"tree", KD_CTX_TREE, tree_draw, tree_action, tree_click,
};
