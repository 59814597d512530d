/*
 * audit — `kdrift audit verify`: checks the hash chain of the whole log and
 * explains each break (see audit.h).  Never writes.
 *
 * The chain alone says only "line N does not follow line N-1".  The seq
 * numbers and an index of every record's hash turn that into a diagnosis:
 * a prev that names another record of the file means reordering, a gap in
 * seq with an unknown prev means removal, continuous seq with an unknown
 * prev means the previous record was edited.
 *
 * What the chain cannot see (its end) is checked against the anchor, the
 * heads from commit trailers and, with a key, the MACs (audit_anchor.c).
 */
#include "audit/audit.h"
#include "audit_priv.h"

#include <errno.h>
#include <inttypes.h>
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
	enum { MAC_NONE, MAC_OK, MAC_BAD, MAC_UNCHECKED } mac;
	bool has_was;       /* the record carries headWas */
	kd_audit_head was;
};

struct verifier {
	kd_audit_verify_result *res;
	size_t problems_cap;
	struct link *links;
	size_t n_links, links_cap;
	json_t *by_hash;    /* hash -> index into links */
	const kd_buf *key;  /* NULL: no key configured */
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
	case KD_AUDIT_CUT: return "cut tail";
	case KD_AUDIT_EMPTIED: return "emptied";
	case KD_AUDIT_UNANCHORED: return "unanchored";
	case KD_AUDIT_REWRITTEN: return "rewritten";
	case KD_AUDIT_FORGED: return "forged";
	case KD_AUDIT_NO_ANCHOR: return "no anchor";
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
	rc = line ? kd_buf_printf(&msg, "line %zu: ", line) : 0;
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

/* What a record carries beyond its link: its MAC, checked when there is a
 * key, and the head the anchor had when it was appended (headWas). */
static int take_extras(struct verifier *v, struct link *l, json_t *j, const char *text,
		       size_t len)
{
	const char *mac, *was_hash = kd_json_str(kd_json_obj(j, "headWas"), "hash");
	json_t *was_seq = json_object_get(kd_json_obj(j, "headWas"), "seq");
	char want[65];
	size_t body;
	int rc;

	l->mac = MAC_NONE;
	l->has_was = false;
	if (audit_line_mac(&mac, &body, text, len)) {
		l->mac = MAC_UNCHECKED;
		if (v->key) {
			if ((rc = audit_record_mac(want, v->key, text, body)) < 0)
				return rc;
			l->mac = strncmp(want, mac, 64) == 0 ? MAC_OK : MAC_BAD;
		}
	} else if (json_object_get(j, "mac")) {
		l->mac = MAC_BAD;  /* not the last key, or not 64 hex digits */
	}
	if (json_is_integer(was_seq) && was_hash && strlen(was_hash) == 64) {
		l->has_was = true;
		l->was.seq = (int64_t)json_integer_value(was_seq);
		memcpy(l->was.hash, was_hash, 65);
	}
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
	if ((rc = take_extras(v, l, j, text, len)) < 0)
		goto cleanup;
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

/* The MACs: with a key every record from the first keyed one on must carry
 * a right one; without a key they are only counted. */
static int check_macs(struct verifier *v)
{
	bool seen = false;
	size_t k;
	int rc = 0;

	for (k = 0; k < v->n_links && rc == 0; k++) {
		const struct link *l = &v->links[k];

		if (l->mac == MAC_NONE) {
			v->res->unkeyed++;
			if (v->key && seen)
				rc = problem(v, l->line, KD_AUDIT_FORGED,
					     "seq %" PRId64 " has no MAC although earlier records have "
					     "one: it was written or rewritten without the key",
					     l->seq);
			continue;
		}
		v->res->macs++;
		seen = true;
		if (l->mac == MAC_BAD)
			rc = problem(v, l->line, KD_AUDIT_FORGED,
				     "seq %" PRId64 ": the MAC does not match the key: the record "
				     "was changed, or written without the key", l->seq);
	}
	return rc;
}

/* headWas: what the anchor said when a record was appended to a log whose
 * last record differed from it. */
static int check_head_was(struct verifier *v)
{
	size_t k;
	int rc = 0;

	for (k = 0; k < v->n_links && rc == 0; k++) {
		const struct link *l = &v->links[k];
		int64_t tail = l->seq - 1;

		if (!l->has_was)
			continue;
		if (l->was.seq > tail)
			rc = problem(v, l->line, l->was.seq > 0 && tail == 0 ? KD_AUDIT_EMPTIED : KD_AUDIT_CUT,
				     "when seq %" PRId64 " was appended the anchor recorded seq %" PRId64
				     ", but the log ended at seq %" PRId64 ": records were %s before it",
				     l->seq, l->was.seq, tail,
				     tail == 0 ? "emptied out of the log" : "cut off the end");
		else if (l->was.seq < tail)
			rc = problem(v, l->line, KD_AUDIT_UNANCHORED,
				     "when seq %" PRId64 " was appended the anchor recorded seq %" PRId64
				     ": seq %" PRId64 " to %" PRId64 " had been added without kdrift",
				     l->seq, l->was.seq, l->was.seq + 1, tail);
		else
			rc = problem(v, l->line, KD_AUDIT_REWRITTEN,
				     "when seq %" PRId64 " was appended, the record before it was not "
				     "the one the anchor recorded: the chain had been rewritten",
				     l->seq);
	}
	return rc;
}

/* The last record with that seq, or NULL. */
static const struct link *find_seq(const struct verifier *v, int64_t seq)
{
	size_t k = v->n_links;

	while (k-- > 0)
		if (v->links[k].seq == seq)
			return &v->links[k];
	return NULL;
}

/* One head kept outside the log (`what` names where) against the log.
 * `latest`: it is the newest copy, so records after it are unanchored. */
static int check_head(struct verifier *v, const kd_audit_head *h, const char *what, bool latest)
{
	const struct link *l = find_seq(v, h->seq), *last;

	last = v->n_links ? &v->links[v->n_links - 1] : NULL;
	if (!last)
		return h->seq == 0 ? 0 :
			problem(v, 0, KD_AUDIT_EMPTIED, "the log has no records, but %s records "
				"seq %" PRId64 ": the log was emptied or replaced", what, h->seq);
	if (h->seq == 0)
		return latest ? problem(v, v->links[0].line, KD_AUDIT_UNANCHORED,
					"%s records an empty log, but records follow from here: "
					"not appended by kdrift", what) : 0;
	if (!l) {
		if (h->seq > last->seq)
			return problem(v, last->line, KD_AUDIT_CUT,
				       "the log ends here at seq %" PRId64 ", but %s records seq %"
				       PRId64 ": %" PRId64 " record%s cut off the end", last->seq,
				       what, h->seq, h->seq - last->seq,
				       h->seq - last->seq == 1 ? " was" : "s were");
		return problem(v, 0, KD_AUDIT_REWRITTEN,
			       "%s records seq %" PRId64 ", which is not in the log", what, h->seq);
	}
	if (strcmp(l->hash, h->hash) != 0)
		return problem(v, l->line, KD_AUDIT_REWRITTEN,
			       "seq %" PRId64 " is not the record %s records: the chain was "
			       "rewritten from here or before", h->seq, what);
	if (latest && l != last)
		return problem(v, (l + 1)->line, KD_AUDIT_UNANCHORED,
			       "%zu record%s from here on come%s after the anchored head (seq %"
			       PRId64 ", line %zu): appended by something other than kdrift, or "
			       "kdrift stopped between writing a record and its anchor",
			       (size_t)(last - l), last - l == 1 ? "" : "s", last - l == 1 ? "s" : "",
			       h->seq, l->line);
	return 0;
}

static int check_anchor(struct verifier *v, const char *anchor_path, const audit_anchor *a,
			bool found, bool invalid)
{
	kd_audit_verify_result *r = v->res;
	char want[65];
	size_t before = r->n_problems;
	int rc;

	if (invalid) {
		r->anchor_state = KD_AUDIT_ANCHOR_INVALID;
		return problem(v, 0, KD_AUDIT_NO_ANCHOR, "%s", kd_error_last());
	}
	if (!found) {
		r->anchor_state = KD_AUDIT_ANCHOR_NONE;
		if (!v->key)
			return 0;
		return problem(v, 0, KD_AUDIT_NO_ANCHOR, "a key is configured but there is no "
			       "anchor %s: the log's end cannot be checked", anchor_path);
	}
	r->anchor = a->head;
	if (v->key) {
		if (!a->has_mac)
			rc = problem(v, 0, KD_AUDIT_FORGED, "the anchor %s has no MAC although a key "
				     "is configured: it was written without the key", anchor_path);
		else if ((rc = audit_anchor_mac(want, v->key, &a->head)) == 0 &&
			 strcmp(want, a->mac) != 0)
			rc = problem(v, 0, KD_AUDIT_FORGED, "the anchor %s does not match the key: "
				     "it was written without the key", anchor_path);
		if (rc < 0)
			return rc;
	}
	if ((rc = check_head(v, &a->head, "the anchor", true)) < 0)
		return rc;
	r->anchor_state = r->n_problems == before ? KD_AUDIT_ANCHOR_MATCH : KD_AUDIT_ANCHOR_MISMATCH;
	return 0;
}

int kd_audit_verify(kd_audit_verify_result **out, const char *path)
{
	return kd_audit_verify_with(out, path, NULL);
}

int kd_audit_verify_with(kd_audit_verify_result **out, const char *path,
			 const kd_audit_verify_opts *opts)
{
	static const kd_audit_verify_opts none;
	const kd_audit_verify_opts *o = opts ? opts : &none;
	struct verifier v;
	char *default_path = NULL, *line = NULL, *anchor_path = NULL;
	size_t cap = 0, lineno = 0, bad = 0, k;
	kd_buf key = KD_BUF_INIT;
	audit_anchor anchor;
	bool keyed = false, found = false, invalid = false;
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
	if ((rc = audit_key_load(&key, &keyed, o->key_file)) < 0 ||
	    (rc = kd_audit_anchor_path(&anchor_path, path)) < 0)
		goto cleanup;
	v.key = keyed ? &key : NULL;
	v.res->keyed = keyed;
	rc = audit_anchor_read(&anchor, &found, anchor_path);
	if (rc == KD_EINVAL)
		invalid = true;
	else if (rc < 0)
		goto cleanup;
	f = fopen(path, "re");
	if (!f && !(errno == ENOENT && (found || invalid))) {
		rc = errno == ENOENT ? kd_error_set(KD_ENOTFOUND, "no audit log at %s", path) :
			kd_error_set(KD_EIO, "cannot read audit log %s: %s", path, strerror(errno));
		goto cleanup;
	}
	/* A missing log with an anchor left behind is an emptied one. */
	while (f && (len = getline(&line, &cap, f)) > 0) {
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
	if (f && ferror(f)) {
		rc = kd_error_set(KD_EIO, "cannot read audit log %s: %s", path, strerror(errno));
		goto cleanup;
	}
	for (k = 0; k < v.n_links; k++)
		if ((rc = check_link(&v, k)) < 0)
			goto cleanup;
	if ((rc = check_macs(&v)) < 0 || (rc = check_head_was(&v)) < 0 ||
	    (rc = check_anchor(&v, anchor_path, &anchor, found, invalid)) < 0)
		goto cleanup;
	for (k = 0; k < o->n_heads; k++) {
		if ((rc = check_head(&v, &o->heads[k], "a commit trailer", false)) < 0)
			goto cleanup;
		v.res->heads_checked++;
	}
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
	free(anchor_path);
	free(v.links);
	json_decref(v.by_hash);
	audit_key_wipe(&key);
	kd_audit_verify_result_free(v.res);
	return rc;
}
