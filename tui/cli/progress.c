/*
 * progress — one line on stderr while a command reads many clusters:
 * `clusters 312/1000 · 2 unreachable · 4.1 s`, redrawn in place and
 * cleared before the command prints its result.
 *
 * The counts come from the engine's store (the states it has published),
 * read by a thread of our own while kd_engine_run_once works on the
 * calling thread; the engine itself never prints.  Shown only when stderr
 * is a terminal and --quiet was not given; never writes to stdout.
 */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "engine/engine.h"

/* Quick runs stay silent: the first line only after this long. */
#define PROGRESS_DELAY_MS 200
#define PROGRESS_PERIOD_MS 100

static bool quiet;

void kd_cli_set_quiet(bool on)
{
	quiet = on;
}

bool kd_cli_quiet(void)
{
	return quiet;
}

typedef struct progress {
	kd_store *store;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool drawn;
	struct timespec start;
} progress;

static double elapsed_s(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Published and unreachable clusters, from the store's current states. */
static void count(kd_store *s, size_t *done, size_t *unreachable)
{
	size_t i, n = kd_store_cluster_count(s);

	*done = *unreachable = 0;
	for (i = 0; i < n; i++) {
		kd_cluster_state *st = kd_store_get(s, i);

		if (!st)
			continue;
		(*done)++;
		if (st->reason && !st->reachable)
			(*unreachable)++;
		kd_cluster_state_unref(st);
	}
}

static void draw(progress *p)
{
	const char *dot = kd_cli_ascii() ? ", " : " \xc2\xb7 ";
	size_t done, unreachable;
	char line[160];
	struct winsize ws;
	int n;

	count(p->store, &done, &unreachable);
	n = snprintf(line, sizeof(line), "clusters %zu/%zu", done, kd_store_cluster_count(p->store));
	if (unreachable && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%zu unreachable", dot, unreachable);
	if (n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, "%s%.1f s", dot, elapsed_s(&p->start));
	/* A line longer than the terminal would wrap and \r redraw only its
	 * tail: cut it (the text is ASCII but for the dots). */
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
	    strlen(line) >= ws.ws_col)
		line[ws.ws_col - 1] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = true;
}

static void *progress_main(void *arg)
{
	progress *p = arg;
	struct timespec until;
	long wait_ms = PROGRESS_DELAY_MS;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		deadline_in(&until, wait_ms);
		while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &until) != ETIMEDOUT)
			;
		if (p->stop)
			break;
		draw(p);
		wait_ms = PROGRESS_PERIOD_MS;
	}
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int kd_cli_run_once(kd_engine *e)
{
	pthread_condattr_t ca;
	pthread_t thread;
	progress p = { .store = kd_engine_store(e) };
	int rc;

	if (quiet || !isatty(STDERR_FILENO))
		return kd_engine_run_once(e);
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	pthread_mutex_init(&p.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&thread, NULL, progress_main, &p) != 0) {
		/* no progress is no reason to fail the command */
		rc = kd_engine_run_once(e);
		goto cleanup;
	}
	rc = kd_engine_run_once(e);
	pthread_mutex_lock(&p.mu);
	p.stop = true;
	pthread_cond_signal(&p.cv);
	pthread_mutex_unlock(&p.mu);
	pthread_join(thread, NULL);
cleanup:
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	return rc;
}
