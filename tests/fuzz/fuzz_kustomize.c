/*
 * A kustomize build over a tree of files given as "==> path <==" sections
 * (text before the first header is the root kustomization.yaml), plain and
 * traced.  Paths never leave the scratch directory.
 */
#include "fuzz.h"

#include "render/render.h"
#include "source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[4200];
	kd_source *src = NULL;
	json_t *out = NULL, *traced = NULL, *origins = NULL;

	snprintf(dir, sizeof(dir), "%s/tree", fz_scratch());
	fz_tree_write(dir, data, size, "kustomization.yaml");
	if (kd_source_open_dir(&src, dir) < 0)
		goto cleanup;
	if (kd_kustomize_build(&out, src, "", NULL) == 0 &&
	    kd_kustomize_build_traced(&traced, &origins, src, "", NULL, NULL) == 0) {
		/* Tracing never changes what is built. */
		if (!kd_json_equal(out, traced) || json_array_size(origins) != json_array_size(out)) {
			fprintf(stderr, "traced build differs from the plain one\n");
			abort();
		}
	}
cleanup:
	json_decref(out);
	json_decref(traced);
	json_decref(origins);
	kd_source_free(src);
	return 0;
}
