/*
 * view_compare — one app lined up across its clusters (DESIGN §10), a
 * full-screen view: clusters as columns, a row per field that differs,
 * each cell a glyph and an attribute per class, outliers first and
 * marked, a line about the cell under the cursor, and Enter on a cell
 * opens that cluster's diff of the object.
 *
 * The rows, classes, outliers and sources are core's (kd_compare_build),
 * the same `kdrift compare` prints; this file only lays them out.  The
 * compare is built on the worker thread from the snapshots the tree
 * shows, so the UI thread never waits for it; a pending line shows
 * meanwhile.  P on a drift cell promotes that cluster's live value into a
 * shared layer (kd_uiact_promote: the same preview as `kdrift accept --to`).
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "compare/compare.h"
#include "uiact.h"

#define CELL_VALUE 18     /* columns of a value in a cell; 12 each for two */
#define CELL_MAX 36

struct kd_compareview {
	char *app;
	kd_compare *cmp;          /* NULL while pending or after an error */
	bool pending;
	kd_buf error;
	unsigned gen;             /* which request a finished job answers */
	size_t *order;            /* row indices: outliers first */
	size_t cursor, top;       /* index into order */
	size_t col, left;         /* cluster under the cursor, first shown */
};

typedef struct compare_job {
	kd_job job;
	kd_cluster_state **states;
	size_t nstates;
	char *app;
	unsigned gen;
	kd_compare *cmp;
} compare_job;

static void view_reset(kd_compareview *cv)
{
	kd_compare_free(cv->cmp);
	cv->cmp = NULL;
	free(cv->order);
	cv->order = NULL;
	kd_buf_clear(&cv->error);
	cv->cursor = cv->top = cv->col = cv->left = 0;
}

void kd_compare_view_free(kd_ui *ui)
{
	kd_compareview *cv = ui->compare;

	if (!cv)
		return;
	view_reset(cv);
	kd_buf_free(&cv->error);
	free(cv->app);
	free(cv);
	ui->compare = NULL;
}

/* --- the worker --------------------------------------------------------- */

static void job_run(kd_job *job)
{
	compare_job *j = (compare_job *)job;

	job->rc = kd_compare_build(&j->cmp, j->states, j->nstates, j->app, NULL);
	if (job->rc < 0)
		kd_buf_puts(&job->msg, kd_error_last());
}

