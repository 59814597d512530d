/*
 * accept — `kdrift accept`: commit a cluster's live values into its
 * own layer in Git, or with --to promote them into a shared layer
 * (kd_act_accept in core/act/act.h), after showing the file, the
 * kustomization line and, for a promote, every cluster whose desired state
 * changes, and asking.
 */
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "act/act.h"
#include "engine/engine.h"
#include "base/base.h"

typedef struct accept_args {
	const char *cluster, *app, *object, *reason, *author, *branch, *to;
	const char **paths;
	size_t npaths;
	bool yes, no_push, dry;
} accept_args;

static const char *kind_name(kd_accept_kind k)
{
	switch (k) {
	case KD_ACCEPT_ABSENT: return "the object as absent";
	case KD_ACCEPT_RESOURCE: return "the extra object as a resource";
	default: return "the live values";
	}
}

/* The kustomization lines that name the file (what was added there). */
static void print_kustomization_lines(const kd_accept_result *r)
{
	const char *base = r->file ? strrchr(r->file, '/') : NULL;
	const char *p = r->kustomization_text, *nl;
	bool any = false;

	base = base ? base + 1 : r->file;
	printf("--- ");
	kd_cli_print_safe(stdout, r->kustomization ? r->kustomization : "kustomization.yaml");
	printf("\n");
	while (base && p && *p) {
		nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		if (line && strstr(line, base)) {
			kd_cli_print_safe(stdout, line);
			printf("\n");
			any = true;
		}
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!any)
		printf("(unchanged)\n");
}

/* A promote's clusters whose desired state changes. */
static void print_affected(const kd_accept_result *r)
{
	size_t i;

	if (r->naffected == 0) {
		printf("no cluster's desired state changes\n");
		return;
	}
	printf("clusters whose desired state changes:\n");
	for (i = 0; i < r->naffected; i++) {
		printf("  ");
		kd_cli_print_safe(stdout, r->affected[i].cluster);
		printf(": %s\n", kd_promote_after_name(r->affected[i].after));
	}
}

static void print_preview(const kd_accept_result *r, const char *cluster, bool promote)
{
	if (promote)
		printf("promote %s of cluster ", kind_name(r->kind));
	else
		printf("accept %s into the layer of cluster ", kind_name(r->kind));
	kd_cli_print_safe(stdout, cluster);
	printf(promote ? " into the shared layer " : ": ");
	kd_cli_print_safe(stdout, r->layer ? r->layer : "?");
	printf("\n--- ");
	kd_cli_print_safe(stdout, r->file ? r->file : "?");
	printf("\n");
	kd_cli_print_text(stdout, r->file_text);
	print_kustomization_lines(r);
	if (promote)
		print_affected(r);
	printf("branch: ");
	kd_cli_print_safe(stdout, r->branch ? r->branch : "?");
	printf("\n");
}

