/*
 * script — KDRIFT_SCRIPT: drives the UI from a file, for screen tests.
 *
 * Each line is one step, run only once the engine is idle and no wake is
 * pending, so a test never depends on timing:
 *
 *   # comment
 *   j j <Enter> <C-L>        keys, by their keymap names
 *   :filter status drifted   typed into the prompt, then Enter
 *   /api-gateway             typed into the search prompt, then Enter
 *   <Click-ROW-COLUMN>       a left click (with --mouse), among the keys
 *   type TEXT                typed into whatever has the keyboard
 *   wait-for TEXT            until TEXT is on the screen, maybe wrapped
 *                            onto the next line (for changes the engine
 *                            learns from a watch; fails after 120 s)
 *   !COMMAND                 runs a shell command (a test changing a cluster)
 *
 * While an action's dialog or the prompt is open, a `:` line still runs
 * the command (the dialog or the prompt keeps the keyboard for `type` and
 * keys), so a test can save the screen with the prompt open.
 *
 * A line that cannot be read is an error: it is reported (file:line) on
 * stderr after the screen is closed and kdrift exits with status 2.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "ui.h"
#include "uiact.h"

#define IDLE_TIMEOUT_MS 60000

/* Idle: the engine has published every cluster once and has no work. */
static bool engine_idle(kd_ui *ui)
{
	size_t i, n = kd_store_cluster_count(ui->store);

	/* A running action counts as work: its outcome is the next step's. */
	kd_worker_collect(ui);
	if (kd_worker_busy(ui))
		return false;
	for (i = 0; i < n; i++) {
		kd_cluster_state *st = kd_store_get(ui->store, i);

		kd_cluster_state_unref(st);
		if (!st)
			return false;
	}
	return kd_store_idle(ui->store);
}

static int wait_idle(kd_ui *ui)
{
	int fd = kd_store_wake_fd(ui->store), waited = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		bool idle = engine_idle(ui);
		int r = poll(&p, 1, idle ? 0 : 50);

		if (r > 0) {
			kd_store_wake_drain(ui->store);
			kd_ui_sync(ui);
			continue;
		}
		if (r < 0 && errno != EINTR)
			return kd_error_set(KD_EIO, "poll: %s", strerror(errno));
		if (idle && kd_model_idle_work(&ui->model)) {
			/* as the poll loop does when no key waits */
			kd_model_prepare(&ui->model);
			continue;
		}
		if (idle)
			break;
		if ((waited += 50) > IDLE_TIMEOUT_MS)
			return kd_error_set(KD_ERROR, "the engine did not become idle in %d s",
					    IDLE_TIMEOUT_MS / 1000);
	}
	kd_ui_sync(ui);
	return 0;
}

static bool on_screen(kd_ui *ui, const char *text)
{
	kd_buf screen = KD_BUF_INIT;
	bool found;

	kd_ui_sync(ui);
	kd_ui_draw(ui);
	kd_screen_text(&screen, NULL, NULL);
	found = strstr(kd_buf_cstr(&screen), text) != NULL;
	if (!found) {
		/* a message wraps at a blank: its lines join with one */
		size_t i;

		for (i = 0; i < screen.len; i++)
			if (screen.data[i] == '\n')
				screen.data[i] = ' ';
		found = strstr(kd_buf_cstr(&screen), text) != NULL;
	}
	kd_buf_free(&screen);
	return found;
}

static int wait_for(kd_ui *ui, const char *text)
{
	int fd = kd_store_wake_fd(ui->store), waited = 0;

	while (!on_screen(ui, text)) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 100) > 0)
			kd_store_wake_drain(ui->store);
		else if ((waited += 100) > IDLE_TIMEOUT_MS) {
			kd_buf screen = KD_BUF_INIT;
			int rc;

			kd_screen_text(&screen, NULL, NULL);
			rc = kd_error_set(KD_ERROR, "wait-for: '%s' not on the screen after %d s; the screen:\n%s",
					  text, IDLE_TIMEOUT_MS / 1000, kd_buf_cstr(&screen));
			kd_buf_free(&screen);
			return rc;
		}
	}
	return 0;
}

/* Feeds UTF-8 text as keys. */
static void type_text(kd_ui *ui, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		int cp = *u, n = 1, i;

		if (*u >= 0xf0) { cp = *u & 0x07; n = 4; }
		else if (*u >= 0xe0) { cp = *u & 0x0f; n = 3; }
		else if (*u >= 0xc0) { cp = *u & 0x1f; n = 2; }
		for (i = 1; i < n && u[i]; i++)
			cp = (cp << 6) | (u[i] & 0x3f);
		kd_ui_key(ui, cp);
		u += i;
	}
}

