/*
 * kube_private — what the kube*.c files share with each other and no one
 * else: the call object and the hooks composite operations (list pages,
 * discovery, watches) use to continue a call instead of finishing it.
 */

#ifndef KD_KUBE_PRIV_H
#define KD_KUBE_PRIV_H

#include <curl/curl.h>

#include "kube/kube.h"

/* The calls running against one server address (scheme, host, port and
 * where CONNECT_TO dials): requests beyond the driver's cap wait, so that
 * HTTP/1.1 connections are reused instead of one opened per request. */
#define KUBE_SPARE_BUFS 64
#define KUBE_SPARE_MAX ((size_t)4 << 20)   /* larger buffers are freed */

typedef struct kube_endpoint {
	char *key;
	int running;                /* non-stream calls holding an easy handle */
	int users;                  /* connections pointing here */
	struct kube_endpoint *next;
} kube_endpoint;

struct kd_kube_driver {
	CURLM *multi;
	int wake_fd;
	int max_per_endpoint;       /* 0 = no cap */
	kube_endpoint *endpoints;
	/* Response buffers of finished calls, kept for the next ones: a fleet's
	 * lists are of similar sizes, and reusing their memory spares the
	 * allocator a grow-and-free cycle of large blocks per request. */
	kd_buf spare[KUBE_SPARE_BUFS];
	int nspare;
	kd_kube_call *head, *tail;
	kd_kube_call *batch;        /* completions being fired */
	size_t conns;
	uint64_t rng;
	/* managedFields field sets repeat across a fleet's objects: read once,
	 * shared by every later response (NULL: each read on its own) */
	kd_json_memo *memo;
	/* the same for more of an object, for lists whose caller shares
	 * (kd_kube_list_opts.share; NULL: as memo) */
	kd_json_memo *share_memo;
};

struct kd_kube_conn {
	kd_kube_driver *d;
	kd_kube_target *t;
	char *name;
	kd_kube_options opt;
	kd_kube_bucket bucket;
	char *base;                 /* scheme://host:port[/prefix] as curl sees it */
	struct curl_slist *connect_to;
	kube_endpoint *ep;
	/* discovery cache (discovery.c) */
	kd_kube_resource *resources;
	size_t nresources;
	bool discovered;
};

enum kube_call_state { CALL_WAITING, CALL_RUNNING, CALL_DONE };

/* A composite operation's continuation: called after a 2xx response with
 * the parsed body.  Returns 1 after kd__kube_call_rearm() (the call goes on
 * with a new request), 0 to finish with the result as it stands, or a
 * negative code to finish with that error (message set). */
typedef int (*kube_step_fn)(kd_kube_call *call, json_t *body);

/* A streaming call's handler for one parsed line; runs from kd_kube_run()
 * outside libcurl. */
typedef void (*kube_line_fn)(kd_kube_call *call, json_t *line);

struct kd_kube_call {
	kd_kube_driver *d;
	kd_kube_conn *c;
	struct kd_kube_call *next, *prev;   /* driver's list */
	struct kd_kube_call *batch_next;    /* completions being fired */
	bool linked;                        /* in the driver's list */
	enum kube_call_state state;
	int refs;
	bool cancelled;

	/* request */
	char *method;
	kd_buf url;            /* base + path + query */
	char *accept;
	char *content_type;
	kd_buf body;
	bool has_body;
	char *what;
	bool stream;
	bool raw;              /* a 2xx body is handed over unparsed */
	bool share;            /* parsed through the driver's share_memo */

	/* scheduling */
	int64_t deadline_ms;   /* monotonic */
	int64_t not_before_ms;
	int attempt;           /* attempts started */
	bool reauthed;
	bool limited;          /* took its rate-limit token for this attempt */
	bool slot;             /* counted in its endpoint's running calls */

	/* in flight */
	CURL *easy;
	struct curl_slist *headers;
	kd_buf resp;
	char errbuf[CURL_ERROR_SIZE];
	kd_kube_lines lines;
	json_t *line_queue;    /* parsed stream lines not yet delivered */
	int stream_error;
	bool streaming;        /* a 2xx stream started */

	/* outcome */
	int error;
	int http_status;
	const char *reason;
	kd_buf msg;
	json_t *result_body;
	json_t *items;
	char *resource_version;

	kd_kube_done_fn done;
	void *ctx;
	kube_step_fn step;
	kube_line_fn on_line;
	/* Called on a non-2xx final response: 1 after a rearm goes on, 2
	 * finishes as a success without a body, 0 reports the error. */
	int (*on_error)(kd_kube_call *call);
	void *op;              /* composite operation state */
	void (*op_free)(void *op);
};

/* A response buffer for a starting call, from the spares when there is one
 * (empty, with its memory); and back to the spares after the response was
 * read. */
void kd__kube_buf_take(kd_kube_driver *d, kd_buf *b);
void kd__kube_buf_give(kd_kube_driver *d, kd_buf *b);

/* Creates a waiting call (not yet queued) from a request. */
int kd__kube_call_new(kd_kube_call **out, kd_kube_conn *c,
		      const kd_kube_request *req, kd_kube_done_fn done, void *ctx);
/* Queues it to start after delay_ms. */
void kd__kube_call_queue(kd_kube_call *call, int64_t delay_ms);
/* Replaces the request of a call whose step runs (path+query, same
 * method and headers) and restarts its attempt count and deadline. */
int kd__kube_call_rearm(kd_kube_call *call, const char *path, const char *query,
			const char *accept);
/* Frees a call never queued. */
void kd__kube_call_discard(kd_kube_call *call);

/* The life of one call (call.c), used by the loop (driver.c). */
int kd__kube_call_start(kd_kube_call *call, int64_t now);
void kd__kube_call_finished(kd_kube_call *call, CURLcode cc);
void kd__kube_call_fail(kd_kube_call *call, int error, const char *fmt, const char *detail);
void kd__kube_call_release(kd_kube_call *call);
void kd__kube_call_unlink(kd_kube_call *call);
void kd__kube_call_unref(kd_kube_call *call);

int64_t kd__kube_now_ms(void);
const kd_kube_options *kd__kube_conn_options(const kd_kube_conn *c);
double kd__kube_random(kd_kube_driver *d);

/* Runs the driver until *flag becomes true or it fails. */
int kd__kube_wait(kd_kube_driver *d, const bool *flag);
kd_kube_driver *kd__kube_conn_driver(kd_kube_conn *c);

/* Discovery cache of a connection (discovery.c). */
void kd__kube_discovery_clear(kd_kube_conn *c);

#endif
