/*
 * ui — the interactive UI's dispatch: keys to actions to views, prompt
 * commands, the title and status bars, and picking up new snapshots.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "diffview.h"
#include "uiact.h"

time_t kd_ui_now(const kd_ui *ui)
{
	return ui->now_override ? ui->now_override : time(NULL);
}

void kd_ui_message(kd_ui *ui, kd_log_level level, const char *fmt, ...)
{
	va_list ap;

	kd_buf_clear(&ui->message);
	va_start(ap, fmt);
	kd_buf_vprintf(&ui->message, fmt, ap);
	va_end(ap);
	ui->message_level = level;
	kd_store_log(ui->store, level, NULL, "%s", kd_buf_cstr(&ui->message));
}

void kd_ui_warn_cb(void *ctx, const char *msg)
{
	kd_ui_message(ctx, KD_LOG_WARN, "%s", msg);
}

/* A message longer than the screen is wide wraps onto this many lines at
 * most; the rest is cut, with an ellipsis, and kept whole in the log. */
#define MESSAGE_ROWS_MAX 3

int kd_ui_message_rows(const kd_ui *ui)
{
	size_t n;

	if (ui->prompt || ui->cols < 1)
		return 1;
	n = kd_text_wrap(ui, NULL, 0, ui->message.data, ui->message.len, ui->cols);
	return n < 1 ? 1 : n > MESSAGE_ROWS_MAX ? MESSAGE_ROWS_MAX : (int)n;
}

void kd_ui_layout(const kd_ui *ui, int *tree_top, int *tree_h, int *diff_top, int *diff_h)
{
	int banner = kd_banner_lines((kd_ui *)ui);
	int avail = ui->lines - 2 - kd_ui_message_rows(ui) - banner;

	if (avail < 1)
		avail = 1;
	*tree_top = 1 + banner;
	*tree_h = avail;
	*diff_top = *diff_h = 0;
	if (ui->diff) {
		*tree_h = avail * 2 / 5;
		if (*tree_h < 3)
			*tree_h = avail > 3 ? 3 : 1;
		*diff_top = *tree_top + *tree_h;
		*diff_h = avail - *tree_h;
	}
}

/* The engine's warnings and errors since the last look go to the status
 * line too (all of them stay in the message log). */
static void engine_messages(kd_ui *ui)
{
	kd_log_entry *e = NULL;
	size_t n = kd_store_log_read(ui->store, ui->log_seen, &e), i;

	for (i = 0; i < n; i++) {
		ui->log_seen = e[i].seq;
		if (e[i].level < KD_LOG_WARN || !e[i].message)
			continue;
		kd_buf_clear(&ui->message);
		if (e[i].cluster)
			kd_buf_printf(&ui->message, "%s: ", e[i].cluster);
		kd_buf_puts(&ui->message, e[i].message);
		ui->message_level = e[i].level;
	}
	kd_store_log_free(e, n);
}

void kd_ui_skip_messages(kd_ui *ui)
{
	kd_log_entry *e = NULL;
	size_t n = kd_store_log_read(ui->store, ui->log_seen, &e);

	if (n)
		ui->log_seen = e[n - 1].seq;
	kd_store_log_free(e, n);
}

