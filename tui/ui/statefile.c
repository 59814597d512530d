/*
 * statefile — a fleet state read from a file instead of the engine.
 *
 * For deterministic screen tests (the hidden --state-file option and the
 * :load-state test command): a YAML or JSON document with `now` (the
 * clock used for ages), `source` {label, revision, fetchedAt, pending: a
 * revision seen and not rendered yet}, `log`
 * [{level, cluster, message}] and `clusters`, each with name, labels,
 * reachable, reason, remediation, prune, syncedAt, watched, revision and apps
 * [{name, reason, path, resources: [{desired, live, status, reason,
 * intentional, hpaManaged}]}], and unmanaged as `check --unmanaged`
 * writes it.  Statuses are computed with kd_diff_objects exactly as the
 * engine does; `status` overrides (break-glass, unknown).
 *
 * A JSON file (the bench's fleets of 100,000 objects) is read one cluster
 * at a time with jscan and each cluster published as soon as it is built,
 * so no tree of the whole document is ever held beside the states: the
 * states are then the only copy, and a :load-state over a loaded fleet
 * needs little more memory than one of the two fleets.  Numbers are typed
 * as the YAML reader types them; a document jscan cannot read goes through
 * the YAML reader, which names the line of the error.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "diff/diff.h"
#include "base/base.h"
#include "data/data.h"
#include "ui.h"

static char *dup_str(const json_t *obj, const char *key)
{
	const char *s = kd_json_str(obj, key);

	return s ? strdup(s) : NULL;
}

static int add_resource(kd_app_state *app, const json_t *r, const char *path)
{
	const json_t *desired = json_object_get(r, "desired"), *live = json_object_get(r, "live");
	const json_t *obj = desired ? desired : live, *meta;
	const char *st = kd_json_str(r, "status");
	kd_resource *res;
	kd_diff_opts opts = { 0 };
	int rc;

	if (!json_is_object(r) || (desired && !json_is_object(desired)) ||
	    (live && !json_is_object(live)))
		return kd_error_set(KD_EINVAL, "%s: a resource must be an object with desired and/or live objects", path);
	meta = json_object_get(obj, "metadata");
	res = kd_app_state_add_resource(app,
		obj ? kd_json_str(obj, "apiVersion") : kd_json_str(r, "apiVersion"),
		obj ? kd_json_str(obj, "kind") : kd_json_str(r, "kind"),
		obj ? kd_json_str(meta, "namespace") : kd_json_str(r, "namespace"),
		obj ? kd_json_str(meta, "name") : kd_json_str(r, "name"));
	if (!res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	res->desired = json_incref((json_t *)desired);
	res->live = json_incref((json_t *)live);
	res->intentional = json_is_true(json_object_get(r, "intentional"));
	res->hpa_managed = json_is_true(json_object_get(r, "hpaManaged"));
	if (json_object_get(r, "reason") && !(res->reason = dup_str(r, "reason")))
		return kd_error_set(KD_ENOMEM, "out of memory");
	kd_fleet_diff_opts(&opts, NULL);
	opts.hpa_managed = res->hpa_managed;
	if (desired && live) {
		if ((rc = kd_diff_objects(&res->diff, desired, live, &opts)) < 0)
			return kd_error_wrap(rc, "%s: %s/%s: ", path, res->kind, res->name);
		res->status = res->diff->status == KD_DIFF_DRIFTED ? KD_STATUS_DRIFTED : KD_STATUS_SYNCED;
	} else {
		res->status = desired ? KD_STATUS_MISSING : live ? KD_STATUS_EXTRA : KD_STATUS_UNKNOWN;
	}
	if (st) {
		int s = kd_status_parse(st);

		if (s < 0)
			return kd_error_set(KD_EINVAL, "%s: unknown status '%s'", path, st);
		res->status = (kd_status)s;
	}
	if (res->uid == NULL && live)
		res->uid = dup_str(json_object_get(live, "metadata"), "uid");
	return 0;
}

static int build_cluster(kd_cluster_state **out, const json_t *c, const char *path)
{
	kd_cluster_state *st = kd_cluster_state_new(kd_json_str(c, "name"));
	const json_t *apps = json_object_get(c, "apps"), *labels = json_object_get(c, "labels");
	const json_t *a, *r;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!st)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (json_is_object(labels)) {
		json_decref(st->labels);
		st->labels = json_incref((json_t *)labels);
	}
	st->reason = dup_str(c, "reason");
	st->reachable = json_object_get(c, "reachable") ? json_is_true(json_object_get(c, "reachable"))
							 : st->reason == NULL;
	st->remediation = strcmp(kd_json_str(c, "remediation") ? kd_json_str(c, "remediation") : "",
				 "selfHeal") == 0 ? KD_REMEDIATION_SELFHEAL : KD_REMEDIATION_ALERT;
	st->prune = json_is_true(json_object_get(c, "prune"));
	st->synced_at = (time_t)json_integer_value(json_object_get(c, "syncedAt"));
	st->watched = json_is_true(json_object_get(c, "watched"));
	st->revision = dup_str(c, "revision");
	json_array_foreach(apps, i, a) {
		kd_app_state *app = kd_cluster_state_add_app(st, kd_json_str(a, "name") ?
							      kd_json_str(a, "name") : "?");

		if (!app) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		app->reason = dup_str(a, "reason");
		app->path = dup_str(a, "path");
		json_array_foreach(json_object_get(a, "resources"), j, r)
			if ((rc = add_resource(app, r, path)) < 0)
				goto cleanup;
	}
	/* as `check --unmanaged --output json` writes them */
	json_array_foreach(json_object_get(c, "unmanaged"), j, r)
		if (!kd_cluster_state_add_unmanaged(st, kd_json_str(r, "apiVersion"),
						    kd_json_str(r, "kind"), kd_json_str(r, "namespace"),
						    kd_json_str(r, "name"), kd_json_str(r, "manager"),
						    kd_json_str(r, "time"))) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	kd_cluster_state_sort_unmanaged(st);
	kd_cluster_state_finish(st);
	*out = st;
	st = NULL;
