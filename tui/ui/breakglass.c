/*
 * breakglass — break-glass from the UI: entering the mode (reason, ticket,
 * duration), the changes (edit in $EDITOR, scale, set image, restart,
 * delete: each planned here, shown as a patch, confirmed, applied on the
 * worker with the break-glass credential), and leaving it, which lists
 * every object changed for follow-up.  The break-glass credential is
 * checked before anything is asked: entering the mode is refused when no
 * cluster has one (the dialog names the clusters that lack one), a change
 * when its cluster lacks one.  The banner is banner.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/base.h"
#include "uiact_priv.h"

/* --- sessions ---------------------------------------------------------------- */

typedef struct session_job {
	kd_job job;
	bool end, expired;
	char *reason, *ticket;
	char *key_file;     /* the fleet's audit.keyFile, or NULL */
	long duration_s, max_s;
	kd_breakglass_session *session;
	kd_audit_list *open;
} session_job;

static void session_free(kd_job *j)
{
	session_job *s = (session_job *)j;

	free(s->reason);
	free(s->ticket);
	free(s->key_file);
	kd_breakglass_session_free(s->session);
	kd_audit_list_free(s->open);
	kd_buf_free(&j->msg);
	free(s);
}

static void session_ctx_free(void *p)
{
	session_free(p);
}

static void session_run(kd_job *j)
{
	session_job *s = (session_job *)j;
	kd_breakglass_opts bo = { 0 };
	int rc;

	bo.audit_key_file = kd_audit_key_file_pick(s->key_file);
	if (s->end)
		rc = kd_breakglass_end(&s->open, &bo);
	else
		rc = kd_breakglass_start(&s->session, &s->open, &bo, s->reason,
					 s->ticket && *s->ticket ? s->ticket : NULL, s->duration_s,
					 s->max_s, kd_audit_now_ms());
	if (rc < 0)
		kd_job_error(j, rc);
}

static void session_done(kd_ui *ui, kd_job *j)
{
	session_job *s = (session_job *)j;
	kd_uiact *act = ui->act;
	size_t n = s->open ? s->open->count : 0;

	if (j->rc < 0 && !(s->end && j->rc == KD_ENOTFOUND)) {
		kd_ui_message(ui, KD_LOG_ERROR, "break-glass: %s", kd_buf_cstr(&j->msg));
		/* An expired session is over even when its end could not be
		 * logged: the banner goes, and this is not retried every turn. */
		if (s->expired) {
			kd_breakglass_session_free(act->session);
			act->session = NULL;
		}
		return;
	}
	kd_audit_list_free(act->followup);
	act->followup = s->open;
	s->open = NULL;
	if (s->end) {
		kd_breakglass_session_free(act->session);
		act->session = NULL;
		kd_ui_message(ui, n ? KD_LOG_WARN : KD_LOG_INFO,
			      "break-glass %s; %zu change%s await%s follow-up (a accepts, r reverts)",
			      s->expired ? "session expired: the mode ended" : "mode ended", n,
			      n == 1 ? "" : "s", n == 1 ? "s" : "");
		kd_uiact_followup_open(ui);
		return;
	}
	kd_breakglass_session_free(act->session);
	act->session = s->session;
	s->session = NULL;
	kd_ui_message(ui, KD_LOG_WARN, "break-glass mode%s: changes use the break-glass credential and "
		      "are logged%s", act->session->capped ? " (duration cut to the fleet's maximum)" : "",
		      n ? "; earlier changes still await follow-up (U lists them)" : "");
}

static void start_submit(kd_ui *ui, kd_dialog *d)
{
	session_job *s = d->ctx;
	const char *text = kd_dialog_value(d, 2);
	long dur = 0;   /* empty: the fleet's maximum */

	while (*text == ' ')
		text++;
	if (*text && kd_duration_parse_seconds(&dur, text, 0) < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "break-glass: %s; nothing was started", kd_error_last());
		return;
	}
	d->ctx = NULL;
	s->duration_s = dur;
	if (!(s->reason = strdup(kd_dialog_value(d, 0))) || !(s->ticket = strdup(kd_dialog_value(d, 1)))) {
		session_free(&s->job);
		return;
	}
	if (kd_worker_submit(ui, &s->job) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
}

