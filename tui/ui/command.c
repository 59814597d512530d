/*
 * command — the prompt's commands (`:cluster NAME`, `:filter EXPR`, ...),
 * listed once in a table that dispatch, completion and help all read.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "ui.h"
#include "uiact.h"

static size_t find_node(const kd_model *m, kd_level level, const char *cluster, const char *app)
{
	size_t i, first = KD_NONE;
	const kd_node *cur = kd_model_selected(m);

	for (i = 0; i < m->nnodes; i++) {
		const kd_node *n = &m->nodes[i];

		if (n->level != level)
			continue;
		if (cluster && (!n->cluster_name || strcmp(n->cluster_name, cluster) != 0))
			continue;
		if (app && (!n->app_name || strcmp(n->app_name, app) != 0))
			continue;
		/* An app: prefer the one in the selected cluster. */
		if (level == KD_LEVEL_APP && cur && cur->cluster_name && n->cluster_name &&
		    strcmp(cur->cluster_name, n->cluster_name) == 0)
			return i;
		if (first == KD_NONE)
			first = i;
	}
	return first;
}

static void go_to(kd_ui *ui, size_t n, const char *what, const char *name)
{
	if (n == KD_NONE) {
		kd_ui_message(ui, KD_LOG_ERROR, "no %s named '%s'", what, name);
		return;
	}
	if (!ui->model.nodes[n].shown)
		kd_model_filter(&ui->model, "clear");
	kd_model_set_expanded(&ui->model, n, true);
	kd_model_select(&ui->model, n);
}

static void cmd_cluster(kd_ui *ui, const char *arg)
{
	go_to(ui, find_node(&ui->model, KD_LEVEL_CLUSTER, arg, NULL), "cluster", arg);
}

static void cmd_app(kd_ui *ui, const char *arg)
{
	go_to(ui, find_node(&ui->model, KD_LEVEL_APP, NULL, arg), "app", arg);
}

static void cmd_filter(kd_ui *ui, const char *arg)
{
	if (kd_model_filter(&ui->model, arg) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "filter: %s", kd_error_last());
}

static void cmd_refresh(kd_ui *ui, const char *arg)
{
	if (!ui->refresh_fn) {
		kd_ui_message(ui, KD_LOG_WARN, "refresh: nothing to refresh (the state comes from a file)");
		return;
	}
	ui->refresh_fn(ui->engine, *arg ? arg : NULL);
	kd_ui_message(ui, KD_LOG_INFO, "refreshing %s", *arg ? arg : "every cluster");
}

static void cmd_theme(kd_ui *ui, const char *arg)
{
	kd_theme t;

	if (kd_theme_select(&t, arg, kd_ui_warn_cb, ui) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "theme: %s", kd_error_last());
		return;
	}
	ui->theme = t;
	kd_theme_apply(&ui->theme, ui->mono, ui->attr);
	free(ui->theme_name);
	ui->theme_name = strdup(arg);
	clearok(curscr, TRUE);
}

static void cmd_keymap(kd_ui *ui, const char *arg)
{
	if (kd_keymap_select(&ui->keymap, arg, kd_ui_warn_cb, ui) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "keymap: %s", kd_error_last());
		return;
	}
	free(ui->keymap_name);
	ui->keymap_name = strdup(arg);
	kd_ui_message(ui, KD_LOG_INFO, "keymap %s", arg);
}

