/*
 * uiact_priv — what uiact.c, breakglass.c and view_audit.c share.
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

void kd_uiact_breakglass(kd_ui *ui, kd_action a);
void kd_uiact_end_session(kd_ui *ui, bool expired);
void kd_uiact_followup_open(kd_ui *ui);
/* Reads the list on the worker, then shows it. */
void kd_uiact_followup_load(kd_ui *ui);
bool kd_uiact_followup_item(kd_ui *ui, kd_action a, const kd_audit_record *r);

#endif
