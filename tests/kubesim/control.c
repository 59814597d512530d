/*
 * control — the /_kubesim/ API and the scenario runner.
 *
 * Both drive the same write path as HTTP clients (through a request with
 * no connection), so a scripted change by "kubectl-edit" or "helm" leaves
 * exactly the managedFields, resourceVersion and watch events that the
 * real client would.
 *
 *   GET  /_kubesim/clusters                      names, resourceVersions, object counts
 *   POST /_kubesim/clusters/NAME/mutate          one step (see below); NAME may be "*"
 *   POST /_kubesim/clusters/NAME/objects         load objects (a list, a YAML stream,
 *                                                or one object), ?manager=M; a
 *                                                status goes through /status where
 *                                                the kind has one; "{{cluster}}" in
 *                                                a string becomes each cluster's name
 *   PUT  /_kubesim/clusters/NAME/faults          set faults (replaces them)
 *   POST /_kubesim/clusters/NAME/compact         forget the event history (410 for older)
 *
 * A step: {"action": create|apply|patch|scale|delete, "manager": M,
 *          "apiVersion", "kind", "namespace", "name", "object", "patch",
 *          "patchType": merge|json|strategic, "replicas": N}
 * or {"faults": {...}}.  Faults: latencyMs, errorRate (0..1), errorCode
 * (500|503|429), retryAfter, reset, hang, dropWatches.
 */
#include "ks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "data/data.h"

static void path_for(kd_buf *b, const ks_type *t, const char *ns, const char *name)
{
	if (*t->group)
		kd_buf_printf(b, "apis/%s/%s", t->group, t->version);
	else
		kd_buf_printf(b, "api/%s", t->version);
	if (t->namespaced)
		kd_buf_printf(b, "/namespaces/%s", ns && *ns ? ns : "default");
	kd_buf_printf(b, "/%s", t->plural);
	if (name)
		kd_buf_printf(b, "/%s", name);
}

/* Runs one request through the API as `manager`; *code and *body get the
 * outcome (body may be NULL). */
static void run_request(ks_cluster *c, const char *method, const char *path,
			const char *ctype, const char *body, const char *manager,
			bool force, int *code, json_t **out)
{
	char *copy = strdup(path), *save = NULL, *tok;
	char *segs[16];
	size_t n = 0;
	const char *query[] = {"fieldManager", manager, "force", force ? "true" : "false", NULL};
	const char *headers[] = {"Content-Type", ctype, "User-Agent", manager, NULL};
	ks_request r;
	ks_response resp;

	memset(&r, 0, sizeof(r));
	memset(&resp, 0, sizeof(resp));
	*code = 500;
	if (out)
		*out = NULL;
	if (!copy)
		return;
	for (tok = strtok_r(copy, "/", &save); tok && n < 16; tok = strtok_r(NULL, "/", &save))
		segs[n++] = tok;
	r.method = method;
	r.segs = segs;
	r.nsegs = n;
	r.body = body ? body : "";
	r.body_len = body ? strlen(body) : 0;
	r.user = "kubesim-control";
	r.role = KS_ROLE_CONTROL;
	r.query_over = query;
	r.header_over = ctype ? headers : headers + 2;
	ks_api_handle(c, &r, &resp);
	*code = resp.code ? resp.code : 200;
	if (out)
		*out = resp.json;
	else
		json_decref(resp.json);
	free(resp.raw);
	json_decref(resp.warnings);
	free(copy);
}

