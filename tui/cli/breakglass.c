/*
 * breakglass — `kdrift breakglass start|status|edit|scale|set-image|
 * restart|delete|end|followup` (kd_act_* and kd_breakglass_* of
 * core/act/act.h).
 *
 * Every change is refused outside an active session (checked before
 * anything is read and again, against the state file, by the write).  Edits
 * go through the editor ($VISUAL, else $EDITOR) on the file
 * kd_breakglass_edit_file prepares (server fields dropped, Secret values
 * masked) and come back through kd_breakglass_plan_edit_file, which refuses
 * edits of masked values.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "act/act.h"
#include "audit/audit.h"
#include "engine/engine.h"
#include "base/base.h"

#define CMD "breakglass"

typedef struct bg_args {
	const char *reason, *ticket, *duration, *kubeconfig, *revert_id;
	bool yes, dry;
	kd_engine_opts eopts;
} bg_args;

static void print_time(FILE *f, int64_t ms)
{
	char t[KD_TIME_SIZE];

	fputs(kd_time_format(t, ms, 0), f);
}

static void print_span(FILE *f, int64_t ms, kd_duration_style style)
{
	kd_buf b = KD_BUF_INIT;

	if (kd_duration_format(&b, ms, style) == 0)
		fputs(kd_buf_cstr(&b), f);
	kd_buf_free(&b);
}

static void object_text(kd_buf *b, const kd_audit_record *r)
{
	json_t *o = json_object_get(r->json, "object");
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *ns = json_string_value(json_object_get(o, "namespace"));
	const char *name = json_string_value(json_object_get(o, "name"));

	kd_buf_clear(b);
	kd_buf_printf(b, "%s/%s%s%s", kind ? kind : "?", ns ? ns : "", ns ? "/" : "",
		      name ? name : "?");
}

/* The app that renders the record's object for its cluster, or "APP"
 * when none does or the repository cannot be read (finder NULL). */
static const char *app_of(kd_owner_finder *finder, const kd_audit_record *r)
{
	json_t *o = json_object_get(r->json, "object");
	const char *app = NULL;

	if (!finder || !r->cluster ||
	    kd_owner_finder_app(&app, finder, r->cluster,
				json_string_value(json_object_get(o, "apiVersion")),
				json_string_value(json_object_get(o, "kind")),
				json_string_value(json_object_get(o, "namespace")),
				json_string_value(json_object_get(o, "name"))) < 0)
		return "APP";
	return app;
}

static bool same_object(const kd_audit_record *a, const kd_audit_record *b)
{
	kd_object_id x, y;

	kd_object_id_of_ref(&x, json_object_get(a->json, "object"));
	kd_object_id_of_ref(&y, json_object_get(b->json, "object"));
	return kd_object_id_equal(&x, &y) &&
	       strcmp(a->cluster ? a->cluster : "", b->cluster ? b->cluster : "") == 0;
}

/* One entry per object (its changes listed oldest first), with the ways
 * to follow up. */
