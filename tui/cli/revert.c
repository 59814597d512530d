/*
 * revert — `kdrift revert`: read one cluster, plan the revert of an app, an
 * object or some of its fields (kd_act_plan_revert in core/act/act.h), show
 * it, ask (confirm.c) and write each change with the version that was read
 * as a precondition.
 */
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "act/act.h"
#include "engine/engine.h"
#include "base/base.h"

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
	if (kd_act_plan_revert(&plan, st, &t, ra->prune, false) < 0) {
		rc = kd_cli_fail("revert");
		goto cleanup;
	}
	if ((rc = kd_cli_revert_preview(plan, st)) <= 0) {
		rc = rc < 0 ? kd_cli_fail("revert") : KD_EXIT_OK;
		goto cleanup;
	}
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
	rc = kd_cli_revert_report(plan, ra->dry);
	if (rc == KD_EXIT_DRIFT)
		fprintf(stderr, "kdrift: revert: some objects changed since they were read; "
			"nothing of theirs was overwritten: run the command again to see the "
			"current drift\n");
cleanup:
	kd_act_close(act);
	kd_remedy_plan_free(plan);
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
	while (rc < 0 && (c = getopt_long(argc, argv, ":p:ynqh", longopts, NULL)) != -1) {
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
			rc = kd_cli_unknown_option("revert", argv[optind - 1]);
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

