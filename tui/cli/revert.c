/*
 * revert — `kdrift revert`, and what revert, accept and break-glass
 * share on the command line: object specs, confirmation and the reconcile
 * of one cluster.
 *
 * Confirmation is asked on the terminal; a production cluster (label
 * env=production, or a policy that only alerts) asks for the cluster's
 * name to be typed.  Without a terminal nothing is changed unless --yes was
 * given: a script must say so explicitly.
 */
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/act.h"
#include "engine/engine.h"
#include "base/base.h"

/* ---- shared helpers ----------------------------------------------------------- */

void kd_cli_print_text(FILE *f, const char *text)
{
	const char *p = text ? text : "", *nl;
	kd_buf line = KD_BUF_INIT;

	/* Line by line, so newlines stay newlines and everything else that
	 * could drive the terminal is shown inert. */
	while (*p) {
		nl = strchr(p, '\n');
		kd_buf_clear(&line);
		if (kd_buf_add(&line, p, nl ? (size_t)(nl - p) : strlen(p)) < 0)
			break;
		kd_cli_print_safe(f, kd_buf_cstr(&line));
		fputc('\n', f);
		if (!nl)
			break;
		p = nl + 1;
	}
	kd_buf_free(&line);
}

int kd_cli_parse_object(kd_cli_object *o, const char *spec)
{
	const char *s1 = strchr(spec, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	memset(o, 0, sizeof(*o));
	if (!s1 || s1 == spec || !s1[1] || (s2 && (!s2[1] || strchr(s2 + 1, '/'))))
		return kd_error_set(KD_EINVAL, "an object is KIND/NAMESPACE/NAME (or KIND/NAME "
				    "for a cluster-scoped one), not '%s'", spec);
	o->kind = strndup(spec, (size_t)(s1 - spec));
	if (s2) {
		o->namespace = strndup(s1 + 1, (size_t)(s2 - s1 - 1));
		o->name = strdup(s2 + 1);
	} else {
		o->namespace = strdup("");
		o->name = strdup(s1 + 1);
	}
	if (!o->kind || !o->namespace || !o->name) {
		kd_cli_object_free(o);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

void kd_cli_object_free(kd_cli_object *o)
{
	free(o->kind);
	free(o->namespace);
	free(o->name);
	memset(o, 0, sizeof(*o));
}

static bool is_production(const kd_fleet *fleet, const char *cluster)
{
	const kd_cluster *c = fleet ? kd_fleet_cluster(fleet, cluster) : NULL;
	const kd_policy *p;
	const char *env;

	if (!c)
		return true;   /* unknown: be careful */
	env = json_string_value(json_object_get(c->labels, "env"));
	if (env && strcmp(env, "production") == 0)
		return true;
	p = kd_fleet_policy(fleet, c);
	return p && p->remediation == KD_REMEDIATION_ALERT;
}

static char *read_answer(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

int kd_cli_confirm(const char *cmd, const kd_fleet *fleet, const char *cluster,
		   const char *what, bool yes)
{
	bool prod = is_production(fleet, cluster);
	char *ans;
	int rc;

	if (yes)
		return KD_EXIT_OK;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "kdrift: %s: not confirmed: no terminal to ask on; nothing was "
			"changed (pass --yes to go ahead without asking)\n", cmd);
		return KD_EXIT_ERROR;
	}
	if (prod) {
		fprintf(stderr, "Cluster ");
		kd_cli_print_safe(stderr, cluster);
		fprintf(stderr, " is a production cluster.  Type its name to %s: ", what);
	} else {
		fprintf(stderr, "%s on cluster ", what);
		kd_cli_print_safe(stderr, cluster);
		fprintf(stderr, "? [y/N] ");
	}
	fflush(stderr);
	ans = read_answer();
	/* Declining is exit 2, not 1: revert's 1 means "changed meanwhile". */
	if (!ans)
		rc = KD_EXIT_ERROR;
	else if (prod)
		rc = strcmp(ans, cluster) == 0 ? KD_EXIT_OK : KD_EXIT_ERROR;
	else
		rc = (strcmp(ans, "y") == 0 || strcmp(ans, "yes") == 0) ? KD_EXIT_OK : KD_EXIT_ERROR;
	free(ans);
	if (rc != KD_EXIT_OK)
		fprintf(stderr, "kdrift: %s: not confirmed; nothing was changed\n", cmd);
	return rc;
}

void kd_cli_test_hook(void)
{
	/* Test hook: a shell command run after confirmation and just before
	 * the first write, so a test can change the object in between
	 * deterministically (the 409 path).  Never set in production. */
	const char *cmd = getenv("KDRIFT_TEST_BEFORE_WRITE");

	if (cmd && *cmd && system(cmd) != 0)
		fprintf(stderr, "kdrift: test hook failed: %s\n", cmd);
}

int kd_cli_reconcile(kd_engine **out, kd_cluster_state **st, kd_engine_opts *opts,
		     const char *cmd, const char *cluster, const char *app)
{
	const char *names[2] = { cluster, NULL };
	kd_engine *e = NULL;

	*out = NULL;
	*st = NULL;
	opts->clusters = names;
	opts->app = app;
	opts->statuses_only = false;
	if (kd_engine_new(&e, opts) < 0 || kd_engine_run_once(e) < 0) {
		kd_engine_free(e);
		opts->clusters = NULL;
		return kd_cli_fail(cmd);
	}
	opts->clusters = NULL;
	if (kd_store_cluster_count(kd_engine_store(e)) == 0) {
		kd_engine_free(e);
		if (app)
			kd_error_set(KD_ENOTFOUND, "app '%s' is not deployed to cluster '%s'",
				     app, cluster);
		else
			kd_error_set(KD_ENOTFOUND, "the fleet has no cluster '%s'", cluster);
		return kd_cli_fail(cmd);
	}
	*st = kd_store_get(kd_engine_store(e), 0);
	if (!*st) {
		kd_engine_free(e);
		kd_error_set(KD_ERROR, "no result for cluster %s", cluster);
		return kd_cli_fail(cmd);
	}
	if ((*st)->reason) {
		fprintf(stderr, "kdrift: %s: cluster ", cmd);
		kd_cli_print_safe(stderr, (*st)->name);
		fprintf(stderr, " is unknown: ");
		kd_cli_print_safe(stderr, (*st)->reason);
		fprintf(stderr, "\n");
		kd_cluster_state_unref(*st);
		*st = NULL;
		kd_engine_free(e);
		return KD_EXIT_ERROR;
	}
	*out = e;
	return KD_EXIT_OK;
}

/* ---- revert ----------------------------------------------------------------------- */

static const char *verb(const kd_remedy_action *a, bool dry)
{
	switch (a->kind) {
	case KD_REMEDY_CREATE: return dry ? "would create" : "created";
	case KD_REMEDY_PRUNE: return dry ? "would prune" : "pruned";
	default: return dry ? "would revert" : "reverted";
	}
}

/* Prints each action's outcome; returns the exit status they add up to. */
static int report(const kd_remedy_plan *plan, bool dry)
{
	bool conflict = false, failed = false;
	kd_buf what = KD_BUF_INIT;
	size_t i;

	for (i = 0; i < plan->nactions; i++) {
		const kd_remedy_action *a = &plan->actions[i];

		kd_buf_clear(&what);
		kd_remedy_describe(&what, a->kind_name, a->namespace, a->name);
		if (a->done && a->error == 0) {
			printf("%s %s", verb(a, dry), kd_buf_cstr(&what));
			if (a->kind == KD_REMEDY_PATCH)
				printf(" (%zu field%s)", a->nfields, a->nfields == 1 ? "" : "s");
			if (a->rv_after && !dry)
				printf(", resourceVersion %s", a->rv_after);
			if (a->audit_id[0])
				printf(", audit %s", a->audit_id);
			printf("\n");
			continue;
		}
		if (a->error == KD_ECONFLICT)
			conflict = true;
		else
			failed = true;
		printf("FAILED %s: ", kd_buf_cstr(&what));
		kd_cli_print_safe(stdout, a->message ? a->message :
				  a->done ? "failed" : "not attempted");
		printf("\n");
	}
	kd_buf_free(&what);
	if (failed)
		return KD_EXIT_ERROR;
	return conflict ? KD_EXIT_DRIFT : KD_EXIT_OK;
}

static bool plan_prunes(const kd_remedy_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nactions; i++)
		if (plan->actions[i].kind == KD_REMEDY_PRUNE)
			return true;
	return false;
}

typedef struct revert_args {
	const char *cluster, *app, *object, *reason, *ticket;
	const char **paths;
	size_t npaths;
	bool yes, dry, prune;
} revert_args;

static int run_revert(kd_engine_opts *opts, const revert_args *ra)
{
	kd_act_target t = { .app = ra->app, .pointers = ra->paths, .npointers = ra->npaths };
	kd_act_opts ao = { .kubeconfig = opts->kubeconfig };
	kd_act_revert_opts ro = { .reason = ra->reason, .ticket = ra->ticket };
	kd_cluster_state *st = NULL;
	kd_remedy_plan *plan = NULL;
	kd_cli_object obj = { 0 };
	kd_buf preview = KD_BUF_INIT;
	kd_engine *e = NULL;
	kd_act *act = NULL;
	int rc;

	if (ra->object) {
		if (kd_cli_parse_object(&obj, ra->object) < 0)
			return kd_cli_usage_error("revert", "%s", kd_error_last());
		t.kind = obj.kind;
		t.namespace = obj.namespace;
		t.name = obj.name;
	}
	if ((rc = kd_cli_reconcile(&e, &st, opts, "revert", ra->cluster, ra->app)) != KD_EXIT_OK)
		goto cleanup;
	if (ra->prune && !st->prune)
		fprintf(stderr, "kdrift: revert: cluster %s: its policy does not allow prune; "
			"extra objects stay\n", st->name);
	rc = KD_EXIT_ERROR;
	if (kd_act_plan_revert(&plan, st, &t, ra->prune, false) < 0 ||
	    kd_act_preview(&preview, plan) < 0) {
		rc = kd_cli_fail("revert");
		goto cleanup;
	}
	kd_cli_print_text(stdout, kd_buf_cstr(&preview));
	if (plan->nactions == 0) {
		printf("nothing to revert\n");
		rc = KD_EXIT_OK;
		goto cleanup;
	}
	fflush(stdout);
	if (!ra->dry && (rc = kd_cli_confirm("revert", st->fleet, st->name,
					     "revert", ra->yes)) != KD_EXIT_OK)
		goto cleanup;
	if (kd_act_open(&act, st->fleet, st->name, &ao) < 0) {
		rc = kd_cli_fail("revert");
		goto cleanup;
	}
	ro.dry_run = ra->dry;
	ro.confirm_prune = ra->prune && plan_prunes(plan);
	if (!ra->dry)
		kd_cli_test_hook();
	(void)kd_act_revert(act, plan, &ro);
	rc = report(plan, ra->dry);
	if (rc == KD_EXIT_DRIFT)
		fprintf(stderr, "kdrift: revert: some objects changed since they were read; "
			"nothing of theirs was overwritten: run the command again to see the "
			"current drift\n");
cleanup:
	kd_act_close(act);
	kd_remedy_plan_free(plan);
	kd_buf_free(&preview);
	kd_cli_object_free(&obj);
	kd_cluster_state_unref(st);
	kd_engine_free(e);
	return rc;
}

int kd_cli_revert(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "path", required_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "prune", no_argument, NULL, 'P' },
		{ "reason", required_argument, NULL, 'm' },
		{ "ticket", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_engine_opts opts = { 0 };
	revert_args ra = { 0 };
	int c, rc;

	ra.paths = calloc((size_t)argc, sizeof(*ra.paths));
	if (!ra.paths) {
		kd_error_set(KD_ENOMEM, "out of memory");
		return kd_cli_fail("revert");
	}
	optind = 1;
	opterr = 0;
	rc = -1;
	while (rc < 0 && (c = getopt_long(argc, argv, ":p:ynh", longopts, NULL)) != -1) {
		int r = kd_cli_engine_opt(&opts, c, optarg, "revert");

		if (r == 0)
			continue;
		if (r == KD_EXIT_ERROR) {
			rc = KD_EXIT_ERROR;
			break;
		}
		switch (c) {
		case 'p':
			if (optarg[0] != '/' && optarg[0] != '\0') {
				rc = kd_cli_usage_error("revert", "--path takes a JSON pointer "
							"such as /spec/replicas, not '%s'", optarg);
				break;
			}
			ra.paths[ra.npaths++] = optarg;
			break;
		case 'y': ra.yes = true; break;
		case 'n': ra.dry = true; break;
		case 'P': ra.prune = true; break;
		case 'm': ra.reason = optarg; break;
		case 'T': ra.ticket = optarg; break;
		case 'h':
			rc = kd_cli_main(3, (char *[]){ "kdrift", "help", "revert", NULL });
			break;
		case ':':
			rc = kd_cli_usage_error("revert", "option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			rc = kd_cli_usage_error("revert", "unknown option '%s'", argv[optind - 1]);
			break;
		}
	}
	if (rc < 0 && (argc - optind < 2 || argc - optind > 3))
		rc = kd_cli_usage_error("revert", "expected CLUSTER APP [KIND/NAMESPACE/NAME]");
	if (rc < 0 && ra.npaths > 0 && argc - optind < 3)
		rc = kd_cli_usage_error("revert", "--path needs an object (KIND/NAMESPACE/NAME)");
	if (rc < 0) {
		ra.cluster = argv[optind];
		ra.app = argv[optind + 1];
		ra.object = argc - optind > 2 ? argv[optind + 2] : NULL;
		rc = run_revert(&opts, &ra);
	}
	free(ra.paths);
	return rc;
}

/* ---- check --heal ----------------------------------------------------------------------- */

static void print_heal_cluster(const kd_heal_cluster *hc)
{
	kd_buf what = KD_BUF_INIT;
	size_t i, n = 0;

	if (hc->error) {
		fprintf(stderr, "heal: cluster ");
		kd_cli_print_safe(stderr, hc->name);
		fprintf(stderr, ": not healed: ");
		kd_cli_print_safe(stderr, hc->message ? hc->message : "unknown");
		fprintf(stderr, "\n");
		return;
	}
	if (hc->remediation == KD_REMEDIATION_SELFHEAL) {
		for (i = 0; hc->plan && i < hc->plan->nactions; i++) {
			const kd_remedy_action *a = &hc->plan->actions[i];

			kd_buf_clear(&what);
			kd_remedy_describe(&what, a->kind_name, a->namespace, a->name);
			fprintf(stderr, "heal: %s: ", hc->name);
			if (a->done && a->error == 0) {
				fprintf(stderr, "self-heal %s %s\n", a->kind == KD_REMEDY_PRUNE ? "pruned" :
					a->kind == KD_REMEDY_CREATE ? "created" : "reverted",
					kd_buf_cstr(&what));
			} else {
				fprintf(stderr, "self-heal FAILED %s: ", kd_buf_cstr(&what));
				kd_cli_print_safe(stderr, a->message ? a->message : "not attempted");
				fprintf(stderr, "\n");
			}
		}
		for (i = 0; hc->plan && i < hc->plan->nskipped; i++) {
			if (strstr(hc->plan->skipped[i].reason, "already synced"))
				continue;
			fprintf(stderr, "heal: %s: left alone ", hc->name);
			kd_cli_print_safe(stderr, hc->plan->skipped[i].what);
			fprintf(stderr, ": ");
			kd_cli_print_safe(stderr, hc->plan->skipped[i].reason);
			fprintf(stderr, "\n");
		}
		kd_buf_free(&what);
		return;
	}
	for (i = 0; i < hc->nalerts; i++)
		n += hc->alerts[i].is_new;
	fprintf(stderr, "heal: %s: alert only: %zu object%s drifted, %zu new\n", hc->name,
		hc->nalerts, hc->nalerts == 1 ? "" : "s", n);
	for (i = 0; i < hc->nalerts; i++) {
		const kd_heal_alert *a = &hc->alerts[i];

		if (!a->is_new)
			continue;
		kd_buf_clear(&what);
		kd_remedy_describe(&what, a->kind, a->namespace, a->name);
		fprintf(stderr, "heal: %s: new: %s %s/", hc->name,
			kd_status_glyph(a->status, kd_cli_ascii()), a->app);
		kd_cli_print_safe(stderr, kd_buf_cstr(&what));
		fprintf(stderr, " %s\n", kd_status_name(a->status));
	}
	kd_buf_free(&what);
}

int kd_cli_heal(kd_engine *e, const char *kubeconfig, const char *webhook)
{
	kd_heal_opts ho = { .kubeconfig = kubeconfig, .webhook = webhook };
	kd_store *store = kd_engine_store(e);
	kd_fleet *fleet = kd_store_fleet(store);
	kd_heal_report *r = NULL;
	char *label = NULL, *rev = NULL;
	size_t i;
	int rc;

	kd_store_source(store, &label, &rev, NULL);
	ho.revision = rev;
	rc = kd_heal_run(&r, store, fleet, &ho);
	kd_fleet_free(fleet);
	free(label);
	free(rev);
	if (rc < 0)
		return kd_cli_fail("check --heal");
	for (i = 0; i < r->nclusters; i++)
		print_heal_cluster(&r->clusters[i]);
	if (r->webhooks_sent)
		fprintf(stderr, "heal: webhook: sent %zu summar%s of new drift\n", r->webhooks_sent,
			r->webhooks_sent == 1 ? "y" : "ies");
	if (r->webhook_error) {
		fprintf(stderr, "heal: ");
		kd_cli_print_safe(stderr, r->webhook_error);
		fprintf(stderr, " (the drift will be sent again next time)\n");
	}
	rc = r->failed || r->webhook_error ? KD_EXIT_ERROR : KD_EXIT_OK;
	/* What the report below shows is the fleet after healing. */
	if (r->healed && kd_engine_run_once(e) < 0)
		rc = kd_cli_fail("check --heal");
	kd_heal_report_free(r);
	return rc;
}
