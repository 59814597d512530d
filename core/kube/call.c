/*
 * kube_call — the life of one call: its request, each attempt on a libcurl
 * easy handle (TLS material, token, timeouts), and what its outcome means:
 * retry with backoff (429/5xx, connection errors, Retry-After), one
 * re-authentication after a 401, a composite operation's next step, or
 * completion with a decoded Status.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/data.h"
#include "kube_priv.h"

#define MAX_RESPONSE ((size_t)256 << 20)

/* ---- calls ------------------------------------------------------------- */

static char *dup_or_null(const char *s, bool *oom)
{
	char *r;

	if (!s)
		return NULL;
	if (!(r = strdup(s)))
		*oom = true;
	return r;
}

static int build_url(kd_buf *url, const kd_kube_conn *c, const char *path,
		     const char *query)
{
	kd_buf_clear(url);
	if (kd_buf_puts(url, c->base) < 0 || kd_buf_puts(url, path) < 0 ||
	    (query && query[0] && (kd_buf_putc(url, '?') < 0 || kd_buf_puts(url, query) < 0)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* deadline_ms <= 0 means no overall deadline. */
static int64_t deadline_from_now(const kd_kube_options *o)
{
	return o->deadline_ms > 0 ? kd__kube_now_ms() + o->deadline_ms : INT64_MAX;
}

int kd__kube_call_new(kd_kube_call **out, kd_kube_conn *c,
		      const kd_kube_request *req, kd_kube_done_fn done, void *ctx)
{
	kd_kube_call *call;
	bool oom = false;

	*out = NULL;
	if (!req->path || req->path[0] != '/')
		return kd_error_set(KD_EINVAL, "cluster %s: request path must start with '/'",
				    c->name);
	if (!(call = calloc(1, sizeof(*call))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	call->d = c->d;
	call->c = c;
	call->refs = 1;
	call->done = done;
	call->ctx = ctx;
	call->method = dup_or_null(req->method ? req->method : "GET", &oom);
	call->accept = dup_or_null(req->accept ? req->accept : "application/json", &oom);
	call->content_type = dup_or_null(req->content_type, &oom);
	call->what = dup_or_null(req->what ? req->what : req->path, &oom);
	call->raw = req->raw;
	if (req->body) {
		call->has_body = true;
		if (kd_buf_add(&call->body, req->body, req->body_len) < 0)
			oom = true;
	}
	if (oom || build_url(&call->url, c, req->path, req->query) < 0) {
		kd__kube_call_unref(call);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	call->deadline_ms = deadline_from_now(&c->opt);
	*out = call;
	return 0;
}

void kd__kube_call_queue(kd_kube_call *call, int64_t delay_ms)
{
	kd_kube_driver *d = call->d;

	call->state = CALL_WAITING;
	call->not_before_ms = kd__kube_now_ms() + (delay_ms > 0 ? delay_ms : 0);
	call->linked = true;
	call->prev = d->tail;
	call->next = NULL;
	if (d->tail)
		d->tail->next = call;
	else
		d->head = call;
	d->tail = call;
}

void kd__kube_call_discard(kd_kube_call *call)
{
	kd__kube_call_unref(call);
}

int kd__kube_call_rearm(kd_kube_call *call, const char *path, const char *query,
			const char *accept)
{
	char *a;

	if (build_url(&call->url, call->c, path, query) < 0)
		return KD_ENOMEM;
	if (accept) {
		if (!(a = strdup(accept)))
			return kd_error_set(KD_ENOMEM, "out of memory");
		free(call->accept);
		call->accept = a;
	}
	call->attempt = 0;
	call->reauthed = false;
	call->deadline_ms = deadline_from_now(&call->c->opt);
	return 0;
}

void kd__kube_call_unlink(kd_kube_call *call)
{
	kd_kube_driver *d = call->d;

	if (!call->linked)
		return;
	call->linked = false;
	if (call->prev)
		call->prev->next = call->next;
	else if (d->head == call)
		d->head = call->next;
	if (call->next)
		call->next->prev = call->prev;
	else if (d->tail == call)
		d->tail = call->prev;
	call->next = call->prev = NULL;
}

void kd__kube_call_release(kd_kube_call *call)
{
	if (call->slot) {
		call->slot = false;
		call->c->ep->running--;
	}
	if (call->easy) {
		curl_multi_remove_handle(call->d->multi, call->easy);
		curl_easy_cleanup(call->easy);
		call->easy = NULL;
	}
	if (call->headers) {
		/* The Authorization header holds a token; scrub it. */
		struct curl_slist *h;

		for (h = call->headers; h; h = h->next)
			memset(h->data, 0, strlen(h->data));
		curl_slist_free_all(call->headers);
		call->headers = NULL;
	}
}

void kd__kube_call_unref(kd_kube_call *call)
{
	if (--call->refs > 0)
		return;
	kd__kube_call_release(call);
	if (call->op_free)
		call->op_free(call->op);
	free(call->method);
	kd_buf_free(&call->url);
	free(call->accept);
	free(call->content_type);
	kd_buf_free(&call->body);
	free(call->what);
	kd_buf_free(&call->resp);
	kd_kube_lines_free(&call->lines);
	json_decref(call->line_queue);
	kd_buf_free(&call->msg);
	json_decref(call->result_body);
	json_decref(call->items);
	free(call->resource_version);
	free(call);
}

void kd_kube_cancel(kd_kube_call *call)
{
	if (!call || call->cancelled)
		return;
	call->cancelled = true;
	kd__kube_call_release(call);
	kd__kube_call_unlink(call);
	kd__kube_call_unref(call);
}

bool kd_kube_call_retrying(const kd_kube_call *call, int *attempts)
{
	if (attempts)
		*attempts = call->attempt;
	return call->state == CALL_WAITING && call->attempt > 0;
}

int kd_kube_submit(kd_kube_call **out, kd_kube_conn *c,
		   const kd_kube_request *req, kd_kube_done_fn done, void *ctx)
{
	kd_kube_call *call;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = kd__kube_call_new(&call, c, req, done, ctx)) < 0)
		return rc;
	kd__kube_call_queue(call, 0);
	if (out)
		*out = call;
	return 0;
}

/* ---- one attempt ------------------------------------------------------- */

static int queue_line(void *ctx, const char *line, size_t len)
{
	kd_kube_call *call = ctx;
	json_error_t jerr;
	json_t *v = kd_json_loadb(line, len, &jerr);

	if (!v)
		return kd_error_set(KD_EINVAL, "cluster %s: %s: malformed watch event: %s",
				    call->c->name, call->what, jerr.text);
	return json_array_append_new(call->line_queue, v) ? KD_ENOMEM : 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	kd_kube_call *call = ud;
	size_t n = size * nmemb;
	long status = 0;

	if (call->stream) {
		curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300) {
			call->streaming = true;
			if (!call->line_queue && !(call->line_queue = json_array()))
				return 0;
			if ((call->stream_error = kd_kube_lines_feed(&call->lines, data, n,
								    queue_line, call)) < 0)
				return 0;
			return n;
		}
	}
	if (call->resp.len + n > MAX_RESPONSE) {
		call->stream_error = kd_error_set(KD_ELIMIT, "response larger than %zu bytes",
						  MAX_RESPONSE);
		return 0;
	}
	if (call->resp.len == 0) {
		/* one allocation for the whole body when its size is announced */
		curl_off_t cl = -1;

		curl_easy_getinfo(call->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (cl > 0 && (size_t)cl <= MAX_RESPONSE && kd_buf_grow(&call->resp, (size_t)cl) < 0) {
			call->stream_error = KD_ENOMEM;
			return 0;
		}
	}
	if (kd_buf_add(&call->resp, data, n) < 0) {
		call->stream_error = KD_ENOMEM;
		return 0;
	}
	return n;
}

static int add_header(struct curl_slist **list, const char *fmt, const char *value)
{
	kd_buf b = KD_BUF_INIT;
	struct curl_slist *n;

	if (kd_buf_printf(&b, fmt, value) < 0)
		return KD_ENOMEM;
	n = curl_slist_append(*list, b.data);
	memset(b.data, 0, b.len);
	kd_buf_free(&b);
	if (!n)
		return kd_error_set(KD_ENOMEM, "out of memory");
	*list = n;
	return 0;
}

int kd__kube_call_start(kd_kube_call *call, int64_t now)
{
	kd_kube_conn *c = call->c;
	kd_kube_target *t = c->t;
	CURL *e;
	int rc;

	if ((rc = kd_kube_target_refresh(t, time(NULL))) < 0)
		return rc;
	if (!(e = curl_easy_init()))
		return kd_error_set(KD_ENOMEM, "cannot create a libcurl handle");
	call->easy = e;
	call->attempt++;
	call->http_status = 0;
	call->streaming = false;
	call->stream_error = 0;
	call->errbuf[0] = '\0';
	kd_buf_clear(&call->resp);
	if (!call->stream)
		kd__kube_buf_take(call->d, &call->resp);
	kd_buf_clear(&call->lines.pending);

	if ((rc = add_header(&call->headers, "Accept: %s", call->accept)) < 0 ||
	    (call->content_type &&
	     (rc = add_header(&call->headers, "Content-Type: %s", call->content_type)) < 0) ||
	    (rc = add_header(&call->headers, "Expect:%s", "")) < 0 ||
	    (t->token && t->token[0] &&
	     (rc = add_header(&call->headers, "Authorization: Bearer %s", t->token)) < 0))
		return rc;

	curl_easy_setopt(e, CURLOPT_PRIVATE, call);
	curl_easy_setopt(e, CURLOPT_URL, call->url.data);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, KD_KUBE_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
	if (call->stream) {
		long idle = (c->opt.watch_idle_ms + 999) / 1000;

		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, idle > 0 ? idle : 1L);
	} else {
		int64_t left = call->deadline_ms - now;
		long tmo = c->opt.request_timeout_ms > 0 ? c->opt.request_timeout_ms : LONG_MAX;

		if (left < tmo)
			tmo = left > 1 ? (long)left : 1;
		if (tmo == LONG_MAX)
			tmo = 0;   /* neither limit set: no timeout */
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, tmo);
	}
	if (strcmp(call->method, "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, call->method);
	if (call->has_body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body.len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body.data ? call->body.data : "");
	}
	if (t->ca_pem.len) {
		struct curl_blob blob = { t->ca_pem.data, t->ca_pem.len, CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (t->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (t->client_cert_pem.len && t->client_key_pem.len) {
		struct curl_blob cert = { t->client_cert_pem.data, t->client_cert_pem.len,
					  CURL_BLOB_COPY };
		struct curl_blob key = { t->client_key_pem.data, t->client_key_pem.len,
					 CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (t->proxy_url && t->proxy_url[0])
		curl_easy_setopt(e, CURLOPT_PROXY, t->proxy_url);
	if (c->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
	if (curl_multi_add_handle(call->d->multi, e) != CURLM_OK)
		return kd_error_set(KD_ERROR, "cluster %s: cannot start a request", c->name);
	call->state = CALL_RUNNING;
	if (!call->stream) {
		call->slot = true;
		c->ep->running++;
	}
	return 0;
}

/* ---- outcomes ---------------------------------------------------------- */

static void finish(kd_kube_call *call, int error)
{
	call->error = error;
	call->state = CALL_DONE;
	kd__kube_call_release(call);
}

void kd__kube_call_fail(kd_kube_call *call, int error, const char *fmt, const char *detail)
{
	kd_buf_clear(&call->msg);
	if (kd_buf_printf(&call->msg, "cluster %s: %s: ", call->c->name, call->what) == 0)
		kd_buf_printf(&call->msg, fmt, detail);
	finish(call, error);
}

/* Tries again after delay_ms unless retries or the deadline run out;
 * returns false when it will not. */
static bool retry(kd_kube_call *call, int64_t delay_ms)
{
	int64_t now = kd__kube_now_ms();

	if (call->attempt > call->c->opt.max_retries || now + delay_ms >= call->deadline_ms)
		return false;
	kd__kube_call_release(call);
	call->state = CALL_WAITING;
	call->not_before_ms = now + delay_ms;
	return true;
}

static int64_t backoff(kd_kube_call *call)
{
	const kd_kube_options *o = &call->c->opt;

	return kd_kube_backoff_ms(call->attempt - 1, o->backoff_base_ms, o->backoff_max_ms,
				  kd__kube_random(call->d));
}

/* Connection-level failures worth another try: the server never saw the
 * request (connect, resolve) or the method is safe to repeat. */
static bool transport_retryable(const kd_kube_call *call, CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return true;
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return !strcmp(call->method, "GET");
	default:
		return false;
	}
}

/* 429 and the gateway errors mean the request was not processed; a 500
 * may have been half done, so only reads repeat it unless the server
 * asked for a retry. */
static bool status_retryable(const kd_kube_call *call, long status, curl_off_t retry_after)
{
	return status == 429 || status == 502 || status == 503 || status == 504 ||
	       (status == 500 && (retry_after > 0 || !strcmp(call->method, "GET")));
}

static void complete_http(kd_kube_call *call)
{
	json_error_t jerr;
	json_t *body = NULL;
	int rc;

	if (call->raw && call->http_status >= 200 && call->http_status < 300) {
		finish(call, 0);   /* the caller reads call->resp */
		return;
	}
	if (call->resp.len) {
		body = kd_json_loadb_memo(call->resp.data, call->resp.len, &jerr,
					  call->share && call->d->share_memo ? call->d->share_memo
									     : call->d->memo);
		/* parsed: the text is not needed any more (a raw body is) */
		kd__kube_buf_give(call->d, &call->resp);
		if (!body && call->http_status >= 200 && call->http_status < 300) {
			kd__kube_call_fail(call, KD_EINVAL, "malformed JSON from the server: %s", jerr.text);
			return;
		}
	}
	if (call->http_status >= 200 && call->http_status < 300) {
		if (call->step) {
			rc = call->step(call, body);
			if (rc == 1) {
				json_decref(body);
				kd__kube_call_release(call);
				call->state = CALL_WAITING;
				call->not_before_ms = 0;
				return;
			}
			if (rc < 0) {
				json_decref(body);
				kd_buf_clear(&call->msg);
				kd_buf_puts(&call->msg, kd_error_last());
				finish(call, rc);
				return;
			}
		}
		json_decref(call->result_body);
		call->result_body = body;
		finish(call, 0);
		return;
	}
	if (call->on_error && (rc = call->on_error(call)) > 0) {
		json_decref(body);
		kd__kube_call_release(call);
		if (rc == 2) {
			finish(call, 0);
			return;
		}
		call->state = CALL_WAITING;
		call->not_before_ms = 0;
		return;
	}
	kd_buf_clear(&call->msg);
	rc = kd_kube_status_error(&call->msg, &call->reason, call->http_status, body,
				  call->c->name, call->what);
	/* reason may point into body; keep the body alive with the call. */
	json_decref(call->result_body);
	call->result_body = body;
	if (call->attempt > 1)
		kd_buf_printf(&call->msg, " after %d attempts", call->attempt);
	finish(call, rc);
}

void kd__kube_call_finished(kd_kube_call *call, CURLcode cc)
{
	long status = 0;
	curl_off_t retry_after = 0;

	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(call->easy, CURLINFO_RETRY_AFTER, &retry_after);
	call->http_status = (int)status;

	if (call->stream_error < 0 && !call->streaming) {
		kd__kube_call_fail(call, call->stream_error, "%s", kd_error_last());
		return;
	}
	if (call->streaming) {
		/* A stream that ran: its end is the caller's business (a watch
		 * resumes); no retry here. */
		if (call->stream_error < 0)
			kd__kube_call_fail(call, call->stream_error, "%s", kd_error_last());
		else if (cc != CURLE_OK)
			kd__kube_call_fail(call, KD_EIO, "stream broke: %s",
				 call->errbuf[0] ? call->errbuf : curl_easy_strerror(cc));
		else
			finish(call, 0);
		return;
	}
	if (cc != CURLE_OK) {
		if (transport_retryable(call, cc) && retry(call, backoff(call)))
			return;
		kd_buf_clear(&call->msg);
		kd_buf_printf(&call->msg, "cluster %s: %s: %s", call->c->name, call->what,
			      call->errbuf[0] ? call->errbuf : curl_easy_strerror(cc));
		if (call->attempt > 1)
			kd_buf_printf(&call->msg, " after %d attempts", call->attempt);
		finish(call, KD_EIO);
		return;
	}
	if (status == 401 && !call->reauthed && kd__kube_now_ms() < call->deadline_ms) {
		/* Credentials may have rotated under us: forget them and retry
		 * once, whatever max_retries says. */
		call->reauthed = true;
		kd_kube_target_invalidate(call->c->t);
		kd__kube_call_release(call);
		call->state = CALL_WAITING;
		call->not_before_ms = 0;
		return;
	}
	if (status_retryable(call, status, retry_after) &&
	    retry(call, retry_after > 0 ? (int64_t)retry_after * 1000 : backoff(call)))
		return;
	complete_http(call);
}
