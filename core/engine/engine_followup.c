/*
 * engine_followup — the audit log's say on break-glass for the states the
 * engine publishes: a drifted object marked kdrift.dev/break-glass is
 * break-glass (`!`) while its change awaits follow-up, and plain drift
 * once the log has it followed up (accepted, reverted or acknowledged; the
 * mark stays on the object).  The same answer self-heal gets
 * (kd_audit_followup_of), so `kdrift check`, the UI and healing agree.
 *
 * The log is read when first needed and again only when the file changed
 * (device, inode, size or modification time), so a rebuild costs a stat.
 * Engine thread only.  Never writes the log.
 */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "base/base.h"

void eng_followup_free(kd_engine *e)
{
	kd_audit_followup_free(e->followup);
	e->followup = NULL;
	e->followup_read = false;
}

/* Reads the log again when it is not the file last read. */
static void refresh(kd_engine *e)
{
	char *path = NULL;
	struct stat sb;
	long long sig[4] = { 0, 0, -1, 0 };   /* no file */

	if (e->audit_path || kd_audit_default_path(&path) == 0) {
		if (stat(e->audit_path ? e->audit_path : path, &sb) == 0) {
			sig[0] = (long long)sb.st_dev;
			sig[1] = (long long)sb.st_ino;
			sig[2] = (long long)sb.st_size;
			sig[3] = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
		}
	}
	free(path);
	if (e->followup_read && memcmp(sig, e->followup_sig, sizeof(sig)) == 0)
		return;
	eng_followup_free(e);
	/* A log that cannot be read closes nothing: every mark stays `!`. */
	if (kd_audit_followup_load(&e->followup, e->audit_path) < 0)
		e->followup = NULL;
	memcpy(e->followup_sig, sig, sizeof(sig));
	e->followup_read = true;
}

bool eng_breakglass_awaits(kd_engine *e, const char *cluster, const kd_resource *r,
			   const char *mark)
{
	kd_object_id id = { r->api_version, r->kind, r->namespace, r->name };
	kd_audit_followup_state s;

	refresh(e);
	s = kd_audit_followup_of(e->followup, cluster, &id, mark, NULL);
	return s == KD_FOLLOWUP_OPEN || s == KD_FOLLOWUP_UNKNOWN;
}