static int run_accept(kd_engine_opts *opts, const accept_args *aa)
{
	kd_act_accept_req req = { 0 };
	const kd_resource *res = NULL;
	const kd_app_state *app = NULL;
	kd_act_target t = { .app = aa->app };
	kd_cluster_state *st = NULL, **all = NULL;
	size_t nall = 0;
	kd_accept_result *preview = NULL, *done = NULL;
	kd_cli_object obj = { 0 };
	kd_engine *e = NULL;
	int rc;

	if (kd_cli_parse_object(&obj, aa->object) < 0)
		return kd_cli_usage_error("accept", "%s", kd_error_last());
	t.kind = obj.kind;
	t.namespace = obj.namespace;
	t.name = obj.name;
	if (aa->to) {
		/* Every cluster of the app: the preview says who will drift. */
		if ((rc = kd_cli_states_app(&e, &all, &nall, &st, opts, "accept", aa->cluster,
					    aa->app)) != KD_EXIT_OK)
			goto cleanup;
		kd_cluster_state_ref(st);
	} else if ((rc = kd_cli_reconcile(&e, &st, opts, "accept", aa->cluster, aa->app)) != KD_EXIT_OK) {
		goto cleanup;
	}
	rc = KD_EXIT_ERROR;
	if (kd_act_find(&app, &res, st, &t) < 0) {
		rc = kd_cli_fail("accept");
		goto cleanup;
	}
	if (res->status == KD_STATUS_SYNCED) {
		kd_buf what = KD_BUF_INIT;

		kd_remedy_describe(&what, res->kind, res->namespace, res->name);
		kd_cli_print_safe(stdout, kd_buf_cstr(&what));
		printf(" is synced: nothing to accept\n");
		kd_buf_free(&what);
		rc = KD_EXIT_OK;
		goto cleanup;
	}
	if (res->status == KD_STATUS_UNKNOWN) {
		kd_error_set(KD_EINVAL, "%s %s is unknown (%s): nothing to accept", res->kind,
			     res->name, res->reason ? res->reason : "no reason given");
		rc = kd_cli_fail("accept");
		goto cleanup;
	}
	req.repo = opts->repo ? opts->repo : ".";
	req.app = app->name;
	req.res = res;
	req.pointers = aa->paths;
	req.npointers = aa->npaths;
	req.reason = aa->reason;
	req.identity = aa->author;
	req.review_branch = aa->branch;
	req.no_push = aa->no_push;
	req.to = aa->to;
	req.states = all;
	req.nstates = nall;
	req.dry_run = true;
	if (kd_act_accept(&preview, st->fleet, st->name, &req) < 0) {
		rc = kd_cli_fail("accept");
		goto cleanup;
	}
	print_preview(preview, st->name, aa->to != NULL);
	fflush(stdout);
	if (aa->dry) {
		rc = KD_EXIT_OK;
		goto cleanup;
	}
	if ((rc = kd_cli_confirm("accept", st->fleet, st->name,
				 "commit this", aa->yes)) != KD_EXIT_OK)
		goto cleanup;
	kd_cli_test_hook();
	req.dry_run = false;
	if (kd_act_accept(&done, st->fleet, st->name, &req) < 0) {
		rc = kd_cli_fail("accept");
		goto cleanup;
	}
	printf("committed %s to branch ", done->commit);
	kd_cli_print_safe(stdout, done->branch ? done->branch : "?");
	printf("; %s", done->pushed ? "pushed" : "not pushed");
	if (done->attempts > 1)
		printf(" (after %u attempts: the remote moved)", done->attempts);
	printf("\n");
	if (aa->to && done->naffected) {
		size_t i, drift = 0;

		for (i = 0; i < done->naffected; i++)
			drift += done->affected[i].after != KD_PROMOTE_SYNCED;
		printf("%zu cluster%s changed in Git, %zu of them drifting until synced\n",
		       done->naffected, done->naffected == 1 ? "" : "s", drift);
	}
	if (done->note) {
		printf("note: ");
		kd_cli_print_safe(stdout, done->note);
		printf("\n");
	}
	rc = KD_EXIT_OK;
cleanup:
	kd_accept_result_free(preview);
	kd_accept_result_free(done);
	kd_cli_object_free(&obj);
	kd_cluster_state_unref(st);
	kd_cli_states_free(all, nall);
	kd_engine_free(e);
	return rc;
}

int kd_cli_accept(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "path", required_argument, NULL, 'p' },
		{ "reason", required_argument, NULL, 'm' },
		{ "branch", required_argument, NULL, 'b' },
		{ "author", required_argument, NULL, 'A' },
		{ "no-push", no_argument, NULL, 'N' },
		{ "to", required_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_engine_opts opts = { 0 };
	accept_args aa = { 0 };
	int c, rc = -1;

	aa.paths = calloc((size_t)argc, sizeof(*aa.paths));
	if (!aa.paths) {
		kd_error_set(KD_ENOMEM, "out of memory");
		return kd_cli_fail("accept");
	}
	optind = 1;
	opterr = 0;
	while (rc < 0 && (c = getopt_long(argc, argv, ":p:m:b:ynqh", longopts, NULL)) != -1) {
		int r = kd_cli_engine_opt(&opts, c, optarg, "accept");

		if (r == 0)
			continue;
		if (r == KD_EXIT_ERROR) {
			rc = KD_EXIT_ERROR;
			break;
		}
		switch (c) {
		case 'p':
			if (optarg[0] != '/' && optarg[0] != '\0')
				rc = kd_cli_usage_error("accept", "--path takes a JSON pointer "
							"such as /spec/replicas, not '%s'", optarg);
			else
				aa.paths[aa.npaths++] = optarg;
			break;
		case 'm': aa.reason = optarg; break;
		case 'b': aa.branch = optarg; break;
		case 'A': aa.author = optarg; break;
		case 'N': aa.no_push = true; break;
		case 'T':
			if (!optarg[0] || optarg[0] == '/')
				rc = kd_cli_usage_error("accept", "--to takes a layer's directory "
							"relative to the repository, such as "
							"overlays/production/web, not '%s'", optarg);
			else
				aa.to = optarg;
			break;
		case 'n': aa.dry = true; break;
		case 'y': aa.yes = true; break;
		case 'h':
			rc = kd_cli_main(3, (char *[]){ "kdrift", "help", "accept", NULL });
			break;
		case ':':
			rc = kd_cli_usage_error("accept", "option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			rc = kd_cli_unknown_option("accept", argv[optind - 1]);
			break;
		}
	}
	if (rc < 0 && argc - optind != 3)
		rc = kd_cli_usage_error("accept", "expected CLUSTER APP KIND/NAMESPACE/NAME");
	if (rc < 0 && (!aa.reason || !*aa.reason))
		rc = kd_cli_usage_error("accept", "--reason is required: say why these values "
					"are intentional (it goes into the commit)");
	if (rc < 0) {
		aa.cluster = argv[optind];
		aa.app = argv[optind + 1];
		aa.object = argv[optind + 2];
		rc = run_accept(&opts, &aa);
	}
	free(aa.paths);
	return rc;
}