cleanup:
	kd_cluster_state_unref(st);
	return rc;
}

static int parse(json_t **doc, const kd_buf *text, const char *path)
{
	int rc;

	*doc = NULL;
	rc = kd_yaml_parse_one(doc, NULL, kd_buf_cstr(text), text->len, path, NULL);
	if (rc == 0 && (!json_is_object(*doc) || !json_is_array(json_object_get(*doc, "clusters")))) {
		json_decref(*doc);
		*doc = NULL;
		rc = kd_error_set(KD_EINVAL, "%s: expected an object with a 'clusters' list", path);
	}
	return rc;
}

static int apply_doc(kd_store *s, time_t *now, const json_t *doc, const char *path)
{
	const json_t *src = json_object_get(doc, "source"), *c, *e;
	size_t i;
	int rc;

	if (json_is_integer(json_object_get(doc, "now")))
		*now = (time_t)json_integer_value(json_object_get(doc, "now"));
	if (json_is_object(src)) {
		kd_store_set_source(s, kd_json_str(src, "label"), kd_json_str(src, "revision"),
				    (time_t)json_integer_value(json_object_get(src, "fetchedAt")));
		kd_store_set_pending(s, kd_json_str(src, "pending"));
	}
	json_array_foreach(json_object_get(doc, "clusters"), i, c) {
		kd_cluster_state *st;
		const char *name = kd_json_str(c, "name");
		long slot = name ? kd_store_cluster_index(s, name) : -1;

		if (slot < 0) {
			kd_store_log(s, KD_LOG_WARN, NULL, "%s: cluster %s is not in the fleet", path,
				     name ? name : "(unnamed)");
			continue;
		}
		if ((rc = build_cluster(&st, c, path)) < 0)
			return rc;
		kd_store_publish(s, (size_t)slot, st);
	}
	json_array_foreach(json_object_get(doc, "log"), i, e) {
		const char *lv = kd_json_str(e, "level");

		kd_store_log(s, lv && strcmp(lv, "error") == 0 ? KD_LOG_ERROR :
			     lv && strcmp(lv, "warn") == 0 ? KD_LOG_WARN : KD_LOG_INFO,
			     kd_json_str(e, "cluster"), "%s",
			     kd_json_str(e, "message") ? kd_json_str(e, "message") : "");
	}
	return 0;
}

