/*
 * audit — `kdrift audit verify`: checks the hash chain of the whole log and
 * explains each break (see audit.h).  Never writes.
 *
 * The chain alone says only "line N does not follow line N-1".  The seq
 * numbers and an index of every record's hash turn that into a diagnosis:
 * a prev that names another record of the file means reordering, a gap in
 * seq with an unknown prev means removal, continuous seq with an unknown
 * prev means the previous record was edited.
 */
#include "audit/audit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* What verification keeps of each well-formed record. */
struct link {
	size_t line;
	int64_t seq;
	size_t bad_line;    /* last malformed line since the record before, or 0 */
	char hash[65];
	char prev[65];
};

struct verifier {
	kd_audit_verify_result *res;
	size_t problems_cap;
	struct link *links;
	size_t n_links, links_cap;
	json_t *by_hash;    /* hash -> index into links */
};

const char *kd_audit_problem_name(enum kd_audit_problem_kind kind)
{
	switch (kind) {
	case KD_AUDIT_MALFORMED: return "malformed";
	case KD_AUDIT_TRUNCATED: return "truncated";
	case KD_AUDIT_EDITED: return "edited";
	case KD_AUDIT_REMOVED: return "removed";
	case KD_AUDIT_REORDERED: return "reordered";
	case KD_AUDIT_DUPLICATE: return "duplicate";
	case KD_AUDIT_BROKEN: return "broken chain";
	}
	return "unknown";
}

void kd_audit_verify_result_free(kd_audit_verify_result *result)
{
	size_t i;

	if (!result)
		return;
	for (i = 0; i < result->n_problems; i++)
		free(result->problems[i].message);
	free(result->problems);
	free(result);
}

static int problem(struct verifier *v, size_t line, enum kd_audit_problem_kind kind,
		   const char *fmt, ...) KD_PRINTF(4, 5);

static int problem(struct verifier *v, size_t line, enum kd_audit_problem_kind kind,
		   const char *fmt, ...)
{
	kd_audit_verify_result *r = v->res;
	kd_buf msg = KD_BUF_INIT;
	va_list ap;
	int rc;

	if (r->n_problems == v->problems_cap) {
		size_t n = v->problems_cap ? v->problems_cap * 2 : 8;
		kd_audit_problem *p = realloc(r->problems, n * sizeof(*p));

		if (!p)
			return kd_error_set(KD_ENOMEM, "out of memory verifying the audit log");
		r->problems = p;
		v->problems_cap = n;
	}
	rc = kd_buf_printf(&msg, "line %zu: ", line);
	if (rc == 0) {
		va_start(ap, fmt);
		rc = kd_buf_vprintf(&msg, fmt, ap);
		va_end(ap);
	}
	if (rc < 0) {
		kd_buf_free(&msg);
		return rc;
	}
	r->problems[r->n_problems].line = line;
	r->problems[r->n_problems].kind = kind;
	r->problems[r->n_problems].message = kd_buf_detach(&msg);
	r->n_problems++;
	r->ok = false;
	return 0;
}

/* Reads one line: records it as a link, or reports it.  `bad` is the last
 * malformed line since the last good record (0: none). */
static int take_line(struct verifier *v, size_t lineno, const char *text, size_t len, size_t *bad)
{
	json_error_t err;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	json_t *seq = json_object_get(j, "seq"), *seen;
	const char *prev = kd_json_str(j, "prev"), *id = kd_json_str(j, "id");
	const char *time = kd_json_str(j, "time");
	struct link *l;
	int rc = 0;

	if (!j) {
		if (len > 0 && text[0] == '{' && (size_t)err.position >= len)
			rc = problem(v, lineno, KD_AUDIT_MALFORMED,
				     "incomplete record (an interrupted write or a cut line); "
				     "later records chain past it, delete the line once reviewed");
		else
			rc = problem(v, lineno, KD_AUDIT_MALFORMED, "not valid JSON at column %d: %s",
				     err.column, err.text);
		*bad = lineno;
		goto cleanup;
	}
	if (!json_is_object(j) || !json_is_integer(seq) || json_integer_value(seq) < 1 || !prev ||
	    strlen(prev) != 64 || strspn(prev, "0123456789abcdef") != 64 || !id || !time) {
		rc = problem(v, lineno, KD_AUDIT_MALFORMED,
			     "not an audit record (seq, prev, id or time missing or invalid)");
		*bad = lineno;
		goto cleanup;
	}
	if (v->n_links == v->links_cap) {
		size_t n = v->links_cap ? v->links_cap * 2 : 64;
		struct link *p = realloc(v->links, n * sizeof(*p));

		if (!p) {
			rc = kd_error_set(KD_ENOMEM, "out of memory verifying the audit log");
			goto cleanup;
		}
		v->links = p;
		v->links_cap = n;
	}
	l = &v->links[v->n_links];
	l->line = lineno;
	l->seq = (int64_t)json_integer_value(seq);
	l->bad_line = *bad;
	memcpy(l->prev, prev, 65);
	kd_sha256_hex(l->hash, text, len);
	seen = json_object_get(v->by_hash, l->hash);
	if (seen) {
		/* A copied line chains like the original; keep it out of the
		 * chain so it is reported once, as what it is. */
		rc = problem(v, lineno, KD_AUDIT_DUPLICATE, "repeats line %zu",
			     v->links[json_integer_value(seen)].line);
		goto cleanup;
	}
	if (json_object_set_new(v->by_hash, l->hash, json_integer((json_int_t)v->n_links)) < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory verifying the audit log");
		goto cleanup;
	}
	v->n_links++;
	*bad = 0;
cleanup:
	json_decref(j);
	return rc;
}

