/*
 * compare — `kdrift compare APP`: one app lined up across the clusters it
 * is deployed to, as a table (fields as rows, clusters as columns, a glyph
 * per class, outliers marked, then where each value is declared) or as the
 * JSON document core builds (core/compare/compare.h).  Prints only; the
 * rows, classes, outliers and sources are computed in core.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"
#include "compare/compare.h"
#include "engine/engine.h"

#define VALUE_WIDTH 20
#define FIELD_WIDTH 56

/* Display columns of text already made safe. */
static size_t cols(const char *s)
{
	return kd_sanitize_width(s, strlen(s), 0);
}

static void pad(kd_buf *b, const char *s, size_t width)
{
	size_t n = cols(s);

	kd_buf_puts(b, s);
	while (n++ < width)
		kd_buf_putc(b, ' ');
}

static void cell_text(kd_buf *b, const kd_compare_cell *c, bool ascii)
{
	bool differs = c->cls == KD_CLASS_DRIFT || c->cls == KD_CLASS_BREAKGLASS ||
		       c->cls == KD_CLASS_MISSING;

	kd_buf_printf(b, "%s ", kd_class_glyph(c->cls, ascii));
	if (!c->rendered) {
		kd_buf_puts(b, "-");
	} else {
		kd_compare_value_text(b, c->desired, differs ? VALUE_WIDTH * 3 / 5 : VALUE_WIDTH,
				      ascii);
		if (differs) {
			kd_buf_puts(b, ascii ? ">" : "\xe2\x86\x92");
			kd_compare_value_text(b, c->live, VALUE_WIDTH * 3 / 5, ascii);
		}
	}
	if (c->outlier)
		kd_buf_printf(b, " %s", kd_compare_outlier_glyph(ascii));
}

static void object_label(kd_buf *b, const kd_compare_row *r)
{
	kd_cli_sanitize(b, r->kind);
	kd_buf_puts(b, " ");
	if (*r->namespace) {
		kd_cli_sanitize(b, r->namespace);
		kd_buf_puts(b, "/");
	}
	kd_cli_sanitize(b, r->name);
}

static bool same_object(const kd_compare_row *a, const kd_compare_row *b)
{
	return strcmp(a->kind, b->kind) == 0 && strcmp(a->namespace, b->namespace) == 0 &&
	       strcmp(a->name, b->name) == 0 && strcmp(a->api_version, b->api_version) == 0;
}

/* Where each row's desired values come from, clusters grouped by source. */
static void sources_text(kd_buf *b, const kd_compare *cmp)
{
	kd_buf src = KD_BUF_INIT, other = KD_BUF_INIT;
	size_t i, j, k;
	bool *done = calloc(cmp->nclusters ? cmp->nclusters : 1, sizeof(*done));

	if (!done)
		return;
	kd_buf_puts(b, "\nsources:\n");
	for (i = 0; i < cmp->nrows; i++) {
		const kd_compare_row *r = &cmp->rows[i];

		kd_buf_puts(b, "  ");
		object_label(b, r);
		kd_buf_puts(b, " ");
		kd_cli_sanitize(b, r->path);
		kd_buf_puts(b, "\n");
		memset(done, 0, cmp->nclusters * sizeof(*done));
		for (j = 0; j < cmp->nclusters; j++) {
			bool first = true;

			if (done[j])
				continue;
			kd_buf_clear(&src);
			kd_compare_source(&src, &r->cells[j]);
			kd_buf_puts(b, "    ");
			for (k = j; k < cmp->nclusters; k++) {
				if (done[k])
					continue;
				kd_buf_clear(&other);
				kd_compare_source(&other, &r->cells[k]);
				if (strcmp(kd_buf_cstr(&src), kd_buf_cstr(&other)) != 0)
					continue;
				done[k] = true;
				kd_buf_puts(b, first ? "" : ", ");
				kd_cli_sanitize(b, cmp->clusters[k]);
				first = false;
			}
			kd_buf_puts(b, ": ");
			kd_cli_sanitize(b, src.len ? kd_buf_cstr(&src) : "(not set in Git)");
			kd_buf_puts(b, "\n");
		}
	}
	free(done);
	kd_buf_free(&src);
	kd_buf_free(&other);
}