/* The YAML reader types integral floats as integers (data.h); a JSON
 * cluster read by jansson is made to agree, so both readings give the
 * same states. */
static int type_numbers(json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;
	void *tmp;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, key, child) {
			if (json_is_real(child)) {
				double d = json_real_value(child);

				if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
				    (double)(json_int_t)d == d &&
				    json_object_set_new(v, key, json_integer((json_int_t)d)) < 0)
					return kd_error_set(KD_ENOMEM, "out of memory");
			} else if (type_numbers(child) < 0) {
				return KD_ENOMEM;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			if (json_is_real(child)) {
				double d = json_real_value(child);

				if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
				    (double)(json_int_t)d == d &&
				    json_array_set_new(v, i, json_integer((json_int_t)d)) < 0)
					return kd_error_set(KD_ENOMEM, "out of memory");
			} else if (type_numbers(child) < 0) {
				return KD_ENOMEM;
			}
		}
	}
	return 0;
}

/* Whether the text is a JSON object jscan reads whole, with a 'clusters'
 * list of objects; then the names of those clusters in *names (decoded
 * copies, NULL for a cluster without one; the caller frees each and the
 * array). */
static bool json_shape(const kd_buf *text, char ***names, size_t *n)
{
	kd_jscan s;
	const char *k;
	size_t len, cap = 0;
	bool clusters = false;

	*names = NULL;
	*n = 0;
	kd_jscan_init(&s, text->data ? text->data : "", text->len);
	if (kd_jscan_peek(&s) != '{' || !kd_jscan_begin(&s, '{'))
		return false;
	while (kd_jscan_member(&s, &k, &len)) {
		if (!kd_jscan_key_is(k, len, "clusters")) {
			kd_jscan_skip(&s);
			continue;
		}
		clusters = true;
		if (!kd_jscan_begin(&s, '['))
			break;
		while (kd_jscan_element(&s)) {
			char *name = NULL;

			if (!kd_jscan_begin(&s, '{'))
				break;
			while (kd_jscan_member(&s, &k, &len))
				if (kd_jscan_key_is(k, len, "name") && kd_jscan_peek(&s) == '"' && !name)
					kd_jscan_string(&s, &name);
				else
					kd_jscan_skip(&s);
			if (*n == cap) {
				char **nn = realloc(*names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));

				if (!nn) {
					free(name);
					s.error = "out of memory";
					break;
				}
				*names = nn;
			}
			(*names)[(*n)++] = name;
		}
	}
	if (s.error || !clusters || kd_jscan_peek(&s) != 0) {
		while (*n > 0)
			free((*names)[--*n]);
		free(*names);
		*names = NULL;
		return false;
	}
	return true;
}

