/*
 * diffview — builds the diff pane's rows: both sides normalised
 * (kd_diff_normalize, so Secret values are masks and server noise is
 * gone), written as YAML (kd_yaml_emit), aligned line by line with a
 * longest-common-subsequence match, and each changed line attributed to the
 * drifted field (and so the field manager) it belongs to.
 */
#include <stdlib.h>
#include <string.h>

#include "diffview.h"
#include "base/base.h"
#include "data/data.h"

#define CONTEXT_LINES 3
#define LCS_MAX_CELLS (2u << 20)

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

static int add_row(kd_diffview *d, kd_drow_type type, const char *l, const char *r,
		   const char *text)
{
	kd_drow *rows;

	if (d->nrows % 64 == 0) {
		if (!(rows = realloc(d->rows, (d->nrows + 64) * sizeof(*rows))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		d->rows = rows;
	}
	memset(&d->rows[d->nrows], 0, sizeof(*d->rows));
	d->rows[d->nrows].type = type;
	d->rows[d->nrows].l = l;
	d->rows[d->nrows].r = r;
	d->rows[d->nrows].text = text;
	d->rows[d->nrows].fold = KD_NONE;
	d->nrows++;
	return 0;
}

/* One side of an object: its YAML split into lines, and for each line the
 * JSON pointer of the deepest node that starts on it (lines inside a block
 * scalar inherit the pointer above). */
typedef struct side {
	char **line;
	const char **ptr;
	size_t n;
	json_t *positions;
} side;

static void side_free(side *s)
{
	free(s->ptr);
	json_decref(s->positions);
}

static int side_build(kd_diffview *d, side *s, const json_t *doc)
{
	kd_buf yaml = KD_BUF_INIT;
	char *text, *p;
	size_t i, cap = 16;
	const char *key;
	json_t *val, *parsed = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!doc)
		return 0;
	if ((rc = kd_yaml_emit(&yaml, doc)) < 0) {
		kd_buf_free(&yaml);
		return rc;
	}
	if ((rc = kd_yaml_parse_one(&parsed, &s->positions, kd_buf_cstr(&yaml), yaml.len,
				    "diff", NULL)) < 0)
		s->positions = NULL;   /* no attribution then, but still a diff */
	json_decref(parsed);
	text = kd_buf_detach(&yaml);
	if ((rc = keep(d, text ? text : strdup(""))) < 0)
		return rc;
	text = d->allocs[d->nallocs - 1];
	if (!(s->line = malloc(cap * sizeof(*s->line))) || (rc = keep(d, s->line)) < 0)
		return s->line ? rc : kd_error_set(KD_ENOMEM, "out of memory");
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');

		if (s->n == cap) {
			char **more = realloc(s->line, cap * 2 * sizeof(*more));

			if (!more)
				return kd_error_set(KD_ENOMEM, "out of memory");
			d->allocs[d->nallocs - 1] = more;
			s->line = more;
			cap *= 2;
		}
		s->line[s->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	if (!(s->ptr = calloc(s->n ? s->n : 1, sizeof(*s->ptr))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach(s->positions, key, val) {
		json_int_t line = json_integer_value(json_array_get(val, 0));

		if (line >= 1 && (size_t)line <= s->n &&
		    (!s->ptr[line - 1] || strlen(key) > strlen(s->ptr[line - 1])))
			s->ptr[line - 1] = key;
	}
	for (i = 1; i < s->n; i++)
		if (!s->ptr[i])
			s->ptr[i] = s->ptr[i - 1];
	return 0;
}

static bool ptr_prefix(const char *pre, const char *p)
{
	size_t n = strlen(pre);

	return p && n && strncmp(pre, p, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* The drifted field a changed line belongs to: the deepest field whose
 * path holds the line's node. */
static const kd_diff_field *field_for(const kd_resource *res, const char *lp, const char *rp)
{
	const kd_diff_field *best = NULL;
	size_t i, bestlen = 0;

	if (!res->diff)
		return NULL;
	for (i = 0; i < res->diff->nfields; i++) {
		const kd_diff_field *f = &res->diff->fields[i];
		size_t len = strlen(f->path);

		if ((ptr_prefix(f->path, lp) || (f->live_path && ptr_prefix(f->live_path, rp))) &&
		    len > bestlen) {
			best = f;
			bestlen = len;
		}
	}
	return best;
}

/* Aligns two line arrays: a longest common subsequence over the part that
 * differs (common head and tail stripped first); a region too large for
 * the table is shown as one replaced block. */
static int align(kd_diffview *d, const kd_resource *res, const side *L, const side *R)
{
	size_t head = 0, tail = 0, n, m, i, j;
	uint32_t *t = NULL;
	const kd_diff_field *last = NULL;
	size_t first_row = d->nrows;
	int rc = 0;

	while (head < L->n && head < R->n && strcmp(L->line[head], R->line[head]) == 0)
		head++;
	while (tail < L->n - head && tail < R->n - head &&
	       strcmp(L->line[L->n - 1 - tail], R->line[R->n - 1 - tail]) == 0)
		tail++;
	n = L->n - head - tail;
	m = R->n - head - tail;
	for (i = 0; i < head; i++)
		if ((rc = add_row(d, KD_DROW_SAME, L->line[i], R->line[i], NULL)) < 0)
			return rc;
	if (n && m && (n + 1) * (m + 1) <= LCS_MAX_CELLS) {
		if (!(t = calloc((n + 1) * (m + 1), sizeof(*t))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				t[i * (m + 1) + j] = strcmp(L->line[head + i], R->line[head + j]) == 0 ?
					t[(i + 1) * (m + 1) + j + 1] + 1 :
					t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1] ?
					t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1];
	}
	i = j = 0;
	while (i < n || j < m) {
		size_t di = i, dj = j;

		/* A run of deletions and insertions up to the next common line. */
		if (t) {
			while (di < n || dj < m) {
				if (di < n && dj < m &&
				    strcmp(L->line[head + di], R->line[head + dj]) == 0)
					break;
				if (dj >= m || (di < n && t[(di + 1) * (m + 1) + dj] >= t[di * (m + 1) + dj + 1]))
					di++;
				else
					dj++;
			}
		} else {
			di = n;
			dj = m;
		}
		while (i < di || j < dj) {
			const char *l = i < di ? L->line[head + i] : NULL;
			const char *r = j < dj ? R->line[head + j] : NULL;
			kd_drow_type type = l && r ? KD_DROW_CHANGE : l ? KD_DROW_DEL : KD_DROW_ADD;
			const kd_diff_field *f = field_for(res, l ? L->ptr[head + i] : NULL,
							   r ? R->ptr[head + j] : NULL);

			if ((rc = add_row(d, type, l, r, NULL)) < 0)
				goto cleanup;
			d->rows[d->nrows - 1].field = f;
			d->rows[d->nrows - 1].show_field = f && f != last;
			last = f ? f : last;
			d->nchanges++;
			i += l != NULL;
			j += r != NULL;
		}
		last = NULL;
		if (i < n && j < m) {
			if ((rc = add_row(d, KD_DROW_SAME, L->line[head + i], R->line[head + j], NULL)) < 0)
				goto cleanup;
			i++;
			j++;
		}
	}
	for (i = 0; i < tail; i++)
		if ((rc = add_row(d, KD_DROW_SAME, L->line[L->n - tail + i],
				  R->line[R->n - tail + i], NULL)) < 0)
			goto cleanup;
	(void)first_row;
cleanup:
	free(t);
	return rc;
}

static bool covered(const kd_diff_result *diff, const char *ptr)
{
	size_t i;

	for (i = 0; diff && i < diff->nfields; i++) {
		const kd_diff_field *f = &diff->fields[i];

		if ((f->live_path && (ptr_prefix(f->live_path, ptr) || ptr_prefix(ptr, f->live_path))) ||
		    ptr_prefix(f->path, ptr) || ptr_prefix(ptr, f->path))
			return true;
	}
	return false;
}

/* Leaves out of the live side what the comparison ignores: fields only the
 * server wrote (defaults) that no drifted field touches.  Otherwise every
 * defaulted field would look like a change. */
static int prune_defaults(json_t *live, const json_t *desired, kd_buf *ptr,
			  const kd_diff_result *diff)
{
	size_t base = ptr->len, i;
	int rc = 0;

	if (json_is_object(live)) {
		const char *key;
		json_t *v, *tmp;

		json_object_foreach_safe(live, tmp, key, v) {
			const json_t *dv = json_object_get(desired, key);

			kd_buf_truncate(ptr, base);
			if ((rc = kd_json_pointer_append(ptr, key)) < 0)
				return rc;
			if (!dv && !covered(diff, kd_buf_cstr(ptr)))
				json_object_del(live, key);
			else if (dv && (rc = prune_defaults(v, dv, ptr, diff)) < 0)
				return rc;
		}
	} else if (json_is_array(live)) {
		for (i = json_array_size(live); i-- > 0;) {
			const json_t *dv = json_array_get(desired, i);

			kd_buf_truncate(ptr, base);
			if ((rc = kd_buf_printf(ptr, "/%zu", i)) < 0)
				return rc;
			if (!dv && !covered(diff, kd_buf_cstr(ptr)))
				json_array_remove(live, i);
			else if (dv && (rc = prune_defaults(json_array_get(live, i), dv, ptr, diff)) < 0)
				return rc;
		}
	}
	kd_buf_truncate(ptr, base);
	return rc;
}

/* status and metadata.managedFields of the raw object, back into a
 * normalised copy (they hold no Secret values). */
static void add_metadata(json_t *norm, const json_t *raw)
{
	json_t *status, *mf, *meta;

	if (!norm || !raw)
		return;
	if ((status = json_object_get(raw, "status")))
		json_object_set(norm, "status", status);
	mf = json_object_get(json_object_get(raw, "metadata"), "managedFields");
	meta = json_object_get(norm, "metadata");
	if (mf && json_is_object(meta))
		json_object_set(meta, "managedFields", mf);
}

static int note(kd_diffview *d, const char *fmt, const char *arg)
{
	kd_buf b = KD_BUF_INIT;
	int rc;

	if ((rc = kd_buf_printf(&b, fmt, arg)) < 0)
		return rc;
	if ((rc = keep(d, kd_buf_detach(&b))) < 0)
		return rc;
	return add_row(d, KD_DROW_NOTE, NULL, NULL, d->allocs[d->nallocs - 1]);
}

/* A drifted field no changed line shows (the YAML of both sides agrees
 * after normalisation, e.g. a defaulted list key): listed, never lost. */
static int unplaced_fields(kd_diffview *d, const kd_resource *res, size_t first)
{
	size_t i, k;
	int rc;

	for (i = 0; res->diff && i < res->diff->nfields; i++) {
		const kd_diff_field *f = &res->diff->fields[i];
		kd_buf b = KD_BUF_INIT;
		bool placed = false;

		for (k = first; k < d->nrows && !placed; k++)
			placed = d->rows[k].field == f;
		if (placed)
			continue;
		if ((rc = kd_buf_printf(&b, "%s %s (%s, no line of its own above)", f->path,
					kd_diff_change_name(f->kind), f->manager)) < 0 ||
		    (rc = note(d, "%s", kd_buf_cstr(&b))) < 0) {
			kd_buf_free(&b);
			return rc;
		}
		kd_buf_free(&b);
		d->rows[d->nrows - 1].field = f;
	}
	return 0;
}

static int add_object(kd_diffview *d, kd_ui *ui, const kd_cluster_state *st,
		      const kd_app_state *app, const kd_resource *res)
{
	kd_diff_opts opts = { 0 };
	json_t *nd = NULL, *nl = NULL;
	side L, R;
	kd_buf title = KD_BUF_INIT;
	size_t first;
	int rc;

	memset(&L, 0, sizeof(L));
	memset(&R, 0, sizeof(R));
	if (st->fleet) {
		opts.ignores = st->fleet->ignores;
		opts.nignores = st->fleet->nignores;
	}
	opts.hpa_managed = res->hpa_managed;
	rc = kd_buf_printf(&title, "%s %s%s%s  %s  %s/%s  %s %s", res->kind, res->namespace,
			   res->namespace[0] ? "/" : "", res->name,
			   kd_glyph(ui, "·", "|"), st->name, app->name,
			   kd_status_glyph(res->status, ui->ascii), kd_status_name(res->status));
	if (rc == 0 && res->diff && res->diff->nfields)
		rc = kd_buf_printf(&title, " (%zu field%s)", res->diff->nfields,
				   res->diff->nfields == 1 ? "" : "s");
	if (rc < 0 || (rc = keep(d, kd_buf_detach(&title))) < 0 ||
	    (rc = add_row(d, KD_DROW_HEADER, NULL, NULL, d->allocs[d->nallocs - 1])) < 0)
		goto cleanup;
	d->nobjects++;
	if (res->reason && (rc = note(d, "%s", res->reason)) < 0)
		goto cleanup;
	if (res->desired && res->live)
		rc = kd_diff_normalize(&nd, &nl, res->desired, res->live, &opts);
	else if (res->desired)
		rc = kd_diff_normalize(&nd, NULL, res->desired, res->desired, &opts);
	else if (res->live)
		rc = kd_diff_normalize(NULL, &nl, res->live, res->live, &opts);
	else
		rc = note(d, "%s", "no object to show (neither Git nor the cluster has it)");
	if (rc < 0) {
		rc = note(d, "cannot show the diff: %s", kd_error_last());
		goto cleanup;
	}
	if (nd && nl) {
		kd_buf ptr = KD_BUF_INIT;

		rc = prune_defaults(nl, nd, &ptr, res->diff);
		kd_buf_free(&ptr);
		if (rc < 0)
			goto cleanup;
	}
	if (d->metadata) {
		add_metadata(nd, res->desired);
		add_metadata(nl, res->live);
	}
	if (res->desired && !res->live && (rc = note(d, "%s", "missing: in Git, not in the cluster")) < 0)
		goto cleanup;
	if (!res->desired && res->live &&
	    (rc = note(d, "%s", "extra: in the cluster, not in Git (a prune candidate)")) < 0)
		goto cleanup;
	if ((rc = side_build(d, &L, nd)) < 0 || (rc = side_build(d, &R, nl)) < 0)
		goto cleanup;
	first = d->nrows;
	if ((rc = align(d, res, &L, &R)) < 0)
		goto cleanup;
	rc = unplaced_fields(d, res, first);
cleanup:
	side_free(&L);
	side_free(&R);
	json_decref(nd);
	json_decref(nl);
	kd_buf_free(&title);
	return rc;
}

/* Folds the middle of every run of unchanged lines, keeping a few lines of
 * context next to each change. */
static int make_folds(kd_diffview *d)
{
	size_t i = 0;

	while (i < d->nrows) {
		size_t start = i, len, before, after;
		bool first, last;

		if (d->rows[i].type != KD_DROW_SAME) {
			i++;
			continue;
		}
		while (i < d->nrows && d->rows[i].type == KD_DROW_SAME)
			i++;
		len = i - start;
		first = start == 0 || d->rows[start - 1].type == KD_DROW_HEADER ||
			d->rows[start - 1].type == KD_DROW_NOTE;
		last = i == d->nrows || d->rows[i].type == KD_DROW_HEADER;
		before = first ? 0 : CONTEXT_LINES;
		after = last ? 0 : CONTEXT_LINES;
		if (len >= before + after + 2) {
			kd_fold *f = realloc(d->folds, (d->nfolds + 1) * sizeof(*f));
			size_t k;

			if (!f)
				return kd_error_set(KD_ENOMEM, "out of memory");
			d->folds = f;
			f[d->nfolds].start = start + before;
			f[d->nfolds].len = len - before - after;
			f[d->nfolds].open = false;
			for (k = 0; k < f[d->nfolds].len; k++)
				d->rows[start + before + k].fold = d->nfolds;
			d->nfolds++;
		}
	}
	return 0;
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

		if (r->fold != KD_NONE && !d->folds[r->fold].open) {
			if (d->folds[r->fold].start == i)
				lines[n++] = (kd_dline){ KD_DROW_FOLD, r->fold, 0 };
			continue;
		}
		if (unified && r->type == KD_DROW_CHANGE) {
			lines[n++] = (kd_dline){ r->type, i, 1 };
			lines[n++] = (kd_dline){ r->type, i, 2 };
		} else {
			lines[n++] = (kd_dline){ r->type, i, 0 };
		}
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
	if (d->nobjects == 0) {
		kd_buf label = KD_BUF_INIT;

		kd_node_label(&label, n);
		kd_ui_message(ui, KD_LOG_INFO, "no changes below %s", kd_buf_cstr(&label));
		kd_buf_free(&label);
		kd_diffview_free(d);
		return 0;
	}
	if ((rc = make_folds(d)) < 0)
		goto fail;
	if (old && old->source.level == d->source.level &&
	    kd_model_find_ident(m, &old->source) == node) {
		d->top = old->top;
		d->cursor = old->cursor;
		/* Same objects: keep what the user unfolded. */
		for (i = 0; i < d->nfolds && i < old->nfolds; i++)
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