void kd_ui_sync(kd_ui *ui)
{
	size_t i;
	bool changed = ui->model.stale;

	kd_worker_collect(ui);
	kd_banner_tick(ui);
	kd_selfheal_tick(ui);
	if (kd_store_version(ui->store) == ui->model.version)
		return;
	engine_messages(ui);
	/* Log entries bump the version too: rebuild only for new snapshots. */
	for (i = 0; i < ui->model.nstates && !changed; i++) {
		kd_cluster_state *st = kd_store_get(ui->store, i);

		changed = st != ui->model.states[i];
		kd_cluster_state_unref(st);
	}
	ui->model.version = kd_store_version(ui->store);
	if (!changed)
		return;
	if (kd_model_refresh(&ui->model) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
	kd_diffview_reload(ui);
}

/* --- drawing ------------------------------------------------------------ */

/* The fleet in one phrase after the title, like kdrift check's summary
 * line: "25 synced · 4 drifted · 5 unknown" where it fits, else glyphs
 * and counts ("✓25 ~4 ?5"); statuses nobody has are left out. */
static void fleet_summary(kd_ui *ui, kd_buf *b, int width)
{
	static const kd_status order[] = {
		KD_STATUS_SYNCED, KD_STATUS_DRIFTED, KD_STATUS_MISSING, KD_STATUS_EXTRA,
		KD_STATUS_BREAKGLASS, KD_STATUS_UNKNOWN,
	};
	kd_counts sum;
	kd_buf words = KD_BUF_INIT, glyphs = KD_BUF_INIT;
	size_t i, k;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < ui->model.nstates; i++)
		if (ui->model.states[i])
			kd_counts_add_cluster(&sum, ui->model.states[i]);
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		unsigned n = sum.n[order[k]];

		if (!n)
			continue;
		kd_buf_printf(&words, "%s%u %s", words.len ? kd_glyph(ui, " · ", ", ") : "  ", n,
			      kd_status_name(order[k]));
		kd_buf_printf(&glyphs, "%s%s%u", glyphs.len ? " " : "  ",
			      kd_status_glyph(order[k], ui->ascii), n);
	}
	if (kd_text_width(ui, b->data, b->len) + kd_text_width(ui, words.data, words.len) <= width)
		kd_buf_add(b, words.data, words.len);
	else
		kd_buf_add(b, glyphs.data, glyphs.len);
	kd_buf_free(&words);
	kd_buf_free(&glyphs);
}

static void draw_title(kd_ui *ui)
{
	kd_buf b = KD_BUF_INIT, f = KD_BUF_INIT;
	attr_t a = ui->attr[KD_AREA_TITLE];

	kd_text_fill(0, 0, ui->cols, a);
	if (ui->overlay)
		kd_buf_printf(&b, " kdrift %s %s", kd_glyph(ui, "—", "-"),
			      ui->overlay == &kd_help_view ? "help" :
			      ui->overlay == &kd_log_view ? "message log" : ui->overlay->name);
	else
		kd_buf_printf(&b, " kdrift %s %s", kd_glyph(ui, "—", "-"),
			      ui->model.pivot ? kd_glyph(ui, "app › cluster › object", "app > cluster > object")
					      : kd_glyph(ui, "cluster › app › object", "cluster > app > object"));
	kd_filter_describe(&f, &ui->model.filter);
	if (!ui->overlay && f.len)
		kd_buf_printf(&b, "  [filter: %s]", kd_buf_cstr(&f));
	if (!ui->overlay && ui->search)
		kd_buf_printf(&b, "  [/%s]", ui->search);
	if (!ui->overlay)
		fleet_summary(ui, &b, ui->cols - 12);
	kd_text_draw(ui, 0, 0, ui->cols - 12, b.data, b.len, a);
	kd_text_drawz(ui, 0, ui->cols - 10, 10, ui->overlay ? "  q: back" : "  ?: help", a);
	kd_buf_free(&b);
	kd_buf_free(&f);
}

/* The message, wrapped at blanks onto the lines below the status bar;
 * what does not fit ends in an ellipsis (the log has it whole). */
static void draw_message(kd_ui *ui, int top)
{
	kd_area area = ui->message_level == KD_LOG_ERROR ? KD_AREA_ERROR :
		       ui->message_level == KD_LOG_WARN ? KD_AREA_WARNING : KD_AREA_MESSAGE;
	kd_text_span span[MESSAGE_ROWS_MAX];
	size_t n = kd_text_wrap(ui, span, MESSAGE_ROWS_MAX, ui->message.data, ui->message.len,
				ui->cols), i;
	const char *more = kd_glyph(ui, "…", "...");
	int y, mw = kd_text_width(ui, more, strlen(more));

	for (y = top; y < ui->lines; y++)
		kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
	for (i = 0; i < n && i < MESSAGE_ROWS_MAX && top + (int)i < ui->lines; i++) {
		bool cut = i == MESSAGE_ROWS_MAX - 1 && n > MESSAGE_ROWS_MAX;
		int w = kd_text_draw(ui, top + (int)i, 0, cut ? ui->cols - mw : ui->cols,
				     ui->message.data + span[i].start, span[i].len, ui->attr[area]);

		if (cut)
			kd_text_drawz(ui, top + (int)i, w, mw, more, ui->attr[area]);
	}
}

