/*
 * Strategic merge, both as kustomize and as the API server apply it.  The
 * input is a YAML stream: target, then patch (a missing kind makes the
 * first a Deployment so the built-in merge keys are exercised).
 */
#include "fuzz.h"

#include "data/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *docs = NULL, *target, *patch, *before = NULL;
	int mode;

	if (kd_yaml_parse(&docs, NULL, (const char *)data, size, "fuzz.yaml", NULL) < 0 ||
	    json_array_size(docs) < 2)
		goto cleanup;
	target = json_array_get(docs, 0);
	patch = json_array_get(docs, 1);
	if (json_is_object(target) && !json_object_get(target, "kind")) {
		json_object_set_new(target, "apiVersion", json_string("apps/v1"));
		json_object_set_new(target, "kind", json_string("Deployment"));
	}
	if (!(before = json_deep_copy(target)))
		abort();
	for (mode = KD_SMP_KUSTOMIZE; mode <= KD_SMP_SERVER; mode++) {
		json_t *out = NULL;

		kd_smp_apply(&out, target, patch, (kd_smp_mode)mode);
		json_decref(out);
		if (!kd_json_equal(before, target))
			abort();
	}
cleanup:
	json_decref(docs);
	json_decref(before);
	return 0;
}
