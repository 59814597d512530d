/*
 * check — `kdrift check`: reconcile the selected clusters once and
 * report every resource's status as a tree (text), one JSON document, or
 * JUnit XML for CI.  Exit status 0 when all is synced, 1 when anything
 * drifted, is missing or extra, 2 on any error (an unreachable cluster or
 * an app that does not render included).  `--heal` first applies the
 * fleet's policy (heal.c).
 *
 * The report is written by a thread of its own while the engine reads the
 * clusters, cluster by cluster as they are published, and reaches stdout
 * only once the run has succeeded; with --heal it is written after it.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "cli.h"
#include "engine/engine.h"
#include "data/data.h"

enum check_output { OUT_TEXT, OUT_JSON, OUT_JUNIT };

/* ---- output ---------------------------------------------------------------- */

static void counts_text(kd_buf *b, const kd_counts *c, bool ascii)
{
	static const kd_status order[] = {
		KD_STATUS_DRIFTED, KD_STATUS_MISSING, KD_STATUS_EXTRA,
		KD_STATUS_BREAKGLASS, KD_STATUS_UNKNOWN, KD_STATUS_SYNCED,
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (c->n[order[i]])
			kd_buf_printf(b, " %s%u", kd_status_glyph(order[i], ascii), c->n[order[i]]);
}

static void value_text(kd_buf *b, const json_t *v)
{
	kd_buf t = KD_BUF_INIT;

	kd_diff_value_text(&t, v, 60);
	kd_cli_sanitize(b, kd_buf_cstr(&t));
	kd_buf_free(&t);
}

static void attribution_text(kd_buf *b, const kd_diff_field *f)
{
	kd_cli_sanitize(b, f->manager);
	if (f->operation || f->time) {
		kd_buf_puts(b, " (");
		kd_cli_sanitize(b, f->operation ? f->operation : "?");
		if (f->time) {
			kd_buf_puts(b, ", ");
			kd_cli_sanitize(b, f->time);
		}
		kd_buf_puts(b, ")");
	}
	if (f->subresource) {
		kd_buf_puts(b, " via /");
		kd_cli_sanitize(b, f->subresource);
	}
}

static void resource_text(kd_buf *b, const kd_resource *r, bool ascii)
{
	size_t i;

	kd_buf_printf(b, "    %s ", kd_status_glyph(r->status, ascii));
	kd_cli_sanitize(b, r->kind);
	kd_buf_puts(b, " ");
	if (*r->namespace) {
		kd_cli_sanitize(b, r->namespace);
		kd_buf_puts(b, "/");
	}
	kd_cli_sanitize(b, r->name);
	if (r->intentional)
		kd_buf_printf(b, " %s", ascii ? "*" : "\xe2\x97\x86");
	kd_buf_printf(b, "  %s", kd_status_name(r->status));
	if (r->reason) {
		kd_buf_puts(b, ": ");
		kd_cli_sanitize(b, r->reason);
	}
	if (r->helm_chart) {
		kd_buf_puts(b, "  [Helm release ");
		kd_cli_sanitize(b, r->helm_release);
		kd_buf_puts(b, "]");
	}
	kd_buf_puts(b, "\n");
	for (i = 0; r->diff && i < r->diff->nfields; i++) {
		const kd_diff_field *f = &r->diff->fields[i];

		kd_buf_puts(b, "        ");
		kd_cli_sanitize(b, f->path);
		kd_buf_puts(b, ": ");
		value_text(b, f->desired);
		kd_buf_puts(b, ascii ? " -> " : " \xe2\x86\x92 ");
		value_text(b, f->live);
		kd_buf_puts(b, "  by ");
		attribution_text(b, f);
		if (f->never_converges)
			kd_buf_puts(b, " [never converges]");
		if (f->removed_from_git)
			kd_buf_puts(b, " [removed from Git]");
		kd_buf_puts(b, "\n");
	}
}

/* check --unmanaged: their own section under the cluster. */
static void unmanaged_text(kd_buf *b, const kd_cluster_state *st, bool ascii)
{
	size_t i;

	if (st->nunmanaged == 0)
		return;
	kd_buf_printf(b, "  %s unmanaged (%zu): in a managed namespace, in no app\n",
		      kd_unmanaged_glyph(ascii), st->nunmanaged);
	for (i = 0; i < st->nunmanaged; i++) {
		const kd_unmanaged *u = &st->unmanaged[i];

		kd_buf_printf(b, "    %s ", kd_unmanaged_glyph(ascii));
		kd_cli_sanitize(b, u->kind);
		kd_buf_puts(b, " ");
		kd_cli_sanitize(b, u->namespace);
		kd_buf_puts(b, "/");
		kd_cli_sanitize(b, u->name);
		kd_buf_puts(b, "  by ");
		kd_cli_sanitize(b, u->manager ? u->manager : "unknown");
		if (u->time) {
			kd_buf_puts(b, ", ");
			kd_cli_sanitize(b, u->time);
		}
		kd_buf_puts(b, "\n");
	}
}

static void cluster_text(kd_buf *b, const kd_cluster_state *st, bool ascii, bool verbose)
{
	size_t i, j;

	kd_buf_printf(b, "%s ", kd_status_glyph(st->status, ascii));
	kd_cli_sanitize(b, st->name);
	counts_text(b, &st->counts, ascii);
	if (st->reason) {
		kd_buf_puts(b, "  ");
		kd_cli_sanitize(b, st->reason);
	}
	kd_buf_puts(b, "\n");
	for (i = 0; i < st->napps; i++) {
		const kd_app_state *a = &st->apps[i];

		kd_buf_printf(b, "  %s ", kd_status_glyph(a->status, ascii));
		kd_cli_sanitize(b, a->name);
		counts_text(b, &a->counts, ascii);
		if (a->reason && !st->reason) {
			kd_buf_puts(b, "  ");
			kd_cli_sanitize(b, a->reason);
		}
		kd_buf_puts(b, "\n");
		/* under an unknown cluster every resource repeats its reason */
		for (j = 0; !st->reason && j < a->nresources; j++)
			if (verbose || a->resources[j].status != KD_STATUS_SYNCED)
				resource_text(b, &a->resources[j], ascii);
	}
	unmanaged_text(b, st, ascii);
}

static void xml_text(kd_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		switch (*p) {
		case '&': kd_buf_puts(b, "&amp;"); break;
		case '<': kd_buf_puts(b, "&lt;"); break;
		case '>': kd_buf_puts(b, "&gt;"); break;
		case '"': kd_buf_puts(b, "&quot;"); break;
		case '\n': kd_buf_puts(b, "&#10;"); break;
		case '\t': kd_buf_puts(b, "&#9;"); break;
		default:
			/* XML 1.0 cannot carry other control characters at all */
			if (*p < 0x20 || *p == 0x7f)
				kd_buf_printf(b, "\\x%02x", *p);
			else
				kd_buf_putc(b, (char)*p);
		}
	}
}

