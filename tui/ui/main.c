/*
 * main — `kdrift ui`: options, terminal setup, the poll loop.
 *
 * The loop waits on two things only: the terminal (stdin) and the store's
 * wake fd.  Everything slow happens on the engine thread; this thread
 * draws, reads keys and never blocks on the network or Git.  With
 * KDRIFT_SCRIPT set there is no terminal at all: curses writes to
 * /dev/null at LINES x COLUMNS and the script supplies the keys.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/base.h"
#include "userconf/userconf.h"
#include "ui.h"
#include "uiact.h"
#include "engine_link.h"

typedef struct ui_opts {
	const char *state_file, *theme, *keymap;
	bool ascii, read_only, list_actions, no_self_heal;
	int mouse;   /* -1 no flag (the settings file's, else off), else 0 or 1 */
	kd_ui_engine_opts engine;
} ui_opts;

static const char usage[] =
	"usage: kdrift ui [--repo PATH|URL] [--revision REV] [--worktree] [--fleet FILE]\n"
	"                 [--kubeconfig FILE] [-l SELECTOR] [--cluster NAME]... [--app NAME]\n"
	"                 [--timeout DURATION] [--theme NAME] [--keymap NAME] [--ascii]\n"
	"                 [--mouse|--no-mouse] [--read-only] [--no-self-heal] [--unmanaged]\n"
	"                 [--from-reports [--reports-namespace NS]]\n";

static int parse_opts(ui_opts *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

#define TAKE(field) do { if (!v) return kd_cli_usage_error("ui", "%s needs a value", a); \
		o->field = v; i++; } while (0)
		if (strcmp(a, "--state-file") == 0) TAKE(state_file);
		else if (strcmp(a, "--theme") == 0) TAKE(theme);
		else if (strcmp(a, "--keymap") == 0) TAKE(keymap);
		else if (strcmp(a, "--repo") == 0) TAKE(engine.repo);
		else if (strcmp(a, "--revision") == 0) TAKE(engine.revision);
		else if (strcmp(a, "--fleet") == 0) TAKE(engine.fleet_file);
		else if (strcmp(a, "--kubeconfig") == 0) TAKE(engine.kubeconfig);
		else if (strcmp(a, "-l") == 0 || strcmp(a, "--selector") == 0) TAKE(engine.selector);
		else if (strcmp(a, "--app") == 0) TAKE(engine.app);
		else if (strcmp(a, "--reports-namespace") == 0) TAKE(engine.reports_namespace);
		else if (strcmp(a, "--timeout") == 0) {
			long s;

			if (!v)
				return kd_cli_usage_error("ui", "--timeout needs a duration (30s, 2m)");
			if (kd_duration_parse_seconds(&s, v, KD_CLI_TIMEOUT_MAX_S) < 0)
				return kd_cli_usage_error("ui", "--timeout: %s", kd_error_last());
			o->engine.timeout_s = (int)s;
			i++;
		}
		else if (strcmp(a, "--cluster") == 0) {
			if (!v || o->engine.nclusters >= KD_UI_MAX_CLUSTER_ARGS)
				return kd_cli_usage_error("ui", "--cluster needs a value (at most %d)",
							  KD_UI_MAX_CLUSTER_ARGS);
			o->engine.clusters[o->engine.nclusters++] = v;
			i++;
		}
		else if (strcmp(a, "--worktree") == 0) o->engine.worktree = true;
		else if (strcmp(a, "--from-reports") == 0) o->engine.from_reports = true;
		else if (strcmp(a, "--unmanaged") == 0) o->engine.unmanaged = true;
		else if (strcmp(a, "--ascii") == 0) o->ascii = true;
		else if (strcmp(a, "--mouse") == 0) o->mouse = 1;
		else if (strcmp(a, "--no-mouse") == 0) o->mouse = 0;
		else if (strcmp(a, "--read-only") == 0) o->read_only = true;
		else if (strcmp(a, "--no-self-heal") == 0) o->no_self_heal = true;
		else if (strcmp(a, "--list-actions") == 0) o->list_actions = true;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return 1;
		} else {
			return kd_cli_unknown_option("ui", a);
		}
