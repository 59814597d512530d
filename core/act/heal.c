/*
 * heal — self-heal and alerting over published cluster states (see act.h).
 */
#include "act/act.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_heal_default_path(char **out)
{
	/* Next to the audit log: kdrift's XDG state directory. */
	return kd_xdg_path(out, KD_XDG_STATE, "heal.json");
}

/* ---- the state file ------------------------------------------------------------ */

/* Written atomically: a later run reads the old state or the new. */
static int save_state(const char *path, const json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return oom();
	rc = kd_fs_write_atomic(path, text, strlen(text));
	free(text);
	return rc;
}

/* {"reported": {CLUSTER: [KEY, ...]}}; a missing file is an empty state. */
static int load_state(json_t **out, const char *path)
{
	kd_buf b = KD_BUF_INIT;
	json_error_t err;
	json_t *doc;
	int rc;

	*out = NULL;
	rc = kd_buf_read_file(&b, path, 8u << 20);
	if (rc == KD_ENOTFOUND || (rc < 0 && access(path, F_OK) < 0 && errno == ENOENT)) {
		kd_buf_free(&b);
		*out = json_pack("{s:{}}", "reported");
		return *out ? 0 : oom();
	}
	if (rc < 0) {
		kd_buf_free(&b);
		return rc;
	}
	doc = json_loadb(b.data ? b.data : "", b.len, 0, &err);
	kd_buf_free(&b);
	if (!doc || !json_is_object(json_object_get(doc, "reported"))) {
		json_decref(doc);
		return kd_error_set(KD_EINVAL, "%s:%d:%d: not a heal state file (remove it to "
				    "start afresh)", path, err.line, err.column);
	}
	*out = doc;
	return 0;
}

