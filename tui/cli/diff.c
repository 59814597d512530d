/*
 * diff — `kdrift diff CLUSTER [APP [KIND/NAMESPACE/NAME]]`: the
 * normalised desired and live objects as YAML, compared line by line, Git
 * as '---' and the cluster as '+++', each changed field followed by the
 * field manager that wrote it; --side-by-side puts them on one row.
 *
 * The rows come from core (kd_diff_rows_new), the same the UI's diff pane
 * draws: the live side leaves out what the comparison ignores, so the diff
 * shows exactly what `kdrift check` counts.  This file only lays them out
 * as text; every line is sanitised before it reaches the terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "cli.h"
#include "diff/diff.h"
#include "engine/engine.h"

/* ---- printing ----------------------------------------------------------------- */

/* Colour on a terminal, as git colours a diff: whether to, set once per
 * run before anything is printed. */
static bool color;

/* Starts an SGR run when colour is on; sgr_end closes it. */
static void sgr(kd_buf *b, const char *code)
{
	if (color)
		kd_buf_puts(b, code);
}

static void sgr_end(kd_buf *b)
{
	if (color)
		kd_buf_puts(b, KD_SGR_RESET);
}

static void attribution(kd_buf *b, const kd_diff_field *f, const char *indent)
{
	kd_buf t = KD_BUF_INIT;

	kd_buf_printf(b, "%s", indent);
	sgr(b, KD_SGR_YELLOW);
	kd_buf_puts(b, "# ");
	kd_diff_field_describe(&t, f);
	kd_cli_sanitize(b, kd_buf_cstr(&t));
	sgr_end(b);
	kd_buf_puts(b, "\n");
	kd_buf_free(&t);
}

/* The field a printed line announces: a live line its own, a desired line
 * only a removed one (a changed field is announced after its live lines). */
static const kd_diff_field *line_field(const kd_diff_row *r, kd_diff_side side)
{
	if (side == KD_DIFF_SIDE_LIVE)
		return r->live.field;
	if (side == KD_DIFF_SIDE_DESIRED && r->desired.field &&
	    r->desired.field->kind == KD_DIFF_REMOVED)
		return r->desired.field;
	return NULL;
}

/* Attribution states of the fields of one object's diff. */
enum { ATTR_TODO = 0, ATTR_PENDING, ATTR_DONE };

/* Prints the pending attributions of every field but `keep` (the field of
 * the next line, NULL at an unchanged line or the end of a hunk): a
 * field's attribution follows its last line. */
static void flush_pending(kd_buf *b, const kd_diff_result *diff, unsigned char *done,
			  const kd_diff_field *keep)
{
	size_t i;

	for (i = 0; diff && i < diff->nfields; i++) {
		if (done[i] != ATTR_PENDING || &diff->fields[i] == keep)
			continue;
		done[i] = ATTR_DONE;
		attribution(b, &diff->fields[i], "");
	}
}

/* The number of the last line of `side` shown before unified line u (0:
 * none), for the start of a hunk that has no line of that side. */
static size_t line_before(const kd_diff_rows *rs, size_t u, bool live)
{
	while (u-- > 0) {
		const kd_diff_row *r = &rs->rows[rs->unified[u].row];
		const kd_diff_line *l = live ? &r->live : &r->desired;

		if (l->text)
			return l->number;
	}
	return 0;
}

/* Hunks: the rows between folds that hold a change, each side's lines
 * numbered as in `diff -u`. */