/* Outliers first, each part in core's order. */
static int take_order(kd_compareview *cv)
{
	size_t i, n = 0;
	int pass;

	if (!(cv->order = calloc(cv->cmp->nrows ? cv->cmp->nrows : 1, sizeof(*cv->order))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < cv->cmp->nrows; i++)
			if (cv->cmp->rows[i].outlier == (pass == 0))
				cv->order[n++] = i;
	return 0;
}

static void job_done(kd_ui *ui, kd_job *job)
{
	compare_job *j = (compare_job *)job;
	kd_compareview *cv = ui->compare;

	/* A newer request, or the view went away: this answer is stale. */
	if (!cv || !cv->pending || cv->gen != j->gen)
		return;
	cv->pending = false;
	if (job->rc < 0) {
		kd_buf_puts(&cv->error, kd_buf_cstr(&job->msg));
		kd_ui_message(ui, KD_LOG_ERROR, "compare %s: %s", cv->app, kd_buf_cstr(&job->msg));
		return;
	}
	cv->cmp = j->cmp;
	j->cmp = NULL;
	if (take_order(cv) < 0) {
		kd_compare_free(cv->cmp);
		cv->cmp = NULL;
		kd_buf_puts(&cv->error, kd_error_last());
	}
}

static void job_free(kd_job *job)
{
	compare_job *j = (compare_job *)job;
	size_t i;

	for (i = 0; i < j->nstates; i++)
		kd_cluster_state_unref(j->states[i]);
	free(j->states);
	free(j->app);
	kd_compare_free(j->cmp);
	kd_buf_free(&job->msg);
	free(j);
}

/* --- opening ------------------------------------------------------------ */

void kd_compare_view_open(kd_ui *ui)
{
	const kd_node *n = kd_model_selected(&ui->model);
	kd_compareview *cv = ui->compare;
	compare_job *j;
	size_t i;

	if (!n || !n->app_name || n->level == KD_LEVEL_UNMANAGED ||
	    n->level == KD_LEVEL_UNMANAGED_OBJECT) {
		kd_ui_message(ui, KD_LOG_WARN, "compare: select an app (or one of its objects)");
		return;
	}
	if (!cv) {
		if (!(cv = calloc(1, sizeof(*cv)))) {
			kd_ui_message(ui, KD_LOG_ERROR, "compare: out of memory");
			return;
		}
		ui->compare = cv;
	}
	/* Asked again while it computes: the answer is on its way. */
	if (cv->pending && cv->app && strcmp(cv->app, n->app_name) == 0) {
		ui->overlay = &kd_compare_view;
		return;
	}
	view_reset(cv);
	free(cv->app);
	cv->gen++;
	cv->pending = false;
	j = calloc(1, sizeof(*j));
	if (!(cv->app = strdup(n->app_name)) || !j || !(j->app = strdup(n->app_name)) ||
	    !(j->states = calloc(ui->model.nstates ? ui->model.nstates : 1, sizeof(*j->states)))) {
		if (j)
			free(j->app);
		free(j);
		kd_compare_view_free(ui);
		kd_ui_message(ui, KD_LOG_ERROR, "compare: out of memory");
		return;
	}
	/* The snapshots the tree shows: what the engine published last. */
	for (i = 0; i < ui->model.nstates; i++)
		if (ui->model.states[i])
			j->states[j->nstates++] = kd_cluster_state_ref(ui->model.states[i]);
	j->gen = cv->gen;
	j->job.what = "compare";
	j->job.run = job_run;
	j->job.done = job_done;
	j->job.free = job_free;
	j->job.msg = (kd_buf)KD_BUF_INIT;
	ui->overlay = &kd_compare_view;
	ui->overlay_top = 0;
	cv->pending = true;
	if (kd_worker_submit(ui, &j->job) < 0) {
		cv->pending = false;
		kd_buf_puts(&cv->error, kd_error_last());
	}
}

/* --- drawing ------------------------------------------------------------ */

static attr_t class_attr(const kd_ui *ui, kd_class c)
{
	static const kd_area area[KD_CLASS_COUNT] = {
		[KD_CLASS_INTENTIONAL] = KD_AREA_INTENTIONAL, [KD_CLASS_ACCEPTED] = KD_AREA_SYNCED,
		[KD_CLASS_DRIFT] = KD_AREA_DRIFTED, [KD_CLASS_BREAKGLASS] = KD_AREA_BREAKGLASS,
		[KD_CLASS_MISSING] = KD_AREA_MISSING, [KD_CLASS_UNKNOWN] = KD_AREA_UNKNOWN,
	};

	return ui->attr[(unsigned)c < KD_CLASS_COUNT ? area[c] : KD_AREA_DEFAULT];
}

static bool differs(kd_class c)
{
	return c == KD_CLASS_DRIFT || c == KD_CLASS_BREAKGLASS || c == KD_CLASS_MISSING;
}

static void cell_text(kd_buf *b, const kd_ui *ui, const kd_compare_cell *c)
{
	kd_buf_printf(b, "%s ", kd_class_glyph(c->cls, ui->ascii));
	if (!c->rendered) {
		kd_buf_puts(b, "-");
	} else if (differs(c->cls)) {
		kd_compare_value_text(b, c->desired, CELL_VALUE * 2 / 3, ui->ascii);
		kd_buf_puts(b, kd_glyph(ui, "→", ">"));
		kd_compare_value_text(b, c->live, CELL_VALUE * 2 / 3, ui->ascii);
	} else {
		kd_compare_value_text(b, c->desired, CELL_VALUE, ui->ascii);
	}
	if (c->outlier)
		kd_buf_printf(b, " %s", kd_compare_outlier_glyph(ui->ascii));
}

static void field_text(kd_buf *b, const kd_ui *ui, const kd_compare_row *r, int width)
{
	kd_buf t = KD_BUF_INIT;
	json_t *s;

	kd_buf_printf(&t, "%s %s %s", r->kind, r->name, r->path);
	s = json_string(kd_buf_cstr(&t));
	kd_compare_value_text(b, s, width > 0 ? (size_t)width : 1, ui->ascii);
	json_decref(s);
	kd_buf_free(&t);
}

/* Each column's width: its widest cell or name, two columns apart. */
static int column_width(const kd_ui *ui, const kd_compare *cmp, size_t j)
{
	kd_buf t = KD_BUF_INIT;
	int w = kd_text_width(ui, cmp->clusters[j], strlen(cmp->clusters[j]));
	size_t i;

	for (i = 0; i < cmp->nrows; i++) {
		int cw;

		kd_buf_clear(&t);
		cell_text(&t, ui, &cmp->rows[i].cells[j]);
		cw = kd_text_width(ui, t.data, t.len);
		if (cw > w)
			w = cw;
	}
	kd_buf_free(&t);
	return (w > CELL_MAX ? CELL_MAX : w) + 2;
}

/* A width that stays on the screen. */
static int clip(const kd_ui *ui, int x, int width)
{
	return x + width > ui->cols ? (ui->cols > x ? ui->cols - x : 0) : width;
}

static int field_width(const kd_ui *ui)
{
	return ui->cols >= 180 ? 64 : ui->cols >= 120 ? 44 : ui->cols / 3;
}

/* The clusters that fit from left on, keeping the cursor's column in view. */
static size_t fit_columns(const kd_ui *ui, kd_compareview *cv, const int *w)
{
	size_t n = cv->cmp->nclusters, j;
	int room = ui->cols - field_width(ui) - 3, used = 0;

	for (j = 0; j < n; j++)
		used += w[j];
	if (used > room)
		room -= 10;      /* for "▶ N more" */
	if (cv->col < cv->left)
		cv->left = cv->col;
	for (;;) {
		for (used = 0, j = cv->left; j < n && used + w[j] <= room; j++)
			used += w[j];
		if (j > cv->col || cv->left >= cv->col)
			return j > cv->left ? j : cv->left + 1;
		cv->left++;
	}
}

static void draw_detail(kd_ui *ui, int y, const kd_compareview *cv)
{
	const kd_compare *cmp = cv->cmp;
	const kd_compare_row *r;
	const kd_compare_cell *c;
	kd_buf b = KD_BUF_INIT;

	kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_STATUSBAR]);
	if (!cmp->nrows)
		goto done;
	r = &cmp->rows[cv->order[cv->cursor]];
	c = &r->cells[cv->col];
	kd_buf_printf(&b, "%s %s  %s  ", cmp->clusters[cv->col], r->path, kd_class_name(c->cls));
	if (c->outlier)
		kd_buf_printf(&b, "%s outlier  ", kd_compare_outlier_glyph(ui->ascii));
	if (c->rendered) {
		kd_buf_puts(&b, "Git ");
		kd_compare_value_text(&b, c->desired, 40, ui->ascii);
		kd_buf_puts(&b, "  live ");
		kd_compare_value_text(&b, c->live, 40, ui->ascii);
	}
	kd_buf_puts(&b, "  ");
	kd_compare_source(&b, c);
	if (c->manager)
		kd_buf_printf(&b, "  by %s", c->manager);
	if (c->time)
		kd_buf_printf(&b, " %s", c->time);
	kd_text_draw(ui, y, 1, ui->cols - 1, b.data, b.len, ui->attr[KD_AREA_STATUSBAR]);
