/*
 * render_prov — what provenance costs: every app of every cluster of a
 * fleet rendered in one process, first as the engine renders without
 * provenance, then with it (kd_render_app_traced), each the best of a few
 * rounds.  Prints the measures; asserts nothing about time.
 *
 *   render_prov REPO ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "render/render.h"
#include "source/source.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Renders everything once; returns the seconds taken, or -1. */
static double round_of(kd_source *src, const kd_fleet *fleet, bool prov, size_t *renders,
		       size_t *leaves)
{
	double t0 = now_s();
	size_t c, a;

	*renders = 0;
	*leaves = 0;
	for (c = 0; c < fleet->nclusters; c++)
		for (a = 0; a < fleet->napps; a++) {
			json_t *objs = NULL, *maps = NULL, *m;
			size_t i;

			if (!kd_fleet_app_targets(&fleet->apps[a], &fleet->clusters[c]))
				continue;
			if (kd_render_app_traced(&objs, prov ? &maps : NULL, src, fleet,
						 &fleet->clusters[c], &fleet->apps[a]) < 0) {
				fprintf(stderr, "render_prov: %s\n", kd_error_last());
				return -1;
			}
			json_array_foreach(maps, i, m)
				*leaves += json_object_size(m);
			(*renders)++;
			json_decref(objs);
			json_decref(maps);
		}
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	kd_source_opts o = { 0 };
	kd_source *src = NULL;
	kd_fleet *fleet = NULL;
	double best[2] = { -1, -1 };
	size_t renders = 0, leaves = 0, n;
	int rounds = argc > 2 ? atoi(argv[2]) : 3, r, p;

	if (argc < 2 || kd_source_open(&src, argv[1], &o) < 0 ||
	    kd_fleet_load(&fleet, src, NULL) < 0) {
		fprintf(stderr, "render_prov: %s\n", argc < 2 ? "usage: render_prov REPO [ROUNDS]" :
			kd_error_last());
		return 2;
	}
	for (r = 0; r < (rounds > 0 ? rounds : 1); r++)
		for (p = 0; p < 2; p++) {
			double t = round_of(src, fleet, p == 1, &renders, &n);

			if (t < 0)
				return 2;
			if (p == 1)
				leaves = n;
			if (best[p] < 0 || t < best[p])
				best[p] = t;
		}
	printf("render with and without provenance: %zu cluster-app renders, %zu values traced\n",
	       renders, leaves);
	printf("  without provenance (best of %d): %.3f s\n", rounds, best[0]);
	printf("  with provenance    (best of %d): %.3f s (%.1fx)\n", rounds, best[1],
	       best[0] > 0 ? best[1] / best[0] : 0.0);
	kd_fleet_free(fleet);
	kd_source_free(src);
	return 0;
}
