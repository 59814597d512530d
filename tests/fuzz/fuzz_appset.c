/*
 * Argo CD ApplicationSets: the generators and templates of appset.yaml
 * (text before the first "==> path <==" header; further files are the
 * repository the git generators read) evaluated against a fixed fleet, and
 * the same text used as a fasttemplate against one cluster's parameters.
 */
#include "fuzz.h"

#include "fleet/fleet.h"
#include "render/render.h"
#include "source/source.h"

static const char fleet_yaml[] =
	"apiVersion: kdrift.dev/v1alpha1\n"
	"kind: Fleet\n"
	"clusters:\n"
	"  - name: prod-eu-1\n"
	"    server: https://eu.example\n"
	"    labels: {env: production, region: eu}\n"
	"    values: {revision: main, tier: gold}\n"
	"  - name: staging-us\n"
	"    labels: {env: staging}\n"
	"apps:\n"
	"  - applicationSet: appset.yaml\n";

static kd_fleet *fleet(void)
{
	static kd_fleet *f;

	if (!f && kd_fleet_parse(&f, fleet_yaml, sizeof(fleet_yaml) - 1, "kdrift.yaml") < 0)
		abort();
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[4200];
	kd_source *src = NULL;
	json_t *gen = NULL, *params = NULL;
	char *text = fz_text(data, size), *expanded = NULL;
	const kd_fleet *f = fleet();

	snprintf(dir, sizeof(dir), "%s/tree", fz_scratch());
	fz_tree_write(dir, data, size, "appset.yaml");
	if (kd_source_open_dir(&src, dir) == 0 && kd_appset_generate(&gen, src, f, "appset.yaml") == 0) {
		size_t i;
		json_t *g;

		json_array_foreach(gen, i, g) {
			json_t *objs = NULL;

			if (i >= 4)
				break;
			kd_appset_render_one(&objs, src, g);
			json_decref(objs);
		}
	}
	if (kd_cluster_params(&params, &f->clusters[0]) == 0)
		kd_template_expand(&expanded, text, params);

	free(expanded);
	free(text);
	json_decref(params);
	json_decref(gen);
	kd_source_free(src);
	return 0;
}