done:
	kd_buf_free(&b);
}

static void draw_legend(kd_ui *ui, int y)
{
	kd_buf b = KD_BUF_INIT;
	int k, x = 1;

	kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
	for (k = 0; k < KD_CLASS_COUNT; k++) {
		kd_buf_clear(&b);
		kd_buf_printf(&b, "%s %s  ", kd_class_glyph((kd_class)k, ui->ascii),
			      kd_class_name((kd_class)k));
		x += kd_text_draw(ui, y, x, ui->cols - x, b.data, b.len, class_attr(ui, (kd_class)k));
	}
	kd_buf_clear(&b);
	kd_buf_printf(&b, "%s outlier", kd_compare_outlier_glyph(ui->ascii));
	kd_text_draw(ui, y, x, ui->cols - x, b.data, b.len, ui->attr[KD_AREA_WARNING]);
	kd_buf_free(&b);
}

static void compare_draw(kd_ui *ui, int top, int height, bool focused)
{
	kd_compareview *cv = ui->compare;
	const kd_compare *cmp = cv ? cv->cmp : NULL;
	kd_buf b = KD_BUF_INIT;
	int fw = field_width(ui), *w = NULL, y, body, x;
	size_t i, j, end, outliers = 0;

	(void)focused;
	for (y = top; y < top + height; y++)
		kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
	if (!cv || height < 5)
		return;
	if (!cmp) {
		if (cv->pending)
			kd_buf_printf(&b, "computing the compare of %s across its clusters %s", cv->app,
				      kd_glyph(ui, "…", "..."));
		else
			kd_buf_printf(&b, "compare %s: %s", cv->app, kd_buf_cstr(&cv->error));
		kd_text_draw(ui, top, 1, ui->cols - 1, b.data, b.len,
			     ui->attr[cv->pending ? KD_AREA_DIM : KD_AREA_ERROR]);
		kd_buf_free(&b);
		return;
	}
	for (i = 0; i < cmp->nrows; i++)
		outliers += cmp->rows[i].outlier;
	kd_buf_printf(&b, "compare %s: %zu cluster%s, grouped by %s, %zu field%s differ%s, "
		      "%zu outlier%s", cmp->app, cmp->nclusters, cmp->nclusters == 1 ? "" : "s",
		      cmp->group_by, cmp->nrows, cmp->nrows == 1 ? "" : "s",
		      cmp->nrows == 1 ? "s" : "", outliers, outliers == 1 ? "" : "s");
	kd_text_draw(ui, top, 1, ui->cols - 1, b.data, b.len, ui->attr[KD_AREA_COUNTS]);
	if (!cmp->nclusters || !(w = calloc(cmp->nclusters, sizeof(*w))))
		goto cleanup;
	for (j = 0; j < cmp->nclusters; j++)
		w[j] = column_width(ui, cmp, j);
	end = fit_columns(ui, cv, w);
	/* The heading: clusters, and how many more lie to either side. */
	kd_text_fill(top + 1, 0, ui->cols, ui->attr[KD_AREA_DIFF_HEADER]);
	kd_text_drawz(ui, top + 1, 2, fw, "FIELD", ui->attr[KD_AREA_DIFF_HEADER]);
	if (cv->left)
		kd_text_drawz(ui, top + 1, fw + 1, 2, kd_glyph(ui, "◀", "<"),
			      ui->attr[KD_AREA_DIFF_HEADER]);
	for (x = fw + 3, j = cv->left; j < end; x += w[j], j++)
		kd_text_draw(ui, top + 1, x, clip(ui, x, w[j] - 2), cmp->clusters[j],
			     strlen(cmp->clusters[j]), ui->attr[KD_AREA_DIFF_HEADER]);
	if (end < cmp->nclusters) {
		kd_buf_clear(&b);
		kd_buf_printf(&b, "%s %zu more", kd_glyph(ui, "▶", ">"), cmp->nclusters - end);
		kd_text_draw(ui, top + 1, ui->cols - 9, 9, b.data, b.len,
			     ui->attr[KD_AREA_DIFF_HEADER]);
	}
	body = height - 4;
	if (cmp->nrows == 0)
		kd_text_drawz(ui, top + 2, 2, ui->cols - 2,
			      "every field agrees in every cluster", ui->attr[KD_AREA_DIM]);
	if (cv->cursor < cv->top)
		cv->top = cv->cursor;
	if (cv->cursor >= cv->top + (size_t)body)
		cv->top = cv->cursor - (size_t)body + 1;
	for (i = cv->top; i < cmp->nrows && i < cv->top + (size_t)body; i++) {
		const kd_compare_row *r = &cmp->rows[cv->order[i]];
		int yy = top + 2 + (int)(i - cv->top);

		if (i == cv->cursor)
			kd_text_drawz(ui, yy, 0, 1, kd_glyph(ui, "▶", ">"), ui->attr[KD_AREA_CURSOR]);
		if (r->outlier)
			kd_text_drawz(ui, yy, 1, 1, kd_compare_outlier_glyph(ui->ascii),
				      ui->attr[KD_AREA_WARNING]);
		kd_buf_clear(&b);
		field_text(&b, ui, r, fw - 1);
		kd_text_draw(ui, yy, 3, fw - 1, b.data, b.len, ui->attr[KD_AREA_DEFAULT]);
		for (x = fw + 3, j = cv->left; j < end; x += w[j], j++) {
			attr_t a = class_attr(ui, r->cells[j].cls);

			if (i == cv->cursor && j == cv->col)
				a = ui->attr[KD_AREA_CURSOR];
			kd_buf_clear(&b);
			cell_text(&b, ui, &r->cells[j]);
			kd_text_draw(ui, yy, x, clip(ui, x, w[j] - 2), b.data, b.len, a);
		}
	}
	draw_detail(ui, top + height - 2, cv);
	draw_legend(ui, top + height - 1);
cleanup:
	free(w);
	kd_buf_free(&b);
}

