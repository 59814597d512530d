/*
 * report — the agent's DriftReports: built from a published cluster state
 * with the engine's app entries (kd_app_state_json, the JSON of `kdrift
 * check`), kept under KD_REPORT_MAX_BYTES, and written only when they
 * changed, with resourceVersion preconditions (see act.h).
 *
 * Owns writing reports; reading them is core/engine (engine_reports.c).
 * Never prints.  One thread uses a kd_reporter at a time.
 */
#include "act/act.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "data/data.h"

#define FIELD_MANAGER "kdrift-agent"
#define MAX_ATTEMPTS 3

struct kd_reporter {
	kd_kube_driver *drv;
	kd_kube_conn *conn;
	char *cluster;
	char *namespace;
	long interval_s;
	size_t max_bytes;
	/* app -> {"name", "rv", "hash", "time"} of what the cluster holds,
	 * as far as we know; NULL until the first write lists them */
	json_t *known;
};

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* ---- names ------------------------------------------------------------ */

static bool dns_subdomain(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '-' && c != '.')
			return false;
		if ((i == 0 || i == n - 1 || s[i - 1] == '.') && !alnum)
			return false;
	}
	return true;
}

int kd_report_name(char **out, const char *app)
{
	kd_buf b = KD_BUF_INIT;
	char *norm = NULL, hex[65];
	json_t *s;
	int rc;

	*out = NULL;
	if ((rc = kd_template_normalize_name(&norm, app)) < 0)
		return rc;
	if (strcmp(norm, app) == 0 && dns_subdomain(norm)) {
		*out = norm;
		return 0;
	}
	/* two apps that normalise alike keep apart by a hash of the name */
	if (!(s = json_string(app))) {
		free(norm);
		return oom();
	}
	rc = kd_json_sha256_hex(hex, s);
	json_decref(s);
	if (rc == 0) {
		size_t n = strlen(norm);

		while (n > 0 && (norm[n - 1] == '-' || norm[n - 1] == '.'))
			n--;
		rc = kd_buf_printf(&b, "%.*s%s%.8s", (int)(n > 240 ? 240 : n), norm,
				   n ? "-" : "app-", hex);
	}
	free(norm);
	if (rc < 0) {
		kd_buf_free(&b);
		return rc;
	}
	*out = kd_buf_detach(&b);
	return 0;
}

/* ---- building ------------------------------------------------------------ */

static size_t dump_size(const json_t *v)
{
	return json_dumpb(v, NULL, 0, JSON_COMPACT);
}

typedef struct cut_entry {
	size_t index;
	size_t size;
} cut_entry;