static int set_faults(ks_cluster *c, const json_t *f)
{
	json_t *v;

	if (!json_is_object(f))
		return kd_error_set(KD_EINVAL, "faults must be an object");
	pthread_mutex_lock(&c->mu);
	c->faults.latency_ms = (int)json_integer_value(json_object_get(f, "latencyMs"));
	v = json_object_get(f, "errorRate");
	c->faults.error_rate = json_is_number(v) ? json_number_value(v) : 0;
	c->faults.error_code = (int)json_integer_value(json_object_get(f, "errorCode"));
	c->faults.retry_after = (int)json_integer_value(json_object_get(f, "retryAfter"));
	c->faults.reset = json_is_true(json_object_get(f, "reset"));
	c->faults.hang = json_is_true(json_object_get(f, "hang"));
	if (json_is_true(json_object_get(f, "dropWatches")))
		c->faults.drop_epoch++;
	ks_watch_wake_locked(c, true);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

static const ks_type *type_of(ks_cluster *c, const char *api_version, const char *kind)
{
	char group[128] = "";
	const char *slash = api_version ? strchr(api_version, '/') : NULL;
	const ks_type *t;

	if (slash && (size_t)(slash - api_version) < sizeof(group)) {
		memcpy(group, api_version, (size_t)(slash - api_version));
		group[slash - api_version] = '\0';
	}
	pthread_mutex_lock(&c->mu);
	t = kind ? ks_type_find_kind(c, group, kind) : NULL;
	pthread_mutex_unlock(&c->mu);
	return t;
}

/* Executes one step against one cluster; *code gets the HTTP outcome. */
static int run_step(ks_cluster *c, const json_t *step, int *code, json_t **out)
{
	const char *action = json_string_value(json_object_get(step, "action"));
	const char *manager = json_string_value(json_object_get(step, "manager"));
	const json_t *obj = json_object_get(step, "object");
	const char *av = json_string_value(json_object_get(step, "apiVersion"));
	const char *kind = json_string_value(json_object_get(step, "kind"));
	const char *ns = json_string_value(json_object_get(step, "namespace"));
	const char *name = json_string_value(json_object_get(step, "name"));
	const char *pt = json_string_value(json_object_get(step, "patchType"));
	const ks_type *t;
	kd_buf path = KD_BUF_INIT;
	char *body = NULL;
	int rc = 0;

	*code = 0;
	if (out)
		*out = NULL;
	if (json_object_get(step, "faults")) {
		*code = 200;
		return set_faults(c, json_object_get(step, "faults"));
	}
	if (!action)
		return kd_error_set(KD_EINVAL, "a step needs an action or faults");
	if (!manager)
		manager = "kubesim";
	if (json_is_object(obj)) {
		json_t *meta = json_object_get(obj, "metadata");
		if (!av)
			av = json_string_value(json_object_get(obj, "apiVersion"));
		if (!kind)
			kind = json_string_value(json_object_get(obj, "kind"));
		if (!ns)
			ns = json_string_value(json_object_get(meta, "namespace"));
		if (!name)
			name = json_string_value(json_object_get(meta, "name"));
	}
	t = type_of(c, av, kind);
	if (!t)
		return kd_error_set(KD_EINVAL, "unknown kind %s %s", av ? av : "?", kind ? kind : "?");
	if (!name && strcmp(action, "create"))
		return kd_error_set(KD_EINVAL, "step %s needs a name", action);
	if (!strcmp(action, "create")) {
		body = json_dumps(obj, JSON_COMPACT);
		path_for(&path, t, ns, NULL);
		run_request(c, "POST", kd_buf_cstr(&path), "application/json", body, manager, false, code, out);
	} else if (!strcmp(action, "apply")) {
		body = json_dumps(obj, JSON_COMPACT);
		path_for(&path, t, ns, name);
		run_request(c, "PATCH", kd_buf_cstr(&path), "application/apply-patch+yaml", body, manager, true, code, out);
	} else if (!strcmp(action, "patch")) {
		const char *ct = !pt || !strcmp(pt, "merge") ? "application/merge-patch+json" :
				 !strcmp(pt, "json") ? "application/json-patch+json" :
				 !strcmp(pt, "strategic") ? "application/strategic-merge-patch+json" : NULL;
		if (!ct) {
			rc = kd_error_set(KD_EINVAL, "unknown patchType %s", pt);
			goto cleanup;
		}
		body = json_dumps(json_object_get(step, "patch"), JSON_COMPACT | JSON_ENCODE_ANY);
		path_for(&path, t, ns, name);
		run_request(c, "PATCH", kd_buf_cstr(&path), ct, body, manager, false, code, out);
	} else if (!strcmp(action, "scale")) {
		json_t *p = json_pack("{s:{s:O}}", "spec", "replicas", json_object_get(step, "replicas"));
		body = p ? json_dumps(p, JSON_COMPACT) : NULL;
		json_decref(p);
		path_for(&path, t, ns, name);
		kd_buf_puts(&path, "/scale");
		run_request(c, "PATCH", kd_buf_cstr(&path), "application/merge-patch+json", body, manager, false, code, out);
	} else if (!strcmp(action, "delete")) {
		path_for(&path, t, ns, name);
		run_request(c, "DELETE", kd_buf_cstr(&path), NULL, NULL, manager, false, code, out);
	} else {
		rc = kd_error_set(KD_EINVAL, "unknown action %s", action);
	}
cleanup:
	free(body);
	kd_buf_free(&path);
	return rc;
}

/* A copy of v with "{{cluster}}" in every string replaced by name. */
static json_t *for_cluster(const json_t *v, const char *name)
{
	json_t *copy, *x;
	const char *k;
	size_t i;

	if (json_is_string(v)) {
		const char *s = json_string_value(v), *hit;
		kd_buf b = KD_BUF_INIT;

		if (!strstr(s, "{{cluster}}"))
			return json_incref((json_t *)v);
		while ((hit = strstr(s, "{{cluster}}"))) {
			kd_buf_add(&b, s, (size_t)(hit - s));
			kd_buf_puts(&b, name);
			s = hit + 11;
		}
		kd_buf_puts(&b, s);
		copy = json_string(kd_buf_cstr(&b));
		kd_buf_free(&b);
		return copy;
	}
	if (json_is_array(v)) {
		copy = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(copy, for_cluster(x, name));
		return copy;
	}
	if (json_is_object(v)) {
		copy = json_object();
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(copy, k, for_cluster(x, name));
		return copy;
	}
	return json_incref((json_t *)v);
}

/* The object's status through its /status subresource, as the controller
 * that owns it would write it (create and apply leave status alone). */
static void load_status(ks_cluster *c, const json_t *obj, const char *manager, int *code)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const json_t *meta = json_object_get(obj, "metadata");
	const ks_type *t = type_of(c, av, kind);
	kd_buf path = KD_BUF_INIT;
	char *body;

	if (!t || !t->has_status || !json_object_get(obj, "status"))
		return;
	body = json_dumps(obj, JSON_COMPACT);
	path_for(&path, t, json_string_value(json_object_get(meta, "namespace")),
		 json_string_value(json_object_get(meta, "name")));
	kd_buf_puts(&path, "/status");
	if (body)
		run_request(c, "PUT", kd_buf_cstr(&path), "application/json", body, manager, false,
			    code, NULL);
	free(body);
	kd_buf_free(&path);
}