static void junit_cluster(kd_buf *b, const kd_cluster_state *st)
{
	unsigned tests = 0, failures = 0, errors = 0;
	size_t i, j;
	kd_buf body = KD_BUF_INIT;

	if (st->napps == 0 && st->reason) {
		tests = errors = 1;
		kd_buf_puts(&body, "    <testcase classname=\"");
		xml_text(&body, st->name);
		kd_buf_puts(&body, "\" name=\"cluster\">\n      <error message=\"");
		xml_text(&body, st->reason);
		kd_buf_puts(&body, "\"/>\n    </testcase>\n");
	}
	for (i = 0; i < st->napps; i++) {
		const kd_app_state *a = &st->apps[i];

		if (a->reason && a->nresources == 0) {
			tests++;
			errors++;
			kd_buf_puts(&body, "    <testcase classname=\"");
			xml_text(&body, st->name);
			kd_buf_puts(&body, ".");
			xml_text(&body, a->name);
			kd_buf_puts(&body, "\" name=\"render\">\n      <error message=\"");
			xml_text(&body, a->reason);
			kd_buf_puts(&body, "\"/>\n    </testcase>\n");
		}
		for (j = 0; j < a->nresources; j++) {
			const kd_resource *r = &a->resources[j];
			size_t k;

			tests++;
			kd_buf_puts(&body, "    <testcase classname=\"");
			xml_text(&body, st->name);
			kd_buf_puts(&body, ".");
			xml_text(&body, a->name);
			kd_buf_puts(&body, "\" name=\"");
			xml_text(&body, r->kind);
			kd_buf_puts(&body, "/");
			xml_text(&body, r->namespace);
			kd_buf_puts(&body, "/");
			xml_text(&body, r->name);
			kd_buf_puts(&body, "\"");
			if (r->status == KD_STATUS_SYNCED) {
				kd_buf_puts(&body, "/>\n");
				continue;
			}
			kd_buf_puts(&body, ">\n");
			if (r->status == KD_STATUS_UNKNOWN) {
				errors++;
				kd_buf_puts(&body, "      <error message=\"");
				xml_text(&body, r->reason ? r->reason : "unknown");
				kd_buf_puts(&body, "\"/>\n");
			} else {
				kd_buf tmp = KD_BUF_INIT;

				failures++;
				kd_buf_printf(&body, "      <failure type=\"%s\" message=\"%s",
					      kd_status_name(r->status), kd_status_name(r->status));
				if (r->reason) {
					kd_buf_puts(&body, ": ");
					xml_text(&body, r->reason);
				}
				kd_buf_puts(&body, "\">");
				for (k = 0; r->diff && k < r->diff->nfields; k++) {
					const kd_diff_field *f = &r->diff->fields[k];

					kd_buf_clear(&tmp);
					kd_buf_printf(&tmp, "%s: ", f->path);
					value_text(&tmp, f->desired);
					kd_buf_puts(&tmp, " -> ");
					value_text(&tmp, f->live);
					kd_buf_puts(&tmp, " by ");
					attribution_text(&tmp, f);
					kd_buf_puts(&tmp, "\n");
					xml_text(&body, kd_buf_cstr(&tmp));
				}
				kd_buf_free(&tmp);
				kd_buf_puts(&body, "</failure>\n");
			}
			kd_buf_puts(&body, "    </testcase>\n");
		}
	}
	for (i = 0; i < st->nunmanaged; i++) {
		const kd_unmanaged *u = &st->unmanaged[i];

		tests++;
		failures++;
		kd_buf_puts(&body, "    <testcase classname=\"");
		xml_text(&body, st->name);
		kd_buf_puts(&body, ".unmanaged\" name=\"");
		xml_text(&body, u->kind);
		kd_buf_puts(&body, "/");
		xml_text(&body, u->namespace);
		kd_buf_puts(&body, "/");
		xml_text(&body, u->name);
		kd_buf_puts(&body, "\">\n      <failure type=\"unmanaged\" message=\"in no app; made by ");
		xml_text(&body, u->manager ? u->manager : "unknown");
		kd_buf_puts(&body, "\"/>\n    </testcase>\n");
	}
	kd_buf_puts(b, "  <testsuite name=\"");
	xml_text(b, st->name);
	kd_buf_printf(b, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\">\n%s  </testsuite>\n",
		      tests, failures, errors, kd_buf_cstr(&body));
	kd_buf_free(&body);
}