static int print_text(const kd_compare *cmp)
{
	bool ascii = kd_cli_ascii();
	size_t *width = calloc(cmp->nclusters ? cmp->nclusters : 1, sizeof(*width));
	kd_buf b = KD_BUF_INIT, t = KD_BUF_INIT;
	size_t i, j, outliers = 0;
	int k;

	if (!width)
		return kd_error_set(KD_ENOMEM, "out of memory");
	kd_buf_puts(&b, "kdrift compare ");
	kd_cli_sanitize(&b, cmp->app);
	kd_buf_printf(&b, ": %zu cluster%s, grouped by ", cmp->nclusters,
		      cmp->nclusters == 1 ? "" : "s");
	kd_cli_sanitize(&b, cmp->group_by);
	kd_buf_printf(&b, ", %zu field%s differ%s\n\n", cmp->nrows, cmp->nrows == 1 ? "" : "s",
		      cmp->nrows == 1 ? "s" : "");
	for (j = 0; j < cmp->nclusters; j++) {
		kd_buf_clear(&t);
		kd_cli_sanitize(&t, cmp->clusters[j]);
		width[j] = cols(kd_buf_cstr(&t));
		for (i = 0; i < cmp->nrows; i++) {
			kd_buf_clear(&t);
			cell_text(&t, &cmp->rows[i].cells[j], ascii);
			if (cols(kd_buf_cstr(&t)) > width[j])
				width[j] = cols(kd_buf_cstr(&t));
		}
	}
	pad(&b, "FIELD", FIELD_WIDTH);
	for (j = 0; j < cmp->nclusters; j++) {
		kd_buf_clear(&t);
		kd_cli_sanitize(&t, cmp->clusters[j]);
		kd_buf_puts(&b, "  ");
		pad(&b, kd_buf_cstr(&t), width[j]);
	}
	kd_buf_puts(&b, "\n");
	for (i = 0; i < cmp->nrows; i++) {
		const kd_compare_row *r = &cmp->rows[i];
		json_t *path = json_string(r->path);

		if (i == 0 || !same_object(r, &cmp->rows[i - 1])) {
			object_label(&b, r);
			kd_buf_puts(&b, "\n");
		}
		kd_buf_clear(&t);
		kd_buf_printf(&t, "%s ", r->outlier ? kd_compare_outlier_glyph(ascii) : " ");
		kd_compare_value_text(&t, path, FIELD_WIDTH - 3, ascii);
		json_decref(path);
		kd_buf_puts(&b, " ");
		pad(&b, kd_buf_cstr(&t), FIELD_WIDTH - 1);
		for (j = 0; j < cmp->nclusters; j++) {
			kd_buf_clear(&t);
			cell_text(&t, &r->cells[j], ascii);
			kd_buf_puts(&b, "  ");
			pad(&b, kd_buf_cstr(&t), width[j]);
			outliers += r->cells[j].outlier;
		}
		kd_buf_puts(&b, "\n");
	}
	if (cmp->nrows == 0)
		kd_buf_puts(&b, "(every field agrees in every cluster; --all lists them)\n");
	kd_buf_puts(&b, "\n");
	for (k = 0; k < KD_CLASS_COUNT; k++)
		kd_buf_printf(&b, "%s %s  ", kd_class_glyph((kd_class)k, ascii),
			      kd_class_name((kd_class)k));
	kd_buf_printf(&b, "%s outlier (%zu)\n", kd_compare_outlier_glyph(ascii), outliers);
	if (cmp->nrows)
		sources_text(&b, cmp);
	fwrite(kd_buf_cstr(&b), 1, b.len, stdout);
	kd_buf_free(&b);
	kd_buf_free(&t);
	free(width);
	return fflush(stdout) == 0 ? 0 : kd_error_set(KD_EIO, "cannot write output");
}

static int print_json(const kd_compare *cmp)
{
	json_t *doc = NULL;
	int rc;

	if ((rc = kd_compare_json(&doc, cmp)) < 0)
		return rc;
	rc = kd_cli_print_json(doc, JSON_INDENT(2));
	json_decref(doc);
	return rc;
}

int kd_cli_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "clusters", required_argument, NULL, 'c' },
		{ "group-by", required_argument, NULL, 'g' },
		{ "all", no_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_engine_opts opts = { 0 };
	kd_compare_opts copts = { 0 };
	kd_cluster_state **states = NULL;
	kd_compare *cmp = NULL;
	kd_engine *e = NULL;
	bool json = false;
	size_t n = 0;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":g:o:qh", longopts, NULL)) != -1) {
		if ((rc = kd_cli_engine_opt(&opts, c, optarg, "compare")) == 0)
			continue;
		if (rc == KD_EXIT_ERROR)
			return KD_EXIT_ERROR;
		switch (c) {
		case 'g':
			copts.group_by = optarg;
			break;
		case 'A':
			copts.all = true;
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") != 0)
				return kd_cli_usage_error("compare", "unknown output format '%s'", optarg);
			break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "compare", NULL });
		case ':':
			return kd_cli_usage_error("compare", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("compare", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return kd_cli_usage_error("compare", "expected one APP");
	opts.app = argv[optind];
	if ((rc = kd_cli_states(&e, &states, &n, &opts, "compare")) != KD_EXIT_OK)
		return rc;
	if (kd_compare_build(&cmp, states, n, opts.app, &copts) < 0 ||
	    (json ? print_json(cmp) : print_text(cmp)) < 0)
		rc = kd_cli_fail("compare");
	kd_compare_free(cmp);
	kd_cli_states_free(states, n);
	kd_engine_free(e);
	return rc;
}
