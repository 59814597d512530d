/*
 * record_list — what the audit view (view_audit.c) and the follow-up list
 * (view_followup.c) share: audit records drawn one a line under a heading
 * and a status line, a cursor moved with the keys of any list, and one
 * record shown whole in a dialog.  Draws only; the views own their lists.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "uiact_priv.h"

bool kd_record_is_breakglass(const kd_audit_record *r)
{
	return r->mode && strcmp(r->mode, "break-glass") == 0;
}

void kd_record_list_draw(kd_ui *ui, int top, int height, const kd_audit_list *list,
			 size_t *cursor, const char *head, const char *status, const char *empty,
			 bool bad_status)
{
	size_t n = list ? list->count : 0, first, i;
	int y, rows = height - 2;

	kd_text_drawz(ui, top, 1, ui->cols - 1, head, ui->attr[KD_AREA_HELP_GROUP]);
	kd_text_drawz(ui, top + 1, 1, ui->cols - 1, status,
		      bad_status ? ui->attr[KD_AREA_ERROR] : ui->attr[KD_AREA_DIM]);
	if (rows <= 0)
		return;
	if (n == 0) {
		kd_text_drawz(ui, top + 2, 2, ui->cols - 2, empty, ui->attr[KD_AREA_DIM]);
		return;
	}
	if (*cursor >= n)
		*cursor = n - 1;
	if (ui->overlay_top > *cursor)
		ui->overlay_top = *cursor;
	if (*cursor >= ui->overlay_top + (size_t)rows)
		ui->overlay_top = *cursor - (size_t)rows + 1;
	first = ui->overlay_top;
	for (y = 0; y < rows && first + (size_t)y < n; y++) {
		kd_buf b = KD_BUF_INIT;
		attr_t a;

		i = first + (size_t)y;
		kd_audit_record_summary(&b, &list->items[i]);
		a = i == *cursor ? ui->attr[KD_AREA_CURSOR] :
		    kd_record_is_breakglass(&list->items[i]) ? ui->attr[KD_AREA_BREAKGLASS] :
		    ui->attr[KD_AREA_DEFAULT];
		kd_text_fill(top + 2 + y, 0, ui->cols, i == *cursor ? a : ui->attr[KD_AREA_DEFAULT]);
		kd_text_draw(ui, top + 2 + y, 1, ui->cols - 1, b.data, b.len, a);
		kd_buf_free(&b);
	}
}

/* The record dialog only shows: there is nothing to confirm. */
static void no_op(kd_ui *ui, kd_dialog *d)
{
	(void)ui;
	(void)d;
}

void kd_record_show(kd_ui *ui, const kd_audit_record *r)
{
	kd_dialog *d = kd_dialog_new("audit record (Esc closes)", no_op, NULL, NULL);
	char *text;

	if (!d)
		return;
	text = json_dumps(r->json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	kd_buf_puts(&d->body, text ? text : "");
	free(text);
	kd_dialog_open(ui, d);
}

bool kd_record_list_move(kd_ui *ui, kd_action a, int height, size_t *cursor, size_t n)
{
	size_t page = height > 3 ? (size_t)height - 3 : 1;

	switch (a) {
	case KD_ACT_MOVE_UP: if (*cursor) (*cursor)--; break;
	case KD_ACT_MOVE_DOWN: if (*cursor + 1 < n) (*cursor)++; break;
	case KD_ACT_MOVE_PAGE_UP: *cursor = *cursor > page ? *cursor - page : 0; break;
	case KD_ACT_MOVE_PAGE_DOWN: *cursor = *cursor + page < n ? *cursor + page : n ? n - 1 : 0; break;
	case KD_ACT_MOVE_FIRST: *cursor = 0; break;
	case KD_ACT_MOVE_LAST: *cursor = n ? n - 1 : 0; break;
	default: (void)ui; return false;
	}
	return true;
}