static void unified(kd_buf *b, const kd_diff_rows *rs, const kd_diff_result *diff,
		    unsigned char *done)
{
	size_t u = 0, n = rs->nunified;

	while (u < n) {
		size_t start, end, k, dn = 0, ln = 0, df = 0, lf = 0;
		bool change = false;

		while (u < n && rs->rows[rs->unified[u].row].fold != KD_DIFF_NO_FOLD)
			u++;
		for (start = u; u < n && rs->rows[rs->unified[u].row].fold == KD_DIFF_NO_FOLD; u++) {
			const kd_diff_uline *ul = &rs->unified[u];
			const kd_diff_row *r = &rs->rows[ul->row];

			change |= ul->side != KD_DIFF_SIDE_BOTH;
			if (ul->side != KD_DIFF_SIDE_LIVE && !dn++)
				df = r->desired.number;
			if (ul->side != KD_DIFF_SIDE_DESIRED && !ln++)
				lf = r->live.number;
		}
		end = u;
		if (!change)
			continue;
		sgr(b, KD_SGR_CYAN);
		kd_buf_printf(b, "@@ -%zu,%zu +%zu,%zu @@", dn ? df : line_before(rs, start, false),
			      dn, ln ? lf : line_before(rs, start, true), ln);
		sgr_end(b);
		kd_buf_puts(b, "\n");
		for (k = start; k < end; k++) {
			const kd_diff_uline *ul = &rs->unified[k];
			const kd_diff_row *r = &rs->rows[ul->row];
			const kd_diff_field *f = line_field(r, ul->side);

			flush_pending(b, diff, done, f);
			if (ul->side != KD_DIFF_SIDE_BOTH)
				sgr(b, ul->side == KD_DIFF_SIDE_DESIRED ? KD_SGR_RED : KD_SGR_GREEN);
			kd_buf_putc(b, ul->side == KD_DIFF_SIDE_BOTH ? ' ' :
				       ul->side == KD_DIFF_SIDE_DESIRED ? '-' : '+');
			kd_cli_sanitize(b, ul->side == KD_DIFF_SIDE_LIVE ? r->live.text : r->desired.text);
			if (ul->side != KD_DIFF_SIDE_BOTH)
				sgr_end(b);
			kd_buf_puts(b, "\n");
			if (f && done[f - diff->fields] == ATTR_TODO)
				done[f - diff->fields] = ATTR_PENDING;
		}
		flush_pending(b, diff, done, NULL);
	}
}

/* One side of a row in `width` columns, fitted by core the way the UI's
 * diff pane fits it: key and differing part kept, "…" where the value's
 * middle is left out; in colour `code` (NULL: none), the padding not. */
static void cell(kd_buf *b, const kd_diff_line *l, bool changed, size_t width, bool pad,
		 const char *code)
{
	const char *text = l->text ? l->text : "";
	size_t len = strlen(text), cols = 0, i;
	kd_diff_fit fit;

	if (kd_diff_line_fit(&fit, text, changed ? l->change_start : len,
			     changed ? l->change_end : len, width, 1, 0) < 0) {
		fit.nparts = 1;
		fit.part[0].start = 0;
		fit.part[0].end = len;
		fit.lead = fit.cut_end = false;
	}
	if (code && l->text)
		sgr(b, code);
	for (i = 0; i < fit.nparts; i++) {
		if (i || fit.lead) {
			kd_buf_puts(b, "…");
			cols++;
		}
		kd_sanitize(b, text + fit.part[i].start, fit.part[i].end - fit.part[i].start, 0);
		cols += kd_sanitize_width(text + fit.part[i].start,
					  fit.part[i].end - fit.part[i].start, 0);
	}
	if (fit.cut_end) {
		kd_buf_puts(b, "…");
		cols++;
	}
	if (code && l->text)
		sgr_end(b);
	while (pad && cols++ < width)
		kd_buf_putc(b, ' ');
}

/* Every row, Git left and the cluster right, each field's attribution
 * after the first row that shows it (under the side it belongs to). */