/* --- acting ------------------------------------------------------------- */

/* Enter on a cell: the tree selects that cluster's object and the diff
 * pane opens on it. */
static void open_cell(kd_ui *ui, kd_compareview *cv)
{
	const kd_compare *cmp = cv->cmp;
	const kd_compare_row *r = &cmp->rows[cv->order[cv->cursor]];
	const kd_compare_cell *c = &r->cells[cv->col];
	const char *cluster = cmp->clusters[cv->col];
	const kd_resource *res = c->resource;
	kd_model *m = &ui->model;
	size_t i;

	if (!res) {
		kd_ui_message(ui, KD_LOG_WARN, "%s has no %s %s of %s", cluster, r->kind, r->name,
			      cmp->app);
		return;
	}
	for (i = 0; i < m->nnodes; i++) {
		const kd_node *n = &m->nodes[i];

		if (n->level != KD_LEVEL_OBJECT || !n->obj || !n->cluster_name || !n->app_name ||
		    strcmp(n->cluster_name, cluster) != 0 || strcmp(n->app_name, cmp->app) != 0 ||
		    strcmp(n->obj->kind, res->kind) != 0 ||
		    strcmp(n->obj->namespace, res->namespace) != 0 ||
		    strcmp(n->obj->name, res->name) != 0 ||
		    (n->obj->api_version && res->api_version &&
		     strcmp(n->obj->api_version, res->api_version) != 0))
			continue;
		if (kd_model_select(m, i) < 0 || kd_diffview_open(ui, i) < 0) {
			kd_ui_message(ui, KD_LOG_ERROR, "diff: %s", kd_error_last());
			return;
		}
		ui->overlay = NULL;
		ui->focus_diff = ui->diff != NULL;
		return;
	}
	kd_ui_message(ui, KD_LOG_WARN, "%s %s is not in the tree of %s (filtered out?)", r->kind,
		      r->name, cluster);
}