/* apply_doc for a JSON text that json_shape accepted, one cluster at a time. */
static int apply_json(kd_store *s, time_t *now, const kd_buf *text, const char *path)
{
	kd_jscan sc;
	const char *k;
	size_t len;
	json_t *v = NULL, *log = NULL;
	int rc = 0;

	kd_jscan_init(&sc, text->data, text->len);
	kd_jscan_begin(&sc, '{');
	while (rc == 0 && kd_jscan_member(&sc, &k, &len)) {
		if (kd_jscan_key_is(k, len, "clusters")) {
			kd_jscan_begin(&sc, '[');
			while (rc == 0 && kd_jscan_element(&sc)) {
				json_t *doc = json_object();

				if (!doc || (rc = kd_jscan_json(&sc, &v)) < 0 || (rc = type_numbers(v)) < 0 ||
				    json_object_set_new(doc, "clusters", json_pack("[O]", v)) < 0) {
					rc = rc < 0 ? rc : kd_error_set(KD_ENOMEM, "out of memory");
				} else {
					rc = apply_doc(s, now, doc, path);
				}
				json_decref(v);
				json_decref(doc);
				v = NULL;
			}
		} else if (kd_jscan_key_is(k, len, "log")) {
			json_decref(log);
			rc = kd_jscan_json(&sc, &log);
		} else if (kd_jscan_key_is(k, len, "now") || kd_jscan_key_is(k, len, "source")) {
			json_t *doc = json_object();
			char key[8];

			snprintf(key, sizeof(key), "%.*s", (int)len, k);
			if (!doc || (rc = kd_jscan_json(&sc, &v)) < 0 || (rc = type_numbers(v)) < 0 ||
			    json_object_set_new(doc, key, v) < 0 ||
			    json_object_set_new(doc, "clusters", json_array()) < 0)
				rc = rc < 0 ? rc : kd_error_set(KD_ENOMEM, "out of memory");
			else
				rc = apply_doc(s, now, doc, path);
			json_decref(doc);
			v = NULL;
		} else {
			kd_jscan_skip(&sc);
		}
	}
	/* the log after every cluster, as apply_doc writes it */
	if (rc == 0 && log) {
		json_t *doc = json_pack("{s:[],s:O}", "clusters", "log", log);

		rc = doc ? apply_doc(s, now, doc, path) : kd_error_set(KD_ENOMEM, "out of memory");
		json_decref(doc);
	}
	json_decref(log);
	if (rc == 0 && sc.error)
		rc = kd_jscan_error(&sc, path);
	return rc;
}

int kd_statefile_load(kd_store **out, time_t *now, const char *path)
{
	json_t *doc = NULL, *c;
	kd_buf text = KD_BUF_INIT;
	char **names = NULL;
	size_t i, n = 0;
	int rc;

	*out = NULL;
	if ((rc = kd_buf_read_file(&text, path, 256u << 20)) < 0)
		return rc;
	if (json_shape(&text, &names, &n)) {
		for (i = 0; i < n; i++)
			if (!names[i]) {
				rc = kd_error_set(KD_EINVAL, "%s: cluster %zu has no name", path, i + 1);
				goto cleanup;
			}
		if ((rc = kd_store_new(out, (const char *const *)names, n)) < 0)
			goto cleanup;
		rc = apply_json(*out, now, &text, path);
		goto cleanup;
	}
	if ((rc = parse(&doc, &text, path)) < 0)
		goto cleanup;
	n = json_array_size(json_object_get(doc, "clusters"));
	if (!(names = calloc(n ? n : 1, sizeof(*names)))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	json_array_foreach(json_object_get(doc, "clusters"), i, c)
		if (!kd_json_str(c, "name") || !(names[i] = strdup(kd_json_str(c, "name")))) {
			rc = names[i] ? kd_error_set(KD_ENOMEM, "out of memory") :
			     kd_error_set(KD_EINVAL, "%s: cluster %zu has no name", path, i + 1);
			goto cleanup;
		}
	if ((rc = kd_store_new(out, (const char *const *)names, n)) < 0)
		goto cleanup;
	rc = apply_doc(*out, now, doc, path);
cleanup:
	if (rc < 0 && *out) {
		kd_store_free(*out);
		*out = NULL;
	}
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	json_decref(doc);
	kd_buf_free(&text);
	return rc;
}

int kd_statefile_apply(kd_store *s, time_t *now, const char *path)
{
	json_t *doc = NULL;
	kd_buf text = KD_BUF_INIT;
	char **names = NULL;
	size_t n = 0;
	int rc;

	if ((rc = kd_buf_read_file(&text, path, 256u << 20)) < 0)
		return rc;
	if (json_shape(&text, &names, &n)) {
		while (n > 0)
			free(names[--n]);
		free(names);
		rc = apply_json(s, now, &text, path);
	} else if ((rc = parse(&doc, &text, path)) == 0) {
		rc = apply_doc(s, now, doc, path);
	}
	json_decref(doc);
	kd_buf_free(&text);
	return rc;
}