static int write_out(const kd_buf *b)
{
	if (fwrite(kd_buf_cstr(b), 1, b->len, stdout) != b->len || fflush(stdout) != 0)
		return kd_error_set(KD_EIO, "cannot write output");
	return 0;
}

/* Appends v as JSON indented by two spaces a level, its lines after the
 * first shifted right by `indent` (to sit inside an enclosing document). */
static int json_nested(kd_buf *b, const json_t *v, const char *indent)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY), *p, *nl;
	int rc = 0;

	if (!text)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (p = text; rc == 0 && (nl = strchr(p, '\n')); p = nl + 1)
		if ((rc = kd_buf_add(b, p, (size_t)(nl + 1 - p))) == 0)
			rc = kd_buf_puts(b, indent);
	if (rc == 0)
		rc = kd_buf_puts(b, p);
	free(text);
	return rc;
}

/* Output goes out a piece at a time, so a fleet's report never has to be
 * held whole: the JSON document is written cluster by cluster, laid out as
 * one json_dumps(JSON_INDENT(2)) of it would be. */
#define FLUSH_BYTES ((size_t)1 << 20)

/* One report being written: what to write and the totals so far.  Used
 * by one thread at a time. */
typedef struct report {
	enum check_output format;
	bool verbose, unmanaged, ascii;
	kd_counts sum;
	size_t nunmanaged;
	size_t shown;         /* clusters written (JSON's separators) */
} report;

static int report_head(report *r, kd_buf *b, kd_store *s)
{
	size_t n = kd_store_cluster_count(s);
	char *label = NULL, *rev = NULL;
	json_t *v = NULL;
	int rc = 0;

	/* set before the engine runs: the same for the whole check */
	kd_store_source(s, &label, &rev, NULL);
	if (r->format == OUT_TEXT) {
		kd_buf_puts(b, "kdrift check: ");
		kd_cli_sanitize(b, label);
		kd_buf_printf(b, ", %zu cluster%s\n", n, n == 1 ? "" : "s");
	} else if (r->format == OUT_JUNIT) {
		kd_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kdrift check\">\n");
	} else {
		if (!(v = rev ? json_string(rev) : json_null()))
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		if (rc == 0 && (rc = kd_buf_puts(b, "{\n  \"revision\": ")) == 0 &&
		    (rc = json_nested(b, v, "  ")) == 0)
			rc = kd_buf_puts(b, ",\n  \"clusters\": [");
	}
	json_decref(v);
	free(label);
	free(rev);
	return rc;
}

