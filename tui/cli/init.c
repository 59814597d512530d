/*
 * init — `kdrift init`: writes a first kdrift.yaml from what the repository
 * and the kubeconfig already say.
 *
 * Core (kd_fleet_init_new) examines the layout and makes the text; this
 * file only opens the repository and the kubeconfig, prints what core
 * found, guessed and could not map (sanitised: it is text from Git), and
 * writes the file atomically.  It never replaces an existing fleet file
 * without --force; --dry-run prints the file and writes nothing.
 */
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "kube/kube.h"
#include "source/source.h"

static bool remote(const char *location)
{
	return strstr(location, "://") || strncmp(location, "git@", 4) == 0;
}

static void print_list(FILE *f, const char *title, const json_t *list)
{
	const json_t *v;
	size_t i;

	if (!json_array_size(list))
		return;
	fprintf(f, "%s:\n", title);
	json_array_foreach(list, i, v) {
		fputs("  ", f);
		kd_cli_print_safe(f, json_string_value(v));
		fputc('\n', f);
	}
}

int kd_cli_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'F' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *repo = ".", *kubeconfig = NULL;
	kd_source_opts sopts = { .worktree = true };
	bool force = false, dry_run = false;
	kd_source *src = NULL;
	kd_kubeconfig *kc = NULL;
	kd_fleet_init *init = NULL;
	kd_buf path = KD_BUF_INIT;
	struct stat st;
	FILE *report;
	int c, rc = KD_EXIT_ERROR;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'k': kubeconfig = optarg; break;
		case 'F': force = true; break;
		case 'n': dry_run = true; break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "init", NULL });
		case ':':
			return kd_cli_usage_error("init", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("init", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return kd_cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
	if (remote(repo)) {
		fprintf(stderr, "kdrift: init: %s is not a local repository; clone it and run init there\n", repo);
		return KD_EXIT_ERROR;
	}
	if (kd_buf_printf(&path, "%s/kdrift.yaml", repo) < 0) {
		kd_error_set(KD_ENOMEM, "out of memory");
		return kd_cli_fail("init");
	}
	/* Refused before any work, so that nothing is examined for nothing. */
	if (!dry_run && !force && lstat(kd_buf_cstr(&path), &st) == 0) {
		fputs("kdrift: init: ", stderr);
		kd_cli_print_safe(stderr, kd_buf_cstr(&path));
		fputs(" exists; --force replaces it, --dry-run prints what would be written\n", stderr);
		goto cleanup;
	}
	/* The work tree: the layout as it is on disk, committed or not. */
	if (kd_source_open(&src, repo, &sopts) < 0 ||
	    kd_kubeconfig_load(&kc, kubeconfig) < 0 ||
	    kd_fleet_init_new(&init, src, kc) < 0) {
		rc = kd_cli_fail("init");
		goto cleanup;
	}
	/* With --dry-run the file goes to stdout and the report to stderr,
	 * so that `kdrift init --dry-run > FILE` keeps only the file. */
	report = dry_run ? stderr : stdout;
	print_list(report, "found", init->found);
	print_list(report, "guessed (marked in the file)", init->guessed);
	print_list(report, "not mapped", init->unmapped);
	if (dry_run) {
		fputs(init->yaml, stdout);
		fprintf(stderr, "kdrift.yaml: %zu cluster%s, %zu app%s (dry run: nothing written)\n",
			init->nclusters, init->nclusters == 1 ? "" : "s",
			init->napps, init->napps == 1 ? "" : "s");
		rc = KD_EXIT_OK;
		goto cleanup;
	}
	if (kd_fs_write_atomic(kd_buf_cstr(&path), init->yaml, strlen(init->yaml)) < 0) {
		rc = kd_cli_fail("init");
		goto cleanup;
	}
	/* A file of the repository, readable like the others (the atomic
	 * write makes it private first). */
	if (chmod(kd_buf_cstr(&path), 0644) != 0)
		fprintf(stderr, "kdrift: init: could not make the file readable to others\n");
	fputs("wrote ", stdout);
	kd_cli_print_safe(stdout, kd_buf_cstr(&path));
	printf(": %zu cluster%s, %zu app%s\n", init->nclusters, init->nclusters == 1 ? "" : "s",
	       init->napps, init->napps == 1 ? "" : "s");
	if (strcmp(kd_source_revision(src), "worktree") == 0)
		puts("kdrift reads the committed fleet file: commit it, or give --worktree");
	rc = KD_EXIT_OK;
cleanup:
	kd_fleet_init_free(init);
	kd_kubeconfig_free(kc);
	kd_source_free(src);
	kd_buf_free(&path);
	return rc;
}