void kd_ui_draw(kd_ui *ui)
{
	int tt, th, dt, dh, bottom;

	getmaxyx(stdscr, ui->lines, ui->cols);
	if (ui->lines < 4 || ui->cols < 20) {
		erase();
		mvaddstr(0, 0, "terminal too small");
		refresh();
		return;
	}
	draw_title(ui);
	kd_ui_layout(ui, &tt, &th, &dt, &dh);
	bottom = ui->lines - 1 - kd_ui_message_rows(ui);   /* the status bar's line */
	if (kd_banner_lines(ui))
		kd_banner_draw(ui, 1);
	if (ui->overlay) {
		int y;

		for (y = tt; y < bottom; y++)
			kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
		ui->overlay->draw(ui, tt, bottom - tt, true);
	} else {
		kd_tree_view.draw(ui, tt, th, !ui->focus_diff);
		if (ui->diff)
			kd_diff_view.draw(ui, dt, dh, ui->focus_diff);
	}
	if (ui->act && ui->act->dialog)
		kd_dialog_draw(ui);
	kd_ui_status_draw(ui, bottom);
	if (ui->prompt)
		kd_prompt_draw(ui);
	else
		draw_message(ui, bottom + 1);
	refresh();
}

/* --- actions ------------------------------------------------------------ */

static void search_step(kd_ui *ui, int dir)
{
	size_t n;

	if (!ui->search || !*ui->search) {
		kd_ui_message(ui, KD_LOG_INFO, "no search yet (/ starts one)");
		return;
	}
	n = kd_model_find_name(&ui->model, dir, ui->search);
	if (n == KD_NONE) {
		kd_ui_message(ui, KD_LOG_WARN, "no match for '%s'", ui->search);
		return;
	}
	kd_model_select(&ui->model, n);
	if (ui->diff && ui->model.nodes[n].level == KD_LEVEL_OBJECT)
		kd_diffview_open(ui, n);
}

static void suspend(kd_ui *ui)
{
	struct sigaction dfl, old;

	if (ui->script)
		return;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &dfl, &old);
	def_prog_mode();
	endwin();
	raise(SIGTSTP);
	sigaction(SIGTSTP, &old, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
}

static void run_action(kd_ui *ui, kd_action a)
{
	int tt, th, dt, dh;
	const kd_view_ops *view;

	kd_ui_layout(ui, &tt, &th, &dt, &dh);
	switch (a) {
	case KD_ACT_PROMPT: kd_prompt_open(ui, ':'); return;
	case KD_ACT_SEARCH: kd_prompt_open(ui, '/'); return;
	case KD_ACT_SEARCH_NEXT: search_step(ui, 1); return;
	case KD_ACT_SEARCH_PREV: search_step(ui, -1); return;
	case KD_ACT_VIEW_HELP: ui->overlay = &kd_help_view; ui->overlay_top = 0; return;
	case KD_ACT_VIEW_LOG: ui->overlay = &kd_log_view; ui->overlay_top = (size_t)-1 / 2; return;
	case KD_ACT_QUIT: ui->quit = true; return;
	case KD_ACT_REDRAW: clearok(curscr, TRUE); return;
	case KD_ACT_SUSPEND: suspend(ui); return;
	case KD_ACT_REFRESH: kd_ui_command(ui, "refresh"); return;
	case KD_ACT_COMPARE: kd_compare_view_open(ui); return;
	case KD_ACT_VIEW_BACK:
		/* Esc: a way out of a view that can never end kdrift (and with
		 * it a demo's simulator) by a key pressed once too often. */
		if (!ui->overlay && !ui->diff && ui->search) {
			/* the first thing Esc closes at the top: the search */
			free(ui->search);
			ui->search = NULL;
			kd_ui_message(ui, KD_LOG_INFO, "search ended");
			return;
		}
		if (!ui->overlay && !ui->diff) {
			kd_buf q = KD_BUF_INIT;

			kd_ui_key_hint(&q, ui, KD_ACT_VIEW_CLOSE);
			kd_ui_message(ui, KD_LOG_INFO, "nothing to close (%s quits)", kd_buf_cstr(&q));
			kd_buf_free(&q);
			return;
		}
		/* fall through */
	case KD_ACT_VIEW_CLOSE:
		if (ui->overlay) {
			ui->overlay = NULL;
		} else if (ui->diff) {
			kd_diffview_free(ui->diff);
			ui->diff = NULL;
			ui->focus_diff = false;
		} else {
			ui->quit = true;
		}
		return;
	case KD_ACT_FOCUS_NEXT:
		if (ui->diff && !ui->overlay)
			ui->focus_diff = !ui->focus_diff;
		return;
	default:
		break;
	}
	/* The follow-up list takes accept and revert itself. */
	if (!(ui->overlay == &kd_followup_view && (a == KD_ACT_REVERT || a == KD_ACT_ACCEPT)) &&
	    ui->act && kd_uiact_action(ui, a))
		return;
	view = ui->overlay ? ui->overlay : ui->focus_diff && ui->diff ? &kd_diff_view : &kd_tree_view;
	if (view->action(ui, a, ui->overlay ? ui->lines - 1 - kd_ui_message_rows(ui) - tt :
			 view == &kd_diff_view ? dh : th))
		return;
	/* Tree actions still work while the diff pane has the focus. */
	if (view == &kd_diff_view && kd_tree_view.action(ui, a, th))
		return;
	kd_ui_message(ui, KD_LOG_INFO, "%s does nothing in the %s view", kd_action_name(a), view->name);
}

