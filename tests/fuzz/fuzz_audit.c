/*
 * The audit log reader and verifier on an arbitrary log file: every record
 * read is summarised as `kdrift audit show` prints it, and verify reports
 * problems instead of failing (audit.h).  The follow-up state that the
 * engine and self-heal read from the log is asked for every record's
 * object, with and without the record's id as the object's mark.
 */
#include "fuzz.h"

#include "audit/audit.h"
#include "data/data.h"

static kd_audit_followup *followup;

static int visit(const kd_audit_record *rec, void *ctx)
{
	kd_buf *line = ctx;
	const kd_audit_record *open = NULL;
	kd_object_id id;

	kd_buf_clear(line);
	kd_audit_record_summary(line, rec);
	kd_object_id_of_ref(&id, kd_json_obj(rec->json, "object"));
	if (kd_audit_followup_of(followup, rec->cluster, &id, NULL, &open) == KD_FOLLOWUP_OPEN &&
	    !open)
		abort();   /* OPEN always names the record that is open */
	kd_audit_followup_of(followup, rec->cluster, &id, rec->id, NULL);
	kd_audit_followup_of(followup, rec->cluster, &id, rec->intent_id, NULL);
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

	followup = NULL;
	kd_audit_followup_load(&followup, path);
	kd_audit_read(path, NULL, visit, &line);
	kd_audit_followup_free(followup);
	followup = NULL;
	if (kd_audit_verify(&res, path) == 0 && !res)
		abort();
	kd_audit_verify_result_free(res);
	if (kd_audit_list_load(&list, path, NULL) == 0)
		kd_audit_list_free(list);
	kd_buf_free(&line);
	return 0;
}