static void cmd_save_screen(kd_ui *ui, const char *arg)
{
	bool attrs = false;

	if (strncmp(arg, "--attrs ", 8) == 0) {
		attrs = true;
		arg += 8;
		while (*arg == ' ')
			arg++;
	}
	if (!*arg) {
		kd_ui_message(ui, KD_LOG_ERROR, "usage: :save-screen [--attrs] FILE");
		return;
	}
	kd_ui_draw(ui);
	if (kd_screen_save(arg, attrs) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
}

static void cmd_quit(kd_ui *ui, const char *arg)
{
	(void)arg;
	ui->quit = true;
}

static void cmd_help(kd_ui *ui, const char *arg)
{
	(void)arg;
	ui->overlay = &kd_help_view;
	ui->overlay_top = 0;
}

static void cmd_log(kd_ui *ui, const char *arg)
{
	(void)arg;
	ui->overlay = &kd_log_view;
	ui->overlay_top = (size_t)-1 / 2;
}

static void cmd_audit(kd_ui *ui, const char *arg)
{
	kd_audit_view_command(ui, arg);
}

static void cmd_follow_up(kd_ui *ui, const char *arg)
{
	(void)arg;
	kd_uiact_action(ui, KD_ACT_VIEW_FOLLOW_UP);
}

static void cmd_break_glass(kd_ui *ui, const char *arg)
{
	kd_uiact_action(ui, strcmp(arg, "end") == 0 ? KD_ACT_BREAK_GLASS_END : KD_ACT_BREAK_GLASS);
}

static void cmd_load_state(kd_ui *ui, const char *arg)
{
	/* The tree lets go of the old states first: each is freed as its
	 * cluster's new one is published, instead of both fleets being held. */
	kd_model_release(&ui->model);
	if (kd_statefile_apply(ui->store, &ui->now_override, arg) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "load-state: %s", kd_error_last());
	kd_ui_sync(ui);
}

static void cmd_resize(kd_ui *ui, const char *arg)
{
	int lines = 0, cols = 0;

	if (sscanf(arg, "%d %d", &lines, &cols) != 2 || lines < 4 || cols < 20) {
		kd_ui_message(ui, KD_LOG_ERROR, "usage: :resize LINES COLUMNS");
		return;
	}
	resizeterm(lines, cols);
	kd_ui_key(ui, KD_KEY_FN + KEY_RESIZE);
}

const kd_ui_command_info kd_ui_commands[] = {
	{ "cluster", "NAME", "Go to a cluster", cmd_cluster, false },
	{ "app", "NAME", "Go to an app (in the selected cluster first)", cmd_app, false },
	{ "filter", "EXPR", "status S,S | labels SELECTOR | app TEXT | name TEXT | clear", cmd_filter, false },
	{ "refresh", "[CLUSTER]", "Fetch Git and re-read the clusters", cmd_refresh, false },
	{ "theme", "NAME", "default, light, high-contrast, mono, or a file", cmd_theme, false },
	{ "keymap", "NAME", "default, vim, emacs, or a file", cmd_keymap, false },
	{ "save-screen", "[--attrs] FILE", "Write the screen to a file as text", cmd_save_screen, false },
	{ "help", "", "Show the keys and commands", cmd_help, false },
	{ "log", "", "Show the message log", cmd_log, false },
	{ "audit", "[cluster NAME|action NAME|break-glass|clear]", "Show the audit log, filtered; verifies the chain", cmd_audit, false },
	{ "follow-up", "", "List break-glass changes awaiting follow-up", cmd_follow_up, false },
	{ "break-glass", "[end]", "Enter (or leave) break-glass mode", cmd_break_glass, false },
	{ "quit", "", "Quit kdrift", cmd_quit, false },
	{ "load-state", "FILE", "Publish a state file (tests)", cmd_load_state, true },
	{ "resize", "LINES COLUMNS", "Resize the screen (tests)", cmd_resize, true },
	{ NULL, NULL, NULL, NULL, false },
};

void kd_ui_command(kd_ui *ui, const char *line)
{
	size_t i, len;
	const char *arg;

	while (*line == ' ' || *line == ':')
		line++;
	if (!*line)
		return;
	len = strcspn(line, " ");
	arg = line + len;
	while (*arg == ' ')
		arg++;
	for (i = 0; kd_ui_commands[i].name; i++)
		if (strlen(kd_ui_commands[i].name) == len &&
		    strncmp(kd_ui_commands[i].name, line, len) == 0) {
			char *a = strdup(arg);
			size_t n;

			if (!a)
				return;
			/* Trailing blanks are never part of a name. */
			for (n = strlen(a); n && a[n - 1] == ' '; n--)
				a[n - 1] = '\0';
			kd_ui_commands[i].run(ui, a);
			free(a);
			return;
		}
	kd_ui_message(ui, KD_LOG_ERROR, "unknown command '%.*s' (:help lists them)", (int)len, line);
}