static void mouse(kd_ui *ui)
{
	MEVENT ev;
	int tt, th, dt, dh;

	if (getmouse(&ev) != OK || !ui->mouse || ui->overlay)
		return;   /* (without --mouse: a stray report, dropped) */
	kd_ui_layout(ui, &tt, &th, &dt, &dh);
	if (ev.bstate & BUTTON4_PRESSED) {
		run_action(ui, KD_ACT_MOVE_UP);
	} else if (ev.bstate & BUTTON5_PRESSED) {
		run_action(ui, KD_ACT_MOVE_DOWN);
	} else if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) {
		if (ev.y >= tt && ev.y < tt + th) {
			ui->focus_diff = false;
			kd_tree_view.click(ui, ev.y - tt, th);
		} else if (ui->diff && ev.y >= dt && ev.y < dt + dh) {
			ui->focus_diff = true;
			kd_diff_view.click(ui, ev.y - dt, dh);
		}
	}
}

int kd_ui_key_hint(kd_buf *out, const kd_ui *ui, kd_action a)
{
	kd_buf keys = KD_BUF_INIT;
	size_t n;
	int rc;

	if ((rc = kd_keymap_keys_of(&keys, &ui->keymap, KD_CTX_TREE, a)) < 0 || keys.len == 0) {
		kd_buf_free(&keys);
		return rc < 0 ? rc : kd_buf_printf(out, ":%s", a == KD_ACT_VIEW_CLOSE ? "quit" :
							 kd_action_name(a));
	}
	n = strcspn(kd_buf_cstr(&keys), " ");
	rc = kd_buf_add(out, keys.data, n);
	kd_buf_free(&keys);
	return rc;
}

void kd_ui_key(kd_ui *ui, int key)
{
	kd_context ctx;
	kd_action a;

	if (key == KD_KEY_FN + KEY_RESIZE) {
		getmaxyx(stdscr, ui->lines, ui->cols);
		if (ui->diff && !ui->diff->unified_set) {
			ui->diff->unified = ui->cols < 100;
			kd_diffview_layout(ui->diff, ui->diff->unified);
		}
		return;
	}
	if (ui->prompt) {
		kd_prompt_key(ui, key);
		return;
	}
	if (ui->act && ui->act->dialog) {
		kd_dialog_key(ui, key);
		return;
	}
	if (key == KD_KEY_FN + KEY_MOUSE) {
		mouse(ui);
		return;
	}
	ctx = ui->overlay ? ui->overlay->context : ui->focus_diff && ui->diff ? KD_CTX_DIFF : KD_CTX_TREE;
	a = kd_keymap_lookup(&ui->keymap, ctx, key);
	if (a == KD_ACT_NONE) {
		kd_buf name = KD_BUF_INIT;

		kd_key_format(&name, key);
		kd_ui_message(ui, KD_LOG_INFO, "%s is not bound (? shows the keys)", kd_buf_cstr(&name));
		kd_buf_free(&name);
		return;
	}
	run_action(ui, a);
}
