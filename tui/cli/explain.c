/*
 * explain — `kdrift explain CLUSTER APP KIND/NAMESPACE/NAME [POINTER]`:
 * the chain of steps that set a field (or every field) of one rendered
 * object, oldest first, as text or as the JSON core builds
 * (core/compare/compare.h).  Renders from Git only: no cluster is read.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"
#include "compare/compare.h"
#include "fleet/fleet.h"
#include "source/source.h"

/* What a step knows beyond file, line and value. */
static void details(kd_buf *b, const json_t *e)
{
	static const char *const keys[] = { "variable", "from", "key", "parameter", "label",
					    "commit", NULL };
	bool any = false;
	size_t i;

	for (i = 0; keys[i]; i++) {
		const json_t *v = json_object_get(e, keys[i]);

		if (!json_is_string(v))
			continue;
		kd_buf_puts(b, any ? ", " : "  [");
		kd_buf_printf(b, "%s ", keys[i]);
		kd_cli_sanitize(b, json_string_value(v));
		any = true;
	}
	if (json_is_true(json_object_get(e, "accepted")) && !json_object_get(e, "commit"))
		kd_buf_puts(b, any ? ", accepted" : "  [accepted"), any = true;
	if (any)
		kd_buf_puts(b, "]");
}

static void field_text(kd_buf *b, const json_t *f, bool ascii)
{
	const json_t *chain = json_object_get(f, "chain"), *e;
	size_t i;

	kd_cli_sanitize(b, kd_json_str(f, "path"));
	kd_buf_puts(b, " = ");
	kd_compare_value_text(b, json_object_get(f, "value"), 0, ascii);
	kd_buf_puts(b, "\n");
	if (json_array_size(chain) == 0)
		kd_buf_puts(b, "  (no provenance recorded)\n");
	json_array_foreach(chain, i, e) {
		json_int_t line = json_integer_value(json_object_get(e, "line"));

		kd_buf_printf(b, "  %zu. ", i + 1);
		kd_cli_sanitize(b, kd_json_str(e, "file") && *kd_json_str(e, "file") ?
				kd_json_str(e, "file") : "(not from a file)");
		if (line > 0)
			kd_buf_printf(b, ":%lld", (long long)line);
		kd_buf_puts(b, "  ");
		kd_cli_sanitize(b, kd_json_str(e, "step"));
		kd_buf_puts(b, "  ");
		kd_compare_value_text(b, json_object_get(e, "value"), 0, ascii);
		details(b, e);
		kd_buf_puts(b, "\n");
	}
}

int kd_cli_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "revision", required_argument, NULL, 'R' },
		{ "worktree", no_argument, NULL, 'w' },
		{ "fleet", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *repo = kd_cli_default_repo(), *fleet_file = NULL, *pointer = NULL;
	kd_source_opts sopts = { 0 };
	kd_cli_object obj = { NULL, NULL, NULL };
	kd_source *src = NULL;
	kd_fleet *fleet = NULL;
	json_t *o = NULL, *prov = NULL, *doc = NULL;
	kd_buf b = KD_BUF_INIT;
	bool json = false;
	int c, rc = KD_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'R': sopts.revision = optarg; break;
		case 'w': sopts.worktree = true; break;
		case 'f': fleet_file = optarg; break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") != 0)
				return kd_cli_usage_error("explain", "unknown output format '%s'", optarg);
			break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "explain", NULL });
		case ':':
			return kd_cli_usage_error("explain", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("explain", argv[optind - 1]);
		}
	}
	if (argc - optind < 3 || argc - optind > 4)
		return kd_cli_usage_error("explain", "expected CLUSTER APP KIND/NAMESPACE/NAME [POINTER]");
	if (kd_cli_parse_object(&obj, argv[optind + 2]) < 0)
		return kd_cli_usage_error("explain", "%s", kd_error_last());
	pointer = argc - optind == 4 ? argv[optind + 3] : NULL;
	if (pointer && *pointer && *pointer != '/') {
		kd_cli_object_free(&obj);
		return kd_cli_usage_error("explain", "a POINTER is a JSON pointer such as /spec/replicas, not '%s'",
					  pointer);
	}
	if (kd_source_open(&src, repo, &sopts) < 0 ||
	    kd_fleet_load(&fleet, src, fleet_file) < 0 ||
	    kd_explain_object(&o, &prov, src, fleet, argv[optind], argv[optind + 1], obj.kind,
			      obj.namespace, obj.name) < 0 ||
	    kd_explain_json(&doc, o, prov, pointer) < 0) {
		rc = kd_cli_fail("explain");
		goto cleanup;
	}
	if (json) {
		if (kd_cli_print_json(doc, JSON_INDENT(2)) < 0)
			rc = kd_cli_fail("explain");
	} else {
		bool ascii = kd_cli_ascii();

		if (json_is_array(doc)) {
			size_t i;
			json_t *f;

			json_array_foreach(doc, i, f)
				field_text(&b, f, ascii);
		} else {
			field_text(&b, doc, ascii);
		}
		if (fwrite(kd_buf_cstr(&b), 1, b.len, stdout) != b.len)
			rc = KD_EXIT_ERROR;
	}
	if (fflush(stdout) != 0)
		rc = KD_EXIT_ERROR;
cleanup:
	kd_buf_free(&b);
	json_decref(doc);
	json_decref(o);
	json_decref(prov);
	kd_fleet_free(fleet);
	kd_source_free(src);
	kd_cli_object_free(&obj);
	return rc;
}
