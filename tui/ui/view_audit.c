/*
 * view_audit — the audit log (kd_audit_list_load) one record a line,
 * oldest first and opening at the newest, with filters (cluster, action,
 * break-glass only) and a line saying whether the hash chain verifies
 * (kd_audit_verify).  The follow-up list is view_followup.c.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "uiact_priv.h"

/* Reading and verifying the whole log is file work proportional to its
 * size: it runs on the worker like the actions. */
typedef struct audit_job {
	kd_job job;
	char *cluster, *action;
	bool bg_only;
	kd_audit_list *list;
	kd_buf status;
} audit_job;

static void audit_job_free(kd_job *j)
{
	audit_job *a = (audit_job *)j;

	free(a->cluster);
	free(a->action);
	kd_audit_list_free(a->list);
	kd_buf_free(&a->status);
	kd_buf_free(&j->msg);
	free(a);
}

static void audit_job_run(kd_job *j)
{
	audit_job *a = (audit_job *)j;
	kd_audit_filter f;
	kd_audit_verify_result *v = NULL;
	size_t i, n = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	f.cluster = a->cluster;
	f.action = a->action;
	if (kd_audit_list_load(&a->list, NULL, &f) < 0) {
		kd_buf_printf(&a->status, "cannot read the audit log: %s", kd_error_last());
		return;
	}
	if (a->bg_only) {
		for (i = 0; i < a->list->count; i++) {
			if (kd_record_is_breakglass(&a->list->items[i]))
				a->list->items[n++] = a->list->items[i];
			else
				json_decref(a->list->items[i].json);
		}
		a->list->count = n;
	}
	if ((rc = kd_audit_verify(&v, NULL)) == KD_ENOTFOUND)
		kd_buf_puts(&a->status, "no audit log yet: nothing was changed from this account");
	else if (rc < 0)
		kd_buf_printf(&a->status, "verify: %s", kd_error_last());
	else if (v->ok)
		kd_buf_printf(&a->status, "chain verified: %zu records, no edits, deletions or truncation",
			      v->records);
	else
		kd_buf_printf(&a->status, "VERIFY FAILED: %zu problem%s; first: %s", v->n_problems,
			      v->n_problems == 1 ? "" : "s",
			      v->n_problems ? v->problems[0].message : "?");
	kd_audit_verify_result_free(v);
}

static void audit_job_done(kd_ui *ui, kd_job *j)
{
	audit_job *a = (audit_job *)j;
	kd_uiact *act = ui->act;

	kd_audit_list_free(act->audit);
	act->audit = a->list;
	a->list = NULL;
	kd_buf_clear(&act->audit_status);
	kd_buf_puts(&act->audit_status, kd_buf_cstr(&a->status));
	act->audit_cursor = act->audit && act->audit->count ? act->audit->count - 1 : 0;
}

void kd_audit_view_load(kd_ui *ui)
{
	kd_uiact *act = ui->act;
	audit_job *a = calloc(1, sizeof(*a));

	if (!a || (act->audit_cluster && !(a->cluster = strdup(act->audit_cluster))) ||
	    (act->audit_action && !(a->action = strdup(act->audit_action)))) {
		if (a)
			audit_job_free(&a->job);
		kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
		return;
	}
	a->bg_only = act->audit_bg_only;
	a->job.what = "reading the audit log";
	a->job.run = audit_job_run;
	a->job.done = audit_job_done;
	a->job.free = audit_job_free;
	kd_buf_clear(&act->audit_status);
	if (kd_worker_submit(ui, &a->job) < 0) {
		kd_buf_puts(&act->audit_status, kd_error_last());
		return;
	}
	kd_buf_puts(&act->audit_status, "reading and verifying the log...");
}

static void describe_filter(kd_buf *b, const kd_uiact *act)
{
	if (act->audit_cluster)
		kd_buf_printf(b, " cluster=%s", act->audit_cluster);
	if (act->audit_action)
		kd_buf_printf(b, " action=%s", act->audit_action);
	if (act->audit_bg_only)
		kd_buf_puts(b, " break-glass");
}

static void audit_draw(kd_ui *ui, int top, int height, bool focused)
{
	kd_uiact *act = ui->act;
	kd_buf h = KD_BUF_INIT;

	(void)focused;
	kd_buf_printf(&h, "audit log: %zu record%s", act->audit ? act->audit->count : 0,
		      act->audit && act->audit->count == 1 ? "" : "s");
	describe_filter(&h, act);
	kd_buf_puts(&h, "   (f: break-glass only, F: clear, :audit cluster|action NAME, Enter: details)");
	kd_record_list_draw(ui, top, height, act->audit, &act->audit_cursor, kd_buf_cstr(&h),
			    kd_buf_cstr(&act->audit_status), "no records",
			    strncmp(kd_buf_cstr(&act->audit_status), "VERIFY FAILED", 13) == 0 ||
			    strncmp(kd_buf_cstr(&act->audit_status), "cannot", 6) == 0);
	kd_buf_free(&h);
}

static bool audit_action(kd_ui *ui, kd_action a, int height)
{
	kd_uiact *act = ui->act;
	size_t n = act->audit ? act->audit->count : 0;

	if (kd_record_list_move(ui, a, height, &act->audit_cursor, n))
		return true;
	switch (a) {
	case KD_ACT_ENTER:
		if (n)
			kd_record_show(ui, &act->audit->items[act->audit_cursor]);
		return true;
	case KD_ACT_FILTER_PROBLEMS:
		act->audit_bg_only = !act->audit_bg_only;
		kd_audit_view_load(ui);
		return true;
	case KD_ACT_FILTER_CLEAR:
		kd_audit_view_command(ui, "clear");
		return true;
	case KD_ACT_REFRESH:
		kd_audit_view_load(ui);
		return true;
	default:
		return false;
	}
}

const kd_view_ops kd_audit_view = {
	"audit", KD_CTX_AUDIT, audit_draw, audit_action, NULL,
};

void kd_audit_view_command(kd_ui *ui, const char *arg)
{
	kd_uiact *act = ui->act;
	char **slot = NULL;

	if (strncmp(arg, "cluster ", 8) == 0) {
		slot = &act->audit_cluster;
		arg += 8;
	} else if (strncmp(arg, "action ", 7) == 0) {
		slot = &act->audit_action;
		arg += 7;
	} else if (strcmp(arg, "break-glass") == 0) {
		act->audit_bg_only = true;
	} else if (strcmp(arg, "clear") == 0) {
		free(act->audit_cluster);
		free(act->audit_action);
		act->audit_cluster = act->audit_action = NULL;
		act->audit_bg_only = false;
	} else if (*arg && strcmp(arg, "verify") != 0) {
		kd_ui_message(ui, KD_LOG_ERROR,
			      "usage: :audit [cluster NAME | action NAME | break-glass | clear | verify]");
		return;
	}
	if (slot) {
		while (*arg == ' ')
			arg++;
		free(*slot);
		*slot = *arg ? strdup(arg) : NULL;
	}
	kd_audit_view_load(ui);
	ui->overlay = &kd_audit_view;
	ui->overlay_top = 0;
}