static session_job *session_new(kd_ui *ui, bool end)
{
	session_job *s = calloc(1, sizeof(*s));
	kd_fleet *fleet;

	if (!s)
		return NULL;
	/* The worker must not read the store: the key file goes with the job. */
	fleet = kd_store_fleet(ui->store);
	if (fleet && fleet->audit_key_file && !(s->key_file = strdup(fleet->audit_key_file))) {
		kd_fleet_free(fleet);
		free(s);
		return NULL;
	}
	kd_fleet_free(fleet);
	s->job.what = end ? "ending break-glass" : "break-glass";
	s->job.run = session_run;
	s->job.done = session_done;
	s->job.free = session_free;
	s->end = end;
	return s;
}

/* The clusters without a break-glass credential (kd_breakglass_missing),
 * read before the operator is asked anything.  *nclusters gets the
 * fleet's count.  NULL, with the reason in the status line, when the
 * kubeconfig cannot be read. */
static json_t *missing_credentials(kd_ui *ui, size_t *nclusters)
{
	kd_fleet *fleet = kd_store_fleet(ui->store);
	kd_kubeconfig *kc = NULL;
	json_t *missing = NULL;

	*nclusters = fleet ? fleet->nclusters : 0;
	if (kd_kubeconfig_load(&kc, ui->kubeconfig) < 0 ||
	    kd_breakglass_missing(&missing, fleet, kc) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "break-glass: %s", kd_error_last());
	kd_kubeconfig_free(kc);
	kd_fleet_free(fleet);
	return missing;
}

/* The break-glass context cluster lacks, or NULL when it has one. */
static const char *missing_context(const json_t *missing, const char *cluster)
{
	size_t i;
	json_t *m;

	json_array_foreach(missing, i, m)
		if (strcmp(json_string_value(json_object_get(m, "cluster")), cluster) == 0)
			return json_string_value(json_object_get(m, "context"));
	return NULL;
}

/* The cluster's credential, checked before replicas, an image, the editor
 * or the typed cluster name are asked for; false, said, when it lacks one. */
static bool has_credential(kd_ui *ui, kd_action a, const char *cluster)
{
	size_t nclusters;
	json_t *missing = missing_credentials(ui, &nclusters);
	const char *ctx = missing ? missing_context(missing, cluster) : NULL;
	bool ok = missing && !ctx;

	if (ctx)
		kd_ui_message(ui, KD_LOG_ERROR, "%s: kubeconfig has no break-glass context %s",
			      kd_action_name(a), ctx);
	json_decref(missing);
	return ok;
}

