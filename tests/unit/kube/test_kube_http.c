/*
 * Tests for core/kube against a scripted plain-HTTP server forked here:
 * the cases kubesim does not produce on demand.  A server without
 * aggregated discovery (the plain fallback, a broken group skipped), an
 * expired continue token in the middle of a list, a 401 that stays a 401,
 * a malformed body, a watch refused with HTTP 410, the server path prefix
 * and the headers every request carries.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "kube/kube.h"

#define PREFIX "/p/c1"

static pid_t srv_pid = -1;
static int srv_port;
static kd_kube_driver *drv;
static kd_kube_conn *conn;

/* ---- the scripted server (child process) -------------------------------- */

static void reply(int fd, int code, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, strlen(body));

	/* A client that went away (a cancelled call) is not the server's
	 * problem: carry on with the next connection. */
	if (write(fd, head, (size_t)n) == n)
		(void)!write(fd, body, strlen(body));
}

static const char *header(const char *req, const char *name)
{
	static char value[256];
	const char *p = strcasestr(req, name), *end;

	if (!p)
		return "";
	p += strlen(name);
	while (*p == ' ')
		p++;
	end = strstr(p, "\r\n");
	snprintf(value, sizeof(value), "%.*s", (int)(end ? end - p : 0), p);
	return value;
}

static void serve_one(int fd, int *expired_once)
{
	char req[8192], path[1024], echo[1024];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(req) - 1 && (n = read(fd, req + len, sizeof(req) - 1 - len)) > 0) {
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[len] = '\0';
	if (sscanf(req, "%*s %1023s", path) != 1) {
		reply(fd, 400, "{}");
		return;
	}
	/* A proxied request names the whole URL: act as the proxy too. */
	if (!strncmp(path, "http://", 7)) {
		char *slash = strchr(path + 7, '/');

		if (!slash || strncmp(path + 7, "kubernetes.invalid:1/", 21)) {
			reply(fd, 502, "{}");
			return;
		}
		memmove(path, slash, strlen(slash) + 1);
	}
	if (strncmp(path, PREFIX "/", strlen(PREFIX) + 1)) {
		reply(fd, 404, "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404}");
		return;
	}
	memmove(path, path + strlen(PREFIX), strlen(path + strlen(PREFIX)) + 1);
	if (!strcmp(path, "/api")) {
		reply(fd, 200, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]}");
	} else if (!strcmp(path, "/apis")) {
		reply(fd, 200, "{\"kind\":\"APIGroupList\",\"groups\":["
		      "{\"name\":\"apps\",\"versions\":[{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"},"
		      "{\"groupVersion\":\"apps/v1beta9\",\"version\":\"v1beta9\"}],"
		      "\"preferredVersion\":{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}},"
		      "{\"name\":\"broken.example.com\",\"versions\":[{\"groupVersion\":"
		      "\"broken.example.com/v1\",\"version\":\"v1\"}]}]}");
	} else if (!strcmp(path, "/api/v1")) {
		reply(fd, 200, "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
		      "{\"name\":\"configmaps\",\"namespaced\":true,\"kind\":\"ConfigMap\","
		      "\"verbs\":[\"get\",\"list\",\"watch\"]},"
		      "{\"name\":\"pods/status\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\"]},"
		      "{\"name\":\"namespaces\",\"namespaced\":false,\"kind\":\"Namespace\",\"verbs\":[]}]}");
	} else if (!strcmp(path, "/apis/apps/v1")) {
		reply(fd, 200, "{\"kind\":\"APIResourceList\",\"groupVersion\":\"apps/v1\",\"resources\":["
		      "{\"name\":\"deployments\",\"namespaced\":true,\"kind\":\"Deployment\","
		      "\"verbs\":[\"list\"]}]}");
	} else if (!strcmp(path, "/apis/apps/v1beta9")) {
		reply(fd, 200, "{\"kind\":\"APIResourceList\",\"groupVersion\":\"apps/v1beta9\",\"resources\":["
		      "{\"name\":\"deployments\",\"namespaced\":true,\"kind\":\"Deployment\","
		      "\"verbs\":[\"list\"]}]}");
	} else if (!strcmp(path, "/apis/broken.example.com/v1")) {
		reply(fd, 500, "{\"kind\":\"Status\",\"reason\":\"InternalError\",\"code\":500}");
	} else if (!strcmp(path, "/echo")) {
		snprintf(echo, sizeof(echo), "{\"ua\":\"%s\",", header(req, "User-Agent:"));
		snprintf(echo + strlen(echo), sizeof(echo) - strlen(echo), "\"accept\":\"%s\"}",
			 header(req, "Accept:"));
		reply(fd, 200, echo);
	} else if (!strcmp(path, "/api/v1/namespaces/default/configmaps/unauth")) {
		reply(fd, 401, "{\"kind\":\"Status\",\"reason\":\"Unauthorized\",\"code\":401}");
	} else if (!strcmp(path, "/api/v1/namespaces/default/configmaps/garbage")) {
		reply(fd, 200, "{not json");
	} else if (strstr(path, "/configmaps?") && strstr(path, "watch=1")) {
		reply(fd, 410, "{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410,"
		      "\"message\":\"too old resource version: 1 (99)\"}");
	} else if (strstr(path, "/configmaps?") && strstr(path, "continue=tok1")) {
		if ((*expired_once)++ == 0)
			reply(fd, 410, "{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410,"
			      "\"message\":\"The provided continue parameter is too old\"}");
		else
			reply(fd, 200, "{\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\"42\"},"
			      "\"items\":[{\"metadata\":{\"name\":\"c\"}}]}");
	} else if (strstr(path, "/configmaps?")) {
		reply(fd, 200, "{\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\"41\","
		      "\"continue\":\"tok1\"},\"items\":[{\"metadata\":{\"name\":\"a\"}},"
		      "{\"metadata\":{\"name\":\"b\"}}]}");
	} else {
		reply(fd, 404, "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404}");
	}
}

