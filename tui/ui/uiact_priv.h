/*
 * uiact_priv — what the acting files of the UI share: uiact.c (targets,
 * revert, accept), breakglass.c, the audit view (view_audit.c), the
 * follow-up list (view_followup.c) and the record list both draw
 * (record_list.c).
 */
#ifndef KD_TUI_UIACT_PRIV_H
#define KD_TUI_UIACT_PRIV_H

#include "act/act.h"
#include "uiact.h"

/* What an action works on: a cluster, an app, an object or one field,
 * with a reference on the snapshot it points into. */
typedef struct kd_target {
	kd_cluster_state *st;
	const kd_app_state *appst;   /* NULL: the whole cluster */
	const kd_resource *res;      /* NULL: the whole app */
	char *cluster, *app;
	char *pointer;               /* one field, or NULL */
	kd_buf label;                /* "Deployment shop/web field /spec/replicas" */
} kd_target;

/* The target under the cursor (diff pane: the change; tree: the node). */
int kd_target_selected(kd_target **out, kd_ui *ui);
void kd_target_free(kd_target *t);
void kd_target_act(kd_act_target *kt, const kd_target *t);

/* On the worker: rc and the thread's error message into the job. */
void kd_job_error(kd_job *job, int rc);
/* On the UI thread: the outcome in the status line and the log (a 409 as
 * "changed since it was shown"), then a refresh of the cluster. */
void kd_uiact_outcome(kd_ui *ui, kd_job *job, const char *cluster, const char *done_fmt);

/* breakglass.c */
void kd_uiact_breakglass(kd_ui *ui, kd_action a);
void kd_uiact_end_session(kd_ui *ui, bool expired);

/* uiact.c: the revert of the selected object's break-glass changes in
 * ui->act->followup: only the fields they set, said in the preview. */
void kd_uiact_revert_followup(kd_ui *ui);

/* view_followup.c: shows the list held in ui->act->followup. */
void kd_uiact_followup_open(kd_ui *ui);
/* Reads the list on the worker, then shows it. */
void kd_uiact_followup_load(kd_ui *ui);

/* record_list.c: a list of audit records under a heading and a status
 * line, the cursor kept on screen (ui->overlay_top scrolls), each record
 * one line written by `line` (core's kd_audit_record_summary for the log,
 * kd_audit_record_line for the follow-up list). */
typedef int (*kd_record_line_fn)(kd_buf *out, const kd_audit_record *rec);
bool kd_record_is_breakglass(const kd_audit_record *r);
void kd_record_list_draw(kd_ui *ui, int top, int height, const kd_audit_list *list,
			 size_t *cursor, const char *head, const char *status, const char *empty,
			 bool bad_status, kd_record_line_fn line);
/* Moves the cursor for the movement actions; false for any other. */
bool kd_record_list_move(kd_ui *ui, kd_action a, int height, size_t *cursor, size_t n);
/* The whole record, as JSON, in a dialog. */
void kd_record_show(kd_ui *ui, const kd_audit_record *r);

#endif
