/*
 * state_json — published states as JSON, and back (see engine.h).
 *
 * One implementation of the shape `kdrift check --output json` prints: the
 * agent's DriftReports carry the same app entries, and `--from-reports`
 * reads them back into kd_app_state with this file's reader, so a report
 * and a check can never describe an app differently.  Diff values are
 * taken as the diff holds them: Secret values are masks there already.
 * Never prints.
 */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int diffs_json(json_t **out, const kd_diff_result *d)
{
	json_t *arr = json_array();
	size_t i;

	*out = NULL;
	if (!arr)
		return oom();
	for (i = 0; d && i < d->nfields; i++) {
		const kd_diff_field *f = &d->fields[i];

		json_t *o = json_pack("{s:s, s:s, s:O?, s:O?, s:s, s:o, s:o, s:o, s:b}",
			"path", f->path, "change", kd_diff_change_name(f->kind),
			"desired", f->desired, "live", f->live, "manager", f->manager,
			"operation", str_or_null(f->operation), "time", str_or_null(f->time),
			"subresource", str_or_null(f->subresource),
			"neverConverges", f->never_converges);

		/* only when set, as check has always written it */
		if (!o || (f->removed_from_git && json_object_set_new(o, "removedFromGit", json_true()) < 0) ||
		    json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return oom();
		}
	}
	*out = arr;
	return 0;
}

int kd_resource_json(json_t **out, const kd_resource *r)
{
	json_t *diffs;

	*out = NULL;
	if (diffs_json(&diffs, r->diff) < 0)
		return KD_ENOMEM;
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:o}",
			 "apiVersion", r->api_version, "kind", r->kind,
			 "namespace", r->namespace, "name", r->name,
			 "status", kd_status_name(r->status), "intentional", r->intentional,
			 "hpaManaged", r->hpa_managed, "reason", str_or_null(r->reason),
			 "diffs", diffs);
	/* The Helm release an object belongs to, written only when there is
	 * one (reports stay small). */
	if (*out && r->helm_release &&
	    (json_object_set_new(*out, "helmRelease", json_string(r->helm_release)) < 0 ||
	     json_object_set_new(*out, "helmChart", json_boolean(r->helm_chart)) < 0)) {
		json_decref(*out);
		*out = NULL;
	}
	return *out ? 0 : oom();
}

int kd_app_state_json(json_t **out, const kd_app_state *a)
{
	json_t *res = json_array(), *r;
	size_t j;

	*out = NULL;
	if (!res)
		return oom();
	for (j = 0; j < a->nresources; j++)
		if (kd_resource_json(&r, &a->resources[j]) < 0 ||
		    json_array_append_new(res, r) < 0) {
			json_decref(res);
			return oom();
		}
	*out = json_pack("{s:s, s:s, s:o, s:o, s:o}",
			 "name", a->name, "status", kd_status_name(a->status),
			 "reason", str_or_null(a->reason), "path", str_or_null(a->path),
			 "resources", res);
	return *out ? 0 : oom();
}

/* {apiVersion, kind, namespace, name, manager, time} per object made by hand. */
static int unmanaged_json(json_t **out, const kd_cluster_state *st)
{
	json_t *arr = json_array();
	size_t i;

	*out = arr;
	for (i = 0; arr && i < st->nunmanaged; i++) {
		const kd_unmanaged *u = &st->unmanaged[i];

		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}",
				"apiVersion", u->api_version, "kind", u->kind, "namespace", u->namespace,
				"name", u->name, "manager", str_or_null(u->manager),
				"time", str_or_null(u->time))) < 0) {
			json_decref(arr);
			*out = NULL;
			break;
		}
	}
	return *out ? 0 : oom();
}

