/*
 * render — `kdrift render` and `kdrift convert`: desired objects and
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

#include "render/render.h"
#include "base/base.h"
#include "cli.h"
#include "fleet/fleet.h"
#include "source/source.h"
#include "data/data.h"

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

/* Options of `kdrift render` that reach past kd_render_app. */
typedef struct render_extra {
	json_t *cluster_objects;  /* --vars FILE: ConfigMaps/Secrets only in the cluster */
	bool strict;              /* --strict-substitution */
} render_extra;

/* Renders one app for one cluster; Flux apps go through kd_flux_render
 * when the Flux-only options are in use. */
static int render_one(json_t **out, kd_source *src, const kd_fleet *fleet,
		      const kd_cluster *cluster, const kd_app *app,
		      const render_extra *extra)
{
	kd_flux_opts fopts = { NULL, NULL, false };
	json_t *params = NULL;
	char *root = NULL;
	int rc;

	if (app->kind != KD_APP_FLUX || !extra ||
	    (!extra->cluster_objects && !extra->strict))
		return kd_render_app(out, src, fleet, cluster, app);
	fopts.cluster_objects = extra->cluster_objects;
	fopts.strict = extra->strict;
	if ((rc = kd_cluster_params(&params, cluster)) == 0 &&
	    (rc = kd_template_expand(&root, app->path, params)) == 0)
		rc = kd_flux_render(out, src, root, &fopts);
	if (rc < 0)
		kd_error_wrap(rc, "cluster '%s', app '%s': ", cluster->name, app->name);
	json_decref(params);
	free(root);
	return rc;
}

/* APP may also name one Application an ApplicationSet app generates for
 * the cluster.  KD_ENOTFOUND when none does. */
static int render_generated(json_t **out, kd_source *src, const kd_fleet *fleet,
			    const kd_cluster *cluster, const char *name)
{
	size_t i;
	int rc;

	for (i = 0; i < fleet->napps; i++) {
		const kd_app *a = &fleet->apps[i];

		if (a->kind != KD_APP_APPLICATIONSET || !kd_fleet_app_targets(a, cluster))
			continue;
		rc = kd_appset_render(out, src, fleet, cluster, a, name);
		if (rc != KD_ENOTFOUND)
			return rc;
	}
	return KD_ENOTFOUND;
}

static int render_app(json_t **out, kd_source *src, const char *fleet_file,
		      const char *cluster_name, const char *app_name,
		      const render_extra *extra)
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
		rc = render_generated(out, src, fleet, cluster, app_name);
		if (rc == KD_ENOTFOUND && !*out) {
			list_names(&names, fleet, false);
			rc = kd_error_set(KD_ENOTFOUND,
					  "%s has no app '%s', nor does an applicationSet app generate an Application of that name for cluster '%s' (apps: %s)",
					  fleet->file, app_name, cluster_name,
					  kd_buf_cstr(&names));
		}
	} else if (!kd_fleet_app_targets(app, cluster)) {
		rc = kd_error_set(KD_ENOTFOUND,
				  "app '%s' is not deployed to cluster '%s' (its cluster selector does not match)",
				  app_name, cluster_name);
	} else {
		rc = render_one(out, src, fleet, cluster, app, extra);
	}
	kd_buf_free(&names);
	kd_fleet_free(fleet);
	return rc;
}

/* One line of `render --all`'s error list, on one line whatever the
 * message holds. */
static void print_error_line(const char *cluster, const char *app, const char *msg)
{
	kd_buf prefix = KD_BUF_INIT;
	const char *c;

	/* The line already names the cluster and app. */
	if (kd_buf_printf(&prefix, "cluster '%s', app '%s': ", cluster, app) == 0 &&
	    strncmp(msg, kd_buf_cstr(&prefix), prefix.len) == 0)
		msg += prefix.len;
	kd_buf_free(&prefix);
	fputs("  ", stdout);
	kd_cli_print_safe(stdout, cluster);
	putchar('/');
	kd_cli_print_safe(stdout, app);
	fputs(": ", stdout);
	for (c = msg; *c; c = *c ? c + 1 : c) {
		size_t n = strcspn(c, "\n");
		kd_buf part = KD_BUF_INIT;

		if (kd_buf_add(&part, c, n) == 0)
			kd_cli_print_safe(stdout, kd_buf_cstr(&part));
		kd_buf_free(&part);
		c += n;
		if (*c)
			putchar(' ');
	}
	putchar('\n');
}