#undef TAKE
	}
	if (o->engine.unmanaged && o->engine.from_reports)
		return kd_cli_usage_error("ui", "--unmanaged reads the clusters themselves; it does not go "
					  "with --from-reports (reports hold only the apps' objects)");
	return 0;
}

/* A user's keys or theme file on top of the built-in one, if it exists. */
static void load_user_file(kd_ui *ui, const char *name, bool theme)
{
	kd_buf text = KD_BUF_INIT;
	char *path = NULL;

	/* In kdrift's config directory (KDRIFT_CONFIG_DIR overrides it). */
	if (kd_xdg_path(&path, KD_XDG_CONFIG, name) == 0 && access(path, R_OK) == 0) {
		if (kd_buf_read_file(&text, path, 1 << 20) < 0)
			kd_ui_message(ui, KD_LOG_WARN, "%s", kd_error_last());
		else if (theme)
			kd_theme_load(&ui->theme, kd_buf_cstr(&text), path, kd_ui_warn_cb, ui);
		else
			kd_keymap_load(&ui->keymap, kd_buf_cstr(&text), path, kd_ui_warn_cb, ui);
	}
	free(path);
	kd_buf_free(&text);
}

/* The settings file's warnings, kept until the UI can show them. */
static void collect_warning(void *ctx, const char *msg)
{
	kd_buf *b = ctx;

	if (b->len)
		kd_buf_putc(b, '\n');
	kd_buf_puts(b, msg);
}

/* What the settings file gives that no flag or variable said
 * (flags > environment > file > built-in): repository, kubeconfig (when
 * $KUBECONFIG is unset), keymap, theme (NO_COLOR's mono comes first) and
 * mouse. */
static void apply_userconf(ui_opts *o, const kd_userconf *u, bool no_color)
{
	const char *env = getenv("KUBECONFIG");

	if (!o->engine.repo && u->repo)
		o->engine.repo = u->repo;
	if (!o->engine.kubeconfig && !(env && *env) && u->kubeconfig)
		o->engine.kubeconfig = u->kubeconfig;
	if (!o->keymap && u->keymap)
		o->keymap = u->keymap;
	if (!o->theme && !no_color && u->theme)
		o->theme = u->theme;
	if (o->mouse < 0)
		o->mouse = u->mouse == 1;   /* opt-in: off unless asked for */
}

static int normalize_key(int rc, wint_t wc)
{
	if (rc == KEY_CODE_YES) {
		if (wc == KEY_ENTER)
			return KD_KEY_ENTER;
		return KD_KEY_FN + (int)wc;
	}
	if (wc == '\n' || wc == '\r')
		return KD_KEY_ENTER;
	if (wc == 127 || wc == 8)
		return KD_KEY_FN + KEY_BACKSPACE;
	return (int)wc;
}

static int loop(kd_ui *ui)
{
	struct pollfd fds[3];

	fds[0].fd = STDIN_FILENO;
	fds[0].events = POLLIN;
	fds[1].fd = kd_store_wake_fd(ui->store);
	fds[1].events = POLLIN;
	while (!ui->quit) {
		wint_t wc;
		int rc;

		kd_ui_sync(ui);
		kd_ui_draw(ui);
		/* The worker's pipe: an action finished. */
		fds[2].fd = kd_worker_fd(ui);
		fds[2].events = POLLIN;
		/* Wake at least once a second so ages stay current.  With no
		 * key waiting, the model gets ahead of the keys first. */
		rc = poll(fds, 3, kd_model_idle_work(&ui->model) ? 0 : 1000);
		if (rc == 0 && kd_model_idle_work(&ui->model)) {
			kd_model_prepare(&ui->model);
			continue;
		}
		if (rc < 0 && errno != EINTR)
			return kd_error_set(KD_EIO, "poll: %s", strerror(errno));
		if (rc > 0 && (fds[1].revents & POLLIN))
			kd_store_wake_drain(ui->store);
		if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN))
			break;   /* the terminal went away */
		/* Keys (and KEY_RESIZE after SIGWINCH interrupted the poll). */
		while (!ui->quit && (rc = get_wch(&wc)) != ERR)
			kd_ui_key(ui, normalize_key(rc, wc));
	}
	return 0;
}