static int report_cluster(report *r, kd_buf *b, const kd_cluster_state *st)
{
	json_t *v = NULL;
	int rc = 0;

	kd_cli_count(&r->sum, st);
	r->nunmanaged += st->nunmanaged;
	if (r->format == OUT_JSON) {
		rc = kd_cluster_state_json(&v, st, r->unmanaged);
		if (rc == 0)
			rc = kd_buf_puts(b, r->shown++ ? ",\n    " : "\n    ");
		if (rc == 0)
			rc = json_nested(b, v, "    ");
		json_decref(v);
	} else if (r->format == OUT_JUNIT) {
		junit_cluster(b, st);
	} else {
		cluster_text(b, st, r->ascii, r->verbose);
	}
	return rc;
}

static int report_tail(report *r, kd_buf *b)
{
	const kd_counts *sum = &r->sum;
	json_t *v = NULL;
	int rc = 0;

	if (r->format == OUT_JSON) {
		if ((rc = kd_buf_puts(b, r->shown ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ")) < 0 ||
		    (rc = kd_counts_json(&v, sum)) < 0)
			goto cleanup;
		if (r->unmanaged &&
		    json_object_set_new(v, "unmanaged", json_integer((json_int_t)r->nunmanaged)) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if ((rc = json_nested(b, v, "  ")) == 0)
			rc = kd_buf_puts(b, "\n}\n");
	} else if (r->format == OUT_JUNIT) {
		kd_buf_puts(b, "</testsuites>\n");
	} else {
		kd_buf_printf(b, "summary: %u synced, %u drifted, %u missing, %u extra, %u break-glass, %u unknown",
			      sum->n[KD_STATUS_SYNCED], sum->n[KD_STATUS_DRIFTED],
			      sum->n[KD_STATUS_MISSING], sum->n[KD_STATUS_EXTRA],
			      sum->n[KD_STATUS_BREAKGLASS], sum->n[KD_STATUS_UNKNOWN]);
		if (r->unmanaged)
			kd_buf_printf(b, ", %zu unmanaged", r->nunmanaged);
		kd_buf_puts(b, "\n");
	}
cleanup:
	json_decref(v);
	return rc;
}

/* The report of a finished engine (after --heal, which changes states
 * after the run). */
static int report_after(report *r, kd_store *s)
{
	size_t i, n = kd_store_cluster_count(s);
	kd_buf b = KD_BUF_INIT;
	int rc;

	if ((rc = report_head(r, &b, s)) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		kd_cluster_state *st = kd_store_get(s, i);

		if (!st)
			continue;
		rc = report_cluster(r, &b, st);
		kd_cluster_state_unref(st);
		if (rc == 0 && b.len >= FLUSH_BYTES && (rc = write_out(&b)) == 0)
			kd_buf_clear(&b);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = report_tail(r, &b)) == 0)
		rc = write_out(&b);
cleanup:
	kd_buf_free(&b);
	return rc;
}

/* ---- the report while the engine works ----------------------------------- */

/*
 * Without --heal the report is written by a thread of its own while
 * kd_engine_run_once works on the calling thread: cluster by cluster in
 * fleet order, each as soon as the engine has published it (the engine
 * publishes a cluster once, when it is finished: see kd_engine_run_once),
 * so that when the last cluster answers only the tail is left to write.
 * It reads nothing but published states (immutable) and the store's
 * source (set before the run).  Nothing reaches stdout before the run has
 * succeeded: the text is held until then, up to HOLD_BYTES, past which
 * the formatter waits for the run to end; a failed run discards it.
 */
#define HOLD_BYTES ((size_t)64 << 20)

typedef enum run_phase { RUN_GOING, RUN_DONE, RUN_FAILED } run_phase;

typedef struct stream {
	report r;               /* the formatter's until it is joined */
	kd_store *store;
	pthread_t thread;
	int ended[2];           /* a pipe, readable once the run has returned */
	pthread_mutex_t mu;
	run_phase phase;        /* under mu */
	int rc;                 /* the formatter's outcome, read after the join, */
	char *error;            /* with its message (kd_error_* is per thread) */
} stream;

static run_phase phase_of(stream *p)
{
	run_phase ph;

	pthread_mutex_lock(&p->mu);
	ph = p->phase;
	pthread_mutex_unlock(&p->mu);
	return ph;
}

/* Until the run has ended, or also (store_too) the store changed. */
static int wait_for(stream *p, bool store_too)
{
	struct pollfd fds[2] = {
		{ .fd = p->ended[0], .events = POLLIN },
		{ .fd = kd_store_wake_fd(p->store), .events = POLLIN },
	};

	if (poll(fds, store_too ? 2 : 1, -1) < 0 && errno != EINTR)
		return kd_error_set(KD_EIO, "poll: %s", strerror(errno));
	return 0;
}

static int wait_run(run_phase *ph, stream *p)
{
	int rc;

	while ((*ph = phase_of(p)) == RUN_GOING)
		if ((rc = wait_for(p, false)) < 0)
			return rc;
	return 0;
}

/* *out: slot i's state once published, or NULL when the run ended
 * without publishing it; *ph: the run's phase then. */
static int wait_slot(kd_cluster_state **out, run_phase *ph, stream *p, size_t i)
{
	int rc;

	for (;;) {
		/* drained before looking: a publish after the look wakes the poll */
		kd_store_wake_drain(p->store);
		/* the phase before the slot: a run that has returned published
		 * everything it ever will */
		*ph = phase_of(p);
		if ((*out = kd_store_get(p->store, i)) || *ph != RUN_GOING)
			return 0;
		if ((rc = wait_for(p, true)) < 0)
			return rc;
	}
}

static void *stream_main(void *arg)
{
	stream *p = arg;
	size_t i, n = kd_store_cluster_count(p->store);
	run_phase ph = RUN_GOING;
	kd_buf b = KD_BUF_INIT;
	int rc;

	if ((rc = report_head(&p->r, &b, p->store)) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		kd_cluster_state *st = NULL;

		if (ph == RUN_GOING && b.len >= HOLD_BYTES && (rc = wait_run(&ph, p)) < 0)
			goto cleanup;
		if (ph != RUN_FAILED && (rc = wait_slot(&st, &ph, p, i)) < 0)
			goto cleanup;
		if (ph == RUN_FAILED) {
			/* check fails with the run's error: the text goes */
			kd_cluster_state_unref(st);
			goto cleanup;
		}
		if (!st)
			continue;
		rc = report_cluster(&p->r, &b, st);
		kd_cluster_state_unref(st);
		if (rc == 0 && ph == RUN_DONE && b.len >= FLUSH_BYTES && (rc = write_out(&b)) == 0)
			kd_buf_clear(&b);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = report_tail(&p->r, &b)) < 0 || (rc = wait_run(&ph, p)) < 0)
		goto cleanup;
	if (ph == RUN_DONE)
		rc = write_out(&b);
cleanup:
	if (rc < 0)
		p->error = strdup(kd_error_last());
	p->rc = rc;
	kd_buf_free(&b);
	return NULL;
}

/* Starts the formatter; 0, or < 0 when no thread could be had. */
static int stream_start(stream *p, kd_store *s, const report *r)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->r = *r;
	p->store = s;
	p->phase = RUN_GOING;
	if (pipe(p->ended) < 0)
		return kd_error_set(KD_EIO, "pipe: %s", strerror(errno));
	pthread_mutex_init(&p->mu, NULL);
	if ((rc = pthread_create(&p->thread, NULL, stream_main, p)) != 0) {
		pthread_mutex_destroy(&p->mu);
		close(p->ended[0]);
		close(p->ended[1]);
		return kd_error_set(KD_ERROR, "cannot start a thread: %s", strerror(rc));
	}
	return 0;
}

