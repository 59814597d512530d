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

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* RFC 3339 date-time or a bare date; false when it is neither. */
static bool parse_rfc3339(int64_t *out, const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, oh = 0, om = 0, sign = 0;
	const char *p;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return false;
	p = s + 10;
	if (*p) {
		if ((*p != 'T' && *p != 't' && *p != ' ') || !digits(p + 1, 2, &h) || p[3] != ':' ||
		    !digits(p + 4, 2, &mi) || p[6] != ':' || !digits(p + 7, 2, &sec) ||
		    h > 23 || mi > 59 || sec > 60)
			return false;
		p += 9;
		if (*p == '.') {
			int scale = 100, n = 0;

			for (p++; isdigit((unsigned char)*p); p++, n++) {
				ms += (*p - '0') * scale;
				scale /= 10;
			}
			if (n == 0)
				return false;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p == '+' ? 1 : -1;
			if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) ||
			    oh > 23 || om > 59)
				return false;
			p += 6;
		} else {
			return false;
		}
		if (*p)
			return false;
	}
	if (sec == 60)  /* a leap second sorts with the second before it */
		sec = 59;
	*out = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
		sign * (oh * 3600 + om * 60)) * 1000 + ms;
	return true;
}

int kd_audit_parse_time(int64_t *out_ms, const char *text, int64_t now_ms)
{
	char *end;
	long long n;
	int64_t unit;

	if (!text || !*text)
		return kd_error_set(KD_EINVAL, "empty time");
	if (parse_rfc3339(out_ms, text))
		return 0;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (isdigit((unsigned char)text[0]) && errno == 0 && end[0] && !end[1]) {
		switch (end[0]) {
		case 's': unit = 1000; break;
		case 'm': unit = 60 * 1000; break;
		case 'h': unit = 3600 * 1000; break;
		case 'd': unit = 86400 * 1000; break;
		default: unit = 0; break;
		}
		if (unit && n <= (now_ms > 0 ? now_ms : 0) / unit) {
			*out_ms = now_ms - n * unit;
			return 0;
		}
	}
	return kd_error_set(KD_EINVAL,
			    "'%s' is not a time: use RFC 3339 (2026-11-26T03:05:19Z), a date "
			    "(2026-11-26) or a duration (90s, 30m, 2h, 7d)", text);
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
	    !parse_rfc3339(&rec->time_ms, rec->time)) {
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

/* The API group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""), so a
 * follow-up through another version of the same kind still counts. */
static size_t group_len(const char *api_version)
{
	const char *slash = api_version ? strchr(api_version, '/') : NULL;

	return slash ? (size_t)(slash - api_version) : 0;
}

static bool same_object(const kd_audit_record *a, const kd_audit_record *b)
{
	json_t *oa = kd_json_obj(a->json, "object"), *ob = kd_json_obj(b->json, "object");
	const char *va = kd_json_str(oa, "apiVersion"), *vb = kd_json_str(ob, "apiVersion");
	size_t ga = group_len(va), gb = group_len(vb);

	return same(a->cluster, b->cluster) && same(kd_json_str(oa, "kind"), kd_json_str(ob, "kind")) &&
	       same(kd_json_str(oa, "namespace"), kd_json_str(ob, "namespace")) &&
	       same(kd_json_str(oa, "name"), kd_json_str(ob, "name")) &&
	       ga == gb && (ga == 0 || strncmp(va, vb, ga) == 0);
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
