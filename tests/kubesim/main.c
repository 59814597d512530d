/*
 * kubesim — a multi-cluster Kubernetes API simulator for tests and demos.
 *
 *   kubesim --port P --clusters LIST --state-dir DIR [--scenario FILE]
 *           [--seed N] [--server-version 1.32] [--history N] [--bookmark-ms MS]
 *           [--root-cluster NAME] [--log]
 *
 * Serves https://127.0.0.1:P/clusters/NAME for every cluster (and one of
 * them at https://127.0.0.1:P/ with --root-cluster, the address a pod's
 * in-cluster credentials name), writes
 * DIR/kubeconfig and prints one "ready port=P" line once it listens.
 * Serves from a small pool of epoll threads.  Nothing blocks them: idle
 * watches and requests held by latency or hang faults are suspended
 * connections, resumed by writes or by the timer thread.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include "ks.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"

ks_server ks_srv;

#define MAX_BODY (16u << 20)

typedef struct conn_state {
	kd_buf body;
	bool too_big;
	bool delayed;      /* latency fault already served */
	bool hung;         /* parked by a hang fault at least once */
	ks_waiter waiter;  /* while parked by a fault */
} conn_state;

/* Requests parked by latency and hang faults. */
static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static ks_waiter *parked;

static const char *lookup_over(const char *const *list, const char *name)
{
	for (; list && list[0]; list += 2)
		if (!strcasecmp(list[0], name))
			return list[1];
	return NULL;
}

const char *ks_query(const ks_request *r, const char *name)
{
	if (!r->conn)
		return lookup_over(r->query_over, name);
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *ks_header(const ks_request *r, const char *name)
{
	if (!r->conn)
		return lookup_over(r->header_over, name);
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void ks_respond_status(ks_response *resp, int code, const char *reason,
		       const char *message, json_t *details)
{
	json_decref(resp->json);
	resp->code = code;
	resp->json = ks_status(code, reason, message, details);
	json_decref(details);
}

static char *split_path(const char *url, char ***segs, size_t *n)
{
	char *copy = strdup(url), *p, *save = NULL;
	char **v;
	size_t cap = 16;

	*segs = NULL;
	*n = 0;
	v = calloc(cap, sizeof(*v));
	if (!copy || !v) {
		free(copy);
		free(v);
		return NULL;
	}
	for (p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (*n + 1 >= cap) {
			char **g = realloc(v, cap * 2 * sizeof(*v));
			if (!g) {
				free(copy);
				free(v);
				return NULL;
			}
			v = g;
			cap *= 2;
		}
		v[(*n)++] = p;
	}
	*segs = v;
	return copy;
}

static bool client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd pfd;

	if (!ci)
		return true;
	pfd.fd = ci->connect_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) < 0)
		return errno != EINTR;
	return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void reset_connection(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct linger lg = {1, 0};

	if (ci)
		setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* Suspends the request for ms milliseconds; false when shutting down. */
static bool park(struct MHD_Connection *conn, conn_state *st, int ms)
{
	struct timespec *w = &st->waiter.wake;

	pthread_mutex_lock(&park_mu);
	if (ks_srv.stopping) {
		pthread_mutex_unlock(&park_mu);
		return false;
	}
	clock_gettime(CLOCK_REALTIME, w);
	w->tv_sec += ms / 1000;
	w->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (w->tv_nsec >= 1000000000L) {
		w->tv_sec++;
		w->tv_nsec -= 1000000000L;
	}
	st->waiter.conn = conn;
	st->waiter.next = parked;
	st->waiter.linked = true;
	parked = &st->waiter;
	MHD_suspend_connection(conn);
	pthread_mutex_unlock(&park_mu);
	return true;
}

static void resume_parked(bool all)
{
	ks_waiter **pp = &parked, *wt;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&park_mu);
	while ((wt = *pp)) {
		if (all || now.tv_sec > wt->wake.tv_sec ||
		    (now.tv_sec == wt->wake.tv_sec && now.tv_nsec >= wt->wake.tv_nsec)) {
			*pp = wt->next;
			wt->linked = false;
			MHD_resume_connection(wt->conn);
		} else {
			pp = &wt->next;
		}
	}
	pthread_mutex_unlock(&park_mu);
}

enum gate { GATE_PASS, GATE_PARKED, GATE_DROP };