static void list_actions(void)
{
	int a;

	for (a = 1; a < KD_ACT_COUNT; a++)
		printf("%s\t%s\t%s\n", kd_action_name((kd_action)a), kd_action_group((kd_action)a),
		       kd_action_help((kd_action)a));
}

static SCREEN *open_screen(kd_ui *ui, FILE **out, FILE **in)
{
	SCREEN *scr;
	const char *term = getenv("TERM");

	if (!ui->script) {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			kd_error_set(KD_EINVAL, "the interactive UI needs a terminal "
					       "(try 'kdrift check' for scripts)");
			return NULL;
		}
		scr = newterm(NULL, stdout, stdin);
	} else {
		const char *l = getenv("LINES"), *c = getenv("COLUMNS");

		*out = fopen("/dev/null", "w");
		*in = fopen("/dev/null", "r");
		if (!*out || !*in) {
			kd_error_set(KD_EIO, "/dev/null: %s", strerror(errno));
			return NULL;
		}
		scr = newterm(term && *term ? term : "xterm-256color", *out, *in);
		if (!scr)
			scr = newterm("xterm-256color", *out, *in);
		if (scr)
			resizeterm(l && atoi(l) >= 4 ? atoi(l) : 24, c && atoi(c) >= 20 ? atoi(c) : 80);
	}
	if (!scr)
		kd_error_set(KD_EINVAL, "cannot set up the terminal (TERM=%s)", term ? term : "");
	return scr;
}