static void serve(int lfd)
{
	int expired_once = 0, fd;

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			_exit(2);
		serve_one(fd, &expired_once);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
}

/* ---- fixtures ----------------------------------------------------------- */

static int setup(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	kd_kube_target *t;
	kd_kube_options o;
	char url[128];
	int lfd;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	srv_port = ntohs(sa.sin_port);
	if ((srv_pid = fork()) < 0)
		return -1;
	if (srv_pid == 0)
		serve(lfd);
	close(lfd);

	if (!(t = calloc(1, sizeof(*t))))
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d" PREFIX "/", srv_port);
	t->context = strdup("scripted");
	t->server = strdup(url);
	t->token = strdup("s3cr3t-token-value");
	kd_kube_options_init(&o);
	o.max_retries = 1;
	o.backoff_base_ms = 10;
	if (kd_kube_driver_new(&drv) < 0)
		return -1;
	return kd_kube_conn_new(&conn, drv, t, NULL, &o);
}

static int teardown(void **state)
{
	int status;

	(void)state;
	kd_kube_conn_free(conn);
	kd_kube_driver_free(drv);
	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, &status, 0);
	}
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_plain_discovery(void **state)
{
	const kd_kube_resource *r, *all;
	size_t n;

	(void)state;
	assert_null(kd_kube_resources(conn, &n));
	assert_int_equal(n, 0);
	assert_int_equal(kd_kube_discover_sync(conn), 0);
	/* configmaps, namespaces, deployments in two versions; the failing
	 * group is skipped, the pods/status subresource is no kind. */
	all = kd_kube_resources(conn, &n);
	assert_non_null(all);
	assert_int_equal(n, 4);
	assert_int_equal(kd_kube_lookup(&r, conn, "", NULL, "ConfigMap"), 0);
	assert_string_equal(r->resource, "configmaps");
	assert_true(r->namespaced);
	assert_true(kd_kube_resource_can(r, "watch"));
	assert_int_equal(kd_kube_lookup(&r, conn, "", NULL, "Namespace"), 0);
	assert_false(r->namespaced);
	/* Subresources are not kinds of their own. */
	assert_int_equal(kd_kube_lookup(&r, conn, "", NULL, "Pod"), KD_ENOTFOUND);
	/* The preferred version wins; another is found when asked for. */
	assert_int_equal(kd_kube_lookup(&r, conn, "apps", NULL, "Deployment"), 0);
	assert_string_equal(r->version, "v1");
	assert_int_equal(kd_kube_lookup(&r, conn, "apps", "v1beta9", "Deployment"), 0);
	assert_string_equal(r->version, "v1beta9");
}

static void test_list_restarts_after_expired_continue(void **state)
{
	json_t *items = NULL;
	char *rv = NULL;

	(void)state;
	assert_int_equal(kd_kube_list_sync(&items, &rv, conn,
					   &(kd_kube_ref){ .version = "v1", .resource = "configmaps",
							   .namespace = "default" }, NULL), 0);
	/* a, b (first try, thrown away), then a, b again and c. */
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(json_array_get(items, 2), "metadata"), "name")), "c");
	assert_string_equal(rv, "42");
	json_decref(items);
	free(rv);
}

