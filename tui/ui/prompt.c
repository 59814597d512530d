/*
 * prompt — the `:` command line and the `/` search line, through readline.
 *
 * Readline runs in callback mode and never touches the terminal: curses
 * hands it one key at a time (rl_getc_function reads from a small queue we
 * fill), it edits its line, and we draw that line ourselves.  So the poll
 * loop stays in control, the engine keeps publishing while the user types,
 * and history, editing keys and completion (commands, cluster and app
 * names) are readline's own.  History lives in
 * $XDG_STATE_HOME/kdrift/history.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "base/base.h"
#include "ui.h"

static kd_ui *g_ui;              /* readline's callbacks take no context */
static unsigned char queue[16];
static size_t qhead, qlen;
static FILE *devnull;
static char *history_path;
static char *last_search;
/* The candidates of the last Tab, shown above the prompt line until the
 * input changes or the prompt closes. */
static kd_buf candidates = KD_BUF_INIT;
static bool listed;              /* the key being handled listed them */

static int prompt_getc(FILE *f)
{
	(void)f;
	return qhead < qlen ? queue[qhead++] : EOF;
}

static int prompt_available(void)
{
	return qhead < qlen;
}

static void prompt_redisplay(void)
{
	/* Drawn by kd_prompt_draw with the rest of the screen. */
}

static void term_noop(int meta)
{
	(void)meta;
}

static void term_noop_deprep(void)
{
}

static void close_prompt(kd_ui *ui)
{
	rl_replace_line("", 0);
	rl_callback_handler_remove();
	kd_buf_clear(&candidates);
	ui->prompt = 0;
	if (!ui->script)
		curs_set(0);
}

static void on_line(char *line)
{
	kd_ui *ui = g_ui;
	int kind = ui->prompt;

	close_prompt(ui);
	if (!line)
		return;   /* C-d on an empty line */
	if (kind == ':') {
		if (*line)
			add_history(line);
		kd_ui_command(ui, line);
	} else if (*line) {
		free(ui->search);
		ui->search = strdup(line);
	}
	free(line);
}

/* --- completion --------------------------------------------------------- */

static const char *const filter_words[] = { "status", "labels", "app", "name", "clear", NULL };
static const char *const status_words[] = {
	"synced", "drifted", "missing", "extra", "break-glass", "unknown", "problems", NULL,
};

static const char *complete_cmd;

static char *next_word(const char *text, int state)
{
	static size_t i;
	static const char *last_app;
	size_t len = strlen(text);
	kd_model *m = &g_ui->model;

	if (state == 0) {
		i = 0;
		last_app = NULL;
	}
	for (;;) {
		const char *cand = NULL;
		size_t k = i++;

		if (!complete_cmd) {
			if (!kd_ui_commands[k].name)
				return NULL;
			if (kd_ui_commands[k].hidden)
				continue;
			cand = kd_ui_commands[k].name;
		} else if (strcmp(complete_cmd, "cluster") == 0 || strcmp(complete_cmd, "refresh") == 0) {
			if (k >= m->nstates)
				return NULL;
			cand = kd_store_cluster_name(g_ui->store, k);
		} else if (strcmp(complete_cmd, "app") == 0) {
			/* Apps in tree order, each name once. */
			if (k >= m->nnodes)
				return NULL;
			if (m->nodes[k].level != KD_LEVEL_APP || !m->nodes[k].app_name)
				continue;
			cand = m->nodes[k].app_name;
			if (last_app && strcmp(last_app, cand) == 0)
				continue;
			{
				size_t j;
				bool seen = false;

				for (j = 0; j < k && !seen; j++)
					seen = m->nodes[j].level == KD_LEVEL_APP && m->nodes[j].app_name &&
					       strcmp(m->nodes[j].app_name, cand) == 0;
				if (seen)
					continue;
			}
			last_app = cand;
		} else if (strcmp(complete_cmd, "theme") == 0) {
			if (!(cand = kd_theme_builtin_names[k]))
				return NULL;
		} else if (strcmp(complete_cmd, "keymap") == 0) {
			if (!(cand = kd_keymap_builtin_names[k]))
				return NULL;
		} else if (strcmp(complete_cmd, "filter") == 0) {
			if (!(cand = filter_words[k]))
				return NULL;
		} else if (strcmp(complete_cmd, "filter status") == 0) {
			if (!(cand = status_words[k]))
				return NULL;
		} else {
			return NULL;
		}
		if (strncmp(cand, text, len) == 0)
			return strdup(cand);
	}
}