/* Explains why link k does not follow link k-1 (or the genesis). */
static int check_link(struct verifier *v, size_t k)
{
	const struct link *l = &v->links[k], *pred = k ? &v->links[k - 1] : NULL;
	const char *want = pred ? pred->hash : KD_AUDIT_GENESIS;
	int64_t want_seq = pred ? pred->seq + 1 : 1;
	json_t *other;

	if (strcmp(l->prev, want) == 0 && l->seq == want_seq)
		return 0;
	other = json_object_get(v->by_hash, l->prev);
	if (other) {
		size_t at = v->links[json_integer_value(other)].line;

		if (!pred)
			return problem(v, l->line, KD_AUDIT_REORDERED,
				       "out of order: it was written after line %zu but comes first", at);
		return problem(v, l->line, KD_AUDIT_REORDERED,
			       "out of order: it was written after line %zu, not after line %zu",
			       at, pred->line);
	}
	if (strcmp(l->prev, KD_AUDIT_GENESIS) == 0)
		return problem(v, l->line, KD_AUDIT_BROKEN,
			       "a second chain starts here (prev is the genesis value)");
	if (l->bad_line > 0)
		return problem(v, l->bad_line, KD_AUDIT_EDITED,
			       "this malformed line replaced a record: line %zu was written after "
			       "a record that is no longer in the log", l->line);
	if (l->seq == want_seq) {
		if (!pred)
			return problem(v, l->line, KD_AUDIT_EDITED,
				       "the first record's prev was changed");
		return problem(v, pred->line, KD_AUDIT_EDITED,
			       "changed after it was written: its SHA-256 no longer matches the "
			       "prev of line %zu", l->line);
	}
	if (l->seq == want_seq + 1)
		return problem(v, l->line, KD_AUDIT_REMOVED,
			       "a record was removed before this line (seq %lld is missing)",
			       (long long)want_seq);
	if (l->seq > want_seq)
		return problem(v, l->line, KD_AUDIT_REMOVED,
			       "%lld records were removed before this line (seq %lld to %lld)",
			       (long long)(l->seq - want_seq), (long long)want_seq,
			       (long long)(l->seq - 1));
	return problem(v, l->line, KD_AUDIT_BROKEN,
		       "does not follow the record before it (seq %lld after %lld, unknown prev)",
		       (long long)l->seq, (long long)(want_seq - 1));
}

int kd_audit_verify(kd_audit_verify_result **out, const char *path)
{
	struct verifier v;
	char *default_path = NULL, *line = NULL;
	size_t cap = 0, lineno = 0, bad = 0, k;
	ssize_t len;
	FILE *f = NULL;
	int rc;

	*out = NULL;
	memset(&v, 0, sizeof(v));
	v.res = calloc(1, sizeof(*v.res));
	v.by_hash = json_object();
	if (!v.res || !v.by_hash) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	v.res->ok = true;
	memcpy(v.res->head, KD_AUDIT_GENESIS, 65);
	if (!path) {
		if ((rc = kd_audit_default_path(&default_path)) < 0)
			goto cleanup;
		path = default_path;
	}
	f = fopen(path, "re");
	if (!f) {
		rc = errno == ENOENT ? kd_error_set(KD_ENOTFOUND, "no audit log at %s", path) :
			kd_error_set(KD_EIO, "cannot read audit log %s: %s", path, strerror(errno));
		goto cleanup;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] != '\n') {
			rc = problem(&v, lineno, KD_AUDIT_TRUNCATED,
				     "the last line has no end of line: a write was interrupted "
				     "(the next append chains past it)");
			if (rc < 0)
				goto cleanup;
			break;
		}
		if ((rc = take_line(&v, lineno, line, (size_t)len - 1, &bad)) < 0)
			goto cleanup;
	}
	if (ferror(f)) {
		rc = kd_error_set(KD_EIO, "cannot read audit log %s: %s", path, strerror(errno));
		goto cleanup;
	}
	for (k = 0; k < v.n_links; k++)
		if ((rc = check_link(&v, k)) < 0)
			goto cleanup;
	/* Problems were found in file order per pass; the reader wants them
	 * by line. */
	for (k = 1; k < v.res->n_problems; k++) {
		kd_audit_problem p = v.res->problems[k];
		size_t i = k;

		while (i > 0 && v.res->problems[i - 1].line > p.line) {
			v.res->problems[i] = v.res->problems[i - 1];
			i--;
		}
		v.res->problems[i] = p;
	}
	v.res->lines = lineno;
	v.res->records = v.n_links;
	if (v.n_links) {
		v.res->head_seq = v.links[v.n_links - 1].seq;
		memcpy(v.res->head, v.links[v.n_links - 1].hash, 65);
	}
	*out = v.res;
	v.res = NULL;
	rc = 0;
cleanup:
	if (f)
		fclose(f);
	free(line);
	free(default_path);
	free(v.links);
	json_decref(v.by_hash);
	kd_audit_verify_result_free(v.res);
	return rc;
}