/* Names from the fleet file are shown in their safe form, padded by the
 * columns that form takes. */
static size_t name_width(const char *name)
{
	return kd_sanitize_width(name, strlen(name), 0);
}

static void print_cell(const char *text, size_t width, bool left)
{
	size_t w = name_width(text);

	if (!left)
		for (; w < width; w++)
			putchar(' ');
	kd_cli_print_safe(stdout, text);
	if (left)
		for (; w < width; w++)
			putchar(' ');
}

/* A column holds the app's name, "error" or a count. */
static int column_width(const kd_app *app)
{
	size_t n = name_width(app->name);

	return (int)(n < 5 ? 5 : n);
}

/*
 * `render --all`: every app of every cluster in one process; a table of
 * object counts ("-" where the app does not target the cluster, "error"
 * where it failed), then the errors.  Returns the number of failures.
 */
static int render_all(kd_source *src, const char *fleet_file,
		      enum output_format format, const render_extra *extra,
		      size_t *failed)
{
	kd_fleet *fleet = NULL;
	json_t *errors = json_array(), *report = json_object();
	size_t i, j, w0 = strlen("CLUSTER"), total = 0;
	int rc;

	*failed = 0;
	if (!errors || !report) {
		json_decref(errors);
		json_decref(report);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if ((rc = kd_fleet_load(&fleet, src, fleet_file)) < 0)
		goto cleanup;
	for (i = 0; i < fleet->nclusters; i++)
		if (name_width(fleet->clusters[i].name) > w0)
			w0 = name_width(fleet->clusters[i].name);
	if (format == OUTPUT_YAML) {
		printf("%-*s", (int)w0, "CLUSTER");
		for (j = 0; j < fleet->napps; j++) {
			fputs("  ", stdout);
			print_cell(fleet->apps[j].name, (size_t)column_width(&fleet->apps[j]), false);
		}
		putchar('\n');
	}
	for (i = 0; i < fleet->nclusters; i++) {
		const kd_cluster *cl = &fleet->clusters[i];
		json_t *row = json_object();

		if (!row || json_object_set_new(report, cl->name, row) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (format == OUTPUT_YAML)
			print_cell(cl->name, w0, true);
		for (j = 0; j < fleet->napps; j++) {
			const kd_app *app = &fleet->apps[j];
			int width = column_width(app);
			json_t *objs = NULL;

			if (!kd_fleet_app_targets(app, cl)) {
				if (format == OUTPUT_YAML)
					printf("  %*s", width, "-");
				continue;
			}
			if (render_one(&objs, src, fleet, cl, app, extra) < 0) {
				json_t *e = json_pack("{s:s, s:s, s:s}", "cluster", cl->name,
						      "app", app->name, "error", kd_error_last());

				(*failed)++;
				if (!e || json_array_append_new(errors, e) < 0 ||
				    json_object_set(row, app->name,
						    json_object_get(e, "error")) < 0) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					goto cleanup;
				}
				if (format == OUTPUT_YAML)
					printf("  %*s", width, "error");
				continue;
			}
			total += json_array_size(objs);
			if (json_object_set_new(row, app->name,
						json_integer((json_int_t)json_array_size(objs))) < 0) {
				json_decref(objs);
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
			if (format == OUTPUT_YAML)
				printf("  %*zu", width, json_array_size(objs));
			json_decref(objs);
		}
		if (format == OUTPUT_YAML)
			putchar('\n');
	}
	if (format == OUTPUT_JSON) {
		char *text = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);

		if (!text) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		puts(text);
		free(text);
	} else {
		printf("%zu clusters, %zu apps, %zu objects, %zu failed\n",
		       fleet->nclusters, fleet->napps, total, *failed);
		if (*failed)
			puts("errors:");
		for (i = 0; i < json_array_size(errors); i++) {
			json_t *e = json_array_get(errors, i);

			print_error_line(json_string_value(json_object_get(e, "cluster")),
					 json_string_value(json_object_get(e, "app")),
					 json_string_value(json_object_get(e, "error")));
		}
	}
	fflush(stdout);
cleanup:
	json_decref(errors);
	json_decref(report);
	kd_fleet_free(fleet);
	return rc;
}

static int load_vars(json_t **out, const char *file)
{
	kd_buf data = KD_BUF_INIT;
	int rc;

	*out = NULL;
	rc = kd_buf_read_file(&data, file, 0);
	if (rc == 0)
		rc = kd_yaml_parse(out, NULL, kd_buf_cstr(&data), data.len, file, NULL);
	kd_buf_free(&data);
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
		{ "all", no_argument, NULL, 'a' },
		{ "load-restrictor", required_argument, NULL, 'L' },
		{ "vars", required_argument, NULL, 'V' },
		{ "strict-substitution", no_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *repo = kd_cli_default_repo(), *fleet_file = "kdrift.yaml", *dir = NULL;
	const char *vars_file = NULL;
	kd_source_opts sopts = { 0 };
	kd_render_opts ropts = { 0 };
	render_extra extra = { NULL, false };
	bool all = false;
	size_t failed = 0;
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
		case 'a': all = true; break;
		case 'V': vars_file = optarg; break;
		case 'S': extra.strict = true; break;
		case 'L':
			if (strcmp(optarg, "none") == 0)
				ropts.load_restrictor = KD_LOAD_NONE;
			else if (strcmp(optarg, "rootOnly") == 0 ||
				 strcmp(optarg, "LoadRestrictionsRootOnly") == 0)
				ropts.load_restrictor = KD_LOAD_ROOT_ONLY;
			else
				return kd_cli_usage_error("render",
					"--load-restrictor takes none or rootOnly, not '%s'",
					optarg);
			break;
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
			return kd_cli_unknown_option("render", argv[optind - 1]);
		}
	}
	if (dir && all)
		return kd_cli_usage_error("render", "--dir and --all do not go together");
	if (!dir && ropts.load_restrictor != KD_LOAD_ROOT_ONLY)
		return kd_cli_usage_error("render", "--load-restrictor applies to --dir only (Flux apps always load without restriction)");
	if (vars_file && load_vars(&extra.cluster_objects, vars_file) < 0)
		return kd_cli_fail("render");
	if (dir) {
		char *rel = NULL;

		if (optind != argc) {
			json_decref(extra.cluster_objects);
			return kd_cli_usage_error("render", "--dir takes no CLUSTER or APP");
		}
		if (open_dir_source(&src, &rel, dir) < 0) {
			json_decref(extra.cluster_objects);
			return kd_cli_fail("render");
		}
		rc = kd_render_dir(&objs, src, rel, &ropts);
		free(rel);
	} else if (all) {
		if (optind != argc) {
			json_decref(extra.cluster_objects);
			return kd_cli_usage_error("render", "--all takes no CLUSTER or APP");
		}
		if (kd_source_open(&src, repo, &sopts) < 0) {
			json_decref(extra.cluster_objects);
			return kd_cli_fail("render");
		}
		rc = render_all(src, fleet_file, format, &extra, &failed);
		json_decref(extra.cluster_objects);
		kd_source_free(src);
		if (rc < 0)
			return kd_cli_fail("render");
		return failed ? KD_EXIT_ERROR : KD_EXIT_OK;
	} else {
		if (argc - optind != 2) {
			json_decref(extra.cluster_objects);
			return kd_cli_usage_error("render", "expected CLUSTER and APP");
		}
		if (kd_source_open(&src, repo, &sopts) < 0) {
			json_decref(extra.cluster_objects);
			return kd_cli_fail("render");
		}
		rc = render_app(&objs, src, fleet_file, argv[optind], argv[optind + 1],
				&extra);
	}
	if (rc == 0)
		rc = print_documents(objs, format);
	json_decref(objs);
	json_decref(extra.cluster_objects);
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
			return kd_cli_unknown_option("convert", argv[optind - 1]);
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