int kd_cluster_state_json(json_t **out, const kd_cluster_state *st, bool unmanaged)
{
	json_t *apps = json_array(), *a, *u = NULL;
	size_t i;

	*out = NULL;
	if (!apps)
		return oom();
	for (i = 0; i < st->napps; i++)
		if (kd_app_state_json(&a, &st->apps[i]) < 0 || json_array_append_new(apps, a) < 0) {
			json_decref(apps);
			return oom();
		}
	*out = json_pack("{s:s, s:s, s:o, s:b, s:o}", "name", st->name,
			 "status", kd_status_name(st->status), "reason", str_or_null(st->reason),
			 "reachable", st->reachable, "apps", apps);
	if (*out && st->from_reports &&
	    json_object_set_new(*out, "fromReports", json_true()) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	if (*out && unmanaged &&
	    (unmanaged_json(&u, st) < 0 || json_object_set_new(*out, "unmanaged", u) < 0)) {
		json_decref(*out);
		*out = NULL;
	}
	return *out ? 0 : oom();
}

int kd_counts_json(json_t **out, const kd_counts *c)
{
	*out = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}",
			 "synced", c->n[KD_STATUS_SYNCED], "drifted", c->n[KD_STATUS_DRIFTED],
			 "missing", c->n[KD_STATUS_MISSING], "extra", c->n[KD_STATUS_EXTRA],
			 "break-glass", c->n[KD_STATUS_BREAKGLASS],
			 "unknown", c->n[KD_STATUS_UNKNOWN]);
	return *out ? 0 : oom();
}

/* ---- reading an app entry back ------------------------------------------ */

/*
 * Read in place with core/data's jscan rather than through a jansson tree:
 * a fleet's reports are read by the hundred megabytes, and most of their
 * bytes are resource entries whose few fields are copied straight into
 * kd_resource.  Only diff values, which may be anything, become jansson
 * values.
 */