/* Network-level faults of the cluster: hang, reset, latency. */
static int fault_gate(ks_cluster *c, struct MHD_Connection *conn, conn_state *st)
{
	ks_faults f;

	pthread_mutex_lock(&c->mu);
	f = c->faults;
	pthread_mutex_unlock(&c->mu);
	if (ks_srv.stopping)
		return GATE_DROP;
	if (f.hang) {
		/* re-checked every second, to let go of clients that gave up */
		if (st->hung && client_gone(conn))
			return GATE_DROP;
		st->hung = true;
		return park(conn, st, 1000) ? GATE_PARKED : GATE_DROP;
	}
	if (f.reset) {
		reset_connection(conn);
		return GATE_DROP;
	}
	if (f.latency_ms > 0 && !st->delayed) {
		st->delayed = true;
		return park(conn, st, f.latency_ms) ? GATE_PARKED : GATE_DROP;
	}
	return GATE_PASS;
}

/* Answers with an error when the cluster's error-rate fault fires. */
static bool apply_faults(ks_cluster *c, ks_response *resp)
{
	ks_faults f;
	unsigned roll;

	pthread_mutex_lock(&c->mu);
	f = c->faults;
	roll = (unsigned)rand_r(&c->rand_state);
	pthread_mutex_unlock(&c->mu);
	if (f.error_rate > 0 && (double)(roll % 10000) / 10000.0 < f.error_rate) {
		int code = f.error_code ? f.error_code : 500;
		const char *reason = code == 429 ? "TooManyRequests" :
				     code == 503 ? "ServiceUnavailable" : "InternalError";
		ks_respond_status(resp, code, reason, code == 429 ?
				  "Too many requests, please try again later." :
				  "the server is currently unable to handle the request", NULL);
		if (code == 429 || code == 503)
			resp->retry_after = f.retry_after > 0 ? f.retry_after : 1;
		return true;
	}
	return false;
}

/* The cluster a URL names, for the fault gate (before authentication,
 * as network faults are). */
static ks_cluster *cluster_of_url(const char *url)
{
	char name[128];
	const char *p, *end;

	if (strncmp(url, "/clusters/", 10))
		return ks_srv.root_cluster && strncmp(url, "/_kubesim", 9) ?
		       ks_cluster_find(&ks_srv, ks_srv.root_cluster) : NULL;
	p = url + 10;
	end = strchr(p, '/');
	if (!end)
		end = p + strlen(p);
	if ((size_t)(end - p) >= sizeof(name))
		return NULL;
	memcpy(name, p, (size_t)(end - p));
	name[end - p] = '\0';
	return ks_cluster_find(&ks_srv, name);
}

