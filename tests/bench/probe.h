/*
 * What the bench's engine probes (watch_latency.c, git_latency.c) share:
 * a monotonic clock in milliseconds, a comparison for sorting samples, and
 * whether every cluster of the store has been published once.
 */
#ifndef KD_BENCH_PROBE_H
#define KD_BENCH_PROBE_H

#include <stdbool.h>
#include <time.h>

#include "engine/engine.h"

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline bool all_published(kd_store *s)
{
	size_t i, n = kd_store_cluster_count(s);

	for (i = 0; i < n; i++) {
		kd_cluster_state *st = kd_store_get(s, i);
		bool ok = st && st->synced_at != 0;

		kd_cluster_state_unref(st);
		if (!ok)
			return false;
	}
	return kd_store_idle(s);
}

#endif