static int by_size_desc(const void *a, const void *b)
{
	const cut_entry *x = a, *y = b;

	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

/* Cuts the biggest diffs first (each resource says how many it lost),
 * then, if that is not enough, resources from the end, synced ones first;
 * the counts stay whole. */
static int bound_size(json_t *report, size_t max)
{
	json_t *status = json_object_get(report, "status");
	json_t *res = json_object_get(status, "resources");
	size_t size = dump_size(report), n = json_array_size(res), i, k = 0;
	json_int_t diffs_cut = 0, res_cut = 0;
	cut_entry *order;

	if (size <= max)
		return 0;
	if (!(order = calloc(n ? n : 1, sizeof(*order))))
		return oom();
	for (i = 0; i < n; i++) {
		json_t *d = json_object_get(json_array_get(res, i), "diffs");

		if (json_array_size(d) > 0)
			order[k++] = (cut_entry){ i, dump_size(d) };
	}
	qsort(order, k, sizeof(*order), by_size_desc);
	for (i = 0; i < k && size > max; i++) {
		json_t *r = json_array_get(res, order[i].index);
		json_int_t nd = (json_int_t)json_array_size(json_object_get(r, "diffs"));

		if (json_object_set_new(r, "diffs", json_array()) < 0 ||
		    json_object_set_new(r, "diffsCut", json_integer(nd)) < 0) {
			free(order);
			return oom();
		}
		diffs_cut += nd;
		size = dump_size(report);
	}
	free(order);
	for (int pass = 0; pass < 2 && size > max; pass++)
		for (i = json_array_size(res); i-- > 0 && size > max;) {
			const char *st = kd_json_str(json_array_get(res, i), "status");

			if (pass == 0 && (!st || strcmp(st, "synced") != 0))
				continue;
			size -= dump_size(json_array_get(res, i)) + 1;
			json_array_remove(res, i);
			res_cut++;
		}
	if ((diffs_cut && json_object_set_new(status, "diffsCut", json_integer(diffs_cut)) < 0) ||
	    (res_cut && json_object_set_new(status, "resourcesCut", json_integer(res_cut)) < 0))
		return oom();
	if (dump_size(report) > max)
		return kd_error_set(KD_ELIMIT, "the DriftReport stays over %zu bytes with every diff "
				    "and resource cut", max);
	return 0;
}

int kd_report_build(json_t **out, const kd_cluster_state *st, const kd_app_state *app,
		    const kd_report_opts *opts, time_t now)
{
	static const kd_report_opts none;
	const kd_report_opts *o = opts ? opts : &none;
	json_t *entry = NULL, *counts = NULL, *report = NULL;
	char *name = NULL, when[KD_TIME_SIZE];
	int rc;

	*out = NULL;
	kd_time_format(when, (int64_t)now * 1000, 0);
	if ((rc = kd_report_name(&name, app->name)) < 0 ||
	    (rc = kd_app_state_json(&entry, app)) < 0 ||
	    (rc = kd_counts_json(&counts, &app->counts)) < 0)
		goto cleanup;
	if (json_object_set_new(entry, "revision", st->revision ? json_string(st->revision) : json_null()) < 0 ||
	    json_object_set_new(entry, "time", json_string(when)) < 0 ||
	    json_object_set_new(entry, "intervalSeconds", json_integer(o->interval_s)) < 0 ||
	    json_object_set(entry, "counts", counts) < 0 ||
	    !(report = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:s, s:s}, s:O}",
				 "apiVersion", KD_REPORT_API_VERSION, "kind", KD_REPORT_KIND,
				 "metadata", "name", name,
				 "namespace", o->namespace ? o->namespace : KD_REPORT_NAMESPACE,
				 "labels", "app.kubernetes.io/managed-by", "kdrift",
				 "spec", "cluster", st->name, "app", app->name,
				 "status", entry))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = bound_size(report, o->max_bytes ? o->max_bytes : KD_REPORT_MAX_BYTES)) < 0)
		goto cleanup;
	*out = report;
	report = NULL;
cleanup:
	json_decref(report);
	json_decref(entry);
	json_decref(counts);
	free(name);
	return rc;
}

/* What a status says, without the time it was confirmed at. */
static int content_hash(char hex[65], const json_t *status)
{
	json_t *copy = json_copy((json_t *)status);
	int rc;

	if (!copy)
		return oom();
	json_object_del(copy, "time");
	rc = kd_json_sha256_hex(hex, copy);
	json_decref(copy);
	return rc;
}

/* ---- the writer -------------------------------------------------------------- */

