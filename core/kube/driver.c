/*
 * kube_driver — the driver (one libcurl multi handle for every cluster),
 * per-cluster connections, and the loop that starts waiting calls, hands
 * stream lines to their handlers and fires completions.
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

#include "data/data.h"
#include "kube_priv.h"

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

/* The members of listed objects that repeat across a fleet's clusters.
 * Their values are shared, so only lists whose callers never modify items
 * and never read their status read through it (kd_kube_list_opts.share);
 * NULL when out of memory, and then those lists read as any other. */
static kd_json_memo *share_memo_new(void)
{
	static const char *const members[] = {
		"spec", "data", "binaryData", "rules", "subjects", "roleRef",
		"webhooks", "labels", "annotations", NULL,
	};
	kd_json_memo *m = kd_json_memo_new("fieldsV1");
	size_t i;

	for (i = 0; m && members[i]; i++) {
		if (kd_json_memo_add(m, members[i]) < 0) {
			kd_json_memo_free(m);
			m = NULL;
			kd_error_clear();
		}
	}
	/* the items' status: the part of an object that changes most, and
	 * one these callers never read (a list's items are at depth 3) */
	if (m && kd_json_memo_skip(m, "status", 3) < 0) {
		kd_json_memo_free(m);
		m = NULL;
		kd_error_clear();
	}
	return m;
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
	d->memo = kd_json_memo_new("fieldsV1");
	d->share_memo = share_memo_new();
	d->wake_fd = -1;
	d->max_per_endpoint = KD_KUBE_MAX_PER_SERVER;
	clock_gettime(CLOCK_REALTIME, &ts);
	d->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		 ((uint64_t)getpid() << 40) ^ 0x9E3779B97F4A7C15ULL;
	*out = d;
	return 0;
}

void kd_kube_driver_free(kd_kube_driver *d)
{
	if (!d)
		return;
	/* Connections own their calls; any left here belong to connections the
	 * caller forgot, so they are cancelled rather than leaked. */
	while (d->head)
		kd_kube_cancel(d->head);
	curl_multi_cleanup(d->multi);
	kd_json_memo_free(d->memo);
	kd_json_memo_free(d->share_memo);
	while (d->nspare > 0)
		kd_buf_free(&d->spare[--d->nspare]);
	while (d->endpoints) {
		kube_endpoint *ep = d->endpoints;

		d->endpoints = ep->next;
		free(ep->key);
		free(ep);
	}
	free(d);
}

int kd_kube_wakeup(kd_kube_driver *d)
{
	CURLMcode mc = curl_multi_wakeup(d->multi);

	return mc == CURLM_OK ? 0 : kd_error_set(KD_EIO, "cannot wake the kube driver: %s",
						   curl_multi_strerror(mc));
}

void kd__kube_buf_take(kd_kube_driver *d, kd_buf *b)
{
	if (b->data || d->nspare == 0)
		return;
	*b = d->spare[--d->nspare];
	kd_buf_clear(b);
}

void kd__kube_buf_give(kd_kube_driver *d, kd_buf *b)
{
	if (b->data && b->cap <= KUBE_SPARE_MAX && d->nspare < KUBE_SPARE_BUFS) {
		d->spare[d->nspare++] = *b;
		*b = (kd_buf)KD_BUF_INIT;
		return;
	}
	kd_buf_free(b);
}

void kd_kube_driver_set_max_per_server(kd_kube_driver *d, int n)
{
	d->max_per_endpoint = n > 0 ? n : 0;
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

/* The connection's server address as libcurl pools connections: the
 * scheme and authority of its URL, and where CONNECT_TO dials instead. */
static int conn_attach_endpoint(kd_kube_conn *c)
{
	const char *auth = strstr(c->base, "://");
	kd_buf key = KD_BUF_INIT;
	kube_endpoint *ep;
	size_t len;

	auth = auth ? auth + 3 : c->base;
	len = (size_t)(auth - c->base) + strcspn(auth, "/?#");
	if (kd_buf_add(&key, c->base, len) < 0 ||
	    (c->connect_to && (kd_buf_putc(&key, ' ') < 0 ||
			       kd_buf_puts(&key, c->connect_to->data) < 0))) {
		kd_buf_free(&key);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	for (ep = c->d->endpoints; ep; ep = ep->next)
		if (strcmp(ep->key, kd_buf_cstr(&key)) == 0)
			break;
	if (!ep) {
		if (!(ep = calloc(1, sizeof(*ep)))) {
			kd_buf_free(&key);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		ep->key = kd_buf_detach(&key);
		if (!ep->key) {
			free(ep);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		ep->next = c->d->endpoints;
		c->d->endpoints = ep;
	}
	kd_buf_free(&key);
	ep->users++;
	c->ep = ep;
	return 0;
}

/* Forgets an endpoint no connection uses any more (its calls are gone). */
static void conn_detach_endpoint(kd_kube_conn *c)
{
	kube_endpoint **pp;

	if (!c->ep || --c->ep->users > 0) {
		c->ep = NULL;
		return;
	}
	for (pp = &c->d->endpoints; *pp; pp = &(*pp)->next)
		if (*pp == c->ep) {
			*pp = c->ep->next;
			break;
		}
	free(c->ep->key);
	free(c->ep);
	c->ep = NULL;
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
	if ((rc = conn_setup_url(c)) < 0 || (rc = conn_attach_endpoint(c)) < 0)
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
		conn_detach_endpoint(c);
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
			kd__kube_call_fail(call, KD_EIO, "%s", "deadline exceeded while waiting to retry");
			continue;
		}
		if (call->not_before_ms > now) {
			if (call->not_before_ms < next)
				next = call->not_before_ms;
			continue;
		}
		/* no timer: a running request of the same server wakes the loop
		 * when it ends and frees its slot */
		if (!call->stream && d->max_per_endpoint &&
		    call->c->ep->running >= d->max_per_endpoint)
			continue;
		if ((wait = kd_kube_bucket_take(&call->c->bucket, now)) > 0) {
			call->not_before_ms = now + wait;
			if (call->not_before_ms < next)
				next = call->not_before_ms;
			continue;
		}
		if ((rc = kd__kube_call_start(call, now)) < 0) {
			char *m = strdup(kd_error_last());

			kd__kube_call_release(call);
			kd__kube_call_fail(call, rc, "%s", m ? m : "cannot start");
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
		kd__kube_call_unref(call);
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
		kd__kube_call_unlink(call);
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

			if (call->raw && !call->error) {
				res.raw = kd_buf_cstr(&call->resp);
				res.raw_len = call->resp.len;
			}

			/* kd_kube_cancel() from its own callback is a no-op. */
			call->cancelled = true;
			if (call->error)
				kd_error_set(call->error, "%s", res.message);
			if (call->done)
				call->done(call->ctx, &res);
			fired++;
			kd__kube_call_unref(call);   /* the list's reference */
		}
		d->batch = next;
		kd__kube_call_unref(call);           /* the batch's */
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
			kd__kube_call_finished(call, m->data.result);
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