static void test_unauthorized_retried_once(void **state)
{
	kd_kube_ref ref = { .version = "v1", .resource = "configmaps", .namespace = "default",
			    .name = "unauth" };
	json_t *obj = NULL;

	(void)state;
	assert_int_equal(kd_kube_get_sync(&obj, conn, &ref), KD_ERROR);
	assert_null(obj);
	assert_non_null(strstr(kd_error_last(), "cluster scripted: configmaps unauth"));
	assert_non_null(strstr(kd_error_last(), "Unauthorized"));
	assert_non_null(strstr(kd_error_last(), "after 2 attempts"));
	assert_null(strstr(kd_error_last(), "s3cr3t"));
}

static void test_malformed_body(void **state)
{
	kd_kube_ref ref = { .version = "v1", .resource = "configmaps", .namespace = "default",
			    .name = "garbage" };
	json_t *obj = NULL;

	(void)state;
	assert_int_equal(kd_kube_get_sync(&obj, conn, &ref), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "malformed JSON"));
}

static void test_headers(void **state)
{
	kd_kube_request req = { .path = "/echo" };
	json_t *body = NULL;
	int status = 0;

	(void)state;
	assert_int_equal(kd_kube_request_sync(&body, &status, conn, &req), 0);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(body, "ua")), KD_KUBE_USER_AGENT);
	assert_string_equal(json_string_value(json_object_get(body, "accept")), "application/json");
	json_decref(body);
}

static int relists;

static void on_event(void *ctx, kd_kube_event_type type, json_t *object, const char *message)
{
	(void)ctx;
	(void)object;
	if (type == KD_KUBE_EVENT_RELIST && strstr(message, "too old resource version"))
		relists++;
}

static void test_watch_http_410(void **state)
{
	kd_kube_ref ref = { .version = "v1", .resource = "configmaps", .namespace = "default" };
	kd_kube_watch *w;

	(void)state;
	assert_int_equal(kd_kube_watch_start(&w, conn, &ref, NULL, "1", on_event, NULL), 0);
	while (!relists)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_int_equal(relists, 1);
	assert_int_equal(kd_kube_driver_pending(drv), 0);
	kd_kube_watch_free(w);
}

static void count_done(void *ctx, const kd_kube_result *res)
{
	(void)res;
	++*(int *)ctx;
}

static void test_cancel(void **state)
{
	kd_kube_request req = { .path = "/echo" };
	kd_kube_call *a, *b;
	int fired_a = 0, fired_b = 0;

	(void)state;
	assert_int_equal(kd_kube_submit(&a, conn, &req, count_done, &fired_a), 0);
	assert_int_equal(kd_kube_submit(&b, conn, &req, count_done, &fired_b), 0);
	assert_int_equal(kd_kube_driver_pending(drv), 2);
	kd_kube_cancel(a);
	assert_int_equal(kd_kube_driver_pending(drv), 1);
	while (!fired_b)
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_int_equal(fired_a, 0);
	assert_int_equal(fired_b, 1);
	assert_int_equal(kd_kube_driver_pending(drv), 0);
}

static void test_connection_refused_retried(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	kd_kube_ref ns = { .version = "v1", .resource = "namespaces", .name = "default" };
	kd_kube_target *t = calloc(1, sizeof(*t));
	kd_kube_options o;
	kd_kube_conn *dead;
	json_t *obj = NULL;
	char url[64];
	int fd;

	(void)state;
	/* A port that was just free: nothing listens there. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	assert_non_null(t);
	t->server = strdup(url);
	t->token = strdup("s3cr3t-token-value");
	kd_kube_options_init(&o);
	o.max_retries = 2;
	o.backoff_base_ms = 10;
	assert_int_equal(kd_kube_conn_new(&dead, drv, t, "dead", &o), 0);
	assert_int_equal(kd_kube_get_sync(&obj, dead, &ns), KD_EIO);
	assert_non_null(strstr(kd_error_last(), "cluster dead: namespaces default"));
	assert_non_null(strstr(kd_error_last(), "after 3 attempts"));
	assert_null(strstr(kd_error_last(), "s3cr3t"));
	kd_kube_conn_free(dead);
}

static void test_proxy(void **state)
{
	kd_kube_request req = { .path = "/echo" };
	kd_kube_target *t = calloc(1, sizeof(*t));
	kd_kube_conn *c;
	json_t *body = NULL;
	char proxy[64];

	(void)state;
	/* The server's name does not resolve: only the proxy can reach it. */
	assert_non_null(t);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", srv_port);
	t->server = strdup("http://kubernetes.invalid:1" PREFIX);
	t->proxy_url = strdup(proxy);
	t->token = strdup("s3cr3t-token-value");
	assert_int_equal(kd_kube_conn_new(&c, drv, t, "proxied", NULL), 0);
	assert_int_equal(kd_kube_request_sync(&body, NULL, c, &req), 0);
	assert_string_equal(json_string_value(json_object_get(body, "ua")), KD_KUBE_USER_AGENT);
	json_decref(body);
	kd_kube_conn_free(c);
}

