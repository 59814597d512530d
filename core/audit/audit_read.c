/*
 * audit — reading the audit log back: filtered walks and the break-glass
 * follow-up list (see audit.h; verifying the chain is audit_verify.c).
 * Never writes.
 */
#include "audit/audit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* ---- time ---- */

/* An RFC 3339 time, or a bare date read as midnight UTC. */
static int parse_instant(int64_t *out_ms, const char *text)
{
	kd_buf day = KD_BUF_INIT;
	int rc;

	if (strlen(text) != 10)
		return kd_time_parse(out_ms, text);
	if ((rc = kd_buf_printf(&day, "%sT00:00:00Z", text)) == 0)
		rc = kd_time_parse(out_ms, kd_buf_cstr(&day));
	kd_buf_free(&day);
	return rc;
}

int kd_audit_parse_time(int64_t *out_ms, const char *text, int64_t now_ms)
{
	int64_t ago;

	if (!text || !*text)
		return kd_error_set(KD_EINVAL, "empty time");
	if (parse_instant(out_ms, text) == 0)
		return 0;
	/* Not a time: an age back from now, in the one duration grammar.
	 * Text that looks like neither says what a time can be; a duration
	 * that is wrong says what is wrong with it (a bare "90" its unit). */
	if (kd_duration_parse(&ago, text) == 0) {
		*out_ms = now_ms - ago;
		return 0;
	}
	if (isdigit((unsigned char)text[0]) && !strpbrk(text, "-:T"))
		return KD_EINVAL;
	return kd_error_set(KD_EINVAL,
			    "'%s' is not a time: use RFC 3339 (2026-11-26T03:05:19Z), a date "
			    "(2026-11-26) or a duration back from now (90s, 30m, 2h, 7d)", text);
}

/* ---- records ---- */