/* Loads one object: created, or replaced when it exists. */
static void load_object(ks_cluster *c, const json_t *given, const char *manager, json_t *results)
{
	json_t *obj = for_cluster(given, c->name);
	json_t *step = json_pack("{s:s, s:s, s:O}", "action", "create", "manager", manager, "object", obj);
	int code = 0;
	json_t *out = NULL;

	if (step && run_step(c, step, &code, &out) == 0 && code == 409) {
		json_decref(out);
		json_object_set_new(step, "action", json_string("apply"));
		run_step(c, step, &code, &out);
	}
	if (code < 300)
		load_status(c, obj, manager, &code);
	json_decref(obj);
	json_array_append_new(results, json_pack("{s:i, s:o?}", "code", code,
						 "status", code >= 300 ? out : NULL));
	if (code < 300)
		json_decref(out);
	json_decref(step);
}

static json_t *parse_any(const char *body, size_t len)
{
	json_t *v = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL), *docs = NULL;

	if (v)
		return v;
	if (kd_yaml_parse(&docs, NULL, body, len, "request body", NULL) < 0)
		return NULL;
	if (json_array_size(docs) == 1) {
		v = json_incref(json_array_get(docs, 0));
		json_decref(docs);
		return v;
	}
	return docs;
}

static void for_clusters(const char *name, ks_cluster ***out, size_t *n)
{
	*n = 0;
	*out = NULL;
	if (!strcmp(name, "*")) {
		*out = ks_srv.clusters;
		*n = ks_srv.nclusters;
		return;
	}
	for (size_t i = 0; i < ks_srv.nclusters; i++)
		if (!strcmp(ks_srv.clusters[i]->name, name)) {
			*out = &ks_srv.clusters[i];
			*n = 1;
		}
}

void ks_control_handle(ks_request *r, ks_response *resp)
{
	ks_cluster **cs;
	size_t n, i, j;
	json_t *body = NULL, *results = json_array(), *out;
	const char *what;
	int code;

	if (r->nsegs == 1 && !strcmp(r->segs[0], "clusters") && !strcmp(r->method, "GET")) {
		for (i = 0; i < ks_srv.nclusters; i++) {
			ks_cluster *c = ks_srv.clusters[i];
			pthread_mutex_lock(&c->mu);
			json_array_append_new(results, json_pack("{s:s, s:I, s:I}", "name", c->name,
				"resourceVersion", (json_int_t)c->rv, "objects", (json_int_t)c->nobjs));
			pthread_mutex_unlock(&c->mu);
		}
		resp->code = 200;
		resp->json = json_pack("{s:o}", "clusters", results);
		return;
	}
	if (r->nsegs != 3 || strcmp(r->segs[0], "clusters")) {
		ks_respond_status(resp, 404, "NotFound", "unknown control endpoint", NULL);
		goto cleanup;
	}
	for_clusters(r->segs[1], &cs, &n);
	if (!n) {
		ks_respond_status(resp, 404, "NotFound", "no such cluster", NULL);
		goto cleanup;
	}
	what = r->segs[2];
	if (strcmp(what, "compact")) {
		body = parse_any(r->body, r->body_len);
		if (!body) {
			ks_respond_status(resp, 400, "BadRequest", "the body is not JSON or YAML", NULL);
			goto cleanup;
		}
	}
	for (i = 0; i < n; i++) {
		ks_cluster *c = cs[i];
		if (!strcmp(what, "compact") && !strcmp(r->method, "POST")) {
			pthread_mutex_lock(&c->mu);
			ks_cluster_compact(c);
			pthread_mutex_unlock(&c->mu);
		} else if (!strcmp(what, "faults") && !strcmp(r->method, "PUT")) {
			if (set_faults(c, body) < 0) {
				ks_respond_status(resp, 400, "BadRequest", kd_error_last(), NULL);
				goto cleanup;
			}
		} else if (!strcmp(what, "mutate") && !strcmp(r->method, "POST")) {
			if (run_step(c, body, &code, &out) < 0) {
				ks_respond_status(resp, 400, "BadRequest", kd_error_last(), NULL);
				goto cleanup;
			}
			json_array_append_new(results, json_pack("{s:s, s:i, s:o*}", "cluster", c->name,
								 "code", code, "object", out));
		} else if (!strcmp(what, "objects") && !strcmp(r->method, "POST")) {
			const char *mgr = ks_query(r, "manager");
			json_t *items = json_is_array(body) ? body : json_object_get(body, "items");
			if (!mgr)
				mgr = "kubesim";
			if (json_is_array(items)) {
				json_t *o;
				json_array_foreach(items, j, o)
					load_object(c, o, mgr, results);
			} else {
				load_object(c, body, mgr, results);
			}
		} else {
			ks_respond_status(resp, 404, "NotFound", "unknown control endpoint", NULL);
			goto cleanup;
		}
	}
	resp->code = 200;
	resp->json = json_pack("{s:O}", "results", results);
cleanup:
	json_decref(body);
	json_decref(results);
}

