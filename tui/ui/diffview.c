/*
 * diffview — builds the diff pane's rows: for every object below the
 * selected node a header, notes (why it is unknown, missing or extra, a
 * drifted field no line shows) and the object's rows from core
 * (kd_diff_rows_new: both sides normalised with Secret values masked,
 * aligned, each change tied to its field and field manager, unchanged runs
 * folded), the very rows `kdrift diff` prints.  Lays them out as display
 * lines; view_diff.c draws them.
 */
#include <stdlib.h>
#include <string.h>

#include "diffview.h"
#include "base/base.h"

static int keep(kd_diffview *d, void *p)
{
	void **a;

	if (!p)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (!(a = realloc(d->allocs, (d->nallocs + 1) * sizeof(*a)))) {
		free(p);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	d->allocs = a;
	d->allocs[d->nallocs++] = p;
	return 0;
}

static int add_row(kd_diffview *d, kd_drow_type type, const char *text)
{
	kd_drow *rows;

	if (d->nrows % 64 == 0) {
		if (!(rows = realloc(d->rows, (d->nrows + 64) * sizeof(*rows))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		d->rows = rows;
	}
	memset(&d->rows[d->nrows], 0, sizeof(*d->rows));
	d->rows[d->nrows].type = type;
	d->rows[d->nrows].text = text;
	d->rows[d->nrows].fold = KD_NONE;
	d->nrows++;
	return 0;
}

static int note(kd_diffview *d, const char *fmt, const char *arg)
{
	kd_buf b = KD_BUF_INIT;
	int rc;

	if ((rc = kd_buf_printf(&b, fmt, arg)) < 0)
		return rc;
	if ((rc = keep(d, kd_buf_detach(&b))) < 0)
		return rc;
	return add_row(d, KD_DROW_NOTE, d->allocs[d->nallocs - 1]);
}

/* The object's rows from core after the pane's rows so far (the pane
 * takes them, also on failure); its folds become the pane's. */
static int add_rows(kd_diffview *d, kd_diff_rows *rows)
{
	static const kd_drow_type type[] = {
		[KD_DIFF_ROW_SAME] = KD_DROW_SAME, [KD_DIFF_ROW_CHANGED] = KD_DROW_CHANGE,
		[KD_DIFF_ROW_REMOVED] = KD_DROW_DEL, [KD_DIFF_ROW_ADDED] = KD_DROW_ADD,
	};
	size_t base = d->nrows, folds = d->nfolds, i;
	kd_dobj *objs;
	kd_fold *f;
	int rc;

	if (!(objs = realloc(d->objs, (d->nobjs + 1) * sizeof(*objs)))) {
		kd_diff_rows_free(rows);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	d->objs = objs;
	d->objs[d->nobjs++] = (kd_dobj){ rows, base, NULL };
	if (rows->nfolds) {
		if (!(f = realloc(d->folds, (d->nfolds + rows->nfolds) * sizeof(*f))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		d->folds = f;
		for (i = 0; i < rows->nfolds; i++)
			d->folds[d->nfolds++] = (kd_fold){ base + rows->folds[i].first,
							   rows->folds[i].count, false };
	}
	for (i = 0; i < rows->nrows; i++) {
		const kd_diff_row *r = &rows->rows[i];
		kd_drow *dr;

		if ((rc = add_row(d, type[r->kind], NULL)) < 0)
			return rc;
		dr = &d->rows[d->nrows - 1];
		dr->row = r;
		dr->obj = d->nobjs - 1;
		dr->field = r->field;
		dr->show_field = r->field_start;
		dr->fold = r->fold == KD_DIFF_NO_FOLD ? KD_NONE : folds + r->fold;
	}
	return 0;
}

/* A drifted field no row shows (the YAML of both sides agrees after
 * normalisation, e.g. a defaulted list key): listed, never lost. */
static int unplaced_fields(kd_diffview *d, const kd_diff_rows *rows)
{
	size_t i;
	int rc;

	for (i = 0; i < rows->nunplaced; i++) {
		kd_buf b = KD_BUF_INIT;

		if ((rc = kd_diff_field_describe(&b, rows->unplaced[i])) < 0 ||
		    (rc = kd_buf_puts(&b, "; no line of its own above")) < 0 ||
		    (rc = note(d, "%s", kd_buf_cstr(&b))) < 0) {
			kd_buf_free(&b);
			return rc;
		}
		kd_buf_free(&b);
		d->rows[d->nrows - 1].field = rows->unplaced[i];
	}
	return 0;
}

/* A resource read from its agent's DriftReport: the report holds the
 * fields that differ with both values, not the objects.  Each field is a
 * note the cursor can act on (acting reads the cluster directly). */
static int report_fields(kd_diffview *d, const kd_cluster_state *st, const kd_resource *res)
{
	size_t i;
	int rc = 0;

	(void)st;
	if (res->status == KD_STATUS_MISSING)
		return note(d, "%s", "missing: in Git, not in the cluster (from the agent's report)");
	if (res->status == KD_STATUS_EXTRA)
		return note(d, "%s", "extra: in the cluster, not in Git (from the agent's report)");
	if (!res->diff || res->diff->nfields == 0)
		return note(d, "%s", "from the agent's report: no field differs");
	if ((rc = note(d, "%s", "from the agent's report: each field as Git and the cluster hold it")) < 0)
		return rc;
	for (i = 0; i < res->diff->nfields; i++) {
		const kd_diff_field *f = &res->diff->fields[i];
		kd_buf b = KD_BUF_INIT;

		if ((rc = kd_buf_printf(&b, "%s: ", f->path)) < 0 ||
		    (rc = kd_diff_value_text(&b, f->desired, 120)) < 0 ||
		    (rc = kd_buf_puts(&b, " -> ")) < 0 ||
		    (rc = kd_diff_value_text(&b, f->live, 120)) < 0 ||
		    (rc = note(d, "%s", kd_buf_cstr(&b))) < 0) {
			kd_buf_free(&b);
			return rc;
		}
		kd_buf_free(&b);
		d->rows[d->nrows - 1].field = f;
		d->rows[d->nrows - 1].show_field = true;
	}
	return 0;
}

static int add_object(kd_diffview *d, kd_ui *ui, const kd_cluster_state *st,
		      const kd_app_state *app, const kd_resource *res)
{
	kd_diff_opts opts = { 0 };
	kd_diff_rows_opts ropts = { .diff = &opts, .metadata = d->metadata };
	kd_diff_rows *rows = NULL;
	kd_buf title = KD_BUF_INIT;
	int rc;

	kd_fleet_diff_opts(&opts, st->fleet);
	opts.hpa_managed = res->hpa_managed;
	rc = kd_buf_printf(&title, "%s %s%s%s  %s  %s/%s  %s %s", res->kind, res->namespace,
			   res->namespace[0] ? "/" : "", res->name,
			   kd_glyph(ui, "·", "|"), st->name, app->name,
			   kd_status_glyph(res->status, ui->ascii), kd_status_name(res->status));
	if (rc == 0 && res->diff && res->diff->nfields)
		rc = kd_buf_printf(&title, " (%zu field%s)", res->diff->nfields,
				   res->diff->nfields == 1 ? "" : "s");
	/* An object reverted or healed while the pane showed its diff is in
	 * step with Git now: the header says so and at which revision (in
	 * the header, so the rows below keep their places). */
	if (rc == 0 && res->status == KD_STATUS_SYNCED)
		rc = st->revision ? kd_buf_printf(&title, " with Git at %.12s", st->revision) :
				    kd_buf_puts(&title, " with Git");
	if (rc < 0 || (rc = keep(d, kd_buf_detach(&title))) < 0 ||
	    (rc = add_row(d, KD_DROW_HEADER, d->allocs[d->nallocs - 1])) < 0)
		goto cleanup;
	if (res->reason && (rc = note(d, "%s", res->reason)) < 0)
		goto cleanup;
	if (!res->desired && !res->live && st->from_reports) {
		rc = report_fields(d, st, res);
		goto cleanup;
	}
	if (!res->desired && !res->live) {
		rc = note(d, "%s", "no object to show (neither Git nor the cluster has it)");
		goto cleanup;
	}
	if (kd_diff_rows_new(&rows, res->desired, res->live, res->diff, &ropts) < 0) {
		rc = note(d, "cannot show the diff: %s", kd_error_last());
		goto cleanup;
	}
	if (res->desired && !res->live && (rc = note(d, "%s", "missing: in Git, not in the cluster")) < 0)
		goto cleanup;
	if (!res->desired && res->live &&
	    (rc = note(d, "%s", "extra: in the cluster, not in Git (a prune candidate)")) < 0)
		goto cleanup;
	rc = add_rows(d, rows);
	if (d->nobjs && d->objs[d->nobjs - 1].rows == rows)
		d->objs[d->nobjs - 1].res = res;
	rows = NULL;
	if (rc == 0)
		rc = unplaced_fields(d, d->objs[d->nobjs - 1].rows);
cleanup:
	kd_diff_rows_free(rows);
	kd_buf_free(&title);
	return rc;
}

/* Unified mode: one object's display lines in core's one-column order;
 * returns how many were written to lines. */
static size_t unified_object(const kd_diffview *d, const kd_dobj *o, kd_dline *lines)
{
	size_t n = 0, k;

	for (k = 0; k < o->rows->nunified; k++) {
		const kd_diff_uline *ul = &o->rows->unified[k];
		size_t i = o->base + ul->row;
		const kd_drow *r = &d->rows[i];

		if (r->fold != KD_NONE && !d->folds[r->fold].open) {
			if (d->folds[r->fold].start == i)
				lines[n++] = (kd_dline){ KD_DROW_FOLD, r->fold, 0 };
			continue;
		}
		lines[n++] = (kd_dline){ r->type, i, ul->side == KD_DIFF_SIDE_DESIRED ? 1 :
						    ul->side == KD_DIFF_SIDE_LIVE ? 2 : 0 };
	}
	return n;
}

int kd_diffview_layout(kd_diffview *d, bool unified)
{
	size_t i, n = 0;
	kd_dline *lines;

	free(d->lines);
	d->lines = NULL;
	d->nlines = 0;
	if (!(lines = malloc((d->nrows * 2 + 1) * sizeof(*lines))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < d->nrows; i++) {
		const kd_drow *r = &d->rows[i];

		if (unified && r->row) {
			const kd_dobj *o = &d->objs[r->obj];

			n += unified_object(d, o, lines + n);
			i = o->base + o->rows->nrows - 1;
			continue;
		}
		if (r->fold != KD_NONE && !d->folds[r->fold].open) {
			if (d->folds[r->fold].start == i)
				lines[n++] = (kd_dline){ KD_DROW_FOLD, r->fold, 0 };
			continue;
		}
		lines[n++] = (kd_dline){ r->type, i, 0 };
	}
	d->lines = lines;
	d->nlines = n;
	if (d->cursor >= n)
		d->cursor = n ? n - 1 : 0;
	return 0;
}

void kd_diffview_free(kd_diffview *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nallocs; i++)
		free(d->allocs[i]);
	free(d->allocs);
	for (i = 0; i < d->nobjs; i++)
		kd_diff_rows_free(d->objs[i].rows);
	free(d->objs);
	for (i = 0; i < d->nrefs; i++)
		kd_cluster_state_unref(d->refs[i]);
	free(d->refs);
	free(d->rows);
	free(d->folds);
	free(d->lines);
	kd_ident_clear(&d->source);
	free(d);
}

static int hold(kd_diffview *d, kd_cluster_state *st)
{
	kd_cluster_state **refs;
	size_t i;

	for (i = 0; i < d->nrefs; i++)
		if (d->refs[i] == st)
			return 0;
	if (!(refs = realloc(d->refs, (d->nrefs + 1) * sizeof(*refs))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	d->refs = refs;
	d->refs[d->nrefs++] = kd_cluster_state_ref(st);
	return 0;
}

/* Whether two panes have the same rows (kinds) and folds: the same
 * objects with the same changes, values aside. */
static bool same_shape(const kd_diffview *a, const kd_diffview *b)
{
	size_t i;

	if (a->nrows != b->nrows || a->nfolds != b->nfolds)
		return false;
	for (i = 0; i < a->nrows; i++)
		if (a->rows[i].type != b->rows[i].type)
			return false;
	for (i = 0; i < a->nfolds; i++)
		if (a->folds[i].start != b->folds[i].start || a->folds[i].len != b->folds[i].len)
			return false;
	return true;
}

int kd_diffview_open(kd_ui *ui, size_t node)
{
	kd_model *m = &ui->model;
	const kd_node *n = &m->nodes[node];
	kd_diffview *d = calloc(1, sizeof(*d)), *old = ui->diff;
	size_t i;
	int rc = 0;

	if (!d)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (old) {
		d->unified = old->unified;
		d->unified_set = old->unified_set;
		d->metadata = old->metadata;
	}
	if ((rc = kd_ident_set(&d->source, n)) < 0)
		goto fail;
	for (i = node; i < m->nnodes; i++) {
		const kd_node *o = &m->nodes[i];
		kd_cluster_state *st;

		if (i > node && o->depth <= n->depth)
			break;
		if (o->level != KD_LEVEL_OBJECT)
			continue;
		/* Below an app or cluster: the objects that are not in sync. */
		if (i != node && (o->status == KD_STATUS_SYNCED || o->status == KD_STATUS_UNKNOWN))
			continue;
		st = m->states[o->cluster];
		if ((rc = hold(d, st)) < 0 ||
		    (rc = add_object(d, ui, st, &st->apps[o->app], o->obj)) < 0)
			goto fail;
	}
	if (d->nrows == 0) {
		kd_buf label = KD_BUF_INIT;

		kd_node_label(&label, n);
		kd_ui_message(ui, KD_LOG_INFO, "no changes below %s", kd_buf_cstr(&label));
		kd_buf_free(&label);
		kd_diffview_free(d);
		return 0;
	}
	/* (identities are unique: the node itself is compared, not the first
	 * of every node with its identity, which cost a walk per cursor move) */
	/* Same objects with the same changes: keep the place and what the
	 * user unfolded.  Once the changes are different (the object was
	 * reverted, healed or changed again) the old folds and cursor would
	 * point into other rows: start afresh. */
	if (old && old->source.level == d->source.level && kd_ident_matches(&old->source, n) &&
	    same_shape(old, d)) {
		d->top = old->top;
		d->cursor = old->cursor;
		for (i = 0; i < d->nfolds; i++)
			d->folds[i].open = old->folds[i].open;
	}
	if (!d->unified_set)
		d->unified = ui->cols < 100;
	if ((rc = kd_diffview_layout(d, d->unified)) < 0)
		goto fail;
	kd_diffview_free(old);
	ui->diff = d;
	return 0;
fail:
	kd_ui_message(ui, KD_LOG_ERROR, "diff: %s", kd_error_last());
	kd_diffview_free(d);
	return rc;
}

int kd_diffview_reload(kd_ui *ui)
{
	kd_diffview *old;
	size_t node;
	int rc;

	if (!ui->diff)
		return 0;
	node = kd_model_find_ident(&ui->model, &ui->diff->source);
	if (node == KD_NONE) {
		kd_ui_message(ui, KD_LOG_INFO, "the object shown in the diff pane is gone");
		kd_diffview_free(ui->diff);
		ui->diff = NULL;
		ui->focus_diff = false;
		return 0;
	}
	old = ui->diff;
	rc = kd_diffview_open(ui, node);
	if (ui->diff == old) {
		/* Nothing left to show (everything below is in sync now). */
		kd_diffview_free(old);
		ui->diff = NULL;
		ui->focus_diff = false;
	}
	return rc;
}