static void bg_start(kd_ui *ui)
{
	session_job *s;
	kd_dialog *d;
	kd_buf max = KD_BUF_INIT;
	kd_fleet *fleet;
	json_t *missing;
	size_t nclusters;

	if (ui->act->session) {
		kd_ui_message(ui, KD_LOG_INFO, "break-glass is already active (E ends it)");
		return;
	}
	/* The credential first: no reason, ticket or duration is asked for a
	 * mode nobody could use. */
	if (!(missing = missing_credentials(ui, &nclusters)))
		return;
	if (nclusters > 0 && json_array_size(missing) == nclusters) {
		kd_ui_message(ui, KD_LOG_ERROR, "break-glass: kubeconfig has no break-glass context (such as %s)",
			      json_string_value(json_object_get(json_array_get(missing, 0), "context")));
		json_decref(missing);
		return;
	}
	if (!(s = session_new(ui, false))) {
		json_decref(missing);
		return;
	}
	fleet = kd_store_fleet(ui->store);
	s->max_s = fleet->breakglass_max_seconds;
	kd_fleet_free(fleet);
	if (!(d = kd_dialog_new("Enter break-glass mode", start_submit, s, session_ctx_free))) {
		json_decref(missing);
		return;
	}
	kd_duration_format(&max, (int64_t)s->max_s * 1000, KD_DURATION_SPAN);
	kd_buf_printf(&d->body,
		      "Break-glass changes (edit, scale, set image, restart, delete) use each cluster's\n"
		      "break-glass credential.  Every change is shown as a patch and confirmed, written to\n"
		      "the audit log before it is made, and the object stays flagged (self-heal leaves it\n"
		      "alone) until someone accepts or reverts it.  Leaving the mode lists them.\n\n"
		      "Duration such as 30m, 1h30m or 90s (units d, h, m, s); empty is the fleet's\n"
		      "maximum (%s).\n",
		      kd_buf_cstr(&max));
	kd_buf_free(&max);
	if (json_array_size(missing) > 0) {
		kd_buf_putc(&d->body, '\n');
		kd_breakglass_missing_text(&d->body, missing, nclusters,
					   ui->cols > 84 ? 80 : (size_t)(ui->cols > 44 ? ui->cols - 4 : 40), 3);
	}
	json_decref(missing);
	if (kd_dialog_input_add(d, "reason", true, NULL) < 0 ||
	    kd_dialog_input_add(d, "ticket (optional)", false, NULL) < 0 ||
	    kd_dialog_input_add(d, "duration", false, NULL) < 0) {
		kd_dialog_free(d);
		return;
	}
	kd_dialog_open(ui, d);
}