struct freeing {
	kd_kube_conn *c;
	int fired;
};

static void free_conn_on_done(void *ctx, const kd_kube_result *res)
{
	struct freeing *f = ctx;

	(void)res;
	f->fired++;
	kd_kube_conn_free(f->c);
	f->c = NULL;
}

static void test_conn_freed_from_callback(void **state)
{
	kd_kube_request req = { .path = "/echo" };
	kd_kube_target *t = calloc(1, sizeof(*t));
	struct freeing f = { NULL, 0 };
	char url[64];
	int i;

	(void)state;
	assert_non_null(t);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d" PREFIX, srv_port);
	t->server = strdup(url);
	assert_int_equal(kd_kube_conn_new(&f.c, drv, t, "short-lived", NULL), 0);
	/* Whichever finishes first frees the connection: the others' callbacks
	 * must never fire, whether they finish in the same round or later. */
	for (i = 0; i < 4; i++)
		assert_int_equal(kd_kube_submit(NULL, f.c, &req, free_conn_on_done, &f), 0);
	while (kd_kube_driver_pending(drv))
		assert_int_equal(kd_kube_run(drv, 1000), 0);
	assert_int_equal(f.fired, 1);
	assert_null(f.c);
}

static void test_wakeups(void **state)
{
	int fds[2];

	(void)state;
	/* Both return at once although nothing is pending and the timeout is
	 * ten minutes; a broken wakeup hangs here. */
	assert_int_equal(kd_kube_wakeup(drv), 0);
	assert_int_equal(kd_kube_run(drv, 600000), 0);
	assert_int_equal(pipe(fds), 0);
	kd_kube_driver_set_wake_fd(drv, fds[0]);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(kd_kube_run(drv, 600000), 0);
	kd_kube_driver_set_wake_fd(drv, -1);
	close(fds[0]);
	close(fds[1]);
}

/* A cap of one request per server, shared by two connections to the same
 * server: every call still completes, failed (404) and cancelled ones free
 * their slot too.  A slot that leaked would leave calls waiting forever. */
static void test_per_server_cap(void **state)
{
	kd_kube_conn *other = NULL;
	kd_kube_target *t = calloc(1, sizeof(*t));
	kd_kube_call *calls[8];
	char url[128];
	int done = 0, i, rounds;

	(void)state;
	assert_non_null(t);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d" PREFIX "/", srv_port);
	t->context = strdup("scripted-too");
	t->server = strdup(url);
	assert_int_equal(kd_kube_conn_new(&other, drv, t, NULL, NULL), 0);
	kd_kube_driver_set_max_per_server(drv, 1);
	for (i = 0; i < 8; i++)
		assert_int_equal(kd_kube_submit(&calls[i], i % 2 ? other : conn,
						 &(kd_kube_request){ .path = i % 3 ? "/echo" : "/nowhere" },
						 count_done, &done), 0);
	kd_kube_cancel(calls[5]);
	/* an upper bound that turns a hang into a failure */
	for (rounds = 0; done < 7 && rounds < 600; rounds++)
		assert_int_equal(kd_kube_run(drv, 100), 0);
	assert_int_equal(done, 7);
	kd_kube_driver_set_max_per_server(drv, KD_KUBE_MAX_PER_SERVER);
	kd_kube_conn_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_discovery),
		cmocka_unit_test(test_list_restarts_after_expired_continue),
		cmocka_unit_test(test_unauthorized_retried_once),
		cmocka_unit_test(test_malformed_body),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_watch_http_410),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_conn_freed_from_callback),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_connection_refused_retried),
		cmocka_unit_test(test_wakeups),
		cmocka_unit_test(test_per_server_cap),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