int kd_ui_main(int argc, char **argv)
{
	ui_opts o;
	kd_ui ui;
	kd_ui_engine *eng = NULL;
	SCREEN *scr = NULL;
	FILE *out = NULL, *in = NULL;
	const char *script = getenv("KDRIFT_SCRIPT"), *nc = getenv("NO_COLOR");
	kd_buf warnings = KD_BUF_INIT;
	int rc;
	bool curses = false, prompt = false;

	memset(&o, 0, sizeof(o));
	o.mouse = -1;
	memset(&ui, 0, sizeof(ui));
	if ((rc = parse_opts(&o, argc, argv)) != 0)
		return rc == 1 ? KD_EXIT_OK : KD_EXIT_ERROR;   /* 1: --help */
	if (o.list_actions) {
		list_actions();
		return KD_EXIT_OK;
	}
	apply_userconf(&o, kd_cli_userconf(collect_warning, &warnings), nc && *nc);
	setlocale(LC_ALL, "");
	ui.ascii = o.ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
	ui.mono = nc && *nc;
	ui.mouse = o.mouse == 1;
	ui.read_only = o.read_only;
	ui.from_reports = o.engine.from_reports;
	ui.script = script && *script;
	ui.exit_code = KD_EXIT_OK;
	if (o.state_file)
		rc = kd_statefile_load(&ui.store, &ui.now_override, o.state_file);
	else if ((rc = kd_ui_engine_start(&eng, &o.engine)) == 0)
		kd_ui_engine_attach(eng, &ui);
	ui.repo = o.engine.repo;
	ui.kubeconfig = o.engine.kubeconfig;
	if (rc == 0 && (rc = kd_uiact_init(&ui)) == 0)
		ui.act->heal_paused = o.no_self_heal;   /* H resumes it */
	if (rc < 0) {
		kd_cli_fail("ui");
		goto cleanup;
	}
	if ((rc = kd_model_init(&ui.model, ui.store)) < 0)
		goto fail;
	/* What a state file logged is in the message log, not the status line. */
	kd_ui_skip_messages(&ui);
	if (warnings.len)
		kd_ui_message(&ui, KD_LOG_WARN, "%s", kd_buf_cstr(&warnings));
	kd_keymap_select(&ui.keymap, o.keymap ? o.keymap : "default", kd_ui_warn_cb, &ui);
	load_user_file(&ui, "keys", false);
	if (kd_theme_select(&ui.theme, o.theme ? o.theme : ui.mono ? "mono" : "default",
			    kd_ui_warn_cb, &ui) < 0) {
		kd_ui_message(&ui, KD_LOG_WARN, "%s", kd_error_last());
		kd_theme_select(&ui.theme, "default", NULL, NULL);
	}
	load_user_file(&ui, "theme", true);
	if (!(scr = open_screen(&ui, &out, &in)))
		goto fail;
	curses = true;
	set_term(scr);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Mouse off still lets curses parse mouse reports (and the UI drop
	 * them): a terminal left in a mouse mode by another program would
	 * otherwise type its reports' bytes as keys, and an X10 report's
	 * column byte can be any key, `q` included.  Turning it on and off
	 * again leaves the terminal's own selection and scrolling alone. */
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	if (!ui.mouse)
		mousemask(0, NULL);
	kd_theme_apply(&ui.theme, ui.mono, ui.attr);
	getmaxyx(stdscr, ui.lines, ui.cols);
	if ((rc = kd_prompt_init(&ui)) < 0)
		goto fail;
	prompt = true;
	if ((rc = kd_model_refresh(&ui.model)) < 0)
		goto fail;
	if (ui.message.len == 0) {
		kd_buf h = KD_BUF_INIT, p = KD_BUF_INIT, q = KD_BUF_INIT, d = KD_BUF_INIT;

		/* The keys named are the keymap's, whichever is loaded. */
		kd_ui_key_hint(&d, &ui, KD_ACT_NEXT_DRIFT);
		kd_ui_key_hint(&h, &ui, KD_ACT_VIEW_HELP);
		kd_ui_key_hint(&p, &ui, KD_ACT_PROMPT);
		kd_ui_key_hint(&q, &ui, KD_ACT_VIEW_CLOSE);
		kd_ui_message(&ui, KD_LOG_INFO, "%s jumps to the next drift, %s shows the keys, "
			      "%s opens the prompt, %s quits", kd_buf_cstr(&d), kd_buf_cstr(&h),
			      kd_buf_cstr(&p), kd_buf_cstr(&q));
		kd_buf_free(&h);
		kd_buf_free(&p);
		kd_buf_free(&q);
		kd_buf_free(&d);
	}
	rc = ui.script ? kd_script_run(&ui, script) : loop(&ui);
	if (rc < 0)
		goto fail;
	goto cleanup;
fail:
	ui.exit_code = KD_EXIT_ERROR;
	/* The terminal is restored before the message, so it stays readable. */
	if (prompt)
		kd_prompt_done(&ui);
	if (curses)
		endwin();
	prompt = curses = false;
	fprintf(stderr, "kdrift: ui: %s\n", kd_error_last());
cleanup:
	if (prompt)
		kd_prompt_done(&ui);
	if (curses)
		endwin();
	if (scr)
		delscreen(scr);
	if (out)
		fclose(out);
	if (in)
		fclose(in);
	/* A running action finishes before the engine goes away. */
	kd_uiact_free(&ui);
	kd_diffview_free(ui.diff);
	kd_compare_view_free(&ui);
	kd_model_free(&ui.model);
	kd_keymap_clear(&ui.keymap);
	kd_ident_clear(&ui.search_origin);
	kd_buf_free(&ui.message);
	kd_buf_free(&warnings);
	free(ui.search);
	free(ui.theme_name);
	free(ui.keymap_name);
	if (eng)
		kd_ui_engine_free(eng);
	else
		kd_store_free(ui.store);
	return rc < 0 ? KD_EXIT_ERROR : ui.exit_code;
}
