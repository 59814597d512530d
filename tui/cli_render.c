/*
 * cli_render — `kdrift render` and `kdrift convert`: desired objects and
 * YAML/JSON conversion, printed as YAML streams or JSON arrays.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "fleet.h"
#include "render.h"
#include "source.h"
#include "yaml.h"

enum output_format { OUTPUT_YAML, OUTPUT_JSON };

static int parse_output(enum output_format *out, const char *cmd, const char *arg)
{
	if (strcmp(arg, "yaml") == 0)
		*out = OUTPUT_YAML;
	else if (strcmp(arg, "json") == 0)
		*out = OUTPUT_JSON;
	else
		return kd_cli_usage_error(cmd, "unknown output format '%s'", arg);
	return 0;
}

/* Prints a JSON array of documents as a YAML stream or a JSON array. */
static int print_documents(const json_t *docs, enum output_format format)
{
	kd_buf out = KD_BUF_INIT;
	int rc;

	if (format == OUTPUT_JSON) {
		char *text = json_dumps(docs, JSON_INDENT(2) | JSON_SORT_KEYS);

		if (!text)
			return kd_error_set(KD_ENOMEM, "out of memory");
		rc = puts(text) < 0 ? kd_error_set(KD_EIO, "cannot write output") : 0;
		free(text);
		return rc;
	}
	if ((rc = kd_yaml_emit_stream(&out, docs)) == 0 &&
	    fwrite(kd_buf_cstr(&out), 1, out.len, stdout) != out.len)
		rc = kd_error_set(KD_EIO, "cannot write output");
	kd_buf_free(&out);
	return rc;
}

static void list_names(kd_buf *b, const kd_fleet *fleet, bool clusters)
{
	size_t i, n = clusters ? fleet->nclusters : fleet->napps;

	for (i = 0; i < n && i < 20; i++)
		kd_buf_printf(b, "%s%s", i ? ", " : "",
			      clusters ? fleet->clusters[i].name : fleet->apps[i].name);
	if (n > 20)
		kd_buf_printf(b, ", ... (%zu in all)", n);
}

static int render_app(json_t **out, kd_source *src, const char *fleet_file,
		      const char *cluster_name, const char *app_name)
{
	kd_fleet *fleet = NULL;
	const kd_cluster *cluster;
	const kd_app *app;
	kd_buf names = KD_BUF_INIT;
	int rc;

	if ((rc = kd_fleet_load(&fleet, src, fleet_file)) < 0)
		return rc;
	cluster = kd_fleet_cluster(fleet, cluster_name);
	app = kd_fleet_app(fleet, app_name);
	if (!cluster) {
		list_names(&names, fleet, true);
		rc = kd_error_set(KD_ENOTFOUND, "%s has no cluster '%s' (clusters: %s)",
				  fleet->file, cluster_name, kd_buf_cstr(&names));
	} else if (!app) {
		list_names(&names, fleet, false);
		rc = kd_error_set(KD_ENOTFOUND, "%s has no app '%s' (apps: %s)",
				  fleet->file, app_name, kd_buf_cstr(&names));
	} else if (!kd_fleet_app_targets(app, cluster)) {
		rc = kd_error_set(KD_ENOTFOUND,
				  "app '%s' is not deployed to cluster '%s' (its cluster selector does not match)",
				  app_name, cluster_name);
	} else {
		rc = kd_render_app(out, src, fleet, cluster, app);
	}
	kd_buf_free(&names);
	kd_fleet_free(fleet);
	return rc;
}

/*
 * `render --dir DIR` is a drop-in for `kubectl kustomize DIR`, which may
 * reach kustomizations in parent directories.  The source root is therefore
 * the top of the Git work tree holding DIR (or "/" outside one); the
 * repository-root rule still applies there, and messages name paths relative
 * to it.
 */
static int open_dir_source(kd_source **src, char **rel, const char *dir)
{
	char *real = realpath(dir, NULL), *root = NULL;
	size_t n;
	int rc = 0;

	*src = NULL;
	*rel = NULL;
	if (!real)
		return kd_error_set(KD_ENOTFOUND, "%s: %s", dir, strerror(errno));
	if (!(root = strdup(real))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (;;) {
		kd_buf git = KD_BUF_INIT;
		struct stat st;
		char *slash;
		bool found;

		kd_buf_printf(&git, "%s/.git", root);
		found = stat(kd_buf_cstr(&git), &st) == 0;
		kd_buf_free(&git);
		if (found)
			break;
		slash = strrchr(root, '/');
		if (!slash || slash == root) {
			strcpy(root, "/");
			break;
		}
		*slash = '\0';
	}
	n = strcmp(root, "/") == 0 ? 1 : strlen(root) + (real[strlen(root)] == '/');
	if (!(*rel = strdup(real + n))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = kd_source_open_dir(src, root);
cleanup:
	free(real);
	free(root);
	return rc;
}

int kd_cli_render(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "revision", required_argument, NULL, 'R' },
		{ "fleet", required_argument, NULL, 'f' },
		{ "worktree", no_argument, NULL, 'w' },
		{ "dir", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *repo = ".", *fleet_file = "kdrift.yaml", *dir = NULL;
	kd_source_opts sopts = { 0 };
	enum output_format format = OUTPUT_YAML;
	kd_source *src = NULL;
	json_t *objs = NULL;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'R': sopts.revision = optarg; break;
		case 'f': fleet_file = optarg; break;
		case 'w': sopts.worktree = true; break;
		case 'd': dir = optarg; break;
		case 'o':
			if (parse_output(&format, "render", optarg))
				return KD_EXIT_ERROR;
			break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "render", NULL });
		case ':':
			return kd_cli_usage_error("render", "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return kd_cli_usage_error("render", "unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (dir) {
		if (optind != argc)
			return kd_cli_usage_error("render", "--dir takes no CLUSTER or APP");
		char *rel = NULL;

		if (open_dir_source(&src, &rel, dir) < 0)
			return kd_cli_fail("render");
		rc = kd_render_dir(&objs, src, rel, NULL);
		free(rel);
	} else {
		if (argc - optind != 2)
			return kd_cli_usage_error("render", "expected CLUSTER and APP");
		if (kd_source_open(&src, repo, &sopts) < 0)
			return kd_cli_fail("render");
		rc = render_app(&objs, src, fleet_file, argv[optind], argv[optind + 1]);
	}
	if (rc == 0)
		rc = print_documents(objs, format);
	json_decref(objs);
	kd_source_free(src);
	return rc < 0 ? kd_cli_fail("render") : KD_EXIT_OK;
}

int kd_cli_convert(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	enum output_format format = OUTPUT_JSON;
	const char *file = "-";
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		if (c == 'o') {
			if (parse_output(&format, "convert", optarg))
				return KD_EXIT_ERROR;
		} else {
			return kd_cli_usage_error("convert", "unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return kd_cli_usage_error("convert", "expected at most one FILE");
	if (argc - optind == 1)
		file = argv[optind];
	rc = kd_buf_read_file(&data, strcmp(file, "-") == 0 ? "/dev/stdin" : file, 0);
	if (rc == 0)
		rc = kd_yaml_parse(&docs, NULL, kd_buf_cstr(&data), data.len,
				   strcmp(file, "-") == 0 ? "<stdin>" : file, NULL);
	if (rc == 0)
		rc = print_documents(docs, format);
	json_decref(docs);
	kd_buf_free(&data);
	return rc < 0 ? kd_cli_fail("convert") : KD_EXIT_OK;
}