int kd_reporter_new(kd_reporter **out, const kd_kubeconfig *kc, const char *context,
		    const char *cluster, const kd_report_opts *opts)
{
	static const kd_report_opts none;
	const kd_report_opts *o = opts ? opts : &none;
	kd_kube_target *t = NULL;
	kd_kube_options ko;
	kd_reporter *r;
	int rc;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return oom();
	r->interval_s = o->interval_s > 0 ? o->interval_s : 300;
	r->max_bytes = o->max_bytes ? o->max_bytes : KD_REPORT_MAX_BYTES;
	if (!(r->cluster = strdup(cluster)) ||
	    !(r->namespace = strdup(o->namespace ? o->namespace : KD_REPORT_NAMESPACE))) {
		rc = oom();
		goto fail;
	}
	kd_kube_options_init(&ko);
	ko.deadline_ms = 30000;
	if ((rc = kd_kube_driver_new(&r->drv)) < 0 ||
	    (rc = kd_kube_target_new(&t, kc, context)) < 0 ||
	    (rc = kd_kube_conn_new(&r->conn, r->drv, t, cluster, &ko)) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	kd_reporter_free(r);
	return rc;
}

void kd_reporter_free(kd_reporter *r)
{
	if (!r)
		return;
	kd_kube_conn_free(r->conn);
	kd_kube_driver_free(r->drv);
	json_decref(r->known);
	free(r->cluster);
	free(r->namespace);
	free(r);
}

static void ref_of(kd_kube_ref *ref, const kd_reporter *r, const char *name, const char *sub)
{
	memset(ref, 0, sizeof(*ref));
	ref->group = KD_REPORT_GROUP;
	ref->version = KD_REPORT_VERSION;
	ref->resource = KD_REPORT_RESOURCE;
	ref->namespace = r->namespace;
	ref->name = name;
	ref->subresource = sub;
}

/* Remembers what the cluster holds for an app. */
static int remember(kd_reporter *r, const char *app, const json_t *obj)
{
	const json_t *status = kd_json_obj(obj, "status");
	const char *rv = kd_json_str(kd_json_obj(obj, "metadata"), "resourceVersion");
	const char *name = kd_json_str(kd_json_obj(obj, "metadata"), "name");
	const char *t = kd_json_str(status, "time");
	int64_t when_ms = 0;
	char hex[65] = "";
	int rc;

	if (status && (rc = content_hash(hex, status)) < 0)
		return rc;
	if (t && kd_time_parse(&when_ms, t) < 0)
		when_ms = 0;
	if (json_object_set_new(r->known, app, json_pack("{s:s, s:s, s:s, s:I}",
			"name", name ? name : "", "rv", rv ? rv : "", "hash", hex,
			"time", (json_int_t)(when_ms / 1000))) < 0)
		return oom();
	return 0;
}

/* The reports of this cluster the namespace holds (once, at the first
 * write: the agent is their only writer afterwards). */
static int load_known(kd_reporter *r)
{
	kd_kube_ref ref;
	json_t *items = NULL, *it;
	size_t i;
	int rc;

	if (!(r->known = json_object()))
		return oom();
	ref_of(&ref, r, NULL, NULL);
	rc = kd_kube_list_sync(&items, NULL, r->conn, &ref, NULL);
	if (rc < 0) {
		json_decref(r->known);
		r->known = NULL;
		return rc;
	}
	json_array_foreach(items, i, it) {
		const json_t *spec = kd_json_obj(it, "spec");
		const char *c = kd_json_str(spec, "cluster"), *a = kd_json_str(spec, "app");

		if (c && a && strcmp(c, r->cluster) == 0 && (rc = remember(r, a, it)) < 0)
			break;
	}
	json_decref(items);
	return rc;
}

/* Creates the report without status (the status subresource ignores it on
 * create); an existing one is read instead.  *got is the object now. */
static int ensure_exists(json_t **got, bool *created, kd_reporter *r, const json_t *report)
{
	kd_kube_write_opts wo = { .field_manager = FIELD_MANAGER };
	const char *name = kd_json_str(kd_json_obj(report, "metadata"), "name");
	json_t *bare = json_copy((json_t *)report);
	kd_kube_ref ref;
	int rc;

	*got = NULL;
	if (!bare)
		return oom();
	json_object_del(bare, "status");
	ref_of(&ref, r, name, NULL);
	rc = kd_kube_create_sync(got, r->conn, &ref, bare, &wo);
	json_decref(bare);
	*created = rc == 0;
	if (rc == KD_ECONFLICT)   /* AlreadyExists */
		rc = kd_kube_get_sync(got, r->conn, &ref);
	return rc;
}

static int put_status(json_t **got, kd_reporter *r, const json_t *report, const char *rv)
{
	kd_kube_write_opts wo = { .field_manager = FIELD_MANAGER };
	const char *name = kd_json_str(kd_json_obj(report, "metadata"), "name");
	json_t *obj = json_deep_copy(report);
	kd_kube_ref ref;
	int rc;

	*got = NULL;
	if (!obj || json_object_set_new(json_object_get(obj, "metadata"), "resourceVersion",
					json_string(rv)) < 0) {
		json_decref(obj);
		return oom();
	}
	ref_of(&ref, r, name, "status");
	rc = kd_kube_update_sync(got, r->conn, &ref, obj, &wo);
	json_decref(obj);
	return rc;
}

/* Writes one app's report unless the cluster holds the same content
 * confirmed less than an interval ago. */
static int write_one(kd_reporter *r, const kd_cluster_state *st, const kd_app_state *app,
		     time_t now, kd_report_stats *stats)
{
	kd_report_opts o = { .namespace = r->namespace, .interval_s = r->interval_s,
			     .max_bytes = r->max_bytes };
	json_t *report = NULL, *got = NULL, *k;
	char hex[65];
	const char *rv = NULL;
	int attempt, rc;

	if ((rc = kd_report_build(&report, st, app, &o, now)) < 0 ||
	    (rc = content_hash(hex, json_object_get(report, "status"))) < 0)
		goto cleanup;
	k = json_object_get(r->known, app->name);
	if (k && strcmp(kd_json_str(k, "hash"), hex) == 0 &&
	    now - (time_t)json_integer_value(json_object_get(k, "time")) < r->interval_s) {
		stats->unchanged++;
		goto cleanup;
	}
	if (k && strcmp(kd_json_str(k, "name"), kd_json_str(kd_json_obj(report, "metadata"), "name")) != 0)
		k = NULL;   /* written under another name once: a new one */
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		json_decref(got);
		got = NULL;
		if (!k || !*kd_json_str(k, "rv")) {
			bool created = false;

			if ((rc = ensure_exists(&got, &created, r, report)) < 0)
				break;
			stats->created += created;
			if ((rc = remember(r, app->name, got)) < 0)
				break;
			k = json_object_get(r->known, app->name);
			/* someone else's copy of the same content: nothing to write */
			if (strcmp(kd_json_str(k, "hash"), hex) == 0 &&
			    now - (time_t)json_integer_value(json_object_get(k, "time")) < r->interval_s) {
				stats->unchanged++;
				break;
			}
			json_decref(got);
			got = NULL;
		}
		rv = kd_json_str(k, "rv");
		rc = put_status(&got, r, report, rv);
		if (rc == 0) {
			stats->written++;
			rc = remember(r, app->name, got);
			break;
		}
		if (rc != KD_ECONFLICT && rc != KD_ENOTFOUND)
			break;
		/* changed or deleted since we read it: read it again and decide anew */
		stats->conflicts += rc == KD_ECONFLICT;
		json_object_del(r->known, app->name);
		k = NULL;
	}
cleanup:
	if (rc < 0)
		stats->failed++;
	json_decref(report);
	json_decref(got);
	return rc;
}

