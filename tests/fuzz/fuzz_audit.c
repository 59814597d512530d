/*
 * The audit log reader and verifier on an arbitrary log file: every record
 * read is summarised as `kdrift audit show` prints it, and verify reports
 * problems instead of failing (audit.h).
 */
#include "fuzz.h"

#include "audit/audit.h"

static int visit(const kd_audit_record *rec, void *ctx)
{
	kd_buf *line = ctx;

	kd_buf_clear(line);
	kd_audit_record_summary(line, rec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4200];
	FILE *f;
	kd_buf line = KD_BUF_INIT;
	kd_audit_verify_result *res = NULL;
	kd_audit_list *list = NULL;

	snprintf(path, sizeof(path), "%s/audit.jsonl", fz_scratch());
	if (!(f = fopen(path, "wb")))
		abort();
	fwrite(data, 1, size, f);
	fclose(f);

	kd_audit_read(path, NULL, visit, &line);
	if (kd_audit_verify(&res, path) == 0 && !res)
		abort();
	kd_audit_verify_result_free(res);
	if (kd_audit_list_load(&list, path, NULL) == 0)
		kd_audit_list_free(list);
	kd_buf_free(&line);
	return 0;
}
