/*
 * view_followup — the follow-up list: break-glass changes nobody accepted
 * or reverted yet (kd_audit_open_breakglass), read from the audit log on
 * the worker.  Leaving break-glass opens it (breakglass.c fills the list);
 * a accepts and r reverts the object of the record under the cursor, from
 * the tree; q leaves them flagged.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "uiact_priv.h"

void kd_uiact_followup_open(kd_ui *ui)
{
	ui->overlay = &kd_followup_view;
	ui->overlay_top = 0;
}

/* U: the list read afresh from the audit log (another kdrift, or an
 * earlier run, may have made or followed up changes). */
typedef struct followup_job {
	kd_job job;
	kd_audit_list *open;
} followup_job;

static void followup_free(kd_job *j)
{
	followup_job *f = (followup_job *)j;

	kd_audit_list_free(f->open);
	kd_buf_free(&j->msg);
	free(f);
}

static void followup_run(kd_job *j)
{
	followup_job *f = (followup_job *)j;
	int rc;

	if ((rc = kd_audit_open_breakglass(&f->open, NULL)) < 0)
		kd_job_error(j, rc);
}

static void followup_done(kd_ui *ui, kd_job *j)
{
	followup_job *f = (followup_job *)j;

	if (j->rc < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "follow-up: %s", kd_buf_cstr(&j->msg));
		return;
	}
	kd_audit_list_free(ui->act->followup);
	ui->act->followup = f->open;
	f->open = NULL;
	ui->act->followup_cursor = 0;
}

void kd_uiact_followup_load(kd_ui *ui)
{
	followup_job *f = calloc(1, sizeof(*f));

	if (!f) {
		kd_ui_message(ui, KD_LOG_ERROR, "out of memory");
		return;
	}
	f->job.what = "reading the follow-up list";
	f->job.run = followup_run;
	f->job.done = followup_done;
	f->job.free = followup_free;
	if (kd_worker_submit(ui, &f->job) < 0) {
		kd_ui_message(ui, KD_LOG_WARN, "%s", kd_error_last());
		return;
	}
	kd_uiact_followup_open(ui);
}

static void followup_draw(kd_ui *ui, int top, int height, bool focused)
{
	kd_uiact *act = ui->act;
	kd_buf h = KD_BUF_INIT;
	size_t n = act->followup ? act->followup->count : 0;

	(void)focused;
	kd_buf_printf(&h, "break-glass changes awaiting follow-up: %zu   "
			  "(a: accept into Git, r: revert, q: leave flagged)", n);
	kd_record_list_draw(ui, top, height, act->followup, &act->followup_cursor, kd_buf_cstr(&h),
			    n ? "each stays flagged, and self-heal leaves it alone, until it is accepted or reverted" : "",
			    "nothing awaits follow-up", false, kd_audit_record_line);
	kd_buf_free(&h);
}

/* a or r: the record's object selected in the tree, and the action run
 * on it there (with its preview and confirmation). */
static bool followup_item(kd_ui *ui, kd_action a, const kd_audit_record *r)
{
	kd_object_id want;
	const char *kind, *ns, *name;
	size_t i;

	kd_object_id_of_ref(&want, json_object_get(r->json, "object"));
	kind = want.kind;
	ns = want.namespace;
	name = want.name;
	for (i = 0; i < ui->model.nnodes; i++) {
		const kd_node *n = &ui->model.nodes[i];
		kd_object_id have;

		if (n->level != KD_LEVEL_OBJECT || !n->obj || !r->cluster || !kind || !name ||
		    strcmp(n->cluster_name, r->cluster) != 0)
			continue;
		/* By identity: the API group counts. */
		have = (kd_object_id){ n->obj->api_version, n->obj->kind, n->obj->namespace,
				       n->obj->name };
		if (!kd_object_id_equal(&have, &want))
			continue;
		if (!n->shown)
			kd_model_filter(&ui->model, "clear");
		kd_model_select(&ui->model, i);
		ui->overlay = NULL;
		ui->focus_diff = false;
		if (a == KD_ACT_REVERT && ui->engine && !ui->read_only)
			kd_uiact_revert_followup(ui);
		else
			kd_uiact_action(ui, a);
		return true;
	}
	kd_ui_message(ui, KD_LOG_ERROR, "%s %s/%s on %s is not in the tree (not tracked, or the cluster "
		      "is not shown)", kind ? kind : "?", ns ? ns : "", name ? name : "?",
		      r->cluster ? r->cluster : "?");
	return true;
}

static bool followup_action(kd_ui *ui, kd_action a, int height)
{
	kd_uiact *act = ui->act;
	size_t n = act->followup ? act->followup->count : 0;

	if (kd_record_list_move(ui, a, height, &act->followup_cursor, n))
		return true;
	switch (a) {
	case KD_ACT_ENTER:
		if (n)
			kd_record_show(ui, &act->followup->items[act->followup_cursor]);
		return true;
	case KD_ACT_REVERT:
	case KD_ACT_ACCEPT:
		if (n)
			return followup_item(ui, a, &act->followup->items[act->followup_cursor]);
		return true;
	default:
		return false;
	}
}

const kd_view_ops kd_followup_view = {
	"follow-up", KD_CTX_AUDIT, followup_draw, followup_action, NULL,
};
