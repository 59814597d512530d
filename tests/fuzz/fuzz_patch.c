/*
 * JSON patches and pointers.  The input is a YAML stream: the first document
 * is the target, the second an RFC 6902 operation list (or, when it is an
 * object, a merge patch).  Every pointer found in the operations is also
 * read, set and removed on its own.  Patching never changes its inputs; a
 * merge patch computed between two objects turns the one into the other.
 */
#include "fuzz.h"

#include "data/data.h"

static void pointers(const json_t *target, const json_t *ops)
{
	size_t i;
	json_t *op;

	if (!json_is_array(ops))
		return;
	json_array_foreach(ops, i, op) {
		const char *keys[] = {"path", "from"};
		size_t k;

		for (k = 0; k < 2; k++) {
			const char *ptr = kd_json_str(op, keys[k]);
			json_t *copy, *got = NULL, *split = NULL;

			if (!ptr)
				continue;
			if (!(copy = json_deep_copy(target)))
				abort();
			kd_json_pointer_get(&got, copy, ptr);
			kd_json_pointer_split(&split, ptr);
			kd_json_pointer_set(copy, ptr, json_string("x"), true);
			kd_json_pointer_remove(copy, ptr);
			json_decref(split);
			json_decref(copy);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *docs = NULL, *target, *ops, *before = NULL, *out = NULL, *diff = NULL, *back = NULL;

	if (kd_yaml_parse(&docs, NULL, (const char *)data, size, "fuzz.yaml", NULL) < 0 ||
	    json_array_size(docs) < 2)
		goto cleanup;
	target = json_array_get(docs, 0);
	ops = json_array_get(docs, 1);
	if (!(before = json_deep_copy(target)))
		abort();
	if (json_is_array(ops))
		kd_patch_json(&out, target, ops);
	else
		kd_patch_merge(&out, target, ops);
	if (!kd_json_equal(before, target))
		abort();   /* a patch must never touch its target */
	pointers(target, ops);

	if (json_is_object(target) && json_is_object(ops)) {
		json_t *merged = NULL;

		/* diff(from, to) applied to from gives to, nulls aside (data.h). */
		if (kd_patch_merge(&merged, target, ops) == 0 && merged &&
		    kd_patch_merge_diff(&diff, target, merged) == 0 &&
		    kd_patch_merge(&back, target, diff) == 0 && !kd_json_equal(back, merged)) {
			fprintf(stderr, "merge diff does not reproduce its target\n");
			abort();
		}
		json_decref(merged);
	}
cleanup:
	json_decref(docs);
	json_decref(before);
	json_decref(out);
	json_decref(diff);
	json_decref(back);
	return 0;
}