static void print_open(const kd_audit_list *open, const char *intro, kd_owner_finder *apps)
{
	int64_t now = kd_time_now_ms();
	kd_buf obj = KD_BUF_INIT;
	size_t i, j;

	if (!open || open->count == 0)
		return;
	printf("%s\n", intro);
	for (i = 0; i < open->count; i++) {
		const kd_audit_record *r = &open->items[i];
		const char *cl = r->cluster ? r->cluster : "?";
		const char *app;
		bool seen = false;

		for (j = 0; j < i && !seen; j++)
			seen = same_object(&open->items[j], r);
		if (seen)
			continue;
		object_text(&obj, r);
		app = app_of(apps, r);
		printf("  ! ");
		kd_cli_print_safe(stdout, cl);
		printf(" ");
		kd_cli_print_safe(stdout, kd_buf_cstr(&obj));
		printf("  changed ");
		print_span(stdout, now - r->time_ms, KD_DURATION_AGE);
		printf(" ago by");
		for (j = i; j < open->count; j++) {
			const kd_audit_record *c = &open->items[j];

			if (j == i || same_object(c, r))
			{
				printf(" ");
				kd_cli_print_safe(stdout, c->action ? c->action : "?");
				printf(" (audit ");
				kd_cli_print_safe(stdout, c->id ? c->id : "?");
				printf(")");
			}
		}
		printf("\n      accept: kdrift accept ");
		kd_cli_print_safe(stdout, cl);
		printf(" ");
		kd_cli_print_safe(stdout, app);
		printf(" ");
		kd_cli_print_safe(stdout, kd_buf_cstr(&obj));
		printf(" --reason TEXT\n      revert: kdrift revert ");
		kd_cli_print_safe(stdout, cl);
		printf(" ");
		kd_cli_print_safe(stdout, app);
		printf(" ");
		kd_cli_print_safe(stdout, kd_buf_cstr(&obj));
		printf("\n      revert only what break-glass changed: kdrift breakglass followup "
		       "--revert ");
		kd_cli_print_safe(stdout, r->id ? r->id : "?");
		printf("\n      or leave it: `kdrift check` keeps flagging it '!' and self-heal "
		       "leaves it alone until then\n");
	}
	kd_buf_free(&obj);
}

/* print_open, naming apps from the repository the options point at. */
static void print_follow_up(const kd_audit_list *open, const char *intro,
			    const kd_engine_opts *o)
{
	kd_owner_finder *apps = NULL;

	if (!open || open->count == 0)
		return;
	/* Without the repository the commands still print, with APP. */
	if (kd_owner_finder_new(&apps, o) < 0)
		apps = NULL;
	print_open(open, intro, apps);
	kd_owner_finder_free(apps);
}

/* ---- sessions ------------------------------------------------------------------- */

/* The fleet, read with the options every command takes; it outlives the
 * engine that loaded it. */
static int load_fleet(kd_fleet **fleet, bg_args *a)
{
	kd_engine *e = NULL;

	a->eopts.statuses_only = true;
	if (kd_engine_new(&e, &a->eopts) < 0)
		return kd_cli_fail(CMD);
	*fleet = kd_store_fleet(kd_engine_store(e));
	kd_engine_free(e);
	return KD_EXIT_OK;
}

/* The credential before anything else: a session nobody could use is
 * refused; clusters without one are named (on stderr, 80 columns). */
