/*
 * breakglass — `kdrift breakglass start|status|edit|scale|set-image|
 * restart|delete|end` (kd_act_* and kd_breakglass_* of core/act/act.h).
 *
 * Every change is refused outside an active session (checked before
 * anything is read and again, against the state file, by the write).  Edits
 * go through $EDITOR on a sanitised copy of the live object: server fields
 * dropped, Secret values masked; a masked value that comes back changed is
 * refused, because the editor never saw the real one.
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
#include "render/render.h"
#include "source/source.h"
#include "data/data.h"

#define CMD "breakglass"

typedef struct bg_args {
	const char *reason, *ticket, *duration, *kubeconfig;
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

/* The repository read to name each changed object's app in the follow-up
 * commands; NULL members when it cannot be read (the commands then say APP). */
typedef struct app_finder {
	kd_source *src;
	kd_fleet *fleet;
} app_finder;

static void app_finder_open(app_finder *f, const kd_engine_opts *o)
{
	kd_source_opts so = { .revision = o->revision, .worktree = o->worktree };

	memset(f, 0, sizeof(*f));
	if (kd_source_open(&f->src, o->repo ? o->repo : ".", &so) < 0 ||
	    kd_fleet_load(&f->fleet, f->src, o->fleet_file ? o->fleet_file : "kdrift.yaml") < 0) {
		kd_fleet_free(f->fleet);
		kd_source_free(f->src);
		memset(f, 0, sizeof(*f));
	}
}

static void app_finder_close(app_finder *f)
{
	kd_fleet_free(f->fleet);
	kd_source_free(f->src);
}

/* The app of the cluster whose rendered objects include the record's
 * object, or "APP" when none does (or Git cannot be read). */
static const char *app_of(app_finder *f, const kd_audit_record *r)
{
	const kd_cluster *cl = f->fleet && r->cluster ? kd_fleet_cluster(f->fleet, r->cluster) : NULL;
	kd_object_id want;
	size_t i, j;

	kd_object_id_of_ref(&want, json_object_get(r->json, "object"));

	for (i = 0; cl && i < f->fleet->napps; i++) {
		const kd_app *app = &f->fleet->apps[i];
		json_t *objs = NULL, *obj;
		bool found = false;

		if (!kd_fleet_app_targets(app, cl) ||
		    kd_render_app(&objs, f->src, f->fleet, cl, app) < 0)
			continue;
		json_array_foreach(objs, j, obj) {
			kd_object_id rendered;

			kd_object_id_of(&rendered, obj);
			if (kd_object_id_equal(&rendered, &want)) {
				found = true;
				break;
			}
		}
		json_decref(objs);
		if (found)
			return app->name;
	}
	return "APP";
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
static void print_open(const kd_audit_list *open, const char *intro, app_finder *apps)
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
				printf(" %s (audit %s)", c->action ? c->action : "?", c->id ? c->id : "?");
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
		printf("\n      or leave it: `kdrift check` keeps flagging it '!' and self-heal "
		       "leaves it alone until then\n");
	}
	kd_buf_free(&obj);
}

/* print_open, naming apps from the repository the options point at. */
static void print_follow_up(const kd_audit_list *open, const char *intro,
			    const kd_engine_opts *o)
{
	app_finder apps;

	if (!open || open->count == 0)
		return;
	app_finder_open(&apps, o);
	print_open(open, intro, &apps);
	app_finder_close(&apps);
}

/* ---- sessions ------------------------------------------------------------------- */

static int load_fleet(kd_engine **e, bg_args *a)
{
	a->eopts.statuses_only = true;
	if (kd_engine_new(e, &a->eopts) < 0)
		return kd_cli_fail(CMD);
	return KD_EXIT_OK;
}

