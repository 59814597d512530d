/*
 * pager — colour and paging for long output on a terminal, as git does:
 * `--color=auto|always|never` (auto: stdout is a terminal, NO_COLOR unset
 * or empty, TERM not "dumb") and $PAGER (default less, with LESS=FRX when
 * LESS is unset) when stdout is a terminal and the text is taller than it.
 *
 * Owns only the decision and the pipe to the pager; the commands build
 * their text (with the SGR codes of cli.h when colour is on) and hand it
 * over whole.
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"

int kd_cli_color_parse(kd_cli_color *out, const char *arg)
{
	if (strcmp(arg, "auto") == 0)
		*out = KD_CLI_COLOR_AUTO;
	else if (strcmp(arg, "always") == 0)
		*out = KD_CLI_COLOR_ALWAYS;
	else if (strcmp(arg, "never") == 0)
		*out = KD_CLI_COLOR_NEVER;
	else
		return -1;
	return 0;
}

bool kd_cli_color_on(kd_cli_color mode)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (mode != KD_CLI_COLOR_AUTO)
		return mode == KD_CLI_COLOR_ALWAYS;
	if (no && *no)
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(STDOUT_FILENO);
}

/* The terminal's height, or 0 when stdout is none. */
static size_t screen_rows(void)
{
	struct winsize ws;
	const char *lines = getenv("LINES");

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return lines && atoi(lines) > 0 ? (size_t)atoi(lines) : 24;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The pager command: $PAGER, else less; NULL for none ("" or cat). */
static const char *pager_command(void)
{
	const char *p = getenv("PAGER");

	if (!p)
		return "less";
	while (*p == ' ')
		p++;
	if (!*p || strcmp(p, "cat") == 0)
		return NULL;
	return p;
}

/* Runs the pager through sh -c and feeds it; 0, or -1 when it could not
 * be started or the shell did not find it (the caller writes to stdout
 * instead).  A pager quit before the end is no error: the user has seen
 * what they wanted. */
static int run_pager(const char *cmd, const char *s, size_t len)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int fd[2], status;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[0], STDIN_FILENO);
		close(fd[0]);
		close(fd[1]);
		/* less -R semantics: colour codes shown as colour, quit when
		 * the text fits, leave the screen as it is */
		setenv("LESS", "FRX", 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd[0]);
	sigaction(SIGPIPE, &ign, &old);
	(void)write_all(fd[1], s, len);
	close(fd[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* 127: the shell found no such pager, so nothing was shown */
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -1 : 0;
}

int kd_cli_page(const kd_buf *out, bool pager)
{
	const char *cmd = pager ? pager_command() : NULL;
	size_t rows = cmd ? screen_rows() : 0;

	if (cmd && rows && count_lines(kd_buf_cstr(out), out->len) >= rows &&
	    run_pager(cmd, kd_buf_cstr(out), out->len) == 0)
		return 0;
	if (fwrite(kd_buf_cstr(out), 1, out->len, stdout) != out->len || fflush(stdout))
		return kd_error_set(KD_EIO, "cannot write output");
	return 0;
}
