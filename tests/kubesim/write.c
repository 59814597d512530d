/*
 * write — create, update, patch (merge, JSON, strategic, apply) and delete,
 * with the server's bookkeeping: uid, creationTimestamp, resourceVersion,
 * generation, managedFields, defaults and simulated status.  A write that
 * changes nothing returns the stored object untouched.
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

typedef struct wctx {
	ks_cluster *c;
	ks_request *r;
	const ks_target *t;
	ks_response *resp;
	char api_version[160];
	char res[160];
	bool dry;
	const char *manager;
	char manager_buf[128];
} wctx;

static void reply(wctx *w, int code, json_t *obj)
{
	json_decref(w->resp->json);
	w->resp->code = code;
	w->resp->json = obj;
}

static void fail(wctx *w, int code, const char *reason, json_t *details,
		 const char *fmt, ...) KD_PRINTF(5, 6);

static void fail(wctx *w, int code, const char *reason, json_t *details,
		 const char *fmt, ...)
{
	kd_buf b = KD_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	kd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ks_respond_status(w->resp, code, reason, kd_buf_cstr(&b), details);
	kd_buf_free(&b);
}

static json_t *details(wctx *w, const char *name)
{
	return json_pack("{s:s?, s:s, s:s}", "name", name, "group", w->t->type->group,
			 "kind", w->t->type->plural);
}

static bool dry_run(ks_request *r, const json_t *opts)
{
	const char *q = ks_query(r, "dryRun");
	json_t *d = json_object_get(opts, "dryRun"), *v;
	size_t i;

	if (q && !strcmp(q, "All"))
		return true;
	json_array_foreach(d, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), "All"))
			return true;
	return false;
}

static const char *pick_manager(wctx *w)
{
	const char *fm = ks_query(w->r, "fieldManager"), *ua;
	size_t n;

	if (fm && *fm)
		return fm;
	ua = ks_header(w->r, "User-Agent");
	if (!ua || !*ua)
		return "unknown";
	n = strcspn(ua, "/");
	if (n >= sizeof(w->manager_buf))
		n = sizeof(w->manager_buf) - 1;
	memcpy(w->manager_buf, ua, n);
	w->manager_buf[n] = '\0';
	return w->manager_buf;
}

static int parse_body(wctx *w, json_t **out)
{
	json_error_t jerr;

	*out = NULL;
	if (!w->r->body_len) {
		fail(w, 400, "BadRequest", NULL, "the request body is empty");
		return -1;
	}
	*out = json_loadb(w->r->body, w->r->body_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!*out && ks_yaml_body(out, w->r->body, w->r->body_len) < 0) {
		fail(w, 400, "BadRequest", NULL, "the request body is not valid JSON or YAML: %s",
		     jerr.text);
		return -1;
	}
	return 0;
}

static json_t *meta_of(json_t *o)
{
	json_t *m = json_object_get(o, "metadata");

	if (!json_is_object(m)) {
		m = json_object();
		json_object_set_new(o, "metadata", m);
	}
	return m;
}

static const char *meta_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(json_object_get(o, "metadata"), k));
}

/* A copy without the fields a no-op write may legitimately change. */
static json_t *comparable(const json_t *o)
{
	json_t *c = json_deep_copy(o), *mf, *e;
	size_t i;

	if (!c)
		return NULL;
	json_object_del(json_object_get(c, "metadata"), "resourceVersion");
	mf = json_object_get(json_object_get(c, "metadata"), "managedFields");
	json_array_foreach(mf, i, e)
		json_object_del(e, "time");
	return c;
}

static bool same_object(const json_t *a, const json_t *b)
{
	json_t *ca = comparable(a), *cb = comparable(b);
	bool eq = ca && cb && json_equal(ca, cb);

	json_decref(ca);
	json_decref(cb);
	return eq;
}

/* Everything but metadata and status: what "spec changed" means. */
static bool spec_changed(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v) {
		if (!strcmp(k, "metadata") || !strcmp(k, "status"))
			continue;
		if (!json_equal(v, json_object_get(b, k)))
			return true;
	}
	json_object_foreach((json_t *)b, k, v) {
		if (!strcmp(k, "metadata") || !strcmp(k, "status"))
			continue;
		if (!json_object_get(a, k))
			return true;
	}
	return false;
}