static char **complete(const char *text, int start, int end)
{
	static char cmd[32];
	const char *p = rl_line_buffer;
	size_t len;

	(void)end;
	rl_attempted_completion_over = 1;
	while (*p == ' ')
		p++;
	complete_cmd = NULL;
	if (p - rl_line_buffer < start) {
		len = strcspn(p, " ");
		if (len >= sizeof(cmd) - 8)
			return NULL;
		memcpy(cmd, p, len);
		cmd[len] = '\0';
		if (strcmp(cmd, "save-screen") == 0 || strcmp(cmd, "load-state") == 0) {
			rl_attempted_completion_over = 0;   /* file names */
			return NULL;
		}
		if (strcmp(cmd, "filter") == 0 && strncmp(p + len, " status ", 8) == 0)
			strcat(cmd, " status");
		complete_cmd = cmd;
	}
	return rl_completion_matches(text, next_word);
}

static void show_matches(char **matches, int n, int max)
{
	int i;

	(void)max;
	kd_buf_clear(&candidates);
	for (i = 1; i <= n; i++)
		kd_buf_printf(&candidates, "%s%s", i > 1 ? "  " : "", matches[i]);
	listed = true;
}

/* --- setup -------------------------------------------------------------- */

int kd_prompt_init(kd_ui *ui)
{

	g_ui = ui;
	if (!(devnull = fopen("/dev/null", "r+")))
		return kd_error_set(KD_EIO, "/dev/null: %s", strerror(errno));
	rl_readline_name = "kdrift";
	rl_instream = devnull;
	rl_outstream = devnull;
	rl_getc_function = prompt_getc;
	rl_input_available_hook = prompt_available;
	rl_redisplay_function = prompt_redisplay;
	rl_prep_term_function = term_noop;
	rl_deprep_term_function = term_noop_deprep;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = show_matches;
	/* the first Tab lists the candidates when it cannot complete alone */
	rl_variable_bind("show-all-if-ambiguous", "on");
	using_history();
	/* Without a state directory the history lives for this run only. */
	if (kd_xdg_path(&history_path, KD_XDG_STATE, "history") == 0)
		read_history(history_path);
	return 0;
}

void kd_prompt_done(kd_ui *ui)
{
	if (ui->prompt)
		close_prompt(ui);
	if (history_path) {
		/* The state directory may not exist yet. */
		kd_fs_mkdirs_for(history_path);
		if (write_history(history_path) == 0)
			history_truncate_file(history_path, 1000);
		free(history_path);
		history_path = NULL;
	}
	clear_history();
	kd_buf_free(&candidates);
	free(last_search);
	last_search = NULL;
	if (devnull)
		fclose(devnull);
	devnull = NULL;
}

void kd_prompt_open(kd_ui *ui, int kind)
{
	ui->prompt = kind;
	if (kind == '/') {
		kd_ident_clear(&ui->search_origin);
		ui->search_origin_node = kd_model_selected_index(&ui->model);
		if (kd_model_selected(&ui->model))
			kd_ident_set(&ui->search_origin, kd_model_selected(&ui->model));
		free(last_search);
		last_search = NULL;
	}
	rl_callback_handler_install("", on_line);
	if (!ui->script)
		curs_set(1);
}

static void cancel(kd_ui *ui)
{
	int kind = ui->prompt;
	size_t n;

	close_prompt(ui);
	if (kind != '/')
		return;
	/* A cancelled search ends searching: the cursor goes back where it
	 * was and the term leaves the title (n has nothing to repeat). */
	free(ui->search);
	ui->search = NULL;
	if ((n = kd_model_find_ident_near(&ui->model, &ui->search_origin, ui->search_origin_node)) !=
	    KD_NONE)
		kd_model_select(&ui->model, n);
}

/* Incremental search: every edit moves to the first match from where the
 * search started (kd_model_find_name keeps each term's matches, so a key
 * looks only among the matches of the term before it). */
static void incremental(kd_ui *ui)
{
	size_t n, origin;

	if (last_search && strcmp(last_search, rl_line_buffer) == 0)
		return;
	free(last_search);
	last_search = strdup(rl_line_buffer);
	if (!*rl_line_buffer)
		return;
	origin = kd_model_find_ident_near(&ui->model, &ui->search_origin, ui->search_origin_node);
	if (origin != KD_NONE) {
		kd_model_select(&ui->model, origin);
		ui->search_origin_node = origin;
	}
	if (origin != KD_NONE && kd_node_name_matches(&ui->model, &ui->model.nodes[origin], rl_line_buffer))
		n = origin;
	else
		n = kd_model_find_name(&ui->model, 1, rl_line_buffer);
	if (n != KD_NONE)
		kd_model_select(&ui->model, n);
}