static void side_by_side(kd_buf *b, const kd_diff_rows *rs, const kd_diff_result *diff,
			 unsigned char *done, size_t width)
{
	static const char *const sep[] = {
		[KD_DIFF_ROW_SAME] = "   ", [KD_DIFF_ROW_CHANGED] = " | ",
		[KD_DIFF_ROW_REMOVED] = " < ", [KD_DIFF_ROW_ADDED] = " > ",
	};
	size_t col = width > 7 ? (width - 3) / 2 : 2, k;
	kd_buf indent = KD_BUF_INIT;

	for (k = 0; k < col + 3; k++)
		kd_buf_putc(&indent, ' ');
	for (k = 0; k < rs->nrows; k++) {
		const kd_diff_row *r = &rs->rows[k];
		const kd_diff_field *fd = line_field(r, KD_DIFF_SIDE_DESIRED);
		const kd_diff_field *fl = line_field(r, KD_DIFF_SIDE_LIVE);

		bool gone = r->kind == KD_DIFF_ROW_CHANGED || r->kind == KD_DIFF_ROW_REMOVED;
		bool added = r->kind == KD_DIFF_ROW_CHANGED || r->kind == KD_DIFF_ROW_ADDED;

		cell(b, &r->desired, r->kind == KD_DIFF_ROW_CHANGED, col, true,
		     gone ? KD_SGR_RED : NULL);
		kd_buf_puts(b, sep[r->kind]);
		cell(b, &r->live, r->kind == KD_DIFF_ROW_CHANGED, col, false,
		     added ? KD_SGR_GREEN : NULL);
		kd_buf_puts(b, "\n");
		if (fd && done[fd - diff->fields] == ATTR_TODO) {
			done[fd - diff->fields] = ATTR_DONE;
			attribution(b, fd, "");
		}
		if (fl && done[fl - diff->fields] == ATTR_TODO) {
			done[fl - diff->fields] = ATTR_DONE;
			attribution(b, fl, kd_buf_cstr(&indent));
		}
	}
	kd_buf_free(&indent);
}

static void object_name(kd_buf *b, const char *cluster, const char *app, const kd_resource *r)
{
	kd_cli_sanitize(b, cluster);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, app);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, r->kind);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, r->namespace);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, r->name);
}

/* A resource read from a DriftReport has its diffs but neither object:
 * each field with both values, then who changed it. */
static void report_fields(kd_buf *b, const kd_resource *r)
{
	size_t i;

	if (r->status == KD_STATUS_MISSING)
		kd_buf_puts(b, "# missing: in Git, not in the cluster (from the agent's DriftReport)\n");
	else if (r->status == KD_STATUS_EXTRA)
		kd_buf_puts(b, "# extra: in the cluster, not in Git (from the agent's DriftReport)\n");
	else
		kd_buf_puts(b, "# from the agent's DriftReport: the fields that differ, Git -> cluster\n");
	for (i = 0; r->diff && i < r->diff->nfields; i++) {
		const kd_diff_field *f = &r->diff->fields[i];
		kd_buf t = KD_BUF_INIT;

		kd_buf_puts(&t, f->path);
		kd_buf_puts(&t, ": ");
		kd_diff_value_text(&t, f->desired, 200);
		kd_buf_puts(&t, " -> ");
		kd_diff_value_text(&t, f->live, 200);
		kd_buf_puts(b, "~");
		kd_cli_sanitize(b, kd_buf_cstr(&t));
		kd_buf_puts(b, "\n");
		kd_buf_free(&t);
		attribution(b, f, "");
	}
}

