/*
 * The fleet file: parsed, then asked what the engine asks of it: every
 * cluster's template parameters and policy, and which apps target it.
 */
#include "fuzz.h"

#include "fleet/fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_fleet *f = NULL;
	size_t c, a;

	if (kd_fleet_parse(&f, (const char *)data, size, "kdrift.yaml") < 0)
		return 0;
	for (c = 0; c < f->nclusters && c < 16; c++) {
		const kd_cluster *cl = &f->clusters[c];
		json_t *params = NULL;

		if (kd_cluster_params(&params, cl) == 0) {
			for (a = 0; a < f->napps && a < 16; a++) {
				char *path = NULL;

				if (!kd_fleet_app_targets(&f->apps[a], cl))
					continue;
				if (f->apps[a].path)
					kd_template_expand(&path, f->apps[a].path, params);
				free(path);
			}
		}
		kd_fleet_policy(f, cl);
		kd_fleet_cluster(f, cl->name);
		json_decref(params);
	}
	kd_fleet_free(f);
	return 0;
}
