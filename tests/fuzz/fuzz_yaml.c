/*
 * YAML -> JSON -> YAML: the parser never crashes on any input, and what the
 * emitter writes parses back to the same value (data.h promises it).
 */
#include "fuzz.h"

#include "data/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *docs = NULL, *pos = NULL, *again = NULL;
	kd_buf out = KD_BUF_INIT;

	if (kd_yaml_parse(&docs, &pos, (const char *)data, size, "fuzz.yaml", NULL) < 0)
		goto cleanup;
	if (kd_yaml_emit_stream(&out, docs) < 0)
		goto cleanup;   /* "<<" keys cannot be written; refusing is fine */
	if (kd_yaml_parse(&again, NULL, out.data ? out.data : "", out.len, "emitted.yaml", NULL) < 0 ||
	    !kd_json_equal(docs, again)) {
		fprintf(stderr, "emitted YAML does not parse back to its value:\n%s\n", kd_buf_cstr(&out));
		abort();
	}
cleanup:
	json_decref(docs);
	json_decref(pos);
	json_decref(again);
	kd_buf_free(&out);
	return 0;
}