static int parse_change(kd_diff_change *out, const char *name)
{
	static const kd_diff_change all[] = { KD_DIFF_CHANGED, KD_DIFF_ADDED, KD_DIFF_REMOVED };
	size_t i;

	for (i = 0; name && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(name, kd_diff_change_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

static void field_clear(kd_diff_field *f)
{
	free(f->path);
	free(f->live_path);
	json_decref(f->desired);
	json_decref(f->live);
	free(f->manager);
	free(f->operation);
	free(f->time);
	free(f->subresource);
	memset(f, 0, sizeof(*f));
}

/*
 * A value that is well-formed JSON but not what an app entry holds (an
 * unknown status, a diff without a path) spoils its app, never the reading
 * of what follows: the readers below go on to the end of their object or
 * array and report the first such error; malformed JSON stops everything.
 */
static void first_error(int *first, int rc)
{
	if (rc < 0 && *first == 0)
		*first = rc;
}

/* One {path, change, desired, live, manager, ...}; null values are absent. */
static int read_field(kd_diff_field *f, kd_jscan *s, const char *where)
{
	const char *k;
	size_t n;
	char *change = NULL;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if (!kd_jscan_begin(s, '{'))
		return kd_jscan_error(s, where);
	while (!s->error && kd_jscan_member(s, &k, &n)) {
		json_t **v = kd_jscan_key_is(k, n, "desired") ? &f->desired :
			     kd_jscan_key_is(k, n, "live") ? &f->live : NULL;

		if (v) {
			json_decref(*v);
			*v = NULL;
			if (kd_jscan_peek(s) == 'n')
				kd_jscan_skip(s);
			else
				kd_jscan_json(s, v);
		} else if (kd_jscan_key_is(k, n, "path")) {
			free(f->path);
			kd_jscan_string(s, &f->path);
		} else if (kd_jscan_key_is(k, n, "change")) {
			free(change);
			kd_jscan_string(s, &change);
		} else if (kd_jscan_key_is(k, n, "manager")) {
			free(f->manager);
			kd_jscan_string(s, &f->manager);
		} else if (kd_jscan_key_is(k, n, "operation")) {
			free(f->operation);
			kd_jscan_string(s, &f->operation);
		} else if (kd_jscan_key_is(k, n, "time")) {
			free(f->time);
			kd_jscan_string(s, &f->time);
		} else if (kd_jscan_key_is(k, n, "subresource")) {
			free(f->subresource);
			kd_jscan_string(s, &f->subresource);
		} else if (kd_jscan_key_is(k, n, "neverConverges")) {
			kd_jscan_bool(s, &f->never_converges);
		} else if (kd_jscan_key_is(k, n, "removedFromGit")) {
			kd_jscan_bool(s, &f->removed_from_git);
		} else {
			kd_jscan_skip(s);
		}
	}
	if (s->error)
		rc = kd_jscan_error(s, where);
	else if (!f->path || parse_change(&f->kind, change) < 0)
		rc = kd_error_set(KD_EINVAL, "%s: a diff has no path or no known change", where);
	else if (!f->manager && !(f->manager = strdup("unknown")))
		rc = oom();
	free(change);
	if (rc < 0)
		field_clear(f);
	return rc;
}

static int read_diffs(kd_diff_result **out, kd_jscan *s, const char *where)
{
	kd_diff_result *d = NULL;
	size_t cap = 0;
	int first = 0;

	*out = NULL;
	if (kd_jscan_peek(s) == 'n')
		return kd_jscan_skip(s) < 0 ? kd_jscan_error(s, where) : 0;
	if (!kd_jscan_begin(s, '['))
		return kd_jscan_error(s, where);
	while (!s->error && kd_jscan_element(s)) {
		kd_diff_field f;

		first_error(&first, read_field(&f, s, where));
		if (first < 0) {
			field_clear(&f);
			continue;
		}
		if (!d && !(d = calloc(1, sizeof(*d)))) {
			field_clear(&f);
			first_error(&first, oom());
			continue;
		}
		if (d->nfields == cap) {
			kd_diff_field *g = realloc(d->fields, (cap ? cap * 2 : 4) * sizeof(*g));

			if (!g) {
				field_clear(&f);
				first_error(&first, oom());
				continue;
			}
			d->fields = g;
			cap = cap ? cap * 2 : 4;
		}
		d->fields[d->nfields++] = f;
	}
	if (s->error)
		first = kd_jscan_error(s, where);
	if (first < 0) {
		kd_diff_result_free(d);
		return first;
	}
	if (d)
		d->status = KD_DIFF_DRIFTED;
	*out = d;
	return 0;
}

typedef struct resource_entry {
	char *api_version, *kind, *namespace, *name, *status, *reason, *helm_release;
	bool intentional, hpa_managed, helm_chart;
	kd_diff_result *diff;
} resource_entry;

static void entry_clear(resource_entry *e)
{
	free(e->api_version);
	free(e->kind);
	free(e->namespace);
	free(e->name);
	free(e->status);
	free(e->reason);
	free(e->helm_release);
	kd_diff_result_free(e->diff);
	memset(e, 0, sizeof(*e));
}

static void read_string_member(char **field, kd_jscan *s)
{
	free(*field);
	*field = NULL;
	kd_jscan_string(s, field);
}

static int read_resource(kd_app_state *app, kd_jscan *s, const char *where)
{
	resource_entry e = { 0 };
	const char *k;
	size_t n;
	kd_resource *r;
	int st, first = 0;

	if (!kd_jscan_begin(s, '{'))
		return kd_jscan_error(s, where);
	while (!s->error && kd_jscan_member(s, &k, &n)) {
		if (kd_jscan_key_is(k, n, "apiVersion"))
			read_string_member(&e.api_version, s);
		else if (kd_jscan_key_is(k, n, "kind"))
			read_string_member(&e.kind, s);
		else if (kd_jscan_key_is(k, n, "namespace"))
			read_string_member(&e.namespace, s);
		else if (kd_jscan_key_is(k, n, "name"))
			read_string_member(&e.name, s);
		else if (kd_jscan_key_is(k, n, "status"))
			read_string_member(&e.status, s);
		else if (kd_jscan_key_is(k, n, "reason"))
			read_string_member(&e.reason, s);
		else if (kd_jscan_key_is(k, n, "intentional"))
			kd_jscan_bool(s, &e.intentional);
		else if (kd_jscan_key_is(k, n, "hpaManaged"))
			kd_jscan_bool(s, &e.hpa_managed);
		else if (kd_jscan_key_is(k, n, "helmRelease"))
			read_string_member(&e.helm_release, s);
		else if (kd_jscan_key_is(k, n, "helmChart"))
			kd_jscan_bool(s, &e.helm_chart);
		else if (kd_jscan_key_is(k, n, "diffs")) {
			kd_diff_result_free(e.diff);
			e.diff = NULL;
			first_error(&first, read_diffs(&e.diff, s, where));
		} else
			kd_jscan_skip(s);
	}
	if (s->error)
		first = kd_jscan_error(s, where);
	if (first < 0)
		goto cleanup;
	if (!e.kind || !e.name) {
		first = kd_error_set(KD_EINVAL, "%s: a resource has no kind or name", where);
		goto cleanup;
	}
	if ((st = e.status ? kd_status_parse(e.status) : -1) < 0) {
		first = kd_error_set(KD_EINVAL, "%s: unknown status '%s'", where,
				     e.status ? e.status : "(none)");
		goto cleanup;
	}
	if (!(r = kd_app_state_add_resource(app, e.api_version, e.kind, e.namespace, e.name))) {
		first = oom();
		goto cleanup;
	}
	r->status = (kd_status)st;
	r->intentional = e.intentional;
	r->hpa_managed = e.hpa_managed;
	r->reason = e.reason;
	r->diff = e.diff;
	r->helm_release = e.helm_release;
	r->helm_chart = e.helm_chart;
	e.helm_release = NULL;
	e.reason = NULL;
	e.diff = NULL;
cleanup:
	entry_clear(&e);
	return first;
}

int kd_app_state_read_member(kd_app_state *app, kd_jscan *s, const char *key, size_t len)
{
	kd_buf where = KD_BUF_INIT;
	char *text = NULL;
	int rc = 1, first = 0;

	kd_buf_printf(&where, "app %s", app->name);
	if (kd_jscan_key_is(key, len, "reason") || kd_jscan_key_is(key, len, "path")) {
		char **field = key[0] == 'r' ? &app->reason : &app->path;

		kd_jscan_string(s, &text);
		if (!*field)
			*field = text, text = NULL;
	} else if (kd_jscan_key_is(key, len, "resources")) {
		if (kd_jscan_peek(s) == 'n')
			kd_jscan_skip(s);
		else if (kd_jscan_begin(s, '['))
			while (!s->error && kd_jscan_element(s))
				first_error(&first, read_resource(app, s, kd_buf_cstr(&where)));
	} else if (kd_jscan_key_is(key, len, "name") || kd_jscan_key_is(key, len, "status")) {
		/* its own name, and a status the resources decide */
		kd_jscan_skip(s);
	} else {
		rc = 0;
	}
	if (s->error)
		rc = kd_jscan_error(s, kd_buf_cstr(&where));
	else if (first < 0)
		rc = first;
	free(text);
	kd_buf_free(&where);
	return rc;
}

int kd_app_state_from_json(kd_app_state *app, const json_t *entry)
{
	char *text;
	kd_jscan s;
	const char *k;
	size_t n;
	int rc = 0;

	if (!json_is_object(entry))
		return kd_error_set(KD_EINVAL, "app %s: not an app entry", app->name);
	if (!(text = json_dumps(entry, JSON_COMPACT)))
		return oom();
	kd_jscan_init(&s, text, strlen(text));
	if (!kd_jscan_begin(&s, '{'))
		rc = kd_jscan_error(&s, app->name);
	while (rc >= 0 && kd_jscan_member(&s, &k, &n))
		if ((rc = kd_app_state_read_member(app, &s, k, n)) == 0 && kd_jscan_skip(&s) < 0)
			rc = kd_jscan_error(&s, app->name);
	free(text);
	return rc < 0 ? rc : 0;
}