static bool is_hash(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

/* Parses one line (without its '\n') into rec; false when the line is not
 * a record (kd_audit_verify says why). */
static bool record_parse(kd_audit_record *rec, json_t **owned, const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *seq;
	const char *prev;

	*owned = NULL;
	memset(rec, 0, sizeof(*rec));
	if (!j)
		return false;
	seq = json_object_get(j, "seq");
	prev = kd_json_str(j, "prev");
	rec->json = j;
	rec->id = kd_json_str(j, "id");
	rec->time = kd_json_str(j, "time");
	if (!json_is_object(j) || !json_is_integer(seq) || json_integer_value(seq) < 1 ||
	    !prev || !is_hash(prev) || !rec->id || !rec->time ||
	    kd_time_parse(&rec->time_ms, rec->time) < 0) {
		json_decref(j);
		memset(rec, 0, sizeof(*rec));
		return false;
	}
	rec->seq = (int64_t)json_integer_value(seq);
	rec->mode = kd_json_str(j, "mode");
	rec->phase = kd_json_str(j, "phase");
	rec->action = kd_json_str(j, "action");
	rec->cluster = kd_json_str(j, "cluster");
	rec->intent_id = kd_json_str(j, "intent");
	*owned = j;
	return true;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool matches(const kd_audit_record *r, const kd_audit_filter *f)
{
	size_t i;

	if (!f)
		return true;
	if ((f->since_ms && r->time_ms < f->since_ms) || (f->until_ms && r->time_ms >= f->until_ms))
		return false;
	if ((f->cluster && !same(f->cluster, r->cluster)) || (f->action && !same(f->action, r->action)))
		return false;
	if (!f->ids || f->n_ids == 0)
		return true;
	for (i = 0; i < f->n_ids; i++)
		if (f->ids[i] && (same(f->ids[i], r->id) || same(f->ids[i], r->intent_id)))
			return true;
	return false;
}

static int open_for_reading(FILE **out, const char *path, char **default_path)
{
	int rc;

	*out = NULL;
	*default_path = NULL;
	if (!path) {
		if ((rc = kd_audit_default_path(default_path)) < 0)
			return rc;
		path = *default_path;
	}
	*out = fopen(path, "re");
	if (!*out) {
		if (errno == ENOENT)
			return kd_error_set(KD_ENOTFOUND, "no audit log at %s", path);
		return kd_error_set(KD_EIO, "cannot read audit log %s: %s", path, strerror(errno));
	}
	return 0;
}

int kd_audit_read(const char *path, const kd_audit_filter *filter, kd_audit_visit_fn visit,
		  void *ctx)
{
	char *default_path = NULL, *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	FILE *f;
	int rc = open_for_reading(&f, path, &default_path);

	if (rc == KD_ENOTFOUND) {
		kd_error_clear();
		free(default_path);
		return 0;
	}
	if (rc < 0)
		goto cleanup;
	while ((len = getline(&line, &cap, f)) > 0) {
		kd_audit_record rec;
		json_t *owned;

		lineno++;
		if (line[len - 1] != '\n')
			break;  /* a partial last line is no record */
		if (!record_parse(&rec, &owned, line, (size_t)len - 1))
			continue;
		rec.line = lineno;
		rc = matches(&rec, filter) ? visit(&rec, ctx) : 0;
		json_decref(owned);
		if (rc != 0)
			goto cleanup;
	}
	if (ferror(f))
		rc = kd_error_set(KD_EIO, "cannot read audit log: %s", strerror(errno));
cleanup:
	if (f)
		fclose(f);
	free(line);
	free(default_path);
	return rc;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

int kd_audit_record_summary(kd_buf *out, const kd_audit_record *rec)
{
	json_t *obj = kd_json_obj(rec->json, "object");
	const char *status = kd_json_str(kd_json_obj(rec->json, "outcome"), "status");
	const char *ns = kd_json_str(obj, "namespace");

	return kd_buf_printf(out, "%s %s %s %s %s%s%s %s %s %s%s%s %s", or_dash(rec->time),
			     or_dash(kd_json_str(rec->json, "user")), or_dash(rec->mode),
			     or_dash(rec->action), or_dash(rec->phase), status ? "/" : "",
			     status ? status : "", or_dash(rec->cluster),
			     or_dash(kd_json_str(obj, "kind")), ns ? ns : "", ns ? "/" : "",
			     or_dash(kd_json_str(obj, "name")), or_dash(rec->id));
}

/* ---- lists ---- */

void kd_audit_list_free(kd_audit_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		json_decref(list->items[i].json);
	free(list->items);
	free(list);
}

static int list_push(kd_audit_list *list, size_t *cap, const kd_audit_record *rec)
{
	if (list->count == *cap) {
		size_t n = *cap ? *cap * 2 : 32;
		kd_audit_record *p = realloc(list->items, n * sizeof(*p));

		if (!p)
			return kd_error_set(KD_ENOMEM, "out of memory reading the audit log");
		list->items = p;
		*cap = n;
	}
	list->items[list->count] = *rec;
	json_incref(rec->json);
	list->count++;
	return 0;
}

struct collect {
	kd_audit_list *list;
	size_t cap;
};

static int collect_visit(const kd_audit_record *rec, void *ctx)
{
	struct collect *c = ctx;

	return list_push(c->list, &c->cap, rec);
}

int kd_audit_list_load(kd_audit_list **out, const char *path, const kd_audit_filter *filter)
{
	struct collect c = { NULL, 0 };
	int rc;

	*out = NULL;
	c.list = calloc(1, sizeof(*c.list));
	if (!c.list)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_audit_read(path, filter, collect_visit, &c);
	if (rc < 0) {
		kd_audit_list_free(c.list);
		return rc;
	}
	*out = c.list;
	return 0;
}

/* ---- break-glass follow-up ---- */

static bool is_follow_up(const char *action)
{
	return same(action, KD_AUDIT_ACTION_ACCEPT) || same(action, KD_AUDIT_ACTION_REVERT) ||
	       same(action, KD_AUDIT_ACTION_ACKNOWLEDGE);
}

static bool succeeded(const kd_audit_record *r)
{
	return same(r->phase, "outcome") &&
	       same(kd_json_str(kd_json_obj(r->json, "outcome"), "status"), "success");
}

/* By identity (the group counts, the version does not: a follow-up
 * through another version of the same kind still counts). */
static bool same_object(const kd_audit_record *a, const kd_audit_record *b)
{
	kd_object_id x, y;

	kd_object_id_of_ref(&x, kd_json_obj(a->json, "object"));
	kd_object_id_of_ref(&y, kd_json_obj(b->json, "object"));
	return same(a->cluster, b->cluster) && kd_object_id_equal(&x, &y);
}

int kd_audit_open_breakglass(kd_audit_list **out, const char *path)
{
	kd_audit_list *all = NULL, *res = NULL;
	bool *open = NULL;
	size_t i, j, cap = 0;
	int rc;

	*out = NULL;
	if ((rc = kd_audit_list_load(&all, path, NULL)) < 0)
		return rc;
	open = calloc(all->count ? all->count : 1, sizeof(*open));
	res = calloc(1, sizeof(*res));
	if (!open || !res) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < all->count; i++) {
		const kd_audit_record *r = &all->items[i];

		if (is_follow_up(r->action)) {
			if (succeeded(r))
				for (j = 0; j < i; j++)
					if (open[j] && same_object(&all->items[j], r))
						open[j] = false;
			continue;
		}
		if (!same(r->mode, "break-glass") || same(r->action, KD_AUDIT_ACTION_BREAK_GLASS_START) ||
		    same(r->action, KD_AUDIT_ACTION_BREAK_GLASS_END))
			continue;
		if (same(r->phase, "intent")) {
			open[i] = true;  /* until its outcome says otherwise */
			continue;
		}
		for (j = 0; j < i && r->intent_id; j++)
			if (open[j] && same(all->items[j].id, r->intent_id))
				open[j] = false;
		open[i] = succeeded(r);
	}
	for (i = 0; i < all->count; i++)
		if (open[i] && (rc = list_push(res, &cap, &all->items[i])) < 0)
			goto cleanup;
	*out = res;
	res = NULL;
	rc = 0;
cleanup:
	kd_audit_list_free(res);
	kd_audit_list_free(all);
	free(open);
	return rc;
}