static int check_credentials(const kd_fleet *fleet, const bg_args *a)
{
	kd_kubeconfig *kc = NULL;
	json_t *missing = NULL;
	kd_buf text = KD_BUF_INIT;
	int rc = KD_EXIT_ERROR;

	if (kd_kubeconfig_load(&kc, a->eopts.kubeconfig) < 0 ||
	    kd_breakglass_missing(&missing, fleet, kc) < 0 ||
	    kd_breakglass_missing_text(&text, missing, fleet->nclusters, 80, 4) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	if (fleet->nclusters > 0 && json_array_size(missing) == fleet->nclusters) {
		fputs("kdrift: breakglass: ", stderr);
		kd_cli_print_text(stderr, kd_buf_cstr(&text));
		fputs("kdrift: breakglass: nothing was started; add the contexts or change "
		      "breakGlass.context\n", stderr);
		goto cleanup;
	}
	if (text.len)
		kd_cli_print_text(stderr, kd_buf_cstr(&text));
	rc = KD_EXIT_OK;
cleanup:
	kd_buf_free(&text);
	json_decref(missing);
	kd_kubeconfig_free(kc);
	return rc;
}

static int bg_start(bg_args *a)
{
	kd_breakglass_opts bo = { 0 };
	kd_breakglass_session *s = NULL;
	kd_audit_list *open = NULL;
	kd_fleet *fleet = NULL;
	long dur = 0;
	int rc;

	if ((rc = load_fleet(&fleet, a)) != KD_EXIT_OK)
		return rc;
	bo.audit_key_file = kd_audit_key_file_pick(fleet->audit_key_file);
	if ((rc = check_credentials(fleet, a)) != KD_EXIT_OK)
		goto cleanup;
	if (!a->reason || !*a->reason) {
		rc = kd_cli_usage_error(CMD, "start needs --reason: say why manual changes are needed");
		goto cleanup;
	}
	if (a->duration && kd_duration_parse_seconds(&dur, a->duration, 0) < 0) {
		rc = kd_cli_usage_error(CMD, "--duration: %s", kd_error_last());
		goto cleanup;
	}
	if (kd_breakglass_start(&s, &open, &bo, a->reason, a->ticket, dur,
				fleet->breakglass_max_seconds, kd_time_now_ms()) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	printf("break-glass session %s started by ", s->id);
	kd_cli_print_safe(stdout, s->user ? s->user : "?");
	printf("\nreason: ");
	kd_cli_print_safe(stdout, s->reason);
	if (s->ticket) {
		printf("\nticket: ");
		kd_cli_print_safe(stdout, s->ticket);
	}
	printf("\nends at ");
	print_time(stdout, s->end_ms);
	printf(" (in ");
	print_span(stdout, s->end_ms - s->start_ms, KD_DURATION_SPAN);
	printf(")%s\n", s->capped ? "; the duration asked was cut to the fleet's "
	       "breakGlass.maxDuration" : "");
	print_follow_up(open, "Changes of earlier sessions still await follow-up:", &a->eopts);
	rc = KD_EXIT_OK;
cleanup:
	kd_breakglass_session_free(s);
	kd_audit_list_free(open);
	kd_fleet_free(fleet);
	return rc;
}

static int bg_status(const bg_args *a)
{
	kd_breakglass_session *s = NULL;
	kd_audit_list *open = NULL;
	int64_t now = kd_time_now_ms();
	int rc = kd_breakglass_load(&s, NULL);

	if (rc == KD_ENOTFOUND) {
		printf("no break-glass session\n");
		rc = KD_EXIT_DRIFT;
	} else if (rc < 0) {
		return kd_cli_fail(CMD);
	} else {
		bool active = kd_breakglass_active(s, now);

		printf("break-glass session %s: %s\nuser: ", s->id, active ? "ACTIVE" : "expired");
		kd_cli_print_safe(stdout, s->user ? s->user : "?");
		printf("\nreason: ");
		kd_cli_print_safe(stdout, s->reason);
		if (s->ticket) {
			printf("\nticket: ");
			kd_cli_print_safe(stdout, s->ticket);
		}
		printf("\n%s ", active ? "ends at" : "ended at");
		print_time(stdout, s->end_ms);
		if (active) {
			printf(" (");
			print_span(stdout, kd_breakglass_remaining_ms(s, now), KD_DURATION_SPAN);
			printf(" left)");
		}
		printf("\n");
		rc = active ? KD_EXIT_OK : KD_EXIT_DRIFT;
	}
	if (kd_audit_open_breakglass(&open, NULL) == 0)
		print_follow_up(open, "Break-glass changes awaiting follow-up:", &a->eopts);
	kd_breakglass_session_free(s);
	kd_audit_list_free(open);
	return rc;
}

static int bg_end(const bg_args *a)
{
	kd_breakglass_opts bo = { 0 };
	kd_audit_list *open = NULL;
	kd_engine_opts eo = a->eopts;
	kd_engine *e = NULL;
	kd_fleet *fleet = NULL;
	int rc;

	/* The fleet may key the audit log; ending works without a repository
	 * too (then only $KDRIFT_AUDIT_KEY_FILE can). */
	eo.statuses_only = true;
	if (kd_engine_new(&e, &eo) == 0) {
		fleet = kd_store_fleet(kd_engine_store(e));
		kd_engine_free(e);
		bo.audit_key_file = kd_audit_key_file_pick(fleet->audit_key_file);
	} else {
		kd_error_clear();
	}
	rc = kd_breakglass_end(&open, &bo);
	kd_fleet_free(fleet);
	if (rc < 0)
		return kd_cli_fail(CMD);
	printf("break-glass session ended\n");
	if (open && open->count > 0) {
		print_follow_up(open, "Objects changed under break-glass, each awaiting follow-up:",
				&a->eopts);
	} else {
		printf("no break-glass change awaits follow-up\n");
	}
	kd_audit_list_free(open);
	return KD_EXIT_OK;
}

/* ---- follow-up -------------------------------------------------------------------- */

/* The open change whose audit id (intent or outcome) is id, or NULL. */
static const kd_audit_record *open_change(const kd_audit_list *open, const char *id)
{
	size_t i;

	for (i = 0; open && i < open->count; i++) {
		const kd_audit_record *r = &open->items[i];

		if ((r->id && strcmp(r->id, id) == 0) || (r->intent_id && strcmp(r->intent_id, id) == 0))
			return r;
	}
	return NULL;
}

/* The app of st whose objects include the record's, or NULL; *res gets
 * the object. */
static const kd_app_state *app_having(const kd_resource **res, const kd_cluster_state *st,
				      const kd_audit_record *r)
{
	kd_object_id want, have;
	size_t i, j;

	kd_object_id_of_ref(&want, json_object_get(r->json, "object"));
	for (i = 0; i < st->napps; i++)
		for (j = 0; j < st->apps[i].nresources; j++) {
			const kd_resource *x = &st->apps[i].resources[j];

			have = (kd_object_id){ x->api_version, x->kind, x->namespace, x->name };
			if (kd_object_id_equal(&want, &have)) {
				*res = x;
				return &st->apps[i];
			}
		}
	return NULL;
}

/* `followup`: the changes awaiting follow-up; with --revert ID the revert
 * the UI's follow-up list makes (r): only the fields that object's open
 * break-glass changes set (kd_act_plan_followup_revert), with the normal
 * credential, shown and confirmed like `kdrift revert`. */
static int bg_followup(bg_args *a)
{
	kd_act_opts ao = { .kubeconfig = a->eopts.kubeconfig };
	kd_act_revert_opts ro = { .reason = a->reason, .ticket = a->ticket, .dry_run = a->dry };
	kd_audit_list *open = NULL;
	const kd_audit_record *r;
	const kd_app_state *app;
	const kd_resource *res = NULL;
	kd_act_target t = { 0 };
	kd_cluster_state *st = NULL;
	kd_remedy_plan *plan = NULL;
	kd_buf note = KD_BUF_INIT;
	kd_engine *e = NULL;
	kd_act *act = NULL;
	int rc;

	if (kd_audit_open_breakglass(&open, NULL) < 0)
		return kd_cli_fail(CMD);
	if (!a->revert_id) {
		if (open->count)
			print_follow_up(open, "Break-glass changes awaiting follow-up:", &a->eopts);
		else
			printf("no break-glass change awaits follow-up\n");
		kd_audit_list_free(open);
		return KD_EXIT_OK;
	}
	if (!(r = open_change(open, a->revert_id))) {
		kd_audit_list_free(open);
		return kd_cli_usage_error(CMD, "no break-glass change with audit id '%s' awaits "
					  "follow-up (`kdrift breakglass followup` lists them)", a->revert_id);
	}
	if ((rc = kd_cli_reconcile(&e, &st, &a->eopts, CMD, r->cluster, NULL)) != KD_EXIT_OK)
		goto cleanup;
	rc = KD_EXIT_ERROR;
	if (!(app = app_having(&res, st, r))) {
		kd_error_set(KD_ENOTFOUND, "cluster %s: no app has the object of audit id %s in Git: "
			     "revert it with kubectl, or accept it", st->name, a->revert_id);
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	t = (kd_act_target){ app->name, res->kind, res->namespace, res->name, NULL, 0 };
	if (kd_act_plan_followup_revert(&plan, &note, st, &t, open) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	if (note.len) {
		kd_cli_print_text(stdout, kd_buf_cstr(&note));
		if (note.data[note.len - 1] != '\n')
			printf("\n");
	}
	if ((rc = kd_cli_revert_preview(plan, st)) <= 0) {
		rc = rc < 0 ? kd_cli_fail(CMD) : KD_EXIT_OK;
		goto cleanup;
	}
	if (!a->dry && (rc = kd_cli_confirm(CMD, st->fleet, st->name, "revert", a->yes)) != KD_EXIT_OK)
		goto cleanup;
	if (kd_act_open(&act, st->fleet, st->name, &ao) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	if (!a->dry)
		kd_cli_test_hook();
	(void)kd_act_revert(act, plan, &ro);
	rc = kd_cli_revert_report(plan, a->dry);
	if (rc == KD_EXIT_DRIFT)
		fprintf(stderr, "kdrift: %s: the object changed since it was read; nothing of it "
			"was overwritten: run the command again to see the current drift\n", CMD);
cleanup:
	kd_act_close(act);
	kd_remedy_plan_free(plan);
	kd_buf_free(&note);
	kd_cluster_state_unref(st);
	kd_engine_free(e);
	kd_audit_list_free(open);
	return rc;
}

/* ---- changes --------------------------------------------------------------------- */

/* The built-in kind KIND names (kind or plural, any case). */
static const kd_kind_info *find_kind(const char *text)
{
	const kd_kind_info *k;

	for (k = kd_kinds_all(); k->kind; k++)
		if (strcasecmp(k->kind, text) == 0 || strcasecmp(k->resource, text) == 0)
			return k;
	return NULL;
}

/* Runs the editor (kd_editor) on the edit's private file (core/act prepares it and reads
 * it back); *ch stays NULL when the operator changed nothing. */
static int edit_object(kd_breakglass_change **ch, const char *cluster, const json_t *live)
{
	kd_breakglass_edit *ed = NULL;
	int rc;

	*ch = NULL;
	if ((rc = kd_breakglass_edit_new(&ed, cluster, live)) < 0 ||
	    (rc = kd_breakglass_edit_file(ed)) < 0)
		goto cleanup;
	if ((rc = kd_editor_run(ed->path)) < 0)
		goto cleanup;
	rc = kd_breakglass_plan_edit_file(ch, ed);
cleanup:
	kd_breakglass_edit_free(ed);
	return rc;
}

static kd_breakglass_kind change_kind(const char *op)
{
	return strcmp(op, "scale") == 0 ? KD_BREAKGLASS_SCALE :
	       strcmp(op, "set-image") == 0 ? KD_BREAKGLASS_SET_IMAGE :
	       strcmp(op, "restart") == 0 ? KD_BREAKGLASS_RESTART :
	       strcmp(op, "delete") == 0 ? KD_BREAKGLASS_DELETE : KD_BREAKGLASS_EDIT;
}

static int plan_change(kd_breakglass_change **ch, const char *op, const char *cluster,
		       const json_t *live, int nargs, char **args)
{
	int rc;

	*ch = NULL;
	if (strcmp(op, "edit") == 0) {
		if ((rc = edit_object(ch, cluster, live)) < 0)
			return rc;
		return *ch ? 0 : 1;   /* 1: nothing changed */
	}
	if (strcmp(op, "scale") == 0) {
		char *end;
		long n = nargs == 1 ? strtol(args[0], &end, 10) : -1;

		if (nargs != 1 || !*args[0] || *end || n < 0 || n > 100000)
			return kd_error_set(KD_EINVAL, "scale needs a replica count (0 or more)");
		return kd_breakglass_plan_scale(ch, cluster, live, n);
	}
	if (strcmp(op, "set-image") == 0) {
		const char *eq = nargs == 1 ? strchr(args[0], '=') : NULL;
		char *container;

		if (!eq || eq == args[0] || !eq[1])
			return kd_error_set(KD_EINVAL, "set-image needs CONTAINER=IMAGE");
		if (!(container = strndup(args[0], (size_t)(eq - args[0]))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		rc = kd_breakglass_plan_set_image(ch, cluster, live, container, eq + 1);
		free(container);
		return rc;
	}
	if (nargs != 0)
		return kd_error_set(KD_EINVAL, "%s takes no argument after the object", op);
	if (strcmp(op, "restart") == 0)
		return kd_breakglass_plan_restart(ch, cluster, live, kd_time_now_ms());
	return kd_breakglass_plan_delete(ch, cluster, live);
}

static int bg_change(bg_args *a, const char *op, int argc, char **argv)
{
	kd_act_opts ao = { .kubeconfig = a->eopts.kubeconfig, .breakglass = true };
	kd_breakglass_session *s = NULL;
	kd_breakglass_change *ch = NULL;
	const kd_kind_info *ki;
	kd_cli_object obj = { 0 };
	kd_fleet *fleet = NULL;
	kd_act *act = NULL;
	json_t *live = NULL;
	char *api = NULL, *kind = NULL;
	int rc;

	if (argc < 2)
		return kd_cli_usage_error(CMD, "%s needs CLUSTER KIND/NAMESPACE/NAME", op);
	if (kd_cli_parse_object(&obj, argv[1]) < 0)
		return kd_cli_usage_error(CMD, "%s", kd_error_last());
	if (kd_breakglass_require(&s, NULL, kd_time_now_ms()) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	if ((rc = load_fleet(&fleet, a)) != KD_EXIT_OK)
		goto cleanup;
	rc = KD_EXIT_ERROR;
	if (kd_act_open(&act, fleet, argv[0], &ao) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	/* A built-in kind is known without asking; a custom resource is
	 * whatever the cluster's discovery says it serves. */
	if ((ki = find_kind(obj.kind)) != NULL) {
		kd_buf b = KD_BUF_INIT;

		if (kd_buf_printf(&b, "%s%s%s", ki->group, *ki->group ? "/" : "", ki->version) < 0 ||
		    !(kind = strdup(ki->kind))) {
			kd_buf_free(&b);
			kd_error_set(KD_ENOMEM, "out of memory");
			rc = kd_cli_fail(CMD);
			goto cleanup;
		}
		api = kd_buf_detach(&b);
	} else if (kd_act_resolve_kind(&api, &kind, act, obj.kind) < 0) {
		char *why = strdup(kd_error_last());

		kd_error_set(kd_error_last_code(), "break-glass changes are for built-in kinds and "
			     "the custom resources a cluster serves: %s", why ? why : "out of memory");
		free(why);
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	if (kd_act_get(&live, act, api, kind, obj.namespace, obj.name) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	/* The credential's rights before the editor opens. */
	if (kd_act_breakglass_check(act, change_kind(op), live) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	rc = plan_change(&ch, op, argv[0], live, argc - 2, argv + 2);
	if (rc == 1) {
		printf("nothing was edited; nothing changed\n");
		rc = KD_EXIT_OK;
		goto cleanup;
	}
	if (rc < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	printf("break-glass %s of %s on cluster ", op, argv[1]);
	kd_cli_print_safe(stdout, argv[0]);
	printf(" (context %s):\n", kd_act_context(act));
	kd_cli_print_text(stdout, ch->preview);
	fflush(stdout);
	if (kd_act_sets_replicas(ch->patch)) {
		kd_buf warn = KD_BUF_INIT;
		char *hpa = NULL;

		/* An HPA would undo it: say so before the confirmation. */
		if (kd_act_hpa_of(&hpa, act, live) == 0 && hpa &&
		    kd_act_hpa_warning(&warn, ch->kind_name, ch->namespace, ch->name, hpa) == 0)
			kd_cli_print_text(stderr, kd_buf_cstr(&warn));
		free(hpa);
		kd_buf_free(&warn);
	}
	if (!a->dry && (rc = kd_cli_confirm(CMD, fleet, argv[0],
					    "apply this break-glass change", a->yes)) != KD_EXIT_OK)
		goto cleanup;
	if (!a->dry)
		kd_cli_test_hook();
	if (kd_act_breakglass_apply(act, ch, a->dry) < 0) {
		rc = kd_error_last_code() == KD_ECONFLICT ? KD_EXIT_DRIFT : KD_EXIT_ERROR;
		fprintf(stderr, "kdrift: %s: ", CMD);
		kd_cli_print_safe(stderr, kd_error_last());
		fprintf(stderr, "\n");
		goto cleanup;
	}
	printf("%s %s", a->dry ? "dry run: would apply" : "applied", op);
	if (ch->audit_id[0])
		printf(", audit %s", ch->audit_id);
	if (ch->rv_after && !a->dry)
		printf(", resourceVersion %s", ch->rv_after);
	printf("\n");
	rc = KD_EXIT_OK;
cleanup:
	free(api);
	free(kind);
	kd_breakglass_change_free(ch);
	kd_breakglass_session_free(s);
	json_decref(live);
	kd_act_close(act);
	kd_fleet_free(fleet);
	kd_cli_object_free(&obj);
	return rc;
}

int kd_cli_breakglass(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "reason", required_argument, NULL, 'm' },
		{ "ticket", required_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'd' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "revert", required_argument, NULL, 'V' },   /* (R is --revision) */
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const changes[] = { "edit", "scale", "set-image", "restart", "delete" };
	bg_args a = { 0 };
	const char *op;
	size_t i;
	int c, rc;

	if (argc < 2)
		return kd_cli_usage_error(CMD, "expected start, status, end, followup or a change");
	op = argv[1];
	if (strcmp(op, "--help") == 0 || strcmp(op, "-h") == 0 || strcmp(op, "help") == 0)
		return kd_cli_main(3, (char *[]){ "kdrift", "help", CMD, NULL });
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:d:ynqh", longopts, NULL)) != -1) {
		if ((rc = kd_cli_engine_opt(&a.eopts, c, optarg, CMD)) == 0)
			continue;
		if (rc == KD_EXIT_ERROR)
			return KD_EXIT_ERROR;
		switch (c) {
		case 'm': a.reason = optarg; break;
		case 'T': a.ticket = optarg; break;
		case 'd': a.duration = optarg; break;
		case 'y': a.yes = true; break;
		case 'n': a.dry = true; break;
		case 'V': a.revert_id = optarg; break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", CMD, NULL });
		case ':':
			return kd_cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option(CMD, argv[optind - 1]);
		}
	}
	kd_cli_engine_defaults(&a.eopts);
	if (strcmp(op, "start") == 0 || strcmp(op, "status") == 0 || strcmp(op, "end") == 0) {
		if (optind != argc)
			return kd_cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		if (strcmp(op, "start") == 0)
			return bg_start(&a);
		return strcmp(op, "status") == 0 ? bg_status(&a) : bg_end(&a);
	}
	if (strcmp(op, "followup") == 0 || strcmp(op, "follow-up") == 0) {
		if (optind != argc)
			return kd_cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		return bg_followup(&a);
	}
	if (a.revert_id)
		return kd_cli_usage_error(CMD, "--revert goes with `followup`");
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (strcmp(op, changes[i]) == 0)
			return bg_change(&a, op, argc - optind, argv + optind);
	return kd_cli_usage_error(CMD, "unknown break-glass command '%s'", op);
}
