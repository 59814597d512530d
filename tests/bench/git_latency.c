/*
 * git_latency — how long a Git commit takes to reach the engine's
 * published snapshot.  Starts the engine in watch mode (Git fetch an hour
 * away) on SOURCE, waits for the first full reconcile, then per step
 * commits a change of one cluster's own layer in WORK with the `git`
 * command and times from the commit's end until the store's revision is
 * the new commit, which it becomes only once the changed clusters are
 * published.  MODE "outside": nothing tells the engine (a local
 * repository's refs are watched); "nudge": kd_engine_nudge right after the
 * commit, as the UI does after its own accept.  Also counts how many
 * clusters each commit published again.  Prints the measures; asserts
 * nothing about time.
 *
 *   git_latency MODE SOURCE WORK KUBECONFIG STEPS CLUSTER_FILE
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "base/base.h"

#include "probe.h"

static bool at_revision(kd_store *s, const char *rev)
{
	char *r = NULL;
	bool at;

	kd_store_source(s, NULL, &r, NULL);
	at = r && strcmp(r, rev) == 0;
	free(r);
	return at;
}

static void generations(uint64_t *g, kd_store *s)
{
	size_t i, n = kd_store_cluster_count(s);

	for (i = 0; i < n; i++) {
		kd_cluster_state *st = kd_store_get(s, i);

		g[i] = st ? st->generation : 0;
		kd_cluster_state_unref(st);
	}
}

int main(int argc, char **argv)
{
	kd_engine_opts o = { 0 };
	kd_engine *e = NULL;
	kd_store *s;
	struct pollfd p;
	kd_buf head = KD_BUF_INIT, ref = KD_BUF_INIT;
	double *lat, t0;
	uint64_t *before, *after;
	size_t ncl, j, republished = 0;
	int steps, i, done = 0;
	bool nudge;

	if (argc < 7) {
		fprintf(stderr, "usage: git_latency outside|nudge SOURCE WORK KUBECONFIG STEPS CLUSTER\n");
		return 2;
	}
	nudge = strcmp(argv[1], "nudge") == 0;
	o.repo = argv[2];
	o.kubeconfig = argv[4];
	o.timeout_s = 120;
	o.fetch_interval_s = 3600;
	steps = atoi(argv[5]);
	kd_buf_printf(&ref, "%s/.git/refs/heads/main", argv[3]);
	lat = calloc((size_t)(steps > 0 ? steps : 1), sizeof(double));
	if (steps < 1 || !lat || kd_engine_new(&e, &o) < 0 || kd_engine_start(e) < 0) {
		fprintf(stderr, "git_latency: %s\n", kd_error_last());
		return 2;
	}
	s = kd_engine_store(e);
	ncl = kd_store_cluster_count(s);
	before = calloc(ncl + 1, sizeof(*before));
	after = calloc(ncl + 1, sizeof(*after));
	if (!before || !after)
		return 2;
	p.fd = kd_store_wake_fd(s);
	p.events = POLLIN;
	t0 = now_ms();
	while (!all_published(s)) {
		if (now_ms() - t0 > 600000) {
			fprintf(stderr, "git_latency: the first reconcile did not finish\n");
			return 2;
		}
		poll(&p, 1, 100);
		kd_store_wake_drain(s);
	}
	for (i = 0; i < steps; i++) {
		char cmd[2048];
		double start;

		generations(before, s);
		snprintf(cmd, sizeof(cmd),
			 "cd '%s' && printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: own, namespace: bench}\\n"
			 "data: {step: \"%d\"}\\n' >'clusters/%s/own.yaml' && "
			 "git -c user.name=bench -c user.email=bench@kdrift.invalid commit -qam 'step %d'",
			 argv[3], i, argv[6], i);
		kd_buf_clear(&head);
		if (system(cmd) != 0 || kd_buf_read_file(&head, kd_buf_cstr(&ref), 0) < 0) {
			fprintf(stderr, "git_latency: the commit failed\n");
			break;
		}
		start = now_ms();
		kd_buf_truncate(&head, head.len && head.data[head.len - 1] == '\n' ? head.len - 1 : head.len);
		if (nudge)
			kd_engine_nudge(e);
		while (!at_revision(s, kd_buf_cstr(&head)) && now_ms() - start < 30000) {
			poll(&p, 1, 5);
			kd_store_wake_drain(s);
		}
		if (!at_revision(s, kd_buf_cstr(&head))) {
			fprintf(stderr, "git_latency: commit %d not published within 30 s\n", i);
			continue;
		}
		lat[done++] = now_ms() - start;
		generations(after, s);
		for (j = 0; j < ncl; j++)
			republished += after[j] != before[j];
	}
	if (done) {
		qsort(lat, (size_t)done, sizeof(*lat), cmp_double);
		printf("commit -> engine snapshot, %s, %zu clusters: median %.0f ms, p90 %.0f ms, "
		       "max %.0f ms (%d commits); %.1f cluster(s) published again per commit\n",
		       nudge ? "kdrift's own commit (nudge)" : "outside commit (refs watched)", ncl,
		       lat[done / 2], lat[(done * 9) / 10 < done ? (done * 9) / 10 : done - 1],
		       lat[done - 1], done, (double)republished / done);
	}
	kd_engine_free(e);
	kd_buf_free(&head);
	kd_buf_free(&ref);
	free(lat);
	free(before);
	free(after);
	return done ? 0 : 1;
}