/* Applies fieldValidation (Strict, Warn — the default — or Ignore) to an
 * object about to be written; false when the write must fail. */
static bool field_validation(wctx *w, json_t *obj)
{
	const char *fv = ks_query(w->r, "fieldValidation");
	bool strict = fv && !strcmp(fv, "Strict"), ignore = fv && !strcmp(fv, "Ignore");
	json_t *unknown = json_array(), *u;
	size_t i;

	if (!unknown || !ks_validate_unknown(obj, w->t->type, unknown, !strict)) {
		json_decref(unknown);
		return true;
	}
	if (strict) {
		kd_buf m = KD_BUF_INIT;
		kd_buf_printf(&m, "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ",
			      w->t->type->kind, w->t->type->version, w->t->type->kind);
		json_array_foreach(unknown, i, u)
			kd_buf_printf(&m, "%sunknown field \"%s\"", i ? ", " : "", json_string_value(u));
		fail(w, 400, "BadRequest", NULL, "%s", kd_buf_cstr(&m));
		kd_buf_free(&m);
		json_decref(unknown);
		return false;
	}
	if (!ignore) {
		if (!w->resp->warnings)
			w->resp->warnings = json_array();
		json_array_foreach(unknown, i, u) {
			kd_buf m = KD_BUF_INIT;
			kd_buf_printf(&m, "unknown field \"%s\"", json_string_value(u));
			json_array_append_new(w->resp->warnings, json_string(kd_buf_cstr(&m)));
			kd_buf_free(&m);
		}
	}
	json_decref(unknown);
	return true;
}

/* The common tail of every write: server fields, defaults, status,
 * managedFields, no-op detection, storing.  Steals `next`.  Caller holds
 * the cluster lock. */
static void commit(wctx *w, const json_t *old, json_t *next, bool apply, int ok_code)
{
	const ks_type *t = w->t->type;
	json_t *meta, *stored = NULL;
	char *key = NULL;
	char ts[32], uid[37];
	const char *name;
	bool controller = false;

	/* Patch results may share subtrees with the stored (immutable) object;
	 * work on a private copy. */
	stored = json_deep_copy(next);
	json_decref(next);
	next = stored;
	stored = NULL;
	if (!next) {
		fail(w, 500, "InternalError", NULL, "out of memory");
		return;
	}
	json_object_set_new(next, "apiVersion", json_string(w->api_version));
	json_object_set_new(next, "kind", json_string(t->kind));
	meta = meta_of(next);
	name = meta_str(next, "name");
	if (t->namespaced)
		json_object_set_new(meta, "namespace", json_string(w->t->ns));
	else
		json_object_del(meta, "namespace");
	if (old) {
		json_t *om = json_object_get(old, "metadata");
		json_object_set(meta, "uid", json_object_get(om, "uid"));
		json_object_set(meta, "creationTimestamp", json_object_get(om, "creationTimestamp"));
		if (json_object_get(om, "generation"))
			json_object_set(meta, "generation", json_object_get(om, "generation"));
		else
			json_object_del(meta, "generation");
		/* deep copies: the stored object must never change under readers */
		if (!apply)
			json_object_set_new(meta, "managedFields",
					    json_object_get(om, "managedFields") ?
					    json_deep_copy(json_object_get(om, "managedFields")) : json_array());
		if (w->t->sub && !strcmp(w->t->sub, "status")) {
			/* only status may change through /status */
			json_t *st = json_incref(json_object_get(next, "status"));
			json_t *copy = json_deep_copy(old);
			json_decref(next);
			next = copy;
			meta = meta_of(next);
			/* `name` pointed into the body just freed */
			name = meta_str(next, "name");
			if (st)
				json_object_set_new(next, "status", st);
			else
				json_object_del(next, "status");
		} else if (t->has_status && strcmp(t->kind, "CustomResourceDefinition")) {
			if (json_object_get(old, "status"))
				json_object_set_new(next, "status", json_deep_copy(json_object_get(old, "status")));
			else
				json_object_del(next, "status");
		}
		json_object_set(meta, "resourceVersion", json_object_get(om, "resourceVersion"));
	} else {
		ks_uuid(uid);
		ks_now_rfc3339(ts);
		json_object_set_new(meta, "uid", json_string(uid));
		json_object_set_new(meta, "creationTimestamp", json_string(ts));
		json_object_del(meta, "resourceVersion");
		if (!apply)
			json_object_set_new(meta, "managedFields", json_array());
		if (t->has_status && strcmp(t->kind, "Namespace"))
			json_object_del(next, "status");
	}
	if (!field_validation(w, next))
		goto cleanup;
	ks_server_forms(t, next);
	ks_defaults_apply(t, next);
	if (json_object_get(next, "spec")) {
		json_t *g = json_object_get(meta, "generation");
		if (!old || !g)
			json_object_set_new(meta, "generation", json_integer(1));
		else if (spec_changed(old, next))
			json_object_set_new(meta, "generation", json_integer(json_integer_value(g) + 1));
	}
	if (!strcmp(t->kind, "CustomResourceDefinition")) {
		ks_crd_status(next);
	} else {
		json_t *before = json_incref(json_object_get(next, "status"));
		ks_status_simulate(t, next);
		/* What the simulated controllers wrote is theirs, as on a real
		 * cluster (kdrift attributes and ignores it by manager). */
		controller = before != json_object_get(next, "status");
		json_decref(before);
	}
	if (!apply && ks_managed_update(next, old, w->manager, w->t->sub, w->api_version) < 0) {
		fail(w, 500, "InternalError", NULL, "%s", kd_error_last());
		goto cleanup;
	}
	ks_deployment_revision(t, next, old);
	if (controller && ks_managed_update(next, old, "kube-controller-manager", "status", w->api_version) < 0) {
		fail(w, 500, "InternalError", NULL, "%s", kd_error_last());
		goto cleanup;
	}
	if (!json_array_size(json_object_get(meta, "managedFields")))
		json_object_del(meta, "managedFields");
	if (old && same_object(old, next)) {
		reply(w, 200, json_incref((json_t *)old));
		goto cleanup;
	}
	if (w->dry) {
		reply(w, ok_code, next);
		next = NULL;
		goto cleanup;
	}
	key = ks_key(t, w->t->ns, name);
	if (!key) {
		fail(w, 500, "InternalError", NULL, "out of memory");
		goto cleanup;
	}
	if (ks_store_put(w->c, key, next, old == NULL) < 0) {
		fail(w, 500, "InternalError", NULL, "%s", kd_error_last());
		goto cleanup;
	}
	if (!strcmp(t->kind, "CustomResourceDefinition"))
		ks_crd_register(w->c, next);
	if (!strcmp(t->kind, "ClusterRole"))
		ks_clusterroles_aggregate(w->c);
	reply(w, ok_code, next);
	next = NULL;
cleanup:
	json_decref(next);
	json_decref(stored);
	free(key);
}