static void route(ks_request *r, const char *url, ks_response *resp)
{
	const char *auth = ks_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *ctype = ks_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	char *path = NULL;
	char **segs = NULL;
	size_t nsegs = 0;
	ks_cluster *c;

	if (!auth || strncmp(auth, "Bearer ", 7)) {
		ks_respond_status(resp, 401, "Unauthorized", "Unauthorized", NULL);
		return;
	}
	if (!strcmp(auth + 7, ks_srv.admin_token)) {
		r->role = KS_ROLE_NORMAL;
		r->user = "kubesim-admin";
	} else if (!strcmp(auth + 7, ks_srv.readonly_token)) {
		r->role = KS_ROLE_READONLY;
		r->user = "kubesim-readonly";
	} else if (!strcmp(auth + 7, ks_srv.breakglass_token)) {
		r->role = KS_ROLE_BREAKGLASS;
		r->user = "kubesim-breakglass";
	} else {
		ks_respond_status(resp, 401, "Unauthorized", "Unauthorized", NULL);
		return;
	}
	path = split_path(url, &segs, &nsegs);
	if (!path) {
		ks_respond_status(resp, 500, "InternalError", "out of memory", NULL);
		return;
	}
	if (nsegs >= 1 && !strcmp(segs[0], "_kubesim")) {
		if (r->role != KS_ROLE_NORMAL) {
			ks_respond_status(resp, 403, "Forbidden", "the control API needs the admin token", NULL);
		} else {
			r->segs = segs + 1;
			r->nsegs = nsegs - 1;
			ks_control_handle(r, resp);
		}
		goto cleanup;
	}
	if (ks_srv.root_cluster && (nsegs == 0 || strcmp(segs[0], "clusters"))) {
		/* --root-cluster: the API server an in-cluster client knows */
		if (!(c = ks_cluster_find(&ks_srv, ks_srv.root_cluster))) {
			ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
			goto cleanup;
		}
		r->segs = segs;
		r->nsegs = nsegs;
	} else if (nsegs < 2 || strcmp(segs[0], "clusters") || !(c = ks_cluster_find(&ks_srv, segs[1]))) {
		ks_respond_status(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
		goto cleanup;
	} else {
		r->segs = segs + 2;
		r->nsegs = nsegs - 2;
	}
	if (apply_faults(c, resp))
		goto cleanup;
	if (ctype && strstr(ctype, "protobuf")) {
		ks_respond_status(resp, 415, "UnsupportedMediaType",
				  "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
				  NULL);
		goto cleanup;
	}
	ks_api_handle(c, r, resp);
cleanup:
	free(segs);
	free(path);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, ks_response *resp)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	char *text = NULL;
	size_t len = 0;
	char ra[16];

	if (resp->stream) {
		mr = resp->stream;
	} else {
		if (resp->json) {
			text = json_dumps(resp->json, JSON_COMPACT);
			len = text ? strlen(text) : 0;
		} else if (resp->raw) {
			text = resp->raw;
			len = resp->raw_len;
			resp->raw = NULL;
		}
		if (!text) {
			text = strdup("");
			len = 0;
		}
		mr = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (!mr) {
			free(text);
			return MHD_NO;
		}
	}
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
				resp->content_type ? resp->content_type : "application/json");
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, private");
	for (size_t i = 0; i < json_array_size(resp->warnings); i++) {
		kd_buf h = KD_BUF_INIT;
		const char *c;
		kd_buf_puts(&h, "299 - \"");
		for (c = json_string_value(json_array_get(resp->warnings, i)); c && *c; c++) {
			if (*c == '"' || *c == '\\')
				kd_buf_putc(&h, '\\');
			kd_buf_putc(&h, *c);
		}
		kd_buf_putc(&h, '"');
		MHD_add_response_header(mr, "Warning", kd_buf_cstr(&h));
		kd_buf_free(&h);
	}
	if (resp->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", resp->retry_after);
		MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(conn, (unsigned)(resp->code ? resp->code : 200), mr);
	MHD_destroy_response(mr);
	resp->stream = NULL;
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	conn_state *st = *con_cls;
	ks_request r;
	ks_response resp;
	ks_cluster *fc;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_size) {
		if (st->body.len + *upload_size > MAX_BODY || kd_buf_add(&st->body, upload_data, *upload_size) < 0)
			st->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	fc = cluster_of_url(url);
	if (fc) {
		switch (fault_gate(fc, conn, st)) {
		case GATE_PARKED:
			return MHD_YES; /* called again once resumed */
		case GATE_DROP:
			return MHD_NO;
		default:
			break;
		}
	}
	memset(&r, 0, sizeof(r));
	memset(&resp, 0, sizeof(resp));
	r.conn = conn;
	r.method = method;
	r.body = kd_buf_cstr(&st->body);
	r.body_len = st->body.len;
	if (st->too_big)
		ks_respond_status(&resp, 413, "RequestEntityTooLarge", "the request body is too large", NULL);
	else
		route(&r, url, &resp);
	if (ks_srv.access_log) {
		/* method, path and outcome only: queries may hold selectors, never
		 * tokens, but bodies may hold Secrets */
		flockfile(stderr);
		fprintf(stderr, "kubesim: %s %s %d%s\n", method, url, resp.code ? resp.code : 200,
			resp.stream ? " (watch)" : "");
		funlockfile(stderr);
	}
	ret = send_response(conn, &resp);
	json_decref(resp.json);
	json_decref(resp.warnings);
	free(resp.raw);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	conn_state *st = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (st) {
		kd_buf_free(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

static int write_kubeconfig(const char *dir, const char *ca_pem)
{
	kd_buf b = KD_BUF_INIT, path = KD_BUF_INIT, b64 = KD_BUF_INIT;
	size_t i, n = strlen(ca_pem);
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	FILE *f = NULL;
	int rc = KD_ENOMEM;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)ca_pem[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)ca_pem[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)ca_pem[i + 2];
		if (kd_buf_putc(&b64, tbl[(v >> 18) & 63]) < 0 || kd_buf_putc(&b64, tbl[(v >> 12) & 63]) < 0 ||
		    kd_buf_putc(&b64, i + 1 < n ? tbl[(v >> 6) & 63] : '=') < 0 ||
		    kd_buf_putc(&b64, i + 2 < n ? tbl[v & 63] : '=') < 0)
			goto cleanup;
	}
	if (kd_buf_puts(&b, "apiVersion: v1\nkind: Config\nclusters:\n") < 0)
		goto cleanup;
	for (i = 0; i < ks_srv.nclusters; i++)
		if (kd_buf_printf(&b, "- name: %s\n  cluster:\n    server: https://127.0.0.1:%d/clusters/%s\n"
				  "    certificate-authority-data: %s\n", ks_srv.clusters[i]->name,
				  ks_srv.port, ks_srv.clusters[i]->name, kd_buf_cstr(&b64)) < 0)
			goto cleanup;
	if (kd_buf_printf(&b, "users:\n- name: kubesim-admin\n  user:\n    token: %s\n"
			  "- name: kubesim-readonly\n  user:\n    token: %s\n"
			  "- name: kubesim-breakglass\n  user:\n    token: %s\ncontexts:\n",
			  ks_srv.admin_token, ks_srv.readonly_token, ks_srv.breakglass_token) < 0)
		goto cleanup;
	for (i = 0; i < ks_srv.nclusters; i++) {
		const char *nm = ks_srv.clusters[i]->name;
		if (kd_buf_printf(&b, "- name: %s\n  context:\n    cluster: %s\n    user: kubesim-admin\n    namespace: default\n"
				  "- name: %s-readonly\n  context:\n    cluster: %s\n    user: kubesim-readonly\n    namespace: default\n"
				  "- name: %s-breakglass\n  context:\n    cluster: %s\n    user: kubesim-breakglass\n    namespace: default\n",
				  nm, nm, nm, nm, nm, nm) < 0)
			goto cleanup;
	}
	if (kd_buf_printf(&b, "current-context: %s\n", ks_srv.clusters[0]->name) < 0 ||
	    kd_buf_printf(&path, "%s/kubeconfig", dir) < 0)
		goto cleanup;
	rc = KD_EIO;
	f = fopen(kd_buf_cstr(&path), "w");
	if (!f) {
		kd_error_set(KD_EIO, "cannot write %s: %s", kd_buf_cstr(&path), strerror(errno));
		goto cleanup;
	}
	fchmod(fileno(f), 0600);
	if (fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0) {
		f = NULL;
		kd_error_set(KD_EIO, "cannot write %s", kd_buf_cstr(&path));
		goto cleanup;
	}
	f = NULL;
	rc = 0;
cleanup:
	if (f)
		fclose(f);
	kd_buf_free(&b);
	kd_buf_free(&path);
	kd_buf_free(&b64);
	return rc;
}

static void seed_namespaces(void)
{
	static const char *names[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
	size_t i, k;
	char ts[32], uid[37];
	const ks_type *ns = NULL, *b;
	size_t n;

	b = ks_types_builtin(&n);
	for (i = 0; i < n; i++)
		if (!strcmp(b[i].kind, "Namespace"))
			ns = &b[i];
	ks_now_rfc3339(ts);
	for (k = 0; k < ks_srv.nclusters; k++) {
		ks_cluster *c = ks_srv.clusters[k];
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char *key = ks_key(ns, NULL, names[i]);
			json_t *o;

			ks_uuid(uid);
			o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:{s:[s]}, s:{s:s}}",
				      "apiVersion", "v1", "kind", "Namespace", "metadata", "name",
				      names[i], "uid", uid, "creationTimestamp", ts, "labels",
				      "kubernetes.io/metadata.name", names[i], "spec", "finalizers",
				      "kubernetes", "status", "phase", "Active");
			if (key && o)
				ks_store_put(c, key, o, true);
			json_decref(o);
			free(key);
		}
	}
}

