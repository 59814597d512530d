/*
 * topology — `kdrift topology`: every field of every app classified by
 * where its desired value varies (fleet, environment, cluster) with the
 * files that declare it, then the contradictions, as text or as the JSON
 * core builds (core/compare/compare.h).  Prints only.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"
#include "compare/compare.h"
#include "engine/engine.h"

#define VALUE_WIDTH 24

static void field_label(kd_buf *b, const char *kind, const char *ns, const char *name,
			const char *path)
{
	kd_cli_sanitize(b, kind);
	kd_buf_puts(b, " ");
	if (*ns) {
		kd_cli_sanitize(b, ns);
		kd_buf_puts(b, "/");
	}
	kd_cli_sanitize(b, name);
	kd_buf_puts(b, " ");
	kd_cli_sanitize(b, path);
}

static const json_t *value_at(const kd_topology_field *f, uint32_t i)
{
	const json_t *v = json_array_get(f->values, i);

	return json_is_null(v) ? NULL : v;
}

/* fleet: the value; environment: each group's; cluster: each value with
 * how many clusters hold it (or which, when one does). */
static void values_text(kd_buf *b, const kd_topology_app *a, const kd_topology_field *f,
			const kd_cluster_state *const *states, size_t nstates,
			const char *group_by, bool ascii)
{
	size_t i, j, k;

	if (f->scope == KD_SCOPE_FLEET) {
		kd_compare_value_text(b, value_at(f, 0), VALUE_WIDTH, ascii);
		return;
	}
	if (f->scope == KD_SCOPE_ENVIRONMENT) {
		json_t *seen = json_object();

		for (i = 0; seen && i < a->nclusters; i++) {
			const char *g = "";

			for (k = 0; k < nstates; k++)
				if (strcmp(states[k]->name, a->clusters[i]) == 0)
					g = kd_json_str(states[k]->labels, group_by) ?
					    kd_json_str(states[k]->labels, group_by) : "";
			if (f->value_of[i] == UINT32_MAX || json_object_get(seen, g))
				continue;
			json_object_set_new(seen, g, json_true());
			kd_buf_puts(b, json_object_size(seen) > 1 ? "  " : "");
			kd_cli_sanitize(b, *g ? g : "(none)");
			kd_buf_puts(b, "=");
			kd_compare_value_text(b, value_at(f, f->value_of[i]), VALUE_WIDTH, ascii);
		}
		json_decref(seen);
		return;
	}
	for (j = 0; j < json_array_size(f->values); j++) {
		size_t count = 0, one = 0;

		for (i = 0; i < a->nclusters; i++)
			if (f->value_of[i] == j) {
				count++;
				one = i;
			}
		kd_buf_puts(b, j ? "  " : "");
		kd_compare_value_text(b, value_at(f, (uint32_t)j), VALUE_WIDTH, ascii);
		if (count == 1) {
			kd_buf_puts(b, " (");
			kd_cli_sanitize(b, a->clusters[one]);
			kd_buf_puts(b, ")");
		} else {
			kd_buf_printf(b, " (%zu clusters)", count);
		}
	}
}

static void list_text(kd_buf *b, const json_t *arr)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		kd_buf_puts(b, i ? ", " : "");
		kd_cli_sanitize(b, json_string_value(json_array_get(arr, i)));
	}
}

