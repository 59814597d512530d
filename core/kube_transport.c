/*
 * kube_transport — the driver (one libcurl multi handle for every cluster),
 * per-cluster connections and the life of a call: rate limit, attempt,
 * retry with backoff, 401 re-authentication, completion.
 *
 * Every call sits in the driver's list from submission to completion.  A
 * call waits (rate limit, backoff) in CALL_WAITING, owns an easy handle in
 * CALL_RUNNING, and fires its callback from kd_kube_run() in CALL_DONE.
 * Calls are reference counted so a callback may cancel anything, its own
 * watch included, while the driver is still walking the list.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "kube_private.h"

#define MAX_RESPONSE ((size_t)256 << 20)

struct kd_kube_driver {
	CURLM *multi;
	int wake_fd;
	kd_kube_call *head, *tail;
	kd_kube_call *batch;        /* completions being fired */
	size_t conns;
	uint64_t rng;
};

struct kd_kube_conn {
	kd_kube_driver *d;
	kd_kube_target *t;
	char *name;
	kd_kube_options opt;
	kd_kube_bucket bucket;
	char *base;                 /* scheme://host:port[/prefix] as curl sees it */
	struct curl_slist *connect_to;
	/* discovery cache (kube_discovery.c) */
	kd_kube_resource *resources;
	size_t nresources;
	bool discovered;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int64_t kd__kube_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double kd__kube_random(kd_kube_driver *d)
{
	/* xorshift64*: jitter needs spread, not secrecy. */
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return (double)((d->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

int kd_kube_driver_new(kd_kube_driver **out)
{
	kd_kube_driver *d;
	struct timespec ts;

	*out = NULL;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return kd_error_set(KD_ERROR, "cannot initialise libcurl: %s",
				    curl_easy_strerror(curl_init_rc));
	if (!(d = calloc(1, sizeof(*d))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (!(d->multi = curl_multi_init())) {
		free(d);
		return kd_error_set(KD_ENOMEM, "cannot create a libcurl multi handle");
	}
	curl_multi_setopt(d->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	d->wake_fd = -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	d->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		 ((uint64_t)getpid() << 40) ^ 0x9E3779B97F4A7C15ULL;
	*out = d;
	return 0;
}

static void call_unref(kd_kube_call *call);

void kd_kube_driver_free(kd_kube_driver *d)
{
	if (!d)
		return;
	/* Connections own their calls; any left here belong to connections the
	 * caller forgot, so they are cancelled rather than leaked. */
	while (d->head)
		kd_kube_cancel(d->head);
	curl_multi_cleanup(d->multi);
	free(d);
}

int kd_kube_wakeup(kd_kube_driver *d)
{
	CURLMcode mc = curl_multi_wakeup(d->multi);

	return mc == CURLM_OK ? 0 : kd_error_set(KD_EIO, "cannot wake the kube driver: %s",
						   curl_multi_strerror(mc));
}

void kd_kube_driver_set_wake_fd(kd_kube_driver *d, int fd)
{
	d->wake_fd = fd;
}

size_t kd_kube_driver_pending(const kd_kube_driver *d)
{
	size_t n = 0;
	const kd_kube_call *call;

	for (call = d->head; call; call = call->next)
		n++;
	return n;
}

/* ---- connections ------------------------------------------------------- */

/* Splits the server URL so that a tls-server-name can replace the host
 * curl verifies and sends as SNI, while CONNECT_TO still dials the real
 * address: libcurl 7.88 has no separate SNI option. */
static int conn_setup_url(kd_kube_conn *c)
{
	const char *server = c->t->server, *sep, *auth, *path, *colon, *port;
	char *scheme = NULL, *host = NULL, *entry = NULL;
	kd_buf b = KD_BUF_INIT;
	int rc = 0;

	if (!server || !(sep = strstr(server, "://")))
		return kd_error_set(KD_EINVAL, "cluster %s: server URL '%s' has no scheme",
				    c->name, server ? server : "");
	auth = sep + 3;
	path = auth + strcspn(auth, "/?#");
	if (path == auth)
		return kd_error_set(KD_EINVAL, "cluster %s: server URL '%s' has no host",
				    c->name, server);
	if (!c->t->tls_server_name || !c->t->tls_server_name[0]) {
		if (kd_buf_add(&b, server, (size_t)(path - server)) < 0 ||
		    kd_buf_add(&b, path, strcspn(path, "?#")) < 0)
			goto oom;
		while (b.len && b.data[b.len - 1] == '/')
			kd_buf_truncate(&b, b.len - 1);
		c->base = kd_buf_detach(&b);
		return c->base ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	/* host may be "[v6]" with or without ":port" */
	colon = NULL;
	for (port = auth; port < path; port++)
		if (*port == ':')
			colon = port;
	if (colon && auth[0] == '[' && memchr(colon, ']', (size_t)(path - colon)))
		colon = NULL;
	scheme = strndup(server, (size_t)(sep - server));
	host = strndup(auth, (size_t)((colon ? colon : path) - auth));
	if (!scheme || !host)
		goto oom;
	if (colon) {
		port = colon + 1;
	} else {
		port = strcmp(scheme, "http") ? "443" : "80";
	}
	{
		int plen = colon ? (int)(path - port) : (int)strlen(port);

		if (kd_buf_printf(&b, "%s://%s:%.*s", scheme, c->t->tls_server_name, plen, port) < 0 ||
		    kd_buf_add(&b, path, strcspn(path, "?#")) < 0)
			goto oom;
		while (b.len && b.data[b.len - 1] == '/')
			kd_buf_truncate(&b, b.len - 1);
		if (!(c->base = kd_buf_detach(&b)))
			goto oom;
		if (kd_buf_printf(&b, "%s:%.*s:%s:%.*s", c->t->tls_server_name, plen, port,
				  host, plen, port) < 0 || !(entry = kd_buf_detach(&b)))
			goto oom;
	}
	if (!(c->connect_to = curl_slist_append(NULL, entry)))
		goto oom;
	goto cleanup;
oom:
	rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	kd_buf_free(&b);
	free(scheme);
	free(host);
	free(entry);
	return rc;
}

int kd_kube_conn_new(kd_kube_conn **out, kd_kube_driver *d,
		     kd_kube_target *target, const char *name,
		     const kd_kube_options *opt)
{
	kd_kube_conn *c;
	int rc;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c)))) {
		kd_kube_target_free(target);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	c->d = d;
	c->t = target;
	if (opt)
		c->opt = *opt;
	else
		kd_kube_options_init(&c->opt);
	name = name ? name : target->context ? target->context : "?";
	if (!(c->name = strdup(name))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = conn_setup_url(c)) < 0)
		goto fail;
	kd_kube_bucket_init(&c->bucket, c->opt.qps, c->opt.burst, kd__kube_now_ms());
	d->conns++;
	*out = c;
	return 0;
fail:
	c->d = NULL;
	kd_kube_conn_free(c);
	return rc;
}

void kd_kube_conn_free(kd_kube_conn *c)
{
	kd_kube_call *call, *next;

	if (!c)
		return;
	if (c->d) {
		for (call = c->d->head; call; call = next) {
			next = call->next;
			if (call->c == c)
				kd_kube_cancel(call);
		}
		/* Freed from a callback: completions of this connection that are
		 * about to fire must not. */
		for (call = c->d->batch; call; call = call->batch_next)
			if (call->c == c)
				kd_kube_cancel(call);
		c->d->conns--;
	}
	kd__kube_discovery_clear(c);
	curl_slist_free_all(c->connect_to);
	kd_kube_target_free(c->t);
	free(c->base);
	free(c->name);
	free(c);
}

const char *kd_kube_conn_name(const kd_kube_conn *c) { return c->name; }
const kd_kube_target *kd_kube_conn_target(const kd_kube_conn *c) { return c->t; }
const kd_kube_options *kd__kube_conn_options(const kd_kube_conn *c) { return &c->opt; }
kd_kube_driver *kd__kube_conn_driver(kd_kube_conn *c) { return c->d; }

kd_kube_resource **kd__kube_conn_cache(kd_kube_conn *c, size_t **count, bool **ready)
{
	*count = &c->nresources;
	*ready = &c->discovered;
	return &c->resources;
}

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
	if (req->body) {
		call->has_body = true;
		if (kd_buf_add(&call->body, req->body, req->body_len) < 0)
			oom = true;
	}
	if (oom || build_url(&call->url, c, req->path, req->query) < 0) {
		call_unref(call);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	call->deadline_ms = kd__kube_now_ms() + c->opt.deadline_ms;
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
	call_unref(call);
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
	call->deadline_ms = kd__kube_now_ms() + call->c->opt.deadline_ms;
	return 0;
}

static void unlink_call(kd_kube_call *call)
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

static void release_easy(kd_kube_call *call)
{
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

static void call_unref(kd_kube_call *call)
{
	if (--call->refs > 0)
		return;
	release_easy(call);
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
	release_easy(call);
	unlink_call(call);
	call_unref(call);
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
	json_t *v = json_loadb(line, len, 0, &jerr);

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

static int start_attempt(kd_kube_call *call, int64_t now)
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
		long tmo = c->opt.request_timeout_ms;

		if (left < tmo)
			tmo = left > 1 ? (long)left : 1;
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
	return 0;
}

/* ---- outcomes ---------------------------------------------------------- */

static void finish(kd_kube_call *call, int error)
{
	call->error = error;
	call->state = CALL_DONE;
	release_easy(call);
}

static void fail_msg(kd_kube_call *call, int error, const char *fmt, const char *detail)
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
	release_easy(call);
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

static bool status_retryable(long status, curl_off_t retry_after)
{
	return status == 429 || status == 502 || status == 503 || status == 504 ||
	       (status == 500 && retry_after > 0);
}

static void complete_http(kd_kube_call *call)
{
	json_error_t jerr;
	json_t *body = NULL;
	int rc;

	if (call->resp.len) {
		body = json_loadb(call->resp.data, call->resp.len, 0, &jerr);
		if (!body && call->http_status >= 200 && call->http_status < 300) {
			fail_msg(call, KD_EINVAL, "malformed JSON from the server: %s", jerr.text);
			return;
		}
	}
	if (call->http_status >= 200 && call->http_status < 300) {
		if (call->step) {
			rc = call->step(call, body);
			if (rc == 1) {
				json_decref(body);
				release_easy(call);
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
		release_easy(call);
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

static void on_done(kd_kube_call *call, CURLcode cc)
{
	long status = 0;
	curl_off_t retry_after = 0;

	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(call->easy, CURLINFO_RETRY_AFTER, &retry_after);
	call->http_status = (int)status;

	if (call->stream_error < 0 && !call->streaming) {
		fail_msg(call, call->stream_error, "%s", kd_error_last());
		return;
	}
	if (call->streaming) {
		/* A stream that ran: its end is the caller's business (a watch
		 * resumes); no retry here. */
		if (call->stream_error < 0)
			fail_msg(call, call->stream_error, "%s", kd_error_last());
		else if (cc != CURLE_OK)
			fail_msg(call, KD_EIO, "stream broke: %s",
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
		release_easy(call);
		call->state = CALL_WAITING;
		call->not_before_ms = 0;
		return;
	}
	if (status_retryable(status, retry_after) &&
	    retry(call, retry_after > 0 ? (int64_t)retry_after * 1000 : backoff(call)))
		return;
	complete_http(call);
}

/* ---- the loop ---------------------------------------------------------- */

/* Starts whatever may start now; returns the earliest time something
 * waiting may start (INT64_MAX when nothing waits). */
static int64_t dispatch(kd_kube_driver *d)
{
	int64_t now = kd__kube_now_ms(), next = INT64_MAX, wait;
	kd_kube_call *call;
	int rc;

	for (call = d->head; call; call = call->next) {
		if (call->state != CALL_WAITING)
			continue;
		if (now >= call->deadline_ms && call->attempt > 0) {
			fail_msg(call, KD_EIO, "%s", "deadline exceeded while waiting to retry");
			continue;
		}
		if (call->not_before_ms > now) {
			if (call->not_before_ms < next)
				next = call->not_before_ms;
			continue;
		}
		if ((wait = kd_kube_bucket_take(&call->c->bucket, now)) > 0) {
			call->not_before_ms = now + wait;
			if (call->not_before_ms < next)
				next = call->not_before_ms;
			continue;
		}
		if ((rc = start_attempt(call, now)) < 0) {
			char *m = strdup(kd_error_last());

			release_easy(call);
			fail_msg(call, rc, "%s", m ? m : "cannot start");
			free(m);
		}
	}
	return next;
}

/* Hands parsed stream lines to their handlers, outside libcurl. */
static void deliver_lines(kd_kube_driver *d)
{
	kd_kube_call *call, *next;
	bool lost;

again:
	for (call = d->head; call; call = next) {
		call->refs++;
		while (!call->cancelled && call->on_line && call->line_queue &&
		       json_array_size(call->line_queue)) {
			json_t *line = json_incref(json_array_get(call->line_queue, 0));

			json_array_remove(call->line_queue, 0);
			call->on_line(call, line);
			json_decref(line);
		}
		/* A handler that cancelled its own call unlinked it: start over
		 * from the head, already drained calls are skipped quickly. */
		lost = call->cancelled;
		next = call->next;
		call_unref(call);
		if (lost)
			goto again;
	}
}

/* Completions are taken off the list first and fired from a private
 * batch, so a callback may submit or cancel anything, including another
 * call of the same batch (whose callback then never fires). */
static int fire_done(kd_kube_driver *d)
{
	kd_kube_call *batch = NULL, **tail = &batch, *call, *next;
	kd_kube_call *outer = d->batch;   /* a _sync wrapper inside a callback nests */
	int fired = 0;

	for (call = d->head; call; call = next) {
		next = call->next;
		if (call->state != CALL_DONE)
			continue;
		unlink_call(call);
		call->refs++;
		call->batch_next = NULL;
		*tail = call;
		tail = &call->batch_next;
	}
	d->batch = batch;
	for (call = batch; call; call = next) {
		next = call->batch_next;
		if (!call->cancelled) {
			kd_kube_result res = {
				.error = call->error,
				.http_status = call->http_status,
				.reason = call->error && call->reason ? call->reason : "",
				.message = call->error ? kd_buf_cstr(&call->msg) : "",
				.body = call->result_body,
				.items = call->items,
				.resource_version = call->resource_version ? call->resource_version : "",
				.attempts = call->attempt,
			};

			/* kd_kube_cancel() from its own callback is a no-op. */
			call->cancelled = true;
			if (call->error)
				kd_error_set(call->error, "%s", res.message);
			if (call->done)
				call->done(call->ctx, &res);
			fired++;
			call_unref(call);   /* the list's reference */
		}
		d->batch = next;
		call_unref(call);           /* the batch's */
	}
	d->batch = outer;
	return fired;
}

static int process(kd_kube_driver *d)
{
	CURLMsg *m;
	int left, running;
	CURLMcode mc;

	mc = curl_multi_perform(d->multi, &running);
	if (mc != CURLM_OK)
		return kd_error_set(KD_EIO, "kube driver: %s", curl_multi_strerror(mc));
	deliver_lines(d);
	while ((m = curl_multi_info_read(d->multi, &left))) {
		kd_kube_call *call = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		if (call && call->state == CALL_RUNNING)
			on_done(call, m->data.result);
	}
	deliver_lines(d);
	return fire_done(d);
}

int kd_kube_run(kd_kube_driver *d, int timeout_ms)
{
	struct curl_waitfd extra = { 0 };
	int64_t next, now, wait;
	int rc, n;

	dispatch(d);
	if ((rc = process(d)) != 0)
		return rc < 0 ? rc : 0;
	next = dispatch(d);
	if (timeout_ms <= 0)
		return process(d) < 0 ? KD_EIO : 0;
	now = kd__kube_now_ms();
	wait = timeout_ms;
	if (next != INT64_MAX && next - now < wait)
		wait = next - now > 0 ? next - now : 0;
	if (d->wake_fd >= 0) {
		extra.fd = d->wake_fd;
		extra.events = CURL_WAIT_POLLIN;
	}
	if (curl_multi_poll(d->multi, d->wake_fd >= 0 ? &extra : NULL,
			    d->wake_fd >= 0 ? 1 : 0, (int)wait, &n) != CURLM_OK)
		return kd_error_set(KD_EIO, "kube driver: poll failed");
	dispatch(d);
	rc = process(d);
	return rc < 0 ? rc : 0;
}

int kd__kube_wait(kd_kube_driver *d, const bool *flag)
{
	int rc;

	while (!*flag)
		if ((rc = kd_kube_run(d, 1000)) < 0)
			return rc;
	return 0;
}