static void wake_all(bool all)
{
	size_t k;

	for (k = 0; k < ks_srv.nclusters; k++) {
		pthread_mutex_lock(&ks_srv.clusters[k]->mu);
		ks_watch_wake_locked(ks_srv.clusters[k], all);
		pthread_mutex_unlock(&ks_srv.clusters[k]->mu);
	}
	resume_parked(all);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: kubesim --port P --clusters LIST|COUNT --state-dir DIR "
		"[--scenario FILE] [--seed N] [--server-version 1.MINOR] [--history N] [--bookmark-ms MS]\n"
		"       [--root-cluster NAME] [--log]\n");
}

int main(int argc, char **argv)
{
	const char *clusters = NULL, *state_dir = NULL, *scenario = NULL;
	char *ca = NULL, *cert = NULL, *key = NULL;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	struct sigaction sa;
	struct rlimit rl;
	int port = -1, i, status = 1;
	long seed = -1;

	ks_srv.minor = 32;
	ks_srv.history = 256;
	ks_srv.bookmark_ms = 5000;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--log")) {
			ks_srv.access_log = true;
			continue;
		}
		if (!v) {
			usage();
			return 2;
		}
		if (!strcmp(a, "--port"))
			port = atoi(v);
		else if (!strcmp(a, "--clusters"))
			clusters = v;
		else if (!strcmp(a, "--state-dir"))
			state_dir = v;
		else if (!strcmp(a, "--scenario"))
			scenario = v;
		else if (!strcmp(a, "--seed"))
			seed = atol(v);
		else if (!strcmp(a, "--history"))
			ks_srv.history = (size_t)atol(v);
		else if (!strcmp(a, "--bookmark-ms"))
			ks_srv.bookmark_ms = atoi(v);
		else if (!strcmp(a, "--root-cluster"))
			ks_srv.root_cluster = v;
		else if (!strcmp(a, "--server-version")) {
			if (strncmp(v, "1.", 2) || atoi(v + 2) < 20 || atoi(v + 2) > 40) {
				fprintf(stderr, "kubesim: --server-version must look like 1.32\n");
				return 2;
			}
			ks_srv.minor = atoi(v + 2);
		} else {
			usage();
			return 2;
		}
		i++;
	}
	if (port < 0 || port > 65535 || !clusters || !state_dir || ks_srv.history < 1) {
		usage();
		return 2;
	}
	srand(seed >= 0 ? (unsigned)seed : (unsigned)time(NULL));
	if (ks_store_init(&ks_srv, clusters) < 0) {
		fprintf(stderr, "kubesim: %s\n", kd_error_last());
		goto cleanup;
	}
	/* --seed makes error-rate faults fire on the same requests every run */
	for (size_t k = 0; k < ks_srv.nclusters; k++)
		ks_srv.clusters[k]->rand_state ^= (unsigned)(seed >= 0 ? seed : time(NULL)) * 2654435761u;
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "kubesim: cannot create %s: %s\n", state_dir, strerror(errno));
		goto cleanup;
	}
	if (ks_certs_generate(&ca, &cert, &key) < 0) {
		fprintf(stderr, "kubesim: %s\n", kd_error_last());
		goto cleanup;
	}
	ks_random_hex(ks_srv.admin_token, 24);
	ks_random_hex(ks_srv.readonly_token, 24);
	ks_random_hex(ks_srv.breakglass_token, 24);
	seed_namespaces();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Every watch holds a connection: allow as many as the system does. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			     MHD_USE_TLS | MHD_USE_ERROR_LOG,
			     (uint16_t)port, NULL, NULL, on_request, NULL,
			     MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)60000,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "kubesim: cannot listen on port %d\n", port);
		goto cleanup;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	ks_srv.port = info ? info->port : port;
	if (write_kubeconfig(state_dir, ca) < 0) {
		fprintf(stderr, "kubesim: %s\n", kd_error_last());
		goto cleanup;
	}
	if (scenario && ks_scenario_start(scenario) < 0) {
		fprintf(stderr, "kubesim: %s\n", kd_error_last());
		goto cleanup;
	}
	printf("ready port=%d\n", ks_srv.port);
	fflush(stdout);
	/* The timer: resumes parked watches and requests whose time came. */
	while (!got_signal) {
		sleep_ms(20);
		wake_all(false);
	}
	status = 0;
cleanup:
	ks_srv.stopping = 1;
	ks_scenario_stop();
	/* Nothing may stay suspended when the daemon stops; with stopping set,
	 * nothing parks again. */
	wake_all(true);
	if (d)
		MHD_stop_daemon(d);
	ks_store_free(&ks_srv);
	free(ca);
	free(cert);
	free(key);
	return status;
}