static bool in_array(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* ---- alerts ----------------------------------------------------------------------- */

/* Identity and shape of an object's drift: the same drift gives the same
 * key; a field that changes again gives a new one.  Diff values are masked
 * for Secrets, so no Secret value reaches the file. */
static int alert_key(char **out, const char *cluster, const char *app, const kd_resource *r)
{
	json_t *shape = json_array();
	kd_buf b = KD_BUF_INIT;
	char hex[65];
	size_t i;
	int rc = shape ? 0 : oom();

	*out = NULL;
	if (rc == 0 && json_array_append_new(shape, json_string(kd_status_name(r->status))) < 0)
		rc = oom();
	for (i = 0; rc == 0 && r->diff && i < r->diff->nfields; i++) {
		const kd_diff_field *f = &r->diff->fields[i];

		if (json_array_append_new(shape, json_pack("[s, O?, O?]", f->path, f->desired,
							   f->live)) < 0)
			rc = oom();
	}
	if (rc == 0)
		rc = kd_json_sha256_hex(hex, shape);
	if (rc == 0) {
		kd_object_id id = { r->api_version, r->kind, r->namespace, r->name };

		if ((rc = kd_buf_printf(&b, "%s/%s/", cluster, app)) == 0 &&
		    (rc = kd_object_id_format(&b, &id)) == 0)
			rc = kd_buf_printf(&b, "#%.16s", hex);
	}
	json_decref(shape);
	if (rc < 0) {
		kd_buf_free(&b);
		return rc;
	}
	*out = kd_buf_detach(&b);
	return 0;
}

static int add_alert(kd_heal_cluster *hc, const char *app, const kd_resource *r,
		     const json_t *before)
{
	kd_heal_alert *grown, *a;

	grown = realloc(hc->alerts, (hc->nalerts + 1) * sizeof(*grown));
	if (!grown)
		return oom();
	hc->alerts = grown;
	a = &hc->alerts[hc->nalerts];
	memset(a, 0, sizeof(*a));
	a->status = r->status;
	a->nfields = r->diff ? r->diff->nfields : 0;
	a->app = strdup(app);
	a->kind = strdup(r->kind);
	a->namespace = strdup(r->namespace ? r->namespace : "");
	a->name = strdup(r->name);
	hc->nalerts++;
	if (!a->app || !a->kind || !a->namespace || !a->name)
		return oom();
	if (alert_key(&a->key, hc->name, app, r) < 0)
		return KD_ENOMEM;
	a->is_new = !in_array(before, a->key);
	return 0;
}

static int collect_alerts(kd_heal_cluster *hc, const kd_cluster_state *st,
			  const json_t *before, size_t *nnew)
{
	size_t i, j;
	int rc;

	for (i = 0; i < st->napps; i++) {
		const kd_app_state *app = &st->apps[i];

		for (j = 0; j < app->nresources; j++) {
			const kd_resource *r = &app->resources[j];

			if (r->status == KD_STATUS_SYNCED || r->status == KD_STATUS_UNKNOWN)
				continue;
			if ((rc = add_alert(hc, app->name, r, before)) < 0)
				return rc;
			if (hc->alerts[hc->nalerts - 1].is_new)
				(*nnew)++;
		}
	}
	return 0;
}

/* ---- the webhook ----------------------------------------------------------------------- */

static const char *glyph(kd_status s)
{
	return kd_status_glyph(s, true);
}

int kd_heal_summary(json_t **out, const kd_heal_report *r, const char *cluster,
		    const char *revision)
{
	json_t *items = json_array(), *doc = NULL;
	kd_buf text = KD_BUF_INIT, lines = KD_BUF_INIT;
	size_t i, j, n = 0, nclusters = 0;
	int rc = items ? 0 : oom();

	*out = NULL;
	for (i = 0; rc == 0 && i < r->nclusters; i++) {
		const kd_heal_cluster *hc = &r->clusters[i];
		size_t before = n;

		if (cluster && strcmp(hc->name, cluster) != 0)
			continue;
		for (j = 0; rc == 0 && j < hc->nalerts; j++) {
			const kd_heal_alert *a = &hc->alerts[j];

			if (!a->is_new)
				continue;
			n++;
			if (json_array_append_new(items, json_pack(
				    "{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "cluster", hc->name,
				    "app", a->app, "kind", a->kind, "namespace", a->namespace,
				    "name", a->name, "status", kd_status_name(a->status),
				    "fields", (json_int_t)a->nfields)) < 0)
				rc = oom();
			else
				rc = kd_buf_printf(&lines, "\n%s %s/%s %s %s%s%s %s", glyph(a->status),
						   hc->name, a->app, a->kind, a->namespace,
						   *a->namespace ? "/" : "", a->name,
						   kd_status_name(a->status));
		}
		if (n > before)
			nclusters++;
	}
	if (rc == 0)
		rc = kd_buf_printf(&text, "kdrift: %zu new drifted object%s on %zu cluster%s%s%s%s",
				   n, n == 1 ? "" : "s", nclusters, nclusters == 1 ? "" : "s",
				   revision ? " (Git " : "", revision ? revision : "",
				   revision ? ")" : "");
	if (rc == 0)
		rc = kd_buf_puts(&text, kd_buf_cstr(&lines));
	if (rc == 0 && !(doc = json_pack("{s:s, s:{s:s?, s:I, s:O}}", "text", kd_buf_cstr(&text),
					 "kdrift", "revision", revision, "new", (json_int_t)n,
					 "objects", items)))
		rc = oom();
	json_decref(items);
	kd_buf_free(&text);
	kd_buf_free(&lines);
	if (rc < 0)
		return rc;
	*out = doc;
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static int post_json(const char *url, const json_t *body, long timeout_ms)
{
	struct curl_slist *hdr = NULL;
	char *text = json_dumps(body, JSON_COMPACT);
	CURL *c = NULL;
	long status = 0;
	CURLcode cc;
	int rc = 0;

	if (!text)
		return oom();
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		free(text);
		return kd_error_set(KD_EINVAL, "webhook: only http:// and https:// URLs are posted to");
	}
	c = curl_easy_init();
	hdr = curl_slist_append(NULL, "Content-Type: application/json");
	if (!c || !hdr) {
		rc = oom();
		goto cleanup;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, KD_KUBE_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		/* The URL may hold a token (Slack's do): name only the failure. */
		rc = kd_error_set(KD_EIO, "webhook: POST failed: %s", curl_easy_strerror(cc));
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		rc = kd_error_set(KD_EIO, "webhook: POST answered HTTP %ld", status);
cleanup:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(text);
	return rc;
}

/* Posts each webhook's new alerts once; clusters whose POST failed do not
 * remember their alerts (so the next run tries again). */
static void notify(kd_heal_report *r, const kd_heal_opts *o, bool *failed)
{
	long timeout = o->webhook_timeout_ms > 0 ? o->webhook_timeout_ms : 10000;
	size_t i, j;

	for (i = 0; i < r->nclusters; i++) {
		kd_heal_cluster *hc = &r->clusters[i];
		size_t nnew = 0;
		json_t *body = NULL;

		failed[i] = false;
		for (j = 0; j < hc->nalerts; j++)
			nnew += hc->alerts[j].is_new;
		if (!hc->webhook || nnew == 0)
			continue;
		if (kd_heal_summary(&body, r, hc->name, o->revision) < 0 ||
		    post_json(hc->webhook, body, timeout) < 0) {
			failed[i] = true;
			if (!r->webhook_error)
				r->webhook_error = strdup(kd_error_last());
		} else {
			r->webhooks_sent++;
		}
		json_decref(body);
	}
}

/* ---- self-heal ---------------------------------------------------------------------------- */

static void heal_cluster(kd_heal_report *r, kd_heal_cluster *hc, const kd_cluster_state *st,
			 const kd_fleet *fleet, const kd_heal_opts *o, const kd_heal_followup *f)
{
	size_t i;

	if (kd_heal_plan(&hc->plan, NULL, st, f, NULL, 0) < 0)
		goto failed;
	if (hc->plan->nactions == 0)
		return;
	if (kd_heal_execute(hc->plan, fleet, o, st->prune, NULL, 0) < 0 &&
	    !hc->plan->actions[0].done)
		goto failed;   /* no connection: nothing was attempted */
	for (i = 0; i < hc->plan->nactions; i++) {
		if (hc->plan->actions[i].done && hc->plan->actions[i].error == 0)
			r->healed++;
		else
			r->failed++;
	}
	return;
failed:
	hc->error = kd_error_last_code() ? kd_error_last_code() : KD_ERROR;
	hc->message = strdup(kd_error_last());
	r->failed++;
}

static int remember(json_t *state, const kd_heal_report *r, const bool *failed)
{
	json_t *reported = json_object_get(state, "reported");
	size_t i, j;

	for (i = 0; i < r->nclusters; i++) {
		const kd_heal_cluster *hc = &r->clusters[i];
		json_t *keys;

		if (hc->remediation == KD_REMEDIATION_SELFHEAL || hc->error || failed[i])
			continue;   /* a failed POST keeps the earlier keys: try again */
		if (!(keys = json_array()))
			return oom();
		for (j = 0; j < hc->nalerts; j++)
			if (json_array_append_new(keys, json_string(hc->alerts[j].key)) < 0) {
				json_decref(keys);
				return oom();
			}
		if (json_object_set_new(reported, hc->name, keys) < 0)
			return oom();
	}
	return 0;
}

int kd_heal_run(kd_heal_report **out, kd_store *store, const kd_fleet *fleet,
		const kd_heal_opts *opts)
{
	static const kd_heal_opts none;
	const kd_heal_opts *o = opts ? opts : &none;
	size_t n = kd_store_cluster_count(store), i;
	kd_heal_report *r = NULL;
	char *path = NULL;
	json_t *state = NULL;
	bool *failed = NULL;
	kd_heal_followup *followup = NULL;
	int rc;

	*out = NULL;
	if ((rc = o->state_path ? 0 : kd_heal_default_path(&path)) < 0 ||
	    (rc = load_state(&state, o->state_path ? o->state_path : path)) < 0)
		goto cleanup;
	r = calloc(1, sizeof(*r));
	failed = calloc(n ? n : 1, sizeof(*failed));
	if (!r || !failed || !(r->clusters = calloc(n ? n : 1, sizeof(*r->clusters)))) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		kd_cluster_state *st = kd_store_get(store, i);
		kd_heal_cluster *hc = &r->clusters[r->nclusters++];
		const kd_cluster *fc;
		const kd_policy *pol;
		json_t *before;

		if (!(hc->name = strdup(kd_store_cluster_name(store, i)))) {
			kd_cluster_state_unref(st);
			rc = oom();
			goto cleanup;
		}
		fc = kd_fleet_cluster(fleet, hc->name);
		pol = fc ? kd_fleet_policy(fleet, fc) : NULL;
		hc->remediation = pol ? pol->remediation : KD_REMEDIATION_ALERT;
		if (!st || st->reason) {
			hc->error = KD_ERROR;
			hc->message = strdup(st && st->reason ? st->reason : "no result");
			kd_cluster_state_unref(st);
			continue;
		}
		if (hc->remediation == KD_REMEDIATION_SELFHEAL) {
			/* Read once per run; a log that cannot be read leaves the
			 * break-glass mark to decide, which errs on leaving alone. */
			if (!followup && kd_heal_followup_load(&followup, o->audit_path) < 0)
				followup = NULL;
			heal_cluster(r, hc, st, fleet, o, followup);
		} else {
			const char *hook = o->webhook ? o->webhook : pol ? pol->webhook : NULL;

			before = json_object_get(json_object_get(state, "reported"), hc->name);
			if ((hook && !(hc->webhook = strdup(hook))) ||
			    (rc = collect_alerts(hc, st, before, &r->new_alerts)) < 0) {
				kd_cluster_state_unref(st);
				rc = rc < 0 ? rc : oom();
				goto cleanup;
			}
		}
		kd_cluster_state_unref(st);
	}
	if (r->new_alerts > 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		notify(r, o, failed);
		curl_global_cleanup();
	}
	if ((rc = remember(state, r, failed)) < 0 ||
	    (rc = save_state(o->state_path ? o->state_path : path, state)) < 0)
		goto cleanup;
	*out = r;
	r = NULL;
cleanup:
	kd_heal_report_free(r);
	kd_heal_followup_free(followup);
	json_decref(state);
	free(failed);
	free(path);
	return rc;
}

void kd_heal_report_free(kd_heal_report *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; i < r->nclusters; i++) {
		kd_heal_cluster *hc = &r->clusters[i];

		for (j = 0; j < hc->nalerts; j++) {
			free(hc->alerts[j].app);
			free(hc->alerts[j].kind);
			free(hc->alerts[j].namespace);
			free(hc->alerts[j].name);
			free(hc->alerts[j].key);
		}
		free(hc->alerts);
		free(hc->name);
		free(hc->webhook);
		free(hc->message);
		kd_remedy_plan_free(hc->plan);
	}
	free(r->clusters);
	free(r->webhook_error);
	free(r);
}
