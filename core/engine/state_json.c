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

		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:O?, s:O?, s:s, s:o, s:o, s:o, s:b}",
			"path", f->path, "change", kd_diff_change_name(f->kind),
			"desired", f->desired, "live", f->live, "manager", f->manager,
			"operation", str_or_null(f->operation), "time", str_or_null(f->time),
			"subresource", str_or_null(f->subresource),
			"neverConverges", f->never_converges)) < 0) {
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

int kd_cluster_state_json(json_t **out, const kd_cluster_state *st)
{
	json_t *apps = json_array(), *a;
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

static int opt_str(char **out, const json_t *obj, const char *key, const char *where)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return kd_error_set(KD_EINVAL, "%s: '%s' is not a string", where, key);
	return (*out = strdup(json_string_value(v))) ? 0 : oom();
}

static const char *req_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

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

static int diff_from_json(kd_diff_result **out, const json_t *arr, const char *where)
{
	kd_diff_result *d;
	const json_t *f;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return 0;
	if (!(d = calloc(1, sizeof(*d))) ||
	    !(d->fields = calloc(json_array_size(arr), sizeof(*d->fields)))) {
		free(d);
		return oom();
	}
	d->status = KD_DIFF_DRIFTED;
	json_array_foreach(arr, i, f) {
		kd_diff_field *g = &d->fields[d->nfields];
		const char *path = req_str(f, "path"), *manager = req_str(f, "manager");

		if (!path || parse_change(&g->kind, req_str(f, "change")) < 0) {
			rc = kd_error_set(KD_EINVAL, "%s: diff %zu has no path or no known change", where, i);
			break;
		}
		d->nfields++;
		/* null is how the JSON writes an absent value */
		g->desired = json_is_null(json_object_get(f, "desired")) ? NULL :
			     json_incref(json_object_get(f, "desired"));
		g->live = json_is_null(json_object_get(f, "live")) ? NULL :
			  json_incref(json_object_get(f, "live"));
		g->never_converges = json_is_true(json_object_get(f, "neverConverges"));
		if (!(g->path = strdup(path)) || !(g->manager = strdup(manager ? manager : "unknown")) ||
		    (rc = opt_str(&g->operation, f, "operation", where)) < 0 ||
		    (rc = opt_str(&g->time, f, "time", where)) < 0 ||
		    (rc = opt_str(&g->subresource, f, "subresource", where)) < 0) {
			rc = rc < 0 ? rc : oom();
			break;
		}
	}
	if (rc < 0) {
		kd_diff_result_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

static int status_of(kd_status *out, const json_t *obj, const char *where)
{
	const char *s = req_str(obj, "status");
	int v = s ? kd_status_parse(s) : -1;

	if (v < 0)
		return kd_error_set(KD_EINVAL, "%s: unknown status '%s'", where, s ? s : "(none)");
	*out = (kd_status)v;
	return 0;
}

int kd_app_state_from_json(kd_app_state *app, const json_t *entry)
{
	const json_t *res = json_object_get(entry, "resources"), *r;
	kd_buf where = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	if (!json_is_object(entry) || (res && !json_is_array(res)))
		return kd_error_set(KD_EINVAL, "app %s: not an app entry", app->name);
	if ((rc = kd_buf_printf(&where, "app %s", app->name)) < 0)
		return rc;
	if ((!app->reason && (rc = opt_str(&app->reason, entry, "reason", where.data)) < 0) ||
	    (!app->path && (rc = opt_str(&app->path, entry, "path", where.data)) < 0))
		goto cleanup;
	json_array_foreach(res, i, r) {
		const char *kind = req_str(r, "kind"), *name = req_str(r, "name");
		kd_resource *x;

		if (!kind || !name) {
			rc = kd_error_set(KD_EINVAL, "%s: resource %zu has no kind or name", where.data, i);
			break;
		}
		if (!(x = kd_app_state_add_resource(app, req_str(r, "apiVersion"), kind,
						    req_str(r, "namespace"), name))) {
			rc = oom();
			break;
		}
		x->intentional = json_is_true(json_object_get(r, "intentional"));
		x->hpa_managed = json_is_true(json_object_get(r, "hpaManaged"));
		if ((rc = status_of(&x->status, r, where.data)) < 0 ||
		    (rc = opt_str(&x->reason, r, "reason", where.data)) < 0 ||
		    (rc = diff_from_json(&x->diff, json_object_get(r, "diffs"), where.data)) < 0)
			break;
	}
cleanup:
	kd_buf_free(&where);
	return rc;
}
