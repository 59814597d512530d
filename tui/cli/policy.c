/*
 * policy — `kdrift policy export`: admission policies that let only the
 * GitOps appliers, the break-glass group and Kubernetes' own controllers
 * change what the fleet manages (DESIGN §12).
 *
 * Core (core/prevent) renders the apps, finds the scope and writes the
 * policies; this file reads the options, opens the repository and the
 * fleet, prints the policies or writes them atomically to a file, and
 * tells on stderr what core noted (guessed resource names).
 */
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "prevent/prevent.h"
#include "source/source.h"

static int export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "revision", required_argument, NULL, 'R' },
		{ "worktree", no_argument, NULL, 'w' },
		{ "fleet", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "clusters", required_argument, NULL, 'c' },
		{ "audit", no_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *repo = kd_cli_default_repo(), *fleet_file = NULL, *format_name = NULL, *selector = NULL;
	const char *output = NULL;
	kd_source_opts sopts = { 0 };
	kd_prevent_format format;
	kd_prevent_scope *scope = NULL;
	kd_selector sel = { NULL, NULL };
	bool audit = false, have_sel = false;
	kd_source *src = NULL;
	kd_fleet *fleet = NULL;
	kd_buf text = KD_BUF_INIT;
	size_t i;
	int c, rc = KD_EXIT_ERROR;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'R': sopts.revision = optarg; break;
		case 'w': sopts.worktree = true; break;
		case 'f': fleet_file = optarg; break;
		case 'F': format_name = optarg; break;
		case 'c': selector = optarg; break;
		case 'A': audit = true; break;
		case 'o': output = optarg; break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "policy", NULL });
		case ':':
			return kd_cli_usage_error("policy", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("policy", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return kd_cli_usage_error("policy", "unexpected argument '%s'", argv[optind]);
	if (!format_name)
		return kd_cli_usage_error("policy", "export needs --format kyverno, gatekeeper or vap");
	if (kd_prevent_format_parse(&format, format_name) < 0)
		return kd_cli_usage_error("policy", "%s", kd_error_last());
	if (selector) {
		if (kd_selector_parse_text(&sel, selector) < 0)
			return kd_cli_usage_error("policy", "--clusters: %s", kd_error_last());
		have_sel = true;
	}
	if (kd_source_open(&src, repo, &sopts) < 0 ||
	    kd_fleet_load(&fleet, src, fleet_file) < 0 ||
	    kd_prevent_scope_new(&scope, src, fleet, have_sel ? &sel : NULL) < 0 ||
	    kd_prevent_export(&text, scope, format, audit) < 0) {
		rc = kd_cli_fail("policy export");
		goto cleanup;
	}
	for (i = 0; i < json_array_size(scope->notes); i++) {
		fputs("kdrift: policy export: note: ", stderr);
		kd_cli_print_safe(stderr, json_string_value(json_array_get(scope->notes, i)));
		fputc('\n', stderr);
	}
	if (!output) {
		if (fwrite(kd_buf_cstr(&text), 1, text.len, stdout) != text.len || fflush(stdout) != 0) {
			fprintf(stderr, "kdrift: policy export: cannot write the output\n");
			goto cleanup;
		}
	} else {
		if (kd_fs_write_atomic(output, kd_buf_cstr(&text), text.len) < 0) {
			rc = kd_cli_fail("policy export");
			goto cleanup;
		}
		/* Manifests to commit or apply, like the repository's others. */
		if (chmod(output, 0644) != 0)
			fprintf(stderr, "kdrift: policy export: could not make the file readable to others\n");
		fprintf(stderr, "kdrift: policy export: wrote %s policies for %zu cluster%s, %zu namespace%s to ",
			kd_prevent_format_name(format), json_array_size(scope->clusters),
			json_array_size(scope->clusters) == 1 ? "" : "s",
			json_array_size(scope->namespaces),
			json_array_size(scope->namespaces) == 1 ? "" : "s");
		kd_cli_print_safe(stderr, output);
		fputc('\n', stderr);
	}
	rc = KD_EXIT_OK;
cleanup:
	kd_prevent_scope_free(scope);
	kd_fleet_free(fleet);
	kd_source_free(src);
	if (have_sel)
		kd_selector_free(&sel);
	kd_buf_free(&text);
	return rc;
}

int kd_cli_policy(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return export(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return kd_cli_main(3, (char *[]){ "kdrift", "help", "policy", NULL });
	if (argc < 2)
		return kd_cli_usage_error("policy", "expected a subcommand: export");
	return kd_cli_usage_error("policy", "unknown subcommand '%s' (export)", argv[1]);
}
