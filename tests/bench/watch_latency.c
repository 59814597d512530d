/*
 * watch_latency — how long a change made with kubectl takes to reach the
 * engine's published snapshot.  Starts the engine in watch mode on the
 * clusters a selector picks, waits for the first full reconcile, then
 * scales one Deployment per step with `kubectl scale` and times until the
 * store shows the new replica count.  Prints the measures; asserts nothing
 * about time.
 *
 *   watch_latency REPO KUBECONFIG SELECTOR STEPS CLUSTER...
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/engine.h"
#include "base/base.h"
#include "data/data.h"

#include "probe.h"

static json_int_t replicas_of(kd_store *s, long slot)
{
	kd_cluster_state *st = kd_store_get(s, (size_t)slot);
	const kd_resource *r;
	json_int_t v = -1;

	r = st ? kd_app_state_resource(kd_cluster_state_app(st, "web"), "Deployment", "bench",
					"web-0") : NULL;
	if (r && r->live)
		v = json_integer_value(json_object_get(kd_json_obj(r->live, "spec"), "replicas"));
	kd_cluster_state_unref(st);
	return v;
}

static void summary(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("watch latency, %s: median %.0f ms, p90 %.0f ms, max %.0f ms (%d changes)\n",
	       what, v[n / 2], v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], v[n - 1], n);
}

int main(int argc, char **argv)
{
	kd_engine_opts o = { 0 };
	kd_engine *e = NULL;
	kd_store *s;
	struct pollfd p;
	double *from_exit, *from_start, t0;
	int steps, i, done = 0, nclusters;

	if (argc < 6) {
		fprintf(stderr, "usage: watch_latency REPO KUBECONFIG SELECTOR STEPS CLUSTER...\n");
		return 2;
	}
	o.repo = argv[1];
	o.worktree = true;
	o.kubeconfig = argv[2];
	o.cluster_selector = argv[3];
	o.timeout_s = 120;
	steps = atoi(argv[4]);
	nclusters = argc - 5;
	from_exit = calloc((size_t)steps, sizeof(double));
	from_start = calloc((size_t)steps, sizeof(double));
	if (steps < 1 || !from_exit || !from_start || kd_engine_new(&e, &o) < 0 ||
	    kd_engine_start(e) < 0) {
		fprintf(stderr, "watch_latency: %s\n", kd_error_last());
		return 2;
	}
	s = kd_engine_store(e);
	p.fd = kd_store_wake_fd(s);
	p.events = POLLIN;
	t0 = now_ms();
	while (!all_published(s)) {
		if (now_ms() - t0 > 600000) {
			fprintf(stderr, "watch_latency: the first reconcile did not finish\n");
			return 2;
		}
		poll(&p, 1, 100);
		kd_store_wake_drain(s);
	}
	{
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("engine: first reconcile of %zu clusters in watch mode: %.0f ms, peak RSS %ld MiB\n",
		       kd_store_cluster_count(s), now_ms() - t0, ru.ru_maxrss / 1024);
	}
	for (i = 0; i < steps; i++) {
		const char *cluster = argv[5 + i % nclusters];
		long slot = kd_store_cluster_index(s, cluster);
		int want = 3 + i;
		char cmd[1024];
		double start, exited;

		snprintf(cmd, sizeof(cmd),
			 "kubectl --kubeconfig '%s' --context '%s' -n bench scale deploy web-0 --replicas=%d >/dev/null",
			 argv[2], cluster, want);
		start = now_ms();
		if (slot < 0 || system(cmd) != 0) {
			fprintf(stderr, "watch_latency: kubectl scale failed in %s\n", cluster);
			continue;
		}
		exited = now_ms();
		while (replicas_of(s, slot) != want && now_ms() - start < 30000) {
			poll(&p, 1, 5);
			kd_store_wake_drain(s);
		}
		if (replicas_of(s, slot) != want) {
			fprintf(stderr, "watch_latency: change in %s not seen within 30 s\n", cluster);
			continue;
		}
		from_exit[done] = now_ms() - exited;
		from_start[done] = now_ms() - start;
		done++;
	}
	if (done) {
		summary("kubectl exit -> snapshot", from_exit, done);
		summary("kubectl start -> snapshot", from_start, done);
	}
	kd_engine_free(e);
	free(from_exit);
	free(from_start);
	return done == steps ? 0 : 1;
}