static int run_line(kd_ui *ui, char *line, const char *path, size_t lineno, kd_buf *errors)
{
	char *tok, *save = NULL;

	/* Prompt commands (:save-screen) also work while a dialog or the
	 * prompt is open. */
	if (line[0] == ':' && line[1] && (kd_uiact_dialog_open(ui) || ui->prompt)) {
		kd_ui_command(ui, line + 1);
		return 0;
	}
	if ((line[0] == ':' || line[0] == '/') && line[1]) {
		kd_ui_key(ui, (unsigned char)line[0]);
		type_text(ui, line + 1);
		kd_ui_key(ui, KD_KEY_ENTER);
		return 0;
	}
	if (strncmp(line, "type ", 5) == 0) {
		type_text(ui, line + 5);
		return 0;
	}
	if (strncmp(line, "wait-for ", 9) == 0) {
		if (wait_for(ui, line + 9) < 0) {
			kd_buf_printf(errors, "%s:%zu: %s\n", path, lineno, kd_error_last());
			return -1;
		}
		return 0;
	}
	if (line[0] == '!') {
		int st = system(line + 1);

		if (st != 0) {
			kd_buf_printf(errors, "%s:%zu: command failed (status %d): %s\n", path, lineno,
				      st, line + 1);
			return -1;
		}
		return 0;
	}
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		int key = kd_key_parse(tok), y, x;
		MEVENT ev;

		/* <Click-ROW-COLUMN>: a left click there (needs --mouse). */
		if (sscanf(tok, "<Click-%d-%d>", &y, &x) == 2) {
			memset(&ev, 0, sizeof(ev));
			ev.y = y;
			ev.x = x;
			ev.bstate = BUTTON1_CLICKED;
			if (ui->mouse && ungetmouse(&ev) == OK)
				kd_ui_key(ui, KD_KEY_FN + KEY_MOUSE);
			continue;
		}
		if (key < 0) {
			kd_buf_printf(errors, "%s:%zu: unknown key name '%s'\n", path, lineno, tok);
			return -1;
		}
		kd_ui_key(ui, key);
		if (ui->quit)
			break;
	}
	return 0;
}

static double now_us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int kd_script_run(kd_ui *ui, const char *path)
{
	kd_buf text = KD_BUF_INIT, errors = KD_BUF_INIT;
	char *line, *next;
	size_t lineno = 0;
	const char *timing_path = getenv("KDRIFT_SCRIPT_TIMING");
	FILE *timing = NULL;
	int rc;

	if ((rc = kd_buf_read_file(&text, path, 1 << 20)) < 0)
		return rc;
	/* For tests/bench/tui_latency.sh: the time from a step's keys to its
	 * frame being drawn, and the UI thread's CPU time for it (what the
	 * step costs, whatever else runs on the machine), one line per step. */
	if (timing_path && *timing_path && !(timing = fopen(timing_path, "w"))) {
		kd_buf_free(&text);
		return kd_error_set(KD_EIO, "%s: cannot write", timing_path);
	}
	kd_ui_sync(ui);
	kd_ui_draw(ui);
	for (line = text.data; line && !ui->quit; line = next) {
		size_t len;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		len = strlen(line);
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if ((rc = wait_idle(ui)) < 0) {
			kd_buf_printf(&errors, "%s:%zu: %s\n", path, lineno, kd_error_last());
			break;
		}
		{
			double t0 = now_us(CLOCK_MONOTONIC), c0 = now_us(CLOCK_THREAD_CPUTIME_ID);
			char *copy = timing ? strdup(line) : NULL;

			if (run_line(ui, line, path, lineno, &errors) < 0) {
				free(copy);
				break;   /* later steps depend on this one */
			}
			kd_ui_sync(ui);
			kd_ui_draw(ui);
			if (timing)
				fprintf(timing, "%zu\t%.0f\t%.0f\t%s\n", lineno, now_us(CLOCK_MONOTONIC) - t0,
					now_us(CLOCK_THREAD_CPUTIME_ID) - c0, copy ? copy : "");
			free(copy);
		}
	}
	if (timing)
		fclose(timing);
	rc = 0;
	if (errors.len)
		rc = kd_error_set(KD_EINVAL, "%s", kd_buf_cstr(&errors));
	kd_buf_free(&text);
	kd_buf_free(&errors);
	return rc;
}