static bool namespace_exists(ks_cluster *c, const char *ns)
{
	char key[320];

	snprintf(key, sizeof(key), "/namespaces//%s", ns);
	return ks_store_get(c, key) != NULL;
}

static void create(wctx *w)
{
	json_t *obj = NULL, *meta;
	const char *name, *gen, *ns;
	char namebuf[300], rnd[11];
	char *key = NULL;

	if (w->t->name) {
		fail(w, 405, "MethodNotAllowed", NULL, "POST is not supported on a named %s", w->res);
		return;
	}
	if (parse_body(w, &obj) < 0)
		return;
	if (!json_is_object(obj)) {
		fail(w, 400, "BadRequest", NULL, "the object must be a JSON object");
		goto cleanup;
	}
	meta = meta_of(obj);
	ns = meta_str(obj, "namespace");
	if (w->t->type->namespaced && ns && *ns && strcmp(ns, w->t->ns)) {
		fail(w, 400, "BadRequest", NULL,
		     "the namespace of the provided object does not match the namespace sent on the request");
		goto cleanup;
	}
	name = meta_str(obj, "name");
	gen = meta_str(obj, "generateName");
	if ((!name || !*name) && gen && *gen) {
		ks_random_hex(rnd, 3);
		snprintf(namebuf, sizeof(namebuf), "%s%.5s", gen, rnd);
		json_object_set_new(meta, "name", json_string(namebuf));
		name = meta_str(obj, "name");
	}
	if (!name || !*name) {
		fail(w, 422, "Invalid", json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}]}", "group",
			w->t->type->group, "kind", w->t->type->kind, "causes", "reason", "FieldValueRequired",
			"message", "Required value: name or generateName is required", "field", "metadata.name"),
		     "%s \"\" is invalid: metadata.name: Required value: name or generateName is required",
		     w->t->type->kind);
		goto cleanup;
	}
	pthread_mutex_lock(&w->c->mu);
	if (w->t->type->namespaced && !namespace_exists(w->c, w->t->ns)) {
		pthread_mutex_unlock(&w->c->mu);
		fail(w, 404, "NotFound", json_pack("{s:s, s:s}", "name", w->t->ns, "kind", "namespaces"),
		     "namespaces \"%s\" not found", w->t->ns);
		goto cleanup;
	}
	key = ks_key(w->t->type, w->t->ns, name);
	if (key && ks_store_get(w->c, key)) {
		pthread_mutex_unlock(&w->c->mu);
		fail(w, 409, "AlreadyExists", details(w, name), "%s \"%s\" already exists", w->res, name);
		goto cleanup;
	}
	commit(w, NULL, obj, false, 201);
	obj = NULL;
	pthread_mutex_unlock(&w->c->mu);