/* P on a cell: promote that cluster's live value of the row's field. */
static void promote_cell(kd_ui *ui, kd_compareview *cv)
{
	const kd_compare *cmp = cv->cmp;
	const kd_compare_row *r = &cmp->rows[cv->order[cv->cursor]];
	const kd_compare_cell *c = &r->cells[cv->col];
	const kd_resource *res = c->resource;
	const char *pointer = r->path;
	kd_act_target kt;

	if (c->cls != KD_CLASS_DRIFT || !res) {
		kd_ui_message(ui, KD_LOG_WARN, "promote: %s's %s is %s, not drift: only a live value "
			      "that differs from Git can be promoted", cmp->clusters[cv->col], r->path,
			      kd_class_name(c->cls));
		return;
	}
	memset(&kt, 0, sizeof(kt));
	kt.app = cmp->app;
	kt.kind = res->kind;
	kt.namespace = res->namespace;
	kt.name = res->name;
	kt.pointers = &pointer;
	kt.npointers = 1;
	kd_uiact_promote(ui, cmp->clusters[cv->col], &kt);
}

static bool compare_action(kd_ui *ui, kd_action a, int height)
{
	kd_compareview *cv = ui->compare;
	size_t n, page = height > 6 ? (size_t)height - 6 : 1;

	if (!cv)
		return false;
	if (!cv->cmp)
		return a == KD_ACT_ENTER || (a >= KD_ACT_MOVE_UP && a <= KD_ACT_MOVE_LAST);
	n = cv->cmp->nrows;
	switch (a) {
	case KD_ACT_MOVE_UP: if (cv->cursor) cv->cursor--; break;
	case KD_ACT_MOVE_DOWN: if (cv->cursor + 1 < n) cv->cursor++; break;
	case KD_ACT_MOVE_PAGE_UP: cv->cursor = cv->cursor > page ? cv->cursor - page : 0; break;
	case KD_ACT_MOVE_PAGE_DOWN:
		cv->cursor = cv->cursor + page < n ? cv->cursor + page : n ? n - 1 : 0;
		break;
	case KD_ACT_MOVE_FIRST: cv->cursor = 0; break;
	case KD_ACT_MOVE_LAST: cv->cursor = n ? n - 1 : 0; break;
	case KD_ACT_MOVE_LEFT: if (cv->col) cv->col--; break;
	case KD_ACT_MOVE_RIGHT: if (cv->col + 1 < cv->cmp->nclusters) cv->col++; break;
	case KD_ACT_ENTER:
		if (n && cv->cmp->nclusters)
			open_cell(ui, cv);
		break;
	case KD_ACT_PROMOTE:
		if (n && cv->cmp->nclusters)
			promote_cell(ui, cv);
		break;
	default:
		return false;
	}
	return true;
}

const kd_view_ops kd_compare_view = {
	"compare", KD_CTX_COMPARE, compare_draw, compare_action, NULL,
};
