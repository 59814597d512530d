/*
 * kube_watch — long-running watches that survive dropped streams.
 *
 * A watch is one streaming call at a time.  When the stream ends (the
 * server's timeoutSeconds, a reset, an idle connection) it resumes from the
 * last resourceVersion it saw, with backoff while the cluster keeps failing.
 * Only "410 Expired" (as HTTP status or as an ERROR event) and permanent
 * refusals end it; the caller hears about those once and relists.
 */
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "kube_priv.h"

struct kd_kube_watch {
	kd_kube_conn *c;
	kd_buf path;
	kd_buf query;          /* without resourceVersion */
	char *what;
	char *rv;
	kd_kube_event_fn fn;
	void *ctx;
	kd_kube_call *call;
	int failures;          /* consecutive, for backoff */
	int reconnects;
	bool stopped;
};

static void watch_done(void *ctx, const kd_kube_result *res);
static void watch_line(kd_kube_call *call, json_t *line);

static int watch_connect(kd_kube_watch *w, int64_t delay_ms)
{
	kd_kube_request req = { .method = "GET", .path = w->path.data, .what = w->what };
	kd_buf q = KD_BUF_INIT;
	kd_kube_call *call;
	int rc;

	if (kd_buf_add(&q, w->query.data, w->query.len) < 0 ||
	    (w->rv && w->rv[0] && kd_kube_query_add(&q, "resourceVersion", w->rv) < 0)) {
		kd_buf_free(&q);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	req.query = q.data;
	rc = kd__kube_call_new(&call, w->c, &req, watch_done, w);
	kd_buf_free(&q);
	if (rc < 0)
		return rc;
	call->stream = true;
	call->on_line = watch_line;
	kd__kube_call_queue(call, delay_ms);
	w->call = call;
	return 0;
}

static void set_rv(kd_kube_watch *w, const json_t *object)
{
	const char *rv = kd_json_str(kd_json_obj(object, "metadata"), "resourceVersion");
	char *copy;

	if (rv && rv[0] && (copy = strdup(rv))) {
		free(w->rv);
		w->rv = copy;
	}
}

/* Stops for good and tells the caller; the caller may free w inside fn. */
static void stop(kd_kube_watch *w, kd_kube_event_type type, const char *message)
{
	w->stopped = true;
	if (w->call) {
		kd_kube_cancel(w->call);
		w->call = NULL;
	}
	w->fn(w->ctx, type, NULL, message);
}

static void reconnect(kd_kube_watch *w, bool failed, const char *message)
{
	const kd_kube_options *o = kd__kube_conn_options(w->c);
	int64_t delay = 0;

	if (w->call) {
		kd_kube_cancel(w->call);
		w->call = NULL;
	}
	if (failed)
		delay = kd_kube_backoff_ms(w->failures++, o->backoff_base_ms, o->backoff_max_ms,
					   kd__kube_random(kd__kube_conn_driver(w->c)));
	w->reconnects++;
	if (watch_connect(w, delay) < 0) {
		stop(w, KD_KUBE_EVENT_ERROR, message && message[0] ? message : kd_error_last());
		return;
	}
	/* Last: the caller may free w from this callback. */
	if (failed)
		w->fn(w->ctx, KD_KUBE_EVENT_RECONNECTING, NULL, message ? message : "");
}

static bool is_expired(int code, const char *reason)
{
	return code == 410 || (reason && (!strcmp(reason, "Expired") || !strcmp(reason, "Gone")));
}

static void watch_line(kd_kube_call *call, json_t *line)
{
	kd_kube_watch *w = call->ctx;
	const char *type = kd_json_str(line, "type");
	json_t *object = json_object_get(line, "object");
	kd_kube_event_type t;

	if (!type || !json_is_object(object))
		return;
	if (!strcmp(type, "ERROR")) {
		json_t *jc = json_object_get(object, "code");
		const char *reason = NULL;
		kd_buf msg = KD_BUF_INIT;
		int code = json_is_integer(jc) ? (int)json_integer_value(jc) : 0;

		kd_kube_status_error(&msg, &reason, 0, object, kd_kube_conn_name(w->c), w->what);
		if (is_expired(code, reason))
			stop(w, KD_KUBE_EVENT_RELIST, kd_buf_cstr(&msg));
		else
			reconnect(w, true, kd_buf_cstr(&msg));
		kd_buf_free(&msg);
		return;
	}
	if (!strcmp(type, "ADDED"))
		t = KD_KUBE_EVENT_ADDED;
	else if (!strcmp(type, "MODIFIED"))
		t = KD_KUBE_EVENT_MODIFIED;
	else if (!strcmp(type, "DELETED"))
		t = KD_KUBE_EVENT_DELETED;
	else if (!strcmp(type, "BOOKMARK"))
		t = KD_KUBE_EVENT_BOOKMARK;
	else
		return;
	set_rv(w, object);
	w->failures = 0;
	w->fn(w->ctx, t, object, "");
}

static void watch_done(void *ctx, const kd_kube_result *res)
{
	kd_kube_watch *w = ctx;

	w->call = NULL;
	if (w->stopped)
		return;
	if (is_expired(res->http_status, res->error ? res->reason : NULL)) {
		stop(w, KD_KUBE_EVENT_RELIST, res->message);
		return;
	}
	if (res->error == 0) {
		/* The server closed a healthy stream (timeoutSeconds): resume. */
		reconnect(w, false, NULL);
		return;
	}
	if (res->error == KD_EIO || res->http_status == 429 || res->http_status >= 500 ||
	    (res->http_status >= 200 && res->http_status < 300)) {
		reconnect(w, true, res->message);
		return;
	}
	stop(w, KD_KUBE_EVENT_ERROR, res->message);
}

int kd_kube_watch_start(kd_kube_watch **out, kd_kube_conn *c,
			const kd_kube_ref *ref, const kd_kube_list_opts *lo,
			const char *resource_version, kd_kube_event_fn fn,
			void *ctx)
{
	const kd_kube_options *o = kd__kube_conn_options(c);
	kd_kube_ref coll = *ref;
	kd_buf what = KD_BUF_INIT;
	kd_kube_watch *w;
	int rc;

	*out = NULL;
	coll.name = NULL;
	coll.subresource = NULL;
	if (!(w = calloc(1, sizeof(*w))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	w->c = c;
	w->fn = fn;
	w->ctx = ctx;
	if ((rc = kd_kube_path(&w->path, &coll)) < 0)
		goto fail;
	rc = kd_kube_ref_describe(&what, &coll);
	if (rc == 0)
		rc = kd_buf_puts(&what, " (watch)");
	if (rc == 0 && !(w->what = kd_buf_detach(&what)))
		rc = KD_ENOMEM;
	if (rc == 0)
		rc = kd_kube_query_add(&w->query, "watch", "1");
	if (rc == 0)
		rc = kd_kube_query_add(&w->query, "allowWatchBookmarks", "true");
	if (rc == 0 && o->watch_timeout_s > 0)
		rc = kd_buf_printf(&w->query, "&timeoutSeconds=%ld", o->watch_timeout_s);
	if (rc == 0 && lo && lo->label_selector && lo->label_selector[0])
		rc = kd_kube_query_add(&w->query, "labelSelector", lo->label_selector);
	if (rc == 0 && lo && lo->field_selector && lo->field_selector[0])
		rc = kd_kube_query_add(&w->query, "fieldSelector", lo->field_selector);
	if (rc == 0 && resource_version && resource_version[0] &&
	    !(w->rv = strdup(resource_version)))
		rc = KD_ENOMEM;
	if (rc < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = watch_connect(w, 0)) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	kd_buf_free(&what);
	kd_kube_watch_free(w);
	return rc;
}

void kd_kube_watch_free(kd_kube_watch *w)
{
	if (!w)
		return;
	kd_kube_cancel(w->call);
	kd_buf_free(&w->path);
	kd_buf_free(&w->query);
	free(w->what);
	free(w->rv);
	free(w);
}

const char *kd_kube_watch_resource_version(const kd_kube_watch *w)
{
	return w->rv ? w->rv : "";
}

int kd_kube_watch_reconnects(const kd_kube_watch *w)
{
	return w->reconnects;
}
