/*
 * diff_provenance — the diff pane's provenance line: where the desired
 * value of the line under the cursor was set, newest layer first, as core
 * writes it (kd_explain_line) from the provenance the engine recorded with
 * each desired object.  Reads the pane's rows only; never renders, never
 * touches Git.
 */
#include "diffview.h"

#include "compare/compare.h"
#include "render/render.h"

bool kd_diffview_has_provenance(const kd_diffview *d)
{
	size_t i;

	for (i = 0; d && i < d->nobjs; i++)
		if (d->objs[i].res && d->objs[i].res->provenance)
			return true;
	return false;
}

int kd_diffview_provenance(kd_buf *out, const kd_ui *ui)
{
	const kd_diffview *d = ui->diff;
	const kd_dline *dl;
	const kd_drow *r;
	const kd_resource *res;
	const char *ptr;

	if (!d || d->cursor >= d->nlines)
		return 0;
	dl = &d->lines[d->cursor];
	if (dl->type == KD_DROW_FOLD)
		return 0;
	r = &d->rows[dl->row];
	if (!r->row)
		return 0;
	res = d->objs[r->obj].res;
	ptr = r->row->desired.pointer;
	/* Only a value Git sets has a chain: a map's key line, or a line only
	 * the cluster has, shows nothing. */
	if (!res || !res->provenance || !res->desired || !ptr ||
	    json_array_size(kd_prov_chain(res->provenance, ptr)) == 0)
		return 0;
	return kd_explain_line(out, res->desired, res->provenance, ptr, ui->ascii);
}

/* The cursor is on a line of an object's YAML (not a header, a note or a
 * fold). */
static bool on_value(const kd_diffview *d)
{
	const kd_dline *dl = d && d->cursor < d->nlines ? &d->lines[d->cursor] : NULL;

	return dl && dl->type != KD_DROW_FOLD && d->rows[dl->row].row;
}

void kd_diffview_provenance_draw(kd_ui *ui, int y)
{
	kd_buf b = KD_BUF_INIT;
	attr_t a = ui->attr[KD_AREA_DIFF_META];

	kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
	if (!on_value(ui->diff))
		return;
	if (kd_diffview_provenance(&b, ui) < 0 || b.len == 0) {
		kd_text_drawz(ui, y, 1, ui->cols - 1, "(not a value set in Git)",
			      ui->attr[KD_AREA_DIM]);
	} else {
		kd_text_draw(ui, y, 1, ui->cols - 1, b.data, b.len, a);
	}
	kd_buf_free(&b);
}