/* Tells the formatter how the run ended (run_rc) and waits for it to
 * finish the report: 0, or its error (set here when the run succeeded;
 * a failed run's error stays the one reported). */
static int stream_finish(stream *p, int run_rc)
{
	ssize_t w;

	pthread_mutex_lock(&p->mu);
	p->phase = run_rc < 0 ? RUN_FAILED : RUN_DONE;
	pthread_mutex_unlock(&p->mu);
	do
		w = write(p->ended[1], "!", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	close(p->ended[0]);
	close(p->ended[1]);
	if (p->rc < 0 && run_rc >= 0)
		kd_error_set(p->rc, "%s", p->error ? p->error : "out of memory");
	free(p->error);
	p->error = NULL;
	return p->rc;
}

int kd_cli_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "clusters", required_argument, NULL, 'c' },
		{ "app", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "heal", no_argument, NULL, 'H' },
		{ "from-reports", no_argument, NULL, 'F' },
		{ "reports-namespace", required_argument, NULL, 'N' },
		{ "webhook", required_argument, NULL, 'W' },
		{ "unmanaged", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_engine_opts opts = { 0 };
	const char *webhook = NULL;
	bool heal = false;
	int heal_rc = KD_EXIT_OK;
	enum check_output format = OUT_TEXT;
	report r = { 0 };
	stream p;
	kd_engine *e = NULL;
	bool verbose = false, after;
	int c, rc, run_rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vqh", longopts, NULL)) != -1) {
		if ((rc = kd_cli_engine_opt(&opts, c, optarg, "check")) == 0)
			continue;
		if (rc == KD_EXIT_ERROR)
			return KD_EXIT_ERROR;
		switch (c) {
		case 'o':
			if (strcmp(optarg, "text") == 0)
				format = OUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				format = OUT_JSON;
			else if (strcmp(optarg, "junit") == 0)
				format = OUT_JUNIT;
			else
				return kd_cli_usage_error("check", "unknown output format '%s'", optarg);
			break;
		case 'v': verbose = true; break;
		case 'H': heal = true; break;
		case 'F': opts.from_reports = true; break;
		case 'N': opts.reports_namespace = optarg; break;
		case 'W': webhook = optarg; break;
		case 'U': opts.unmanaged = true; break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "check", NULL });
		case ':':
			return kd_cli_usage_error("check", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("check", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return kd_cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
	if (webhook && !heal)
		return kd_cli_usage_error("check", "--webhook goes with --heal");
	if (heal && opts.from_reports)
		return kd_cli_usage_error("check", "--heal reads the clusters themselves; it does not go "
					  "with --from-reports (the agents heal by their policy)");
	if (opts.unmanaged && opts.from_reports)
		return kd_cli_usage_error("check", "--unmanaged reads the clusters themselves; it does not go "
					  "with --from-reports (reports hold only the apps' objects)");
	if (opts.reports_namespace && !opts.from_reports)
		return kd_cli_usage_error("check", "--reports-namespace goes with --from-reports");
	r.format = format;
	r.verbose = verbose;
	r.unmanaged = opts.unmanaged;
	r.ascii = kd_cli_ascii();
	opts.statuses_only = !heal;   /* healing needs the objects */
	kd_cli_engine_defaults(&opts);
	if (kd_engine_new(&e, &opts) < 0)
		return kd_cli_fail("check");
	if (kd_store_cluster_count(kd_engine_store(e)) == 0) {
		kd_fleet *fleet = kd_store_fleet(kd_engine_store(e));

		kd_error_set(KD_ENOTFOUND, "no cluster of %s matches the selection", fleet->file);
		kd_fleet_free(fleet);
		kd_engine_free(e);
		return kd_cli_fail("check");
	}
	/* Test hook: the report written after the run, as with --heal, so a
	 * test can compare it with the one written while the engine works.
	 * Never set in production. */
	after = heal || getenv("KDRIFT_TEST_CHECK_AFTER_RUN") != NULL;
	if (!after && stream_start(&p, kd_engine_store(e), &r) == 0) {
		run_rc = kd_cli_run_once(e);
		rc = stream_finish(&p, run_rc);
		r = p.r;
		if (run_rc < 0 || rc < 0) {
			kd_engine_free(e);
			return kd_cli_fail("check");
		}
	} else {
		/* without a thread for it, the report waits for the run */
		if (kd_cli_run_once(e) < 0) {
			kd_engine_free(e);
			return kd_cli_fail("check");
		}
		if (heal)   /* prints what it did on stderr; the report shows the result */
			heal_rc = kd_cli_heal(e, opts.kubeconfig, webhook);
		if (report_after(&r, kd_engine_store(e)) < 0) {
			kd_engine_free(e);
			return kd_cli_fail("check");
		}
	}
	kd_engine_free(e);
	rc = kd_cli_exit_for(&r.sum, heal_rc != KD_EXIT_OK);
	/* an object made by hand is a difference from Git like drift */
	return rc == KD_EXIT_OK && r.nunmanaged ? KD_EXIT_DRIFT : rc;
}