static int print_text(const kd_topology *t, const kd_cluster_state *const *states, size_t n)
{
	bool ascii = kd_cli_ascii();
	kd_buf b = KD_BUF_INIT;
	size_t i, j, nc = 0;

	kd_buf_printf(&b, "kdrift topology: %zu app%s, %zu cluster%s, grouped by ", t->napps,
		      t->napps == 1 ? "" : "s", n, n == 1 ? "" : "s");
	kd_cli_sanitize(&b, t->group_by);
	kd_buf_puts(&b, "\n");
	for (i = 0; i < t->napps; i++) {
		const kd_topology_app *a = &t->apps[i];
		size_t count[3] = { 0, 0, 0 };

		for (j = 0; j < a->nfields; j++)
			count[a->fields[j].scope]++;
		kd_buf_puts(&b, "\n");
		kd_cli_sanitize(&b, a->name);
		kd_buf_printf(&b, ": %zu field%s in %zu cluster%s: %zu fleet, %zu environment, %zu cluster\n",
			      a->nfields, a->nfields == 1 ? "" : "s", a->nclusters,
			      a->nclusters == 1 ? "" : "s", count[0], count[1], count[2]);
		for (j = 0; j < a->nfields; j++) {
			const kd_topology_field *f = &a->fields[j];

			kd_buf_printf(&b, "  %-12s ", kd_scope_name(f->scope));
			field_label(&b, f->kind, f->namespace, f->name, f->path);
			kd_buf_puts(&b, "  ");
			values_text(&b, a, f, states, n, t->group_by, ascii);
			if (json_array_size(f->declared_in)) {
				kd_buf_puts(&b, "  [");
				list_text(&b, f->declared_in);
				kd_buf_puts(&b, "]");
			}
			kd_buf_puts(&b, "\n");
		}
		nc += a->ncontradictions;
	}
	kd_buf_printf(&b, "\ncontradictions: %zu\n", nc);
	for (i = 0; i < t->napps; i++) {
		const kd_topology_app *a = &t->apps[i];

		for (j = 0; j < a->ncontradictions; j++) {
			const kd_contradiction *c = &a->contradictions[j];
			const kd_topology_field *f = &a->fields[c->field];

			kd_buf_printf(&b, "  %s  ", kd_contradiction_name(c->kind));
			kd_cli_sanitize(&b, a->name);
			kd_buf_puts(&b, " ");
			field_label(&b, f->kind, f->namespace, f->name, f->path);
			if (c->kind == KD_CONTRA_PER_CLUSTER_EQUAL) {
				kd_buf_puts(&b, ": declared per cluster (");
				list_text(&b, c->files);
				kd_buf_puts(&b, ") but equal everywhere; could move to a shared layer\n");
			} else {
				kd_buf_puts(&b, ": declared in ");
				list_text(&b, c->files);
				kd_buf_puts(&b, ", shared by several clusters, but live differs in ");
				list_text(&b, c->clusters);
				kd_buf_puts(&b, "\n");
			}
		}
	}
	fwrite(kd_buf_cstr(&b), 1, b.len, stdout);
	kd_buf_free(&b);
	return fflush(stdout) == 0 ? 0 : kd_error_set(KD_EIO, "cannot write output");
}

static int print_json(const kd_topology *t)
{
	json_t *doc = NULL;
	int rc;

	if ((rc = kd_topology_json(&doc, t)) < 0)
		return rc;
	rc = kd_cli_print_json(doc, JSON_INDENT(2));
	json_decref(doc);
	return rc;
}

int kd_cli_topology(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "clusters", required_argument, NULL, 'c' },
		{ "app", required_argument, NULL, 'a' },
		{ "group-by", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_engine_opts opts = { 0 };
	kd_cluster_state **states = NULL;
	kd_topology *topo = NULL;
	const char *group_by = NULL;
	kd_engine *e = NULL;
	bool json = false;
	size_t n = 0;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":g:o:qh", longopts, NULL)) != -1) {
		if ((rc = kd_cli_engine_opt(&opts, c, optarg, "topology")) == 0)
			continue;
		if (rc == KD_EXIT_ERROR)
			return KD_EXIT_ERROR;
		switch (c) {
		case 'g':
			group_by = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") != 0)
				return kd_cli_usage_error("topology", "unknown output format '%s'", optarg);
			break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "topology", NULL });
		case ':':
			return kd_cli_usage_error("topology", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("topology", argv[optind - 1]);
		}
	}
	if (argc != optind)
		return kd_cli_usage_error("topology", "unexpected argument '%s'", argv[optind]);
	if ((rc = kd_cli_states(&e, &states, &n, &opts, "topology")) != KD_EXIT_OK)
		return rc;
	if (kd_topology_build(&topo, states, n, opts.app, group_by) < 0 ||
	    (json ? print_json(topo) : print_text(topo, (const kd_cluster_state *const *)states, n)) < 0)
		rc = kd_cli_fail("topology");
	kd_topology_free(topo);
	kd_cli_states_free(states, n);
	kd_engine_free(e);
	return rc;
}