cleanup:
	json_decref(obj);
	free(key);
}

static void conflict(wctx *w, const char *name, const char *why)
{
	fail(w, 409, "Conflict", details(w, name),
	     "Operation cannot be fulfilled on %s \"%s\": %s", w->res, name, why);
}

static const char *modified_msg =
	"the object has been modified; please apply your changes to the latest version and try again";

/* Writes the replicas of a Scale into a copy of the object. */
static json_t *apply_scale(wctx *w, const json_t *old, const json_t *scale)
{
	json_t *rep = json_object_get(json_object_get(scale, "spec"), "replicas");
	json_t *next;
	const char *rv = meta_str(scale, "resourceVersion");

	if (rv && *rv && strcmp(rv, meta_str(old, "resourceVersion"))) {
		conflict(w, w->t->name, modified_msg);
		return NULL;
	}
	if (!json_is_integer(rep) || json_integer_value(rep) < 0) {
		fail(w, 422, "Invalid", details(w, w->t->name),
		     "Scale.autoscaling \"%s\" is invalid: spec.replicas: Invalid value: must be a non-negative integer",
		     w->t->name);
		return NULL;
	}
	next = json_deep_copy(old);
	if (next) {
		json_t *spec = json_object_get(next, "spec");
		if (!spec) {
			spec = json_object();
			json_object_set_new(next, "spec", spec);
		}
		json_object_set(spec, "replicas", rep);
	}
	return next;
}

static void reply_scale_if(wctx *w)
{
	if (w->t->sub && !strcmp(w->t->sub, "scale") && w->resp->code < 300 && w->resp->json) {
		json_t *s = ks_scale_of(w->resp->json);
		json_decref(w->resp->json);
		w->resp->json = s;
	}
}

static void update(wctx *w)
{
	json_t *obj = NULL, *old = NULL, *next = NULL;
	const char *name, *rv;
	char *key = ks_key(w->t->type, w->t->ns, w->t->name);
	ks_obj *o;

	if (parse_body(w, &obj) < 0)
		goto cleanup;
	if (!json_is_object(obj)) {
		fail(w, 400, "BadRequest", NULL, "the object must be a JSON object");
		goto cleanup;
	}
	name = meta_str(obj, "name");
	if (!w->t->sub && (!name || strcmp(name, w->t->name))) {
		fail(w, 400, "BadRequest", NULL, "the name of the object (%s) does not match the name on the URL (%s)",
		     name ? name : "", w->t->name);
		goto cleanup;
	}
	pthread_mutex_lock(&w->c->mu);
	o = key ? ks_store_get(w->c, key) : NULL;
	if (!o) {
		pthread_mutex_unlock(&w->c->mu);
		ks_not_found(w->resp, w->t->type, w->t->name);
		goto cleanup;
	}
	old = ks_obj_json(o);
	if (!old) {
		pthread_mutex_unlock(&w->c->mu);
		fail(w, 500, "InternalError", NULL, "out of memory");
		goto cleanup;
	}
	if (w->t->sub && !strcmp(w->t->sub, "scale")) {
		next = apply_scale(w, old, obj);
		if (next)
			commit(w, old, next, false, 200);
	} else {
		rv = meta_str(obj, "resourceVersion");
		if (rv && *rv && strcmp(rv, meta_str(old, "resourceVersion"))) {
			conflict(w, w->t->name, modified_msg);
		} else {
			commit(w, old, obj, false, 200);
			obj = NULL;
		}
	}
	pthread_mutex_unlock(&w->c->mu);
	reply_scale_if(w);
cleanup:
	json_decref(obj);
	json_decref(old);
	free(key);
}