/* Deletes the reports of apps the cluster no longer has (an app removed
 * from the fleet), with the version we know as a precondition. */
static void prune_gone(kd_reporter *r, const kd_cluster_state *st, kd_report_stats *stats)
{
	const char *app;
	json_t *k;
	void *tmp;

	json_object_foreach_safe(r->known, tmp, app, k) {
		kd_kube_write_opts wo = { .resource_version = kd_json_str(k, "rv") };
		kd_kube_ref ref;

		if (kd_cluster_state_app(st, app) || !*kd_json_str(k, "name"))
			continue;
		ref_of(&ref, r, kd_json_str(k, "name"), NULL);
		if (kd_kube_delete_sync(NULL, r->conn, &ref, &wo) == 0 ||
		    kd_error_last_code() == KD_ENOTFOUND) {
			stats->deleted++;
			json_object_del(r->known, app);
		}
	}
}

int kd_reporter_write(kd_reporter *r, const kd_cluster_state *st, time_t now,
		      kd_report_stats *stats)
{
	kd_report_stats none;
	size_t i;
	int rc = 0, first = 0;

	if (!stats)
		stats = &none;
	memset(stats, 0, sizeof(*stats));
	if (!r->known && (rc = load_known(r)) < 0) {
		stats->failed = st->napps ? st->napps : 1;
		return rc;
	}
	for (i = 0; i < st->napps; i++)
		if ((rc = write_one(r, st, &st->apps[i], now, stats)) < 0 && first == 0)
			first = rc;
	if (first == 0)
		prune_gone(r, st, stats);
	return first;
}
