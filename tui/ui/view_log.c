/*
 * view_log — the message log: engine events and the UI's own messages
 * from the store's event ring, oldest first, opening at the newest.
 */
#include <stdio.h>
#include <string.h>

#include "ui.h"

static const char *level_name(kd_log_level l)
{
	return l == KD_LOG_ERROR ? "error" : l == KD_LOG_WARN ? "warn " : "info ";
}

static void log_draw(kd_ui *ui, int top, int height, bool focused)
{
	kd_log_entry *e = NULL;
	size_t n = kd_store_log_read(ui->store, 0, &e), i;
	int y;

	(void)focused;
	if (ui->overlay_top + (size_t)height > n)
		ui->overlay_top = n > (size_t)height ? n - (size_t)height : 0;
	if (n == 0)
		kd_text_drawz(ui, top, 2, ui->cols - 2, "no messages yet", ui->attr[KD_AREA_DIM]);
	for (y = 0; y < height; y++) {
		char when[16];
		struct tm tm;
		kd_buf b = KD_BUF_INIT;
		kd_area area;
		int x;

		i = ui->overlay_top + (size_t)y;
		if (i >= n)
			break;
		localtime_r(&e[i].time, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		area = e[i].level == KD_LOG_ERROR ? KD_AREA_ERROR :
		       e[i].level == KD_LOG_WARN ? KD_AREA_WARNING : KD_AREA_DEFAULT;
		kd_buf_printf(&b, "%s %s ", when, level_name(e[i].level));
		x = kd_text_draw(ui, top + y, 1, ui->cols - 1, b.data, b.len, ui->attr[area]);
		kd_buf_clear(&b);
		if (e[i].cluster)
			kd_buf_printf(&b, "%s: ", e[i].cluster);
		kd_buf_puts(&b, e[i].message ? e[i].message : "");
		kd_text_draw(ui, top + y, 1 + x, ui->cols - 1 - x, b.data, b.len,
			     ui->attr[KD_AREA_DEFAULT]);
		kd_buf_free(&b);
	}
	kd_store_log_free(e, n);
}

static bool log_action(kd_ui *ui, kd_action a, int height)
{
	size_t page = height > 1 ? (size_t)height - 1 : 1;

	switch (a) {
	case KD_ACT_MOVE_UP: if (ui->overlay_top) ui->overlay_top--; break;
	case KD_ACT_MOVE_DOWN: ui->overlay_top++; break;
	case KD_ACT_MOVE_PAGE_UP: ui->overlay_top = ui->overlay_top > page ? ui->overlay_top - page : 0; break;
	case KD_ACT_MOVE_PAGE_DOWN: ui->overlay_top += page; break;
	case KD_ACT_MOVE_FIRST: ui->overlay_top = 0; break;
	case KD_ACT_MOVE_LAST: ui->overlay_top = (size_t)-1 / 2; break;
	default: return false;
	}
	return true;
}

const kd_view_ops kd_log_view = {
	"log", KD_CTX_LOG, log_draw, log_action, NULL,
};