static int bg_start(bg_args *a)
{
	kd_breakglass_opts bo = { 0 };
	kd_breakglass_session *s = NULL;
	kd_audit_list *open = NULL;
	kd_engine *e = NULL;
	long dur = 0;
	int rc;

	if (!a->reason || !*a->reason)
		return kd_cli_usage_error(CMD, "start needs --reason: say why manual changes are needed");
	if (a->duration && kd_duration_parse_seconds(&dur, a->duration, 0) < 0)
		return kd_cli_usage_error(CMD, "--duration: %s", kd_error_last());
	if ((rc = load_fleet(&e, a)) != KD_EXIT_OK)
		return rc;
	if (kd_breakglass_start(&s, &open, &bo, a->reason, a->ticket, dur,
				kd_engine_fleet(e)->breakglass_max_seconds, kd_time_now_ms()) < 0) {
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
	kd_engine_free(e);
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

	if (kd_breakglass_end(&open, &bo) < 0)
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

static int run_editor(const char *path)
{
	const char *ed = getenv("EDITOR");
	pid_t pid;
	int st;

	if (!ed || !*ed)
		ed = "vi";
	pid = fork();
	if (pid < 0)
		return kd_error_set(KD_EIO, "cannot start the editor: %s", strerror(errno));
	if (pid == 0) {
		/* Through the shell, so EDITOR may carry arguments ("code -w"). */
		execl("/bin/sh", "sh", "-c", "exec $KD_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return kd_error_set(KD_EIO, "waiting for the editor: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return kd_error_set(KD_ERROR, "the editor (%s) failed; nothing was changed", ed);
	return 0;
}

static void strip_for_edit(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");

	json_object_del(obj, "status");
	json_object_del(md, "managedFields");
}

static int secret_edited(void)
{
	return kd_error_set(KD_EINVAL, "Secret values cannot be edited in break-glass (they "
			    "were masked); change them with a tool that sees them; nothing was "
			    "changed");
}

/* The masked values must come back untouched; they are then replaced by the
 * live ones, so the edit never writes a mask.  kubectl's last-applied
 * annotation holds a copy of the values and is masked too: it may stay or
 * go, not change. */
static int restore_secret(json_t *edited, const json_t *shown, const json_t *live)
{
	static const char *const keys[] = { "data", "stringData" };
	const char *la = "kubectl.kubernetes.io/last-applied-configuration";
	json_t *ann = json_object_get(json_object_get(edited, "metadata"), "annotations");
	json_t *got;
	size_t i;

	for (i = 0; i < 2; i++) {
		json_t *want = json_object_get(shown, keys[i]);

		got = json_object_get(edited, keys[i]);
		if (!(want ? got && json_equal(want, got) : !got))
			return secret_edited();
		if (want && json_object_set(edited, keys[i], json_object_get(live, keys[i])) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	got = json_object_get(ann, la);
	if (!got)
		return 0;
	if (!json_equal(got, json_object_get(json_object_get(json_object_get(shown, "metadata"),
							     "annotations"), la)))
		return secret_edited();
	if (json_object_set(ann, la, json_object_get(json_object_get(json_object_get(live, "metadata"),
								     "annotations"), la)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* Edits a sanitised copy; *out is the object to apply (Secret values put
 * back from live), or NULL when the operator changed nothing. */
static int edit_object(json_t **out, const json_t *live)
{
	json_t *shown = NULL, *edited = NULL;
	kd_buf text = KD_BUF_INIT, back = KD_BUF_INIT;
	const char *kind = json_string_value(json_object_get(live, "kind"));
	bool secret = kind && strcmp(kind, "Secret") == 0;
	const char *tmp = getenv("TMPDIR");
	char path[4096] = "";
	bool made = false;
	int fd = -1, rc;

	*out = NULL;
	if ((rc = kd_audit_mask_secret(&shown, live, kind)) < 0)
		return rc;
	strip_for_edit(shown);
	rc = kd_buf_puts(&text, "# Break-glass edit: save to apply (after confirmation), or quit\n"
			 "# without saving to change nothing.  Status and managedFields are not\n"
			 "# editable; Secret values are masked and may not be changed here.\n");
	if (rc == 0)
		rc = kd_yaml_emit(&text, shown);
	if (rc < 0)
		goto cleanup;
	snprintf(path, sizeof(path), "%s/kdrift-edit-XXXXXX.yaml", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemps(path, 5);
	if (fd < 0) {
		rc = kd_error_set(KD_EIO, "cannot create a file to edit in: %s", strerror(errno));
		goto cleanup;
	}
	made = true;
	if (write(fd, kd_buf_cstr(&text), text.len) != (ssize_t)text.len || close(fd) < 0) {
		fd = -1;
		rc = kd_error_set(KD_EIO, "cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (setenv("KD_EDITOR", getenv("EDITOR") && *getenv("EDITOR") ? getenv("EDITOR") : "vi", 1) < 0 ||
	    (rc = run_editor(path)) < 0 ||
	    (rc = kd_buf_read_file(&back, path, 16u << 20)) < 0)
		goto cleanup;
	if (back.len == text.len && memcmp(back.data, text.data, text.len) == 0)
		goto cleanup;   /* unchanged: *out stays NULL */
	if ((rc = kd_yaml_parse_one(&edited, NULL, kd_buf_cstr(&back), back.len, path, NULL)) < 0)
		goto cleanup;
	if (!json_is_object(edited)) {
		rc = kd_error_set(KD_EINVAL, "%s: the edited text is not one object; nothing was changed", path);
		goto cleanup;
	}
	if (secret && (rc = restore_secret(edited, shown, live)) < 0)
		goto cleanup;
	*out = edited;
	edited = NULL;
cleanup:
	if (made)
		unlink(path);
	json_decref(shown);
	json_decref(edited);
	kd_buf_free(&text);
	kd_buf_free(&back);
	return rc;
}

static int plan_change(kd_breakglass_change **ch, const char *op, const char *cluster,
		       const json_t *live, int nargs, char **args)
{
	json_t *edited = NULL;
	int rc;

	*ch = NULL;
	if (strcmp(op, "edit") == 0) {
		if ((rc = edit_object(&edited, live)) < 0)
			return rc;
		if (!edited)
			return 1;   /* nothing changed */
		rc = kd_breakglass_plan_edit(ch, cluster, live, edited);
		json_decref(edited);
		return rc;
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
	kd_engine *e = NULL;
	kd_act *act = NULL;
	json_t *live = NULL;
	char api[128];
	int rc;

	if (argc < 2)
		return kd_cli_usage_error(CMD, "%s needs CLUSTER KIND/NAMESPACE/NAME", op);
	if (kd_cli_parse_object(&obj, argv[1]) < 0)
		return kd_cli_usage_error(CMD, "%s", kd_error_last());
	if (!(ki = find_kind(obj.kind))) {
		kd_cli_object_free(&obj);
		kd_error_set(KD_EUNSUPPORTED, "break-glass changes are for built-in kinds; '%s' is not one", argv[1]);
		return kd_cli_fail(CMD);
	}
	if (kd_breakglass_require(&s, NULL, kd_time_now_ms()) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	if ((rc = load_fleet(&e, a)) != KD_EXIT_OK)
		goto cleanup;
	rc = KD_EXIT_ERROR;
	snprintf(api, sizeof(api), "%s%s%s", ki->group, *ki->group ? "/" : "", ki->version);
	if (kd_act_open(&act, kd_engine_fleet(e), argv[0], &ao) < 0 ||
	    kd_act_get(&live, act, api, ki->kind, obj.namespace, obj.name) < 0) {
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
	if (!a->dry && (rc = kd_cli_confirm(CMD, kd_engine_fleet(e), argv[0],
					    "apply this break-glass change", a->yes)) != KD_EXIT_OK)
		goto cleanup;
	if (!a->dry)
		kd_cli_test_hook();
	if (kd_act_breakglass_apply(act, ch, a->dry) < 0) {
		rc = kd_error_last_code() == KD_ECONFLICT ? KD_EXIT_DRIFT : KD_EXIT_ERROR;
		fprintf(stderr, "kdrift: %s: %s\n", CMD, kd_error_last());
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
	kd_breakglass_change_free(ch);
	kd_breakglass_session_free(s);
	json_decref(live);
	kd_act_close(act);
	kd_engine_free(e);
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const changes[] = { "edit", "scale", "set-image", "restart", "delete" };
	bg_args a = { 0 };
	const char *op;
	size_t i;
	int c, rc;

	if (argc < 2)
		return kd_cli_usage_error(CMD, "expected start, status, end or a change");
	op = argv[1];
	if (strcmp(op, "--help") == 0 || strcmp(op, "-h") == 0 || strcmp(op, "help") == 0)
		return kd_cli_main(3, (char *[]){ "kdrift", "help", CMD, NULL });
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:d:ynh", longopts, NULL)) != -1) {
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
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", CMD, NULL });
		case ':':
			return kd_cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(op, "start") == 0 || strcmp(op, "status") == 0 || strcmp(op, "end") == 0) {
		if (optind != argc)
			return kd_cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		if (strcmp(op, "start") == 0)
			return bg_start(&a);
		return strcmp(op, "status") == 0 ? bg_status(&a) : bg_end(&a);
	}
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (strcmp(op, changes[i]) == 0)
			return bg_change(&a, op, argc - optind, argv + optind);
	return kd_cli_usage_error(CMD, "unknown break-glass command '%s'", op);
}