static int print_resource(kd_buf *b, const kd_fleet *fleet, const char *cluster,
			  const char *app, const kd_resource *r, bool sbs, size_t width,
			  bool from_report)
{
	kd_diff_opts opts;
	kd_diff_rows_opts ropts = { .diff = &opts };
	kd_diff_rows *rs = NULL;
	unsigned char *done = NULL;
	size_t i;
	int rc = 0;

	kd_fleet_diff_opts(&opts, fleet);
	opts.hpa_managed = r->hpa_managed;

	if ((r->desired || r->live) &&
	    (rc = kd_diff_rows_new(&rs, r->desired, r->live, r->diff, &ropts)) < 0)
		goto cleanup;
	if (r->diff && r->diff->nfields && !(done = calloc(r->diff->nfields, sizeof(*done)))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	sgr(b, KD_SGR_BOLD);
	kd_buf_puts(b, "--- git/");
	object_name(b, cluster, app, r);
	kd_buf_puts(b, r->desired || from_report ? "" : " (not in Git)");
	sgr_end(b);
	kd_buf_puts(b, "\n");
	sgr(b, KD_SGR_BOLD);
	kd_buf_puts(b, "+++ live/");
	object_name(b, cluster, app, r);
	kd_buf_puts(b, r->live || from_report ? "" : " (not in the cluster)");
	sgr_end(b);
	kd_buf_puts(b, "\n");
	if (r->reason) {
		kd_buf_printf(b, "# %s: ", kd_status_name(r->status));
		kd_cli_sanitize(b, r->reason);
		kd_buf_puts(b, "\n");
	}
	if (from_report) {
		report_fields(b, r);
		goto cleanup;
	}
	if (rs && sbs)
		side_by_side(b, rs, r->diff, done, width);
	else if (rs)
		unified(b, rs, r->diff, done);
	/* fields no line shows */
	for (i = 0; r->diff && i < r->diff->nfields; i++)
		if (done[i] == ATTR_TODO)
			attribution(b, &r->diff->fields[i], "");
cleanup:
	free(done);
	kd_diff_rows_free(rs);
	return rc;
}

/* KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped object. */
static bool object_matches(const kd_resource *r, const char *spec)
{
	const char *s1 = strchr(spec, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	size_t kl = s1 ? (size_t)(s1 - spec) : 0;

	if (!s1 || strlen(r->kind) != kl || strncasecmp(r->kind, spec, kl) != 0)
		return false;
	if (!s2)
		return !*r->namespace && strcmp(r->name, s1 + 1) == 0;
	return strlen(r->namespace) == (size_t)(s2 - s1 - 1) &&
	       strncmp(r->namespace, s1 + 1, (size_t)(s2 - s1 - 1)) == 0 &&
	       strcmp(r->name, s2 + 1) == 0;
}

static int run_diff(kd_engine *e, const char *app_name, const char *object, bool sbs,
		    size_t width, bool pager)
{
	kd_cluster_state *st = kd_store_get(kd_engine_store(e), 0);
	kd_counts sum = { { 0 } };
	kd_buf out = KD_BUF_INIT;
	bool found = false, errors = false;
	size_t i, j;
	int rc = KD_EXIT_ERROR;

	if (!st) {
		kd_error_set(KD_ERROR, "no result for the cluster");
		return kd_cli_fail("diff");
	}
	if (st->reason) {
		fprintf(stderr, "kdrift: diff: cluster ");
		kd_cli_print_safe(stderr, st->name);
		fprintf(stderr, " is unknown: ");
		kd_cli_print_safe(stderr, st->reason);
		fprintf(stderr, "\n");
		goto cleanup;
	}
	for (i = 0; i < st->napps; i++) {
		const kd_app_state *a = &st->apps[i];

		if (a->reason) {
			fprintf(stderr, "kdrift: diff: app ");
			kd_cli_print_safe(stderr, a->name);
			fprintf(stderr, ": ");
			kd_cli_print_safe(stderr, a->reason);
			fprintf(stderr, "\n");
			errors = true;
		}
		for (j = 0; j < a->nresources; j++) {
			const kd_resource *r = &a->resources[j];

			if (object && !object_matches(r, object))
				continue;
			found = true;
			sum.n[r->status]++;
			if (r->status == KD_STATUS_SYNCED)
				continue;
			if (r->status == KD_STATUS_UNKNOWN) {
				fprintf(stderr, "kdrift: diff: ");
				kd_cli_print_safe(stderr, r->kind);
				fputc('/', stderr);
				kd_cli_print_safe(stderr, r->namespace);
				fputc('/', stderr);
				kd_cli_print_safe(stderr, r->name);
				fprintf(stderr, ": ");
				kd_cli_print_safe(stderr, r->reason ? r->reason : "unknown");
				fprintf(stderr, "\n");
				continue;
			}
			if (print_resource(&out, st->fleet, st->name, a->name, r, sbs, width,
					   st->from_reports) < 0) {
				rc = kd_cli_fail("diff");
				goto cleanup;
			}
		}
	}
	if (object && !found) {
		kd_error_set(KD_ENOTFOUND, "no object %s in %s%s%s", object, st->name,
			     app_name ? "/" : "", app_name ? app_name : "");
		rc = kd_cli_fail("diff");
		goto cleanup;
	}
	if (kd_cli_page(&out, pager) < 0) {
		rc = kd_cli_fail("diff");
		goto cleanup;
	}
	rc = kd_cli_exit_for(&sum, errors);
cleanup:
	kd_buf_free(&out);
	kd_cluster_state_unref(st);
	return rc;
}

int kd_cli_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "side-by-side", no_argument, NULL, 's' },
		{ "width", required_argument, NULL, 'W' },
		{ "from-reports", no_argument, NULL, 'F' },
		{ "reports-namespace", required_argument, NULL, 'N' },
		{ "color", required_argument, NULL, 'C' },
		{ "colour", required_argument, NULL, 'C' },
		{ "no-pager", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_engine_opts opts = { 0 };
	const char *names[2] = { NULL, NULL }, *object = NULL, *cols = getenv("COLUMNS");
	kd_engine *e = NULL;
	kd_cli_color color_mode = KD_CLI_COLOR_AUTO;
	bool sbs = false, pager = true;
	long width = cols ? strtol(cols, NULL, 10) : 0;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":sW:qh", longopts, NULL)) != -1) {
		/* getopt gives no 'c' or 'a' here: diff names its cluster and app */
		if ((rc = kd_cli_engine_opt(&opts, c, optarg, "diff")) == 0)
			continue;
		if (rc == KD_EXIT_ERROR)
			return KD_EXIT_ERROR;
		switch (c) {
		case 's': sbs = true; break;
		case 'F': opts.from_reports = true; break;
		case 'N': opts.reports_namespace = optarg; break;
		case 'C':
			if (kd_cli_color_parse(&color_mode, optarg) < 0)
				return kd_cli_usage_error("diff", "--color is auto, always or never, not '%s'",
							  optarg);
			break;
		case 'P': pager = false; break;
		case 'W':
			width = strtol(optarg, NULL, 10);
			if (width < 20 || width > 10000)
				return kd_cli_usage_error("diff", "--width needs 20 to 10000 columns");
			break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "diff", NULL });
		case ':':
			return kd_cli_usage_error("diff", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("diff", argv[optind - 1]);
		}
	}
	if (argc - optind < 1 || argc - optind > 3)
		return kd_cli_usage_error("diff", "expected CLUSTER [APP [KIND/NAMESPACE/NAME]]");
	names[0] = argv[optind];
	opts.clusters = names;
	opts.app = argc - optind > 1 ? argv[optind + 1] : NULL;
	object = argc - optind > 2 ? argv[optind + 2] : NULL;
	if (object && !strchr(object, '/'))
		return kd_cli_usage_error("diff", "an object is KIND/NAMESPACE/NAME (or KIND/NAME), not '%s'", object);
	if (width < 20)
		width = 160;
	if (opts.reports_namespace && !opts.from_reports)
		return kd_cli_usage_error("diff", "--reports-namespace goes with --from-reports");
	kd_cli_engine_defaults(&opts);
	if (kd_engine_new(&e, &opts) < 0 || kd_cli_run_once(e) < 0) {
		kd_engine_free(e);
		return kd_cli_fail("diff");
	}
	if (kd_store_cluster_count(kd_engine_store(e)) == 0) {
		kd_engine_free(e);
		kd_error_set(KD_ENOTFOUND, "app '%s' is not deployed to cluster '%s'",
			     opts.app ? opts.app : "?", names[0]);
		return kd_cli_fail("diff");
	}
	color = kd_cli_color_on(color_mode);
	rc = run_diff(e, opts.app, object, sbs, (size_t)width, pager);
	kd_engine_free(e);
	return rc;
}