static void patch(wctx *w)
{
	const char *ct = ks_header(w->r, "Content-Type");
	json_t *body = NULL, *old = NULL, *base = NULL, *next = NULL, *causes = NULL;
	char *key = ks_key(w->t->type, w->t->ns, w->t->name);
	bool apply = ct && !strncmp(ct, "application/apply-patch", 23);
	bool scale = w->t->sub && !strcmp(w->t->sub, "scale");
	const char *frc = ks_query(w->r, "force");
	ks_obj *o;
	int rc = 0;

	if (!ct || (!apply && strncmp(ct, "application/merge-patch+json", 28) &&
		    strncmp(ct, "application/json-patch+json", 27) &&
		    strncmp(ct, "application/strategic-merge-patch+json", 38))) {
		fail(w, 415, "UnsupportedMediaType", NULL, "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");
		goto cleanup;
	}
	if (w->t->type->owner && !strncmp(ct, "application/strategic-merge-patch+json", 38)) {
		/* as on a real server: custom resources have no merge schema */
		fail(w, 415, "UnsupportedMediaType", NULL, "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
		goto cleanup;
	}
	if (apply && !ks_query(w->r, "fieldManager")) {
		fail(w, 400, "BadRequest", NULL, "PATCH, fieldManager is required for apply requests");
		goto cleanup;
	}
	if (parse_body(w, &body) < 0)
		goto cleanup;
	pthread_mutex_lock(&w->c->mu);
	o = key ? ks_store_get(w->c, key) : NULL;
	if (o)
		old = ks_obj_json(o);
	if (!old && !(apply && !w->t->sub)) {
		pthread_mutex_unlock(&w->c->mu);
		ks_not_found(w->resp, w->t->type, w->t->name);
		goto cleanup;
	}
	if (!old && w->t->type->namespaced && !namespace_exists(w->c, w->t->ns)) {
		pthread_mutex_unlock(&w->c->mu);
		fail(w, 404, "NotFound", json_pack("{s:s, s:s}", "name", w->t->ns, "kind", "namespaces"),
		     "namespaces \"%s\" not found", w->t->ns);
		goto cleanup;
	}
	base = scale ? ks_scale_of(old) : json_incref(old);
	if (apply) {
		json_t *live = base ? json_incref(base) :
			json_pack("{s:s, s:s, s:{s:s, s:s?}}", "apiVersion", w->api_version, "kind",
				  w->t->type->kind, "metadata", "name", w->t->name, "namespace",
				  w->t->type->namespaced ? w->t->ns : NULL);
		const char *an = meta_str(body, "name");
		if (!json_is_object(body) || !json_is_string(json_object_get(body, "apiVersion")) ||
		    !json_is_string(json_object_get(body, "kind"))) {
			fail(w, 400, "BadRequest", NULL, "apply patches must set apiVersion and kind");
			rc = -1;
		} else if (an && strcmp(an, w->t->name)) {
			fail(w, 400, "BadRequest", NULL, "the name of the object (%s) does not match the name on the URL (%s)",
			     an, w->t->name);
			rc = -1;
		} else if (!field_validation(w, body)) {
			rc = -1;
		} else {
			rc = ks_managed_apply(&next, &causes, live, body, w->manager,
					      frc && !strcmp(frc, "true"), w->api_version);
			if (rc == KD_ECONFLICT) {
				kd_buf m = KD_BUF_INIT;
				json_t *d = details(w, w->t->name), *cv;
				size_t i;
				kd_buf_printf(&m, "Apply failed with %zu conflict%s: ", json_array_size(causes),
					      json_array_size(causes) == 1 ? "" : "s");
				json_array_foreach(causes, i, cv)
					kd_buf_printf(&m, "%s%s: %s", i ? "\n" : "",
						      json_string_value(json_object_get(cv, "message")),
						      json_string_value(json_object_get(cv, "field")));
				json_object_set(d, "causes", causes);
				ks_respond_status(w->resp, 409, "Conflict", kd_buf_cstr(&m), d);
				kd_buf_free(&m);
			} else if (rc < 0) {
				fail(w, 422, "Invalid", details(w, w->t->name), "%s", kd_error_last());
			}
		}
		json_decref(live);
	} else if (!strncmp(ct, "application/merge-patch+json", 28)) {
		rc = kd_patch_merge(&next, base, body);
		if (rc < 0)
			fail(w, 422, "Invalid", details(w, w->t->name), "%s", kd_error_last());
	} else if (!strncmp(ct, "application/json-patch+json", 27)) {
		rc = kd_patch_json(&next, base, body);
		if (rc < 0) {
			json_t *d = details(w, w->t->name);
			json_object_set_new(d, "causes", json_pack("[{s:s, s:s}]", "reason", "FieldValueInvalid",
								   "message", kd_error_last()));
			fail(w, 422, "Invalid", d, "%s \"%s\" is invalid: %s", w->res, w->t->name, kd_error_last());
		}
	} else {
		rc = kd_smp_apply(&next, base, body, KD_SMP_SERVER);
		if (rc == 0 && !next) {
			fail(w, 422, "Invalid", details(w, w->t->name), "a patch may not delete the whole object");
			rc = -1;
		} else if (rc < 0)
			fail(w, 422, "Invalid", details(w, w->t->name), "%s", kd_error_last());
	}
	if (rc == 0 && !json_is_object(next)) {
		fail(w, 422, "Invalid", details(w, w->t->name), "the patch did not produce an object");
		rc = -1;
	}
	if (rc == 0 && old) {
		const char *rv = meta_str(next, "resourceVersion");
		const char *nm = meta_str(next, "name");
		if (rv && *rv && strcmp(rv, meta_str(old, "resourceVersion"))) {
			conflict(w, w->t->name, modified_msg);
			rc = -1;
		} else if (!scale && nm && strcmp(nm, w->t->name)) {
			fail(w, 422, "Invalid", details(w, w->t->name), "metadata.name: Invalid value: \"%s\": field is immutable", nm);
			rc = -1;
		}
	}
	if (rc == 0 && scale) {
		json_t *n2 = apply_scale(w, old, next);
		json_decref(next);
		next = n2;
		rc = next ? 0 : -1;
	}
	if (rc == 0) {
		if (!old)
			json_object_set_new(meta_of(next), "name", json_string(w->t->name));
		commit(w, old, next, apply, old ? 200 : 201);
		next = NULL;
	}
	pthread_mutex_unlock(&w->c->mu);
	reply_scale_if(w);
cleanup:
	json_decref(body);
	json_decref(old);
	json_decref(base);
	json_decref(next);
	json_decref(causes);
	free(key);
}

static void delete_one(wctx *w)
{
	json_t *opts = NULL, *pre, *final = NULL;
	json_error_t jerr;
	char *key = ks_key(w->t->type, w->t->ns, w->t->name);
	const char *want;
	ks_obj *o;
	char ts[32];

	if (w->r->body_len) {
		opts = json_loadb(w->r->body, w->r->body_len, 0, &jerr);
		if (!opts) {
			fail(w, 400, "BadRequest", NULL, "invalid DeleteOptions: %s", jerr.text);
			goto cleanup;
		}
	}
	w->dry = dry_run(w->r, opts);
	pre = json_object_get(opts, "preconditions");
	pthread_mutex_lock(&w->c->mu);
	o = key ? ks_store_get(w->c, key) : NULL;
	if (!o) {
		pthread_mutex_unlock(&w->c->mu);
		ks_not_found(w->resp, w->t->type, w->t->name);
		goto cleanup;
	}
	final = ks_obj_json(o);
	if (!final) {
		pthread_mutex_unlock(&w->c->mu);
		fail(w, 500, "InternalError", NULL, "out of memory");
		goto cleanup;
	}
	want = json_string_value(json_object_get(pre, "uid"));
	if (want && strcmp(want, meta_str(final, "uid"))) {
		kd_buf m = KD_BUF_INIT;
		kd_buf_printf(&m, "Precondition failed: UID in precondition: %s, UID in object meta: %s",
			      want, meta_str(final, "uid"));
		conflict(w, w->t->name, kd_buf_cstr(&m));
		kd_buf_free(&m);
		pthread_mutex_unlock(&w->c->mu);
		goto cleanup;
	}
	want = json_string_value(json_object_get(pre, "resourceVersion"));
	if (want && strcmp(want, meta_str(final, "resourceVersion"))) {
		kd_buf m = KD_BUF_INIT;
		kd_buf_printf(&m, "Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s",
			      want, meta_str(final, "resourceVersion"));
		conflict(w, w->t->name, kd_buf_cstr(&m));
		kd_buf_free(&m);
		pthread_mutex_unlock(&w->c->mu);
		goto cleanup;
	}
	ks_now_rfc3339(ts);
	json_object_set_new(meta_of(final), "deletionTimestamp", json_string(ts));
	json_object_set_new(meta_of(final), "deletionGracePeriodSeconds", json_integer(0));
	if (!w->dry) {
		ks_cascade_delete(w->c, w->t->type, final);
		ks_store_delete(w->c, key, final);
		if (!strcmp(w->t->type->kind, "ClusterRole"))
			ks_clusterroles_aggregate(w->c);
	}
	pthread_mutex_unlock(&w->c->mu);
	reply(w, 200, final);
	final = NULL;
cleanup:
	json_decref(opts);
	json_decref(final);
	free(key);
}

static void delete_collection(wctx *w)
{
	char *prefix = ks_key(w->t->type, w->t->ns, NULL);
	json_t *items = json_array(), *keys = json_array();
	size_t i, plen;
	int err = 0;

	if (!prefix || !items || !keys) {
		fail(w, 500, "InternalError", NULL, "out of memory");
		goto cleanup;
	}
	if (w->t->type->namespaced && !w->t->ns)
		prefix[strlen(prefix) - 1] = '\0';
	plen = strlen(prefix);
	w->dry = dry_run(w->r, NULL);
	pthread_mutex_lock(&w->c->mu);
	for (i = ks_store_lower_bound(w->c, prefix); i < w->c->nobjs &&
	     !strncmp(w->c->objs[i].key, prefix, plen); i++) {
		json_t *o = ks_obj_json(&w->c->objs[i]);
		if (o && ks_obj_matches(w->r, o, &err)) {
			json_array_append(items, o);
			json_array_append_new(keys, json_string(w->c->objs[i].key));
		}
		json_decref(o);
		if (err)
			break;
	}
	/* Deleted by key: a namespace takes its contents with it, which
	 * shifts positions in the table. */
	for (i = 0; !err && !w->dry && i < json_array_size(keys); i++) {
		const char *k = json_string_value(json_array_get(keys, i));
		if (!ks_store_get(w->c, k))
			continue;
		ks_cascade_delete(w->c, w->t->type, json_array_get(items, i));
		ks_store_delete(w->c, k, NULL);
	}
	pthread_mutex_unlock(&w->c->mu);
	if (err) {
		fail(w, 400, "BadRequest", NULL, "%s", kd_error_last());
		goto cleanup;
	}
	{
		char kind[160];
		snprintf(kind, sizeof(kind), "%sList", w->t->type->kind);
		reply(w, 200, json_pack("{s:s, s:s, s:{}, s:O}", "kind", kind, "apiVersion",
					w->api_version, "metadata", "items", items));
	}
cleanup:
	json_decref(items);
	json_decref(keys);
	free(prefix);
}

void ks_api_write(ks_cluster *c, ks_request *r, const ks_target *t,
		  ks_response *resp)
{
	wctx w;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.r = r;
	w.t = t;
	w.resp = resp;
	if (*t->type->group)
		snprintf(w.api_version, sizeof(w.api_version), "%s/%s", t->type->group, t->type->version);
	else
		snprintf(w.api_version, sizeof(w.api_version), "%s", t->type->version);
	ks_resource_name(w.res, sizeof(w.res), t->type);
	w.dry = dry_run(r, NULL);
	w.manager = pick_manager(&w);
	if (!strcmp(r->method, "POST"))
		create(&w);
	else if (!strcmp(r->method, "PUT") && t->name)
		update(&w);
	else if (!strcmp(r->method, "PATCH") && t->name)
		patch(&w);
	else if (!strcmp(r->method, "DELETE") && t->name)
		delete_one(&w);
	else if (!strcmp(r->method, "DELETE"))
		delete_collection(&w);
	else
		fail(&w, 405, "MethodNotAllowed", NULL, "the server does not allow this method on the requested resource");
}
