/*
 * banner — the break-glass banner: one line under the title, in the
 * break-glass colour and reversed, starting with a text marker so the mode
 * is never told by colour alone; it shows the reason, the ticket and the
 * time left, and stays while the session is active.  When the session runs
 * out the mode ends as if it had been left: the end is logged and the
 * changes awaiting follow-up are listed.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "uiact_priv.h"

int kd_banner_lines(kd_ui *ui)
{
	kd_uiact *act = ui->act;

	if (!act || !act->session)
		return 0;
	return 1;
}

void kd_banner_draw(kd_ui *ui, int y)
{
	kd_breakglass_session *s = ui->act->session;
	int64_t left = kd_breakglass_remaining_ms(s, kd_time_now_ms());
	attr_t a = ui->attr[KD_AREA_BREAKGLASS] | A_REVERSE | A_BOLD;
	kd_buf b = KD_BUF_INIT;

	kd_buf_printf(&b, " !! BREAK-GLASS !! %s", s->reason ? s->reason : "");
	if (s->ticket && *s->ticket)
		kd_buf_printf(&b, " [%s]", s->ticket);
	/* Time left as `kdrift breakglass status` shows it; the loop redraws
	 * every second. */
	kd_buf_printf(&b, " %s ", kd_glyph(ui, "—", "-"));
	kd_duration_format(&b, left, KD_DURATION_SPAN);
	kd_buf_puts(&b, " left  (E ends)");
	kd_text_fill(y, 0, ui->cols, a);
	kd_text_draw(ui, y, 0, ui->cols, b.data, b.len, a);
	kd_buf_free(&b);
}

void kd_banner_tick(kd_ui *ui)
{
	kd_uiact *act = ui->act;

	if (!act || !act->session || kd_worker_busy(ui))
		return;
	if (kd_breakglass_active(act->session, kd_audit_now_ms()))
		return;
	kd_uiact_end_session(ui, true);
}