static size_t encode(unsigned char *out, int key)
{
	static const struct { int key; const char *seq; } seqs[] = {
		{ KEY_LEFT, "\033[D" }, { KEY_RIGHT, "\033[C" }, { KEY_UP, "\033[A" },
		{ KEY_DOWN, "\033[B" }, { KEY_HOME, "\033[H" }, { KEY_END, "\033[F" },
		{ KEY_DC, "\033[3~" }, { KEY_BACKSPACE, "\177" }, { KEY_ENTER, "\r" },
	};
	size_t i;

	if (key >= KD_KEY_FN) {
		for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
			if (seqs[i].key == key - KD_KEY_FN) {
				memcpy(out, seqs[i].seq, strlen(seqs[i].seq));
				return strlen(seqs[i].seq);
			}
		return 0;
	}
	if (key < 0x80) {
		out[0] = (unsigned char)key;
		return 1;
	}
	if (key < 0x800) {
		out[0] = (unsigned char)(0xc0 | (key >> 6));
		out[1] = (unsigned char)(0x80 | (key & 0x3f));
		return 2;
	}
	if (key < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (key >> 12));
		out[1] = (unsigned char)(0x80 | ((key >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (key & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (key >> 18));
	out[1] = (unsigned char)(0x80 | ((key >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((key >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (key & 0x3f));
	return 4;
}

void kd_prompt_key(kd_ui *ui, int key)
{
	int kind = ui->prompt;

	if (key == KD_KEY_ESC || key == 3 || key == 7) {   /* Esc, C-c, C-g */
		cancel(ui);
		return;
	}
	char *before = strdup(rl_line_buffer ? rl_line_buffer : "");

	listed = false;
	qhead = 0;
	qlen = encode(queue, key);
	while (qhead < qlen && ui->prompt)
		rl_callback_read_char();
	qhead = qlen = 0;
	/* candidates belong to the input they were listed for */
	if (ui->prompt && !listed && (!before || strcmp(before, rl_line_buffer) != 0))
		kd_buf_clear(&candidates);
	free(before);
	if (ui->prompt == '/' && kind == '/')
		incremental(ui);
}

/* At most this many lines of candidates, over the status bar and the
 * lines above it; more end in an ellipsis. */
#define CANDIDATE_ROWS_MAX 4

static void draw_candidates(kd_ui *ui, int prompt_y)
{
	kd_text_span span[CANDIDATE_ROWS_MAX];
	size_t n, i, shown;
	const char *more = kd_glyph(ui, "…", "...");
	attr_t a = ui->attr[KD_AREA_STATUSBAR];

	if (!candidates.len)
		return;
	n = kd_text_wrap(ui, span, CANDIDATE_ROWS_MAX, candidates.data, candidates.len,
			 ui->cols - 2);
	shown = n < CANDIDATE_ROWS_MAX ? n : CANDIDATE_ROWS_MAX;
	if ((int)shown > prompt_y - 1)
		shown = prompt_y > 1 ? (size_t)(prompt_y - 1) : 0;
	for (i = 0; i < shown; i++) {
		int y = prompt_y - (int)shown + (int)i, w;

		kd_text_fill(y, 0, ui->cols, a);
		w = kd_text_draw(ui, y, 1, ui->cols - 2, candidates.data + span[i].start,
				 span[i].len, a);
		if (i == shown - 1 && n > shown)
			kd_text_drawz(ui, y, 1 + w, ui->cols - 1 - w, more, a);
	}
}

void kd_prompt_draw(kd_ui *ui)
{
	int y = ui->lines - 1, w = ui->cols - 2, before, x;
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	size_t skip = 0;
	char p[2] = { (char)ui->prompt, 0 };

	draw_candidates(ui, y);
	kd_text_fill(y, 0, ui->cols, ui->attr[KD_AREA_DEFAULT]);
	kd_text_drawz(ui, y, 0, 1, p, ui->attr[KD_AREA_DEFAULT]);
	/* Scroll the line so the cursor stays visible. */
	before = kd_text_width(ui, line, (size_t)rl_point);
	while (before - kd_text_width(ui, line, skip) >= w && skip < (size_t)rl_point)
		skip++;
	x = kd_text_draw(ui, y, 1, w, line + skip, strlen(line + skip), ui->attr[KD_AREA_DEFAULT]);
	(void)x;
	move(y, 1 + before - kd_text_width(ui, line, skip));
}
