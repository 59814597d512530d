/*
 * audit_followup — whether an object marked kdrift.dev/break-glass still
 * awaits follow-up, as the audit log says: the one answer the engine (the
 * tree's and `kdrift check`'s `!`) and self-heal (core/act) both use.
 *
 * The mark stays on a live object after an accept or an acknowledge (they
 * write Git or only the log, not the object), so the mark alone cannot say
 * the change is still open.  Reads the log only; never writes.
 */
#include "audit/audit.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

struct kd_audit_followup {
	kd_audit_list *open;      /* break-glass changes awaiting follow-up */
	char **known;             /* ids of every break-glass record, sorted */
	size_t nknown, cap;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_known(const kd_audit_record *rec, void *ctx)
{
	kd_audit_followup *f = ctx;

	if (!rec->id || !rec->mode || strcmp(rec->mode, "break-glass") != 0)
		return 0;
	if (f->nknown == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		char **g = realloc(f->known, cap * sizeof(*g));

		if (!g)
			return kd_error_set(KD_ENOMEM, "out of memory");
		f->known = g;
		f->cap = cap;
	}
	if (!(f->known[f->nknown] = strdup(rec->id)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	f->nknown++;
	return 0;
}

int kd_audit_followup_load(kd_audit_followup **out, const char *path)
{
	kd_audit_followup *f = calloc(1, sizeof(*f));
	int rc;

	*out = NULL;
	if (!f)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if ((rc = kd_audit_open_breakglass(&f->open, path)) < 0 ||
	    (rc = kd_audit_read(path, NULL, collect_known, f)) < 0) {
		kd_audit_followup_free(f);
		return rc;
	}
	if (f->nknown)
		qsort(f->known, f->nknown, sizeof(*f->known), cmp_str);
	*out = f;
	return 0;
}

void kd_audit_followup_free(kd_audit_followup *f)
{
	size_t i;

	if (!f)
		return;
	kd_audit_list_free(f->open);
	for (i = 0; i < f->nknown; i++)
		free(f->known[i]);
	free(f->known);
	free(f);
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

kd_audit_followup_state kd_audit_followup_of(const kd_audit_followup *f, const char *cluster,
					     const kd_object_id *id, const char *mark,
					     const kd_audit_record **open)
{
	size_t i;

	if (open)
		*open = NULL;
	for (i = 0; f && f->open && i < f->open->count; i++) {
		const kd_audit_record *r = &f->open->items[i];
		kd_object_id rid;

		kd_object_id_of_ref(&rid, kd_json_obj(r->json, "object"));
		if (!same(r->cluster, cluster) || !kd_object_id_equal(id, &rid))
			continue;
		if (open)
			*open = r;
		return KD_FOLLOWUP_OPEN;
	}
	if (!mark || !*mark)
		return KD_FOLLOWUP_NONE;
	if (f && f->nknown && bsearch(&mark, f->known, f->nknown, sizeof(*f->known), cmp_str))
		return KD_FOLLOWUP_DONE;
	return KD_FOLLOWUP_UNKNOWN;
}
