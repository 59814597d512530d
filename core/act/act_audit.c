/*
 * act_audit — the audit records around a change to Git (accept, promote):
 * the intent before anything is committed, the trailers that carry the
 * chain's head into the commit, the outcome with branch and commit after
 * (see act.h).  Never prints; writes nothing but the audit log.
 */
#include "act/act.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

int kd_act_git_audit_begin(kd_act_git_audit *g, const kd_audit_log *log, const char *action,
			   const char *cluster, const json_t *obj, const char *reason,
			   const char *branch, const char *user, const char *session)
{
	const json_t *meta = kd_json_obj(obj, "metadata");
	int rc;

	memset(g, 0, sizeof(*g));
	if (log)
		g->log = *log;
	g->entry.mode = KD_AUDIT_MODE_NORMAL;
	g->entry.phase = KD_AUDIT_PHASE_INTENT;
	g->entry.action = action;
	g->entry.user = user;
	g->entry.session = session;
	g->entry.reason = reason;
	g->entry.cluster = cluster;
	g->entry.object.api_version = kd_json_str(obj, "apiVersion");
	g->entry.object.kind = kd_json_str(obj, "kind");
	g->entry.object.namespace_ = kd_json_str(meta, "namespace");
	g->entry.object.name = kd_json_str(meta, "name");
	g->entry.object.uid = kd_json_str(meta, "uid");
	g->entry.git_branch = branch;
	if ((rc = kd_audit_write(g->intent_id, &g->head, &g->log, &g->entry)) < 0)
		return kd_error_wrap(rc, "nothing was committed, because the audit log could not "
				     "be written: ");
	if ((rc = kd_buf_printf(&g->trailers, "%s: ", KD_AUDIT_TRAILER)) < 0 ||
	    (rc = kd_audit_head_format(&g->trailers, &g->head)) < 0 ||
	    (rc = kd_buf_printf(&g->trailers, "\nKdrift-Audit-Id: %s\n", g->intent_id)) < 0)
		return rc;
	return 0;
}

int kd_act_git_audit_end(kd_act_git_audit *g, int rc, const char *branch, const char *commit,
			 const char *message)
{
	kd_audit_entry e = g->entry;
	char *saved = NULL;
	int code = rc < 0 ? (kd_error_last_code() ? kd_error_last_code() : rc) : 0;
	int arc;

	/* The change's own error must survive the append. */
	if (rc < 0 && !(saved = strdup(kd_error_last())))
		return kd_error_set(KD_ENOMEM, "out of memory");
	e.phase = KD_AUDIT_PHASE_OUTCOME;
	e.intent_id = g->intent_id;
	e.status = rc < 0 ? KD_AUDIT_STATUS_FAILURE : KD_AUDIT_STATUS_SUCCESS;
	e.message = rc < 0 ? saved : message;
	e.git_branch = branch ? branch : g->entry.git_branch;
	e.git_commit = commit && *commit ? commit : NULL;
	arc = kd_audit_write(NULL, NULL, &g->log, &e);
	if (rc < 0) {
		kd_error_set(code, "%s", saved);
		free(saved);
	}
	return arc;
}

void kd_act_git_audit_free(kd_act_git_audit *g)
{
	if (g)
		kd_buf_free(&g->trailers);
}