static void end_submit(kd_ui *ui, kd_dialog *d)
{
	session_job *s = d->ctx;

	d->ctx = NULL;
	if (kd_worker_submit(ui, &s->job) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
}

void kd_uiact_end_session(kd_ui *ui, bool expired)
{
	session_job *s = session_new(ui, true);
	kd_dialog *d;

	if (!s)
		return;
	s->expired = expired;
	if (expired) {
		if (kd_worker_submit(ui, &s->job) < 0)
			kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
		return;
	}
	if (!(d = kd_dialog_new("Leave break-glass mode", end_submit, s, session_ctx_free)))
		return;
	kd_buf_puts(&d->body, "The end is logged.  Every object changed in break-glass is then listed,\n"
			      "to accept into Git, revert, or leave flagged.\n");
	kd_dialog_open(ui, d);
}

/* --- changes ----------------------------------------------------------------- */

typedef struct change_job {
	kd_job job;
	kd_fleet *fleet;                 /* held: the target snapshot's */
	const char *kubeconfig;
	kd_breakglass_change *ch;
	char *label;
} change_job;

static void change_free(kd_job *j)
{
	change_job *c = (change_job *)j;

	kd_breakglass_change_free(c->ch);
	kd_fleet_free(c->fleet);
	free(c->label);
	kd_buf_free(&j->msg);
	free(c);
}

static void change_ctx_free(void *p)
{
	change_free(p);
}

static void change_run(kd_job *j)
{
	change_job *c = (change_job *)j;
	kd_act *a = NULL;
	kd_act_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.kubeconfig = c->kubeconfig;
	o.breakglass = true;
	if ((rc = kd_act_open(&a, c->fleet, c->ch->cluster, &o)) < 0 ||
	    (rc = kd_act_breakglass_apply(a, c->ch, false)) < 0)
		kd_job_error(j, rc);
	else
		kd_buf_printf(&j->msg, "%s (audit %s)", c->label, c->ch->audit_id);
	kd_act_close(a);
}

static void change_done(kd_ui *ui, kd_job *j)
{
	change_job *c = (change_job *)j;

	kd_uiact_outcome(ui, j, c->ch->cluster, "break-glass: %s");
}

static void change_submit(kd_ui *ui, kd_dialog *d)
{
	change_job *c = d->ctx;

	d->ctx = NULL;
	if (kd_worker_submit(ui, &c->job) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
}

/* Shows the planned change and asks for confirmation. */
static void change_confirm(kd_ui *ui, kd_target *t, kd_breakglass_change *ch, const char *verb)
{
	change_job *c = calloc(1, sizeof(*c));
	kd_dialog *d;
	kd_buf title = KD_BUF_INIT;

	if (!c) {
		kd_breakglass_change_free(ch);
		return;
	}
	c->job.what = verb;
	c->job.run = change_run;
	c->job.done = change_done;
	c->job.free = change_free;
	c->fleet = kd_fleet_ref(t->st->fleet);
	c->kubeconfig = ui->kubeconfig;
	c->ch = ch;
	kd_buf_printf(&title, "Break-glass %s %s on cluster %s", verb, kd_buf_cstr(&t->label), t->cluster);
	if (!(c->label = strdup(kd_buf_cstr(&title) + strlen("Break-glass ")))) {
		change_free(&c->job);
		kd_buf_free(&title);
		return;
	}
	if (!(d = kd_dialog_new(kd_buf_cstr(&title), change_submit, c, change_ctx_free))) {
		kd_buf_free(&title);
		return;
	}
	/* An HPA would undo a change of replicas: said first (the engine
	 * found the HPA; the CLI asks the cluster, same relation). */
	if (t->res && t->res->hpa_managed && kd_act_sets_replicas(ch->patch))
		kd_act_hpa_warning(&d->body, ch->kind_name, ch->namespace, ch->name, NULL);
	kd_buf_puts(&d->body, ch->preview ? ch->preview : "(no patch)");
	if (kd_dialog_confirm_for(d, ui, t->cluster) < 0)
		kd_dialog_free(d);
	else
		kd_dialog_open(ui, d);
	kd_buf_free(&title);
}

/* The inputs of scale and set-image, then the plan. */
typedef struct change_ask {
	kd_action a;
	kd_target *t;
} change_ask;

static void ask_free(void *p)
{
	change_ask *q = p;

	kd_target_free(q->t);
	free(q);
}

static void ask_submit(kd_ui *ui, kd_dialog *d)
{
	change_ask *q = d->ctx;
	kd_breakglass_change *ch = NULL;
	const char *cluster = q->t->cluster;
	const json_t *live = q->t->res->live;
	int rc;

	if (q->a == KD_ACT_BG_SCALE) {
		char *end;
		long n = strtol(kd_dialog_value(d, 0), &end, 10);

		if (*end || end == kd_dialog_value(d, 0) || n < 0) {
			kd_ui_message(ui, KD_LOG_ERROR, "scale: '%s' is not a number of replicas; nothing was changed",
				      kd_dialog_value(d, 0));
			return;
		}
		rc = kd_breakglass_plan_scale(&ch, cluster, live, n);
	} else {
		rc = kd_breakglass_plan_set_image(&ch, cluster, live, kd_dialog_value(d, 0),
						  kd_dialog_value(d, 1));
	}
	if (rc < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "%s: %s", kd_action_name(q->a), kd_error_last());
		return;
	}
	change_confirm(ui, q->t, ch, q->a == KD_ACT_BG_SCALE ? "scale" : "set image of");
}

static int first_container(kd_buf *out, const json_t *live)
{
	const json_t *spec = json_object_get(live, "spec"), *c;

	if (json_object_get(spec, "template"))
		spec = json_object_get(json_object_get(spec, "template"), "spec");
	if (json_object_get(spec, "jobTemplate"))   /* CronJob */
		spec = json_object_get(json_object_get(json_object_get(json_object_get(
			spec, "jobTemplate"), "spec"), "template"), "spec");
	c = json_array_get(json_object_get(spec, "containers"), 0);
	return kd_buf_puts(out, json_string_value(json_object_get(c, "name")) ?
				json_string_value(json_object_get(c, "name")) : "");
}

static void ask(kd_ui *ui, kd_action a, kd_target *t)
{
	change_ask *q = calloc(1, sizeof(*q));
	kd_dialog *d;
	kd_buf title = KD_BUF_INIT, v = KD_BUF_INIT;
	const json_t *replicas;
	int rc;

	if (!q) {
		kd_target_free(t);
		return;
	}
	q->a = a;
	q->t = t;
	kd_buf_printf(&title, "Break-glass %s %s on cluster %s", a == KD_ACT_BG_SCALE ? "scale" : "set image of",
		      kd_buf_cstr(&t->label), t->cluster);
	if (!(d = kd_dialog_new(kd_buf_cstr(&title), ask_submit, q, ask_free)))
		goto cleanup;
	d->no_confirm = true;
	if (a == KD_ACT_BG_SCALE) {
		replicas = json_object_get(json_object_get(t->res->live, "spec"), "replicas");
		if (json_is_integer(replicas))
			kd_buf_printf(&v, "%lld", (long long)json_integer_value(replicas));
		kd_buf_printf(&d->body, "Replicas now: %s\n", v.len ? kd_buf_cstr(&v) : "(not set)");
		rc = kd_dialog_input_add(d, "replicas", true, NULL);
	} else if ((rc = first_container(&v, t->res->live)) == 0 &&
		   (rc = kd_dialog_input_add(d, "container", true, kd_buf_cstr(&v))) == 0) {
		rc = kd_dialog_input_add(d, "image", true, NULL);
	}
	if (rc < 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
		kd_dialog_free(d);
		goto cleanup;
	}
	kd_dialog_open(ui, d);
cleanup:
	kd_buf_free(&title);
	kd_buf_free(&v);
}

/* Runs the editor (kd_editor: $VISUAL, else $EDITOR, else vi) on a file
 * with the terminal handed over. */
static int run_editor(const char *path)
{
	int rc;

	def_prog_mode();
	endwin();
	rc = kd_editor_run(path);
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	return rc;
}

/* The editor gets the text core/act prepares (Secret values masked) in a
 * private file; what comes back is planned there too. */
static void edit(kd_ui *ui, kd_target *t)
{
	kd_breakglass_edit *ed = NULL;
	kd_breakglass_change *ch = NULL;

	if (kd_breakglass_edit_new(&ed, t->cluster, t->res->live) < 0 ||
	    kd_breakglass_edit_file(ed) < 0 || run_editor(ed->path) < 0 ||
	    kd_breakglass_plan_edit_file(&ch, ed) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "edit: %s", kd_error_last());
	else if (!ch)
		kd_ui_message(ui, KD_LOG_INFO, "edit: nothing was edited; nothing changed");
	else
		change_confirm(ui, t, ch, "edit");
	kd_breakglass_edit_free(ed);
	kd_target_free(t);
}

/* Asks for what the change needs (or plans it), once the credential may
 * make it. */
static void proceed(kd_ui *ui, kd_action a, kd_target *t)
{
	kd_breakglass_change *ch = NULL;
	int rc;

	switch (a) {
	case KD_ACT_BG_SCALE:
	case KD_ACT_BG_SET_IMAGE:
		ask(ui, a, t);
		return;
	case KD_ACT_BG_EDIT:
		edit(ui, t);
		return;
	case KD_ACT_BG_RESTART:
		rc = kd_breakglass_plan_restart(&ch, t->cluster, t->res->live, kd_audit_now_ms());
		break;
	default:
		rc = kd_breakglass_plan_delete(&ch, t->cluster, t->res->live);
		break;
	}
	if (rc < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "%s: %s", kd_action_name(a), kd_error_last());
	else
		change_confirm(ui, t, ch, a == KD_ACT_BG_RESTART ? "restart" : "delete");
	kd_target_free(t);
}

/* The credential's rights, asked of the cluster on the worker
 * (kd_act_breakglass_check) before anything is asked of the operator. */
typedef struct check_job {
	kd_job job;
	kd_action a;
	kd_target *t;
	const char *kubeconfig;
} check_job;

static void check_free(kd_job *j)
{
	check_job *c = (check_job *)j;

	kd_target_free(c->t);
	kd_buf_free(&j->msg);
	free(c);
}

static void check_run(kd_job *j)
{
	check_job *c = (check_job *)j;
	kd_act *act = NULL;
	kd_act_opts o;
	kd_breakglass_kind kind = c->a == KD_ACT_BG_SCALE ? KD_BREAKGLASS_SCALE :
				  c->a == KD_ACT_BG_SET_IMAGE ? KD_BREAKGLASS_SET_IMAGE :
				  c->a == KD_ACT_BG_EDIT ? KD_BREAKGLASS_EDIT :
				  c->a == KD_ACT_BG_RESTART ? KD_BREAKGLASS_RESTART : KD_BREAKGLASS_DELETE;
	int rc;

	memset(&o, 0, sizeof(o));
	o.kubeconfig = c->kubeconfig;
	o.breakglass = true;
	if ((rc = kd_act_open(&act, c->t->st->fleet, c->t->cluster, &o)) < 0 ||
	    (rc = kd_act_breakglass_check(act, kind, c->t->res->live)) < 0)
		kd_job_error(j, rc);
	kd_act_close(act);
}

static void check_done(kd_ui *ui, kd_job *j)
{
	check_job *c = (check_job *)j;
	kd_target *t = c->t;

	if (j->rc < 0) {
		const char *name = kd_action_name(c->a);

		/* The status line keeps to what fits; the message log (L)
		 * has the whole reason. */
		if (strlen(name) + 2 + j->msg.len <= (size_t)(ui->cols > 0 ? ui->cols : 80)) {
			kd_ui_message(ui, KD_LOG_ERROR, "%s: %s", name, kd_buf_cstr(&j->msg));
			return;
		}
		kd_store_log(ui->store, KD_LOG_ERROR, c->t->cluster, "%s", kd_buf_cstr(&j->msg));
		kd_ui_message(ui, KD_LOG_ERROR, "%s: %s: %s (L shows why)", name, c->t->cluster,
			      strstr(kd_buf_cstr(&j->msg), "(Forbidden") ?
			      "Forbidden to the break-glass credential" : "the break-glass credential failed");
		return;
	}
	c->t = NULL;
	proceed(ui, c->a, t);
}

void kd_uiact_breakglass(kd_ui *ui, kd_action a)
{
	kd_target *t = NULL;
	check_job *c;

	if (a == KD_ACT_BREAK_GLASS) {
		bg_start(ui);
		return;
	}
	if (a == KD_ACT_BREAK_GLASS_END) {
		if (!ui->act->session)
			kd_ui_message(ui, KD_LOG_INFO, "break-glass is not active (! enters it)");
		else
			kd_uiact_end_session(ui, false);
		return;
	}
	if (!ui->act->session) {
		kd_ui_message(ui, KD_LOG_WARN, "%s: break-glass changes need break-glass mode (! enters it)",
			      kd_action_name(a));
		return;
	}
	if (kd_target_selected(&t, ui) < 0 || !t->res || !t->res->live) {
		kd_ui_message(ui, KD_LOG_ERROR, "%s: %s", kd_action_name(a),
			      t ? "select an object the cluster has" : kd_error_last());
		kd_target_free(t);
		return;
	}
	if (!has_credential(ui, a, t->cluster)) {
		kd_target_free(t);
		return;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		kd_target_free(t);
		return;
	}
	c->job.what = "checking the break-glass credential";
	c->job.run = check_run;
	c->job.done = check_done;
	c->job.free = check_free;
	c->a = a;
	c->t = t;
	c->kubeconfig = ui->kubeconfig;
	if (kd_worker_submit(ui, &c->job) < 0)   /* it freed the job */
		kd_ui_message(ui, KD_LOG_ERROR, "%s", kd_error_last());
}