/* ---- scenarios ---- */

static pthread_t scenario_thread;
static bool scenario_running;
static json_t *scenario_steps;

static void step_all(const json_t *step)
{
	const char *cl = json_string_value(json_object_get(step, "cluster"));
	json_t *list = json_object_get(step, "clusters"), *v;
	ks_cluster **cs;
	size_t n, i;
	int code;

	if (json_is_array(list)) {
		json_array_foreach(list, i, v) {
			ks_cluster *c = json_is_string(v) ? ks_cluster_find(&ks_srv, json_string_value(v)) : NULL;
			if (c)
				run_step(c, step, &code, NULL);
		}
		return;
	}
	for_clusters(cl ? cl : "*", &cs, &n);
	for (i = 0; i < n; i++)
		run_step(cs[i], step, &code, NULL);
}

static double step_time(const json_t *step)
{
	json_t *at = json_object_get(step, "at");

	return json_is_number(at) ? json_number_value(at) : 0;
}

static void *scenario_main(void *arg)
{
	struct timespec start, now;
	size_t i;
	json_t *step;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &start);
	json_array_foreach(scenario_steps, i, step) {
		double at = step_time(step);
		if (at <= 0)
			continue; /* already run before the server was ready */
		for (;;) {
			double el;
			if (ks_srv.stopping)
				return NULL;
			clock_gettime(CLOCK_MONOTONIC, &now);
			el = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
			if (el >= at)
				break;
			struct timespec ts = {0, 20 * 1000000L};
			nanosleep(&ts, NULL);
		}
		step_all(step);
	}
	return NULL;
}

int ks_scenario_start(const char *path)
{
	kd_buf b = KD_BUF_INIT;
	json_t *doc = NULL, *step;
	size_t i;
	int rc;

	rc = kd_buf_read_file(&b, path, 16u << 20);
	if (rc < 0)
		goto cleanup;
	rc = kd_yaml_parse_one(&doc, NULL, b.data ? b.data : "", b.len, path, NULL);
	if (rc < 0)
		goto cleanup;
	scenario_steps = json_incref(json_object_get(doc, "steps"));
	if (!json_is_array(scenario_steps)) {
		rc = kd_error_set(KD_EINVAL, "%s: a scenario needs a list of steps", path);
		goto cleanup;
	}
	json_array_foreach(scenario_steps, i, step) {
		if (!json_is_object(step) || (!json_object_get(step, "action") && !json_object_get(step, "faults"))) {
			rc = kd_error_set(KD_EINVAL, "%s: step %zu needs an action or faults", path, i + 1);
			goto cleanup;
		}
		if (step_time(step) <= 0)
			step_all(step);
	}
	if (pthread_create(&scenario_thread, NULL, scenario_main, NULL) != 0) {
		rc = kd_error_set(KD_ERROR, "cannot start the scenario thread");
		goto cleanup;
	}
	scenario_running = true;
cleanup:
	json_decref(doc);
	kd_buf_free(&b);
	return rc;
}

void ks_scenario_stop(void)
{
	if (scenario_running)
		pthread_join(scenario_thread, NULL);
	scenario_running = false;
	json_decref(scenario_steps);
	scenario_steps = NULL;
}
